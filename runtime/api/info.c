/*
 * info.c (api) -- the MPI_Info calls.  They may be called before MPI_Init
 * and after MPI_Finalize (MPI 4.0, 11.4.1); errors go to the error handler
 * of MPI_COMM_WORLD (the fatal one outside of MPI).
 */
#include <stdio.h>
#include <string.h>

#include "lark.h"
#include "error.h"
#include "info.h"
#include "runtime.h"

static int get_info(const char *call, MPI_Info h, struct lark_info **out)
{
    *out = lark_info_from_handle(h);
    if (*out == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_INFO,
                              h == MPI_INFO_NULL ? "the info object is MPI_INFO_NULL"
                                                 : "the info object %p is not valid",
                              (void *)h);
    return MPI_SUCCESS;
}

/* A key: not NULL, 1..MPI_MAX_INFO_KEY-1 characters. */
static int check_key(const char *call, const char *key)
{
    if (key == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_INFO_KEY, "the key is NULL");
    size_t n = strnlen(key, MPI_MAX_INFO_KEY);
    if (n == 0)
        return lark_err_raise(NULL, call, MPI_ERR_INFO_KEY, "the key is empty");
    if (n >= MPI_MAX_INFO_KEY)
        return lark_err_raise(NULL, call, MPI_ERR_INFO_KEY,
                              "the key is longer than MPI_MAX_INFO_KEY-1 (%d) characters",
                              MPI_MAX_INFO_KEY - 1);
    return MPI_SUCCESS;
}

int PMPI_Info_create(MPI_Info *info)
{
    if (info == NULL)
        return lark_err_raise(NULL, "MPI_Info_create", MPI_ERR_ARG, "info is NULL");
    struct lark_info *i = lark_info_new();
    if (i == NULL)
        return lark_err_raise(NULL, "MPI_Info_create", MPI_ERR_NO_MEM, "out of memory");
    *info = lark_info_to_handle(i);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Info_create)

int PMPI_Info_create_env(int argc, char *argv[], MPI_Info *info)
{
    (void)argc;
    (void)argv; /* the command line is read from /proc, as MPI_INFO_ENV's */
    static const char call[] = "MPI_Info_create_env";
    if (info == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "info is NULL");
    struct lark_info *i = lark_info_dup(lark_info_from_handle(MPI_INFO_ENV));
    if (i == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_NO_MEM, "out of memory");
    *info = lark_info_to_handle(i);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Info_create_env)

int PMPI_Info_free(MPI_Info *info)
{
    static const char call[] = "MPI_Info_free";
    struct lark_info *i;
    if (info == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "info is NULL");
    int err = get_info(call, *info, &i);
    if (err != MPI_SUCCESS)
        return err;
    if (i->predefined)
        return lark_err_raise(NULL, call, MPI_ERR_INFO, "MPI_INFO_ENV cannot be freed");
    lark_info_free(i);
    *info = MPI_INFO_NULL;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Info_free)

int PMPI_Info_dup(MPI_Info info, MPI_Info *newinfo)
{
    static const char call[] = "MPI_Info_dup";
    struct lark_info *i;
    int err = get_info(call, info, &i);
    if (err != MPI_SUCCESS)
        return err;
    if (newinfo == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "newinfo is NULL");
    struct lark_info *n = lark_info_dup(i);
    if (n == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_NO_MEM, "out of memory");
    *newinfo = lark_info_to_handle(n);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Info_dup)

int PMPI_Info_set(MPI_Info info, const char *key, const char *value)
{
    static const char call[] = "MPI_Info_set";
    struct lark_info *i;
    int err = get_info(call, info, &i);
    if (err == MPI_SUCCESS)
        err = check_key(call, key);
    if (err != MPI_SUCCESS)
        return err;
    if (value == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_INFO_VALUE, "the value of \"%s\" is NULL", key);
    if (strnlen(value, MPI_MAX_INFO_VAL) >= MPI_MAX_INFO_VAL)
        return lark_err_raise(NULL, call, MPI_ERR_INFO_VALUE,
                              "the value of \"%s\" is longer than MPI_MAX_INFO_VAL-1 (%d) "
                              "characters",
                              key, MPI_MAX_INFO_VAL - 1);
    if (lark_info_set(i, key, value) != 0)
        return lark_err_raise(NULL, call, MPI_ERR_NO_MEM, "out of memory");
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Info_set)

int PMPI_Info_delete(MPI_Info info, const char *key)
{
    static const char call[] = "MPI_Info_delete";
    struct lark_info *i;
    int err = get_info(call, info, &i);
    if (err == MPI_SUCCESS)
        err = check_key(call, key);
    if (err != MPI_SUCCESS)
        return err;
    if (!lark_info_delete(i, key))
        return lark_err_raise(NULL, call, MPI_ERR_INFO_NOKEY, "the key \"%s\" is not set", key);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Info_delete)

int PMPI_Info_get(MPI_Info info, const char *key, int valuelen, char *value, int *flag)
{
    static const char call[] = "MPI_Info_get";
    struct lark_info *i;
    int err = get_info(call, info, &i);
    if (err == MPI_SUCCESS)
        err = check_key(call, key);
    if (err != MPI_SUCCESS)
        return err;
    if (valuelen < 0)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "valuelen %d is negative", valuelen);
    if (flag == NULL || (value == NULL && valuelen > 0))
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "value or flag is NULL");
    const char *v = lark_info_get(i, key);
    *flag = v != NULL;
    if (v != NULL && value != NULL) {
        /* valuelen excludes the terminating NUL (value holds valuelen+1). */
        size_t n = strlen(v);
        if (n > (size_t)valuelen)
            n = (size_t)valuelen;
        memcpy(value, v, n);
        value[n] = '\0';
    }
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Info_get)

int PMPI_Info_get_string(MPI_Info info, const char *key, int *buflen, char *value, int *flag)
{
    static const char call[] = "MPI_Info_get_string";
    struct lark_info *i;
    int err = get_info(call, info, &i);
    if (err == MPI_SUCCESS)
        err = check_key(call, key);
    if (err != MPI_SUCCESS)
        return err;
    if (buflen == NULL || flag == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "buflen or flag is NULL");
    if (*buflen < 0)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "*buflen %d is negative", *buflen);
    if (*buflen > 0 && value == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "value is NULL with *buflen %d", *buflen);
    const char *v = lark_info_get(i, key);
    *flag = v != NULL;
    if (v == NULL)
        return MPI_SUCCESS;
    int len = (int)strlen(v);
    if (*buflen > 0) {
        int n = len < *buflen - 1 ? len : *buflen - 1;
        memcpy(value, v, (size_t)n);
        value[n] = '\0';
    }
    *buflen = len + 1;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Info_get_string)

int PMPI_Info_get_valuelen(MPI_Info info, const char *key, int *valuelen, int *flag)
{
    static const char call[] = "MPI_Info_get_valuelen";
    struct lark_info *i;
    int err = get_info(call, info, &i);
    if (err == MPI_SUCCESS)
        err = check_key(call, key);
    if (err != MPI_SUCCESS)
        return err;
    if (valuelen == NULL || flag == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "valuelen or flag is NULL");
    const char *v = lark_info_get(i, key);
    *flag = v != NULL;
    if (v != NULL)
        *valuelen = (int)strlen(v);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Info_get_valuelen)

int PMPI_Info_get_nkeys(MPI_Info info, int *nkeys)
{
    static const char call[] = "MPI_Info_get_nkeys";
    struct lark_info *i;
    int err = get_info(call, info, &i);
    if (err != MPI_SUCCESS)
        return err;
    if (nkeys == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "nkeys is NULL");
    *nkeys = i->nkeys;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Info_get_nkeys)

int PMPI_Info_get_nthkey(MPI_Info info, int n, char *key)
{
    static const char call[] = "MPI_Info_get_nthkey";
    struct lark_info *i;
    int err = get_info(call, info, &i);
    if (err != MPI_SUCCESS)
        return err;
    if (key == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "key is NULL");
    if (n < 0 || n >= i->nkeys)
        return lark_err_raise(NULL, call, MPI_ERR_ARG,
                              "n = %d is not in 0..%d (the number of keys minus one)", n,
                              i->nkeys - 1);
    snprintf(key, MPI_MAX_INFO_KEY, "%s", i->kv[n].key);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Info_get_nthkey)

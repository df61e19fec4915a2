/*
 * attr.c (api) -- attribute caching on communicators: keyvals, set/get/
 * delete, the predefined attributes (MPI_TAG_UB, MPI_HOST, MPI_IO,
 * MPI_WTIME_IS_GLOBAL, MPI_UNIVERSE_SIZE, MPI_APPNUM, MPI_LASTUSEDCODE),
 * and the deprecated MPI-1 names (MPI_Keyval_create, MPI_Attr_put, ...).
 * The lists and callbacks live in runtime/attr.c.
 */
#include "api/check.h"
#include "attr.h"
#include "comm.h"
#include "errcode.h"
#include "error.h"
#include "runtime.h"

static int enter(const char *call, MPI_Comm comm, struct lark_comm **c)
{
    if (!lark_initialized())
        return lark_err_raise(NULL, call, MPI_ERR_OTHER,
                              "called before MPI_Init or after MPI_Finalize");
    *c = lark_comm_from_handle(comm);
    if (*c == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_COMM, "the communicator is not valid%s",
                              comm == MPI_COMM_NULL ? " (MPI_COMM_NULL)" : "");
    return MPI_SUCCESS;
}

static int keyval_error(struct lark_comm *c, const char *call, int rc, int keyval)
{
    if (rc == MPI_ERR_KEYVAL)
        return lark_err_raise(c, call, MPI_ERR_KEYVAL,
                              "keyval %d is not a communicator keyval in use (freed, predefined "
                              "where that is not allowed, or of another kind)",
                              keyval);
    return lark_err_raise(c, call, rc, "an attribute callback failed, or out of memory");
}

static int create_keyval(const char *call, void *copy, void *del, int *keyval, void *extra)
{
    if (keyval == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "keyval is NULL");
    int rc = lark_attr_keyval_create(LARK_ATTR_COMM, (lark_attr_copy_fn *)copy,
                                     (lark_attr_delete_fn *)del, extra, keyval);
    if (rc != 0)
        return lark_err_raise(NULL, call, rc, "out of memory");
    return MPI_SUCCESS;
}

int PMPI_Comm_create_keyval(MPI_Comm_copy_attr_function *copy_fn,
                            MPI_Comm_delete_attr_function *delete_fn, int *keyval,
                            void *extra_state)
{
    return create_keyval("MPI_Comm_create_keyval", (void *)copy_fn, (void *)delete_fn, keyval,
                         extra_state);
}
LARK_API_ALIAS(Comm_create_keyval)

int PMPI_Keyval_create(MPI_Copy_function *copy_fn, MPI_Delete_function *delete_fn, int *keyval,
                       void *extra_state)
{
    return create_keyval("MPI_Keyval_create", (void *)copy_fn, (void *)delete_fn, keyval,
                         extra_state);
}
LARK_API_ALIAS(Keyval_create)

static int free_keyval(const char *call, int *keyval)
{
    if (keyval == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "keyval is NULL");
    if (lark_attr_keyval_free(LARK_ATTR_COMM, *keyval) != 0)
        return keyval_error(NULL, call, MPI_ERR_KEYVAL, *keyval);
    *keyval = MPI_KEYVAL_INVALID;
    return MPI_SUCCESS;
}

int PMPI_Comm_free_keyval(int *keyval)
{
    return free_keyval("MPI_Comm_free_keyval", keyval);
}
LARK_API_ALIAS(Comm_free_keyval)

int PMPI_Keyval_free(int *keyval)
{
    return free_keyval("MPI_Keyval_free", keyval);
}
LARK_API_ALIAS(Keyval_free)

static int set_attr(const char *call, MPI_Comm comm, int keyval, void *value)
{
    struct lark_comm *c;
    int err = enter(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (lark_attr_predefined(LARK_ATTR_COMM, keyval))
        return lark_err_raise(c, call, MPI_ERR_KEYVAL, "keyval %d is predefined: it cannot be set",
                              keyval);
    int rc = lark_attr_set(LARK_ATTR_COMM, c->handle, &c->attrs, keyval, value);
    return rc != 0 ? keyval_error(c, call, rc, keyval) : MPI_SUCCESS;
}

int PMPI_Comm_set_attr(MPI_Comm comm, int comm_keyval, void *attribute_val)
{
    return set_attr("MPI_Comm_set_attr", comm, comm_keyval, attribute_val);
}
LARK_API_ALIAS(Comm_set_attr)

int PMPI_Attr_put(MPI_Comm comm, int keyval, void *attribute_val)
{
    return set_attr("MPI_Attr_put", comm, keyval, attribute_val);
}
LARK_API_ALIAS(Attr_put)

/* The predefined attributes' values (the attribute is a pointer to one). */
static int tag_ub = LARK_TAG_UB, host = MPI_PROC_NULL, io = MPI_ANY_SOURCE, wtime_global = 0;
static int universe, appnum, lastcode;

static void *predefined_value(int keyval)
{
    switch (keyval) {
    case MPI_TAG_UB:
        return &tag_ub;
    case MPI_HOST:
        return &host;
    case MPI_IO:
        return &io;
    case MPI_WTIME_IS_GLOBAL:
        return &wtime_global;
    case MPI_UNIVERSE_SIZE:
        universe = lark_rt.size; /* no dynamic processes: the universe is the job */
        return &universe;
    case MPI_APPNUM:
        appnum = lark_rt.appnum;
        return &appnum;
    default: /* MPI_LASTUSEDCODE */
        lastcode = lark_errcode_last();
        return &lastcode;
    }
}

static int get_attr(const char *call, MPI_Comm comm, int keyval, void *value, int *flag)
{
    struct lark_comm *c;
    int err = enter(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (value == NULL || flag == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "attribute_val or flag is NULL");
    if (lark_attr_predefined(LARK_ATTR_COMM, keyval)) {
        *(void **)value = predefined_value(keyval);
        *flag = 1;
        return MPI_SUCCESS;
    }
    void *v = NULL;
    bool found = false;
    int rc = lark_attr_get(LARK_ATTR_COMM, &c->attrs, keyval, &v, &found);
    if (rc != 0)
        return keyval_error(c, call, rc, keyval);
    *flag = found;
    if (found)
        *(void **)value = v;
    return MPI_SUCCESS;
}

int PMPI_Comm_get_attr(MPI_Comm comm, int comm_keyval, void *attribute_val, int *flag)
{
    return get_attr("MPI_Comm_get_attr", comm, comm_keyval, attribute_val, flag);
}
LARK_API_ALIAS(Comm_get_attr)

int PMPI_Attr_get(MPI_Comm comm, int keyval, void *attribute_val, int *flag)
{
    return get_attr("MPI_Attr_get", comm, keyval, attribute_val, flag);
}
LARK_API_ALIAS(Attr_get)

static int delete_attr(const char *call, MPI_Comm comm, int keyval)
{
    struct lark_comm *c;
    int err = enter(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (lark_attr_predefined(LARK_ATTR_COMM, keyval))
        return lark_err_raise(c, call, MPI_ERR_KEYVAL,
                              "keyval %d is predefined: it cannot be deleted", keyval);
    int rc = lark_attr_delete(LARK_ATTR_COMM, c->handle, &c->attrs, keyval);
    return rc != 0 ? keyval_error(c, call, rc, keyval) : MPI_SUCCESS;
}

int PMPI_Comm_delete_attr(MPI_Comm comm, int comm_keyval)
{
    return delete_attr("MPI_Comm_delete_attr", comm, comm_keyval);
}
LARK_API_ALIAS(Comm_delete_attr)

int PMPI_Attr_delete(MPI_Comm comm, int keyval)
{
    return delete_attr("MPI_Attr_delete", comm, keyval);
}
LARK_API_ALIAS(Attr_delete)

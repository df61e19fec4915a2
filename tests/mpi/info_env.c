/*
 * info_env.c -- MPI_Info objects and the environment calls: set/get/delete
 * in order, the key and value length limits with their error classes,
 * dup independence, MPI_INFO_ENV's keys, Info_get_string's buffer rules,
 * MPI_Alloc_mem/Free_mem, Query_thread/Is_thread_main, Pcontrol,
 * Comm_get_parent, Wtick and Get_hw_resource_info.  Info calls also work
 * before MPI_Init.  Runs under Open MPI too (MPI 4.1 calls aside).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int wrank;
#define TEST_NAME "info_env"
#include "check.h"

static void limits(void)
{
    MPI_Info info;
    char key[MPI_MAX_INFO_KEY + 8], val[MPI_MAX_INFO_VAL + 8];
    int rc, flag, cls;
    MPI_Info_create(&info);

    /* Longest legal key and value are accepted; one more character is not. */
    memset(key, 'k', sizeof key);
    key[MPI_MAX_INFO_KEY - 1] = '\0';
    memset(val, 'v', sizeof val);
    val[MPI_MAX_INFO_VAL - 1] = '\0';
    CHECK(MPI_Info_set(info, key, val) == MPI_SUCCESS, "longest key/value refused");
    int vl = 0;
    MPI_Info_get_valuelen(info, key, &vl, &flag);
    CHECK(flag && vl == MPI_MAX_INFO_VAL - 1, "valuelen %d flag %d", vl, flag);
    key[MPI_MAX_INFO_KEY - 1] = 'k';
    key[MPI_MAX_INFO_KEY] = '\0';
    rc = MPI_Info_set(info, key, "x");
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_INFO_KEY, "too-long key gave class %d", cls);
    val[MPI_MAX_INFO_VAL - 1] = 'v';
    val[MPI_MAX_INFO_VAL] = '\0';
    rc = MPI_Info_set(info, "short", val);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_INFO_VALUE, "too-long value gave class %d", cls);
    rc = MPI_Info_set(info, "", "x");
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_INFO_KEY, "empty key gave class %d", cls);
    rc = MPI_Info_delete(info, "absent");
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_INFO_NOKEY, "deleting an absent key gave class %d", cls);
    int nkeys;
    MPI_Info_get_nkeys(info, &nkeys);
    char k[MPI_MAX_INFO_KEY];
    rc = MPI_Info_get_nthkey(info, nkeys, k);
    CHECK(rc != MPI_SUCCESS, "nthkey past the end succeeded");
    MPI_Info_free(&info);
    CHECK(info == MPI_INFO_NULL, "Info_free did not reset the handle");
    rc = MPI_Info_set(MPI_INFO_NULL, "a", "b");
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_INFO, "set on MPI_INFO_NULL gave class %d", cls);
}

static void basics(void)
{
    MPI_Info info, dup;
    int flag, nkeys;
#if MPI_VERSION >= 4
    int buflen;
#endif
    char v[64], k[MPI_MAX_INFO_KEY];
    MPI_Info_create(&info);
    MPI_Info_set(info, "b", "2");
    MPI_Info_set(info, "a", "1");
    MPI_Info_set(info, "c", "3");
    MPI_Info_set(info, "a", "one"); /* replaces, keeps its place */
    MPI_Info_get_nkeys(info, &nkeys);
    CHECK(nkeys == 3, "nkeys %d", nkeys);
    const char *order[] = {"b", "a", "c"};
    for (int i = 0; i < 3; i++) {
        MPI_Info_get_nthkey(info, i, k);
        CHECK(strcmp(k, order[i]) == 0, "key %d is '%s'", i, k);
    }
    MPI_Info_get(info, "a", sizeof v - 1, v, &flag);
    CHECK(flag && strcmp(v, "one") == 0, "a = '%s'", v);
    MPI_Info_get(info, "a", 2, v, &flag); /* valuelen excludes the NUL */
    CHECK(flag && strcmp(v, "on") == 0, "truncated get '%s'", v);
    MPI_Info_get(info, "zz", sizeof v - 1, v, &flag);
    CHECK(!flag, "absent key found");

#if MPI_VERSION >= 4
    buflen = 0; /* ask for the length */
    MPI_Info_get_string(info, "a", &buflen, NULL, &flag);
    CHECK(flag && buflen == 4, "get_string length %d", buflen);
    buflen = 3;
    MPI_Info_get_string(info, "a", &buflen, v, &flag);
    CHECK(flag && strcmp(v, "on") == 0 && buflen == 4, "get_string '%s' %d", v, buflen);

#endif
    MPI_Info_dup(info, &dup);
    MPI_Info_delete(info, "b");
    MPI_Info_get_nkeys(info, &nkeys);
    CHECK(nkeys == 2, "nkeys after delete %d", nkeys);
    MPI_Info_get_nkeys(dup, &nkeys);
    CHECK(nkeys == 3, "the dup lost a key (%d)", nkeys);
    MPI_Info_get(dup, "b", sizeof v - 1, v, &flag);
    CHECK(flag && strcmp(v, "2") == 0, "dup b = '%s'", v);
    MPI_Info_free(&info);
    MPI_Info_free(&dup);
}

int main(int argc, char **argv)
{
#if MPI_VERSION >= 4
    /* Info works before MPI_Init (MPI 4.0). */
    MPI_Info pre;
    CHECK(MPI_Info_create(&pre) == MPI_SUCCESS, "Info_create before MPI_Init");
    MPI_Info_set(pre, "early", "yes");
    MPI_Info_free(&pre);
#endif

    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    int size;
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    basics();
    limits();

    /* MPI_INFO_ENV */
    char v[MPI_MAX_INFO_VAL];
    int flag;
    MPI_Info_get(MPI_INFO_ENV, "maxprocs", sizeof v - 1, v, &flag);
    CHECK(flag && atoi(v) == size, "maxprocs '%s' (flag %d), world %d", flag ? v : "", flag, size);
    MPI_Info_get(MPI_INFO_ENV, "command", sizeof v - 1, v, &flag);
    CHECK(flag && strstr(v, "info_env") != NULL, "command '%s'", flag ? v : "");
    MPI_Info_get(MPI_INFO_ENV, "host", sizeof v - 1, v, &flag);
    CHECK(flag && v[0] != '\0', "no host in MPI_INFO_ENV");
#ifdef LARK_MPI /* the standard lets an implementation leave these out */
    MPI_Info_get(MPI_INFO_ENV, "argv", sizeof v - 1, v, &flag);
    if (argc > 1) /* the spec passes one */
        CHECK(flag && strstr(v, argv[1]) != NULL, "argv '%s'", flag ? v : "");
    MPI_Info_get(MPI_INFO_ENV, "arch", sizeof v - 1, v, &flag);
    CHECK(flag && v[0] != '\0', "no arch in MPI_INFO_ENV");
    MPI_Info_get(MPI_INFO_ENV, "wdir", sizeof v - 1, v, &flag);
    CHECK(flag && v[0] == '/', "wdir '%s'", flag ? v : "");
    MPI_Info_get(MPI_INFO_ENV, "thread_level", sizeof v - 1, v, &flag);
    CHECK(flag && strcmp(v, "MPI_THREAD_SERIALIZED") == 0, "thread_level '%s'", flag ? v : "");
#endif

    int t, main_thread;
    MPI_Query_thread(&t);
    CHECK(t == provided, "Query_thread %d, provided %d", t, provided);
    MPI_Is_thread_main(&main_thread);
    CHECK(main_thread, "the main thread is not the main thread");
    CHECK(MPI_Pcontrol(1) == MPI_SUCCESS, "Pcontrol");
    CHECK(MPI_Wtick() > 0 && MPI_Wtick() < 1, "Wtick %g", MPI_Wtick());
    MPI_Comm parent;
    MPI_Comm_get_parent(&parent);
    CHECK(parent == MPI_COMM_NULL, "a parent without spawn");

    char name[MPI_MAX_PROCESSOR_NAME];
    int len;
    MPI_Get_processor_name(name, &len);
    CHECK(len > 0 && (int)strlen(name) == len, "processor name '%s' len %d", name, len);
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    MPI_Get_library_version(lib, &len);
    CHECK(len > 0 && (int)strlen(lib) <= len, "library version len %d", len);

    double *mem;
    CHECK(MPI_Alloc_mem(1 << 20, MPI_INFO_NULL, &mem) == MPI_SUCCESS, "Alloc_mem");
    mem[0] = 1.0;
    mem[(1 << 17) - 1] = 2.0;
    MPI_Free_mem(mem);
    int rc = MPI_Alloc_mem(-1, MPI_INFO_NULL, &mem), cls;
    MPI_Error_class(rc, &cls);
    CHECK(rc != MPI_SUCCESS, "Alloc_mem(-1) succeeded");

#if MPI_VERSION > 4 || (MPI_VERSION == 4 && MPI_SUBVERSION >= 1)
    MPI_Info hw;
    CHECK(MPI_Get_hw_resource_info(&hw) == MPI_SUCCESS, "Get_hw_resource_info");
    /* Every resource type it lists holds this process: HW_GUIDED with it
     * gives a communicator (over MPI_COMM_SELF: another rank's list may
     * differ, when it is bound otherwise). */
    MPI_Info_get(hw, "mpi_hw_resource_type", sizeof v - 1, v, &flag);
    CHECK(flag && strstr(v, "mpi_shared_memory") != NULL, "hw resource types '%s'", flag ? v : "");
    MPI_Info_free(&hw);
    MPI_Info guided;
    MPI_Info_create(&guided);
    for (char *type = v, *end; type != NULL; type = end != NULL ? end + 1 : NULL) {
        if ((end = strchr(type, ',')) != NULL)
            *end = '\0';
        MPI_Comm c;
        MPI_Info_set(guided, "mpi_hw_resource_type", type);
        MPI_Comm_split_type(MPI_COMM_SELF, MPI_COMM_TYPE_HW_GUIDED, 0, guided, &c);
        CHECK(c != MPI_COMM_NULL, "HW_GUIDED with the listed type %s gave MPI_COMM_NULL", type);
        MPI_Comm_free(&c);
    }
    MPI_Info_free(&guided);
    CHECK(MPI_Get_hw_resource_info(NULL) != MPI_SUCCESS, "Get_hw_resource_info(NULL)");
#endif
    MPI_Finalize();
    return 0;
}

/*
 * env.c -- the environment chapter: MPI_Init/Init_thread/Finalize and the
 * state queries, MPI_Abort, processor name, clocks, memory allocation,
 * MPI_Pcontrol, the parent communicator and the hardware resource info.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lark.h"
#include "attr.h"
#include "comm.h"
#include "datatype.h"
#include "error.h"
#include "hwres.h"
#include "info.h"
#include "runtime.h"
#include "where.h"

static int init_common(const char *call, int required, int *provided)
{
    int st = atomic_load(&lark_rt.state);
    if (st != LARK_STATE_NONE)
        return lark_err_raise(NULL, call, MPI_ERR_OTHER,
                              st == LARK_STATE_INIT ? "MPI is already initialized"
                                                    : "MPI was finalized and cannot restart");
    int prov = MPI_THREAD_SINGLE;
    int rc = lark_runtime_init(required, &prov);
    if (rc != LARK_OK)
        return lark_err_raise(NULL, call, rc, "could not join the job (see the message above)");
    if (provided != NULL)
        *provided = prov;
    return MPI_SUCCESS;
}

int PMPI_Init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return init_common("MPI_Init", MPI_THREAD_SINGLE, NULL);
}
LARK_API_ALIAS(Init)

int PMPI_Init_thread(int *argc, char ***argv, int required, int *provided)
{
    (void)argc;
    (void)argv;
    if (provided == NULL)
        return lark_err_raise(NULL, "MPI_Init_thread", MPI_ERR_ARG, "provided is NULL");
    return init_common("MPI_Init_thread", required, provided);
}
LARK_API_ALIAS(Init_thread)

int PMPI_Finalize(void)
{
    if (!lark_initialized())
        return lark_err_raise(NULL, "MPI_Finalize", MPI_ERR_OTHER, "MPI is not initialized");
    lark_where_enter("MPI_Finalize", LARK_WHERE_COLL, &lark_comm_world, LARK_WHERE_NONE,
                     LARK_WHERE_NONE, 0);
    /* First the attributes of MPI_COMM_SELF, newest first (the standard's
     * hook for libraries to clean up while MPI still works), then those of
     * MPI_COMM_WORLD, then those of the predefined datatypes (as MPICH
     * does; their handles are the standard ABI's 0x200..0x3ff). */
    lark_attr_delete_all(LARK_ATTR_COMM, MPI_COMM_SELF, &lark_comm_self.attrs);
    lark_attr_delete_all(LARK_ATTR_COMM, MPI_COMM_WORLD, &lark_comm_world.attrs);
    for (intptr_t h = 0x200; h < 0x400; h++) {
        struct lark_datatype *dt = lark_datatype_from_handle((MPI_Datatype)h);
        if (dt != NULL && dt->predefined && dt->attrs != NULL)
            lark_type_attr_delete_all(dt);
    }
    int rc = lark_runtime_finalize();
    return rc == LARK_OK ? MPI_SUCCESS : lark_err_class(rc);
}
LARK_API_ALIAS(Finalize)

int PMPI_Initialized(int *flag)
{
    if (flag == NULL)
        return MPI_ERR_ARG;
    *flag = atomic_load(&lark_rt.state) != LARK_STATE_NONE;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Initialized)

int PMPI_Finalized(int *flag)
{
    if (flag == NULL)
        return MPI_ERR_ARG;
    *flag = atomic_load(&lark_rt.state) == LARK_STATE_FINALIZED;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Finalized)

int PMPI_Query_thread(int *provided)
{
    if (provided == NULL)
        return lark_err_raise(NULL, "MPI_Query_thread", MPI_ERR_ARG, "provided is NULL");
    *provided = lark_rt.thread_level;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Query_thread)

int PMPI_Is_thread_main(int *flag)
{
    if (flag == NULL)
        return lark_err_raise(NULL, "MPI_Is_thread_main", MPI_ERR_ARG, "flag is NULL");
    *flag = pthread_equal(pthread_self(), lark_rt.main_thread) != 0;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Is_thread_main)

int PMPI_Abort(MPI_Comm comm, int errorcode)
{
    (void)comm;                          /* Lark aborts the whole job whatever the communicator */
    lark_runtime_abort(errorcode, NULL); /* says it once, there or in mpirun */
}
LARK_API_ALIAS(Abort)

int PMPI_Get_processor_name(char *name, int *resultlen)
{
    if (name == NULL || resultlen == NULL)
        return lark_err_raise(NULL, "MPI_Get_processor_name", MPI_ERR_ARG, "NULL argument");
    if (lark_rt.hostname[0] == '\0')
        gethostname(lark_rt.hostname, sizeof lark_rt.hostname - 1);
    int n = snprintf(name, MPI_MAX_PROCESSOR_NAME, "%s", lark_rt.hostname);
    *resultlen = n < MPI_MAX_PROCESSOR_NAME ? n : MPI_MAX_PROCESSOR_NAME - 1;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Get_processor_name)

double PMPI_Wtime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
LARK_API_ALIAS(Wtime)

double PMPI_Wtick(void)
{
    struct timespec ts;
    clock_getres(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
LARK_API_ALIAS(Wtick)

int PMPI_Alloc_mem(MPI_Aint size, MPI_Info info, void *baseptr)
{
    static const char call[] = "MPI_Alloc_mem";
    if (size < 0)
        return lark_err_raise(NULL, call, MPI_ERR_SIZE, "size %ld is negative", (long)size);
    if (info != MPI_INFO_NULL && lark_info_from_handle(info) == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_INFO, "the info object is not valid");
    if (baseptr == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "baseptr is NULL");
    /* Cache-line aligned; a zero-byte request still gets a unique block.
     * Freed by MPI_Free_mem. */
    void *p = NULL;
    if (posix_memalign(&p, LARK_CACHELINE, size > 0 ? (size_t)size : 1) != 0)
        return lark_err_raise(NULL, call, MPI_ERR_NO_MEM, "cannot allocate %ld bytes", (long)size);
    *(void **)baseptr = p;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Alloc_mem)

int PMPI_Free_mem(void *base)
{
    free(base);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Free_mem)

int PMPI_Pcontrol(const int level, ...)
{
    (void)level; /* profiling control: no profiling library here */
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Pcontrol)

int PMPI_Comm_get_parent(MPI_Comm *parent)
{
    if (!lark_initialized())
        return lark_err_raise(NULL, "MPI_Comm_get_parent", MPI_ERR_OTHER,
                              "called before MPI_Init or after MPI_Finalize");
    if (parent == NULL)
        return lark_err_raise(NULL, "MPI_Comm_get_parent", MPI_ERR_ARG, "parent is NULL");
    *parent = MPI_COMM_NULL; /* no dynamic processes: never spawned */
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_get_parent)

/* Keys: "mpi_hw_resource_type" lists the hwloc types (largest first) of
 * which one object holds all of this process's CPUs, the values
 * MPI_COMM_TYPE_HW_GUIDED accepts besides "mpi_shared_memory"; then one
 * key per type, "lark_hw_<Type>" = "<index> of <count>". */
int PMPI_Get_hw_resource_info(MPI_Info *hw_info)
{
    static const char call[] = "MPI_Get_hw_resource_info";
    if (hw_info == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "hw_info is NULL");
    struct lark_info *info = lark_info_new();
    if (info == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_NO_MEM, "out of memory");
    char types[MPI_MAX_INFO_VAL] = "mpi_shared_memory";
    size_t used = strlen(types);
    int rc = 0;
    lark_lock();
    for (int i = 0; lark_hwres_types[i] != NULL && rc == 0; i++) {
        int idx = lark_hwres_index(lark_hwres_types[i]);
        if (idx < 0)
            continue;
        used += (size_t)snprintf(types + used, sizeof types - used, ",%s", lark_hwres_types[i]);
        char key[64], val[64];
        snprintf(key, sizeof key, "lark_hw_%s", lark_hwres_types[i]);
        snprintf(val, sizeof val, "%d of %d", idx, lark_hwres_count(lark_hwres_types[i]));
        rc = lark_info_set(info, key, val);
    }
    lark_unlock();
    if (rc == 0)
        rc = lark_info_set(info, "mpi_hw_resource_type", types);
    if (rc != 0) {
        lark_info_free(info);
        return lark_err_raise(NULL, call, MPI_ERR_NO_MEM, "out of memory");
    }
    *hw_info = lark_info_to_handle(info);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Get_hw_resource_info)

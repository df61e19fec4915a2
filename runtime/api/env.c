/*
 * env.c -- the environment chapter: MPI_Init/Init_thread/Finalize and the
 * state queries, MPI_Abort, processor name, clocks.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lark.h"
#include "comm.h"
#include "error.h"
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
    lark_where_enter("MPI_Finalize", LARK_WHERE_COLL, &lark_comm_world, LARK_WHERE_NONE, LARK_WHERE_NONE, 0);
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
    char msg[512];
    snprintf(msg, sizeof msg, "MPI_Abort(errorcode %d) called by rank %d on %s", errorcode,
             lark_rt.rank, lark_rt.hostname);
    (void)comm; /* Lark aborts the whole job whatever the communicator */
    fprintf(stderr, "Lark MPI: %s\n", msg);
    fflush(stderr);
    lark_runtime_abort(errorcode, msg);
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

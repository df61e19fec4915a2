/*
 * pmpi_tool.c -- a profiling tool, as a user would write one: it defines
 * MPI_Send and MPI_Finalize, counts the sends and forwards every call to the
 * PMPI_ entry point.  Linked into pmpi_prog (tool object before libmpi) and
 * built as a shared library for LD_PRELOAD; tests/scripts/pmpi.sh runs both.
 */
#include <mpi.h>
#include <stdio.h>

static int sends;

int MPI_Send(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm)
{
    sends++;
    return PMPI_Send(buf, count, type, dest, tag, comm);
}

int MPI_Finalize(void)
{
    int rank;
    PMPI_Comm_rank(MPI_COMM_WORLD, &rank);
    printf("pmpi-tool: rank %d intercepted %d MPI_Send calls\n", rank, sends);
    fflush(stdout);
    return PMPI_Finalize();
}

/*
 * comm_basic.c -- MPI_Comm_rank and MPI_Comm_size (the rest of communicator
 * management lives with the collectives' owner in runtime/comm_*.c).
 */
#include "lark.h"
#include "comm.h"
#include "error.h"
#include "runtime.h"

int PMPI_Comm_rank(MPI_Comm comm, int *rank)
{
    struct lark_comm *c = lark_comm_from_handle(comm);
    if (!lark_initialized())
        return lark_err_raise(NULL, "MPI_Comm_rank", MPI_ERR_OTHER, "MPI is not initialized");
    if (c == NULL)
        return lark_err_raise(NULL, "MPI_Comm_rank", MPI_ERR_COMM, "invalid communicator");
    if (rank == NULL)
        return lark_err_raise(c, "MPI_Comm_rank", MPI_ERR_ARG, "rank is NULL");
    *rank = c->rank;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_rank)

int PMPI_Comm_size(MPI_Comm comm, int *size)
{
    struct lark_comm *c = lark_comm_from_handle(comm);
    if (!lark_initialized())
        return lark_err_raise(NULL, "MPI_Comm_size", MPI_ERR_OTHER, "MPI is not initialized");
    if (c == NULL)
        return lark_err_raise(NULL, "MPI_Comm_size", MPI_ERR_COMM, "invalid communicator");
    if (size == NULL)
        return lark_err_raise(c, "MPI_Comm_size", MPI_ERR_ARG, "size is NULL");
    *size = c->size;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_size)

/*
 * status.c -- what a status says: counts and elements.
 */
#include "lark.h"
#include "check.h"
#include "request.h"

static int count_of(const char *call, const MPI_Status *status, MPI_Datatype datatype, int *count)
{
    if (status == NULL || count == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "NULL argument");
    struct lark_datatype *d = lark_datatype_from_handle(datatype);
    if (d == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_TYPE, "invalid datatype");
    size_t bytes = lark_status_bytes(status);
    if (d->size == 0)
        *count = 0;
    else if (bytes % d->size != 0)
        *count = MPI_UNDEFINED;
    else
        *count = bytes / d->size > INT32_MAX ? MPI_UNDEFINED : (int)(bytes / d->size);
    return MPI_SUCCESS;
}

int PMPI_Get_count(const MPI_Status *status, MPI_Datatype datatype, int *count)
{
    return count_of("MPI_Get_count", status, datatype, count);
}
LARK_API_ALIAS(Get_count)

int PMPI_Get_elements(const MPI_Status *status, MPI_Datatype datatype, int *count)
{
    struct lark_datatype *d = lark_datatype_from_handle(datatype);
    if (d == NULL || d->second_size == 0 || status == NULL || count == NULL)
        return count_of("MPI_Get_elements", status, datatype, count);
    /* A pair type (MPI_DOUBLE_INT, ...) is two basic elements; a partial
     * pair counts the value if it arrived whole. */
    size_t bytes = lark_status_bytes(status), vsize = d->size - d->second_size;
    size_t whole = bytes / d->size, rest = bytes % d->size;
    size_t n = 2 * whole + (rest >= vsize ? 1 : 0);
    *count = (rest != 0 && rest != vsize) || n > INT32_MAX ? MPI_UNDEFINED : (int)n;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Get_elements)

int PMPI_Status_set_elements(MPI_Status *status, MPI_Datatype datatype, int count)
{
    if (status == NULL)
        return lark_err_raise(NULL, "MPI_Status_set_elements", MPI_ERR_ARG, "status is NULL");
    struct lark_datatype *d = lark_datatype_from_handle(datatype);
    if (d == NULL)
        return lark_err_raise(NULL, "MPI_Status_set_elements", MPI_ERR_TYPE, "invalid datatype");
    if (count < 0)
        return lark_err_raise(NULL, "MPI_Status_set_elements", MPI_ERR_COUNT, "negative count");
    lark_status_set_bytes(status, (size_t)count * d->size);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Status_set_elements)

int PMPI_Status_set_cancelled(MPI_Status *status, int flag)
{
    if (status == NULL)
        return lark_err_raise(NULL, "MPI_Status_set_cancelled", MPI_ERR_ARG, "status is NULL");
    lark_status_set_cancelled(status, flag != 0);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Status_set_cancelled)

/*
 * status.c -- what a status says: counts and elements.
 */
#include "lark.h"
#include "check.h"
#include "request.h"

static int status_type(const char *call, const MPI_Status *status, MPI_Datatype datatype,
                       const void *out, struct lark_datatype **d)
{
    if (status == NULL || status == MPI_STATUS_IGNORE || out == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "status or the result pointer is NULL");
    *d = lark_datatype_from_handle(datatype);
    if (*d == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_TYPE,
                              "the datatype is not valid (null, or already freed)");
    return MPI_SUCCESS;
}

/* Whole elements of datatype in the status's byte count, or MPI_UNDEFINED. */
static int count_of(const char *call, const MPI_Status *status, MPI_Datatype datatype,
                    MPI_Count *count)
{
    struct lark_datatype *d;
    int err = status_type(call, status, datatype, count, &d);
    if (err != MPI_SUCCESS)
        return err;
    size_t bytes = lark_status_bytes(status);
    if (d->size == 0)
        *count = 0;
    else if (bytes % d->size != 0)
        *count = MPI_UNDEFINED;
    else
        *count = (MPI_Count)(bytes / d->size);
    return MPI_SUCCESS;
}

/* Basic elements in the status's byte count (a partial element counts
 * the basic elements it holds whole), or MPI_UNDEFINED. */
static int elements_of(const char *call, const MPI_Status *status, MPI_Datatype datatype,
                       MPI_Count *count)
{
    struct lark_datatype *d;
    int err = status_type(call, status, datatype, count, &d);
    if (err != MPI_SUCCESS)
        return err;
    bool exact;
    MPI_Count n = lark_datatype_elements(d, lark_status_bytes(status), &exact);
    *count = exact ? n : MPI_UNDEFINED;
    return MPI_SUCCESS;
}

static int int_count(int err, MPI_Count n, int *count)
{
    if (err == MPI_SUCCESS)
        *count = n > INT32_MAX ? MPI_UNDEFINED : (int)n;
    return err;
}

int PMPI_Get_count(const MPI_Status *status, MPI_Datatype datatype, int *count)
{
    MPI_Count n = 0;
    int err = count_of("MPI_Get_count", status, datatype, count ? &n : NULL);
    return int_count(err, n, count);
}
LARK_API_ALIAS(Get_count)

int PMPI_Get_count_c(const MPI_Status *status, MPI_Datatype datatype, MPI_Count *count)
{
    return count_of("MPI_Get_count_c", status, datatype, count);
}
LARK_API_ALIAS(Get_count_c)

int PMPI_Get_elements(const MPI_Status *status, MPI_Datatype datatype, int *count)
{
    MPI_Count n = 0;
    int err = elements_of("MPI_Get_elements", status, datatype, count ? &n : NULL);
    return int_count(err, n, count);
}
LARK_API_ALIAS(Get_elements)

int PMPI_Get_elements_x(const MPI_Status *status, MPI_Datatype datatype, MPI_Count *count)
{
    return elements_of("MPI_Get_elements_x", status, datatype, count);
}
LARK_API_ALIAS(Get_elements_x)

int PMPI_Get_elements_c(const MPI_Status *status, MPI_Datatype datatype, MPI_Count *count)
{
    return elements_of("MPI_Get_elements_c", status, datatype, count);
}
LARK_API_ALIAS(Get_elements_c)

/* Make the status say `count` basic elements of datatype arrived. */
static int set_elements(const char *call, MPI_Status *status, MPI_Datatype datatype,
                        MPI_Count count)
{
    struct lark_datatype *d;
    int err = status_type(call, status, datatype, status, &d);
    if (err != MPI_SUCCESS)
        return err;
    if (count < 0)
        return lark_err_raise(NULL, call, MPI_ERR_COUNT, "count %lld is negative",
                              (long long)count);
    lark_status_set_bytes(status, lark_datatype_elements_bytes(d, count));
    return MPI_SUCCESS;
}

int PMPI_Status_set_elements(MPI_Status *status, MPI_Datatype datatype, int count)
{
    return set_elements("MPI_Status_set_elements", status, datatype, count);
}
LARK_API_ALIAS(Status_set_elements)

int PMPI_Status_set_elements_x(MPI_Status *status, MPI_Datatype datatype, MPI_Count count)
{
    return set_elements("MPI_Status_set_elements_x", status, datatype, count);
}
LARK_API_ALIAS(Status_set_elements_x)

int PMPI_Status_set_elements_c(MPI_Status *status, MPI_Datatype datatype, MPI_Count count)
{
    return set_elements("MPI_Status_set_elements_c", status, datatype, count);
}
LARK_API_ALIAS(Status_set_elements_c)

int PMPI_Status_set_cancelled(MPI_Status *status, int flag)
{
    if (status == NULL)
        return lark_err_raise(NULL, "MPI_Status_set_cancelled", MPI_ERR_ARG, "status is NULL");
    lark_status_set_cancelled(status, flag != 0);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Status_set_cancelled)

/* ---- MPI 4.1: the public fields of a status, through calls ---- */

static int status_field(const char *call, const MPI_Status *status, const void *out)
{
    if (status == NULL || status == MPI_STATUS_IGNORE)
        return lark_err_raise(NULL, call, MPI_ERR_ARG,
                              "status is NULL (MPI_STATUS_IGNORE holds nothing to read or set)");
    if (out == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "the result pointer is NULL");
    return MPI_SUCCESS;
}

int PMPI_Status_get_source(const MPI_Status *status, int *source)
{
    int rc = status_field("MPI_Status_get_source", status, source);
    if (rc == MPI_SUCCESS)
        *source = status->MPI_SOURCE;
    return rc;
}
LARK_API_ALIAS(Status_get_source)

int PMPI_Status_get_tag(const MPI_Status *status, int *tag)
{
    int rc = status_field("MPI_Status_get_tag", status, tag);
    if (rc == MPI_SUCCESS)
        *tag = status->MPI_TAG;
    return rc;
}
LARK_API_ALIAS(Status_get_tag)

int PMPI_Status_get_error(const MPI_Status *status, int *error)
{
    int rc = status_field("MPI_Status_get_error", status, error);
    if (rc == MPI_SUCCESS)
        *error = status->MPI_ERROR;
    return rc;
}
LARK_API_ALIAS(Status_get_error)

int PMPI_Status_set_source(MPI_Status *status, int source)
{
    int rc = status_field("MPI_Status_set_source", status, status);
    if (rc == MPI_SUCCESS)
        status->MPI_SOURCE = source;
    return rc;
}
LARK_API_ALIAS(Status_set_source)

int PMPI_Status_set_tag(MPI_Status *status, int tag)
{
    int rc = status_field("MPI_Status_set_tag", status, status);
    if (rc == MPI_SUCCESS)
        status->MPI_TAG = tag;
    return rc;
}
LARK_API_ALIAS(Status_set_tag)

int PMPI_Status_set_error(MPI_Status *status, int error)
{
    int rc = status_field("MPI_Status_set_error", status, status);
    if (rc == MPI_SUCCESS)
        status->MPI_ERROR = error;
    return rc;
}
LARK_API_ALIAS(Status_set_error)

/*
 * part.c (api) -- partitioned communication: MPI_Psend_init,
 * MPI_Precv_init (int and large-count counts, as the standard ABI declares
 * them), MPI_Pready, MPI_Pready_range, MPI_Pready_list, MPI_Parrived.  The
 * requests are started, completed and freed like any persistent request
 * (api/request.c); how data moves is runtime/part.h's.
 */
#include "lark.h"
#include "check.h"
#include "info.h"
#include "part.h"
#include "request.h"

#pragma weak MPI_Psend_init = PMPI_Psend_init
#pragma weak MPI_Psend_init_c = PMPI_Psend_init_c
#pragma weak MPI_Precv_init = PMPI_Precv_init
#pragma weak MPI_Precv_init_c = PMPI_Precv_init_c
#pragma weak MPI_Pready = PMPI_Pready
#pragma weak MPI_Pready_range = PMPI_Pready_range
#pragma weak MPI_Pready_list = PMPI_Pready_list
#pragma weak MPI_Parrived = PMPI_Parrived

static int part_init(const char *call, bool send, const void *buf, int partitions, MPI_Count count,
                     MPI_Datatype datatype, int peer, int tag, MPI_Comm comm, MPI_Info info,
                     MPI_Request *request)
{
    struct lark_comm *c;
    int rc = lark_check_comm(call, comm, &c);
    if (rc != MPI_SUCCESS)
        return rc;
    if (partitions < 0)
        return lark_err_raise(c, call, MPI_ERR_ARG, "partitions is %d (give 0 or more)",
                              partitions);
    if (count < 0)
        return lark_err_raise(c, call, MPI_ERR_COUNT, "count %lld is negative", (long long)count);
    /* The whole buffer, partitions x count elements, is checked once. */
    MPI_Count total = count;
    if (partitions > 0 && count > INT64_MAX / partitions)
        return lark_err_raise(c, call, MPI_ERR_COUNT, "%d partitions of %lld elements overflow",
                              partitions, (long long)count);
    total = count * partitions;
    struct lark_datatype *d;
    rc = lark_check_buf(call, c, buf, total, datatype, &d);
    if (rc == MPI_SUCCESS) /* no wildcards: partitioned operations name their peer and tag */
        rc = lark_check_rank(call, c, peer, false);
    if (rc == MPI_SUCCESS)
        rc = lark_check_tag(call, c, tag, false);
    if (rc == MPI_SUCCESS && info != MPI_INFO_NULL && lark_info_from_handle(info) == NULL)
        rc = lark_err_raise(c, call, MPI_ERR_INFO, "invalid info object %p", (void *)info);
    if (rc == MPI_SUCCESS)
        rc = lark_check_ptr(call, c, request, "request", MPI_ERR_ARG);
    if (rc != MPI_SUCCESS)
        return rc;
    struct lark_request *r;
    lark_lock();
    rc = lark_part_init(send, (void *)buf, partitions, (size_t)count, d, peer, tag, c, &r);
    lark_unlock();
    if (rc != LARK_OK)
        return lark_err_raise(c, call, rc, "could not make the partitioned request");
    *request = lark_request_to_handle(r);
    return MPI_SUCCESS;
}

int PMPI_Psend_init(const void *buf, int partitions, int count, MPI_Datatype datatype, int dest,
                    int tag, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    return part_init("MPI_Psend_init", true, buf, partitions, count, datatype, dest, tag, comm,
                     info, request);
}

int PMPI_Psend_init_c(const void *buf, int partitions, MPI_Count count, MPI_Datatype datatype,
                      int dest, int tag, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    return part_init("MPI_Psend_init_c", true, buf, partitions, count, datatype, dest, tag, comm,
                     info, request);
}

int PMPI_Precv_init(void *buf, int partitions, int count, MPI_Datatype datatype, int source,
                    int tag, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    return part_init("MPI_Precv_init", false, buf, partitions, count, datatype, source, tag, comm,
                     info, request);
}

int PMPI_Precv_init_c(void *buf, int partitions, MPI_Count count, MPI_Datatype datatype, int source,
                      int tag, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    return part_init("MPI_Precv_init_c", false, buf, partitions, count, datatype, source, tag, comm,
                     info, request);
}

/* The partitioned request behind a handle, of the direction wanted and
 * active (started, not yet completed by a Wait/Test). */
static int part_req(const char *call, MPI_Request request, bool send, struct lark_request **r)
{
    int rc = lark_check_init(call);
    if (rc != MPI_SUCCESS)
        return rc;
    *r = lark_request_from_handle(request);
    if (*r == NULL || (*r)->kind != LARK_REQ_PART || lark_part_is_send(*r) != send)
        return lark_err_raise(
            NULL, call, MPI_ERR_REQUEST, "%p is not a partitioned %s request (made by %s)",
            (void *)request, send ? "send" : "receive", send ? "MPI_Psend_init" : "MPI_Precv_init");
    return MPI_SUCCESS;
}

/* Mark partitions [low, high] or list[0..n) ready. */
static int ready(const char *call, MPI_Request request, int low, int high, const int *list)
{
    struct lark_request *r;
    int rc = part_req(call, request, true, &r);
    if (rc != MPI_SUCCESS)
        return rc;
    if (!r->active)
        return lark_err_raise(r->comm, call, MPI_ERR_REQUEST,
                              "the partitioned send is not active (call MPI_Start first)");
    int n = lark_part_count(r);
    if (list == NULL && low > high)
        return lark_err_raise(r->comm, call, MPI_ERR_ARG,
                              "partition_low %d is above partition_high %d", low, high);
    lark_lock();
    for (int i = low; i <= high && rc == LARK_OK; i++)
        if ((rc = lark_part_ready(r, list != NULL ? list[i] : i)) != LARK_OK) {
            int p = list != NULL ? list[i] : i;
            lark_unlock();
            return lark_err_raise(r->comm, call, MPI_ERR_ARG,
                                  "partition %d is %s (the request has %d, numbered from 0)", p,
                                  p < 0 || p >= n ? "out of range" : "marked ready already", n);
        }
    lark_unlock();
    return MPI_SUCCESS;
}

int PMPI_Pready(int partition, MPI_Request request)
{
    return ready("MPI_Pready", request, partition, partition, NULL);
}

int PMPI_Pready_range(int partition_low, int partition_high, MPI_Request request)
{
    return ready("MPI_Pready_range", request, partition_low, partition_high, NULL);
}

int PMPI_Pready_list(int length, const int array_of_partitions[], MPI_Request request)
{
    const char *call = "MPI_Pready_list";
    if (length < 0 || (length > 0 && array_of_partitions == NULL))
        return lark_err_raise(NULL, call, MPI_ERR_ARG,
                              length < 0 ? "length %d is negative"
                                         : "array_of_partitions is NULL "
                                           "with length %d",
                              length);
    if (length == 0) {
        struct lark_request *r;
        return part_req(call, request, true, &r);
    }
    return ready(call, request, 0, length - 1, array_of_partitions);
}

int PMPI_Parrived(MPI_Request request, int partition, int *flag)
{
    const char *call = "MPI_Parrived";
    struct lark_request *r;
    int rc = part_req(call, request, false, &r);
    if (rc != MPI_SUCCESS)
        return rc;
    if (flag == NULL)
        return lark_err_raise(r->comm, call, MPI_ERR_ARG, "flag is NULL");
    int n = lark_part_count(r);
    if (partition < 0 || partition >= n)
        return lark_err_raise(r->comm, call, MPI_ERR_ARG,
                              "partition %d is out of range (the request has %d, numbered from 0)",
                              partition, n);
    if (!r->active) { /* never started, or completed already: nothing is on its way */
        *flag = 1;
        return MPI_SUCCESS;
    }
    lark_lock();
    rc = lark_part_arrived(r, partition, flag);
    lark_unlock();
    return rc == LARK_OK ? MPI_SUCCESS : lark_err_raise(r->comm, call, rc, "MPI_Parrived failed");
}

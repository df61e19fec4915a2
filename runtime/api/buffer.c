/*
 * buffer.c -- the buffers of buffered-mode sends: the process's
 * (MPI_Buffer_attach/detach/flush/iflush) and, since MPI 4.1, one per
 * communicator (MPI_Comm_attach_buffer & co), in the int and large-count
 * forms.  A buffer may be MPI_BUFFER_AUTOMATIC (no limit).  The buffers
 * and flushing are bsend.c's.
 */
#include "lark.h"
#include "bsend.h"
#include "check.h"
#include "request.h"

#pragma weak MPI_Buffer_attach = PMPI_Buffer_attach
#pragma weak MPI_Buffer_attach_c = PMPI_Buffer_attach_c
#pragma weak MPI_Buffer_detach = PMPI_Buffer_detach
#pragma weak MPI_Buffer_detach_c = PMPI_Buffer_detach_c
#pragma weak MPI_Buffer_flush = PMPI_Buffer_flush
#pragma weak MPI_Buffer_iflush = PMPI_Buffer_iflush
#pragma weak MPI_Comm_attach_buffer = PMPI_Comm_attach_buffer
#pragma weak MPI_Comm_attach_buffer_c = PMPI_Comm_attach_buffer_c
#pragma weak MPI_Comm_detach_buffer = PMPI_Comm_detach_buffer
#pragma weak MPI_Comm_detach_buffer_c = PMPI_Comm_detach_buffer_c
#pragma weak MPI_Comm_flush_buffer = PMPI_Comm_flush_buffer
#pragma weak MPI_Comm_iflush_buffer = PMPI_Comm_iflush_buffer

/* The communicator a call names (*c NULL: the process's buffer). */
static int target(const char *call, bool of_comm, MPI_Comm comm, struct lark_comm **c)
{
    *c = NULL;
    return of_comm ? lark_check_comm(call, comm, c) : lark_check_init(call);
}

static int attach(const char *call, bool of_comm, MPI_Comm comm, void *buffer, MPI_Count size)
{
    struct lark_comm *c;
    int rc = target(call, of_comm, comm, &c);
    if (rc != MPI_SUCCESS)
        return rc;
    if (buffer != MPI_BUFFER_AUTOMATIC && (size < 0 || (buffer == NULL && size > 0)))
        return lark_err_raise(c, call, MPI_ERR_BUFFER,
                              "invalid buffer (%p, %lld bytes): give a buffer and its size >= 0, "
                              "or MPI_BUFFER_AUTOMATIC",
                              buffer, (long long)size);
    lark_lock();
    rc = lark_bsend_attach(c, buffer, (size_t)(size < 0 ? 0 : size));
    lark_unlock();
    if (rc == LARK_ERR_AGAIN)
        return lark_err_raise(c, call, MPI_ERR_BUFFER,
                              "a buffer is already attached to %s (detach it with %s first)",
                              of_comm ? "this communicator" : "the process",
                              of_comm ? "MPI_Comm_detach_buffer" : "MPI_Buffer_detach");
    if (rc != LARK_OK)
        return lark_err_raise(c, call, rc, "could not attach the buffer");
    return MPI_SUCCESS;
}

static int detach(const char *call, bool of_comm, MPI_Comm comm, void *buffer_addr,
                  const void *size, size_t *n)
{
    struct lark_comm *c;
    int rc = target(call, of_comm, comm, &c);
    if (rc != MPI_SUCCESS)
        return rc;
    if (buffer_addr == NULL || size == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "%s is NULL",
                              buffer_addr == NULL ? "buffer_addr" : "size");
    void *b;
    rc = lark_bsend_detach(c, &b, n);
    if (rc == LARK_ERR_ARG)
        return lark_err_raise(c, call, MPI_ERR_BUFFER,
                              "no buffer is attached to %s (%s attaches one)",
                              of_comm ? "this communicator" : "the process",
                              of_comm ? "MPI_Comm_attach_buffer" : "MPI_Buffer_attach");
    if (rc != LARK_OK)
        return lark_err_raise(c, call, rc, "could not detach the buffer");
    *(void **)buffer_addr = b;
    return MPI_SUCCESS;
}

static int detach_int(const char *call, bool of_comm, MPI_Comm comm, void *buffer_addr, int *size)
{
    size_t n = 0;
    int rc = detach(call, of_comm, comm, buffer_addr, size, &n);
    if (rc == MPI_SUCCESS) /* larger: attached with an _c form */
        *size = n > INT32_MAX ? MPI_UNDEFINED : (int)n;
    return rc;
}

static int detach_c(const char *call, bool of_comm, MPI_Comm comm, void *buffer_addr,
                    MPI_Count *size)
{
    size_t n = 0;
    int rc = detach(call, of_comm, comm, buffer_addr, size, &n);
    if (rc == MPI_SUCCESS)
        *size = (MPI_Count)n;
    return rc;
}

/* Start a flush; *req gets the request. */
static int iflush(const char *call, bool of_comm, MPI_Comm comm, struct lark_request **req)
{
    struct lark_comm *c;
    int rc = target(call, of_comm, comm, &c);
    if (rc != MPI_SUCCESS)
        return rc;
    lark_lock();
    rc = lark_bsend_iflush(c, req);
    lark_unlock();
    if (rc != LARK_OK)
        return lark_err_raise(c, call, rc, "could not start the flush");
    return MPI_SUCCESS;
}

static int flush_blocking(const char *call, bool of_comm, MPI_Comm comm)
{
    struct lark_request *req;
    int rc = iflush(call, of_comm, comm, &req);
    if (rc != MPI_SUCCESS)
        return rc;
    lark_request_wait(req, MPI_STATUS_IGNORE);
    return MPI_SUCCESS;
}

static int flush_nonblocking(const char *call, bool of_comm, MPI_Comm comm, MPI_Request *request)
{
    if (request == NULL)
        return lark_err_raise(of_comm ? lark_comm_from_handle(comm) : NULL, call, MPI_ERR_ARG,
                              "request is NULL");
    struct lark_request *req;
    int rc = iflush(call, of_comm, comm, &req);
    if (rc == MPI_SUCCESS)
        *request = lark_request_to_handle(req);
    return rc;
}

int PMPI_Buffer_attach(void *buffer, int size)
{
    return attach("MPI_Buffer_attach", false, MPI_COMM_NULL, buffer, size);
}

int PMPI_Buffer_attach_c(void *buffer, MPI_Count size)
{
    return attach("MPI_Buffer_attach_c", false, MPI_COMM_NULL, buffer, size);
}

int PMPI_Buffer_detach(void *buffer_addr, int *size)
{
    return detach_int("MPI_Buffer_detach", false, MPI_COMM_NULL, buffer_addr, size);
}

int PMPI_Buffer_detach_c(void *buffer_addr, MPI_Count *size)
{
    return detach_c("MPI_Buffer_detach_c", false, MPI_COMM_NULL, buffer_addr, size);
}

int PMPI_Buffer_flush(void)
{
    return flush_blocking("MPI_Buffer_flush", false, MPI_COMM_NULL);
}

int PMPI_Buffer_iflush(MPI_Request *request)
{
    return flush_nonblocking("MPI_Buffer_iflush", false, MPI_COMM_NULL, request);
}

int PMPI_Comm_attach_buffer(MPI_Comm comm, void *buffer, int size)
{
    return attach("MPI_Comm_attach_buffer", true, comm, buffer, size);
}

int PMPI_Comm_attach_buffer_c(MPI_Comm comm, void *buffer, MPI_Count size)
{
    return attach("MPI_Comm_attach_buffer_c", true, comm, buffer, size);
}

int PMPI_Comm_detach_buffer(MPI_Comm comm, void *buffer_addr, int *size)
{
    return detach_int("MPI_Comm_detach_buffer", true, comm, buffer_addr, size);
}

int PMPI_Comm_detach_buffer_c(MPI_Comm comm, void *buffer_addr, MPI_Count *size)
{
    return detach_c("MPI_Comm_detach_buffer_c", true, comm, buffer_addr, size);
}

int PMPI_Comm_flush_buffer(MPI_Comm comm)
{
    return flush_blocking("MPI_Comm_flush_buffer", true, comm);
}

int PMPI_Comm_iflush_buffer(MPI_Comm comm, MPI_Request *request)
{
    return flush_nonblocking("MPI_Comm_iflush_buffer", true, comm, request);
}

/*
 * send.c -- the send calls of the point-to-point chapter: blocking,
 * nonblocking and persistent, in the standard, synchronous, ready and
 * buffered modes.  Each checks its arguments and calls p2p.h.
 */
#include "lark.h"
#include "bsend.h"
#include "check.h"
#include "p2p.h"
#include "request.h"
#include "where.h"

/* Start a send of `mode`: *req gets its request, or the shared complete
 * one (lark_request_sent, request.h) when it is done at once: a buffered
 * send (copied), or a standard send of an eager message that the
 * transport took (no request made: about a third of a 0-byte send's
 * instructions; bench/instr.sh).  Inlined into the blocking and the
 * nonblocking forms: as a call of 10 arguments it cost ~25 more. */
LARK_INLINE int isend_common(const char *call, const void *buf, MPI_Count count,
                             MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, int mode,
                             struct lark_request **req, struct lark_comm **cp)
{
    struct lark_comm *c;
    struct lark_datatype *d;
    int rc = lark_check_p2p(call, buf, count, datatype, dest, tag, comm, false, &c, &d);
    if (rc != MPI_SUCCESS)
        return rc;
    *cp = c;
    *req = lark_request_sent;
    lark_lock();
    if (mode == LARK_SEND_BUFFERED) {
        rc = lark_bsend_start(buf, (size_t)count, d, dest, tag, c);
    } else {
        rc = mode == LARK_SEND_STANDARD
                 ? lark_p2p_send_now(buf, (size_t)count, d, dest, tag, c, LARK_CTX_PT2PT)
                 : LARK_ERR_AGAIN;
        if (rc == LARK_ERR_AGAIN) /* not at once: the request path */
            rc = lark_p2p_isend(buf, (size_t)count, d, dest, tag, c, LARK_CTX_PT2PT, mode, req);
    }
    lark_unlock();
    if (LARK_LIKELY(rc == LARK_OK))
        return MPI_SUCCESS;
    if (rc == LARK_ERR_NOMEM && mode == LARK_SEND_BUFFERED)
        return lark_err_raise(c, call, MPI_ERR_BUFFER,
                              "the attached buffer has no room for %lld elements (attach a larger "
                              "one with MPI_Buffer_attach)",
                              (long long)count);
    return lark_err_raise(c, call, rc, "could not start the send to rank %d", dest);
}

/* Inlined into each blocking send: with `mode` a constant, MPI_Send keeps
 * only its own path (a call of 8 arguments cost ~50 instructions). */
LARK_INLINE int send_blocking(const char *call, const void *buf, MPI_Count count,
                              MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, int mode)
{
    struct lark_request *req;
    struct lark_comm *c;
    int rc = isend_common(call, buf, count, datatype, dest, tag, comm, mode, &req, &c);
    if (rc != MPI_SUCCESS || req == lark_request_sent)
        return rc;
    /* The where-record (for a hang report, ~150 instructions) is written
     * only if the send really waits. */
    struct lark_where_call w = {call, LARK_WHERE_SEND, c, dest, tag, req->len};
    rc = lark_request_wait_as(req, MPI_STATUS_IGNORE, &w);
    if (rc != LARK_OK)
        return lark_err_raise(c, call, rc, "the send to rank %d failed", dest);
    return MPI_SUCCESS;
}

static int send_nonblocking(const char *call, const void *buf, MPI_Count count,
                            MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, int mode,
                            MPI_Request *request)
{
    struct lark_request *req;
    struct lark_comm *c;
    if (request == NULL)
        return lark_err_raise(lark_comm_from_handle(comm), call, MPI_ERR_ARG, "request is NULL");
    int rc = isend_common(call, buf, count, datatype, dest, tag, comm, mode, &req, &c);
    if (rc == MPI_SUCCESS)
        *request = lark_request_to_handle(req);
    return rc;
}

int PMPI_Send(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm)
{
    return send_blocking("MPI_Send", buf, count, datatype, dest, tag, comm, LARK_SEND_STANDARD);
}
LARK_API_ALIAS(Send)

int PMPI_Send_c(const void *buf, MPI_Count count, MPI_Datatype datatype, int dest, int tag,
                MPI_Comm comm)
{
    return send_blocking("MPI_Send_c", buf, count, datatype, dest, tag, comm, LARK_SEND_STANDARD);
}
LARK_API_ALIAS(Send_c)

int PMPI_Ssend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm)
{
    return send_blocking("MPI_Ssend", buf, count, datatype, dest, tag, comm, LARK_SEND_SYNC);
}
LARK_API_ALIAS(Ssend)

int PMPI_Ssend_c(const void *buf, MPI_Count count, MPI_Datatype datatype, int dest, int tag,
                 MPI_Comm comm)
{
    return send_blocking("MPI_Ssend_c", buf, count, datatype, dest, tag, comm, LARK_SEND_SYNC);
}
LARK_API_ALIAS(Ssend_c)

int PMPI_Rsend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm)
{
    return send_blocking("MPI_Rsend", buf, count, datatype, dest, tag, comm, LARK_SEND_READY);
}
LARK_API_ALIAS(Rsend)

int PMPI_Rsend_c(const void *buf, MPI_Count count, MPI_Datatype datatype, int dest, int tag,
                 MPI_Comm comm)
{
    return send_blocking("MPI_Rsend_c", buf, count, datatype, dest, tag, comm, LARK_SEND_READY);
}
LARK_API_ALIAS(Rsend_c)

int PMPI_Bsend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm)
{
    return send_blocking("MPI_Bsend", buf, count, datatype, dest, tag, comm, LARK_SEND_BUFFERED);
}
LARK_API_ALIAS(Bsend)

int PMPI_Bsend_c(const void *buf, MPI_Count count, MPI_Datatype datatype, int dest, int tag,
                 MPI_Comm comm)
{
    return send_blocking("MPI_Bsend_c", buf, count, datatype, dest, tag, comm, LARK_SEND_BUFFERED);
}
LARK_API_ALIAS(Bsend_c)

int PMPI_Isend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm,
               MPI_Request *request)
{
    return send_nonblocking("MPI_Isend", buf, count, datatype, dest, tag, comm, LARK_SEND_STANDARD,
                            request);
}
LARK_API_ALIAS(Isend)

int PMPI_Isend_c(const void *buf, MPI_Count count, MPI_Datatype datatype, int dest, int tag,
                 MPI_Comm comm, MPI_Request *request)
{
    return send_nonblocking("MPI_Isend_c", buf, count, datatype, dest, tag, comm,
                            LARK_SEND_STANDARD, request);
}
LARK_API_ALIAS(Isend_c)

int PMPI_Issend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm,
                MPI_Request *request)
{
    return send_nonblocking("MPI_Issend", buf, count, datatype, dest, tag, comm, LARK_SEND_SYNC,
                            request);
}
LARK_API_ALIAS(Issend)

int PMPI_Issend_c(const void *buf, MPI_Count count, MPI_Datatype datatype, int dest, int tag,
                  MPI_Comm comm, MPI_Request *request)
{
    return send_nonblocking("MPI_Issend_c", buf, count, datatype, dest, tag, comm, LARK_SEND_SYNC,
                            request);
}
LARK_API_ALIAS(Issend_c)

int PMPI_Irsend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm,
                MPI_Request *request)
{
    return send_nonblocking("MPI_Irsend", buf, count, datatype, dest, tag, comm, LARK_SEND_READY,
                            request);
}
LARK_API_ALIAS(Irsend)

int PMPI_Irsend_c(const void *buf, MPI_Count count, MPI_Datatype datatype, int dest, int tag,
                  MPI_Comm comm, MPI_Request *request)
{
    return send_nonblocking("MPI_Irsend_c", buf, count, datatype, dest, tag, comm, LARK_SEND_READY,
                            request);
}
LARK_API_ALIAS(Irsend_c)

int PMPI_Ibsend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm,
                MPI_Request *request)
{
    return send_nonblocking("MPI_Ibsend", buf, count, datatype, dest, tag, comm, LARK_SEND_BUFFERED,
                            request);
}
LARK_API_ALIAS(Ibsend)

int PMPI_Ibsend_c(const void *buf, MPI_Count count, MPI_Datatype datatype, int dest, int tag,
                  MPI_Comm comm, MPI_Request *request)
{
    return send_nonblocking("MPI_Ibsend_c", buf, count, datatype, dest, tag, comm,
                            LARK_SEND_BUFFERED, request);
}
LARK_API_ALIAS(Ibsend_c)

static int send_init(const char *call, const void *buf, MPI_Count count, MPI_Datatype datatype,
                     int dest, int tag, MPI_Comm comm, int mode, MPI_Request *request)
{
    struct lark_comm *c;
    struct lark_datatype *d;
    int rc = lark_check_p2p(call, buf, count, datatype, dest, tag, comm, false, &c, &d);
    if (rc != MPI_SUCCESS)
        return rc;
    if (request == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "request is NULL");
    struct lark_request *req;
    lark_lock();
    rc = lark_p2p_send_init(buf, (size_t)count, d, dest, tag, c, mode, &req);
    lark_unlock();
    if (rc != LARK_OK)
        return lark_err_raise(c, call, rc, "could not make the request");
    *request = lark_request_to_handle(req);
    return MPI_SUCCESS;
}

int PMPI_Send_init(const void *buf, int count, MPI_Datatype datatype, int dest, int tag,
                   MPI_Comm comm, MPI_Request *request)
{
    return send_init("MPI_Send_init", buf, count, datatype, dest, tag, comm, LARK_SEND_STANDARD,
                     request);
}
LARK_API_ALIAS(Send_init)

int PMPI_Send_init_c(const void *buf, MPI_Count count, MPI_Datatype datatype, int dest, int tag,
                     MPI_Comm comm, MPI_Request *request)
{
    return send_init("MPI_Send_init_c", buf, count, datatype, dest, tag, comm, LARK_SEND_STANDARD,
                     request);
}
LARK_API_ALIAS(Send_init_c)

int PMPI_Ssend_init(const void *buf, int count, MPI_Datatype datatype, int dest, int tag,
                    MPI_Comm comm, MPI_Request *request)
{
    return send_init("MPI_Ssend_init", buf, count, datatype, dest, tag, comm, LARK_SEND_SYNC,
                     request);
}
LARK_API_ALIAS(Ssend_init)

int PMPI_Ssend_init_c(const void *buf, MPI_Count count, MPI_Datatype datatype, int dest, int tag,
                      MPI_Comm comm, MPI_Request *request)
{
    return send_init("MPI_Ssend_init_c", buf, count, datatype, dest, tag, comm, LARK_SEND_SYNC,
                     request);
}
LARK_API_ALIAS(Ssend_init_c)

int PMPI_Rsend_init(const void *buf, int count, MPI_Datatype datatype, int dest, int tag,
                    MPI_Comm comm, MPI_Request *request)
{
    return send_init("MPI_Rsend_init", buf, count, datatype, dest, tag, comm, LARK_SEND_READY,
                     request);
}
LARK_API_ALIAS(Rsend_init)

int PMPI_Rsend_init_c(const void *buf, MPI_Count count, MPI_Datatype datatype, int dest, int tag,
                      MPI_Comm comm, MPI_Request *request)
{
    return send_init("MPI_Rsend_init_c", buf, count, datatype, dest, tag, comm, LARK_SEND_READY,
                     request);
}
LARK_API_ALIAS(Rsend_init_c)

int PMPI_Bsend_init(const void *buf, int count, MPI_Datatype datatype, int dest, int tag,
                    MPI_Comm comm, MPI_Request *request)
{
    return send_init("MPI_Bsend_init", buf, count, datatype, dest, tag, comm, LARK_SEND_BUFFERED,
                     request);
}
LARK_API_ALIAS(Bsend_init)

int PMPI_Bsend_init_c(const void *buf, MPI_Count count, MPI_Datatype datatype, int dest, int tag,
                      MPI_Comm comm, MPI_Request *request)
{
    return send_init("MPI_Bsend_init_c", buf, count, datatype, dest, tag, comm, LARK_SEND_BUFFERED,
                     request);
}
LARK_API_ALIAS(Bsend_init_c)

/*
 * recv.c -- the receive side of the point-to-point chapter: receives,
 * send-receive, probes and matched probes.
 */
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "check.h"
#include "p2p.h"
#include "progress.h"
#include "request.h"
#include "where.h"

static int raise_status(struct lark_comm *c, const char *call, int rc, MPI_Status *st)
{
    if (rc == LARK_ERR_TRUNCATE)
        return lark_err_raise(c, call, rc,
                              "the message (from rank %d, tag %d) is longer than the receive "
                              "buffer",
                              st != MPI_STATUS_IGNORE ? st->MPI_SOURCE : -1,
                              st != MPI_STATUS_IGNORE ? st->MPI_TAG : -1);
    return lark_err_raise(c, call, rc, "the receive failed");
}

/* Inlined into MPI_Recv and MPI_Recv_c (a call of 8 arguments cost ~50
 * instructions). */
LARK_INLINE int recv_blocking(const char *call, void *buf, MPI_Count count, MPI_Datatype datatype,
                              int source, int tag, MPI_Comm comm, MPI_Status *status)
{
    struct lark_comm *c;
    struct lark_datatype *d;
    int rc = lark_check_p2p(call, buf, count, datatype, source, tag, comm, true, &c, &d);
    if (rc != MPI_SUCCESS)
        return rc;
    /* st: raise_status names the message's source and tag. */
    MPI_Status tmp;
    MPI_Status *st = status == MPI_STATUS_IGNORE ? &tmp : status;
    /* The where-record (for a hang report) is written only if the receive
     * really waits (see send_blocking in send.c). */
    struct lark_where_call w = {call, LARK_WHERE_RECV, c, source, tag, (size_t)count * d->size};
    rc = lark_p2p_recv_as(buf, (size_t)count, d, source, tag, c, LARK_CTX_PT2PT, st, &w);
    if (rc != LARK_OK)
        return raise_status(c, call, rc, st);
    return MPI_SUCCESS;
}

int PMPI_Recv(void *buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm,
              MPI_Status *status)
{
    return recv_blocking("MPI_Recv", buf, count, datatype, source, tag, comm, status);
}
LARK_API_ALIAS(Recv)

int PMPI_Recv_c(void *buf, MPI_Count count, MPI_Datatype datatype, int source, int tag,
                MPI_Comm comm, MPI_Status *status)
{
    return recv_blocking("MPI_Recv_c", buf, count, datatype, source, tag, comm, status);
}
LARK_API_ALIAS(Recv_c)

static int recv_nonblocking(const char *call, void *buf, MPI_Count count, MPI_Datatype datatype,
                            int source, int tag, MPI_Comm comm, MPI_Request *request)
{
    struct lark_comm *c;
    struct lark_datatype *d;
    int rc = lark_check_p2p(call, buf, count, datatype, source, tag, comm, true, &c, &d);
    if (rc != MPI_SUCCESS)
        return rc;
    if (request == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "request is NULL");
    struct lark_request *req;
    lark_lock();
    rc = lark_p2p_irecv(buf, (size_t)count, d, source, tag, c, LARK_CTX_PT2PT, &req);
    lark_unlock();
    if (rc != LARK_OK)
        return lark_err_raise(c, call, rc, "could not post the receive");
    *request = lark_request_to_handle(req);
    return MPI_SUCCESS;
}

int PMPI_Irecv(void *buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm,
               MPI_Request *request)
{
    return recv_nonblocking("MPI_Irecv", buf, count, datatype, source, tag, comm, request);
}
LARK_API_ALIAS(Irecv)

int PMPI_Irecv_c(void *buf, MPI_Count count, MPI_Datatype datatype, int source, int tag,
                 MPI_Comm comm, MPI_Request *request)
{
    return recv_nonblocking("MPI_Irecv_c", buf, count, datatype, source, tag, comm, request);
}
LARK_API_ALIAS(Irecv_c)

static int recv_init(const char *call, void *buf, MPI_Count count, MPI_Datatype datatype,
                     int source, int tag, MPI_Comm comm, MPI_Request *request)
{
    struct lark_comm *c;
    struct lark_datatype *d;
    int rc = lark_check_p2p(call, buf, count, datatype, source, tag, comm, true, &c, &d);
    if (rc != MPI_SUCCESS)
        return rc;
    if (request == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "request is NULL");
    struct lark_request *req;
    lark_lock();
    rc = lark_p2p_recv_init(buf, (size_t)count, d, source, tag, c, &req);
    lark_unlock();
    if (rc != LARK_OK)
        return lark_err_raise(c, call, rc, "could not make the request");
    *request = lark_request_to_handle(req);
    return MPI_SUCCESS;
}

int PMPI_Recv_init(void *buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm,
                   MPI_Request *request)
{
    return recv_init("MPI_Recv_init", buf, count, datatype, source, tag, comm, request);
}
LARK_API_ALIAS(Recv_init)

int PMPI_Recv_init_c(void *buf, MPI_Count count, MPI_Datatype datatype, int source, int tag,
                     MPI_Comm comm, MPI_Request *request)
{
    return recv_init("MPI_Recv_init_c", buf, count, datatype, source, tag, comm, request);
}
LARK_API_ALIAS(Recv_init_c)

static int sendrecv(const char *call, const void *sendbuf, MPI_Count sendcount,
                    MPI_Datatype sendtype, int dest, int sendtag, void *recvbuf,
                    MPI_Count recvcount, MPI_Datatype recvtype, int source, int recvtag,
                    MPI_Comm comm, MPI_Status *status)
{
    struct lark_comm *c;
    struct lark_datatype *sd, *rd;
    int rc = lark_check_sendrecv(call, sendbuf, sendcount, sendtype, dest, sendtag, recvbuf,
                                 recvcount, recvtype, source, recvtag, comm, &c, &sd, &rd);
    if (rc != MPI_SUCCESS)
        return rc;
    /* st: raise_status names the message's source and tag. */
    MPI_Status tmp;
    MPI_Status *st = status == MPI_STATUS_IGNORE ? &tmp : status;
    struct lark_where_call w = {call,   LARK_WHERE_RECV, c,
                                source, recvtag,         (size_t)recvcount * rd->size};
    rc = lark_p2p_sendrecv(sendbuf, (size_t)sendcount, sd, dest, sendtag, recvbuf,
                           (size_t)recvcount, rd, source, recvtag, c, st, &w);
    if (rc == LARK_OK)
        return MPI_SUCCESS;
    if (rc == LARK_ERR_TRUNCATE)
        return raise_status(c, call, rc, st);
    return lark_err_raise(
        c, call, rc, "the exchange (send to rank %d, receive from rank %d) failed", dest, source);
}

int PMPI_Sendrecv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, int dest, int sendtag,
                  void *recvbuf, int recvcount, MPI_Datatype recvtype, int source, int recvtag,
                  MPI_Comm comm, MPI_Status *status)
{
    return sendrecv("MPI_Sendrecv", sendbuf, sendcount, sendtype, dest, sendtag, recvbuf, recvcount,
                    recvtype, source, recvtag, comm, status);
}
LARK_API_ALIAS(Sendrecv)

int PMPI_Sendrecv_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, int dest,
                    int sendtag, void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                    int source, int recvtag, MPI_Comm comm, MPI_Status *status)
{
    return sendrecv("MPI_Sendrecv_c", sendbuf, sendcount, sendtype, dest, sendtag, recvbuf,
                    recvcount, recvtype, source, recvtag, comm, status);
}
LARK_API_ALIAS(Sendrecv_c)

static int sendrecv_replace(const char *call, void *buf, MPI_Count count, MPI_Datatype datatype,
                            int dest, int sendtag, int source, int recvtag, MPI_Comm comm,
                            MPI_Status *status)
{
    struct lark_comm *c;
    struct lark_datatype *d;
    int rc = lark_check_p2p(call, buf, count, datatype, dest, sendtag, comm, false, &c, &d);
    if (rc == MPI_SUCCESS)
        rc = lark_check_rank(call, c, source, true);
    if (rc == MPI_SUCCESS)
        rc = lark_check_tag(call, c, recvtag, true);
    if (rc != MPI_SUCCESS)
        return rc;
    /* Send from a packed copy, receive into the buffer. */
    size_t len = lark_datatype_packed_size(d, (size_t)count);
    void *copy = malloc(len ? len : 1); /* freed below */
    if (copy == NULL)
        return lark_err_raise(c, call, LARK_ERR_NOMEM, "out of memory");
    lark_datatype_pack(d, buf, (size_t)count, 0, copy, len);
    struct lark_request *reqs[2] = {NULL, NULL};
    lark_lock();
    rc = lark_p2p_irecv(buf, (size_t)count, d, source, recvtag, c, LARK_CTX_PT2PT, &reqs[1]);
    if (rc == LARK_OK)
        rc = lark_p2p_isend(copy, len, lark_datatype_from_handle(MPI_BYTE), dest, sendtag, c,
                            LARK_CTX_PT2PT, LARK_SEND_STANDARD, &reqs[0]);
    lark_unlock();
    if (rc != LARK_OK) {
        free(copy);
        return lark_err_raise(c, call, rc, "could not start the exchange");
    }
    MPI_Status sts[2];
    lark_where_enter(call, LARK_WHERE_RECV, c, source, recvtag, len);
    rc = lark_request_waitall(2, reqs, sts);
    free(copy);
    if (status != MPI_STATUS_IGNORE)
        *status = sts[1];
    if (rc != LARK_OK)
        return raise_status(c, call, rc, &sts[1]);
    lark_where_leave();
    return MPI_SUCCESS;
}

int PMPI_Sendrecv_replace(void *buf, int count, MPI_Datatype datatype, int dest, int sendtag,
                          int source, int recvtag, MPI_Comm comm, MPI_Status *status)
{
    return sendrecv_replace("MPI_Sendrecv_replace", buf, count, datatype, dest, sendtag, source,
                            recvtag, comm, status);
}
LARK_API_ALIAS(Sendrecv_replace)

int PMPI_Sendrecv_replace_c(void *buf, MPI_Count count, MPI_Datatype datatype, int dest,
                            int sendtag, int source, int recvtag, MPI_Comm comm, MPI_Status *status)
{
    return sendrecv_replace("MPI_Sendrecv_replace_c", buf, count, datatype, dest, sendtag, source,
                            recvtag, comm, status);
}
LARK_API_ALIAS(Sendrecv_replace_c)

struct probe_args {
    int source, tag;
    struct lark_comm *comm;
    bool take;
    int found;
    MPI_Status *st;
    void *msg;
};

static bool probe_done(void *arg)
{
    struct probe_args *a = arg;
    lark_p2p_iprobe(a->source, a->tag, a->comm, LARK_CTX_PT2PT, &a->found, a->st, a->take, &a->msg);
    return a->found != 0;
}

static int probe_common(const char *call, int source, int tag, MPI_Comm comm, bool blocking,
                        bool take, int *flag, MPI_Message *message, MPI_Status *status)
{
    struct lark_comm *c;
    int rc = lark_check_comm(call, comm, &c);
    if (rc == MPI_SUCCESS)
        rc = lark_check_rank(call, c, source, true);
    if (rc == MPI_SUCCESS)
        rc = lark_check_tag(call, c, tag, true);
    if (rc == MPI_SUCCESS && !blocking)
        rc = lark_check_ptr(call, c, flag, "flag", MPI_ERR_ARG);
    if (rc == MPI_SUCCESS && take)
        rc = lark_check_ptr(call, c, message, "message", MPI_ERR_ARG);
    if (rc != MPI_SUCCESS)
        return rc;
    struct probe_args a = {source, tag, c, take, 0, status, NULL};
    if (blocking) {
        lark_where_enter(call, LARK_WHERE_RECV, c, source, tag, 0);
        lark_progress_wait(probe_done, &a);
        lark_where_leave();
    } else {
        lark_lock();
        probe_done(&a);
        lark_unlock();
        *flag = a.found;
        if (a.found)
            lark_where_poll_end();
        else
            lark_where_poll(call, LARK_WHERE_RECV, c, source, tag, 0, c);
    }
    if (take && a.found)
        *message = a.msg != NULL ? (MPI_Message)a.msg : MPI_MESSAGE_NO_PROC;
    return MPI_SUCCESS;
}

int PMPI_Probe(int source, int tag, MPI_Comm comm, MPI_Status *status)
{
    return probe_common("MPI_Probe", source, tag, comm, true, false, NULL, NULL, status);
}
LARK_API_ALIAS(Probe)

int PMPI_Iprobe(int source, int tag, MPI_Comm comm, int *flag, MPI_Status *status)
{
    return probe_common("MPI_Iprobe", source, tag, comm, false, false, flag, NULL, status);
}
LARK_API_ALIAS(Iprobe)

int PMPI_Mprobe(int source, int tag, MPI_Comm comm, MPI_Message *message, MPI_Status *status)
{
    return probe_common("MPI_Mprobe", source, tag, comm, true, true, NULL, message, status);
}
LARK_API_ALIAS(Mprobe)

int PMPI_Improbe(int source, int tag, MPI_Comm comm, int *flag, MPI_Message *message,
                 MPI_Status *status)
{
    return probe_common("MPI_Improbe", source, tag, comm, false, true, flag, message, status);
}
LARK_API_ALIAS(Improbe)

static int imrecv_common(const char *call, void *buf, MPI_Count count, MPI_Datatype datatype,
                         MPI_Message *message, struct lark_request **req)
{
    int rc = lark_check_init(call);
    if (rc != MPI_SUCCESS)
        return rc;
    if (message == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "message is NULL");
    void *msg = NULL;
    if (*message != MPI_MESSAGE_NO_PROC) {
        msg = (void *)*message;
        if (!lark_p2p_msg_valid(msg))
            return lark_err_raise(NULL, call, MPI_ERR_REQUEST, "invalid message handle");
    }
    struct lark_datatype *d = NULL;
    rc = lark_check_buf(call, NULL, buf, count, datatype, &d);
    if (rc != MPI_SUCCESS)
        return rc;
    lark_lock();
    rc = lark_p2p_imrecv(buf, (size_t)count, d, msg, &lark_comm_world, req);
    lark_unlock();
    if (rc != LARK_OK)
        return lark_err_raise(NULL, call, rc, "could not receive the message");
    *message = MPI_MESSAGE_NULL;
    return MPI_SUCCESS;
}

static int mrecv(const char *call, void *buf, MPI_Count count, MPI_Datatype datatype,
                 MPI_Message *message, MPI_Status *status)
{
    struct lark_request *req;
    int rc = imrecv_common(call, buf, count, datatype, message, &req);
    if (rc != MPI_SUCCESS)
        return rc;
    MPI_Status tmp;
    MPI_Status *st = status == MPI_STATUS_IGNORE ? &tmp : status;
    rc = lark_request_wait(req, st);
    if (rc != LARK_OK)
        return raise_status(NULL, call, rc, st);
    return MPI_SUCCESS;
}

int PMPI_Mrecv(void *buf, int count, MPI_Datatype datatype, MPI_Message *message,
               MPI_Status *status)
{
    return mrecv("MPI_Mrecv", buf, count, datatype, message, status);
}
LARK_API_ALIAS(Mrecv)

int PMPI_Mrecv_c(void *buf, MPI_Count count, MPI_Datatype datatype, MPI_Message *message,
                 MPI_Status *status)
{
    return mrecv("MPI_Mrecv_c", buf, count, datatype, message, status);
}
LARK_API_ALIAS(Mrecv_c)

static int imrecv(const char *call, void *buf, MPI_Count count, MPI_Datatype datatype,
                  MPI_Message *message, MPI_Request *request)
{
    if (request == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "request is NULL");
    struct lark_request *req;
    int rc = imrecv_common(call, buf, count, datatype, message, &req);
    if (rc != MPI_SUCCESS)
        return rc;
    *request = lark_request_to_handle(req);
    return MPI_SUCCESS;
}

int PMPI_Imrecv(void *buf, int count, MPI_Datatype datatype, MPI_Message *message,
                MPI_Request *request)
{
    return imrecv("MPI_Imrecv", buf, count, datatype, message, request);
}
LARK_API_ALIAS(Imrecv)

int PMPI_Imrecv_c(void *buf, MPI_Count count, MPI_Datatype datatype, MPI_Message *message,
                  MPI_Request *request)
{
    return imrecv("MPI_Imrecv_c", buf, count, datatype, message, request);
}
LARK_API_ALIAS(Imrecv_c)

/*
 * isendrecv.c -- the nonblocking send-receive calls of MPI 4.0
 * (MPI_Isendrecv, MPI_Isendrecv_replace and their large-count forms).
 *
 * Each is one user request of kind LARK_REQ_MULTI whose two children are
 * an ordinary receive and an ordinary send of the p2p layer
 * (lark_request_adopt): the call returns at once, the progress engine moves
 * both, and the user's request completes with the second child, carrying
 * the receive's status.  The replace form sends from a packed copy of the
 * buffer that the request owns (`packed`, freed with it), so the receive
 * may land in the buffer while the send is still going.
 */
#include <stdlib.h>

#include "lark.h"
#include "check.h"
#include "p2p.h"
#include "request.h"

#pragma weak MPI_Isendrecv = PMPI_Isendrecv
#pragma weak MPI_Isendrecv_c = PMPI_Isendrecv_c
#pragma weak MPI_Isendrecv_replace = PMPI_Isendrecv_replace
#pragma weak MPI_Isendrecv_replace_c = PMPI_Isendrecv_replace_c

/* What one call exchanges (after its checks). */
struct exchange {
    const void *sendbuf;
    size_t sendcount;
    struct lark_datatype *sendtype;
    int dest, sendtag;
    void *recvbuf;
    size_t recvcount;
    struct lark_datatype *recvtype;
    int source, recvtag;
    void *copy; /* replace: the packed send copy, owned by the request */
};

/* Start the exchange: the parent, then its receive, then its send.  The
 * parent takes x->copy (freed with it, or here on an error).  On an error
 * nothing is left running that the caller must wait for. */
static int start(struct lark_comm *c, const struct exchange *x, struct lark_request **out)
{
    lark_lock();
    struct lark_request *p = lark_request_alloc(LARK_REQ_MULTI, c);
    if (p == NULL) {
        lark_unlock();
        free(x->copy);
        return LARK_ERR_NOMEM;
    }
    p->packed = x->copy; /* freed by lark_request_free */
    p->peer = x->source;
    p->tag = x->recvtag;
    p->len = lark_datatype_packed_size(x->recvtype, x->recvcount);
    p->children = 2;
    struct lark_request *rreq, *sreq;
    int rc = lark_p2p_irecv(x->recvbuf, x->recvcount, x->recvtype, x->source, x->recvtag, c,
                            LARK_CTX_PT2PT, &rreq);
    if (rc != LARK_OK) {
        lark_request_free(p);
        lark_unlock();
        return rc;
    }
    lark_request_adopt(p, rreq);
    rc = lark_p2p_isend(x->sendbuf, x->sendcount, x->sendtype, x->dest, x->sendtag, c,
                        LARK_CTX_PT2PT, LARK_SEND_STANDARD, &sreq);
    if (rc != LARK_OK) {
        /* The receive is posted: withdraw it, and let the parent go
         * when it is done (at once if the cancel succeeded). */
        if (--p->children == 0)
            lark_request_complete(p);
        else
            lark_p2p_cancel(p);
        if (lark_request_done(p))
            lark_request_free(p);
        else
            p->freed = true;
        lark_unlock();
        return rc;
    }
    lark_request_adopt(p, sreq);
    lark_unlock();
    *out = p;
    return LARK_OK;
}

static int isendrecv(const char *call, const void *sendbuf, MPI_Count sendcount,
                     MPI_Datatype sendtype, int dest, int sendtag, void *recvbuf,
                     MPI_Count recvcount, MPI_Datatype recvtype, int source, int recvtag,
                     MPI_Comm comm, MPI_Request *request)
{
    struct lark_comm *c;
    struct lark_datatype *sd, *rd;
    int rc = lark_check_sendrecv(call, sendbuf, sendcount, sendtype, dest, sendtag, recvbuf,
                                 recvcount, recvtype, source, recvtag, comm, &c, &sd, &rd);
    if (rc == MPI_SUCCESS)
        rc = lark_check_ptr(call, c, request, "request", MPI_ERR_ARG);
    if (rc != MPI_SUCCESS)
        return rc;
    struct exchange x = {sendbuf, (size_t)sendcount, sd, dest,   sendtag,
                         recvbuf, (size_t)recvcount, rd, source, recvtag,
                         NULL};
    struct lark_request *req;
    rc = start(c, &x, &req);
    if (rc != LARK_OK)
        return lark_err_raise(c, call, rc, "could not start the exchange with ranks %d and %d",
                              dest, source);
    *request = lark_request_to_handle(req);
    return MPI_SUCCESS;
}

int PMPI_Isendrecv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, int dest, int sendtag,
                   void *recvbuf, int recvcount, MPI_Datatype recvtype, int source, int recvtag,
                   MPI_Comm comm, MPI_Request *request)
{
    return isendrecv("MPI_Isendrecv", sendbuf, sendcount, sendtype, dest, sendtag, recvbuf,
                     recvcount, recvtype, source, recvtag, comm, request);
}

int PMPI_Isendrecv_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, int dest,
                     int sendtag, void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                     int source, int recvtag, MPI_Comm comm, MPI_Request *request)
{
    return isendrecv("MPI_Isendrecv_c", sendbuf, sendcount, sendtype, dest, sendtag, recvbuf,
                     recvcount, recvtype, source, recvtag, comm, request);
}

static int isendrecv_replace(const char *call, void *buf, MPI_Count count, MPI_Datatype datatype,
                             int dest, int sendtag, int source, int recvtag, MPI_Comm comm,
                             MPI_Request *request)
{
    struct lark_comm *c;
    struct lark_datatype *d;
    int rc = lark_check_p2p(call, buf, count, datatype, dest, sendtag, comm, false, &c, &d);
    if (rc == MPI_SUCCESS)
        rc = lark_check_rank(call, c, source, true);
    if (rc == MPI_SUCCESS)
        rc = lark_check_tag(call, c, recvtag, true);
    if (rc == MPI_SUCCESS)
        rc = lark_check_ptr(call, c, request, "request", MPI_ERR_ARG);
    if (rc != MPI_SUCCESS)
        return rc;
    /* The send goes from a packed copy, so the receive may overwrite the
     * buffer at any time; the request owns the copy. */
    size_t len = lark_datatype_packed_size(d, (size_t)count);
    void *copy = malloc(len ? len : 1); /* freed with the request (its `packed`) */
    if (copy == NULL)
        return lark_err_raise(c, call, LARK_ERR_NOMEM,
                              "out of memory for the %zu-byte copy of the message to rank %d", len,
                              dest);
    lark_datatype_pack(d, buf, (size_t)count, 0, copy, len);
    struct exchange x = {copy,          len,     lark_datatype_from_handle(MPI_BYTE),
                         dest,          sendtag, buf,
                         (size_t)count, d,       source,
                         recvtag,       copy};
    struct lark_request *req;
    rc = start(c, &x, &req);
    if (rc != LARK_OK)
        return lark_err_raise(c, call, rc, "could not start the exchange with ranks %d and %d",
                              dest, source);
    *request = lark_request_to_handle(req);
    return MPI_SUCCESS;
}

int PMPI_Isendrecv_replace(void *buf, int count, MPI_Datatype datatype, int dest, int sendtag,
                           int source, int recvtag, MPI_Comm comm, MPI_Request *request)
{
    return isendrecv_replace("MPI_Isendrecv_replace", buf, count, datatype, dest, sendtag, source,
                             recvtag, comm, request);
}

int PMPI_Isendrecv_replace_c(void *buf, MPI_Count count, MPI_Datatype datatype, int dest,
                             int sendtag, int source, int recvtag, MPI_Comm comm,
                             MPI_Request *request)
{
    return isendrecv_replace("MPI_Isendrecv_replace_c", buf, count, datatype, dest, sendtag, source,
                             recvtag, comm, request);
}

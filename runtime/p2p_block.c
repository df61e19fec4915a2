/*
 * p2p_block.c -- the blocking fast paths of point-to-point: a send that
 * needs no request and a receive whose request lives in the caller's
 * frame.  MPI_Send/MPI_Recv (runtime/api) and the one-way steps of the
 * blocking collectives (coll/coll.c) come here; everything else takes
 * the request paths of p2p.c.
 *
 * A blocking call owns its operation from start to end, so it needs no
 * request handle, no pool allocation and no reference counting on
 * predefined objects: an eager send the transport takes at once is done
 * when lark_p2p_send_now returns, and a blocking receive posts a request
 * on its stack, waits for it and reads its status in place (bench/instr.sh
 * counts what that saves; runtime/README.md, "The hot path").
 */
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "comm.h"
#include "datatype.h"
#include "lost.h"
#include "p2p.h"
#include "peer.h"
#include "progress.h"
#include "request.h"
#include "runtime.h"
#include "transport.h"

int lark_p2p_send_now(const void *buf, size_t count, struct lark_datatype *dt, int dest, int tag,
                      struct lark_comm *comm, int ctxsel)
{
    if (dest == MPI_PROC_NULL || (ctxsel == LARK_CTX_COLL && lark_lost_comm(comm)))
        return LARK_ERR_AGAIN; /* the request path does it, or says why not */
    bool contig = lark_datatype_contig_n(dt, count);
    int err = LARK_OK;
    struct lark_peer *p = lark_peer_get(lark_comm_world_rank(comm, dest), &err);
    if (p == NULL)
        return LARK_ERR_AGAIN; /* the request path reports it */
    size_t len = lark_datatype_packed_size(dt, count);
    if (len > lark_peer_eager_limit(p))
        return LARK_ERR_AGAIN;
    /* What start_send (p2p.c) sends for a standard eager message; no
     * request, so sreq stays 0 (only SYNC and RTS frames are answered). */
    struct lark_wire h = {.type = LARK_WIRE_EAGER,
                          .ctx = comm->ctx[ctxsel],
                          .src = comm->rank,
                          .tag = tag,
                          .len = len,
                          .seq = p->send_seq};
    const void *data = (const char *)buf + dt->true_lb;
    size_t plen = len;
    if (len <= LARK_WIRE_INLINE_MAX) {
        h.flags = LARK_WIRE_INLINE;
        if (len && contig)
            memcpy(h.inl, data, len);
        else if (len)
            lark_datatype_pack(dt, buf, count, 0, h.inl, len);
        data = NULL;
        plen = 0;
        contig = true;
    }
    /* A non-contiguous buffer is packed straight into the transport. */
    int rc = contig ? lark_peer_send_now(p, &h, data, plen)
                    : lark_peer_send_now_packed(p, &h, buf, count, dt, len);
    if (rc == LARK_OK)
        p->send_seq++;
    return rc;
}

int lark_p2p_send(const void *buf, size_t count, struct lark_datatype *dt, int dest, int tag,
                  struct lark_comm *comm, int ctxsel)
{
    lark_lock();
    int rc = lark_p2p_send_now(buf, count, dt, dest, tag, comm, ctxsel);
    lark_unlock();
    if (rc != LARK_ERR_AGAIN)
        return rc;
    struct lark_request *req;
    lark_lock();
    rc = lark_p2p_isend(buf, count, dt, dest, tag, comm, ctxsel, LARK_SEND_STANDARD, &req);
    lark_unlock();
    if (rc != LARK_OK)
        return rc;
    return lark_request_wait(req, MPI_STATUS_IGNORE);
}

static bool recv_done(void *arg)
{
    return lark_request_done(arg);
}

/* A receive request in the caller's frame: never a handle (magic 0),
 * never in the pool, never freed.  It starts as a pooled one does
 * (lark_request_reset: one list of fields for both, so a field added
 * to the request cannot be forgotten here; a memset of all of it cost
 * ~55 instructions).  References on the communicator and the datatype
 * are what a pending operation holds against MPI_Comm_free /
 * MPI_Type_free in another thread; predefined ones need none (released
 * by frame_recv_end). */
LARK_INLINE void frame_recv(struct lark_request *req, void *buf, size_t count,
                            struct lark_datatype *dt, int source, int tag, struct lark_comm *comm,
                            int ctxsel)
{
    req->magic = 0; /* not a handle: MPI calls given it refuse it */
    lark_request_reset(req, LARK_REQ_RECV);
    req->buf = buf;
    req->count = count;
    req->dt = dt;
    req->len = lark_datatype_packed_size(dt, count);
    req->peer = source;
    req->tag = tag;
    req->comm = comm;
    req->ctxsel = ctxsel;
    if (LARK_UNLIKELY(!comm->predefined))
        lark_comm_retain(comm);
    if (LARK_UNLIKELY(!dt->predefined))
        lark_datatype_retain(dt);
}

/* The frame's receive completed: its status, its references back. */
LARK_INLINE int frame_recv_end(struct lark_request *req, MPI_Status *st)
{
    if (st != MPI_STATUS_IGNORE) {
        st->MPI_SOURCE = req->status.MPI_SOURCE;
        st->MPI_TAG = req->status.MPI_TAG;
        st->MPI_ERROR = req->error ? lark_err_class_of(req->error) : MPI_SUCCESS;
        lark_status_set_bytes(st, req->status_count);
        lark_status_set_cancelled(st, false);
    }
    if (LARK_UNLIKELY(!req->dt->predefined))
        lark_datatype_release(req->dt);
    if (LARK_UNLIKELY(!req->comm->predefined))
        lark_comm_release(req->comm);
    if (LARK_UNLIKELY(req->packed != NULL))
        free(req->packed); /* a split's block list whose PUT_DONE never came (p2p.c) */
    return req->error;
}

int lark_p2p_recv_as(void *buf, size_t count, struct lark_datatype *dt, int source, int tag,
                     struct lark_comm *comm, int ctxsel, MPI_Status *st,
                     const struct lark_where_call *w)
{
    struct lark_request req;
    frame_recv(&req, buf, count, dt, source, tag, comm, ctxsel);
    lark_lock();
    lark_p2p_post_recv(&req);
    bool done = lark_request_done(&req);
    if (!done) {
        /* One pass before the waiting loop: a message that is there
         * already completes it without the loop's setup. */
        lark_p2p_progress();
        done = lark_request_done(&req);
    }
    lark_unlock();
    /* Completion, by this thread or another, happens under the runtime
     * lock, and the wait reads `done` under it: once it is seen, nobody
     * touches req any more, and this frame may go. */
    if (!done)
        lark_progress_wait_as(recv_done, &req, w);
    return frame_recv_end(&req, st);
}

/* An exchange: its receive (in the frame) and its send (a request only
 * when it could not go at once). */
struct exchange {
    struct lark_request *recv, *send;
};

static bool exchange_done(void *arg)
{
    const struct exchange *x = arg;
    return lark_request_done(x->recv) && (x->send == NULL || lark_request_done(x->send));
}

int lark_p2p_sendrecv(const void *sbuf, size_t scount, struct lark_datatype *sdt, int dest,
                      int stag, void *rbuf, size_t rcount, struct lark_datatype *rdt, int source,
                      int rtag, struct lark_comm *comm, MPI_Status *st,
                      const struct lark_where_call *w)
{
    struct lark_request req;
    frame_recv(&req, rbuf, rcount, rdt, source, rtag, comm, LARK_CTX_PT2PT);
    struct exchange x = {&req, NULL};
    lark_lock();
    lark_p2p_post_recv(&req); /* first: the peer's message may land straight in it */
    int rc = lark_p2p_send_now(sbuf, scount, sdt, dest, stag, comm, LARK_CTX_PT2PT);
    if (rc == LARK_ERR_AGAIN)
        rc = lark_p2p_isend(sbuf, scount, sdt, dest, stag, comm, LARK_CTX_PT2PT, LARK_SEND_STANDARD,
                            &x.send);
    if (rc != LARK_OK) /* no send: the receive ends (cancelled, or done if matched) */
        lark_p2p_cancel(&req);
    bool done = exchange_done(&x);
    if (!done) {
        lark_p2p_progress();
        done = exchange_done(&x);
    }
    lark_unlock();
    if (!done)
        lark_progress_wait_as(exchange_done, &x, w);
    int src = 0;
    if (x.send != NULL) {
        lark_lock();
        src = lark_request_finish(x.send, MPI_STATUS_IGNORE);
        lark_unlock();
    }
    int rrc = frame_recv_end(&req, st);
    return rc != LARK_OK ? rc : rrc != LARK_OK ? rrc : src;
}

int lark_p2p_recv(void *buf, size_t count, struct lark_datatype *dt, int source, int tag,
                  struct lark_comm *comm, int ctxsel, MPI_Status *st)
{
    return lark_p2p_recv_as(buf, count, dt, source, tag, comm, ctxsel, st, NULL);
}

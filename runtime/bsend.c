/*
 * bsend.c -- buffered-mode sends and the buffers they use.
 *
 * MPI_Bsend copies the message so that it can return before the receive is
 * posted.  Lark accounts the copies against the buffer the user attached
 * (each costs its packed size plus MPI_BSEND_OVERHEAD, as the standard
 * says), so a program that attaches too little gets MPI_ERR_BUFFER exactly
 * where other MPIs give it; the copy itself is a malloc'd block released
 * when the internal send completes.  A send uses its communicator's buffer
 * (MPI_Comm_attach_buffer, MPI 4.1) when one is attached, else the
 * process's (MPI_Buffer_attach).  MPI_BUFFER_AUTOMATIC attaches a buffer
 * without a limit.
 *
 * Flushing (MPI_Buffer_flush/iflush, MPI_Comm_flush_buffer/iflush_buffer,
 * and every detach) waits for the sends started before it, not for later
 * ones: each buffer keeps its pending sends in start order, numbered, and
 * a flush request completes once the oldest pending send is younger than
 * the flush (or none is left).  Everything here runs under the runtime
 * lock.
 */
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "bsend.h"
#include "comm.h"
#include "datatype.h"
#include "p2p.h"
#include "progress.h"
#include "request.h"
#include "runtime.h"

/* One buffered send in flight (the internal request's `ext`). */
struct pending {
    uint64_t seq;
    size_t cost;
    struct bbuf *owner;
    struct pending *prev, *next;
};

/* A flush waiting for the sends up to `mark`. */
struct flush {
    uint64_t mark;
    struct lark_request *req;
    struct flush *next;
};

/* An attached buffer: the process's, or one communicator's (malloc'd at
 * its first attach, freed by lark_bsend_comm_gone). */
struct bbuf {
    bool have, automatic;
    void *base;
    size_t size, used;
    uint64_t seq; /* numbers given so far */
    struct pending *head, *tail;
    struct flush *flushes;
};

static struct bbuf process;

/* Communicators with a buffer record: a short list (few programs attach
 * one per communicator), searched on each buffered send. */
struct comm_buf {
    struct lark_comm *comm;
    struct bbuf b;
    struct comm_buf *next;
};
static struct comm_buf *comm_bufs;

static struct bbuf *find(struct lark_comm *comm, bool create)
{
    if (comm == NULL)
        return &process;
    for (struct comm_buf *cb = comm_bufs; cb != NULL; cb = cb->next)
        if (cb->comm == comm)
            return &cb->b;
    if (!create)
        return NULL;
    struct comm_buf *cb = calloc(1, sizeof *cb); /* freed by lark_bsend_comm_gone */
    if (cb == NULL)
        return NULL;
    cb->comm = comm;
    cb->next = comm_bufs;
    comm_bufs = cb;
    return &cb->b;
}

void lark_bsend_comm_gone(struct lark_comm *comm)
{
    for (struct comm_buf **p = &comm_bufs; *p != NULL; p = &(*p)->next)
        if ((*p)->comm == comm) {
            struct comm_buf *cb = *p;
            *p = cb->next;
            free(cb);
            return;
        }
}

int lark_bsend_attach(struct lark_comm *comm, void *buf, size_t size)
{
    struct bbuf *b = find(comm, true);
    if (b == NULL)
        return LARK_ERR_NOMEM;
    if (b->have)
        return LARK_ERR_AGAIN;
    b->have = true;
    b->automatic = buf == MPI_BUFFER_AUTOMATIC;
    b->base = buf;
    b->size = b->automatic ? 0 : size;
    return LARK_OK;
}

static bool flush_done(const struct bbuf *b, uint64_t mark)
{
    return b->head == NULL || b->head->seq > mark;
}

/* Complete the flushes whose sends have all left. */
static void check_flushes(struct bbuf *b)
{
    struct flush **p = &b->flushes;
    while (*p != NULL) {
        struct flush *f = *p;
        if (flush_done(b, f->mark)) {
            *p = f->next;
            lark_request_complete(f->req);
            free(f);
        } else {
            p = &f->next;
        }
    }
}

int lark_bsend_iflush(struct lark_comm *comm, struct lark_request **out)
{
    struct lark_request *r = lark_request_alloc(LARK_REQ_FLUSH, comm);
    if (r == NULL)
        return LARK_ERR_NOMEM;
    r->peer = MPI_PROC_NULL;
    r->tag = MPI_ANY_TAG;
    r->len = 0;
    struct bbuf *b = find(comm, false);
    if (b == NULL || flush_done(b, b->seq)) {
        lark_request_complete(r);
        *out = r;
        return LARK_OK;
    }
    struct flush *f = malloc(sizeof *f); /* freed by check_flushes */
    if (f == NULL) {
        lark_request_free(r);
        return LARK_ERR_NOMEM;
    }
    f->mark = b->seq;
    f->req = r;
    f->next = b->flushes;
    b->flushes = f;
    *out = r;
    return LARK_OK;
}

int lark_bsend_detach(struct lark_comm *comm, void **buf, size_t *size)
{
    lark_lock();
    struct bbuf *b = find(comm, false);
    if (b == NULL || !b->have) {
        lark_unlock();
        return LARK_ERR_ARG;
    }
    struct lark_request *r;
    int rc = lark_bsend_iflush(comm, &r);
    lark_unlock();
    if (rc != LARK_OK)
        return rc;
    lark_request_wait(r, MPI_STATUS_IGNORE);
    lark_lock();
    *buf = b->base;
    *size = b->size;
    b->have = b->automatic = false;
    b->base = NULL;
    b->size = 0;
    lark_unlock();
    return LARK_OK;
}

int lark_bsend_start(const void *buf, size_t count, struct lark_datatype *dt, int dest, int tag,
                     struct lark_comm *comm)
{
    if (dest == MPI_PROC_NULL)
        return LARK_OK;
    struct bbuf *b = find(comm, false);
    if (b == NULL || !b->have)
        b = &process;
    size_t len = lark_datatype_packed_size(dt, count);
    size_t cost = len + MPI_BSEND_OVERHEAD;
    if (!b->have || (!b->automatic && b->used + cost > b->size))
        return LARK_ERR_NOMEM;
    /* The copy and its record: freed by lark_bsend_release when the send
     * is done. */
    void *copy = malloc(len ? len : 1);
    struct pending *pd = malloc(sizeof *pd);
    if (copy == NULL || pd == NULL) {
        free(copy);
        free(pd);
        return LARK_ERR_NOMEM;
    }
    lark_datatype_pack(dt, buf, count, 0, copy, len);
    struct lark_datatype *bytes = lark_datatype_from_handle(MPI_BYTE);
    struct lark_request *req;
    int rc =
        lark_p2p_isend(copy, len, bytes, dest, tag, comm, LARK_CTX_PT2PT, LARK_SEND_STANDARD, &req);
    if (rc != LARK_OK) {
        free(copy);
        free(pd);
        return rc;
    }
    b->used += cost;
    *pd = (struct pending){++b->seq, cost, b, b->tail, NULL};
    if (b->tail != NULL)
        b->tail->next = pd;
    else
        b->head = pd;
    b->tail = pd;
    req->ext = pd;
    req->bsend = true;
    if (lark_request_done(req)) {
        lark_request_free(req);
    } else {
        req->freed = true; /* frees itself, and the copy, on completion */
    }
    return LARK_OK;
}

void lark_bsend_release(struct lark_request *req)
{
    struct pending *pd = req->ext;
    struct bbuf *b = pd->owner;
    b->used -= pd->cost;
    if (pd->prev != NULL)
        pd->prev->next = pd->next;
    else
        b->head = pd->next;
    if (pd->next != NULL)
        pd->next->prev = pd->prev;
    else
        b->tail = pd->prev;
    free(pd);
    req->ext = NULL;
    free(req->buf);
    req->buf = NULL;
    req->bsend = false;
    if (b->flushes != NULL)
        check_flushes(b);
}

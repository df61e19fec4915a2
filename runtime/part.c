/*
 * part.c -- partitioned communication on the p2p engine: one message per
 * request and start, in a context of its own (part.h).
 */
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "comm.h"
#include "datatype.h"
#include "p2p.h"
#include "part.h"
#include "request.h"

struct part {
    bool send;
    void *buf;
    int partitions;
    size_t count; /* elements per partition */
    struct lark_datatype *dt;
    struct lark_comm *chan; /* the request's own context (owned) */
    int nready;
    uint8_t ready[]; /* send: one flag per partition */
};

/* How many partitioned requests this process made per (communicator id,
 * peer, tag, direction), in order: the k-th one of each side meets the
 * other side's k-th.  A short list: programs make few channels. */
struct counter {
    uint32_t cid;
    int peer, tag;
    bool send;
    uint32_t next;
    struct counter *next_counter;
};
static struct counter *counters;

static int next_seq(uint32_t cid, int peer, int tag, bool send, uint32_t *seq)
{
    struct counter *c = counters;
    while (c != NULL && !(c->cid == cid && c->peer == peer && c->tag == tag && c->send == send))
        c = c->next_counter;
    if (c == NULL) {
        c = calloc(1, sizeof *c); /* kept until the process ends (a few per channel kind) */
        if (c == NULL)
            return LARK_ERR_NOMEM;
        *c = (struct counter){cid, peer, tag, send, 0, counters};
        counters = c;
    }
    *seq = c->next++;
    return LARK_OK;
}

static void post_send(struct lark_request *r);

static void release(struct lark_request *r)
{
    struct part *pt = r->ext;
    lark_comm_release(pt->chan);
    lark_datatype_release(pt->dt);
    free(pt);
    r->ext = NULL;
}

int lark_part_init(bool send, void *buf, int partitions, size_t count, struct lark_datatype *dt,
                   int peer, int tag, struct lark_comm *comm, struct lark_request **out)
{
    if (comm->cid >= LARK_CID_MAX)
        return LARK_ERR_ARG;
    uint32_t seq;
    int rc = next_seq(comm->cid, peer, tag, send, &seq);
    if (rc != LARK_OK)
        return rc;
    /* Freed by release() with the request. */
    struct part *pt = calloc(1, sizeof *pt + (send ? (size_t)partitions : 0));
    if (pt == NULL)
        return LARK_ERR_NOMEM;
    rc = lark_comm_create(comm->group, comm->remote, comm->cid, &pt->chan);
    if (rc != LARK_OK) {
        free(pt);
        return rc;
    }
    pt->chan->ctx[LARK_CTX_PT2PT] = 0x80000000u | comm->cid << 19 | (seq & 0x7ffffu);
    pt->chan->ctx[LARK_CTX_COLL] = pt->chan->ctx[LARK_CTX_PT2PT];
    pt->chan->cid = LARK_CID_NONE; /* the id is comm's: releasing chan leaves it */
    pt->send = send;
    pt->buf = buf;
    pt->partitions = partitions;
    pt->count = count;
    pt->dt = dt;
    lark_datatype_retain(dt);
    struct lark_request *r = lark_request_alloc(LARK_REQ_PART, comm);
    if (r == NULL) {
        lark_comm_release(pt->chan);
        lark_datatype_release(dt);
        free(pt);
        return LARK_ERR_NOMEM;
    }
    r->ext = pt;
    r->release = release;
    r->persistent = true;
    r->peer = peer;
    r->tag = tag;
    r->len = lark_datatype_packed_size(dt, (size_t)partitions * count);
    atomic_store(&r->complete, 1); /* inactive */
    *out = r;
    return LARK_OK;
}

int lark_part_start(struct lark_request *r)
{
    struct part *pt = r->ext;
    atomic_store(&r->complete, 0);
    r->active = true;
    r->error = 0;
    r->cancelled = false;
    r->status.MPI_SOURCE = MPI_ANY_SOURCE;
    r->status.MPI_TAG = MPI_ANY_TAG;
    r->status_count = 0;
    r->children = 1;
    if (pt->send) {
        memset(pt->ready, 0, (size_t)pt->partitions);
        pt->nready = 0;
        if (pt->partitions == 0) /* nothing to wait for: send the empty message now */
            post_send(r);
        return LARK_OK;
    }
    struct lark_request *child;
    int rc = lark_p2p_irecv(pt->buf, (size_t)pt->partitions * pt->count, pt->dt, r->peer, r->tag,
                            pt->chan, LARK_CTX_PT2PT, &child);
    if (rc != LARK_OK) {
        r->active = false;
        atomic_store(&r->complete, 1);
        return rc;
    }
    lark_request_adopt(r, child);
    return LARK_OK;
}

int lark_part_ready(struct lark_request *r, int p)
{
    struct part *pt = r->ext;
    if (p < 0 || p >= pt->partitions || pt->ready[p])
        return LARK_ERR_ARG;
    pt->ready[p] = 1;
    if (++pt->nready == pt->partitions)
        post_send(r);
    return LARK_OK;
}

/* Every partition is ready: send the message (the request's child). */
static void post_send(struct lark_request *r)
{
    struct part *pt = r->ext;
    struct lark_request *child;
    int rc = lark_p2p_isend(pt->buf, (size_t)pt->partitions * pt->count, pt->dt, r->peer, r->tag,
                            pt->chan, LARK_CTX_PT2PT, LARK_SEND_STANDARD, &child);
    if (rc != LARK_OK) {
        /* The request ends in error rather than never. */
        r->error = rc;
        r->children = 0;
        lark_request_complete(r);
        return;
    }
    lark_request_adopt(r, child);
}

int lark_part_arrived(struct lark_request *r, int p, int *flag)
{
    struct part *pt = r->ext;
    if (p < 0 || p >= pt->partitions)
        return LARK_ERR_ARG;
    if (!lark_request_done(r))
        lark_p2p_progress();
    *flag = lark_request_done(r);
    return LARK_OK;
}

bool lark_part_is_send(const struct lark_request *r)
{
    return ((const struct part *)r->ext)->send;
}

int lark_part_count(const struct lark_request *r)
{
    return ((const struct part *)r->ext)->partitions;
}

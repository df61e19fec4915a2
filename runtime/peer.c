/*
 * peer.c -- the peers of this process: which transport reaches each one,
 * per-peer send queues, and the progress pass (see peer.h).
 *
 * The transports come from the registry (transports/registry.c): at init
 * every one that LARK_TRANSPORTS allows and that has peers to serve is
 * started, highest priority first.  A peer object is made on first use,
 * by lark_peer_get, the one place that picks a transport: the first
 * started one whose reachable() says yes.
 *
 * Frames a transport cannot take now (LARK_ERR_AGAIN) wait in the peer's
 * FIFO queue; once a peer has queued frames every later frame queues behind
 * them, so per-pair order on the wire equals the order of the sequence
 * numbers the matching engine checks.  A DATA stream (rendezvous answered
 * with CTS) is one queue entry that sends as much as the transport takes.
 *
 * A non-contiguous datatype is never packed whole: an EAGER payload and
 * each DATA piece are packed by the datatype engine straight into the
 * transport's buffer (send_fill), or, for a transport without it, into one
 * bounce buffer of at most max_send bytes that send then copies or writes.
 *
 * Costs: one pointer per world rank (calloc: pages are touched only where
 * peers are used) plus ~80 B per peer actually talked to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "mpit/stats.h"
#include "datatype.h"
#include "peer.h"
#include "request.h"
#include "runtime.h"
#include "transport.h"

/* A frame waiting for room in a transport, or a DATA stream in progress. */
struct outq {
    struct outq *next;
    struct lark_wire hdr;
    const void *payload; /* not owned (the request's buffer) */
    size_t len;
    struct lark_request *req; /* complete it once sent (EAGER, not SYNC) or stream it */
    bool stream;              /* DATA frames of req until all is sent */
    void *owned;              /* a payload copy (lark_peer_send_copy): freed once sent */
    struct lark_request *src; /* payload NULL: pack it from src's buffer at offset 0 */
};

#define MAX_TRANSPORTS 8
static struct lark_transport transports[MAX_TRANSPORTS]; /* started ones, by priority */
static int ntransports;
struct lark_peer **lark_peers;     /* by world rank, made on first use */
static struct lark_peer *busy;     /* peers with queued frames */
static struct outq *outq_free;     /* recycled queue entries */
size_t lark_peer_eager_override;   /* LARK_EAGER_LIMIT, 0 = transport's */
static bool eager_by_tool;         /* MPI_T set it before MPI_Init: keep it */
static void *bounce;               /* packing space for transports without send_fill */
static size_t bounce_size;         /* (grown to the largest frame, freed at finalize) */
unsigned char *lark_peer_lost_map; /* by world rank; made at the first loss, freed at finalize */
int lark_peer_lost_pending;        /* losses whose requests are not failed yet */
unsigned lark_peer_lost_gen;       /* losses so far */
static unsigned char *lost_done;   /* by world rank: its requests were failed (same block) */
static char lost_note[512];        /* the first loss, in words */

static int transport_start(struct lark_transport *tp, const struct lark_transport_ops *ops, int reg)
{
    memset(tp, 0, sizeof *tp);
    tp->ops = ops;
    tp->stats = &lark_tp_stats[reg];
    if (ops->priv_size) {
        /* Freed in lark_peer_finalize (or right here on failure). */
        tp->priv = calloc(1, ops->priv_size);
        if (tp->priv == NULL)
            return LARK_ERR_NOMEM;
    }
    int rc = ops->init(tp);
    if (rc != LARK_OK) {
        free(tp->priv);
        tp->priv = NULL;
        tp->ops = NULL;
    }
    return rc;
}

int lark_peer_init(void)
{
    /* One pointer per world rank; each peer is made on first use. */
    lark_peers = calloc((size_t)lark_rt.size, sizeof *lark_peers);
    if (lark_peers == NULL)
        return LARK_ERR_NOMEM;
    const char *env = getenv("LARK_EAGER_LIMIT");
    if (env != NULL && !eager_by_tool)
        lark_peer_eager_override = strtoul(env, NULL, 0);
    /* Start the wanted transports, highest priority first (registry.c). */
    int nreg, rc;
    const struct lark_transport_entry *reg = lark_transport_registry(&nreg);
    bool allowed[MAX_TRANSPORTS];
    const char *list = getenv("LARK_TRANSPORTS");
    if (nreg > MAX_TRANSPORTS || nreg > LARK_STATS_MAX_TP)
        return LARK_ERR_INTERN;
    if ((rc = lark_transport_allowed(list, allowed)) != LARK_OK)
        return rc;
    struct lark_transport_want want = {.covered = 0, .listed = list != NULL};
    ntransports = 0;
    for (int i = 0; i < nreg; i++) {
        if (!allowed[i] || !reg[i].wanted(&want))
            continue;
        if ((rc = transport_start(&transports[ntransports], reg[i].ops, i)) != LARK_OK)
            return rc;
        want.covered += transports[ntransports].npeers;
        ntransports++;
    }
    return LARK_OK;
}

int lark_peer_wireup(void)
{
    for (int i = 0; i < ntransports; i++) {
        if (transports[i].ops->wireup != NULL) {
            int rc = transports[i].ops->wireup(&transports[i]);
            if (rc != LARK_OK)
                return rc;
        }
    }
    return LARK_OK;
}

void lark_peer_finalize(void)
{
    for (int i = ntransports - 1; i >= 0; i--) {
        transports[i].ops->finalize(&transports[i]);
        free(transports[i].priv);
        transports[i].priv = NULL;
    }
    ntransports = 0;
    if (lark_peers != NULL) {
        for (int i = 0; i < lark_rt.size; i++) {
            struct lark_peer *p = lark_peers[i];
            if (p == NULL)
                continue;
            while (p->qhead) {
                struct outq *q = p->qhead;
                p->qhead = q->next;
                free(q->owned);
                free(q);
            }
            free(p);
        }
        free(lark_peers);
        lark_peers = NULL;
    }
    while (outq_free) {
        struct outq *q = outq_free;
        outq_free = q->next;
        free(q);
    }
    free(bounce);
    bounce = NULL;
    bounce_size = 0;
    busy = NULL;
    free(lark_peer_lost_map);
    lark_peer_lost_map = lost_done = NULL;
    lark_peer_lost_pending = 0;
    lark_peer_lost_gen = 0;
    lost_note[0] = '\0';
}

/* The peer object of world rank `w` on its first use: the one place that
 * picks a transport. */
struct lark_peer *lark_peer_make(int w, int *err)
{
    struct lark_transport *tp = NULL;
    for (int i = 0; i < ntransports && tp == NULL; i++)
        if (transports[i].ops->reachable(&transports[i], w))
            tp = &transports[i];
    if (tp == NULL) {
        const char *list = getenv("LARK_TRANSPORTS");
        fprintf(stderr,
                "Lark MPI: rank %d (host %s): no transport reaches rank %d (LARK_TRANSPORTS=%s)\n",
                lark_rt.rank, lark_rt.hostname, w, list ? list : "(unset: all)");
        *err = LARK_ERR_PEER;
        return NULL;
    }
    /* Freed at finalize. */
    struct lark_peer *p = calloc(1, sizeof *p);
    if (p == NULL) {
        *err = LARK_ERR_NOMEM;
        return NULL;
    }
    p->world = w;
    p->tp = tp;
    p->lost = lark_peer_is_lost(w);
    int rc = tp->ops->connect ? tp->ops->connect(tp, w, &p->state) : LARK_OK;
    if (rc != LARK_OK) {
        free(p);
        *err = rc;
        return NULL;
    }
    lark_peers[w] = p;
    return p;
}

size_t lark_peer_transport_eager(const char *name)
{
    for (int i = 0; i < ntransports; i++)
        if (strcmp(transports[i].ops->name, name) == 0)
            return transports[i].eager_limit;
    return 0;
}

size_t lark_peer_eager_cap(void)
{
    return lark_peer_eager_override;
}

void lark_peer_set_eager_cap(size_t cap)
{
    lark_peer_eager_override = cap;
    if (!lark_initialized())
        eager_by_tool = true;
}

/* ---- non-contiguous payloads: packed straight into the transport ---- */

/* Packed bytes [off, ...) of (buf, count, dt). */
struct packer {
    const struct lark_datatype *dt;
    const void *buf;
    size_t count, off;
};

static void pack_fill(void *ctx, void *dst, size_t len)
{
    const struct packer *pk = ctx;
    lark_datatype_pack(pk->dt, pk->buf, pk->count, pk->off, dst, len);
}

/* Send one frame whose payload is packed bytes [off, off+len) of req's
 * buffer: written by the datatype engine into the transport's own buffer,
 * or (a transport without send_fill) into the bounce buffer first. */
static int send_packed(struct lark_peer *p, const struct lark_wire *hdr,
                       const struct lark_request *req, size_t off, size_t len)
{
    struct packer pk = {req->dt, req->buf, req->count, off};
    if (p->tp->ops->send_fill != NULL)
        return p->tp->ops->send_fill(p->tp, p->state, hdr, len, pack_fill, &pk);
    if (len > bounce_size) {
        void *b = realloc(bounce, len); /* kept for the next message; freed at finalize */
        if (b == NULL)
            return LARK_ERR_AGAIN;
        bounce = b;
        bounce_size = len;
    }
    pack_fill(&pk, bounce, len);
    return p->tp->ops->send(p->tp, p->state, hdr, bounce, len);
}

/* ---- sending frames ---- */

static void frame_sent(struct outq *q);

/* Count a frame the transport took (MPI_T, runtime/mpit/stats.h). */
static inline void count_tx(struct lark_peer *p, size_t len)
{
    lark_count(&p->tp->stats->tx_frames, 1);
    lark_count(&p->tp->stats->tx_bytes, len);
}

static int enqueue(struct lark_peer *p, const struct lark_wire *hdr, const void *payload,
                   size_t len, struct lark_request *req, bool stream)
{
    /* Recycled once sent (drain_peer); freed at finalize. */
    struct outq *q = outq_free;
    if (q != NULL)
        outq_free = q->next;
    else if ((q = malloc(sizeof *q)) == NULL)
        return LARK_ERR_NOMEM;
    q->next = NULL;
    q->hdr = *hdr;
    q->payload = payload;
    q->len = len;
    q->req = req;
    q->stream = stream;
    q->owned = NULL;
    q->src = NULL;
    if (p->qtail)
        p->qtail->next = q;
    else
        p->qhead = q;
    p->qtail = q;
    if (!p->busy) {
        p->busy = true;
        p->next_busy = busy;
        busy = p;
    }
    return LARK_OK;
}

/* Hand one frame to the transport: its payload, or the first len packed
 * bytes of src's buffer (src non-NULL). */
static int transmit(struct lark_peer *p, const struct lark_wire *hdr, const void *payload,
                    struct lark_request *src, size_t len)
{
    int rc = src != NULL ? send_packed(p, hdr, src, 0, len)
                         : p->tp->ops->send(p->tp, p->state, hdr, payload, len);
    if (rc == LARK_OK)
        count_tx(p, len);
    return rc;
}

static int send_or_queue(struct lark_peer *p, const struct lark_wire *hdr, const void *payload,
                         struct lark_request *src, size_t len, struct lark_request *req)
{
    if (LARK_UNLIKELY(p->lost))
        return LARK_ERR_PEER;
    if (p->qhead == NULL) {
        int rc = transmit(p, hdr, payload, src, len);
        if (rc == LARK_OK) {
            if (req != NULL)
                lark_request_complete(req);
            return LARK_OK;
        }
        if (rc != LARK_ERR_AGAIN)
            return rc;
    }
    int rc = enqueue(p, hdr, payload, len, req, false);
    if (rc == LARK_OK)
        p->qtail->src = src;
    return rc;
}

int lark_peer_send_now(struct lark_peer *p, const struct lark_wire *hdr, const void *payload,
                       size_t len)
{
    return p->qhead == NULL && !p->lost ? transmit(p, hdr, payload, NULL, len) : LARK_ERR_AGAIN;
}

int lark_peer_send_now_packed(struct lark_peer *p, const struct lark_wire *hdr, const void *buf,
                              size_t count, const struct lark_datatype *dt, size_t len)
{
    if (p->qhead != NULL || p->lost || p->tp->ops->send_fill == NULL)
        return LARK_ERR_AGAIN;
    struct packer pk = {dt, buf, count, 0};
    int rc = p->tp->ops->send_fill(p->tp, p->state, hdr, len, pack_fill, &pk);
    if (rc == LARK_OK)
        count_tx(p, len);
    return rc;
}

int lark_peer_send(struct lark_peer *p, const struct lark_wire *hdr, const void *payload,
                   size_t len, struct lark_request *req)
{
    return send_or_queue(p, hdr, payload, NULL, len, req);
}

int lark_peer_send_packed(struct lark_peer *p, const struct lark_wire *hdr,
                          struct lark_request *src, size_t len, struct lark_request *req)
{
    return send_or_queue(p, hdr, NULL, src, len, req);
}

/* Push as much of a DATA stream as the transport takes.  Returns 0 when the
 * whole message is out, LARK_ERR_AGAIN when it must wait, < 0 on error. */
static int stream_data(struct lark_peer *p, struct lark_request *req)
{
    struct lark_wire h = {.type = LARK_WIRE_DATA,
                          .len = req->len,
                          .rreq = req->remote,
                          .sreq = (uint64_t)(uintptr_t)req};
    size_t chunk = p->tp->max_send;
    bool zc = p->tp->ops->send_zc != NULL;
    while (req->sent < req->len) {
        size_t n = req->len - req->sent;
        if (n > chunk)
            n = chunk;
        h.addr = req->sent;
        const char *from = (const char *)req->data + req->sent;
        /* A non-contiguous buffer (data NULL) is packed piece by piece. */
        int rc = req->data == NULL ? send_packed(p, &h, req, req->sent, n)
                 : zc              ? p->tp->ops->send_zc(p->tp, p->state, &h, from, n, req)
                                   : p->tp->ops->send(p->tp, p->state, &h, from, n);
        if (rc == LARK_INPROGRESS)
            req->pending_acks++; /* lark_transport_sent will say when it is out */
        else if (rc != LARK_OK)
            return rc;
        count_tx(p, n);
        req->sent += n;
    }
    return req->pending_acks > 0 ? LARK_INPROGRESS : LARK_OK;
}

void lark_transport_sent(void *cookie, int status)
{
    struct lark_request *req = cookie;
    if (status < 0 && req->error == 0)
        req->error = status;
    if (--req->pending_acks == 0 && req->sent == req->len)
        lark_request_complete(req);
}

/* ---- lost peers ---- */

void lark_peer_watch(struct lark_peer *p, struct lark_request *req)
{
    req->watch_peer = p;
    req->wprev = NULL;
    req->wnext = p->watch;
    if (p->watch != NULL)
        p->watch->wprev = req;
    p->watch = req;
}

void lark_peer_unwatch(struct lark_request *req)
{
    struct lark_peer *p = req->watch_peer;
    if (req->wprev != NULL)
        req->wprev->wnext = req->wnext;
    else
        p->watch = req->wnext;
    if (req->wnext != NULL)
        req->wnext->wprev = req->wprev;
    req->watch_peer = NULL;
}

void lark_transport_peer_lost(int peer, const char *why)
{
    if (lark_peer_lost_map == NULL) {
        /* Two maps in one block (lost, then lost_done); freed at finalize. */
        lark_peer_lost_map = calloc((size_t)lark_rt.size, 2);
        if (lark_peer_lost_map == NULL) {
            char msg[400];
            snprintf(msg, sizeof msg, "rank %d (host %.256s) lost rank %d and is out of memory",
                     lark_rt.rank, lark_rt.hostname, peer);
            lark_runtime_abort(MPI_ERR_PROC_ABORTED, msg);
        }
        lost_done = lark_peer_lost_map + lark_rt.size;
    }
    if (lark_peer_lost_map[peer])
        return;
    lark_peer_lost_map[peer] = 1;
    lark_peer_lost_pending++;
    lark_peer_lost_gen++;
    if (lark_peers != NULL && lark_peers[peer] != NULL)
        lark_peers[peer]->lost = true;
    if (lost_note[0] == '\0') {
        char *host = NULL;
        lark_runtime_get_peer_string(peer, "pmix.hname", &host);
        snprintf(lost_note, sizeof lost_note,
                 "rank %d (host %.100s) lost rank %d (host %.100s): %s", lark_rt.rank,
                 lark_rt.hostname, peer, host ? host : "unknown", why);
        free(host);
    }
}

const char *lark_peer_lost_note(void)
{
    return lost_note[0] ? lost_note : NULL;
}

static void fail_request(struct lark_request *req)
{
    if (req->error == 0)
        req->error = LARK_ERR_PEER;
    lark_request_complete(req);
}

int lark_peer_fail_lost(int *lost, int max)
{
    int n = 0;
    for (int w = 0; w < lark_rt.size && lark_peer_lost_pending > 0 && n < max; w++) {
        if (!lark_peer_lost_map[w] || lost_done[w])
            continue;
        lost_done[w] = 1;
        lark_peer_lost_pending--;
        lost[n++] = w;
        struct lark_peer *p = lark_peers[w];
        if (p == NULL)
            continue;
        p->lost = true;
        /* Its queued frames will never go: their requests fail (a stream's
         * too, which is also watched: completing it unwatches it). */
        while (p->qhead != NULL) {
            struct outq *q = p->qhead;
            p->qhead = q->next;
            if (q->req != NULL && !lark_request_done(q->req))
                fail_request(q->req);
            free(q->owned);
            q->owned = NULL;
            q->next = outq_free;
            outq_free = q;
        }
        p->qtail = NULL;
        /* Requests waiting for its answer (completing one unwatches it,
         * and may free it). */
        while (p->watch != NULL)
            fail_request(p->watch);
    }
    return n;
}

static void frame_sent(struct outq *q)
{
    if (q->req != NULL)
        lark_request_complete(q->req);
}

/* Retry the queued frames of one peer, in order.  Returns frames sent. */
static int drain_peer(struct lark_peer *p)
{
    int n = 0;
    while (p->qhead) {
        struct outq *q = p->qhead;
        int rc;
        if (q->stream) {
            rc = stream_data(p, q->req);
            if (rc == LARK_OK)
                lark_request_complete(q->req);
            if (rc == LARK_OK || rc == LARK_INPROGRESS) {
                q->req = NULL; /* done here (INPROGRESS: lark_transport_sent completes it) */
                rc = LARK_OK;
            }
        } else {
            rc = transmit(p, &q->hdr, q->payload, q->src, q->len);
            if (rc == LARK_OK)
                frame_sent(q);
        }
        if (rc == LARK_ERR_AGAIN)
            break;
        if (rc != LARK_OK && q->req != NULL) {
            q->req->error = rc;
            lark_request_complete(q->req);
        }
        p->qhead = q->next;
        if (p->qhead == NULL)
            p->qtail = NULL;
        free(q->owned);
        q->owned = NULL;
        q->next = outq_free;
        outq_free = q;
        n++;
    }
    return n;
}

int lark_peer_send_copy(struct lark_peer *p, const struct lark_wire *hdr, const void *payload,
                        size_t len)
{
    if (LARK_UNLIKELY(p->lost))
        return LARK_ERR_PEER;
    if (p->qhead == NULL) {
        int rc = p->tp->ops->send(p->tp, p->state, hdr, payload, len);
        if (rc == LARK_OK)
            count_tx(p, len);
        if (rc != LARK_ERR_AGAIN)
            return rc;
    }
    /* No room now: queue a copy (the caller's bytes may change at once). */
    void *copy = NULL;
    if (len > 0) {
        copy = malloc(len); /* freed by drain_peer once sent */
        if (copy == NULL)
            return LARK_ERR_NOMEM;
        memcpy(copy, payload, len);
    }
    int rc = enqueue(p, hdr, copy, len, NULL, false);
    if (rc != LARK_OK) {
        free(copy);
        return rc;
    }
    p->qtail->owned = copy;
    return LARK_OK;
}

int lark_peer_stream(struct lark_peer *p, struct lark_request *req)
{
    if (LARK_UNLIKELY(p->lost))
        return LARK_ERR_PEER;
    int rc = p->qhead == NULL ? stream_data(p, req) : LARK_ERR_AGAIN;
    if (rc == LARK_OK)
        lark_request_complete(req);
    if (rc == LARK_OK || rc == LARK_INPROGRESS)
        return LARK_OK;
    if (rc != LARK_ERR_AGAIN)
        return rc;
    struct lark_wire none = {.type = LARK_WIRE_DATA};
    return enqueue(p, &none, NULL, 0, req, true);
}

bool lark_peer_busy(void)
{
    return busy != NULL;
}

int lark_peer_progress(void)
{
    int events = 0;
    for (int i = 0; i < ntransports; i++) {
        lark_rx_stats = transports[i].stats;
        int n = transports[i].ops->progress(&transports[i]);
        if (n > 0)
            events += n;
    }
    if (busy != NULL) {
        struct lark_peer **pp = &busy;
        while (*pp) {
            struct lark_peer *p = *pp;
            events += drain_peer(p);
            if (p->qhead == NULL) {
                p->busy = false;
                *pp = p->next_busy;
            } else {
                pp = &p->next_busy;
            }
        }
    }
    return events;
}

int lark_peer_wait_fds(int *fds, int max)
{
    int n = 0;
    for (int i = 0; i < ntransports && n < max; i++) {
        int fd = transports[i].ops->wait_fd ? transports[i].ops->wait_fd(&transports[i]) : -1;
        if (fd >= 0)
            fds[n++] = fd;
    }
    return n;
}

int lark_peer_arm(void)
{
    /* Queued frames do not keep us awake: the transport that said "no room"
     * wakes us when there is room (shm: asked here, the consumer rings the
     * doorbell; a socket: writable in epoll). */
    int pending = lark_peer_lost_pending; /* requests to fail: no sleep */
    for (int i = 0; i < ntransports; i++)
        if (transports[i].ops->arm != NULL && transports[i].ops->arm(&transports[i]) > 0)
            pending++;
    return pending;
}

/*
 * p2p.c -- point-to-point protocols: from a send or receive request to
 * frames and back.  Which transport carries them, the per-peer send queues
 * and progress are peer.c's.
 *
 * A message of up to the peer's eager limit goes in one EAGER frame
 * (copied out of the user's buffer at once, so a standard send completes as
 * soon as the transport took it; up to 16 bytes ride inside the header).  A
 * longer one sends an RTS with its address; once matched, the receiver
 * reads it with the transport's single-copy get (CMA for shm) and answers
 * FIN; from the transport's split_min on, it first asks the sender to put
 * the second half (PUT, PUT_DONE) so both sides copy at once.  When get is
 * missing, refused, or the message is shorter than the transport's get_min,
 * it answers CTS and the sender streams DATA frames through the transport
 * (the pipelined copy).  A receive posted by lark_p2p_irecv_read (those of
 * nonblocking and persistent collectives) reads any rendezvous whole with
 * get, never CTS or split, so that its data moves in the receiver's own
 * progress pass while the sender computes.  Synchronous sends set SYNC on
 * EAGER and get a SACK when matched (rendezvous is synchronous anyway).
 *
 * A non-contiguous datatype is never packed whole: eager frames and DATA
 * pieces are packed by the datatype engine straight into the transport's
 * buffer (peer.c), and a single-copy rendezvous moves iovec lists
 * (getv/putv): a non-contiguous receiver reads a contiguous sender's block
 * into its own layout, a non-contiguous sender (RTS flag NONCONTIG) is
 * asked to PUT its blocks into a contiguous receiver's buffer, and when
 * both are non-contiguous a sender of at most LARK_WIRE_IOVLIST_MAX blocks
 * lists them (RTS flag IOVLIST) and the receiver reads them into its own
 * (getvv), splitting the work with the sender as in the contiguous case;
 * other such messages stream.  Only for blocks that average LARK_IOV_MIN
 * bytes: process_vm_readv of 8-byte blocks moves 0.7 GB/s here, of
 * 512-byte ones 8 GB/s; finer layouts stream.
 *
 * Everything here runs with the runtime lock held.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "bsend.h"
#include "comm.h"
#include "datatype.h"
#include "handle.h"
#include "lost.h"
#include "match.h"
#include "p2p.h"
#include "peer.h"
#include "progress.h"
#include "request.h"
#include "runtime.h"
#include "transport.h"
#include "where_rec.h"

/* A message that arrived before its receive (or was parked, or is held by
 * MPI_Mprobe).  Freed when received.  A payload of up to LARK_MSG_INLINE
 * bytes lives in the record itself, and freed records are kept on a short
 * free list: a stream of small messages that arrive before their receives
 * (a sender running ahead) then costs no malloc/free per message.  A
 * record also keeps its larger payload buffer (up to LARK_MSG_BUF_KEEP
 * bytes) when recycled: a stream of 4-32 KiB eager messages arriving
 * early (a bcast or reduce root running ahead) used to malloc and free a
 * buffer per message, and glibc trimmed and regrew the top of the heap, so
 * the receiver page-faulted (and shot down TLBs) on most messages: bcast
 * of 8 KiB took 20 us instead of 1.  At most LARK_MSG_KEEP records of
 * LARK_MSG_BUF_KEEP bytes (8 MiB) stay allocated after a burst. */
#define LARK_MSG_MAGIC    0x4c4b4d53u
#define LARK_MSG_INLINE   128
#define LARK_MSG_KEEP     256         /* free records kept at most */
#define LARK_MSG_BUF_KEEP (32 * 1024) /* payload buffers kept with them at most */
struct lark_msg {
    struct lark_match_item item;
    uint32_t magic;
    struct lark_wire hdr;
    int src;    /* world rank of the sender */
    void *data; /* EAGER payload copy (inline_data or buf), NULL for RTS */
    size_t len;
    void *buf; /* malloc'd payload buffer of cap bytes, kept across recycling */
    size_t cap;
    struct lark_msg *next_free; /* on msg_free_list */
    unsigned char inline_data[LARK_MSG_INLINE];
};
static struct lark_msg *msg_free_list; /* recycled records; runtime lock held */
static int msg_free_count;
static void msg_free(struct lark_msg *m);

static struct lark_match match;
static size_t iov_min = 512; /* LARK_IOV_MIN: see the top of this file */
static bool putv_refused;    /* a sender could not write its blocks: stream from now on */
/* LARK_IOV_LIST_MIN: both sides non-contiguous, the sender's blocks listed
 * (IOVLIST): read them (split from split_min) from this size rather than
 * from the transport's get_min.  Such a stream packs and unpacks every
 * piece through the pool; reading the lists took, struct of 4 arrays, 2
 * ranks on an Intel Xeon VM (chrt -r, 3 runs, us per message and reply):
 * 64 KiB 9.5-11.4 against 15.5-15.8 streamed, 128 KiB 15.4-16.7 against
 * 24.3-24.7, 512 KiB 31-33 against 76-91, 1 MiB 51-52 against 127-129. */
static size_t list_min = 64 * 1024;
/* Active messages (RMA): see lark_p2p_am_register. */
static void (*am_deliver)(int src, const struct lark_wire *h, const void *payload, size_t len);
static int (*am_progress)(void);

int lark_p2p_init(void)
{
    int rc = lark_match_init(&match, lark_rt.size);
    if (rc == LARK_OK)
        rc = lark_request_init();
    if (rc != LARK_OK)
        return rc;
    const char *env = getenv("LARK_IOV_MIN");
    if (env != NULL)
        iov_min = strtoul(env, NULL, 0);
    env = getenv("LARK_IOV_LIST_MIN");
    if (env != NULL)
        list_min = strtoul(env, NULL, 0);
    putv_refused = false;
    return lark_peer_init();
}

void lark_p2p_finalize(void)
{
    /* After a loss, collectives that failed leave their messages behind:
     * no bug to report then. */
    bool lost_any = lark_peer_lost_map != NULL;
    lark_peer_finalize();
    /* Messages nobody received.  A user message sent and never received
     * is the program's business (MPI_Finalize frees it quietly, as Open
     * MPI and MPICH do); one in a collective context means collectives
     * were called inconsistently, or a Lark bug: say so. */
    struct lark_match_item *it;
    int internal = 0;
    while ((it = lark_match_leftover(&match)) != NULL) {
        struct lark_msg *m = LARK_CONTAINER_OF(it, struct lark_msg, item);
        if ((it->ctx & 1) == LARK_CTX_COLL && !lost_any && internal++ < 3)
            fprintf(stderr,
                    "Lark MPI: rank %d on %s: MPI_Finalize: an internal message of a collective "
                    "or communicator constructor (context %u, from rank %d, tag %d, %zu bytes) "
                    "was never received; were collectives called in the same order on every "
                    "rank? If so, please report this Lark bug\n",
                    lark_rt.rank, lark_rt.hostname, it->ctx, it->source, it->tag, m->len);
        msg_free(m);
    }
    while (msg_free_list) {
        struct lark_msg *m = msg_free_list;
        msg_free_list = m->next_free;
        free(m->buf);
        lark_handle_free(LARK_HANDLE_MESSAGE, m, sizeof *m);
    }
    msg_free_count = 0;
    lark_match_fini(&match);
    lark_request_fini();
}

int (*lark_p2p_progress_hook)(void);

static void where_posted(const struct lark_match_item *it, void *arg)
{
    struct lark_where_rec *w = arg;
    const struct lark_request *r = LARK_CONTAINER_OF(it, struct lark_request, match);
    w->posted[w->nposted_list++] = (struct lark_where_msg){
        .peer = it->source == MPI_ANY_SOURCE ? LARK_WHERE_ANY
                                             : lark_comm_world_rank(r->comm, it->source),
        .tag = it->tag,
        .ctx = it->ctx,
        .bytes = r->len};
}

static void where_unexpected(const struct lark_match_item *it, void *arg)
{
    struct lark_where_rec *w = arg;
    const struct lark_msg *m = LARK_CONTAINER_OF(it, struct lark_msg, item);
    w->unexpected[w->nunexpected_list++] = (struct lark_where_msg){
        .peer = m->src, .tag = it->tag, .ctx = it->ctx, .bytes = m->hdr.len};
}

void lark_p2p_where(struct lark_where_rec *w)
{
    w->nposted_list = w->nunexpected_list = 0;
    lark_match_walk(&match, true, LARK_WHERE_MAXLIST, where_posted, w);
    lark_match_walk(&match, false, LARK_WHERE_MAXLIST, where_unexpected, w);
}

/* ---- lost peers ---- */

struct lost_set {
    const int *w; /* newly lost world ranks */
    int n;
    struct lark_request **fail; /* posted receives to fail (malloc'd) */
    int nfail, cap;
};

static bool lost_in(const struct lost_set *ls, int world)
{
    for (int i = 0; i < ls->n; i++)
        if (ls->w[i] == world)
            return true;
    return false;
}

/* Does a posted receive wait for a lost peer?  A wildcard one does when
 * its communicator holds one: the message it waits for may have been the
 * lost peer's (as ULFM fails MPI_ANY_SOURCE receives). */
static void lost_posted(const struct lark_match_item *it, void *arg)
{
    struct lost_set *ls = arg;
    struct lark_request *r = LARK_CONTAINER_OF(it, struct lark_request, match);
    /* A collective's message on a communicator holding a lost rank: the
     * collective cannot complete (lost.h), whoever the sender. */
    bool hit = r->ctxsel == LARK_CTX_COLL && lark_lost_comm(r->comm);
    if (!hit && it->source != MPI_ANY_SOURCE)
        hit = lost_in(ls, lark_comm_world_rank(r->comm, it->source));
    else if (!hit)
        for (int k = 0; k < lark_comm_peer_size(r->comm) && !hit; k++)
            hit = lost_in(ls, lark_comm_world_rank(r->comm, k));
    if (!hit)
        return;
    if (ls->nfail == ls->cap) {
        int cap = ls->cap ? 2 * ls->cap : 16;
        struct lark_request **f = realloc(ls->fail, (size_t)cap * sizeof *f);
        if (f == NULL)
            return; /* that receive stays posted; the job's teardown ends it */
        ls->fail = f;
        ls->cap = cap;
    }
    ls->fail[ls->nfail++] = r;
}

/* Peers a transport lost since the last pass: every request that involves
 * one fails with LARK_ERR_PEER (MPI_ERR_PROC_ABORTED): its queued and
 * waiting sends and receives (peer.c), and the receives posted for it. */
static void fail_lost(void)
{
    int w[64], n;
    while ((n = lark_peer_fail_lost(w, 64)) > 0) {
        struct lost_set ls = {.w = w, .n = n};
        lark_match_walk(&match, true, INT32_MAX, lost_posted, &ls);
        for (int i = 0; i < ls.nfail; i++) {
            struct lark_request *r = ls.fail[i];
            if (!lark_match_cancel(&match, &r->match))
                continue;
            if (r->peer != MPI_ANY_SOURCE)
                r->status.MPI_SOURCE = r->peer;
            r->error = LARK_ERR_PEER;
            lark_request_complete(r);
        }
        free(ls.fail);
    }
}

int lark_p2p_progress(void)
{
    if (LARK_UNLIKELY(atomic_load_explicit(&lark_lost_news_pending, memory_order_relaxed) != 0))
        lark_lost_take_news(); /* the launcher's word on dead peers */
    if (LARK_UNLIKELY(lark_peer_lost_pending > 0))
        fail_lost();
    int events = lark_peer_progress();
    if (LARK_UNLIKELY(lark_peer_lost_pending > 0)) {
        fail_lost();
        events++;
    }
    if (am_progress != NULL)
        events += am_progress();
    if (lark_p2p_progress_hook != NULL)
        events += lark_p2p_progress_hook();
    return events;
}

/* ---- active messages ---- */

void lark_p2p_am_register(void (*deliver)(int src, const struct lark_wire *h, const void *payload,
                                          size_t len),
                          int (*progress)(void))
{
    am_deliver = deliver;
    am_progress = progress;
}

int lark_p2p_am_send(int world, const struct lark_wire *h, const void *payload, size_t len)
{
    int err = LARK_OK;
    struct lark_peer *p = lark_peer_get(world, &err);
    return p != NULL ? lark_peer_send_copy(p, h, payload, len) : err;
}

size_t lark_p2p_am_max(int world)
{
    int err = LARK_OK;
    struct lark_peer *p = lark_peer_get(world, &err);
    return p != NULL ? p->tp->max_send : 0;
}

/* ---- sends ---- */

/* A non-contiguous sender of few large blocks lists them (RTS flag
 * IOVLIST): a non-contiguous receiver then reads them straight into its
 * own blocks, one copy (getvv: process_vm_readv with both lists), where
 * it would otherwise ask for a stream, two copies through the pool.  The
 * list is malloc'd into req->packed (freed with the request; a persistent
 * send's previous one here). */
static void list_blocks(struct lark_peer *p, struct lark_request *req, struct lark_wire *h)
{
    const struct lark_datatype *dt = req->dt;
    MPI_Count blocks = dt->nblocks ? dt->nblocks : (MPI_Count)dt->nruns;
    if (p->tp->ops->getvv == NULL || p->tp->get_min == SIZE_MAX ||
        (size_t)blocks * req->count > LARK_WIRE_IOVLIST_MAX)
        return;
    struct iovec iov[LARK_WIRE_IOVLIST_MAX];
    int n = LARK_WIRE_IOVLIST_MAX;
    if (lark_datatype_iov(dt, req->buf, req->count, 0, req->len, iov, &n) != req->len)
        return;
    free(req->packed);
    req->packed = malloc((size_t)n * sizeof *iov);
    if (req->packed == NULL)
        return; /* it streams */
    memcpy(req->packed, iov, (size_t)n * sizeof *iov);
    h->flags |= LARK_WIRE_IOVLIST;
    h->addr = (uint64_t)(uintptr_t)req->packed;
    h->rreq = (uint64_t)n;
}

static int start_send(struct lark_request *req)
{
    int err = LARK_OK;
    struct lark_comm *comm = req->comm;
    if (LARK_UNLIKELY(req->ctxsel == LARK_CTX_COLL) && lark_lost_comm(comm))
        return LARK_ERR_PEER; /* a collective that cannot complete (lost.h) */
    struct lark_peer *p = lark_peer_get(lark_comm_world_rank(comm, req->peer), &err);
    if (p == NULL)
        return err;
    req->tpeer = p;
    struct lark_wire h = {.ctx = comm->ctx[req->ctxsel],
                          .src = comm->rank,
                          .tag = req->tag,
                          .len = req->len,
                          .sreq = (uint64_t)(uintptr_t)req};
    /* A contiguous buffer goes as it is; any other is packed piece by
     * piece straight into the transport (data NULL), never whole. */
    bool contig = lark_datatype_contig_n(req->dt, req->count);
    const void *data = contig ? (const char *)req->buf + req->dt->true_lb : NULL;
    req->data = data;
    h.seq = p->send_seq++;
    if (req->len <= LARK_WIRE_INLINE_MAX && req->mode != LARK_SEND_SYNC) {
        /* Tiny: the payload rides in the header, one frame of one cell. */
        h.type = LARK_WIRE_EAGER;
        h.flags = LARK_WIRE_INLINE;
        if (req->len)
            lark_datatype_pack(req->dt, req->buf, req->count, 0, h.inl, req->len);
        return lark_peer_send(p, &h, NULL, 0, req);
    }
    if (req->len <= lark_peer_eager_limit(p)) {
        h.type = LARK_WIRE_EAGER;
        struct lark_request *done = req;
        if (req->mode == LARK_SEND_SYNC) {
            h.flags = LARK_WIRE_SYNC;
            req->pending_acks = 1;
            done = NULL;
        }
        int rc = contig ? lark_peer_send(p, &h, data, req->len, done)
                        : lark_peer_send_packed(p, &h, req, req->len, done);
        if (rc == LARK_OK && done == NULL)
            lark_peer_watch(p, req); /* its SACK comes from p */
        return rc;
    }
    h.type = LARK_WIRE_RTS;
    h.addr = (uint64_t)(uintptr_t)data;
    if (!contig) {
        h.flags = LARK_WIRE_NONCONTIG |
                  (lark_datatype_mean_block(req->dt) < iov_min ? LARK_WIRE_SMALLBLK : 0);
        if (!(h.flags & LARK_WIRE_SMALLBLK))
            list_blocks(p, req, &h);
    }
    req->pending_acks = 1;
    int rc = lark_peer_send(p, &h, NULL, 0, NULL);
    if (rc == LARK_OK)
        lark_peer_watch(p, req); /* its CTS, PUT or FIN comes from p */
    return rc;
}

static void fill_send(struct lark_request *req, const void *buf, size_t count,
                      struct lark_datatype *dt, int dest, int tag, int ctxsel, int mode)
{
    req->buf = (void *)buf;
    req->count = count;
    req->dt = dt;
    lark_datatype_retain(dt); /* released with the request */
    req->len = lark_datatype_packed_size(dt, count);
    req->peer = dest;
    req->tag = tag;
    req->ctxsel = ctxsel;
    req->mode = (uint8_t)mode;
}

int lark_p2p_isend(const void *buf, size_t count, struct lark_datatype *dt, int dest, int tag,
                   struct lark_comm *comm, int ctxsel, int mode, struct lark_request **out)
{
    struct lark_request *req = lark_request_alloc(LARK_REQ_SEND, comm);
    if (req == NULL)
        return LARK_ERR_NOMEM;
    fill_send(req, buf, count, dt, dest, tag, ctxsel, mode);
    *out = req;
    if (dest == MPI_PROC_NULL) {
        lark_request_complete(req);
        return LARK_OK;
    }
    int rc = start_send(req);
    if (rc != LARK_OK) {
        *out = NULL;
        lark_request_free(req);
    }
    return rc;
}

int lark_p2p_send_init(const void *buf, size_t count, struct lark_datatype *dt, int dest, int tag,
                       struct lark_comm *comm, int mode, struct lark_request **out)
{
    struct lark_request *req = lark_request_alloc(LARK_REQ_SEND, comm);
    if (req == NULL)
        return LARK_ERR_NOMEM;
    fill_send(req, buf, count, dt, dest, tag, LARK_CTX_PT2PT, mode);
    req->persistent = true;
    atomic_store(&req->complete, 1); /* inactive */
    *out = req;
    return LARK_OK;
}

/* ---- receives ---- */

static void send_ctrl(int world, int type, uint64_t sreq, uint64_t rreq)
{
    int err;
    struct lark_peer *p = lark_peer_get(world, &err);
    if (p == NULL)
        return; /* the peer vanished; its own side reports it */
    struct lark_wire h = {.type = (uint8_t)type, .sreq = sreq, .rreq = rreq};
    lark_peer_send(p, &h, NULL, 0, NULL);
}

static void set_recv_status(struct lark_request *req, const struct lark_wire *h)
{
    req->status.MPI_SOURCE = h->src;
    req->status.MPI_TAG = h->tag;
    req->msg_len = h->len;
    req->status_count = h->len <= req->len ? h->len : req->len;
    if (h->len > req->len)
        req->error = LARK_ERR_TRUNCATE;
}

/* Single copy between req's non-contiguous buffer (packed bytes [off,
 * off+len)) and len contiguous bytes at `remote` in the peer: iovec lists
 * of up to LARK_TRANSPORT_IOV_MAX blocks per call. */
static int cma_vec(struct lark_peer *p, struct lark_request *req, uint64_t remote, size_t off,
                   size_t len, bool put)
{
    struct iovec iov[LARK_TRANSPORT_IOV_MAX];
    size_t done = 0;
    while (done < len) {
        int n = LARK_TRANSPORT_IOV_MAX;
        size_t got =
            lark_datatype_iov(req->dt, req->buf, req->count, off + done, len - done, iov, &n);
        int rc = put ? p->tp->ops->putv(p->tp, p->state, remote + done, iov, n, got)
                     : p->tp->ops->getv(p->tp, p->state, iov, n, remote + done, got);
        if (rc != LARK_OK)
            return rc;
        lark_count(&p->tp->stats->rdma_bytes, got); /* MPI_T, as lark_peer_get_bytes */
        done += got;
    }
    return LARK_OK;
}

static void split_part_done(struct lark_request *req, int src);

/* Reads a block list of nr entries at addr in the peer (IOVLIST). */
static int fetch_list(struct lark_peer *p, uint64_t addr, uint64_t nr, struct iovec *list)
{
    if (nr == 0 || nr > LARK_WIRE_IOVLIST_MAX)
        return LARK_ERR_INTERN;
    return p->tp->ops->get(p->tp, p->state, list, addr, (size_t)nr * sizeof *list);
}

/* Single copy between two non-contiguous layouts: packed bytes [off,
 * off+len) of req's buffer and the peer's blocks `remote` (nr of them,
 * whose first byte is packed byte off), read (getvv) or written (putvv)
 * in pieces of up to LARK_TRANSPORT_IOV_MAX local blocks. */
static int cma_lists(struct lark_peer *p, struct lark_request *req, size_t off, size_t len,
                     const struct iovec *remote, int nr, bool put)
{
    struct iovec iov[LARK_TRANSPORT_IOV_MAX], rv[LARK_WIRE_IOVLIST_MAX];
    size_t total = 0, done = 0, roff = 0;
    for (int i = 0; i < nr; i++)
        total += remote[i].iov_len;
    if (total < len)
        return LARK_ERR_INTERN;
    int r = 0;
    while (done < len) {
        int n = LARK_TRANSPORT_IOV_MAX, k = 0;
        size_t got =
            lark_datatype_iov(req->dt, req->buf, req->count, off + done, len - done, iov, &n);
        /* The peer's blocks holding packed bytes [off + done, off + done + got). */
        for (size_t need = got; need > 0; k++) {
            size_t m = remote[r].iov_len - roff;
            if (m > need)
                m = need;
            rv[k] = (struct iovec){(char *)remote[r].iov_base + roff, m};
            need -= m;
            roff += m;
            if (roff == remote[r].iov_len) {
                r++;
                roff = 0;
            }
        }
        int rc = put ? p->tp->ops->putvv(p->tp, p->state, rv, k, iov, n, got)
                     : p->tp->ops->getvv(p->tp, p->state, iov, n, rv, k, got);
        if (rc != LARK_OK)
            return rc;
        lark_count(&p->tp->stats->rdma_bytes, got); /* MPI_T, as lark_peer_get_bytes */
        done += got;
    }
    return LARK_OK;
}

/* A PUT that lists the receiver's blocks: write ours into them. */
static int put_lists(struct lark_peer *p, struct lark_request *req, const struct lark_wire *h)
{
    struct iovec list[LARK_WIRE_IOVLIST_MAX];
    if (p->tp->ops->putvv == NULL)
        return LARK_ERR_UNSUPPORTED;
    int rc = fetch_list(p, h->addr, h->reserved, list);
    return rc != LARK_OK ? rc : cma_lists(p, req, h->off, h->len, list, h->reserved, true);
}

/* Both sides non-contiguous, the sender's blocks listed (IOVLIST): read
 * them into ours.  From the transport's split_min, when our blocks of the
 * second half fit a list too, the sender writes that half (a PUT that
 * lists them, kept in req->packed until PUT_DONE) while we read the
 * first, so both cores copy, as in the contiguous split.  Returns
 * LARK_INPROGRESS when the split runs (PUT_DONE completes it). */
static int read_lists(struct lark_peer *p, struct lark_request *req, int src,
                      const struct lark_wire *h)
{
    struct iovec remote[LARK_WIRE_IOVLIST_MAX];
    int rc = fetch_list(p, h->addr, h->rreq, remote);
    if (rc != LARK_OK)
        return rc;
    size_t n = req->status_count, split = (n / 2) & ~(size_t)4095;
    if (p->tp->ops->putvv != NULL && n >= p->tp->split_min && !req->one_read && !putv_refused &&
        split > 0) {
        struct iovec mine[1 + LARK_WIRE_IOVLIST_MAX];
        int m = LARK_WIRE_IOVLIST_MAX;
        if (lark_datatype_iov(req->dt, req->buf, req->count, split, n - split, mine, &m) ==
                n - split &&
            (req->packed = malloc((size_t)m * sizeof *mine)) != NULL) {
            memcpy(req->packed, mine, (size_t)m * sizeof *mine);
            req->remote = 0; /* PUT_DONE|FAILED: ask for a stream */
            req->remote_sreq = h->sreq;
            req->received = 0;
            req->pending_acks = 2; /* our read, its write */
            struct lark_wire w = {.type = LARK_WIRE_PUT,
                                  .flags = LARK_WIRE_IOVLIST,
                                  .reserved = (uint16_t)m,
                                  .sreq = h->sreq,
                                  .rreq = (uint64_t)(uintptr_t)req,
                                  .addr = (uint64_t)(uintptr_t)req->packed,
                                  .len = n - split,
                                  .off = split};
            lark_peer_send(p, &w, NULL, 0, NULL);
            rc = cma_lists(p, req, 0, split, remote, (int)h->rreq, false);
            if (rc != LARK_OK)
                req->error = rc;
            split_part_done(req, src);
            return LARK_INPROGRESS;
        }
    }
    return cma_lists(p, req, 0, n, remote, (int)h->rreq, false);
}

/* One half of a split rendezvous is done; after both, release the sender. */
static void split_part_done(struct lark_request *req, int src)
{
    if (--req->pending_acks > 0)
        return;
    send_ctrl(src, LARK_WIRE_FIN, req->remote_sreq, 0);
    lark_request_complete(req);
}

/* Streams both ways at once.  Through the shm pool each message costs
 * two copies, one on each core; read whole with CMA, one.  One way the
 * pool wins (both cores copy, and a single read of 512 KiB pays ~15 us of
 * page pinning here: ping-pong of 1 MiB 43 us streamed, 75 read), and so
 * does a single exchange, one message each way (2-rank MPI_Allreduce of 1
 * MiB: 130-140 us streamed, 250 read), where the stream's pipelining is
 * what counts.  But when both sides keep several messages in flight, both
 * cores copy already and the copies are what counts: a message of
 * BOTH_WAYS_MIN bytes or more from a peer that has BOTH_WAYS_N messages of
 * ours of that size in flight is read whole, and not split (the peer's
 * half would wait behind its own copies).  2 ranks, bandwidth -x bi,
 * chrt -r, 3 runs, GB/s: 256 KiB 25-26 -> 38-41, 512 KiB 25-26 -> 32-38,
 * 1 MiB 25 -> 29-33 (Open MPI and MPICH 28-38, 27-35); the allreduce
 * unchanged.  Looks at the first 16 requests waiting for p.  (Those are
 * the AMD VM's figures; a transport whose reads are cheaper sets its own
 * both_min: shm's cma_cost.c.) */
#define BOTH_WAYS_MIN (256u * 1024u)
#define BOTH_WAYS_N   2

static bool sending_to(const struct lark_peer *p, const struct lark_request *self, size_t min)
{
    int k = 0, n = 0;
    for (const struct lark_request *r = p->watch; r != NULL && k < 16; r = r->wnext, k++)
        if (r != self && r->kind == LARK_REQ_SEND && r->len >= min && ++n == BOTH_WAYS_N)
            return true;
    return false;
}

/* A matched message meets its receive.  `payload` holds the EAGER bytes. */
static void deliver_matched(struct lark_request *req, int src, const struct lark_wire *h,
                            const void *payload)
{
    set_recv_status(req, h);
    if (h->type == LARK_WIRE_EAGER) {
        if (req->status_count > 0)
            lark_datatype_unpack(req->dt, req->buf, req->count, 0, payload, req->status_count);
        if (h->flags & LARK_WIRE_SYNC)
            send_ctrl(src, LARK_WIRE_SACK, h->sreq, 0);
        lark_request_complete(req);
        return;
    }
    /* RTS: read it ourselves if we can, else ask for a stream. */
    int err;
    struct lark_peer *p = lark_peer_get(src, &err);
    if (p == NULL || p->lost) {
        req->error = LARK_ERR_PEER;
        lark_request_complete(req);
        return;
    }
    /* Until it completes, it waits for p (DATA, PUT_DONE): if p is lost,
     * it fails (completing it unwatches it). */
    lark_peer_watch(p, req);
    /* get_min is SIZE_MAX where CMA is refused or turned off: no get then. */
    size_t both_min = p->tp->both_min ? p->tp->both_min : BOTH_WAYS_MIN;
    bool both =
        req->status_count >= both_min && p->tp->get_min != SIZE_MAX && sending_to(p, req, both_min);
    /* A collective's message is read whole from the transport's own
     * both_min (set only where reads are cheap): a 64 KiB bcast on the
     * Intel VM 7.1-8.0 us read against 11.9-19.6 streamed (Open MPI 8.3-
     * 11.8), a reduce 11.8-13.7 against 17.6-24.0 (10.3-16.6); a ping-pong
     * of that size streams faster, so point-to-point keeps get_min.  From
     * get_min on, the usual read (split with the sender) is faster. */
    both |= req->ctxsel == LARK_CTX_COLL && p->tp->both_min != 0 &&
            req->status_count >= p->tp->both_min && req->status_count < p->tp->get_min;
    bool rcontig = lark_datatype_contig_n(req->dt, req->count);
    bool scontig = !(h->flags & LARK_WIRE_NONCONTIG);
    bool lists = !rcontig && (h->flags & LARK_WIRE_IOVLIST) && p->tp->ops->getvv != NULL;
    bool cma =
        p->tp->ops->get != NULL && (req->status_count >= p->tp->get_min || both ||
                                    ((req->one_read || (lists && req->status_count >= list_min)) &&
                                     p->tp->get_min != SIZE_MAX));
    if (cma && !rcontig && (scontig ? p->tp->ops->getv != NULL : lists) &&
        lark_datatype_mean_block(req->dt) >= iov_min) {
        /* Our layout as an iovec list, the sender's block (or its listed
         * blocks) as the source: one copy.  Refused: the transport raised
         * get_min; stream. */
        int rc = scontig ? cma_vec(p, req, h->addr, 0, req->status_count, false)
                         : read_lists(p, req, src, h);
        if (rc == LARK_INPROGRESS)
            return;
        if (rc != LARK_ERR_UNSUPPORTED) {
            if (rc != LARK_OK)
                req->error = rc;
            send_ctrl(src, LARK_WIRE_FIN, h->sreq, 0);
            lark_request_complete(req);
            return;
        }
    } else if (cma && rcontig && !scontig && !(h->flags & LARK_WIRE_SMALLBLK) && !putv_refused &&
               p->tp->ops->putv != NULL && req->status_count > 0) {
        /* The sender writes its blocks into our buffer (a PUT of it all):
         * one copy.  If it cannot, it answers PUT_DONE|FAILED and we ask
         * for a stream instead (remote 0 says so). */
        req->remote = 0;
        req->remote_sreq = h->sreq;
        req->pending_acks = 1;
        req->received = 0;
        struct lark_wire w = {.type = LARK_WIRE_PUT,
                              .sreq = h->sreq,
                              .rreq = (uint64_t)(uintptr_t)req,
                              .addr = (uint64_t)(uintptr_t)((char *)req->buf + req->dt->true_lb),
                              .len = req->status_count,
                              .off = 0};
        lark_peer_send(p, &w, NULL, 0, NULL);
        return;
    }
    bool get_ok = cma && rcontig && scontig;
    if (get_ok && p->tp->ops->put != NULL && req->status_count >= p->tp->split_min &&
        !req->one_read && !both) {
        /* Split: the sender writes the second half into our buffer while we
         * read the first half from its buffer, so both cores copy. */
        size_t n = req->status_count, split = (n / 2) & ~(size_t)4095;
        char *dst = (char *)req->buf + req->dt->true_lb;
        req->remote = h->addr;
        req->remote_sreq = h->sreq;
        req->pending_acks = 2; /* our read, its write */
        struct lark_wire w = {.type = LARK_WIRE_PUT,
                              .sreq = h->sreq,
                              .rreq = (uint64_t)(uintptr_t)req,
                              .addr = (uint64_t)(uintptr_t)(dst + split),
                              .len = n - split,
                              .off = split};
        lark_peer_send(p, &w, NULL, 0, NULL);
        int rc = lark_peer_get_bytes(p, dst, h->addr, split);
        if (rc != LARK_OK)
            req->error = rc;
        split_part_done(req, src);
        return;
    }
    if (get_ok) {
        int rc = LARK_OK;
        if (req->status_count > 0)
            rc = lark_peer_get_bytes(p, (char *)req->buf + req->dt->true_lb, h->addr,
                                     req->status_count);
        if (rc == LARK_OK) {
            send_ctrl(src, LARK_WIRE_FIN, h->sreq, 0);
            lark_request_complete(req);
            return;
        }
        if (rc != LARK_ERR_UNSUPPORTED) {
            req->error = rc;
            send_ctrl(src, LARK_WIRE_FIN, h->sreq, 0);
            lark_request_complete(req);
            return;
        }
        /* Refused: stream this one (the transport raised get_min). */
    }
    req->received = 0;
    if (h->len == 0) {
        send_ctrl(src, LARK_WIRE_FIN, h->sreq, 0);
        lark_request_complete(req);
        return;
    }
    send_ctrl(src, LARK_WIRE_CTS, h->sreq, (uint64_t)(uintptr_t)req);
}

/* Turn an arrived EAGER/RTS into an unexpected message record. */
static struct lark_msg *msg_new(int src, const struct lark_wire *h, const void *payload, size_t len)
{
    /* Freed when received (msg_free): back to the free list, or the arena
     * (an MPI_Message handle is this pointer: handle.h). */
    struct lark_msg *m = msg_free_list;
    if (m != NULL) {
        msg_free_list = m->next_free;
        msg_free_count--;
    } else if ((m = lark_handle_alloc(LARK_HANDLE_MESSAGE, sizeof *m, false)) == NULL) {
        return NULL;
    } else {
        m->buf = NULL;
        m->cap = 0;
    }
    m->magic = LARK_MSG_MAGIC;
    m->hdr = *h;
    m->src = src;
    m->len = len;
    m->data = NULL;
    if (h->type == LARK_WIRE_EAGER && len > 0) {
        if (len > LARK_MSG_INLINE && m->cap < len) {
            free(m->buf);
            m->buf = malloc(len); /* freed in msg_free, or kept with the record */
            m->cap = m->buf != NULL ? len : 0;
            if (m->buf == NULL) {
                lark_handle_free(LARK_HANDLE_MESSAGE, m, sizeof *m);
                return NULL;
            }
        }
        m->data = len <= LARK_MSG_INLINE ? m->inline_data : m->buf;
        memcpy(m->data, payload, len);
    }
    m->item = (struct lark_match_item){
        .ctx = h->ctx, .source = h->src, .tag = h->tag, .peer = src, .seq = h->seq};
    return m;
}

static void msg_free(struct lark_msg *m)
{
    m->magic = 0;
    if (msg_free_count < LARK_MSG_KEEP) {
        if (m->cap > LARK_MSG_BUF_KEEP) {
            free(m->buf);
            m->buf = NULL;
            m->cap = 0;
        }
        m->next_free = msg_free_list;
        msg_free_list = m;
        msg_free_count++;
    } else {
        free(m->buf);
        lark_handle_free(LARK_HANDLE_MESSAGE, m, sizeof *m);
    }
}

static void out_of_memory(const char *what)
{
    char msg[512];
    snprintf(msg, sizeof msg, "rank %d on %.256s ran out of memory %.200s", lark_rt.rank,
             lark_rt.hostname, what);
    lark_runtime_abort(MPI_ERR_NO_MEM, msg);
}

/* MPI_Cancel of a send, at the receiver: the message it names (sender and
 * request id), if it is still unexpected, is withdrawn and the sender told;
 * one already matched (or taken by MPI_Mprobe) completes as usual, and the
 * sender hears nothing.  A plain EAGER is not withdrawn: its send completed
 * when it was written. */
struct cancel_key {
    int src;
    uint64_t sreq;
};

static bool is_cancelled_msg(const struct lark_match_item *it, void *arg)
{
    const struct cancel_key *k = arg;
    const struct lark_msg *m = LARK_CONTAINER_OF(it, struct lark_msg, item);
    return m->src == k->src && m->hdr.sreq == k->sreq &&
           (m->hdr.type == LARK_WIRE_RTS || (m->hdr.flags & LARK_WIRE_SYNC));
}

static void withdraw(int src, const struct lark_wire *h)
{
    struct cancel_key k = {src, h->sreq};
    struct lark_match_item *u = lark_match_find(&match, h->ctx, is_cancelled_msg, &k);
    if (u == NULL)
        return;
    lark_match_take(&match, u);
    msg_free(LARK_CONTAINER_OF(u, struct lark_msg, item));
    send_ctrl(src, LARK_WIRE_CANCEL_ACK, h->sreq, 0);
}

/* An in-order EAGER/RTS: match it or keep it. */
static void arrive(int src, const struct lark_wire *h, const void *payload, size_t len)
{
    struct lark_match_item probe = {
        .ctx = h->ctx, .source = h->src, .tag = h->tag, .peer = src, .seq = h->seq};
    struct lark_match_item *r = lark_match_arrive(&match, &probe);
    if (r != NULL) {
        deliver_matched(LARK_CONTAINER_OF(r, struct lark_request, match), src, h, payload);
        return;
    }
    /* Unexpected: keep a record that owns a copy of the bytes. */
    struct lark_msg *m = msg_new(src, h, payload, len);
    if (m == NULL || lark_match_unexpected(&match, &m->item) != LARK_OK)
        out_of_memory("keeping an unexpected message");
    if (LARK_UNLIKELY(
            atomic_load_explicit(&lark_event_armed[LARK_EV_UNEXPECTED], memory_order_relaxed))) {
        struct lark_ev_unexpected e = {
            .source = h->src, .tag = h->tag, .bytes = (MPI_Count)h->len, .context = h->ctx};
        lark_event_fire(LARK_EV_UNEXPECTED, &e);
    }
}

void lark_transport_deliver(int src, const struct lark_wire *h, const void *payload, size_t len)
{
    struct lark_request *req;
    if (h->flags & LARK_WIRE_INLINE) {
        payload = h->inl;
        len = h->len;
    }
    lark_count(&lark_rx_stats->rx_frames, 1);
    lark_count(&lark_rx_stats->rx_bytes, len);
    switch (h->type) {
    case LARK_WIRE_EAGER:
    case LARK_WIRE_RTS:
        if (LARK_UNLIKELY(!lark_match_in_order(&match, src, h->seq))) {
            struct lark_msg *m = msg_new(src, h, payload, len);
            if (m == NULL)
                out_of_memory("parking an early message");
            lark_match_park(&match, &m->item);
            return;
        }
        arrive(src, h, payload, len);
        if (LARK_UNLIKELY(match.nparked > 0)) {
            struct lark_match_item *it;
            while ((it = lark_match_unpark(&match)) != NULL) {
                struct lark_msg *m = LARK_CONTAINER_OF(it, struct lark_msg, item);
                arrive(m->src, &m->hdr, m->data, m->len);
                msg_free(m);
            }
        }
        return;
    case LARK_WIRE_CTS: {
        req = (struct lark_request *)(uintptr_t)h->sreq;
        req->remote = h->rreq;
        req->sent = 0;
        req->pending_acks = 0;
        int rc = lark_peer_stream(req->tpeer, req);
        if (rc == LARK_ERR_NOMEM)
            out_of_memory("queueing a stream");
        if (rc != LARK_OK) {
            req->error = rc;
            lark_request_complete(req);
        }
        return;
    }
    case LARK_WIRE_DATA: {
        req = (struct lark_request *)(uintptr_t)h->rreq;
        size_t off = h->addr;
        if (off < req->status_count && payload != lark_transport_recv_target(src, h, len)) {
            size_t n = len;
            if (off + n > req->status_count)
                n = req->status_count - off;
            lark_datatype_unpack(req->dt, req->buf, req->count, off, payload, n);
        }
        req->received += len;
        if (req->received >= req->msg_len)
            lark_request_complete(req);
        return;
    }
    case LARK_WIRE_PUT: {
        /* Our half of a split rendezvous: write it, say so. */
        req = (struct lark_request *)(uintptr_t)h->sreq;
        struct lark_peer *p = req->tpeer;
        int rc = h->flags & LARK_WIRE_IOVLIST ? put_lists(p, req, h)
                 : req->data != NULL
                     ? lark_peer_put_bytes(p, h->addr, (const char *)req->data + h->off, h->len)
                 : p->tp->ops->putv != NULL ? cma_vec(p, req, h->addr, h->off, h->len, true)
                                            : LARK_ERR_UNSUPPORTED;
        struct lark_wire w = {.type = LARK_WIRE_PUT_DONE,
                              .flags = rc == LARK_OK ? 0 : LARK_WIRE_FAILED,
                              .rreq = h->rreq,
                              .len = h->len};
        lark_peer_send(p, &w, NULL, 0, NULL);
        return;
    }
    case LARK_WIRE_PUT_DONE: {
        req = (struct lark_request *)(uintptr_t)h->rreq;
        free(req->packed); /* the block list of a split of two non-contiguous sides */
        req->packed = NULL;
        if ((h->flags & LARK_WIRE_FAILED) && req->remote == 0) {
            /* A non-contiguous sender could not write: have it stream. */
            putv_refused = true;
            req->pending_acks = 0;
            send_ctrl(src, LARK_WIRE_CTS, req->remote_sreq, (uint64_t)(uintptr_t)req);
            return;
        }
        if (h->flags & LARK_WIRE_FAILED) {
            /* The sender could not write: read its half ourselves. */
            int err;
            struct lark_peer *p = lark_peer_get(src, &err);
            size_t n = req->status_count, off = n - h->len;
            int rc = lark_peer_get_bytes(p, (char *)req->buf + req->dt->true_lb + off,
                                         req->remote + off, h->len);
            if (rc != LARK_OK)
                req->error = rc;
        }
        split_part_done(req, src);
        return;
    }
    case LARK_WIRE_RMA:
        if (am_deliver != NULL)
            am_deliver(src, h, payload, len);
        return;
    case LARK_WIRE_FIN:
    case LARK_WIRE_SACK:
        req = (struct lark_request *)(uintptr_t)h->sreq;
        if (--req->pending_acks <= 0)
            lark_request_complete(req);
        return;
    case LARK_WIRE_CANCEL:
        withdraw(src, h);
        return;
    case LARK_WIRE_CANCEL_ACK:
        /* Sent only for a message withdrawn unmatched: no FIN or SACK
         * will come, and the request waits for nothing else. */
        req = (struct lark_request *)(uintptr_t)h->sreq;
        req->cancelled = true;
        req->pending_acks = 0;
        lark_request_complete(req);
        return;
    default:
        fprintf(stderr, "Lark MPI: rank %d: unknown frame type %d from rank %d\n", lark_rt.rank,
                h->type, src);
        return;
    }
}

void *lark_transport_recv_target(int src, const struct lark_wire *h, size_t len)
{
    (void)src;
    if (h->type != LARK_WIRE_DATA)
        return NULL;
    struct lark_request *req = (struct lark_request *)(uintptr_t)h->rreq;
    if (!lark_datatype_contig_n(req->dt, req->count) || h->addr > req->status_count ||
        len > req->status_count - h->addr)
        return NULL;
    return (char *)req->buf + req->dt->true_lb + h->addr;
}

static void fill_recv(struct lark_request *req, void *buf, size_t count, struct lark_datatype *dt,
                      int source, int tag, int ctxsel)
{
    req->buf = buf;
    req->count = count;
    req->dt = dt;
    lark_datatype_retain(dt); /* released with the request */
    req->len = lark_datatype_packed_size(dt, count);
    req->peer = source;
    req->tag = tag;
    req->ctxsel = ctxsel;
}

int lark_p2p_post_recv(struct lark_request *req)
{
    if (req->peer == MPI_PROC_NULL) {
        req->status.MPI_SOURCE = MPI_PROC_NULL;
        req->status.MPI_TAG = MPI_ANY_TAG;
        req->status_count = 0;
        lark_request_complete(req);
        return LARK_OK;
    }
    if (LARK_UNLIKELY(lark_peer_lost_map != NULL) &&
        ((req->peer != MPI_ANY_SOURCE &&
          lark_peer_is_lost(lark_comm_world_rank(req->comm, req->peer))) ||
         (req->ctxsel == LARK_CTX_COLL && lark_lost_comm(req->comm)))) {
        /* From a lost peer: nothing can come (what it sent before it was
         * lost was matched by earlier receives, in order).  In a
         * collective on a communicator holding one: the collective cannot
         * complete (lost.h). */
        req->status.MPI_SOURCE = req->peer;
        req->error = LARK_ERR_PEER;
        lark_request_complete(req);
        return LARK_OK;
    }
    req->match = (struct lark_match_item){
        .ctx = req->comm->ctx[req->ctxsel], .source = req->peer, .tag = req->tag};
    struct lark_match_item *u = lark_match_post(&match, &req->match);
    if (u != NULL) {
        struct lark_msg *m = LARK_CONTAINER_OF(u, struct lark_msg, item);
        deliver_matched(req, m->src, &m->hdr, m->data);
        msg_free(m);
    }
    return LARK_OK;
}

static int irecv(void *buf, size_t count, struct lark_datatype *dt, int source, int tag,
                 struct lark_comm *comm, int ctxsel, bool one_read, struct lark_request **out)
{
    struct lark_request *req = lark_request_alloc(LARK_REQ_RECV, comm);
    if (req == NULL)
        return LARK_ERR_NOMEM;
    fill_recv(req, buf, count, dt, source, tag, ctxsel);
    req->one_read = one_read;
    *out = req;
    return lark_p2p_post_recv(req);
}

int lark_p2p_irecv(void *buf, size_t count, struct lark_datatype *dt, int source, int tag,
                   struct lark_comm *comm, int ctxsel, struct lark_request **out)
{
    return irecv(buf, count, dt, source, tag, comm, ctxsel, false, out);
}

int lark_p2p_irecv_read(void *buf, size_t count, struct lark_datatype *dt, int source, int tag,
                        struct lark_comm *comm, int ctxsel, struct lark_request **out)
{
    return irecv(buf, count, dt, source, tag, comm, ctxsel, true, out);
}

int lark_p2p_recv_init(void *buf, size_t count, struct lark_datatype *dt, int source, int tag,
                       struct lark_comm *comm, struct lark_request **out)
{
    struct lark_request *req = lark_request_alloc(LARK_REQ_RECV, comm);
    if (req == NULL)
        return LARK_ERR_NOMEM;
    fill_recv(req, buf, count, dt, source, tag, LARK_CTX_PT2PT);
    req->persistent = true;
    atomic_store(&req->complete, 1);
    *out = req;
    return LARK_OK;
}

int lark_p2p_start(struct lark_request *req)
{
    atomic_store(&req->complete, 0);
    req->active = true;
    req->error = 0;
    req->cancelled = false;
    req->sent = req->received = 0;
    req->pending_acks = 0;
    memset(&req->status, 0, sizeof req->status);
    if (req->kind == LARK_REQ_RECV)
        return lark_p2p_post_recv(req);
    if (req->peer == MPI_PROC_NULL) {
        lark_request_complete(req);
        return LARK_OK;
    }
    int rc = req->mode == LARK_SEND_BUFFERED
                 ? lark_bsend_start(req->buf, req->count, req->dt, req->peer, req->tag, req->comm)
                 : start_send(req);
    if (rc == LARK_OK && req->mode == LARK_SEND_BUFFERED)
        lark_request_complete(req);
    if (rc != LARK_OK) {
        /* Not started (a lost peer, no memory): inactive again, so that a
         * wait on it returns instead of waiting for nothing. */
        atomic_store(&req->complete, 1);
        req->active = false;
    }
    return rc;
}

int lark_p2p_iprobe(int source, int tag, struct lark_comm *comm, int ctxsel, int *found,
                    MPI_Status *st, bool take, void **msg)
{
    *found = 0;
    if (source == MPI_PROC_NULL) {
        *found = 1;
        if (st != MPI_STATUS_IGNORE) {
            st->MPI_SOURCE = MPI_PROC_NULL;
            st->MPI_TAG = MPI_ANY_TAG;
            st->MPI_ERROR = MPI_SUCCESS;
            lark_status_set_bytes(st, 0);
            lark_status_set_cancelled(st, false);
        }
        if (msg)
            *msg = NULL;
        return LARK_OK;
    }
    struct lark_match_item *u = lark_match_peek(&match, comm->ctx[ctxsel], source, tag);
    if (u == NULL) {
        lark_p2p_progress();
        u = lark_match_peek(&match, comm->ctx[ctxsel], source, tag);
    }
    if (u == NULL)
        return LARK_OK;
    struct lark_msg *m = LARK_CONTAINER_OF(u, struct lark_msg, item);
    *found = 1;
    if (st != MPI_STATUS_IGNORE) {
        st->MPI_SOURCE = m->hdr.src;
        st->MPI_TAG = m->hdr.tag;
        st->MPI_ERROR = MPI_SUCCESS;
        lark_status_set_bytes(st, m->hdr.len);
        lark_status_set_cancelled(st, false);
    }
    if (take) {
        lark_match_take(&match, u);
        *msg = m;
    }
    return LARK_OK;
}

int lark_p2p_imrecv(void *buf, size_t count, struct lark_datatype *dt, void *msg,
                    struct lark_comm *comm, struct lark_request **out)
{
    struct lark_request *req = lark_request_alloc(LARK_REQ_RECV, comm);
    if (req == NULL)
        return LARK_ERR_NOMEM;
    fill_recv(req, buf, count, dt, MPI_ANY_SOURCE, MPI_ANY_TAG, LARK_CTX_PT2PT);
    *out = req;
    if (msg == NULL) { /* MPI_MESSAGE_NO_PROC */
        req->peer = MPI_PROC_NULL;
        return lark_p2p_post_recv(req);
    }
    struct lark_msg *m = msg;
    deliver_matched(req, m->src, &m->hdr, m->data);
    msg_free(m);
    return LARK_OK;
}

bool lark_p2p_msg_valid(void *msg)
{
    return lark_handle_valid(LARK_HANDLE_MESSAGE, msg) &&
           ((struct lark_msg *)msg)->magic == LARK_MSG_MAGIC;
}

int lark_p2p_cancel(struct lark_request *req)
{
    if (lark_request_done(req))
        return LARK_OK;
    /* A compound request (MPI_Isendrecv, a partitioned receive) cancels
     * its receive part; the parent reads "cancelled" from it. */
    if ((req->kind == LARK_REQ_MULTI || req->kind == LARK_REQ_PART) && req->rchild != NULL)
        req = req->rchild;
    if (req->kind == LARK_REQ_RECV && lark_match_cancel(&match, &req->match)) {
        req->cancelled = true;
        req->status.MPI_SOURCE = MPI_ANY_SOURCE;
        req->status.MPI_TAG = MPI_ANY_TAG;
        req->status_count = 0;
        lark_request_complete(req);
    }
    /* A send waiting for its receiver (an RTS, or a synchronous EAGER, not
     * yet acknowledged) asks it to withdraw the message: if it is still
     * unexpected there, the receiver drops it and says so (CANCEL_ACK), and
     * the send completes cancelled; if it matched, the send completes
     * normally (MPI allows either).  The request goes only after the
     * answer or the transfer, so the id the receiver echoes stays valid.
     * Any other send already completed, or is moving its bytes.  Asking
     * twice is harmless: the second finds nothing to withdraw. */
    if (req->kind == LARK_REQ_SEND && req->pending_acks > 0 && req->tpeer != NULL) {
        struct lark_wire h = {.type = LARK_WIRE_CANCEL,
                              .ctx = req->comm->ctx[req->ctxsel],
                              .sreq = (uint64_t)(uintptr_t)req};
        (void)lark_peer_send(req->tpeer, &h, NULL, 0, NULL); /* a lost peer fails the send */
    }
    return LARK_OK;
}

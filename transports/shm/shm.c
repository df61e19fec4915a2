/*
 * shm.c -- the shared-memory transport between processes of one node.
 *
 * Each process owns one segment in /dev/shm ("/<nspace>.shm.<rank>.<random>",
 * mode 0600, unlinked by whichever peer maps it last).  It holds:
 *  - a header (with this process's doorbell), its magic written last
 *    behind a release barrier;
 *  - one single-producer/single-consumer ring per local sender: 32 to 256
 *    cache-line cells (2-16 KiB, by the node's rank count: shm_ring.h), a
 *    cache line with the consumer's tail and one with its want-wake flag;
 *  - this process's send pool: POOL_SLOTS buffers of POOL_SLOT bytes that
 *    it fills with frames too long for a ring, to any receiver, and
 *    SMALL_SLOTS buffers of SMALL_SLOT bytes for frames of up to 1 KiB
 *    that are too long for the ring or would fill it past half (see
 *    SMALL_MIN: the ring then holds one cell per frame, so many more of
 *    them are in flight per pair).
 * Cost per node with L local ranks: L*L rings of at most 16 KiB, within 32
 * MiB in all from 46 ranks up, plus L*258 KiB of pools: 128 ranks -> 34 + 32
 * = 66 MiB; 64 -> 33 + 16 MiB; 8 -> 1 + 2.
 *
 * A frame in a ring starts with an 8-byte control word, then the 56-byte
 * wire header (one cell together), then inline payload in the next cells, or
 * a pool slot index in the control word.  The producer writes everything,
 * then the control word with release; the consumer reads the control word
 * with acquire, checks its stamp (the ring position), delivers, and
 * publishes its tail once per pass (poll_ring).  A frame never wraps: a
 * SKIP control word sends the consumer back to cell 0.  The consumer writes nothing into
 * the ring (each such store would pull a line the producer writes next
 * into the consumer's cache and back), so stale bytes are the producer's
 * business: it remembers which cells hold something else than 0 or a
 * control word of their own position (payload, in `stale`), and before it
 * publishes a frame it zeroes the first word of the cell after it if that
 * cell is stale.  So the word the consumer reads at its position is always
 * 0, a stamp of an earlier lap, or the frame it waits for.  A stream of
 * frames of one size lands on the same cells every lap and zeroes nothing.
 *
 * Large messages are read in one copy with process_vm_readv (get); when the
 * kernel refuses (ptrace_scope, containers) get answers
 * LARK_ERR_UNSUPPORTED and the runtime streams the message through the pool.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "shm_name.h"
#include "cma_cost.h"
#include "shm_ring.h"
#include "transport.h"

#define CELL LARK_SHM_CELL
/* Payload that travels in the ring: up to 960 B (a frame of 16 cells),
 * and at most what keeps a frame within an eighth of the ring (shm_init:
 * 960 B up to 64 local ranks, 448 B up to 90, 192 B beyond).  A bigger
 * frame goes through the pool, which costs the receiver a store into the
 * sender's segment and a doorbell check per frame: ping-pong of 960 B took
 * 0.69 us through a small slot, 0.57 inline (2 ranks, chrt -r, medians of
 * 6 interleaved runs).  But 1 KiB inline (17 cells, which do not divide
 * the ring: a SKIP every lap) took 0.76 against 0.69 through a slot, so
 * 16 cells it is. */
#define INLINE_CELLS 15u
#ifndef POOL_SLOTS
#define POOL_SLOTS 7u /* 7, not 8: keeps 128 local ranks under 64 MiB */
#endif
#ifndef POOL_SLOT
#define POOL_SLOT (32u * 1024u) /* largest frame payload */
#endif
#define POLL_MAX    16    /* frames taken from one ring per progress pass (poll_ring) */
#define SMALL_SLOTS 32u   /* small pool slots: 34 KiB per process */
#define SMALL_SLOT  1024u /* their payload */
/* A frame of SMALL_MIN bytes or more that would fill the ring past half
 * takes a small slot (and one cell) instead, when one is free: with 32-cell
 * rings a 512-byte frame inline took 9 cells, so only 3 were in flight per
 * pair, and 4 ranks on 2 cores switched tasks every 3 messages (0.43
 * Mmsg/s against Open MPI's 4.6).  Below half, inline is faster; past it,
 * a window of 64 messages of 512 B still has 56 in flight. */
#define SMALL_MIN      256u
#define SEG_MAGIC      UINT64_C(0x4c41524b53484d31) /* "LARKSHM1" */

#define CTL_STAMP_MASK UINT64_C(0xffffffff)
/* The stamp of ring position `pos`: never 0, so zeroed words never match. */
#define STAMP(pos)     (((pos)&UINT64_C(0x7fffffff)) | UINT64_C(0x80000000))
#define CTL_SKIP       (UINT64_C(1) << 63)
#define CTL_LEN_SHIFT  32 /* 16 bits of inline length */
#define CTL_POOL_SHIFT 48 /* 8 bits: pool slot + 1, 0 = inline */
_Static_assert(POOL_SLOTS + SMALL_SLOTS < 256, "pool slot numbers fit the control word");

struct cell {
    _Alignas(CELL) unsigned char b[CELL];
};

struct ring {
    _Alignas(CELL) _Atomic uint64_t tail;      /* consumer's position, in cells */
    _Alignas(CELL) _Atomic uint32_t want_wake; /* producer found it full and sleeps: wake me */
    struct cell cells[];                       /* lark_shm_ring_cells(L) of them */
};

struct slot_head {
    _Alignas(CELL) _Atomic uint32_t busy; /* 1: holds a frame not yet consumed */
    uint32_t len;
    unsigned char pad[CELL - 2 * sizeof(uint32_t)];
};

struct slot {
    struct slot_head h;
    unsigned char data[POOL_SLOT];
};

struct small_slot {
    struct slot_head h;
    unsigned char data[SMALL_SLOT];
};

struct seg_header {
    _Alignas(CELL) _Atomic uint64_t magic; /* SEG_MAGIC once ready (written last) */
    uint32_t local_size;
    uint32_t owner;          /* local rank of the owner */
    int32_t pid;             /* for process_vm_readv */
    _Atomic uint32_t mapped; /* peers that mapped it; the last one unlinks */
    _Alignas(CELL) struct lark_doorbell bell;
};

static size_t ring_off(void)
{
    return (sizeof(struct seg_header) + CELL - 1) / CELL * CELL;
}

static size_t ring_size(uint32_t L)
{
    return sizeof(struct ring) + (size_t)lark_shm_ring_cells(L) * CELL;
}

static size_t pool_off(uint32_t L)
{
    return ring_off() + (size_t)L * ring_size(L);
}

static size_t seg_size(uint32_t L)
{
    size_t s = pool_off(L) + (size_t)POOL_SLOTS * sizeof(struct slot) +
               (size_t)SMALL_SLOTS * sizeof(struct small_slot);
    return (s + 4095) / 4096 * 4096;
}

static struct ring *seg_ring(void *seg, uint32_t L, uint32_t sender_local)
{
    return (struct ring *)((char *)seg + ring_off() + sender_local * ring_size(L));
}

/* Pool slot i of a segment: 0..POOL_SLOTS-1 the big ones, then the small
 * ones; returns its head, *data its payload. */
static struct slot_head *seg_slot(void *seg, uint32_t L, uint32_t i, unsigned char **data)
{
    char *pool = (char *)seg + pool_off(L);
    if (i < POOL_SLOTS) {
        struct slot *sl = (struct slot *)pool + i;
        *data = sl->data;
        return &sl->h;
    }
    struct small_slot *sl =
        (struct small_slot *)(pool + POOL_SLOTS * sizeof(struct slot)) + (i - POOL_SLOTS);
    *data = sl->data;
    return &sl->h;
}

/* What this process knows of one local peer. */
struct shm_peer {
    void *seg; /* the peer's segment (mapped) */
    int world;
    pid_t pid;
    /* sending to it: */
    struct ring *out;      /* our ring in its segment */
    uint64_t head;         /* next cell we write */
    uint64_t tail_seen;    /* its tail when we last looked */
    uint64_t tail_read_at; /* our head then (mid-size frames look at most every n/4 cells) */
    bool blocked;          /* the last frame found the ring full (shm_arm asks for a wake) */
    /* Bit k: cell k's first word may hold bytes that are neither 0 nor a
     * control word written for that cell (payload of an earlier frame). */
    uint64_t stale[LARK_SHM_RING_MAX / 64];
    /* receiving from it: */
    struct ring *in; /* its ring in our segment */
    uint64_t tail;   /* next cell we read */
};

struct shm_state {
    uint32_t L, me; /* local size, local rank */
    uint32_t cells; /* cells per ring (lark_shm_ring_cells) */
    void *seg;      /* our segment */
    size_t size;
    char name[256];
    struct shm_peer *peers; /* by local rank; [me] unused */
    uint32_t pool_next, small_next;
    size_t inline_max; /* payload bytes a frame carries in the ring (INLINE_CELLS) */
    size_t split_min;  /* LARK_RNDV_SPLIT_MIN: split from here once CMA is known to work */
    int group;         /* LARK_SHM_GROUP test knob (0: off) */
    bool cma_refused;
    bool put_refused; /* test hook: process_vm_writev "refused" */
};

static bool shm_reachable(struct lark_transport *tp, int peer);

static int shm_init(struct lark_transport *tp)
{
    struct shm_state *s = tp->priv;
    s->L = (uint32_t)lark_transport_local_size();
    s->me = (uint32_t)lark_transport_local_rank(lark_transport_world_rank());
    s->size = seg_size(s->L);
    s->cells = lark_shm_ring_cells(s->L);
    uint32_t inl = s->cells / 8 - 1;
    s->inline_max = (size_t)(inl < INLINE_CELLS ? inl : INLINE_CELLS) * CELL;
    uint64_t rnd[2];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        return LARK_ERR_SYSTEM;
    lark_shm_name(s->name, sizeof s->name, lark_transport_nspace(), lark_transport_world_rank(),
                  rnd);
    int fd = shm_open(s->name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) {
        fprintf(stderr, "Lark MPI: rank %d: cannot create shared memory %s: %s\n",
                lark_transport_world_rank(), s->name, strerror(errno));
        return LARK_ERR_SYSTEM;
    }
    if (ftruncate(fd, (off_t)s->size) != 0) {
        fprintf(stderr, "Lark MPI: rank %d: cannot size shared memory %s to %zu bytes: %s\n",
                lark_transport_world_rank(), s->name, s->size, strerror(errno));
        close(fd);
        shm_unlink(s->name);
        return LARK_ERR_SYSTEM;
    }
    s->seg = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (s->seg == MAP_FAILED) {
        shm_unlink(s->name);
        return LARK_ERR_SYSTEM;
    }
    struct seg_header *h = s->seg;
    h->local_size = s->L;
    h->owner = s->me;
    h->pid = (int32_t)getpid();
    atomic_store_explicit(&h->magic, SEG_MAGIC, memory_order_release);
    /* Freed at finalize. */
    s->peers = calloc(s->L, sizeof *s->peers);
    if (s->peers == NULL) {
        munmap(s->seg, s->size);
        shm_unlink(s->name);
        return LARK_ERR_NOMEM;
    }
    char addr[300];
    snprintf(addr, sizeof addr, "%s", s->name);
    int rc = lark_transport_publish("lark.shm", addr, LARK_SCOPE_LOCAL);
    if (rc != LARK_OK) {
        free(s->peers);
        munmap(s->seg, s->size);
        shm_unlink(s->name);
        return rc;
    }
    lark_transport_set_doorbell(&h->bell);
    /* Test hook: behave as if the kernel refused CMA (EPERM), to exercise
     * the runtime's automatic fallback where CMA works. */
    const char *refuse = getenv("LARK_SHM_CMA_EPERM");
    s->cma_refused = refuse != NULL && atoi(refuse) != 0;
    refuse = getenv("LARK_SHM_PUT_EPERM");
    s->put_refused = refuse != NULL && atoi(refuse) != 0;
    tp->max_send = POOL_SLOT;
    tp->eager_limit = POOL_SLOT;
    /* Where single-copy reads start: timed on this machine once we know
     * there is a local peer (cma_cost.c), or LARK_SHM_CMA_MIN. */
    tp->get_min = 2u << 20;
    const char *cmamin = getenv("LARK_SHM_CMA_MIN");
    if (cmamin != NULL)
        tp->get_min = strtoul(cmamin, NULL, 0);
    const char *nocma = getenv("LARK_SHM_NO_CMA");
    bool no_cma = nocma != NULL && atoi(nocma) != 0;
    if (no_cma)
        tp->get_min = SIZE_MAX; /* never: the pipelined copy through the pool */
    /* The split rendezvous (the sender writes half with process_vm_writev)
     * is used only once a read has shown that CMA works here. */
    s->split_min = 131072;
    const char *split = getenv("LARK_RNDV_SPLIT_MIN");
    if (split != NULL)
        s->split_min = strtoul(split, NULL, 0) ? strtoul(split, NULL, 0) : SIZE_MAX;
    tp->split_min = SIZE_MAX;
    /* Test knob: shm only between ranks equal modulo N, so that one job
     * mixes shm and the next transport (TCP) on one host. */
    s->group = (int)strtol(getenv("LARK_SHM_GROUP") ? getenv("LARK_SHM_GROUP") : "0", NULL, 0);
    tp->npeers = 0;
    for (uint32_t i = 0; i < s->L; i++)
        tp->npeers += i != s->me && shm_reachable(tp, lark_transport_local_peers()[i]);
    if (tp->npeers > 0 && cmamin == NULL && !no_cma && !s->cma_refused && lark_shm_cma_cheap()) {
        tp->get_min = 128u << 10;
        tp->both_min = 64u << 10;
    }
    const char *env = getenv("LARK_SHM_INLINE_MAX"); /* tests, benchmarks: only lower it */
    if (env != NULL && strtoul(env, NULL, 0) < s->inline_max)
        s->inline_max = strtoul(env, NULL, 0);
    env = getenv("LARK_SHM_EAGER_LIMIT");
    if (env != NULL && strtoul(env, NULL, 0) <= POOL_SLOT)
        tp->eager_limit = strtoul(env, NULL, 0);
    return LARK_OK;
}

/* Map every local peer's segment now (all of them: the segments must be
 * unlinked soon, which needs every peer to have mapped them). */
static int shm_wireup(struct lark_transport *tp)
{
    struct shm_state *s = tp->priv;
    const int *local = lark_transport_local_peers();
    for (uint32_t i = 0; i < s->L; i++) {
        struct shm_peer *p = &s->peers[i];
        p->world = local[i];
        if (i == s->me)
            continue;
        char *name = NULL;
        int rc = lark_transport_lookup(local[i], "lark.shm", &name);
        if (rc != LARK_OK) {
            fprintf(stderr, "Lark MPI: rank %d: local rank %d published no shared memory\n",
                    lark_transport_world_rank(), local[i]);
            return rc;
        }
        int fd = shm_open(name, O_RDWR, 0);
        if (fd < 0) {
            fprintf(stderr, "Lark MPI: rank %d: cannot open %s of rank %d: %s\n",
                    lark_transport_world_rank(), name, local[i], strerror(errno));
            free(name);
            return LARK_ERR_PEER;
        }
        p->seg = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        close(fd);
        if (p->seg == MAP_FAILED) {
            p->seg = NULL;
            free(name);
            return LARK_ERR_SYSTEM;
        }
        struct seg_header *h = p->seg;
        if (atomic_load_explicit(&h->magic, memory_order_acquire) != SEG_MAGIC ||
            h->local_size != s->L) {
            fprintf(stderr, "Lark MPI: rank %d: shared memory %s of rank %d is not ready\n",
                    lark_transport_world_rank(), name, local[i]);
            free(name);
            return LARK_ERR_PEER;
        }
        if (atomic_fetch_add(&h->mapped, 1) + 1 == s->L - 1)
            shm_unlink(name); /* everyone has it mapped: leave nothing behind */
        free(name);
        p->pid = h->pid;
        p->out = seg_ring(p->seg, s->L, s->me);
        p->in = seg_ring(s->seg, s->L, i);
    }
    return LARK_OK;
}

static bool shm_reachable(struct lark_transport *tp, int peer)
{
    struct shm_state *s = tp->priv;
    int me = lark_transport_world_rank();
    return lark_transport_local_rank(peer) >= 0 &&
           (s->group <= 0 || peer % s->group == me % s->group);
}

static int shm_connect(struct lark_transport *tp, int peer, void **state)
{
    struct shm_state *s = tp->priv;
    int l = lark_transport_local_rank(peer);
    if (l < 0 || s->peers[l].seg == NULL)
        return LARK_ERR_PEER;
    *state = &s->peers[l];
    return LARK_OK;
}

static void stale_set(uint64_t *st, uint64_t k, bool on)
{
    if (on)
        st[k / 64] |= UINT64_C(1) << (k % 64);
    else
        st[k / 64] &= ~(UINT64_C(1) << (k % 64));
}

static bool stale_get(const uint64_t *st, uint64_t k)
{
    return (st[k / 64] >> (k % 64)) & 1;
}

/* A free small slot of this process's pool (round robin), or -1. */
static int small_slot(struct shm_state *s)
{
    for (uint32_t i = 0; i < SMALL_SLOTS; i++) {
        uint32_t k = (s->small_next + i) % SMALL_SLOTS;
        unsigned char *d;
        if (atomic_load_explicit(&seg_slot(s->seg, s->L, POOL_SLOTS + k, &d)->busy,
                                 memory_order_acquire) == 0)
            return (int)k;
    }
    return -1;
}

/* Write a frame's payload: copy it, or have fill() write it in place. */
static void put_payload(void *dst, const void *payload, size_t len,
                        void (*fill)(void *ctx, void *dst, size_t len), void *ctx)
{
    if (fill != NULL)
        fill(ctx, dst, len);
    else
        memcpy(dst, payload, len);
}

static int send_frame(struct lark_transport *tp, void *state, const struct lark_wire *hdr,
                      const void *payload, size_t len,
                      void (*fill)(void *ctx, void *dst, size_t len), void *ctx)
{
    struct shm_state *s = tp->priv;
    struct shm_peer *p = state;
    struct ring *r = p->out;
    const uint64_t n = s->cells;
    bool pooled = len > s->inline_max;
    uint64_t cells = pooled ? 1 : 1 + (len + CELL - 1) / CELL;
    int small = -1;
    if (!pooled && len >= SMALL_MIN && p->head + cells - p->tail_seen > n / 2) {
        /* Inline would fill the ring past half (see SMALL_MIN): a small
         * slot and one cell instead, when one is free.  The tail is on the
         * consumer's line: read it at most once per quarter ring. */
        if (p->head - p->tail_read_at >= n / 4) {
            p->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire);
            p->tail_read_at = p->head;
        }
        if (p->head + cells - p->tail_seen > n / 2 && (small = small_slot(s)) >= 0) {
            pooled = true;
            cells = 1;
        }
    } else if (pooled && len <= SMALL_SLOT) {
        small = small_slot(s); /* else a big slot */
    }
    uint64_t off = p->head & (n - 1); /* a power of two */
    uint64_t need = cells + (off + cells > n ? n - off : 0);
    if (p->head + need - p->tail_seen > n) {
        p->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (p->head + need - p->tail_seen > n) {
            /* Full.  Only a sender about to sleep asks the consumer for a
             * wake (shm_arm): one that polls again touches nothing the
             * consumer writes but the tail. */
            p->blocked = true;
            return LARK_ERR_AGAIN;
        }
    }
    p->blocked = false;
    struct slot_head *sl = NULL;
    unsigned char *data = NULL;
    uint64_t ctl_extra = 0;
    if (small >= 0) {
        sl = seg_slot(s->seg, s->L, POOL_SLOTS + (uint32_t)small, &data);
        s->small_next = (uint32_t)small + 1;
        ctl_extra = (uint64_t)(POOL_SLOTS + (uint32_t)small + 1) << CTL_POOL_SHIFT;
    } else if (pooled) {
        for (uint32_t i = 0; i < POOL_SLOTS && sl == NULL; i++) {
            uint32_t k = (s->pool_next + i) % POOL_SLOTS;
            struct slot_head *c = seg_slot(s->seg, s->L, k, &data);
            if (atomic_load_explicit(&c->busy, memory_order_acquire) == 0) {
                sl = c;
                s->pool_next = k + 1;
                ctl_extra = (uint64_t)(k + 1) << CTL_POOL_SHIFT;
            }
        }
        if (sl == NULL)
            return LARK_ERR_AGAIN;
    }
    if (sl != NULL) {
        put_payload(data, payload, len, fill, ctx);
        sl->len = (uint32_t)len;
        atomic_store_explicit(&sl->busy, 1, memory_order_relaxed);
    } else {
        ctl_extra = (uint64_t)len << CTL_LEN_SHIFT;
    }
    /* Does not fit before the end: the frame goes to cell 0 and a SKIP
     * control word here sends the consumer there, published after the
     * frame (the cells it takes were consumed in the last lap: room was
     * checked for both). */
    uint64_t skip_at = off, pos = p->head;
    if (off + cells > n) {
        pos += n - off;
        off = 0;
    }
    struct cell *c = &r->cells[off];
    /* The payload first, the header cell last: the consumer may be polling
     * that cell, and each look takes its line away from us. */
    if (!pooled && len > 0)
        put_payload(c[1].b, payload, len, fill, ctx);
    memcpy(c->b + 8, hdr, sizeof *hdr);
    stale_set(p->stale, off, false);
    for (uint64_t k = 1; k < cells; k++)
        stale_set(p->stale, off + k, true);
    /* The cell after the frame is where the consumer looks next: free
     * (room was checked), or the frame it is at when the ring is full. */
    uint64_t next = (off + cells) & (n - 1);
    if (stale_get(p->stale, next)) {
        atomic_store_explicit((_Atomic uint64_t *)r->cells[next].b, 0, memory_order_relaxed);
        stale_set(p->stale, next, false);
    }
    atomic_store_explicit((_Atomic uint64_t *)c->b, STAMP(pos) | ctl_extra, memory_order_release);
    if (pos != p->head) {
        atomic_store_explicit((_Atomic uint64_t *)r->cells[skip_at].b, STAMP(p->head) | CTL_SKIP,
                              memory_order_release);
        stale_set(p->stale, skip_at, false);
    }
    p->head = pos + cells;
    lark_doorbell_ring(&((struct seg_header *)p->seg)->bell);
    return LARK_OK;
}

static int shm_send(struct lark_transport *tp, void *state, const struct lark_wire *hdr,
                    const void *payload, size_t len)
{
    return send_frame(tp, state, hdr, payload, len, NULL, NULL);
}

static int shm_send_fill(struct lark_transport *tp, void *state, const struct lark_wire *hdr,
                         size_t len, void (*fill)(void *ctx, void *dst, size_t len), void *ctx)
{
    return send_frame(tp, state, hdr, NULL, len, fill, ctx);
}

/* Skip k bytes of the list v[*first..n): whole blocks, then into one. */
static void iov_advance(struct iovec *v, int n, int *first, size_t k)
{
    while (*first < n && k >= v[*first].iov_len)
        k -= v[(*first)++].iov_len;
    if (*first < n) {
        v[*first].iov_base = (char *)v[*first].iov_base + k;
        v[*first].iov_len -= k;
    }
}

/* One CMA copy between n local blocks and nr remote ones (len bytes on
 * each side), either way, retried until complete (a partial transfer
 * resumes inside the blocks it stopped in, on both sides). */
static int cma_copyvv(struct shm_state *s, struct shm_peer *p, const struct iovec *local, int n,
                      const struct iovec *remote, int nr, size_t len, bool write)
{
    if (s->cma_refused || (write && s->put_refused))
        return LARK_ERR_UNSUPPORTED;
    struct iovec l[LARK_TRANSPORT_IOV_MAX], r[LARK_TRANSPORT_IOV_MAX];
    if (n > LARK_TRANSPORT_IOV_MAX || nr > LARK_TRANSPORT_IOV_MAX)
        return LARK_ERR_ARG;
    memcpy(l, local, (size_t)n * sizeof *l);
    memcpy(r, remote, (size_t)nr * sizeof *r);
    size_t done = 0;
    int first = 0, rfirst = 0;
    while (done < len) {
        unsigned long ln = (unsigned long)(n - first), rn = (unsigned long)(nr - rfirst);
        ssize_t k = write ? process_vm_writev(p->pid, l + first, ln, r + rfirst, rn, 0)
                          : process_vm_readv(p->pid, l + first, ln, r + rfirst, rn, 0);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EPERM || errno == ENOSYS || errno == EACCES) {
                s->cma_refused = true;
                return LARK_ERR_UNSUPPORTED;
            }
            return errno == ESRCH ? LARK_ERR_PEER : LARK_ERR_SYSTEM;
        }
        if (k == 0)
            return LARK_ERR_SYSTEM;
        done += (size_t)k;
        iov_advance(l, n, &first, (size_t)k);
        iov_advance(r, nr, &rfirst, (size_t)k);
    }
    return LARK_OK;
}

static int cma_copyv(struct shm_state *s, struct shm_peer *p, const struct iovec *local, int n,
                     uint64_t remote, size_t len, bool write)
{
    struct iovec r = {(void *)(uintptr_t)remote, len};
    return cma_copyvv(s, p, local, n, &r, 1, len, write);
}

static int cma_copy(struct shm_state *s, struct shm_peer *p, void *local, uint64_t remote,
                    size_t len, bool write)
{
    struct iovec l = {local, len};
    return cma_copyv(s, p, &l, 1, remote, len, write);
}

/* The kernel refused a read: stream from now on. */
static int read_result(struct lark_transport *tp, int rc)
{
    struct shm_state *s = tp->priv;
    if (rc == LARK_OK && tp->split_min == SIZE_MAX)
        tp->split_min = s->split_min; /* CMA works: both sides may copy */
    if (rc == LARK_ERR_UNSUPPORTED)
        tp->get_min = tp->split_min = SIZE_MAX;
    return rc;
}

static int shm_getv(struct lark_transport *tp, void *state, const struct iovec *local, int n,
                    uint64_t remote, size_t len)
{
    return read_result(tp, cma_copyv(tp->priv, state, local, n, remote, len, false));
}

static int shm_getvv(struct lark_transport *tp, void *state, const struct iovec *local, int n,
                     const struct iovec *remote, int nr, size_t len)
{
    return read_result(tp, cma_copyvv(tp->priv, state, local, n, remote, nr, len, false));
}

static int shm_putvv(struct lark_transport *tp, void *state, const struct iovec *remote, int nr,
                     const struct iovec *local, int n, size_t len)
{
    return cma_copyvv(tp->priv, state, local, n, remote, nr, len, true);
}

static int shm_putv(struct lark_transport *tp, void *state, uint64_t remote,
                    const struct iovec *local, int n, size_t len)
{
    return cma_copyv(tp->priv, state, local, n, remote, len, true);
}

static int shm_get(struct lark_transport *tp, void *state, void *local, uint64_t remote, size_t len)
{
    return read_result(tp, cma_copy(tp->priv, state, local, remote, len, false));
}

static int shm_put(struct lark_transport *tp, void *state, uint64_t remote, const void *local,
                   size_t len)
{
    return cma_copy(tp->priv, state, (void *)local, remote, len, true);
}

/* Consume what is ready in one incoming ring, at most POLL_MAX frames.
 * Returns frames delivered.
 *
 * The bound is the back-pressure of the eager path.  A frame with no
 * receive posted for it is copied into an unexpected record and its cell
 * or pool slot is freed at once, so the sender finds room again; a
 * receiver that drained its ring for as long as frames kept coming would
 * turn a sender that runs ahead (a bcast root, the leaves of a reduce:
 * 4-32 KiB) into an unbounded unexpected queue: thousands of records,
 * malloc'd and freed beyond the recycled ones, the heap trimmed and regrown, a page fault and
 * a TLB shoot-down per message, cold copies, and the receiver falling
 * further behind the more it buffers (bcast of 8 KiB: 20-70 us a call
 * instead of 1).  Returning after POLL_MAX frames gives the waiting
 * receive a chance to see that it completed: a rank then takes in at most
 * POLL_MAX frames beyond what it waits for, and the sender waits for pool
 * slots instead (Open MPI's vader polls at most 31 fragments a pass). */
static int poll_ring(struct shm_state *s, struct shm_peer *p)
{
    struct ring *r = p->in;
    const uint64_t ncells = s->cells;
    int n = 0;
    bool freed_slot = false;
    uint64_t start = p->tail, pub = p->tail;
    while (n < POLL_MAX) {
        uint64_t off = p->tail & (ncells - 1); /* a power of two */
        _Atomic uint64_t *ctlp = (_Atomic uint64_t *)r->cells[off].b;
        uint64_t ctl = atomic_load_explicit(ctlp, memory_order_acquire);
        if ((ctl & CTL_STAMP_MASK) != STAMP(p->tail))
            break;
        if (ctl & CTL_SKIP) {
            p->tail += ncells - off;
            continue;
        }
        struct lark_wire hdr;
        memcpy(&hdr, r->cells[off].b + 8, sizeof hdr);
        uint32_t pool = (uint32_t)(ctl >> CTL_POOL_SHIFT) & 0xff;
        uint64_t cells = 1;
        if (pool) {
            unsigned char *data;
            struct slot_head *sl = seg_slot(p->seg, s->L, pool - 1, &data);
            lark_transport_deliver(p->world, &hdr, data, sl->len);
            atomic_store_explicit(&sl->busy, 0, memory_order_release);
            freed_slot = true;
        } else {
            size_t len = (size_t)(ctl >> CTL_LEN_SHIFT) & 0xffff;
            cells += (len + CELL - 1) / CELL;
            lark_transport_deliver(p->world, &hdr, r->cells[off + 1].b, len);
        }
        p->tail += cells;
        n++;
        if (p->tail - pub >= ncells / 8) {
            /* Big frames: give the room back now (see below). */
            atomic_store_explicit(&r->tail, p->tail, memory_order_release);
            pub = p->tail;
        }
    }
    if (p->tail == start)
        return 0;
    /* The tail once per pass, not per frame: the producer reads it only
     * when the ring looks full, and each store here would take the line
     * back from it.  But a pass of 16 frames of 512 B holds 144 cells,
     * more than half the ring, which a streaming sender then waited for:
     * so also whenever an eighth of the ring came free (2 ranks, 512 B:
     * 2.98 -> 3.69 Mmsg/s).  Then wake the sender if it may wait for room: a pool
     * slot came free, or it found this ring full and went to sleep (it set
     * want_wake in shm_arm, then fenced and read the tail: Dekker; the
     * sleeper's fence is a membarrier where it can, and ours then none). */
    atomic_store_explicit(&r->tail, p->tail, memory_order_release);
    struct lark_doorbell *bell = &((struct seg_header *)p->seg)->bell;
    bool wake = freed_slot;
    lark_transport_fence_waker(bell);
    if (atomic_load_explicit(&r->want_wake, memory_order_relaxed)) {
        atomic_store_explicit(&r->want_wake, 0, memory_order_relaxed);
        wake = true;
    }
    if (wake)
        lark_doorbell_ring(bell);
    return n;
}

/* Before this process sleeps (the runtime lock held): ask the consumer of
 * every ring that was full at our last send to ring our doorbell when it
 * makes room.  Returns > 0 when there is room already (poll, do not
 * sleep).  The consumer publishes its tail, fences, then reads want_wake;
 * we write want_wake, fence, then read the tail: one of us sees the
 * other.  A sender waiting for a pool slot needs nothing: the consumer
 * rings whenever it frees one. */
static int shm_arm(struct lark_transport *tp)
{
    struct shm_state *s = tp->priv;
    int ready = 0;
    bool asked = false;
    for (uint32_t i = 0; i < s->L; i++) {
        struct shm_peer *p = &s->peers[i];
        if (!p->blocked || p->out == NULL)
            continue;
        if (!atomic_load_explicit(&p->out->want_wake, memory_order_relaxed))
            atomic_store_explicit(&p->out->want_wake, 1, memory_order_relaxed);
        asked = true;
    }
    if (!asked)
        return 0;
    lark_transport_fence_sleeper();
    for (uint32_t i = 0; i < s->L; i++) {
        struct shm_peer *p = &s->peers[i];
        if (p->blocked && p->out != NULL &&
            atomic_load_explicit(&p->out->tail, memory_order_acquire) != p->tail_seen)
            ready++;
    }
    return ready;
}

static int shm_progress(struct lark_transport *tp)
{
    struct shm_state *s = tp->priv;
    int n = 0;
    for (uint32_t i = 0; i < s->L; i++)
        if (i != s->me && s->peers[i].in != NULL)
            n += poll_ring(s, &s->peers[i]);
    return n;
}

static void shm_finalize(struct lark_transport *tp)
{
    struct shm_state *s = tp->priv;
    lark_transport_set_doorbell(NULL);
    for (uint32_t i = 0; i < s->L; i++)
        if (s->peers && s->peers[i].seg != NULL)
            munmap(s->peers[i].seg, s->size);
    struct seg_header *h = s->seg;
    /* Nobody mapped it (a peer failed early): remove it ourselves. */
    if (atomic_load(&h->mapped) < s->L - 1)
        shm_unlink(s->name);
    munmap(s->seg, s->size);
    free(s->peers);
    s->peers = NULL;
}

const struct lark_transport_ops lark_transport_shm_ops = {
    .name = "shm",
    .priv_size = sizeof(struct shm_state),
    .init = shm_init,
    .wireup = shm_wireup,
    .reachable = shm_reachable,
    .connect = shm_connect,
    .send = shm_send,
    .get = shm_get,
    .put = shm_put,
    .send_fill = shm_send_fill,
    .getv = shm_getv,
    .putv = shm_putv,
    .getvv = shm_getvv,
    .putvv = shm_putvv,
    .progress = shm_progress,
    .arm = shm_arm,
    .finalize = shm_finalize,
};

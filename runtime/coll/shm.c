/*
 * shm.c (coll) -- barrier and small bcast, reduce, allreduce, allgather
 * and alltoall through a shared-memory segment of the communicator, when
 * all its ranks are on this node: the barrier meets at a counter and a
 * release generation in the segment (a gather / release pair) instead of
 * exchanging log2(n) rounds of messages; the others never meet: data
 * travels through per-rank posts and bcast rings, each reader waiting
 * only for what it reads.
 *
 * The segment ("/<nspace>.coll.<cid>.<random>", mode 0600) is made at the
 * first such collective on the communicator: rank 0 creates it and
 * broadcasts its name, the others map it, all agree that everyone did
 * (an allreduce), and rank 0 unlinks it, so nothing is left behind.  Any
 * failure on any rank disables the path for that communicator (the
 * point-to-point algorithms take over).  Cost: one segment per such
 * communicator, 34 KiB of bcast rings, and per rank a line, 12 KiB of
 * reduce cells and 2 posts of 4.1 KiB: 196 KiB at 8 ranks, 5.1 MiB at
 * 256, of which only the pages used are ever touched (an 8-byte
 * allreduce touches one line per post); unmapped when the communicator
 * is freed.
 *
 * Waiting: with the progress engine's policy (progress.h: spin, then
 * yield the core, then sleep on the word's futex; no spinning when ranks
 * outnumber the cores: yielding lets the rank they wait for run at
 * once), polling the point-to-point engine meanwhile (a peer may need
 * our progress to finish a send it started before this collective), with
 * sleeps bounded to 1 ms.  A sleeper counts itself in the line of the
 * rank that writes the word (every word but the barrier's has one
 * writer), so a writer learns from a line of its own whether to wake.
 *
 * Barrier: a rank reads the generation, adds itself to the counter; the
 * last to arrive resets the counter, bumps the generation and wakes the
 * sleepers; the others wait for the generation to change.
 *
 * Exchanges (allreduce, allgather, alltoall): every rank publishes its
 * data in its post (data, then a sequence number stored with release;
 * the first 48 bytes share the number's cache line) and reads the
 * others' posts as each appears: allreduce folds all of them in rank
 * order (the same result everywhere, in order for non-commutative ops),
 * allgather copies each, alltoall its block of each.  With 2 ranks an
 * 8-byte allreduce moves one cache line each way, at once, where a
 * meeting cost a counter's line, the generation's and the slots' (0.20
 * us, against 0.205 for Open MPI).  Each rank has two posts used
 * alternately: exchange k reuses the post of k - 2, which every rank has
 * finished reading: to finish k - 1 we saw every rank's post of k - 1,
 * written after that rank finished k - 2.
 *
 * Reduce (up to LARK_SHM_CELL bytes): each rank writes its vector into
 * its own ring of RED_DEPTH cells (stamp and data in one line), the root
 * folds the cells of the reduce in rank order, and the others leave at
 * once: they run up to RED_DEPTH calls ahead, as eager messages would
 * let them (with two posts they ran one ahead: every call waited for the
 * root).  A cell is reused once every rank is done with the reduce that
 * used it (each rank's line says which reduce it is done with, every
 * RED_EVERY reduces only: a non-root a ring ahead waits on the root's
 * line, and a root storing there every call had that line cross between
 * the cores every call; 2 ranks, 48 B: 0.22 -> 0.17 us, and 8 B steady at
 * 0.12 where it spread from 0.11 to 0.28).  The root prefetches the cells
 * of the reduce RED_AHEAD ahead, which the others have usually written
 * already: the line's transfer overlaps the calls in between (48 B:
 * 0.144 -> 0.131 us).
 * Reduces of up to TINY_DATA bytes (one double) have rings of TINY_DEPTH
 * cells of 16 bytes, four to a line: the root, reading cells a non-root
 * wrote ahead, takes a line from the other core every fourth call (2
 * ranks, 8 B: 0.19 -> 0.12 us, Open MPI 0.13); of up to SMALL_DATA
 * (three doubles), rings of SMALL_DEPTH cells of 32 bytes, two to a line
 * (16 and 24 B: 0.155 -> 0.122 us).
 *
 * Bcast does not synchronise: a meeting per call cost a full round of
 * scheduling when ranks outnumber cores (84 us for 8 B with 8 ranks on 2
 * cores, against 5 us for the binomial tree).  It has its own rings of
 * buffers, each with a stamp (the number of the bcast written there): the
 * root of bcast k waits until every rank has read bcast k - depth (each
 * rank's line says which bcast of the ring it read last; the root
 * remembers the least it saw and looks again only when that is too old),
 * writes buffer k % depth and stamps it k; the others wait for the stamp,
 * copy, and record k in their own line.  Readers write no shared line: a
 * count of readers in the buffer made every reader take the line in turn
 * (0.42 us per 8-byte bcast with 8 ranks on 2 cores, Open MPI 0.16).  So
 * the root runs up to `depth` calls ahead, and a rank that gets the core
 * reads several in a row: with ranks outnumbering cores each rank is
 * scheduled about once per `depth` calls (getrusage: 0.25 context
 * switches per call summed over 8 ranks with a depth of 32).  Up to
 * CELL_DATA bytes go through a ring of CELL_DEPTH cache-line cells (stamp
 * and data in one line: 16 KiB for 256 calls ahead), larger ones through
 * BCAST_DEPTH buffers of LARK_SHM_SLOT bytes.  Every rank picks the same
 * ring: a bcast moves the same bytes at every rank.
 *
 * Only the blocking forms use this (direct schedules); nonblocking and
 * persistent ones run the point-to-point algorithms.  Not by oversight:
 * (1) the posts are safe to reuse two exchanges later only because a
 * blocking collective ends at every rank before the next begins; with
 * several nonblocking ones outstanding, a rank may write post k % 2 while
 * a slower one still reads it, so each outstanding collective would need
 * its own posts (n each) and a count of readers, as the bcast ring has;
 * (2) a recorded schedule advances from the progress engine, which polls
 * transports and requests, and has no step that waits for a word
 * of a segment; (3) a rank that sleeps waiting for a nonblocking
 * collective sleeps on its doorbell, which a segment store does not ring,
 * so every release would also have to ring each waiter's doorbell.  What
 * it would buy is small: a nonblocking collective is for overlap, and its
 * point-to-point schedule already costs no core while it waits.
 */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "coll.h"
#include "lost.h"
#include "op.h"
#include "p2p.h"
#include "progress.h"
#include "runtime.h"
#include "sched.h"
#include "where.h"

#define NAME_LEN    320
#define BCAST_DEPTH 32  /* bcast buffers: how far a root may run ahead */
#define CELL_DEPTH  256 /* the same for bcasts of up to CELL_DATA bytes */
#define CELL_DATA   56
#define RED_DEPTH   64 /* reduce cells per rank: how far a non-root may run ahead */
#define TINY_DATA   8  /* reduces of up to this go through the packed rings */
#define TINY_DEPTH  256
#define SMALL_DATA  24 /* and of up to this through rings of 32-byte cells */
#define SMALL_DEPTH 128
#define RED_AHEAD   4  /* the root prefetches the cells of the reduce this many ahead */
#define RED_EVERY   16 /* a rank says which reduce it is done with every RED_EVERY */

struct bcast_cell {
    _Alignas(64) _Atomic uint32_t stamp; /* the bcast written here (futex word) */
    char data[CELL_DATA];
};

struct bcast_buf {
    _Alignas(64) _Atomic uint32_t stamp; /* the bcast written here (futex word) */
    char data[LARK_SHM_SLOT];
};

struct seg_header {
    _Alignas(64) _Atomic uint32_t count; /* ranks arrived in this synchronisation */
    _Alignas(64) _Atomic uint32_t gen;   /* release generation: the futex word */
    _Atomic uint32_t sleepers;           /* ranks in FUTEX_WAIT on gen */
    struct bcast_buf bcast[BCAST_DEPTH];
    struct bcast_cell cells[CELL_DEPTH];
};

/* One line per rank, written by that rank only (but `sleepers`): its
 * progress through the rings and exchanges, which writers that want to
 * reuse a place read; and whoever sleeps on a word this rank writes
 * (its posts, its progress, the stamps of its bcasts) counts itself in
 * `sleepers`, so that the writer learns from its own line, without
 * touching a shared one, whether to wake. */
struct rank_line {
    _Alignas(64) _Atomic uint32_t sleepers;
    _Atomic uint32_t cells_read; /* the last cell bcast read here (or written) */
    _Atomic uint32_t bufs_read;  /* the same for the buffer ring */
    _Atomic uint32_t red_done;   /* the last reduce this rank is done with */
};

/* A rank's contribution to an exchange (allreduce, reduce, allgather,
 * alltoall): `seq` says which exchange it holds and is stored last
 * (release), so a reader that sees its number sees the data; the first
 * 48 bytes share seq's cache line, so a small exchange moves one line per
 * reader. */
struct post {
    _Alignas(64) _Atomic uint32_t seq; /* futex word */
    char pad[12];
    char data[LARK_SHM_POST];
};

/* A rank's contribution to a small reduce: a ring of these per rank. */
struct red_cell {
    _Alignas(64) _Atomic uint32_t stamp; /* the reduce written here (futex word) */
    char pad[12];
    char data[LARK_SHM_CELL];
};

/* The same for reduces of up to TINY_DATA bytes (one double): four to a
 * line, so the root, reading a ring that a non-root filled ahead, takes
 * a line from the other core every fourth call, not every call. */
struct red_tiny {
    _Atomic uint32_t stamp; /* the reduce written here (futex word) */
    char pad[4];
    char data[TINY_DATA];
};

/* And of up to SMALL_DATA bytes, two to a line; the stamp last, so that
 * the data keeps the cell's 32-byte alignment. */
struct red_small {
    char data[SMALL_DATA];
    char pad[4];
    _Atomic uint32_t stamp; /* the reduce written here (futex word) */
};

struct lark_coll_shm {
    struct seg_header *hdr;
    struct rank_line *lines;  /* n */
    struct red_cell *rcells;  /* n * RED_DEPTH: rank r's ring from r * RED_DEPTH */
    struct red_tiny *rtiny;   /* n * TINY_DEPTH: the same */
    struct red_small *rsmall; /* n * SMALL_DEPTH: the same */
    struct post *posts;       /* 2 * n: exchange k uses posts[(k % 2) * n + rank] */
    size_t size;
    uint32_t calls;     /* synchronisations (sync_all) run through the segment */
    uint32_t xchgs;     /* exchanges run through the posts */
    uint32_t reduces;   /* reduces run through the reduce cells */
    uint32_t red_min;   /* every rank is done with this reduce (known so far) */
    uint32_t bcasts;    /* bcasts run through the segment's buffers */
    uint32_t bufs_min;  /* every rank has read this bcast of the buffers */
    uint32_t cellcasts; /* and through its cells */
    uint32_t cells_min;
    bool light; /* every rank's sleepers fence with a membarrier: writers need none */
};

static size_t seg_size(int n)
{
    return sizeof(struct seg_header) + (size_t)n * sizeof(struct rank_line) +
           (size_t)n * RED_DEPTH * sizeof(struct red_cell) +
           (size_t)n * TINY_DEPTH * sizeof(struct red_tiny) +
           (size_t)n * SMALL_DEPTH * sizeof(struct red_small) + 2 * (size_t)n * sizeof(struct post);
}

void lark_coll_shm_destroy(struct lark_coll_shm *sh)
{
    if (sh == NULL)
        return;
    munmap(sh->hdr, sh->size);
    free(sh);
}

/* Are all ranks of comm on this node? */
static bool all_local(struct lark_comm *comm)
{
    if (lark_rt.world_to_local == NULL)
        return false;
    for (int i = 0; i < comm->size; i++)
        if (lark_rt.world_to_local[lark_comm_world_rank(comm, i)] < 0)
            return false;
    return true;
}

/* Make, map and agree on the segment.  Collective over comm; runs the
 * point-to-point algorithms (the caller marked the setup as under way). */
static struct lark_coll_shm *attach(struct lark_comm *comm)
{
    char name[NAME_LEN] = {0};
    size_t size = seg_size(comm->size);
    int fd = -1, ok = 1;
    if (comm->rank == 0) {
        uint32_t rnd[2] = {0, 0};
        if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
            ok = 0;
        snprintf(name, sizeof name, "/%s.coll.%u.%08x%08x", lark_rt.nspace, (unsigned)comm->cid,
                 rnd[0], rnd[1]);
        fd = ok ? shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600) : -1;
        if (fd >= 0 && ftruncate(fd, (off_t)size) != 0)
            ok = 0;
        if (fd < 0)
            name[0] = '\0'; /* tells the others there is nothing to map */
    }
    if (lark_coll_bcast(name, sizeof name, 0, comm) != 0)
        ok = 0;
    if (comm->rank != 0 && name[0] != '\0')
        fd = shm_open(name, O_RDWR, 0);
    void *p = fd >= 0 ? mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
    if (fd >= 0)
        close(fd);
    if (p == MAP_FAILED)
        ok = 0;
    /* Everyone mapped it (or nobody uses it), and whether every rank's
     * sleepers fence with a membarrier: 2 + that, or 0. */
    int agree = ok ? 2 + lark_progress_membarrier() : 0;
    struct lark_reduction red = {MPI_MIN, MPI_INT, 1, sizeof agree, 1};
    if (lark_coll_allreduce(&agree, &red, comm) != 0)
        agree = 0;
    ok = agree >= 2;
    if (comm->rank == 0 && name[0] != '\0')
        shm_unlink(name);
    struct lark_coll_shm *sh = ok ? malloc(sizeof *sh) : NULL; /* freed by lark_coll_shm_destroy */
    if (sh == NULL) {
        if (p != MAP_FAILED)
            munmap(p, size);
        return NULL;
    }
    sh->hdr = p;
    sh->lines = (struct rank_line *)((char *)p + sizeof(struct seg_header));
    sh->rcells = (struct red_cell *)(sh->lines + comm->size);
    sh->rtiny = (struct red_tiny *)(sh->rcells + (size_t)comm->size * RED_DEPTH);
    sh->rsmall = (struct red_small *)(sh->rtiny + (size_t)comm->size * TINY_DEPTH);
    sh->posts = (struct post *)(sh->rsmall + (size_t)comm->size * SMALL_DEPTH);
    sh->size = size;
    sh->calls = 0;
    sh->xchgs = 0;
    sh->reduces = sh->red_min = 0;
    sh->bcasts = sh->bufs_min = 0;
    sh->cellcasts = sh->cells_min = 0;
    sh->light = agree == 3;
    return sh;
}

struct lark_coll_shm *lark_coll_shm_get(struct lark_comm *comm, size_t bytes)
{
    if (comm->size < 2 || bytes > LARK_SHM_SLOT)
        return NULL;
    int *state;
    struct lark_coll_shm **slot = lark_coll_shm_slot(comm, &state);
    if (slot == NULL)
        return NULL;
    if (*state == 0) {
        /* First use: decide once, the same way on every rank. */
        *state = -2; /* under way: the setup's own collectives take the p2p path */
        enum lark_coll_alg alg = lark_coll_forced(LARK_ROW_SHM);
        if (alg != LARK_ALG_2 && all_local(comm)) {
            *slot = attach(comm);
        }
        *state = *slot != NULL ? 1 : -1;
    }
    return *state == 1 ? *slot : NULL;
}

static void futex_wait(_Atomic uint32_t *w, uint32_t v)
{
    struct timespec ts = {0, 1000000}; /* 1 ms: then poll the p2p engine again */
    syscall(SYS_futex, w, FUTEX_WAIT, v, &ts, NULL, 0);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Poll the point-to-point engine once (it takes the launcher's news of
 * dead peers too); true when comm now holds a lost rank: the collective
 * cannot complete (lost.h). */
static bool progress_lost(struct lark_comm *comm)
{
    lark_lock();
    lark_p2p_progress();
    bool lost = lark_lost_comm(comm);
    lark_unlock();
    return lost;
}

/* Wait until *w (read with acquire) satisfies done(w, arg), with the
 * progress engine's policy (progress.h): spin so long, yield the core so
 * long, then sleep on the word (bounded to 1 ms), counted in *sleepers
 * (the counter its writer reads before waking); the point-to-point
 * engine is polled meanwhile, as sync_all does.  Yielding before sleeping
 * matters when ranks outnumber cores: the rank that writes the word gets
 * the core at once, and a rank that comes back finds it written without
 * a futex round trip.  Nor does a waiter spin then, not even briefly: the
 * rank it waits for may need this core.  Returns 0, or LARK_ERR_PEER
 * when a rank of comm is lost meanwhile. */
static int wait_word(struct lark_coll_shm *sh, _Atomic uint32_t *sleepers, struct lark_comm *comm,
                     _Atomic uint32_t *w, bool (*done)(uint32_t v, uint32_t arg), uint32_t arg)
{
    int64_t spin = 0, yield = 0, t0 = 0, t = 0;
    bool over = lark_progress_oversubscribed();
    for (int i = over ? 64 : 0;; i++) {
        uint32_t v = atomic_load_explicit(w, memory_order_acquire);
        if (done(v, arg))
            return 0;
        if (i < 64) { /* the usual wait is short: no clock for it */
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
            continue;
        }
        if (i == 64) {
            lark_progress_policy(&spin, &yield);
            t0 = now_ns();
            lark_where_defer_show(); /* waiting for real: the hang report may name the call */
        }
        if ((i & 63) == 63 && progress_lost(comm))
            return LARK_ERR_PEER;
        if ((i & 15) == 0) /* the clock now and then: a pause is ~10-100 ns */
            t = now_ns() - t0;
        if (t < spin) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
            continue;
        }
        if (t < spin + yield) {
            sched_yield();
            continue;
        }
        if (progress_lost(comm))
            return LARK_ERR_PEER;
        atomic_fetch_add_explicit(sleepers, 1, memory_order_seq_cst);
        if (sh->light)
            lark_transport_fence_sleeper(); /* the writers' fence (wake_word) */
        v = atomic_load_explicit(w, memory_order_seq_cst);
        if (!done(v, arg))
            futex_wait(w, v);
        atomic_fetch_sub_explicit(sleepers, 1, memory_order_seq_cst);
    }
}

static bool is_equal(uint32_t v, uint32_t arg)
{
    return v == arg;
}

static bool is_not(uint32_t v, uint32_t arg)
{
    return v != arg;
}

/* v >= arg, for counters that wrap around. */
static bool is_at_least(uint32_t v, uint32_t arg)
{
    return (int32_t)(v - arg) >= 0;
}

/* After storing *w (release): wake whoever sleeps on it (counted in
 * *sleepers).  Store, fence, load the count, against the sleeper's count,
 * fence, load the word: when every rank's sleepers fence with a
 * membarrier, which runs a full barrier on our CPU, ours is only the
 * compiler's, and the store need not drain before we go on (a full fence
 * per post, stamp and progress word cost a store buffer drain each: the
 * line's transfer to the reader's core, every call). */
LARK_INLINE void wake_word(struct lark_coll_shm *sh, _Atomic uint32_t *sleepers,
                           _Atomic uint32_t *w)
{
    if (sh->light)
        atomic_signal_fence(memory_order_seq_cst);
    else
        atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(sleepers, memory_order_relaxed) != 0)
        syscall(SYS_futex, w, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Everyone arrives, then everyone leaves. */
static int sync_all(struct lark_coll_shm *sh, struct lark_comm *comm)
{
    struct seg_header *h = sh->hdr;
    uint32_t n = (uint32_t)comm->size;
    uint32_t g = atomic_load_explicit(&h->gen, memory_order_acquire);
    sh->calls++;
    if (atomic_fetch_add_explicit(&h->count, 1, memory_order_acq_rel) == n - 1) {
        atomic_store_explicit(&h->count, 0, memory_order_relaxed);
        atomic_store_explicit(&h->gen, g + 1, memory_order_release);
        wake_word(sh, &h->sleepers, &h->gen);
        return 0;
    }
    return wait_word(sh, &h->sleepers, comm, &h->gen, is_not, g);
}

int lark_coll_shm_barrier(struct lark_coll_shm *sh, struct lark_comm *comm)
{
    if (lark_lost_comm(comm))
        return LARK_ERR_PEER; /* the segment's words may be half-way: never touch them */
    return sync_all(sh, comm);
}

/* Store *w = v, a word of ours (lines[me]), and wake its sleepers. */
static void set_mine(struct lark_coll_shm *sh, int me, _Atomic uint32_t *w, uint32_t v)
{
    atomic_store_explicit(w, v, memory_order_release);
    wake_word(sh, &sh->lines[me].sleepers, w);
}

/* Make sure every rank's counter (the member at `off` of its line) has
 * reached `want`: *known is the least value seen at the last look, so
 * usually nothing is read; else wait for each rank in turn (sleeping on
 * its word, counted in its line), and remember the least value seen. */
static int await_all(struct lark_coll_shm *sh, struct lark_comm *comm, size_t off, uint32_t want,
                     uint32_t *known)
{
    if (is_at_least(*known, want))
        return 0;
    uint32_t least = 0;
    for (int r = 0; r < comm->size; r++) {
        struct rank_line *l = &sh->lines[r];
        _Atomic uint32_t *w = (_Atomic uint32_t *)((char *)l + off);
        int rc = wait_word(sh, &l->sleepers, comm, w, is_at_least, want);
        if (rc != 0)
            return rc;
        uint32_t v = atomic_load_explicit(w, memory_order_acquire);
        if (r == 0 || !is_at_least(v, least))
            least = v;
    }
    *known = least;
    return 0;
}

/* Bcast number k through one place of a ring of `depth` (see the top):
 * `off` names the rank lines' counter of that ring, *known the least of
 * them seen. */
LARK_INLINE int ring_bcast(struct lark_coll_shm *sh, struct lark_comm *comm,
                           _Atomic uint32_t *stamp, char *data, uint32_t k, uint32_t depth,
                           size_t off, uint32_t *known, void *buf, size_t bytes, int root)
{
    int rc, me = comm->rank;
    _Atomic uint32_t *mine = (_Atomic uint32_t *)((char *)&sh->lines[me] + off);
    if (me == root) {
        /* The place's last use (bcast k - depth) read by all. */
        if ((rc = await_all(sh, comm, off, k - depth, known)) != 0)
            return rc;
        memcpy(data, buf, bytes);
        /* Our own counter first: whoever sees the stamp sees it too. */
        atomic_store_explicit(mine, k, memory_order_relaxed);
        atomic_store_explicit(stamp, k, memory_order_release);
        wake_word(sh, &sh->lines[me].sleepers, stamp);
        return 0;
    }
    if (atomic_load_explicit(stamp, memory_order_acquire) != k &&
        (rc = wait_word(sh, &sh->lines[root].sleepers, comm, stamp, is_equal, k)) != 0)
        return rc;
    memcpy(buf, data, bytes);
    set_mine(sh, me, mine, k);
    return 0;
}

int lark_coll_shm_bcast(struct lark_coll_shm *sh, void *buf, size_t bytes, int root,
                        struct lark_comm *comm)
{
    struct seg_header *h = sh->hdr;
    if (lark_lost_comm(comm))
        return LARK_ERR_PEER;
    /* k: the same number at every rank (they call in order, with the same bytes). */
    if (bytes <= CELL_DATA) {
        uint32_t k = ++sh->cellcasts;
        struct bcast_cell *c = &h->cells[k % CELL_DEPTH];
        return ring_bcast(sh, comm, &c->stamp, c->data, k, CELL_DEPTH,
                          offsetof(struct rank_line, cells_read), &sh->cells_min, buf, bytes, root);
    }
    uint32_t k = ++sh->bcasts;
    struct bcast_buf *b = &h->bcast[k % BCAST_DEPTH];
    return ring_bcast(sh, comm, &b->stamp, b->data, k, BCAST_DEPTH,
                      offsetof(struct rank_line, bufs_read), &sh->bufs_min, buf, bytes, root);
}

/* ---- exchanges through the posts ----
 * Exchange k: each rank publishes in its post of parity k % 2, which
 * exchange k - 2 used, and every rank has finished reading that: to
 * finish exchange k - 1, we saw every rank's post of k - 1, written after
 * that rank finished k - 2 (every exchange reads every post). */
static struct post *post_of(struct lark_coll_shm *sh, int n, uint32_t k, int r)
{
    return &sh->posts[(size_t)(k % 2) * (size_t)n + (size_t)r];
}

/* Start exchange *k: the next number, `bytes` of buf in our post. */
static int publish(struct lark_coll_shm *sh, struct lark_comm *comm, uint32_t *k, const void *buf,
                   size_t bytes)
{
    if (lark_lost_comm(comm))
        return LARK_ERR_PEER; /* the segment's words may be half-way: never touch them */
    *k = ++sh->xchgs;
    struct post *p = post_of(sh, comm->size, *k, comm->rank);
    memcpy(p->data, buf, bytes);
    set_mine(sh, comm->rank, &p->seq, *k);
    return 0;
}

/* Rank r's post of exchange k, once it is there. */
static int await_post(struct lark_coll_shm *sh, struct lark_comm *comm, uint32_t k, int r,
                      struct post **p)
{
    *p = post_of(sh, comm->size, k, r);
    if (atomic_load_explicit(&(*p)->seq, memory_order_acquire) == k)
        return 0;
    return wait_word(sh, &sh->lines[r].sleepers, comm, &(*p)->seq, is_equal, k);
}

/* Fold every rank's post of exchange k into out, in rank order (inout =
 * in op inout, `in` the lower rank), ours included: the same result at
 * every rank, and in order for non-commutative ops. */
static int fold(struct lark_coll_shm *sh, struct lark_comm *comm, uint32_t k, void *out,
                const struct lark_reduction *red)
{
    int n = comm->size, rc;
    struct post *p;
    if ((rc = await_post(sh, comm, k, n - 1, &p)) != 0)
        return rc;
    memcpy(out, p->data, red->bytes);
    for (int i = n - 2; i >= 0; i--) {
        if ((rc = await_post(sh, comm, k, i, &p)) != 0)
            return rc;
        lark_sched_apply(red->op, p->data, out, red->count, red->type);
    }
    return 0;
}

/* Allreduce: every rank publishes its vector and folds everyone's.  No
 * meeting: a rank waits only for the posts it reads, one cache line each
 * when small (two ranks: one line each way, at once). */
int lark_coll_shm_allreduce(struct lark_coll_shm *sh, const void *sbuf, void *rbuf,
                            const struct lark_reduction *red, struct lark_comm *comm)
{
    uint32_t k;
    int rc = publish(sh, comm, &k, sbuf, red->bytes);
    if (rc == 0)
        rc = fold(sh, comm, k, rbuf, red);
    return rc;
}

/* Reduce of up to LARK_SHM_CELL bytes: every rank writes its vector in
 * its cell of this reduce (a ring of RED_DEPTH per rank) and the root
 * folds them in rank order.  The others leave at once: a rank reuses a
 * cell RED_DEPTH reduces later, once every rank is done with the reduce
 * that used it (each rank's line says which reduce it is done with; a
 * writer remembers the least it saw and looks again only when that is
 * too old).  So non-roots run up to RED_DEPTH calls ahead of the root,
 * as they would with eager messages, and the root reads cells written
 * one after the other. */
/* Rank r's place for reduce j in the ring of `depth` cells: its stamp,
 * *data its bytes. */
static _Atomic uint32_t *red_place(struct lark_coll_shm *sh, int r, uint32_t j, uint32_t depth,
                                   char **data)
{
    if (depth == TINY_DEPTH) {
        struct red_tiny *c = &sh->rtiny[(size_t)r * TINY_DEPTH + j % TINY_DEPTH];
        *data = c->data;
        return &c->stamp;
    }
    if (depth == SMALL_DEPTH) {
        struct red_small *c = &sh->rsmall[(size_t)r * SMALL_DEPTH + j % SMALL_DEPTH];
        *data = c->data;
        return &c->stamp;
    }
    struct red_cell *c = &sh->rcells[(size_t)r * RED_DEPTH + j % RED_DEPTH];
    *data = c->data;
    return &c->stamp;
}

int lark_coll_shm_reduce(struct lark_coll_shm *sh, const void *sbuf, void *rbuf,
                         const struct lark_reduction *red, int root, struct lark_comm *comm)
{
    int n = comm->size, me = comm->rank, rc;
    size_t done = offsetof(struct rank_line, red_done);
    uint32_t depth = red->bytes <= TINY_DATA    ? TINY_DEPTH
                     : red->bytes <= SMALL_DATA ? SMALL_DEPTH
                                                : RED_DEPTH;
    if (lark_lost_comm(comm))
        return LARK_ERR_PEER;
    uint32_t j = ++sh->reduces;
    if ((rc = await_all(sh, comm, done, j - depth, &sh->red_min)) != 0)
        return rc;
    char *data;
    _Atomic uint32_t *stamp = red_place(sh, me, j, depth, &data);
    memcpy(data, sbuf, red->bytes);
    set_mine(sh, me, stamp, j);
    for (int i = n - 1; i >= 0 && me == root; i--) {
        stamp = red_place(sh, i, j, depth, &data);
        if (atomic_load_explicit(stamp, memory_order_acquire) != j &&
            (rc = wait_word(sh, &sh->lines[i].sleepers, comm, stamp, is_equal, j)) != 0)
            return rc;
        if (i != me) {
            char *next;
            red_place(sh, i, j + RED_AHEAD, depth, &next);
            __builtin_prefetch(next);
        }
        if (i == n - 1)
            memcpy(rbuf, data, red->bytes);
        else
            lark_sched_apply(red->op, data, rbuf, red->count, red->type);
    }
    if (j % RED_EVERY == 0)
        set_mine(sh, me, &sh->lines[me].red_done, j);
    return 0;
}

/* Allgather in place: rbuf holds n blocks of `bytes`, ours filled in. */
int lark_coll_shm_allgather(struct lark_coll_shm *sh, void *rbuf, size_t bytes,
                            struct lark_comm *comm)
{
    int n = comm->size, me = comm->rank;
    char *out = rbuf;
    uint32_t k;
    int rc = publish(sh, comm, &k, out + (size_t)me * bytes, bytes);
    for (int i = 1; i < n && rc == 0; i++) {
        int r = (me + i) % n;
        struct post *p;
        if ((rc = await_post(sh, comm, k, r, &p)) == 0)
            memcpy(out + (size_t)r * bytes, p->data, bytes);
    }
    return rc;
}

/* Alltoall: each rank publishes its n blocks of `bytes` (sbuf may be
 * rbuf: in place) and takes its block from every post. */
int lark_coll_shm_alltoall(struct lark_coll_shm *sh, const void *sbuf, void *rbuf, size_t bytes,
                           struct lark_comm *comm)
{
    int n = comm->size, me = comm->rank;
    char *out = rbuf;
    uint32_t k;
    int rc = publish(sh, comm, &k, sbuf, (size_t)n * bytes);
    for (int i = 0; i < n && rc == 0; i++) {
        int r = (me + i) % n;
        struct post *p;
        if ((rc = await_post(sh, comm, k, r, &p)) == 0)
            memcpy(out + (size_t)r * bytes, p->data + (size_t)me * bytes, bytes);
    }
    return rc;
}

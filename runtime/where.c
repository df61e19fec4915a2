/*
 * where.c -- this rank's where-record (where_rec.h, where.h): made at
 * MPI_Init in /dev/shm, written at the entry and exit of every blocking
 * call and before each sleep, removed at MPI_Finalize.
 *
 * Cost: one page per rank on its own node; per blocking call about twenty
 * stores (name, peer, tag, time), except that point-to-point calls and
 * collectives write the record only once they have waited in vain for a
 * while (lark_progress_wait_as, lark_where_defer: a few plain stores
 * until then); per fruitless poll of what was polled last, a coarse clock read
 * and a store; per sleep, a walk of at most 48 queue entries.  Nothing
 * depends on the job's size.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lark.h"
#include "mpit/stats.h"
#include "p2p.h"
#include "runtime.h"
#include "where.h"

static struct lark_where_rec private_rec; /* when shared memory is not to be had */
struct lark_where_rec *lark_where = &private_rec;
struct lark_where_defer lark_where_deferred; /* where.h: written without MPI_THREAD_MULTIPLE only */
static char shm_name[300];
static const void *polled; /* what the polling call in the record polls (a request, a comm) */
static int polled_rank;    /* and its peer, as the call gave it */

/* The coarse clock (a few ms of resolution, read from memory without a
 * timer instruction): every blocking call reads it twice, and the hang
 * report counts in seconds.  It never runs ahead of CLOCK_MONOTONIC,
 * which the reader (launcher/report.c) uses, so no duration comes out
 * negative. */
static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Writers: one at a time (threads of MPI_THREAD_MULTIPLE take turns on a
 * spin flag held for a few stores), then the sequence lock for readers in
 * other processes. */
static atomic_flag writing = ATOMIC_FLAG_INIT;

static inline void write_begin(struct lark_where_rec *w)
{
    if (lark_rt.locking)
        while (atomic_flag_test_and_set_explicit(&writing, memory_order_acquire))
            ;
    atomic_store_explicit(&w->seq, atomic_load_explicit(&w->seq, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
}

static inline void write_end(struct lark_where_rec *w)
{
    atomic_store_explicit(&w->seq, atomic_load_explicit(&w->seq, memory_order_relaxed) + 1,
                          memory_order_release);
    if (lark_rt.locking)
        atomic_flag_clear_explicit(&writing, memory_order_release);
}

void lark_where_init(void)
{
    if (lark_rt.singleton)
        return; /* no mpirun to read it: keep the private record */
    lark_where_name(shm_name, sizeof shm_name, lark_rt.nspace, lark_rt.rank);
    /* O_EXCL: never write into a file someone else prepared. */
    int fd = shm_open(shm_name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    struct lark_where_rec *w = MAP_FAILED;
    if (fd >= 0) {
        if (ftruncate(fd, sizeof *w) == 0)
            w = mmap(NULL, sizeof *w, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        close(fd);
        if (w == MAP_FAILED)
            shm_unlink(shm_name);
    }
    if (w == MAP_FAILED) {
        shm_name[0] = '\0'; /* keep the private record: diagnosis only loses this rank */
        w = &private_rec;
    }
    w->magic = LARK_WHERE_MAGIC;
    w->version = LARK_WHERE_VERSION;
    w->rank = lark_rt.rank;
    w->pid = (int32_t)getpid();
    w->peer = LARK_WHERE_NONE;
    w->since_ns = now_ns();
    lark_where = w;
}

void lark_where_finalize(void)
{
    struct lark_where_rec *w = lark_where;
    lark_where = &private_rec;
    if (w != &private_rec) {
        munmap(w, sizeof *w);
        shm_unlink(shm_name);
    }
}

void lark_where_enter(const char *call, int kind, const struct lark_comm *c, int rank, int tag,
                      size_t bytes)
{
    struct lark_where_rec *w = lark_where;
    write_begin(w);
    w->kind = kind;
    size_t n = strnlen(call, sizeof w->call - 1); /* (strncpy would pad all 31 bytes) */
    memcpy(w->call, call, n);
    w->call[n] = '\0';
    w->ctx = c ? c->ctx[LARK_CTX_PT2PT] : 0;
    w->comm_size = c ? c->size : 0;
    w->comm_world = c == &lark_comm_world;
    w->comm_whole = c != NULL && c->remote == NULL && c->size == lark_comm_world.size;
    if (rank == MPI_ANY_SOURCE)
        w->peer = LARK_WHERE_ANY;
    else if (c == NULL || rank < 0 || rank >= c->size || kind == LARK_WHERE_COLL)
        w->peer = LARK_WHERE_NONE;
    else
        w->peer = lark_comm_world_rank(c, rank);
    w->tag = tag;
    w->bytes = bytes;
    w->since_ns = now_ns();
    w->calls++;
    __atomic_store_n(&w->polling, 0, __ATOMIC_RELAXED);
    polled = NULL;
    write_end(w);
}

void lark_where_poll(const char *call, int kind, const struct lark_comm *c, int rank, int tag,
                     size_t bytes, const void *what)
{
    struct lark_where_rec *w = lark_where;
    int64_t t = now_ns();
    write_begin(w);
    /* The same thing again: only when. */
    bool again = what == polled && w->polling && rank == polled_rank && tag == w->tag;
    if (again)
        w->poll_ns = t;
    write_end(w);
    if (again)
        return;
    lark_where_enter(call, kind, c, rank, tag, bytes);
    write_begin(w);
    __atomic_store_n(&w->polling, 1, __ATOMIC_RELAXED);
    w->poll_ns = w->since_ns;
    polled = what;
    polled_rank = rank;
    write_end(w);
}

/* Outside MPI from now on (the writer holds the record). */
static void clear_call(struct lark_where_rec *w)
{
    w->call[0] = '\0';
    w->kind = LARK_WHERE_OTHER;
    w->peer = LARK_WHERE_NONE;
    w->since_ns = now_ns();
    __atomic_store_n(&w->polling, 0, __ATOMIC_RELAXED);
    polled = NULL;
}

void lark_where_poll_end(void)
{
    struct lark_where_rec *w = lark_where;
    if (!__atomic_load_n(&w->polling, __ATOMIC_RELAXED)) /* the usual case: one load */
        return;
    write_begin(w);
    if (w->polling)
        clear_call(w);
    write_end(w);
}

void lark_where_root(const struct lark_comm *c, int root)
{
    struct lark_where_rec *w = lark_where;
    write_begin(w);
    w->peer = lark_comm_world_rank(c, root);
    write_end(w);
}

void lark_where_leave(void)
{
    struct lark_where_rec *w = lark_where;
    write_begin(w);
    clear_call(w);
    write_end(w);
    /* A deferred collective record ends here too (its call returns, or
     * raises an error); never written with MPI_THREAD_MULTIPLE. */
    if (!lark_rt.locking) {
        lark_where_deferred.call = NULL;
        lark_where_deferred.shown = false;
    }
}

void lark_where_defer_write(void)
{
    struct lark_where_defer *d = &lark_where_deferred;
    lark_where_enter(d->call, LARK_WHERE_COLL, d->c, LARK_WHERE_NONE, LARK_WHERE_NONE, 0);
    if (d->root != LARK_WHERE_NONE)
        lark_where_root(d->c, d->root);
    d->shown = true;
}

void lark_where_queues(void)
{
    struct lark_where_rec *w = lark_where;
    lark_lock();
    write_begin(w);
    lark_p2p_where(w);
    w->nposted = (uint32_t)lark_counter_read(&lark_stats.posted_len);
    w->nunexpected = (uint32_t)lark_counter_read(&lark_stats.unexpected_len);
    w->queues_ns = now_ns();
    write_end(w);
    lark_unlock();
}

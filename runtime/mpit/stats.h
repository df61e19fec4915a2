/*
 * stats.h -- what the runtime counts for the tools interface (MPI_T
 * performance variables, runtime/mpit/).
 *
 * Every counter is a process-wide 64-bit word, updated where the event
 * happens.  The hot-path counters (frames and bytes per transport, the
 * unexpected queue) are written only with the runtime lock held (or by the
 * one thread of a lower thread level), so an update is a plain load and
 * store -- no locked instruction -- made through relaxed atomics so that a
 * tool thread reading them is not a data race.  Counters touched without
 * that lock (time spent waiting, collective algorithm choices) use atomic
 * adds; they are not on a per-message path.
 *
 * Cost as the job grows: none per peer or per rank; five words per
 * transport in the registry, a few words per collective algorithm.
 */
#ifndef LARK_MPIT_STATS_H_INCLUDED
#define LARK_MPIT_STATS_H_INCLUDED

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "lark.h" /* MPI_Count */

typedef _Atomic uint64_t lark_counter;

/* Add n to a counter that has one writer at a time (see above). */
static inline void lark_count(lark_counter *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

static inline uint64_t lark_counter_read(const lark_counter *c)
{
    return atomic_load_explicit((lark_counter *)c, memory_order_relaxed);
}

/* Per transport of the registry (transports/registry.c), by table index. */
#define LARK_STATS_MAX_TP 8
struct lark_tp_stats {
    lark_counter tx_frames, tx_bytes; /* frames handed to the transport, their payload */
    lark_counter rx_frames, rx_bytes; /* frames it delivered, their payload */
    lark_counter rdma_bytes;          /* moved by get/put (CMA, rendezvous) */
};
extern struct lark_tp_stats lark_tp_stats[LARK_STATS_MAX_TP];
/* The transport whose progress call is delivering frames now (set by
 * runtime/peer.c before each transport's progress): received frames are
 * counted against it. */
extern struct lark_tp_stats *lark_rx_stats;

/* The collectives whose algorithm can be chosen (runtime/coll/coll.c has
 * the names), and how often each algorithm ran; index 0 of each row counts
 * the shared-memory path where the collective has one. */
/* Counters per row: the shm path and the algorithms, or the node-aware
 * collectives. */
#define LARK_STATS_ALGS 8
enum lark_coll_row {
    LARK_ROW_BCAST,
    LARK_ROW_ALLREDUCE,
    LARK_ROW_ALLGATHER,
    LARK_ROW_REDUCE,
    LARK_ROW_SHM,
    LARK_ROW_NODE, /* counts: [0] barrier, [1] bcast, [2] reduce, [3] allreduce, [4] allgather
                      ran node-aware */
    LARK_ROW_ALLTOALL,
    LARK_NROWS
};

struct lark_stats {
    lark_counter unexpected_len;   /* messages now in the unexpected queues */
    lark_counter unexpected_max;   /* its high-water mark */
    lark_counter unexpected_total; /* messages that ever arrived unexpected */
    lark_counter posted_len;       /* receives now posted and unmatched */
    _Atomic uint64_t wait_ns;      /* time blocked in the progress engine */
    _Atomic uint64_t coll_alg[LARK_NROWS][LARK_STATS_ALGS];
};
extern struct lark_stats lark_stats;

static inline void lark_stats_unexpected_in(void)
{
    uint64_t n = lark_counter_read(&lark_stats.unexpected_len) + 1;
    atomic_store_explicit(&lark_stats.unexpected_len, n, memory_order_relaxed);
    lark_count(&lark_stats.unexpected_total, 1);
    if (n > lark_counter_read(&lark_stats.unexpected_max))
        atomic_store_explicit(&lark_stats.unexpected_max, n, memory_order_relaxed);
}

static inline void lark_stats_unexpected_out(void)
{
    lark_count(&lark_stats.unexpected_len, (uint64_t)-1);
}

/* ---- events (MPI_T events, runtime/mpit/events.c) ---- */
enum lark_event_id { LARK_EV_UNEXPECTED, LARK_EV_COLL_ALG, LARK_NEVENTS };
extern _Atomic bool lark_event_armed[LARK_NEVENTS];
/* Called where the event happens, only when armed (one relaxed load). */
void lark_event_fire(enum lark_event_id ev, const void *data);
/* Event data records (their layout is what MPI_T_event_get_info says). */
struct lark_ev_unexpected {
    int source; /* rank in the communicator */
    int tag;
    MPI_Count bytes;
    unsigned context; /* the communicator's context id */
};
struct lark_ev_coll_alg {
    int collective; /* enum lark_coll_row */
    int algorithm;  /* 0: shared memory, else the algorithm's enum value */
};
static inline void lark_stats_coll(enum lark_coll_row row, int alg)
{
    atomic_fetch_add_explicit(&lark_stats.coll_alg[row][alg], 1, memory_order_relaxed);
    if (atomic_load_explicit(&lark_event_armed[LARK_EV_COLL_ALG], memory_order_relaxed)) {
        struct lark_ev_coll_alg e = {.collective = (int)row, .algorithm = alg};
        lark_event_fire(LARK_EV_COLL_ALG, &e);
    }
}

#endif

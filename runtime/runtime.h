/*
 * runtime.h -- the state of this MPI process as a whole: who we are in the
 * job (from PMIx or as a singleton), the thread level, the init/finalize
 * state machine, and the one lock that serialises the runtime when the
 * program asked for MPI_THREAD_MULTIPLE.
 *
 * The lock is deliberately coarse: every API entry point that touches
 * shared runtime state (requests, matching, progress) takes it with
 * lark_lock()/lark_unlock(); waiting loops drop it between polls so other
 * threads can make progress.  With any other thread level the calls are
 * no-ops (a single predictable branch).
 */
#ifndef LARK_RUNTIME_H_INCLUDED
#define LARK_RUNTIME_H_INCLUDED

#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>

#include "lark.h"
#include "transport.h"

enum lark_state { LARK_STATE_NONE = 0, LARK_STATE_INIT = 1, LARK_STATE_FINALIZED = 2 };

struct lark_runtime {
    _Atomic int state;     /* enum lark_state */
    int thread_level;      /* what MPI_Init_thread provided */
    bool locking;          /* thread_level == MPI_THREAD_MULTIPLE */
    pthread_t main_thread; /* the thread that called MPI_Init */
    bool singleton;        /* started without PMIx: a world of one */
    int rank;              /* rank in MPI_COMM_WORLD */
    int size;              /* size of MPI_COMM_WORLD */
    int local_rank;        /* rank among the processes on this node */
    int local_size;        /* processes of this job on this node */
    int *local_peers;      /* world ranks on this node, by local rank; freed at finalize */
    int *world_to_local;   /* world rank -> local rank or -1; freed at finalize */
    int appnum;            /* PMIX_APPNUM, 0 as a singleton */
    uint32_t nodeid;       /* PMIX_NODEID */
    char nspace[256];      /* PMIx namespace ("lark-<hex>"), or "singleton-<pid>" */
    char hostname[256];    /* this node's name */
    pthread_mutex_t lock;  /* the runtime lock (THREAD_MULTIPLE only) */
};

extern struct lark_runtime lark_rt;

static inline void lark_lock(void)
{
    if (lark_rt.locking)
        pthread_mutex_lock(&lark_rt.lock);
}

static inline void lark_unlock(void)
{
    if (lark_rt.locking)
        pthread_mutex_unlock(&lark_rt.lock);
}

static inline bool lark_initialized(void)
{
    return atomic_load_explicit(&lark_rt.state, memory_order_acquire) == LARK_STATE_INIT;
}

/* Wire-up and teardown (wireup.c).  Called by MPI_Init_thread/MPI_Finalize
 * with no lock held; not thread-safe (MPI allows one call of each). */
int lark_runtime_init(int required, int *provided);
int lark_runtime_finalize(void);
/* Ask PMIx (or, as a singleton, the OS) to end the whole job; never returns.
 * msg: the whole story in one sentence (call, rank, host, reason), said once:
 * by Lark's mpirun, or on stderr here when no mpirun will; NULL for
 * MPI_Abort. */
_Noreturn void lark_runtime_abort(int code, const char *msg);
/* Look up a string the peer `world_rank` published under `key`; the caller
 * frees *value.  Blocks (PMIx_Get). */
int lark_runtime_get_peer_string(int world_rank, const char *key, char **value);
/* The node world rank `world_rank` runs on, numbered in the order of the
 * job's node list, the same at every rank (PMIx_Resolve_nodes and
 * _peers: the launcher's node and process maps, no traffic; a table of
 * the whole job made at the first call).  LARK_ERR_PEER when PMIx does
 * not say, for every rank alike.  Called by the collectives
 * (coll/node.c); thread-safe. */
int lark_runtime_peer_node(int world_rank, uint32_t *node);
/* Publish a string for peers (scope: this node or the job) to read after
 * the init fence. */
int lark_runtime_put_string(const char *key, const char *value, enum lark_scope scope);

#endif

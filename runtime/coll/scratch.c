/*
 * scratch.c -- scratch buffers for collectives, kept per communicator
 * between calls, so a loop of large reductions pays for malloc and page
 * faults once instead of every call.
 *
 * Buffers up to SCRATCH_KEEP bytes are kept in comm->coll and freed by the
 * communicator's destroy hook (MPI_Comm_free, or MPI_Finalize for WORLD and
 * SELF); larger ones are allocated per call.  MPI forbids two collectives
 * on one communicator at the same time, so no lock is needed.
 *
 * It also numbers the runs of recorded schedules (nonblocking and
 * persistent collectives) on the communicator: the number goes into their
 * tags (sched.h).  Every rank starts those in the same order, so the
 * numbers agree.
 */
#include <stdlib.h>

#include "coll.h"

#define SCRATCH_SLOTS 2
#define SCRATCH_KEEP  (16u << 20) /* keep at most 16 MiB per slot */

struct coll_state {
    void *buf[SCRATCH_SLOTS];
    size_t cap[SCRATCH_SLOTS];
    uint32_t seq;                  /* the last run's sequence number (lark_coll_next_seq) */
    struct lark_coll_shm *shm;     /* shared-memory segment (shm.c), or NULL */
    int shm_state;                 /* see lark_coll_shm_slot */
    struct lark_coll_nodes *nodes; /* node layout (node.c), or NULL */
    int nodes_state;               /* see lark_coll_nodes_slot */
};

static void destroy(struct lark_comm *comm)
{
    struct coll_state *st = comm->coll;
    if (st == NULL)
        return;
    for (int i = 0; i < SCRATCH_SLOTS; i++)
        free(st->buf[i]);
    lark_coll_shm_destroy(st->shm);
    lark_coll_nodes_destroy(st->nodes);
    free(st);
    comm->coll = NULL;
}

/* The communicator's collective state, made on first use (NULL when out
 * of memory). */
static struct coll_state *state(struct lark_comm *comm)
{
    struct coll_state *st = comm->coll;
    if (st == NULL) {
        st = calloc(1, sizeof *st); /* freed by destroy() */
        if (st == NULL)
            return NULL;
        comm->coll = st;
        comm->destroy_hook = destroy;
    }
    return st;
}

struct lark_coll_shm **lark_coll_shm_slot(struct lark_comm *comm, int **shm_state)
{
    struct coll_state *st = state(comm);
    if (st == NULL)
        return NULL;
    *shm_state = &st->shm_state;
    return &st->shm;
}

struct lark_coll_nodes **lark_coll_nodes_slot(struct lark_comm *comm, int **nodes_state)
{
    struct coll_state *st = state(comm);
    if (st == NULL)
        return NULL;
    *nodes_state = &st->nodes_state;
    return &st->nodes;
}

struct lark_coll_shm *lark_coll_shm_ready(struct lark_comm *comm)
{
    struct coll_state *st = comm->coll;
    if (st == NULL || st->shm_state != 1 || st->nodes_state != -1)
        return NULL;
    return st->shm;
}

void lark_coll_state_set(struct lark_comm *comm, enum lark_coll_state which, int value)
{
    struct coll_state *st = state(comm);
    if (st != NULL && which == LARK_COLL_STATE_SHM)
        st->shm_state = value;
    else if (st != NULL)
        st->nodes_state = value;
}

uint32_t lark_coll_next_seq(struct lark_comm *comm)
{
    struct coll_state *st = state(comm);
    if (st == NULL)
        return 1; /* out of memory: still a tag no blocking collective uses */
    if (++st->seq >= (UINT32_C(1) << 24))
        st->seq = 1;
    return st->seq;
}

void *lark_coll_scratch_get(struct lark_comm *comm, int slot, size_t bytes)
{
    if (bytes > SCRATCH_KEEP || slot < 0 || slot >= SCRATCH_SLOTS)
        return lark_coll_alloc(bytes);
    struct coll_state *st = state(comm);
    if (st == NULL)
        return NULL;
    if (st->cap[slot] < bytes || st->buf[slot] == NULL) {
        void *p = lark_coll_alloc(bytes);
        if (p == NULL)
            return NULL;
        free(st->buf[slot]);
        st->buf[slot] = p;
        st->cap[slot] = bytes;
    }
    return st->buf[slot];
}

void lark_coll_scratch_put(struct lark_comm *comm, int slot, void *p)
{
    struct coll_state *st = comm->coll;
    if (p == NULL)
        return;
    if (st != NULL && slot >= 0 && slot < SCRATCH_SLOTS && st->buf[slot] == p)
        return; /* kept for the next call */
    free(p);
}

/*
 * scratch.c -- scratch buffers for collectives, kept per communicator
 * between calls, so a loop of large reductions pays for malloc and page
 * faults once instead of every call.
 *
 * Buffers up to SCRATCH_KEEP bytes are kept in comm->coll and freed by the
 * communicator's destroy hook (MPI_Comm_free, or MPI_Finalize for WORLD and
 * SELF); larger ones are allocated per call.  MPI forbids two collectives
 * on one communicator at the same time, so no lock is needed.
 */
#include <stdlib.h>

#include "coll.h"

#define SCRATCH_SLOTS 2
#define SCRATCH_KEEP  (16u << 20) /* keep at most 16 MiB per slot */

struct coll_state {
    void *buf[SCRATCH_SLOTS];
    size_t cap[SCRATCH_SLOTS];
};

static void destroy(struct lark_comm *comm)
{
    struct coll_state *st = comm->coll;
    if (st == NULL)
        return;
    for (int i = 0; i < SCRATCH_SLOTS; i++)
        free(st->buf[i]);
    free(st);
    comm->coll = NULL;
}

void *lark_coll_scratch_get(struct lark_comm *comm, int slot, size_t bytes)
{
    if (bytes > SCRATCH_KEEP || slot < 0 || slot >= SCRATCH_SLOTS)
        return lark_coll_alloc(bytes);
    struct coll_state *st = comm->coll;
    if (st == NULL) {
        st = calloc(1, sizeof *st);
        if (st == NULL)
            return NULL;
        comm->coll = st;
        comm->destroy_hook = destroy;
    }
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

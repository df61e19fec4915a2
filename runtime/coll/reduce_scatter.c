/*
 * reduce_scatter.c -- MPI_Reduce_scatter and MPI_Reduce_scatter_block.
 *
 * Commutative ops: a ring.  The vector is cut into the ranks' blocks; in
 * n-1 steps each rank passes a partial block to its right neighbour and
 * folds the one arriving from its left into its copy, so that it ends
 * holding its own block fully reduced.  Every rank sends and receives
 * about (n-1)/n of the vector, whatever n, and no rank is a hot spot.
 *
 * Non-commutative ops: an allreduce (recursive doubling, which keeps rank
 * order) on a copy of the vector, then each rank keeps its block.  It moves
 * log2(n) times more data than the ring, but stays correct for any op.
 */
#include <string.h>

#include "coll.h"
#include "op.h"

int lark_coll_reduce_scatter(const void *sbuf, void *rbuf, const size_t *counts,
                             const struct lark_reduction *red, struct lark_comm *comm)
{
    int n = comm->size, r = comm->rank, rc = 0;
    size_t esize = red->count ? red->bytes / red->count : 0;
    bool ring = red->commutes && lark_op_is_predefined(red->op) && n > 1;
    size_t *off = lark_coll_alloc((size_t)n * sizeof *off);
    /* The ring calls no other collective, so its copy may live in scratch;
     * the allreduce path uses the scratch slots itself: malloc there. */
    char *work = ring ? lark_coll_scratch_get(comm, 1, red->bytes) : lark_coll_alloc(red->bytes);
    if (off == NULL || work == NULL) {
        free(off);
        if (ring)
            lark_coll_scratch_put(comm, 1, work);
        else
            free(work);
        return LARK_ERR_NOMEM;
    }
    size_t maxblk = 0, o = 0;
    for (int i = 0; i < n; i++) {
        off[i] = o;
        o += counts[i];
        if (counts[i] > maxblk)
            maxblk = counts[i];
    }
    memcpy(work, sbuf, red->bytes);

    if (!ring) {
        rc = lark_coll_allreduce(work, red, comm);
    } else {
        char *tmp = lark_coll_scratch_get(comm, 0, maxblk * esize);
        if (tmp == NULL)
            rc = LARK_ERR_NOMEM;
        int right = (r + 1) % n, left = (r - 1 + n) % n;
        for (int s = 0; s < n - 1 && rc == 0; s++) {
            int sb = ((r - s - 1) % n + n) % n, rb = ((r - s - 2) % n + n) % n;
            rc = lark_coll_sendrecv(work + off[sb] * esize, counts[sb] * esize, right, tmp,
                                    counts[rb] * esize, left, LARK_TAG_REDUCE_SCATTER, comm);
            if (rc == 0)
                lark_op_apply(red->op, tmp, work + off[rb] * esize, counts[rb], red->type);
        }
        lark_coll_scratch_put(comm, 0, tmp);
    }
    if (rc == 0)
        memmove(rbuf, work + off[r] * esize, counts[r] * esize);
    if (ring)
        lark_coll_scratch_put(comm, 1, work);
    else
        free(work);
    free(off);
    return rc;
}

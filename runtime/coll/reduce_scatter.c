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
#include "sched.h"
#include "op.h"

int lark_sched_reduce_scatter(struct lark_sched *s, const void *sbuf, void *rbuf,
                              const size_t *counts, const struct lark_reduction *red)
{
    int n = s->comm->size, r = s->comm->rank, rc = 0;
    size_t esize = red->count ? red->bytes / red->count : 0;
    bool ring = red->commutes && lark_op_is_predefined(red->op) && n > 1;
    size_t *off = lark_coll_alloc((size_t)n * sizeof *off);
    /* The ring calls no other collective, so its copy may live in scratch;
     * the allreduce path uses the scratch slots itself: malloc there. */
    int wslot = ring ? 1 : -1;
    char *work = lark_sched_tmp(s, wslot, red->bytes);
    if (off == NULL || work == NULL) {
        free(off);
        lark_sched_tmp_put(s, wslot, work);
        return LARK_ERR_NOMEM;
    }
    size_t maxblk = 0, o = 0;
    for (int i = 0; i < n; i++) {
        off[i] = o;
        o += counts[i];
        if (counts[i] > maxblk)
            maxblk = counts[i];
    }
    rc = lark_sched_copy(s, work, sbuf, red->bytes);

    if (rc == 0 && !ring) {
        rc = lark_sched_allreduce(s, work, red);
    } else if (rc == 0) {
        char *tmp = lark_sched_tmp(s, 0, maxblk * esize);
        if (tmp == NULL)
            rc = LARK_ERR_NOMEM;
        int right = (r + 1) % n, left = (r - 1 + n) % n;
        for (int k = 0; k < n - 1 && rc == 0; k++) {
            int sb = ((r - k - 1) % n + n) % n, rb = ((r - k - 2) % n + n) % n;
            rc = lark_sched_sendrecv(s, work + off[sb] * esize, counts[sb] * esize, right, tmp,
                                     counts[rb] * esize, left, LARK_TAG_REDUCE_SCATTER);
            if (rc == 0)
                rc = lark_sched_combine(s, red->op, tmp, work + off[rb] * esize, counts[rb],
                                        red->type);
        }
        lark_sched_tmp_put(s, 0, tmp);
    }
    if (rc == 0)
        rc = lark_sched_copy(s, rbuf, work + off[r] * esize, counts[r] * esize);
    lark_sched_tmp_put(s, wslot, work);
    free(off);
    return rc;
}

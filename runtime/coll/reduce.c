/*
 * reduce.c -- MPI_Reduce: a binomial tree, or for large commutative
 * reductions on more than two ranks, reduce-scatter + gather; small
 * blocking ones on an all-local communicator through its shared-memory
 * segment (shm.c: each rank posts its vector, the root folds them).
 *
 * Each rank combines the partial results of its subtree and passes the sum
 * up.  Partial results always cover a contiguous range of ranks and are
 * combined lower-range-first, so with the tree rooted at rank 0 the result
 * is in rank order, as non-commutative ops require; for those the result
 * then travels from rank 0 to the root.  Commutative ops root the tree at
 * the root directly.
 */
#include <stdlib.h>
#include <string.h>

#include "coll.h"
#include "sched.h"
#include "op.h"

/* Large commutative reductions: reduce-scatter around the ring (each rank
 * ends with one reduced block), then gather the blocks at the root.  Every
 * rank moves about 2x the vector instead of log2(n)x up the tree, and the
 * arithmetic is spread over all ranks. */
static int reduce_scatter_gather(struct lark_sched *s, const void *sbuf, void *rbuf,
                                 const struct lark_reduction *red, int root)
{
    struct lark_comm *comm = s->comm;
    int n = comm->size, rc = 0;
    size_t esize = red->bytes / red->count;
    size_t *cnt = lark_coll_alloc(3 * (size_t)n * sizeof *cnt);
    if (cnt == NULL)
        return LARK_ERR_NOMEM;
    size_t *bytes = cnt + n, *displs = cnt + 2 * n, off = 0;
    for (int i = 0; i < n; i++) {
        cnt[i] = red->count / (size_t)n + ((size_t)i < red->count % (size_t)n);
        bytes[i] = cnt[i] * esize;
        displs[i] = off;
        off += bytes[i];
    }
    char *mine = lark_sched_tmp(s, -1, bytes[comm->rank]);
    if (mine == NULL)
        rc = LARK_ERR_NOMEM;
    if (rc == 0)
        rc = lark_sched_reduce_scatter(s, sbuf, mine, cnt, red);
    if (rc == 0)
        rc = lark_sched_gatherv(s, mine, bytes[comm->rank], rbuf, bytes, displs, root);
    lark_sched_tmp_put(s, -1, mine);
    free(cnt);
    return rc;
}

int lark_sched_reduce(struct lark_sched *s, const void *sbuf, void *rbuf,
                      const struct lark_reduction *red, int root)
{
    struct lark_comm *comm = s->comm;
    struct lark_coll_nodes *nd = lark_coll_nodes_get(s);
    if (nd != NULL && (red->commutes || lark_coll_nodes_in_order(nd)))
        return lark_sched_node_reduce(s, nd, sbuf, rbuf, red, root);
    bool small = !s->record && red->bytes <= LARK_SHM_CELL;
    struct lark_coll_shm *sh = small ? lark_coll_shm_get(comm, red->bytes) : NULL;
    if (sh != NULL) {
        lark_stats_coll(LARK_ROW_REDUCE, 0);
        return lark_coll_shm_reduce(sh, sbuf, rbuf, red, root, comm);
    }
    enum lark_coll_alg alg = lark_coll_forced(LARK_ROW_REDUCE);
    /* The ring needs a commutative predefined op (fixed-size elements,
     * combined in ring order) and at least one element per rank. */
    bool rsg_ok = red->commutes && lark_op_is_predefined(red->op) &&
                  red->count >= (size_t)comm->size && comm->size > 2;
    /* Automatic choice: the binomial tree.  On the 2-core machine where this
     * was measured (ranks oversubscribed), reduce-scatter + gather lost at
     * 2 MiB (4 ranks: 1.42 ms against 0.71; 8 ranks: 3.4 against 2.7): its
     * n-1 ring steps each wait for a rank to be scheduled.  It should win
     * with a core per rank; measure there before making it the default for
     * large vectors.  LARK_COLL_REDUCE=reduce_scatter_gather forces it. */
    if (alg == LARK_ALG_AUTO)
        alg = LARK_ALG_1;
    if (alg == LARK_ALG_2 && !rsg_ok)
        alg = LARK_ALG_1;
    lark_stats_coll(LARK_ROW_REDUCE, alg);
    if (alg == LARK_ALG_2)
        return reduce_scatter_gather(s, sbuf, rbuf, red, root);

    int n = comm->size, rc = 0;
    int tree_root = red->commutes ? root : 0;
    int vr = (comm->rank - tree_root + n) % n;
    size_t bytes = red->bytes;

    if (n == 1)
        return lark_sched_copy(s, rbuf, sbuf, bytes);
    /* acc: what this rank has combined so far; it starts as the user's own
     * buffer (read only) and moves to scratch once a child's partial has
     * been folded in.  A leaf never copies: it sends sbuf itself. */
    const char *acc = sbuf;
    char *a = NULL, *b = NULL; /* scratch, got when the first child sends */
    for (int mask = 1; mask < n; mask <<= 1) {
        if (vr & mask) {
            rc = lark_sched_send(s, acc, bytes, (vr - mask + tree_root) % n, LARK_TAG_REDUCE);
            break;
        }
        if (vr + mask >= n)
            continue;
        if (a == NULL) {
            a = lark_sched_tmp(s, 0, bytes);
            b = lark_sched_tmp(s, 1, bytes);
            if (a == NULL || b == NULL) {
                rc = LARK_ERR_NOMEM;
                break;
            }
            /* At the root, let the last combination land in rbuf itself
             * (no final copy): combinations alternate a, b, a, ... so rbuf
             * takes a's place when the number of children is odd.  Not
             * when rbuf is also the input (MPI_IN_PLACE). */
            if (comm->rank == root && vr == 0 && rbuf != sbuf) {
                int children = 0;
                for (int m = mask; m < n; m <<= 1)
                    children += vr + m < n;
                if (children % 2 == 1) {
                    lark_sched_tmp_put(s, 0, a);
                    a = rbuf;
                } else {
                    lark_sched_tmp_put(s, 1, b);
                    b = rbuf;
                }
            }
        }
        char *tmp = acc == a ? b : a;
        rc = lark_sched_recv(s, tmp, bytes, (vr + mask + tree_root) % n, LARK_TAG_REDUCE);
        /* tmp = acc op tmp: the lower ranks' partial on the left. */
        if (rc == 0)
            rc = lark_sched_combine(s, red->op, acc, tmp, red->count, red->type);
        if (rc != 0)
            break;
        acc = tmp;
    }
    if (rc == 0 && vr == 0) {
        /* acc holds the result at the tree's root. */
        if (comm->rank == root)
            rc = lark_sched_copy(s, rbuf, acc, bytes);
        else
            rc = lark_sched_send(s, acc, bytes, root, LARK_TAG_REDUCE);
    } else if (rc == 0 && comm->rank == root && tree_root != root) {
        rc = lark_sched_recv(s, rbuf, bytes, tree_root, LARK_TAG_REDUCE);
    }
    if (a != rbuf)
        lark_sched_tmp_put(s, 0, a);
    if (b != rbuf)
        lark_sched_tmp_put(s, 1, b);
    return rc;
}

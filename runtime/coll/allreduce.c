/*
 * allreduce.c -- MPI_Allreduce.
 *
 * Small messages (and every non-commutative op): recursive doubling, log2 n
 * rounds of exchange-and-combine.  When n is not a power of two, the first
 * 2*rem ranks pair up (even into odd) so that a power of two take part, and
 * the result goes back to the evens at the end.  Every combination puts the
 * lower ranks' partial on the left, so the result is in rank order.
 *
 * Large messages with a commutative op: a ring: reduce-scatter (n-1 steps,
 * each rank ends up owning one fully reduced block) then allgather (n-1
 * steps); each rank sends and receives about 2x the message, whatever n.
 */
#include <stdlib.h>
#include <string.h>

#include "coll.h"
#include "sched.h"
#include "op.h"

static int allreduce_recursive_doubling(struct lark_sched *s, void *buf,
                                        const struct lark_reduction *red)
{
    int n = s->comm->size, r = s->comm->rank, rc = 0;
    size_t bytes = red->bytes;
    char *tmp = lark_sched_tmp(s, 0, bytes);
    if (tmp == NULL)
        return LARK_ERR_NOMEM;

    int pof2 = 1;
    while (pof2 * 2 <= n)
        pof2 *= 2;
    int rem = n - pof2, newrank;

    if (r < 2 * rem) {
        if (r % 2 == 0) {
            rc = lark_sched_send(s, buf, bytes, r + 1, LARK_TAG_ALLREDUCE);
            newrank = -1;
        } else {
            rc = lark_sched_recv(s, tmp, bytes, r - 1, LARK_TAG_ALLREDUCE);
            if (rc == 0) /* buf = left op buf */
                rc = lark_sched_combine(s, red->op, tmp, buf, red->count, red->type);
            newrank = r / 2;
        }
    } else {
        newrank = r - rem;
    }

    if (rc == 0 && newrank != -1) {
        for (int mask = 1; mask < pof2; mask <<= 1) {
            int np = newrank ^ mask;
            int partner = np < rem ? np * 2 + 1 : np + rem;
            rc = lark_sched_sendrecv(s, buf, bytes, partner, tmp, bytes, partner,
                                     LARK_TAG_ALLREDUCE);
            if (rc == 0 && np < newrank) {
                rc = lark_sched_combine(s, red->op, tmp, buf, red->count, red->type);
            } else if (rc == 0) {
                rc = lark_sched_combine(s, red->op, buf, tmp, red->count, red->type);
                if (rc == 0)
                    rc = lark_sched_copy(s, buf, tmp, bytes);
            }
            if (rc != 0)
                break;
        }
    }

    if (rc == 0 && r < 2 * rem) {
        if (r % 2 == 0)
            rc = lark_sched_recv(s, buf, bytes, r + 1, LARK_TAG_ALLREDUCE);
        else
            rc = lark_sched_send(s, buf, bytes, r - 1, LARK_TAG_ALLREDUCE);
    }
    lark_sched_tmp_put(s, 0, tmp);
    return rc;
}

/* Element range of block i when `count` elements are cut into n blocks. */
static void block(size_t count, int n, int i, size_t *first, size_t *len)
{
    size_t base = count / (size_t)n, extra = count % (size_t)n, ui = (size_t)i;
    *first = ui * base + (ui < extra ? ui : extra);
    *len = base + (ui < extra ? 1 : 0);
}

static int allreduce_ring(struct lark_sched *s, void *buf, const struct lark_reduction *red)
{
    int n = s->comm->size, r = s->comm->rank, rc = 0;
    size_t esize = red->bytes / red->count;
    char *p = buf;
    int right = (r + 1) % n, left = (r - 1 + n) % n;
    size_t first, len, rfirst, rlen;

    block(red->count, n, 0, &first, &len); /* block 0 is the largest */
    char *tmp = lark_sched_tmp(s, 0, len * esize);
    if (tmp == NULL)
        return LARK_ERR_NOMEM;

    for (int k = 0; k < n - 1 && rc == 0; k++) {
        block(red->count, n, (r - k + n) % n, &first, &len);
        block(red->count, n, (r - k - 1 + n) % n, &rfirst, &rlen);
        rc = lark_sched_sendrecv(s, p + first * esize, len * esize, right, tmp, rlen * esize, left,
                                 LARK_TAG_ALLREDUCE);
        if (rc == 0)
            rc = lark_sched_combine(s, red->op, tmp, p + rfirst * esize, rlen, red->type);
    }
    for (int k = 0; k < n - 1 && rc == 0; k++) {
        block(red->count, n, (r + 1 - k + n) % n, &first, &len);
        block(red->count, n, (r - k + n) % n, &rfirst, &rlen);
        rc = lark_sched_sendrecv(s, p + first * esize, len * esize, right, p + rfirst * esize,
                                 rlen * esize, left, LARK_TAG_ALLREDUCE);
    }
    lark_sched_tmp_put(s, 0, tmp);
    return rc;
}

static int allreduce_reduce_bcast(struct lark_sched *s, void *buf, const struct lark_reduction *red)
{
    char *tmp = lark_sched_tmp(s, -1, red->bytes);
    if (tmp == NULL)
        return LARK_ERR_NOMEM;
    int rc = lark_sched_copy(s, tmp, buf, red->bytes);
    if (rc == 0)
        rc = lark_sched_reduce(s, tmp, buf, red, 0);
    if (rc == 0)
        rc = lark_sched_bcast(s, buf, red->bytes, 0);
    lark_sched_tmp_put(s, -1, tmp);
    return rc;
}

int lark_sched_allreduce(struct lark_sched *s, void *buf, const struct lark_reduction *red)
{
    struct lark_comm *comm = s->comm;
    if (comm->size == 1 || red->count == 0)
        return 0;
    struct lark_coll_nodes *nd = lark_coll_nodes_get(s);
    if (nd != NULL && (red->commutes || lark_coll_nodes_in_order(nd)))
        return lark_sched_node_allreduce(s, nd, buf, red);
    struct lark_coll_shm *sh = s->record ? NULL : lark_coll_shm_get(comm, red->bytes);
    if (sh != NULL) {
        lark_stats_coll(LARK_ROW_ALLREDUCE, 0);
        return lark_coll_shm_allreduce(sh, buf, buf, red, comm);
    }
    enum lark_coll_alg alg = lark_coll_forced(LARK_ROW_ALLREDUCE);
    /* The ring needs a commutative op (blocks are combined in ring order)
     * and elements of a fixed size, i.e. a predefined type. */
    bool ring_ok = red->commutes && lark_op_is_predefined(red->op);
    if (alg == LARK_ALG_2 && !ring_ok)
        alg = LARK_ALG_1;
    if (alg == LARK_ALG_AUTO)
        alg = ring_ok && red->bytes >= lark_coll_limit(LARK_LIM_ALLREDUCE_RING) &&
                      red->count >= (size_t)comm->size
                  ? LARK_ALG_2
                  : LARK_ALG_1;
    lark_stats_coll(LARK_ROW_ALLREDUCE, alg);
    switch (alg) {
    case LARK_ALG_2:
        return allreduce_ring(s, buf, red);
    case LARK_ALG_3:
        return allreduce_reduce_bcast(s, buf, red);
    default:
        return allreduce_recursive_doubling(s, buf, red);
    }
}

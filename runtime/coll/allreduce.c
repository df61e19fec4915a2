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
#include "op.h"

#define ALLREDUCE_RING_MIN (16 * 1024)

static int allreduce_recursive_doubling(void *buf, const struct lark_reduction *red,
                                        struct lark_comm *comm)
{
    int n = comm->size, r = comm->rank, rc = 0;
    size_t bytes = red->bytes;
    char *tmp = lark_coll_scratch_get(comm, 0, bytes);
    if (tmp == NULL)
        return LARK_ERR_NOMEM;

    int pof2 = 1;
    while (pof2 * 2 <= n)
        pof2 *= 2;
    int rem = n - pof2, newrank;

    if (r < 2 * rem) {
        if (r % 2 == 0) {
            rc = lark_coll_send(buf, bytes, r + 1, LARK_TAG_ALLREDUCE, comm);
            newrank = -1;
        } else {
            rc = lark_coll_recv(tmp, bytes, r - 1, LARK_TAG_ALLREDUCE, comm);
            if (rc == 0)
                lark_op_apply(red->op, tmp, buf, red->count, red->type); /* buf = left op buf */
            newrank = r / 2;
        }
    } else {
        newrank = r - rem;
    }

    if (rc == 0 && newrank != -1) {
        for (int mask = 1; mask < pof2; mask <<= 1) {
            int np = newrank ^ mask;
            int partner = np < rem ? np * 2 + 1 : np + rem;
            rc = lark_coll_sendrecv(buf, bytes, partner, tmp, bytes, partner, LARK_TAG_ALLREDUCE,
                                    comm);
            if (rc != 0)
                break;
            if (np < newrank) {
                lark_op_apply(red->op, tmp, buf, red->count, red->type);
            } else {
                lark_op_apply(red->op, buf, tmp, red->count, red->type);
                memcpy(buf, tmp, bytes);
            }
        }
    }

    if (rc == 0 && r < 2 * rem) {
        if (r % 2 == 0)
            rc = lark_coll_recv(buf, bytes, r + 1, LARK_TAG_ALLREDUCE, comm);
        else
            rc = lark_coll_send(buf, bytes, r - 1, LARK_TAG_ALLREDUCE, comm);
    }
    lark_coll_scratch_put(comm, 0, tmp);
    return rc;
}

/* Element range of block i when `count` elements are cut into n blocks. */
static void block(size_t count, int n, int i, size_t *first, size_t *len)
{
    size_t base = count / (size_t)n, extra = count % (size_t)n, ui = (size_t)i;
    *first = ui * base + (ui < extra ? ui : extra);
    *len = base + (ui < extra ? 1 : 0);
}

static int allreduce_ring(void *buf, const struct lark_reduction *red, struct lark_comm *comm)
{
    int n = comm->size, r = comm->rank, rc = 0;
    size_t esize = red->bytes / red->count;
    char *p = buf;
    int right = (r + 1) % n, left = (r - 1 + n) % n;
    size_t first, len, rfirst, rlen;

    block(red->count, n, 0, &first, &len); /* block 0 is the largest */
    char *tmp = lark_coll_scratch_get(comm, 0, len * esize);
    if (tmp == NULL)
        return LARK_ERR_NOMEM;

    for (int s = 0; s < n - 1 && rc == 0; s++) {
        block(red->count, n, (r - s + n) % n, &first, &len);
        block(red->count, n, (r - s - 1 + n) % n, &rfirst, &rlen);
        rc = lark_coll_sendrecv(p + first * esize, len * esize, right, tmp, rlen * esize, left,
                                LARK_TAG_ALLREDUCE, comm);
        if (rc == 0)
            lark_op_apply(red->op, tmp, p + rfirst * esize, rlen, red->type);
    }
    for (int s = 0; s < n - 1 && rc == 0; s++) {
        block(red->count, n, (r + 1 - s + n) % n, &first, &len);
        block(red->count, n, (r - s + n) % n, &rfirst, &rlen);
        rc = lark_coll_sendrecv(p + first * esize, len * esize, right, p + rfirst * esize,
                                rlen * esize, left, LARK_TAG_ALLREDUCE, comm);
    }
    lark_coll_scratch_put(comm, 0, tmp);
    return rc;
}

static int allreduce_reduce_bcast(void *buf, const struct lark_reduction *red,
                                  struct lark_comm *comm)
{
    char *tmp = lark_coll_alloc(red->bytes);
    if (tmp == NULL)
        return LARK_ERR_NOMEM;
    memcpy(tmp, buf, red->bytes);
    int rc = lark_coll_reduce(tmp, buf, red, 0, comm);
    free(tmp);
    return rc != 0 ? rc : lark_coll_bcast(buf, red->bytes, 0, comm);
}

int lark_coll_allreduce(void *buf, const struct lark_reduction *red, struct lark_comm *comm)
{
    if (comm->size == 1 || red->count == 0)
        return 0;
    enum lark_coll_alg alg = lark_coll_forced("LARK_COLL_ALLREDUCE");
    /* The ring needs a commutative op (blocks are combined in ring order)
     * and elements of a fixed size, i.e. a predefined type. */
    bool ring_ok = red->commutes && lark_op_is_predefined(red->op);
    if (alg == LARK_ALG_2 && !ring_ok)
        alg = LARK_ALG_1;
    if (alg == LARK_ALG_AUTO)
        alg = ring_ok && red->bytes >= ALLREDUCE_RING_MIN && red->count >= (size_t)comm->size
                  ? LARK_ALG_2
                  : LARK_ALG_1;
    switch (alg) {
    case LARK_ALG_2:
        return allreduce_ring(buf, red, comm);
    case LARK_ALG_3:
        return allreduce_reduce_bcast(buf, red, comm);
    default:
        return allreduce_recursive_doubling(buf, red, comm);
    }
}

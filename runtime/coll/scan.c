/*
 * scan.c -- MPI_Scan and MPI_Exscan by recursive doubling.
 *
 * In round k a rank exchanges its partial (the combination of a block of
 * 2^k ranks ending with itself... or starting, for the upper partner) with
 * rank ^ 2^k.  What arrives from a lower rank is folded into both the
 * running partial and the result; what arrives from a higher rank only
 * into the partial, on the right, so non-commutative ops stay in rank order.
 */
#include <stdlib.h>
#include <string.h>

#include "coll.h"
#include "sched.h"

int lark_sched_scan(struct lark_sched *s, const void *sbuf, void *buf,
                    const struct lark_reduction *red, int exclusive)
{
    int n = s->comm->size, r = s->comm->rank, rc = 0;
    size_t bytes = red->bytes;
    char *partial = lark_sched_tmp(s, -1, bytes), *tmp = lark_sched_tmp(s, -1, bytes);
    if (partial == NULL || tmp == NULL) {
        lark_sched_tmp_put(s, -1, partial);
        lark_sched_tmp_put(s, -1, tmp);
        return LARK_ERR_NOMEM;
    }
    rc = lark_sched_copy(s, partial, sbuf, bytes);
    /* Exscan: buf is written only once a lower rank's partial arrives, so
     * rank 0's buffer is never touched (it may be NULL or read-only). */
    bool have_result = !exclusive;
    if (rc == 0 && !exclusive)
        rc = lark_sched_copy(s, buf, sbuf, bytes);

    for (int mask = 1; mask < n && rc == 0; mask <<= 1) {
        int peer = r ^ mask;
        if (peer >= n)
            continue;
        rc = lark_sched_sendrecv(s, partial, bytes, peer, tmp, bytes, peer, LARK_TAG_SCAN);
        if (rc != 0)
            break;
        if (peer < r) {
            /* tmp covers ranks below ours: result = tmp op result. */
            if (have_result) {
                rc = lark_sched_combine(s, red->op, tmp, buf, red->count, red->type);
            } else {
                rc = lark_sched_copy(s, buf, tmp, bytes);
                have_result = true;
            }
            if (rc == 0)
                rc = lark_sched_combine(s, red->op, tmp, partial, red->count, red->type);
        } else {
            /* tmp covers ranks above: partial = partial op tmp. */
            rc = lark_sched_combine(s, red->op, partial, tmp, red->count, red->type);
            if (rc == 0)
                rc = lark_sched_copy(s, partial, tmp, bytes);
        }
    }
    lark_sched_tmp_put(s, -1, partial);
    lark_sched_tmp_put(s, -1, tmp);
    return rc;
}

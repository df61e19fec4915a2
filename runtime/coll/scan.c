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
#include "op.h"

int lark_coll_scan(const void *sbuf, void *buf, const struct lark_reduction *red, int exclusive,
                   struct lark_comm *comm)
{
    int n = comm->size, r = comm->rank, rc = 0;
    size_t bytes = red->bytes;
    char *partial = lark_coll_alloc(bytes), *tmp = lark_coll_alloc(bytes);
    if (partial == NULL || tmp == NULL) {
        free(partial);
        free(tmp);
        return LARK_ERR_NOMEM;
    }
    memcpy(partial, sbuf, bytes);
    /* Exscan: buf is written only once a lower rank's partial arrives, so
     * rank 0's buffer is never touched (it may be NULL or read-only). */
    bool have_result = !exclusive;
    if (!exclusive && sbuf != buf)
        memcpy(buf, sbuf, bytes);

    for (int mask = 1; mask < n && rc == 0; mask <<= 1) {
        int peer = r ^ mask;
        if (peer >= n)
            continue;
        rc = lark_coll_sendrecv(partial, bytes, peer, tmp, bytes, peer, LARK_TAG_SCAN, comm);
        if (rc != 0)
            break;
        if (peer < r) {
            /* tmp covers ranks below ours: result = tmp op result. */
            if (have_result) {
                lark_op_apply(red->op, tmp, buf, red->count, red->type);
            } else {
                memcpy(buf, tmp, bytes);
                have_result = true;
            }
            lark_op_apply(red->op, tmp, partial, red->count, red->type);
        } else {
            /* tmp covers ranks above: partial = partial op tmp. */
            lark_op_apply(red->op, partial, tmp, red->count, red->type);
            memcpy(partial, tmp, bytes);
        }
    }
    free(partial);
    free(tmp);
    return rc;
}

/*
 * barrier.c -- MPI_Barrier by dissemination: ceil(log2 n) rounds; in round
 * k each rank signals rank + 2^k and waits for rank - 2^k.  Works for any n.
 */
#include "coll.h"

int lark_coll_barrier(struct lark_comm *comm)
{
    int n = comm->size, r = comm->rank;
    char token = 0, sink;
    for (int k = 1; k < n; k <<= 1) {
        int rc = lark_coll_sendrecv(&token, 0, (r + k) % n, &sink, 0, (r - k + n) % n,
                                    LARK_TAG_BARRIER, comm);
        if (rc != 0)
            return rc;
    }
    return 0;
}

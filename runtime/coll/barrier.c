/*
 * barrier.c -- MPI_Barrier by dissemination: ceil(log2 n) rounds; in round
 * k each rank signals rank + 2^k and waits for rank - 2^k.  Works for any n.
 * A blocking barrier on an all-local communicator meets in shared memory
 * instead (shm.c); one spanning nodes goes node-aware (node.c).
 */
#include "coll.h"
#include "sched.h"

int lark_sched_barrier(struct lark_sched *s)
{
    static char token, sink; /* zero bytes move: never read or written */
    int n = s->comm->size, r = s->comm->rank;
    struct lark_coll_nodes *nd = lark_coll_nodes_get(s);
    if (nd != NULL)
        return lark_sched_node_barrier(s, nd);
    struct lark_coll_shm *sh = s->record ? NULL : lark_coll_shm_get(s->comm, 0);
    if (sh != NULL)
        return lark_coll_shm_barrier(sh, s->comm);
    for (int k = 1; k < n; k <<= 1) {
        int rc = lark_sched_sendrecv(s, &token, 0, (r + k) % n, &sink, 0, (r - k + n) % n,
                                     LARK_TAG_BARRIER);
        if (rc != 0)
            return rc;
    }
    return 0;
}

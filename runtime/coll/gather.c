/*
 * gather.c -- MPI_Gather and MPI_Scatter by binomial trees, MPI_Gatherv and
 * MPI_Scatterv by direct exchange with the root (the counts differ per rank
 * and only the root knows them all, so a tree would need them sent first).
 *
 * In the trees, a rank holds the blocks of its whole subtree contiguously
 * in relative-rank order (relative rank = rank - root mod n); the root
 * rotates them into rank order at the end (gather) or beginning (scatter).
 */
#include <stdlib.h>
#include <string.h>

#include "coll.h"
#include "sched.h"

int lark_sched_gather(struct lark_sched *s, const void *sbuf, void *rbuf, size_t bytes, int root)
{
    int n = s->comm->size, vr = (s->comm->rank - root + n) % n, rc = 0;
    char *tmp;
    bool own_tmp = !(vr == 0 && root == 0);

    if (own_tmp) {
        /* At most the whole communicator's blocks pass through one rank. */
        tmp = lark_sched_tmp(s, -1, (size_t)n * bytes);
        if (tmp == NULL)
            return LARK_ERR_NOMEM;
    } else {
        tmp = rbuf;
    }
    rc = lark_sched_copy(s, tmp, sbuf, bytes);
    size_t have = 1; /* blocks held, starting with our own */
    for (int mask = 1; mask < n && rc == 0; mask <<= 1) {
        if (vr & mask) {
            rc = lark_sched_send(s, tmp, have * bytes, (vr - mask + root) % n, LARK_TAG_GATHER);
            break;
        }
        int child = vr + mask;
        if (child < n) {
            size_t cc = (size_t)(mask < n - child ? mask : n - child);
            rc = lark_sched_recv(s, tmp + (size_t)mask * bytes, cc * bytes, (child + root) % n,
                                 LARK_TAG_GATHER);
            have += cc;
        }
    }
    if (rc == 0 && vr == 0 && own_tmp) {
        char *out = rbuf;
        for (int i = 0; i < n && rc == 0; i++)
            rc = lark_sched_copy(s, out + (size_t)((i + root) % n) * bytes, tmp + (size_t)i * bytes,
                                 bytes);
    }
    if (own_tmp)
        lark_sched_tmp_put(s, -1, tmp);
    return rc;
}

int lark_sched_scatter(struct lark_sched *s, const void *sbuf, void *rbuf, size_t bytes, int root)
{
    int n = s->comm->size, vr = (s->comm->rank - root + n) % n, rc = 0, top;
    char *tmp = lark_sched_tmp(s, -1, (size_t)n * bytes);
    if (tmp == NULL)
        return LARK_ERR_NOMEM;

    if (vr == 0) {
        const char *in = sbuf;
        for (int i = 0; i < n && rc == 0; i++)
            rc = lark_sched_copy(s, tmp + (size_t)i * bytes, in + (size_t)((i + root) % n) * bytes,
                                 bytes);
        top = 1;
        while (top * 2 < n)
            top *= 2;
        if (n == 1)
            top = 0;
    } else {
        int mask = vr & -vr; /* lowest set bit: my parent is vr - mask */
        size_t cnt = (size_t)(mask < n - vr ? mask : n - vr);
        rc = lark_sched_recv(s, tmp, cnt * bytes, (vr - mask + root) % n, LARK_TAG_SCATTER);
        top = mask >> 1;
    }
    for (int m = top; m > 0 && rc == 0; m >>= 1) {
        int child = vr + m;
        if (child < n) {
            size_t cc = (size_t)(m < n - child ? m : n - child);
            rc = lark_sched_send(s, tmp + (size_t)m * bytes, cc * bytes, (child + root) % n,
                                 LARK_TAG_SCATTER);
        }
    }
    if (rc == 0 && rbuf != MPI_IN_PLACE)
        rc = lark_sched_copy(s, rbuf, tmp, bytes);
    lark_sched_tmp_put(s, -1, tmp);
    return rc;
}

/* Post one receive (or send) per rank from (to) the root, then wait. */
static int root_exchange(struct lark_sched *s, bool gather, void *buf, const size_t *counts,
                         const size_t *displs, void *own, size_t own_bytes, int root, int tag)
{
    int n = s->comm->size, rc = 0;
    if (s->comm->rank != root)
        return gather ? lark_sched_send(s, own, own_bytes, root, tag)
                      : lark_sched_recv(s, own, own_bytes, root, tag);
    char *p = buf;
    for (int i = 0; i < n && rc == 0; i++) {
        if (i == root)
            continue;
        rc = gather ? lark_sched_irecv(s, p + displs[i], counts[i], i, tag)
                    : lark_sched_isend(s, p + displs[i], counts[i], i, tag);
    }
    int wrc = lark_sched_wait(s);
    return rc != 0 ? rc : wrc;
}

int lark_sched_gatherv(struct lark_sched *s, const void *sbuf, size_t sbytes, void *rbuf,
                       const size_t *rcounts, const size_t *rdispls, int root)
{
    int rc = 0;
    if (s->comm->rank == root && sbuf != MPI_IN_PLACE)
        rc = lark_sched_copy(s, (char *)rbuf + rdispls[root], sbuf,
                             rcounts[root] < sbytes ? rcounts[root] : sbytes);
    return rc != 0 ? rc
                   : root_exchange(s, true, rbuf, rcounts, rdispls, (void *)sbuf, sbytes, root,
                                   LARK_TAG_GATHER);
}

int lark_sched_scatterv(struct lark_sched *s, const void *sbuf, const size_t *scounts,
                        const size_t *sdispls, void *rbuf, size_t rbytes, int root)
{
    int rc = 0;
    if (s->comm->rank == root && rbuf != MPI_IN_PLACE)
        rc = lark_sched_copy(s, rbuf, (const char *)sbuf + sdispls[root],
                             scounts[root] < rbytes ? scounts[root] : rbytes);
    return rc != 0 ? rc
                   : root_exchange(s, false, (void *)sbuf, scounts, sdispls, rbuf, rbytes, root,
                                   LARK_TAG_SCATTER);
}

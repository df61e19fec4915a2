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
#include "datatype.h"
#include "p2p.h"
#include "request.h"
#include "runtime.h"

int lark_coll_gather(const void *sbuf, void *rbuf, size_t bytes, int root, struct lark_comm *comm)
{
    int n = comm->size, vr = (comm->rank - root + n) % n, rc = 0;
    char *tmp;
    bool own_tmp = !(vr == 0 && root == 0);

    if (own_tmp) {
        /* At most the whole communicator's blocks pass through one rank. */
        tmp = lark_coll_alloc((size_t)n * bytes);
        if (tmp == NULL)
            return LARK_ERR_NOMEM;
    } else {
        tmp = rbuf;
    }
    if (sbuf != tmp)
        memcpy(tmp, sbuf, bytes);
    size_t have = 1; /* blocks held, starting with our own */
    for (int mask = 1; mask < n; mask <<= 1) {
        if (vr & mask) {
            rc = lark_coll_send(tmp, have * bytes, (vr - mask + root) % n, LARK_TAG_GATHER, comm);
            break;
        }
        int child = vr + mask;
        if (child < n) {
            size_t cc = (size_t)(mask < n - child ? mask : n - child);
            rc = lark_coll_recv(tmp + (size_t)mask * bytes, cc * bytes, (child + root) % n,
                                LARK_TAG_GATHER, comm);
            if (rc != 0)
                break;
            have += cc;
        }
    }
    if (rc == 0 && vr == 0 && own_tmp) {
        char *out = rbuf;
        for (int i = 0; i < n; i++)
            memcpy(out + (size_t)((i + root) % n) * bytes, tmp + (size_t)i * bytes, bytes);
    }
    if (own_tmp)
        free(tmp);
    return rc;
}

int lark_coll_scatter(const void *sbuf, void *rbuf, size_t bytes, int root, struct lark_comm *comm)
{
    int n = comm->size, vr = (comm->rank - root + n) % n, rc = 0, top;
    char *tmp = lark_coll_alloc((size_t)n * bytes);
    if (tmp == NULL)
        return LARK_ERR_NOMEM;

    if (vr == 0) {
        const char *in = sbuf;
        for (int i = 0; i < n; i++)
            memcpy(tmp + (size_t)i * bytes, in + (size_t)((i + root) % n) * bytes, bytes);
        top = 1;
        while (top * 2 < n)
            top *= 2;
        if (n == 1)
            top = 0;
    } else {
        int mask = vr & -vr; /* lowest set bit: my parent is vr - mask */
        size_t cnt = (size_t)(mask < n - vr ? mask : n - vr);
        rc = lark_coll_recv(tmp, cnt * bytes, (vr - mask + root) % n, LARK_TAG_SCATTER, comm);
        top = mask >> 1;
    }
    for (int m = top; m > 0 && rc == 0; m >>= 1) {
        int child = vr + m;
        if (child < n) {
            size_t cc = (size_t)(m < n - child ? m : n - child);
            rc = lark_coll_send(tmp + (size_t)m * bytes, cc * bytes, (child + root) % n,
                                LARK_TAG_SCATTER, comm);
        }
    }
    if (rc == 0 && rbuf != MPI_IN_PLACE)
        memcpy(rbuf, tmp, bytes);
    free(tmp);
    return rc;
}

/* Post one receive (or send) per rank from (to) the root, wait for all. */
static int root_exchange(bool gather, void *buf, const size_t *counts, const size_t *displs,
                         void *own, size_t own_bytes, int root, int tag, struct lark_comm *comm)
{
    int n = comm->size, rc = 0;
    struct lark_datatype *byte = lark_datatype_from_handle(MPI_BYTE);
    if (comm->rank != root) {
        return gather ? lark_coll_send(own, own_bytes, root, tag, comm)
                      : lark_coll_recv(own, own_bytes, root, tag, comm);
    }
    struct lark_request **reqs = calloc((size_t)n, sizeof *reqs);
    if (reqs == NULL)
        return LARK_ERR_NOMEM;
    char *p = buf;
    lark_lock();
    for (int i = 0; i < n && rc == 0; i++) {
        if (i == root)
            continue;
        rc = gather ? lark_p2p_irecv(p + displs[i], counts[i], byte, i, tag, comm, LARK_CTX_COLL,
                                     &reqs[i])
                    : lark_p2p_isend(p + displs[i], counts[i], byte, i, tag, comm, LARK_CTX_COLL,
                                     LARK_SEND_STANDARD, &reqs[i]);
    }
    lark_unlock();
    int wrc = lark_request_waitall(n, reqs, MPI_STATUSES_IGNORE);
    free(reqs);
    return rc != 0 ? rc : wrc;
}

int lark_coll_gatherv(const void *sbuf, size_t sbytes, void *rbuf, const size_t *rcounts,
                      const size_t *rdispls, int root, struct lark_comm *comm)
{
    if (comm->rank == root && sbuf != MPI_IN_PLACE)
        memcpy((char *)rbuf + rdispls[root], sbuf, rcounts[root] < sbytes ? rcounts[root] : sbytes);
    return root_exchange(true, rbuf, rcounts, rdispls, (void *)sbuf, sbytes, root, LARK_TAG_GATHER,
                         comm);
}

int lark_coll_scatterv(const void *sbuf, const size_t *scounts, const size_t *sdispls, void *rbuf,
                       size_t rbytes, int root, struct lark_comm *comm)
{
    if (comm->rank == root && rbuf != MPI_IN_PLACE)
        memcpy(rbuf, (const char *)sbuf + sdispls[root],
               scounts[root] < rbytes ? scounts[root] : rbytes);
    return root_exchange(false, (void *)sbuf, scounts, sdispls, rbuf, rbytes, root,
                         LARK_TAG_SCATTER, comm);
}

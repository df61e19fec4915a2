/*
 * allgather.c -- MPI_Allgather(v) and MPI_Alltoall(v).
 *
 * Allgather: Bruck's algorithm for small blocks (ceil(log2 n) rounds, any
 * n), a ring for large ones (n-1 rounds, each link carries every block
 * once).  Allgatherv: the ring.  Alltoall(v): pairwise exchange, n-1 rounds
 * in which rank r sends to r+s and receives from r-s.
 */
#include <stdlib.h>
#include <string.h>

#include "coll.h"

#define ALLGATHER_RING_MIN (64 * 1024)

static int allgather_ring(void *rbuf, const size_t *counts, const size_t *displs,
                          struct lark_comm *comm)
{
    int n = comm->size, r = comm->rank, rc = 0;
    char *p = rbuf;
    for (int s = 0; s < n - 1 && rc == 0; s++) {
        int sb = (r - s + n) % n, rb = (r - s - 1 + n) % n;
        rc = lark_coll_sendrecv(p + displs[sb], counts[sb], (r + 1) % n, p + displs[rb], counts[rb],
                                (r - 1 + n) % n, LARK_TAG_ALLGATHER, comm);
    }
    return rc;
}

static int allgather_bruck(void *rbuf, size_t bytes, struct lark_comm *comm)
{
    int n = comm->size, r = comm->rank, rc = 0;
    char *out = rbuf;
    char *tmp = lark_coll_alloc((size_t)n * bytes);
    if (tmp == NULL)
        return LARK_ERR_NOMEM;
    /* tmp[i] will hold the block of rank (r + i) mod n. */
    memcpy(tmp, out + (size_t)r * bytes, bytes);
    for (int k = 1; k < n && rc == 0; k <<= 1) {
        size_t cnt = (size_t)(k < n - k ? k : n - k);
        rc = lark_coll_sendrecv(tmp, cnt * bytes, (r - k + n) % n, tmp + (size_t)k * bytes,
                                cnt * bytes, (r + k) % n, LARK_TAG_ALLGATHER, comm);
    }
    if (rc == 0)
        for (int i = 0; i < n; i++)
            memcpy(out + (size_t)((r + i) % n) * bytes, tmp + (size_t)i * bytes, bytes);
    free(tmp);
    return rc;
}

int lark_coll_allgather(void *rbuf, size_t bytes, struct lark_comm *comm)
{
    int n = comm->size;
    if (n == 1 || bytes == 0)
        return 0;
    enum lark_coll_alg alg = lark_coll_forced("LARK_COLL_ALLGATHER");
    if (alg == LARK_ALG_AUTO)
        alg = bytes * (size_t)n >= ALLGATHER_RING_MIN ? LARK_ALG_2 : LARK_ALG_1;
    if (alg == LARK_ALG_1)
        return allgather_bruck(rbuf, bytes, comm);
    size_t *cd = malloc(2 * (size_t)n * sizeof *cd);
    if (cd == NULL)
        return LARK_ERR_NOMEM;
    for (int i = 0; i < n; i++) {
        cd[i] = bytes;
        cd[n + i] = (size_t)i * bytes;
    }
    int rc = allgather_ring(rbuf, cd, cd + n, comm);
    free(cd);
    return rc;
}

int lark_coll_allgatherv(void *rbuf, const size_t *counts, const size_t *displs,
                         struct lark_comm *comm)
{
    return comm->size == 1 ? 0 : allgather_ring(rbuf, counts, displs, comm);
}

int lark_coll_alltoallv(const void *sbuf, const size_t *scounts, const size_t *sdispls, void *rbuf,
                        const size_t *rcounts, const size_t *rdispls, struct lark_comm *comm)
{
    int n = comm->size, r = comm->rank, rc = 0;
    const char *in = sbuf;
    char *out = rbuf;
    memcpy(out + rdispls[r], in + sdispls[r], scounts[r] < rcounts[r] ? scounts[r] : rcounts[r]);
    for (int s = 1; s < n && rc == 0; s++) {
        int dst = (r + s) % n, src = (r - s + n) % n;
        rc = lark_coll_sendrecv(in + sdispls[dst], scounts[dst], dst, out + rdispls[src],
                                rcounts[src], src, LARK_TAG_ALLTOALL, comm);
    }
    return rc;
}

/*
 * allgather.c -- MPI_Allgather(v) and MPI_Alltoall(v).
 *
 * Allgather: Bruck's algorithm for small blocks (ceil(log2 n) rounds, any
 * n), a ring for large ones (n-1 rounds, each link carries every block
 * once); node-aware (node.c) where Bruck would run and the ranks span
 * nodes.  Allgatherv: the ring.
 *
 * Alltoall(v): small blocks all at once ("linear": every receive posted,
 * then every send, one wait), larger ones by pairwise exchange (n-1 rounds
 * in which rank r sends to r+k and receives from r-k).  With ranks
 * outnumbering cores each pairwise round waits for its partner to be
 * scheduled (7 rounds of context switches at 8 ranks on 2 cores: 445 us
 * for 64 B against Open MPI's 161, which posts all at once); posted at
 * once, a rank that gets the core sends everything and takes whatever has
 * arrived.  Both send exactly one message to every peer with the same
 * tag, so each rank may choose by its own largest block (alltoallv's
 * counts differ per rank) and the two still match.
 *
 * Small blocking allgathers and alltoalls (not alltoallv: its ranks could
 * not agree on the choice) on an all-local communicator go through its
 * shared-memory segment (shm.c): each rank posts its blocks and copies
 * out what is meant for it.
 */
#include <stdlib.h>
#include <string.h>

#include "coll.h"
#include "sched.h"

static int allgather_ring(struct lark_sched *s, void *rbuf, const size_t *counts,
                          const size_t *displs)
{
    int n = s->comm->size, r = s->comm->rank, rc = 0;
    char *p = rbuf;
    for (int k = 0; k < n - 1 && rc == 0; k++) {
        int sb = (r - k + n) % n, rb = (r - k - 1 + n) % n;
        rc = lark_sched_sendrecv(s, p + displs[sb], counts[sb], (r + 1) % n, p + displs[rb],
                                 counts[rb], (r - 1 + n) % n, LARK_TAG_ALLGATHER);
    }
    return rc;
}

static int allgather_bruck(struct lark_sched *s, void *rbuf, size_t bytes)
{
    int n = s->comm->size, r = s->comm->rank, rc = 0;
    char *out = rbuf;
    char *tmp = lark_sched_tmp(s, -1, (size_t)n * bytes);
    if (tmp == NULL)
        return LARK_ERR_NOMEM;
    /* tmp[i] will hold the block of rank (r + i) mod n. */
    rc = lark_sched_copy(s, tmp, out + (size_t)r * bytes, bytes);
    for (int k = 1; k < n && rc == 0; k <<= 1) {
        size_t cnt = (size_t)(k < n - k ? k : n - k);
        rc = lark_sched_sendrecv(s, tmp, cnt * bytes, (r - k + n) % n, tmp + (size_t)k * bytes,
                                 cnt * bytes, (r + k) % n, LARK_TAG_ALLGATHER);
    }
    for (int i = 1; i < n && rc == 0; i++)
        rc =
            lark_sched_copy(s, out + (size_t)((r + i) % n) * bytes, tmp + (size_t)i * bytes, bytes);
    lark_sched_tmp_put(s, -1, tmp);
    return rc;
}

int lark_sched_allgather(struct lark_sched *s, void *rbuf, size_t bytes)
{
    int n = s->comm->size;
    if (n == 1 || bytes == 0)
        return 0;
    bool ring = bytes * (size_t)n >= lark_coll_limit(LARK_LIM_ALLGATHER_RING);
    /* Node-aware where the flat choice is Bruck (node.c says why). */
    struct lark_coll_nodes *nd = ring ? NULL : lark_coll_nodes_get(s);
    if (nd != NULL)
        return lark_sched_node_allgather(s, nd, rbuf, bytes);
    struct lark_coll_shm *sh = s->record ? NULL : lark_coll_shm_get(s->comm, bytes);
    if (sh != NULL) {
        lark_stats_coll(LARK_ROW_ALLGATHER, 0);
        return lark_coll_shm_allgather(sh, rbuf, bytes, s->comm);
    }
    enum lark_coll_alg alg = lark_coll_forced(LARK_ROW_ALLGATHER);
    if (alg == LARK_ALG_AUTO)
        alg = ring ? LARK_ALG_2 : LARK_ALG_1;
    lark_stats_coll(LARK_ROW_ALLGATHER, alg);
    if (alg == LARK_ALG_1)
        return allgather_bruck(s, rbuf, bytes);
    size_t *cd = malloc(2 * (size_t)n * sizeof *cd);
    if (cd == NULL)
        return LARK_ERR_NOMEM;
    for (int i = 0; i < n; i++) {
        cd[i] = bytes;
        cd[n + i] = (size_t)i * bytes;
    }
    int rc = allgather_ring(s, rbuf, cd, cd + n);
    free(cd);
    return rc;
}

int lark_sched_allgatherv(struct lark_sched *s, void *rbuf, const size_t *counts,
                          const size_t *displs)
{
    return s->comm->size == 1 ? 0 : allgather_ring(s, rbuf, counts, displs);
}

/* Every receive, then every send (peers in the pairwise order, so the
 * first messages out are the ones the first-scheduled peers wait for),
 * then one wait. */
static int alltoall_linear(struct lark_sched *s, const char *in, const size_t *scounts,
                           const size_t *sdispls, char *out, const size_t *rcounts,
                           const size_t *rdispls)
{
    int n = s->comm->size, r = s->comm->rank, rc = 0;
    for (int k = 1; k < n && rc == 0; k++) {
        int src = (r - k + n) % n;
        rc = lark_sched_irecv(s, out + rdispls[src], rcounts[src], src, LARK_TAG_ALLTOALL);
    }
    for (int k = 1; k < n && rc == 0; k++) {
        int dst = (r + k) % n;
        rc = lark_sched_isend(s, in + sdispls[dst], scounts[dst], dst, LARK_TAG_ALLTOALL);
    }
    int wrc = lark_sched_wait(s);
    return rc != 0 ? rc : wrc;
}

struct lark_coll_shm *lark_sched_alltoall_shm(struct lark_sched *s, size_t bytes)
{
    size_t all = (size_t)s->comm->size * bytes;
    if (s->record || s->comm->size == 1 || bytes == 0 || all > LARK_SHM_POST)
        return NULL;
    return lark_coll_shm_get(s->comm, 0);
}

int lark_sched_alltoallv(struct lark_sched *s, const void *sbuf, const size_t *scounts,
                         const size_t *sdispls, void *rbuf, const size_t *rcounts,
                         const size_t *rdispls)
{
    int n = s->comm->size, r = s->comm->rank;
    const char *in = sbuf;
    char *out = rbuf;
    int rc = lark_sched_copy(s, out + rdispls[r], in + sdispls[r],
                             scounts[r] < rcounts[r] ? scounts[r] : rcounts[r]);
    if (n == 1 || rc != 0)
        return rc;
    enum lark_coll_alg alg = lark_coll_forced(LARK_ROW_ALLTOALL);
    if (alg == LARK_ALG_AUTO) {
        size_t most = 0;
        for (int i = 0; i < n; i++)
            if (i != r && scounts[i] > most)
                most = scounts[i];
        alg = most < lark_coll_limit(LARK_LIM_ALLTOALL_PAIRWISE) ? LARK_ALG_2 : LARK_ALG_1;
    }
    lark_stats_coll(LARK_ROW_ALLTOALL, alg);
    if (alg == LARK_ALG_2)
        return alltoall_linear(s, in, scounts, sdispls, out, rcounts, rdispls);
    for (int k = 1; k < n && rc == 0; k++) {
        int dst = (r + k) % n, src = (r - k + n) % n;
        rc = lark_sched_sendrecv(s, in + sdispls[dst], scounts[dst], dst, out + rdispls[src],
                                 rcounts[src], src, LARK_TAG_ALLTOALL);
    }
    return rc;
}

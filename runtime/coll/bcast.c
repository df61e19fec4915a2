/*
 * bcast.c -- MPI_Bcast.
 *
 * Small messages: a binomial tree rooted at `root` (log2 n rounds, the root's
 * data reaches everyone).  Large messages: van de Geijn's scatter + ring
 * allgather: the root scatters n pieces down the binomial tree, then the
 * ranks pass pieces around a ring, so every link carries ~2x the message
 * instead of log2(n)x.
 */
#include "coll.h"
#include "sched.h"

static int real_rank(int vr, int root, int n)
{
    return (vr + root) % n;
}

static int bcast_binomial(struct lark_sched *s, void *buf, size_t bytes, int root)
{
    int n = s->comm->size, vr = (s->comm->rank - root + n) % n, mask = 1, rc;
    while (mask < n) {
        if (vr & mask) {
            rc = lark_sched_recv(s, buf, bytes, real_rank(vr - mask, root, n), LARK_TAG_BCAST);
            if (rc != 0)
                return rc;
            break;
        }
        mask <<= 1;
    }
    for (mask >>= 1; mask > 0; mask >>= 1) {
        if (vr + mask < n) {
            rc = lark_sched_send(s, buf, bytes, real_rank(vr + mask, root, n), LARK_TAG_BCAST);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

/* Byte range of piece i (relative rank order) of a message cut in n pieces. */
static size_t piece_off(size_t bytes, size_t chunk, int i)
{
    size_t off = (size_t)i * chunk;
    return off < bytes ? off : bytes;
}

static int bcast_scatter_allgather(struct lark_sched *s, void *buf, size_t bytes, int root)
{
    int n = s->comm->size, vr = (s->comm->rank - root + n) % n, mask = 1, rc;
    char *p = buf;
    size_t chunk = (bytes + (size_t)n - 1) / (size_t)n;

    /* Scatter: receive the pieces of my subtree [vr, vr + mask) from my parent. */
    while (mask < n) {
        if (vr & mask) {
            int end = vr + mask < n ? vr + mask : n;
            size_t lo = piece_off(bytes, chunk, vr), hi = piece_off(bytes, chunk, end);
            rc = lark_sched_recv(s, p + lo, hi - lo, real_rank(vr - mask, root, n), LARK_TAG_BCAST);
            if (rc != 0)
                return rc;
            break;
        }
        mask <<= 1;
    }
    for (mask >>= 1; mask > 0; mask >>= 1) {
        int child = vr + mask;
        if (child < n) {
            int end = child + mask < n ? child + mask : n;
            size_t lo = piece_off(bytes, chunk, child), hi = piece_off(bytes, chunk, end);
            rc = lark_sched_send(s, p + lo, hi - lo, real_rank(child, root, n), LARK_TAG_BCAST);
            if (rc != 0)
                return rc;
        }
    }

    /* Ring allgather of the pieces, in relative ranks. */
    int right = real_rank((vr + 1) % n, root, n), left = real_rank((vr - 1 + n) % n, root, n);
    for (int k = 0; k < n - 1; k++) {
        int sp = (vr - k + n) % n, rp = (vr - k - 1 + n) % n;
        size_t slo = piece_off(bytes, chunk, sp), shi = piece_off(bytes, chunk, sp + 1);
        size_t rlo = piece_off(bytes, chunk, rp), rhi = piece_off(bytes, chunk, rp + 1);
        rc = lark_sched_sendrecv(s, p + slo, shi - slo, right, p + rlo, rhi - rlo, left,
                                 LARK_TAG_BCAST);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int lark_sched_bcast(struct lark_sched *s, void *buf, size_t bytes, int root)
{
    struct lark_comm *comm = s->comm;
    if (comm->size == 1 || bytes == 0)
        return 0;
    struct lark_coll_nodes *nd = lark_coll_nodes_get(s);
    if (nd != NULL)
        return lark_sched_node_bcast(s, nd, buf, bytes, root);
    struct lark_coll_shm *sh = s->record ? NULL : lark_coll_shm_get(comm, bytes);
    if (sh != NULL) {
        lark_stats_coll(LARK_ROW_BCAST, 0);
        return lark_coll_shm_bcast(sh, buf, bytes, root, comm);
    }
    enum lark_coll_alg alg = lark_coll_forced(LARK_ROW_BCAST);
    if (alg == LARK_ALG_AUTO)
        alg = bytes >= lark_coll_limit(LARK_LIM_BCAST_LONG) && comm->size > 2 ? LARK_ALG_2
                                                                              : LARK_ALG_1;
    lark_stats_coll(LARK_ROW_BCAST, alg);
    return alg == LARK_ALG_2 ? bcast_scatter_allgather(s, buf, bytes, root)
                             : bcast_binomial(s, buf, bytes, root);
}

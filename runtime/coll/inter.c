/*
 * inter.c -- the collectives on intercommunicators (MPI 4.1 section 6.2.2):
 * every process of one group exchanges with the other group.
 *
 * An intercommunicator carries an intracommunicator over its local group
 * (comm->local), and a schedule can switch between the two
 * (lark_sched_over): the algorithms combine an intracommunicator
 * collective of each group with an exchange between the groups' leaders
 * (local rank 0), or with direct messages across:
 *  - barrier: local barrier, the leaders swap a token, local barrier;
 *  - bcast, reduce, gather, scatter (rooted: the root passes MPI_ROOT,
 *    the rest of its group MPI_PROC_NULL and does nothing): the other
 *    group meets at its leader with a local tree (bcast, reduce, gather,
 *    scatter), which exchanges the whole with the root;
 *  - gatherv, scatterv: every process of the other group exchanges its
 *    block with the root directly (only the root knows the counts);
 *  - allgather(v), alltoall(v,w): every process sends its block(s) to
 *    every process of the other group directly (lark_sched_neighbor with
 *    the remote group as neighbours);
 *  - allreduce, reduce_scatter(_block): each group reduces its inputs to
 *    its leader, the leaders swap the results, and each leader hands the
 *    other group's result to its group (local bcast, local scatterv).
 * Costs: the leader exchanges move a group's whole data once; the
 * direct forms post one message per remote process.
 */
#include <stdlib.h>
#include <string.h>

#include "coll.h"
#include "sched.h"

static char token, sink; /* zero bytes move: never read or written */

/* Run the local group's part: switch s to the local intracommunicator. */
static struct lark_comm *local(struct lark_sched *s)
{
    return lark_sched_over(s, s->comm->local);
}

int lark_sched_inter_barrier(struct lark_sched *s)
{
    struct lark_comm *inter = local(s);
    int rc = lark_sched_barrier(s);
    lark_sched_over(s, inter);
    if (rc == 0 && inter->rank == 0)
        rc = lark_sched_sendrecv(s, &token, 0, 0, &sink, 0, 0, LARK_TAG_INTER);
    local(s);
    if (rc == 0)
        rc = lark_sched_barrier(s);
    lark_sched_over(s, inter);
    return rc;
}

int lark_sched_inter_bcast(struct lark_sched *s, void *buf, size_t bytes, int root)
{
    if (root == MPI_PROC_NULL)
        return 0;
    if (root == MPI_ROOT)
        return lark_sched_send(s, buf, bytes, 0, LARK_TAG_INTER);
    struct lark_comm *inter = s->comm;
    int rc = inter->rank == 0 ? lark_sched_recv(s, buf, bytes, root, LARK_TAG_INTER) : 0;
    local(s);
    if (rc == 0)
        rc = lark_sched_bcast(s, buf, bytes, 0);
    lark_sched_over(s, inter);
    return rc;
}

int lark_sched_inter_gather(struct lark_sched *s, const void *sbuf, size_t sbytes, void *rbuf,
                            size_t rbytes, int root)
{
    struct lark_comm *inter = s->comm;
    if (root == MPI_PROC_NULL)
        return 0;
    if (root == MPI_ROOT)
        return lark_sched_recv(s, rbuf, (size_t)lark_comm_peer_size(inter) * rbytes, 0,
                               LARK_TAG_INTER);
    size_t all = (size_t)inter->size * sbytes;
    char *tmp = inter->rank == 0 ? lark_sched_tmp(s, -1, all) : NULL;
    if (inter->rank == 0 && tmp == NULL)
        return LARK_ERR_NOMEM;
    local(s);
    int rc = lark_sched_gather(s, sbuf, tmp, sbytes, 0);
    lark_sched_over(s, inter);
    if (rc == 0 && inter->rank == 0)
        rc = lark_sched_send(s, tmp, all, root, LARK_TAG_INTER);
    lark_sched_tmp_put(s, -1, tmp);
    return rc;
}

int lark_sched_inter_scatter(struct lark_sched *s, const void *sbuf, size_t sbytes, void *rbuf,
                             size_t rbytes, int root)
{
    struct lark_comm *inter = s->comm;
    if (root == MPI_PROC_NULL)
        return 0;
    if (root == MPI_ROOT)
        return lark_sched_send(s, sbuf, (size_t)lark_comm_peer_size(inter) * sbytes, 0,
                               LARK_TAG_INTER);
    size_t all = (size_t)inter->size * rbytes;
    char *tmp = inter->rank == 0 ? lark_sched_tmp(s, -1, all) : NULL;
    if (inter->rank == 0 && tmp == NULL)
        return LARK_ERR_NOMEM;
    int rc = inter->rank == 0 ? lark_sched_recv(s, tmp, all, root, LARK_TAG_INTER) : 0;
    local(s);
    if (rc == 0)
        rc = lark_sched_scatter(s, tmp, rbuf, rbytes, 0);
    lark_sched_over(s, inter);
    lark_sched_tmp_put(s, -1, tmp);
    return rc;
}

/* Gatherv / scatterv: the root posts one message per remote process. */
int lark_sched_inter_gatherv(struct lark_sched *s, bool gather, void *buf, const size_t *counts,
                             const size_t *displs, void *own, size_t own_bytes, int root)
{
    if (root == MPI_PROC_NULL)
        return 0;
    if (root != MPI_ROOT)
        return gather ? lark_sched_send(s, own, own_bytes, root, LARK_TAG_INTER)
                      : lark_sched_recv(s, own, own_bytes, root, LARK_TAG_INTER);
    int n = lark_comm_peer_size(s->comm), rc = 0;
    char *p = buf;
    for (int i = 0; i < n && rc == 0; i++)
        rc = gather ? lark_sched_irecv(s, p + displs[i], counts[i], i, LARK_TAG_INTER)
                    : lark_sched_isend(s, p + displs[i], counts[i], i, LARK_TAG_INTER);
    int wrc = lark_sched_wait(s);
    return rc != 0 ? rc : wrc;
}

int lark_sched_inter_exchange(struct lark_sched *s, const void *sbuf, const size_t *sv, void *rbuf,
                              const size_t *rv)
{
    int n = lark_comm_peer_size(s->comm);
    int *ids = malloc(sizeof(int) * (size_t)n); /* freed below: steps copy the ranks */
    if (ids == NULL)
        return LARK_ERR_NOMEM;
    for (int i = 0; i < n; i++)
        ids[i] = i;
    int rc = lark_sched_neighbor(s, n, ids, n, ids, false, sbuf, sv, rbuf, rv);
    free(ids);
    return rc;
}

int lark_sched_inter_reduce(struct lark_sched *s, const void *sbuf, void *rbuf,
                            const struct lark_reduction *red, int root)
{
    struct lark_comm *inter = s->comm;
    if (root == MPI_PROC_NULL)
        return 0;
    if (root == MPI_ROOT)
        return lark_sched_recv(s, rbuf, red->bytes, 0, LARK_TAG_INTER);
    char *tmp = inter->rank == 0 ? lark_sched_tmp(s, -1, red->bytes) : NULL;
    if (inter->rank == 0 && tmp == NULL)
        return LARK_ERR_NOMEM;
    local(s);
    int rc = lark_sched_reduce(s, sbuf, tmp, red, 0);
    lark_sched_over(s, inter);
    if (rc == 0 && inter->rank == 0)
        rc = lark_sched_send(s, tmp, red->bytes, root, LARK_TAG_INTER);
    lark_sched_tmp_put(s, -1, tmp);
    return rc;
}

/* Each group's inputs reduced at its leader into `mine`, swapped with the
 * other leader's into `theirs` (leaders only; both red->bytes). */
static int reduce_swap(struct lark_sched *s, const void *sbuf, char *mine, char *theirs,
                       const struct lark_reduction *red)
{
    struct lark_comm *inter = local(s);
    int rc = lark_sched_reduce(s, sbuf, mine, red, 0);
    lark_sched_over(s, inter);
    if (rc == 0 && inter->rank == 0)
        rc = lark_sched_sendrecv(s, mine, red->bytes, 0, theirs, red->bytes, 0, LARK_TAG_INTER);
    return rc;
}

int lark_sched_inter_allreduce(struct lark_sched *s, const void *sbuf, void *rbuf,
                               const struct lark_reduction *red)
{
    struct lark_comm *inter = s->comm;
    char *mine = inter->rank == 0 ? lark_sched_tmp(s, -1, red->bytes) : NULL;
    if (inter->rank == 0 && mine == NULL)
        return LARK_ERR_NOMEM;
    int rc = reduce_swap(s, sbuf, mine, rbuf, red);
    local(s);
    if (rc == 0)
        rc = lark_sched_bcast(s, rbuf, red->bytes, 0);
    lark_sched_over(s, inter);
    lark_sched_tmp_put(s, -1, mine);
    return rc;
}

int lark_sched_inter_reduce_scatter(struct lark_sched *s, const void *sbuf, void *rbuf,
                                    const size_t *counts, const struct lark_reduction *red)
{
    struct lark_comm *inter = s->comm;
    int n = inter->size;
    size_t per = red->count ? red->bytes / red->count : 0;
    char *mine = NULL, *theirs = NULL;
    size_t *v = NULL;
    if (inter->rank == 0) {
        mine = lark_sched_tmp(s, -1, red->bytes);
        theirs = lark_sched_tmp(s, -1, red->bytes);
        v = malloc(2 * (size_t)n * sizeof *v); /* freed below: steps copy what they need */
        if (mine == NULL || theirs == NULL || v == NULL) {
            lark_sched_tmp_put(s, -1, mine);
            lark_sched_tmp_put(s, -1, theirs);
            free(v);
            return LARK_ERR_NOMEM;
        }
        size_t at = 0;
        for (int i = 0; i < n; i++) {
            v[i] = counts[i] * per;
            v[n + i] = at;
            at += v[i];
        }
    }
    int rc = reduce_swap(s, sbuf, mine, theirs, red);
    local(s);
    if (rc == 0)
        rc =
            lark_sched_scatterv(s, theirs, v, v ? v + n : NULL, rbuf, counts[inter->rank] * per, 0);
    lark_sched_over(s, inter);
    lark_sched_tmp_put(s, -1, mine);
    lark_sched_tmp_put(s, -1, theirs);
    free(v);
    return rc;
}

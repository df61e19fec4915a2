/*
 * coll_inter.c (api) -- the bodies of the collectives on
 * intercommunicators (MPI 4.1 section 6.2.2), reached from the entry
 * points of coll.c when the communicator has a remote group.
 *
 * What differs from the intracommunicator bodies: a rooted collective's
 * root argument is MPI_ROOT at the root, MPI_PROC_NULL at the other
 * members of the root's group (their buffers are not significant and they
 * do nothing) and the root's rank in the remote group elsewhere; counts
 * and displacement arrays describe the remote group (Reduce_scatter's
 * receive counts the local one); MPI_IN_PLACE is not allowed.  Scan and
 * Exscan are not defined on intercommunicators (MPI_ERR_COMM).  The
 * algorithms are in runtime/coll/inter.c.
 */
#include <stdlib.h>

#include "coll/coll.h"
#include "coll/sched.h"
#include "coll_api.h"
#include "coll_args.h"
#include "comm.h"
#include "datatype.h"
#include "error.h"
#include "where.h"

/* Enter an intercommunicator collective: MPI_IN_PLACE refused. */
static int enter(const struct lark_coll_call *k, MPI_Comm comm, const void *sbuf, const void *rbuf,
                 struct lark_comm **c)
{
    int err = lark_collarg_enter(k, comm, true, c);
    if (err == MPI_SUCCESS && (sbuf == MPI_IN_PLACE || rbuf == MPI_IN_PLACE))
        err = lark_err_raise(*c, k->name, MPI_ERR_BUFFER,
                             "MPI_IN_PLACE is not allowed on an intercommunicator");
    return err;
}

/* A rooted call's root: MPI_ROOT, MPI_PROC_NULL, or a remote rank. */
static int enter_rooted(const struct lark_coll_call *k, MPI_Comm comm, const void *sbuf,
                        const void *rbuf, int root, struct lark_comm **c)
{
    int err = enter(k, comm, sbuf, rbuf, c);
    if (err != MPI_SUCCESS)
        return err;
    int rsize = lark_comm_peer_size(*c);
    if (root != MPI_ROOT && root != MPI_PROC_NULL && (root < 0 || root >= rsize))
        return lark_err_raise(*c, k->name, MPI_ERR_ROOT,
                              "root %d is neither MPI_ROOT, MPI_PROC_NULL nor a rank of the "
                              "remote group (size %d) of this intercommunicator",
                              root, rsize);
    if (k->form == LARK_FORM_BLOCKING && root >= 0)
        lark_where_defer_root(*c, root);
    return MPI_SUCCESS;
}

int lark_coll_inter_barrier(MPI_Comm comm, const struct lark_coll_call *k)
{
    struct lark_comm *c;
    struct lark_sched ds, *s;
    int err = enter(k, comm, NULL, NULL, &c);
    if (err == MPI_SUCCESS)
        err = lark_collarg_begin(c, k, &ds, &s);
    if (err != MPI_SUCCESS)
        return err;
    return lark_collarg_finish(c, k, s, lark_sched_inter_barrier(s));
}

int lark_coll_inter_bcast(void *buf, MPI_Count count, MPI_Datatype type, int root, MPI_Comm comm,
                          const struct lark_coll_call *k)
{
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t bytes = 0;
    int err = enter_rooted(k, comm, buf, NULL, root, &c);
    if (err == MPI_SUCCESS && root != MPI_PROC_NULL)
        err = lark_collarg_check_buf(c, k->name, "the", buf, count, type, &bytes);
    if (err == MPI_SUCCESS)
        err = lark_collarg_begin(c, k, &ds, &s);
    if (err != MPI_SUCCESS)
        return err;
    struct lark_collarg a[1] = {{0}};
    int rc = 0;
    if (root != MPI_PROC_NULL)
        rc = lark_collarg_stage(s, &a[0], buf, count, type, root == MPI_ROOT, root != MPI_ROOT);
    if (rc == 0)
        rc = lark_sched_inter_bcast(s, a[0].p, bytes, root);
    return lark_collarg_complete(c, k, s, rc, a, 1);
}

/* Gather (gather = true) and scatter: the root's buffer holds a block per
 * remote process; the other group's processes one block each. */
int lark_coll_inter_gather(bool gather, const void *sbuf, MPI_Count scount, MPI_Datatype stype,
                           void *rbuf, MPI_Count rcount, MPI_Datatype rtype, int root,
                           MPI_Comm comm, const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t sbytes = 0, rbytes = 0;
    int err = enter_rooted(k, comm, sbuf, rbuf, root, &c);
    if (err != MPI_SUCCESS)
        return err;
    int rsize = lark_comm_peer_size(c);
    bool at_root = root == MPI_ROOT, member = root >= 0;
    /* The root's buffer: the receive one (gather) or the send one. */
    if (at_root && gather)
        err = lark_collarg_check_buf(c, call, "the receive", rbuf, rcount, rtype, &rbytes);
    else if (at_root)
        err = lark_collarg_check_buf(c, call, "the send", sbuf, scount, stype, &sbytes);
    else if (member && gather)
        err = lark_collarg_check_buf(c, call, "the send", sbuf, scount, stype, &sbytes);
    else if (member)
        err = lark_collarg_check_buf(c, call, "the receive", rbuf, rcount, rtype, &rbytes);
    if (err == MPI_SUCCESS)
        err = lark_collarg_begin(c, k, &ds, &s);
    if (err != MPI_SUCCESS)
        return err;
    struct lark_collarg a[2] = {{0}};
    int rc = 0;
    if (at_root && gather)
        rc = lark_collarg_stage(s, &a[1], rbuf, rcount * rsize, rtype, false, true);
    else if (at_root)
        rc = lark_collarg_stage(s, &a[0], sbuf, scount * rsize, stype, true, false);
    else if (member && gather)
        rc = lark_collarg_stage(s, &a[0], sbuf, scount, stype, true, false);
    else if (member)
        rc = lark_collarg_stage(s, &a[1], rbuf, rcount, rtype, false, true);
    if (rc == 0 && gather)
        rc = lark_sched_inter_gather(s, a[0].p, sbytes, a[1].p, rbytes, root);
    else if (rc == 0)
        rc = lark_sched_inter_scatter(s, a[0].p, sbytes, a[1].p, rbytes, root);
    return lark_collarg_complete(c, k, s, rc, a, 2);
}

/* Gatherv (gather = true) and scatterv: the root's counts and
 * displacements describe the remote group. */
int lark_coll_inter_gatherv(bool gather, const void *sbuf, MPI_Count scount, MPI_Datatype stype,
                            void *rbuf, MPI_Count rcount, MPI_Datatype rtype, const void *counts,
                            const void *displs, int root, MPI_Comm comm,
                            const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t own = 0, *v = NULL;
    int err = enter_rooted(k, comm, sbuf, rbuf, root, &c);
    if (err != MPI_SUCCESS)
        return err;
    int rsize = lark_comm_peer_size(c);
    if (root == MPI_ROOT)
        err = lark_collarg_vector(c, call, gather ? "the receive" : "the send", rsize, counts,
                                  displs, k->large, gather ? rtype : stype, &v);
    else if (root >= 0 && gather)
        err = lark_collarg_check_buf(c, call, "the send", sbuf, scount, stype, &own);
    else if (root >= 0)
        err = lark_collarg_check_buf(c, call, "the receive", rbuf, rcount, rtype, &own);
    if (err == MPI_SUCCESS && (err = lark_collarg_begin(c, k, &ds, &s)) != MPI_SUCCESS)
        free(v);
    if (err != MPI_SUCCESS)
        return err;
    struct lark_collarg a[1] = {{0}};
    int rc = 0;
    if (root == MPI_ROOT)
        rc = lark_collarg_stage_v(s, &a[0], gather ? rbuf : sbuf, v, rsize, gather ? rtype : stype,
                                  !gather, gather);
    else if (root >= 0)
        rc = lark_collarg_stage(s, &a[0], gather ? sbuf : rbuf, gather ? scount : rcount,
                                gather ? stype : rtype, gather, !gather);
    if (rc == 0)
        rc = lark_sched_inter_gatherv(s, gather, root == MPI_ROOT ? a[0].p : NULL, v,
                                      v ? v + rsize : NULL, root == MPI_ROOT ? NULL : a[0].p, own,
                                      root);
    rc = lark_collarg_complete(c, k, s, rc, a, 1);
    free(v);
    return rc;
}

/* The all-to-all family: sv and rv (counts then displacements, bytes,
 * one per remote process; freed here), stypes/rtypes for Alltoallw. */
static int exchange(struct lark_comm *c, const struct lark_coll_call *k, const void *sbuf,
                    MPI_Count scount, MPI_Datatype stype, const MPI_Datatype *stypes, size_t *sv,
                    void *rbuf, MPI_Count rcount, MPI_Datatype rtype, const MPI_Datatype *rtypes,
                    size_t *rv)
{
    struct lark_sched ds, *s;
    int n = lark_comm_peer_size(c);
    int err = lark_collarg_begin(c, k, &ds, &s);
    if (err != MPI_SUCCESS) {
        free(sv);
        free(rv);
        return err;
    }
    struct lark_collarg a[2] = {{0}};
    const size_t *rp = rv, *sp = sv;
    int rc;
    if (rtypes != NULL)
        rc = lark_collarg_stage_w(s, &a[0], rbuf, rv, n, rtypes, false, true, &rp);
    else if (rcount >= 0)
        rc = lark_collarg_stage(s, &a[0], rbuf, rcount, rtype, false, true);
    else
        rc = lark_collarg_stage_v(s, &a[0], rbuf, rv, n, rtype, false, true);
    if (rc == 0 && stypes != NULL)
        rc = lark_collarg_stage_w(s, &a[1], sbuf, sv, n, stypes, true, false, &sp);
    else if (rc == 0 && scount >= 0)
        rc = lark_collarg_stage(s, &a[1], sbuf, scount, stype, true, false);
    else if (rc == 0)
        rc = lark_collarg_stage_v(s, &a[1], sbuf, sv, n, stype, true, false);
    if (rc == 0)
        rc = lark_sched_inter_exchange(s, a[1].p, sp, a[0].p, rp);
    rc = lark_collarg_complete(c, k, s, rc, a, 2);
    free(sv);
    free(rv);
    return rc;
}

/* Allgather (all = false: the same block to everyone) and alltoall. */
int lark_coll_inter_allgather(bool all, const void *sbuf, MPI_Count scount, MPI_Datatype stype,
                              void *rbuf, MPI_Count rcount, MPI_Datatype rtype, MPI_Comm comm,
                              const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    size_t sbytes = 0, rbytes = 0;
    int err = enter(k, comm, sbuf, rbuf, &c);
    if (err == MPI_SUCCESS)
        err = lark_collarg_check_buf(c, call, "the send", sbuf, scount, stype, &sbytes);
    if (err == MPI_SUCCESS)
        err = lark_collarg_check_buf(c, call, "the receive", rbuf, rcount, rtype, &rbytes);
    if (err != MPI_SUCCESS)
        return err;
    int n = lark_comm_peer_size(c);
    size_t *sv = lark_collarg_blocks(n, sbytes, all ? sbytes : 0),
           *rv = lark_collarg_blocks(n, rbytes, rbytes);
    if (sv == NULL || rv == NULL) {
        free(sv);
        free(rv);
        return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
    }
    return exchange(c, k, sbuf, all ? scount * n : scount, stype, NULL, sv, rbuf, rcount * n, rtype,
                    NULL, rv);
}

int lark_coll_inter_allgatherv(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                               const void *rcounts, const void *displs, MPI_Datatype rtype,
                               MPI_Comm comm, const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    size_t sbytes = 0, *rv = NULL;
    int err = enter(k, comm, sbuf, rbuf, &c);
    if (err == MPI_SUCCESS)
        err = lark_collarg_check_buf(c, call, "the send", sbuf, scount, stype, &sbytes);
    if (err == MPI_SUCCESS)
        err = lark_collarg_vector(c, call, "the receive", lark_comm_peer_size(c), rcounts, displs,
                                  k->large, rtype, &rv);
    if (err != MPI_SUCCESS)
        return err;
    size_t *sv = lark_collarg_blocks(lark_comm_peer_size(c), sbytes, 0);
    if (sv == NULL) {
        free(rv);
        return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
    }
    return exchange(c, k, sbuf, scount, stype, NULL, sv, rbuf, -1, rtype, NULL, rv);
}

int lark_coll_inter_alltoallv(const void *sbuf, const void *scounts, const void *sdispls,
                              MPI_Datatype stype, const MPI_Datatype *stypes, void *rbuf,
                              const void *rcounts, const void *rdispls, MPI_Datatype rtype,
                              const MPI_Datatype *rtypes, MPI_Comm comm,
                              const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    size_t *sv = NULL, *rv = NULL;
    int err = enter(k, comm, sbuf, rbuf, &c);
    if (err != MPI_SUCCESS)
        return err;
    int n = lark_comm_peer_size(c);
    if (rtypes != NULL)
        err = lark_collarg_vector_w(c, call, "the receive", n, rcounts, rdispls, k->large, k->large,
                                    rtypes, &rv);
    else
        err =
            lark_collarg_vector(c, call, "the receive", n, rcounts, rdispls, k->large, rtype, &rv);
    if (err == MPI_SUCCESS && stypes != NULL)
        err = lark_collarg_vector_w(c, call, "the send", n, scounts, sdispls, k->large, k->large,
                                    stypes, &sv);
    else if (err == MPI_SUCCESS)
        err = lark_collarg_vector(c, call, "the send", n, scounts, sdispls, k->large, stype, &sv);
    if (err != MPI_SUCCESS) {
        free(rv);
        return err;
    }
    return exchange(c, k, sbuf, -1, stype, stypes, sv, rbuf, -1, rtype, rtypes, rv);
}

int lark_coll_inter_reduce(const void *sbuf, void *rbuf, MPI_Count count, MPI_Datatype type,
                           MPI_Op op, int root, MPI_Comm comm, const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    struct lark_reduction red;
    size_t bytes;
    int err = enter_rooted(k, comm, sbuf, rbuf, root, &c);
    if (err != MPI_SUCCESS)
        return err;
    /* MPI_PROC_NULL: nothing is significant, nothing moves (but the
     * nonblocking forms still get their request). */
    if (root == MPI_ROOT)
        err = lark_collarg_check_buf(c, call, "the receive", rbuf, count, type, &bytes);
    else if (root != MPI_PROC_NULL)
        err = lark_collarg_check_buf(c, call, "the send", sbuf, count, type, &bytes);
    if (err == MPI_SUCCESS && root != MPI_PROC_NULL)
        err = lark_collarg_reduction(c, call, count, type, op, &red);
    if (err == MPI_SUCCESS)
        err = lark_collarg_begin(c, k, &ds, &s);
    if (err != MPI_SUCCESS)
        return err;
    if (root == MPI_PROC_NULL)
        return lark_collarg_finish(c, k, s, 0);
    struct lark_collarg a[1] = {{0}};
    int rc = root == MPI_ROOT ? lark_collarg_stage(s, &a[0], rbuf, count, type, false, true)
                              : lark_collarg_stage(s, &a[0], sbuf, count, type, true, false);
    if (rc == 0 && count > 0)
        rc = lark_sched_inter_reduce(s, a[0].p, a[0].p, &red, root);
    return lark_collarg_complete(c, k, s, rc, a, 1);
}

int lark_coll_inter_allreduce(const void *sbuf, void *rbuf, MPI_Count count, MPI_Datatype type,
                              MPI_Op op, MPI_Comm comm, const struct lark_coll_call *k)
{
    struct lark_comm *c;
    struct lark_sched ds, *s;
    struct lark_reduction red;
    size_t bytes;
    int err = enter(k, comm, sbuf, rbuf, &c);
    if (err == MPI_SUCCESS)
        err = lark_collarg_reduce_begin(c, k, sbuf, rbuf, true, count, type, op, &bytes, &red, &ds,
                                        &s);
    if (err != MPI_SUCCESS)
        return err;
    struct lark_collarg a[2] = {{0}};
    int rc = lark_collarg_stage(s, &a[0], rbuf, count, type, false, true);
    if (rc == 0)
        rc = lark_collarg_stage(s, &a[1], sbuf, count, type, true, false);
    if (rc == 0 && count > 0)
        rc = lark_sched_inter_allreduce(s, a[1].p, a[0].p, &red);
    return lark_collarg_complete(c, k, s, rc, a, 2);
}

/* rcounts: one per member of the LOCAL group (rcounts NULL: `block` each);
 * every group's inputs are the sum of its receive counts long, and that
 * sum must be the same in both groups. */
int lark_coll_inter_reduce_scatter(const void *sbuf, void *rbuf, const void *rcounts,
                                   MPI_Count block, MPI_Datatype type, MPI_Op op, MPI_Comm comm,
                                   const struct lark_coll_call *k)
{
    struct lark_comm *c;
    struct lark_sched ds, *s;
    struct lark_collarg_rs rs = {0};
    int err = enter(k, comm, sbuf, rbuf, &c);
    if (err == MPI_SUCCESS)
        err = lark_collarg_rs_begin(c, k, sbuf, rbuf, rcounts, block, type, op, &rs, &ds, &s);
    if (err != MPI_SUCCESS)
        return err;
    MPI_Count total = rs.total, mine = rs.mine;
    struct lark_collarg a[2] = {{0}};
    int rc = lark_collarg_stage(s, &a[0], rbuf, mine, type, false, true);
    if (rc == 0)
        rc = lark_collarg_stage(s, &a[1], sbuf, total, type, true, false);
    if (rc == 0 && total > 0)
        rc = lark_sched_inter_reduce_scatter(s, a[1].p, a[0].p, rs.counts, &rs.red);
    free(rs.counts);
    return lark_collarg_complete(c, k, s, rc, a, 2);
}

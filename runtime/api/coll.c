/*
 * coll.c (api) -- the bodies of the collectives on intracommunicators
 * (coll_api.h): each checks its arguments, handles MPI_IN_PLACE, stages
 * its buffers and describes the collective once as a schedule, with the
 * pieces of coll_args.h.  MPI_Reduce_local is here too.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "coll/coll.h"
#include "coll/sched.h"
#include "coll_api.h"
#include "coll_args.h"
#include "comm.h"
#include "datatype.h"
#include "error.h"
#include "op.h"
#include "request.h"
#include "runtime.h"
#include "where.h"

/* Whether comm is an intercommunicator (its collectives: coll_inter.c).
 * Anything else, an invalid handle included, takes the intracommunicator
 * body, whose checks report it. */
static bool is_inter(MPI_Comm comm)
{
    if (comm == MPI_COMM_WORLD || comm == MPI_COMM_SELF)
        return false; /* the usual case, without a lookup */
    struct lark_comm *c = lark_initialized() ? lark_comm_from_handle(comm) : NULL;
    return c != NULL && c->remote != NULL;
}

static int check_root(struct lark_comm *c, const char *call, int root)
{
    if (root < 0 || root >= c->size)
        return lark_err_raise(c, call, MPI_ERR_ROOT,
                              "root %d is not a rank of this communicator (size %d)", root,
                              c->size);
    return MPI_SUCCESS;
}

/* Entry checks of a rooted collective: MPI is up, comm and root are valid,
 * and MPI_IN_PLACE (`inplace`: the argument that may hold it does) is
 * used only at the root.  *is_root: whether this rank is the root. */
static int enter_rooted(const struct lark_coll_call *k, MPI_Comm comm, int root, bool inplace,
                        struct lark_comm **c, bool *is_root)
{
    const char *call = k->name;
    int err = lark_collarg_enter(k, comm, false, c);
    if (err == MPI_SUCCESS)
        err = check_root(*c, call, root);
    if (err != MPI_SUCCESS)
        return err;
    *is_root = (*c)->rank == root;
    if (k->form == LARK_FORM_BLOCKING)
        lark_where_defer_root(*c, root);
    if (inplace && !*is_root)
        return lark_err_raise(*c, call, MPI_ERR_BUFFER, "MPI_IN_PLACE is only valid at the root");
    return MPI_SUCCESS;
}

int lark_coll_api_barrier(MPI_Comm comm, const struct lark_coll_call *k)
{
    if (is_inter(comm))
        return lark_coll_inter_barrier(comm, k);
    struct lark_comm *c;
    struct lark_sched ds, *s;
    int err = lark_collarg_enter(k, comm, false, &c);
    if (err == MPI_SUCCESS)
        err = lark_collarg_begin(c, k, &ds, &s);
    if (err != MPI_SUCCESS)
        return err;
    return lark_collarg_finish(c, k, s, lark_sched_barrier(s));
}

int lark_coll_api_bcast(void *buf, MPI_Count count, MPI_Datatype type, int root, MPI_Comm comm,
                        const struct lark_coll_call *k)
{
    if (is_inter(comm))
        return lark_coll_inter_bcast(buf, count, type, root, comm, k);
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t bytes;
    bool root_here;
    struct lark_collarg a[1] = {{0}};
    int err = enter_rooted(k, comm, root, false, &c, &root_here);
    if (err == MPI_SUCCESS)
        err = lark_collarg_check_buf(c, k->name, "the", buf, count, type, &bytes);
    if (err == MPI_SUCCESS)
        err = lark_collarg_begin(c, k, &ds, &s);
    if (err != MPI_SUCCESS)
        return err;
    int rc = lark_collarg_stage(s, &a[0], buf, count, type, root_here, !root_here);
    if (rc == 0)
        rc = lark_sched_bcast(s, a[0].p, bytes, root);
    return lark_collarg_complete(c, k, s, rc, a, 1);
}

int lark_coll_api_reduce(const void *sbuf, void *rbuf, MPI_Count count, MPI_Datatype type,
                         MPI_Op op, int root, MPI_Comm comm, const struct lark_coll_call *k)
{
    if (is_inter(comm))
        return lark_coll_inter_reduce(sbuf, rbuf, count, type, op, root, comm, k);
    struct lark_comm *c;
    struct lark_sched ds, *s;
    struct lark_reduction red;
    size_t bytes;
    bool root_here;
    int err = enter_rooted(k, comm, root, sbuf == MPI_IN_PLACE, &c, &root_here);
    if (err == MPI_SUCCESS)
        err = lark_collarg_reduce_begin(c, k, sbuf == MPI_IN_PLACE ? rbuf : sbuf, rbuf, root_here,
                                        count, type, op, &bytes, &red, &ds, &s);
    if (err != MPI_SUCCESS)
        return err;
    /* In place (only at the root): rbuf is both input and result. */
    struct lark_collarg a[2] = {{0}};
    bool inplace = sbuf == MPI_IN_PLACE;
    int rc = lark_collarg_stage(s, &a[0], inplace ? rbuf : sbuf, count, type, true, inplace);
    if (rc == 0 && root_here && !inplace)
        rc = lark_collarg_stage(s, &a[1], rbuf, count, type, false, true);
    void *out = !root_here ? rbuf : inplace ? a[0].p : a[1].p;
    if (rc == 0 && count > 0)
        rc = lark_sched_reduce(s, a[0].p, out, &red, root);
    return lark_collarg_complete(c, k, s, rc, a, 2);
}

int lark_coll_api_allreduce(const void *sbuf, void *rbuf, MPI_Count count, MPI_Datatype type,
                            MPI_Op op, MPI_Comm comm, const struct lark_coll_call *k)
{
    if (is_inter(comm))
        return lark_coll_inter_allreduce(sbuf, rbuf, count, type, op, comm, k);
    struct lark_comm *c;
    struct lark_sched ds, *s;
    struct lark_reduction red;
    size_t bytes;
    int err = lark_collarg_enter(k, comm, false, &c);
    if (err == MPI_SUCCESS)
        err = lark_collarg_reduce_begin(c, k, sbuf, rbuf, true, count, type, op, &bytes, &red, &ds,
                                        &s);
    if (err != MPI_SUCCESS)
        return err;
    /* The result buffer holds the input (copied, or in place). */
    struct lark_collarg a[2] = {{0}};
    bool inplace = sbuf == MPI_IN_PLACE;
    int rc = lark_collarg_stage(s, &a[0], rbuf, count, type, inplace, true);
    if (rc == 0 && !inplace)
        rc = lark_collarg_stage(s, &a[1], sbuf, count, type, true, false);
    if (rc == 0 && !inplace)
        rc = lark_sched_copy(s, a[0].p, a[1].p, bytes);
    if (rc == 0)
        rc = lark_sched_allreduce(s, a[0].p, &red);
    return lark_collarg_complete(c, k, s, rc, a, 2);
}

int lark_coll_api_scan(const void *sbuf, void *rbuf, MPI_Count count, MPI_Datatype type, MPI_Op op,
                       MPI_Comm comm, int exclusive, const struct lark_coll_call *k)
{
    struct lark_comm *c;
    struct lark_sched ds, *s;
    struct lark_reduction red;
    size_t bytes;
    int err = lark_collarg_enter(k, comm, false, &c);
    /* Exscan: rank 0's rbuf is not significant (unless it holds the input). */
    if (err == MPI_SUCCESS)
        err = lark_collarg_reduce_begin(c, k, sbuf, rbuf,
                                        !(exclusive && c->rank == 0 && sbuf != MPI_IN_PLACE), count,
                                        type, op, &bytes, &red, &ds, &s);
    if (err != MPI_SUCCESS)
        return err;
    /* Exscan never writes rank 0's rbuf (the standard leaves it undefined,
     * and a program may pass a buffer that must not be written). */
    struct lark_collarg a[2] = {{0}};
    bool inplace = sbuf == MPI_IN_PLACE, writes = !(exclusive && c->rank == 0);
    int rc = lark_collarg_stage(s, &a[0], rbuf, count, type, inplace, writes);
    if (rc == 0 && !inplace)
        rc = lark_collarg_stage(s, &a[1], sbuf, count, type, true, false);
    const void *in = inplace ? a[0].p : a[1].p;
    if (rc == 0 && bytes > 0 && !(exclusive && c->size == 1))
        rc = lark_sched_scan(s, in, a[0].p, &red, exclusive);
    return lark_collarg_complete(c, k, s, rc, a, 2);
}

/* Gather (gather = true) and scatter: the root's buffer (the receive one
 * for gather, the send one for scatter) holds a block per rank; every
 * rank's own block is the other buffer, or MPI_IN_PLACE at the root. */
static int gather_scatter(bool gather, const void *sbuf, MPI_Count scount, MPI_Datatype stype,
                          void *rbuf, MPI_Count rcount, MPI_Datatype rtype, int root, MPI_Comm comm,
                          const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t sbytes = 0, rbytes = 0;
    bool root_here, inplace = (gather ? sbuf : rbuf) == MPI_IN_PLACE;
    int err = enter_rooted(k, comm, root, inplace, &c, &root_here);
    if (err != MPI_SUCCESS)
        return err;
    /* The send buffer, then the receive one: a block each unless it is
     * the root's (significant at the root only) or in place. */
    if (gather ? !inplace : root_here)
        err = lark_collarg_check_buf(c, call, "the send", sbuf, scount, stype, &sbytes);
    if (err == MPI_SUCCESS && (gather ? root_here : !inplace))
        err = lark_collarg_check_buf(c, call, "the receive", rbuf, rcount, rtype, &rbytes);
    if (err != MPI_SUCCESS)
        return err;
    if (root_here && !inplace && sbytes != rbytes)
        return lark_err_raise(c, call, MPI_ERR_TRUNCATE,
                              gather ? "the root sends %zu bytes but receives %zu per rank"
                                     : "the root sends %zu bytes per rank but receives %zu",
                              sbytes, rbytes);
    if ((err = lark_collarg_begin(c, k, &ds, &s)) != MPI_SUCCESS)
        return err;
    size_t all_bytes = gather ? rbytes : sbytes, own_bytes = gather ? sbytes : rbytes;
    size_t bytes = root_here ? all_bytes : own_bytes;
    /* a[0]: the own block (not in place), a[1]: the root's blocks. */
    struct lark_collarg a[2] = {{0}};
    int rc = 0;
    if (!inplace)
        rc = gather ? lark_collarg_stage(s, &a[0], sbuf, scount, stype, true, false)
                    : lark_collarg_stage(s, &a[0], rbuf, rcount, rtype, false, true);
    if (rc == 0 && root_here)
        rc = gather ? lark_collarg_stage(s, &a[1], rbuf, rcount * c->size, rtype, inplace, true)
                    : lark_collarg_stage(s, &a[1], sbuf, scount * c->size, stype, true, false);
    if (rc == 0 && gather)
        rc = lark_sched_gather(s, inplace ? a[1].p + (size_t)root * rbytes : a[0].p, a[1].p, bytes,
                               root);
    else if (rc == 0)
        rc = lark_sched_scatter(s, a[1].p, inplace ? rbuf : a[0].p, bytes, root);
    return lark_collarg_complete(c, k, s, rc, a, 2);
}

int lark_coll_api_gather(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                         MPI_Count rcount, MPI_Datatype rtype, int root, MPI_Comm comm,
                         const struct lark_coll_call *k)
{
    if (is_inter(comm))
        return lark_coll_inter_gather(true, sbuf, scount, stype, rbuf, rcount, rtype, root, comm,
                                      k);
    return gather_scatter(true, sbuf, scount, stype, rbuf, rcount, rtype, root, comm, k);
}

int lark_coll_api_scatter(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                          MPI_Count rcount, MPI_Datatype rtype, int root, MPI_Comm comm,
                          const struct lark_coll_call *k)
{
    if (is_inter(comm))
        return lark_coll_inter_gather(false, sbuf, scount, stype, rbuf, rcount, rtype, root, comm,
                                      k);
    return gather_scatter(false, sbuf, scount, stype, rbuf, rcount, rtype, root, comm, k);
}

/* Gatherv (gather = true) and scatterv: the root's buffer holds a block
 * per rank by counts and displacements (the receive one for gatherv, the
 * send one for scatterv); every rank's own block is the other buffer, or
 * MPI_IN_PLACE at the root. */
static int gatherv_scatterv(bool gather, const void *sbuf, MPI_Count scount, MPI_Datatype stype,
                            void *rbuf, MPI_Count rcount, MPI_Datatype rtype, const void *counts,
                            const void *displs, int root, MPI_Comm comm,
                            const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t own_bytes = 0, *v = NULL;
    bool root_here, inplace = (gather ? sbuf : rbuf) == MPI_IN_PLACE;
    int err = enter_rooted(k, comm, root, inplace, &c, &root_here);
    if (err != MPI_SUCCESS)
        return err;
    if (!inplace)
        err = gather
                  ? lark_collarg_check_buf(c, call, "the send", sbuf, scount, stype, &own_bytes)
                  : lark_collarg_check_buf(c, call, "the receive", rbuf, rcount, rtype, &own_bytes);
    if (err == MPI_SUCCESS && root_here)
        err = lark_collarg_vector(c, call, gather ? "the receive" : "the send", c->size, counts,
                                  displs, k->large, gather ? rtype : stype, &v);
    if (err == MPI_SUCCESS && (err = lark_collarg_begin(c, k, &ds, &s)) != MPI_SUCCESS)
        free(v);
    if (err != MPI_SUCCESS)
        return err;
    /* a[0]: the own block (not in place), a[1]: the root's blocks. */
    struct lark_collarg a[2] = {{0}};
    int rc = 0;
    if (!inplace)
        rc = gather ? lark_collarg_stage(s, &a[0], sbuf, scount, stype, true, false)
                    : lark_collarg_stage(s, &a[0], rbuf, rcount, rtype, false, true);
    if (rc == 0 && root_here)
        rc = gather ? lark_collarg_stage_v(s, &a[1], rbuf, v, c->size, rtype, inplace, true)
                    : lark_collarg_stage_v(s, &a[1], sbuf, v, c->size, stype, true, false);
    const size_t *vd = v ? v + c->size : NULL;
    if (rc == 0 && gather)
        rc = lark_sched_gatherv(s, inplace ? sbuf : a[0].p, own_bytes, a[1].p, v, vd, root);
    else if (rc == 0)
        rc = lark_sched_scatterv(s, a[1].p, v, vd, inplace ? rbuf : a[0].p, own_bytes, root);
    rc = lark_collarg_complete(c, k, s, rc, a, 2);
    free(v);
    return rc;
}

int lark_coll_api_gatherv(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                          const void *rcounts, const void *displs, MPI_Datatype rtype, int root,
                          MPI_Comm comm, const struct lark_coll_call *k)
{
    if (is_inter(comm))
        return lark_coll_inter_gatherv(true, sbuf, scount, stype, rbuf, 0, rtype, rcounts, displs,
                                       root, comm, k);
    return gatherv_scatterv(true, sbuf, scount, stype, rbuf, 0, rtype, rcounts, displs, root, comm,
                            k);
}

int lark_coll_api_scatterv(const void *sbuf, const void *scounts, const void *displs,
                           MPI_Datatype stype, void *rbuf, MPI_Count rcount, MPI_Datatype rtype,
                           int root, MPI_Comm comm, const struct lark_coll_call *k)
{
    if (is_inter(comm))
        return lark_coll_inter_gatherv(false, sbuf, 0, stype, rbuf, rcount, rtype, scounts, displs,
                                       root, comm, k);
    return gatherv_scatterv(false, sbuf, 0, stype, rbuf, rcount, rtype, scounts, displs, root, comm,
                            k);
}

int lark_coll_api_allgather(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                            MPI_Count rcount, MPI_Datatype rtype, MPI_Comm comm,
                            const struct lark_coll_call *k)
{
    if (is_inter(comm))
        return lark_coll_inter_allgather(false, sbuf, scount, stype, rbuf, rcount, rtype, comm, k);
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t sbytes = 0, rbytes = 0;
    int err = lark_collarg_enter(k, comm, false, &c);
    if (err == MPI_SUCCESS && sbuf != MPI_IN_PLACE)
        err = lark_collarg_check_buf(c, call, "the send", sbuf, scount, stype, &sbytes);
    if (err == MPI_SUCCESS)
        err = lark_collarg_check_buf(c, call, "the receive", rbuf, rcount, rtype, &rbytes);
    if (err != MPI_SUCCESS)
        return err;
    if (sbuf != MPI_IN_PLACE && sbytes != rbytes)
        return lark_err_raise(c, call, MPI_ERR_TRUNCATE,
                              "each rank sends %zu bytes but receives %zu per rank", sbytes,
                              rbytes);
    if ((err = lark_collarg_begin(c, k, &ds, &s)) != MPI_SUCCESS)
        return err;
    struct lark_collarg a[2] = {{0}};
    bool inplace = sbuf == MPI_IN_PLACE;
    int rc = lark_collarg_stage(s, &a[0], rbuf, rcount * c->size, rtype, inplace, true);
    if (rc == 0 && !inplace)
        rc = lark_collarg_stage(s, &a[1], sbuf, scount, stype, true, false);
    if (rc == 0 && !inplace)
        rc = lark_sched_copy(s, a[0].p + (size_t)c->rank * rbytes, a[1].p, rbytes);
    if (rc == 0)
        rc = lark_sched_allgather(s, a[0].p, rbytes);
    return lark_collarg_complete(c, k, s, rc, a, 2);
}

int lark_coll_api_allgatherv(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                             const void *rcounts, const void *displs, MPI_Datatype rtype,
                             MPI_Comm comm, const struct lark_coll_call *k)
{
    if (is_inter(comm))
        return lark_coll_inter_allgatherv(sbuf, scount, stype, rbuf, rcounts, displs, rtype, comm,
                                          k);
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t sbytes = 0, *v = NULL;
    int err = lark_collarg_enter(k, comm, false, &c);
    if (err == MPI_SUCCESS && sbuf != MPI_IN_PLACE)
        err = lark_collarg_check_buf(c, call, "the send", sbuf, scount, stype, &sbytes);
    if (err == MPI_SUCCESS)
        err = lark_collarg_vector(c, call, "the receive", c->size, rcounts, displs, k->large, rtype,
                                  &v);
    if (err != MPI_SUCCESS)
        return err;
    if (sbuf != MPI_IN_PLACE && sbytes != v[c->rank]) {
        size_t want = v[c->rank];
        free(v);
        return lark_err_raise(c, call, MPI_ERR_TRUNCATE,
                              "this rank sends %zu bytes but its receive count says %zu", sbytes,
                              want);
    }
    if ((err = lark_collarg_begin(c, k, &ds, &s)) != MPI_SUCCESS) {
        free(v);
        return err;
    }
    struct lark_collarg a[2] = {{0}};
    bool inplace = sbuf == MPI_IN_PLACE;
    int rc = lark_collarg_stage_v(s, &a[0], rbuf, v, c->size, rtype, inplace, true);
    if (rc == 0 && !inplace)
        rc = lark_collarg_stage(s, &a[1], sbuf, scount, stype, true, false);
    if (rc == 0 && !inplace)
        rc = lark_sched_copy(s, a[0].p + v[c->size + c->rank], a[1].p, sbytes);
    if (rc == 0)
        rc = lark_sched_allgatherv(s, a[0].p, v, v + c->size);
    rc = lark_collarg_complete(c, k, s, rc, a, 2);
    free(v);
    return rc;
}

/* The alltoall family once counts are bytes: sv (counts, then
 * displacements; NULL for MPI_IN_PLACE: the send layout is the receive
 * layout, sent from a copy of what rbuf holds when the collective starts). */
static int alltoall_bytes(struct lark_sched *s, const void *sbuf, const size_t *sv, void *rbuf,
                          const size_t *rv)
{
    int n = s->comm->size, rc = 0;
    if (sv == NULL) {
        size_t end = 0;
        for (int i = 0; i < n; i++)
            if (rv[n + i] + rv[i] > end)
                end = rv[n + i] + rv[i];
        void *copy = lark_sched_tmp(s, -1, end);
        if (copy == NULL)
            return LARK_ERR_NOMEM;
        rc = lark_sched_copy(s, copy, rbuf, end);
        if (rc == 0)
            rc = lark_sched_alltoallv(s, copy, rv, rv + n, rbuf, rv, rv + n);
        lark_sched_tmp_put(s, -1, copy);
        return rc;
    }
    return lark_sched_alltoallv(s, sbuf, sv, sv + n, rbuf, rv, rv + n);
}

int lark_coll_api_alltoall(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                           MPI_Count rcount, MPI_Datatype rtype, MPI_Comm comm,
                           const struct lark_coll_call *k)
{
    if (is_inter(comm))
        return lark_coll_inter_allgather(true, sbuf, scount, stype, rbuf, rcount, rtype, comm, k);
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t sbytes = 0, rbytes = 0;
    int err = lark_collarg_enter(k, comm, false, &c);
    if (err == MPI_SUCCESS)
        err = lark_collarg_check_buf(c, call, "the receive", rbuf, rcount, rtype, &rbytes);
    if (err == MPI_SUCCESS && sbuf != MPI_IN_PLACE)
        err = lark_collarg_check_buf(c, call, "the send", sbuf, scount, stype, &sbytes);
    if (err != MPI_SUCCESS)
        return err;
    if (sbuf != MPI_IN_PLACE && sbytes != rbytes)
        return lark_err_raise(c, call, MPI_ERR_TRUNCATE,
                              "each rank sends %zu bytes per peer but receives %zu", sbytes,
                              rbytes);
    int n = c->size;
    size_t *v = malloc(2 * (size_t)n * sizeof *v);
    if (v == NULL)
        return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
    for (int i = 0; i < n; i++) {
        v[i] = rbytes;
        v[n + i] = (size_t)i * rbytes;
    }
    if ((err = lark_collarg_begin(c, k, &ds, &s)) != MPI_SUCCESS) {
        free(v);
        return err;
    }
    struct lark_collarg a[2] = {{0}};
    bool inplace = sbuf == MPI_IN_PLACE;
    int rc = lark_collarg_stage(s, &a[0], rbuf, rcount * n, rtype, inplace, true);
    if (rc == 0 && !inplace)
        rc = lark_collarg_stage(s, &a[1], sbuf, scount * n, stype, true, false);
    struct lark_coll_shm *sh = rc == 0 ? lark_sched_alltoall_shm(s, rbytes) : NULL;
    if (sh != NULL) {
        lark_stats_coll(LARK_ROW_ALLTOALL, 0);
        rc = lark_coll_shm_alltoall(sh, inplace ? a[0].p : a[1].p, a[0].p, rbytes, c);
    } else if (rc == 0) {
        rc = alltoall_bytes(s, a[1].p, inplace ? NULL : v, a[0].p, v);
    }
    rc = lark_collarg_complete(c, k, s, rc, a, 2);
    free(v);
    return rc;
}

int lark_coll_api_alltoallv(const void *sbuf, const void *scounts, const void *sdispls,
                            MPI_Datatype stype, void *rbuf, const void *rcounts,
                            const void *rdispls, MPI_Datatype rtype, MPI_Comm comm,
                            const struct lark_coll_call *k)
{
    if (is_inter(comm))
        return lark_coll_inter_alltoallv(sbuf, scounts, sdispls, stype, NULL, rbuf, rcounts,
                                         rdispls, rtype, NULL, comm, k);
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t *sv = NULL, *rv = NULL;
    int err = lark_collarg_enter(k, comm, false, &c);
    if (err == MPI_SUCCESS)
        err = lark_collarg_vector(c, call, "the receive", c->size, rcounts, rdispls, k->large,
                                  rtype, &rv);
    if (err == MPI_SUCCESS && sbuf != MPI_IN_PLACE)
        err = lark_collarg_vector(c, call, "the send", c->size, scounts, sdispls, k->large, stype,
                                  &sv);
    if (err == MPI_SUCCESS)
        err = lark_collarg_begin(c, k, &ds, &s);
    if (err != MPI_SUCCESS) {
        free(rv);
        free(sv);
        return err;
    }
    struct lark_collarg a[2] = {{0}};
    bool inplace = sbuf == MPI_IN_PLACE;
    int rc = lark_collarg_stage_v(s, &a[0], rbuf, rv, c->size, rtype, inplace, true);
    if (rc == 0 && !inplace)
        rc = lark_collarg_stage_v(s, &a[1], sbuf, sv, c->size, stype, true, false);
    if (rc == 0)
        rc = alltoall_bytes(s, a[1].p, sv, a[0].p, rv);
    rc = lark_collarg_complete(c, k, s, rc, a, 2);
    free(sv);
    free(rv);
    return rc;
}

int lark_coll_api_alltoallw(const void *sbuf, const void *scounts, const void *sdispls,
                            const MPI_Datatype stypes[], void *rbuf, const void *rcounts,
                            const void *rdispls, const MPI_Datatype rtypes[], MPI_Comm comm,
                            const struct lark_coll_call *k)
{
    if (is_inter(comm))
        return lark_coll_inter_alltoallv(sbuf, scounts, sdispls, MPI_BYTE, stypes, rbuf, rcounts,
                                         rdispls, MPI_BYTE, rtypes, comm, k);
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t *sv = NULL, *rv = NULL;
    int err = lark_collarg_enter(k, comm, false, &c);
    if (err == MPI_SUCCESS)
        err = lark_collarg_vector_w(c, call, "the receive", c->size, rcounts, rdispls, k->large,
                                    k->large, rtypes, &rv);
    if (err == MPI_SUCCESS && sbuf != MPI_IN_PLACE)
        err = lark_collarg_vector_w(c, call, "the send", c->size, scounts, sdispls, k->large,
                                    k->large, stypes, &sv);
    if (err == MPI_SUCCESS)
        err = lark_collarg_begin(c, k, &ds, &s);
    if (err != MPI_SUCCESS) {
        free(rv);
        free(sv);
        return err;
    }
    struct lark_collarg a[2] = {{0}};
    const size_t *rp = rv, *sp = sv;
    int rc =
        lark_collarg_stage_w(s, &a[0], rbuf, rv, c->size, rtypes, sbuf == MPI_IN_PLACE, true, &rp);
    if (rc == 0 && sbuf != MPI_IN_PLACE)
        rc = lark_collarg_stage_w(s, &a[1], sbuf, sv, c->size, stypes, true, false, &sp);
    if (rc == 0)
        rc = alltoall_bytes(s, a[1].p, sp, a[0].p, rp);
    rc = lark_collarg_complete(c, k, s, rc, a, 2);
    free(sv);
    free(rv);
    return rc;
}

int lark_coll_api_reduce_scatter(const void *sbuf, void *rbuf, const void *rcounts, MPI_Count block,
                                 MPI_Datatype type, MPI_Op op, MPI_Comm comm,
                                 const struct lark_coll_call *k)
{
    if (is_inter(comm))
        return lark_coll_inter_reduce_scatter(sbuf, rbuf, rcounts, block, type, op, comm, k);
    struct lark_comm *c;
    struct lark_sched ds, *s;
    struct lark_collarg_rs rs = {0};
    int err = lark_collarg_enter(k, comm, false, &c);
    if (err == MPI_SUCCESS)
        err = lark_collarg_rs_begin(c, k, sbuf, rbuf, rcounts, block, type, op, &rs, &ds, &s);
    if (err != MPI_SUCCESS)
        return err;
    MPI_Count total = rs.total, mine = rs.mine;
    /* In place: rbuf holds all `total` inputs and gets our `mine`. */
    struct lark_collarg a[2] = {{0}};
    bool inplace = sbuf == MPI_IN_PLACE;
    int rc = lark_collarg_stage(s, &a[0], rbuf, inplace ? total : mine, type, inplace, true);
    a[0].count = (size_t)mine;
    if (rc == 0 && !inplace)
        rc = lark_collarg_stage(s, &a[1], sbuf, total, type, true, false);
    if (rc == 0 && total > 0)
        rc = lark_sched_reduce_scatter(s, inplace ? a[0].p : a[1].p, a[0].p, rs.counts, &rs.red);
    free(rs.counts);
    return lark_collarg_complete(c, k, s, rc, a, 2);
}

static int reduce_local(const char *call, const void *inbuf, void *inoutbuf, MPI_Count count,
                        MPI_Datatype type, MPI_Op op)
{
    struct lark_reduction red;
    size_t bytes;
    if (!lark_initialized())
        return lark_err_raise(NULL, call, MPI_ERR_OTHER,
                              "called before MPI_Init or after MPI_Finalize");
    int err = lark_collarg_check_buf(NULL, call, "the input", inbuf, count, type, &bytes);
    if (err == MPI_SUCCESS)
        err = lark_collarg_check_buf(NULL, call, "the input/output", inoutbuf, count, type, &bytes);
    if (err == MPI_SUCCESS)
        err = lark_collarg_reduction(NULL, call, count, type, op, &red);
    if (err != MPI_SUCCESS)
        return err;
    struct lark_datatype *dt = lark_datatype_from_handle(type);
    if (count == 0 || dt->size == 0)
        return MPI_SUCCESS;
    if (!lark_collarg_needs_staging(dt, (size_t)count) || red.type == type) {
        /* Contiguous, or a user op that takes the type's own layout. */
        MPI_Aint at = dt->predefined ? 0 : dt->true_lb;
        lark_op_apply(op, (const char *)inbuf + at, (char *)inoutbuf + at, red.count, red.type);
        return MPI_SUCCESS;
    }
    /* A predefined op on a non-contiguous type: on the packed elements
     * (two temporaries, freed here). */
    size_t n = dt->size * (size_t)count;
    char *a = malloc(n), *b = malloc(n);
    if (a == NULL || b == NULL) {
        free(a);
        free(b);
        return lark_err_raise(NULL, call, MPI_ERR_NO_MEM, "out of memory");
    }
    lark_datatype_pack(dt, inbuf, (size_t)count, 0, a, n);
    lark_datatype_pack(dt, inoutbuf, (size_t)count, 0, b, n);
    lark_op_apply(op, a, b, red.count, red.type);
    lark_datatype_unpack(dt, inoutbuf, (size_t)count, 0, b, n);
    free(a);
    free(b);
    return MPI_SUCCESS;
}

int PMPI_Reduce_local(const void *inbuf, void *inoutbuf, int count, MPI_Datatype type, MPI_Op op)
{
    return reduce_local("MPI_Reduce_local", inbuf, inoutbuf, count, type, op);
}
LARK_API_ALIAS(Reduce_local)

int PMPI_Reduce_local_c(const void *inbuf, void *inoutbuf, MPI_Count count, MPI_Datatype type,
                        MPI_Op op)
{
    return reduce_local("MPI_Reduce_local_c", inbuf, inoutbuf, count, type, op);
}
LARK_API_ALIAS(Reduce_local_c)

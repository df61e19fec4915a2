/*
 * coll_neighbor.c (api) -- the bodies of the neighbourhood collectives
 * (MPI_Neighbor_allgather(v), MPI_Neighbor_alltoall(v,w)), shared by
 * their blocking, MPI_Ineighbor_* and *_init forms (coll_neighbor_forms.c).
 *
 * The communicator's topology gives the neighbour lists (topo.h); each
 * body turns its buffers into one byte block per neighbour and describes
 * the exchange once (runtime/coll/neighbor.c).  A block whose neighbour is
 * MPI_PROC_NULL (off the edge of a non-periodic grid) is left untouched,
 * also when the receive type is staged: its staging block is empty.
 * MPI_IN_PLACE is not allowed in these calls (MPI 4.1 section 8.6).
 */
#include <stdlib.h>

#include "coll/coll.h"
#include "coll/sched.h"
#include "coll_api.h"
#include "coll_args.h"
#include "comm.h"
#include "datatype.h"
#include "error.h"
#include "topo.h"

/* The neighbour lists of comm, or MPI_ERR_COMM / MPI_ERR_TOPOLOGY. */
static int enter(const struct lark_coll_call *k, MPI_Comm comm, const void *sbuf, const void *rbuf,
                 struct lark_comm **c, struct lark_topo_nbrs *nb, bool *cart)
{
    int err = lark_collarg_enter(k, comm, true, c);
    if (err != MPI_SUCCESS)
        return err;
    if ((*c)->remote != NULL)
        return lark_err_raise(*c, k->name, MPI_ERR_COMM,
                              "the communicator is an intercommunicator, which has no virtual "
                              "topology; neighbourhood collectives need one (MPI_Cart_create, "
                              "MPI_Graph_create or MPI_Dist_graph_create)");
    if (lark_topo_nbrs(*c, nb) != 0)
        return lark_err_raise(*c, k->name, MPI_ERR_TOPOLOGY,
                              "the communicator has no virtual topology; make one with "
                              "MPI_Cart_create, MPI_Graph_create or MPI_Dist_graph_create");
    if (sbuf == MPI_IN_PLACE || rbuf == MPI_IN_PLACE)
        return lark_err_raise(*c, k->name, MPI_ERR_BUFFER,
                              "MPI_IN_PLACE is not allowed in neighbourhood collectives");
    *cart = (*c)->topo->kind == MPI_CART;
    return MPI_SUCCESS;
}

/* One side's (buffer, count, type) when every neighbour gets the same
 * block: with no neighbour on that side, the buffer is not looked at. */
static int check_side(struct lark_comm *c, const char *call, const char *what, const void *buf,
                      MPI_Count count, MPI_Datatype type, int degree, size_t *bytes)
{
    if (count < 0)
        return lark_err_raise(c, call, MPI_ERR_COUNT, "%s count %lld is negative", what,
                              (long long)count);
    return lark_collarg_check_buf(c, call, what, buf, degree ? count : 0, type, bytes);
}

/* Blocks of MPI_PROC_NULL neighbours move (and stage) nothing. */
static void skip_null(size_t *v, int n, const int *peers)
{
    for (int i = 0; i < n; i++)
        if (peers[i] == MPI_PROC_NULL)
            v[i] = 0;
}

/* The common end of every body: stage, exchange, complete.  sv and rv
 * are freed here.  stypes/rtypes: Alltoallw's per-block types (then
 * stype/rtype are unused); a send vector sv == NULL means one block sent
 * to every destination (allgather), staged whole. */
static int exchange(struct lark_comm *c, const struct lark_coll_call *k,
                    const struct lark_topo_nbrs *nb, bool cart, const void *sbuf, MPI_Count scount,
                    MPI_Datatype stype, const MPI_Datatype *stypes, size_t *sv, void *rbuf,
                    MPI_Datatype rtype, const MPI_Datatype *rtypes, size_t *rv)
{
    struct lark_sched ds, *s;
    int err = lark_collarg_begin(c, k, &ds, &s);
    if (err != MPI_SUCCESS) {
        free(sv);
        free(rv);
        return err;
    }
    skip_null(rv, nb->indegree, nb->in);
    skip_null(sv, nb->outdegree, nb->out);
    struct lark_collarg a[2] = {{0}};
    const size_t *rp = rv, *sp = sv;
    int rc;
    if (rtypes != NULL)
        rc = lark_collarg_stage_w(s, &a[0], rbuf, rv, nb->indegree, rtypes, false, true, &rp);
    else
        rc = lark_collarg_stage_v(s, &a[0], rbuf, rv, nb->indegree, rtype, false, true);
    if (rc == 0 && stypes != NULL)
        rc = lark_collarg_stage_w(s, &a[1], sbuf, sv, nb->outdegree, stypes, true, false, &sp);
    else if (rc == 0 && scount >= 0)
        rc = lark_collarg_stage(s, &a[1], sbuf, scount, stype, true, false);
    else if (rc == 0)
        rc = lark_collarg_stage_v(s, &a[1], sbuf, sv, nb->outdegree, stype, true, false);
    if (rc == 0)
        rc = lark_sched_neighbor(s, nb->indegree, nb->in, nb->outdegree, nb->out, cart, a[1].p, sp,
                                 a[0].p, rp);
    rc = lark_collarg_complete(c, k, s, rc, a, 2);
    free(sv);
    free(rv);
    return rc;
}

/* Allgather (all = false) and alltoall (true): fixed-size blocks. */
static int fixed(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                 MPI_Count rcount, MPI_Datatype rtype, MPI_Comm comm,
                 const struct lark_coll_call *k, bool all)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_topo_nbrs nb;
    bool cart;
    size_t sbytes = 0, rbytes = 0;
    int err = enter(k, comm, sbuf, rbuf, &c, &nb, &cart);
    if (err == MPI_SUCCESS)
        err = check_side(c, call, "the send", sbuf, scount, stype, nb.outdegree, &sbytes);
    if (err == MPI_SUCCESS)
        err = check_side(c, call, "the receive", rbuf, rcount, rtype, nb.indegree, &rbytes);
    if (err != MPI_SUCCESS)
        return err;
    if (nb.outdegree == 0)
        scount = 0;
    if (nb.indegree == 0)
        rcount = 0;
    size_t *rv = lark_collarg_blocks(nb.indegree, rbytes, rbytes);
    size_t *sv = lark_collarg_blocks(nb.outdegree, sbytes, all ? sbytes : 0);
    if (rv == NULL || sv == NULL) {
        free(rv);
        free(sv);
        return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
    }
    return exchange(c, k, &nb, cart, sbuf, all ? scount * nb.outdegree : scount, stype, NULL, sv,
                    rbuf, rtype, NULL, rv);
}

int lark_coll_api_neighbor_allgather(const void *sbuf, MPI_Count scount, MPI_Datatype stype,
                                     void *rbuf, MPI_Count rcount, MPI_Datatype rtype,
                                     MPI_Comm comm, const struct lark_coll_call *k)
{
    return fixed(sbuf, scount, stype, rbuf, rcount, rtype, comm, k, false);
}

int lark_coll_api_neighbor_alltoall(const void *sbuf, MPI_Count scount, MPI_Datatype stype,
                                    void *rbuf, MPI_Count rcount, MPI_Datatype rtype, MPI_Comm comm,
                                    const struct lark_coll_call *k)
{
    return fixed(sbuf, scount, stype, rbuf, rcount, rtype, comm, k, true);
}

int lark_coll_api_neighbor_allgatherv(const void *sbuf, MPI_Count scount, MPI_Datatype stype,
                                      void *rbuf, const void *rcounts, const void *displs,
                                      MPI_Datatype rtype, MPI_Comm comm,
                                      const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_topo_nbrs nb;
    bool cart;
    size_t sbytes = 0, *rv = NULL;
    int err = enter(k, comm, sbuf, rbuf, &c, &nb, &cart);
    if (err == MPI_SUCCESS)
        err = check_side(c, call, "the send", sbuf, scount, stype, nb.outdegree, &sbytes);
    if (err == MPI_SUCCESS)
        err = lark_collarg_vector(c, call, "the receive", nb.indegree, rcounts, displs, k->large,
                                  rtype, &rv);
    if (err != MPI_SUCCESS)
        return err;
    size_t *sv = lark_collarg_blocks(nb.outdegree, sbytes, 0);
    if (sv == NULL) {
        free(rv);
        return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
    }
    return exchange(c, k, &nb, cart, sbuf, nb.outdegree ? scount : 0, stype, NULL, sv, rbuf, rtype,
                    NULL, rv);
}

/* Alltoallv (stypes/rtypes NULL: stype/rtype for every block, element
 * displacements) and Alltoallw (a type per block, MPI_Aint byte
 * displacements in both the int and _c forms). */
static int vw(const void *sbuf, const void *scounts, const void *sdispls, MPI_Datatype stype,
              const MPI_Datatype *stypes, void *rbuf, const void *rcounts, const void *rdispls,
              MPI_Datatype rtype, const MPI_Datatype *rtypes, MPI_Comm comm,
              const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_topo_nbrs nb;
    bool cart;
    size_t *sv = NULL, *rv = NULL;
    int err = enter(k, comm, sbuf, rbuf, &c, &nb, &cart);
    if (err == MPI_SUCCESS && rtypes != NULL)
        err = lark_collarg_vector_w(c, call, "the receive", nb.indegree, rcounts, rdispls, k->large,
                                    true, rtypes, &rv);
    else if (err == MPI_SUCCESS)
        err = lark_collarg_vector(c, call, "the receive", nb.indegree, rcounts, rdispls, k->large,
                                  rtype, &rv);
    if (err == MPI_SUCCESS && stypes != NULL)
        err = lark_collarg_vector_w(c, call, "the send", nb.outdegree, scounts, sdispls, k->large,
                                    true, stypes, &sv);
    else if (err == MPI_SUCCESS)
        err = lark_collarg_vector(c, call, "the send", nb.outdegree, scounts, sdispls, k->large,
                                  stype, &sv);
    if (err != MPI_SUCCESS) {
        free(rv);
        return err;
    }
    return exchange(c, k, &nb, cart, sbuf, -1, stype, stypes, sv, rbuf, rtype, rtypes, rv);
}

int lark_coll_api_neighbor_alltoallv(const void *sbuf, const void *scounts, const void *sdispls,
                                     MPI_Datatype stype, void *rbuf, const void *rcounts,
                                     const void *rdispls, MPI_Datatype rtype, MPI_Comm comm,
                                     const struct lark_coll_call *k)
{
    return vw(sbuf, scounts, sdispls, stype, NULL, rbuf, rcounts, rdispls, rtype, NULL, comm, k);
}

int lark_coll_api_neighbor_alltoallw(const void *sbuf, const void *scounts, const MPI_Aint *sdispls,
                                     const MPI_Datatype stypes[], void *rbuf, const void *rcounts,
                                     const MPI_Aint *rdispls, const MPI_Datatype rtypes[],
                                     MPI_Comm comm, const struct lark_coll_call *k)
{
    return vw(sbuf, scounts, sdispls, MPI_BYTE, stypes, rbuf, rcounts, rdispls, MPI_BYTE, rtypes,
              comm, k);
}

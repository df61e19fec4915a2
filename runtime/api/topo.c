/*
 * topo.c (api) -- virtual topologies (MPI chapter 8): MPI_Dims_create,
 * Cartesian (create, get, rank, coords, shift, sub, map, dim), graphs
 * (create, get, dims, neighbours, map), distributed graphs (create,
 * create_adjacent, neighbours) and MPI_Topo_test.  The objects live in
 * runtime/topo.c; new communicators are made by splitting the old one.
 *
 * reorder: Lark places grid ranks so that the ranks of one node are
 * consecutive (the node's ranks share the fastest-varying dimension
 * first), which keeps most neighbours on the node when the launcher did
 * not map ranks by node already; without reorder, ranks keep their order.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "coll/coll.h"
#include "comm.h"
#include "commnew.h"
#include "error.h"
#include "runtime.h"
#include "topo.h"
#include "where.h"

static int enter(const char *call, MPI_Comm comm, struct lark_comm **c)
{
    int rc = lark_check_comm(call, comm, c);
    if (rc != MPI_SUCCESS)
        return rc;
    if ((*c)->remote != NULL)
        return lark_err_raise(*c, call, MPI_ERR_COMM,
                              "topologies are for intracommunicators, not intercommunicators");
    return MPI_SUCCESS;
}

/* The communicator with a topology of `kind` (0: any). */
static int enter_topo(const char *call, MPI_Comm comm, int kind, struct lark_comm **c)
{
    int err = enter(call, comm, c);
    if (err != MPI_SUCCESS)
        return err;
    if ((*c)->topo == NULL || (kind != 0 && (*c)->topo->kind != kind))
        return lark_err_raise(*c, call, MPI_ERR_TOPOLOGY, "the communicator has no %s topology",
                              kind == MPI_CART    ? "Cartesian"
                              : kind == MPI_GRAPH ? "graph"
                              : kind != 0         ? "distributed graph"
                                                  : "");
    return MPI_SUCCESS;
}

/* ---- MPI_Dims_create ---- */

int PMPI_Dims_create(int nnodes, int ndims, int dims[])
{
    static const char call[] = "MPI_Dims_create";
    if (nnodes <= 0)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "nnodes %d is not positive", nnodes);
    if (ndims < 0 || (ndims > 0 && dims == NULL))
        return lark_err_raise(NULL, call, MPI_ERR_DIMS, "ndims %d is negative or dims is NULL",
                              ndims);
    long fixed = 1;
    int nfree = 0;
    for (int i = 0; i < ndims; i++) {
        if (dims[i] < 0)
            return lark_err_raise(NULL, call, MPI_ERR_DIMS, "dims[%d] = %d is negative", i,
                                  dims[i]);
        if (dims[i] > 0)
            fixed *= dims[i];
        else
            nfree++;
    }
    if (nnodes % fixed != 0 || (nfree == 0 && fixed != nnodes))
        return lark_err_raise(NULL, call, MPI_ERR_DIMS,
                              "the fixed dimensions (product %ld) do not divide nnodes %d", fixed,
                              nnodes);
    if (nfree == 0)
        return MPI_SUCCESS;
    /* Prime factors of what is left, largest first, each to the currently
     * smallest free dimension: as balanced as this greedy gets. */
    int left = (int)(nnodes / fixed), f[32], nf = 0;
    for (int p = 2; (long)p * p <= left; p++)
        while (left % p == 0) {
            f[nf++] = p;
            left /= p;
        }
    if (left > 1)
        f[nf++] = left;
    int sz[nfree];
    for (int i = 0; i < nfree; i++)
        sz[i] = 1;
    for (int k = nf - 1; k >= 0; k--) {
        int m = 0;
        for (int i = 1; i < nfree; i++)
            if (sz[i] < sz[m])
                m = i;
        sz[m] *= f[k];
    }
    /* Non-increasing order into the free slots. */
    for (int i = 0; i < nfree; i++)
        for (int j = i + 1; j < nfree; j++)
            if (sz[j] > sz[i]) {
                int t = sz[i];
                sz[i] = sz[j];
                sz[j] = t;
            }
    for (int i = 0, k = 0; i < ndims; i++)
        if (dims[i] == 0)
            dims[i] = sz[k++];
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Dims_create)

/* ---- creation ---- */

/* The lowest world rank on this node (from PMIx's local peers). */
static int node_key(void)
{
    int m = lark_rt.rank;
    for (int i = 0; i < lark_rt.local_size; i++)
        if (lark_rt.local_peers[i] < m)
            m = lark_rt.local_peers[i];
    return m;
}

/* Keep the first `n` ranks of c (in reorder's order when asked), attach
 * the topology `make` builds for each member's new rank. */
static int topo_comm(const char *call, struct lark_comm *c, int n, int reorder,
                     struct lark_comm **out)
{
    int in = c->rank < n;
    /* reorder: group the ranks of a node together (sorted by node, then by
     * rank); split's ordering (key, then old rank) does the rest. */
    int key = reorder ? node_key() : 0;
    lark_where_coll(call, c);
    int rc = lark_comm_split_internal(c, in ? 0 : MPI_UNDEFINED, key, out);
    lark_where_leave();
    return rc;
}

static int attach(const char *call, struct lark_comm *c, struct lark_comm *n, struct lark_topo *t,
                  MPI_Comm *out)
{
    if (n == NULL) {
        *out = MPI_COMM_NULL;
        return MPI_SUCCESS;
    }
    if (t == NULL) {
        lark_lock();
        lark_comm_release(n);
        lark_unlock();
        return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
    }
    n->topo = t;
    *out = lark_comm_to_handle(n);
    return MPI_SUCCESS;
}

int PMPI_Cart_create(MPI_Comm comm_old, int ndims, const int dims[], const int periods[],
                     int reorder, MPI_Comm *comm_cart)
{
    static const char call[] = "MPI_Cart_create";
    struct lark_comm *c, *n = NULL;
    int err = enter(call, comm_old, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (comm_cart == NULL || (ndims > 0 && (dims == NULL || periods == NULL)))
        return lark_err_raise(c, call, MPI_ERR_ARG, "dims, periods or comm_cart is NULL");
    if (ndims < 0)
        return lark_err_raise(c, call, MPI_ERR_DIMS, "ndims %d is negative", ndims);
    long cells = 1;
    for (int i = 0; i < ndims; i++) {
        if (dims[i] <= 0)
            return lark_err_raise(c, call, MPI_ERR_DIMS, "dims[%d] = %d is not positive", i,
                                  dims[i]);
        cells *= dims[i];
        if (cells > c->size)
            break;
    }
    if (cells > c->size)
        return lark_err_raise(c, call, MPI_ERR_DIMS,
                              "the grid has more cells than the communicator has ranks (%d)",
                              c->size);
    int rc = topo_comm(call, c, (int)cells, reorder, &n);
    if (rc != 0)
        return lark_err_raise(c, call, rc, "could not create the Cartesian communicator");
    return attach(call, c, n, n ? lark_topo_cart(ndims, dims, periods, n->rank) : NULL, comm_cart);
}
LARK_API_ALIAS(Cart_create)

int PMPI_Graph_create(MPI_Comm comm_old, int nnodes, const int index[], const int edges[],
                      int reorder, MPI_Comm *comm_graph)
{
    static const char call[] = "MPI_Graph_create";
    struct lark_comm *c, *n = NULL;
    int err = enter(call, comm_old, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (comm_graph == NULL || (nnodes > 0 && index == NULL))
        return lark_err_raise(c, call, MPI_ERR_ARG, "index or comm_graph is NULL");
    if (nnodes < 0 || nnodes > c->size)
        return lark_err_raise(c, call, MPI_ERR_ARG,
                              "nnodes %d is negative or larger than the communicator (%d)", nnodes,
                              c->size);
    for (int i = 0; i < nnodes; i++)
        if (index[i] < (i ? index[i - 1] : 0))
            return lark_err_raise(c, call, MPI_ERR_ARG, "index[%d] = %d decreases", i, index[i]);
    int nedges = nnodes ? index[nnodes - 1] : 0;
    if (nedges > 0 && edges == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "edges is NULL");
    for (int e = 0; e < nedges; e++)
        if (edges[e] < 0 || edges[e] >= nnodes)
            return lark_err_raise(c, call, MPI_ERR_ARG, "edges[%d] = %d is not a node (0..%d)", e,
                                  edges[e], nnodes - 1);
    int rc = topo_comm(call, c, nnodes, reorder, &n);
    if (rc != 0)
        return lark_err_raise(c, call, rc, "could not create the graph communicator");
    return attach(call, c, n, n ? lark_topo_graph(nnodes, index, edges, n->rank) : NULL,
                  comm_graph);
}
LARK_API_ALIAS(Graph_create)

static bool weighted_arg(const int *w)
{
    return w != MPI_UNWEIGHTED;
}

int PMPI_Dist_graph_create_adjacent(MPI_Comm comm_old, int indegree, const int sources[],
                                    const int sourceweights[], int outdegree,
                                    const int destinations[], const int destweights[],
                                    MPI_Info info, int reorder, MPI_Comm *comm_dist_graph)
{
    static const char call[] = "MPI_Dist_graph_create_adjacent";
    struct lark_comm *c, *n = NULL;
    (void)info;
    (void)reorder; /* Lark keeps the ranks as they are */
    int err = enter(call, comm_old, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (comm_dist_graph == NULL || indegree < 0 || outdegree < 0 ||
        (indegree > 0 && sources == NULL) || (outdegree > 0 && destinations == NULL))
        return lark_err_raise(c, call, MPI_ERR_ARG,
                              "a degree is negative, or sources, destinations or the output is "
                              "NULL");
    for (int i = 0; i < indegree; i++)
        if (sources[i] < 0 || sources[i] >= c->size)
            return lark_err_raise(c, call, MPI_ERR_RANK, "sources[%d] = %d is not a rank", i,
                                  sources[i]);
    for (int i = 0; i < outdegree; i++)
        if (destinations[i] < 0 || destinations[i] >= c->size)
            return lark_err_raise(c, call, MPI_ERR_RANK, "destinations[%d] = %d is not a rank", i,
                                  destinations[i]);
    bool weighted = weighted_arg(sourceweights) && weighted_arg(destweights);
    if (weighted &&
        ((indegree > 0 && (sourceweights == NULL || sourceweights == MPI_WEIGHTS_EMPTY)) ||
         (outdegree > 0 && (destweights == NULL || destweights == MPI_WEIGHTS_EMPTY))))
        return lark_err_raise(c, call, MPI_ERR_ARG, "weights are missing");
    lark_where_coll(call, c);
    int rc = lark_comm_split_internal(c, 0, 0, &n);
    lark_where_leave();
    if (rc != 0)
        return lark_err_raise(c, call, rc, "could not create the communicator");
    return attach(call, c, n,
                  lark_topo_dist_graph(indegree, sources, weighted ? sourceweights : NULL,
                                       outdegree, destinations, weighted ? destweights : NULL,
                                       weighted),
                  comm_dist_graph);
}
LARK_API_ALIAS(Dist_graph_create_adjacent)

/* One edge on its way to an end: (from, to, weight). */
struct edge {
    int from, to, weight;
};

int PMPI_Dist_graph_create(MPI_Comm comm_old, int n, const int sources[], const int degrees[],
                           const int destinations[], const int weights[], MPI_Info info,
                           int reorder, MPI_Comm *comm_dist_graph)
{
    static const char call[] = "MPI_Dist_graph_create";
    struct lark_comm *c, *nc = NULL;
    (void)info;
    (void)reorder;
    int err = enter(call, comm_old, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (comm_dist_graph == NULL || n < 0 || (n > 0 && (sources == NULL || degrees == NULL)))
        return lark_err_raise(c, call, MPI_ERR_ARG, "n is negative or an array is NULL");
    long total = 0;
    for (int i = 0; i < n; i++) {
        if (degrees[i] < 0 || sources[i] < 0 || sources[i] >= c->size)
            return lark_err_raise(c, call, MPI_ERR_ARG, "degrees[%d] or sources[%d] is invalid", i,
                                  i);
        total += degrees[i];
    }
    for (long e = 0; e < total; e++)
        if (destinations == NULL || destinations[e] < 0 || destinations[e] >= c->size)
            return lark_err_raise(c, call, MPI_ERR_RANK, "destinations[%ld] is not a rank", e);
    bool weighted = weighted_arg(weights);
    /* Everyone agrees on weighted or not (an allreduce of one int). */
    int w = weighted, size = c->size;
    struct lark_reduction red = {MPI_MAX, MPI_INT, 1, sizeof w, 1};
    lark_where_coll(call, c);
    int rc = lark_coll_allreduce(&w, &red, c);
    weighted = w != 0;
    /* Each edge goes to both ends: counts, then the edges (alltoallv). */
    size_t *sc = calloc((size_t)size * 4, sizeof *sc), *sd = sc + size, *rcnt = sc + 2 * size,
           *rd = sc + 3 * size;
    struct edge *out = malloc(sizeof *out * (size_t)(2 * total + 1)), *in = NULL;
    if (sc == NULL || out == NULL)
        rc = LARK_ERR_NOMEM;
    for (int i = 0, e = 0; rc == 0 && i < n; i++)
        for (int k = 0; k < degrees[i]; k++, e++) {
            /* A loop (an edge to itself) travels once, to its one end. */
            sc[sources[i]] += sizeof(struct edge);
            if (destinations[e] != sources[i])
                sc[destinations[e]] += sizeof(struct edge);
        }
    for (int p = 1; rc == 0 && p < size; p++)
        sd[p] = sd[p - 1] + sc[p - 1];
    size_t *fill = rc == 0 ? calloc((size_t)size, sizeof *fill) : NULL;
    if (rc == 0 && fill == NULL)
        rc = LARK_ERR_NOMEM;
    for (int i = 0, e = 0; rc == 0 && i < n; i++)
        for (int k = 0; k < degrees[i]; k++, e++) {
            struct edge ed = {sources[i], destinations[e],
                              weighted && weights != MPI_WEIGHTS_EMPTY ? weights[e] : 1};
            int ends[2] = {ed.from, ed.to};
            for (int j = 0; j < (ed.from == ed.to ? 1 : 2); j++) {
                memcpy((char *)out + sd[ends[j]] + fill[ends[j]], &ed, sizeof ed);
                fill[ends[j]] += sizeof ed;
            }
        }
    free(fill);
    /* Counts first: each process tells each other how much it sends. */
    if (rc == 0) {
        size_t *ones = malloc(sizeof *ones * 2 * (size_t)size);
        if (ones == NULL)
            rc = LARK_ERR_NOMEM;
        for (int p = 0; rc == 0 && p < size; p++) {
            ones[p] = sizeof(size_t);
            ones[size + p] = (size_t)p * sizeof(size_t);
        }
        if (rc == 0)
            rc = lark_coll_alltoallv(sc, ones, ones + size, rcnt, ones, ones + size, c);
        free(ones);
    }
    size_t rtotal = 0;
    for (int p = 0; rc == 0 && p < size; p++) {
        rd[p] = rtotal;
        rtotal += rcnt[p];
    }
    if (rc == 0 && (in = malloc(rtotal + 1)) == NULL)
        rc = LARK_ERR_NOMEM;
    if (rc == 0)
        rc = lark_coll_alltoallv(out, sc, sd, in, rcnt, rd, c);
    /* Sort what arrived into our sources and destinations (an edge from us
     * to us counts as both). */
    int nin = 0, nout = 0, ne = (int)(rtotal / sizeof(struct edge));
    int *lists = rc == 0 ? malloc(sizeof(int) * 4 * (size_t)(ne + 1)) : NULL;
    if (rc == 0 && lists == NULL)
        rc = LARK_ERR_NOMEM;
    if (rc == 0) {
        int *src = lists, *srcw = lists + ne + 1, *dst = lists + 2 * (ne + 1),
            *dstw = lists + 3 * (ne + 1);
        for (int i = 0; i < ne; i++) {
            struct edge *ed = &in[i];
            if (ed->to == c->rank) {
                src[nin] = ed->from;
                srcw[nin++] = ed->weight;
            }
            if (ed->from == c->rank) {
                dst[nout] = ed->to;
                dstw[nout++] = ed->weight;
            }
        }
        rc = lark_comm_split_internal(c, 0, 0, &nc);
        if (rc == 0)
            err =
                attach(call, c, nc, lark_topo_dist_graph(nin, src, srcw, nout, dst, dstw, weighted),
                       comm_dist_graph);
    }
    lark_where_leave();
    free(lists);
    free(in);
    free(out);
    free(sc);
    if (rc != 0)
        return lark_err_raise(c, call, rc, "could not create the distributed graph");
    return err;
}
LARK_API_ALIAS(Dist_graph_create)

/* ---- queries ---- */

int PMPI_Topo_test(MPI_Comm comm, int *status)
{
    struct lark_comm *c;
    int err = enter("MPI_Topo_test", comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (status == NULL)
        return lark_err_raise(c, "MPI_Topo_test", MPI_ERR_ARG, "status is NULL");
    *status = c->topo != NULL ? c->topo->kind : MPI_UNDEFINED;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Topo_test)

int PMPI_Cartdim_get(MPI_Comm comm, int *ndims)
{
    struct lark_comm *c;
    int err = enter_topo("MPI_Cartdim_get", comm, MPI_CART, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (ndims == NULL)
        return lark_err_raise(c, "MPI_Cartdim_get", MPI_ERR_ARG, "ndims is NULL");
    *ndims = c->topo->ndims;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Cartdim_get)

int PMPI_Cart_get(MPI_Comm comm, int maxdims, int dims[], int periods[], int coords[])
{
    static const char call[] = "MPI_Cart_get";
    struct lark_comm *c;
    int err = enter_topo(call, comm, MPI_CART, &c);
    if (err != MPI_SUCCESS)
        return err;
    const struct lark_topo *t = c->topo;
    if (maxdims < t->ndims)
        return lark_err_raise(c, call, MPI_ERR_ARG, "maxdims %d is less than ndims %d", maxdims,
                              t->ndims);
    if (t->ndims > 0 && (dims == NULL || periods == NULL || coords == NULL))
        return lark_err_raise(c, call, MPI_ERR_ARG, "dims, periods or coords is NULL");
    for (int d = 0; d < t->ndims; d++) {
        dims[d] = t->dims[d];
        periods[d] = t->periods[d];
        coords[d] = t->coords[d];
    }
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Cart_get)

int PMPI_Cart_rank(MPI_Comm comm, const int coords[], int *rank)
{
    static const char call[] = "MPI_Cart_rank";
    struct lark_comm *c;
    int err = enter_topo(call, comm, MPI_CART, &c);
    if (err != MPI_SUCCESS)
        return err;
    const struct lark_topo *t = c->topo;
    if (rank == NULL || (t->ndims > 0 && coords == NULL))
        return lark_err_raise(c, call, MPI_ERR_ARG, "coords or rank is NULL");
    int w[t->ndims > 0 ? t->ndims : 1];
    for (int d = 0; d < t->ndims; d++) {
        w[d] = coords[d];
        if (t->periods[d])
            w[d] = ((w[d] % t->dims[d]) + t->dims[d]) % t->dims[d];
        else if (w[d] < 0 || w[d] >= t->dims[d])
            return lark_err_raise(c, call, MPI_ERR_ARG,
                                  "coords[%d] = %d is outside the non-periodic dimension (0..%d)",
                                  d, coords[d], t->dims[d] - 1);
    }
    *rank = lark_topo_cart_rank(t, w);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Cart_rank)

int PMPI_Cart_coords(MPI_Comm comm, int rank, int maxdims, int coords[])
{
    static const char call[] = "MPI_Cart_coords";
    struct lark_comm *c;
    int err = enter_topo(call, comm, MPI_CART, &c);
    if (err != MPI_SUCCESS)
        return err;
    const struct lark_topo *t = c->topo;
    if (rank < 0 || rank >= c->size)
        return lark_err_raise(c, call, MPI_ERR_RANK, "rank %d is not in the communicator (%d)",
                              rank, c->size);
    if (maxdims < t->ndims || (t->ndims > 0 && coords == NULL))
        return lark_err_raise(c, call, MPI_ERR_ARG, "maxdims %d < ndims %d, or coords is NULL",
                              maxdims, t->ndims);
    lark_topo_cart_coords(t, rank, coords);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Cart_coords)

int PMPI_Cart_shift(MPI_Comm comm, int direction, int disp, int *rank_source, int *rank_dest)
{
    static const char call[] = "MPI_Cart_shift";
    struct lark_comm *c;
    int err = enter_topo(call, comm, MPI_CART, &c);
    if (err != MPI_SUCCESS)
        return err;
    const struct lark_topo *t = c->topo;
    if (rank_source == NULL || rank_dest == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "rank_source or rank_dest is NULL");
    if (direction < 0 || direction >= t->ndims)
        return lark_err_raise(c, call, MPI_ERR_DIMS, "direction %d is not a dimension (0..%d)",
                              direction, t->ndims - 1);
    int w[t->ndims];
    int *out[2] = {rank_source, rank_dest};
    for (int k = 0; k < 2; k++) {
        memcpy(w, t->coords, sizeof w);
        long x = (long)w[direction] + (k ? disp : -(long)disp), n = t->dims[direction];
        if (t->periods[direction])
            x = ((x % n) + n) % n;
        if (x < 0 || x >= n) {
            *out[k] = MPI_PROC_NULL;
            continue;
        }
        w[direction] = (int)x;
        *out[k] = lark_topo_cart_rank(t, w);
    }
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Cart_shift)

int PMPI_Cart_sub(MPI_Comm comm, const int remain_dims[], MPI_Comm *newcomm)
{
    static const char call[] = "MPI_Cart_sub";
    struct lark_comm *c, *n = NULL;
    int err = enter_topo(call, comm, MPI_CART, &c);
    if (err != MPI_SUCCESS)
        return err;
    const struct lark_topo *t = c->topo;
    if (newcomm == NULL || (t->ndims > 0 && remain_dims == NULL))
        return lark_err_raise(c, call, MPI_ERR_ARG, "remain_dims or newcomm is NULL");
    /* Colour: our place along the dropped dimensions; key: along the kept
     * ones (row-major in both). */
    int color = 0, key = 0, nd = 0;
    int dims[t->ndims > 0 ? t->ndims : 1], periods[t->ndims > 0 ? t->ndims : 1];
    for (int d = 0; d < t->ndims; d++) {
        if (remain_dims[d]) {
            key = key * t->dims[d] + t->coords[d];
            dims[nd] = t->dims[d];
            periods[nd++] = t->periods[d];
        } else {
            color = color * t->dims[d] + t->coords[d];
        }
    }
    lark_where_coll(call, c);
    int rc = lark_comm_split_internal(c, color, key, &n);
    lark_where_leave();
    if (rc != 0)
        return lark_err_raise(c, call, rc, "could not create the subgrid communicator");
    return attach(call, c, n, lark_topo_cart(nd, dims, periods, n->rank), newcomm);
}
LARK_API_ALIAS(Cart_sub)

int PMPI_Cart_map(MPI_Comm comm, int ndims, const int dims[], const int periods[], int *newrank)
{
    static const char call[] = "MPI_Cart_map";
    struct lark_comm *c;
    (void)periods;
    int err = enter(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (newrank == NULL || ndims < 0 || (ndims > 0 && dims == NULL))
        return lark_err_raise(c, call, MPI_ERR_ARG, "ndims is negative or dims/newrank NULL");
    long cells = 1;
    for (int d = 0; d < ndims; d++) {
        if (dims[d] <= 0)
            return lark_err_raise(c, call, MPI_ERR_DIMS, "dims[%d] = %d is not positive", d,
                                  dims[d]);
        cells *= dims[d];
        if (cells > c->size)
            return lark_err_raise(c, call, MPI_ERR_DIMS, "the grid is larger than the comm");
    }
    *newrank = c->rank < cells ? c->rank : MPI_UNDEFINED; /* ranks keep their place */
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Cart_map)

int PMPI_Graph_map(MPI_Comm comm, int nnodes, const int index[], const int edges[], int *newrank)
{
    static const char call[] = "MPI_Graph_map";
    struct lark_comm *c;
    (void)index;
    (void)edges;
    int err = enter(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (newrank == NULL || nnodes < 0 || nnodes > c->size)
        return lark_err_raise(c, call, MPI_ERR_ARG, "nnodes %d is out of range, or newrank NULL",
                              nnodes);
    *newrank = c->rank < nnodes ? c->rank : MPI_UNDEFINED;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Graph_map)

int PMPI_Graphdims_get(MPI_Comm comm, int *nnodes, int *nedges)
{
    struct lark_comm *c;
    int err = enter_topo("MPI_Graphdims_get", comm, MPI_GRAPH, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (nnodes == NULL || nedges == NULL)
        return lark_err_raise(c, "MPI_Graphdims_get", MPI_ERR_ARG, "nnodes or nedges is NULL");
    *nnodes = c->topo->nnodes;
    *nedges = c->topo->nedges;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Graphdims_get)

int PMPI_Graph_get(MPI_Comm comm, int maxindex, int maxedges, int index[], int edges[])
{
    static const char call[] = "MPI_Graph_get";
    struct lark_comm *c;
    int err = enter_topo(call, comm, MPI_GRAPH, &c);
    if (err != MPI_SUCCESS)
        return err;
    const struct lark_topo *t = c->topo;
    if (maxindex < 0 || maxedges < 0 || (maxindex > 0 && index == NULL) ||
        (maxedges > 0 && edges == NULL))
        return lark_err_raise(c, call, MPI_ERR_ARG, "maxindex/maxedges or the arrays are invalid");
    memcpy(index, t->index, sizeof(int) * (size_t)(maxindex < t->nnodes ? maxindex : t->nnodes));
    memcpy(edges, t->edges, sizeof(int) * (size_t)(maxedges < t->nedges ? maxedges : t->nedges));
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Graph_get)

static int graph_node(const char *call, MPI_Comm comm, int rank, struct lark_comm **c, int *first,
                      int *count)
{
    int err = enter_topo(call, comm, MPI_GRAPH, c);
    if (err != MPI_SUCCESS)
        return err;
    const struct lark_topo *t = (*c)->topo;
    if (rank < 0 || rank >= t->nnodes)
        return lark_err_raise(*c, call, MPI_ERR_RANK, "rank %d is not a node of the graph (%d)",
                              rank, t->nnodes);
    *first = rank ? t->index[rank - 1] : 0;
    *count = t->index[rank] - *first;
    return MPI_SUCCESS;
}

int PMPI_Graph_neighbors_count(MPI_Comm comm, int rank, int *nneighbors)
{
    struct lark_comm *c;
    int first, count;
    int err = graph_node("MPI_Graph_neighbors_count", comm, rank, &c, &first, &count);
    if (err != MPI_SUCCESS)
        return err;
    if (nneighbors == NULL)
        return lark_err_raise(c, "MPI_Graph_neighbors_count", MPI_ERR_ARG, "nneighbors is NULL");
    *nneighbors = count;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Graph_neighbors_count)

int PMPI_Graph_neighbors(MPI_Comm comm, int rank, int maxneighbors, int neighbors[])
{
    struct lark_comm *c;
    int first, count;
    int err = graph_node("MPI_Graph_neighbors", comm, rank, &c, &first, &count);
    if (err != MPI_SUCCESS)
        return err;
    if (maxneighbors < 0 || (maxneighbors > 0 && neighbors == NULL))
        return lark_err_raise(c, "MPI_Graph_neighbors", MPI_ERR_ARG,
                              "maxneighbors is negative or neighbors is NULL");
    memcpy(neighbors, c->topo->edges + first,
           sizeof(int) * (size_t)(maxneighbors < count ? maxneighbors : count));
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Graph_neighbors)

int PMPI_Dist_graph_neighbors_count(MPI_Comm comm, int *indegree, int *outdegree, int *weighted)
{
    static const char call[] = "MPI_Dist_graph_neighbors_count";
    struct lark_comm *c;
    int err = enter_topo(call, comm, MPI_DIST_GRAPH, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (indegree == NULL || outdegree == NULL || weighted == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "an output argument is NULL");
    *indegree = c->topo->indegree;
    *outdegree = c->topo->outdegree;
    *weighted = c->topo->weighted;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Dist_graph_neighbors_count)

int PMPI_Dist_graph_neighbors(MPI_Comm comm, int maxindegree, int sources[], int sourceweights[],
                              int maxoutdegree, int destinations[], int destweights[])
{
    static const char call[] = "MPI_Dist_graph_neighbors";
    struct lark_comm *c;
    int err = enter_topo(call, comm, MPI_DIST_GRAPH, &c);
    if (err != MPI_SUCCESS)
        return err;
    const struct lark_topo *t = c->topo;
    if (maxindegree < t->indegree || maxoutdegree < t->outdegree)
        return lark_err_raise(c, call, MPI_ERR_ARG,
                              "maxindegree %d / maxoutdegree %d is less than the degree (%d/%d)",
                              maxindegree, maxoutdegree, t->indegree, t->outdegree);
    if ((t->indegree > 0 && sources == NULL) || (t->outdegree > 0 && destinations == NULL))
        return lark_err_raise(c, call, MPI_ERR_ARG, "sources or destinations is NULL");
    memcpy(sources, t->in, sizeof(int) * (size_t)t->indegree);
    memcpy(destinations, t->out, sizeof(int) * (size_t)t->outdegree);
    if (t->weighted && sourceweights != MPI_UNWEIGHTED && sourceweights != NULL)
        memcpy(sourceweights, t->inw, sizeof(int) * (size_t)t->indegree);
    if (t->weighted && destweights != MPI_UNWEIGHTED && destweights != NULL)
        memcpy(destweights, t->outw, sizeof(int) * (size_t)t->outdegree);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Dist_graph_neighbors)

/*
 * topo.c -- virtual topology objects (topo.h): building, copying, the
 * neighbour lists and Cartesian coordinates.  The MPI_Cart_*, MPI_Graph_*
 * and MPI_Dist_graph_* entry points live in runtime/api/topo.c.
 *
 * Memory: a Cartesian topology costs O(ndims), a distributed graph
 * O(degree) -- never O(communicator size); a graph costs O(nodes + edges)
 * because MPI_Graph_get must return the whole graph.
 */
#include <stdlib.h>
#include <string.h>

#include "comm.h"
#include "topo.h"

/* One block for the topology and its arrays: `ints` ints after it. */
static struct lark_topo *topo_alloc(size_t ints)
{
    struct lark_topo *t = calloc(1, sizeof *t + (ints + 1) * sizeof(int));
    if (t != NULL)
        t->mem = t + 1;
    return t;
}

int lark_topo_cart_rank(const struct lark_topo *t, const int *coords)
{
    int r = 0;
    for (int d = 0; d < t->ndims; d++)
        r = r * t->dims[d] + coords[d];
    return r;
}

void lark_topo_cart_coords(const struct lark_topo *t, int rank, int *coords)
{
    for (int d = t->ndims - 1; d >= 0; d--) {
        coords[d] = rank % t->dims[d];
        rank /= t->dims[d];
    }
}

struct lark_topo *lark_topo_cart(int ndims, const int *dims, const int *periods, int rank)
{
    /* dims, periods, coords, then 2 neighbours per dimension. */
    struct lark_topo *t = topo_alloc(5 * (size_t)ndims);
    if (t == NULL)
        return NULL;
    int *p = t->mem;
    t->kind = MPI_CART;
    t->rank = rank;
    t->ndims = ndims;
    t->dims = p;
    t->periods = p + ndims;
    t->coords = p + 2 * ndims;
    t->in = t->out = p + 3 * ndims;
    for (int d = 0; d < ndims; d++) {
        t->dims[d] = dims[d];
        t->periods[d] = periods[d] != 0;
    }
    lark_topo_cart_coords(t, rank, t->coords);
    int c[ndims > 0 ? ndims : 1];
    for (int d = 0; d < ndims; d++) {
        for (int dir = 0; dir < 2; dir++) {
            memcpy(c, t->coords, sizeof(int) * (size_t)ndims);
            c[d] += dir ? 1 : -1;
            int nb;
            if (c[d] < 0 || c[d] >= dims[d]) {
                if (t->periods[d])
                    c[d] = (c[d] + dims[d]) % dims[d];
                nb = t->periods[d] ? lark_topo_cart_rank(t, c) : MPI_PROC_NULL;
            } else {
                nb = lark_topo_cart_rank(t, c);
            }
            t->in[2 * d + dir] = nb;
        }
    }
    t->indegree = t->outdegree = 2 * ndims;
    return t;
}

struct lark_topo *lark_topo_graph(int nnodes, const int *index, const int *edges, int rank)
{
    int nedges = nnodes > 0 ? index[nnodes - 1] : 0;
    struct lark_topo *t = topo_alloc((size_t)nnodes + (size_t)nedges);
    if (t == NULL)
        return NULL;
    t->kind = MPI_GRAPH;
    t->rank = rank;
    t->nnodes = nnodes;
    t->nedges = nedges;
    t->index = t->mem;
    t->edges = t->index + nnodes;
    memcpy(t->index, index, sizeof(int) * (size_t)nnodes);
    memcpy(t->edges, edges, sizeof(int) * (size_t)nedges);
    if (rank >= 0 && rank < nnodes) {
        int first = rank == 0 ? 0 : index[rank - 1];
        t->in = t->out = t->edges + first;
        t->indegree = t->outdegree = index[rank] - first;
    }
    return t;
}

struct lark_topo *lark_topo_dist_graph(int indegree, const int *sources, const int *sweights,
                                       int outdegree, const int *dests, const int *dweights,
                                       bool weighted)
{
    size_t n = (size_t)indegree + (size_t)outdegree;
    struct lark_topo *t = topo_alloc(weighted ? 2 * n : n);
    if (t == NULL)
        return NULL;
    t->kind = MPI_DIST_GRAPH;
    t->weighted = weighted;
    t->indegree = indegree;
    t->outdegree = outdegree;
    t->in = t->mem;
    t->out = t->in + indegree;
    memcpy(t->in, sources, sizeof(int) * (size_t)indegree);
    memcpy(t->out, dests, sizeof(int) * (size_t)outdegree);
    if (weighted) {
        t->inw = t->out + outdegree;
        t->outw = t->inw + indegree;
        memcpy(t->inw, sweights, sizeof(int) * (size_t)indegree);
        memcpy(t->outw, dweights, sizeof(int) * (size_t)outdegree);
    }
    return t;
}

struct lark_topo *lark_topo_dup(const struct lark_topo *t)
{
    struct lark_topo *n = NULL;
    if (t == NULL)
        return NULL;
    if (t->kind == MPI_CART)
        n = lark_topo_cart(t->ndims, t->dims, t->periods, t->rank);
    else if (t->kind == MPI_GRAPH)
        n = lark_topo_graph(t->nnodes, t->index, t->edges, t->rank);
    else
        n = lark_topo_dist_graph(t->indegree, t->in, t->inw, t->outdegree, t->out, t->outw,
                                 t->weighted);
    if (n != NULL)
        n->rank = t->rank;
    return n;
}

void lark_topo_free(struct lark_topo *t)
{
    free(t); /* the arrays live in the same block */
}

int lark_topo_nbrs(const struct lark_comm *comm, struct lark_topo_nbrs *nbrs)
{
    const struct lark_topo *t = comm->topo;
    if (t == NULL)
        return LARK_ERR_ARG;
    *nbrs = (struct lark_topo_nbrs){t->indegree, t->outdegree, t->in, t->out, t->inw, t->outw};
    return LARK_OK;
}

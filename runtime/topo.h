/*
 * topo.h -- virtual topologies attached to a communicator: Cartesian
 * grids, graphs and distributed graphs (MPI chapter 8).
 *
 * For the neighbourhood collectives (runtime/coll/): lark_topo_nbrs()
 * gives this process's neighbours in the order the standard fixes for
 * MPI_Neighbor_* buffers:
 *  - Cartesian: for each dimension d in order, the neighbour at -1 then
 *    the one at +1 (MPI_Cart_shift(d, 1)'s source, then its dest);
 *    MPI_PROC_NULL off a non-periodic edge; in and out are the same list;
 *  - graph: the neighbours MPI_Graph_neighbors lists (in == out);
 *  - distributed graph: sources (in) and destinations (out) as given to
 *    MPI_Dist_graph_create(_adjacent) or gathered by MPI_Dist_graph_create.
 * Ranks are ranks in the communicator.  The arrays belong to the topology
 * and live as long as the communicator.  No locks needed: a topology is
 * immutable once attached.
 */
#ifndef LARK_TOPO_H_INCLUDED
#define LARK_TOPO_H_INCLUDED

#include <stdbool.h>

#include "lark.h"

struct lark_comm;

struct lark_topo {
    int kind; /* MPI_CART, MPI_GRAPH or MPI_DIST_GRAPH */
    int rank; /* this process's rank in the communicator */
    /* Cartesian */
    int ndims;
    int *dims, *periods, *coords; /* ndims each: the grid, and our place in it */
    /* graph (the whole graph, as MPI_Graph_get returns it) */
    int nnodes, nedges;
    int *index, *edges;
    /* neighbour lists (all kinds; see above) */
    int indegree, outdegree;
    int *in, *out;   /* owned (graph: point into edges) */
    int *inw, *outw; /* distributed graph weights, or NULL when unweighted */
    bool weighted;   /* distributed graph made with weights */
    void *mem;       /* one allocation holding the arrays */
};

struct lark_topo_nbrs {
    int indegree, outdegree;
    const int *in, *out;               /* ranks (MPI_PROC_NULL possible for Cartesian) */
    const int *inweights, *outweights; /* distributed graphs with weights; else NULL */
};

/* This process's neighbours in comm; LARK_ERR_ARG when comm has no
 * topology (the collective then fails with MPI_ERR_TOPOLOGY). */
int lark_topo_nbrs(const struct lark_comm *comm, struct lark_topo_nbrs *nbrs);

/* Cartesian helpers (no argument checks): rank <-> coordinates in a grid
 * of `ndims` dims (row-major, the last dimension varying fastest). */
int lark_topo_cart_rank(const struct lark_topo *t, const int *coords);
void lark_topo_cart_coords(const struct lark_topo *t, int rank, int *coords);

/* Builders: a new topology (freed by lark_topo_free) or NULL when out of
 * memory.  `rank` is this process's rank in the new communicator. */
struct lark_topo *lark_topo_cart(int ndims, const int *dims, const int *periods, int rank);
struct lark_topo *lark_topo_graph(int nnodes, const int *index, const int *edges, int rank);
struct lark_topo *lark_topo_dist_graph(int indegree, const int *sources, const int *sweights,
                                       int outdegree, const int *dests, const int *dweights,
                                       bool weighted);
/* A copy (MPI_Comm_dup keeps the topology); NULL when out of memory. */
struct lark_topo *lark_topo_dup(const struct lark_topo *t);
void lark_topo_free(struct lark_topo *t);

#endif

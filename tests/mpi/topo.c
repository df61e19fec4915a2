/*
 * topo.c -- every topology call on the world's size (run on odd and even
 * sizes): MPI_Dims_create (fixed and free dimensions, errors), Cartesian
 * grids (create, Topo_test, Cartdim_get, Cart_get, rank <-> coords for
 * every rank, shifts checked against their definition and by exchanging
 * ranks with the neighbours, Cart_sub, Cart_map, wrap-around of periodic
 * coordinates), a ring as a graph (Graph_create and all its queries,
 * Graph_map), and distributed graphs (create_adjacent with weights,
 * create from edges given by one rank), and that Comm_dup keeps them.
 */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

static int wrank, wsize;
#define TEST_NAME "topo"
#include "check.h"

static void dims(void)
{
    int d2[2] = {0, 0}, d3[3] = {0, 0, 0}, fx[3] = {0, 3, 0};
    MPI_Dims_create(6, 2, d2);
    CHECK(d2[0] == 3 && d2[1] == 2, "6 in 2: %d x %d", d2[0], d2[1]);
    MPI_Dims_create(12, 3, d3);
    CHECK(d3[0] == 3 && d3[1] == 2 && d3[2] == 2, "12 in 3: %d %d %d", d3[0], d3[1], d3[2]);
    MPI_Dims_create(24, 3, fx);
    CHECK(fx[0] == 4 && fx[1] == 3 && fx[2] == 2, "24 with 3 fixed: %d %d %d", fx[0], fx[1], fx[2]);
    int p[2] = {0, 0};
    MPI_Dims_create(7, 2, p);
    CHECK(p[0] == 7 && p[1] == 1, "7 in 2: %d %d", p[0], p[1]);
    int bad[2] = {3, 0}, cls;
    int rc = MPI_Dims_create(10, 2, bad);
    MPI_Error_class(rc, &cls);
    CHECK(rc != MPI_SUCCESS, "10 with a fixed 3 succeeded");
}

static int expect_rank(const int *d, const int *c, int nd)
{
    int r = 0;
    for (int i = 0; i < nd; i++)
        r = r * d[i] + c[i];
    return r;
}

static void cart(int ndims, const int *periods)
{
    int d[3] = {0, 0, 0};
    MPI_Dims_create(wsize, ndims, d);
    MPI_Comm cart, dup;
    MPI_Cart_create(MPI_COMM_WORLD, ndims, d, periods, 0, &cart);
    int status, nd, r;
    MPI_Topo_test(cart, &status);
    CHECK(status == MPI_CART, "Topo_test %d", status);
    MPI_Cartdim_get(cart, &nd);
    CHECK(nd == ndims, "Cartdim_get %d", nd);
    MPI_Comm_rank(cart, &r);
    int gd[3], gp[3], gc[3];
    MPI_Cart_get(cart, 3, gd, gp, gc);
    for (int i = 0; i < ndims; i++)
        CHECK(gd[i] == d[i] && (gp[i] != 0) == (periods[i] != 0), "Cart_get dim %d", i);
    CHECK(expect_rank(d, gc, ndims) == r, "my coords give rank %d, not %d",
          expect_rank(d, gc, ndims), r);
    for (int q = 0; q < wsize; q++) {
        int c[3], back;
        MPI_Cart_coords(cart, q, 3, c);
        MPI_Cart_rank(cart, c, &back);
        CHECK(back == q, "rank %d -> coords -> %d", q, back);
    }
    /* Shifts, by definition and by exchanging ranks. */
    for (int dim = 0; dim < ndims; dim++)
        for (int disp = -2; disp <= 2; disp++) {
            int src, dst;
            MPI_Cart_shift(cart, dim, disp, &src, &dst);
            for (int k = 0; k < 2; k++) {
                int c[3];
                memcpy(c, gc, sizeof c);
                c[dim] += k ? disp : -disp;
                int want;
                if (periods[dim])
                    c[dim] = ((c[dim] % d[dim]) + d[dim]) % d[dim];
                if (c[dim] < 0 || c[dim] >= d[dim])
                    want = MPI_PROC_NULL;
                else
                    want = expect_rank(d, c, ndims);
                CHECK((k ? dst : src) == want, "shift dim %d disp %d: %s %d, want %d", dim, disp,
                      k ? "dest" : "source", k ? dst : src, want);
            }
            int got = -7;
            MPI_Sendrecv(&r, 1, MPI_INT, dst, 5, &got, 1, MPI_INT, src, 5, cart, MPI_STATUS_IGNORE);
            CHECK(src == MPI_PROC_NULL ? got == -7 : got == src, "exchange got %d from %d", got,
                  src);
        }
    if (periods[0] && ndims > 0) {
        int c[3], w;
        memcpy(c, gc, sizeof c);
        c[0] += d[0];
        MPI_Cart_rank(cart, c, &w);
        CHECK(w == r, "periodic wrap gave %d", w);
    }
    /* Subgrid along dimension 0 only. */
    int remain[3] = {1, 0, 0}, sr, ss;
    MPI_Comm sub;
    MPI_Cart_sub(cart, remain, &sub);
    MPI_Comm_size(sub, &ss);
    MPI_Comm_rank(sub, &sr);
    CHECK(ss == d[0] && sr == gc[0], "Cart_sub size %d rank %d", ss, sr);
    MPI_Cartdim_get(sub, &nd);
    CHECK(nd == 1, "Cart_sub dims %d", nd);
    MPI_Comm_free(&sub);
    int nr;
    MPI_Cart_map(MPI_COMM_WORLD, ndims, d, periods, &nr);
    CHECK(nr >= 0 && nr < wsize, "Cart_map %d", nr);
    MPI_Comm_dup(cart, &dup);
    MPI_Topo_test(dup, &status);
    CHECK(status == MPI_CART, "the dup lost the topology");
    MPI_Comm_free(&dup);
    MPI_Comm_free(&cart);
}

static void graph(void)
{
    /* A ring: node i is linked to i-1 and i+1. */
    int n = wsize, index[64], edges[128], e = 0;
    for (int i = 0; i < n; i++) {
        if (n > 1) {
            edges[e++] = (i + n - 1) % n;
            edges[e++] = (i + 1) % n;
        }
        index[i] = e;
    }
    MPI_Comm g;
    MPI_Graph_create(MPI_COMM_WORLD, n, index, edges, 0, &g);
    int status, nn, ne, cnt, nb[4];
    MPI_Topo_test(g, &status);
    CHECK(status == MPI_GRAPH, "Topo_test %d", status);
    MPI_Graphdims_get(g, &nn, &ne);
    CHECK(nn == n && ne == e, "Graphdims %d %d", nn, ne);
    int gi[64], ge[128];
    MPI_Graph_get(g, 64, 128, gi, ge);
    CHECK(memcmp(gi, index, sizeof(int) * (size_t)n) == 0 &&
              memcmp(ge, edges, sizeof(int) * (size_t)e) == 0,
          "Graph_get differs");
    for (int q = 0; q < n; q++) {
        MPI_Graph_neighbors_count(g, q, &cnt);
        CHECK(cnt == (n > 1 ? 2 : 0), "node %d has %d neighbours", q, cnt);
        MPI_Graph_neighbors(g, q, 4, nb);
        CHECK(cnt == 0 || (nb[0] == (q + n - 1) % n && nb[1] == (q + 1) % n), "neighbours of %d",
              q);
    }
    int nr;
    MPI_Graph_map(MPI_COMM_WORLD, n, index, edges, &nr);
    CHECK(nr == wrank, "Graph_map %d", nr);
    MPI_Comm_free(&g);
}

static void dist_graph(void)
{
    int left = (wrank + wsize - 1) % wsize, right = (wrank + 1) % wsize;
    int sw = 10 + left, dw = 10 + wrank;
    MPI_Comm dg;
    MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 1, &left, &sw, 1, &right, &dw, MPI_INFO_NULL, 0,
                                   &dg);
    int status, in, out, weighted, s, d, sws, dws;
    MPI_Topo_test(dg, &status);
    CHECK(status == MPI_DIST_GRAPH, "Topo_test %d", status);
    MPI_Dist_graph_neighbors_count(dg, &in, &out, &weighted);
    CHECK(in == 1 && out == 1 && weighted, "adjacent: %d %d %d", in, out, weighted);
    MPI_Dist_graph_neighbors(dg, 1, &s, &sws, 1, &d, &dws);
    CHECK(s == left && d == right && sws == sw && dws == dw, "adjacent neighbours");
    MPI_Comm_free(&dg);

    /* The same ring, all edges given by rank 0, weight = the source. */
    int n = wrank == 0 ? wsize : 0, srcs[64], degs[64], dsts[64], wts[64];
    for (int i = 0; i < n; i++) {
        srcs[i] = i;
        degs[i] = 1;
        dsts[i] = (i + 1) % wsize;
        wts[i] = 100 + i;
    }
    MPI_Dist_graph_create(MPI_COMM_WORLD, n, srcs, degs, dsts, wts, MPI_INFO_NULL, 0, &dg);
    MPI_Dist_graph_neighbors_count(dg, &in, &out, &weighted);
    CHECK(in == 1 && out == 1 && weighted, "create: %d %d %d", in, out, weighted);
    MPI_Dist_graph_neighbors(dg, 1, &s, &sws, 1, &d, &dws);
    CHECK(s == left && d == right && sws == 100 + left && dws == 100 + wrank,
          "create: neighbours %d %d weights %d %d", s, d, sws, dws);
    MPI_Comm_free(&dg);
    /* Through a volatile pointer: GCC warns that a constant like
     * MPI_UNWEIGHTED points to no array. */
    int *volatile unweighted = MPI_UNWEIGHTED;
    MPI_Dist_graph_create(MPI_COMM_WORLD, n, srcs, degs, dsts, unweighted, MPI_INFO_NULL, 0, &dg);
    MPI_Dist_graph_neighbors_count(dg, &in, &out, &weighted);
    CHECK(in == 1 && out == 1 && !weighted, "unweighted: %d %d %d", in, out, weighted);
    MPI_Comm_free(&dg);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &wsize);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    dims();
    int p1[3] = {1, 0, 1}, p0[3] = {0, 0, 0};
    cart(1, p1);
    cart(2, p1);
    cart(2, p0);
    cart(3, p1);
    graph();
    dist_graph();
    int status;
    MPI_Topo_test(MPI_COMM_WORLD, &status);
    CHECK(status == MPI_UNDEFINED, "the world has a topology (%d)", status);
    MPI_Finalize();
    return 0;
}

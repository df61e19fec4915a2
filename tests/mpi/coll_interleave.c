/*
 * coll_interleave.c -- collectives on two communicators interleaved with
 * point-to-point traffic on a third, wildcard receives included: nothing
 * may match across communicators.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int wrank;
#define TEST_NAME "coll_interleave"
#include "check.h"

int main(int argc, char **argv)
{
    int size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm a, b, p;
    MPI_Comm_dup(MPI_COMM_WORLD, &a);
    MPI_Comm_split(MPI_COMM_WORLD, 0, size - wrank, &b); /* reversed ranks */
    MPI_Comm_dup(MPI_COMM_WORLD, &p);
    int brank;
    MPI_Comm_rank(b, &brank);

    static char seen[2][301]; /* [left/right neighbour][iteration] */
    for (int it = 0; it < 300; it++) {
        /* Post wildcard receives on p first: they must only ever match the
         * point-to-point messages below, never collective traffic. */
        int in[2] = {-1, -1};
        MPI_Request rq[4];
        MPI_Irecv(&in[0], 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, p, &rq[0]);
        MPI_Irecv(&in[1], 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, p, &rq[1]);
        int out = wrank * 1000 + it;
        MPI_Isend(&out, 1, MPI_INT, (wrank + 1) % size, it % 7, p, &rq[2]);
        MPI_Isend(&out, 1, MPI_INT, (wrank + size - 1) % size, it % 5, p, &rq[3]);

        int v = it + wrank, sum = 0, root_val = wrank == it % size ? it : -1;
        MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_SUM, a);
        CHECK(sum == it * size + size * (size - 1) / 2, "allreduce on a: %d", sum);
        MPI_Bcast(&root_val, 1, MPI_INT, (size - 1 - it % size), b);
        /* Root of b rank (size-1-it%size) is world rank it%size. */
        CHECK(root_val == it, "bcast on b: %d", root_val);
        MPI_Barrier(b);
        int mx = 0;
        MPI_Allreduce(&brank, &mx, 1, MPI_INT, MPI_MAX, b);
        CHECK(mx == size - 1, "max on b: %d", mx);

        MPI_Waitall(4, rq, MPI_STATUSES_IGNORE);
        /* Messages from two senders are not ordered with each other: a
         * neighbour one iteration ahead (its collectives done, ours not
         * yet seen done) may be matched before the other neighbour's
         * message of this iteration.  Each must come from a neighbour,
         * within one iteration, and arrive exactly once (checked below). */
        int l = (wrank + size - 1) % size, r = (wrank + 1) % size;
        for (int k = 0; k < 2; k++) {
            int src = in[k] / 1000, its = in[k] % 1000;
            CHECK((src == l || src == r) && its >= it - 1 && its <= it + 1, "p2p got %d", in[k]);
            int side = src == l ? 0 : 1;
            if (l == r) /* both messages come from the one neighbour */
                side = seen[0][its] ? 1 : 0;
            CHECK(!seen[side][its], "message %d received twice", in[k]);
            seen[side][its] = 1;
        }
    }
    for (int it = 0; it < 300; it++)
        CHECK(seen[0][it] && seen[1][it], "iteration %d's message lost", it);
    MPI_Comm_free(&a);
    MPI_Comm_free(&b);
    MPI_Comm_free(&p);
    if (wrank == 0)
        printf("coll_interleave: ok on %d ranks\n", size);
    MPI_Finalize();
    return 0;
}

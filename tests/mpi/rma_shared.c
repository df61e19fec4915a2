/*
 * rma_shared.c -- MPI_Win_allocate_shared: MPI_Win_shared_query gives
 * every rank a pointer to every other rank's memory, contiguous across
 * ranks by default; a rank writes with plain stores and another reads them
 * after MPI_Win_sync + MPI_Barrier inside a lock_all epoch (the usual
 * shared-memory idiom), and MPI_PROC_NULL finds the first memory.  Also a
 * rank with size 0.  Standard MPI only.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

#define TEST_NAME "rma_shared"
static int wrank;
#include "check.h"

#define N 1000

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    wrank = rank;
    /* Rank 1 exposes nothing: contiguity must still hold around it. */
    MPI_Aint mysize = rank == 1 ? 0 : N * sizeof(double);
    double *mine;
    MPI_Win win;
    MPI_Win_allocate_shared(mysize, sizeof(double), MPI_INFO_NULL, MPI_COMM_WORLD, &mine, &win);
    double *base[64];
    CHECK(size <= 64, "at most 64 ranks");
    for (int r = 0; r < size; r++) {
        MPI_Aint sz;
        int du;
        MPI_Win_shared_query(win, r, &sz, &du, &base[r]);
        CHECK(sz == (r == 1 ? 0 : N * (MPI_Aint)sizeof(double)), "rank %d size %ld", r, (long)sz);
        CHECK(du == sizeof(double), "rank %d disp unit %d", r, du);
        if (r > 0 && sz > 0) {
            /* Contiguous: the previous non-empty rank's memory ends here. */
            int p = r - 1;
            while (p > 0 && p == 1)
                p--;
            CHECK((char *)base[r] == (char *)base[p] + N * sizeof(double),
                  "memory of rank %d does not follow rank %d's", r, p);
        }
    }
    CHECK(base[rank] == mine || rank == 1, "shared_query of myself differs from baseptr");
    MPI_Aint sz;
    int du;
    double *first;
    MPI_Win_shared_query(win, MPI_PROC_NULL, &sz, &du, &first);
    CHECK(first == base[0] && sz == N * (MPI_Aint)sizeof(double), "MPI_PROC_NULL query");

    MPI_Win_lock_all(0, win);
    for (int round = 0; round < 3; round++) {
        /* Write my own memory with stores, then the right neighbour reads it. */
        if (rank != 1)
            for (int i = 0; i < N; i++)
                mine[i] = rank * 1e6 + round * 1e3 + i;
        MPI_Win_sync(win);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Win_sync(win);
        int left = (rank + size - 1) % size;
        if (left != 1)
            for (int i = 0; i < N; i++)
                CHECK(base[left][i] == left * 1e6 + round * 1e3 + i,
                      "round %d: read %g from rank %d at %d", round, base[left][i], left, i);
        MPI_Win_sync(win);
        MPI_Barrier(MPI_COMM_WORLD);
        /* Now write straight into the right neighbour's memory. */
        int right = (rank + 1) % size;
        if (right != 1)
            base[right][round] = -rank;
        MPI_Win_sync(win);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Win_sync(win);
        if (rank != 1)
            CHECK(mine[round] == -left, "store from rank %d: %g", left, mine[round]);
        MPI_Barrier(MPI_COMM_WORLD);
    }
    MPI_Win_unlock_all(win);
    MPI_Win_free(&win);
    MPI_Finalize();
    if (rank == 0)
        printf("rma_shared: %d ranks OK\n", size);
    return 0;
}

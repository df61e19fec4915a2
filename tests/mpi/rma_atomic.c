/*
 * rma_atomic.c -- accumulate atomicity under contention: every rank
 * increments one counter on rank 0 with MPI_Fetch_and_op many times (the
 * fetched values must all differ and the total must be exact), adds with
 * MPI_Accumulate to a long long and a double, and takes a spin lock built
 * on MPI_Compare_and_swap around a non-atomic update.  Run on a window of
 * user memory (active messages) and an allocated one (atomics in shared
 * memory).  Standard MPI only.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define TEST_NAME "rma_atomic"
static int wrank;
#include "check.h"

#define ITERS 200

static int rank, size;

static void run(MPI_Win win, long long *mem)
{
    /* mem[0]: fetch-and-op counter, mem[1]: accumulate counter, mem[2]:
     * double accumulate, mem[3]: CAS lock word, mem[4]: guarded counter. */
    char *seen = calloc((size_t)size * ITERS, 1);
    long long *mine = malloc(ITERS * sizeof *mine);
    MPI_Win_lock_all(0, win);
    long long one = 1, old;
    for (int i = 0; i < ITERS; i++) {
        MPI_Fetch_and_op(&one, &old, MPI_LONG_LONG, 0, 0, MPI_SUM, win);
        MPI_Win_flush(0, win);
        mine[i] = old;
        MPI_Accumulate(&one, 1, MPI_LONG_LONG, 0, 1, 1, MPI_LONG_LONG, MPI_SUM, win);
        double half = 0.5;
        MPI_Accumulate(&half, 1, MPI_DOUBLE, 0, 2, 1, MPI_DOUBLE, MPI_SUM, win);
    }
    /* A lock made of compare-and-swap guarding a get/put increment. */
    for (int i = 0; i < ITERS / 4; i++) {
        long long zero = 0, me = rank + 1, got;
        do {
            MPI_Compare_and_swap(&me, &zero, &got, MPI_LONG_LONG, 0, 3, win);
            MPI_Win_flush(0, win);
        } while (got != 0);
        long long v;
        MPI_Get(&v, 1, MPI_LONG_LONG, 0, 4, 1, MPI_LONG_LONG, win);
        MPI_Win_flush(0, win);
        v++;
        MPI_Put(&v, 1, MPI_LONG_LONG, 0, 4, 1, MPI_LONG_LONG, win);
        MPI_Win_flush(0, win);
        MPI_Fetch_and_op(&zero, &got, MPI_LONG_LONG, 0, 3, MPI_REPLACE, win);
        MPI_Win_flush(0, win);
        CHECK(got == me, "the CAS lock was held by %lld, not us", got);
    }
    MPI_Win_unlock_all(win);
    long long *all = rank == 0 ? malloc((size_t)size * ITERS * sizeof *all) : NULL;
    MPI_Gather(mine, ITERS, MPI_LONG_LONG, all, ITERS, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        long long total = (long long)size * ITERS;
        MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win);
        CHECK(mem[0] == total, "fetch_and_op total %lld, want %lld", mem[0], total);
        CHECK(mem[1] == total, "accumulate total %lld, want %lld", mem[1], total);
        CHECK(((double *)mem)[2] == 0.5 * (double)total, "double accumulate total %g",
              ((double *)mem)[2]);
        CHECK(mem[4] == (long long)size * (ITERS / 4), "CAS-locked counter %lld", mem[4]);
        MPI_Win_unlock(0, win);
        for (long long i = 0; i < total; i++) {
            CHECK(all[i] >= 0 && all[i] < total, "fetched %lld out of range", all[i]);
            CHECK(!seen[all[i]], "value %lld fetched twice", all[i]);
            seen[all[i]] = 1;
        }
    }
    free(all);
    free(seen);
    free(mine);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    wrank = rank;
    for (int flavor = 0; flavor < 2; flavor++) {
        MPI_Win win;
        long long *mem;
        if (flavor == 0) {
            mem = calloc(8, sizeof *mem);
            MPI_Win_create(mem, 8 * sizeof *mem, sizeof *mem, MPI_INFO_NULL, MPI_COMM_WORLD, &win);
        } else {
            MPI_Win_allocate(8 * sizeof *mem, sizeof *mem, MPI_INFO_NULL, MPI_COMM_WORLD, &mem,
                             &win);
            MPI_Win_lock(MPI_LOCK_EXCLUSIVE, rank, 0, win);
            for (int i = 0; i < 8; i++)
                mem[i] = 0;
            MPI_Win_unlock(rank, win);
        }
        MPI_Barrier(MPI_COMM_WORLD);
        run(win, mem);
        MPI_Win_free(&win);
        if (flavor == 0)
            free(mem);
    }
    MPI_Finalize();
    if (rank == 0)
        printf("rma_atomic: %d ranks OK\n", size);
    return 0;
}

/*
 * rma_sync.c -- every synchronisation mode, on a window of user memory
 * (reached by active messages) and on an allocated one (shared memory):
 *  - post/start/complete/wait and Win_test over the whole group;
 *  - exclusive locks from every rank at once on rank 0, each doing a
 *    read-modify-write that would lose updates without mutual exclusion;
 *  - shared locks from every rank at once, lock_all with flush,
 *    flush_local and MPI_MODE_NOCHECK;
 *  - fence with assertions.
 * Standard MPI only: the same source runs under Open MPI and MPICH.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define TEST_NAME "rma_sync"
static int wrank;
#include "check.h"

#define N      16
#define ROUNDS 20

static int rank, size;

static void pscw(MPI_Win win, int *mem)
{
    int right = (rank + 1) % size, left = (rank + size - 1) % size;
    /* Every rank exposes to and accesses every rank (the whole group). */
    MPI_Group world, gl, gr;
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    MPI_Comm_group(MPI_COMM_WORLD, &gl);
    MPI_Comm_group(MPI_COMM_WORLD, &gr);
    for (int round = 0; round < ROUNDS; round++) {
        /* Expose to the left neighbour, access the right one. */
        MPI_Win_post(gl, 0, win);
        MPI_Win_start(gr, 0, win);
        int v = rank * 100 + round;
        MPI_Put(&v, 1, MPI_INT, right, 1, 1, MPI_INT, win);
        int got = -1;
        MPI_Get(&got, 1, MPI_INT, right, 0, 1, MPI_INT, win);
        MPI_Win_complete(win);
        CHECK(got == right, "pscw get %d, want %d", got, right);
        if (round % 2) {
            int flag = 0;
            while (!flag)
                MPI_Win_test(win, &flag);
        } else {
            MPI_Win_wait(win);
        }
        CHECK(mem[1] == left * 100 + round, "pscw round %d: put %d, want %d", round, mem[1],
              left * 100 + round);
    }
    MPI_Group_free(&gl);
    MPI_Group_free(&gr);
    MPI_Group_free(&world);
}

static void exclusive(MPI_Win win, int *mem)
{
    /* A non-atomic increment of element 2 of rank 0 (get, add, put) inside
     * an exclusive lock: without exclusion updates get lost. */
    for (int i = 0; i < ROUNDS; i++) {
        int v;
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win);
        MPI_Get(&v, 1, MPI_INT, 0, 2, 1, MPI_INT, win);
        MPI_Win_flush(0, win);
        v += 1;
        MPI_Put(&v, 1, MPI_INT, 0, 2, 1, MPI_INT, win);
        MPI_Win_unlock(0, win);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win);
        CHECK(mem[2] == size * ROUNDS, "exclusive increments: %d, want %d", mem[2], size * ROUNDS);
        MPI_Win_unlock(0, win);
    }
}

static void shared_locks(MPI_Win win)
{
    /* Everyone reads everyone under shared locks at once. */
    for (int r = 0; r < size; r++) {
        int v = -1;
        MPI_Win_lock(MPI_LOCK_SHARED, r, 0, win);
        MPI_Get(&v, 1, MPI_INT, r, 0, 1, MPI_INT, win);
        MPI_Win_unlock(r, win);
        CHECK(v == r, "shared lock get from %d: %d", r, v);
    }
    /* lock_all: put to element 3 + rank of every rank, flush each, read back. */
    MPI_Win_lock_all(0, win);
    for (int r = 0; r < size; r++) {
        int v = rank + 1000 * r;
        MPI_Put(&v, 1, MPI_INT, r, 4 + rank % (N - 4), 1, MPI_INT, win);
        MPI_Win_flush_local(r, win);
        MPI_Win_flush(r, win);
    }
    MPI_Win_flush_all(win);
    MPI_Win_flush_local_all(win);
    MPI_Win_unlock_all(win);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_lock_all(MPI_MODE_NOCHECK, win);
    for (int r = 0; r < size; r++) {
        int v = -1, who = size <= N - 4 ? r : -1;
        if (who < 0)
            continue;
        MPI_Get(&v, 1, MPI_INT, rank, 4 + r, 1, MPI_INT, win);
        MPI_Win_flush(rank, win);
        CHECK(v == r + 1000 * rank, "lock_all put from %d: %d", r, v);
    }
    MPI_Win_unlock_all(win);
    MPI_Barrier(MPI_COMM_WORLD);
}

static void fences(MPI_Win win, int *mem)
{
    int right = (rank + 1) % size, left = (rank + size - 1) % size;
    MPI_Win_fence(MPI_MODE_NOPRECEDE, win);
    int v = 7000 + rank;
    MPI_Put(&v, 1, MPI_INT, right, N - 1, 1, MPI_INT, win);
    MPI_Win_fence(MPI_MODE_NOSTORE, win);
    CHECK(mem[N - 1] == 7000 + left, "fence put %d", mem[N - 1]);
    MPI_Win_fence(MPI_MODE_NOPUT | MPI_MODE_NOSUCCEED, win);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    wrank = rank;
    for (int flavor = 0; flavor < 2; flavor++) {
        MPI_Win win;
        int *mem;
        if (flavor == 0) {
            mem = calloc(N, sizeof(int));
            MPI_Win_create(mem, N * sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &win);
        } else {
            MPI_Win_allocate(N * sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &mem,
                             &win);
        }
        /* Local stores to the window memory, made visible by the lock. */
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, rank, 0, win);
        for (int i = 0; i < N; i++)
            mem[i] = i == 0 ? rank : 0;
        MPI_Win_unlock(rank, win);
        MPI_Barrier(MPI_COMM_WORLD);
        pscw(win, mem);
        MPI_Barrier(MPI_COMM_WORLD);
        exclusive(win, mem);
        shared_locks(win);
        fences(win, mem);
        MPI_Win_free(&win);
        if (flavor == 0)
            free(mem);
    }
    MPI_Finalize();
    if (rank == 0)
        printf("rma_sync: %d ranks OK\n", size);
    return 0;
}

/*
 * oversub.c -- ranks outnumbering cores must not collapse: 8 ranks on this
 * 2-core machine exchange 8 bytes around a ring (both neighbours) over and
 * over.  Waiting ranks must give their core away.
 *
 * A collapse detector, not a benchmark: it compares, in one run, the ring
 * with Lark's blocking MPI_Sendrecv against the same ring where every rank
 * waits in its own loop of MPI_Test and sched_yield() (a waiting policy
 * that gives the core away by construction).  The two are measured in
 * interleaved rounds and each keeps its best round, so a burst of other work
 * on a shared machine stalls both alike.  Healthy: blocking is about as fast
 * as the yield loop or faster (ratio ~0.3-2); ranks that spin on a core
 * another rank needs take a scheduler slice per exchange (MPICH: ~24 ms, a
 * hundred times the yield loop).  Fails above LARK_OVERSUB_FACTOR (default
 * 10).  Prints both times and the ratio.
 */
#include <mpi.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

static int left, right;

static void check(int rank, double a, double b)
{
    if (a != left || b != right) {
        fprintf(stderr, "oversub rank %d: wrong data\n", rank);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
}

/* The ring with Lark's own waiting. */
static double ring_blocking(int rank, int n)
{
    double v = rank, a = -1, b = -1;
    double t0 = MPI_Wtime();
    for (int i = 0; i < n; i++) {
        MPI_Sendrecv(&v, 1, MPI_DOUBLE, right, 0, &a, 1, MPI_DOUBLE, left, 0, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
        MPI_Sendrecv(&v, 1, MPI_DOUBLE, left, 1, &b, 1, MPI_DOUBLE, right, 1, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
        check(rank, a, b);
    }
    return MPI_Wtime() - t0;
}

static void wait_yielding(int count, MPI_Request *reqs)
{
    int done = 0;
    for (;;) {
        MPI_Testall(count, reqs, &done, MPI_STATUSES_IGNORE);
        if (done)
            return;
        sched_yield();
    }
}

/* The same ring, each rank waiting in a Test + sched_yield loop. */
static double ring_yielding(int rank, int n)
{
    double v = rank, a = -1, b = -1;
    MPI_Request r[2];
    double t0 = MPI_Wtime();
    for (int i = 0; i < n; i++) {
        MPI_Irecv(&a, 1, MPI_DOUBLE, left, 0, MPI_COMM_WORLD, &r[0]);
        MPI_Isend(&v, 1, MPI_DOUBLE, right, 0, MPI_COMM_WORLD, &r[1]);
        wait_yielding(2, r);
        MPI_Irecv(&b, 1, MPI_DOUBLE, right, 1, MPI_COMM_WORLD, &r[0]);
        MPI_Isend(&v, 1, MPI_DOUBLE, left, 1, MPI_COMM_WORLD, &r[1]);
        wait_yielding(2, r);
        check(rank, a, b);
    }
    return MPI_Wtime() - t0;
}

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int iters = argc > 1 ? atoi(argv[1]) : 500;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    right = (rank + 1) % size;
    left = (rank + size - 1) % size;
    ring_blocking(rank, iters / 10); /* warm up: connections, caches */
    ring_yielding(rank, iters / 10);
    double best_block = 1e30, best_yield = 1e30;
    for (int r = 0; r < rounds; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t = ring_blocking(rank, iters);
        MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        if (t < best_block)
            best_block = t;
        MPI_Barrier(MPI_COMM_WORLD);
        t = ring_yielding(rank, iters);
        MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        if (t < best_yield)
            best_yield = t;
    }
    if (rank == 0) {
        const char *env = getenv("LARK_OVERSUB_FACTOR");
        double max = env ? atof(env) : 10.0;
        double ratio = best_block / best_yield;
        printf("oversub: %d ranks, per exchange with both neighbours: blocking %.1f us, "
               "Test+sched_yield loop %.1f us, ratio %.2f (limit %.1f)\n",
               size, best_block / iters * 1e6, best_yield / iters * 1e6, ratio, max);
        fflush(stdout);
        if (ratio > max) {
            fprintf(stderr,
                    "oversub: blocking waits are %.1f times slower than a yield loop: waiting "
                    "ranks hog the cores\n",
                    ratio);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
    }
    MPI_Finalize();
    return 0;
}

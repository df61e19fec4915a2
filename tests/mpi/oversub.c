/*
 * oversub.c -- ranks outnumbering cores must not collapse: 8 ranks on this
 * 2-core machine exchange 8 bytes around a ring (both neighbours) over and
 * over.  Waiting ranks must give their core away, so an exchange takes
 * tens of microseconds, not milliseconds.  Fails above LARK_OVERSUB_MAX_US
 * (default 2000 us per exchange: a hundredfold collapse, as MPICH shows here,
 * is ~24 ms).  Prints the time per exchange.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int iters = argc > 1 ? atoi(argv[1]) : 2000;
    int right = (rank + 1) % size, left = (rank + size - 1) % size;
    double v = rank, a = 0, b = 0;
    for (int warm = 0; warm < 2; warm++) {
        double t0 = MPI_Wtime();
        int n = warm ? iters : iters / 10;
        for (int i = 0; i < n; i++) {
            MPI_Sendrecv(&v, 1, MPI_DOUBLE, right, 0, &a, 1, MPI_DOUBLE, left, 0, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE);
            MPI_Sendrecv(&v, 1, MPI_DOUBLE, left, 1, &b, 1, MPI_DOUBLE, right, 1, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE);
            if (a != left || b != right) {
                fprintf(stderr, "oversub rank %d: wrong data\n", rank);
                MPI_Abort(MPI_COMM_WORLD, 1);
            }
        }
        double us = (MPI_Wtime() - t0) / n * 1e6;
        if (warm && rank == 0) {
            const char *env = getenv("LARK_OVERSUB_MAX_US");
            double max = env ? atof(env) : 2000.0;
            printf("oversub: %d ranks, %.1f us per 8-byte exchange with both neighbours\n", size,
                   us);
            if (us > max) {
                fprintf(stderr, "oversub: %.1f us > %.1f us: waiting ranks hog the cores\n", us,
                        max);
                MPI_Abort(MPI_COMM_WORLD, 1);
            }
        }
    }
    MPI_Finalize();
    return 0;
}

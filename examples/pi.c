/*
 * pi.c -- compute pi by integrating 4/(1+x^2) over [0,1].
 *
 * Rank 0 broadcasts the number of intervals, every rank sums its share of
 * the midpoints, and MPI_Reduce adds the shares up on rank 0.
 *
 *   mpicc pi.c -o pi && mpirun -n 4 ./pi [intervals]
 */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int rank, size;
    long n = 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    if (rank == 0)
        n = argc > 1 ? atol(argv[1]) : 10000000;
    MPI_Bcast(&n, 1, MPI_LONG, 0, MPI_COMM_WORLD);

    double t0 = MPI_Wtime();
    double h = 1.0 / (double)n, sum = 0.0;
    for (long i = rank; i < n; i += size) {
        double x = h * ((double)i + 0.5);
        sum += 4.0 / (1.0 + x * x);
    }
    double mine = h * sum, pi = 0.0;
    MPI_Reduce(&mine, &pi, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

    if (rank == 0) {
        const double ref = 3.141592653589793238462643;
        printf("pi is approximately %.16f, error %.3e (%ld intervals, %d ranks, %.3f s)\n", pi,
               fabs(pi - ref), n, size, MPI_Wtime() - t0);
    }
    MPI_Finalize();
    return 0;
}

/* callcost.c -- what one cheap MPI call costs: MPI_Comm_rank on
 * MPI_COMM_WORLD in a loop, best of 5 rounds of 2 million calls, on every
 * rank at once.  With mpirun --trace it shows the recorder's cost per
 * call (bench/trace.sh), free of any message's noise.
 *
 * Result line (rank 0): "callcost <ranks> 0 <nanoseconds per call>".
 */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size, r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const int n = 2000000;
    double best = 1e30;
    for (int round = 0; round < 5; round++) {
        double t = MPI_Wtime();
        for (int i = 0; i < n; i++)
            MPI_Comm_rank(MPI_COMM_WORLD, &r);
        t = MPI_Wtime() - t;
        if (t < best)
            best = t;
    }
    if (rank == 0)
        printf("callcost %d 0 %.2f\n", size, best / n * 1e9);
    MPI_Finalize();
    return r == rank ? 0 : 1;
}

/*
 * pmpi_prog.c -- an ordinary MPI program for the PMPI interposition test:
 * every rank sends exactly three messages to its right neighbour.
 */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int right = (rank + 1) % size, left = (rank + size - 1) % size;
    for (int i = 0; i < 3; i++) {
        int out = rank * 100 + i, in = -1;
        MPI_Sendrecv(&out, 1, MPI_INT, right, i, &in, 1, MPI_INT, left, i, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
        if (in != left * 100 + i) {
            fprintf(stderr, "pmpi_prog: rank %d got %d, expected %d\n", rank, in, left * 100 + i);
            return 1;
        }
    }
    /* Sendrecv is not intercepted; the three sends that count are these. */
    for (int i = 0; i < 3; i++) {
        int v = i;
        if (rank == 0)
            MPI_Send(&v, 1, MPI_INT, 1 % size, 99, MPI_COMM_WORLD);
        if (rank == 1 % size)
            MPI_Recv(&v, 1, MPI_INT, 0, 99, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
    MPI_Finalize();
    return 0;
}

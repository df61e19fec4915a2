/*
 * ring.c -- pass a token around the ranks, several laps.
 *
 * Rank 0 starts the token; each rank receives it from its left neighbour and
 * sends it to its right one.  Rank 0 counts the laps down; when the count
 * reaches 0 it goes round once more, so every rank learns to stop.
 *
 *   mpicc ring.c -o ring && mpirun -n 4 ./ring
 */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    int rank, size, token;
    const int laps = 10;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int right = (rank + 1) % size;
    int left = (rank + size - 1) % size;

    if (rank == 0) {
        token = laps;
        MPI_Send(&token, 1, MPI_INT, right, 0, MPI_COMM_WORLD);
    }
    for (;;) {
        MPI_Recv(&token, 1, MPI_INT, left, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (rank == 0) {
            token--;
            printf("rank 0: token back, %d laps to go\n", token);
        }
        /* Pass it on even when it reached 0, so everyone learns to stop. */
        MPI_Send(&token, 1, MPI_INT, right, 0, MPI_COMM_WORLD);
        if (token == 0)
            break;
    }
    /* The final 0 comes back around to rank 0: take it, or it would be
     * left unreceived. */
    if (rank == 0)
        MPI_Recv(&token, 1, MPI_INT, left, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    printf("rank %d done\n", rank);
    MPI_Finalize();
    return 0;
}

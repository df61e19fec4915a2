/*
 * trace_mix.c -- a program with a known set of messages, for mpirun --trace
 * (tests/scripts/trace.sh).  With n ranks and L laps (argument; 2 if
 * none) it sends exactly (L + 3)n messages through the MPI interface: a
 * token L times round the ring on MPI_COMM_WORLD (tag 1, Ln), each rank to both neighbours with
 * Isend/Irecv/Waitall on a duplicate named "halo" (tag 2, 2n), and one
 * Sendrecv per rank round the ring of its half of a split (tag 3, n);
 * then an MPI_Bcast and an MPI_Allreduce on MPI_COMM_WORLD.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size, token = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    int laps = argc > 1 ? atoi(argv[1]) : 2;

    for (int lap = 0; lap < laps; lap++) {
        if (rank == 0) {
            MPI_Send(&token, 1, MPI_INT, next, 1, MPI_COMM_WORLD);
            MPI_Recv(&token, 1, MPI_INT, prev, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(&token, 1, MPI_INT, prev, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            token++;
            MPI_Send(&token, 1, MPI_INT, next, 1, MPI_COMM_WORLD);
        }
    }

    MPI_Comm halo;
    MPI_Comm_dup(MPI_COMM_WORLD, &halo);
    MPI_Comm_set_name(halo, "halo");
    double out[2] = {rank, rank}, in[2];
    MPI_Request req[4];
    MPI_Irecv(&in[0], 1, MPI_DOUBLE, prev, 2, halo, &req[0]);
    MPI_Irecv(&in[1], 1, MPI_DOUBLE, next, 2, halo, &req[1]);
    MPI_Isend(&out[0], 1, MPI_DOUBLE, next, 2, halo, &req[2]);
    MPI_Isend(&out[1], 1, MPI_DOUBLE, prev, 2, halo, &req[3]);
    MPI_Waitall(4, req, MPI_STATUSES_IGNORE);
    MPI_Comm_free(&halo);

    MPI_Comm half;
    MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &half);
    int hr, hs, x = rank, y = -1;
    MPI_Comm_rank(half, &hr);
    MPI_Comm_size(half, &hs);
    MPI_Sendrecv(&x, 1, MPI_INT, (hr + 1) % hs, 3, &y, 1, MPI_INT, (hr + hs - 1) % hs, 3, half,
                 MPI_STATUS_IGNORE);
    MPI_Comm_free(&half);

    MPI_Bcast(&token, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, &token, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0)
        printf("trace_mix: %d ranks, %d messages\n", size, (laps + 3) * size);
    MPI_Finalize();
    return 0;
}

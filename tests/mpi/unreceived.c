/*
 * unreceived.c -- messages that arrive and are never received: MPI_Finalize
 * frees them quietly (the AddressSanitizer build of the suite fails on any
 * record left behind), whether their communicator is still alive or was
 * freed before.  Rank 0 sends, rank 1 only probes until they are there.
 */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

static int wrank;
#define TEST_NAME "unreceived"
#include "check.h"

static void wait_arrival(MPI_Comm c, int tag)
{
    int flag = 0;
    while (!flag)
        MPI_Iprobe(0, tag, c, &flag, MPI_STATUS_IGNORE);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    int wsize;
    MPI_Comm_size(MPI_COMM_WORLD, &wsize);
    CHECK(wsize >= 2, "needs 2 ranks");
    static char small[16], medium[4096];
    memset(medium, 7, sizeof medium);
    MPI_Comm dup;
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    if (wrank == 0) {
        MPI_Send(small, sizeof small, MPI_CHAR, 1, 1, MPI_COMM_WORLD);
        MPI_Send(medium, sizeof medium, MPI_CHAR, 1, 2, MPI_COMM_WORLD);
        MPI_Send(medium, sizeof medium, MPI_CHAR, 1, 3, dup);
    } else if (wrank == 1) {
        wait_arrival(MPI_COMM_WORLD, 1);
        wait_arrival(MPI_COMM_WORLD, 2);
        wait_arrival(dup, 3);
    }
    MPI_Comm_free(&dup);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}

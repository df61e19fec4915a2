/*
 * hang.c -- programs that hang on purpose, for mpirun's hang report
 * (tests/scripts/hang_report.sh): ./hang MODE with MODE one of
 *   deadlock   ranks 0 and 1 each receive from the other (tag 5)
 *   straggler  every rank but the last enters MPI_Allreduce; the last sleeps
 *   bcast      every rank but the last enters an MPI_Bcast of 64 KiB from
 *              rank 0 (point to point); the last sleeps
 *   segment    all meet in MPI_Barrier once (the communicator's shared
 *              segment is made), then every rank but the last enters
 *              MPI_Barrier again (it waits on a word of the segment)
 *   tag        rank 1 sends tag 5 and enters MPI_Barrier; rank 0 receives tag 6
 *   spin       rank 0 receives from rank 1, which spins outside MPI
 *   fence      every rank but the last enters MPI_Win_fence; the last sleeps
 *   lock       rank 0 holds an exclusive lock on rank 1's window; rank 2
 *              waits in MPI_Win_lock for it
 *   split      every rank but the last enters MPI_Comm_split; the last sleeps
 *   testloop   rank 0 polls (MPI_Test, a short sleep between polls) a
 *              receive from rank 1 tag 5; rank 1 receives from rank 0 tag 5
 *   polled     rank 0 polls that receive a few times, then computes
 *              without polling; rank 1 receives from rank 0 tag 5
 * Each waits forever: mpirun --timeout ends it.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size, x = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const char *mode = argc > 1 ? argv[1] : "";
    const char *ns = getenv("PMIX_NAMESPACE");
    if (rank == 0 && ns != NULL) { /* the test looks for this job's files by it */
        printf("hang: job %s\n", ns);
        fflush(stdout);
    }
    if (strcmp(mode, "deadlock") == 0) {
        if (rank < 2)
            MPI_Recv(&x, 1, MPI_INT, 1 - rank, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (strcmp(mode, "straggler") == 0) {
        if (rank == size - 1)
            for (;;)
                sleep(1);
        MPI_Allreduce(MPI_IN_PLACE, &x, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    } else if (strcmp(mode, "bcast") == 0) {
        static char big[65536];
        if (rank == size - 1)
            for (;;)
                sleep(1);
        MPI_Bcast(big, (int)sizeof big, MPI_CHAR, 0, MPI_COMM_WORLD);
    } else if (strcmp(mode, "segment") == 0) {
        MPI_Barrier(MPI_COMM_WORLD);
        if (rank == size - 1)
            for (;;)
                sleep(1);
        MPI_Barrier(MPI_COMM_WORLD);
    } else if (strcmp(mode, "tag") == 0) {
        if (rank == 1)
            MPI_Send(&x, 1, MPI_INT, 0, 5, MPI_COMM_WORLD);
        if (rank == 0)
            MPI_Recv(&x, 1, MPI_INT, 1, 6, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Barrier(MPI_COMM_WORLD);
    } else if (strcmp(mode, "spin") == 0) {
        if (rank == 0)
            MPI_Recv(&x, 1, MPI_INT, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (rank == 1) {
            volatile unsigned long spin = 0;
            for (;;)
                spin++;
        }
    } else if (strcmp(mode, "fence") == 0 || strcmp(mode, "lock") == 0) {
        MPI_Win win;
        MPI_Win_create(&x, sizeof x, sizeof x, MPI_INFO_NULL, MPI_COMM_WORLD, &win);
        if (mode[0] == 'f') {
            if (rank == size - 1)
                for (;;)
                    sleep(1);
            MPI_Win_fence(0, win);
        } else {
            /* rank 0 holds rank 1's lock; rank 2 waits for it */
            if (rank == 0)
                MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 1, 0, win);
            MPI_Barrier(MPI_COMM_WORLD);
            if (rank == 2)
                MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 1, 0, win);
            MPI_Barrier(MPI_COMM_WORLD);
        }
    } else if (strcmp(mode, "split") == 0) {
        MPI_Comm part;
        if (rank == size - 1)
            for (;;)
                sleep(1);
        MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &part);
    } else if (strcmp(mode, "testloop") == 0 || strcmp(mode, "polled") == 0) {
        if (rank == 0) {
            MPI_Request r;
            int done = 0;
            MPI_Irecv(&x, 1, MPI_INT, 1, 5, MPI_COMM_WORLD, &r);
            for (int polls = 0; !done; polls++) {
                if (mode[0] == 't' || polls < 5)
                    MPI_Test(&r, &done, MPI_STATUS_IGNORE);
                usleep(1000); /* "work" between polls */
            }
        } else if (rank == 1) {
            MPI_Recv(&x, 1, MPI_INT, 0, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
    } else {
        fprintf(stderr, "hang: unknown mode '%s'\n", mode);
        return 2;
    }
    MPI_Finalize();
    return 0;
}

/* A small MPI program for the Slurm tests: what a batch job runs, and the ways
 * a rank can go wrong under srun.  Usage:
 *   slurm_prog ok        every rank reports rank, size, host and its node-local
 *                        rank; a ring of messages and an allreduce are checked
 *   slurm_prog abort     the last rank calls MPI_Abort(MPI_COMM_WORLD, 3);
 *                        the others wait in a receive that never comes
 *   slurm_prog die       the last rank kills itself with SIGKILL; the others
 *                        wait in a receive that never comes
 *   slurm_prog sleep     every rank sleeps in MPI_Recv until killed (scancel)
 * Exits 0 when everything checked out. */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "ok";
    int rank, size, len;
    char host[MPI_MAX_PROCESSOR_NAME];
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Get_processor_name(host, &len);

    if (strcmp(mode, "ok") == 0) {
        int next = (rank + 1) % size, prev = (rank + size - 1) % size;
        int token = -1, sum = 0;
        MPI_Sendrecv(&rank, 1, MPI_INT, next, 7, &token, 1, MPI_INT, prev, 7, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
        MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        int ok = token == prev && sum == size * (size - 1) / 2;
        printf("rank %d of %d on %s: %s\n", rank, size, host, ok ? "ok" : "WRONG");
        MPI_Finalize();
        return ok ? 0 : 1;
    }
    if (strcmp(mode, "abort") == 0 && rank == size - 1) {
        printf("rank %d on %s: aborting\n", rank, host);
        fflush(stdout);
        MPI_Abort(MPI_COMM_WORLD, 3);
    }
    if (strcmp(mode, "die") == 0 && rank == size - 1) {
        printf("rank %d on %s: dying\n", rank, host);
        fflush(stdout);
        raise(SIGKILL);
    }
    /* Wait for a message nobody sends: only a teardown ends this. */
    int x;
    MPI_Recv(&x, 1, MPI_INT, MPI_ANY_SOURCE, 99, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Finalize();
    return 1;
}

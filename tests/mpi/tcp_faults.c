/*
 * tcp_faults.c -- the programs of the TCP fault tests.
 *   slow N   ranks 0 and 1 exchange checked messages N times, 100 ms apart
 *            (a job that lives long enough for a stranger to call it;
 *            tcp_stranger.sh);
 *   kill     rank 1 dies (SIGKILL) in the middle of receiving 64 MiB from
 *            rank 0: the job must end, naming it (tcp_kill.sh).
 */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int rank;

static void slow(int n)
{
    int peer = rank ^ 1;
    for (int i = 0; i < n; i++) {
        int out[256], in[256];
        for (int k = 0; k < 256; k++)
            out[k] = rank * 100000 + i * 256 + k;
        MPI_Sendrecv(out, 256, MPI_INT, peer, i, in, 256, MPI_INT, peer, i, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
        for (int k = 0; k < 256; k++)
            if (in[k] != peer * 100000 + i * 256 + k) {
                fprintf(stderr, "tcp_faults: rank %d: exchange %d: wrong data\n", rank, i);
                MPI_Abort(MPI_COMM_WORLD, 1);
            }
        usleep(100000);
    }
}

static void die_mid_transfer(void)
{
    size_t n = 64u << 20;
    char *buf = malloc(n);
    if (buf == NULL)
        MPI_Abort(MPI_COMM_WORLD, 2);
    memset(buf, 7, n);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        MPI_Send(buf, (int)n, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
        fprintf(stderr, "tcp_faults: rank 0: the send to a dead rank completed\n");
        MPI_Recv(buf, 1, MPI_BYTE, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        fprintf(stderr, "tcp_faults: rank 0: a receive from a dead rank completed\n");
    } else if (rank == 1) {
        MPI_Request rq;
        int done = 0;
        MPI_Irecv(buf, (int)n, MPI_BYTE, 0, 0, MPI_COMM_WORLD, &rq);
        /* A few passes of progress (some MiB arrive), then die with the
         * rest still in flight. */
        for (int i = 0; i < 3 && !done; i++) {
            MPI_Test(&rq, &done, MPI_STATUS_IGNORE);
            usleep(1000);
        }
        if (done)
            fprintf(stderr, "tcp_faults: rank 1: all 64 MiB came before the kill\n");
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        fprintf(stderr, "tcp_faults: rank 1 dies at %lld ms\n",
                (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
        raise(SIGKILL);
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (argc > 2 && strcmp(argv[1], "slow") == 0)
        slow(atoi(argv[2]));
    else if (argc > 1 && strcmp(argv[1], "kill") == 0)
        die_mid_transfer();
    MPI_Finalize();
    if (rank == 0)
        printf("tcp_faults: %s OK\n", argc > 1 ? argv[1] : "nothing");
    return 0;
}

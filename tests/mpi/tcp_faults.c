/*
 * tcp_faults.c -- the programs of the TCP fault tests.
 *   slow N   ranks 0 and 1 exchange checked messages N times, 100 ms apart
 *            (a job that lives long enough for a stranger to call it;
 *            tcp_stranger.sh);
 *   kill     rank 1 dies (SIGKILL) in the middle of receiving 64 MiB from
 *            rank 0: the job must end, naming it (tcp_kill.sh).
 *   survive  3 ranks, MPI_ERRORS_RETURN, under mpirun --enable-recovery:
 *            rank 1 dies while rank 0 waits for it (a receive from it, a
 *            wildcard receive, a 4 MiB rendezvous send and a synchronous
 *            send to it); each of those requests fails with
 *            MPI_ERR_PROC_ABORTED, so do later calls with rank 1, and
 *            ranks 0 and 2 go on talking (tcp_lost.sh).
 *   fatal    the same death under the default MPI_ERRORS_ARE_FATAL: rank
 *            0's receive from rank 1 ends the job, naming both.
 */
#include <mpi.h>
#include <signal.h>
#include <stdbool.h>
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

static int check_lost(const char *what, int rc)
{
    int cls = -1;
    MPI_Error_class(rc, &cls);
    if (cls != MPI_ERR_PROC_ABORTED) {
        fprintf(stderr, "tcp_faults: rank %d: %s gave class %d, not MPI_ERR_PROC_ABORTED\n", rank,
                what, cls);
        return 1;
    }
    return 0;
}

/* Rank 1 dies while rank 0 waits on it; ranks 0 and 2 carry on. */
static int survive(bool fatal)
{
    int bad = 0;
    size_t big = 4u << 20;
    char *buf = calloc(1, big), *big_in = calloc(1, big);
    if (buf == NULL || big_in == NULL)
        MPI_Abort(MPI_COMM_WORLD, 2);
    if (!fatal)
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    /* Everyone talks to everyone once: connections are up. */
    int x = rank, sum = 0;
    MPI_Allreduce(&x, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 1) {
        usleep(200000); /* what it sent has arrived */
        raise(SIGKILL);
    }
    if (rank == 0) {
        MPI_Request rq[4];
        MPI_Status st[4];
        int one = 0, any = 0;
        if (fatal) {
            MPI_Recv(&one, 1, MPI_INT, 1, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            fprintf(stderr, "tcp_faults: rank 0: a receive from a dead rank completed\n");
            return 1;
        }
        MPI_Irecv(&one, 1, MPI_INT, 1, 7, MPI_COMM_WORLD, &rq[0]);
        MPI_Irecv(&any, 1, MPI_INT, MPI_ANY_SOURCE, 8, MPI_COMM_WORLD, &rq[1]);
        MPI_Isend(buf, (int)big, MPI_BYTE, 1, 9, MPI_COMM_WORLD, &rq[2]);
        MPI_Issend(&x, 1, MPI_INT, 1, 10, MPI_COMM_WORLD, &rq[3]);
        int rc = MPI_Waitall(4, rq, st);
        if (rc != MPI_ERR_IN_STATUS) {
            fprintf(stderr, "tcp_faults: rank 0: MPI_Waitall gave %d, not MPI_ERR_IN_STATUS\n", rc);
            bad++;
        }
        const char *names[4] = {"Irecv from 1", "Irecv from any", "Isend 4 MiB to 1",
                                "Issend to 1"};
        for (int i = 0; i < 4; i++)
            bad += check_lost(names[i], st[i].MPI_ERROR);
        if (st[0].MPI_SOURCE != 1) {
            fprintf(stderr, "tcp_faults: rank 0: the failed receive's source is %d\n",
                    st[0].MPI_SOURCE);
            bad++;
        }
        /* Later calls with rank 1 fail at once. */
        bad += check_lost("MPI_Send to 1", MPI_Send(&x, 1, MPI_INT, 1, 11, MPI_COMM_WORLD));
        bad += check_lost("MPI_Recv from 1",
                          MPI_Recv(&one, 1, MPI_INT, 1, 12, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        /* A persistent send to it does not start, and a wait on it returns
         * (the request stays inactive). */
        MPI_Request ps;
        MPI_Send_init(&x, 1, MPI_INT, 1, 13, MPI_COMM_WORLD, &ps);
        bad += check_lost("MPI_Start of a send to 1", MPI_Start(&ps));
        MPI_Wait(&ps, MPI_STATUS_IGNORE);
        MPI_Request_free(&ps);
        char msg[MPI_MAX_ERROR_STRING];
        int len = 0;
        MPI_Error_string(st[0].MPI_ERROR, msg, &len);
        printf("tcp_faults: rank 0: requests with the dead rank 1 failed: %s\n", msg);
    }
    /* Ranks 0 and 2 still talk: a rendezvous each way, and a wildcard
     * receive posted after the loss. */
    if (rank == 0 || rank == 2) {
        int peer = 2 - rank;
        memset(buf, rank + 1, big);
        int rc = MPI_Sendrecv(buf, (int)big, MPI_BYTE, peer, 20, big_in, (int)big, MPI_BYTE, peer,
                              20, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS || big_in[0] != peer + 1 || big_in[big - 1] != peer + 1) {
            fprintf(stderr, "tcp_faults: rank %d: the exchange with rank %d failed (%d)\n", rank,
                    peer, rc);
            bad++;
        }
        int v = rank, got = -1;
        MPI_Status s;
        if (rank == 0)
            rc = MPI_Recv(&got, 1, MPI_INT, MPI_ANY_SOURCE, 21, MPI_COMM_WORLD, &s);
        else
            rc = MPI_Send(&v, 1, MPI_INT, 0, 21, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS || (rank == 0 && (got != 2 || s.MPI_SOURCE != 2))) {
            fprintf(stderr, "tcp_faults: rank %d: the wildcard exchange failed (%d)\n", rank, rc);
            bad++;
        }
    }
    free(buf);
    free(big_in);
    return bad;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (argc > 2 && strcmp(argv[1], "slow") == 0)
        slow(atoi(argv[2]));
    else if (argc > 1 && strcmp(argv[1], "kill") == 0)
        die_mid_transfer();
    else if (argc > 1 && (strcmp(argv[1], "survive") == 0 || strcmp(argv[1], "fatal") == 0) &&
             survive(strcmp(argv[1], "fatal") == 0) != 0)
        return 1;
    MPI_Finalize();
    if (rank == 0 || (argc > 1 && strcmp(argv[1], "survive") == 0))
        printf("tcp_faults: %s OK\n", argc > 1 ? argv[1] : "nothing");
    return 0;
}

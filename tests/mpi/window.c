/*
 * window.c -- a window of small sends fits in flight: rank 0 posts 64
 * nonblocking sends of one size (0 to 128 bytes) to rank 1 while rank 1
 * makes no MPI call at all, and every one of them must be complete at
 * once (the shm transport took them all into its ring: 64 messages of up
 * to 128 bytes fit a pair's ring when few ranks share the node,
 * transports/shm/shm_ring.h).  A ring too small for the window makes the
 * sender queue and retry each message as the receiver frees cells, which
 * cost the message rate most of its speed (a 32-cell ring: 6 send
 * attempts per message in a window of 64).  Then rank 1 receives the
 * window and checks every byte.
 *
 * The check cannot fail on a slow machine: rank 1 sleeps before it polls,
 * so a stalled rank 1 only gives rank 0 more time; a stalled rank 0 can at
 * worst let rank 1 start draining and hide a regression for one run.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEST_NAME "window"
#include "check.h"

#define WINDOW 64
#define MAXLEN 128

static int wrank;

int main(int argc, char **argv)
{
    static const int sizes[] = {0, 1, 8, 16, 17, 64, 128};
    static unsigned char sbuf[WINDOW][MAXLEN], rbuf[WINDOW][MAXLEN];
    MPI_Request req[WINDOW];
    int nranks;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    CHECK(nranks == 2, "run me with 2 ranks (got %d)", nranks);
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        int len = sizes[k];
        MPI_Barrier(MPI_COMM_WORLD);
        if (wrank == 0) {
            for (int i = 0; i < WINDOW; i++) {
                for (int j = 0; j < len; j++)
                    sbuf[i][j] = (unsigned char)(i * 7 + j + len);
                MPI_Isend(sbuf[i], len, MPI_BYTE, 1, i, MPI_COMM_WORLD, &req[i]);
            }
            int all = 0;
            MPI_Testall(WINDOW, req, &all, MPI_STATUSES_IGNORE);
            CHECK(all,
                  "%d sends of %d bytes were not all complete at once: the shm ring "
                  "cannot hold a window of them",
                  WINDOW, len);
        } else {
            usleep(50000); /* no MPI call meanwhile: nothing drains the ring */
            memset(rbuf, 0xee, sizeof rbuf);
            for (int i = 0; i < WINDOW; i++)
                MPI_Irecv(rbuf[i], MAXLEN, MPI_BYTE, 0, i, MPI_COMM_WORLD, &req[i]);
            MPI_Status st[WINDOW];
            MPI_Waitall(WINDOW, req, st);
            for (int i = 0; i < WINDOW; i++) {
                int n = -1;
                MPI_Get_count(&st[i], MPI_BYTE, &n);
                CHECK(n == len, "message %d: %d bytes, sent %d", i, n, len);
                for (int j = 0; j < len; j++)
                    CHECK(rbuf[i][j] == (unsigned char)(i * 7 + j + len),
                          "message %d of %d bytes: byte %d is %d", i, len, j, rbuf[i][j]);
                CHECK(len == MAXLEN || rbuf[i][len] == 0xee, "message %d wrote past %d bytes", i,
                      len);
            }
        }
    }
    MPI_Finalize();
    return 0;
}

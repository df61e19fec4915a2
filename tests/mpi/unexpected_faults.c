/*
 * unexpected_faults.c -- eager messages that arrive before their receives
 * (a sender running ahead, as a bcast or reduce root does) must not cost
 * the receiver page faults in steady state.  Lark once malloc'd and freed
 * a payload copy per such message; glibc trimmed and regrew the heap, and
 * the receiver faulted on almost every 8-32 KiB message (bcast 8 KiB at
 * 2 ranks: 20 us against 1).  Counting the receiver's minor faults is
 * exact where a time ratio would be noise on a loaded machine.
 *
 * Rank 0 sends bursts of messages of 4, 8 and 32 KiB; rank 1 lets them
 * all arrive (a barrier drives its progress engine), then receives them.
 * Needs 2 ranks; exits non-zero when rank 1 faults more than once per 20
 * messages after a warm-up.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static int wrank;
#define TEST_NAME "unexpected_faults"
#include "check.h"

#define BURST  6
#define ROUNDS 400

static long minflt(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

/* ROUNDS bursts of BURST messages of `size` bytes; returns rank 1's
 * minor faults during them (0 elsewhere). */
static long bursts(char *buf, int size)
{
    long before = minflt();
    for (int r = 0; r < ROUNDS; r++) {
        if (wrank == 0)
            for (int k = 0; k < BURST; k++)
                MPI_Send(buf + (size_t)k * size, size, MPI_BYTE, 1, k, MPI_COMM_WORLD);
        MPI_Barrier(MPI_COMM_WORLD); /* rank 1: every message is now unexpected */
        if (wrank == 1)
            for (int k = BURST - 1; k >= 0; k--) /* out of order: searched, not just popped */
                MPI_Recv(buf + (size_t)k * size, size, MPI_BYTE, 0, k, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE);
    }
    return wrank == 1 ? minflt() - before : 0;
}

int main(int argc, char **argv)
{
    static const int sizes[] = {4096, 8192, 32768};
    int size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECK(size == 2, "run with 2 ranks");
    char *buf = calloc(BURST, 32768);
    CHECK(buf != NULL, "malloc");
    for (int i = 0; i < 3; i++) {
        bursts(buf, sizes[i]); /* warm-up: the first bursts may grow the heap */
        long f = bursts(buf, sizes[i]);
        if (wrank == 1) {
            printf("unexpected_faults: %d B: %ld minor faults in %d messages\n", sizes[i], f,
                   BURST * ROUNDS);
            CHECK(f * 20 <= BURST * ROUNDS,
                  "%d-byte messages arriving early cost %ld page faults per 1000 messages",
                  sizes[i], f * 1000 / (BURST * ROUNDS));
        }
    }
    free(buf);
    MPI_Finalize();
    return 0;
}

/*
 * flood.c -- an unexpected-message flood: every rank but 0 sends many
 * thousands of small eager messages to rank 0 before rank 0 posts a single
 * receive for them.  Rank 0 must keep them all (in order, intact) and its
 * memory must stay bounded: it may grow by the messages' size plus a small
 * per-message cost, never by ring- or pool-sized chunks per message.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int rank, size;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "flood rank %d: %s:%d: check failed: %s\n", rank, __FILE__, __LINE__,  \
                    #c);                                                                           \
            MPI_Abort(MPI_COMM_WORLD, 1);                                                          \
        }                                                                                          \
    } while (0)
#define OK(call) CHECK((call) == MPI_SUCCESS)

/* Peak resident memory of this process, in KiB. */
static long peak_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld", &v) == 1)
            break;
    if (f)
        fclose(f);
    return v;
}

int main(int argc, char **argv)
{
    OK(MPI_Init(&argc, &argv));
    OK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    OK(MPI_Comm_size(MPI_COMM_WORLD, &size));
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    enum { LEN = 48 };
    if (rank != 0) {
        int msg[LEN / sizeof(int)];
        for (int i = 0; i < n; i++) {
            for (size_t k = 0; k < LEN / sizeof(int); k++)
                msg[k] = rank * 1000000 + i + (int)k;
            OK(MPI_Send(msg, LEN / sizeof(int), MPI_INT, 0, i % 5, MPI_COMM_WORLD));
        }
        int done = 1;
        OK(MPI_Send(&done, 1, MPI_INT, 0, 99, MPI_COMM_WORLD));
    } else {
        long before = peak_kib();
        /* Wait for every sender's "done": the flood arrives meanwhile, all
         * of it unexpected. */
        for (int r = 1; r < size; r++) {
            int done;
            OK(MPI_Recv(&done, 1, MPI_INT, r, 99, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        }
        long grown = peak_kib() - before;
        long msgs = (long)n * (size - 1);
        /* Allow 512 bytes per 48-byte message (record, copy, allocator). */
        long bound = msgs * 512 / 1024 + 4096;
        printf("flood: %ld unexpected messages held, memory grew %ld KiB (bound %ld KiB)\n", msgs,
               grown, bound);
        CHECK(grown <= bound);
        /* Now receive them, per tag, checking order and content. */
        for (int r = 1; r < size; r++)
            for (int t = 0; t < 5; t++)
                for (int i = t; i < n; i += 5) {
                    int msg[LEN / sizeof(int)];
                    OK(MPI_Recv(msg, LEN / sizeof(int), MPI_INT, r, t, MPI_COMM_WORLD,
                                MPI_STATUS_IGNORE));
                    for (size_t k = 0; k < LEN / sizeof(int); k++)
                        CHECK(msg[k] == r * 1000000 + i + (int)k);
                }
        int flag;
        OK(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE));
        CHECK(flag == 0);
    }
    OK(MPI_Finalize());
    if (rank == 0)
        printf("flood: OK\n");
    return 0;
}

/* instr.c -- instructions per call of the point-to-point hot path, counted
 * by valgrind --tool=callgrind (run by bench/instr.sh, which reads the
 * counts; see bench/README.md).  2 ranks.
 *
 * Only the MPI calls themselves are counted: callgrind starts with
 * collection off (--collect-atstart=no) and each call is bracketed by
 * CALLGRIND_TOGGLE_COLLECT.  Waiting is kept out of the count: the two
 * ranks go in lock step through a small shared file (FLAGFILE, outside
 * MPI), so a receive is called only once its message sits in the
 * transport (it polls once and finds it), and a send only once the
 * previous message was received (there is room).  Each operation runs a
 * warm-up (not reported: first-use costs such as making the peer), then
 * N and then 2N iterations, each phase dumped on its own
 * (CALLGRIND_DUMP_STATS_AT "<op> <iterations>"); instr.sh takes the
 * difference of the two phases over N and subtracts the "empty" phase
 * (the brackets alone).
 *
 *   mpirun -n 2 valgrind --tool=callgrind --collect-atstart=no ./instr FLAGFILE [N]
 *
 * Operations (who is counted):
 *   empty      both: the toggles alone (the loop's fixed cost)
 *   send       rank 0: MPI_Send of 0 bytes          rank 1: MPI_Recv of 0 bytes
 *   isend      rank 0: MPI_Isend + MPI_Wait         rank 1: MPI_Irecv + MPI_Wait
 *   sendrecv   rank 0: MPI_Sendrecv 0 bytes each way (its message from rank 1 already there)
 *   allreduce  rank 1: MPI_Allreduce of one double, MPI_SUM, called last (rank 0 waits inside)
 * Each rank prints "instr pid PID rank R" so that the script can tell
 * the output files (callgrind.out-file %p) apart.
 */
#include <fcntl.h>
#include <mpi.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

/* The lock step, in the shared file: `go` is written by the rank that
 * acts first in an iteration, `done` by the other once it acted. */
struct step {
    _Atomic long go;
    char pad[56];
    _Atomic long done;
};
static struct step *st;
static long seq;

static void wait_for(_Atomic long *w, long v)
{
    while (atomic_load_explicit(w, memory_order_acquire) < v)
        sched_yield();
}

static void one(const char *op, int rank)
{
    const int tag = 7;
    double x = rank + 1, y = 0;
    long s = ++seq;
    if (strcmp(op, "empty") == 0) {
        CALLGRIND_TOGGLE_COLLECT;
        CALLGRIND_TOGGLE_COLLECT;
        atomic_store_explicit(rank == 0 ? &st->go : &st->done, s, memory_order_release);
    } else if (strcmp(op, "send") == 0) {
        if (rank == 0) {
            wait_for(&st->done, s - 1);
            CALLGRIND_TOGGLE_COLLECT;
            MPI_Send(NULL, 0, MPI_BYTE, 1, tag, MPI_COMM_WORLD);
            CALLGRIND_TOGGLE_COLLECT;
            atomic_store_explicit(&st->go, s, memory_order_release);
        } else {
            wait_for(&st->go, s);
            CALLGRIND_TOGGLE_COLLECT;
            MPI_Recv(NULL, 0, MPI_BYTE, 0, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            CALLGRIND_TOGGLE_COLLECT;
            atomic_store_explicit(&st->done, s, memory_order_release);
        }
    } else if (strcmp(op, "isend") == 0) {
        MPI_Request r;
        if (rank == 0) {
            wait_for(&st->done, s - 1);
            CALLGRIND_TOGGLE_COLLECT;
            MPI_Isend(NULL, 0, MPI_BYTE, 1, tag, MPI_COMM_WORLD, &r);
            MPI_Wait(&r, MPI_STATUS_IGNORE);
            CALLGRIND_TOGGLE_COLLECT;
            atomic_store_explicit(&st->go, s, memory_order_release);
        } else {
            wait_for(&st->go, s);
            CALLGRIND_TOGGLE_COLLECT;
            MPI_Irecv(NULL, 0, MPI_BYTE, 0, tag, MPI_COMM_WORLD, &r);
            MPI_Wait(&r, MPI_STATUS_IGNORE);
            CALLGRIND_TOGGLE_COLLECT;
            atomic_store_explicit(&st->done, s, memory_order_release);
        }
    } else if (strcmp(op, "sendrecv") == 0) {
        if (rank == 1) {
            wait_for(&st->done, s - 1);
            MPI_Send(NULL, 0, MPI_BYTE, 0, tag, MPI_COMM_WORLD);
            atomic_store_explicit(&st->go, s, memory_order_release);
            MPI_Recv(NULL, 0, MPI_BYTE, 0, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            wait_for(&st->go, s);
            CALLGRIND_TOGGLE_COLLECT;
            MPI_Sendrecv(NULL, 0, MPI_BYTE, 1, tag, NULL, 0, MPI_BYTE, 1, tag, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE);
            CALLGRIND_TOGGLE_COLLECT;
            atomic_store_explicit(&st->done, s, memory_order_release);
        }
    } else { /* allreduce: rank 1 comes last, once rank 0 waits inside */
        if (rank == 0) {
            wait_for(&st->done, s - 1);
            atomic_store_explicit(&st->go, s, memory_order_release);
            MPI_Allreduce(&x, &y, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        } else {
            wait_for(&st->go, s);
            usleep(2000); /* rank 0 is inside by now (it has only its entry to run) */
            CALLGRIND_TOGGLE_COLLECT;
            MPI_Allreduce(&x, &y, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
            CALLGRIND_TOGGLE_COLLECT;
            atomic_store_explicit(&st->done, s, memory_order_release);
        }
        if (y != 3) {
            fprintf(stderr, "instr: allreduce gave %g, not 3\n", y);
            exit(1);
        }
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size != 2 || argc < 2) {
        if (rank == 0)
            fprintf(stderr, "usage: mpirun -n 2 valgrind --tool=callgrind "
                            "--collect-atstart=no instr FLAGFILE [N]\n");
        MPI_Finalize();
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 1000;
    /* Both open the file; rank 0 sizes it before the barrier. */
    int fd = open(argv[1], O_RDWR | O_CREAT, 0600);
    if (fd < 0 || (rank == 0 && ftruncate(fd, 4096) != 0)) {
        perror(argv[1]);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    st = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (st == MAP_FAILED) {
        perror("mmap");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    close(fd);
    printf("instr pid %d rank %d\n", (int)getpid(), rank);
    fflush(stdout);
    static const char *ops[] = {"empty", "send", "isend", "sendrecv", "allreduce"};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        const int phases[3] = {n / 4 > 10 ? n / 4 : 10, n, 2 * n}; /* warm-up, N, 2N */
        for (int ph = 0; ph < 3; ph++) {
            CALLGRIND_ZERO_STATS;
            for (int i = 0; i < phases[ph]; i++)
                one(ops[k], rank);
            char what[64];
            snprintf(what, sizeof what, "%s %d", ops[k], ph == 0 ? 0 : phases[ph]);
            CALLGRIND_DUMP_STATS_AT(what);
        }
        MPI_Barrier(MPI_COMM_WORLD);
    }
    munmap(st, 4096);
    MPI_Finalize();
    return 0;
}

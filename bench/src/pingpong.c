/* pingpong.c -- point-to-point latency: rank 0 and rank 1 bounce one message
 * back and forth with MPI_Send/MPI_Recv; half the round trip is the latency.
 *
 * Result lines: "lat <ranks> <size> <microseconds>".  Ranks beyond the first
 * two only take part in the harness's synchronisation.  Each size is checked
 * once, both ways, before it is timed.
 */
#include "bench.h"

#include <mpi.h>

#include <stdlib.h>

struct pp {
    char *buf;
    size_t size;
};

static void bounce(char *buf, size_t size, int iters)
{
    for (int i = 0; i < iters; i++) {
        if (bench_rank == 0) {
            MPI_Send(buf, (int)size, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
            MPI_Recv(buf, (int)size, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else if (bench_rank == 1) {
            MPI_Recv(buf, (int)size, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(buf, (int)size, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
        }
    }
}

static void body(void *ctx, int iters)
{
    struct pp *p = ctx;
    bounce(p->buf, p->size, iters);
}

/* One round trip with patterned data, checked at both ends. */
static void validate(char *buf, size_t size)
{
    size_t bad;
    if (bench_rank == 0) {
        bench_fill(buf, size, 1);
        MPI_Send(buf, (int)size, MPI_BYTE, 1, 1, MPI_COMM_WORLD);
        MPI_Recv(buf, (int)size, MPI_BYTE, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (bench_check(buf, size, 2, &bad))
            bench_invalid("pingpong (rank 1 -> 0)", size, bad);
    } else if (bench_rank == 1) {
        MPI_Recv(buf, (int)size, MPI_BYTE, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (bench_check(buf, size, 1, &bad))
            bench_invalid("pingpong (rank 0 -> 1)", size, bad);
        bench_fill(buf, size, 2);
        MPI_Send(buf, (int)size, MPI_BYTE, 0, 1, MPI_COMM_WORLD);
    }
}

int main(int argc, char **argv)
{
    struct bench_opts o = {.budget = 0.05, .min_iters = 5, .max_iters = 100000, .window = 1};
    MPI_Init(&argc, &argv);
    o.nsizes = 0;
    bench_parse(&o, argc, argv);
    if (o.nsizes == 0) {
        for (size_t s = 0; s <= (16u << 20); s = s ? s * 2 : 1)
            o.sizes[o.nsizes++] = s;
    }
    if (bench_nranks < 2)
        bench_die("pingpong needs at least 2 ranks");

    char *buf = bench_alloc(o.sizes[o.nsizes - 1]);
    for (int k = 0; k < o.nsizes; k++) {
        size_t size = o.sizes[k];
        validate(buf, size);
        /* Warm up, and time the warm-up to choose the iteration count. */
        int warm = size <= 65536 ? 50 : 3;
        bench_sync();
        double t = MPI_Wtime();
        bounce(buf, size, warm);
        int iters = bench_choose_iters(&o, (MPI_Wtime() - t) / warm);
        struct pp p = {buf, size};
        t = bench_measure(body, &p, iters, BENCH_ROOT);
        bench_result("lat", size, t / 2.0 * 1e6);
    }
    free(buf);
    MPI_Finalize();
    return 0;
}

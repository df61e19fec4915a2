/* overlap.c -- how much of a nonblocking allreduce a program hides behind
 * its own computation (the OSU overlap measure).
 *
 * For each size (bytes of doubles summed; default 1 MiB):
 *   t_pure: MPI_Iallreduce + MPI_Wait, nothing in between;
 *   t_comp: the same wall time of computation, alone;
 *   t_both: MPI_Iallreduce, then t_comp of computation in 10 slices with an
 *           MPI_Test after each (what a program that polls now and then
 *           does), then MPI_Wait.
 * overlap = 100 * (1 - (t_both - t_comp) / t_pure), clamped to [0, 100]:
 * 100 when the whole collective ran during the computation, 0 when none
 * of it did.  Result lines: "overlap <ranks> <size> <percent>", the mean
 * over ranks of the best of BENCH_CHUNKS samples.  The result of one call
 * is checked before timing.
 */
#include "bench.h"

#include <mpi.h>

#include <stdio.h>
#include <stdlib.h>

#define SLICES 10

static volatile double sink;

/* Busy computation for `seconds` of wall time. */
static void compute(double seconds)
{
    double t0 = MPI_Wtime(), x = 1.0;
    while (MPI_Wtime() - t0 < seconds)
        for (int i = 0; i < 200; i++)
            x = x * 1.0000001 + 1e-9;
    sink = x;
}

struct args {
    double *in, *out;
    int count;
    double comp; /* seconds of computation per iteration, 0 for none */
    int mode;    /* 0: pure communication, 1: computation only, 2: both */
};

static void body(void *ctx, int iters)
{
    struct args *a = ctx;
    for (int it = 0; it < iters; it++) {
        MPI_Request r = MPI_REQUEST_NULL;
        int flag;
        if (a->mode != 1)
            MPI_Iallreduce(a->in, a->out, a->count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, &r);
        if (a->mode != 0)
            for (int s = 0; s < SLICES; s++) {
                compute(a->comp / SLICES);
                if (a->mode == 2)
                    MPI_Test(&r, &flag, MPI_STATUS_IGNORE);
            }
        if (a->mode != 1)
            MPI_Wait(&r, MPI_STATUS_IGNORE);
    }
}

static double timed(const struct bench_opts *o, struct args *a)
{
    bench_sync();
    double t = MPI_Wtime();
    body(a, 2);
    bench_sync();
    int iters = bench_choose_iters(o, (MPI_Wtime() - t) / 2);
    return bench_measure(body, a, iters, BENCH_MEAN);
}

int main(int argc, char **argv)
{
    struct bench_opts o = {.budget = 0.1, .min_iters = 5, .max_iters = 10000, .window = 1};
    MPI_Init(&argc, &argv);
    bench_parse(&o, argc, argv);
    if (o.nsizes == 0) {
        o.sizes[0] = 1u << 20;
        o.nsizes = 1;
    }
    size_t maxsize = o.sizes[o.nsizes - 1] < 8 ? 8 : o.sizes[o.nsizes - 1];
    double *in = bench_alloc(maxsize), *out = bench_alloc(maxsize); /* freed at the end */
    int n = bench_nranks, me = bench_rank;

    for (int k = 0; k < o.nsizes; k++) {
        int count = (int)(o.sizes[k] / 8 ? o.sizes[k] / 8 : 1);
        for (int i = 0; i < count; i++)
            in[i] = (double)(i % 1000) + me;
        struct args a = {in, out, count, 0, 0};
        body(&a, 1);
        for (int i = 0; i < count; i++)
            if (out[i] != (double)n * (double)(i % 1000) + n * (n - 1) / 2.0)
                bench_invalid("overlap", o.sizes[k], (size_t)i * 8);

        double t_pure = timed(&o, &a);
        /* Every rank computes for the same time: rank 0's measure. */
        a.comp = (double)bench_share_int((int)(t_pure * 1e9)) / 1e9;
        a.mode = 1;
        double t_comp = timed(&o, &a);
        a.mode = 2;
        double t_both = timed(&o, &a);
        double ov = t_pure > 0 ? 100.0 * (1.0 - (t_both - t_comp) / t_pure) : 0;
        ov = ov < 0 ? 0 : ov > 100 ? 100 : ov;
        bench_result("overlap", o.sizes[k], ov);
        if (me == 0)
            printf("# overlap %d ranks %zu B: pure %.1f us, compute %.1f us, both %.1f us\n", n,
                   o.sizes[k], t_pure * 1e6, t_comp * 1e6, t_both * 1e6);
    }
    free(in);
    free(out);
    MPI_Finalize();
    return 0;
}

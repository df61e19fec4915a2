/* coll.c -- the time of one collective operation, for a range of sizes.
 *
 * The operation is chosen when compiling (-DCOLL_BARRIER, -DCOLL_BCAST,
 * -DCOLL_REDUCE, -DCOLL_ALLREDUCE, -DCOLL_ALLGATHER, -DCOLL_ALLTOALL), so each
 * collective is its own program: an implementation that lacks one collective
 * fails to link that program only, and the others still run.
 *
 * Result lines: "<name> <ranks> <size> <microseconds>": the mean over ranks
 * of each rank's average time per call, calls back to back on
 * MPI_COMM_WORLD.  Size means: bytes of the buffer for bcast, reduce and
 * allreduce (doubles summed, so at least 8), bytes each rank contributes for
 * allgather, bytes for each destination for alltoall; barrier has size 0.
 * One call is checked on every rank before timing.
 */
#include "bench.h"

#include <mpi.h>

#include <stdlib.h>

#if defined(COLL_BARRIER)
#define NAME "barrier"
#elif defined(COLL_BCAST)
#define NAME "bcast"
#elif defined(COLL_REDUCE)
#define NAME "reduce"
#elif defined(COLL_ALLREDUCE)
#define NAME "allreduce"
#elif defined(COLL_ALLGATHER)
#define NAME "allgather"
#elif defined(COLL_ALLTOALL)
#define NAME "alltoall"
#else
#error                                                                                             \
    "define one of COLL_BARRIER, COLL_BCAST, COLL_REDUCE, COLL_ALLREDUCE, COLL_ALLGATHER, COLL_ALLTOALL"
#endif

/* One call of the collective on size bytes (see the file comment). */
static void op(void *in, void *out, size_t size)
{
    (void)in;
    (void)out;
    (void)size;
#if defined(COLL_BARRIER)
    MPI_Barrier(MPI_COMM_WORLD);
#elif defined(COLL_BCAST)
    MPI_Bcast(in, (int)size, MPI_BYTE, 0, MPI_COMM_WORLD);
#elif defined(COLL_REDUCE)
    MPI_Reduce(in, out, (int)(size / 8), MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
#elif defined(COLL_ALLREDUCE)
    MPI_Allreduce(in, out, (int)(size / 8), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
#elif defined(COLL_ALLGATHER)
    MPI_Allgather(in, (int)size, MPI_BYTE, out, (int)size, MPI_BYTE, MPI_COMM_WORLD);
#elif defined(COLL_ALLTOALL)
    MPI_Alltoall(in, (int)size, MPI_BYTE, out, (int)size, MPI_BYTE, MPI_COMM_WORLD);
#endif
}

struct args {
    void *in, *out;
    size_t size;
};

static void body(void *ctx, int iters)
{
    struct args *a = ctx;
    for (int i = 0; i < iters; i++)
        op(a->in, a->out, a->size);
}

/* Fills the input of one checked call and checks its output. */
static void validate(void *in, void *out, size_t size)
{
    size_t bad = 0;
    int n = bench_nranks, me = bench_rank;
    (void)bad;
    (void)n;
#if defined(COLL_BARRIER)
    (void)in;
    (void)out;
    (void)size;
    (void)me;
    op(in, out, size);
#elif defined(COLL_BCAST)
    (void)out;
    if (me == 0)
        bench_fill(in, size, 5);
    op(in, out, size);
    if (me != 0 && bench_check(in, size, 5, &bad))
        bench_invalid("bcast", size, bad);
#elif defined(COLL_REDUCE) || defined(COLL_ALLREDUCE)
    double *x = in, *y = out;
    size_t count = size / 8;
    /* Small integers: the sum is exact in any order of summation. */
    for (size_t i = 0; i < count; i++) {
        x[i] = (double)(i % 1000) + me;
        y[i] = -1;
    }
    op(in, out, size);
#if defined(COLL_REDUCE)
    if (me == 0)
#endif
        for (size_t i = 0; i < count; i++)
            if (y[i] != (double)n * (double)(i % 1000) + n * (n - 1) / 2.0)
                bench_invalid(NAME, size, i * 8);
#elif defined(COLL_ALLGATHER)
    bench_fill(in, size, 10u + (unsigned)me);
    op(in, out, size);
    for (int r = 0; r < n; r++)
        if (bench_check((char *)out + (size_t)r * size, size, 10u + (unsigned)r, &bad))
            bench_invalid("allgather", size, (size_t)r * size + bad);
#elif defined(COLL_ALLTOALL)
    /* The block for rank d from rank s carries seed s * n + d. */
    for (int d = 0; d < n; d++)
        bench_fill((char *)in + (size_t)d * size, size, (unsigned)(me * n + d));
    op(in, out, size);
    for (int s = 0; s < n; s++)
        if (bench_check((char *)out + (size_t)s * size, size, (unsigned)(s * n + me), &bad))
            bench_invalid("alltoall", size, (size_t)s * size + bad);
#endif
}

int main(int argc, char **argv)
{
    /* At least 3 calls in each of the BENCH_CHUNKS timed chunks: calls
     * back to back, never one call alone after a synchronisation. */
    struct bench_opts o = {
        .budget = 0.05, .min_iters = 3 * BENCH_CHUNKS, .max_iters = 100000, .window = 1};
    MPI_Init(&argc, &argv);
    bench_parse(&o, argc, argv);
#if defined(COLL_BARRIER)
    o.sizes[0] = 0;
    o.nsizes = 1;
#else
    if (o.nsizes == 0) {
        for (size_t s = 8; s <= (4u << 20); s *= 2)
            o.sizes[o.nsizes++] = s;
    }
#endif
    size_t maxsize = o.sizes[o.nsizes - 1];
#if defined(COLL_ALLGATHER) || defined(COLL_ALLTOALL)
    size_t inbytes = maxsize * ((size_t)bench_nranks), outbytes = inbytes;
#else
    size_t inbytes = maxsize, outbytes = maxsize;
#endif
    void *in = bench_alloc(inbytes), *out = bench_alloc(outbytes); /* freed at the end */

    for (int k = 0; k < o.nsizes; k++) {
        size_t size = o.sizes[k];
#if defined(COLL_REDUCE) || defined(COLL_ALLREDUCE)
        size = size < 8 ? 8 : size / 8 * 8;
#endif
        validate(in, out, size);
        /* Warm up, and time the warm-up to choose the iteration count.  The
         * synchronisation makes rank 0 see the slowest rank's time (a bcast
         * root alone would finish its sends long before the others).  Two
         * pairs of calls first, the cheaper pair counting: the first calls
         * at a new size pay one-time costs (an implementation's buffers for
         * that size touched for the first time: page faults), and with
         * ranks outnumbering cores those stretch a call by tens of
         * milliseconds.  Timed alone they made the count collapse to the
         * minimum, so that a size measured single calls from a cold start
         * while its neighbours measured calls back to back, 10-30x apart
         * (which size suffered followed its place in the list, not the
         * size).  Then more calls when they are cheap (an oversubscribed
         * implementation may take tens of milliseconds per call), timed
         * apart from the first ones. */
        struct args a = {in, out, size};
        double first = 0;
        for (int pair = 0; pair < 2; pair++) {
            bench_sync();
            double t = MPI_Wtime();
            body(&a, 2);
            bench_sync();
            t = (MPI_Wtime() - t) / 2;
            if (pair == 0 || t < first)
                first = t;
        }
        int more = bench_share_int(first * 20 < o.budget ? 18 : 0);
        double per = first;
        if (more > 0) {
            double t = MPI_Wtime();
            body(&a, more);
            bench_sync();
            per = (MPI_Wtime() - t) / more;
        }
        int iters = bench_choose_iters(&o, per);
        double t = bench_measure(body, &a, iters, BENCH_MEAN);
        bench_result(NAME, size, t * 1e6);
    }
    free(in);
    free(out);
    MPI_Finalize();
    return 0;
}

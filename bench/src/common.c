/* common.c -- the harness every benchmark program links: options, message
 * sizes, iteration counts, data patterns and point-to-point helpers.
 *
 * Each benchmark (pingpong.c, bandwidth.c, msgrate.c, coll.c, hello.c) is a
 * separate program built from its own source plus this file, once per MPI
 * implementation.  The helpers here speak only MPI_Send/MPI_Recv on
 * MPI_COMM_WORLD with a tag of their own, so they work on an implementation
 * that has no collectives yet.
 */
#include "bench.h"

#include <mpi.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The harness's own tag: far from the tags the benchmarks use (0..2). */
#define HARNESS_TAG 7411

int bench_rank, bench_nranks;

void bench_die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "bench: rank %d: ", bench_rank);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
    exit(1);
}

void bench_invalid(const char *what, size_t size, size_t offset)
{
    fprintf(stderr, "bench: rank %d: INVALID DATA in %s: %zu-byte message differs at byte %zu\n",
            bench_rank, what, size, offset);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, BENCH_EXIT_INVALID);
    exit(BENCH_EXIT_INVALID);
}

/* Parses "64", "4K", "16M" into bytes; returns -1 when it is not a size. */
static long long parse_size(const char *s, char **end)
{
    long long v = strtoll(s, end, 10);
    if (*end == s || v < 0)
        return -1;
    if (**end == 'K' || **end == 'k') {
        v <<= 10;
        (*end)++;
    } else if (**end == 'M' || **end == 'm') {
        v <<= 20;
        (*end)++;
    }
    return v;
}

static void add_size(struct bench_opts *o, long long v)
{
    if (o->nsizes == BENCH_MAX_SIZES)
        bench_die("more than %d message sizes", BENCH_MAX_SIZES);
    o->sizes[o->nsizes++] = (size_t)v;
}

/* "a,b,c" or "LO:HI:FACTOR" (geometric from LO, 0 then 1 when LO is 0). */
static void parse_sizes(struct bench_opts *o, const char *spec)
{
    char *end;
    o->nsizes = 0;
    if (strchr(spec, ':')) {
        long long lo = parse_size(spec, &end);
        long long hi = *end == ':' ? parse_size(end + 1, &end) : -1;
        long long f = *end == ':' ? strtoll(end + 1, &end, 10) : -1;
        if (lo < 0 || hi < lo || f < 2 || *end)
            bench_die("bad size range '%s' (want LO:HI:FACTOR, e.g. 0:16M:4)", spec);
        if (lo == 0) {
            add_size(o, 0);
            lo = 1;
        }
        for (long long v = lo; v <= hi; v *= f)
            add_size(o, v);
        /* The upper end is always measured, even off the progression. */
        if (o->sizes[o->nsizes - 1] != (size_t)hi)
            add_size(o, hi);
        return;
    }
    const char *p = spec;
    for (;;) {
        long long v = parse_size(p, &end);
        if (v < 0 || (*end && *end != ','))
            bench_die("bad size list '%s' (want e.g. 0,8,4K,1M)", spec);
        add_size(o, v);
        if (!*end)
            break;
        p = end + 1;
    }
}

void bench_parse(struct bench_opts *o, int argc, char **argv)
{
    int c;
    MPI_Comm_rank(MPI_COMM_WORLD, &bench_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &bench_nranks);
    while ((c = getopt(argc, argv, "s:t:i:I:w:x:")) != -1) {
        switch (c) {
        case 's':
            parse_sizes(o, optarg);
            break;
        case 't':
            o->budget = atof(optarg) / 1000.0;
            break;
        case 'i':
            o->min_iters = atoi(optarg);
            break;
        case 'I':
            o->max_iters = atoi(optarg);
            break;
        case 'w':
            o->window = atoi(optarg);
            break;
        case 'x':
            o->arg = optarg;
            break;
        default:
            bench_die("usage: %s [-s SIZES] [-t MS] [-i MIN] [-I MAX] [-w WINDOW] [-x ARG]",
                      argv[0]);
        }
    }
    if (o->min_iters < 1 || o->max_iters < o->min_iters || o->budget <= 0 || o->window < 1)
        bench_die("bad iteration settings: -i %d -I %d -t %g -w %d", o->min_iters, o->max_iters,
                  o->budget * 1000, o->window);
}

void bench_sync(void)
{
    /* Dissemination: in round k, send to rank+2^k and hear from rank-2^k. */
    for (int d = 1; d < bench_nranks; d <<= 1) {
        int to = (bench_rank + d) % bench_nranks;
        int from = (bench_rank - d + bench_nranks) % bench_nranks;
        char out = 0, in;
        MPI_Sendrecv(&out, 1, MPI_CHAR, to, HARNESS_TAG, &in, 1, MPI_CHAR, from, HARNESS_TAG,
                     MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
}

int bench_share_int(int v)
{
    if (bench_rank == 0) {
        for (int r = 1; r < bench_nranks; r++)
            MPI_Send(&v, 1, MPI_INT, r, HARNESS_TAG, MPI_COMM_WORLD);
    } else {
        MPI_Recv(&v, 1, MPI_INT, 0, HARNESS_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
    return v;
}

double bench_sum_to_root(double v)
{
    if (bench_rank != 0) {
        MPI_Send(&v, 1, MPI_DOUBLE, 0, HARNESS_TAG, MPI_COMM_WORLD);
        return v;
    }
    for (int r = 1; r < bench_nranks; r++) {
        double x;
        MPI_Recv(&x, 1, MPI_DOUBLE, r, HARNESS_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        v += x;
    }
    return v;
}

int bench_choose_iters(const struct bench_opts *o, double per_iter)
{
    int n = o->max_iters;
    if (per_iter > 0 && o->budget / per_iter < n)
        n = (int)(o->budget / per_iter);
    if (n < o->min_iters)
        n = o->min_iters;
    return bench_share_int(n);
}

/* Like bench_sum_to_root, but the largest value. */
static double max_to_root(double v)
{
    if (bench_rank != 0) {
        MPI_Send(&v, 1, MPI_DOUBLE, 0, HARNESS_TAG, MPI_COMM_WORLD);
        return v;
    }
    for (int r = 1; r < bench_nranks; r++) {
        double x;
        MPI_Recv(&x, 1, MPI_DOUBLE, r, HARNESS_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (x > v)
            v = x;
    }
    return v;
}

double bench_measure(bench_body body, void *ctx, int iters, enum bench_how how)
{
    int chunks = iters >= BENCH_CHUNKS ? BENCH_CHUNKS : 1;
    double best = -1, t = 0;
    for (int c = 0; c < chunks; c++) {
        /* The last chunk takes the remainder, so that iters run in all. */
        int n = c < chunks - 1 ? iters / chunks : iters - (chunks - 1) * (iters / chunks);
        bench_sync();
        t = MPI_Wtime();
        body(ctx, n);
        t = (MPI_Wtime() - t) / n;
        if (how == BENCH_MEAN)
            t = bench_sum_to_root(t) / bench_nranks;
        else if (how == BENCH_MAX)
            t = max_to_root(t);
        if (best < 0 || t < best)
            best = t;
    }
    return bench_rank == 0 ? best : t;
}

static unsigned char pattern(size_t i, size_t size, unsigned seed)
{
    uint32_t x = ((uint32_t)i * 2654435761u) ^ ((uint32_t)size * 40503u) ^ (seed * 97u);
    return (unsigned char)((x >> 13) ^ x);
}

void bench_fill(void *buf, size_t size, unsigned seed)
{
    unsigned char *p = buf;
    for (size_t i = 0; i < size; i++)
        p[i] = pattern(i, size, seed);
}

int bench_check(const void *buf, size_t size, unsigned seed, size_t *bad_offset)
{
    const unsigned char *p = buf;
    for (size_t i = 0; i < size; i++) {
        if (p[i] != pattern(i, size, seed)) {
            *bad_offset = i;
            return -1;
        }
    }
    return 0;
}

void *bench_alloc(size_t size)
{
    void *p = NULL;
    /* Freed by the caller before MPI_Finalize. */
    if (posix_memalign(&p, 4096, size ? size : 1))
        bench_die("cannot allocate %zu bytes", size);
    memset(p, 0, size ? size : 1);
    return p;
}

void bench_result(const char *metric, size_t size, double value)
{
    if (bench_rank == 0) {
        printf("%s %d %zu %.6g\n", metric, bench_nranks, size, value);
        fflush(stdout);
    }
}

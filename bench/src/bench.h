/* bench.h -- what every benchmark program shares (bench/src/common.c).
 *
 * The benchmarks are written against the standard MPI C API only, so that the
 * same source builds with Lark's mpicc, mpicc.openmpi and mpicc.mpich.  They
 * must also run on an implementation that is still growing: the helpers here
 * use nothing but MPI_Send/MPI_Recv (no collective), so a program that times
 * point-to-point never depends on collectives, and a program that times one
 * collective depends on that collective only.
 *
 * Output contract (read by bench/compare): one result per line,
 *     <metric> <ranks> <size> <value>
 * with the unit fixed per metric (see bench/README.md); lines starting with
 * '#' are comments.  A program whose data check fails prints a line on stderr
 * and exits with status 3; any other failure exits non-zero as well.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_MAX_SIZES    64
#define BENCH_EXIT_INVALID 3

/* Command-line settings common to every benchmark. */
struct bench_opts {
    size_t sizes[BENCH_MAX_SIZES]; /* message sizes in bytes, ascending */
    int nsizes;
    double budget;   /* seconds of timed loop per size (-t, in ms) */
    int min_iters;   /* at least this many timed iterations (-i) */
    int max_iters;   /* at most this many (-I) */
    int window;      /* messages in flight, for bandwidth and rate (-w) */
    const char *arg; /* program-specific argument (-x) */
};

/* Parses argv into *o after MPI_Init.  Options:
 *   -s LIST   sizes: comma-separated bytes, K/M suffixes, or LO:HI:FACTOR
 *   -t MS     time budget per size in milliseconds
 *   -i N, -I N   minimum / maximum timed iterations
 *   -w N      window (messages in flight)
 *   -x ARG    program-specific
 * Defaults come from the caller's *o.  Exits the job on a bad option. */
void bench_parse(struct bench_opts *o, int argc, char **argv);

/* This rank and the size of MPI_COMM_WORLD (cached by bench_parse). */
extern int bench_rank, bench_nranks;

/* Stops the whole job with a message naming the rank and the reason. */
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Reports a failed data check (rank, what, offset) and stops the job with
 * BENCH_EXIT_INVALID.  Never returns. */
void bench_invalid(const char *what, size_t size, size_t offset) __attribute__((noreturn));

/* Point-to-point replacements for the collectives the harness needs, so that
 * timing one thing never requires another: a dissemination barrier, a
 * broadcast of one int from rank 0, and a sum of one double to rank 0. */
void bench_sync(void);
int bench_share_int(int v);
double bench_sum_to_root(double v);

/* Number of timed iterations for a measured time per iteration: enough to
 * fill the budget, within [min_iters, max_iters].  Rank 0 decides and every
 * rank gets the same answer (calls bench_share_int). */
int bench_choose_iters(const struct bench_opts *o, double per_iter);

/* The timed loop.  body(ctx, n) runs n iterations of what is measured.
 * bench_measure runs iters iterations in BENCH_CHUNKS chunks (fewer when
 * iters is small), each started right after a bench_sync, and returns, on
 * rank 0, the time per iteration of the fastest chunk: the best of a few
 * samples within one run, so that a burst of other work on a shared machine
 * does not decide the result.  A chunk's time is rank 0's own (BENCH_ROOT),
 * the mean over ranks (BENCH_MEAN) or the slowest rank's (BENCH_MAX).  Every
 * rank must call it; other ranks get their own last chunk's time. */
#define BENCH_CHUNKS 3
enum bench_how { BENCH_ROOT, BENCH_MEAN, BENCH_MAX };
typedef void (*bench_body)(void *ctx, int iters);
double bench_measure(bench_body body, void *ctx, int iters, enum bench_how how);

/* Fills / checks a buffer with a pattern that depends on the seed, the byte
 * offset and the size, so a stale, short or shifted buffer is caught. */
void bench_fill(void *buf, size_t size, unsigned seed);
int bench_check(const void *buf, size_t size, unsigned seed, size_t *bad_offset);

/* Page-aligned allocation (at least one byte); exits the job on failure. */
void *bench_alloc(size_t size);

/* Prints one result line from rank 0 (the output contract above). */
void bench_result(const char *metric, size_t size, double value);

#endif

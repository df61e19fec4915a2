/* rma.c -- one-sided communication: put and get latency and bandwidth
 * between rank 0 (origin) and rank 1 (target) of an MPI_Win_allocate
 * window, synchronised with passive-target lock/flush or with fence, and
 * MPI_Fetch_and_op latency with every rank hammering one counter on rank 0.
 *
 * -x OP,SYNC,KIND with OP put|get, SYNC lock|fence, KIND lat|bw; or -x fop.
 * Result lines:
 *   rma_<op>_<sync> <ranks> <size> <us>    lat: one operation + its flush
 *                                          (lock: MPI_Win_flush; fence: a
 *                                          fence on both ranks)
 *   rma_<op>_<sync>_bw <ranks> <size> <GB/s>  bw: 16 operations, then one
 *                                          flush / fence
 *   rma_fop <ranks> 8 <us>                 one MPI_Fetch_and_op(MPI_SUM) +
 *                                          MPI_Win_flush per rank, mean
 *                                          over ranks, all at once
 * The lock epoch (MPI_Win_lock_all) is opened once, outside the timing.
 * Every size is checked once before it is timed.
 */
#include "bench.h"

#include <mpi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 16

struct rma {
    MPI_Win win;
    char *buf;
    size_t size;
    int put, fence, bw;
};

static void body(void *ctx, int iters)
{
    struct rma *r = ctx;
    int n = r->bw ? WINDOW : 1;
    for (int i = 0; i < iters; i++) {
        if (bench_rank == 0) {
            for (int k = 0; k < n; k++) {
                if (r->put)
                    MPI_Put(r->buf, (int)r->size, MPI_BYTE, 1, 0, (int)r->size, MPI_BYTE, r->win);
                else
                    MPI_Get(r->buf, (int)r->size, MPI_BYTE, 1, 0, (int)r->size, MPI_BYTE, r->win);
            }
            if (!r->fence)
                MPI_Win_flush(1, r->win);
        }
        if (r->fence)
            MPI_Win_fence(0, r->win);
    }
}

static long long fop_calls; /* this rank's Fetch_and_op calls, for the check */

static void fop_body(void *ctx, int iters)
{
    struct rma *r = ctx;
    long long one = 1, old;
    fop_calls += iters;
    for (int i = 0; i < iters; i++) {
        MPI_Fetch_and_op(&one, &old, MPI_LONG_LONG, 0, 0, MPI_SUM, r->win);
        MPI_Win_flush(0, r->win);
    }
}

/* One checked transfer of `size` bytes each way the benchmark moves data. */
static void validate(struct rma *r, char *mem)
{
    size_t bad;
    if (r->fence)
        MPI_Win_fence(0, r->win);
    if (r->put) {
        if (bench_rank == 0) {
            bench_fill(r->buf, r->size, 7);
            MPI_Put(r->buf, (int)r->size, MPI_BYTE, 1, 0, (int)r->size, MPI_BYTE, r->win);
            if (!r->fence)
                MPI_Win_flush(1, r->win);
        }
        if (r->fence)
            MPI_Win_fence(0, r->win);
        bench_sync();
        if (bench_rank == 1) {
            if (!r->fence)
                MPI_Win_sync(r->win); /* lock mode: we are in the lock_all epoch */
            if (bench_check(mem, r->size, 7, &bad))
                bench_invalid("MPI_Put", r->size, bad);
        }
    } else {
        if (bench_rank == 1) {
            bench_fill(mem, r->size, 9);
            if (!r->fence)
                MPI_Win_sync(r->win);
        }
        bench_sync();
        if (r->fence)
            MPI_Win_fence(0, r->win);
        if (bench_rank == 0) {
            memset(r->buf, 0, r->size);
            MPI_Get(r->buf, (int)r->size, MPI_BYTE, 1, 0, (int)r->size, MPI_BYTE, r->win);
            if (!r->fence)
                MPI_Win_flush(1, r->win);
        }
        if (r->fence)
            MPI_Win_fence(0, r->win);
        if (bench_rank == 0 && bench_check(r->buf, r->size, 9, &bad))
            bench_invalid("MPI_Get", r->size, bad);
    }
    bench_sync();
}

int main(int argc, char **argv)
{
    struct bench_opts o = {.budget = 0.05, .min_iters = 5, .max_iters = 1000000, .window = 1};
    MPI_Init(&argc, &argv);
    o.nsizes = 0;
    bench_parse(&o, argc, argv);
    if (o.nsizes == 0)
        o.sizes[o.nsizes++] = 8;
    const char *x = o.arg ? o.arg : "put,lock,lat";
    struct rma r = {0};
    int fop = strcmp(x, "fop") == 0;
    char metric[64];
    if (fop) {
        snprintf(metric, sizeof metric, "rma_fop");
    } else {
        char op[8] = "", sync[8] = "", kind[8] = "";
        if (sscanf(x, "%7[a-z],%7[a-z],%7[a-z]", op, sync, kind) != 3 ||
            (strcmp(op, "put") && strcmp(op, "get")) ||
            (strcmp(sync, "lock") && strcmp(sync, "fence")) ||
            (strcmp(kind, "lat") && strcmp(kind, "bw")))
            bench_die("-x %s: want put|get,lock|fence,lat|bw or fop", x);
        r.put = op[0] == 'p';
        r.fence = sync[0] == 'f';
        r.bw = kind[0] == 'b';
        snprintf(metric, sizeof metric, "rma_%s_%s%s", op, sync, r.bw ? "_bw" : "");
        if (bench_nranks < 2)
            bench_die("rma needs at least 2 ranks");
    }
    size_t max = fop ? 8 : o.sizes[o.nsizes - 1];
    char *mem;
    MPI_Win_allocate((MPI_Aint)(max ? max : 1), 1, MPI_INFO_NULL, MPI_COMM_WORLD, &mem, &r.win);
    memset(mem, 0, max ? max : 1);
    r.buf = bench_alloc(max);
    bench_sync(); /* nobody writes into a window whose owner still clears it */
    if (fop) {
        MPI_Win_lock_all(0, r.win);
        bench_sync();
        int warm = 100;
        double t = MPI_Wtime();
        fop_body(&r, warm);
        int iters = bench_choose_iters(&o, (MPI_Wtime() - t) / warm);
        t = bench_measure(fop_body, &r, iters, BENCH_MEAN);
        MPI_Win_unlock_all(r.win);
        bench_sync();
        /* Every increment landed exactly once. */
        double calls = bench_sum_to_root((double)fop_calls);
        if (bench_rank == 0) {
            long long total;
            MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, r.win);
            MPI_Get(&total, 1, MPI_LONG_LONG, 0, 0, 1, MPI_LONG_LONG, r.win);
            MPI_Win_unlock(0, r.win);
            if ((double)total != calls)
                bench_invalid("MPI_Fetch_and_op total", 8, (size_t)total);
        }
        bench_result(metric, 8, t * 1e6);
    } else {
        if (!r.fence)
            MPI_Win_lock_all(0, r.win);
        for (int k = 0; k < o.nsizes; k++) {
            r.size = o.sizes[k];
            validate(&r, mem);
            int warm = r.size <= 65536 ? 50 : 3;
            bench_sync();
            double t = MPI_Wtime();
            body(&r, warm);
            int iters = bench_choose_iters(&o, (MPI_Wtime() - t) / warm);
            t = bench_measure(body, &r, iters, BENCH_ROOT);
            if (r.bw)
                bench_result(metric, r.size, (double)r.size * WINDOW / t / 1e9);
            else
                bench_result(metric, r.size, t * 1e6);
        }
        if (!r.fence)
            MPI_Win_unlock_all(r.win);
        else
            MPI_Win_fence(MPI_MODE_NOSUCCEED, r.win);
    }
    bench_sync();
    MPI_Win_free(&r.win);
    free(r.buf);
    MPI_Finalize();
    return 0;
}

/* bandwidth.c -- streaming bandwidth between rank 0 and rank 1: a window of
 * nonblocking sends in flight, then a short acknowledgement.  With -x bi both
 * ranks stream at each other at once (bidirectional bandwidth).
 *
 * Result lines: "bw <ranks> <size> <GB/s>" or "bibw <ranks> <size> <GB/s>"
 * (GB = 1e9 bytes; bibw counts the bytes of both directions).  The window
 * (64 messages) shrinks for large messages so that it never holds more than
 * 64 MiB.  As in the usual osu_bw, the timed windows send every message from
 * one buffer and receive every message into one buffer, so the data stays in
 * cache as far as it fits; the one window that is checked beforehand uses a
 * buffer per slot, so that each message is checked on its own.
 */
#include "bench.h"

#include <mpi.h>

#include <stdlib.h>
#include <string.h>

#define WINDOW_BYTES (64u << 20) /* most bytes in flight in one window */
#define CHECK_BYTES  (8u << 20)  /* most bytes of the checked window */

static int bidir;

/* One window.  Rank 0 sends (and, bidirectional, receives); rank 1 the
 * mirror image.  With spread, slot i of the receive area is recv + i * size
 * (and, unidirectional, of the send area sendbuf + i * size); otherwise every
 * slot uses the start of the area. */
static void window(char *sendbuf, char *recv, size_t size, int w, MPI_Request *req, int spread)
{
    int peer = 1 - bench_rank, n = 0;
    size_t step = spread ? size : 0;
    char ack = 0;
    if (bench_rank > 1)
        return;
    if (bidir || bench_rank == 1) {
        for (int i = 0; i < w; i++)
            MPI_Irecv(recv + (size_t)i * step, (int)size, MPI_BYTE, peer, 0, MPI_COMM_WORLD,
                      &req[n++]);
    }
    if (bidir || bench_rank == 0) {
        for (int i = 0; i < w; i++)
            MPI_Isend(sendbuf + (bidir ? 0 : (size_t)i * step), (int)size, MPI_BYTE, peer, 0,
                      MPI_COMM_WORLD, &req[n++]);
    }
    MPI_Waitall(n, req, MPI_STATUSES_IGNORE);
    if (bidir)
        return;
    if (bench_rank == 0)
        MPI_Recv(&ack, 1, MPI_CHAR, 1, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    else
        MPI_Send(&ack, 1, MPI_CHAR, 0, 2, MPI_COMM_WORLD);
}

struct win {
    char *sendbuf, *recv;
    size_t size;
    int w;
    MPI_Request *req;
};

static void body(void *ctx, int iters)
{
    struct win *x = ctx;
    for (int i = 0; i < iters; i++)
        window(x->sendbuf, x->recv, x->size, x->w, x->req, 0);
}

int main(int argc, char **argv)
{
    struct bench_opts o = {.budget = 0.1, .min_iters = 3, .max_iters = 100000, .window = 64};
    MPI_Init(&argc, &argv);
    bench_parse(&o, argc, argv);
    if (o.nsizes == 0) {
        for (size_t s = 1; s <= (16u << 20); s *= 2)
            o.sizes[o.nsizes++] = s;
    }
    if (o.arg && strcmp(o.arg, "bi") == 0)
        bidir = 1;
    else if (o.arg && strcmp(o.arg, "uni") != 0)
        bench_die("-x takes 'uni' or 'bi', not '%s'", o.arg);
    if (bench_nranks < 2)
        bench_die("bandwidth needs at least 2 ranks");

    /* The timed windows use the start of each area only; the checked window
     * spreads over at most CHECK_BYTES.  Unidirectional: rank 0 sends from a
     * buffer per slot, rank 1 receives into a buffer per slot; bidirectional:
     * each rank sends from one buffer and receives into a buffer per slot.
     * Freed at the end. */
    size_t maxsize = o.sizes[o.nsizes - 1];
    size_t area = maxsize * (size_t)o.window;
    if (area > CHECK_BYTES)
        area = maxsize > CHECK_BYTES ? maxsize : CHECK_BYTES;
    char *sendbuf = bench_alloc(area);
    char *recv = bench_alloc(area);
    MPI_Request *req = malloc(2 * (size_t)o.window * sizeof(*req));
    if (!req)
        bench_die("out of memory");

    for (int k = 0; k < o.nsizes; k++) {
        size_t size = o.sizes[k], bad;
        int w = o.window;
        if (size && (size_t)w * size > WINDOW_BYTES)
            w = size >= WINDOW_BYTES ? 1 : (int)(WINDOW_BYTES / size);

        /* Check one window: slot i carries seed i (+100 from rank 1); at
         * most CHECK_BYTES of it, so that checking costs less than timing. */
        int wc = w;
        if (size && (size_t)wc * size > area)
            wc = (int)(area / size);
        for (int i = 0; i < wc; i++)
            bench_fill(sendbuf + (bidir ? 0 : (size_t)i * size), size,
                       bidir ? 100u * (unsigned)bench_rank : (unsigned)i);
        window(sendbuf, recv, size, wc, req, 1);
        if (bench_rank <= 1 && (bidir || bench_rank == 1)) {
            for (int i = 0; i < wc; i++)
                if (bench_check(recv + (size_t)i * size, size,
                                bidir ? 100u * (unsigned)(1 - bench_rank) : (unsigned)i, &bad))
                    bench_invalid(bidir ? "bidirectional window" : "streaming window", size, bad);
        }

        bench_sync();
        double t = MPI_Wtime();
        window(sendbuf, recv, size, w, req, 0);
        window(sendbuf, recv, size, w, req, 0);
        int iters = bench_choose_iters(&o, (MPI_Wtime() - t) / 2);
        struct win x = {sendbuf, recv, size, w, req};
        t = bench_measure(body, &x, iters, BENCH_ROOT);
        double bytes = (double)size * w * (bidir ? 2 : 1);
        bench_result(bidir ? "bibw" : "bw", size, bytes / t / 1e9);
    }
    free(req);
    free(sendbuf);
    free(recv);
    MPI_Finalize();
    return 0;
}

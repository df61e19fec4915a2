/* msgrate.c -- message rate with several pairs at once: rank r (in the first
 * half) streams windows of small nonblocking sends to rank r + n/2, which
 * acknowledges each window.  All pairs run together.
 *
 * Result lines: "msgrate <ranks> <size> <million messages per second>", the
 * sum over the pairs.  With an odd number of ranks the last one idles.  One
 * window is checked slot by slot before timing.
 */
#include "bench.h"

#include <mpi.h>

#include <stdlib.h>

static int role(int *peer)
{
    int half = bench_nranks / 2;
    if (bench_rank < half) {
        *peer = bench_rank + half;
        return 1; /* sender */
    }
    if (bench_rank < 2 * half) {
        *peer = bench_rank - half;
        return 2; /* receiver */
    }
    return 0;
}

static void window(char *sendbuf, char *recvbuf, size_t size, int w, MPI_Request *req)
{
    int peer = -1, r = role(&peer);
    char ack = 0;
    if (r == 1) {
        for (int i = 0; i < w; i++)
            MPI_Isend(sendbuf + (size_t)i * size, (int)size, MPI_BYTE, peer, 0, MPI_COMM_WORLD,
                      &req[i]);
        MPI_Waitall(w, req, MPI_STATUSES_IGNORE);
        MPI_Recv(&ack, 1, MPI_CHAR, peer, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (r == 2) {
        for (int i = 0; i < w; i++)
            MPI_Irecv(recvbuf + (size_t)i * size, (int)size, MPI_BYTE, peer, 0, MPI_COMM_WORLD,
                      &req[i]);
        MPI_Waitall(w, req, MPI_STATUSES_IGNORE);
        MPI_Send(&ack, 1, MPI_CHAR, peer, 2, MPI_COMM_WORLD);
    }
}

struct win {
    char *sendbuf, *recvbuf;
    size_t size;
    int w;
    MPI_Request *req;
};

static void body(void *ctx, int iters)
{
    struct win *x = ctx;
    for (int i = 0; i < iters; i++)
        window(x->sendbuf, x->recvbuf, x->size, x->w, x->req);
}

int main(int argc, char **argv)
{
    struct bench_opts o = {.budget = 0.1, .min_iters = 3, .max_iters = 1000000, .window = 64};
    MPI_Init(&argc, &argv);
    bench_parse(&o, argc, argv);
    if (o.nsizes == 0) {
        o.sizes[0] = 8;
        o.nsizes = 1;
    }
    if (bench_nranks < 2)
        bench_die("msgrate needs at least 2 ranks");
    if (o.sizes[o.nsizes - 1] > (1u << 20))
        bench_die("msgrate is for small messages (at most 1 MiB)");

    size_t area = o.sizes[o.nsizes - 1] * (size_t)o.window;
    char *sendbuf = bench_alloc(area), *recvbuf = bench_alloc(area); /* freed at the end */
    MPI_Request *req = malloc((size_t)o.window * sizeof(*req));
    if (!req)
        bench_die("out of memory");
    int peer = -1, r = role(&peer);

    for (int k = 0; k < o.nsizes; k++) {
        size_t size = o.sizes[k], bad;
        int w = o.window;
        for (int i = 0; i < w; i++)
            bench_fill(sendbuf + (size_t)i * size, size, (unsigned)(i + 1000 * bench_rank));
        window(sendbuf, recvbuf, size, w, req);
        if (r == 2) {
            for (int i = 0; i < w; i++)
                if (bench_check(recvbuf + (size_t)i * size, size, (unsigned)(i + 1000 * peer),
                                &bad))
                    bench_invalid("message-rate window", size, bad);
        }

        bench_sync();
        double t = MPI_Wtime();
        for (int i = 0; i < 10; i++)
            window(sendbuf, recvbuf, size, w, req);
        int iters = bench_choose_iters(&o, (MPI_Wtime() - t) / 10);
        /* All pairs run at once: the rate is every pair's messages over the
         * slowest rank's time. */
        struct win x = {sendbuf, recvbuf, size, w, req};
        t = bench_measure(body, &x, iters, BENCH_MAX);
        bench_result("msgrate", size, (double)(bench_nranks / 2) * w / t / 1e6);
    }
    free(req);
    free(sendbuf);
    free(recvbuf);
    MPI_Finalize();
    return 0;
}

/* ddt.c -- derived datatypes: a strided halo exchange, a struct-of-arrays
 * message, and pack/unpack throughput.
 *
 *   -x halo1, -x halo8   ranks 0 and 1 exchange (MPI_Sendrecv) one halo of
 *                        `size` packed bytes: MPI_Type_vector of doubles,
 *                        block 1 or 8, stride twice the block (half of the
 *                        memory is skipped).  Result: "halo1|halo8 2 <size>
 *                        <us per exchange>".
 *   -x soa               rank 0 sends rank 1 one message of `size` bytes made
 *                        of four arrays (x, y, z doubles, id int64s) with an
 *                        MPI_Type_create_struct of absolute addresses
 *                        (MPI_BOTTOM); rank 1 receives it into four arrays the
 *                        same way; then a 1-byte reply.  "soa 2 <size> <us>".
 *   -x pack1, pack8, unpack1, unpack8
 *                        on rank 0 alone: MPI_Pack (MPI_Unpack) of the halo
 *                        vector, block 1 or 8, as a fraction of memcpy of
 *                        the same bytes (1 = as fast as memcpy).
 *                        "pack1 1 <size> <fraction>" and so on.
 * Every exchange is checked once before timing (bench_check on the packed
 * bytes, through MPI_Pack of what arrived).
 */
#include "bench.h"

#include <mpi.h>

#include <stdlib.h>
#include <string.h>

static int block = 1;

struct halo {
    MPI_Datatype t;
    double *send, *recv;
    int count;
};

/* The vector carrying `size` packed bytes. */
static MPI_Datatype halo_type(size_t size)
{
    int n = (int)(size / 8 / (size_t)block);
    if (n < 1)
        n = 1;
    MPI_Datatype t;
    MPI_Type_vector(n, block, 2 * block, MPI_DOUBLE, &t);
    MPI_Type_commit(&t);
    return t;
}

static void halo_body(void *ctx, int iters)
{
    struct halo *h = ctx;
    int peer = 1 - bench_rank;
    if (bench_rank > 1)
        return;
    for (int i = 0; i < iters; i++)
        MPI_Sendrecv(h->send, 1, h->t, peer, 0, h->recv, 1, h->t, peer, 0, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
}

/* Checks what arrived in a typed buffer: packed, it must be the pattern. */
static void check_typed(const void *buf, int count, MPI_Datatype t, size_t size, unsigned seed,
                        const char *what)
{
    char *p = bench_alloc(size);
    int pos = 0;
    size_t bad;
    MPI_Pack(buf, count, t, p, (int)size, &pos, MPI_COMM_WORLD);
    if ((size_t)pos != size || bench_check(p, size, seed, &bad))
        bench_invalid(what, size, (size_t)pos != size ? (size_t)pos : bad);
    free(p);
}

/* Fills a typed buffer so that its packed form is the pattern. */
static void fill_typed(void *buf, int count, MPI_Datatype t, size_t size, unsigned seed)
{
    char *p = bench_alloc(size);
    int pos = 0;
    bench_fill(p, size, seed);
    MPI_Unpack(p, (int)size, &pos, buf, count, t, MPI_COMM_WORLD);
    free(p);
}

static void run_halo(const struct bench_opts *o)
{
    size_t maxsize = o->sizes[o->nsizes - 1];
    double *send = bench_alloc(2 * maxsize + 64), *recv = bench_alloc(2 * maxsize + 64);
    const char *metric = block == 1 ? "halo1" : "halo8";
    for (int k = 0; k < o->nsizes; k++) {
        size_t size = o->sizes[k];
        if (size < 8 * (size_t)block)
            continue;
        struct halo h = {halo_type(size), send, recv, 1};
        int tsize;
        MPI_Type_size(h.t, &tsize);
        if (bench_rank <= 1) {
            fill_typed(send, 1, h.t, (size_t)tsize, 7u + (unsigned)bench_rank);
            halo_body(&h, 1);
            check_typed(recv, 1, h.t, (size_t)tsize, 7u + (unsigned)(1 - bench_rank), metric);
        }
        bench_sync();
        double t = MPI_Wtime();
        halo_body(&h, 2);
        int iters = bench_choose_iters(o, (MPI_Wtime() - t) / 2);
        t = bench_measure(halo_body, &h, iters, BENCH_ROOT);
        bench_result(metric, (size_t)tsize, t * 1e6);
        MPI_Type_free(&h.t);
    }
    free(send);
    free(recv);
}

/* ---- struct of arrays ---- */

struct soa {
    MPI_Datatype st, rt;
};

static MPI_Datatype soa_type(size_t size, char *base)
{
    /* Per element 3 doubles + 1 int64 = 32 bytes, in four arrays. */
    int n = (int)(size / 32);
    if (n < 1)
        n = 1;
    double *x = (double *)base, *y = x + n + 8, *z = y + n + 8;
    int64_t *id = (int64_t *)(z + n + 8);
    int bl[4] = {n, n, n, n};
    MPI_Aint d[4];
    MPI_Get_address(x, &d[0]);
    MPI_Get_address(y, &d[1]);
    MPI_Get_address(z, &d[2]);
    MPI_Get_address(id, &d[3]);
    MPI_Datatype ty[4] = {MPI_DOUBLE, MPI_DOUBLE, MPI_DOUBLE, MPI_INT64_T}, t;
    MPI_Type_create_struct(4, bl, d, ty, &t);
    MPI_Type_commit(&t);
    return t;
}

static void soa_body(void *ctx, int iters)
{
    struct soa *s = ctx;
    char ack = 0;
    for (int i = 0; i < iters; i++) {
        if (bench_rank == 0) {
            MPI_Send(MPI_BOTTOM, 1, s->st, 1, 0, MPI_COMM_WORLD);
            MPI_Recv(&ack, 1, MPI_CHAR, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else if (bench_rank == 1) {
            MPI_Recv(MPI_BOTTOM, 1, s->rt, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(&ack, 1, MPI_CHAR, 0, 1, MPI_COMM_WORLD);
        }
    }
}

static void run_soa(const struct bench_opts *o)
{
    size_t maxsize = o->sizes[o->nsizes - 1];
    char *a = bench_alloc(maxsize + 256), *b = bench_alloc(maxsize + 256);
    for (int k = 0; k < o->nsizes; k++) {
        size_t size = o->sizes[k];
        if (size < 32)
            continue;
        struct soa s = {soa_type(size, a), soa_type(size, b)};
        int tsize;
        MPI_Type_size(s.st, &tsize);
        if (bench_rank == 0)
            fill_typed(MPI_BOTTOM, 1, s.st, (size_t)tsize, 11);
        soa_body(&s, 1);
        if (bench_rank == 1)
            check_typed(MPI_BOTTOM, 1, s.rt, (size_t)tsize, 11, "soa");
        bench_sync();
        double t = MPI_Wtime();
        soa_body(&s, 2);
        int iters = bench_choose_iters(o, (MPI_Wtime() - t) / 2);
        t = bench_measure(soa_body, &s, iters, BENCH_ROOT);
        bench_result("soa", (size_t)tsize, t * 1e6);
        MPI_Type_free(&s.st);
        MPI_Type_free(&s.rt);
    }
    free(a);
    free(b);
}

/* ---- pack / unpack against memcpy ---- */

static double best_of(void (*fn)(void *), void *ctx, int reps)
{
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t = MPI_Wtime();
        fn(ctx);
        t = MPI_Wtime() - t;
        if (t < best)
            best = t;
    }
    return best;
}

struct packctx {
    double *mem;
    char *packed;
    MPI_Datatype t;
    int size;
};

static void do_pack(void *c)
{
    struct packctx *p = c;
    int pos = 0;
    MPI_Pack(p->mem, 1, p->t, p->packed, p->size, &pos, MPI_COMM_WORLD);
}

static void do_unpack(void *c)
{
    struct packctx *p = c;
    int pos = 0;
    MPI_Unpack(p->packed, p->size, &pos, p->mem, 1, p->t, MPI_COMM_WORLD);
}

static void do_memcpy(void *c)
{
    struct packctx *p = c;
    memcpy(p->packed, p->mem, (size_t)p->size);
}

static void run_pack(const struct bench_opts *o, const char *metric)
{
    size_t maxsize = o->sizes[o->nsizes - 1];
    double *mem = bench_alloc(2 * maxsize + 64);
    char *packed = bench_alloc(maxsize + 64);
    memset(mem, 1, 2 * maxsize + 64);
    int unpack = metric[0] == 'u';
    block = metric[strlen(metric) - 1] - '0';
    for (int k = 0; k < o->nsizes && bench_rank == 0; k++) {
        size_t size = o->sizes[k];
        if (size < 8 * (size_t)block)
            continue;
        struct packctx p = {mem, packed, halo_type(size), 0};
        MPI_Type_size(p.t, &p.size);
        int reps = (int)(o->budget / 2 / (size * 1e-10 + 1e-6)) + 3;
        if (reps > 1000)
            reps = 1000;
        double tm = best_of(do_memcpy, &p, reps);
        double t = best_of(unpack ? do_unpack : do_pack, &p, reps);
        bench_result(metric, (size_t)p.size, tm / t);
        MPI_Type_free(&p.t);
    }
    free(mem);
    free(packed);
}

int main(int argc, char **argv)
{
    struct bench_opts o = {.budget = 0.1, .min_iters = 3, .max_iters = 100000, .window = 1};
    MPI_Init(&argc, &argv);
    bench_parse(&o, argc, argv);
    if (o.nsizes == 0) {
        for (size_t s = 1024; s <= (16u << 20); s *= 4)
            o.sizes[o.nsizes++] = s;
    }
    const char *what = o.arg ? o.arg : "halo1";
    if (strcmp(what, "pack1") == 0 || strcmp(what, "pack8") == 0 || strcmp(what, "unpack1") == 0 ||
        strcmp(what, "unpack8") == 0) {
        run_pack(&o, what);
    } else {
        if (bench_nranks < 2)
            bench_die("ddt -x %s needs 2 ranks", what);
        if (strcmp(what, "halo1") == 0 || strcmp(what, "halo8") == 0) {
            block = what[4] - '0';
            run_halo(&o);
        } else if (strcmp(what, "soa") == 0) {
            run_soa(&o);
        } else {
            bench_die("-x takes halo1, halo8, soa, pack1, pack8, unpack1 or unpack8, not '%s'",
                      what);
        }
    }
    MPI_Finalize();
    return 0;
}

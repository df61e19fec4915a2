/*
 * coll_shm.c -- long streams of small blocking collectives back to back,
 * where an implementation may let ranks run ahead of each other (Lark's
 * shared-memory segment: bcast roots fill rings ahead of their readers,
 * reduce's non-roots leave before the root has folded, every exchange
 * reuses a rank's two posts alternately): bcast, reduce, allreduce,
 * allgather and alltoall in a mixed order, roots moving, sizes crossing
 * the segment's limits, MPI_IN_PLACE, a non-commutative op, a derived
 * type, one rank sleeping now and then so that the others run ahead,
 * and nonblocking collectives started and completed in the middle of the
 * stream on the same communicator; every predefined op on the types it
 * applies to at sizes on both sides of the limits, reduce at every root.
 * Every result is checked against one computed locally.  Runs on
 * MPI_COMM_WORLD, on communicators of every size from 1 to the world's,
 * and on one of reversed rank order.  The MPI_T counters
 * lark_coll_<coll>_shm count the calls through the segment (none with
 * LARK_COLL_SHM=off).
 */
#include <mpi.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int wrank;
#define TEST_NAME "coll_shm"
#include "check.h"

#define CALLS 400
#define MAXN  600 /* longs in the largest buffer */

/* What rank r contributes at element i of call k. */
static long val(int k, int r, long i)
{
    return (long)k * 131 + (r + 1) * 1000 + (i % 97) - 40;
}

/* A 2x2 integer matrix product (non-commutative): inout = in * inout,
 * elementwise over `len` matrices. */
static void matmul(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void)type;
    long *a = in, *b = inout;
    for (int m = 0; m < *len; m++, a += 4, b += 4) {
        long c[4] = {a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
                     a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]};
        memcpy(b, c, sizeof c);
    }
}

/* Rank r's matrix at call k: [[1, x], [0, 1]] products keep entries small
 * but depend on the order: [[1, a], [0, 1]] * [[1, 0], [b, 1]]. */
static void mat(int k, int r, long *m)
{
    long a = (k + r) % 3, b = (k * 7 + r) % 2;
    m[0] = 1 + a * b;
    m[1] = a;
    m[2] = b;
    m[3] = 1;
}

/* The derived type's elements summed: each spans 4 longs, of which the
 * first and the last hold data (the op sees the type's layout). */
static void pairsum(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void)type;
    long *a = in, *b = inout;
    for (int e = 0; e < *len; e++) {
        b[4 * e] += a[4 * e];
        b[4 * e + 3] += a[4 * e + 3];
    }
}

static void nap(void)
{
    struct timespec ts = {0, 1000000}; /* 1 ms: the others run ahead */
    nanosleep(&ts, NULL);
}

/* Rooted collectives alone, back to back, with the root (reduce) or a
 * reader (bcast) sleeping now and then: the others get further ahead
 * than any ring is deep, and must wait before reusing a place. */
static void run_ahead(MPI_Comm comm, const char *what)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    /* Sizes alternating, then one long only (its own ring, deeper). */
    for (int k = 0; k < 900; k++) {
        int root = k < 150 || k >= 600 ? 0 : size - 1, cnt = k < 300 ? 1 + k % 2 : 1;
        long x[2] = {val(k, rank, 0), val(k, rank, 1)}, y[2] = {-1, -1};
        if (rank == root && k % 100 == 10)
            nap();
        MPI_Reduce(x, y, cnt, MPI_LONG, MPI_SUM, root, comm);
        if (rank == root)
            for (int i = 0; i < cnt; i++) {
                long want = 0;
                for (int r = 0; r < size; r++)
                    want += val(k, r, i);
                CHECK(y[i] == want, "%s: reduce %d run ahead: [%d] = %ld, want %ld", what, k, i,
                      y[i], want);
            }
    }
    long b[40];
    for (int k = 0; k < 800; k++) {
        int root = (k / 200) % size, n = k % 5 == 4 ? 40 : 1 + k % 3;
        if (rank == (root + 1) % size && k % 150 == 20)
            nap();
        for (int i = 0; i < n; i++)
            b[i] = rank == root ? val(k, root, i) : -1;
        MPI_Bcast(b, n, MPI_LONG, root, comm);
        for (int i = 0; i < n; i++)
            CHECK(b[i] == val(k, root, i), "%s: bcast %d run ahead: [%d] = %ld", what, k, i, b[i]);
    }
}

/* Value v as element i of a buffer of `type` (small integers: exact in
 * every type, and products of a few stay small). */
static void put(MPI_Datatype type, void *buf, long i, int v)
{
    if (type == MPI_INT)
        ((int *)buf)[i] = v;
    else if (type == MPI_DOUBLE)
        ((double *)buf)[i] = v;
    else if (type == MPI_FLOAT)
        ((float *)buf)[i] = (float)v;
    else if (type == MPI_SHORT)
        ((short *)buf)[i] = (short)v;
    else if (type == MPI_UNSIGNED_CHAR)
        ((unsigned char *)buf)[i] = (unsigned char)v;
    else
        ((unsigned long *)buf)[i] = (unsigned long)v;
}

/* Every pair of a predefined op and a type it applies to, at sizes up to
 * past the segment's limits (reduce: 48 B, with rings of cells of up to
 * 8, 24 and 48 B; allreduce: 512 B), reduce at
 * every root and allreduce, against a reference folded locally in rank
 * order (MPI_Reduce_local); and MINLOC on MPI_DOUBLE_INT. */
static void ops(MPI_Comm comm, const char *what)
{
    static const struct {
        MPI_Datatype type;
        int size;
        const char *name;
    } types[] = {
        {MPI_INT, 4, "int"},     {MPI_DOUBLE, 8, "double"},       {MPI_FLOAT, 4, "float"},
        {MPI_SHORT, 2, "short"}, {MPI_UNSIGNED_CHAR, 1, "uchar"}, {MPI_UNSIGNED_LONG, 8, "ulong"}};
    static const struct {
        MPI_Op op;
        bool bits; /* integers only */
        const char *name;
    } opl[] = {{MPI_SUM, false, "sum"}, {MPI_PROD, false, "prod"}, {MPI_MIN, false, "min"},
               {MPI_MAX, false, "max"}, {MPI_BAND, true, "band"},  {MPI_BXOR, true, "bxor"},
               {MPI_LOR, true, "lor"}};
    static const int sizes[] = {1, 8, 16, 24, 25, 40, 48, 56, 200, 512, 520};
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    char in[520], out[520], ref[520], mine[520];
    int call = 0;
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
        for (size_t o = 0; o < sizeof opl / sizeof opl[0]; o++) {
            bool fl = types[t].type == MPI_DOUBLE || types[t].type == MPI_FLOAT;
            if (opl[o].bits && fl)
                continue;
            for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++, call++) {
                int count = sizes[z] / types[t].size;
                if (count == 0)
                    continue;
                /* Products stay within a byte: few factors above 1. */
                for (int r = size - 1; r >= 0; r--) {
                    for (int i = 0; i < count; i++) {
                        int v = opl[o].op == MPI_PROD ? 1 + ((i + r + call) % 7 == 0)
                                                      : (i * 7 + r * 13 + call) % 100;
                        put(types[t].type, r == size - 1 ? ref : in, i, v);
                        if (r == rank)
                            put(types[t].type, mine, i, v);
                    }
                    if (r != size - 1)
                        MPI_Reduce_local(in, ref, count, types[t].type, opl[o].op);
                }
                size_t bytes = (size_t)count * (size_t)types[t].size;
                int root = call % size;
                memset(out, 0x5a, sizeof out);
                MPI_Reduce(mine, out, count, types[t].type, opl[o].op, root, comm);
                if (rank == root)
                    CHECK(memcmp(out, ref, bytes) == 0, "%s: reduce %s %s of %zu B to %d", what,
                          opl[o].name, types[t].name, bytes, root);
                memcpy(out, mine, bytes);
                MPI_Allreduce(call % 2 ? MPI_IN_PLACE : mine, out, count, types[t].type, opl[o].op,
                              comm);
                CHECK(memcmp(out, ref, bytes) == 0, "%s: allreduce %s %s of %zu B", what,
                      opl[o].name, types[t].name, bytes);
            }
        }
    struct {
        double v;
        int i;
    } a[3], b[3];
    for (int root = 0; root < size; root++) {
        for (int e = 0; e < 3; e++) {
            a[e].v = (rank * 5 + e * 3 + root) % 4; /* ties: the lowest rank wins */
            a[e].i = rank;
            b[e].v = -1;
        }
        MPI_Reduce(a, b, 3, MPI_DOUBLE_INT, MPI_MINLOC, root, comm);
        for (int e = 0; e < 3 && rank == root; e++) {
            double best = 1e9;
            int at = -1;
            for (int r = 0; r < size; r++)
                if ((r * 5 + e * 3 + root) % 4 < best) {
                    best = (r * 5 + e * 3 + root) % 4;
                    at = r;
                }
            CHECK(b[e].v == best && b[e].i == at, "%s: minloc at %d: [%d] = %g at %d", what, root,
                  e, b[e].v, b[e].i);
        }
    }
}

/* The MPI_T counters lark_coll_<coll>_shm: one more per call through the
 * segment on a communicator of several ranks, none when it is off. */
static void counters(MPI_Comm comm)
{
    static const char *const names[] = {"lark_coll_bcast_shm", "lark_coll_reduce_shm",
                                        "lark_coll_allreduce_shm", "lark_coll_allgather_shm",
                                        "lark_coll_alltoall_shm"};
    enum { NC = sizeof names / sizeof names[0] };
    int provided, size;
    MPI_Comm_size(comm, &size);
    CHECK(MPI_T_init_thread(MPI_THREAD_SINGLE, &provided) == MPI_SUCCESS, "MPI_T_init_thread");
    MPI_T_pvar_session s;
    MPI_T_pvar_session_create(&s);
    MPI_T_pvar_handle h[NC];
    unsigned long long before[NC], after[NC];
    for (int c = 0; c < NC; c++) {
        int idx, count;
        CHECK(MPI_T_pvar_get_index(names[c], MPI_T_PVAR_CLASS_COUNTER, &idx) == MPI_SUCCESS,
              "no counter %s", names[c]);
        CHECK(MPI_T_pvar_handle_alloc(s, idx, NULL, &h[c], &count) == MPI_SUCCESS, "alloc %s",
              names[c]);
        MPI_T_pvar_start(s, h[c]);
        MPI_T_pvar_read(s, h[c], &before[c]);
    }
    long x[4] = {1, 2, 3, 4}, y[4 * 64];
    MPI_Bcast(x, 1, MPI_LONG, 0, comm);
    MPI_Reduce(x, y, 2, MPI_LONG, MPI_SUM, 0, comm);
    MPI_Allreduce(x, y, 2, MPI_LONG, MPI_SUM, comm);
    if (size <= 64) {
        MPI_Allgather(x, 1, MPI_LONG, y, 1, MPI_LONG, comm);
        MPI_Alltoall(y, 1, MPI_LONG, y + 64, 1, MPI_LONG, comm);
    }
    const char *env = getenv("LARK_COLL_SHM");
    bool on = size > 1 && (env == NULL || strcmp(env, "off") != 0);
    for (int c = 0; c < NC; c++) {
        MPI_T_pvar_read(s, h[c], &after[c]);
        unsigned long long want = on && (c < 3 || size <= 64) ? 1 : 0;
        CHECK(after[c] - before[c] == want, "%s: %llu calls counted, want %llu", names[c],
              after[c] - before[c], want);
        MPI_T_pvar_handle_free(s, &h[c]);
    }
    MPI_T_pvar_session_free(&s);
    MPI_T_finalize();
}

static void stream(MPI_Comm comm, const char *what)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    long *buf = malloc(MAXN * sizeof(long)), *out = malloc(MAXN * sizeof(long));
    long *all = malloc((size_t)MAXN * (size_t)size * sizeof(long));
    long *all2 = malloc((size_t)MAXN * (size_t)size * sizeof(long));
    CHECK(buf && out && all && all2, "malloc");
    MPI_Op mop, pop;
    MPI_Op_create(matmul, 0, &mop);
    MPI_Op_create(pairsum, 1, &pop);
    MPI_Datatype m4, pair;
    MPI_Type_contiguous(4, MPI_LONG, &m4);
    MPI_Type_commit(&m4);
    MPI_Type_vector(2, 1, 3, MPI_LONG, &pair); /* 4 longs, 2 of them holes */
    MPI_Type_commit(&pair);

    /* A nonblocking collective in flight across a stretch of the stream. */
    MPI_Request nbreq = MPI_REQUEST_NULL;
    long nbin = 0, nbout = 0, nbb[3] = {0, 0, 0};
    int nbkind = -1, nbk = 0;

    for (int k = 0; k < CALLS; k++) {
        int root = (k / 2 + k % 3) % size;
        /* Sizes: mostly tiny (the rings and one-line posts), now and
         * then up to a few hundred longs (past the segment's limits). */
        long n = k % 11 == 10 ? 70 + k % 5 * 61 : 1 + k % 7;
        if (rank == (k / 40) % size && k % 9 == 4)
            nap();
        if (k % 37 == 5 && nbreq == MPI_REQUEST_NULL) {
            nbkind = k % 2;
            nbk = k;
            nbin = rank + k;
            if (nbkind == 0) {
                MPI_Iallreduce(&nbin, &nbout, 1, MPI_LONG, MPI_SUM, comm, &nbreq);
            } else {
                for (int i = 0; i < 3; i++)
                    nbb[i] = rank == root ? val(k, root, i) : -1;
                nbk = k * 1000 + root;
                MPI_Ibcast(nbb, 3, MPI_LONG, root, comm, &nbreq);
            }
        }
        switch (k % 8) {
        case 0:
        case 4: { /* bcast, the root moving */
            for (long i = 0; i < n; i++)
                buf[i] = rank == root ? val(k, root, i) : -1;
            MPI_Bcast(buf, (int)n, MPI_LONG, root, comm);
            for (long i = 0; i < n; i++)
                CHECK(buf[i] == val(k, root, i), "%s: bcast %d from %d: [%ld] = %ld", what, k, root,
                      i, buf[i]);
            break;
        }
        case 1: { /* reduce, in place at the root every other time */
            bool inplace = k % 16 == 1 && rank == root;
            for (long i = 0; i < n; i++) {
                buf[i] = val(k, rank, i);
                out[i] = inplace ? buf[i] : -7;
            }
            MPI_Reduce(inplace ? MPI_IN_PLACE : buf, out, (int)n, MPI_LONG, MPI_SUM, root, comm);
            if (rank == root)
                for (long i = 0; i < n; i++) {
                    long want = 0;
                    for (int r = 0; r < size; r++)
                        want += val(k, r, i);
                    CHECK(out[i] == want, "%s: reduce %d to %d: [%ld] = %ld, want %ld", what, k,
                          root, i, out[i], want);
                }
            else
                CHECK(out[0] == -7, "%s: reduce %d wrote a non-root's receive buffer", what, k);
            break;
        }
        case 2: { /* allreduce, in place every other time */
            for (long i = 0; i < n; i++)
                out[i] = buf[i] = val(k, rank, i);
            if (k % 16 == 2)
                MPI_Allreduce(MPI_IN_PLACE, out, (int)n, MPI_LONG, MPI_MAX, comm);
            else
                MPI_Allreduce(buf, out, (int)n, MPI_LONG, MPI_MAX, comm);
            for (long i = 0; i < n; i++)
                CHECK(out[i] == val(k, size - 1, i), "%s: allreduce %d: [%ld] = %ld", what, k, i,
                      out[i]);
            break;
        }
        case 3: { /* allgather, in place every other time */
            for (long i = 0; i < n; i++)
                buf[i] = val(k, rank, i);
            if (k % 16 == 3) {
                memcpy(all + (size_t)rank * (size_t)n, buf, (size_t)n * sizeof(long));
                MPI_Allgather(MPI_IN_PLACE, 0, MPI_LONG, all, (int)n, MPI_LONG, comm);
            } else {
                MPI_Allgather(buf, (int)n, MPI_LONG, all, (int)n, MPI_LONG, comm);
            }
            for (int r = 0; r < size; r++)
                for (long i = 0; i < n; i++)
                    CHECK(all[(size_t)r * (size_t)n + (size_t)i] == val(k, r, i),
                          "%s: allgather %d: block %d [%ld]", what, k, r, i);
            break;
        }
        case 5: { /* alltoall: block d from rank s carries val(k, s * size + d, i) */
            long m = n > 64 && k % 2 == 0 ? n / 8 : n; /* n: past the posts */
            for (int d = 0; d < size; d++)
                for (long i = 0; i < m; i++)
                    all[(size_t)d * (size_t)m + (size_t)i] = val(k, rank * size + d, i);
            if (k % 16 == 5) {
                MPI_Alltoall(MPI_IN_PLACE, 0, MPI_LONG, all, (int)m, MPI_LONG, comm);
                memcpy(all2, all, (size_t)m * (size_t)size * sizeof(long));
            } else {
                MPI_Alltoall(all, (int)m, MPI_LONG, all2, (int)m, MPI_LONG, comm);
            }
            for (int s = 0; s < size; s++)
                for (long i = 0; i < m; i++)
                    CHECK(all2[(size_t)s * (size_t)m + (size_t)i] == val(k, s * size + rank, i),
                          "%s: alltoall %d: block from %d [%ld]", what, k, s, i);
            break;
        }
        case 6: { /* a non-commutative op: the fold must keep rank order */
            long m[4], r[4], want[4] = {1, 0, 0, 1};
            for (int i = size - 1; i >= 0; i--) {
                long mi[4];
                mat(k, i, mi);
                int one = 1;
                matmul(mi, want, &one, NULL);
            }
            mat(k, rank, m);
            if (k % 16 == 6) {
                MPI_Allreduce(m, r, 1, m4, mop, comm);
                CHECK(memcmp(r, want, sizeof r) == 0, "%s: allreduce %d out of rank order", what,
                      k);
            } else {
                MPI_Reduce(m, r, 1, m4, mop, root, comm);
                if (rank == root)
                    CHECK(memcmp(r, want, sizeof r) == 0, "%s: reduce %d to %d out of rank order",
                          what, k, root);
            }
            break;
        }
        case 7: { /* the derived type: longs 0 and 3 of every 4 hold data */
            long cnt = 1 + k % 3;
            long in[12], got[12], g[4 * 64];
            for (long i = 0; i < 12; i++) {
                in[i] = i % 4 == 1 || i % 4 == 2 ? -5 : val(k, rank, i);
                got[i] = -9;
            }
            MPI_Allreduce(in, got, (int)cnt, pair, pop, comm);
            for (long i = 0; i < 4 * cnt; i++) {
                long want = 0;
                for (int r = 0; r < size; r++)
                    want += val(k, r, i);
                if (i % 4 == 1 || i % 4 == 2)
                    CHECK(got[i] == -9, "%s: a hole of the derived type was written", what);
                else
                    CHECK(got[i] == want, "%s: allreduce %d, derived: [%ld] = %ld, want %ld", what,
                          k, i, got[i], want);
            }
            if (size <= 64) {
                for (long i = 0; i < 4 * 64; i++)
                    g[i] = -9;
                MPI_Allgather(in, 1, pair, g, 1, pair, comm);
                for (int r = 0; r < size; r++) {
                    long *b = g + 4 * r; /* each block is the type's extent: 4 longs */
                    CHECK(b[0] == val(k, r, 0) && b[3] == val(k, r, 3) && b[1] == -9,
                          "%s: allgather %d, derived, block %d", what, k, r);
                }
            }
            break;
        }
        }
        /* Complete the nonblocking one a while after it started. */
        if (nbreq != MPI_REQUEST_NULL && (k % 37 == 20 || k == CALLS - 1)) {
            MPI_Wait(&nbreq, MPI_STATUS_IGNORE);
            if (nbkind == 0) {
                CHECK(nbout == (long)size * nbk + (long)size * (size - 1) / 2,
                      "%s: iallreduce started at %d: %ld", what, nbk, nbout);
            } else {
                int kk = nbk / 1000, rt = nbk % 1000;
                for (int i = 0; i < 3; i++)
                    CHECK(nbb[i] == val(kk, rt, i), "%s: ibcast started at %d: [%d] = %ld", what,
                          kk, i, nbb[i]);
            }
        }
    }
    MPI_Op_free(&mop);
    MPI_Op_free(&pop);
    MPI_Type_free(&m4);
    MPI_Type_free(&pair);
    free(buf);
    free(out);
    free(all);
    free(all2);
}

int main(int argc, char **argv)
{
    int size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    counters(MPI_COMM_WORLD);
    run_ahead(MPI_COMM_WORLD, "world");
    ops(MPI_COMM_WORLD, "world");
    stream(MPI_COMM_WORLD, "world");
    for (int k = 1; k <= size; k++) {
        MPI_Comm sub;
        MPI_Comm_split(MPI_COMM_WORLD, wrank < k ? 0 : MPI_UNDEFINED, 0, &sub);
        if (sub != MPI_COMM_NULL) {
            char what[32];
            snprintf(what, sizeof what, "split-%d", k);
            run_ahead(sub, what);
            ops(sub, what);
            stream(sub, what);
            MPI_Comm_free(&sub);
        }
    }
    MPI_Comm rev;
    MPI_Comm_split(MPI_COMM_WORLD, 0, size - wrank, &rev);
    stream(rev, "reversed");
    MPI_Comm_free(&rev);
    if (wrank == 0)
        printf("coll_shm: streams of small collectives correct on 1 to %d ranks\n", size);
    MPI_Finalize();
    return 0;
}

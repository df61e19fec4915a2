/*
 * coll_check.c -- every blocking collective, checked against results
 * computed locally, on MPI_COMM_WORLD and on communicators of every size
 * from 1 to the world size made by MPI_Comm_split (one in reversed rank
 * order), with several counts crossing the algorithms' size thresholds,
 * several types and ops, MPI_IN_PLACE, and a non-commutative user op.
 *
 * Run with any number of ranks; exits non-zero on the first wrong answer.
 * With the argument "nb" every collective runs as its nonblocking form
 * (MPI_Ibcast + MPI_Wait), with "persistent" as its persistent form
 * (MPI_Bcast_init + MPI_Start + MPI_Wait + MPI_Request_free): the same
 * checks then cover all three forms.
 *
 * With COLL_CHECK_NODE=1 in the environment (Lark, on communicators that
 * span nodes: several hosts, or LARK_COLL_NODES), it also checks through
 * MPI_T that barrier, bcast, reduce, allreduce and allgather ran
 * node-aware (the lark_coll_node_* counters), so that a layout the runtime
 * failed to read cannot pass as the flat algorithms; and, on a
 * communicator whose nodes' ranks are consecutive (LARK_COLL_NODES=K
 * interleaves them in MPI_COMM_WORLD; a split by node gathers them), that
 * reductions with a non-commutative op ran node-aware too, in rank order.
 */
#include <mpi.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int wrank;
#define TEST_NAME "coll_check"
#include "check.h"

/* The value rank r contributes at index i. */
static long val(int r, long i)
{
    return (r + 1) * 1000 + (i % 977) - 400;
}

/* Which form the collectives run in (see the file comment). */
static enum { BLOCKING, NONBLOCKING, PERSISTENT } form;
static MPI_Request coll_req = MPI_REQUEST_NULL;

/* After MPI_X / MPI_IX / MPI_X_init: complete the collective. */
static void coll_finish(int rc)
{
    CHECK(rc == MPI_SUCCESS, "collective call failed: %d", rc);
    if (form == PERSISTENT) {
        CHECK(coll_req != MPI_REQUEST_NULL, "persistent init gave a null request");
        MPI_Start(&coll_req);
    }
    if (form != BLOCKING) {
        MPI_Status st;
        MPI_Wait(&coll_req, &st);
    }
    if (form == PERSISTENT) {
        CHECK(coll_req != MPI_REQUEST_NULL, "a persistent request was freed by MPI_Wait");
        MPI_Request_free(&coll_req);
    }
    CHECK(coll_req == MPI_REQUEST_NULL, "request not reset");
}

#if MPI_VERSION >= 4
#define COLL_INIT(B, ...) B##_init(__VA_ARGS__, MPI_INFO_NULL, &coll_req)
#else
#define COLL_INIT(B, ...) MPI_ERR_OTHER
#endif
#define COLL(B, I, ...)                                                                            \
    coll_finish(form == BLOCKING      ? B(__VA_ARGS__)                                             \
                : form == NONBLOCKING ? I(__VA_ARGS__, &coll_req)                                  \
                                      : COLL_INIT(B, __VA_ARGS__))

static const int counts[] = {0, 1, 7, 1000, 70000};
#define NCOUNTS ((int)(sizeof counts / sizeof counts[0]))

/* 2x2 integer matrix product, non-commutative: inout = in * inout, on
 * *len longs (len / 4 matrices). */
static void matmul(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void)type;
    long *a = in, *b = inout;
    for (int k = 0; k < *len / 4; k++, a += 4, b += 4) {
        long r[4] = {a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
                     a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]};
        memcpy(b, r, sizeof r);
    }
}

/* A user op on a 2-double struct made with MPI_Type_contiguous: keeps the
 * pair with the larger first component (ties: larger second). */
static void pairmax(void *in, void *inout, int *len, MPI_Datatype *type)
{
    int sz;
    MPI_Type_size(*type, &sz);
    if (sz != 2 * (int)sizeof(double))
        MPI_Abort(MPI_COMM_WORLD, 3);
    double *a = in, *b = inout;
    for (int k = 0; k < *len; k++, a += 2, b += 2)
        if (a[0] > b[0] || (a[0] == b[0] && a[1] > b[1]))
            b[0] = a[0], b[1] = a[1];
}

static void mat_of(int r, long m[4])
{
    /* Unimodular-ish small matrices so products stay small and exact. */
    m[0] = 1;
    m[1] = r % 3;
    m[2] = (r % 2);
    m[3] = 1 + (r % 2) * (r % 3);
}

static void mat_mul_into(const long a[4], long b[4]) /* b = a * b */
{
    long r[4] = {a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2],
                 a[2] * b[1] + a[3] * b[3]};
    memcpy(b, r, sizeof r);
}

/* MPI_IN_PLACE wherever the standard allows it, and reduce-scatter with
 * large blocks and with a non-commutative op. */
static void check_inplace(MPI_Comm comm, const char *what)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    const int k = 3; /* ints per block */
    int *buf = malloc((size_t)size * k * sizeof(int));
    CHECK(buf != NULL, "malloc");
    int root = size - 1;

    /* Gather in place at the root: its block is already in recvbuf. */
    for (int i = 0; i < size * k; i++)
        buf[i] = rank == root && i / k != root ? -1 : rank * 100 + i % k;
    if (rank == root)
        COLL(MPI_Gather, MPI_Igather, MPI_IN_PLACE, k, MPI_INT, buf, k, MPI_INT, root, comm);
    else
        COLL(MPI_Gather, MPI_Igather, buf, k, MPI_INT, NULL, k, MPI_INT, root, comm);
    if (rank == root)
        for (int i = 0; i < size * k; i++)
            CHECK(buf[i] == (i / k) * 100 + i % k, "%s gather in place [%d] = %d", what, i, buf[i]);

    /* Scatter in place at the root: the root keeps its block where it is. */
    for (int i = 0; i < size * k; i++)
        buf[i] = rank == root ? 7000 + i : -1;
    if (rank == root)
        COLL(MPI_Scatter, MPI_Iscatter, buf, k, MPI_INT, MPI_IN_PLACE, k, MPI_INT, root, comm);
    else
        COLL(MPI_Scatter, MPI_Iscatter, NULL, k, MPI_INT, buf, k, MPI_INT, root, comm);
    for (int j = 0; j < k; j++) {
        int got = rank == root ? buf[root * k + j] : buf[j];
        CHECK(got == 7000 + rank * k + j, "%s scatter in place: %d", what, got);
    }

    /* Allgather and allgatherv in place. */
    for (int i = 0; i < size * k; i++)
        buf[i] = i / k == rank ? rank * 10 + i % k : -1;
    COLL(MPI_Allgather, MPI_Iallgather, MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, k, MPI_INT, comm);
    for (int i = 0; i < size * k; i++)
        CHECK(buf[i] == (i / k) * 10 + i % k, "%s allgather in place [%d]", what, i);
    int *cnt = malloc((size_t)size * sizeof(int)), *dsp = malloc((size_t)size * sizeof(int));
    int tot = 0;
    for (int i = 0; i < size; i++) {
        cnt[i] = i % k + 1;
        dsp[i] = tot;
        tot += cnt[i];
    }
    int *v = malloc((size_t)tot * sizeof(int));
    for (int i = 0; i < size; i++)
        for (int j = 0; j < cnt[i]; j++)
            v[dsp[i] + j] = i == rank ? i * 10 + j : -1;
    COLL(MPI_Allgatherv, MPI_Iallgatherv, MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, v, cnt, dsp, MPI_INT,
         comm);
    for (int i = 0; i < size; i++)
        for (int j = 0; j < cnt[i]; j++)
            CHECK(v[dsp[i] + j] == i * 10 + j, "%s allgatherv in place", what);

    /* Alltoall in place: block s of rank r becomes block r of rank s. */
    for (int i = 0; i < size * k; i++)
        buf[i] = rank * 1000 + (i / k) * 10 + i % k;
    COLL(MPI_Alltoall, MPI_Ialltoall, MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, k, MPI_INT, comm);
    for (int i = 0; i < size * k; i++)
        CHECK(buf[i] == (i / k) * 1000 + rank * 10 + i % k, "%s alltoall in place [%d] = %d", what,
              i, buf[i]);

    /* Scan and exscan in place. */
    int sv = rank + 1;
    COLL(MPI_Scan, MPI_Iscan, MPI_IN_PLACE, &sv, 1, MPI_INT, MPI_SUM, comm);
    CHECK(sv == (rank + 1) * (rank + 2) / 2, "%s scan in place: %d", what, sv);
    sv = rank + 1;
    COLL(MPI_Exscan, MPI_Iexscan, MPI_IN_PLACE, &sv, 1, MPI_INT, MPI_SUM, comm);
    if (rank > 0)
        CHECK(sv == rank * (rank + 1) / 2, "%s exscan in place: %d", what, sv);

    /* Reduce_scatter_block in place, with big blocks (the ring moves them). */
    const int big = 5000;
    long *rv = malloc((size_t)size * big * sizeof(long));
    for (int i = 0; i < size * big; i++)
        rv[i] = (long)i * (rank + 1);
    COLL(MPI_Reduce_scatter_block, MPI_Ireduce_scatter_block, MPI_IN_PLACE, rv, big, MPI_LONG,
         MPI_SUM, comm);
    for (int j = 0; j < big; j++)
        CHECK(rv[j] == (long)(rank * big + j) * size * (size + 1) / 2,
              "%s reduce_scatter_block in place [%d] = %ld", what, j, rv[j]);

    /* Reduce_scatter with a non-commutative op: 2x2 matrices in rank order. */
    MPI_Op op;
    MPI_Op_create(matmul, 0, &op);
    long *mats = malloc((size_t)size * 4 * sizeof(long)), got[4], want[4] = {1, 0, 0, 1};
    int *four = malloc((size_t)size * sizeof(int));
    for (int i = 0; i < size; i++) {
        mat_of(rank + i, mats + 4 * i);
        four[i] = 4;
    }
    COLL(MPI_Reduce_scatter, MPI_Ireduce_scatter, mats, got, four, MPI_LONG, op, comm);
    for (int r = size - 1; r >= 0; r--) {
        long m[4];
        mat_of(r + rank, m);
        mat_mul_into(m, want); /* want = prod over r of mat(r + rank) in rank order */
    }
    CHECK(memcmp(got, want, sizeof got) == 0, "%s reduce_scatter user op out of order", what);
    MPI_Op_free(&op);
    free(mats);
    free(four);
    free(rv);
    free(v);
    free(cnt);
    free(dsp);
    free(buf);
}

/* Exscan leaves rank 0's buffer alone; MPI_CHAR reductions (as the peers
 * allow); Reduce_local; Op_commutative; Alltoallw with a type per peer. */
static void check_extras(MPI_Comm comm, const char *what)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);

    int v = rank + 1, s = -7;
    COLL(MPI_Exscan, MPI_Iexscan, &v, &s, 1, MPI_INT, MPI_SUM, comm);
    if (rank == 0)
        CHECK(s == -7, "%s exscan wrote rank 0's receive buffer (%d)", what, s);
    else
        CHECK(s == rank * (rank + 1) / 2, "%s exscan: %d", what, s);
    /* Rank 0's receive buffer is not significant: NULL is fine. */
    COLL(MPI_Exscan, MPI_Iexscan, &v, rank == 0 ? NULL : &s, 1, MPI_INT, MPI_SUM, comm);
    if (rank > 0)
        CHECK(s == rank * (rank + 1) / 2, "%s exscan with NULL at rank 0: %d", what, s);

    char c[3] = {1, (char)rank, 3}, cr[3];
    COLL(MPI_Allreduce, MPI_Iallreduce, c, cr, 3, MPI_CHAR, MPI_SUM, comm);
    CHECK(cr[0] == (char)size && cr[1] == (char)(size * (size - 1) / 2) &&
              cr[2] == (char)(3 * size),
          "%s allreduce MPI_CHAR sum: %d %d %d", what, cr[0], cr[1], cr[2]);
    COLL(MPI_Reduce, MPI_Ireduce, c, cr, 3, MPI_CHAR, MPI_BOR, 0, comm);
    if (rank == 0) {
        int bor = 0;
        for (int r = 0; r < size; r++)
            bor |= r;
        CHECK(cr[1] == (char)bor, "%s reduce MPI_CHAR bor: %d", what, cr[1]);
    }

    long a[3] = {1, 2, 3}, b[3] = {10, 20, 30};
    MPI_Reduce_local(a, b, 3, MPI_LONG, MPI_SUM);
    CHECK(b[0] == 11 && b[1] == 22 && b[2] == 33, "Reduce_local sum");
    MPI_Reduce_local(a, b, 3, MPI_LONG, MPI_MIN);
    CHECK(b[0] == 1 && b[2] == 3, "Reduce_local min");
    MPI_Op op;
    MPI_Op_create(matmul, 0, &op);
    long m1[4] = {1, 1, 0, 1}, m2[4] = {1, 0, 1, 1}; /* m2 = m1 * m2 */
    MPI_Reduce_local(m1, m2, 4, MPI_LONG, op);
    CHECK(m2[0] == 2 && m2[1] == 1 && m2[2] == 1 && m2[3] == 1, "Reduce_local user op order");
    int commute = -1;
    MPI_Op_commutative(op, &commute);
    CHECK(commute == 0, "Op_commutative of a non-commutative op: %d", commute);
    MPI_Op_commutative(MPI_SUM, &commute);
    CHECK(commute == 1, "Op_commutative(MPI_SUM): %d", commute);
    MPI_Op_free(&op);

    /* Alltoallw: to peer s, s % 2 + 1 ints as MPI_INT, or the same bytes
     * as a contiguous type of 2 ints when s is odd; byte displacements. */
    MPI_Datatype two;
    MPI_Type_contiguous(2, MPI_INT, &two);
    MPI_Type_commit(&two);
    int *sc = malloc((size_t)size * sizeof(int)), *sd = malloc((size_t)size * sizeof(int));
    int *rcn = malloc((size_t)size * sizeof(int)), *rd = malloc((size_t)size * sizeof(int));
    MPI_Datatype *st = malloc((size_t)size * sizeof *st), *rt = malloc((size_t)size * sizeof *rt);
    int *sb = malloc((size_t)size * 2 * sizeof(int)), *rb = malloc((size_t)size * 2 * sizeof(int));
    for (int p = 0; p < size; p++) {
        sc[p] = 1;
        st[p] = p % 2 ? two : MPI_INT;
        sd[p] = p * 2 * (int)sizeof(int);
        sb[2 * p] = rank * 100 + p;
        sb[2 * p + 1] = -(rank * 100 + p);
        /* What arrives from p is what p sends to us: my parity decides. */
        rcn[p] = rank % 2 ? 2 : 1;
        rt[p] = MPI_INT;
        rd[p] = p * 2 * (int)sizeof(int);
        rb[2 * p] = rb[2 * p + 1] = 12345;
    }
    COLL(MPI_Alltoallw, MPI_Ialltoallw, sb, sc, sd, st, rb, rcn, rd, rt, comm);
    for (int p = 0; p < size; p++) {
        CHECK(rb[2 * p] == p * 100 + rank, "%s alltoallw from %d: %d", what, p, rb[2 * p]);
        CHECK(rb[2 * p + 1] == (rank % 2 ? -(p * 100 + rank) : 12345),
              "%s alltoallw second int from %d: %d", what, p, rb[2 * p + 1]);
    }
    MPI_Type_free(&two);
    free(sc);
    free(sd);
    free(rcn);
    free(rd);
    free(st);
    free(rt);
    free(sb);
    free(rb);
}

#if MPI_VERSION >= 4
/* The large-count (_c) forms: MPI_Count counts, MPI_Aint displacements. */
static void check_large(MPI_Comm comm, const char *what)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    long v[3] = {rank, 2 * rank, 3}, r[3];
    MPI_Count three = 3;
    MPI_Allreduce_c(v, r, three, MPI_LONG, MPI_SUM, comm);
    CHECK(r[0] == (long)size * (size - 1) / 2 && r[2] == 3L * size, "%s allreduce_c", what);
    MPI_Bcast_c(v, three, MPI_LONG, size - 1, comm);
    CHECK(v[0] == size - 1 && v[2] == 3, "%s bcast_c", what);
    MPI_Reduce_local_c(v, r, three, MPI_LONG, MPI_MAX);
    CHECK(r[2] == 3L * size, "Reduce_local_c");

    MPI_Count *cnt = malloc((size_t)size * sizeof *cnt);
    MPI_Aint *dsp = malloc((size_t)size * sizeof *dsp);
    int *all = malloc((size_t)size * 2 * sizeof(int)), mine[2] = {rank, -rank};
    for (int i = 0; i < size; i++) {
        cnt[i] = i % 2 + 1;
        dsp[i] = 2 * i;
    }
    MPI_Request req;
    MPI_Iallgatherv_c(mine, rank % 2 + 1, MPI_INT, all, cnt, dsp, MPI_INT, comm, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    for (int i = 0; i < size; i++)
        CHECK(all[2 * i] == i && (i % 2 == 0 || all[2 * i + 1] == -i), "%s iallgatherv_c", what);
    /* Reduce_scatter_c: rank i gets cnt[i] ints of the sum. */
    int tot = 0;
    for (int i = 0; i < size; i++)
        tot += (int)cnt[i];
    int *in = malloc((size_t)tot * sizeof(int)), out[2] = {0, 0};
    for (int k = 0; k < tot; k++)
        in[k] = k + rank;
    MPI_Reduce_scatter_c(in, out, cnt, MPI_INT, MPI_SUM, comm);
    int first = 0;
    for (int i = 0; i < rank; i++)
        first += (int)cnt[i];
    for (int k = 0; k < cnt[rank]; k++)
        CHECK(out[k] == (first + k) * size + size * (size - 1) / 2, "%s reduce_scatter_c", what);
    MPI_Gather_init_c(mine, 2, MPI_INT, all, 2, MPI_INT, 0, comm, MPI_INFO_NULL, &req);
    for (int it = 0; it < 3; it++) {
        mine[1] = it;
        MPI_Start(&req);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        if (rank == 0)
            for (int i = 0; i < size; i++)
                CHECK(all[2 * i] == i && all[2 * i + 1] == it, "%s gather_init_c", what);
    }
    MPI_Request_free(&req);
    free(in);
    free(cnt);
    free(dsp);
    free(all);
}
#endif

/* Many small bcasts in a row, the root moving, with an allreduce now and
 * then: a root may run ahead of the others (Lark's shared-memory bcast
 * lets it, by up to 256 calls of up to 56 bytes and 32 larger ones), and
 * must never overwrite what a slow rank has not read yet.  Every other
 * call is tiny, so both of Lark's rings wrap around. */
static void bcast_stream(MPI_Comm comm, const char *what)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    for (int k = 0; k < 600; k++) {
        int root = (k / 3) % size, n = k % 2 ? 1 + (k / 2) % 7 : 1 + (k % 7) * 9;
        long buf[64];
        for (int i = 0; i < n; i++)
            buf[i] = rank == root ? val(k, i) : -1;
        COLL(MPI_Bcast, MPI_Ibcast, buf, n, MPI_LONG, root, comm);
        for (int i = 0; i < n; i++)
            CHECK(buf[i] == val(k, i), "%s: bcast %d from %d: [%d] = %ld", what, k, root, i,
                  buf[i]);
        if (k % 10 == 9) {
            long x = rank, sum = 0;
            COLL(MPI_Allreduce, MPI_Iallreduce, &x, &sum, 1, MPI_LONG, MPI_SUM, comm);
            CHECK(sum == (long)size * (size - 1) / 2, "%s: allreduce in the bcasts: %ld", what,
                  sum);
        }
    }
}

static void check_comm(MPI_Comm comm, const char *what)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    /* The world rank of each rank of comm: val() uses comm ranks, but
     * knowing the mapping lets the test print useful errors. */
    COLL(MPI_Barrier, MPI_Ibarrier, comm);
    bcast_stream(comm, what);

    for (int ci = 0; ci < NCOUNTS; ci++) {
        long n = counts[ci];
        size_t nb = (size_t)(n ? n : 1);
        long *buf = malloc(nb * sizeof(long)), *out = malloc(nb * sizeof(long));
        long *all = malloc(nb * (size_t)size * sizeof(long));
        CHECK(buf && out && all, "malloc");

        /* Bcast from every root (for big counts, two roots only). */
        for (int root = 0; root < size; root += (n > 1000 ? size - 1 : 1)) {
            for (long i = 0; i < n; i++)
                buf[i] = rank == root ? val(root, i) : -1;
            COLL(MPI_Bcast, MPI_Ibcast, buf, (int)n, MPI_LONG, root, comm);
            for (long i = 0; i < n; i++)
                CHECK(buf[i] == val(root, i), "%s bcast n=%ld root=%d i=%ld: %ld", what, n, root, i,
                      buf[i]);
            if (root == size - 1)
                break;
        }

        /* Reduce (SUM, MAX) to root 0 and to the last rank; in place at root. */
        for (int root = 0; root<size; root += size - 1> 0 ? size - 1 : 1) {
            for (long i = 0; i < n; i++)
                buf[i] = val(rank, i);
            COLL(MPI_Reduce, MPI_Ireduce, buf, out, (int)n, MPI_LONG, MPI_SUM, root, comm);
            if (rank == root)
                for (long i = 0; i < n; i++) {
                    long want = 0;
                    for (int r = 0; r < size; r++)
                        want += val(r, i);
                    CHECK(out[i] == want, "%s reduce sum n=%ld root=%d i=%ld: %ld != %ld", what, n,
                          root, i, out[i], want);
                }
            if (rank == root) {
                for (long i = 0; i < n; i++)
                    out[i] = val(rank, i);
                COLL(MPI_Reduce, MPI_Ireduce, MPI_IN_PLACE, out, (int)n, MPI_LONG, MPI_MAX, root,
                     comm);
                for (long i = 0; i < n; i++)
                    CHECK(out[i] == val(size - 1, i), "%s reduce max in place i=%ld", what, i);
            } else {
                COLL(MPI_Reduce, MPI_Ireduce, buf, NULL, (int)n, MPI_LONG, MPI_MAX, root, comm);
            }
            if (size == 1)
                break;
        }

        /* Allreduce, every algorithm the library picks for this size; plus
         * in place with MIN on doubles. */
        for (long i = 0; i < n; i++)
            buf[i] = val(rank, i);
        COLL(MPI_Allreduce, MPI_Iallreduce, buf, out, (int)n, MPI_LONG, MPI_SUM, comm);
        for (long i = 0; i < n; i++) {
            long want = 0;
            for (int r = 0; r < size; r++)
                want += val(r, i);
            CHECK(out[i] == want, "%s allreduce sum n=%ld i=%ld: %ld != %ld", what, n, i, out[i],
                  want);
        }
        double *d = (double *)out;
        for (long i = 0; i < n; i++)
            d[i] = (double)val(rank, i);
        COLL(MPI_Allreduce, MPI_Iallreduce, MPI_IN_PLACE, d, (int)n, MPI_DOUBLE, MPI_MIN, comm);
        for (long i = 0; i < n; i++)
            CHECK(d[i] == (double)val(0, i), "%s allreduce min in place i=%ld: %g", what, i, d[i]);

        /* Allgather and gather/scatter with every block size. */
        for (long i = 0; i < n; i++)
            buf[i] = val(rank, i);
        COLL(MPI_Allgather, MPI_Iallgather, buf, (int)n, MPI_LONG, all, (int)n, MPI_LONG, comm);
        for (int r = 0; r < size; r++)
            for (long i = 0; i < n; i++)
                CHECK(all[r * n + i] == val(r, i), "%s allgather n=%ld block %d i=%ld", what, n, r,
                      i);
        int root = size / 2;
        memset(all, 0xff, nb * (size_t)size * sizeof(long));
        COLL(MPI_Gather, MPI_Igather, buf, (int)n, MPI_LONG, all, (int)n, MPI_LONG, root, comm);
        if (rank == root)
            for (int r = 0; r < size; r++)
                for (long i = 0; i < n; i++)
                    CHECK(all[r * n + i] == val(r, i), "%s gather n=%ld block %d", what, n, r);
        if (rank == root)
            for (int r = 0; r < size; r++)
                for (long i = 0; i < n; i++)
                    all[r * n + i] = val(r, i) * 3;
        COLL(MPI_Scatter, MPI_Iscatter, all, (int)n, MPI_LONG, out, (int)n, MPI_LONG, root, comm);
        for (long i = 0; i < n; i++)
            CHECK(out[i] == val(rank, i) * 3, "%s scatter n=%ld i=%ld", what, n, i);

        free(buf);
        free(out);
        free(all);
    }

    /* Alltoall / alltoallv: block (r -> s) holds r*100+s. */
    {
        int *sb = malloc((size_t)size * 2 * sizeof(int)),
            *rb = malloc((size_t)size * 2 * sizeof(int));
        for (int s = 0; s < size; s++)
            sb[2 * s] = rank * 100 + s, sb[2 * s + 1] = -(rank * 100 + s);
        COLL(MPI_Alltoall, MPI_Ialltoall, sb, 2, MPI_INT, rb, 2, MPI_INT, comm);
        for (int r = 0; r < size; r++)
            CHECK(rb[2 * r] == r * 100 + rank && rb[2 * r + 1] == -(r * 100 + rank),
                  "%s alltoall from %d", what, r);
        /* v: rank r sends (s % 2 + 1) ints to s; s receives (s % 2 + 1) from
         * everyone. */
        int *sc = malloc((size_t)size * sizeof(int)), *sd = malloc((size_t)size * sizeof(int));
        int *rc = malloc((size_t)size * sizeof(int)), *rd = malloc((size_t)size * sizeof(int));
        int off = 0;
        for (int s = 0; s < size; s++) {
            sc[s] = s % 2 + 1;
            sd[s] = off;
            off += sc[s];
        }
        int *sv = malloc((size_t)off * sizeof(int)), *rv = malloc((size_t)size * 2 * sizeof(int));
        for (int s = 0; s < size; s++)
            for (int k = 0; k < sc[s]; k++)
                sv[sd[s] + k] = rank * 1000 + s * 10 + k;
        for (int r = 0; r < size; r++) {
            rc[r] = rank % 2 + 1;
            rd[r] = 2 * r;
        }
        COLL(MPI_Alltoallv, MPI_Ialltoallv, sv, sc, sd, MPI_INT, rv, rc, rd, MPI_INT, comm);
        for (int r = 0; r < size; r++)
            for (int k = 0; k < rc[r]; k++)
                CHECK(rv[rd[r] + k] == r * 1000 + rank * 10 + k, "%s alltoallv from %d", what, r);

        /* Gatherv / allgatherv / scatterv with counts r % 3 + 1. */
        int total = 0;
        for (int r = 0; r < size; r++) {
            rc[r] = r % 3 + 1;
            rd[r] = total;
            total += rc[r];
        }
        int *g = malloc((size_t)total * sizeof(int)), mine[3];
        for (int k = 0; k < rank % 3 + 1; k++)
            mine[k] = rank * 10 + k;
        COLL(MPI_Allgatherv, MPI_Iallgatherv, mine, rank % 3 + 1, MPI_INT, g, rc, rd, MPI_INT,
             comm);
        for (int r = 0; r < size; r++)
            for (int k = 0; k < rc[r]; k++)
                CHECK(g[rd[r] + k] == r * 10 + k, "%s allgatherv from %d", what, r);
        memset(g, 0, (size_t)total * sizeof(int));
        COLL(MPI_Gatherv, MPI_Igatherv, mine, rank % 3 + 1, MPI_INT, g, rc, rd, MPI_INT, size - 1,
             comm);
        if (rank == size - 1)
            for (int r = 0; r < size; r++)
                for (int k = 0; k < rc[r]; k++)
                    CHECK(g[rd[r] + k] == r * 10 + k, "%s gatherv from %d", what, r);
        int got[3] = {-1, -1, -1};
        COLL(MPI_Scatterv, MPI_Iscatterv, g, rc, rd, MPI_INT, got, rank % 3 + 1, MPI_INT, size - 1,
             comm);
        for (int k = 0; k < rank % 3 + 1; k++)
            CHECK(got[k] == rank * 10 + k, "%s scatterv", what);
        free(g);
        free(sv);
        free(rv);
        free(sc);
        free(sd);
        free(rc);
        free(rd);
        free(sb);
        free(rb);
    }

    /* Scan / Exscan (SUM on int), reduce_scatter(_block). */
    {
        int v[2] = {rank + 1, 2 * rank}, s[2] = {-7, -7};
        COLL(MPI_Scan, MPI_Iscan, v, s, 2, MPI_INT, MPI_SUM, comm);
        CHECK(s[0] == (rank + 1) * (rank + 2) / 2 && s[1] == rank * (rank + 1), "%s scan: %d %d",
              what, s[0], s[1]);
        s[0] = s[1] = -7;
        COLL(MPI_Exscan, MPI_Iexscan, v, s, 2, MPI_INT, MPI_SUM, comm);
        if (rank > 0)
            CHECK(s[0] == rank * (rank + 1) / 2 && s[1] == (rank - 1) * rank, "%s exscan: %d %d",
                  what, s[0], s[1]);
        int *in = malloc((size_t)size * 2 * sizeof(int)), out[2];
        for (int k = 0; k < 2 * size; k++)
            in[k] = rank + k;
        COLL(MPI_Reduce_scatter_block, MPI_Ireduce_scatter_block, in, out, 2, MPI_INT, MPI_SUM,
             comm);
        int base = size * (size - 1) / 2;
        CHECK(out[0] == base + 2 * rank * size && out[1] == base + (2 * rank + 1) * size,
              "%s reduce_scatter_block: %d %d", what, out[0], out[1]);
        int *rcs = malloc((size_t)size * sizeof(int)), tot = 0;
        for (int r = 0; r < size; r++)
            tot += rcs[r] = r % 2 + 1;
        int *in2 = malloc((size_t)tot * sizeof(int)), out2[2] = {0, 0}, first = 0;
        for (int k = 0; k < tot; k++)
            in2[k] = k * (rank + 1);
        for (int r = 0; r < rank; r++)
            first += rcs[r];
        COLL(MPI_Reduce_scatter, MPI_Ireduce_scatter, in2, out2, rcs, MPI_INT, MPI_SUM, comm);
        for (int k = 0; k < rcs[rank]; k++)
            CHECK(out2[k] == (first + k) * size * (size + 1) / 2, "%s reduce_scatter", what);
        free(in);
        free(in2);
        free(rcs);
    }

    /* MINLOC / MAXLOC on MPI_DOUBLE_INT, ties resolved to the lower index. */
    {
        struct {
            double v;
            int k;
        } in = {(double)(rank % 3), rank}, out;
        COLL(MPI_Allreduce, MPI_Iallreduce, &in, &out, 1, MPI_DOUBLE_INT, MPI_MAXLOC, comm);
        int want = size >= 3 ? 2 : size - 1;
        CHECK(out.v == (double)(want % 3) && out.k == want, "%s maxloc: %g %d", what, out.v, out.k);
        COLL(MPI_Allreduce, MPI_Iallreduce, &in, &out, 1, MPI_DOUBLE_INT, MPI_MINLOC, comm);
        CHECK(out.v == 0.0 && out.k == 0, "%s minloc: %g %d", what, out.v, out.k);
    }

    /* A non-commutative user op: the product must be in rank order, for
     * reduce (to the last rank), allreduce and scan. */
    {
        MPI_Op op;
        MPI_Op_create(matmul, 0, &op);
        long m[4], r[4], want[4] = {1, 0, 0, 1}, prefix[4] = {1, 0, 0, 1};
        for (int k = size - 1; k >= 0; k--) {
            long mk[4];
            mat_of(k, mk);
            mat_mul_into(mk, want); /* want = m0 * m1 * ... * m(size-1) */
            if (k <= rank)
                mat_mul_into(mk, prefix); /* prefix = m0 * ... * m(rank) */
        }
        mat_of(rank, m);
        COLL(MPI_Allreduce, MPI_Iallreduce, m, r, 4, MPI_LONG, op, comm);
        CHECK(memcmp(r, want, sizeof r) == 0, "%s allreduce user op out of order", what);
        COLL(MPI_Reduce, MPI_Ireduce, m, r, 4, MPI_LONG, op, size - 1, comm);
        if (rank == size - 1)
            CHECK(memcmp(r, want, sizeof r) == 0, "%s reduce user op out of order", what);
        COLL(MPI_Scan, MPI_Iscan, m, r, 4, MPI_LONG, op, comm);
        CHECK(memcmp(r, prefix, sizeof r) == 0, "%s scan user op out of order", what);
        MPI_Op_free(&op);
        CHECK(op == MPI_OP_NULL, "Op_free did not reset the handle");
    }
    /* A contiguous derived type: a user op sees whole elements. */
    {
        MPI_Datatype vec2;
        MPI_Type_contiguous(2, MPI_DOUBLE, &vec2);
        MPI_Type_commit(&vec2);
        MPI_Aint lb, ext;
        MPI_Type_get_extent(vec2, &lb, &ext);
        CHECK(lb == 0 && ext == 2 * (MPI_Aint)sizeof(double), "vec2 extent %ld", (long)ext);
        double in[6], out[6];
        for (int k = 0; k < 6; k++)
            in[k] = rank * 10 + k;
#ifdef LARK_MPI
        /* The standard defines predefined ops on predefined types only;
         * Lark, like MPICH, also takes contiguous types of them. */
        COLL(MPI_Allreduce, MPI_Iallreduce, in, out, 3, vec2, MPI_SUM, comm);
        for (int k = 0; k < 6; k++)
            CHECK(out[k] == 10.0 * size * (size - 1) / 2 + (double)k * size,
                  "%s vec2 sum [%d] = %g", what, k, out[k]);
#endif
        MPI_Op op;
        MPI_Op_create(pairmax, 1, &op);
        COLL(MPI_Allreduce, MPI_Iallreduce, in, out, 3, vec2, op, comm);
        for (int k = 0; k < 6; k++)
            CHECK(out[k] == (size - 1) * 10.0 + k, "%s vec2 user op [%d] = %g", what, k, out[k]);
        MPI_Op_free(&op);
        COLL(MPI_Bcast, MPI_Ibcast, in, 3, vec2, 0, comm);
        for (int k = 0; k < 6; k++)
            CHECK(in[k] == (double)k, "%s vec2 bcast", what);
        MPI_Type_free(&vec2);
        CHECK(vec2 == MPI_DATATYPE_NULL, "Type_free did not reset the handle");
    }
    check_inplace(comm, what);
    check_extras(comm, what);
#if MPI_VERSION >= 4
    check_large(comm, what);
#endif
    COLL(MPI_Barrier, MPI_Ibarrier, comm);
}

/* The lark_coll_node_* counters (COLL_CHECK_NODE, see the top). */
#define NODE_PVARS 5
static const char *const node_pvars[NODE_PVARS] = {
    "lark_coll_node_barrier", "lark_coll_node_bcast", "lark_coll_node_reduce",
    "lark_coll_node_allreduce", "lark_coll_node_allgather"};
static MPI_T_pvar_session node_session;
static MPI_T_pvar_handle node_handles[NODE_PVARS];

static unsigned long long node_counter(int i)
{
    unsigned long long v = 0;
    MPI_T_pvar_read(node_session, node_handles[i], &v);
    return v;
}

static void node_counters_start(void)
{
    int provided, idx, n;
    CHECK(MPI_T_init_thread(MPI_THREAD_SINGLE, &provided) == MPI_SUCCESS, "MPI_T_init_thread");
    CHECK(MPI_T_pvar_session_create(&node_session) == MPI_SUCCESS, "pvar session");
    for (int i = 0; i < NODE_PVARS; i++) {
        CHECK(MPI_T_pvar_get_index(node_pvars[i], MPI_T_PVAR_CLASS_COUNTER, &idx) == MPI_SUCCESS,
              "no performance variable %s", node_pvars[i]);
        MPI_T_pvar_handle_alloc(node_session, idx, NULL, &node_handles[i], &n);
        MPI_T_pvar_start(node_session, node_handles[i]);
    }
}

static void node_counters_check(void)
{
    for (int i = 0; i < NODE_PVARS; i++) {
        unsigned long long v = node_counter(i);
        CHECK(v > 0, "%s is 0: the collective never ran node-aware", node_pvars[i]);
        MPI_T_pvar_handle_free(node_session, &node_handles[i]);
    }
    MPI_T_pvar_session_free(&node_session);
    MPI_T_finalize();
}

/* The ranks of each node (LARK_COLL_NODES' fake ones, or the hosts) made
 * consecutive (a split keyed by node): a non-commutative reduce and
 * allreduce must then run node-aware and still combine in rank order
 * (check_comm checks the products; here, that the node-aware path ran
 * them). */
static void check_by_node(int size)
{
    const char *k = getenv("LARK_COLL_NODES");
    int node = k != NULL && atoi(k) > 0 ? wrank % atoi(k) : wrank;
    if (k == NULL || atoi(k) <= 0) { /* a host: its lowest world rank */
        MPI_Comm shm;
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &shm);
        MPI_Allreduce(&wrank, &node, 1, MPI_INT, MPI_MIN, shm);
        MPI_Comm_free(&shm);
    }
    MPI_Comm bynode;
    MPI_Comm_split(MPI_COMM_WORLD, 0, node * size + wrank, &bynode);
    unsigned long long r0 = node_counter(2), a0 = node_counter(3);
    int rank;
    MPI_Comm_rank(bynode, &rank);
    MPI_Op op;
    MPI_Op_create(matmul, 0, &op);
    long m[4], r[4], want[4] = {1, 0, 0, 1};
    for (int i = size - 1; i >= 0; i--) {
        long mi[4];
        mat_of(i, mi);
        mat_mul_into(mi, want);
    }
    mat_of(rank, m);
    COLL(MPI_Allreduce, MPI_Iallreduce, m, r, 4, MPI_LONG, op, bynode);
    CHECK(memcmp(r, want, sizeof r) == 0, "by-node allreduce user op out of order");
    for (int root = 0; root < size; root += 2) {
        COLL(MPI_Reduce, MPI_Ireduce, m, r, 4, MPI_LONG, op, root, bynode);
        if (rank == root)
            CHECK(memcmp(r, want, sizeof r) == 0, "by-node reduce to %d user op out of order",
                  root);
    }
    MPI_Op_free(&op);
    CHECK(node_counter(2) > r0 && node_counter(3) > a0,
          "a non-commutative reduce (%llu) or allreduce (%llu) on nodes of consecutive ranks "
          "did not run node-aware",
          node_counter(2) - r0, node_counter(3) - a0);
    check_comm(bynode, "by-node");
    MPI_Comm_free(&bynode);
}

int main(int argc, char **argv)
{
    int size;
    MPI_Init(&argc, &argv);
    bool node = getenv("COLL_CHECK_NODE") != NULL;
    if (node)
        node_counters_start();
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    if (argc > 1 && strcmp(argv[1], "nb") == 0)
        form = NONBLOCKING;
    else if (argc > 1 && strcmp(argv[1], "persistent") == 0)
        form = PERSISTENT;
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    check_comm(MPI_COMM_WORLD, "world");
    for (int k = 1; k <= size; k++) {
        MPI_Comm sub;
        MPI_Comm_split(MPI_COMM_WORLD, wrank < k ? 0 : MPI_UNDEFINED, 0, &sub);
        if (wrank < k) {
            char what[32];
            snprintf(what, sizeof what, "split-%d", k);
            check_comm(sub, what);
            MPI_Comm_free(&sub);
        } else {
            CHECK(sub == MPI_COMM_NULL, "split with MPI_UNDEFINED must give MPI_COMM_NULL");
        }
    }
    /* Reversed order: rank i of the new communicator is world rank n-1-i. */
    MPI_Comm rev;
    MPI_Comm_split(MPI_COMM_WORLD, 0, size - wrank, &rev);
    int rr;
    MPI_Comm_rank(rev, &rr);
    CHECK(rr == size - 1 - wrank, "reversed split: rank %d", rr);
    check_comm(rev, "reversed");
    MPI_Comm_free(&rev);
    if (node)
        check_by_node(size);
    if (node)
        node_counters_check();

    if (wrank == 0)
        printf("coll_check: all collectives (%s) correct on %d ranks\n",
               form == BLOCKING      ? "blocking"
               : form == NONBLOCKING ? "nonblocking"
                                     : "persistent",
               size);
    MPI_Finalize();
    return 0;
}

/*
 * coll_ddt.c -- collectives with non-contiguous derived datatypes, in the
 * blocking, nonblocking and persistent forms.
 *
 * The element is V, K ints one int apart (MPI_Type_vector(K, 1, 2)), so
 * every buffer has gaps that must survive.  Each collective runs twice:
 * once on packed ints with MPI_INT (the reference, Lark's tested
 * contiguous path), once on the strided buffers with V; the data of the
 * second must equal the first, gap ints untouched.  Reductions run with
 * a user op that walks V's layout itself, and with --sum also with
 * MPI_SUM (a predefined op on a derived type of one predefined type: a
 * Lark extension; Open MPI 4.1 and MPICH 4.0 refuse it).  The nonblocking
 * form frees a duplicate of V before waiting.  Up to 10 ranks; standard
 * MPI only (checked with Open MPI and MPICH).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if MPI_VERSION < 4 /* never called there: see `last` in main */
#define MPI_Allgather_init(...)            MPI_ERR_OTHER
#define MPI_Allgatherv_init(...)           MPI_ERR_OTHER
#define MPI_Allreduce_init(...)            MPI_ERR_OTHER
#define MPI_Alltoall_init(...)             MPI_ERR_OTHER
#define MPI_Alltoallv_init(...)            MPI_ERR_OTHER
#define MPI_Alltoallw_init(...)            MPI_ERR_OTHER
#define MPI_Bcast_init(...)                MPI_ERR_OTHER
#define MPI_Exscan_init(...)               MPI_ERR_OTHER
#define MPI_Gather_init(...)               MPI_ERR_OTHER
#define MPI_Gatherv_init(...)              MPI_ERR_OTHER
#define MPI_Reduce_init(...)               MPI_ERR_OTHER
#define MPI_Reduce_scatter_init(...)       MPI_ERR_OTHER
#define MPI_Reduce_scatter_block_init(...) MPI_ERR_OTHER
#define MPI_Scan_init(...)                 MPI_ERR_OTHER
#define MPI_Scatter_init(...)              MPI_ERR_OTHER
#define MPI_Scatterv_init(...)             MPI_ERR_OTHER
#endif

#define TEST_NAME "coll_ddt"
static int wrank;
#include "check.h"

#define OK(call) CHECK((call) == MPI_SUCCESS, "%s failed", #call)
#define K        3 /* ints in one V */
#define EXT      (2 * K - 1)
#define GAP      (-7)
#define MAXE     64 /* elements in the largest buffer */

static int size;
static MPI_Datatype V;
static int sum_ok; /* --sum: predefined ops on V (Lark; MPICH refuses them) */
enum form { BLOCKING, NONBLOCKING, PERSISTENT };
static const char *form_name[] = {"blocking", "nonblocking", "persistent"};

/* n elements of V as memory: data at e * EXT + 2j, GAP elsewhere. */
static void spread(int *mem, const int *packed, int n)
{
    for (int i = 0; i < n * EXT; i++)
        mem[i] = GAP;
    for (int e = 0; e < n; e++)
        for (int j = 0; j < K; j++)
            mem[e * EXT + 2 * j] = packed[e * K + j];
}

static void check_same(const int *mem, const int *packed, int n, const char *what, enum form f)
{
    for (int e = 0; e < n; e++)
        for (int i = 0; i < EXT; i++) {
            int want = i % 2 ? GAP : packed[e * K + i / 2];
            CHECK(mem[e * EXT + i] == want, "%s (%s): element %d int %d is %d, want %d", what,
                  form_name[f], e, i, mem[e * EXT + i], want);
        }
}

static int val(int r, int i)
{
    return r * 1000 + i * 7 + 1;
}

/* Wait for (or start and wait for) the request of a non-blocking form. */
static void run(enum form f, MPI_Request *rq, MPI_Datatype *dup)
{
    if (f == BLOCKING)
        return;
    if (f == PERSISTENT)
        OK(MPI_Start(rq));
    else if (dup != NULL)
        OK(MPI_Type_free(dup)); /* the pending operation keeps it alive */
    OK(MPI_Wait(rq, MPI_STATUS_IGNORE));
    if (f == PERSISTENT)
        OK(MPI_Request_free(rq));
}

/* The user op: sum, on MPI_INT or on V's layout. */
static void user_sum(void *in, void *inout, int *len, MPI_Datatype *t)
{
    int *a = in, *b = inout, n = *len;
    if (*t == MPI_INT) {
        for (int i = 0; i < n; i++)
            b[i] += a[i];
        return;
    }
    for (int e = 0; e < n; e++)
        for (int j = 0; j < K; j++)
            b[e * EXT + 2 * j] += a[e * EXT + 2 * j];
}

static int sbuf[MAXE * EXT], rbuf[MAXE * EXT], sp[MAXE * K], rp[MAXE * K], ref[MAXE * K];

static void fill_send(int n, int salt)
{
    for (int i = 0; i < n * K; i++)
        sp[i] = val(wrank, i) + salt;
    spread(sbuf, sp, n);
}

static void clear_recv(int n)
{
    for (int i = 0; i < n * K; i++)
        rp[i] = -1;
    spread(rbuf, rp, n);
    memcpy(ref, rp, sizeof(int) * (size_t)n * K);
}

static void rooted(enum form f, int root)
{
    MPI_Request rq;
    MPI_Datatype t = V, d;
    int n = 2;
    /* Bcast */
    fill_send(n, 0);
    if (wrank != root)
        clear_recv(n);
    memcpy(ref, wrank == root ? sp : rp, sizeof(int) * n * K);
    OK(MPI_Bcast(ref, n * K, MPI_INT, root, MPI_COMM_WORLD));
    int *b = wrank == root ? sbuf : rbuf;
    if (f != BLOCKING) {
        OK(MPI_Type_dup(V, &d));
        OK(MPI_Type_commit(&d));
        t = d;
    }
    if (f == BLOCKING)
        OK(MPI_Bcast(b, n, t, root, MPI_COMM_WORLD));
    else if (f == NONBLOCKING)
        OK(MPI_Ibcast(b, n, t, root, MPI_COMM_WORLD, &rq));
    else
        OK(MPI_Bcast_init(b, n, t, root, MPI_COMM_WORLD, MPI_INFO_NULL, &rq));
    run(f, &rq, f == NONBLOCKING ? &d : NULL);
    if (f == PERSISTENT)
        OK(MPI_Type_free(&d));
    t = V;
    check_same(b, ref, n, "bcast", f);

    /* Gather, then scatter back */
    fill_send(n, 1);
    clear_recv(n * size);
    OK(MPI_Gather(sp, n * K, MPI_INT, ref, n * K, MPI_INT, root, MPI_COMM_WORLD));
    if (f == BLOCKING)
        OK(MPI_Gather(sbuf, n, V, rbuf, n, V, root, MPI_COMM_WORLD));
    else if (f == NONBLOCKING)
        OK(MPI_Igather(sbuf, n, V, rbuf, n, V, root, MPI_COMM_WORLD, &rq));
    else
        OK(MPI_Gather_init(sbuf, n, V, rbuf, n, V, root, MPI_COMM_WORLD, MPI_INFO_NULL, &rq));
    run(f, &rq, NULL);
    if (wrank == root)
        check_same(rbuf, ref, n * size, "gather", f);
    if (wrank == root) {
        memcpy(sp, ref, sizeof(int) * (size_t)n * K * size);
        spread(sbuf, sp, n * size);
    }
    clear_recv(n);
    OK(MPI_Scatter(sp, n * K, MPI_INT, ref, n * K, MPI_INT, root, MPI_COMM_WORLD));
    if (f == BLOCKING)
        OK(MPI_Scatter(sbuf, n, V, rbuf, n, V, root, MPI_COMM_WORLD));
    else if (f == NONBLOCKING)
        OK(MPI_Iscatter(sbuf, n, V, rbuf, n, V, root, MPI_COMM_WORLD, &rq));
    else
        OK(MPI_Scatter_init(sbuf, n, V, rbuf, n, V, root, MPI_COMM_WORLD, MPI_INFO_NULL, &rq));
    run(f, &rq, NULL);
    check_same(rbuf, ref, n, "scatter", f);

    /* Gatherv: rank i sends i+1 elements, placed in reverse order. */
    int cnt[MAXE], dis[MAXE], icnt[MAXE], idis[MAXE], at = 0;
    for (int i = size - 1; i >= 0; i--) {
        cnt[i] = i + 1;
        dis[i] = at;
        icnt[i] = cnt[i] * K;
        idis[i] = at * K;
        at += cnt[i];
    }
    fill_send(wrank + 1, 2);
    clear_recv(at);
    OK(MPI_Gatherv(sp, (wrank + 1) * K, MPI_INT, ref, icnt, idis, MPI_INT, root, MPI_COMM_WORLD));
    if (f == BLOCKING)
        OK(MPI_Gatherv(sbuf, wrank + 1, V, rbuf, cnt, dis, V, root, MPI_COMM_WORLD));
    else if (f == NONBLOCKING)
        OK(MPI_Igatherv(sbuf, wrank + 1, V, rbuf, cnt, dis, V, root, MPI_COMM_WORLD, &rq));
    else
        OK(MPI_Gatherv_init(sbuf, wrank + 1, V, rbuf, cnt, dis, V, root, MPI_COMM_WORLD,
                            MPI_INFO_NULL, &rq));
    run(f, &rq, NULL);
    if (wrank == root)
        check_same(rbuf, ref, at, "gatherv", f);
    if (wrank == root) {
        memcpy(sp, ref, sizeof(int) * (size_t)at * K);
        spread(sbuf, sp, at);
    }
    clear_recv(wrank + 1);
    OK(MPI_Scatterv(sp, icnt, idis, MPI_INT, ref, (wrank + 1) * K, MPI_INT, root, MPI_COMM_WORLD));
    if (f == BLOCKING)
        OK(MPI_Scatterv(sbuf, cnt, dis, V, rbuf, wrank + 1, V, root, MPI_COMM_WORLD));
    else if (f == NONBLOCKING)
        OK(MPI_Iscatterv(sbuf, cnt, dis, V, rbuf, wrank + 1, V, root, MPI_COMM_WORLD, &rq));
    else
        OK(MPI_Scatterv_init(sbuf, cnt, dis, V, rbuf, wrank + 1, V, root, MPI_COMM_WORLD,
                             MPI_INFO_NULL, &rq));
    run(f, &rq, NULL);
    check_same(rbuf, ref, wrank + 1, "scatterv", f);

    /* Reduce with MPI_SUM and with the user op */
    MPI_Op uop;
    OK(MPI_Op_create(user_sum, 1, &uop));
    for (int u = sum_ok ? 0 : 1; u < 2; u++) {
        MPI_Op op = u ? uop : MPI_SUM;
        fill_send(n, 3);
        clear_recv(n);
        OK(MPI_Reduce(sp, ref, n * K, MPI_INT, op, root, MPI_COMM_WORLD));
        if (f == BLOCKING)
            OK(MPI_Reduce(sbuf, rbuf, n, V, op, root, MPI_COMM_WORLD));
        else if (f == NONBLOCKING)
            OK(MPI_Ireduce(sbuf, rbuf, n, V, op, root, MPI_COMM_WORLD, &rq));
        else
            OK(MPI_Reduce_init(sbuf, rbuf, n, V, op, root, MPI_COMM_WORLD, MPI_INFO_NULL, &rq));
        run(f, &rq, NULL);
        if (wrank == root)
            check_same(rbuf, ref, n, u ? "reduce (user op)" : "reduce", f);
    }
    OK(MPI_Op_free(&uop));
}

static void unrooted(enum form f)
{
    MPI_Request rq;
    int n = 2;
    /* Allgather (and in place) */
    fill_send(n, 4);
    clear_recv(n * size);
    OK(MPI_Allgather(sp, n * K, MPI_INT, ref, n * K, MPI_INT, MPI_COMM_WORLD));
    if (f == BLOCKING)
        OK(MPI_Allgather(sbuf, n, V, rbuf, n, V, MPI_COMM_WORLD));
    else if (f == NONBLOCKING)
        OK(MPI_Iallgather(sbuf, n, V, rbuf, n, V, MPI_COMM_WORLD, &rq));
    else
        OK(MPI_Allgather_init(sbuf, n, V, rbuf, n, V, MPI_COMM_WORLD, MPI_INFO_NULL, &rq));
    run(f, &rq, NULL);
    check_same(rbuf, ref, n * size, "allgather", f);
    for (int i = 0; i < n * K * size; i++)
        rp[i] = i / (n * K) == wrank ? val(wrank, i) : -1;
    spread(rbuf, rp, n * size);
    OK(MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, rbuf, n, V, MPI_COMM_WORLD));
    for (int i = 0; i < n * K * size; i++)
        rp[i] = val(i / (n * K), i);
    check_same(rbuf, rp, n * size, "allgather in place", BLOCKING);

    /* Allgatherv: rank i contributes i+1 elements */
    int cnt[MAXE], dis[MAXE], icnt[MAXE], idis[MAXE], at = 0;
    for (int i = 0; i < size; i++) {
        cnt[i] = i + 1;
        dis[i] = at;
        icnt[i] = cnt[i] * K;
        idis[i] = at * K;
        at += cnt[i];
    }
    fill_send(wrank + 1, 5);
    clear_recv(at);
    OK(MPI_Allgatherv(sp, (wrank + 1) * K, MPI_INT, ref, icnt, idis, MPI_INT, MPI_COMM_WORLD));
    if (f == BLOCKING)
        OK(MPI_Allgatherv(sbuf, wrank + 1, V, rbuf, cnt, dis, V, MPI_COMM_WORLD));
    else if (f == NONBLOCKING)
        OK(MPI_Iallgatherv(sbuf, wrank + 1, V, rbuf, cnt, dis, V, MPI_COMM_WORLD, &rq));
    else
        OK(MPI_Allgatherv_init(sbuf, wrank + 1, V, rbuf, cnt, dis, V, MPI_COMM_WORLD, MPI_INFO_NULL,
                               &rq));
    run(f, &rq, NULL);
    check_same(rbuf, ref, at, "allgatherv", f);

    /* Alltoall, alltoallv (one element to each), alltoallw */
    fill_send(size, 6);
    clear_recv(size);
    OK(MPI_Alltoall(sp, K, MPI_INT, ref, K, MPI_INT, MPI_COMM_WORLD));
    if (f == BLOCKING)
        OK(MPI_Alltoall(sbuf, 1, V, rbuf, 1, V, MPI_COMM_WORLD));
    else if (f == NONBLOCKING)
        OK(MPI_Ialltoall(sbuf, 1, V, rbuf, 1, V, MPI_COMM_WORLD, &rq));
    else
        OK(MPI_Alltoall_init(sbuf, 1, V, rbuf, 1, V, MPI_COMM_WORLD, MPI_INFO_NULL, &rq));
    run(f, &rq, NULL);
    check_same(rbuf, ref, size, "alltoall", f);
    for (int i = 0; i < size; i++) {
        cnt[i] = 1;
        dis[i] = size - 1 - i; /* reversed blocks */
        icnt[i] = K;
        idis[i] = dis[i] * K;
    }
    clear_recv(size);
    OK(MPI_Alltoallv(sp, icnt, idis, MPI_INT, ref, icnt, idis, MPI_INT, MPI_COMM_WORLD));
    if (f == BLOCKING)
        OK(MPI_Alltoallv(sbuf, cnt, dis, V, rbuf, cnt, dis, V, MPI_COMM_WORLD));
    else if (f == NONBLOCKING)
        OK(MPI_Ialltoallv(sbuf, cnt, dis, V, rbuf, cnt, dis, V, MPI_COMM_WORLD, &rq));
    else
        OK(MPI_Alltoallv_init(sbuf, cnt, dis, V, rbuf, cnt, dis, V, MPI_COMM_WORLD, MPI_INFO_NULL,
                              &rq));
    run(f, &rq, NULL);
    check_same(rbuf, ref, size, "alltoallv", f);
    /* Alltoallw: V to even ranks, K plain ints to odd ones (same
     * signature), received as V from everyone. */
    MPI_Datatype st[MAXE], rt[MAXE];
    int sc[MAXE], sd[MAXE], rc[MAXE], rd[MAXE];
    for (int i = 0; i < size; i++) {
        rt[i] = V;
        rc[i] = 1;
        rd[i] = i * EXT * (int)sizeof(int);
        st[i] = i % 2 ? MPI_INT : V;
        sc[i] = i % 2 ? K : 1;
        sd[i] = i * EXT * (int)sizeof(int);
        icnt[i] = K;
        idis[i] = i * K;
    }
    for (int i = 0; i < size; i++) /* odd destinations read packed ints */
        if (i % 2)
            memcpy(sbuf + i * EXT, sp + i * K, sizeof(int) * K);
    clear_recv(size);
    OK(MPI_Alltoallv(sp, icnt, idis, MPI_INT, ref, icnt, idis, MPI_INT, MPI_COMM_WORLD));
    if (f == BLOCKING)
        OK(MPI_Alltoallw(sbuf, sc, sd, st, rbuf, rc, rd, rt, MPI_COMM_WORLD));
    else if (f == NONBLOCKING)
        OK(MPI_Ialltoallw(sbuf, sc, sd, st, rbuf, rc, rd, rt, MPI_COMM_WORLD, &rq));
    else
        OK(MPI_Alltoallw_init(sbuf, sc, sd, st, rbuf, rc, rd, rt, MPI_COMM_WORLD, MPI_INFO_NULL,
                              &rq));
    run(f, &rq, NULL);
    check_same(rbuf, ref, size, "alltoallw", f);

    /* Allreduce, scan, exscan, reduce_scatter_block, reduce_scatter */
    MPI_Op uop;
    OK(MPI_Op_create(user_sum, 1, &uop));
    for (int u = sum_ok ? 0 : 1; u < 2; u++) {
        MPI_Op op = u ? uop : MPI_SUM;
        const char *w = u ? " (user op)" : "";
        char what[64];
        fill_send(n, 7);
        clear_recv(n);
        OK(MPI_Allreduce(sp, ref, n * K, MPI_INT, op, MPI_COMM_WORLD));
        if (f == BLOCKING)
            OK(MPI_Allreduce(sbuf, rbuf, n, V, op, MPI_COMM_WORLD));
        else if (f == NONBLOCKING)
            OK(MPI_Iallreduce(sbuf, rbuf, n, V, op, MPI_COMM_WORLD, &rq));
        else
            OK(MPI_Allreduce_init(sbuf, rbuf, n, V, op, MPI_COMM_WORLD, MPI_INFO_NULL, &rq));
        run(f, &rq, NULL);
        snprintf(what, sizeof what, "allreduce%s", w);
        check_same(rbuf, ref, n, what, f);
        memcpy(rbuf, sbuf, sizeof(int) * n * EXT);
        OK(MPI_Allreduce(MPI_IN_PLACE, rbuf, n, V, op, MPI_COMM_WORLD));
        snprintf(what, sizeof what, "allreduce in place%s", w);
        check_same(rbuf, ref, n, what, BLOCKING);

        clear_recv(n);
        OK(MPI_Scan(sp, ref, n * K, MPI_INT, op, MPI_COMM_WORLD));
        if (f == BLOCKING)
            OK(MPI_Scan(sbuf, rbuf, n, V, op, MPI_COMM_WORLD));
        else if (f == NONBLOCKING)
            OK(MPI_Iscan(sbuf, rbuf, n, V, op, MPI_COMM_WORLD, &rq));
        else
            OK(MPI_Scan_init(sbuf, rbuf, n, V, op, MPI_COMM_WORLD, MPI_INFO_NULL, &rq));
        run(f, &rq, NULL);
        snprintf(what, sizeof what, "scan%s", w);
        check_same(rbuf, ref, n, what, f);

        clear_recv(n);
        OK(MPI_Exscan(sp, ref, n * K, MPI_INT, op, MPI_COMM_WORLD));
        if (f == BLOCKING)
            OK(MPI_Exscan(sbuf, rbuf, n, V, op, MPI_COMM_WORLD));
        else if (f == NONBLOCKING)
            OK(MPI_Iexscan(sbuf, rbuf, n, V, op, MPI_COMM_WORLD, &rq));
        else
            OK(MPI_Exscan_init(sbuf, rbuf, n, V, op, MPI_COMM_WORLD, MPI_INFO_NULL, &rq));
        run(f, &rq, NULL);
        snprintf(what, sizeof what, "exscan%s", w);
        if (wrank > 0)
            check_same(rbuf, ref, n, what, f);

        fill_send(n * size, 8);
        clear_recv(n);
        OK(MPI_Reduce_scatter_block(sp, ref, n * K, MPI_INT, op, MPI_COMM_WORLD));
        if (f == BLOCKING)
            OK(MPI_Reduce_scatter_block(sbuf, rbuf, n, V, op, MPI_COMM_WORLD));
        else if (f == NONBLOCKING)
            OK(MPI_Ireduce_scatter_block(sbuf, rbuf, n, V, op, MPI_COMM_WORLD, &rq));
        else
            OK(MPI_Reduce_scatter_block_init(sbuf, rbuf, n, V, op, MPI_COMM_WORLD, MPI_INFO_NULL,
                                             &rq));
        run(f, &rq, NULL);
        snprintf(what, sizeof what, "reduce_scatter_block%s", w);
        check_same(rbuf, ref, n, what, f);

        for (int i = 0; i < size; i++) {
            cnt[i] = i % 3;
            icnt[i] = cnt[i] * K;
        }
        at = 0;
        for (int i = 0; i < size; i++)
            at += cnt[i];
        fill_send(at, 9);
        clear_recv(cnt[wrank] > 0 ? cnt[wrank] : 1);
        OK(MPI_Reduce_scatter(sp, ref, icnt, MPI_INT, op, MPI_COMM_WORLD));
        if (f == BLOCKING)
            OK(MPI_Reduce_scatter(sbuf, rbuf, cnt, V, op, MPI_COMM_WORLD));
        else if (f == NONBLOCKING)
            OK(MPI_Ireduce_scatter(sbuf, rbuf, cnt, V, op, MPI_COMM_WORLD, &rq));
        else
            OK(MPI_Reduce_scatter_init(sbuf, rbuf, cnt, V, op, MPI_COMM_WORLD, MPI_INFO_NULL, &rq));
        run(f, &rq, NULL);
        snprintf(what, sizeof what, "reduce_scatter%s", w);
        check_same(rbuf, ref, cnt[wrank], what, f);
    }
    /* Reduce_local on the layout */
    fill_send(n, 10);
    for (int i = 0; i < n * K; i++)
        ref[i] = sp[i] * 2;
    if (sum_ok) {
        memcpy(rbuf, sbuf, sizeof(int) * n * EXT);
        OK(MPI_Reduce_local(sbuf, rbuf, n, V, MPI_SUM));
        check_same(rbuf, ref, n, "reduce_local", BLOCKING);
    }
    memcpy(rbuf, sbuf, sizeof(int) * n * EXT);
    OK(MPI_Reduce_local(sbuf, rbuf, n, V, uop));
    check_same(rbuf, ref, n, "reduce_local (user op)", BLOCKING);
    OK(MPI_Op_free(&uop));
}

int main(int argc, char **argv)
{
    OK(MPI_Init(&argc, &argv));
    sum_ok = argc > 1 && strcmp(argv[1], "--sum") == 0;
    OK(MPI_Comm_rank(MPI_COMM_WORLD, &wrank));
    OK(MPI_Comm_size(MPI_COMM_WORLD, &size));
    CHECK(size * (size + 1) / 2 <= MAXE && 2 * size <= MAXE, "at most 10 ranks");
    OK(MPI_Type_vector(K, 1, 2, MPI_INT, &V));
    OK(MPI_Type_commit(&V));
#if MPI_VERSION >= 4
    int last = PERSISTENT;
#else
    int last = NONBLOCKING; /* no persistent collectives before MPI-4 */
#endif
    for (int f = BLOCKING; f <= last; f++) {
        rooted((enum form)f, 0);
        rooted((enum form)f, size - 1);
        unrooted((enum form)f);
    }
    OK(MPI_Type_free(&V));
    OK(MPI_Barrier(MPI_COMM_WORLD));
    if (wrank == 0)
        printf("coll_ddt: OK\n");
    OK(MPI_Finalize());
    return 0;
}

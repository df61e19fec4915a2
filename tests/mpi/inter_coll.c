/*
 * inter_coll.c -- every collective the standard defines on
 * intercommunicators (MPI 4.1 section 6.2.2), blocking, nonblocking and
 * persistent: Barrier, Bcast, Gather(v), Scatter(v), Allgather(v),
 * Alltoall(v,w), Reduce, Allreduce, Reduce_scatter(_block), with MPI_ROOT
 * and MPI_PROC_NULL roots on either side, over intercommunicators whose
 * groups have unequal sizes (the world split at every point).  Results
 * are checked against values computed here; buffers of processes that
 * take no part (MPI_PROC_NULL) must stay untouched.  Scan and Exscan on
 * an intercommunicator give MPI_ERR_COMM.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_NAME "inter_coll"
static int wrank;
#include "check.h"

#define SENTINEL (-5)
#define K        3
#define MAXN     64

static int g, lr, L, R; /* my group (0 low, 1 high), local rank, sizes */

/* Value i of process r of group grp. */
static int v(int grp, int r, int i)
{
    return (grp + 1) * 1000000 + r * 1000 + i;
}
/* Element i of the block process a of group ga sends to process b. */
static int w(int ga, int a, int b, int i)
{
    return (ga + 1) * 1000000 + a * 10000 + b * 100 + i;
}
/* Elements process a sends to b in the v calls. */
static int cnt(int a, int b)
{
    return 1 + (a + 2 * b) % 3;
}

/* The persistent forms exist from MPI 4 on. */
#if MPI_VERSION >= 4
#define PERSIST(call) (call)
#define NFORMS        3
#else
#define PERSIST(call) MPI_ERR_OTHER
#define NFORMS        2
#endif

static const char *form_names[] = {"blocking", "nonblocking", "persistent"};

/* Call BLOCK, or NB then wait, or PERS then start and wait twice; NB and
 * PERS write their request into r_. */
#define FORMS(what, form, BLOCK, NB, PERS)                                                         \
    do {                                                                                           \
        MPI_Request r_;                                                                            \
        int rc_;                                                                                   \
        if ((form) == 0) {                                                                         \
            rc_ = (BLOCK);                                                                         \
        } else if ((form) == 1) {                                                                  \
            rc_ = (NB);                                                                            \
            if (rc_ == MPI_SUCCESS)                                                                \
                rc_ = MPI_Wait(&r_, MPI_STATUS_IGNORE);                                            \
        } else {                                                                                   \
            rc_ = PERSIST(PERS);                                                                   \
            for (int k_ = 0; k_ < 2 && rc_ == MPI_SUCCESS; k_++) {                                 \
                rc_ = MPI_Start(&r_);                                                              \
                if (rc_ == MPI_SUCCESS)                                                            \
                    rc_ = MPI_Wait(&r_, MPI_STATUS_IGNORE);                                        \
            }                                                                                      \
            if (rc_ == MPI_SUCCESS)                                                                \
                rc_ = MPI_Request_free(&r_);                                                       \
        }                                                                                          \
        CHECK(rc_ == MPI_SUCCESS, "%s %s returned %d", form_names[form], what, rc_);               \
    } while (0)

static void expect_buf(const char *what, int form, const int *buf, const int *want, int n)
{
    for (int i = 0; i < n; i++)
        CHECK(buf[i] == want[i], "%s %s (group %d of %d/%d, rank %d): [%d] = %d, expected %d",
              form_names[form], what, g, L, R, lr, i, buf[i], want[i]);
}

static int *ints(int n, int value)
{
    int *p = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++)
        p[i] = value;
    return p;
}

/* The rooted collectives with the root at rank rr of group gr. */
static void rooted(MPI_Comm ic, int form, int gr, int rr)
{
    int root = g == gr ? (lr == rr ? MPI_ROOT : MPI_PROC_NULL) : rr;
    int big = MAXN * 4 * K, *buf = ints(big, SENTINEL), *want = ints(big, SENTINEL);
    int *sbuf = ints(big, SENTINEL), *counts = ints(MAXN, 0), *displs = ints(MAXN, 0);
    MPI_Info ni = MPI_INFO_NULL;
    (void)ni; /* used by the persistent forms only */

    /* Bcast */
    if (root == MPI_ROOT)
        for (int i = 0; i < K; i++)
            buf[i] = want[i] = v(g, lr, i);
    if (root >= 0)
        for (int i = 0; i < K; i++)
            want[i] = v(gr, rr, i);
    FORMS("MPI_Bcast", form, MPI_Bcast(buf, K, MPI_INT, root, ic),
          MPI_Ibcast(buf, K, MPI_INT, root, ic, &r_),
          MPI_Bcast_init(buf, K, MPI_INT, root, ic, ni, &r_));
    expect_buf("MPI_Bcast", form, buf, want, big);

    /* Gather: the root gets K from each remote process. */
    for (int i = 0; i < big; i++)
        buf[i] = want[i] = sbuf[i] = SENTINEL;
    for (int i = 0; i < K; i++)
        sbuf[i] = v(g, lr, i);
    if (root == MPI_ROOT)
        for (int j = 0; j < R; j++)
            for (int i = 0; i < K; i++)
                want[j * K + i] = v(1 - g, j, i);
    FORMS("MPI_Gather", form, MPI_Gather(sbuf, K, MPI_INT, buf, K, MPI_INT, root, ic),
          MPI_Igather(sbuf, K, MPI_INT, buf, K, MPI_INT, root, ic, &r_),
          MPI_Gather_init(sbuf, K, MPI_INT, buf, K, MPI_INT, root, ic, ni, &r_));
    expect_buf("MPI_Gather", form, buf, want, big);

    /* Gatherv: remote j sends 1 + j % 3, placed in reverse order. */
    for (int i = 0; i < big; i++)
        buf[i] = want[i] = SENTINEL;
    for (int j = 0, at = 4 * R; j < R; j++) {
        counts[j] = 1 + j % 3;
        at -= 4;
        displs[j] = at;
        for (int i = 0; i < counts[j] && root == MPI_ROOT; i++)
            want[at + i] = v(1 - g, j, i);
    }
    FORMS("MPI_Gatherv", form,
          MPI_Gatherv(sbuf, 1 + lr % 3, MPI_INT, buf, counts, displs, MPI_INT, root, ic),
          MPI_Igatherv(sbuf, 1 + lr % 3, MPI_INT, buf, counts, displs, MPI_INT, root, ic, &r_),
          MPI_Gatherv_init(sbuf, 1 + lr % 3, MPI_INT, buf, counts, displs, MPI_INT, root, ic, ni,
                           &r_));
    expect_buf("MPI_Gatherv", form, buf, want, big);

    /* Scatter: block j of the root's buffer to remote j. */
    for (int i = 0; i < big; i++)
        buf[i] = want[i] = sbuf[i] = SENTINEL;
    if (root == MPI_ROOT)
        for (int i = 0; i < big; i++)
            sbuf[i] = v(g, lr, i);
    if (root >= 0)
        for (int i = 0; i < K; i++)
            want[i] = v(gr, rr, lr * K + i);
    FORMS("MPI_Scatter", form, MPI_Scatter(sbuf, K, MPI_INT, buf, K, MPI_INT, root, ic),
          MPI_Iscatter(sbuf, K, MPI_INT, buf, K, MPI_INT, root, ic, &r_),
          MPI_Scatter_init(sbuf, K, MPI_INT, buf, K, MPI_INT, root, ic, ni, &r_));
    expect_buf("MPI_Scatter", form, buf, want, big);

    /* Scatterv: remote j gets 1 + j % 3 from displacement 4 (R - 1 - j). */
    for (int i = 0; i < big; i++)
        buf[i] = want[i] = SENTINEL;
    if (root >= 0)
        for (int i = 0; i < 1 + lr % 3; i++)
            want[i] = v(gr, rr, 4 * (L - 1 - lr) + i);
    FORMS("MPI_Scatterv", form,
          MPI_Scatterv(sbuf, counts, displs, MPI_INT, buf, 1 + lr % 3, MPI_INT, root, ic),
          MPI_Iscatterv(sbuf, counts, displs, MPI_INT, buf, 1 + lr % 3, MPI_INT, root, ic, &r_),
          MPI_Scatterv_init(sbuf, counts, displs, MPI_INT, buf, 1 + lr % 3, MPI_INT, root, ic, ni,
                            &r_));
    expect_buf("MPI_Scatterv", form, buf, want, big);

    /* Reduce: the root gets the sum over the remote group. */
    for (int i = 0; i < big; i++)
        buf[i] = want[i] = sbuf[i] = SENTINEL;
    for (int i = 0; i < K; i++)
        sbuf[i] = v(g, lr, i);
    if (root == MPI_ROOT)
        for (int i = 0; i < K; i++) {
            want[i] = 0;
            for (int j = 0; j < R; j++)
                want[i] += v(1 - g, j, i);
        }
    FORMS("MPI_Reduce", form, MPI_Reduce(sbuf, buf, K, MPI_INT, MPI_SUM, root, ic),
          MPI_Ireduce(sbuf, buf, K, MPI_INT, MPI_SUM, root, ic, &r_),
          MPI_Reduce_init(sbuf, buf, K, MPI_INT, MPI_SUM, root, ic, ni, &r_));
    expect_buf("MPI_Reduce", form, buf, want, big);

    free(buf);
    free(want);
    free(sbuf);
    free(counts);
    free(displs);
}

static void unrooted(MPI_Comm ic, int form)
{
    int big = MAXN * 4 * K, *buf = ints(big, SENTINEL), *want = ints(big, SENTINEL);
    int *sbuf = ints(big, SENTINEL), *sc = ints(MAXN, 0), *sd = ints(MAXN, 0);
    int *rc = ints(MAXN, 0), *rd = ints(MAXN, 0);
    MPI_Datatype ty[MAXN];
    MPI_Info ni = MPI_INFO_NULL;
    (void)ni; /* used by the persistent forms only */
    for (int j = 0; j < MAXN; j++)
        ty[j] = MPI_INT;

    FORMS("MPI_Barrier", form, MPI_Barrier(ic), MPI_Ibarrier(ic, &r_),
          MPI_Barrier_init(ic, ni, &r_));

    /* Allgather */
    for (int i = 0; i < K; i++)
        sbuf[i] = v(g, lr, i);
    for (int j = 0; j < R; j++)
        for (int i = 0; i < K; i++)
            want[j * K + i] = v(1 - g, j, i);
    FORMS("MPI_Allgather", form, MPI_Allgather(sbuf, K, MPI_INT, buf, K, MPI_INT, ic),
          MPI_Iallgather(sbuf, K, MPI_INT, buf, K, MPI_INT, ic, &r_),
          MPI_Allgather_init(sbuf, K, MPI_INT, buf, K, MPI_INT, ic, ni, &r_));
    expect_buf("MPI_Allgather", form, buf, want, big);

    /* Allgatherv: remote j contributes 1 + j % 3, reversed, gaps. */
    for (int i = 0; i < big; i++)
        buf[i] = want[i] = SENTINEL;
    for (int j = 0, at = 4 * R; j < R; j++) {
        rc[j] = 1 + j % 3;
        at -= 4;
        rd[j] = at;
        for (int i = 0; i < rc[j]; i++)
            want[at + i] = v(1 - g, j, i);
    }
    FORMS("MPI_Allgatherv", form,
          MPI_Allgatherv(sbuf, 1 + lr % 3, MPI_INT, buf, rc, rd, MPI_INT, ic),
          MPI_Iallgatherv(sbuf, 1 + lr % 3, MPI_INT, buf, rc, rd, MPI_INT, ic, &r_),
          MPI_Allgatherv_init(sbuf, 1 + lr % 3, MPI_INT, buf, rc, rd, MPI_INT, ic, ni, &r_));
    expect_buf("MPI_Allgatherv", form, buf, want, big);

    /* Alltoall: block j to remote j. */
    for (int i = 0; i < big; i++)
        buf[i] = want[i] = sbuf[i] = SENTINEL;
    for (int j = 0; j < R; j++)
        for (int i = 0; i < K; i++) {
            sbuf[j * K + i] = w(g, lr, j, i);
            want[j * K + i] = w(1 - g, j, lr, i);
        }
    FORMS("MPI_Alltoall", form, MPI_Alltoall(sbuf, K, MPI_INT, buf, K, MPI_INT, ic),
          MPI_Ialltoall(sbuf, K, MPI_INT, buf, K, MPI_INT, ic, &r_),
          MPI_Alltoall_init(sbuf, K, MPI_INT, buf, K, MPI_INT, ic, ni, &r_));
    expect_buf("MPI_Alltoall", form, buf, want, big);

    /* Alltoallv and alltoallw (byte displacements): cnt(a, b) elements. */
    for (int pass = 0; pass < 2; pass++) {
        const char *what = pass ? "MPI_Alltoallw" : "MPI_Alltoallv";
        for (int i = 0; i < big; i++)
            buf[i] = want[i] = sbuf[i] = SENTINEL;
        for (int j = 0, sat = 0, rat = 4 * R; j < R; j++) {
            sc[j] = cnt(lr, j);
            sd[j] = sat;
            for (int i = 0; i < sc[j]; i++)
                sbuf[sat + i] = w(g, lr, j, i);
            sat += 4;
            rc[j] = cnt(j, lr);
            rat -= 4;
            rd[j] = rat;
            for (int i = 0; i < rc[j]; i++)
                want[rat + i] = w(1 - g, j, lr, i);
        }
        if (pass == 0) {
            FORMS(what, form, MPI_Alltoallv(sbuf, sc, sd, MPI_INT, buf, rc, rd, MPI_INT, ic),
                  MPI_Ialltoallv(sbuf, sc, sd, MPI_INT, buf, rc, rd, MPI_INT, ic, &r_),
                  MPI_Alltoallv_init(sbuf, sc, sd, MPI_INT, buf, rc, rd, MPI_INT, ic, ni, &r_));
        } else {
            for (int j = 0; j < R; j++) {
                sd[j] *= (int)sizeof(int);
                rd[j] *= (int)sizeof(int);
            }
            FORMS(what, form, MPI_Alltoallw(sbuf, sc, sd, ty, buf, rc, rd, ty, ic),
                  MPI_Ialltoallw(sbuf, sc, sd, ty, buf, rc, rd, ty, ic, &r_),
                  MPI_Alltoallw_init(sbuf, sc, sd, ty, buf, rc, rd, ty, ic, ni, &r_));
        }
        expect_buf(what, form, buf, want, big);
    }

    /* Allreduce: the sum over the remote group. */
    for (int i = 0; i < big; i++)
        buf[i] = want[i] = sbuf[i] = SENTINEL;
    for (int i = 0; i < K; i++) {
        sbuf[i] = v(g, lr, i);
        want[i] = 0;
        for (int j = 0; j < R; j++)
            want[i] += v(1 - g, j, i);
    }
    FORMS("MPI_Allreduce", form, MPI_Allreduce(sbuf, buf, K, MPI_INT, MPI_SUM, ic),
          MPI_Iallreduce(sbuf, buf, K, MPI_INT, MPI_SUM, ic, &r_),
          MPI_Allreduce_init(sbuf, buf, K, MPI_INT, MPI_SUM, ic, ni, &r_));
    expect_buf("MPI_Allreduce", form, buf, want, big);

    /* Reduce_scatter_block: both groups reduce T = L * R elements; each
     * group's sum is scattered over the other in blocks of T / size. */
    int T = L * R, blk = R;
    for (int i = 0; i < big; i++)
        buf[i] = want[i] = sbuf[i] = SENTINEL;
    for (int i = 0; i < T; i++)
        sbuf[i] = v(g, lr, i);
    for (int i = 0; i < blk; i++) {
        want[i] = 0;
        for (int j = 0; j < R; j++)
            want[i] += v(1 - g, j, lr * blk + i);
    }
    FORMS("MPI_Reduce_scatter_block", form,
          MPI_Reduce_scatter_block(sbuf, buf, blk, MPI_INT, MPI_SUM, ic),
          MPI_Ireduce_scatter_block(sbuf, buf, blk, MPI_INT, MPI_SUM, ic, &r_),
          MPI_Reduce_scatter_block_init(sbuf, buf, blk, MPI_INT, MPI_SUM, ic, ni, &r_));
    expect_buf("MPI_Reduce_scatter_block", form, buf, want, big);

    /* Reduce_scatter: uneven counts of the local group summing to T. */
    int sum = 0, first = 0;
    for (int j = 1; j < L; j++)
        sum += rc[j] = j % 3;
    rc[0] = T - sum;
    for (int j = 0; j < lr; j++)
        first += rc[j];
    for (int i = 0; i < big; i++)
        buf[i] = want[i] = SENTINEL;
    for (int i = 0; i < rc[lr]; i++) {
        want[i] = 0;
        for (int j = 0; j < R; j++)
            want[i] += v(1 - g, j, first + i);
    }
    FORMS("MPI_Reduce_scatter", form, MPI_Reduce_scatter(sbuf, buf, rc, MPI_INT, MPI_SUM, ic),
          MPI_Ireduce_scatter(sbuf, buf, rc, MPI_INT, MPI_SUM, ic, &r_),
          MPI_Reduce_scatter_init(sbuf, buf, rc, MPI_INT, MPI_SUM, ic, ni, &r_));
    expect_buf("MPI_Reduce_scatter", form, buf, want, big);

    free(buf);
    free(want);
    free(sbuf);
    free(sc);
    free(sd);
    free(rc);
    free(rd);
}

/* Scan and Exscan are intracommunicator-only. */
static void refused(MPI_Comm ic)
{
    int x = 1, y = 0, cls;
    MPI_Comm_set_errhandler(ic, MPI_ERRORS_RETURN);
    MPI_Error_class(MPI_Scan(&x, &y, 1, MPI_INT, MPI_SUM, ic), &cls);
    CHECK(cls == MPI_ERR_COMM, "MPI_Scan on an intercommunicator: class %d", cls);
#ifdef LARK_MPI /* Open MPI 4.1's MPI_Iexscan crashes on an intercommunicator */
    MPI_Request req = MPI_REQUEST_NULL;
    MPI_Error_class(MPI_Iexscan(&x, &y, 1, MPI_INT, MPI_SUM, ic, &req), &cls);
    CHECK(cls == MPI_ERR_COMM && req == MPI_REQUEST_NULL, "MPI_Iexscan: class %d", cls);
    MPI_Error_class(MPI_Allreduce(MPI_IN_PLACE, &y, 1, MPI_INT, MPI_SUM, ic), &cls);
    CHECK(cls != MPI_SUCCESS, "MPI_IN_PLACE on an intercommunicator was accepted");
#endif
    MPI_Comm_set_errhandler(ic, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv)
{
    int wsize;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &wsize);
    CHECK(wsize <= MAXN, "at most %d ranks", MAXN);
    for (int nlow = 1; nlow < wsize; nlow++) {
        MPI_Comm half, ic;
        g = wrank >= nlow;
        MPI_Comm_split(MPI_COMM_WORLD, g, wrank, &half);
        MPI_Intercomm_create(half, 0, MPI_COMM_WORLD, g ? 0 : nlow, 7, &ic);
        MPI_Comm_rank(ic, &lr);
        MPI_Comm_size(ic, &L);
        MPI_Comm_remote_size(ic, &R);
        for (int form = 0; form < NFORMS; form++) {
            unrooted(ic, form);
            /* Roots: the first and the last rank of each group. */
            for (int gr = 0; gr < 2; gr++) {
                int size = gr == g ? L : R;
                rooted(ic, form, gr, 0);
                if (size > 1)
                    rooted(ic, form, gr, size - 1);
            }
        }
        refused(ic);
        MPI_Comm_free(&ic);
        MPI_Comm_free(&half);
    }
    if (wrank == 0)
        printf("inter_coll: OK on %d ranks\n", wsize);
    MPI_Finalize();
    return 0;
}

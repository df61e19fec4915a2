/*
 * inter_coll.c -- every collective the standard defines on
 * intercommunicators (MPI 4.1 section 6.2.2), blocking, nonblocking and
 * persistent: Barrier, Bcast, Gather(v), Scatter(v), Allgather(v),
 * Alltoall(v,w), Reduce, Allreduce, Reduce_scatter(_block), with MPI_ROOT
 * and MPI_PROC_NULL roots on either side, over intercommunicators whose
 * groups have unequal sizes (the world split at every point).  Results
 * are checked against values computed here; buffers of processes that
 * take no part (MPI_PROC_NULL) must stay untouched.  Then derived
 * datatypes (strided vectors, a contiguous block type, a pair type),
 * other ops (MPI_MAX on doubles, MPI_BXOR, a non-commutative user op,
 * whose result must follow the remote group's rank order), and the
 * refusals: Scan and Exscan give MPI_ERR_COMM, MPI_IN_PLACE anywhere
 * gives an error (MPI_ERR_BUFFER in Lark).
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

/* x -> a x + b, composed: `in` (the lower rank) first, then inout. */
typedef struct {
    int a, b;
} affine;

static void compose(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void)type;
    affine *x = in, *y = inout;
    for (int i = 0; i < *len; i++) {
        affine r = {y[i].a * x[i].a, y[i].a * x[i].b + y[i].b};
        y[i] = r;
    }
}

static affine aff(int grp, int r, int i)
{
    return (affine){1 + (r + i + grp) % 2, r + 2 * i + grp};
}

/* Derived types and other ops. */
static void typed(MPI_Comm ic, int form)
{
    MPI_Info ni = MPI_INFO_NULL;
    (void)ni;
    MPI_Datatype vec, blk, pair;
    MPI_Type_vector(K, 1, 2, MPI_INT, &vec); /* K ints, every other one */
    MPI_Type_contiguous(K, MPI_INT, &blk);
    MPI_Type_contiguous(2, MPI_INT, &pair);
    MPI_Type_commit(&vec);
    MPI_Type_commit(&blk);
    MPI_Type_commit(&pair);
    int big = MAXN * 4 * K, *buf = ints(big, SENTINEL), *want = ints(big, SENTINEL);
    int *sbuf = ints(big, SENTINEL);

    /* Bcast of a strided vector from group 0's rank 0: holes untouched. */
    int root = g == 0 ? (lr == 0 ? MPI_ROOT : MPI_PROC_NULL) : 0;
    for (int i = 0; i < K && root != MPI_PROC_NULL; i++)
        buf[2 * i] = want[2 * i] = root == MPI_ROOT ? v(0, 0, i) : SENTINEL;
    if (root == 0)
        for (int i = 0; i < K; i++)
            want[2 * i] = v(0, 0, i);
    FORMS("MPI_Bcast (vector)", form, MPI_Bcast(buf, 1, vec, root, ic),
          MPI_Ibcast(buf, 1, vec, root, ic, &r_), MPI_Bcast_init(buf, 1, vec, root, ic, ni, &r_));
    expect_buf("MPI_Bcast (vector)", form, buf, want, big);

    /* Gather at group 1's last rank: K ints each, received as one block
     * type per remote process. */
    root = g == 1 ? (lr == L - 1 ? MPI_ROOT : MPI_PROC_NULL) : R - 1;
    for (int i = 0; i < big; i++)
        buf[i] = want[i] = sbuf[i] = SENTINEL;
    for (int i = 0; i < K; i++)
        sbuf[i] = v(g, lr, i);
    for (int j = 0; j < R && root == MPI_ROOT; j++)
        for (int i = 0; i < K; i++)
            want[j * K + i] = v(1 - g, j, i);
    FORMS("MPI_Gather (block type)", form, MPI_Gather(sbuf, K, MPI_INT, buf, 1, blk, root, ic),
          MPI_Igather(sbuf, K, MPI_INT, buf, 1, blk, root, ic, &r_),
          MPI_Gather_init(sbuf, K, MPI_INT, buf, 1, blk, root, ic, ni, &r_));
    expect_buf("MPI_Gather (block type)", form, buf, want, big);

    /* Alltoall: K ints to each remote process, received strided. */
    for (int i = 0; i < big; i++)
        buf[i] = want[i] = sbuf[i] = SENTINEL;
    for (int j = 0; j < R; j++)
        for (int i = 0; i < K; i++) {
            sbuf[j * K + i] = w(g, lr, j, i);
            /* vec's extent is 2K-1 ints: block j starts at j (2K-1). */
            want[j * (2 * K - 1) + 2 * i] = w(1 - g, j, lr, i);
        }
    FORMS("MPI_Alltoall (vector)", form, MPI_Alltoall(sbuf, K, MPI_INT, buf, 1, vec, ic),
          MPI_Ialltoall(sbuf, K, MPI_INT, buf, 1, vec, ic, &r_),
          MPI_Alltoall_init(sbuf, K, MPI_INT, buf, 1, vec, ic, ni, &r_));
    expect_buf("MPI_Alltoall (vector)", form, buf, want, big);

    /* Allreduce MPI_MAX on doubles. */
    double dmine[K], dgot[K], dwant[K];
    for (int i = 0; i < K; i++) {
        dmine[i] = (lr * 7 + i * 3) % 5 + 0.25 * g;
        dgot[i] = -1;
        dwant[i] = -1e9;
        for (int j = 0; j < R; j++) {
            double x = (j * 7 + i * 3) % 5 + 0.25 * (1 - g);
            dwant[i] = x > dwant[i] ? x : dwant[i];
        }
    }
    FORMS("MPI_Allreduce (MPI_MAX, double)", form,
          MPI_Allreduce(dmine, dgot, K, MPI_DOUBLE, MPI_MAX, ic),
          MPI_Iallreduce(dmine, dgot, K, MPI_DOUBLE, MPI_MAX, ic, &r_),
          MPI_Allreduce_init(dmine, dgot, K, MPI_DOUBLE, MPI_MAX, ic, ni, &r_));
    for (int i = 0; i < K; i++)
        CHECK(dgot[i] == dwant[i], "%s MPI_Allreduce (MPI_MAX): [%d] = %g, expected %g",
              form_names[form], i, dgot[i], dwant[i]);

    /* A non-commutative user op on a pair type: the remote group's
     * functions composed in its rank order; Allreduce, then Reduce at
     * group 0's rank 0. */
    MPI_Op op;
    MPI_Op_create(compose, 0, &op);
    affine amine[K], agot[K], awant[K];
    for (int i = 0; i < K; i++) {
        amine[i] = aff(g, lr, i);
        agot[i] = (affine){SENTINEL, SENTINEL};
        awant[i] = aff(1 - g, 0, i);
        for (int j = 1; j < R; j++) {
            affine x = aff(1 - g, j, i);
            awant[i] = (affine){x.a * awant[i].a, x.a * awant[i].b + x.b};
        }
    }
    FORMS("MPI_Allreduce (user op)", form, MPI_Allreduce(amine, agot, K, pair, op, ic),
          MPI_Iallreduce(amine, agot, K, pair, op, ic, &r_),
          MPI_Allreduce_init(amine, agot, K, pair, op, ic, ni, &r_));
    for (int i = 0; i < K; i++)
        CHECK(agot[i].a == awant[i].a && agot[i].b == awant[i].b,
              "%s MPI_Allreduce (user op): [%d] = (%d, %d), expected (%d, %d)", form_names[form], i,
              agot[i].a, agot[i].b, awant[i].a, awant[i].b);
    root = g == 0 ? (lr == 0 ? MPI_ROOT : MPI_PROC_NULL) : 0;
    for (int i = 0; i < K; i++)
        agot[i] = (affine){SENTINEL, SENTINEL};
    FORMS("MPI_Reduce (user op)", form, MPI_Reduce(amine, agot, K, pair, op, root, ic),
          MPI_Ireduce(amine, agot, K, pair, op, root, ic, &r_),
          MPI_Reduce_init(amine, agot, K, pair, op, root, ic, ni, &r_));
    for (int i = 0; i < K; i++) {
        affine want1 = root == MPI_ROOT ? awant[i] : (affine){SENTINEL, SENTINEL};
        CHECK(agot[i].a == want1.a && agot[i].b == want1.b,
              "%s MPI_Reduce (user op): [%d] = (%d, %d), expected (%d, %d)", form_names[form], i,
              agot[i].a, agot[i].b, want1.a, want1.b);
    }
    MPI_Op_free(&op);

    /* Reduce_scatter_block with MPI_BXOR on unsigned. */
    unsigned umine[MAXN], ugot[MAXN];
    for (int i = 0; i < L * R; i++)
        umine[i] = (unsigned)v(g, lr, i) * 2654435761u;
    for (int i = 0; i < R; i++)
        ugot[i] = 0;
    FORMS("MPI_Reduce_scatter_block (MPI_BXOR)", form,
          MPI_Reduce_scatter_block(umine, ugot, R, MPI_UNSIGNED, MPI_BXOR, ic),
          MPI_Ireduce_scatter_block(umine, ugot, R, MPI_UNSIGNED, MPI_BXOR, ic, &r_),
          MPI_Reduce_scatter_block_init(umine, ugot, R, MPI_UNSIGNED, MPI_BXOR, ic, ni, &r_));
    for (int i = 0; i < R; i++) {
        unsigned x = 0;
        for (int j = 0; j < R; j++)
            x ^= (unsigned)v(1 - g, j, lr * R + i) * 2654435761u;
        CHECK(ugot[i] == x, "%s MPI_Reduce_scatter_block (MPI_BXOR): [%d] = %u, expected %u",
              form_names[form], i, ugot[i], x);
    }

    MPI_Type_free(&vec);
    MPI_Type_free(&blk);
    MPI_Type_free(&pair);
    free(buf);
    free(want);
    free(sbuf);
}

/* MPI_IN_PLACE is not allowed on an intercommunicator (MPI 4.1 6.2.2):
 * every collective that takes it elsewhere refuses it, at every process,
 * before any traffic. */
static void in_place(MPI_Comm ic)
{
#ifdef LARK_MPI /* other implementations need not check (Open MPI 4.1 crashes) */
    int x[MAXN * K] = {0}, y[MAXN * K] = {0}, c[MAXN], d[MAXN], cls;
    MPI_Datatype t[MAXN];
    for (int i = 0; i < MAXN; i++) {
        c[i] = 1;
        d[i] = i;
        t[i] = MPI_INT;
    }
    int root = g == 0 ? (lr == 0 ? MPI_ROOT : MPI_PROC_NULL) : 0;
    MPI_Comm_set_errhandler(ic, MPI_ERRORS_RETURN);
#define REFUSED(call)                                                                              \
    do {                                                                                           \
        MPI_Error_class((call), &cls);                                                             \
        CHECK(cls == MPI_ERR_BUFFER, "%s with MPI_IN_PLACE on an intercommunicator: class %d",     \
              #call, cls);                                                                         \
    } while (0)
    REFUSED(MPI_Gather(MPI_IN_PLACE, 1, MPI_INT, y, 1, MPI_INT, root, ic));
    REFUSED(MPI_Gatherv(MPI_IN_PLACE, 1, MPI_INT, y, c, d, MPI_INT, root, ic));
    REFUSED(MPI_Scatter(x, 1, MPI_INT, MPI_IN_PLACE, 1, MPI_INT, root, ic));
    REFUSED(MPI_Scatterv(x, c, d, MPI_INT, MPI_IN_PLACE, 1, MPI_INT, root, ic));
    REFUSED(MPI_Reduce(MPI_IN_PLACE, y, 1, MPI_INT, MPI_SUM, root, ic));
    REFUSED(MPI_Allgather(MPI_IN_PLACE, 1, MPI_INT, y, 1, MPI_INT, ic));
    REFUSED(MPI_Allgatherv(MPI_IN_PLACE, 1, MPI_INT, y, c, d, MPI_INT, ic));
    REFUSED(MPI_Alltoall(MPI_IN_PLACE, 1, MPI_INT, y, 1, MPI_INT, ic));
    REFUSED(MPI_Alltoallv(MPI_IN_PLACE, c, d, MPI_INT, y, c, d, MPI_INT, ic));
    REFUSED(MPI_Alltoallw(MPI_IN_PLACE, c, d, t, y, c, d, t, ic));
    REFUSED(MPI_Allreduce(MPI_IN_PLACE, y, 1, MPI_INT, MPI_SUM, ic));
    REFUSED(MPI_Reduce_scatter_block(MPI_IN_PLACE, y, 1, MPI_INT, MPI_SUM, ic));
    REFUSED(MPI_Reduce_scatter(MPI_IN_PLACE, y, c, MPI_INT, MPI_SUM, ic));
    MPI_Request req = MPI_REQUEST_NULL;
    REFUSED(MPI_Iallreduce(MPI_IN_PLACE, y, 1, MPI_INT, MPI_SUM, ic, &req));
    CHECK(req == MPI_REQUEST_NULL, "a refused MPI_Iallreduce set a request");
    REFUSED(MPI_Allgather_init(MPI_IN_PLACE, 1, MPI_INT, y, 1, MPI_INT, ic, MPI_INFO_NULL, &req));
    CHECK(req == MPI_REQUEST_NULL, "a refused MPI_Allgather_init set a request");
#undef REFUSED
    MPI_Comm_set_errhandler(ic, MPI_ERRORS_ARE_FATAL);
#else
    (void)ic;
#endif
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
            typed(ic, form);
            /* Roots: the first and the last rank of each group. */
            for (int gr = 0; gr < 2; gr++) {
                int size = gr == g ? L : R;
                rooted(ic, form, gr, 0);
                if (size > 1)
                    rooted(ic, form, gr, size - 1);
            }
        }
        refused(ic);
        in_place(ic);
        MPI_Comm_free(&ic);
        MPI_Comm_free(&half);
    }
    if (wrank == 0)
        printf("inter_coll: OK on %d ranks\n", wsize);
    MPI_Finalize();
    return 0;
}

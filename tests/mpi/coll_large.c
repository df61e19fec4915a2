/*
 * coll_large.c -- the large-count (_c) collectives, called directly: every
 * one in its blocking, nonblocking and persistent form, with MPI_Count
 * counts and MPI_Aint displacements, the results checked against values
 * computed locally.  Then what only the _c forms can say: a count above
 * INT_MAX (of an empty datatype, so nothing moves) must not be cut to an
 * int, and a negative MPI_Count gives MPI_ERR_COUNT.
 *
 * Any number of ranks; exits non-zero on the first wrong answer.
 */
#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int wrank;
#define TEST_NAME "coll_large"
#include "check.h"

#define B 3 /* elements per block */

static int n, form;
static MPI_Request req = MPI_REQUEST_NULL;
static const char *const forms[] = {"blocking", "nonblocking", "persistent"};

static void done(int rc, const char *what)
{
    CHECK(rc == MPI_SUCCESS, "%s (%s) failed: %d", what, forms[form], rc);
    if (form == 2)
        MPI_Start(&req);
    if (form != 0)
        MPI_Wait(&req, MPI_STATUS_IGNORE);
    if (form == 2)
        MPI_Request_free(&req);
}

/* One call in the form under test: blocking X, nonblocking IX, X_init. */
#define COLL(X, IX, XINIT, ...)                                                                    \
    done(form == 0   ? X(__VA_ARGS__)                                                              \
         : form == 1 ? IX(__VA_ARGS__, &req)                                                       \
                     : XINIT(__VA_ARGS__, MPI_INFO_NULL, &req),                                    \
         #X)

static int v(int r, int i)
{
    return r * 100 + i;
}

static void expect(const int *got, int r, int first, int count, const char *what)
{
    for (int i = 0; i < count; i++)
        CHECK(got[i] == v(r, first + i), "%s (%s): element %d is %d, expected %d", what,
              forms[form], i, got[i], v(r, first + i));
}

static void rooted(void)
{
    int root = n - 1, *all = malloc(sizeof(int) * B * n), mine[B];
    MPI_Count *cnt = malloc(sizeof(MPI_Count) * n);
    MPI_Aint *dis = malloc(sizeof(MPI_Aint) * n);
    for (int i = 0; i < n; i++) {
        cnt[i] = B;
        dis[i] = (MPI_Aint)(n - 1 - i) * B; /* blocks in reverse order */
    }

    for (int i = 0; i < B; i++)
        mine[i] = wrank == root ? v(root, i) : -1;
    COLL(MPI_Bcast_c, MPI_Ibcast_c, MPI_Bcast_init_c, mine, (MPI_Count)B, MPI_INT, root,
         MPI_COMM_WORLD);
    expect(mine, root, 0, B, "MPI_Bcast_c");

    for (int i = 0; i < B; i++)
        mine[i] = v(wrank, i);
    memset(all, 0xff, sizeof(int) * B * n);
    COLL(MPI_Gather_c, MPI_Igather_c, MPI_Gather_init_c, mine, (MPI_Count)B, MPI_INT, all,
         (MPI_Count)B, MPI_INT, root, MPI_COMM_WORLD);
    for (int r = 0; r < n && wrank == root; r++)
        expect(all + r * B, r, 0, B, "MPI_Gather_c");
    memset(all, 0xff, sizeof(int) * B * n);
    COLL(MPI_Gatherv_c, MPI_Igatherv_c, MPI_Gatherv_init_c, mine, (MPI_Count)B, MPI_INT, all, cnt,
         dis, MPI_INT, root, MPI_COMM_WORLD);
    for (int r = 0; r < n && wrank == root; r++)
        expect(all + dis[r], r, 0, B, "MPI_Gatherv_c");

    /* The root's buffer holds block r for rank r (v(r, .)). */
    for (int r = 0; r < n; r++)
        for (int i = 0; i < B; i++)
            all[r * B + i] = v(r, i);
    memset(mine, 0xff, sizeof mine);
    COLL(MPI_Scatter_c, MPI_Iscatter_c, MPI_Scatter_init_c, all, (MPI_Count)B, MPI_INT, mine,
         (MPI_Count)B, MPI_INT, root, MPI_COMM_WORLD);
    expect(mine, wrank, 0, B, "MPI_Scatter_c");
    for (int r = 0; r < n; r++)
        for (int i = 0; i < B; i++)
            all[dis[r] + i] = v(r, i);
    memset(mine, 0xff, sizeof mine);
    COLL(MPI_Scatterv_c, MPI_Iscatterv_c, MPI_Scatterv_init_c, all, cnt, dis, MPI_INT, mine,
         (MPI_Count)B, MPI_INT, root, MPI_COMM_WORLD);
    expect(mine, wrank, 0, B, "MPI_Scatterv_c");
    free(all);
    free(cnt);
    free(dis);
}

static void everyone(void)
{
    int mine[B], *all = malloc(sizeof(int) * B * n), *snd = malloc(sizeof(int) * B * n);
    MPI_Count *cnt = malloc(sizeof(MPI_Count) * n);
    MPI_Aint *dis = malloc(sizeof(MPI_Aint) * n), *bdis = malloc(sizeof(MPI_Aint) * n);
    MPI_Datatype *types = malloc(sizeof(MPI_Datatype) * n);
    for (int i = 0; i < n; i++) {
        cnt[i] = B;
        dis[i] = (MPI_Aint)(n - 1 - i) * B;
        bdis[i] = dis[i] * (MPI_Aint)sizeof(int);
        types[i] = MPI_INT;
    }
    for (int i = 0; i < B; i++)
        mine[i] = v(wrank, i);

    memset(all, 0xff, sizeof(int) * B * n);
    COLL(MPI_Allgather_c, MPI_Iallgather_c, MPI_Allgather_init_c, mine, (MPI_Count)B, MPI_INT, all,
         (MPI_Count)B, MPI_INT, MPI_COMM_WORLD);
    for (int r = 0; r < n; r++)
        expect(all + r * B, r, 0, B, "MPI_Allgather_c");
    memset(all, 0xff, sizeof(int) * B * n);
    COLL(MPI_Allgatherv_c, MPI_Iallgatherv_c, MPI_Allgatherv_init_c, mine, (MPI_Count)B, MPI_INT,
         all, cnt, dis, MPI_INT, MPI_COMM_WORLD);
    for (int r = 0; r < n; r++)
        expect(all + dis[r], r, 0, B, "MPI_Allgatherv_c");

    /* Alltoall: block d of rank r's send buffer is v(r, d * B + .). */
    for (int d = 0; d < n; d++)
        for (int i = 0; i < B; i++)
            snd[d * B + i] = v(wrank, d * B + i);
    memset(all, 0xff, sizeof(int) * B * n);
    COLL(MPI_Alltoall_c, MPI_Ialltoall_c, MPI_Alltoall_init_c, snd, (MPI_Count)B, MPI_INT, all,
         (MPI_Count)B, MPI_INT, MPI_COMM_WORLD);
    for (int r = 0; r < n; r++)
        expect(all + r * B, r, wrank * B, B, "MPI_Alltoall_c");
    memset(all, 0xff, sizeof(int) * B * n);
    COLL(MPI_Alltoallv_c, MPI_Ialltoallv_c, MPI_Alltoallv_init_c, snd, cnt, dis, MPI_INT, all, cnt,
         dis, MPI_INT, MPI_COMM_WORLD);
    /* Rank r sent its block at dis[wrank], i.e. v(r, (n-1-wrank)*B + .). */
    for (int r = 0; r < n; r++)
        expect(all + dis[r], r, (n - 1 - wrank) * B, B, "MPI_Alltoallv_c");
    memset(all, 0xff, sizeof(int) * B * n);
    COLL(MPI_Alltoallw_c, MPI_Ialltoallw_c, MPI_Alltoallw_init_c, snd, cnt, bdis, types, all, cnt,
         bdis, types, MPI_COMM_WORLD);
    for (int r = 0; r < n; r++)
        expect(all + dis[r], r, (n - 1 - wrank) * B, B, "MPI_Alltoallw_c");
    free(all);
    free(snd);
    free(cnt);
    free(dis);
    free(bdis);
    free(types);
}

/* Sum over ranks lo..hi-1 of v(r, i). */
static int sum(int lo, int hi, int i)
{
    int s = 0;
    for (int r = lo; r < hi; r++)
        s += v(r, i);
    return s;
}

static void reductions(void)
{
    int root = n / 2, len = B * n, *in = malloc(sizeof(int) * len),
        *out = malloc(sizeof(int) * len);
    MPI_Count *cnt = malloc(sizeof(MPI_Count) * n);
    for (int i = 0; i < len; i++)
        in[i] = v(wrank, i);
    for (int i = 0; i < n; i++)
        cnt[i] = B;

    memset(out, 0xff, sizeof(int) * len);
    COLL(MPI_Reduce_c, MPI_Ireduce_c, MPI_Reduce_init_c, in, out, (MPI_Count)len, MPI_INT, MPI_SUM,
         root, MPI_COMM_WORLD);
    for (int i = 0; i < len && wrank == root; i++)
        CHECK(out[i] == sum(0, n, i), "MPI_Reduce_c (%s): [%d] = %d", forms[form], i, out[i]);
    memset(out, 0xff, sizeof(int) * len);
    COLL(MPI_Allreduce_c, MPI_Iallreduce_c, MPI_Allreduce_init_c, in, out, (MPI_Count)len, MPI_INT,
         MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i < len; i++)
        CHECK(out[i] == sum(0, n, i), "MPI_Allreduce_c (%s): [%d] = %d", forms[form], i, out[i]);
    memset(out, 0xff, sizeof(int) * len);
    COLL(MPI_Reduce_scatter_c, MPI_Ireduce_scatter_c, MPI_Reduce_scatter_init_c, in, out, cnt,
         MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i < B; i++)
        CHECK(out[i] == sum(0, n, wrank * B + i), "MPI_Reduce_scatter_c (%s): [%d] = %d",
              forms[form], i, out[i]);
    memset(out, 0xff, sizeof(int) * len);
    COLL(MPI_Reduce_scatter_block_c, MPI_Ireduce_scatter_block_c, MPI_Reduce_scatter_block_init_c,
         in, out, (MPI_Count)B, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i < B; i++)
        CHECK(out[i] == sum(0, n, wrank * B + i), "MPI_Reduce_scatter_block_c (%s): [%d] = %d",
              forms[form], i, out[i]);
    memset(out, 0xff, sizeof(int) * len);
    COLL(MPI_Scan_c, MPI_Iscan_c, MPI_Scan_init_c, in, out, (MPI_Count)B, MPI_INT, MPI_SUM,
         MPI_COMM_WORLD);
    for (int i = 0; i < B; i++)
        CHECK(out[i] == sum(0, wrank + 1, i), "MPI_Scan_c (%s): [%d] = %d", forms[form], i, out[i]);
    memset(out, 0xff, sizeof(int) * len);
    COLL(MPI_Exscan_c, MPI_Iexscan_c, MPI_Exscan_init_c, in, out, (MPI_Count)B, MPI_INT, MPI_SUM,
         MPI_COMM_WORLD);
    for (int i = 0; i < B && wrank > 0; i++)
        CHECK(out[i] == sum(0, wrank, i), "MPI_Exscan_c (%s): [%d] = %d", forms[form], i, out[i]);
    free(in);
    free(out);
    free(cnt);
}

/* The neighbourhood collectives on a periodic ring: left then right (3
 * ranks or more: with 1 or 2 both neighbours are one process, and
 * implementations disagree on which block comes from which side). */
static void neighbours(void)
{
    int dims[1] = {n}, periods[1] = {1}, mine[B], got[2 * B], snd[2 * B];
    MPI_Comm ring;
    MPI_Cart_create(MPI_COMM_WORLD, 1, dims, periods, 0, &ring);
    int left = (wrank - 1 + n) % n, right = (wrank + 1) % n;
    MPI_Count cnt[2] = {B, B};
    MPI_Aint dis[2] = {B, 0}, bdis[2] = {B * sizeof(int), 0};
    MPI_Datatype types[2] = {MPI_INT, MPI_INT};
    for (int i = 0; i < B; i++)
        mine[i] = v(wrank, i);
    for (int i = 0; i < 2 * B; i++)
        snd[i] = v(wrank, i);

    COLL(MPI_Neighbor_allgather_c, MPI_Ineighbor_allgather_c, MPI_Neighbor_allgather_init_c, mine,
         (MPI_Count)B, MPI_INT, got, (MPI_Count)B, MPI_INT, ring);
    expect(got, left, 0, B, "MPI_Neighbor_allgather_c");
    expect(got + B, right, 0, B, "MPI_Neighbor_allgather_c");
    COLL(MPI_Neighbor_allgatherv_c, MPI_Ineighbor_allgatherv_c, MPI_Neighbor_allgatherv_init_c,
         mine, (MPI_Count)B, MPI_INT, got, cnt, dis, MPI_INT, ring);
    expect(got + B, left, 0, B, "MPI_Neighbor_allgatherv_c");
    expect(got, right, 0, B, "MPI_Neighbor_allgatherv_c");
    /* Block 0 goes left, block 1 right: from the left comes its block 1. */
    COLL(MPI_Neighbor_alltoall_c, MPI_Ineighbor_alltoall_c, MPI_Neighbor_alltoall_init_c, snd,
         (MPI_Count)B, MPI_INT, got, (MPI_Count)B, MPI_INT, ring);
    expect(got, left, B, B, "MPI_Neighbor_alltoall_c");
    expect(got + B, right, 0, B, "MPI_Neighbor_alltoall_c");
    COLL(MPI_Neighbor_alltoallv_c, MPI_Ineighbor_alltoallv_c, MPI_Neighbor_alltoallv_init_c, snd,
         cnt, dis, MPI_INT, got, cnt, dis, MPI_INT, ring);
    /* Block 0 (to the left) is snd + B now, block 1 snd; received block 0
     * (from the left) lands at got + B. */
    expect(got + B, left, 0, B, "MPI_Neighbor_alltoallv_c");
    expect(got, right, B, B, "MPI_Neighbor_alltoallv_c");
    COLL(MPI_Neighbor_alltoallw_c, MPI_Ineighbor_alltoallw_c, MPI_Neighbor_alltoallw_init_c, snd,
         cnt, bdis, types, got, cnt, bdis, types, ring);
    expect(got + B, left, 0, B, "MPI_Neighbor_alltoallw_c");
    expect(got, right, B, B, "MPI_Neighbor_alltoallw_c");
    MPI_Comm_free(&ring);
}

/* A count above INT_MAX of an empty type, and a negative count. */
static void counts(void)
{
    MPI_Datatype empty;
    MPI_Type_contiguous(0, MPI_INT, &empty);
    MPI_Type_commit(&empty);
    MPI_Count huge = (MPI_Count)INT_MAX + 5;
    int rc = MPI_Bcast_c(NULL, huge, empty, 0, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "MPI_Bcast_c of %lld empty elements failed: %d", (long long)huge, rc);
    int none[2]; /* never read or written: huge * 0 bytes */
    rc = MPI_Allgather_c(&none[0], huge, empty, &none[1], huge, empty, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "MPI_Allgather_c of %lld empty elements failed: %d", (long long)huge,
          rc);
    MPI_Type_free(&empty);

    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int x = 0, cls = -1;
    rc = MPI_Bcast_c(&x, (MPI_Count)-1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_COUNT, "MPI_Bcast_c with count -1: class %d, expected MPI_ERR_COUNT", cls);
    MPI_Count bad[64];
    MPI_Aint dis[64] = {0};
    for (int i = 0; i < 64; i++)
        bad[i] = -2;
    if (n <= 64) {
        rc = MPI_Reduce_scatter_c(&x, &x, bad, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_COUNT, "MPI_Reduce_scatter_c with counts -2: class %d", cls);
        /* Every rank's own count is bad too, so nobody sends. */
        rc = MPI_Gatherv_c(&x, (MPI_Count)-2, MPI_INT, &x, bad, dis, MPI_INT, 0, MPI_COMM_WORLD);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_COUNT, "MPI_Gatherv_c with counts -2: class %d", cls);
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Barrier(MPI_COMM_WORLD);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &n);
    for (form = 0; form < 3; form++) {
        rooted();
        everyone();
        reductions();
        if (n >= 3)
            neighbours();
    }
    int in[B], io[B];
    for (int i = 0; i < B; i++) {
        in[i] = v(1, i);
        io[i] = v(2, i);
    }
    CHECK(MPI_Reduce_local_c(in, io, (MPI_Count)B, MPI_INT, MPI_SUM) == MPI_SUCCESS,
          "MPI_Reduce_local_c");
    for (int i = 0; i < B; i++)
        CHECK(io[i] == v(1, i) + v(2, i), "MPI_Reduce_local_c: [%d] = %d", i, io[i]);
    counts();
    if (wrank == 0)
        printf("coll_large: every _c collective correct in all three forms on %d ranks\n", n);
    MPI_Finalize();
    return 0;
}

/*
 * rma_ddt.c -- one-sided calls with derived target datatypes.
 *
 * Every rank targets its right neighbour's window (of doubles) with a
 * contiguous origin and a derived target type: vectors, an indexed type
 * with displacements out of order, a subarray, a struct of mixed types
 * (put and get only), a large vector (many active-message frames over
 * TCP).  Put, Get, Accumulate (MPI_SUM) and Get_accumulate, under fence,
 * on windows made by MPI_Win_allocate and MPI_Win_create.  What must land
 * is computed with MPI_Pack/MPI_Unpack of the same types on a copy of the
 * window, gaps included.  With --strict: accumulate into a mixed struct is
 * MPI_ERR_TYPE (erroneous; MPICH does not check, Open MPI says MPI_ERR_ARG).
 * Standard MPI only (checked against Open MPI and MPICH on 2 and 3 ranks).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_NAME "rma_ddt"
static int wrank;
#include "check.h"

#define OK(call) CHECK((call) == MPI_SUCCESS, "%s failed", #call)
#define WIN_N    45000 /* doubles in each window */

static int size, right, left;

static double init_val(int r, int i)
{
    return r * 100000.0 + i;
}

static double origin_val(int r, int k)
{
    return -(r * 1000.0 + k) - 0.5;
}

static void fill(double *mem, int r)
{
    for (int i = 0; i < WIN_N; i++)
        mem[i] = init_val(r, i);
}

/* The window of rank r after `n` packed doubles `in` were unpacked (or
 * added, `add`) into it through (tdisp, tcount, ttype). */
static void expect(double *want, int r, MPI_Aint tdisp, int tcount, MPI_Datatype ttype,
                   const double *in, int n, int add)
{
    fill(want, r);
    int bytes = n * (int)sizeof(double), pos = 0;
    double *packed = malloc((size_t)bytes);
    CHECK(packed != NULL, "out of memory");
    if (add) {
        OK(MPI_Pack(want + tdisp, tcount, ttype, packed, bytes, &pos, MPI_COMM_SELF));
        for (int k = 0; k < n; k++)
            packed[k] += in[k];
    } else {
        memcpy(packed, in, (size_t)bytes);
    }
    pos = 0;
    OK(MPI_Unpack(packed, bytes, &pos, want + tdisp, tcount, ttype, MPI_COMM_SELF));
    free(packed);
}

/* Put, Get, Accumulate and Get_accumulate of tcount ttype at tdisp. */
static void one_type(MPI_Win win, double *mem, MPI_Datatype ttype, int tcount, MPI_Aint tdisp,
                     int acc, const char *what)
{
    int tsize;
    OK(MPI_Type_commit(&ttype));
    OK(MPI_Type_size(ttype, &tsize));
    int n = tsize * tcount / (int)sizeof(double);
    double *org = malloc(sizeof(double) * (size_t)n), *lorg = malloc(sizeof(double) * (size_t)n);
    double *want = malloc(sizeof(double) * WIN_N), *got = malloc(sizeof(double) * (size_t)n);
    CHECK(org && lorg && want && got, "out of memory");
    for (int k = 0; k < n; k++) {
        org[k] = origin_val(wrank, k);
        lorg[k] = origin_val(left, k);
    }

    /* Put: our origin into the right neighbour; the left one's into us. */
    fill(mem, wrank);
    OK(MPI_Win_fence(0, win));
    OK(MPI_Put(org, n, MPI_DOUBLE, right, tdisp, tcount, ttype, win));
    OK(MPI_Win_fence(0, win));
    expect(want, wrank, tdisp, tcount, ttype, lorg, n, 0);
    for (int i = 0; i < WIN_N; i++)
        CHECK(mem[i] == want[i], "%s: put: window[%d] = %.17g, want %.17g", what, i, mem[i],
              want[i]);

    /* Get: the right neighbour's (reset) window through the type. */
    fill(mem, wrank);
    OK(MPI_Win_fence(0, win));
    OK(MPI_Get(got, n, MPI_DOUBLE, right, tdisp, tcount, ttype, win));
    OK(MPI_Win_fence(0, win));
    fill(want, right);
    int pos = 0;
    OK(MPI_Pack(want + tdisp, tcount, ttype, org, n * (int)sizeof(double), &pos, MPI_COMM_SELF));
    for (int k = 0; k < n; k++)
        CHECK(got[k] == org[k], "%s: get: [%d] = %.17g, want %.17g", what, k, got[k], org[k]);

    if (acc) {
        /* Accumulate: the window plus the left neighbour's origin. */
        for (int k = 0; k < n; k++)
            org[k] = origin_val(wrank, k);
        OK(MPI_Win_fence(0, win));
        OK(MPI_Accumulate(org, n, MPI_DOUBLE, right, tdisp, tcount, ttype, MPI_SUM, win));
        OK(MPI_Win_fence(0, win));
        expect(want, wrank, tdisp, tcount, ttype, lorg, n, 1);
        for (int i = 0; i < WIN_N; i++)
            CHECK(mem[i] == want[i], "%s: accumulate: window[%d] = %.17g, want %.17g", what, i,
                  mem[i], want[i]);
        /* Get_accumulate: fetches the sums, adds once more (after a fence:
         * the neighbours must be done reading their windows). */
        OK(MPI_Win_fence(0, win));
        OK(MPI_Get_accumulate(org, n, MPI_DOUBLE, got, n, MPI_DOUBLE, right, tdisp, tcount, ttype,
                              MPI_SUM, win));
        OK(MPI_Win_fence(0, win));
        double *rwant = malloc(sizeof(double) * WIN_N);
        CHECK(rwant != NULL, "out of memory");
        expect(rwant, right, tdisp, tcount, ttype, org, n, 1); /* right's window before */
        pos = 0;
        double *fetched = malloc(sizeof(double) * (size_t)n);
        CHECK(fetched != NULL, "out of memory");
        OK(MPI_Pack(rwant + tdisp, tcount, ttype, fetched, n * (int)sizeof(double), &pos,
                    MPI_COMM_SELF));
        for (int k = 0; k < n; k++)
            CHECK(got[k] == fetched[k], "%s: get_accumulate fetched [%d] = %.17g, want %.17g", what,
                  k, got[k], fetched[k]);
        for (int k = 0; k < n; k++)
            lorg[k] *= 2;
        expect(want, wrank, tdisp, tcount, ttype, lorg, n, 1);
        for (int i = 0; i < WIN_N; i++)
            CHECK(mem[i] == want[i], "%s: get_accumulate: window[%d] = %.17g, want %.17g", what, i,
                  mem[i], want[i]);
        free(rwant);
        free(fetched);
    }
    OK(MPI_Win_fence(0, win));
    OK(MPI_Type_free(&ttype));
    free(org);
    free(lorg);
    free(want);
    free(got);
}

static void all_types(MPI_Win win, double *mem)
{
    MPI_Datatype t;
    OK(MPI_Type_vector(10, 2, 5, MPI_DOUBLE, &t));
    one_type(win, mem, t, 1, 3, 1, "vector");
    OK(MPI_Type_vector(10, 2, 5, MPI_DOUBLE, &t));
    one_type(win, mem, t, 3, 100, 1, "3 vectors");
    int bl[3] = {3, 1, 2}, di[3] = {7, 0, 20};
    OK(MPI_Type_indexed(3, bl, di, MPI_DOUBLE, &t));
    one_type(win, mem, t, 4, 11, 1, "indexed out of order");
    int sizes[2] = {16, 16}, sub[2] = {6, 10}, starts[2] = {4, 2};
    OK(MPI_Type_create_subarray(2, sizes, sub, starts, MPI_ORDER_C, MPI_DOUBLE, &t));
    one_type(win, mem, t, 1, 500, 1, "subarray");
    /* {double, int} pairs packed as 12 bytes each: a mixed struct, so
     * put and get only.  The origin's doubles are reinterpreted bytes. */
    int sbl[2] = {1, 2};
    MPI_Aint sd[2] = {0, 8};
    MPI_Datatype sty[2] = {MPI_DOUBLE, MPI_INT}, s;
    OK(MPI_Type_create_struct(2, sbl, sd, sty, &s));
    OK(MPI_Type_create_resized(s, 0, 24, &t));
    OK(MPI_Type_free(&s));
    one_type(win, mem, t, 8, 1000, 0, "mixed struct");
    OK(MPI_Type_vector(20000, 1, 2, MPI_DOUBLE, &t));
    one_type(win, mem, t, 1, 2000, 1, "large vector");
}

/* Accumulate into a mixed struct is not element-wise: MPI_ERR_TYPE. */
static void bad_acc(MPI_Win win)
{
    int bl[2] = {1, 1};
    MPI_Aint d[2] = {0, 8};
    MPI_Datatype ty[2] = {MPI_INT, MPI_DOUBLE}, t;
    OK(MPI_Type_create_struct(2, bl, d, ty, &t));
    OK(MPI_Type_commit(&t));
    OK(MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN));
    OK(MPI_Win_fence(0, win));
    char org[16] = {0};
    int rc = MPI_Accumulate(org, 12, MPI_BYTE, right, 0, 1, t, MPI_SUM, win);
    int cls = -1;
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_TYPE, "accumulate into a mixed struct: class %d, not MPI_ERR_TYPE", cls);
    OK(MPI_Win_fence(0, win));
    OK(MPI_Win_set_errhandler(win, MPI_ERRORS_ARE_FATAL));
    OK(MPI_Type_free(&t));
}

int main(int argc, char **argv)
{
    OK(MPI_Init(&argc, &argv));
    OK(MPI_Comm_rank(MPI_COMM_WORLD, &wrank));
    OK(MPI_Comm_size(MPI_COMM_WORLD, &size));
    right = (wrank + 1) % size;
    left = (wrank + size - 1) % size;
    double *mem;
    MPI_Win win;
    OK(MPI_Win_allocate(sizeof(double) * WIN_N, sizeof(double), MPI_INFO_NULL, MPI_COMM_WORLD, &mem,
                        &win));
    all_types(win, mem);
    if (argc > 1 && strcmp(argv[1], "--strict") == 0)
        bad_acc(win);
    OK(MPI_Win_free(&win));
    mem = malloc(sizeof(double) * WIN_N);
    CHECK(mem != NULL, "out of memory");
    OK(MPI_Win_create(mem, sizeof(double) * WIN_N, sizeof(double), MPI_INFO_NULL, MPI_COMM_WORLD,
                      &win));
    all_types(win, mem);
    OK(MPI_Win_free(&win));
    free(mem);
    OK(MPI_Barrier(MPI_COMM_WORLD));
    if (wrank == 0)
        printf("rma_ddt: OK\n");
    OK(MPI_Finalize());
    return 0;
}

/*
 * rma_basic.c -- every window flavour with every communication call under
 * fence synchronisation, plus the window queries (attributes, group, name)
 * and the request-based calls under lock_all, and 2 MiB transfers at odd
 * offsets.  Each rank checks what it reads back.  Runs on any number of ranks; standard MPI only
 * (builds with Open MPI and MPICH too; the MPI-4 large-count calls only where MPI_VERSION >= 4).
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_NAME "rma_basic"
static int wrank;
#include "check.h"

#define N 64

static int rank, size;

/* Fill: value of element i of rank r's window. */
static int val(int r, int i)
{
    return r * 1000 + i;
}

/* The communication calls on window win whose memory on this rank is
 * `mem` (N ints, disp_unit `du` bytes, `dyn`: a dynamic window with the
 * peers' addresses in `addrs`). */
static void exercise(MPI_Win win, int *mem, int du, int dyn, const MPI_Aint *addrs)
{
    int right = (rank + 1) % size, left = (rank + size - 1) % size;
    int buf[N], res[N];
    MPI_Aint scale = dyn ? 1 : (MPI_Aint)(sizeof(int) / du);
#define DISP(r, i) (dyn ? addrs[r] + (MPI_Aint)(i) * (MPI_Aint)sizeof(int) : (MPI_Aint)(i)*scale)
    for (int i = 0; i < N; i++)
        mem[i] = val(rank, i);
    MPI_Win_fence(0, win);

    /* Get the right neighbour's whole window. */
    MPI_Get(buf, N, MPI_INT, right, DISP(right, 0), N, MPI_INT, win);
    MPI_Win_fence(0, win);
    for (int i = 0; i < N; i++)
        CHECK(buf[i] == val(right, i), "get[%d] = %d, want %d", i, buf[i], val(right, i));

    /* Put into the right neighbour's first half. */
    for (int i = 0; i < N / 2; i++)
        buf[i] = -val(rank, i);
    MPI_Put(buf, N / 2, MPI_INT, right, DISP(right, 0), N / 2, MPI_INT, win);
    MPI_Win_fence(0, win);
    for (int i = 0; i < N / 2; i++)
        CHECK(mem[i] == -val(left, i), "put landed %d at %d, want %d", mem[i], i, -val(left, i));
    for (int i = N / 2; i < N; i++)
        CHECK(mem[i] == val(rank, i), "put overran: [%d] = %d", i, mem[i]);

    /* Every rank adds its rank+1 to element 40 of every rank. */
    MPI_Win_fence(0, win);
    for (int r = 0; r < size; r++) {
        int one = rank + 1;
        MPI_Accumulate(&one, 1, MPI_INT, r, DISP(r, 40), 1, MPI_INT, MPI_SUM, win);
    }
    MPI_Win_fence(0, win);
    CHECK(mem[40] == val(rank, 40) + size * (size + 1) / 2, "accumulate: %d, want %d", mem[40],
          val(rank, 40) + size * (size + 1) / 2);

    /* Get_accumulate with MPI_MAX on the left neighbour's [44..47]. */
    for (int i = 0; i < 4; i++)
        buf[i] = 5000000 + i;
    MPI_Get_accumulate(buf, 4, MPI_INT, res, 4, MPI_INT, left, DISP(left, 44), 4, MPI_INT, MPI_MAX,
                       win);
    MPI_Win_fence(0, win);
    for (int i = 0; i < 4; i++) {
        CHECK(res[i] == val(left, 44 + i), "get_accumulate fetched %d", res[i]);
        CHECK(mem[44 + i] == 5000000 + i, "get_accumulate max left %d", mem[44 + i]);
    }

    /* Fetch_and_op (SUM, then NO_OP) and Compare_and_swap on element 50. */
    int one = 1, old = -1;
    MPI_Fetch_and_op(&one, &old, MPI_INT, right, DISP(right, 50), MPI_SUM, win);
    MPI_Win_fence(0, win);
    CHECK(old == val(right, 50), "fetch_and_op fetched %d, want %d", old, val(right, 50));
    CHECK(mem[50] == val(rank, 50) + 1, "fetch_and_op left %d", mem[50]);
    MPI_Fetch_and_op(NULL, &old, MPI_INT, right, DISP(right, 50), MPI_NO_OP, win);
    MPI_Win_fence(0, win);
    CHECK(old == val(right, 50) + 1, "fetch_and_op NO_OP read %d", old);
    int cmp = val(right, 50) + 1, nv = 7, got = 0;
    MPI_Compare_and_swap(&nv, &cmp, &got, MPI_INT, right, DISP(right, 50), win);
    MPI_Win_fence(0, win);
    CHECK(got == val(right, 50) + 1 && mem[50] == 7, "cas: got %d, mem %d", got, mem[50]);
    cmp = 12345;
    nv = 9;
    MPI_Compare_and_swap(&nv, &cmp, &got, MPI_INT, right, DISP(right, 50), win);
    MPI_Win_fence(0, win);
    CHECK(got == 7 && mem[50] == 7, "failed cas changed memory: got %d, mem %d", got, mem[50]);

    /* Accumulate with MPI_REPLACE, and doubles through MPI_BYTE-free path. */
    int rep[2] = {rank, rank};
    MPI_Accumulate(rep, 2, MPI_INT, right, DISP(right, 60), 2, MPI_INT, MPI_REPLACE, win);
    MPI_Win_fence(0, win);
    CHECK(mem[60] == left && mem[61] == left, "replace: %d %d", mem[60], mem[61]);

    /* Request-based calls in a passive epoch. */
    MPI_Win_lock_all(0, win);
    MPI_Request rq[3];
    int two[2] = {rank * 3, rank * 3 + 1}, back[2] = {0, 0}, fetched[2] = {0, 0};
    MPI_Rput(two, 2, MPI_INT, right, DISP(right, 2), 2, MPI_INT, win, &rq[0]);
    MPI_Wait(&rq[0], MPI_STATUS_IGNORE);
    MPI_Win_flush(right, win);
    MPI_Rget(back, 2, MPI_INT, right, DISP(right, 2), 2, MPI_INT, win, &rq[1]);
    MPI_Wait(&rq[1], MPI_STATUS_IGNORE);
    CHECK(back[0] == rank * 3 && back[1] == rank * 3 + 1, "rget after rput: %d %d", back[0],
          back[1]);
    MPI_Raccumulate(two, 2, MPI_INT, right, DISP(right, 2), 2, MPI_INT, MPI_SUM, win, &rq[0]);
    MPI_Rget_accumulate(NULL, 0, MPI_INT, fetched, 2, MPI_INT, right, DISP(right, 2), 2, MPI_INT,
                        MPI_NO_OP, win, &rq[1]);
    MPI_Rget(back, 2, MPI_INT, right, DISP(right, 2), 2, MPI_INT, win, &rq[2]);
    MPI_Waitall(3, rq, MPI_STATUSES_IGNORE);
    MPI_Win_flush_all(win);
    CHECK(fetched[0] == 2 * rank * 3 && fetched[1] == 2 * (rank * 3 + 1),
          "rget_accumulate after raccumulate: %d %d", fetched[0], fetched[1]);
    MPI_Win_unlock_all(win);
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(mem[2] == 2 * left * 3, "raccumulate left %d", mem[2]);

#if MPI_VERSION >= 4
    /* Large-count forms. */
    MPI_Win_fence(0, win);
    MPI_Put_c(buf, (MPI_Count)3, MPI_INT, right, DISP(right, 20), (MPI_Count)3, MPI_INT, win);
    MPI_Win_fence(0, win);
    MPI_Get_c(res, (MPI_Count)3, MPI_INT, right, DISP(right, 20), (MPI_Count)3, MPI_INT, win);
    MPI_Win_fence(0, win);
    CHECK(memcmp(res, buf, 3 * sizeof(int)) == 0, "put_c/get_c round trip");
    MPI_Accumulate_c(buf, (MPI_Count)1, MPI_INT, right, DISP(right, 30), (MPI_Count)1, MPI_INT,
                     MPI_BXOR, win);
    MPI_Win_fence(0, win);
    CHECK(mem[30] == (-val(left, 30) ^ 5000000), "accumulate_c bxor: %d", mem[30]);
#endif
    MPI_Win_fence(MPI_MODE_NOSUCCEED, win);
}

static void check_attrs(MPI_Win win, void *base, MPI_Aint sz, int du, int flavor)
{
    void *b;
    MPI_Aint *s;
    int *d, *f, *m, flag;
    MPI_Win_get_attr(win, MPI_WIN_BASE, &b, &flag);
    CHECK(flag && b == base, "MPI_WIN_BASE %p, want %p", b, base);
    MPI_Win_get_attr(win, MPI_WIN_SIZE, &s, &flag);
    CHECK(flag && *s == sz, "MPI_WIN_SIZE %ld, want %ld", (long)*s, (long)sz);
    MPI_Win_get_attr(win, MPI_WIN_DISP_UNIT, &d, &flag);
    CHECK(flag && *d == du, "MPI_WIN_DISP_UNIT %d, want %d", *d, du);
    MPI_Win_get_attr(win, MPI_WIN_CREATE_FLAVOR, &f, &flag);
    CHECK(flag && *f == flavor, "MPI_WIN_CREATE_FLAVOR %d, want %d", *f, flavor);
    MPI_Win_get_attr(win, MPI_WIN_MODEL, &m, &flag);
    CHECK(flag && *m == MPI_WIN_UNIFIED, "MPI_WIN_MODEL %d", *m);
    MPI_Group g, wg;
    int gsize, grank, *in = malloc((size_t)size * sizeof(int)),
                      *out = malloc((size_t)size * sizeof(int));
    MPI_Win_get_group(win, &g);
    MPI_Comm_group(MPI_COMM_WORLD, &wg);
    MPI_Group_size(g, &gsize);
    MPI_Group_rank(g, &grank);
    CHECK(gsize == size && grank == rank, "window group: size %d rank %d", gsize, grank);
    for (int i = 0; i < size; i++)
        in[i] = i;
    MPI_Group_translate_ranks(g, size, in, wg, out);
    for (int i = 0; i < size; i++)
        CHECK(out[i] == i, "window group member %d is world rank %d", i, out[i]);
    free(in);
    free(out);
    MPI_Group_free(&g);
    MPI_Group_free(&wg);
    char name[MPI_MAX_OBJECT_NAME];
    int len;
    MPI_Win_set_name(win, "lark window");
    MPI_Win_get_name(win, name, &len);
    CHECK(len == 11 && strcmp(name, "lark window") == 0, "name '%s'", name);
}

/* Large transfers (the sizes lark_copy moves with `rep movsb`) at odd
 * offsets and lengths under lock_all: put to the right neighbour, get
 * from the left one, every byte checked. */
static void large(void)
{
    const size_t len = ((size_t)2 << 20) + 3, off = 5, wsize = len + 64;
    unsigned char *mem, *buf = malloc(len);
    MPI_Win win;
    MPI_Win_allocate((MPI_Aint)wsize, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &mem, &win);
    memset(mem, 0, wsize);
    int right = (rank + 1) % size, left = (rank + size - 1) % size;
    for (size_t i = 0; i < len; i++)
        buf[i] = (unsigned char)(i * 7 + (size_t)rank);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_lock_all(0, win);
    MPI_Put(buf, (int)len, MPI_BYTE, right, (MPI_Aint)off, (int)len, MPI_BYTE, win);
    MPI_Win_flush(right, win);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_sync(win);
    size_t bad = 0;
    for (size_t i = 0; i < wsize; i++) {
        unsigned char want =
            i >= off && i < off + len ? (unsigned char)((i - off) * 7 + (size_t)left) : 0;
        bad += mem[i] != want;
    }
    CHECK(bad == 0, "large MPI_Put: %zu of %zu bytes wrong", bad, wsize);
    memset(buf, 0, len);
    MPI_Get(buf, (int)len, MPI_BYTE, left, (MPI_Aint)off, (int)len, MPI_BYTE, win);
    MPI_Win_flush(left, win);
    int lleft = (left + size - 1) % size;
    for (size_t i = 0; i < len; i++)
        bad += buf[i] != (unsigned char)(i * 7 + (size_t)lleft);
    CHECK(bad == 0, "large MPI_Get: %zu of %zu bytes wrong", bad, len);
    MPI_Win_unlock_all(win);
    MPI_Win_free(&win);
    free(buf);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    wrank = rank;
    MPI_Win win;

    /* Win_create on user memory, disp_unit = sizeof(int). */
    int *mem = malloc(N * sizeof(int));
    MPI_Win_create(mem, N * sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    check_attrs(win, mem, N * sizeof(int), sizeof(int), MPI_WIN_FLAVOR_CREATE);
    exercise(win, mem, sizeof(int), 0, NULL);
    MPI_Win_free(&win);
    CHECK(win == MPI_WIN_NULL, "MPI_Win_free left the handle");
    free(mem);

    /* Win_allocate, disp_unit = 1. */
    MPI_Win_allocate(N * sizeof(int), 1, MPI_INFO_NULL, MPI_COMM_WORLD, &mem, &win);
    check_attrs(win, mem, N * sizeof(int), 1, MPI_WIN_FLAVOR_ALLOCATE);
    exercise(win, mem, 1, 0, NULL);
    MPI_Win_free(&win);

    /* Win_allocate_shared, when every rank shares one host (a job over
     * several hosts, tests/scripts/multihost_mpi.sh, skips it). */
    char host[MPI_MAX_PROCESSOR_NAME] = "", *hosts = malloc((size_t)size * sizeof host);
    int hlen, onehost = 1;
    MPI_Get_processor_name(host, &hlen);
    MPI_Allgather(host, sizeof host, MPI_CHAR, hosts, sizeof host, MPI_CHAR, MPI_COMM_WORLD);
    for (int r = 0; r < size; r++)
        onehost &= strcmp(hosts + (size_t)r * sizeof host, host) == 0;
    free(hosts);
    if (onehost) {
        MPI_Win_allocate_shared(N * sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &mem,
                                &win);
        check_attrs(win, mem, N * sizeof(int), sizeof(int), MPI_WIN_FLAVOR_SHARED);
        exercise(win, mem, sizeof(int), 0, NULL);
        MPI_Win_free(&win);
    }

    large();

    /* Win_create_dynamic with attached memory, addressed by MPI_Get_address. */
    MPI_Win_create_dynamic(MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    mem = malloc(N * sizeof(int));
    MPI_Win_attach(win, mem, N * sizeof(int));
    MPI_Aint *addrs = malloc((size_t)size * sizeof *addrs), mine = (MPI_Aint)(uintptr_t)mem;
    MPI_Allgather(&mine, 1, MPI_AINT, addrs, 1, MPI_AINT, MPI_COMM_WORLD);
    check_attrs(win, NULL, 0, 1, MPI_WIN_FLAVOR_DYNAMIC);
    exercise(win, mem, 1, 1, addrs);
    MPI_Win_detach(win, mem);
    MPI_Win_free(&win);
    free(mem);
    free(addrs);

    MPI_Finalize();
    if (rank == 0)
        printf("rma_basic: %d ranks OK\n", size);
    return 0;
}

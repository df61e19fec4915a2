/*
 * coll_nb.c -- nonblocking and persistent collectives as a program uses
 * them: many outstanding at once on several communicators, interleaved
 * with point-to-point traffic (wildcard receives included) and with a
 * blocking collective, completed in every order the request calls allow
 * (Waitall forwards and backwards, Waitany, Testsome, Test loops);
 * persistent collectives started many times with new data each time,
 * alone and with MPI_Startall; freeing an active one refused.
 *
 * Run with any number of ranks; exits non-zero on the first wrong answer.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int wrank;
#define TEST_NAME "coll_nb"
#include "check.h"

#define NOPS 6
#define LEN  300 /* longs per operation: several eager frames' worth at 9 ranks */

/* Complete reqs[0..n) in the order given by `how`. */
static void complete(int n, MPI_Request *reqs, int how)
{
    int done = 0, idx, flag, out, ind[NOPS * 4];
    MPI_Status st[NOPS * 4];
    switch (how % 5) {
    case 0:
        MPI_Waitall(n, reqs, st);
        for (int i = 0; i < n; i++)
            CHECK(st[i].MPI_ERROR == MPI_SUCCESS, "status error %d", st[i].MPI_ERROR);
        break;
    case 1: /* backwards, one by one */
        for (int i = n - 1; i >= 0; i--)
            MPI_Wait(&reqs[i], MPI_STATUS_IGNORE);
        break;
    case 2:
        while (done < n) {
            MPI_Waitany(n, reqs, &idx, MPI_STATUS_IGNORE);
            CHECK(idx != MPI_UNDEFINED, "Waitany found nothing active");
            done++;
        }
        MPI_Waitany(n, reqs, &idx, MPI_STATUS_IGNORE);
        CHECK(idx == MPI_UNDEFINED, "Waitany: index %d after all completed", idx);
        break;
    case 3:
        while (done < n) {
            MPI_Testsome(n, reqs, &out, ind, st);
            if (out != MPI_UNDEFINED)
                done += out;
        }
        break;
    default: /* Test each, last first, until all are done */
        while (done < n)
            for (int i = n - 1; i >= 0; i--) {
                if (reqs[i] == MPI_REQUEST_NULL)
                    continue;
                MPI_Test(&reqs[i], &flag, MPI_STATUS_IGNORE);
                done += flag;
            }
        break;
    }
    for (int i = 0; i < n; i++)
        CHECK(reqs[i] == MPI_REQUEST_NULL, "request %d not reset after completion", i);
}

/* Several collectives at once on world, a duplicate and a split, mixed
 * with point-to-point messages on the same tags and a wildcard receive. */
static void mixed(MPI_Comm world, MPI_Comm dup, MPI_Comm half, int round)
{
    int rank, size, hrank, hsize;
    MPI_Comm_rank(world, &rank);
    MPI_Comm_size(world, &size);
    MPI_Comm_rank(half, &hrank);
    MPI_Comm_size(half, &hsize);
    long *a = malloc(NOPS * LEN * sizeof(long)), *b = malloc(NOPS * LEN * sizeof(long));
    long *g = malloc((size_t)size * LEN * sizeof(long));
    int *ata_s = malloc((size_t)size * 2 * sizeof(int)),
        *ata_r = malloc((size_t)size * 2 * sizeof(int));
    CHECK(a && b && g && ata_s && ata_r, "malloc");
    MPI_Request reqs[NOPS * 4];
    int n = 0;

    /* A wildcard receive posted first must only ever see the user's message. */
    int wild = -1, token = 1000 + rank;
    MPI_Irecv(&wild, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, world, &reqs[n++]);

    for (int k = 0; k < NOPS; k++)
        for (int i = 0; i < LEN; i++)
            a[k * LEN + i] = (long)(rank + 1) * (k + 1) + i + round;
    MPI_Iallreduce(a, b, LEN, MPI_LONG, MPI_SUM, dup, &reqs[n++]);
    MPI_Ibcast(a + LEN, LEN, MPI_LONG, round % size, world, &reqs[n++]);
    MPI_Ibarrier(half, &reqs[n++]);
    for (int s = 0; s < size; s++)
        ata_s[2 * s] = rank * 100 + s, ata_s[2 * s + 1] = round;
    MPI_Ialltoall(ata_s, 2, MPI_INT, ata_r, 2, MPI_INT, world, &reqs[n++]);
    MPI_Iallreduce(MPI_IN_PLACE, a + 2 * LEN, LEN, MPI_LONG, MPI_MAX, half, &reqs[n++]);
    MPI_Iallgather(a + 3 * LEN, LEN, MPI_LONG, g, LEN, MPI_LONG, dup, &reqs[n++]);
    int sc = rank + 1, ex = -5;
    MPI_Iexscan(&sc, &ex, 1, MPI_INT, MPI_SUM, world, &reqs[n++]);
    /* The user's message, sent after the collectives started. */
    MPI_Isend(&token, 1, MPI_INT, (rank + 1) % size, 0, world, &reqs[n++]);
    /* And a blocking collective in the middle of it all. */
    long bsum = rank;
    MPI_Allreduce(MPI_IN_PLACE, &bsum, 1, MPI_LONG, MPI_SUM, world);
    CHECK(bsum == (long)size * (size - 1) / 2, "blocking allreduce among nonblocking ones");

    complete(n, reqs, round);

    CHECK(wild == 1000 + (rank - 1 + size) % size, "wildcard receive got %d", wild);
    for (int i = 0; i < LEN; i++) {
        long want = (long)size * (size + 1) / 2 + (long)size * (i + round);
        CHECK(b[i] == want, "round %d iallreduce [%d] = %ld, want %ld", round, i, b[i], want);
        int root = round % size;
        CHECK(a[LEN + i] == (long)(root + 1) * 2 + i + round, "round %d ibcast [%d]", round, i);
    }
    int hmax = -1, wr; /* the largest world rank in my half */
    for (int r = 0; r < size; r++) {
        MPI_Group gw, gh;
        MPI_Comm_group(world, &gw);
        MPI_Comm_group(half, &gh);
        int t;
        MPI_Group_translate_ranks(gw, 1, &r, gh, &t);
        if (t != MPI_UNDEFINED)
            hmax = r;
        MPI_Group_free(&gw);
        MPI_Group_free(&gh);
    }
    wr = hmax;
    for (int i = 0; i < LEN; i++)
        CHECK(a[2 * LEN + i] == (long)(wr + 1) * 3 + i + round, "round %d iallreduce max [%d]",
              round, i);
    for (int r = 0; r < size; r++) {
        CHECK(ata_r[2 * r] == r * 100 + rank && ata_r[2 * r + 1] == round, "ialltoall from %d", r);
        for (int i = 0; i < LEN; i += 37)
            CHECK(g[r * LEN + i] == (long)(r + 1) * 4 + i + round, "iallgather block %d", r);
    }
    if (rank > 0)
        CHECK(ex == rank * (rank + 1) / 2, "iexscan %d", ex);
    else
        CHECK(ex == -5, "iexscan wrote rank 0's buffer");
    (void)hsize;
    (void)hrank;
    free(a);
    free(b);
    free(g);
    free(ata_s);
    free(ata_r);
}

/* Many of one kind outstanding on one communicator, completed backwards. */
static void many(MPI_Comm comm)
{
    enum { M = 24 };
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int in[M], out[M];
    MPI_Request r[M];
    for (int k = 0; k < M; k++) {
        in[k] = rank * k;
        if (k % 3 == 0)
            MPI_Iallreduce(&in[k], &out[k], 1, MPI_INT, MPI_SUM, comm, &r[k]);
        else if (k % 3 == 1)
            MPI_Ireduce(&in[k], &out[k], 1, MPI_INT, MPI_SUM, k % size, comm, &r[k]);
        else
            MPI_Iscan(&in[k], &out[k], 1, MPI_INT, MPI_SUM, comm, &r[k]);
    }
    for (int k = M - 1; k >= 0; k--)
        MPI_Wait(&r[k], MPI_STATUS_IGNORE);
    for (int k = 0; k < M; k++) {
        if (k % 3 == 0)
            CHECK(out[k] == k * size * (size - 1) / 2, "many: iallreduce %d: %d", k, out[k]);
        else if (k % 3 == 1 && rank == k % size)
            CHECK(out[k] == k * size * (size - 1) / 2, "many: ireduce %d", k);
        else if (k % 3 == 2)
            CHECK(out[k] == k * rank * (rank + 1) / 2, "many: iscan %d", k);
    }
}

#if MPI_VERSION >= 4
/* Persistent collectives started many times, with new data each time. */
static void persistent(MPI_Comm comm, MPI_Comm other)
{
    int rank, size, orank, osize;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    MPI_Comm_rank(other, &orank);
    MPI_Comm_size(other, &osize);
    long v[4], sum[4];
    int bc[3], gath[64 * 2], mine[2];
    MPI_Request r[3];
    MPI_Allreduce_init(v, sum, 4, MPI_LONG, MPI_SUM, comm, MPI_INFO_NULL, &r[0]);
    MPI_Bcast_init(bc, 3, MPI_INT, osize - 1, other, MPI_INFO_NULL, &r[1]);
    MPI_Allgather_init(mine, 2, MPI_INT, gath, 2, MPI_INT, comm, MPI_INFO_NULL, &r[2]);
    CHECK(size <= 64, "too many ranks for this test");
    for (int it = 0; it < 12; it++) {
        for (int i = 0; i < 4; i++)
            v[i] = rank * it + i;
        if (orank == osize - 1)
            bc[0] = it, bc[1] = -it, bc[2] = 7;
        mine[0] = rank + it, mine[1] = -rank;
        if (it % 2 == 0) {
            MPI_Startall(3, r);
        } else {
            for (int k = 2; k >= 0; k--)
                MPI_Start(&r[k]);
        }
        MPI_Waitall(3, r, MPI_STATUSES_IGNORE);
        for (int k = 0; k < 3; k++)
            CHECK(r[k] != MPI_REQUEST_NULL, "persistent request freed by Waitall");
        for (int i = 0; i < 4; i++)
            CHECK(sum[i] == (long)it * size * (size - 1) / 2 + (long)i * size,
                  "persistent allreduce start %d [%d] = %ld", it, i, sum[i]);
        CHECK(bc[0] == it && bc[1] == -it && bc[2] == 7, "persistent bcast start %d", it);
        for (int q = 0; q < size; q++)
            CHECK(gath[2 * q] == q + it && gath[2 * q + 1] == -q, "persistent allgather %d", it);
    }
    /* A completed persistent request can be tested (inactive: flag 1). */
    int flag = 0;
    MPI_Test(&r[0], &flag, MPI_STATUS_IGNORE);
    CHECK(flag == 1 && r[0] != MPI_REQUEST_NULL, "Test of an inactive persistent request");
    for (int k = 0; k < 3; k++)
        MPI_Request_free(&r[k]);
    CHECK(r[0] == MPI_REQUEST_NULL, "Request_free did not reset the handle");
}
#endif

int main(int argc, char **argv)
{
    int size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm dup, half;
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    MPI_Comm_split(MPI_COMM_WORLD, wrank % 2, -wrank, &half);

    for (int round = 0; round < 10; round++)
        mixed(MPI_COMM_WORLD, dup, half, round);
    many(dup);
    many(half);

    /* Freeing an active collective request is erroneous (MPI 4.1, 6.12
     * and 6.13): it is refused with MPI_ERR_REQUEST, the request stays. */
    MPI_Request fr;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Ibarrier(MPI_COMM_WORLD, &fr);
    int rc = MPI_Request_free(&fr), cls = MPI_SUCCESS;
    MPI_Error_class(rc, &cls);
#ifdef LARK_MPI
    CHECK(cls == MPI_ERR_REQUEST && fr != MPI_REQUEST_NULL,
          "Request_free of an active Ibarrier: class %d", cls);
#endif
    if (fr != MPI_REQUEST_NULL)
        MPI_Wait(&fr, MPI_STATUS_IGNORE);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
#if MPI_VERSION >= 4
    persistent(dup, half);
#endif
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Comm_free(&dup);
    MPI_Comm_free(&half);
    if (wrank == 0)
        printf("coll_nb: nonblocking and persistent collectives correct on %d ranks\n", size);
    MPI_Finalize();
    return 0;
}

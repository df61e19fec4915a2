/*
 * part.c -- partitioned communication: MPI_Psend_init / MPI_Precv_init
 * (and _c), MPI_Pready, MPI_Pready_range, MPI_Pready_list, MPI_Parrived,
 * restarted several times, with different partitionings on the two sides,
 * two channels with the same peer and tag completed in the opposite order
 * of their initialization (matching is by initialization order), an
 * ordinary message with the same tag alongside, and bad arguments.  Rank 0
 * sends to rank 1; further ranks only join the barriers.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TEST_NAME "part"
static int wrank;
#include "check.h"

enum { N = 8000 };

static void fill(int *b, int n, int salt)
{
    for (int i = 0; i < n; i++)
        b[i] = salt * 100003 + i;
}

static void expect(const int *b, int n, int salt, const char *what)
{
    for (int i = 0; i < n; i++)
        CHECK(b[i] == salt * 100003 + i, "%s: element %d is %d, expected %d", what, i, b[i],
              salt * 100003 + i);
}

/* 8 partitions of 1000 ints sent, 4 of 2000 received, three rounds. */
static void test_rounds(void)
{
    int *b = malloc(sizeof(int) * N);
    MPI_Request r;
    if (wrank == 0) {
        CHECK(MPI_Psend_init(b, 8, N / 8, MPI_INT, 1, 7, MPI_COMM_WORLD, MPI_INFO_NULL, &r) ==
                  MPI_SUCCESS,
              "MPI_Psend_init");
        for (int round = 0; round < 3; round++) {
            fill(b, N, round);
            MPI_Start(&r);
            if (round == 0) {
                for (int p = 7; p >= 0; p--)
                    MPI_Pready(p, r);
            } else if (round == 1) {
                MPI_Pready_range(4, 7, r);
                MPI_Pready_range(0, 3, r);
            } else {
                int list[8] = {3, 1, 7, 5, 0, 2, 4, 6};
                MPI_Pready_list(4, list, r);
                MPI_Pready_list(4, list + 4, r);
            }
            MPI_Wait(&r, MPI_STATUS_IGNORE);
        }
    } else if (wrank == 1) {
        CHECK(MPI_Precv_init(b, 4, N / 4, MPI_INT, 0, 7, MPI_COMM_WORLD, MPI_INFO_NULL, &r) ==
                  MPI_SUCCESS,
              "MPI_Precv_init");
        for (int round = 0; round < 3; round++) {
            memset(b, 0, sizeof(int) * N);
            MPI_Start(&r);
            int flag = 0;
            while (!flag)
                MPI_Parrived(r, 3, &flag);
            for (int p = 0; p < 4; p++) {
                MPI_Parrived(r, p, &flag);
                CHECK(flag, "partition %d not arrived after partition 3", p);
            }
            MPI_Status st;
            MPI_Wait(&r, &st);
            expect(b, N, round, "partitioned round");
            /* an inactive request: everything has arrived */
            MPI_Parrived(r, 0, &flag);
            CHECK(flag, "MPI_Parrived on an inactive request");
        }
    }
    if (wrank <= 1)
        MPI_Request_free(&r);
    free(b);
    MPI_Barrier(MPI_COMM_WORLD);
}

/* Two channels, same peer and tag: the first initialized on each side
 * meet, even when the second completes first.  An ordinary message with
 * the same tag is not taken by either. */
static void test_init_order(void)
{
    int *a = malloc(sizeof(int) * N), *b = malloc(sizeof(int) * N), x = 0;
    MPI_Request r[2];
    if (wrank == 0) {
        MPI_Psend_init_c(a, 2, N / 2, MPI_INT, 1, 5, MPI_COMM_WORLD, MPI_INFO_NULL, &r[0]);
        MPI_Psend_init_c(b, 1, N, MPI_INT, 1, 5, MPI_COMM_WORLD, MPI_INFO_NULL, &r[1]);
        fill(a, N, 11);
        fill(b, N, 22);
        x = 33;
        MPI_Send(&x, 1, MPI_INT, 1, 5, MPI_COMM_WORLD);
        MPI_Startall(2, r);
        MPI_Pready(0, r[1]);
        MPI_Wait(&r[1], MPI_STATUS_IGNORE);
        MPI_Pready_range(0, 1, r[0]);
        MPI_Wait(&r[0], MPI_STATUS_IGNORE);
    } else if (wrank == 1) {
        MPI_Precv_init_c(a, 1, N, MPI_INT, 0, 5, MPI_COMM_WORLD, MPI_INFO_NULL, &r[0]);
        MPI_Precv_init_c(b, 4, N / 4, MPI_INT, 0, 5, MPI_COMM_WORLD, MPI_INFO_NULL, &r[1]);
        MPI_Startall(2, r);
        MPI_Status st;
        MPI_Recv(&x, 1, MPI_INT, 0, 5, MPI_COMM_WORLD, &st);
        int cnt;
        MPI_Get_count(&st, MPI_INT, &cnt);
        CHECK(x == 33 && cnt == 1, "the ordinary message got %d (%d ints)", x, cnt);
        MPI_Waitall(2, r, MPI_STATUSES_IGNORE);
        expect(a, N, 11, "first channel");
        expect(b, N, 22, "second channel");
    }
    if (wrank <= 1) {
        MPI_Request_free(&r[0]);
        MPI_Request_free(&r[1]);
    }
    free(a);
    free(b);
    MPI_Barrier(MPI_COMM_WORLD);
}

static void test_errors(void)
{
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int b[16], rc, cls, flag;
    MPI_Request s, r, p2p;
#define EXPECT(call, want)                                                                         \
    do {                                                                                           \
        rc = (call);                                                                               \
        MPI_Error_class(rc, &cls);                                                                 \
        CHECK(rc != MPI_SUCCESS && cls == (want), "%s gave class %d, expected %d", #call, cls,     \
              want);                                                                               \
    } while (0)
    EXPECT(MPI_Psend_init(b, -1, 4, MPI_INT, 0, 0, MPI_COMM_WORLD, MPI_INFO_NULL, &s), MPI_ERR_ARG);
    EXPECT(MPI_Psend_init(b, 4, -4, MPI_INT, 0, 0, MPI_COMM_WORLD, MPI_INFO_NULL, &s),
           MPI_ERR_COUNT);
    EXPECT(MPI_Psend_init_c(b, 4, INT64_MAX / 2, MPI_INT, 0, 0, MPI_COMM_WORLD, MPI_INFO_NULL, &s),
           MPI_ERR_COUNT);
    EXPECT(MPI_Precv_init(b, 4, 4, MPI_INT, MPI_ANY_SOURCE, 0, MPI_COMM_WORLD, MPI_INFO_NULL, &r),
           MPI_ERR_RANK);
    EXPECT(MPI_Precv_init(b, 4, 4, MPI_INT, 0, MPI_ANY_TAG, MPI_COMM_WORLD, MPI_INFO_NULL, &r),
           MPI_ERR_TAG);
    EXPECT(MPI_Precv_init(b, 4, 4, MPI_DATATYPE_NULL, 0, 0, MPI_COMM_WORLD, MPI_INFO_NULL, &r),
           MPI_ERR_TYPE);
    EXPECT(MPI_Psend_init(b, 4, 4, MPI_INT, 0, 0, MPI_COMM_NULL, MPI_INFO_NULL, &s), MPI_ERR_COMM);
    EXPECT(MPI_Psend_init(b, 4, 4, MPI_INT, 0, 0, MPI_COMM_WORLD, MPI_INFO_NULL, NULL),
           MPI_ERR_ARG);
    /* a channel to ourselves: 4 partitions of 4 ints */
    CHECK(MPI_Psend_init(b, 4, 2, MPI_INT, wrank, 3, MPI_COMM_WORLD, MPI_INFO_NULL, &s) ==
              MPI_SUCCESS,
          "self send init");
    int rb[8];
    CHECK(MPI_Precv_init(rb, 2, 4, MPI_INT, wrank, 3, MPI_COMM_WORLD, MPI_INFO_NULL, &r) ==
              MPI_SUCCESS,
          "self recv init");
    EXPECT(MPI_Pready(0, s), MPI_ERR_REQUEST); /* not started */
    MPI_Start(&r);
    MPI_Start(&s);
    EXPECT(MPI_Pready(4, s), MPI_ERR_ARG);
    EXPECT(MPI_Pready(-1, s), MPI_ERR_ARG);
    EXPECT(MPI_Pready_range(3, 1, s), MPI_ERR_ARG);
    EXPECT(MPI_Pready_list(-1, NULL, s), MPI_ERR_ARG);
    EXPECT(MPI_Pready(0, r), MPI_ERR_REQUEST);          /* a receive */
    EXPECT(MPI_Parrived(s, 0, &flag), MPI_ERR_REQUEST); /* a send */
    EXPECT(MPI_Parrived(r, 2, &flag), MPI_ERR_ARG);
    EXPECT(MPI_Parrived(r, 0, NULL), MPI_ERR_ARG);
    MPI_Irecv(b, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &p2p);
    EXPECT(MPI_Pready(0, p2p), MPI_ERR_REQUEST);
    EXPECT(MPI_Parrived(p2p, 0, &flag), MPI_ERR_REQUEST);
    MPI_Wait(&p2p, MPI_STATUS_IGNORE);
    for (int i = 0; i < 8; i++)
        b[i] = 40 + i;
    MPI_Pready(1, s);
    EXPECT(MPI_Pready(1, s), MPI_ERR_ARG); /* twice */
    int list[3] = {0, 3, 2};
    MPI_Pready_list(3, list, s);
    MPI_Request both[2] = {s, r};
    MPI_Waitall(2, both, MPI_STATUSES_IGNORE);
    for (int i = 0; i < 8; i++)
        CHECK(rb[i] == 40 + i, "self channel element %d is %d", i, rb[i]);
    MPI_Request_free(&s);
    MPI_Request_free(&r);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv)
{
    int size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECK(size >= 2, "run on 2 or more ranks");
    test_rounds();
    test_init_order();
    test_errors();
    MPI_Barrier(MPI_COMM_WORLD);
    if (wrank == 0)
        printf("part: OK on %d ranks\n", size);
    MPI_Finalize();
    return 0;
}

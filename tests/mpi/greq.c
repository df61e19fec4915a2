/*
 * greq.c -- generalized requests: MPI_Grequest_start/complete, and the
 * query, free and cancel callbacks called exactly where the standard says
 * (the Wait/Test forms that complete the request, MPI_Request_get_status,
 * MPI_Request_free before or after completion, MPI_Cancel), alone and
 * mixed with point-to-point requests in the set forms, completed by
 * another thread while the main thread waits, and a failing query.
 */
#include <mpi.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TEST_NAME "greq"
static int wrank;
#include "check.h"

struct state {
    int queries, frees, cancels, last_complete_arg;
    int query_rc;
    int tag;   /* what the query reports */
    int order; /* 1 once free ran after at least one query */
};

static int query_fn(void *extra, MPI_Status *st)
{
    struct state *s = extra;
    s->queries++;
    MPI_Status_set_elements(st, MPI_INT, 3);
    MPI_Status_set_cancelled(st, s->cancels > 0);
    st->MPI_SOURCE = wrank;
    st->MPI_TAG = s->tag;
    return s->query_rc;
}

static int free_fn(void *extra)
{
    struct state *s = extra;
    s->frees++;
    s->order = s->queries > 0;
    return MPI_SUCCESS;
}

static int cancel_fn(void *extra, int complete)
{
    struct state *s = extra;
    s->cancels++;
    s->last_complete_arg = complete;
    return MPI_SUCCESS;
}

static MPI_Request start(struct state *s, int tag)
{
    memset(s, 0, sizeof *s);
    s->tag = tag;
    MPI_Request r = MPI_REQUEST_NULL;
    CHECK(MPI_Grequest_start(query_fn, free_fn, cancel_fn, s, &r) == MPI_SUCCESS &&
              r != MPI_REQUEST_NULL,
          "MPI_Grequest_start");
    return r;
}

static void test_wait_and_test(void)
{
    struct state s;
    MPI_Request r = start(&s, 7);
    int flag = 1;
    MPI_Status st;
    MPI_Test(&r, &flag, &st);
    CHECK(!flag && s.queries == 0 && s.frees == 0, "an incomplete request tested complete");
    MPI_Request_get_status(r, &flag, &st);
    CHECK(!flag && s.queries == 0, "get_status of an incomplete request");
    MPI_Grequest_complete(r);
    /* get_status queries and frees nothing */
    MPI_Request_get_status(r, &flag, &st);
    CHECK(flag && s.queries == 1 && s.frees == 0 && st.MPI_TAG == 7, "get_status: %d queries",
          s.queries);
    int cnt;
    CHECK(MPI_Wait(&r, &st) == MPI_SUCCESS && r == MPI_REQUEST_NULL, "MPI_Wait");
    MPI_Get_count(&st, MPI_INT, &cnt);
    CHECK(s.queries == 2 && s.frees == 1 && s.order, "wait: %d queries %d frees", s.queries,
          s.frees);
    CHECK(st.MPI_TAG == 7 && st.MPI_SOURCE == wrank && cnt == 3,
          "the status is the query's: tag %d source %d count %d", st.MPI_TAG, st.MPI_SOURCE, cnt);
    /* MPI_STATUS_IGNORE: the query still runs, on a status of MPI's */
    r = start(&s, 8);
    MPI_Grequest_complete(r);
    flag = 0;
    MPI_Test(&r, &flag, MPI_STATUS_IGNORE);
    CHECK(flag && s.queries == 1 && s.frees == 1 && r == MPI_REQUEST_NULL, "MPI_Test");
}

static void test_free_early_and_late(void)
{
    struct state s;
    MPI_Request r = start(&s, 1), keep = r;
    MPI_Request_free(&r);
    CHECK(r == MPI_REQUEST_NULL && s.frees == 0, "free ran before MPI_Grequest_complete");
    MPI_Grequest_complete(keep); /* the free callback runs now, no query */
    CHECK(s.frees == 1 && s.queries == 0, "free early: %d frees %d queries", s.frees, s.queries);
    r = start(&s, 2);
    MPI_Grequest_complete(r);
    CHECK(s.frees == 0, "free ran at MPI_Grequest_complete of a live request");
    MPI_Request_free(&r);
    CHECK(s.frees == 1 && s.queries == 0, "free late: %d frees %d queries", s.frees, s.queries);
}

static void test_cancel(void)
{
    struct state s;
    MPI_Request r = start(&s, 3);
    MPI_Cancel(&r);
    CHECK(s.cancels == 1 && s.last_complete_arg == 0, "cancel before complete");
    MPI_Grequest_complete(r);
    MPI_Cancel(&r);
    CHECK(s.cancels == 2 && s.last_complete_arg != 0, "cancel after complete");
    MPI_Status st;
    MPI_Wait(&r, &st);
    int flag;
    MPI_Test_cancelled(&st, &flag);
    CHECK(flag, "the query said cancelled");
}

/* Set forms over generalized and point-to-point requests together. */
static void test_sets(void)
{
    int size;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int right = (wrank + 1) % size, left = (wrank + size - 1) % size;
    struct state s[3];
    MPI_Request r[5];
    MPI_Status st[5];
    int x = wrank, y = -1;
    r[0] = start(&s[0], 10);
    MPI_Irecv(&y, 1, MPI_INT, left, 50, MPI_COMM_WORLD, &r[1]);
    r[2] = start(&s[1], 12);
    MPI_Isend(&x, 1, MPI_INT, right, 50, MPI_COMM_WORLD, &r[3]);
    r[4] = start(&s[2], 14);
    MPI_Grequest_complete(r[2]);
    int idx = -1;
    MPI_Waitany(5, r, &idx, &st[0]);
    /* r[2] is complete at once; the p2p ones may be too */
    CHECK(idx >= 1 && idx <= 3, "MPI_Waitany gave %d", idx);
    if (idx == 2)
        CHECK(s[1].queries == 1 && s[1].frees == 1 && st[0].MPI_TAG == 12, "waitany status");
    MPI_Grequest_complete(r[0]);
    MPI_Grequest_complete(r[4]);
    CHECK(MPI_Waitall(5, r, st) == MPI_SUCCESS, "MPI_Waitall");
    for (int i = 0; i < 3; i++)
        CHECK(s[i].queries == 1 && s[i].frees == 1, "request %d: %d queries %d frees", i,
              s[i].queries, s[i].frees);
    CHECK(st[0].MPI_TAG == 10 && st[4].MPI_TAG == 14 && y == left, "waitall statuses / data");
    /* Testsome sees only the completed ones */
    r[0] = start(&s[0], 20);
    r[1] = start(&s[1], 21);
    MPI_Grequest_complete(r[1]);
    int out = -1, ind[2];
    MPI_Testsome(2, r, &out, ind, st);
    CHECK(out == 1 && ind[0] == 1 && st[0].MPI_TAG == 21 && s[0].queries == 0,
          "MPI_Testsome: %d done", out);
    MPI_Grequest_complete(r[0]);
#if MPI_VERSION > 4 || (MPI_VERSION == 4 && MPI_SUBVERSION >= 1)
    /* MPI 4.1's get_status_all queries without freeing */
    int flag = 0;
    MPI_Request_get_status_all(2, r, &flag, st);
    CHECK(flag && s[0].queries == 1 && s[0].frees == 0 && st[0].MPI_TAG == 20 &&
              st[1].MPI_SOURCE == MPI_ANY_SOURCE,
          "get_status_all over generalized requests");
#endif
    MPI_Waitsome(2, r, &out, ind, st);
    CHECK(out == 1 && s[0].frees == 1, "MPI_Waitsome");
}

static MPI_Request thread_req;
static void *completer(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    MPI_Grequest_complete(thread_req);
    return NULL;
}

/* Another thread completes the request the main thread waits on. */
static void test_thread(void)
{
    int provided;
    MPI_Query_thread(&provided);
    if (provided < MPI_THREAD_MULTIPLE)
        return;
    struct state s;
    thread_req = start(&s, 30);
    pthread_t t;
    pthread_create(&t, NULL, completer, NULL);
    MPI_Status st;
    MPI_Wait(&thread_req, &st);
    pthread_join(t, NULL);
    CHECK(st.MPI_TAG == 30 && s.frees == 1, "completed by another thread");
}

static void test_errors(void)
{
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    struct state s;
    MPI_Request r;
    int rc, cls;
#define EXPECT(call, want)                                                                         \
    do {                                                                                           \
        rc = (call);                                                                               \
        MPI_Error_class(rc, &cls);                                                                 \
        CHECK(rc != MPI_SUCCESS && cls == (want), "%s gave class %d, expected %d", #call, cls,     \
              want);                                                                               \
    } while (0)
    /* NULL callbacks do nothing (Open MPI's behaviour; never a crash) */
    CHECK(MPI_Grequest_start(NULL, NULL, NULL, NULL, &r) == MPI_SUCCESS, "NULL callbacks");
    MPI_Cancel(&r);
    MPI_Grequest_complete(r);
    MPI_Status est;
    est.MPI_TAG = 99;
    CHECK(MPI_Wait(&r, &est) == MPI_SUCCESS && r == MPI_REQUEST_NULL, "wait, NULL callbacks");
    EXPECT(MPI_Grequest_start(query_fn, free_fn, cancel_fn, &s, NULL), MPI_ERR_ARG);
    EXPECT(MPI_Grequest_complete(MPI_REQUEST_NULL), MPI_ERR_REQUEST);
    int x;
    MPI_Request p2p;
    MPI_Irecv(&x, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &p2p);
    EXPECT(MPI_Grequest_complete(p2p), MPI_ERR_REQUEST);
    MPI_Wait(&p2p, MPI_STATUS_IGNORE);
    /* A failing query: its error is the call's. */
    r = start(&s, 40);
    s.query_rc = MPI_ERR_OTHER;
    MPI_Grequest_complete(r);
    EXPECT(MPI_Grequest_complete(r), MPI_ERR_REQUEST); /* twice */
    MPI_Request copy = r;
    MPI_Status st[1];
    EXPECT(MPI_Waitall(1, &copy, st), MPI_ERR_IN_STATUS);
    CHECK(s.frees == 1 && copy == MPI_REQUEST_NULL, "the failing request was not freed");
    r = start(&s, 41);
    s.query_rc = MPI_ERR_OTHER;
    MPI_Grequest_complete(r);
    EXPECT(MPI_Wait(&r, MPI_STATUS_IGNORE), MPI_ERR_OTHER);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    test_wait_and_test();
    test_free_early_and_late();
    test_cancel();
    test_sets();
    test_thread();
    test_errors();
    MPI_Barrier(MPI_COMM_WORLD);
    if (wrank == 0)
        printf("greq: OK\n");
    MPI_Finalize();
    return 0;
}

/*
 * comm_idup.c -- MPI_Comm_idup and MPI_Comm_idup_with_info are truly
 * nonblocking: a rank that enters its idup only after receiving a message
 * the others send after theirs does not deadlock; several idups of
 * overlapping communicators, intercommunicators included, are outstanding
 * at once and started in different orders on different ranks; a blocking
 * MPI_Comm_dup of another communicator completes while an idup is pending,
 * in either order, and the parent may be freed meanwhile; MPI_Test alone drives an idup to
 * completion; and, under MPI_THREAD_MULTIPLE, threads idup and dup at once.  Every new communicator
 * must work (allreduce), be congruent with its parent, carry the copied attributes and hints, and
 * be isolated from the others (a collision of context ids mixes their messages: the sums come out
 * wrong). Needs at least 2 ranks.
 */
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int wrank, wsize;
#define TEST_NAME "comm_idup"
#include "check.h"

static void works(MPI_Comm c, int salt, const char *what)
{
    int r, n, in, sum = -1;
    MPI_Comm_rank(c, &r);
    MPI_Comm_size(c, &n);
    in = r + salt;
    MPI_Allreduce(&in, &sum, 1, MPI_INT, MPI_SUM, c);
    CHECK(sum == n * (n - 1) / 2 + n * salt, "%s: allreduce gave %d (size %d)", what, sum, n);
}

static void congruent(MPI_Comm a, MPI_Comm b, const char *what)
{
    int result;
    MPI_Comm_compare(a, b, &result);
    CHECK(result == MPI_CONGRUENT, "%s: compare gave %d, not MPI_CONGRUENT", what, result);
}

/* The pattern that deadlocks when idup blocks: rank 0 idups then sends to
 * rank 1; rank 1 receives from rank 0, then idups; then both wait. */
static void late_member(void)
{
    MPI_Comm d;
    MPI_Request req;
    int token = 42;
    if (wrank == 0) {
        MPI_Comm_idup(MPI_COMM_WORLD, &d, &req);
        MPI_Send(&token, 1, MPI_INT, 1, 7, MPI_COMM_WORLD);
    } else if (wrank == 1) {
        token = 0;
        MPI_Recv(&token, 1, MPI_INT, 0, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        CHECK(token == 42, "token %d", token);
        MPI_Comm_idup(MPI_COMM_WORLD, &d, &req);
    } else {
        MPI_Comm_idup(MPI_COMM_WORLD, &d, &req);
    }
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    CHECK(req == MPI_REQUEST_NULL, "the wait did not free the request");
    works(d, 1, "late member's idup");
    congruent(d, MPI_COMM_WORLD, "late member's idup");
    MPI_Comm_free(&d);
}

static int copies;
static int copy_fn(MPI_Comm old, int key, void *extra, void *in, void *out, int *flag)
{
    (void)old;
    (void)key;
    (void)extra;
    copies++;
    *(void **)out = (char *)in + 1;
    *flag = 1;
    return MPI_SUCCESS;
}

/* Outstanding idups of overlapping communicators, started in an order
 * that depends on the rank (they are different communicators). */
static void overlapping(void)
{
    enum { N = 6 };
    MPI_Comm parent[N], dup[N];
    MPI_Request req[N];
    int k;
    /* world, a dup of it with an attribute, halves, a sliding pair,
     * an intercommunicator between the halves, world again (with info). */
    parent[0] = MPI_COMM_WORLD;
    MPI_Comm_dup(MPI_COMM_WORLD, &parent[1]);
    MPI_Comm_create_keyval(copy_fn, MPI_COMM_NULL_DELETE_FN, &k, NULL);
    MPI_Comm_set_attr(parent[1], k, (void *)100);
    MPI_Comm_split(MPI_COMM_WORLD, wrank < wsize / 2, wrank, &parent[2]);
    MPI_Comm_split(MPI_COMM_WORLD, wrank / 2, wrank, &parent[3]);
    MPI_Intercomm_create(parent[2], 0, MPI_COMM_WORLD, wrank < wsize / 2 ? wsize / 2 : 0, 5,
                         &parent[4]);
    parent[5] = MPI_COMM_WORLD;
    MPI_Info info;
    MPI_Info_create(&info);
    MPI_Info_set(info, "lark_test_hint", "yes");
    copies = 0;
    /* Even ranks go forward, odd ones in another order, with the two
     * idups of world in the same order everywhere. */
    int order_even[N] = {0, 1, 2, 3, 4, 5}, order_odd[N] = {4, 3, 0, 2, 1, 5};
    int *order = wrank % 2 ? order_odd : order_even;
    for (int j = 0; j < N; j++) {
        int i = order[j];
        if (i == 5)
            MPI_Comm_idup_with_info(parent[i], info, &dup[i], &req[i]);
        else
            MPI_Comm_idup(parent[i], &dup[i], &req[i]);
    }
    MPI_Info_free(&info);
    MPI_Waitall(N, req, MPI_STATUSES_IGNORE);
    for (int i = 0; i < N; i++) {
        CHECK(req[i] == MPI_REQUEST_NULL, "request %d not freed", i);
        CHECK(dup[i] != MPI_COMM_NULL, "idup %d gave MPI_COMM_NULL", i);
        congruent(dup[i], parent[i], "an overlapping idup");
    }
    /* All at once, so that two sharing an id would mix their messages. */
    int in[N], out[N];
    MPI_Request r2[N];
    for (int i = 0; i < N; i++) {
        in[i] = (i + 1) * 1000 + wrank;
        if (i == 4)
            MPI_Iallreduce(&in[i], &out[i], 1, MPI_INT, MPI_MAX, dup[i], &r2[i]);
        else
            MPI_Iallreduce(&in[i], &out[i], 1, MPI_INT, MPI_SUM, dup[i], &r2[i]);
    }
    MPI_Waitall(N, r2, MPI_STATUSES_IGNORE);
    for (int i = 0; i < N; i++) {
        if (i == 4) {
            /* Over an intercommunicator: the remote group's maximum. */
            int hi = wrank < wsize / 2 ? wsize - 1 : wsize / 2 - 1;
            CHECK(out[i] == 5000 + hi, "intercomm idup allreduce %d", out[i]);
            continue;
        }
        int n, r0 = 0, sum = 0;
        MPI_Comm_size(dup[i], &n);
        MPI_Group g, wg;
        MPI_Comm_group(dup[i], &g);
        MPI_Comm_group(MPI_COMM_WORLD, &wg);
        for (int r = 0; r < n; r++) {
            MPI_Group_translate_ranks(g, 1, &r, wg, &r0);
            sum += (i + 1) * 1000 + r0;
        }
        MPI_Group_free(&g);
        MPI_Group_free(&wg);
        CHECK(out[i] == sum, "idup %d: allreduce %d, want %d", i, out[i], sum);
    }
    /* The attribute went through the copy callback, once; the hints of
     * the with_info dup are the info given. */
    void *v;
    int flag;
    MPI_Comm_get_attr(dup[1], k, &v, &flag);
    CHECK(flag && v == (void *)101, "copied attribute %d %p", flag, v);
    CHECK(copies == 1, "%d copy callbacks", copies);
    MPI_Info got;
    char val[16];
    MPI_Comm_get_info(dup[5], &got);
    MPI_Info_get(got, "lark_test_hint", sizeof val - 1, val, &flag);
    CHECK(flag && strcmp(val, "yes") == 0, "idup_with_info lost its hint");
    MPI_Info_free(&got);
    /* Point-to-point over the intercommunicator's dup. */
    int rsize, token = wrank, back = -1;
    MPI_Comm_remote_size(dup[4], &rsize);
    int lr;
    MPI_Comm_rank(dup[4], &lr);
    if (lr < rsize) {
        MPI_Sendrecv(&token, 1, MPI_INT, lr, 3, &back, 1, MPI_INT, lr, 3, dup[4],
                     MPI_STATUS_IGNORE);
        int want = wrank < wsize / 2 ? wsize / 2 + lr : lr;
        CHECK(back == want, "intercomm idup ping-pong got %d, want %d", back, want);
    }
    for (int i = 0; i < N; i++)
        MPI_Comm_free(&dup[i]);
    for (int i = 1; i < 5; i++)
        MPI_Comm_free(&parent[i]);
    MPI_Comm_free_keyval(&k);
}

/* A blocking dup of one communicator while an idup of another is
 * pending, in opposite orders on even and odd ranks. */
static void mixed_with_blocking(void)
{
    MPI_Comm x, y, dx, dy;
    MPI_Request req;
    MPI_Comm_dup(MPI_COMM_WORLD, &x);
    MPI_Comm_split(MPI_COMM_WORLD, 0, wsize - wrank, &y);
    if (wrank % 2 == 0) {
        MPI_Comm_idup(x, &dx, &req);
        MPI_Comm_dup(y, &dy);
    } else {
        MPI_Comm_dup(y, &dy);
        MPI_Comm_idup(x, &dx, &req);
    }
    works(dy, 3, "blocking dup beside an idup");
    /* The parent may be freed while its idup is pending. */
    MPI_Group gx;
    MPI_Comm_group(x, &gx);
    MPI_Comm_free(&x);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    works(dx, 4, "idup beside a blocking dup");
    MPI_Group gd;
    int result;
    MPI_Comm_group(dx, &gd);
    MPI_Group_compare(gx, gd, &result);
    CHECK(result == MPI_IDENT, "idup of a freed parent: groups compare %d", result);
    MPI_Group_free(&gx);
    MPI_Group_free(&gd);
    MPI_Comm_free(&dx);
    MPI_Comm_free(&dy);
    MPI_Comm_free(&y);
}

/* MPI_Test alone completes it; many in a row on one communicator. */
static void by_test(void)
{
    enum { M = 8 };
    MPI_Comm d[M];
    MPI_Request req[M];
    for (int i = 0; i < M; i++)
        MPI_Comm_idup(MPI_COMM_WORLD, &d[i], &req[i]);
    int done = 0;
    while (!done)
        MPI_Testall(M, req, &done, MPI_STATUSES_IGNORE);
    for (int i = 0; i < M; i++) {
        works(d[i], i, "idup completed by MPI_Testall");
        for (int j = 0; j < i; j++) {
            int result;
            MPI_Comm_compare(d[i], d[j], &result);
            CHECK(result == MPI_CONGRUENT, "two idups compare %d", result);
        }
    }
    for (int i = 0; i < M; i++)
        MPI_Comm_free(&d[i]);
}

/* Errors: a bad communicator or NULL arguments give their class. */
static void errors(void)
{
    MPI_Comm d;
    MPI_Request req;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int rc = MPI_Comm_idup(MPI_COMM_NULL, &d, &req), cls;
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_COMM, "idup(MPI_COMM_NULL) gave class %d", cls);
    rc = MPI_Comm_idup(MPI_COMM_WORLD, &d, NULL);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_ARG, "idup(request NULL) gave class %d", cls);
    rc = MPI_Comm_idup_with_info(MPI_COMM_WORLD, (MPI_Info)(void *)0x12345, &d, &req);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_INFO, "idup_with_info(bad info) gave class %d", cls);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

#define NTHREADS 3
#define TITERS   20

static void *thread_run(void *arg)
{
    MPI_Comm base = *(MPI_Comm *)arg, d, s;
    MPI_Request req;
    for (int it = 0; it < TITERS; it++) {
        MPI_Comm_idup(base, &d, &req);
        /* A blocking constructor of the same thread's other comm while the
         * idup is pending, and the other threads' at the same time. */
        MPI_Comm_split(MPI_COMM_SELF, 0, 0, &s);
        works(s, it, "split of self in a thread");
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        works(d, it, "idup in a thread");
        MPI_Comm_free(&s);
        MPI_Comm_free(&d);
    }
    return NULL;
}

static void threads(void)
{
    MPI_Comm base[NTHREADS];
    pthread_t th[NTHREADS];
    for (int t = 0; t < NTHREADS; t++)
        MPI_Comm_dup(MPI_COMM_WORLD, &base[t]);
    for (int t = 0; t < NTHREADS; t++)
        pthread_create(&th[t], NULL, thread_run, &base[t]);
    for (int t = 0; t < NTHREADS; t++)
        pthread_join(th[t], NULL);
    for (int t = 0; t < NTHREADS; t++)
        MPI_Comm_free(&base[t]);
}

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &wsize);
    CHECK(wsize >= 2, "needs at least 2 ranks");
    late_member();
    overlapping();
    mixed_with_blocking();
    by_test();
    errors();
    if (provided == MPI_THREAD_MULTIPLE)
        threads();
    MPI_Barrier(MPI_COMM_WORLD);
    if (wrank == 0)
        printf("comm_idup: ok on %d ranks%s\n", wsize,
               provided == MPI_THREAD_MULTIPLE ? " (with threads)" : "");
    MPI_Finalize();
    return 0;
}

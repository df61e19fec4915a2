/*
 * p2p_basic.c -- every call family of the point-to-point chapter, between
 * pairs of ranks (0<->1, 2<->3, ...; a rank without a partner, or a
 * singleton, talks to itself over the self transport).  Data is checked
 * byte for byte, statuses field by field.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size, peer;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "p2p_basic rank %d: %s:%d: check failed: %s\n", rank, __FILE__,        \
                    __LINE__, #c);                                                                 \
            MPI_Abort(MPI_COMM_WORLD, 1);                                                          \
        }                                                                                          \
    } while (0)
#define OK(call) CHECK((call) == MPI_SUCCESS)

static unsigned char pattern(int from, size_t i, int salt)
{
    return (unsigned char)(from * 131 + i * 7 + (i >> 8) * 13 + salt);
}

static void fill(unsigned char *b, size_t n, int from, int salt)
{
    for (size_t i = 0; i < n; i++)
        b[i] = pattern(from, i, salt);
}

static void verify(const unsigned char *b, size_t n, int from, int salt)
{
    for (size_t i = 0; i < n; i++)
        if (b[i] != pattern(from, i, salt)) {
            fprintf(stderr, "p2p_basic rank %d: byte %zu of %zu from %d (salt %d) is wrong\n", rank,
                    i, n, from, salt);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
}

/* Blocking exchange of every size across the protocol thresholds. */
static void test_sizes(void)
{
    static const size_t sizes[] = {0,      1,      7,       63,           64,    959,
                                   960,    961,    4096,    32767,        32768, 32769,
                                   100003, 262144, 1 << 20, (4 << 20) + 3};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        unsigned char *s = malloc(n + 1), *r = malloc(n + 1);
        CHECK(s && r);
        fill(s, n, rank, (int)k);
        memset(r, 0xee, n + 1);
        MPI_Request rq;
        MPI_Status st;
        OK(MPI_Irecv(r, (int)n, MPI_BYTE, peer, (int)k, MPI_COMM_WORLD, &rq));
        OK(MPI_Send(s, (int)n, MPI_BYTE, peer, (int)k, MPI_COMM_WORLD));
        OK(MPI_Wait(&rq, &st));
        CHECK(rq == MPI_REQUEST_NULL);
        CHECK(st.MPI_SOURCE == peer && st.MPI_TAG == (int)k);
        int cnt = -1;
        OK(MPI_Get_count(&st, MPI_BYTE, &cnt));
        CHECK(cnt == (int)n);
        verify(r, n, peer, (int)k);
        CHECK(r[n] == 0xee); /* nothing past the end */
        free(s);
        free(r);
    }
}

/* Typed data, wildcards, Get_count/Get_elements, and the pair types. */
static void test_types_wildcards(void)
{
    double d[100], dr[100];
    for (int i = 0; i < 100; i++)
        d[i] = rank * 1000 + i + 0.5;
    MPI_Status st;
    MPI_Request rq;
    OK(MPI_Irecv(dr, 100, MPI_DOUBLE, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &rq));
    OK(MPI_Send(d, 61, MPI_DOUBLE, peer, 42, MPI_COMM_WORLD));
    OK(MPI_Wait(&rq, &st));
    CHECK(st.MPI_SOURCE == peer && st.MPI_TAG == 42);
    int cnt;
    OK(MPI_Get_count(&st, MPI_DOUBLE, &cnt));
    CHECK(cnt == 61);
    OK(MPI_Get_elements(&st, MPI_DOUBLE, &cnt));
    CHECK(cnt == 61);
    OK(MPI_Get_count(&st, MPI_INT64_T, &cnt));
    CHECK(cnt == 61);
    OK(MPI_Get_count(&st, MPI_2DOUBLE_PRECISION, &cnt)); /* 488 bytes: not whole 16-byte pairs */
    CHECK(cnt == MPI_UNDEFINED);
    for (int i = 0; i < 61; i++)
        CHECK(dr[i] == peer * 1000 + i + 0.5);

    /* MPI_DOUBLE_INT has a hole between the double and the int. */
    struct {
        double v;
        int i;
    } p[3], pr[3];
    for (int i = 0; i < 3; i++) {
        p[i].v = rank + i * 0.25;
        p[i].i = rank * 10 + i;
    }
    OK(MPI_Sendrecv(p, 3, MPI_DOUBLE_INT, peer, 5, pr, 3, MPI_DOUBLE_INT, peer, 5, MPI_COMM_WORLD,
                    &st));
    OK(MPI_Get_count(&st, MPI_DOUBLE_INT, &cnt));
    CHECK(cnt == 3);
    OK(MPI_Get_elements(&st, MPI_DOUBLE_INT, &cnt));
    CHECK(cnt == 6); /* a pair is two basic elements */
    for (int i = 0; i < 3; i++)
        CHECK(pr[i].v == peer + i * 0.25 && pr[i].i == peer * 10 + i);

    /* Status_set_elements then Get_count. */
    MPI_Status fake;
    OK(MPI_Status_set_elements(&fake, MPI_INT, 17));
    OK(MPI_Get_count(&fake, MPI_INT, &cnt));
    CHECK(cnt == 17);
}

/* Many outstanding requests, completed by every Wait/Test variant. */
static void test_many_requests(void)
{
    enum { N = 1000 };
    int *sb = malloc(N * sizeof(int)), *rb = malloc(N * sizeof(int));
    MPI_Request *rq = malloc(2 * N * sizeof(MPI_Request));
    MPI_Status *sts = malloc(2 * N * sizeof(MPI_Status));
    CHECK(sb && rb && rq && sts);
    for (int i = 0; i < N; i++) {
        sb[i] = rank * N + i;
        rb[i] = -1;
        OK(MPI_Irecv(&rb[i], 1, MPI_INT, peer, i % 17, MPI_COMM_WORLD, &rq[i]));
    }
    for (int i = 0; i < N; i++)
        OK(MPI_Isend(&sb[i], 1, MPI_INT, peer, i % 17, MPI_COMM_WORLD, &rq[N + i]));
    OK(MPI_Waitall(2 * N, rq, sts));
    for (int i = 0; i < N; i++) {
        CHECK(rb[i] == peer * N + i); /* same tag: order kept */
        CHECK(rq[i] == MPI_REQUEST_NULL);
        CHECK(sts[i].MPI_TAG == i % 17);
    }

    /* Waitany / Waitsome / Testany / Testall / Testsome. */
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 8; i++) {
            sb[i] = round * 100 + i;
            OK(MPI_Irecv(&rb[i], 1, MPI_INT, peer, 100 + i, MPI_COMM_WORLD, &rq[i]));
        }
        for (int i = 7; i >= 0; i--)
            OK(MPI_Isend(&sb[i], 1, MPI_INT, peer, 100 + i, MPI_COMM_WORLD, &rq[8 + i]));
        int done = 0;
        while (done < 16) {
            int idx = -1, flag = 0, outc = 0, ind[16];
            switch (round) {
            case 0:
                OK(MPI_Waitany(16, rq, &idx, &sts[0]));
                CHECK(idx >= 0 && idx < 16 && rq[idx] == MPI_REQUEST_NULL);
                done++;
                break;
            case 1:
                OK(MPI_Waitsome(16, rq, &outc, ind, sts));
                CHECK(outc >= 1);
                for (int k = 0; k < outc; k++)
                    CHECK(rq[ind[k]] == MPI_REQUEST_NULL);
                done += outc;
                break;
            case 2:
                OK(MPI_Testany(16, rq, &idx, &flag, &sts[0]));
                if (flag && idx != MPI_UNDEFINED)
                    done++;
                break;
            default:
                OK(MPI_Testsome(16, rq, &outc, ind, sts));
                CHECK(outc != MPI_UNDEFINED);
                done += outc;
                break;
            }
        }
        int idx, flag;
        OK(MPI_Waitany(16, rq, &idx, MPI_STATUS_IGNORE)); /* all null now */
        CHECK(idx == MPI_UNDEFINED);
        OK(MPI_Testall(16, rq, &flag, MPI_STATUSES_IGNORE));
        CHECK(flag == 1);
        for (int i = 0; i < 8; i++)
            CHECK(rb[i] == round * 100 + i);
    }
    free(sb);
    free(rb);
    free(rq);
    free(sts);
}

/* Ssend, Rsend, Bsend/Ibsend, Issend, Sendrecv_replace, Request_free. */
static void test_modes(void)
{
    int v = rank + 1, r = 0;
    MPI_Request rq;
    MPI_Status st;
    /* Ssend completes only once matched: the partner posts late. */
    OK(MPI_Irecv(&r, 1, MPI_INT, peer, 1, MPI_COMM_WORLD, &rq));
    OK(MPI_Ssend(&v, 1, MPI_INT, peer, 1, MPI_COMM_WORLD));
    OK(MPI_Wait(&rq, MPI_STATUS_IGNORE));
    CHECK(r == peer + 1);
    /* Large Issend (rendezvous path). */
    size_t n = 300000;
    char *big = malloc(n), *bigr = malloc(n);
    CHECK(big && bigr);
    fill((unsigned char *)big, n, rank, 3);
    MPI_Request two[2];
    OK(MPI_Irecv(bigr, (int)n, MPI_CHAR, peer, 2, MPI_COMM_WORLD, &two[0]));
    OK(MPI_Issend(big, (int)n, MPI_CHAR, peer, 2, MPI_COMM_WORLD, &two[1]));
    OK(MPI_Waitall(2, two, MPI_STATUSES_IGNORE));
    verify((unsigned char *)bigr, n, peer, 3);
    /* Rsend: the receive is posted before the partner's Rsend starts. */
    OK(MPI_Irecv(&r, 1, MPI_INT, peer, 3, MPI_COMM_WORLD, &rq));
    int dummy = 0;
    OK(MPI_Sendrecv(&dummy, 1, MPI_INT, peer, 4, &dummy, 1, MPI_INT, peer, 4, MPI_COMM_WORLD,
                    MPI_STATUS_IGNORE));
    OK(MPI_Rsend(&v, 1, MPI_INT, peer, 3, MPI_COMM_WORLD));
    OK(MPI_Wait(&rq, MPI_STATUS_IGNORE));
    CHECK(r == peer + 1);
    /* Buffered sends return at once; detach waits for them. */
    int bsize = 4 * (100000 + MPI_BSEND_OVERHEAD);
    char *buf = malloc(bsize);
    OK(MPI_Buffer_attach(buf, bsize));
    char *bs = malloc(100000), *br = malloc(3 * 100000);
    fill((unsigned char *)bs, 100000, rank, 9);
    OK(MPI_Bsend(bs, 100000, MPI_BYTE, peer, 5, MPI_COMM_WORLD));
    OK(MPI_Ibsend(bs, 1000, MPI_BYTE, peer, 6, MPI_COMM_WORLD, &rq));
    memset(bs, 0, 100000); /* the copies were taken: this must not matter */
    OK(MPI_Wait(&rq, MPI_STATUS_IGNORE));
    OK(MPI_Recv(br, 100000, MPI_BYTE, peer, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    verify((unsigned char *)br, 100000, peer, 9);
    OK(MPI_Recv(br, 1000, MPI_BYTE, peer, 6, MPI_COMM_WORLD, &st));
    verify((unsigned char *)br, 1000, peer, 9);
    void *out;
    int osize;
    OK(MPI_Buffer_detach(&out, &osize));
    CHECK(out == buf && osize == bsize);
    free(buf);
    free(bs);
    free(br);
    /* Sendrecv_replace. */
    int x[4] = {rank, rank, rank, rank};
    OK(MPI_Sendrecv_replace(x, 4, MPI_INT, peer, 8, peer, 8, MPI_COMM_WORLD, &st));
    CHECK(x[0] == peer && x[3] == peer && st.MPI_SOURCE == peer);
    /* Request_free on a pending send: the message still arrives. */
    OK(MPI_Isend(&v, 1, MPI_INT, peer, 10, MPI_COMM_WORLD, &rq));
    OK(MPI_Request_free(&rq));
    CHECK(rq == MPI_REQUEST_NULL);
    OK(MPI_Recv(&r, 1, MPI_INT, peer, 10, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    CHECK(r == peer + 1);
    free(big);
    free(bigr);
}

/* Probe, Iprobe, Mprobe/Mrecv, Improbe/Imrecv, PROC_NULL, cancel. */
static void test_probe_cancel(void)
{
    int v[3] = {rank, rank * 2, rank * 3}, r[3];
    MPI_Status st;
    OK(MPI_Send(v, 3, MPI_INT, peer, 20, MPI_COMM_WORLD));
    OK(MPI_Probe(peer, 20, MPI_COMM_WORLD, &st));
    int cnt;
    OK(MPI_Get_count(&st, MPI_INT, &cnt));
    CHECK(cnt == 3 && st.MPI_SOURCE == peer && st.MPI_TAG == 20);
    int flag = 0;
    while (!flag)
        OK(MPI_Iprobe(MPI_ANY_SOURCE, 20, MPI_COMM_WORLD, &flag, &st));
    OK(MPI_Recv(r, 3, MPI_INT, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    CHECK(r[2] == peer * 3);
    OK(MPI_Iprobe(peer, 20, MPI_COMM_WORLD, &flag, &st));
    CHECK(flag == 0);

    MPI_Message msg;
    OK(MPI_Send(v, 2, MPI_INT, peer, 21, MPI_COMM_WORLD));
    OK(MPI_Mprobe(peer, 21, MPI_COMM_WORLD, &msg, &st));
    OK(MPI_Get_count(&st, MPI_INT, &cnt));
    CHECK(cnt == 2);
    OK(MPI_Iprobe(peer, 21, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE));
    CHECK(flag == 0); /* a matched probe takes the message out of matching */
    OK(MPI_Mrecv(r, 2, MPI_INT, &msg, &st));
    CHECK(msg == MPI_MESSAGE_NULL && r[1] == peer * 2);

    OK(MPI_Send(v, 1, MPI_INT, peer, 22, MPI_COMM_WORLD));
    flag = 0;
    while (!flag)
        OK(MPI_Improbe(peer, 22, MPI_COMM_WORLD, &flag, &msg, &st));
    MPI_Request rq;
    OK(MPI_Imrecv(r, 1, MPI_INT, &msg, &rq));
    OK(MPI_Wait(&rq, &st));
    CHECK(r[0] == peer && st.MPI_TAG == 22);

    /* MPI_PROC_NULL: complete at once, empty status. */
    OK(MPI_Send(v, 3, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD));
    OK(MPI_Recv(r, 3, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &st));
    CHECK(st.MPI_SOURCE == MPI_PROC_NULL && st.MPI_TAG == MPI_ANY_TAG);
    OK(MPI_Get_count(&st, MPI_INT, &cnt));
    CHECK(cnt == 0);
    OK(MPI_Mprobe(MPI_PROC_NULL, 0, MPI_COMM_WORLD, &msg, &st));
    CHECK(msg == MPI_MESSAGE_NO_PROC);
    OK(MPI_Mrecv(r, 3, MPI_INT, &msg, &st));
    CHECK(st.MPI_SOURCE == MPI_PROC_NULL);

    /* Cancel a receive nobody sends to. */
    OK(MPI_Irecv(r, 1, MPI_INT, peer, 999, MPI_COMM_WORLD, &rq));
    OK(MPI_Cancel(&rq));
    OK(MPI_Wait(&rq, &st));
    OK(MPI_Test_cancelled(&st, &flag));
    CHECK(flag == 1);
    /* A completed receive is not cancelled. */
    OK(MPI_Irecv(r, 1, MPI_INT, peer, 23, MPI_COMM_WORLD, &rq));
    OK(MPI_Send(v, 1, MPI_INT, peer, 23, MPI_COMM_WORLD));
    int done = 0;
    while (!done)
        OK(MPI_Request_get_status(rq, &done, &st));
    CHECK(rq != MPI_REQUEST_NULL && st.MPI_TAG == 23);
    OK(MPI_Cancel(&rq));
    OK(MPI_Wait(&rq, &st));
    OK(MPI_Test_cancelled(&st, &flag));
    CHECK(flag == 0 && r[0] == peer);
}

/* Standard and buffered sends that completed at once share one complete
 * request (request.h): every call on such handles behaves as on any
 * other completed send, whichever order they come in. */
static void test_done_sends(void)
{
    enum { N = 8 };
    int v[N], r[N], flag;
    MPI_Request sq[N], rq[N];
    MPI_Status st;
    for (int i = 0; i < N; i++)
        OK(MPI_Irecv(&r[i], 1, MPI_INT, peer, 40 + i, MPI_COMM_WORLD, &rq[i]));
    /* Once the peer's zero arrives, its receives are posted (an exchange
     * with the peer, not a barrier: pairs may sit on different hosts with
     * shm alone, tests/scripts/multihost_mpi.sh). */
    int sync = 0;
    OK(MPI_Sendrecv(&sync, 1, MPI_INT, peer, 49, &sync, 1, MPI_INT, peer, 49, MPI_COMM_WORLD,
                    MPI_STATUS_IGNORE));
    int bsize = sizeof(int) + MPI_BSEND_OVERHEAD;
    void *buf = malloc(bsize);
    OK(MPI_Buffer_attach(buf, bsize));
    for (int i = 0; i < N; i++) {
        v[i] = rank * 100 + i;
        if (i == N - 1)
            OK(MPI_Ibsend(&v[i], 1, MPI_INT, peer, 40 + i, MPI_COMM_WORLD, &sq[i]));
        else
            OK(MPI_Isend(&v[i], 1, MPI_INT, peer, 40 + i, MPI_COMM_WORLD, &sq[i]));
        CHECK(sq[i] != MPI_REQUEST_NULL);
    }
    OK(MPI_Request_free(&sq[0]));
    CHECK(sq[0] == MPI_REQUEST_NULL);
    flag = 0;
    while (!flag)
        OK(MPI_Request_get_status(sq[1], &flag, &st));
    OK(MPI_Cancel(&sq[1])); /* too late: it completes normally */
    OK(MPI_Wait(&sq[1], &st));
    OK(MPI_Test_cancelled(&st, &flag));
    CHECK(flag == 0 && sq[1] == MPI_REQUEST_NULL);
    flag = 0;
    while (!flag)
        OK(MPI_Test(&sq[2], &flag, MPI_STATUS_IGNORE));
    CHECK(sq[2] == MPI_REQUEST_NULL);
    int idx;
    OK(MPI_Waitany(N - 3, &sq[3], &idx, MPI_STATUS_IGNORE));
    CHECK(idx >= 0 && sq[3 + idx] == MPI_REQUEST_NULL);
    OK(MPI_Waitall(N, sq, MPI_STATUSES_IGNORE));
    for (int i = 0; i < N; i++)
        CHECK(sq[i] == MPI_REQUEST_NULL);
    OK(MPI_Waitall(N, rq, MPI_STATUSES_IGNORE));
    for (int i = 0; i < N; i++)
        CHECK(r[i] == peer * 100 + i);
    void *out;
    int osz;
    OK(MPI_Buffer_detach(&out, &osz));
    free(buf);
}

/* Persistent requests, restarted many times. */
static void test_persistent(void)
{
    int sv = 0, rv = -1;
    MPI_Request rq[2];
    OK(MPI_Recv_init(&rv, 1, MPI_INT, peer, 30, MPI_COMM_WORLD, &rq[0]));
    OK(MPI_Send_init(&sv, 1, MPI_INT, peer, 30, MPI_COMM_WORLD, &rq[1]));
    MPI_Status st;
    OK(MPI_Wait(&rq[0], &st)); /* inactive: returns at once */
    CHECK(rq[0] != MPI_REQUEST_NULL && st.MPI_SOURCE == MPI_ANY_SOURCE);
    for (int i = 0; i < 100; i++) {
        sv = rank * 1000 + i;
        OK(MPI_Startall(2, rq));
        OK(MPI_Waitall(2, rq, MPI_STATUSES_IGNORE));
        CHECK(rq[0] != MPI_REQUEST_NULL && rq[1] != MPI_REQUEST_NULL);
        CHECK(rv == peer * 1000 + i);
    }
    OK(MPI_Request_free(&rq[0]));
    OK(MPI_Request_free(&rq[1]));
    /* Ssend_init, Rsend_init, Bsend_init. */
    MPI_Request s3[3];
    int bsize = 3 * (sizeof(int) + MPI_BSEND_OVERHEAD);
    void *buf = malloc(bsize);
    OK(MPI_Buffer_attach(buf, bsize));
    int vals[3] = {rank + 10, rank + 20, rank + 30}, got[3];
    OK(MPI_Ssend_init(&vals[0], 1, MPI_INT, peer, 31, MPI_COMM_WORLD, &s3[0]));
    OK(MPI_Bsend_init(&vals[1], 1, MPI_INT, peer, 32, MPI_COMM_WORLD, &s3[1]));
    OK(MPI_Rsend_init(&vals[2], 1, MPI_INT, peer, 33, MPI_COMM_WORLD, &s3[2]));
    MPI_Request r3[3];
    for (int i = 0; i < 3; i++)
        OK(MPI_Irecv(&got[i], 1, MPI_INT, peer, 31 + i, MPI_COMM_WORLD, &r3[i]));
    int dummy = 0;
    OK(MPI_Sendrecv(&dummy, 1, MPI_INT, peer, 34, &dummy, 1, MPI_INT, peer, 34, MPI_COMM_WORLD,
                    MPI_STATUS_IGNORE));
    OK(MPI_Startall(3, s3));
    OK(MPI_Waitall(3, r3, MPI_STATUSES_IGNORE));
    OK(MPI_Waitall(3, s3, MPI_STATUSES_IGNORE));
    for (int i = 0; i < 3; i++) {
        CHECK(got[i] == peer + 10 * (i + 1));
        OK(MPI_Request_free(&s3[i]));
    }
    void *out;
    int osz;
    OK(MPI_Buffer_detach(&out, &osz));
    free(buf);
}

int main(int argc, char **argv)
{
    OK(MPI_Init(&argc, &argv));
    OK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    OK(MPI_Comm_size(MPI_COMM_WORLD, &size));
    peer = (rank ^ 1) < size ? (rank ^ 1) : rank;
    test_sizes();
    test_types_wildcards();
    test_many_requests();
    test_modes();
    test_probe_cancel();
    test_done_sends();
    test_persistent();
    OK(MPI_Finalize());
    if (rank == 0)
        printf("p2p_basic: %d ranks OK\n", size);
    return 0;
}

/*
 * conformance.c -- the transport conformance program.  Every transport
 * (self: run with 1 rank; shm: 2 ranks; later tcp) must pass it unchanged:
 *  - sizes from 0 B to 64 MiB, odd sizes, both sides of every protocol
 *    threshold (ring inline / pool / eager limit / rendezvous), both
 *    directions at once, data verified byte for byte;
 *  - ordering: a train of messages mixing eager and rendezvous sizes on one
 *    tag arrives in order, also through wildcard receives;
 *  - wildcards: ANY_SOURCE / ANY_TAG with the status telling the truth;
 *  - thousands of outstanding requests;
 *  - messages that arrive before their receive (unexpected), of every size;
 *  - a stream of 1200 small and mid-size messages (17 B - 1 KiB)
 *    sent back to back, each direction, the receives posted late for half
 *    of them: the sender runs ahead until the transport has no room
 *    (shm: big inline frames, small slots past half a ring, ring full);
 *  - large messages streamed both ways at once, several in flight;
 *  - a send buffer is the caller's again once its send completes: rewritten
 *    at once and sent again, every message arrives as it was when sent
 *    (TCP splices large payloads from the sender's pages: its send may
 *    complete only once the receiver has read them).
 * Options (before MPI_Init, so they reach the runtime): --no-cma forces the
 * pipelined copy through shared memory instead of process_vm_readv;
 * --cma-refused makes the shm transport act as if the kernel refused CMA
 * (the runtime must fall back by itself); --put-refused refuses only the
 * sender's half of a split rendezvous (the receiver reads it instead);
 * --eager N caps the eager limit at N bytes (e.g. 1:
 * rendezvous for all).
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size, peer;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "conformance rank %d: %s:%d: check failed: %s\n", rank, __FILE__,      \
                    __LINE__, #c);                                                                 \
            MPI_Abort(MPI_COMM_WORLD, 1);                                                          \
        }                                                                                          \
    } while (0)
#define OK(call) CHECK((call) == MPI_SUCCESS)

static uint8_t byte_of(int from, size_t i, unsigned salt)
{
    uint64_t x = (uint64_t)i * 0x9E3779B97F4A7C15ull + (uint64_t)from * 7919 + salt * 104729ull;
    x ^= x >> 29;
    return (uint8_t)(x ^ (x >> 17));
}

static void fill(uint8_t *b, size_t n, int from, unsigned salt)
{
    for (size_t i = 0; i < n; i++)
        b[i] = byte_of(from, i, salt);
}

static void verify(const uint8_t *b, size_t n, int from, unsigned salt, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (b[i] != byte_of(from, i, salt)) {
            fprintf(stderr, "conformance rank %d: %s: byte %zu of %zu from rank %d is wrong\n",
                    rank, what, i, n, from);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
}

static const size_t sizes[] = {
    0,      1,       2,       3,       7,       8,       55,       56,      57,    63,
    64,     65,      127,     959,     960,     961,     1023,     1024,    4095,  4096,
    4097,   16383,   32767,   32768,   32769,   65535,   65536,    65537,   99991, 262143,
    524288, 1048575, 1048576, 1048577, 4194309, 8388608, 16777223, 67108864};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static uint8_t *keep[NSIZES];
static MPI_Request lates[NSIZES];

static void test_sizes(void)
{
    for (unsigned k = 0; k < NSIZES; k++) {
        size_t n = sizes[k];
        uint8_t *s = malloc(n + 64), *r = malloc(n + 64);
        CHECK(s && r);
        fill(s, n, rank, k);
        memset(r, 0x5a, n + 64);
        MPI_Request rq[2];
        MPI_Status st[2];
        OK(MPI_Irecv(r, (int)n, MPI_BYTE, peer, (int)k, MPI_COMM_WORLD, &rq[0]));
        OK(MPI_Isend(s, (int)n, MPI_BYTE, peer, (int)k, MPI_COMM_WORLD, &rq[1]));
        OK(MPI_Waitall(2, rq, st));
        int cnt;
        OK(MPI_Get_count(&st[0], MPI_BYTE, &cnt));
        CHECK(cnt == (int)n && st[0].MPI_SOURCE == peer && st[0].MPI_TAG == (int)k);
        verify(r, n, peer, k, "sizes");
        for (int i = 0; i < 64; i++)
            CHECK(r[n + i] == 0x5a);
        /* Again, the receive posted later (drained in main). */
        MPI_Request late;
        OK(MPI_Isend(s, (int)n, MPI_BYTE, peer, 1000 + (int)k, MPI_COMM_WORLD, &late));
        keep[k] = s;
        lates[k] = late;
        s = NULL;
        free(s);
        free(r);
    }
}

/* Unexpected messages of every size: all sent (nonblocking) before any
 * receive is posted; a zero-byte token tells the peer they are on the way. */
static void test_unexpected(void)
{
    uint8_t **s = malloc(NSIZES * sizeof *s);
    MPI_Request *rq = malloc(NSIZES * sizeof *rq);
    CHECK(s && rq);
    for (unsigned k = 0; k < NSIZES; k++) {
        s[k] = malloc(sizes[k] + 1);
        CHECK(s[k]);
        fill(s[k], sizes[k], rank, 500 + k);
        OK(MPI_Isend(s[k], (int)sizes[k], MPI_BYTE, peer, 2000 + (int)k, MPI_COMM_WORLD, &rq[k]));
    }
    OK(MPI_Sendrecv(NULL, 0, MPI_BYTE, peer, 1, NULL, 0, MPI_BYTE, peer, 1, MPI_COMM_WORLD,
                    MPI_STATUS_IGNORE));
    /* Receive in reverse order of sending: each matches by tag. */
    for (int k = (int)NSIZES - 1; k >= 0; k--) {
        uint8_t *r = malloc(sizes[k] + 1);
        CHECK(r);
        MPI_Status st;
        OK(MPI_Recv(r, (int)sizes[k], MPI_BYTE, peer, 2000 + k, MPI_COMM_WORLD, &st));
        verify(r, sizes[k], peer, 500 + (unsigned)k, "unexpected");
        free(r);
    }
    OK(MPI_Waitall((int)NSIZES, rq, MPI_STATUSES_IGNORE));
    for (unsigned k = 0; k < NSIZES; k++)
        free(s[k]);
    free(s);
    free(rq);
}

/* A train mixing eager and rendezvous sizes on one tag stays in order. */
static void test_ordering(void)
{
    enum { N = 300 };
    static const size_t mix[] = {0, 8, 1000, 40000, 5, 300000, 64, 33000};
    size_t total = 0;
    for (int i = 0; i < N; i++)
        total += mix[i % 8] + sizeof(int);
    uint8_t *sb = malloc(total), *rb = malloc(total);
    MPI_Request *rq = malloc(2 * N * sizeof *rq);
    CHECK(sb && rb && rq);
    size_t off = 0;
    for (int i = 0; i < N; i++) {
        size_t n = mix[i % 8] + sizeof(int);
        memcpy(sb + off, &i, sizeof(int));
        fill(sb + off + sizeof(int), n - sizeof(int), rank, (unsigned)i);
        OK(MPI_Isend(sb + off, (int)n, MPI_BYTE, peer, 7, MPI_COMM_WORLD, &rq[N + i]));
        off += n;
    }
    /* Half the receives by exact source/tag, half by wildcards; posted
     * after the sends, so most are unexpected. */
    off = 0;
    for (int i = 0; i < N; i++) {
        size_t n = mix[i % 8] + sizeof(int);
        int src = i % 2 ? MPI_ANY_SOURCE : peer, tag = i % 3 ? 7 : MPI_ANY_TAG;
        OK(MPI_Irecv(rb + off, (int)n, MPI_BYTE, src, tag, MPI_COMM_WORLD, &rq[i]));
        off += n;
    }
    MPI_Status *st = malloc(2 * N * sizeof *st);
    CHECK(st);
    OK(MPI_Waitall(2 * N, rq, st));
    off = 0;
    for (int i = 0; i < N; i++) {
        size_t n = mix[i % 8] + sizeof(int);
        int seq;
        memcpy(&seq, rb + off, sizeof(int));
        CHECK(seq == i);
        CHECK(st[i].MPI_SOURCE == peer && st[i].MPI_TAG == 7);
        verify(rb + off + sizeof(int), n - sizeof(int), peer, (unsigned)i, "ordering");
        off += n;
    }
    free(sb);
    free(rb);
    free(rq);
    free(st);
}

/* Thousands of outstanding requests, both directions, many tags. */
static void test_outstanding(void)
{
    enum { N = 5000 };
    int *sb = malloc(N * 4 * sizeof(int)), *rb = malloc(N * 4 * sizeof(int));
    MPI_Request *rq = malloc(2 * N * sizeof *rq);
    CHECK(sb && rb && rq);
    for (int i = 0; i < N * 4; i++) {
        sb[i] = rank * 1000003 + i;
        rb[i] = -1;
    }
    for (int i = 0; i < N; i++)
        OK(MPI_Irecv(&rb[4 * i], 1 + i % 4, MPI_INT, peer, i % 50, MPI_COMM_WORLD, &rq[i]));
    for (int i = 0; i < N; i++)
        OK(MPI_Isend(&sb[4 * i], 1 + i % 4, MPI_INT, peer, i % 50, MPI_COMM_WORLD, &rq[N + i]));
    OK(MPI_Waitall(2 * N, rq, MPI_STATUSES_IGNORE));
    for (int i = 0; i < N; i++)
        for (int j = 0; j < 1 + i % 4; j++)
            CHECK(rb[4 * i + j] == peer * 1000003 + 4 * i + j);
    free(sb);
    free(rb);
    free(rq);
}

/* A stream of mid-size messages, both directions at once, byte for byte:
 * the first half of the receives is posted before the sends, the second
 * after them, so the senders run ahead and the transport fills up. */
static void test_stream(void)
{
    enum { N = 1200 };
    static const size_t mix[] = {17, 1024, 100, 255, 256, 512, 960, 961, 40, 700, 1000, 64, 300};
    enum { NMIX = sizeof mix / sizeof mix[0] };
    size_t total = 0;
    for (int i = 0; i < N; i++)
        total += mix[i % NMIX];
    uint8_t *sb = malloc(total), *rb = malloc(total);
    MPI_Request *rq = malloc(2 * N * sizeof *rq);
    CHECK(sb && rb && rq);
    size_t off = 0;
    for (int i = 0; i < N / 2; i++) {
        OK(MPI_Irecv(rb + off, (int)mix[i % NMIX], MPI_BYTE, peer, 9, MPI_COMM_WORLD, &rq[i]));
        off += mix[i % NMIX];
    }
    size_t half = off;
    off = 0;
    for (int i = 0; i < N; i++) {
        fill(sb + off, mix[i % NMIX], rank, 7000 + (unsigned)i);
        OK(MPI_Isend(sb + off, (int)mix[i % NMIX], MPI_BYTE, peer, 9, MPI_COMM_WORLD, &rq[N + i]));
        off += mix[i % NMIX];
    }
    off = half;
    for (int i = N / 2; i < N; i++) {
        OK(MPI_Irecv(rb + off, (int)mix[i % NMIX], MPI_BYTE, peer, 9, MPI_COMM_WORLD, &rq[i]));
        off += mix[i % NMIX];
    }
    OK(MPI_Waitall(2 * N, rq, MPI_STATUSES_IGNORE));
    off = 0;
    for (int i = 0; i < N; i++) {
        verify(rb + off, mix[i % NMIX], peer, 7000 + (unsigned)i, "stream");
        off += mix[i % NMIX];
    }
    free(sb);
    free(rb);
    free(rq);
}

/* Large messages streamed both ways at once, several in flight each way
 * (the runtime then reads them whole with CMA where it can: p2p.c,
 * BOTH_WAYS_MIN), half the receives posted after the sends, byte for
 * byte. */
static void test_both_ways(void)
{
    static const size_t big[] = {262144, 300001, 524288, 262145, 1048576, 270000};
    enum { NB = sizeof big / sizeof big[0] };
    uint8_t *sb[NB], *rb[NB];
    MPI_Request rq[2 * NB];
    for (int i = 0; i < NB; i++) {
        sb[i] = malloc(big[i]);
        rb[i] = malloc(big[i]);
        CHECK(sb[i] && rb[i]);
        fill(sb[i], big[i], rank, 9000 + (unsigned)i);
    }
    for (int i = 0; i < NB / 2; i++)
        OK(MPI_Irecv(rb[i], (int)big[i], MPI_BYTE, peer, 11, MPI_COMM_WORLD, &rq[i]));
    for (int i = 0; i < NB; i++)
        OK(MPI_Isend(sb[i], (int)big[i], MPI_BYTE, peer, 11, MPI_COMM_WORLD, &rq[NB + i]));
    for (int i = NB / 2; i < NB; i++)
        OK(MPI_Irecv(rb[i], (int)big[i], MPI_BYTE, peer, 11, MPI_COMM_WORLD, &rq[i]));
    OK(MPI_Waitall(2 * NB, rq, MPI_STATUSES_IGNORE));
    for (int i = 0; i < NB; i++) {
        verify(rb[i], big[i], peer, 9000 + (unsigned)i, "both ways");
        free(sb[i]);
        free(rb[i]);
    }
}

/* Wildcard receives report the real source and tag. */
/* Both ways at once: send, overwrite the buffer the moment the send
 * completes, check what arrived. */
static void test_reuse(void)
{
    static const size_t n[] = {262147, 4194309};
    for (unsigned k = 0; k < 2; k++) {
        uint8_t *s = malloc(n[k]), *r = malloc(n[k]);
        CHECK(s && r);
        for (unsigned i = 0; i < 6; i++) {
            MPI_Request rq;
            fill(s, n[k], rank, 500 + i);
            OK(MPI_Irecv(r, (int)n[k], MPI_BYTE, peer, 7, MPI_COMM_WORLD, &rq));
            OK(MPI_Send(s, (int)n[k], MPI_BYTE, peer, 7, MPI_COMM_WORLD));
            memset(s, 0xa5, n[k]);
            OK(MPI_Wait(&rq, MPI_STATUS_IGNORE));
            verify(r, n[k], peer, 500 + i, "reuse");
        }
        free(s);
        free(r);
    }
}

static void test_wildcards(void)
{
    for (int t = 0; t < 20; t++) {
        int v = rank * 100 + t, r = -1;
        MPI_Request rq;
        MPI_Status st;
        OK(MPI_Irecv(&r, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &rq));
        OK(MPI_Send(&v, 1, MPI_INT, peer, 300 + t, MPI_COMM_WORLD));
        OK(MPI_Wait(&rq, &st));
        CHECK(r == peer * 100 + t && st.MPI_SOURCE == peer && st.MPI_TAG == 300 + t);
    }
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-cma") == 0)
            setenv("LARK_SHM_NO_CMA", "1", 1);
        else if (strcmp(argv[i], "--put-refused") == 0)
            setenv("LARK_SHM_PUT_EPERM", "1", 1);
        else if (strcmp(argv[i], "--cma-refused") == 0)
            setenv("LARK_SHM_CMA_EPERM", "1", 1);
        else if (strcmp(argv[i], "--eager") == 0 && i + 1 < argc)
            setenv("LARK_EAGER_LIMIT", argv[++i], 1);
    }
    OK(MPI_Init(&argc, &argv));
    OK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    OK(MPI_Comm_size(MPI_COMM_WORLD, &size));
    peer = (rank ^ 1) < size ? (rank ^ 1) : rank;
    double t0 = MPI_Wtime();
    test_sizes();
    /* Drain what test_sizes sent unexpectedly (tags 1000+k). */
    for (unsigned k = 0; k < NSIZES; k++) {
        uint8_t *r = malloc(sizes[k] + 1);
        CHECK(r);
        OK(MPI_Recv(r, (int)sizes[k], MPI_BYTE, peer, 1000 + (int)k, MPI_COMM_WORLD,
                    MPI_STATUS_IGNORE));
        verify(r, sizes[k], peer, k, "late receive");
        free(r);
    }
    OK(MPI_Waitall((int)NSIZES, lates, MPI_STATUSES_IGNORE));
    for (unsigned k = 0; k < NSIZES; k++)
        free(keep[k]);
    test_unexpected();
    test_ordering();
    test_outstanding();
    test_stream();
    test_both_ways();
    test_reuse();
    test_wildcards();
    OK(MPI_Finalize());
    if (rank == 0)
        printf("conformance: %d ranks%s OK in %.2f s\n", size, argc > 1 ? " (options)" : "",
               MPI_Wtime() - t0);
    return 0;
}

/*
 * stress.c -- randomized point-to-point among all ranks (8 in the test):
 * random destinations, sizes (0 B to 256 KiB, both protocols), tags, and
 * receive styles (wildcard Irecv, Probe+Recv, Mprobe+Mrecv), with a bounded
 * message count.  Every payload carries (source, per-pair sequence number,
 * length, checksum); the receiver checks that nothing is lost, corrupted or
 * reordered between a pair.  Every rank derives every rank's plan from the
 * shared seed, so it knows exactly how many messages to expect.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "stress rank %d: %s:%d: check failed: %s\n", rank, __FILE__, __LINE__, \
                    #c);                                                                           \
            MPI_Abort(MPI_COMM_WORLD, 1);                                                          \
        }                                                                                          \
    } while (0)
#define OK(call) CHECK((call) == MPI_SUCCESS)

struct hdr {
    int32_t src, seq;
    uint32_t len, sum;
};

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static size_t pick_size(uint64_t *s)
{
    switch (rng_next(s) % 8) {
    case 0:
        return 0;
    case 1:
    case 2:
    case 3:
        return rng_next(s) % 64;
    case 4:
    case 5:
        return rng_next(s) % 4096;
    case 6:
        return rng_next(s) % 40000;
    default:
        return rng_next(s) % 262144;
    }
}

static uint32_t checksum(const uint8_t *p, size_t n)
{
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < n; i++) {
        a = (a + p[i]) % 65521;
        b = (b + a) % 65521;
    }
    return (b << 16) | a;
}

int main(int argc, char **argv)
{
    OK(MPI_Init(&argc, &argv));
    OK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    OK(MPI_Comm_size(MPI_COMM_WORLD, &size));
    int per_rank = argc > 1 ? atoi(argv[1]) : 400;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5eed1234abcdull;

    /* Everyone's plan: (dest, size, tag) per message. */
    int *expect = calloc((size_t)size, sizeof(int));
    int *dests = malloc(sizeof(int) * (size_t)per_rank);
    size_t *lens = malloc(sizeof(size_t) * (size_t)per_rank);
    int *tags = malloc(sizeof(int) * (size_t)per_rank);
    CHECK(expect && dests && lens && tags);
    int total_in = 0;
    for (int r = 0; r < size; r++) {
        uint64_t s = seed ^ ((uint64_t)(r + 1) * 0x9E3779B97F4A7C15ull);
        for (int i = 0; i < per_rank; i++) {
            int d = (int)(rng_next(&s) % (uint64_t)size);
            size_t n = pick_size(&s) + sizeof(struct hdr);
            int t = (int)(rng_next(&s) % 4);
            if (r == rank) {
                dests[i] = d;
                lens[i] = n;
                tags[i] = t;
            }
            if (d == rank)
                total_in++;
        }
    }
    /* Send everything nonblocking; each payload is self-describing. */
    uint8_t **bufs = malloc(sizeof(uint8_t *) * (size_t)per_rank);
    MPI_Request *sreq = malloc(sizeof(MPI_Request) * (size_t)per_rank);
    int *seq_out = calloc((size_t)size, sizeof(int));
    CHECK(bufs && sreq && seq_out);
    uint64_t ps = seed * 31 + (uint64_t)rank;
    for (int i = 0; i < per_rank; i++) {
        bufs[i] = malloc(lens[i]);
        CHECK(bufs[i]);
        struct hdr h = {rank, seq_out[dests[i]]++, (uint32_t)lens[i], 0};
        uint8_t *body = bufs[i] + sizeof h;
        size_t bl = lens[i] - sizeof h;
        for (size_t k = 0; k < bl; k++)
            body[k] = (uint8_t)rng_next(&ps);
        h.sum = checksum(body, bl);
        memcpy(bufs[i], &h, sizeof h);
        OK(MPI_Isend(bufs[i], (int)lens[i], MPI_BYTE, dests[i], tags[i], MPI_COMM_WORLD, &sreq[i]));
    }
    /* Receive, rotating among three styles. */
    int *seq_in = calloc((size_t)size, sizeof(int));
    uint8_t *rb = malloc(262144 + sizeof(struct hdr));
    CHECK(seq_in && rb);
    for (int got = 0; got < total_in; got++) {
        MPI_Status st;
        int cnt;
        switch (got % 3) {
        case 0: {
            MPI_Request rq;
            OK(MPI_Irecv(rb, 262144 + sizeof(struct hdr), MPI_BYTE, MPI_ANY_SOURCE, MPI_ANY_TAG,
                         MPI_COMM_WORLD, &rq));
            OK(MPI_Wait(&rq, &st));
            break;
        }
        case 1:
            OK(MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st));
            OK(MPI_Get_count(&st, MPI_BYTE, &cnt));
            OK(MPI_Recv(rb, cnt, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, &st));
            break;
        default: {
            MPI_Message m;
            OK(MPI_Mprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &m, &st));
            OK(MPI_Get_count(&st, MPI_BYTE, &cnt));
            OK(MPI_Mrecv(rb, cnt, MPI_BYTE, &m, &st));
            break;
        }
        }
        OK(MPI_Get_count(&st, MPI_BYTE, &cnt));
        struct hdr h;
        CHECK(cnt >= (int)sizeof h);
        memcpy(&h, rb, sizeof h);
        CHECK(h.src == st.MPI_SOURCE && st.MPI_TAG >= 0 && st.MPI_TAG < 4);
        CHECK(h.len == (uint32_t)cnt);
        if (h.seq != seq_in[h.src]) {
            fprintf(stderr, "stress rank %d: from %d got seq %d, expected %d (reordered/lost)\n",
                    rank, h.src, h.seq, seq_in[h.src]);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        seq_in[h.src]++;
        CHECK(checksum(rb + sizeof h, (size_t)cnt - sizeof h) == h.sum);
    }
    OK(MPI_Waitall(per_rank, sreq, MPI_STATUSES_IGNORE));
    int flag;
    OK(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE));
    CHECK(flag == 0); /* nothing more than planned arrived */
    for (int i = 0; i < per_rank; i++)
        free(bufs[i]);
    free(bufs);
    free(sreq);
    free(seq_in);
    free(seq_out);
    free(rb);
    free(expect);
    free(dests);
    free(lens);
    free(tags);
    OK(MPI_Finalize());
    if (rank == 0)
        printf("stress: %d ranks x %d messages OK\n", size, per_rank);
    return 0;
}

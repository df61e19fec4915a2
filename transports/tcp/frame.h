/*
 * frame.h -- what travels on a Lark TCP connection, and the checks every
 * received byte passes before the runtime sees it.
 *
 * A connection opens with one handshake (struct lark_tcp_hello) each way:
 * the connecting side says who it is (job, its rank, the rank it wants)
 * and proves it belongs to the job with the job's secret; the accepting
 * side answers ACK (with the secret too, so both sides know the other is
 * genuine) or DUP (the tie-break: a connection the other way wins).  After
 * it, the stream is a sequence of frames: a 64-byte header (8 bytes of
 * magic, kind and payload length, then the runtime's struct lark_wire)
 * followed by the payload.  Both sides run the same byte order (a job does
 * not mix architectures).
 *
 * The functions here are pure (no I/O): tests/unit/test_tcp_frame.c and
 * the libFuzzer harness tests/fuzz/fuzz_tcp_frame.c drive them with
 * arbitrary bytes.
 */
#ifndef LARK_TCP_FRAME_H_INCLUDED
#define LARK_TCP_FRAME_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

#define LARK_TCP_SECRET_LEN 32
#define LARK_TCP_JOB_LEN    64
#define LARK_TCP_VERSION    1

enum lark_tcp_hello_kind { LARK_TCP_HELLO = 1, LARK_TCP_ACK = 2, LARK_TCP_DUP = 3 };

struct lark_tcp_hello {
    char magic[8]; /* "LARKTCP1" */
    uint32_t version;
    uint32_t kind; /* enum lark_tcp_hello_kind */
    int32_t from;  /* sender's world rank */
    int32_t to;    /* receiver's world rank */
    uint8_t secret[LARK_TCP_SECRET_LEN];
    char job[LARK_TCP_JOB_LEN]; /* PMIx namespace, NUL padded */
    uint8_t pad[8];
};
_Static_assert(sizeof(struct lark_tcp_hello) == 128, "the handshake is 128 bytes");

/* Fill a handshake message. */
void lark_tcp_hello_make(struct lark_tcp_hello *h, enum lark_tcp_hello_kind kind, int from, int to,
                         const char *job, const uint8_t *secret);
/* Check a received handshake of kind `kind` (HELLO on the accepting side;
 * ACK or DUP on the connecting side, where `expect_from` is the rank we
 * called, else -1).  Returns the sender's rank, or -1 with *why set to a
 * static sentence saying what is wrong. */
int lark_tcp_hello_check(const struct lark_tcp_hello *h, int kind, int me, int size,
                         int expect_from, const char *job, const uint8_t *secret, const char **why);

/* Frame kinds (the low byte of the first header word).  CONFIRM is a
 * FRAME whose payload was spliced from the sender's own pages (conn.c):
 * the sender may reuse them only once the receiver has read it all, and
 * the receiver then answers DONE (no payload; DONEs come back in the order
 * of the CONFIRMs they answer). */
enum lark_tcp_kind {
    LARK_TCP_FRAME = 1,
    LARK_TCP_BYE = 2,
    LARK_TCP_CONFIRM = 3,
    LARK_TCP_DONE = 4
};
#define LARK_TCP_MAGIC     0x4c4b5400u /* "LKT" in the upper 24 bits */
#define LARK_TCP_MAX_FRAME (1u << 30)  /* largest payload of one frame */

struct lark_tcp_frame {
    uint32_t word; /* LARK_TCP_MAGIC | kind */
    uint32_t plen; /* payload bytes after the header */
    struct lark_wire w;
};
_Static_assert(sizeof(struct lark_tcp_frame) == 64, "a frame header is 64 bytes");

/* Check a received frame header: 0 when it is well formed, -1 with *why
 * set otherwise (bad magic or kind, a wire type TCP never carries, a
 * payload length that does not fit the message). */
int lark_tcp_frame_check(const struct lark_tcp_frame *f, const char **why);

/* Parse frames out of `len` buffered bytes: for each complete, valid one
 * calls fn(arg, frame, payload) and goes on.  Returns the bytes consumed
 * (whole frames; the rest waits for more bytes), or -1 with *why set when
 * a frame is malformed.  (The connection code does the same incrementally,
 * reading large payloads straight into their destination; this is its
 * reference, used by the unit tests and the fuzzer.) */
long lark_tcp_frames_parse(const unsigned char *buf, size_t len,
                           void (*fn)(void *arg, const struct lark_tcp_frame *f,
                                      const void *payload),
                           void *arg, const char **why);

#endif

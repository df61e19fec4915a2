/*
 * frame.c -- building and checking handshakes and frame headers (see
 * frame.h).  Nothing here trusts a byte it has not checked: a stranger or a
 * broken peer gets a sentence saying why, never a crash.
 */
#include <string.h>

#include "frame.h"

static const char hello_magic[8] = {'L', 'A', 'R', 'K', 'T', 'C', 'P', '1'};

void lark_tcp_hello_make(struct lark_tcp_hello *h, enum lark_tcp_hello_kind kind, int from, int to,
                         const char *job, const uint8_t *secret)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, hello_magic, sizeof h->magic);
    h->version = LARK_TCP_VERSION;
    h->kind = (uint32_t)kind;
    h->from = from;
    h->to = to;
    memcpy(h->secret, secret, LARK_TCP_SECRET_LEN);
    strncpy(h->job, job, sizeof h->job - 1);
}

/* Compare without an early exit, so timing tells nothing about the secret. */
static int same_secret(const uint8_t *a, const uint8_t *b)
{
    unsigned diff = 0;
    for (int i = 0; i < LARK_TCP_SECRET_LEN; i++)
        diff |= (unsigned)(a[i] ^ b[i]);
    return diff == 0;
}

int lark_tcp_hello_check(const struct lark_tcp_hello *h, int kind, int me, int size,
                         int expect_from, const char *job, const uint8_t *secret, const char **why)
{
    char j[LARK_TCP_JOB_LEN];
    strncpy(j, job, sizeof j - 1);
    j[sizeof j - 1] = '\0';
    if (memcmp(h->magic, hello_magic, sizeof hello_magic) != 0)
        *why = "not a Lark handshake (bad magic)";
    else if (h->version != LARK_TCP_VERSION)
        *why = "a handshake of another Lark version";
    else if (!same_secret(h->secret, secret))
        *why = "wrong job secret";
    else if (h->job[sizeof h->job - 1] != '\0' || strcmp(h->job, j) != 0)
        *why = "a handshake of another job";
    else if ((int)h->kind != kind && !(kind == LARK_TCP_ACK && h->kind == LARK_TCP_DUP))
        *why = "an unexpected handshake message";
    else if (h->to != me)
        *why = "a handshake meant for another rank";
    else if (h->from < 0 || h->from >= size || h->from == me)
        *why = "a handshake from a rank that is not in the job";
    else if (expect_from >= 0 && h->from != expect_from)
        *why = "an answer from another rank than the one called";
    else
        return h->from;
    return -1;
}

int lark_tcp_frame_check(const struct lark_tcp_frame *f, const char **why)
{
    if ((f->word & 0xffffff00u) != LARK_TCP_MAGIC) {
        *why = "bad frame magic";
        return -1;
    }
    unsigned kind = f->word & 0xffu;
    if (f->plen > LARK_TCP_MAX_FRAME) {
        *why = "a frame longer than any Lark sends";
        return -1;
    }
    if (kind == LARK_TCP_BYE || kind == LARK_TCP_DONE) {
        if (f->plen != 0) {
            *why = "a BYE or DONE frame with a payload";
            return -1;
        }
        return 0;
    }
    if (kind != LARK_TCP_FRAME && kind != LARK_TCP_CONFIRM) {
        *why = "unknown frame kind";
        return -1;
    }
    const struct lark_wire *w = &f->w;
    switch (w->type) {
    case LARK_WIRE_EAGER:
        if ((w->flags & LARK_WIRE_INLINE) ? (f->plen != 0 || w->len > LARK_WIRE_INLINE_MAX)
                                          : (uint64_t)f->plen != w->len) {
            *why = "an EAGER frame whose payload is not its message";
            return -1;
        }
        return 0;
    case LARK_WIRE_RTS:
    case LARK_WIRE_CTS:
    case LARK_WIRE_FIN:
    case LARK_WIRE_SACK:
    case LARK_WIRE_CANCEL:
    case LARK_WIRE_CANCEL_ACK:
        if (f->plen != 0) {
            *why = "a control frame with a payload";
            return -1;
        }
        return 0;
    case LARK_WIRE_RMA: /* active messages of one-sided communication: any payload */
        return 0;
    case LARK_WIRE_DATA:
        if (f->plen == 0 || w->addr > w->len || f->plen > w->len - w->addr) {
            *why = "a DATA frame outside its message";
            return -1;
        }
        return 0;
    default:
        *why = "a frame type TCP does not carry";
        return -1;
    }
}

long lark_tcp_frames_parse(const unsigned char *buf, size_t len,
                           void (*fn)(void *arg, const struct lark_tcp_frame *f,
                                      const void *payload),
                           void *arg, const char **why)
{
    size_t off = 0;
    while (len - off >= sizeof(struct lark_tcp_frame)) {
        struct lark_tcp_frame f;
        memcpy(&f, buf + off, sizeof f);
        if (lark_tcp_frame_check(&f, why) != 0)
            return -1;
        if (len - off - sizeof f < f.plen)
            break;
        fn(arg, &f, buf + off + sizeof f);
        off += sizeof f + f.plen;
    }
    return (long)off;
}

/*
 * test_tcp_frame.c -- the TCP transport's wire checks on their own
 * (transports/tcp/frame.c): handshakes (good, wrong secret, wrong job,
 * wrong rank, garbage) and frame headers (every kind the runtime sends,
 * and the malformed ones a stranger or a broken peer could send), parsed
 * whole and byte by byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"

static const uint8_t secret[LARK_TCP_SECRET_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
static const char *job = "lark-0123abcd";

static void test_tcp_frame_hello_good(void **state)
{
    (void)state;
    struct lark_tcp_hello h;
    const char *why = NULL;
    lark_tcp_hello_make(&h, LARK_TCP_HELLO, 3, 1, job, secret);
    assert_int_equal(lark_tcp_hello_check(&h, LARK_TCP_HELLO, 1, 4, -1, job, secret, &why), 3);
    /* The answer: ACK and DUP both pass where an answer is expected. */
    lark_tcp_hello_make(&h, LARK_TCP_ACK, 1, 3, job, secret);
    assert_int_equal(lark_tcp_hello_check(&h, LARK_TCP_ACK, 3, 4, 1, job, secret, &why), 1);
    lark_tcp_hello_make(&h, LARK_TCP_DUP, 1, 3, job, secret);
    assert_int_equal(lark_tcp_hello_check(&h, LARK_TCP_ACK, 3, 4, 1, job, secret, &why), 1);
}

static void expect_bad(const struct lark_tcp_hello *h, int kind, int me, int expect,
                       const char *what)
{
    const char *why = NULL;
    assert_int_equal(lark_tcp_hello_check(h, kind, me, 4, expect, job, secret, &why), -1);
    assert_non_null(why);
    assert_non_null(strstr(why, what));
}

static void test_tcp_frame_hello_bad(void **state)
{
    (void)state;
    struct lark_tcp_hello h;
    uint8_t other[LARK_TCP_SECRET_LEN] = {9};
    lark_tcp_hello_make(&h, LARK_TCP_HELLO, 3, 1, job, other);
    expect_bad(&h, LARK_TCP_HELLO, 1, -1, "secret");
    lark_tcp_hello_make(&h, LARK_TCP_HELLO, 3, 1, "lark-other", secret);
    expect_bad(&h, LARK_TCP_HELLO, 1, -1, "another job");
    lark_tcp_hello_make(&h, LARK_TCP_HELLO, 3, 2, job, secret);
    expect_bad(&h, LARK_TCP_HELLO, 1, -1, "another rank");
    lark_tcp_hello_make(&h, LARK_TCP_HELLO, 7, 1, job, secret);
    expect_bad(&h, LARK_TCP_HELLO, 1, -1, "not in the job");
    lark_tcp_hello_make(&h, LARK_TCP_HELLO, 1, 1, job, secret);
    expect_bad(&h, LARK_TCP_HELLO, 1, -1, "not in the job");
    lark_tcp_hello_make(&h, LARK_TCP_ACK, 3, 1, job, secret);
    expect_bad(&h, LARK_TCP_HELLO, 1, -1, "unexpected");
    lark_tcp_hello_make(&h, LARK_TCP_ACK, 2, 3, job, secret);
    expect_bad(&h, LARK_TCP_ACK, 3, 1, "another rank than the one called");
    lark_tcp_hello_make(&h, LARK_TCP_HELLO, 3, 1, job, secret);
    h.version = 99;
    expect_bad(&h, LARK_TCP_HELLO, 1, -1, "version");
    memset(&h, 'x', sizeof h);
    expect_bad(&h, LARK_TCP_HELLO, 1, -1, "bad magic");
    /* A job name that fills the field without its NUL. */
    lark_tcp_hello_make(&h, LARK_TCP_HELLO, 3, 1, job, secret);
    memset(h.job, 'a', sizeof h.job);
    expect_bad(&h, LARK_TCP_HELLO, 1, -1, "another job");
}

static struct lark_tcp_frame frame(int type, uint32_t plen, uint64_t len)
{
    struct lark_tcp_frame f = {.word = LARK_TCP_MAGIC | LARK_TCP_FRAME, .plen = plen};
    f.w.type = (uint8_t)type;
    f.w.len = len;
    return f;
}

static void test_tcp_frame_headers(void **state)
{
    (void)state;
    const char *why = NULL;
    struct lark_tcp_frame f = frame(LARK_WIRE_EAGER, 100, 100);
    assert_int_equal(lark_tcp_frame_check(&f, &why), 0);
    f = frame(LARK_WIRE_EAGER, 0, 5);
    f.w.flags = LARK_WIRE_INLINE;
    assert_int_equal(lark_tcp_frame_check(&f, &why), 0);
    f = frame(LARK_WIRE_RTS, 0, 1 << 20);
    assert_int_equal(lark_tcp_frame_check(&f, &why), 0);
    f = frame(LARK_WIRE_DATA, 4096, 8192);
    f.w.addr = 4096;
    assert_int_equal(lark_tcp_frame_check(&f, &why), 0);
    f.word = LARK_TCP_MAGIC | LARK_TCP_CONFIRM; /* the same DATA, spliced */
    assert_int_equal(lark_tcp_frame_check(&f, &why), 0);
    f = (struct lark_tcp_frame){.word = LARK_TCP_MAGIC | LARK_TCP_BYE};
    assert_int_equal(lark_tcp_frame_check(&f, &why), 0);
    f.word = LARK_TCP_MAGIC | LARK_TCP_DONE;
    assert_int_equal(lark_tcp_frame_check(&f, &why), 0);
    /* Malformed: each with a reason. */
    struct lark_tcp_frame bad[10];
    bad[0] = frame(LARK_WIRE_EAGER, 99, 100); /* payload is not the message */
    bad[1] = frame(LARK_WIRE_EAGER, 0, 17);   /* inline too long */
    bad[1].w.flags = LARK_WIRE_INLINE;
    bad[2] = frame(LARK_WIRE_RTS, 8, 8);        /* control with a payload */
    bad[3] = frame(LARK_WIRE_DATA, 4097, 8192); /* beyond the message */
    bad[3].w.addr = 4096;
    bad[4] = frame(LARK_WIRE_PUT, 0, 0); /* TCP never carries PUT */
    bad[5] = frame(LARK_WIRE_EAGER, 8, 8);
    bad[5].word = 0x12345601; /* bad magic */
    bad[6] = frame(LARK_WIRE_EAGER, 8, 8);
    bad[6].word = LARK_TCP_MAGIC | 9;                        /* unknown kind */
    bad[7] = frame(LARK_WIRE_DATA, 0xffffffffu, UINT64_MAX); /* absurd length */
    bad[8] = (struct lark_tcp_frame){.word = LARK_TCP_MAGIC | LARK_TCP_DONE, .plen = 8};
    bad[9] = frame(LARK_WIRE_RTS, 8, 8); /* a CONFIRM is checked as a FRAME */
    bad[9].word = LARK_TCP_MAGIC | LARK_TCP_CONFIRM;
    for (int i = 0; i < 10; i++) {
        why = NULL;
        assert_int_equal(lark_tcp_frame_check(&bad[i], &why), -1);
        assert_non_null(why);
    }
}

struct seen {
    int n;
    size_t bytes;
    uint8_t last;
};

static void on_frame(void *arg, const struct lark_tcp_frame *f, const void *payload)
{
    struct seen *s = arg;
    s->n++;
    s->bytes += f->plen;
    if (f->plen)
        s->last = ((const uint8_t *)payload)[f->plen - 1];
}

/* A stream of frames parses the same whole and fed one byte at a time;
 * garbage after valid frames is refused, the valid ones delivered. */
static void test_tcp_frame_stream(void **state)
{
    (void)state;
    unsigned char buf[4096];
    size_t len = 0;
    for (int i = 0; i < 10; i++) {
        struct lark_tcp_frame f = frame(LARK_WIRE_EAGER, (uint32_t)(i * 37), (uint64_t)(i * 37));
        memcpy(buf + len, &f, sizeof f);
        len += sizeof f;
        memset(buf + len, i, (size_t)i * 37);
        len += (size_t)i * 37;
    }
    const char *why = NULL;
    struct seen whole = {0};
    assert_int_equal(lark_tcp_frames_parse(buf, len, on_frame, &whole, &why), (long)len);
    assert_int_equal(whole.n, 10);
    assert_int_equal(whole.bytes, 37 * 45);
    assert_int_equal(whole.last, 9);
    /* Byte by byte: feed a growing prefix, keep what was not consumed. */
    struct seen bytewise = {0};
    size_t off = 0;
    for (size_t end = 1; end <= len; end++) {
        long k = lark_tcp_frames_parse(buf + off, end - off, on_frame, &bytewise, &why);
        assert_true(k >= 0);
        off += (size_t)k;
    }
    assert_int_equal(off, len);
    assert_int_equal(bytewise.n, 10);
    /* Garbage after them. */
    memset(buf + len, 0xee, 64);
    struct seen g = {0};
    assert_int_equal(lark_tcp_frames_parse(buf, len + 64, on_frame, &g, &why), -1);
    assert_int_equal(g.n, 10);
    assert_non_null(why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_frame_hello_good),
        cmocka_unit_test(test_tcp_frame_hello_bad),
        cmocka_unit_test(test_tcp_frame_headers),
        cmocka_unit_test(test_tcp_frame_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

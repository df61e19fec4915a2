/*
 * fuzz_tcp_frame.c -- libFuzzer harness for what a TCP peer (or a stranger)
 * can send a Lark rank: the first 128 bytes as a handshake, checked both as
 * a HELLO and as an answer, then the rest as a stream of frames, parsed
 * whole and in two pieces.  Built with clang -fsanitize=fuzzer,address,
 * undefined when configure finds it (tests/fuzz/run.sh runs it for a
 * bounded time in `make check`); any crash or sanitizer report fails.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

static const uint8_t secret[LARK_TCP_SECRET_LEN] = {42};

static void on_frame(void *arg, const struct lark_tcp_frame *f, const void *payload)
{
    /* Touch every payload byte: a parser bug shows as an overflow. */
    volatile uint8_t sum = 0;
    for (uint32_t i = 0; i < f->plen; i++)
        sum ^= ((const uint8_t *)payload)[i];
    (void)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= sizeof(struct lark_tcp_hello)) {
        struct lark_tcp_hello h;
        memcpy(&h, data, sizeof h);
        const char *why = NULL;
        int r = lark_tcp_hello_check(&h, LARK_TCP_HELLO, 1, 4, -1, "lark-job", secret, &why);
        if (r < 0 && why == NULL)
            abort();
        if (r >= 0 && (r >= 4 || r == 1))
            abort();
        lark_tcp_hello_check(&h, LARK_TCP_ACK, 1, 4, 2, "lark-job", secret, &why);
        data += sizeof h;
        size -= sizeof h;
    }
    /* Copy so that a read past the end is caught exactly. */
    uint8_t *buf = malloc(size ? size : 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    const char *why = NULL;
    long whole = lark_tcp_frames_parse(buf, size, on_frame, NULL, &why);
    if (whole > (long)size)
        abort();
    size_t cut = size / 2;
    long first = lark_tcp_frames_parse(buf, cut, on_frame, NULL, &why);
    if (first >= 0) {
        long rest = lark_tcp_frames_parse(buf + first, size - (size_t)first, on_frame, NULL, &why);
        if (rest >= 0 && whole >= 0 && (size_t)first + (size_t)rest != (size_t)whole)
            abort(); /* the same bytes in two pieces must parse the same */
    }
    free(buf);
    return 0;
}

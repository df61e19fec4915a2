/*
 * self.c -- the self transport: frames a process sends to itself.
 *
 * send() copies the frame into a malloc'd node on a FIFO list; progress()
 * delivers what was queued before it started (so a frame sent from inside a
 * delivery waits for the next pass, and the runtime is never re-entered from
 * within send).  get() is a memcpy: the "peer" shares our address space.
 */
#include <stdlib.h>
#include <string.h>

#include "transport.h"

struct frame {
    struct frame *next;
    struct lark_wire hdr;
    size_t len;
    unsigned char payload[];
};

struct self_state {
    struct frame *head, *tail;
};

static int self_init(struct lark_transport *tp)
{
    tp->max_send = SIZE_MAX / 2;
    tp->eager_limit = 64 * 1024;
    tp->split_min = SIZE_MAX; /* one thread copies both halves anyway */
    tp->npeers = 0;           /* only ourselves */
    return LARK_OK;
}

static bool self_reachable(struct lark_transport *tp, int peer)
{
    (void)tp;
    return peer == lark_transport_world_rank();
}

/* A frame for ourselves: the payload copied, or written by fill(). */
static int self_send_gen(struct lark_transport *tp, const struct lark_wire *hdr,
                         const void *payload, size_t len,
                         void (*fill)(void *ctx, void *dst, size_t len), void *ctx)
{
    struct self_state *s = tp->priv;
    /* Freed by self_progress after delivery, or by self_finalize. */
    struct frame *f = malloc(sizeof *f + len);
    if (f == NULL)
        return LARK_ERR_AGAIN; /* retry later: memory may come back */
    f->next = NULL;
    f->hdr = *hdr;
    f->len = len;
    if (len && fill)
        fill(ctx, f->payload, len);
    else if (len)
        memcpy(f->payload, payload, len);
    if (s->tail)
        s->tail->next = f;
    else
        s->head = f;
    s->tail = f;
    lark_transport_wake_self(); /* another thread may sleep waiting for it */
    return LARK_OK;
}

static int self_send(struct lark_transport *tp, void *state, const struct lark_wire *hdr,
                     const void *payload, size_t len)
{
    (void)state;
    return self_send_gen(tp, hdr, payload, len, NULL, NULL);
}

static int self_send_fill(struct lark_transport *tp, void *state, const struct lark_wire *hdr,
                          size_t len, void (*fill)(void *ctx, void *dst, size_t len), void *ctx)
{
    (void)state;
    return self_send_gen(tp, hdr, NULL, len, fill, ctx);
}

/* Our own memory on both sides: the vector forms are memcpy loops. */
static int self_getv(struct lark_transport *tp, void *state, const struct iovec *local, int n,
                     uint64_t remote, size_t len)
{
    (void)tp;
    (void)state;
    (void)len;
    const char *r = (const char *)(uintptr_t)remote;
    for (int i = 0; i < n; i++) {
        memcpy(local[i].iov_base, r, local[i].iov_len);
        r += local[i].iov_len;
    }
    return LARK_OK;
}

static int self_putv(struct lark_transport *tp, void *state, uint64_t remote,
                     const struct iovec *local, int n, size_t len)
{
    (void)tp;
    (void)state;
    (void)len;
    char *r = (char *)(uintptr_t)remote;
    for (int i = 0; i < n; i++) {
        memcpy(r, local[i].iov_base, local[i].iov_len);
        r += local[i].iov_len;
    }
    return LARK_OK;
}

static int self_get(struct lark_transport *tp, void *state, void *local, uint64_t remote,
                    size_t len)
{
    (void)tp;
    (void)state;
    memcpy(local, (const void *)(uintptr_t)remote, len);
    return LARK_OK;
}

static int self_put(struct lark_transport *tp, void *state, uint64_t remote, const void *local,
                    size_t len)
{
    (void)tp;
    (void)state;
    memcpy((void *)(uintptr_t)remote, local, len);
    return LARK_OK;
}

static int self_progress(struct lark_transport *tp)
{
    struct self_state *s = tp->priv;
    struct frame *f = s->head;
    if (f == NULL)
        return 0;
    s->head = s->tail = NULL;
    int n = 0;
    while (f) {
        struct frame *next = f->next;
        lark_transport_deliver(lark_transport_world_rank(), &f->hdr, f->payload, f->len);
        free(f);
        f = next;
        n++;
    }
    return n;
}

static void self_finalize(struct lark_transport *tp)
{
    struct self_state *s = tp->priv;
    while (s->head) {
        struct frame *f = s->head;
        s->head = f->next;
        free(f);
    }
    s->tail = NULL;
}

const struct lark_transport_ops lark_transport_self_ops = {
    .name = "self",
    .priv_size = sizeof(struct self_state),
    .init = self_init,
    .reachable = self_reachable,
    .send = self_send,
    .get = self_get,
    .put = self_put,
    .send_fill = self_send_fill,
    .getv = self_getv,
    .putv = self_putv,
    .progress = self_progress,
    .finalize = self_finalize,
};

/*
 * match.c -- the matching engine: posted receives against arriving
 * messages, per context id, in arrival order, with wildcards, and a parking
 * lot that restores per-pair order for messages that arrive early.
 *
 * Cost: one small struct per context id in use (found by hashing), one
 * uint32_t per process of the job for sequence numbers, nothing per
 * message beyond the caller's embedded items.  Searches are linear in the
 * queue lengths, which stay short in real programs.
 */
#include <stdlib.h>

#include "lark.h"
#include "match.h"
#include "mpit/stats.h"

struct lark_match_ctx {
    uint32_t ctx;
    struct lark_match_queue posted, unexpected;
    struct lark_match_ctx *next; /* hash chain */
};

static void q_append(struct lark_match_queue *q, struct lark_match_item *it)
{
    it->next = NULL;
    it->prev = q->tail;
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
}

static void q_remove(struct lark_match_queue *q, struct lark_match_item *it)
{
    if (it->prev)
        it->prev->next = it->next;
    else
        q->head = it->next;
    if (it->next)
        it->next->prev = it->prev;
    else
        q->tail = it->prev;
    it->next = it->prev = NULL;
}

int lark_match_init(struct lark_match *m, int npeers)
{
    *m = (struct lark_match){0};
    /* One sequence number per sender; freed by lark_match_fini. */
    m->expected = calloc((size_t)(npeers > 0 ? npeers : 1), sizeof(uint32_t));
    if (m->expected == NULL)
        return LARK_ERR_NOMEM;
    m->npeers = npeers;
    return LARK_OK;
}

void lark_match_fini(struct lark_match *m)
{
    for (int b = 0; b < LARK_MATCH_BUCKETS; b++) {
        struct lark_match_ctx *c = m->buckets[b];
        while (c) {
            struct lark_match_ctx *n = c->next;
            free(c);
            c = n;
        }
        m->buckets[b] = NULL;
    }
    free(m->expected);
    m->expected = NULL;
}

/* The queues of context `ctx`, made on first use (freed by fini).  NULL only
 * when out of memory and `create` is set, or absent and `create` unset. */
void lark_match_walk(struct lark_match *m, bool posted, int max,
                     void (*fn)(const struct lark_match_item *it, void *arg), void *arg)
{
    for (int b = 0; b < LARK_MATCH_BUCKETS; b++)
        for (struct lark_match_ctx *c = m->buckets[b]; c; c = c->next)
            for (struct lark_match_item *it = posted ? c->posted.head : c->unexpected.head;
                 it != NULL && max > 0; it = it->next, max--)
                fn(it, arg);
}

static struct lark_match_ctx *ctx_get(struct lark_match *m, uint32_t ctx, bool create)
{
    struct lark_match_ctx **slot = &m->buckets[ctx % LARK_MATCH_BUCKETS];
    for (struct lark_match_ctx *c = *slot; c; c = c->next)
        if (c->ctx == ctx)
            return c;
    if (!create)
        return NULL;
    struct lark_match_ctx *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->ctx = ctx;
    c->next = *slot;
    *slot = c;
    return c;
}

void lark_match_park(struct lark_match *m, struct lark_match_item *msg)
{
    q_append(&m->parked, msg);
    m->nparked++;
}

struct lark_match_item *lark_match_unpark(struct lark_match *m)
{
    if (m->nparked == 0)
        return NULL;
    for (struct lark_match_item *it = m->parked.head; it; it = it->next) {
        if (m->expected[it->peer] == it->seq) {
            q_remove(&m->parked, it);
            m->nparked--;
            return it;
        }
    }
    return NULL;
}

struct lark_match_item *lark_match_arrive(struct lark_match *m, const struct lark_match_item *msg)
{
    m->expected[msg->peer] = msg->seq + 1;
    struct lark_match_ctx *c = ctx_get(m, msg->ctx, false);
    if (c == NULL)
        return NULL;
    for (struct lark_match_item *r = c->posted.head; r; r = r->next) {
        if (lark_match_accepts(r->source, r->tag, msg->source, msg->tag)) {
            q_remove(&c->posted, r);
            lark_count(&lark_stats.posted_len, (uint64_t)-1);
            return r;
        }
    }
    return NULL;
}

int lark_match_unexpected(struct lark_match *m, struct lark_match_item *msg)
{
    struct lark_match_ctx *c = ctx_get(m, msg->ctx, true);
    if (c == NULL)
        return LARK_ERR_NOMEM;
    q_append(&c->unexpected, msg);
    lark_stats_unexpected_in();
    return LARK_OK;
}

struct lark_match_item *lark_match_post(struct lark_match *m, struct lark_match_item *recv)
{
    struct lark_match_ctx *c = ctx_get(m, recv->ctx, true);
    if (c == NULL)
        return NULL;
    for (struct lark_match_item *u = c->unexpected.head; u; u = u->next) {
        if (lark_match_accepts(recv->source, recv->tag, u->source, u->tag)) {
            q_remove(&c->unexpected, u);
            lark_stats_unexpected_out();
            return u;
        }
    }
    q_append(&c->posted, recv);
    lark_count(&lark_stats.posted_len, 1);
    return NULL;
}

struct lark_match_item *lark_match_peek(struct lark_match *m, uint32_t ctx, int source, int tag)
{
    struct lark_match_ctx *c = ctx_get(m, ctx, false);
    if (c == NULL)
        return NULL;
    for (struct lark_match_item *u = c->unexpected.head; u; u = u->next)
        if (lark_match_accepts(source, tag, u->source, u->tag))
            return u;
    return NULL;
}

struct lark_match_item *lark_match_find(struct lark_match *m, uint32_t ctx,
                                        bool (*is)(const struct lark_match_item *it, void *arg),
                                        void *arg)
{
    struct lark_match_ctx *c = ctx_get(m, ctx, false);
    if (c == NULL)
        return NULL;
    for (struct lark_match_item *u = c->unexpected.head; u; u = u->next)
        if (is(u, arg))
            return u;
    return NULL;
}

struct lark_match_item *lark_match_leftover(struct lark_match *m)
{
    for (int b = 0; b < LARK_MATCH_BUCKETS; b++)
        for (struct lark_match_ctx *c = m->buckets[b]; c; c = c->next)
            if (c->unexpected.head != NULL) {
                struct lark_match_item *u = c->unexpected.head;
                q_remove(&c->unexpected, u);
                lark_stats_unexpected_out();
                return u;
            }
    if (m->parked.head != NULL) {
        struct lark_match_item *u = m->parked.head;
        q_remove(&m->parked, u);
        m->nparked--;
        return u;
    }
    return NULL;
}

void lark_match_take(struct lark_match *m, struct lark_match_item *msg)
{
    struct lark_match_ctx *c = ctx_get(m, msg->ctx, false);
    if (c != NULL) {
        q_remove(&c->unexpected, msg);
        lark_stats_unexpected_out();
    }
}

bool lark_match_cancel(struct lark_match *m, struct lark_match_item *recv)
{
    struct lark_match_ctx *c = ctx_get(m, recv->ctx, false);
    if (c == NULL)
        return false;
    for (struct lark_match_item *r = c->posted.head; r; r = r->next) {
        if (r == recv) {
            q_remove(&c->posted, r);
            lark_count(&lark_stats.posted_len, (uint64_t)-1);
            return true;
        }
    }
    return false;
}

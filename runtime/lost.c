/*
 * lost.c -- news of dead peers from the launcher, and communicators that
 * hold a lost rank (see lost.h).
 *
 * Costs: one byte per world rank (calloc'd at init, touched only where a
 * death is reported); per communicator two words caching whether it holds
 * a lost rank, recomputed (O(its size)) once per loss, only after one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lost.h"
#include "comm.h"
#include "peer.h"
#include "progress.h"
#include "runtime.h"
#include "transport.h"

_Atomic int lark_lost_news_pending;
static _Atomic unsigned char *news; /* by world rank: 1 reported, 2 taken; freed at finalize */
static int news_size;
static atomic_flag why_set = ATOMIC_FLAG_INIT;
static char first_why[400]; /* the first report's sentence, written once before its flag */
static _Atomic int first_rank = -1;

int lark_lost_init(int size)
{
    /* Freed by lark_lost_finalize, after the news source is gone. */
    news = calloc((size_t)size, 1);
    if (news == NULL)
        return LARK_ERR_NOMEM;
    news_size = size;
    return LARK_OK;
}

void lark_lost_finalize(void)
{
    free((void *)news);
    news = NULL;
    news_size = 0;
    atomic_store(&lark_lost_news_pending, 0);
    atomic_flag_clear(&why_set);
    atomic_store(&first_rank, -1);
}

void lark_lost_news(int rank, const char *why)
{
    if (news == NULL || rank < 0 || rank >= news_size || rank == lark_rt.rank)
        return;
    unsigned char zero = 0;
    if (!atomic_compare_exchange_strong(&news[rank], &zero, 1))
        return; /* heard already */
    if (why != NULL && *why && !atomic_flag_test_and_set(&why_set)) {
        snprintf(first_why, sizeof first_why, "%s", why);
        /* Strip the launcher's trailing newline. */
        size_t n = strlen(first_why);
        while (n > 0 && (first_why[n - 1] == '\n' || first_why[n - 1] == ' '))
            first_why[--n] = '\0';
        atomic_store_explicit(&first_rank, rank, memory_order_release);
    }
    atomic_fetch_add_explicit(&lark_lost_news_pending, 1, memory_order_release);
    lark_progress_wake_self();
}

void lark_lost_take_news(void)
{
    if (atomic_exchange_explicit(&lark_lost_news_pending, 0, memory_order_acquire) == 0)
        return;
    int with_why = atomic_load_explicit(&first_rank, memory_order_acquire);
    for (int w = 0; w < news_size; w++) {
        if (atomic_load_explicit(&news[w], memory_order_relaxed) != 1)
            continue;
        atomic_store_explicit(&news[w], 2, memory_order_relaxed);
        char why[512];
        if (w == with_why)
            snprintf(why, sizeof why, "the launcher reports it dead (%s)", first_why);
        else
            snprintf(why, sizeof why, "the launcher reports it dead");
        lark_transport_peer_lost(w, why);
    }
}

static bool group_lost(const struct lark_group *g)
{
    for (int i = 0; g != NULL && i < g->size; i++)
        if (lark_peer_is_lost(lark_group_world(g, i)))
            return true;
    return false;
}

bool lark_lost_comm_slow(struct lark_comm *comm)
{
    if (comm->parent != NULL)
        comm = comm->parent;
    if (comm->lost_gen != lark_peer_lost_gen) {
        comm->lost_member = group_lost(comm->group) || group_lost(comm->remote);
        comm->lost_gen = lark_peer_lost_gen;
    }
    return comm->lost_member;
}

/*
 * cid.c -- the per-process map of context ids, its two pools, and the
 * rounds of the thread-safe agreement (cid.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "cid.h"

#define EAGER_WORDS (LARK_CID_EAGER / 64)
#define NB_WORDS    (LARK_CID_NB_FIRST / 64) /* first word of the nonblocking pool */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t used[LARK_CID_WORDS];
static struct lark_cid_agreement *listed;       /* after their first round, any order */
static struct lark_cid_agreement *eager_holder; /* offering ids < LARK_CID_EAGER now */
static struct lark_cid_agreement *main_holder;  /* offering the main pool now (blocking) */
static struct lark_cid_agreement *nb_holder;    /* offering the nonblocking pool now */

void lark_cid_reset(void)
{
    pthread_mutex_lock(&lock);
    memset(used, 0, sizeof used);
    listed = eager_holder = main_holder = nb_holder = NULL;
    pthread_mutex_unlock(&lock);
}

int lark_cid_reserve(uint32_t cid)
{
    if (cid >= LARK_CID_MAX)
        return LARK_ERR_ARG;
    uint64_t bit = UINT64_C(1) << (cid % 64);
    int rc = LARK_OK;
    pthread_mutex_lock(&lock);
    if (used[cid / 64] & bit)
        rc = LARK_ERR_AGAIN;
    else
        used[cid / 64] |= bit;
    pthread_mutex_unlock(&lock);
    return rc;
}

void lark_cid_release(uint32_t cid)
{
    if (cid >= LARK_CID_MAX)
        return;
    pthread_mutex_lock(&lock);
    used[cid / 64] &= ~(UINT64_C(1) << (cid % 64));
    pthread_mutex_unlock(&lock);
}

/* Lowest key first; equal keys (which callers avoid) by address, so that
 * exactly one listed agreement is first. */
static bool before(const struct lark_cid_agreement *x, const struct lark_cid_agreement *y)
{
    return x->key != y->key ? x->key < y->key : (uintptr_t)x < (uintptr_t)y;
}

/* Is a first among the listed agreements of its kind (blocking or not)? */
static bool first_listed(const struct lark_cid_agreement *a)
{
    for (const struct lark_cid_agreement *p = listed; p != NULL; p = p->next)
        if (p != a && p->nonblocking == a->nonblocking && before(p, a))
            return false;
    return true;
}

static void offer_words(uint64_t *offer, int from, int to)
{
    for (int i = from; i < to; i++)
        offer[i] = ~used[i];
}

void lark_cid_offer(struct lark_cid_agreement *a, uint64_t *offer)
{
    memset(offer, 0, sizeof(uint64_t) * LARK_CID_OFFER_WORDS);
    pthread_mutex_lock(&lock);
    if (a->round == 0) {
        /* First round: the eager pool if it is free.  Not listed yet, so
         * this agreement, perhaps waiting for a member that is still busy
         * elsewhere, keeps no one from the main pool. */
        if (eager_holder == NULL) {
            eager_holder = a;
            a->holds_eager = true;
            offer_words(offer, 0, EAGER_WORDS);
        }
    } else {
        /* The pool of its kind: the main one for blocking agreements, the
         * nonblocking one for the others (cid.h says why). */
        struct lark_cid_agreement **holder = a->nonblocking ? &nb_holder : &main_holder;
        if (*holder == NULL && first_listed(a)) {
            *holder = a;
            a->holds_main = true;
            if (a->nonblocking)
                offer_words(offer, NB_WORDS, LARK_CID_WORDS);
            else
                offer_words(offer, EAGER_WORDS, NB_WORDS);
            offer[LARK_CID_WORDS] = ~UINT64_C(0);
            if (eager_holder == NULL) {
                eager_holder = a;
                a->holds_eager = true;
                offer_words(offer, 0, EAGER_WORDS);
            }
        }
    }
    pthread_mutex_unlock(&lock);
}

static void unlist(struct lark_cid_agreement *a)
{
    for (struct lark_cid_agreement **p = &listed; *p != NULL; p = &(*p)->next)
        if (*p == a) {
            *p = a->next;
            break;
        }
    a->listed = false;
}

bool lark_cid_settle(struct lark_cid_agreement *a, const uint64_t *result, bool take, uint32_t *cid,
                     int *rc)
{
    int found = -1;
    for (int i = 0; i < LARK_CID_WORDS && found < 0; i++)
        if (result[i] != 0)
            found = i * 64 + __builtin_ctzll(result[i]);
    pthread_mutex_lock(&lock);
    /* Every member offered its whole map and no id is free at all of
     * them: the ids are exhausted (too many communicators alive). */
    bool done = found >= 0 || result[LARK_CID_WORDS] != 0;
    *rc = found >= 0 ? LARK_OK : LARK_ERR_NOMEM;
    if (found >= 0) {
        /* Every member offered this id while holding its pool, so no other
         * agreement of theirs could offer or take it meanwhile. */
        *cid = (uint32_t)found;
        if (take)
            used[found / 64] |= UINT64_C(1) << (found % 64);
    }
    if (eager_holder == a)
        eager_holder = NULL;
    if (main_holder == a)
        main_holder = NULL;
    if (nb_holder == a)
        nb_holder = NULL;
    a->holds_eager = a->holds_main = false;
    a->round++;
    if (done && a->listed) {
        unlist(a);
    } else if (!done && !a->listed) {
        /* The round completed, so every member has entered this
         * agreement: from now on it may hold the map by priority. */
        a->next = listed;
        listed = a;
        a->listed = true;
    }
    pthread_mutex_unlock(&lock);
    return done;
}

void lark_cid_describe(const struct lark_cid_agreement *a, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    pthread_mutex_lock(&lock);
    len += (size_t)snprintf(buf, n, "this agreement: key %#llx, round %u; listed here:",
                            (unsigned long long)a->key, a->round);
    for (const struct lark_cid_agreement *p = listed; p != NULL && len < n; p = p->next)
        len += (size_t)snprintf(buf + len, n - len, " %#llx%s%s", (unsigned long long)p->key,
                                p->nonblocking ? " (nonblocking)" : "",
                                p == main_holder || p == nb_holder ? " (holds the map)" : "");
    if (len < n && eager_holder != NULL)
        snprintf(buf + len, n - len, "; key %#llx (round %u) holds the eager pool",
                 (unsigned long long)eager_holder->key, eager_holder->round);
    pthread_mutex_unlock(&lock);
}

/*
 * cid.c -- the per-process map of context ids and the rounds of the
 * thread-safe agreement (cid.h).
 */
#include <pthread.h>
#include <string.h>

#include "cid.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t used[LARK_CID_WORDS];
static struct lark_cid_agreement *pending; /* waiting agreements, any order */
static struct lark_cid_agreement *holder;  /* the one offering the map now */

void lark_cid_reset(void)
{
    pthread_mutex_lock(&lock);
    memset(used, 0, sizeof used);
    pending = holder = NULL;
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

static bool highest_priority(const struct lark_cid_agreement *a)
{
    for (const struct lark_cid_agreement *p = pending; p != NULL; p = p->next)
        if (p->key < a->key)
            return false;
    return true;
}

void lark_cid_offer(struct lark_cid_agreement *a, uint64_t *offer)
{
    pthread_mutex_lock(&lock);
    if (!a->waiting) {
        a->next = pending;
        pending = a;
        a->waiting = true;
    }
    a->holds_map = holder == NULL && highest_priority(a);
    if (a->holds_map) {
        holder = a;
        for (int i = 0; i < LARK_CID_WORDS; i++)
            offer[i] = ~used[i];
        offer[LARK_CID_WORDS] = ~UINT64_C(0);
    } else {
        memset(offer, 0, sizeof(uint64_t) * LARK_CID_OFFER_WORDS);
    }
    pthread_mutex_unlock(&lock);
}

static void unlink_pending(struct lark_cid_agreement *a)
{
    for (struct lark_cid_agreement **p = &pending; *p != NULL; p = &(*p)->next)
        if (*p == a) {
            *p = a->next;
            break;
        }
    a->waiting = false;
}

bool lark_cid_settle(struct lark_cid_agreement *a, const uint64_t *result, bool take, uint32_t *cid,
                     int *rc)
{
    int found = -1;
    for (int i = 0; i < LARK_CID_WORDS && found < 0; i++)
        if (result[i] != 0)
            found = i * 64 + __builtin_ctzll(result[i]);
    pthread_mutex_lock(&lock);
    /* Every member offered its map and no id is free at all of them: the
     * ids are exhausted (too many communicators alive). */
    bool done = found >= 0 || result[LARK_CID_WORDS] != 0;
    *rc = found >= 0 ? LARK_OK : LARK_ERR_NOMEM;
    if (found >= 0) {
        /* Every member offered this id as free, and no other agreement here
         * could take it meanwhile: we held the map. */
        *cid = (uint32_t)found;
        if (take)
            used[found / 64] |= UINT64_C(1) << (found % 64);
    }
    if (holder == a)
        holder = NULL;
    a->holds_map = false;
    if (done)
        unlink_pending(a);
    pthread_mutex_unlock(&lock);
    return done;
}

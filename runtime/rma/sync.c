/*
 * sync.c -- the synchronisation modes of one-sided communication: fence,
 * post/start/complete/wait (PSCW), lock/unlock (shared, exclusive, all),
 * flush.  Called WITHOUT the runtime lock (they wait); the API layer has
 * checked that the call fits the window's epochs.
 *
 * Completion rules, for both ways of reaching a target (win.h):
 *  - direct: stores are complete when they return; a full fence orders
 *    them before whatever tells the target (barrier, COMPLETE, unlock);
 *  - active messages: per-pair order means that an answer to FLUSH,
 *    UNLOCK (or the arrival of COMPLETE) proves every earlier frame was
 *    applied; `dirty` says whether such a round trip is needed, `pending`
 *    counts answers still to come (gets, lock grants, flush acks).
 * Passive-target locks are a word per target (acc.c): local origins take
 * it with atomics, remote ones ask the target (am.c), which queues them.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "coll/coll.h"
#include "comm.h"
#include "p2p.h"
#include "peer.h"
#include "progress.h"
#include "runtime.h"
#include "win.h"

struct target_arg {
    struct lark_win *win;
    int target; /* -1: all */
};

/* Target r's process is lost: its answers will never come. */
static bool target_lost(struct lark_win *win, int r)
{
    return lark_peer_is_lost(lark_comm_world_rank(win->comm, r));
}

static bool no_pending(void *arg)
{
    struct target_arg *a = arg;
    if (a->target >= 0)
        return a->win->t[a->target].pending == 0 || target_lost(a->win, a->target);
    for (int r = 0; r < a->win->comm->size; r++)
        if (a->win->t[r].pending != 0 && !target_lost(a->win, r))
            return false;
    return true;
}

int lark_rma_wait_pending(struct lark_win *win, int target)
{
    struct target_arg a = {win, target};
    lark_progress_wait(no_pending, &a);
    /* What a lost target still owed us is given up. */
    int rc = 0;
    lark_lock();
    for (int r = target >= 0 ? target : 0; r < (target >= 0 ? target + 1 : win->comm->size); r++)
        if (win->t[r].pending != 0) {
            win->t[r].pending = 0;
            rc = LARK_ERR_PEER;
        }
    lark_unlock();
    return rc;
}

/* Runtime lock held: ask `target` to confirm everything sent so far. */
static int send_flush(struct lark_win *win, int r)
{
    struct lark_win_target *t = &win->t[r];
    if (t->local || !t->dirty)
        return 0;
    int rc = lark_rma_am_send(win, r, LARK_AM_FLUSH, MPI_BYTE, 0, 0, MPI_NO_OP, 0, 0, NULL, 0);
    if (rc == 0) {
        t->dirty = false;
        t->pending++;
    }
    return rc;
}

/* No active-message frame to confirm and no reply due from any target:
 * a flush of all is then only a memory fence (a fence on a window mapped
 * here always is). */
static bool nothing_due(const struct lark_win *win)
{
    for (int r = 0; r < win->comm->size; r++) {
        const struct lark_win_target *t = &win->t[r];
        if (t->pending != 0 || (!t->local && t->dirty))
            return false;
    }
    return true;
}

int lark_rma_flush(struct lark_win *win, int target)
{
    int rc = 0;
    if (target >= 0 && lark_rma_flush_mapped(win, target))
        return 0;
    if (target < 0 && nothing_due(win)) {
        atomic_thread_fence(memory_order_seq_cst);
        return 0;
    }
    lark_lock();
    if (target >= 0) {
        rc = send_flush(win, target);
    } else {
        for (int r = 0; r < win->comm->size && rc == 0; r++)
            rc = send_flush(win, r);
    }
    lark_unlock();
    atomic_thread_fence(memory_order_seq_cst);
    int wrc = lark_rma_wait_pending(win, target);
    return rc != 0 ? rc : wrc;
}

int lark_rma_fence(struct lark_win *win, int assert)
{
    int rc = 0;
    if (!(assert &MPI_MODE_NOPRECEDE))
        rc = lark_rma_flush(win, -1);
    atomic_thread_fence(memory_order_seq_cst);
    if (rc == 0)
        rc = lark_coll_barrier(win->comm);
    atomic_thread_fence(memory_order_seq_cst);
    lark_lock();
    win->fence = !(assert &MPI_MODE_NOSUCCEED);
    lark_unlock();
    return rc;
}

/* ---- passive target ---- */

struct lock_arg {
    struct lark_win_sync *sync;
    int type;
};

static bool try_lock(void *arg)
{
    struct lock_arg *a = arg;
    return lark_rma_trylock(a->sync, a->type);
}

/* Runtime lock held: take the lock on `target`, or ask for it. */
static int lock_begin(struct lark_win *win, int type, int target, int assert)
{
    struct lark_win_target *t = &win->t[target];
    t->lock_type = type;
    t->lock_nocheck = (assert &MPI_MODE_NOCHECK) != 0;
    win->fence = false;
    if (t->lock_nocheck || t->local)
        return 0; /* local ones are taken by lock_finish */
    int rc = lark_rma_am_send(win, target, LARK_AM_LOCK, (MPI_Datatype)(intptr_t)type, 0, 0,
                              MPI_NO_OP, 0, 0, NULL, 0);
    if (rc == 0)
        t->pending++;
    return rc;
}

/* Without the lock: wait until the lock on `target` is ours; 0, or
 * LARK_ERR_PEER when the target is lost meanwhile. */
static int lock_finish(struct lark_win *win, int target)
{
    struct lark_win_target *t = &win->t[target];
    if (t->lock_nocheck)
        return 0;
    if (t->local) {
        /* The holder releases the word with a plain atomic store that
         * rings no doorbell, so never sleep here: poll, and give the core
         * away between polls (the holder may need it). */
        struct lock_arg a = {t->sync, t->lock_type};
        for (int spins = 0;; spins++) {
            lark_lock();
            bool got = try_lock(&a);
            if (!got)
                lark_p2p_progress();
            bool lost = !got && target_lost(win, target);
            lark_unlock();
            if (got)
                break;
            if (lost)
                return LARK_ERR_PEER; /* it may have died holding the word */
            if (spins > 64)
                sched_yield();
        }
        return 0;
    }
    return lark_rma_wait_pending(win, target);
}

int lark_rma_lock(struct lark_win *win, int type, int target, int assert)
{
    lark_lock();
    lark_p2p_progress(); /* news of a dead target, if any */
    int rc = target_lost(win, target) ? LARK_ERR_PEER : lock_begin(win, type, target, assert);
    if (rc == 0)
        win->nlocks++;
    else
        win->t[target].lock_type = 0;
    lark_unlock();
    if (rc == 0 && (rc = lock_finish(win, target)) != 0) {
        /* Never granted: no lock epoch on it. */
        lark_lock();
        win->nlocks--;
        win->t[target].lock_type = 0;
        lark_unlock();
    }
    return rc;
}

/* Runtime lock held: end the lock on `target` (direct: release the word;
 * else send UNLOCK, answered once all before it is applied). */
static int unlock_begin(struct lark_win *win, int target)
{
    struct lark_win_target *t = &win->t[target];
    int rc = 0;
    if (t->local) {
        atomic_thread_fence(memory_order_seq_cst);
        if (!t->lock_nocheck)
            lark_rma_unlock_word(t->sync, t->lock_type);
    } else if (t->lock_nocheck) {
        rc = send_flush(win, target);
    } else {
        rc = lark_rma_am_send(win, target, LARK_AM_UNLOCK, (MPI_Datatype)(intptr_t)t->lock_type, 0,
                              0, MPI_NO_OP, 0, 0, NULL, 0);
        if (rc == 0) {
            t->pending++;
            t->dirty = false;
        }
    }
    t->lock_type = 0;
    t->lock_nocheck = false;
    return rc;
}

int lark_rma_unlock(struct lark_win *win, int target)
{
    lark_lock();
    int rc = unlock_begin(win, target);
    win->nlocks--;
    lark_unlock();
    int wrc = lark_rma_wait_pending(win, target);
    return rc != 0 ? rc : wrc;
}

int lark_rma_lock_all(struct lark_win *win, int assert)
{
    int rc = 0, n = win->comm->size;
    lark_lock();
    for (int r = 0; r < n && rc == 0; r++)
        rc = lock_begin(win, MPI_LOCK_SHARED, r, assert);
    if (rc == 0)
        win->lock_all = true;
    lark_unlock();
    /* Remote grants were all asked for at once; local words are taken in
     * rank order (shared locks: no deadlock with other lock_alls). */
    for (int r = 0; r < n && rc == 0; r++)
        rc = lock_finish(win, r);
    return rc;
}

int lark_rma_unlock_all(struct lark_win *win)
{
    int rc = 0;
    lark_lock();
    for (int r = 0; r < win->comm->size; r++) {
        int e = unlock_begin(win, r);
        if (rc == 0)
            rc = e;
    }
    win->lock_all = false;
    lark_unlock();
    int wrc = lark_rma_wait_pending(win, -1);
    return rc != 0 ? rc : wrc;
}

/* ---- PSCW ---- */

int lark_rma_post(struct lark_win *win, const int *ranks, int n, int assert)
{
    int rc = 0;
    atomic_thread_fence(memory_order_seq_cst); /* our stores before their accesses */
    lark_lock();
    win->expose = malloc((size_t)(n ? n : 1) * sizeof *ranks); /* freed by wait */
    if (win->expose == NULL) {
        lark_unlock();
        return LARK_ERR_NOMEM;
    }
    memcpy(win->expose, ranks, (size_t)n * sizeof *ranks);
    win->nexpose = n;
    win->fence = false;
    for (int i = 0; i < n && rc == 0; i++) {
        if (assert & MPI_MODE_NOCHECK)
            break;
        if (ranks[i] == win->comm->rank)
            win->t[ranks[i]].posts++;
        else
            rc = lark_rma_am_send(win, ranks[i], LARK_AM_POST, MPI_BYTE, 0, 0, MPI_NO_OP, 0, 0,
                                  NULL, 0);
    }
    lark_unlock();
    return rc;
}

struct group_arg {
    struct lark_win *win;
    const int *ranks;
    int n;
    bool completes; /* count completes (wait) rather than posts (start) */
};

/* Every rank of the group has posted (completed), or is lost: it never
 * will. */
static bool all_noticed(void *arg)
{
    struct group_arg *a = arg;
    for (int i = 0; i < a->n; i++) {
        struct lark_win_target *t = &a->win->t[a->ranks[i]];
        if ((a->completes ? t->completes : t->posts) == 0 && !target_lost(a->win, a->ranks[i]))
            return false;
    }
    return true;
}

/* Take one post (complete) of each rank of the group; LARK_ERR_PEER when
 * a lost one had none. */
static int consume(struct group_arg *a)
{
    int rc = 0;
    for (int i = 0; i < a->n; i++) {
        struct lark_win_target *t = &a->win->t[a->ranks[i]];
        int *c = a->completes ? &t->completes : &t->posts;
        if (*c > 0)
            (*c)--;
        else
            rc = LARK_ERR_PEER;
    }
    return rc;
}

int lark_rma_start(struct lark_win *win, const int *ranks, int n, int assert)
{
    lark_lock();
    win->access = malloc((size_t)(n ? n : 1) * sizeof *ranks); /* freed by complete */
    if (win->access == NULL) {
        lark_unlock();
        return LARK_ERR_NOMEM;
    }
    memcpy(win->access, ranks, (size_t)n * sizeof *ranks);
    win->naccess = n;
    win->fence = false;
    lark_unlock();
    int rc = 0;
    if (!(assert &MPI_MODE_NOCHECK)) {
        struct group_arg a = {win, ranks, n, false};
        lark_progress_wait(all_noticed, &a);
        lark_lock();
        rc = consume(&a);
        lark_unlock();
    }
    lark_lock();
    for (int i = 0; i < n; i++)
        win->t[ranks[i]].in_access = true;
    lark_unlock();
    atomic_thread_fence(memory_order_seq_cst);
    return rc;
}

int lark_rma_complete(struct lark_win *win)
{
    int rc = 0;
    /* Our gets must have landed; direct stores are ordered by the fence
     * before the COMPLETE frames that announce them. */
    int wrc = lark_rma_wait_pending(win, -1);
    atomic_thread_fence(memory_order_seq_cst);
    lark_lock();
    for (int i = 0; i < win->naccess; i++) {
        int r = win->access[i];
        win->t[r].in_access = false;
        win->t[r].dirty = false; /* COMPLETE follows the data in order */
        if (r == win->comm->rank)
            win->t[r].completes++;
        else {
            /* To every live one, whatever failed before. */
            int e = lark_rma_am_send(win, r, LARK_AM_COMPLETE, MPI_BYTE, 0, 0, MPI_NO_OP, 0, 0,
                                     NULL, 0);
            if (rc == 0)
                rc = e;
        }
    }
    free(win->access);
    win->access = NULL;
    win->naccess = 0;
    lark_unlock();
    return rc != 0 ? rc : wrc;
}

struct test_arg {
    struct group_arg g;
    int calls;
    bool ok;
};

/* Done at once, or after one pass of progress (MPI_Win_test). */
static bool test_once(void *arg)
{
    struct test_arg *t = arg;
    t->ok = all_noticed(&t->g);
    return t->ok || ++t->calls >= 2;
}

int lark_rma_wait(struct lark_win *win, bool test, int *flag)
{
    struct group_arg a = {win, win->expose, win->nexpose, true};
    if (test) {
        struct test_arg t = {a, 0, false};
        lark_progress_wait(test_once, &t);
        *flag = t.ok;
        if (!t.ok)
            return 0;
    } else {
        lark_progress_wait(all_noticed, &a);
    }
    lark_lock();
    int rc = consume(&a);
    free(win->expose);
    win->expose = NULL;
    win->nexpose = 0;
    lark_unlock();
    atomic_thread_fence(memory_order_seq_cst);
    return rc;
}

/*
 * win_sync.c (api) -- one-sided synchronisation calls: MPI_Win_fence,
 * post/start/complete/wait/test, lock/unlock(_all), flush(_local)(_all)
 * and sync.  Each checks that the call fits the window's epochs (else
 * MPI_ERR_RMA_SYNC) and its assertions (else MPI_ERR_ASSERT), then calls
 * runtime/rma/sync.c without the runtime lock.
 */
#include <stdlib.h>

#pragma weak MPI_Win_fence = PMPI_Win_fence
#pragma weak MPI_Win_post = PMPI_Win_post
#pragma weak MPI_Win_start = PMPI_Win_start
#pragma weak MPI_Win_complete = PMPI_Win_complete
#pragma weak MPI_Win_wait = PMPI_Win_wait
#pragma weak MPI_Win_test = PMPI_Win_test
#pragma weak MPI_Win_lock = PMPI_Win_lock
#pragma weak MPI_Win_unlock = PMPI_Win_unlock
#pragma weak MPI_Win_lock_all = PMPI_Win_lock_all
#pragma weak MPI_Win_unlock_all = PMPI_Win_unlock_all
#pragma weak MPI_Win_flush = PMPI_Win_flush
#pragma weak MPI_Win_flush_all = PMPI_Win_flush_all
#pragma weak MPI_Win_flush_local = PMPI_Win_flush_local
#pragma weak MPI_Win_flush_local_all = PMPI_Win_flush_local_all
#pragma weak MPI_Win_sync = PMPI_Win_sync

#include "lark.h"
#include "comm.h"
#include "group.h"
#include "rma/api.h"
#include "where.h"

static int check_assert(struct lark_win *w, const char *call, int assert, int allowed)
{
    if ((assert & ~allowed) != 0)
        return LARK_WIN_RAISE(w, call, MPI_ERR_ASSERT,
                              "assertion %#x has bits this call does not accept (allowed: %#x)",
                              assert, allowed);
    return MPI_SUCCESS;
}

/* The blocking part of a call: the where-record says so (the hang report
 * names a rank stuck in a fence or waiting for a lock), done() leaves it.
 * A fence is collective over the window; the others wait on a peer or on
 * their epoch's group. */
static void in_sync(struct lark_win *w, const char *call, int kind, int peer)
{
    lark_where_enter(call, kind, w->comm, peer, LARK_WHERE_NONE, 0);
}

static int done(struct lark_win *w, const char *call, int rc)
{
    lark_where_leave();
    if (rc == 0)
        return MPI_SUCCESS;
    return LARK_WIN_RAISE(w, call, rc, "the synchronisation failed");
}

int PMPI_Win_fence(int assert, MPI_Win win)
{
    static const char call[] = "MPI_Win_fence";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc == MPI_SUCCESS)
        rc = check_assert(w, call, assert,
                          MPI_MODE_NOSTORE | MPI_MODE_NOPUT | MPI_MODE_NOPRECEDE |
                              MPI_MODE_NOSUCCEED);
    if (rc != MPI_SUCCESS)
        return rc;
    if (w->nlocks > 0 || w->lock_all || w->access != NULL || w->expose != NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_RMA_SYNC,
                              "a lock or post/start epoch is open on the window");
    /* Collective over the window: recorded for a hang report only once
     * its barrier really waits (where.h, lark_where_defer). */
    lark_where_defer(call, w->comm);
    rc = lark_rma_fence(w, assert);
    lark_where_defer_end();
    return rc == 0 ? MPI_SUCCESS : LARK_WIN_RAISE(w, call, rc, "the synchronisation failed");
}

/* The window ranks of a group's members; *out freed by the caller. */
static int group_ranks(struct lark_win *w, const char *call, MPI_Group group, int **out, int *n)
{
    struct lark_group *g = lark_group_from_handle(group);
    if (g == NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_GROUP, "invalid group %p", (void *)group);
    int *r = malloc((size_t)(g->size ? g->size : 1) * sizeof *r);
    if (r == NULL)
        return LARK_WIN_RAISE(w, call, LARK_ERR_NOMEM, "out of memory");
    if (lark_group_translate(g, g->size, NULL, w->comm->group, r) != LARK_OK) {
        free(r);
        return LARK_WIN_RAISE(w, call, LARK_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < g->size; i++) {
        if (r[i] == MPI_UNDEFINED) {
            free(r);
            return LARK_WIN_RAISE(w, call, MPI_ERR_GROUP,
                                  "member %d of the group is not in the window", i);
        }
    }
    *out = r;
    *n = g->size;
    return MPI_SUCCESS;
}

int PMPI_Win_post(MPI_Group group, int assert, MPI_Win win)
{
    static const char call[] = "MPI_Win_post";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc == MPI_SUCCESS)
        rc = check_assert(w, call, assert, MPI_MODE_NOCHECK | MPI_MODE_NOSTORE | MPI_MODE_NOPUT);
    if (rc != MPI_SUCCESS)
        return rc;
    if (w->expose != NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_RMA_SYNC,
                              "an exposure epoch is already open (MPI_Win_wait first)");
    int *ranks, n;
    rc = group_ranks(w, call, group, &ranks, &n);
    if (rc != MPI_SUCCESS)
        return rc;
    in_sync(w, call, LARK_WHERE_OTHER, LARK_WHERE_NONE);
    rc = lark_rma_post(w, ranks, n, assert);
    free(ranks);
    return done(w, call, rc);
}

int PMPI_Win_start(MPI_Group group, int assert, MPI_Win win)
{
    static const char call[] = "MPI_Win_start";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc == MPI_SUCCESS)
        rc = check_assert(w, call, assert, MPI_MODE_NOCHECK);
    if (rc != MPI_SUCCESS)
        return rc;
    if (w->access != NULL || w->nlocks > 0 || w->lock_all)
        return LARK_WIN_RAISE(w, call, MPI_ERR_RMA_SYNC, "an access epoch is already open (%s)",
                              w->access ? "MPI_Win_start without MPI_Win_complete"
                                        : "a passive-target lock");
    int *ranks, n;
    rc = group_ranks(w, call, group, &ranks, &n);
    if (rc != MPI_SUCCESS)
        return rc;
    in_sync(w, call, LARK_WHERE_OTHER, LARK_WHERE_NONE);
    rc = lark_rma_start(w, ranks, n, assert);
    free(ranks);
    return done(w, call, rc);
}

int PMPI_Win_complete(MPI_Win win)
{
    static const char call[] = "MPI_Win_complete";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    if (w->access == NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_RMA_SYNC,
                              "no access epoch is open (MPI_Win_start first)");
    in_sync(w, call, LARK_WHERE_OTHER, LARK_WHERE_NONE);
    return done(w, call, lark_rma_complete(w));
}

int PMPI_Win_wait(MPI_Win win)
{
    static const char call[] = "MPI_Win_wait";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    if (w->expose == NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_RMA_SYNC,
                              "no exposure epoch is open (MPI_Win_post first)");
    in_sync(w, call, LARK_WHERE_OTHER, LARK_WHERE_NONE);
    return done(w, call, lark_rma_wait(w, false, NULL));
}

int PMPI_Win_test(MPI_Win win, int *flag)
{
    static const char call[] = "MPI_Win_test";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    if (flag == NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_ARG, "flag is NULL");
    if (w->expose == NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_RMA_SYNC,
                              "no exposure epoch is open (MPI_Win_post first)");
    in_sync(w, call, LARK_WHERE_OTHER, LARK_WHERE_NONE);
    return done(w, call, lark_rma_wait(w, true, flag));
}

static int check_target(struct lark_win *w, const char *call, int rank)
{
    if (rank < 0 || rank >= w->comm->size)
        return LARK_WIN_RAISE(w, call, MPI_ERR_RANK, "rank %d is not in the window (size %d)", rank,
                              w->comm->size);
    return MPI_SUCCESS;
}

int PMPI_Win_lock(int lock_type, int rank, int assert, MPI_Win win)
{
    static const char call[] = "MPI_Win_lock";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc == MPI_SUCCESS)
        rc = check_assert(w, call, assert, MPI_MODE_NOCHECK);
    if (rc != MPI_SUCCESS)
        return rc;
    if (lock_type != MPI_LOCK_SHARED && lock_type != MPI_LOCK_EXCLUSIVE)
        return LARK_WIN_RAISE(w, call, MPI_ERR_LOCKTYPE,
                              "lock type %d is neither MPI_LOCK_SHARED nor MPI_LOCK_EXCLUSIVE",
                              lock_type);
    if (rank == MPI_PROC_NULL)
        return MPI_SUCCESS;
    if ((rc = check_target(w, call, rank)) != MPI_SUCCESS)
        return rc;
    if (w->t[rank].lock_type != 0 || w->lock_all || w->access != NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_RMA_SYNC,
                              "an access epoch to rank %d is already open (%s)", rank,
                              w->access     ? "MPI_Win_start"
                              : w->lock_all ? "MPI_Win_lock_all"
                                            : "MPI_Win_lock");
    if (w->no_locks)
        return LARK_WIN_RAISE(w, call, MPI_ERR_RMA_SYNC,
                              "the window was created with the info hint no_locks=true");
    in_sync(w, call, LARK_WHERE_OTHER, rank);
    return done(w, call, lark_rma_lock(w, lock_type, rank, assert));
}

int PMPI_Win_unlock(int rank, MPI_Win win)
{
    static const char call[] = "MPI_Win_unlock";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    if (rank == MPI_PROC_NULL)
        return MPI_SUCCESS;
    if ((rc = check_target(w, call, rank)) != MPI_SUCCESS)
        return rc;
    if (w->t[rank].lock_type == 0 || w->lock_all)
        return LARK_WIN_RAISE(w, call, MPI_ERR_RMA_SYNC,
                              "rank %d is not locked by MPI_Win_lock on this window", rank);
    in_sync(w, call, LARK_WHERE_OTHER, rank);
    return done(w, call, lark_rma_unlock(w, rank));
}

int PMPI_Win_lock_all(int assert, MPI_Win win)
{
    static const char call[] = "MPI_Win_lock_all";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc == MPI_SUCCESS)
        rc = check_assert(w, call, assert, MPI_MODE_NOCHECK);
    if (rc != MPI_SUCCESS)
        return rc;
    if (w->lock_all || w->nlocks > 0 || w->access != NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_RMA_SYNC,
                              "an access epoch is already open on the window");
    if (w->no_locks)
        return LARK_WIN_RAISE(w, call, MPI_ERR_RMA_SYNC,
                              "the window was created with the info hint no_locks=true");
    in_sync(w, call, LARK_WHERE_OTHER, LARK_WHERE_NONE);
    return done(w, call, lark_rma_lock_all(w, assert));
}

int PMPI_Win_unlock_all(MPI_Win win)
{
    static const char call[] = "MPI_Win_unlock_all";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    if (!w->lock_all)
        return LARK_WIN_RAISE(w, call, MPI_ERR_RMA_SYNC,
                              "the window is not locked by MPI_Win_lock_all");
    in_sync(w, call, LARK_WHERE_OTHER, LARK_WHERE_NONE);
    return done(w, call, lark_rma_unlock_all(w));
}

static int flush(const char *call, MPI_Win win, int rank, bool all)
{
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    if (!all && rank == MPI_PROC_NULL)
        return MPI_SUCCESS;
    if (!all) {
        if ((rc = check_target(w, call, rank)) != MPI_SUCCESS)
            return rc;
        if (!w->lock_all && w->t[rank].lock_type == 0)
            return LARK_WIN_RAISE(w, call, MPI_ERR_RMA_SYNC,
                                  "rank %d is not locked (flush needs a passive-target epoch)",
                                  rank);
        if (lark_rma_flush_mapped(w, rank))
            return MPI_SUCCESS; /* nothing to wait for: no where-record */
    } else if (!w->lock_all && w->nlocks == 0) {
        return LARK_WIN_RAISE(w, call, MPI_ERR_RMA_SYNC,
                              "no passive-target epoch is open (MPI_Win_lock or MPI_Win_lock_all)");
    }
    in_sync(w, call, LARK_WHERE_OTHER, all ? LARK_WHERE_NONE : rank);
    return done(w, call, lark_rma_flush(w, all ? -1 : rank));
}

int PMPI_Win_flush(int rank, MPI_Win win)
{
    return flush("MPI_Win_flush", win, rank, false);
}

int PMPI_Win_flush_all(MPI_Win win)
{
    return flush("MPI_Win_flush_all", win, 0, true);
}

/* Local completion: our puts and accumulates are copied out when they
 * return, so only gets remain, and flush covers them. */
int PMPI_Win_flush_local(int rank, MPI_Win win)
{
    return flush("MPI_Win_flush_local", win, rank, false);
}

int PMPI_Win_flush_local_all(MPI_Win win)
{
    return flush("MPI_Win_flush_local_all", win, 0, true);
}

int PMPI_Win_sync(MPI_Win win)
{
    struct lark_win *w = NULL;
    int rc = lark_win_enter("MPI_Win_sync", win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    /* The unified model: memory is memory; order our stores and loads. */
    atomic_thread_fence(memory_order_seq_cst);
    return MPI_SUCCESS;
}

/*
 * where.h -- keeping this rank's where-record (where_rec.h) up to date: the
 * blocking API calls say which call they are in, the progress engine
 * refreshes the queues before it sleeps.  A few plain stores per call.
 *
 * Threads: with MPI_THREAD_MULTIPLE the record shows the call entered or
 * left last, by any thread (writers take turns on a spin flag).
 */
#ifndef LARK_WHERE_H_INCLUDED
#define LARK_WHERE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "comm.h"
#include "runtime.h"
#include "where_rec.h"

extern struct lark_where_rec *lark_where;

/* MPI_Init: make the record (a private one if shared memory fails: then
 * nobody can read it, and nothing else changes).  MPI_Finalize: remove it. */
void lark_where_init(void);
void lark_where_finalize(void);

/* Entering a blocking call of a kind (enum lark_where_kind) on `c` (NULL: none) with peer `rank` (a
 * rank of c, MPI_ANY_SOURCE, or LARK_WHERE_NONE), `tag` and `bytes`. */
void lark_where_enter(const char *call, int kind, const struct lark_comm *c, int rank, int tag,
                      size_t bytes);
/* A blocking call as the wait loop records it, only once the call really
 * waits (lark_progress_wait_as): a send that the transport takes at once,
 * a receive whose message is there, never touch the record. */
struct lark_where_call {
    const char *call;
    int kind;
    const struct lark_comm *c;
    int rank, tag;
    size_t bytes;
};

/* In a blocking call that is collective over c (a communicator or window
 * constructor; NULL: over a group the record cannot describe).  On an
 * intercommunicator the record names the local side (each side waits for
 * its own members, then the leaders meet). */
static inline void lark_where_coll(const char *call, const struct lark_comm *c)
{
    if (c != NULL && c->remote != NULL)
        c = c->local;
    lark_where_enter(call, LARK_WHERE_COLL, c, LARK_WHERE_NONE, LARK_WHERE_NONE, 0);
}

/* A poll that found nothing (MPI_Test* on a request not done, MPI_Iprobe
 * finding no message): the record shows the call and what it polls
 * (`what` identifies it: the request, or the communicator probed) and
 * stays so after the call returns, with the time of the latest poll, so
 * a loop of polls reads as waiting.  Polling the same `what` again only
 * refreshes that time.  lark_where_poll_end: the polled thing completed
 * (the record goes back to "outside MPI"). */
void lark_where_poll(const char *call, int kind, const struct lark_comm *c, int rank, int tag,
                     size_t bytes, const void *what);
void lark_where_poll_end(void);
/* The root of a rooted collective, known after its entry checks. */
void lark_where_root(const struct lark_comm *c, int root);
/* Left the call (also on its error path: lark_err_raise calls it).  Also
 * ends a deferred collective record (below). */
void lark_where_leave(void);

/* A blocking collective's record, deferred as point-to-point's is
 * (lark_progress_wait_as): the entry keeps its call, communicator and
 * root here with plain stores, and the waiting loops (wait_until in
 * progress.c, wait_word in coll/shm.c) write them into the record only
 * once a wait inside the call drags on (lark_where_defer_show), so a
 * collective that never waits (a bcast root running ahead, a meeting
 * everyone reached) touches neither the record nor the clock.  The end of
 * the call (lark_where_defer_end) leaves the record only when it was
 * written.  With MPI_THREAD_MULTIPLE (lark_rt.locking) the record is
 * written at entry, as before: threads in collectives at once would race
 * on this one slot, and the slot is then never written. */
struct lark_where_defer {
    const char *call;          /* NULL: no blocking collective under way */
    const struct lark_comm *c; /* its communicator */
    int root;                  /* a rank of c, or LARK_WHERE_NONE */
    bool shown;                /* written into the record (leave it at the end) */
};
extern struct lark_where_defer lark_where_deferred;

/* Entering a blocking collective `call` on c. */
static inline void lark_where_defer(const char *call, const struct lark_comm *c)
{
    if (LARK_UNLIKELY(lark_rt.locking)) {
        lark_where_enter(call, LARK_WHERE_COLL, c, LARK_WHERE_NONE, LARK_WHERE_NONE, 0);
        return;
    }
    lark_where_deferred.call = call;
    lark_where_deferred.c = c;
    lark_where_deferred.root = LARK_WHERE_NONE;
    lark_where_deferred.shown = false;
}
/* Its root (a rank of c), known after the entry checks. */
static inline void lark_where_defer_root(const struct lark_comm *c, int root)
{
    if (LARK_UNLIKELY(lark_rt.locking))
        lark_where_root(c, root);
    else
        lark_where_deferred.root = root;
}
/* A waiting loop that has waited in vain for a while: write the deferred
 * record, if any and not written yet. */
void lark_where_defer_write(void);
static inline void lark_where_defer_show(void)
{
    if (lark_where_deferred.call != NULL && !lark_where_deferred.shown)
        lark_where_defer_write();
}
/* The collective returns. */
static inline void lark_where_defer_end(void)
{
    if (LARK_UNLIKELY(lark_rt.locking) || lark_where_deferred.shown) {
        lark_where_leave(); /* ends the deferred record too */
        return;
    }
    lark_where_deferred.call = NULL;
}
/* Refresh the queues (the progress engine, before it sleeps; takes the
 * runtime lock). */
void lark_where_queues(void);

#endif

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

#include <stddef.h>

#include "comm.h"
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
/* Left the call (also on its error path: lark_err_raise calls it). */
void lark_where_leave(void);
/* Refresh the queues (the progress engine, before it sleeps; takes the
 * runtime lock). */
void lark_where_queues(void);

#endif

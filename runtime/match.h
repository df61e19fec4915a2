/*
 * match.h -- the matching engine: which receive gets which message.
 *
 * A pure data structure with no transport and no locking of its own (the
 * caller holds the runtime lock).  Per context id it keeps two FIFO queues:
 * posted receives (may use MPI_ANY_SOURCE / MPI_ANY_TAG) and unexpected
 * messages (arrived before a matching receive).  Both sides embed a
 * struct lark_match_item; the engine never allocates or frees them.
 *
 * Ordering: every message between a pair of processes carries a sequence
 * number (per sender -> receiver pair, across contexts).  A message that
 * arrives before its predecessors is parked until they have been matched,
 * so messages between a pair never overtake each other even on a
 * transport that could reorder them.
 */
#ifndef LARK_MATCH_H_INCLUDED
#define LARK_MATCH_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "mpi.h"

struct lark_match_item {
    struct lark_match_item *next, *prev;
    uint32_t ctx; /* context id */
    int source;   /* rank in the communicator, or MPI_ANY_SOURCE (posted) */
    int tag;      /* tag, or MPI_ANY_TAG (posted) */
    int peer;     /* messages: the sender's world rank */
    uint32_t seq; /* messages: sequence number from that sender */
};

struct lark_match_queue {
    struct lark_match_item *head, *tail;
};

struct lark_match_ctx; /* per-context queues, private to match.c */

#define LARK_MATCH_BUCKETS 64

struct lark_match {
    struct lark_match_ctx *buckets[LARK_MATCH_BUCKETS];
    int npeers;
    uint32_t *expected;             /* next sequence number, per sender world rank */
    struct lark_match_queue parked; /* out-of-order arrivals, any sender */
    size_t nparked;
};

/* Call fn on the first `max` posted receives (posted) or unexpected
 * messages (!posted) of every context, oldest first within a context. */
void lark_match_walk(struct lark_match *m, bool posted, int max,
                     void (*fn)(const struct lark_match_item *it, void *arg), void *arg);

/* Set up for a job of `npeers` processes.  Returns 0 or LARK_ERR_NOMEM. */
int lark_match_init(struct lark_match *m, int npeers);
/* Free the engine's own memory; items still queued are simply forgotten. */
void lark_match_fini(struct lark_match *m);

/* Is `seq` the next message expected from world rank `peer`? */
static inline bool lark_match_in_order(const struct lark_match *m, int peer, uint32_t seq)
{
    return m->expected[peer] == seq;
}
/* Keep an out-of-order message (its payload must already be owned by the
 * caller) until lark_match_unpark() returns it. */
void lark_match_park(struct lark_match *m, struct lark_match_item *msg);
/* The parked message that is next in order, if any (removed). */
struct lark_match_item *lark_match_unpark(struct lark_match *m);

/* An in-order message arrives.  If a posted receive matches, it is removed
 * and returned; otherwise NULL is returned and the caller MUST hand the
 * message (as an item it owns until received) to lark_match_unexpected()
 * before anything else touches the engine.  Either way the sender's
 * expected sequence advances.  (Split in two so the caller copies the
 * payload only when no receive is waiting.) */
/* The first unexpected message of context ctx that `is` accepts, or NULL
 * (left in the queue: lark_match_take removes it). */
struct lark_match_item *lark_match_find(struct lark_match *m, uint32_t ctx,
                                        bool (*is)(const struct lark_match_item *it, void *arg),
                                        void *arg);
struct lark_match_item *lark_match_arrive(struct lark_match *m, const struct lark_match_item *msg);
/* Append an arrived, unmatched message to its context's unexpected queue.
 * Returns 0 or LARK_ERR_NOMEM. */
int lark_match_unexpected(struct lark_match *m, struct lark_match_item *msg);

/* A receive is posted.  If an unexpected message matches, the first (oldest)
 * such message is removed and returned; otherwise the receive is appended
 * to the posted queue and NULL returned. */
struct lark_match_item *lark_match_post(struct lark_match *m, struct lark_match_item *recv);

/* At finalize: an unexpected or parked message still queued (removed), or
 * NULL when none is left. */
struct lark_match_item *lark_match_leftover(struct lark_match *m);

/* The first unexpected message that (ctx, source, tag) would match, left in
 * place (MPI_Iprobe), or NULL. */
struct lark_match_item *lark_match_peek(struct lark_match *m, uint32_t ctx, int source, int tag);
/* Remove an unexpected message found by peek (MPI_Improbe). */
void lark_match_take(struct lark_match *m, struct lark_match_item *msg);
/* Remove a posted receive (MPI_Cancel).  Returns true if it was posted. */
bool lark_match_cancel(struct lark_match *m, struct lark_match_item *recv);

/* Does a receive for (source, tag) accept a message from (msource, mtag)? */
static inline bool lark_match_accepts(int source, int tag, int msource, int mtag)
{
    return (source == msource || source == MPI_ANY_SOURCE) &&
           (tag == mtag || (tag == MPI_ANY_TAG && mtag >= 0));
}

#endif

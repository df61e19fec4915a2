/*
 * lost.h -- what the runtime knows about dead peers beyond its own
 * transports, and what a loss means for communicators.
 *
 * A transport that loses a peer (a TCP connection reset) says so itself
 * (lark_transport_peer_lost, peer.c).  A peer that shares only shared
 * memory with us cannot be seen dying that way: the launcher, which reaps
 * every rank, tells us instead.  Lark's mpirun, under --enable-recovery,
 * sends every surviving rank a PMIx event (PMIX_EVENT_PROC_TERMINATED,
 * the dead rank in PMIX_EVENT_AFFECTED_PROC, its line in
 * PMIX_EVENT_TEXT_MESSAGE); wireup.c's handler, on PMIx's thread, passes
 * it to lark_lost_news, and the next progress pass (any thread holding
 * the runtime lock) makes it a loss like a transport's, whatever the
 * transport: requests with that peer fail with MPI_ERR_PROC_ABORTED.
 *
 * Collectives: a communicator holding a lost rank (either group of an
 * intercommunicator; for the communicators coll/node.c derives, the one
 * they serve) can complete no collective, so every collective message on
 * it fails: posted collective receives when the loss is taken
 * (p2p.c), later collective sends and receives at once, and the
 * shared-memory collectives' waits (coll/shm.c).  Since every survivor
 * hears of the death, every survivor's collective fails, rather than the
 * ranks next to the dead one failing and the others waiting for them.
 */
#ifndef LARK_LOST_H_INCLUDED
#define LARK_LOST_H_INCLUDED

#include <stdatomic.h>
#include <stdbool.h>

#include "lark.h"

struct lark_comm;

/* Start / stop taking news for a job of `size` ranks (wireup.c, after
 * the layout is known; the stop after the news source is gone).  Returns
 * 0 or LARK_ERR_NOMEM. */
int lark_lost_init(int size);
void lark_lost_finalize(void);

/* The launcher says world rank `rank` died; `why` (may be NULL) is its
 * sentence.  Any thread, no lock: it is noted and the process woken; the
 * loss is taken at the next progress pass. */
void lark_lost_news(int rank, const char *why);

/* News not taken yet (one relaxed load on every progress pass). */
extern _Atomic int lark_lost_news_pending;
/* Take the news: each newly reported rank becomes lost (as if a
 * transport lost it).  Runtime lock held. */
void lark_lost_take_news(void);

/* Does comm hold a lost rank (see above)?  Never true before any loss:
 * one load.  Runtime lock held. */
bool lark_lost_comm_slow(struct lark_comm *comm);
extern unsigned char *lark_peer_lost_map;
static inline bool lark_lost_comm(struct lark_comm *comm)
{
    return LARK_UNLIKELY(lark_peer_lost_map != NULL) && lark_lost_comm_slow(comm);
}

#endif

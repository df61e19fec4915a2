/*
 * cid.h -- context ids: this process's map of ids in use, and the
 * agreement on a fresh id among the members of a new communicator.
 *
 * An id must be free at every member.  The members AND their maps of free
 * ids (one allreduce of LARK_CID_MAX bits) and take the lowest id left.
 * Under MPI_THREAD_MULTIPLE several threads of one process may run
 * agreements at once, each over a different communicator; two of them must
 * never both offer (and then take) the same id, and no global lock may be
 * held across the allreduce, or two processes whose threads entered in
 * opposite orders would deadlock.  So an agreement runs in rounds:
 *
 *   lark_cid_offer():  under the map's mutex, if no other agreement of
 *       this process holds the map and this one has the highest priority
 *       of those waiting (lowest key: the parent's context id and a tag),
 *       it takes the map and offers the free ids; otherwise it offers none.
 *   (the caller ANDs the offers of all members, without any lock held)
 *   lark_cid_settle(): if the result has an id, the holder reserves the
 *       lowest one; the map is released either way.  An empty result means
 *       some member could not offer: every member sees the same empty
 *       result and starts another round.
 *
 * The agreement with the lowest key among all those pending anywhere is
 * offered the map by every one of its members (ids are unique within a
 * process), so it completes; the others follow: no deadlock, no livelock.
 * Disjoint communicators made by one MPI_Comm_split may share an id: they
 * have no member in common, so no message can match in the wrong one.
 */
#ifndef LARK_CID_H_INCLUDED
#define LARK_CID_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "lark.h"

#define LARK_CID_MAX   4096 /* context ids per process: 0..LARK_CID_MAX-1 */
#define LARK_CID_WORDS (LARK_CID_MAX / 64)
/* An offer: the free-id words, then one word that is all ones when the
 * member offered its real map (so an empty AND with that word still set
 * means no id is free anywhere: give up instead of another round). */
#define LARK_CID_OFFER_WORDS (LARK_CID_WORDS + 1)

/* One agreement in progress in this process. */
struct lark_cid_agreement {
    uint64_t key;   /* priority: lower goes first; unique among pending ones */
    bool holds_map; /* offered the real map in the current round */
    bool waiting;   /* registered in the pending list */
    struct lark_cid_agreement *next;
};

/* Mark `cid` used (LARK_ERR_AGAIN if it already is) / free it.
 * Thread-safe. */
int lark_cid_reserve(uint32_t cid);
void lark_cid_release(uint32_t cid);
void lark_cid_reset(void); /* at MPI_Init: every id free */

/* One round, see above.  offer[] gets LARK_CID_OFFER_WORDS words.  settle returns true when the
 * agreement is over: *cid is the id (reserved here when `take`), or LARK_ERR_NOMEM in *rc when no
 * id is free anywhere.  Neither blocks (beyond a mutex). */
void lark_cid_offer(struct lark_cid_agreement *a, uint64_t *offer);
bool lark_cid_settle(struct lark_cid_agreement *a, const uint64_t *result, bool take, uint32_t *cid,
                     int *rc);

#endif

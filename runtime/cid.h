/*
 * cid.h -- context ids: this process's map of ids in use, and the
 * agreement on a fresh id among the members of a new communicator.
 *
 * An id must be free at every member.  The members AND their maps of free
 * ids (one allreduce of LARK_CID_MAX bits) and take the lowest id left.
 * Under MPI_THREAD_MULTIPLE several threads of one process may run
 * agreements at once, each over a different communicator; two of them must
 * never both offer (and then take) the same id, and no lock may be held
 * across the allreduce.  So an agreement runs in rounds, and the ids are
 * in two pools, each offered by one agreement of this process at a time
 * (its "holder"):
 *
 *   lark_cid_offer():  under the map's mutex, take what pools this
 *       agreement may hold now and offer their free ids (an agreement that
 *       may hold none offers nothing, and the round gives no id);
 *   (the caller ANDs the offers of all members, no lock held)
 *   lark_cid_settle(): if the result has an id, it is the lowest id that
 *       every member offered while holding its pool, so no other agreement
 *       of any member can have it: reserve it.  Release the pools.  An
 *       empty result: every member sees it, and they start another round.
 *
 * The first round of an agreement offers the small eager pool
 * (LARK_CID_EAGER ids) if no other agreement of this process holds it: a
 * program that makes one communicator at a time agrees in one allreduce.
 * Later rounds offer the whole map, and only the agreement with the
 * highest priority (lowest key: the parent's context id and a tag, the
 * same at every member) among the LISTED ones holds it.  An agreement is
 * listed only after its first round, i.e. once every member has entered
 * it: an agreement that still waits for a member (that member making
 * other communicators first, which the standard allows) must never keep
 * the others of this process from offering, or two processes whose
 * threads entered in different orders would wait for each other forever.
 * A listed agreement's rounds always complete (all its members are in
 * it), so the listed one with the lowest key anywhere is offered the map
 * by all its members after a few rounds and completes; then the next.
 *
 * Nonblocking agreements (MPI_Comm_idup: its rounds advance in the
 * progress engine, and a member may be computing between MPI calls for as
 * long as it likes) must never hold a pool that a blocking constructor
 * waits for, or a correct program's MPI_Comm_dup would wait on another
 * process's computation.  So after their first round they offer a pool of
 * their own (ids LARK_CID_NB_FIRST and up), held by the listed
 * nonblocking agreement of highest priority, and never the main pool; the
 * blocking ones never offer theirs.  Each kind thus progresses as above
 * among its own, and the eager pool, taken only when free, delays
 * neither.
 *
 * A caller whose rounds keep giving no id for long gives up loudly
 * (commnew.c), with lark_cid_describe() saying what this process waits on.
 * Disjoint communicators made by one MPI_Comm_split may share an id: they
 * have no member in common, so no message can match in the wrong one.
 */
#ifndef LARK_CID_H_INCLUDED
#define LARK_CID_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lark.h"

#define LARK_CID_MAX      4096 /* context ids per process: 0..LARK_CID_MAX-1 */
#define LARK_CID_WORDS    (LARK_CID_MAX / 64)
#define LARK_CID_EAGER    1024 /* ids 0..LARK_CID_EAGER-1: the eager pool */
#define LARK_CID_NB_FIRST 3072 /* ids from here up: the nonblocking agreements' pool */
/* An offer: the free-id words, then one word that is all ones when the
 * member offered its whole map (so an empty AND with that word still set
 * means no id is free anywhere: give up instead of another round). */
#define LARK_CID_OFFER_WORDS (LARK_CID_WORDS + 1)

/* One agreement in progress in this process (on its caller's stack). */
struct lark_cid_agreement {
    uint64_t key;                 /* priority: lower goes first; the same at every member */
    unsigned round;               /* rounds settled so far; listed once >= 1 */
    bool nonblocking;             /* MPI_Comm_idup: the nonblocking pool, not the main one */
    bool listed;                  /* in the list of pending agreements */
    bool holds_eager, holds_main; /* pools held in the current round (main: or the nb pool) */
    struct lark_cid_agreement *next;
};

/* Mark `cid` used (LARK_ERR_AGAIN if it already is) / free it.
 * Thread-safe. */
int lark_cid_reserve(uint32_t cid);
void lark_cid_release(uint32_t cid);
void lark_cid_reset(void); /* at MPI_Init: every id free */

/* One round, see above.  offer[] gets LARK_CID_OFFER_WORDS words.  settle
 * returns true when the agreement is over: *cid is the id (reserved here
 * when `take`), or LARK_ERR_NOMEM in *rc when no id is free anywhere.
 * Neither blocks (beyond a mutex).  An agreement that ends early (its
 * allreduce failed) settles with an all-zero result and the last word
 * set, which leaves it with nothing reserved. */
void lark_cid_offer(struct lark_cid_agreement *a, uint64_t *offer);
bool lark_cid_settle(struct lark_cid_agreement *a, const uint64_t *result, bool take, uint32_t *cid,
                     int *rc);

/* Write into buf (size n) a line on this process's pending agreements
 * (their keys, rounds, which one holds which pool), for the message of an
 * agreement that gives up. */
void lark_cid_describe(const struct lark_cid_agreement *a, char *buf, size_t n);

#endif

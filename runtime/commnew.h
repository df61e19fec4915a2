/*
 * commnew.h -- what every communicator constructor shares: agreeing on a
 * context id (the rounds of cid.h over the right set of processes), and
 * making the object with the parent's error handler.
 *
 * All are called WITHOUT the runtime lock held (they communicate) and
 * return 0 or an internal error (< 0).
 */
#ifndef LARK_COMMNEW_H_INCLUDED
#define LARK_COMMNEW_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "comm.h"

/* Tags for constructors that talk over point-to-point in a parent's
 * collective context with a user's tag (Comm_create_group,
 * Intercomm_create): kept apart from the collectives' own small tags. */
static inline int lark_commnew_tag(int user_tag)
{
    return 0x40000000 | (user_tag & 0x3fffffff);
}

/* A set of processes that agree together, as one of:
 *  - every member of the intracommunicator `comm` (allreduce over it);
 *  - the members of `comm` listed in `ranks` (n of them, ranks in comm;
 *    `me` is our index there), talking point-to-point with `tag`;
 *  - a bridge (`bridge` set): the intracommunicator `comm` (our side) plus
 *    a remote side reached through our leader (`leader`, a rank in comm),
 *    who talks to the remote leader `remote_leader` (a rank in `via`) with
 *    `tag`.  `via` matters at the leader only (MPI_Intercomm_create's
 *    peer_comm is significant there only); every member of the side takes
 *    part in the broadcast of the combined result. */
struct lark_commnew_set {
    struct lark_comm *comm;
    const int *ranks;
    int n, me;
    bool bridge;
    struct lark_comm *via;
    int leader, remote_leader;
    int tag;
    const char *call; /* the MPI call, for messages (NULL: a generic name) */
};

/* Bitwise AND of `words` 64-bit words across the set, in place. */
int lark_commnew_band(const struct lark_commnew_set *set, uint64_t *buf, int words);

/* Agree on a context id free at every process of the set; `key` orders
 * concurrent agreements (see cid.h: the same value at every member, and
 * unique among this process's pending ones).  With `take`, the id is
 * reserved here (a process that will not be a member takes part without
 * taking). */
int lark_commnew_cid(const struct lark_commnew_set *set, uint64_t key, bool take, uint32_t *cid);

/* Make the communicator with id cid over group (and remote), inheriting
 * parent's error handler; on failure the id is released. */
int lark_commnew_make(struct lark_comm *parent, struct lark_group *group, struct lark_group *remote,
                      uint32_t cid, struct lark_comm **out);

/* Split the intracommunicator c: members with the same color (not
 * MPI_UNDEFINED) form one communicator, ordered by key then rank in c;
 * *out is NULL for MPI_UNDEFINED (runtime/api/comm_create.c). */
int lark_comm_split_internal(struct lark_comm *c, int color, int key, struct lark_comm **out);

/* Duplicate the intercommunicator c (both groups agree on the new id;
 * runtime/api/intercomm.c). */
int lark_intercomm_dup(struct lark_comm *c, struct lark_comm **out);

/* MPI_Comm_split / MPI_Comm_create on the intercommunicator c: processes
 * of the same colour (of `g`, a subgroup of the local group) on both sides
 * make one intercommunicator; *out is NULL for a process in none, or when
 * one side has no member (runtime/api/intercomm.c). */
int lark_intercomm_split(struct lark_comm *c, int color, int key, struct lark_comm **out);
/* Both sides' tables of the intercommunicator c (`each` bytes per entry,
 * entry i of mine[] filled by local rank i): ours gathered over our side,
 * then the leaders swap over c and tell their side; theirs[] gets the
 * remote group's, in its rank order.  Collective over both groups. */
int lark_intercomm_tables(struct lark_comm *c, void *mine, void *theirs, size_t each);
int lark_intercomm_create(struct lark_comm *c, struct lark_group *g, struct lark_comm **out);

/* MPI_Comm_idup(_with_info) of c (commidup.c): a request that completes
 * when the new communicator exists, writing its handle to *newcomm
 * (MPI_COMM_NULL until then).  `hints` (may be NULL: none) are copied for
 * it; attribute copy callbacks run here.  Called without the runtime
 * lock; never blocks. */
struct lark_request;
int lark_comm_idup(struct lark_comm *c, const struct lark_info *hints, MPI_Comm *newcomm,
                   struct lark_request **req);

#endif

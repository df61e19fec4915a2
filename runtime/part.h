/*
 * part.h -- partitioned communication (MPI 4.0, chapter 4): MPI_Psend_init,
 * MPI_Precv_init, MPI_Pready*, MPI_Parrived, on the p2p engine.
 *
 * A partitioned request (kind LARK_REQ_PART, persistent) moves its whole
 * buffer as ONE ordinary message: the sender posts it when the last
 * partition is marked ready, the receiver posts its receive at MPI_Start,
 * and each request completes with that message (its child, see
 * lark_request_adopt).  So MPI_Parrived says "arrived" for every partition
 * at once, when the whole message has landed; the two sides may cut the
 * buffer into different numbers of partitions (only the total must
 * match, as the standard allows).
 *
 * Matching: the standard matches partitioned operations in the order they
 * were initialized, per communicator, peer and tag, and never with other
 * traffic.  Each request gets its own context: the k-th partitioned
 * request of a process to (communicator, peer, tag) travels in context
 * 0x80000000 | cid << 19 | (k mod 2^19), with the user's tag, so the k-th
 * send init meets the k-th receive init whatever order the two sides
 * start or complete them in; ordinary and collective traffic (contexts
 * below 2^15) never sees it.
 *
 * Everything here runs with the runtime lock held.
 */
#ifndef LARK_PART_H_INCLUDED
#define LARK_PART_H_INCLUDED

#include <stdbool.h>

#include "lark.h"

struct lark_comm;
struct lark_datatype;
struct lark_request;

/* An inactive partitioned request over `partitions` x `count` elements of
 * dt at buf, to dest (send) or from source (receive) with `tag`.  Returns
 * 0, LARK_ERR_NOMEM or LARK_ERR_ARG. */
int lark_part_init(bool send, void *buf, int partitions, size_t count, struct lark_datatype *dt,
                   int peer, int tag, struct lark_comm *comm, struct lark_request **out);
/* MPI_Start: a receive posts its message's receive; a send waits for its
 * partitions. */
int lark_part_start(struct lark_request *r);
/* Mark partition p ready (send requests).  LARK_ERR_ARG if it is out of
 * range or ready already (the caller checks the request is active).
 * Posts the message with the last one. */
int lark_part_ready(struct lark_request *r, int p);
/* Has partition p arrived?  (receive requests; progresses once.) */
int lark_part_arrived(struct lark_request *r, int p, int *flag);
/* The request's direction and partition count. */
bool lark_part_is_send(const struct lark_request *r);
int lark_part_count(const struct lark_request *r);

#endif

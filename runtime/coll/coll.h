/*
 * coll.h -- what the collective algorithms share.
 *
 * Collectives run over the internal point-to-point API (p2p.h) in the
 * communicator's collective context (LARK_CTX_COLL), so their messages
 * never match a user's receive.  The algorithms work on contiguous bytes:
 * the API layer (runtime/api/coll.c) checks arguments and turns
 * (buffer, count, datatype) into byte counts, and reductions into
 * (element type, element count) for op.c.
 *
 * Each algorithm is written once, as a schedule (sched.h): lark_sched_X
 * runs it at once on a direct schedule (the blocking collectives) or
 * records it for the nonblocking and persistent ones.  The lark_coll_X
 * forms are the blocking calls for code outside runtime/coll.
 *
 * Every function here is called WITHOUT the runtime lock held (they take it
 * around each post); direct ones block until their part is done.
 * Returns 0 or an internal error (< 0, lark.h).
 */
#ifndef LARK_COLL_H_INCLUDED
#define LARK_COLL_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "comm.h"
#include "lark.h"
#include "mpit/stats.h"

/* malloc that never returns NULL for a size of 0 (a zero-byte block is
 * still a block).  Free with free(). */
static inline void *lark_coll_alloc(size_t bytes)
{
    return malloc(bytes ? bytes : 1);
}

/* Scratch space of at least `bytes` for slot 0 or 1 of a collective on
 * comm (scratch.c); NULL when out of memory.  Hand it back with
 * lark_coll_scratch_put() when the collective ends: the buffer may be kept
 * for the next call on comm.  A collective that calls another one (allreduce
 * inside reduce_scatter, reduce inside allreduce) must not hold a slot the
 * inner one uses: reduce uses 0 and 1, allreduce and reduce_scatter's ring
 * 0 (and 1). */
void *lark_coll_scratch_get(struct lark_comm *comm, int slot, size_t bytes);
void lark_coll_scratch_put(struct lark_comm *comm, int slot, void *p);

/* One tag per collective, so a rank's messages of two different collectives
 * can be told apart in a trace (correctness does not depend on it: all ranks
 * call collectives in the same order and messages between a pair never
 * overtake each other). */
enum lark_coll_tag {
    LARK_TAG_BARRIER = 1,
    LARK_TAG_BCAST,
    LARK_TAG_REDUCE,
    LARK_TAG_ALLREDUCE,
    LARK_TAG_GATHER,
    LARK_TAG_SCATTER,
    LARK_TAG_ALLGATHER,
    LARK_TAG_ALLTOALL,
    LARK_TAG_SCAN,
    LARK_TAG_CID,
    LARK_TAG_SPLIT,
    LARK_TAG_REDUCE_SCATTER,
    LARK_TAG_NEIGHBOR,
    LARK_TAG_INTER,
};

/* A reduction: op applied elementwise on `count` elements of `type`
 * (basic predefined type, or the user's type for user ops), `bytes` bytes. */
struct lark_reduction {
    MPI_Op op;
    MPI_Datatype type;
    size_t count;
    size_t bytes;
    int commutes;
};

/* Tags of the fixed tags above fit in LARK_TAG_BITS bits; a recorded
 * schedule's run adds its sequence number above them (sched.h). */
#define LARK_TAG_BITS 6
/* The next sequence number for a run of a recorded schedule on comm:
 * 1 .. 2^24-1, then wrapping to 1 (scratch.c).  Runtime lock held. */
uint32_t lark_coll_next_seq(struct lark_comm *comm);

struct lark_sched;

/* ---- point-to-point in the collective context (coll.c) ---- */
/* A send / receive / both at once, done before the next step (a direct
 * schedule blocks in them).  Either peer of sendrecv may be MPI_PROC_NULL
 * to skip that half. */
int lark_sched_send(struct lark_sched *s, const void *buf, size_t bytes, int dst, int tag);
int lark_sched_recv(struct lark_sched *s, void *buf, size_t bytes, int src, int tag);
int lark_sched_sendrecv(struct lark_sched *s, const void *sbuf, size_t sbytes, int dst, void *rbuf,
                        size_t rbytes, int src, int tag);
/* The same, blocking, for code outside runtime/coll (no schedule). */
int lark_coll_send(const void *buf, size_t bytes, int dst, int tag, struct lark_comm *comm);
int lark_coll_recv(void *buf, size_t bytes, int src, int tag, struct lark_comm *comm);
int lark_coll_sendrecv(const void *sbuf, size_t sbytes, int dst, void *rbuf, size_t rbytes, int src,
                       int tag, struct lark_comm *comm);

/* ---- algorithms, as schedules (sched.h): lark_sched_X(s, ...) adds
 * collective X to s, or runs it when s is direct.  Same arguments as the
 * blocking lark_coll_X(..., comm) below, which run them directly. ---- */
int lark_sched_barrier(struct lark_sched *s);
int lark_sched_bcast(struct lark_sched *s, void *buf, size_t bytes, int root);
int lark_sched_reduce(struct lark_sched *s, const void *sbuf, void *rbuf,
                      const struct lark_reduction *red, int root);
int lark_sched_allreduce(struct lark_sched *s, void *buf, const struct lark_reduction *red);
int lark_sched_scan(struct lark_sched *s, const void *sbuf, void *buf,
                    const struct lark_reduction *red, int exclusive);
int lark_sched_reduce_scatter(struct lark_sched *s, const void *sbuf, void *rbuf,
                              const size_t *counts, const struct lark_reduction *red);
int lark_sched_gather(struct lark_sched *s, const void *sbuf, void *rbuf, size_t bytes, int root);
int lark_sched_scatter(struct lark_sched *s, const void *sbuf, void *rbuf, size_t bytes, int root);
int lark_sched_gatherv(struct lark_sched *s, const void *sbuf, size_t sbytes, void *rbuf,
                       const size_t *rcounts, const size_t *rdispls, int root);
int lark_sched_scatterv(struct lark_sched *s, const void *sbuf, const size_t *scounts,
                        const size_t *sdispls, void *rbuf, size_t rbytes, int root);
int lark_sched_allgather(struct lark_sched *s, void *rbuf, size_t bytes);
int lark_sched_allgatherv(struct lark_sched *s, void *rbuf, const size_t *counts,
                          const size_t *displs);
int lark_sched_alltoallv(struct lark_sched *s, const void *sbuf, const size_t *scounts,
                         const size_t *sdispls, void *rbuf, const size_t *rcounts,
                         const size_t *rdispls);
/* The segment an alltoall of n blocks of `bytes` (the same at every rank)
 * goes through (lark_coll_shm_alltoall), or NULL: run alltoallv. */
struct lark_coll_shm *lark_sched_alltoall_shm(struct lark_sched *s, size_t bytes);
/* Neighbourhood exchange (neighbor.c): block i of rbuf (rv[i] bytes at
 * rbuf + rv[indegree + i]) from in[i], block j of sbuf (sv[j] bytes at
 * sbuf + sv[outdegree + j]) to out[j]; MPI_PROC_NULL entries move
 * nothing.  `cart`: the lists are a Cartesian grid's (-1, +1 per
 * dimension), whose blocks cross over (neighbor.c says how). */
int lark_sched_neighbor(struct lark_sched *s, int indegree, const int *in, int outdegree,
                        const int *out, bool cart, const void *sbuf, const size_t *sv, void *rbuf,
                        const size_t *rv);

/* ---- intercommunicator collectives (inter.c): s addresses the
 * intercommunicator; rooted ones take MPI_ROOT, MPI_PROC_NULL or the
 * root's rank in the remote group; counts, displacements and the
 * exchange vectors (counts then displacements, bytes) are per remote
 * process, Reduce_scatter's counts per local one (in red's elements). */
int lark_sched_inter_barrier(struct lark_sched *s);
int lark_sched_inter_bcast(struct lark_sched *s, void *buf, size_t bytes, int root);
int lark_sched_inter_gather(struct lark_sched *s, const void *sbuf, size_t sbytes, void *rbuf,
                            size_t rbytes, int root);
int lark_sched_inter_scatter(struct lark_sched *s, const void *sbuf, size_t sbytes, void *rbuf,
                             size_t rbytes, int root);
/* Gatherv (gather) or scatterv: at the root, buf/counts/displs; at the
 * other group's processes, their own block own/own_bytes. */
int lark_sched_inter_gatherv(struct lark_sched *s, bool gather, void *buf, const size_t *counts,
                             const size_t *displs, void *own, size_t own_bytes, int root);
/* Allgather(v), alltoall(v,w): block i of sbuf to, of rbuf from, remote i. */
int lark_sched_inter_exchange(struct lark_sched *s, const void *sbuf, const size_t *sv, void *rbuf,
                              const size_t *rv);
int lark_sched_inter_reduce(struct lark_sched *s, const void *sbuf, void *rbuf,
                            const struct lark_reduction *red, int root);
int lark_sched_inter_allreduce(struct lark_sched *s, const void *sbuf, void *rbuf,
                               const struct lark_reduction *red);
int lark_sched_inter_reduce_scatter(struct lark_sched *s, const void *sbuf, void *rbuf,
                                    const size_t *counts, const struct lark_reduction *red);

/* ---- blocking forms (run the schedule code directly) ---- */
int lark_coll_barrier(struct lark_comm *comm);
int lark_coll_bcast(void *buf, size_t bytes, int root, struct lark_comm *comm);
/* Reduce: sbuf (never MPI_IN_PLACE here: the API layer copies) into rbuf at
 * root; rbuf is only touched at the root. */
int lark_coll_reduce(const void *sbuf, void *rbuf, const struct lark_reduction *red, int root,
                     struct lark_comm *comm);
/* Allreduce in place: buf holds this rank's contribution and gets the result. */
int lark_coll_allreduce(void *buf, const struct lark_reduction *red, struct lark_comm *comm);
/* Inclusive (exclusive = 0) or exclusive scan of sbuf (may be buf: in
 * place) into buf.  Exscan leaves rank 0's buf untouched. */
int lark_coll_scan(const void *sbuf, void *buf, const struct lark_reduction *red, int exclusive,
                   struct lark_comm *comm);
/* Reduce-scatter: sbuf holds red->count elements (red->bytes bytes; may
 * alias rbuf for MPI_IN_PLACE), rank i gets counts[i] elements of the
 * result, the blocks following each other in rank order. */
int lark_coll_reduce_scatter(const void *sbuf, void *rbuf, const size_t *counts,
                             const struct lark_reduction *red, struct lark_comm *comm);
/* Gather `bytes` from everyone into rbuf at root, in rank order (rbuf holds
 * size*bytes at root; root's own block is already in place). */
int lark_coll_gather(const void *sbuf, void *rbuf, size_t bytes, int root, struct lark_comm *comm);
int lark_coll_scatter(const void *sbuf, void *rbuf, size_t bytes, int root, struct lark_comm *comm);
/* Gatherv/Scatterv: per-rank byte counts and displacements, meaningful at
 * the root only.  The root's own block: sbuf (gatherv) / rbuf (scatterv),
 * or MPI_IN_PLACE when it is already where it belongs. */
int lark_coll_gatherv(const void *sbuf, size_t sbytes, void *rbuf, const size_t *rcounts,
                      const size_t *rdispls, int root, struct lark_comm *comm);
int lark_coll_scatterv(const void *sbuf, const size_t *scounts, const size_t *sdispls, void *rbuf,
                       size_t rbytes, int root, struct lark_comm *comm);
/* Allgather in place: rbuf holds size blocks of `bytes`, ours filled in. */
int lark_coll_allgather(void *rbuf, size_t bytes, struct lark_comm *comm);
/* Allgatherv in place: block i is counts[i] bytes at displs[i]. */
int lark_coll_allgatherv(void *rbuf, const size_t *counts, const size_t *displs,
                         struct lark_comm *comm);
/* Alltoall(v) with byte counts and byte displacements per peer. */
int lark_coll_alltoallv(const void *sbuf, const size_t *scounts, const size_t *sdispls, void *rbuf,
                        const size_t *rcounts, const size_t *rdispls, struct lark_comm *comm);

/* ---- shared-memory collectives of an all-local communicator (shm.c) ----
 * lark_coll_shm_get: the communicator's segment, made at the first call
 * (collective: every rank must call it at the same point, with the same
 * `bytes`), or NULL when the path is off (not all ranks on this node,
 * bytes > LARK_SHM_SLOT, LARK_COLL_SHM=off, or the segment failed).
 * Blocking forms only: direct schedules. */
#define LARK_SHM_SLOT 512
/* What one rank may put in an exchange: alltoall's n blocks together. */
#define LARK_SHM_POST 4096
/* The largest reduce through the segment (a cache line with its stamp). */
#define LARK_SHM_CELL 48
struct lark_coll_shm;
struct lark_coll_shm *lark_coll_shm_get(struct lark_comm *comm, size_t bytes);
int lark_coll_shm_barrier(struct lark_coll_shm *sh, struct lark_comm *comm);
int lark_coll_shm_bcast(struct lark_coll_shm *sh, void *buf, size_t bytes, int root,
                        struct lark_comm *comm);
/* Allreduce of sbuf (may be rbuf: in place) into rbuf. */
int lark_coll_shm_allreduce(struct lark_coll_shm *sh, const void *sbuf, void *rbuf,
                            const struct lark_reduction *red, struct lark_comm *comm);
/* Reduce of sbuf (may be rbuf: in place; up to LARK_SHM_CELL bytes) into
 * rbuf at root (rbuf is not touched elsewhere); allgather in place (as
 * lark_coll_allgather); alltoall of n blocks of `bytes` (n * bytes <=
 * LARK_SHM_POST; sbuf may be rbuf). */
int lark_coll_shm_reduce(struct lark_coll_shm *sh, const void *sbuf, void *rbuf,
                         const struct lark_reduction *red, int root, struct lark_comm *comm);
int lark_coll_shm_allgather(struct lark_coll_shm *sh, void *rbuf, size_t bytes,
                            struct lark_comm *comm);
int lark_coll_shm_alltoall(struct lark_coll_shm *sh, const void *sbuf, void *rbuf, size_t bytes,
                           struct lark_comm *comm);
void lark_coll_shm_destroy(struct lark_coll_shm *sh);
/* Where the communicator keeps its segment (scratch.c), and its state:
 * 0 not decided, 1 ready, -1 off, -2 being set up.  NULL when out of
 * memory. */
struct lark_coll_shm **lark_coll_shm_slot(struct lark_comm *comm, int **state);
/* The segment, when a blocking reduction on comm would take it now
 * whatever its size (it is set up, and comm has no node layout: decided
 * and none); else NULL.  Reads two words: for the API layer's direct
 * path (runtime/api/coll_fast.c), which goes the long way until the
 * first calls have decided. */
struct lark_coll_shm *lark_coll_shm_ready(struct lark_comm *comm);

/* ---- node-aware collectives (node.c) ----
 * lark_coll_nodes_get: the layout of s->comm when its ranks span several
 * nodes with several ranks on some (decided at the first call, from the
 * job's description, the same at every rank; no traffic), else NULL.
 * The lark_sched_node_X compose X of an intra-node and an inter-node
 * phase; reduce and allreduce take commutative ops, or any op when
 * lark_coll_nodes_in_order (every node's ranks consecutive: the phases
 * then combine in rank order). */
struct lark_coll_nodes;
struct lark_coll_nodes *lark_coll_nodes_get(struct lark_sched *s);
int lark_sched_node_barrier(struct lark_sched *s, struct lark_coll_nodes *nd);
int lark_sched_node_bcast(struct lark_sched *s, struct lark_coll_nodes *nd, void *buf, size_t bytes,
                          int root);
int lark_sched_node_reduce(struct lark_sched *s, struct lark_coll_nodes *nd, const void *sbuf,
                           void *rbuf, const struct lark_reduction *red, int root);
int lark_sched_node_allreduce(struct lark_sched *s, struct lark_coll_nodes *nd, void *buf,
                              const struct lark_reduction *red);
int lark_sched_node_allgather(struct lark_sched *s, struct lark_coll_nodes *nd, void *rbuf,
                              size_t bytes);
bool lark_coll_nodes_in_order(const struct lark_coll_nodes *nd);
void lark_coll_nodes_destroy(struct lark_coll_nodes *nd);
/* Where the communicator keeps its layout (scratch.c), and its state:
 * 0 not decided, 1 ready, -1 off. */
struct lark_coll_nodes **lark_coll_nodes_slot(struct lark_comm *comm, int **state);
/* Set a communicator's shm or node state (-1: off for good) before its
 * first collective (node.c, for the communicators it makes). */
enum lark_coll_state { LARK_COLL_STATE_SHM, LARK_COLL_STATE_NODES };
void lark_coll_state_set(struct lark_comm *comm, enum lark_coll_state which, int value);

/* Algorithm selection, overridable for tests:
 * LARK_COLL_BCAST=binomial|scatter_allgather,
 * LARK_COLL_ALLREDUCE=recursive_doubling|ring|reduce_bcast,
 * LARK_COLL_ALLGATHER=bruck|ring,
 * LARK_COLL_REDUCE=binomial|reduce_scatter_gather,
 * LARK_COLL_ALLTOALL=pairwise|linear,
 * LARK_COLL_SHM=on|off (the shared-memory barrier, bcast, reduce,
 * allreduce, allgather and alltoall of blocking collectives on all-local
 * communicators, up to LARK_SHM_SLOT bytes, alltoall LARK_SHM_POST in all,
 * reduce LARK_SHM_CELL;
 * on by default),
 * LARK_COLL_NODE=on|off (node-aware barrier, bcast, reduce, allreduce on
 * communicators spanning nodes, node.c; on by default).  Read once (coll.c). */
enum lark_coll_alg { LARK_ALG_AUTO = 0, LARK_ALG_1, LARK_ALG_2, LARK_ALG_3 };
enum lark_coll_alg lark_coll_forced(enum lark_coll_row row);
/* For MPI_T's control variables: force an algorithm (AUTO: the automatic
 * choice again), the variable's name, an algorithm's name (NULL: none). */
void lark_coll_force(enum lark_coll_row row, enum lark_coll_alg alg);
const char *lark_coll_var(enum lark_coll_row row);
const char *lark_coll_alg_name(enum lark_coll_row row, enum lark_coll_alg alg);

/* The size thresholds of the automatic choices (coll.c's table): the
 * value (its LARK_COLL_* variable, else the default), MPI_T's setter (the
 * same value on every rank), the variable's name and a description. */
enum lark_coll_limit {
    LARK_LIM_BCAST_LONG,
    LARK_LIM_ALLREDUCE_RING,
    LARK_LIM_ALLGATHER_RING,
    LARK_LIM_ALLTOALL_PAIRWISE,
    LARK_LIM_NB_ONE_READ,
    LARK_NLIMS
};
size_t lark_coll_limit(enum lark_coll_limit l);
void lark_coll_limit_set(enum lark_coll_limit l, size_t bytes);
const char *lark_coll_limit_var(enum lark_coll_limit l, const char **desc);

#endif

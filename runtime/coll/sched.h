/*
 * sched.h -- collective schedules: one description of an algorithm for the
 * blocking, nonblocking and persistent forms of a collective.
 *
 * An algorithm (bcast.c, allreduce.c, ...) is written once, as straight-line
 * code over the calls below: post sends and receives, wait for them, combine
 * or copy buffers.  It runs against a `struct lark_sched` in one of two modes:
 *
 *  - direct (blocking MPI_Bcast & co): every call acts at once: a send is
 *    posted, a wait waits, a reduction combines.  No step is stored, so the
 *    blocking collectives pay nothing for the schedule machinery.
 *  - record (MPI_Ibcast, MPI_Bcast_init): every call appends a step to the
 *    schedule; nothing moves yet.  The schedule is then started (at once, or
 *    by MPI_Start for a persistent one) and the progress engine advances it:
 *    lark_sched_progress() is called from every pass of lark_p2p_progress,
 *    posts the steps up to the next wait, and moves past the wait once its
 *    requests completed.  The user's request completes with the last step.
 *
 * Steps run in the order recorded, a wait separating rounds, so a recorded
 * schedule does exactly what the direct run would have done.  Consecutive
 * sends with nothing but sends since the last wait share a round (a tree
 * root's sends to its children go out together).
 *
 * Matching: collective traffic travels in the communicator's collective
 * context.  Blocking collectives use the fixed tags of coll.h (two blocking
 * collectives on one communicator never overlap).  Each run of a recorded
 * schedule takes a fresh sequence number of its communicator, and its tags
 * carry it above the fixed tag bits, so outstanding nonblocking collectives
 * and a blocking one can never match each other's messages (all ranks start
 * collectives on a communicator in the same order, so they agree on it).
 *
 * Buffers: everything an algorithm computes from sizes and ranks is fixed
 * when the schedule is recorded; data is only touched when steps run.
 * Temporary buffers of a recorded schedule live as long as the schedule.
 *
 * Locking: recording needs no lock; direct calls and lark_sched_start take
 * the runtime lock around each post; lark_sched_progress runs with it held.
 */
#ifndef LARK_COLL_SCHED_H_INCLUDED
#define LARK_COLL_SCHED_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "lark.h"

struct lark_comm;
struct lark_datatype;
struct lark_request;
struct lark_sched_step;

#define LARK_SCHED_SMALL 8

struct lark_sched {
    struct lark_comm *base; /* the call's communicator; a recorded schedule holds a reference */
    struct lark_comm *comm; /* whom steps address: base, or base->local (lark_sched_over) */
    bool record;            /* false: direct */
    bool persistent;        /* recorded for MPI_*_init: restarted by MPI_Start */
    int error;              /* first internal error (< 0) met, 0 if none */
    uint32_t tagbase;       /* added to every tag: 0 direct, seq << bits recorded */
    /* Requests posted and not yet waited for (both modes). */
    struct lark_request **reqs;
    int nreqs, capreqs;
    struct lark_request *small[LARK_SCHED_SMALL];
    /* Record mode: the steps, the program counter, temporaries. */
    struct lark_sched_step *steps;
    int nsteps, capsteps, pc;
    bool wait_due;    /* a wait was asked for and not yet written */
    bool round_recvs; /* the open round has a receive or a local step */
    void **tmps;      /* malloc'd; freed with the schedule */
    int ntmps, captmps;
    struct lark_request *req; /* the user's request while running */
    struct lark_sched *next;  /* in the list of running schedules */
    /* A schedule whose steps are decided as it runs (a nonblocking
     * MPI_Comm_idup: agreement rounds until one gives an id).  When set,
     * `more` is called each time a run has completed all its steps (also
     * after an error: s->error says), runtime lock held, from the call that
     * starts the run or from the progress engine; it may lark_sched_rewind,
     * record further steps and return 1 to run them (1 with no steps: call
     * again at the next progress pass), or return 0 to end the run
     * (setting s->error to fail it).  It owns `more_arg`. */
    int (*more)(struct lark_sched *s);
    void *more_arg;
};

/* Set up a direct schedule on the caller's stack; end it with
 * lark_sched_direct_end, which returns rc (or an error of its own). */
void lark_sched_direct(struct lark_sched *s, struct lark_comm *comm);
int lark_sched_direct_end(struct lark_sched *s, int rc);

/* A new recorded schedule (NULL when out of memory).  Freed by
 * lark_sched_free, or by its request (lark_sched_request). */
struct lark_sched *lark_sched_new(struct lark_comm *comm, bool persistent);
void lark_sched_free(struct lark_sched *s);

/* Wrap a recorded schedule in a request: kind LARK_REQ_COLL, owning s.
 * A nonblocking one is started at once; a persistent one is inactive until
 * lark_sched_start.  Takes the runtime lock.  Returns 0 or an error (then
 * s is freed). */
int lark_sched_request(struct lark_sched *s, struct lark_request **out);
/* Inside `more`: forget the steps run so far and their temporaries, so
 * the next ones are recorded from the start.  Runtime lock held. */
void lark_sched_rewind(struct lark_sched *s);
/* MPI_Start of a persistent collective request.  Runtime lock held. */
int lark_sched_start(struct lark_request *req);

/* Advance every running schedule; returns how many steps ran.  Runtime
 * lock held (called from lark_p2p_progress). */
int lark_sched_progress(void);
extern struct lark_sched *lark_sched_running;

/* ---- what algorithms call (either mode) ---- */
/* Address the steps that follow to `comm`: the schedule's communicator,
 * or, for an intercommunicator, its local intracommunicator (base->local:
 * inter.c runs a collective of one group inside the call).  Ranks, size
 * and the context of later steps are comm's; the tags keep the run's
 * sequence number.  Returns the communicator addressed before. */
struct lark_comm *lark_sched_over(struct lark_sched *s, struct lark_comm *comm);

/* Post a send / receive of `bytes` bytes to / from rank `peer` of the
 * schedule's communicator (MPI_PROC_NULL: nothing).  Returns 0 or an
 * error. */
int lark_sched_isend(struct lark_sched *s, const void *buf, size_t bytes, int peer, int tag);
int lark_sched_irecv(struct lark_sched *s, void *buf, size_t bytes, int peer, int tag);
/* Wait for everything posted so far. */
int lark_sched_wait(struct lark_sched *s);
/* dst = src (memmove: may overlap); inout = in op inout. */
int lark_sched_copy(struct lark_sched *s, void *dst, const void *src, size_t bytes);
int lark_sched_combine(struct lark_sched *s, MPI_Op op, const void *in, void *inout, size_t count,
                       MPI_Datatype type);
/* Between count elements of the (non-contiguous) datatype dt at buf and
 * their packed form at `packed` (dt->size * count bytes): pack, or
 * unpack when `unpack`.  A recorded schedule holds a reference on dt. */
int lark_sched_pack(struct lark_sched *s, struct lark_datatype *dt, void *buf, size_t count,
                    void *packed, bool unpack);
/* inout = in op inout on count elements of type, which may be a
 * non-contiguous derived type of a user op with packed operands. */
void lark_sched_apply(MPI_Op op, const void *in, void *inout, size_t count, MPI_Datatype type);
/* A temporary buffer of `bytes` bytes, NULL when out of memory.  Direct:
 * the communicator's scratch `slot` (see coll.h), handed back with
 * lark_sched_tmp_put.  Recorded: owned by the schedule (put does nothing). */
void *lark_sched_tmp(struct lark_sched *s, int slot, size_t bytes);
void lark_sched_tmp_put(struct lark_sched *s, int slot, void *p);

#endif

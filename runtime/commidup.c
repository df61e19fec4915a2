/*
 * commidup.c -- MPI_Comm_idup and MPI_Comm_idup_with_info: the context-id
 * agreement of a dup run by the progress engine, so the call returns at
 * once and the new communicator appears when its request completes.
 *
 * The agreement is the one of cid.h, round by round, on a recorded
 * schedule (coll/sched.h) whose steps are decided as it runs: each round
 * is an allreduce (AND) of the members' offers on the parent, recorded
 * when the previous round settled (the schedule's `more` callback, run
 * from the call that starts it and then from the progress engine).  An
 * intercommunicator's dup agrees twice: on the id of the new
 * intercommunicator across both groups (each side ANDs over its local
 * intracommunicator, the leaders swap and AND, each leader broadcasts),
 * then on the id of its local intracommunicator.
 *
 * These agreements are nonblocking ones for cid.h (their own pool after
 * the first round): a member may compute between MPI calls for as long as
 * it likes while its idup is pending, and no blocking constructor of any
 * process may wait for that.  Their key is the parent's id and the run's
 * sequence number on the parent, which all members share (they start
 * collectives on the parent in the same order) and which differs between
 * outstanding idups of one parent.  There is no time limit as for the
 * blocking rounds (commnew.c): a round waits for members that are not in
 * an MPI call, for as long as they stay out.
 *
 * What the new communicator inherits is taken in the call, in the caller's
 * thread and without the runtime lock, as MPI_Comm_dup does: the copy
 * callbacks of the attributes run there (they may call MPI), the info
 * hints and topology are copied, and the parent's error handler is
 * retained.  At completion (runtime lock held) they go to the new object
 * and *newcomm is written; before that the program must not use it (the
 * standard says so), and *newcomm holds MPI_COMM_NULL.
 */
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "coll/coll.h"
#include "coll/sched.h"
#include "commnew.h"
#include "error.h"
#include "info.h"
#include "request.h"
#include "runtime.h"
#include "topo.h"

enum { PHASE_ID, PHASE_LOCAL_ID, PHASE_DONE };

/* One idup in flight: owned by its schedule (more_arg), freed when the
 * run ends. */
struct idup {
    struct lark_comm *parent; /* the schedule holds the reference */
    int phase;
    bool in_round; /* an offer is out: the next `more` settles it */
    struct lark_cid_agreement a;
    uint64_t offer[LARK_CID_OFFER_WORDS]; /* the allreduce's buffer */
    uint64_t other[LARK_CID_OFFER_WORDS]; /* the remote side's (leaders) */
    uint32_t cid, lcid;
    uint32_t seq; /* the run's sequence number on the parent */
    MPI_Comm *newcomm;
    /* What the new communicator gets (owned here until then). */
    void *attrs;
    struct lark_topo *topo;
    struct lark_info *info;
    struct lark_errhandler *eh;
};

static const struct lark_reduction band = {MPI_BAND, MPI_UINT64_T, LARK_CID_OFFER_WORDS,
                                           sizeof(uint64_t) * LARK_CID_OFFER_WORDS, 1};

/* Record one round: AND the offers over the parent (an intracommunicator)
 * or, for the intercommunicator's id, over both sides through the leaders;
 * the local id of an intercommunicator is ANDed over its local side. */
static int record_round(struct lark_sched *s, struct idup *d)
{
    struct lark_comm *c = d->parent;
    if (c->remote == NULL)
        return lark_sched_allreduce(s, d->offer, &band);
    lark_sched_over(s, c->local);
    int rc = lark_sched_allreduce(s, d->offer, &band);
    if (rc != 0 || d->phase == PHASE_LOCAL_ID)
        return rc;
    if (c->rank == 0) {
        lark_sched_over(s, c);
        rc = lark_sched_sendrecv(s, d->offer, sizeof d->offer, 0, d->other, sizeof d->other, 0,
                                 LARK_TAG_CID);
        if (rc == 0)
            rc = lark_sched_combine(s, MPI_BAND, d->other, d->offer, LARK_CID_OFFER_WORDS,
                                    MPI_UINT64_T);
        lark_sched_over(s, c->local);
    }
    return rc == 0 ? lark_sched_bcast(s, d->offer, sizeof d->offer, 0) : rc;
}

static void start_agreement(struct idup *d)
{
    struct lark_comm *on = d->phase == PHASE_ID ? d->parent : d->parent->local;
    d->a = (struct lark_cid_agreement){.key = ((uint64_t)on->cid << 32) | 0x80000000u |
                                              (d->seq & 0x7fffffffu),
                                       .nonblocking = true};
}

/* Drop what the new communicator would have had (no user callback may
 * run here, inside the progress engine: attribute copies are discarded
 * without their delete callbacks). */
static void discard_parts(struct idup *d)
{
    lark_attr_discard(&d->attrs);
    lark_topo_free(d->topo);
    lark_info_free(d->info);
    if (d->eh != NULL)
        lark_errhandler_release(d->eh);
    d->topo = NULL;
    d->info = NULL;
    d->eh = NULL;
}

/* Both ids agreed: make the communicator.  Runtime lock held. */
static int make(struct idup *d)
{
    struct lark_comm *c = d->parent, *n, *l = NULL;
    int rc = lark_comm_create(c->group, c->remote, d->cid, &n);
    if (rc != 0) {
        lark_cid_release(d->cid);
        if (c->remote != NULL)
            lark_cid_release(d->lcid);
        return rc;
    }
    if (c->remote != NULL) {
        rc = lark_comm_create(c->group, NULL, d->lcid, &l);
        if (rc != 0) {
            lark_cid_release(d->lcid);
            lark_comm_release(n);
            return rc;
        }
        n->local = l;
    }
    lark_errhandler_release(n->errhandler);
    n->errhandler = d->eh;
    if (l != NULL) {
        lark_errhandler_release(l->errhandler);
        lark_errhandler_retain(d->eh);
        l->errhandler = d->eh;
    }
    d->eh = NULL;
    n->attrs = d->attrs;
    n->topo = d->topo;
    n->info = d->info;
    d->attrs = NULL;
    d->topo = NULL;
    d->info = NULL;
    *d->newcomm = lark_comm_to_handle(n);
    return 0;
}

/* The run ends: free the state; s->error fails the request. */
static int end(struct lark_sched *s, struct idup *d, int rc)
{
    if (rc != 0 && s->error == 0)
        s->error = rc;
    discard_parts(d);
    free(d);
    s->more = NULL;
    s->more_arg = NULL;
    return 0;
}

/* The schedule's `more` (sched.h): settle the round that just ran, then
 * record the next one, or make the communicator. */
static int idup_more(struct lark_sched *s)
{
    struct idup *d = s->more_arg;
    if (d->seq == 0) {
        d->seq = s->tagbase >> LARK_TAG_BITS;
        start_agreement(d);
    }
    if (d->in_round) {
        d->in_round = false;
        uint32_t cid = 0;
        int rc = 0;
        if (s->error != 0) {
            /* Leave the pending list with nothing reserved. */
            memset(d->offer, 0, sizeof d->offer);
            d->offer[LARK_CID_WORDS] = ~UINT64_C(0);
            lark_cid_settle(&d->a, d->offer, false, &cid, &rc);
            if (d->phase == PHASE_LOCAL_ID)
                lark_cid_release(d->cid);
            return end(s, d, s->error);
        }
        if (lark_cid_settle(&d->a, d->offer, true, &cid, &rc)) {
            if (rc != 0) {
                if (d->phase == PHASE_LOCAL_ID)
                    lark_cid_release(d->cid);
                return end(s, d, rc);
            }
            if (d->phase == PHASE_ID)
                d->cid = cid;
            else
                d->lcid = cid;
            d->phase =
                d->parent->remote != NULL && d->phase == PHASE_ID ? PHASE_LOCAL_ID : PHASE_DONE;
            if (d->phase == PHASE_DONE)
                return end(s, d, make(d));
            start_agreement(d);
        }
    }
    lark_sched_rewind(s);
    lark_cid_offer(&d->a, d->offer);
    d->in_round = true;
    int rc = record_round(s, d);
    if (rc != 0)
        s->error = rc; /* the next call settles the round as failed */
    return 1;
}

int lark_comm_idup(struct lark_comm *c, const struct lark_info *hints, MPI_Comm *newcomm,
                   struct lark_request **req)
{
    /* Freed by `end` when the run ends, or below. */
    struct idup *d = calloc(1, sizeof *d);
    if (d == NULL)
        return LARK_ERR_NOMEM;
    d->parent = c;
    d->newcomm = newcomm;
    int rc = 0;
    if (hints != NULL && (d->info = lark_info_dup(hints)) == NULL)
        rc = LARK_ERR_NOMEM;
    if (rc == 0 && c->topo != NULL && (d->topo = lark_topo_dup(c->topo)) == NULL)
        rc = LARK_ERR_NOMEM;
    if (rc == 0) {
        /* The copy callbacks run now, in the caller's thread (see above). */
        rc = lark_attr_copy(LARK_ATTR_COMM, c->handle, &c->attrs, NULL, &d->attrs);
        if (rc != 0)
            lark_attr_delete_all(LARK_ATTR_COMM, MPI_COMM_NULL, &d->attrs);
    }
    struct lark_sched *s = rc == 0 ? lark_sched_new(c, false) : NULL;
    if (rc == 0 && s == NULL)
        rc = LARK_ERR_NOMEM;
    if (rc != 0) {
        discard_parts(d);
        free(d);
        return rc;
    }
    lark_lock();
    d->eh = c->errhandler;
    lark_errhandler_retain(d->eh);
    *newcomm = MPI_COMM_NULL;
    lark_unlock();
    /* No steps yet: starting the run calls idup_more, which offers and
     * records the first round. */
    s->more = idup_more;
    s->more_arg = d;
    rc = lark_sched_request(s, req);
    if (rc != 0) { /* s was freed; nothing was offered */
        lark_lock();
        discard_parts(d);
        lark_unlock();
        free(d);
    }
    return rc;
}

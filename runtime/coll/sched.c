/*
 * sched.c -- the schedule engine behind every collective (see sched.h):
 * direct execution for the blocking calls, recording and progress for the
 * nonblocking and persistent ones.
 */
#include <stdlib.h>
#include <string.h>

#include "coll.h"
#include "datatype.h"
#include "op.h"
#include "p2p.h"
#include "request.h"
#include "runtime.h"
#include "sched.h"

enum step_kind { ST_SEND = 1, ST_RECV, ST_WAIT, ST_COPY, ST_REDUCE, ST_PACK, ST_UNPACK };

struct lark_sched_step {
    uint8_t kind;
    struct lark_comm *comm;   /* send, recv: s->comm when recorded */
    int peer, tag;            /* send, recv */
    const void *src;          /* send: data; copy: source; reduce: in */
    void *dst;                /* recv: buffer; copy: destination; reduce: inout */
    size_t bytes;             /* send, recv, copy; reduce: element count */
    MPI_Op op;                /* reduce */
    MPI_Datatype type;        /* reduce */
    struct lark_datatype *dt; /* pack, unpack: a reference held until the schedule is freed */
};

struct lark_sched *lark_sched_running; /* runtime lock held */

static struct lark_datatype *byte_type(void)
{
    static struct lark_datatype *dt;
    if (dt == NULL)
        dt = lark_datatype_from_handle(MPI_BYTE);
    return dt;
}

/* ---- requests posted by either mode ---- */

static int keep_req(struct lark_sched *s, struct lark_request *r)
{
    if (s->nreqs == s->capreqs) {
        int cap = s->capreqs * 2;
        struct lark_request **n = malloc((size_t)cap * sizeof *n);
        if (n == NULL)
            return LARK_ERR_NOMEM;
        memcpy(n, s->reqs, (size_t)s->nreqs * sizeof *n);
        if (s->reqs != s->small)
            free(s->reqs);
        s->reqs = n;
        s->capreqs = cap;
    }
    s->reqs[s->nreqs++] = r;
    return 0;
}

/* Post one send or receive in comm now.  A recorded schedule's large
 * receives read the message whole (lark_p2p_irecv_read): its peers may be
 * computing between MPI_Test calls.  Runtime lock held. */
static int post(struct lark_sched *s, struct lark_comm *comm, bool send, const void *buf,
                size_t bytes, int peer, int tag)
{
    struct lark_request *r = NULL;
    int rc, t = (int)s->tagbase + tag;
    if (send)
        rc = lark_p2p_isend(buf, bytes, byte_type(), peer, t, comm, LARK_CTX_COLL,
                            LARK_SEND_STANDARD, &r);
    else if (s->record && bytes >= lark_coll_limit(LARK_LIM_NB_ONE_READ))
        rc = lark_p2p_irecv_read((void *)buf, bytes, byte_type(), peer, t, comm, LARK_CTX_COLL, &r);
    else
        rc = lark_p2p_irecv((void *)buf, bytes, byte_type(), peer, t, comm, LARK_CTX_COLL, &r);
    if (rc == 0 && (rc = keep_req(s, r)) != 0)
        lark_request_free(r); /* out of memory: cannot track it */
    return rc;
}

static bool all_done(struct lark_sched *s)
{
    for (int i = 0; i < s->nreqs; i++)
        if (!lark_request_done(s->reqs[i]))
            return false;
    return true;
}

/* Release the completed requests of a round.  Runtime lock held. */
static int reap(struct lark_sched *s)
{
    int rc = 0;
    for (int i = 0; i < s->nreqs; i++) {
        int e = lark_request_finish(s->reqs[i], MPI_STATUS_IGNORE);
        if (e != 0 && rc == 0)
            rc = e;
    }
    s->nreqs = 0;
    return rc;
}

/* ---- direct mode ---- */

void lark_sched_direct(struct lark_sched *s, struct lark_comm *comm)
{
    s->base = s->comm = comm;
    s->record = false;
    s->persistent = false;
    s->error = 0;
    s->tagbase = 0;
    s->reqs = s->small;
    s->nreqs = 0;
    s->capreqs = LARK_SCHED_SMALL;
}

int lark_sched_direct_end(struct lark_sched *s, int rc)
{
    if (s->nreqs > 0) {
        int wrc = lark_request_waitall(s->nreqs, s->reqs, MPI_STATUSES_IGNORE);
        s->nreqs = 0;
        if (rc == 0)
            rc = wrc;
    }
    if (s->reqs != s->small)
        free(s->reqs);
    s->reqs = s->small;
    return rc;
}

/* ---- recording ---- */

struct lark_sched *lark_sched_new(struct lark_comm *comm, bool persistent)
{
    struct lark_sched *s = calloc(1, sizeof *s); /* freed by lark_sched_free */
    if (s == NULL)
        return NULL;
    lark_sched_direct(s, comm);
    s->record = true;
    s->persistent = persistent;
    lark_lock();
    lark_comm_retain(comm);
    lark_unlock();
    return s;
}

/* Free the temporaries and drop the steps' datatype references. */
static void drop_steps(struct lark_sched *s)
{
    for (int i = 0; i < s->ntmps; i++)
        free(s->tmps[i]);
    for (int i = 0; i < s->nsteps; i++)
        if (s->steps[i].dt != NULL)
            lark_datatype_release(s->steps[i].dt);
    s->ntmps = 0;
}

void lark_sched_free(struct lark_sched *s)
{
    if (s == NULL)
        return;
    drop_steps(s);
    free(s->tmps);
    free(s->steps);
    if (s->reqs != s->small)
        free(s->reqs);
    lark_comm_release(s->base);
    free(s);
}

static struct lark_sched_step *append(struct lark_sched *s, int kind)
{
    if (s->nsteps == s->capsteps) {
        int cap = s->capsteps ? 2 * s->capsteps : 16;
        struct lark_sched_step *n = realloc(s->steps, (size_t)cap * sizeof *n);
        if (n == NULL) {
            s->error = LARK_ERR_NOMEM;
            return NULL;
        }
        s->steps = n;
        s->capsteps = cap;
    }
    struct lark_sched_step *st = &s->steps[s->nsteps++];
    memset(st, 0, sizeof *st);
    st->kind = (uint8_t)kind;
    return st;
}

/* Before a step that must not start until the open round is complete:
 * write the pending wait. */
static int flush_wait(struct lark_sched *s)
{
    if (!s->wait_due)
        return 0;
    s->wait_due = false;
    s->round_recvs = false;
    return append(s, ST_WAIT) ? 0 : LARK_ERR_NOMEM;
}

static int record_p2p(struct lark_sched *s, int kind, const void *buf, size_t bytes, int peer,
                      int tag)
{
    if (peer == MPI_PROC_NULL)
        return 0;
    /* A send may join the open round when that round only sends (it
     * cannot depend on data not yet arrived); anything else waits. */
    if (kind == ST_SEND && !s->round_recvs)
        s->wait_due = false;
    int rc = flush_wait(s);
    struct lark_sched_step *st = rc == 0 ? append(s, kind) : NULL;
    if (st == NULL)
        return LARK_ERR_NOMEM;
    st->comm = s->comm;
    st->peer = peer;
    st->tag = tag;
    st->bytes = bytes;
    if (kind == ST_SEND) {
        st->src = buf;
    } else {
        st->dst = (void *)buf;
        s->round_recvs = true;
    }
    return 0;
}

int lark_sched_isend(struct lark_sched *s, const void *buf, size_t bytes, int peer, int tag)
{
    if (s->record)
        return record_p2p(s, ST_SEND, buf, bytes, peer, tag);
    if (peer == MPI_PROC_NULL)
        return 0;
    lark_lock();
    int rc = post(s, s->comm, true, buf, bytes, peer, tag);
    lark_unlock();
    return rc;
}

int lark_sched_irecv(struct lark_sched *s, void *buf, size_t bytes, int peer, int tag)
{
    if (s->record)
        return record_p2p(s, ST_RECV, buf, bytes, peer, tag);
    if (peer == MPI_PROC_NULL)
        return 0;
    lark_lock();
    int rc = post(s, s->comm, false, buf, bytes, peer, tag);
    lark_unlock();
    return rc;
}

struct lark_comm *lark_sched_over(struct lark_sched *s, struct lark_comm *comm)
{
    struct lark_comm *prev = s->comm;
    s->comm = comm;
    return prev;
}

int lark_sched_wait(struct lark_sched *s)
{
    if (s->record) {
        if (s->nsteps > 0 && s->steps[s->nsteps - 1].kind != ST_WAIT)
            s->wait_due = true;
        return 0;
    }
    if (s->nreqs == 0)
        return 0;
    int rc = lark_request_waitall(s->nreqs, s->reqs, MPI_STATUSES_IGNORE);
    s->nreqs = 0;
    return rc;
}

/* A local step: after everything before it completed. */
static struct lark_sched_step *local_step(struct lark_sched *s, int kind)
{
    if (s->nsteps > 0 &&
        (s->steps[s->nsteps - 1].kind == ST_SEND || s->steps[s->nsteps - 1].kind == ST_RECV))
        s->wait_due = true;
    if (flush_wait(s) != 0)
        return NULL;
    return append(s, kind);
}

int lark_sched_copy(struct lark_sched *s, void *dst, const void *src, size_t bytes)
{
    if (bytes == 0 || dst == src)
        return 0;
    if (!s->record) {
        memmove(dst, src, bytes);
        return 0;
    }
    struct lark_sched_step *st = local_step(s, ST_COPY);
    if (st == NULL)
        return LARK_ERR_NOMEM;
    st->dst = dst;
    st->src = src;
    st->bytes = bytes;
    return 0;
}

int lark_sched_pack(struct lark_sched *s, struct lark_datatype *dt, void *buf, size_t count,
                    void *packed, bool unpack)
{
    if (count == 0 || dt->size == 0)
        return 0;
    if (!s->record) {
        if (unpack)
            lark_datatype_unpack(dt, buf, count, 0, packed, dt->size * count);
        else
            lark_datatype_pack(dt, buf, count, 0, packed, dt->size * count);
        return 0;
    }
    struct lark_sched_step *st = local_step(s, unpack ? ST_UNPACK : ST_PACK);
    if (st == NULL)
        return LARK_ERR_NOMEM;
    lark_datatype_retain(dt); /* the user may free the type before the run */
    st->dt = dt;
    st->dst = buf;
    st->src = packed;
    st->bytes = count;
    return 0;
}

void lark_sched_apply(MPI_Op op, const void *in, void *inout, size_t count, MPI_Datatype type)
{
    struct lark_datatype *dt = lark_datatype_from_handle(type);
    if (dt == NULL || dt->predefined || lark_datatype_contig_n(dt, count)) {
        lark_op_apply(op, in, inout, count, type);
        return;
    }
    /* A user op on a non-contiguous type, its operands packed: the user's
     * function sees them in the type's layout, in two images made here
     * (freed below).  Out of memory leaves inout unchanged: there is no
     * error path out of a combination, and a job that cannot allocate
     * this is failing anyway. */
    MPI_Aint span = (MPI_Aint)(count - 1) * dt->extent;
    MPI_Aint lo = dt->true_lb + (span < 0 ? span : 0), hi = dt->true_ub + (span > 0 ? span : 0);
    size_t bytes = (size_t)(hi - lo), n = dt->size * count;
    char *a = malloc(bytes ? bytes : 1), *b = malloc(bytes ? bytes : 1);
    if (a != NULL && b != NULL) {
        lark_datatype_unpack(dt, a - lo, count, 0, in, n);
        lark_datatype_unpack(dt, b - lo, count, 0, inout, n);
        lark_op_apply(op, a - lo, b - lo, count, type);
        lark_datatype_pack(dt, b - lo, count, 0, inout, n);
    }
    free(a);
    free(b);
}

int lark_sched_combine(struct lark_sched *s, MPI_Op op, const void *in, void *inout, size_t count,
                       MPI_Datatype type)
{
    if (!s->record) {
        lark_sched_apply(op, in, inout, count, type);
        return 0;
    }
    struct lark_sched_step *st = local_step(s, ST_REDUCE);
    if (st == NULL)
        return LARK_ERR_NOMEM;
    st->op = op;
    st->src = in;
    st->dst = inout;
    st->bytes = count;
    st->type = type;
    return 0;
}

void *lark_sched_tmp(struct lark_sched *s, int slot, size_t bytes)
{
    if (!s->record)
        return slot >= 0 ? lark_coll_scratch_get(s->comm, slot, bytes) : lark_coll_alloc(bytes);
    if (s->ntmps == s->captmps) {
        int cap = s->captmps ? 2 * s->captmps : 4;
        void **n = realloc(s->tmps, (size_t)cap * sizeof *n);
        if (n == NULL)
            return NULL;
        s->tmps = n;
        s->captmps = cap;
    }
    void *p = lark_coll_alloc(bytes); /* freed by lark_sched_free */
    if (p != NULL)
        s->tmps[s->ntmps++] = p;
    return p;
}

void lark_sched_tmp_put(struct lark_sched *s, int slot, void *p)
{
    if (s->record)
        return;
    if (slot >= 0)
        lark_coll_scratch_put(s->comm, slot, p);
    else
        free(p);
}

/* ---- running a recorded schedule ---- */

/* Run steps until one must wait.  Returns 0 when the schedule is done,
 * 1 while it waits; *ran counts the steps taken.  Runtime lock held. */
static int advance(struct lark_sched *s, int *ran)
{
    while (s->pc < s->nsteps) {
        struct lark_sched_step *st = &s->steps[s->pc];
        if (st->kind == ST_WAIT) {
            if (!all_done(s))
                return 1;
            int rc = reap(s);
            if (rc != 0 && s->error == 0)
                s->error = rc;
        } else if (s->error != 0) {
            /* After an error: post nothing more, but let the requests
             * already posted finish (the waits above). */
        } else if (st->kind == ST_SEND || st->kind == ST_RECV) {
            int rc = post(s, st->comm, st->kind == ST_SEND, st->kind == ST_SEND ? st->src : st->dst,
                          st->bytes, st->peer, st->tag);
            if (rc != 0)
                s->error = rc;
        } else if (st->kind == ST_COPY) {
            memmove(st->dst, st->src, st->bytes);
        } else if (st->kind == ST_PACK) {
            lark_datatype_pack(st->dt, st->dst, st->bytes, 0, (void *)st->src,
                               st->dt->size * st->bytes);
        } else if (st->kind == ST_UNPACK) {
            lark_datatype_unpack(st->dt, st->dst, st->bytes, 0, st->src, st->dt->size * st->bytes);
        } else {
            lark_sched_apply(st->op, st->src, st->dst, st->bytes, st->type);
        }
        s->pc++;
        (*ran)++;
    }
    if (!all_done(s))
        return 1; /* an error stopped it before its last wait */
    int rc = reap(s);
    if (rc != 0 && s->error == 0)
        s->error = rc;
    return 0;
}

/* Before running what was recorded: the last wait, so that the run ends
 * when its last requests completed. */
static int close_steps(struct lark_sched *s)
{
    if (s->wait_due || (s->nsteps > 0 && s->steps[s->nsteps - 1].kind != ST_WAIT)) {
        s->wait_due = true;
        return flush_wait(s);
    }
    return 0;
}

void lark_sched_rewind(struct lark_sched *s)
{
    drop_steps(s);
    s->nsteps = s->pc = 0;
    s->wait_due = s->round_recvs = false;
}

/* advance(), and when the steps are done, ask `more` for further ones. */
static int advance_more(struct lark_sched *s, int *ran)
{
    for (;;) {
        int rc = advance(s, ran);
        if (rc != 0 || s->more == NULL)
            return rc;
        if (s->more(s) == 0)
            return 0;
        if (s->nsteps == 0)
            return 1; /* nothing to run yet: ask again at the next pass */
        if (s->error == 0 && (rc = close_steps(s)) != 0)
            s->error = rc;
    }
}

static void finish_run(struct lark_sched *s)
{
    struct lark_request *r = s->req;
    s->req = NULL;
    r->error = s->error;
    if (!s->persistent) {
        r->release = NULL; /* the schedule goes now, the request when waited */
        r->ext = NULL;
        lark_sched_free(s);
    }
    lark_request_complete(r);
}

int lark_sched_progress(void)
{
    int ran = 0;
    struct lark_sched **pp = &lark_sched_running;
    while (*pp != NULL) {
        struct lark_sched *s = *pp;
        if (advance_more(s, &ran) == 0) {
            *pp = s->next;
            s->next = NULL;
            finish_run(s);
            ran++;
        } else {
            pp = &s->next;
        }
    }
    if (lark_sched_running == NULL)
        lark_p2p_progress_hook = NULL;
    return ran;
}

/* Begin a run of s for request r: fresh tags, first round posted.
 * Runtime lock held. */
static void run(struct lark_sched *s, struct lark_request *r)
{
    s->pc = 0;
    s->error = 0;
    s->tagbase = lark_coll_next_seq(s->base) << LARK_TAG_BITS;
    s->req = r;
    atomic_store_explicit(&r->complete, 0, memory_order_relaxed);
    r->error = 0;
    int ran = 0;
    if (advance_more(s, &ran) == 0) {
        finish_run(s);
        return;
    }
    s->next = lark_sched_running;
    lark_sched_running = s;
    lark_p2p_progress_hook = lark_sched_progress;
}

static void release_sched(struct lark_request *r)
{
    lark_sched_free(r->ext);
    r->ext = NULL;
}

int lark_sched_request(struct lark_sched *s, struct lark_request **out)
{
    if (s->error != 0) {
        int rc = s->error;
        lark_sched_free(s);
        return rc;
    }
    if (close_steps(s) != 0) {
        lark_sched_free(s);
        return LARK_ERR_NOMEM;
    }
    lark_lock();
    struct lark_request *r = lark_request_alloc(LARK_REQ_COLL, s->base);
    if (r == NULL) {
        lark_unlock();
        lark_sched_free(s);
        return LARK_ERR_NOMEM;
    }
    r->ext = s;
    r->release = release_sched;
    r->persistent = s->persistent;
    r->active = false;
    *out = r;
    if (!s->persistent)
        run(s, r);
    else
        atomic_store_explicit(&r->complete, 1, memory_order_relaxed); /* inactive */
    lark_unlock();
    return 0;
}

int lark_sched_start(struct lark_request *r)
{
    r->active = true;
    run(r->ext, r);
    return 0;
}

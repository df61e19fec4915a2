/*
 * request.c -- request objects: allocation (with a small free list, since
 * every message makes one), completion, status, and waiting.
 */
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "comm.h"
#include "progress.h"
#include "datatype.h"
#include "greq.h"
#include "handle.h"
#include "peer.h"
#include "request.h"
#include "runtime.h"

#define FREELIST_MAX 256
static struct lark_request *freelist; /* runtime lock held */
static int nfree;

struct lark_request *lark_request_sent;

int lark_request_init(void)
{
    /* Freed by lark_request_fini. */
    struct lark_request *r = lark_request_alloc(LARK_REQ_SEND, NULL);
    if (r == NULL)
        return LARK_ERR_NOMEM;
    atomic_store_explicit(&r->complete, 1, memory_order_release);
    lark_request_sent = r;
    return LARK_OK;
}

void lark_request_fini(void)
{
    struct lark_request *r = lark_request_sent;
    lark_request_sent = NULL;
    if (r != NULL)
        lark_request_free(r);
}

struct lark_request *lark_request_from_handle(MPI_Request h)
{
    if (!lark_handle_valid(LARK_HANDLE_REQUEST, h))
        return NULL; /* MPI_REQUEST_NULL, garbage, or not one of ours */
    struct lark_request *r = (struct lark_request *)h;
    return r->magic == LARK_REQUEST_MAGIC ? r : NULL;
}

struct lark_request *lark_request_alloc(int kind, struct lark_comm *comm)
{
    struct lark_request *r = freelist;
    if (r != NULL) {
        freelist = r->next;
        nfree--;
    } else {
        /* Returned to the free list or freed by lark_request_free. */
        r = lark_handle_alloc(LARK_HANDLE_REQUEST, sizeof *r, false);
        if (r == NULL)
            return NULL;
    }
    r->magic = LARK_REQUEST_MAGIC;
    lark_request_reset(r, kind);
    r->comm = comm;
    if (comm != NULL)
        lark_comm_retain(comm);
    return r;
}

void lark_request_free(struct lark_request *r)
{
    if (LARK_UNLIKELY(r == lark_request_sent))
        return; /* shared and never freed but by lark_request_fini */
    if (LARK_UNLIKELY(r->watch_peer != NULL))
        lark_peer_unwatch(r);
    if (r->release != NULL)
        r->release(r);
    free(r->packed);
    lark_datatype_release(r->dt);
    r->dt = NULL;
    if (r->bsend)
        lark_bsend_release(r);
    if (r->comm != NULL)
        lark_comm_release(r->comm);
    r->magic = 0;
    if (nfree < FREELIST_MAX) {
        r->next = freelist;
        freelist = r;
        nfree++;
    } else {
        lark_handle_free(LARK_HANDLE_REQUEST, r, sizeof *r);
    }
}

/* A child of a MULTI request completed: hand its result to the parent,
 * free it, and complete the parent with its last child. */
static void child_done(struct lark_request *r)
{
    struct lark_request *p = r->parent;
    if (r->kind == LARK_REQ_RECV) {
        p->status.MPI_SOURCE = r->status.MPI_SOURCE;
        p->status.MPI_TAG = r->status.MPI_TAG;
        p->status_count = r->status_count;
        p->cancelled = r->cancelled;
        if (p->rchild == r)
            p->rchild = NULL;
    }
    if (r->error != 0 && p->error == 0)
        p->error = r->error;
    r->parent = NULL;
    lark_request_free(r);
    if (--p->children == 0)
        lark_request_complete(p);
}

void lark_request_adopt(struct lark_request *parent, struct lark_request *child)
{
    child->parent = parent;
    if (child->kind == LARK_REQ_RECV)
        parent->rchild = child;
    if (lark_request_done(child))
        child_done(child);
}

void lark_request_complete(struct lark_request *r)
{
    if (r->watch_peer != NULL)
        lark_peer_unwatch(r);
    atomic_store_explicit(&r->complete, 1, memory_order_release);
    if (r->parent != NULL) {
        child_done(r);
        return;
    }
    if (r->freed && !r->persistent) {
        lark_request_free(r);
        return;
    }
    if (lark_rt.locking)
        lark_progress_wake_self(); /* another thread may sleep on it */
}

void lark_request_status(const struct lark_request *r, MPI_Status *st)
{
    if (st == MPI_STATUS_IGNORE)
        return;
    /* Kinds that carry a receive's status (for a partitioned send, and an
     * exchange whose receive is from MPI_PROC_NULL, it is the empty one
     * their start left). */
    bool recv = r->kind == LARK_REQ_RECV || r->kind == LARK_REQ_MULTI || r->kind == LARK_REQ_PART;
    if (recv) {
        st->MPI_SOURCE = r->status.MPI_SOURCE;
        st->MPI_TAG = r->status.MPI_TAG;
    } else {
        st->MPI_SOURCE = MPI_ANY_SOURCE;
        st->MPI_TAG = MPI_ANY_TAG;
    }
    st->MPI_ERROR = r->error ? lark_err_class_of(r->error) : MPI_SUCCESS;
    lark_status_set_bytes(st, recv ? r->status_count : 0);
    lark_status_set_cancelled(st, r->cancelled);
}

int lark_request_peek(struct lark_request *r, MPI_Status *st)
{
    if (r->kind == LARK_REQ_GREQ)
        return lark_greq_query(r, st);
    lark_request_status(r, st);
    return 0;
}

static bool req_done(void *arg)
{
    return lark_request_done(arg);
}

/* Take the status of a completed request and release it (persistent:
 * make it inactive).  Returns its error code.  Runtime lock held. */
int lark_request_finish(struct lark_request *r, MPI_Status *st)
{
    if (r->kind == LARK_REQ_GREQ) /* the program's query and free callbacks */
        return lark_greq_finish(r, st);
    lark_request_status(r, st);
    int rc = r->error;
    if (r->persistent)
        r->active = false;
    else
        lark_request_free(r);
    return rc;
}

int lark_request_wait(struct lark_request *r, MPI_Status *st)
{
    return lark_request_wait_as(r, st, NULL);
}

int lark_request_wait_as(struct lark_request *r, MPI_Status *st, const struct lark_where_call *w)
{
    if (!lark_request_done(r))
        lark_progress_wait_as(req_done, r, w);
    lark_lock();
    int rc = lark_request_finish(r, st);
    lark_unlock();
    return rc;
}

struct all_args {
    int n;
    struct lark_request **reqs;
};

static bool all_done(void *arg)
{
    struct all_args *a = arg;
    for (int i = 0; i < a->n; i++)
        if (a->reqs[i] != NULL && !lark_request_done(a->reqs[i]))
            return false;
    return true;
}

int lark_request_waitall(int n, struct lark_request **reqs, MPI_Status *sts)
{
    struct all_args a = {n, reqs};
    lark_progress_wait(all_done, &a);
    int rc = 0;
    lark_lock();
    for (int i = 0; i < n; i++) {
        if (reqs[i] == NULL)
            continue;
        int e =
            lark_request_finish(reqs[i], sts == MPI_STATUSES_IGNORE ? MPI_STATUS_IGNORE : &sts[i]);
        if (e != 0 && rc == 0)
            rc = e;
    }
    lark_unlock();
    return rc;
}

/*
 * greq.c -- generalized requests: the callbacks' record and when each
 * callback runs (see greq.h).  The record is the request's `ext`, freed by
 * the request's release hook; the user callbacks run outside the runtime
 * lock.
 */
#include <stdlib.h>

#include "lark.h"
#include "greq.h"
#include "request.h"
#include "runtime.h"

struct greq {
    MPI_Grequest_query_function *query;
    MPI_Grequest_free_function *free_fn;
    MPI_Grequest_cancel_function *cancel;
    void *extra;
    bool completed; /* MPI_Grequest_complete was called */
};

static void release(struct lark_request *r)
{
    free(r->ext);
    r->ext = NULL;
}

struct lark_request *lark_greq_new(MPI_Grequest_query_function *query,
                                   MPI_Grequest_free_function *free_fn,
                                   MPI_Grequest_cancel_function *cancel, void *extra_state)
{
    struct greq *g = malloc(sizeof *g); /* freed by release() with the request */
    if (g == NULL)
        return NULL;
    *g = (struct greq){query, free_fn, cancel, extra_state, false};
    lark_lock();
    struct lark_request *r = lark_request_alloc(LARK_REQ_GREQ, NULL);
    if (r != NULL) {
        r->ext = g;
        r->release = release;
        r->peer = MPI_ANY_SOURCE;
        r->tag = MPI_ANY_TAG;
        r->len = 0;
    }
    lark_unlock();
    if (r == NULL)
        free(g);
    return r;
}

static int call_free(struct greq *g)
{
    return g->free_fn != NULL ? g->free_fn(g->extra) : MPI_SUCCESS;
}

/* Run query into st (or a scratch status); runtime lock NOT held. */
static int run_query(struct greq *g, MPI_Status *st)
{
    MPI_Status scratch;
    MPI_Status *s = st == MPI_STATUS_IGNORE ? &scratch : st;
    /* What a query that sets nothing leaves: an empty status. */
    s->MPI_SOURCE = MPI_ANY_SOURCE;
    s->MPI_TAG = MPI_ANY_TAG;
    s->MPI_ERROR = MPI_SUCCESS;
    lark_status_set_bytes(s, 0);
    lark_status_set_cancelled(s, false);
    return g->query != NULL ? g->query(g->extra, s) : MPI_SUCCESS;
}

int lark_greq_query(struct lark_request *r, MPI_Status *st)
{
    struct greq *g = r->ext;
    lark_unlock();
    int rc = run_query(g, st);
    lark_lock();
    return rc;
}

int lark_greq_finish(struct lark_request *r, MPI_Status *st)
{
    struct greq *g = r->ext;
    lark_unlock();
    int rc = run_query(g, st);
    int frc = call_free(g);
    lark_lock();
    lark_request_free(r);
    return rc != MPI_SUCCESS ? rc : frc;
}

int lark_greq_cancel(struct lark_request *r)
{
    struct greq *g = r->ext;
    return g->cancel != NULL ? g->cancel(g->extra, g->completed) : MPI_SUCCESS;
}

int lark_greq_free(struct lark_request *r)
{
    struct greq *g = r->ext;
    lark_lock();
    bool now = g->completed;
    if (!now)
        r->freed = true; /* MPI_Grequest_complete releases it */
    lark_unlock();
    if (!now)
        return MPI_SUCCESS;
    int rc = call_free(g);
    lark_lock();
    lark_request_free(r);
    lark_unlock();
    return rc;
}

int lark_greq_complete(struct lark_request *r)
{
    struct greq *g = r->ext;
    lark_lock();
    g->completed = true;
    bool freed = r->freed;
    if (!freed) {
        lark_request_complete(r); /* wakes a thread waiting on it */
        lark_unlock();
        return MPI_SUCCESS;
    }
    lark_unlock();
    int rc = call_free(g);
    lark_lock();
    lark_request_free(r);
    lark_unlock();
    return rc;
}

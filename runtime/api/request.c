/*
 * request.c -- completing requests: the Wait and Test families, freeing,
 * cancelling, persistent starts, and status queries.
 */
#include <stdlib.h>

#include "lark.h"
#include "check.h"
#include "coll/sched.h"
#include "greq.h"
#include "p2p.h"
#include "part.h"
#include "progress.h"
#include "request.h"
#include "where.h"

static void empty_status(MPI_Status *st)
{
    if (st == MPI_STATUS_IGNORE)
        return;
    st->MPI_SOURCE = MPI_ANY_SOURCE;
    st->MPI_TAG = MPI_ANY_TAG;
    st->MPI_ERROR = MPI_SUCCESS;
    lark_status_set_bytes(st, 0);
    lark_status_set_cancelled(st, false);
}

/* Handle -> request for the wait/test calls.  *r = NULL for
 * MPI_REQUEST_NULL and for inactive persistent requests (both "done with
 * an empty status").  Returns MPI_SUCCESS or the raised class. */
static int lookup(const char *call, MPI_Request h, struct lark_request **r)
{
    *r = NULL;
    if (h == MPI_REQUEST_NULL)
        return MPI_SUCCESS;
    struct lark_request *q = lark_request_from_handle(h);
    if (q == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_REQUEST, "invalid request %p", (void *)h);
    if (!q->persistent || q->active)
        *r = q;
    return MPI_SUCCESS;
}

/* Finish a completed request for the user: status, free or deactivate,
 * reset the handle.  Runtime lock held.  Returns the internal error. */
static int finish(struct lark_request *r, MPI_Request *h, MPI_Status *st,
                  struct lark_comm **errcomm)
{
    bool persistent = r->persistent;
    *errcomm = r->comm;
    if (r->error != 0 && r->comm != NULL)
        lark_comm_retain(r->comm); /* the caller releases it after raising */
    int rc = lark_request_finish(r, st);
    if (!persistent)
        *h = MPI_REQUEST_NULL;
    return rc;
}

static int raise_req(const char *call, struct lark_comm *c, int rc)
{
    int cls = lark_err_raise(c, call, rc, "the request ended in error");
    if (c != NULL)
        lark_comm_release(c);
    return cls;
}

static bool req_done(void *arg)
{
    return lark_request_done(arg);
}

/* A test that found r not done: the where-record shows what it polls. */
static void poll_one(const char *call, const struct lark_request *r)
{
    lark_where_poll(call, r->kind, r->comm, r->peer, r->tag, r->len, r);
}

/* A test of a set: done, or polling the first request not done. */
static void poll_set(const char *call, bool done, struct lark_request **rs, int n)
{
    if (done) {
        lark_where_poll_end();
        return;
    }
    for (int i = 0; i < n; i++)
        if (rs[i] != NULL && !lark_request_done(rs[i])) {
            poll_one(call, rs[i]);
            return;
        }
}

/* Wait for a request.  The where-record (its peer and tag, ~150
 * instructions with the clock) is written only once the wait drags on
 * (lark_progress_wait_as): a request that completes at the first poll,
 * its message there already, never touches it. */
static void wait_one(const char *call, struct lark_request *r)
{
    struct lark_where_call w = {call, r->kind, r->comm, r->peer, r->tag, r->len};
    lark_progress_wait_as(req_done, r, &w);
    lark_where_poll_end(); /* an MPI_Test of it before may have left its mark */
}

int PMPI_Wait(MPI_Request *request, MPI_Status *status)
{
    int rc = lark_check_init("MPI_Wait");
    if (rc != MPI_SUCCESS)
        return rc;
    if (request == NULL)
        return lark_err_raise(NULL, "MPI_Wait", MPI_ERR_REQUEST, "request is NULL");
    struct lark_request *r;
    if ((rc = lookup("MPI_Wait", *request, &r)) != MPI_SUCCESS)
        return rc;
    if (r == NULL) {
        empty_status(status);
        return MPI_SUCCESS;
    }
    struct lark_comm *c;
    lark_lock();
    if (!lark_request_done(r)) {
        /* One pass first, as a blocking receive does (p2p_block.c): a
         * message that is there completes it without the waiting loop's
         * setup (~60 instructions of a 0-byte MPI_Irecv + MPI_Wait). */
        lark_p2p_progress();
        if (!lark_request_done(r)) {
            lark_unlock();
            wait_one("MPI_Wait", r);
            lark_lock();
        } else {
            lark_where_poll_end(); /* an MPI_Test of it before may have left its mark */
        }
    }
    rc = finish(r, request, status, &c);
    lark_unlock();
    return rc == LARK_OK ? MPI_SUCCESS : raise_req("MPI_Wait", c, rc);
}
LARK_API_ALIAS(Wait)

int PMPI_Test(MPI_Request *request, int *flag, MPI_Status *status)
{
    int rc = lark_check_init("MPI_Test");
    if (rc != MPI_SUCCESS)
        return rc;
    if (request == NULL || flag == NULL)
        return lark_err_raise(NULL, "MPI_Test", MPI_ERR_ARG, "NULL argument");
    struct lark_request *r;
    if ((rc = lookup("MPI_Test", *request, &r)) != MPI_SUCCESS)
        return rc;
    if (r == NULL) {
        *flag = 1;
        empty_status(status);
        return MPI_SUCCESS;
    }
    lark_lock();
    if (!lark_request_done(r))
        lark_p2p_progress();
    *flag = lark_request_done(r);
    struct lark_comm *c = NULL;
    rc = LARK_OK;
    if (*flag)
        rc = finish(r, request, status, &c);
    lark_unlock();
    if (*flag)
        lark_where_poll_end();
    else
        poll_one("MPI_Test", r);
    return rc == LARK_OK ? MPI_SUCCESS : raise_req("MPI_Test", c, rc);
}
LARK_API_ALIAS(Test)

/* Validate an array of handles; NULL entries stay for null/inactive. */
#define SMALL_SET 64

/* Validate an array of handles into *out: `small` (SMALL_SET entries) when
 * it fits, else a malloc'd array (release with free_set).  NULL entries
 * stand for null or inactive requests. */
static int lookup_all(const char *call, int count, MPI_Request reqs[], struct lark_request **small,
                      struct lark_request ***out)
{
    if (count < 0)
        return lark_err_raise(NULL, call, MPI_ERR_COUNT, "count %d is negative", count);
    if (count > 0 && reqs == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_REQUEST, "array of requests is NULL");
    struct lark_request **rs = small;
    if (count > SMALL_SET && (rs = malloc(sizeof *rs * (size_t)count)) == NULL)
        return lark_err_raise(NULL, call, LARK_ERR_NOMEM, "out of memory");
    for (int i = 0; i < count; i++) {
        int rc = lookup(call, reqs[i], &rs[i]);
        if (rc != MPI_SUCCESS) {
            if (rs != small)
                free(rs);
            return rc;
        }
    }
    *out = rs;
    return MPI_SUCCESS;
}

static void free_set(struct lark_request **rs, struct lark_request **small)
{
    if (rs != small)
        free(rs);
}

struct set_args {
    int n;
    struct lark_request **rs;
    bool all;
    int first; /* all: entries before this one are known complete */
};

static bool set_done(void *arg)
{
    struct set_args *a = arg;
    bool any = false, active = false;
    if (a->all) {
        /* Requests complete roughly in order: resume where the last scan
         * stopped instead of rescanning the whole set on every poll. */
        while (a->first < a->n && (a->rs[a->first] == NULL || lark_request_done(a->rs[a->first])))
            a->first++;
        return a->first == a->n;
    }
    for (int i = 0; i < a->n; i++) {
        if (a->rs[i] == NULL)
            continue;
        active = true;
        if (lark_request_done(a->rs[i]))
            any = true;
        else if (a->all)
            return false;
    }
    return a->all || any || !active;
}

/* Finish the completed entries (all of them, or only the first with
 * `first_only`); set statuses and errors.  Runtime lock held.  Returns the
 * number finished; *err the first error class. */
static int finish_done(int count, MPI_Request reqs[], struct lark_request **rs, MPI_Status sts[],
                       int *indices, bool first_only, int *err, struct lark_comm **errcomm)
{
    int n = 0;
    for (int i = 0; i < count; i++) {
        if (rs[i] == NULL || !lark_request_done(rs[i]))
            continue;
        MPI_Status *st = sts == MPI_STATUSES_IGNORE ? MPI_STATUS_IGNORE : &sts[indices ? n : i];
        struct lark_comm *c;
        int rc = finish(rs[i], &reqs[i], st, &c);
        rs[i] = NULL;
        if (rc != LARK_OK && *err == MPI_SUCCESS) {
            *err = rc;
            *errcomm = c;
        } else if (rc != LARK_OK && c != NULL) {
            lark_comm_release(c);
        }
        if (indices)
            indices[n] = i;
        n++;
        if (first_only)
            break;
    }
    return n;
}

/* Wait for a set (where-record, once the wait drags on: the first
 * request not yet done when it began). */
static void wait_set(const char *call, struct set_args *a)
{
    for (int i = 0; i < a->n; i++) {
        struct lark_request *r = a->rs[i];
        if (r != NULL && !lark_request_done(r)) {
            struct lark_where_call w = {call, r->kind, r->comm, r->peer, r->tag, r->len};
            lark_progress_wait_as(set_done, a, &w);
            lark_where_poll_end(); /* a test of the set before may have left its mark */
            return;
        }
    }
}

int PMPI_Waitall(int count, MPI_Request array_of_requests[], MPI_Status array_of_statuses[])
{
    int rc = lark_check_init("MPI_Waitall");
    struct lark_request **rs, *small[SMALL_SET];
    if (rc != MPI_SUCCESS || (rc = lookup_all("MPI_Waitall", count, array_of_requests, small, &rs)))
        return rc;
    struct set_args a = {count, rs, true, 0};
    wait_set("MPI_Waitall", &a);
    if (array_of_statuses != MPI_STATUSES_IGNORE)
        for (int i = 0; i < count; i++)
            if (rs[i] == NULL)
                empty_status(&array_of_statuses[i]);
    int err = MPI_SUCCESS;
    struct lark_comm *c = NULL;
    lark_lock();
    finish_done(count, array_of_requests, rs, array_of_statuses, NULL, false, &err, &c);
    lark_unlock();
    free_set(rs, small);
    if (err == MPI_SUCCESS)
        return MPI_SUCCESS;
    if (array_of_statuses == MPI_STATUSES_IGNORE)
        return raise_req("MPI_Waitall", c, err);
    int cls = lark_err_raise(c, "MPI_Waitall", MPI_ERR_IN_STATUS,
                             "a request ended in error (see the statuses)");
    if (c != NULL)
        lark_comm_release(c);
    return cls;
}
LARK_API_ALIAS(Waitall)

int PMPI_Testall(int count, MPI_Request array_of_requests[], int *flag,
                 MPI_Status array_of_statuses[])
{
    int rc = lark_check_init("MPI_Testall");
    struct lark_request **rs, *small[SMALL_SET];
    if (rc != MPI_SUCCESS || (rc = lookup_all("MPI_Testall", count, array_of_requests, small, &rs)))
        return rc;
    if (flag == NULL) {
        free_set(rs, small);
        return lark_err_raise(NULL, "MPI_Testall", MPI_ERR_ARG, "flag is NULL");
    }
    struct set_args a = {count, rs, true, 0};
    lark_lock();
    if (!set_done(&a))
        lark_p2p_progress();
    *flag = set_done(&a);
    int err = MPI_SUCCESS;
    struct lark_comm *c = NULL;
    if (*flag) {
        if (array_of_statuses != MPI_STATUSES_IGNORE)
            for (int i = 0; i < count; i++)
                if (rs[i] == NULL)
                    empty_status(&array_of_statuses[i]);
        finish_done(count, array_of_requests, rs, array_of_statuses, NULL, false, &err, &c);
    }
    lark_unlock();
    poll_set("MPI_Testall", *flag, rs, count);
    free_set(rs, small);
    if (err == MPI_SUCCESS)
        return MPI_SUCCESS;
    int cls = lark_err_raise(c, "MPI_Testall", MPI_ERR_IN_STATUS, "a request ended in error");
    if (c != NULL)
        lark_comm_release(c);
    return cls;
}
LARK_API_ALIAS(Testall)

static int any_common(const char *call, int count, MPI_Request reqs[], int *index, int *flag,
                      MPI_Status *status, bool blocking)
{
    int rc = lark_check_init(call);
    struct lark_request **rs, *small[SMALL_SET];
    if (rc != MPI_SUCCESS || (rc = lookup_all(call, count, reqs, small, &rs)))
        return rc;
    if (index == NULL || (!blocking && flag == NULL)) {
        free_set(rs, small);
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "NULL argument");
    }
    struct set_args a = {count, rs, false, 0};
    if (blocking)
        wait_set(call, &a);
    int err = MPI_SUCCESS, n = 0, idx = MPI_UNDEFINED;
    struct lark_comm *c = NULL;
    lark_lock();
    if (!blocking && !set_done(&a))
        lark_p2p_progress();
    bool done = set_done(&a);
    if (done) {
        n = finish_done(count, reqs, rs, status == MPI_STATUS_IGNORE ? MPI_STATUSES_IGNORE : status,
                        &idx, true, &err, &c);
        if (n == 0) { /* nothing active */
            idx = MPI_UNDEFINED;
            empty_status(status);
        }
    }
    lark_unlock();
    if (!blocking)
        poll_set(call, done, rs, count);
    free_set(rs, small);
    *index = n ? idx : MPI_UNDEFINED;
    if (flag)
        *flag = done;
    return err == MPI_SUCCESS ? MPI_SUCCESS : raise_req(call, c, err);
}

int PMPI_Waitany(int count, MPI_Request array_of_requests[], int *index, MPI_Status *status)
{
    return any_common("MPI_Waitany", count, array_of_requests, index, NULL, status, true);
}
LARK_API_ALIAS(Waitany)

int PMPI_Testany(int count, MPI_Request array_of_requests[], int *index, int *flag,
                 MPI_Status *status)
{
    return any_common("MPI_Testany", count, array_of_requests, index, flag, status, false);
}
LARK_API_ALIAS(Testany)

static int some_common(const char *call, int incount, MPI_Request reqs[], int *outcount,
                       int indices[], MPI_Status sts[], bool blocking)
{
    int rc = lark_check_init(call);
    struct lark_request **rs, *small[SMALL_SET];
    if (rc != MPI_SUCCESS || (rc = lookup_all(call, incount, reqs, small, &rs)))
        return rc;
    if (outcount == NULL || (incount > 0 && indices == NULL)) {
        free_set(rs, small);
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "NULL argument");
    }
    struct set_args a = {incount, rs, false, 0};
    if (blocking)
        wait_set(call, &a);
    int err = MPI_SUCCESS, active = 0;
    struct lark_comm *c = NULL;
    lark_lock();
    if (!blocking)
        lark_p2p_progress();
    for (int i = 0; i < incount; i++)
        active += rs[i] != NULL;
    int n = finish_done(incount, reqs, rs, sts, indices, false, &err, &c);
    lark_unlock();
    if (!blocking)
        poll_set(call, n > 0 || active == 0, rs, incount);
    free_set(rs, small);
    *outcount = active == 0 ? MPI_UNDEFINED : n;
    if (err == MPI_SUCCESS)
        return MPI_SUCCESS;
    int cls = lark_err_raise(c, call, MPI_ERR_IN_STATUS, "a request ended in error");
    if (c != NULL)
        lark_comm_release(c);
    return cls;
}

int PMPI_Waitsome(int incount, MPI_Request array_of_requests[], int *outcount,
                  int array_of_indices[], MPI_Status array_of_statuses[])
{
    return some_common("MPI_Waitsome", incount, array_of_requests, outcount, array_of_indices,
                       array_of_statuses, true);
}
LARK_API_ALIAS(Waitsome)

int PMPI_Testsome(int incount, MPI_Request array_of_requests[], int *outcount,
                  int array_of_indices[], MPI_Status array_of_statuses[])
{
    return some_common("MPI_Testsome", incount, array_of_requests, outcount, array_of_indices,
                       array_of_statuses, false);
}
LARK_API_ALIAS(Testsome)

int PMPI_Request_free(MPI_Request *request)
{
    int rc = lark_check_init("MPI_Request_free");
    if (rc != MPI_SUCCESS)
        return rc;
    if (request == NULL || *request == MPI_REQUEST_NULL)
        return lark_err_raise(NULL, "MPI_Request_free", MPI_ERR_REQUEST, "no request to free");
    struct lark_request *r = lark_request_from_handle(*request);
    if (r == NULL)
        return lark_err_raise(NULL, "MPI_Request_free", MPI_ERR_REQUEST, "invalid request");
    if (r->kind == LARK_REQ_COLL && (!r->persistent || r->active))
        return lark_err_raise(r->comm, "MPI_Request_free", MPI_ERR_REQUEST,
                              "the request of an active collective cannot be freed (the standard "
                              "makes it erroneous); complete it with MPI_Wait or MPI_Test first");
    if (r->kind == LARK_REQ_GREQ) {
        *request = MPI_REQUEST_NULL;
        rc = lark_greq_free(r);
        return rc == 0 ? MPI_SUCCESS
                       : lark_err_raise(NULL, "MPI_Request_free", rc,
                                        "the generalized request's free callback failed");
    }
    lark_lock();
    if (lark_request_done(r)) {
        lark_request_free(r);
    } else {
        r->persistent = false; /* freed for good once it completes */
        r->freed = true;
    }
    lark_unlock();
    *request = MPI_REQUEST_NULL;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Request_free)

int PMPI_Request_get_status(MPI_Request request, int *flag, MPI_Status *status)
{
    int rc = lark_check_init("MPI_Request_get_status");
    if (rc != MPI_SUCCESS)
        return rc;
    if (flag == NULL)
        return lark_err_raise(NULL, "MPI_Request_get_status", MPI_ERR_ARG, "flag is NULL");
    struct lark_request *r;
    if ((rc = lookup("MPI_Request_get_status", request, &r)) != MPI_SUCCESS)
        return rc;
    if (r == NULL) {
        *flag = 1;
        empty_status(status);
        return MPI_SUCCESS;
    }
    lark_lock();
    if (!lark_request_done(r))
        lark_p2p_progress();
    *flag = lark_request_done(r);
    if (*flag)
        rc = lark_request_peek(r, status);
    lark_unlock();
    if (*flag)
        lark_where_poll_end();
    else
        poll_one("MPI_Request_get_status", r);
    return rc == 0 ? MPI_SUCCESS
                   : lark_err_raise(NULL, "MPI_Request_get_status", rc,
                                    "the generalized request's query callback failed");
}
LARK_API_ALIAS(Request_get_status)

int PMPI_Cancel(MPI_Request *request)
{
    int rc = lark_check_init("MPI_Cancel");
    if (rc != MPI_SUCCESS)
        return rc;
    if (request == NULL)
        return lark_err_raise(NULL, "MPI_Cancel", MPI_ERR_REQUEST, "request is NULL");
    struct lark_request *r = lark_request_from_handle(*request);
    if (r == NULL)
        return lark_err_raise(NULL, "MPI_Cancel", MPI_ERR_REQUEST, "invalid request");
    if (r->kind == LARK_REQ_GREQ) {
        rc = lark_greq_cancel(r);
        return rc == 0 ? MPI_SUCCESS
                       : lark_err_raise(NULL, "MPI_Cancel", rc,
                                        "the generalized request's cancel callback failed");
    }
    lark_lock();
    rc = lark_p2p_cancel(r);
    lark_unlock();
    return rc == LARK_OK ? MPI_SUCCESS : lark_err_raise(r->comm, "MPI_Cancel", rc, "cancel failed");
}
LARK_API_ALIAS(Cancel)

int PMPI_Test_cancelled(const MPI_Status *status, int *flag)
{
    if (status == NULL || flag == NULL)
        return lark_err_raise(NULL, "MPI_Test_cancelled", MPI_ERR_ARG, "NULL argument");
    *flag = lark_status_cancelled(status);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Test_cancelled)

static int start_one(const char *call, MPI_Request *request)
{
    struct lark_request *r = lark_request_from_handle(*request);
    if (r == NULL || !r->persistent)
        return lark_err_raise(NULL, call, MPI_ERR_REQUEST, "not a persistent request");
    if (r->active)
        return lark_err_raise(r->comm, call, MPI_ERR_REQUEST, "the request is already active");
    lark_lock();
    int rc = r->kind == LARK_REQ_COLL   ? lark_sched_start(r)
             : r->kind == LARK_REQ_PART ? lark_part_start(r)
                                        : lark_p2p_start(r);
    lark_unlock();
    if (rc == LARK_ERR_NOMEM && r->mode == LARK_SEND_BUFFERED)
        return lark_err_raise(r->comm, call, MPI_ERR_BUFFER, "the attached buffer has no room");
    return rc == LARK_OK ? MPI_SUCCESS : lark_err_raise(r->comm, call, rc, "could not start");
}

int PMPI_Start(MPI_Request *request)
{
    int rc = lark_check_init("MPI_Start");
    if (rc != MPI_SUCCESS)
        return rc;
    if (request == NULL)
        return lark_err_raise(NULL, "MPI_Start", MPI_ERR_REQUEST, "request is NULL");
    return start_one("MPI_Start", request);
}
LARK_API_ALIAS(Start)

int PMPI_Startall(int count, MPI_Request array_of_requests[])
{
    int rc = lark_check_init("MPI_Startall");
    if (rc != MPI_SUCCESS)
        return rc;
    if (count < 0 || (count > 0 && array_of_requests == NULL))
        return lark_err_raise(NULL, "MPI_Startall", MPI_ERR_ARG, "invalid array of requests");
    for (int i = 0; i < count; i++)
        if ((rc = start_one("MPI_Startall", &array_of_requests[i])) != MPI_SUCCESS)
            return rc;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Startall)

/* ---- MPI 4.1: the status of a set of requests, none freed ---- */

/* Fill st from a completed request without releasing it (a generalized
 * request's query runs); keep the first error in *err. */
static void peek_status(struct lark_request *r, MPI_Status *st, int *err)
{
    int rc = lark_request_peek(r, st);
    if (rc != 0 && *err == 0)
        *err = rc;
}

static int raise_peek(const char *call, int err)
{
    return err == 0
               ? MPI_SUCCESS
               : lark_err_raise(NULL, call, err, "a generalized request's query callback failed");
}

int PMPI_Request_get_status_all(int count, const MPI_Request array_of_requests[], int *flag,
                                MPI_Status array_of_statuses[])
{
    const char *call = "MPI_Request_get_status_all";
    int rc = lark_check_init(call);
    struct lark_request **rs, *small[SMALL_SET];
    if (rc != MPI_SUCCESS ||
        (rc = lookup_all(call, count, (MPI_Request *)array_of_requests, small, &rs)))
        return rc;
    if (flag == NULL) {
        free_set(rs, small);
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "flag is NULL");
    }
    struct set_args a = {count, rs, true, 0};
    int err = 0;
    lark_lock();
    if (!set_done(&a))
        lark_p2p_progress();
    a.first = 0;
    *flag = set_done(&a);
    if (*flag && array_of_statuses != MPI_STATUSES_IGNORE)
        for (int i = 0; i < count; i++) {
            if (rs[i] == NULL)
                empty_status(&array_of_statuses[i]);
            else
                peek_status(rs[i], &array_of_statuses[i], &err);
        }
    else if (*flag) /* a generalized request's query runs all the same */
        for (int i = 0; i < count; i++)
            if (rs[i] != NULL)
                peek_status(rs[i], MPI_STATUS_IGNORE, &err);
    lark_unlock();
    poll_set(call, *flag, rs, count);
    free_set(rs, small);
    return raise_peek(call, err);
}
LARK_API_ALIAS(Request_get_status_all)

int PMPI_Request_get_status_any(int count, const MPI_Request array_of_requests[], int *index,
                                int *flag, MPI_Status *status)
{
    const char *call = "MPI_Request_get_status_any";
    int rc = lark_check_init(call);
    struct lark_request **rs, *small[SMALL_SET];
    if (rc != MPI_SUCCESS ||
        (rc = lookup_all(call, count, (MPI_Request *)array_of_requests, small, &rs)))
        return rc;
    if (index == NULL || flag == NULL) {
        free_set(rs, small);
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "%s is NULL", index ? "flag" : "index");
    }
    struct set_args a = {count, rs, false, 0};
    int err = 0;
    lark_lock();
    if (!set_done(&a))
        lark_p2p_progress();
    bool done = set_done(&a);
    *index = MPI_UNDEFINED;
    for (int i = 0; done && i < count; i++)
        if (rs[i] != NULL && lark_request_done(rs[i])) {
            *index = i;
            peek_status(rs[i], status, &err);
            break;
        }
    if (done && *index == MPI_UNDEFINED) /* no active request */
        empty_status(status);
    lark_unlock();
    *flag = done;
    poll_set(call, done, rs, count);
    free_set(rs, small);
    return raise_peek(call, err);
}
LARK_API_ALIAS(Request_get_status_any)

int PMPI_Request_get_status_some(int incount, const MPI_Request array_of_requests[], int *outcount,
                                 int array_of_indices[], MPI_Status array_of_statuses[])
{
    const char *call = "MPI_Request_get_status_some";
    int rc = lark_check_init(call);
    struct lark_request **rs, *small[SMALL_SET];
    if (rc != MPI_SUCCESS ||
        (rc = lookup_all(call, incount, (MPI_Request *)array_of_requests, small, &rs)))
        return rc;
    if (outcount == NULL || (incount > 0 && array_of_indices == NULL)) {
        free_set(rs, small);
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "%s is NULL",
                              outcount ? "array_of_indices" : "outcount");
    }
    lark_lock();
    lark_p2p_progress();
    int n = 0, active = 0, err = 0;
    for (int i = 0; i < incount; i++) {
        if (rs[i] == NULL)
            continue;
        active++;
        if (!lark_request_done(rs[i]))
            continue;
        peek_status(rs[i],
                    array_of_statuses != MPI_STATUSES_IGNORE ? &array_of_statuses[n]
                                                             : MPI_STATUS_IGNORE,
                    &err);
        array_of_indices[n++] = i;
    }
    lark_unlock();
    poll_set(call, n > 0 || active == 0, rs, incount);
    free_set(rs, small);
    *outcount = active == 0 ? MPI_UNDEFINED : n;
    return raise_peek(call, err);
}
LARK_API_ALIAS(Request_get_status_some)

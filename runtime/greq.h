/*
 * greq.h -- generalized requests (MPI_Grequest_start): requests of kind
 * LARK_REQ_GREQ whose operation the program runs itself, completed by
 * MPI_Grequest_complete, with the program's query, free and cancel
 * callbacks called where the standard says:
 *
 *  - query: by the Wait/Test call that completes the request (any form),
 *    and by MPI_Request_get_status(_all/any/some) once it is complete; it
 *    fills the status the user sees (a valid scratch status when the user
 *    passed MPI_STATUS(ES)_IGNORE);
 *  - free: after query in that completing call, or, for a request freed
 *    with MPI_Request_free, in whichever of MPI_Request_free and
 *    MPI_Grequest_complete comes last;
 *  - cancel: by MPI_Cancel, with complete = whether MPI_Grequest_complete
 *    was called already.
 *
 * Callbacks are called without the runtime lock (they may call MPI).  A
 * callback's non-zero return is the error of the call that invoked it.
 * A NULL callback does nothing (the query leaves an empty status).
 */
#ifndef LARK_GREQ_H_INCLUDED
#define LARK_GREQ_H_INCLUDED

#include "lark.h"

struct lark_request;

/* A new generalized request (active, not complete): NULL when out of
 * memory.  The callbacks' record is freed with the request. */
struct lark_request *lark_greq_new(MPI_Grequest_query_function *query,
                                   MPI_Grequest_free_function *free_fn,
                                   MPI_Grequest_cancel_function *cancel, void *extra_state);
/* Finish a completed one for a Wait/Test: query into *st, then free, then
 * release the request.  Runtime lock held; dropped around the callbacks.
 * Returns the first callback error (an MPI error code), or 0. */
int lark_greq_finish(struct lark_request *r, MPI_Status *st);
/* Only query (MPI_Request_get_status & co).  Same locking and return. */
int lark_greq_query(struct lark_request *r, MPI_Status *st);
/* MPI_Cancel: call cancel.  Call without the runtime lock. */
int lark_greq_cancel(struct lark_request *r);
/* MPI_Request_free: release now (free callback) if complete, else mark it
 * to be released by MPI_Grequest_complete.  Call without the lock. */
int lark_greq_free(struct lark_request *r);
/* MPI_Grequest_complete.  Call without the lock.  Returns the free
 * callback's error when it runs here, else 0. */
int lark_greq_complete(struct lark_request *r);

#endif

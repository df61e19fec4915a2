/*
 * greq.c (api) -- MPI_Grequest_start and MPI_Grequest_complete: requests
 * whose operation the program runs itself (runtime/greq.h says when each
 * callback runs).
 */
#include "lark.h"
#include "check.h"
#include "greq.h"
#include "request.h"

#pragma weak MPI_Grequest_start = PMPI_Grequest_start
#pragma weak MPI_Grequest_complete = PMPI_Grequest_complete

int PMPI_Grequest_start(MPI_Grequest_query_function *query_fn, MPI_Grequest_free_function *free_fn,
                        MPI_Grequest_cancel_function *cancel_fn, void *extra_state,
                        MPI_Request *request)
{
    const char *call = "MPI_Grequest_start";
    int rc = lark_check_init(call);
    if (rc != MPI_SUCCESS)
        return rc;
    /* A NULL callback does nothing (as in Open MPI): the standard asks
     * for functions, and a missing one must not crash the program. */
    if (request == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "request is NULL");
    struct lark_request *r = lark_greq_new(query_fn, free_fn, cancel_fn, extra_state);
    if (r == NULL)
        return lark_err_raise(NULL, call, LARK_ERR_NOMEM, "out of memory for a request");
    *request = lark_request_to_handle(r);
    return MPI_SUCCESS;
}

int PMPI_Grequest_complete(MPI_Request request)
{
    const char *call = "MPI_Grequest_complete";
    int rc = lark_check_init(call);
    if (rc != MPI_SUCCESS)
        return rc;
    struct lark_request *r = lark_request_from_handle(request);
    if (r == NULL || r->kind != LARK_REQ_GREQ)
        return lark_err_raise(NULL, call, MPI_ERR_REQUEST,
                              "%p is not a generalized request (made by MPI_Grequest_start)",
                              (void *)request);
    if (lark_request_done(r))
        return lark_err_raise(NULL, call, MPI_ERR_REQUEST,
                              "the generalized request is complete already (MPI_Grequest_complete "
                              "may be called once per request)");
    rc = lark_greq_complete(r);
    return rc == 0
               ? MPI_SUCCESS
               : lark_err_raise(NULL, call, rc, "the generalized request's free callback failed");
}

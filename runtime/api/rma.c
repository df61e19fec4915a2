/*
 * rma.c (api) -- one-sided communication calls: Put, Get, Accumulate,
 * Get_accumulate, Fetch_and_op, Compare_and_swap, the request-based R*
 * forms and the large-count _c forms.  Each checks its arguments and the
 * window's epoch, then calls runtime/rma/ops.c with the runtime lock held.
 */
#include <stdio.h>

#pragma weak MPI_Put = PMPI_Put
#pragma weak MPI_Put_c = PMPI_Put_c
#pragma weak MPI_Get = PMPI_Get
#pragma weak MPI_Get_c = PMPI_Get_c
#pragma weak MPI_Accumulate = PMPI_Accumulate
#pragma weak MPI_Accumulate_c = PMPI_Accumulate_c
#pragma weak MPI_Get_accumulate = PMPI_Get_accumulate
#pragma weak MPI_Get_accumulate_c = PMPI_Get_accumulate_c
#pragma weak MPI_Fetch_and_op = PMPI_Fetch_and_op
#pragma weak MPI_Compare_and_swap = PMPI_Compare_and_swap
#pragma weak MPI_Rput = PMPI_Rput
#pragma weak MPI_Rput_c = PMPI_Rput_c
#pragma weak MPI_Rget = PMPI_Rget
#pragma weak MPI_Rget_c = PMPI_Rget_c
#pragma weak MPI_Raccumulate = PMPI_Raccumulate
#pragma weak MPI_Raccumulate_c = PMPI_Raccumulate_c
#pragma weak MPI_Rget_accumulate = PMPI_Rget_accumulate
#pragma weak MPI_Rget_accumulate_c = PMPI_Rget_accumulate_c

#include "lark.h"
#include "copy.h"
#include "datatype.h"
#include "op.h"
#include "request.h"
#include "rma/api.h"

enum kind { K_PUT, K_GET, K_ACC, K_GACC };

/* Everything one call says. */
struct rma_args {
    const char *call;
    enum kind kind;
    const void *obuf;
    MPI_Count ocount;
    MPI_Datatype otype;
    void *rbuf;
    MPI_Count rcount;
    MPI_Datatype rtype;
    int target;
    MPI_Aint tdisp;
    MPI_Count tcount;
    MPI_Datatype ttype;
    MPI_Op op;
    MPI_Request *request; /* R* forms */
};

static int check_type(struct lark_win *w, const char *call, const char *what, MPI_Count count,
                      MPI_Datatype h, struct lark_datatype **dt)
{
    if (count < 0)
        return LARK_WIN_RAISE(w, call, MPI_ERR_COUNT, "%s count %lld is negative", what,
                              (long long)count);
    *dt = lark_datatype_from_handle(h);
    if (*dt == NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_TYPE, "invalid %s datatype %p", what, (void *)h);
    if (!(*dt)->committed)
        return LARK_WIN_RAISE(w, call, MPI_ERR_TYPE, "%s datatype %s is not committed", what,
                              (*dt)->name ? (*dt)->name : "");
    return MPI_SUCCESS;
}

static int rma(MPI_Win win, struct rma_args *a)
{
    struct lark_win *w = NULL;
    int rc = lark_win_enter(a->call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    struct lark_datatype *odt = NULL, *rdt = NULL, *tdt = NULL;
    bool reads_origin = a->kind != K_GET && !(a->kind == K_GACC && a->op == MPI_NO_OP);
    if (a->kind == K_GET)
        rc = check_type(w, a->call, "origin", a->rcount, a->rtype, &rdt);
    else if (reads_origin || a->otype != MPI_DATATYPE_NULL)
        rc = check_type(w, a->call, "origin", a->ocount, a->otype, &odt);
    if (rc == MPI_SUCCESS && a->kind == K_GACC)
        rc = check_type(w, a->call, "result", a->rcount, a->rtype, &rdt);
    if (rc == MPI_SUCCESS)
        rc = check_type(w, a->call, "target", a->tcount, a->ttype, &tdt);
    if (rc != MPI_SUCCESS)
        return rc;
    if (a->request != NULL)
        *a->request = MPI_REQUEST_NULL;
    if (a->target == MPI_PROC_NULL) {
        if (a->request == NULL)
            return MPI_SUCCESS;
        lark_lock();
        struct lark_request *req = lark_request_alloc(LARK_REQ_SEND, w->comm);
        if (req != NULL)
            lark_request_complete(req);
        lark_unlock();
        if (req == NULL)
            return LARK_WIN_RAISE(w, a->call, LARK_ERR_NOMEM, "out of memory");
        *a->request = lark_request_to_handle(req);
        return MPI_SUCCESS;
    }
    if (a->target < 0 || a->target >= w->comm->size)
        return LARK_WIN_RAISE(w, a->call, MPI_ERR_RANK,
                              "target rank %d is not in the window (size %d)", a->target,
                              w->comm->size);
    if (a->kind != K_PUT && a->kind != K_GET && a->op != MPI_REPLACE && a->op != MPI_NO_OP &&
        !lark_op_is_predefined(a->op))
        return LARK_WIN_RAISE(w, a->call, MPI_ERR_OP,
                              "only predefined operations (and MPI_REPLACE, MPI_NO_OP) may be "
                              "used in one-sided accumulates");
    lark_lock();
    if (!lark_rma_can_access(w, a->target)) {
        lark_unlock();
        return LARK_WIN_RAISE(w, a->call, MPI_ERR_RMA_SYNC,
                              "no access epoch covers target rank %d (call MPI_Win_fence, "
                              "MPI_Win_lock(_all) or MPI_Win_start first)",
                              a->target);
    }
    struct lark_request *req = NULL;
    if (a->request != NULL) {
        if (!w->lock_all && w->t[a->target].lock_type == 0) {
            lark_unlock();
            return LARK_WIN_RAISE(w, a->call, MPI_ERR_RMA_SYNC,
                                  "request-based operations need a passive-target epoch "
                                  "(MPI_Win_lock or MPI_Win_lock_all)");
        }
        req = lark_request_alloc(LARK_REQ_SEND, w->comm);
        if (req == NULL) {
            lark_unlock();
            return LARK_WIN_RAISE(w, a->call, LARK_ERR_NOMEM, "out of memory");
        }
    }
    switch (a->kind) {
    case K_PUT:
        rc = lark_rma_put(w, a->obuf, (size_t)a->ocount, odt, a->target, a->tdisp,
                          (size_t)a->tcount, tdt, req);
        break;
    case K_GET:
        rc = lark_rma_get(w, a->rbuf, (size_t)a->rcount, rdt, a->target, a->tdisp,
                          (size_t)a->tcount, tdt, req);
        break;
    default:
        rc = lark_rma_accumulate(w, a->obuf, (size_t)a->ocount, odt ? odt : tdt, a->rbuf,
                                 (size_t)a->rcount, rdt, a->target, a->tdisp, (size_t)a->tcount,
                                 tdt, a->op, a->kind == K_GACC, req);
        break;
    }
    if (rc != 0 && req != NULL) {
        lark_request_free(req);
        req = NULL;
    }
    lark_unlock();
    if (rc != 0) {
        const char *why = rc == MPI_ERR_RMA_RANGE ? "the access reaches outside the target's window"
                          : rc == MPI_ERR_DISP    ? "the target displacement is negative"
                          : rc == MPI_ERR_TYPE ? "the datatypes do not match, or the target layout "
                                                 "is not supported by one-sided calls yet"
                          : rc == MPI_ERR_OP   ? "the operation is not defined on this datatype"
                                               : "the operation failed";
        if (rc == LARK_ERR_UNSUPPORTED)
            rc = MPI_ERR_TYPE;
        return LARK_WIN_RAISE(w, a->call, rc, "target rank %d, displacement %ld: %s", a->target,
                              (long)a->tdisp, why);
    }
    if (a->request != NULL)
        *a->request = lark_request_to_handle(req);
    return MPI_SUCCESS;
}

/* MPI_Put and MPI_Get in their common case, without building the general
 * call: the same predefined type and count on both sides, a target whose
 * memory is mapped here, inside an epoch, in range.  Returns false, having
 * done nothing, for everything else (and every error), which the general
 * path then handles. */
static bool direct(MPI_Win win, bool put, void *obuf, MPI_Count count, MPI_Datatype otype,
                   int target, MPI_Aint tdisp, MPI_Count tcount, MPI_Datatype ttype)
{
    if (otype != ttype || count != tcount || count < 0 || tdisp < 0 || !lark_initialized())
        return false;
    struct lark_win *w = lark_win_from_handle(win);
    struct lark_datatype *dt = lark_datatype_from_handle(otype);
    if (w == NULL || dt == NULL || target < 0 || target >= w->comm->size ||
        !lark_rma_can_access(w, target))
        return false;
    char *addr = lark_rma_direct_addr(w, target, tdisp, (size_t)count, dt, (size_t)count, dt);
    if (addr == NULL)
        return false;
    size_t bytes = dt->size * (size_t)count;
    if (put)
        lark_copy(addr, obuf, bytes);
    else
        lark_copy(obuf, addr, bytes);
    return true;
}

#define PUT_ARGS(name, req)                                                                        \
    struct rma_args a = {name,                                                                     \
                         K_PUT,                                                                    \
                         origin_addr,                                                              \
                         origin_count,                                                             \
                         origin_datatype,                                                          \
                         NULL,                                                                     \
                         0,                                                                        \
                         MPI_DATATYPE_NULL,                                                        \
                         target_rank,                                                              \
                         target_disp,                                                              \
                         target_count,                                                             \
                         target_datatype,                                                          \
                         MPI_REPLACE,                                                              \
                         req}

int PMPI_Put(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
             int target_rank, MPI_Aint target_disp, int target_count, MPI_Datatype target_datatype,
             MPI_Win win)
{
    if (direct(win, true, (void *)origin_addr, origin_count, origin_datatype, target_rank,
               target_disp, target_count, target_datatype))
        return MPI_SUCCESS;
    PUT_ARGS("MPI_Put", NULL);
    return rma(win, &a);
}

int PMPI_Put_c(const void *origin_addr, MPI_Count origin_count, MPI_Datatype origin_datatype,
               int target_rank, MPI_Aint target_disp, MPI_Count target_count,
               MPI_Datatype target_datatype, MPI_Win win)
{
    if (direct(win, true, (void *)origin_addr, origin_count, origin_datatype, target_rank,
               target_disp, target_count, target_datatype))
        return MPI_SUCCESS;
    PUT_ARGS("MPI_Put_c", NULL);
    return rma(win, &a);
}

int PMPI_Rput(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
              int target_rank, MPI_Aint target_disp, int target_count, MPI_Datatype target_datatype,
              MPI_Win win, MPI_Request *request)
{
    if (request == NULL)
        return lark_err_raise(NULL, "MPI_Rput", MPI_ERR_ARG, "request is NULL");
    PUT_ARGS("MPI_Rput", request);
    return rma(win, &a);
}

int PMPI_Rput_c(const void *origin_addr, MPI_Count origin_count, MPI_Datatype origin_datatype,
                int target_rank, MPI_Aint target_disp, MPI_Count target_count,
                MPI_Datatype target_datatype, MPI_Win win, MPI_Request *request)
{
    if (request == NULL)
        return lark_err_raise(NULL, "MPI_Rput_c", MPI_ERR_ARG, "request is NULL");
    PUT_ARGS("MPI_Rput_c", request);
    return rma(win, &a);
}

#define GET_ARGS(name, req)                                                                        \
    struct rma_args a = {name,                                                                     \
                         K_GET,                                                                    \
                         NULL,                                                                     \
                         0,                                                                        \
                         MPI_DATATYPE_NULL,                                                        \
                         origin_addr,                                                              \
                         origin_count,                                                             \
                         origin_datatype,                                                          \
                         target_rank,                                                              \
                         target_disp,                                                              \
                         target_count,                                                             \
                         target_datatype,                                                          \
                         MPI_NO_OP,                                                                \
                         req}

int PMPI_Get(void *origin_addr, int origin_count, MPI_Datatype origin_datatype, int target_rank,
             MPI_Aint target_disp, int target_count, MPI_Datatype target_datatype, MPI_Win win)
{
    if (direct(win, false, (void *)origin_addr, origin_count, origin_datatype, target_rank,
               target_disp, target_count, target_datatype))
        return MPI_SUCCESS;
    GET_ARGS("MPI_Get", NULL);
    return rma(win, &a);
}

int PMPI_Get_c(void *origin_addr, MPI_Count origin_count, MPI_Datatype origin_datatype,
               int target_rank, MPI_Aint target_disp, MPI_Count target_count,
               MPI_Datatype target_datatype, MPI_Win win)
{
    if (direct(win, false, (void *)origin_addr, origin_count, origin_datatype, target_rank,
               target_disp, target_count, target_datatype))
        return MPI_SUCCESS;
    GET_ARGS("MPI_Get_c", NULL);
    return rma(win, &a);
}

int PMPI_Rget(void *origin_addr, int origin_count, MPI_Datatype origin_datatype, int target_rank,
              MPI_Aint target_disp, int target_count, MPI_Datatype target_datatype, MPI_Win win,
              MPI_Request *request)
{
    if (request == NULL)
        return lark_err_raise(NULL, "MPI_Rget", MPI_ERR_ARG, "request is NULL");
    GET_ARGS("MPI_Rget", request);
    return rma(win, &a);
}

int PMPI_Rget_c(void *origin_addr, MPI_Count origin_count, MPI_Datatype origin_datatype,
                int target_rank, MPI_Aint target_disp, MPI_Count target_count,
                MPI_Datatype target_datatype, MPI_Win win, MPI_Request *request)
{
    if (request == NULL)
        return lark_err_raise(NULL, "MPI_Rget_c", MPI_ERR_ARG, "request is NULL");
    GET_ARGS("MPI_Rget_c", request);
    return rma(win, &a);
}

#define ACC_ARGS(name, req)                                                                        \
    struct rma_args a = {name,                                                                     \
                         K_ACC,                                                                    \
                         origin_addr,                                                              \
                         origin_count,                                                             \
                         origin_datatype,                                                          \
                         NULL,                                                                     \
                         0,                                                                        \
                         MPI_DATATYPE_NULL,                                                        \
                         target_rank,                                                              \
                         target_disp,                                                              \
                         target_count,                                                             \
                         target_datatype,                                                          \
                         op,                                                                       \
                         req}

int PMPI_Accumulate(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
                    int target_rank, MPI_Aint target_disp, int target_count,
                    MPI_Datatype target_datatype, MPI_Op op, MPI_Win win)
{
    ACC_ARGS("MPI_Accumulate", NULL);
    return rma(win, &a);
}

int PMPI_Accumulate_c(const void *origin_addr, MPI_Count origin_count, MPI_Datatype origin_datatype,
                      int target_rank, MPI_Aint target_disp, MPI_Count target_count,
                      MPI_Datatype target_datatype, MPI_Op op, MPI_Win win)
{
    ACC_ARGS("MPI_Accumulate_c", NULL);
    return rma(win, &a);
}

int PMPI_Raccumulate(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
                     int target_rank, MPI_Aint target_disp, int target_count,
                     MPI_Datatype target_datatype, MPI_Op op, MPI_Win win, MPI_Request *request)
{
    if (request == NULL)
        return lark_err_raise(NULL, "MPI_Raccumulate", MPI_ERR_ARG, "request is NULL");
    ACC_ARGS("MPI_Raccumulate", request);
    return rma(win, &a);
}

int PMPI_Raccumulate_c(const void *origin_addr, MPI_Count origin_count,
                       MPI_Datatype origin_datatype, int target_rank, MPI_Aint target_disp,
                       MPI_Count target_count, MPI_Datatype target_datatype, MPI_Op op, MPI_Win win,
                       MPI_Request *request)
{
    if (request == NULL)
        return lark_err_raise(NULL, "MPI_Raccumulate_c", MPI_ERR_ARG, "request is NULL");
    ACC_ARGS("MPI_Raccumulate_c", request);
    return rma(win, &a);
}

#define GACC_ARGS(name, req)                                                                       \
    struct rma_args a = {name,                                                                     \
                         K_GACC,                                                                   \
                         origin_addr,                                                              \
                         origin_count,                                                             \
                         origin_datatype,                                                          \
                         result_addr,                                                              \
                         result_count,                                                             \
                         result_datatype,                                                          \
                         target_rank,                                                              \
                         target_disp,                                                              \
                         target_count,                                                             \
                         target_datatype,                                                          \
                         op,                                                                       \
                         req}

int PMPI_Get_accumulate(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
                        void *result_addr, int result_count, MPI_Datatype result_datatype,
                        int target_rank, MPI_Aint target_disp, int target_count,
                        MPI_Datatype target_datatype, MPI_Op op, MPI_Win win)
{
    GACC_ARGS("MPI_Get_accumulate", NULL);
    return rma(win, &a);
}

int PMPI_Get_accumulate_c(const void *origin_addr, MPI_Count origin_count,
                          MPI_Datatype origin_datatype, void *result_addr, MPI_Count result_count,
                          MPI_Datatype result_datatype, int target_rank, MPI_Aint target_disp,
                          MPI_Count target_count, MPI_Datatype target_datatype, MPI_Op op,
                          MPI_Win win)
{
    GACC_ARGS("MPI_Get_accumulate_c", NULL);
    return rma(win, &a);
}

int PMPI_Rget_accumulate(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
                         void *result_addr, int result_count, MPI_Datatype result_datatype,
                         int target_rank, MPI_Aint target_disp, int target_count,
                         MPI_Datatype target_datatype, MPI_Op op, MPI_Win win, MPI_Request *request)
{
    if (request == NULL)
        return lark_err_raise(NULL, "MPI_Rget_accumulate", MPI_ERR_ARG, "request is NULL");
    GACC_ARGS("MPI_Rget_accumulate", request);
    return rma(win, &a);
}

int PMPI_Rget_accumulate_c(const void *origin_addr, MPI_Count origin_count,
                           MPI_Datatype origin_datatype, void *result_addr, MPI_Count result_count,
                           MPI_Datatype result_datatype, int target_rank, MPI_Aint target_disp,
                           MPI_Count target_count, MPI_Datatype target_datatype, MPI_Op op,
                           MPI_Win win, MPI_Request *request)
{
    if (request == NULL)
        return lark_err_raise(NULL, "MPI_Rget_accumulate_c", MPI_ERR_ARG, "request is NULL");
    GACC_ARGS("MPI_Rget_accumulate_c", request);
    return rma(win, &a);
}

int PMPI_Fetch_and_op(const void *origin_addr, void *result_addr, MPI_Datatype datatype,
                      int target_rank, MPI_Aint target_disp, MPI_Op op, MPI_Win win)
{
    struct rma_args a = {
        "MPI_Fetch_and_op", K_GACC,      origin_addr, 1, datatype, result_addr, 1,
        datatype,           target_rank, target_disp, 1, datatype, op,          NULL};
    return rma(win, &a);
}

int PMPI_Compare_and_swap(const void *origin_addr, const void *compare_addr, void *result_addr,
                          MPI_Datatype datatype, int target_rank, MPI_Aint target_disp, MPI_Win win)
{
    static const char call[] = "MPI_Compare_and_swap";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    struct lark_datatype *dt;
    rc = check_type(w, call, "", 1, datatype, &dt);
    if (rc != MPI_SUCCESS)
        return rc;
    if (!dt->predefined || !dt->contig || dt->basic == LARK_BASIC_FLOAT ||
        dt->basic == LARK_BASIC_DOUBLE || dt->basic == LARK_BASIC_LDOUBLE ||
        dt->basic == LARK_BASIC_FORTRAN_REAL || dt->basic == LARK_BASIC_FLOAT_COMPLEX ||
        dt->basic == LARK_BASIC_DOUBLE_COMPLEX || dt->basic == LARK_BASIC_LDOUBLE_COMPLEX ||
        dt->basic == LARK_BASIC_FORTRAN_COMPLEX)
        return LARK_WIN_RAISE(w, call, MPI_ERR_TYPE,
                              "MPI_Compare_and_swap takes one C integer, Fortran integer, "
                              "logical or byte element, not %s",
                              dt->name ? dt->name : "a derived datatype");
    if (target_rank == MPI_PROC_NULL)
        return MPI_SUCCESS;
    if (target_rank < 0 || target_rank >= w->comm->size)
        return LARK_WIN_RAISE(w, call, MPI_ERR_RANK,
                              "target rank %d is not in the window (size %d)", target_rank,
                              w->comm->size);
    if (origin_addr == NULL || compare_addr == NULL || result_addr == NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_BUFFER, "a buffer is NULL");
    lark_lock();
    if (!lark_rma_can_access(w, target_rank)) {
        lark_unlock();
        return LARK_WIN_RAISE(w, call, MPI_ERR_RMA_SYNC,
                              "no access epoch covers target rank %d (call MPI_Win_fence, "
                              "MPI_Win_lock(_all) or MPI_Win_start first)",
                              target_rank);
    }
    rc = lark_rma_compare_and_swap(w, origin_addr, compare_addr, result_addr, dt, target_rank,
                                   target_disp);
    lark_unlock();
    if (rc != 0)
        return LARK_WIN_RAISE(
            w, call, rc, "target rank %d, displacement %ld: %s", target_rank, (long)target_disp,
            rc == MPI_ERR_RMA_RANGE ? "outside the target's window" : "the operation failed");
    return MPI_SUCCESS;
}

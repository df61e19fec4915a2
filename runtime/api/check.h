/*
 * check.h -- argument checks shared by the entry points (point-to-point,
 * communicators, attributes, topologies).
 *
 * Each returns MPI_SUCCESS, or the MPI class that lark_err_raise() gave
 * back after running the communicator's error handler (so the caller just
 * returns it).  They never take the runtime lock.
 */
#ifndef LARK_API_CHECK_H_INCLUDED
#define LARK_API_CHECK_H_INCLUDED

#include "lark.h"
#include "comm.h"
#include "datatype.h"
#include "error.h"
#include "runtime.h"

#define LARK_TAG_UB 0x7fffffff

static inline int lark_check_init(const char *call)
{
    if (LARK_UNLIKELY(!lark_initialized()))
        return lark_err_raise(NULL, call, MPI_ERR_OTHER,
                              "MPI is not initialized (call MPI_Init first) or already finalized");
    return MPI_SUCCESS;
}

static inline int lark_check_comm(const char *call, MPI_Comm comm, struct lark_comm **c)
{
    int rc = lark_check_init(call);
    if (rc != MPI_SUCCESS)
        return rc;
    *c = lark_comm_from_handle(comm);
    if (LARK_UNLIKELY(*c == NULL))
        return lark_err_raise(NULL, call, MPI_ERR_COMM, "invalid communicator %p%s", (void *)comm,
                              comm == MPI_COMM_NULL ? " (MPI_COMM_NULL)" : "");
    return MPI_SUCCESS;
}

/* buf/count/datatype of a send or receive buffer.  `count` is an
 * MPI_Count so the int forms and the large-count `_c` forms share every
 * check; a count whose bytes do not fit a process's address space is
 * MPI_ERR_COUNT. */
static inline int lark_check_buf(const char *call, struct lark_comm *c, const void *buf,
                                 MPI_Count count, MPI_Datatype dt, struct lark_datatype **d)
{
    if (LARK_UNLIKELY(count < 0))
        return lark_err_raise(c, call, MPI_ERR_COUNT, "count %lld is negative", (long long)count);
    *d = lark_datatype_from_handle(dt);
    if (LARK_UNLIKELY(*d == NULL))
        return lark_err_raise(c, call, MPI_ERR_TYPE, "invalid datatype %p", (void *)dt);
    if (LARK_UNLIKELY(!(*d)->committed))
        return lark_err_raise(c, call, MPI_ERR_TYPE, "datatype %s is not committed",
                              (*d)->name ? (*d)->name : "");
    /* (a multiply and a flag, not a 64-bit division, on every call) */
    uint64_t bytes;
    if (LARK_UNLIKELY(__builtin_mul_overflow((uint64_t)count, (uint64_t)(*d)->size, &bytes) ||
                      bytes > (uint64_t)PTRDIFF_MAX))
        return lark_err_raise(c, call, MPI_ERR_COUNT,
                              "count %lld of a %zu-byte datatype is more bytes than a process can "
                              "address (at most %lld elements)",
                              (long long)count, (size_t)(*d)->size,
                              (long long)(PTRDIFF_MAX / (*d)->size));
    /* NULL (MPI_BOTTOM) is a valid buffer for a derived type built from
     * absolute addresses (MPI_Get_address), never for a predefined one. */
    if (LARK_UNLIKELY(buf == NULL && count > 0 && (*d)->size > 0 && (*d)->predefined))
        return lark_err_raise(c, call, MPI_ERR_BUFFER, "buffer is NULL with count %lld",
                              (long long)count);
    return MPI_SUCCESS;
}

/* A destination rank (send) or source rank (receive: wildcard allowed). */
static inline int lark_check_rank(const char *call, struct lark_comm *c, int rank, bool any_ok)
{
    /* An intercommunicator's ranks name members of the remote group. */
    int n = lark_comm_peer_size(c);
    if (LARK_LIKELY(rank >= 0 && rank < n) || rank == MPI_PROC_NULL ||
        (any_ok && rank == MPI_ANY_SOURCE))
        return MPI_SUCCESS;
    return lark_err_raise(c, call, MPI_ERR_RANK, "rank %d is not in the %scommunicator (size %d)",
                          rank, c->remote != NULL ? "remote group of the inter" : "", n);
}

static inline int lark_check_tag(const char *call, struct lark_comm *c, int tag, bool any_ok)
{
    if (LARK_LIKELY(tag >= 0 && tag <= LARK_TAG_UB) || (any_ok && tag == MPI_ANY_TAG))
        return MPI_SUCCESS;
    return lark_err_raise(c, call, MPI_ERR_TAG, "tag %d is invalid (0..%d%s)", tag, LARK_TAG_UB,
                          any_ok ? " or MPI_ANY_TAG" : "");
}

static inline int lark_check_ptr(const char *call, struct lark_comm *c, const void *p,
                                 const char *what, int cls)
{
    if (LARK_LIKELY(p != NULL))
        return MPI_SUCCESS;
    return lark_err_raise(c, call, cls, "%s is NULL", what);
}

/* All the checks of a send or receive (inlined into every call: as a
 * function of 10 arguments its call cost ~25 instructions). */
LARK_INLINE int lark_check_p2p(const char *call, const void *buf, MPI_Count count, MPI_Datatype dt,
                               int rank, int tag, MPI_Comm comm, bool recv, struct lark_comm **c,
                               struct lark_datatype **d)
{
    *d = NULL; /* never read on failure, but the compiler cannot know that */
    int rc = lark_check_comm(call, comm, c);
    if (rc == MPI_SUCCESS)
        rc = lark_check_buf(call, *c, buf, count, dt, d);
    if (rc == MPI_SUCCESS)
        rc = lark_check_rank(call, *c, rank, recv);
    if (rc == MPI_SUCCESS)
        rc = lark_check_tag(call, *c, tag, recv);
    return rc;
}

/* The checks of a send-receive: its send half, then its receive half. */
static inline int lark_check_sendrecv(const char *call, const void *sendbuf, MPI_Count sendcount,
                                      MPI_Datatype sendtype, int dest, int sendtag, void *recvbuf,
                                      MPI_Count recvcount, MPI_Datatype recvtype, int source,
                                      int recvtag, MPI_Comm comm, struct lark_comm **c,
                                      struct lark_datatype **sd, struct lark_datatype **rd)
{
    int rc = lark_check_p2p(call, sendbuf, sendcount, sendtype, dest, sendtag, comm, false, c, sd);
    if (rc == MPI_SUCCESS)
        rc = lark_check_p2p(call, recvbuf, recvcount, recvtype, source, recvtag, comm, true, c, rd);
    return rc;
}

#endif

/*
 * status.h -- the internal return convention shared by the runtime and the
 * transports: 0 done, LARK_INPROGRESS (> 0, one value only) in progress,
 * < 0 an error, with "no resource, retry later" (LARK_ERR_AGAIN) as its own
 * code.  error.c is the one place that maps these codes to MPI error
 * classes.  Transports include this (through transport.h), never lark.h:
 * they know nothing of mpi.h.
 */
#ifndef LARK_STATUS_H_INCLUDED
#define LARK_STATUS_H_INCLUDED

#include <stddef.h>

enum {
    LARK_OK = 0,
    LARK_INPROGRESS = 1,
    LARK_ERR_AGAIN = -1,       /* no resource now: queue and retry later */
    LARK_ERR_NOMEM = -2,       /* out of memory */
    LARK_ERR_TRUNCATE = -3,    /* message longer than the receive buffer */
    LARK_ERR_INTERN = -4,      /* a broken invariant: a bug in Lark */
    LARK_ERR_PEER = -5,        /* a peer cannot be reached or died */
    LARK_ERR_UNSUPPORTED = -6, /* the operation is not available here */
    LARK_ERR_SYSTEM = -7,      /* a system call failed (errno says why) */
    LARK_ERR_ARG = -8          /* a bad argument reached an internal call */
};

#define LARK_CONTAINER_OF(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#define LARK_LIKELY(x)                       __builtin_expect(!!(x), 1)
#define LARK_UNLIKELY(x)                     __builtin_expect(!!(x), 0)
#define LARK_CACHELINE                       64
/* For the few small functions of the hot path that the compiler would
 * otherwise call (bench/instr.sh shows what a call costs there). */
#define LARK_INLINE static inline __attribute__((always_inline))

#endif /* LARK_STATUS_H_INCLUDED */

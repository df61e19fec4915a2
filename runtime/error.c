/*
 * error.c -- the one place where errors become MPI error classes and error
 * handlers run, plus the error class strings.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lark.h"
#include "comm.h"
#include "errcode.h"
#include "error.h"
#include "handle.h"
#include "peer.h"
#include "where.h"
#include "runtime.h"

struct lark_errhandler lark_errhandler_fatal = {
    .magic = LARK_ERRHANDLER_MAGIC, .handle = MPI_ERRORS_ARE_FATAL, .refcount = 1};
struct lark_errhandler lark_errhandler_return = {
    .magic = LARK_ERRHANDLER_MAGIC, .handle = MPI_ERRORS_RETURN, .refcount = 1};
struct lark_errhandler lark_errhandler_abort = {
    .magic = LARK_ERRHANDLER_MAGIC, .handle = MPI_ERRORS_ABORT, .refcount = 1};

struct lark_errhandler *lark_errhandler_from_handle(MPI_Errhandler h)
{
    if (h == MPI_ERRORS_ARE_FATAL)
        return &lark_errhandler_fatal;
    if (h == MPI_ERRORS_RETURN)
        return &lark_errhandler_return;
    if (h == MPI_ERRORS_ABORT)
        return &lark_errhandler_abort;
    if (!lark_handle_valid(LARK_HANDLE_ERRHANDLER, h))
        return NULL; /* MPI_ERRHANDLER_NULL, garbage, or not one of ours */
    struct lark_errhandler *eh = (struct lark_errhandler *)h;
    return eh->magic == LARK_ERRHANDLER_MAGIC ? eh : NULL;
}

void lark_errhandler_retain(struct lark_errhandler *eh)
{
    if (eh->comm_fn != NULL || eh->win_fn != NULL)
        __atomic_add_fetch(&eh->refcount, 1, __ATOMIC_RELAXED);
}

void lark_errhandler_release(struct lark_errhandler *eh)
{
    if (eh->comm_fn == NULL && eh->win_fn == NULL) /* predefined */
        return;
    if (__atomic_sub_fetch(&eh->refcount, 1, __ATOMIC_ACQ_REL) == 0) {
        eh->magic = 0;
        lark_handle_free(LARK_HANDLE_ERRHANDLER, eh, sizeof *eh);
    }
}

int lark_err_class(int code)
{
    if (code >= 0)
        return code;
    switch (code) {
    case LARK_ERR_AGAIN:
        return MPI_ERR_OTHER;
    case LARK_ERR_NOMEM:
        return MPI_ERR_NO_MEM;
    case LARK_ERR_TRUNCATE:
        return MPI_ERR_TRUNCATE;
    case LARK_ERR_PEER:
        return MPI_ERR_PROC_ABORTED;
    case LARK_ERR_UNSUPPORTED:
        return MPI_ERR_UNSUPPORTED_OPERATION;
    case LARK_ERR_ARG:
        return MPI_ERR_ARG;
    case LARK_ERR_SYSTEM:
        return MPI_ERR_OTHER;
    default:
        return MPI_ERR_INTERN;
    }
}

static const char *const strings[] = {
    [MPI_SUCCESS] = "MPI_SUCCESS: no error",
    [MPI_ERR_BUFFER] = "MPI_ERR_BUFFER: invalid buffer pointer",
    [MPI_ERR_COUNT] = "MPI_ERR_COUNT: invalid count argument",
    [MPI_ERR_TYPE] = "MPI_ERR_TYPE: invalid datatype",
    [MPI_ERR_TAG] = "MPI_ERR_TAG: invalid tag",
    [MPI_ERR_COMM] = "MPI_ERR_COMM: invalid communicator",
    [MPI_ERR_RANK] = "MPI_ERR_RANK: invalid rank",
    [MPI_ERR_REQUEST] = "MPI_ERR_REQUEST: invalid request",
    [MPI_ERR_ROOT] = "MPI_ERR_ROOT: invalid root",
    [MPI_ERR_GROUP] = "MPI_ERR_GROUP: invalid group",
    [MPI_ERR_OP] = "MPI_ERR_OP: invalid reduce operation",
    [MPI_ERR_TOPOLOGY] = "MPI_ERR_TOPOLOGY: invalid communicator topology",
    [MPI_ERR_DIMS] = "MPI_ERR_DIMS: invalid dimension argument",
    [MPI_ERR_ARG] = "MPI_ERR_ARG: invalid argument",
    [MPI_ERR_UNKNOWN] = "MPI_ERR_UNKNOWN: unknown error",
    [MPI_ERR_TRUNCATE] = "MPI_ERR_TRUNCATE: message truncated",
    [MPI_ERR_OTHER] = "MPI_ERR_OTHER: known error not in this list",
    [MPI_ERR_INTERN] = "MPI_ERR_INTERN: internal error",
    [MPI_ERR_PENDING] = "MPI_ERR_PENDING: pending request",
    [MPI_ERR_IN_STATUS] = "MPI_ERR_IN_STATUS: error code is in status",
    [MPI_ERR_ACCESS] = "MPI_ERR_ACCESS: permission denied",
    [MPI_ERR_AMODE] = "MPI_ERR_AMODE: invalid access mode",
    [MPI_ERR_ASSERT] = "MPI_ERR_ASSERT: invalid assert argument",
    [MPI_ERR_BAD_FILE] = "MPI_ERR_BAD_FILE: invalid file name",
    [MPI_ERR_BASE] = "MPI_ERR_BASE: invalid base",
    [MPI_ERR_CONVERSION] = "MPI_ERR_CONVERSION: data conversion failed",
    [MPI_ERR_DISP] = "MPI_ERR_DISP: invalid displacement",
    [MPI_ERR_DUP_DATAREP] = "MPI_ERR_DUP_DATAREP: data representation already defined",
    [MPI_ERR_FILE_EXISTS] = "MPI_ERR_FILE_EXISTS: file exists",
    [MPI_ERR_FILE_IN_USE] = "MPI_ERR_FILE_IN_USE: file in use",
    [MPI_ERR_FILE] = "MPI_ERR_FILE: invalid file handle",
    [MPI_ERR_INFO_KEY] = "MPI_ERR_INFO_KEY: invalid info key",
    [MPI_ERR_INFO_NOKEY] = "MPI_ERR_INFO_NOKEY: info key not defined",
    [MPI_ERR_INFO_VALUE] = "MPI_ERR_INFO_VALUE: invalid info value",
    [MPI_ERR_INFO] = "MPI_ERR_INFO: invalid info object",
    [MPI_ERR_IO] = "MPI_ERR_IO: I/O error",
    [MPI_ERR_KEYVAL] = "MPI_ERR_KEYVAL: invalid attribute key",
    [MPI_ERR_LOCKTYPE] = "MPI_ERR_LOCKTYPE: invalid lock type",
    [MPI_ERR_NAME] = "MPI_ERR_NAME: invalid service name",
    [MPI_ERR_NO_MEM] = "MPI_ERR_NO_MEM: out of memory",
    [MPI_ERR_NOT_SAME] = "MPI_ERR_NOT_SAME: arguments differ between processes",
    [MPI_ERR_NO_SPACE] = "MPI_ERR_NO_SPACE: out of space",
    [MPI_ERR_NO_SUCH_FILE] = "MPI_ERR_NO_SUCH_FILE: no such file",
    [MPI_ERR_PORT] = "MPI_ERR_PORT: invalid port",
    [MPI_ERR_PROC_ABORTED] = "MPI_ERR_PROC_ABORTED: a peer process aborted or is unreachable",
    [MPI_ERR_QUOTA] = "MPI_ERR_QUOTA: quota exceeded",
    [MPI_ERR_READ_ONLY] = "MPI_ERR_READ_ONLY: read-only file or file system",
    [MPI_ERR_RMA_ATTACH] = "MPI_ERR_RMA_ATTACH: memory cannot be attached",
    [MPI_ERR_RMA_CONFLICT] = "MPI_ERR_RMA_CONFLICT: conflicting RMA accesses",
    [MPI_ERR_RMA_RANGE] = "MPI_ERR_RMA_RANGE: target memory out of range",
    [MPI_ERR_RMA_SHARED] = "MPI_ERR_RMA_SHARED: memory cannot be shared",
    [MPI_ERR_RMA_SYNC] = "MPI_ERR_RMA_SYNC: wrong RMA synchronization",
    [MPI_ERR_RMA_FLAVOR] = "MPI_ERR_RMA_FLAVOR: wrong window flavor",
    [MPI_ERR_SERVICE] = "MPI_ERR_SERVICE: invalid service",
    [MPI_ERR_SESSION] = "MPI_ERR_SESSION: invalid session",
    [MPI_ERR_SIZE] = "MPI_ERR_SIZE: invalid size",
    [MPI_ERR_SPAWN] = "MPI_ERR_SPAWN: could not spawn processes",
    [MPI_ERR_UNSUPPORTED_DATAREP] = "MPI_ERR_UNSUPPORTED_DATAREP: unsupported data representation",
    [MPI_ERR_UNSUPPORTED_OPERATION] = "MPI_ERR_UNSUPPORTED_OPERATION: unsupported operation",
    [MPI_ERR_VALUE_TOO_LARGE] = "MPI_ERR_VALUE_TOO_LARGE: value too large",
    [MPI_ERR_WIN] = "MPI_ERR_WIN: invalid window",
    [MPI_ERR_ERRHANDLER] = "MPI_ERR_ERRHANDLER: invalid error handler",
    [MPI_ERR_ABI] = "MPI_ERR_ABI: not supported by this ABI or language binding",
};

const char *lark_err_string(int errclass)
{
    if (errclass >= 0 && errclass < (int)(sizeof strings / sizeof strings[0]) &&
        strings[errclass] != NULL)
        return strings[errclass];
    return NULL;
}

/* MPI_ERRORS_ARE_FATAL / MPI_ERRORS_ABORT: say what, where and why, then
 * end the job. */
_Noreturn static void fatal(const struct lark_errhandler *eh, const char *call, int cls,
                            const char *obj, const char *fmt, va_list ap)
{
    char reason[512];
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    /* A class or code the program added has its own string (or none). */
    char what[MPI_MAX_ERROR_STRING];
    if (lark_err_string(cls) != NULL)
        snprintf(what, sizeof what, "%s", lark_err_string(cls));
    else if (!lark_errcode_string(cls, what) || what[0] == '\0')
        snprintf(what, sizeof what, "error code %d", cls);
    char msg[2048];
    snprintf(msg, sizeof msg,
             "%s failed on rank %d (%s, pid %d): %s: %s; the error handler is %s (set "
             "MPI_ERRORS_RETURN on the %s to handle errors)",
             call, lark_initialized() ? lark_rt.rank : 0,
             lark_rt.hostname[0] ? lark_rt.hostname : "localhost", (int)getpid(), what, reason,
             eh == &lark_errhandler_abort ? "MPI_ERRORS_ABORT" : "MPI_ERRORS_ARE_FATAL", obj);
    lark_runtime_abort(cls, msg); /* says it once, there or in mpirun */
}

__attribute__((format(printf, 5, 6))) _Noreturn static void
fatal_note(const struct lark_errhandler *eh, const char *call, int cls, const char *obj,
           const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fatal(eh, call, cls, obj, fmt, ap);
}

int lark_err_raise(struct lark_comm *comm, const char *call, int code, const char *fmt, ...)
{
    int cls = lark_err_class(code);
    if (cls == MPI_SUCCESS)
        return MPI_SUCCESS;
    lark_where_leave(); /* the call returns (or aborts) from here */
    struct lark_errhandler *eh = &lark_errhandler_fatal;
    if (comm == NULL && lark_initialized())
        comm = &lark_comm_world;
    if (comm != NULL && comm->errhandler != NULL)
        eh = comm->errhandler;
    if (eh == &lark_errhandler_return)
        return cls;
    if (eh->comm_fn != NULL) {
        MPI_Comm h = lark_comm_to_handle(comm);
        int c = cls;
        eh->comm_fn(&h, &c);
        return cls;
    }
    va_list ap;
    va_start(ap, fmt);
    if (cls == MPI_ERR_PROC_ABORTED && lark_peer_lost_note() != NULL) {
        /* Which peer was lost, where, and how (peer.c). */
        char reason[512];
        vsnprintf(reason, sizeof reason, fmt, ap);
        va_end(ap);
        fatal_note(eh, call, cls, "communicator", "%s; %s", reason, lark_peer_lost_note());
    }
    fatal(eh, call, cls, "communicator", fmt, ap);
}

int lark_err_raise_win(struct lark_errhandler *eh, MPI_Win win, const char *call, int code,
                       const char *fmt, ...)
{
    int cls = lark_err_class(code);
    if (cls == MPI_SUCCESS)
        return MPI_SUCCESS;
    if (eh == &lark_errhandler_return)
        return cls;
    if (eh != NULL && eh->win_fn != NULL) {
        MPI_Win h = win;
        int c = cls;
        eh->win_fn(&h, &c);
        return cls;
    }
    va_list ap;
    va_start(ap, fmt);
    if (cls == MPI_ERR_PROC_ABORTED && lark_peer_lost_note() != NULL) {
        char reason[512];
        vsnprintf(reason, sizeof reason, fmt, ap);
        va_end(ap);
        fatal_note(eh, call, cls, "window", "%s; %s", reason, lark_peer_lost_note());
    }
    fatal(eh, call, cls, "window", fmt, ap);
}

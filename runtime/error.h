/*
 * error.h -- error classes, error handlers and the one place where errors
 * are raised.
 *
 * Every API function reports a failure through lark_err_raise(): it maps
 * an internal code (< 0, see lark.h) or an MPI error class to the MPI class,
 * and invokes the error handler of the communicator involved (MPI_COMM_WORLD's
 * when there is none).  MPI_ERRORS_ARE_FATAL and MPI_ERRORS_ABORT print the
 * call, the rank, the host and the reason, then end the job through PMIx;
 * MPI_ERRORS_RETURN returns the class; a user handler is called and then the
 * class is returned.
 */
#ifndef LARK_ERROR_H_INCLUDED
#define LARK_ERROR_H_INCLUDED

#include "lark.h"

struct lark_comm;

#define LARK_ERRHANDLER_MAGIC 0x4c4b4548u /* "LKEH" */

struct lark_errhandler {
    uint32_t magic;
    MPI_Errhandler handle;
    MPI_Comm_errhandler_function *comm_fn; /* NULL for the predefined ones */
    int refcount;                          /* predefined: never freed */
    MPI_Win_errhandler_function *win_fn;   /* MPI_Win_create_errhandler's (comm_fn NULL) */
};

extern struct lark_errhandler lark_errhandler_fatal, lark_errhandler_return, lark_errhandler_abort;

/* Handle -> object, NULL when invalid or MPI_ERRHANDLER_NULL. */
struct lark_errhandler *lark_errhandler_from_handle(MPI_Errhandler h);
void lark_errhandler_retain(struct lark_errhandler *eh);
void lark_errhandler_release(struct lark_errhandler *eh);

/* Map an internal code (< 0) to an MPI error class; MPI classes (> 0) pass
 * through, 0 stays MPI_SUCCESS. */
int lark_err_class(int code);

/* Report error `code` (internal < 0 or MPI class > 0) raised by API call
 * `call` on `comm` (NULL: MPI_COMM_WORLD, or none before MPI_Init), with a
 * printf-style reason.  Returns the MPI class the API call must return,
 * unless the handler ends the job.  Call it without the runtime lock. */
int lark_err_raise(struct lark_comm *comm, const char *call, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The same for an error raised on a window: `eh` is the window's error
 * handler, `win` its handle (passed to a user handler). */
int lark_err_raise_win(struct lark_errhandler *eh, MPI_Win win, const char *call, int code,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Text of an MPI error class (static string). */
const char *lark_err_string(int errclass);

#endif

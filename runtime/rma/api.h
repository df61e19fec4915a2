/*
 * api.h -- the checks shared by the one-sided entry points
 * (runtime/api/win*.c, runtime/api/rma.c).  Each returns MPI_SUCCESS or the
 * class the window's (or, before there is a window, the communicator's)
 * error handler gave back.  They never take the runtime lock.
 */
#ifndef LARK_RMA_API_H_INCLUDED
#define LARK_RMA_API_H_INCLUDED

#include "lark.h"
#include "comm.h"
#include "error.h"
#include "runtime.h"
#include "win.h"

/* Raise `code` on window w with a printf-style reason. */
#define LARK_WIN_RAISE(w, call, code, ...)                                                         \
    lark_err_raise_win((w)->errhandler, lark_win_to_handle(w), call, code, __VA_ARGS__)

static inline int lark_win_enter(const char *call, MPI_Win win, struct lark_win **w)
{
    if (LARK_UNLIKELY(!lark_initialized()))
        return lark_err_raise(NULL, call, MPI_ERR_OTHER,
                              "MPI is not initialized (call MPI_Init first) or already finalized");
    *w = lark_win_from_handle(win);
    if (LARK_UNLIKELY(*w == NULL))
        return lark_err_raise(NULL, call, MPI_ERR_WIN, "invalid window %p", (void *)win);
    return MPI_SUCCESS;
}

/* User attributes of a window (runtime/api/attr.c): get one (the default
 * case of MPI_Win_get_attr), and run every delete callback (MPI_Win_free,
 * before the window goes).  Both raise on the window as `call`. */
int lark_win_attr_get(struct lark_win *w, const char *call, int keyval, void *value, int *flag);
int lark_win_attr_delete_all(struct lark_win *w, const char *call);

#endif

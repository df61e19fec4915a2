/*
 * win_info.c (api) -- MPI_Win_set_info and MPI_Win_get_info.
 *
 * A window keeps the hints it was given (at creation and by
 * MPI_Win_set_info).  Lark acts on one: no_locks=true, read at creation
 * (MPI_Win_lock and MPI_Win_lock_all on it are then refused with
 * MPI_ERR_RMA_SYNC, the program having promised not to call them); the others
 * are kept and returned.  MPI_Win_get_info returns the hints in use: the
 * standard's window keys with the values Lark applies (what Open MPI and
 * MPICH report), then whatever else the program set.
 */
#include <string.h>

#pragma weak MPI_Win_set_info = PMPI_Win_set_info
#pragma weak MPI_Win_get_info = PMPI_Win_get_info

#include "lark.h"
#include "error.h"
#include "info.h"
#include "rma/api.h"
#include "runtime.h"

int PMPI_Win_set_info(MPI_Win win, MPI_Info info)
{
    static const char call[] = "MPI_Win_set_info";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    struct lark_info *i = lark_info_from_handle(info);
    if (i == NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_INFO, "the info object is not valid");
    lark_lock();
    if (w->info == NULL)
        w->info = lark_info_new();
    rc = w->info != NULL ? LARK_OK : LARK_ERR_NOMEM;
    for (int k = 0; rc == LARK_OK && k < i->nkeys; k++) {
        /* no_locks is decided at creation: a later hint cannot lift it */
        if (strcmp(i->kv[k].key, "no_locks") != 0)
            rc = lark_info_set(w->info, i->kv[k].key, i->kv[k].value);
    }
    lark_unlock();
    if (rc != LARK_OK)
        return LARK_WIN_RAISE(w, call, MPI_ERR_NO_MEM, "out of memory");
    return MPI_SUCCESS;
}

int PMPI_Win_get_info(MPI_Win win, MPI_Info *info_used)
{
    static const char call[] = "MPI_Win_get_info";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    if (info_used == NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_ARG, "info_used is NULL");
    struct lark_info *n = lark_info_new();
    if (n == NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_NO_MEM, "out of memory");
    /* The standard's keys, as Lark applies them. */
    const char *used[][2] = {
        {"no_locks", w->no_locks ? "true" : "false"},
        {"accumulate_ordering", "rar,raw,war,waw"},
        {"accumulate_ops", "same_op_no_op"},
        {"same_size", "false"},
        {"same_disp_unit", "false"},
        {"mpi_accumulate_granularity", "0"},
    };
    rc = LARK_OK;
    lark_lock();
    for (size_t k = 0; rc == LARK_OK && k < sizeof used / sizeof used[0]; k++) {
        const char *set = w->info ? lark_info_get(w->info, used[k][0]) : NULL;
        /* a hint the program gave is reported as given, but no_locks as used */
        rc = lark_info_set(n, used[k][0], set && k > 0 ? set : used[k][1]);
    }
    for (int k = 0; rc == LARK_OK && w->info && k < w->info->nkeys; k++)
        if (lark_info_get(n, w->info->kv[k].key) == NULL)
            rc = lark_info_set(n, w->info->kv[k].key, w->info->kv[k].value);
    lark_unlock();
    if (rc != LARK_OK) {
        lark_info_free(n);
        return LARK_WIN_RAISE(w, call, MPI_ERR_NO_MEM, "out of memory");
    }
    *info_used = lark_info_to_handle(n);
    return MPI_SUCCESS;
}

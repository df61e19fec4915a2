/*
 * win.c (api) -- window management: MPI_Win_create / allocate /
 * allocate_shared / create_dynamic (and their large-count forms),
 * shared_query, attach/detach, free, group, name, the predefined window
 * attributes, and window error handlers.  The work is in runtime/rma/.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma weak MPI_Win_create = PMPI_Win_create
#pragma weak MPI_Win_create_c = PMPI_Win_create_c
#pragma weak MPI_Win_allocate = PMPI_Win_allocate
#pragma weak MPI_Win_allocate_c = PMPI_Win_allocate_c
#pragma weak MPI_Win_allocate_shared = PMPI_Win_allocate_shared
#pragma weak MPI_Win_allocate_shared_c = PMPI_Win_allocate_shared_c
#pragma weak MPI_Win_create_dynamic = PMPI_Win_create_dynamic
#pragma weak MPI_Win_shared_query = PMPI_Win_shared_query
#pragma weak MPI_Win_shared_query_c = PMPI_Win_shared_query_c
#pragma weak MPI_Win_attach = PMPI_Win_attach
#pragma weak MPI_Win_detach = PMPI_Win_detach
#pragma weak MPI_Win_free = PMPI_Win_free
#pragma weak MPI_Win_get_group = PMPI_Win_get_group
#pragma weak MPI_Win_set_name = PMPI_Win_set_name
#pragma weak MPI_Win_get_name = PMPI_Win_get_name
#pragma weak MPI_Win_get_attr = PMPI_Win_get_attr
#pragma weak MPI_Win_create_errhandler = PMPI_Win_create_errhandler
#pragma weak MPI_Win_set_errhandler = PMPI_Win_set_errhandler
#pragma weak MPI_Win_get_errhandler = PMPI_Win_get_errhandler
#pragma weak MPI_Win_call_errhandler = PMPI_Win_call_errhandler

#include "lark.h"
#include "comm.h"
#include "error.h"
#include "group.h"
#include "handle.h"
#include "info.h"
#include "rma/api.h"
#include "runtime.h"
#include "where.h"

/* The checks and the call shared by every creation flavour. */
static int create(const char *call, int flavor, void *base, MPI_Aint size, MPI_Aint disp_unit,
                  MPI_Info info, MPI_Comm comm, void *baseptr, MPI_Win *win)
{
    if (!lark_initialized())
        return lark_err_raise(NULL, call, MPI_ERR_OTHER,
                              "MPI is not initialized (call MPI_Init first) or already finalized");
    struct lark_comm *c = lark_comm_from_handle(comm);
    if (c == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_COMM, "invalid communicator %p", (void *)comm);
    if (c->remote != NULL)
        return lark_err_raise(c, call, MPI_ERR_COMM,
                              "the communicator is an intercommunicator; windows are made over "
                              "intracommunicators only");
    if (win == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "win (the output argument) is NULL");
    if (flavor != MPI_WIN_FLAVOR_DYNAMIC) {
        if (size < 0)
            return lark_err_raise(c, call, MPI_ERR_SIZE, "size %ld is negative", (long)size);
        if (disp_unit <= 0 || disp_unit > INT_MAX)
            return lark_err_raise(c, call, MPI_ERR_DISP,
                                  "displacement unit %ld is not a positive int", (long)disp_unit);
    }
    if (flavor != MPI_WIN_FLAVOR_CREATE && flavor != MPI_WIN_FLAVOR_DYNAMIC && baseptr == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "baseptr (the output argument) is NULL");
    if (flavor == MPI_WIN_FLAVOR_SHARED) {
        for (int r = 0; r < c->size; r++)
            if (lark_rt.world_to_local != NULL &&
                lark_rt.world_to_local[lark_comm_world_rank(c, r)] < 0)
                return lark_err_raise(c, call, MPI_ERR_RMA_SHARED,
                                      "rank %d of the communicator is on another node: "
                                      "MPI_Win_allocate_shared needs every rank on one node "
                                      "(split with MPI_Comm_split_type first)",
                                      r);
    }
    struct lark_info *hints = NULL;
    if (info != MPI_INFO_NULL && (hints = lark_info_from_handle(info)) == NULL)
        return lark_err_raise(c, call, MPI_ERR_INFO, "the info object is not valid");
    const char *nl = hints ? lark_info_get(hints, "no_locks") : NULL;
    struct lark_win *w = NULL;
    void *b = base;
    lark_where_coll(call, c);
    int rc =
        lark_win_create(c, flavor, &b, size, (int)disp_unit, nl && strcmp(nl, "true") == 0, &w);
    lark_where_leave();
    if (rc == 0 && hints != NULL) /* for MPI_Win_get_info; out of memory: the defaults */
        w->info = lark_info_dup(hints);
    if (rc != 0)
        return lark_err_raise(c, call, rc, "could not create the window (%s)",
                              rc == LARK_ERR_NOMEM ? "out of memory"
                                                   : "shared memory or a collective failed");
    if (baseptr != NULL && flavor != MPI_WIN_FLAVOR_CREATE && flavor != MPI_WIN_FLAVOR_DYNAMIC)
        *(void **)baseptr = b;
    *win = lark_win_to_handle(w);
    return MPI_SUCCESS;
}

int PMPI_Win_create(void *base, MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm,
                    MPI_Win *win)
{
    return create("MPI_Win_create", MPI_WIN_FLAVOR_CREATE, base, size, disp_unit, info, comm, NULL,
                  win);
}

int PMPI_Win_create_c(void *base, MPI_Aint size, MPI_Aint disp_unit, MPI_Info info, MPI_Comm comm,
                      MPI_Win *win)
{
    return create("MPI_Win_create_c", MPI_WIN_FLAVOR_CREATE, base, size, disp_unit, info, comm,
                  NULL, win);
}

int PMPI_Win_allocate(MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm, void *baseptr,
                      MPI_Win *win)
{
    return create("MPI_Win_allocate", MPI_WIN_FLAVOR_ALLOCATE, NULL, size, disp_unit, info, comm,
                  baseptr, win);
}

int PMPI_Win_allocate_c(MPI_Aint size, MPI_Aint disp_unit, MPI_Info info, MPI_Comm comm,
                        void *baseptr, MPI_Win *win)
{
    return create("MPI_Win_allocate_c", MPI_WIN_FLAVOR_ALLOCATE, NULL, size, disp_unit, info, comm,
                  baseptr, win);
}

int PMPI_Win_allocate_shared(MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm,
                             void *baseptr, MPI_Win *win)
{
    return create("MPI_Win_allocate_shared", MPI_WIN_FLAVOR_SHARED, NULL, size, disp_unit, info,
                  comm, baseptr, win);
}

int PMPI_Win_allocate_shared_c(MPI_Aint size, MPI_Aint disp_unit, MPI_Info info, MPI_Comm comm,
                               void *baseptr, MPI_Win *win)
{
    return create("MPI_Win_allocate_shared_c", MPI_WIN_FLAVOR_SHARED, NULL, size, disp_unit, info,
                  comm, baseptr, win);
}

int PMPI_Win_create_dynamic(MPI_Info info, MPI_Comm comm, MPI_Win *win)
{
    return create("MPI_Win_create_dynamic", MPI_WIN_FLAVOR_DYNAMIC, NULL, 0, 1, info, comm, NULL,
                  win);
}

static int shared_query(const char *call, MPI_Win win, int rank, MPI_Aint *size, MPI_Aint *unit,
                        void *baseptr)
{
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    if (size == NULL || unit == NULL || baseptr == NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_ARG, "an output argument is NULL");
    if (rank != MPI_PROC_NULL && (rank < 0 || rank >= w->comm->size))
        return LARK_WIN_RAISE(w, call, MPI_ERR_RANK, "rank %d is not in the window (size %d)", rank,
                              w->comm->size);
    if (w->flavor != MPI_WIN_FLAVOR_SHARED && w->flavor != MPI_WIN_FLAVOR_ALLOCATE)
        return LARK_WIN_RAISE(w, call, MPI_ERR_RMA_FLAVOR,
                              "the window was not made by MPI_Win_allocate_shared or "
                              "MPI_Win_allocate, so its memory is not shared");
    if (rank == MPI_PROC_NULL) {
        /* The first rank that exposes memory. */
        rank = 0;
        for (int r = 0; r < w->comm->size; r++)
            if (w->t[r].size > 0) {
                rank = r;
                break;
            }
    }
    struct lark_win_target *t = &w->t[rank];
    *size = t->local ? t->size : 0;
    *unit = t->disp_unit;
    *(void **)baseptr = t->local ? t->direct : NULL;
    return MPI_SUCCESS;
}

int PMPI_Win_shared_query(MPI_Win win, int rank, MPI_Aint *size, int *disp_unit, void *baseptr)
{
    MPI_Aint unit = 0;
    int rc =
        shared_query("MPI_Win_shared_query", win, rank, size, disp_unit ? &unit : NULL, baseptr);
    if (rc == MPI_SUCCESS)
        *disp_unit = (int)unit;
    return rc;
}

int PMPI_Win_shared_query_c(MPI_Win win, int rank, MPI_Aint *size, MPI_Aint *disp_unit,
                            void *baseptr)
{
    return shared_query("MPI_Win_shared_query_c", win, rank, size, disp_unit, baseptr);
}

int PMPI_Win_attach(MPI_Win win, void *base, MPI_Aint size)
{
    static const char call[] = "MPI_Win_attach";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    if (w->flavor != MPI_WIN_FLAVOR_DYNAMIC)
        return LARK_WIN_RAISE(w, call, MPI_ERR_RMA_FLAVOR,
                              "the window was not made by MPI_Win_create_dynamic");
    if (size < 0)
        return LARK_WIN_RAISE(w, call, MPI_ERR_SIZE, "size %ld is negative", (long)size);
    if (base == NULL && size > 0)
        return LARK_WIN_RAISE(w, call, MPI_ERR_ARG, "base is NULL");
    lark_lock();
    rc = lark_win_attach(w, base, size);
    lark_unlock();
    if (rc != 0)
        return LARK_WIN_RAISE(w, call, rc, "cannot attach %ld bytes at %p%s", (long)size, base,
                              rc == MPI_ERR_RMA_ATTACH ? ": it overlaps memory already attached"
                                                       : "");
    return MPI_SUCCESS;
}

int PMPI_Win_detach(MPI_Win win, const void *base)
{
    static const char call[] = "MPI_Win_detach";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    if (w->flavor != MPI_WIN_FLAVOR_DYNAMIC)
        return LARK_WIN_RAISE(w, call, MPI_ERR_RMA_FLAVOR,
                              "the window was not made by MPI_Win_create_dynamic");
    lark_lock();
    rc = lark_win_detach(w, base);
    lark_unlock();
    if (rc != 0)
        return LARK_WIN_RAISE(w, call, rc, "no memory is attached at %p", (void *)base);
    return MPI_SUCCESS;
}

int PMPI_Win_free(MPI_Win *win)
{
    static const char call[] = "MPI_Win_free";
    struct lark_win *w = NULL;
    if (win == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "win is NULL");
    int rc = lark_win_enter(call, *win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    if (w->nlocks > 0 || w->lock_all || w->access != NULL || w->expose != NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_RMA_SYNC,
                              "an epoch is still open on the window (%s): end it first",
                              w->access     ? "MPI_Win_start without MPI_Win_complete"
                              : w->expose   ? "MPI_Win_post without MPI_Win_wait"
                              : w->lock_all ? "MPI_Win_lock_all without MPI_Win_unlock_all"
                                            : "MPI_Win_lock without MPI_Win_unlock");
    /* The attributes' delete callbacks run first, newest first; one that
     * fails leaves the window alive. */
    rc = lark_win_attr_delete_all(w, call);
    if (rc != MPI_SUCCESS)
        return rc;
    struct lark_errhandler *eh = w->errhandler;
    lark_errhandler_retain(eh);
    lark_where_coll(call, w->comm);
    rc = lark_win_free(w);
    lark_where_leave();
    *win = MPI_WIN_NULL;
    if (rc != 0) {
        rc = lark_err_raise_win(eh, MPI_WIN_NULL, call, rc, "the closing barrier failed");
        lark_errhandler_release(eh);
        return rc;
    }
    lark_errhandler_release(eh);
    return MPI_SUCCESS;
}

int PMPI_Win_get_group(MPI_Win win, MPI_Group *group)
{
    static const char call[] = "MPI_Win_get_group";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    if (group == NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_ARG, "group is NULL");
    struct lark_group *g = w->comm->group;
    lark_group_retain(g); /* the caller frees it with MPI_Group_free */
    *group = lark_group_to_handle(g);
    return MPI_SUCCESS;
}

int PMPI_Win_set_name(MPI_Win win, const char *name)
{
    static const char call[] = "MPI_Win_set_name";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    if (name == NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_ARG, "name is NULL");
    lark_lock();
    snprintf(w->name, sizeof w->name, "%s", name);
    lark_unlock();
    return MPI_SUCCESS;
}

int PMPI_Win_get_name(MPI_Win win, char *name, int *resultlen)
{
    static const char call[] = "MPI_Win_get_name";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    if (name == NULL || resultlen == NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_ARG, "name or resultlen is NULL");
    lark_lock();
    snprintf(name, MPI_MAX_OBJECT_NAME, "%s", w->name);
    lark_unlock();
    *resultlen = (int)strlen(name);
    return MPI_SUCCESS;
}

int PMPI_Win_get_attr(MPI_Win win, int keyval, void *value, int *flag)
{
    static const char call[] = "MPI_Win_get_attr";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    if (value == NULL || flag == NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_ARG, "attribute_val or flag is NULL");
    *flag = 1;
    switch (keyval) {
    case MPI_WIN_BASE:
        *(void **)value = w->base;
        return MPI_SUCCESS;
    case MPI_WIN_SIZE:
        *(MPI_Aint **)value = &w->size;
        return MPI_SUCCESS;
    case MPI_WIN_DISP_UNIT:
        *(int **)value = &w->disp_unit;
        return MPI_SUCCESS;
    case MPI_WIN_CREATE_FLAVOR:
        *(int **)value = &w->flavor;
        return MPI_SUCCESS;
    case MPI_WIN_MODEL:
        *(int **)value = &w->model;
        return MPI_SUCCESS;
    default: /* user keyvals (api/attr.c) */
        return lark_win_attr_get(w, call, keyval, value, flag);
    }
}

int PMPI_Win_create_errhandler(MPI_Win_errhandler_function *fn, MPI_Errhandler *errhandler)
{
    static const char call[] = "MPI_Win_create_errhandler";
    if (fn == NULL || errhandler == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "NULL argument");
    /* Freed when the last reference goes (lark_errhandler_release). */
    struct lark_errhandler *eh = lark_handle_alloc(LARK_HANDLE_ERRHANDLER, sizeof *eh, true);
    if (eh == NULL)
        return lark_err_raise(NULL, call, LARK_ERR_NOMEM, "out of memory");
    eh->magic = LARK_ERRHANDLER_MAGIC;
    eh->win_fn = fn;
    eh->refcount = 1;
    eh->handle = (MPI_Errhandler)eh;
    *errhandler = eh->handle;
    return MPI_SUCCESS;
}

int PMPI_Win_set_errhandler(MPI_Win win, MPI_Errhandler errhandler)
{
    static const char call[] = "MPI_Win_set_errhandler";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    struct lark_errhandler *eh = lark_errhandler_from_handle(errhandler);
    if (eh == NULL || eh->comm_fn != NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_ARG,
                              "invalid error handler %p (not made by MPI_Win_create_errhandler?)",
                              (void *)errhandler);
    lark_lock();
    lark_errhandler_retain(eh);
    struct lark_errhandler *old = w->errhandler;
    w->errhandler = eh;
    lark_errhandler_release(old);
    lark_unlock();
    return MPI_SUCCESS;
}

int PMPI_Win_get_errhandler(MPI_Win win, MPI_Errhandler *errhandler)
{
    static const char call[] = "MPI_Win_get_errhandler";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    if (errhandler == NULL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_ARG, "errhandler is NULL");
    lark_lock();
    lark_errhandler_retain(w->errhandler); /* the user frees it with MPI_Errhandler_free */
    *errhandler = w->errhandler->handle;
    lark_unlock();
    return MPI_SUCCESS;
}

int PMPI_Win_call_errhandler(MPI_Win win, int errorcode)
{
    static const char call[] = "MPI_Win_call_errhandler";
    struct lark_win *w = NULL;
    int rc = lark_win_enter(call, win, &w);
    if (rc != MPI_SUCCESS)
        return rc;
    LARK_WIN_RAISE(w, call, errorcode, "error code %d raised by the program", errorcode);
    return MPI_SUCCESS;
}

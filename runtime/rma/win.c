/*
 * win.c -- window objects: creation in its four flavours, the table that
 * finds a window from an active message, dynamic regions, and freeing.
 *
 * Creation (collective, without the runtime lock):
 *  1. duplicate the communicator: the window's traffic (active messages,
 *     its fences' barriers) has a context of its own, and that context id
 *     names the window in every frame;
 *  2. register the window under that context (before any exchange, so no
 *     frame can arrive for a window its target does not know yet);
 *  3. exchange sizes and displacement units (allgather);
 *  4. Win_allocate(_shared): map the node's shared segment (shmwin.c);
 *  5. exchange base addresses and "ok" (allgather), which also proves that
 *     every member has mapped the segment, so its name is unlinked.
 * Cost per process: one struct lark_win_target (about 64 B) per member.
 */
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "coll/coll.h"
#include "comm.h"
#include "error.h"
#include "handle.h"
#include "runtime.h"
#include "win.h"
#include "info.h"

/* Windows by context id of their private communicator (cid = ctx / 2). */
static struct lark_win *by_cid[LARK_CID_MAX];

struct lark_win *lark_win_from_handle(MPI_Win h)
{
    if (!lark_handle_valid(LARK_HANDLE_WIN, h))
        return NULL; /* MPI_WIN_NULL, garbage, or not one of ours */
    struct lark_win *w = (struct lark_win *)h;
    return w->magic == LARK_WIN_MAGIC ? w : NULL;
}

struct lark_win *lark_win_by_ctx(uint32_t ctx)
{
    uint32_t cid = ctx / 2;
    return cid < LARK_CID_MAX ? by_cid[cid] : NULL;
}

struct exch1 {
    int64_t size;
    int32_t disp_unit;
    int32_t pad;
};
struct exch2 {
    uint64_t base;
    int32_t ok;
    int32_t pad;
};

static void win_destroy(struct lark_win *w)
{
    lark_lock();
    if (w->comm != NULL && by_cid[w->comm->cid] == w)
        by_cid[w->comm->cid] = NULL;
    lark_rma_am_forget(w);
    while (w->regions) {
        struct lark_win_region *r = w->regions;
        w->regions = r->next;
        free(r);
    }
    if (w->errhandler != NULL)
        lark_errhandler_release(w->errhandler);
    if (w->comm != NULL)
        lark_comm_release(w->comm);
    lark_unlock();
    lark_shmwin_free(w);
    lark_info_free(w->info);
    free(w->t);
    free(w->access);
    free(w->expose);
    w->magic = 0;
    lark_handle_free(LARK_HANDLE_WIN, w, sizeof *w);
}

int lark_win_create(struct lark_comm *comm, int flavor, void **base, MPI_Aint size, int disp_unit,
                    bool no_locks, struct lark_win **out)
{
    MPI_Comm dup;
    int rc = PMPI_Comm_dup(lark_comm_to_handle(comm), &dup);
    if (rc != MPI_SUCCESS)
        return rc;
    /* Freed by win_destroy (Win_free, or a failed creation). */
    struct lark_win *w = lark_handle_alloc(LARK_HANDLE_WIN, sizeof *w, true);
    if (w == NULL) {
        PMPI_Comm_free(&dup);
        return LARK_ERR_NOMEM;
    }
    w->magic = LARK_WIN_MAGIC;
    w->comm = lark_comm_from_handle(dup);
    w->flavor = flavor;
    w->model = MPI_WIN_UNIFIED;
    w->size = flavor == MPI_WIN_FLAVOR_DYNAMIC ? 0 : size;
    w->disp_unit = flavor == MPI_WIN_FLAVOR_DYNAMIC ? 1 : disp_unit;
    w->no_locks = no_locks;
    w->my_sync = &w->own;
    w->errhandler = &lark_errhandler_fatal;
    int n = w->comm->size, me = w->comm->rank;
    w->t = calloc((size_t)n, sizeof *w->t);
    struct exch1 *e1 = calloc((size_t)n, sizeof *e1); /* freed below */
    struct exch2 *e2 = calloc((size_t)n, sizeof *e2);
    if (w->t == NULL || e1 == NULL || e2 == NULL) {
        free(e1);
        free(e2);
        win_destroy(w);
        return LARK_ERR_NOMEM;
    }
    lark_lock();
    lark_rma_am_init();
    by_cid[w->comm->cid] = w;
    lark_unlock();
    e1[me] = (struct exch1){w->size, w->disp_unit, 0};
    rc = lark_coll_allgather(e1, sizeof *e1, w->comm);
    for (int r = 0; r < n && rc == 0; r++) {
        w->t[r].size = (MPI_Aint)e1[r].size;
        w->t[r].disp_unit = e1[r].disp_unit;
        w->t[r].world = lark_comm_world_rank(w->comm, r);
    }
    int ok = rc == 0;
    if (ok && (flavor == MPI_WIN_FLAVOR_ALLOCATE || flavor == MPI_WIN_FLAVOR_SHARED)) {
        rc = lark_shmwin_setup(w, flavor == MPI_WIN_FLAVOR_SHARED);
        ok = rc == 0;
    } else if (ok) {
        w->base = flavor == MPI_WIN_FLAVOR_CREATE ? *base : NULL;
        w->t[me].local = true;
        w->t[me].direct = w->base;
        w->t[me].sync = &w->own;
    }
    w->shared_ok = true;
    for (int r = 0; r < n; r++)
        if (!w->t[r].local)
            w->shared_ok = false;
    e2[me] = (struct exch2){(uint64_t)(uintptr_t)w->base, ok, 0};
    int rc2 = lark_coll_allgather(e2, sizeof *e2, w->comm);
    lark_shmwin_unlink(w);
    if (rc == 0)
        rc = rc2;
    for (int r = 0; r < n && rc == 0; r++) {
        w->t[r].base = e2[r].base;
        if (!e2[r].ok)
            rc = LARK_ERR_SYSTEM; /* some member could not map the memory */
    }
    free(e1);
    free(e2);
    if (rc != 0) {
        win_destroy(w);
        return rc;
    }
    if (base != NULL && flavor != MPI_WIN_FLAVOR_CREATE)
        *base = w->base;
    *out = w;
    return 0;
}

int lark_win_free(struct lark_win *w)
{
    /* Everything this process started must be complete at its targets
     * before they may free their memory: flush, then agree. */
    int rc = lark_rma_flush(w, -1);
    if (rc == 0)
        rc = lark_coll_barrier(w->comm);
    win_destroy(w);
    return rc;
}

int lark_win_attach(struct lark_win *w, void *base, MPI_Aint size)
{
    for (struct lark_win_region *r = w->regions; r; r = r->next) {
        uint64_t b = (uint64_t)(uintptr_t)base;
        if (b < r->base + r->size && r->base < b + (uint64_t)size)
            return MPI_ERR_RMA_ATTACH; /* overlaps an attached region */
    }
    /* Freed by Win_detach or Win_free. */
    struct lark_win_region *r = malloc(sizeof *r);
    if (r == NULL)
        return LARK_ERR_NOMEM;
    r->base = (uint64_t)(uintptr_t)base;
    r->size = (uint64_t)size;
    r->next = w->regions;
    w->regions = r;
    return 0;
}

int lark_win_detach(struct lark_win *w, const void *base)
{
    for (struct lark_win_region **pp = &w->regions; *pp; pp = &(*pp)->next) {
        if ((*pp)->base == (uint64_t)(uintptr_t)base) {
            struct lark_win_region *r = *pp;
            *pp = r->next;
            free(r);
            return 0;
        }
    }
    return MPI_ERR_RMA_ATTACH;
}

char *lark_win_local_addr(struct lark_win *w, uint64_t off, size_t len)
{
    if (w->flavor == MPI_WIN_FLAVOR_DYNAMIC) {
        for (struct lark_win_region *r = w->regions; r; r = r->next)
            if (off >= r->base && off + len <= r->base + r->size)
                return (char *)(uintptr_t)off;
        return NULL;
    }
    if (off > (uint64_t)w->size || len > (uint64_t)w->size - off)
        return NULL;
    return (char *)w->base + off;
}

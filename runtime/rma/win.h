/*
 * win.h -- one-sided communication (RMA): the window object and the
 * internal API the PMPI_Win_* / PMPI_Put & co. entry points call.
 *
 * A window is a private duplicate of the user's communicator (its context
 * id names the window in active messages), what every member exposes (base
 * address in the owner's address space, size, displacement unit), and the
 * synchronisation state of this process as origin and as target.  Each
 * target is reached one of two ways, decided once at creation (see
 * README.md in this folder):
 *  - direct: its memory is mapped here (ourselves, or a member of a
 *    Win_allocate/Win_allocate_shared window on this node, shmwin.c):
 *    put/get are memcpy, accumulate uses atomics (acc.c), locks are
 *    atomics on a lock word in the shared segment;
 *  - active messages (am.c): frames over the point-to-point layer that the
 *    target applies from its progress engine.
 * Every function here is called with the runtime lock held unless it says
 * otherwise; the ones that wait take and drop it themselves.
 */
#ifndef LARK_RMA_WIN_H_INCLUDED
#define LARK_RMA_WIN_H_INCLUDED

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "lark.h"

struct lark_comm;
struct lark_datatype;
struct lark_errhandler;
struct lark_request;
struct lark_wire;

#define LARK_WIN_MAGIC 0x4c4b574eu /* "LKWN" */

/* The per-target words every origin may touch atomically: the passive
 * target lock and the lock that serialises accumulates the hardware
 * cannot do atomically.  In the shared segment for shm windows (so local
 * origins reach them), in the window object otherwise.  One cache line. */
struct lark_win_sync {
    _Alignas(LARK_CACHELINE) _Atomic int64_t lock; /* >0 shared holders, -1 exclusive, 0 free */
    _Atomic int acc;                               /* accumulate spinlock */
};

/* What this process knows of one member of the window. */
struct lark_win_target {
    uint64_t base;              /* its base address in its own address space */
    MPI_Aint size;              /* bytes it exposes */
    int disp_unit;              /* its displacement unit */
    bool local;                 /* its memory is mapped here: direct loads and stores */
    bool in_access;             /* in our PSCW access group (Win_start) */
    char *direct;               /* where its memory starts here (when local) */
    struct lark_win_sync *sync; /* its sync words when direct, else NULL */
    int world;                  /* its world rank */
    int lock_type;              /* lock we hold on it (0, MPI_LOCK_SHARED/EXCLUSIVE) */
    bool lock_nocheck;          /* ... taken with MPI_MODE_NOCHECK (no lock word held) */
    int pending;                /* active-message replies we wait for */
    bool dirty;                 /* put/accumulate sent since the last flush */
    int posts;                  /* PSCW: MPI_Win_post notices received from it */
    int completes;              /* PSCW: MPI_Win_complete notices received from it */
};

/* A dynamic window's attached region (Win_attach). */
struct lark_win_region {
    uint64_t base, size;
    struct lark_win_region *next;
};

/* A lock request from an active-message origin that must wait. */
struct lark_win_waiter {
    int origin, type;
    struct lark_win_waiter *next;
};

enum { LARK_WIN_NO_EPOCH = 0 };

struct lark_win {
    uint32_t magic;
    struct lark_comm *comm; /* private duplicate: a reference is held */
    int flavor;             /* MPI_WIN_FLAVOR_* (what MPI_WIN_CREATE_FLAVOR points to) */
    int model;              /* MPI_WIN_UNIFIED (what MPI_WIN_MODEL points to) */
    void *base;             /* our memory (what MPI_WIN_BASE says) */
    MPI_Aint size;
    int disp_unit;
    struct lark_win_target *t; /* comm->size entries */
    struct lark_win_sync own;  /* our sync words when not in a shared segment */
    struct lark_win_sync *my_sync;
    void *seg; /* shm windows: the node's segment mapping (shmwin.c) */
    size_t seg_size;
    char *seg_name; /* node leader: the name to unlink once all mapped it */
    bool shared_ok; /* every member is on this node (Win_shared_query works) */
    /* synchronisation, as origin */
    bool fence;    /* a fence epoch is open */
    bool lock_all; /* MPI_Win_lock_all held */
    int nlocks;    /* targets locked with MPI_Win_lock */
    int *access;   /* PSCW access group (Win_start): comm ranks, or NULL */
    int naccess;
    /* as target */
    int *expose; /* PSCW exposure group (Win_post): comm ranks, or NULL */
    int nexpose;
    struct lark_win_waiter *waiters; /* lock requests not yet granted */
    struct lark_win_region *regions; /* dynamic windows */
    /* the object */
    char name[MPI_MAX_OBJECT_NAME];
    struct lark_errhandler *errhandler; /* a reference is held */
    void *attrs;                        /* the attribute module's slot */
    bool no_locks;                      /* info no_locks=true */
    struct lark_info *info;             /* hints given (create, MPI_Win_set_info), or NULL */
    struct lark_win *next_waiting;      /* on the list of windows with waiters */
};

/* ---- window objects (win.c) ---- */
struct lark_win *lark_win_from_handle(MPI_Win h);
static inline MPI_Win lark_win_to_handle(struct lark_win *w)
{
    return w ? (MPI_Win)w : MPI_WIN_NULL;
}
/* The window whose private communicator has context `ctx`, or NULL. */
struct lark_win *lark_win_by_ctx(uint32_t ctx);

/* Collective over `comm`: make a window of `flavor`.  For
 * MPI_WIN_FLAVOR_CREATE `base` is the user's memory; for ALLOCATE/SHARED it
 * is allocated and returned in *base; DYNAMIC ignores base/size.  Called
 * WITHOUT the runtime lock (it runs collectives).  `no_locks` from info. */
int lark_win_create(struct lark_comm *comm, int flavor, void **base, MPI_Aint size, int disp_unit,
                    bool no_locks, struct lark_win **out);
/* Collective: complete everything, then free.  Called without the lock. */
int lark_win_free(struct lark_win *win);
int lark_win_attach(struct lark_win *win, void *base, MPI_Aint size);
int lark_win_detach(struct lark_win *win, const void *base);
/* The address of [addr, addr+len) of our exposed memory, as the target of
 * an access at byte offset `off` (dynamic: an absolute address); NULL when
 * it is outside. */
char *lark_win_local_addr(struct lark_win *win, uint64_t off, size_t len);

/* ---- shared segments (shmwin.c) ---- */
/* Collective over win->comm: map one segment per node holding the sync
 * words and memory of the node's members (sizes/disp units in win->t).
 * Fills win->base, t[].direct/sync, my_sync.  Called without the lock. */
int lark_shmwin_setup(struct lark_win *win, bool contiguous);
/* After the address exchange: the node leader unlinks the name. */
void lark_shmwin_unlink(struct lark_win *win);
void lark_shmwin_free(struct lark_win *win);

/* ---- accumulate arithmetic (acc.c) ---- */
/* May op be used in RMA on predefined type `type`?  0 or an MPI class. */
int lark_rma_op_check(MPI_Op op, MPI_Datatype type);
/* dst[i] = src[i] op dst[i] for count elements of predefined `type`,
 * element-wise atomic against every other accumulate on the same
 * location (atomics for 1/2/4/8-byte types, the target's accumulate lock
 * otherwise).  fetch (may be NULL) gets the old values.  src may be NULL
 * for MPI_NO_OP. */
void lark_rma_acc(struct lark_win_sync *sync, void *dst, const void *src, void *fetch, size_t count,
                  MPI_Datatype type, MPI_Op op);
/* Compare-and-swap of one element: if *dst == *cmp then *dst = *src;
 * *fetch = old. */
void lark_rma_cas(struct lark_win_sync *sync, void *dst, const void *src, const void *cmp,
                  void *fetch, MPI_Datatype type);
/* The passive target lock word. */
bool lark_rma_trylock(struct lark_win_sync *sync, int type);
void lark_rma_unlock_word(struct lark_win_sync *sync, int type);

/* ---- target datatypes as runs of predefined elements (dtype.c) ---- */
/* A run: `count` elements of predefined `type` at byte offset `off` from the
 * buffer; `bytes` = packed size. */
struct lark_rma_run {
    MPI_Aint off;
    size_t count;
    MPI_Datatype type;
    size_t bytes;
};
/* Call fn for each run of (count, dt) in order; returns 0, or
 * LARK_ERR_UNSUPPORTED for a layout the RMA path cannot describe yet, or
 * the first non-zero fn result. */
int lark_rma_runs(const struct lark_datatype *dt, size_t count,
                  int (*fn)(const struct lark_rma_run *run, void *arg), void *arg);
/* The extent of memory [lo, hi) that (count, dt) touches from its buffer. */
int lark_rma_span(const struct lark_datatype *dt, size_t count, MPI_Aint *lo, MPI_Aint *hi);

/* ---- active messages (am.c) ---- */
enum lark_rma_am {
    LARK_AM_PUT = 1,
    LARK_AM_ACC,
    LARK_AM_GET,
    LARK_AM_GACC,
    LARK_AM_CAS,
    LARK_AM_LOCK,
    LARK_AM_UNLOCK,
    LARK_AM_FLUSH,
    LARK_AM_POST,
    LARK_AM_COMPLETE,
    LARK_AM_RESP, /* data answering GET/GACC/CAS */
    LARK_AM_ACK   /* LOCK/UNLOCK/FLUSH done */
};
/* The origin side of a GET/GACC/CAS: where the answer lands. */
struct lark_rma_op {
    struct lark_win *win;
    int target;
    void *buf; /* result buffer, unpacked with (count, dt) */
    size_t count;
    struct lark_datatype *dt;
    size_t remaining;         /* bytes still to arrive */
    struct lark_request *req; /* request-based op: complete when done (or NULL) */
};
/* Send one frame to `target` of win: opcode, type handle, element count,
 * target offset, op, the cookie and stream position its answer carries
 * back, payload.  Copies payload.  Returns 0 or < 0. */
int lark_rma_am_send(struct lark_win *win, int target, int opcode, MPI_Datatype type, size_t count,
                     uint64_t off, MPI_Op op, uint64_t cookie, uint64_t pos, const void *payload,
                     size_t len);
/* Largest payload of one frame to `target`. */
size_t lark_rma_am_max(struct lark_win *win, int target);
/* Register the handler with the point-to-point layer (once, at first window). */
void lark_rma_am_init(void);
/* A window goes: forget its waiters. */
void lark_rma_am_forget(struct lark_win *win);

/* ---- origin side (ops.c) ---- */
/* The common case of put and get: contiguous data both sides, a target
 * whose memory is mapped here, a window that is not dynamic, the access in
 * range.  Returns the target address, or NULL when the general path must
 * decide (and raise any error). */
char *lark_rma_direct_addr(struct lark_win *win, int target, MPI_Aint tdisp, size_t ocount,
                           const struct lark_datatype *odt, size_t tcount,
                           const struct lark_datatype *tdt);
/* Put/Get/Accumulate/Get_accumulate of (obuf, ocount, odt) to (tdisp,
 * tcount, tdt) at target.  For get-like ops rbuf/rcount/rdt is the result.
 * `req` (may be NULL) completes at local completion.  Runtime lock held.
 * Returns 0 or an internal code / MPI class (> 0). */
int lark_rma_put(struct lark_win *win, const void *obuf, size_t ocount, struct lark_datatype *odt,
                 int target, MPI_Aint tdisp, size_t tcount, struct lark_datatype *tdt,
                 struct lark_request *req);
int lark_rma_get(struct lark_win *win, void *obuf, size_t ocount, struct lark_datatype *odt,
                 int target, MPI_Aint tdisp, size_t tcount, struct lark_datatype *tdt,
                 struct lark_request *req);
int lark_rma_accumulate(struct lark_win *win, const void *obuf, size_t ocount,
                        struct lark_datatype *odt, void *rbuf, size_t rcount,
                        struct lark_datatype *rdt, int target, MPI_Aint tdisp, size_t tcount,
                        struct lark_datatype *tdt, MPI_Op op, bool fetch, struct lark_request *req);
int lark_rma_compare_and_swap(struct lark_win *win, const void *obuf, const void *cbuf, void *rbuf,
                              struct lark_datatype *dt, int target, MPI_Aint tdisp);

/* ---- synchronisation (sync.c); called WITHOUT the runtime lock ---- */
int lark_rma_fence(struct lark_win *win, int assert);
int lark_rma_lock(struct lark_win *win, int type, int target, int assert);
int lark_rma_unlock(struct lark_win *win, int target);
int lark_rma_lock_all(struct lark_win *win, int assert);
int lark_rma_unlock_all(struct lark_win *win);
int lark_rma_flush(struct lark_win *win, int target); /* target -1: all */
int lark_rma_post(struct lark_win *win, const int *ranks, int n, int assert);
int lark_rma_start(struct lark_win *win, const int *ranks, int n, int assert);
int lark_rma_complete(struct lark_win *win);
int lark_rma_wait(struct lark_win *win, bool test, int *flag);
/* May this process access `target` now (an epoch covers it)? */
static inline bool lark_rma_can_access(const struct lark_win *win, int target)
{
    const struct lark_win_target *t = &win->t[target];
    return win->fence || win->lock_all || t->lock_type != 0 || t->in_access;
}
/* A flush of `target` with nothing to wait for: its memory is mapped here
 * and no active-message reply is due, so ordering our stores is all of
 * it.  Done here (true), or the caller takes lark_rma_flush. */
static inline bool lark_rma_flush_mapped(struct lark_win *win, int target)
{
    if (!win->t[target].local || win->t[target].pending != 0)
        return false;
    atomic_thread_fence(memory_order_seq_cst);
    return true;
}
/* Wait until every active-message reply from `target` (-1: all) is in. */
int lark_rma_wait_pending(struct lark_win *win, int target);

#endif

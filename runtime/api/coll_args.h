/*
 * coll_args.h -- the pieces every collective entry point is made of
 * (coll_args.c): checks, staging of non-contiguous buffers, and the
 * begin / finish of the call's schedule.  Used by api/coll.c (the
 * intracommunicator bodies), api/coll_inter.c (intercommunicators) and
 * api/coll_neighbor.c (neighbourhood collectives).
 *
 * A body reads: lark_collarg_enter, checks, lark_collarg_begin (a direct
 * schedule on the caller's stack for the blocking form, a recorded one
 * otherwise), lark_collarg_stage* for each buffer, the algorithm
 * (lark_sched_X), lark_collarg_complete.  Functions returning an int give
 * MPI_SUCCESS or the class lark_err_raise() returned, except the
 * stage functions and unstage, which return internal codes (0 or < 0)
 * for lark_collarg_complete/finish to raise.  Called without the runtime
 * lock.
 */
#ifndef LARK_API_COLL_ARGS_H_INCLUDED
#define LARK_API_COLL_ARGS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "lark.h"
#include "coll/coll.h"
#include "coll/sched.h"
#include "coll_api.h"
#include "comm.h"
#include "datatype.h"
#include "runtime.h"
#include "where.h"

struct lark_comm;
struct lark_datatype;
struct lark_sched;

/* A (buffer, count, datatype) argument as the algorithms see it: `p`,
 * the address of its data (count * extent bytes of a predefined type,
 * count * size of a derived one).  A non-contiguous derived type is
 * staged in a temporary of the schedule holding its packed form: packed
 * from the user's buffer first when `load`, unpacked into it at the end
 * (lark_collarg_complete) when `store`.  The vector forms stage block by
 * block (`blks`, malloc'd, freed by lark_collarg_complete). */
struct lark_collarg_blk {
    MPI_Aint uoff; /* the block in the user's buffer */
    size_t count;
    size_t poff; /* its packed form in the temporary */
    struct lark_datatype *dt;
};
struct lark_collarg {
    char *user;
    size_t count;
    struct lark_datatype *dt;
    char *p;
    bool staged, store;
    struct lark_collarg_blk *blks;
    int nblk;
    size_t *pv; /* stage_w: packed counts and displacements (malloc'd) */
};

/* The functions below that run on every call (enter, check_buf, begin,
 * stage, finish, complete) are inline: they test the usual case in a few
 * instructions and hand anything else (an error to raise, a buffer to
 * stage, a request to make) to their out-of-line `_slow` half in
 * coll_args.c, which makes every check again and says what failed.  A
 * small blocking collective is otherwise bound by this layer (callgrind:
 * an 8-byte MPI_Bcast between 2 ranks spent ~630 of its ~980
 * instructions here). */

/* MPI is initialised, comm is valid (an intercommunicator only when
 * `inter_ok`), and the nonblocking and persistent forms have somewhere to
 * put their request.  The blocking form enters the hang reporter's
 * "where" record, deferred: written only if the call waits long
 * (lark_where_defer; ended by lark_collarg_finish or lark_err_raise). */
int lark_collarg_enter_slow(const struct lark_coll_call *k, MPI_Comm comm, bool inter_ok,
                            struct lark_comm **c);
static inline int lark_collarg_enter(const struct lark_coll_call *k, MPI_Comm comm, bool inter_ok,
                                     struct lark_comm **c)
{
    struct lark_comm *x = lark_initialized() ? lark_comm_from_handle(comm) : NULL;
    if (LARK_UNLIKELY(x == NULL || (x->remote != NULL && !inter_ok) ||
                      (k->form != LARK_FORM_BLOCKING && k->request == NULL)))
        return lark_collarg_enter_slow(k, comm, inter_ok, c);
    *c = x;
    if (k->form == LARK_FORM_BLOCKING)
        lark_where_defer(k->name, x);
    return MPI_SUCCESS;
}
/* One (buffer, count, datatype) triple; *bytes is the block's size. */
int lark_collarg_check_buf_slow(struct lark_comm *c, const char *call, const char *what,
                                const void *buf, MPI_Count count, MPI_Datatype type, size_t *bytes);
static inline int lark_collarg_check_buf(struct lark_comm *c, const char *call, const char *what,
                                         const void *buf, MPI_Count count, MPI_Datatype type,
                                         size_t *bytes)
{
    struct lark_datatype *dt = lark_datatype_from_handle(type);
    if (LARK_UNLIKELY(count < 0 || dt == NULL || !dt->committed ||
                      (count > 0 && buf == NULL && dt->predefined)))
        return lark_collarg_check_buf_slow(c, call, what, buf, count, type, bytes);
    *bytes = (size_t)count * (dt->predefined ? (size_t)dt->extent : dt->size);
    return MPI_SUCCESS;
}
/* A reduction of count elements of type under op (MPI_ERR_OP when op is
 * not defined on type). */
int lark_collarg_reduction(struct lark_comm *c, const char *call, MPI_Count count,
                           MPI_Datatype type, MPI_Op op, struct lark_reduction *red);
/* What every reduction over a send and a receive buffer of count
 * elements checks, then lark_collarg_begin: the send buffer (unless
 * MPI_IN_PLACE), the receive buffer (when `check_rbuf`), the op on the
 * type.  *bytes: the vector's size. */
int lark_collarg_reduce_begin(struct lark_comm *c, const struct lark_coll_call *k, const void *sbuf,
                              const void *rbuf, bool check_rbuf, MPI_Count count, MPI_Datatype type,
                              MPI_Op op, size_t *bytes, struct lark_reduction *red,
                              struct lark_sched *direct, struct lark_sched **s);
/* Element i of a counts array (int, or MPI_Count when `large`) and of a
 * displacements array (int, or MPI_Aint). */
MPI_Count lark_collarg_count_at(const void *v, bool large, int i);
MPI_Aint lark_collarg_displ_at(const void *v, bool large, int i);
/* n counts and displacements in elements of type, as bytes: *out holds
 * the n byte counts then the n byte displacements (malloc'd; the caller
 * frees it).  Alltoallw's form: a type per block, displacements in
 * bytes already (MPI_Aint[] when large_displs). */
int lark_collarg_vector(struct lark_comm *c, const char *call, const char *what, int n,
                        const void *counts, const void *displs, bool large, MPI_Datatype type,
                        size_t **out);
int lark_collarg_vector_w(struct lark_comm *c, const char *call, const char *what, int n,
                          const void *counts, const void *displs, bool large, bool large_displs,
                          const MPI_Datatype *types, size_t **out);

/* n blocks of `bytes` bytes, block i at byte i * step: counts then
 * displacements as lark_collarg_vector makes them (malloc'd, the caller
 * frees it; NULL when out of memory). */
size_t *lark_collarg_blocks(int n, size_t bytes, size_t step);
/* Reduce_scatter's arguments, checked (the counts of the n = c->size
 * processes of the local group: rcounts, or `block` each when rcounts is
 * NULL; sbuf may be MPI_IN_PLACE, rbuf then holds the inputs): the sum of
 * the counts, this process's count, the reduction, and the counts in the
 * reduction's elements (malloc'd: the caller frees rs->counts, also when
 * an error is returned). */
struct lark_collarg_rs {
    MPI_Count total, mine;
    struct lark_reduction red;
    size_t *counts;
};
int lark_collarg_rs(struct lark_comm *c, const char *call, bool large, const void *sbuf,
                    const void *rbuf, const void *rcounts, MPI_Count block, MPI_Datatype type,
                    MPI_Op op, struct lark_collarg_rs *rs);
/* lark_collarg_rs, then lark_collarg_begin; on an error rs->counts is
 * freed here (NULL), else the caller frees it. */
int lark_collarg_rs_begin(struct lark_comm *c, const struct lark_coll_call *k, const void *sbuf,
                          const void *rbuf, const void *rcounts, MPI_Count block, MPI_Datatype type,
                          MPI_Op op, struct lark_collarg_rs *rs, struct lark_sched *direct,
                          struct lark_sched **s);

/* Whether count elements of dt must be staged (not contiguous). */
bool lark_collarg_needs_staging(const struct lark_datatype *dt, size_t count);
/* Stage one buffer (see struct lark_collarg); internal codes. */
int lark_collarg_stage_slow(struct lark_sched *s, struct lark_collarg *a, const void *buf,
                            MPI_Count count, MPI_Datatype type, bool load, bool store);
static inline int lark_collarg_stage(struct lark_sched *s, struct lark_collarg *a, const void *buf,
                                     MPI_Count count, MPI_Datatype type, bool load, bool store)
{
    struct lark_datatype *dt = lark_datatype_from_handle(type);
    if (LARK_UNLIKELY(!dt->predefined))
        return lark_collarg_stage_slow(s, a, buf, count, type, load, store);
    a->user = a->p = (char *)buf; /* a predefined type: its bytes as they are */
    a->count = (size_t)count;
    a->dt = dt;
    a->staged = a->store = false;
    a->blks = NULL;
    a->nblk = 0;
    a->pv = NULL;
    return 0;
}
/* A vector buffer of n blocks, v as lark_collarg_vector made it. */
int lark_collarg_stage_v(struct lark_sched *s, struct lark_collarg *a, const void *buf,
                         const size_t *v, int n, MPI_Datatype type, bool load, bool store);
/* Alltoallw's buffer: when a type needs staging, every block is staged
 * and *use is the packed v (a->pv); else *use = v. */
int lark_collarg_stage_w(struct lark_sched *s, struct lark_collarg *a, const void *buf,
                         const size_t *v, int n, const MPI_Datatype *types, bool load, bool store,
                         const size_t **use);

/* Start the call's schedule: `direct` (on the caller's stack) for the
 * blocking form, a recorded one otherwise. */
int lark_collarg_begin_slow(struct lark_comm *c, const struct lark_coll_call *k,
                            struct lark_sched **s);
static inline int lark_collarg_begin(struct lark_comm *c, const struct lark_coll_call *k,
                                     struct lark_sched *direct, struct lark_sched **s)
{
    if (k->form != LARK_FORM_BLOCKING)
        return lark_collarg_begin_slow(c, k, s);
    lark_sched_direct(direct, c);
    *s = direct;
    return MPI_SUCCESS;
}
/* End the call: the blocking form finishes its waits; the others get
 * their request (started, or inactive for the persistent form).  rc is
 * the internal code the description ended with. */
int lark_collarg_finish_slow(struct lark_comm *c, const struct lark_coll_call *k,
                             struct lark_sched *s, int rc);
static inline int lark_collarg_finish(struct lark_comm *c, const struct lark_coll_call *k,
                                      struct lark_sched *s, int rc)
{
    /* A blocking call that ran through and left nothing to wait for. */
    if (LARK_UNLIKELY(k->form != LARK_FORM_BLOCKING || rc != 0 || s->nreqs != 0 ||
                      s->reqs != s->small))
        return lark_collarg_finish_slow(c, k, s, rc);
    lark_where_defer_end();
    return MPI_SUCCESS;
}
/* lark_collarg_finish for calls with staged arguments a[0..n-1]: their
 * results are unpacked first, and the direct form's temporaries freed. */
int lark_collarg_complete_slow(struct lark_comm *c, const struct lark_coll_call *k,
                               struct lark_sched *s, int rc, struct lark_collarg *a, int n);
static inline int lark_collarg_complete(struct lark_comm *c, const struct lark_coll_call *k,
                                        struct lark_sched *s, int rc, struct lark_collarg *a, int n)
{
    for (int i = 0; i < n; i++)
        if (a[i].staged || a[i].blks != NULL || a[i].pv != NULL)
            return lark_collarg_complete_slow(c, k, s, rc, a, n);
    return lark_collarg_finish(c, k, s, rc);
}

#endif

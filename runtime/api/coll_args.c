/*
 * coll_args.c (api) -- what the collective entry points share: argument
 * checks, MPI_IN_PLACE, and the translation of (buffer, count, datatype)
 * into the byte blocks and reductions the algorithms in runtime/coll/
 * work on, and the begin/finish of a call's schedule (coll_args.h).
 * Errors go through lark_err_raise() with the communicator, so
 * MPI_ERRORS_RETURN set on it is honoured.
 *
 * Data moves as count * extent bytes for the predefined types (including
 * the MINLOC/MAXLOC pairs, holes and all) and from true_lb for contiguous
 * derived types.  A non-contiguous derived type is staged: the algorithms
 * move its packed form in a temporary of the schedule, packed from the
 * user's buffer before (a schedule step, so the nonblocking and
 * persistent forms pack when they run) and unpacked into it after.  A
 * predefined op then works on the packed elements of the one predefined
 * type the datatype is made of; a user op on a non-contiguous type sees
 * its operands in the type's layout (lark_sched_apply).
 */
#include <stdlib.h>
#include <string.h>

#include "coll_args.h"
#include "coll/coll.h"
#include "coll/sched.h"
#include "comm.h"
#include "datatype.h"
#include "error.h"
#include "op.h"
#include "request.h"
#include "runtime.h"
#include "where.h"

/* Check one (buffer, count, datatype) argument triple; on success *bytes is
 * the size of the block.  Returns MPI_SUCCESS or the raised error class.
 * (lark_collarg_check_buf, inline, comes here when a check fails.) */
int lark_collarg_check_buf_slow(struct lark_comm *c, const char *call, const char *what,
                                const void *buf, MPI_Count count, MPI_Datatype type, size_t *bytes)
{
    if (count < 0)
        return lark_err_raise(c, call, MPI_ERR_COUNT, "%s count %lld is negative", what,
                              (long long)count);
    struct lark_datatype *dt = lark_datatype_from_handle(type);
    if (dt == NULL)
        return lark_err_raise(c, call, MPI_ERR_TYPE, "%s datatype is not a valid datatype", what);
    if (!dt->committed)
        return lark_err_raise(c, call, MPI_ERR_TYPE,
                              "%s datatype %s is not committed (call MPI_Type_commit first)", what,
                              dt->name ? dt->name : "");
    if (count > 0 && buf == NULL && dt->predefined)
        return lark_err_raise(c, call, MPI_ERR_BUFFER, "%s buffer is NULL but count is %lld", what,
                              (long long)count);
    *bytes = (size_t)count * (dt->predefined ? (size_t)dt->extent : dt->size);
    return MPI_SUCCESS;
}

/* A (buffer, count, datatype) argument as the algorithms see it: `p`,
 * the address of its data (count * extent bytes of a predefined type,
 * count * size of a derived one).  A non-contiguous derived type is
 * staged in a temporary of the schedule holding its packed form: packed
 * from the user's buffer first when `load`, unpacked into it at the end
 * (lark_collarg_complete()) when `store`.  The vector forms stage block by block
 * (`blks`, malloc'd, freed by lark_collarg_complete()). */
bool lark_collarg_needs_staging(const struct lark_datatype *dt, size_t count)
{
    return !dt->predefined && !lark_datatype_contig_n(dt, count);
}

/* (lark_collarg_stage, inline, comes here for a derived datatype.) */
int lark_collarg_stage_slow(struct lark_sched *s, struct lark_collarg *a, const void *buf,
                            MPI_Count count, MPI_Datatype type, bool load, bool store)
{
    struct lark_datatype *dt = lark_datatype_from_handle(type);
    *a = (struct lark_collarg){.user = (char *)buf, .count = (size_t)count, .dt = dt};
    if (!lark_collarg_needs_staging(dt, (size_t)count)) {
        a->p = (char *)buf + (dt->predefined ? 0 : dt->true_lb);
        return 0;
    }
    /* Freed by lark_collarg_complete() (direct) or with the recorded schedule. */
    a->p = lark_sched_tmp(s, -1, dt->size * (size_t)count);
    if (a->p == NULL)
        return LARK_ERR_NOMEM;
    a->staged = true;
    a->store = store;
    return load ? lark_sched_pack(s, dt, a->user, (size_t)count, a->p, false) : 0;
}

/* Stage the blocks a->blks (a->nblk of them) through one temporary. */
static int stage_blocks(struct lark_sched *s, struct lark_collarg *a, bool load, bool store)
{
    size_t end = 1;
    for (int i = 0; i < a->nblk; i++) {
        size_t e = a->blks[i].poff + a->blks[i].count * a->blks[i].dt->size;
        if (a->blks[i].count > 0 && e > end)
            end = e;
    }
    a->p = lark_sched_tmp(s, -1, end); /* freed as lark_collarg_stage()'s */
    if (a->p == NULL)
        return LARK_ERR_NOMEM;
    a->staged = true;
    a->store = store;
    for (int i = 0; i < a->nblk && load; i++) {
        struct lark_collarg_blk *b = &a->blks[i];
        int rc = lark_sched_pack(s, b->dt, a->user + b->uoff, b->count, a->p + b->poff, false);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* A vector collective's buffer: n blocks, v their byte counts then byte
 * displacements as vector_bytes made them (packed units for a derived
 * type: count * size, displacement * size). */
int lark_collarg_stage_v(struct lark_sched *s, struct lark_collarg *a, const void *buf,
                         const size_t *v, int n, MPI_Datatype type, bool load, bool store)
{
    struct lark_datatype *dt = lark_datatype_from_handle(type);
    *a = (struct lark_collarg){.user = (char *)buf, .dt = dt};
    if (dt->predefined || dt->contig || dt->size == 0) {
        a->p = (char *)buf + (dt->predefined ? 0 : dt->true_lb);
        return 0;
    }
    if ((a->blks = malloc((size_t)n * sizeof *a->blks)) == NULL)
        return LARK_ERR_NOMEM;
    a->nblk = n;
    for (int i = 0; i < n; i++)
        a->blks[i] = (struct lark_collarg_blk){(MPI_Aint)(v[n + i] / dt->size) * dt->extent,
                                               v[i] / dt->size, v[n + i], dt};
    return stage_blocks(s, a, load, store);
}

/* Alltoallw's buffer: a type per block, v the byte counts then the
 * user's byte displacements.  When a type needs staging (or a contiguous
 * derived one starts away from its lower bound), every block is staged,
 * one after the other, and *use is the packed v (a->pv); else *use = v. */
int lark_collarg_stage_w(struct lark_sched *s, struct lark_collarg *a, const void *buf,
                         const size_t *v, int n, const MPI_Datatype *types, bool load, bool store,
                         const size_t **use)
{
    *a = (struct lark_collarg){.user = (char *)buf, .p = (char *)buf};
    *use = v;
    bool any = false;
    for (int i = 0; i < n; i++) {
        struct lark_datatype *dt = lark_datatype_from_handle(types[i]);
        if (!dt->predefined && v[i] > 0 && (!dt->contig || dt->true_lb != 0))
            any = true;
    }
    if (!any)
        return 0;
    a->blks = malloc((size_t)n * sizeof *a->blks);
    a->pv = malloc(2 * (size_t)n * sizeof *a->pv);
    if (a->blks == NULL || a->pv == NULL)
        return LARK_ERR_NOMEM;
    a->nblk = n;
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        /* A predefined type travels as its count * extent bytes, holes
         * and all (as when nothing is staged): copied as bytes. */
        struct lark_datatype *dt = lark_datatype_from_handle(types[i]);
        if (dt->predefined)
            dt = lark_datatype_from_handle(MPI_BYTE);
        a->blks[i] =
            (struct lark_collarg_blk){(MPI_Aint)v[n + i], dt->size ? v[i] / dt->size : 0, at, dt};
        a->pv[i] = v[i];
        a->pv[n + i] = at;
        at += v[i];
    }
    *use = a->pv;
    return stage_blocks(s, a, load, store);
}

/* Common entry checks: MPI is initialised, comm is valid, and the
 * nonblocking and persistent forms have somewhere to put their request.
 * (lark_collarg_enter, inline, comes here when a check fails.) */
int lark_collarg_enter_slow(const struct lark_coll_call *k, MPI_Comm comm, bool inter_ok,
                            struct lark_comm **c)
{
    if (!lark_initialized())
        return lark_err_raise(NULL, k->name, MPI_ERR_OTHER,
                              "called before MPI_Init or after MPI_Finalize");
    *c = lark_comm_from_handle(comm);
    if (*c == NULL)
        return lark_err_raise(NULL, k->name, MPI_ERR_COMM, "the communicator is not valid");
    /* Only the scans come here with inter_ok false: the other
     * collectives have intercommunicator bodies (coll_inter.c). */
    if ((*c)->remote != NULL && !inter_ok)
        return lark_err_raise(*c, k->name, MPI_ERR_COMM,
                              "the communicator is an intercommunicator; %s is defined on "
                              "intracommunicators only",
                              k->name);
    /* The hang report's record, written only if the call waits long
     * (where.h); ended in lark_collarg_finish(), or by lark_err_raise. */
    if (k->form == LARK_FORM_BLOCKING)
        lark_where_defer(k->name, *c);
    if (k->form != LARK_FORM_BLOCKING && k->request == NULL)
        return lark_err_raise(*c, k->name, MPI_ERR_REQUEST,
                              "the request argument is NULL (pass the address of an MPI_Request)");
    return MPI_SUCCESS;
}

int lark_collarg_reduce_begin(struct lark_comm *c, const struct lark_coll_call *k, const void *sbuf,
                              const void *rbuf, bool check_rbuf, MPI_Count count, MPI_Datatype type,
                              MPI_Op op, size_t *bytes, struct lark_reduction *red,
                              struct lark_sched *direct, struct lark_sched **s)
{
    const char *call = k->name;
    int err = MPI_SUCCESS;
    if (sbuf != MPI_IN_PLACE)
        err = lark_collarg_check_buf(c, call, "the send", sbuf, count, type, bytes);
    if (err == MPI_SUCCESS && check_rbuf)
        err = lark_collarg_check_buf(c, call, "the receive", rbuf, count, type, bytes);
    if (err == MPI_SUCCESS)
        err = lark_collarg_reduction(c, call, count, type, op, red);
    if (err == MPI_SUCCESS)
        err = lark_collarg_begin(c, k, direct, s);
    return err;
}

/* Describe a reduction of count elements of type under op. */
int lark_collarg_reduction(struct lark_comm *c, const char *call, MPI_Count count,
                           MPI_Datatype type, MPI_Op op, struct lark_reduction *red)
{
    struct lark_datatype *dt = lark_datatype_from_handle(type);
    /* Predefined ops work element by element on a predefined type: a
     * contiguous derived type is `per` of its base element. */
    MPI_Datatype elem = type;
    size_t per = 1;
    if (!dt->predefined && lark_op_user(op) == NULL) {
        if (dt->elem == NULL)
            return lark_err_raise(c, call, MPI_ERR_OP,
                                  "predefined ops apply to types made of one predefined type "
                                  "only; use a user op (MPI_Op_create) for this datatype");
        if (!dt->elem->contig && !lark_datatype_contig_n(dt, (size_t)count))
            return lark_err_raise(c, call, MPI_ERR_TYPE,
                                  "a non-contiguous datatype of %s is not supported in reductions "
                                  "yet; reduce count elements of %s itself",
                                  dt->elem->name, dt->elem->name);
        elem = dt->elem->handle;
        per = dt->size / dt->elem->size;
    }
    if (lark_op_check(op, elem) != MPI_SUCCESS) {
        if (lark_op_user(op) == NULL && !lark_op_is_predefined(op))
            return lark_err_raise(c, call, MPI_ERR_OP, "the op is not a valid MPI_Op");
        if (op == MPI_REPLACE || op == MPI_NO_OP)
            return lark_err_raise(c, call, MPI_ERR_OP,
                                  "MPI_REPLACE and MPI_NO_OP are for one-sided accumulate "
                                  "operations only, not for reductions");
        struct lark_datatype *et = lark_datatype_from_handle(elem);
        return lark_err_raise(c, call, MPI_ERR_OP, "this op is not defined on datatype %s",
                              et && et->name ? et->name : "(derived)");
    }
    red->op = op;
    red->type = elem;
    red->count = (size_t)count * per;
    red->bytes = (size_t)count * (dt->predefined ? (size_t)dt->extent : dt->size);
    red->commutes = lark_op_commutes(op);
    return MPI_SUCCESS;
}

/* Start the recorded schedule of a nonblocking or persistent call (the
 * blocking form's direct one is set up by lark_collarg_begin, inline).
 * Returns MPI_SUCCESS or the raised class (nothing to clean up then). */
int lark_collarg_begin_slow(struct lark_comm *c, const struct lark_coll_call *k,
                            struct lark_sched **s)
{
    *s = lark_sched_new(c, k->form == LARK_FORM_PERSISTENT);
    if (*s == NULL)
        return lark_err_raise(c, k->name, MPI_ERR_NO_MEM, "out of memory");
    return MPI_SUCCESS;
}

/* End a call: the blocking form has run (finish waiting); the others get
 * their request (started, or inactive for the persistent form).
 * (lark_collarg_finish, inline, ends a blocking call that has nothing
 * left to wait for itself.) */
int lark_collarg_finish_slow(struct lark_comm *c, const struct lark_coll_call *k,
                             struct lark_sched *s, int rc)
{
    if (k->form == LARK_FORM_BLOCKING) {
        rc = lark_sched_direct_end(s, rc);
        if (rc != 0)
            return lark_err_raise(c, k->name, rc, "the collective failed");
        lark_where_defer_end();
        return MPI_SUCCESS;
    }
    if (rc != 0) {
        lark_lock();
        lark_sched_free(s);
        lark_unlock();
        return lark_err_raise(c, k->name, rc, "could not set up the collective");
    }
    struct lark_request *r;
    rc = lark_sched_request(s, &r);
    if (rc != 0)
        return lark_err_raise(c, k->name, rc, "could not start the collective");
    *k->request = lark_request_to_handle(r);
    return MPI_SUCCESS;
}

/* Unpack a staged argument into the user's buffer, after everything
 * before it completed. */
static int unstage(struct lark_sched *s, struct lark_collarg *a)
{
    int rc = lark_sched_wait(s);
    if (a->blks == NULL)
        return rc == 0 ? lark_sched_pack(s, a->dt, a->user, a->count, a->p, true) : rc;
    for (int i = 0; i < a->nblk && rc == 0; i++) {
        struct lark_collarg_blk *b = &a->blks[i];
        rc = lark_sched_pack(s, b->dt, a->user + b->uoff, b->count, a->p + b->poff, true);
    }
    return rc;
}

/* lark_collarg_finish() for calls with staged arguments: their results are unpacked
 * first; a blocking call frees its temporaries after (a recorded
 * schedule owns them).  (lark_collarg_complete, inline, comes here when
 * an argument was staged.) */
int lark_collarg_complete_slow(struct lark_comm *c, const struct lark_coll_call *k,
                               struct lark_sched *s, int rc, struct lark_collarg *a, int n)
{
    bool direct = !s->record;
    for (int i = 0; i < n; i++)
        if (rc == 0 && a[i].staged && a[i].store)
            rc = unstage(s, &a[i]);
    rc = lark_collarg_finish(c, k, s, rc);
    for (int i = 0; i < n; i++) {
        if (direct && a[i].staged)
            free(a[i].p); /* lark_sched_tmp(s, -1, ...) of a direct schedule */
        free(a[i].blks);
        free(a[i].pv);
    }
    return rc;
}

/* Element i of a counts array: int, or MPI_Count for the large-count
 * (_c) forms; of a displacements array: int, or MPI_Aint. */
MPI_Count lark_collarg_count_at(const void *v, bool large, int i)
{
    return large ? ((const MPI_Count *)v)[i] : ((const int *)v)[i];
}
MPI_Aint lark_collarg_displ_at(const void *v, bool large, int i)
{
    return large ? ((const MPI_Aint *)v)[i] : ((const int *)v)[i];
}

/* Convert counts/displacements (in elements of dt) to bytes. */
int lark_collarg_vector(struct lark_comm *c, const char *call, const char *what, int n,
                        const void *counts, const void *displs, bool large, MPI_Datatype type,
                        size_t **out)
{
    struct lark_datatype *dt = lark_datatype_from_handle(type);
    size_t dummy;
    int err = lark_collarg_check_buf(c, call, what, (void *)1, 0, type, &dummy);
    if (err != MPI_SUCCESS)
        return err;
    if (counts == NULL || displs == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "%s counts or displacements array is NULL",
                              what);
    size_t *v = malloc(2 * (size_t)(n > 0 ? n : 1) * sizeof *v);
    if (v == NULL)
        return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
    for (int i = 0; i < n; i++) {
        MPI_Count cnt = lark_collarg_count_at(counts, large, i);
        if (cnt < 0) {
            free(v);
            return lark_err_raise(c, call, MPI_ERR_COUNT, "%s count [%d] is negative (%lld)", what,
                                  i, (long long)cnt);
        }
        /* Bytes of a predefined type as laid out, of a derived one packed
         * (stage_v keeps the blocks at displacement * size). */
        MPI_Aint one = dt->predefined ? dt->extent : (MPI_Aint)dt->size;
        v[i] = (size_t)cnt * (size_t)one;
        v[n + i] = (size_t)(lark_collarg_displ_at(displs, large, i) * one);
    }
    *out = v;
    return MPI_SUCCESS;
}

/* Alltoallw's per-peer (count, type) pairs as byte counts; displacements
 * are in bytes already (MPI_Aint when `large_displs`: the _c forms and
 * MPI_Neighbor_alltoallw).  *out holds counts then displacements (free it). */
int lark_collarg_vector_w(struct lark_comm *c, const char *call, const char *what, int n,
                          const void *counts, const void *displs, bool large, bool large_displs,
                          const MPI_Datatype *types, size_t **out)
{
    if (counts == NULL || displs == NULL || types == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG,
                              "%s counts, displacements or datatypes array is NULL", what);
    size_t *v = malloc(2 * (size_t)(n > 0 ? n : 1) * sizeof *v);
    if (v == NULL)
        return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
    for (int i = 0; i < n; i++) {
        int err = lark_collarg_check_buf(c, call, what, (void *)1,
                                         lark_collarg_count_at(counts, large, i), types[i], &v[i]);
        if (err == MPI_SUCCESS && lark_collarg_displ_at(displs, large_displs, i) < 0)
            err = lark_err_raise(c, call, MPI_ERR_ARG, "%s displacement [%d] is negative", what, i);
        if (err != MPI_SUCCESS) {
            free(v);
            return err;
        }
        v[n + i] = (size_t)lark_collarg_displ_at(displs, large_displs, i);
    }
    *out = v;
    return MPI_SUCCESS;
}

size_t *lark_collarg_blocks(int n, size_t bytes, size_t step)
{
    size_t *v = malloc(2 * (size_t)(n > 0 ? n : 1) * sizeof *v);
    for (int i = 0; i < n && v != NULL; i++) {
        v[i] = bytes;
        v[n + i] = (size_t)i * step;
    }
    return v;
}

static int rs_total(struct lark_comm *c, const char *call, int n, const void *rcounts,
                    MPI_Count block, bool large, MPI_Count *total)
{
    *total = 0;
    for (int i = 0; i < n; i++) {
        MPI_Count ci = rcounts ? lark_collarg_count_at(rcounts, large, i) : block;
        if (ci < 0)
            return lark_err_raise(c, call, MPI_ERR_COUNT, "receive count for rank %d is %lld", i,
                                  (long long)ci);
        *total += ci;
    }
    return MPI_SUCCESS;
}

int lark_collarg_rs(struct lark_comm *c, const char *call, bool large, const void *sbuf,
                    const void *rbuf, const void *rcounts, MPI_Count block, MPI_Datatype type,
                    MPI_Op op, struct lark_collarg_rs *rs)
{
    int n = c->size;
    *rs = (struct lark_collarg_rs){0};
    int err = rs_total(c, call, n, rcounts, block, large, &rs->total);
    if (err != MPI_SUCCESS)
        return err;
    size_t tb, rb;
    rs->mine = rcounts ? lark_collarg_count_at(rcounts, large, c->rank) : block;
    err = lark_collarg_check_buf(c, call, "the send", sbuf == MPI_IN_PLACE ? rbuf : sbuf, rs->total,
                                 type, &tb);
    if (err == MPI_SUCCESS)
        err = lark_collarg_check_buf(c, call, "the receive", rbuf, rs->mine, type, &rb);
    if (err == MPI_SUCCESS)
        err = lark_collarg_reduction(c, call, rs->total, type, op, &rs->red);
    if (err != MPI_SUCCESS)
        return err;
    /* Counts in the reduction's elements (a contiguous type is `per` of them). */
    size_t per = rs->total ? rs->red.count / (size_t)rs->total : 1;
    rs->counts = malloc((size_t)(n > 0 ? n : 1) * sizeof *rs->counts); /* the caller frees it */
    if (rs->counts == NULL)
        return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
    for (int i = 0; i < n; i++)
        rs->counts[i] = (size_t)(rcounts ? lark_collarg_count_at(rcounts, large, i) : block) * per;
    return MPI_SUCCESS;
}

int lark_collarg_rs_begin(struct lark_comm *c, const struct lark_coll_call *k, const void *sbuf,
                          const void *rbuf, const void *rcounts, MPI_Count block, MPI_Datatype type,
                          MPI_Op op, struct lark_collarg_rs *rs, struct lark_sched *direct,
                          struct lark_sched **s)
{
    int err = lark_collarg_rs(c, k->name, k->large, sbuf, rbuf, rcounts, block, type, op, rs);
    if (err == MPI_SUCCESS)
        err = lark_collarg_begin(c, k, direct, s);
    if (err != MPI_SUCCESS) {
        free(rs->counts);
        rs->counts = NULL;
    }
    return err;
}

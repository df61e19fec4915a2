/*
 * coll.c (api) -- the PMPI_ entry points of the blocking collectives:
 * argument checks, MPI_IN_PLACE, and the translation of (buffer, count,
 * datatype) into the byte blocks and reductions the algorithms in
 * runtime/coll/ work on.  Errors go through lark_err_raise() with the
 * communicator, so MPI_ERRORS_RETURN set on it is honoured.
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
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "coll/coll.h"
#include "coll/sched.h"
#include "coll_api.h"
#include "comm.h"
#include "datatype.h"
#include "error.h"
#include "op.h"
#include "request.h"
#include "runtime.h"
#include "where.h"

/* Check one (buffer, count, datatype) argument triple; on success *bytes is
 * the size of the block.  Returns MPI_SUCCESS or the raised error class. */
static int check_buf(struct lark_comm *c, const char *call, const char *what, const void *buf,
                     MPI_Count count, MPI_Datatype type, size_t *bytes)
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
 * (complete()) when `store`.  The vector forms stage block by block
 * (`blks`, malloc'd, freed by complete()). */
struct blk {
    MPI_Aint uoff; /* the block in the user's buffer */
    size_t count;
    size_t poff; /* its packed form in the temporary */
    struct lark_datatype *dt;
};
struct arg {
    char *user;
    size_t count;
    struct lark_datatype *dt;
    char *p;
    bool staged, store;
    struct blk *blks;
    int nblk;
    size_t *pv; /* stage_w: packed counts and displacements (malloc'd) */
};

static bool needs_staging(const struct lark_datatype *dt, size_t count)
{
    return !dt->predefined && !lark_datatype_contig_n(dt, count);
}

static int stage(struct lark_sched *s, struct arg *a, const void *buf, MPI_Count count,
                 MPI_Datatype type, bool load, bool store)
{
    struct lark_datatype *dt = lark_datatype_from_handle(type);
    *a = (struct arg){.user = (char *)buf, .count = (size_t)count, .dt = dt};
    if (!needs_staging(dt, (size_t)count)) {
        a->p = (char *)buf + (dt->predefined ? 0 : dt->true_lb);
        return 0;
    }
    /* Freed by complete() (direct) or with the recorded schedule. */
    a->p = lark_sched_tmp(s, -1, dt->size * (size_t)count);
    if (a->p == NULL)
        return LARK_ERR_NOMEM;
    a->staged = true;
    a->store = store;
    return load ? lark_sched_pack(s, dt, a->user, (size_t)count, a->p, false) : 0;
}

/* Stage the blocks a->blks (a->nblk of them) through one temporary. */
static int stage_blocks(struct lark_sched *s, struct arg *a, bool load, bool store)
{
    size_t end = 1;
    for (int i = 0; i < a->nblk; i++) {
        size_t e = a->blks[i].poff + a->blks[i].count * a->blks[i].dt->size;
        if (a->blks[i].count > 0 && e > end)
            end = e;
    }
    a->p = lark_sched_tmp(s, -1, end); /* freed as stage()'s */
    if (a->p == NULL)
        return LARK_ERR_NOMEM;
    a->staged = true;
    a->store = store;
    for (int i = 0; i < a->nblk && load; i++) {
        struct blk *b = &a->blks[i];
        int rc = lark_sched_pack(s, b->dt, a->user + b->uoff, b->count, a->p + b->poff, false);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* A vector collective's buffer: n blocks, v their byte counts then byte
 * displacements as vector_bytes made them (packed units for a derived
 * type: count * size, displacement * size). */
static int stage_v(struct lark_sched *s, struct arg *a, const void *buf, const size_t *v, int n,
                   MPI_Datatype type, bool load, bool store)
{
    struct lark_datatype *dt = lark_datatype_from_handle(type);
    *a = (struct arg){.user = (char *)buf, .dt = dt};
    if (dt->predefined || dt->contig || dt->size == 0) {
        a->p = (char *)buf + (dt->predefined ? 0 : dt->true_lb);
        return 0;
    }
    if ((a->blks = malloc((size_t)n * sizeof *a->blks)) == NULL)
        return LARK_ERR_NOMEM;
    a->nblk = n;
    for (int i = 0; i < n; i++)
        a->blks[i] = (struct blk){(MPI_Aint)(v[n + i] / dt->size) * dt->extent, v[i] / dt->size,
                                  v[n + i], dt};
    return stage_blocks(s, a, load, store);
}

/* Alltoallw's buffer: a type per block, v the byte counts then the
 * user's byte displacements.  When a type needs staging (or a contiguous
 * derived one starts away from its lower bound), every block is staged,
 * one after the other, and *use is the packed v (a->pv); else *use = v. */
static int stage_w(struct lark_sched *s, struct arg *a, const void *buf, const size_t *v, int n,
                   const MPI_Datatype *types, bool load, bool store, const size_t **use)
{
    *a = (struct arg){.user = (char *)buf, .p = (char *)buf};
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
        a->blks[i] = (struct blk){(MPI_Aint)v[n + i], dt->size ? v[i] / dt->size : 0, at, dt};
        a->pv[i] = v[i];
        a->pv[n + i] = at;
        at += v[i];
    }
    *use = a->pv;
    return stage_blocks(s, a, load, store);
}

/* Common entry checks: MPI is initialised, comm is valid, and the
 * nonblocking and persistent forms have somewhere to put their request. */
static int enter_call(const struct lark_coll_call *k, MPI_Comm comm, struct lark_comm **c)
{
    if (!lark_initialized())
        return lark_err_raise(NULL, k->name, MPI_ERR_OTHER,
                              "called before MPI_Init or after MPI_Finalize");
    *c = lark_comm_from_handle(comm);
    if (*c == NULL)
        return lark_err_raise(NULL, k->name, MPI_ERR_COMM, "the communicator is not valid");
    if ((*c)->remote != NULL) {
        /* Scans are defined on intracommunicators only; the others have
         * an intercommunicator form that Lark does not implement yet
         * (running the intracommunicator algorithm would mix the groups). */
        if (strstr(k->name, "scan") != NULL || strstr(k->name, "Scan") != NULL)
            return lark_err_raise(*c, k->name, MPI_ERR_COMM,
                                  "the communicator is an intercommunicator; %s is defined on "
                                  "intracommunicators only",
                                  k->name);
        return lark_err_raise(*c, k->name, MPI_ERR_COMM,
                              "the communicator is an intercommunicator, and Lark does not "
                              "implement collectives on intercommunicators yet; call it on "
                              "MPI_Intercomm_merge's intracommunicator instead");
    }
    if (k->form == LARK_FORM_BLOCKING) /* left in finish(), or by lark_err_raise */
        lark_where_enter(k->name, LARK_WHERE_COLL, *c, LARK_WHERE_NONE, LARK_WHERE_NONE, 0);
    if (k->form != LARK_FORM_BLOCKING && k->request == NULL)
        return lark_err_raise(*c, k->name, MPI_ERR_REQUEST,
                              "the request argument is NULL (pass the address of an MPI_Request)");
    return MPI_SUCCESS;
}

static int check_root(struct lark_comm *c, const char *call, int root)
{
    if (root < 0 || root >= c->size)
        return lark_err_raise(c, call, MPI_ERR_ROOT,
                              "root %d is not a rank of this communicator (size %d)", root,
                              c->size);
    return MPI_SUCCESS;
}

/* Entry checks of a rooted collective: MPI is up, comm and root are valid,
 * and MPI_IN_PLACE (`inplace`: the argument that may hold it does) is
 * used only at the root.  *is_root: whether this rank is the root. */
static int enter_rooted(const struct lark_coll_call *k, MPI_Comm comm, int root, bool inplace,
                        struct lark_comm **c, bool *is_root)
{
    const char *call = k->name;
    int err = enter_call(k, comm, c);
    if (err == MPI_SUCCESS)
        err = check_root(*c, call, root);
    if (err != MPI_SUCCESS)
        return err;
    *is_root = (*c)->rank == root;
    if (k->form == LARK_FORM_BLOCKING)
        lark_where_root(*c, root);
    if (inplace && !*is_root)
        return lark_err_raise(*c, call, MPI_ERR_BUFFER, "MPI_IN_PLACE is only valid at the root");
    return MPI_SUCCESS;
}

/* Describe a reduction of count elements of type under op. */
static int make_reduction(struct lark_comm *c, const char *call, MPI_Count count, MPI_Datatype type,
                          MPI_Op op, struct lark_reduction *red)
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

/* Start the schedule of a call: direct on the caller's stack for the
 * blocking form, recorded otherwise.  Returns MPI_SUCCESS or the raised
 * class (nothing to clean up then). */
static int begin(struct lark_comm *c, const struct lark_coll_call *k, struct lark_sched *direct,
                 struct lark_sched **s)
{
    if (k->form == LARK_FORM_BLOCKING) {
        lark_sched_direct(direct, c);
        *s = direct;
        return MPI_SUCCESS;
    }
    *s = lark_sched_new(c, k->form == LARK_FORM_PERSISTENT);
    if (*s == NULL)
        return lark_err_raise(c, k->name, MPI_ERR_NO_MEM, "out of memory");
    return MPI_SUCCESS;
}

/* End a call: the blocking form has run (finish waiting); the others get
 * their request (started, or inactive for the persistent form). */
static int finish(struct lark_comm *c, const struct lark_coll_call *k, struct lark_sched *s, int rc)
{
    if (k->form == LARK_FORM_BLOCKING) {
        rc = lark_sched_direct_end(s, rc);
        if (rc != 0)
            return lark_err_raise(c, k->name, rc, "the collective failed");
        lark_where_leave();
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
static int unstage(struct lark_sched *s, struct arg *a)
{
    int rc = lark_sched_wait(s);
    if (a->blks == NULL)
        return rc == 0 ? lark_sched_pack(s, a->dt, a->user, a->count, a->p, true) : rc;
    for (int i = 0; i < a->nblk && rc == 0; i++) {
        struct blk *b = &a->blks[i];
        rc = lark_sched_pack(s, b->dt, a->user + b->uoff, b->count, a->p + b->poff, true);
    }
    return rc;
}

/* finish() for calls with staged arguments: their results are unpacked
 * first; a blocking call frees its temporaries after (a recorded
 * schedule owns them). */
static int complete(struct lark_comm *c, const struct lark_coll_call *k, struct lark_sched *s,
                    int rc, struct arg *a, int n)
{
    bool direct = !s->record;
    for (int i = 0; i < n; i++)
        if (rc == 0 && a[i].staged && a[i].store)
            rc = unstage(s, &a[i]);
    rc = finish(c, k, s, rc);
    for (int i = 0; i < n; i++) {
        if (direct && a[i].staged)
            free(a[i].p); /* lark_sched_tmp(s, -1, ...) of a direct schedule */
        free(a[i].blks);
        free(a[i].pv);
    }
    return rc;
}

int lark_coll_api_barrier(MPI_Comm comm, const struct lark_coll_call *k)
{
    struct lark_comm *c;
    struct lark_sched ds, *s;
    int err = enter_call(k, comm, &c);
    if (err == MPI_SUCCESS)
        err = begin(c, k, &ds, &s);
    if (err != MPI_SUCCESS)
        return err;
    return finish(c, k, s, lark_sched_barrier(s));
}

int lark_coll_api_bcast(void *buf, MPI_Count count, MPI_Datatype type, int root, MPI_Comm comm,
                        const struct lark_coll_call *k)
{
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t bytes;
    bool root_here;
    struct arg a[1] = {{0}};
    int err = enter_rooted(k, comm, root, false, &c, &root_here);
    if (err == MPI_SUCCESS)
        err = check_buf(c, k->name, "the", buf, count, type, &bytes);
    if (err == MPI_SUCCESS)
        err = begin(c, k, &ds, &s);
    if (err != MPI_SUCCESS)
        return err;
    int rc = stage(s, &a[0], buf, count, type, root_here, !root_here);
    if (rc == 0)
        rc = lark_sched_bcast(s, a[0].p, bytes, root);
    return complete(c, k, s, rc, a, 1);
}

int lark_coll_api_reduce(const void *sbuf, void *rbuf, MPI_Count count, MPI_Datatype type,
                         MPI_Op op, int root, MPI_Comm comm, const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    struct lark_reduction red;
    size_t bytes;
    bool root_here;
    int err = enter_rooted(k, comm, root, sbuf == MPI_IN_PLACE, &c, &root_here);
    if (err != MPI_SUCCESS)
        return err;
    err = check_buf(c, call, "the send", sbuf == MPI_IN_PLACE ? rbuf : sbuf, count, type, &bytes);
    if (err == MPI_SUCCESS && root_here)
        err = check_buf(c, call, "the receive", rbuf, count, type, &bytes);
    if (err == MPI_SUCCESS)
        err = make_reduction(c, call, count, type, op, &red);
    if (err == MPI_SUCCESS)
        err = begin(c, k, &ds, &s);
    if (err != MPI_SUCCESS)
        return err;
    /* In place (only at the root): rbuf is both input and result. */
    struct arg a[2] = {{0}};
    bool inplace = sbuf == MPI_IN_PLACE;
    int rc = stage(s, &a[0], inplace ? rbuf : sbuf, count, type, true, inplace);
    if (rc == 0 && root_here && !inplace)
        rc = stage(s, &a[1], rbuf, count, type, false, true);
    void *out = !root_here ? rbuf : inplace ? a[0].p : a[1].p;
    if (rc == 0 && count > 0)
        rc = lark_sched_reduce(s, a[0].p, out, &red, root);
    return complete(c, k, s, rc, a, 2);
}

int lark_coll_api_allreduce(const void *sbuf, void *rbuf, MPI_Count count, MPI_Datatype type,
                            MPI_Op op, MPI_Comm comm, const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    struct lark_reduction red;
    size_t bytes;
    int err = enter_call(k, comm, &c);
    if (err == MPI_SUCCESS && sbuf != MPI_IN_PLACE)
        err = check_buf(c, call, "the send", sbuf, count, type, &bytes);
    if (err == MPI_SUCCESS)
        err = check_buf(c, call, "the receive", rbuf, count, type, &bytes);
    if (err == MPI_SUCCESS)
        err = make_reduction(c, call, count, type, op, &red);
    if (err == MPI_SUCCESS)
        err = begin(c, k, &ds, &s);
    if (err != MPI_SUCCESS)
        return err;
    /* The result buffer holds the input (copied, or in place). */
    struct arg a[2] = {{0}};
    bool inplace = sbuf == MPI_IN_PLACE;
    int rc = stage(s, &a[0], rbuf, count, type, inplace, true);
    if (rc == 0 && !inplace)
        rc = stage(s, &a[1], sbuf, count, type, true, false);
    if (rc == 0 && !inplace)
        rc = lark_sched_copy(s, a[0].p, a[1].p, bytes);
    if (rc == 0)
        rc = lark_sched_allreduce(s, a[0].p, &red);
    return complete(c, k, s, rc, a, 2);
}

int lark_coll_api_scan(const void *sbuf, void *rbuf, MPI_Count count, MPI_Datatype type, MPI_Op op,
                       MPI_Comm comm, int exclusive, const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    struct lark_reduction red;
    size_t bytes;
    int err = enter_call(k, comm, &c);
    if (err == MPI_SUCCESS && sbuf != MPI_IN_PLACE)
        err = check_buf(c, call, "the send", sbuf, count, type, &bytes);
    /* Exscan: rank 0's rbuf is not significant (unless it holds the input). */
    if (err == MPI_SUCCESS && !(exclusive && c->rank == 0 && sbuf != MPI_IN_PLACE))
        err = check_buf(c, call, "the receive", rbuf, count, type, &bytes);
    if (err == MPI_SUCCESS)
        err = make_reduction(c, call, count, type, op, &red);
    if (err == MPI_SUCCESS)
        err = begin(c, k, &ds, &s);
    if (err != MPI_SUCCESS)
        return err;
    /* Exscan never writes rank 0's rbuf (the standard leaves it undefined,
     * and a program may pass a buffer that must not be written). */
    struct arg a[2] = {{0}};
    bool inplace = sbuf == MPI_IN_PLACE, writes = !(exclusive && c->rank == 0);
    int rc = stage(s, &a[0], rbuf, count, type, inplace, writes);
    if (rc == 0 && !inplace)
        rc = stage(s, &a[1], sbuf, count, type, true, false);
    const void *in = inplace ? a[0].p : a[1].p;
    if (rc == 0 && bytes > 0 && !(exclusive && c->size == 1))
        rc = lark_sched_scan(s, in, a[0].p, &red, exclusive);
    return complete(c, k, s, rc, a, 2);
}

int lark_coll_api_gather(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                         MPI_Count rcount, MPI_Datatype rtype, int root, MPI_Comm comm,
                         const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t sbytes = 0, rbytes = 0;
    bool root_here;
    int err = enter_rooted(k, comm, root, sbuf == MPI_IN_PLACE, &c, &root_here);
    if (err != MPI_SUCCESS)
        return err;
    if (sbuf != MPI_IN_PLACE)
        err = check_buf(c, call, "the send", sbuf, scount, stype, &sbytes);
    if (err == MPI_SUCCESS && root_here)
        err = check_buf(c, call, "the receive", rbuf, rcount, rtype, &rbytes);
    if (err != MPI_SUCCESS)
        return err;
    if (root_here && sbuf != MPI_IN_PLACE && sbytes != rbytes)
        return lark_err_raise(c, call, MPI_ERR_TRUNCATE,
                              "the root sends %zu bytes but receives %zu per rank", sbytes, rbytes);
    if ((err = begin(c, k, &ds, &s)) != MPI_SUCCESS)
        return err;
    size_t bytes = root_here ? rbytes : sbytes;
    struct arg a[2] = {{0}};
    bool inplace = sbuf == MPI_IN_PLACE;
    int rc = inplace ? 0 : stage(s, &a[0], sbuf, scount, stype, true, false);
    if (rc == 0 && root_here)
        rc = stage(s, &a[1], rbuf, rcount * c->size, rtype, inplace, true);
    const void *own = inplace ? a[1].p + (size_t)root * rbytes : a[0].p;
    if (rc == 0)
        rc = lark_sched_gather(s, own, a[1].p, bytes, root);
    return complete(c, k, s, rc, a, 2);
}

int lark_coll_api_scatter(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                          MPI_Count rcount, MPI_Datatype rtype, int root, MPI_Comm comm,
                          const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t sbytes = 0, rbytes = 0;
    bool root_here;
    int err = enter_rooted(k, comm, root, rbuf == MPI_IN_PLACE, &c, &root_here);
    if (err != MPI_SUCCESS)
        return err;
    if (root_here)
        err = check_buf(c, call, "the send", sbuf, scount, stype, &sbytes);
    if (err == MPI_SUCCESS && rbuf != MPI_IN_PLACE)
        err = check_buf(c, call, "the receive", rbuf, rcount, rtype, &rbytes);
    if (err != MPI_SUCCESS)
        return err;
    if (root_here && rbuf != MPI_IN_PLACE && sbytes != rbytes)
        return lark_err_raise(c, call, MPI_ERR_TRUNCATE,
                              "the root sends %zu bytes per rank but receives %zu", sbytes, rbytes);
    if ((err = begin(c, k, &ds, &s)) != MPI_SUCCESS)
        return err;
    size_t bytes = root_here ? sbytes : rbytes;
    struct arg a[2] = {{0}};
    int rc = root_here ? stage(s, &a[0], sbuf, scount * c->size, stype, true, false) : 0;
    if (rc == 0 && rbuf != MPI_IN_PLACE)
        rc = stage(s, &a[1], rbuf, rcount, rtype, false, true);
    if (rc == 0)
        rc = lark_sched_scatter(s, a[0].p, rbuf == MPI_IN_PLACE ? rbuf : a[1].p, bytes, root);
    return complete(c, k, s, rc, a, 2);
}

/* Element i of a counts array: int, or MPI_Count for the large-count
 * (_c) forms; of a displacements array: int, or MPI_Aint. */
static MPI_Count count_at(const void *v, bool large, int i)
{
    return large ? ((const MPI_Count *)v)[i] : ((const int *)v)[i];
}
static MPI_Aint displ_at(const void *v, bool large, int i)
{
    return large ? ((const MPI_Aint *)v)[i] : ((const int *)v)[i];
}

/* Convert counts/displacements (in elements of dt) to bytes. */
static int vector_bytes(struct lark_comm *c, const char *call, const char *what, const void *counts,
                        const void *displs, bool large, MPI_Datatype type, size_t **out)
{
    struct lark_datatype *dt = lark_datatype_from_handle(type);
    size_t dummy;
    int err = check_buf(c, call, what, (void *)1, 0, type, &dummy);
    if (err != MPI_SUCCESS)
        return err;
    if (counts == NULL || displs == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "%s counts or displacements array is NULL",
                              what);
    size_t *v = malloc(2 * (size_t)c->size * sizeof *v);
    if (v == NULL)
        return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
    for (int i = 0; i < c->size; i++) {
        MPI_Count n = count_at(counts, large, i);
        if (n < 0) {
            free(v);
            return lark_err_raise(c, call, MPI_ERR_COUNT, "%s count for rank %d is negative (%lld)",
                                  what, i, (long long)n);
        }
        /* Bytes of a predefined type as laid out, of a derived one packed
         * (stage_v keeps the blocks at displacement * size). */
        MPI_Aint one = dt->predefined ? dt->extent : (MPI_Aint)dt->size;
        v[i] = (size_t)n * (size_t)one;
        v[c->size + i] = (size_t)(displ_at(displs, large, i) * one);
    }
    *out = v;
    return MPI_SUCCESS;
}

int lark_coll_api_gatherv(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                          const void *rcounts, const void *displs, MPI_Datatype rtype, int root,
                          MPI_Comm comm, const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t sbytes = 0, *v = NULL;
    bool root_here;
    int err = enter_rooted(k, comm, root, sbuf == MPI_IN_PLACE, &c, &root_here);
    if (err != MPI_SUCCESS)
        return err;
    if (sbuf != MPI_IN_PLACE)
        err = check_buf(c, call, "the send", sbuf, scount, stype, &sbytes);
    if (err == MPI_SUCCESS && root_here)
        err = vector_bytes(c, call, "the receive", rcounts, displs, k->large, rtype, &v);
    if (err == MPI_SUCCESS && (err = begin(c, k, &ds, &s)) != MPI_SUCCESS)
        free(v);
    if (err != MPI_SUCCESS)
        return err;
    struct arg a[2] = {{0}};
    bool inplace = sbuf == MPI_IN_PLACE;
    int rc = inplace ? 0 : stage(s, &a[0], sbuf, scount, stype, true, false);
    if (rc == 0 && root_here)
        rc = stage_v(s, &a[1], rbuf, v, c->size, rtype, inplace, true);
    if (rc == 0)
        rc = lark_sched_gatherv(s, inplace ? sbuf : a[0].p, sbytes, a[1].p, v,
                                v ? v + c->size : NULL, root);
    rc = complete(c, k, s, rc, a, 2);
    free(v);
    return rc;
}

int lark_coll_api_scatterv(const void *sbuf, const void *scounts, const void *displs,
                           MPI_Datatype stype, void *rbuf, MPI_Count rcount, MPI_Datatype rtype,
                           int root, MPI_Comm comm, const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t rbytes = 0, *v = NULL;
    bool root_here;
    int err = enter_rooted(k, comm, root, rbuf == MPI_IN_PLACE, &c, &root_here);
    if (err != MPI_SUCCESS)
        return err;
    if (rbuf != MPI_IN_PLACE)
        err = check_buf(c, call, "the receive", rbuf, rcount, rtype, &rbytes);
    if (err == MPI_SUCCESS && root_here)
        err = vector_bytes(c, call, "the send", scounts, displs, k->large, stype, &v);
    if (err == MPI_SUCCESS && (err = begin(c, k, &ds, &s)) != MPI_SUCCESS)
        free(v);
    if (err != MPI_SUCCESS)
        return err;
    struct arg a[2] = {{0}};
    bool inplace = rbuf == MPI_IN_PLACE;
    int rc = root_here ? stage_v(s, &a[0], sbuf, v, c->size, stype, true, false) : 0;
    if (rc == 0 && !inplace)
        rc = stage(s, &a[1], rbuf, rcount, rtype, false, true);
    if (rc == 0)
        rc = lark_sched_scatterv(s, a[0].p, v, v ? v + c->size : NULL, inplace ? rbuf : a[1].p,
                                 rbytes, root);
    rc = complete(c, k, s, rc, a, 2);
    free(v);
    return rc;
}

int lark_coll_api_allgather(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                            MPI_Count rcount, MPI_Datatype rtype, MPI_Comm comm,
                            const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t sbytes = 0, rbytes = 0;
    int err = enter_call(k, comm, &c);
    if (err == MPI_SUCCESS && sbuf != MPI_IN_PLACE)
        err = check_buf(c, call, "the send", sbuf, scount, stype, &sbytes);
    if (err == MPI_SUCCESS)
        err = check_buf(c, call, "the receive", rbuf, rcount, rtype, &rbytes);
    if (err != MPI_SUCCESS)
        return err;
    if (sbuf != MPI_IN_PLACE && sbytes != rbytes)
        return lark_err_raise(c, call, MPI_ERR_TRUNCATE,
                              "each rank sends %zu bytes but receives %zu per rank", sbytes,
                              rbytes);
    if ((err = begin(c, k, &ds, &s)) != MPI_SUCCESS)
        return err;
    struct arg a[2] = {{0}};
    bool inplace = sbuf == MPI_IN_PLACE;
    int rc = stage(s, &a[0], rbuf, rcount * c->size, rtype, inplace, true);
    if (rc == 0 && !inplace)
        rc = stage(s, &a[1], sbuf, scount, stype, true, false);
    if (rc == 0 && !inplace)
        rc = lark_sched_copy(s, a[0].p + (size_t)c->rank * rbytes, a[1].p, rbytes);
    if (rc == 0)
        rc = lark_sched_allgather(s, a[0].p, rbytes);
    return complete(c, k, s, rc, a, 2);
}

int lark_coll_api_allgatherv(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                             const void *rcounts, const void *displs, MPI_Datatype rtype,
                             MPI_Comm comm, const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t sbytes = 0, *v = NULL;
    int err = enter_call(k, comm, &c);
    if (err == MPI_SUCCESS && sbuf != MPI_IN_PLACE)
        err = check_buf(c, call, "the send", sbuf, scount, stype, &sbytes);
    if (err == MPI_SUCCESS)
        err = vector_bytes(c, call, "the receive", rcounts, displs, k->large, rtype, &v);
    if (err != MPI_SUCCESS)
        return err;
    if (sbuf != MPI_IN_PLACE && sbytes != v[c->rank]) {
        size_t want = v[c->rank];
        free(v);
        return lark_err_raise(c, call, MPI_ERR_TRUNCATE,
                              "this rank sends %zu bytes but its receive count says %zu", sbytes,
                              want);
    }
    if ((err = begin(c, k, &ds, &s)) != MPI_SUCCESS) {
        free(v);
        return err;
    }
    struct arg a[2] = {{0}};
    bool inplace = sbuf == MPI_IN_PLACE;
    int rc = stage_v(s, &a[0], rbuf, v, c->size, rtype, inplace, true);
    if (rc == 0 && !inplace)
        rc = stage(s, &a[1], sbuf, scount, stype, true, false);
    if (rc == 0 && !inplace)
        rc = lark_sched_copy(s, a[0].p + v[c->size + c->rank], a[1].p, sbytes);
    if (rc == 0)
        rc = lark_sched_allgatherv(s, a[0].p, v, v + c->size);
    rc = complete(c, k, s, rc, a, 2);
    free(v);
    return rc;
}

/* The alltoall family once counts are bytes: sv (counts, then
 * displacements; NULL for MPI_IN_PLACE: the send layout is the receive
 * layout, sent from a copy of what rbuf holds when the collective starts). */
static int alltoall_bytes(struct lark_sched *s, const void *sbuf, const size_t *sv, void *rbuf,
                          const size_t *rv)
{
    int n = s->comm->size, rc = 0;
    if (sv == NULL) {
        size_t end = 0;
        for (int i = 0; i < n; i++)
            if (rv[n + i] + rv[i] > end)
                end = rv[n + i] + rv[i];
        void *copy = lark_sched_tmp(s, -1, end);
        if (copy == NULL)
            return LARK_ERR_NOMEM;
        rc = lark_sched_copy(s, copy, rbuf, end);
        if (rc == 0)
            rc = lark_sched_alltoallv(s, copy, rv, rv + n, rbuf, rv, rv + n);
        lark_sched_tmp_put(s, -1, copy);
        return rc;
    }
    return lark_sched_alltoallv(s, sbuf, sv, sv + n, rbuf, rv, rv + n);
}

int lark_coll_api_alltoall(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                           MPI_Count rcount, MPI_Datatype rtype, MPI_Comm comm,
                           const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t sbytes = 0, rbytes = 0;
    int err = enter_call(k, comm, &c);
    if (err == MPI_SUCCESS)
        err = check_buf(c, call, "the receive", rbuf, rcount, rtype, &rbytes);
    if (err == MPI_SUCCESS && sbuf != MPI_IN_PLACE)
        err = check_buf(c, call, "the send", sbuf, scount, stype, &sbytes);
    if (err != MPI_SUCCESS)
        return err;
    if (sbuf != MPI_IN_PLACE && sbytes != rbytes)
        return lark_err_raise(c, call, MPI_ERR_TRUNCATE,
                              "each rank sends %zu bytes per peer but receives %zu", sbytes,
                              rbytes);
    int n = c->size;
    size_t *v = malloc(2 * (size_t)n * sizeof *v);
    if (v == NULL)
        return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
    for (int i = 0; i < n; i++) {
        v[i] = rbytes;
        v[n + i] = (size_t)i * rbytes;
    }
    if ((err = begin(c, k, &ds, &s)) != MPI_SUCCESS) {
        free(v);
        return err;
    }
    struct arg a[2] = {{0}};
    bool inplace = sbuf == MPI_IN_PLACE;
    int rc = stage(s, &a[0], rbuf, rcount * n, rtype, inplace, true);
    if (rc == 0 && !inplace)
        rc = stage(s, &a[1], sbuf, scount * n, stype, true, false);
    if (rc == 0)
        rc = alltoall_bytes(s, a[1].p, inplace ? NULL : v, a[0].p, v);
    rc = complete(c, k, s, rc, a, 2);
    free(v);
    return rc;
}

int lark_coll_api_alltoallv(const void *sbuf, const void *scounts, const void *sdispls,
                            MPI_Datatype stype, void *rbuf, const void *rcounts,
                            const void *rdispls, MPI_Datatype rtype, MPI_Comm comm,
                            const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t *sv = NULL, *rv = NULL;
    int err = enter_call(k, comm, &c);
    if (err == MPI_SUCCESS)
        err = vector_bytes(c, call, "the receive", rcounts, rdispls, k->large, rtype, &rv);
    if (err == MPI_SUCCESS && sbuf != MPI_IN_PLACE)
        err = vector_bytes(c, call, "the send", scounts, sdispls, k->large, stype, &sv);
    if (err == MPI_SUCCESS)
        err = begin(c, k, &ds, &s);
    if (err != MPI_SUCCESS) {
        free(rv);
        free(sv);
        return err;
    }
    struct arg a[2] = {{0}};
    bool inplace = sbuf == MPI_IN_PLACE;
    int rc = stage_v(s, &a[0], rbuf, rv, c->size, rtype, inplace, true);
    if (rc == 0 && !inplace)
        rc = stage_v(s, &a[1], sbuf, sv, c->size, stype, true, false);
    if (rc == 0)
        rc = alltoall_bytes(s, a[1].p, sv, a[0].p, rv);
    rc = complete(c, k, s, rc, a, 2);
    free(sv);
    free(rv);
    return rc;
}

/* Alltoallw's per-peer (count, type) pairs as byte counts; displacements
 * are in bytes already.  *out holds counts then displacements (free it). */
static int vector_w_bytes(struct lark_comm *c, const char *call, const char *what,
                          const void *counts, const void *displs, bool large,
                          const MPI_Datatype *types, size_t **out)
{
    if (counts == NULL || displs == NULL || types == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG,
                              "%s counts, displacements or datatypes array is NULL", what);
    size_t *v = malloc(2 * (size_t)c->size * sizeof *v);
    if (v == NULL)
        return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
    for (int i = 0; i < c->size; i++) {
        int err = check_buf(c, call, what, (void *)1, count_at(counts, large, i), types[i], &v[i]);
        if (err == MPI_SUCCESS && displ_at(displs, large, i) < 0)
            err = lark_err_raise(c, call, MPI_ERR_ARG, "%s displacement for rank %d is negative",
                                 what, i);
        if (err != MPI_SUCCESS) {
            free(v);
            return err;
        }
        v[c->size + i] = (size_t)displ_at(displs, large, i);
    }
    *out = v;
    return MPI_SUCCESS;
}

int lark_coll_api_alltoallw(const void *sbuf, const void *scounts, const void *sdispls,
                            const MPI_Datatype stypes[], void *rbuf, const void *rcounts,
                            const void *rdispls, const MPI_Datatype rtypes[], MPI_Comm comm,
                            const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    size_t *sv = NULL, *rv = NULL;
    int err = enter_call(k, comm, &c);
    if (err == MPI_SUCCESS)
        err = vector_w_bytes(c, call, "the receive", rcounts, rdispls, k->large, rtypes, &rv);
    if (err == MPI_SUCCESS && sbuf != MPI_IN_PLACE)
        err = vector_w_bytes(c, call, "the send", scounts, sdispls, k->large, stypes, &sv);
    if (err == MPI_SUCCESS)
        err = begin(c, k, &ds, &s);
    if (err != MPI_SUCCESS) {
        free(rv);
        free(sv);
        return err;
    }
    struct arg a[2] = {{0}};
    const size_t *rp = rv, *sp = sv;
    int rc = stage_w(s, &a[0], rbuf, rv, c->size, rtypes, sbuf == MPI_IN_PLACE, true, &rp);
    if (rc == 0 && sbuf != MPI_IN_PLACE)
        rc = stage_w(s, &a[1], sbuf, sv, c->size, stypes, true, false, &sp);
    if (rc == 0)
        rc = alltoall_bytes(s, a[1].p, sp, a[0].p, rp);
    rc = complete(c, k, s, rc, a, 2);
    free(sv);
    free(rv);
    return rc;
}

int lark_coll_api_reduce_scatter(const void *sbuf, void *rbuf, const void *rcounts, MPI_Count block,
                                 MPI_Datatype type, MPI_Op op, MPI_Comm comm,
                                 const struct lark_coll_call *k)
{
    const char *call = k->name;
    struct lark_comm *c;
    struct lark_sched ds, *s;
    struct lark_reduction red;
    int err = enter_call(k, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    int n = c->size;
    MPI_Count total = 0;
    for (int i = 0; i < n; i++) {
        MPI_Count ci = rcounts ? count_at(rcounts, k->large, i) : block;
        if (ci < 0)
            return lark_err_raise(c, call, MPI_ERR_COUNT, "receive count for rank %d is %lld", i,
                                  (long long)ci);
        total += ci;
    }
    size_t tb, rb;
    MPI_Count mine = rcounts ? count_at(rcounts, k->large, c->rank) : block;
    err = check_buf(c, call, "the send", sbuf == MPI_IN_PLACE ? rbuf : sbuf, total, type, &tb);
    if (err == MPI_SUCCESS)
        err = check_buf(c, call, "the receive", rbuf, mine, type, &rb);
    if (err == MPI_SUCCESS)
        err = make_reduction(c, call, total, type, op, &red);
    if (err != MPI_SUCCESS)
        return err;
    /* Counts in the reduction's elements (a contiguous type is `per` of them). */
    size_t per = total ? red.count / (size_t)total : 1;
    size_t *cnt = malloc((size_t)n * sizeof *cnt);
    if (cnt == NULL)
        return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
    for (int i = 0; i < n; i++)
        cnt[i] = (size_t)(rcounts ? count_at(rcounts, k->large, i) : block) * per;
    if ((err = begin(c, k, &ds, &s)) != MPI_SUCCESS) {
        free(cnt);
        return err;
    }
    /* In place: rbuf holds all `total` inputs and gets our `mine`. */
    struct arg a[2] = {{0}};
    bool inplace = sbuf == MPI_IN_PLACE;
    int rc = stage(s, &a[0], rbuf, inplace ? total : mine, type, inplace, true);
    a[0].count = (size_t)mine;
    if (rc == 0 && !inplace)
        rc = stage(s, &a[1], sbuf, total, type, true, false);
    if (rc == 0 && total > 0)
        rc = lark_sched_reduce_scatter(s, inplace ? a[0].p : a[1].p, a[0].p, cnt, &red);
    free(cnt);
    return complete(c, k, s, rc, a, 2);
}

static int reduce_local(const char *call, const void *inbuf, void *inoutbuf, MPI_Count count,
                        MPI_Datatype type, MPI_Op op)
{
    struct lark_reduction red;
    size_t bytes;
    if (!lark_initialized())
        return lark_err_raise(NULL, call, MPI_ERR_OTHER,
                              "called before MPI_Init or after MPI_Finalize");
    int err = check_buf(NULL, call, "the input", inbuf, count, type, &bytes);
    if (err == MPI_SUCCESS)
        err = check_buf(NULL, call, "the input/output", inoutbuf, count, type, &bytes);
    if (err == MPI_SUCCESS)
        err = make_reduction(NULL, call, count, type, op, &red);
    if (err != MPI_SUCCESS)
        return err;
    struct lark_datatype *dt = lark_datatype_from_handle(type);
    if (count == 0 || dt->size == 0)
        return MPI_SUCCESS;
    if (!needs_staging(dt, (size_t)count) || red.type == type) {
        /* Contiguous, or a user op that takes the type's own layout. */
        MPI_Aint at = dt->predefined ? 0 : dt->true_lb;
        lark_op_apply(op, (const char *)inbuf + at, (char *)inoutbuf + at, red.count, red.type);
        return MPI_SUCCESS;
    }
    /* A predefined op on a non-contiguous type: on the packed elements
     * (two temporaries, freed here). */
    size_t n = dt->size * (size_t)count;
    char *a = malloc(n), *b = malloc(n);
    if (a == NULL || b == NULL) {
        free(a);
        free(b);
        return lark_err_raise(NULL, call, MPI_ERR_NO_MEM, "out of memory");
    }
    lark_datatype_pack(dt, inbuf, (size_t)count, 0, a, n);
    lark_datatype_pack(dt, inoutbuf, (size_t)count, 0, b, n);
    lark_op_apply(op, a, b, red.count, red.type);
    lark_datatype_unpack(dt, inoutbuf, (size_t)count, 0, b, n);
    free(a);
    free(b);
    return MPI_SUCCESS;
}

int PMPI_Reduce_local(const void *inbuf, void *inoutbuf, int count, MPI_Datatype type, MPI_Op op)
{
    return reduce_local("MPI_Reduce_local", inbuf, inoutbuf, count, type, op);
}
LARK_API_ALIAS(Reduce_local)

int PMPI_Reduce_local_c(const void *inbuf, void *inoutbuf, MPI_Count count, MPI_Datatype type,
                        MPI_Op op)
{
    return reduce_local("MPI_Reduce_local_c", inbuf, inoutbuf, count, type, op);
}
LARK_API_ALIAS(Reduce_local_c)

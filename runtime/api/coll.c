/*
 * coll.c (api) -- the PMPI_ entry points of the blocking collectives:
 * argument checks, MPI_IN_PLACE, and the translation of (buffer, count,
 * datatype) into the byte blocks and reductions the algorithms in
 * runtime/coll/ work on.  Errors go through lark_err_raise() with the
 * communicator, so MPI_ERRORS_RETURN set on it is honoured.
 *
 * Data moves as count * extent bytes: exact for the predefined types
 * (including the MINLOC/MAXLOC pairs, holes and all) and for contiguous
 * derived types.  Non-contiguous derived types need the datatype engine
 * and are refused with MPI_ERR_TYPE until it exists.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "coll/coll.h"
#include "comm.h"
#include "datatype.h"
#include "error.h"
#include "op.h"
#include "runtime.h"
#include "type_contig.h"

/* Check one (buffer, count, datatype) argument triple; on success *bytes is
 * the size of the block.  Returns MPI_SUCCESS or the raised error class. */
static int check_buf(struct lark_comm *c, const char *call, const char *what, const void *buf,
                     int count, MPI_Datatype type, size_t *bytes)
{
    if (count < 0)
        return lark_err_raise(c, call, MPI_ERR_COUNT, "%s count %d is negative", what, count);
    struct lark_datatype *dt = lark_datatype_from_handle(type);
    if (dt == NULL)
        return lark_err_raise(c, call, MPI_ERR_TYPE, "%s datatype is not a valid datatype", what);
    if (!dt->committed)
        return lark_err_raise(c, call, MPI_ERR_TYPE,
                              "%s datatype %s is not committed (call MPI_Type_commit first)", what,
                              dt->name ? dt->name : "");
    if (!dt->predefined && !dt->contig)
        return lark_err_raise(c, call, MPI_ERR_TYPE,
                              "%s datatype is not contiguous; Lark's collectives do not support "
                              "non-contiguous datatypes yet",
                              what);
    if (count > 0 && buf == NULL)
        return lark_err_raise(c, call, MPI_ERR_BUFFER, "%s buffer is NULL but count is %d", what,
                              count);
    *bytes = (size_t)count * (size_t)dt->extent;
    return MPI_SUCCESS;
}

/* Common entry checks: MPI is initialised and comm is valid. */
static int enter(const char *call, MPI_Comm comm, struct lark_comm **c)
{
    if (!lark_initialized())
        return lark_err_raise(NULL, call, MPI_ERR_OTHER,
                              "called before MPI_Init or after MPI_Finalize");
    *c = lark_comm_from_handle(comm);
    if (*c == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_COMM, "the communicator is not valid");
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
static int enter_rooted(const char *call, MPI_Comm comm, int root, bool inplace,
                        struct lark_comm **c, bool *is_root)
{
    int err = enter(call, comm, c);
    if (err == MPI_SUCCESS)
        err = check_root(*c, call, root);
    if (err != MPI_SUCCESS)
        return err;
    *is_root = (*c)->rank == root;
    if (inplace && !*is_root)
        return lark_err_raise(*c, call, MPI_ERR_BUFFER, "MPI_IN_PLACE is only valid at the root");
    return MPI_SUCCESS;
}

/* Describe a reduction of count elements of type under op. */
static int make_reduction(struct lark_comm *c, const char *call, int count, MPI_Datatype type,
                          MPI_Op op, struct lark_reduction *red)
{
    struct lark_datatype *dt = lark_datatype_from_handle(type);
    /* Predefined ops work element by element on a predefined type: a
     * contiguous derived type is `per` of its base element. */
    MPI_Datatype elem = type;
    size_t per = 1;
    if (!dt->predefined && lark_op_user(op) == NULL && lark_type_contig_base(dt, &elem, &per) != 0)
        return lark_err_raise(c, call, MPI_ERR_OP,
                              "predefined ops apply to predefined types and contiguous types "
                              "of them only; use a user op (MPI_Op_create) for this datatype");
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
    red->bytes = (size_t)count * (size_t)dt->extent;
    red->commutes = lark_op_commutes(op);
    return MPI_SUCCESS;
}

static int done(struct lark_comm *c, const char *call, int rc)
{
    if (rc == 0)
        return MPI_SUCCESS;
    return lark_err_raise(c, call, rc, "the collective failed");
}

int PMPI_Barrier(MPI_Comm comm)
{
    static const char call[] = "MPI_Barrier";
    struct lark_comm *c;
    int err = enter(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    return done(c, call, lark_coll_barrier(c));
}
LARK_API_ALIAS(Barrier)

int PMPI_Bcast(void *buf, int count, MPI_Datatype type, int root, MPI_Comm comm)
{
    static const char call[] = "MPI_Bcast";
    struct lark_comm *c;
    size_t bytes;
    bool root_here;
    int err = enter_rooted(call, comm, root, false, &c, &root_here);
    if (err == MPI_SUCCESS)
        err = check_buf(c, call, "the", buf, count, type, &bytes);
    if (err != MPI_SUCCESS)
        return err;
    return done(c, call, lark_coll_bcast(buf, bytes, root, c));
}
LARK_API_ALIAS(Bcast)

int PMPI_Reduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op, int root,
                MPI_Comm comm)
{
    static const char call[] = "MPI_Reduce";
    struct lark_comm *c;
    struct lark_reduction red;
    size_t bytes;
    bool root_here;
    int err = enter_rooted(call, comm, root, sbuf == MPI_IN_PLACE, &c, &root_here);
    if (err != MPI_SUCCESS)
        return err;
    err = check_buf(c, call, "the send", sbuf == MPI_IN_PLACE ? rbuf : sbuf, count, type, &bytes);
    if (err == MPI_SUCCESS && root_here)
        err = check_buf(c, call, "the receive", rbuf, count, type, &bytes);
    if (err == MPI_SUCCESS)
        err = make_reduction(c, call, count, type, op, &red);
    if (err != MPI_SUCCESS)
        return err;
    if (count == 0)
        return MPI_SUCCESS;
    return done(c, call, lark_coll_reduce(sbuf == MPI_IN_PLACE ? rbuf : sbuf, rbuf, &red, root, c));
}
LARK_API_ALIAS(Reduce)

int PMPI_Allreduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
                   MPI_Comm comm)
{
    static const char call[] = "MPI_Allreduce";
    struct lark_comm *c;
    struct lark_reduction red;
    size_t bytes;
    int err = enter(call, comm, &c);
    if (err == MPI_SUCCESS && sbuf != MPI_IN_PLACE)
        err = check_buf(c, call, "the send", sbuf, count, type, &bytes);
    if (err == MPI_SUCCESS)
        err = check_buf(c, call, "the receive", rbuf, count, type, &bytes);
    if (err == MPI_SUCCESS)
        err = make_reduction(c, call, count, type, op, &red);
    if (err != MPI_SUCCESS)
        return err;
    if (sbuf != MPI_IN_PLACE && bytes > 0)
        memmove(rbuf, sbuf, bytes);
    return done(c, call, lark_coll_allreduce(rbuf, &red, c));
}
LARK_API_ALIAS(Allreduce)

/* Scan and Exscan share everything but the flag. */
static int scan_common(const char *call, const void *sbuf, void *rbuf, int count, MPI_Datatype type,
                       MPI_Op op, MPI_Comm comm, int exclusive)
{
    struct lark_comm *c;
    struct lark_reduction red;
    size_t bytes;
    int err = enter(call, comm, &c);
    if (err == MPI_SUCCESS && sbuf != MPI_IN_PLACE)
        err = check_buf(c, call, "the send", sbuf, count, type, &bytes);
    /* Exscan: rank 0's rbuf is not significant (unless it holds the input). */
    if (err == MPI_SUCCESS && !(exclusive && c->rank == 0 && sbuf != MPI_IN_PLACE))
        err = check_buf(c, call, "the receive", rbuf, count, type, &bytes);
    if (err == MPI_SUCCESS)
        err = make_reduction(c, call, count, type, op, &red);
    if (err != MPI_SUCCESS)
        return err;
    /* Exscan never writes rank 0's rbuf (the standard leaves it undefined,
     * and a program may pass a buffer that must not be written). */
    const void *in = sbuf == MPI_IN_PLACE ? rbuf : sbuf;
    if (bytes == 0 || (exclusive && c->size == 1))
        return MPI_SUCCESS;
    return done(c, call, lark_coll_scan(in, rbuf, &red, exclusive, c));
}

int PMPI_Scan(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op, MPI_Comm comm)
{
    return scan_common("MPI_Scan", sbuf, rbuf, count, type, op, comm, 0);
}
LARK_API_ALIAS(Scan)

int PMPI_Exscan(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
                MPI_Comm comm)
{
    return scan_common("MPI_Exscan", sbuf, rbuf, count, type, op, comm, 1);
}
LARK_API_ALIAS(Exscan)

int PMPI_Gather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                MPI_Datatype rtype, int root, MPI_Comm comm)
{
    static const char call[] = "MPI_Gather";
    struct lark_comm *c;
    size_t sbytes = 0, rbytes = 0;
    bool root_here;
    int err = enter_rooted(call, comm, root, sbuf == MPI_IN_PLACE, &c, &root_here);
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
    size_t bytes = root_here ? rbytes : sbytes;
    const void *own = sbuf == MPI_IN_PLACE ? (char *)rbuf + (size_t)root * rbytes : sbuf;
    return done(c, call, lark_coll_gather(own, rbuf, bytes, root, c));
}
LARK_API_ALIAS(Gather)

int PMPI_Scatter(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                 MPI_Datatype rtype, int root, MPI_Comm comm)
{
    static const char call[] = "MPI_Scatter";
    struct lark_comm *c;
    size_t sbytes = 0, rbytes = 0;
    bool root_here;
    int err = enter_rooted(call, comm, root, rbuf == MPI_IN_PLACE, &c, &root_here);
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
    size_t bytes = root_here ? sbytes : rbytes;
    return done(c, call, lark_coll_scatter(sbuf, rbuf, bytes, root, c));
}
LARK_API_ALIAS(Scatter)

/* Convert int counts/displacements (in elements of dt) to bytes. */
static int vector_bytes(struct lark_comm *c, const char *call, const char *what, const int *counts,
                        const int *displs, MPI_Datatype type, size_t **out)
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
        if (counts[i] < 0) {
            free(v);
            return lark_err_raise(c, call, MPI_ERR_COUNT, "%s count for rank %d is negative (%d)",
                                  what, i, counts[i]);
        }
        v[i] = (size_t)counts[i] * (size_t)dt->extent;
        v[c->size + i] = (size_t)((MPI_Aint)displs[i] * dt->extent);
    }
    *out = v;
    return MPI_SUCCESS;
}

int PMPI_Gatherv(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, const int rcounts[],
                 const int displs[], MPI_Datatype rtype, int root, MPI_Comm comm)
{
    static const char call[] = "MPI_Gatherv";
    struct lark_comm *c;
    size_t sbytes = 0, *v = NULL;
    bool root_here;
    int err = enter_rooted(call, comm, root, sbuf == MPI_IN_PLACE, &c, &root_here);
    if (err != MPI_SUCCESS)
        return err;
    if (sbuf != MPI_IN_PLACE)
        err = check_buf(c, call, "the send", sbuf, scount, stype, &sbytes);
    if (err == MPI_SUCCESS && root_here)
        err = vector_bytes(c, call, "the receive", rcounts, displs, rtype, &v);
    if (err != MPI_SUCCESS)
        return err;
    int rc = lark_coll_gatherv(sbuf, sbytes, rbuf, v, v ? v + c->size : NULL, root, c);
    free(v);
    return done(c, call, rc);
}
LARK_API_ALIAS(Gatherv)

int PMPI_Scatterv(const void *sbuf, const int scounts[], const int displs[], MPI_Datatype stype,
                  void *rbuf, int rcount, MPI_Datatype rtype, int root, MPI_Comm comm)
{
    static const char call[] = "MPI_Scatterv";
    struct lark_comm *c;
    size_t rbytes = 0, *v = NULL;
    bool root_here;
    int err = enter_rooted(call, comm, root, rbuf == MPI_IN_PLACE, &c, &root_here);
    if (err != MPI_SUCCESS)
        return err;
    if (rbuf != MPI_IN_PLACE)
        err = check_buf(c, call, "the receive", rbuf, rcount, rtype, &rbytes);
    if (err == MPI_SUCCESS && root_here)
        err = vector_bytes(c, call, "the send", scounts, displs, stype, &v);
    if (err != MPI_SUCCESS)
        return err;
    int rc = lark_coll_scatterv(sbuf, v, v ? v + c->size : NULL, rbuf, rbytes, root, c);
    free(v);
    return done(c, call, rc);
}
LARK_API_ALIAS(Scatterv)

int PMPI_Allgather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                   MPI_Datatype rtype, MPI_Comm comm)
{
    static const char call[] = "MPI_Allgather";
    struct lark_comm *c;
    size_t sbytes = 0, rbytes = 0;
    int err = enter(call, comm, &c);
    if (err == MPI_SUCCESS && sbuf != MPI_IN_PLACE)
        err = check_buf(c, call, "the send", sbuf, scount, stype, &sbytes);
    if (err == MPI_SUCCESS)
        err = check_buf(c, call, "the receive", rbuf, rcount, rtype, &rbytes);
    if (err != MPI_SUCCESS)
        return err;
    if (sbuf != MPI_IN_PLACE) {
        if (sbytes != rbytes)
            return lark_err_raise(c, call, MPI_ERR_TRUNCATE,
                                  "each rank sends %zu bytes but receives %zu per rank", sbytes,
                                  rbytes);
        memmove((char *)rbuf + (size_t)c->rank * rbytes, sbuf, rbytes);
    }
    return done(c, call, lark_coll_allgather(rbuf, rbytes, c));
}
LARK_API_ALIAS(Allgather)

int PMPI_Allgatherv(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                    const int rcounts[], const int displs[], MPI_Datatype rtype, MPI_Comm comm)
{
    static const char call[] = "MPI_Allgatherv";
    struct lark_comm *c;
    size_t sbytes = 0, *v = NULL;
    int err = enter(call, comm, &c);
    if (err == MPI_SUCCESS && sbuf != MPI_IN_PLACE)
        err = check_buf(c, call, "the send", sbuf, scount, stype, &sbytes);
    if (err == MPI_SUCCESS)
        err = vector_bytes(c, call, "the receive", rcounts, displs, rtype, &v);
    if (err != MPI_SUCCESS)
        return err;
    if (sbuf != MPI_IN_PLACE) {
        if (sbytes != v[c->rank]) {
            size_t want = v[c->rank];
            free(v);
            return lark_err_raise(c, call, MPI_ERR_TRUNCATE,
                                  "this rank sends %zu bytes but its receive count says %zu",
                                  sbytes, want);
        }
        memmove((char *)rbuf + v[c->size + c->rank], sbuf, sbytes);
    }
    int rc = lark_coll_allgatherv(rbuf, v, v + c->size, c);
    free(v);
    return done(c, call, rc);
}
LARK_API_ALIAS(Allgatherv)

int PMPI_Alltoall(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                  MPI_Datatype rtype, MPI_Comm comm)
{
    static const char call[] = "MPI_Alltoall";
    struct lark_comm *c;
    size_t sbytes = 0, rbytes = 0;
    int err = enter(call, comm, &c);
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
    void *copy = NULL;
    if (v == NULL)
        return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
    for (int i = 0; i < n; i++) {
        v[i] = rbytes;
        v[n + i] = (size_t)i * rbytes;
    }
    if (sbuf == MPI_IN_PLACE) {
        /* In place: send from a copy of what the receive buffer holds now. */
        copy = lark_coll_alloc((size_t)n * rbytes);
        if (copy == NULL) {
            free(v);
            return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
        }
        memcpy(copy, rbuf, (size_t)n * rbytes);
        sbuf = copy;
    }
    int rc = lark_coll_alltoallv(sbuf, v, v + n, rbuf, v, v + n, c);
    free(copy);
    free(v);
    return done(c, call, rc);
}
LARK_API_ALIAS(Alltoall)

int PMPI_Alltoallv(const void *sbuf, const int scounts[], const int sdispls[], MPI_Datatype stype,
                   void *rbuf, const int rcounts[], const int rdispls[], MPI_Datatype rtype,
                   MPI_Comm comm)
{
    static const char call[] = "MPI_Alltoallv";
    struct lark_comm *c;
    size_t *sv = NULL, *rv = NULL;
    void *copy = NULL;
    int err = enter(call, comm, &c);
    if (err == MPI_SUCCESS)
        err = vector_bytes(c, call, "the receive", rcounts, rdispls, rtype, &rv);
    if (err == MPI_SUCCESS && sbuf != MPI_IN_PLACE)
        err = vector_bytes(c, call, "the send", scounts, sdispls, stype, &sv);
    if (err != MPI_SUCCESS) {
        free(rv);
        return err;
    }
    int n = c->size;
    if (sbuf == MPI_IN_PLACE) {
        /* In place: the send layout is the receive layout, from a copy. */
        size_t end = 0;
        for (int i = 0; i < n; i++)
            if (rv[n + i] + rv[i] > end)
                end = rv[n + i] + rv[i];
        copy = lark_coll_alloc(end);
        if (copy == NULL) {
            free(rv);
            return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
        }
        memcpy(copy, rbuf, end);
        sbuf = copy;
    }
    int rc = lark_coll_alltoallv(sbuf, sv ? sv : rv, sv ? sv + n : rv + n, rbuf, rv, rv + n, c);
    free(copy);
    free(sv);
    free(rv);
    return done(c, call, rc);
}
LARK_API_ALIAS(Alltoallv)

/* Alltoallw's per-peer (count, type) pairs as byte counts; displacements
 * are in bytes already.  *out holds counts then displacements (free it). */
static int vector_w_bytes(struct lark_comm *c, const char *call, const char *what,
                          const int *counts, const int *displs, const MPI_Datatype *types,
                          size_t **out)
{
    if (counts == NULL || displs == NULL || types == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG,
                              "%s counts, displacements or datatypes array is NULL", what);
    size_t *v = malloc(2 * (size_t)c->size * sizeof *v);
    if (v == NULL)
        return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
    for (int i = 0; i < c->size; i++) {
        int err = check_buf(c, call, what, (void *)1, counts[i], types[i], &v[i]);
        if (err == MPI_SUCCESS && displs[i] < 0)
            err = lark_err_raise(c, call, MPI_ERR_ARG, "%s displacement for rank %d is negative",
                                 what, i);
        if (err != MPI_SUCCESS) {
            free(v);
            return err;
        }
        v[c->size + i] = (size_t)displs[i];
    }
    *out = v;
    return MPI_SUCCESS;
}

int PMPI_Alltoallw(const void *sbuf, const int scounts[], const int sdispls[],
                   const MPI_Datatype stypes[], void *rbuf, const int rcounts[],
                   const int rdispls[], const MPI_Datatype rtypes[], MPI_Comm comm)
{
    static const char call[] = "MPI_Alltoallw";
    struct lark_comm *c;
    size_t *sv = NULL, *rv = NULL;
    void *copy = NULL;
    int err = enter(call, comm, &c);
    if (err == MPI_SUCCESS)
        err = vector_w_bytes(c, call, "the receive", rcounts, rdispls, rtypes, &rv);
    if (err == MPI_SUCCESS && sbuf != MPI_IN_PLACE)
        err = vector_w_bytes(c, call, "the send", scounts, sdispls, stypes, &sv);
    if (err != MPI_SUCCESS) {
        free(rv);
        return err;
    }
    int n = c->size;
    if (sbuf == MPI_IN_PLACE) {
        size_t end = 0;
        for (int i = 0; i < n; i++)
            if (rv[n + i] + rv[i] > end)
                end = rv[n + i] + rv[i];
        copy = lark_coll_alloc(end);
        if (copy == NULL) {
            free(rv);
            return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
        }
        memcpy(copy, rbuf, end);
        sbuf = copy;
    }
    int rc = lark_coll_alltoallv(sbuf, sv ? sv : rv, sv ? sv + n : rv + n, rbuf, rv, rv + n, c);
    free(copy);
    free(sv);
    free(rv);
    return done(c, call, rc);
}
LARK_API_ALIAS(Alltoallw)

/* Reduce_scatter and Reduce_scatter_block share everything but how the
 * counts are given (rcounts, or `block` for everyone). */
static int reduce_scatter_common(const char *call, const void *sbuf, void *rbuf, const int *rcounts,
                                 int block, MPI_Datatype type, MPI_Op op, MPI_Comm comm)
{
    struct lark_comm *c;
    struct lark_reduction red;
    int err = enter(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    int n = c->size;
    long long total = 0;
    for (int i = 0; i < n; i++) {
        int ci = rcounts ? rcounts[i] : block;
        if (ci < 0)
            return lark_err_raise(c, call, MPI_ERR_COUNT, "receive count for rank %d is %d", i, ci);
        total += ci;
    }
    if (total > INT_MAX)
        return lark_err_raise(c, call, MPI_ERR_COUNT, "total count %lld exceeds INT_MAX", total);
    size_t tb, rb;
    int mine = rcounts ? rcounts[c->rank] : block;
    err = check_buf(c, call, "the send", sbuf == MPI_IN_PLACE ? rbuf : sbuf, (int)total, type, &tb);
    if (err == MPI_SUCCESS)
        err = check_buf(c, call, "the receive", rbuf, mine, type, &rb);
    if (err == MPI_SUCCESS)
        err = make_reduction(c, call, (int)total, type, op, &red);
    if (err != MPI_SUCCESS)
        return err;
    if (total == 0)
        return MPI_SUCCESS;
    /* Counts in the reduction's elements (a contiguous type is `per` of them). */
    size_t per = red.count / (size_t)total;
    size_t *cnt = malloc((size_t)n * sizeof *cnt);
    if (cnt == NULL)
        return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
    for (int i = 0; i < n; i++)
        cnt[i] = (size_t)(rcounts ? rcounts[i] : block) * per;
    int rc = lark_coll_reduce_scatter(sbuf == MPI_IN_PLACE ? rbuf : sbuf, rbuf, cnt, &red, c);
    free(cnt);
    return done(c, call, rc);
}

int PMPI_Reduce_scatter_block(const void *sbuf, void *rbuf, int rcount, MPI_Datatype type,
                              MPI_Op op, MPI_Comm comm)
{
    return reduce_scatter_common("MPI_Reduce_scatter_block", sbuf, rbuf, NULL, rcount, type, op,
                                 comm);
}
LARK_API_ALIAS(Reduce_scatter_block)

int PMPI_Reduce_scatter(const void *sbuf, void *rbuf, const int rcounts[], MPI_Datatype type,
                        MPI_Op op, MPI_Comm comm)
{
    if (rcounts == NULL) {
        struct lark_comm *c = lark_comm_from_handle(comm);
        return lark_err_raise(c, "MPI_Reduce_scatter", MPI_ERR_ARG, "recvcounts is NULL");
    }
    return reduce_scatter_common("MPI_Reduce_scatter", sbuf, rbuf, rcounts, 0, type, op, comm);
}
LARK_API_ALIAS(Reduce_scatter)

int PMPI_Reduce_local(const void *inbuf, void *inoutbuf, int count, MPI_Datatype type, MPI_Op op)
{
    static const char call[] = "MPI_Reduce_local";
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
    if (count > 0)
        lark_op_apply(op, inbuf, inoutbuf, red.count, red.type);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Reduce_local)

/*
 * ops.c -- the origin side of Put, Get, Accumulate, Get_accumulate,
 * Fetch_and_op and Compare_and_swap.
 *
 * The target datatype is walked as runs of predefined elements (dtype.c);
 * the origin buffer is read and written as a packed stream through
 * lark_datatype_pack/unpack, position by position, so the two sides may
 * have different layouts with the same type signature.  Each run goes
 * either straight into the target's memory (it is mapped here: memcpy, or
 * acc.c's atomics), or into active-message frames of at most
 * lark_rma_am_max bytes (am.c), split on element boundaries.
 *
 * Completion: a put or accumulate is locally complete when this returns
 * (the frame or a copy of it holds the bytes); a get-like operation when
 * every answer has arrived (struct lark_rma_op counts the bytes; it holds
 * one of the target's `pending` until then).  Runtime lock held.
 */
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "copy.h"
#include "datatype.h"
#include "request.h"
#include "win.h"

struct walk {
    struct lark_win *win;
    int target;
    /* the origin stream (data to send) */
    const void *obuf;
    size_t ocount;
    struct lark_datatype *odt;
    /* the result stream (get-like) */
    void *rbuf;
    size_t rcount;
    struct lark_datatype *rdt;
    uint64_t off; /* target byte offset of the datatype's origin */
    size_t pos;   /* packed position reached in the streams */
    MPI_Op op;
    int opcode;
    struct lark_rma_op *rec; /* get-like over active messages */
};

/* Bytes [pos, pos+len) of the origin stream: a pointer into the user's
 * buffer when it is contiguous, else packed into *tmp (caller frees). */
static const char *origin_bytes(struct walk *k, size_t pos, size_t len, char **tmp)
{
    if (k->odt->contig)
        return (const char *)k->obuf + k->odt->true_lb + pos;
    *tmp = malloc(len ? len : 1);
    if (*tmp == NULL)
        return NULL;
    lark_datatype_pack(k->odt, k->obuf, k->ocount, pos, *tmp, len);
    return *tmp;
}

/* ---- direct: the target's memory is mapped here ---- */

static char *direct_addr(struct walk *k, const struct lark_rma_run *run, size_t span)
{
    struct lark_win_target *t = &k->win->t[k->target];
    if (k->win->flavor == MPI_WIN_FLAVOR_DYNAMIC)
        return lark_win_local_addr(k->win, k->off + (uint64_t)run->off, span);
    return t->direct + k->off + run->off;
}

static int direct_run(const struct lark_rma_run *run, void *arg)
{
    struct walk *k = arg;
    struct lark_datatype *dt = lark_datatype_from_handle(run->type);
    size_t memb = run->count * (size_t)dt->extent;
    char *dst = direct_addr(k, run, memb);
    if (dst == NULL)
        return MPI_ERR_RMA_RANGE;
    char *tmp = NULL, *tmp2 = NULL, *fetch = NULL;
    int rc = 0;
    switch (k->opcode) {
    case LARK_AM_PUT:
        if (dt->contig) {
            lark_datatype_pack(k->odt, k->obuf, k->ocount, k->pos, dst, run->bytes);
        } else {
            const char *src = origin_bytes(k, k->pos, run->bytes, &tmp);
            if (src == NULL)
                return LARK_ERR_NOMEM;
            lark_datatype_unpack(dt, dst, run->count, 0, src, run->bytes);
        }
        break;
    case LARK_AM_GET:
        if (dt->contig) {
            lark_datatype_unpack(k->rdt, k->rbuf, k->rcount, k->pos, dst, run->bytes);
        } else {
            if ((tmp = malloc(run->bytes)) == NULL)
                return LARK_ERR_NOMEM;
            lark_datatype_pack(dt, dst, run->count, 0, tmp, run->bytes);
            lark_datatype_unpack(k->rdt, k->rbuf, k->rcount, k->pos, tmp, run->bytes);
        }
        break;
    default: { /* ACC, GACC */
        const char *operand = NULL;
        if (k->op != MPI_NO_OP) {
            operand = origin_bytes(k, k->pos, run->bytes, &tmp);
            if (operand == NULL)
                return LARK_ERR_NOMEM;
            if (!dt->contig) {
                if ((tmp2 = malloc(memb)) == NULL) {
                    rc = LARK_ERR_NOMEM;
                    break;
                }
                lark_datatype_unpack(dt, tmp2, run->count, 0, operand, run->bytes);
                operand = tmp2;
            }
        }
        if (k->opcode == LARK_AM_GACC && (fetch = malloc(memb ? memb : 1)) == NULL) {
            rc = LARK_ERR_NOMEM;
            break;
        }
        lark_rma_acc(k->win->t[k->target].sync, dst, operand, fetch, run->count, run->type, k->op);
        if (fetch != NULL) {
            if (dt->contig) {
                lark_datatype_unpack(k->rdt, k->rbuf, k->rcount, k->pos, fetch, run->bytes);
            } else {
                char *packed = malloc(run->bytes);
                if (packed == NULL) {
                    rc = LARK_ERR_NOMEM;
                    break;
                }
                lark_datatype_pack(dt, fetch, run->count, 0, packed, run->bytes);
                lark_datatype_unpack(k->rdt, k->rbuf, k->rcount, k->pos, packed, run->bytes);
                free(packed);
            }
        }
        break;
    }
    }
    free(tmp);
    free(tmp2);
    free(fetch);
    k->pos += run->bytes;
    return rc;
}

/* ---- through active messages ---- */

static int am_run(const struct lark_rma_run *run, void *arg)
{
    struct walk *k = arg;
    struct lark_datatype *dt = lark_datatype_from_handle(run->type);
    size_t max = lark_rma_am_max(k->win, k->target);
    size_t per = dt->size > 0 && max / dt->size > 0 ? max / dt->size : 1;
    if (per > UINT32_MAX)
        per = UINT32_MAX;
    bool sends_data = k->opcode == LARK_AM_PUT || (k->opcode != LARK_AM_GET && k->op != MPI_NO_OP);
    for (size_t done = 0; done < run->count;) {
        size_t n = run->count - done < per ? run->count - done : per;
        size_t bytes = n * dt->size;
        uint64_t toff = k->off + (uint64_t)run->off + (uint64_t)done * (uint64_t)dt->extent;
        char *tmp = NULL;
        const char *payload = NULL;
        if (sends_data && (payload = origin_bytes(k, k->pos, bytes, &tmp)) == NULL)
            return LARK_ERR_NOMEM;
        int rc =
            lark_rma_am_send(k->win, k->target, k->opcode, run->type, n, toff, k->op,
                             (uint64_t)(uintptr_t)k->rec, k->pos, payload, sends_data ? bytes : 0);
        free(tmp);
        if (rc != 0)
            return rc;
        k->pos += bytes;
        done += n;
    }
    return 0;
}

/* Run the walk over the target type, directly or by active messages. */
static int walk(struct walk *k, size_t tcount, struct lark_datatype *tdt, struct lark_request *req)
{
    struct lark_win_target *t = &k->win->t[k->target];
    if (t->local)
        return lark_rma_runs(tdt, tcount, direct_run, k);
    bool answered = k->opcode == LARK_AM_GET || k->opcode == LARK_AM_GACC;
    if (answered) {
        /* Freed by am.c when the last answer is in. */
        k->rec = calloc(1, sizeof *k->rec);
        if (k->rec == NULL)
            return LARK_ERR_NOMEM;
        *k->rec = (struct lark_rma_op){k->win,    k->target, k->rbuf,
                                       k->rcount, k->rdt,    lark_datatype_packed_size(tdt, tcount),
                                       req};
        if (k->rec->remaining == 0) {
            free(k->rec);
            k->rec = NULL;
            return 0;
        }
    }
    int rc = lark_rma_runs(tdt, tcount, am_run, k);
    if (answered) {
        if (rc == 0)
            t->pending++;
        else
            free(k->rec); /* nothing was sent, or the job is failing anyway */
    } else {
        t->dirty = true;
    }
    return rc;
}

/* Is [disp*unit + span) inside the target's window? */
static int range_check(struct lark_win *win, int target, MPI_Aint disp, size_t count,
                       struct lark_datatype *dt, uint64_t *off)
{
    struct lark_win_target *t = &win->t[target];
    if (win->flavor == MPI_WIN_FLAVOR_DYNAMIC) {
        *off = (uint64_t)disp;
        return 0;
    }
    if (disp < 0)
        return MPI_ERR_DISP;
    MPI_Aint lo, hi;
    lark_rma_span(dt, count, &lo, &hi);
    MPI_Aint start = disp * (MPI_Aint)t->disp_unit;
    if (count > 0 && (start + lo < 0 || start + hi > t->size))
        return MPI_ERR_RMA_RANGE;
    *off = (uint64_t)start;
    return 0;
}

static int check_types(size_t ocount, struct lark_datatype *odt, size_t tcount,
                       struct lark_datatype *tdt)
{
    if (lark_datatype_packed_size(odt, ocount) != lark_datatype_packed_size(tdt, tcount))
        return MPI_ERR_TYPE; /* the type signatures cannot match */
    return 0;
}

static void complete_now(struct lark_request *req)
{
    if (req != NULL)
        lark_request_complete(req);
}

char *lark_rma_direct_addr(struct lark_win *win, int target, MPI_Aint tdisp, size_t ocount,
                           const struct lark_datatype *odt, size_t tcount,
                           const struct lark_datatype *tdt)
{
    struct lark_win_target *t = &win->t[target];
    if (!t->local || !odt->contig || !tdt->contig || !tdt->predefined ||
        win->flavor == MPI_WIN_FLAVOR_DYNAMIC || tdisp < 0 || tdt->lb != 0 || t->disp_unit <= 0 ||
        tdisp > t->size / t->disp_unit || (tdt->size > 0 && tcount > (size_t)t->size / tdt->size))
        return NULL; /* (the last two also keep the products below from overflowing) */
    size_t bytes = tdt->size * tcount;
    MPI_Aint start = tdisp * (MPI_Aint)t->disp_unit;
    if (odt->size * ocount != bytes || (MPI_Aint)bytes > t->size - start)
        return NULL;
    return t->direct + start;
}

int lark_rma_put(struct lark_win *win, const void *obuf, size_t ocount, struct lark_datatype *odt,
                 int target, MPI_Aint tdisp, size_t tcount, struct lark_datatype *tdt,
                 struct lark_request *req)
{
    char *dst = lark_rma_direct_addr(win, target, tdisp, ocount, odt, tcount, tdt);
    if (LARK_LIKELY(dst != NULL)) {
        lark_copy(dst, (const char *)obuf + odt->true_lb, odt->size * ocount);
        complete_now(req);
        return 0;
    }
    struct walk k = {.win = win,
                     .target = target,
                     .obuf = obuf,
                     .ocount = ocount,
                     .odt = odt,
                     .opcode = LARK_AM_PUT,
                     .op = MPI_REPLACE};
    int rc = check_types(ocount, odt, tcount, tdt);
    if (rc == 0)
        rc = range_check(win, target, tdisp, tcount, tdt, &k.off);
    if (rc == 0)
        rc = walk(&k, tcount, tdt, NULL);
    if (rc == 0)
        complete_now(req);
    return rc;
}

int lark_rma_get(struct lark_win *win, void *obuf, size_t ocount, struct lark_datatype *odt,
                 int target, MPI_Aint tdisp, size_t tcount, struct lark_datatype *tdt,
                 struct lark_request *req)
{
    char *src = lark_rma_direct_addr(win, target, tdisp, ocount, odt, tcount, tdt);
    if (LARK_LIKELY(src != NULL)) {
        lark_copy((char *)obuf + odt->true_lb, src, odt->size * ocount);
        complete_now(req);
        return 0;
    }
    struct walk k = {.win = win,
                     .target = target,
                     .rbuf = obuf,
                     .rcount = ocount,
                     .rdt = odt,
                     .opcode = LARK_AM_GET,
                     .op = MPI_NO_OP};
    int rc = check_types(ocount, odt, tcount, tdt);
    if (rc == 0)
        rc = range_check(win, target, tdisp, tcount, tdt, &k.off);
    if (rc == 0)
        rc = walk(&k, tcount, tdt, req);
    if (rc == 0 && (win->t[target].local || k.rec == NULL))
        complete_now(req);
    return rc;
}

struct opcheck {
    MPI_Op op;
};

static int check_run_op(const struct lark_rma_run *run, void *arg)
{
    return lark_rma_op_check(((struct opcheck *)arg)->op, run->type);
}

int lark_rma_accumulate(struct lark_win *win, const void *obuf, size_t ocount,
                        struct lark_datatype *odt, void *rbuf, size_t rcount,
                        struct lark_datatype *rdt, int target, MPI_Aint tdisp, size_t tcount,
                        struct lark_datatype *tdt, MPI_Op op, bool fetch, struct lark_request *req)
{
    struct walk k = {.win = win,
                     .target = target,
                     .obuf = obuf,
                     .ocount = ocount,
                     .odt = odt,
                     .rbuf = rbuf,
                     .rcount = rcount,
                     .rdt = rdt,
                     .op = op,
                     .opcode = fetch ? LARK_AM_GACC : LARK_AM_ACC};
    struct opcheck oc = {op};
    int rc = 0;
    /* Accumulate is element-wise: the target type must be made of one
     * predefined type (MPI 4.1, 12.3.4); bytes of a mixed struct are not. */
    if (!tdt->predefined && (tdt->elem == NULL || !tdt->elem->contig))
        rc = MPI_ERR_TYPE;
    if (rc == 0)
        rc = lark_rma_runs(tdt, tcount, check_run_op, &oc);
    if (rc == LARK_ERR_UNSUPPORTED)
        rc = MPI_ERR_TYPE;
    if (rc == 0 && op != MPI_NO_OP)
        rc = check_types(ocount, odt, tcount, tdt);
    if (rc == 0 && fetch)
        rc = check_types(rcount, rdt, tcount, tdt);
    if (rc == 0)
        rc = range_check(win, target, tdisp, tcount, tdt, &k.off);
    if (rc == 0)
        rc = walk(&k, tcount, tdt, fetch ? req : NULL);
    if (rc == 0 && (!fetch || win->t[target].local || k.rec == NULL))
        complete_now(req);
    return rc;
}

int lark_rma_compare_and_swap(struct lark_win *win, const void *obuf, const void *cbuf, void *rbuf,
                              struct lark_datatype *dt, int target, MPI_Aint tdisp)
{
    uint64_t off;
    int rc = range_check(win, target, tdisp, 1, dt, &off);
    if (rc != 0)
        return rc;
    struct lark_win_target *t = &win->t[target];
    if (t->local) {
        struct lark_rma_run run = {0, 1, dt->handle, dt->size};
        struct walk k = {.win = win, .target = target, .off = off};
        char *dst = direct_addr(&k, &run, dt->size);
        if (dst == NULL)
            return MPI_ERR_RMA_RANGE;
        lark_rma_cas(t->sync, dst, obuf, cbuf, rbuf, dt->handle);
        return 0;
    }
    char payload[128];
    if (2 * dt->size > sizeof payload)
        return MPI_ERR_TYPE;
    memcpy(payload, obuf, dt->size);
    memcpy(payload + dt->size, cbuf, dt->size);
    /* Freed by am.c when the answer is in. */
    struct lark_rma_op *rec = malloc(sizeof *rec);
    if (rec == NULL)
        return LARK_ERR_NOMEM;
    *rec = (struct lark_rma_op){win, target, rbuf, 1, dt, dt->size, NULL};
    rc = lark_rma_am_send(win, target, LARK_AM_CAS, dt->handle, 1, off, MPI_NO_OP,
                          (uint64_t)(uintptr_t)rec, 0, payload, 2 * dt->size);
    if (rc != 0) {
        free(rec);
        return rc;
    }
    t->pending++;
    return 0;
}

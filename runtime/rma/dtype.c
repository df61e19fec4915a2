/*
 * dtype.c -- how RMA sees a target datatype: a sequence of runs, each a
 * count of one predefined type at a byte offset.  The target of an active
 * message only ever handles (offset, predefined type, count), so it needs
 * no copy of the origin's derived datatypes; an origin with the memory
 * mapped walks the same runs.  The origin-side buffers go through
 * lark_datatype_pack/unpack (any layout the datatype engine knows).
 *
 * This is the one place RMA looks inside a datatype: when the general
 * datatype engine lands, its type-map cursor replaces the cases below.
 */
#include "lark.h"
#include "datatype.h"
#include "win.h"

int lark_rma_runs(const struct lark_datatype *dt, size_t count,
                  int (*fn)(const struct lark_rma_run *run, void *arg), void *arg)
{
    struct lark_rma_run r;
    if (count == 0 || dt->size == 0)
        return 0;
    if (dt->predefined && dt->contig) {
        r = (struct lark_rma_run){dt->lb, count, dt->handle, dt->size * count};
        return fn(&r, arg);
    }
    if (dt->predefined) {
        /* A pair type with a hole: one element per run keeps the hole
         * untouched at the target. */
        for (size_t i = 0; i < count; i++) {
            r = (struct lark_rma_run){dt->lb + (MPI_Aint)i * dt->extent, 1, dt->handle, dt->size};
            int rc = fn(&r, arg);
            if (rc != 0)
                return rc;
        }
        return 0;
    }
    /* A contiguous derived type made of one contiguous predefined type. */
    const struct lark_datatype *b = dt->elem;
    if (dt->contig && b != NULL && b->contig) {
        size_t per = dt->size / b->size;
        r = (struct lark_rma_run){dt->true_lb, count * per, b->handle, dt->size * count};
        return fn(&r, arg);
    }
    return LARK_ERR_UNSUPPORTED;
}

int lark_rma_span(const struct lark_datatype *dt, size_t count, MPI_Aint *lo, MPI_Aint *hi)
{
    *lo = dt->lb;
    *hi = dt->lb;
    if (count == 0)
        return 0;
    MPI_Aint last = dt->contig ? dt->extent : (MPI_Aint)(dt->second_off + dt->second_size);
    if (dt->size > 0 && (size_t)dt->extent < dt->size)
        last = (MPI_Aint)dt->size;
    *hi = dt->lb + (MPI_Aint)(count - 1) * dt->extent + last;
    return 0;
}

/*
 * dtype.c -- how RMA sees a target datatype: a sequence of runs, each a
 * count of one predefined type at a byte offset.  The target of an active
 * message only ever handles (offset, predefined type, count), so it needs
 * no copy of the origin's derived datatypes; an origin with the memory
 * mapped walks the same runs.  The origin-side buffers go through
 * lark_datatype_pack/unpack (any layout the datatype engine knows).
 *
 * This is the one place RMA looks inside a datatype: predefined types
 * here, derived ones through the datatype engine's cursor.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

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
    /* A derived type: its blocks, found by the datatype engine's cursor
     * (lark_datatype_iov) relative to a stand-in base address far from 0
     * and from the top of the address space, so that no offset wraps.
     * Each block is a run of the one contiguous predefined type the type
     * is made of, or, for a type of mixed or pair elements, a run of
     * bytes (put and get move bytes; accumulate refuses such types). */
    const struct lark_datatype *e = dt->elem;
    bool typed = e != NULL && e->contig && e->size > 0;
    char *base = (char *)((uintptr_t)1 << 62);
    size_t total = dt->size * count, pos = 0;
    while (pos < total) {
        struct iovec iov[64];
        int n = 64;
        size_t got = lark_datatype_iov(dt, base, count, pos, total - pos, iov, &n);
        if (got == 0)
            return LARK_ERR_UNSUPPORTED; /* cannot happen: the type has bytes left */
        for (int i = 0; i < n; i++) {
            size_t len = iov[i].iov_len;
            if (typed && len % e->size != 0)
                return LARK_ERR_UNSUPPORTED;
            r = (struct lark_rma_run){(MPI_Aint)((char *)iov[i].iov_base - base),
                                      typed ? len / e->size : len, typed ? e->handle : MPI_BYTE,
                                      len};
            int rc = fn(&r, arg);
            if (rc != 0)
                return rc;
        }
        pos += got;
    }
    return 0;
}

int lark_rma_span(const struct lark_datatype *dt, size_t count, MPI_Aint *lo, MPI_Aint *hi)
{
    *lo = dt->lb;
    *hi = dt->lb;
    if (count == 0)
        return 0;
    if (!dt->predefined) {
        /* The bytes a derived type touches: its true bounds, moved by the
         * extent (which may be negative) for the last element. */
        MPI_Aint shift = (MPI_Aint)(count - 1) * dt->extent;
        *lo = dt->true_lb + (shift < 0 ? shift : 0);
        *hi = dt->true_ub + (shift > 0 ? shift : 0);
        return 0;
    }
    MPI_Aint last = dt->contig ? dt->extent : (MPI_Aint)(dt->second_off + dt->second_size);
    if (dt->size > 0 && (size_t)dt->extent < dt->size)
        last = (MPI_Aint)dt->size;
    *hi = dt->lb + (MPI_Aint)(count - 1) * dt->extent + last;
    return 0;
}

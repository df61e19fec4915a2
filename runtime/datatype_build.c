/*
 * datatype_build.c -- making derived datatypes: bounds, size, the flattened
 * layout and the signature, computed once when a type is made.
 *
 * Every constructor reduces to "place copies of a child type": `place`
 * puts n1 x n2 copies of a child at disp + i*s1 + j*s2 (j outer).  A child
 * that is one run gets the two loops added to its run as dimensions (folded
 * away when they continue it contiguously), so vectors of vectors stay one
 * run up to LARK_DT_MAXD levels; deeper nests and multi-run children are
 * expanded copy by copy, in type-map order.  Subarrays and darrays are
 * built from vectors and index lists of the dimensions, inner to outer,
 * each level resized to span its whole dimension.
 *
 * Called from the API layer (runtime/api/type.c) with arguments already
 * checked; no lock is needed (a type is private until returned).
 */
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "datatype.h"

#define MAX_RUNS ((size_t)1 << 26) /* a type flattening past this is refused */

struct builder {
    struct lark_dt_run *runs;
    size_t nruns, cap;
    struct lark_dt_sig *sig;
    int nsig, sigcap;
    bool any, tany; /* bounds seen (any element), true bounds seen (any data) */
    MPI_Aint lb, ub, tlb, tub;
    size_t size, align;
    MPI_Count nbasic;
    int err; /* first error: LARK_ERR_ARG (overflow) or LARK_ERR_NOMEM */
};

static void fail(struct builder *b, int err)
{
    if (b->err == 0)
        b->err = err;
}

static MPI_Aint mul(struct builder *b, MPI_Aint x, MPI_Aint y)
{
    MPI_Aint r;
    if (__builtin_mul_overflow(x, y, &r))
        fail(b, LARK_ERR_ARG);
    return r;
}

static MPI_Aint add(struct builder *b, MPI_Aint x, MPI_Aint y)
{
    MPI_Aint r;
    if (__builtin_add_overflow(x, y, &r))
        fail(b, LARK_ERR_ARG);
    return r;
}

/* Append a run, merging it into the last one when they touch. */
static void push_run(struct builder *b, const struct lark_dt_run *r)
{
    if (b->nruns > 0) {
        struct lark_dt_run *l = &b->runs[b->nruns - 1];
        if (l->nd == 0 && r->nd == 0 && l->off + (MPI_Aint)l->len == r->off) {
            l->len += r->len;
            return;
        }
    }
    if (b->nruns == b->cap) {
        if (b->cap >= MAX_RUNS) {
            fail(b, LARK_ERR_NOMEM);
            return;
        }
        size_t cap = b->cap ? 2 * b->cap : 4;
        /* Becomes the type's runs (finish), or is freed on failure. */
        struct lark_dt_run *n = realloc(b->runs, cap * sizeof *n);
        if (n == NULL) {
            fail(b, LARK_ERR_NOMEM);
            return;
        }
        b->runs = n;
        b->cap = cap;
    }
    b->runs[b->nruns++] = *r;
}

static void push_sig(struct builder *b, struct lark_datatype *t, MPI_Count n)
{
    if (b->nsig > 0 && b->sig[b->nsig - 1].type == t) {
        b->sig[b->nsig - 1].n += n;
        return;
    }
    if (b->nsig == b->sigcap) {
        int cap = b->sigcap ? 2 * b->sigcap : 2;
        /* Becomes the type's sig (finish), or is freed on failure. */
        struct lark_dt_sig *s = realloc(b->sig, (size_t)cap * sizeof *s);
        if (s == NULL) {
            fail(b, LARK_ERR_NOMEM);
            return;
        }
        b->sig = s;
        b->sigcap = cap;
    }
    b->sig[b->nsig++] = (struct lark_dt_sig){t, n};
}

/* Add an outer loop of n copies, s bytes apart, to run r.  False (r
 * untouched) when r has no room for another dimension. */
static bool add_dim(struct lark_dt_run *r, MPI_Count n, MPI_Aint s)
{
    if (n == 1)
        return true;
    if (r->nd == 0 && s == (MPI_Aint)r->len) {
        r->len *= (size_t)n; /* contiguous: a longer block */
        return true;
    }
    if (r->nd > 0 && s == r->cnt[r->nd - 1] * r->stride[r->nd - 1]) {
        r->cnt[r->nd - 1] *= n; /* continues the outer loop */
        return true;
    }
    if (r->nd == LARK_DT_MAXD)
        return false;
    r->cnt[r->nd] = n;
    r->stride[r->nd] = s;
    r->nd++;
    return true;
}

static void shifted(struct builder *b, const struct lark_dt_run *r, MPI_Aint by)
{
    struct lark_dt_run c = *r;
    c.off = add(b, c.off, by);
    push_run(b, &c);
}

/* n1 x n2 copies of t at disp + i*s1 + j*s2 (i < n1 inner, j < n2 outer). */
static void place(struct builder *b, struct lark_datatype *t, MPI_Aint disp, MPI_Count n1,
                  MPI_Aint s1, MPI_Count n2, MPI_Aint s2)
{
    if (n1 <= 0 || n2 <= 0)
        return;
    /* Bounds: the extreme copies along each loop. */
    MPI_Aint lo = disp, hi = disp;
    MPI_Aint e1 = mul(b, (MPI_Aint)(n1 - 1), s1), e2 = mul(b, (MPI_Aint)(n2 - 1), s2);
    lo = add(b, lo, (e1 < 0 ? e1 : 0) + (e2 < 0 ? e2 : 0));
    hi = add(b, hi, (e1 > 0 ? e1 : 0) + (e2 > 0 ? e2 : 0));
    MPI_Aint clb = add(b, lo, t->lb), cub = add(b, add(b, hi, t->lb), t->extent);
    if (!b->any || clb < b->lb)
        b->lb = clb;
    if (!b->any || cub > b->ub)
        b->ub = cub;
    b->any = true;
    if (t->size > 0) {
        MPI_Aint tl = add(b, lo, t->true_lb), tu = add(b, hi, t->true_ub);
        if (!b->tany || tl < b->tlb)
            b->tlb = tl;
        if (!b->tany || tu > b->tub)
            b->tub = tu;
        b->tany = true;
    }
    MPI_Count n = (MPI_Count)mul(b, (MPI_Aint)n1, (MPI_Aint)n2);
    b->size = (size_t)add(b, (MPI_Aint)b->size, mul(b, (MPI_Aint)t->size, (MPI_Aint)n));
    b->nbasic = (MPI_Count)add(b, (MPI_Aint)b->nbasic, mul(b, (MPI_Aint)t->nbasic, (MPI_Aint)n));
    if (t->align > b->align)
        b->align = t->align;
    push_sig(b, t, n);
    if (b->err != 0 || t->nruns == 0)
        return;
    if (t->nruns == 1) {
        struct lark_dt_run r = t->runs[0], r1;
        r.off = add(b, r.off, disp);
        r1 = r;
        if (add_dim(&r1, n1, s1)) {
            struct lark_dt_run r2 = r1;
            if (add_dim(&r2, n2, s2)) {
                push_run(b, &r2);
                return;
            }
            for (MPI_Count j = 0; j < n2 && b->err == 0; j++)
                shifted(b, &r1, (MPI_Aint)j * s2);
            return;
        }
        for (MPI_Count j = 0; j < n2 && b->err == 0; j++)
            for (MPI_Count i = 0; i < n1 && b->err == 0; i++)
                shifted(b, &r, (MPI_Aint)j * s2 + (MPI_Aint)i * s1);
        return;
    }
    for (MPI_Count j = 0; j < n2 && b->err == 0; j++)
        for (MPI_Count i = 0; i < n1 && b->err == 0; i++)
            for (size_t k = 0; k < t->nruns && b->err == 0; k++)
                shifted(b, &t->runs[k], disp + (MPI_Aint)j * s2 + (MPI_Aint)i * s1);
}

static void builder_free(struct builder *b)
{
    free(b->runs);
    free(b->sig);
}

/* Make the type.  pad: round the extent up to the alignment (struct). */
static int finish(struct builder *b, bool pad, struct lark_datatype **out)
{
    if (b->err != 0) {
        builder_free(b);
        return b->err;
    }
    struct lark_datatype *dt = lark_datatype_alloc();
    if (dt == NULL) {
        builder_free(b);
        return LARK_ERR_NOMEM;
    }
    dt->size = b->size;
    dt->lb = b->any ? b->lb : 0;
    MPI_Aint ub = b->any ? b->ub : 0;
    dt->align = b->align ? b->align : 1;
    if (pad && (ub - dt->lb) % (MPI_Aint)dt->align != 0)
        ub += (MPI_Aint)dt->align - (ub - dt->lb) % (MPI_Aint)dt->align;
    dt->extent = ub - dt->lb;
    dt->true_lb = b->tany ? b->tlb : 0;
    dt->true_ub = b->tany ? b->tub : 0;
    dt->nruns = b->nruns;
    if (b->nruns <= 2) {
        if (b->nruns)
            memcpy(dt->inl, b->runs, b->nruns * sizeof *b->runs);
        free(b->runs);
    } else {
        /* Shrink to fit; freed in lark_datatype_release. */
        struct lark_dt_run *r = realloc(b->runs, b->nruns * sizeof *r);
        dt->runs = r ? r : b->runs;
    }
    size_t p = 0;
    dt->single_runs = true;
    for (size_t i = 0; i < dt->nruns; i++) {
        struct lark_dt_run *r = &dt->runs[i];
        dt->single_runs = dt->single_runs && r->nd == 0;
        r->pstart = p;
        size_t blocks = 1;
        for (int k = 0; k < r->nd; k++)
            blocks *= (size_t)r->cnt[k];
        p += blocks * r->len;
        dt->nblocks += (MPI_Count)blocks;
    }
    dt->contig = dt->size == 0
                     ? dt->extent == 0
                     : dt->nruns == 1 && dt->runs[0].nd == 0 && (MPI_Aint)dt->size == dt->extent;
    dt->nsig = b->nsig;
    if (b->nsig <= 2) {
        if (b->nsig)
            memcpy(dt->sig_inl, b->sig, (size_t)b->nsig * sizeof *b->sig);
        free(b->sig);
    } else {
        dt->sig = b->sig; /* freed in lark_datatype_release */
    }
    dt->nbasic = b->nbasic;
    dt->elem = NULL;
    for (int i = 0; i < dt->nsig; i++) {
        lark_datatype_retain(dt->sig[i].type); /* released with dt */
        struct lark_datatype *e = dt->sig[i].type->elem;
        if (i == 0 || e != dt->elem)
            dt->elem = i == 0 ? e : NULL;
    }
    dt->basic = dt->elem ? dt->elem->basic : LARK_BASIC_NONE;
    *out = dt;
    return LARK_OK;
}

int lark_datatype_vector(MPI_Count count, MPI_Count bl, MPI_Aint stride, struct lark_datatype *old,
                         struct lark_datatype **out)
{
    struct builder b = {0};
    place(&b, old, 0, bl, old->extent, count, stride);
    return finish(&b, false, out);
}

int lark_datatype_blocks(MPI_Count n, const MPI_Count *bls, const MPI_Aint *disps,
                         struct lark_datatype *const *types, bool many, bool pad,
                         struct lark_datatype **out)
{
    struct builder b = {0};
    for (MPI_Count i = 0; i < n && b.err == 0; i++) {
        struct lark_datatype *t = types[many ? i : 0];
        place(&b, t, disps[i], bls[i], t->extent, 1, 0);
    }
    return finish(&b, pad, out);
}

int lark_datatype_resized(struct lark_datatype *old, MPI_Aint lb, MPI_Aint extent,
                          struct lark_datatype **out)
{
    struct builder b = {0};
    place(&b, old, 0, 1, 0, 1, 0);
    int rc = finish(&b, false, out);
    if (rc != LARK_OK)
        return rc;
    struct lark_datatype *dt = *out;
    dt->lb = lb;
    dt->extent = extent;
    dt->contig = dt->size == 0
                     ? extent == 0
                     : dt->nruns == 1 && dt->runs[0].nd == 0 && (MPI_Aint)dt->size == extent;
    return LARK_OK;
}

int lark_datatype_dup(struct lark_datatype *old, struct lark_datatype **out)
{
    int rc = lark_datatype_resized(old, old->lb, old->extent, out);
    if (rc == LARK_OK) {
        (*out)->align = old->align;
        (*out)->committed = old->committed;
    }
    return rc;
}

/* Replace a composite's signature by `n` copies of `old` (subarray and
 * darray are built from intermediate types users never see). */
static void flat_sig(struct lark_datatype *dt, struct lark_datatype *old, MPI_Count n)
{
    for (int i = 0; i < dt->nsig; i++)
        lark_datatype_release(dt->sig[i].type);
    if (dt->sig != dt->sig_inl)
        free(dt->sig);
    dt->sig = dt->sig_inl;
    dt->nsig = n > 0 ? 1 : 0;
    dt->sig_inl[0] = (struct lark_dt_sig){old, n};
    if (n > 0)
        lark_datatype_retain(old);
}

/* One level of a subarray/darray: the index ranges [start[k], start[k] +
 * len[k]) of a dimension whose index step is `step` bytes, of `inner`
 * (which spans one step), resized to span `dimlen` steps.  Consumes the
 * reference on inner. */
static int level(struct lark_datatype *inner, MPI_Count nranges, const MPI_Count *start,
                 const MPI_Count *len, MPI_Count dimlen, struct lark_datatype **out)
{
    MPI_Aint step = inner->extent;
    struct builder b = {0};
    for (MPI_Count k = 0; k < nranges && b.err == 0; k++)
        place(&b, inner, mul(&b, (MPI_Aint)start[k], step), len[k], step, 1, 0);
    struct lark_datatype *t;
    int rc = finish(&b, false, &t);
    lark_datatype_release(inner);
    if (rc != LARK_OK)
        return rc;
    struct builder o = {0};
    MPI_Aint span = mul(&o, (MPI_Aint)dimlen, step);
    if (o.err != 0) {
        lark_datatype_release(t);
        return o.err;
    }
    rc = lark_datatype_resized(t, 0, span, out);
    lark_datatype_release(t);
    return rc;
}

/* The end of subarray and darray: t, built level by level from old (one
 * reference held on it when t is still old), becomes the result: its
 * signature is `total` copies of old. */
static int finish_nd(struct lark_datatype *t, struct lark_datatype *old, MPI_Count total,
                     struct lark_datatype **out)
{
    if (t == old) { /* no level was built (ndims 0 is refused earlier) */
        int rc = lark_datatype_dup(old, &t);
        lark_datatype_release(old);
        if (rc != LARK_OK)
            return rc;
    }
    flat_sig(t, old, total);
    t->align = old->align;
    *out = t;
    return LARK_OK;
}

int lark_datatype_subarray(int ndims, const MPI_Count *sizes, const MPI_Count *subsizes,
                           const MPI_Count *starts, int order, struct lark_datatype *old,
                           struct lark_datatype **out)
{
    struct lark_datatype *t = old;
    lark_datatype_retain(old);
    MPI_Count total = 1;
    for (int k = 0; k < ndims; k++) {
        int d = order == MPI_ORDER_C ? ndims - 1 - k : k; /* innermost first */
        struct lark_datatype *n;
        int rc = level(t, 1, &starts[d], &subsizes[d], sizes[d], &n);
        if (rc != LARK_OK)
            return rc;
        t = n;
        total *= subsizes[d];
    }
    return finish_nd(t, old, total, out);
}

/* The index ranges process coordinate c owns in a dimension of g indices
 * over p processes.  Returns the number of ranges (written to start/len,
 * allocated by the caller with room for g entries), or -1. */
static MPI_Count owned(MPI_Count g, int distrib, int darg, int p, int c, MPI_Count *start,
                       MPI_Count *len)
{
    if (distrib == MPI_DISTRIBUTE_NONE) {
        start[0] = 0;
        len[0] = g;
        return g > 0 ? 1 : 0;
    }
    if (distrib == MPI_DISTRIBUTE_BLOCK) {
        MPI_Count b = darg == MPI_DISTRIBUTE_DFLT_DARG ? (g + p - 1) / p : darg;
        if (b * p < g)
            return -1;
        MPI_Count s = b * c, e = s + b < g ? s + b : g;
        if (s >= e)
            return 0;
        start[0] = s;
        len[0] = e - s;
        return 1;
    }
    MPI_Count b = darg == MPI_DISTRIBUTE_DFLT_DARG ? 1 : darg, n = 0;
    for (MPI_Count s = b * c; s < g; s += b * p) {
        start[n] = s;
        len[n] = s + b < g ? b : g - s;
        n++;
    }
    return n;
}

int lark_datatype_darray(int size, int rank, int ndims, const MPI_Count *gsizes,
                         const int *distribs, const int *dargs, const int *psizes, int order,
                         struct lark_datatype *old, struct lark_datatype **out)
{
    (void)size;
    struct lark_datatype *t = old;
    lark_datatype_retain(old);
    MPI_Count total = 1;
    for (int k = 0; k < ndims; k++) {
        int d = order == MPI_ORDER_C ? ndims - 1 - k : k;
        /* The process grid is row-major whatever the array order. */
        int below = 1;
        for (int e = d + 1; e < ndims; e++)
            below *= psizes[e];
        int coord = (rank / below) % psizes[d];
        MPI_Count g = gsizes[d], cap = g > 0 ? g : 1;
        /* Scratch for this level's ranges, freed below. */
        MPI_Count *r = malloc(2 * (size_t)cap * sizeof *r);
        if (r == NULL) {
            lark_datatype_release(t);
            return LARK_ERR_NOMEM;
        }
        MPI_Count n = owned(g, distribs[d], dargs[d], psizes[d], coord, r, r + cap);
        if (n < 0) {
            free(r);
            lark_datatype_release(t);
            return LARK_ERR_ARG;
        }
        MPI_Count mine = 0;
        for (MPI_Count i = 0; i < n; i++)
            mine += r[cap + i];
        total *= mine;
        struct lark_datatype *nt;
        int rc = level(t, n, r, r + cap, g, &nt);
        free(r);
        if (rc != LARK_OK)
            return rc;
        t = nt;
    }
    return finish_nd(t, old, total, out);
}

int lark_datatype_set_contents(struct lark_datatype *dt, int combiner, bool large, int ni,
                               const int *ints, int na, const MPI_Aint *aints, int nc,
                               const MPI_Count *counts, int nt, struct lark_datatype *const *types)
{
    struct lark_dt_contents *c = &dt->contents;
    dt->combiner = combiner;
    dt->large = large;
    /* All four freed in lark_datatype_release. */
    c->ints = ni ? malloc((size_t)ni * sizeof *c->ints) : NULL;
    c->aints = na ? malloc((size_t)na * sizeof *c->aints) : NULL;
    c->counts = nc ? malloc((size_t)nc * sizeof *c->counts) : NULL;
    c->types = nt ? malloc((size_t)nt * sizeof *c->types) : NULL;
    if ((ni && !c->ints) || (na && !c->aints) || (nc && !c->counts) || (nt && !c->types))
        return LARK_ERR_NOMEM; /* the caller releases dt, which frees them */
    c->ni = ni;
    c->na = na;
    c->nc = nc;
    if (ni)
        memcpy(c->ints, ints, (size_t)ni * sizeof *ints);
    if (na)
        memcpy(c->aints, aints, (size_t)na * sizeof *aints);
    if (nc)
        memcpy(c->counts, counts, (size_t)nc * sizeof *counts);
    for (int i = 0; i < nt; i++) {
        c->types[i] = types[i];
        lark_datatype_retain(types[i]);
    }
    c->nt = nt;
    return LARK_OK;
}

/*
 * test_datatype_engine.c -- the derived-datatype engine against a
 * straightforward per-element reference, without MPI_Init.
 *
 * Random type trees (contiguous, vectors with negative strides, hvectors,
 * indexed and hindexed with negative displacements, structs with gaps,
 * resized types, subarrays and darrays in C and Fortran order, nested to a
 * few levels) are built twice: by the engine (datatype_build.c) and as a
 * reference type map -- the list of (offset, size) of every basic element
 * in order, with the bounds computed by the standard's rules.  For each,
 * size, bounds and true bounds must agree; packing (whole and random byte
 * ranges) must give the reference's bytes in order; unpacking random ranges
 * must write exactly the reference's bytes and nothing else; the iovec
 * description must cover the same bytes; element counts must match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lark.h"
#include "datatype.h"

/* ---- the reference: a type map ---- */

struct ent {
    MPI_Aint off;
    int size;
};

struct ref {
    struct ent *e;
    size_t n, cap;
    MPI_Aint lb, ub;
    size_t align;
};

static void ref_add(struct ref *r, MPI_Aint off, int size)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->e = realloc(r->e, r->cap * sizeof *r->e);
        assert_non_null(r->e);
    }
    r->e[r->n++] = (struct ent){off, size};
}

/* Append a copy of child at pos, and widen the bounds. */
static void ref_place(struct ref *r, bool *any, const struct ref *c, MPI_Aint pos)
{
    for (size_t i = 0; i < c->n; i++)
        ref_add(r, pos + c->e[i].off, c->e[i].size);
    if (!*any || pos + c->lb < r->lb)
        r->lb = pos + c->lb;
    if (!*any || pos + c->ub > r->ub)
        r->ub = pos + c->ub;
    *any = true;
    if (c->align > r->align)
        r->align = c->align;
}

static MPI_Aint ref_extent(const struct ref *r)
{
    return r->ub - r->lb;
}

/* A type under test: the engine's and the reference's. */
struct tt {
    struct lark_datatype *dt;
    struct ref ref;
};

static void tt_free(struct tt *t)
{
    lark_datatype_release(t->dt);
    free(t->ref.e);
}

static unsigned rnd(unsigned n)
{
    return (unsigned)random() % n;
}

static int irange(int lo, int hi)
{
    return lo + (int)rnd((unsigned)(hi - lo + 1));
}

static struct tt make_basic(void)
{
    static const MPI_Datatype b[] = {MPI_CHAR,   MPI_SHORT,      MPI_INT,
                                     MPI_DOUBLE, MPI_DOUBLE_INT, MPI_INT64_T};
    struct tt t = {0};
    t.dt = lark_datatype_from_handle(b[rnd(sizeof b / sizeof b[0])]);
    assert_non_null(t.dt);
    if (t.dt->handle == MPI_DOUBLE_INT) {
        ref_add(&t.ref, 0, sizeof(double));
        ref_add(&t.ref, (MPI_Aint)t.dt->second_off, sizeof(int));
    } else {
        ref_add(&t.ref, 0, (int)t.dt->size);
    }
    t.ref.lb = 0;
    t.ref.ub = t.dt->extent;
    t.ref.align = t.dt->align;
    return t;
}

static size_t budget(const struct tt *c)
{
    return c->ref.n ? c->ref.n : 1;
}

static struct tt make(int depth);

static struct tt make_vector(struct tt *c, bool bytes)
{
    struct tt t = {0};
    bool big = c->ref.n > 64;
    MPI_Count count = irange(0, big ? 2 : 5), bl = irange(1, big ? 1 : 3);
    MPI_Aint ext = ref_extent(&c->ref);
    MPI_Aint stride = bytes ? (MPI_Aint)irange(-3, 4) * (ext ? ext : 1) + irange(0, 3)
                            : (MPI_Aint)irange(-4, 5) * (ext ? ext : 1);
    assert_int_equal(lark_datatype_vector(count, bl, stride, c->dt, &t.dt), LARK_OK);
    bool any = false;
    for (MPI_Count j = 0; j < count; j++)
        for (MPI_Count i = 0; i < bl; i++)
            ref_place(&t.ref, &any, &c->ref, j * stride + i * ext);
    if (!any)
        t.ref.lb = t.ref.ub = 0;
    if (t.ref.align == 0)
        t.ref.align = 1; /* no copies: as the engine says */
    return t;
}

static struct tt make_blocks(struct tt *kids, int nk, bool strct)
{
    struct tt t = {0};
    int n = irange(1, 4);
    MPI_Count bls[4];
    MPI_Aint disps[4];
    struct lark_datatype *types[4];
    bool any = false;
    for (int i = 0; i < n; i++) {
        struct tt *c = &kids[strct ? i % nk : 0];
        MPI_Aint ext = ref_extent(&c->ref);
        bls[i] = irange(0, 3);
        disps[i] = strct ? irange(-40, 60) : (MPI_Aint)irange(-3, 6) * (ext ? ext : 1);
        types[i] = c->dt;
        for (MPI_Count k = 0; k < bls[i]; k++)
            ref_place(&t.ref, &any, &c->ref, disps[i] + k * ext);
    }
    assert_int_equal(lark_datatype_blocks(n, bls, disps, types, strct, strct, &t.dt), LARK_OK);
    if (!any)
        t.ref.lb = t.ref.ub = 0;
    if (t.ref.align == 0)
        t.ref.align = 1;
    if (strct && ref_extent(&t.ref) % (MPI_Aint)t.ref.align != 0)
        t.ref.ub += (MPI_Aint)t.ref.align - ref_extent(&t.ref) % (MPI_Aint)t.ref.align;
    return t;
}

static struct tt make_resized(struct tt *c)
{
    struct tt t = {0};
    MPI_Aint lb = irange(-16, 16), ext = irange(1, 64);
    assert_int_equal(lark_datatype_resized(c->dt, lb, ext, &t.dt), LARK_OK);
    bool any = false;
    ref_place(&t.ref, &any, &c->ref, 0);
    t.ref.lb = lb;
    t.ref.ub = lb + ext;
    return t;
}

/* Subarray and darray: the reference enumerates the array's elements in
 * memory order of the local array and keeps the selected ones. */
static struct tt make_array(struct tt *c, bool darray)
{
    struct tt t = {0};
    int nd = irange(1, 3), order = rnd(2) ? MPI_ORDER_C : MPI_ORDER_FORTRAN;
    MPI_Count sizes[3], sub[3], starts[3];
    int distribs[3], dargs[3], psizes[3], coords[3], size = 1;
    for (int d = 0; d < nd; d++) {
        sizes[d] = irange(1, 5);
        sub[d] = irange(1, (int)sizes[d]);
        starts[d] = irange(0, (int)(sizes[d] - sub[d]));
        psizes[d] = irange(1, 3);
        distribs[d] = irange(0, 2) == 0   ? MPI_DISTRIBUTE_CYCLIC
                      : irange(0, 1) == 0 ? MPI_DISTRIBUTE_BLOCK
                                          : MPI_DISTRIBUTE_NONE;
        if (distribs[d] == MPI_DISTRIBUTE_NONE)
            psizes[d] = 1;
        dargs[d] = distribs[d] == MPI_DISTRIBUTE_CYCLIC && rnd(2) ? irange(1, 2)
                                                                  : MPI_DISTRIBUTE_DFLT_DARG;
        size *= psizes[d];
    }
    int rank = irange(0, size - 1);
    for (int d = nd - 1, r = rank; d >= 0; d--) {
        coords[d] = r % psizes[d];
        r /= psizes[d];
    }
    MPI_Aint ext = ref_extent(&c->ref);
    if (darray)
        assert_int_equal(lark_datatype_darray(size, rank, nd, sizes, distribs, dargs, psizes, order,
                                              c->dt, &t.dt),
                         LARK_OK);
    else
        assert_int_equal(lark_datatype_subarray(nd, sizes, sub, starts, order, c->dt, &t.dt),
                         LARK_OK);
    /* Walk every index vector in memory order (last index fastest for C). */
    MPI_Count idx[3] = {0, 0, 0};
    MPI_Count total = 1;
    for (int d = 0; d < nd; d++)
        total *= sizes[d];
    bool any = false;
    for (MPI_Count k = 0; k < total; k++) {
        MPI_Count rem = k;
        for (int j = 0; j < nd; j++) {
            int d = order == MPI_ORDER_C ? nd - 1 - j : j;
            idx[d] = rem % sizes[d];
            rem /= sizes[d];
        }
        bool mine = true;
        MPI_Aint off = 0, step = ext;
        for (int j = 0; j < nd; j++) {
            int d = order == MPI_ORDER_C ? nd - 1 - j : j;
            off += idx[d] * step;
            step *= sizes[d];
            if (!darray) {
                mine = mine && idx[d] >= starts[d] && idx[d] < starts[d] + sub[d];
            } else if (distribs[d] == MPI_DISTRIBUTE_BLOCK) {
                MPI_Count b = (sizes[d] + psizes[d] - 1) / psizes[d];
                mine = mine && idx[d] / b == coords[d];
            } else if (distribs[d] == MPI_DISTRIBUTE_CYCLIC) {
                MPI_Count b = dargs[d] == MPI_DISTRIBUTE_DFLT_DARG ? 1 : dargs[d];
                mine = mine && (idx[d] / b) % psizes[d] == coords[d];
            }
        }
        if (mine)
            ref_place(&t.ref, &any, &c->ref, off);
    }
    t.ref.align = c->ref.align;
    t.ref.lb = 0;
    t.ref.ub = total * ext;
    return t;
}

static struct tt make(int depth)
{
    if (depth == 0 || rnd(4) == 0)
        return make_basic();
    struct tt c = make(depth - 1), t;
    switch (rnd(8)) {
    case 0:
        t = make_vector(&c, false);
        break;
    case 1:
        t = make_vector(&c, true);
        break;
    case 2:
        t = make_blocks(&c, 1, false);
        break;
    case 3:
    case 4: {
        struct tt kids[2] = {c, make(depth - 1)};
        t = make_blocks(kids, 2, true);
        tt_free(&kids[1]);
        break;
    }
    case 5:
        t = make_resized(&c);
        break;
    case 6:
        t = budget(&c) <= 8 ? make_array(&c, false) : make_resized(&c);
        break;
    default:
        t = budget(&c) <= 8 ? make_array(&c, true) : make_vector(&c, false);
        break;
    }
    tt_free(&c);
    return t;
}

/* ---- checks ---- */

struct span {
    unsigned char *mem, *origin;
    size_t bytes;
};

/* A buffer covering count elements of t, origin where element 0 sits. */
static struct span span_of(const struct tt *t, size_t count)
{
    MPI_Aint lo = 0, hi = 0, ext = ref_extent(&t->ref);
    for (size_t k = 0; k < count; k++)
        for (size_t i = 0; i < t->ref.n; i++) {
            MPI_Aint a = (MPI_Aint)k * ext + t->ref.e[i].off;
            if (a < lo)
                lo = a;
            if (a + t->ref.e[i].size > hi)
                hi = a + t->ref.e[i].size;
        }
    struct span s;
    s.bytes = (size_t)(hi - lo) + 64;
    s.mem = malloc(s.bytes);
    assert_non_null(s.mem);
    s.origin = s.mem + 32 - lo;
    return s;
}

static void check_type(const struct tt *t)
{
    const struct lark_datatype *dt = t->dt;
    size_t size = 0;
    MPI_Aint tlb = 0, tub = 0;
    for (size_t i = 0; i < t->ref.n; i++) {
        size += (size_t)t->ref.e[i].size;
        MPI_Aint a = t->ref.e[i].off, b = a + t->ref.e[i].size;
        if (i == 0 || a < tlb)
            tlb = a;
        if (i == 0 || b > tub)
            tub = b;
    }
    assert_int_equal(dt->size, size);
    assert_int_equal(dt->lb, t->ref.lb);
    assert_int_equal(dt->extent, ref_extent(&t->ref));
    if (size > 0) {
        assert_int_equal(dt->true_lb, tlb);
        assert_int_equal(dt->true_ub, tub);
    }
    assert_int_equal(dt->nbasic, (MPI_Count)t->ref.n);

    size_t count = 1 + rnd(3), total = size * count;
    struct span s = span_of(t, count);
    for (size_t i = 0; i < s.bytes; i++)
        s.mem[i] = (unsigned char)random();
    /* The expected packed stream, element by element. */
    unsigned char *want = malloc(total + 1), *got = malloc(total + 1);
    assert_non_null(want);
    assert_non_null(got);
    size_t p = 0;
    MPI_Aint ext = ref_extent(&t->ref);
    for (size_t k = 0; k < count; k++)
        for (size_t i = 0; i < t->ref.n; i++) {
            memcpy(want + p, s.origin + (MPI_Aint)k * ext + t->ref.e[i].off,
                   (size_t)t->ref.e[i].size);
            p += (size_t)t->ref.e[i].size;
        }
    lark_datatype_pack(dt, s.origin, count, 0, got, total);
    assert_memory_equal(got, want, total);

    for (int trial = 0; trial < 8 && total > 0; trial++) {
        size_t a = rnd((unsigned)total), b = a + rnd((unsigned)(total - a)) + 1;
        /* Pack a range. */
        memset(got, 0, total);
        lark_datatype_pack(dt, s.origin, count, a, got, b - a);
        assert_memory_equal(got, want + a, b - a);
        /* Describe it as iovecs: the same bytes, in order. */
        struct iovec iov[8];
        size_t at = a;
        while (at < b) {
            int n = 8;
            size_t did = lark_datatype_iov(dt, s.origin, count, at, b - at, iov, &n);
            assert_true(did > 0);
            size_t q = at;
            for (int i = 0; i < n; i++) {
                assert_memory_equal(iov[i].iov_base, want + q, iov[i].iov_len);
                q += iov[i].iov_len;
            }
            assert_int_equal(q - at, did);
            at += did;
        }
        /* Unpack it into a copy whose typemap bytes are scrambled: exactly
         * the range comes back, everything else stays as it was. */
        unsigned char *copy = malloc(s.bytes);
        assert_non_null(copy);
        memcpy(copy, s.mem, s.bytes);
        unsigned char *corig = copy + (s.origin - s.mem);
        lark_datatype_unpack(dt, corig, count, a, want + a, b - a);
        assert_memory_equal(copy, s.mem, s.bytes); /* same values written back */
        memset(got, 0x5a, total);
        lark_datatype_unpack(dt, corig, count, a, got, b - a);
        size_t q = 0;
        for (size_t k = 0; k < count; k++)
            for (size_t i = 0; i < t->ref.n; i++) {
                const unsigned char *m = corig + (MPI_Aint)k * ext + t->ref.e[i].off;
                for (int j = 0; j < t->ref.e[i].size; j++, q++)
                    if (q >= a && q < b)
                        assert_int_equal(m[j], 0x5a);
            }
        lark_datatype_unpack(dt, corig, count, a, want + a, b - a);
        assert_memory_equal(copy, s.mem, s.bytes);
        free(copy);
        /* Elements in the first a bytes. */
        bool exact;
        MPI_Count el = lark_datatype_elements(dt, a, &exact);
        MPI_Count n = 0;
        size_t bytes = 0;
        bool stop = false;
        for (size_t k = 0; k < count && !stop; k++)
            for (size_t i = 0; i < t->ref.n && !stop; i++) {
                if (bytes + (size_t)t->ref.e[i].size > a) {
                    stop = true;
                } else {
                    bytes += (size_t)t->ref.e[i].size;
                    n++;
                }
            }
        assert_int_equal(el, n);
        assert_int_equal(exact, bytes == a);
        assert_int_equal(lark_datatype_elements_bytes(dt, n), bytes);
    }
    free(want);
    free(got);
    free(s.mem);
}

static void test_datatype_engine_random(void **state)
{
    (void)state;
    srandom(12345);
    for (int i = 0; i < 3000; i++) {
        struct tt t = make(4);
        check_type(&t);
        tt_free(&t);
    }
}

/* A vector of vectors of vectors stays one run: no expansion per block. */
static void test_datatype_engine_compact(void **state)
{
    (void)state;
    struct lark_datatype *d = lark_datatype_from_handle(MPI_DOUBLE), *v1, *v2, *v3;
    assert_int_equal(lark_datatype_vector(1000, 1, 16, d, &v1), LARK_OK);
    assert_int_equal(lark_datatype_vector(1000, 1, 32000, v1, &v2), LARK_OK);
    assert_int_equal(lark_datatype_vector(100, 1, 32000000, v2, &v3), LARK_OK);
    assert_int_equal(v1->nruns, 1);
    assert_int_equal(v2->nruns, 1);
    assert_int_equal(v3->nruns, 1);
    assert_int_equal(v3->size, (size_t)100 * 1000 * 1000 * 8);
    assert_int_equal(v3->nsig, 1);
    assert_ptr_equal(v3->elem, d);
    /* A contiguous vector folds into one block. */
    struct lark_datatype *c;
    assert_int_equal(lark_datatype_vector(10, 4, 32, d, &c), LARK_OK);
    assert_true(c->contig);
    lark_datatype_release(c);
    lark_datatype_release(v3);
    lark_datatype_release(v2);
    lark_datatype_release(v1);
}

/* A struct of four arrays (the struct-of-arrays message): every run is one
 * block, so whole elements take the per-block loop of datatype_pack.c; a
 * range that starts or ends inside an element takes the cursor.  Both must
 * give the type map's bytes, and unpacking must touch nothing else. */
static void test_datatype_engine_single_runs(void **state)
{
    (void)state;
    enum { N = 40, GAP = 24, ELEM = 3 * N * 8 + N * 4 };
    struct lark_datatype *d = lark_datatype_from_handle(MPI_DOUBLE),
                         *i32 = lark_datatype_from_handle(MPI_INT32_T), *t, *v;
    struct lark_datatype *types[4] = {d, d, d, i32};
    MPI_Count bls[4] = {N, N, N, N};
    MPI_Aint disps[4] = {0, N * 8 + GAP, 2 * (N * 8 + GAP), 3 * (N * 8 + GAP)};
    assert_int_equal(lark_datatype_blocks(4, bls, disps, types, true, true, &t), LARK_OK);
    assert_true(t->single_runs);
    assert_int_equal(t->size, (size_t)ELEM);
    assert_int_equal(lark_datatype_vector(4, 1, 16, d, &v), LARK_OK);
    assert_false(v->single_runs); /* one strided run */
    lark_datatype_release(v);

    enum { COUNT = 3 };
    size_t span = (size_t)t->extent * COUNT;
    unsigned char *mem = malloc(span), *copy = malloc(span), *want = malloc(ELEM * COUNT),
                  *got = malloc(ELEM * COUNT);
    assert_non_null(mem);
    assert_non_null(copy);
    assert_non_null(want);
    assert_non_null(got);
    for (size_t i = 0; i < span; i++)
        mem[i] = (unsigned char)(i * 7 + 1);
    size_t p = 0;
    for (int k = 0; k < COUNT; k++)
        for (int a = 0; a < 4; a++) {
            size_t n = a < 3 ? N * 8 : N * 4;
            memcpy(want + p, mem + (size_t)k * (size_t)t->extent + (size_t)disps[a], n);
            p += n;
        }
    /* Whole, from an element boundary over two elements, and from the
     * middle of the first array of element 0 to the middle of element 2. */
    size_t ranges[3][2] = {{0, ELEM * COUNT}, {ELEM, 2 * ELEM}, {100, 2 * ELEM + 333}};
    for (int r = 0; r < 3; r++) {
        size_t a = ranges[r][0], len = ranges[r][1] - a;
        memset(got, 0, ELEM * COUNT);
        lark_datatype_pack(t, mem, COUNT, a, got, len);
        assert_memory_equal(got, want + a, len);
        memset(copy, 0xee, span);
        lark_datatype_unpack(t, copy, COUNT, a, want + a, len);
        /* Exactly the range's bytes came back; gaps and the rest untouched. */
        memset(got, 0xee, ELEM * COUNT);
        memcpy(got + a, want + a, len);
        size_t q = 0;
        for (int k = 0; k < COUNT; k++)
            for (int b = 0; b < 4; b++) {
                size_t n = b < 3 ? N * 8 : N * 4;
                assert_memory_equal(copy + (size_t)k * (size_t)t->extent + (size_t)disps[b],
                                    got + q, n);
                q += n;
            }
        for (int k = 0; k < COUNT; k++)
            for (int b = 0; b < 3; b++)
                for (size_t g = 0; g < GAP; g++)
                    assert_int_equal(
                        copy[(size_t)k * (size_t)t->extent + (size_t)disps[b] + N * 8 + g], 0xee);
    }
    free(mem);
    free(copy);
    free(want);
    free(got);
    lark_datatype_release(t);
}

/* external32: big-endian, element by element. */
static void test_datatype_engine_external32(void **state)
{
    (void)state;
    struct lark_datatype *di = lark_datatype_from_handle(MPI_DOUBLE_INT), *v;
    assert_int_equal(lark_datatype_vector(2, 1, 32, di, &v), LARK_OK);
    struct {
        double d;
        int i;
    } in[4] = {{1.0, 1}, {0, 0}, {-2.5, 0x01020304}, {0, 0}}, out[4];
    unsigned char buf[24];
    assert_int_equal(lark_datatype_ext32_pack(v, in, 1, buf), LARK_OK);
    static const unsigned char want[24] = {0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                                           0xc0, 0x04, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
    assert_memory_equal(buf, want, 24);
    memset(out, 0, sizeof out);
    assert_int_equal(lark_datatype_ext32_unpack(v, buf, 1, out), LARK_OK);
    assert_true(out[0].d == 1.0 && out[0].i == 1 && out[2].d == -2.5 && out[2].i == 0x01020304);
    lark_datatype_release(v);
    /* long double: IEEE binary128, big-endian. */
    long double ld = -3.0L, back = 0;
    unsigned char q[16];
    struct lark_datatype *l = lark_datatype_from_handle(MPI_LONG_DOUBLE);
    assert_int_equal(lark_datatype_ext32_pack(l, &ld, 1, q), LARK_OK);
    static const unsigned char wantq[16] = {0xc0, 0x00, 0x80};
    assert_memory_equal(q, wantq, 16);
    assert_int_equal(lark_datatype_ext32_unpack(l, q, 1, &back), LARK_OK);
    assert_true(back == ld);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_datatype_engine_random),
        cmocka_unit_test(test_datatype_engine_compact),
        cmocka_unit_test(test_datatype_engine_single_runs),
        cmocka_unit_test(test_datatype_engine_external32),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * datatype_sig.c -- what a type is made of, in packed order: element
 * counts (MPI_Get_elements, MPI_Status_set_elements), the external32
 * representation, and MPI_Type_match_size.
 *
 * A signature is a short list of (child, copies); leaves are predefined
 * types of one basic element.  Walks skip whole copies by division, so
 * their cost follows the depth of the type, not its element count.
 */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "datatype.h"

static bool leaf(const struct lark_datatype *t)
{
    return t->nsig == 0;
}

/* Basic elements wholly inside the first `bytes` (< t->size) of one t. */
static MPI_Count elements_in(const struct lark_datatype *t, size_t bytes, bool *exact)
{
    if (leaf(t)) {
        *exact = bytes == 0;
        return 0;
    }
    MPI_Count n = 0;
    for (int i = 0; i < t->nsig; i++) {
        const struct lark_datatype *c = t->sig[i].type;
        if (c->size == 0)
            continue;
        size_t chunk = c->size * (size_t)t->sig[i].n;
        if (bytes >= chunk) {
            n += t->sig[i].n * c->nbasic;
            bytes -= chunk;
            continue;
        }
        n += (MPI_Count)(bytes / c->size) * c->nbasic;
        return n + elements_in(c, bytes % c->size, exact);
    }
    *exact = bytes == 0;
    return n;
}

MPI_Count lark_datatype_elements(const struct lark_datatype *dt, size_t bytes, bool *exact)
{
    if (dt->size == 0) {
        *exact = bytes == 0;
        return 0;
    }
    return (MPI_Count)(bytes / dt->size) * dt->nbasic + elements_in(dt, bytes % dt->size, exact);
}

/* Bytes of the first n (< t->nbasic) basic elements of one t. */
static size_t bytes_in(const struct lark_datatype *t, MPI_Count n)
{
    if (leaf(t) || n == 0)
        return n > 0 ? t->size : 0;
    size_t bytes = 0;
    for (int i = 0; i < t->nsig; i++) {
        const struct lark_datatype *c = t->sig[i].type;
        if (c->nbasic == 0)
            continue;
        MPI_Count all = t->sig[i].n * c->nbasic;
        if (n >= all) {
            bytes += c->size * (size_t)t->sig[i].n;
            n -= all;
            continue;
        }
        return bytes + c->size * (size_t)(n / c->nbasic) + bytes_in(c, n % c->nbasic);
    }
    return bytes;
}

size_t lark_datatype_elements_bytes(const struct lark_datatype *dt, MPI_Count n)
{
    if (dt->nbasic == 0)
        return 0;
    return dt->size * (size_t)(n / dt->nbasic) + bytes_in(dt, n % dt->nbasic);
}

/* ---- external32 ---- */

/* How a leaf converts: swap units of `unit` bytes, or long double. */
static int leaf_unit(const struct lark_datatype *t, bool *ldouble)
{
    *ldouble = false;
    if (t->handle == MPI_COMPLEX4)
        return 2; /* two half-precision halves (its basic is NONE) */
    switch (t->basic) {
    case LARK_BASIC_LDOUBLE:
    case LARK_BASIC_LDOUBLE_COMPLEX:
        *ldouble = true;
        return (int)sizeof(long double);
    case LARK_BASIC_FLOAT_COMPLEX:
    case LARK_BASIC_DOUBLE_COMPLEX:
    case LARK_BASIC_FORTRAN_COMPLEX:
        return (int)t->size / 2;
    default:
        return (int)t->size;
    }
}

static void swap_bytes(unsigned char *p, int n)
{
    for (int i = 0; i < n / 2; i++) {
        unsigned char c = p[i];
        p[i] = p[n - 1 - i];
        p[n - 1 - i] = c;
    }
}

static void put_be64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static uint64_t get_be64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* Native long double <-> IEEE binary128, big-endian (external32's
 * representation of MPI_LONG_DOUBLE), in place in 16 bytes. */
static void ldouble_convert(unsigned char *p, bool to_ext)
{
#if LDBL_MANT_DIG == 64
    if (to_ext) {
        uint64_t mant;
        uint16_t se;
        memcpy(&mant, p, 8);
        memcpy(&se, p + 8, 2);
        uint64_t f = mant & UINT64_C(0x7fffffffffffffff);
        put_be64(p, (uint64_t)se << 48 | f >> 15);
        put_be64(p + 8, f << 49);
    } else {
        uint64_t hi = get_be64(p), lo = get_be64(p + 8);
        uint16_t se = (uint16_t)(hi >> 48);
        uint64_t f = (hi & UINT64_C(0xffffffffffff)) << 15 | lo >> 49;
        uint64_t mant = f | ((se & 0x7fff) != 0 ? UINT64_C(1) << 63 : 0);
        memset(p, 0, 16);
        memcpy(p, &mant, 8);
        memcpy(p + 8, &se, 2);
    }
#else /* binary128 (or double) already: only the byte order differs */
    (void)to_ext;
    swap_bytes(p, (int)sizeof(long double));
#endif
}

/* external32 bytes of one leaf: the standard's table, where MPI_LONG and
 * MPI_UNSIGNED_LONG are 4 bytes and MPI_WCHAR 2, whatever the platform. */
static size_t leaf_ext_size(const struct lark_datatype *t)
{
    switch (t->basic) {
    case LARK_BASIC_LONG:
    case LARK_BASIC_ULONG:
        return 4;
    case LARK_BASIC_WCHAR:
        return 2;
    default:
        return t->size;
    }
}

static bool ext32_ok(const struct lark_datatype *t)
{
    if (!leaf(t)) {
        for (int i = 0; i < t->nsig; i++)
            if (!ext32_ok(t->sig[i].type))
                return false;
        return true;
    }
    bool ld;
    leaf_unit(t, &ld);
    return !ld || sizeof(long double) == 16;
}

static size_t ext_size(const struct lark_datatype *t)
{
    if (leaf(t))
        return leaf_ext_size(t);
    size_t n = 0;
    for (int i = 0; i < t->nsig; i++)
        n += (size_t)t->sig[i].n * ext_size(t->sig[i].type);
    return n;
}

/* One integer leaf whose external32 width differs from the native one:
 * big-endian, narrowed (to_ext) or widened with its sign. */
static void resize_int(const unsigned char *src, size_t ns, unsigned char *dst, size_t es,
                       bool to_ext, bool is_signed)
{
    if (to_ext) {
        uint64_t v = 0;
        memcpy(&v, src, ns < 8 ? ns : 8); /* little-endian native */
        for (size_t i = 0; i < es; i++)
            dst[es - 1 - i] = (unsigned char)(v >> (8 * i));
        return;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < ns && i < 8; i++)
        v = v << 8 | src[i];
    if (is_signed && ns < 8 && (src[0] & 0x80))
        v |= ~UINT64_C(0) << (8 * ns);
    memcpy(dst, &v, es < 8 ? es : 8);
}

/* Convert n elements of t from the stream at *src into *dst: native
 * packed -> external32 (to_ext) or back. */
static void convert(const struct lark_datatype *t, MPI_Count n, const unsigned char **src,
                    unsigned char **dst, bool to_ext)
{
    if (!leaf(t) && t->elem != NULL && leaf(t->elem)) {
        /* Made of one leaf type: convert its elements in a row. */
        n *= (MPI_Count)(t->size / t->elem->size);
        t = t->elem;
    }
    if (!leaf(t)) {
        for (MPI_Count k = 0; k < n; k++)
            for (int i = 0; i < t->nsig; i++)
                convert(t->sig[i].type, t->sig[i].n, src, dst, to_ext);
        return;
    }
    size_t ns = t->size, es = leaf_ext_size(t);
    size_t in = to_ext ? ns : es, out = to_ext ? es : ns;
    if (ns != es) {
        bool sgn = t->basic == LARK_BASIC_LONG;
        for (MPI_Count k = 0; k < n; k++)
            resize_int(*src + (size_t)k * in, in, *dst + (size_t)k * out, out, to_ext, sgn);
    } else {
        bool ld;
        int unit = leaf_unit(t, &ld);
        size_t bytes = ns * (size_t)n;
        memcpy(*dst, *src, bytes);
        if (unit > 1 || ld)
            for (size_t i = 0; i < bytes; i += (size_t)unit) {
                if (ld)
                    ldouble_convert(*dst + i, to_ext);
                else
                    swap_bytes(*dst + i, unit);
            }
    }
    *src += in * (size_t)n;
    *dst += out * (size_t)n;
}

int lark_datatype_ext32_size(const struct lark_datatype *dt, size_t *size)
{
    if (!ext32_ok(dt))
        return LARK_ERR_UNSUPPORTED;
    *size = ext_size(dt);
    return LARK_OK;
}

/* Through the native packed form in a temporary buffer (freed here):
 * pack then convert to external32 (to_ext), or convert then unpack. */
static int ext32_move(const struct lark_datatype *dt, void *buf, size_t count, void *ext,
                      bool to_ext)
{
    if (!ext32_ok(dt))
        return LARK_ERR_UNSUPPORTED;
    size_t n = dt->size * count;
    unsigned char *tmp = malloc(n ? n : 1);
    if (tmp == NULL)
        return LARK_ERR_NOMEM;
    if (to_ext)
        lark_datatype_pack(dt, buf, count, 0, tmp, n);
    const unsigned char *src = to_ext ? tmp : ext;
    unsigned char *dst = to_ext ? ext : tmp;
    convert(dt, (MPI_Count)count, &src, &dst, to_ext);
    if (!to_ext)
        lark_datatype_unpack(dt, buf, count, 0, tmp, n);
    free(tmp);
    return LARK_OK;
}

int lark_datatype_ext32_pack(const struct lark_datatype *dt, const void *buf, size_t count,
                             void *out)
{
    return ext32_move(dt, (void *)buf, count, out, true);
}

int lark_datatype_ext32_unpack(const struct lark_datatype *dt, const void *in, size_t count,
                               void *buf)
{
    return ext32_move(dt, buf, count, (void *)in, false);
}

struct lark_datatype *lark_datatype_match_size(int typeclass, int size)
{
    static const struct {
        int cls;
        MPI_Datatype t;
    } order[] = {
        {MPI_TYPECLASS_INTEGER, MPI_INTEGER1},  {MPI_TYPECLASS_INTEGER, MPI_INTEGER2},
        {MPI_TYPECLASS_INTEGER, MPI_INTEGER4},  {MPI_TYPECLASS_INTEGER, MPI_INTEGER8},
        {MPI_TYPECLASS_INTEGER, MPI_INTEGER16}, {MPI_TYPECLASS_REAL, MPI_REAL4},
        {MPI_TYPECLASS_REAL, MPI_REAL8},        {MPI_TYPECLASS_REAL, MPI_REAL16},
        {MPI_TYPECLASS_COMPLEX, MPI_COMPLEX8},  {MPI_TYPECLASS_COMPLEX, MPI_COMPLEX16},
        {MPI_TYPECLASS_COMPLEX, MPI_COMPLEX32},
    };
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        struct lark_datatype *t = lark_datatype_from_handle(order[i].t);
        if (order[i].cls == typeclass && t != NULL && (int)t->size == size)
            return t;
    }
    return NULL;
}

/*
 * datatype.c -- the predefined datatypes and the pack/unpack edges of the
 * data path.
 *
 * The table is indexed by the ABI handle value minus 0x200.  Pack/unpack
 * work on byte ranges of the packed form so that a message can be moved in
 * pieces (pipelined rendezvous) without packing it whole first.
 */
#include <complex.h>
#include <stdalign.h>
#include <string.h>
#include <wchar.h>

#include "lark.h"
#include "datatype.h"

#define LARK_DT_TABLE 0x100

struct float_int {
    float v;
    int i;
};
struct double_int {
    double v;
    int i;
};
struct long_int {
    long v;
    int i;
};
struct short_int {
    short v;
    int i;
};
struct ldouble_int {
    long double v;
    int i;
};

#define SIMPLE(h, t, b)                                                                            \
    [(intptr_t)(h)-0x200] = {                                                                      \
        LARK_DATATYPE_MAGIC, h, #h, sizeof(t), 0, sizeof(t), true, true, b, 0, 0, 1}
#define FIXED(h, n, b)                                                                             \
    [(intptr_t)(h)-0x200] = {LARK_DATATYPE_MAGIC, h, #h, n, 0, n, true, true, b, 0, 0, 1}
#define PAIR(h, st, vt, b)                                                                         \
    [(intptr_t)(h)-0x200] = {LARK_DATATYPE_MAGIC,                                                  \
                             h,                                                                    \
                             #h,                                                                   \
                             sizeof(vt) + sizeof(int),                                             \
                             0,                                                                    \
                             sizeof(st),                                                           \
                             sizeof(vt) + sizeof(int) == sizeof(st),                               \
                             true,                                                                 \
                             b,                                                                    \
                             offsetof(st, i),                                                      \
                             sizeof(int),                                                          \
                             1}

static struct lark_datatype table[LARK_DT_TABLE] = {
    SIMPLE(MPI_AINT, MPI_Aint, LARK_BASIC_AINT),
    SIMPLE(MPI_COUNT, MPI_Count, LARK_BASIC_COUNT),
    SIMPLE(MPI_OFFSET, MPI_Offset, LARK_BASIC_OFFSET),
    FIXED(MPI_PACKED, 1, LARK_BASIC_NONE),
    SIMPLE(MPI_SHORT, short, LARK_BASIC_SHORT),
    SIMPLE(MPI_INT, int, LARK_BASIC_INT),
    SIMPLE(MPI_LONG, long, LARK_BASIC_LONG),
    SIMPLE(MPI_LONG_LONG, long long, LARK_BASIC_LLONG),
    SIMPLE(MPI_UNSIGNED_SHORT, unsigned short, LARK_BASIC_USHORT),
    SIMPLE(MPI_UNSIGNED, unsigned, LARK_BASIC_UINT),
    SIMPLE(MPI_UNSIGNED_LONG, unsigned long, LARK_BASIC_ULONG),
    SIMPLE(MPI_UNSIGNED_LONG_LONG, unsigned long long, LARK_BASIC_ULLONG),
    SIMPLE(MPI_FLOAT, float, LARK_BASIC_FLOAT),
    SIMPLE(MPI_C_FLOAT_COMPLEX, float _Complex, LARK_BASIC_FLOAT_COMPLEX),
    SIMPLE(MPI_CXX_FLOAT_COMPLEX, float _Complex, LARK_BASIC_FLOAT_COMPLEX),
    SIMPLE(MPI_DOUBLE, double, LARK_BASIC_DOUBLE),
    SIMPLE(MPI_C_DOUBLE_COMPLEX, double _Complex, LARK_BASIC_DOUBLE_COMPLEX),
    SIMPLE(MPI_CXX_DOUBLE_COMPLEX, double _Complex, LARK_BASIC_DOUBLE_COMPLEX),
    FIXED(MPI_INTEGER, 4, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_LOGICAL, 4, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_REAL, 4, LARK_BASIC_FORTRAN_REAL),
    FIXED(MPI_COMPLEX, 8, LARK_BASIC_FORTRAN_COMPLEX),
    FIXED(MPI_DOUBLE_PRECISION, 8, LARK_BASIC_FORTRAN_REAL),
    FIXED(MPI_DOUBLE_COMPLEX, 16, LARK_BASIC_FORTRAN_COMPLEX),
    SIMPLE(MPI_LONG_DOUBLE, long double, LARK_BASIC_LDOUBLE),
    SIMPLE(MPI_C_LONG_DOUBLE_COMPLEX, long double _Complex, LARK_BASIC_LDOUBLE_COMPLEX),
    SIMPLE(MPI_CXX_LONG_DOUBLE_COMPLEX, long double _Complex, LARK_BASIC_LDOUBLE_COMPLEX),
    PAIR(MPI_FLOAT_INT, struct float_int, float, LARK_BASIC_FLOAT_INT),
    PAIR(MPI_DOUBLE_INT, struct double_int, double, LARK_BASIC_DOUBLE_INT),
    PAIR(MPI_LONG_INT, struct long_int, long, LARK_BASIC_LONG_INT),
    FIXED(MPI_2INT, 2 * sizeof(int), LARK_BASIC_2INT),
    PAIR(MPI_SHORT_INT, struct short_int, short, LARK_BASIC_SHORT_INT),
    PAIR(MPI_LONG_DOUBLE_INT, struct ldouble_int, long double, LARK_BASIC_LDOUBLE_INT),
    FIXED(MPI_2REAL, 8, LARK_BASIC_FORTRAN_PAIR),
    FIXED(MPI_2DOUBLE_PRECISION, 16, LARK_BASIC_FORTRAN_PAIR),
    FIXED(MPI_2INTEGER, 8, LARK_BASIC_FORTRAN_PAIR),
    SIMPLE(MPI_C_BOOL, _Bool, LARK_BASIC_C_BOOL),
    FIXED(MPI_CXX_BOOL, 1, LARK_BASIC_C_BOOL),
    SIMPLE(MPI_WCHAR, wchar_t, LARK_BASIC_WCHAR),
    SIMPLE(MPI_INT8_T, int8_t, LARK_BASIC_INT8),
    SIMPLE(MPI_UINT8_T, uint8_t, LARK_BASIC_UINT8),
    SIMPLE(MPI_CHAR, char, LARK_BASIC_CHAR),
    SIMPLE(MPI_SIGNED_CHAR, signed char, LARK_BASIC_SCHAR),
    SIMPLE(MPI_UNSIGNED_CHAR, unsigned char, LARK_BASIC_UCHAR),
    FIXED(MPI_BYTE, 1, LARK_BASIC_NONE),
    SIMPLE(MPI_INT16_T, int16_t, LARK_BASIC_INT16),
    SIMPLE(MPI_UINT16_T, uint16_t, LARK_BASIC_UINT16),
    SIMPLE(MPI_INT32_T, int32_t, LARK_BASIC_INT32),
    SIMPLE(MPI_UINT32_T, uint32_t, LARK_BASIC_UINT32),
    SIMPLE(MPI_INT64_T, int64_t, LARK_BASIC_INT64),
    SIMPLE(MPI_UINT64_T, uint64_t, LARK_BASIC_UINT64),
    FIXED(MPI_CHARACTER, 1, LARK_BASIC_CHAR),
    FIXED(MPI_LOGICAL1, 1, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_INTEGER1, 1, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_LOGICAL2, 2, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_INTEGER2, 2, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_REAL2, 2, LARK_BASIC_NONE), /* half precision: moved, not reduced */
    FIXED(MPI_LOGICAL4, 4, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_INTEGER4, 4, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_REAL4, 4, LARK_BASIC_FORTRAN_REAL),
    FIXED(MPI_COMPLEX4, 4, LARK_BASIC_NONE), /* two halves: moved, not reduced */
    FIXED(MPI_LOGICAL8, 8, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_INTEGER8, 8, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_REAL8, 8, LARK_BASIC_FORTRAN_REAL),
    FIXED(MPI_COMPLEX8, 8, LARK_BASIC_FORTRAN_COMPLEX),
    FIXED(MPI_LOGICAL16, 16, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_INTEGER16, 16, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_REAL16, 16, LARK_BASIC_FORTRAN_REAL),
    FIXED(MPI_COMPLEX16, 16, LARK_BASIC_FORTRAN_COMPLEX),
    FIXED(MPI_COMPLEX32, 32, LARK_BASIC_FORTRAN_COMPLEX),
};

struct lark_datatype *lark_datatype_from_handle(MPI_Datatype h)
{
    intptr_t v = (intptr_t)h;
    if (v >= 0x200 && v < 0x200 + LARK_DT_TABLE) {
        struct lark_datatype *dt = &table[v - 0x200];
        return dt->magic == LARK_DATATYPE_MAGIC ? dt : NULL;
    }
    if (v < 0x1000) /* the ABI reserves small values for predefined handles */
        return NULL;
    struct lark_datatype *dt = (struct lark_datatype *)h;
    return dt->magic == LARK_DATATYPE_MAGIC ? dt : NULL;
}

/* Copy packed bytes [offset, offset+len) between a pair-type buffer and the
 * packed stream.  Each element is `value | int` packed, `value hole int`
 * in memory. */
static void pair_copy(const struct lark_datatype *dt, char *mem, size_t offset, char *packed,
                      size_t len, bool pack)
{
    size_t vsize = dt->size - dt->second_size;
    while (len > 0) {
        size_t elem = offset / dt->size, within = offset % dt->size;
        char *base = mem + elem * dt->extent;
        size_t memoff, chunk;
        if (within < vsize) {
            memoff = within;
            chunk = vsize - within;
        } else {
            memoff = dt->second_off + (within - vsize);
            chunk = dt->size - within;
        }
        if (chunk > len)
            chunk = len;
        if (pack)
            memcpy(packed, base + memoff, chunk);
        else
            memcpy(base + memoff, packed, chunk);
        packed += chunk;
        offset += chunk;
        len -= chunk;
    }
}

void lark_datatype_pack(const struct lark_datatype *dt, const void *buf, size_t count,
                        size_t offset, void *out, size_t len)
{
    (void)count;
    if (len == 0)
        return;
    if (dt->contig)
        memcpy(out, (const char *)buf + dt->lb + offset, len);
    else
        pair_copy(dt, (char *)buf + dt->lb, offset, out, len, true);
}

void lark_datatype_unpack(const struct lark_datatype *dt, void *buf, size_t count, size_t offset,
                          const void *in, size_t len)
{
    (void)count;
    if (len == 0)
        return;
    if (dt->contig)
        memcpy((char *)buf + dt->lb + offset, in, len);
    else
        pair_copy(dt, (char *)buf + dt->lb, offset, (char *)in, len, false);
}

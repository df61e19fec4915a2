/*
 * datatype.c -- the predefined datatypes and the life of every datatype:
 * handle lookup, references, and freeing.  See datatype.h for the engine's
 * picture; construction lives in datatype_build.c, packing in
 * datatype_pack.c, signatures and external32 in datatype_sig.c.
 *
 * The table is indexed by the ABI handle value minus 0x200.  Each entry is
 * a complete type: its layout (one run, or two for the pair types with a
 * hole) and its signature point into the entry itself.
 */
#include <complex.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "lark.h"
#include "datatype.h"
#include "handle.h"

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

#define IDX(h) ((intptr_t)(h)-0x200)
/* A predefined type that is one basic element of C type t. */
#define SIMPLE(h, t, b) ONE(h, #h, sizeof(t), _Alignof(t), b)
/* One basic element of n bytes aligned to a. */
#define FIXED(h, n, a, b) ONE(h, #h, n, a, b)
#define ONE(h, nm, n, a, b)                                                                        \
    [IDX(h)] = {.magic = LARK_DATATYPE_MAGIC,                                                      \
                .handle = h,                                                                       \
                .name = nm,                                                                        \
                .size = n,                                                                         \
                .extent = n,                                                                       \
                .contig = true,                                                                    \
                .predefined = true,                                                                \
                .basic = b,                                                                        \
                .committed = 1,                                                                    \
                .true_ub = n,                                                                      \
                .align = a,                                                                        \
                .combiner = MPI_COMBINER_NAMED,                                                    \
                .nruns = 1,                                                                        \
                .runs = table[IDX(h)].inl,                                                         \
                .nbasic = 1,                                                                       \
                .elem = &table[IDX(h)],                                                            \
                .inl = {{.len = n}}}
/* Two basic elements of type e, n bytes each (MPI_2INT, MPI_2REAL, ...). */
#define TWO(h, n, a, e, b)                                                                         \
    [IDX(h)] = {.magic = LARK_DATATYPE_MAGIC,                                                      \
                .handle = h,                                                                       \
                .name = #h,                                                                        \
                .size = 2 * (n),                                                                   \
                .extent = 2 * (n),                                                                 \
                .contig = true,                                                                    \
                .predefined = true,                                                                \
                .basic = b,                                                                        \
                .committed = 1,                                                                    \
                .true_ub = 2 * (n),                                                                \
                .align = a,                                                                        \
                .combiner = MPI_COMBINER_NAMED,                                                    \
                .nruns = 1,                                                                        \
                .runs = table[IDX(h)].inl,                                                         \
                .nsig = 1,                                                                         \
                .sig = table[IDX(h)].sig_inl,                                                      \
                .nbasic = 2,                                                                       \
                .elem = &table[IDX(h)],                                                            \
                .inl = {{.len = 2 * (n)}},                                                         \
                .sig_inl = {{&table[IDX(e)], 2}}}
/* A value of type vt (handle vh) then an int, laid out as struct st. */
#define PAIR(h, st, vt, vh, b)                                                                     \
    [IDX(h)] = {.magic = LARK_DATATYPE_MAGIC,                                                      \
                .handle = h,                                                                       \
                .name = #h,                                                                        \
                .size = sizeof(vt) + sizeof(int),                                                  \
                .extent = sizeof(st),                                                              \
                .contig = sizeof(vt) + sizeof(int) == sizeof(st),                                  \
                .predefined = true,                                                                \
                .basic = b,                                                                        \
                .second_off = offsetof(st, i),                                                     \
                .second_size = sizeof(int),                                                        \
                .committed = 1,                                                                    \
                .true_ub = offsetof(st, i) + sizeof(int),                                          \
                .align = _Alignof(st),                                                             \
                .combiner = MPI_COMBINER_NAMED,                                                    \
                .nruns = sizeof(vt) + sizeof(int) == sizeof(st) ? 1 : 2,                           \
                .runs = table[IDX(h)].inl,                                                         \
                .nsig = 2,                                                                         \
                .sig = table[IDX(h)].sig_inl,                                                      \
                .nbasic = 2,                                                                       \
                .elem = &table[IDX(h)],                                                            \
                .inl = {{.len = sizeof(vt) + sizeof(int) == sizeof(st) ? sizeof(st) : sizeof(vt),  \
                         .pstart = 0},                                                             \
                        {.off = offsetof(st, i), .len = sizeof(int), .pstart = sizeof(vt)}},       \
                .sig_inl = {{&table[IDX(vh)], 1}, {&table[IDX(MPI_INT)], 1}}}

static struct lark_datatype table[LARK_DT_TABLE];

static struct lark_datatype table[LARK_DT_TABLE] = {
    SIMPLE(MPI_AINT, MPI_Aint, LARK_BASIC_AINT),
    SIMPLE(MPI_COUNT, MPI_Count, LARK_BASIC_COUNT),
    SIMPLE(MPI_OFFSET, MPI_Offset, LARK_BASIC_OFFSET),
    FIXED(MPI_PACKED, 1, 1, LARK_BASIC_NONE),
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
    FIXED(MPI_INTEGER, 4, 4, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_LOGICAL, 4, 4, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_REAL, 4, 4, LARK_BASIC_FORTRAN_REAL),
    FIXED(MPI_COMPLEX, 8, 4, LARK_BASIC_FORTRAN_COMPLEX),
    FIXED(MPI_DOUBLE_PRECISION, 8, 8, LARK_BASIC_FORTRAN_REAL),
    FIXED(MPI_DOUBLE_COMPLEX, 16, 8, LARK_BASIC_FORTRAN_COMPLEX),
    SIMPLE(MPI_LONG_DOUBLE, long double, LARK_BASIC_LDOUBLE),
    SIMPLE(MPI_C_LONG_DOUBLE_COMPLEX, long double _Complex, LARK_BASIC_LDOUBLE_COMPLEX),
    SIMPLE(MPI_CXX_LONG_DOUBLE_COMPLEX, long double _Complex, LARK_BASIC_LDOUBLE_COMPLEX),
    PAIR(MPI_FLOAT_INT, struct float_int, float, MPI_FLOAT, LARK_BASIC_FLOAT_INT),
    PAIR(MPI_DOUBLE_INT, struct double_int, double, MPI_DOUBLE, LARK_BASIC_DOUBLE_INT),
    PAIR(MPI_LONG_INT, struct long_int, long, MPI_LONG, LARK_BASIC_LONG_INT),
    TWO(MPI_2INT, sizeof(int), _Alignof(int), MPI_INT, LARK_BASIC_2INT),
    PAIR(MPI_SHORT_INT, struct short_int, short, MPI_SHORT, LARK_BASIC_SHORT_INT),
    PAIR(MPI_LONG_DOUBLE_INT, struct ldouble_int, long double, MPI_LONG_DOUBLE,
         LARK_BASIC_LDOUBLE_INT),
    TWO(MPI_2REAL, 4, 4, MPI_REAL, LARK_BASIC_FORTRAN_PAIR),
    TWO(MPI_2DOUBLE_PRECISION, 8, 8, MPI_DOUBLE_PRECISION, LARK_BASIC_FORTRAN_PAIR),
    TWO(MPI_2INTEGER, 4, 4, MPI_INTEGER, LARK_BASIC_FORTRAN_PAIR),
    SIMPLE(MPI_C_BOOL, _Bool, LARK_BASIC_C_BOOL),
    FIXED(MPI_CXX_BOOL, 1, 1, LARK_BASIC_C_BOOL),
    SIMPLE(MPI_WCHAR, wchar_t, LARK_BASIC_WCHAR),
    SIMPLE(MPI_INT8_T, int8_t, LARK_BASIC_INT8),
    SIMPLE(MPI_UINT8_T, uint8_t, LARK_BASIC_UINT8),
    SIMPLE(MPI_CHAR, char, LARK_BASIC_CHAR),
    SIMPLE(MPI_SIGNED_CHAR, signed char, LARK_BASIC_SCHAR),
    SIMPLE(MPI_UNSIGNED_CHAR, unsigned char, LARK_BASIC_UCHAR),
    FIXED(MPI_BYTE, 1, 1, LARK_BASIC_NONE),
    SIMPLE(MPI_INT16_T, int16_t, LARK_BASIC_INT16),
    SIMPLE(MPI_UINT16_T, uint16_t, LARK_BASIC_UINT16),
    SIMPLE(MPI_INT32_T, int32_t, LARK_BASIC_INT32),
    SIMPLE(MPI_UINT32_T, uint32_t, LARK_BASIC_UINT32),
    SIMPLE(MPI_INT64_T, int64_t, LARK_BASIC_INT64),
    SIMPLE(MPI_UINT64_T, uint64_t, LARK_BASIC_UINT64),
    FIXED(MPI_CHARACTER, 1, 1, LARK_BASIC_CHAR),
    FIXED(MPI_LOGICAL1, 1, 1, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_INTEGER1, 1, 1, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_LOGICAL2, 2, 2, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_INTEGER2, 2, 2, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_REAL2, 2, 2, LARK_BASIC_NONE), /* half precision: moved, not reduced */
    FIXED(MPI_LOGICAL4, 4, 4, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_INTEGER4, 4, 4, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_REAL4, 4, 4, LARK_BASIC_FORTRAN_REAL),
    FIXED(MPI_COMPLEX4, 4, 2, LARK_BASIC_NONE), /* two halves: moved, not reduced */
    FIXED(MPI_LOGICAL8, 8, 8, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_INTEGER8, 8, 8, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_REAL8, 8, 8, LARK_BASIC_FORTRAN_REAL),
    FIXED(MPI_COMPLEX8, 8, 4, LARK_BASIC_FORTRAN_COMPLEX),
    FIXED(MPI_LOGICAL16, 16, 16, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_INTEGER16, 16, 16, LARK_BASIC_FORTRAN_INT),
    FIXED(MPI_REAL16, 16, 16, LARK_BASIC_FORTRAN_REAL),
    FIXED(MPI_COMPLEX16, 16, 8, LARK_BASIC_FORTRAN_COMPLEX),
    FIXED(MPI_COMPLEX32, 32, 16, LARK_BASIC_FORTRAN_COMPLEX),
};

struct lark_datatype *lark_datatype_from_handle(MPI_Datatype h)
{
    intptr_t v = (intptr_t)h;
    if (v >= 0x200 && v < 0x200 + LARK_DT_TABLE) {
        struct lark_datatype *dt = &table[v - 0x200];
        return dt->magic == LARK_DATATYPE_MAGIC ? dt : NULL;
    }
    /* Anything else we handed out is in the datatype arena (handle.h):
     * MPI_DATATYPE_NULL, unknown small values and garbage are not. */
    if (!lark_handle_valid(LARK_HANDLE_DATATYPE, h))
        return NULL;
    struct lark_datatype *dt = (struct lark_datatype *)h;
    if (dt->magic != LARK_DATATYPE_MAGIC || atomic_load(&dt->refs) <= 0)
        return NULL;
    return dt;
}

/* Types live in the datatype arena (handle.h): a freed type's slot keeps
 * its memory with the magic cleared, so a handle used after its last
 * MPI_Type_free reads as invalid (MPI_ERR_TYPE) instead of touching freed
 * memory, until the slot is reused. */
struct lark_datatype *lark_datatype_alloc(void)
{
    /* Owned by its references: the last lark_datatype_release() returns it
     * to the arena. */
    struct lark_datatype *dt = lark_handle_alloc(LARK_HANDLE_DATATYPE, sizeof *dt, true);
    if (dt == NULL)
        return NULL;
    dt->magic = LARK_DATATYPE_MAGIC;
    dt->handle = (MPI_Datatype)dt;
    dt->name = dt->uname;
    dt->refs = 1;
    dt->runs = dt->inl;
    dt->sig = dt->sig_inl;
    return dt;
}

void lark_datatype_retain(struct lark_datatype *dt)
{
    if (dt != NULL && !dt->predefined)
        atomic_fetch_add(&dt->refs, 1);
}

void lark_datatype_release(struct lark_datatype *dt)
{
    if (dt == NULL || dt->predefined || atomic_fetch_sub(&dt->refs, 1) != 1)
        return;
    /* Last reference: let go of what it was built from.  (Attributes were
     * deleted when the user freed the handle: see issue 14's hook.) */
    for (int i = 0; i < dt->nsig; i++)
        lark_datatype_release(dt->sig[i].type);
    for (int i = 0; i < dt->contents.nt; i++)
        lark_datatype_release(dt->contents.types[i]);
    if (dt->runs != dt->inl)
        free(dt->runs);
    if (dt->sig != dt->sig_inl)
        free(dt->sig);
    free(dt->contents.ints);
    free(dt->contents.aints);
    free(dt->contents.counts);
    free(dt->contents.types);
    dt->magic = 0;
    lark_handle_free(LARK_HANDLE_DATATYPE, dt, sizeof *dt);
}

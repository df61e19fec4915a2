/*
 * datatype.h -- datatypes as the runtime sees them.
 *
 * Today only the predefined datatypes exist: a static table indexed by the
 * ABI handle value (0x200..0x2ff).  Each entry says its size and extent,
 * whether its bytes are contiguous, and which basic type it is made of
 * (`basic`, what reductions switch on).  The point-to-point data path only
 * touches a datatype through lark_datatype_pack()/lark_datatype_unpack()
 * and `contig`, so a derived-datatype engine plugs in by adding objects with
 * the same struct (a user handle is a pointer to the struct) and teaching
 * pack/unpack their layout; nothing in matching or the transports changes.
 */
#ifndef LARK_DATATYPE_H_INCLUDED
#define LARK_DATATYPE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "lark.h"

/* The basic types reductions need to tell apart. */
enum lark_basic {
    LARK_BASIC_NONE = 0, /* not usable in arithmetic (MPI_BYTE, MPI_PACKED) */
    LARK_BASIC_CHAR,
    LARK_BASIC_SCHAR,
    LARK_BASIC_UCHAR,
    LARK_BASIC_SHORT,
    LARK_BASIC_USHORT,
    LARK_BASIC_INT,
    LARK_BASIC_UINT,
    LARK_BASIC_LONG,
    LARK_BASIC_ULONG,
    LARK_BASIC_LLONG,
    LARK_BASIC_ULLONG,
    LARK_BASIC_INT8,
    LARK_BASIC_UINT8,
    LARK_BASIC_INT16,
    LARK_BASIC_UINT16,
    LARK_BASIC_INT32,
    LARK_BASIC_UINT32,
    LARK_BASIC_INT64,
    LARK_BASIC_UINT64,
    LARK_BASIC_FLOAT,
    LARK_BASIC_DOUBLE,
    LARK_BASIC_LDOUBLE,
    LARK_BASIC_C_BOOL,
    LARK_BASIC_WCHAR,
    LARK_BASIC_FLOAT_COMPLEX,
    LARK_BASIC_DOUBLE_COMPLEX,
    LARK_BASIC_LDOUBLE_COMPLEX,
    LARK_BASIC_AINT,
    LARK_BASIC_OFFSET,
    LARK_BASIC_COUNT,
    LARK_BASIC_FLOAT_INT, /* the MINLOC/MAXLOC pair types */
    LARK_BASIC_DOUBLE_INT,
    LARK_BASIC_LONG_INT,
    LARK_BASIC_2INT,
    LARK_BASIC_SHORT_INT,
    LARK_BASIC_LDOUBLE_INT,
    LARK_BASIC_FORTRAN_INT,  /* INTEGER, LOGICAL, INTEGERn: size says which */
    LARK_BASIC_FORTRAN_REAL, /* REAL, DOUBLE PRECISION, REALn */
    LARK_BASIC_FORTRAN_COMPLEX,
    LARK_BASIC_FORTRAN_PAIR, /* 2REAL, 2DOUBLE_PRECISION, 2INTEGER */
    LARK_BASIC_COUNT_
};

#define LARK_DATATYPE_MAGIC 0x4c4b4454u /* "LKDT" */

struct lark_datatype {
    uint32_t magic;        /* LARK_DATATYPE_MAGIC for a valid object */
    MPI_Datatype handle;   /* the handle users see */
    const char *name;      /* "MPI_INT" */
    size_t size;           /* bytes of data in one element (packed size) */
    MPI_Aint lb;           /* lower bound */
    MPI_Aint extent;       /* distance between consecutive elements */
    bool contig;           /* size == extent and no holes: pack is a memcpy */
    bool predefined;       /* never freed */
    enum lark_basic basic; /* for reductions; LARK_BASIC_NONE if none */
    /* The pair types (MPI_DOUBLE_INT, ...) are two fields with a hole:
     * value of size `size - second_size` at offset 0, then an int-like of
     * size second_size at offset second_off. */
    size_t second_off, second_size;
    int committed; /* predefined types are always committed */
};

/* Handle -> object: NULL for MPI_DATATYPE_NULL and anything invalid. */
struct lark_datatype *lark_datatype_from_handle(MPI_Datatype h);

/* Bytes of `count` elements once packed (what travels on the wire). */
static inline size_t lark_datatype_packed_size(const struct lark_datatype *dt, size_t count)
{
    return dt->size * count;
}

/* Pack bytes [offset, offset+len) of the packed form of (buf, count, dt)
 * into out.  For contiguous types it is a memcpy; others walk the layout.
 * Caller holds whatever lock protects buf; never blocks. */
void lark_datatype_pack(const struct lark_datatype *dt, const void *buf, size_t count,
                        size_t offset, void *out, size_t len);
/* The inverse: bytes [offset, offset+len) of the packed form land in buf. */
void lark_datatype_unpack(const struct lark_datatype *dt, void *buf, size_t count, size_t offset,
                          const void *in, size_t len);

#endif

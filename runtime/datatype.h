/*
 * datatype.h -- datatypes as the runtime sees them: the predefined types and
 * the derived-datatype engine.
 *
 * A datatype is one struct whatever made it (a user handle is a pointer to
 * it; predefined handles are the ABI's small integers, looked up in a static
 * table).  Three views of a type are kept, each built once when the type is
 * made (datatype_build.c):
 *  - its *layout*, flattened into `runs`: in type-map order, each run is a
 *    block of `len` contiguous bytes repeated over up to LARK_DT_MAXD nested
 *    loops (count, stride).  Adjacent blocks are merged, and regular strides
 *    stay one run however deep a vector of vectors goes (up to MAXD levels),
 *    so a halo column is one run, not one entry per double;
 *  - its *signature* (`sig`): the sequence of (child type, copies) in packed
 *    order, a small tree whose leaves are predefined types.  Element counts
 *    (MPI_Get_elements), external32 conversion and the reductions' "made of
 *    one predefined type" test walk it (datatype_sig.c);
 *  - its *envelope*: the combiner and the arguments it was made with
 *    (MPI_Type_get_envelope/get_contents).
 * Packing and unpacking work on any byte range [a, b) of the packed form of
 * (buf, count, type), found by binary search over the runs, so protocols can
 * move a message in pieces without packing it whole (datatype_pack.c); the
 * same walk produces iovec lists for single-copy transfers.
 *
 * Lifetime: a derived type holds one reference for the user's handle, one
 * per type built on it, one per pending operation using it, one per handle
 * MPI_Type_get_contents gave out.  The last release frees it (datatype.c).
 */
#ifndef LARK_DATATYPE_H_INCLUDED
#define LARK_DATATYPE_H_INCLUDED

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

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
#define LARK_DT_MAXD        3           /* loop levels one run can describe */

/* One run of the flattened layout: blocks of `len` bytes at
 * off + sum(i[k] * stride[k]) for i[k] < cnt[k], k < nd; dimension 0 is
 * the innermost.  `pstart` is where the run starts in the packed form of
 * one element. */
struct lark_dt_run {
    MPI_Aint off;
    size_t len;
    size_t pstart;
    int nd;
    MPI_Count cnt[LARK_DT_MAXD];
    MPI_Aint stride[LARK_DT_MAXD];
};

/* One entry of a signature: `n` copies of `type`, in packed order. */
struct lark_dt_sig {
    struct lark_datatype *type;
    MPI_Count n;
};

/* What MPI_Type_get_contents returns, as given to the constructor. */
struct lark_dt_contents {
    int ni, na, nc, nt;
    int *ints;
    MPI_Aint *aints;
    MPI_Count *counts;
    struct lark_datatype **types; /* a reference held on each derived one */
};

struct lark_datatype {
    uint32_t magic;        /* LARK_DATATYPE_MAGIC for a valid object */
    MPI_Datatype handle;   /* the handle users see */
    const char *name;      /* "MPI_INT"; "" for an unnamed derived type */
    size_t size;           /* bytes of data in one element (packed size) */
    MPI_Aint lb;           /* lower bound */
    MPI_Aint extent;       /* distance between consecutive elements */
    bool contig;           /* size == extent, one block: pack is a memcpy at true_lb */
    bool predefined;       /* never freed */
    enum lark_basic basic; /* for reductions; LARK_BASIC_NONE if none */
    /* The pair types (MPI_DOUBLE_INT, ...) are two fields with a hole:
     * value of size `size - second_size` at offset 0, then an int-like of
     * size second_size at offset second_off. */
    size_t second_off, second_size;
    int committed; /* predefined types are always committed */

    /* ---- the engine ---- */
    MPI_Aint true_lb, true_ub; /* bounds of the bytes actually touched */
    size_t align;              /* alignment of the strictest basic type inside */
    _Atomic int refs;          /* derived types: see the lifetime rule above */
    int combiner;              /* MPI_COMBINER_* */
    bool large;                /* made by a _c constructor: envelope in counts */
    size_t nruns;
    struct lark_dt_run *runs; /* the flattened layout (owned, or inl for predefined) */
    MPI_Count nblocks;        /* blocks in one element (0: predefined, see nruns) */
    bool single_runs;         /* every run is one block (nd == 0): structs, hindexed */
    int nsig;                 /* 0: a leaf (a predefined type that is one element) */
    struct lark_dt_sig *sig;
    MPI_Count nbasic;           /* basic elements in one element */
    struct lark_datatype *elem; /* the one predefined type it is made of, else NULL */
    struct lark_dt_contents contents;
    void *attrs; /* attribute list (issue 14: MPI_Type_set_attr & co.); freed by its owner */
    struct lark_dt_run inl[2];
    struct lark_dt_sig sig_inl[2];
    char uname[MPI_MAX_OBJECT_NAME]; /* a name set with MPI_Type_set_name */
};

/* Handle -> object: NULL for MPI_DATATYPE_NULL and anything invalid
 * (including a derived type whose last reference is gone). */
struct lark_datatype *lark_datatype_from_handle(MPI_Datatype h);

/* A zeroed derived type with one reference (datatype_build.c); NULL when
 * out of memory. */
struct lark_datatype *lark_datatype_alloc(void);

/* References (no-ops on predefined types).  Thread-safe. */
void lark_datatype_retain(struct lark_datatype *dt);
void lark_datatype_release(struct lark_datatype *dt);

/* Bytes of `count` elements once packed (what travels on the wire). */
static inline size_t lark_datatype_packed_size(const struct lark_datatype *dt, size_t count)
{
    return dt->size * count;
}

/* Are `count` elements of dt one contiguous block of size * count bytes
 * at buf + dt->true_lb?  True for contiguous types, and for count 1 of a
 * type whose only gaps are at its ends (a resized block). */
static inline bool lark_datatype_contig_n(const struct lark_datatype *dt, size_t count)
{
    return dt->contig || dt->size == 0 || count == 0 ||
           (count == 1 && dt->nruns == 1 && dt->runs[0].nd == 0);
}

/* Mean bytes per contiguous block of one element: single-copy transfers
 * through iovec lists only pay off for large blocks. */
static inline size_t lark_datatype_mean_block(const struct lark_datatype *dt)
{
    MPI_Count n = dt->nblocks ? dt->nblocks : (MPI_Count)dt->nruns;
    return n > 0 ? dt->size / (size_t)n : dt->size;
}

/* Pack bytes [offset, offset+len) of the packed form of (buf, count, dt)
 * into out.  For contiguous types it is a memcpy; others walk the runs.
 * Caller holds whatever lock protects buf; never blocks. */
void lark_datatype_pack(const struct lark_datatype *dt, const void *buf, size_t count,
                        size_t offset, void *out, size_t len);
/* The inverse: bytes [offset, offset+len) of the packed form land in buf. */
void lark_datatype_unpack(const struct lark_datatype *dt, void *buf, size_t count, size_t offset,
                          const void *in, size_t len);
/* Describe packed bytes [offset, offset+len) of (buf, count, dt) as at most
 * *niov memory blocks in iov (adjacent ones merged); *niov is set to the
 * number used.  Returns the bytes described (< len when iov ran out). */
size_t lark_datatype_iov(const struct lark_datatype *dt, const void *buf, size_t count,
                         size_t offset, size_t len, struct iovec *iov, int *niov);

/* ---- construction (datatype_build.c) ----
 * Each returns 0 with *out a new type holding one reference (uncommitted,
 * no contents yet: the API layer records them with lark_datatype_set_contents),
 * LARK_ERR_NOMEM, or LARK_ERR_ARG when the result cannot be represented
 * (its extent or size overflows). */

/* count blocks of bl elements of old, block i at i * stride bytes. */
int lark_datatype_vector(MPI_Count count, MPI_Count bl, MPI_Aint stride, struct lark_datatype *old,
                         struct lark_datatype **out);
/* n blocks: bls[i] elements of types[i] (or of types[0] when !many) at disps[i] bytes.
 * `pad`: round the extent up to the alignment (MPI_Type_create_struct). */
int lark_datatype_blocks(MPI_Count n, const MPI_Count *bls, const MPI_Aint *disps,
                         struct lark_datatype *const *types, bool many, bool pad,
                         struct lark_datatype **out);
int lark_datatype_resized(struct lark_datatype *old, MPI_Aint lb, MPI_Aint extent,
                          struct lark_datatype **out);
int lark_datatype_dup(struct lark_datatype *old, struct lark_datatype **out);
/* sizes, subsizes, starts: ndims each; order MPI_ORDER_C or _FORTRAN.
 * Arguments are checked by the caller. */
int lark_datatype_subarray(int ndims, const MPI_Count *sizes, const MPI_Count *subsizes,
                           const MPI_Count *starts, int order, struct lark_datatype *old,
                           struct lark_datatype **out);
/* dargs may hold MPI_DISTRIBUTE_DFLT_DARG.  Returns LARK_ERR_ARG for a
 * distribution that does not cover the array (block size too small). */
int lark_datatype_darray(int size, int rank, int ndims, const MPI_Count *gsizes,
                         const int *distribs, const int *dargs, const int *psizes, int order,
                         struct lark_datatype *old, struct lark_datatype **out);
/* Record the envelope (copies the arrays, retains the derived types). */
int lark_datatype_set_contents(struct lark_datatype *dt, int combiner, bool large, int ni,
                               const int *ints, int na, const MPI_Aint *aints, int nc,
                               const MPI_Count *counts, int nt, struct lark_datatype *const *types);

/* ---- signature (datatype_sig.c) ---- */

/* Basic elements in the first `bytes` packed bytes of (count, dt): whole
 * ones; *exact says whether `bytes` ends on an element boundary. */
MPI_Count lark_datatype_elements(const struct lark_datatype *dt, size_t bytes, bool *exact);
/* Packed bytes of the first `n` basic elements of a stream of dt. */
size_t lark_datatype_elements_bytes(const struct lark_datatype *dt, MPI_Count n);
/* external32: bytes of one element; pack or unpack `count` elements
 * (native buf <-> big-endian stream).  Return LARK_ERR_UNSUPPORTED for a
 * type external32 cannot represent here. */
int lark_datatype_ext32_size(const struct lark_datatype *dt, size_t *size);
int lark_datatype_ext32_pack(const struct lark_datatype *dt, const void *buf, size_t count,
                             void *out);
int lark_datatype_ext32_unpack(const struct lark_datatype *dt, const void *in, size_t count,
                               void *buf);

/* Predefined types of a type class and size (MPI_Type_match_size), or
 * NULL. */
struct lark_datatype *lark_datatype_match_size(int typeclass, int size);

/* Attributes of a datatype (runtime/api/attr.c): copy old's onto dt by the
 * copy callbacks (MPI_Type_dup; on failure dt keeps none), and run every
 * delete callback (MPI_Type_free, before the handle goes).  Return
 * MPI_SUCCESS or the error a callback returned. */
int lark_type_attr_copy(struct lark_datatype *old, struct lark_datatype *dt);
int lark_type_attr_delete_all(struct lark_datatype *dt);

#endif

/*
 * op.c -- the reduction kernels behind MPI_Reduce, MPI_Allreduce, MPI_Scan
 * and friends: every predefined op on every predefined C type it is defined
 * for (MPI 5.0, 6.9.2), MINLOC/MAXLOC on the pair types, and user functions.
 *
 * Kernels are plain loops the compiler vectorises; a macro stamps out one
 * loop per (type, operation) so the table below stays readable.
 */
#include <complex.h>
#include <stdint.h>

#include "op.h"
#include "handle.h"

/* ---- Type families (which ops a type admits) ---------------------------- */

enum family { F_NONE, F_INT, F_FLOAT, F_COMPLEX, F_BOOL, F_BYTE, F_PAIR };

static enum family family_of(MPI_Datatype t)
{
    switch ((intptr_t)t) {
    case (intptr_t)MPI_INT:
    case (intptr_t)MPI_LONG:
    case (intptr_t)MPI_SHORT:
    case (intptr_t)MPI_UNSIGNED_SHORT:
    case (intptr_t)MPI_UNSIGNED:
    case (intptr_t)MPI_UNSIGNED_LONG:
    case (intptr_t)MPI_LONG_LONG:
    case (intptr_t)MPI_UNSIGNED_LONG_LONG:
    case (intptr_t)MPI_CHAR: /* not in the standard's table; Open MPI and MPICH allow it */
    case (intptr_t)MPI_SIGNED_CHAR:
    case (intptr_t)MPI_UNSIGNED_CHAR:
    case (intptr_t)MPI_INT8_T:
    case (intptr_t)MPI_INT16_T:
    case (intptr_t)MPI_INT32_T:
    case (intptr_t)MPI_INT64_T:
    case (intptr_t)MPI_UINT8_T:
    case (intptr_t)MPI_UINT16_T:
    case (intptr_t)MPI_UINT32_T:
    case (intptr_t)MPI_UINT64_T:
    case (intptr_t)MPI_AINT:
    case (intptr_t)MPI_OFFSET:
    case (intptr_t)MPI_COUNT:
        return F_INT;
    case (intptr_t)MPI_FLOAT:
    case (intptr_t)MPI_DOUBLE:
    case (intptr_t)MPI_LONG_DOUBLE:
        return F_FLOAT;
    case (intptr_t)MPI_C_FLOAT_COMPLEX:
    case (intptr_t)MPI_C_DOUBLE_COMPLEX:
    case (intptr_t)MPI_C_LONG_DOUBLE_COMPLEX:
        return F_COMPLEX;
    case (intptr_t)MPI_C_BOOL:
        return F_BOOL;
    case (intptr_t)MPI_BYTE:
        return F_BYTE;
    case (intptr_t)MPI_FLOAT_INT:
    case (intptr_t)MPI_DOUBLE_INT:
    case (intptr_t)MPI_LONG_INT:
    case (intptr_t)MPI_2INT:
    case (intptr_t)MPI_SHORT_INT:
    case (intptr_t)MPI_LONG_DOUBLE_INT:
        return F_PAIR;
    default:
        return F_NONE;
    }
}

bool lark_op_is_predefined(MPI_Op op)
{
    switch ((intptr_t)op) {
    case (intptr_t)MPI_SUM:
    case (intptr_t)MPI_MIN:
    case (intptr_t)MPI_MAX:
    case (intptr_t)MPI_PROD:
    case (intptr_t)MPI_BAND:
    case (intptr_t)MPI_BOR:
    case (intptr_t)MPI_BXOR:
    case (intptr_t)MPI_LAND:
    case (intptr_t)MPI_LOR:
    case (intptr_t)MPI_LXOR:
    case (intptr_t)MPI_MINLOC:
    case (intptr_t)MPI_MAXLOC:
    case (intptr_t)MPI_REPLACE:
    case (intptr_t)MPI_NO_OP:
        return true;
    default:
        return false;
    }
}

struct lark_user_op *lark_op_user(MPI_Op op)
{
    /* Predefined handles are small integers; anything else we handed out is
     * a struct lark_user_op in the op arena (handle.h). */
    if (!lark_handle_valid(LARK_HANDLE_OP, op))
        return NULL;
    struct lark_user_op *u = (struct lark_user_op *)op;
    return u->magic == LARK_USER_OP_MAGIC ? u : NULL;
}

int lark_op_check(MPI_Op op, MPI_Datatype type)
{
    /* The predefined ops first: every small reduction asks this. */
    enum family f = family_of(type);
    switch ((intptr_t)op) {
    case (intptr_t)MPI_MAX:
    case (intptr_t)MPI_MIN:
        return f == F_INT || f == F_FLOAT ? MPI_SUCCESS : MPI_ERR_OP;
    case (intptr_t)MPI_SUM:
    case (intptr_t)MPI_PROD:
        return f == F_INT || f == F_FLOAT || f == F_COMPLEX ? MPI_SUCCESS : MPI_ERR_OP;
    case (intptr_t)MPI_LAND:
    case (intptr_t)MPI_LOR:
    case (intptr_t)MPI_LXOR:
        return f == F_INT || f == F_BOOL ? MPI_SUCCESS : MPI_ERR_OP;
    case (intptr_t)MPI_BAND:
    case (intptr_t)MPI_BOR:
    case (intptr_t)MPI_BXOR:
        return f == F_INT || f == F_BYTE ? MPI_SUCCESS : MPI_ERR_OP;
    case (intptr_t)MPI_MINLOC:
    case (intptr_t)MPI_MAXLOC:
        return f == F_PAIR ? MPI_SUCCESS : MPI_ERR_OP;
    default:
        /* A user op takes any type; MPI_REPLACE and MPI_NO_OP exist for
         * one-sided accumulate only. */
        return lark_op_user(op) != NULL ? MPI_SUCCESS : MPI_ERR_OP;
    }
}

bool lark_op_commutes(MPI_Op op)
{
    struct lark_user_op *u = lark_op_user(op);
    return u == NULL || u->commute;
}

/* ---- Kernels ------------------------------------------------------------- */

/* GCC's -O2 vectorises only loops it needs no run-time check for, and
 * these need one (in and inout might overlap as far as it knows): the
 * double MPI_SUM loop ran one scalar addsd per element, 6 GB/s, a quarter
 * of a 2-rank MPI_Reduce's time at 256 KiB.  `restrict` states what MPI
 * guarantees (the two buffers of a reduction never overlap) and the
 * pragma lets GCC vectorise the rest of this file with its usual cost
 * model. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#endif

#define LOOP(T, EXPR)                                                                              \
    do {                                                                                           \
        const T *restrict a = in;                                                                  \
        T *restrict b = inout;                                                                     \
        for (size_t i = 0; i < n; i++)                                                             \
            b[i] = (EXPR);                                                                         \
    } while (0)

/* Each macro below is a switch over the ops it knows; an op it does not
 * know falls through untouched, so they can be chained. */
#define SUMPROD(T)                                                                                 \
    switch ((intptr_t)op) {                                                                        \
    case (intptr_t)MPI_SUM:                                                                        \
        LOOP(T, a[i] + b[i]);                                                                      \
        break;                                                                                     \
    case (intptr_t)MPI_PROD:                                                                       \
        LOOP(T, a[i] * b[i]);                                                                      \
        break;                                                                                     \
    }

#define LOGICAL(T)                                                                                 \
    switch ((intptr_t)op) {                                                                        \
    case (intptr_t)MPI_LAND:                                                                       \
        LOOP(T, a[i] && b[i]);                                                                     \
        break;                                                                                     \
    case (intptr_t)MPI_LOR:                                                                        \
        LOOP(T, a[i] || b[i]);                                                                     \
        break;                                                                                     \
    case (intptr_t)MPI_LXOR:                                                                       \
        LOOP(T, !a[i] != !b[i]);                                                                   \
        break;                                                                                     \
    }

/* Real types: MAX/MIN, then SUM/PROD, then the logical ops. */
#define ARITH(T)                                                                                   \
    switch ((intptr_t)op) {                                                                        \
    case (intptr_t)MPI_MAX:                                                                        \
        LOOP(T, a[i] > b[i] ? a[i] : b[i]);                                                        \
        break;                                                                                     \
    case (intptr_t)MPI_MIN:                                                                        \
        LOOP(T, a[i] < b[i] ? a[i] : b[i]);                                                        \
        break;                                                                                     \
    default:                                                                                       \
        SUMPROD(T)                                                                                 \
        LOGICAL(T)                                                                                 \
    }

/* Integer types: the bitwise ops, then everything real types have. */
#define BITS(T)                                                                                    \
    switch ((intptr_t)op) {                                                                        \
    case (intptr_t)MPI_BAND:                                                                       \
        LOOP(T, a[i] & b[i]);                                                                      \
        break;                                                                                     \
    case (intptr_t)MPI_BOR:                                                                        \
        LOOP(T, a[i] | b[i]);                                                                      \
        break;                                                                                     \
    case (intptr_t)MPI_BXOR:                                                                       \
        LOOP(T, a[i] ^ b[i]);                                                                      \
        break;                                                                                     \
    default:                                                                                       \
        ARITH(T)                                                                                   \
    }

/* MINLOC/MAXLOC: the value wins; on a tie, the smaller index wins. */
#define PAIR(V)                                                                                    \
    do {                                                                                           \
        struct pair {                                                                              \
            V v;                                                                                   \
            int k;                                                                                 \
        };                                                                                         \
        const struct pair *a = in;                                                                 \
        struct pair *b = inout;                                                                    \
        bool max = (intptr_t)op == (intptr_t)MPI_MAXLOC;                                           \
        for (size_t i = 0; i < n; i++) {                                                           \
            if (a[i].v == b[i].v) {                                                                \
                if (a[i].k < b[i].k)                                                               \
                    b[i].k = a[i].k;                                                               \
            } else if (max ? a[i].v > b[i].v : a[i].v < b[i].v) {                                  \
                b[i] = a[i];                                                                       \
            }                                                                                      \
        }                                                                                          \
    } while (0)

static void apply_predefined(MPI_Op op, const void *in, void *inout, size_t n, MPI_Datatype t)
{
    switch ((intptr_t)t) {
    case (intptr_t)MPI_INT:
    case (intptr_t)MPI_INT32_T:
        BITS(int32_t);
        break;
    case (intptr_t)MPI_UNSIGNED:
    case (intptr_t)MPI_UINT32_T:
        BITS(uint32_t);
        break;
    case (intptr_t)MPI_LONG:
        BITS(long);
        break;
    case (intptr_t)MPI_UNSIGNED_LONG:
        BITS(unsigned long);
        break;
    case (intptr_t)MPI_LONG_LONG:
    case (intptr_t)MPI_INT64_T:
    case (intptr_t)MPI_OFFSET:
    case (intptr_t)MPI_COUNT:
        BITS(int64_t);
        break;
    case (intptr_t)MPI_UNSIGNED_LONG_LONG:
    case (intptr_t)MPI_UINT64_T:
        BITS(uint64_t);
        break;
    case (intptr_t)MPI_AINT:
        BITS(intptr_t);
        break;
    case (intptr_t)MPI_SHORT:
    case (intptr_t)MPI_INT16_T:
        BITS(int16_t);
        break;
    case (intptr_t)MPI_UNSIGNED_SHORT:
    case (intptr_t)MPI_UINT16_T:
        BITS(uint16_t);
        break;
    case (intptr_t)MPI_SIGNED_CHAR:
    case (intptr_t)MPI_INT8_T:
        BITS(int8_t);
        break;
    case (intptr_t)MPI_CHAR:
        BITS(char); /* signed or not as the C compiler's char is */
        break;
    case (intptr_t)MPI_UNSIGNED_CHAR:
    case (intptr_t)MPI_UINT8_T:
    case (intptr_t)MPI_BYTE:
        BITS(uint8_t);
        break;
    case (intptr_t)MPI_C_BOOL:
        LOGICAL(_Bool);
        break;
    case (intptr_t)MPI_FLOAT:
        ARITH(float);
        break;
    case (intptr_t)MPI_DOUBLE:
        ARITH(double);
        break;
    case (intptr_t)MPI_LONG_DOUBLE:
        ARITH(long double);
        break;
    case (intptr_t)MPI_C_FLOAT_COMPLEX:
        SUMPROD(float _Complex);
        break;
    case (intptr_t)MPI_C_DOUBLE_COMPLEX:
        SUMPROD(double _Complex);
        break;
    case (intptr_t)MPI_C_LONG_DOUBLE_COMPLEX:
        SUMPROD(long double _Complex);
        break;
    case (intptr_t)MPI_FLOAT_INT:
        PAIR(float);
        break;
    case (intptr_t)MPI_DOUBLE_INT:
        PAIR(double);
        break;
    case (intptr_t)MPI_LONG_INT:
        PAIR(long);
        break;
    case (intptr_t)MPI_2INT:
        PAIR(int);
        break;
    case (intptr_t)MPI_SHORT_INT:
        PAIR(short);
        break;
    case (intptr_t)MPI_LONG_DOUBLE_INT:
        PAIR(long double);
        break;
    }
}

void lark_op_apply(MPI_Op op, const void *in, void *inout, size_t count, MPI_Datatype type)
{
    struct lark_user_op *u = lark_op_is_predefined(op) ? NULL : lark_op_user(op);
    if (u != NULL) {
        MPI_Datatype t = type;
        if (u->fn_c != NULL) {
            MPI_Count len = (MPI_Count)count;
            u->fn_c((void *)in, inout, &len, &t);
            return;
        }
        /* The int form takes an int count: hand it INT_MAX-sized
         * pieces only if ever needed; counts that large come with the
         * datatype engine, which knows the extent to step by. */
        int len = (int)count;
        u->fn((void *)in, inout, &len, &t);
        return;
    }
    apply_predefined(op, in, inout, count, type);
}

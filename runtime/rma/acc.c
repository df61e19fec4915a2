/*
 * acc.c -- the arithmetic of one-sided accumulate, applied where the
 * target memory is: by an origin that has it mapped (shm windows,
 * ourselves), or by the target serving an active message.
 *
 * The standard promises element-wise atomicity between accumulates on the
 * same location with the same predefined type (and the same op or
 * MPI_NO_OP).  Both kinds of appliers therefore use ONE rule that depends
 * only on the type and the address, never on who applies: an element of
 * 1, 2, 4 or 8 bytes at an address aligned to its size is updated with a
 * hardware atomic (fetch-add/and/or/xor, exchange, or a compare-and-swap
 * loop around the op's arithmetic); anything else (long double, the
 * 16-byte complex and pair types, unaligned data) under the target's
 * accumulate spinlock, which lives beside its passive-target lock word.
 * The passive-target lock word itself (lock/unlock) is here too.
 */
#include <sched.h>
#include <string.h>

#include "lark.h"
#include "datatype.h"
#include "op.h"
#include "win.h"

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

int lark_rma_op_check(MPI_Op op, MPI_Datatype type)
{
    if (op == MPI_REPLACE || op == MPI_NO_OP)
        return MPI_SUCCESS;
    if (!lark_op_is_predefined(op))
        return MPI_ERR_OP; /* user ops are not allowed in RMA */
    return lark_op_check(op, type);
}

/* Integer types whose SUM/BAND/BOR/BXOR map to one fetch-and-op. */
static bool is_integer(const struct lark_datatype *dt)
{
    switch (dt->basic) {
    case LARK_BASIC_CHAR:
    case LARK_BASIC_SCHAR:
    case LARK_BASIC_UCHAR:
    case LARK_BASIC_SHORT:
    case LARK_BASIC_USHORT:
    case LARK_BASIC_INT:
    case LARK_BASIC_UINT:
    case LARK_BASIC_LONG:
    case LARK_BASIC_ULONG:
    case LARK_BASIC_LLONG:
    case LARK_BASIC_ULLONG:
    case LARK_BASIC_INT8:
    case LARK_BASIC_UINT8:
    case LARK_BASIC_INT16:
    case LARK_BASIC_UINT16:
    case LARK_BASIC_INT32:
    case LARK_BASIC_UINT32:
    case LARK_BASIC_INT64:
    case LARK_BASIC_UINT64:
    case LARK_BASIC_AINT:
    case LARK_BASIC_OFFSET:
    case LARK_BASIC_COUNT:
    case LARK_BASIC_FORTRAN_INT:
        return true;
    default:
        return false;
    }
}

static void spin_acquire(struct lark_win_sync *s)
{
    while (atomic_exchange_explicit(&s->acc, 1, memory_order_acquire) != 0) {
        for (int i = 0; i < 64 && atomic_load_explicit(&s->acc, memory_order_relaxed); i++)
            cpu_relax();
        if (atomic_load_explicit(&s->acc, memory_order_relaxed))
            sched_yield(); /* the holder may be descheduled (oversubscribed) */
    }
}

static void spin_release(struct lark_win_sync *s)
{
    atomic_store_explicit(&s->acc, 0, memory_order_release);
}

/* One element of N bytes (N = 1, 2, 4, 8) by atomics. */
#define ATOMIC_ELEM(NAME, T)                                                                       \
    static void NAME(void *dst, const void *src, void *fetch, MPI_Op op, MPI_Datatype type,        \
                     bool intop)                                                                   \
    {                                                                                              \
        T *d = (T *)dst, s = 0, old;                                                               \
        if (src != NULL)                                                                           \
            memcpy(&s, src, sizeof(T));                                                            \
        if (op == MPI_NO_OP)                                                                       \
            old = __atomic_load_n(d, __ATOMIC_SEQ_CST);                                            \
        else if (op == MPI_REPLACE)                                                                \
            old = __atomic_exchange_n(d, s, __ATOMIC_SEQ_CST);                                     \
        else if (intop && op == MPI_SUM)                                                           \
            old = __atomic_fetch_add(d, s, __ATOMIC_SEQ_CST);                                      \
        else if (intop && op == MPI_BAND)                                                          \
            old = __atomic_fetch_and(d, s, __ATOMIC_SEQ_CST);                                      \
        else if (intop && op == MPI_BOR)                                                           \
            old = __atomic_fetch_or(d, s, __ATOMIC_SEQ_CST);                                       \
        else if (intop && op == MPI_BXOR)                                                          \
            old = __atomic_fetch_xor(d, s, __ATOMIC_SEQ_CST);                                      \
        else {                                                                                     \
            old = __atomic_load_n(d, __ATOMIC_RELAXED);                                            \
            T nv;                                                                                  \
            do {                                                                                   \
                nv = old;                                                                          \
                lark_op_apply(op, &s, &nv, 1, type);                                               \
            } while (!__atomic_compare_exchange_n(d, &old, nv, false, __ATOMIC_SEQ_CST,            \
                                                  __ATOMIC_RELAXED));                              \
        }                                                                                          \
        if (fetch != NULL)                                                                         \
            memcpy(fetch, &old, sizeof(T));                                                        \
    }
ATOMIC_ELEM(elem1, uint8_t)
ATOMIC_ELEM(elem2, uint16_t)
ATOMIC_ELEM(elem4, uint32_t)
ATOMIC_ELEM(elem8, uint64_t)

static bool atomic_ok(const struct lark_datatype *dt, const void *dst)
{
    size_t n = dt->size;
    return dt->contig && (n == 1 || n == 2 || n == 4 || n == 8) && ((uintptr_t)dst & (n - 1)) == 0;
}

void lark_rma_acc(struct lark_win_sync *sync, void *dst, const void *src, void *fetch, size_t count,
                  MPI_Datatype type, MPI_Op op)
{
    const struct lark_datatype *dt = lark_datatype_from_handle(type);
    if (count == 0 || dt == NULL)
        return;
    if (atomic_ok(dt, dst)) {
        bool intop = is_integer(dt);
        size_t n = dt->size;
        for (size_t i = 0; i < count; i++) {
            char *d0 = (char *)dst + i * n;
            const char *s0 = src ? (const char *)src + i * n : NULL;
            char *f0 = fetch ? (char *)fetch + i * n : NULL;
            switch (n) {
            case 1:
                elem1(d0, s0, f0, op, type, intop);
                break;
            case 2:
                elem2(d0, s0, f0, op, type, intop);
                break;
            case 4:
                elem4(d0, s0, f0, op, type, intop);
                break;
            default:
                elem8(d0, s0, f0, op, type, intop);
                break;
            }
        }
        return;
    }
    /* Under the target's accumulate lock.  Whole elements move with their
     * holes (extent) so pair types keep their layout. */
    size_t bytes = (size_t)dt->extent * count;
    spin_acquire(sync);
    if (fetch != NULL)
        memcpy(fetch, dst, bytes);
    if (op == MPI_REPLACE)
        memcpy(dst, src, bytes);
    else if (op != MPI_NO_OP)
        lark_op_apply(op, src, dst, count, type);
    spin_release(sync);
}

void lark_rma_cas(struct lark_win_sync *sync, void *dst, const void *src, const void *cmp,
                  void *fetch, MPI_Datatype type)
{
    const struct lark_datatype *dt = lark_datatype_from_handle(type);
    size_t n = dt->size;
    if (atomic_ok(dt, dst)) {
        uint64_t expect = 0, desired = 0;
        memcpy(&expect, cmp, n);
        memcpy(&desired, src, n);
        switch (n) {
        case 1: {
            uint8_t e = (uint8_t)expect;
            __atomic_compare_exchange_n((uint8_t *)dst, &e, (uint8_t)desired, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
            memcpy(fetch, &e, 1);
            break;
        }
        case 2: {
            uint16_t e = (uint16_t)expect;
            __atomic_compare_exchange_n((uint16_t *)dst, &e, (uint16_t)desired, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
            memcpy(fetch, &e, 2);
            break;
        }
        case 4: {
            uint32_t e = (uint32_t)expect;
            __atomic_compare_exchange_n((uint32_t *)dst, &e, (uint32_t)desired, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
            memcpy(fetch, &e, 4);
            break;
        }
        default: {
            uint64_t e = expect;
            __atomic_compare_exchange_n((uint64_t *)dst, &e, desired, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST);
            memcpy(fetch, &e, 8);
            break;
        }
        }
        return;
    }
    spin_acquire(sync);
    memcpy(fetch, dst, n);
    if (memcmp(dst, cmp, n) == 0)
        memcpy(dst, src, n);
    spin_release(sync);
}

bool lark_rma_trylock(struct lark_win_sync *s, int type)
{
    int64_t v = atomic_load_explicit(&s->lock, memory_order_relaxed);
    if (type == MPI_LOCK_EXCLUSIVE) {
        v = 0;
        return atomic_compare_exchange_strong_explicit(&s->lock, &v, -1, memory_order_acquire,
                                                       memory_order_relaxed);
    }
    while (v >= 0)
        if (atomic_compare_exchange_weak_explicit(&s->lock, &v, v + 1, memory_order_acquire,
                                                  memory_order_relaxed))
            return true;
    return false;
}

void lark_rma_unlock_word(struct lark_win_sync *s, int type)
{
    if (type == MPI_LOCK_EXCLUSIVE)
        atomic_store_explicit(&s->lock, 0, memory_order_release);
    else
        atomic_fetch_sub_explicit(&s->lock, 1, memory_order_release);
}

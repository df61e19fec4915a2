/*
 * handle.h -- where user-visible MPI objects live, so that any handle value
 * a program passes can be checked without dereferencing it blindly.
 *
 * Every object kind that has user handles (communicators, datatypes, ops,
 * requests, error handlers, groups, info objects, ...) takes its objects from
 * its own arena: a range of virtual memory reserved once (PROT_NONE, costing
 * nothing) and made readable and writable in chunks as it fills.  Objects
 * sit in slots of their size rounded up to 64 bytes (a free list per size),
 * so a handle is the object's address, as before, and
 * checking one is a subtraction, a compare with the committed end and a
 * mask: lark_handle_valid().  Only then may the caller read the object's
 * first member, its `uint32_t magic`, which tells a live object from a freed
 * slot (lark_handle_free zeroes the first 8 bytes) or from the inside of
 * another object.  A garbage value such as
 * (MPI_Comm)12345 or a stack address is rejected before any read, so it
 * gets the standard error class instead of SIGSEGV.  Predefined handles are
 * the ABI's small integers and are resolved before any of this.
 *
 * Plugging a new kind in: add it to enum lark_handle_kind, allocate its
 * objects with lark_handle_alloc(kind, sizeof *obj, zero) (the object's
 * first member must be its uint32_t magic), free them with
 * lark_handle_free(kind, obj, sizeof *obj) after zeroing its magic (the
 * arena keeps its free-list link in bytes 8..15 of a freed slot), and in its
 * lark_<kind>_from_handle() call lark_handle_valid(kind, h) before reading the magic.  Objects up
 * to 64 KiB; larger or variable-length parts go in allocations they point to.
 *
 * Thread safety: alloc and free take the arena's own lock (they may be
 * called before MPI_Init, without the runtime lock); lark_handle_valid takes
 * no lock.  Arenas are never unmapped, so a stale handle stays safe to check.
 */
#ifndef LARK_HANDLE_H_INCLUDED
#define LARK_HANDLE_H_INCLUDED

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lark_handle_kind {
    LARK_HANDLE_COMM,
    LARK_HANDLE_DATATYPE,
    LARK_HANDLE_OP,
    LARK_HANDLE_REQUEST,
    LARK_HANDLE_ERRHANDLER,
    LARK_HANDLE_GROUP,
    LARK_HANDLE_INFO,
    LARK_HANDLE_WIN,
    LARK_HANDLE_FILE,
    LARK_HANDLE_SESSION,
    LARK_HANDLE_MESSAGE,
    LARK_HANDLE_KINDS_
};

#define LARK_HANDLE_ALIGN 64 /* every slot starts at a multiple of this */

struct lark_arena {
    _Atomic(uintptr_t) base;   /* start of the reserved range; 0 until first use */
    _Atomic(size_t) committed; /* bytes from base that are mapped read/write */
};

extern struct lark_arena lark_arenas[LARK_HANDLE_KINDS_];

/* May p be read as an object of `kind` (its first 8 bytes are mapped memory
 * of kind's arena at a slot boundary)?  Never reads through p.  Cheap
 * enough for every call's argument check. */
static inline bool lark_handle_valid(enum lark_handle_kind kind, const void *p)
{
    const struct lark_arena *a = &lark_arenas[kind];
    uintptr_t off = (uintptr_t)p - atomic_load_explicit(&a->base, memory_order_acquire);
    return off < atomic_load_explicit(&a->committed, memory_order_acquire) &&
           (off & (LARK_HANDLE_ALIGN - 1)) == 0;
}

/* A slot of at least `size` bytes (<= 64 KiB) for a new object of `kind`;
 * zeroed when `zero` (a recycled slot otherwise holds the old object).
 * NULL when out of memory (or when a kind asks for more than 8 distinct
 * sizes).  Freed with lark_handle_free. */
void *lark_handle_alloc(enum lark_handle_kind kind, size_t size, bool zero);

/* Give a slot back (`size` as given to lark_handle_alloc): its first 8
 * bytes (the magic) are zeroed, so the old handle is recognised as invalid
 * until the slot is reused. */
void lark_handle_free(enum lark_handle_kind kind, void *obj, size_t size);

#endif

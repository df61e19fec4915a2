/*
 * handle.c -- the arenas user-visible objects live in (see handle.h).
 *
 * Per kind: LARK_ARENA_RESERVE bytes of address space reserved PROT_NONE at
 * the first allocation (no memory, no commit charge), made read/write
 * LARK_ARENA_CHUNK at a time as a bump pointer advances, never unmapped.
 * Slots are the object's size rounded up to 64 bytes, not to a power of
 * two: equal power-of-two strides put the same field of every object in
 * the same few cache sets, and walking a long list of them (the unexpected
 * queue of tests/mpi/flood.c) ran twice as slow.  Freed slots go on a free
 * list per slot size (a kind uses a few sizes) and are reused first.  The lock is the arena's own:
 * objects such as info objects and error handlers may be made before MPI_Init.
 */
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include "handle.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#define LARK_ARENA_RESERVE ((size_t)1 << 32) /* 4 GiB of addresses per kind */
#define LARK_ARENA_CHUNK   ((size_t)1 << 16) /* made read/write 64 KiB at a time */
#define LARK_ARENA_SIZES   8                 /* distinct slot sizes per kind */
#define LARK_ARENA_MAX     ((size_t)1 << 16) /* largest object */

struct lark_arena lark_arenas[LARK_HANDLE_KINDS_];

/* A freed slot: magic word zero, then the link (never at offset 0, so the
 * link can never look like a magic). */
struct free_slot {
    uint64_t zero;
    struct free_slot *next;
};

static struct {
    pthread_mutex_t lock;
    size_t top;                    /* bytes handed out from base (bump pointer) */
    size_t size[LARK_ARENA_SIZES]; /* slot sizes seen, 0 = unused entry */
    struct free_slot *free[LARK_ARENA_SIZES];
} state[LARK_HANDLE_KINDS_];

static pthread_once_t locks_once = PTHREAD_ONCE_INIT;

static void locks_init(void)
{
    for (int k = 0; k < LARK_HANDLE_KINDS_; k++)
        pthread_mutex_init(&state[k].lock, NULL);
}

/* The free-list entry of slot size `bytes` (adding it when new), or -1 when
 * the kind already uses LARK_ARENA_SIZES other sizes.  Arena lock held. */
static int size_entry(enum lark_handle_kind kind, size_t bytes)
{
    for (int c = 0; c < LARK_ARENA_SIZES; c++) {
        if (state[kind].size[c] == bytes)
            return c;
        if (state[kind].size[c] == 0) {
            state[kind].size[c] = bytes;
            return c;
        }
    }
    return -1;
}

static size_t slot_bytes(size_t size)
{
    return (size + LARK_HANDLE_ALIGN - 1) & ~(size_t)(LARK_HANDLE_ALIGN - 1);
}

/* Carve `bytes` from the arena's bump pointer, reserving the range on first
 * use and committing chunks as needed.  Arena lock held. */
static void *carve(struct lark_arena *a, size_t *top, size_t bytes)
{
    uintptr_t base = atomic_load_explicit(&a->base, memory_order_relaxed);
    if (base == 0) {
        void *p = mmap(NULL, LARK_ARENA_RESERVE, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        base = (uintptr_t)p;
        atomic_store_explicit(&a->base, base, memory_order_release);
    }
    size_t at = *top; /* a multiple of LARK_HANDLE_ALIGN */
    if (at + bytes > LARK_ARENA_RESERVE)
        return NULL;
    size_t committed = atomic_load_explicit(&a->committed, memory_order_relaxed);
    if (at + bytes > committed) {
        size_t want = (at + bytes + LARK_ARENA_CHUNK - 1) & ~(LARK_ARENA_CHUNK - 1);
        if (mprotect((void *)(base + committed), want - committed, PROT_READ | PROT_WRITE) != 0)
            return NULL;
#if defined(__SANITIZE_ADDRESS__)
        /* LeakSanitizer scans the heap, not our mappings: what a live
         * object points to (a type's contents, a communicator's group)
         * would look leaked. */
        __lsan_register_root_region((void *)(base + committed), want - committed);
#endif
        /* Published after the pages are usable: a checker that sees the new
         * end may read them. */
        atomic_store_explicit(&a->committed, want, memory_order_release);
    }
    *top = at + bytes;
    return (void *)(base + at);
}

void *lark_handle_alloc(enum lark_handle_kind kind, size_t size, bool zero)
{
    if (size == 0 || size > LARK_ARENA_MAX || kind < 0 || kind >= LARK_HANDLE_KINDS_)
        return NULL;
    size_t bytes = slot_bytes(size);
    pthread_once(&locks_once, locks_init);
    pthread_mutex_lock(&state[kind].lock);
    int c = size_entry(kind, bytes);
    void *p = NULL;
    if (c < 0) {
        /* more distinct sizes than the arena keeps lists for: refused */
    } else if (state[kind].free[c] != NULL) {
        p = state[kind].free[c];
        state[kind].free[c] = state[kind].free[c]->next;
        if (zero)
            memset(p, 0, bytes);
    } else {
        p = carve(&lark_arenas[kind], &state[kind].top, bytes); /* fresh: zero */
    }
    pthread_mutex_unlock(&state[kind].lock);
    return p;
}

void lark_handle_free(enum lark_handle_kind kind, void *obj, size_t size)
{
    if (obj == NULL)
        return;
    struct free_slot *f = obj;
    f->zero = 0; /* the magic: the handle is now invalid */
    pthread_mutex_lock(&state[kind].lock);
    int c = size_entry(kind, slot_bytes(size)); /* known: it was allocated */
    f->next = state[kind].free[c];
    state[kind].free[c] = f;
    pthread_mutex_unlock(&state[kind].lock);
}

/*
 * copy.h -- large copies between memories this process maps (put and get
 * on a window mapped here).
 *
 * glibc's memcpy moves large blocks with `rep movsb` only up to a limit it
 * ties to the cache sizes, and with a vector loop above it.  On the AMD
 * EPYC machines Lark is measured on (ERMS and FSRM announced), `rep movsb`
 * is the faster of the two from 1 MiB up: 1 MiB at 57 GB/s against
 * memcpy's 49, 2 MiB 54 against 47, 64 MiB 23-25 against 18-19 (best of
 * three, one core, page-aligned buffers; bench/README.md, RMA section).
 * lark_copy() takes `rep movsb` from lark_copy_movsb_min bytes on x86-64
 * CPUs that announce ERMS, memcpy everywhere else.  LARK_COPY_MOVSB_MIN
 * (bytes; "off": never) overrides the limit.
 */
#ifndef LARK_COPY_H_INCLUDED
#define LARK_COPY_H_INCLUDED

#include <stddef.h>
#include <string.h>

/* Copies of at least this many bytes use `rep movsb` (SIZE_MAX: never,
 * the value until lark_copy_init has run). */
extern size_t lark_copy_movsb_min;

/* Read the CPU's features and LARK_COPY_MOVSB_MIN, once (MPI_Init, or the
 * MPI_T control variable first). */
void lark_copy_init(void);

static inline void lark_copy(void *dst, const void *src, size_t n)
{
#if defined(__x86_64__)
    if (n >= lark_copy_movsb_min) {
        __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
        return;
    }
#endif
    memcpy(dst, src, n);
}

#endif

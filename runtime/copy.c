/*
 * copy.c -- choosing how lark_copy() moves large blocks (copy.h).
 */
#include "copy.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

size_t lark_copy_movsb_min = SIZE_MAX;

/* Enhanced REP MOVSB/STOSB: CPUID leaf 7, subleaf 0, EBX bit 9. */
static int cpu_has_erms(void)
{
#if defined(__x86_64__)
    unsigned a, b, c, d;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return (b >> 9) & 1;
#endif
    return 0;
}

void lark_copy_init(void)
{
    static bool done; /* MPI_T may ask before MPI_Init: the first call decides */
    if (done)
        return;
    done = true;
    size_t min = cpu_has_erms() ? (size_t)1 << 20 : SIZE_MAX;
    const char *s = getenv("LARK_COPY_MOVSB_MIN");
    if (s != NULL && *s != '\0') {
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (strcmp(s, "off") == 0)
            min = SIZE_MAX;
        else if (*end == '\0' && s[0] != '-')
            min = v == 0 ? 1 : (size_t)v;
        else
            fprintf(stderr,
                    "lark: LARK_COPY_MOVSB_MIN=%s is not a byte count or \"off\"; "
                    "keeping the default\n",
                    s);
    }
#if !defined(__x86_64__)
    min = SIZE_MAX;
#endif
    lark_copy_movsb_min = min;
}

/* Where single-copy reads (CMA, process_vm_readv) start to pay, decided by
 * what a read costs on this machine rather than by one machine's numbers.
 *
 * A large message between two ranks of a node either streams through the
 * pool (the sender copies in, the receiver copies out, the two overlapping
 * piece by piece) or is read by the receiver in one copy.  Which wins from
 * which size depends on what the kernel pays per read (pinning the pages,
 * walking the other process's page tables), and that differs by a factor
 * of five between the VMs this project has run on:
 *   - AMD EPYC VM (Linux 6.1): a read of 64 KiB cost 25-40 us against 7
 *     streamed; the two crossed near 2 MiB.
 *   - Intel Xeon VM (Linux 6.18): a read of 64 KiB from itself costs
 *     6.5-7 us, 3.1 x a memcpy of it; from 64 KiB up a read gives 2.2 x the
 *     bidirectional bandwidth of the stream (17.5 against 7.7 GB/s, Open
 *     MPI 16.4) and 1.3 x the one-way bandwidth, at the cost of the 64 KiB
 *     ping-pong (19 us against 11, Open MPI 22); from 128 KiB it also wins
 *     the ping-pong (16 against 18 us).
 * So at startup each rank with a local peer times a read of 64 KiB from
 * its own memory against a memcpy of the same bytes (the best of 5, about
 * 50 us in all, two 64 KiB buffers freed at once).  Within CMA_FAST times
 * the copy, reads are cheap: one way they start at 128 KiB (a 64 KiB
 * ping-pong stays on the faster stream), and both ways (the receiver
 * streaming to the sender too) at 64 KiB; otherwise at 2 MiB and 256 KiB,
 * the AMD VM's crossings.  A rank whose timing came out differently from
 * its peer's only chooses differently how it reads: either choice works
 * with any sender. */
#include "cma_cost.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define PROBE    (64u << 10)
#define CMA_FAST 5 /* the Intel VM measured 3.1, the AMD one about 10 */

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

bool lark_shm_cma_cheap(void)
{
    char *a = malloc(PROBE), *b = malloc(PROBE);
    bool cheap = false;
    if (a == NULL || b == NULL)
        goto out;
    memset(a, 1, PROBE);
    memset(b, 2, PROBE);
    int64_t best_read = INT64_MAX, best_copy = INT64_MAX;
    for (int i = 0; i < 5; i++) {
        struct iovec l = {b, PROBE}, r = {a, PROBE};
        int64_t t = now_ns();
        if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) != (ssize_t)PROBE)
            goto out; /* refused here: the runtime finds out on its own */
        t = now_ns() - t;
        best_read = t < best_read ? t : best_read;
        t = now_ns();
        memcpy(b, a, PROBE);
        __asm__ volatile("" : : "r"(b) : "memory"); /* the copy stays */
        t = now_ns() - t;
        best_copy = t < best_copy ? t : best_copy;
    }
    cheap = best_read <= CMA_FAST * best_copy;
out:
    free(a);
    free(b);
    return cheap;
}

/*
 * progress.c -- waiting without wasting the core.
 *
 * One engine polls every transport (lark_p2p_progress).  A waiting thread
 * polls in a tight loop for a while, then yields the CPU between polls, then
 * sleeps on this process's doorbell: a futex word that lives in shared
 * memory once the shm transport is up, so a peer that writes a frame for us
 * can wake us.  When ranks outnumber cores the spin phase is cut short, so
 * an idle rank gives its core to the rank that has work.
 *
 * The doorbell protocol (no lost wake-ups): the sleeper increments
 * `sleepers`, issues a full fence, reads `seq`, polls once more, and only
 * then futex-waits on `seq`.  The waker makes its frame visible, issues a
 * full fence, and if `sleepers` is non-zero bumps `seq` and futex-wakes.
 * Either the sleeper's last poll sees the frame or the waker sees the
 * sleeper.  Sleeps are bounded (LARK_SLEEP_NS) as a safety net.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lark.h"
#include "p2p.h"
#include "progress.h"
#include "runtime.h"
#include "transport.h"

#define LARK_SLEEP_NS 20000000L /* 20 ms: a safety net, not a polling period */

static struct lark_doorbell private_bell;
/* Where this process's doorbell is: written at init and finalize by the
 * main thread, read by any thread (atomic: PMIx's thread rings it too). */
static struct lark_doorbell *_Atomic bell = &private_bell;
/* The waiting policy: poll tightly for spin_ns, then yield between polls
 * until yield_ns, then sleep.  Set by lark_progress_init from the layout,
 * overridable with LARK_WAIT_SPIN_US / LARK_WAIT_YIELD_US. */
static int64_t spin_ns = 2000000;   /* 2 ms */
static int64_t yield_ns = 20000000; /* then 20 ms of yielding */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void lark_progress_init(int ncpu)
{
    if (ncpu > 0 && lark_rt.local_size > ncpu) {
        /* Oversubscribed: the rank we wait for may need our core.  Yield
         * after every empty poll (no spinning at all: 8 ranks on 2 cores
         * lost 20-30% of an 8-byte allreduce to 1-2 us of spinning per
         * wait), for 100 us, then sleep until rung: a sleeping rank is
         * off the run queue, and the futex wake-up hands the core straight
         * to the rank that has work. */
        spin_ns = 0;
        yield_ns = 100000;
    }
    const char *env = getenv("LARK_WAIT_SPIN_US");
    if (env != NULL)
        spin_ns = atoll(env) * 1000;
    env = getenv("LARK_WAIT_YIELD_US");
    if (env != NULL)
        yield_ns = atoll(env) * 1000;
}

void lark_transport_set_doorbell(struct lark_doorbell *db)
{
    bell = db != NULL ? db : &private_bell;
}

void lark_doorbell_ring(struct lark_doorbell *db)
{
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&db->sleepers, memory_order_relaxed) != 0) {
        atomic_fetch_add_explicit(&db->seq, 1, memory_order_seq_cst);
        syscall(SYS_futex, &db->seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    }
}

void lark_progress_wake_self(void)
{
    lark_doorbell_ring(bell);
}

void lark_transport_wake_self(void)
{
    if (lark_rt.locking)
        lark_doorbell_ring(bell);
}

static bool poll_once(bool (*done)(void *), void *arg, int *events)
{
    lark_lock();
    bool d = done(arg);
    if (!d) {
        *events = lark_p2p_progress();
        d = done(arg);
    }
    lark_unlock();
    return d;
}

void lark_progress_wait(bool (*done)(void *arg), void *arg)
{
    unsigned idle = 0;
    bool yielding = spin_ns == 0; /* oversubscribed: give the core away at once */
    int64_t since = 0;            /* when the current idle stretch began (0: not yet read) */
    for (;;) {
        int ev = 0;
        if (poll_once(done, arg, &ev))
            return;
        if (ev > 0) {
            idle = 0;
            since = 0;
            yielding = spin_ns == 0;
            continue;
        }
        /* Spinning: read the clock only every 32 idle polls (it costs more
         * than a poll).  Yielding: every poll, since a yield costs more. */
        if (!yielding && (++idle & 31) != 0) {
            cpu_relax();
            continue;
        }
        int64_t t = now_ns();
        if (since == 0)
            since = t;
        if (t - since < spin_ns) {
            cpu_relax();
            continue;
        }
        if (t - since < spin_ns + yield_ns) {
            yielding = true;
            sched_yield();
            continue;
        }
        /* Sleep until rung (see the protocol above). */
        struct lark_doorbell *b = bell;
        atomic_fetch_add_explicit(&b->sleepers, 1, memory_order_seq_cst);
        atomic_thread_fence(memory_order_seq_cst);
        uint32_t seen = atomic_load_explicit(&b->seq, memory_order_seq_cst);
        ev = 0;
        if (poll_once(done, arg, &ev)) {
            atomic_fetch_sub_explicit(&b->sleepers, 1, memory_order_seq_cst);
            return;
        }
        if (ev == 0) {
            struct timespec ts = {0, LARK_SLEEP_NS};
            syscall(SYS_futex, &b->seq, FUTEX_WAIT, seen, &ts, NULL, 0);
        }
        atomic_fetch_sub_explicit(&b->sleepers, 1, memory_order_seq_cst);
        /* Woken: poll hard again, more may follow. */
        idle = 0;
        since = 0;
        yielding = spin_ns == 0;
    }
}

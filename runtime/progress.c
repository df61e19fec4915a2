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
 * sleeper.  A sender whose frames wait for room in a full ring is a
 * sleeper like any other: before it sleeps it arms the transports
 * (lark_peer_arm: shm asks the consumer of each full ring to ring it),
 * so a sender that only polls again costs the consumer nothing.  Sleeps
 * are bounded (LARK_SLEEP_NS) as a safety net.
 *
 * The waker's fence is paid on every message, the sleeper's only when it
 * sleeps; so the sleeper pays for both: where the kernel offers it, every
 * rank registers for membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) and
 * marks its doorbells LARK_BELL_MEMBARRIER, and its sleeper issues that
 * membarrier instead of its fence, which runs a full barrier on every CPU
 * that runs a registered process at that moment (one that is not running
 * passed one when it was switched out).  Then a waker's store of the frame
 * and its load of `sleepers` need only stay in program order: either the
 * barrier fell between them (the frame is visible to the sleeper's last
 * poll) or both come after the sleeper's count (the waker sees it).  A
 * waker whose process did not register, or a doorbell without the mark,
 * keeps the fence.  The fence stalled the sender on every message until
 * its store of the frame had crossed to the receiver's core (message rate
 * 1-64 B +7%, runtime/README.md).  But a membarrier interrupts the other
 * CPUs and costs 1-50 us on this VM: worth it only where sleeps are rare,
 * so a job with more local ranks than the node has CPUs (it sleeps at
 * every wait) keeps the fences.  The choice is made before any peer sees a
 * doorbell (MPI_Init, before the fence: from the local rank count and the
 * CPUs this rank may use) and never changes.  LARK_WAIT_MEMBARRIER=0/1 forces it.
 *
 * When a transport has a wait source of its own (a file descriptor, e.g.
 * TCP's epoll set), one futex cannot cover it: the process then sleeps in
 * ONE epoll_wait over every transport's source plus its wake socket, a
 * datagram socket in the abstract namespace whose name is in the doorbell.
 * The protocol is the same with `fd_sleepers` for `sleepers` and a datagram
 * for the futex wake: the sleeper counts itself, fences, arms the
 * transports, polls once more, then waits; a waker that sees fd_sleepers
 * sends one byte.  With shm (and self) alone, the futex stays: it is the
 * cheaper wake-up.  LARK_WAIT_EPOLL=1 forces the epoll path (tests).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lark.h"
#include "mpit/stats.h"
#include "p2p.h"
#include "peer.h"
#include "progress.h"
#include "runtime.h"
#include "transport.h"
#include "where.h"

#define LARK_SLEEP_NS 20000000L /* 20 ms: a safety net, not a polling period */

static struct lark_doorbell private_bell;
/* Where this process's doorbell is: written at init and finalize by the
 * main thread, read by any thread (atomic: PMIx's thread rings it too). */
static struct lark_doorbell *_Atomic bell = &private_bell;
/* The waiting policy: poll tightly for spin_ns, then yield between polls
 * until yield_ns, then sleep.  Set by lark_progress_init from the layout,
 * overridable with LARK_WAIT_SPIN_US / LARK_WAIT_YIELD_US. */
static _Atomic int64_t spin_ns = 2000000;   /* 2 ms; atomic: MPI_T may write it */
static _Atomic int64_t yield_ns = 20000000; /* then 20 ms of yielding */
static bool policy_by_tool;                 /* MPI_T wrote it before MPI_Init: keep it */
/* The epoll path (see above): -1 when sleeping on the futex.  Made by
 * lark_progress_init, closed by lark_progress_finalize. */
static int ep_fd = -1;
static int bell_sock = -1;         /* our wake socket, in ep_fd */
static uint64_t bell_id[2];        /* its name, copied into every doorbell we own */
static _Atomic int ring_sock = -1; /* unbound socket to ring others' wake sockets */
/* Whether this process registered for the sleeper-side membarrier (see
 * above): 1 yes, -1 no, 0 not decided yet.  Decided by the main thread at
 * init, read by any thread (wakers). */
static _Atomic int membarrier_state;

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

/* Decide, once, whether this process's doorbells use the sleeper-side
 * membarrier; register for it if so.  Main thread, at init, before any
 * peer can see a doorbell of ours (so before the fence of MPI_Init: the
 * layout is known only roughly then, see above). */
static bool membarrier_setup(void)
{
    int st = atomic_load_explicit(&membarrier_state, memory_order_relaxed);
    if (st == 0) {
        const char *env = getenv("LARK_WAIT_MEMBARRIER");
        /* Bound to one CPU: the launcher binds only ranks that fit the
         * cores.  Else our mask is what the whole job may use (taskset,
         * cgroup, or the whole node). */
        cpu_set_t mask;
        int ncpu = sched_getaffinity(0, sizeof mask, &mask) == 0
                       ? CPU_COUNT(&mask)
                       : (int)sysconf(_SC_NPROCESSORS_ONLN);
        bool want = env != NULL ? atoi(env) != 0 : ncpu == 1 || lark_rt.local_size <= ncpu;
        long cmds = want ? syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0) : 0;
        st = cmds > 0 && (cmds & MEMBARRIER_CMD_GLOBAL_EXPEDITED) &&
                     syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0
                 ? 1
                 : -1;
        atomic_store_explicit(&membarrier_state, st, memory_order_release);
        if (st > 0)
            atomic_fetch_or_explicit(&private_bell.flags, LARK_BELL_MEMBARRIER,
                                     memory_order_relaxed);
    }
    return st > 0;
}

/* The sleeper's side of the doorbell protocol, after it counted itself.
 * Should the kernel ever refuse the membarrier (it cannot once we
 * registered, by its documentation), our doorbells lose their mark first,
 * so every later waker fences for itself; a waker that read the mark
 * before that may miss this one sleep, which its bound then ends. */
static void sleeper_fence(const struct lark_doorbell *b)
{
    if (atomic_load_explicit(&b->flags, memory_order_relaxed) & LARK_BELL_MEMBARRIER) {
        if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0) == 0)
            return;
        atomic_fetch_and_explicit(&private_bell.flags, ~LARK_BELL_MEMBARRIER, memory_order_relaxed);
        atomic_fetch_and_explicit(&bell->flags, ~LARK_BELL_MEMBARRIER, memory_order_relaxed);
    }
    atomic_thread_fence(memory_order_seq_cst);
}

void lark_transport_fence_sleeper(void)
{
    sleeper_fence(&private_bell); /* marked exactly when this process registered */
}

void lark_transport_fence_waker(const struct lark_doorbell *sleeper)
{
    if ((atomic_load_explicit(&sleeper->flags, memory_order_relaxed) & LARK_BELL_MEMBARRIER) &&
        atomic_load_explicit(&membarrier_state, memory_order_relaxed) > 0)
        atomic_signal_fence(memory_order_seq_cst); /* the sleeper's membarrier covers us */
    else
        atomic_thread_fence(memory_order_seq_cst);
}

static socklen_t bell_addr(const uint64_t id[2], struct sockaddr_un *a)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    int n = snprintf(a->sun_path + 1, sizeof a->sun_path - 1, "lark-bell-%016" PRIx64 "%016" PRIx64,
                     id[0], id[1]);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

/* Set up the epoll path: our wake socket and every transport's source. */
static int epoll_start(const int *fds, int n)
{
    if (getrandom(bell_id, sizeof bell_id, 0) != (ssize_t)sizeof bell_id)
        return LARK_ERR_SYSTEM;
    bell_id[0] |= 1; /* never all zero: zero means "no socket" */
    bell_sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ep_fd = epoll_create1(EPOLL_CLOEXEC);
    struct sockaddr_un a;
    socklen_t alen = bell_addr(bell_id, &a);
    struct epoll_event ev = {.events = EPOLLIN};
    int rc = bell_sock < 0 || ep_fd < 0 || bind(bell_sock, (struct sockaddr *)&a, alen) != 0 ||
             epoll_ctl(ep_fd, EPOLL_CTL_ADD, bell_sock, &ev) != 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = epoll_ctl(ep_fd, EPOLL_CTL_ADD, fds[i], &ev) != 0;
    if (rc != 0) {
        fprintf(stderr, "Lark MPI: rank %d (host %s): cannot set up waiting in epoll: %s\n",
                lark_rt.rank, lark_rt.hostname, strerror(errno));
        lark_progress_finalize();
        return LARK_ERR_SYSTEM;
    }
    memcpy(private_bell.sock, bell_id, sizeof bell_id);
    memcpy(bell->sock, bell_id, sizeof bell_id);
    return LARK_OK;
}

void lark_progress_finalize(void)
{
    if (ep_fd >= 0)
        close(ep_fd);
    if (bell_sock >= 0)
        close(bell_sock);
    int r = atomic_exchange(&ring_sock, -1);
    if (r >= 0)
        close(r);
    ep_fd = bell_sock = -1;
    memset(bell_id, 0, sizeof bell_id);
    memset(private_bell.sock, 0, sizeof private_bell.sock);
}

int lark_progress_init(int ncpu)
{
    membarrier_setup();
    if (policy_by_tool) {
        /* The tool's choice stands over the layout's and the environment's. */
    } else if (ncpu > 0 && lark_rt.local_size > ncpu) {
        /* Oversubscribed: the rank we wait for may need our core.  Yield
         * after every empty poll (no spinning at all: 8 ranks on 2 cores
         * lost 20-30% of an 8-byte allreduce to 1-2 us of spinning per
         * wait), for 100 us, then sleep until rung: a sleeping rank is
         * off the run queue, and the futex wake-up hands the core straight
         * to the rank that has work. */
        spin_ns = 0;
        yield_ns = 100000;
        /* A rank that leads its session (mpirun --session-per-rank, or
         * another launcher's choice) is alone in its autogroup, and
         * sched_yield hands the core only within one: yielding would
         * spin.  Sleep at once (8 ranks around a ring on 2 cores beside
         * other sessions: 0.36-0.50 ms an exchange instead of 1.4-1.8). */
        if (getsid(0) == getpid())
            yield_ns = 0;
    }
    const char *env = getenv("LARK_WAIT_SPIN_US");
    if (env != NULL && !policy_by_tool)
        spin_ns = atoll(env) * 1000;
    env = getenv("LARK_WAIT_YIELD_US");
    if (env != NULL && !policy_by_tool)
        yield_ns = atoll(env) * 1000;
    int fds[LARK_MAX_WAIT_FDS];
    int n = lark_peer_wait_fds(fds, LARK_MAX_WAIT_FDS);
    env = getenv("LARK_WAIT_EPOLL");
    if (n > 0 || (env != NULL && atoi(env) != 0))
        return epoll_start(fds, n);
    return LARK_OK;
}

void lark_progress_policy(int64_t *spin, int64_t *yield)
{
    *spin = spin_ns;
    *yield = yield_ns;
}

void lark_progress_set_policy(int64_t spin, int64_t yield)
{
    spin_ns = spin;
    yield_ns = yield;
    if (!lark_initialized())
        policy_by_tool = true;
}

bool lark_progress_oversubscribed(void)
{
    return spin_ns == 0;
}

bool lark_progress_membarrier(void)
{
    return atomic_load_explicit(&membarrier_state, memory_order_acquire) > 0;
}

void lark_transport_set_doorbell(struct lark_doorbell *db)
{
    if (db != NULL) {
        memcpy(db->sock, bell_id, sizeof bell_id);
        atomic_store_explicit(&db->flags, membarrier_setup() ? LARK_BELL_MEMBARRIER : 0,
                              memory_order_relaxed);
    }
    bell = db != NULL ? db : &private_bell;
}

/* Send one byte to the wake socket named in `db`.  The socket we send from
 * is made once, by whichever thread rings first. */
static void ring_socket(const struct lark_doorbell *db)
{
    int fd = atomic_load(&ring_sock);
    if (fd < 0) {
        int mine = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (mine < 0)
            return; /* the sleeper's bounded sleep ends its wait */
        int expected = -1;
        if (atomic_compare_exchange_strong(&ring_sock, &expected, mine)) {
            fd = mine;
        } else {
            close(mine);
            fd = expected;
        }
    }
    struct sockaddr_un a;
    socklen_t alen = bell_addr(db->sock, &a);
    char byte = 1;
    /* EAGAIN: its queue is full of wake-ups already, it will wake. */
    (void)sendto(fd, &byte, 1, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&a, alen);
}

void lark_doorbell_ring(struct lark_doorbell *db)
{
    lark_transport_fence_waker(db);
    if (atomic_load_explicit(&db->sleepers, memory_order_relaxed) != 0) {
        atomic_fetch_add_explicit(&db->seq, 1, memory_order_seq_cst);
        syscall(SYS_futex, &db->seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    }
    if (LARK_UNLIKELY(atomic_load_explicit(&db->fd_sleepers, memory_order_relaxed) != 0) &&
        db->sock[0] != 0)
        ring_socket(db);
}

void lark_progress_wake_self(void)
{
    lark_doorbell_ring(bell);
}

int lark_transport_sleepers(void)
{
    return atomic_load_explicit(&bell->fd_sleepers, memory_order_seq_cst);
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

/* Sleep in epoll over the wake socket and the transports' sources (see
 * the protocol above).  Returns whether done() became true. */
static bool sleep_epoll(bool (*done)(void *), void *arg)
{
    struct lark_doorbell *b = bell;
    atomic_fetch_add_explicit(&b->fd_sleepers, 1, memory_order_seq_cst);
    sleeper_fence(b);
    lark_lock();
    bool d = done(arg);
    int ev = 0;
    if (!d) {
        ev = lark_peer_arm();
        if (ev == 0) {
            ev = lark_p2p_progress();
            d = done(arg);
        }
    }
    lark_unlock();
    if (!d && ev == 0) {
        struct epoll_event evs[8];
        epoll_wait(ep_fd, evs, 8, LARK_SLEEP_NS / 1000000);
        char buf[64];
        while (recv(bell_sock, buf, sizeof buf, MSG_DONTWAIT) > 0)
            ;
    }
    atomic_fetch_sub_explicit(&b->fd_sleepers, 1, memory_order_seq_cst);
    return d;
}

/* The waiting loop; returns when it first found itself idle (the clock at
 * its first reading), 0 if never. */
static int64_t wait_until(bool (*done)(void *arg), void *arg, const struct lark_where_call *w)
{
    int64_t first = 0;
    unsigned idle = 0;
    bool yielding = spin_ns == 0; /* oversubscribed: give the core away at once */
    int64_t since = 0;            /* when the current idle stretch began (0: not yet read) */
    for (;;) {
        int ev = 0;
        if (poll_once(done, arg, &ev))
            return first;
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
        if (first == 0) {
            first = t;
            if (w != NULL) /* waiting for real: say where (lark_progress_wait_as) */
                lark_where_enter(w->call, w->kind, w->c, w->rank, w->tag, w->bytes);
            else /* or the blocking collective this wait is part of */
                lark_where_defer_show();
        }
        if (t - since < spin_ns) {
            cpu_relax();
            continue;
        }
        if (t - since < spin_ns + yield_ns) {
            yielding = true;
            sched_yield();
            continue;
        }
        lark_where_queues(); /* what a stuck rank waits for, for mpirun's report */
        if (ep_fd >= 0) {
            if (sleep_epoll(done, arg))
                return first;
            idle = 0;
            since = 0;
            yielding = spin_ns == 0;
            continue;
        }
        /* Sleep until rung (see the protocol above). */
        struct lark_doorbell *b = bell;
        atomic_fetch_add_explicit(&b->sleepers, 1, memory_order_seq_cst);
        sleeper_fence(b);
        uint32_t seen = atomic_load_explicit(&b->seq, memory_order_seq_cst);
        ev = 0;
        if (poll_once(done, arg, &ev)) {
            atomic_fetch_sub_explicit(&b->sleepers, 1, memory_order_seq_cst);
            return first;
        }
        if (ev == 0) {
            /* A sender whose frames wait for room asks the receivers to
             * ring us (shm: want_wake), now that we count as a sleeper. */
            lark_lock();
            ev = lark_peer_arm();
            lark_unlock();
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

void lark_progress_wait_as(bool (*done)(void *arg), void *arg, const struct lark_where_call *w)
{
    int64_t first = wait_until(done, arg, w);
    if (first != 0) { /* MPI_T's lark_wait_time: idle stretches only, not the first polls */
        atomic_fetch_add_explicit(&lark_stats.wait_ns, (uint64_t)(now_ns() - first),
                                  memory_order_relaxed);
        if (w != NULL)
            lark_where_leave();
    }
}

void lark_progress_wait(bool (*done)(void *arg), void *arg)
{
    lark_progress_wait_as(done, arg, NULL);
}

/* The job's output on mpirun's side of the loop (job.c): the ranks' pipes
 * are read into mpirun's stdout and stderr through sinks (sink.c), which
 * never block the loop.  While a sink holds more than SINK_BOUND bytes, the
 * ranks' pipes of that stream are not read (the ranks wait in their
 * writes); a dead rank's pipes are drained a bounded amount; after the last
 * rank, what the sinks still hold is written (a failed job gets FLUSH_MS
 * from the teardown) and the rest is dropped with a note. */
#include "launcher.h"
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define SINK_BOUND   (4 << 20)               /* bytes queued for stdout or stderr before pausing */
#define FLUSH_MS     LARK_LOOP_KILL_GRACE_MS /* from the teardown: time a failed job's output gets */
#define DRAIN_ROUNDS 16                      /* reads of a dead rank's pipe at a time (4 MiB) */

/* Read what a rank's pipes hold now (it is dead, or the job ends): a
 * bounded amount, in case something still writes into them. */
static void drain_fd(struct loop *L, int *fd, struct lark_iof **io)
{
    if (*fd < 0)
        return;
    int r, rounds = 0;
    while ((r = lark_iof_read(*io, *fd)) == 2 && ++rounds < DRAIN_ROUNDS)
        ;
    if (r == 0) {
        lark_loop_ep_del(L, *fd);
        close(*fd);
        *fd = -1;
        lark_iof_free(*io);
        *io = NULL;
    }
}

void lark_loop_drain(struct loop *L, int i)
{
    struct lark_proc *p = &L->job->procs[i];
    drain_fd(L, &p->fd_out, &L->iof_out[i]);
    drain_fd(L, &p->fd_err, &L->iof_err[i]);
}

/* Stop or resume reading the ranks' pipes of stream w (0 stdout, 1 stderr). */
static void pause_stream(struct loop *L, int w, bool pause)
{
    L->paused[w] = pause;
    for (int i = 0; i < L->job->nprocs; i++) {
        struct lark_proc *p = &L->job->procs[i];
        int fd = w == 0 ? p->fd_out : p->fd_err;
        if (fd < 0)
            continue;
        struct epoll_event ev = {.events = pause ? 0 : EPOLLIN,
                                 .data.u64 = lark_loop_key(w == 0 ? SRC_OUT : SRC_ERR, i)};
        epoll_ctl(L->ep, EPOLL_CTL_MOD, fd, &ev);
    }
}

/* After each round of events: write what the sinks hold, poll for room
 * while something waits, and pause the ranks' pipes of a stream whose
 * sink is over its bound (resumed below half of it). */
void lark_loop_service_sinks(struct loop *L)
{
    for (int w = 0; w < 2; w++) {
        struct lark_sink *k = L->sink[w];
        if (!k)
            continue;
        bool waiting = lark_sink_flush(k) > 0;
        if (waiting != L->sink_polled[w]) {
            if (waiting)
                L->sink_polled[w] =
                    lark_loop_ep_add(L, lark_sink_fd(k), EPOLLOUT, SRC_SINK, w) == 0;
            else {
                lark_loop_ep_del(L, lark_sink_fd(k));
                L->sink_polled[w] = false;
            }
        }
        size_t q = lark_sink_pending(k);
        if (!L->paused[w] && q > SINK_BOUND)
            pause_stream(L, w, true);
        else if (L->paused[w] && q < SINK_BOUND / 2)
            pause_stream(L, w, false);
    }
}

/* After the last rank: write what the sinks still hold.  A clean job waits
 * for the reader as long as it takes (SIGINT, SIGTERM, SIGHUP or SIGQUIT
 * end the wait); a failed job gives it until FLUSH_MS after the teardown
 * began.  What is left is dropped, with a note. */
void lark_loop_flush_sinks(struct loop *L)
{
    for (int w = 0; w < 2; w++)
        if (L->sink_polled[w]) {
            lark_loop_ep_del(L, lark_sink_fd(L->sink[w]));
            L->sink_polled[w] = false;
        }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event a = {.events = EPOLLIN, .data.u32 = 2};
    if (ep >= 0)
        epoll_ctl(ep, EPOLL_CTL_ADD, L->sigfd, &a);
    bool stop = ep < 0;
    while (!stop && (lark_sink_flush(L->sink[0]) | lark_sink_flush(L->sink[1]))) {
        int wait_ms = -1;
        if (L->failing) {
            long long left = L->teardown_ms + FLUSH_MS - lark_loop_now();
            if (left <= 0)
                break;
            wait_ms = (int)left;
        }
        for (int w = 0; w < 2; w++) {
            if (L->sink_polled[w] || !lark_sink_pending(L->sink[w]))
                continue;
            struct epoll_event o = {.events = EPOLLOUT, .data.u32 = (uint32_t)w};
            L->sink_polled[w] = epoll_ctl(ep, EPOLL_CTL_ADD, lark_sink_fd(L->sink[w]), &o) == 0;
        }
        struct epoll_event evs[3];
        int n = epoll_wait(ep, evs, 3, wait_ms);
        if (n < 0 && errno != EINTR)
            break;
        for (int e = 0; e < n; e++) {
            if (evs[e].data.u32 != 2)
                continue;
            struct signalfd_siginfo si;
            while (read(L->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                int sig = (int)si.ssi_signo;
                if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT) {
                    if (!L->failing) {
                        L->failing = true;
                        L->exit_code = 128 + sig;
                    }
                    stop = true;
                } else if (sig == SIGCHLD) {
                    while (waitpid(-1, NULL, WNOHANG) > 0)
                        ;
                }
            }
        }
    }
    if (ep >= 0)
        close(ep);
    L->sink_polled[0] = L->sink_polled[1] = false;
    size_t lost[2] = {lark_sink_drop(L->sink[0]), lark_sink_drop(L->sink[1])};
    for (int w = 0; w < 2; w++) {
        if (!lost[w])
            continue;
        char note[256];
        int n = snprintf(note, sizeof(note),
                         "mpirun: %zu bytes of the job's output to %s were dropped: nobody read "
                         "them before the job ended\n",
                         lost[w], w == 0 ? "stdout" : "stderr");
        lark_sink_put(L->sink[1], note, (size_t)n);
        lark_sink_flush(L->sink[1]);
    }
}

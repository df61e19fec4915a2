/* The running job: one epoll loop in mpirun's main thread over the ranks'
 * stdout/stderr pipes, mpirun's stdin, a signalfd (SIGCHLD and the signals we
 * forward), the pipe on which the PMIx server thread posts connect/finalize/
 * abort events, and two timerfds (--timeout, and the grace period between
 * SIGTERM and SIGKILL).  No sleeps, no polling.
 *
 * Failure rules: the first rank that dies from a signal, exits non-zero,
 * exits without PMIx_Finalize after PMIx_Init, or exits before PMIx_Init while
 * others did call it (they would wait in the fence forever), or calls
 * MPI_Abort, gets one line on stderr, and every other rank's process group
 * gets SIGTERM then, after a grace period, SIGKILL.  mpirun's exit status is
 * the failing rank's status (128+signal for a signal, the MPI_Abort code).
 * Later deaths during teardown are the teardown's doing and are not reported.
 *
 * Output never blocks the loop: it goes through sinks (output.c). */
#include "launcher.h"
#include "loop.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_TIMEOUT 124
#define VERDICT_MS   300 /* see check_suspects */
/* MPI_ERR_PROC_ABORTED: the code a rank aborts with when it loses a peer
 * (runtime/peer.c). */
#define ABORT_LOST_PEER 58

uint64_t lark_loop_key(enum src_kind k, int idx)
{
    return ((uint64_t)k << 32) | (uint32_t)idx;
}

int lark_loop_ep_add(struct loop *L, int fd, uint32_t events, enum src_kind k, int idx)
{
    struct epoll_event ev = {.events = events, .data.u64 = lark_loop_key(k, idx)};
    return epoll_ctl(L->ep, EPOLL_CTL_ADD, fd, &ev);
}

void lark_loop_ep_del(struct loop *L, int fd)
{
    epoll_ctl(L->ep, EPOLL_CTL_DEL, fd, NULL);
}

static void signal_job(struct loop *L, int sig)
{
    for (int i = 0; i < L->job->nprocs; i++) {
        struct lark_proc *p = &L->job->procs[i];
        if (p->pid > 0 && !p->exited && p->node == L->job->map.me)
            lark_spawn_signal(p, sig);
    }
    if (L->remote) {
        struct lark_buf b = {0};
        lark_buf_u32(&b, (uint32_t)sig);
        lark_down_send(&L->down, &L->tree, -1, LARK_MSG_SIGNAL, b.data, b.len);
        lark_buf_free(&b);
    }
}

long long lark_loop_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* LARK_MPIRUN_DEBUG lines, stamped with ms since the loop started. */
static long long dbg_t0;
void lark_loop_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lark_loop_dbg(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "mpirun[debug]: %7lld ms %s", lark_loop_now() - dbg_t0, line);
}

void lark_loop_arm(int fd, long ms)
{
    struct itimerspec its = {0};
    its.it_value.tv_sec = ms / 1000;
    its.it_value.tv_nsec = (ms % 1000) * 1000000L;
    timerfd_settime(fd, 0, &its, NULL);
}

/* Begin the teardown: SIGTERM now, SIGKILL after the grace period. */
static void teardown(struct loop *L, int code)
{
    if (L->failing)
        return;
    L->failing = true;
    L->exit_code = code;
    L->teardown_ms = lark_loop_now();
    signal_job(L, SIGTERM);
    signal_job(L, SIGCONT); /* a stopped rank must see its SIGTERM */
    /* And what left the ranks' process groups (setsid). */
    lark_reaper_signal(SIGTERM, true);
    lark_loop_arm(L->gracefd, LARK_LOOP_KILL_GRACE_MS);
}

static void kill_all(struct loop *L)
{
    L->killed = true;
    signal_job(L, SIGKILL);
    lark_reaper_signal(SIGKILL, false);
}

const char *lark_loop_host(struct loop *L, const struct lark_proc *p)
{
    return L->job->map.nodes[p->node];
}

void lark_loop_fail(struct loop *L, int code, const char *fmt, ...)
{
    if (L->failing)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(msg))
        n = sizeof(msg) - 1;
    lark_sink_put(L->sink[1], msg, (size_t)n);
    teardown(L, code);
}

/* A rank died and the job goes on: every surviving rank hears of it
 * (a PMIx event from its node's server: ours here, the daemons' below),
 * so that what involves it fails, whatever the transport. */
static void tell_survivors(struct loop *L, int rank, const char *line)
{
    /* What happened, without "mpirun: " and the verdict: the survivor's
     * message says the rest. */
    char what[1024];
    snprintf(what, sizeof(what), "%s", strncmp(line, "mpirun: ", 8) == 0 ? line + 8 : line);
    char *verdict = strstr(what, "; the job goes on");
    if (verdict)
        *verdict = 0;
    line = what;
    lark_pmix_notify_lost(L->job->nspace, rank, line);
    if (L->remote) {
        struct lark_buf b = {0};
        lark_buf_u32(&b, (uint32_t)rank);
        lark_buf_str(&b, line);
        lark_down_send(&L->down, &L->tree, -1, LARK_MSG_DIED, b.data, b.len);
        lark_buf_free(&b);
    }
}

/* A rank died: with goes_on (--enable-recovery) say so, tell the others
 * and remember its status for mpirun's own; otherwise fail the job. */
__attribute__((format(printf, 5, 6))) static void say_lost(struct loop *L, int rank, bool goes_on,
                                                           int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(msg))
        n = sizeof(msg) - 1;
    if (!goes_on) {
        lark_loop_fail(L, code, "%s", msg);
        return;
    }
    lark_sink_put(L->sink[1], msg, (size_t)n);
    tell_survivors(L, rank, msg);
    if (L->lost_code == 0)
        L->lost_code = code;
}

void lark_loop_close_stdin(struct loop *L, int i)
{
    lark_stdin_rank_gone(L->in, i);
}

/* stdin.c's way to a rank on another host (data NULL: EOF). */
static void remote_stdin(void *ctx, int rank, const char *data, size_t n)
{
    lark_remote_stdin(ctx, rank, data, n);
}

static void remote_stdin_drop(void *ctx, int rank)
{
    lark_remote_stdin_drop(ctx, rank);
}

void lark_loop_report(struct loop *L, struct lark_where_view *v, int n)
{
    /* Through the sink like every other line: a report must not block the
     * loop when stderr is a full pipe. */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL)
        return;
    lark_where_report(f, v, n);
    if (fclose(f) == 0 && len > 0)
        lark_sink_put(L->sink[1], text, len);
    free(text);
}

/* "0,2-3": the ranks still running. */
static void running_list(struct loop *L, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < L->job->nprocs && used + 24 < len; i++) {
        if (L->job->procs[i].exited)
            continue;
        int j = i;
        while (j + 1 < L->job->nprocs && !L->job->procs[j + 1].exited)
            j++;
        if (j > i)
            used += (size_t)snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", i, j);
        else
            used += (size_t)snprintf(buf + used, len - used, "%s%d", used ? "," : "", i);
        i = j;
    }
    if (used + 24 >= len)
        snprintf(buf + used, len - used, ",...");
}

void lark_loop_event(struct loop *L, struct lark_event *ev)
{
    struct lark_job *job = L->job;
    if (ev->kind == LARK_EV_NOTE && ev->msg)
        lark_sink_put(L->sink[1], ev->msg, strlen(ev->msg));
    if (ev->kind >= LARK_EV_FENCE) {
        lark_remote_event(L, ev);
        return;
    }
    if (ev->rank < 0 || ev->rank >= job->nprocs) {
        free(ev->msg);
        return;
    }
    struct lark_proc *p = &job->procs[ev->rank];
    if (L->debug)
        lark_loop_dbg("rank %d %s\n", ev->rank,
                      ev->kind == LARK_EV_CONNECTED   ? "connected (PMIx_Init)"
                      : ev->kind == LARK_EV_FINALIZED ? "finalized (PMIx_Finalize)"
                                                      : "aborted (PMIx_Abort)");
    switch (ev->kind) {
    case LARK_EV_CONNECTED:
        p->connected = true;
        if (!L->any_connected) {
            L->any_connected = true;
            /* A rank that already left cleanly without MPI_Init will never
             * join the others' fence. */
            for (int i = 0; i < job->nprocs; i++) {
                struct lark_proc *q = &job->procs[i];
                if (q->exited && !q->connected && WIFEXITED(q->status) &&
                    WEXITSTATUS(q->status) == 0)
                    lark_loop_fail(
                        L, 1,
                        "mpirun: rank %d (pid %d) on %s exited before MPI_Init (status 0) "
                        "while other ranks called it; they would wait for it forever, so "
                        "the job is aborted\n",
                        q->rank, (int)q->pid, lark_loop_host(L, q));
            }
        }
        break;
    case LARK_EV_FINALIZED:
        p->finalized = true;
        break;
    case LARK_EV_ABORT:
        p->aborted = true;
        if (ev->status == ABORT_LOST_PEER && L->remote && !L->failing && ev->msg) {
            if (!L->held) { /* the first such abort is held (see struct loop) */
                snprintf(L->held_msg, sizeof L->held_msg,
                         "mpirun: rank %d (pid %d) on %s aborted the job (error code %d): %s\n",
                         p->rank, (int)p->pid, lark_loop_host(L, p), ev->status, ev->msg);
                L->held = true;
                L->held_code = ev->status;
                L->held_ms = lark_loop_now();
                if (!L->suspects)
                    lark_loop_arm(L->verdictfd, VERDICT_MS);
                L->suspects = true;
            }
            break;
        }
        /* The status is the code modulo 256, as exit(3) would make it, but
         * a job that aborts never reports success: 0, 256, 512... give 1. */
        if (ev->msg && ev->msg[0])
            lark_loop_fail(L, (ev->status & 0xff) ? (ev->status & 0xff) : 1,
                           "mpirun: rank %d (pid %d) on %s aborted the job (error code %d): %s\n",
                           p->rank, (int)p->pid, lark_loop_host(L, p), ev->status, ev->msg);
        else
            lark_loop_fail(L, (ev->status & 0xff) ? (ev->status & 0xff) : 1,
                           "mpirun: rank %d (pid %d) on %s called MPI_Abort with error code %d; "
                           "the job is aborted\n",
                           p->rank, (int)p->pid, lark_loop_host(L, p), ev->status);
        break;
    }
    free(ev->msg);
}

static void drain_events(struct loop *L)
{
    struct lark_event ev;
    for (;;) {
        ssize_t n = read(L->job->event_pipe[0], &ev, sizeof(ev));
        if (n == (ssize_t)sizeof(ev)) {
            lark_loop_event(L, &ev);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return;
    }
}

/* What a fatal signal usually says about the program, for the one line. */
static const char *signal_meaning(int sig)
{
    switch (sig) {
    case SIGSEGV:
        return ": an invalid memory access in the program";
    case SIGBUS:
        return ": a bad memory access, e.g. past the end of a mapped file";
    case SIGFPE:
        return ": an arithmetic error such as an integer division by zero";
    case SIGABRT:
        return ": the program called abort(), often a failed assert";
    case SIGILL:
        return ": an illegal instruction";
    case SIGKILL:
        return ": killed from outside, often by the out-of-memory killer";
    case SIGTERM:
        return ": terminated from outside";
    case SIGPIPE:
        return ": it wrote to a pipe nobody reads";
    default:
        return "";
    }
}

void lark_loop_exit(struct loop *L, struct lark_proc *p)
{
    int st = p->status;
    drain_events(L); /* its PMIx_Abort, if it made one, came before its exit */
    if (p->aborted && WIFEXITED(st))
        return; /* the abort is said (or held), not its exit status */
    const char *h = lark_loop_host(L, p);
    /* --enable-recovery: a rank that dies after MPI_Init is said, and the
     * job goes on (the ranks that talk to it get MPI_ERR_PROC_ABORTED). */
    bool goes_on = L->job->opts->recovery && p->connected && !L->failing;
    const char *verdict = goes_on ? "the job goes on (--enable-recovery)" : "the job is aborted";
    if (WIFSIGNALED(st)) {
        int sig = WTERMSIG(st);
        say_lost(L, p->rank, goes_on, 128 + sig,
                 "mpirun: rank %d (pid %d) on %s was killed by signal %d (%s%s)%s; %s\n", p->rank,
                 (int)p->pid, h, sig, strsignal(sig), signal_meaning(sig),
                 WCOREDUMP(st) ? ", core dumped" : "", verdict);
    } else if (WEXITSTATUS(st) != 0) {
        int code = WEXITSTATUS(st);
        say_lost(L, p->rank, goes_on, code,
                 "mpirun: rank %d (pid %d) on %s exited with status %d%s; %s\n", p->rank,
                 (int)p->pid, h, code,
                 code == 127 && !p->connected ? " (the program could not be started)"
                 : p->connected               ? " (it returned or called exit with that code)"
                                              : " (before MPI_Init, or not an MPI program)",
                 verdict);
    } else if (p->connected && !p->finalized) {
        /* PMIx 4.2.2 lets a rank leave PMIx_Finalize before our
         * client_finalized upcall has run: seen in ~3% of 8-rank jobs here,
         * the event arriving a few ms after the rank's exit.  So the verdict
         * waits for it a moment (see check_suspects). */
        p->suspect = true;
        p->suspect_ms = lark_loop_now();
        if (L->debug)
            lark_loop_dbg("rank %d: no finalize seen yet\n", p->rank);
        if (!L->suspects)
            lark_loop_arm(L->verdictfd, VERDICT_MS);
        L->suspects = true;
    } else if (!p->connected && L->any_connected) {
        lark_loop_fail(
            L, 1,
            "mpirun: rank %d (pid %d) on %s exited before MPI_Init (status 0) while other "
            "ranks called it; they would wait for it forever, so the job is aborted\n",
            p->rank, (int)p->pid, h);
    }
}

/* Ranks that exited 0 after PMIx_Init and whose PMIx_Finalize has still
 * not been seen: they skipped MPI_Finalize. */
static void check_suspects(struct loop *L, bool all)
{
    drain_events(L);
    L->suspects = false;
    long long now = lark_loop_now(), next = -1;
    if (L->held && (all || now - L->held_ms >= VERDICT_MS)) {
        L->held = false; /* said unless the daemons told the cause meanwhile */
        lark_loop_fail(L, L->held_code, "%s", L->held_msg);
    } else if (L->held) {
        next = VERDICT_MS - (now - L->held_ms);
    }
    for (int i = 0; i < L->job->nprocs; i++) {
        struct lark_proc *p = &L->job->procs[i];
        if (!p->suspect)
            continue;
        if (!p->finalized && !all && now - p->suspect_ms < VERDICT_MS) {
            /* Its moment is not over yet: judge it at the next tick. */
            long long left = VERDICT_MS - (now - p->suspect_ms);
            if (next < 0 || left < next)
                next = left;
            continue;
        }
        p->suspect = false;
        if (!p->finalized)
            lark_loop_fail(L, 1,
                           "mpirun: rank %d (pid %d) on %s exited with status 0 without calling "
                           "MPI_Finalize; the job is aborted\n",
                           p->rank, (int)p->pid, lark_loop_host(L, p));
    }
    if (next >= 0) {
        L->suspects = true;
        lark_loop_arm(L->verdictfd, next > 0 ? next : 1);
    }
}

static void reap(struct loop *L)
{
    /* Events first: a rank's PMIx_Finalize is posted before it can exit. */
    drain_events(L);
    for (;;) {
        int st;
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid <= 0)
            return;
        if (L->remote && lark_down_reaped(&L->down, pid, st))
            continue;
        for (int i = 0; i < L->job->nprocs; i++) {
            struct lark_proc *p = &L->job->procs[i];
            if (p->pid != pid || p->exited || p->node != L->job->map.me)
                continue;
            p->exited = true;
            p->status = st;
            if (L->debug)
                lark_loop_dbg("rank %d exited, wait status 0x%x\n", p->rank, st);
            L->nlive--;
            /* Whatever it left running in its process group goes too, first,
             * so that what is in its pipes is all there will be. */
            kill(-pid, SIGKILL);
            lark_loop_drain(L, i); /* its last words come before our verdict */
            lark_stdin_rank_gone(L->in, i);
            lark_loop_exit(L, p);
        }
    }
}

/* Print where every rank is and what it waits for (launcher/report.c);
 * with ranks on other hosts, once their daemons have sent their records
 * (remote.c).  True when the report waits for them. */
static bool report_where(struct loop *L, bool timed_out)
{
    int n = L->job->nprocs;
    if (L->where) { /* one is on its way already */
        L->where_timed_out |= timed_out;
        return true;
    }
    struct lark_where_view *v = n > 0 ? calloc((size_t)n, sizeof *v) : NULL;
    if (v == NULL)
        return false;
    for (int i = 0; i < n; i++) {
        const struct lark_proc *p = &L->job->procs[i];
        v[i].rank = p->rank;
        v[i].host = L->job->map.nodes[p->node];
        if (p->node == L->job->map.me)
            lark_where_read(L->job->nspace, p->rank, &v[i]);
        else
            v[i].remote = true; /* until its daemon answers */
    }
    if (L->remote && lark_remote_where(L, v, timed_out))
        return true;
    lark_loop_report(L, v, n);
    free(v);
    return false;
}

static void on_signal(struct loop *L, int sig)
{
    switch (sig) {
    case SIGCHLD:
        reap(L);
        break;
    case SIGINT:
    case SIGTERM:
    case SIGHUP:
    case SIGQUIT:
        if (L->failing) {
            kill_all(L); /* asked twice: no more grace */
            break;
        }
        lark_loop_fail(L, 128 + sig,
                       "mpirun: received %s; terminating the job (ranks still running "
                       "get SIGTERM, then SIGKILL)\n",
                       sig == SIGINT    ? "SIGINT"
                       : sig == SIGTERM ? "SIGTERM"
                       : sig == SIGQUIT ? "SIGQUIT"
                                        : "SIGHUP");
        break;
    case SIGUSR1:
    case SIGUSR2:
        signal_job(L, sig);
        break;
    case SIGTSTP:
        signal_job(L, SIGSTOP);
        raise(SIGSTOP); /* and stop ourselves, as a shell expects */
        break;
    case SIGCONT:
        signal_job(L, SIGCONT);
        break;
    default:
        if (sig == LARK_REPORT_SIGNAL)
            report_where(L, false);
        break;
    }
}

static void on_timeout(struct loop *L)
{
    if (!report_where(L, true))
        lark_loop_timed_out(L);
}

void lark_loop_timed_out(struct loop *L)
{
    char list[256];
    running_list(L, list, sizeof(list));
    lark_loop_fail(L, EXIT_TIMEOUT,
                   "mpirun: timeout of %g s reached; ranks still running: %s; the job is aborted\n",
                   L->job->opts->timeout, list);
}

static int loop_setup(struct loop *L, struct lark_job *job)
{
    memset(L, 0, sizeof(*L));
    L->job = job;
    L->debug = getenv("LARK_MPIRUN_DEBUG") != NULL;
    dbg_t0 = lark_loop_now();
    int n = job->nprocs;
    L->iof_out = calloc((size_t)n, sizeof(*L->iof_out));
    L->iof_err = calloc((size_t)n, sizeof(*L->iof_err));
    L->ep = epoll_create1(EPOLL_CLOEXEC);
    sigset_t set;
    sigemptyset(&set);
    int sigs[] = {SIGCHLD, SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,
                  SIGUSR1, SIGUSR2, SIGTSTP, SIGCONT, LARK_REPORT_SIGNAL};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaddset(&set, sigs[i]);
    L->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    L->tofd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    L->gracefd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    L->verdictfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    L->launchfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (!L->iof_out || !L->iof_err || L->launchfd < 0 || L->ep < 0 || L->sigfd < 0 || L->tofd < 0 ||
        L->gracefd < 0 || L->verdictfd < 0)
        return -1;
    lark_loop_ep_add(L, L->sigfd, EPOLLIN, SRC_SIGNAL, 0);
    lark_loop_ep_add(L, job->event_pipe[0], EPOLLIN, SRC_EVENT, 0);
    lark_loop_ep_add(L, L->tofd, EPOLLIN, SRC_TIMEOUT, 0);
    lark_loop_ep_add(L, L->gracefd, EPOLLIN, SRC_GRACE, 0);
    lark_loop_ep_add(L, L->verdictfd, EPOLLIN, SRC_VERDICT, 0);
    lark_loop_ep_add(L, L->launchfd, EPOLLIN, SRC_LAUNCH, 0);
    return 0;
}

/* The output files of --output-filename: DIR/1/rank.N/{stdout,stderr}. */
static int open_output(struct lark_job *job, int rank, const char *stream)
{
    const char *dir = job->opts->output_dir;
    if (!dir)
        return -1;
    char path[4096];
    snprintf(path, sizeof(path), "%s/1", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/1/rank.%d", dir, rank);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/1/rank.%d/%s", dir, rank, stream);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        fprintf(stderr, "mpirun: cannot create %s: %s; that output goes to the terminal only\n",
                path, strerror(errno));
    return fd;
}

int lark_job_run(struct lark_job *job)
{
    struct loop L;
    char err[LARK_ERRLEN] = "";
    if (loop_setup(&L, job) < 0) {
        fprintf(stderr, "mpirun: cannot set up the event loop: %s\n", strerror(errno));
        return 1;
    }
    struct lark_options *o = job->opts;
    L.sink[0] = lark_sink_open(1);
    L.sink[1] = lark_sink_open(2);
    if (!L.sink[0] || !L.sink[1]) {
        fprintf(stderr, "mpirun: out of memory setting up the output\n");
        return 1;
    }
    if (o->timeout > 0) {
        /* Rounded up: a timeout below a millisecond must not become 0,
         * which would disarm the timer. */
        double ms = o->timeout * 1000.0;
        long ims = (long)ms;
        lark_loop_arm(L.tofd, ims < ms || ims < 1 ? ims + 1 : ims);
    }

    int rc = 0;
    for (int n = 0; n < job->map.nnodes; n++)
        L.remote |= n != job->map.me;
    /* Other hosts first: their daemons start while we fork ours. */
    if (L.remote && lark_remote_start(&L, err + 8, sizeof(err) - 8) < 0) {
        memcpy(err, "mpirun: ", 8);
        rc = -1;
    }
    if (rc == 0 && job->map.me >= 0)
        rc = lark_spawn_all(job, err, sizeof(err));
    for (int i = 0; i < job->nprocs; i++) {
        struct lark_proc *p = &job->procs[i];
        bool remote = p->node != job->map.me;
        if (p->pid <= 0 && !remote)
            continue;
        L.nlive++;
        bool copy = !(o->output_nocopy && o->output_dir);
        L.iof_out[i] = lark_iof_new(p->rank, copy ? L.sink[0] : NULL,
                                    open_output(job, p->rank, "stdout"), o->tag_output);
        L.iof_err[i] = lark_iof_new(p->rank, copy ? L.sink[1] : NULL,
                                    open_output(job, p->rank, "stderr"), o->tag_output);
        if (remote)
            continue;
        lark_loop_ep_add(&L, p->fd_out, EPOLLIN, SRC_OUT, i);
        lark_loop_ep_add(&L, p->fd_err, EPOLLIN, SRC_ERR, i);
    }
    if (rc < 0) {
        /* Some ranks may have started: they go like any failed job. */
        lark_loop_fail(&L, 1, "%s\n", err);
    }
    /* stdin: only when some rank takes it. */
    bool *remote_in = calloc((size_t)(job->nprocs > 0 ? job->nprocs : 1), sizeof(bool));
    for (int i = 0; remote_in && i < job->nprocs; i++) {
        struct lark_proc *p = &job->procs[i];
        remote_in[i] = p->node != job->map.me &&
                       (o->stdin_target == LARK_STDIN_ALL || o->stdin_target == p->rank);
    }
    L.in = lark_stdin_new(&(struct lark_stdin_conf){.ep = L.ep,
                                                    .src = 0,
                                                    .procs = job->procs,
                                                    .nprocs = job->nprocs,
                                                    .remote = remote_in,
                                                    .send = remote_stdin,
                                                    .drop = remote_stdin_drop,
                                                    .ctx = &L,
                                                    .notes = L.sink[1],
                                                    .src_key = lark_loop_key(SRC_STDIN, 0),
                                                    .dst_key = lark_loop_key(SRC_STDIN_DST, 0)});
    free(remote_in);

    /* With other hosts, a verdict on a suspect waits in this loop, where
     * the daemons' late events still arrive. */
    while (L.nlive > 0 || (L.remote && L.suspects)) {
        if (L.remote)
            lark_down_sync(&L.down);
        /* A regular-file stdin is always ready: do not block while it has
         * more for the ranks. */
        int wait_ms = lark_stdin_wait_ms(L.in);
        struct epoll_event evs[64];
        int n = epoll_wait(L.ep, evs, 64, wait_ms);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int e = 0; e < n; e++) {
            enum src_kind k = (enum src_kind)(evs[e].data.u64 >> 32);
            int idx = (int)(uint32_t)evs[e].data.u64;
            switch (k) {
            case SRC_SIGNAL: {
                struct signalfd_siginfo si;
                while (read(L.sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
                    on_signal(&L, (int)si.ssi_signo);
                break;
            }
            case SRC_EVENT:
                drain_events(&L);
                break;
            case SRC_OUT:
            case SRC_ERR: {
                struct lark_proc *p = &job->procs[idx];
                int *fd = k == SRC_OUT ? &p->fd_out : &p->fd_err;
                struct lark_iof **io = k == SRC_OUT ? &L.iof_out[idx] : &L.iof_err[idx];
                if (*fd >= 0 && lark_iof_read(*io, *fd) == 0) {
                    lark_loop_ep_del(&L, *fd);
                    close(*fd);
                    *fd = -1;
                    lark_iof_free(*io);
                    *io = NULL;
                }
                break;
            }
            case SRC_STDIN:
                lark_stdin_on_src(L.in);
                break;
            case SRC_STDIN_DST:
                lark_stdin_on_dst(L.in, idx);
                break;
            case SRC_TIMEOUT: {
                uint64_t x;
                if (read(L.tofd, &x, sizeof(x)) > 0)
                    on_timeout(&L);
                break;
            }
            case SRC_VERDICT: {
                uint64_t x;
                if (read(L.verdictfd, &x, sizeof(x)) > 0)
                    check_suspects(&L, false);
                break;
            }
            case SRC_LISTEN:
                lark_down_accept(&L.down);
                break;
            case SRC_CONN:
                lark_down_on_conn(&L.down, idx, evs[e].events);
                break;
            case SRC_LAUNCH: {
                uint64_t x;
                if (read(L.launchfd, &x, sizeof(x)) > 0) {
                    lark_down_check(&L.down);
                    lark_remote_where_due(&L);
                    lark_remote_arm(&L);
                }
                break;
            }
            case SRC_GRACE: {
                uint64_t x;
                if (read(L.gracefd, &x, sizeof(x)) > 0)
                    kill_all(&L);
                break;
            }
            case SRC_SINK:
                break; /* written by service_sinks below */
            }
        }
        lark_loop_service_sinks(&L);
    }
    /* Every rank is reaped.  A pending verdict waits out its moment (the
     * only wait of a clean job is none: no suspect, no wait). */
    if (L.suspects) {
        /* Wait for the PMIx thread's events (a finalize may be on its way)
         * or the verdict timer, whichever settles it first. */
        int ep1 = epoll_create1(EPOLL_CLOEXEC);
        struct epoll_event a1 = {.events = EPOLLIN, .data.u32 = 0};
        struct epoll_event a2 = {.events = EPOLLIN, .data.u32 = 1};
        if (ep1 >= 0 && epoll_ctl(ep1, EPOLL_CTL_ADD, L.verdictfd, &a1) == 0 &&
            epoll_ctl(ep1, EPOLL_CTL_ADD, job->event_pipe[0], &a2) == 0) {
            while (L.suspects) {
                drain_events(&L);
                bool open = false;
                for (int i = 0; i < job->nprocs; i++)
                    open |= job->procs[i].suspect && !job->procs[i].finalized;
                struct epoll_event ev;
                if (!open || epoll_wait(ep1, &ev, 1, VERDICT_MS * 2) <= 0)
                    break;
                uint64_t x;
                if (ev.data.u32 == 0 && read(L.verdictfd, &x, sizeof(x)) > 0)
                    check_suspects(&L, false);
            }
        }
        if (ep1 >= 0)
            close(ep1);
        check_suspects(&L, true);
    }
    /* Pass on what is left in the pipes, without waiting for descendants
     * that may still hold them open. */
    drain_events(&L);
    for (int i = 0; i < job->nprocs; i++) {
        lark_loop_drain(&L, i);
        struct lark_proc *p = &job->procs[i];
        if (p->fd_out >= 0)
            close(p->fd_out);
        if (p->fd_err >= 0)
            close(p->fd_err);
        lark_iof_free(L.iof_out[i]);
        lark_iof_free(L.iof_err[i]);
        L.iof_out[i] = L.iof_err[i] = NULL;
        if (p->pid > 0 && p->node == job->map.me)
            kill(-p->pid, SIGKILL);
    }
    /* EOF (or nothing more) to every rank's stdin, local and remote. */
    lark_stdin_free(L.in);
    L.in = NULL;
    if (L.remote)
        lark_remote_end(&L);
    lark_reaper_end(); /* whatever of the job is still running here */
    lark_loop_flush_sinks(&L);
    lark_sink_close(L.sink[0]);
    lark_sink_close(L.sink[1]);
    close(L.ep);
    close(L.sigfd);
    close(L.tofd);
    close(L.gracefd);
    close(L.verdictfd);
    free(L.iof_out);
    free(L.iof_err);
    close(L.launchfd);
    return L.failing ? L.exit_code : L.lost_code;
}

/* lark-noded: the node agent of a host other than mpirun's.  Started by
 * its parent in the launch tree (mpirun or another daemon) through the
 * agent as "lark-noded --node N --parent IP:PORT,...", it reads the job's
 * secret on stdin, calls back, shows the secret (HELLO), and receives its
 * node (NODE) and the job (LAUNCH).  Started by srun, every daemon of the
 * job in one step, it has "--node by-name" and tells mpirun its Slurm node
 * name instead.  Then it starts its own children in the tree, registers the
 * job with its PMIx server as seen from this node, binds and starts its
 * ranks, and runs one epoll loop: the ranks' output, PMIx events, exits,
 * fences and direct-modex requests go up as frames; signals, stdin, fence
 * results and the end of the job come down.  The daemon judges nothing:
 * mpirun sees every event and decides.  When its parent's connection
 * closes (mpirun killed, a daemon above died) it kills its ranks' process
 * groups, removes its files and exits at once; its children see it go and
 * do the same. */
#include "launcher.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
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

enum { K_PARENT = 1, K_SIGNAL, K_EVENT, K_OUT, K_ERR, K_IN, K_LISTEN, K_CONN, K_TIMER };

struct stdin_q {
    char *buf;
    size_t len, off;
    bool eof, polled;
    uint64_t taken, told; /* bytes the rank's pipe took; how many mpirun knows of */
    int64_t since_ms;     /* when the pipe last took bytes, or the queue filled */
    bool stall_told;      /* mpirun knows it has taken nothing since */
};

static struct {
    int node;
    struct lark_job job;
    struct lark_options o;
    struct lark_launch l;
    struct lark_tree tree;
    struct lark_conn *up;
    struct lark_down down;
    struct lark_pending *pend;
    struct lark_fence *fences; /* fences in progress in our subtree (fence.c) */
    struct stdin_q *in;        /* by rank */
    int ep, sigfd, timerfd;
    int nlive;
    bool ending;
    uint32_t next_req;
} D;

static void ep_add(int fd, uint32_t ev, int kind, int idx)
{
    struct epoll_event e = {.events = ev, .data.u64 = ((uint64_t)kind << 32) | (uint32_t)idx};
    epoll_ctl(D.ep, EPOLL_CTL_ADD, fd, &e);
}

/* Kill every rank's process group, remove this node's files, exit. */
static void die(int code)
{
    for (int i = 0; i < D.job.nprocs; i++) {
        struct lark_proc *p = &D.job.procs[i];
        if (p->node == D.node && p->pid > 0)
            kill(-p->pid, SIGKILL);
    }
    lark_reaper_signal(SIGKILL, false); /* what left the ranks' groups (setsid) */
    lark_down_kill_agents(&D.down);
    lark_cleanup_node(D.job.tmpdir, D.job.nspace);
    _exit(code);
}

static void send_up(uint32_t type, struct lark_buf *b)
{
    if (!D.up || lark_conn_send(D.up, type, b) < 0)
        die(1);
    lark_buf_free(b);
}

static void up_error(uint32_t type, int node, const char *msg)
{
    struct lark_buf b = {0};
    lark_buf_u32(&b, (uint32_t)node);
    lark_buf_str(&b, msg);
    send_up(type, &b);
}

static void child_failed(void *arg, int node, const char *msg, bool lost)
{
    (void)arg;
    up_error(lost ? LARK_MSG_LOST : LARK_MSG_ERROR, node, msg);
}

/* One contribution to a fence: ours, or a child subtree's.  Once all have
 * come, the whole goes up in one frame (fence.c). */
static void fence_part(const char *sig, const void *data, size_t n)
{
    struct lark_buf done = {0};
    int parts = lark_fence_add(&D.fences, &D.job.map, &D.tree, lark_tree_pos(&D.tree, D.node), sig,
                               data, n, &done);
    if (parts < 0)
        die(1);
    if (parts > 0) {
        struct lark_buf v = {.data = done.data, .len = done.len}, b = {0};
        char *s = lark_buf_get_str(&v);
        size_t dn;
        const void *d = lark_buf_get_bytes(&v, &dn);
        lark_buf_u32(&b, (uint32_t)D.node);
        lark_buf_str(&b, s ? s : sig);
        lark_buf_bytes(&b, d, v.bad ? 0 : dn);
        free(s);
        send_up(LARK_MSG_FENCE, &b);
    }
    lark_buf_free(&done);
}

/* A child's frame: fence contributions are combined, everything else goes
 * up unchanged. */
static int child_frame(void *arg, struct lark_conn *c, uint32_t type, struct lark_buf *b)
{
    (void)arg;
    (void)c;
    if (type == LARK_MSG_FENCE) {
        (void)lark_buf_get_u32(b); /* the child's node */
        char *sig = lark_buf_get_str(b);
        size_t n;
        const void *d = lark_buf_get_bytes(b, &n);
        if (!b->bad && sig)
            fence_part(sig, d, n);
        free(sig);
        return 0;
    }
    if (!D.up || lark_conn_send_raw(D.up, type, b->data, b->len) < 0)
        die(1);
    return 0;
}

static void signal_ranks(int sig)
{
    for (int i = 0; i < D.job.nprocs; i++) {
        struct lark_proc *p = &D.job.procs[i];
        if (p->node == D.node && p->pid > 0 && !p->exited)
            lark_spawn_signal(p, sig);
    }
}

/* ---- stdin to local ranks ---- */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void stdin_report(int rank, bool stalled)
{
    struct stdin_q *q = &D.in[rank];
    q->told = q->taken;
    struct lark_buf b = {0};
    lark_buf_u32(&b, (uint32_t)rank);
    lark_buf_u32(&b, (uint32_t)q->taken);
    lark_buf_u32(&b, (uint32_t)(q->taken >> 32));
    lark_buf_u32(&b, stalled);
    send_up(LARK_MSG_STDIN_ACK, &b);
}

/* Tell mpirun how much of rank's stdin its pipe took (mpirun paces its
 * reading by it: stdin.c), every LARK_STDIN_ACK_EVERY bytes and whenever
 * the queue is written out. */
static void stdin_ack(int rank, bool all)
{
    struct stdin_q *q = &D.in[rank];
    if (q->taken == q->told || (!all && q->taken - q->told < LARK_STDIN_ACK_EVERY))
        return;
    stdin_report(rank, false);
}

/* Say which ranks' pipes have taken nothing for LARK_STDIN_STALL_MS while
 * their queue holds bytes (timed here, where the pipe is, so that no delay
 * of the reports on the way to mpirun counts against a rank); returns the
 * ms until the next one would have, or -1. */
static int stdin_stalls(void)
{
    int64_t now = mono_ms(), next = -1;
    for (int i = 0; D.in && i < D.job.nprocs; i++) {
        struct stdin_q *q = &D.in[i];
        if (D.job.procs[i].fd_in < 0 || q->off == q->len || q->stall_told)
            continue;
        int64_t left = q->since_ms + lark_stdin_stall_ms(D.job.procs[i].fd_in, q->taken) - now;
        if (left <= 0) {
            q->stall_told = true;
            stdin_report(i, true);
        } else if (next < 0 || left < next) {
            next = left;
        }
    }
    return (int)next;
}

static void stdin_push(int rank)
{
    struct lark_proc *p = &D.job.procs[rank];
    struct stdin_q *q = &D.in[rank];
    while (p->fd_in >= 0 && q->off < q->len) {
        ssize_t n = write(p->fd_in, q->buf + q->off, q->len - q->off);
        if (n > 0) {
            q->off += (size_t)n;
            q->taken += (uint64_t)n;
            q->since_ms = mono_ms();
            if (q->stall_told) {
                q->stall_told = false;
                stdin_report(rank, false); /* it reads again */
            }
            stdin_ack(rank, false);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            if (!q->polled) {
                ep_add(p->fd_in, EPOLLOUT, K_IN, rank);
                q->polled = true;
            }
            return;
        }
        q->eof = true; /* the rank closed its stdin: the rest is dropped */
        break;
    }
    q->taken += q->len - q->off; /* (dropped: the pipe is gone) */
    q->len = q->off = 0;
    stdin_ack(rank, true);
    if (q->polled && p->fd_in >= 0) {
        epoll_ctl(D.ep, EPOLL_CTL_DEL, p->fd_in, NULL);
        q->polled = false;
    }
    if (q->eof && p->fd_in >= 0) {
        close(p->fd_in);
        p->fd_in = -1;
    }
}

/* Close rank's stdin now, throwing away what it has not taken. */
static void stdin_drop(int rank)
{
    struct lark_proc *p = &D.job.procs[rank];
    struct stdin_q *q = &D.in[rank];
    if (q->polled && p->fd_in >= 0)
        epoll_ctl(D.ep, EPOLL_CTL_DEL, p->fd_in, NULL);
    q->polled = false;
    if (p->fd_in >= 0)
        close(p->fd_in);
    p->fd_in = -1;
    free(q->buf);
    q->buf = NULL;
    q->len = q->off = 0;
    q->eof = true;
}

/* ---- frames from the parent ---- */

static int parent_frame(void *arg, struct lark_conn *c, uint32_t type, struct lark_buf *b)
{
    (void)arg;
    (void)c;
    if (type == LARK_MSG_STDIN || type == LARK_MSG_STDIN_DROP || type == LARK_MSG_DMDX_REQ ||
        type == LARK_MSG_DMDX_RESP) {
        /* addressed to one node: ours, or one below us */
        int target = (int)lark_buf_get_u32(b);
        if (target != D.node) {
            lark_down_send(&D.down, &D.tree, target, type, b->data, b->len);
            return 0;
        }
    }
    switch (type) {
    case LARK_MSG_SIGNAL: {
        int sig = (int)lark_buf_get_u32(b);
        lark_down_send(&D.down, &D.tree, -1, type, b->data, b->len);
        signal_ranks(sig);
        if (sig == SIGTERM)
            signal_ranks(SIGCONT);
        /* The teardown's signals reach what left the ranks' process groups
         * too (setsid; reaper.c). */
        if (sig == SIGTERM || sig == SIGKILL)
            lark_reaper_signal(sig, sig == SIGTERM);
        break;
    }
    case LARK_MSG_DIED: { /* a rank died and the job goes on: our ranks hear of it */
        lark_down_send(&D.down, &D.tree, -1, type, b->data, b->len);
        int rank = (int)lark_buf_get_u32(b);
        char *line = lark_buf_get_str(b);
        if (!b->bad && rank >= 0 && rank < D.job.nprocs)
            lark_pmix_notify_lost(D.job.nspace, rank, line);
        free(line);
        break;
    }
    case LARK_MSG_STDIN: {
        int rank = (int)lark_buf_get_u32(b);
        size_t n;
        const void *data = lark_buf_get_bytes(b, &n);
        if (b->bad || rank < 0 || rank >= D.job.nprocs)
            break;
        struct stdin_q *q = &D.in[rank];
        if (n == 0) {
            q->eof = true;
        } else {
            char *nb = realloc(q->buf, q->len + n);
            if (!nb)
                break;
            if (q->off == q->len)
                q->since_ms = mono_ms(); /* the rank's stall counts from here */
            q->buf = nb;
            memcpy(q->buf + q->len, data, n);
            q->len += n;
        }
        stdin_push(rank);
        size_t left = q->len - q->off;
        struct lark_proc *p = &D.job.procs[rank];
        if (p->fd_in >= 0 && left > LARK_STDIN_REMOTE_BOUND) {
            /* mpirun paces what it sends by our acks: this is a peer that
             * does not.  Our memory stays bounded all the same. */
            char note[256];
            snprintf(note, sizeof(note),
                     "mpirun: rank %d has not read its stdin (%zu bytes waiting on its host); "
                     "its stdin is closed\n",
                     rank, left);
            struct lark_buf nb = {0};
            lark_buf_u32(&nb, (uint32_t)LARK_EV_NOTE);
            lark_buf_u32(&nb, (uint32_t)-1);
            lark_buf_u32(&nb, 0);
            lark_buf_str(&nb, note);
            send_up(LARK_MSG_EVENT, &nb);
            stdin_drop(rank);
        }
        break;
    }
    case LARK_MSG_STDIN_DROP: { /* mpirun closed it for stalling (stdin.c) */
        int rank = (int)lark_buf_get_u32(b);
        if (!b->bad && rank >= 0 && rank < D.job.nprocs)
            stdin_drop(rank);
        break;
    }
    case LARK_MSG_FENCE_DONE: {
        lark_down_send(&D.down, &D.tree, -1, type, b->data, b->len);
        char *sig = lark_buf_get_str(b);
        size_t n;
        const void *data = lark_buf_get_bytes(b, &n);
        if (sig && !b->bad)
            lark_pending_complete(&D.pend, sig, 0, 0, data, n);
        free(sig);
        break;
    }
    case LARK_MSG_DMDX_REQ: {
        struct lark_buf fail = {0};
        if (lark_dmdx_serve(b, D.job.nspace, &fail) < 0)
            send_up(LARK_MSG_DMDX_RESP, &fail);
        break;
    }
    case LARK_MSG_DMDX_RESP: {
        lark_dmdx_take_resp(b, &D.pend);
        break;
    }
    case LARK_MSG_WHERE_REQ: { /* the hang report: our ranks' where-records */
        lark_down_send(&D.down, &D.tree, -1, type, b->data, b->len);
        uint32_t reqid = lark_buf_get_u32(b);
        int *mine = malloc((size_t)(D.job.nprocs > 0 ? D.job.nprocs : 1) * sizeof *mine);
        int n = 0;
        for (int i = 0; mine && i < D.job.nprocs; i++)
            if (D.job.procs[i].node == D.node)
                mine[n++] = D.job.procs[i].rank;
        struct lark_buf w = {0};
        lark_where_pack(&w, D.node, reqid, D.job.nspace, mine, mine ? n : 0);
        free(mine);
        send_up(LARK_MSG_WHERE, &w);
        break;
    }
    case LARK_MSG_END:
        lark_down_send(&D.down, &D.tree, -1, type, b->data, b->len);
        D.ending = true;
        D.down.ending = true;
        break;
    default:
        break;
    }
    return 0;
}

/* ---- local events ---- */

static void on_pmix_event(struct lark_event *ev)
{
    struct lark_buf b = {0};
    switch (ev->kind) {
    case LARK_EV_CONNECTED:
    case LARK_EV_FINALIZED:
    case LARK_EV_ABORT:
    case LARK_EV_NOTE: /* a refused intruder (pmix_guard.c): mpirun says it */
        lark_buf_u32(&b, (uint32_t)ev->kind);
        lark_buf_u32(&b, (uint32_t)ev->rank);
        lark_buf_u32(&b, (uint32_t)ev->status);
        lark_buf_str(&b, ev->msg);
        send_up(LARK_MSG_EVENT, &b);
        break;
    case LARK_EV_FENCE:
        lark_pending_add(&D.pend, ev->msg, 0, ev->cbfunc, ev->cbdata);
        fence_part(ev->msg, ev->data, ev->ndata);
        break;
    case LARK_EV_DMODEX_REQ: {
        uint32_t id = ++D.next_req;
        int target = ev->rank >= 0 && ev->rank < D.job.nprocs ? D.job.procs[ev->rank].node : -1;
        if (target < 0) {
            lark_pmix_modex_done(ev->cbfunc, ev->cbdata, -1, NULL, 0);
            break;
        }
        lark_pending_add(&D.pend, NULL, id, ev->cbfunc, ev->cbdata);
        lark_dmdx_pack_req(&b, target, D.node, id, ev->rank);
        send_up(LARK_MSG_DMDX_REQ, &b);
        break;
    }
    case LARK_EV_DMODEX_DATA:
        lark_dmdx_pack_resp(&b, ev->node, ev->reqid, ev->status, ev->data, ev->ndata);
        send_up(LARK_MSG_DMDX_RESP, &b);
        break;
    }
    free(ev->msg);
    free(ev->data);
}

static void drain_events(void)
{
    struct lark_event ev;
    while (read(D.job.event_pipe[0], &ev, sizeof(ev)) == (ssize_t)sizeof(ev))
        on_pmix_event(&ev);
}

/* Forward what a rank's pipe holds: 0 at EOF, 1 empty for now, 2 more. */
static int forward(int rank, int stream)
{
    struct lark_proc *p = &D.job.procs[rank];
    int *fd = stream == 1 ? &p->fd_out : &p->fd_err;
    char buf[65536];
    for (int round = 0; round < 4 && *fd >= 0; round++) {
        ssize_t n = read(*fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 1;
        if (n <= 0) {
            epoll_ctl(D.ep, EPOLL_CTL_DEL, *fd, NULL);
            close(*fd);
            *fd = -1;
            return 0;
        }
        struct lark_buf b = {0};
        lark_buf_u32(&b, (uint32_t)rank);
        lark_buf_u32(&b, (uint32_t)stream);
        lark_buf_bytes(&b, buf, (size_t)n);
        send_up(LARK_MSG_IO, &b);
    }
    return *fd >= 0 ? 2 : 0;
}

static void reap(void)
{
    drain_events(); /* a finalize is posted before the rank can exit */
    for (;;) {
        int st;
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid <= 0)
            return;
        if (lark_down_reaped(&D.down, pid, st))
            continue;
        for (int i = 0; i < D.job.nprocs; i++) {
            struct lark_proc *p = &D.job.procs[i];
            if (p->node != D.node || p->pid != pid || p->exited)
                continue;
            p->exited = true;
            D.nlive--;
            kill(-pid, SIGKILL);
            /* its last words go up before its exit */
            while (p->fd_out >= 0 && forward(i, 1) == 2)
                ;
            while (p->fd_err >= 0 && forward(i, 2) == 2)
                ;
            struct lark_buf b = {0};
            lark_buf_u32(&b, (uint32_t)i);
            lark_buf_u32(&b, (uint32_t)pid);
            lark_buf_u32(&b, (uint32_t)st);
            send_up(LARK_MSG_EXIT, &b);
        }
    }
}

static void arm_timer(void)
{
    long long next = lark_down_next_deadline(&D.down);
    struct itimerspec its = {0};
    if (next >= 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        long long now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        long long ms = next > now ? next - now : 1;
        its.it_value.tv_sec = ms / 1000;
        its.it_value.tv_nsec = (ms % 1000) * 1000000L;
    }
    timerfd_settime(D.timerfd, 0, &its, NULL);
}

/* --preload-binary: write each program into dir (the node's temp
 * directory, removed with it after the job), mode 0700, and point the
 * app's argv[0] at it.  Returns 0, or -1 with a message. */
static int write_bins(struct lark_launch *l, struct lark_options *o, const char *dir, char *err,
                      size_t errlen)
{
    for (int a = 0; l->bin && a < o->napps; a++) {
        char *path = NULL;
        /* app<a>-<name>: two apps may run programs of the same name */
        if (asprintf(&path, "%s/app%d-%s", dir, a, l->binname[a]) < 0)
            return lark_launcher_fail(err, errlen, "out of memory");
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
        size_t put = 0;
        while (fd >= 0 && put < l->binlen[a]) {
            ssize_t n = write(fd, l->bin[a] + put, l->binlen[a] - put);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            put += (size_t)n;
        }
        int e = errno;
        if (fd < 0 || close(fd) < 0 || put != l->binlen[a]) {
            lark_launcher_fail(err, errlen, "--preload-binary: cannot write '%s': %s", path,
                               strerror(e));
            free(path);
            return -1;
        }
        /* The copy is what the node runs (freed with the options). */
        free(o->apps[a].argv[0]);
        o->apps[a].argv[0] = path;
        free(l->bin[a]);
        l->bin[a] = NULL;
        l->binlen[a] = 0;
    }
    return 0;
}

/* Read one frame from the parent, blocking up to timeout_ms (the LAUNCH). */
static struct lark_buf deferred; /* frames that came with the LAUNCH */
static char redirect_to[1024];   /* a REDIRECT's addresses: our parent's (srun step) */

static int wait_launch(void *arg, struct lark_conn *c, uint32_t type, struct lark_buf *b)
{
    (void)c;
    if (D.job.opts) {
        /* after the LAUNCH (stdin, signals sent early): handled once set up */
        lark_buf_u32(&deferred, type);
        lark_buf_bytes(&deferred, b->data, b->len);
        return 0;
    }
    if (type == LARK_MSG_NODE) {
        /* Which node we are: the one the command line said, or, started
         * by srun with every other daemon, the one our name is. */
        int node = (int)lark_buf_get_u32(b);
        if (b->bad || node < 0 || (D.node >= 0 && node != D.node))
            return -1;
        D.node = node;
        return 0;
    }
    if (type == LARK_MSG_REDIRECT && D.node >= 0) {
        /* mpirun, for a daemon of its srun step below its children: our
         * parent in the tree is another daemon, at these addresses. */
        char *a = lark_buf_get_str(b);
        if (!a || b->bad || !*a) {
            free(a);
            return -1;
        }
        snprintf(redirect_to, sizeof(redirect_to), "%s", a);
        free(a);
        return 0;
    }
    if (type != LARK_MSG_LAUNCH || D.node < 0)
        return -1;
    struct lark_map *m = arg;
    if (lark_launch_unpack(b, &D.l, &D.o, m) < 0)
        return -1;
    D.job.opts = &D.o; /* marks the LAUNCH as received */
    return 0;
}

static void usage_exit(const char *why)
{
    fprintf(stderr,
            "lark-noded: %s\nlark-noded is started by mpirun (usage: lark-noded --node "
            "N|by-name --parent IP:PORT[,...], the job's secret on stdin; or lark-noded "
            "--topology)\n",
            why);
    _exit(1);
}

/* lark-noded --topology: this host's name and counts on stdout, for
 * mpirun's planner when its map needs them (probe.c). */
static int print_topology(void)
{
    char host[256] = "?";
    gethostname(host, sizeof(host));
    host[sizeof(host) - 1] = 0;
    const char *name = getenv("SLURMD_NODENAME");
    printf("lark-topology %s %d %d %d %d\n", name && *name ? name : host,
           lark_bind_count(LARK_MAP_SOCKET), lark_bind_count(LARK_MAP_NUMA),
           lark_bind_count(LARK_MAP_CORE), lark_bind_count(LARK_MAP_HWTHREAD));
    return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--topology") == 0)
        return print_topology();
    const char *parent = NULL;
    bool by_name = false;
    D.node = -1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--node") == 0) {
            by_name = strcmp(argv[i + 1], "by-name") == 0;
            D.node = by_name ? -1 : atoi(argv[i + 1]);
        } else if (strcmp(argv[i], "--parent") == 0) {
            parent = argv[i + 1];
        }
    }
    if ((D.node < 0 && !by_name) || !parent)
        usage_exit("missing --node or --parent");
    char host[256] = "?";
    gethostname(host, sizeof(host));
    host[sizeof(host) - 1] = 0;
    /* Our node's name as mpirun knows it: under Slurm the node name of
     * the allocation (SLURMD_NODENAME, set in every task of a step),
     * else the host name. */
    const char *name = getenv("SLURMD_NODENAME");
    if (!name || !*name)
        name = host;
    /* The secret: one line on stdin, then stdin is done with. */
    char secret[128];
    size_t sl = 0;
    while (sl + 1 < sizeof(secret)) {
        ssize_t n = read(0, secret + sl, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || secret[sl] == '\n')
            break;
        sl++;
    }
    secret[sl] = 0;
    int dn = open("/dev/null", O_RDWR);
    if (dn >= 0) {
        dup2(dn, 0);
        dup2(dn, 1);
        if (dn > 2)
            close(dn);
    }
    /* Signals through a signalfd; the PMIx threads inherit the mask. */
    sigset_t set;
    sigemptyset(&set);
    int sigs[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaddset(&set, sigs[i]);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* PMIx's own messages go to syslog, as in mpirun (main.c): each failure
     * is said once, by mpirun, in Lark's words. */
    if (!getenv("LARK_MPIRUN_DEBUG")) {
        setenv("PMIX_OUTPUT_REDIRECT", "syslog", 0);
        setenv("PMIX_MCA_plog", "syslog", 0);
    }
    lark_reaper_init(); /* setsid descendants of our ranks stay ours (reaper.c) */
    lark_reaper_spare_cleaners("/proc/self/exe"); /* those of the daemons below us */

    /* Started by srun with every other daemon, we may be a parent in the
     * tree: our listening socket first, its addresses in our HELLO. */
    char myaddrs[1024] = "";
    int lfd = by_name ? lark_listen(myaddrs, sizeof(myaddrs)) : -1;
    if (by_name && lfd < 0) {
        fprintf(stderr, "lark-noded on %s: cannot listen on a TCP port: %s\n", host,
                strerror(errno));
        _exit(1);
    }
    int fd = -1;
    struct lark_map *m = &D.job.map;
    char to[1024]; /* mpirun, or (srun step, after a REDIRECT) our parent daemon */
    const char *whom = "mpirun";
    snprintf(to, sizeof(to), "%s", parent);
    while (!D.job.opts) {
        if (redirect_to[0]) {
            snprintf(to, sizeof(to), "%s", redirect_to);
            whom = "its parent daemon";
        }
        fd = lark_connect_any(to, 5.0);
        if (fd < 0) {
            fprintf(stderr, "lark-noded on %s: cannot reach %s at %s: %s\n", host, whom, to,
                    strerror(errno));
            _exit(1);
        }
        lark_conn_free(D.up);
        D.up = lark_conn_new(fd);
        redirect_to[0] = 0;
        struct lark_buf hb = {0};
        lark_buf_str(&hb, secret);
        lark_buf_u32(&hb, D.node < 0 ? UINT32_MAX : (uint32_t)D.node);
        lark_buf_str(&hb, name);
        lark_buf_str(&hb, myaddrs);
        int rc = D.up ? lark_conn_send(D.up, LARK_MSG_HELLO, &hb) : -1;
        lark_buf_free(&hb);
        if (rc < 0)
            _exit(1);
        /* Wait for the LAUNCH frame (the parent sends it at once). */
        while (!D.job.opts && !redirect_to[0]) {
            if (lark_conn_pending(D.up))
                lark_conn_flush(D.up);
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, 60000) <= 0 || lark_conn_read(D.up, wait_launch, m) == 0) {
                if (by_name)
                    fprintf(stderr,
                            "lark-noded on %s: %s at %s refused or closed the call-back "
                            "(is '%s' one of the job's node names?)\n",
                            host, whom, to, name);
                _exit(1); /* refused (a wrong secret), or the parent went away */
            }
        }
    }
    m->me = D.node;
    D.job.procs = m->procs;
    D.job.nprocs = m->nprocs;
    D.job.base_env = D.l.base_env;
    D.job.event_pipe[0] = D.job.event_pipe[1] = -1;
    snprintf(D.job.nspace, sizeof(D.job.nspace), "%s", D.l.nspace);
    snprintf(D.job.hostname, sizeof(D.job.hostname), "%s", host);
    D.tree = D.l.tree;
    if (D.l.cwd && chdir(D.l.cwd) < 0) {
        /* mpirun's directory does not exist here: start in $HOME */
        const char *home = getenv("HOME");
        if (home)
            (void)chdir(home);
    }
    setenv("PMIX_MCA_gds", "hash", 0);

    D.ep = epoll_create1(EPOLL_CLOEXEC);
    D.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    D.timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    ep_add(fd, EPOLLIN, K_PARENT, 0);
    ep_add(D.sigfd, EPOLLIN, K_SIGNAL, 0);
    ep_add(D.timerfd, EPOLLIN, K_TIMER, 0);

    char err[LARK_ERRLEN], msg[LARK_ERRLEN + 128];
    /* The daemons below us first: the tree grows while we start our ranks. */
    D.down.ep = D.ep;
    D.down.key_listen = K_LISTEN;
    D.down.key_conn = K_CONN;
    D.down.agent_name = D.l.agent;
    D.down.frame = child_frame;
    D.down.failed = child_failed;
    struct lark_buf lb = {0};
    lark_launch_pack(&lb, &D.l, &D.o, m);
    D.down.launch = lb;
    int mypos = lark_tree_pos(&D.tree, D.node);
    if ((by_name ? lark_down_adopt(&D.down, &D.tree, mypos, m->nodes, lfd, myaddrs, secret,
                                   D.l.launch_timeout, err, sizeof(err))
                 : lark_down_start(&D.down, &D.tree, mypos, m->nodes, D.l.agent, D.l.daemon, secret,
                                   D.l.launch_timeout, err, sizeof(err))) < 0) {
        snprintf(msg, sizeof(msg), "daemon on %s: %s", host, err);
        up_error(LARK_MSG_ERROR, D.node, msg);
    }
    arm_timer();

    /* Our own ranks: PMIx server, registration, binding, spawn. */
    int nlocal = m->node_size[D.node];
    D.in = calloc((size_t)m->nprocs, sizeof(*D.in));
    const char *tmp = getenv("TMPDIR");
    snprintf(D.job.tmpdir, sizeof(D.job.tmpdir), "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp",
             D.job.nspace);
    bool ok = D.in && mkdtemp(D.job.tmpdir) != NULL;
    if (!ok)
        D.job.tmpdir[0] = 0;
    else
        lark_cleanup_guard(D.job.tmpdir, D.job.nspace);
    ok = ok && pipe2(D.job.event_pipe, O_CLOEXEC) == 0;
    if (ok) {
        fcntl(D.job.event_pipe[0], F_SETFL, O_NONBLOCK);
        ep_add(D.job.event_pipe[0], EPOLLIN, K_EVENT, 0);
    }
    err[0] = 0;
    /* --preload-binary: the programs go into our temp directory (removed
     * with it), and our ranks run those copies. */
    if (ok && D.o.preload && write_bins(&D.l, &D.o, D.job.tmpdir, err, sizeof(err)) < 0)
        ok = false;
    /* Ranks that cannot fit here (ulimit -u, open files) fail at once. */
    ok = ok && lark_spawn_fits(nlocal, D.o.stdin_target == LARK_STDIN_ALL, err, sizeof(err)) == 0;
    ok = ok && lark_pmix_start(D.job.tmpdir, D.job.event_pipe[1], err, sizeof(err)) == 0 &&
         lark_pmix_register(D.job.nspace, D.job.tmpdir, &D.o, m, D.l.rank_secret, err,
                            sizeof(err)) == 0 &&
         lark_bind_compute(&D.o, m->procs, m->nprocs, D.node, err, sizeof(err)) == 0;
    if (ok && lark_spawn_all(&D.job, err, sizeof(err)) < 0)
        ok = false;
    for (int i = 0; i < m->nprocs; i++) {
        struct lark_proc *p = &m->procs[i];
        if (p->node != D.node)
            continue;
        if (p->pid > 0) {
            D.nlive++;
            ep_add(p->fd_out, EPOLLIN, K_OUT, i);
            ep_add(p->fd_err, EPOLLIN, K_ERR, i);
        }
    }
    if (!ok) {
        snprintf(msg, sizeof(msg), "%s (on host %s)",
                 err[0] ? err : "the daemon cannot set up the job", host);
        up_error(LARK_MSG_ERROR, D.node, msg);
    }
    {
        struct lark_buf rb = {0};
        lark_buf_u32(&rb, (uint32_t)D.node);
        send_up(LARK_MSG_READY, &rb);
    }

    while (deferred.off < deferred.len) {
        uint32_t t = lark_buf_get_u32(&deferred);
        size_t n;
        const void *p = lark_buf_get_bytes(&deferred, &n);
        struct lark_buf fb = {.data = (char *)p, .len = n};
        parent_frame(NULL, D.up, t, &fb);
    }
    lark_buf_free(&deferred);

    for (;;) {
        if (D.ending && lark_down_alive(&D.down) == 0 && lark_conn_pending(D.up) == 0)
            die(0);
        struct epoll_event evs[64];
        int wait = stdin_stalls();
        if (D.ending && (wait < 0 || wait > 100))
            wait = 100;
        int n = epoll_wait(D.ep, evs, 64, wait);
        if (n < 0 && errno != EINTR)
            die(1);
        for (int e = 0; e < n; e++) {
            int kind = (int)(evs[e].data.u64 >> 32), idx = (int)(uint32_t)evs[e].data.u64;
            switch (kind) {
            case K_PARENT: {
                int r = 1;
                if (evs[e].events & EPOLLOUT)
                    r = lark_conn_flush(D.up) < 0 ? 0 : 1;
                if (r && (evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                    r = lark_conn_read(D.up, parent_frame, NULL);
                if (r == 0)
                    die(D.ending ? 0 : 1); /* mpirun or the daemon above is gone */
                break;
            }
            case K_SIGNAL: {
                struct signalfd_siginfo si;
                while (read(D.sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                    if (si.ssi_signo == SIGCHLD)
                        reap();
                    else if (si.ssi_signo != SIGPIPE)
                        die(1);
                }
                break;
            }
            case K_EVENT:
                drain_events();
                break;
            case K_OUT:
            case K_ERR:
                forward(idx, kind == K_OUT ? 1 : 2);
                break;
            case K_IN:
                stdin_push(idx);
                break;
            case K_LISTEN:
                lark_down_accept(&D.down);
                break;
            case K_CONN:
                lark_down_on_conn(&D.down, idx, evs[e].events);
                break;
            case K_TIMER: {
                uint64_t x;
                if (read(D.timerfd, &x, sizeof(x)) > 0) {
                    lark_down_check(&D.down);
                    arm_timer();
                }
                break;
            }
            }
        }
        /* Bytes waiting for the parent: ask for EPOLLOUT. */
        struct epoll_event pe = {.events = EPOLLIN | (lark_conn_pending(D.up) ? EPOLLOUT : 0u),
                                 .data.u64 = (uint64_t)K_PARENT << 32};
        epoll_ctl(D.ep, EPOLL_CTL_MOD, D.up->fd, &pe);
        lark_down_sync(&D.down);
    }
}

/* Forwarding mpirun's stdin to the ranks that take it (--stdin RANK|all).
 * Each local target rank has its own queue: mpirun reads the next chunk of its
 * stdin whenever some target has nothing left to write and none is more than
 * LARK_STDIN_BOUND behind, copies it to every target's queue, and writes each
 * queue into that rank's pipe as the pipe takes it.  A rank that far behind
 * but reading (late to start, or slow) paces the others and loses nothing;
 * one that takes nothing for LARK_STDIN_STALL_MS meanwhile (it never reads)
 * has its stdin closed, with a note, and the others go on.  EOF on
 * mpirun's stdin becomes the closing of each rank's pipe once its queue is
 * written.  A rank on another host gets each chunk through the send
 * callback (remote.c puts it in a frame; that host's daemon queues it for
 * the rank) and EOF as an empty chunk; what was sent but not yet reported
 * taken by its daemon (lark_stdin_on_ack) counts as its queue, so the same
 * bound and stall rule hold across hosts.
 * Everything runs in the event loop of job.c, which owns the epoll
 * set and calls in here when a descriptor is ready; nothing here blocks. */
#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define STDIN_CHUNK 65536

struct queue {
    char *buf; /* malloc'd, freed when the rank's stdin is closed */
    size_t off, len, cap;
    bool polled;          /* its pipe is registered for EPOLLOUT */
    int64_t progress_ms;  /* when its pipe last took bytes, or it went behind */
    uint64_t sent, taken; /* bytes sent (a remote rank), and taken by its pipe */
    bool stalled;         /* a remote rank: its daemon says it stalled */
};

struct lark_stdin {
    int ep;
    int src;     /* mpirun's stdin, or -1 once finished */
    bool polled; /* src registered for EPOLLIN */
    bool always; /* a regular file: epoll refuses it, it is always readable */
    bool eof;
    uint64_t src_key, dst_key;
    struct lark_proc *procs;
    int nprocs;
    struct queue *q; /* per rank */
    bool *remote;    /* per rank: a target on another host */
    void (*send)(void *ctx, int rank, const char *data, size_t n);
    void (*drop)(void *ctx, int rank);
    void *ctx;
    struct lark_sink *notes;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool is_target(const struct lark_stdin *s, int i)
{
    return s->procs[i].fd_in >= 0 || s->remote[i];
}

/* What rank i has been given and not yet taken. */
static uint64_t waiting(const struct lark_stdin *s, int i)
{
    if (s->remote[i])
        return s->q[i].sent - s->q[i].taken;
    return s->procs[i].fd_in >= 0 ? s->q[i].len - s->q[i].off : 0;
}

/* Rank i is LARK_STDIN_BOUND behind. */
static bool behind(const struct lark_stdin *s, int i)
{
    return waiting(s, i) > LARK_STDIN_BOUND;
}

/* Some target would take a chunk now (a remote one does while it is not
 * behind), and none is too far behind to be given more. */
static bool hungry(const struct lark_stdin *s)
{
    bool some = false;
    for (int i = 0; i < s->nprocs; i++) {
        if (behind(s, i))
            return false;
        some |= s->remote[i] || (s->procs[i].fd_in >= 0 && s->q[i].len == s->q[i].off);
    }
    return some;
}

static bool any_target(const struct lark_stdin *s)
{
    for (int i = 0; i < s->nprocs; i++)
        if (is_target(s, i))
            return true;
    return false;
}

/* Close rank i's stdin: after what it was given (EOF), or at once, throwing
 * away what it has not taken (drop: it stalled). */
static void end_rank(struct lark_stdin *s, int i, bool drop)
{
    struct lark_proc *p = &s->procs[i];
    if (s->remote[i]) {
        s->remote[i] = false;
        if (drop && s->drop != NULL)
            s->drop(s->ctx, i);
        else
            s->send(s->ctx, i, NULL, 0); /* EOF */
    }
    if (p->fd_in < 0)
        return;
    if (s->q[i].polled)
        epoll_ctl(s->ep, EPOLL_CTL_DEL, p->fd_in, NULL);
    close(p->fd_in);
    p->fd_in = -1;
    free(s->q[i].buf);
    memset(&s->q[i], 0, sizeof(s->q[i]));
}

static void close_rank(struct lark_stdin *s, int i)
{
    end_rank(s, i, false);
}

/* Read src or not, as the targets need; stop for good when none is left. */
static void want_src(struct lark_stdin *s)
{
    if (s->src < 0)
        return;
    if (!any_target(s)) {
        if (s->polled)
            epoll_ctl(s->ep, EPOLL_CTL_DEL, s->src, NULL);
        s->polled = false;
        s->src = -1;
        return;
    }
    if (s->always)
        return;
    bool want = !s->eof && hungry(s);
    if (want && !s->polled) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = s->src_key};
        s->polled = epoll_ctl(s->ep, EPOLL_CTL_ADD, s->src, &ev) == 0;
    } else if (!want && s->polled) {
        epoll_ctl(s->ep, EPOLL_CTL_DEL, s->src, NULL);
        s->polled = false;
    }
}

/* Write what rank i's queue holds into its pipe, as far as it goes. */
static void pump(struct lark_stdin *s, int i)
{
    struct lark_proc *p = &s->procs[i];
    struct queue *q = &s->q[i];
    if (p->fd_in < 0)
        return;
    while (q->off < q->len) {
        ssize_t n = write(p->fd_in, q->buf + q->off, q->len - q->off);
        if (n > 0) {
            q->off += (size_t)n;
            q->taken += (uint64_t)n;
            q->progress_ms = now_ms();
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        close_rank(s, i); /* the rank closed its stdin or died */
        return;
    }
    bool waiting = q->off < q->len;
    if (!waiting)
        q->off = q->len = 0;
    if (waiting != q->polled) {
        struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = s->dst_key | (uint32_t)i};
        if (waiting)
            q->polled = epoll_ctl(s->ep, EPOLL_CTL_ADD, p->fd_in, &ev) == 0;
        else {
            epoll_ctl(s->ep, EPOLL_CTL_DEL, p->fd_in, NULL);
            q->polled = false;
        }
    }
    if (!waiting && s->eof)
        close_rank(s, i); /* everything written: pass EOF on */
}

static void append(struct lark_stdin *s, int i, const char *data, size_t n)
{
    struct queue *q = &s->q[i];
    if (!behind(s, i) && waiting(s, i) + n > LARK_STDIN_BOUND)
        q->progress_ms = now_ms(); /* it goes behind now: its stall counts from here */
    if (s->remote[i]) {
        q->sent += n;
        s->send(s->ctx, i, data, n);
        return;
    }
    if (q->len + n > q->cap) {
        size_t ncap = q->cap ? q->cap : STDIN_CHUNK;
        while (ncap < q->len + n)
            ncap *= 2;
        char *nb = realloc(q->buf, ncap);
        if (!nb) {
            close_rank(s, i);
            return;
        }
        q->buf = nb;
        q->cap = ncap;
    }
    memcpy(q->buf + q->len, data, n);
    q->len += n;
}

static void read_src(struct lark_stdin *s)
{
    if (s->src < 0 || s->eof || !hungry(s))
        return;
    char buf[STDIN_CHUNK];
    ssize_t n = read(s->src, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        s->eof = true;
    } else {
        for (int i = 0; i < s->nprocs; i++)
            if (is_target(s, i))
                append(s, i, buf, (size_t)n);
    }
    for (int i = 0; i < s->nprocs; i++) {
        if (s->remote[i] && s->eof)
            close_rank(s, i);
        pump(s, i);
    }
    want_src(s);
}

/* Close the stdin of each rank far behind that has taken nothing for
 * LARK_STDIN_STALL_MS; returns the ms until the next such rank would have
 * stalled (-1: none is behind). */
static int end_stalled(struct lark_stdin *s)
{
    int64_t now = now_ms(), next = -1;
    bool closed = false;
    for (int i = 0; i < s->nprocs; i++) {
        if (!behind(s, i))
            continue;
        /* A remote rank's stall is timed by its daemon. */
        int stall_ms = s->remote[i] ? 0 : lark_stdin_stall_ms(s->procs[i].fd_in, s->q[i].taken);
        int64_t left =
            s->remote[i] ? (s->q[i].stalled ? 0 : 1) : s->q[i].progress_ms + stall_ms - now;
        if (left > 0 && s->remote[i])
            continue;
        if (left > 0) {
            next = next < 0 || left < next ? left : next;
            continue;
        }
        char note[256], how[32] = "";
        if (!s->remote[i]) /* (a remote one's daemon timed it) */
            snprintf(how, sizeof(how), " for %d ms", stall_ms);
        int len = snprintf(note, sizeof(note),
                           "mpirun: rank %d has not read its stdin%s (%zu bytes waiting) "
                           "while other ranks have; its stdin is closed so that they can go on\n",
                           s->procs[i].rank, how, (size_t)waiting(s, i));
        lark_sink_put(s->notes, note, (size_t)len);
        end_rank(s, i, true);
        closed = true;
    }
    if (closed)
        want_src(s); /* the others were waiting for it */
    return (int)next;
}

struct lark_stdin *lark_stdin_new(const struct lark_stdin_conf *c)
{
    int nprocs = c->nprocs;
    struct lark_proc *procs = c->procs;
    int src = c->src;
    struct lark_stdin *s = calloc(1, sizeof(*s));
    if (s) {
        s->q = calloc((size_t)nprocs > 0 ? (size_t)nprocs : 1, sizeof(*s->q));
        s->remote = calloc((size_t)nprocs > 0 ? (size_t)nprocs : 1, sizeof(bool));
    }
    if (!s || !s->q || !s->remote) {
        if (s) {
            free(s->q);
            free(s->remote);
        }
        free(s);
        for (int i = 0; i < nprocs; i++) {
            if (c->remote && c->remote[i])
                c->send(c->ctx, i, NULL, 0);
            if (procs[i].fd_in >= 0) {
                close(procs[i].fd_in);
                procs[i].fd_in = -1;
            }
        }
        return NULL;
    }
    if (c->remote)
        memcpy(s->remote, c->remote, (size_t)nprocs * sizeof(bool));
    s->ep = c->ep;
    s->src = -1;
    s->procs = procs;
    s->nprocs = nprocs;
    s->send = c->send;
    s->drop = c->drop;
    s->ctx = c->ctx;
    s->notes = c->notes;
    s->src_key = c->src_key;
    s->dst_key = c->dst_key;
    int ep = c->ep;
    uint64_t src_key = c->src_key;
    if (any_target(s) && fcntl(src, F_GETFL) >= 0) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = src_key};
        s->src = src;
        if (epoll_ctl(ep, EPOLL_CTL_ADD, src, &ev) == 0)
            s->polled = true;
        else if (errno == EPERM)
            s->always = true; /* a regular file or /dev/null */
        else
            s->src = -1;
    }
    if (s->src < 0)
        for (int i = 0; i < nprocs; i++)
            close_rank(s, i);
    return s;
}

void lark_stdin_on_src(struct lark_stdin *s)
{
    if (s)
        read_src(s);
}

void lark_stdin_on_dst(struct lark_stdin *s, int i)
{
    if (!s || i < 0 || i >= s->nprocs)
        return;
    pump(s, i);
    want_src(s);
}

void lark_stdin_rank_gone(struct lark_stdin *s, int i)
{
    if (!s || i < 0 || i >= s->nprocs || !is_target(s, i))
        return;
    close_rank(s, i);
    want_src(s); /* the others may have been waiting for it */
}

void lark_stdin_on_ack(struct lark_stdin *s, int i, uint64_t total, bool stalled)
{
    if (!s || i < 0 || i >= s->nprocs || !s->remote[i])
        return;
    struct queue *q = &s->q[i];
    if (total < q->taken || total > q->sent)
        return; /* old news, or nonsense */
    q->stalled = stalled;
    q->taken = total;
    q->progress_ms = now_ms();
    if (stalled)
        end_stalled(s); /* behind too: it goes now */
    else
        want_src(s); /* it may have been what held the reading */
}

void lark_stdin_forget(struct lark_stdin *s, int i)
{
    if (!s || i < 0 || i >= s->nprocs || !s->remote[i])
        return;
    s->remote[i] = false;
    want_src(s);
}

int lark_stdin_wait_ms(struct lark_stdin *s)
{
    if (!s)
        return -1;
    end_stalled(s);
    if (s->always && s->src >= 0 && !s->eof && hungry(s)) {
        read_src(s);
        if (s->src >= 0 && !s->eof && hungry(s))
            return 0;
    }
    return end_stalled(s); /* (that read may have put a rank behind) */
}

void lark_stdin_free(struct lark_stdin *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nprocs; i++)
        close_rank(s, i);
    if (s->polled)
        epoll_ctl(s->ep, EPOLL_CTL_DEL, s->src, NULL);
    free(s->q);
    free(s->remote);
    free(s);
}

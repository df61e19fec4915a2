/* Forwarding mpirun's stdin to the ranks that take it (--stdin RANK|all).
 * Each local target rank has its own queue: mpirun reads the next chunk of its
 * stdin whenever some target has nothing left to write, copies it to every
 * target's queue, and writes each queue into that rank's pipe as the pipe
 * takes it.  So a rank that reads slowly (or never) holds nobody else up: once
 * its queue passes LARK_STDIN_BOUND its stdin is closed, with a note.  EOF on
 * mpirun's stdin becomes the closing of each rank's pipe once its queue is
 * written.  A rank on another host gets each chunk at once through the
 * send callback (remote.c puts it in a frame; that host's daemon queues it
 * for the rank, with the same bound), and EOF as an empty chunk.
 * Everything runs in the event loop of job.c, which owns the epoll
 * set and calls in here when a descriptor is ready; nothing here blocks. */
#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define STDIN_CHUNK 65536

struct queue {
    char *buf; /* malloc'd, freed when the rank's stdin is closed */
    size_t off, len, cap;
    bool polled; /* its pipe is registered for EPOLLOUT */
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
    void *ctx;
    struct lark_sink *notes;
};

static bool is_target(const struct lark_stdin *s, int i)
{
    return s->procs[i].fd_in >= 0 || s->remote[i];
}

/* Some target would take a chunk now (a remote one always does). */
static bool hungry(const struct lark_stdin *s)
{
    for (int i = 0; i < s->nprocs; i++)
        if (s->remote[i] || (s->procs[i].fd_in >= 0 && s->q[i].len == s->q[i].off))
            return true;
    return false;
}

static bool any_target(const struct lark_stdin *s)
{
    for (int i = 0; i < s->nprocs; i++)
        if (is_target(s, i))
            return true;
    return false;
}

static void close_rank(struct lark_stdin *s, int i)
{
    struct lark_proc *p = &s->procs[i];
    if (s->remote[i]) {
        s->remote[i] = false;
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
            if (s->remote[i])
                s->send(s->ctx, i, buf, (size_t)n);
            else if (s->procs[i].fd_in >= 0)
                append(s, i, buf, (size_t)n);
    }
    for (int i = 0; i < s->nprocs; i++) {
        if (s->remote[i] && s->eof)
            close_rank(s, i);
        pump(s, i);
        size_t left = s->q[i].len - s->q[i].off;
        if (s->procs[i].fd_in >= 0 && left > LARK_STDIN_BOUND) {
            char note[256];
            int len = snprintf(note, sizeof(note),
                               "mpirun: rank %d has not read its stdin (%zu bytes waiting) while "
                               "other ranks have; its stdin is closed so that they can go on\n",
                               s->procs[i].rank, left);
            lark_sink_put(s->notes, note, (size_t)len);
            close_rank(s, i);
        }
    }
    want_src(s);
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

void lark_stdin_forget(struct lark_stdin *s, int i)
{
    if (!s || i < 0 || i >= s->nprocs || !s->remote[i])
        return;
    s->remote[i] = false;
    want_src(s);
}

int lark_stdin_wait_ms(struct lark_stdin *s)
{
    if (s && s->always && s->src >= 0 && !s->eof && hungry(s)) {
        read_src(s);
        if (s->src >= 0 && !s->eof && hungry(s))
            return 0;
    }
    return -1;
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

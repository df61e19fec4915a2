/* mpirun's outputs (its stdout and stderr), written without ever blocking
 * the event loop.  What the ranks print and mpirun's own lines are queued
 * here in order and written as the destination takes them; the loop polls
 * the destination for room while something waits.  The queue has a bound:
 * above it the loop stops reading the ranks' pipes (they then wait in their
 * own writes, as with any full pipe) while signals, deaths and timeouts are
 * still handled at once.  What is still queued when a failed job is over is
 * dropped with a note.
 *
 * A pipe, FIFO or terminal is written through a descriptor of its own,
 * opened through /proc/self/fd with O_NONBLOCK: setting O_NONBLOCK on the
 * inherited descriptor would change it for every process sharing it (the
 * shell, the other commands of a pipeline).  A socket is written with
 * MSG_DONTWAIT.  A regular file never makes anyone wait: it is written
 * directly.  If none of this works, the descriptor is made non-blocking and
 * restored by lark_sink_close. */
#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct lark_sink {
    int fd;       /* where to write: own non-blocking descriptor, or the original */
    int orig;     /* the descriptor we were given */
    bool own;     /* fd is ours to close */
    bool socket;  /* write with send(MSG_DONTWAIT) */
    bool restore; /* O_NONBLOCK was set on orig: clear it at close */
    bool broken;  /* the reader is gone (EPIPE): everything is dropped */
    char *buf;    /* queued bytes buf[off..len), malloc'd, freed by lark_sink_close */
    size_t off, len, cap;
    size_t dropped; /* bytes dropped (broken destination, or lark_sink_drop) */
};

struct lark_sink *lark_sink_open(int fd)
{
    struct lark_sink *k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    k->fd = k->orig = fd;
    struct stat st;
    if (fstat(fd, &st) < 0 || S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
        return k; /* never waits (or cannot be used anyway: writes will fail) */
    if (S_ISSOCK(st.st_mode)) {
        k->socket = true;
        return k;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    int nfd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (nfd >= 0) {
        k->fd = nfd;
        k->own = true;
        return k;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && !(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0)
        k->restore = true;
    return k;
}

int lark_sink_fd(const struct lark_sink *k)
{
    return k->fd;
}

size_t lark_sink_pending(const struct lark_sink *k)
{
    return k ? k->len - k->off : 0;
}

size_t lark_sink_dropped(const struct lark_sink *k)
{
    return k ? k->dropped : 0;
}

static ssize_t put_some(struct lark_sink *k, const char *p, size_t n)
{
    if (k->socket)
        return send(k->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
    return write(k->fd, p, n);
}

/* Write what can be written now from p (n bytes); returns how much went. */
static size_t write_now(struct lark_sink *k, const char *p, size_t n)
{
    size_t done = 0;
    while (done < n && !k->broken) {
        ssize_t w = put_some(k, p + done, n - done);
        if (w > 0) {
            done += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        /* EPIPE or worse: nobody will ever read this; drop from now on. */
        k->broken = true;
    }
    return done;
}

int lark_sink_flush(struct lark_sink *k)
{
    if (!k)
        return 0;
    if (k->broken) {
        k->dropped += k->len - k->off;
        k->off = k->len = 0;
        return 0;
    }
    k->off += write_now(k, k->buf + k->off, k->len - k->off);
    if (k->broken)
        return lark_sink_flush(k);
    if (k->off == k->len) {
        k->off = k->len = 0;
        return 0;
    }
    /* Keep the queue compact once half of it is written. */
    if (k->off > k->cap / 2) {
        memmove(k->buf, k->buf + k->off, k->len - k->off);
        k->len -= k->off;
        k->off = 0;
    }
    return 1;
}

void lark_sink_put(struct lark_sink *k, const char *p, size_t n)
{
    if (!k || n == 0)
        return;
    if (k->broken) {
        k->dropped += n;
        return;
    }
    /* Nothing queued: try to write it at once, and queue the rest. */
    if (k->off == k->len) {
        size_t w = write_now(k, p, n);
        p += w;
        n -= w;
        if (n == 0)
            return;
        if (k->broken) {
            k->dropped += n;
            return;
        }
    }
    if (k->len + n > k->cap) {
        size_t ncap = k->cap ? k->cap : 65536;
        while (ncap < k->len + n)
            ncap *= 2;
        char *nb = realloc(k->buf, ncap);
        if (!nb) {
            k->dropped += n;
            return;
        }
        k->buf = nb;
        k->cap = ncap;
    }
    memcpy(k->buf + k->len, p, n);
    k->len += n;
}

size_t lark_sink_drop(struct lark_sink *k)
{
    if (!k)
        return 0;
    size_t n = k->len - k->off;
    k->dropped += n;
    k->off = k->len = 0;
    return n;
}

void lark_sink_close(struct lark_sink *k)
{
    if (!k)
        return;
    if (k->own)
        close(k->fd);
    if (k->restore) {
        int fl = fcntl(k->orig, F_GETFL);
        if (fl >= 0)
            fcntl(k->orig, F_SETFL, fl & ~O_NONBLOCK);
    }
    free(k->buf);
    free(k);
}

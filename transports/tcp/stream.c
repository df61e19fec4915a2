/*
 * stream.c -- frames on an established TCP connection: writing them (one
 * sendmsg of header and payload, what the socket does not take queued in
 * order, large zero-copy payloads spliced from the caller's pages and
 * confirmed by the receiver's DONE) and reading them (buffered in rx,
 * large payloads read straight into their destination, the connection
 * that brings data read first at each progress pass).  conn.c opens,
 * authenticates and closes the connections these run on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tcp.h"

/* c brought data: it becomes (or stays) the connection tcp_progress reads
 * first.  The one it replaces goes back into the epoll set. */
static void set_hot(struct tcp_state *s, struct lark_tcp_conn *c)
{
    if (s->hot == c) {
        s->hot_streak++;
        return;
    }
    if (s->hot != NULL)
        lark_tcp_attach(s, s->hot);
    s->hot = c;
    s->hot_streak = 0;
}

/* ---- sending frames ---- */

void lark_tcp_txi_push(struct lark_tcp_txi **head, struct lark_tcp_txi **tail,
                       struct lark_tcp_txi *t)
{
    t->next = NULL;
    if (*tail)
        (*tail)->next = t;
    else
        *head = t;
    *tail = t;
}

/* (Re)make the process's splice pipe, empty: at init, and when the
 * connection whose pages it held closed.  Without one, nothing is spliced. */
void lark_tcp_pipe_reset(struct tcp_state *s)
{
    if (s->pipe_r >= 0) {
        close(s->pipe_r);
        close(s->pipe_w);
    }
    s->pipe_r = s->pipe_w = -1;
    s->pipe_fill = 0;
    s->pipe_owner = NULL;
    int fds[2];
    if (s->splice_min == 0 || pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        s->splice_min = 0;
        return;
    }
    /* 1 MiB: four splice calls a 4 MiB message (the default 64 KiB, 64);
     * where the system's pipe-max-size refuses it, what there is. */
    (void)fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
    int cap = fcntl(fds[1], F_GETPIPE_SZ);
    s->pipe_r = fds[0];
    s->pipe_w = fds[1];
    s->pipe_cap = cap > 0 ? (size_t)cap : 65536;
}

/* Write the spliced frame t: the header with send, the payload by mapping
 * the caller's pages into the pipe (vmsplice) and moving them from there
 * to the socket (splice), so the kernel copies the bytes once, into the
 * receiver, instead of twice (loopback 4 MiB stream: 3.6 -> 5 GB/s with a
 * plain socket).  The socket keeps references to those pages until the
 * bytes are acknowledged, so the caller may not reuse them when the
 * socket took them: only the receiver's DONE says so (rx_parse).  While
 * another connection's pages sit in the pipe, a piece is sent the
 * ordinary way.  Returns 1 when all is out, 0 when the socket is full,
 * -1 when the connection broke; *wrote is set when bytes went. */
static ssize_t splice_some(struct tcp_state *s, struct lark_tcp_conn *c, struct lark_tcp_txi *t)
{
    size_t left = t->plen - t->poff;
    if (s->pipe_owner != NULL && s->pipe_owner != c)
        return send(c->fd, t->payload + t->poff, left, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (s->pipe_fill == 0) {
        struct iovec iov = {(char *)t->payload + t->poff, left < s->pipe_cap ? left : s->pipe_cap};
        ssize_t v = vmsplice(s->pipe_w, &iov, 1, SPLICE_F_NONBLOCK);
        if (v <= 0) /* cannot happen to an empty pipe; send it plainly */
            return send(c->fd, t->payload + t->poff, left, MSG_NOSIGNAL | MSG_DONTWAIT);
        s->pipe_fill = (size_t)v;
        s->pipe_owner = c;
    }
    ssize_t n =
        splice(s->pipe_r, NULL, c->fd, NULL, s->pipe_fill,
               SPLICE_F_MOVE | SPLICE_F_NONBLOCK | (s->pipe_fill < left ? SPLICE_F_MORE : 0));
    if (n > 0 && (s->pipe_fill -= (size_t)n) == 0)
        s->pipe_owner = NULL;
    return n;
}

static int splice_out(struct tcp_state *s, struct lark_tcp_conn *c, struct lark_tcp_txi *t,
                      int *wrote)
{
    while (t->hoff < sizeof t->hdr || t->poff < t->plen) {
        bool hdr = t->hoff < sizeof t->hdr;
        ssize_t n = hdr ? send(c->fd, (char *)&t->hdr + t->hoff, sizeof t->hdr - t->hoff,
                               MSG_NOSIGNAL | MSG_DONTWAIT | MSG_MORE)
                        : splice_some(s, c, t);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 0;
        if (n <= 0) {
            lark_tcp_conn_lost(s, c, strerror(errno));
            return -1;
        }
        *(hdr ? &t->hoff : &t->poff) += (size_t)n;
        *wrote = 1;
    }
    return 1;
}

/* Write what is queued on c, in order, until the socket is full.  Returns
 * 1 when bytes went out, 0 when none could, -1 when the connection broke. */
int lark_tcp_tx_flush(struct tcp_state *s, struct lark_tcp_conn *c)
{
    int wrote = 0;
    while (c->txh != NULL) {
        struct lark_tcp_txi *t = c->txh;
        if (t->splice) {
            int r = splice_out(s, c, t, &wrote);
            if (r < 0)
                return -1;
            if (r == 0)
                break;
            /* Out: its cookie waits for the receiver's DONE. */
            c->txh = t->next;
            if (c->txh == NULL)
                c->txt = NULL;
            lark_tcp_txi_push(&c->cfh, &c->cft, t);
            continue;
        }
        struct iovec iov[2];
        int k = 0;
        if (t->hoff < sizeof t->hdr)
            iov[k++] = (struct iovec){(char *)&t->hdr + t->hoff, sizeof t->hdr - t->hoff};
        if (t->poff < t->plen)
            iov[k++] = (struct iovec){(char *)t->payload + t->poff, t->plen - t->poff};
        struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)k};
        ssize_t n = sendmsg(c->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n < 0) {
            lark_tcp_conn_lost(s, c, strerror(errno));
            return -1;
        }
        wrote = 1;
        size_t h = sizeof t->hdr - t->hoff;
        if ((size_t)n < h) {
            t->hoff += (size_t)n;
            continue;
        }
        t->hoff = sizeof t->hdr;
        t->poff += (size_t)n - h;
        if (t->poff < t->plen)
            continue;
        c->txh = t->next;
        if (c->txh == NULL)
            c->txt = NULL;
        if (t->cookie != NULL)
            lark_transport_sent(t->cookie, LARK_OK);
        else
            c->tx_copied -= t->plen;
        free(t);
    }
    lark_tcp_want_out(s, c, c->txh != NULL);
    return wrote;
}

int lark_tcp_conn_send(struct tcp_state *s, struct tcp_peer *p, const struct lark_wire *hdr,
                       const void *payload, size_t len, void *cookie)
{
    struct lark_tcp_conn *c = p->conn;
    if (p->gone || p->failed)
        return LARK_ERR_PEER;
    if (c == NULL || c->st != LARK_TCP_UP) {
        if (c == NULL && !p->awaiting && !p->on_waiting)
            lark_tcp_conn_start(s, p);
        return LARK_ERR_AGAIN; /* the runtime queues it until we are up */
    }
    struct lark_tcp_frame f = {.word = LARK_TCP_MAGIC | LARK_TCP_FRAME, .plen = (uint32_t)len};
    f.w = *hdr;
    size_t done = 0;
    bool splice = cookie != NULL && s->splice_min != 0 && len >= s->splice_min;
    if (splice)
        f.word = LARK_TCP_MAGIC | LARK_TCP_CONFIRM;
    if (c->txh == NULL && !splice) {
        struct iovec iov[2] = {{&f, sizeof f}, {(void *)payload, len}};
        struct msghdr m = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
        ssize_t n;
        do
            n = sendmsg(c->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
        while (n < 0 && errno == EINTR);
        if (n < 0 && errno != EAGAIN) {
            lark_tcp_conn_lost(s, c, strerror(errno));
            return LARK_ERR_PEER;
        }
        done = n > 0 ? (size_t)n : 0;
        if (done == sizeof f + len)
            return LARK_OK;
    } else if (cookie == NULL && c->tx_copied >= LARK_TCP_TX_LIMIT) {
        return LARK_ERR_AGAIN;
    }
    /* Queue the rest, in order.  Freed by tx_flush once written. */
    size_t copy = cookie == NULL ? len : 0;
    struct lark_tcp_txi *t = malloc(sizeof *t + copy);
    if (t == NULL)
        return done ? LARK_ERR_NOMEM : LARK_ERR_AGAIN;
    t->next = NULL;
    t->hdr = f;
    t->hoff = done < sizeof f ? done : sizeof f;
    t->plen = len;
    t->poff = done > sizeof f ? done - sizeof f : 0;
    t->cookie = cookie;
    t->splice = splice;
    if (cookie == NULL) {
        if (len > t->poff)
            memcpy(t->data + t->poff, (const char *)payload + t->poff, len - t->poff);
        t->payload = t->data;
        c->tx_copied += len;
    } else {
        t->payload = payload;
    }
    lark_tcp_txi_push(&c->txh, &c->txt, t);
    /* A spliced payload starts at the next progress pass (EPOLLOUT): a
     * failure here would hand its cookie back before we return. */
    lark_tcp_want_out(s, c, true);
    return cookie != NULL ? LARK_INPROGRESS : LARK_OK;
}

/* Tell the peer its spliced payload was read (a DONE frame), in order
 * behind what we queued before.  Called while receiving. */
static void send_done(struct tcp_state *s, struct lark_tcp_conn *c)
{
    struct lark_tcp_frame f = {.word = LARK_TCP_MAGIC | LARK_TCP_DONE};
    size_t done = 0;
    if (c->txh == NULL) {
        ssize_t n;
        do
            n = send(c->fd, &f, sizeof f, MSG_NOSIGNAL | MSG_DONTWAIT);
        while (n < 0 && errno == EINTR);
        if (n < 0 && errno != EAGAIN) {
            lark_tcp_conn_lost(s, c, strerror(errno));
            return;
        }
        done = n > 0 ? (size_t)n : 0;
        if (done == sizeof f)
            return;
    }
    /* Freed by tx_flush once written. */
    struct lark_tcp_txi *t = calloc(1, sizeof *t);
    if (t == NULL) {
        lark_tcp_conn_lost(s, c, "out of memory for a DONE frame");
        return;
    }
    t->hdr = f;
    t->hoff = done;
    t->payload = t->data;
    lark_tcp_txi_push(&c->txh, &c->txt, t);
    lark_tcp_want_out(s, c, true);
}

/* The peer read a payload we spliced: its buffer is the caller's again. */
static int done_in(struct tcp_state *s, struct lark_tcp_conn *c)
{
    struct lark_tcp_txi *t = c->cfh;
    if (t == NULL) {
        lark_tcp_conn_lost(s, c, "a DONE frame for no spliced payload");
        return -1;
    }
    c->cfh = t->next;
    if (c->cfh == NULL)
        c->cft = NULL;
    lark_transport_sent(t->cookie, LARK_OK);
    free(t);
    return 0;
}

/* ---- receiving frames ---- */

/* A payload too large for the receive buffer: find where it goes (the
 * user's buffer when the runtime knows it, else a buffer of our own). */
static int sink_start(struct lark_tcp_conn *c, const struct lark_tcp_frame *f)
{
    c->cur = *f;
    c->sink = lark_transport_recv_target(c->peer->world, &f->w, f->plen);
    c->sink_owned = c->sink == NULL;
    if (c->sink_owned && (c->sink = malloc(f->plen)) == NULL) /* freed in sink_done */
        return -1;
    c->sink_got = 0;
    c->in_sink = true;
    return 0;
}

static void sink_done(struct tcp_state *s, struct lark_tcp_conn *c)
{
    c->in_sink = false;
    lark_transport_deliver(c->peer->world, &c->cur.w, c->sink, c->cur.plen);
    if (c->sink_owned)
        free(c->sink);
    c->sink = NULL;
    if ((c->cur.word & 0xffu) == LARK_TCP_CONFIRM && c->st == LARK_TCP_UP)
        send_done(s, c);
}

/* Deliver every complete frame in rx; start a sink for a large payload.
 * Returns frames handled, or -1 when the connection was closed. */
static int rx_parse(struct tcp_state *s, struct lark_tcp_conn *c)
{
    int n = 0;
    while (!c->in_sink && c->rx_len - c->rx_off >= sizeof(struct lark_tcp_frame)) {
        struct lark_tcp_frame f;
        memcpy(&f, c->rx + c->rx_off, sizeof f);
        const char *why;
        if (lark_tcp_frame_check(&f, &why) != 0) {
            lark_tcp_conn_lost(s, c, why);
            return -1;
        }
        if ((f.word & 0xffu) == LARK_TCP_BYE) {
            c->bye = true;
            c->rx_off += sizeof f;
            continue;
        }
        if ((f.word & 0xffu) == LARK_TCP_DONE) {
            c->rx_off += sizeof f;
            if (done_in(s, c) != 0)
                return -1;
            n++;
            continue;
        }
        size_t have = c->rx_len - c->rx_off - sizeof f;
        if (f.plen >= LARK_TCP_DIRECT_MIN) {
            if (sink_start(c, &f) != 0) {
                lark_tcp_conn_lost(s, c, "out of memory for a message");
                return -1;
            }
            size_t k = have < f.plen ? have : f.plen;
            memcpy(c->sink, c->rx + c->rx_off + sizeof f, k);
            c->sink_got = k;
            c->rx_off += sizeof f + k;
            if (c->sink_got == f.plen) {
                sink_done(s, c);
                n++;
            }
            continue;
        }
        if (have < f.plen)
            break;
        c->rx_off += sizeof f + f.plen;
        lark_transport_deliver(c->peer->world, &f.w, c->rx + c->rx_off - f.plen, f.plen);
        n++;
        if (c->st == LARK_TCP_DEAD)
            return -1;
        if ((f.word & 0xffu) == LARK_TCP_CONFIRM)
            send_done(s, c);
    }
    if (c->rx_off == c->rx_len) {
        c->rx_off = c->rx_len = 0;
    } else if (c->rx_off > 0 && c->rx_len + 4096 > LARK_TCP_RX_CAP) {
        memmove(c->rx, c->rx + c->rx_off, c->rx_len - c->rx_off);
        c->rx_len -= c->rx_off;
        c->rx_off = 0;
    }
    return n;
}

/* Read what the socket has (bounded per call, so one busy peer does not
 * starve the others).  Returns frames handled, at least one when bytes
 * came (part of a large payload: the runtime then keeps polling rather
 * than counting the transfer as idle time and yielding), -1 when closed. */
int lark_tcp_rx_read(struct tcp_state *s, struct lark_tcp_conn *c)
{
    int frames = 0;
    bool partial = false;
    if (c->rx == NULL && (c->rx = malloc(LARK_TCP_RX_CAP)) == NULL) /* freed with the conn */
        return 0;
    for (int round = 0; round < 16; round++) {
        ssize_t n;
        size_t want = c->in_sink ? c->cur.plen - c->sink_got : LARK_TCP_RX_CAP - c->rx_len;
        if (c->in_sink)
            n = recv(c->fd, c->sink + c->sink_got, want, MSG_DONTWAIT);
        else
            n = recv(c->fd, c->rx + c->rx_len, want, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0) {
            if (n == 0 && c->bye) {
                c->peer->gone = true;
                lark_tcp_conn_close(s, c);
            } else {
                lark_tcp_conn_lost(s, c,
                                   n == 0 ? "closed by the peer (did it die, or exit without "
                                            "MPI_Finalize?)"
                                          : strerror(errno));
            }
            return -1;
        }
        partial = true;
        if (c->in_sink) {
            c->sink_got += (size_t)n;
            if (c->sink_got == c->cur.plen) {
                sink_done(s, c);
                frames++;
            }
        } else {
            c->rx_len += (size_t)n;
            int k = rx_parse(s, c);
            if (k < 0)
                return -1;
            frames += k;
        }
        /* A short read emptied the socket: asking again would only say
         * EAGAIN (one wasted recv per message in a ping-pong); the epoll
         * set, level-triggered, says when more comes. */
        if ((size_t)n < want)
            break;
    }
    if (frames == 0 && partial)
        frames = 1;
    if (frames > 0)
        set_hot(s, c);
    return frames;
}

/* Read established connection c without asking epoll first (tcp_progress,
 * for the connection that last brought frames).  Returns frames handled. */
int lark_tcp_conn_poll(struct tcp_state *s, struct lark_tcp_conn *c)
{
    if (c->st != LARK_TCP_UP)
        return 0;
    int k = lark_tcp_rx_read(s, c);
    return k > 0 ? k : 0;
}

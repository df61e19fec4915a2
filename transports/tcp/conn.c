/*
 * conn.c -- one TCP connection between two ranks: opening it (lazily, with
 * bounded retries), the authenticated handshake and its tie-break, its
 * place in the epoll set, and what happens when it breaks (the frames it
 * carries once up: stream.c).
 *
 * Handshake: the caller sends HELLO (job, both ranks, the job secret); the
 * callee checks it and answers ACK, or DUP when a connection the other way
 * wins the tie-break: of two simultaneous calls between ranks a < b, the
 * one made by a survives (b accepts a's call and drops its own; a answers
 * b's call with DUP and waits).  A connection that fails the check is
 * closed with one line (at most LARK_TCP_STRANGER_LINES per process), and
 * the job carries on.
 *
 * Faults: a peer that closes or resets its connection without saying BYE,
 * sends a frame that does not parse, or cannot be reached, is lost: its
 * connection is closed, the zero-copy payloads queued for it are handed
 * back with an error, later sends to it fail (LARK_ERR_PEER), and
 * lark_transport_peer_lost tells the runtime, which fails the requests
 * that involve it (MPI_ERR_PROC_ABORTED, naming both ranks and hosts).
 * Nothing waits for it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcp.h"

#define LARK_TCP_STRANGER_LINES 20
#define HANDSHAKE_NS            INT64_C(10000000000) /* a caller has 10 s to say HELLO */

void lark_tcp_sockbuf(struct tcp_state *s, int fd)
{
    if (s->sockbuf == 0)
        return; /* the kernel's autotuning */
    int v = (int)s->sockbuf;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
}

struct tcp_peer *lark_tcp_peer(struct tcp_state *s, int world)
{
    if (world < 0 || world >= s->size)
        return NULL;
    if (s->peers[world] == NULL) {
        /* Freed at finalize (lark_tcp_close_all). */
        struct tcp_peer *p = calloc(1, sizeof *p);
        if (p == NULL)
            return NULL;
        p->world = world;
        s->peers[world] = p;
    }
    return s->peers[world];
}

static void watch(struct tcp_state *s, struct lark_tcp_conn *c, uint32_t events, int op)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    epoll_ctl(s->ep, op, c->fd, &ev);
}

/* Take established connection c out of the epoll set (tcp_progress, for
 * the hot connection it reads directly anyway): then a segment that
 * arrives on it does not run epoll's callbacks (its own set's, and the
 * runtime's set above it) in the sender's softirq, 0.1-0.2 us of a 5 us
 * loopback round trip.  Only while nothing waits to be written on it
 * (EPOLLOUT must be seen) and no thread sleeps on the set. */
void lark_tcp_detach(struct tcp_state *s, struct lark_tcp_conn *c)
{
    if (c->detached || c->want_out || c->st != LARK_TCP_UP)
        return;
    if (epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL) == 0)
        c->detached = true;
}

/* Put c back in the epoll set: before the rank sleeps on it (tcp_arm),
 * when c stops being the hot connection, when it needs EPOLLOUT.  Level
 * triggered: what arrived while it was out makes the set readable at once. */
void lark_tcp_attach(struct tcp_state *s, struct lark_tcp_conn *c)
{
    if (!c->detached)
        return;
    c->detached = false;
    watch(s, c, EPOLLIN | EPOLLRDHUP | (c->want_out ? EPOLLOUT : 0), EPOLL_CTL_ADD);
}

/* Ask for EPOLLOUT exactly while something waits to be written. */
void lark_tcp_want_out(struct tcp_state *s, struct lark_tcp_conn *c, bool on)
{
    if (c->want_out == on || c->st == LARK_TCP_DEAD)
        return;
    c->want_out = on;
    s->nwant_out += on ? 1 : -1;
    if (c->detached) {
        if (on)
            lark_tcp_attach(s, c); /* with EPOLLOUT */
        return;
    }
    watch(s, c, EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0), EPOLL_CTL_MOD);
}

static void set_waiting(struct tcp_state *s, struct tcp_peer *p, bool on)
{
    if (on == p->on_waiting)
        return;
    p->on_waiting = on;
    if (on) {
        p->next_waiting = s->waiting;
        s->waiting = p;
        s->nwaiting++;
        return;
    }
    for (struct tcp_peer **pp = &s->waiting; *pp; pp = &(*pp)->next_waiting)
        if (*pp == p) {
            *pp = p->next_waiting;
            break;
        }
    s->nwaiting--;
}

/* Close a connection now; its memory waits for lark_tcp_reap (an event
 * for it may still be in the batch being handled). */
void lark_tcp_conn_close(struct tcp_state *s, struct lark_tcp_conn *c)
{
    if (c->st == LARK_TCP_DEAD)
        return;
    if (c->st != LARK_TCP_UP)
        s->nhandshakes--;
    if (!c->detached)
        epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
    c->detached = false;
    close(c->fd);
    c->fd = -1;
    c->st = LARK_TCP_DEAD;
    s->nconns--;
    s->dead_pending = true;
    if (c->want_out)
        s->nwant_out--;
    c->want_out = false;
    if (s->hot == c)
        s->hot = NULL;
    if (s->pipe_owner == c)
        lark_tcp_pipe_reset(s); /* its pages in the pipe will never go */
    if (c->peer != NULL && c->peer->conn == c)
        c->peer->conn = NULL;
}

static struct lark_tcp_conn *conn_new(struct tcp_state *s, int fd, bool outgoing)
{
    /* Freed by lark_tcp_reap once DEAD, or at finalize. */
    struct lark_tcp_conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->fd = fd;
    c->outgoing = outgoing;
    c->next = s->conns;
    s->conns = c;
    s->nconns++;
    s->nhandshakes++;
    return c;
}

static const char *addr_str(const union lark_tcp_sa *a, char *buf, size_t n)
{
    return lark_tcp_sa_str(a, buf, n);
}

/* Hand back what c still had to write from the caller's buffers: those
 * payloads will never go (the requests fail). */
static void drop_zc(struct lark_tcp_conn *c)
{
    for (struct lark_tcp_txi **tp = &c->txh; *tp;) {
        struct lark_tcp_txi *t = *tp;
        if (t->cookie == NULL) {
            tp = &t->next;
            continue;
        }
        *tp = t->next;
        lark_transport_sent(t->cookie, LARK_ERR_PEER);
        free(t);
    }
    c->txt = NULL;
    for (struct lark_tcp_txi *t = c->txh; t != NULL; t = t->next)
        c->txt = t;
    while (c->cfh != NULL) {
        struct lark_tcp_txi *t = c->cfh;
        c->cfh = t->next;
        lark_transport_sent(t->cookie, LARK_ERR_PEER);
        free(t);
    }
    c->cft = NULL;
}

/* Peer p is lost (`why`: a sentence): no more frames to or from it, and
 * the runtime fails what involves it.  Its connection, if any, is closed. */
static void fail_peer(struct tcp_state *s, struct tcp_peer *p, const char *why)
{
    if (p->failed)
        return;
    p->failed = true;
    set_waiting(s, p, false);
    if (p->conn != NULL) {
        drop_zc(p->conn);
        lark_tcp_conn_close(s, p->conn);
    }
    lark_transport_peer_lost(p->world, why);
}

/* A connection to a job peer broke: the peer is lost. */
void lark_tcp_conn_lost(struct tcp_state *s, struct lark_tcp_conn *c, const char *what)
{
    struct tcp_peer *p = c->peer;
    drop_zc(c);
    lark_tcp_conn_close(s, c);
    if (p == NULL || s->finalizing)
        return; /* MPI_Finalize: a peer that ends first is no failure */
    char why[200], a[64];
    snprintf(why, sizeof why, "TCP connection (%s): %s", addr_str(&c->remote, a, sizeof a), what);
    fail_peer(s, p, why);
}

/* ---- addresses and calling ---- */

/* Read the peer's published addresses once, keeping the ones reachable from
 * here: its loopback only when it is on this host, others when they share
 * a subnet with one of our interfaces. */
static int read_addrs(struct tcp_state *s, struct tcp_peer *p)
{
    char *val = NULL;
    p->addrs_read = true;
    if (lark_transport_lookup(p->world, "lark.tcp", &val) != LARK_OK) {
        fail_peer(s, p, "it published no TCP address");
        return -1;
    }
    bool local = lark_transport_local_rank(p->world) >= 0;
    char skipped[256] = "";
    for (char *save = NULL, *tok = strtok_r(val, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        int bits, port;
        struct lark_tcp_ip a;
        if (lark_tcp_addr_parse(tok, &a, &bits, &port) != 0)
            continue;
        bool lo = lark_tcp_ip_loopback(&a);
        bool ok = lo && local;
        for (int i = 0; i < s->nifs && !ok && !lo; i++)
            ok = !s->ifs[i].loopback && lark_tcp_ip_same_net(&a, &s->ifs[i].addr, s->ifs[i].bits);
        if (!ok) {
            if (!lo)
                snprintf(skipped + strlen(skipped), sizeof skipped - strlen(skipped), "%s%s",
                         skipped[0] ? ", " : "", tok);
            continue;
        }
        if (p->naddrs < LARK_TCP_MAX_ADDRS)
            lark_tcp_sa_make(&p->addrs[p->naddrs++], &a, port);
    }
    free(val);
    if (skipped[0] && (!s->skip_logged || p->naddrs == 0)) {
        s->skip_logged = true;
        fprintf(stderr,
                "Lark MPI: rank %d (host %s): TCP: skipping address(es) %s of rank %d: no "
                "interface of this host is on their subnet%s\n",
                s->me, s->host, skipped, p->world,
                p->naddrs ? "" : "; set LARK_TCP_IF_INCLUDE to interfaces both hosts share");
    }
    if (p->naddrs == 0) {
        fail_peer(s, p, "none of its TCP addresses is reachable from here");
        return -1;
    }
    return 0;
}

static void schedule_retry(struct tcp_state *s, struct tcp_peer *p, const char *what)
{
    int64_t now = lark_tcp_now();
    if (now >= p->give_up_at) {
        char why[256], a[64];
        snprintf(why, sizeof why,
                 "cannot connect over TCP to %s for %.0f s (%s); is a firewall in the way, or "
                 "does LARK_TCP_IF_INCLUDE need setting?",
                 addr_str(&p->addrs[p->addr_next % p->naddrs], a, sizeof a),
                 (double)s->connect_timeout_ns / 1e9, what);
        fail_peer(s, p, why);
        return;
    }
    int64_t back = INT64_C(10000000) << (p->attempts < 7 ? p->attempts : 7); /* 10 ms .. 1.3 s */
    p->attempts++;
    p->addr_next++;
    p->retry_at = now + back;
    set_waiting(s, p, true);
}

void lark_tcp_conn_start(struct tcp_state *s, struct tcp_peer *p)
{
    if (p->failed)
        return;
    if (!p->addrs_read && read_addrs(s, p) != 0)
        return;
    if (p->give_up_at == 0)
        p->give_up_at = lark_tcp_now() + s->connect_timeout_ns;
    p->retry_at = 0;
    set_waiting(s, p, true); /* until ACK: the give-up deadline runs */
    const union lark_tcp_sa *a = &p->addrs[p->addr_next % p->naddrs];
    int fd = socket(a->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        schedule_retry(s, p, strerror(errno));
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    lark_tcp_sockbuf(s, fd);
    struct lark_tcp_conn *c = conn_new(s, fd, true);
    if (c == NULL) {
        close(fd);
        schedule_retry(s, p, "out of memory");
        return;
    }
    c->peer = p;
    c->remote = *a;
    c->st = LARK_TCP_CONNECTING;
    p->conn = c;
    socklen_t alen = a->sa.sa_family == AF_INET6 ? sizeof a->in6 : sizeof a->in;
    if (connect(fd, &a->sa, alen) != 0 && errno != EINPROGRESS) {
        const char *e = strerror(errno);
        lark_tcp_conn_close(s, c);
        schedule_retry(s, p, e);
        return;
    }
    watch(s, c, EPOLLOUT | EPOLLIN | EPOLLRDHUP, EPOLL_CTL_ADD);
}

void lark_tcp_timers(struct tcp_state *s)
{
    int64_t now = lark_tcp_now();
    for (struct tcp_peer *p = s->waiting, *next; p != NULL; p = next) {
        next = p->next_waiting;
        if (p->retry_at != 0 && now >= p->retry_at)
            lark_tcp_conn_start(s, p);
        else if (p->retry_at == 0 && now >= p->give_up_at &&
                 (p->awaiting || (p->conn != NULL && p->conn->st != LARK_TCP_UP))) {
            char why[160];
            snprintf(why, sizeof why, "no TCP connection after %.0f s (%s)",
                     (double)s->connect_timeout_ns / 1e9,
                     p->awaiting ? "it said it would call, and did not" : "no answer to our call");
            fail_peer(s, p, why);
        }
    }
    for (struct lark_tcp_conn *c = s->conns; c != NULL; c = c->next)
        if (c->st == LARK_TCP_ACCEPTED && now >= c->deadline) {
            char a[64];
            if (s->strangers_logged++ < LARK_TCP_STRANGER_LINES)
                fprintf(stderr,
                        "Lark MPI: rank %d (host %s): dropped a TCP connection from %s: no "
                        "handshake within 10 s\n",
                        s->me, s->host, addr_str(&c->remote, a, sizeof a));
            lark_tcp_conn_close(s, c);
        }
}

/* The connection to p is established: frames may flow. */
static void conn_up(struct tcp_state *s, struct lark_tcp_conn *c)
{
    struct tcp_peer *p = c->peer;
    c->st = LARK_TCP_UP;
    s->nhandshakes--;
    p->conn = c;
    p->awaiting = false;
    p->attempts = 0;
    p->retry_at = 0;
    set_waiting(s, p, false);
    lark_tcp_want_out(s, c, false);
}

void lark_tcp_accept(struct tcp_state *s, int lfd)
{
    for (;;) {
        union lark_tcp_sa a;
        socklen_t alen = sizeof a;
        int fd = accept4(lfd, &a.sa, &alen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; /* EAGAIN, or out of fds: the caller retries later */
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct lark_tcp_conn *c = conn_new(s, fd, false);
        if (c == NULL) {
            close(fd);
            return;
        }
        c->remote = a;
        c->st = LARK_TCP_ACCEPTED;
        c->deadline = lark_tcp_now() + HANDSHAKE_NS;
        watch(s, c, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_ADD);
    }
}

static void stranger(struct tcp_state *s, struct lark_tcp_conn *c, const char *why)
{
    char a[64];
    if (s->strangers_logged++ < LARK_TCP_STRANGER_LINES)
        fprintf(stderr, "Lark MPI: rank %d (host %s): dropped a TCP connection from %s: %s\n",
                s->me, s->host, addr_str(&c->remote, a, sizeof a), why);
    lark_tcp_conn_close(s, c);
}

/* Write the rest of our handshake message; 0 when all is out. */
static int hello_flush(struct tcp_state *s, struct lark_tcp_conn *c)
{
    while (c->hs_sent < sizeof c->hs_out) {
        ssize_t n = send(c->fd, (char *)&c->hs_out + c->hs_sent, sizeof c->hs_out - c->hs_sent,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            lark_tcp_want_out(s, c, true);
            return 1;
        }
        if (n <= 0)
            return -1;
        c->hs_sent += (size_t)n;
    }
    return 0;
}

/* Read the rest of the other side's handshake message; 0 when complete,
 * 1 when more must come, -1 on EOF or error. */
static int hello_read(struct lark_tcp_conn *c)
{
    while (c->hs_got < sizeof c->hs_in) {
        ssize_t n = recv(c->fd, (char *)&c->hs_in + c->hs_got, sizeof c->hs_in - c->hs_got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 1;
        if (n <= 0)
            return -1;
        c->hs_got += (size_t)n;
    }
    return 0;
}

/* The callee's side: a complete HELLO arrived. */
static void hello_in(struct tcp_state *s, struct lark_tcp_conn *c)
{
    const char *why = NULL;
    int from = lark_tcp_hello_check(&c->hs_in, LARK_TCP_HELLO, s->me, s->size, -1,
                                    lark_transport_nspace(), s->secret, &why);
    if (from < 0) {
        stranger(s, c, why);
        return;
    }
    struct tcp_peer *p = lark_tcp_peer(s, from);
    if (p == NULL || p->failed) {
        lark_tcp_conn_close(s, c); /* a lost peer stays lost */
        return;
    }
    struct lark_tcp_conn *mine = p->conn;
    bool dup = mine != NULL && (mine->st == LARK_TCP_UP || s->me < from);
    lark_tcp_hello_make(&c->hs_out, dup ? LARK_TCP_DUP : LARK_TCP_ACK, s->me, from,
                        lark_transport_nspace(), s->secret);
    c->peer = dup ? NULL : p;
    if (hello_flush(s, c) != 0 || dup) {
        /* DUP: our own call wins; 128 bytes always fit a new socket. */
        lark_tcp_conn_close(s, c);
        return;
    }
    if (mine != NULL)
        lark_tcp_conn_close(s, mine); /* its call wins the tie-break: drop ours */
    conn_up(s, c);
}

/* The caller's side: ACK or DUP arrived. */
static void answer_in(struct tcp_state *s, struct lark_tcp_conn *c)
{
    struct tcp_peer *p = c->peer;
    const char *why = NULL;
    if (lark_tcp_hello_check(&c->hs_in, LARK_TCP_ACK, s->me, s->size, p->world,
                             lark_transport_nspace(), s->secret, &why) < 0) {
        lark_tcp_conn_lost(s, c, why);
        return;
    }
    if (c->hs_in.kind == LARK_TCP_DUP) {
        lark_tcp_conn_close(s, c);
        p->awaiting = true; /* its call is on the way (timers watch it) */
        return;
    }
    conn_up(s, c);
}

int lark_tcp_conn_event(struct tcp_state *s, struct lark_tcp_conn *c, uint32_t events)
{
    if (c->st == LARK_TCP_DEAD)
        return 0;
    if (c->st == LARK_TCP_CONNECTING) {
        int err = 0;
        socklen_t elen = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen);
        if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
            struct tcp_peer *p = c->peer;
            lark_tcp_conn_close(s, c);
            schedule_retry(s, p, strerror(err ? err : ECONNREFUSED));
            return 0;
        }
        if (!(events & EPOLLOUT))
            return 0;
        c->st = LARK_TCP_HELLO_SENT;
        lark_tcp_hello_make(&c->hs_out, LARK_TCP_HELLO, s->me, c->peer->world,
                            lark_transport_nspace(), s->secret);
        watch(s, c, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_MOD);
        c->want_out = false;
        if (hello_flush(s, c) < 0) {
            struct tcp_peer *p = c->peer;
            lark_tcp_conn_close(s, c);
            schedule_retry(s, p, "the connection broke during the handshake");
        }
        return 1;
    }
    if (c->st == LARK_TCP_HELLO_SENT || c->st == LARK_TCP_ACCEPTED) {
        if ((events & EPOLLOUT) && hello_flush(s, c) < 0) {
            lark_tcp_conn_close(s, c);
            return 0;
        }
        int r = hello_read(c);
        if (r < 0) {
            if (c->st == LARK_TCP_ACCEPTED && c->hs_got == 0) {
                /* Hung up without a word: the loser of a tie-break (a
                 * higher rank drops its own call once ours arrives, maybe
                 * before its HELLO went out).  Nothing to report. */
                lark_tcp_conn_close(s, c);
            } else if (c->st == LARK_TCP_ACCEPTED) {
                stranger(s, c, "closed before its handshake was complete");
            } else {
                struct tcp_peer *p = c->peer;
                lark_tcp_conn_close(s, c);
                schedule_retry(s, p, "the peer closed during the handshake");
            }
            return 0;
        }
        if (r > 0)
            return 0;
        if (c->st == LARK_TCP_ACCEPTED)
            hello_in(s, c);
        else
            answer_in(s, c);
        return 1;
    }
    /* Bytes written count as an event, like bytes read (rx_read): a
     * sender pushing a large payload is busy, not idle. */
    int n = (events & EPOLLOUT) ? lark_tcp_tx_flush(s, c) : 0;
    if (n < 0)
        return 0;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) {
        int k = lark_tcp_rx_read(s, c);
        n += k > 0 ? k : 0;
    }
    return n;
}

void lark_tcp_reap(struct tcp_state *s)
{
    if (!s->dead_pending)
        return;
    s->dead_pending = false;
    for (struct lark_tcp_conn **pp = &s->conns; *pp;) {
        struct lark_tcp_conn *c = *pp;
        if (c->st != LARK_TCP_DEAD) {
            pp = &c->next;
            continue;
        }
        *pp = c->next;
        while (c->txh) {
            struct lark_tcp_txi *t = c->txh;
            c->txh = t->next;
            if (t->cookie != NULL)
                lark_transport_sent(t->cookie, LARK_ERR_PEER);
            free(t);
        }
        while (c->cfh) {
            struct lark_tcp_txi *t = c->cfh;
            c->cfh = t->next;
            lark_transport_sent(t->cookie, LARK_ERR_PEER);
            free(t);
        }
        if (c->sink_owned)
            free(c->sink);
        free(c->rx);
        free(c);
    }
}

/* ---- the end ---- */

/* MPI_Finalize, after the runtime's last fence: say BYE on every
 * connection, write out what is queued, stop sending, and wait (bounded)
 * for each peer's own end, so no connection is reset with data unread. */
void lark_tcp_goodbye(struct tcp_state *s)
{
    int64_t end = lark_tcp_now() + INT64_C(2000000000);
    s->finalizing = true;
    for (struct lark_tcp_conn *c = s->conns; c != NULL; c = c->next) {
        if (c->st != LARK_TCP_UP)
            continue;
        struct lark_tcp_txi *t = calloc(1, sizeof *t);
        if (t != NULL) {
            t->hdr.word = LARK_TCP_MAGIC | LARK_TCP_BYE;
            t->payload = t->data;
            lark_tcp_txi_push(&c->txh, &c->txt, t);
        }
    }
    for (;;) {
        struct pollfd pf[64];
        struct lark_tcp_conn *cs[64];
        int n = 0;
        for (struct lark_tcp_conn *c = s->conns; c != NULL && n < 64; c = c->next) {
            if (c->st != LARK_TCP_UP)
                continue;
            if (c->txh != NULL && lark_tcp_tx_flush(s, c) >= 0 && c->txh == NULL)
                shutdown(c->fd, SHUT_WR);
            if (c->st != LARK_TCP_UP)
                continue;
            pf[n] = (struct pollfd){c->fd, (short)(POLLIN | (c->txh ? POLLOUT : 0)), 0};
            cs[n++] = c;
        }
        int64_t left = end - lark_tcp_now();
        if (n == 0 || left <= 0)
            break;
        if (poll(pf, (nfds_t)n, (int)(left / 1000000) + 1) <= 0)
            break;
        for (int i = 0; i < n; i++) {
            if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buf[4096];
            ssize_t r = recv(cs[i]->fd, buf, sizeof buf, MSG_DONTWAIT);
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
                lark_tcp_conn_close(s, cs[i]); /* its end came (frames after the fence: none) */
        }
    }
}

void lark_tcp_close_all(struct tcp_state *s)
{
    for (struct lark_tcp_conn *c = s->conns; c != NULL; c = c->next)
        lark_tcp_conn_close(s, c);
    lark_tcp_reap(s);
    if (s->pipe_r >= 0) {
        close(s->pipe_r);
        close(s->pipe_w);
    }
    s->pipe_r = s->pipe_w = -1;
    for (int i = 0; i < s->nlisten; i++)
        close(s->listen_fd[i]);
    s->nlisten = 0;
    if (s->ep >= 0)
        close(s->ep);
    s->ep = -1;
    if (s->peers != NULL)
        for (int i = 0; i < s->size; i++)
            free(s->peers[i]);
    free(s->peers);
    s->peers = NULL;
    s->waiting = NULL;
    s->nwaiting = 0;
}

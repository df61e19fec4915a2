/*
 * tcp.c -- the TCP transport: ranks on other hosts (or any rank, when
 * LARK_TRANSPORTS forces it).
 *
 * At init each process listens on its selected interfaces, IPv4 and IPv6
 * (iface.c; a port from LARK_TCP_PORT_RANGE when given) and publishes
 * "addr/bits:port,[addr6]/bits:port,..." job-wide.  Nothing else happens
 * per peer until the runtime first talks to one: connect() then opens ONE
 * connection to it (conn.c: nonblocking connect, retried with back-off for
 * a bounded time, an authenticated handshake, a deterministic tie-break
 * when both sides call at once).
 *
 * On an established connection frames go out with one sendmsg (header +
 * payload, TCP_NODELAY); what the socket does not take is queued in order
 * (copied, up to TX_LIMIT bytes per connection, then LARK_ERR_AGAIN) and
 * written when epoll says the socket is writable.  Large rendezvous data
 * goes straight from the user's buffer (send_zc; from LARK_TCP_SPLICE_MIN
 * spliced from its pages, the send completing on the receiver's DONE:
 * stream.c) and is read straight into the receiver's buffer
 * (lark_transport_recv_target): no staging copy.
 *
 * Everything runs in the caller's thread from progress(): one epoll set of
 * listening sockets and connections, polled without blocking (and, in
 * between, a direct read of the connection that last brought frames, taken
 * out of the set while it keeps bringing them); its fd is the transport's
 * wait source, so a rank with nothing to do sleeps in the runtime's
 * epoll_wait until a socket has something (tcp_arm puts that connection
 * back first).
 *
 * Costs: one pointer per world rank (calloc'd, untouched until used); per
 * connected peer ~370 B of state, a 256 KiB receive buffer, one fd, and the
 * kernel's socket buffers (LARK_TCP_SOCKBUF each way); per process one
 * pipe for splicing (two fds, at most 1 MiB of the caller's pages).
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
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tcp.h"

int64_t lark_tcp_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static size_t env_size(const char *name, size_t dflt)
{
    const char *v = getenv(name);
    return v != NULL && *v ? strtoul(v, NULL, 0) : dflt;
}

/* LARK_TCP_X, or Open MPI's btl_tcp_x given as --mca (mpirun exports it
 * as OMPI_MCA_btl_tcp_x). */
static const char *env_alias(const char *lark, const char *ompi)
{
    const char *v = getenv(lark);
    return v != NULL ? v : getenv(ompi);
}

static int listen_on(struct tcp_state *s, const struct lark_tcp_if *in, int lo, int hi)
{
    int fd = socket(in->addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (in->addr.family == AF_INET6) /* this address only, never IPv4 too */
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    lark_tcp_sockbuf(s, fd);
    union lark_tcp_sa a;
    int err = EADDRINUSE;
    for (int port = lo; port <= hi; port++) {
        socklen_t alen = lark_tcp_sa_make(&a, &in->addr, port);
        if (bind(fd, &a.sa, alen) == 0) {
            err = 0;
            break;
        }
        err = errno;
        if (err != EADDRINUSE)
            break;
    }
    if (err != 0 || listen(fd, SOMAXCONN) != 0) {
        char ip[INET6_ADDRSTRLEN];
        fprintf(stderr, "Lark MPI: rank %d (host %s): cannot listen on %s (%s) port %d-%d: %s%s\n",
                s->me, s->host, in->name, lark_tcp_ip_str(&in->addr, ip, sizeof ip), lo, hi,
                strerror(err ? err : errno), hi > lo ? "; widen LARK_TCP_PORT_RANGE" : "");
        close(fd);
        return -1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    ev.data.u64 = (uint64_t)(unsigned)s->nlisten; /* small numbers: listeners */
    if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void hex_secret(const uint8_t *sec, char *out)
{
    for (int i = 0; i < LARK_TCP_SECRET_LEN; i++)
        snprintf(out + 2 * i, 3, "%02x", sec[i]);
}

static int unhex_secret(const char *hex, uint8_t *sec)
{
    if (strlen(hex) != 2 * LARK_TCP_SECRET_LEN)
        return -1;
    for (int i = 0; i < LARK_TCP_SECRET_LEN; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        sec[i] = (uint8_t)v;
    }
    return 0;
}

/* The job's secret: from the launcher (job-level "lark.secret"); where the
 * resource manager gives none (Slurm's PMIx), rank 0 makes one and
 * publishes it before the fence, and the others read it after. */
static int secret_init(struct tcp_state *s)
{
    char *hex = NULL;
    if (lark_transport_lookup_job("lark.secret", &hex) == LARK_OK) {
        int bad = unhex_secret(hex, s->secret);
        free(hex);
        if (bad) {
            fprintf(stderr,
                    "Lark MPI: rank %d (host %s): the job secret from the launcher is "
                    "malformed\n",
                    s->me, s->host);
            return LARK_ERR_PEER;
        }
        s->have_secret = true;
        return LARK_OK;
    }
    if (s->me != 0)
        return LARK_OK; /* read rank 0's in wireup */
    if (getrandom(s->secret, sizeof s->secret, 0) != (ssize_t)sizeof s->secret)
        return LARK_ERR_SYSTEM;
    char buf[2 * LARK_TCP_SECRET_LEN + 1];
    hex_secret(s->secret, buf);
    s->have_secret = true;
    return lark_transport_publish("lark.tcp.secret", buf, LARK_SCOPE_GLOBAL);
}

static int tcp_init(struct lark_transport *tp)
{
    struct tcp_state *s = tp->priv;
    s->me = lark_transport_world_rank();
    s->size = lark_transport_world_size();
    snprintf(s->host, sizeof s->host, "%s", lark_transport_hostname());
    s->ep = -1;
    s->every = 4;
    s->sockbuf = env_size("LARK_TCP_SOCKBUF", 0);
    s->splice_min = env_size("LARK_TCP_SPLICE_MIN", LARK_TCP_SPLICE_MIN);
    s->pipe_r = s->pipe_w = -1;
    s->connect_timeout_ns = (int64_t)env_size("LARK_TCP_CONNECT_TIMEOUT", 10) * 1000000000;
    /* Loopback serves when every rank is on this host, or when TCP is
     * forced between local ranks. */
    const char *list = getenv("LARK_TRANSPORTS");
    bool all_local = lark_transport_local_size() == s->size;
    bool allow_lo = all_local || list != NULL;
    const char *inc = env_alias("LARK_TCP_IF_INCLUDE", "OMPI_MCA_btl_tcp_if_include");
    const char *exc = env_alias("LARK_TCP_IF_EXCLUDE", "OMPI_MCA_btl_tcp_if_exclude");
    char err[256];
    s->nifs = lark_tcp_if_select(s->ifs, LARK_TCP_MAX_IFS, inc, exc, allow_lo, err, sizeof err);
    if (s->nifs < 0) {
        fprintf(stderr, "Lark MPI: rank %d (host %s): TCP: %s\n", s->me, s->host, err);
        return LARK_ERR_PEER;
    }
    /* Ranks on other hosts cannot reach a loopback address: with nothing
     * else selected, say so now rather than at the first message. */
    int reachable = 0;
    for (int i = 0; i < s->nifs; i++)
        reachable += !s->ifs[i].loopback;
    if (!all_local && reachable == 0) {
        fprintf(stderr,
                "Lark MPI: rank %d (host %s): TCP: no usable network interface for the ranks on "
                "other hosts: only loopback is left%s%s%s%s (set LARK_TCP_IF_INCLUDE to an "
                "interface or subnet the hosts share)\n",
                s->me, s->host, inc ? ", in LARK_TCP_IF_INCLUDE=" : "", inc ? inc : "",
                exc ? ", not in LARK_TCP_IF_EXCLUDE=" : "", exc ? exc : "");
        return LARK_ERR_PEER;
    }
    int lo = 0, hi = 0;
    const char *range = getenv("LARK_TCP_PORT_RANGE");
    if (range != NULL &&
        (sscanf(range, "%d-%d", &lo, &hi) != 2 || lo < 1 || hi < lo || hi > 65535)) {
        fprintf(stderr,
                "Lark MPI: rank %d (host %s): LARK_TCP_PORT_RANGE=%s is not FIRST-LAST "
                "(e.g. 50000-50100)\n",
                s->me, s->host, range);
        return LARK_ERR_ARG;
    }
    /* Freed at finalize (or below on failure). */
    s->peers = calloc((size_t)s->size, sizeof *s->peers);
    s->ep = epoll_create1(EPOLL_CLOEXEC);
    if (s->peers == NULL || s->ep < 0) {
        free(s->peers);
        if (s->ep >= 0)
            close(s->ep);
        return LARK_ERR_NOMEM;
    }
    char addr[LARK_TCP_MAX_IFS * LARK_TCP_ADDR_STRLEN] = "";
    for (int i = 0; i < s->nifs; i++) {
        int fd = listen_on(s, &s->ifs[i], lo, hi);
        if (fd < 0) {
            lark_tcp_close_all(s);
            return LARK_ERR_SYSTEM;
        }
        s->listen_fd[s->nlisten++] = fd;
        union lark_tcp_sa a;
        socklen_t alen = sizeof a;
        getsockname(fd, &a.sa, &alen);
        struct lark_tcp_ip ip;
        int port;
        lark_tcp_sa_ip(&a, &ip, &port);
        char one[LARK_TCP_ADDR_STRLEN];
        lark_tcp_addr_format(&s->ifs[i].addr, s->ifs[i].bits, port, one, sizeof one);
        snprintf(addr + strlen(addr), sizeof addr - strlen(addr), "%s%s", i ? "," : "", one);
    }
    int rc = lark_transport_publish("lark.tcp", addr, LARK_SCOPE_GLOBAL);
    if (rc == LARK_OK)
        rc = secret_init(s);
    if (rc != LARK_OK) {
        lark_tcp_close_all(s);
        return rc;
    }
    lark_tcp_pipe_reset(s); /* closed by lark_tcp_close_all */
    tp->max_send = LARK_TCP_MAX_FRAME;
    tp->eager_limit = env_size("LARK_TCP_EAGER_LIMIT", 64 * 1024);
    if (tp->eager_limit > LARK_TCP_DIRECT_MIN)
        tp->eager_limit = LARK_TCP_DIRECT_MIN;
    tp->get_min = SIZE_MAX;
    tp->split_min = SIZE_MAX;
    tp->npeers = s->size - 1;
    return LARK_OK;
}

static int tcp_wireup(struct lark_transport *tp)
{
    struct tcp_state *s = tp->priv;
    if (s->have_secret)
        return LARK_OK;
    char *hex = NULL;
    int rc = lark_transport_lookup(0, "lark.tcp.secret", &hex);
    if (rc != LARK_OK || unhex_secret(hex, s->secret) != 0) {
        fprintf(stderr,
                "Lark MPI: rank %d (host %s): no TCP job secret (neither the launcher nor rank 0 "
                "published one)\n",
                s->me, s->host);
        free(hex);
        return LARK_ERR_PEER;
    }
    free(hex);
    s->have_secret = true;
    return LARK_OK;
}

static bool tcp_reachable(struct lark_transport *tp, int peer)
{
    struct tcp_state *s = tp->priv;
    return peer != s->me && peer >= 0 && peer < s->size;
}

static int tcp_connect(struct lark_transport *tp, int peer, void **state)
{
    struct tcp_state *s = tp->priv;
    struct tcp_peer *p = lark_tcp_peer(s, peer);
    if (p == NULL)
        return LARK_ERR_NOMEM;
    if (p->conn == NULL && !p->awaiting)
        lark_tcp_conn_start(s, p);
    *state = p;
    return LARK_OK;
}

static int tcp_send(struct lark_transport *tp, void *state, const struct lark_wire *hdr,
                    const void *payload, size_t len)
{
    return lark_tcp_conn_send(tp->priv, state, hdr, payload, len, NULL);
}

static int tcp_send_zc(struct lark_transport *tp, void *state, const struct lark_wire *hdr,
                       const void *payload, size_t len, void *cookie)
{
    return lark_tcp_conn_send(tp->priv, state, hdr, payload, len, cookie);
}

static int tcp_progress(struct lark_transport *tp)
{
    struct tcp_state *s = tp->priv;
    /* Nothing connected or connecting: a new connection can only come
     * from a peer; look for one every 64th pass (the epoll sleep sees it
     * at once). */
    if (s->nconns == 0 && s->nwaiting == 0 && (++s->idle & 63) != 0)
        return 0;
    int events = 0, n = 0;
    struct epoll_event ev[32];
    struct lark_tcp_conn *h = s->hot;
    if (h != NULL) {
        /* The connection that last brought frames (a ping-pong's one
         * peer, a stream's sender) is read straight away: a message then
         * costs one recv, not epoll_wait + recv.  The epoll set (the other
         * connections, the listeners) is asked at every pass while
         * anything is queued to write or a handshake runs, else every
         * `every` passes: 4 while epoll finds other work, doubling up to
         * 64 each time it finds none (a ping-pong's one peer: each
         * epoll_wait there is a syscall on the message's path, 0.3 us of
         * a 5 us loopback round trip).  A rank that goes to sleep sleeps
         * on the whole set. */
        events = lark_tcp_conn_poll(s, h);
        /* A connection that keeps bringing data leaves the epoll set
         * (lark_tcp_detach); tcp_arm puts it back before the rank sleeps,
         * and no thread may be asleep on the set meanwhile. */
        if (events > 0 && h == s->hot && s->hot_streak >= 16 && !h->detached &&
            lark_transport_sleepers() == 0)
            lark_tcp_detach(s, h);
        if (h != s->hot || s->nwant_out > 0 || s->nhandshakes > 0 || ++s->passes % s->every == 0) {
            n = epoll_wait(s->ep, ev, 32, 0);
            bool other = false;
            for (int i = 0; i < n && !other; i++)
                other = ev[i].data.ptr != (void *)h;
            s->every = other ? 4 : s->every < 64 ? s->every * 2 : 64;
        }
    } else {
        n = epoll_wait(s->ep, ev, 32, 0);
    }
    for (int i = 0; i < n; i++) {
        if (ev[i].data.u64 < LARK_TCP_MAX_IFS) {
            lark_tcp_accept(s, s->listen_fd[ev[i].data.u64]);
            events++;
        } else {
            events += lark_tcp_conn_event(s, ev[i].data.ptr, ev[i].events);
        }
    }
    if (s->nwaiting > 0 || s->nhandshakes > 0)
        lark_tcp_timers(s);
    lark_tcp_reap(s);
    return events;
}

static int tcp_wait_fd(struct lark_transport *tp)
{
    return ((struct tcp_state *)tp->priv)->ep;
}

/* Before the rank sleeps on wait_fd: the hot connection, read directly
 * and maybe out of the set, goes back in; bytes that came meanwhile make
 * the set readable at once (level-triggered), so no wake-up is lost. */
static int tcp_arm(struct lark_transport *tp)
{
    struct tcp_state *s = tp->priv;
    if (s->hot != NULL)
        lark_tcp_attach(s, s->hot);
    s->hot_streak = 0;
    return 0;
}

static void tcp_finalize(struct lark_transport *tp)
{
    struct tcp_state *s = tp->priv;
    lark_tcp_goodbye(s);
    lark_tcp_close_all(s);
}

const struct lark_transport_ops lark_transport_tcp_ops = {
    .name = "tcp",
    .priv_size = sizeof(struct tcp_state),
    .init = tcp_init,
    .wireup = tcp_wireup,
    .reachable = tcp_reachable,
    .connect = tcp_connect,
    .send = tcp_send,
    .send_zc = tcp_send_zc,
    .progress = tcp_progress,
    .wait_fd = tcp_wait_fd,
    .arm = tcp_arm,
    .finalize = tcp_finalize,
};

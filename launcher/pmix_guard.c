/* Who may talk to a node's PMIx server (mpirun's, and lark-noded's on
 * other hosts, which link this file too).  PMIx 4.2.2 serves its clients over
 * loopback TCP only (its Unix-socket transport is gone), and its "native"
 * security believes the uid a TCP client writes in its handshake: any local
 * user who learns the port (from /proc/net/tcp) and the namespace (from a
 * file name in /tmp or /dev/shm) could claim to be a rank, call PMIx_Abort
 * or stall the fence.  So mpirun checks every connection before PMIx reads
 * a byte of it, from the kernel's side: the PMIx listener thread calls
 * accept(), which this file defines for mpirun; it accepts the connection,
 * asks the kernel (NETLINK_SOCK_DIAG, an exact lookup of the connection's
 * other end) which user created the connecting socket, and closes the
 * connection unless that is mpirun's own user.  A connection to a loopback
 * address whose other end the kernel cannot show (it is already closed) is
 * refused too.  Connections from other machines are left to whoever
 * listens (they never reach the PMIx server, which listens on loopback).
 * The threat model is in launcher/README.md. */
#include "launcher.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static atomic_int refused; /* connections refused so far (the first is reported) */

/* The uid of the socket at the other end of the local TCP connection whose
 * own end is `self` and other end is `peer`, or -1 when the kernel does not
 * know it (the other end is not on this machine, or already gone). */
static long peer_uid(const struct sockaddr_storage *self, const struct sockaddr_storage *peer)
{
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 r;
    } req;
    memset(&req, 0, sizeof(req));
    req.nlh.nlmsg_len = sizeof(req);
    req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.nlh.nlmsg_flags = NLM_F_REQUEST;
    req.r.sdiag_family = (unsigned char)peer->ss_family;
    req.r.sdiag_protocol = IPPROTO_TCP;
    req.r.idiag_states = ~0u;
    req.r.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    /* The other end's socket: its source is the peer, its destination us. */
    if (peer->ss_family == AF_INET) {
        const struct sockaddr_in *p = (const void *)peer, *s = (const void *)self;
        req.r.id.idiag_sport = p->sin_port;
        req.r.id.idiag_dport = s->sin_port;
        memcpy(req.r.id.idiag_src, &p->sin_addr, 4);
        memcpy(req.r.id.idiag_dst, &s->sin_addr, 4);
    } else if (peer->ss_family == AF_INET6) {
        const struct sockaddr_in6 *p = (const void *)peer, *s = (const void *)self;
        req.r.id.idiag_sport = p->sin6_port;
        req.r.id.idiag_dport = s->sin6_port;
        memcpy(req.r.id.idiag_src, &p->sin6_addr, 16);
        memcpy(req.r.id.idiag_dst, &s->sin6_addr, 16);
    } else {
        return -1;
    }
    int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (nl < 0)
        return -1;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    long uid = -1;
    if (sendto(nl, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) ==
        (ssize_t)sizeof(req)) {
        long buf[1024];
        ssize_t n;
        do
            n = recv(nl, buf, sizeof(buf), 0);
        while (n < 0 && errno == EINTR);
        struct nlmsghdr *h = (struct nlmsghdr *)buf;
        if (n > 0 && NLMSG_OK(h, (size_t)n) && h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
            h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
            const struct inet_diag_msg *m = NLMSG_DATA(h);
            uid = (long)m->idiag_uid;
        }
    }
    close(nl);
    return uid;
}

static bool is_loopback(const struct sockaddr_storage *a)
{
    if (a->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)(const void *)a)->sin_addr.s_addr) >> 24) == 127;
    if (a->ss_family == AF_INET6) {
        const struct in6_addr *x = &((const struct sockaddr_in6 *)(const void *)a)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(x) || (IN6_IS_ADDR_V4MAPPED(x) && x->s6_addr[12] == 127);
    }
    return false;
}

/* Whether mpirun may keep the connection `fd`; reports the first refusal. */
static bool admit(int fd)
{
    struct sockaddr_storage self, peer;
    socklen_t sl = sizeof(self), pl = sizeof(peer);
    if (getsockname(fd, (struct sockaddr *)&self, &sl) < 0 ||
        getpeername(fd, (struct sockaddr *)&peer, &pl) < 0)
        return true; /* not a connected socket: nothing to judge */
    if (peer.ss_family != AF_INET && peer.ss_family != AF_INET6)
        return true; /* a Unix socket: the kernel checks its file's permissions */
    long uid = peer_uid(&self, &peer);
    if (uid == (long)geteuid())
        return true;
    if (uid < 0 && !is_loopback(&self))
        return true; /* another machine: not ours to judge */
    if (atomic_fetch_add(&refused, 1) == 0) {
        char addr[INET6_ADDRSTRLEN] = "?";
        unsigned port = 0;
        if (peer.ss_family == AF_INET) {
            const struct sockaddr_in *p = (const void *)&peer;
            inet_ntop(AF_INET, &p->sin_addr, addr, sizeof(addr));
            port = ntohs(p->sin_port);
        } else {
            const struct sockaddr_in6 *p = (const void *)&peer;
            inet_ntop(AF_INET6, &p->sin6_addr, addr, sizeof(addr));
            port = ntohs(p->sin6_port);
        }
        char line[512], host[256] = "?";
        gethostname(host, sizeof(host));
        host[sizeof(host) - 1] = 0;
        int n = uid >= 0 ? snprintf(line, sizeof(line),
                                    "mpirun: refused a connection to the job's PMIx server on %s "
                                    "from %s port %u: it belongs to uid %ld, not to the job's uid "
                                    "%ld (further ones are refused silently)\n",
                                    host, addr, port, uid, (long)geteuid())
                         : snprintf(line, sizeof(line),
                                    "mpirun: refused a connection to the job's PMIx server on %s "
                                    "from %s port %u: the kernel cannot tell who made it (further "
                                    "ones are refused silently)\n",
                                    host, addr, port);
        if (n > 0)
            lark_pmix_note(line);
    }
    return false;
}

/* mpirun's accept(): PMIx's listener thread calls it (libpmix imports accept,
 * and an executable's definition comes first).  A refused connection is
 * closed and the next one awaited, as a blocking accept would. */
__attribute__((visibility("default"))) int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    for (;;) {
        socklen_t cap = len ? *len : 0;
        int c = accept4(fd, addr, len, 0);
        if (c < 0 || admit(c))
            return c;
        close(c);
        if (len)
            *len = cap;
    }
}

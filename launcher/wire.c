/* The control channel's wire: how mpirun and the node daemons talk.  A frame
 * is a 4-byte length, a 4-byte type and a payload built with struct lark_buf
 * (little-endian integers and length-prefixed strings).  A struct lark_conn is
 * one non-blocking TCP connection with a queue of frames to send and a buffer
 * of bytes received; the event loops (job.c in mpirun, noded.c in a daemon)
 * call lark_conn_read when it is readable and lark_conn_flush when it is
 * writable.  The first frame a daemon sends is HELLO with the job's secret
 * (which it read on its stdin); a connection that sends anything else, or a
 * wrong secret, is closed. */
#include "launcher.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAME (64u << 20)

/* ---- buffers ------------------------------------------------------------ */

static void grow(struct lark_buf *b, size_t more)
{
    if (b->bad || b->len + more <= b->cap)
        return;
    size_t nc = b->cap ? b->cap : 256;
    while (nc < b->len + more)
        nc *= 2;
    char *nd = realloc(b->data, nc);
    if (!nd) {
        b->bad = true;
        return;
    }
    b->data = nd;
    b->cap = nc;
}

void lark_buf_u32(struct lark_buf *b, uint32_t v)
{
    grow(b, 4);
    if (b->bad)
        return;
    unsigned char *p = (unsigned char *)b->data + b->len;
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
    b->len += 4;
}

void lark_buf_bytes(struct lark_buf *b, const void *data, size_t n)
{
    lark_buf_u32(b, (uint32_t)n);
    grow(b, n);
    if (b->bad || n == 0)
        return;
    memcpy(b->data + b->len, data, n);
    b->len += n;
}

void lark_buf_str(struct lark_buf *b, const char *s)
{
    if (!s) {
        lark_buf_u32(b, UINT32_MAX);
        return;
    }
    lark_buf_bytes(b, s, strlen(s));
}

void lark_buf_free(struct lark_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

uint32_t lark_buf_get_u32(struct lark_buf *b)
{
    if (b->bad || b->off + 4 > b->len) {
        b->bad = true;
        return 0;
    }
    const unsigned char *p = (const unsigned char *)b->data + b->off;
    b->off += 4;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

const void *lark_buf_get_bytes(struct lark_buf *b, size_t *n)
{
    uint32_t len = lark_buf_get_u32(b);
    if (b->bad || len == UINT32_MAX || b->off + len > b->len) {
        b->bad = b->bad || len != UINT32_MAX;
        *n = 0;
        return NULL;
    }
    const void *p = b->data + b->off;
    b->off += len;
    *n = len;
    return p;
}

char *lark_buf_get_str(struct lark_buf *b)
{
    size_t n;
    const char *p = lark_buf_get_bytes(b, &n);
    if (!p)
        return NULL;
    char *s = malloc(n + 1);
    if (!s) {
        b->bad = true;
        return NULL;
    }
    memcpy(s, p, n);
    s[n] = 0;
    return s;
}

/* ---- connections -------------------------------------------------------- */

struct lark_conn *lark_conn_new(int fd)
{
    struct lark_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->fd = fd;
    c->node = -1;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return c;
}

void lark_conn_free(struct lark_conn *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    free(c->out);
    free(c->in);
    free(c);
}

int lark_conn_flush(struct lark_conn *c)
{
    while (c->outoff < c->outlen) {
        ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
        if (n > 0) {
            c->outoff += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 1;
        return -1;
    }
    c->outoff = c->outlen = 0;
    return 0;
}

int lark_conn_send_raw(struct lark_conn *c, uint32_t type, const void *payload, size_t n)
{
    if (c->dead)
        return -1;
    if (c->outoff > 0 && c->outoff == c->outlen)
        c->outoff = c->outlen = 0;
    if (c->outoff > (1u << 20)) { /* compact the sent part away */
        memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
        c->outlen -= c->outoff;
        c->outoff = 0;
    }
    size_t need = c->outlen + 8 + n;
    if (need > c->outcap) {
        size_t nc = c->outcap ? c->outcap : 4096;
        while (nc < need)
            nc *= 2;
        char *no = realloc(c->out, nc);
        if (!no)
            return -1;
        c->out = no;
        c->outcap = nc;
    }
    unsigned char h[8];
    uint32_t len = (uint32_t)n;
    for (int i = 0; i < 4; i++) {
        h[i] = (unsigned char)(len >> (8 * i));
        h[4 + i] = (unsigned char)(type >> (8 * i));
    }
    memcpy(c->out + c->outlen, h, 8);
    if (n)
        memcpy(c->out + c->outlen + 8, payload, n);
    c->outlen += 8 + n;
    if (lark_conn_flush(c) < 0) {
        c->dead = true;
        return -1;
    }
    return 0;
}

int lark_conn_send(struct lark_conn *c, uint32_t type, const struct lark_buf *b)
{
    if (b && b->bad)
        return -1;
    return lark_conn_send_raw(c, type, b ? b->data : NULL, b ? b->len : 0);
}

size_t lark_conn_pending(const struct lark_conn *c)
{
    return c->outlen - c->outoff;
}

int lark_conn_read(struct lark_conn *c, lark_frame_fn fn, void *arg)
{
    for (int round = 0; round < 16; round++) {
        if (c->incap - c->inlen < 65536) {
            size_t nc = c->incap ? c->incap * 2 : 131072;
            char *ni = realloc(c->in, nc);
            if (!ni)
                return 0;
            c->in = ni;
            c->incap = nc;
        }
        ssize_t n = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 1;
        if (n <= 0)
            return 0;
        c->inlen += (size_t)n;
        size_t off = 0;
        while (c->inlen - off >= 8) {
            const unsigned char *h = (const unsigned char *)c->in + off;
            uint32_t len =
                (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
            uint32_t type =
                (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
            if (len > MAX_FRAME)
                return 0;
            if (c->inlen - off - 8 < len)
                break;
            struct lark_buf b = {.data = c->in + off + 8, .len = len};
            off += 8 + len;
            if (fn(arg, c, type, &b) < 0)
                return 0;
            if (c->dead)
                return 0;
        }
        memmove(c->in, c->in + off, c->inlen - off);
        c->inlen -= off;
    }
    return 2;
}

/* ---- sockets ------------------------------------------------------------ */

/* A socket listening on every address of this host: IPv6 and IPv4 on one
 * dual-stack socket, or IPv4 alone where the kernel has no IPv6. */
static int listen_any(int *port)
{
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        int zero = 0;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = in6addr_any};
        socklen_t sl = sizeof(sa);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(fd, 1024) == 0 &&
            getsockname(fd, (struct sockaddr *)&sa, &sl) == 0) {
            *port = ntohs(sa.sin6_port);
            return fd;
        }
        close(fd);
    }
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    socklen_t sl = sizeof(sa);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1024) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

int lark_listen(char *addrs, size_t len)
{
    int port = 0, fd = listen_any(&port);
    if (fd < 0)
        return -1;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    /* Every address of this host, IPv4 then IPv6 ("[a]:port"), loopback
     * last: a daemon tries them in order and keeps the first that answers.
     * IPv6 link-local addresses (fe80::/10) need a scope that means
     * nothing on the caller's host: left out. */
    size_t used = 0;
    addrs[0] = 0;
    struct ifaddrs *ifa = NULL;
    if (getifaddrs(&ifa) == 0) {
        for (int pass = 0; pass < 4; pass++)
            for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
                int family = pass % 2 ? AF_INET6 : AF_INET;
                if (!i->ifa_addr || i->ifa_addr->sa_family != family)
                    continue;
                char ip[INET6_ADDRSTRLEN];
                bool lo;
                if (family == AF_INET) {
                    struct in_addr a = ((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
                    lo = (ntohl(a.s_addr) >> 24) == 127;
                    inet_ntop(AF_INET, &a, ip, sizeof(ip));
                } else {
                    struct in6_addr a = ((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr;
                    if (IN6_IS_ADDR_LINKLOCAL(&a))
                        continue;
                    lo = IN6_IS_ADDR_LOOPBACK(&a);
                    inet_ntop(AF_INET6, &a, ip, sizeof(ip));
                }
                if (lo != (pass >= 2))
                    continue;
                if (used + strlen(ip) + 10 < len)
                    used += (size_t)snprintf(addrs + used, len - used,
                                             family == AF_INET6 ? "%s[%s]:%d" : "%s%s:%d",
                                             used ? "," : "", ip, port);
            }
        freeifaddrs(ifa);
    }
    if (used == 0)
        snprintf(addrs, len, "127.0.0.1:%d", port);
    return fd;
}

int lark_addr_parse(const char *tok, struct sockaddr_storage *ss, socklen_t *sl)
{
    char host[INET6_ADDRSTRLEN + 2];
    const char *colon;
    size_t hl;
    if (tok[0] == '[') {
        const char *close_br = strchr(tok, ']');
        if (!close_br || close_br[1] != ':')
            return -1;
        colon = close_br + 1;
        tok++;
        hl = (size_t)(close_br - tok);
    } else {
        colon = strrchr(tok, ':');
        if (!colon || memchr(tok, ':', (size_t)(colon - tok)))
            return -1; /* none, or an IPv6 address without brackets */
        hl = (size_t)(colon - tok);
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (hl == 0 || hl >= sizeof(host) || end == colon + 1 || *end || port < 1 || port > 65535)
        return -1;
    memcpy(host, tok, hl);
    host[hl] = 0;
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *in = (struct sockaddr_in *)(void *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)ss;
    if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        *sl = sizeof(*in);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *sl = sizeof(*in6);
        return 0;
    }
    return -1;
}

int lark_connect_any(const char *addrs, double timeout_s)
{
    char *list = strdup(addrs);
    if (!list)
        return -1;
    int fd = -1;
    char *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok && fd < 0; tok = strtok_r(NULL, ",", &save)) {
        struct sockaddr_storage sa;
        socklen_t sl;
        if (lark_addr_parse(tok, &sa, &sl) != 0)
            continue;
        int s = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (s < 0)
            continue;
        if (connect(s, (struct sockaddr *)&sa, sl) < 0 && errno != EINPROGRESS) {
            close(s);
            continue;
        }
        struct pollfd p = {.fd = s, .events = POLLOUT};
        int e = 0;
        socklen_t el = sizeof(e);
        if (poll(&p, 1, (int)(timeout_s * 1000)) == 1 &&
            getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0)
            fd = s;
        else
            close(s);
    }
    free(list);
    return fd;
}

bool lark_secret_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = la != lb;
    for (size_t i = 0; i < la && i < lb; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

/*
 * iface.c -- choosing the interfaces to listen on, and addresses of either
 * family as text (see iface.h).
 */
#include <arpa/inet.h>
#include <fnmatch.h>
#include <ifaddrs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iface.h"

static int ip_len(const struct lark_tcp_ip *a)
{
    return a->family == AF_INET6 ? 16 : 4;
}

bool lark_tcp_ip_same_net(const struct lark_tcp_ip *a, const struct lark_tcp_ip *b, int bits)
{
    if (a->family != b->family || bits < 0 || bits > 8 * ip_len(a))
        return false;
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a->b, b->b, (size_t)whole) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xffu << (8 - rest));
    return (a->b[whole] & mask) == (b->b[whole] & mask);
}

bool lark_tcp_ip_loopback(const struct lark_tcp_ip *a)
{
    if (a->family == AF_INET)
        return a->b[0] == 127;
    static const uint8_t one[16] = {[15] = 1};
    return a->family == AF_INET6 && memcmp(a->b, one, 16) == 0;
}

const char *lark_tcp_ip_str(const struct lark_tcp_ip *a, char *buf, size_t n)
{
    if (inet_ntop(a->family, a->b, buf, (socklen_t)n) == NULL)
        snprintf(buf, n, "?");
    return buf;
}

/* An address of either family, with or without brackets; 0 or -1. */
static int ip_parse(const char *s, size_t n, struct lark_tcp_ip *a)
{
    char buf[INET6_ADDRSTRLEN + 2];
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
        s++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    memset(a, 0, sizeof *a);
    if (inet_pton(AF_INET, buf, a->b) == 1) {
        a->family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, buf, a->b) == 1) {
        a->family = AF_INET6;
        return 0;
    }
    return -1;
}

/* One list entry against one interface. */
static bool entry_match(const char *e, size_t n, const char *name, const struct lark_tcp_ip *addr,
                        const char **bad)
{
    char buf[128];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, e, n);
    buf[n] = '\0';
    struct lark_tcp_ip net;
    char *slash = strrchr(buf, '/');
    if (slash == NULL) {
        /* A single address ("::1", "[fd00::2]", "10.0.0.1"), else a name. */
        if (ip_parse(buf, n, &net) == 0)
            return lark_tcp_ip_same_net(addr, &net, 8 * ip_len(&net));
        return fnmatch(buf, name, 0) == 0;
    }
    char *end;
    long bits = strtol(slash + 1, &end, 10);
    if (ip_parse(buf, (size_t)(slash - buf), &net) != 0 || *end != '\0' || end == slash + 1 ||
        bits < 0 || bits > 8 * ip_len(&net)) {
        *bad = "an entry that is neither an interface name nor a CIDR range (10.1.0.0/16, "
               "fd00::/8)";
        return false;
    }
    return lark_tcp_ip_same_net(addr, &net, (int)bits);
}

bool lark_tcp_if_match(const char *list, const char *name, const struct lark_tcp_ip *addr,
                       const char **bad)
{
    bool hit = false;
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n > 0 && *p == ' ') {
            p++;
            n--;
        }
        if (entry_match(p, n, name, addr, bad))
            hit = true;
        p += n + (end != NULL);
    }
    return hit;
}

/* Prefix length of a netmask of either family. */
static int mask_bits(const struct sockaddr *m, int family)
{
    if (m == NULL || m->sa_family != family)
        return family == AF_INET6 ? 128 : 32;
    const uint8_t *b =
        family == AF_INET6
            ? ((const struct sockaddr_in6 *)(const void *)m)->sin6_addr.s6_addr
            : (const uint8_t *)&((const struct sockaddr_in *)(const void *)m)->sin_addr;
    int n = family == AF_INET6 ? 16 : 4, bits = 0;
    for (int i = 0; i < n; i++)
        bits += __builtin_popcount(b[i]);
    return bits;
}

int lark_tcp_if_select(struct lark_tcp_if *out, int max, const char *include, const char *exclude,
                       bool allow_loopback, char *err, size_t errlen)
{
    struct ifaddrs *ifs;
    if (getifaddrs(&ifs) != 0) {
        snprintf(err, errlen, "cannot list the network interfaces (getifaddrs)");
        return -1;
    }
    int n = 0;
    const char *bad = NULL;
    for (struct ifaddrs *i = ifs; i != NULL && n < max; i = i->ifa_next) {
        if (i->ifa_addr == NULL || !(i->ifa_flags & IFF_UP))
            continue;
        union lark_tcp_sa sa;
        int family = i->ifa_addr->sa_family;
        if (family == AF_INET)
            memcpy(&sa.in, i->ifa_addr, sizeof sa.in);
        else if (family == AF_INET6)
            memcpy(&sa.in6, i->ifa_addr, sizeof sa.in6);
        else
            continue;
        struct lark_tcp_ip a;
        int port;
        lark_tcp_sa_ip(&sa, &a, &port);
        /* Link-local IPv6 (fe80::/10) needs the interface's scope, which
         * means nothing on another host: never published. */
        if (family == AF_INET6 && a.b[0] == 0xfe && (a.b[1] & 0xc0) == 0x80)
            continue;
        bool lo = (i->ifa_flags & IFF_LOOPBACK) != 0;
        if (include != NULL && *include) {
            if (!lark_tcp_if_match(include, i->ifa_name, &a, &bad))
                continue;
        } else {
            if (lo && !allow_loopback)
                continue;
            if (fnmatch("docker*", i->ifa_name, 0) == 0 || fnmatch("virbr*", i->ifa_name, 0) == 0)
                continue;
        }
        if (exclude != NULL && *exclude && lark_tcp_if_match(exclude, i->ifa_name, &a, &bad))
            continue;
        struct lark_tcp_if *o = &out[n++];
        snprintf(o->name, sizeof o->name, "%s", i->ifa_name);
        o->addr = a;
        o->bits = mask_bits(i->ifa_netmask, family);
        o->loopback = lo;
    }
    freeifaddrs(ifs);
    if (bad != NULL) {
        snprintf(err, errlen, "LARK_TCP_IF_INCLUDE/EXCLUDE has %s", bad);
        return -1;
    }
    if (n == 0) {
        snprintf(err, errlen,
                 "no usable network interface (up, IPv4 or IPv6 other than link-local%s%s%s%s%s)",
                 include ? ", in LARK_TCP_IF_INCLUDE=" : "", include ? include : "",
                 exclude ? ", not in LARK_TCP_IF_EXCLUDE=" : "", exclude ? exclude : "",
                 allow_loopback ? "" : ", not loopback");
        return -1;
    }
    return n;
}

void lark_tcp_addr_format(const struct lark_tcp_ip *a, int bits, int port, char *buf, size_t n)
{
    char ip[INET6_ADDRSTRLEN];
    lark_tcp_ip_str(a, ip, sizeof ip);
    if (a->family == AF_INET6)
        snprintf(buf, n, "[%s]/%d:%d", ip, bits, port);
    else
        snprintf(buf, n, "%s/%d:%d", ip, bits, port);
}

int lark_tcp_addr_parse(const char *tok, struct lark_tcp_ip *a, int *bits, int *port)
{
    const char *slash = tok[0] == '[' ? strchr(tok, ']') : strchr(tok, '/');
    if (slash == NULL)
        return -1;
    if (tok[0] == '[')
        slash++; /* past the bracket: "/" must follow */
    if (*slash != '/' || ip_parse(tok, (size_t)(slash - tok), a) != 0)
        return -1;
    if ((tok[0] == '[') != (a->family == AF_INET6))
        return -1; /* IPv6 always in brackets, IPv4 never */
    char *end;
    long b = strtol(slash + 1, &end, 10);
    if (end == slash + 1 || *end != ':' || b < 0 || b > 8 * ip_len(a))
        return -1;
    const char *ps = end + 1;
    long p = strtol(ps, &end, 10);
    if (end == ps || *end != '\0' || p < 1 || p > 65535)
        return -1;
    *bits = (int)b;
    *port = (int)p;
    return 0;
}

socklen_t lark_tcp_sa_make(union lark_tcp_sa *sa, const struct lark_tcp_ip *a, int port)
{
    memset(sa, 0, sizeof *sa);
    if (a->family == AF_INET6) {
        sa->in6.sin6_family = AF_INET6;
        sa->in6.sin6_port = htons((uint16_t)port);
        memcpy(sa->in6.sin6_addr.s6_addr, a->b, 16);
        return sizeof sa->in6;
    }
    sa->in.sin_family = AF_INET;
    sa->in.sin_port = htons((uint16_t)port);
    memcpy(&sa->in.sin_addr, a->b, 4);
    return sizeof sa->in;
}

void lark_tcp_sa_ip(const union lark_tcp_sa *sa, struct lark_tcp_ip *a, int *port)
{
    memset(a, 0, sizeof *a);
    a->family = sa->sa.sa_family;
    if (a->family == AF_INET6) {
        const uint8_t *b = sa->in6.sin6_addr.s6_addr;
        static const uint8_t v4mapped[12] = {[10] = 0xff, [11] = 0xff};
        if (memcmp(b, v4mapped, 12) == 0) {
            /* An IPv4 peer on a dual-stack socket: say it as IPv4. */
            a->family = AF_INET;
            memcpy(a->b, b + 12, 4);
        } else {
            memcpy(a->b, b, 16);
        }
        *port = ntohs(sa->in6.sin6_port);
    } else {
        memcpy(a->b, &sa->in.sin_addr, 4);
        *port = ntohs(sa->in.sin_port);
    }
}

const char *lark_tcp_sa_str(const union lark_tcp_sa *sa, char *buf, size_t n)
{
    struct lark_tcp_ip a;
    int port;
    char ip[INET6_ADDRSTRLEN];
    if (sa->sa.sa_family != AF_INET && sa->sa.sa_family != AF_INET6) {
        snprintf(buf, n, "(unknown address)");
        return buf;
    }
    lark_tcp_sa_ip(sa, &a, &port);
    lark_tcp_ip_str(&a, ip, sizeof ip);
    snprintf(buf, n, a.family == AF_INET6 ? "[%s]:%d" : "%s:%d", ip, port);
    return buf;
}

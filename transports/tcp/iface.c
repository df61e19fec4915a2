/*
 * iface.c -- choosing the interfaces to listen on (see iface.h).
 */
#include <arpa/inet.h>
#include <fnmatch.h>
#include <ifaddrs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iface.h"

/* One list entry against one interface. */
static bool entry_match(const char *e, size_t n, const char *name, struct in_addr addr,
                        const char **bad)
{
    char buf[128];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, e, n);
    buf[n] = '\0';
    char *slash = strchr(buf, '/');
    if (slash == NULL)
        return fnmatch(buf, name, 0) == 0;
    *slash = '\0';
    struct in_addr net;
    char *end;
    long bits = strtol(slash + 1, &end, 10);
    if (inet_pton(AF_INET, buf, &net) != 1 || *end != '\0' || end == slash + 1 || bits < 0 ||
        bits > 32) {
        *bad = "an entry that is neither an interface name nor an IPv4 CIDR range";
        return false;
    }
    uint32_t mask = bits == 0 ? 0 : htonl(~UINT32_C(0) << (32 - bits));
    return (addr.s_addr & mask) == (net.s_addr & mask);
}

bool lark_tcp_if_match(const char *list, const char *name, struct in_addr addr, const char **bad)
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
        if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP))
            continue;
        struct in_addr a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
        bool lo = (i->ifa_flags & IFF_LOOPBACK) != 0;
        if (include != NULL && *include) {
            if (!lark_tcp_if_match(include, i->ifa_name, a, &bad))
                continue;
        } else {
            if (lo && !allow_loopback)
                continue;
            if (fnmatch("docker*", i->ifa_name, 0) == 0 || fnmatch("virbr*", i->ifa_name, 0) == 0)
                continue;
        }
        if (exclude != NULL && *exclude && lark_tcp_if_match(exclude, i->ifa_name, a, &bad))
            continue;
        struct lark_tcp_if *o = &out[n++];
        snprintf(o->name, sizeof o->name, "%s", i->ifa_name);
        o->addr = a;
        o->mask = i->ifa_netmask ? ((struct sockaddr_in *)i->ifa_netmask)->sin_addr
                                 : (struct in_addr){htonl(0xffffffffu)};
        o->loopback = lo;
    }
    freeifaddrs(ifs);
    if (bad != NULL) {
        snprintf(err, errlen, "LARK_TCP_IF_INCLUDE/EXCLUDE has %s", bad);
        return -1;
    }
    if (n == 0) {
        snprintf(err, errlen, "no usable network interface (up, IPv4%s%s%s%s%s)",
                 include ? ", in LARK_TCP_IF_INCLUDE=" : "", include ? include : "",
                 exclude ? ", not in LARK_TCP_IF_EXCLUDE=" : "", exclude ? exclude : "",
                 allow_loopback ? "" : ", not loopback");
        return -1;
    }
    return n;
}

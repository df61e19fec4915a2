/*
 * iface.h -- which of this host's network interfaces the TCP transport
 * listens on, whether a peer's address is reachable from them, and the
 * family-neutral text form in which addresses travel through PMIx.
 *
 * Selection (LARK_TCP_IF_INCLUDE / LARK_TCP_IF_EXCLUDE, or Open MPI's
 * btl_tcp_if_include / _exclude given to mpirun as --mca): a comma
 * separated list of interface names (shell patterns: "eth*"), CIDR ranges
 * of either family ("10.1.0.0/16", "fd00::/8", "[fd00::]/8") and single
 * addresses ("::1", "10.1.0.7").  Up interfaces, IPv4 and IPv6 (not IPv6
 * link-local: those need a scope that only one host understands);
 * loopback only when allowed (every peer on this host, TCP forced
 * locally, or named in the include list); bridges and container
 * interfaces (docker*, virbr*) are left out unless included by name.
 *
 * Text form of a listening address: "A/BITS:PORT" for IPv4 and
 * "[A]/BITS:PORT" for IPv6 (brackets, as in URLs, so that the port's colon
 * is never read as part of the address).
 */
#ifndef LARK_TCP_IFACE_H_INCLUDED
#define LARK_TCP_IFACE_H_INCLUDED

#include <netinet/in.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* An address of either family: family AF_INET (4 bytes used) or AF_INET6. */
struct lark_tcp_ip {
    int family;
    uint8_t b[16]; /* network byte order */
};

/* A socket address of either family. */
union lark_tcp_sa {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
    struct sockaddr_storage ss;
};

struct lark_tcp_if {
    char name[IF_NAMESIZE];
    struct lark_tcp_ip addr;
    int bits; /* prefix length of the interface's subnet */
    bool loopback;
};

/* Longest text form: "[" 45 "]/128:65535" and a NUL. */
#define LARK_TCP_ADDR_STRLEN 64

/* Does the list (names, patterns, CIDRs, addresses) match this interface?
 * A malformed entry sets *bad to it (static sentence) and matches nothing. */
bool lark_tcp_if_match(const char *list, const char *name, const struct lark_tcp_ip *addr,
                       const char **bad);
/* Choose this host's interfaces (up to max); returns how many, or -1 with
 * a sentence in err. */
int lark_tcp_if_select(struct lark_tcp_if *out, int max, const char *include, const char *exclude,
                       bool allow_loopback, char *err, size_t errlen);

/* Are a and b in the same subnet of `bits` bits (same family)? */
bool lark_tcp_ip_same_net(const struct lark_tcp_ip *a, const struct lark_tcp_ip *b, int bits);
bool lark_tcp_ip_loopback(const struct lark_tcp_ip *a);
/* "1.2.3.4" or "fd00::1" (no brackets); buf of at least INET6_ADDRSTRLEN. */
const char *lark_tcp_ip_str(const struct lark_tcp_ip *a, char *buf, size_t n);

/* Text form of a listening address (see above), into buf. */
void lark_tcp_addr_format(const struct lark_tcp_ip *a, int bits, int port, char *buf, size_t n);
/* Parse one "A/BITS:PORT" or "[A]/BITS:PORT"; 0, or -1 when malformed. */
int lark_tcp_addr_parse(const char *tok, struct lark_tcp_ip *a, int *bits, int *port);

/* Socket address <-> address and port. */
socklen_t lark_tcp_sa_make(union lark_tcp_sa *sa, const struct lark_tcp_ip *a, int port);
void lark_tcp_sa_ip(const union lark_tcp_sa *sa, struct lark_tcp_ip *a, int *port);
/* "1.2.3.4:80" or "[fd00::1]:80". */
const char *lark_tcp_sa_str(const union lark_tcp_sa *sa, char *buf, size_t n);

#endif

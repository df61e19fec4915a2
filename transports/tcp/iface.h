/*
 * iface.h -- which of this host's network interfaces the TCP transport
 * listens on, and whether a peer's address is reachable from them.
 *
 * Selection (LARK_TCP_IF_INCLUDE / LARK_TCP_IF_EXCLUDE, or Open MPI's
 * btl_tcp_if_include / _exclude given to mpirun as --mca): a comma
 * separated list of interface names (shell patterns: "eth*") and IPv4
 * CIDR ranges ("10.1.0.0/16").  Up, IPv4 interfaces only; loopback only
 * when allowed (every peer on this host, TCP forced locally, or named in
 * the include list); bridges and container interfaces (docker*, virbr*)
 * are left out unless included by name.
 */
#ifndef LARK_TCP_IFACE_H_INCLUDED
#define LARK_TCP_IFACE_H_INCLUDED

#include <netinet/in.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

struct lark_tcp_if {
    char name[IF_NAMESIZE];
    struct in_addr addr, mask; /* network byte order */
    bool loopback;
};

/* Does the list (names, patterns, CIDRs) match this interface?  A
 * malformed entry sets *bad to it (static sentence) and matches nothing. */
bool lark_tcp_if_match(const char *list, const char *name, struct in_addr addr, const char **bad);
/* Choose this host's interfaces (up to max); returns how many, or -1 with
 * a sentence in err. */
int lark_tcp_if_select(struct lark_tcp_if *out, int max, const char *include, const char *exclude,
                       bool allow_loopback, char *err, size_t errlen);

#endif

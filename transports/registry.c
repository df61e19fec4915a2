/*
 * registry.c -- the table of transports, in priority order, and the choice
 * of which ones a process starts.
 *
 * Each entry is (ops, priority, "wanted?").  The runtime (runtime/peer.c)
 * walks the table from the highest priority down, starts every transport
 * that LARK_TRANSPORTS allows and that says it is wanted, and later gives
 * each peer to the first started transport that can reach it.  A transport
 * is wanted when it has peers to serve that the ones above it do not
 * already reach (self always; shm when other ranks share this node; tcp
 * when some rank is not reached yet).  Adding a transport is one line here.
 */
#include <stdio.h>
#include <string.h>

#include "transport.h"

static bool self_wanted(const struct lark_transport_want *w)
{
    (void)w;
    return true;
}

static bool shm_wanted(const struct lark_transport_want *w)
{
    (void)w;
    return lark_transport_local_size() > 1;
}

/* TCP serves whoever the others do not reach: ranks on other hosts, or
 * every other rank when LARK_TRANSPORTS leaves shm out. */
static bool tcp_wanted(const struct lark_transport_want *w)
{
    return w->covered < lark_transport_world_size() - 1;
}

static const struct lark_transport_entry table[] = {
    {&lark_transport_self_ops, 300, self_wanted},
    {&lark_transport_shm_ops, 200, shm_wanted},
    {&lark_transport_tcp_ops, 100, tcp_wanted},
};
#define NTABLE (sizeof table / sizeof table[0])

const struct lark_transport_entry *lark_transport_registry(int *n)
{
    *n = (int)NTABLE;
    return table;
}

/* Is `name` one of the comma-separated words of `list`? */
static bool listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return true;
        p += len + (end != NULL);
    }
    return false;
}

int lark_transport_allowed(const char *list, bool *allowed)
{
    for (size_t i = 0; i < NTABLE; i++)
        allowed[i] = list == NULL || listed(list, table[i].ops->name) ||
                     table[i].ops == &lark_transport_self_ops; /* always on */
    if (list == NULL)
        return LARK_OK;
    /* Every word must name a transport. */
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        bool known = len == 0;
        for (size_t i = 0; i < NTABLE && !known; i++)
            known = strlen(table[i].ops->name) == len && strncmp(p, table[i].ops->name, len) == 0;
        if (!known) {
            char names[128] = "";
            for (size_t i = 0; i < NTABLE; i++)
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                         table[i].ops->name);
            fprintf(stderr,
                    "Lark MPI: rank %d: LARK_TRANSPORTS=%s names an unknown transport \"%.*s\"; "
                    "the known ones are %s\n",
                    lark_transport_world_rank(), list, (int)len, p, names);
            return LARK_ERR_ARG;
        }
        p += len + (end != NULL);
    }
    return LARK_OK;
}

/* Mapping: which ranks the job has and where they go.  The rank table is
 * built from the application contexts (-n per program, MPMD in order), the
 * hosts and their slots (--host, --hostfile, or this machine's allowed cores),
 * --npernode and the oversubscription rule: more ranks than slots is an error
 * unless --oversubscribe is given.  Only this machine can run ranks for now;
 * other host names are refused with a clear message.  Which cores each rank
 * is bound to is bind.c's business. */
#include "launcher.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int lark_map_ranks(const struct lark_options *o, struct lark_proc **procs, int *nprocs, char *err,
                   size_t errlen)
{
    char me[256] = "localhost";
    gethostname(me, sizeof(me));
    me[sizeof(me) - 1] = 0;

    int slots = 0;
    for (int h = 0; h < o->nhosts; h++) {
        if (!lark_host_is_local(o->hosts[h].name))
            return lark_launcher_fail(
                err, errlen,
                "mpirun: host '%s' is not this machine (%s); multi-host jobs are not "
                "supported yet: use localhost or %s",
                o->hosts[h].name, me, me);
        slots += o->hosts[h].slots;
    }
    bool user_slots = o->nhosts > 0;
    if (!user_slots)
        slots = lark_bind_default_slots(o->map_by == LARK_MAP_HWTHREAD);
    if (slots < 1)
        slots = 1;
    const int nnodes = 1;
    /* ppr:N:socket|numa is N per such object of the node. */
    int pernode = o->npernode;
    if (o->map_by == LARK_MAP_PPR)
        pernode = o->ppr_n * lark_bind_count(o->ppr_obj);

    /* -n given per app; a single app without -n fills the slots (or
     * --npernode ranks per node). */
    long total = 0;
    for (int k = 0; k < o->napps; k++) {
        int np = o->apps[k].np;
        if (np == 0)
            np = pernode ? pernode * nnodes : slots;
        total += np;
    }
    if (pernode && total > (long)pernode * nnodes)
        return lark_launcher_fail(
            err, errlen,
            "mpirun: %ld ranks requested with %d per node, but only %d node (%s) is "
            "available; use -n %d or raise the ranks per node to %ld",
            total, pernode, nnodes, me, pernode * nnodes, total);
    /* With PE=n each rank takes n slots (its n cores), as in Open MPI. */
    if (o->pe > 1 && total * o->pe > slots && !o->oversubscribe)
        return lark_launcher_fail(
            err, errlen,
            "mpirun: %ld ranks with PE=%d need %ld slots but only %d are available on %s; "
            "use fewer ranks, a smaller PE, or --oversubscribe",
            total, o->pe, total * o->pe, slots, me);
    if (total > slots && !o->oversubscribe)
        return lark_launcher_fail(
            err, errlen,
            "mpirun: %ld ranks requested but only %d slot%s on %s%s; use --oversubscribe "
            "to run anyway, or --host %s:%ld",
            total, slots, slots == 1 ? "" : "s", me,
            user_slots                       ? " (from --host/--hostfile)"
            : o->map_by == LARK_MAP_HWTHREAD ? " (one per hwthread)"
                                             : " (one per core)",
            me, total);

    struct lark_proc *p = calloc((size_t)total, sizeof(*p));
    if (!p)
        return lark_launcher_fail(err, errlen, "mpirun: out of memory for %ld ranks", total);
    int r = 0;
    for (int k = 0; k < o->napps; k++) {
        int np = o->apps[k].np;
        if (np == 0)
            np = pernode ? pernode * nnodes : slots;
        for (int j = 0; j < np; j++, r++) {
            p[r].rank = r;
            p[r].app = k;
            p[r].app_rank = j;
            p[r].local_rank = r; /* one node: local rank == rank */
            p[r].fd_out = p[r].fd_err = p[r].fd_in = -1;
        }
    }
    *procs = p;
    *nprocs = (int)total;
    return 0;
}

/* Mapping, the planner's core: which ranks the job has and on which node
 * each runs.  The rank table is built from the application contexts (-n per
 * program, MPMD in order), the hosts and their slots (--host, --hostfile, or
 * this machine's allowed cores), --npernode / ppr:N (with each host's own
 * counts: probe.c), --map-by node, and the
 * oversubscription rule: more ranks than slots is an error unless
 * --oversubscribe is given.  Every mention of this machine (localhost,
 * 127.x, its name) is one node, named by gethostname.  Nodes that get no
 * rank are dropped, so every node of the map runs ranks.  Which cores each
 * rank is bound to is the node agent's business (bind.c). */
#include "launcher.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void lark_map_free(struct lark_map *m)
{
    for (int i = 0; i < m->nprocs; i++) {
        free(m->procs[i].cpuset);
        free(m->procs[i].bind_report);
    }
    free(m->procs);
    for (int n = 0; n < m->nnodes; n++)
        free(m->nodes[n]);
    free(m->nodes);
    free(m->node_size);
    memset(m, 0, sizeof(*m));
    m->me = -1;
}

/* The nodes of the host list: local mentions merged into one (named by
 * gethostname), others in order of first mention.  slots[] per node. */
static int collect_nodes(const struct lark_options *o, const char *me, char ***names, int **slots,
                         bool **set, int *nnodes)
{
    int n = o->nhosts > 0 ? o->nhosts : 1;
    *names = calloc((size_t)n, sizeof(char *));
    *slots = calloc((size_t)n, sizeof(int));
    *set = calloc((size_t)n, sizeof(bool));
    if (!*names || !*slots || !*set)
        return -1;
    int k = 0, local = -1;
    if (o->nhosts == 0) {
        (*names)[0] = strdup(me);
        (*slots)[0] = lark_bind_default_slots(o->map_by == LARK_MAP_HWTHREAD);
        *nnodes = 1;
        return (*names)[0] ? 0 : -1;
    }
    for (int h = 0; h < o->nhosts; h++) {
        const struct lark_host *hh = &o->hosts[h];
        int at = -1;
        if (lark_host_is_local(hh->name)) {
            at = local;
            if (at < 0) {
                local = at = k++;
                (*names)[at] = strdup(me);
            }
        } else {
            for (int j = 0; j < k; j++)
                if (j != local && strcmp((*names)[j], hh->name) == 0)
                    at = j;
            if (at < 0) {
                at = k++;
                (*names)[at] = strdup(hh->name);
            }
        }
        if (!(*names)[at])
            return -1;
        /* Added up in a long: 300 lines of slots=9999999 must not wrap. */
        long sum = (long)(*slots)[at] + hh->slots;
        if (sum > LARK_MAX_SLOTS)
            return -2;
        (*slots)[at] = (int)sum;
        (*set)[at] |= hh->slots_set;
    }
    *nnodes = k;
    return 0;
}

/* How many objects of ppr's kind node `name` has: its own counts when
 * its host said them (probe.c), this machine's otherwise. */
static int node_count(const struct lark_options *o, const char *name, const char *me)
{
    int k = o->ppr_obj == LARK_MAP_NUMA       ? 1
            : o->ppr_obj == LARK_MAP_CORE     ? 2
            : o->ppr_obj == LARK_MAP_HWTHREAD ? 3
                                              : 0;
    for (int h = 0; strcmp(name, me) != 0 && h < o->ntopos; h++)
        if (strcmp(o->topos[h].name, name) == 0)
            return o->topos[h].count[k];
    return lark_bind_count(o->ppr_obj);
}

int lark_map_ranks(const struct lark_options *o, struct lark_map *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof(*m));
    m->me = -1;
    char me[256] = "localhost";
    gethostname(me, sizeof(me));
    me[sizeof(me) - 1] = 0;

    char **names = NULL;
    int *nslots = NULL, nnodes = 0;
    bool *nset = NULL;
    int rc = -1;
    struct lark_proc *p = NULL;
    int *cap = NULL; /* ranks per node with -N or ppr */
    int crc = collect_nodes(o, me, &names, &nslots, &nset, &nnodes);
    if (crc == -2) {
        lark_launcher_fail(err, errlen,
                           "mpirun: too many slots for one host in the hosts given (more than %d); "
                           "give each host its real slot count",
                           LARK_MAX_SLOTS);
        goto out;
    }
    if (crc < 0) {
        lark_launcher_fail(err, errlen, "mpirun: out of memory for the host list");
        goto out;
    }
    long slots = 0;
    for (int n = 0; n < nnodes; n++)
        slots += nslots[n] > 0 ? nslots[n] : 1;
    bool user_slots = o->nhosts > 0;
    const char *where = nnodes == 1 ? names[0] : "the hosts given";
    /* ppr:N:socket|numa|core|hwthread is N per such object of each node:
     * this one's counted here, the others' as their hosts said (probe.c;
     * a host that said nothing is taken to look like this one).  pernode
     * is the ranks per node when every node takes the same, else 0 with
     * pernode_mode set. */
    int pernode = o->npernode;
    long capsum = 0;
    bool pernode_mode = pernode > 0 || o->map_by == LARK_MAP_PPR;
    cap = pernode_mode ? calloc((size_t)nnodes, sizeof(int)) : NULL;
    if (pernode_mode && !cap) {
        lark_launcher_fail(err, errlen, "mpirun: out of memory for the host list");
        goto out;
    }
    for (int n = 0; pernode_mode && n < nnodes; n++) {
        cap[n] = o->npernode;
        if (o->map_by == LARK_MAP_PPR)
            cap[n] = o->ppr_n * node_count(o, names[n], me);
        capsum += cap[n];
        if (n > 0 && cap[n] != cap[0])
            pernode = 0;
        else if (n == 0)
            pernode = cap[0];
    }

    /* -n given per app; a single app without -n fills the slots (or
     * --npernode ranks per node). */
    long total = 0;
    for (int k = 0; k < o->napps; k++) {
        long np = o->apps[k].np;
        if (np == 0)
            np = pernode_mode ? capsum : slots;
        total += np;
    }
    if (total > LARK_MAX_RANKS) {
        lark_launcher_fail(err, errlen, "mpirun: %ld ranks requested; a job has at most %d", total,
                           LARK_MAX_RANKS);
        goto out;
    }
    if (pernode_mode && !pernode && total > capsum) {
        lark_launcher_fail(err, errlen,
                           "mpirun: %ld ranks requested, but --map-by ppr:%d places only %ld on "
                           "%s (their own counts); use -n %ld",
                           total, o->ppr_n, capsum, where, capsum);
        goto out;
    }
    if (pernode && total > (long)pernode * nnodes) {
        lark_launcher_fail(err, errlen,
                           "mpirun: %ld ranks requested with %d per node, but only %d node%s (%s) "
                           "%s available; use -n %ld or raise the ranks per node to %ld",
                           total, pernode, nnodes, nnodes == 1 ? "" : "s", where,
                           nnodes == 1 ? "is" : "are", (long)pernode * nnodes,
                           (total + nnodes - 1) / nnodes);
        goto out;
    }
    /* With PE=n each rank takes n slots (its n cores), as in Open MPI. */
    if (o->pe > 1 && total * o->pe > slots && !o->oversubscribe) {
        lark_launcher_fail(err, errlen,
                           "mpirun: %ld ranks with PE=%d need %ld slots but only %ld are available "
                           "on %s; use fewer ranks, a smaller PE, or --oversubscribe",
                           total, o->pe, total * o->pe, slots, where);
        goto out;
    }
    if (total > slots && !o->oversubscribe && o->hosts_origin) {
        lark_launcher_fail(err, errlen,
                           "mpirun: %ld ranks requested but only %ld slot%s in %s; use "
                           "--oversubscribe to run anyway, or ask for more tasks (-n %ld)",
                           total, slots, slots == 1 ? "" : "s", o->hosts_origin, total);
        goto out;
    }
    if (total > slots && !o->oversubscribe) {
        lark_launcher_fail(
            err, errlen,
            "mpirun: %ld ranks requested but only %ld slot%s on %s%s; use --oversubscribe "
            "to run anyway, or --host %s:%ld",
            total, slots, slots == 1 ? "" : "s", where,
            user_slots                       ? " (from --host/--hostfile)"
            : o->map_by == LARK_MAP_HWTHREAD ? " (one per hwthread)"
                                             : " (one per core)",
            names[0], total);
        goto out;
    }

    p = calloc((size_t)total, sizeof(*p));
    int *count = calloc((size_t)nnodes, sizeof(int));
    if (!p || !count) {
        free(count);
        lark_launcher_fail(err, errlen, "mpirun: out of memory for %ld ranks", total);
        goto out;
    }
    /* Which node each rank goes to: -N fills each node with its share in
     * turn; --map-by node deals ranks round-robin over the nodes with room;
     * otherwise each node's slots are filled before the next one's.  Past
     * the slots (oversubscribed) the rest are dealt round-robin. */
    int per = o->pe > 1 ? o->pe : 1;
    int cur = 0, over = 0, r = 0, pcur = 0;
    long fit = 0, placed = 0; /* ranks that fit in the slots, ranks placed there */
    for (int n = 0; n < nnodes; n++)
        fit += (nslots[n] > 0 ? nslots[n] : 1) / per;
    for (int k = 0; k < o->napps; k++) {
        long np = o->apps[k].np;
        if (np == 0)
            np = pernode_mode ? capsum : slots;
        for (long j = 0; j < np; j++, r++) {
            int node = -1;
            if (pernode_mode) {
                /* each node's share in turn */
                while (pcur < nnodes - 1 && count[pcur] >= cap[pcur])
                    pcur++;
                node = pcur;
            } else {
                if (placed >= fit) { /* oversubscribed: round-robin from the first */
                    node = over;
                    over = (over + 1) % nnodes;
                } else if (o->map_by == LARK_MAP_NODE) {
                    while ((count[cur] + 1) * per > (nslots[cur] > 0 ? nslots[cur] : 1))
                        cur = (cur + 1) % nnodes;
                    node = cur;
                    cur = (cur + 1) % nnodes;
                    placed++;
                } else {
                    while ((count[cur] + 1) * per > (nslots[cur] > 0 ? nslots[cur] : 1))
                        cur = (cur + 1) % nnodes;
                    node = cur;
                    placed++;
                }
            }
            p[r].rank = r;
            p[r].app = k;
            p[r].app_rank = (int)j;
            p[r].node = node;
            p[r].local_rank = count[node]++;
            p[r].fd_out = p[r].fd_err = p[r].fd_in = -1;
        }
    }
    /* --rank-by node: the same places, numbered round-robin over the nodes
     * that have them (per application context), as Open MPI does: with
     * two slots on each of a and b, ranks 0 and 2 on a, 1 and 3 on b.
     * --rank-by core|socket|numa|hwthread: node by node (each node's ranks
     * consecutive, per application context), then round-robin over the
     * node's objects of that kind, which its agent does (bind.c). */
    bool by_obj = o->rank_by == LARK_MAP_CORE || o->rank_by == LARK_MAP_SOCKET ||
                  o->rank_by == LARK_MAP_NUMA || o->rank_by == LARK_MAP_HWTHREAD;
    if (o->rank_by == LARK_MAP_NODE || by_obj) {
        int *left = calloc((size_t)nnodes, sizeof(int));
        int *seq = malloc(sizeof(int) * (size_t)total);
        if (!left || !seq) {
            free(left);
            free(seq);
            free(count);
            lark_launcher_fail(err, errlen, "mpirun: out of memory for --rank-by");
            goto out;
        }
        for (long first = 0; first < total;) {
            long end = first;
            while (end < total && p[end].app == p[first].app)
                left[p[end++].node]++;
            for (long t = first; t < end;)
                for (int n = 0; n < nnodes && t < end; n++)
                    while (left[n] > 0) {
                        seq[t++] = n;
                        left[n]--;
                        if (!by_obj)
                            break; /* one each, round-robin */
                    }
            first = end;
        }
        memset(count, 0, sizeof(int) * (size_t)nnodes);
        for (long i = 0; i < total; i++) {
            p[i].node = seq[i];
            p[i].local_rank = count[seq[i]]++;
        }
        free(left);
        free(seq);
    }
    /* Drop the nodes without ranks; renumber the others in order. */
    int *newid = calloc((size_t)nnodes, sizeof(int));
    m->nodes = calloc((size_t)nnodes, sizeof(char *));
    m->node_size = calloc((size_t)nnodes, sizeof(int));
    if (!newid || !m->nodes || !m->node_size) {
        free(newid);
        free(count);
        lark_launcher_fail(err, errlen, "mpirun: out of memory for the node map");
        goto out;
    }
    for (int n = 0; n < nnodes; n++) {
        newid[n] = -1;
        if (count[n] == 0)
            continue;
        newid[n] = m->nnodes;
        if (strcmp(names[n], me) == 0)
            m->me = m->nnodes;
        m->node_size[m->nnodes] = count[n];
        m->nodes[m->nnodes++] = names[n];
        names[n] = NULL;
    }
    for (long i = 0; i < total; i++)
        p[i].node = newid[p[i].node];
    free(newid);
    free(count);
    m->procs = p;
    m->nprocs = (int)total;
    p = NULL;
    rc = 0;
out:
    free(cap);
    free(p);
    for (int n = 0; names && n < nnodes; n++)
        free(names[n]);
    free(names);
    free(nslots);
    free(nset);
    return rc;
}

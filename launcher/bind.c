/* Binding with hwloc.  The topology is loaded once, restricted to what this
 * process may use (cgroups and taskset: HWLOC_TOPOLOGY_FLAG_RESTRICT_TO_
 * CPUBINDING), without I/O devices or caches, which keeps the load to a few
 * milliseconds.  Every rank's mask is computed in the parent before any fork
 * (logical indexes: rank r of --map-by core gets core L#r of the allowed
 * ones), stored as a glibc cpu_set_t, and applied in the child with
 * sched_setaffinity before exec, which exec keeps.  --report-bindings lines
 * are formatted here in the parent and written by the child only after it
 * has read its mask back and found it equal to what was asked. */
#include "launcher.h"

#include <hwloc.h>
#include <hwloc/glibc-sched.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static hwloc_topology_t topo;
static bool topo_loaded;

static int load_topology(void)
{
    if (topo_loaded)
        return 0;
    /* hwloc dlopens its plugins at init (libxml2 and ICU, OpenCL, X11 for
     * GL, libpciaccess): we need none of them, and loading them costs
     * milliseconds of every mpirun.  Unset again so ranks do not inherit it. */
    bool deny = !getenv("HWLOC_PLUGINS_BLACKLIST");
    if (deny)
        setenv("HWLOC_PLUGINS_BLACKLIST",
               "hwloc_xml_libxml,hwloc_opencl,hwloc_gl,hwloc_pci,hwloc_cuda,hwloc_nvml,hwloc_rsmi,"
               "hwloc_levelzero",
               1);
    int rc = hwloc_topology_init(&topo);
    if (deny)
        unsetenv("HWLOC_PLUGINS_BLACKLIST");
    if (rc < 0)
        return -1;
    hwloc_topology_set_flags(topo, HWLOC_TOPOLOGY_FLAG_IS_THISSYSTEM |
                                       HWLOC_TOPOLOGY_FLAG_RESTRICT_TO_CPUBINDING);
    hwloc_topology_set_io_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_NONE);
    hwloc_topology_set_cache_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_NONE);
    hwloc_topology_set_icache_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_NONE);
    hwloc_topology_set_type_filter(topo, HWLOC_OBJ_MISC, HWLOC_TYPE_FILTER_KEEP_NONE);
    if (hwloc_topology_load(topo) < 0) {
        hwloc_topology_destroy(topo);
        return -1;
    }
    topo_loaded = true;
    return 0;
}

int lark_bind_count(enum lark_map_by obj)
{
    if (load_topology() < 0)
        return 1;
    hwloc_obj_type_t t = obj == LARK_MAP_NUMA       ? HWLOC_OBJ_NUMANODE
                         : obj == LARK_MAP_CORE     ? HWLOC_OBJ_CORE
                         : obj == LARK_MAP_HWTHREAD ? HWLOC_OBJ_PU
                                                    : HWLOC_OBJ_PACKAGE;
    int n = hwloc_get_nbobjs_by_type(topo, t);
    return n > 0 ? n : 1;
}

void *lark_bind_topology(void)
{
    return load_topology() == 0 ? (void *)topo : NULL;
}

int lark_bind_default_slots(bool hwthreads)
{
    if (load_topology() < 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        return n > 0 ? (int)n : 1;
    }
    int n = hwthreads ? -1 : hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    if (n <= 0)
        n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    return n > 0 ? n : 1;
}

/* The cores (or PUs) where rank `idx` (0-based among the ranks) is placed. */
static void place(const struct lark_options *o, int idx, hwloc_bitmap_t out)
{
    hwloc_bitmap_zero(out);
    int pe = o->pe;
    int ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    int npus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    bool ppr_small = o->map_by == LARK_MAP_PPR &&
                     (o->ppr_obj == LARK_MAP_CORE || o->ppr_obj == LARK_MAP_HWTHREAD);
    if (ppr_small) {
        /* ppr:N:core|hwthread: N ranks on each core (PU) in turn, each
         * placed on that one object. */
        bool pu = o->ppr_obj == LARK_MAP_HWTHREAD || ncores <= 0;
        int nobj = pu ? npus : ncores;
        for (int j = 0; j < pe; j++) {
            hwloc_obj_t c = hwloc_get_obj_by_type(topo, pu ? HWLOC_OBJ_PU : HWLOC_OBJ_CORE,
                                                  ((idx / o->ppr_n) * pe + j) % nobj);
            hwloc_bitmap_or(out, out, c->cpuset);
        }
        return;
    }
    if (o->map_by == LARK_MAP_HWTHREAD || ncores <= 0) {
        for (int j = 0; j < pe; j++) {
            hwloc_obj_t pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, (idx * pe + j) % npus);
            hwloc_bitmap_or(out, out, pu->cpuset);
        }
        return;
    }
    if (o->map_by == LARK_MAP_SOCKET || o->map_by == LARK_MAP_NUMA || o->map_by == LARK_MAP_PPR) {
        enum lark_map_by by = o->map_by == LARK_MAP_PPR ? o->ppr_obj : o->map_by;
        hwloc_obj_type_t t = by == LARK_MAP_SOCKET ? HWLOC_OBJ_PACKAGE : HWLOC_OBJ_NUMANODE;
        int nd = hwloc_get_nbobjs_by_type(topo, t);
        if (nd > 0) {
            /* socket/numa deal the ranks round-robin; ppr fills each
             * object with its N ranks in turn. */
            bool ppr = o->map_by == LARK_MAP_PPR;
            hwloc_obj_t dom =
                hwloc_get_obj_by_type(topo, t, ppr ? (idx / o->ppr_n) % nd : idx % nd);
            int k = ppr ? idx % o->ppr_n : idx / nd;
            int nin = hwloc_get_nbobjs_inside_cpuset_by_type(topo, dom->cpuset, HWLOC_OBJ_CORE);
            if (nin > 0) {
                for (int j = 0; j < pe; j++) {
                    hwloc_obj_t c = hwloc_get_obj_inside_cpuset_by_type(
                        topo, dom->cpuset, HWLOC_OBJ_CORE, (k * pe + j) % nin);
                    hwloc_bitmap_or(out, out, c->cpuset);
                }
                return;
            }
        }
    }
    /* core, slot, node (one node) and the default: cores in logical order. */
    for (int j = 0; j < pe; j++) {
        hwloc_obj_t c = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, (idx * pe + j) % ncores);
        hwloc_bitmap_or(out, out, c->cpuset);
    }
}

/* --rank-by core|socket|numa|hwthread: which of the node's n places (in
 * mapping order, place(o, k) for k = 0..n-1) each of its ranks takes, in
 * local rank order.  As Open MPI ranks: round-robin over the node's
 * objects of that kind, each object taking the first place not yet taken
 * that lies on it, until every rank has one (places on no object go last,
 * in order).  With --map-by ppr:2:socket on two packages, ranks 0 and 2 go
 * to package 0, 1 and 3 to package 1.  Returns a malloc'd array the
 * caller frees, or NULL for the mapping order (or out of memory). */
static int *rank_order(const struct lark_options *o, int n)
{
    hwloc_obj_type_t t = o->rank_by == LARK_MAP_CORE       ? HWLOC_OBJ_CORE
                         : o->rank_by == LARK_MAP_HWTHREAD ? HWLOC_OBJ_PU
                         : o->rank_by == LARK_MAP_NUMA     ? HWLOC_OBJ_NUMANODE
                                                           : HWLOC_OBJ_PACKAGE;
    if (n <= 0 || (o->rank_by != LARK_MAP_CORE && o->rank_by != LARK_MAP_HWTHREAD &&
                   o->rank_by != LARK_MAP_NUMA && o->rank_by != LARK_MAP_SOCKET))
        return NULL;
    int nobj = hwloc_get_nbobjs_by_type(topo, t);
    if (nobj <= 0)
        return NULL;
    int *order = malloc((size_t)n * sizeof(*order));
    bool *taken = calloc((size_t)n, sizeof(*taken));
    int *cnt = calloc((size_t)nobj + 1, sizeof(*cnt)); /* places per object, then offsets */
    int *cur = calloc((size_t)nobj, sizeof(*cur));
    hwloc_bitmap_t *sets = calloc((size_t)n, sizeof(*sets));
    int *list = NULL;
    bool ok = order && taken && cnt && cur && sets;
    for (int k = 0; ok && k < n; k++) {
        sets[k] = hwloc_bitmap_alloc();
        ok = sets[k] != NULL;
        if (ok)
            place(o, k, sets[k]);
    }
    /* Each object's places, in mapping order: one pass to count, one to fill. */
    long total = 0;
    for (int j = 0; ok && j < nobj; j++) {
        hwloc_obj_t obj = hwloc_get_obj_by_type(topo, t, (unsigned)j);
        for (int k = 0; k < n; k++)
            cnt[j] += hwloc_bitmap_intersects(obj->cpuset, sets[k]);
        total += cnt[j];
    }
    if (ok)
        list = malloc((size_t)(total > 0 ? total : 1) * sizeof(*list));
    ok = ok && list;
    /* From here on cnt[j] is where object j's places start in list. */
    for (int j = 0, at = 0; ok && j < nobj; j++) {
        hwloc_obj_t obj = hwloc_get_obj_by_type(topo, t, (unsigned)j);
        cnt[j] = at;
        for (int k = 0; k < n; k++)
            if (hwloc_bitmap_intersects(obj->cpuset, sets[k]))
                list[at++] = k;
        cnt[j + 1] = at;
    }
    for (int next = 0; ok && next < n;) {
        int before = next;
        for (int j = 0; j < nobj && next < n; j++) {
            while (cnt[j] + cur[j] < cnt[j + 1] && taken[list[cnt[j] + cur[j]]])
                cur[j]++;
            if (cnt[j] + cur[j] < cnt[j + 1]) {
                int k = list[cnt[j] + cur[j]];
                taken[k] = true;
                order[next++] = k;
            }
        }
        for (int k = 0; next == before && k < n; k++)
            if (!taken[k]) { /* on no object of that kind */
                taken[k] = true;
                order[next++] = k;
            }
    }
    for (int k = 0; sets && k < n; k++)
        if (sets[k])
            hwloc_bitmap_free(sets[k]);
    free(sets);
    free(list);
    free(cur);
    free(cnt);
    free(taken);
    if (!ok) {
        free(order);
        return NULL;
    }
    return order;
}

/* "[B/./.][./.]": one bracket per package, one mark per core. */
static void draw_map(hwloc_const_bitmap_t set, char *buf, size_t len)
{
    size_t used = 0;
    int npkg = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
    hwloc_const_bitmap_t all = hwloc_topology_get_topology_cpuset(topo);
    buf[0] = 0;
    for (int p = 0; p < (npkg > 0 ? npkg : 1); p++) {
        hwloc_const_bitmap_t pset =
            npkg > 0 ? hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, p)->cpuset : all;
        int nc = hwloc_get_nbobjs_inside_cpuset_by_type(topo, pset, HWLOC_OBJ_CORE);
        if (used + 2 >= len)
            return;
        buf[used++] = '[';
        for (int c = 0; c < nc && used + 4 < len; c++) {
            hwloc_obj_t core = hwloc_get_obj_inside_cpuset_by_type(topo, pset, HWLOC_OBJ_CORE, c);
            if (c)
                buf[used++] = '/';
            buf[used++] = hwloc_bitmap_intersects(core->cpuset, set) ? 'B' : '.';
        }
        buf[used++] = ']';
        buf[used] = 0;
    }
}

/* Which objects of one type the set covers exactly, as "core L#0-1". */
static void describe(hwloc_const_bitmap_t set, enum lark_bind_to b, char *buf, size_t len)
{
    hwloc_obj_type_t t = HWLOC_OBJ_CORE;
    const char *name = "core";
    switch (b) {
    case LARK_BIND_SOCKET:
        t = HWLOC_OBJ_PACKAGE;
        name = "package";
        break;
    case LARK_BIND_NUMA:
        t = HWLOC_OBJ_NUMANODE;
        name = "NUMA node";
        break;
    case LARK_BIND_HWTHREAD:
        t = HWLOC_OBJ_PU;
        name = "hwthread";
        break;
    default:
        break;
    }
    hwloc_bitmap_t idx = hwloc_bitmap_alloc();
    int n = hwloc_get_nbobjs_by_type(topo, t);
    for (int i = 0; i < n; i++) {
        hwloc_obj_t obj = hwloc_get_obj_by_type(topo, t, i);
        if (hwloc_bitmap_isincluded(obj->cpuset, set))
            hwloc_bitmap_set(idx, (unsigned)obj->logical_index);
    }
    char list[128];
    hwloc_bitmap_list_snprintf(list, sizeof(list), idx);
    snprintf(buf, len, "%s%s L#%s", name, hwloc_bitmap_weight(idx) > 1 ? "s" : "", list);
    hwloc_bitmap_free(idx);
}

static int set_mask(struct lark_proc *p, hwloc_const_bitmap_t set)
{
    int last = hwloc_bitmap_last(hwloc_topology_get_complete_cpuset(topo));
    int ncpu = last < 0 ? 1024 : last + 1;
    if (ncpu < 1024)
        ncpu = 1024;
    p->cpuset_size = CPU_ALLOC_SIZE(ncpu);
    p->cpuset = CPU_ALLOC(ncpu); /* freed in job.c with the rank table */
    if (!p->cpuset)
        return -1;
    CPU_ZERO_S(p->cpuset_size, (cpu_set_t *)p->cpuset);
    return hwloc_cpuset_to_glibc_sched_affinity(topo, set, p->cpuset, p->cpuset_size);
}

int lark_bind_compute(const struct lark_options *o, struct lark_proc *all, int nall, int node,
                      char *err, size_t errlen)
{
    /* The ranks of this node, in rank order. */
    int nprocs = 0;
    for (int i = 0; i < nall; i++)
        nprocs += all[i].node == node;
    if (load_topology() < 0) {
        if (o->bind_to != LARK_BIND_NONE && o->bind_to != LARK_BIND_DEFAULT)
            return lark_launcher_fail(
                err, errlen,
                "mpirun: cannot read this machine's topology with hwloc, so cannot bind; "
                "use --bind-to none");
        if (o->bind_to == LARK_BIND_DEFAULT)
            fprintf(stderr, "mpirun: cannot read this machine's topology with hwloc; the ranks "
                            "are not bound\n");
        return 0; /* no masks: the ranks keep mpirun's affinity */
    }
    char host[256] = "localhost";
    gethostname(host, sizeof(host));
    host[sizeof(host) - 1] = 0;

    int ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    int npus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    enum lark_bind_to b = o->bind_to;
    if (b == LARK_BIND_DEFAULT && o->map_by == LARK_MAP_PPR &&
        (o->ppr_obj == LARK_MAP_CORE || o->ppr_obj == LARK_MAP_HWTHREAD)) {
        /* ppr:N:core|hwthread asked for N ranks per core (PU): each is
         * bound to its own, shared by the N. */
        b = o->ppr_obj == LARK_MAP_CORE ? LARK_BIND_CORE : LARK_BIND_HWTHREAD;
    } else if (b == LARK_BIND_DEFAULT) {
        /* Like Open MPI: cores when the ranks fit, nothing when oversubscribed. */
        int room = o->map_by == LARK_MAP_HWTHREAD ? npus : ncores;
        if ((long)nprocs * o->pe <= room)
            b = o->map_by == LARK_MAP_HWTHREAD ? LARK_BIND_HWTHREAD : LARK_BIND_CORE;
        else
            b = LARK_BIND_NONE;
    }
    if (o->bind_to != LARK_BIND_DEFAULT && b != LARK_BIND_NONE) {
        bool pus = o->map_by == LARK_MAP_HWTHREAD || b == LARK_BIND_HWTHREAD;
        int room = pus ? npus : ncores;
        const char *unit = pus ? "hwthread" : "core";
        if ((long)nprocs * o->pe > room)
            fprintf(stderr,
                    "mpirun: warning: %d ranks x %d %s%s each on %d %ss: some share one (bound "
                    "as asked; --bind-to none lets the kernel spread them)\n",
                    nprocs, o->pe, unit, o->pe > 1 ? "s" : "", room, unit);
    }
    hwloc_bitmap_t pl = hwloc_bitmap_alloc(), set = hwloc_bitmap_alloc();
    char what[160], map[512], cpus[256];
    int rc = 0;
    int *order = rank_order(o, nprocs); /* --rank-by an object; freed below */
    for (int i = 0; i < nall && rc == 0; i++) {
        struct lark_proc *p = &all[i];
        if (p->node != node)
            continue;
        if (b == LARK_BIND_NONE) {
            p->bound = false;
            hwloc_bitmap_copy(set, hwloc_topology_get_allowed_cpuset(topo));
            hwloc_bitmap_list_snprintf(cpus, sizeof(cpus), set);
            rc = set_mask(p, set); /* to compare against, not applied */
            if (asprintf(&p->bind_report, "mpirun: rank %d on %s: not bound (cpus %s)\n", p->rank,
                         host, cpus) < 0)
                rc = -1;
            continue;
        }
        int lr = p->local_rank >= 0 && p->local_rank < nprocs ? p->local_rank : 0;
        place(o, order ? order[lr] : p->local_rank, pl);
        hwloc_bitmap_zero(set);
        bool on_pus = o->map_by == LARK_MAP_HWTHREAD ||
                      (o->map_by == LARK_MAP_PPR && o->ppr_obj == LARK_MAP_HWTHREAD);
        if (b == LARK_BIND_CORE || (b == LARK_BIND_HWTHREAD && on_pus)) {
            hwloc_bitmap_copy(set, pl);
        } else if (b == LARK_BIND_HWTHREAD) {
            /* The first hwthread of each placed core. */
            int n = hwloc_get_nbobjs_inside_cpuset_by_type(topo, pl, HWLOC_OBJ_CORE);
            for (int j = 0; j < n; j++) {
                hwloc_obj_t c = hwloc_get_obj_inside_cpuset_by_type(topo, pl, HWLOC_OBJ_CORE, j);
                hwloc_bitmap_set(set, (unsigned)hwloc_bitmap_first(c->cpuset));
            }
            if (n == 0)
                hwloc_bitmap_copy(set, pl);
        } else {
            hwloc_obj_type_t t = b == LARK_BIND_SOCKET ? HWLOC_OBJ_PACKAGE : HWLOC_OBJ_NUMANODE;
            int n = hwloc_get_nbobjs_by_type(topo, t);
            for (int j = 0; j < n; j++) {
                hwloc_obj_t d = hwloc_get_obj_by_type(topo, t, j);
                if (hwloc_bitmap_intersects(d->cpuset, pl))
                    hwloc_bitmap_or(set, set, d->cpuset);
            }
            if (hwloc_bitmap_iszero(set))
                hwloc_bitmap_copy(set, pl);
        }
        hwloc_bitmap_and(set, set, hwloc_topology_get_allowed_cpuset(topo));
        p->bound = true;
        rc = set_mask(p, set);
        describe(set, b, what, sizeof(what));
        draw_map(set, map, sizeof(map));
        hwloc_bitmap_list_snprintf(cpus, sizeof(cpus), set);
        if (rc == 0 &&
            asprintf(&p->bind_report, "mpirun: rank %d on %s: bound to %s (cpus %s): %s\n", p->rank,
                     host, what, cpus, map) < 0)
            rc = -1;
    }
    hwloc_bitmap_free(pl);
    hwloc_bitmap_free(set);
    free(order);
    if (rc < 0)
        return lark_launcher_fail(err, errlen, "mpirun: cannot compute the binding of the ranks");
    return 0;
}

void lark_bind_apply(const struct lark_proc *p, bool report, int fd)
{
    if (!p->cpuset)
        return;
    if (p->bound)
        sched_setaffinity(0, p->cpuset_size, p->cpuset);
    if (!report || !p->bind_report)
        return;
    /* Read the mask back: report only what is really in force. */
    char buf[CPU_ALLOC_SIZE(8192)];
    size_t sz = p->cpuset_size < sizeof(buf) ? p->cpuset_size : sizeof(buf);
    memset(buf, 0, sizeof(buf));
    if (sched_getaffinity(0, sz, (cpu_set_t *)buf) == 0 &&
        CPU_EQUAL_S(sz, (cpu_set_t *)buf, (cpu_set_t *)p->cpuset)) {
        lark_write_all(fd, p->bind_report, strlen(p->bind_report));
    } else {
        static const char msg[] = "mpirun: a rank's binding differs from the one computed "
                                  "(the cpuset changed under mpirun?)\n";
        lark_write_all(fd, msg, sizeof(msg) - 1);
    }
}

/*
 * hwres.c -- hardware resources of this process through hwloc (hwres.h).
 */
#include <hwloc.h>
#include <strings.h>

#include "hwres.h"

const char *const lark_hwres_types[] = {"Package", "NUMANode", "L3Cache", "L2Cache",
                                        "L1Cache", "Core",     "PU",      NULL};

static hwloc_topology_t topo;
static hwloc_cpuset_t bound; /* this process's allowed CPUs */
static int loaded;           /* 0 not tried, 1 loaded, -1 failed */

static int load(void)
{
    if (loaded != 0)
        return loaded;
    loaded = -1;
    if (hwloc_topology_init(&topo) != 0)
        return loaded;
    if (hwloc_topology_load(topo) != 0) {
        hwloc_topology_destroy(topo);
        return loaded;
    }
    bound = hwloc_bitmap_alloc();
    if (bound == NULL || hwloc_get_cpubind(topo, bound, HWLOC_CPUBIND_PROCESS) != 0) {
        hwloc_bitmap_free(bound);
        bound = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(topo));
    }
    loaded = bound != NULL ? 1 : -1;
    return loaded;
}

static int type_of(const char *name, hwloc_obj_type_t *type)
{
    for (int i = 0; lark_hwres_types[i] != NULL; i++)
        if (strcasecmp(name, lark_hwres_types[i]) == 0)
            return hwloc_type_sscanf(lark_hwres_types[i], type, NULL, 0);
    return -1;
}

int lark_hwres_index(const char *name)
{
    hwloc_obj_type_t type;
    if (type_of(name, &type) != 0 || load() != 1)
        return -2;
    int n = hwloc_get_nbobjs_by_type(topo, type);
    if (n <= 0)
        return -2;
    for (int i = 0; i < n; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(topo, type, (unsigned)i);
        if (o != NULL && o->cpuset != NULL && hwloc_bitmap_isincluded(bound, o->cpuset))
            return i;
    }
    return -1;
}

int lark_hwres_count(const char *name)
{
    hwloc_obj_type_t type;
    if (type_of(name, &type) != 0 || load() != 1)
        return 0;
    int n = hwloc_get_nbobjs_by_type(topo, type);
    return n > 0 ? n : 0;
}

void lark_hwres_finalize(void)
{
    if (loaded == 1) {
        hwloc_bitmap_free(bound);
        hwloc_topology_destroy(topo);
    }
    loaded = 0;
}

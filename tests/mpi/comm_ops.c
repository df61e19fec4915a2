/*
 * comm_ops.c -- communicator constructors and queries beyond dup/split:
 * MPI_Comm_split_type (SHARED, HW_GUIDED at every hwloc level, HW_UNGUIDED,
 * UNDEFINED),
 * MPI_Comm_create over overlapping subgroups, MPI_Comm_create_group with
 * only the members calling, dup_with_info / idup / set_info / get_info,
 * compare and test_inter, the group algebra through the MPI calls
 * (range_excl too), and
 * the error classes of bad arguments.  Each new communicator is checked
 * with an allreduce of its ranks.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sched_getaffinity, sched_getcpu */
#endif
#include <hwloc.h>
#include <mpi.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int wrank, wsize;
#define TEST_NAME "comm_ops"
#include "check.h"

/* The communicator works: an allreduce of ranks gives n(n-1)/2. */
static void works(MPI_Comm c, const char *what)
{
    int r, n, sum = -1;
    MPI_Comm_rank(c, &r);
    MPI_Comm_size(c, &n);
    MPI_Allreduce(&r, &sum, 1, MPI_INT, MPI_SUM, c);
    CHECK(sum == n * (n - 1) / 2, "%s: allreduce gave %d (size %d)", what, sum, n);
}

static int error_class(int rc)
{
    int cls;
    MPI_Error_class(rc, &cls);
    return cls;
}

static void split_types(void)
{
    MPI_Comm node, c;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, wrank, MPI_INFO_NULL, &node);
    int ns;
    MPI_Comm_size(node, &ns);
    CHECK(ns >= 1 && ns <= wsize, "node size %d", ns);
    works(node, "shared");
    /* One host here: every rank shares it. */
    CHECK(ns == wsize, "the node communicator has %d of %d ranks", ns, wsize);

    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_UNDEFINED, 0, MPI_INFO_NULL, &c);
    CHECK(c == MPI_COMM_NULL, "MPI_UNDEFINED gave a communicator");

#if MPI_VERSION >= 4 /* Open MPI 4.1 lacks the hardware split types */
    MPI_Info info;
    MPI_Info_create(&info);
    MPI_Info_set(info, "mpi_hw_resource_type", "mpi_shared_memory");
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, 0, info, &c);
    CHECK(c != MPI_COMM_NULL, "HW_GUIDED mpi_shared_memory gave MPI_COMM_NULL");
    int result;
    MPI_Comm_compare(c, node, &result);
    CHECK(result == MPI_CONGRUENT, "HW_GUIDED shared vs SHARED: %d", result);
    MPI_Comm_free(&c);
    MPI_Info_set(info, "mpi_hw_resource_type", "no-such-resource");
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, 0, info, &c);
    CHECK(c == MPI_COMM_NULL, "an unknown resource gave a communicator");

    /* Each hwloc level: MPI_COMM_NULL where this process spans several
     * objects of the kind (and then at every finer level too), else the
     * ranks sharing its object: nested in the coarser level's, and named
     * in the new communicator's info.  A process bound to one CPU shares
     * its PU with no rank running elsewhere. */
    static const char *const levels[] = {"Package", "NUMANode", "L3Cache", "L2Cache",
                                         "L1Cache", "Core",     "PU"};
    /* A level this machine's topology lacks (no L3 on some CPUs, no cache
     * levels at all under valgrind's CPUID) gives MPI_COMM_NULL too, but
     * says nothing about the finer levels: ask hwloc which exist. */
    hwloc_topology_t topo;
    CHECK(hwloc_topology_init(&topo) == 0 && hwloc_topology_load(topo) == 0,
          "hwloc could not load the topology");
    MPI_Comm coarser = MPI_COMM_NULL;
    MPI_Comm_dup(node, &coarser);
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        MPI_Info_set(info, "mpi_hw_resource_type", levels[l]);
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, wrank, info, &c);
        hwloc_obj_type_t type;
        CHECK(hwloc_type_sscanf(levels[l], &type, NULL, 0) == 0, "hwloc does not know %s",
              levels[l]);
        if (hwloc_get_nbobjs_by_type(topo, type) == 0) {
            CHECK(c == MPI_COMM_NULL, "%s: a communicator for a level hwloc does not see",
                  levels[l]);
            continue;
        }
        if (coarser == MPI_COMM_NULL)
            CHECK(c == MPI_COMM_NULL, "%s: a communicator below a level that gave none", levels[l]);
        if (c == MPI_COMM_NULL) {
            if (coarser != MPI_COMM_NULL)
                MPI_Comm_free(&coarser);
            continue;
        }
        MPI_Group gc, gp, gi;
        MPI_Comm_group(c, &gc);
        MPI_Comm_group(coarser, &gp);
        MPI_Group_intersection(gc, gp, &gi);
        MPI_Group_compare(gi, gc, &result);
        CHECK(result == MPI_IDENT, "%s: not within the coarser level", levels[l]);
        MPI_Group_free(&gc);
        MPI_Group_free(&gp);
        MPI_Group_free(&gi);
        works(c, levels[l]);
        MPI_Info used;
        char v[MPI_MAX_INFO_VAL];
        int flag;
        MPI_Comm_get_info(c, &used);
        MPI_Info_get(used, "mpi_hw_resource_type", sizeof v - 1, v, &flag);
        CHECK(flag && strcmp(v, levels[l]) == 0, "%s: the info says %s", levels[l],
              flag ? v : "nothing");
        MPI_Info_free(&used);
#ifdef __linux__
        cpu_set_t mask;
        if (strcmp(levels[l], "PU") == 0 && sched_getaffinity(0, sizeof mask, &mask) == 0 &&
            CPU_COUNT(&mask) == 1) {
            int cpu = sched_getcpu(), lo, hi;
            MPI_Allreduce(&cpu, &lo, 1, MPI_INT, MPI_MIN, c);
            MPI_Allreduce(&cpu, &hi, 1, MPI_INT, MPI_MAX, c);
            CHECK(lo == hi, "PU communicator spans CPUs %d..%d", lo, hi);
        }
#endif
        MPI_Comm_free(&coarser);
        coarser = c;
    }
    if (coarser != MPI_COMM_NULL)
        MPI_Comm_free(&coarser);
    hwloc_topology_destroy(topo);
    MPI_Info_free(&info);

    /* Unguided: a strict subset of the parent, or MPI_COMM_NULL. */
    MPI_Comm_split_type(node, MPI_COMM_TYPE_HW_UNGUIDED, 0, MPI_INFO_NULL, &c);
    if (c != MPI_COMM_NULL) {
        int cs;
        MPI_Comm_size(c, &cs);
        CHECK(cs < ns, "HW_UNGUIDED made %d of %d ranks", cs, ns);
        works(c, "unguided");
        MPI_Info used;
        char v[MPI_MAX_INFO_VAL];
        int flag;
        MPI_Comm_get_info(c, &used);
        MPI_Info_get(used, "mpi_hw_resource_type", sizeof v - 1, v, &flag);
        CHECK(flag, "HW_UNGUIDED did not say which resource");
        MPI_Info_free(&used);
        MPI_Comm_free(&c);
    }
#endif
    int rc = MPI_Comm_split_type(MPI_COMM_WORLD, 12345, 0, MPI_INFO_NULL, &c);
    CHECK(error_class(rc) == MPI_ERR_ARG, "bad split_type: class %d", error_class(rc));
    MPI_Comm_free(&node);
}

static void creates(void)
{
    MPI_Group world, evens, low, g;
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    int range[1][3] = {{0, wsize - 1, 2}};
    MPI_Group_range_incl(world, 1, range, &evens);
    int nlow = (wsize + 1) / 2, lows[16];
    for (int i = 0; i < nlow; i++)
        lows[i] = i;
    MPI_Group_incl(world, nlow, lows, &low);

    /* Two overlapping subgroups in a row; non-members get MPI_COMM_NULL. */
    MPI_Comm ce, cl;
    MPI_Comm_create(MPI_COMM_WORLD, evens, &ce);
    MPI_Comm_create(MPI_COMM_WORLD, low, &cl);
    CHECK((ce != MPI_COMM_NULL) == (wrank % 2 == 0), "evens membership");
    CHECK((cl != MPI_COMM_NULL) == (wrank < nlow), "low membership");
    if (ce != MPI_COMM_NULL) {
        int r;
        MPI_Comm_rank(ce, &r);
        CHECK(r == wrank / 2, "rank in evens %d", r);
        works(ce, "create evens");
        MPI_Comm_free(&ce);
    }
    if (cl != MPI_COMM_NULL) {
        works(cl, "create low");
        MPI_Comm_free(&cl);
    }

    /* create_group: only members call; two disjoint groups at once. */
    MPI_Group odds;
    MPI_Group_difference(world, evens, &odds);
    MPI_Comm cg;
    MPI_Comm_create_group(MPI_COMM_WORLD, wrank % 2 ? odds : evens, 7 + wrank % 2, &cg);
    works(cg, "create_group");
    MPI_Group cgg;
    MPI_Comm_group(cg, &cgg);
    int result;
    MPI_Group_compare(cgg, wrank % 2 ? odds : evens, &result);
    CHECK(result == MPI_IDENT, "create_group's group compares %d", result);
    MPI_Group_free(&cgg);
    MPI_Comm_free(&cg);

    /* Group algebra through the API. */
    MPI_Group_union(odds, evens, &g);
    MPI_Group_compare(g, world, &result);
    CHECK(result == (wsize > 1 ? MPI_SIMILAR : MPI_IDENT), "odds+evens vs world: %d", result);
    MPI_Group_free(&g);
    MPI_Group_intersection(odds, evens, &g);
    int n;
    MPI_Group_size(g, &n);
    CHECK(n == 0, "odds and evens intersect (%d)", n);
    MPI_Group_compare(g, MPI_GROUP_EMPTY, &result);
    CHECK(result == MPI_IDENT, "empty intersection vs MPI_GROUP_EMPTY: %d", result);
    MPI_Group_free(&g);
    int rk;
    MPI_Group_rank(MPI_GROUP_EMPTY, &rk);
    CHECK(rk == MPI_UNDEFINED, "rank in the empty group %d", rk);
    int evens_range[1][3] = {{0, wsize - 1, 2}};
    MPI_Group_range_excl(world, 1, evens_range, &g);
    MPI_Group_compare(g, odds, &result);
    CHECK(result == MPI_IDENT, "range_excl of the evens vs odds: %d", result);
    MPI_Group_free(&g);
    int rev[1][3] = {{wsize - 1, 0, -3}};
    MPI_Group_range_excl(world, 1, rev, &g);
    MPI_Group_size(g, &n);
    CHECK(n == wsize - (wsize + 2) / 3, "range_excl of a negative stride left %d", n);
    MPI_Group_free(&g);
    MPI_Group_excl(world, 1, (int[]){0}, &g);
    MPI_Group_size(g, &n);
    CHECK(n == wsize - 1, "excl size %d", n);
    int tr = -5, zero = 0;
    MPI_Group_translate_ranks(world, 1, &zero, g, &tr);
    CHECK(tr == MPI_UNDEFINED, "translate of an excluded rank %d", tr);
    MPI_Group_free(&g);

    /* Bad arguments (Open MPI 4.1 does not check repeated ranks). */
    int rc;
#ifndef OPEN_MPI
    rc = MPI_Group_incl(world, 2, (int[]){0, 0}, &g);
    CHECK(error_class(rc) == MPI_ERR_RANK, "repeated rank: class %d", error_class(rc));
#endif
    rc = MPI_Group_incl(world, 1, (int[]){wsize}, &g);
    CHECK(error_class(rc) == MPI_ERR_RANK, "rank out of range: class %d", error_class(rc));
    rc = MPI_Group_size(MPI_GROUP_NULL, &n);
    CHECK(error_class(rc) == MPI_ERR_GROUP, "MPI_GROUP_NULL: class %d", error_class(rc));
#ifndef OPEN_MPI /* Open MPI 4.1 accepts MPI_GROUP_NULL here */
    rc = MPI_Comm_create_group(MPI_COMM_WORLD, MPI_GROUP_NULL, 0, &cg);
    CHECK(error_class(rc) == MPI_ERR_GROUP, "create_group NULL: class %d", error_class(rc));
#endif

    MPI_Group_free(&odds);
    MPI_Group_free(&evens);
    MPI_Group_free(&low);
    MPI_Group_free(&world);
    CHECK(world == MPI_GROUP_NULL, "Group_free did not reset the handle");
}

static void dups(void)
{
    MPI_Info info, used;
    char v[64];
    int flag;
    MPI_Info_create(&info);
    MPI_Info_set(info, "lark_test_hint", "42");
    MPI_Comm a, b, c;
    MPI_Comm_dup_with_info(MPI_COMM_WORLD, info, &a);
    MPI_Info_free(&info);
    MPI_Comm_get_info(a, &used);
    MPI_Info_get(used, "lark_test_hint", sizeof v - 1, v, &flag);
    MPI_Info_free(&used);
    CHECK(flag && strcmp(v, "42") == 0, "dup_with_info lost its hint");
    works(a, "dup_with_info");
    /* Comm_set_info adds hints; those already set stay. */
    MPI_Info_create(&info);
    MPI_Info_set(info, "lark_other_hint", "yes");
    MPI_Comm_set_info(a, info);
    MPI_Info_free(&info);
    MPI_Comm_get_info(a, &used);
    MPI_Info_get(used, "lark_other_hint", sizeof v - 1, v, &flag);
    CHECK(flag && strcmp(v, "yes") == 0, "Comm_set_info's hint is not there");
    MPI_Info_get(used, "lark_test_hint", sizeof v - 1, v, &flag);
    CHECK(flag && strcmp(v, "42") == 0, "Comm_set_info dropped an earlier hint");
    MPI_Info_free(&used);

    MPI_Request req;
    MPI_Comm_idup(a, &b, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    CHECK(req == MPI_REQUEST_NULL, "idup's request not freed by the wait");
    works(b, "idup");
    int result, inter;
    MPI_Comm_compare(a, b, &result);
    CHECK(result == MPI_CONGRUENT, "idup compares %d", result);
    MPI_Comm_test_inter(b, &inter);
    CHECK(!inter, "an intracommunicator tests as inter");

    MPI_Comm_split(MPI_COMM_WORLD, 0, -wrank, &c); /* reversed */
    MPI_Comm_compare(c, MPI_COMM_WORLD, &result);
    CHECK(result == (wsize > 1 ? MPI_SIMILAR : MPI_CONGRUENT), "reversed split compares %d",
          result);
    int rc;
#ifndef OPEN_MPI /* Open MPI 4.1 answers */
    rc = MPI_Comm_remote_size(c, &flag);
    CHECK(error_class(rc) == MPI_ERR_COMM, "remote_size of an intracomm: class %d",
          error_class(rc));
#endif
    MPI_Comm_free(&c);
    MPI_Comm_free(&b);
    MPI_Comm_free(&a);
    rc = MPI_Comm_free(&a);
    CHECK(error_class(rc) == MPI_ERR_COMM, "freeing MPI_COMM_NULL: class %d", error_class(rc));
}

/* MPI_Comm_disconnect: of a duplicate after traffic (a buffered send
 * included), of an intercommunicator; refused for the predefined ones. */
static void disconnects(void)
{
    MPI_Comm d, half, inter;
    MPI_Comm_dup(MPI_COMM_WORLD, &d);
    int right = (wrank + 1) % wsize, left = (wrank + wsize - 1) % wsize, got = -1;
    static char bbuf[1024];
    MPI_Buffer_attach(bbuf, sizeof bbuf);
    MPI_Bsend(&wrank, 1, MPI_INT, right, 7, d);
    MPI_Recv(&got, 1, MPI_INT, left, 7, d, MPI_STATUS_IGNORE);
    CHECK(got == left, "before disconnect: got %d from %d", got, left);
    CHECK(MPI_Comm_disconnect(&d) == MPI_SUCCESS, "disconnect of a duplicate failed");
    CHECK(d == MPI_COMM_NULL, "disconnect did not set the handle to MPI_COMM_NULL");
    void *b;
    int bsize;
    MPI_Buffer_detach(&b, &bsize);
    if (wsize > 1) {
        MPI_Comm_split(MPI_COMM_WORLD, wrank % 2, wrank, &half);
        MPI_Intercomm_create(half, 0, MPI_COMM_WORLD, wrank % 2 ? 0 : 1, 5, &inter);
        works(half, "a half before its intercommunicator is disconnected");
        CHECK(MPI_Comm_disconnect(&inter) == MPI_SUCCESS && inter == MPI_COMM_NULL,
              "disconnect of an intercommunicator");
        MPI_Comm_free(&half);
    }
    MPI_Comm w = MPI_COMM_WORLD;
    int rc = MPI_Comm_disconnect(&w);
    CHECK(error_class(rc) == MPI_ERR_COMM && w == MPI_COMM_WORLD,
          "disconnect of MPI_COMM_WORLD: class %d", error_class(rc));
    rc = MPI_Comm_disconnect(NULL);
    CHECK(error_class(rc) == MPI_ERR_ARG, "disconnect of NULL: class %d", error_class(rc));
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &wsize);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    for (int i = 0; i < 20; i++) {
        split_types();
        creates();
        dups();
    }
    disconnects();
    MPI_Finalize();
    return 0;
}

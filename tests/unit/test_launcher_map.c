/* Unit tests of the rank table (launcher/map.c): ranks of MPMD apps in
 * order with their app numbers, slots from --host, the oversubscription
 * rule and its message, PE=n, --npernode, and ranks over several nodes
 * (by slot, by node, -N, oversubscribed, nodes without ranks dropped),
 * --rank-by, ppr with each host's own counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "launcher.h"

static struct lark_options o;
static struct lark_map m = {.me = -1};
#define procs  (m.procs)
#define nprocs (m.nprocs)
static char err[LARK_ERRLEN];

static int parse_and_map(const char *first, ...)
{
    static char *argv[64];
    int argc = 0;
    argv[argc++] = "mpirun";
    va_list ap;
    va_start(ap, first);
    for (const char *w = first; w; w = va_arg(ap, const char *))
        argv[argc++] = (char *)w;
    va_end(ap);
    argv[argc] = NULL;
    lark_options_free(&o);
    lark_map_free(&m);
    err[0] = 0;
    if (lark_options_parse(argc, argv, &o, err, sizeof(err)) < 0)
        fail_msg("parse failed: %s", err);
    return lark_map_ranks(&o, &m, err, sizeof(err));
}

static void expect_error(const char *text)
{
    if (!strstr(err, text))
        fail_msg("message '%s' lacks '%s'", err, text);
}

static int teardown(void **state)
{
    (void)state;
    lark_options_free(&o);
    lark_map_free(&m);
    return 0;
}

static void test_launcher_map_mpmd_ranks_in_order(void **state)
{
    (void)state;
    assert_int_equal(
        parse_and_map("--host", "localhost:8", "-n", "2", "a", ":", "-n", "3", "b", NULL), 0);
    assert_int_equal(nprocs, 5);
    for (int r = 0; r < 5; r++) {
        assert_int_equal(procs[r].rank, r);
        assert_int_equal(procs[r].local_rank, r);
        assert_int_equal(procs[r].app, r < 2 ? 0 : 1);
        assert_int_equal(procs[r].app_rank, r < 2 ? r : r - 2);
        assert_int_equal(procs[r].fd_out, -1);
    }
}

static void test_launcher_map_slots_and_oversubscription(void **state)
{
    (void)state;
    assert_int_equal(parse_and_map("--host", "localhost:2,127.0.0.1:2", "-n", "4", "a", NULL), 0);
    assert_int_equal(nprocs, 4);
    assert_int_equal(parse_and_map("--host", "localhost:4", "-n", "5", "a", NULL), -1);
    expect_error("5 ranks requested but only 4 slots");
    expect_error("--oversubscribe");
    assert_int_equal(
        parse_and_map("--host", "localhost:4", "-n", "5", "--oversubscribe", "a", NULL), 0);
    assert_int_equal(nprocs, 5);
    assert_int_equal(parse_and_map("--host", "localhost:3", "a", NULL), 0);
    assert_int_equal(nprocs, 3); /* no -n: fill the slots */
}

static void test_launcher_map_pe_takes_slots(void **state)
{
    (void)state;
    assert_int_equal(
        parse_and_map("--host", "localhost:4", "--map-by", "core:PE=2", "-n", "2", "a", NULL), 0);
    assert_int_equal(
        parse_and_map("--host", "localhost:4", "--map-by", "core:PE=2", "-n", "3", "a", NULL), -1);
    expect_error("need 6 slots");
}

static void test_launcher_map_npernode(void **state)
{
    (void)state;
    assert_int_equal(parse_and_map("--host", "localhost:8", "-N", "3", "a", NULL), 0);
    assert_int_equal(nprocs, 3);
    assert_int_equal(parse_and_map("--host", "localhost:8", "-N", "3", "-n", "4", "a", NULL), -1);
    expect_error("per node");
}

/* The node of each rank, as a string of digits. */
static const char *nodes_of_ranks(void)
{
    static char buf[128];
    int k = 0;
    for (int r = 0; r < nprocs && k < 127; r++)
        buf[k++] = (char)('0' + procs[r].node);
    buf[k] = 0;
    return buf;
}

static void test_launcher_map_several_nodes(void **state)
{
    (void)state;
    /* By slot: each node's slots filled in turn; local ranks count per node. */
    assert_int_equal(parse_and_map("--host", "h1:2,h2:2,h3:2", "-n", "5", "a", NULL), 0);
    assert_string_equal(nodes_of_ranks(), "00112");
    assert_int_equal(m.nnodes, 3);
    assert_string_equal(m.nodes[1], "h2");
    assert_int_equal(m.node_size[2], 1);
    assert_int_equal(procs[3].local_rank, 1);
    assert_int_equal(procs[4].local_rank, 0);
    assert_int_equal(m.me, -1); /* this machine runs no rank */
    /* By node: round-robin. */
    assert_int_equal(parse_and_map("--host", "h1:2,h2:2", "--map-by", "node", "-n", "4", "a", NULL),
                     0);
    assert_string_equal(nodes_of_ranks(), "0101");
    /* -N: that many on each node in turn. */
    assert_int_equal(parse_and_map("--host", "h1:4,h2:4", "-N", "2", "a", NULL), 0);
    assert_string_equal(nodes_of_ranks(), "0011");
    /* Oversubscribed: the rest dealt round-robin. */
    assert_int_equal(parse_and_map("--host", "h1,h2", "--oversubscribe", "-n", "5", "a", NULL), 0);
    assert_string_equal(nodes_of_ranks(), "01010");
    /* Nodes without ranks are dropped; every mention of this machine is one node. */
    assert_int_equal(parse_and_map("--host", "localhost,h1:2,127.0.0.1,h2", "-n", "3", "a", NULL),
                     0);
    assert_int_equal(m.nnodes, 2);
    assert_int_equal(m.me, 0);
    assert_string_equal(nodes_of_ranks(), "001");
    assert_string_equal(m.nodes[1], "h1");
    /* MPMD continues where the previous app stopped. */
    assert_int_equal(
        parse_and_map("--host", "h1:1,h2:2", "-n", "2", "a", ":", "-n", "1", "b", NULL), 0);
    assert_string_equal(nodes_of_ranks(), "011");
    assert_int_equal(parse_and_map("--host", "h1:1,h2:1", "-n", "3", "a", NULL), -1);
    expect_error("3 ranks requested but only 2 slots");
}

static void test_launcher_map_rank_by_node(void **state)
{
    (void)state;
    /* The places of --map-by slot (two on each node), numbered round-robin. */
    assert_int_equal(
        parse_and_map("--host", "h1:2,h2:2", "--rank-by", "node", "-n", "4", "a", NULL), 0);
    assert_string_equal(nodes_of_ranks(), "0101");
    assert_int_equal(procs[2].local_rank, 1);
    assert_int_equal(m.node_size[0], 2);
    /* Uneven: h1 has three, h2 one; the round-robin skips a full node. */
    assert_int_equal(
        parse_and_map("--host", "h1:3,h2:1", "--rank-by", "node:span", "-n", "4", "a", NULL), 0);
    assert_string_equal(nodes_of_ranks(), "0100");
    /* Per application context: b's ranks are numbered among themselves. */
    assert_int_equal(parse_and_map("--host", "h1:3,h2:3", "--rank-by", "node", "-n", "1", "a", ":",
                                   "-n", "4", "b", NULL),
                     0);
    assert_string_equal(nodes_of_ranks(), "00101");
    assert_int_equal(procs[3].app_rank, 2);
    /* slot keeps the mapping order; objects smaller than a node number
     * node by node (their order inside a node is the node agent's:
     * bind.c), as Open MPI does: --map-by node puts ranks 0 and 1 on h1. */
    assert_int_equal(
        parse_and_map("--host", "h1:2,h2:2", "--rank-by", "core", "-n", "4", "a", NULL), 0);
    assert_string_equal(nodes_of_ranks(), "0011");
    assert_int_equal(parse_and_map("--host", "h1:2,h2:2", "--map-by", "node", "--rank-by", "slot",
                                   "-n", "4", "a", NULL),
                     0);
    assert_string_equal(nodes_of_ranks(), "0101");
    assert_int_equal(parse_and_map("--host", "h1:2,h2:2", "--map-by", "node", "--rank-by", "socket",
                                   "-n", "4", "a", NULL),
                     0);
    assert_string_equal(nodes_of_ranks(), "0011");
    assert_int_equal(procs[1].local_rank, 1);
    assert_int_equal(procs[2].local_rank, 0);
    assert_int_equal(o.rank_by, LARK_MAP_SOCKET);
    /* Oversubscribed (dealt round-robin past the slots), per app. */
    assert_int_equal(parse_and_map("--host", "h1:1,h2:1", "--oversubscribe", "--rank-by", "numa",
                                   "-n", "3", "a", ":", "-n", "2", "b", NULL),
                     0);
    assert_string_equal(nodes_of_ranks(), "00101");
    assert_int_equal(parse_and_map("--host", "h1:1", "--rank-by", "hwthread:span", "a", NULL), 0);
    assert_int_equal(o.rank_by, LARK_MAP_HWTHREAD);
    lark_options_free(&o);
    static char *bad[] = {"mpirun", "--rank-by", "board", "a", NULL};
    assert_int_equal(lark_options_parse(4, bad, &o, err, sizeof(err)), -1);
    expect_error("bad --rank-by value 'board'");
}

static void test_launcher_map_ppr_with_each_hosts_counts(void **state)
{
    (void)state;
    /* ppr:1:socket with h1 one package and h2 two, as their hosts said
     * (probe.c): one rank on h1, two on h2; more is refused. */
    static char *argv[] = {"mpirun", "--host", "h1:4,h2:4", "--map-by", "ppr:1:socket", "a", NULL};
    lark_options_free(&o);
    lark_map_free(&m);
    assert_int_equal(lark_options_parse(6, argv, &o, err, sizeof(err)), 0);
    o.topos = calloc(2, sizeof(*o.topos));
    assert_non_null(o.topos);
    o.topos[0] = (struct lark_topo){.name = strdup("h1"), .count = {1, 1, 2, 2}};
    o.topos[1] = (struct lark_topo){.name = strdup("h2"), .count = {2, 2, 8, 16}};
    o.ntopos = 2;
    assert_int_equal(lark_map_ranks(&o, &m, err, sizeof(err)), 0);
    assert_string_equal(nodes_of_ranks(), "011");
    assert_int_equal(procs[2].local_rank, 1);
    o.apps[0].np = 4;
    lark_map_free(&m);
    assert_int_equal(lark_map_ranks(&o, &m, err, sizeof(err)), -1);
    expect_error("places only 3 on the hosts given");
    /* ppr:1:numa, -n 2: h1's one, then h2's first. */
    o.ppr_obj = LARK_MAP_NUMA;
    o.apps[0].np = 2;
    assert_int_equal(lark_map_ranks(&o, &m, err, sizeof(err)), 0);
    assert_string_equal(nodes_of_ranks(), "01");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_launcher_map_mpmd_ranks_in_order, teardown),
        cmocka_unit_test_teardown(test_launcher_map_slots_and_oversubscription, teardown),
        cmocka_unit_test_teardown(test_launcher_map_pe_takes_slots, teardown),
        cmocka_unit_test_teardown(test_launcher_map_npernode, teardown),
        cmocka_unit_test_teardown(test_launcher_map_several_nodes, teardown),
        cmocka_unit_test_teardown(test_launcher_map_rank_by_node, teardown),
        cmocka_unit_test_teardown(test_launcher_map_ppr_with_each_hosts_counts, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

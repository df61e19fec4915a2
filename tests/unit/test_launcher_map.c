/* Unit tests of the rank table (launcher/map.c): ranks of MPMD apps in
 * order with their app numbers, slots from --host, the oversubscription
 * rule and its message, PE=n, --npernode, and other hosts refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "launcher.h"

static struct lark_options o;
static struct lark_proc *procs;
static int nprocs;
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
    free(procs);
    procs = NULL;
    nprocs = 0;
    err[0] = 0;
    if (lark_options_parse(argc, argv, &o, err, sizeof(err)) < 0)
        fail_msg("parse failed: %s", err);
    return lark_map_ranks(&o, &procs, &nprocs, err, sizeof(err));
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
    free(procs);
    procs = NULL;
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

static void test_launcher_map_remote_hosts_refused(void **state)
{
    (void)state;
    assert_int_equal(parse_and_map("--host", "localhost,far-away-node", "-n", "1", "a", NULL), -1);
    expect_error("far-away-node");
    expect_error("not supported yet");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_launcher_map_mpmd_ranks_in_order, teardown),
        cmocka_unit_test_teardown(test_launcher_map_slots_and_oversubscription, teardown),
        cmocka_unit_test_teardown(test_launcher_map_pe_takes_slots, teardown),
        cmocka_unit_test_teardown(test_launcher_map_npernode, teardown),
        cmocka_unit_test_teardown(test_launcher_map_remote_hosts_refused, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of mpirun's command-line parsing (launcher/options.c): Open MPI
 * and MPICH spellings, MPMD, and malformed input whose message must name the
 * bad token. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "launcher.h"

static struct lark_options o;
static char err[LARK_ERRLEN];

/* Parse a NULL-terminated list of words (argv[0] is added). */
static int parse(const char *first, ...)
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
    err[0] = 0;
    return lark_options_parse(argc, argv, &o, err, sizeof(err));
}

static void expect_error(const char *token)
{
    if (!strstr(err, token))
        fail_msg("message '%s' does not name '%s'", err, token);
}

static int teardown(void **state)
{
    (void)state;
    lark_options_free(&o);
    unsetenv("MPIEXEC_TIMEOUT");
    unsetenv("LARK_SESSION_PER_RANK");
    return 0;
}

static void test_launcher_options_np_spellings(void **state)
{
    (void)state;
    assert_int_equal(parse("-n", "4", "prog", NULL), 0);
    assert_int_equal(o.napps, 1);
    assert_int_equal(o.apps[0].np, 4);
    assert_string_equal(o.apps[0].argv[0], "prog");
    assert_null(o.apps[0].argv[1]);
    assert_int_equal(parse("-np", "3", "prog", NULL), 0);
    assert_int_equal(o.apps[0].np, 3);
    assert_int_equal(parse("--np=5", "prog", NULL), 0);
    assert_int_equal(o.apps[0].np, 5);
    assert_int_equal(parse("-c", "2", "prog", NULL), 0);
    assert_int_equal(o.apps[0].np, 2);
    assert_int_equal(parse("--n", "7", "prog", NULL), 0);
    assert_int_equal(o.apps[0].np, 7);
}

static void test_launcher_options_program_args_are_not_options(void **state)
{
    (void)state;
    assert_int_equal(parse("-n", "2", "prog", "-n", "9", "--bogus", NULL), 0);
    assert_int_equal(o.apps[0].np, 2);
    assert_int_equal(o.apps[0].argc, 4);
    assert_string_equal(o.apps[0].argv[1], "-n");
    assert_string_equal(o.apps[0].argv[3], "--bogus");
    assert_int_equal(parse("-n", "1", "--", "-weird-name", NULL), 0);
    assert_string_equal(o.apps[0].argv[0], "-weird-name");
}

static void test_launcher_options_npernode_and_hosts(void **state)
{
    (void)state;
    assert_int_equal(parse("-N", "2", "prog", NULL), 0);
    assert_int_equal(o.npernode, 2);
    assert_int_equal(parse("--npernode", "3", "prog", NULL), 0);
    assert_int_equal(o.npernode, 3);
    assert_int_equal(parse("-ppn", "4", "prog", NULL), 0);
    assert_int_equal(o.npernode, 4);
    assert_int_equal(parse("--host", "localhost:4,localhost", "prog", NULL), 0);
    assert_int_equal(o.nhosts, 1);
    assert_int_equal(o.hosts[0].slots, 5);
    assert_int_equal(parse("-hosts", "a,b:2", "-H", "c", "prog", NULL), 0);
    assert_int_equal(o.nhosts, 3);
    assert_string_equal(o.hosts[1].name, "b");
    assert_int_equal(o.hosts[1].slots, 2);
    assert_int_equal(parse("-f", "hf", "prog", NULL), 0);
    assert_string_equal(o.hostfile, "hf");
    assert_int_equal(parse("--machinefile", "mf", "prog", NULL), 0);
    assert_string_equal(o.hostfile, "mf");
    assert_int_equal(parse("--hostfile=x", "prog", NULL), 0);
    assert_string_equal(o.hostfile, "x");
}

static void test_launcher_options_map_and_bind(void **state)
{
    (void)state;
    assert_int_equal(parse("--map-by", "socket", "--bind-to", "core", "prog", NULL), 0);
    assert_int_equal(o.map_by, LARK_MAP_SOCKET);
    assert_int_equal(o.bind_to, LARK_BIND_CORE);
    assert_int_equal(o.pe, 1);
    assert_int_equal(parse("--map-by", "core:PE=2", "prog", NULL), 0);
    assert_int_equal(o.map_by, LARK_MAP_CORE);
    assert_int_equal(o.pe, 2);
    assert_int_equal(parse("-map-by", "slot:pe=3,oversubscribe", "prog", NULL), 0);
    assert_int_equal(o.map_by, LARK_MAP_SLOT);
    assert_int_equal(o.pe, 3);
    assert_true(o.oversubscribe);
    assert_int_equal(parse("--map-by=numa", "-bind-to", "none", "prog", NULL), 0);
    assert_int_equal(o.map_by, LARK_MAP_NUMA);
    assert_int_equal(o.bind_to, LARK_BIND_NONE);
    assert_int_equal(parse("--map-by", "node", "--bind-to", "hwthread", "prog", NULL), 0);
    assert_int_equal(o.map_by, LARK_MAP_NODE);
    assert_int_equal(o.bind_to, LARK_BIND_HWTHREAD);
    assert_int_equal(parse("--bind-to", "socket", "--report-bindings", "prog", NULL), 0);
    assert_int_equal(o.bind_to, LARK_BIND_SOCKET);
    assert_true(o.report_bindings);
    assert_int_equal(parse("--map-by", "ppr:2:socket:PE=2", "prog", NULL), 0);
    assert_int_equal(o.map_by, LARK_MAP_PPR);
    assert_int_equal(o.ppr_obj, LARK_MAP_SOCKET);
    assert_int_equal(o.ppr_n, 2);
    assert_int_equal(o.pe, 2);
    assert_int_equal(parse("--map-by", "ppr:4:node", "prog", NULL), 0);
    assert_int_equal(o.npernode, 4);
    assert_int_equal(parse("--map-by", "ppr:1:numa", "prog", NULL), 0);
    assert_int_equal(o.ppr_obj, LARK_MAP_NUMA);
    assert_int_equal(parse("--map-by", "ppr:2:core", "prog", NULL), 0);
    assert_int_equal(o.map_by, LARK_MAP_PPR);
    assert_int_equal(o.ppr_obj, LARK_MAP_CORE);
    assert_int_equal(o.ppr_n, 2);
    assert_int_equal(parse("--map-by", "ppr:3:hwthread", "prog", NULL), 0);
    assert_int_equal(o.ppr_obj, LARK_MAP_HWTHREAD);
    assert_int_equal(o.ppr_n, 3);
    assert_int_equal(parse("--map-by", "ppr:0:node", "prog", NULL), -1);
    expect_error("ppr:0:node");
    assert_int_equal(parse("--map-by", "ppr:2:board", "prog", NULL), -1);
    expect_error("'board'");
    assert_int_equal(parse("--use-hwthread-cpus", "prog", NULL), 0);
    assert_int_equal(o.map_by, LARK_MAP_HWTHREAD);
    assert_int_equal(parse("--bind-to", "numa", "prog", NULL), 0);
    assert_int_equal(o.bind_to, LARK_BIND_NUMA);
}

static void test_launcher_options_environment(void **state)
{
    (void)state;
    setenv("LARK_TEST_FROM_ENV", "hello", 1);
    assert_int_equal(parse("-x", "A=1", "-x", "LARK_TEST_FROM_ENV", "-genv", "B", "two words", "-x",
                           "A=3", "-x", "LARK_TEST_UNSET_VAR", "prog", NULL),
                     0);
    assert_int_equal(o.nenv, 3);
    assert_string_equal(o.env[0], "A=3"); /* later setting wins */
    assert_string_equal(o.env[1], "LARK_TEST_FROM_ENV=hello");
    assert_string_equal(o.env[2], "B=two words");
    setenv("LARK_TEST_L1", "one", 1);
    assert_int_equal(parse("-genvlist", "LARK_TEST_L1,LARK_TEST_UNSET_VAR", "prog", NULL), 0);
    assert_int_equal(o.nenv, 1);
    assert_string_equal(o.env[0], "LARK_TEST_L1=one");
    assert_int_equal(parse("-genvlist", "OK,9bad", "prog", NULL), -1);
    expect_error("'9bad'");
    unsetenv("LARK_TEST_L1");
    assert_int_equal(parse("-n", "1", "-env", "C", "x", "a", ":", "-n", "1", "b", NULL), 0);
    assert_int_equal(o.apps[0].nenv, 1);
    assert_string_equal(o.apps[0].env[0], "C=x");
    assert_int_equal(o.apps[1].nenv, 0);
    unsetenv("LARK_TEST_FROM_ENV");
}

static void test_launcher_options_mpmd(void **state)
{
    (void)state;
    assert_int_equal(parse("-n", "1", "a", "x", ":", "-np", "3", "b", "y", "z", NULL), 0);
    assert_int_equal(o.napps, 2);
    assert_int_equal(o.apps[0].np, 1);
    assert_int_equal(o.apps[0].argc, 2);
    assert_string_equal(o.apps[1].argv[0], "b");
    assert_int_equal(o.apps[1].np, 3);
    assert_int_equal(o.apps[1].argc, 3);
    assert_int_equal(parse("-wdir", "/g", "-n", "1", "a", ":", "-n", "1", "-wdir", "/b", "b", NULL),
                     0);
    assert_string_equal(o.wdir, "/g");
    assert_null(o.apps[0].wdir);
    assert_string_equal(o.apps[1].wdir, "/b");
}

static void test_launcher_options_io_and_control(void **state)
{
    (void)state;
    assert_int_equal(parse("--tag-output", "--output-filename", "out:nocopy", "--stdin", "all",
                           "--timeout", "2.5", "--wdir", "/tmp", "--prefix", "/opt/lark", "prog",
                           NULL),
                     0);
    assert_true(o.tag_output);
    assert_string_equal(o.output_dir, "out");
    assert_true(o.output_nocopy);
    assert_int_equal(o.stdin_target, LARK_STDIN_ALL);
    assert_true(o.timeout > 2.4 && o.timeout < 2.6);
    assert_string_equal(o.wdir, "/tmp");
    assert_string_equal(o.prefix, "/opt/lark");
    assert_int_equal(parse("-l", "--stdin", "none", "prog", NULL), 0);
    assert_true(o.tag_output);
    assert_int_equal(o.stdin_target, LARK_STDIN_NONE);
    assert_int_equal(parse("prog", NULL), 0);
    assert_int_equal(o.stdin_target, 0); /* default: rank 0 */
    assert_false(o.tag_output);
    assert_int_equal(parse("--stdin", "3", "prog", NULL), 0);
    assert_int_equal(o.stdin_target, 3);
    setenv("MPIEXEC_TIMEOUT", "7", 1);
    assert_int_equal(parse("prog", NULL), 0);
    assert_true(o.timeout > 6.9 && o.timeout < 7.1);
    assert_int_equal(parse("--timeout", "3", "prog", NULL), 0); /* the option wins */
    assert_true(o.timeout > 2.9 && o.timeout < 3.1);
    unsetenv("MPIEXEC_TIMEOUT");
    assert_int_equal(parse("--version", NULL), 0);
    assert_true(o.version);
    assert_int_equal(parse("-h", NULL), 0);
    assert_true(o.help);
    assert_int_equal(parse("--allow-run-as-root", "-genvall", "prog", NULL), 0);
    assert_int_equal(parse("--mca", "btl", "self", "-n", "2", "prog", NULL), 0);
    assert_int_equal(o.apps[0].np, 2);
    assert_string_equal(o.apps[0].argv[0], "prog");
    assert_int_equal(parse("--mca", "btl", NULL), -1);
    expect_error("'--mca'");
}

static void test_launcher_options_session_per_rank(void **state)
{
    (void)state;
    assert_int_equal(parse("prog", NULL), 0);
    assert_int_equal(o.session, LARK_SESSION_AUTO); /* default */
    assert_int_equal(parse("--no-session-per-rank", "prog", NULL), 0);
    assert_int_equal(o.session, LARK_SESSION_JOB);
    assert_int_equal(parse("--session-per-rank", "prog", NULL), 0);
    assert_int_equal(o.session, LARK_SESSION_RANK);
    setenv("LARK_SESSION_PER_RANK", "0", 1);
    assert_int_equal(parse("prog", NULL), 0);
    assert_int_equal(o.session, LARK_SESSION_JOB);
    assert_int_equal(parse("--session-per-rank", "prog", NULL), 0); /* the option wins */
    assert_int_equal(o.session, LARK_SESSION_RANK);
    setenv("LARK_SESSION_PER_RANK", "yes", 1);
    assert_int_equal(parse("prog", NULL), 0);
    assert_int_equal(o.session, LARK_SESSION_RANK);
    setenv("LARK_SESSION_PER_RANK", "auto", 1);
    assert_int_equal(parse("prog", NULL), 0);
    assert_int_equal(o.session, LARK_SESSION_AUTO);
    setenv("LARK_SESSION_PER_RANK", "sometimes", 1);
    assert_int_equal(parse("prog", NULL), -1);
    expect_error("LARK_SESSION_PER_RANK value 'sometimes'");
    unsetenv("LARK_SESSION_PER_RANK");
}

/* --output-filename after --trace leaves the trace file's name alone. */
static void test_launcher_options_trace_and_output(void **state)
{
    (void)state;
    assert_int_equal(parse("--trace", "t.json", "--output-filename", "out", "prog", NULL), 0);
    assert_string_equal(o.trace, "t.json");
    assert_string_equal(o.output_dir, "out");
}

static void test_launcher_options_malformed(void **state)
{
    (void)state;
    assert_int_equal(parse("--bogus-option", "prog", NULL), -1);
    expect_error("--bogus-option");
    assert_int_equal(parse("-n", "abc", "prog", NULL), -1);
    expect_error("'abc'");
    assert_int_equal(parse("-n", "0", "prog", NULL), -1);
    expect_error("'0'");
    assert_int_equal(parse("-np", "-3", "prog", NULL), -1);
    expect_error("'-3'");
    assert_int_equal(parse("prog", "-n", NULL), 0); /* program's own argument */
    assert_int_equal(parse("-n", NULL), -1);
    expect_error("'-n'");
    assert_int_equal(parse("--map-by", "diagonal", "prog", NULL), -1);
    expect_error("'diagonal'");
    assert_int_equal(parse("--map-by", "core:PE=x", "prog", NULL), -1);
    expect_error("'x'");
    assert_int_equal(parse("--map-by", "core:span", "prog", NULL), -1);
    expect_error("'span'");
    assert_int_equal(parse("--bind-to", "board", "prog", NULL), -1);
    expect_error("'board'");
    assert_int_equal(parse("-x", "1ABC=2", "prog", NULL), -1);
    expect_error("'1ABC=2'");
    assert_int_equal(parse("-genv", "A-B", "1", "prog", NULL), -1);
    expect_error("'A-B'");
    assert_int_equal(parse("-genv", "A", NULL), -1);
    expect_error("'-genv'");
    assert_int_equal(parse("--timeout", "-1", "prog", NULL), -1);
    expect_error("'-1'");
    assert_int_equal(parse("--timeout", "soon", "prog", NULL), -1);
    expect_error("'soon'");
    assert_int_equal(parse("--stdin", "some", "prog", NULL), -1);
    expect_error("'some'");
    assert_int_equal(parse("--host", "a:x", "prog", NULL), -1);
    expect_error("'x'");
    assert_int_equal(parse("--host", "a,,b", "prog", NULL), -1);
    expect_error("a,,b");
    assert_int_equal(parse("--report-bindings=yes", "prog", NULL), -1);
    expect_error("--report-bindings=yes");
    assert_int_equal(parse("--output-filename", ":nocopy", "prog", NULL), -1);
    expect_error(":nocopy");
    setenv("MPIEXEC_TIMEOUT", "never", 1);
    assert_int_equal(parse("prog", NULL), -1);
    expect_error("'never'");
    unsetenv("MPIEXEC_TIMEOUT");
}

static void test_launcher_options_malformed_structure(void **state)
{
    (void)state;
    assert_int_equal(parse("-n", "2", NULL), -1);
    expect_error("no program");
    assert_int_equal(parse(NULL), -1);
    expect_error("no program");
    assert_int_equal(parse("-n", "1", "a", ":", NULL), -1);
    expect_error("':'");
    assert_int_equal(parse(":", "-n", "1", "a", NULL), -1);
    expect_error("':'");
    assert_int_equal(parse("-n", "1", "a", ":", "b", NULL), -1);
    expect_error("'b'");
    assert_int_equal(parse("-n", "1", "--", NULL), -1);
    expect_error("'--'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_launcher_options_np_spellings, teardown),
        cmocka_unit_test_teardown(test_launcher_options_program_args_are_not_options, teardown),
        cmocka_unit_test_teardown(test_launcher_options_npernode_and_hosts, teardown),
        cmocka_unit_test_teardown(test_launcher_options_map_and_bind, teardown),
        cmocka_unit_test_teardown(test_launcher_options_environment, teardown),
        cmocka_unit_test_teardown(test_launcher_options_mpmd, teardown),
        cmocka_unit_test_teardown(test_launcher_options_io_and_control, teardown),
        cmocka_unit_test_teardown(test_launcher_options_session_per_rank, teardown),
        cmocka_unit_test_teardown(test_launcher_options_trace_and_output, teardown),
        cmocka_unit_test_teardown(test_launcher_options_malformed, teardown),
        cmocka_unit_test_teardown(test_launcher_options_malformed_structure, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

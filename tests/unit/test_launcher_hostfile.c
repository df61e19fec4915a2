/* Unit tests of hostfile and --host parsing (launcher/hostfile.c): both
 * formats, comments, blank lines, repeated hosts, and malformed lines whose
 * message names the file, the line and the bad token. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launcher.h"

static struct lark_host *hosts;
static int nhosts;
static char err[LARK_ERRLEN];

static int parse(const char *text)
{
    lark_hosts_free(hosts, nhosts);
    hosts = NULL;
    nhosts = 0;
    err[0] = 0;
    return lark_hostfile_parse(text, "hf", &hosts, &nhosts, err, sizeof(err));
}

static void expect_error(const char *token)
{
    if (!strstr(err, token))
        fail_msg("message '%s' does not name '%s'", err, token);
}

static int teardown(void **state)
{
    (void)state;
    lark_hosts_free(hosts, nhosts);
    hosts = NULL;
    nhosts = 0;
    return 0;
}

static void test_launcher_hostfile_open_mpi_format(void **state)
{
    (void)state;
    assert_int_equal(parse("# a comment\n\nnode1 slots=4\n  node2   slots=2 max_slots=8  \n"
                           "node3\t# trailing comment\n"),
                     0);
    assert_int_equal(nhosts, 3);
    assert_string_equal(hosts[0].name, "node1");
    assert_int_equal(hosts[0].slots, 4);
    assert_true(hosts[0].slots_set);
    assert_string_equal(hosts[1].name, "node2");
    assert_int_equal(hosts[1].slots, 2);
    assert_string_equal(hosts[2].name, "node3");
    assert_int_equal(hosts[2].slots, 1);
    assert_false(hosts[2].slots_set);
}

static void test_launcher_hostfile_hydra_format(void **state)
{
    (void)state;
    assert_int_equal(parse("a:3\nb:1\r\n"), 0); /* CRLF line ends are blanks */
    assert_int_equal(hosts[1].slots, 1);
    assert_int_equal(parse("a:3\nb:1\n\n# end"), 0);
    assert_int_equal(nhosts, 2);
    assert_int_equal(hosts[0].slots, 3);
    assert_int_equal(hosts[1].slots, 1);
}

static void test_launcher_hostfile_repeated_hosts_add_up(void **state)
{
    (void)state;
    assert_int_equal(parse("localhost slots=2\nlocalhost:3\nlocalhost\n"), 0);
    assert_int_equal(nhosts, 1);
    assert_int_equal(hosts[0].slots, 6);
}

static void test_launcher_hostfile_empty_and_comments_only(void **state)
{
    (void)state;
    assert_int_equal(parse(""), 0);
    assert_int_equal(nhosts, 0);
    assert_int_equal(parse("# nothing\n   \n\t\n"), 0);
    assert_int_equal(nhosts, 0);
}

static void test_launcher_hostfile_malformed(void **state)
{
    (void)state;
    assert_int_equal(parse("a slots=4\nb slots=abc\n"), -1);
    expect_error("line 2");
    expect_error("'abc'");
    expect_error("hf");
    assert_int_equal(parse("a slots=0\n"), -1);
    expect_error("'0'");
    assert_int_equal(parse("a slots=\n"), -1);
    expect_error("slots=");
    assert_int_equal(parse("\n\na:x\n"), -1);
    expect_error("line 3");
    expect_error("'x'");
    assert_int_equal(parse("a cpus=4\n"), -1);
    expect_error("'cpus=4'");
    assert_int_equal(parse("a:2 slots=3\n"), -1);
    expect_error("a:2");
    assert_int_equal(parse("bad/name\n"), -1);
    expect_error("'bad/name'");
    assert_int_equal(parse("a max_slots=z\n"), -1);
    expect_error("'z'");
    /* Repeated counts add up, but never past LARK_MAX_SLOTS (they used to
     * overflow the int). */
    assert_int_equal(parse("a slots=9999999\na:1\n"), 0);
    assert_int_equal(hosts[0].slots, LARK_MAX_SLOTS);
    assert_int_equal(parse("a slots=9999999\na slots=9999999\n"), -1);
    expect_error("line 2");
    expect_error("too many slots");
    assert_int_equal(parse("a slots=9999999\na:2\n"), -1);
    expect_error("too many slots");
}

static void test_launcher_hostfile_host_list(void **state)
{
    (void)state;
    assert_int_equal(lark_hostlist_parse("a,b:2,a", &hosts, &nhosts, err, sizeof(err)), 0);
    assert_int_equal(nhosts, 2);
    assert_int_equal(hosts[0].slots, 2);
    assert_int_equal(hosts[1].slots, 2);
    assert_int_equal(lark_hostlist_parse("c:0", &hosts, &nhosts, err, sizeof(err)), -1);
    expect_error("'0'");
    assert_int_equal(lark_hostlist_parse("", &hosts, &nhosts, err, sizeof(err)), -1);
    assert_int_equal(lark_hostlist_parse("::1", &hosts, &nhosts, err, sizeof(err)), 0);
    assert_string_equal(hosts[nhosts - 1].name, "::1");
    /* IPv6 literals with a count go in brackets, which the name loses. */
    lark_hosts_free(hosts, nhosts);
    hosts = NULL;
    nhosts = 0;
    assert_int_equal(
        lark_hostlist_parse("[fd00::2]:3,[fd00::3],fd00::2", &hosts, &nhosts, err, sizeof(err)), 0);
    assert_int_equal(nhosts, 2);
    assert_string_equal(hosts[0].name, "fd00::2");
    assert_int_equal(hosts[0].slots, 4);
    assert_string_equal(hosts[1].name, "fd00::3");
    assert_int_equal(lark_hostlist_parse("[fd00::2", &hosts, &nhosts, err, sizeof(err)), -1);
    expect_error("[addr]:N");
    assert_int_equal(lark_hostlist_parse("[fd00::2]x", &hosts, &nhosts, err, sizeof(err)), -1);
    expect_error("'[fd00::2]x'");
    assert_int_equal(lark_hostlist_parse("[fd00::2]:0", &hosts, &nhosts, err, sizeof(err)), -1);
    expect_error("bad slot count '0'");
}

static void test_launcher_hostfile_ipv6(void **state)
{
    (void)state;
    /* "addr slots=N" is no "host:N" twice, whatever colons the address has. */
    assert_int_equal(parse("fd00::2 slots=2\n[fd00::3]:3\n[fd00::4] slots=4\n::1\n"), 0);
    assert_int_equal(nhosts, 4);
    assert_string_equal(hosts[0].name, "fd00::2");
    assert_int_equal(hosts[0].slots, 2);
    assert_string_equal(hosts[1].name, "fd00::3");
    assert_int_equal(hosts[1].slots, 3);
    assert_string_equal(hosts[2].name, "fd00::4");
    assert_int_equal(hosts[2].slots, 4);
    assert_string_equal(hosts[3].name, "::1");
    assert_int_equal(parse("[fd00::3]:3 slots=2\n"), -1);
    expect_error("gives slots twice");
}

static void test_launcher_hostfile_read_file(void **state)
{
    (void)state;
    char path[] = "/tmp/lark-test-hostfile.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "localhost slots=3\n";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (int)sizeof(text) - 1);
    close(fd);
    assert_int_equal(lark_hostfile_read(path, &hosts, &nhosts, err, sizeof(err)), 0);
    assert_int_equal(hosts[0].slots, 3);
    unlink(path);
    assert_int_equal(lark_hostfile_read(path, &hosts, &nhosts, err, sizeof(err)), -1);
    expect_error(path);
}

static void test_launcher_hostfile_local_names(void **state)
{
    (void)state;
    char me[256];
    assert_int_equal(gethostname(me, sizeof(me)), 0);
    assert_true(lark_host_is_local("localhost"));
    assert_true(lark_host_is_local("127.0.0.1"));
    assert_true(lark_host_is_local(me));
    assert_false(lark_host_is_local("surely-not-this-machine.example"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_launcher_hostfile_open_mpi_format, teardown),
        cmocka_unit_test_teardown(test_launcher_hostfile_hydra_format, teardown),
        cmocka_unit_test_teardown(test_launcher_hostfile_repeated_hosts_add_up, teardown),
        cmocka_unit_test_teardown(test_launcher_hostfile_empty_and_comments_only, teardown),
        cmocka_unit_test_teardown(test_launcher_hostfile_malformed, teardown),
        cmocka_unit_test_teardown(test_launcher_hostfile_host_list, teardown),
        cmocka_unit_test_teardown(test_launcher_hostfile_ipv6, teardown),
        cmocka_unit_test_teardown(test_launcher_hostfile_read_file, teardown),
        cmocka_unit_test_teardown(test_launcher_hostfile_local_names, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

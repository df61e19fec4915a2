/* Unit tests of the Slurm allocation reader (launcher/slurm_alloc.c): host
 * list expansion (ranges, zero padding, several brackets, commas inside
 * brackets), per-node counts with repeats, the variables mpirun reads, and
 * malformed values whose message names the variable and the bad text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher.h"

static char err[LARK_ERRLEN];

static void expect_list(const char *list, const char *joined)
{
    char **names;
    int n;
    err[0] = 0;
    if (lark_slurm_hostlist(list, &names, &n, err, sizeof err) != 0)
        fail_msg("'%s' did not parse: %s", list, err);
    char buf[1024] = "";
    for (int i = 0; i < n; i++) {
        strcat(buf, i ? " " : "");
        strcat(buf, names[i]);
    }
    lark_slurm_names_free(names, n);
    assert_string_equal(buf, joined);
}

static void expect_bad_list(const char *list, const char *token)
{
    char **names;
    int n;
    err[0] = 0;
    assert_int_equal(lark_slurm_hostlist(list, &names, &n, err, sizeof err), -1);
    if (!strstr(err, token))
        fail_msg("message '%s' does not name '%s'", err, token);
}

static void test_launcher_slurm_hostlist(void **state)
{
    (void)state;
    expect_list("n1", "n1");
    expect_list("n[1-3]", "n1 n2 n3");
    expect_list("n[1-2,7],login", "n1 n2 n7 login");
    expect_list("c[08-11]", "c08 c09 c10 c11");
    expect_list("r[1-2]-n[1-2]", "r1-n1 r1-n2 r2-n1 r2-n2");
    expect_list("a,b[3],c", "a b3 c");
    expect_list("node[9-10]x", "node9x node10x");
}

static void test_launcher_slurm_hostlist_bad(void **state)
{
    (void)state;
    expect_bad_list("n[1-", "'['");
    expect_bad_list("n1]", "']'");
    expect_bad_list("n[3-1]", "3-1");
    expect_bad_list("n[a-b]", "a-b");
    expect_bad_list("", "no host");
    expect_bad_list("n[1-999999999]", "too large");
}

static void test_launcher_slurm_counts(void **state)
{
    (void)state;
    int c[6];
    assert_int_equal(lark_slurm_counts("V", "2(x3),1,4(x2)", c, 6, err, sizeof err), 0);
    int want[6] = {2, 2, 2, 1, 4, 4};
    assert_memory_equal(c, want, sizeof want);
    assert_int_equal(lark_slurm_counts("V", "2(x3)", c, 2, err, sizeof err), -1);
    assert_non_null(strstr(err, "V"));
    assert_int_equal(lark_slurm_counts("V", "2", c, 2, err, sizeof err), -1);
    assert_int_equal(lark_slurm_counts("V", "2(x", c, 2, err, sizeof err), -1);
    assert_int_equal(lark_slurm_counts("V", "0,1", c, 2, err, sizeof err), -1);
    assert_int_equal(lark_slurm_counts("V", "1;1", c, 2, err, sizeof err), -1);
}

static void test_launcher_slurm_allocation(void **state)
{
    (void)state;
    struct lark_host *h = NULL;
    int n = 0;
    unsetenv("SLURM_JOB_ID");
    setenv("SLURM_JOB_NODELIST", "n[1-2]", 1);
    assert_int_equal(lark_slurm_allocation(&h, &n, err, sizeof err), 0);
    setenv("SLURM_JOB_ID", "42", 1);
    setenv("SLURM_TASKS_PER_NODE", "3,1", 1);
    assert_int_equal(lark_slurm_allocation(&h, &n, err, sizeof err), 1);
    assert_int_equal(n, 2);
    assert_string_equal(h[0].name, "n1");
    assert_int_equal(h[0].slots, 3);
    assert_true(h[0].slots_set);
    assert_string_equal(h[1].name, "n2");
    assert_int_equal(h[1].slots, 1);
    lark_hosts_free(h, n);
    /* Without tasks per node, the CPUs Slurm granted are the slots. */
    unsetenv("SLURM_TASKS_PER_NODE");
    setenv("SLURM_JOB_CPUS_PER_NODE", "2(x2)", 1);
    assert_int_equal(lark_slurm_allocation(&h, &n, err, sizeof err), 1);
    assert_int_equal(h[1].slots, 2);
    lark_hosts_free(h, n);
    unsetenv("SLURM_JOB_CPUS_PER_NODE");
    assert_int_equal(lark_slurm_allocation(&h, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "SLURM_TASKS_PER_NODE"));
    unsetenv("SLURM_JOB_ID");
    unsetenv("SLURM_JOB_NODELIST");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_launcher_slurm_hostlist),
        cmocka_unit_test(test_launcher_slurm_hostlist_bad),
        cmocka_unit_test(test_launcher_slurm_counts),
        cmocka_unit_test(test_launcher_slurm_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

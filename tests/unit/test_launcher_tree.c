/* Unit tests of the multi-host pieces that need no host: the launch tree's
 * arithmetic (launcher/tree.c), frame payloads (wire.c), the LAUNCH frame
 * round trip (launch.c), mpirun's fence table (fence.c) and the one srun
 * step that starts every daemon under Slurm (tree.c, with a fake srun). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher.h"

static void test_launcher_tree_positions_and_children(void **state)
{
    (void)state;
    /* 10 nodes, mpirun on node 3, radix 3: positions 1..9 are nodes
     * 0,1,2,4,..,9; position 0's children are 1..3, 1's 4..6, 2's 7..9. */
    struct lark_tree t = {.root_node = 3, .nnodes = 10, .radix = 3};
    assert_int_equal(lark_tree_npos(&t), 10);
    assert_int_equal(lark_tree_pos(&t, 3), 0);
    assert_int_equal(lark_tree_pos(&t, 0), 1);
    assert_int_equal(lark_tree_pos(&t, 4), 4);
    for (int n = 0; n < 10; n++)
        assert_int_equal(lark_tree_node(&t, lark_tree_pos(&t, n)), n);
    int first, k = lark_tree_children(&t, 0, &first);
    assert_int_equal(k, 3);
    assert_int_equal(first, 1);
    k = lark_tree_children(&t, 2, &first);
    assert_int_equal(k, 3);
    assert_int_equal(first, 7);
    assert_int_equal(lark_tree_children(&t, 3, &first), 0);
    assert_true(lark_tree_below(&t, 9, 2));
    assert_false(lark_tree_below(&t, 9, 3));
    assert_true(lark_tree_below(&t, 4, 1));
    assert_false(lark_tree_below(&t, 4, 2));
    assert_true(lark_tree_below(&t, 7, 0));
    /* mpirun runs no rank: every node is a daemon, positions 1..n. */
    struct lark_tree u = {.root_node = -1, .nnodes = 4, .radix = 0};
    assert_int_equal(lark_tree_npos(&u), 5);
    assert_int_equal(lark_tree_pos(&u, 0), 1);
    assert_int_equal(lark_tree_node(&u, 4), 3);
    assert_int_equal(lark_tree_children(&u, 0, &first), 4); /* flat */
    assert_int_equal(lark_tree_children(&u, 2, &first), 0);
    /* 1,000 hosts at radix 32 are two levels deep. */
    struct lark_tree big = {.root_node = 0, .nnodes = 1000, .radix = 32};
    int depth = 0;
    for (int p = 999; p > 0; p = (p - 1) / 32)
        depth++;
    assert_int_equal(depth, 2);
    assert_int_equal(lark_tree_children(&big, 0, &first), 32);
}

static void test_launcher_tree_buffers(void **state)
{
    (void)state;
    struct lark_buf b = {0};
    lark_buf_u32(&b, 0xdeadbeef);
    lark_buf_str(&b, "hello");
    lark_buf_str(&b, NULL);
    lark_buf_bytes(&b, "\0\1\2", 3);
    struct lark_buf r = {.data = b.data, .len = b.len};
    assert_int_equal(lark_buf_get_u32(&r), 0xdeadbeef);
    char *s = lark_buf_get_str(&r);
    assert_string_equal(s, "hello");
    free(s);
    assert_null(lark_buf_get_str(&r));
    size_t n;
    const char *d = lark_buf_get_bytes(&r, &n);
    assert_int_equal(n, 3);
    assert_int_equal(d[2], 2);
    assert_false(r.bad);
    (void)lark_buf_get_u32(&r); /* past the end */
    assert_true(r.bad);
    /* a truncated string is refused, not read past */
    struct lark_buf t = {.data = b.data, .len = 8};
    (void)lark_buf_get_u32(&t);
    assert_null(lark_buf_get_str(&t));
    assert_true(t.bad);
    lark_buf_free(&b);
    assert_true(lark_secret_equal("abc", "abc"));
    assert_false(lark_secret_equal("abc", "abd"));
    assert_false(lark_secret_equal("abc", "ab"));
    /* srun as the agent (inside a Slurm allocation) is called its own way. */
    assert_true(lark_tree_agent_is_srun("srun"));
    assert_true(lark_tree_agent_is_srun("/usr/bin/srun --exclusive"));
    assert_false(lark_tree_agent_is_srun("ssh"));
    assert_false(lark_tree_agent_is_srun("mysrun"));
    assert_false(lark_tree_agent_is_srun("srunx -v"));
    assert_false(lark_tree_agent_is_srun("ssh srun"));
}

static void test_launcher_tree_launch_round_trip(void **state)
{
    (void)state;
    char *argv0[] = {"prog", "a b", NULL}, *env0[] = {"X=1", NULL}, *base[] = {"PATH=/bin", NULL};
    struct lark_app app = {.argv = argv0, .argc = 2, .np = 3, .env = env0, .nenv = 1};
    struct lark_options o = {.apps = &app,
                             .napps = 1,
                             .pe = 1,
                             .bind_to = LARK_BIND_CORE,
                             .rank_by = LARK_MAP_SOCKET,
                             .stdin_target = 2,
                             .wdir = "/w"};
    struct lark_proc procs[3] = {
        {.node = 0}, {.node = 1, .app_rank = 1}, {.node = 1, .app_rank = 2}};
    char *nodes[] = {"h0", "h1"};
    int sizes[] = {1, 2};
    struct lark_map m = {
        .procs = procs, .nprocs = 3, .nodes = nodes, .node_size = sizes, .nnodes = 2, .me = 0};
    struct lark_launch l = {.nspace = "lark-0123456789abcdef",
                            .rank_secret = "00ff",
                            .cwd = "/home",
                            .base_env = base,
                            .agent = "ssh -x",
                            .daemon = "/d",
                            .launch_timeout = 2.5,
                            .tree = {.root_node = 0, .nnodes = 2, .radix = 4}};
    struct lark_buf b = {0};
    lark_launch_pack(&b, &l, &o, &m);
    struct lark_buf r = {.data = b.data, .len = b.len};
    struct lark_launch l2;
    struct lark_options o2;
    struct lark_map m2;
    assert_int_equal(lark_launch_unpack(&r, &l2, &o2, &m2), 0);
    assert_string_equal(l2.nspace, l.nspace);
    assert_string_equal(l2.rank_secret, "00ff");
    assert_string_equal(l2.base_env[0], "PATH=/bin");
    assert_null(l2.base_env[1]);
    assert_string_equal(l2.agent, "ssh -x");
    assert_true(l2.launch_timeout > 2.49 && l2.launch_timeout < 2.51);
    assert_int_equal(l2.tree.radix, 4);
    assert_int_equal(o2.napps, 1);
    assert_string_equal(o2.apps[0].argv[1], "a b");
    assert_null(o2.apps[0].argv[2]);
    assert_string_equal(o2.apps[0].env[0], "X=1");
    assert_int_equal(o2.bind_to, LARK_BIND_CORE);
    assert_int_equal(o2.rank_by, LARK_MAP_SOCKET);
    assert_int_equal(o2.stdin_target, 2);
    assert_string_equal(o2.wdir, "/w");
    assert_null(o2.prefix);
    assert_int_equal(m2.nnodes, 2);
    assert_string_equal(m2.nodes[1], "h1");
    assert_int_equal(m2.node_size[1], 2);
    assert_int_equal(m2.procs[2].local_rank, 1);
    assert_int_equal(m2.procs[2].app_rank, 2);
    lark_launch_free(&l2, &o2, &m2);
    /* a truncated frame is refused (and leaves nothing allocated) */
    struct lark_buf t = {.data = b.data, .len = b.len - 3};
    assert_int_equal(lark_launch_unpack(&t, &l2, &o2, &m2), -1);
    lark_buf_free(&b);
}

static void test_launcher_tree_fence_table(void **state)
{
    (void)state;
    struct lark_proc procs[4] = {{.node = 0}, {.node = 0}, {.node = 1}, {.node = 2}};
    struct lark_map m = {.procs = procs, .nprocs = 4, .nnodes = 3};
    struct lark_fence *list = NULL;
    struct lark_buf done = {0};
    struct lark_tree flat = {.root_node = 0, .nnodes = 3, .radix = 0};
    /* the whole job: three nodes */
    assert_int_equal(lark_fence_add(&list, &m, &flat, 0, "*", "AA", 2, &done), 0);
    /* another fence, ranks 0,1,2: nodes 0 and 1, interleaved with the first */
    assert_int_equal(lark_fence_add(&list, &m, &flat, 0, "0,1,2", "x", 1, &done), 0);
    assert_int_equal(lark_fence_add(&list, &m, &flat, 0, "*", NULL, 0, &done), 0);
    assert_int_equal(lark_fence_add(&list, &m, &flat, 0, "0,1,2", "y", 1, &done), 2);
    struct lark_buf r = {.data = done.data, .len = done.len};
    char *sig = lark_buf_get_str(&r);
    size_t n;
    const char *d = lark_buf_get_bytes(&r, &n);
    assert_string_equal(sig, "0,1,2");
    assert_int_equal(n, 2);
    assert_memory_equal(d, "xy", 2);
    free(sig);
    lark_buf_free(&done);
    assert_int_equal(lark_fence_add(&list, &m, &flat, 0, "*", "B", 1, &done), 3);
    r = (struct lark_buf){.data = done.data, .len = done.len};
    sig = lark_buf_get_str(&r);
    d = lark_buf_get_bytes(&r, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(d, "AAB", 3);
    free(sig);
    lark_buf_free(&done);
    assert_null(list);
    /* a chain (radix 1) of four nodes, mpirun's node 0 at its head: every
     * position waits for its own node and its one child, once per fence */
    struct lark_proc cp[4] = {{.node = 0}, {.node = 1}, {.node = 2}, {.node = 3}};
    struct lark_map cm = {.procs = cp, .nprocs = 4, .nnodes = 4};
    struct lark_tree chain = {.root_node = 0, .nnodes = 4, .radix = 1};
    for (int pos = 0; pos < 4; pos++) {
        int want = pos < 3 ? 2 : 1;
        for (int k = 1; k <= want; k++)
            assert_int_equal(lark_fence_add(&list, &cm, &chain, pos, "*", "c", 1, &done),
                             k < want ? 0 : want);
        lark_buf_free(&done);
    }
    /* only rank 3 (the chain's tail): one contribution at every position */
    for (int pos = 0; pos < 4; pos++) {
        assert_int_equal(lark_fence_add(&list, &cm, &chain, pos, "3", "t", 1, &done), 1);
        lark_buf_free(&done);
    }
    /* mpirun runs no rank (position 0 has no node); radix 2: nodes 0 and 1
     * are its children, node 2 is node 0's child */
    struct lark_tree head = {.root_node = -1, .nnodes = 3, .radix = 2};
    struct lark_proc hp[3] = {{.node = 0}, {.node = 1}, {.node = 2}};
    struct lark_map hm = {.procs = hp, .nprocs = 3, .nnodes = 3};
    assert_int_equal(lark_fence_add(&list, &hm, &head, 0, "*", "a", 1, &done), 0);
    assert_int_equal(lark_fence_add(&list, &hm, &head, 0, "*", "b", 1, &done), 2);
    lark_buf_free(&done);
    assert_int_equal(lark_fence_add(&list, &hm, &head, 1, "0,2", "a", 1, &done), 0);
    assert_int_equal(lark_fence_add(&list, &hm, &head, 1, "0,2", "b", 1, &done), 2);
    lark_buf_free(&done);
    assert_int_equal(lark_fence_add(&list, &hm, &head, 0, "2", "x", 1, &done), 1);
    lark_buf_free(&done);
    assert_null(list);
    /* parked callbacks: by signature in order, or by request id */
    struct lark_pending *pend = NULL;
    lark_pending_add(&pend, "*", 0, NULL, (void *)1);
    lark_pending_add(&pend, NULL, 7, NULL, (void *)2);
    lark_pending_add(&pend, "*", 0, NULL, (void *)3);
    struct lark_pending *p = lark_pending_take(&pend, NULL, 7);
    assert_ptr_equal(p->cbdata, (void *)2);
    lark_pending_free(p);
    p = lark_pending_take(&pend, "*", 0);
    assert_ptr_equal(p->cbdata, (void *)1);
    lark_pending_free(p);
    assert_null(lark_pending_take(&pend, NULL, 7));
    lark_pending_free(lark_pending_take(&pend, "*", 0));
    assert_null(pend);
}

/* Under Slurm every daemon starts in ONE srun step: one srun process, one
 * task per node, the same command line for all (each names its node when
 * it calls back), the secret on srun's stdin (for every task), the user's
 * srun words after ours, SLURM_EXACT kept out. */
static void test_launcher_tree_srun_one_step(void **state)
{
    (void)state;
    char dir[] = "/tmp/lark-test-srun.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char srun[128], out[128], conf[128], agent[160];
    snprintf(srun, sizeof srun, "%s/srun", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(conf, sizeof conf, "%s/slurm.conf", dir);
    FILE *f = fopen(srun, "w");
    assert_non_null(f);
    fprintf(f,
            "#!/bin/sh\n{ for a; do echo \"$a\"; done; echo \"exact=${SLURM_EXACT-unset}\"; "
            "echo stdin; cat; } >'%s'\necho from-srun\n",
            out);
    fclose(f);
    assert_int_equal(chmod(srun, 0700), 0);
    f = fopen(conf, "w");
    assert_non_null(f);
    fputs("TaskPlugin=task/none\n", f); /* srun would refuse --cpu-bind here */
    fclose(f);
    setenv("SLURM_CONF", conf, 1);
    setenv("SLURM_EXACT", "1", 1);
    snprintf(agent, sizeof agent, "%s --user-word", srun);
    const char *hosts[] = {"n1", "n2", "n3"};
    pid_t pid =
        lark_tree_start_srun(agent, hosts, 3, "/x/lark-noded", "10.0.0.1:5,127.0.0.1:5", "s3cret");
    assert_true(pid > 0);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    unsetenv("SLURM_EXACT");
    unsetenv("SLURM_CONF");
    char got[4096] = "";
    f = fopen(out, "r");
    assert_non_null(f);
    size_t n = fread(got, 1, sizeof got - 1, f);
    got[n] = 0;
    fclose(f);
    assert_non_null(strstr(got, "--nodes=3\n--ntasks=3\n--ntasks-per-node=1\n"));
    assert_non_null(strstr(got, "--whole\n"));
    assert_non_null(strstr(got, "--mpi=none\n"));
    assert_non_null(strstr(got, "--kill-on-bad-exit=1\n"));
    assert_null(strstr(got, "--cpu-bind"));
    /* the user's words after ours, then the nodes and the daemon's line */
    assert_true(strstr(got, "--user-word\n") > strstr(got, "--job-name=lark-noded\n"));
    assert_non_null(strstr(got, "--user-word\n--nodelist=n1,n2,n3\n/x/lark-noded\n--node\n"
                                "by-name\n--parent\n10.0.0.1:5,127.0.0.1:5\nexact=unset\n"
                                "stdin\ns3cret\n"));
    /* The topology probe (probe.c): the same step, "--topology", and
     * srun's stdout comes back through a pipe. */
    int fd = -1;
    pid = lark_tree_start_probe(agent, hosts, 2, "/x/lark-noded", &fd);
    assert_true(pid > 0 && fd >= 0);
    char line[64] = "";
    ssize_t got_n = read(fd, line, sizeof(line) - 1);
    close(fd);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(got_n > 0);
    line[got_n] = 0;
    assert_string_equal(line, "from-srun\n");
    f = fopen(out, "r");
    assert_non_null(f);
    n = fread(got, 1, sizeof got - 1, f);
    got[n] = 0;
    fclose(f);
    assert_non_null(strstr(got, "--nodes=2\n--ntasks=2\n"));
    assert_non_null(strstr(got, "--nodelist=n1,n2\n/x/lark-noded\n--topology\nexact="));
    unlink(out);
    unlink(conf);
    unlink(srun);
    assert_int_equal(rmdir(dir), 0);
}

/* fence.c completes parked callbacks through the PMIx server; not here. */
void lark_pmix_modex_done(void *cbfunc, void *cbdata, int status, char *data, size_t ndata)
{
    (void)cbfunc;
    (void)cbdata;
    (void)status;
    (void)ndata;
    free(data);
}

int lark_pmix_dmodex_ask(const char *nspace, int rank, uint32_t reqid, int node)
{
    (void)nspace;
    (void)rank;
    (void)reqid;
    (void)node;
    return -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_launcher_tree_positions_and_children),
        cmocka_unit_test(test_launcher_tree_buffers),
        cmocka_unit_test(test_launcher_tree_launch_round_trip),
        cmocka_unit_test(test_launcher_tree_fence_table),
        cmocka_unit_test(test_launcher_tree_srun_one_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

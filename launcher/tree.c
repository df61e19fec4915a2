/* The launch tree and remote starts.  mpirun is position 0 of a k-ary tree
 * whose other positions are the nodes other than its own, in node order;
 * every position starts the daemons of its children through the agent
 * (ssh, or -launcher-exec / --mca plm_rsh_agent), so the head opens at
 * most k remote starts whatever the job's size, and the launch takes
 * log_k(nodes) rounds.  Radix 0 is the flat launch: mpirun starts every
 * daemon itself.  The same arithmetic, done by every daemon from the LAUNCH
 * frame, tells it its children, and tells mpirun whose ranks went with a
 * daemon that died (its whole subtree).  Inside a Slurm allocation (the
 * agent is srun) mpirun starts every daemon at once, in ONE srun step of
 * one task per node, and each calls back to mpirun: the launch is flat,
 * as Open MPI's and Hydra's are under Slurm. */
#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int lark_tree_pos(const struct lark_tree *t, int node)
{
    if (node == t->root_node)
        return 0;
    /* positions 1.. are the nodes in order, the root's skipped */
    return t->root_node >= 0 && node > t->root_node ? node : node + 1;
}

int lark_tree_node(const struct lark_tree *t, int pos)
{
    if (pos == 0)
        return t->root_node;
    int node = pos - 1;
    return t->root_node >= 0 && node >= t->root_node ? node + 1 : node;
}

int lark_tree_npos(const struct lark_tree *t)
{
    return t->nnodes + (t->root_node >= 0 ? 0 : 1);
}

int lark_tree_children(const struct lark_tree *t, int pos, int *first)
{
    int n = lark_tree_npos(t);
    if (t->radix <= 0) {
        *first = 1;
        return pos == 0 ? n - 1 : 0;
    }
    long f = (long)pos * t->radix + 1;
    *first = (int)(f < n ? f : n);
    if (f >= n)
        return 0;
    long last = f + t->radix;
    return (int)((last < n ? last : n) - f);
}

int lark_tree_parent(const struct lark_tree *t, int pos)
{
    return t->radix <= 0 ? 0 : (pos - 1) / t->radix;
}

bool lark_tree_below(const struct lark_tree *t, int pos, int under)
{
    while (pos > under)
        pos = lark_tree_parent(t, pos);
    return pos == under;
}

static bool is_exe(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

char *lark_tree_daemon_path(const char *prefix)
{
    char *p = NULL;
    const char *env = getenv("LARK_NODED");
    if (env && *env)
        return strdup(env);
    if (prefix) {
        if (asprintf(&p, "%s/libexec/lark/lark-noded", prefix) < 0)
            return NULL;
        return p;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return strdup(LARK_LIBEXECDIR "/lark-noded");
    self[n] = 0;
    char *slash = strrchr(self, '/');
    *slash = 0;
    /* Installed: BINDIR/../libexec/lark; build tree: beside mpirun. */
    if (asprintf(&p, "%s/../libexec/lark/lark-noded", self) >= 0 && is_exe(p))
        return p;
    free(p);
    if (asprintf(&p, "%s/lark-noded", self) >= 0 && is_exe(p))
        return p;
    free(p);
    return strdup(LARK_LIBEXECDIR "/lark-noded");
}

/* Quote s for a POSIX shell ('...'). */
static void shell_quote(char *out, size_t len, const char *s)
{
    size_t k = 0;
    if (k < len - 1)
        out[k++] = '\'';
    for (; *s && k + 5 < len; s++) {
        if (*s == '\'') {
            memcpy(out + k, "'\\''", 4);
            k += 4;
        } else {
            out[k++] = *s;
        }
    }
    if (k < len - 1)
        out[k++] = '\'';
    out[k] = 0;
}

bool lark_tree_agent_is_srun(const char *agent)
{
    size_t n = strcspn(agent, " \t");
    const char *base = agent;
    for (size_t i = 0; i < n; i++)
        if (agent[i] == '/')
            base = agent + i + 1;
    return (size_t)(agent + n - base) == 4 && strncmp(base, "srun", 4) == 0;
}

/* srun's options for the daemons' step, placed before the user's own srun
 * words (so that those win): one task on each node (--nodes and --ntasks
 * are added), with every CPU the job has there (--whole: the daemon's
 * ranks inherit its step, and under task/cgroup a one-CPU step would
 * confine them all to one CPU), sharing them with the steps already
 * running there (mpirun's batch step, the ranks' own work), no PMIx of
 * Slurm's (the daemon is Lark's PMIx server), no binding (the daemon
 * binds its ranks itself, with hwloc, as mpirun does), and the whole step
 * killed if one daemon fails.  --cpu-bind=none is added only where the
 * cluster can bind (srun_can_bind). */
static const char *const srun_opts[] = {
    "--ntasks-per-node=1",
    "--input=all", /* the secret, on stdin, reaches every daemon */
    "--whole",
    "--overlap",
    "--mpi=none",
    "--quiet",
    "--kill-on-bad-exit=1",
    "--job-name=lark-noded",
};
#define NSRUN_OPTS (sizeof(srun_opts) / sizeof(srun_opts[0]))

/* Whether Slurm's task plugin binds (task/affinity, task/cgroup), read from
 * slurm.conf ($SLURM_CONF, else /etc/slurm/slurm.conf).  Where it does not,
 * srun says "cluster configuration lacks support for cpu binding" for any
 * --cpu-bind, "none" included, and binds nothing anyway: the option is
 * left out.  A configuration we cannot read (configless clusters) gets the
 * option: at worst that one line. */
static bool srun_can_bind(void)
{
    const char *path = getenv("SLURM_CONF");
    FILE *f = fopen(path && *path ? path : "/etc/slurm/slurm.conf", "r");
    if (!f)
        return true;
    char line[1024];
    bool binds = false; /* TaskPlugin's default is task/none */
    while (fgets(line, sizeof(line), f)) {
        const char *s = line + strspn(line, " \t");
        if (strncasecmp(s, "TaskPlugin", 10) != 0)
            continue;
        s += 10 + strspn(s + 10, " \t");
        if (*s != '=')
            continue; /* TaskPluginParam */
        binds = strstr(s, "affinity") != NULL || strstr(s, "cgroup") != NULL;
    }
    fclose(f);
    return binds;
}

/* The environment of the daemon's srun: ours without the variables that
 * would override its options (SLURM_EXACT contradicts --whole and would
 * confine the step to one CPU; SLURM_CPU_BIND would bring back the line
 * srun_can_bind avoids).  Made before fork; malloc'd array of pointers
 * into environ, freed by the caller. */
static char **srun_env(void)
{
    extern char **environ;
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = malloc((n + 1) * sizeof(*env));
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "SLURM_EXACT=", 12) != 0 &&
            strncmp(environ[i], "SLURM_CPU_BIND=", 15) != 0)
            env[k++] = environ[i];
    env[k] = NULL;
    return env;
}

/* fork and exec the agent (argv, in env when not NULL), its stdin a pipe
 * that gets the secret (never a command line), its stdout /dev/null, or a
 * pipe whose reading end goes to *out (close-on-exec; the caller closes
 * it); in a process group of its own.  `where` names the host(s) in the
 * message of an exec that fails.  Returns the pid or -1. */
static pid_t run_agent(char **argv, char **env, const char *where, const char *secret, int *out)
{
    int in[2], po[2] = {-1, -1};
    if (pipe2(in, O_CLOEXEC) < 0)
        return -1;
    if (out && pipe2(po, O_CLOEXEC) < 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        /* Own process group: a terminal's ^C reaches mpirun, which decides. */
        setpgid(0, 0);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(in[0], 0);
        if (po[1] >= 0)
            dup2(po[1], 1);
        else if (devnull >= 0)
            dup2(devnull, 1);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        if (env)
            execvpe(argv[0], argv, env);
        else
            execvp(argv[0], argv);
        fprintf(stderr, "mpirun: cannot run the remote-start agent '%s' for %s: %s\n", argv[0],
                where, strerror(errno));
        _exit(127);
    }
    close(in[0]);
    if (po[1] >= 0)
        close(po[1]);
    if (pid > 0) {
        setpgid(pid, pid);
        lark_reaper_spare(pid); /* its daemons end their own ranks (reaper.c) */
        char line[128];
        int n = snprintf(line, sizeof(line), "%s\n", secret);
        if (write(in[1], line, (size_t)n) != n) {
            /* the agent died at once: its exit tells the story */
        }
        if (out)
            *out = po[0];
    } else if (po[0] >= 0) {
        close(po[0]);
    }
    close(in[1]);
    return pid;
}

/* The agent as ssh: its words, the host, the command as one shell line. */
static pid_t start_ssh(const char *agent, const char *host, const char *cmd, const char *secret,
                       int *out)
{
    char where[300];
    snprintf(where, sizeof(where), "host %s", host);
    char *words = strdup(agent);
    if (!words)
        return -1;
    char *argv[64 + 3];
    int argc = 0;
    char *save = NULL;
    for (char *w = strtok_r(words, " \t", &save); w && argc < 60; w = strtok_r(NULL, " \t", &save))
        argv[argc++] = w;
    pid_t pid = -1;
    if (argc > 0) {
        argv[argc++] = (char *)host;
        argv[argc++] = (char *)cmd;
        argv[argc] = NULL;
        pid = run_agent(argv, NULL, where, secret, out);
    }
    free(words);
    return pid;
}

pid_t lark_tree_start(const char *agent, const char *host, const char *daemon, int node,
                      const char *parent_addrs, const char *secret)
{
    char qd[4096], qa[2048], cmd[8192];
    shell_quote(qd, sizeof(qd), daemon);
    shell_quote(qa, sizeof(qa), parent_addrs);
    snprintf(cmd, sizeof(cmd), "%s --node %d --parent %s", qd, node, qa);
    return start_ssh(agent, host, cmd, secret, NULL);
}

/* The agent as srun: one step of one task per host, each running dargv
 * (NULL-terminated, at most 8 words). */
static pid_t start_srun(const char *agent, const char *const *hosts, int nhosts, char *const *dargv,
                        const char *secret, int *out)
{
    /* --nodelist=a,b,c: srun takes the list as one argument (the kernel
     * allows 128 KiB per argument: about 10,000 host names). */
    size_t len = 16;
    for (int h = 0; h < nhosts; h++)
        len += strlen(hosts[h]) + 1;
    char *nodelist = malloc(len), *words = strdup(agent);
    char **env = srun_env();
    char nodes[32], tasks[32];
    char *argv[64 + NSRUN_OPTS + 12];
    pid_t pid = -1;
    int argc = 0;
    if (!nodelist || !words || !env || nhosts <= 0)
        goto out;
    size_t k = (size_t)snprintf(nodelist, len, "--nodelist=");
    for (int h = 0; h < nhosts; h++)
        k += (size_t)snprintf(nodelist + k, len - k, "%s%s", h ? "," : "", hosts[h]);
    snprintf(nodes, sizeof(nodes), "--nodes=%d", nhosts);
    snprintf(tasks, sizeof(tasks), "--ntasks=%d", nhosts);
    char *save = NULL;
    for (char *w = strtok_r(words, " \t", &save); w && argc < 60;
         w = strtok_r(NULL, " \t", &save)) {
        argv[argc++] = w;
        if (argc == 1) {
            /* ours first: the user's own srun words, after, win */
            argv[argc++] = nodes;
            argv[argc++] = tasks;
            for (size_t o = 0; o < NSRUN_OPTS; o++)
                argv[argc++] = (char *)srun_opts[o];
            if (srun_can_bind())
                argv[argc++] = "--cpu-bind=none";
        }
    }
    if (argc == 0)
        goto out;
    argv[argc++] = nodelist;
    /* srun runs a program, not a shell line as ssh does: the daemon's
     * argv as it is, the same in every task. */
    for (int d = 0; dargv[d] && d < 8; d++)
        argv[argc++] = dargv[d];
    argv[argc] = NULL;
    char where[128];
    snprintf(where, sizeof(where), "%d host%s (%s%s)", nhosts, nhosts == 1 ? "" : "s", hosts[0],
             nhosts > 1 ? ", ..." : "");
    pid = run_agent(argv, env, where, secret, out);
out:
    free(nodelist);
    free(words);
    free(env);
    return pid;
}

pid_t lark_tree_start_srun(const char *agent, const char *const *hosts, int nhosts,
                           const char *daemon, const char *parent_addrs, const char *secret)
{
    /* Each daemon tells its parent which node it is by its Slurm node
     * name (noded.c). */
    char *dargv[] = {(char *)daemon, "--node", "by-name", "--parent", (char *)parent_addrs, NULL};
    return start_srun(agent, hosts, nhosts, dargv, secret, NULL);
}

pid_t lark_tree_start_probe(const char *agent, const char *const *hosts, int nhosts,
                            const char *daemon, int *out)
{
    if (lark_tree_agent_is_srun(agent)) {
        char *dargv[] = {(char *)daemon, "--topology", NULL};
        return start_srun(agent, hosts, nhosts, dargv, "", out);
    }
    if (nhosts != 1)
        return -1;
    char qd[4096], cmd[4200];
    shell_quote(qd, sizeof(qd), daemon);
    snprintf(cmd, sizeof(cmd), "%s --topology", qd);
    return start_ssh(agent, hosts[0], cmd, "", out);
}

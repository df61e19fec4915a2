/* Starting the ranks of this node.  For each rank the parent builds, before fork, its
 * whole environment (mpirun's, minus stale PMIx/Lark variables, plus -x/-genv,
 * -env, the LARK_* variables and the PMIx client variables of
 * PMIx_server_setup_fork), its pipes and its binding.  The child then only
 * makes async-signal-safe calls: its own session (or only its own process
 * group, see session_per_rank; either way teardown signals the group, so
 * it reaches whatever the rank starts), death with
 * mpirun (PR_SET_PDEATHSIG), stdio onto the pipes, a clean signal mask, the
 * binding, the working directory, exec.
 *
 * Why a session per rank: Linux's autogroup scheduling (on by default in
 * most distributions) shares the CPU between sessions first, then between
 * the processes of a session, so a job whose ranks all sit in mpirun's
 * session gets one session's share of a busy machine, however many ranks
 * it has (measured with bench/sessions.sh: launcher/README.md).  Not when
 * mpirun runs niced: a new session is a new autogroup of nice 0 whatever
 * its processes' nice value, so `nice mpirun` would take more of the
 * machine than before rather than less; its ranks stay in its session.
 * Nor, by default, when the ranks outnumber the CPUs: they then hand the
 * cores to each other all the time, and a hand-off between autogroups
 * waits for the scheduler's fairness between them (and other sessions'
 * time slices): 4 ranks on 2 cores sending 8-byte messages beside other
 * work reached 0.23 Mmsg/s with a session each, 1.16 in one.  mpirun
 * keeps its hold on every rank and descendant through the process group
 * and its subreaper (reaper.c). */
#include "launcher.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

long lark_spawn_nofile = -1;

static int env_count(char **env)
{
    int n = 0;
    while (env && env[n])
        n++;
    return n;
}

/* Set NAME=value (NAME is nlen bytes) in a malloc'd argv-style array,
 * replacing an old value. */
static int env_set_n(char ***env, const char *name, size_t nlen, const char *value)
{
    char *s;
    if (asprintf(&s, "%.*s=%s", (int)nlen, name, value) < 0)
        return -1;
    int n = env_count(*env);
    for (int i = 0; i < n; i++) {
        if (strncmp((*env)[i], name, nlen) == 0 && (*env)[i][nlen] == '=') {
            free((*env)[i]);
            (*env)[i] = s;
            return 0;
        }
    }
    char **ne = realloc(*env, (size_t)(n + 2) * sizeof(char *));
    if (!ne) {
        free(s);
        return -1;
    }
    ne[n] = s;
    ne[n + 1] = NULL;
    *env = ne;
    return 0;
}

static int env_set(char ***env, const char *name, const char *value)
{
    return env_set_n(env, name, strlen(name), value);
}

/* "NAME=value": any length of name (no fixed buffer on user input). */
static int env_put(char ***env, const char *assignment)
{
    const char *eq = strchr(assignment, '=');
    if (!eq)
        return 0;
    return env_set_n(env, assignment, (size_t)(eq - assignment), eq + 1);
}

static char **env_dup(char **env)
{
    int n = env_count(env);
    char **d = calloc((size_t)n + 1, sizeof(char *));
    if (!d)
        return NULL;
    for (int i = 0; i < n; i++) {
        d[i] = strdup(env[i]);
        if (!d[i]) {
            for (int j = 0; j < i; j++)
                free(d[j]);
            free(d);
            return NULL;
        }
    }
    return d;
}

static void env_free(char **env)
{
    for (int i = 0; env && env[i]; i++)
        free(env[i]);
    free(env);
}

static const char *env_get(char **env, const char *name)
{
    size_t nlen = strlen(name);
    for (int i = 0; env && env[i]; i++)
        if (strncmp(env[i], name, nlen) == 0 && env[i][nlen] == '=')
            return env[i] + nlen + 1;
    return NULL;
}

/* Variables a rank must not inherit from mpirun's own environment: those of
 * an enclosing job would point it at the wrong server. */
static bool stale_var(const char *s)
{
    if (strncmp(s, "PMIX_", 5) == 0 && strncmp(s, "PMIX_MCA_", 9) != 0 &&
        strncmp(s, "PMIX_OUTPUT_", 12) != 0)
        return true;
    return strncmp(s, "LARK_COMM_WORLD_", 16) == 0 || strncmp(s, "LARK_JOB_NAMESPACE=", 19) == 0 ||
           strncmp(s, "LARK_UNIVERSE_SIZE=", 19) == 0 || strncmp(s, "LARK_APPNUM=", 12) == 0;
}

char **lark_spawn_base_env(const struct lark_options *o, char **environ_in)
{
    int n = env_count(environ_in);
    char **env = calloc((size_t)n + 1, sizeof(char *));
    if (!env)
        return NULL;
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (stale_var(environ_in[i]))
            continue;
        env[k] = strdup(environ_in[i]);
        if (!env[k]) {
            env_free(env);
            return NULL;
        }
        k++;
    }
    if (o->prefix) {
        const char *path = env_get(env, "PATH");
        const char *ld = env_get(env, "LD_LIBRARY_PATH");
        char *np = NULL, *nl = NULL;
        if (asprintf(&np, "%s/bin%s%s", o->prefix, path ? ":" : "", path ? path : "") < 0 ||
            asprintf(&nl, "%s/lib%s%s", o->prefix, ld ? ":" : "", ld ? ld : "") < 0 ||
            env_set(&env, "PATH", np) < 0 || env_set(&env, "LD_LIBRARY_PATH", nl) < 0) {
            free(np);
            free(nl);
            env_free(env);
            return NULL;
        }
        free(np);
        free(nl);
    }
    for (int i = 0; i < o->nenv; i++)
        if (env_put(&env, o->env[i]) < 0) {
            env_free(env);
            return NULL;
        }
    return env;
}

/* Tasks (threads included) of real user uid now running: what RLIMIT_NPROC
 * counts. */
static long count_tasks(uid_t uid)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char path[300], line[256];
        snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        long ruid = -1, threads = 1;
        while (fgets(line, sizeof(line), f)) {
            if (strncmp(line, "Uid:", 4) == 0)
                ruid = strtol(line + 4, NULL, 10);
            else if (strncmp(line, "Threads:", 8) == 0)
                threads = strtol(line + 8, NULL, 10);
        }
        fclose(f);
        if (ruid == (long)uid)
            n += threads;
    }
    closedir(d);
    return n;
}

int lark_spawn_fits(int nprocs, bool stdin_all, char *err, size_t errlen)
{
    struct rlimit rl;
    /* Processes: RLIMIT_NPROC counts every task of the real user; root is
     * exempt.  Each rank is at least one more. */
    if (getuid() != 0 && getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        long used = count_tasks(getuid());
        if ((long)rl.rlim_cur - used < nprocs)
            return lark_launcher_fail(
                err, errlen,
                "mpirun: %d ranks cannot start: this user may run %ld processes and threads "
                "(ulimit -u) and already runs %ld; use fewer ranks or raise the limit",
                nprocs, (long)rl.rlim_cur, used);
    }
    /* Descriptors: mpirun holds a pipe for each rank's stdout and stderr
     * (and stdin), and the PMIx server a socket per rank. */
    long fds = (long)nprocs * (stdin_all ? 4 : 3) + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
        (rlim_t)fds > rl.rlim_max)
        return lark_launcher_fail(err, errlen,
                                  "mpirun: %d ranks need about %ld open files in mpirun, more "
                                  "than its limit of %ld (ulimit -Hn); use fewer ranks",
                                  nprocs, fds, (long)rl.rlim_max);
    /* The machine: every process and thread takes a pid. */
    FILE *f = fopen("/proc/sys/kernel/threads-max", "re");
    long tmax = 0;
    if (f) {
        if (fscanf(f, "%ld", &tmax) != 1)
            tmax = 0;
        fclose(f);
    }
    if (tmax > 0 && nprocs > tmax)
        return lark_launcher_fail(err, errlen,
                                  "mpirun: %d ranks cannot start: this machine runs at most %ld "
                                  "processes and threads (/proc/sys/kernel/threads-max)",
                                  nprocs, tmax);
    return 0;
}

static bool runnable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* dir/prog if that can be run (malloc'd), else NULL. */
static char *try_in(const char *dir, size_t dirlen, const char *prog)
{
    char *cand;
    if (asprintf(&cand, "%.*s%s%s", (int)dirlen, dir, dirlen ? "/" : "", prog) < 0)
        return NULL;
    if (runnable(cand))
        return cand;
    free(cand);
    return NULL;
}

char *lark_spawn_resolve(const char *prog, char **env, const char *wdir)
{
    char cwd[4096];
    const char *here = getcwd(cwd, sizeof(cwd)) ? cwd : ".";
    char *found = NULL;
    if (prog[0] == '/')
        return runnable(prog) ? strdup(prog) : NULL;
    if (!strchr(prog, '/')) {
        const char *path = env_get(env, "PATH");
        if (!path)
            path = "/usr/local/bin:/usr/bin:/bin";
        for (const char *p = path;; p++) {
            size_t len = strcspn(p, ":");
            if ((found = try_in(p, len, prog)) != NULL)
                return found;
            p += len;
            if (!*p)
                break;
        }
    }
    /* A relative name, or one not in PATH: mpirun's directory, then the
     * ranks' --wdir (Open MPI finds "a.out" there too).  The result is
     * absolute, so the ranks' chdir cannot change what runs. */
    if ((found = try_in(here, strlen(here), prog)) != NULL)
        return found;
    if (wdir && (found = try_in(wdir, strlen(wdir), prog)) != NULL && found[0] != '/') {
        char *abs = NULL;
        if (asprintf(&abs, "%s/%s", here, found) < 0)
            abs = NULL;
        free(found);
        found = abs;
    }
    return found;
}

static void child_fail(const char *what, const char *arg)
{
    /* Only async-signal-safe calls here: write(2), no stdio. */
    const char *e = strerror(errno);
    const char *parts[] = {"mpirun: ", what, " '", arg, "': ", e, "\n"};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        lark_write_all(2, parts[i], strlen(parts[i]));
    _exit(127);
}

/* Everything the child needs, prepared by the parent. */
struct child_plan {
    const struct lark_proc *proc;
    const char *path;
    char **argv;
    char **env;
    const char *wdir;
    int in_fd, out_fd, err_fd; /* child ends */
    int report_fd;             /* mpirun's stderr, for --report-bindings */
    bool report;
    bool session; /* lead a session of its own (else only a process group) */
    pid_t parent;
};

/* Whether this node's `local` ranks each lead a session of their own:
 * asked, or by default when they fit the CPUs mpirun may use (the measure
 * the runtime's waiting policy takes too) and mpirun is not niced (see the
 * top). */
static bool session_per_rank(const struct lark_options *o, int local)
{
    if (o->session != LARK_SESSION_AUTO)
        return o->session == LARK_SESSION_RANK;
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, 0);
    if (errno == 0 && nice > 0)
        return false;
    cpu_set_t cpus;
    return sched_getaffinity(0, sizeof cpus, &cpus) == 0 && local <= CPU_COUNT(&cpus);
}

static void child_run(const struct child_plan *c)
{
    /* setsid fails only if we lead a group already, which a fresh child
     * does not (mpirun does not setpgid it in this mode); a process group
     * of its own is the fallback teardown needs. */
    if (!c->session || setsid() < 0)
        setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != c->parent)
        _exit(127); /* mpirun is already gone */
    sigset_t none;
    sigemptyset(&none);
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (lark_spawn_nofile >= 0) {
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
            rl.rlim_cur = (rlim_t)lark_spawn_nofile;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
    }
    lark_bind_apply(c->proc, c->report, c->report_fd);
    if (dup2(c->in_fd, 0) < 0 || dup2(c->out_fd, 1) < 0 || dup2(c->err_fd, 2) < 0)
        _exit(127);
    if (c->wdir && chdir(c->wdir) < 0)
        child_fail("cannot change to the working directory", c->wdir);
    execve(c->path, c->argv, c->env);
    child_fail("cannot run", c->path);
}

int lark_spawn_all(struct lark_job *job, char *err, size_t errlen)
{
    struct lark_options *o = job->opts;
    char **paths = calloc((size_t)o->napps, sizeof(char *));
    if (!paths)
        return snprintf(err, errlen, "mpirun: out of memory"), -1;
    for (int a = 0; a < o->napps; a++) {
        paths[a] = lark_spawn_resolve(o->apps[a].argv[0], job->base_env,
                                      o->apps[a].wdir ? o->apps[a].wdir : o->wdir);
        if (!paths[a]) {
            snprintf(err, errlen,
                     "mpirun: cannot find program '%s'%s; check its name, or give its path",
                     o->apps[a].argv[0],
                     strchr(o->apps[a].argv[0], '/') ? " (missing or not executable)" : " in PATH");
            for (int b = 0; b < a; b++)
                free(paths[b]);
            free(paths);
            return -1;
        }
    }
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int rc = 0;
    bool session = session_per_rank(o, job->map.node_size[job->map.me]);
    char num[32], usize[32], lsize[32];
    snprintf(usize, sizeof(usize), "%d", job->nprocs);
    snprintf(lsize, sizeof(lsize), "%d", job->map.node_size[job->map.me]);
    for (int i = 0; i < job->nprocs && rc == 0; i++) {
        struct lark_proc *p = &job->procs[i];
        if (p->node != job->map.me)
            continue; /* another node's daemon starts it */
        const struct lark_app *app = &o->apps[p->app];
        char **env = env_dup(job->base_env);
        if (!env) {
            rc = -1;
            break;
        }
        for (int j = 0; j < app->nenv && rc == 0; j++)
            rc = env_put(&env, app->env[j]);
        snprintf(num, sizeof(num), "%d", p->rank);
        rc |= env_set(&env, "LARK_COMM_WORLD_RANK", num);
        rc |= env_set(&env, "LARK_COMM_WORLD_SIZE", usize);
        snprintf(num, sizeof(num), "%d", p->local_rank);
        rc |= env_set(&env, "LARK_COMM_WORLD_LOCAL_RANK", num);
        rc |= env_set(&env, "LARK_COMM_WORLD_NODE_RANK", num);
        rc |= env_set(&env, "LARK_COMM_WORLD_LOCAL_SIZE", lsize);
        rc |= env_set(&env, "LARK_UNIVERSE_SIZE", usize);
        snprintf(num, sizeof(num), "%d", p->app);
        rc |= env_set(&env, "LARK_APPNUM", num);
        rc |= env_set(&env, "LARK_JOB_NAMESPACE", job->nspace);
        if (rc == 0 && lark_pmix_setup_fork(job->nspace, p->rank, &env) < 0) {
            snprintf(err, errlen, "mpirun: PMIx_server_setup_fork failed for rank %d", p->rank);
            env_free(env);
            rc = -1;
            break;
        }
        int po[2], pe[2], pi[2] = {-1, -1};
        if (rc == 0 && (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0))
            rc = -1;
        bool wants_in = o->stdin_target == LARK_STDIN_ALL || o->stdin_target == p->rank;
        if (rc == 0 && wants_in && pipe2(pi, O_CLOEXEC) < 0)
            rc = -1;
        if (rc < 0) {
            snprintf(err, errlen, "mpirun: cannot create pipes for rank %d: %s", p->rank,
                     strerror(errno));
            env_free(env);
            break;
        }
        struct child_plan plan = {
            .proc = p,
            .path = paths[p->app],
            .argv = app->argv,
            .env = env,
            .wdir = app->wdir ? app->wdir : o->wdir,
            .in_fd = wants_in ? pi[0] : devnull,
            .out_fd = po[1],
            .err_fd = pe[1],
            .report_fd = 2,
            .report = o->report_bindings,
            .session = session,
            .parent = getpid(),
        };
        pid_t pid = fork();
        if (pid == 0)
            child_run(&plan);
        int saved = errno;
        env_free(env);
        close(po[1]);
        close(pe[1]);
        if (pi[0] >= 0)
            close(pi[0]);
        if (pid < 0) {
            snprintf(err, errlen, "mpirun: cannot fork rank %d: %s", p->rank, strerror(saved));
            close(po[0]);
            close(pe[0]);
            if (pi[1] >= 0)
                close(pi[1]);
            rc = -1;
            break;
        }
        /* Also done by the child, whichever runs first, so that the group
         * exists before we signal it.  Not when the child makes a session:
         * as a group leader it could not (EPERM); lark_spawn_signal
         * covers the moment before the child's setsid. */
        if (!session)
            setpgid(pid, pid);
        p->pid = pid;
        lark_cleanup_watch(pid);
        p->fd_out = po[0];
        p->fd_err = pe[0];
        p->fd_in = pi[1];
        fcntl(po[0], F_SETFL, O_NONBLOCK);
        fcntl(pe[0], F_SETFL, O_NONBLOCK);
        if (pi[1] >= 0)
            fcntl(pi[1], F_SETFL, O_NONBLOCK);
    }
    if (devnull >= 0)
        close(devnull);
    for (int a = 0; a < o->napps; a++)
        free(paths[a]);
    free(paths);
    if (rc < 0 && !err[0])
        snprintf(err, errlen, "mpirun: cannot start the ranks: out of memory");
    return rc;
}

void lark_spawn_signal(const struct lark_proc *p, int sig)
{
    if (kill(-p->pid, sig) < 0 && errno == ESRCH)
        kill(p->pid, sig);
}

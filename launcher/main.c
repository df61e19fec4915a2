/* mpirun / mpiexec: the order of things.  Parse the command line and the
 * hostfile, map the ranks and compute their bindings (all errors are found
 * before anything starts), block the signals the event loop takes through a
 * signalfd (before the PMIx server starts its threads, so they inherit the
 * mask), start the PMIx server in a fresh temp directory, register the job,
 * run it (job.c), then clean up: the PMIx server, its temp directory, and any
 * /dev/shm file named after the job's namespace. */
#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

extern char **environ;

/* LARK_MPIRUN_DEBUG: where mpirun's own startup time goes. */
static bool debug;
static void phase(const char *what)
{
    if (!debug)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    static double t0;
    double t = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
    if (t0 == 0)
        t0 = t;
    fprintf(stderr, "mpirun[debug]: %7.2f ms %s\n", t - t0, what);
}

static void make_nspace(char *buf, size_t len)
{
    unsigned char r[8];
    if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
        /* Never expected; fall back on something unlikely to collide. */
        unsigned long long x =
            (unsigned long long)getpid() * 0x9E3779B97F4A7C15ull ^ (unsigned long long)time(NULL);
        memcpy(r, &x, sizeof(r));
    }
    snprintf(buf, len, "lark-%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
             r[6], r[7]);
}

/* mpirun --report-state PID: ask the mpirun PID (ours, by the same user)
 * to print where each rank of its job is, on its standard error. */
static int report_state(const char *arg)
{
    char *end;
    long pid = strtol(arg ? arg : "", &end, 10);
    char path[64], comm[64] = "";
    snprintf(path, sizeof path, "/proc/%ld/comm", pid);
    FILE *f = pid > 0 && *end == '\0' ? fopen(path, "r") : NULL;
    if (f != NULL) {
        if (fgets(comm, sizeof comm, f) == NULL)
            comm[0] = '\0';
        fclose(f);
    }
    comm[strcspn(comm, "\n")] = '\0';
    if (strcmp(comm, "mpirun") != 0 && strcmp(comm, "mpiexec") != 0) {
        fprintf(stderr,
                "mpirun: --report-state needs the process id of a running mpirun; '%s' is %s\n",
                arg ? arg : "", f ? "another program" : "not a running process of yours");
        return 1;
    }
    if (kill((pid_t)pid, LARK_REPORT_SIGNAL) != 0) {
        fprintf(stderr, "mpirun: cannot signal mpirun %ld: %s\n", pid, strerror(errno));
        return 1;
    }
    fprintf(stderr, "mpirun: asked mpirun %ld for its report; it prints it on its standard "
                    "error\n",
            pid);
    return 0;
}

/* The hosts of the host list other than this one, each once, run
 * "lark-noded --topology" and say their counts into o->topos (probe.c).
 * Returns 0 (also when there is no other host), or -1 with a message. */
static int probe_hosts(struct lark_options *o, const char *agent, double timeout, char *err,
                       size_t errlen)
{
    char **names = calloc((size_t)(o->nhosts > 0 ? o->nhosts : 1), sizeof(*names));
    int n = 0, rc = -1;
    if (!names)
        return lark_launcher_fail(err, errlen, "mpirun: out of memory for the host list");
    for (int h = 0; h < o->nhosts; h++) {
        bool seen = lark_host_is_local(o->hosts[h].name);
        for (int k = 0; k < n && !seen; k++)
            seen = strcmp(names[k], o->hosts[h].name) == 0;
        if (!seen)
            names[n++] = o->hosts[h].name;
    }
    char *daemon = n > 0 ? lark_tree_daemon_path(o->prefix) : NULL;
    if (n == 0)
        rc = 0;
    else if (!daemon)
        lark_launcher_fail(err, errlen, "mpirun: out of memory");
    else if (lark_probe_topology(agent, daemon, names, n, timeout, &o->topos, err, errlen) == 0)
        rc = 0;
    if (rc == 0)
        o->ntopos = n;
    free(daemon);
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--report-state") == 0)
        return report_state(argv[2]);
    /* Started with stdin, stdout or stderr closed, a pipe of ours would
     * take that number: hold them with /dev/null. */
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
            open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    /* From the start: the topology probe writes to agents that may have
     * exited (a host that cannot run the daemon), and a broken pipe is an
     * error to report, not a death.  What we exec sets it back. */
    signal(SIGPIPE, SIG_IGN);
    struct lark_options o;
    char err[LARK_ERRLEN];
    if (lark_options_parse(argc, argv, &o, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        lark_options_free(&o);
        return 1;
    }
    if (o.help) {
        fputs(lark_options_usage, stdout);
        lark_options_free(&o);
        return 0;
    }
    if (o.version) {
        printf("mpirun (Lark) %s\n", PACKAGE_VERSION);
        lark_options_free(&o);
        return 0;
    }
    /* PMIx's "hash" store instead of its shared-memory dstore: the server then
     * does not build a segment on the first client's connection, which took
     * ~10 ms of every job.  Set before the server starts and inherited by
     * the ranks, unless the user chose. */
    setenv("PMIX_MCA_gds", "hash", 0);
    /* PMIx's own messages (its error log lines, its help banners sent to
     * the server) go to syslog, not to the job's stderr: every failure is
     * said once, by mpirun or the runtime, in Lark's words.  Inherited by
     * the ranks.  LARK_MPIRUN_DEBUG keeps them. */
    if (!getenv("LARK_MPIRUN_DEBUG")) {
        setenv("PMIX_OUTPUT_REDIRECT", "syslog", 0);
        setenv("PMIX_MCA_plog", "syslog", 0);
    }
    /* Three pipes per rank: raise the soft limit on descriptors as far as
     * allowed, for jobs of hundreds of ranks. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        lark_spawn_nofile = (long)rl.rlim_cur; /* the ranks get the old limit back */
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    int code = 1;
    int owner = -1; /* /dev/shm/<nspace>.owner, locked while we live (leftovers.c) */
    struct lark_job job;
    memset(&job, 0, sizeof(job));
    job.map.me = -1;
    job.opts = &o;
    job.event_pipe[0] = job.event_pipe[1] = -1;
    gethostname(job.hostname, sizeof(job.hostname));
    job.hostname[sizeof(job.hostname) - 1] = 0;

    if (o.hostfile) {
        struct lark_host *fh = NULL;
        int nfh = 0;
        if (lark_hostfile_read(o.hostfile, &fh, &nfh, err, sizeof(err)) < 0) {
            fprintf(stderr, "%s\n", err);
            lark_hosts_free(fh, nfh);
            goto out;
        }
        if (o.nhosts == 0) {
            o.hosts = fh;
            o.nhosts = nfh;
        } else {
            lark_hosts_free(fh, nfh); /* --host wins over the hostfile */
        }
    }
    /* Inside a Slurm allocation (salloc, sbatch) and no hosts given: the
     * allocation's nodes, with the slots Slurm granted on each. */
    bool slurm = false;
    if (o.nhosts == 0 && !o.hostfile) {
        int r = lark_slurm_allocation(&o.hosts, &o.nhosts, err, sizeof(err));
        if (r < 0) {
            fprintf(stderr, "mpirun: %s\n", err);
            goto out;
        }
        slurm = r == 1;
        static char origin[128];
        snprintf(origin, sizeof(origin), "the Slurm allocation of job %s",
                 getenv("SLURM_JOB_ID") ? getenv("SLURM_JOB_ID") : "?");
        if (slurm)
            o.hosts_origin = origin;
    }
    debug = getenv("LARK_MPIRUN_DEBUG") != NULL;
    phase("options parsed");
    /* How other hosts' daemons start, and the limit on their call-back. */
    const char *ea = getenv("LARK_LAUNCHER_EXEC");
    const char *agent = o.agent ? o.agent : ea && *ea ? ea : slurm ? LARK_SRUN_AGENT : "ssh";
    const char *et = getenv("LARK_LAUNCH_TIMEOUT");
    double launch_timeout = o.launch_timeout > 0 ? o.launch_timeout
                            : et && atof(et) > 0 ? atof(et)
                                                 : LARK_DEFAULT_LAUNCH_TIMEOUT;
    /* ppr counts each node's own objects: other hosts say theirs first. */
    if (o.map_by == LARK_MAP_PPR && probe_hosts(&o, agent, launch_timeout, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }
    phase("other hosts' topology read");
    if (lark_map_ranks(&o, &job.map, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }
    job.procs = job.map.procs;
    job.nprocs = job.map.nprocs;
    bool remote = false;
    for (int n = 0; n < job.map.nnodes; n++)
        remote |= n != job.map.me;
    if (remote) {
        /* Other hosts: how their daemons start, and the secret they show. */
        job.agent = agent;
        job.daemon = lark_tree_daemon_path(o.prefix);
        lark_reaper_spare_cleaners(job.daemon);
        job.launch_timeout = launch_timeout;
        unsigned char r[16];
        if (!job.daemon || getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
            fprintf(stderr, "mpirun: cannot make the job's secret: %s\n", strerror(errno));
            goto out;
        }
        for (int i = 0; i < 16; i++)
            snprintf(job.secret + 2 * i, 3, "%02x", r[i]);
    }
    /* The ranks' secret for TCP handshakes: one per job, registered by
     * every node's PMIx server (the daemons get it in LAUNCH).  Without
     * one, rank 0 would make its own (transports/tcp), which works too. */
    unsigned char rs[32];
    if (getrandom(rs, sizeof(rs), 0) == (ssize_t)sizeof(rs))
        for (size_t i = 0; i < sizeof(rs); i++)
            snprintf(job.rank_secret + 2 * i, 3, "%02x", rs[i]);
    if (job.map.me >= 0 &&
        lark_spawn_fits(job.map.node_size[job.map.me], o.stdin_target == LARK_STDIN_ALL, err,
                        sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }
    if (o.stdin_target >= job.nprocs) {
        fprintf(stderr, "mpirun: --stdin %d names no rank: the job has ranks 0 to %d\n",
                o.stdin_target, job.nprocs - 1);
        goto out;
    }
    for (int a = -1; a < o.napps; a++) {
        const char *w = a < 0 ? o.wdir : o.apps[a].wdir;
        struct stat st;
        if (w && (stat(w, &st) < 0 || !S_ISDIR(st.st_mode))) {
            fprintf(stderr, "mpirun: --wdir '%s' is not a directory\n", w);
            goto out;
        }
    }
    if (o.output_dir && mkdir(o.output_dir, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "mpirun: cannot create the --output-filename directory '%s': %s\n",
                o.output_dir, strerror(errno));
        goto out;
    }
    if (lark_trace_setup(&o, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }
    job.base_env = lark_spawn_base_env(&o, environ);
    if (!job.base_env) {
        fprintf(stderr, "mpirun: out of memory\n");
        goto out;
    }
    for (int a = 0; a < o.napps; a++) {
        char *path = lark_spawn_resolve(o.apps[a].argv[0], job.base_env,
                                        o.apps[a].wdir ? o.apps[a].wdir : o.wdir);
        if (!path) {
            fprintf(stderr,
                    "mpirun: cannot find program '%s'%s; check its name, or give its path\n",
                    o.apps[a].argv[0],
                    strchr(o.apps[a].argv[0], '/') ? " (missing or not executable)" : " in PATH");
            goto out;
        }
        free(path);
    }
    phase("ranks mapped (hwloc topology loaded)");
    if (job.map.me >= 0 &&
        lark_bind_compute(&o, job.procs, job.nprocs, job.map.me, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }

    /* The loop takes these through a signalfd; PMIx threads inherit the mask. */
    sigset_t set;
    sigemptyset(&set);
    int sigs[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP,  SIGQUIT,
                  SIGUSR1, SIGUSR2, SIGTSTP, SIGCONT, LARK_REPORT_SIGNAL};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaddset(&set, sigs[i]);
    sigprocmask(SIG_BLOCK, &set, NULL);
    /* A shell starts background jobs with SIGINT ignored, and an ignored
     * signal never reaches a signalfd: take them back (SIGHUP excepted, so
     * nohup keeps working). */
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        if (sigs[i] != SIGHUP)
            signal(sigs[i], SIG_DFL);
    lark_reaper_init();

    /* What jobs killed before they could clean up left on this node. */
    lark_leftovers_sweep();
    make_nspace(job.nspace, sizeof(job.nspace));
    owner = lark_leftovers_claim(job.nspace);
    const char *tmp = getenv("TMPDIR");
    /* Where the directory will be, before it exists: a mpirun killed
     * right after mkdtemp leaves nothing a sweeper cannot find. */
    lark_leftovers_set_dir(owner, tmp && *tmp ? tmp : "/tmp");
    snprintf(job.tmpdir, sizeof(job.tmpdir), "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp",
             job.nspace);
    if (!mkdtemp(job.tmpdir)) {
        fprintf(stderr, "mpirun: cannot create a temp directory %s: %s\n", job.tmpdir,
                strerror(errno));
        job.tmpdir[0] = 0;
        goto out;
    }
    if (remote)
        lark_cleanup_guard(job.tmpdir, job.nspace);
    if (pipe2(job.event_pipe, O_CLOEXEC) < 0) {
        fprintf(stderr, "mpirun: cannot create a pipe: %s\n", strerror(errno));
        goto out;
    }
    fcntl(job.event_pipe[0], F_SETFL, O_NONBLOCK);
    phase("bindings computed");
    if (o.display_map) {
        /* The plan, computed before any fork (--report-bindings shows what
         * each rank really got). */
        printf("mpirun: map of %d rank%s on %s:\n", job.nprocs, job.nprocs == 1 ? "" : "s",
               job.hostname);
        for (int i = 0; i < job.nprocs; i++) {
            const struct lark_proc *p = &job.procs[i];
            const char *what = p->bind_report ? strchr(p->bind_report, ':') : NULL;
            what = what ? strchr(what + 1, ':') : NULL;
            printf("mpirun:   rank %d: app %d (%s)%s", p->rank, p->app, o.apps[p->app].argv[0],
                   what ? what : "\n");
        }
        fflush(stdout);
    }
    /* This host's PMIx server, when it runs ranks. */
    if (job.map.me >= 0 && lark_pmix_start(job.tmpdir, job.event_pipe[1], err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }
    phase("PMIx server started");
    if (job.map.me >= 0 && lark_pmix_register(job.nspace, job.tmpdir, &o, &job.map, job.rank_secret,
                                              err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        lark_pmix_stop();
        goto out;
    }
    phase("job registered; spawning");
    code = lark_job_run(&job);
    phase("job done");
    lark_pmix_stop();
    if (o.trace && lark_trace_finish(&o, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        if (code == 0)
            code = 1;
    }

out:
    lark_trace_cleanup();
    lark_cleanup_node(job.tmpdir, job.nspace);
    lark_leftovers_release(owner, job.nspace); /* last: a sweeper needs it until now */
    if (job.event_pipe[0] >= 0) {
        close(job.event_pipe[0]);
        close(job.event_pipe[1]);
    }
    lark_map_free(&job.map);
    free(job.daemon);
    for (int i = 0; job.base_env && job.base_env[i]; i++)
        free(job.base_env[i]);
    free(job.base_env);
    lark_options_free(&o);
    /* _exit, not exit: the PMIx server's threads are still running, and
     * library destructors must not run under them. */
    fflush(stdout);
    fflush(stderr);
    _exit(code);
}

/* The launcher's shared types: what mpirun was asked to do (struct lark_options,
 * filled by options.c and hostfile.c), where each rank goes and what it is bound
 * to (struct lark_proc, filled by map.c), and the running job (struct lark_job,
 * driven by the event loop in job.c).  One header for the whole launcher: the
 * pieces are small and each .c file documents its own functions here. */
#ifndef LARK_LAUNCHER_H
#define LARK_LAUNCHER_H

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define LARK_ERRLEN 512
/* The most slots one host (and a whole job) may have: counts are added up
 * in an int, and no machine has more. */
#define LARK_MAX_SLOTS 10000000
/* The most ranks of one job (and of one -n). */
#define LARK_MAX_RANKS 1000000
/* The largest hostfile read (a hostfile of a million hosts is ~30 MiB). */
#define LARK_HOSTFILE_MAX (64 << 20)

/* ---- options.c ---------------------------------------------------------- */

enum lark_map_by {
    LARK_MAP_DEFAULT = 0,
    LARK_MAP_CORE,
    LARK_MAP_SOCKET,
    LARK_MAP_NUMA,
    LARK_MAP_NODE,
    LARK_MAP_SLOT,
    LARK_MAP_HWTHREAD,
    LARK_MAP_PPR, /* ppr:N:socket|numa|core|hwthread: N ranks per such object */
};

enum lark_session_mode {
    LARK_SESSION_AUTO, /* a session per rank if the ranks fit the CPUs, mpirun not niced */
    LARK_SESSION_RANK, /* a session per rank */
    LARK_SESSION_JOB,  /* every rank in mpirun's (the daemon's) session */
};

enum lark_bind_to {
    LARK_BIND_DEFAULT = 0,
    LARK_BIND_NONE,
    LARK_BIND_CORE,
    LARK_BIND_SOCKET,
    LARK_BIND_NUMA,
    LARK_BIND_HWTHREAD,
};

/* stdin target: a rank >= 0, or one of these. */
#define LARK_STDIN_NONE (-1)
#define LARK_STDIN_ALL  (-2)

/* One host and its slot count, from --host or a hostfile. */
struct lark_host {
    char *name;     /* malloc'd; freed by lark_hosts_free */
    int slots;      /* slots on this host (>= 1) */
    bool slots_set; /* the user gave the count explicitly */
};

/* One application context of an (MPMD) command line: "-n 2 prog args". */
struct lark_app {
    char **argv; /* points into the caller's argv, NULL-terminated copy (malloc'd array) */
    int argc;
    int np;     /* ranks asked for with -n; 0 when not given */
    char **env; /* "VAR=val" set for this app only (-env); malloc'd array of malloc'd strings */
    int nenv;
    char *wdir; /* --wdir in this MPMD context (not owned), or NULL: the global one */
};

struct lark_options {
    struct lark_app *apps; /* malloc'd, napps entries */
    int napps;
    int npernode;            /* -N/--npernode/-ppn, 0 when not given */
    struct lark_host *hosts; /* from --host (malloc'd), nhosts entries */
    int nhosts;
    char *hostfile; /* --hostfile/-f/--machinefile, or NULL (not owned) */
    enum lark_map_by map_by;
    int pe;                   /* cores per rank from --map-by X:PE=n (1 by default) */
    int ppr_n;                /* --map-by ppr:N:OBJ with OBJ a socket, NUMA node, core, PU */
    enum lark_map_by ppr_obj; /* LARK_MAP_SOCKET, _NUMA, _CORE or _HWTHREAD */
    enum lark_bind_to bind_to;
    bool report_bindings;
    bool display_map;
    bool oversubscribe;
    bool tag_output;
    bool version;
    bool help;
    bool verbose;
    bool output_nocopy; /* --output-filename DIR:nocopy */
    char **env;         /* "VAR=val" for every rank (-x, -genv); malloc'd strings */
    int nenv;
    char *output_dir; /* --output-filename, malloc'd or NULL */
    char *trace;      /* --trace FILE, malloc'd or NULL (trace.c) */
    double timeout;   /* seconds, 0 = none (--timeout or MPIEXEC_TIMEOUT) */
    int stdin_target; /* rank, LARK_STDIN_NONE or LARK_STDIN_ALL; default 0 */
    char *wdir;       /* --wdir (not owned) */
    char *prefix;     /* --prefix (not owned) */
    /* multi-host */
    char *agent;           /* -launcher-exec / --mca plm_rsh_agent (not owned), or NULL */
    double launch_timeout; /* seconds, 0 = default */
    int radix;             /* --tree-radix, 0 = default */
    bool flat;             /* --flat-launch */
    bool recovery;         /* --enable-recovery / -disable-auto-cleanup: a death ends nothing */
    bool preload;          /* --preload-binary / -s: programs travel in the LAUNCH frame */
    /* --rank-by: LARK_MAP_DEFAULT (slot: mapping order), _NODE (round-robin
     * over the nodes), _CORE, _SOCKET, _NUMA, _HWTHREAD (each node's ranks
     * round-robin over those objects of the node: bind.c) */
    enum lark_map_by rank_by;
    /* Whether each rank leads a session of its own (spawn.c): by default
     * when the node's ranks fit its CPUs and mpirun is not niced;
     * --session-per-rank always,
     * --no-session-per-rank never (LARK_SESSION_PER_RANK=1/0/auto). */
    enum lark_session_mode session;
    /* Where hosts came from when not from the user: "the Slurm allocation
     * of job N" (a static buffer of main.c), or NULL. */
    const char *hosts_origin;
    /* Other hosts' own counts, for maps that count objects per node
     * (probe.c; malloc'd, freed by lark_options_free), or NULL: every
     * node is taken to look like mpirun's. */
    struct lark_topo *topos;
    int ntopos;
};

/* Parse mpirun's command line (argv[0] is the program name) into *o, which is
 * zeroed first.  Accepts Open MPI's and MPICH Hydra's spellings.  Reads
 * MPIEXEC_TIMEOUT from the environment when --timeout is not given.  -x VAR
 * (without a value) copies VAR from the current environment.  Returns 0, or
 * -1 with a message naming the bad token in err (errlen bytes).  Strings in *o
 * point into argv or are malloc'd; free with lark_options_free.  When
 * --help or --version is given, napps may be 0. */
int lark_options_parse(int argc, char **argv, struct lark_options *o, char *err, size_t errlen);
void lark_options_free(struct lark_options *o);
/* The --help text. */
extern const char lark_options_usage[];

/* ---- hostfile.c ---------------------------------------------------------- */

/* Parse hostfile text (formats "host", "host slots=N [max_slots=M]", "host:N";
 * '#' comments; blank lines).  `origin` names the file in messages.  Repeated
 * hosts add up their slots.  Appends to *hosts and *nhosts (malloc'd).  Returns 0,
 * or -1 with a message naming the line and the bad token. */
int lark_hostfile_parse(const char *text, const char *origin, struct lark_host **hosts, int *nhosts,
                        char *err, size_t errlen);
/* Read and parse a hostfile from disk. */
int lark_hostfile_read(const char *path, struct lark_host **hosts, int *nhosts, char *err,
                       size_t errlen);
/* Parse a --host list "a,b:2,a" (each plain mention is one slot).  Appends. */
int lark_hostlist_parse(const char *list, struct lark_host **hosts, int *nhosts, char *err,
                        size_t errlen);
void lark_hosts_free(struct lark_host *hosts, int nhosts);
/* Whether `name` is this machine (localhost, 127.x.y.z, ::1, our hostname or
 * its short form). */
bool lark_host_is_local(const char *name);

/* ---- slurm_alloc.c ---------------------------------------------------- */

/* The Slurm allocation mpirun runs in: 1 with *hosts (malloc'd, free with
 * lark_hosts_free) holding every node of SLURM_JOB_NODELIST with the slots
 * Slurm granted there; 0 outside an allocation; -1 with err. */
int lark_slurm_allocation(struct lark_host **hosts, int *nhosts, char *err, size_t errlen);
/* Expand a Slurm host list ("n[1-3,07],login") into *names (malloc'd array of
 * malloc'd strings, free with lark_slurm_names_free).  0 or -1 with err. */
int lark_slurm_hostlist(const char *list, char ***names, int *n, char *err, size_t errlen);
void lark_slurm_names_free(char **names, int n);
/* Parse Slurm's per-node counts ("2(x3),1") of variable `var` into exactly n
 * counts.  0 or -1 with err. */
int lark_slurm_counts(const char *var, const char *s, int *counts, int n, char *err, size_t errlen);

/* ---- map.c / bind.c ------------------------------------------------------ */

/* One rank of the job: where it runs, what it is bound to, how it is doing. */
struct lark_proc {
    int rank;
    int app;        /* application context number (MPMD) */
    int node;       /* index in struct lark_map's nodes */
    int local_rank; /* among the ranks of its node (also its node rank) */
    int app_rank;
    pid_t pid; /* 0 before spawn and after reaping */
    bool bound;
    void *cpuset; /* cpu_set_t * to apply in the child, malloc'd, or NULL */
    size_t cpuset_size;
    char *bind_report; /* --report-bindings line, malloc'd, or NULL */
    /* state, updated by job.c */
    bool connected;       /* PMIx_Init done */
    bool finalized;       /* PMIx_Finalize done */
    bool suspect;         /* exited 0 after PMIx_Init, finalize not seen yet (job.c) */
    long long suspect_ms; /* when it became a suspect (CLOCK_MONOTONIC, ms) */
    bool aborted;         /* its PMIx_Abort was seen: its exit says nothing more */
    bool exited;
    int status; /* waitpid status */
    /* stdio (iof.c) */
    int fd_out, fd_err, fd_in; /* -1 when closed */
};

/* The planner's result: every rank of the job and the nodes they run on.
 * The same table is known to mpirun and to every node daemon. */
struct lark_map {
    struct lark_proc *procs; /* nprocs, by rank; malloc'd */
    int nprocs;
    char **nodes;   /* host names, malloc'd; every node runs >= 1 rank */
    int *node_size; /* ranks per node, malloc'd */
    int nnodes;
    int me; /* this host's node, or -1 when it runs no rank */
};

/* Build the rank table: apps' -n, hosts and slots, --npernode, --map-by node
 * and the oversubscription rules.  Fills *m (free with lark_map_free).
 * Returns 0 or -1 with a message that says how to fix it. */
int lark_map_ranks(const struct lark_options *o, struct lark_map *m, char *err, size_t errlen);
void lark_map_free(struct lark_map *m);
/* Compute the binding with hwloc (--map-by, --bind-to, PE=n, the allowed
 * cpuset) of every rank of `node` (the ranks of other nodes are left
 * alone).  Called before any fork.  Returns 0 or -1 with err. */
int lark_bind_compute(const struct lark_options *o, struct lark_proc *procs, int nprocs, int node,
                      char *err, size_t errlen);
/* In the child, before exec: apply the mask and, with --report-bindings, write
 * the line to fd once the mask read back matches.  Async-signal-safe. */
void lark_bind_apply(const struct lark_proc *p, bool report, int fd);
/* How many packages (LARK_MAP_SOCKET) or NUMA nodes (LARK_MAP_NUMA) this
 * machine has; at least 1. */
int lark_bind_count(enum lark_map_by obj);
/* The hwloc topology (hwloc_topology_t), loaded once; NULL if it cannot be. */
void *lark_bind_topology(void);
/* Number of slots on this host when the user gave none: the allowed cores,
 * or hwthreads (--map-by hwthread, --use-hwthread-cpus). */
int lark_bind_default_slots(bool hwthreads);

/* ---- pmix_server.c ------------------------------------------------------- */

enum lark_event_kind {
    LARK_EV_CONNECTED = 1,
    LARK_EV_FINALIZED,
    LARK_EV_ABORT,
    LARK_EV_NOTE,        /* msg is a line for mpirun's stderr (rank is -1) */
    LARK_EV_FENCE,       /* fence_nb of ranks on several nodes: msg = signature */
    LARK_EV_DMODEX_REQ,  /* direct_modex: a local rank wants `rank`'s data */
    LARK_EV_DMODEX_DATA, /* PMIx_server_dmodex_request answered (reqid, node) */
};

/* Posted by the PMIx server's thread to the main loop through a pipe. */
struct lark_event {
    int kind;
    int rank;
    int status;
    char *msg;  /* abort message or fence signature, malloc'd by the PMIx thread,
                   freed by the loop */
    char *data; /* fence contribution / dmodex answer, malloc'd, freed by the loop */
    size_t ndata;
    void *cbfunc; /* the PMIx callback the loop calls when the answer is in */
    void *cbdata;
    uint32_t reqid; /* dmodex: which request */
    int node;       /* dmodex: the node that asked */
};

/* Start the PMIx server with its own temp directory under `tmpdir`; upcalls
 * are written as struct lark_event to event_fd.  Returns 0 or -1 with err. */
int lark_pmix_start(const char *tmpdir, int event_fd, char *err, size_t errlen);
/* Register the job's namespace and every rank. */
struct lark_map;
/* Register the job's namespace with its true description seen from node
 * m->me (node and proc maps, local peers, every rank's node) and the ranks
 * of this node as clients.  `secret` (64 hex digits, the same on every node
 * of the job, made by mpirun) becomes the job-level key "lark.secret" that
 * TCP handshakes between ranks show (transports/tcp); NULL or "": none. */
int lark_pmix_register(const char *nspace, const char *tmpdir, const struct lark_options *o,
                       const struct lark_map *m, const char *secret, char *err, size_t errlen);
/* Add the PMIx client variables for `rank` to *env (malloc'd argv-style). */
int lark_pmix_setup_fork(const char *nspace, int rank, char ***env);
/* Tell this node's ranks of job `nspace` that `rank` died while the job
 * goes on (--enable-recovery): a PMIx event, PMIX_EVENT_PROC_TERMINATED
 * with the rank in PMIX_EVENT_AFFECTED_PROC and `why` (the launcher's
 * line) in PMIX_EVENT_TEXT_MESSAGE, which the runtime turns into
 * MPI_ERR_PROC_ABORTED on whatever involves that rank (runtime/lost.h).
 * Loop thread; does not block. */
void lark_pmix_notify_lost(const char *nspace, int rank, const char *why);
/* Have the main loop print `line` on mpirun's stderr (any thread). */
void lark_pmix_note(const char *line);
/* End of job; see pmix_server.c for why this does not finalize. */
void lark_pmix_stop(void);
/* Complete a fence_nb or direct_modex upcall (from the loop's thread):
 * hands `data` (malloc'd; ownership passes to the PMIx library, freed by
 * its release call) to the callback the event carried. */
void lark_pmix_modex_done(void *cbfunc, void *cbdata, int status, char *data, size_t ndata);
/* Ask the local PMIx server for the data of local rank `rank` of `nspace`;
 * the answer comes back as a LARK_EV_DMODEX_DATA event with reqid and node. */
int lark_pmix_dmodex_ask(const char *nspace, int rank, uint32_t reqid, int node);

/* ---- sink.c ------------------------------------------------------------- */

/* One of mpirun's outputs (stdout, stderr), written without blocking: bytes
 * are queued in order and written as the destination takes them. */
struct lark_sink;
/* Wrap descriptor fd (not closed by the sink).  NULL when out of memory. */
struct lark_sink *lark_sink_open(int fd);
/* Queue n bytes (writing what can be written at once).  Never blocks. */
void lark_sink_put(struct lark_sink *k, const char *p, size_t n);
/* Write what the destination takes now: 0 when nothing is left queued, 1
 * when bytes wait (poll lark_sink_fd for POLLOUT).  A destination nobody
 * reads any more (EPIPE) has its bytes dropped. */
int lark_sink_flush(struct lark_sink *k);
int lark_sink_fd(const struct lark_sink *k);
/* Bytes queued; bytes dropped so far. */
size_t lark_sink_pending(const struct lark_sink *k);
size_t lark_sink_dropped(const struct lark_sink *k);
/* Drop what is queued; returns how many bytes that was. */
size_t lark_sink_drop(struct lark_sink *k);
/* Free the sink (the queue is dropped) and restore the descriptor. */
void lark_sink_close(struct lark_sink *k);

/* ---- stdin.c ------------------------------------------------------------ */

/* Bytes of stdin mpirun queues for one local rank.  A rank this far
 * behind the others holds the reading of mpirun's stdin (memory stays
 * bounded, a slow reader loses nothing and paces the rest); one that has
 * taken nothing from its pipe for LARK_STDIN_STALL_MS while so far behind
 * has its stdin closed with a note, so that a rank that never reads holds
 * the others up no longer than that.  A rank that has read (its pipe took
 * more than the pipe holds) is a slow reader, not one that never reads: it
 * gets LARK_STDIN_STALL_READER_MS, so that a loaded machine, where such a
 * rank may not run for a second, does not cost it its input. */
#define LARK_STDIN_BOUND           (1 << 20)
#define LARK_STDIN_STALL_MS        1000
#define LARK_STDIN_STALL_READER_MS 30000
/* How long a rank whose stdin pipe (fd) took `taken` bytes so far may
 * take nothing more while far behind (mpirun's stdin.c, the daemon's
 * noded.c). */
static inline int lark_stdin_stall_ms(int fd, uint64_t taken)
{
    int cap = fd >= 0 ? fcntl(fd, F_GETPIPE_SZ) : -1;
    if (cap <= 0)
        cap = 65536; /* Linux's default pipe */
    return taken > (uint64_t)cap ? LARK_STDIN_STALL_READER_MS : LARK_STDIN_STALL_MS;
}
/* A rank on another host is paced the same way: its daemon reports how
 * many bytes the rank's pipe has taken (LARK_MSG_STDIN_ACK, at least every
 * LARK_STDIN_ACK_EVERY bytes and whenever its queue empties) and when the
 * pipe has taken nothing for LARK_STDIN_STALL_MS with bytes waiting (timed
 * by the daemon, so the reports' delay counts against nobody); mpirun
 * counts what it sent but has not seen taken as that rank's queue, and a
 * rank behind and stalled is dropped (LARK_MSG_STDIN_DROP), not sent EOF.
 * The daemon's own bound only guards against a peer that ignores this. */
#define LARK_STDIN_ACK_EVERY    (64 << 10)
#define LARK_STDIN_REMOTE_BOUND (64 << 20)
/* Forwarding of mpirun's stdin to the ranks that take it: local ranks
 * whose fd_in is open, and ranks on other hosts (their daemons queue it). */
struct lark_stdin;
struct lark_stdin_conf {
    int ep;  /* the loop's epoll set: src is registered with src_key, a rank's
              * stdin pipe with dst_key | index */
    int src; /* mpirun's stdin */
    struct lark_proc *procs;
    int nprocs;
    /* Per rank (copied; NULL: none): takes stdin on another host.  Such a
     * rank gets each chunk through send(ctx, rank, data, n), EOF as
     * send(ctx, rank, NULL, 0), and drop(ctx, rank) when it is closed for
     * stalling (its daemon throws away what it holds for it). */
    const bool *remote;
    void (*send)(void *ctx, int rank, const char *data, size_t n);
    void (*drop)(void *ctx, int rank);
    void *ctx;
    struct lark_sink *notes; /* where to say that a rank's stdin was closed */
    uint64_t src_key, dst_key;
};
/* Closes every fd_in (and sends EOF to remote ranks) when src cannot be
 * used.  Never blocks; NULL when out of memory (the fd_in are closed then). */
struct lark_stdin *lark_stdin_new(const struct lark_stdin_conf *c);
/* src is readable; rank i's pipe has room; rank i is gone. */
void lark_stdin_on_src(struct lark_stdin *s);
void lark_stdin_on_dst(struct lark_stdin *s, int i);
void lark_stdin_rank_gone(struct lark_stdin *s, int i);
/* Remote rank i's pipe has taken `total` bytes so far, and has (not)
 * stalled (its daemon says). */
void lark_stdin_on_ack(struct lark_stdin *s, int i, uint64_t total, bool stalled);
/* Remote rank i cannot be reached any more (its daemon is gone): send it
 * nothing, not even EOF. */
void lark_stdin_forget(struct lark_stdin *s, int i);
/* The loop's epoll timeout: 0 while a regular-file stdin has more for a
 * rank that waits for it (and reads it); the time until a rank far behind
 * would have stalled for LARK_STDIN_STALL_MS (such a rank is closed here
 * once it has); else -1. */
int lark_stdin_wait_ms(struct lark_stdin *s);
/* Close every rank's stdin and free. */
void lark_stdin_free(struct lark_stdin *s);

/* ---- iof.c -------------------------------------------------------------- */

/* Line-buffered forwarding of one rank's stream to mpirun's stdout/stderr
 * (and to --output-filename files). */
struct lark_iof;
/* out: the sink for the terminal copy (not owned), or NULL; file_fd: the
 * --output-filename file (owned), or -1. */
struct lark_iof *lark_iof_new(int rank, struct lark_sink *out, int file_fd, bool tag);
/* Read from the non-blocking `fd` (a bounded amount, for fairness) and
 * forward complete lines.  Returns 0 at EOF or on error (close fd), 1 when
 * the pipe is empty for now, 2 when more may be waiting. */
int lark_iof_read(struct lark_iof *s, int fd);
/* Forward n bytes the rank wrote (read here, or sent by its node's daemon). */
void lark_iof_feed(struct lark_iof *s, const char *buf, size_t n);
/* Emit whatever partial line remains and free. */
void lark_iof_free(struct lark_iof *s);
/* Write all of buf to fd, retrying on EINTR/short writes (blocks). */
int lark_write_all(int fd, const void *buf, size_t len);

/* ---- spawn.c ------------------------------------------------------------ */

struct lark_job;
/* mpirun's original soft limit on open files, restored in each rank (mpirun
 * raises its own for its pipes), or -1 when unchanged. */
extern long lark_spawn_nofile;
/* Whether nprocs ranks can start at all (the user's process limit, mpirun's
 * descriptors, the machine's threads-max): checked before anything starts,
 * so a job that cannot fit fails at once.  Returns 0 or -1 with err. */
int lark_spawn_fits(int nprocs, bool stdin_all, char *err, size_t errlen);
/* Fork and exec every rank with its environment, pipes, binding and wdir,
 * each the leader of a session of its own (or, with same_session, of a
 * process group of its own in ours). */
int lark_spawn_all(struct lark_job *job, char *err, size_t errlen);
/* Send sig to a rank of this node that has not been reaped yet: its process
 * group, or the rank alone while it has not made its session yet (a group
 * that does not exist yet has nothing else in it).  Never after the rank
 * was reaped: its pid may then be another process's. */
void lark_spawn_signal(const struct lark_proc *p, int sig);
/* mpirun's environment minus stale PMIx/Lark variables, plus --prefix and
 * -x/-genv: what every rank starts from.  malloc'd argv-style array. */
char **lark_spawn_base_env(const struct lark_options *o, char **environ_in);
/* Find `prog`: an absolute path as is; a bare name in env's PATH; then (and
 * for relative paths) in mpirun's directory, then in wdir.  Returns a
 * malloc'd absolute path (for relative names), or NULL. */
char *lark_spawn_resolve(const char *prog, char **env, const char *wdir);

/* ---- reaper.c ----------------------------------------------------------- */

/* Make mpirun the subreaper of its descendants (before the first fork). */
void lark_reaper_init(void);
/* Leave child `pid` and its descendants alone (an agent, a cleaner). */
void lark_reaper_spare(pid_t pid);
/* Also spare the cleaners of daemons running daemon_path that become our
 * children when their daemon dies (a daemon started by a local agent). */
void lark_reaper_spare_cleaners(const char *daemon_path);
/* A cleaner's process name (cleanup.c), how the reaper knows it. */
#define LARK_CLEANER_NAME "lark-cleaner"
/* Send sig (then SIGCONT when cont) to every descendant of this process but
 * the spared ones, found in one walk of /proc; returns how many there were. */
int lark_reaper_signal(int sig, bool cont);
/* SIGKILL and reap every descendant until none is left (bounded). */
void lark_reaper_end(void);

/* ---- leftovers.c -------------------------------------------------------- */

/* Remove the files of dead jobs of this user (see leftovers.c); returns how
 * many jobs' files were removed. */
int lark_leftovers_sweep(void);
/* Mark the job `nspace` as alive on this node for as long as the returned
 * descriptor is open (or -1 when that cannot be done). */
int lark_leftovers_claim(const char *nspace);
/* Record the directory in which the job's temp directory
 * (<nspace>.XXXXXX) is made, for a sweeper after a crash; called before
 * the temp directory is made. */
void lark_leftovers_set_dir(int fd, const char *dir);
/* The end of a job whose files are gone: drop the owner file. */
void lark_leftovers_release(int fd, const char *nspace);

/* ---- job.c -------------------------------------------------------------- */

struct lark_job {
    struct lark_options *opts;
    struct lark_map map;     /* the plan: every rank and node */
    struct lark_proc *procs; /* map.procs */
    int nprocs;              /* map.nprocs */
    char nspace[32];         /* lark-<16 hex> */
    char tmpdir[256];        /* fresh temp dir for the PMIx server, removed at the end */
    char hostname[256];
    int event_pipe[2]; /* PMIx thread -> loop */
    char **base_env;   /* environment common to all ranks, malloc'd */
    /* other hosts */
    char secret[40];       /* the job's secret: daemons show it when they call back */
    char rank_secret[68];  /* the ranks' secret (lark.secret, TCP handshakes): 64 hex */
    const char *agent;     /* how to start a daemon: "ssh" or the user's command */
    char *daemon;          /* lark-noded's path, malloc'd */
    double launch_timeout; /* seconds a daemon has to call back */
};

#define LARK_DEFAULT_RADIX          32
#define LARK_DEFAULT_LAUNCH_TIMEOUT 30.0

/* The signal that asks a running mpirun for its hang report (where each
 * rank is, launcher/report.c); `mpirun --report-state PID` sends it. */
#define LARK_REPORT_SIGNAL (SIGRTMIN + 3)

/* Set VAR=value for every rank, as -x does (0, or -1 out of memory). */
int lark_options_setenv(struct lark_options *o, const char *name, const char *value);

/* --trace FILE (trace.c): before the ranks start, the directory their
 * records go to and the recorder they preload; after the job, the merge
 * into FILE.  Each returns 0, or -1 with err. */
int lark_trace_setup(struct lark_options *o, char *err, size_t errlen);
int lark_trace_finish(const struct lark_options *o, char *err, size_t errlen);
/* Remove FILE.parts and what the ranks left in it (any path out of mpirun). */
void lark_trace_cleanup(void);

/* Run the job to the end; returns mpirun's exit status. */
int lark_job_run(struct lark_job *job);

/* ---- wire.c: the control channel between mpirun and the daemons ------- */

/* Frame types.  "up" goes towards mpirun, "down" towards the daemons. */
enum lark_msg {
    LARK_MSG_HELLO = 1,  /* up, first frame: secret, node (~0: by name), node name,
                            the daemon's own listening addresses (by name only) */
    LARK_MSG_LAUNCH,     /* down: the job (launch.c) */
    LARK_MSG_READY,      /* up: node; its ranks are started */
    LARK_MSG_IO,         /* up: rank, stream (1 or 2), bytes */
    LARK_MSG_EVENT,      /* up: kind, rank, status, message */
    LARK_MSG_EXIT,       /* up: rank, pid, wait status */
    LARK_MSG_ERROR,      /* up: node, message (the job cannot go on) */
    LARK_MSG_LOST,       /* up: node, message: a daemon went away */
    LARK_MSG_FENCE,      /* up: node, signature, data */
    LARK_MSG_FENCE_DONE, /* down: signature, data */
    LARK_MSG_DMDX_REQ,   /* up/down: target node, asking node, reqid, rank */
    LARK_MSG_DMDX_RESP,  /* up/down: target node, reqid, status, data */
    LARK_MSG_SIGNAL,     /* down: signal number */
    LARK_MSG_STDIN,      /* down: target node, rank, bytes (none: EOF) */
    LARK_MSG_END,        /* down: the job is over, clean up and exit */
    LARK_MSG_WHERE_REQ,  /* down: reqid; every daemon answers with WHERE */
    LARK_MSG_WHERE,      /* up: node, reqid, its ranks' where-records */
    LARK_MSG_STDIN_ACK,  /* up: rank, bytes its pipe took so far (two u32: low, high),
                            stalled (it took nothing for LARK_STDIN_STALL_MS with bytes
                            waiting; 0 again once it reads) */
    LARK_MSG_STDIN_DROP, /* down: target node, rank: close its stdin, discard its queue */
    LARK_MSG_DIED,       /* down: rank, line: it died and the job goes on (--enable-recovery) */
    LARK_MSG_NODE,       /* down, first frame: the node the daemon is (before LAUNCH) */
    LARK_MSG_REDIRECT,   /* down, after NODE: call your parent at these addresses instead */
};

/* A growing byte buffer for frame payloads (writing), or a view of one
 * (reading: data/len point into a frame, off advances, bad is set on a
 * short or malformed payload). */
struct lark_buf {
    char *data;
    size_t len, cap, off;
    bool bad;
};
void lark_buf_u32(struct lark_buf *b, uint32_t v);
void lark_buf_bytes(struct lark_buf *b, const void *data, size_t n);
void lark_buf_str(struct lark_buf *b, const char *s); /* NULL allowed */
void lark_buf_free(struct lark_buf *b);
uint32_t lark_buf_get_u32(struct lark_buf *b);
const void *lark_buf_get_bytes(struct lark_buf *b, size_t *n); /* points into b */
char *lark_buf_get_str(struct lark_buf *b);                    /* malloc'd, or NULL */

/* One control connection (non-blocking TCP). */
struct lark_conn {
    int fd;
    int node;    /* the peer's node (after HELLO), -1 before */
    bool authed; /* HELLO with the right secret received */
    bool parked; /* mpirun: a daemon waiting for its parent's address (down.c) */
    bool dead;   /* a send failed: treat as closed */
    char *out;   /* frames not yet sent: out[outoff..outlen) */
    size_t outlen, outoff, outcap;
    char *in; /* bytes received, not yet a whole frame */
    size_t inlen, incap;
};
typedef int (*lark_frame_fn)(void *arg, struct lark_conn *c, uint32_t type, struct lark_buf *b);
struct lark_conn *lark_conn_new(int fd);
void lark_conn_free(struct lark_conn *c);
/* Queue a frame and send what the socket takes now (never blocks).
 * Returns 0, or -1 when the connection is gone. */
int lark_conn_send(struct lark_conn *c, uint32_t type, const struct lark_buf *b);
int lark_conn_send_raw(struct lark_conn *c, uint32_t type, const void *payload, size_t n);
/* Send queued bytes: 0 all sent, 1 some left (wait for EPOLLOUT), -1 error. */
int lark_conn_flush(struct lark_conn *c);
size_t lark_conn_pending(const struct lark_conn *c);
/* Read what is there and call fn for every whole frame (a negative return
 * from fn closes).  Returns 0 at EOF or error, 1 when drained, 2 if more
 * may be waiting. */
int lark_conn_read(struct lark_conn *c, lark_frame_fn fn, void *arg);
/* Listen on an ephemeral TCP port on every interface (IPv6 and IPv4, one
 * dual-stack socket); writes "ip:port,[ip6]:port,..." (this host's
 * addresses, IPv4 first, loopback last) to addrs. */
int lark_listen(char *addrs, size_t len);
/* Parse "1.2.3.4:80" or "[fd00::1]:80" (an IPv6 address always in
 * brackets); 0, or -1 when malformed. */
int lark_addr_parse(const char *tok, struct sockaddr_storage *ss, socklen_t *sl);
/* Connect to the first address of "ip:port,[ip6]:port,..." that answers. */
int lark_connect_any(const char *addrs, double timeout_s);
/* Constant-time comparison of two secrets. */
bool lark_secret_equal(const char *a, const char *b);

/* ---- probe.c: other hosts' topology, before the map ------------------- */

/* One host's counts, as its lark-noded --topology saw them. */
struct lark_topo {
    char *name;   /* the host, as in the host list (malloc'd) */
    int count[4]; /* packages, NUMA nodes, cores, PUs (each >= 1) */
};
/* Run "daemon --topology" on each of hosts[nhosts] through the agent (ssh
 * like, one per host, in parallel; srun: one step) and read their counts,
 * waiting at most timeout s.  mpirun calls it before mapping; it blocks.
 * Returns 0 with *out a malloc'd array in the order of hosts (free with
 * lark_topo_free), or -1 with a message naming the host that did not
 * answer. */
int lark_probe_topology(const char *agent, const char *daemon, char **hosts, int nhosts,
                        double timeout, struct lark_topo **out, char *err, size_t errlen);
void lark_topo_free(struct lark_topo *t, int n); /* hostfile.c */

/* ---- tree.c: the launch tree and remote starts ------------------------- */

/* The daemons form a tree: position 0 is mpirun, positions 1.. are the
 * nodes other than mpirun's (in node order).  With radix k the children of
 * position p are p*k+1 .. p*k+k; radix 0 is flat (mpirun starts all). */
struct lark_tree {
    int root_node; /* mpirun's node, or -1 when it runs no rank */
    int nnodes;
    int radix;
};
int lark_tree_pos(const struct lark_tree *t, int node); /* position of a node (root node: 0) */
int lark_tree_node(const struct lark_tree *t, int pos); /* node at a position (0: root_node) */
int lark_tree_npos(const struct lark_tree *t);          /* positions, mpirun included */
int lark_tree_children(const struct lark_tree *t, int pos, int *first); /* count, first pos */
bool lark_tree_below(const struct lark_tree *t, int pos, int under);    /* pos in under's subtree */
int lark_tree_parent(const struct lark_tree *t, int pos);               /* parent of pos > 0 */
/* Where the daemon program is: --prefix's, or beside mpirun (installed:
 * BINDIR/../libexec/lark/lark-noded; build tree: mpirun's directory).
 * malloc'd. */
char *lark_tree_daemon_path(const char *prefix);
/* The agent mpirun uses inside a Slurm allocation when none is given. */
#define LARK_SRUN_AGENT "srun"
/* Whether the agent's program is srun (its first word's base name). */
bool lark_tree_agent_is_srun(const char *agent);
/* Start `daemon` on `host` through the agent ("ssh" or the user's, split
 * at spaces, then HOST and one shell command line), with the secret on its
 * stdin.  Not for srun (lark_tree_start_srun).  Returns the agent's pid
 * or -1. */
pid_t lark_tree_start(const char *agent, const char *host, const char *daemon, int node,
                      const char *parent_addrs, const char *secret);
/* Start `daemon` on every one of hosts[nhosts] in ONE srun step (the
 * agent's words, srun's options first: --nodes=N --ntasks=N
 * --ntasks-per-node=1 --nodelist=HOSTS ...), as "daemon --node by-name
 * --parent ADDRS": each daemon names its node by its Slurm node name when
 * it calls back.  The secret goes to every task on srun's stdin.  Called
 * by mpirun's down.c; returns srun's pid or -1. */
pid_t lark_tree_start_srun(const char *agent, const char *const *hosts, int nhosts,
                           const char *daemon, const char *parent_addrs, const char *secret);
/* Start "daemon --topology" (which prints one line, "lark-topology NAME
 * PACKAGES NUMA CORES PUS", and exits) through the agent: on hosts[0]
 * (nhosts must be 1) like ssh, or on every host in one srun step.  The
 * agent's stdout is a pipe whose reading end goes to *out (the caller
 * closes it).  Called by probe.c; returns the agent's pid or -1. */
pid_t lark_tree_start_probe(const char *agent, const char *const *hosts, int nhosts,
                            const char *daemon, int *out);

/* ---- down.c: the daemons a node starts (its children in the tree) ----- */

struct lark_child {
    int pos, node;
    const char *host;
    pid_t agent;            /* the agent process (ssh; srun: one for all), 0 once reaped */
    struct lark_conn *conn; /* after a good HELLO */
    long long deadline;     /* CLOCK_MONOTONIC ms by which it must call back */
    struct lark_buf early;  /* frames sent down before it called back */
    bool failed, gone;
};
struct lark_down {
    /* set by the owner before lark_down_start */
    int ep;                        /* the owner's epoll */
    uint32_t key_listen, key_conn; /* epoll keys: kind << 32 (| conn index) */
    const char *agent_name;
    struct lark_buf launch; /* the LAUNCH payload for the children */
    void *arg;
    /* a child's frame after its HELLO (the owner relays or handles it) */
    int (*frame)(void *arg, struct lark_conn *c, uint32_t type, struct lark_buf *b);
    /* a child could not be started (lost = false) or died (lost = true) */
    void (*failed)(void *arg, int node, const char *msg, bool lost);
    bool ending; /* END sent: closing connections are expected */
    /* mpirun under srun (lark_down_start): every daemon of the step calls
     * here first, by name; those below our children are sent on */
    struct lark_tree tree;
    char **nodes;    /* the map's node names (not owned) */
    char **up_addrs; /* by node: the addresses it said (malloc'd, as is the array) */
    /* state */
    int lfd;
    char addrs[1024];
    char secret[80];
    long long timeout_ms;
    struct lark_child *kids;
    int nkids;
    struct lark_conn **conns; /* accepted connections, by epoll index */
    int nconns, cap;
};
int lark_down_start(struct lark_down *d, const struct lark_tree *t, int mypos, char **nodes,
                    const char *agent, const char *daemon, const char *secret, double timeout,
                    char *err, size_t errlen);
/* A daemon of mpirun's srun step: its children run already (the same
 * step) and call it back on lfd (made before its own call-back, addrs its
 * addresses); only their deadlines are set. */
int lark_down_adopt(struct lark_down *d, const struct lark_tree *t, int mypos, char **nodes,
                    int lfd, const char *addrs, const char *secret, double timeout, char *err,
                    size_t errlen);
void lark_down_accept(struct lark_down *d);
void lark_down_on_conn(struct lark_down *d, int idx, uint32_t events);
/* A reaped pid: true if it was one of our agents (a failure if early). */
bool lark_down_reaped(struct lark_down *d, pid_t pid, int status);
/* The earliest call-back deadline (-1: none); lark_down_check fails the late. */
long long lark_down_next_deadline(const struct lark_down *d);
void lark_down_check(struct lark_down *d);
/* Send a frame down to the child whose subtree holds target_node (-1: all). */
void lark_down_send(struct lark_down *d, const struct lark_tree *t, int target_node, uint32_t type,
                    const void *payload, size_t n);
void lark_down_sync(struct lark_down *d); /* EPOLLOUT where bytes wait */
int lark_down_alive(const struct lark_down *d);
void lark_down_kill_agents(struct lark_down *d);
/* Reap the agents, SIGKILLing those still there after grace_ms (mpirun,
 * at the end of the job; blocks up to grace_ms plus the reaping). */
void lark_down_wait_agents(struct lark_down *d, int grace_ms);

/* ---- fence.c: fences and direct modex across nodes ------------------- */

/* A PMIx callback parked until the answer comes from other nodes: a fence
 * (sig) or a direct-modex request (reqid, sig NULL). */
struct lark_pending {
    struct lark_pending *next;
    char *sig;
    uint32_t reqid;
    void *cbfunc, *cbdata;
};
int lark_pending_add(struct lark_pending **list, const char *sig, uint32_t reqid, void *cbfunc,
                     void *cbdata);
/* Unlink and return the first match (sig, or reqid when sig is NULL). */
struct lark_pending *lark_pending_take(struct lark_pending **list, const char *sig, uint32_t reqid);
void lark_pending_free(struct lark_pending *p);

/* Take the parked callback (sig, or reqid when sig is NULL), complete it
 * with a copy of data (status 0: success) and free it; none: nothing. */
void lark_pending_complete(struct lark_pending **list, const char *sig, uint32_t reqid, int status,
                           const void *data, size_t n);
/* DMDX_REQ / DMDX_RESP payloads (the target node first, for routing). */
void lark_dmdx_pack_req(struct lark_buf *b, int target, int from, uint32_t reqid, int rank);
void lark_dmdx_pack_resp(struct lark_buf *b, int target, uint32_t reqid, int status,
                         const void *data, size_t n);
/* A DMDX_REQ for this node, read past its target: ask the local PMIx
 * server (the answer comes as a LARK_EV_DMODEX_DATA event).  When it
 * cannot, fills fail with the error response to send and returns -1. */
int lark_dmdx_serve(struct lark_buf *b, const char *nspace, struct lark_buf *fail);
/* A DMDX_RESP for this node, read past its target: complete the request. */
void lark_dmdx_take_resp(struct lark_buf *b, struct lark_pending **list);

/* mpirun: one fence in progress. */
struct lark_fence {
    struct lark_fence *next;
    char *sig;
    int expected, got; /* contributions: own node, child subtrees */
    struct lark_buf data;
};
/* Add one contribution (its own node's, or a child subtree's) at position
 * `pos` of the tree t.  Returns the number of contributions (> 0) when the
 * fence is complete (and fills done with the FENCE_DONE payload: signature,
 * data), 0 when some are still missing, -1 out of memory. */
int lark_fence_add(struct lark_fence **list, const struct lark_map *m, const struct lark_tree *t,
                   int pos, const char *sig, const void *data, size_t n, struct lark_buf *done);

/* ---- launch.c: the job as a LAUNCH frame -------------------------------- */

/* What a daemon needs: options that matter on a node, the map, mpirun's
 * environment and directory, the launch settings. */
struct lark_launch {
    const char *nspace;
    const char *rank_secret; /* lark.secret, registered by every node's PMIx server */
    const char *cwd;
    char **base_env;
    const char *agent;
    const char *daemon;
    double launch_timeout;
    struct lark_tree tree;
    /* --preload-binary: each app's program, its bytes and its file name
     * (napps entries; mpirun's point into its own memory, a daemon's are
     * malloc'd and freed by lark_launch_free). */
    char **bin;
    size_t *binlen;
    char **binname;
};
/* Free l->bin, binlen and binname (--preload-binary). */
void lark_launch_free_bins(struct lark_launch *l, int napps);
void lark_launch_pack(struct lark_buf *b, const struct lark_launch *l, const struct lark_options *o,
                      const struct lark_map *m);
/* Fills *o, *m, *l (everything malloc'd: a daemon holds it for its whole
 * life; lark_launch_free releases it).  Returns 0, or -1 on a malformed
 * frame (with nothing left allocated). */
int lark_launch_unpack(struct lark_buf *b, struct lark_launch *l, struct lark_options *o,
                       struct lark_map *m);
void lark_launch_free(struct lark_launch *l, struct lark_options *o, struct lark_map *m);

/* ---- cleanup.c ----------------------------------------------------------- */

/* Remove a node's files of the job: tmpdir (the PMIx server's) and
 * /dev/shm/<nspace>.*.  Either may be empty. */
void lark_cleanup_node(const char *tmpdir, const char *nspace);
/* Fork a cleaner that calls lark_cleanup_node once this process is gone,
 * however it went (multi-host jobs: a SIGKILLed agent leaves nothing). */
void lark_cleanup_guard(const char *tmpdir, const char *nspace);
/* Tell the cleaner of a rank this process started: it sweeps only once
 * that rank is gone too.  Nothing without a cleaner. */
void lark_cleanup_watch(pid_t rank_pid);

/* Format a message for the user into err (errlen bytes) and return -1: how
 * parsers and setup steps report a failure to their caller (errmsg.c). */
int lark_launcher_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

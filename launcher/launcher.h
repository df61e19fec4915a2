/* The launcher's shared types: what mpirun was asked to do (struct lark_options,
 * filled by options.c and hostfile.c), where each rank goes and what it is bound
 * to (struct lark_proc, filled by map.c), and the running job (struct lark_job,
 * driven by the event loop in job.c).  One header for the whole launcher: the
 * pieces are small and each .c file documents its own functions here. */
#ifndef LARK_LAUNCHER_H
#define LARK_LAUNCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define LARK_ERRLEN 512

/* ---- options.c ---------------------------------------------------------- */

enum lark_map_by {
    LARK_MAP_DEFAULT = 0,
    LARK_MAP_CORE,
    LARK_MAP_SOCKET,
    LARK_MAP_NUMA,
    LARK_MAP_NODE,
    LARK_MAP_SLOT,
    LARK_MAP_HWTHREAD,
    LARK_MAP_PPR, /* ppr:N:socket|numa: N ranks per package or NUMA node */
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
    int ppr_n;                /* --map-by ppr:N:OBJ with OBJ a socket or NUMA node */
    enum lark_map_by ppr_obj; /* LARK_MAP_SOCKET or LARK_MAP_NUMA */
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
    double timeout;   /* seconds, 0 = none (--timeout or MPIEXEC_TIMEOUT) */
    int stdin_target; /* rank, LARK_STDIN_NONE or LARK_STDIN_ALL; default 0 */
    char *wdir;       /* --wdir (not owned) */
    char *prefix;     /* --prefix (not owned) */
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
};

/* Posted by the PMIx server's thread to the main loop through a pipe. */
struct lark_event {
    int kind;
    int rank;
    int status;
    char *msg; /* abort message, malloc'd by the PMIx thread, freed by the loop */
};

/* Start the PMIx server with its own temp directory under `tmpdir`; upcalls
 * are written as struct lark_event to event_fd.  Returns 0 or -1 with err. */
int lark_pmix_start(const char *tmpdir, int event_fd, char *err, size_t errlen);
/* Register the job's namespace and every rank. */
struct lark_map;
/* Register the job's namespace with its true description seen from node
 * m->me (node and proc maps, local peers, every rank's node) and the ranks
 * of this node as clients. */
int lark_pmix_register(const char *nspace, const char *tmpdir, const struct lark_options *o,
                       const struct lark_map *m, char *err, size_t errlen);
/* Add the PMIx client variables for `rank` to *env (malloc'd argv-style). */
int lark_pmix_setup_fork(const char *nspace, int rank, char ***env);
/* End of job; see pmix_server.c for why this does not finalize. */
void lark_pmix_stop(void);

/* ---- iof.c -------------------------------------------------------------- */

/* Line-buffered forwarding of one rank's stream to mpirun's stdout/stderr
 * (and to --output-filename files). */
struct lark_iof;
struct lark_iof *lark_iof_new(int rank, int out_fd, int file_fd, bool tag);
/* Read from the non-blocking `fd` (a bounded amount, for fairness) and
 * forward complete lines.  Returns 0 at EOF or on error (close fd), 1 when
 * the pipe is empty for now, 2 when more may be waiting. */
int lark_iof_read(struct lark_iof *s, int fd);
/* Emit whatever partial line remains and free. */
void lark_iof_free(struct lark_iof *s);
/* Write all of buf to fd, retrying on EINTR/short writes (blocks). */
int lark_write_all(int fd, const void *buf, size_t len);

/* ---- spawn.c ------------------------------------------------------------ */

struct lark_job;
/* mpirun's original soft limit on open files, restored in each rank (mpirun
 * raises its own for its pipes), or -1 when unchanged. */
extern long lark_spawn_nofile;
/* Fork and exec every rank with its environment, pipes, binding and wdir. */
int lark_spawn_all(struct lark_job *job, char *err, size_t errlen);
/* mpirun's environment minus stale PMIx/Lark variables, plus --prefix and
 * -x/-genv: what every rank starts from.  malloc'd argv-style array. */
char **lark_spawn_base_env(const struct lark_options *o, char **environ_in);
/* Find `prog`: an absolute path as is; a bare name in env's PATH; then (and
 * for relative paths) in mpirun's directory, then in wdir.  Returns a
 * malloc'd absolute path (for relative names), or NULL. */
char *lark_spawn_resolve(const char *prog, char **env, const char *wdir);

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
};

/* Run the job to the end; returns mpirun's exit status. */
int lark_job_run(struct lark_job *job);

/* Format a message for the user into err (errlen bytes) and return -1: how
 * parsers and setup steps report a failure to their caller (errmsg.c). */
int lark_launcher_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

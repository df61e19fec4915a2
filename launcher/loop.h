/* The state of mpirun's event loop (job.c), shared with remote.c, which
 * handles the other hosts' daemons within the same loop.  Private to
 * mpirun: lark-noded has a loop of its own (noded.c). */
#ifndef LARK_LOOP_H
#define LARK_LOOP_H

#include "launcher.h"
#include "report.h"

enum src_kind {
    SRC_SIGNAL,
    SRC_EVENT,
    SRC_OUT,
    SRC_ERR,
    SRC_STDIN,
    SRC_STDIN_DST,
    SRC_TIMEOUT,
    SRC_GRACE,
    SRC_VERDICT,
    SRC_LISTEN, /* daemons calling back */
    SRC_CONN,   /* a daemon's control connection */
    SRC_LAUNCH, /* the next call-back deadline */
    SRC_SINK,   /* mpirun's stdout or stderr has room (sink.c) */
};

struct loop {
    struct lark_job *job;
    int ep;
    int sigfd, tofd, gracefd, verdictfd;
    bool debug;    /* LARK_MPIRUN_DEBUG: print the job's events */
    bool suspects; /* some rank exited 0 after PMIx_Init, finalize not seen yet, or held */
    /* A rank's abort because it lost a peer, in a job across hosts, is
     * held for VERDICT_MS: what made it lose the peer (that host's rank
     * killed, its daemon dead) usually comes in from the daemons at the
     * same moment, and that is the one line worth saying. */
    bool held;
    int held_code;
    long long held_ms;
    char held_msg[1100];
    struct lark_iof **iof_out, **iof_err;
    int nlive;
    bool any_connected;
    bool failing;
    int lost_code; /* --enable-recovery: the first death's status (the job went on) */
    bool killed;   /* SIGKILL already sent */
    int exit_code;
    long long teardown_ms; /* when the teardown began */
    /* mpirun's stdout [0] and stderr [1] (sink.c) */
    struct lark_sink *sink[2];
    bool sink_polled[2];   /* registered for EPOLLOUT */
    bool paused[2];        /* the local ranks' pipes of that stream are not read */
    struct lark_stdin *in; /* stdin forwarding (stdin.c) */
    /* other nodes (remote.c) */
    bool remote; /* some rank runs on another host */
    int launchfd;
    struct lark_tree tree;
    struct lark_down down;
    struct lark_pending *pend;
    struct lark_fence *fences;
    uint32_t next_req;
    /* A hang report waiting for the daemons' where-records (remote.c). */
    struct lark_where_view *where; /* per rank, or NULL when none is waiting */
    int where_waiting;             /* daemons yet to answer */
    uint32_t where_id;             /* the request they answer */
    long long where_until;         /* then it is printed without them */
    bool where_timed_out;          /* the job's --timeout: fail it after */
};

/* Between SIGTERM and SIGKILL in a teardown. */
#define LARK_LOOP_KILL_GRACE_MS 500

/* job.c */
long long lark_loop_now(void);
/* The loop's epoll key for source k of index idx, and (un)registering. */
uint64_t lark_loop_key(enum src_kind k, int idx);
int lark_loop_ep_add(struct loop *L, int fd, uint32_t events, enum src_kind k, int idx);
void lark_loop_ep_del(struct loop *L, int fd);
void lark_loop_arm(int fd, long ms);
void lark_loop_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *lark_loop_host(struct loop *L, const struct lark_proc *p);
/* The first failure: one line on stderr, then the teardown. */
void lark_loop_fail(struct loop *L, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void lark_loop_event(struct loop *L, struct lark_event *ev); /* frees ev->msg */
/* The hang report of v[0..n) on mpirun's stderr, through its sink. */
struct lark_where_view;
void lark_loop_report(struct loop *L, struct lark_where_view *v, int n);
void lark_loop_exit(struct loop *L, struct lark_proc *p); /* judge an exit */
void lark_loop_close_stdin(struct loop *L, int rank);
/* --timeout expired (and its report is printed): end the job. */
void lark_loop_timed_out(struct loop *L);

/* output.c */
void lark_loop_drain(struct loop *L, int rank); /* a dead rank's pipes, bounded */
/* After each round of events: write what the sinks hold, pause or resume
 * the ranks' pipes of a stream by its sink's fill. */
void lark_loop_service_sinks(struct loop *L);
void lark_loop_flush_sinks(struct loop *L); /* after the last rank */

/* remote.c */
int lark_remote_start(struct loop *L, char *err, size_t errlen);
void lark_remote_event(struct loop *L, struct lark_event *ev); /* fence, dmodex */
void lark_remote_arm(struct loop *L);                          /* launch deadline */
void lark_remote_stdin(struct loop *L, int rank, const char *data, size_t n);
void lark_remote_stdin_drop(struct loop *L, int rank);
void lark_remote_end(struct loop *L);
/* The hang report across hosts: ask every daemon for its ranks' records
 * (v[rank] has this host's; remote ones are filled as they come) and print
 * the report when all have answered or after LARK_WHERE_WAIT_MS; then, if
 * timed_out, end the job.  Takes v.  False when there is no daemon to ask:
 * the caller prints now. */
bool lark_remote_where(struct loop *L, struct lark_where_view *v, bool timed_out);
/* The report's deadline passed (from the launch timer). */
void lark_remote_where_due(struct loop *L);
#define LARK_WHERE_WAIT_MS 2000

#endif

/* mpirun's side of the other hosts, inside its event loop (job.c): it
 * starts the daemons of its children in the launch tree (down.c), takes
 * the frames every daemon sends up (output, PMIx events, exits, failures,
 * fence contributions, direct-modex traffic) and applies them to the job
 * exactly as the local ranks' own events are applied, sends signals, stdin
 * and fence results down, and at the end sends END and waits (bounded) for
 * the daemons to clean up and go. */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void lark_remote_stdin(struct loop *L, int rank, const char *data, size_t n)
{
    struct lark_buf b = {0};
    lark_buf_u32(&b, (uint32_t)L->job->procs[rank].node);
    lark_buf_u32(&b, (uint32_t)rank);
    lark_buf_bytes(&b, data, n);
    lark_down_send(&L->down, &L->tree, L->job->procs[rank].node, LARK_MSG_STDIN, b.data, b.len);
    lark_buf_free(&b);
}

void lark_remote_stdin_drop(struct loop *L, int rank)
{
    struct lark_buf b = {0};
    lark_buf_u32(&b, (uint32_t)L->job->procs[rank].node);
    lark_buf_u32(&b, (uint32_t)rank);
    lark_down_send(&L->down, &L->tree, L->job->procs[rank].node, LARK_MSG_STDIN_DROP, b.data,
                   b.len);
    lark_buf_free(&b);
}

/* The ranks of `node` and of every node below it in the tree are gone
 * (its daemon died or never started): count them out, quietly. */
static void lose_subtree(struct loop *L, int node)
{
    int under = lark_tree_pos(&L->tree, node);
    for (int i = 0; i < L->job->nprocs; i++) {
        struct lark_proc *p = &L->job->procs[i];
        if (p->exited || p->node == L->job->map.me ||
            !lark_tree_below(&L->tree, lark_tree_pos(&L->tree, p->node), under))
            continue;
        p->exited = true;
        p->status = SIGKILL; /* as if killed */
        L->nlive--;
        lark_stdin_forget(L->in, i);
    }
}

static void remote_failed(void *arg, int node, const char *msg, bool lost)
{
    struct loop *L = arg;
    (void)lost;
    if (!L->down.ending)
        lark_loop_fail(L, 1, "mpirun: %s; the job is aborted\n", msg);
    lose_subtree(L, node);
}

#define PRELOAD_MAX (48u << 20) /* a control frame holds at most 64 MiB */
/* --preload-binary: every app's program (resolved as spawn.c would) into
 * l->bin/binlen/binname, malloc'd (lark_launch_free_bins frees them).
 * Returns 0, or -1 with a message naming the program. */
static int read_bins(struct lark_launch *l, const struct lark_options *o, char **env, char *err,
                     size_t errlen)
{
    l->bin = calloc((size_t)o->napps, sizeof(*l->bin));
    l->binlen = calloc((size_t)o->napps, sizeof(*l->binlen));
    l->binname = calloc((size_t)o->napps, sizeof(*l->binname));
    if (!l->bin || !l->binlen || !l->binname)
        return lark_launcher_fail(err, errlen, "mpirun: out of memory for --preload-binary");
    for (int a = 0; a < o->napps; a++) {
        const char *prog = o->apps[a].argv[0];
        char *path = lark_spawn_resolve(prog, env, o->apps[a].wdir ? o->apps[a].wdir : o->wdir);
        int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
            (size_t)st.st_size > PRELOAD_MAX) {
            int e = errno;
            bool big = fd >= 0 && S_ISREG(st.st_mode) && (size_t)st.st_size > PRELOAD_MAX;
            if (fd >= 0)
                close(fd);
            free(path);
            return lark_launcher_fail(
                err, errlen, "mpirun: --preload-binary: cannot copy '%s' to the other hosts: %s",
                prog, big ? "larger than 48 MiB (copy it yourself)" : strerror(e));
        }
        l->bin[a] = malloc((size_t)st.st_size + 1);
        size_t got = 0;
        while (l->bin[a] && got < (size_t)st.st_size) {
            ssize_t n = read(fd, l->bin[a] + got, (size_t)st.st_size - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        close(fd);
        const char *base = strrchr(path, '/');
        l->binname[a] = strdup(base ? base + 1 : path);
        free(path);
        if (!l->bin[a] || !l->binname[a] || got != (size_t)st.st_size)
            return lark_launcher_fail(err, errlen, "mpirun: --preload-binary: cannot read '%s'",
                                      prog);
        l->binlen[a] = got;
    }
    return 0;
}

static void fence_contribute(struct loop *L, const char *sig, const void *data, size_t n)
{
    struct lark_buf done = {0};
    int parts = lark_fence_add(&L->fences, &L->job->map, &L->tree, 0, sig, data, n, &done);
    if (parts <= 0) {
        lark_buf_free(&done);
        return;
    }
    if (L->debug)
        lark_loop_dbg("fence %s complete: %d contribution%s (own node and child subtrees)\n", sig,
                      parts, parts == 1 ? "" : "s");
    lark_down_send(&L->down, &L->tree, -1, LARK_MSG_FENCE_DONE, done.data, done.len);
    struct lark_buf v = {.data = done.data, .len = done.len};
    char *s = lark_buf_get_str(&v);
    size_t dn;
    const void *d = lark_buf_get_bytes(&v, &dn);
    if (s && L->job->map.me >= 0)
        lark_pending_complete(&L->pend, s, 0, 0, d, dn);
    free(s);
    lark_buf_free(&done);
}

/* DMDX_REQ / DMDX_RESP: to this node, or down towards its target. */
static void dmdx_route(struct loop *L, uint32_t type, const char *payload, size_t n)
{
    struct lark_buf b = {.data = (char *)payload, .len = n};
    int target = (int)lark_buf_get_u32(&b);
    if (target != L->job->map.me || target < 0) {
        lark_down_send(&L->down, &L->tree, target, type, payload, n);
        return;
    }
    if (type == LARK_MSG_DMDX_RESP) {
        lark_dmdx_take_resp(&b, &L->pend);
        return;
    }
    struct lark_buf fail = {0};
    if (lark_dmdx_serve(&b, L->job->nspace, &fail) < 0)
        dmdx_route(L, LARK_MSG_DMDX_RESP, fail.data, fail.len);
    lark_buf_free(&fail);
}

/* Fence and direct-modex upcalls of this node's PMIx server. */
void lark_remote_event(struct loop *L, struct lark_event *ev)
{
    struct lark_buf b = {0};
    switch (ev->kind) {
    case LARK_EV_FENCE:
        lark_pending_add(&L->pend, ev->msg, 0, ev->cbfunc, ev->cbdata);
        fence_contribute(L, ev->msg, ev->data, ev->ndata);
        break;
    case LARK_EV_DMODEX_REQ: {
        if (ev->rank < 0 || ev->rank >= L->job->nprocs) {
            lark_pmix_modex_done(ev->cbfunc, ev->cbdata, -1, NULL, 0);
            break;
        }
        uint32_t id = ++L->next_req;
        lark_pending_add(&L->pend, NULL, id, ev->cbfunc, ev->cbdata);
        lark_dmdx_pack_req(&b, L->job->procs[ev->rank].node, L->job->map.me, id, ev->rank);
        dmdx_route(L, LARK_MSG_DMDX_REQ, b.data, b.len);
        break;
    }
    case LARK_EV_DMODEX_DATA:
        lark_dmdx_pack_resp(&b, ev->node, ev->reqid, ev->status, ev->data, ev->ndata);
        dmdx_route(L, LARK_MSG_DMDX_RESP, b.data, b.len);
        break;
    }
    lark_buf_free(&b);
    free(ev->msg);
    free(ev->data);
}

/* ---- the hang report across hosts ---- */

static void where_print(struct loop *L)
{
    struct lark_where_view *v = L->where;
    bool timed_out = L->where_timed_out;
    L->where = NULL;
    L->where_timed_out = false;
    lark_loop_report(L, v, L->job->nprocs);
    free(v);
    lark_remote_arm(L);
    if (timed_out)
        lark_loop_timed_out(L);
}

bool lark_remote_where(struct loop *L, struct lark_where_view *v, bool timed_out)
{
    int daemons = 0;
    for (int n = 0; n < L->job->map.nnodes; n++)
        daemons += n != L->job->map.me;
    if (daemons == 0 || L->down.ending)
        return false;
    L->where = v;
    L->where_waiting = daemons;
    L->where_id = ++L->next_req;
    L->where_until = lark_loop_now() + LARK_WHERE_WAIT_MS;
    L->where_timed_out = timed_out;
    struct lark_buf b = {0};
    lark_buf_u32(&b, L->where_id);
    lark_down_send(&L->down, &L->tree, -1, LARK_MSG_WHERE_REQ, b.data, b.len);
    lark_buf_free(&b);
    lark_remote_arm(L);
    return true;
}

void lark_remote_where_due(struct loop *L)
{
    if (L->where && lark_loop_now() >= L->where_until)
        where_print(L);
}

/* A frame a daemon sent up (directly, or relayed by the daemons between). */
static int remote_frame(void *arg, struct lark_conn *c, uint32_t type, struct lark_buf *b)
{
    struct loop *L = arg;
    struct lark_job *job = L->job;
    (void)c;
    switch (type) {
    case LARK_MSG_IO: {
        int rank = (int)lark_buf_get_u32(b);
        int stream = (int)lark_buf_get_u32(b);
        size_t n;
        const char *d = lark_buf_get_bytes(b, &n);
        if (b->bad || rank < 0 || rank >= job->nprocs || !d)
            break;
        struct lark_iof *io = stream == 1 ? L->iof_out[rank] : L->iof_err[rank];
        if (io)
            lark_iof_feed(io, d, n);
        break;
    }
    case LARK_MSG_EVENT: {
        struct lark_event ev = {0};
        ev.kind = (int)lark_buf_get_u32(b);
        ev.rank = (int)lark_buf_get_u32(b);
        ev.status = (int)lark_buf_get_u32(b);
        ev.msg = lark_buf_get_str(b);
        if (b->bad || ev.kind >= LARK_EV_FENCE) {
            free(ev.msg);
            break;
        }
        lark_loop_event(L, &ev); /* frees msg */
        break;
    }
    case LARK_MSG_STDIN_ACK: {
        int rank = (int)lark_buf_get_u32(b);
        uint64_t lo = lark_buf_get_u32(b), hi = lark_buf_get_u32(b);
        bool stalled = lark_buf_get_u32(b) != 0;
        if (!b->bad && rank >= 0 && rank < job->nprocs)
            lark_stdin_on_ack(L->in, rank, lo | hi << 32, stalled);
        break;
    }
    case LARK_MSG_EXIT: {
        int rank = (int)lark_buf_get_u32(b);
        pid_t pid = (pid_t)lark_buf_get_u32(b);
        int st = (int)lark_buf_get_u32(b);
        if (b->bad || rank < 0 || rank >= job->nprocs)
            break;
        struct lark_proc *p = &job->procs[rank];
        if (p->exited || p->node == job->map.me)
            break;
        p->pid = pid; /* for messages only: it is another host's */
        p->exited = true;
        p->status = st;
        L->nlive--;
        if (L->debug)
            lark_loop_dbg("rank %d on %s exited, wait status 0x%x\n", rank, lark_loop_host(L, p),
                          st);
        lark_loop_close_stdin(L, rank);
        lark_loop_exit(L, p);
        break;
    }
    case LARK_MSG_ERROR:
    case LARK_MSG_LOST: {
        int node = (int)lark_buf_get_u32(b);
        char *msg = lark_buf_get_str(b);
        if (!b->bad && node >= 0 && node < job->map.nnodes) {
            if (type == LARK_MSG_LOST)
                remote_failed(L, node, msg ? msg : "a daemon failed", true);
            else if (!L->down.ending)
                lark_loop_fail(L, 1, "mpirun: %s; the job is aborted\n", msg ? msg : "?");
        }
        free(msg);
        break;
    }
    case LARK_MSG_FENCE: {
        (void)lark_buf_get_u32(b); /* node */
        char *sig = lark_buf_get_str(b);
        size_t n;
        const void *d = lark_buf_get_bytes(b, &n);
        if (!b->bad && sig)
            fence_contribute(L, sig, d, n);
        free(sig);
        break;
    }
    case LARK_MSG_DMDX_REQ:
    case LARK_MSG_DMDX_RESP:
        dmdx_route(L, type, b->data, b->len);
        break;
    case LARK_MSG_WHERE: {
        uint32_t id;
        if (L->where == NULL) /* its report was printed without it */
            break;
        if (lark_where_unpack(b, &id, L->where, job->nprocs) >= 0 && id == L->where_id &&
            --L->where_waiting == 0)
            where_print(L);
        break;
    }
    case LARK_MSG_READY:
        if (L->debug)
            lark_loop_dbg("node %u ready\n", lark_buf_get_u32(b));
        break;
    default:
        break;
    }
    return 0;
}

void lark_remote_arm(struct loop *L)
{
    long long next = lark_down_next_deadline(&L->down);
    if (L->where && (next < 0 || L->where_until < next))
        next = L->where_until;
    if (next < 0) {
        lark_loop_arm(L->launchfd, 0);
        return;
    }
    long long left = next - lark_loop_now();
    lark_loop_arm(L->launchfd, left > 0 ? (long)left : 1);
}

/* Start the daemons of mpirun's children in the tree. */
int lark_remote_start(struct loop *L, char *err, size_t errlen)
{
    struct lark_job *job = L->job;
    struct lark_options *o = job->opts;
    L->tree.root_node = job->map.me;
    L->tree.nnodes = job->map.nnodes;
    L->tree.radix = o->flat ? 0 : o->radix > 0 ? o->radix : LARK_DEFAULT_RADIX;
    L->down.ep = L->ep;
    L->down.key_listen = SRC_LISTEN;
    L->down.key_conn = SRC_CONN;
    L->down.arg = L;
    L->down.frame = remote_frame;
    L->down.failed = remote_failed;
    L->down.agent_name = job->agent;
    char cwd[4096];
    struct lark_launch l = {
        .nspace = job->nspace,
        .rank_secret = job->rank_secret,
        .cwd = getcwd(cwd, sizeof(cwd)),
        .base_env = job->base_env,
        .agent = job->agent,
        .daemon = job->daemon,
        .launch_timeout = job->launch_timeout,
        .tree = L->tree,
    };
    if (o->preload && read_bins(&l, o, job->base_env, err, errlen) < 0) {
        lark_launch_free_bins(&l, o->napps);
        return -1;
    }
    lark_launch_pack(&L->down.launch, &l, o, &job->map);
    lark_launch_free_bins(&l, o->napps); /* packed: the frame has them */
    int rc = lark_down_start(&L->down, &L->tree, 0, job->map.nodes, job->agent, job->daemon,
                             job->secret, job->launch_timeout, err, errlen);
    lark_remote_arm(L);
    return rc;
}

/* The job is over: END down the tree, and wait (bounded) for the daemons
 * to clean up and close; then the agents (ssh clients) go. */
void lark_remote_end(struct loop *L)
{
    L->down.ending = true;
    lark_down_send(&L->down, &L->tree, -1, LARK_MSG_END, NULL, 0);
    long long until = lark_loop_now() + 3000;
    while (lark_down_alive(&L->down) > 0 && lark_loop_now() < until) {
        struct epoll_event evs[16];
        int n = epoll_wait(L->ep, evs, 16, 100);
        for (int e = 0; e < n; e++) {
            enum src_kind k = (enum src_kind)(evs[e].data.u64 >> 32);
            if (k == SRC_CONN)
                lark_down_on_conn(&L->down, (int)(uint32_t)evs[e].data.u64, evs[e].events);
        }
    }
    lark_down_wait_agents(&L->down, 1000);
}

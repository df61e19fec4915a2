/* The daemons below a node of the launch tree (mpirun's or a daemon's own
 * children): starting them through the agent, accepting their call-back
 * connections on a listening socket, checking the secret of their HELLO,
 * sending them the LAUNCH frame, relaying what they send up to the owner,
 * and noticing when one fails: its agent exits before it called back, it
 * does not call back within the launch timeout, or its connection closes.
 * The owner's event loop (job.c in mpirun, noded.c in a daemon) registers
 * the sockets in its epoll with the keys it chose and calls in here. */
#include "launcher.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void ep_set(struct lark_down *d, struct lark_conn *c, int idx, bool add)
{
    struct epoll_event ev = {.events = EPOLLIN | (lark_conn_pending(c) ? EPOLLOUT : 0u),
                             .data.u64 = ((uint64_t)d->key_conn << 32) | (uint32_t)idx};
    epoll_ctl(d->ep, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c->fd, &ev);
}

/* The children of mypos, their hosts and call-back deadlines; the
 * listening socket (lfd, with its addresses), made here when lfd < 0. */
static int setup_kids(struct lark_down *d, const struct lark_tree *t, int mypos, char **nodes,
                      int lfd, const char *addrs, const char *secret, double timeout, char *err,
                      size_t errlen)
{
    int first, n = lark_tree_children(t, mypos, &first);
    d->nkids = n;
    d->timeout_ms = (long long)(timeout * 1000);
    snprintf(d->secret, sizeof(d->secret), "%s", secret);
    if (n == 0 && !d->up_addrs) {
        if (lfd >= 0)
            close(lfd); /* nobody will call */
        return 0;
    }
    /* mpirun under srun: every daemon of the job calls it first. */
    int room = d->up_addrs ? lark_tree_npos(t) : n;
    d->kids = calloc((size_t)(n > 0 ? n : 1), sizeof(*d->kids));
    d->conns = calloc((size_t)room * 2 + 8, sizeof(*d->conns));
    d->cap = room * 2 + 8;
    if (!d->kids || !d->conns)
        return lark_launcher_fail(err, errlen, "out of memory for %d daemons", room);
    d->lfd = lfd >= 0 ? lfd : lark_listen(d->addrs, sizeof(d->addrs));
    if (lfd >= 0)
        snprintf(d->addrs, sizeof(d->addrs), "%s", addrs);
    if (d->lfd < 0)
        return lark_launcher_fail(err, errlen,
                                  "cannot listen on a TCP port for the daemons to call back: %s",
                                  strerror(errno));
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)d->key_listen << 32};
    epoll_ctl(d->ep, EPOLL_CTL_ADD, d->lfd, &ev);
    long long now = mono_ms();
    for (int k = 0; k < n; k++) {
        struct lark_child *c = &d->kids[k];
        c->pos = first + k;
        c->node = lark_tree_node(t, c->pos);
        c->host = nodes[c->node];
        c->deadline = now + d->timeout_ms;
    }
    return 0;
}

int lark_down_start(struct lark_down *d, const struct lark_tree *t, int mypos, char **nodes,
                    const char *agent, const char *daemon, const char *secret, double timeout,
                    char *err, size_t errlen)
{
    bool srun = lark_tree_agent_is_srun(agent);
    int npos = lark_tree_npos(t);
    if (srun && mypos == 0 && npos > 1) {
        /* Every daemon calls here first and is told its node (and, below
         * our children, its parent's address): their addresses, by node. */
        d->tree = *t;
        d->nodes = nodes;
        d->up_addrs = calloc((size_t)t->nnodes, sizeof(*d->up_addrs)); /* lives as mpirun */
        if (!d->up_addrs)
            return lark_launcher_fail(err, errlen, "out of memory for %d daemons", npos - 1);
    }
    if (setup_kids(d, t, mypos, nodes, -1, NULL, secret, timeout, err, errlen) < 0)
        return -1;
    int n = d->nkids;
    if (n == 0)
        return 0;
    if (srun) {
        /* One srun step for every daemon of the job (a step per daemon
         * would be one srun process per host on this one); those below
         * our children are sent on to their parents when they call. */
        const char **hosts = calloc((size_t)npos, sizeof(*hosts));
        pid_t pid = -1;
        for (int p = 1; hosts && p < npos; p++)
            hosts[p - 1] = nodes[lark_tree_node(t, p)];
        if (hosts)
            pid = lark_tree_start_srun(agent, hosts, npos - 1, daemon, d->addrs, secret);
        free(hosts);
        for (int k = 0; k < n; k++) {
            d->kids[k].agent = pid > 0 ? pid : 0;
            d->kids[k].failed = pid < 0;
        }
        if (pid < 0)
            return lark_launcher_fail(err, errlen,
                                      "cannot start the agent '%s' for the %d daemons: %s", agent,
                                      npos - 1, strerror(errno));
        return 0;
    }
    for (int k = 0; k < n; k++) {
        struct lark_child *c = &d->kids[k];
        c->agent = lark_tree_start(agent, c->host, daemon, c->node, d->addrs, secret);
        if (c->agent < 0) {
            c->failed = true;
            return lark_launcher_fail(err, errlen, "cannot start the agent '%s' for host %s: %s",
                                      agent, c->host, strerror(errno));
        }
    }
    return 0;
}

int lark_down_adopt(struct lark_down *d, const struct lark_tree *t, int mypos, char **nodes,
                    int lfd, const char *addrs, const char *secret, double timeout, char *err,
                    size_t errlen)
{
    return setup_kids(d, t, mypos, nodes, lfd, addrs, secret, timeout, err, errlen);
}

long long lark_down_next_deadline(const struct lark_down *d)
{
    long long next = -1;
    for (int k = 0; k < d->nkids; k++) {
        const struct lark_child *c = &d->kids[k];
        if (!c->conn && !c->failed && (next < 0 || c->deadline < next))
            next = c->deadline;
    }
    return next;
}

void lark_down_check(struct lark_down *d)
{
    long long now = mono_ms();
    for (int k = 0; k < d->nkids; k++) {
        struct lark_child *c = &d->kids[k];
        if (c->conn || c->failed || now < c->deadline)
            continue;
        c->failed = true;
        char msg[512];
        snprintf(msg, sizeof(msg),
                 "the daemon on host %s did not call back within %g s (host unreachable, or "
                 "the agent hangs); check that '%s' can start programs there, or raise "
                 "--launch-timeout",
                 c->host, d->timeout_ms / 1000.0, d->agent_name);
        d->failed(d->arg, c->node, msg, false);
    }
}

bool lark_down_reaped(struct lark_down *d, pid_t pid, int status)
{
    bool ours = false;
    /* Under srun one agent (the step) is every child's. */
    for (int k = 0; k < d->nkids; k++) {
        struct lark_child *c = &d->kids[k];
        if (c->agent != pid)
            continue;
        ours = true;
        c->agent = 0;
        if (!c->conn && !c->failed) {
            c->failed = true;
            char msg[512], how[64];
            if (WIFSIGNALED(status))
                snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(status));
            else
                snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
            snprintf(msg, sizeof(msg),
                     "cannot start the daemon on host %s: the agent '%s' %s before the daemon "
                     "called back (is the host reachable, and is Lark installed there at the "
                     "same prefix?)",
                     c->host, d->agent_name, how);
            d->failed(d->arg, c->node, msg, false);
        }
    }
    return ours;
}

void lark_down_accept(struct lark_down *d)
{
    for (;;) {
        int fd = accept4(d->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            return;
        int idx = -1;
        for (int i = 0; i < d->nconns; i++)
            if (!d->conns[i])
                idx = i;
        if (idx < 0 && d->nconns < d->cap)
            idx = d->nconns++;
        struct lark_conn *c = idx >= 0 ? lark_conn_new(fd) : NULL;
        if (!c) {
            close(fd); /* more strangers than we have room for */
            continue;
        }
        d->conns[idx] = c;
        ep_set(d, c, idx, true);
    }
}

static void drop(struct lark_down *d, int idx)
{
    struct lark_conn *c = d->conns[idx];
    epoll_ctl(d->ep, EPOLL_CTL_DEL, c->fd, NULL);
    lark_conn_free(c);
    d->conns[idx] = NULL;
}

struct frame_ctx {
    struct lark_down *d;
    int idx;
};

/* mpirun under srun: conn is a daemon below one of our children (every
 * daemon of the step knows only our address).  Send it its parent's
 * address once the parent has called and said it; until then it waits. */
static void redirect(struct lark_down *d, struct lark_conn *c)
{
    int ppos = lark_tree_parent(&d->tree, lark_tree_pos(&d->tree, c->node));
    const char *pa = d->up_addrs[lark_tree_node(&d->tree, ppos)];
    if (!pa)
        return;
    struct lark_buf b = {0};
    lark_buf_str(&b, pa);
    lark_conn_send(c, LARK_MSG_REDIRECT, &b);
    lark_buf_free(&b);
    c->parked = false;
}

/* A daemon of the srun step named itself: which node it is, its address
 * kept for its own children; one below our children goes on to its
 * parent.  Returns the node (ours to keep), -2 (redirected or parked,
 * not a child of ours) or -1 (a stranger's name, or said twice). */
static int by_name(struct lark_down *d, struct lark_conn *c, const char *name, const char *addrs)
{
    int nd = -1;
    for (int k = 0; k < d->tree.nnodes && nd < 0; k++)
        if (k != d->tree.root_node && strcmp(d->nodes[k], name) == 0)
            nd = k;
    if (nd < 0 || d->up_addrs[nd])
        return -1;
    d->up_addrs[nd] = strdup(*addrs ? addrs : "-"); /* "-": it listens nowhere */
    /* children of nd that called before it */
    for (int i = 0; i < d->nconns; i++)
        if (d->conns[i] && d->conns[i]->parked)
            redirect(d, d->conns[i]);
    if (lark_tree_parent(&d->tree, lark_tree_pos(&d->tree, nd)) == 0)
        return nd;
    c->node = nd;
    c->parked = true;
    struct lark_buf nb = {0};
    lark_buf_u32(&nb, (uint32_t)nd);
    lark_conn_send(c, LARK_MSG_NODE, &nb);
    lark_buf_free(&nb);
    redirect(d, c);
    return -2;
}

static int on_frame(void *arg, struct lark_conn *c, uint32_t type, struct lark_buf *b)
{
    struct frame_ctx *x = arg;
    struct lark_down *d = x->d;
    if (c->authed)
        return d->frame(d->arg, c, type, b);
    /* The first frame must be HELLO with the secret, from a child of ours. */
    if (type != LARK_MSG_HELLO)
        return -1;
    char *secret = lark_buf_get_str(b);
    uint32_t node = lark_buf_get_u32(b);
    char *name = lark_buf_get_str(b);
    char *addrs = lark_buf_get_str(b);
    bool ok =
        !b->bad && secret && name && addrs && !c->parked && lark_secret_equal(secret, d->secret);
    free(secret);
    if (ok && node == UINT32_MAX && d->up_addrs) {
        int nd = by_name(d, c, name, addrs);
        ok = nd != -1;
        if (nd >= 0)
            node = (uint32_t)nd;
        else if (nd == -2) {
            free(name);
            free(addrs);
            return 0;
        }
    }
    free(addrs);
    if (!ok) {
        free(name);
        return -1;
    }
    /* A daemon of the srun step knows its node by name only ("by-name":
     * node ~0); the others were told their node on the command line. */
    for (int k = 0; k < d->nkids; k++) {
        struct lark_child *ch = &d->kids[k];
        if (ch->conn || ch->failed ||
            (node == UINT32_MAX ? strcmp(ch->host, name) != 0 : (uint32_t)ch->node != node))
            continue;
        free(name);
        ch->conn = c;
        c->node = ch->node;
        c->authed = true;
        struct lark_buf nb = {0};
        lark_buf_u32(&nb, (uint32_t)ch->node);
        int rc = lark_conn_send(c, LARK_MSG_NODE, &nb);
        lark_buf_free(&nb);
        if (rc == 0)
            rc = lark_conn_send(c, LARK_MSG_LAUNCH, &d->launch);
        /* What was sent down before it called back (signals, stdin). */
        ch->early.off = 0;
        while (rc == 0 && ch->early.off < ch->early.len) {
            uint32_t t = lark_buf_get_u32(&ch->early);
            size_t n;
            const void *p = lark_buf_get_bytes(&ch->early, &n);
            rc = lark_conn_send_raw(c, t, p, n);
        }
        lark_buf_free(&ch->early);
        return rc;
    }
    free(name);
    return -1;
}

void lark_down_on_conn(struct lark_down *d, int idx, uint32_t events)
{
    struct lark_conn *c = idx < d->nconns ? d->conns[idx] : NULL;
    if (!c)
        return;
    int r = 1;
    if (events & EPOLLOUT)
        r = lark_conn_flush(c) < 0 ? 0 : 1;
    if (r && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
        struct frame_ctx x = {d, idx};
        r = lark_conn_read(c, on_frame, &x);
    }
    if (r != 0 && !c->dead) {
        ep_set(d, c, idx, false);
        return;
    }
    /* Closed.  A child that was up is lost (its subtree with it). */
    for (int k = 0; k < d->nkids; k++) {
        struct lark_child *ch = &d->kids[k];
        if (ch->conn != c)
            continue;
        ch->conn = NULL;
        ch->failed = true;
        if (!d->ending) {
            char msg[512];
            snprintf(msg, sizeof(msg),
                     "the daemon on host %s died (its control connection closed); its ranks are "
                     "gone",
                     ch->host);
            d->failed(d->arg, ch->node, msg, true);
        }
        ch->gone = true;
    }
    drop(d, idx);
}

void lark_down_sync(struct lark_down *d)
{
    for (int i = 0; i < d->nconns; i++)
        if (d->conns[i] && lark_conn_pending(d->conns[i]))
            ep_set(d, d->conns[i], i, false);
}

void lark_down_send(struct lark_down *d, const struct lark_tree *t, int target_node, uint32_t type,
                    const void *payload, size_t n)
{
    int tpos = target_node >= 0 ? lark_tree_pos(t, target_node) : -1;
    for (int k = 0; k < d->nkids; k++) {
        struct lark_child *ch = &d->kids[k];
        if (ch->failed || (tpos >= 0 && !lark_tree_below(t, tpos, ch->pos)))
            continue;
        if (ch->conn) {
            lark_conn_send_raw(ch->conn, type, payload, n);
        } else {
            /* not called back yet: kept until it does */
            lark_buf_u32(&ch->early, type);
            lark_buf_bytes(&ch->early, payload, n);
        }
    }
    lark_down_sync(d);
}

int lark_down_alive(const struct lark_down *d)
{
    int n = 0;
    for (int k = 0; k < d->nkids; k++)
        n += d->kids[k].conn != NULL;
    return n;
}

void lark_down_kill_agents(struct lark_down *d)
{
    for (int k = 0; k < d->nkids; k++)
        if (d->kids[k].agent > 0 && (k == 0 || d->kids[k].agent != d->kids[k - 1].agent))
            kill(-d->kids[k].agent, SIGKILL);
}

void lark_down_wait_agents(struct lark_down *d, int grace_ms)
{
    /* srun ends its step cleanly once its tasks are gone; ssh once its
     * command is: give them grace_ms, then SIGKILL what is left. */
    for (int k = 0; k < d->nkids; k++)
        if (d->kids[k].agent > 0 && d->kids[k].failed && !d->kids[k].gone)
            grace_ms = 0; /* a daemon never called back: its agent hangs */
    if (lark_down_alive(d) > 0)
        grace_ms = 0; /* a daemon did not go at END: no more waiting */
    long long until = mono_ms() + grace_ms;
    for (;;) {
        bool left = false;
        for (int k = 0; k < d->nkids; k++) {
            pid_t pid = d->kids[k].agent;
            if (pid <= 0)
                continue;
            if (waitpid(pid, NULL, WNOHANG) == 0) {
                left = true;
                continue;
            }
            for (int j = k; j < d->nkids; j++) /* reaped: one pid may be every child's */
                if (d->kids[j].agent == pid)
                    d->kids[j].agent = 0;
        }
        if (!left)
            return;
        if (mono_ms() >= until)
            break;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    lark_down_kill_agents(d);
    for (int k = 0; k < d->nkids; k++)
        if (d->kids[k].agent > 0) {
            pid_t pid = d->kids[k].agent;
            waitpid(pid, NULL, 0);
            for (int j = k; j < d->nkids; j++)
                if (d->kids[j].agent == pid)
                    d->kids[j].agent = 0;
        }
}

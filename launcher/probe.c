/* Other hosts' topology, before the map.  A map that counts objects of
 * each node (--map-by ppr:N:socket|numa|core|hwthread: N ranks per such
 * object) needs every host's own counts, not mpirun's.  Before mapping,
 * mpirun runs "lark-noded --topology" on each other host through the
 * agent (one ssh per host, or one srun step for all of them), and reads
 * one line from each: "lark-topology NAME PACKAGES NUMA CORES PUS".  It
 * costs one more round of remote starts, paid only by such maps across
 * hosts, and a few integers per host at mpirun (map.c reads them from
 * struct lark_options). */
#include "launcher.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct probe {
    pid_t pid;
    int fd;
    int host; /* the host of an ssh-like agent; -1: srun, every host */
    int status;
    bool reaped;
    char buf[1024];
    size_t len;
};

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One line of an agent's output: the counts of its host, or of the host
 * it names (srun). */
static void take_line(struct probe *a, const char *line, struct lark_topo *t, int n)
{
    char name[256];
    int c[4];
    if (sscanf(line, "lark-topology %255s %d %d %d %d", name, &c[0], &c[1], &c[2], &c[3]) != 5)
        return;
    for (int h = 0; h < n; h++) {
        if (a->host >= 0 ? h != a->host : strcmp(t[h].name, name) != 0)
            continue;
        for (int k = 0; k < 4; k++)
            t[h].count[k] = c[k] > 0 ? c[k] : 1;
        return;
    }
}

static void drain(struct probe *a, struct lark_topo *t, int n)
{
    ssize_t r = read(a->fd, a->buf + a->len, sizeof(a->buf) - 1 - a->len);
    if (r < 0 && errno == EINTR)
        return;
    if (r <= 0) {
        close(a->fd);
        a->fd = -1;
        return;
    }
    a->len += (size_t)r;
    a->buf[a->len] = 0;
    char *nl, *at = a->buf;
    while ((nl = strchr(at, '\n')) != NULL) {
        *nl = 0;
        take_line(a, at, t, n);
        at = nl + 1;
    }
    a->len -= (size_t)(at - a->buf);
    memmove(a->buf, at, a->len);
    if (a->len == sizeof(a->buf) - 1)
        a->len = 0; /* a line this long is none of ours */
}

int lark_probe_topology(const char *agent, const char *daemon, char **hosts, int nhosts,
                        double timeout, struct lark_topo **out, char *err, size_t errlen)
{
    bool srun = lark_tree_agent_is_srun(agent);
    int na = srun ? 1 : nhosts;
    struct probe *a = calloc((size_t)na, sizeof(*a));
    struct pollfd *pf = calloc((size_t)na, sizeof(*pf));
    struct lark_topo *t = calloc((size_t)nhosts, sizeof(*t)); /* the caller frees (*out) */
    int rc = -1;
    if (!a || !pf || !t) {
        lark_launcher_fail(err, errlen, "mpirun: out of memory for %d hosts", nhosts);
        goto out;
    }
    for (int h = 0; h < nhosts; h++)
        if (!(t[h].name = strdup(hosts[h]))) {
            lark_launcher_fail(err, errlen, "mpirun: out of memory for %d hosts", nhosts);
            goto out;
        }
    for (int k = 0; k < na; k++) {
        a[k].host = srun ? -1 : k;
        a[k].fd = -1;
        const char *const *which = (const char *const *)(srun ? hosts : &t[k].name);
        a[k].pid = lark_tree_start_probe(agent, which, srun ? nhosts : 1, daemon, &a[k].fd);
        if (a[k].pid < 0) {
            lark_launcher_fail(err, errlen, "mpirun: cannot start the agent '%s' for host %s: %s",
                               agent, hosts[srun ? 0 : k], strerror(errno));
            goto out;
        }
    }
    /* Read until every agent's stdout closes, or the time is up. */
    long long until = mono_ms() + (long long)(timeout * 1000);
    for (;;) {
        int np = 0;
        for (int k = 0; k < na; k++)
            if (a[k].fd >= 0)
                pf[np++] = (struct pollfd){.fd = a[k].fd, .events = POLLIN};
        long long left = until - mono_ms();
        if (np == 0 || left <= 0)
            break;
        if (poll(pf, (nfds_t)np, (int)left) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < np; i++)
            for (int k = 0; k < na; k++)
                if (a[k].fd == pf[i].fd && (pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                    drain(&a[k], t, nhosts);
    }
    /* The agents end with their command: a moment for them, then none. */
    for (long long end = mono_ms() + 1000;;) {
        bool left = false;
        for (int k = 0; k < na; k++)
            if (!a[k].reaped && waitpid(a[k].pid, &a[k].status, WNOHANG) != 0)
                a[k].reaped = true;
            else if (!a[k].reaped)
                left = true;
        if (!left || mono_ms() >= end)
            break;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    for (int k = 0; k < na; k++)
        if (!a[k].reaped) {
            kill(-a[k].pid, SIGKILL);
            waitpid(a[k].pid, NULL, 0);
            a[k].pid = 0; /* (not reaped: it said nothing in time) */
        }
    for (int h = 0; h < nhosts; h++) {
        if (t[h].count[0] > 0)
            continue;
        struct probe *p = &a[srun ? 0 : h];
        char how[96];
        if (!p->reaped)
            snprintf(how, sizeof(how), "said nothing within %g s", timeout);
        else if (WIFSIGNALED(p->status))
            snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(p->status));
        else
            snprintf(how, sizeof(how), "exited with status %d without an answer",
                     WEXITSTATUS(p->status));
        lark_launcher_fail(err, errlen,
                           "mpirun: cannot read the topology of host %s, which the map needs "
                           "(--map-by ppr counts each host's own objects): the agent '%s' %s; "
                           "check that it can start %s there (or raise --launch-timeout)",
                           t[h].name, agent, how, daemon);
        goto out;
    }
    rc = 0;
out:
    for (int k = 0; a && k < na; k++)
        if (a[k].fd >= 0)
            close(a[k].fd);
    if (rc < 0) {
        for (int k = 0; a && k < na; k++)
            if (a[k].pid > 0 && !a[k].reaped) {
                kill(-a[k].pid, SIGKILL);
                waitpid(a[k].pid, NULL, 0);
            }
        lark_topo_free(t, nhosts);
        t = NULL;
    }
    free(a);
    free(pf);
    *out = t;
    return rc;
}

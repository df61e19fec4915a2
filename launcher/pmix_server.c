/* mpirun's PMIx server (OpenPMIx's server library).  It registers the job's
 * namespace with everything a rank asks at PMIx_Init (sizes, node and proc
 * maps, local peers, per-rank local/node ranks and app numbers) and fills
 * each rank's environment with PMIx_server_setup_fork.  Put/Commit/Fence/Get
 * between local ranks are served by the library itself.  The library calls
 * our upcalls (connected, finalized, abort) from its own progress thread:
 * they only post a struct lark_event down a pipe to the main loop in job.c,
 * which owns all job state, and return at once. */
#include "launcher.h"

#include <errno.h>
#include <pmix.h>
#include <pmix_server.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int ev_fd = -1;

/* Runs on the PMIx thread.  A pipe write of one event is atomic. */
static void post(int kind, int rank, int status, const char *msg)
{
    struct lark_event ev = {.kind = kind, .rank = rank, .status = status, .msg = NULL};
    if (msg && *msg)
        ev.msg = strdup(msg); /* freed by job.c */
    ssize_t n;
    do
        n = write(ev_fd, &ev, sizeof(ev));
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(ev))
        free(ev.msg);
}

void lark_pmix_note(const char *line)
{
    post(LARK_EV_NOTE, -1, 0, line);
}

/* Let the library release the waiting client.  PMIx 4.2.2 handles the
 * callback better than the PMIX_OPERATION_SUCCEEDED shortcut here (with the
 * shortcut, deregistering after an abort deadlocked). */
static pmix_status_t release(pmix_op_cbfunc_t cbfunc, void *cbdata)
{
    if (!cbfunc)
        return PMIX_OPERATION_SUCCEEDED;
    cbfunc(PMIX_SUCCESS, cbdata);
    return PMIX_SUCCESS;
}

static pmix_status_t up_connected(const pmix_proc_t *proc, void *obj, pmix_op_cbfunc_t cbfunc,
                                  void *cbdata)
{
    (void)obj;
    post(LARK_EV_CONNECTED, (int)proc->rank, 0, NULL);
    return release(cbfunc, cbdata);
}

static pmix_status_t up_finalized(const pmix_proc_t *proc, void *obj, pmix_op_cbfunc_t cbfunc,
                                  void *cbdata)
{
    (void)obj;
    post(LARK_EV_FINALIZED, (int)proc->rank, 0, NULL);
    return release(cbfunc, cbdata);
}

static pmix_status_t up_abort(const pmix_proc_t *proc, void *obj, int status, const char msg[],
                              pmix_proc_t procs[], size_t nprocs, pmix_op_cbfunc_t cbfunc,
                              void *cbdata)
{
    (void)obj;
    (void)procs;
    (void)nprocs;
    /* Whatever subset was named, MPI_Abort ends the whole job. */
    post(LARK_EV_ABORT, (int)proc->rank, status, msg);
    return release(cbfunc, cbdata);
}

static void notify_done(pmix_status_t status, void *cbdata)
{
    (void)status;
    pmix_info_t *info = cbdata;
    PMIX_INFO_FREE(info, 2);
}

void lark_pmix_notify_lost(const char *nspace, int rank, const char *why)
{
    pmix_proc_t dead;
    PMIX_LOAD_PROCID(&dead, nspace, (pmix_rank_t)rank);
    pmix_info_t *info; /* freed by notify_done, or below */
    PMIX_INFO_CREATE(info, 2);
    if (info == NULL)
        return;
    PMIX_INFO_LOAD(&info[0], PMIX_EVENT_AFFECTED_PROC, &dead, PMIX_PROC);
    PMIX_INFO_LOAD(&info[1], PMIX_EVENT_TEXT_MESSAGE, why ? why : "", PMIX_STRING);
    pmix_status_t rc = PMIx_Notify_event(PMIX_EVENT_PROC_TERMINATED, &dead, PMIX_RANGE_NAMESPACE,
                                         info, 2, notify_done, info);
    if (rc != PMIX_SUCCESS)
        PMIX_INFO_FREE(info, 2); /* done at once, or failed: no callback */
}

/* Post an event carrying a PMIx callback and data (fence, dmodex). */
static void post_cb(int kind, int rank, const char *sig, const char *data, size_t ndata,
                    void *cbfunc, void *cbdata)
{
    struct lark_event ev = {.kind = kind, .rank = rank, .cbfunc = cbfunc, .cbdata = cbdata};
    ev.msg = sig ? strdup(sig) : NULL;
    if (ndata) {
        ev.data = malloc(ndata); /* freed by the loop */
        if (ev.data) {
            memcpy(ev.data, data, ndata);
            ev.ndata = ndata;
        }
    }
    ssize_t n;
    do
        n = write(ev_fd, &ev, sizeof(ev));
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(ev)) {
        free(ev.msg);
        free(ev.data);
    }
}

/* Reached for fences that span nodes (the library completes single-node
 * ones itself).  The signature names the participants: "*" for the whole
 * job, else the sorted ranks; the loop sends the contribution up the tree
 * and calls cbfunc when mpirun has every participating node's. */
static int cmp_rank(const void *a, const void *b)
{
    pmix_rank_t x = *(const pmix_rank_t *)a, y = *(const pmix_rank_t *)b;
    return x < y ? -1 : x > y;
}

static pmix_status_t up_fence(const pmix_proc_t procs[], size_t nprocs, const pmix_info_t info[],
                              size_t ninfo, char *data, size_t ndata, pmix_modex_cbfunc_t cbfunc,
                              void *cbdata)
{
    (void)info;
    (void)ninfo;
    bool all = false;
    for (size_t i = 0; i < nprocs; i++)
        all |= procs[i].rank == PMIX_RANK_WILDCARD;
    char *sig = NULL;
    if (all || nprocs == 0) {
        sig = strdup("*");
    } else {
        pmix_rank_t *r = malloc(nprocs * sizeof(*r));
        sig = malloc(nprocs * 12 + 1);
        if (r && sig) {
            for (size_t i = 0; i < nprocs; i++)
                r[i] = procs[i].rank;
            qsort(r, nprocs, sizeof(*r), cmp_rank);
            size_t len = 0;
            sig[0] = 0;
            for (size_t i = 0; i < nprocs; i++)
                len += (size_t)sprintf(sig + len, "%s%u", i ? "," : "", (unsigned)r[i]);
        }
        free(r);
    }
    if (!sig)
        return PMIX_ERR_NOMEM;
    post_cb(LARK_EV_FENCE, -1, sig, data, ndata, (void *)cbfunc, cbdata);
    free(sig);
    return PMIX_SUCCESS;
}

static pmix_status_t up_dmodex(const pmix_proc_t *proc, const pmix_info_t info[], size_t ninfo,
                               pmix_modex_cbfunc_t cbfunc, void *cbdata)
{
    (void)info;
    (void)ninfo;
    post_cb(LARK_EV_DMODEX_REQ, (int)proc->rank, NULL, NULL, 0, (void *)cbfunc, cbdata);
    return PMIX_SUCCESS;
}

static void release_data(void *cbdata)
{
    free(cbdata);
}

void lark_pmix_modex_done(void *cbfunc, void *cbdata, int status, char *data, size_t ndata)
{
    pmix_modex_cbfunc_t fn = (pmix_modex_cbfunc_t)cbfunc;
    if (fn)
        fn(status == 0 ? PMIX_SUCCESS : PMIX_ERROR, data, ndata, cbdata, release_data, data);
    else
        free(data);
}

struct dmdx_ctx {
    uint32_t reqid;
    int node;
};

/* On the PMIx thread: the answer to lark_pmix_dmodex_ask. */
static void dmdx_answer(pmix_status_t status, char *data, size_t ndata, void *cbdata)
{
    struct dmdx_ctx *c = cbdata;
    struct lark_event ev = {.kind = LARK_EV_DMODEX_DATA, .reqid = c->reqid, .node = c->node};
    ev.status = status == PMIX_SUCCESS ? 0 : -1;
    if (ndata && (ev.data = malloc(ndata)) != NULL) {
        memcpy(ev.data, data, ndata);
        ev.ndata = ndata;
    }
    free(c);
    ssize_t n;
    do
        n = write(ev_fd, &ev, sizeof(ev));
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(ev))
        free(ev.data);
}

int lark_pmix_dmodex_ask(const char *nspace, int rank, uint32_t reqid, int node)
{
    struct dmdx_ctx *c = malloc(sizeof(*c)); /* freed by dmdx_answer */
    if (!c)
        return -1;
    c->reqid = reqid;
    c->node = node;
    pmix_proc_t proc;
    PMIX_LOAD_PROCID(&proc, nspace, (pmix_rank_t)rank);
    if (PMIx_server_dmodex_request(&proc, dmdx_answer, c) != PMIX_SUCCESS) {
        free(c);
        return -1;
    }
    return 0;
}

static pmix_server_module_t module = {
    .client_connected = up_connected,
    .client_finalized = up_finalized,
    .abort = up_abort,
    .fence_nb = up_fence,
    .direct_modex = up_dmodex,
};

int lark_pmix_start(const char *tmpdir, int event_fd, char *err, size_t errlen)
{
    ev_fd = event_fd;
    pmix_info_t info[4];
    size_t n = 0;
    bool no = false;
    PMIX_INFO_LOAD(&info[n++], PMIX_SERVER_TMPDIR, tmpdir, PMIX_STRING);
    PMIX_INFO_LOAD(&info[n++], PMIX_SYSTEM_TMPDIR, tmpdir, PMIX_STRING);
    PMIX_INFO_LOAD(&info[n++], PMIX_SERVER_TOOL_SUPPORT, &no, PMIX_BOOL);
    /* Our topology (already loaded, without I/O devices): otherwise the
     * server loads its own, PCI devices included, which costs milliseconds. */
    pmix_topology_t topo = {.source = "hwloc", .topology = lark_bind_topology()};
    if (topo.topology)
        PMIX_INFO_LOAD(&info[n++], PMIX_TOPOLOGY2, &topo, PMIX_TOPO);
    pmix_status_t rc = PMIx_server_init(&module, info, n);
    for (size_t i = 0; i < 3; i++)
        PMIX_INFO_DESTRUCT(&info[i]);
    if (rc != PMIX_SUCCESS)
        return lark_launcher_fail(err, errlen, "mpirun: cannot start the PMIx server: %s",
                                  PMIx_Error_string(rc));
    return 0;
}

/* Completion of an asynchronous registration call. */
struct waiter {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    pmix_status_t status;
};

static void op_done(pmix_status_t status, void *cbdata)
{
    struct waiter *w = cbdata;
    pthread_mutex_lock(&w->lock);
    w->status = status;
    w->done = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static pmix_status_t wait_for(struct waiter *w, pmix_status_t rc)
{
    if (rc == PMIX_OPERATION_SUCCEEDED)
        return PMIX_SUCCESS;
    if (rc != PMIX_SUCCESS)
        return rc;
    pthread_mutex_lock(&w->lock);
    while (!w->done)
        pthread_cond_wait(&w->cond, &w->lock);
    pthread_mutex_unlock(&w->lock);
    return w->status;
}

#define WAITER_INIT                                                                                \
    {                                                                                              \
        PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, PMIX_SUCCESS                   \
    }

/* Completion of many asynchronous calls at once. */
struct batch {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    long pending;
    pmix_status_t status; /* the first failure */
};

static void batch_done(pmix_status_t status, void *cbdata)
{
    struct batch *b = cbdata;
    pthread_mutex_lock(&b->lock);
    if (status != PMIX_SUCCESS && b->status == PMIX_SUCCESS)
        b->status = status;
    if (--b->pending == 0)
        pthread_cond_signal(&b->cond);
    pthread_mutex_unlock(&b->lock);
}

/* The ranks of `node` as "r,r,r" (sep ',') appended to *s at *len. */
static int append_ranks(char **s, size_t *len, size_t *cap, const struct lark_map *m, int node)
{
    bool first = true;
    for (int i = 0; i < m->nprocs; i++) {
        if (m->procs[i].node != node)
            continue;
        if (*len + 16 > *cap) {
            size_t nc = *cap * 2 + 64;
            char *ns = realloc(*s, nc);
            if (!ns)
                return -1;
            *s = ns;
            *cap = nc;
        }
        *len += (size_t)snprintf(*s + *len, *cap - *len, "%s%d", first ? "" : ",", i);
        first = false;
    }
    return 0;
}

/* PMIX_NODE_MAP and PMIX_PROC_MAP of the whole job, and this node's
 * PMIX_LOCAL_PEERS, as the regular expressions PMIx wants. */
static int make_maps(const struct lark_map *m, int me, char **nodemap, char **procmap, char **peers)
{
    size_t hl = 0, hc = 64, pl = 0, pc = 64, ll = 0, lc = 64;
    char *hosts = malloc(hc), *ppn = malloc(pc), *local = malloc(lc);
    int rc = -1;
    if (!hosts || !ppn || !local)
        goto out;
    hosts[0] = ppn[0] = local[0] = 0;
    for (int n = 0; n < m->nnodes; n++) {
        size_t need = strlen(m->nodes[n]) + 2;
        if (hl + need > hc) {
            hc = (hl + need) * 2;
            char *nh = realloc(hosts, hc);
            if (!nh)
                goto out;
            hosts = nh;
        }
        hl += (size_t)snprintf(hosts + hl, hc - hl, "%s%s", n ? "," : "", m->nodes[n]);
        if (n) {
            if (pl + 2 > pc) {
                pc = pc * 2;
                char *np = realloc(ppn, pc);
                if (!np)
                    goto out;
                ppn = np;
            }
            ppn[pl++] = ';';
            ppn[pl] = 0;
        }
        if (append_ranks(&ppn, &pl, &pc, m, n) < 0)
            goto out;
    }
    if (append_ranks(&local, &ll, &lc, m, me) < 0)
        goto out;
    if (PMIx_generate_regex(hosts, nodemap) != PMIX_SUCCESS ||
        PMIx_generate_ppn(ppn, procmap) != PMIX_SUCCESS)
        goto out;
    *peers = local;
    local = NULL;
    rc = 0;
out:
    free(hosts);
    free(ppn);
    free(local);
    return rc;
}

int lark_pmix_register(const char *nspace, const char *tmpdir, const struct lark_options *o,
                       const struct lark_map *m, const char *secret, char *err, size_t errlen)
{
    const struct lark_proc *procs = m->procs;
    int nprocs = m->nprocs, me = m->me;
    const char *host = m->nodes[me];
    char *peers = NULL, *nodemap = NULL, *procmap = NULL;
    if (make_maps(m, me, &nodemap, &procmap, &peers) < 0) {
        free(peers);
        return lark_launcher_fail(err, errlen,
                                  "mpirun: cannot build the PMIx node and process maps");
    }
    pmix_rank_t ldr = 0;
    for (int i = nprocs - 1; i >= 0; i--)
        if (procs[i].node == me)
            ldr = (pmix_rank_t)i;

    uint32_t size = (uint32_t)nprocs, napps = (uint32_t)o->napps, nodeid = (uint32_t)me,
             nnodes = (uint32_t)m->nnodes, lsize = (uint32_t)m->node_size[me];
    pmix_rank_t zero = 0;
    size_t njob = 18, ninfo = njob + (size_t)o->napps + (size_t)m->node_size[me], k = 0;
    pmix_info_t *info;
    PMIX_INFO_CREATE(info, ninfo);
    PMIX_INFO_LOAD(&info[k++], PMIX_UNIV_SIZE, &size, PMIX_UINT32);
    PMIX_INFO_LOAD(&info[k++], PMIX_JOB_SIZE, &size, PMIX_UINT32);
    PMIX_INFO_LOAD(&info[k++], PMIX_MAX_PROCS, &size, PMIX_UINT32);
    PMIX_INFO_LOAD(&info[k++], PMIX_NODE_MAP, nodemap, PMIX_STRING);
    PMIX_INFO_LOAD(&info[k++], PMIX_PROC_MAP, procmap, PMIX_STRING);
    PMIX_INFO_LOAD(&info[k++], PMIX_LOCAL_PEERS, peers, PMIX_STRING);
    PMIX_INFO_LOAD(&info[k++], PMIX_LOCAL_SIZE, &lsize, PMIX_UINT32);
    PMIX_INFO_LOAD(&info[k++], PMIX_NODE_SIZE, &lsize, PMIX_UINT32);
    PMIX_INFO_LOAD(&info[k++], PMIX_LOCALLDR, &ldr, PMIX_PROC_RANK);
    PMIX_INFO_LOAD(&info[k++], PMIX_NODEID, &nodeid, PMIX_UINT32);
    PMIX_INFO_LOAD(&info[k++], PMIX_NUM_NODES, &nnodes, PMIX_UINT32);
    PMIX_INFO_LOAD(&info[k++], PMIX_HOSTNAME, host, PMIX_STRING);
    PMIX_INFO_LOAD(&info[k++], PMIX_JOBID, nspace, PMIX_STRING);
    PMIX_INFO_LOAD(&info[k++], PMIX_JOB_NUM_APPS, &napps, PMIX_UINT32);
    PMIX_INFO_LOAD(&info[k++], PMIX_APPNUM, &zero, PMIX_UINT32);
    PMIX_INFO_LOAD(&info[k++], PMIX_TMPDIR, tmpdir, PMIX_STRING);
    PMIX_INFO_LOAD(&info[k++], PMIX_NSDIR, tmpdir, PMIX_STRING);
    /* The job's secret: TCP connections between ranks prove with it that
     * they belong to the job (transports/tcp).  Never on a command line. */
    if (secret && secret[0] != '\0')
        PMIX_INFO_LOAD(&info[k++], "lark.secret", secret, PMIX_STRING);

    /* One PMIX_APP_INFO array per application context. */
    int first = 0;
    for (int a = 0; a < o->napps; a++) {
        uint32_t appnum = (uint32_t)a, asize = 0;
        for (int i = 0; i < nprocs; i++)
            asize += procs[i].app == a;
        pmix_rank_t aldr = (pmix_rank_t)first;
        pmix_data_array_t *arr;
        PMIX_DATA_ARRAY_CREATE(arr, 3, PMIX_INFO);
        pmix_info_t *ai = arr->array;
        PMIX_INFO_LOAD(&ai[0], PMIX_APPNUM, &appnum, PMIX_UINT32);
        PMIX_INFO_LOAD(&ai[1], PMIX_APP_SIZE, &asize, PMIX_UINT32);
        PMIX_INFO_LOAD(&ai[2], PMIX_APPLDR, &aldr, PMIX_PROC_RANK);
        PMIX_INFO_LOAD(&info[k++], PMIX_APP_INFO, arr, PMIX_DATA_ARRAY);
        PMIX_DATA_ARRAY_FREE(arr);
        first += (int)asize;
    }
    /* Per-rank data of this node's ranks.  Other ranks' host names and
     * nodes PMIx derives from the node and proc maps; registering their
     * data too made registration superlinear (10,000 ranks: 4.5 s instead
     * of 2.0 s; 40,000: 24 s) and a client could not read it anyway. */
    for (int i = 0; i < nprocs; i++) {
        if (procs[i].node != me)
            continue;
        pmix_rank_t rank = (pmix_rank_t)procs[i].rank;
        uint16_t lr = (uint16_t)procs[i].local_rank, nr = (uint16_t)procs[i].local_rank;
        uint32_t appnum = (uint32_t)procs[i].app, nid = (uint32_t)procs[i].node;
        pmix_data_array_t *arr;
        PMIX_DATA_ARRAY_CREATE(arr, 6, PMIX_INFO);
        pmix_info_t *pi = arr->array;
        PMIX_INFO_LOAD(&pi[0], PMIX_RANK, &rank, PMIX_PROC_RANK);
        PMIX_INFO_LOAD(&pi[1], PMIX_LOCAL_RANK, &lr, PMIX_UINT16);
        PMIX_INFO_LOAD(&pi[2], PMIX_NODE_RANK, &nr, PMIX_UINT16);
        PMIX_INFO_LOAD(&pi[3], PMIX_APPNUM, &appnum, PMIX_UINT32);
        PMIX_INFO_LOAD(&pi[4], PMIX_HOSTNAME, m->nodes[procs[i].node], PMIX_STRING);
        PMIX_INFO_LOAD(&pi[5], PMIX_NODEID, &nid, PMIX_UINT32);
        PMIX_INFO_LOAD(&info[k++], PMIX_PROC_DATA, arr, PMIX_DATA_ARRAY);
        PMIX_DATA_ARRAY_FREE(arr);
    }
    free(peers);
    free(nodemap);
    free(procmap);

    struct waiter w = WAITER_INIT;
    pmix_status_t rc =
        wait_for(&w, PMIx_server_register_nspace(nspace, m->node_size[me], info, k, op_done, &w));
    PMIX_INFO_FREE(info, ninfo);
    if (rc != PMIX_SUCCESS)
        return lark_launcher_fail(err, errlen,
                                  "mpirun: cannot register the job with the PMIx server on %s: %s",
                                  host, PMIx_Error_string(rc));
    /* This node's ranks are handed to the PMIx thread at once and waited
     * for together: one round trip per rank cost ~0.25 ms each (26 s for
     * 100,000 ranks). */
    struct batch b = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, PMIX_SUCCESS};
    for (int i = 0; i < nprocs; i++) {
        if (procs[i].node != me)
            continue;
        pmix_proc_t proc;
        PMIX_LOAD_PROCID(&proc, nspace, (pmix_rank_t)procs[i].rank);
        pthread_mutex_lock(&b.lock);
        b.pending++;
        pthread_mutex_unlock(&b.lock);
        rc = PMIx_server_register_client(&proc, getuid(), getgid(), NULL, batch_done, &b);
        if (rc != PMIX_SUCCESS)
            batch_done(rc == PMIX_OPERATION_SUCCEEDED ? PMIX_SUCCESS : rc, &b);
        if (rc != PMIX_SUCCESS && rc != PMIX_OPERATION_SUCCEEDED)
            break;
    }
    pthread_mutex_lock(&b.lock);
    while (b.pending > 0)
        pthread_cond_wait(&b.cond, &b.lock);
    pthread_mutex_unlock(&b.lock);
    if (b.status != PMIX_SUCCESS)
        return lark_launcher_fail(
            err, errlen, "mpirun: cannot register the ranks with the PMIx server on %s: %s", host,
            PMIx_Error_string(b.status));
    return 0;
}

int lark_pmix_setup_fork(const char *nspace, int rank, char ***env)
{
    pmix_proc_t proc;
    PMIX_LOAD_PROCID(&proc, nspace, (pmix_rank_t)rank);
    return PMIx_server_setup_fork(&proc, env) == PMIX_SUCCESS ? 0 : -1;
}

void lark_pmix_stop(void)
{
    /* Deliberately not PMIx_server_finalize: with PMIx 4.2.2 it can deadlock
     * (or crash) when the connections of killed clients are still being torn
     * down on the progress thread, which is exactly the situation after a
     * failed job.  mpirun is about to _exit, and main removes the server's
     * temp directory, which holds every file the server made. */
}

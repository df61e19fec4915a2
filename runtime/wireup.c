/*
 * wireup.c -- joining the job and leaving it.
 *
 * With PMIX_NAMESPACE in the environment the process is a PMIx client:
 * PMIx_Init gives its namespace and rank, the job-level keys the launcher
 * registered give the job and node layout, each transport publishes its
 * address (PMIx_Put), and one PMIx_Fence exchanges them.  Without it the
 * process is a singleton: a world of one, no PMIx at all.  This file also
 * answers the transports' questions about the job (the upcalls of
 * transports/transport.h).
 */
#include <pmix.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lark.h"
#include "comm.h"
#include "copy.h"
#include "hwres.h"
#include "lost.h"
#include "p2p.h"
#include "peer.h"
#include "progress.h"
#include "runtime.h"
#include "transport.h"
#include "where.h"

struct lark_runtime lark_rt = {.lock = PTHREAD_MUTEX_INITIALIZER};
static pmix_proc_t myproc;
/* lark_runtime_peer_node's table (see there) and its state: 0 not made,
 * 1 made, -1 failed; node_mutex guards the making. */
static int *node_table;
static int node_table_state;
static pthread_mutex_t node_mutex = PTHREAD_MUTEX_INITIALIZER;

/* ---- news of dead peers (lost.h) ---- */

static size_t death_handler;
static bool death_handler_on;

static void death_one(const pmix_proc_t *p, const char *why)
{
    if (p != NULL && PMIX_CHECK_NSPACE(p->nspace, myproc.nspace) && p->rank != PMIX_RANK_WILDCARD &&
        p->rank < (pmix_rank_t)lark_rt.size)
        lark_lost_news((int)p->rank, why);
}

/* PMIx's thread: a process of the job terminated (Lark's mpirun under
 * --enable-recovery says so; other servers may too).  The dead process
 * is the affected one, else the event's source. */
static void death_event(size_t id, pmix_status_t status, const pmix_proc_t *source,
                        pmix_info_t info[], size_t ninfo, pmix_info_t *results, size_t nresults,
                        pmix_event_notification_cbfunc_fn_t cbfunc, void *cbdata)
{
    (void)id;
    (void)status;
    (void)results;
    (void)nresults;
    const char *why = NULL;
    const pmix_proc_t *one = NULL;
    const pmix_data_array_t *many = NULL;
    for (size_t i = 0; i < ninfo; i++) {
        if (PMIX_CHECK_KEY(&info[i], PMIX_EVENT_TEXT_MESSAGE) && info[i].value.type == PMIX_STRING)
            why = info[i].value.data.string;
        else if (PMIX_CHECK_KEY(&info[i], PMIX_EVENT_AFFECTED_PROC) &&
                 info[i].value.type == PMIX_PROC)
            one = info[i].value.data.proc;
        else if (PMIX_CHECK_KEY(&info[i], PMIX_EVENT_AFFECTED_PROCS) &&
                 info[i].value.type == PMIX_DATA_ARRAY && info[i].value.data.darray != NULL &&
                 info[i].value.data.darray->type == PMIX_PROC)
            many = info[i].value.data.darray;
    }
    if (many != NULL)
        for (size_t k = 0; k < many->size; k++)
            death_one((const pmix_proc_t *)many->array + k, why);
    else
        death_one(one != NULL ? one : source, why);
    if (cbfunc != NULL)
        cbfunc(PMIX_EVENT_ACTION_COMPLETE, NULL, 0, NULL, NULL, cbdata);
}

/* Listen for deaths; without it (a server that refuses) only the
 * transports see peers go. */
static void death_listen(void)
{
    pmix_status_t codes[] = {PMIX_EVENT_PROC_TERMINATED, PMIX_ERR_PROC_ABORTED,
                             PMIX_ERR_PROC_ABORTED_BY_SIG};
    pmix_info_t info;
    PMIX_INFO_LOAD(&info, PMIX_EVENT_HDLR_NAME, "lark-lost-peers", PMIX_STRING);
    pmix_status_t rc = PMIx_Register_event_handler(codes, sizeof codes / sizeof codes[0], &info, 1,
                                                   death_event, NULL, NULL);
    PMIX_INFO_DESTRUCT(&info);
    if (rc >= 0) {
        death_handler = (size_t)rc;
        death_handler_on = true;
    }
}

static void death_unlisten(void)
{
    if (death_handler_on)
        PMIx_Deregister_event_handler(death_handler, NULL, NULL);
    death_handler_on = false;
}

/* Read an integer-valued PMIx key of `proc`, whatever integer type the
 * server stored it as.  Returns 0 or -1 when absent. */
static int get_uint(const pmix_proc_t *proc, const char *key, uint64_t *out)
{
    pmix_value_t *val = NULL;
    if (PMIx_Get(proc, key, NULL, 0, &val) != PMIX_SUCCESS || val == NULL)
        return -1;
    int rc = 0;
    switch (val->type) {
    case PMIX_UINT8:
        *out = val->data.uint8;
        break;
    case PMIX_UINT16:
        *out = val->data.uint16;
        break;
    case PMIX_UINT32:
        *out = val->data.uint32;
        break;
    case PMIX_UINT64:
        *out = val->data.uint64;
        break;
    case PMIX_INT:
        *out = (uint64_t)val->data.integer;
        break;
    case PMIX_INT32:
        *out = (uint64_t)val->data.int32;
        break;
    case PMIX_UINT:
        *out = val->data.uint;
        break;
    case PMIX_SIZE:
        *out = val->data.size;
        break;
    case PMIX_PROC_RANK:
        *out = val->data.rank;
        break;
    default:
        rc = -1;
    }
    PMIX_VALUE_RELEASE(val);
    return rc;
}

static int get_string(const pmix_proc_t *proc, const char *key, char **out)
{
    pmix_value_t *val = NULL;
    if (PMIx_Get(proc, key, NULL, 0, &val) != PMIX_SUCCESS || val == NULL)
        return -1;
    int rc = -1;
    if (val->type == PMIX_STRING && val->data.string != NULL) {
        *out = strdup(val->data.string);
        rc = *out ? 0 : -1;
    }
    PMIX_VALUE_RELEASE(val);
    return rc;
}

static int layout_singleton(void)
{
    lark_rt.singleton = true;
    lark_rt.rank = 0;
    lark_rt.size = 1;
    lark_rt.local_rank = 0;
    lark_rt.local_size = 1;
    snprintf(lark_rt.nspace, sizeof lark_rt.nspace, "lark-singleton-%ld", (long)getpid());
    return LARK_OK;
}

static int layout_pmix(void)
{
    pmix_status_t st = PMIx_Init(&myproc, NULL, 0);
    if (st != PMIX_SUCCESS) {
        fprintf(stderr, "Lark MPI: PMIx_Init failed (%s): is this program started by mpirun?\n",
                PMIx_Error_string(st));
        return LARK_ERR_PEER;
    }
    snprintf(lark_rt.nspace, sizeof lark_rt.nspace, "%s", myproc.nspace);
    lark_rt.rank = (int)myproc.rank;
    pmix_proc_t wild;
    PMIX_LOAD_PROCID(&wild, myproc.nspace, PMIX_RANK_WILDCARD);
    uint64_t v;
    if (get_uint(&wild, PMIX_JOB_SIZE, &v) != 0) {
        fprintf(stderr, "Lark MPI: the launcher did not give PMIX_JOB_SIZE\n");
        return LARK_ERR_PEER;
    }
    lark_rt.size = (int)v;
    lark_rt.local_rank = get_uint(&myproc, PMIX_LOCAL_RANK, &v) == 0 ? (int)v : 0;
    lark_rt.nodeid = get_uint(&myproc, PMIX_NODEID, &v) == 0 ? (uint32_t)v : 0;
    lark_rt.appnum = get_uint(&myproc, PMIX_APPNUM, &v) == 0 ? (int)v : 0;
    char *s = NULL;
    if (get_string(&myproc, PMIX_HOSTNAME, &s) == 0) {
        snprintf(lark_rt.hostname, sizeof lark_rt.hostname, "%s", s);
        free(s);
    }
    /* Local peers: "0,1,2" (world ranks on this node, by local rank). */
    lark_rt.local_size = 1;
    if (get_string(&wild, PMIX_LOCAL_PEERS, &s) == 0) {
        int n = 1;
        for (char *p = s; *p; p++)
            n += *p == ',';
        lark_rt.local_peers = malloc(sizeof(int) * (size_t)n);
        if (lark_rt.local_peers == NULL) {
            free(s);
            return LARK_ERR_NOMEM;
        }
        int i = 0;
        for (char *tok = strtok(s, ","); tok && i < n; tok = strtok(NULL, ","))
            lark_rt.local_peers[i++] = atoi(tok);
        lark_rt.local_size = i;
        free(s);
        for (i = 0; i < lark_rt.local_size; i++)
            if (lark_rt.local_peers[i] == lark_rt.rank)
                lark_rt.local_rank = i;
    }
    return LARK_OK;
}

/* The CPUs the ranks of this node may use, together: the union of their
 * affinity masks, exchanged at wire-up ("lark.cpus", hex).  A rank's own
 * mask is not enough: when the launcher binds each rank to one core, every
 * rank sees one CPU although the job has one per rank; when the whole job
 * is confined (taskset, cgroup) and not bound, all see the same few CPUs. */
static void cpus_publish(void)
{
    cpu_set_t set;
    if (lark_rt.singleton || sched_getaffinity(0, sizeof set, &set) != 0)
        return;
    char hex[sizeof set * 2 + 1];
    const unsigned char *b = (const unsigned char *)&set;
    for (size_t i = 0; i < sizeof set; i++)
        snprintf(hex + 2 * i, 3, "%02x", b[i]);
    lark_runtime_put_string("lark.cpus", hex, LARK_SCOPE_LOCAL);
}

static int cpus_of_node(void)
{
    cpu_set_t all;
    CPU_ZERO(&all);
    if (sched_getaffinity(0, sizeof all, &all) != 0)
        return (int)sysconf(_SC_NPROCESSORS_ONLN);
    for (int i = 0; i < lark_rt.local_size && !lark_rt.singleton; i++) {
        char *hex = NULL;
        if (lark_rt.local_peers[i] == lark_rt.rank ||
            lark_runtime_get_peer_string(lark_rt.local_peers[i], "lark.cpus", &hex) != LARK_OK)
            continue;
        cpu_set_t set;
        unsigned char *b = (unsigned char *)&set;
        size_t n = strlen(hex) / 2;
        CPU_ZERO(&set);
        for (size_t k = 0; k < n && k < sizeof set; k++) {
            unsigned v = 0;
            sscanf(hex + 2 * k, "%2x", &v);
            b[k] = (unsigned char)v;
        }
        free(hex);
        CPU_OR(&all, &all, &set);
    }
    return CPU_COUNT(&all);
}

/*
 * A process started without PMIx is a singleton, unless a launcher that does
 * not speak PMIx started it as one task of several: srun --mpi=none (or
 * MpiDefault=none), srun --mpi=pmi2, MPICH's Hydra.  Running each task as a
 * world of one would silently give the user N independent jobs, so say what
 * happened and how to start one job instead.
 */
static int env_int(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        return -1;
    char *end;
    long n = strtol(v, &end, 10);
    return (*end == '\0' && n >= 0 && n <= INT32_MAX) ? (int)n : -1;
}

static int check_foreign_launch(void)
{
    int ntasks = env_int("SLURM_STEP_NUM_TASKS");
    if (ntasks > 1) {
        /* So that MPI_Init's own error line names this task, not "rank 0". */
        lark_rt.rank = env_int("SLURM_PROCID");
        fprintf(stderr,
                "Lark MPI: task %d of a %d-task srun step started without PMIx "
                "(srun --mpi=%s): each task would run as a separate one-rank job. "
                "Start Lark programs with 'srun --mpi=pmix' (or MpiDefault=pmix in "
                "slurm.conf), or with Lark's mpirun.\n",
                env_int("SLURM_PROCID"), ntasks,
                getenv("SLURM_MPI_TYPE") ? getenv("SLURM_MPI_TYPE") : "none");
        return LARK_ERR_PEER;
    }
    int pmi_size = env_int("PMI_SIZE");
    if (pmi_size > 1) {
        lark_rt.rank = env_int("PMI_RANK");
        fprintf(stderr,
                "Lark MPI: rank %d of %d was started by a PMI-1/PMI-2 launcher (another MPI's "
                "mpirun, or srun --mpi=pmi2), which Lark does not speak: each rank would run "
                "as a separate one-rank job. Use Lark's mpirun, or 'srun --mpi=pmix'.\n",
                env_int("PMI_RANK"), pmi_size);
        return LARK_ERR_PEER;
    }
    return LARK_OK;
}

int lark_runtime_init(int required, int *provided)
{
    int rc;
    gethostname(lark_rt.hostname, sizeof lark_rt.hostname - 1);
    if (getenv("PMIX_NAMESPACE") != NULL)
        rc = layout_pmix();
    else if ((rc = check_foreign_launch()) == LARK_OK)
        rc = layout_singleton();
    if (rc != LARK_OK)
        return rc;
    lark_copy_init();
    if (lark_rt.local_peers == NULL) {
        lark_rt.local_peers = malloc(sizeof(int));
        if (lark_rt.local_peers == NULL)
            return LARK_ERR_NOMEM;
        lark_rt.local_peers[0] = lark_rt.rank;
        lark_rt.local_size = 1;
        lark_rt.local_rank = 0;
    }
    /* world -> local: one int per world rank; freed at finalize. */
    lark_rt.world_to_local = malloc(sizeof(int) * (size_t)lark_rt.size);
    if (lark_rt.world_to_local == NULL)
        return LARK_ERR_NOMEM;
    for (int i = 0; i < lark_rt.size; i++)
        lark_rt.world_to_local[i] = -1;
    for (int i = 0; i < lark_rt.local_size; i++)
        if (lark_rt.local_peers[i] >= 0 && lark_rt.local_peers[i] < lark_rt.size)
            lark_rt.world_to_local[lark_rt.local_peers[i]] = i;

    lark_rt.thread_level = required > MPI_THREAD_MULTIPLE ? MPI_THREAD_MULTIPLE : required;
    if (required != MPI_THREAD_SINGLE && required != MPI_THREAD_FUNNELED &&
        required != MPI_THREAD_SERIALIZED && required != MPI_THREAD_MULTIPLE)
        lark_rt.thread_level = MPI_THREAD_SINGLE;
    lark_rt.locking = lark_rt.thread_level == MPI_THREAD_MULTIPLE;
    lark_rt.main_thread = pthread_self();
    *provided = lark_rt.thread_level;

    if ((rc = lark_comm_init()) != LARK_OK)
        return rc;
    if ((rc = lark_p2p_init()) != LARK_OK)
        return rc;
    cpus_publish();
    if (!lark_rt.singleton) {
        pmix_status_t st = PMIx_Commit();
        if (st == PMIX_SUCCESS) {
            /* Collect every published address in the fence, unless told
             * not to (LARK_PMIX_COLLECT=0): then each PMIx_Get of a peer's
             * address is a direct modex on first use, and init exchanges
             * nothing per peer (a server that serves direct modex needed). */
            pmix_info_t info;
            const char *env = getenv("LARK_PMIX_COLLECT");
            bool collect = env == NULL || atoi(env) != 0;
            PMIX_INFO_LOAD(&info, PMIX_COLLECT_DATA, &collect, PMIX_BOOL);
            st = PMIx_Fence(NULL, 0, &info, 1);
            PMIX_INFO_DESTRUCT(&info);
        }
        if (st != PMIX_SUCCESS) {
            fprintf(stderr, "Lark MPI: rank %d: the PMIx fence of MPI_Init failed: %s\n",
                    lark_rt.rank, PMIx_Error_string(st));
            return LARK_ERR_PEER;
        }
    }
    if ((rc = lark_peer_wireup()) != LARK_OK)
        return rc;
    if ((rc = lark_progress_init(cpus_of_node())) != LARK_OK)
        return rc;
    if ((rc = lark_lost_init(lark_rt.size)) != LARK_OK)
        return rc;
    if (!lark_rt.singleton)
        death_listen(); /* after the doorbell exists: the handler rings it */
    lark_where_init();
    atomic_store_explicit(&lark_rt.state, LARK_STATE_INIT, memory_order_release);
    return LARK_OK;
}

struct fence_wait {
    _Atomic int done;
    pmix_status_t status;
};

/* Called by the PMIx progress thread when the finalize fence completes.
 * `done` is stored only after the wake-up, so the main thread cannot go on
 * to unmap the doorbell while this thread still rings it; if the main
 * thread sleeps through the ring, its bounded sleep ends the wait. */
static void fence_done_cb(pmix_status_t status, void *cbdata)
{
    struct fence_wait *w = cbdata;
    w->status = status;
    lark_progress_wake_self();
    atomic_store_explicit(&w->done, 1, memory_order_release);
}

static bool fence_is_done(void *arg)
{
    struct fence_wait *w = arg;
    return atomic_load_explicit(&w->done, memory_order_acquire) != 0;
}

static bool nothing_queued(void *arg)
{
    (void)arg;
    return !lark_peer_busy();
}

int lark_runtime_finalize(void)
{
    /* First push out every frame still queued (a freed request's send, a
     * FIN): peers keep progressing meanwhile, in this same loop or in the
     * fence wait below.  Then a fence, progressing while it runs, so no peer
     * still reads our memory (rendezvous) or writes into our rings when we
     * take them down. */
    int rc = LARK_OK;
    lark_progress_wait(nothing_queued, NULL);
    if (!lark_rt.singleton) {
        struct fence_wait w = {0, PMIX_SUCCESS};
        pmix_status_t st = PMIx_Fence_nb(NULL, 0, NULL, 0, fence_done_cb, &w);
        if (st == PMIX_SUCCESS) {
            lark_progress_wait(fence_is_done, &w);
            st = w.status;
        }
        if (st != PMIX_SUCCESS && st != PMIX_OPERATION_SUCCEEDED)
            rc = LARK_ERR_PEER;
    }
    /* No news after this returns (PMIx's thread runs handlers and
     * removes them in order), so the doorbell can go. */
    death_unlisten();
    lark_where_finalize();
    lark_p2p_finalize();
    lark_progress_finalize();
    lark_comm_finalize();
    lark_hwres_finalize();
    atomic_store_explicit(&lark_rt.state, LARK_STATE_FINALIZED, memory_order_release);
    if (!lark_rt.singleton)
        PMIx_Finalize(NULL, 0);
    lark_lost_finalize();
    free(lark_rt.local_peers);
    lark_rt.local_peers = NULL;
    free(lark_rt.world_to_local);
    lark_rt.world_to_local = NULL;
    free(node_table);
    node_table = NULL;
    node_table_state = 0;
    return rc;
}

_Noreturn void lark_runtime_abort(int code, const char *msg)
{
    /* Under Lark's mpirun the message goes to mpirun, which says the one
     * line about the failure; anywhere else (a singleton, srun, a PMIx
     * that refused) it is said here. */
    bool told = false;
    if (!lark_rt.singleton && atomic_load(&lark_rt.state) == LARK_STATE_INIT)
        told = PMIx_Abort(code, msg ? msg : "", NULL, 0) == PMIX_SUCCESS &&
               strncmp(lark_rt.nspace, "lark-", 5) == 0;
    if (!told) {
        if (msg)
            fprintf(stderr, "Lark MPI: %s\n", msg);
        else
            fprintf(stderr, "Lark MPI: MPI_Abort(errorcode %d) called by rank %d on %s\n", code,
                    lark_rt.rank, lark_rt.hostname);
        fflush(stderr);
    }
    /* An exit status is the code modulo 256; an abort never says success. */
    _exit((code & 0xff) ? (code & 0xff) : 1);
}

int lark_runtime_put_string(const char *key, const char *value, enum lark_scope scope)
{
    if (lark_rt.singleton)
        return LARK_OK;
    pmix_value_t val;
    PMIX_VALUE_LOAD(&val, value, PMIX_STRING);
    pmix_status_t st = PMIx_Put(scope == LARK_SCOPE_LOCAL ? PMIX_LOCAL : PMIX_GLOBAL, key, &val);
    PMIX_VALUE_DESTRUCT(&val);
    return st == PMIX_SUCCESS ? LARK_OK : LARK_ERR_PEER;
}

int lark_runtime_get_peer_string(int world_rank, const char *key, char **value)
{
    if (lark_rt.singleton)
        return LARK_ERR_PEER;
    pmix_proc_t p;
    PMIX_LOAD_PROCID(&p, myproc.nspace, (pmix_rank_t)world_rank);
    return get_string(&p, key, value) == 0 ? LARK_OK : LARK_ERR_PEER;
}

/* World rank -> node, for the whole job, from the job's node list and
 * each node's ranks (PMIx_Resolve_nodes / PMIx_Resolve_peers: what the
 * launcher's PMIX_NODE_MAP and PMIX_PROC_MAP say, no traffic): nodes are
 * numbered in the list's order, the same at every rank.  Made at the
 * first call (4 bytes per rank, freed at finalize); -1 when PMIx cannot
 * say (then every rank is told so). */

static int make_node_table(void)
{
    char *list = NULL;
    int *t = malloc(sizeof(int) * (size_t)lark_rt.size);
    if (t == NULL || PMIx_Resolve_nodes(myproc.nspace, &list) != PMIX_SUCCESS || list == NULL) {
        free(t);
        free(list);
        return -1;
    }
    for (int i = 0; i < lark_rt.size; i++)
        t[i] = -1;
    int node = 0, ok = 1;
    char *save = NULL;
    for (char *h = strtok_r(list, ",", &save); h != NULL && ok; h = strtok_r(NULL, ",", &save)) {
        pmix_proc_t *procs = NULL;
        size_t np = 0;
        if (PMIx_Resolve_peers(h, myproc.nspace, &procs, &np) != PMIX_SUCCESS)
            ok = 0;
        for (size_t k = 0; ok && k < np; k++)
            if (procs[k].rank < (pmix_rank_t)lark_rt.size)
                t[procs[k].rank] = node;
        if (procs != NULL)
            PMIX_PROC_FREE(procs, np);
        node++;
    }
    free(list);
    for (int i = 0; ok && i < lark_rt.size; i++)
        ok = t[i] >= 0;
    if (!ok) {
        free(t);
        return -1;
    }
    node_table = t;
    return 1;
}

int lark_runtime_peer_node(int world_rank, uint32_t *node)
{
    if (lark_rt.singleton) {
        *node = 0;
        return LARK_OK;
    }
    pthread_mutex_lock(&node_mutex);
    if (node_table_state == 0)
        node_table_state = make_node_table();
    int state = node_table_state;
    pthread_mutex_unlock(&node_mutex);
    if (state < 0)
        return LARK_ERR_PEER;
    *node = (uint32_t)node_table[world_rank];
    return LARK_OK;
}

/* ---- transport upcalls ---- */

int lark_transport_publish(const char *key, const char *value, enum lark_scope scope)
{
    return lark_runtime_put_string(key, value, scope);
}

int lark_transport_lookup_job(const char *key, char **value)
{
    if (lark_rt.singleton)
        return LARK_ERR_PEER;
    pmix_proc_t wild;
    PMIX_LOAD_PROCID(&wild, myproc.nspace, PMIX_RANK_WILDCARD);
    return get_string(&wild, key, value) == 0 ? LARK_OK : LARK_ERR_PEER;
}

int lark_transport_lookup(int peer, const char *key, char **value)
{
    return lark_runtime_get_peer_string(peer, key, value);
}

int lark_transport_world_rank(void)
{
    return lark_rt.rank;
}

int lark_transport_world_size(void)
{
    return lark_rt.size;
}

int lark_transport_local_rank(int world_rank)
{
    if (world_rank < 0 || world_rank >= lark_rt.size)
        return -1;
    return lark_rt.world_to_local[world_rank];
}

int lark_transport_local_size(void)
{
    return lark_rt.local_size;
}

const int *lark_transport_local_peers(void)
{
    return lark_rt.local_peers;
}

const char *lark_transport_hostname(void)
{
    return lark_rt.hostname;
}

const char *lark_transport_nspace(void)
{
    return lark_rt.nspace;
}

/*
 * vars.c -- the tables behind MPI_T: categories, enums, control variables
 * and performance variables, and how each reads (and writes) its value.
 *
 * The tables are built once, on first use (pthread_once): the per-transport
 * variables are named from the transport registry (transports/registry.c),
 * so a new transport gets its variables without a line here.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coll/coll.h"
#include "copy.h"
#include "lark.h"
#include "mpit.h"
#include "peer.h"
#include "progress.h"
#include "runtime.h"
#include "stats.h"
#include "transport.h"

/* ---- categories ---- */

enum { CAT_LARK, CAT_P2P, CAT_PROGRESS, CAT_COLL, CAT_TRANSPORTS, CAT_LAUNCH, NCATS };

static const struct {
    const char *name, *desc;
} categories[NCATS] = {
    [CAT_LARK] = {"lark", "Everything Lark exposes: the categories below"},
    [CAT_P2P] = {"lark_p2p", "Point-to-point messaging: eager/rendezvous choice, matching queues"},
    [CAT_PROGRESS] = {"lark_progress",
                      "Waiting: the spin/yield/sleep policy and time spent waiting"},
    [CAT_COLL] = {"lark_coll", "Collectives: forced algorithms and how often each ran"},
    [CAT_TRANSPORTS] = {"lark_transports",
                        "Transports (self, shm, tcp): their limits and traffic counters"},
    [CAT_LAUNCH] = {"lark_launch", "Start-up: how addresses are exchanged through PMIx"},
};

int lark_mpit_ncategories(void)
{
    return NCATS;
}

const char *lark_mpit_category_name(int i)
{
    return categories[i].name;
}

const char *lark_mpit_category_desc(int i)
{
    return categories[i].desc;
}

/* ---- enums ---- */

static const char *const bcast_algs[] = {"auto", "binomial", "scatter_allgather"};
static const char *const allreduce_algs[] = {"auto", "recursive_doubling", "ring", "reduce_bcast"};
static const char *const allgather_algs[] = {"auto", "bruck", "ring"};
static const char *const reduce_algs[] = {"auto", "binomial", "reduce_scatter_gather"};
static const char *const shm_modes[] = {"auto", "on", "off"};
static const char *const alltoall_algs[] = {"auto", "pairwise", "linear"};

static struct MPI_T_enum_t coll_enums[LARK_NROWS] = {
    [LARK_ROW_BCAST] = {"lark_bcast_algorithm", 3, bcast_algs},
    [LARK_ROW_ALLREDUCE] = {"lark_allreduce_algorithm", 4, allreduce_algs},
    [LARK_ROW_ALLGATHER] = {"lark_allgather_algorithm", 3, allgather_algs},
    [LARK_ROW_REDUCE] = {"lark_reduce_algorithm", 3, reduce_algs},
    [LARK_ROW_SHM] = {"lark_coll_shm_mode", 3, shm_modes},
    [LARK_ROW_NODE] = {"lark_coll_node_mode", 3, shm_modes},
    [LARK_ROW_ALLTOALL] = {"lark_alltoall_algorithm", 3, alltoall_algs},
};

/* ---- control variables: how each reads and writes ---- */

static void get_eager(int arg, void *out)
{
    (void)arg;
    lark_lock();
    *(unsigned long *)out = (unsigned long)lark_peer_eager_cap();
    lark_unlock();
}

static int set_eager(int arg, const void *in)
{
    (void)arg;
    lark_lock();
    lark_peer_set_eager_cap(*(const unsigned long *)in);
    lark_unlock();
    return MPI_SUCCESS;
}

static void get_copy(int arg, void *out)
{
    (void)arg;
    lark_copy_init();
    *(unsigned long *)out = (unsigned long)lark_copy_movsb_min;
}

static int set_copy(int arg, const void *in)
{
    (void)arg;
    unsigned long v = *(const unsigned long *)in;
    lark_copy_init();
    lark_copy_movsb_min = v == 0 ? 1 : (size_t)v;
    return MPI_SUCCESS;
}

/* arg 0: spin, 1: yield (microseconds). */
static void get_wait(int arg, void *out)
{
    int64_t ns[2];
    lark_progress_policy(&ns[0], &ns[1]);
    *(unsigned long *)out = (unsigned long)(ns[arg] / 1000);
}

static int set_wait(int arg, const void *in)
{
    int64_t ns[2];
    unsigned long us = *(const unsigned long *)in;
    if (us > 60ul * 1000 * 1000) /* a minute of spinning is a typo */
        return MPI_T_ERR_INVALID;
    lark_progress_policy(&ns[0], &ns[1]);
    ns[arg] = (int64_t)us * 1000;
    lark_progress_set_policy(ns[0], ns[1]);
    return MPI_SUCCESS;
}

/* arg: the collective's row. */
static void get_coll(int arg, void *out)
{
    *(int *)out = (int)lark_coll_forced((enum lark_coll_row)arg);
}

static int set_coll(int arg, const void *in)
{
    int v = *(const int *)in;
    if (v < 0 || v >= coll_enums[arg].n)
        return MPI_T_ERR_INVALID;
    lark_coll_force((enum lark_coll_row)arg, (enum lark_coll_alg)v);
    return MPI_SUCCESS;
}

/* arg: enum lark_coll_limit. */
static void get_limit(int arg, void *out)
{
    *(unsigned long *)out = (unsigned long)lark_coll_limit((enum lark_coll_limit)arg);
}

static int set_limit(int arg, const void *in)
{
    lark_coll_limit_set((enum lark_coll_limit)arg, *(const unsigned long *)in);
    return MPI_SUCCESS;
}

/* Knobs read once from the environment (at MPI_Init or first use): their
 * value as text, "" when unset.  arg: index into env_knobs. */
static const struct {
    const char *var, *desc;
    int category;
} env_knobs[] = {
    {"LARK_TRANSPORTS", "Transports allowed (comma-separated; self always on); unset: all",
     CAT_TRANSPORTS},
    {"LARK_SHM_NO_CMA", "1: never use process_vm_readv/writev (copy through shared memory)",
     CAT_TRANSPORTS},
    {"LARK_SHM_CMA_MIN", "Smallest shm rendezvous moved by CMA (bytes)", CAT_TRANSPORTS},
    {"LARK_RNDV_SPLIT_MIN", "Split rendezvous from this size (bytes; 0: never)", CAT_TRANSPORTS},
    {"LARK_TCP_IF_INCLUDE", "Interfaces TCP listens on (names or CIDRs)", CAT_TRANSPORTS},
    {"LARK_TCP_IF_EXCLUDE", "Interfaces TCP leaves out (names or CIDRs)", CAT_TRANSPORTS},
    {"LARK_TCP_PORT_RANGE", "Ports TCP listens on (A-B)", CAT_TRANSPORTS},
    {"LARK_TCP_SOCKBUF", "SO_SNDBUF/SO_RCVBUF of TCP sockets (0: kernel autotuning)",
     CAT_TRANSPORTS},
    {"LARK_TCP_CONNECT_TIMEOUT", "Seconds to keep trying to connect to a peer", CAT_TRANSPORTS},
    {"LARK_WAIT_EPOLL", "1: sleep in epoll even with shm alone", CAT_PROGRESS},
    {"LARK_PMIX_COLLECT", "0: exchange no addresses at start-up (each is fetched on first use)",
     CAT_LAUNCH},
};
#define NENV      (int)(sizeof env_knobs / sizeof env_knobs[0])
#define ENV_COUNT 256 /* MPI_CHAR buffer of an environment knob */

static void get_env(int arg, void *out)
{
    const char *v = getenv(env_knobs[arg].var);
    snprintf(out, ENV_COUNT, "%s", v ? v : "");
}

/* arg: registry index of the transport. */
static void get_tp_eager(int arg, void *out)
{
    int n;
    const struct lark_transport_entry *reg = lark_transport_registry(&n);
    lark_lock();
    *(unsigned long *)out = (unsigned long)lark_peer_transport_eager(reg[arg].ops->name);
    lark_unlock();
}

/* ---- performance variables: the raw values ---- */

/* arg: registry index * 8 + which counter. */
static uint64_t raw_tp(int arg)
{
    const struct lark_tp_stats *t = &lark_tp_stats[arg / 8];
    const lark_counter *c[] = {&t->tx_frames, &t->tx_bytes, &t->rx_frames, &t->rx_bytes,
                               &t->rdma_bytes};
    return lark_counter_read(c[arg % 8]);
}

static uint64_t raw_stat(int arg)
{
    const lark_counter *c[] = {&lark_stats.unexpected_len, &lark_stats.unexpected_max,
                               &lark_stats.unexpected_total, &lark_stats.posted_len,
                               &lark_stats.wait_ns};
    return lark_counter_read(c[arg]);
}

/* arg: row * LARK_STATS_ALGS + algorithm slot. */
static uint64_t raw_coll(int arg)
{
    return atomic_load_explicit(&lark_stats.coll_alg[arg / LARK_STATS_ALGS][arg % LARK_STATS_ALGS],
                                memory_order_relaxed);
}

/* ---- building the tables ---- */

#define MAX_CVARS 48
#define MAX_PVARS 96
static struct lark_cvar cvars[MAX_CVARS];
static char cvar_names[MAX_CVARS][48];
static int ncvars;
static struct lark_pvar pvars[MAX_PVARS];
static int npvars;
static pthread_once_t built = PTHREAD_ONCE_INIT;

/* Lower-case a LARK_* name in place. */
static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
}

static struct lark_cvar *cvar_add(const char *name, const char *desc, int category,
                                  void (*get)(int, void *), int (*set)(int, const void *), int arg)
{
    struct lark_cvar *c = &cvars[ncvars];
    snprintf(cvar_names[ncvars], sizeof cvar_names[ncvars], "%s", name);
    lower(cvar_names[ncvars]);
    c->name = cvar_names[ncvars++];
    c->desc = desc;
    c->category = category;
    c->get = get;
    c->set = set;
    c->arg = arg;
    c->verbosity = MPI_T_VERBOSITY_TUNER_BASIC;
    c->scope = MPI_T_SCOPE_LOCAL;
    c->type = MPI_UNSIGNED_LONG;
    c->count = 1;
    return c;
}

static void pvar_add(const char *name, const char *desc, int category, int var_class,
                     uint64_t (*raw)(int), int arg)
{
    struct lark_pvar *p = &pvars[npvars++];
    snprintf(p->name, sizeof p->name, "%s", name);
    p->desc = desc;
    p->category = category;
    p->verbosity = MPI_T_VERBOSITY_USER_DETAIL;
    p->var_class = var_class;
    p->type = var_class == MPI_T_PVAR_CLASS_TIMER ? MPI_DOUBLE : MPI_UNSIGNED_LONG_LONG;
    /* Counters and timers: per-handle views a tool may start, stop, reset
     * and write.  Levels and watermarks: the live process-wide value. */
    bool per_handle = var_class == MPI_T_PVAR_CLASS_COUNTER || var_class == MPI_T_PVAR_CLASS_TIMER;
    p->readonly = !per_handle;
    p->continuous = !per_handle;
    p->raw = raw;
    p->arg = arg;
}

static void build_cvars(void)
{
    cvar_add("lark_eager_limit",
             "Cap over every transport's eager limit in bytes (0: each transport's own; "
             "1: rendezvous for all). LARK_EAGER_LIMIT; writable at any time",
             CAT_P2P, get_eager, set_eager, 0);
    cvar_add("lark_wait_spin_us",
             "Waiting: poll so many microseconds before yielding. LARK_WAIT_SPIN_US; "
             "writable at any time (before MPI_Init it stands over the default)",
             CAT_PROGRESS, get_wait, set_wait, 0);
    cvar_add("lark_wait_yield_us",
             "Waiting: then yield the core so many microseconds before sleeping. "
             "LARK_WAIT_YIELD_US; writable at any time",
             CAT_PROGRESS, get_wait, set_wait, 1);
    cvar_add("lark_copy_movsb_min",
             "One-sided put/get on a window mapped here: copies of at least so many bytes use "
             "rep movsb (the largest value: never). LARK_COPY_MOVSB_MIN; writable at any time",
             CAT_LARK, get_copy, set_copy, 0);
    static char coll_desc[LARK_NROWS][160];
    for (int r = 0; r < LARK_NROWS; r++) {
        const char *var = lark_coll_var((enum lark_coll_row)r); /* LARK_COLL_BCAST */
        snprintf(coll_desc[r], sizeof coll_desc[r],
                 "%s: the algorithm every rank uses (auto: Lark's choice by size). Writable; "
                 "set the same value on every rank",
                 var);
        struct lark_cvar *c = cvar_add(var, coll_desc[r], CAT_COLL, get_coll, set_coll, r);
        c->type = MPI_INT;
        c->enumtype = &coll_enums[r];
        c->scope = MPI_T_SCOPE_ALL_EQ;
    }
    static char lim_desc[LARK_NLIMS][240];
    for (int l = 0; l < LARK_NLIMS; l++) {
        const char *d, *var = lark_coll_limit_var((enum lark_coll_limit)l, &d);
        snprintf(lim_desc[l], sizeof lim_desc[l],
                 "%s (%s). Writable; set the same value on every rank", d, var);
        struct lark_cvar *c = cvar_add(var, lim_desc[l], CAT_COLL, get_limit, set_limit, l);
        c->scope = MPI_T_SCOPE_ALL_EQ;
    }
    int nreg;
    const struct lark_transport_entry *reg = lark_transport_registry(&nreg);
    for (int t = 0; t < nreg; t++) {
        if (reg[t].ops == &lark_transport_self_ops)
            continue;
        char name[48];
        snprintf(name, sizeof name, "lark_%s_eager_limit", reg[t].ops->name);
        struct lark_cvar *c = cvar_add(name,
                                       "This transport's eager limit in bytes, as started (0: "
                                       "not started; set by its LARK_*_EAGER_LIMIT at MPI_Init)",
                                       CAT_TRANSPORTS, get_tp_eager, NULL, t);
        c->scope = MPI_T_SCOPE_READONLY;
    }
    for (int i = 0; i < NENV; i++) {
        struct lark_cvar *c =
            cvar_add(env_knobs[i].var, env_knobs[i].desc, env_knobs[i].category, get_env, NULL, i);
        c->type = MPI_CHAR;
        c->count = ENV_COUNT;
        c->scope = MPI_T_SCOPE_READONLY;
        c->verbosity = MPI_T_VERBOSITY_TUNER_DETAIL;
    }
}

static void build_pvars(void)
{
    pvar_add("lark_unexpected_queue_length",
             "Messages arrived and not yet received (all communicators)", CAT_P2P,
             MPI_T_PVAR_CLASS_LEVEL, raw_stat, 0);
    pvar_add("lark_unexpected_queue_max", "Most messages ever waiting unreceived at once", CAT_P2P,
             MPI_T_PVAR_CLASS_HIGHWATERMARK, raw_stat, 1);
    pvar_add("lark_unexpected_messages", "Messages that arrived before their receive was posted",
             CAT_P2P, MPI_T_PVAR_CLASS_COUNTER, raw_stat, 2);
    pvar_add("lark_posted_queue_length", "Receives posted and not yet matched", CAT_P2P,
             MPI_T_PVAR_CLASS_LEVEL, raw_stat, 3);
    pvar_add("lark_wait_time",
             "Seconds spent waiting idle in the progress engine (spinning, yielding, asleep)",
             CAT_PROGRESS, MPI_T_PVAR_CLASS_TIMER, raw_stat, 4);
    static const char *const tp_what[] = {"frames_sent", "bytes_sent", "frames_received",
                                          "bytes_received", "bytes_rdma"};
    static const char *const tp_desc[] = {
        "Frames handed to this transport", "Payload bytes handed to this transport",
        "Frames this transport delivered", "Payload bytes this transport delivered",
        "Bytes moved by this transport's get/put (rendezvous without copies)"};
    int nreg;
    const struct lark_transport_entry *reg = lark_transport_registry(&nreg);
    for (int t = 0; t < nreg && t < LARK_STATS_MAX_TP; t++)
        for (int k = 0; k < 5; k++) {
            char name[64];
            snprintf(name, sizeof name, "lark_%s_%s", reg[t].ops->name, tp_what[k]);
            pvar_add(name, tp_desc[k], CAT_TRANSPORTS, MPI_T_PVAR_CLASS_COUNTER, raw_tp, t * 8 + k);
        }
    for (int r = 0; r < LARK_NROWS; r++) {
        if (r == LARK_ROW_SHM)
            continue; /* the shm path is counted in each collective's row */
        if (r == LARK_ROW_NODE) {
            static const char *const colls[] = {"barrier", "bcast", "reduce", "allreduce",
                                                "allgather"};
            for (int a = 0; a < 5; a++) {
                char name[64];
                snprintf(name, sizeof name, "lark_coll_node_%s", colls[a]);
                pvar_add(name,
                         "Times this collective ran node-aware (an intra-node and an "
                         "inter-node phase)",
                         CAT_COLL, MPI_T_PVAR_CLASS_COUNTER, raw_coll, r * LARK_STATS_ALGS + a);
            }
            continue;
        }
        const char *var = lark_coll_var((enum lark_coll_row)r);
        for (int a = 0; a < coll_enums[r].n; a++) {
            char name[64];
            snprintf(name, sizeof name, "%s_%s", var, a == 0 ? "shm" : coll_enums[r].items[a]);
            lower(name);
            pvar_add(name,
                     a == 0 ? "Times this collective ran on the shared-memory segment"
                            : "Times this collective ran this algorithm (persistent ones "
                              "count once, at init)",
                     CAT_COLL, MPI_T_PVAR_CLASS_COUNTER, raw_coll, r * LARK_STATS_ALGS + a);
        }
    }
}

static void build(void)
{
    build_cvars();
    build_pvars();
}

int lark_mpit_ncvars(void)
{
    pthread_once(&built, build);
    return ncvars;
}

const struct lark_cvar *lark_mpit_cvar(int i)
{
    pthread_once(&built, build);
    return &cvars[i];
}

int lark_mpit_npvars(void)
{
    pthread_once(&built, build);
    return npvars;
}

const struct lark_pvar *lark_mpit_pvar(int i)
{
    pthread_once(&built, build);
    return &pvars[i];
}

int lark_mpit_category_members(int cat, enum lark_mpit_kind kind, int len, int *out)
{
    pthread_once(&built, build);
    int n = 0;
    switch (kind) {
    case LARK_MPIT_CVAR:
        for (int i = 0; i < ncvars; i++)
            if (cvars[i].category == cat && n++ < len)
                out[n - 1] = i;
        break;
    case LARK_MPIT_PVAR:
        for (int i = 0; i < npvars; i++)
            if (pvars[i].category == cat && n++ < len)
                out[n - 1] = i;
        break;
    case LARK_MPIT_EVENT:
        for (int i = 0; i < LARK_NEVENTS; i++)
            if (lark_mpit_event_category(i) == cat && n++ < len)
                out[n - 1] = i;
        break;
    case LARK_MPIT_CATEGORY:
        for (int i = 1; cat == CAT_LARK && i < NCATS; i++)
            if (n++ < len)
                out[n - 1] = i;
        break;
    }
    return n;
}

void lark_mpit_strout(const char *s, char *buf, int *len)
{
    if (len == NULL)
        return;
    int need = (int)strlen(s) + 1;
    if (buf == NULL || *len <= 0) {
        *len = need;
        return;
    }
    int n = need <= *len ? need - 1 : *len - 1;
    memcpy(buf, s, (size_t)n);
    buf[n] = '\0';
    *len = n + 1;
}

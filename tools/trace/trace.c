/*
 * trace.c -- liblark_trace's recorder (trace.h): per-thread event chunks,
 * request and communicator bookkeeping, the clock offset to rank 0, and
 * the rank's file at MPI_Finalize.
 *
 * Cost per traced call: two reads of the time-stamp counter (where it is
 * invariant; clock_gettime elsewhere) and one 56-byte event in a chunk
 * that never moves; a translation of the peer to a world rank from a small
 * per-communicator cache.  Counter ticks become CLOCK_MONOTONIC
 * nanoseconds when a thread's events are written: by interpolation
 * between (counter, clock) pairs taken when its chunk was started and
 * when it is written, so no frequency is assumed and no drift builds up.  Memory: one chunk (4096
 * events) per thread, written to the rank's file when full.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

#include "trace.h"

#define CHUNK 4096

struct chunk {
    struct chunk *next;
    int n;
    struct lark_trace_ev ev[CHUNK];
};

struct tbuf {
    struct tbuf *next; /* every thread's buffer (all_lock) */
    struct chunk *head, *cur;
    int64_t tick0, ns0; /* the (counter, clock) pair taken when its events began */
};

static pthread_mutex_t all_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tbuf *all;
static _Thread_local struct tbuf *mine __attribute__((tls_model("initial-exec")));
/* The call this thread is in (events a call adds inside it, its receives,
 * come and go within it): its chunk is written out only once it is over. */
static _Thread_local struct lark_trace_ev *open_call __attribute__((tls_model("initial-exec")));
static int on;         /* LARK_TRACE was given and MPI_Init passed */
static char dir[4096]; /* LARK_TRACE */
static int64_t offset; /* rank 0's clock minus ours */
static struct lark_trace_ev dummy;

/* The rank's file, written a chunk at a time (so memory stays one chunk
 * per thread and pages are not faulted in for every event: on this kind of
 * VM a page fault costs microseconds). */
static pthread_mutex_t file_lock = PTHREAD_MUTEX_INITIALIZER;
static int fd = -1;
static int64_t written; /* events in the file */
static bool file_bad;   /* a write failed: the events are lost */
static struct lark_trace_rec recs[CHUNK];

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The events' clock: the time-stamp counter when the CPU says it runs at
 * a constant rate in every state (CPUID 0x80000007 EDX bit 8, Linux's
 * nonstop_tsc) and LARK_TRACE_CLOCK is not "monotonic"; else
 * CLOCK_MONOTONIC itself.  On this project's 2-core VM a counter read
 * takes 16 ns, clock_gettime 38 ns. */
static bool use_tsc;

static void stamp_init(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    const char *want = getenv("LARK_TRACE_CLOCK");
    use_tsc = (want == NULL || strcmp(want, "monotonic") != 0) &&
              __get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8)) != 0;
#endif
}

static inline int64_t stamp(void)
{
#if defined(__x86_64__) || defined(__i386__)
    if (use_tsc)
        return (int64_t)__rdtsc();
#endif
    return now_ns();
}

/* A (counter, clock) pair, read back to back. */
static void stamp_pair(int64_t *tick, int64_t *ns)
{
    *tick = stamp();
    *ns = use_tsc ? now_ns() : *tick;
}

/* A stamp taken between the pairs (t0, n0) and (t1, n1), in ns. */
static int64_t stamp_ns(int64_t t, int64_t t0, int64_t n0, int64_t t1, int64_t n1)
{
    if (!use_tsc)
        return t;
    if (t1 <= t0)
        return n0;
    return n0 + (int64_t)((double)(t - t0) * ((double)(n1 - n0) / (double)(t1 - t0)));
}

static void write_all(const void *p, size_t n)
{
    const char *c = p;
    while (n > 0 && !file_bad) {
        ssize_t k = write(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            file_bad = true;
            break;
        }
        c += k;
        n -= (size_t)k;
    }
}

/* Write a thread's chunks out and keep the first for more. */
static void flush(struct tbuf *b)
{
    int64_t tick1, ns1;
    stamp_pair(&tick1, &ns1);
    pthread_mutex_lock(&file_lock);
    for (struct chunk *c = b->head; c; c = c->next) {
        for (int i = 0; i < c->n; i++) {
            const struct lark_trace_ev *e = &c->ev[i];
            int64_t t0 = stamp_ns(e->t0, b->tick0, b->ns0, tick1, ns1);
            int64_t t1 = stamp_ns(e->t1, b->tick0, b->ns0, tick1, ns1);
            recs[i] = (struct lark_trace_rec){.t0 = t0 + offset,
                                              .t1 = t1 + offset,
                                              .fn = e->fn,
                                              .kind = e->kind,
                                              .peer = e->peer,
                                              .tag = e->tag,
                                              .bytes = e->bytes,
                                              .comm = e->label};
        }
        write_all(recs, (size_t)c->n * sizeof *recs);
        written += c->n;
    }
    pthread_mutex_unlock(&file_lock);
    if (b->head == NULL)
        return;
    while (b->head->next) { /* extra chunks: a call that made many events */
        struct chunk *x = b->head->next;
        b->head->next = x->next;
        free(x);
    }
    b->head->n = 0;
    b->cur = b->head;
    b->tick0 = tick1;
    b->ns0 = ns1;
}

struct lark_trace_ev *lark_trace_begin(int fn)
{
    if (!on)
        return &dummy;
    struct tbuf *b = mine;
    if (b == NULL) {
        b = calloc(1, sizeof *b); /* freed at MPI_Finalize */
        if (b == NULL)
            return &dummy;
        pthread_mutex_lock(&all_lock);
        b->next = all;
        all = b;
        pthread_mutex_unlock(&all_lock);
        stamp_pair(&b->tick0, &b->ns0);
        mine = b;
    }
    if (b->cur == NULL || b->cur->n == CHUNK) {
        struct chunk *c = malloc(sizeof *c); /* freed at MPI_Finalize */
        if (c == NULL)
            return &dummy;
        c->next = NULL;
        c->n = 0;
        if (b->cur)
            b->cur->next = c;
        else
            b->head = c;
        b->cur = c;
    }
    struct lark_trace_ev *e = &b->cur->ev[b->cur->n++];
    e->fn = fn;
    e->kind = LARK_TEV_CALL;
    e->peer = -1;
    e->tag = 0;
    e->bytes = 0;
    e->comm = MPI_COMM_NULL;
    if (open_call == NULL)
        open_call = e;
    e->t0 = stamp();
    return e;
}

static void resolve(struct lark_trace_ev *e);

void lark_trace_end(struct lark_trace_ev *e)
{
    if (e == &dummy)
        return;
    e->t1 = stamp();
    resolve(e); /* now: the communicator may be freed later */
    if (e == open_call) {
        open_call = NULL;
        if (mine->cur->n >= CHUNK - 64)
            flush(mine);
    }
}

/* Sizes of the predefined types (their handles are the ABI's small
 * constants), looked up once each: -1 not yet. */
#define NPREDEF 0x1000
static _Atomic int predef_size[NPREDEF];
static pthread_once_t predef_once = PTHREAD_ONCE_INIT;

static void predef_init(void)
{
    for (int i = 0; i < NPREDEF; i++)
        predef_size[i] = -1;
}

uint64_t lark_trace_bytes(MPI_Count count, MPI_Datatype type)
{
    if (!on || count <= 0)
        return 0;
    int size = -1;
    uintptr_t h = (uintptr_t)type;
    if (h < NPREDEF) {
        pthread_once(&predef_once, predef_init);
        size = predef_size[h];
        if (size < 0 && PMPI_Type_size(type, &size) == MPI_SUCCESS)
            predef_size[h] = size;
    } else if (PMPI_Type_size(type, &size) != MPI_SUCCESS) {
        size = -1;
    }
    return size > 0 ? (uint64_t)count * (uint64_t)size : 0;
}

/* ---- requests: which are receives, on which communicator ---- */

#define NREQ  1024             /* open addressing; a full table just stops tracking */
#define EMPTY ((MPI_Request)0) /* never a handle (MPI_REQUEST_NULL is not 0 in the ABI) */
static struct {
    MPI_Request req;
    MPI_Comm comm;
    int recv;
} reqs[NREQ];
static pthread_mutex_t req_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t req_slot(MPI_Request r)
{
    return ((uintptr_t)r >> 4) * 2654435761u % NREQ;
}

void lark_trace_req_new(struct lark_trace_ev *e, MPI_Request req, int recv)
{
    if (e == &dummy || req == MPI_REQUEST_NULL)
        return;
    if (!recv)
        e->kind = LARK_TEV_SEND;
    pthread_mutex_lock(&req_lock);
    size_t i = req_slot(req);
    for (int k = 0; k < NREQ; k++, i = (i + 1) % NREQ)
        if (reqs[i].req == EMPTY || reqs[i].req == req) {
            reqs[i].req = req;
            reqs[i].comm = e->comm;
            reqs[i].recv = recv;
            break;
        }
    pthread_mutex_unlock(&req_lock);
}

/* Take a request out of the table: its comm if it was a receive. */
static int req_take(MPI_Request req, MPI_Comm *comm)
{
    int recv = 0;
    pthread_mutex_lock(&req_lock);
    size_t i = req_slot(req);
    for (int k = 0; k < NREQ && reqs[i].req != EMPTY; k++, i = (i + 1) % NREQ)
        if (reqs[i].req == req) {
            recv = reqs[i].recv;
            *comm = reqs[i].comm;
            /* Backward-shift deletion keeps the probe chains whole. */
            size_t j = i;
            for (;;) {
                reqs[j].req = EMPTY;
                size_t n = (j + 1) % NREQ;
                for (;;) {
                    if (reqs[n].req == EMPTY)
                        goto done;
                    size_t home = req_slot(reqs[n].req);
                    bool between = j <= n ? (j < home && home <= n) : (j < home || home <= n);
                    if (!between)
                        break;
                    n = (n + 1) % NREQ;
                }
                reqs[j] = reqs[n];
                j = n;
            }
        }
done:
    pthread_mutex_unlock(&req_lock);
    return recv;
}

/* An extra event: a receive completed by the call e. */
static void recv_event(struct lark_trace_ev *e, MPI_Comm comm, const MPI_Status *st)
{
    if (st->MPI_SOURCE < 0) /* MPI_PROC_NULL, cancelled */
        return;
    struct lark_trace_ev *r = lark_trace_begin(e->fn);
    if (r == &dummy)
        return;
    int count = 0;
    PMPI_Get_count(st, MPI_BYTE, &count);
    r->kind = LARK_TEV_RECV;
    r->peer = st->MPI_SOURCE;
    r->tag = st->MPI_TAG;
    r->bytes = count > 0 ? (uint64_t)count : 0;
    r->comm = comm;
    resolve(r);
    r->t0 = r->t1 = stamp();
}

void lark_trace_recvd(struct lark_trace_ev *e, const MPI_Status *st)
{
    if (e == &dummy)
        return;
    if (e->kind != LARK_TEV_CALL) { /* a Sendrecv: the call's event is its send */
        recv_event(e, e->comm, st);
        return;
    }
    if (st->MPI_SOURCE < 0)
        return;
    int count = 0; /* the call is the receive: no second event */
    PMPI_Get_count(st, MPI_BYTE, &count);
    e->kind = LARK_TEV_CALL_RECV;
    e->peer = st->MPI_SOURCE;
    e->tag = st->MPI_TAG;
    e->bytes = count > 0 ? (uint64_t)count : 0;
}

void lark_trace_req_done(struct lark_trace_ev *e, MPI_Request req, const MPI_Status *st)
{
    MPI_Comm comm;
    if (e != &dummy && req != MPI_REQUEST_NULL && req_take(req, &comm))
        recv_event(e, comm, st);
}

static _Thread_local MPI_Request *set_reqs;
static _Thread_local int set_n;

void lark_trace_reqs_before(struct lark_trace_ev *e, int count, const MPI_Request r[])
{
    set_n = 0;
    if (e == &dummy || count <= 0)
        return;
    MPI_Request *copy = realloc(set_reqs, (size_t)count * sizeof *copy); /* kept per thread */
    if (copy == NULL)
        return;
    memcpy(copy, r, (size_t)count * sizeof *copy);
    set_reqs = copy;
    set_n = count;
}

void lark_trace_reqs_after(struct lark_trace_ev *e, int n, const int *indices,
                           const MPI_Status *sts)
{
    if (e == &dummy || sts == NULL)
        return;
    int m = n < 0 ? set_n : n;
    for (int k = 0; k < m; k++) {
        int i = n < 0 ? k : indices[k];
        if (i >= 0 && i < set_n)
            lark_trace_req_done(e, set_reqs[i], &sts[n < 0 ? i : k]);
    }
}

MPI_Status *lark_trace_statuses(int count, MPI_Status **user)
{
    if (!on || *user != MPI_STATUSES_IGNORE || count <= 0)
        return NULL;
    MPI_Status *ours = malloc((size_t)count * sizeof *ours); /* the wrapper frees it */
    if (ours != NULL)
        *user = ours;
    return ours;
}

/* ---- communicators: rank -> world rank, and a label ---- */

#define NCOMM 64
static struct {
    MPI_Comm comm;
    int size;
    int *world; /* malloc'd: world rank of each rank (remote group of an intercomm) */
    int label;
} comms[NCOMM];
static int ncomms;
static char (*labels)[LARK_TRACE_LABEL]; /* every label this rank made; label 0: world */
static int nlabels;
static pthread_mutex_t comm_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic unsigned forgets; /* communicators forgotten so far */

void lark_trace_comm_forget(MPI_Comm comm)
{
    pthread_mutex_lock(&comm_lock);
    for (int i = 0; i < ncomms; i++)
        if (comms[i].comm == comm) {
            forgets++; /* before the free: no thread's cache keeps it */
            free(comms[i].world);
            comms[i] = comms[--ncomms];
            break;
        }
    pthread_mutex_unlock(&comm_lock);
}

/* A new label (comm_lock held, or before tracing starts); -1 when out of memory. */
static int label_new(MPI_Comm comm)
{
    char(*l)[LARK_TRACE_LABEL] = realloc(labels, (size_t)(nlabels + 1) * sizeof *labels);
    if (l == NULL)
        return -1;
    labels = l;
    char name[MPI_MAX_OBJECT_NAME] = "";
    int len = 0;
    PMPI_Comm_get_name(comm, name, &len);
    if (name[0])
        snprintf(labels[nlabels], LARK_TRACE_LABEL, "%s", name);
    else
        snprintf(labels[nlabels], LARK_TRACE_LABEL, "comm %d", nlabels);
    return nlabels++;
}

/* comm's entry, made on first use (comm_lock held); -1 when the table is full. */
static int comm_entry(MPI_Comm comm)
{
    for (int i = 0; i < ncomms; i++)
        if (comms[i].comm == comm)
            return i;
    if (ncomms == NCOMM)
        return -1;
    int inter = 0, size = 0;
    MPI_Group g, wg;
    PMPI_Comm_test_inter(comm, &inter);
    if ((inter ? PMPI_Comm_remote_size(comm, &size) : PMPI_Comm_size(comm, &size)) != MPI_SUCCESS ||
        (inter ? PMPI_Comm_remote_group(comm, &g) : PMPI_Comm_group(comm, &g)) != MPI_SUCCESS)
        return -1;
    int *in = malloc((size_t)size * sizeof *in), *out = malloc((size_t)size * sizeof *out);
    int i = -1;
    if (in && out) {
        for (int k = 0; k < size; k++)
            in[k] = k;
        PMPI_Comm_group(MPI_COMM_WORLD, &wg);
        PMPI_Group_translate_ranks(g, size, in, wg, out);
        PMPI_Group_free(&wg);
        i = ncomms++;
        comms[i].comm = comm;
        comms[i].size = size;
        comms[i].world = out;
        comms[i].label = label_new(comm);
        out = NULL;
    }
    free(in);
    free(out);
    PMPI_Group_free(&g);
    return i;
}

/* The last communicator this thread resolved, valid while `forgets` has
 * not moved (a freed communicator's handle may come back for another). */
static _Thread_local struct {
    MPI_Comm comm;
    unsigned forgets;
    int size, label;
    const int *world;
} last __attribute__((tls_model("initial-exec")));

/* e's peer as a world rank (or -1) and its communicator's label. */
static void resolve(struct lark_trace_ev *e)
{
    e->label = -1;
    if (e->comm == MPI_COMM_NULL) {
        e->peer = -1;
        return;
    }
    if (e->comm == MPI_COMM_WORLD) { /* no lock on the common path */
        e->label = 0;
        return;
    }
    if (e->comm != last.comm || last.forgets != forgets) {
        pthread_mutex_lock(&comm_lock);
        int i = comm_entry(e->comm);
        last.comm = i >= 0 ? e->comm : MPI_COMM_NULL;
        last.forgets = forgets;
        last.size = i >= 0 ? comms[i].size : 0;
        last.label = i >= 0 ? comms[i].label : -1;
        last.world = i >= 0 ? comms[i].world : NULL;
        pthread_mutex_unlock(&comm_lock);
    }
    e->label = last.label;
    e->peer = e->peer >= 0 && e->peer < last.size ? last.world[e->peer] : -1;
}

/* ---- start and end ---- */

/* Rank 0's clock minus ours, from the best of a few round trips. */
static int64_t measure_offset(MPI_Comm comm, int rank, int size)
{
    int64_t best = 0, best_rtt = INT64_MAX;
    for (int peer = 1; peer < size; peer++) {
        for (int k = 0; k < 8; k++) {
            int64_t t[2];
            if (rank == 0 && peer > 0) {
                PMPI_Recv(t, 1, MPI_INT64_T, peer, 7, comm, MPI_STATUS_IGNORE);
                t[0] = now_ns();
                PMPI_Send(t, 1, MPI_INT64_T, peer, 7, comm);
            } else if (rank == peer) {
                t[0] = now_ns();
                PMPI_Send(t, 1, MPI_INT64_T, 0, 7, comm);
                int64_t t0 = t[0];
                PMPI_Recv(&t[1], 1, MPI_INT64_T, 0, 7, comm, MPI_STATUS_IGNORE);
                int64_t t3 = now_ns();
                if (t3 - t0 < best_rtt) {
                    best_rtt = t3 - t0;
                    best = t[1] - (t0 + t3) / 2;
                }
            }
        }
    }
    return best;
}

static void trace_start(void)
{
    const char *d = getenv("LARK_TRACE");
    if (d == NULL || *d == '\0')
        return;
    snprintf(dir, sizeof dir, "%s", d);
    stamp_init();
    if (label_new(MPI_COMM_WORLD) != 0)
        return;
    /* One measurement per host: the first rank of each host (by name)
     * against rank 0; the others take their host's. */
    int rank, size, len;
    PMPI_Comm_rank(MPI_COMM_WORLD, &rank);
    PMPI_Comm_size(MPI_COMM_WORLD, &size);
    char host[MPI_MAX_PROCESSOR_NAME] = "";
    PMPI_Get_processor_name(host, &len);
    unsigned color = 5381;
    for (const char *p = host; *p; p++)
        color = color * 33 + (unsigned char)*p;
    MPI_Comm node, leaders;
    PMPI_Comm_split(MPI_COMM_WORLD, (int)(color & 0x3fffffff), rank, &node);
    int nrank;
    PMPI_Comm_rank(node, &nrank);
    PMPI_Comm_split(MPI_COMM_WORLD, nrank == 0 ? 0 : MPI_UNDEFINED, rank, &leaders);
    if (leaders != MPI_COMM_NULL) {
        int lr, ls;
        PMPI_Comm_rank(leaders, &lr);
        PMPI_Comm_size(leaders, &ls);
        offset = measure_offset(leaders, lr, ls);
        PMPI_Comm_free(&leaders);
    }
    PMPI_Bcast(&offset, 1, MPI_INT64_T, 0, node);
    PMPI_Comm_free(&node);
    /* The file now, its header again at MPI_Finalize (nevents -1 until
     * then: the merge leaves out a rank that did not get there). */
    char path[4200];
    snprintf(path, sizeof path, "%s/rank.%d", dir, rank);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "Lark trace: rank %d cannot write %s (%s): it is not traced\n", rank, path,
                strerror(errno));
        return;
    }
    struct lark_trace_file_head h = {.rank = rank, .size = size, .nevents = -1};
    memcpy(h.magic, "LKTRACE2", 8);
    snprintf(h.host, sizeof h.host, "%s", host);
    write_all(&h, sizeof h);
    on = 1;
}

static void trace_write(void)
{
    if (!on)
        return;
    on = 0;
    int rank, size, len;
    PMPI_Comm_rank(MPI_COMM_WORLD, &rank);
    PMPI_Comm_size(MPI_COMM_WORLD, &size);
    for (struct tbuf *b = all; b; b = b->next)
        flush(b);
    write_all(labels, (size_t)nlabels * LARK_TRACE_LABEL);
    struct lark_trace_file_head h = {.rank = rank, .size = size, .nevents = written};
    memcpy(h.magic, "LKTRACE2", 8);
    h.ncomms = nlabels;
    char host[MPI_MAX_PROCESSOR_NAME] = "";
    PMPI_Get_processor_name(host, &len);
    snprintf(h.host, sizeof h.host, "%s", host);
    if (!file_bad && pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
        file_bad = true;
    if (close(fd) != 0 || file_bad)
        fprintf(stderr,
                "Lark trace: rank %d could not write all of %s/rank.%d: its events are lost\n",
                rank, dir, rank);
    fd = -1;
    free(labels);
    labels = NULL;
    nlabels = 0;
    while (all) {
        struct tbuf *b = all;
        all = b->next;
        while (b->head) {
            struct chunk *c = b->head;
            b->head = c->next;
            free(c);
        }
        free(b);
    }
    mine = NULL;
}

int MPI_Init(int *argc, char ***argv)
{
    int rc = PMPI_Init(argc, argv);
    if (rc == MPI_SUCCESS)
        trace_start();
    return rc;
}

int MPI_Init_thread(int *argc, char ***argv, int required, int *provided)
{
    int rc = PMPI_Init_thread(argc, argv, required, provided);
    if (rc == MPI_SUCCESS)
        trace_start();
    return rc;
}

int MPI_Finalize(void)
{
    trace_write();
    return PMPI_Finalize();
}

/*
 * report.c -- the hang report: where every rank is (from the where-records
 * the ranks keep in shared memory, runtime/where_rec.h), then a reading of
 * who waits for whom: a deadlock cycle, a collective some ranks have not
 * entered, a message nobody receives.
 *
 * mpirun prints it when --timeout expires and on demand (the report signal,
 * see launcher/README.md).  Reading a record needs nothing from the rank:
 * a rank spinning in its own loop or stuck in a system call is described
 * as well as one waiting in MPI.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "launcher.h"
#include "report.h"

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

bool lark_where_read(const char *nspace, int rank, struct lark_where_view *v)
{
    const char *host = v->host;
    memset(v, 0, sizeof *v);
    v->rank = rank;
    v->host = host;
    char name[300];
    lark_where_name(name, sizeof name, nspace, rank);
    int fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return false;
    const struct lark_where_rec *w = mmap(NULL, sizeof *w, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (w == MAP_FAILED)
        return false;
    /* Sequence lock, reader side: a few tries, then take what is there. */
    for (int tries = 0; tries < 100; tries++) {
        uint32_t s1 = atomic_load_explicit((_Atomic uint32_t *)&w->seq, memory_order_acquire);
        memcpy(&v->rec, w, sizeof v->rec);
        atomic_thread_fence(memory_order_acquire);
        uint32_t s2 = atomic_load_explicit((_Atomic uint32_t *)&w->seq, memory_order_relaxed);
        if (s1 == s2 && (s1 & 1) == 0)
            break;
        usleep(100);
    }
    munmap((void *)w, sizeof *w);
    v->rec.call[sizeof v->rec.call - 1] = '\0';
    if (v->rec.magic != LARK_WHERE_MAGIC || v->rec.version != LARK_WHERE_VERSION)
        return false;
    int64_t now = now_ns();
    v->in_s = (double)(now - v->rec.since_ns) / 1e9;
    v->queues_s = v->rec.queues_ns ? (double)(now - v->rec.queues_ns) / 1e9 : -1;
    v->poll_s = v->rec.polling ? (double)(now - v->rec.poll_ns) / 1e9 : -1;
    v->valid = true;
    return true;
}

/* ---- across hosts ---- */

/* Ages travel as milliseconds; "never" as all ones. */
static uint32_t age_ms(double s)
{
    return s < 0                                    ? UINT32_MAX
           : s * 1000.0 >= (double)(UINT32_MAX - 1) ? UINT32_MAX - 1
                                                    : (uint32_t)(s * 1000.0);
}

void lark_where_pack(struct lark_buf *b, int node, uint32_t reqid, const char *nspace,
                     const int *ranks, int n)
{
    lark_buf_u32(b, (uint32_t)node);
    lark_buf_u32(b, reqid);
    lark_buf_u32(b, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        struct lark_where_view v = {0};
        lark_where_read(nspace, ranks[i], &v);
        lark_buf_u32(b, (uint32_t)ranks[i]);
        lark_buf_u32(b, v.valid);
        lark_buf_u32(b, age_ms(v.in_s));
        lark_buf_u32(b, age_ms(v.queues_s));
        lark_buf_u32(b, age_ms(v.rec.polling ? v.poll_s : -1));
        lark_buf_bytes(b, &v.rec, v.valid ? sizeof v.rec : 0);
    }
}

int lark_where_unpack(struct lark_buf *b, uint32_t *reqid, struct lark_where_view *v, int nprocs)
{
    int node = (int)lark_buf_get_u32(b);
    *reqid = lark_buf_get_u32(b);
    uint32_t n = lark_buf_get_u32(b);
    if (b->bad || n > (uint32_t)nprocs)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t rank = lark_buf_get_u32(b), valid = lark_buf_get_u32(b);
        uint32_t in_ms = lark_buf_get_u32(b), q_ms = lark_buf_get_u32(b);
        uint32_t poll_ms = lark_buf_get_u32(b);
        size_t len = 0;
        const void *rec = lark_buf_get_bytes(b, &len);
        if (b->bad || rank >= (uint32_t)nprocs || (valid && len != sizeof v->rec))
            return -1;
        struct lark_where_view *w = &v[rank];
        w->remote = false; /* gathered */
        w->valid = valid != 0;
        if (!w->valid)
            continue;
        memcpy(&w->rec, rec, sizeof w->rec);
        w->rec.call[sizeof w->rec.call - 1] = '\0';
        w->in_s = (double)in_ms / 1000.0;
        w->queues_s = q_ms == UINT32_MAX ? -1 : (double)q_ms / 1000.0;
        w->poll_s = poll_ms == UINT32_MAX ? -1 : (double)poll_ms / 1000.0;
        if (w->rec.magic != LARK_WHERE_MAGIC || w->rec.version != LARK_WHERE_VERSION)
            w->valid = false;
    }
    return node;
}

/* ---- describing one rank ---- */

static void comm_text(const struct lark_where_rec *r, char *buf, size_t len)
{
    if (r->comm_world)
        snprintf(buf, len, "MPI_COMM_WORLD");
    else
        snprintf(buf, len, "communicator %u (%d ranks)", r->ctx, r->comm_size);
}

static void peer_text(int peer, char *buf, size_t len)
{
    if (peer == LARK_WHERE_ANY)
        snprintf(buf, len, "any rank");
    else
        snprintf(buf, len, "rank %d", peer);
}

static void tag_text(int tag, char *buf, size_t len)
{
    if (tag == LARK_WHERE_ANYTAG)
        snprintf(buf, len, "any tag");
    else
        snprintf(buf, len, "tag %d", tag);
}

/* "MPI_Recv from rank 1 tag 5 on MPI_COMM_WORLD"; a poll: "MPI_Test
 * polling a receive from rank 1 tag 5 on MPI_COMM_WORLD". */
static void call_text(const struct lark_where_rec *r, char *buf, size_t len)
{
    char comm[64], peer[32], tag[32];
    comm_text(r, comm, sizeof comm);
    peer_text(r->peer, peer, sizeof peer);
    tag_text(r->tag, tag, sizeof tag);
    if (r->polling) {
        if (r->kind == LARK_WHERE_SEND)
            snprintf(buf, len, "%s polling a send to %s %s on %s", r->call, peer, tag, comm);
        else if (r->kind == LARK_WHERE_RECV)
            snprintf(buf, len, "%s polling a receive from %s %s on %s", r->call, peer, tag, comm);
        else
            snprintf(buf, len, "%s polling a request on %s", r->call, comm);
        return;
    }
    switch (r->kind) {
    case LARK_WHERE_SEND:
        snprintf(buf, len, "%s to %s %s on %s", r->call, peer, tag, comm);
        break;
    case LARK_WHERE_RECV:
        snprintf(buf, len, "%s from %s %s on %s", r->call, peer, tag, comm);
        break;
    case LARK_WHERE_COLL:
        if (r->peer >= 0)
            snprintf(buf, len, "%s (root %d) on %s", r->call, r->peer, comm);
        else
            snprintf(buf, len, "%s on %s", r->call, comm);
        break;
    default:
        snprintf(buf, len, "%s", r->call);
    }
}

/* A poll not repeated for LARK_WHERE_POLL_STALE_S: the rank went on with
 * something else, so its record reads as outside MPI since that poll. */
static void settle_poll(struct lark_where_view *v)
{
    v->last_poll[0] = '\0';
    if (!v->rec.polling || v->poll_s < LARK_WHERE_POLL_STALE_S)
        return;
    call_text(&v->rec, v->last_poll, sizeof v->last_poll);
    v->rec.call[0] = '\0';
    v->rec.kind = LARK_WHERE_OTHER;
    v->rec.peer = LARK_WHERE_NONE;
    v->rec.polling = 0;
    v->in_s = v->poll_s;
}

static void where_text(const struct lark_where_view *v, char *buf, size_t len)
{
    if (!v->valid) {
        snprintf(buf, len,
                 v->remote ? "on another host whose daemon did not answer in time "
                             "(its record is not gathered)"
                           : "no record (not in MPI_Init yet, finalized, or exited)");
        return;
    }
    char call[200];
    if (v->rec.call[0] == '\0') {
        if (v->last_poll[0] != '\0')
            snprintf(buf, len, "outside MPI for %.1f s (computing?; it last polled then: %s)",
                     v->in_s, v->last_poll);
        else
            snprintf(buf, len, "outside MPI for %.1f s (computing?)", v->in_s);
        return;
    }
    call_text(&v->rec, call, sizeof call);
    snprintf(buf, len, "in %s for %.1f s", call, v->in_s);
}

/* ---- the reading ---- */

static const struct lark_where_view *find(const struct lark_where_view *v, int n, int rank)
{
    for (int i = 0; i < n; i++)
        if (v[i].rank == rank)
            return v[i].valid ? &v[i] : NULL;
    return NULL;
}

/* The rank r waits for, point to point (-1: none or anyone). */
static int waits_for(const struct lark_where_view *v)
{
    if (!v->valid || v->rec.call[0] == '\0')
        return -1;
    if (v->rec.kind != LARK_WHERE_SEND && v->rec.kind != LARK_WHERE_RECV)
        return -1;
    return v->rec.peer >= 0 ? v->rec.peer : -1;
}

static int report_cycles(FILE *out, const struct lark_where_view *v, int n)
{
    int found = 0;
    for (int i = 0; i < n; i++) {
        /* Follow single edges from i; a cycle through i whose smallest rank
         * is i is reported once. */
        int path[64], len = 0, cur = v[i].rank;
        bool cycle = false;
        while (len < 64) {
            const struct lark_where_view *cv = find(v, n, cur);
            int next = cv ? waits_for(cv) : -1;
            if (next < 0)
                break;
            path[len++] = cur;
            if (next == v[i].rank) {
                cycle = true;
                break;
            }
            if (next < v[i].rank)
                break;
            bool seen = false;
            for (int k = 0; k < len; k++)
                seen |= path[k] == next;
            if (seen)
                break;
            cur = next;
        }
        if (!cycle)
            continue;
        found++;
        fprintf(out, "mpirun: deadlock: ");
        for (int k = 0; k < len; k++) {
            char call[200];
            call_text(&find(v, n, path[k])->rec, call, sizeof call);
            fprintf(out, "%srank %d in %s", k ? ", " : "", path[k], call);
        }
        fprintf(out, ": a cycle ");
        for (int k = 0; k < len; k++)
            fprintf(out, "%d → ", path[k]);
        fprintf(out, "%d\n", path[0]);
    }
    return found;
}

/* Write "0-6, 9" for the ranks flagged in `in` into buf. */
static void ranks_text(const bool *in, const struct lark_where_view *v, int n, char *buf,
                       size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && o < len; i++) {
        if (!in[i])
            continue;
        int j = i;
        while (j + 1 < n && in[j + 1] && v[j + 1].rank == v[j].rank + 1)
            j++;
        o += (size_t)snprintf(buf + o, len - o, o ? ", %d" : "%d", v[i].rank);
        if (j > i && o < len)
            o += (size_t)snprintf(buf + o, len - o, j == i + 1 ? ", %d" : "–%d", v[j].rank);
        i = j;
    }
}

/* Collectives on a communicator of every world rank (MPI_COMM_WORLD,
 * MPI_Finalize, a duplicate, a window's fence) that some ranks
 * have not entered; collectives elsewhere that have fewer ranks than the
 * communicator. */
static int report_collectives(FILE *out, const struct lark_where_view *v, int n)
{
    if (n <= 0)
        return 0;
    int found = 0;
    bool *in = calloc((size_t)n, sizeof *in), *done = calloc((size_t)n, sizeof *done);
    if (in == NULL || done == NULL) {
        free(in);
        free(done);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        const struct lark_where_rec *r = &v[i].rec;
        /* (A rank polling a collective's request is not counted: which
         * collective it is, the record does not say.) */
        if (done[i] || !v[i].valid || r->kind != LARK_WHERE_COLL || r->call[0] == '\0' ||
            r->polling)
            continue;
        int count = 0;
        for (int j = 0; j < n; j++) {
            in[j] = v[j].valid && v[j].rec.kind == LARK_WHERE_COLL && v[j].rec.ctx == r->ctx &&
                    !v[j].rec.polling && strcmp(v[j].rec.call, r->call) == 0;
            done[j] |= in[j];
            count += in[j];
        }
        if (count >= r->comm_size)
            continue;
        found++;
        char who[256], comm[64];
        ranks_text(in, v, n, who, sizeof who);
        comm_text(r, comm, sizeof comm);
        fprintf(out, "mpirun: straggler: rank%s %s wait%s in %s on %s; ", count > 1 ? "s" : "", who,
                count > 1 ? "" : "s", r->call, comm);
        if (!r->comm_whole) { /* which ranks are its members is not in the records */
            fprintf(out, "%d of its %d ranks %s not entered it\n", r->comm_size - count,
                    r->comm_size, r->comm_size - count == 1 ? "has" : "have");
            continue;
        }
        int shown = 0;
        for (int j = 0; j < n && shown < 8; j++) {
            if (in[j])
                continue;
            char where[256];
            where_text(&v[j], where, sizeof where);
            fprintf(out, "%srank %d has not entered it: it is %s", shown ? "; " : "", v[j].rank,
                    where);
            shown++;
        }
        fprintf(out, "%s\n", r->comm_size - count > shown ? "; ..." : "");
    }
    free(in);
    free(done);
    return found;
}

static bool tag_matches(int want, int have)
{
    return want == LARK_WHERE_ANYTAG || want == have;
}

/* A receive waiting while the peer's message with another tag sits
 * unreceived; a blocked send whose receiver is busy elsewhere. */
static int report_unmatched(FILE *out, const struct lark_where_view *v, int n)
{
    int found = 0;
    for (int i = 0; i < n; i++) {
        const struct lark_where_rec *r = &v[i].rec;
        if (!v[i].valid || r->call[0] == '\0')
            continue;
        if (r->kind == LARK_WHERE_RECV) {
            for (uint32_t k = 0; k < r->nunexpected_list; k++) {
                const struct lark_where_msg *m = &r->unexpected[k];
                bool from = r->peer == LARK_WHERE_ANY || m->peer == r->peer;
                if (!from || m->ctx != r->ctx || tag_matches(r->tag, m->tag))
                    continue;
                char call[200];
                call_text(r, call, sizeof call);
                fprintf(out,
                        "mpirun: unmatched: rank %d waits in %s, but the message rank %d sent "
                        "it with tag %d (%llu bytes) is there unreceived: a tag mismatch?\n",
                        v[i].rank, call, m->peer, m->tag, (unsigned long long)m->bytes);
                found++;
                break;
            }
        } else if (r->kind == LARK_WHERE_SEND && r->peer >= 0) {
            const struct lark_where_view *p = find(v, n, r->peer);
            if (p == NULL)
                continue;
            const struct lark_where_rec *q = &p->rec;
            bool receiving = q->kind == LARK_WHERE_RECV && q->ctx == r->ctx &&
                             (q->peer == v[i].rank || q->peer == LARK_WHERE_ANY) &&
                             tag_matches(q->tag, r->tag);
            bool posted = false;
            for (uint32_t k = 0; k < q->nposted_list; k++) {
                const struct lark_where_msg *m = &q->posted[k];
                posted |= m->ctx == r->ctx && (m->peer == v[i].rank || m->peer == LARK_WHERE_ANY) &&
                          tag_matches(m->tag, r->tag);
            }
            if (receiving || posted || waits_for(p) == v[i].rank)
                continue; /* a cycle is reported as such */
            char call[200], where[256];
            call_text(r, call, sizeof call);
            where_text(p, where, sizeof where);
            fprintf(out,
                    "mpirun: unmatched: rank %d waits in %s; no matching receive is posted "
                    "there: rank %d is %s\n",
                    v[i].rank, call, r->peer, where);
            found++;
        }
    }
    return found;
}

/* A rank waiting point to point on a rank that is outside MPI. */
static int report_busy(FILE *out, const struct lark_where_view *v, int n)
{
    int found = 0;
    for (int i = 0; i < n; i++) {
        int peer = waits_for(&v[i]);
        const struct lark_where_view *p = peer >= 0 ? find(v, n, peer) : NULL;
        if (p == NULL || p->rec.call[0] != '\0')
            continue;
        char call[200];
        call_text(&v[i].rec, call, sizeof call);
        fprintf(out,
                "mpirun: waiting on a busy rank: rank %d waits in %s; rank %d is outside MPI "
                "for %.1f s (computing, or stuck outside MPI?)\n",
                v[i].rank, call, peer, p->in_s);
        found++;
    }
    return found;
}

void lark_where_report(FILE *out, struct lark_where_view *v, int n)
{
    for (int i = 0; i < n; i++)
        if (v[i].valid)
            settle_poll(&v[i]);
    fprintf(out, "mpirun: where each rank is:\n");
    for (int i = 0; i < n; i++) {
        char where[256];
        where_text(&v[i], where, sizeof where);
        fprintf(out, "  rank %d", v[i].rank);
        if (v[i].host != NULL)
            fprintf(out, " (%s)", v[i].host);
        fprintf(out, ": %s", where);
        if (v[i].valid && (v[i].rec.nposted || v[i].rec.nunexpected))
            fprintf(out, "; %u receive%s posted, %u message%s unreceived", v[i].rec.nposted,
                    v[i].rec.nposted == 1 ? "" : "s", v[i].rec.nunexpected,
                    v[i].rec.nunexpected == 1 ? "" : "s");
        fprintf(out, "\n");
    }
    int found = report_cycles(out, v, n);
    found += report_collectives(out, v, n);
    found += report_unmatched(out, v, n);
    found += report_busy(out, v, n);
    if (found == 0)
        fprintf(out, "mpirun: no deadlock is visible: no rank waits for a rank that waits "
                     "back, and every collective has all its ranks\n");
    fflush(out);
}

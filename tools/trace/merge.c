/*
 * merge.c -- lark-trace-merge DIR OUT: the rank files liblark_trace wrote in
 * DIR become one trace in the Trace Event JSON format (Perfetto,
 * chrome://tracing): a process per host, a thread per rank, a span per MPI
 * call, and a flow arrow from each send to the receive that got it (the
 * k-th message from a to b with tag t is the k-th such receive: MPI's
 * order).  mpirun --trace runs it when the job ends.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

struct rank {
    struct lark_trace_file_head h;
    struct lark_trace_rec *ev;
    char (*labels)[LARK_TRACE_LABEL]; /* its communicators' labels */
    int host;                         /* index in hosts */
};

static char (*hosts)[64];
static int nhosts;

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "lark-trace-merge: out of memory\n");
        exit(1);
    }
    return p;
}

static int host_index(const char *name)
{
    for (int i = 0; i < nhosts; i++)
        if (strcmp(hosts[i], name) == 0)
            return i;
    hosts = xrealloc(hosts, (size_t)(nhosts + 1) * sizeof *hosts);
    snprintf(hosts[nhosts], sizeof hosts[nhosts], "%s", name);
    return nhosts++;
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++)
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s >= 0x20)
            fputc(*s, f);
    fputc('"', f);
}

/* One end of a message: a send (at its start) or a receive (at its end). */
struct msg {
    int from, to, tag;
    int64_t ts;
    int host; /* of the rank whose end this is */
};

/* By (from, to, tag), then time: the k-th send from a to b with tag t
 * pairs with the k-th such receive (MPI's non-overtaking order). */
static int msg_cmp(const void *pa, const void *pb)
{
    const struct msg *a = pa, *b = pb;
    if (a->from != b->from)
        return a->from < b->from ? -1 : 1;
    if (a->to != b->to)
        return a->to < b->to ? -1 : 1;
    if (a->tag != b->tag)
        return a->tag < b->tag ? -1 : 1;
    return (a->ts > b->ts) - (a->ts < b->ts);
}

static int msg_key_cmp(const struct msg *a, const struct msg *b)
{
    struct msg x = *a, y = *b;
    x.ts = y.ts = 0;
    return msg_cmp(&x, &y);
}

static void *xmalloc(size_t n)
{
    return xrealloc(NULL, n);
}

/* A message: its send and its receive. */
struct pair {
    struct msg send, recv;
};

/* The least time a message took from host `from` to host `to` (its
 * receive's end minus its send's start, on the hosts' clocks). */
struct link {
    int from, to;
    int64_t min;
};

static int link_cmp(const void *pa, const void *pb)
{
    const struct link *a = pa, *b = pb;
    if (a->from != b->from)
        return a->from < b->from ? -1 : 1;
    if (a->to != b->to)
        return a->to < b->to ? -1 : 1;
    return (a->min > b->min) - (a->min < b->min);
}

static const struct link *find_link(const struct link *l, size_t n, const struct link *key)
{
    size_t lo = 0, hi = n; /* the first not below key (min INT64_MIN: any) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (link_cmp(&l[mid], key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && l[lo].from == key->from && l[lo].to == key->to ? &l[lo] : NULL;
}

/* Per host, what to add to its times.  The ranks moved their times onto
 * rank 0's clock with offsets from a few round trips at MPI_Init, which a
 * busy host can get wrong by a wake-up's time; the messages themselves
 * then say more: a message arrives after it left.  From the host of rank 0
 * outwards, a host whose fastest messages from a placed host took `a` and
 * to it took `b` is moved by (b - a) / 2 (the two directions' least
 * latencies taken as equal); with messages one way only, just enough that
 * none arrives before it left.  Hosts no message reaches stay as they are.
 * Cost: O(m log m) for m messages, and O(l log l) per step outwards for
 * the l pairs of hosts that exchanged messages. */
static int64_t *align_hosts(const struct pair *p, size_t np, int nhosts, int home)
{
    int64_t *shift = xmalloc((size_t)nhosts * sizeof *shift);
    char *placed = xmalloc((size_t)nhosts);
    memset(shift, 0, (size_t)nhosts * sizeof *shift);
    memset(placed, 0, (size_t)nhosts);
    placed[home] = 1;
    struct link *l = xmalloc(np * sizeof *l);
    size_t nl = 0;
    for (size_t k = 0; k < np; k++)
        if (p[k].send.host != p[k].recv.host)
            l[nl++] = (struct link){p[k].send.host, p[k].recv.host, p[k].recv.ts - p[k].send.ts};
    qsort(l, nl, sizeof *l, link_cmp);
    size_t m = 0; /* keep each (from, to)'s least */
    for (size_t k = 0; k < nl; k++)
        if (m == 0 || l[m - 1].from != l[k].from || l[m - 1].to != l[k].to)
            l[m++] = l[k];
    for (int progress = 1; progress;) {
        progress = 0;
        for (size_t k = 0; k < m; k++) {
            int g = placed[l[k].from] ? l[k].from : l[k].to,
                h = g == l[k].from ? l[k].to : l[k].from;
            if (!placed[g] || placed[h])
                continue;
            /* The least latencies g -> h and h -> g with h not yet moved. */
            struct link kgh = {g, h, INT64_MIN}, khg = {h, g, INT64_MIN};
            const struct link *gh = find_link(l, m, &kgh), *hg = find_link(l, m, &khg);
            int64_t a = gh ? gh->min - shift[g] : INT64_MAX,
                    b = hg ? hg->min + shift[g] : INT64_MAX;
            if (a != INT64_MAX && b != INT64_MAX)
                shift[h] = (b - a) / 2;
            else if (a != INT64_MAX)
                shift[h] = a < 0 ? -a : 0;
            else
                shift[h] = b < 0 ? b : 0;
            placed[h] = 1;
            progress = 1;
        }
    }
    free(l);
    free(placed);
    return shift;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: lark-trace-merge DIR OUT.json\n");
        return 2;
    }
    DIR *d = opendir(argv[1]);
    if (d == NULL) {
        fprintf(stderr, "lark-trace-merge: cannot open %s\n", argv[1]);
        return 1;
    }
    struct rank *ranks = NULL;
    int nranks = 0, size = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, "rank.", 5) != 0)
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", argv[1], de->d_name);
        FILE *f = fopen(path, "rb");
        struct rank r = {0};
        if (f == NULL || fread(&r.h, sizeof r.h, 1, f) != 1 ||
            memcmp(r.h.magic, "LKTRACE2", 8) != 0 || r.h.nevents < -1 || r.h.ncomms < 0) {
            fprintf(stderr, "lark-trace-merge: %s is not a Lark trace file\n", path);
            if (f)
                fclose(f);
            continue;
        }
        r.h.host[sizeof r.h.host - 1] = '\0';
        if (r.h.nevents == -1) {
            fprintf(stderr, "lark-trace-merge: rank %d did not reach MPI_Finalize: left out\n",
                    r.h.rank);
            fclose(f);
            continue;
        }
        r.ev = xmalloc((size_t)r.h.nevents * sizeof *r.ev);
        r.labels = xmalloc((size_t)r.h.ncomms * sizeof *r.labels);
        if (fread(r.ev, sizeof *r.ev, (size_t)r.h.nevents, f) != (size_t)r.h.nevents ||
            fread(r.labels, sizeof *r.labels, (size_t)r.h.ncomms, f) != (size_t)r.h.ncomms) {
            fprintf(stderr, "lark-trace-merge: %s is cut short\n", path);
            fclose(f);
            free(r.ev);
            free(r.labels);
            continue;
        }
        for (int c = 0; c < r.h.ncomms; c++)
            r.labels[c][LARK_TRACE_LABEL - 1] = '\0';
        fclose(f);
        r.host = host_index(r.h.host);
        ranks = xrealloc(ranks, (size_t)(nranks + 1) * sizeof *ranks);
        ranks[nranks++] = r;
        if (r.h.size > size)
            size = r.h.size;
    }
    closedir(d);
    if (nranks == 0) {
        fprintf(stderr, "lark-trace-merge: no rank files in %s (did the job reach MPI_Finalize?)\n",
                argv[1]);
        return 1;
    }
    /* Messages: the sends and the receives, each sorted, paired in one walk. */
    size_t nsend = 0, nrecv = 0;
    for (int i = 0; i < nranks; i++)
        for (int64_t k = 0; k < ranks[i].h.nevents; k++) {
            const struct lark_trace_rec *e = &ranks[i].ev[k];
            nsend += e->kind == LARK_TEV_SEND && e->peer >= 0;
            nrecv += (e->kind == LARK_TEV_RECV || e->kind == LARK_TEV_CALL_RECV) && e->peer >= 0;
        }
    struct msg *sends = xmalloc(nsend * sizeof *sends), *recvs = xmalloc(nrecv * sizeof *recvs);
    size_t ns = 0, nr = 0;
    for (int i = 0; i < nranks; i++)
        for (int64_t k = 0; k < ranks[i].h.nevents; k++) {
            const struct lark_trace_rec *e = &ranks[i].ev[k];
            int me = ranks[i].h.rank;
            if (e->kind == LARK_TEV_SEND && e->peer >= 0)
                sends[ns++] = (struct msg){me, e->peer, e->tag, e->t0, ranks[i].host};
            else if ((e->kind == LARK_TEV_RECV || e->kind == LARK_TEV_CALL_RECV) && e->peer >= 0)
                recvs[nr++] = (struct msg){e->peer, me, e->tag, e->t1, ranks[i].host};
        }
    qsort(sends, ns, sizeof *sends, msg_cmp);
    qsort(recvs, nr, sizeof *recvs, msg_cmp);
    struct pair *pairs = xmalloc((ns < nr ? ns : nr) * sizeof *pairs);
    size_t np = 0;
    for (size_t a = 0, b = 0; a < ns && b < nr;) {
        int c = msg_key_cmp(&sends[a], &recvs[b]);
        if (c < 0)
            a++;
        else if (c > 0)
            b++;
        else
            pairs[np++] = (struct pair){sends[a++], recvs[b++]};
    }
    free(sends);
    free(recvs);

    int64_t *shift = align_hosts(pairs, np, nhosts, ranks[0].host);
    /* The earliest event is time zero. */
    int64_t t0 = INT64_MAX;
    for (int i = 0; i < nranks; i++)
        for (int64_t k = 0; k < ranks[i].h.nevents; k++)
            if (ranks[i].ev[k].t0 + shift[ranks[i].host] < t0)
                t0 = ranks[i].ev[k].t0 + shift[ranks[i].host];
    FILE *out = fopen(argv[2], "w");
    if (out == NULL) {
        fprintf(stderr, "lark-trace-merge: cannot write %s\n", argv[2]);
        return 1;
    }
    fprintf(out, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
    int first = 1;
#define SEP()       (first ? (first = 0, "") : ",\n")
#define US(t, host) ((double)((t) + shift[host] - t0) / 1e3)
    for (int h = 0; h < nhosts; h++) {
        fprintf(out,
                "%s{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,\"args\":{\"name\":", SEP(),
                h);
        json_str(out, hosts[h]);
        fprintf(out, "}}");
    }
    for (int i = 0; i < nranks; i++)
        fprintf(out,
                "%s{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%d,\"tid\":%d,"
                "\"args\":{\"name\":\"rank %d\"}}",
                SEP(), ranks[i].host, ranks[i].h.rank, ranks[i].h.rank);
    /* Spans. */
    for (int i = 0; i < nranks; i++) {
        for (int64_t k = 0; k < ranks[i].h.nevents; k++) {
            const struct lark_trace_rec *e = &ranks[i].ev[k];
            if (e->kind == LARK_TEV_RECV || e->fn < 0 || e->fn >= lark_trace_nnames)
                continue;
            fprintf(out,
                    "%s{\"ph\":\"X\",\"name\":\"%s\",\"cat\":\"mpi\",\"pid\":%d,\"tid\":%d,"
                    "\"ts\":%.3f,\"dur\":%.3f,\"args\":{",
                    SEP(), lark_trace_names[e->fn], ranks[i].host, ranks[i].h.rank,
                    US(e->t0, ranks[i].host), (double)(e->t1 - e->t0) / 1e3);
            int a = 0;
            if (e->peer >= 0)
                fprintf(out, "\"peer\":%d", e->peer), a = 1;
            if (e->bytes)
                fprintf(out, "%s\"bytes\":%llu", a ? "," : "", (unsigned long long)e->bytes), a = 1;
            if (e->peer >= 0 && e->kind != LARK_TEV_CALL)
                fprintf(out, "%s\"tag\":%d", a ? "," : "", e->tag), a = 1;
            if (e->comm >= 0 && e->comm < ranks[i].h.ncomms) {
                fprintf(out, "%s\"comm\":", a ? "," : "");
                json_str(out, ranks[i].labels[e->comm]);
            }
            fprintf(out, "}}");
        }
    }
    /* Flows: an arrow from each send to the receive that got it. */
    for (size_t k = 0; k < np; k++) {
        const struct msg *m = &pairs[k].send, *r = &pairs[k].recv;
        fprintf(out,
                "%s{\"ph\":\"s\",\"name\":\"message\",\"cat\":\"msg\",\"id\":%zu,"
                "\"pid\":%d,\"tid\":%d,\"ts\":%.3f}",
                SEP(), k + 1, m->host, m->from, US(m->ts, m->host));
        fprintf(out,
                "%s{\"ph\":\"f\",\"bp\":\"e\",\"name\":\"message\",\"cat\":\"msg\","
                "\"id\":%zu,\"pid\":%d,\"tid\":%d,\"ts\":%.3f}",
                SEP(), k + 1, r->host, r->to, US(r->ts, r->host));
    }
    fprintf(out, "\n]}\n");
    int bad = ferror(out);
    if (fclose(out) != 0 || bad) {
        fprintf(stderr, "lark-trace-merge: could not write all of %s\n", argv[2]);
        return 1;
    }
    for (int i = 0; i < nranks; i++) {
        free(ranks[i].ev);
        free(ranks[i].labels);
    }
    free(ranks);
    free(hosts);
    free(pairs);
    free(shift);
    fprintf(stderr,
            "lark-trace-merge: %d of %d ranks, %zu messages drawn (%zu sends, %zu "
            "receives) into %s\n",
            nranks, size, np, nsend, nrecv, argv[2]);
    return nranks == size ? 0 : 1;
}

/* The Slurm allocation mpirun runs in (inside salloc or an sbatch script):
 * its nodes from SLURM_JOB_NODELIST, in Slurm's compressed host-list syntax
 * ("n[1-3,07],login,rack[1-2]-c[01-02]"), and the slots Slurm granted on each
 * from SLURM_TASKS_PER_NODE ("2(x3),1"), else SLURM_JOB_CPUS_PER_NODE.  The
 * planner uses them as it would a hostfile with explicit slots, so the
 * allocation's limits hold (more ranks than slots is the usual error unless
 * --oversubscribe).  Expansion is bounded, and every message names the
 * variable and the text that did not parse. */
#include "launcher.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* More names than any allocation has; bounds what a bad variable can cost. */
#define MAX_NAMES 1000000

struct names {
    char **v;
    int n, cap;
    char *err;
    size_t errlen;
};

static int add_name(struct names *out, const char *s, size_t len)
{
    if (out->n >= MAX_NAMES)
        return lark_launcher_fail(out->err, out->errlen,
                                  "SLURM_JOB_NODELIST expands to more than %d host names",
                                  MAX_NAMES);
    if (out->n == out->cap) {
        int cap = out->cap ? 2 * out->cap : 16;
        char **v = realloc(out->v, sizeof(char *) * (size_t)cap);
        if (v == NULL)
            return lark_launcher_fail(out->err, out->errlen, "out of memory");
        out->v = v;
        out->cap = cap;
    }
    char *c = strndup(s, len);
    if (c == NULL)
        return lark_launcher_fail(out->err, out->errlen, "out of memory");
    out->v[out->n++] = c;
    return 0;
}

static int parse_uint(const char *s, size_t len, unsigned long *v)
{
    if (len == 0 || len > 9)
        return -1;
    *v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        *v = *v * 10 + (unsigned long)(s[i] - '0');
    }
    return 0;
}

/* Expand one item (no top-level comma): `done` is the text expanded so far,
 * `rest` what remains.  Brackets multiply: a[1-2]b[1-2] is four names. */
static int expand(struct names *out, const char *done, size_t donelen, const char *rest,
                  size_t restlen)
{
    const char *open = memchr(rest, '[', restlen);
    if (open == NULL) {
        if (memchr(rest, ']', restlen))
            return lark_launcher_fail(out->err, out->errlen,
                                      "SLURM_JOB_NODELIST: ']' without '[' in '%.*s'", (int)restlen,
                                      rest);
        char buf[512];
        if (donelen + restlen >= sizeof buf)
            return lark_launcher_fail(out->err, out->errlen,
                                      "SLURM_JOB_NODELIST: a host name longer than %zu bytes",
                                      sizeof buf - 1);
        memcpy(buf, done, donelen);
        memcpy(buf + donelen, rest, restlen);
        return add_name(out, buf, donelen + restlen);
    }
    const char *close = memchr(open, ']', restlen - (size_t)(open - rest));
    if (close == NULL)
        return lark_launcher_fail(out->err, out->errlen,
                                  "SLURM_JOB_NODELIST: '[' without ']' in '%.*s'", (int)restlen,
                                  rest);
    size_t pre = (size_t)(open - rest);
    const char *after = close + 1;
    size_t afterlen = restlen - (size_t)(after - rest);
    /* Ranges inside the brackets: "1-3,07,10-12". */
    for (const char *r = open + 1; r < close;) {
        const char *comma = memchr(r, ',', (size_t)(close - r));
        const char *end = comma ? comma : close;
        const char *dash = memchr(r, '-', (size_t)(end - r));
        const char *hi_s = dash ? dash + 1 : r;
        size_t lo_len = (size_t)((dash ? dash : end) - r), hi_len = (size_t)(end - hi_s);
        unsigned long lo, hi;
        if (parse_uint(r, lo_len, &lo) != 0 || parse_uint(hi_s, hi_len, &hi) != 0 || hi < lo)
            return lark_launcher_fail(out->err, out->errlen,
                                      "SLURM_JOB_NODELIST: bad range '%.*s' in '%.*s'",
                                      (int)(end - r), r, (int)restlen, rest);
        if (hi - lo >= MAX_NAMES)
            return lark_launcher_fail(out->err, out->errlen,
                                      "SLURM_JOB_NODELIST: range '%.*s' is too large",
                                      (int)(end - r), r);
        /* Slurm keeps the width of the lower bound: n[01-10] is n01..n10. */
        int width = (int)lo_len;
        for (unsigned long k = lo; k <= hi; k++) {
            char buf[512];
            int m = snprintf(buf, sizeof buf, "%.*s%.*s%0*lu", (int)donelen, done, (int)pre, rest,
                             width, k);
            if (m < 0 || (size_t)m >= sizeof buf)
                return lark_launcher_fail(out->err, out->errlen,
                                          "SLURM_JOB_NODELIST: a host name is too long");
            if (expand(out, buf, (size_t)m, after, afterlen) != 0)
                return -1;
        }
        r = comma ? comma + 1 : close;
    }
    return 0;
}

int lark_slurm_hostlist(const char *list, char ***names, int *n, char *err, size_t errlen)
{
    struct names out = {NULL, 0, 0, err, errlen};
    const char *p = list;
    while (*p) {
        /* An item ends at a comma outside brackets. */
        const char *q = p;
        int depth = 0;
        while (*q && !(*q == ',' && depth == 0)) {
            depth += *q == '[' ? 1 : *q == ']' ? -1 : 0;
            q++;
        }
        if (q > p && expand(&out, "", 0, p, (size_t)(q - p)) != 0) {
            lark_slurm_names_free(out.v, out.n);
            return -1;
        }
        p = *q ? q + 1 : q;
    }
    if (out.n == 0) {
        free(out.v);
        return lark_launcher_fail(err, errlen, "SLURM_JOB_NODELIST names no host");
    }
    *names = out.v;
    *n = out.n;
    return 0;
}

void lark_slurm_names_free(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int lark_slurm_counts(const char *var, const char *s, int *counts, int n, char *err, size_t errlen)
{
    int k = 0;
    const char *p = s;
    while (*p) {
        char *end;
        long c = strtol(p, &end, 10);
        long rep = 1;
        if (end == p || c <= 0 || c > 1000000)
            return lark_launcher_fail(err, errlen, "%s: bad count in '%s'", var, s);
        if (strncmp(end, "(x", 2) == 0) {
            char *e2;
            rep = strtol(end + 2, &e2, 10);
            if (e2 == end + 2 || *e2 != ')' || rep <= 0)
                return lark_launcher_fail(err, errlen, "%s: bad repeat in '%s'", var, s);
            end = e2 + 1;
        }
        if (*end != ',' && *end != '\0')
            return lark_launcher_fail(err, errlen, "%s: unexpected '%c' in '%s'", var, *end, s);
        if (rep > n - k)
            return lark_launcher_fail(err, errlen,
                                      "%s ('%s') gives more nodes than the %d of "
                                      "SLURM_JOB_NODELIST",
                                      var, s, n);
        for (long r = 0; r < rep; r++)
            counts[k++] = (int)c;
        p = *end ? end + 1 : end;
    }
    if (k != n)
        return lark_launcher_fail(err, errlen, "%s ('%s') gives %d nodes, SLURM_JOB_NODELIST %d",
                                  var, s, k, n);
    return 0;
}

int lark_slurm_allocation(struct lark_host **hosts, int *nhosts, char *err, size_t errlen)
{
    const char *list = getenv("SLURM_JOB_NODELIST");
    if (list == NULL)
        list = getenv("SLURM_NODELIST");
    if (getenv("SLURM_JOB_ID") == NULL || list == NULL)
        return 0;
    const char *var = "SLURM_TASKS_PER_NODE";
    const char *per = getenv(var);
    if (per == NULL) {
        var = "SLURM_JOB_CPUS_PER_NODE";
        per = getenv(var);
    }
    if (per == NULL)
        return lark_launcher_fail(err, errlen,
                                  "inside Slurm job %s but neither SLURM_TASKS_PER_NODE nor "
                                  "SLURM_JOB_CPUS_PER_NODE is set: give --host or --hostfile",
                                  getenv("SLURM_JOB_ID"));
    char **names;
    int n;
    if (lark_slurm_hostlist(list, &names, &n, err, errlen) != 0)
        return -1;
    int *counts = malloc(sizeof(int) * (size_t)n);
    struct lark_host *h = calloc((size_t)n, sizeof *h);
    if (counts == NULL || h == NULL) {
        free(counts);
        free(h);
        lark_slurm_names_free(names, n);
        return lark_launcher_fail(err, errlen, "out of memory");
    }
    if (lark_slurm_counts(var, per, counts, n, err, errlen) != 0) {
        free(counts);
        free(h);
        lark_slurm_names_free(names, n);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        h[i].name = names[i]; /* ownership moves to the host table */
        h[i].slots = counts[i];
        h[i].slots_set = true;
    }
    free(names);
    free(counts);
    *hosts = h;
    *nhosts = n;
    return 1;
}

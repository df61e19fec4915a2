/*
 * group.c -- group objects and the group algebra (see group.h).  The
 * MPI_Group_* entry points live in runtime/api/group.c.
 *
 * Membership questions ("is world rank w in b, and where?") are answered
 * arithmetically for a strided group and by binary search in a sorted copy
 * for a listed one, so union/intersection/difference/translate cost
 * O((n + m) log m), never O(job size).
 */
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "handle.h"
#include "runtime.h"

static struct lark_group group_empty = {LARK_GROUP_MAGIC, 0, MPI_UNDEFINED, 1, 0, 1, NULL};

struct lark_group *lark_group_from_handle(MPI_Group h)
{
    if (h == MPI_GROUP_EMPTY)
        return &group_empty;
    if (!lark_handle_valid(LARK_HANDLE_GROUP, h))
        return NULL; /* MPI_GROUP_NULL, garbage, or not one of ours */
    struct lark_group *g = (struct lark_group *)h;
    return g->magic == LARK_GROUP_MAGIC ? g : NULL;
}

MPI_Group lark_group_to_handle(struct lark_group *g)
{
    return g == &group_empty ? MPI_GROUP_EMPTY : (MPI_Group)g;
}

static int strided_rank_of(const struct lark_group *g, int w)
{
    long d = (long)w - g->first;
    if (d % g->stride != 0)
        return MPI_UNDEFINED;
    long r = d / g->stride;
    return r >= 0 && r < g->size ? (int)r : MPI_UNDEFINED;
}

int lark_group_rank_of(const struct lark_group *g, int w)
{
    if (g->size == 0)
        return MPI_UNDEFINED;
    if (g->list == NULL)
        return strided_rank_of(g, w);
    for (int i = 0; i < g->size; i++)
        if (g->list[i] == w)
            return i;
    return MPI_UNDEFINED;
}

struct lark_group *lark_group_strided(int first, int stride, int size)
{
    if (size == 0)
        return &group_empty;
    /* Freed by lark_group_release when the last reference goes. */
    struct lark_group *g = lark_handle_alloc(LARK_HANDLE_GROUP, sizeof *g, true);
    if (g == NULL)
        return NULL;
    *g = (struct lark_group){LARK_GROUP_MAGIC,         size, MPI_UNDEFINED, 1, first,
                             stride != 0 ? stride : 1, NULL};
    g->rank = strided_rank_of(g, lark_rt.rank);
    return g;
}

struct lark_group *lark_group_create(const int *w, int size)
{
    if (size <= 1)
        return lark_group_strided(size ? w[0] : 0, 1, size);
    int stride = w[1] - w[0];
    bool progression = stride != 0;
    for (int i = 2; i < size && progression; i++)
        progression = w[i] - w[i - 1] == stride;
    if (progression)
        return lark_group_strided(w[0], stride, size);
    struct lark_group *g = lark_handle_alloc(LARK_HANDLE_GROUP, sizeof *g, true);
    int *list = malloc((size_t)size * sizeof *list);
    if (g == NULL || list == NULL) {
        lark_handle_free(LARK_HANDLE_GROUP, g, sizeof *g);
        free(list);
        return NULL;
    }
    memcpy(list, w, (size_t)size * sizeof *list);
    *g = (struct lark_group){LARK_GROUP_MAGIC, size, MPI_UNDEFINED, 1, 0, 1, list};
    for (int i = 0; i < size; i++)
        if (list[i] == lark_rt.rank)
            g->rank = i;
    return g;
}

void lark_group_retain(struct lark_group *g)
{
    if (g != &group_empty)
        __atomic_add_fetch(&g->refcount, 1, __ATOMIC_RELAXED);
}

void lark_group_release(struct lark_group *g)
{
    if (g == NULL || g == &group_empty)
        return;
    if (__atomic_sub_fetch(&g->refcount, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    g->magic = 0;
    free(g->list);
    lark_handle_free(LARK_HANDLE_GROUP, g, sizeof *g);
}

int *lark_group_members(const struct lark_group *g)
{
    int *m = malloc(((size_t)g->size + 1) * sizeof *m);
    for (int i = 0; m != NULL && i < g->size; i++)
        m[i] = lark_group_world(g, i);
    return m;
}

/* ---- membership lookups ---- */

struct pair {
    int world, rank;
};

struct lookup {
    const struct lark_group *g;
    struct pair *sorted; /* listed groups only; owned by the lookup */
};

static int by_world(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;
    return (x->world > y->world) - (x->world < y->world);
}

static int lookup_init(struct lookup *lk, const struct lark_group *g)
{
    lk->g = g;
    lk->sorted = NULL;
    if (g->list == NULL)
        return LARK_OK;
    lk->sorted = malloc((size_t)g->size * sizeof *lk->sorted);
    if (lk->sorted == NULL)
        return LARK_ERR_NOMEM;
    for (int i = 0; i < g->size; i++)
        lk->sorted[i] = (struct pair){g->list[i], i};
    qsort(lk->sorted, (size_t)g->size, sizeof *lk->sorted, by_world);
    return LARK_OK;
}

static int lookup_rank(const struct lookup *lk, int w)
{
    if (lk->sorted == NULL)
        return lark_group_rank_of(lk->g, w);
    struct pair key = {w, 0};
    struct pair *p = bsearch(&key, lk->sorted, (size_t)lk->g->size, sizeof key, by_world);
    return p != NULL ? p->rank : MPI_UNDEFINED;
}

static void lookup_fini(struct lookup *lk)
{
    free(lk->sorted);
}

/* Members of a that are (keep_in) or are not in b, in a's order, after
 * `prefix` (the members of `prefix_of`, which may be NULL). */
static int filter(const struct lark_group *a, const struct lark_group *b, bool keep_in,
                  const struct lark_group *prefix_of, struct lark_group **out)
{
    int np = prefix_of ? prefix_of->size : 0;
    int *w = malloc(((size_t)np + (size_t)a->size + 1) * sizeof *w);
    struct lookup lk;
    if (w == NULL || lookup_init(&lk, b) != LARK_OK) {
        free(w);
        return LARK_ERR_NOMEM;
    }
    int n = 0;
    for (int i = 0; i < np; i++)
        w[n++] = lark_group_world(prefix_of, i);
    for (int i = 0; i < a->size; i++) {
        int x = lark_group_world(a, i);
        if ((lookup_rank(&lk, x) != MPI_UNDEFINED) == keep_in)
            w[n++] = x;
    }
    lookup_fini(&lk);
    *out = lark_group_create(w, n);
    free(w);
    return *out != NULL ? LARK_OK : LARK_ERR_NOMEM;
}

int lark_group_union(const struct lark_group *a, const struct lark_group *b,
                     struct lark_group **out)
{
    /* a's members, then b's that a lacks, in b's order. */
    return filter(b, a, false, a, out);
}

int lark_group_intersection(const struct lark_group *a, const struct lark_group *b,
                            struct lark_group **out)
{
    return filter(a, b, true, NULL, out);
}

int lark_group_difference(const struct lark_group *a, const struct lark_group *b,
                          struct lark_group **out)
{
    return filter(a, b, false, NULL, out);
}

int lark_group_incl(const struct lark_group *g, int n, const int *ranks, struct lark_group **out)
{
    if (n > 0 && g->list == NULL && n >= 2) {
        /* A progression of ranks in a strided group stays strided. */
        int s = ranks[1] - ranks[0];
        bool prog = s != 0;
        for (int i = 2; i < n && prog; i++)
            prog = ranks[i] - ranks[i - 1] == s;
        if (prog) {
            *out = lark_group_strided(lark_group_world(g, ranks[0]), s * g->stride, n);
            return *out ? LARK_OK : LARK_ERR_NOMEM;
        }
    }
    int *w = malloc(((size_t)n + 1) * sizeof *w);
    if (w == NULL)
        return LARK_ERR_NOMEM;
    for (int i = 0; i < n; i++)
        w[i] = lark_group_world(g, ranks[i]);
    *out = lark_group_create(w, n);
    free(w);
    return *out != NULL ? LARK_OK : LARK_ERR_NOMEM;
}

/* Keep the members whose `drop` flag is clear. */
static int keep_unmarked(const struct lark_group *g, const unsigned char *drop,
                         struct lark_group **out)
{
    int *w = malloc(((size_t)g->size + 1) * sizeof *w);
    if (w == NULL)
        return LARK_ERR_NOMEM;
    int n = 0;
    for (int i = 0; i < g->size; i++)
        if (!drop[i])
            w[n++] = lark_group_world(g, i);
    *out = lark_group_create(w, n);
    free(w);
    return *out != NULL ? LARK_OK : LARK_ERR_NOMEM;
}

int lark_group_excl(const struct lark_group *g, int n, const int *ranks, struct lark_group **out)
{
    unsigned char *drop = calloc((size_t)g->size + 1, 1);
    if (drop == NULL)
        return LARK_ERR_NOMEM;
    for (int i = 0; i < n; i++)
        drop[ranks[i]] = 1;
    int rc = keep_unmarked(g, drop, out);
    free(drop);
    return rc;
}

/* Number of ranks of one range, or -1 when it is malformed (zero stride,
 * or running away from its end); rank bounds are checked by the caller. */
static long range_count(const int r[3])
{
    if (r[2] == 0)
        return -1;
    long span = (long)r[1] - r[0];
    if ((span > 0 && r[2] < 0) || (span < 0 && r[2] > 0))
        return -1;
    return span / r[2] + 1;
}

/* Mark every rank the ranges name in `mark` (g->size bytes); count them. */
static int mark_ranges(const struct lark_group *g, int n, const int ranges[][3],
                       unsigned char *mark, long *total)
{
    *total = 0;
    for (int i = 0; i < n; i++) {
        long c = range_count(ranges[i]);
        if (c < 0)
            return LARK_ERR_ARG;
        for (long k = 0; k < c; k++) {
            long r = ranges[i][0] + k * ranges[i][2];
            if (r < 0 || r >= g->size || mark[r])
                return MPI_ERR_RANK;
            mark[r] = 1;
        }
        *total += c;
    }
    return LARK_OK;
}

int lark_group_range_incl(const struct lark_group *g, int n, const int ranges[][3],
                          struct lark_group **out)
{
    unsigned char *mark = calloc((size_t)g->size + 1, 1);
    if (mark == NULL)
        return LARK_ERR_NOMEM;
    long total;
    int rc = mark_ranges(g, n, ranges, mark, &total);
    free(mark);
    if (rc != LARK_OK)
        return rc;
    if (n == 1 && g->list == NULL) { /* a range of a progression: O(1) */
        *out = lark_group_strided(lark_group_world(g, ranges[0][0]), ranges[0][2] * g->stride,
                                  (int)total);
        return *out ? LARK_OK : LARK_ERR_NOMEM;
    }
    int *w = malloc(((size_t)total + 1) * sizeof *w);
    if (w == NULL)
        return LARK_ERR_NOMEM;
    int m = 0;
    for (int i = 0; i < n; i++) {
        long c = range_count(ranges[i]);
        for (long k = 0; k < c; k++)
            w[m++] = lark_group_world(g, (int)(ranges[i][0] + k * ranges[i][2]));
    }
    *out = lark_group_create(w, m);
    free(w);
    return *out != NULL ? LARK_OK : LARK_ERR_NOMEM;
}

int lark_group_range_excl(const struct lark_group *g, int n, const int ranges[][3],
                          struct lark_group **out)
{
    unsigned char *mark = calloc((size_t)g->size + 1, 1);
    if (mark == NULL)
        return LARK_ERR_NOMEM;
    long total;
    int rc = mark_ranges(g, n, ranges, mark, &total);
    if (rc == LARK_OK)
        rc = keep_unmarked(g, mark, out);
    free(mark);
    return rc;
}

int lark_group_compare(const struct lark_group *a, const struct lark_group *b)
{
    if (a == b)
        return MPI_IDENT;
    if (a->size != b->size)
        return MPI_UNEQUAL;
    bool same_order = true;
    for (int i = 0; i < a->size && same_order; i++)
        same_order = lark_group_world(a, i) == lark_group_world(b, i);
    if (same_order)
        return MPI_IDENT;
    struct lookup lk;
    if (lookup_init(&lk, b) != LARK_OK)
        return LARK_ERR_NOMEM;
    int result = MPI_SIMILAR;
    for (int i = 0; i < a->size && result == MPI_SIMILAR; i++)
        if (lookup_rank(&lk, lark_group_world(a, i)) == MPI_UNDEFINED)
            result = MPI_UNEQUAL;
    lookup_fini(&lk);
    return result;
}

int lark_group_translate(const struct lark_group *a, int n, const int *ranks,
                         const struct lark_group *b, int *out)
{
    struct lookup lk = {b, NULL};
    if (n > 8 && lookup_init(&lk, b) != LARK_OK) /* else a scan per rank is cheaper */
        return LARK_ERR_NOMEM;
    for (int i = 0; i < n; i++) {
        int r = ranks != NULL ? ranks[i] : i;
        out[i] = r == MPI_PROC_NULL ? MPI_PROC_NULL : lookup_rank(&lk, lark_group_world(a, r));
    }
    lookup_fini(&lk);
    return LARK_OK;
}

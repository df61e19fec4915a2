/*
 * group.h -- MPI groups: an ordered list of world ranks, and the group
 * algebra (union, intersection, difference, incl/excl, ranges).
 *
 * A group handle is a pointer to struct lark_group, except MPI_GROUP_EMPTY
 * (a static object) and MPI_GROUP_NULL.  Groups are immutable once made and
 * reference counted (atomically: communicators share their group with
 * MPI_Comm_group's callers).
 *
 * Storage does not grow with the job for regular groups: a group whose
 * members form an arithmetic progression of world ranks (MPI_COMM_WORLD,
 * MPI_COMM_SELF, a range, a stride, every other rank of a split...) is kept
 * as (first, stride, size) -- O(1) whatever its size; any other group keeps
 * its list of world ranks (one int per member).  Every constructor below
 * detects progressions, so the algebra stays compact where it can.
 *
 * The functions are pure (no MPI state but this process's world rank), so
 * tests/unit/test_group.c exercises them directly.
 */
#ifndef LARK_GROUP_H_INCLUDED
#define LARK_GROUP_H_INCLUDED

#include <stdbool.h>

#include "lark.h"

#define LARK_GROUP_MAGIC 0x4c4b4750u /* "LKGP" */

struct lark_group {
    uint32_t magic; /* LARK_GROUP_MAGIC while alive */
    int size;       /* members */
    int rank;       /* this process's rank in the group, or MPI_UNDEFINED */
    int refcount;   /* the static empty group is never freed */
    int first;      /* strided: member i is world rank first + i*stride */
    int stride;
    int *list; /* NULL when strided; else member i is list[i]; owned */
};

/* Handle -> object; NULL for MPI_GROUP_NULL and anything invalid. */
struct lark_group *lark_group_from_handle(MPI_Group h);
MPI_Group lark_group_to_handle(struct lark_group *g);

/* World rank of member i (0 <= i < size). */
static inline int lark_group_world(const struct lark_group *g, int i)
{
    return g->list != NULL ? g->list[i] : g->first + i * g->stride;
}

/* A new group of `size` members (world ranks copied; a progression is
 * stored as one); the empty group for size 0; NULL when out of memory.
 * Every lark_group_* constructor returns a group with one reference, freed
 * by lark_group_release when the last one goes. */
struct lark_group *lark_group_create(const int *world_ranks, int size);
struct lark_group *lark_group_strided(int first, int stride, int size);
void lark_group_retain(struct lark_group *g);
void lark_group_release(struct lark_group *g);
/* Rank of world rank w in g, or MPI_UNDEFINED. */
int lark_group_rank_of(const struct lark_group *g, int w);
/* The world ranks of g, in order (a malloc'd array of g->size ints, or
 * NULL when out of memory; at least one int is allocated). */
int *lark_group_members(const struct lark_group *g);

/* Group algebra.  Each returns 0 with *out holding a new reference, or
 * LARK_ERR_NOMEM; the argument checks (valid, distinct ranks) are the
 * API layer's job, except where noted. */
int lark_group_union(const struct lark_group *a, const struct lark_group *b,
                     struct lark_group **out);
int lark_group_intersection(const struct lark_group *a, const struct lark_group *b,
                            struct lark_group **out);
int lark_group_difference(const struct lark_group *a, const struct lark_group *b,
                          struct lark_group **out);
/* incl/excl: n ranks of g (valid, distinct). */
int lark_group_incl(const struct lark_group *g, int n, const int *ranks, struct lark_group **out);
int lark_group_excl(const struct lark_group *g, int n, const int *ranks, struct lark_group **out);
/* Ranges (first, last, stride): checks them itself and returns
 * LARK_ERR_ARG for a zero stride or a range running away from its end,
 * MPI_ERR_RANK (> 0) for a rank outside g or listed twice. */
int lark_group_range_incl(const struct lark_group *g, int n, const int ranges[][3],
                          struct lark_group **out);
int lark_group_range_excl(const struct lark_group *g, int n, const int ranges[][3],
                          struct lark_group **out);
/* MPI_IDENT, MPI_SIMILAR or MPI_UNEQUAL (LARK_ERR_NOMEM on no memory). */
int lark_group_compare(const struct lark_group *a, const struct lark_group *b);
/* Translate n ranks of a into ranks of b (MPI_PROC_NULL stays; absent
 * members give MPI_UNDEFINED); ranks must be valid (NULL: ranks 0..n-1).
 * 0 or LARK_ERR_NOMEM. */
int lark_group_translate(const struct lark_group *a, int n, const int *ranks,
                         const struct lark_group *b, int *out);

#endif

/*
 * group.h -- MPI groups: an ordered list of world ranks.
 *
 * A group handle is a pointer to struct lark_group, except MPI_GROUP_EMPTY
 * (a static object) and MPI_GROUP_NULL.  Groups are immutable once made
 * and reference counted; MPI_Comm_group hands out a new reference.
 */
#ifndef LARK_GROUP_H_INCLUDED
#define LARK_GROUP_H_INCLUDED

#include "lark.h"

#define LARK_GROUP_MAGIC 0x4c4b4750u /* "LKGP" */

struct lark_group {
    uint32_t magic;   /* LARK_GROUP_MAGIC while alive */
    int size;         /* members */
    int rank;         /* this process's rank in the group, or MPI_UNDEFINED */
    int *world_ranks; /* member i is world rank world_ranks[i]; owned */
    int refcount;     /* the static empty group is never freed */
};

/* Handle -> object; NULL for MPI_GROUP_NULL and anything invalid. */
struct lark_group *lark_group_from_handle(MPI_Group h);
MPI_Group lark_group_to_handle(struct lark_group *g);
/* A new group of `size` members (world ranks copied); NULL when out of
 * memory.  Freed by lark_group_release when the last reference goes. */
struct lark_group *lark_group_create(const int *world_ranks, int size);
void lark_group_release(struct lark_group *g);
/* Rank of world rank w in g, or MPI_UNDEFINED. */
int lark_group_rank_of(const struct lark_group *g, int w);

#endif

/*
 * group.c -- group objects: creation, lookup, release.  The MPI_Group_*
 * entry points live in runtime/api/group.c.
 */
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "runtime.h"

static struct lark_group group_empty = {LARK_GROUP_MAGIC, 0, MPI_UNDEFINED, NULL, 1};

struct lark_group *lark_group_from_handle(MPI_Group h)
{
    if (h == MPI_GROUP_EMPTY)
        return &group_empty;
    if ((uintptr_t)h < 0x1000)
        return NULL;
    struct lark_group *g = (struct lark_group *)h;
    return g->magic == LARK_GROUP_MAGIC ? g : NULL;
}

MPI_Group lark_group_to_handle(struct lark_group *g)
{
    return g == &group_empty ? MPI_GROUP_EMPTY : (MPI_Group)g;
}

struct lark_group *lark_group_create(const int *world_ranks, int size)
{
    if (size == 0)
        return &group_empty;
    struct lark_group *g = calloc(1, sizeof *g);
    int *w = malloc((size_t)size * sizeof *w);
    if (g == NULL || w == NULL) {
        free(g);
        free(w);
        return NULL;
    }
    memcpy(w, world_ranks, (size_t)size * sizeof *w);
    g->magic = LARK_GROUP_MAGIC;
    g->size = size;
    g->world_ranks = w;
    g->refcount = 1;
    g->rank = MPI_UNDEFINED;
    for (int i = 0; i < size; i++)
        if (w[i] == lark_rt.rank)
            g->rank = i;
    return g;
}

void lark_group_release(struct lark_group *g)
{
    if (g == NULL || g == &group_empty)
        return;
    if (--g->refcount > 0)
        return;
    g->magic = 0;
    free(g->world_ranks);
    free(g);
}

int lark_group_rank_of(const struct lark_group *g, int w)
{
    for (int i = 0; i < g->size; i++)
        if (g->world_ranks[i] == w)
            return i;
    return MPI_UNDEFINED;
}

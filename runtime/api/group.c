/*
 * group.c (api) -- MPI_Comm_group and the group queries.
 */
#include <stdlib.h>

#include "comm.h"
#include "error.h"
#include "group.h"
#include "runtime.h"

static int enter(const char *call)
{
    if (!lark_initialized())
        return lark_err_raise(NULL, call, MPI_ERR_OTHER,
                              "called before MPI_Init or after MPI_Finalize");
    return MPI_SUCCESS;
}

int PMPI_Comm_group(MPI_Comm comm, MPI_Group *group)
{
    static const char call[] = "MPI_Comm_group";
    int err = enter(call);
    if (err != MPI_SUCCESS)
        return err;
    struct lark_comm *c = lark_comm_from_handle(comm);
    if (c == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_COMM, "the communicator is not valid");
    if (group == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "group (the output argument) is NULL");
    lark_lock();
    struct lark_group *g = lark_group_create(c->world_ranks, c->size);
    lark_unlock();
    if (g == NULL)
        return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
    *group = lark_group_to_handle(g);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_group)

int PMPI_Group_free(MPI_Group *group)
{
    static const char call[] = "MPI_Group_free";
    int err = enter(call);
    if (err != MPI_SUCCESS)
        return err;
    struct lark_group *g = group ? lark_group_from_handle(*group) : NULL;
    if (g == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_GROUP, "the group is not valid");
    lark_lock();
    lark_group_release(g);
    lark_unlock();
    *group = MPI_GROUP_NULL;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Group_free)

int PMPI_Group_size(MPI_Group group, int *size)
{
    static const char call[] = "MPI_Group_size";
    struct lark_group *g = lark_group_from_handle(group);
    if (g == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_GROUP, "the group is not valid");
    if (size == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "size (the output argument) is NULL");
    *size = g->size;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Group_size)

int PMPI_Group_rank(MPI_Group group, int *rank)
{
    static const char call[] = "MPI_Group_rank";
    struct lark_group *g = lark_group_from_handle(group);
    if (g == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_GROUP, "the group is not valid");
    if (rank == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "rank (the output argument) is NULL");
    *rank = g->rank;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Group_rank)

int PMPI_Group_translate_ranks(MPI_Group group1, int n, const int ranks1[], MPI_Group group2,
                               int ranks2[])
{
    static const char call[] = "MPI_Group_translate_ranks";
    struct lark_group *g1 = lark_group_from_handle(group1), *g2 = lark_group_from_handle(group2);
    if (g1 == NULL || g2 == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_GROUP, "group%d is not valid", g1 ? 2 : 1);
    if (n < 0)
        return lark_err_raise(NULL, call, MPI_ERR_COUNT, "n is negative (%d)", n);
    if (n > 0 && (ranks1 == NULL || ranks2 == NULL))
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "ranks1 or ranks2 is NULL");
    for (int i = 0; i < n; i++) {
        int r = ranks1[i];
        if (r == MPI_PROC_NULL) {
            ranks2[i] = MPI_PROC_NULL;
            continue;
        }
        if (r < 0 || r >= g1->size)
            return lark_err_raise(NULL, call, MPI_ERR_RANK,
                                  "ranks1[%d] = %d is not a rank of group1 (size %d)", i, r,
                                  g1->size);
        ranks2[i] = lark_group_rank_of(g2, g1->world_ranks[r]);
    }
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Group_translate_ranks)

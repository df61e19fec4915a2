/*
 * group.c (api) -- MPI_Comm_group, MPI_Comm_remote_group and the MPI_Group_*
 * calls: argument checks here, the algebra in runtime/group.c.  Group
 * calls are local; they work between MPI_Init and MPI_Finalize.
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

static int get_group(const char *call, MPI_Group h, const char *what, struct lark_group **g)
{
    int err = enter(call);
    if (err != MPI_SUCCESS)
        return err;
    *g = lark_group_from_handle(h);
    if (*g == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_GROUP, "%s is not a valid group%s", what,
                              h == MPI_GROUP_NULL ? " (MPI_GROUP_NULL)" : "");
    return MPI_SUCCESS;
}

/* Hand a new group back, or report why there is none. */
static int give(const char *call, int rc, struct lark_group *g, MPI_Group *out)
{
    if (rc == LARK_OK) {
        *out = lark_group_to_handle(g);
        return MPI_SUCCESS;
    }
    if (rc == MPI_ERR_RANK)
        return lark_err_raise(NULL, call, MPI_ERR_RANK,
                              "a range names a rank outside the group or one rank twice");
    if (rc == LARK_ERR_ARG)
        return lark_err_raise(NULL, call, MPI_ERR_ARG,
                              "a range has stride 0 or runs away from its last rank");
    return lark_err_raise(NULL, call, rc, "could not make the group");
}

static int comm_group(const char *call, MPI_Comm comm, MPI_Group *group, bool remote)
{
    int err = enter(call);
    if (err != MPI_SUCCESS)
        return err;
    struct lark_comm *c = lark_comm_from_handle(comm);
    if (c == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_COMM, "the communicator is not valid");
    if (group == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "group (the output argument) is NULL");
    if (remote && c->remote == NULL)
        return lark_err_raise(c, call, MPI_ERR_COMM,
                              "the communicator is not an intercommunicator");
    struct lark_group *g = remote ? c->remote : c->group;
    lark_group_retain(g); /* the caller frees it with MPI_Group_free */
    *group = lark_group_to_handle(g);
    return MPI_SUCCESS;
}

int PMPI_Comm_group(MPI_Comm comm, MPI_Group *group)
{
    return comm_group("MPI_Comm_group", comm, group, false);
}
LARK_API_ALIAS(Comm_group)

int PMPI_Comm_remote_group(MPI_Comm comm, MPI_Group *group)
{
    return comm_group("MPI_Comm_remote_group", comm, group, true);
}
LARK_API_ALIAS(Comm_remote_group)

int PMPI_Group_free(MPI_Group *group)
{
    static const char call[] = "MPI_Group_free";
    struct lark_group *g;
    if (group == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "group is NULL");
    int err = get_group(call, *group, "group", &g);
    if (err != MPI_SUCCESS)
        return err;
    lark_group_release(g);
    *group = MPI_GROUP_NULL;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Group_free)

int PMPI_Group_size(MPI_Group group, int *size)
{
    static const char call[] = "MPI_Group_size";
    struct lark_group *g;
    int err = get_group(call, group, "group", &g);
    if (err != MPI_SUCCESS)
        return err;
    if (size == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "size (the output argument) is NULL");
    *size = g->size;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Group_size)

int PMPI_Group_rank(MPI_Group group, int *rank)
{
    static const char call[] = "MPI_Group_rank";
    struct lark_group *g;
    int err = get_group(call, group, "group", &g);
    if (err != MPI_SUCCESS)
        return err;
    if (rank == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "rank (the output argument) is NULL");
    *rank = g->rank;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Group_rank)

/* n ranks of g: each valid (MPI_PROC_NULL too when proc_null_ok) and, when
 * `distinct`, none twice. */
static int check_ranks(const char *call, const struct lark_group *g, int n, const int *ranks,
                       bool distinct, bool proc_null_ok)
{
    if (n < 0)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "n is negative (%d)", n);
    if (n > 0 && ranks == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "the rank array is NULL");
    if (distinct && n > g->size)
        return lark_err_raise(NULL, call, MPI_ERR_RANK,
                              "n = %d distinct ranks cannot come from a group of %d", n, g->size);
    unsigned char *seen = distinct ? calloc((size_t)g->size + 1, 1) : NULL;
    if (distinct && seen == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_NO_MEM, "out of memory");
    int bad = -1;
    for (int i = 0; i < n && bad < 0; i++) {
        int r = ranks[i];
        if (proc_null_ok && r == MPI_PROC_NULL)
            continue;
        if (r < 0 || r >= g->size || (seen != NULL && seen[r]))
            bad = i;
        else if (seen != NULL)
            seen[r] = 1;
    }
    free(seen);
    if (bad >= 0)
        return lark_err_raise(NULL, call, MPI_ERR_RANK,
                              "ranks[%d] = %d is not a rank of the group (size %d) or is "
                              "repeated",
                              bad, ranks[bad], g->size);
    return MPI_SUCCESS;
}

int PMPI_Group_translate_ranks(MPI_Group group1, int n, const int ranks1[], MPI_Group group2,
                               int ranks2[])
{
    static const char call[] = "MPI_Group_translate_ranks";
    struct lark_group *g1, *g2;
    int err = get_group(call, group1, "group1", &g1);
    if (err == MPI_SUCCESS)
        err = get_group(call, group2, "group2", &g2);
    if (err == MPI_SUCCESS)
        err = check_ranks(call, g1, n, ranks1, false, true);
    if (err != MPI_SUCCESS)
        return err;
    if (n > 0 && ranks2 == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "ranks2 is NULL");
    if (lark_group_translate(g1, n, ranks1, g2, ranks2) != LARK_OK)
        return lark_err_raise(NULL, call, MPI_ERR_NO_MEM, "out of memory");
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Group_translate_ranks)

int PMPI_Group_compare(MPI_Group group1, MPI_Group group2, int *result)
{
    static const char call[] = "MPI_Group_compare";
    struct lark_group *g1, *g2;
    int err = get_group(call, group1, "group1", &g1);
    if (err == MPI_SUCCESS)
        err = get_group(call, group2, "group2", &g2);
    if (err != MPI_SUCCESS)
        return err;
    if (result == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "result is NULL");
    int r = lark_group_compare(g1, g2);
    if (r < 0)
        return lark_err_raise(NULL, call, r, "out of memory");
    *result = r;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Group_compare)

typedef int (*set_op)(const struct lark_group *, const struct lark_group *, struct lark_group **);

static int two_groups(const char *call, MPI_Group group1, MPI_Group group2, MPI_Group *newgroup,
                      set_op op)
{
    struct lark_group *g1, *g2, *n = NULL;
    int err = get_group(call, group1, "group1", &g1);
    if (err == MPI_SUCCESS)
        err = get_group(call, group2, "group2", &g2);
    if (err != MPI_SUCCESS)
        return err;
    if (newgroup == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "newgroup is NULL");
    int rc = op(g1, g2, &n); /* before give() reads n */
    return give(call, rc, n, newgroup);
}

int PMPI_Group_union(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup)
{
    return two_groups("MPI_Group_union", group1, group2, newgroup, lark_group_union);
}
LARK_API_ALIAS(Group_union)

int PMPI_Group_intersection(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup)
{
    return two_groups("MPI_Group_intersection", group1, group2, newgroup, lark_group_intersection);
}
LARK_API_ALIAS(Group_intersection)

int PMPI_Group_difference(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup)
{
    return two_groups("MPI_Group_difference", group1, group2, newgroup, lark_group_difference);
}
LARK_API_ALIAS(Group_difference)

static int incl_excl(const char *call, MPI_Group group, int n, const int ranks[],
                     MPI_Group *newgroup, bool incl)
{
    struct lark_group *g, *out = NULL;
    int err = get_group(call, group, "group", &g);
    if (err == MPI_SUCCESS)
        err = check_ranks(call, g, n, ranks, true, false);
    if (err != MPI_SUCCESS)
        return err;
    if (newgroup == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "newgroup is NULL");
    int rc = incl ? lark_group_incl(g, n, ranks, &out) : lark_group_excl(g, n, ranks, &out);
    return give(call, rc, out, newgroup);
}

int PMPI_Group_incl(MPI_Group group, int n, const int ranks[], MPI_Group *newgroup)
{
    return incl_excl("MPI_Group_incl", group, n, ranks, newgroup, true);
}
LARK_API_ALIAS(Group_incl)

int PMPI_Group_excl(MPI_Group group, int n, const int ranks[], MPI_Group *newgroup)
{
    return incl_excl("MPI_Group_excl", group, n, ranks, newgroup, false);
}
LARK_API_ALIAS(Group_excl)

static int ranges(const char *call, MPI_Group group, int n, int r[][3], MPI_Group *newgroup,
                  bool incl)
{
    struct lark_group *g, *out = NULL;
    int err = get_group(call, group, "group", &g);
    if (err != MPI_SUCCESS)
        return err;
    if (n < 0 || (n > 0 && r == NULL) || newgroup == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG,
                              n < 0 ? "n is negative" : "ranges or newgroup is NULL");
    int rc = incl ? lark_group_range_incl(g, n, (const int(*)[3])r, &out)
                  : lark_group_range_excl(g, n, (const int(*)[3])r, &out);
    return give(call, rc, out, newgroup);
}

int PMPI_Group_range_incl(MPI_Group group, int n, int ranges_[][3], MPI_Group *newgroup)
{
    return ranges("MPI_Group_range_incl", group, n, ranges_, newgroup, true);
}
LARK_API_ALIAS(Group_range_incl)

int PMPI_Group_range_excl(MPI_Group group, int n, int ranges_[][3], MPI_Group *newgroup)
{
    return ranges("MPI_Group_range_excl", group, n, ranges_, newgroup, false);
}
LARK_API_ALIAS(Group_range_excl)

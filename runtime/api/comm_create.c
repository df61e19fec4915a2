/*
 * comm_create.c (api) -- making and unmaking intracommunicators:
 * MPI_Comm_dup (and with_info; the idups start here and run in
 * commidup.c), MPI_Comm_split, MPI_Comm_split_type,
 * MPI_Comm_create, MPI_Comm_create_group and MPI_Comm_free.
 *
 * Each new communicator gets a context id agreed by its members
 * (commnew.h, cid.h: thread-safe, rounds when several agreements of one
 * process overlap).  Dup copies cached attributes (copy callbacks), the
 * topology and the info hints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "coll_api.h"
#include "attr.h"
#include "coll/coll.h"
#include "comm.h"
#include "commnew.h"
#include "error.h"
#include "hwres.h"
#include "info.h"
#include "request.h"
#include "runtime.h"
#include "topo.h"
#include "where.h"

/* MPI_Comm_create_group is defined on intracommunicators only. */
static int intra_only(const char *call, struct lark_comm *c)
{
    if (c->remote != NULL)
        return lark_err_raise(c, call, MPI_ERR_COMM,
                              "the communicator is an intercommunicator: the standard defines "
                              "this call on intracommunicators only");
    return MPI_SUCCESS;
}

static int failed(struct lark_comm *c, const char *call, int rc)
{
    return lark_err_raise(c, call, rc, "could not create the new communicator");
}

/* Key of an agreement over parent (cid.h): the parent's id first. */
static uint64_t key_of(const struct lark_comm *parent, uint32_t sub)
{
    return ((uint64_t)parent->cid << 32) | sub;
}

/* Free a communicator this call made but cannot hand out. */
static void discard(struct lark_comm *n)
{
    lark_attr_delete_all(LARK_ATTR_COMM, n->handle, &n->attrs);
    lark_lock();
    lark_comm_release(n);
    lark_unlock();
}

/* The part of every dup: new id over the same group(s), then attributes,
 * topology and hints.  `info` replaces the hints when not NULL. */
static int dup_comm(const char *call, struct lark_comm *c, struct lark_info *info,
                    struct lark_comm **out)
{
    uint32_t cid;
    struct lark_commnew_set set = {.comm = c, .call = call};
    int rc;
    if (c->remote != NULL) {
        rc = lark_intercomm_dup(c, out);
    } else {
        rc = lark_commnew_cid(&set, key_of(c, 0), true, &cid);
        if (rc == 0)
            rc = lark_commnew_make(c, c->group, NULL, cid, out);
    }
    if (rc != 0)
        return failed(c, call, rc);
    struct lark_comm *n = *out;
    if (c->topo != NULL && (n->topo = lark_topo_dup(c->topo)) == NULL)
        rc = LARK_ERR_NOMEM;
    const struct lark_info *hints = info != NULL ? info : c->info;
    if (rc == 0 && hints != NULL && (n->info = lark_info_dup(hints)) == NULL)
        rc = LARK_ERR_NOMEM;
    if (rc == 0)
        rc = lark_attr_copy(LARK_ATTR_COMM, c->handle, &c->attrs, n->handle, &n->attrs);
    if (rc != 0) {
        discard(n);
        return lark_err_raise(c, call, rc, "an attribute copy callback failed or out of memory");
    }
    return MPI_SUCCESS;
}

int PMPI_Comm_dup(MPI_Comm comm, MPI_Comm *newcomm)
{
    static const char call[] = "MPI_Comm_dup";
    struct lark_comm *c, *n;
    int err = lark_check_comm(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (newcomm == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "newcomm (the output argument) is NULL");
    lark_where_coll(call, c);
    err = dup_comm(call, c, NULL, &n);
    lark_where_leave();
    /* A failed dup (an attribute copy callback failed) gives MPI_COMM_NULL,
     * as MPICH does (its attrerr test checks it), so the caller never reads
     * a stale handle. */
    *newcomm = err == MPI_SUCCESS ? lark_comm_to_handle(n) : MPI_COMM_NULL;
    return err;
}
LARK_API_ALIAS(Comm_dup)

static int info_arg(const char *call, struct lark_comm *c, MPI_Info info, struct lark_info **i)
{
    *i = NULL;
    if (info == MPI_INFO_NULL)
        return MPI_SUCCESS;
    *i = lark_info_from_handle(info);
    if (*i == NULL)
        return lark_err_raise(c, call, MPI_ERR_INFO, "the info object is not valid");
    return MPI_SUCCESS;
}

int PMPI_Comm_dup_with_info(MPI_Comm comm, MPI_Info info, MPI_Comm *newcomm)
{
    static const char call[] = "MPI_Comm_dup_with_info";
    struct lark_comm *c, *n;
    struct lark_info *i;
    struct lark_info empty = {LARK_INFO_MAGIC, 0, 0, NULL, true};
    int err = lark_check_comm(call, comm, &c);
    if (err == MPI_SUCCESS)
        err = info_arg(call, c, info, &i);
    if (err != MPI_SUCCESS)
        return err;
    if (newcomm == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "newcomm (the output argument) is NULL");
    /* MPI_INFO_NULL means no hints at all (not the parent's). */
    lark_where_coll(call, c);
    err = dup_comm(call, c, i != NULL ? i : &empty, &n);
    lark_where_leave();
    *newcomm = err == MPI_SUCCESS ? lark_comm_to_handle(n) : MPI_COMM_NULL;
    return err;
}
LARK_API_ALIAS(Comm_dup_with_info)

/* Nonblocking dups: the agreement runs in the progress engine
 * (commidup.c); *newcomm is written when the request completes. */
static int idup_common(const char *call, MPI_Comm comm, MPI_Info info, bool with_info,
                       MPI_Comm *newcomm, MPI_Request *request)
{
    struct lark_comm *c;
    struct lark_info *i = NULL;
    int err = lark_check_comm(call, comm, &c);
    if (err == MPI_SUCCESS && with_info)
        err = info_arg(call, c, info, &i);
    if (err != MPI_SUCCESS)
        return err;
    if (newcomm == NULL || request == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "newcomm or request is NULL");
    /* With info, MPI_INFO_NULL means no hints at all (not the parent's). */
    struct lark_request *r;
    int rc = lark_comm_idup(c, with_info ? i : c->info, newcomm, &r);
    if (rc != 0)
        return lark_err_raise(c, call, rc,
                              "could not start the duplication (out of memory, or an attribute "
                              "copy callback failed)");
    *request = lark_request_to_handle(r);
    return MPI_SUCCESS;
}

int PMPI_Comm_idup(MPI_Comm comm, MPI_Comm *newcomm, MPI_Request *request)
{
    return idup_common("MPI_Comm_idup", comm, MPI_INFO_NULL, false, newcomm, request);
}
LARK_API_ALIAS(Comm_idup)

int PMPI_Comm_idup_with_info(MPI_Comm comm, MPI_Info info, MPI_Comm *newcomm, MPI_Request *request)
{
    return idup_common("MPI_Comm_idup_with_info", comm, info, true, newcomm, request);
}
LARK_API_ALIAS(Comm_idup_with_info)

/* ---- split ---- */

struct split_entry {
    int color, key, rank;
};

static int by_key_then_rank(const void *a, const void *b)
{
    const struct split_entry *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Split c by color (MPI_UNDEFINED: no communicator) ordered by key.
 * Also the topology constructors' way to make their communicators. */
int lark_comm_split_internal(struct lark_comm *c, int color, int key, struct lark_comm **out)
{
    *out = NULL;
    int size = c->size;
    struct split_entry *all = malloc((size_t)size * sizeof *all);
    int *members = malloc((size_t)size * sizeof *members);
    if (all == NULL || members == NULL) {
        free(all);
        free(members);
        return LARK_ERR_NOMEM;
    }
    all[c->rank] = (struct split_entry){color, key, c->rank};
    int rc = lark_coll_allgather(all, sizeof *all, c);
    int count = 0;
    if (rc == 0 && color != MPI_UNDEFINED) {
        for (int i = 0; i < size; i++)
            if (all[i].color == color)
                all[count++] = all[i];
        qsort(all, (size_t)count, sizeof *all, by_key_then_rank);
        for (int i = 0; i < count; i++)
            members[i] = lark_group_world(c->group, all[i].rank);
    }
    uint32_t cid;
    struct lark_commnew_set set = {.comm = c, .call = "MPI_Comm_split"};
    if (rc == 0)
        rc = lark_commnew_cid(&set, key_of(c, 0), color != MPI_UNDEFINED, &cid);
    if (rc == 0 && color != MPI_UNDEFINED) {
        struct lark_group *g = lark_group_create(members, count);
        rc = g != NULL ? lark_commnew_make(c, g, NULL, cid, out) : LARK_ERR_NOMEM;
        if (g == NULL)
            lark_cid_release(cid);
        lark_group_release(g);
    }
    free(all);
    free(members);
    return rc;
}

int PMPI_Comm_split(MPI_Comm comm, int color, int key, MPI_Comm *newcomm)
{
    static const char call[] = "MPI_Comm_split";
    struct lark_comm *c, *n = NULL;
    int err = lark_check_comm(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (newcomm == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "newcomm (the output argument) is NULL");
    if (color < 0 && color != MPI_UNDEFINED)
        return lark_err_raise(c, call, MPI_ERR_ARG,
                              "color %d is negative (use MPI_UNDEFINED to opt out)", color);
    /* On an intercommunicator: the members of each colour on both sides
     * make one intercommunicator (intercomm.c). */
    lark_where_coll(call, c);
    int rc = c->remote != NULL ? lark_intercomm_split(c, color, key, &n)
                               : lark_comm_split_internal(c, color, key, &n);
    lark_where_leave();
    if (rc != 0)
        return failed(c, call, rc);
    *newcomm = lark_comm_to_handle(n);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_split)

/* The node's colour: the lowest world rank on this node, from the PMIx
 * description of the job (PMIX_LOCAL_PEERS), never from host names. */
static int node_color(void)
{
    int m = lark_rt.rank;
    for (int i = 0; i < lark_rt.local_size; i++)
        if (lark_rt.local_peers[i] < m)
            m = lark_rt.local_peers[i];
    return m;
}

#define HW_LEVELS 8 /* the node, then the hwloc types of hwres.h */

/* This process's place at each level: the node, then the index of the
 * object of each type that holds all its CPUs (-1: it spans several). */
static void hw_place(int place[HW_LEVELS])
{
    place[0] = node_color();
    lark_lock();
    for (int l = 1; l < HW_LEVELS; l++) {
        int idx = lark_hwres_types[l - 1] ? lark_hwres_index(lark_hwres_types[l - 1]) : -1;
        /* A kind of object this machine lacks (no L3 cache, say) splits
         * nothing: every process shares place 0 there, and the finer
         * levels still work.  HW_GUIDED refuses such a level itself. */
        place[l] = idx == -2 ? 0 : idx;
    }
    lark_unlock();
    for (int l = 1; l < HW_LEVELS; l++)
        if (place[l - 1] < 0)
            place[l] = -1; /* levels nest: no finer place without the coarser */
}

static const char *level_name(int l)
{
    return l == 0 ? "mpi_shared_memory" : lark_hwres_types[l - 1];
}

/* Colour for level l: the lowest world rank among the n processes of
 * `all` (places) / `world` (their world ranks) sharing our place (entry
 * me) down to l, or MPI_UNDEFINED; *members gets how many share it. */
static int level_color(const int *all, const int *world, int n, int me, int l, int *members)
{
    int color = MPI_UNDEFINED;
    *members = 0;
    if (all[me * HW_LEVELS + l] < 0)
        return MPI_UNDEFINED;
    for (int r = 0; r < n; r++)
        if (memcmp(&all[r * HW_LEVELS], &all[me * HW_LEVELS], sizeof(int) * (size_t)(l + 1)) == 0) {
            if (color == MPI_UNDEFINED || world[r] < color)
                color = world[r];
            (*members)++;
        }
    return color;
}

/* HW_GUIDED (level >= 0) or HW_UNGUIDED (level < 0): the colour, and the
 * level chosen in *chosen.  The places of every process taking part are
 * gathered: c's members, and on an intercommunicator both groups (so that
 * a colour names the same resource on both sides).  Unguided takes the
 * first level where the processes sharing our place are fewer than all of
 * them; those sharing it then choose the same level. */
static int hw_color(struct lark_comm *c, int level, int *chosen, int *color)
{
    int nl = c->size, n = nl + (c->remote != NULL ? c->remote->size : 0);
    int *all = malloc(sizeof(int) * HW_LEVELS * (size_t)n),
        *world = malloc(sizeof(int) * (size_t)n);
    int rc = all != NULL && world != NULL ? 0 : LARK_ERR_NOMEM;
    *color = MPI_UNDEFINED;
    *chosen = -1;
    if (rc == 0) {
        for (int i = 0; i < n; i++)
            world[i] = i < nl ? lark_group_world(c->group, i) : lark_group_world(c->remote, i - nl);
        hw_place(&all[c->rank * HW_LEVELS]);
        size_t each = sizeof(int) * HW_LEVELS;
        rc = c->remote == NULL ? lark_coll_allgather(all, each, c)
                               : lark_intercomm_tables(c, all, &all[nl * HW_LEVELS], each);
    }
    for (int l = level >= 0 ? level : 0; rc == 0 && l < HW_LEVELS; l++) {
        int members;
        int col = level_color(all, world, n, c->rank, l, &members);
        if (col == MPI_UNDEFINED)
            break;
        if (level >= 0 || members < n) {
            *color = col;
            *chosen = l;
            break;
        }
    }
    free(all);
    free(world);
    return rc;
}

int PMPI_Comm_split_type(MPI_Comm comm, int split_type, int key, MPI_Info info, MPI_Comm *newcomm)
{
    static const char call[] = "MPI_Comm_split_type";
    struct lark_comm *c, *n = NULL;
    struct lark_info *i;
    int err = lark_check_comm(call, comm, &c);
    if (err == MPI_SUCCESS)
        err = info_arg(call, c, info, &i);
    if (err != MPI_SUCCESS)
        return err;
    if (newcomm == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "newcomm (the output argument) is NULL");
    /* On an intercommunicator (MPI 4.1 lets every split make one): the
     * processes of both sides of one type (same node, same resource)
     * make one intercommunicator, as MPI_Comm_split with that colour;
     * a type found on one side only gives MPI_COMM_NULL. */
    int color = MPI_UNDEFINED, level = -1, rc = 0;
    lark_where_coll(call, c);
    switch (split_type) {
    case MPI_UNDEFINED:
        break;
    case MPI_COMM_TYPE_SHARED:
        color = node_color();
        level = 0;
        break;
    case MPI_COMM_TYPE_HW_GUIDED: {
        /* The resource named by the "mpi_hw_resource_type" hint; an
         * unknown one (or none) gives MPI_COMM_NULL everywhere. */
        const char *want = i != NULL ? lark_info_get(i, "mpi_hw_resource_type") : NULL;
        int l = -1;
        for (int k = 0; want != NULL && k < HW_LEVELS && l < 0; k++)
            if (level_name(k) != NULL && strcasecmp(want, level_name(k)) == 0)
                l = k;
        if (l > 0) { /* a kind of object this machine has? */
            lark_lock();
            if (lark_hwres_count(level_name(l)) == 0)
                l = -1;
            lark_unlock();
        }
        if (l >= 0)
            rc = hw_color(c, l, &level, &color);
        else
            rc = hw_color(c, HW_LEVELS, &level, &color); /* take part, get none */
        break;
    }
    case MPI_COMM_TYPE_HW_UNGUIDED:
        rc = hw_color(c, -1, &level, &color);
        break;
    default:
        return lark_err_raise(c, call, MPI_ERR_ARG,
                              "split_type %d is not MPI_COMM_TYPE_SHARED, _HW_GUIDED, "
                              "_HW_UNGUIDED or MPI_UNDEFINED",
                              split_type);
    }
    if (rc == 0)
        rc = c->remote != NULL ? lark_intercomm_split(c, color, key, &n)
                               : lark_comm_split_internal(c, color, key, &n);
    if (rc == 0 && n != NULL && level >= 0) {
        /* Say which resource the communicator stands for. */
        n->info = lark_info_new();
        if (n->info == NULL || lark_info_set(n->info, "mpi_hw_resource_type", level_name(level)))
            rc = LARK_ERR_NOMEM;
        if (rc != 0)
            discard(n);
    }
    lark_where_leave();
    if (rc != 0)
        return failed(c, call, rc);
    *newcomm = lark_comm_to_handle(n);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_split_type)

/* ---- from a group ---- */

static int get_subgroup(const char *call, struct lark_comm *c, MPI_Group group,
                        struct lark_group **g)
{
    *g = lark_group_from_handle(group);
    if (*g == NULL)
        return lark_err_raise(c, call, MPI_ERR_GROUP, "the group is not valid");
    /* Every member must be a member of comm. */
    for (int i = 0; i < (*g)->size; i++)
        if (lark_group_rank_of(c->group, lark_group_world(*g, i)) == MPI_UNDEFINED)
            return lark_err_raise(c, call, MPI_ERR_GROUP,
                                  "member %d of the group (world rank %d) is not in the "
                                  "communicator",
                                  i, lark_group_world(*g, i));
    return MPI_SUCCESS;
}

int PMPI_Comm_create(MPI_Comm comm, MPI_Group group, MPI_Comm *newcomm)
{
    static const char call[] = "MPI_Comm_create";
    struct lark_comm *c, *n = NULL;
    struct lark_group *g;
    int err = lark_check_comm(call, comm, &c);
    if (err == MPI_SUCCESS)
        err = get_subgroup(call, c, group, &g);
    if (err != MPI_SUCCESS)
        return err;
    if (newcomm == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "newcomm (the output argument) is NULL");
    if (c->remote != NULL) {
        /* group is a subgroup of the local group; the result joins it to
         * the remote side's (intercomm.c). */
        lark_where_coll(call, c);
        int rc = lark_intercomm_create(c, g, &n);
        lark_where_leave();
        if (rc != 0)
            return failed(c, call, rc);
        *newcomm = lark_comm_to_handle(n);
        return MPI_SUCCESS;
    }
    uint32_t cid;
    bool member = g->rank != MPI_UNDEFINED;
    struct lark_commnew_set set = {.comm = c, .call = call};
    lark_where_coll(call, c);
    int rc = lark_commnew_cid(&set, key_of(c, 0), member, &cid);
    lark_where_leave();
    if (rc == 0 && member)
        rc = lark_commnew_make(c, g, NULL, cid, &n);
    if (rc != 0)
        return failed(c, call, rc);
    *newcomm = lark_comm_to_handle(n);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_create)

int PMPI_Comm_create_group(MPI_Comm comm, MPI_Group group, int tag, MPI_Comm *newcomm)
{
    static const char call[] = "MPI_Comm_create_group";
    struct lark_comm *c, *n = NULL;
    struct lark_group *g;
    int err = lark_check_comm(call, comm, &c);
    if (err == MPI_SUCCESS)
        err = intra_only(call, c);
    if (err == MPI_SUCCESS)
        err = get_subgroup(call, c, group, &g);
    if (err != MPI_SUCCESS)
        return err;
    if (newcomm == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "newcomm (the output argument) is NULL");
    if (tag < 0)
        return lark_err_raise(c, call, MPI_ERR_TAG, "tag %d is negative", tag);
    if (g->rank == MPI_UNDEFINED)
        return lark_err_raise(c, call, MPI_ERR_GROUP,
                              "this process (world rank %d) is not in the group: only members "
                              "call MPI_Comm_create_group",
                              lark_rt.rank);
    /* Only the members take part: they talk point-to-point in the
     * parent's collective context, told apart by the user's tag. */
    int *ranks = malloc(sizeof(int) * (size_t)g->size);
    if (ranks == NULL)
        return failed(c, call, LARK_ERR_NOMEM);
    for (int i = 0; i < g->size; i++)
        ranks[i] = lark_group_rank_of(c->group, lark_group_world(g, i));
    struct lark_commnew_set set = {.comm = c,
                                   .ranks = ranks,
                                   .n = g->size,
                                   .me = g->rank,
                                   .tag = lark_commnew_tag(tag),
                                   .call = call};
    uint32_t cid;
    lark_where_coll(call, NULL); /* over the group's members only */
    int rc = lark_commnew_cid(&set, key_of(c, 1u + (uint32_t)tag), true, &cid);
    lark_where_leave();
    free(ranks);
    if (rc == 0)
        rc = lark_commnew_make(c, g, NULL, cid, &n);
    if (rc != 0)
        return failed(c, call, rc);
    *newcomm = lark_comm_to_handle(n);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_create_group)

/* MPI_Comm_free and MPI_Comm_disconnect: *comm must name a communicator
 * that is not predefined; with `barrier` (disconnect) the members meet
 * first.  Then attributes go, by their delete callbacks (newest first),
 * and the communicator with its last reference. */
static int comm_free(const char *call, MPI_Comm *comm, bool barrier)
{
    struct lark_comm *c;
    if (comm == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "comm is NULL");
    int err = lark_check_comm(call, *comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (c->predefined)
        return lark_err_raise(c, call, MPI_ERR_COMM,
                              "MPI_COMM_WORLD and MPI_COMM_SELF cannot be %s",
                              barrier ? "disconnected" : "freed");
    if (barrier) {
        const struct lark_coll_call k = {call, LARK_FORM_BLOCKING, NULL, false};
        if ((err = lark_coll_api_barrier(*comm, &k)) != MPI_SUCCESS)
            return err;
    }
    int rc = lark_attr_delete_all(LARK_ATTR_COMM, c->handle, &c->attrs);
    if (rc != MPI_SUCCESS)
        return lark_err_raise(c, call, rc, "an attribute delete callback failed");
    lark_lock();
    lark_comm_release(c);
    lark_unlock();
    *comm = MPI_COMM_NULL;
    return MPI_SUCCESS;
}

int PMPI_Comm_free(MPI_Comm *comm)
{
    return comm_free("MPI_Comm_free", comm, false);
}
LARK_API_ALIAS(Comm_free)

/* MPI_Comm_disconnect belongs to dynamic processes (not implemented yet),
 * but programs that never spawn call it on their own communicators too.
 * The caller must have completed and matched all its communication on
 * comm (the standard's condition, as for MPI_Finalize), so what is left
 * moves inside the library (a buffered send's bytes): a barrier over comm,
 * whose progress pushes it, and then the communicator is freed.
 * Collective, as the standard says; not for MPI_COMM_WORLD or
 * MPI_COMM_SELF. */
int PMPI_Comm_disconnect(MPI_Comm *comm)
{
    return comm_free("MPI_Comm_disconnect", comm, true);
}
LARK_API_ALIAS(Comm_disconnect)

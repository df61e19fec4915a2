/*
 * intercomm.c (api) -- intercommunicators: MPI_Intercomm_create,
 * MPI_Intercomm_create_from_groups, MPI_Intercomm_merge, and the dup,
 * split and create of an intercommunicator.
 *
 * An intercommunicator has its local group, the remote group, and
 * `local`, an intracommunicator over the local group with its own context
 * id, for the local steps (broadcasting what the leaders learnt, the local
 * halves of collectives).  Its context id is agreed by both groups through
 * a bridge (commnew.h): each side ANDs its offers, the two leaders swap and
 * AND theirs, and each leader broadcasts the result to its side.
 * Point-to-point over it needs nothing special: ranks name members of the
 * remote group (comm.h's `peers`), and a sender's local rank is what the
 * receiver sees as the source.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "coll/coll.h"
#include "comm.h"
#include "commnew.h"
#include "error.h"
#include "group.h"
#include "runtime.h"
#include "where.h"

/* Tags of the leaders' exchanges in an intercommunicator's own collective
 * context (apart from the collectives' small tags and from user tags,
 * which lark_commnew_tag maps above 0x40000000). */
enum {
    TAG_MERGE = 0x20000001,
    TAG_DUP = 0x20000002,
    TAG_SPLIT = 0x20000003,      /* the cid agreement of a split or create */
    TAG_SPLIT_SWAP = 0x20000004, /* the leaders' swap of a split's or create's tables */
    TAG_FROM_GROUPS = 0x10000000
};

static uint64_t pair_key(uint32_t a, uint32_t b)
{
    return a < b ? ((uint64_t)a << 32 | b) : ((uint64_t)b << 32 | a);
}

/* Make the intercommunicator over (group, remote) once both sides agreed
 * through `bridge`; it also gets its own intracommunicator over group.
 * `localc` is an intracommunicator over this side (a superset of group):
 * the local half's id is agreed over it.  group NULL means localc's.
 * Without `take` (a process that gets no communicator from a split or
 * create) this process only takes part in the agreements; *out = NULL. */
static int make_inter(struct lark_comm *parent, struct lark_comm *localc,
                      const struct lark_commnew_set *bridge, uint64_t key, struct lark_group *group,
                      struct lark_group *remote, bool take, struct lark_comm **out)
{
    uint32_t cid, lcid;
    struct lark_commnew_set local = {.comm = localc, .call = bridge->call};
    *out = NULL;
    if (group == NULL)
        group = localc->group;
    int rc = lark_commnew_cid(bridge, key, take, &cid);
    if (rc != 0)
        return rc;
    rc = lark_commnew_cid(&local, ((uint64_t)localc->cid << 32) | 0xfffffffeu, take, &lcid);
    if (rc != 0) {
        if (take)
            lark_cid_release(cid);
        return rc;
    }
    if (!take)
        return 0;
    struct lark_comm *n, *l;
    rc = lark_commnew_make(parent, group, remote, cid, &n);
    if (rc != 0) {
        lark_cid_release(lcid);
        return rc;
    }
    rc = lark_commnew_make(parent, group, NULL, lcid, &l);
    if (rc != 0) {
        lark_lock();
        lark_comm_release(n);
        lark_unlock();
        return rc;
    }
    n->local = l;
    *out = n;
    return 0;
}

/* The leaders swap (size, key part, world ranks of their group) over
 * `via`, then each tells its side.  *remote gets the other group. */
static int swap_groups(struct lark_comm *localc, int leader, struct lark_comm *via,
                       int remote_leader, int tag, uint32_t *remote_cid, struct lark_group **remote)
{
    int hdr[2] = {localc->size, (int)localc->cid}, rhdr[2] = {0, 0};
    int rc = 0, *list = NULL;
    if (localc->rank == leader)
        rc = lark_coll_sendrecv(hdr, sizeof hdr, remote_leader, rhdr, sizeof rhdr, remote_leader,
                                tag, via);
    if (rc == 0)
        rc = lark_coll_bcast(rhdr, sizeof rhdr, leader, localc);
    if (rc == 0 && rhdr[0] <= 0)
        rc = LARK_ERR_ARG;
    if (rc == 0 && (list = malloc(sizeof(int) * (size_t)rhdr[0])) == NULL)
        rc = LARK_ERR_NOMEM;
    if (rc == 0 && localc->rank == leader) {
        int *mine = lark_group_members(localc->group);
        rc = mine != NULL
                 ? lark_coll_sendrecv(mine, sizeof(int) * (size_t)localc->size, remote_leader, list,
                                      sizeof(int) * (size_t)rhdr[0], remote_leader, tag, via)
                 : LARK_ERR_NOMEM;
        free(mine);
    }
    if (rc == 0)
        rc = lark_coll_bcast(list, sizeof(int) * (size_t)rhdr[0], leader, localc);
    if (rc == 0) {
        *remote = lark_group_create(list, rhdr[0]);
        rc = *remote != NULL ? 0 : LARK_ERR_NOMEM;
    }
    *remote_cid = (uint32_t)rhdr[1];
    free(list);
    return rc;
}

int PMPI_Intercomm_create(MPI_Comm local_comm, int local_leader, MPI_Comm peer_comm,
                          int remote_leader, int tag, MPI_Comm *newintercomm)
{
    static const char call[] = "MPI_Intercomm_create";
    struct lark_comm *l, *p = NULL, *n = NULL;
    int err = lark_check_comm(call, local_comm, &l);
    if (err != MPI_SUCCESS)
        return err;
    if (l->remote != NULL)
        return lark_err_raise(l, call, MPI_ERR_COMM, "local_comm is an intercommunicator");
    if (newintercomm == NULL)
        return lark_err_raise(l, call, MPI_ERR_ARG, "newintercomm is NULL");
    if (local_leader < 0 || local_leader >= l->size)
        return lark_err_raise(l, call, MPI_ERR_RANK,
                              "local_leader %d is not a rank of local_comm (size %d)", local_leader,
                              l->size);
    if (tag < 0)
        return lark_err_raise(l, call, MPI_ERR_TAG, "tag %d is negative", tag);
    if (l->rank == local_leader) { /* peer_comm matters at the leader only */
        p = lark_comm_from_handle(peer_comm);
        if (p == NULL)
            return lark_err_raise(l, call, MPI_ERR_COMM, "peer_comm is not valid");
        if (remote_leader < 0 || remote_leader >= lark_comm_peer_size(p) ||
            (p->remote == NULL && remote_leader == p->rank))
            return lark_err_raise(l, call, MPI_ERR_RANK,
                                  "remote_leader %d is not another rank of peer_comm",
                                  remote_leader);
    }
    int t = lark_commnew_tag(tag);
    uint32_t rcid = 0;
    struct lark_group *remote = NULL;
    lark_where_coll(call, l);
    int rc = swap_groups(l, local_leader, p, remote_leader, t, &rcid, &remote);
    for (int i = 0; rc == 0 && i < remote->size; i++)
        if (lark_group_rank_of(l->group, lark_group_world(remote, i)) != MPI_UNDEFINED)
            rc = MPI_ERR_COMM; /* the two groups overlap */
    if (rc == 0) {
        struct lark_commnew_set bridge = {.bridge = true,
                                          .call = call,
                                          .comm = l,
                                          .via = p,
                                          .leader = local_leader,
                                          .remote_leader = remote_leader,
                                          .tag = t};
        rc = make_inter(l, l, &bridge, pair_key(l->cid, rcid), NULL, remote, true, &n);
    }
    lark_where_leave();
    lark_group_release(remote);
    if (rc == MPI_ERR_COMM)
        return lark_err_raise(l, call, MPI_ERR_COMM,
                              "the local and remote groups overlap: they must be disjoint");
    if (rc != 0)
        return lark_err_raise(l, call, rc, "could not create the intercommunicator");
    *newintercomm = lark_comm_to_handle(n);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Intercomm_create)

/* A tag from the string tag of MPI_Intercomm_create_from_groups (FNV-1a),
 * so that concurrent calls with different strings do not mix. */
static int string_tag(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return TAG_FROM_GROUPS | (int)(h & 0x0fffffffu);
}

int PMPI_Intercomm_create_from_groups(MPI_Group local_group, int local_leader,
                                      MPI_Group remote_group, int remote_leader,
                                      const char *stringtag, MPI_Info info,
                                      MPI_Errhandler errhandler, MPI_Comm *newintercomm)
{
    static const char call[] = "MPI_Intercomm_create_from_groups";
    if (!lark_initialized())
        return lark_err_raise(NULL, call, MPI_ERR_OTHER,
                              "called before MPI_Init or after MPI_Finalize");
    struct lark_group *lg = lark_group_from_handle(local_group),
                      *rg = lark_group_from_handle(remote_group);
    struct lark_errhandler *eh = lark_errhandler_from_handle(errhandler);
    (void)info; /* no hint is acted on */
    if (lg == NULL || rg == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_GROUP, "%s_group is not valid",
                              lg == NULL ? "local" : "remote");
    if (eh == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ERRHANDLER, "the error handler is not valid");
    if (stringtag == NULL || newintercomm == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "stringtag or newintercomm is NULL");
    if (lg->rank == MPI_UNDEFINED)
        return lark_err_raise(NULL, call, MPI_ERR_GROUP,
                              "this process is not a member of local_group");
    if (local_leader < 0 || local_leader >= lg->size || remote_leader < 0 ||
        remote_leader >= rg->size)
        return lark_err_raise(NULL, call, MPI_ERR_RANK,
                              "local_leader %d or remote_leader %d is out of range", local_leader,
                              remote_leader);
    /* Without sessions every process is in MPI_COMM_WORLD: the local group
     * first agrees on an intracommunicator by point-to-point over it. */
    struct lark_comm *w = &lark_comm_world, *lc = NULL, *n = NULL;
    int tag = string_tag(stringtag);
    int *ranks = lark_group_members(lg);
    if (ranks == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_NO_MEM, "out of memory");
    struct lark_commnew_set set = {
        .comm = w, .ranks = ranks, .n = lg->size, .me = lg->rank, .tag = tag, .call = call};
    uint32_t cid;
    uint64_t key = ((uint64_t)0xffffffffu << 32) | (uint32_t)tag;
    lark_where_coll(call, NULL); /* over the groups' members only */
    int rc = lark_commnew_cid(&set, key, true, &cid);
    free(ranks);
    if (rc == 0)
        rc = lark_commnew_make(NULL, lg, NULL, cid, &lc);
    if (rc == 0) {
        struct lark_commnew_set bridge = {.bridge = true,
                                          .call = call,
                                          .comm = lc,
                                          .via = w,
                                          .leader = local_leader,
                                          .remote_leader = lark_group_world(rg, remote_leader),
                                          .tag = tag};
        rc = make_inter(NULL, lc, &bridge, key - 1, NULL, rg, true, &n);
    }
    lark_where_leave();
    if (lc != NULL) {
        lark_lock();
        lark_comm_release(lc);
        lark_unlock();
    }
    if (rc != 0)
        return lark_err_raise(NULL, call, rc, "could not create the intercommunicator");
    lark_lock();
    lark_errhandler_retain(eh);
    lark_errhandler_release(n->errhandler);
    n->errhandler = eh;
    lark_errhandler_retain(eh);
    lark_errhandler_release(n->local->errhandler);
    n->local->errhandler = eh;
    lark_unlock();
    *newintercomm = lark_comm_to_handle(n);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Intercomm_create_from_groups)

int PMPI_Intercomm_merge(MPI_Comm intercomm, int high, MPI_Comm *newintracomm)
{
    static const char call[] = "MPI_Intercomm_merge";
    struct lark_comm *c, *n = NULL;
    int err = lark_check_comm(call, intercomm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (c->remote == NULL)
        return lark_err_raise(c, call, MPI_ERR_COMM,
                              "the communicator is not an intercommunicator");
    if (newintracomm == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "newintracomm is NULL");
    /* The leaders (rank 0 of each side) swap their `high`; each side then
     * learns it.  Low side first; on a tie, the side whose leader has the
     * lower world rank. */
    int mine = high != 0, theirs = 0, rc = 0;
    lark_where_coll(call, c);
    if (c->rank == 0)
        rc = lark_coll_sendrecv(&mine, sizeof mine, 0, &theirs, sizeof theirs, 0, TAG_MERGE, c);
    if (rc == 0)
        rc = lark_coll_bcast(&theirs, sizeof theirs, 0, c->local);
    bool first =
        mine != theirs ? !mine : lark_group_world(c->group, 0) < lark_group_world(c->remote, 0);
    struct lark_group *lo = first ? c->group : c->remote, *hi = first ? c->remote : c->group, *g;
    if (rc == 0)
        rc = lark_group_union(lo, hi, &g);
    if (rc == 0) {
        struct lark_commnew_set bridge = {.bridge = true,
                                          .call = call,
                                          .comm = c->local,
                                          .via = c,
                                          .leader = 0,
                                          .remote_leader = 0,
                                          .tag = TAG_MERGE};
        uint32_t cid;
        rc = lark_commnew_cid(&bridge, (uint64_t)c->cid << 32 | 1u, true, &cid);
        if (rc == 0)
            rc = lark_commnew_make(c, g, NULL, cid, &n);
        lark_group_release(g);
    }
    lark_where_leave();
    if (rc != 0)
        return lark_err_raise(c, call, rc, "could not create the merged communicator");
    *newintracomm = lark_comm_to_handle(n);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Intercomm_merge)

int lark_intercomm_dup(struct lark_comm *c, struct lark_comm **out)
{
    struct lark_commnew_set bridge = {.bridge = true,
                                      .call = "MPI_Comm_dup",
                                      .comm = c->local,
                                      .via = c,
                                      .leader = 0,
                                      .remote_leader = 0,
                                      .tag = TAG_DUP};
    return make_inter(c, c->local, &bridge, (uint64_t)c->cid << 32 | 2u, NULL, c->remote, true,
                      out);
}

/* ---- MPI_Comm_split and MPI_Comm_create on an intercommunicator ---- */

/* The new intercommunicators of one split or create are disjoint, so they
 * all share one id (and their local halves another), agreed by both sides
 * together; a process that gets none takes part without taking. */
static int make_sub(struct lark_comm *c, const char *call, uint32_t sub, struct lark_group *group,
                    struct lark_group *remote, struct lark_comm **out)
{
    struct lark_commnew_set bridge = {.bridge = true,
                                      .call = call,
                                      .comm = c->local,
                                      .via = c,
                                      .leader = 0,
                                      .remote_leader = 0,
                                      .tag = TAG_SPLIT};
    bool take = group != NULL && remote != NULL;
    return make_inter(c, c->local, &bridge, (uint64_t)c->cid << 32 | sub, group, remote, take, out);
}

int lark_intercomm_tables(struct lark_comm *c, void *mine, void *theirs, size_t each)
{
    size_t ln = each * (size_t)c->size, rn = each * (size_t)c->remote->size;
    int rc = lark_coll_allgather(mine, each, c->local);
    if (rc == 0 && c->rank == 0)
        rc = lark_coll_sendrecv(mine, ln, 0, theirs, rn, 0, TAG_SPLIT_SWAP, c);
    if (rc == 0)
        rc = lark_coll_bcast(theirs, rn, 0, c->local);
    return rc;
}

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

/* The group of the entries of `color` (n entries, ranks of g), by key then
 * rank; NULL when there is none (or out of memory: *rc). */
static struct lark_group *split_group(struct split_entry *all, int n, int color,
                                      struct lark_group *g, int *rc)
{
    int count = 0;
    for (int i = 0; i < n; i++)
        if (all[i].color == color)
            all[count++] = all[i];
    if (count == 0)
        return NULL;
    qsort(all, (size_t)count, sizeof *all, by_key_then_rank);
    int *w = malloc(sizeof(int) * (size_t)count);
    struct lark_group *out = NULL;
    if (w != NULL) {
        for (int i = 0; i < count; i++)
            w[i] = lark_group_world(g, all[i].rank);
        out = lark_group_create(w, count);
        free(w);
    }
    if (out == NULL)
        *rc = LARK_ERR_NOMEM;
    return out;
}

int lark_intercomm_split(struct lark_comm *c, int color, int key, struct lark_comm **out)
{
    *out = NULL;
    struct split_entry *mine = malloc(sizeof *mine * (size_t)c->size),
                       *theirs = malloc(sizeof *theirs * (size_t)c->remote->size);
    int rc = mine != NULL && theirs != NULL ? 0 : LARK_ERR_NOMEM;
    if (rc == 0) {
        mine[c->rank] = (struct split_entry){color, key, c->rank};
        rc = lark_intercomm_tables(c, mine, theirs, sizeof *mine);
    }
    struct lark_group *lg = NULL, *rg = NULL;
    if (rc == 0 && color != MPI_UNDEFINED) {
        lg = split_group(mine, c->size, color, c->group, &rc);
        if (rc == 0)
            rg = split_group(theirs, c->remote->size, color, c->remote, &rc);
    }
    free(mine);
    free(theirs);
    /* Everyone takes part in the agreement, even after a local failure,
     * so that the others do not wait for it. */
    int arc = make_sub(c, "MPI_Comm_split", 3u, rc == 0 ? lg : NULL, rc == 0 ? rg : NULL, out);
    lark_group_release(lg);
    lark_group_release(rg);
    return rc != 0 ? rc : arc;
}

int lark_intercomm_create(struct lark_comm *c, struct lark_group *g, struct lark_comm **out)
{
    *out = NULL;
    /* Every process of a side passes the same group: the leaders swap
     * their side's (size, then world ranks) and tell their side. */
    int n = g->size, m = 0, rc = 0;
    int *mine = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1)), *theirs = NULL;
    if (mine == NULL)
        rc = LARK_ERR_NOMEM;
    for (int i = 0; rc == 0 && i < n; i++)
        mine[i] = lark_group_world(g, i);
    if (c->rank == 0)
        rc = lark_coll_sendrecv(&n, sizeof n, 0, &m, sizeof m, 0, TAG_SPLIT_SWAP, c);
    if (rc == 0)
        rc = lark_coll_bcast(&m, sizeof m, 0, c->local);
    if (rc == 0 && (theirs = malloc(sizeof(int) * (size_t)(m > 0 ? m : 1))) == NULL)
        rc = LARK_ERR_NOMEM;
    if (rc == 0 && c->rank == 0)
        rc = lark_coll_sendrecv(mine, sizeof(int) * (size_t)n, 0, theirs, sizeof(int) * (size_t)m,
                                0, TAG_SPLIT_SWAP, c);
    if (rc == 0)
        rc = lark_coll_bcast(theirs, sizeof(int) * (size_t)m, 0, c->local);
    struct lark_group *rg = NULL;
    bool member = g->rank != MPI_UNDEFINED && n > 0 && m > 0;
    if (rc == 0 && member && (rg = lark_group_create(theirs, m)) == NULL)
        rc = LARK_ERR_NOMEM;
    free(mine);
    free(theirs);
    int arc = make_sub(c, "MPI_Comm_create", 4u, rc == 0 && member ? g : NULL, rg, out);
    lark_group_release(rg);
    return rc != 0 ? rc : arc;
}

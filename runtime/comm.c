/*
 * comm.c -- communicator objects: the predefined WORLD and SELF, handle
 * conversion, creation from groups and reference counting.  Communicator management calls
 * (MPI_Comm_dup, split, ...) build on lark_comm_create(); see comm.h.
 */
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "bsend.h"
#include "cid.h"
#include "comm.h"
#include "handle.h"
#include "error.h"
#include "info.h"
#include "topo.h"
#include "runtime.h"

struct lark_comm lark_comm_world, lark_comm_self;

static void comm_setup(struct lark_comm *c, uint32_t cid)
{
    c->magic = LARK_COMM_MAGIC;
    c->cid = cid;
    c->ctx[LARK_CTX_PT2PT] = 2 * cid;
    c->ctx[LARK_CTX_COLL] = 2 * cid + 1;
    c->refcount = 1;
}

int lark_comm_init(void)
{
    struct lark_comm *w = &lark_comm_world, *s = &lark_comm_self;
    memset(w, 0, sizeof *w);
    memset(s, 0, sizeof *s);
    /* Both are progressions: O(1) whatever the job size. */
    w->group = lark_group_strided(0, 1, lark_rt.size);
    s->group = lark_group_strided(lark_rt.rank, 1, 1);
    if (w->group == NULL || s->group == NULL) {
        lark_group_release(w->group);
        lark_group_release(s->group);
        return LARK_ERR_NOMEM;
    }
    w->peers = w->group;
    s->peers = s->group;
    comm_setup(w, LARK_CID_WORLD);
    comm_setup(s, LARK_CID_SELF);
    lark_cid_reset();
    lark_cid_reserve(LARK_CID_WORLD);
    lark_cid_reserve(LARK_CID_SELF);
    w->handle = MPI_COMM_WORLD;
    s->handle = MPI_COMM_SELF;
    w->size = lark_rt.size;
    w->rank = lark_rt.rank;
    s->size = 1;
    s->rank = 0;
    w->predefined = s->predefined = true;
    strcpy(w->name, "MPI_COMM_WORLD");
    strcpy(s->name, "MPI_COMM_SELF");
    w->errhandler = s->errhandler = &lark_errhandler_fatal;
    return LARK_OK;
}

static void comm_free_parts(struct lark_comm *c)
{
    if (c->destroy_hook != NULL)
        c->destroy_hook(c);
    c->destroy_hook = NULL;
    lark_bsend_comm_gone(c); /* its MPI_Comm_attach_buffer record, if any */
    lark_topo_free(c->topo);
    c->topo = NULL;
    lark_info_free(c->info);
    c->info = NULL;
    if (c->local != NULL)
        lark_comm_release(c->local);
    c->local = NULL;
    lark_group_release(c->group);
    lark_group_release(c->remote);
    c->group = c->remote = c->peers = NULL;
    if (c->errhandler != NULL)
        lark_errhandler_release(c->errhandler);
    c->errhandler = &lark_errhandler_fatal;
}

void lark_comm_finalize(void)
{
    struct lark_comm *cs[2] = {&lark_comm_world, &lark_comm_self};
    for (int i = 0; i < 2; i++) {
        comm_free_parts(cs[i]);
        cs[i]->magic = 0;
    }
}

struct lark_comm *lark_comm_from_handle(MPI_Comm h)
{
    struct lark_comm *c;
    if (h == MPI_COMM_WORLD)
        c = &lark_comm_world;
    else if (h == MPI_COMM_SELF)
        c = &lark_comm_self;
    else if (!lark_handle_valid(LARK_HANDLE_COMM, h))
        return NULL; /* MPI_COMM_NULL, garbage, or not one of ours */
    else
        c = (struct lark_comm *)h;
    return c->magic == LARK_COMM_MAGIC ? c : NULL;
}

int lark_comm_create(struct lark_group *group, struct lark_group *remote, uint32_t cid,
                     struct lark_comm **out)
{
    if (group == NULL || group->size <= 0 || group->rank == MPI_UNDEFINED || cid >= LARK_CID_MAX)
        return LARK_ERR_ARG;
    /* Freed by lark_comm_release when the last reference goes. */
    struct lark_comm *c = lark_handle_alloc(LARK_HANDLE_COMM, sizeof *c, true);
    if (c == NULL)
        return LARK_ERR_NOMEM;
    lark_group_retain(group);
    c->group = group;
    if (remote != NULL)
        lark_group_retain(remote);
    c->remote = remote;
    c->peers = remote != NULL ? remote : group;
    comm_setup(c, cid);
    c->handle = (MPI_Comm)c;
    c->size = group->size;
    c->rank = group->rank;
    c->errhandler = lark_comm_world.errhandler;
    lark_errhandler_retain(c->errhandler);
    *out = c;
    return LARK_OK;
}

int lark_comm_create_derived(struct lark_comm *parent, struct lark_group *group, int kind,
                             struct lark_comm **out)
{
    if (kind < 1 || kind > LARK_CTX_DERIVED_KINDS || parent->cid >= LARK_CID_MAX)
        return LARK_ERR_ARG;
    int rc = lark_comm_create(group, NULL, parent->cid, out);
    if (rc != LARK_OK)
        return rc;
    struct lark_comm *c = *out;
    /* Above every agreed id's contexts (< 2 * LARK_CID_MAX), one pair per
     * (parent id, kind): communicators sharing a parent id (the disjoint
     * ones of one MPI_Comm_split) have no member in common. */
    uint32_t base =
        2 * LARK_CID_MAX + 2 * (parent->cid * LARK_CTX_DERIVED_KINDS + (uint32_t)kind - 1);
    c->ctx[LARK_CTX_PT2PT] = base;
    c->ctx[LARK_CTX_COLL] = base + 1;
    c->cid = LARK_CID_NONE; /* lark_cid_release leaves it alone: the id is the parent's */
    c->parent = parent;     /* released before it (its coll state's destroy hook) */
    return LARK_OK;
}

void lark_comm_retain(struct lark_comm *comm)
{
    if (comm->predefined) /* never freed: skip the atomic on every request */
        return;
    __atomic_add_fetch(&comm->refcount, 1, __ATOMIC_RELAXED);
}

void lark_comm_release(struct lark_comm *comm)
{
    if (comm->predefined || __atomic_sub_fetch(&comm->refcount, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    comm_free_parts(comm);
    lark_cid_release(comm->cid);
    comm->magic = 0;
    lark_handle_free(LARK_HANDLE_COMM, comm, sizeof *comm);
}

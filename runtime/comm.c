/*
 * comm.c -- communicator objects: the predefined WORLD and SELF, handle
 * conversion, creation from a list of world ranks, reference counting and
 * the per-process context-id map.  Communicator management calls
 * (MPI_Comm_dup, split, ...) build on lark_comm_create(); see comm.h.
 */
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "comm.h"
#include "error.h"
#include "runtime.h"

struct lark_comm lark_comm_world, lark_comm_self;
static uint64_t cid_map[LARK_CID_MAX / 64];

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
    memset(cid_map, 0, sizeof cid_map);
    struct lark_comm *w = &lark_comm_world, *s = &lark_comm_self;
    memset(w, 0, sizeof *w);
    memset(s, 0, sizeof *s);
    w->world_ranks = malloc(sizeof(int) * (size_t)lark_rt.size);
    s->world_ranks = malloc(sizeof(int));
    if (w->world_ranks == NULL || s->world_ranks == NULL) {
        free(w->world_ranks);
        free(s->world_ranks);
        return LARK_ERR_NOMEM;
    }
    for (int i = 0; i < lark_rt.size; i++)
        w->world_ranks[i] = i;
    s->world_ranks[0] = lark_rt.rank;
    comm_setup(w, LARK_CID_WORLD);
    comm_setup(s, LARK_CID_SELF);
    lark_comm_cid_reserve(LARK_CID_WORLD);
    lark_comm_cid_reserve(LARK_CID_SELF);
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

void lark_comm_finalize(void)
{
    struct lark_comm *cs[2] = {&lark_comm_world, &lark_comm_self};
    for (int i = 0; i < 2; i++) {
        if (cs[i]->destroy_hook != NULL)
            cs[i]->destroy_hook(cs[i]);
        free(cs[i]->world_ranks);
        cs[i]->world_ranks = NULL;
        if (cs[i]->errhandler != NULL)
            lark_errhandler_release(cs[i]->errhandler);
        cs[i]->errhandler = &lark_errhandler_fatal;
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
    else if ((intptr_t)h < 0x1000)
        return NULL;
    else
        c = (struct lark_comm *)h;
    return c->magic == LARK_COMM_MAGIC ? c : NULL;
}

int lark_comm_create(const int *world_ranks, int size, uint32_t cid, struct lark_comm **out)
{
    if (size <= 0 || cid >= LARK_CID_MAX)
        return LARK_ERR_ARG;
    int me = -1;
    for (int i = 0; i < size; i++)
        if (world_ranks[i] == lark_rt.rank)
            me = i;
    if (me < 0)
        return LARK_ERR_ARG;
    /* Freed by lark_comm_release when the last reference goes. */
    struct lark_comm *c = calloc(1, sizeof *c);
    if (c == NULL)
        return LARK_ERR_NOMEM;
    c->world_ranks = malloc(sizeof(int) * (size_t)size);
    if (c->world_ranks == NULL) {
        free(c);
        return LARK_ERR_NOMEM;
    }
    memcpy(c->world_ranks, world_ranks, sizeof(int) * (size_t)size);
    comm_setup(c, cid);
    c->handle = (MPI_Comm)c;
    c->size = size;
    c->rank = me;
    c->errhandler = lark_comm_world.errhandler;
    lark_errhandler_retain(c->errhandler);
    *out = c;
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
    if (comm->destroy_hook != NULL)
        comm->destroy_hook(comm);
    lark_comm_cid_release(comm->cid);
    lark_errhandler_release(comm->errhandler);
    free(comm->world_ranks);
    comm->magic = 0;
    free(comm);
}

int lark_comm_cid_reserve(uint32_t cid)
{
    if (cid >= LARK_CID_MAX)
        return LARK_ERR_ARG;
    uint64_t bit = UINT64_C(1) << (cid % 64);
    if (cid_map[cid / 64] & bit)
        return LARK_ERR_AGAIN;
    cid_map[cid / 64] |= bit;
    return LARK_OK;
}

void lark_comm_cid_release(uint32_t cid)
{
    if (cid < LARK_CID_MAX)
        cid_map[cid / 64] &= ~(UINT64_C(1) << (cid % 64));
}

const uint64_t *lark_comm_cid_bitmap(void)
{
    return cid_map;
}

/*
 * comm_create.c (api) -- making and unmaking communicators: MPI_Comm_dup,
 * MPI_Comm_split, MPI_Comm_free, and the name and comparison queries.
 *
 * A new communicator needs a context id that no member uses yet: the
 * members AND their bitmaps of free ids with an allreduce over the parent
 * (in the parent's collective context) and take the lowest id free at all
 * of them.  Disjoint communicators made by one MPI_Comm_split share an id,
 * which is safe: they have no member in common, so no message can be
 * matched in the wrong one.
 *
 * Known limit: two threads of one process creating communicators at the
 * same time (MPI_THREAD_MULTIPLE) may race on the bitmap; the agreement is
 * not yet serialised per process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coll/coll.h"
#include "comm.h"
#include "error.h"
#include "runtime.h"

static int enter(const char *call, MPI_Comm comm, struct lark_comm **c)
{
    if (!lark_initialized())
        return lark_err_raise(NULL, call, MPI_ERR_OTHER,
                              "called before MPI_Init or after MPI_Finalize");
    *c = lark_comm_from_handle(comm);
    if (*c == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_COMM, "the communicator is not valid");
    return MPI_SUCCESS;
}

/* Agree with every member of parent on a context id free at all of them.
 * With `take`, reserve it here (ranks that get MPI_COMM_NULL from a split
 * take part but reserve nothing). */
static int cid_agree(struct lark_comm *parent, bool take, uint32_t *cid)
{
    enum { WORDS = LARK_CID_MAX / 64 };
    uint64_t free_ids[WORDS];
    lark_lock();
    const uint64_t *used = lark_comm_cid_bitmap();
    for (int i = 0; i < WORDS; i++)
        free_ids[i] = ~used[i];
    lark_unlock();
    struct lark_reduction red = {MPI_BAND, MPI_UINT64_T, WORDS, sizeof free_ids, 1};
    int rc = lark_coll_allreduce(free_ids, &red, parent);
    if (rc != 0)
        return rc;
    for (int i = 0; i < WORDS; i++) {
        if (free_ids[i] == 0)
            continue;
        *cid = (uint32_t)(i * 64 + __builtin_ctzll(free_ids[i]));
        if (!take)
            return 0;
        lark_lock();
        rc = lark_comm_cid_reserve(*cid);
        lark_unlock();
        return rc;
    }
    return LARK_ERR_NOMEM; /* every context id is in use somewhere */
}

/* Make the communicator of world_ranks with a fresh id, inheriting the
 * parent's error handler. */
static int make_comm(struct lark_comm *parent, const int *world_ranks, int size, uint32_t cid,
                     struct lark_comm **out)
{
    lark_lock();
    int rc = lark_comm_create(world_ranks, size, cid, out);
    if (rc == 0 && (*out)->errhandler != parent->errhandler) {
        lark_errhandler_release((*out)->errhandler);
        lark_errhandler_retain(parent->errhandler);
        (*out)->errhandler = parent->errhandler;
    }
    if (rc != 0)
        lark_comm_cid_release(cid);
    lark_unlock();
    return rc;
}

int PMPI_Comm_dup(MPI_Comm comm, MPI_Comm *newcomm)
{
    static const char call[] = "MPI_Comm_dup";
    struct lark_comm *c, *n;
    uint32_t cid;
    int err = enter(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (newcomm == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "newcomm (the output argument) is NULL");
    int rc = cid_agree(c, true, &cid);
    if (rc == 0)
        rc = make_comm(c, c->world_ranks, c->size, cid, &n);
    if (rc != 0)
        return lark_err_raise(c, call, rc == LARK_ERR_NOMEM ? MPI_ERR_NO_MEM : rc,
                              "could not create the new communicator");
    *newcomm = lark_comm_to_handle(n);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_dup)

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

int PMPI_Comm_split(MPI_Comm comm, int color, int key, MPI_Comm *newcomm)
{
    static const char call[] = "MPI_Comm_split";
    struct lark_comm *c, *n = NULL;
    uint32_t cid;
    int err = enter(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (newcomm == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "newcomm (the output argument) is NULL");
    if (color < 0 && color != MPI_UNDEFINED)
        return lark_err_raise(c, call, MPI_ERR_ARG,
                              "color %d is negative (use MPI_UNDEFINED to opt out)", color);

    /* Everyone learns everyone's (color, key). */
    int size = c->size;
    struct split_entry *all = malloc((size_t)size * sizeof *all);
    int *members = malloc((size_t)size * sizeof *members);
    if (all == NULL || members == NULL) {
        free(all);
        free(members);
        return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
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
            members[i] = c->world_ranks[all[i].rank];
    }
    if (rc == 0)
        rc = cid_agree(c, color != MPI_UNDEFINED, &cid);
    if (rc == 0 && color != MPI_UNDEFINED)
        rc = make_comm(c, members, count, cid, &n);
    free(all);
    free(members);
    if (rc != 0)
        return lark_err_raise(c, call, rc == LARK_ERR_NOMEM ? MPI_ERR_NO_MEM : rc,
                              "could not create the new communicator");
    *newcomm = color == MPI_UNDEFINED ? MPI_COMM_NULL : lark_comm_to_handle(n);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_split)

int PMPI_Comm_free(MPI_Comm *comm)
{
    static const char call[] = "MPI_Comm_free";
    struct lark_comm *c;
    if (comm == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "comm is NULL");
    int err = enter(call, *comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (c->predefined)
        return lark_err_raise(c, call, MPI_ERR_COMM,
                              "MPI_COMM_WORLD and MPI_COMM_SELF cannot be freed");
    lark_lock();
    lark_comm_release(c);
    lark_unlock();
    *comm = MPI_COMM_NULL;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_free)

int PMPI_Comm_compare(MPI_Comm comm1, MPI_Comm comm2, int *result)
{
    static const char call[] = "MPI_Comm_compare";
    struct lark_comm *a, *b;
    int err = enter(call, comm1, &a);
    if (err == MPI_SUCCESS)
        err = enter(call, comm2, &b);
    if (err != MPI_SUCCESS)
        return err;
    if (result == NULL)
        return lark_err_raise(a, call, MPI_ERR_ARG, "result (the output argument) is NULL");
    if (a == b) {
        *result = MPI_IDENT;
        return MPI_SUCCESS;
    }
    if (a->size != b->size) {
        *result = MPI_UNEQUAL;
        return MPI_SUCCESS;
    }
    bool same_order = memcmp(a->world_ranks, b->world_ranks, (size_t)a->size * sizeof(int)) == 0;
    if (same_order) {
        *result = MPI_CONGRUENT;
        return MPI_SUCCESS;
    }
    /* Same members in another order?  Every member of a is in b. */
    *result = MPI_SIMILAR;
    for (int i = 0; i < a->size && *result == MPI_SIMILAR; i++) {
        bool found = false;
        for (int j = 0; j < b->size && !found; j++)
            found = a->world_ranks[i] == b->world_ranks[j];
        if (!found)
            *result = MPI_UNEQUAL;
    }
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_compare)

int PMPI_Comm_set_name(MPI_Comm comm, const char *name)
{
    static const char call[] = "MPI_Comm_set_name";
    struct lark_comm *c;
    int err = enter(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (name == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "name is NULL");
    /* Longer names are truncated, as the standard allows. */
    lark_lock();
    snprintf(c->name, sizeof c->name, "%s", name);
    lark_unlock();
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_set_name)

int PMPI_Comm_get_name(MPI_Comm comm, char *name, int *resultlen)
{
    static const char call[] = "MPI_Comm_get_name";
    struct lark_comm *c;
    int err = enter(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (name == NULL || resultlen == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "name or resultlen is NULL");
    lark_lock();
    *resultlen = snprintf(name, MPI_MAX_OBJECT_NAME, "%s", c->name);
    lark_unlock();
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_get_name)

/*
 * comm_basic.c -- the local communicator queries and settings:
 * MPI_Comm_rank/size, remote size, test_inter, compare, names and info
 * hints.  No communication.
 */
#include <stdio.h>
#include <string.h>

#include "lark.h"
#include "check.h"
#include "comm.h"
#include "error.h"
#include "info.h"
#include "runtime.h"

static int out_int(const char *call, MPI_Comm comm, int *out, int which)
{
    struct lark_comm *c;
    int err = lark_check_comm(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (out == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "the output argument is NULL");
    switch (which) {
    case 0:
        *out = c->rank;
        break;
    case 1:
        *out = c->size;
        break;
    case 2:
        if (c->remote == NULL)
            return lark_err_raise(c, call, MPI_ERR_COMM,
                                  "the communicator is not an intercommunicator");
        *out = c->remote->size;
        break;
    default:
        *out = c->remote != NULL;
    }
    return MPI_SUCCESS;
}

int PMPI_Comm_rank(MPI_Comm comm, int *rank)
{
    return out_int("MPI_Comm_rank", comm, rank, 0);
}
LARK_API_ALIAS(Comm_rank)

int PMPI_Comm_size(MPI_Comm comm, int *size)
{
    return out_int("MPI_Comm_size", comm, size, 1);
}
LARK_API_ALIAS(Comm_size)

int PMPI_Comm_remote_size(MPI_Comm comm, int *size)
{
    return out_int("MPI_Comm_remote_size", comm, size, 2);
}
LARK_API_ALIAS(Comm_remote_size)

int PMPI_Comm_test_inter(MPI_Comm comm, int *flag)
{
    return out_int("MPI_Comm_test_inter", comm, flag, 3);
}
LARK_API_ALIAS(Comm_test_inter)

int PMPI_Comm_compare(MPI_Comm comm1, MPI_Comm comm2, int *result)
{
    static const char call[] = "MPI_Comm_compare";
    struct lark_comm *a, *b;
    int err = lark_check_comm(call, comm1, &a);
    if (err == MPI_SUCCESS)
        err = lark_check_comm(call, comm2, &b);
    if (err != MPI_SUCCESS)
        return err;
    if (result == NULL)
        return lark_err_raise(a, call, MPI_ERR_ARG, "result (the output argument) is NULL");
    if (a == b) {
        *result = MPI_IDENT;
        return MPI_SUCCESS;
    }
    if ((a->remote == NULL) != (b->remote == NULL)) {
        *result = MPI_UNEQUAL;
        return MPI_SUCCESS;
    }
    int r = lark_group_compare(a->group, b->group);
    if (r >= 0 && a->remote != NULL) {
        int rr = lark_group_compare(a->remote, b->remote);
        r = rr < 0 ? rr : (rr > r ? rr : r); /* the weaker of the two */
    }
    if (r < 0)
        return lark_err_raise(a, call, r, "out of memory");
    /* Same groups in the same order, but two communicators: congruent. */
    *result = r == MPI_IDENT ? MPI_CONGRUENT : r;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_compare)

int PMPI_Comm_set_name(MPI_Comm comm, const char *name)
{
    static const char call[] = "MPI_Comm_set_name";
    struct lark_comm *c;
    int err = lark_check_comm(call, comm, &c);
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
    int err = lark_check_comm(call, comm, &c);
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

int PMPI_Comm_set_info(MPI_Comm comm, MPI_Info info)
{
    static const char call[] = "MPI_Comm_set_info";
    struct lark_comm *c;
    int err = lark_check_comm(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    struct lark_info *i = lark_info_from_handle(info);
    if (i == NULL)
        return lark_err_raise(c, call, MPI_ERR_INFO, "the info object is not valid");
    /* Lark acts on no communicator hint yet; it keeps them all, so that
     * MPI_Comm_get_info and MPI_Comm_dup return what was set. */
    lark_lock();
    if (c->info == NULL)
        c->info = lark_info_new();
    int rc = c->info != NULL ? LARK_OK : LARK_ERR_NOMEM;
    for (int k = 0; rc == LARK_OK && k < i->nkeys; k++)
        rc = lark_info_set(c->info, i->kv[k].key, i->kv[k].value);
    lark_unlock();
    if (rc != LARK_OK)
        return lark_err_raise(c, call, rc, "out of memory");
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_set_info)

int PMPI_Comm_get_info(MPI_Comm comm, MPI_Info *info_used)
{
    static const char call[] = "MPI_Comm_get_info";
    struct lark_comm *c;
    int err = lark_check_comm(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (info_used == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "info_used is NULL");
    lark_lock();
    struct lark_info *n = lark_info_dup(c->info);
    lark_unlock();
    if (n == NULL)
        return lark_err_raise(c, call, MPI_ERR_NO_MEM, "out of memory");
    *info_used = lark_info_to_handle(n);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_get_info)

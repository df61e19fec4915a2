/*
 * attrs.c -- attributes on communicators: predefined ones (MPI_TAG_UB,
 * MPI_HOST, MPI_IO, MPI_WTIME_IS_GLOBAL, MPI_APPNUM, MPI_UNIVERSE_SIZE),
 * copy callbacks at MPI_Comm_dup in the order the attributes were set,
 * delete callbacks at MPI_Comm_free and at MPI_Finalize (MPI_COMM_SELF's
 * first), MPI_COMM_DUP_FN / NULL_COPY_FN, a copy callback that fails the
 * dup, replacing and deleting values, freed keyvals, and the deprecated
 * MPI-1 names.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int wrank;
#define TEST_NAME "attrs"
#include "check.h"

static int trace[64], ntrace;

static int copy_cb(MPI_Comm old, int keyval, void *extra, void *in, void *out, int *flag)
{
    (void)old;
    trace[ntrace++] = keyval;
    if (extra == (void *)2)
        return MPI_ERR_OTHER;
    *(void **)out = (void *)((intptr_t)in + 1);
    *flag = 1;
    return MPI_SUCCESS;
}

static int delete_cb(MPI_Comm comm, int keyval, void *value, void *extra)
{
    (void)comm;
    (void)value;
    (void)extra;
    trace[ntrace++] = -keyval;
    return MPI_SUCCESS;
}

static int self_deleted;
static int finalize_cb(MPI_Comm comm, int keyval, void *value, void *extra)
{
    (void)keyval;
    (void)value;
    (void)extra;
    int flag;
    MPI_Finalized(&flag); /* MPI still works here */
    if (comm == MPI_COMM_SELF && !flag)
        self_deleted++;
    return MPI_SUCCESS;
}

static void predefined(void)
{
    int *v, flag, size;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &v, &flag);
    CHECK(flag && *v >= 32767, "MPI_TAG_UB %d", flag ? *v : -1);
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_HOST, &v, &flag);
    CHECK(flag && (*v == MPI_PROC_NULL || (*v >= 0 && *v < size)), "MPI_HOST");
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_IO, &v, &flag);
    CHECK(flag && (*v == MPI_ANY_SOURCE || *v == MPI_PROC_NULL || (*v >= 0 && *v < size)),
          "MPI_IO");
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_WTIME_IS_GLOBAL, &v, &flag);
    CHECK(!flag || *v == 0 || *v == 1, "MPI_WTIME_IS_GLOBAL");
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_APPNUM, &v, &flag);
    CHECK(!flag || *v == 0, "MPI_APPNUM %d", *v);
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_UNIVERSE_SIZE, &v, &flag);
    CHECK(!flag || *v > 0, "MPI_UNIVERSE_SIZE %d", *v); /* Open MPI: the slots */
    int rc = MPI_Comm_set_attr(MPI_COMM_WORLD, MPI_TAG_UB, NULL), cls;
    MPI_Error_class(rc, &cls);
#ifdef OPEN_MPI
    CHECK(rc != MPI_SUCCESS, "setting MPI_TAG_UB succeeded");
#else
    CHECK(cls == MPI_ERR_KEYVAL, "setting MPI_TAG_UB gave class %d", cls);
#endif
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    predefined();

    int k1, k2, k3, kdup, knull, kbad;
    MPI_Comm_create_keyval(copy_cb, delete_cb, &k1, NULL);
    MPI_Comm_create_keyval(copy_cb, delete_cb, &k2, NULL);
    MPI_Comm_create_keyval(copy_cb, delete_cb, &k3, NULL);
    MPI_Comm_create_keyval(MPI_COMM_DUP_FN, MPI_COMM_NULL_DELETE_FN, &kdup, NULL);
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, delete_cb, &knull, NULL);
    MPI_Comm_create_keyval(copy_cb, delete_cb, &kbad, (void *)2);

    MPI_Comm a, b;
    MPI_Comm_dup(MPI_COMM_WORLD, &a);
    MPI_Comm_set_attr(a, k2, (void *)20);
    MPI_Comm_set_attr(a, k1, (void *)10);
    MPI_Comm_set_attr(a, k3, (void *)30);
    MPI_Comm_set_attr(a, kdup, (void *)40);
    MPI_Comm_set_attr(a, knull, (void *)50);

    ntrace = 0;
    MPI_Comm_dup(a, &b);
    /* Copy callbacks in the order the attributes were set (the standard
     * leaves the order open: Open MPI goes by keyval). */
    CHECK(ntrace == 3, "%d copy callbacks", ntrace);
#ifndef OPEN_MPI
    CHECK(trace[0] == k2 && trace[1] == k1 && trace[2] == k3, "copy order: %d %d %d", trace[0],
          trace[1], trace[2]);
#endif
    void *v;
    int flag;
    MPI_Comm_get_attr(b, k1, &v, &flag);
    CHECK(flag && v == (void *)11, "copied k1 = %p", v);
    MPI_Comm_get_attr(b, kdup, &v, &flag);
    CHECK(flag && v == (void *)40, "MPI_COMM_DUP_FN copied %p", v);
    MPI_Comm_get_attr(b, knull, &v, &flag);
    CHECK(!flag, "MPI_COMM_NULL_COPY_FN copied the attribute");

    /* Replace: the old value's delete callback runs. */
    ntrace = 0;
    MPI_Comm_set_attr(b, k1, (void *)99);
    CHECK(ntrace == 1 && trace[0] == -k1, "replace: %d calls", ntrace);
    ntrace = 0;
    MPI_Comm_delete_attr(b, k3);
    CHECK(ntrace == 1 && trace[0] == -k3, "delete: %d calls", ntrace);
    MPI_Comm_get_attr(b, k3, &v, &flag);
    CHECK(!flag, "deleted attribute still there");

    /* Free: delete callbacks, the newest attribute first. */
    ntrace = 0;
    MPI_Comm_free(&a);
    CHECK(ntrace == 4, "%d delete callbacks", ntrace);
#ifndef OPEN_MPI
    CHECK(trace[0] == -knull && trace[1] == -k3 && trace[2] == -k1 && trace[3] == -k2,
          "free order: %d %d %d %d", trace[0], trace[1], trace[2], trace[3]);
#endif

    /* A failing copy callback fails the dup. */
    MPI_Comm_set_attr(b, kbad, (void *)1);
    MPI_Comm c = MPI_COMM_NULL;
    int rc = MPI_Comm_dup(b, &c);
    CHECK(rc != MPI_SUCCESS, "dup succeeded although a copy callback failed");
    MPI_Comm_delete_attr(b, kbad);

    /* A freed keyval: its attributes stay until deleted; new sets fail. */
    MPI_Comm_free_keyval(&k1);
    CHECK(k1 == MPI_KEYVAL_INVALID, "Comm_free_keyval did not reset the keyval");
    MPI_Comm_free(&b);

    /* The deprecated names. */
    int old;
    MPI_Keyval_create(MPI_DUP_FN, MPI_NULL_DELETE_FN, &old, NULL);
    MPI_Attr_put(MPI_COMM_WORLD, old, (void *)7);
    MPI_Attr_get(MPI_COMM_WORLD, old, &v, &flag);
    CHECK(flag && v == (void *)7, "Attr_get %p", v);
    MPI_Attr_delete(MPI_COMM_WORLD, old);
    MPI_Keyval_free(&old);

    /* At MPI_Finalize, MPI_COMM_SELF's attributes are deleted first, while
     * MPI still works. */
    int kfin;
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, finalize_cb, &kfin, NULL);
    MPI_Comm_set_attr(MPI_COMM_SELF, kfin, NULL);
    MPI_Finalize();
    if (self_deleted != 1) {
        fprintf(stderr, "attrs: rank %d: the MPI_COMM_SELF attribute was deleted %d times\n", wrank,
                self_deleted);
        return 1;
    }
    return 0;
}

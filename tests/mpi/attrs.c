/*
 * attrs.c -- attributes on communicators: predefined ones (MPI_TAG_UB,
 * MPI_HOST, MPI_IO, MPI_WTIME_IS_GLOBAL, MPI_APPNUM, MPI_UNIVERSE_SIZE),
 * copy callbacks at MPI_Comm_dup in the order the attributes were set,
 * delete callbacks at MPI_Comm_free and at MPI_Finalize (MPI_COMM_SELF's
 * first), MPI_COMM_DUP_FN / NULL_COPY_FN, a copy callback that fails the
 * dup (newcomm becomes MPI_COMM_NULL), replacing and deleting values,
 * freed keyvals, and the deprecated MPI-1 names.  Then attributes on
 * windows: user keyvals beside the predefined MPI_WIN_* ones, delete
 * callbacks at MPI_Win_free (newest first), and the errors for predefined
 * or other-kind keyvals; and on datatypes: copied by MPI_Type_dup, deleted
 * by MPI_Type_free, on a predefined type too.
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

/* What MPI_Finalize deleted while MPI still worked, in order: the values
 * (SELF's 2, 3, 4, then WORLD's 10, then MPI_INT's 100). */
static int fin_trace[16], nfin;
static int finalize_cb(MPI_Comm comm, int keyval, void *value, void *extra)
{
    (void)keyval;
    (void)extra;
    int flag, v = (int)(intptr_t)value;
    MPI_Finalized(&flag); /* MPI still works here */
    if (!flag && nfin < 16 && (v < 10 ? comm == MPI_COMM_SELF : comm == MPI_COMM_WORLD))
        fin_trace[nfin++] = v;
    return MPI_SUCCESS;
}
static int type_finalize_cb(MPI_Datatype type, int keyval, void *value, void *extra)
{
    (void)keyval;
    (void)extra;
    int flag;
    MPI_Finalized(&flag);
    if (!flag && nfin < 16 && type == MPI_INT)
        fin_trace[nfin++] = (int)(intptr_t)value;
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

static int win_trace[8], nwin_trace, fail_deletes;
static MPI_Win traced_win;

static int win_delete_cb(MPI_Win win, int keyval, void *value, void *extra)
{
    (void)extra;
    CHECK(win == traced_win, "window delete callback got another window");
    (void)value;
    win_trace[nwin_trace++] = keyval;
    return fail_deletes ? MPI_ERR_OTHER : MPI_SUCCESS;
}

static void windows(int comm_keyval)
{
    int buf[4], kw1, kw2, kdup, flag, cls;
    MPI_Win win;
    MPI_Win_create(buf, sizeof buf, sizeof buf[0], MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN);
    traced_win = win;
    MPI_Win_create_keyval(MPI_WIN_NULL_COPY_FN, win_delete_cb, &kw1, NULL);
    MPI_Win_create_keyval(MPI_WIN_DUP_FN, win_delete_cb, &kw2, NULL);
    MPI_Win_create_keyval(MPI_WIN_NULL_COPY_FN, MPI_WIN_NULL_DELETE_FN, &kdup, NULL);
    void *v = NULL;
    MPI_Win_get_attr(win, kw1, &v, &flag);
    CHECK(!flag, "an unset window attribute was found");
    MPI_Win_set_attr(win, kw1, (void *)1);
    MPI_Win_set_attr(win, kw2, (void *)2);
    MPI_Win_set_attr(win, kdup, (void *)3);
    MPI_Win_get_attr(win, kw2, &v, &flag);
    CHECK(flag && v == (void *)2, "window attribute kw2 = %p (flag %d)", v, flag);
    int *unit;
    MPI_Win_get_attr(win, MPI_WIN_DISP_UNIT, &unit, &flag);
    CHECK(flag && *unit == (int)sizeof buf[0], "MPI_WIN_DISP_UNIT beside user attributes");
    /* Replacing runs the old value's delete callback. */
    nwin_trace = 0;
    MPI_Win_set_attr(win, kw1, (void *)11);
    CHECK(nwin_trace == 1 && win_trace[0] == kw1, "replace: %d window callbacks", nwin_trace);
    nwin_trace = 0;
    MPI_Win_delete_attr(win, kdup);
    MPI_Win_get_attr(win, kdup, &v, &flag);
    CHECK(!flag && nwin_trace == 0, "deleted window attribute still there");
    /* Errors: predefined keyvals cannot be set or deleted; a communicator
     * keyval is not a window keyval. */
    int rc = MPI_Win_set_attr(win, MPI_WIN_BASE, NULL);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_KEYVAL, "setting MPI_WIN_BASE gave class %d", cls);
    rc = MPI_Win_delete_attr(win, MPI_WIN_SIZE);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_KEYVAL, "deleting MPI_WIN_SIZE gave class %d", cls);
    rc = MPI_Win_set_attr(win, comm_keyval, NULL);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_KEYVAL, "a communicator keyval on a window gave class %d", cls);
    rc = MPI_Comm_set_attr(MPI_COMM_WORLD, kw1, NULL);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_KEYVAL, "a window keyval on a communicator gave class %d", cls);
    MPI_Win_free_keyval(&kdup);
    CHECK(kdup == MPI_KEYVAL_INVALID, "Win_free_keyval did not reset the keyval");
    rc = MPI_Win_free_keyval(&kdup);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_KEYVAL, "freeing MPI_KEYVAL_INVALID gave class %d", cls);
    /* A delete callback that fails keeps the window alive. */
    fail_deletes = 1;
    rc = MPI_Win_free(&win);
    fail_deletes = 0;
    CHECK(rc != MPI_SUCCESS && win != MPI_WIN_NULL, "MPI_Win_free ignored a failing callback");
    /* Free: delete callbacks newest first (kw1 was set first and replaced
     * in place, so it stays first). */
    nwin_trace = 0;
    MPI_Win_free(&win);
    CHECK(win == MPI_WIN_NULL, "MPI_Win_free did not reset the handle");
    CHECK(nwin_trace == 2 && win_trace[0] == kw2 && win_trace[1] == kw1,
          "window free: %d delete callbacks", nwin_trace);
    MPI_Win_free_keyval(&kw1);
    MPI_Win_free_keyval(&kw2);
}

static int type_trace[8], ntype_trace;

static int type_copy_cb(MPI_Datatype old, int keyval, void *extra, void *in, void *out, int *flag)
{
    (void)old;
    type_trace[ntype_trace++] = keyval;
    if (extra == (void *)2)
        return MPI_ERR_OTHER;
    *(void **)out = (void *)((intptr_t)in * 10);
    *flag = 1;
    return MPI_SUCCESS;
}

static int type_delete_cb(MPI_Datatype type, int keyval, void *value, void *extra)
{
    (void)type;
    (void)value;
    (void)extra;
    type_trace[ntype_trace++] = -keyval;
    return MPI_SUCCESS;
}

static void datatypes(int comm_keyval)
{
    int kt, kbad, kdup, flag, cls;
    MPI_Type_create_keyval(type_copy_cb, type_delete_cb, &kt, NULL);
    MPI_Type_create_keyval(type_copy_cb, type_delete_cb, &kbad, (void *)2);
    MPI_Type_create_keyval(MPI_TYPE_DUP_FN, MPI_TYPE_NULL_DELETE_FN, &kdup, NULL);
    MPI_Datatype pair, copy;
    MPI_Type_contiguous(2, MPI_INT, &pair);
    MPI_Type_commit(&pair);
    MPI_Type_set_attr(pair, kt, (void *)3);
    MPI_Type_set_attr(pair, kdup, (void *)4);
    ntype_trace = 0;
    MPI_Type_dup(pair, &copy);
    CHECK(ntype_trace == 1 && type_trace[0] == kt, "Type_dup ran %d copy callbacks", ntype_trace);
    void *v = NULL;
    MPI_Type_get_attr(copy, kt, &v, &flag);
    CHECK(flag && v == (void *)30, "copied type attribute %p", v);
    MPI_Type_get_attr(copy, kdup, &v, &flag);
    CHECK(flag && v == (void *)4, "MPI_TYPE_DUP_FN copied %p", v);
    /* The copy is a working type. */
    int in[2] = {7, 8}, out[2] = {0, 0};
    MPI_Sendrecv(in, 1, copy, wrank, 0, out, 1, copy, wrank, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    CHECK(out[0] == 7 && out[1] == 8, "the duplicated type moved %d %d", out[0], out[1]);
    ntype_trace = 0;
    MPI_Type_free(&copy);
    CHECK(ntype_trace == 1 && type_trace[0] == -kt, "Type_free ran %d delete callbacks",
          ntype_trace);
    /* A failing copy callback fails the dup. */
    MPI_Type_set_attr(pair, kbad, (void *)1);
    copy = MPI_DATATYPE_NULL;
    int rc = MPI_Type_dup(pair, &copy);
    CHECK(rc != MPI_SUCCESS && copy == MPI_DATATYPE_NULL, "Type_dup ignored a failing copy");
    MPI_Type_delete_attr(pair, kbad);
    /* Predefined types carry attributes too. */
    MPI_Type_set_attr(MPI_INT, kt, (void *)5);
    MPI_Type_get_attr(MPI_INT, kt, &v, &flag);
    CHECK(flag && v == (void *)5, "attribute on MPI_INT %p", v);
    ntype_trace = 0;
    MPI_Type_delete_attr(MPI_INT, kt);
    MPI_Type_get_attr(MPI_INT, kt, &v, &flag);
    CHECK(!flag && ntype_trace == 1, "deleting from MPI_INT");
    /* Keyvals of another kind, and a null type. */
    rc = MPI_Type_set_attr(pair, comm_keyval, NULL);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_KEYVAL, "a communicator keyval on a type gave class %d", cls);
    rc = MPI_Type_get_attr(MPI_DATATYPE_NULL, kt, &v, &flag);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_TYPE, "MPI_DATATYPE_NULL gave class %d", cls);
    ntype_trace = 0;
    MPI_Type_free(&pair);
    CHECK(ntype_trace == 1 && type_trace[0] == -kt, "freeing the type ran %d callbacks",
          ntype_trace);
    MPI_Type_free_keyval(&kt);
    MPI_Type_free_keyval(&kbad);
    MPI_Type_free_keyval(&kdup);
    CHECK(kt == MPI_KEYVAL_INVALID, "Type_free_keyval did not reset the keyval");
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
    MPI_Comm c = MPI_COMM_WORLD; /* not NULL: the failed dup must write MPI_COMM_NULL */
    int rc = MPI_Comm_dup(b, &c);
    CHECK(rc != MPI_SUCCESS, "dup succeeded although a copy callback failed");
#ifndef OPEN_MPI /* not checked against Open MPI */
    CHECK(c == MPI_COMM_NULL, "a failed dup left newcomm unchanged, not MPI_COMM_NULL");
    c = MPI_COMM_WORLD;
    rc = MPI_Comm_dup_with_info(b, MPI_INFO_NULL, &c);
    CHECK(rc != MPI_SUCCESS && c == MPI_COMM_NULL, "failed dup_with_info: rc %d, newcomm not NULL",
          rc);
#endif
    MPI_Comm_delete_attr(b, kbad);

    /* A freed keyval: its attributes stay until deleted; new sets fail. */
    MPI_Comm_free_keyval(&k1);
    CHECK(k1 == MPI_KEYVAL_INVALID, "Comm_free_keyval did not reset the keyval");
    MPI_Comm_free(&b);

    windows(k2);
    datatypes(k2);

    /* The deprecated names. */
    int old;
    MPI_Keyval_create(MPI_DUP_FN, MPI_NULL_DELETE_FN, &old, NULL);
    MPI_Attr_put(MPI_COMM_WORLD, old, (void *)7);
    MPI_Attr_get(MPI_COMM_WORLD, old, &v, &flag);
    CHECK(flag && v == (void *)7, "Attr_get %p", v);
    MPI_Attr_delete(MPI_COMM_WORLD, old);
    MPI_Keyval_free(&old);

    /* At MPI_Finalize, MPI_COMM_SELF's attributes are deleted first, while
     * MPI still works, in the reverse order they were set (first set, for
     * one set again: as MPICH; Open MPI counts the last set), then
     * MPI_COMM_WORLD's, then those of predefined datatypes (as MPICH;
     * Open MPI leaves them). */
    int ka, kb, kc, kt;
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, finalize_cb, &ka, NULL);
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, finalize_cb, &kb, NULL);
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, finalize_cb, &kc, NULL);
    MPI_Type_create_keyval(MPI_TYPE_NULL_COPY_FN, type_finalize_cb, &kt, NULL);
    MPI_Comm_set_attr(MPI_COMM_SELF, ka, (void *)1);
    MPI_Comm_set_attr(MPI_COMM_SELF, kb, (void *)2);
    MPI_Comm_set_attr(MPI_COMM_SELF, kc, (void *)3);
    MPI_Comm_set_attr(MPI_COMM_SELF, ka, (void *)4); /* 1 is deleted now */
    MPI_Comm_set_attr(MPI_COMM_WORLD, ka, (void *)10);
    MPI_Type_set_attr(MPI_INT, kt, (void *)100);
    CHECK(nfin == 1 && fin_trace[0] == 1, "replacing deleted %d values", nfin);
    nfin = 0;
    MPI_Finalize();
#ifdef OPEN_MPI
    static const int want[] = {4, 3, 2, 10};
#else
    static const int want[] = {3, 2, 4, 10, 100};
#endif
    int nwant = (int)(sizeof want / sizeof want[0]), bad = nfin != nwant;
    for (int i = 0; !bad && i < nfin; i++)
        bad = fin_trace[i] != want[i];
    if (bad) {
        fprintf(stderr, "attrs: rank %d: MPI_Finalize deleted %d attributes:", wrank, nfin);
        for (int i = 0; i < nfin; i++)
            fprintf(stderr, " %d", fin_trace[i]);
        fprintf(stderr, " (want");
        for (int i = 0; i < nwant; i++)
            fprintf(stderr, " %d", want[i]);
        fprintf(stderr, ")\n");
        return 1;
    }
    return 0;
}

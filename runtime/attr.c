/*
 * attr.c -- keyvals and attribute lists (attr.h).
 */
#include <pthread.h>
#include <stdlib.h>

#include "attr.h"

#define KEYVAL_FIRST 1024 /* above every predefined keyval */

struct keyval {
    enum lark_attr_kind kind;
    lark_attr_copy_fn *copy;
    lark_attr_delete_fn *del;
    void *extra;
    int refs;   /* 1 for the user until freed, +1 per attribute using it */
    bool freed; /* MPI_*_free_keyval was called */
};

struct attr {
    struct attr *next; /* in the order attributes were first set */
    int keyval;
    void *value;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct keyval **keyvals; /* keyvals[k - KEYVAL_FIRST]; entries freed at refs 0 */
static int nkeyvals, capkeyvals;

bool lark_attr_predefined(enum lark_attr_kind kind, int keyval)
{
    if (kind == LARK_ATTR_COMM)
        return keyval == MPI_TAG_UB || keyval == MPI_HOST || keyval == MPI_IO ||
               keyval == MPI_WTIME_IS_GLOBAL || keyval == MPI_APPNUM ||
               keyval == MPI_LASTUSEDCODE || keyval == MPI_UNIVERSE_SIZE;
    if (kind == LARK_ATTR_WIN)
        return keyval == MPI_WIN_BASE || keyval == MPI_WIN_SIZE || keyval == MPI_WIN_DISP_UNIT ||
               keyval == MPI_WIN_CREATE_FLAVOR || keyval == MPI_WIN_MODEL;
    return false;
}

/* The live keyval k of `kind` (lock held), or NULL. */
static struct keyval *find(enum lark_attr_kind kind, int k, bool allow_freed)
{
    int i = k - KEYVAL_FIRST;
    if (i < 0 || i >= nkeyvals || keyvals[i] == NULL || keyvals[i]->kind != kind)
        return NULL;
    if (keyvals[i]->freed && !allow_freed)
        return NULL;
    return keyvals[i];
}

static void unref(int k)
{
    struct keyval *kv = keyvals[k - KEYVAL_FIRST];
    if (--kv->refs == 0) {
        free(kv);
        keyvals[k - KEYVAL_FIRST] = NULL;
    }
}

int lark_attr_keyval_create(enum lark_attr_kind kind, lark_attr_copy_fn *copy,
                            lark_attr_delete_fn *del, void *extra, int *keyval)
{
    /* Freed when the user freed it and no attribute uses it (unref). */
    struct keyval *kv = malloc(sizeof *kv);
    if (kv == NULL)
        return LARK_ERR_NOMEM;
    *kv = (struct keyval){kind, copy, del, extra, 1, false};
    int rc = LARK_OK;
    pthread_mutex_lock(&lock);
    if (nkeyvals == capkeyvals) {
        int cap = capkeyvals ? 2 * capkeyvals : 32;
        struct keyval **n = realloc(keyvals, sizeof *n * (size_t)cap);
        if (n == NULL)
            rc = LARK_ERR_NOMEM;
        else {
            keyvals = n;
            capkeyvals = cap;
        }
    }
    if (rc == LARK_OK) {
        /* Numbers are not reused, so a stale keyval never names a new one. */
        keyvals[nkeyvals] = kv;
        *keyval = KEYVAL_FIRST + nkeyvals++;
    }
    pthread_mutex_unlock(&lock);
    if (rc != LARK_OK)
        free(kv);
    return rc;
}

int lark_attr_keyval_free(enum lark_attr_kind kind, int keyval)
{
    pthread_mutex_lock(&lock);
    struct keyval *kv = find(kind, keyval, false);
    if (kv != NULL) {
        kv->freed = true;
        unref(keyval);
    }
    pthread_mutex_unlock(&lock);
    return kv != NULL ? LARK_OK : MPI_ERR_KEYVAL;
}

/* Run the delete callback of attribute `a` (lock held on entry and on
 * return; dropped during the callback). */
static int run_delete(struct keyval *kv, void *obj, int keyval, void *value)
{
    if (kv->del == NULL)
        return MPI_SUCCESS;
    lark_attr_delete_fn *del = kv->del;
    void *extra = kv->extra;
    pthread_mutex_unlock(&lock);
    int rc = del(obj, keyval, value, extra);
    pthread_mutex_lock(&lock);
    return rc;
}

static struct attr **slot(void **list, int keyval)
{
    struct attr **p = (struct attr **)list;
    while (*p != NULL && (*p)->keyval != keyval)
        p = &(*p)->next;
    return p;
}

int lark_attr_set(enum lark_attr_kind kind, void *obj, void **list, int keyval, void *value)
{
    pthread_mutex_lock(&lock);
    struct keyval *kv = find(kind, keyval, false);
    int rc = kv != NULL ? LARK_OK : MPI_ERR_KEYVAL;
    struct attr **p = rc == LARK_OK ? slot(list, keyval) : NULL;
    if (rc == LARK_OK && *p != NULL) {
        /* Replacing: the old value is deleted first. */
        kv->refs++; /* keep kv alive across the callback */
        rc = run_delete(kv, obj, keyval, (*p)->value);
        p = slot(list, keyval); /* the callback may have changed the list */
        if (rc == MPI_SUCCESS && *p != NULL)
            (*p)->value = value;
        else if (rc == MPI_SUCCESS)
            rc = MPI_ERR_KEYVAL; /* deleted under us by the callback */
        unref(keyval);
    } else if (rc == LARK_OK) {
        /* Freed by lark_attr_delete / delete_all. */
        struct attr *a = malloc(sizeof *a);
        if (a == NULL)
            rc = LARK_ERR_NOMEM;
        else {
            *a = (struct attr){NULL, keyval, value};
            *p = a;
            kv->refs++;
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

int lark_attr_get(enum lark_attr_kind kind, void **list, int keyval, void **value, bool *found)
{
    pthread_mutex_lock(&lock);
    int rc = find(kind, keyval, true) != NULL ? LARK_OK : MPI_ERR_KEYVAL;
    struct attr *a = rc == LARK_OK ? *slot(list, keyval) : NULL;
    *found = a != NULL;
    if (a != NULL)
        *value = a->value;
    pthread_mutex_unlock(&lock);
    return rc;
}

/* Unlink and free attribute `keyval` from the list after its delete
 * callback succeeded (lock held). */
static int delete_one(void *obj, void **list, int keyval)
{
    struct attr **p = slot(list, keyval);
    if (*p == NULL)
        return MPI_ERR_KEYVAL;
    struct keyval *kv = keyvals[keyval - KEYVAL_FIRST];
    int rc = run_delete(kv, obj, keyval, (*p)->value);
    if (rc != MPI_SUCCESS)
        return rc;
    p = slot(list, keyval);
    if (*p != NULL) {
        struct attr *a = *p;
        *p = a->next;
        free(a);
        unref(keyval);
    }
    return MPI_SUCCESS;
}

int lark_attr_delete(enum lark_attr_kind kind, void *obj, void **list, int keyval)
{
    pthread_mutex_lock(&lock);
    int rc = find(kind, keyval, true) != NULL ? delete_one(obj, list, keyval) : MPI_ERR_KEYVAL;
    pthread_mutex_unlock(&lock);
    return rc;
}

int lark_attr_delete_all(enum lark_attr_kind kind, void *obj, void **list)
{
    (void)kind;
    int rc = MPI_SUCCESS;
    pthread_mutex_lock(&lock);
    while (rc == MPI_SUCCESS && *list != NULL) {
        /* The newest attribute is the last of the list. */
        struct attr *last = *list;
        while (last->next != NULL)
            last = last->next;
        rc = delete_one(obj, list, last->keyval);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void lark_attr_discard(void **list)
{
    pthread_mutex_lock(&lock);
    while (*list != NULL) {
        struct attr *a = *list;
        *list = a->next;
        unref(a->keyval);
        free(a);
    }
    pthread_mutex_unlock(&lock);
}

int lark_attr_copy(enum lark_attr_kind kind, void *oldobj, void **src, void *newobj, void **dst)
{
    (void)kind;
    (void)newobj;
    int rc = MPI_SUCCESS;
    pthread_mutex_lock(&lock);
    /* Walk by keyval so that a callback changing src cannot derail us. */
    int next_after = -1;
    for (;;) {
        struct attr *a = *src == NULL ? NULL : (struct attr *)*src;
        int i = 0;
        for (; a != NULL && i <= next_after; i++)
            a = a->next;
        if (a == NULL || rc != MPI_SUCCESS)
            break;
        next_after = i;
        struct keyval *kv = keyvals[a->keyval - KEYVAL_FIRST];
        if (kv->copy == NULL) /* MPI_*_NULL_COPY_FN */
            continue;
        void *out = NULL;
        int flag = 0, k = a->keyval;
        if (kv->copy == (lark_attr_copy_fn *)1) { /* MPI_*_DUP_FN */
            out = a->value;
            flag = 1;
        } else {
            lark_attr_copy_fn *copy = kv->copy;
            void *extra = kv->extra, *in = a->value;
            kv->refs++; /* `a` may go during the callback; kv may not */
            pthread_mutex_unlock(&lock);
            rc = copy(oldobj, k, extra, in, &out, &flag);
            pthread_mutex_lock(&lock);
            if (rc == MPI_SUCCESS && flag)
                kv->refs++; /* the new attribute's reference */
            unref(k);
            if (rc != MPI_SUCCESS)
                break;
        }
        if (flag) {
            if (kv->copy == (lark_attr_copy_fn *)1)
                kv->refs++;
            struct attr *n = malloc(sizeof *n);
            if (n == NULL) {
                unref(k);
                rc = LARK_ERR_NOMEM;
                break;
            }
            *n = (struct attr){NULL, k, out};
            struct attr **p = slot(dst, k);
            if (*p != NULL) { /* cannot happen on a fresh object; be safe */
                free(n);
                (*p)->value = out;
                unref(k);
            } else {
                *p = n;
            }
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

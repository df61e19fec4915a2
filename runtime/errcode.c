/*
 * errcode.c -- user-added error classes and codes (errcode.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errcode.h"
#include "error.h"

struct user_code {
    bool live;
    bool is_class;
    int errclass;   /* the class (itself for a class) */
    char *string;   /* owned; NULL: none set */
    int live_codes; /* a user class: how many live codes it has, so removing it
                     * costs O(1) however many numbers were ever handed out */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct user_code *codes; /* codes[i] is code MPI_ERR_LASTCODE+1+i; freed never (process) */
static int ncodes, capcodes;

static struct user_code *lookup(int code)
{
    int i = code - (MPI_ERR_LASTCODE + 1);
    if (i < 0 || i >= ncodes || !codes[i].live)
        return NULL;
    return &codes[i];
}

static bool is_class(int c)
{
    if (c >= 0 && c <= MPI_ERR_LASTCODE)
        return lark_err_string(c) != NULL;
    struct user_code *u = lookup(c);
    return u != NULL && u->is_class;
}

int lark_errcode_add(int errclass, int *out)
{
    int rc = LARK_OK;
    pthread_mutex_lock(&lock);
    if (errclass >= 0 && !is_class(errclass)) {
        rc = LARK_ERR_ARG;
    } else if (ncodes == capcodes) {
        int cap = capcodes ? 2 * capcodes : 16;
        struct user_code *n = realloc(codes, sizeof *n * (size_t)cap);
        if (n == NULL)
            rc = LARK_ERR_NOMEM;
        else {
            codes = n;
            capcodes = cap;
        }
    }
    if (rc == LARK_OK) {
        /* Numbers are never reused: a stale code never names a new one. */
        int code = MPI_ERR_LASTCODE + 1 + ncodes;
        codes[ncodes++] =
            (struct user_code){true, errclass < 0, errclass < 0 ? code : errclass, NULL, 0};
        struct user_code *cls = errclass < 0 ? NULL : lookup(errclass);
        if (cls != NULL)
            cls->live_codes++;
        *out = code;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

int lark_errcode_remove(int code, bool want_class)
{
    int rc = LARK_OK;
    pthread_mutex_lock(&lock);
    struct user_code *u = lookup(code);
    if (u == NULL || u->is_class != want_class)
        rc = LARK_ERR_ARG;
    if (rc == LARK_OK && want_class && u->live_codes > 0)
        rc = LARK_ERR_ARG; /* a code of this class is still there */
    if (rc == LARK_OK) {
        struct user_code *cls = want_class ? NULL : lookup(u->errclass);
        if (cls != NULL)
            cls->live_codes--;
        free(u->string);
        u->string = NULL;
        u->live = false;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

int lark_errcode_set_string(int code, const char *s)
{
    int rc = LARK_OK;
    pthread_mutex_lock(&lock);
    struct user_code *u = lookup(code);
    if (u == NULL) {
        rc = LARK_ERR_ARG;
    } else {
        char *copy = NULL;
        if (s != NULL && (copy = strdup(s)) == NULL)
            rc = LARK_ERR_NOMEM;
        else {
            free(u->string);
            u->string = copy;
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

int lark_errcode_class(int code)
{
    pthread_mutex_lock(&lock);
    struct user_code *u = lookup(code);
    int c = u != NULL ? u->errclass : -1;
    pthread_mutex_unlock(&lock);
    return c;
}

bool lark_errcode_string(int code, char *buf)
{
    pthread_mutex_lock(&lock);
    struct user_code *u = lookup(code);
    if (u != NULL)
        snprintf(buf, MPI_MAX_ERROR_STRING, "%s", u->string ? u->string : "");
    pthread_mutex_unlock(&lock);
    return u != NULL;
}

int lark_errcode_last(void)
{
    int last = MPI_ERR_LASTCODE;
    pthread_mutex_lock(&lock);
    for (int i = ncodes - 1; i >= 0; i--)
        if (codes[i].live) {
            last = MPI_ERR_LASTCODE + 1 + i;
            break;
        }
    pthread_mutex_unlock(&lock);
    return last;
}

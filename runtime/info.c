/*
 * info.c -- MPI_Info objects (see info.h) and the contents of MPI_INFO_ENV.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "handle.h"
#include "info.h"
#include "runtime.h"

static struct lark_info info_env = {LARK_INFO_MAGIC, 0, 0, NULL, true};
static pthread_once_t env_once = PTHREAD_ONCE_INIT;

/* Read this process's command line from /proc (the standard's "command"
 * and "argv" keys): argv[0], then the rest joined by spaces. */
static void env_cmdline(void)
{
    FILE *f = fopen("/proc/self/cmdline", "r");
    if (f == NULL)
        return;
    char buf[MPI_MAX_INFO_VAL * 2];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (n == 0)
        return;
    lark_info_set(&info_env, "command", buf);
    size_t first = strlen(buf) + 1;
    if (first >= n)
        return;
    for (size_t i = first; i + 1 < n; i++)
        if (buf[i] == '\0')
            buf[i] = ' ';
    buf[MPI_MAX_INFO_VAL - 1 < n ? MPI_MAX_INFO_VAL - 1 : n] = '\0';
    lark_info_set(&info_env, "argv", buf + first);
}

static void env_fill(void)
{
    char v[MPI_MAX_INFO_VAL];
    env_cmdline();
    if (lark_rt.size > 0) {
        snprintf(v, sizeof v, "%d", lark_rt.size);
        lark_info_set(&info_env, "maxprocs", v);
        lark_info_set(&info_env, "soft", v);
    }
    if (lark_rt.hostname[0] != '\0')
        lark_info_set(&info_env, "host", lark_rt.hostname);
    else if (gethostname(v, sizeof v - 1) == 0)
        lark_info_set(&info_env, "host", v);
    struct utsname u;
    if (uname(&u) == 0)
        lark_info_set(&info_env, "arch", u.machine);
    if (getcwd(v, sizeof v) != NULL)
        lark_info_set(&info_env, "wdir", v);
    static const char *const levels[] = {"MPI_THREAD_SINGLE", "MPI_THREAD_FUNNELED",
                                         "MPI_THREAD_SERIALIZED", "MPI_THREAD_MULTIPLE"};
    int t = lark_rt.thread_level;
    const char *lvl = t == MPI_THREAD_MULTIPLE     ? levels[3]
                      : t == MPI_THREAD_SERIALIZED ? levels[2]
                      : t == MPI_THREAD_FUNNELED   ? levels[1]
                                                   : levels[0];
    lark_info_set(&info_env, "thread_level", lvl);
}

struct lark_info *lark_info_from_handle(MPI_Info h)
{
    if (h == MPI_INFO_ENV) {
        pthread_once(&env_once, env_fill);
        return &info_env;
    }
    if (!lark_handle_valid(LARK_HANDLE_INFO, h))
        return NULL; /* MPI_INFO_NULL, garbage, or not one of ours */
    struct lark_info *i = (struct lark_info *)h;
    return i->magic == LARK_INFO_MAGIC ? i : NULL;
}

MPI_Info lark_info_to_handle(struct lark_info *info)
{
    return info == &info_env ? MPI_INFO_ENV : (MPI_Info)info;
}

struct lark_info *lark_info_new(void)
{
    /* Freed by lark_info_free (MPI_Info_free). */
    struct lark_info *i = lark_handle_alloc(LARK_HANDLE_INFO, sizeof *i, true);
    if (i != NULL)
        i->magic = LARK_INFO_MAGIC;
    return i;
}

void lark_info_free(struct lark_info *info)
{
    if (info == NULL || info->predefined)
        return;
    for (int k = 0; k < info->nkeys; k++) {
        free(info->kv[k].key);
        free(info->kv[k].value);
    }
    free(info->kv);
    info->magic = 0;
    lark_handle_free(LARK_HANDLE_INFO, info, sizeof *info);
}

struct lark_info *lark_info_dup(const struct lark_info *src)
{
    struct lark_info *i = lark_info_new();
    for (int k = 0; i != NULL && src != NULL && k < src->nkeys; k++) {
        if (lark_info_set(i, src->kv[k].key, src->kv[k].value) != 0) {
            lark_info_free(i);
            i = NULL;
        }
    }
    return i;
}

static int find(const struct lark_info *info, const char *key)
{
    for (int k = 0; k < info->nkeys; k++)
        if (strcmp(info->kv[k].key, key) == 0)
            return k;
    return -1;
}

int lark_info_set(struct lark_info *info, const char *key, const char *value)
{
    char *v = strdup(value);
    if (v == NULL)
        return LARK_ERR_NOMEM;
    int k = find(info, key);
    if (k >= 0) {
        free(info->kv[k].value);
        info->kv[k].value = v;
        return LARK_OK;
    }
    if (info->nkeys == info->cap) {
        int cap = info->cap ? 2 * info->cap : 8;
        struct lark_info_entry *kv = realloc(info->kv, sizeof *kv * (size_t)cap);
        if (kv == NULL) {
            free(v);
            return LARK_ERR_NOMEM;
        }
        info->kv = kv;
        info->cap = cap;
    }
    char *kcopy = strdup(key);
    if (kcopy == NULL) {
        free(v);
        return LARK_ERR_NOMEM;
    }
    info->kv[info->nkeys++] = (struct lark_info_entry){kcopy, v};
    return LARK_OK;
}

const char *lark_info_get(const struct lark_info *info, const char *key)
{
    int k = find(info, key);
    return k >= 0 ? info->kv[k].value : NULL;
}

bool lark_info_delete(struct lark_info *info, const char *key)
{
    int k = find(info, key);
    if (k < 0)
        return false;
    free(info->kv[k].key);
    free(info->kv[k].value);
    memmove(&info->kv[k], &info->kv[k + 1], sizeof *info->kv * (size_t)(info->nkeys - k - 1));
    info->nkeys--;
    return true;
}

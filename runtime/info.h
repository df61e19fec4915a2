/*
 * info.h -- MPI_Info objects: ordered (key, value) string pairs.
 *
 * A user info handle is the pointer to its struct lark_info (checked with
 * `magic`); MPI_INFO_ENV maps to a static object filled on first use with
 * what the standard lists (command, argv, maxprocs, host, arch, wdir,
 * thread_level).  Keys keep the order they were first set in, which is the
 * order MPI_Info_get_nthkey reports.  Objects are not locked: the standard
 * lets only one thread use an info object at a time.
 */
#ifndef LARK_INFO_H_INCLUDED
#define LARK_INFO_H_INCLUDED

#include <stdbool.h>

#include "lark.h"

#define LARK_INFO_MAGIC 0x4c4b494eu /* "LKIN" */

struct lark_info_entry {
    char *key;   /* owned */
    char *value; /* owned */
};

struct lark_info {
    uint32_t magic;             /* LARK_INFO_MAGIC while alive */
    int nkeys, cap;             /* entries used / allocated */
    struct lark_info_entry *kv; /* owned; nkeys entries in order */
    bool predefined;            /* MPI_INFO_ENV: never freed */
};

/* Handle -> object; NULL for MPI_INFO_NULL and anything invalid.
 * MPI_INFO_ENV is filled on first use. */
struct lark_info *lark_info_from_handle(MPI_Info h);
MPI_Info lark_info_to_handle(struct lark_info *info);
/* A new empty info object, NULL when out of memory; free with
 * lark_info_free (the API's MPI_Info_free). */
struct lark_info *lark_info_new(void);
void lark_info_free(struct lark_info *info);
/* Copy all pairs of src (may be NULL: an empty copy). */
struct lark_info *lark_info_dup(const struct lark_info *src);
/* Set (replace) a value; key and value are copied.  0 or LARK_ERR_NOMEM. */
int lark_info_set(struct lark_info *info, const char *key, const char *value);
/* The value of key, or NULL; the string belongs to the object. */
const char *lark_info_get(const struct lark_info *info, const char *key);
/* Remove key; returns false when it was not there. */
bool lark_info_delete(struct lark_info *info, const char *key);

#endif

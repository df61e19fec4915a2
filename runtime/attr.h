/*
 * attr.h -- attribute caching on communicators, datatypes and windows:
 * keyvals with their copy and delete callbacks, and the attribute list an
 * object owns.
 *
 * The owner embeds one `void *attrs` list head (comm.h, datatype.h) and
 * calls lark_attr_copy() when it is duplicated (MPI_Comm_dup, MPI_Type_dup)
 * and lark_attr_delete_all() when the user frees it.  Copy callbacks run in
 * the order the attributes were first set; delete callbacks in the reverse
 * order (the standard fixes that order for MPI_COMM_SELF at MPI_Finalize;
 * Lark uses it everywhere, so a library's attributes set on top of
 * another's go first).  A callback that returns an error stops the copy or
 * the deletion, and the MPI call returns that error.
 *
 * Keyvals are small integers above the predefined ones; a freed keyval
 * stays alive until no attribute uses it.  Everything here is guarded by
 * one mutex, released while a user callback runs (callbacks may call MPI,
 * including the attribute calls).  Callers need not hold the runtime lock.
 */
#ifndef LARK_ATTR_H_INCLUDED
#define LARK_ATTR_H_INCLUDED

#include <stdbool.h>

#include "lark.h"

enum lark_attr_kind { LARK_ATTR_COMM = 1, LARK_ATTR_TYPE = 2, LARK_ATTR_WIN = 3 };

/* The callbacks, in the generic shape every kind shares (the object handle
 * is passed as a pointer-sized value).  (void *)0 and (void *)1 are the
 * standard's NULL_COPY_FN / DUP_FN (and NULL_DELETE_FN). */
typedef int(lark_attr_copy_fn)(void *oldobj, int keyval, void *extra, void *in, void *out,
                               int *flag);
typedef int(lark_attr_delete_fn)(void *obj, int keyval, void *value, void *extra);

/* New keyval of `kind`: 0, or LARK_ERR_NOMEM. */
int lark_attr_keyval_create(enum lark_attr_kind kind, lark_attr_copy_fn *copy,
                            lark_attr_delete_fn *del, void *extra, int *keyval);
/* Free a keyval: 0, or MPI_ERR_KEYVAL (> 0) for a predefined, unknown or
 * other-kind one. */
int lark_attr_keyval_free(enum lark_attr_kind kind, int keyval);
/* Is keyval a predefined one (MPI_TAG_UB, ...) of that kind? */
bool lark_attr_predefined(enum lark_attr_kind kind, int keyval);

/* Set / get / delete on an object's list.  `obj` is the handle passed to
 * callbacks.  Return 0, MPI_ERR_KEYVAL (bad keyval), LARK_ERR_NOMEM, or
 * the error a delete callback returned.  get sets *found. */
int lark_attr_set(enum lark_attr_kind kind, void *obj, void **list, int keyval, void *value);
int lark_attr_get(enum lark_attr_kind kind, void **list, int keyval, void **value, bool *found);
int lark_attr_delete(enum lark_attr_kind kind, void *obj, void **list, int keyval);

/* Copy src's attributes onto dst's (empty) list by the copy callbacks.
 * 0, or the first error (dst keeps what was copied: delete it). */
int lark_attr_copy(enum lark_attr_kind kind, void *oldobj, void **src, void *newobj, void **dst);
/* Delete every attribute (delete callbacks, newest first).  0, or the
 * first error a callback returned (the rest stay on the list). */
int lark_attr_delete_all(enum lark_attr_kind kind, void *obj, void **list);

/* Free every attribute of a list WITHOUT its delete callback: for copies
 * made for an object that never came to be (a failed MPI_Comm_idup, inside
 * the progress engine where no user callback may run). */
void lark_attr_discard(void **list);

#endif

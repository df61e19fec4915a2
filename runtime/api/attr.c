/*
 * attr.c (api) -- attribute caching on communicators: keyvals, set/get/
 * delete, the predefined attributes (MPI_TAG_UB, MPI_HOST, MPI_IO,
 * MPI_WTIME_IS_GLOBAL, MPI_UNIVERSE_SIZE, MPI_APPNUM, MPI_LASTUSEDCODE),
 * and the deprecated MPI-1 names (MPI_Keyval_create, MPI_Attr_put, ...);
 * then the same on windows (MPI_Win_get_attr, with the predefined window
 * attributes, is in api/win.c) and on datatypes (copied by MPI_Type_dup,
 * deleted by MPI_Type_free: api/type.c calls the hooks below).  The lists
 * and callbacks live in runtime/attr.c.
 */
#include "check.h"
#include "api/check.h"
#include "attr.h"
#include "comm.h"
#include "datatype.h"
#include "errcode.h"
#include "error.h"
#include "rma/api.h"
#include "runtime.h"

#pragma weak MPI_Type_create_keyval = PMPI_Type_create_keyval
#pragma weak MPI_Type_free_keyval = PMPI_Type_free_keyval
#pragma weak MPI_Type_set_attr = PMPI_Type_set_attr
#pragma weak MPI_Type_get_attr = PMPI_Type_get_attr
#pragma weak MPI_Type_delete_attr = PMPI_Type_delete_attr
#pragma weak MPI_Win_create_keyval = PMPI_Win_create_keyval
#pragma weak MPI_Win_free_keyval = PMPI_Win_free_keyval
#pragma weak MPI_Win_set_attr = PMPI_Win_set_attr
#pragma weak MPI_Win_delete_attr = PMPI_Win_delete_attr

static int keyval_error(struct lark_comm *c, const char *call, int rc, int keyval)
{
    if (rc == MPI_ERR_KEYVAL)
        return lark_err_raise(c, call, MPI_ERR_KEYVAL,
                              "keyval %d is not a communicator keyval in use (freed, predefined "
                              "where that is not allowed, or of another kind)",
                              keyval);
    return lark_err_raise(c, call, rc, "an attribute callback failed, or out of memory");
}

static int create_keyval(const char *call, enum lark_attr_kind kind, void *copy, void *del,
                         int *keyval, void *extra)
{
    if (!lark_initialized())
        return lark_err_raise(NULL, call, MPI_ERR_OTHER,
                              "called before MPI_Init or after MPI_Finalize");
    if (keyval == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "keyval is NULL");
    int rc = lark_attr_keyval_create(kind, (lark_attr_copy_fn *)copy, (lark_attr_delete_fn *)del,
                                     extra, keyval);
    if (rc != 0)
        return lark_err_raise(NULL, call, rc, "out of memory");
    return MPI_SUCCESS;
}

int PMPI_Comm_create_keyval(MPI_Comm_copy_attr_function *copy_fn,
                            MPI_Comm_delete_attr_function *delete_fn, int *keyval,
                            void *extra_state)
{
    return create_keyval("MPI_Comm_create_keyval", LARK_ATTR_COMM, (void *)copy_fn,
                         (void *)delete_fn, keyval, extra_state);
}
LARK_API_ALIAS(Comm_create_keyval)

int PMPI_Keyval_create(MPI_Copy_function *copy_fn, MPI_Delete_function *delete_fn, int *keyval,
                       void *extra_state)
{
    return create_keyval("MPI_Keyval_create", LARK_ATTR_COMM, (void *)copy_fn, (void *)delete_fn,
                         keyval, extra_state);
}
LARK_API_ALIAS(Keyval_create)

static const char *kind_name(enum lark_attr_kind kind)
{
    return kind == LARK_ATTR_WIN ? "window" : kind == LARK_ATTR_TYPE ? "datatype" : "communicator";
}

static int free_keyval(const char *call, enum lark_attr_kind kind, int *keyval)
{
    if (keyval == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "keyval is NULL");
    if (lark_attr_keyval_free(kind, *keyval) != 0)
        return lark_err_raise(NULL, call, MPI_ERR_KEYVAL,
                              "keyval %d is not a %s keyval in use (already freed, predefined, "
                              "or of another kind)",
                              *keyval, kind_name(kind));
    *keyval = MPI_KEYVAL_INVALID;
    return MPI_SUCCESS;
}

int PMPI_Comm_free_keyval(int *keyval)
{
    return free_keyval("MPI_Comm_free_keyval", LARK_ATTR_COMM, keyval);
}
LARK_API_ALIAS(Comm_free_keyval)

int PMPI_Keyval_free(int *keyval)
{
    return free_keyval("MPI_Keyval_free", LARK_ATTR_COMM, keyval);
}
LARK_API_ALIAS(Keyval_free)

static int set_attr(const char *call, MPI_Comm comm, int keyval, void *value)
{
    struct lark_comm *c;
    int err = lark_check_comm(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (lark_attr_predefined(LARK_ATTR_COMM, keyval))
        return lark_err_raise(c, call, MPI_ERR_KEYVAL, "keyval %d is predefined: it cannot be set",
                              keyval);
    int rc = lark_attr_set(LARK_ATTR_COMM, c->handle, &c->attrs, keyval, value);
    return rc != 0 ? keyval_error(c, call, rc, keyval) : MPI_SUCCESS;
}

int PMPI_Comm_set_attr(MPI_Comm comm, int comm_keyval, void *attribute_val)
{
    return set_attr("MPI_Comm_set_attr", comm, comm_keyval, attribute_val);
}
LARK_API_ALIAS(Comm_set_attr)

int PMPI_Attr_put(MPI_Comm comm, int keyval, void *attribute_val)
{
    return set_attr("MPI_Attr_put", comm, keyval, attribute_val);
}
LARK_API_ALIAS(Attr_put)

/* The predefined attributes' values (the attribute is a pointer to one). */
static int tag_ub = LARK_TAG_UB, host = MPI_PROC_NULL, io = MPI_ANY_SOURCE, wtime_global = 0;
static int universe, appnum, lastcode;

static void *predefined_value(int keyval)
{
    switch (keyval) {
    case MPI_TAG_UB:
        return &tag_ub;
    case MPI_HOST:
        return &host;
    case MPI_IO:
        return &io;
    case MPI_WTIME_IS_GLOBAL:
        return &wtime_global;
    case MPI_UNIVERSE_SIZE:
        universe = lark_rt.size; /* no dynamic processes: the universe is the job */
        return &universe;
    case MPI_APPNUM:
        appnum = lark_rt.appnum;
        return &appnum;
    default: /* MPI_LASTUSEDCODE */
        lastcode = lark_errcode_last();
        return &lastcode;
    }
}

static int get_attr(const char *call, MPI_Comm comm, int keyval, void *value, int *flag)
{
    struct lark_comm *c;
    int err = lark_check_comm(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (value == NULL || flag == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "attribute_val or flag is NULL");
    if (lark_attr_predefined(LARK_ATTR_COMM, keyval)) {
        *(void **)value = predefined_value(keyval);
        *flag = 1;
        return MPI_SUCCESS;
    }
    void *v = NULL;
    bool found = false;
    int rc = lark_attr_get(LARK_ATTR_COMM, &c->attrs, keyval, &v, &found);
    if (rc != 0)
        return keyval_error(c, call, rc, keyval);
    *flag = found;
    if (found)
        *(void **)value = v;
    return MPI_SUCCESS;
}

int PMPI_Comm_get_attr(MPI_Comm comm, int comm_keyval, void *attribute_val, int *flag)
{
    return get_attr("MPI_Comm_get_attr", comm, comm_keyval, attribute_val, flag);
}
LARK_API_ALIAS(Comm_get_attr)

int PMPI_Attr_get(MPI_Comm comm, int keyval, void *attribute_val, int *flag)
{
    return get_attr("MPI_Attr_get", comm, keyval, attribute_val, flag);
}
LARK_API_ALIAS(Attr_get)

static int delete_attr(const char *call, MPI_Comm comm, int keyval)
{
    struct lark_comm *c;
    int err = lark_check_comm(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (lark_attr_predefined(LARK_ATTR_COMM, keyval))
        return lark_err_raise(c, call, MPI_ERR_KEYVAL,
                              "keyval %d is predefined: it cannot be deleted", keyval);
    int rc = lark_attr_delete(LARK_ATTR_COMM, c->handle, &c->attrs, keyval);
    return rc != 0 ? keyval_error(c, call, rc, keyval) : MPI_SUCCESS;
}

int PMPI_Comm_delete_attr(MPI_Comm comm, int comm_keyval)
{
    return delete_attr("MPI_Comm_delete_attr", comm, comm_keyval);
}
LARK_API_ALIAS(Comm_delete_attr)

int PMPI_Attr_delete(MPI_Comm comm, int keyval)
{
    return delete_attr("MPI_Attr_delete", comm, keyval);
}
LARK_API_ALIAS(Attr_delete)

/* ---- windows ---- */

static int win_keyval_error(struct lark_win *w, const char *call, int rc, int keyval)
{
    if (rc == MPI_ERR_KEYVAL)
        return LARK_WIN_RAISE(w, call, MPI_ERR_KEYVAL,
                              "keyval %d is not a window keyval in use (freed, predefined where "
                              "that is not allowed, or of another kind)",
                              keyval);
    return LARK_WIN_RAISE(w, call, rc, "an attribute delete callback failed, or out of memory");
}

int PMPI_Win_create_keyval(MPI_Win_copy_attr_function *win_copy_attr_fn,
                           MPI_Win_delete_attr_function *win_delete_attr_fn, int *win_keyval,
                           void *extra_state)
{
    /* Windows are never duplicated: the copy callback is kept, never run. */
    return create_keyval("MPI_Win_create_keyval", LARK_ATTR_WIN, (void *)win_copy_attr_fn,
                         (void *)win_delete_attr_fn, win_keyval, extra_state);
}

int PMPI_Win_free_keyval(int *win_keyval)
{
    return free_keyval("MPI_Win_free_keyval", LARK_ATTR_WIN, win_keyval);
}

int PMPI_Win_set_attr(MPI_Win win, int win_keyval, void *attribute_val)
{
    static const char call[] = "MPI_Win_set_attr";
    struct lark_win *w;
    int err = lark_win_enter(call, win, &w);
    if (err != MPI_SUCCESS)
        return err;
    if (lark_attr_predefined(LARK_ATTR_WIN, win_keyval))
        return LARK_WIN_RAISE(w, call, MPI_ERR_KEYVAL,
                              "keyval %d is a predefined window attribute: it cannot be set",
                              win_keyval);
    int rc = lark_attr_set(LARK_ATTR_WIN, win, &w->attrs, win_keyval, attribute_val);
    return rc != 0 ? win_keyval_error(w, call, rc, win_keyval) : MPI_SUCCESS;
}

int PMPI_Win_delete_attr(MPI_Win win, int win_keyval)
{
    static const char call[] = "MPI_Win_delete_attr";
    struct lark_win *w;
    int err = lark_win_enter(call, win, &w);
    if (err != MPI_SUCCESS)
        return err;
    if (lark_attr_predefined(LARK_ATTR_WIN, win_keyval))
        return LARK_WIN_RAISE(w, call, MPI_ERR_KEYVAL,
                              "keyval %d is a predefined window attribute: it cannot be deleted",
                              win_keyval);
    int rc = lark_attr_delete(LARK_ATTR_WIN, win, &w->attrs, win_keyval);
    return rc != 0 ? win_keyval_error(w, call, rc, win_keyval) : MPI_SUCCESS;
}

int lark_win_attr_get(struct lark_win *w, const char *call, int keyval, void *value, int *flag)
{
    void *v = NULL;
    bool found = false;
    int rc = lark_attr_get(LARK_ATTR_WIN, &w->attrs, keyval, &v, &found);
    if (rc != 0)
        return win_keyval_error(w, call, rc, keyval);
    *flag = found;
    if (found)
        *(void **)value = v;
    return MPI_SUCCESS;
}

int lark_win_attr_delete_all(struct lark_win *w, const char *call)
{
    int rc = lark_attr_delete_all(LARK_ATTR_WIN, lark_win_to_handle(w), &w->attrs);
    return rc != 0
               ? LARK_WIN_RAISE(w, call, rc, "an attribute delete callback failed (error %d)", rc)
               : MPI_SUCCESS;
}

/* ---- datatypes ---- */

static int type_enter(const char *call, MPI_Datatype type, struct lark_datatype **dt)
{
    if (!lark_initialized())
        return lark_err_raise(NULL, call, MPI_ERR_OTHER,
                              "called before MPI_Init or after MPI_Finalize");
    *dt = lark_datatype_from_handle(type);
    if (*dt == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_TYPE,
                              "the datatype is not valid (MPI_DATATYPE_NULL, or freed)");
    return MPI_SUCCESS;
}

static int type_keyval_error(const char *call, int rc, int keyval)
{
    if (rc == MPI_ERR_KEYVAL)
        return lark_err_raise(NULL, call, MPI_ERR_KEYVAL,
                              "keyval %d is not a datatype keyval in use (freed, or of another "
                              "kind)",
                              keyval);
    return lark_err_raise(NULL, call, rc, "an attribute callback failed, or out of memory");
}

int PMPI_Type_create_keyval(MPI_Type_copy_attr_function *type_copy_attr_fn,
                            MPI_Type_delete_attr_function *type_delete_attr_fn, int *type_keyval,
                            void *extra_state)
{
    return create_keyval("MPI_Type_create_keyval", LARK_ATTR_TYPE, (void *)type_copy_attr_fn,
                         (void *)type_delete_attr_fn, type_keyval, extra_state);
}

int PMPI_Type_free_keyval(int *type_keyval)
{
    return free_keyval("MPI_Type_free_keyval", LARK_ATTR_TYPE, type_keyval);
}

int PMPI_Type_set_attr(MPI_Datatype type, int type_keyval, void *attribute_val)
{
    static const char call[] = "MPI_Type_set_attr";
    struct lark_datatype *dt;
    int err = type_enter(call, type, &dt);
    if (err != MPI_SUCCESS)
        return err;
    int rc = lark_attr_set(LARK_ATTR_TYPE, type, &dt->attrs, type_keyval, attribute_val);
    return rc != 0 ? type_keyval_error(call, rc, type_keyval) : MPI_SUCCESS;
}

int PMPI_Type_get_attr(MPI_Datatype type, int type_keyval, void *attribute_val, int *flag)
{
    static const char call[] = "MPI_Type_get_attr";
    struct lark_datatype *dt;
    int err = type_enter(call, type, &dt);
    if (err != MPI_SUCCESS)
        return err;
    if (attribute_val == NULL || flag == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "attribute_val or flag is NULL");
    void *v = NULL;
    bool found = false;
    int rc = lark_attr_get(LARK_ATTR_TYPE, &dt->attrs, type_keyval, &v, &found);
    if (rc != 0)
        return type_keyval_error(call, rc, type_keyval);
    *flag = found;
    if (found)
        *(void **)attribute_val = v;
    return MPI_SUCCESS;
}

int PMPI_Type_delete_attr(MPI_Datatype type, int type_keyval)
{
    static const char call[] = "MPI_Type_delete_attr";
    struct lark_datatype *dt;
    int err = type_enter(call, type, &dt);
    if (err != MPI_SUCCESS)
        return err;
    int rc = lark_attr_delete(LARK_ATTR_TYPE, type, &dt->attrs, type_keyval);
    return rc != 0 ? type_keyval_error(call, rc, type_keyval) : MPI_SUCCESS;
}

int lark_type_attr_copy(struct lark_datatype *old, struct lark_datatype *dt)
{
    int rc = lark_attr_copy(LARK_ATTR_TYPE, old->handle, &old->attrs, dt->handle, &dt->attrs);
    if (rc != MPI_SUCCESS)
        lark_attr_delete_all(LARK_ATTR_TYPE, dt->handle, &dt->attrs); /* what was copied */
    return rc;
}

int lark_type_attr_delete_all(struct lark_datatype *dt)
{
    return lark_attr_delete_all(LARK_ATTR_TYPE, dt->handle, &dt->attrs);
}

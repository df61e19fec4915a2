/*
 * mpit.c -- MPI_T: initialisation, enums, control variables, categories
 * (MPI 4.1, 15.3).  The tables are runtime/mpit/vars.c; performance
 * variables are mpit_pvar.c, events runtime/mpit/events.c.
 *
 * Every call works before MPI_Init and after MPI_Finalize; each returns an
 * MPI_T error code and never calls an error handler (15.3.10).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "mpit/mpit.h"

pthread_mutex_t lark_mpit_lock = PTHREAD_MUTEX_INITIALIZER;
_Atomic int lark_mpit_inits;

void lark_mpit_pvar_free_all(void); /* mpit_pvar.c */

struct MPI_T_cvar_handle_t {
    struct MPI_T_cvar_handle_t *next; /* live handles (lark_mpit_lock) */
    int index;
};
static struct MPI_T_cvar_handle_t *cvar_handles;

int PMPI_T_init_thread(int required, int *provided)
{
    if (provided == NULL)
        return MPI_T_ERR_INVALID;
    if (required != MPI_THREAD_SINGLE && required != MPI_THREAD_FUNNELED &&
        required != MPI_THREAD_SERIALIZED && required != MPI_THREAD_MULTIPLE)
        return MPI_T_ERR_INVALID;
    pthread_mutex_lock(&lark_mpit_lock);
    lark_mpit_inits++;
    pthread_mutex_unlock(&lark_mpit_lock);
    *provided = required; /* every level: the interface is thread-safe */
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_init_thread)

int PMPI_T_finalize(void)
{
    pthread_mutex_lock(&lark_mpit_lock);
    if (lark_mpit_inits == 0) {
        pthread_mutex_unlock(&lark_mpit_lock);
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    if (--lark_mpit_inits == 0) {
        /* The last finalize: every handle, session and registration goes. */
        lark_mpit_pvar_free_all();
        lark_mpit_events_free();
        while (cvar_handles) {
            struct MPI_T_cvar_handle_t *h = cvar_handles;
            cvar_handles = h->next;
            free(h);
        }
    }
    pthread_mutex_unlock(&lark_mpit_lock);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_finalize)

/* ---- enums ---- */

/* An enum handle of ours, or NULL. */
static const struct MPI_T_enum_t *enum_valid(MPI_T_enum e)
{
    for (int i = 0; i < lark_mpit_ncvars(); i++)
        if (e != NULL && lark_mpit_cvar(i)->enumtype == e)
            return e;
    return NULL;
}

int PMPI_T_enum_get_info(MPI_T_enum enumtype, int *num, char *name, int *name_len)
{
    LARK_MPIT_CHECK_READY();
    const struct MPI_T_enum_t *e = enum_valid(enumtype);
    if (e == NULL)
        return MPI_T_ERR_INVALID_HANDLE;
    if (num)
        *num = e->n;
    lark_mpit_strout(e->name, name, name_len);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_enum_get_info)

int PMPI_T_enum_get_item(MPI_T_enum enumtype, int index, int *value, char *name, int *name_len)
{
    LARK_MPIT_CHECK_READY();
    const struct MPI_T_enum_t *e = enum_valid(enumtype);
    if (e == NULL)
        return MPI_T_ERR_INVALID_HANDLE;
    if (index < 0 || index >= e->n)
        return MPI_T_ERR_INVALID_ITEM;
    if (value)
        *value = index;
    lark_mpit_strout(e->items[index], name, name_len);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_enum_get_item)

/* ---- control variables ---- */

int PMPI_T_cvar_get_num(int *num_cvar)
{
    return lark_mpit_num(num_cvar, lark_mpit_ncvars());
}
LARK_API_ALIAS(T_cvar_get_num)

int PMPI_T_cvar_get_info(int cvar_index, char *name, int *name_len, int *verbosity,
                         MPI_Datatype *datatype, MPI_T_enum *enumtype, char *desc, int *desc_len,
                         int *bind, int *scope)
{
    LARK_MPIT_CHECK_READY();
    if (cvar_index < 0 || cvar_index >= lark_mpit_ncvars())
        return MPI_T_ERR_INVALID_INDEX;
    const struct lark_cvar *c = lark_mpit_cvar(cvar_index);
    lark_mpit_strout(c->name, name, name_len);
    lark_mpit_strout(c->desc, desc, desc_len);
    if (verbosity)
        *verbosity = c->verbosity;
    if (datatype)
        *datatype = c->type;
    if (enumtype)
        *enumtype = c->enumtype ? c->enumtype : MPI_T_ENUM_NULL;
    if (bind)
        *bind = MPI_T_BIND_NO_OBJECT;
    if (scope)
        *scope = c->scope;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_cvar_get_info)

int PMPI_T_cvar_get_index(const char *name, int *cvar_index)
{
    LARK_MPIT_CHECK_READY();
    if (name == NULL || cvar_index == NULL)
        return MPI_T_ERR_INVALID;
    for (int i = 0; i < lark_mpit_ncvars(); i++)
        if (strcmp(lark_mpit_cvar(i)->name, name) == 0) {
            *cvar_index = i;
            return MPI_SUCCESS;
        }
    return MPI_T_ERR_INVALID_NAME;
}
LARK_API_ALIAS(T_cvar_get_index)

int PMPI_T_cvar_handle_alloc(int cvar_index, void *obj_handle, MPI_T_cvar_handle *handle,
                             int *count)
{
    (void)obj_handle; /* every Lark control variable is bound to no object */
    LARK_MPIT_CHECK_READY();
    if (cvar_index < 0 || cvar_index >= lark_mpit_ncvars())
        return MPI_T_ERR_INVALID_INDEX;
    if (handle == NULL || count == NULL)
        return MPI_T_ERR_INVALID;
    struct MPI_T_cvar_handle_t *h = malloc(sizeof *h); /* freed by cvar_handle_free */
    if (h == NULL)
        return MPI_T_ERR_MEMORY;
    h->index = cvar_index;
    pthread_mutex_lock(&lark_mpit_lock);
    h->next = cvar_handles;
    cvar_handles = h;
    pthread_mutex_unlock(&lark_mpit_lock);
    *handle = h;
    *count = lark_mpit_cvar(cvar_index)->count;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_cvar_handle_alloc)

/* The variable of a live handle, or NULL; with `unlink`, the handle is
 * taken off the list (to be freed). */
static const struct lark_cvar *cvar_of(MPI_T_cvar_handle h, bool unlink)
{
    const struct lark_cvar *c = NULL;
    pthread_mutex_lock(&lark_mpit_lock);
    for (struct MPI_T_cvar_handle_t **pp = &cvar_handles; *pp; pp = &(*pp)->next) {
        if (*pp == h) {
            c = lark_mpit_cvar(h->index);
            if (unlink)
                *pp = h->next;
            break;
        }
    }
    pthread_mutex_unlock(&lark_mpit_lock);
    return c;
}

int PMPI_T_cvar_handle_free(MPI_T_cvar_handle *handle)
{
    LARK_MPIT_CHECK_READY();
    if (handle == NULL)
        return MPI_T_ERR_INVALID;
    if (cvar_of(*handle, true) == NULL)
        return MPI_T_ERR_INVALID_HANDLE;
    free(*handle);
    *handle = MPI_T_CVAR_HANDLE_NULL;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_cvar_handle_free)

int PMPI_T_cvar_read(MPI_T_cvar_handle handle, void *buf)
{
    LARK_MPIT_CHECK_READY();
    const struct lark_cvar *c = cvar_of(handle, false);
    if (c == NULL)
        return MPI_T_ERR_INVALID_HANDLE;
    if (buf == NULL)
        return MPI_T_ERR_INVALID;
    c->get(c->arg, buf);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_cvar_read)

int PMPI_T_cvar_write(MPI_T_cvar_handle handle, const void *buf)
{
    LARK_MPIT_CHECK_READY();
    const struct lark_cvar *c = cvar_of(handle, false);
    if (c == NULL)
        return MPI_T_ERR_INVALID_HANDLE;
    if (buf == NULL)
        return MPI_T_ERR_INVALID;
    if (c->set == NULL)
        return MPI_T_ERR_CVAR_SET_NEVER;
    return c->set(c->arg, buf);
}
LARK_API_ALIAS(T_cvar_write)

/* ---- categories ---- */

int PMPI_T_category_get_num(int *num_cat)
{
    return lark_mpit_num(num_cat, lark_mpit_ncategories());
}
LARK_API_ALIAS(T_category_get_num)

int PMPI_T_category_get_info(int cat_index, char *name, int *name_len, char *desc, int *desc_len,
                             int *num_cvars, int *num_pvars, int *num_categories)
{
    LARK_MPIT_CHECK_READY();
    if (cat_index < 0 || cat_index >= lark_mpit_ncategories())
        return MPI_T_ERR_INVALID_INDEX;
    lark_mpit_strout(lark_mpit_category_name(cat_index), name, name_len);
    lark_mpit_strout(lark_mpit_category_desc(cat_index), desc, desc_len);
    if (num_cvars)
        *num_cvars = lark_mpit_category_members(cat_index, LARK_MPIT_CVAR, 0, NULL);
    if (num_pvars)
        *num_pvars = lark_mpit_category_members(cat_index, LARK_MPIT_PVAR, 0, NULL);
    if (num_categories)
        *num_categories = lark_mpit_category_members(cat_index, LARK_MPIT_CATEGORY, 0, NULL);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_category_get_info)

int PMPI_T_category_get_num_events(int cat_index, int *num_events)
{
    LARK_MPIT_CHECK_READY();
    if (cat_index < 0 || cat_index >= lark_mpit_ncategories())
        return MPI_T_ERR_INVALID_INDEX;
    if (num_events == NULL)
        return MPI_T_ERR_INVALID;
    *num_events = lark_mpit_category_members(cat_index, LARK_MPIT_EVENT, 0, NULL);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_category_get_num_events)

int PMPI_T_category_get_index(const char *name, int *cat_index)
{
    LARK_MPIT_CHECK_READY();
    if (name == NULL || cat_index == NULL)
        return MPI_T_ERR_INVALID;
    for (int i = 0; i < lark_mpit_ncategories(); i++)
        if (strcmp(lark_mpit_category_name(i), name) == 0) {
            *cat_index = i;
            return MPI_SUCCESS;
        }
    return MPI_T_ERR_INVALID_NAME;
}
LARK_API_ALIAS(T_category_get_index)

static int members(int cat_index, int len, int indices[], enum lark_mpit_kind kind)
{
    LARK_MPIT_CHECK_READY();
    if (cat_index < 0 || cat_index >= lark_mpit_ncategories())
        return MPI_T_ERR_INVALID_INDEX;
    if (len < 0 || (len > 0 && indices == NULL))
        return MPI_T_ERR_INVALID;
    lark_mpit_category_members(cat_index, kind, len, indices);
    return MPI_SUCCESS;
}

int PMPI_T_category_get_cvars(int cat_index, int len, int indices[])
{
    return members(cat_index, len, indices, LARK_MPIT_CVAR);
}
LARK_API_ALIAS(T_category_get_cvars)

int PMPI_T_category_get_pvars(int cat_index, int len, int indices[])
{
    return members(cat_index, len, indices, LARK_MPIT_PVAR);
}
LARK_API_ALIAS(T_category_get_pvars)

int PMPI_T_category_get_events(int cat_index, int len, int indices[])
{
    return members(cat_index, len, indices, LARK_MPIT_EVENT);
}
LARK_API_ALIAS(T_category_get_events)

int PMPI_T_category_get_categories(int cat_index, int len, int indices[])
{
    return members(cat_index, len, indices, LARK_MPIT_CATEGORY);
}
LARK_API_ALIAS(T_category_get_categories)

int PMPI_T_category_changed(int *update_number)
{
    LARK_MPIT_CHECK_READY();
    if (update_number == NULL)
        return MPI_T_ERR_INVALID;
    *update_number = 0; /* Lark's categories never change while it runs */
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_category_changed)

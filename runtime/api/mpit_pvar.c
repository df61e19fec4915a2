/*
 * mpit_pvar.c -- MPI_T performance variables: sessions and handles
 * (MPI 4.1, 15.3.7).  The variables and their raw values are in
 * runtime/mpit/vars.c.
 *
 * Counters and timers are per-handle views of a process-wide count: a
 * handle starts stopped at 0, adds while started, and may be reset or
 * written without touching any other handle.  Levels and high-water marks
 * are continuous and read-only: a handle reads the live value.
 */
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "mpit/mpit.h"

struct MPI_T_pvar_handle_t {
    struct MPI_T_pvar_handle_t *next; /* in its session */
    int index;
    bool running;
    uint64_t accum; /* value gathered while started, up to `base` */
    uint64_t base;  /* raw value when last started (running only) */
};

struct MPI_T_pvar_session_t {
    struct MPI_T_pvar_session_t *next; /* live sessions (lark_mpit_lock) */
    struct MPI_T_pvar_handle_t *handles;
};

static struct MPI_T_pvar_session_t *sessions;

/* Called by the last MPI_T_finalize, lark_mpit_lock held. */
void lark_mpit_pvar_free_all(void);
void lark_mpit_pvar_free_all(void)
{
    while (sessions) {
        struct MPI_T_pvar_session_t *s = sessions;
        sessions = s->next;
        while (s->handles) {
            struct MPI_T_pvar_handle_t *h = s->handles;
            s->handles = h->next;
            free(h);
        }
        free(s);
    }
}

static struct MPI_T_pvar_session_t *session_find(MPI_T_pvar_session session)
{
    for (struct MPI_T_pvar_session_t *s = sessions; s; s = s->next)
        if (s == session)
            return s;
    return NULL;
}

static bool handle_in(struct MPI_T_pvar_session_t *s, MPI_T_pvar_handle handle)
{
    for (struct MPI_T_pvar_handle_t *h = s->handles; h; h = h->next)
        if (h == handle)
            return true;
    return false;
}

/* Lock and check a (session, handle) pair; ALL_HANDLES allowed if all_ok.
 * Returns MPI_SUCCESS with lark_mpit_lock held, or an error without it. */
static int enter(MPI_T_pvar_session session, MPI_T_pvar_handle handle, bool all_ok,
                 struct MPI_T_pvar_session_t **s)
{
    if (!lark_mpit_ready())
        return MPI_T_ERR_NOT_INITIALIZED;
    pthread_mutex_lock(&lark_mpit_lock);
    *s = session_find(session);
    int rc = MPI_SUCCESS;
    if (*s == NULL)
        rc = MPI_T_ERR_INVALID_SESSION;
    else if (handle == MPI_T_PVAR_ALL_HANDLES ? !all_ok : !handle_in(*s, handle))
        rc = MPI_T_ERR_INVALID_HANDLE;
    if (rc != MPI_SUCCESS)
        pthread_mutex_unlock(&lark_mpit_lock);
    return rc;
}

static uint64_t value(const struct MPI_T_pvar_handle_t *h)
{
    const struct lark_pvar *p = lark_mpit_pvar(h->index);
    if (p->continuous && p->readonly)
        return p->raw(p->arg);
    return h->running ? h->accum + (p->raw(p->arg) - h->base) : h->accum;
}

static void to_buf(const struct lark_pvar *p, uint64_t v, void *buf)
{
    if (p->type == MPI_DOUBLE)
        *(double *)buf = (double)v / 1e9; /* timers count ns */
    else
        *(unsigned long long *)buf = v;
}

static uint64_t from_buf(const struct lark_pvar *p, const void *buf)
{
    if (p->type == MPI_DOUBLE) {
        double d = *(const double *)buf;
        return d <= 0 ? 0 : (uint64_t)(d * 1e9);
    }
    return *(const unsigned long long *)buf;
}

int PMPI_T_pvar_get_num(int *num_pvar)
{
    return lark_mpit_num(num_pvar, lark_mpit_npvars());
}
LARK_API_ALIAS(T_pvar_get_num)

int PMPI_T_pvar_get_info(int pvar_index, char *name, int *name_len, int *verbosity, int *var_class,
                         MPI_Datatype *datatype, MPI_T_enum *enumtype, char *desc, int *desc_len,
                         int *bind, int *readonly, int *continuous, int *atomic)
{
    LARK_MPIT_CHECK_READY();
    if (pvar_index < 0 || pvar_index >= lark_mpit_npvars())
        return MPI_T_ERR_INVALID_INDEX;
    const struct lark_pvar *p = lark_mpit_pvar(pvar_index);
    lark_mpit_strout(p->name, name, name_len);
    lark_mpit_strout(p->desc, desc, desc_len);
    if (verbosity)
        *verbosity = p->verbosity;
    if (var_class)
        *var_class = p->var_class;
    if (datatype)
        *datatype = p->type;
    if (enumtype)
        *enumtype = MPI_T_ENUM_NULL;
    if (bind)
        *bind = MPI_T_BIND_NO_OBJECT;
    if (readonly)
        *readonly = p->readonly;
    if (continuous)
        *continuous = p->continuous;
    if (atomic)
        *atomic = 1; /* readreset happens under one lock */
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_pvar_get_info)

int PMPI_T_pvar_get_index(const char *name, int var_class, int *pvar_index)
{
    LARK_MPIT_CHECK_READY();
    if (name == NULL || pvar_index == NULL)
        return MPI_T_ERR_INVALID;
    for (int i = 0; i < lark_mpit_npvars(); i++) {
        const struct lark_pvar *p = lark_mpit_pvar(i);
        if (p->var_class == var_class && strcmp(p->name, name) == 0) {
            *pvar_index = i;
            return MPI_SUCCESS;
        }
    }
    return MPI_T_ERR_INVALID_NAME;
}
LARK_API_ALIAS(T_pvar_get_index)

int PMPI_T_pvar_session_create(MPI_T_pvar_session *session)
{
    LARK_MPIT_CHECK_READY();
    if (session == NULL)
        return MPI_T_ERR_INVALID;
    struct MPI_T_pvar_session_t *s = calloc(1, sizeof *s); /* freed by session_free */
    if (s == NULL)
        return MPI_T_ERR_MEMORY;
    pthread_mutex_lock(&lark_mpit_lock);
    s->next = sessions;
    sessions = s;
    pthread_mutex_unlock(&lark_mpit_lock);
    *session = s;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_pvar_session_create)

int PMPI_T_pvar_session_free(MPI_T_pvar_session *session)
{
    LARK_MPIT_CHECK_READY();
    if (session == NULL)
        return MPI_T_ERR_INVALID;
    pthread_mutex_lock(&lark_mpit_lock);
    struct MPI_T_pvar_session_t **pp = &sessions;
    while (*pp && *pp != *session)
        pp = &(*pp)->next;
    struct MPI_T_pvar_session_t *s = *pp;
    if (s != NULL)
        *pp = s->next;
    pthread_mutex_unlock(&lark_mpit_lock);
    if (s == NULL)
        return MPI_T_ERR_INVALID_SESSION;
    while (s->handles) {
        struct MPI_T_pvar_handle_t *h = s->handles;
        s->handles = h->next;
        free(h);
    }
    free(s);
    *session = MPI_T_PVAR_SESSION_NULL;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_pvar_session_free)

int PMPI_T_pvar_handle_alloc(MPI_T_pvar_session session, int pvar_index, void *obj_handle,
                             MPI_T_pvar_handle *handle, int *count)
{
    (void)obj_handle; /* every Lark performance variable is bound to no object */
    LARK_MPIT_CHECK_READY();
    if (pvar_index < 0 || pvar_index >= lark_mpit_npvars())
        return MPI_T_ERR_INVALID_INDEX;
    if (handle == NULL || count == NULL)
        return MPI_T_ERR_INVALID;
    const struct lark_pvar *p = lark_mpit_pvar(pvar_index);
    struct MPI_T_pvar_handle_t *h = calloc(1, sizeof *h); /* freed by handle_free */
    if (h == NULL)
        return MPI_T_ERR_MEMORY;
    h->index = pvar_index;
    if (p->continuous) {
        h->running = true;
        h->base = p->raw(p->arg);
    }
    pthread_mutex_lock(&lark_mpit_lock);
    struct MPI_T_pvar_session_t *s = session_find(session);
    if (s != NULL) {
        h->next = s->handles;
        s->handles = h;
    }
    pthread_mutex_unlock(&lark_mpit_lock);
    if (s == NULL) {
        free(h);
        return MPI_T_ERR_INVALID_SESSION;
    }
    *handle = h;
    *count = 1;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_pvar_handle_alloc)

int PMPI_T_pvar_handle_free(MPI_T_pvar_session session, MPI_T_pvar_handle *handle)
{
    if (handle == NULL)
        return lark_mpit_ready() ? MPI_T_ERR_INVALID : MPI_T_ERR_NOT_INITIALIZED;
    struct MPI_T_pvar_session_t *s;
    int rc = enter(session, *handle, false, &s);
    if (rc != MPI_SUCCESS)
        return rc;
    struct MPI_T_pvar_handle_t **pp = &s->handles;
    while (*pp != *handle)
        pp = &(*pp)->next;
    *pp = (*handle)->next;
    pthread_mutex_unlock(&lark_mpit_lock);
    free(*handle);
    *handle = MPI_T_PVAR_HANDLE_NULL;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_pvar_handle_free)

/* Start (on) or stop one handle, or every non-continuous one of s. */
static int startstop(MPI_T_pvar_session session, MPI_T_pvar_handle handle, bool on)
{
    struct MPI_T_pvar_session_t *s;
    int rc = enter(session, handle, true, &s);
    if (rc != MPI_SUCCESS)
        return rc;
    for (struct MPI_T_pvar_handle_t *h = s->handles; h; h = h->next) {
        if (handle != MPI_T_PVAR_ALL_HANDLES && h != handle)
            continue;
        const struct lark_pvar *p = lark_mpit_pvar(h->index);
        if (p->continuous) {
            if (handle != MPI_T_PVAR_ALL_HANDLES)
                rc = MPI_T_ERR_PVAR_NO_STARTSTOP;
            continue;
        }
        if (on && !h->running) {
            h->base = p->raw(p->arg);
            h->running = true;
        } else if (!on && h->running) {
            h->accum = value(h);
            h->running = false;
        }
    }
    pthread_mutex_unlock(&lark_mpit_lock);
    return rc;
}

int PMPI_T_pvar_start(MPI_T_pvar_session session, MPI_T_pvar_handle handle)
{
    return startstop(session, handle, true);
}
LARK_API_ALIAS(T_pvar_start)

int PMPI_T_pvar_stop(MPI_T_pvar_session session, MPI_T_pvar_handle handle)
{
    return startstop(session, handle, false);
}
LARK_API_ALIAS(T_pvar_stop)

int PMPI_T_pvar_read(MPI_T_pvar_session session, MPI_T_pvar_handle handle, void *buf)
{
    struct MPI_T_pvar_session_t *s;
    int rc = enter(session, handle, false, &s);
    if (rc != MPI_SUCCESS)
        return rc;
    if (buf == NULL)
        rc = MPI_T_ERR_INVALID;
    else
        to_buf(lark_mpit_pvar(handle->index), value(handle), buf);
    pthread_mutex_unlock(&lark_mpit_lock);
    return rc;
}
LARK_API_ALIAS(T_pvar_read)

/* Set a handle's view to v (0: reset); read-only variables refuse. */
static int set_view(struct MPI_T_pvar_handle_t *h, uint64_t v)
{
    const struct lark_pvar *p = lark_mpit_pvar(h->index);
    if (p->readonly)
        return MPI_T_ERR_PVAR_NO_WRITE;
    h->accum = v;
    if (h->running)
        h->base = p->raw(p->arg);
    return MPI_SUCCESS;
}

int PMPI_T_pvar_write(MPI_T_pvar_session session, MPI_T_pvar_handle handle, const void *buf)
{
    struct MPI_T_pvar_session_t *s;
    int rc = enter(session, handle, false, &s);
    if (rc != MPI_SUCCESS)
        return rc;
    if (buf == NULL)
        rc = MPI_T_ERR_INVALID;
    else
        rc = set_view(handle, from_buf(lark_mpit_pvar(handle->index), buf));
    pthread_mutex_unlock(&lark_mpit_lock);
    return rc;
}
LARK_API_ALIAS(T_pvar_write)

int PMPI_T_pvar_reset(MPI_T_pvar_session session, MPI_T_pvar_handle handle)
{
    struct MPI_T_pvar_session_t *s;
    int rc = enter(session, handle, true, &s);
    if (rc != MPI_SUCCESS)
        return rc;
    for (struct MPI_T_pvar_handle_t *h = s->handles; h; h = h->next) {
        if (handle == MPI_T_PVAR_ALL_HANDLES) {
            if (!lark_mpit_pvar(h->index)->readonly)
                set_view(h, 0);
        } else if (h == handle) {
            rc = set_view(h, 0);
        }
    }
    pthread_mutex_unlock(&lark_mpit_lock);
    return rc;
}
LARK_API_ALIAS(T_pvar_reset)

int PMPI_T_pvar_readreset(MPI_T_pvar_session session, MPI_T_pvar_handle handle, void *buf)
{
    struct MPI_T_pvar_session_t *s;
    int rc = enter(session, handle, false, &s);
    if (rc != MPI_SUCCESS)
        return rc;
    const struct lark_pvar *p = lark_mpit_pvar(handle->index);
    if (buf == NULL) {
        rc = MPI_T_ERR_INVALID;
    } else if (p->readonly) {
        rc = MPI_T_ERR_PVAR_NO_WRITE;
    } else {
        to_buf(p, value(handle), buf);
        set_view(handle, 0);
    }
    pthread_mutex_unlock(&lark_mpit_lock);
    return rc;
}
LARK_API_ALIAS(T_pvar_readreset)

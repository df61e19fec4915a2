/*
 * events.c -- MPI_T events (MPI 4.1, 15.3.8): the event types Lark raises,
 * tools' registrations and callbacks, and raising an event.
 *
 * Events fire inside the library with the runtime lock held, so a callback
 * is called only if it was registered for MPI_T_CB_REQUIRE_MPI_RESTRICTED
 * or a stricter level (the lowest such registered is chosen).  A
 * registration with only an MPI_T_CB_REQUIRE_NONE callback has its events
 * dropped and counted; the count goes to its dropped handler at the next
 * MPI_T call on that registration or when it is freed.
 *
 * When no registration exists for an event, raising it costs one relaxed
 * load (lark_event_armed).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coll/coll.h"
#include "lark.h"
#include "mpit.h"

_Atomic bool lark_event_armed[LARK_NEVENTS];

/* The event instance a callback sees: valid during the callback only. */
struct MPI_T_event_instance_t {
    int event;
    MPI_Count timestamp;
    const void *data;
};

#define NSAFETY 4
static const MPI_T_cb_safety safety_levels[NSAFETY] = {
    MPI_T_CB_REQUIRE_NONE, MPI_T_CB_REQUIRE_MPI_RESTRICTED, MPI_T_CB_REQUIRE_THREAD_SAFE,
    MPI_T_CB_REQUIRE_ASYNC_SIGNAL_SAFE};

struct MPI_T_event_registration_t {
    struct MPI_T_event_registration_t *next; /* all registrations (lark_mpit_lock) */
    int event;
    MPI_T_event_cb_function *cb[NSAFETY];
    void *user_data[NSAFETY];
    MPI_T_event_dropped_cb_function *dropped_cb;
    MPI_Count dropped; /* events lost since last reported */
};

static struct MPI_T_event_registration_t *registrations;

/* The event types.  Element layouts are the records of mpit.h. */
static const struct {
    const char *name, *desc;
    int category;
    int n;
    MPI_Datatype types[4];
    MPI_Aint displs[4];
    size_t size;
} events[LARK_NEVENTS] = {
    [LARK_EV_UNEXPECTED] = {"lark_unexpected_message",
                            "A message arrived before a receive for it was posted: source "
                            "(rank in the communicator), tag, bytes, context id",
                            1, /* lark_p2p */
                            4,
                            {MPI_INT, MPI_INT, MPI_COUNT, MPI_UNSIGNED},
                            {offsetof(struct lark_ev_unexpected, source),
                             offsetof(struct lark_ev_unexpected, tag),
                             offsetof(struct lark_ev_unexpected, bytes),
                             offsetof(struct lark_ev_unexpected, context)},
                            sizeof(struct lark_ev_unexpected)},
    [LARK_EV_COLL_ALG] = {"lark_collective_algorithm",
                          "A collective chose its algorithm: collective (0 bcast, 1 allreduce, "
                          "2 allgather, 3 reduce), algorithm (0 shared memory, else the value "
                          "of lark_coll_<collective>'s enum)",
                          3, /* lark_coll */
                          2,
                          {MPI_INT, MPI_INT},
                          {offsetof(struct lark_ev_coll_alg, collective),
                           offsetof(struct lark_ev_coll_alg, algorithm)},
                          sizeof(struct lark_ev_coll_alg)},
};

int lark_mpit_event_category(int ev)
{
    return events[ev].category;
}

int64_t lark_mpit_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void rearm(int ev)
{
    bool any = false;
    for (struct MPI_T_event_registration_t *r = registrations; r && !any; r = r->next)
        any = r->event == ev;
    atomic_store_explicit(&lark_event_armed[ev], any, memory_order_relaxed);
}

void lark_event_fire(enum lark_event_id ev, const void *data)
{
    struct MPI_T_event_instance_t inst = {
        .event = ev, .timestamp = lark_mpit_clock_ns(), .data = data};
    pthread_mutex_lock(&lark_mpit_lock);
    for (struct MPI_T_event_registration_t *r = registrations; r; r = r->next) {
        if (r->event != (int)ev)
            continue;
        int k = 1; /* the least strict level callable here: MPI_RESTRICTED */
        while (k < NSAFETY && r->cb[k] == NULL)
            k++;
        if (k == NSAFETY) {
            r->dropped++;
            continue;
        }
        r->cb[k](&inst, r, safety_levels[k], r->user_data[k]);
    }
    pthread_mutex_unlock(&lark_mpit_lock);
}

/* Hand a registration's dropped count to its handler (lark_mpit_lock held;
 * the handler runs in a context where anything may be called but this
 * registration's own calls, so the lock is dropped around it). */
static void report_dropped(struct MPI_T_event_registration_t *r)
{
    if (r->dropped == 0 || r->dropped_cb == NULL)
        return;
    MPI_Count n = r->dropped;
    r->dropped = 0;
    MPI_T_event_dropped_cb_function *cb = r->dropped_cb;
    pthread_mutex_unlock(&lark_mpit_lock);
    cb(n, r, 0, MPI_T_CB_REQUIRE_NONE, r->user_data[0]);
    pthread_mutex_lock(&lark_mpit_lock);
}

/* A registration of ours, or NULL (lark_mpit_lock held). */
static struct MPI_T_event_registration_t *find(MPI_T_event_registration reg)
{
    for (struct MPI_T_event_registration_t *r = registrations; r; r = r->next)
        if (r == reg)
            return r;
    return NULL;
}

/* Is `reg` a live registration?  (Takes the lock.) */
static bool registered(MPI_T_event_registration reg)
{
    pthread_mutex_lock(&lark_mpit_lock);
    bool ok = find(reg) != NULL;
    pthread_mutex_unlock(&lark_mpit_lock);
    return ok;
}

static int level_index(MPI_T_cb_safety s)
{
    for (int k = 0; k < NSAFETY; k++)
        if (safety_levels[k] == s)
            return k;
    return -1;
}

void lark_mpit_events_free(void)
{
    while (registrations) {
        struct MPI_T_event_registration_t *r = registrations;
        registrations = r->next;
        atomic_store_explicit(&lark_event_armed[r->event], false, memory_order_relaxed);
        free(r);
    }
}

/* ---- the API ---- */

int PMPI_T_source_get_num(int *num_sources)
{
    return lark_mpit_num(num_sources, 1);
}
LARK_API_ALIAS(T_source_get_num)

int PMPI_T_source_get_info(int source_index, char *name, int *name_len, char *desc, int *desc_len,
                           MPI_T_source_order *ordering, MPI_Count *ticks_per_second,
                           MPI_Count *max_ticks, MPI_Info *info)
{
    LARK_MPIT_CHECK_READY();
    if (source_index != 0)
        return MPI_T_ERR_INVALID_INDEX;
    lark_mpit_strout("lark_clock", name, name_len);
    lark_mpit_strout("The process's CLOCK_MONOTONIC in nanoseconds (the clock of every event)",
                     desc, desc_len);
    if (ordering)
        *ordering = MPI_T_SOURCE_ORDERED;
    if (ticks_per_second)
        *ticks_per_second = 1000000000;
    if (max_ticks)
        *max_ticks = INT64_MAX;
    if (info)
        *info = MPI_INFO_NULL;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_source_get_info)

int PMPI_T_source_get_timestamp(int source_index, MPI_Count *timestamp)
{
    LARK_MPIT_CHECK_READY();
    if (source_index != 0)
        return MPI_T_ERR_INVALID_INDEX;
    if (timestamp == NULL)
        return MPI_T_ERR_INVALID;
    *timestamp = lark_mpit_clock_ns();
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_source_get_timestamp)

int PMPI_T_event_get_num(int *num_events)
{
    return lark_mpit_num(num_events, LARK_NEVENTS);
}
LARK_API_ALIAS(T_event_get_num)

int PMPI_T_event_get_info(int event_index, char *name, int *name_len, int *verbosity,
                          MPI_Datatype array_of_datatypes[], MPI_Aint array_of_displacements[],
                          int *num_elements, MPI_T_enum *enumtype, MPI_Info *info, char *desc,
                          int *desc_len, int *bind)
{
    LARK_MPIT_CHECK_READY();
    if (event_index < 0 || event_index >= LARK_NEVENTS)
        return MPI_T_ERR_INVALID_INDEX;
    lark_mpit_strout(events[event_index].name, name, name_len);
    lark_mpit_strout(events[event_index].desc, desc, desc_len);
    if (verbosity)
        *verbosity = MPI_T_VERBOSITY_TUNER_DETAIL;
    if (num_elements) {
        int n = events[event_index].n;
        for (int i = 0; i < n && i < *num_elements; i++) {
            if (array_of_datatypes)
                array_of_datatypes[i] = events[event_index].types[i];
            if (array_of_displacements)
                array_of_displacements[i] = events[event_index].displs[i];
        }
        *num_elements = n;
    }
    if (enumtype)
        *enumtype = MPI_T_ENUM_NULL;
    if (info)
        *info = MPI_INFO_NULL;
    if (bind)
        *bind = MPI_T_BIND_NO_OBJECT;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_event_get_info)

int PMPI_T_event_get_index(const char *name, int *event_index)
{
    LARK_MPIT_CHECK_READY();
    if (name == NULL || event_index == NULL)
        return MPI_T_ERR_INVALID;
    for (int i = 0; i < LARK_NEVENTS; i++)
        if (strcmp(events[i].name, name) == 0) {
            *event_index = i;
            return MPI_SUCCESS;
        }
    return MPI_T_ERR_INVALID_NAME;
}
LARK_API_ALIAS(T_event_get_index)

int PMPI_T_event_handle_alloc(int event_index, void *obj_handle, MPI_Info info,
                              MPI_T_event_registration *event_registration)
{
    (void)obj_handle; /* every Lark event is bound to no object */
    (void)info;       /* no hints are understood */
    LARK_MPIT_CHECK_READY();
    if (event_index < 0 || event_index >= LARK_NEVENTS)
        return MPI_T_ERR_INVALID_INDEX;
    if (event_registration == NULL)
        return MPI_T_ERR_INVALID;
    struct MPI_T_event_registration_t *r = calloc(1, sizeof *r); /* freed by handle_free */
    if (r == NULL)
        return MPI_T_ERR_MEMORY;
    r->event = event_index;
    pthread_mutex_lock(&lark_mpit_lock);
    r->next = registrations;
    registrations = r;
    pthread_mutex_unlock(&lark_mpit_lock);
    *event_registration = r;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_event_handle_alloc)

int PMPI_T_event_handle_set_info(MPI_T_event_registration event_registration, MPI_Info info)
{
    (void)info;
    LARK_MPIT_CHECK_READY();
    pthread_mutex_lock(&lark_mpit_lock);
    struct MPI_T_event_registration_t *r = find(event_registration);
    if (r != NULL)
        report_dropped(r);
    pthread_mutex_unlock(&lark_mpit_lock);
    return r ? MPI_SUCCESS : MPI_T_ERR_INVALID_HANDLE;
}
LARK_API_ALIAS(T_event_handle_set_info)

int PMPI_T_event_handle_get_info(MPI_T_event_registration event_registration, MPI_Info *info_used)
{
    LARK_MPIT_CHECK_READY();
    if (info_used == NULL)
        return MPI_T_ERR_INVALID;
    if (!registered(event_registration))
        return MPI_T_ERR_INVALID_HANDLE;
    *info_used = MPI_INFO_NULL;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_event_handle_get_info)

int PMPI_T_event_register_callback(MPI_T_event_registration event_registration,
                                   MPI_T_cb_safety cb_safety, MPI_Info info, void *user_data,
                                   MPI_T_event_cb_function *event_cb_function)
{
    (void)info;
    LARK_MPIT_CHECK_READY();
    int k = level_index(cb_safety);
    if (k < 0)
        return MPI_T_ERR_INVALID;
    pthread_mutex_lock(&lark_mpit_lock);
    struct MPI_T_event_registration_t *r = find(event_registration);
    if (r != NULL) {
        report_dropped(r);
        r->cb[k] = event_cb_function; /* NULL removes it */
        r->user_data[k] = user_data;
        rearm(r->event);
    }
    pthread_mutex_unlock(&lark_mpit_lock);
    return r ? MPI_SUCCESS : MPI_T_ERR_INVALID_HANDLE;
}
LARK_API_ALIAS(T_event_register_callback)

int PMPI_T_event_callback_set_info(MPI_T_event_registration event_registration,
                                   MPI_T_cb_safety cb_safety, MPI_Info info)
{
    (void)info;
    LARK_MPIT_CHECK_READY();
    if (level_index(cb_safety) < 0)
        return MPI_T_ERR_INVALID;
    return registered(event_registration) ? MPI_SUCCESS : MPI_T_ERR_INVALID_HANDLE;
}
LARK_API_ALIAS(T_event_callback_set_info)

int PMPI_T_event_callback_get_info(MPI_T_event_registration event_registration,
                                   MPI_T_cb_safety cb_safety, MPI_Info *info_used)
{
    LARK_MPIT_CHECK_READY();
    if (level_index(cb_safety) < 0 || info_used == NULL)
        return MPI_T_ERR_INVALID;
    if (!registered(event_registration))
        return MPI_T_ERR_INVALID_HANDLE;
    *info_used = MPI_INFO_NULL;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_event_callback_get_info)

int PMPI_T_event_handle_free(MPI_T_event_registration event_registration, void *user_data,
                             MPI_T_event_free_cb_function *free_cb_function)
{
    LARK_MPIT_CHECK_READY();
    pthread_mutex_lock(&lark_mpit_lock);
    struct MPI_T_event_registration_t *r = find(event_registration);
    if (r == NULL) {
        pthread_mutex_unlock(&lark_mpit_lock);
        return MPI_T_ERR_INVALID_HANDLE;
    }
    report_dropped(r);
    struct MPI_T_event_registration_t **pp = &registrations;
    while (*pp != r)
        pp = &(*pp)->next;
    *pp = r->next;
    rearm(r->event);
    pthread_mutex_unlock(&lark_mpit_lock);
    /* No callback of r can be running now: events fire under the lock. */
    if (free_cb_function != NULL)
        free_cb_function(r, MPI_T_CB_REQUIRE_NONE, user_data);
    free(r);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_event_handle_free)

int PMPI_T_event_set_dropped_handler(MPI_T_event_registration event_registration,
                                     MPI_T_event_dropped_cb_function *dropped_cb_function)
{
    LARK_MPIT_CHECK_READY();
    pthread_mutex_lock(&lark_mpit_lock);
    struct MPI_T_event_registration_t *r = find(event_registration);
    if (r != NULL)
        r->dropped_cb = dropped_cb_function;
    pthread_mutex_unlock(&lark_mpit_lock);
    return r ? MPI_SUCCESS : MPI_T_ERR_INVALID_HANDLE;
}
LARK_API_ALIAS(T_event_set_dropped_handler)

/* The instance calls: made from inside a callback, so they take no lock. */

int PMPI_T_event_read(MPI_T_event_instance event_instance, int element_index, void *buffer)
{
    if (event_instance == NULL || buffer == NULL)
        return MPI_T_ERR_INVALID;
    int ev = event_instance->event;
    if (element_index < 0 || element_index >= events[ev].n)
        return MPI_T_ERR_INVALID_INDEX;
    size_t off = (size_t)events[ev].displs[element_index];
    size_t end = element_index + 1 < events[ev].n ? (size_t)events[ev].displs[element_index + 1]
                                                  : events[ev].size;
    MPI_Datatype t = events[ev].types[element_index];
    size_t len = t == MPI_COUNT ? sizeof(MPI_Count) : sizeof(int);
    if (len > end - off)
        len = end - off;
    memcpy(buffer, (const char *)event_instance->data + off, len);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_event_read)

int PMPI_T_event_copy(MPI_T_event_instance event_instance, void *buffer)
{
    if (event_instance == NULL || buffer == NULL)
        return MPI_T_ERR_INVALID;
    memcpy(buffer, event_instance->data, events[event_instance->event].size);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_event_copy)

int PMPI_T_event_get_timestamp(MPI_T_event_instance event_instance, MPI_Count *event_timestamp)
{
    if (event_instance == NULL || event_timestamp == NULL)
        return MPI_T_ERR_INVALID;
    *event_timestamp = event_instance->timestamp;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_event_get_timestamp)

int PMPI_T_event_get_source(MPI_T_event_instance event_instance, int *source_index)
{
    if (event_instance == NULL || source_index == NULL)
        return MPI_T_ERR_INVALID;
    *source_index = 0;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(T_event_get_source)

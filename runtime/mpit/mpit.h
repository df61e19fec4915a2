/*
 * mpit.h -- the tools information interface (MPI_T, MPI 4.1 chapter 15):
 * Lark's control variables, performance variables, categories, enums and
 * events, as tables (vars.c, events.c) that the API (runtime/api/mpit*.c)
 * walks.
 *
 * Control variables are Lark's knobs: the ones that are safe to change at
 * run time are writable (eager cap, waiting policy, collective algorithms);
 * the ones read once at MPI_Init from LARK_* variables are readable.
 * Performance variables read the counters of stats.h.  Everything works
 * before MPI_Init and after MPI_Finalize, as the standard asks.
 *
 * Locking: one mutex (lark_mpit_lock) guards the interface's own state
 * (init count, sessions, handles, event registrations).  It is never held
 * while taking the runtime lock; events fire with the runtime lock held and
 * take it after (order: runtime lock, then lark_mpit_lock).
 *
 * Cost: fixed tables; a handle or session is one small allocation; nothing
 * grows with the job.
 */
#ifndef LARK_MPIT_H_INCLUDED
#define LARK_MPIT_H_INCLUDED

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lark.h"
#include "stats.h"

extern pthread_mutex_t lark_mpit_lock;
/* MPI_T_init_thread count (under lark_mpit_lock; read without for checks). */
extern _Atomic int lark_mpit_inits;

static inline bool lark_mpit_ready(void)
{
    return lark_mpit_inits > 0;
}

/* The first check of every MPI_T call but the event-instance ones. */
#define LARK_MPIT_CHECK_READY()                                                                    \
    do {                                                                                           \
        if (!lark_mpit_ready())                                                                    \
            return MPI_T_ERR_NOT_INITIALIZED;                                                      \
    } while (0)

/* The body of the MPI_T_*_get_num calls. */
static inline int lark_mpit_num(int *out, int n)
{
    LARK_MPIT_CHECK_READY();
    if (out == NULL)
        return MPI_T_ERR_INVALID;
    *out = n;
    return MPI_SUCCESS;
}

/* Copy a name or description out as MPI_T does (15.3.3): with a NULL
 * buffer or *len 0 only the length needed (with the NUL) is returned;
 * otherwise at most *len - 1 characters and a NUL, *len set to what was
 * written with the NUL. */
void lark_mpit_strout(const char *s, char *buf, int *len);

/* ---- enums ---- */
struct MPI_T_enum_t {
    const char *name;
    int n;
    const char *const *items; /* item i has value i */
};

/* ---- categories ---- */
int lark_mpit_ncategories(void);
const char *lark_mpit_category_name(int i);
const char *lark_mpit_category_desc(int i);
/* Members of category `cat` of a kind, in index order: writes up to len
 * indices, returns how many there are. */
enum lark_mpit_kind { LARK_MPIT_CVAR, LARK_MPIT_PVAR, LARK_MPIT_EVENT, LARK_MPIT_CATEGORY };
int lark_mpit_category_members(int cat, enum lark_mpit_kind kind, int len, int *out);

/* ---- control variables ---- */
struct lark_cvar {
    const char *name;
    const char *desc;
    int verbosity;
    int scope;
    MPI_Datatype type;             /* MPI_INT, MPI_UNSIGNED_LONG or MPI_CHAR */
    struct MPI_T_enum_t *enumtype; /* MPI_INT with named values, or NULL */
    int count;                     /* elements (MPI_CHAR: the buffer size) */
    int category;
    void (*get)(int arg, void *out);
    int (*set)(int arg, const void *in); /* NULL: read-only; returns an MPI_T error */
    int arg;
};
int lark_mpit_ncvars(void);
const struct lark_cvar *lark_mpit_cvar(int i);

/* ---- performance variables ---- */
struct lark_pvar {
    char name[64];
    const char *desc;
    int verbosity;
    int var_class;
    MPI_Datatype type; /* MPI_UNSIGNED_LONG_LONG or MPI_DOUBLE (timers, seconds) */
    bool readonly, continuous;
    int category;
    uint64_t (*raw)(int arg); /* the process-wide value (timers: ns) */
    int arg;
};
int lark_mpit_npvars(void);
const struct lark_pvar *lark_mpit_pvar(int i);

/* ---- events (events.c; the ids, records and raising are in stats.h) ---- */
int lark_mpit_event_category(int ev);
/* Release every registration (the last MPI_T_finalize). */
void lark_mpit_events_free(void);
int64_t lark_mpit_clock_ns(void);

#endif

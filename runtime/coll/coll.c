/*
 * coll.c -- the point-to-point glue under every collective algorithm, the
 * blocking forms of the collectives (each runs its schedule directly), and
 * the environment switches that force an algorithm (for tests).
 *
 * Collective messages are bytes (MPI_BYTE) in the communicator's collective
 * context.  Each helper posts its operations under the runtime lock, then
 * waits without it, as request.h requires.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coll.h"
#include "datatype.h"
#include "p2p.h"
#include "request.h"
#include "runtime.h"
#include "sched.h"

static struct lark_datatype *byte_type(void)
{
    static struct lark_datatype *dt;
    if (dt == NULL)
        dt = lark_datatype_from_handle(MPI_BYTE);
    return dt;
}

int lark_sched_sendrecv(struct lark_sched *s, const void *sbuf, size_t sbytes, int dst, void *rbuf,
                        size_t rbytes, int src, int tag)
{
    int rc = lark_sched_irecv(s, rbuf, rbytes, src, tag);
    if (rc == 0)
        rc = lark_sched_isend(s, sbuf, sbytes, dst, tag);
    int wrc = lark_sched_wait(s);
    return rc != 0 ? rc : wrc;
}

/* One-way steps (the trees of bcast, reduce, gather, scatter): a direct
 * schedule with nothing outstanding takes the blocking point-to-point path
 * (one request, no waitall). */
int lark_sched_send(struct lark_sched *s, const void *buf, size_t bytes, int dst, int tag)
{
    if (!s->record && s->nreqs == 0)
        return lark_p2p_send(buf, bytes, byte_type(), dst, tag, s->comm, LARK_CTX_COLL);
    int rc = lark_sched_isend(s, buf, bytes, dst, tag);
    int wrc = lark_sched_wait(s);
    return rc != 0 ? rc : wrc;
}

int lark_sched_recv(struct lark_sched *s, void *buf, size_t bytes, int src, int tag)
{
    if (!s->record && s->nreqs == 0)
        return lark_p2p_recv(buf, bytes, byte_type(), src, tag, s->comm, LARK_CTX_COLL,
                             MPI_STATUS_IGNORE);
    int rc = lark_sched_irecv(s, buf, bytes, src, tag);
    int wrc = lark_sched_wait(s);
    return rc != 0 ? rc : wrc;
}

/* ---- blocking forms: a direct schedule on the stack ---- */

int lark_coll_send(const void *buf, size_t bytes, int dst, int tag, struct lark_comm *comm)
{
    struct lark_sched s;
    lark_sched_direct(&s, comm);
    return lark_sched_direct_end(&s, lark_sched_send(&s, buf, bytes, dst, tag));
}

int lark_coll_recv(void *buf, size_t bytes, int src, int tag, struct lark_comm *comm)
{
    struct lark_sched s;
    lark_sched_direct(&s, comm);
    return lark_sched_direct_end(&s, lark_sched_recv(&s, buf, bytes, src, tag));
}

int lark_coll_sendrecv(const void *sbuf, size_t sbytes, int dst, void *rbuf, size_t rbytes, int src,
                       int tag, struct lark_comm *comm)
{
    struct lark_sched s;
    lark_sched_direct(&s, comm);
    return lark_sched_direct_end(
        &s, lark_sched_sendrecv(&s, sbuf, sbytes, dst, rbuf, rbytes, src, tag));
}

int lark_coll_barrier(struct lark_comm *comm)
{
    struct lark_sched s;
    lark_sched_direct(&s, comm);
    return lark_sched_direct_end(&s, lark_sched_barrier(&s));
}

int lark_coll_bcast(void *buf, size_t bytes, int root, struct lark_comm *comm)
{
    struct lark_sched s;
    lark_sched_direct(&s, comm);
    return lark_sched_direct_end(&s, lark_sched_bcast(&s, buf, bytes, root));
}

int lark_coll_reduce(const void *sbuf, void *rbuf, const struct lark_reduction *red, int root,
                     struct lark_comm *comm)
{
    struct lark_sched s;
    lark_sched_direct(&s, comm);
    return lark_sched_direct_end(&s, lark_sched_reduce(&s, sbuf, rbuf, red, root));
}

int lark_coll_allreduce(void *buf, const struct lark_reduction *red, struct lark_comm *comm)
{
    struct lark_sched s;
    lark_sched_direct(&s, comm);
    return lark_sched_direct_end(&s, lark_sched_allreduce(&s, buf, red));
}

int lark_coll_scan(const void *sbuf, void *buf, const struct lark_reduction *red, int exclusive,
                   struct lark_comm *comm)
{
    struct lark_sched s;
    lark_sched_direct(&s, comm);
    return lark_sched_direct_end(&s, lark_sched_scan(&s, sbuf, buf, red, exclusive));
}

int lark_coll_reduce_scatter(const void *sbuf, void *rbuf, const size_t *counts,
                             const struct lark_reduction *red, struct lark_comm *comm)
{
    struct lark_sched s;
    lark_sched_direct(&s, comm);
    return lark_sched_direct_end(&s, lark_sched_reduce_scatter(&s, sbuf, rbuf, counts, red));
}

int lark_coll_gather(const void *sbuf, void *rbuf, size_t bytes, int root, struct lark_comm *comm)
{
    struct lark_sched s;
    lark_sched_direct(&s, comm);
    return lark_sched_direct_end(&s, lark_sched_gather(&s, sbuf, rbuf, bytes, root));
}

int lark_coll_scatter(const void *sbuf, void *rbuf, size_t bytes, int root, struct lark_comm *comm)
{
    struct lark_sched s;
    lark_sched_direct(&s, comm);
    return lark_sched_direct_end(&s, lark_sched_scatter(&s, sbuf, rbuf, bytes, root));
}

int lark_coll_gatherv(const void *sbuf, size_t sbytes, void *rbuf, const size_t *rcounts,
                      const size_t *rdispls, int root, struct lark_comm *comm)
{
    struct lark_sched s;
    lark_sched_direct(&s, comm);
    return lark_sched_direct_end(
        &s, lark_sched_gatherv(&s, sbuf, sbytes, rbuf, rcounts, rdispls, root));
}

int lark_coll_scatterv(const void *sbuf, const size_t *scounts, const size_t *sdispls, void *rbuf,
                       size_t rbytes, int root, struct lark_comm *comm)
{
    struct lark_sched s;
    lark_sched_direct(&s, comm);
    return lark_sched_direct_end(
        &s, lark_sched_scatterv(&s, sbuf, scounts, sdispls, rbuf, rbytes, root));
}

int lark_coll_allgather(void *rbuf, size_t bytes, struct lark_comm *comm)
{
    struct lark_sched s;
    lark_sched_direct(&s, comm);
    return lark_sched_direct_end(&s, lark_sched_allgather(&s, rbuf, bytes));
}

int lark_coll_allgatherv(void *rbuf, const size_t *counts, const size_t *displs,
                         struct lark_comm *comm)
{
    struct lark_sched s;
    lark_sched_direct(&s, comm);
    return lark_sched_direct_end(&s, lark_sched_allgatherv(&s, rbuf, counts, displs));
}

int lark_coll_alltoallv(const void *sbuf, const size_t *scounts, const size_t *sdispls, void *rbuf,
                        const size_t *rcounts, const size_t *rdispls, struct lark_comm *comm)
{
    struct lark_sched s;
    lark_sched_direct(&s, comm);
    return lark_sched_direct_end(
        &s, lark_sched_alltoallv(&s, sbuf, scounts, sdispls, rbuf, rcounts, rdispls));
}

/* Names accepted per variable, in enum order (LARK_ALG_1, _2, _3), by row
 * (enum lark_coll_row, runtime/mpit/stats.h). */
static const struct {
    const char *var;
    const char *names[3];
} forced_table[LARK_NROWS] = {
    [LARK_ROW_BCAST] = {"LARK_COLL_BCAST", {"binomial", "scatter_allgather", NULL}},
    [LARK_ROW_ALLREDUCE] = {"LARK_COLL_ALLREDUCE", {"recursive_doubling", "ring", "reduce_bcast"}},
    [LARK_ROW_ALLGATHER] = {"LARK_COLL_ALLGATHER", {"bruck", "ring", NULL}},
    [LARK_ROW_REDUCE] = {"LARK_COLL_REDUCE", {"binomial", "reduce_scatter_gather", NULL}},
    [LARK_ROW_SHM] = {"LARK_COLL_SHM", {"on", "off", NULL}},
    [LARK_ROW_NODE] = {"LARK_COLL_NODE", {"on", "off", NULL}},
    [LARK_ROW_ALLTOALL] = {"LARK_COLL_ALLTOALL", {"pairwise", "linear", NULL}},
};

/* The environment is read once per variable: collectives are called
 * millions of times and getenv walks the whole environment.  A race
 * between threads on first use only stores the same value twice.  MPI_T
 * writes here too (lark_coll_force). */
static _Atomic int forced_cache[LARK_NROWS]; /* 0 unread, else alg + 1 */

enum lark_coll_alg lark_coll_forced(enum lark_coll_row row)
{
    int c = atomic_load_explicit(&forced_cache[row], memory_order_relaxed);
    if (c != 0)
        return (enum lark_coll_alg)(c - 1);
    const char *var = forced_table[row].var;
    const char *const *names = forced_table[row].names;
    enum lark_coll_alg alg = LARK_ALG_AUTO;
    const char *v = getenv(var);
    for (int k = 0; v != NULL && k < 3; k++)
        if (names[k] != NULL && strcmp(names[k], v) == 0)
            alg = (enum lark_coll_alg)(k + 1);
    if (v != NULL && *v != '\0' && alg == LARK_ALG_AUTO)
        fprintf(stderr,
                "Lark: %s=%s is not an algorithm Lark knows (%s%s%s%s%s); "
                "using the automatic choice\n",
                var, v, names[0], names[1] ? ", " : "", names[1] ? names[1] : "",
                names[2] ? ", " : "", names[2] ? names[2] : "");
    atomic_store_explicit(&forced_cache[row], (int)alg + 1, memory_order_relaxed);
    return alg;
}

void lark_coll_force(enum lark_coll_row row, enum lark_coll_alg alg)
{
    atomic_store_explicit(&forced_cache[row], (int)alg + 1, memory_order_relaxed);
}

const char *lark_coll_var(enum lark_coll_row row)
{
    return forced_table[row].var;
}

const char *lark_coll_alg_name(enum lark_coll_row row, enum lark_coll_alg alg)
{
    return alg == LARK_ALG_AUTO ? "auto" : forced_table[row].names[alg - 1];
}

/* The thresholds of the automatic choices, in one table (runtime/README.md
 * "Collectives" has the whole choice): the default, and the variable that
 * overrides it (bytes), read once; MPI_T writes here too. */
static struct {
    const char *var, *desc;
    size_t def;
    _Atomic size_t val; /* 0 unread, else the value + 1 */
} limits[LARK_NLIMS] = {
    [LARK_LIM_BCAST_LONG] = {"LARK_COLL_BCAST_LONG",
                             "bcast: scatter + ring allgather from this many bytes on more than 2 "
                             "ranks, binomial tree below",
                             256 * 1024},
    [LARK_LIM_ALLREDUCE_RING] = {"LARK_COLL_ALLREDUCE_RING",
                                 "allreduce: ring from this many bytes (commutative predefined op, "
                                 "an element per rank), recursive doubling below",
                                 16 * 1024},
    [LARK_LIM_ALLGATHER_RING] =
        {"LARK_COLL_ALLGATHER_RING",
         "allgather: ring from this many bytes gathered in all, Bruck below", 64 * 1024},
    [LARK_LIM_ALLTOALL_PAIRWISE] =
        {"LARK_COLL_ALLTOALL_PAIRWISE",
         "alltoall(v,w): pairwise exchange from this many bytes in a rank's largest block, "
         "every message posted at once below",
         32 * 1024},
    /* A message streamed through the shm pool (7 slots of 32 KiB) needs a
     * pass of its sender for every pool's worth, and a sender inside a
     * nonblocking collective passes only when the program calls MPI_Test:
     * an MPI_Iallreduce of 1 MiB on 2 ranks took 10-15 MPI_Test calls to
     * finish, 2-5 when each message is read whole (Open MPI: 2-6).  Below
     * a pool's worth the stream needs one sender pass anyway, and a
     * single read costs more there (64 KiB ping-pong: 10.7 us against
     * 4.8 streamed). */
    [LARK_LIM_NB_ONE_READ] =
        {"LARK_COLL_NB_ONE_READ",
         "nonblocking and persistent collectives: a received message of this many bytes or more "
         "is read whole by the receiver (single copy), without waiting for the sender's MPI calls",
         256 * 1024},
};

size_t lark_coll_limit(enum lark_coll_limit l)
{
    size_t v = atomic_load_explicit(&limits[l].val, memory_order_relaxed);
    if (v != 0)
        return v - 1;
    v = limits[l].def;
    const char *e = getenv(limits[l].var);
    if (e != NULL && *e != '\0') {
        char *end;
        unsigned long long x = strtoull(e, &end, 0);
        if (*end == '\0' && e[0] != '-')
            v = (size_t)x;
        else
            fprintf(stderr, "Lark: %s=%s is not a size in bytes; using %zu\n", limits[l].var, e, v);
    }
    atomic_store_explicit(&limits[l].val, v + 1, memory_order_relaxed);
    return v;
}

void lark_coll_limit_set(enum lark_coll_limit l, size_t bytes)
{
    atomic_store_explicit(&limits[l].val, bytes + 1, memory_order_relaxed);
}

const char *lark_coll_limit_var(enum lark_coll_limit l, const char **desc)
{
    *desc = limits[l].desc;
    return limits[l].var;
}

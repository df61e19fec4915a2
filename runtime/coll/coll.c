/*
 * coll.c -- the point-to-point glue under every collective algorithm, and
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

static struct lark_datatype *byte_type(void)
{
    static struct lark_datatype *dt;
    if (dt == NULL)
        dt = lark_datatype_from_handle(MPI_BYTE);
    return dt;
}

int lark_coll_sendrecv(const void *sbuf, size_t sbytes, int dst, void *rbuf, size_t rbytes, int src,
                       int tag, struct lark_comm *comm)
{
    struct lark_request *reqs[2] = {NULL, NULL};
    int rc = 0;
    lark_lock();
    if (src != MPI_PROC_NULL)
        rc = lark_p2p_irecv(rbuf, rbytes, byte_type(), src, tag, comm, LARK_CTX_COLL, &reqs[0]);
    if (rc == 0 && dst != MPI_PROC_NULL)
        rc = lark_p2p_isend(sbuf, sbytes, byte_type(), dst, tag, comm, LARK_CTX_COLL,
                            LARK_SEND_STANDARD, &reqs[1]);
    lark_unlock();
    int wrc = lark_request_waitall(2, reqs, MPI_STATUSES_IGNORE);
    return rc != 0 ? rc : wrc;
}

/* One-way steps (the trees of bcast, reduce, gather, scatter) take the
 * blocking point-to-point path directly: one request, no waitall. */
int lark_coll_send(const void *buf, size_t bytes, int dst, int tag, struct lark_comm *comm)
{
    return lark_p2p_send(buf, bytes, byte_type(), dst, tag, comm, LARK_CTX_COLL);
}

int lark_coll_recv(void *buf, size_t bytes, int src, int tag, struct lark_comm *comm)
{
    return lark_p2p_recv(buf, bytes, byte_type(), src, tag, comm, LARK_CTX_COLL, MPI_STATUS_IGNORE);
}

/* Names accepted per variable, in enum order (LARK_ALG_1, _2, _3). */
static const struct {
    const char *var;
    const char *names[3];
} forced_table[] = {
    {"LARK_COLL_BCAST", {"binomial", "scatter_allgather", NULL}},
    {"LARK_COLL_ALLREDUCE", {"recursive_doubling", "ring", "reduce_bcast"}},
    {"LARK_COLL_ALLGATHER", {"bruck", "ring", NULL}},
    {"LARK_COLL_REDUCE", {"binomial", "reduce_scatter_gather", NULL}},
};
#define NFORCED (sizeof forced_table / sizeof forced_table[0])

enum lark_coll_alg lark_coll_forced(const char *var)
{
    /* The environment is read once per variable: collectives are called
     * millions of times and getenv walks the whole environment.  A race
     * between threads on first use only stores the same value twice. */
    static _Atomic int cache[NFORCED]; /* 0 unread, else alg + 1 */
    for (size_t i = 0; i < NFORCED; i++) {
        if (strcmp(forced_table[i].var, var) != 0)
            continue;
        int c = atomic_load_explicit(&cache[i], memory_order_relaxed);
        if (c != 0)
            return (enum lark_coll_alg)(c - 1);
        enum lark_coll_alg alg = LARK_ALG_AUTO;
        const char *v = getenv(var);
        for (int k = 0; v != NULL && k < 3; k++)
            if (forced_table[i].names[k] != NULL && strcmp(forced_table[i].names[k], v) == 0)
                alg = (enum lark_coll_alg)(k + 1);
        if (v != NULL && *v != '\0' && alg == LARK_ALG_AUTO)
            fprintf(stderr,
                    "Lark: %s=%s is not an algorithm Lark knows (%s%s%s%s%s); "
                    "using the automatic choice\n",
                    var, v, forced_table[i].names[0], forced_table[i].names[1] ? ", " : "",
                    forced_table[i].names[1] ? forced_table[i].names[1] : "",
                    forced_table[i].names[2] ? ", " : "",
                    forced_table[i].names[2] ? forced_table[i].names[2] : "");
        atomic_store_explicit(&cache[i], (int)alg + 1, memory_order_relaxed);
        return alg;
    }
    return LARK_ALG_AUTO;
}

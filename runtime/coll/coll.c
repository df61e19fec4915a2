/*
 * coll.c -- the point-to-point glue under every collective algorithm, and
 * the environment switches that force an algorithm (for tests).
 *
 * Collective messages are bytes (MPI_BYTE) in the communicator's collective
 * context.  Each helper posts its operations under the runtime lock, then
 * waits without it, as request.h requires.
 */
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

int lark_coll_send(const void *buf, size_t bytes, int dst, int tag, struct lark_comm *comm)
{
    return lark_coll_sendrecv(buf, bytes, dst, NULL, 0, MPI_PROC_NULL, tag, comm);
}

int lark_coll_recv(void *buf, size_t bytes, int src, int tag, struct lark_comm *comm)
{
    return lark_coll_sendrecv(NULL, 0, MPI_PROC_NULL, buf, bytes, src, tag, comm);
}

enum lark_coll_alg lark_coll_forced(const char *var)
{
    /* Names accepted per variable, in enum order (LARK_ALG_1, _2, _3). */
    static const struct {
        const char *var;
        const char *names[3];
    } table[] = {
        {"LARK_COLL_BCAST", {"binomial", "scatter_allgather", NULL}},
        {"LARK_COLL_ALLREDUCE", {"recursive_doubling", "ring", "reduce_bcast"}},
        {"LARK_COLL_ALLGATHER", {"bruck", "ring", NULL}},
    };
    const char *v = getenv(var);
    if (v == NULL || *v == '\0')
        return LARK_ALG_AUTO;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(table[i].var, var) != 0)
            continue;
        for (int k = 0; k < 3; k++)
            if (table[i].names[k] != NULL && strcmp(table[i].names[k], v) == 0)
                return (enum lark_coll_alg)(k + 1);
    }
    return LARK_ALG_AUTO;
}

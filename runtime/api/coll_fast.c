/*
 * coll_fast.c (api) -- the direct path of the blocking MPI_Allreduce,
 * MPI_Reduce and MPI_Bcast: a small vector of a predefined type (under a
 * predefined op) on an intracommunicator whose collectives already go
 * through its shared-memory segment (runtime/coll/shm.c) is checked here
 * and handed to the segment at once.  What it skips is the general
 * body's machinery (coll.c): the same handles resolved three to six
 * times over, the staging of every buffer, the direct schedule, and the
 * choice among algorithms that lark_coll_shm_ready says is made for this
 * communicator.  Callgrind, 2 ranks, one double (bench/instr.sh):
 * MPI_Allreduce cost 869 instructions a call through the general body,
 * 468 this way.
 *
 * It takes exactly the path the general body would take (the same
 * limits: LARK_SHM_SLOT bytes, LARK_SHM_CELL for reduce), so ranks that
 * take it and ranks that do not (a derived type of the same signature,
 * say) still meet in the same segment.  Anything it does not recognise
 * (an error included) goes the long way, whose checks report it.
 */
#include "coll/coll.h"
#include "coll_api.h"
#include "comm.h"
#include "datatype.h"
#include "error.h"
#include "mpit/stats.h"
#include "op.h"
#include "runtime.h"
#include "where.h"

/* count elements of type on comm when they can take the direct path:
 * comm an intracommunicator with its segment set up, type predefined, 1
 * to `limit` bytes.  *c the communicator, *sh its segment. */
LARK_INLINE bool direct(MPI_Comm comm, MPI_Count count, MPI_Datatype type, size_t limit,
                        struct lark_comm **c, struct lark_coll_shm **sh, size_t *bytes)
{
    struct lark_comm *x = lark_initialized() ? lark_comm_from_handle(comm) : NULL;
    struct lark_datatype *dt = lark_datatype_from_handle(type);
    if (LARK_UNLIKELY(x == NULL || x->remote != NULL || dt == NULL || !dt->predefined ||
                      !dt->committed || count <= 0))
        return false;
    *bytes = (size_t)count * (size_t)dt->extent;
    if (*bytes > limit || (*sh = lark_coll_shm_ready(x)) == NULL)
        return false;
    *c = x;
    return true;
}

/* The same for a reduction under op, which must be predefined and
 * defined on type. */
LARK_INLINE bool direct_red(MPI_Comm comm, MPI_Count count, MPI_Datatype type, MPI_Op op,
                            size_t limit, struct lark_comm **c, struct lark_coll_shm **sh,
                            struct lark_reduction *red)
{
    if (!lark_op_is_predefined(op) || lark_op_check(op, type) != MPI_SUCCESS ||
        !direct(comm, count, type, limit, c, sh, &red->bytes))
        return false;
    red->op = op;
    red->type = type;
    red->count = (size_t)count;
    red->commutes = 1;
    return true;
}

/* The end of a direct call: rc from the segment (internal codes). */
static int end(struct lark_comm *c, const char *call, int rc)
{
    if (LARK_UNLIKELY(rc != 0))
        return lark_err_raise(c, call, rc, "the collective failed");
    lark_where_defer_end();
    return MPI_SUCCESS;
}

bool lark_coll_fast_allreduce(const void *sbuf, void *rbuf, MPI_Count count, MPI_Datatype type,
                              MPI_Op op, MPI_Comm comm, int *err)
{
    static const char call[] = "MPI_Allreduce";
    struct lark_comm *c;
    struct lark_coll_shm *sh;
    struct lark_reduction red;
    if (sbuf == NULL || rbuf == NULL ||
        !direct_red(comm, count, type, op, LARK_SHM_SLOT, &c, &sh, &red))
        return false;
    lark_where_defer(call, c);
    lark_stats_coll(LARK_ROW_ALLREDUCE, 0);
    *err = end(c, call,
               lark_coll_shm_allreduce(sh, sbuf == MPI_IN_PLACE ? rbuf : sbuf, rbuf, &red, c));
    return true;
}

bool lark_coll_fast_reduce(const void *sbuf, void *rbuf, MPI_Count count, MPI_Datatype type,
                           MPI_Op op, int root, MPI_Comm comm, int *err)
{
    static const char call[] = "MPI_Reduce";
    struct lark_comm *c;
    struct lark_coll_shm *sh;
    struct lark_reduction red;
    if (sbuf == NULL || !direct_red(comm, count, type, op, LARK_SHM_CELL, &c, &sh, &red))
        return false;
    /* The root's checks (a valid root; rbuf there; MPI_IN_PLACE only
     * there) fail the long way. */
    bool here = c->rank == root;
    if (root < 0 || root >= c->size || (here ? rbuf == NULL : sbuf == MPI_IN_PLACE))
        return false;
    lark_where_defer(call, c);
    lark_where_defer_root(c, root);
    lark_stats_coll(LARK_ROW_REDUCE, 0);
    *err = end(c, call,
               lark_coll_shm_reduce(sh, sbuf == MPI_IN_PLACE ? rbuf : sbuf, rbuf, &red, root, c));
    return true;
}

bool lark_coll_fast_bcast(void *buf, MPI_Count count, MPI_Datatype type, int root, MPI_Comm comm,
                          int *err)
{
    static const char call[] = "MPI_Bcast";
    struct lark_comm *c;
    struct lark_coll_shm *sh;
    size_t bytes;
    if (buf == NULL || !direct(comm, count, type, LARK_SHM_SLOT, &c, &sh, &bytes) || root < 0 ||
        root >= c->size)
        return false;
    lark_where_defer(call, c);
    lark_where_defer_root(c, root);
    lark_stats_coll(LARK_ROW_BCAST, 0);
    *err = end(c, call, lark_coll_shm_bcast(sh, buf, bytes, root, c));
    return true;
}

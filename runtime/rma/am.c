/*
 * am.c -- the active-message protocol of one-sided communication: the
 * frames an origin sends to a target whose memory it cannot map (another
 * node, or Win_create/Win_create_dynamic memory of another process), and
 * what the target does with them.
 *
 * Frames travel through the point-to-point layer (lark_p2p_am_send) on
 * whatever transport reaches the target (shm, tcp), so this file knows no
 * transport.  Frames between a pair arrive in the order sent, which the
 * protocol relies on: a FLUSH, UNLOCK or COMPLETE is answered (or counted)
 * after everything the origin sent before it has been applied.
 *
 * Header fields of a LARK_WIRE_RMA frame:
 *   reserved  opcode (enum lark_rma_am)
 *   ctx       the window's context id (lark_win_by_ctx finds it)
 *   src       the sender's rank in the window
 *   tag       predefined datatype handle of the elements (LOCK/UNLOCK: lock type)
 *   off       byte offset in the target's window (dynamic: an address)
 *   len       payload bytes
 *   sreq      the origin's cookie (struct lark_rma_op *) for answers
 *   rreq      element count (low 32 bits) | MPI_Op handle (high 32 bits)
 *   addr      position of these elements in the origin's result stream
 *
 * Progress: the target applies frames when its progress engine runs, i.e.
 * inside any MPI call of the target that polls (waits, tests, probes,
 * collectives, RMA calls).  A target computing outside MPI delays the
 * origins that use active messages towards it (not those that map its
 * memory: shm windows need no help from the target).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "comm.h"
#include "datatype.h"
#include "p2p.h"
#include "request.h"
#include "runtime.h"
#include "transport.h"
#include "win.h"

static bool registered;
static struct lark_win *waiting; /* windows with lock requests to grant */

int lark_rma_am_send(struct lark_win *win, int target, int opcode, MPI_Datatype type, size_t count,
                     uint64_t off, MPI_Op op, uint64_t cookie, uint64_t pos, const void *payload,
                     size_t len)
{
    struct lark_wire h = {.type = LARK_WIRE_RMA,
                          .reserved = (uint16_t)opcode,
                          .ctx = win->comm->ctx[LARK_CTX_PT2PT],
                          .src = win->comm->rank,
                          .tag = (int32_t)(intptr_t)type,
                          .len = len,
                          .sreq = cookie,
                          .rreq =
                              (uint64_t)(uint32_t)count | ((uint64_t)(uint32_t)(intptr_t)op << 32),
                          .addr = pos};
    h.off = off;
    return lark_p2p_am_send(win->t[target].world, &h, payload, len);
}

size_t lark_rma_am_max(struct lark_win *win, int target)
{
    size_t m = lark_p2p_am_max(win->t[target].world);
    return m > (1u << 20) ? (1u << 20) : m;
}

static void reply(struct lark_win *w, int origin, int opcode, uint64_t cookie, uint64_t pos,
                  const void *payload, size_t len)
{
    struct lark_wire h = {.type = LARK_WIRE_RMA,
                          .reserved = (uint16_t)opcode,
                          .ctx = w->comm->ctx[LARK_CTX_PT2PT],
                          .src = w->comm->rank,
                          .len = len,
                          .sreq = cookie,
                          .addr = pos};
    int rc = lark_p2p_am_send(w->t[origin].world, &h, payload, len);
    if (rc != LARK_OK)
        fprintf(stderr, "Lark MPI: rank %d (%s): cannot answer a one-sided request of rank %d\n",
                lark_rt.rank, lark_rt.hostname, w->t[origin].world);
}

/* ---- passive-target locks requested by active message ---- */

static void add_waiting(struct lark_win *w)
{
    for (struct lark_win *x = waiting; x; x = x->next_waiting)
        if (x == w)
            return;
    w->next_waiting = waiting;
    waiting = w;
}

/* Grant queued requests in order while the lock word allows. */
static int grant(struct lark_win *w)
{
    int n = 0;
    while (w->waiters && lark_rma_trylock(w->my_sync, w->waiters->type)) {
        struct lark_win_waiter *q = w->waiters;
        w->waiters = q->next;
        reply(w, q->origin, LARK_AM_ACK, 0, 0, NULL, 0);
        free(q);
        n++;
    }
    return n;
}

static int am_progress(void)
{
    int n = 0;
    for (struct lark_win **pp = &waiting; *pp;) {
        struct lark_win *w = *pp;
        n += grant(w);
        if (w->waiters == NULL)
            *pp = w->next_waiting;
        else
            pp = &w->next_waiting;
    }
    return n;
}

void lark_rma_am_forget(struct lark_win *w)
{
    while (w->waiters) {
        struct lark_win_waiter *q = w->waiters;
        w->waiters = q->next;
        free(q);
    }
    for (struct lark_win **pp = &waiting; *pp; pp = &(*pp)->next_waiting)
        if (*pp == w) {
            *pp = w->next_waiting;
            break;
        }
}

static void lock_request(struct lark_win *w, int origin, int type)
{
    if (w->waiters == NULL && lark_rma_trylock(w->my_sync, type)) {
        reply(w, origin, LARK_AM_ACK, 0, 0, NULL, 0);
        return;
    }
    /* Queued in arrival order; freed when granted (or with the window). */
    struct lark_win_waiter *q = malloc(sizeof *q), **pp = &w->waiters;
    if (q == NULL) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "rank %d: out of memory queueing a lock request (MPI_Win_lock, target side)",
                 lark_rt.rank);
        lark_runtime_abort(MPI_ERR_NO_MEM, msg);
    }
    q->origin = origin;
    q->type = type;
    q->next = NULL;
    while (*pp)
        pp = &(*pp)->next;
    *pp = q;
    add_waiting(w);
}

/* ---- data ---- */

static void range_error(struct lark_win *w, int origin, const char *what, uint64_t off, size_t len)
{
    fprintf(stderr,
            "Lark MPI: rank %d (%s): one-sided %s from rank %d at offset/address 0x%llx (%zu "
            "bytes) is outside this process's window memory: ignored (check the target "
            "displacement, or attach the memory with MPI_Win_attach)\n",
            lark_rt.rank, lark_rt.hostname, what, w->t[origin].world, (unsigned long long)off, len);
}

/* Answer data for a GET / GACC / CAS: `mem` holds count elements of dt in
 * memory layout (or NULL: zeros); send them packed, in pieces. */
static void send_data(struct lark_win *w, int origin, uint64_t cookie, uint64_t pos,
                      const struct lark_datatype *dt, const char *mem, size_t count)
{
    size_t bytes = dt->size * count;
    char *packed = NULL;
    const char *src = mem;
    if (mem == NULL || !dt->contig) {
        packed = calloc(1, bytes ? bytes : 1); /* freed below */
        if (packed == NULL)
            lark_runtime_abort(MPI_ERR_NO_MEM, "out of memory answering MPI_Get");
        if (mem != NULL)
            lark_datatype_pack(dt, mem, count, 0, packed, bytes);
        src = packed;
    }
    size_t max = lark_rma_am_max(w, origin);
    size_t done = 0;
    do {
        size_t n = bytes - done < max ? bytes - done : max;
        reply(w, origin, LARK_AM_RESP, cookie, pos + done, src + done, n);
        done += n;
    } while (done < bytes);
    free(packed);
}

static void am_deliver(int src_world, const struct lark_wire *h, const void *payload, size_t len)
{
    struct lark_win *w = lark_win_by_ctx(h->ctx);
    if (w == NULL) {
        fprintf(stderr,
                "Lark MPI: rank %d (%s): a one-sided message from rank %d names no window here "
                "(freed already?): ignored\n",
                lark_rt.rank, lark_rt.hostname, src_world);
        return;
    }
    int origin = h->src;
    size_t count = (size_t)(uint32_t)h->rreq;
    MPI_Op op = (MPI_Op)(intptr_t)(uint32_t)(h->rreq >> 32);
    MPI_Datatype type = (MPI_Datatype)(intptr_t)h->tag;
    struct lark_datatype *dt = NULL;
    size_t span = 0;
    char *mem = NULL;
    switch (h->reserved) {
    case LARK_AM_PUT:
    case LARK_AM_ACC:
    case LARK_AM_GET:
    case LARK_AM_GACC:
    case LARK_AM_CAS:
        dt = lark_datatype_from_handle(type);
        if (dt == NULL || origin < 0 || origin >= w->comm->size) {
            fprintf(stderr, "Lark MPI: rank %d: malformed one-sided message from rank %d\n",
                    lark_rt.rank, src_world);
            return;
        }
        span = count ? (count - 1) * (size_t)dt->extent + dt->size : 0;
        mem = lark_win_local_addr(w, h->off, span);
        break;
    default:
        break;
    }
    switch (h->reserved) {
    case LARK_AM_PUT:
        if (mem == NULL)
            range_error(w, origin, "put", h->off, span);
        else
            lark_datatype_unpack(dt, mem, count, 0, payload, len);
        return;
    case LARK_AM_ACC:
    case LARK_AM_GACC: {
        const void *operand = payload;
        char *tmp = NULL, *fetch = NULL;
        size_t memb = count * (size_t)dt->extent;
        if (mem == NULL) {
            range_error(w, origin, "accumulate", h->off, span);
            if (h->reserved == LARK_AM_GACC)
                send_data(w, origin, h->sreq, h->addr, dt, NULL, count);
            return;
        }
        if (op != MPI_NO_OP && !dt->contig) {
            tmp = malloc(memb); /* freed below */
            if (tmp == NULL)
                lark_runtime_abort(MPI_ERR_NO_MEM, "out of memory in MPI_Accumulate");
            lark_datatype_unpack(dt, tmp, count, 0, payload, len);
            operand = tmp;
        }
        if (h->reserved == LARK_AM_GACC && (fetch = malloc(memb ? memb : 1)) == NULL)
            lark_runtime_abort(MPI_ERR_NO_MEM, "out of memory in MPI_Get_accumulate");
        lark_rma_acc(w->my_sync, mem, op == MPI_NO_OP ? NULL : operand, fetch, count, type, op);
        if (fetch != NULL)
            send_data(w, origin, h->sreq, h->addr, dt, fetch, count);
        free(tmp);
        free(fetch);
        return;
    }
    case LARK_AM_GET:
        if (mem == NULL)
            range_error(w, origin, "get", h->off, span);
        send_data(w, origin, h->sreq, h->addr, dt, mem, count);
        return;
    case LARK_AM_CAS: {
        char old[64] = {0};
        if (mem == NULL || dt->size > sizeof old || len < 2 * dt->size)
            range_error(w, origin, "compare-and-swap", h->off, span);
        else
            lark_rma_cas(w->my_sync, mem, payload, (const char *)payload + dt->size, old, type);
        send_data(w, origin, h->sreq, h->addr, dt, old, 1);
        return;
    }
    case LARK_AM_LOCK:
        lock_request(w, origin, h->tag);
        return;
    case LARK_AM_UNLOCK:
        lark_rma_unlock_word(w->my_sync, h->tag);
        reply(w, origin, LARK_AM_ACK, 0, 0, NULL, 0);
        if (w->waiters != NULL)
            grant(w);
        return;
    case LARK_AM_FLUSH:
        reply(w, origin, LARK_AM_ACK, 0, 0, NULL, 0);
        return;
    case LARK_AM_POST:
        w->t[origin].posts++;
        return;
    case LARK_AM_COMPLETE:
        w->t[origin].completes++;
        return;
    case LARK_AM_RESP: {
        struct lark_rma_op *o = (struct lark_rma_op *)(uintptr_t)h->sreq;
        lark_datatype_unpack(o->dt, o->buf, o->count, h->addr, payload, len);
        o->remaining -= len;
        if (o->remaining == 0) {
            w->t[origin].pending--;
            if (o->req != NULL)
                lark_request_complete(o->req);
            free(o);
        }
        return;
    }
    case LARK_AM_ACK:
        w->t[origin].pending--;
        return;
    default:
        fprintf(stderr, "Lark MPI: rank %d: unknown one-sided message %d from rank %d\n",
                lark_rt.rank, h->reserved, src_world);
        return;
    }
}

void lark_rma_am_init(void)
{
    if (!registered) {
        lark_p2p_am_register(am_deliver, am_progress);
        registered = true;
    }
}

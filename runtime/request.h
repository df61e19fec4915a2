/*
 * request.h -- requests: one outstanding send, receive or persistent
 * operation.
 *
 * A request is created by the point-to-point layer (p2p.c), completed by it
 * (possibly from inside the progress engine), and waited on or tested here.
 * The user's MPI_Request is the pointer to the struct; MPI_REQUEST_NULL is
 * the ABI's small integer.  A request holds a reference on its communicator.
 */
#ifndef LARK_REQUEST_H_INCLUDED
#define LARK_REQUEST_H_INCLUDED

#include <stdatomic.h>
#include <stdbool.h>

#include "lark.h"
#include "match.h"

struct lark_comm;
struct lark_datatype;
struct lark_peer;

#define LARK_REQUEST_MAGIC 0x4c4b5251u /* "LKRQ" */

/* LARK_REQ_COLL: a nonblocking or persistent collective; `ext` is its
 * schedule (runtime/coll/sched.h).  LARK_REQ_MULTI: an operation made of
 * internal send and receive requests, its children (MPI_Isendrecv: see
 * lark_request_adopt).  LARK_REQ_PART: a partitioned send or receive
 * (part.c; `ext` its state), also completed by its children.
 * LARK_REQ_GREQ: a generalized request
 * (greq.c), completed by MPI_Grequest_complete.  LARK_REQ_FLUSH: an
 * MPI_Buffer_iflush & co (bsend.c), completed when the buffered sends it
 * waits for have left.  The first three double as where-record kinds
 * (where_rec.h); the others read there as "other". */
enum lark_req_kind {
    LARK_REQ_SEND = 1,
    LARK_REQ_RECV,
    LARK_REQ_COLL,
    LARK_REQ_MULTI,
    LARK_REQ_GREQ,
    LARK_REQ_FLUSH,
    LARK_REQ_PART
};

/* Send modes (MPI_Send, MPI_Ssend, MPI_Rsend, MPI_Bsend). */
enum lark_send_mode { LARK_SEND_STANDARD = 0, LARK_SEND_SYNC, LARK_SEND_READY, LARK_SEND_BUFFERED };

/* Every field is either set by lark_request_reset (below) or written by
 * each user before it is read: a blocking receive's request lives in its
 * caller's frame, not zeroed (p2p_block.c). */
struct lark_request {
    uint32_t magic;
    uint8_t kind;                 /* enum lark_req_kind */
    uint8_t mode;                 /* enum lark_send_mode (sends) */
    bool persistent;              /* MPI_Send_init & co: survives completion */
    bool active;                  /* persistent: started and not yet completed by a wait */
    bool freed;                   /* MPI_Request_free called while pending: free at completion */
    bool cancelled;               /* MPI_Cancel succeeded */
    bool bsend;                   /* a buffered send's internal copy: free buf at completion */
    bool one_read;                /* receives: lark_p2p_irecv_read's (p2p.h) */
    _Atomic int complete;         /* 1 once done; written under the runtime lock */
    int error;                    /* internal code (< 0) the operation ended with */
    MPI_Status status;            /* receives: filled at completion */
    size_t status_count;          /* receives: bytes received (status) */
    size_t msg_len;               /* receives: length of the matched message */
    void *buf;                    /* user buffer (or a buffered send's copy) */
    const void *data;             /* sends: the packed bytes being sent */
    void *packed;                 /* sends: packed copy of a non-contiguous buffer; owned */
    size_t count;                 /* elements */
    struct lark_datatype *dt;     /* element type */
    size_t len;                   /* packed bytes: send length or receive capacity */
    int peer;                     /* rank in comm: dest, or source / MPI_ANY_SOURCE */
    int tag;                      /* tag, or MPI_ANY_TAG */
    struct lark_comm *comm;       /* a reference is held */
    int ctxsel;                   /* LARK_CTX_PT2PT or LARK_CTX_COLL */
    struct lark_match_item match; /* receives: link in the posted queue */
    struct lark_peer *tpeer;      /* sends: destination peer */
    uint64_t remote;           /* rendezvous: the other side's request id (sends), or the sender's
                                  buffer address (split receives) */
    uint64_t remote_sreq;      /* split receives: the sender's request id */
    size_t sent;               /* pipelined send: bytes handed to the transport */
    size_t received;           /* pipelined receive: bytes landed */
    int pending_acks;          /* sends: completions still awaited (FIN/SACK) */
    struct lark_request *next; /* in a queue owned by p2p.c */
    struct lark_peer *watch_peer;              /* waiting for a frame from it (peer.c), or NULL */
    struct lark_request *wnext, *wprev;        /* in watch_peer's list */
    void *ext;                                 /* collectives: the schedule */
    void (*release)(struct lark_request *req); /* called by lark_request_free if set */
    struct lark_request *parent; /* a child: the request it completes (lark_request_adopt) */
    int children;                /* MULTI, PART: children not yet complete */
    struct lark_request *rchild; /* MULTI, PART: the receive child while it runs */
};

/* The state every request starts in, whether from the pool
 * (lark_request_alloc) or in a caller's frame (p2p_block.c): field by
 * field rather than memset, since every message makes a request and a
 * 300-byte memset (rep stos) showed as the top cost of MPI_Isend.  Fields
 * set by every user before use (buffer, peer, tag, match item, ...) are
 * left alone; magic and comm are the caller's. */
static inline void lark_request_reset(struct lark_request *r, int kind)
{
    r->kind = (uint8_t)kind;
    r->mode = 0;
    r->persistent = r->active = r->freed = r->cancelled = r->bsend = r->one_read = false;
    atomic_store_explicit(&r->complete, 0, memory_order_relaxed);
    r->error = 0;
    r->status.MPI_SOURCE = MPI_ANY_SOURCE;
    r->status.MPI_TAG = MPI_ANY_TAG;
    r->status_count = r->msg_len = 0;
    r->data = NULL;
    r->packed = NULL;
    r->dt = NULL; /* a reference is held once set (lark_request_free releases it) */
    r->tpeer = NULL;
    r->remote = r->remote_sreq = 0;
    r->sent = r->received = 0;
    r->pending_acks = 0;
    r->next = NULL;
    r->watch_peer = NULL;
    r->ext = NULL;
    r->release = NULL;
    r->parent = r->rchild = NULL;
    r->children = 0;
}

/* Handle <-> object.  from_handle returns NULL for MPI_REQUEST_NULL and for
 * anything that is not a live request. */
struct lark_request *lark_request_from_handle(MPI_Request h);
static inline MPI_Request lark_request_to_handle(struct lark_request *r)
{
    return (MPI_Request)r;
}

/* The request MPI_Isend hands back when the transport took its message
 * at once (as MPICH's lightweight requests do): complete, kind SEND, no
 * communicator, an empty status.  Made by lark_request_init (MPI_Init)
 * and never written until lark_request_fini (MPI_Finalize), so any
 * number of threads may wait on, test, inspect or free it at once:
 * lark_request_free leaves it alone, and nothing else writes to a
 * complete request. */
extern struct lark_request *lark_request_sent;
int lark_request_init(void);
void lark_request_fini(void);

/* Make a request (zeroed, magic set, one reference on comm).  Returns NULL
 * when out of memory.  Freed with lark_request_free(). */
struct lark_request *lark_request_alloc(int kind, struct lark_comm *comm);
void lark_request_free(struct lark_request *req);

static inline bool lark_request_done(const struct lark_request *r)
{
    return atomic_load_explicit(&r->complete, memory_order_acquire) != 0;
}
/* Mark done (runtime lock held); frees it if the user freed it already. */
void lark_request_complete(struct lark_request *req);

/* Make `child` (just started by the p2p layer, internal, never seen by
 * the user) a part of `parent` (kind LARK_REQ_MULTI or PART, its `children`
 * counting the parts not yet adopted): when the child completes, a
 * receive's status (source, tag, count, cancelled) and any error pass to
 * the parent, the child is freed, and the parent completes with its last
 * child.  A child that is complete already is handled at once.  Runtime
 * lock held. */
void lark_request_adopt(struct lark_request *parent, struct lark_request *child);

/* Fill *st (may be MPI_STATUS_IGNORE) from a completed request. */
void lark_request_status(const struct lark_request *req, MPI_Status *st);

/* A completed request's status without releasing it (MPI_Request_get_status
 * & co): a generalized request runs its query callback (dropping the
 * runtime lock around it).  Returns 0 or the callback's error code.
 * Runtime lock held. */
int lark_request_peek(struct lark_request *req, MPI_Status *st);

/* A completed request: fill *st, release it (a persistent one goes
 * inactive), return its error code.  Runtime lock held. */
int lark_request_finish(struct lark_request *req, MPI_Status *st);

/* Wait for a request to complete, fill *st, and release it (a persistent
 * request goes inactive instead).  Returns 0 or an internal error code (the
 * operation's, e.g. LARK_ERR_TRUNCATE).  Takes the runtime lock itself:
 * call without it.  May block (spin, yield, then sleep on the doorbell). */
int lark_request_wait(struct lark_request *req, MPI_Status *st);
/* The same, the where-record showing `w` while it really waits
 * (lark_progress_wait_as). */
struct lark_where_call;
int lark_request_wait_as(struct lark_request *req, MPI_Status *st, const struct lark_where_call *w);
/* Wait for all; sts may be MPI_STATUSES_IGNORE.  Entries may be NULL
 * (skipped).  Returns the first error code, 0 if none. */
int lark_request_waitall(int n, struct lark_request **reqs, MPI_Status *sts);

/* A buffered send's request is being freed: give its copy's space back to
 * the attached buffer (bsend.c). */
void lark_bsend_release(struct lark_request *req);

/* MPI_Status's hidden fields: the byte count (64 bits in MPI_internal[0..1])
 * and the cancelled flag (MPI_internal[2]). */
static inline void lark_status_set_bytes(MPI_Status *st, size_t n)
{
    st->MPI_internal[0] = (int)(uint32_t)(n & 0xffffffffu);
    st->MPI_internal[1] = (int)(uint32_t)((uint64_t)n >> 32);
}
static inline size_t lark_status_bytes(const MPI_Status *st)
{
    return (size_t)((uint64_t)(uint32_t)st->MPI_internal[0] |
                    ((uint64_t)(uint32_t)st->MPI_internal[1] << 32));
}
static inline void lark_status_set_cancelled(MPI_Status *st, bool c)
{
    st->MPI_internal[2] = c;
}
static inline bool lark_status_cancelled(const MPI_Status *st)
{
    return st->MPI_internal[2] != 0;
}
/* The MPI class of an internal code (error.c). */
int lark_err_class(int code);
static inline int lark_err_class_of(int code)
{
    return lark_err_class(code);
}

#endif

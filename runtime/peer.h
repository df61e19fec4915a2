/*
 * peer.h -- the peers of this process and the transports that reach them.
 *
 * peer.c owns the started transports (chosen from transports/registry.c),
 * the per-peer table (a pointer per world rank; a peer object is made on
 * first use, when its transport is chosen: the ONE place that decides),
 * the per-peer FIFO of frames a transport could not take yet, and the
 * progress pass over transports and queues.  p2p.c builds the frames (the
 * protocols) and hands them here.  Everything is called with the runtime
 * lock held and never blocks, except init/wireup/finalize.
 */
#ifndef LARK_PEER_H_INCLUDED
#define LARK_PEER_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "mpit/stats.h"
#include "status.h"
#include "transport.h"

struct lark_datatype;
struct lark_request;
struct outq;

struct lark_peer {
    int world;
    struct lark_transport *tp;
    void *state;       /* transport's per-peer state */
    uint32_t send_seq; /* next sequence number to this peer */
    struct outq *qhead, *qtail;
    bool busy; /* on the busy list (has queued frames) */
    bool lost; /* its transport lost it (lark_transport_peer_lost) */
    struct lark_peer *next_busy;
    struct lark_request *watch; /* requests waiting for something from it */
};

/* Start the transports (MPI_Init, before the fence), let them read their
 * peers' addresses (after it), release everything (MPI_Finalize). */
int lark_peer_init(void);
int lark_peer_wireup(void);
void lark_peer_finalize(void);

/* The peer of world rank `w`, made (and its transport chosen) on first
 * use by lark_peer_make.  NULL with *err set when no transport reaches
 * it.  Inline: every message asks (as a call it cost ~20 instructions,
 * the slow path's register saves included). */
extern struct lark_peer **lark_peers; /* by world rank; NULL until made */
struct lark_peer *lark_peer_make(int w, int *err);
static inline struct lark_peer *lark_peer_get(int w, int *err)
{
    struct lark_peer *p = lark_peers[w];
    return LARK_LIKELY(p != NULL) ? p : lark_peer_make(w, err);
}
/* The eager limit for this peer: its transport's, capped by
 * LARK_EAGER_LIMIT (lark_peer_eager_override, 0: no cap). */
extern size_t lark_peer_eager_override;
static inline size_t lark_peer_eager_limit(const struct lark_peer *p)
{
    size_t e = p->tp->eager_limit;
    return lark_peer_eager_override && lark_peer_eager_override < e ? lark_peer_eager_override : e;
}
/* The cap over every transport's eager limit (0: none): LARK_EAGER_LIMIT,
 * or MPI_T's lark_eager_limit (which, set before MPI_Init, stands over the
 * environment).  Only the sender decides eager or rendezvous, so it may
 * change at any time; runtime lock held. */
size_t lark_peer_eager_cap(void);
/* The eager limit of the started transport called `name` (0: not started). */
size_t lark_peer_transport_eager(const char *name);
void lark_peer_set_eager_cap(size_t cap);

/* Hand one frame to p's transport now, or say LARK_ERR_AGAIN (frames are
 * queued for p, or the transport has no room): nothing is queued, the
 * caller keeps its bytes.  Runtime lock held. */
int lark_peer_send_now(struct lark_peer *p, const struct lark_wire *hdr, const void *payload,
                       size_t len);
/* lark_peer_send_now for a non-contiguous payload: the first len packed
 * bytes of (buf, count, dt), packed straight into the transport's buffer
 * (LARK_ERR_AGAIN as well when the transport cannot take a packer). */
int lark_peer_send_now_packed(struct lark_peer *p, const struct lark_wire *hdr, const void *buf,
                              size_t count, const struct lark_datatype *dt, size_t len);
/* Send one frame now, or queue it behind earlier ones (order is kept).
 * With `req`, the request completes once the frame is out.  The payload
 * must stay valid until then (it is not copied while queued). */
int lark_peer_send(struct lark_peer *p, const struct lark_wire *hdr, const void *payload,
                   size_t len, struct lark_request *req);
/* Send one frame now, or queue it with a copy of its payload (freed once
 * sent): the caller's bytes may change at once.  Order is kept. */
int lark_peer_send_copy(struct lark_peer *p, const struct lark_wire *hdr, const void *payload,
                        size_t len);
/* lark_peer_send for a non-contiguous message: the payload is the first
 * len packed bytes of src's (buf, count, dt), packed straight into the
 * transport when the frame goes (src must stay valid until then: it is
 * the sending request itself). */
int lark_peer_send_packed(struct lark_peer *p, const struct lark_wire *hdr,
                          struct lark_request *src, size_t len, struct lark_request *req);
/* Stream req's bytes as DATA frames (the rendezvous answered with CTS);
 * the request completes once all are out (< 0: error, not completed). */
int lark_peer_stream(struct lark_peer *p, struct lark_request *req);

/* Frames still waiting for room in a transport? */
bool lark_peer_busy(void);

/* ---- lost peers (a transport's connection broke) ---- */

/* A request now waits for a frame from p (a rendezvous or synchronous
 * send's answer, a rendezvous receive's data): if p is lost, the request
 * fails.  Completing or freeing the request unwatches it.  Runtime lock
 * held. */
void lark_peer_watch(struct lark_peer *p, struct lark_request *req);
void lark_peer_unwatch(struct lark_request *req);
/* World rank w was lost (never true before any loss: one load). */
extern unsigned char *lark_peer_lost_map;
static inline bool lark_peer_is_lost(int w)
{
    return LARK_UNLIKELY(lark_peer_lost_map != NULL) && lark_peer_lost_map[w];
}
/* Losses whose requests are not failed yet; fail them: every queued frame's
 * and every watched request of each newly lost peer completes with
 * LARK_ERR_PEER.  Returns the world ranks of the newly lost peers in
 * lost[] (at most max), and how many; runtime lock held (p2p.c then fails
 * the posted receives).  */
extern int lark_peer_lost_pending;
/* Peers lost so far (a generation: caches compare it, lost.c). */
extern unsigned lark_peer_lost_gen;
int lark_peer_fail_lost(int *lost, int max);
/* The sentence about the first lost peer ("rank 0 (host a) lost rank 1
 * (host b): ..."), or NULL when none was lost. */
const char *lark_peer_lost_note(void);
/* One pass over every transport and queued frame; events handled. */
int lark_peer_progress(void);
/* The transports' wait sources (up to max); how many.  After wireup. */
int lark_peer_wait_fds(int *fds, int max);
/* Arm every transport before sleeping (in epoll or on the futex): its
 * wait source, and a wake when room comes free for refused frames; > 0
 * when a transport says work is already pending. */
int lark_peer_arm(void);

/* The transport's get/put (rendezvous by CMA and the like), counted for
 * MPI_T: bytes read from / written into peer `p`'s memory. */
static inline int lark_peer_get_bytes(struct lark_peer *p, void *local, uint64_t remote, size_t len)
{
    int rc = p->tp->ops->get(p->tp, p->state, local, remote, len);
    if (rc == LARK_OK)
        lark_count(&p->tp->stats->rdma_bytes, len);
    return rc;
}

static inline int lark_peer_put_bytes(struct lark_peer *p, uint64_t remote, const void *local,
                                      size_t len)
{
    int rc = p->tp->ops->put(p->tp, p->state, remote, local, len);
    if (rc == LARK_OK)
        lark_count(&p->tp->stats->rdma_bytes, len);
    return rc;
}

#endif

/*
 * p2p.h -- the internal point-to-point API.
 *
 * What MPI_Isend/MPI_Irecv & co. call after checking their arguments, and
 * what collectives call directly with LARK_CTX_COLL.  Ranks are ranks in
 * `comm`; `ctxsel` picks the communicator's point-to-point or collective
 * context.  All functions are called with the runtime lock held (see
 * runtime.h; lark_request_wait* in request.h take it themselves), never
 * block, and return 0 or an internal error code (lark.h).  *req is a new
 * request the caller waits on (lark_request_wait) or hands to the user.
 * MPI_PROC_NULL as peer gives a request that is already complete.
 */
#ifndef LARK_P2P_H_INCLUDED
#define LARK_P2P_H_INCLUDED

#include "lark.h"
#include "request.h"

struct lark_comm;
struct lark_datatype;

int lark_p2p_isend(const void *buf, size_t count, struct lark_datatype *dt, int dest, int tag,
                   struct lark_comm *comm, int ctxsel, int mode, struct lark_request **req);
/* A standard blocking send without a request: a contiguous message of up
 * to the eager limit that the transport takes at once is sent and done
 * (LARK_OK); anything else answers LARK_ERR_AGAIN having sent nothing, and
 * the caller takes lark_p2p_isend.  Runtime lock held. */
int lark_p2p_send_now(const void *buf, size_t count, struct lark_datatype *dt, int dest, int tag,
                      struct lark_comm *comm, int ctxsel);
int lark_p2p_irecv(void *buf, size_t count, struct lark_datatype *dt, int source, int tag,
                   struct lark_comm *comm, int ctxsel, struct lark_request **req);
/* lark_p2p_irecv for a receive whose sender may not enter MPI for a
 * while (a nonblocking collective's, whose ranks compute between
 * MPI_Test calls): a rendezvous it matches is read whole by the
 * transport's single-copy get whatever its size, instead of a CTS the
 * sender answers with a stream, or a split that waits for the sender's
 * PUT: the data moves in the receiver's own progress pass, and the
 * sender only has to see the FIN.  Streams as usual where the transport
 * has no get or CMA is refused.  Runtime lock held. */
int lark_p2p_irecv_read(void *buf, size_t count, struct lark_datatype *dt, int source, int tag,
                        struct lark_comm *comm, int ctxsel, struct lark_request **req);

/* Blocking send and receive (p2p_block.c): lark_p2p_send_now, else
 * isend + wait; a receive whose request lives in the caller's frame.
 * Return 0 or the operation's error code (st, unless MPI_STATUS_IGNORE,
 * is filled either way).  Take the lock themselves (call without it); may
 * block.  With `w`, the where-record shows it once the receive really
 * waits (lark_progress_wait_as). */
struct lark_where_call;
int lark_p2p_send(const void *buf, size_t count, struct lark_datatype *dt, int dest, int tag,
                  struct lark_comm *comm, int ctxsel);
int lark_p2p_recv(void *buf, size_t count, struct lark_datatype *dt, int source, int tag,
                  struct lark_comm *comm, int ctxsel, MPI_Status *st);
int lark_p2p_recv_as(void *buf, size_t count, struct lark_datatype *dt, int source, int tag,
                     struct lark_comm *comm, int ctxsel, MPI_Status *st,
                     const struct lark_where_call *w);
/* MPI_Sendrecv: the receive in the caller's frame, posted first, the
 * send without a request when it goes at once; returns when both are
 * done (the first error of: starting the send, the receive, the send).
 * Point-to-point context; takes the lock itself; may block. */
int lark_p2p_sendrecv(const void *sbuf, size_t scount, struct lark_datatype *sdt, int dest,
                      int stag, void *rbuf, size_t rcount, struct lark_datatype *rdt, int source,
                      int rtag, struct lark_comm *comm, MPI_Status *st,
                      const struct lark_where_call *w);
/* Post a receive request that is filled in (buffer, datatype, peer, tag,
 * comm, ctxsel): match it against the unexpected messages, or queue it.
 * Used by p2p.c and p2p_block.c only.  Runtime lock held; returns 0. */
int lark_p2p_post_recv(struct lark_request *req);

/* (Re)start a persistent or inactive request built by lark_p2p_*_init. */
int lark_p2p_start(struct lark_request *req);
/* Build inactive persistent requests (MPI_Send_init, MPI_Recv_init). */
int lark_p2p_send_init(const void *buf, size_t count, struct lark_datatype *dt, int dest, int tag,
                       struct lark_comm *comm, int mode, struct lark_request **req);
int lark_p2p_recv_init(void *buf, size_t count, struct lark_datatype *dt, int source, int tag,
                       struct lark_comm *comm, struct lark_request **req);

/* Probe: is there a matching message?  *found = 1 and *st filled if so.
 * With `take` (Mprobe), the message is removed from matching and returned
 * in *msg, to be received with lark_p2p_mrecv. */
int lark_p2p_iprobe(int source, int tag, struct lark_comm *comm, int ctxsel, int *found,
                    MPI_Status *st, bool take, void **msg);
int lark_p2p_imrecv(void *buf, size_t count, struct lark_datatype *dt, void *msg,
                    struct lark_comm *comm, struct lark_request **req);

/* Is `msg` a message handle made by lark_p2p_iprobe(take)? */
bool lark_p2p_msg_valid(void *msg);

/* Cancel a pending request: receives not yet matched, sends not yet
 * handed to a transport.  Sets req->cancelled and completes it if so. */
int lark_p2p_cancel(struct lark_request *req);

/* Active messages (one-sided communication, runtime/rma/am.c).  Frames of
 * type LARK_WIRE_RMA are handed to `deliver` (runtime lock held, from the
 * progress engine, payload valid during the call only), and `progress`
 * runs at every progress pass (it returns events handled).  Registered
 * once; both stay set until finalize. */
struct lark_wire;
void lark_p2p_am_register(void (*deliver)(int src, const struct lark_wire *h, const void *payload,
                                          size_t len),
                          int (*progress)(void));
/* Send one active-message frame to world rank `world`: now, or queued
 * behind earlier frames to it with a copy of the payload (freed once
 * sent).  Frames to one peer arrive in the order sent.  Never blocks. */
int lark_p2p_am_send(int world, const struct lark_wire *h, const void *payload, size_t len);
/* Largest payload of one frame to `world` (0 if unreachable). */
size_t lark_p2p_am_max(int world);

/* Set up and tear down (wireup.c): matching, then the peers and their
 * transports (peer.h; lark_peer_wireup after the fence). */
int lark_p2p_init(void);
void lark_p2p_finalize(void);
/* Copy the first posted receives and unexpected messages into a
 * where-record (where_rec.h); runtime lock held. */
struct lark_where_rec;
void lark_p2p_where(struct lark_where_rec *w);

/* One pass over every transport and queued send (lark_peer_progress);
 * returns events handled.  Runtime lock held. */
int lark_p2p_progress(void);
/* More work for every pass, after the transports: set by the collective
 * schedules (runtime/coll/sched.c) while some run, NULL otherwise.
 * Returns events handled; runtime lock held. */
extern int (*lark_p2p_progress_hook)(void);

#endif

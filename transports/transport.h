/*
 * transport.h -- the one interface every transport implements (self, shm,
 * and later tcp), and the upcalls a transport may make into the runtime.
 *
 * A transport moves opaque frames between two processes: a fixed-size wire
 * header (struct lark_wire, which only the runtime interprets) followed by
 * up to `max_send` payload bytes.  It knows nothing of matching, tags or
 * communicators.  The runtime decides in ONE place (runtime/peer.c,
 * lark_peer_get) which transport serves which peer, chooses the protocol
 * (runtime/p2p.c: eager below `eager_limit`, rendezvous above), and queues a
 * frame when a transport answers LARK_ERR_AGAIN ("no room now, retry"), so
 * ordering is kept.  Transports are listed in registry.c.
 *
 * Operations are called with the runtime lock held (if the program runs
 * MPI_THREAD_MULTIPLE), from one thread at a time.  None may block, except
 * init/wireup/finalize which may talk to PMIx.  Return values follow status.h:
 * 0 done, < 0 error, progress returns the number of events it handled.
 */
#ifndef LARK_TRANSPORT_H_INCLUDED
#define LARK_TRANSPORT_H_INCLUDED

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "status.h"

/* The header of every frame.  Written by the runtime's protocol code,
 * carried verbatim by transports. */
enum lark_wire_type {
    LARK_WIRE_EAGER = 1, /* a whole message: header + payload */
    LARK_WIRE_RTS,       /* rendezvous: request to send (addr = sender's buffer) */
    LARK_WIRE_CTS,       /* rendezvous fallback: clear to send, stream DATA */
    LARK_WIRE_DATA,      /* rendezvous fallback: a piece at offset `addr` */
    LARK_WIRE_FIN,       /* rendezvous: receiver is done reading, sender completes */
    LARK_WIRE_SACK,      /* synchronous send: the receive has matched */
    LARK_WIRE_PUT,       /* rendezvous split: sender, write your bytes [off, off+len) at addr */
    LARK_WIRE_PUT_DONE,  /* rendezvous split: sender wrote its part (flags: LARK_WIRE_FAILED) */
    LARK_WIRE_RMA,       /* one-sided active message: runtime/rma/am.c reads the fields */
    LARK_WIRE_CANCEL,    /* MPI_Cancel of a send not yet matched (RTS, SYNC EAGER): withdraw it */
    LARK_WIRE_CANCEL_ACK /* it was withdrawn (sreq): the send completes, cancelled */
};
#define LARK_WIRE_SYNC       0x1  /* flags: sender wants a SACK when matched */
#define LARK_WIRE_FAILED     0x2  /* flags of PUT_DONE: the put failed, read it yourself */
#define LARK_WIRE_INLINE     0x4  /* flags of EAGER: the payload (<= 16 B) is in `inl` */
#define LARK_WIRE_NONCONTIG  0x8  /* flags of RTS: the sender's data is not one block (addr 0) */
#define LARK_WIRE_SMALLBLK   0x10 /* flags of RTS with NONCONTIG: blocks too small for putv */
#define LARK_WIRE_IOVLIST    0x20 /* flags of RTS with NONCONTIG, of PUT: blocks listed (below) */
#define LARK_WIRE_INLINE_MAX 16
/* IOVLIST: the RTS's sender lists its blocks in its memory, rreq struct
 * iovec at addr, for a non-contiguous receiver that reads them (getvv);
 * a PUT lists the receiver's blocks of [off, off+len), `reserved` of them
 * at addr (putvv).  Lists hold at most this many blocks. */
#define LARK_WIRE_IOVLIST_MAX 64

/* The most blocks one getv/putv call takes (the kernel's IOV_MAX). */
#define LARK_TRANSPORT_IOV_MAX 1024

struct lark_wire {
    uint8_t type;  /* enum lark_wire_type */
    uint8_t flags; /* LARK_WIRE_SYNC */
    uint16_t reserved;
    uint32_t ctx; /* context id */
    int32_t src;  /* sender's rank in the communicator */
    int32_t tag;
    union {
        struct {
            uint32_t seq; /* per pair sequence number (EAGER, RTS) */
            uint32_t pad;
        };
        uint64_t off; /* PUT: offset in the sender's message */
    };
    uint64_t len;  /* message length in packed bytes */
    uint64_t sreq; /* sender's request id */
    union {
        struct {
            uint64_t rreq; /* receiver's request id (CTS, DATA, PUT, PUT_DONE); RTS: list length */
            uint64_t addr; /* RTS: sender buffer (or list) address; DATA: offset; PUT: receiver's */
        };
        uint8_t inl[16]; /* EAGER with LARK_WIRE_INLINE: the payload itself */
    };
};
_Static_assert(sizeof(struct lark_wire) == 56, "wire header must fit a cache line with 8 bytes");

/* A doorbell: how a process sleeping in MPI_Wait is woken by another one.
 * It lives where the wakers can reach it (the shm transport puts it in the
 * process's own shared segment).  The owner sleeps either on the futex word
 * `seq` or, when it sleeps in epoll over several wait sources, on a
 * datagram socket named by `sock` (abstract namespace).  See progress.c
 * for the protocol. */
struct lark_doorbell {
    _Atomic uint32_t seq;         /* futex word: bumped by each wake */
    _Atomic uint32_t sleepers;    /* threads of the owner that may sleep on the futex */
    _Atomic uint32_t fd_sleepers; /* threads of the owner that may sleep in epoll */
    _Atomic uint32_t flags;       /* LARK_BELL_*: set by the owner before peers see it */
    uint64_t sock[2];             /* the owner's wake socket: "\0lark-bell-<hex>" (0: none yet) */
};
/* The owner issues membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) between
 * counting itself a sleeper and its last look for work, so a waker in a
 * registered process needs no fence of its own (progress.c). */
#define LARK_BELL_MEMBARRIER 1u

struct lark_transport;

struct lark_transport_ops {
    const char *name;
    /* Bytes of private state the framework allocates (zeroed) for tp->priv
     * before init and frees after finalize. */
    size_t priv_size;
    /* Set up local resources and publish this process's address with
     * lark_transport_publish().  Called once from MPI_Init, before the
     * PMIx fence; may block.  On failure it MUST leave nothing behind
     * (finalize is not called).  Mandatory. */
    int (*init)(struct lark_transport *tp);
    /* After the fence: read peers' addresses (lazily is better).  May
     * block.  Optional. */
    int (*wireup)(struct lark_transport *tp);
    /* Whether this transport can reach world rank `peer`.  Mandatory. */
    bool (*reachable)(struct lark_transport *tp, int peer);
    /* Make per-peer state for `peer` (called on first use); *state is
     * passed back to send/get.  Owned by the transport, freed at finalize. */
    int (*connect)(struct lark_transport *tp, int peer, void **state);
    /* Send one frame: hdr + len payload bytes (len <= tp->max_send).  The
     * bytes are copied or written out before it returns: the caller may
     * reuse hdr and payload at once.  LARK_ERR_AGAIN: no room now, nothing
     * was sent, retry after progress.  Never blocks.  Mandatory.  The
     * runtime may call it from inside lark_transport_deliver() during this
     * same transport's progress (a CTS answered with DATA, a FIN), so
     * progress must be re-entrant for send. */
    int (*send)(struct lark_transport *tp, void *state, const struct lark_wire *hdr,
                const void *payload, size_t len);
    /* Zero-copy send (optional): like send, but the payload is NOT copied:
     * it stays the caller's and must stay valid until the transport calls
     * lark_transport_sent(cookie, status).  Returns LARK_OK when all was
     * written already (no call will follow), LARK_INPROGRESS when the call
     * will come, LARK_ERR_AGAIN (nothing sent), or an error.  The runtime
     * uses it for rendezvous DATA, straight from the user's buffer. */
    int (*send_zc)(struct lark_transport *tp, void *state, const struct lark_wire *hdr,
                   const void *payload, size_t len, void *cookie);
    /* Single copy: read len bytes at `remote` in the peer's address space
     * into `local`.  LARK_ERR_UNSUPPORTED when the kernel refuses (the
     * runtime then falls back to CTS/DATA; the transport raises get_min so
     * it is not asked again).  May be NULL. */
    int (*get)(struct lark_transport *tp, void *state, void *local, uint64_t remote, size_t len);
    /* Single copy the other way: write len bytes from `local` at `remote` in
     * the peer's address space.  Same contract as get.  May be NULL (then
     * the runtime never splits a rendezvous between both sides). */
    int (*put)(struct lark_transport *tp, void *state, uint64_t remote, const void *local,
               size_t len);
    /* Like send, but the payload is written by fill(ctx, dst, len) straight
     * into the transport's buffer (the runtime packs a non-contiguous
     * datatype there: no intermediate copy).  fill never fails and is
     * called at most once, only when the frame is accepted.  Optional:
     * without it the runtime packs into a bounce buffer and calls send. */
    int (*send_fill)(struct lark_transport *tp, void *state, const struct lark_wire *hdr,
                     size_t len, void (*fill)(void *ctx, void *dst, size_t len), void *ctx);
    /* Vector forms of get and put: the local side is a list of
     * n <= LARK_TRANSPORT_IOV_MAX blocks totalling len bytes (a non-contiguous datatype's layout),
     * the remote side len contiguous bytes at `remote`.  Same contract as get/put.  Optional (then
     * such messages are streamed). */
    int (*getv)(struct lark_transport *tp, void *state, const struct iovec *local, int n,
                uint64_t remote, size_t len);
    int (*putv)(struct lark_transport *tp, void *state, uint64_t remote, const struct iovec *local,
                int n, size_t len);
    /* Like getv, but the remote side is a list too: nr <= LARK_TRANSPORT_IOV_MAX blocks of the
     * peer's memory, len bytes in all (both sides non-contiguous: a sender's RTS with
     * LARK_WIRE_IOVLIST).  Same contract as get.  Optional (then such messages are streamed). */
    int (*getvv)(struct lark_transport *tp, void *state, const struct iovec *local, int n,
                 const struct iovec *remote, int nr, size_t len);
    /* The other way (a split of such a message: the sender writes the second half into the
     * receiver's blocks, listed in a PUT with LARK_WIRE_IOVLIST).  Optional. */
    int (*putvv)(struct lark_transport *tp, void *state, const struct iovec *remote, int nr,
                 const struct iovec *local, int n, size_t len);
    /* Poll for arriving frames, calling lark_transport_deliver() for each;
     * returns how many it handled (0: nothing to do), < 0 on error.
     * Mandatory. */
    int (*progress)(struct lark_transport *tp);
    /* Wait source (optional, like UCX's event fd): a file descriptor that
     * becomes readable (level-triggered) when progress() has something to
     * do.  The runtime, when it has nothing to do, sleeps in one
     * epoll_wait over every transport's source.  Asked once, after
     * wireup; -1 or NULL: none (such a transport wakes sleepers with the
     * doorbell).  The fd stays owned by the transport. */
    int (*wait_fd)(struct lark_transport *tp);
    /* Called just before the runtime sleeps (in epoll on wait_fd, or on the
     * doorbell's futex): make sure any event from now on makes the fd
     * readable or rings the doorbell, room coming free for a frame this
     * transport refused with LARK_ERR_AGAIN included.  Returns 0 when
     * armed, > 0 when work is already pending (the runtime polls instead
     * of sleeping).
     * Runtime lock held; never blocks.  Optional. */
    int (*arm)(struct lark_transport *tp);
    /* Release everything; MUST work after a successful init whatever
     * happened since.  May block briefly.  Mandatory. */
    void (*finalize)(struct lark_transport *tp);
};

struct lark_transport {
    const struct lark_transport_ops *ops;
    void *priv;                  /* the transport's state (priv_size bytes) */
    size_t max_send;             /* largest payload of one send (set by init) */
    size_t eager_limit;          /* messages up to this go eager (set by init) */
    size_t get_min;              /* rendezvous below this streams DATA rather than calling get:
                                    where get has a high fixed cost (set by init; 0: always get;
                                    SIZE_MAX: never, e.g. once the kernel refused CMA).  The
                                    transport may change it at any time. */
    size_t split_min;            /* rendezvous from this size may be split: the sender puts
                                    the second half while the receiver gets the first (set by
                                    init, changed by the transport: SIZE_MAX never) */
    size_t both_min;             /* from this size (and get_min not SIZE_MAX) a message is got
                                    whole while the receiver streams the other way too
                                    (runtime/p2p.c, sending_to), and a collective's always;
                                    0: the runtime's default, and collectives keep get_min */
    int npeers;                  /* how many other ranks it can reach (set by init) */
    struct lark_tp_stats *stats; /* its MPI_T counters (runtime/mpit/stats.h; set by the runtime) */
};

/* ---- The registry (transports/registry.c) ---- */

/* What a transport's "wanted?" test sees: how many other ranks the
 * transports of higher priority already started can reach, and whether
 * LARK_TRANSPORTS named transports explicitly. */
struct lark_transport_want {
    int covered;
    bool listed;
};

struct lark_transport_entry {
    const struct lark_transport_ops *ops;
    int priority; /* higher first; the table is kept sorted */
    bool (*wanted)(const struct lark_transport_want *w);
};

/* The table, highest priority first; *n entries. */
const struct lark_transport_entry *lark_transport_registry(int *n);
/* Which entries the comma-separated `list` (LARK_TRANSPORTS; NULL: all)
 * allows: allowed[i] per table entry (self always).  An unknown name is
 * LARK_ERR_ARG after a line naming the known ones. */
int lark_transport_allowed(const char *list, bool *allowed);

extern const struct lark_transport_ops lark_transport_self_ops;
extern const struct lark_transport_ops lark_transport_shm_ops;
extern const struct lark_transport_ops lark_transport_tcp_ops;

/* ---- Upcalls from transports into the runtime (defined in runtime/) ---- */

/* A frame arrived from world rank `src`.  payload is valid only during the
 * call.  Called from the transport's progress with the runtime lock held. */
void lark_transport_deliver(int src, const struct lark_wire *hdr, const void *payload, size_t len);
/* Who may read a published address: processes of this node (PMIX_LOCAL:
 * shm segment names) or the whole job (PMIX_GLOBAL: TCP addresses). */
enum lark_scope { LARK_SCOPE_LOCAL, LARK_SCOPE_GLOBAL };
/* A send_zc payload was written out (status 0) or can never be (< 0: the
 * connection broke).  Called from the transport's progress or finalize. */
void lark_transport_sent(void *cookie, int status);
/* Where the `len` payload bytes of the frame `hdr` from world rank `src`
 * should be read to, when the transport can read them in place (a large
 * DATA frame straight into the receive buffer); NULL: the transport keeps
 * them itself.  deliver() is then called with payload == that address. */
void *lark_transport_recv_target(int src, const struct lark_wire *hdr, size_t len);
/* The connection to world rank `peer` broke or cannot be made (`why`: a
 * sentence).  The runtime fails every request that involves the peer with
 * MPI_ERR_PROC_ABORTED (the communicator's error handler decides what
 * follows: by default the job ends with a line naming both ranks and
 * hosts), and later operations with it fail at once.  It only takes note
 * here and fails the requests at its next progress pass, so a transport
 * may call it from anywhere, send included (runtime lock held).  Before
 * calling, the transport hands back every zero-copy payload it holds for
 * the peer (lark_transport_sent with an error); from then on its send to
 * the peer returns LARK_ERR_PEER.  Returns. */
void lark_transport_peer_lost(int peer, const char *why);
/* This process's host name. */
const char *lark_transport_hostname(void);
/* Publish a string address for peers (before the fence), and read a
 * peer's (after it, lazily: on first use; with a PMIx server that does
 * direct modex this asks the peer's server then); the caller frees
 * *value.  May block. */
int lark_transport_publish(const char *key, const char *value, enum lark_scope scope);
int lark_transport_lookup(int peer, const char *key, char **value);
/* Read a job-level string the launcher registered (PMIX_RANK_WILDCARD);
 * LARK_ERR_PEER when absent.  The caller frees *value.  May block. */
int lark_transport_lookup_job(const char *key, char **value);
/* This process's place in the job. */
int lark_transport_world_rank(void);
int lark_transport_world_size(void);
int lark_transport_local_rank(int world_rank); /* -1 when not on this node */
int lark_transport_local_size(void);
const int *lark_transport_local_peers(void); /* world ranks by local rank */
const char *lark_transport_nspace(void);
/* Where this process's doorbell lives: a transport whose peers can wake
 * this process moves it into shared memory with this call (init only). */
void lark_transport_set_doorbell(struct lark_doorbell *db);
/* Wake threads of this process that may sleep waiting (a frame for
 * ourselves was queued).  Cheap when nobody sleeps. */
void lark_transport_wake_self(void);
/* How many threads of this process sleep, or are about to, on the
 * transports' wait sources (between their count and their wake-up; arm
 * is called after the count).  A transport may take a source out of its
 * wait set only while none does.  Any thread; never blocks. */
int lark_transport_sleepers(void);
/* Wake the owner of `db` if it may be sleeping.  Call after the frame that
 * it should see is fully written.  Costs no fence when the owner pays for
 * it at sleep (LARK_BELL_MEMBARRIER). */
void lark_doorbell_ring(struct lark_doorbell *db);
/* The two sides of a store-then-load handshake between processes (Dekker:
 * each side stores its flag, fences, loads the other's): the side that is
 * about to sleep, the rare one, calls lark_transport_fence_sleeper (a
 * membarrier over every process of the job that registered, or a plain
 * fence); the side that runs on every message calls
 * lark_transport_fence_waker with the sleeper's doorbell, which is only a
 * compiler barrier when the sleeper's fence covers this process.  The shm
 * transport's want-wake flag uses them.  Neither blocks; any thread. */
void lark_transport_fence_sleeper(void);
void lark_transport_fence_waker(const struct lark_doorbell *sleeper);

#endif

/*
 * tcp.h -- the TCP transport's internal state, shared by tcp.c (the
 * transport's operations: init, listening, progress), conn.c (one
 * connection: connect, handshake, faults, the end) and stream.c (framed
 * writes and reads on an established connection).
 */
#ifndef LARK_TCP_H_INCLUDED
#define LARK_TCP_H_INCLUDED

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "frame.h"
#include "iface.h"
#include "transport.h"

#define LARK_TCP_MAX_IFS    16
#define LARK_TCP_RX_CAP     (256u * 1024)      /* receive buffer per connection */
#define LARK_TCP_DIRECT_MIN (128u * 1024)      /* payloads from here are read in place */
#define LARK_TCP_TX_LIMIT   (4u * 1024 * 1024) /* copied bytes queued per connection */
#define LARK_TCP_MAX_ADDRS  8
#define LARK_TCP_SPLICE_MIN (256u * 1024) /* zero-copy payloads from here are spliced */

/* One frame (or its unwritten rest) waiting for the socket. */
struct lark_tcp_txi {
    struct lark_tcp_txi *next;
    struct lark_tcp_frame hdr;
    size_t hoff;         /* header bytes written */
    const char *payload; /* the caller's bytes (zero copy) or data[] */
    size_t plen, poff;
    void *cookie; /* zero copy: lark_transport_sent(cookie) once written */
    bool splice;  /* payload spliced from the caller's pages: cookie waits for DONE */
    char data[];
};

enum lark_tcp_cstate {
    LARK_TCP_CONNECTING, /* nonblocking connect in flight */
    LARK_TCP_HELLO_SENT, /* waiting for ACK or DUP */
    LARK_TCP_ACCEPTED,   /* waiting for the caller's HELLO */
    LARK_TCP_UP,         /* frames flow */
    LARK_TCP_DEAD        /* closed; freed by lark_tcp_reap */
};

struct tcp_peer;

struct lark_tcp_conn {
    int fd;
    enum lark_tcp_cstate st;
    bool outgoing;
    bool want_out;         /* EPOLLOUT in the epoll set */
    bool detached;         /* out of the epoll set while read directly (s->hot) */
    bool bye;              /* the peer said BYE: its EOF is no failure */
    struct tcp_peer *peer; /* NULL until the handshake names it */
    int64_t deadline;      /* handshake deadline (ns) */
    union lark_tcp_sa remote;
    /* handshake */
    struct lark_tcp_hello hs_in, hs_out;
    size_t hs_got, hs_sent;
    /* receiving: buffered bytes rx[rx_off, rx_len) */
    unsigned char *rx;
    size_t rx_off, rx_len;
    /* receiving one large payload in place (sink) */
    bool in_sink;
    struct lark_tcp_frame cur;
    char *sink;
    size_t sink_got;
    bool sink_owned; /* malloc'd here (no target): free after delivery */
    /* sending */
    struct lark_tcp_txi *txh, *txt;
    size_t tx_copied;
    struct lark_tcp_txi *cfh, *cft; /* spliced, written, waiting for the peer's DONE */
    struct lark_tcp_conn *next;     /* all connections (s->conns) */
};

struct tcp_peer {
    int world;
    struct lark_tcp_conn *conn; /* the established one, or our call in flight */
    bool awaiting;              /* it answered DUP: its own call will come */
    bool gone;                  /* it said BYE and closed */
    bool failed;                /* lost: lark_transport_peer_lost was called */
    bool addrs_read;
    int naddrs, addr_next, attempts;
    int64_t retry_at, give_up_at; /* 0: no retry pending */
    union lark_tcp_sa addrs[LARK_TCP_MAX_ADDRS];
    struct tcp_peer *next_waiting; /* on s->waiting while connecting */
    bool on_waiting;
};

struct tcp_state {
    int me, size;
    char host[256];
    int ep; /* epoll: listeners (data = index) and connections (data = conn) */
    struct lark_tcp_if ifs[LARK_TCP_MAX_IFS];
    int nifs;
    int listen_fd[LARK_TCP_MAX_IFS];
    int nlisten;
    uint8_t secret[LARK_TCP_SECRET_LEN];
    bool have_secret;
    struct tcp_peer **peers; /* by world rank, made on first use */
    struct lark_tcp_conn *conns;
    int nconns;               /* connections not DEAD */
    int nhandshakes;          /* of which still in the handshake */
    struct tcp_peer *waiting; /* peers connecting (retry timers) */
    int nwaiting;
    unsigned idle;
    /* The connection that last brought frames, read directly at each
     * progress pass (tcp_progress); NULL when it closed. */
    struct lark_tcp_conn *hot;
    unsigned hot_streak; /* passes in a row that hot brought data; detached from 16 */
    unsigned passes;     /* progress passes, to space the epoll_wait calls */
    unsigned every;      /* ask epoll every this many passes (4..64, tcp_progress) */
    int nwant_out;       /* connections with EPOLLOUT asked (writes queued) */
    bool dead_pending;   /* a connection is DEAD: lark_tcp_reap has work */
    int strangers_logged;
    bool skip_logged;
    bool finalizing; /* lark_tcp_goodbye: broken connections are no failure */
    size_t sockbuf;
    /* Splicing large zero-copy payloads (conn.c, splice_out): one pipe per
     * process, holding at most one connection's pages at a time. */
    size_t splice_min; /* payloads from this size are spliced (0: never) */
    int pipe_r, pipe_w;
    size_t pipe_cap, pipe_fill;
    struct lark_tcp_conn *pipe_owner;
    int64_t connect_timeout_ns;
};

int64_t lark_tcp_now(void);

/* conn.c */
struct tcp_peer *lark_tcp_peer(struct tcp_state *s, int world);
void lark_tcp_conn_start(struct tcp_state *s, struct tcp_peer *p);
void lark_tcp_accept(struct tcp_state *s, int lfd);
int lark_tcp_conn_event(struct tcp_state *s, struct lark_tcp_conn *c, uint32_t events);
void lark_tcp_detach(struct tcp_state *s, struct lark_tcp_conn *c);
void lark_tcp_attach(struct tcp_state *s, struct lark_tcp_conn *c);
void lark_tcp_want_out(struct tcp_state *s, struct lark_tcp_conn *c, bool on);
void lark_tcp_conn_close(struct tcp_state *s, struct lark_tcp_conn *c);
void lark_tcp_conn_lost(struct tcp_state *s, struct lark_tcp_conn *c, const char *what);
void lark_tcp_timers(struct tcp_state *s);
void lark_tcp_reap(struct tcp_state *s);
void lark_tcp_goodbye(struct tcp_state *s);
void lark_tcp_close_all(struct tcp_state *s);
void lark_tcp_sockbuf(struct tcp_state *s, int fd);

/* stream.c */
int lark_tcp_conn_send(struct tcp_state *s, struct tcp_peer *p, const struct lark_wire *hdr,
                       const void *payload, size_t len, void *cookie);
int lark_tcp_conn_poll(struct tcp_state *s, struct lark_tcp_conn *c);
int lark_tcp_tx_flush(struct tcp_state *s, struct lark_tcp_conn *c);
int lark_tcp_rx_read(struct tcp_state *s, struct lark_tcp_conn *c);
void lark_tcp_pipe_reset(struct tcp_state *s);
/* Append t to the list (head, tail): a connection's queue or its DONE list. */
void lark_tcp_txi_push(struct lark_tcp_txi **head, struct lark_tcp_txi **tail,
                       struct lark_tcp_txi *t);

#endif

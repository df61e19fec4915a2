/*
 * where_rec.h -- the record of where a rank is: the MPI call it is in (or
 * that it is computing outside MPI), and, refreshed each time it goes to
 * sleep waiting, its posted receives and oldest unexpected messages.
 *
 * One page in shared memory per rank, "/<nspace>.where.<rank>" in /dev/shm
 * (so the launcher's sweep of a job's files removes it after a crash),
 * written by the rank (runtime/where.c) and read by its node's agent
 * (launcher/where.c) without the rank's help: a rank stuck in a loop or a
 * system call is still described.  Header-only: the launcher does not link
 * the runtime.
 *
 * A rank that polls (MPI_Test, MPI_Iprobe and their kin finding nothing)
 * leaves the call it polled in the record with `polling` set and `poll_ns`
 * refreshed at each poll: a loop of MPI_Test on a receive that never comes
 * reads as a wait for that receive, not as computing.
 *
 * Consistency: a sequence lock.  The writer makes `seq` odd, writes, makes
 * it even; a reader copies the page and retries when `seq` was odd or
 * changed.
 */
#ifndef LARK_WHERE_REC_H
#define LARK_WHERE_REC_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define LARK_WHERE_MAGIC   0x4c4b5752u /* "LKWR" */
#define LARK_WHERE_VERSION 3
#define LARK_WHERE_NONE    (-1) /* no peer (or not in MPI) */
#define LARK_WHERE_ANY     (-2) /* MPI_ANY_SOURCE */
#define LARK_WHERE_ANYTAG  (-1) /* MPI_ANY_TAG (its standard ABI value) */
#define LARK_WHERE_MAXLIST 24

/* What kind of call a rank is in (the same values as the runtime's
 * request kinds). */
enum lark_where_kind { LARK_WHERE_OTHER, LARK_WHERE_SEND, LARK_WHERE_RECV, LARK_WHERE_COLL };

/* A posted receive or an unexpected message. */
struct lark_where_msg {
    int32_t peer; /* world rank, or LARK_WHERE_ANY */
    int32_t tag;
    uint32_t ctx;
    uint32_t pad;
    uint64_t bytes;
};

struct lark_where_rec {
    uint32_t magic, version;
    _Atomic uint32_t seq;
    int32_t rank; /* in MPI_COMM_WORLD */
    int32_t pid;
    /* The call: its name ("" when outside MPI), communicator (context id,
     * size, whether it is MPI_COMM_WORLD), peer or root (world rank), tag
     * and bytes; since when (CLOCK_MONOTONIC ns: in it, or out of MPI). */
    char call[32];
    uint32_t ctx;
    int32_t comm_size;
    int32_t comm_world;
    int32_t
        comm_whole;  /* its group is every world rank (MPI_COMM_WORLD, a duplicate, a window's) */
    int32_t polling; /* the call polls (and has returned): poll_ns says when it last did */
    int32_t peer;
    int32_t tag;
    int32_t kind; /* enum lark_where_kind */
    uint64_t bytes;
    int64_t since_ns;
    uint64_t calls;  /* recorded calls entered so far */
    int64_t poll_ns; /* the last poll (CLOCK_MONOTONIC ns), when polling */
    /* Queues, as of queues_ns (the last time the rank went to sleep). */
    int64_t queues_ns;
    uint32_t nposted, nunexpected; /* totals */
    uint32_t nposted_list, nunexpected_list;
    struct lark_where_msg posted[LARK_WHERE_MAXLIST];
    struct lark_where_msg unexpected[LARK_WHERE_MAXLIST];
};

/* The shm_open name of a rank's record. */
static inline int lark_where_name(char *buf, size_t len, const char *nspace, int rank)
{
    return snprintf(buf, len, "/%s.where.%d", nspace, rank);
}

#endif

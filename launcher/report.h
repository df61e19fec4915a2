/*
 * report.h -- reading the ranks' where-records and the hang report
 * (report.c; the record is runtime/where_rec.h).
 */
#ifndef LARK_LAUNCHER_REPORT_H
#define LARK_LAUNCHER_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "where_rec.h"

/* A rank's record as its node read it, with its ages in seconds. */
struct lark_where_view {
    bool valid;       /* a record was there */
    bool remote;      /* on another host, and its record was not gathered */
    int rank;         /* world rank */
    const char *host; /* where it runs, or NULL */
    struct lark_where_rec rec;
    double in_s;     /* in the call (or out of MPI) this long */
    double queues_s; /* age of the queue lists (< 0: never written) */
    double poll_s;   /* since its last poll (< 0: not polling) */
    /* A rank that polled, but not for LARK_WHERE_POLL_STALE_S: its record
     * reads as outside MPI, and this says what it polled last. */
    char last_poll[160];
};

/* A rank whose last poll (MPI_Test on a request not done, ...) is older
 * than this is no longer taken to be waiting in a polling loop. */
#define LARK_WHERE_POLL_STALE_S 1.0

/* Read `rank`'s record on this node; false (v->valid false) if none. */
bool lark_where_read(const char *nspace, int rank, struct lark_where_view *v);
/* Across hosts: a daemon packs the views of its node's ranks into a
 * WHERE frame's payload (node, reqid, then per rank its record and ages,
 * measured on that host's clock); mpirun unpacks them into v[rank] (the
 * views of ranks on `node` only).  Unpack returns the node, or -1 for a
 * malformed payload. */
struct lark_buf;
void lark_where_pack(struct lark_buf *b, int node, uint32_t reqid, const char *nspace,
                     const int *ranks, int n);
int lark_where_unpack(struct lark_buf *b, uint32_t *reqid, struct lark_where_view *v, int nprocs);
/* Print where each rank is, then the reading of who waits for whom (a
 * stale poll is first settled into "outside MPI"). */
void lark_where_report(FILE *out, struct lark_where_view *v, int n);

#endif

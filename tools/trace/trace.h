/*
 * trace.h -- liblark_trace: the MPI call recorder that `mpirun --trace FILE`
 * preloads into every rank (tools/trace/README.md).
 *
 * The generated wrappers (wrappers.c, from tools/trace/gen.py) call
 * lark_trace_begin / lark_trace_end around every PMPI_ call and fill in
 * what the call's parameters say; trace.c keeps the events per thread in
 * fixed chunks and writes them at MPI_Finalize to LARK_TRACE/rank.<n>;
 * merge.c (lark-trace-merge) turns those files into Trace Event JSON.
 *
 * Without LARK_TRACE the library records nothing; without the library
 * (no --trace) a program pays nothing at all.
 */
#ifndef LARK_TRACE_H
#define LARK_TRACE_H

#include <mpi.h>
#include <stdint.h>

/* Event kinds: a call (a span), a call that sent a message (a span and
 * a flow's start), a receive completed inside a call (a flow's end at
 * t1, no span of its own), a call that was that receive (both). */
enum { LARK_TEV_CALL = 0, LARK_TEV_SEND = 1, LARK_TEV_RECV = 2, LARK_TEV_CALL_RECV = 3 };

/* One event in memory. */
struct lark_trace_ev {
    int64_t t0, t1; /* enter, leave: stamps (trace.c: counter ticks or ns) */
    int32_t fn;     /* index in lark_trace_names */
    int32_t kind;   /* LARK_TEV_* */
    int32_t peer;   /* a rank of comm (as the call names it), or -1 */
    int32_t tag;
    uint64_t bytes;
    MPI_Comm comm;
    int32_t label; /* the communicator's label (lark_trace_end sets it) */
};

/* One event in a rank's file: peer translated to a world rank, times
 * shifted onto rank 0's clock. */
struct lark_trace_rec {
    int64_t t0, t1;
    int32_t fn, kind, peer, tag;
    uint64_t bytes;
    int32_t comm; /* index in the file's communicator labels, or -1 */
    int32_t pad;
};

/* After the events, the file holds `ncomms` labels of this size: the
 * communicator's name (MPI_Comm_set_name) or "comm <n>", n counting the
 * communicators this rank used, in the order it first used them. */
#define LARK_TRACE_LABEL 32

/* A rank file starts with this. */
struct lark_trace_file_head {
    char magic[8]; /* "LKTRACE2" */
    int32_t rank, size;
    int64_t nevents;
    int32_t ncomms, pad;
    char host[64];
};

extern const char *const lark_trace_names[];
extern const int lark_trace_nnames;

struct lark_trace_ev *lark_trace_begin(int fn);
void lark_trace_end(struct lark_trace_ev *e);
uint64_t lark_trace_bytes(MPI_Count count, MPI_Datatype type);
/* A request was made (an Isend: recv 0, an Irecv: recv 1). */
void lark_trace_req_new(struct lark_trace_ev *e, MPI_Request req, int recv);
/* A blocking receive got its message. */
void lark_trace_recvd(struct lark_trace_ev *e, const MPI_Status *st);
/* A request completed (Wait/Test); a receive's gets an event. */
void lark_trace_req_done(struct lark_trace_ev *e, MPI_Request req, const MPI_Status *st);
/* Sets of requests: remember the handles before the call, then report the
 * completed ones (n: how many, indices[]; n = -1: all, in order). */
void lark_trace_reqs_before(struct lark_trace_ev *e, int count, const MPI_Request reqs[]);
void lark_trace_reqs_after(struct lark_trace_ev *e, int n, const int *indices,
                           const MPI_Status *sts);
/* Statuses for a set when the caller passed MPI_STATUSES_IGNORE: *user is
 * set to an array of ours, returned for the caller to free (else NULL). */
MPI_Status *lark_trace_statuses(int count, MPI_Status **user);
/* A communicator goes away: forget its rank translation. */
void lark_trace_comm_forget(MPI_Comm comm);

#endif

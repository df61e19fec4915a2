/*
 * coll_api.h -- the bodies shared by the three forms of each collective
 * (blocking MPI_X, nonblocking MPI_IX, persistent MPI_X_init).
 *
 * runtime/api/coll_forms.c holds the PMPI_ entry points: each fills a
 * struct lark_coll_call and calls lark_coll_api_X here (runtime/api/coll.c),
 * which checks the arguments once and describes the collective once, as a
 * schedule that runs now (blocking) or becomes a request.  Scalar counts
 * are MPI_Count (an int converts); count and displacement arrays are
 * passed untyped and read as int or as MPI_Count/MPI_Aint (`large`).  Called
 * without the runtime lock; returns an MPI error class (after the error
 * handler).
 */
#ifndef LARK_API_COLL_API_H_INCLUDED
#define LARK_API_COLL_API_H_INCLUDED

#include <stdbool.h>

#include "lark.h"

enum lark_coll_form { LARK_FORM_BLOCKING, LARK_FORM_NONBLOCKING, LARK_FORM_PERSISTENT };

struct lark_coll_call {
    const char *name;         /* "MPI_Ibcast": for error messages */
    enum lark_coll_form form; /* which of the three */
    MPI_Request *request;     /* nonblocking and persistent: where the request goes */
    bool large;               /* a large-count (_c) form: count arrays are MPI_Count[], and
                                 displacement arrays MPI_Aint[]; int[] otherwise */
};

int lark_coll_api_barrier(MPI_Comm comm, const struct lark_coll_call *k);
int lark_coll_api_bcast(void *buf, MPI_Count count, MPI_Datatype type, int root, MPI_Comm comm,
                        const struct lark_coll_call *k);
int lark_coll_api_reduce(const void *sbuf, void *rbuf, MPI_Count count, MPI_Datatype type,
                         MPI_Op op, int root, MPI_Comm comm, const struct lark_coll_call *k);
int lark_coll_api_allreduce(const void *sbuf, void *rbuf, MPI_Count count, MPI_Datatype type,
                            MPI_Op op, MPI_Comm comm, const struct lark_coll_call *k);
/* The direct path of the blocking MPI_Allreduce, MPI_Reduce and
 * MPI_Bcast (coll_fast.c): true when it ran the call (*err its MPI error
 * class), false when the call must go the long way (lark_coll_api_X) --
 * nothing has happened then. */
bool lark_coll_fast_allreduce(const void *sbuf, void *rbuf, MPI_Count count, MPI_Datatype type,
                              MPI_Op op, MPI_Comm comm, int *err);
bool lark_coll_fast_reduce(const void *sbuf, void *rbuf, MPI_Count count, MPI_Datatype type,
                           MPI_Op op, int root, MPI_Comm comm, int *err);
bool lark_coll_fast_bcast(void *buf, MPI_Count count, MPI_Datatype type, int root, MPI_Comm comm,
                          int *err);
/* Scan (exclusive = 0) and Exscan (1). */
int lark_coll_api_scan(const void *sbuf, void *rbuf, MPI_Count count, MPI_Datatype type, MPI_Op op,
                       MPI_Comm comm, int exclusive, const struct lark_coll_call *k);
int lark_coll_api_gather(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                         MPI_Count rcount, MPI_Datatype rtype, int root, MPI_Comm comm,
                         const struct lark_coll_call *k);
int lark_coll_api_scatter(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                          MPI_Count rcount, MPI_Datatype rtype, int root, MPI_Comm comm,
                          const struct lark_coll_call *k);
int lark_coll_api_gatherv(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                          const void *rcounts, const void *displs, MPI_Datatype rtype, int root,
                          MPI_Comm comm, const struct lark_coll_call *k);
int lark_coll_api_scatterv(const void *sbuf, const void *scounts, const void *displs,
                           MPI_Datatype stype, void *rbuf, MPI_Count rcount, MPI_Datatype rtype,
                           int root, MPI_Comm comm, const struct lark_coll_call *k);
int lark_coll_api_allgather(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                            MPI_Count rcount, MPI_Datatype rtype, MPI_Comm comm,
                            const struct lark_coll_call *k);
int lark_coll_api_allgatherv(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                             const void *rcounts, const void *displs, MPI_Datatype rtype,
                             MPI_Comm comm, const struct lark_coll_call *k);
int lark_coll_api_alltoall(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                           MPI_Count rcount, MPI_Datatype rtype, MPI_Comm comm,
                           const struct lark_coll_call *k);
int lark_coll_api_alltoallv(const void *sbuf, const void *scounts, const void *sdispls,
                            MPI_Datatype stype, void *rbuf, const void *rcounts,
                            const void *rdispls, MPI_Datatype rtype, MPI_Comm comm,
                            const struct lark_coll_call *k);
int lark_coll_api_alltoallw(const void *sbuf, const void *scounts, const void *sdispls,
                            const MPI_Datatype stypes[], void *rbuf, const void *rcounts,
                            const void *rdispls, const MPI_Datatype rtypes[], MPI_Comm comm,
                            const struct lark_coll_call *k);
/* Reduce_scatter (rcounts) and Reduce_scatter_block (rcounts NULL, block). */
int lark_coll_api_reduce_scatter(const void *sbuf, void *rbuf, const void *rcounts, MPI_Count block,
                                 MPI_Datatype type, MPI_Op op, MPI_Comm comm,
                                 const struct lark_coll_call *k);

/* The same on an intercommunicator (coll_inter.c), called by the bodies
 * above when comm has a remote group.  gather: Gather(v) rather than
 * Scatter(v); all: Alltoall rather than Allgather; Alltoallv and
 * Alltoallw share one body (stypes/rtypes NULL for Alltoallv). */
int lark_coll_inter_barrier(MPI_Comm comm, const struct lark_coll_call *k);
int lark_coll_inter_bcast(void *buf, MPI_Count count, MPI_Datatype type, int root, MPI_Comm comm,
                          const struct lark_coll_call *k);
int lark_coll_inter_gather(bool gather, const void *sbuf, MPI_Count scount, MPI_Datatype stype,
                           void *rbuf, MPI_Count rcount, MPI_Datatype rtype, int root,
                           MPI_Comm comm, const struct lark_coll_call *k);
int lark_coll_inter_gatherv(bool gather, const void *sbuf, MPI_Count scount, MPI_Datatype stype,
                            void *rbuf, MPI_Count rcount, MPI_Datatype rtype, const void *counts,
                            const void *displs, int root, MPI_Comm comm,
                            const struct lark_coll_call *k);
int lark_coll_inter_allgather(bool all, const void *sbuf, MPI_Count scount, MPI_Datatype stype,
                              void *rbuf, MPI_Count rcount, MPI_Datatype rtype, MPI_Comm comm,
                              const struct lark_coll_call *k);
int lark_coll_inter_allgatherv(const void *sbuf, MPI_Count scount, MPI_Datatype stype, void *rbuf,
                               const void *rcounts, const void *displs, MPI_Datatype rtype,
                               MPI_Comm comm, const struct lark_coll_call *k);
int lark_coll_inter_alltoallv(const void *sbuf, const void *scounts, const void *sdispls,
                              MPI_Datatype stype, const MPI_Datatype *stypes, void *rbuf,
                              const void *rcounts, const void *rdispls, MPI_Datatype rtype,
                              const MPI_Datatype *rtypes, MPI_Comm comm,
                              const struct lark_coll_call *k);
int lark_coll_inter_reduce(const void *sbuf, void *rbuf, MPI_Count count, MPI_Datatype type,
                           MPI_Op op, int root, MPI_Comm comm, const struct lark_coll_call *k);
int lark_coll_inter_allreduce(const void *sbuf, void *rbuf, MPI_Count count, MPI_Datatype type,
                              MPI_Op op, MPI_Comm comm, const struct lark_coll_call *k);
int lark_coll_inter_reduce_scatter(const void *sbuf, void *rbuf, const void *rcounts,
                                   MPI_Count block, MPI_Datatype type, MPI_Op op, MPI_Comm comm,
                                   const struct lark_coll_call *k);

/* Neighbourhood collectives (coll_neighbor.c) on a communicator with a
 * virtual topology.  Neighbor_alltoallw's displacements are MPI_Aint
 * bytes in every form. */
int lark_coll_api_neighbor_allgather(const void *sbuf, MPI_Count scount, MPI_Datatype stype,
                                     void *rbuf, MPI_Count rcount, MPI_Datatype rtype,
                                     MPI_Comm comm, const struct lark_coll_call *k);
int lark_coll_api_neighbor_allgatherv(const void *sbuf, MPI_Count scount, MPI_Datatype stype,
                                      void *rbuf, const void *rcounts, const void *displs,
                                      MPI_Datatype rtype, MPI_Comm comm,
                                      const struct lark_coll_call *k);
int lark_coll_api_neighbor_alltoall(const void *sbuf, MPI_Count scount, MPI_Datatype stype,
                                    void *rbuf, MPI_Count rcount, MPI_Datatype rtype, MPI_Comm comm,
                                    const struct lark_coll_call *k);
int lark_coll_api_neighbor_alltoallv(const void *sbuf, const void *scounts, const void *sdispls,
                                     MPI_Datatype stype, void *rbuf, const void *rcounts,
                                     const void *rdispls, MPI_Datatype rtype, MPI_Comm comm,
                                     const struct lark_coll_call *k);
int lark_coll_api_neighbor_alltoallw(const void *sbuf, const void *scounts, const MPI_Aint *sdispls,
                                     const MPI_Datatype stypes[], void *rbuf, const void *rcounts,
                                     const MPI_Aint *rdispls, const MPI_Datatype rtypes[],
                                     MPI_Comm comm, const struct lark_coll_call *k);

#endif

/*
 * coll_forms.c (api) -- the PMPI_ entry points of every collective in its
 * three forms: blocking (MPI_Bcast), nonblocking (MPI_Ibcast) and
 * persistent (MPI_Bcast_init, MPI-4), each also in its large-count form
 * (MPI_Bcast_c, MPI_Ibcast_c, MPI_Bcast_init_c).  Each names itself and hands over to
 * the one body in coll.c (coll_api.h), so the forms cannot drift apart.
 * Persistent forms accept and ignore their info argument (no hints).
 */
#include "coll_api.h"
#include "comm.h"
#include "error.h"

int PMPI_Barrier(MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Barrier", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_barrier(comm, &k);
}
LARK_API_ALIAS(Barrier)

int PMPI_Ibarrier(MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ibarrier", LARK_FORM_NONBLOCKING, request, false};
    return lark_coll_api_barrier(comm, &k);
}
LARK_API_ALIAS(Ibarrier)

int PMPI_Barrier_init(MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Barrier_init", LARK_FORM_PERSISTENT, request, false};
    return lark_coll_api_barrier(comm, &k);
}
LARK_API_ALIAS(Barrier_init)

int PMPI_Bcast(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm)
{
    int err;
    if (lark_coll_fast_bcast(buffer, count, datatype, root, comm, &err))
        return err;
    const struct lark_coll_call k = {"MPI_Bcast", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_bcast(buffer, count, datatype, root, comm, &k);
}
LARK_API_ALIAS(Bcast)

int PMPI_Ibcast(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm,
                MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ibcast", LARK_FORM_NONBLOCKING, request, false};
    return lark_coll_api_bcast(buffer, count, datatype, root, comm, &k);
}
LARK_API_ALIAS(Ibcast)

int PMPI_Bcast_init(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm,
                    MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Bcast_init", LARK_FORM_PERSISTENT, request, false};
    return lark_coll_api_bcast(buffer, count, datatype, root, comm, &k);
}
LARK_API_ALIAS(Bcast_init)

int PMPI_Bcast_c(void *buffer, MPI_Count count, MPI_Datatype datatype, int root, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Bcast_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_bcast(buffer, count, datatype, root, comm, &k);
}
LARK_API_ALIAS(Bcast_c)

int PMPI_Ibcast_c(void *buffer, MPI_Count count, MPI_Datatype datatype, int root, MPI_Comm comm,
                  MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ibcast_c", LARK_FORM_NONBLOCKING, request, true};
    return lark_coll_api_bcast(buffer, count, datatype, root, comm, &k);
}
LARK_API_ALIAS(Ibcast_c)

int PMPI_Bcast_init_c(void *buffer, MPI_Count count, MPI_Datatype datatype, int root, MPI_Comm comm,
                      MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Bcast_init_c", LARK_FORM_PERSISTENT, request, true};
    return lark_coll_api_bcast(buffer, count, datatype, root, comm, &k);
}
LARK_API_ALIAS(Bcast_init_c)

int PMPI_Reduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                int root, MPI_Comm comm)
{
    int err;
    if (lark_coll_fast_reduce(sendbuf, recvbuf, count, datatype, op, root, comm, &err))
        return err;
    const struct lark_coll_call k = {"MPI_Reduce", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_reduce(sendbuf, recvbuf, count, datatype, op, root, comm, &k);
}
LARK_API_ALIAS(Reduce)

int PMPI_Ireduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                 int root, MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ireduce", LARK_FORM_NONBLOCKING, request, false};
    return lark_coll_api_reduce(sendbuf, recvbuf, count, datatype, op, root, comm, &k);
}
LARK_API_ALIAS(Ireduce)

int PMPI_Reduce_init(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype,
                     MPI_Op op, int root, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Reduce_init", LARK_FORM_PERSISTENT, request, false};
    return lark_coll_api_reduce(sendbuf, recvbuf, count, datatype, op, root, comm, &k);
}
LARK_API_ALIAS(Reduce_init)

int PMPI_Reduce_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                  MPI_Op op, int root, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Reduce_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_reduce(sendbuf, recvbuf, count, datatype, op, root, comm, &k);
}
LARK_API_ALIAS(Reduce_c)

int PMPI_Ireduce_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                   MPI_Op op, int root, MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ireduce_c", LARK_FORM_NONBLOCKING, request, true};
    return lark_coll_api_reduce(sendbuf, recvbuf, count, datatype, op, root, comm, &k);
}
LARK_API_ALIAS(Ireduce_c)

int PMPI_Reduce_init_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                       MPI_Op op, int root, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Reduce_init_c", LARK_FORM_PERSISTENT, request, true};
    return lark_coll_api_reduce(sendbuf, recvbuf, count, datatype, op, root, comm, &k);
}
LARK_API_ALIAS(Reduce_init_c)

int PMPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                   MPI_Comm comm)
{
    int err;
    if (lark_coll_fast_allreduce(sendbuf, recvbuf, count, datatype, op, comm, &err))
        return err;
    const struct lark_coll_call k = {"MPI_Allreduce", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_allreduce(sendbuf, recvbuf, count, datatype, op, comm, &k);
}
LARK_API_ALIAS(Allreduce)

int PMPI_Iallreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                    MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Iallreduce", LARK_FORM_NONBLOCKING, request, false};
    return lark_coll_api_allreduce(sendbuf, recvbuf, count, datatype, op, comm, &k);
}
LARK_API_ALIAS(Iallreduce)

int PMPI_Allreduce_init(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype,
                        MPI_Op op, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Allreduce_init", LARK_FORM_PERSISTENT, request, false};
    return lark_coll_api_allreduce(sendbuf, recvbuf, count, datatype, op, comm, &k);
}
LARK_API_ALIAS(Allreduce_init)

int PMPI_Allreduce_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                     MPI_Op op, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Allreduce_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_allreduce(sendbuf, recvbuf, count, datatype, op, comm, &k);
}
LARK_API_ALIAS(Allreduce_c)

int PMPI_Iallreduce_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                      MPI_Op op, MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Iallreduce_c", LARK_FORM_NONBLOCKING, request, true};
    return lark_coll_api_allreduce(sendbuf, recvbuf, count, datatype, op, comm, &k);
}
LARK_API_ALIAS(Iallreduce_c)

int PMPI_Allreduce_init_c(const void *sendbuf, void *recvbuf, MPI_Count count,
                          MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                          MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Allreduce_init_c", LARK_FORM_PERSISTENT, request, true};
    return lark_coll_api_allreduce(sendbuf, recvbuf, count, datatype, op, comm, &k);
}
LARK_API_ALIAS(Allreduce_init_c)

int PMPI_Gather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Gather", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_gather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root,
                                comm, &k);
}
LARK_API_ALIAS(Gather)

int PMPI_Igather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                 int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm,
                 MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Igather", LARK_FORM_NONBLOCKING, request, false};
    return lark_coll_api_gather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root,
                                comm, &k);
}
LARK_API_ALIAS(Igather)

int PMPI_Gather_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                     int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Info info,
                     MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Gather_init", LARK_FORM_PERSISTENT, request, false};
    return lark_coll_api_gather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root,
                                comm, &k);
}
LARK_API_ALIAS(Gather_init)

int PMPI_Gather_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, void *recvbuf,
                  MPI_Count recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Gather_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_gather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root,
                                comm, &k);
}
LARK_API_ALIAS(Gather_c)

int PMPI_Igather_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, void *recvbuf,
                   MPI_Count recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm,
                   MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Igather_c", LARK_FORM_NONBLOCKING, request, true};
    return lark_coll_api_gather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root,
                                comm, &k);
}
LARK_API_ALIAS(Igather_c)

int PMPI_Gather_init_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                       void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype, int root,
                       MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Gather_init_c", LARK_FORM_PERSISTENT, request, true};
    return lark_coll_api_gather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root,
                                comm, &k);
}
LARK_API_ALIAS(Gather_init_c)

int PMPI_Gatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                 const int recvcounts[], const int displs[], MPI_Datatype recvtype, int root,
                 MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Gatherv", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_gatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                 recvtype, root, comm, &k);
}
LARK_API_ALIAS(Gatherv)

int PMPI_Igatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                  const int recvcounts[], const int displs[], MPI_Datatype recvtype, int root,
                  MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Igatherv", LARK_FORM_NONBLOCKING, request, false};
    return lark_coll_api_gatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                 recvtype, root, comm, &k);
}
LARK_API_ALIAS(Igatherv)

int PMPI_Gatherv_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                      const int recvcounts[], const int displs[], MPI_Datatype recvtype, int root,
                      MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Gatherv_init", LARK_FORM_PERSISTENT, request, false};
    return lark_coll_api_gatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                 recvtype, root, comm, &k);
}
LARK_API_ALIAS(Gatherv_init)

int PMPI_Gatherv_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, void *recvbuf,
                   const MPI_Count recvcounts[], const MPI_Aint displs[], MPI_Datatype recvtype,
                   int root, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Gatherv_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_gatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                 recvtype, root, comm, &k);
}
LARK_API_ALIAS(Gatherv_c)

int PMPI_Igatherv_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, void *recvbuf,
                    const MPI_Count recvcounts[], const MPI_Aint displs[], MPI_Datatype recvtype,
                    int root, MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Igatherv_c", LARK_FORM_NONBLOCKING, request, true};
    return lark_coll_api_gatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                 recvtype, root, comm, &k);
}
LARK_API_ALIAS(Igatherv_c)

int PMPI_Gatherv_init_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                        void *recvbuf, const MPI_Count recvcounts[], const MPI_Aint displs[],
                        MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Info info,
                        MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Gatherv_init_c", LARK_FORM_PERSISTENT, request, true};
    return lark_coll_api_gatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                 recvtype, root, comm, &k);
}
LARK_API_ALIAS(Gatherv_init_c)

int PMPI_Scatter(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                 int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Scatter", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_scatter(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root,
                                 comm, &k);
}
LARK_API_ALIAS(Scatter)

int PMPI_Iscatter(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                  int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm,
                  MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Iscatter", LARK_FORM_NONBLOCKING, request, false};
    return lark_coll_api_scatter(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root,
                                 comm, &k);
}
LARK_API_ALIAS(Iscatter)

int PMPI_Scatter_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                      int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Info info,
                      MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Scatter_init", LARK_FORM_PERSISTENT, request, false};
    return lark_coll_api_scatter(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root,
                                 comm, &k);
}
LARK_API_ALIAS(Scatter_init)

int PMPI_Scatter_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, void *recvbuf,
                   MPI_Count recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Scatter_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_scatter(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root,
                                 comm, &k);
}
LARK_API_ALIAS(Scatter_c)

int PMPI_Iscatter_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, void *recvbuf,
                    MPI_Count recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm,
                    MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Iscatter_c", LARK_FORM_NONBLOCKING, request, true};
    return lark_coll_api_scatter(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root,
                                 comm, &k);
}
LARK_API_ALIAS(Iscatter_c)

int PMPI_Scatter_init_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                        void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype, int root,
                        MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Scatter_init_c", LARK_FORM_PERSISTENT, request, true};
    return lark_coll_api_scatter(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root,
                                 comm, &k);
}
LARK_API_ALIAS(Scatter_init_c)

int PMPI_Scatterv(const void *sendbuf, const int sendcounts[], const int displs[],
                  MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype,
                  int root, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Scatterv", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_scatterv(sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount,
                                  recvtype, root, comm, &k);
}
LARK_API_ALIAS(Scatterv)

int PMPI_Iscatterv(const void *sendbuf, const int sendcounts[], const int displs[],
                   MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype,
                   int root, MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Iscatterv", LARK_FORM_NONBLOCKING, request, false};
    return lark_coll_api_scatterv(sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount,
                                  recvtype, root, comm, &k);
}
LARK_API_ALIAS(Iscatterv)

int PMPI_Scatterv_init(const void *sendbuf, const int sendcounts[], const int displs[],
                       MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype,
                       int root, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Scatterv_init", LARK_FORM_PERSISTENT, request, false};
    return lark_coll_api_scatterv(sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount,
                                  recvtype, root, comm, &k);
}
LARK_API_ALIAS(Scatterv_init)

int PMPI_Scatterv_c(const void *sendbuf, const MPI_Count sendcounts[], const MPI_Aint displs[],
                    MPI_Datatype sendtype, void *recvbuf, MPI_Count recvcount,
                    MPI_Datatype recvtype, int root, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Scatterv_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_scatterv(sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount,
                                  recvtype, root, comm, &k);
}
LARK_API_ALIAS(Scatterv_c)

int PMPI_Iscatterv_c(const void *sendbuf, const MPI_Count sendcounts[], const MPI_Aint displs[],
                     MPI_Datatype sendtype, void *recvbuf, MPI_Count recvcount,
                     MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Iscatterv_c", LARK_FORM_NONBLOCKING, request, true};
    return lark_coll_api_scatterv(sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount,
                                  recvtype, root, comm, &k);
}
LARK_API_ALIAS(Iscatterv_c)

int PMPI_Scatterv_init_c(const void *sendbuf, const MPI_Count sendcounts[], const MPI_Aint displs[],
                         MPI_Datatype sendtype, void *recvbuf, MPI_Count recvcount,
                         MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Info info,
                         MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Scatterv_init_c", LARK_FORM_PERSISTENT, request, true};
    return lark_coll_api_scatterv(sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount,
                                  recvtype, root, comm, &k);
}
LARK_API_ALIAS(Scatterv_init_c)

int PMPI_Allgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                   int recvcount, MPI_Datatype recvtype, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Allgather", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                                   &k);
}
LARK_API_ALIAS(Allgather)

int PMPI_Iallgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                    int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Iallgather", LARK_FORM_NONBLOCKING, request, false};
    return lark_coll_api_allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                                   &k);
}
LARK_API_ALIAS(Iallgather)

int PMPI_Allgather_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                        int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                        MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Allgather_init", LARK_FORM_PERSISTENT, request, false};
    return lark_coll_api_allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                                   &k);
}
LARK_API_ALIAS(Allgather_init)

int PMPI_Allgather_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, void *recvbuf,
                     MPI_Count recvcount, MPI_Datatype recvtype, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Allgather_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                                   &k);
}
LARK_API_ALIAS(Allgather_c)

int PMPI_Iallgather_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                      void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                      MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Iallgather_c", LARK_FORM_NONBLOCKING, request, true};
    return lark_coll_api_allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                                   &k);
}
LARK_API_ALIAS(Iallgather_c)

int PMPI_Allgather_init_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                          void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                          MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Allgather_init_c", LARK_FORM_PERSISTENT, request, true};
    return lark_coll_api_allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                                   &k);
}
LARK_API_ALIAS(Allgather_init_c)

int PMPI_Allgatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                    const int recvcounts[], const int displs[], MPI_Datatype recvtype,
                    MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Allgatherv", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                    recvtype, comm, &k);
}
LARK_API_ALIAS(Allgatherv)

int PMPI_Iallgatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                     const int recvcounts[], const int displs[], MPI_Datatype recvtype,
                     MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Iallgatherv", LARK_FORM_NONBLOCKING, request, false};
    return lark_coll_api_allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                    recvtype, comm, &k);
}
LARK_API_ALIAS(Iallgatherv)

int PMPI_Allgatherv_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                         const int recvcounts[], const int displs[], MPI_Datatype recvtype,
                         MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Allgatherv_init", LARK_FORM_PERSISTENT, request, false};
    return lark_coll_api_allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                    recvtype, comm, &k);
}
LARK_API_ALIAS(Allgatherv_init)

int PMPI_Allgatherv_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                      void *recvbuf, const MPI_Count recvcounts[], const MPI_Aint displs[],
                      MPI_Datatype recvtype, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Allgatherv_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                    recvtype, comm, &k);
}
LARK_API_ALIAS(Allgatherv_c)

int PMPI_Iallgatherv_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                       void *recvbuf, const MPI_Count recvcounts[], const MPI_Aint displs[],
                       MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Iallgatherv_c", LARK_FORM_NONBLOCKING, request, true};
    return lark_coll_api_allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                    recvtype, comm, &k);
}
LARK_API_ALIAS(Iallgatherv_c)

int PMPI_Allgatherv_init_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                           void *recvbuf, const MPI_Count recvcounts[], const MPI_Aint displs[],
                           MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                           MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Allgatherv_init_c", LARK_FORM_PERSISTENT, request, true};
    return lark_coll_api_allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                    recvtype, comm, &k);
}
LARK_API_ALIAS(Allgatherv_init_c)

int PMPI_Alltoall(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                  int recvcount, MPI_Datatype recvtype, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Alltoall", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_alltoall(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                                  &k);
}
LARK_API_ALIAS(Alltoall)

int PMPI_Ialltoall(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                   int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ialltoall", LARK_FORM_NONBLOCKING, request, false};
    return lark_coll_api_alltoall(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                                  &k);
}
LARK_API_ALIAS(Ialltoall)

int PMPI_Alltoall_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                       int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                       MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Alltoall_init", LARK_FORM_PERSISTENT, request, false};
    return lark_coll_api_alltoall(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                                  &k);
}
LARK_API_ALIAS(Alltoall_init)

int PMPI_Alltoall_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, void *recvbuf,
                    MPI_Count recvcount, MPI_Datatype recvtype, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Alltoall_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_alltoall(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                                  &k);
}
LARK_API_ALIAS(Alltoall_c)

int PMPI_Ialltoall_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, void *recvbuf,
                     MPI_Count recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                     MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ialltoall_c", LARK_FORM_NONBLOCKING, request, true};
    return lark_coll_api_alltoall(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                                  &k);
}
LARK_API_ALIAS(Ialltoall_c)

int PMPI_Alltoall_init_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                         void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                         MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Alltoall_init_c", LARK_FORM_PERSISTENT, request, true};
    return lark_coll_api_alltoall(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                                  &k);
}
LARK_API_ALIAS(Alltoall_init_c)

int PMPI_Alltoallv(const void *sendbuf, const int sendcounts[], const int sdispls[],
                   MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                   const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Alltoallv", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_alltoallv(sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts,
                                   rdispls, recvtype, comm, &k);
}
LARK_API_ALIAS(Alltoallv)

int PMPI_Ialltoallv(const void *sendbuf, const int sendcounts[], const int sdispls[],
                    MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                    const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ialltoallv", LARK_FORM_NONBLOCKING, request, false};
    return lark_coll_api_alltoallv(sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts,
                                   rdispls, recvtype, comm, &k);
}
LARK_API_ALIAS(Ialltoallv)

int PMPI_Alltoallv_init(const void *sendbuf, const int sendcounts[], const int sdispls[],
                        MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                        const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                        MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Alltoallv_init", LARK_FORM_PERSISTENT, request, false};
    return lark_coll_api_alltoallv(sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts,
                                   rdispls, recvtype, comm, &k);
}
LARK_API_ALIAS(Alltoallv_init)

int PMPI_Alltoallv_c(const void *sendbuf, const MPI_Count sendcounts[], const MPI_Aint sdispls[],
                     MPI_Datatype sendtype, void *recvbuf, const MPI_Count recvcounts[],
                     const MPI_Aint rdispls[], MPI_Datatype recvtype, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Alltoallv_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_alltoallv(sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts,
                                   rdispls, recvtype, comm, &k);
}
LARK_API_ALIAS(Alltoallv_c)

int PMPI_Ialltoallv_c(const void *sendbuf, const MPI_Count sendcounts[], const MPI_Aint sdispls[],
                      MPI_Datatype sendtype, void *recvbuf, const MPI_Count recvcounts[],
                      const MPI_Aint rdispls[], MPI_Datatype recvtype, MPI_Comm comm,
                      MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ialltoallv_c", LARK_FORM_NONBLOCKING, request, true};
    return lark_coll_api_alltoallv(sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts,
                                   rdispls, recvtype, comm, &k);
}
LARK_API_ALIAS(Ialltoallv_c)

int PMPI_Alltoallv_init_c(const void *sendbuf, const MPI_Count sendcounts[],
                          const MPI_Aint sdispls[], MPI_Datatype sendtype, void *recvbuf,
                          const MPI_Count recvcounts[], const MPI_Aint rdispls[],
                          MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Alltoallv_init_c", LARK_FORM_PERSISTENT, request, true};
    return lark_coll_api_alltoallv(sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts,
                                   rdispls, recvtype, comm, &k);
}
LARK_API_ALIAS(Alltoallv_init_c)

int PMPI_Alltoallw(const void *sendbuf, const int sendcounts[], const int sdispls[],
                   const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[],
                   const int rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Alltoallw", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_alltoallw(sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts,
                                   rdispls, recvtypes, comm, &k);
}
LARK_API_ALIAS(Alltoallw)

int PMPI_Ialltoallw(const void *sendbuf, const int sendcounts[], const int sdispls[],
                    const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[],
                    const int rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm,
                    MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ialltoallw", LARK_FORM_NONBLOCKING, request, false};
    return lark_coll_api_alltoallw(sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts,
                                   rdispls, recvtypes, comm, &k);
}
LARK_API_ALIAS(Ialltoallw)

int PMPI_Alltoallw_init(const void *sendbuf, const int sendcounts[], const int sdispls[],
                        const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[],
                        const int rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm,
                        MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Alltoallw_init", LARK_FORM_PERSISTENT, request, false};
    return lark_coll_api_alltoallw(sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts,
                                   rdispls, recvtypes, comm, &k);
}
LARK_API_ALIAS(Alltoallw_init)

int PMPI_Alltoallw_c(const void *sendbuf, const MPI_Count sendcounts[], const MPI_Aint sdispls[],
                     const MPI_Datatype sendtypes[], void *recvbuf, const MPI_Count recvcounts[],
                     const MPI_Aint rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Alltoallw_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_alltoallw(sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts,
                                   rdispls, recvtypes, comm, &k);
}
LARK_API_ALIAS(Alltoallw_c)

int PMPI_Ialltoallw_c(const void *sendbuf, const MPI_Count sendcounts[], const MPI_Aint sdispls[],
                      const MPI_Datatype sendtypes[], void *recvbuf, const MPI_Count recvcounts[],
                      const MPI_Aint rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm,
                      MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ialltoallw_c", LARK_FORM_NONBLOCKING, request, true};
    return lark_coll_api_alltoallw(sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts,
                                   rdispls, recvtypes, comm, &k);
}
LARK_API_ALIAS(Ialltoallw_c)

int PMPI_Alltoallw_init_c(const void *sendbuf, const MPI_Count sendcounts[],
                          const MPI_Aint sdispls[], const MPI_Datatype sendtypes[], void *recvbuf,
                          const MPI_Count recvcounts[], const MPI_Aint rdispls[],
                          const MPI_Datatype recvtypes[], MPI_Comm comm, MPI_Info info,
                          MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Alltoallw_init_c", LARK_FORM_PERSISTENT, request, true};
    return lark_coll_api_alltoallw(sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts,
                                   rdispls, recvtypes, comm, &k);
}
LARK_API_ALIAS(Alltoallw_init_c)

int PMPI_Reduce_scatter(const void *sendbuf, void *recvbuf, const int recvcounts[],
                        MPI_Datatype datatype, MPI_Op op, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Reduce_scatter", LARK_FORM_BLOCKING, NULL, false};
    if (recvcounts == NULL)
        return lark_err_raise(lark_comm_from_handle(comm), k.name, MPI_ERR_ARG,
                              "recvcounts is NULL");
    return lark_coll_api_reduce_scatter(sendbuf, recvbuf, recvcounts, 0, datatype, op, comm, &k);
}
LARK_API_ALIAS(Reduce_scatter)

int PMPI_Ireduce_scatter(const void *sendbuf, void *recvbuf, const int recvcounts[],
                         MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ireduce_scatter", LARK_FORM_NONBLOCKING, request, false};
    if (recvcounts == NULL)
        return lark_err_raise(lark_comm_from_handle(comm), k.name, MPI_ERR_ARG,
                              "recvcounts is NULL");
    return lark_coll_api_reduce_scatter(sendbuf, recvbuf, recvcounts, 0, datatype, op, comm, &k);
}
LARK_API_ALIAS(Ireduce_scatter)

int PMPI_Reduce_scatter_init(const void *sendbuf, void *recvbuf, const int recvcounts[],
                             MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                             MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Reduce_scatter_init", LARK_FORM_PERSISTENT, request,
                                     false};
    if (recvcounts == NULL)
        return lark_err_raise(lark_comm_from_handle(comm), k.name, MPI_ERR_ARG,
                              "recvcounts is NULL");
    return lark_coll_api_reduce_scatter(sendbuf, recvbuf, recvcounts, 0, datatype, op, comm, &k);
}
LARK_API_ALIAS(Reduce_scatter_init)

int PMPI_Reduce_scatter_c(const void *sendbuf, void *recvbuf, const MPI_Count recvcounts[],
                          MPI_Datatype datatype, MPI_Op op, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Reduce_scatter_c", LARK_FORM_BLOCKING, NULL, true};
    if (recvcounts == NULL)
        return lark_err_raise(lark_comm_from_handle(comm), k.name, MPI_ERR_ARG,
                              "recvcounts is NULL");
    return lark_coll_api_reduce_scatter(sendbuf, recvbuf, recvcounts, 0, datatype, op, comm, &k);
}
LARK_API_ALIAS(Reduce_scatter_c)

int PMPI_Ireduce_scatter_c(const void *sendbuf, void *recvbuf, const MPI_Count recvcounts[],
                           MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ireduce_scatter_c", LARK_FORM_NONBLOCKING, request, true};
    if (recvcounts == NULL)
        return lark_err_raise(lark_comm_from_handle(comm), k.name, MPI_ERR_ARG,
                              "recvcounts is NULL");
    return lark_coll_api_reduce_scatter(sendbuf, recvbuf, recvcounts, 0, datatype, op, comm, &k);
}
LARK_API_ALIAS(Ireduce_scatter_c)

int PMPI_Reduce_scatter_init_c(const void *sendbuf, void *recvbuf, const MPI_Count recvcounts[],
                               MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                               MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Reduce_scatter_init_c", LARK_FORM_PERSISTENT, request,
                                     true};
    if (recvcounts == NULL)
        return lark_err_raise(lark_comm_from_handle(comm), k.name, MPI_ERR_ARG,
                              "recvcounts is NULL");
    return lark_coll_api_reduce_scatter(sendbuf, recvbuf, recvcounts, 0, datatype, op, comm, &k);
}
LARK_API_ALIAS(Reduce_scatter_init_c)

int PMPI_Reduce_scatter_block(const void *sendbuf, void *recvbuf, int recvcount,
                              MPI_Datatype datatype, MPI_Op op, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Reduce_scatter_block", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_reduce_scatter(sendbuf, recvbuf, NULL, recvcount, datatype, op, comm, &k);
}
LARK_API_ALIAS(Reduce_scatter_block)

int PMPI_Ireduce_scatter_block(const void *sendbuf, void *recvbuf, int recvcount,
                               MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                               MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ireduce_scatter_block", LARK_FORM_NONBLOCKING, request,
                                     false};
    return lark_coll_api_reduce_scatter(sendbuf, recvbuf, NULL, recvcount, datatype, op, comm, &k);
}
LARK_API_ALIAS(Ireduce_scatter_block)

int PMPI_Reduce_scatter_block_init(const void *sendbuf, void *recvbuf, int recvcount,
                                   MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                                   MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Reduce_scatter_block_init", LARK_FORM_PERSISTENT, request,
                                     false};
    return lark_coll_api_reduce_scatter(sendbuf, recvbuf, NULL, recvcount, datatype, op, comm, &k);
}
LARK_API_ALIAS(Reduce_scatter_block_init)

int PMPI_Reduce_scatter_block_c(const void *sendbuf, void *recvbuf, MPI_Count recvcount,
                                MPI_Datatype datatype, MPI_Op op, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Reduce_scatter_block_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_reduce_scatter(sendbuf, recvbuf, NULL, recvcount, datatype, op, comm, &k);
}
LARK_API_ALIAS(Reduce_scatter_block_c)

int PMPI_Ireduce_scatter_block_c(const void *sendbuf, void *recvbuf, MPI_Count recvcount,
                                 MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                                 MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ireduce_scatter_block_c", LARK_FORM_NONBLOCKING, request,
                                     true};
    return lark_coll_api_reduce_scatter(sendbuf, recvbuf, NULL, recvcount, datatype, op, comm, &k);
}
LARK_API_ALIAS(Ireduce_scatter_block_c)

int PMPI_Reduce_scatter_block_init_c(const void *sendbuf, void *recvbuf, MPI_Count recvcount,
                                     MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                                     MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Reduce_scatter_block_init_c", LARK_FORM_PERSISTENT,
                                     request, true};
    return lark_coll_api_reduce_scatter(sendbuf, recvbuf, NULL, recvcount, datatype, op, comm, &k);
}
LARK_API_ALIAS(Reduce_scatter_block_init_c)

int PMPI_Scan(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
              MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Scan", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_scan(sendbuf, recvbuf, count, datatype, op, comm, 0, &k);
}
LARK_API_ALIAS(Scan)

int PMPI_Iscan(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
               MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Iscan", LARK_FORM_NONBLOCKING, request, false};
    return lark_coll_api_scan(sendbuf, recvbuf, count, datatype, op, comm, 0, &k);
}
LARK_API_ALIAS(Iscan)

int PMPI_Scan_init(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                   MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Scan_init", LARK_FORM_PERSISTENT, request, false};
    return lark_coll_api_scan(sendbuf, recvbuf, count, datatype, op, comm, 0, &k);
}
LARK_API_ALIAS(Scan_init)

int PMPI_Scan_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                MPI_Op op, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Scan_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_scan(sendbuf, recvbuf, count, datatype, op, comm, 0, &k);
}
LARK_API_ALIAS(Scan_c)

int PMPI_Iscan_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                 MPI_Op op, MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Iscan_c", LARK_FORM_NONBLOCKING, request, true};
    return lark_coll_api_scan(sendbuf, recvbuf, count, datatype, op, comm, 0, &k);
}
LARK_API_ALIAS(Iscan_c)

int PMPI_Scan_init_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                     MPI_Op op, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Scan_init_c", LARK_FORM_PERSISTENT, request, true};
    return lark_coll_api_scan(sendbuf, recvbuf, count, datatype, op, comm, 0, &k);
}
LARK_API_ALIAS(Scan_init_c)

int PMPI_Exscan(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Exscan", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_scan(sendbuf, recvbuf, count, datatype, op, comm, 1, &k);
}
LARK_API_ALIAS(Exscan)

int PMPI_Iexscan(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                 MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Iexscan", LARK_FORM_NONBLOCKING, request, false};
    return lark_coll_api_scan(sendbuf, recvbuf, count, datatype, op, comm, 1, &k);
}
LARK_API_ALIAS(Iexscan)

int PMPI_Exscan_init(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype,
                     MPI_Op op, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Exscan_init", LARK_FORM_PERSISTENT, request, false};
    return lark_coll_api_scan(sendbuf, recvbuf, count, datatype, op, comm, 1, &k);
}
LARK_API_ALIAS(Exscan_init)

int PMPI_Exscan_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                  MPI_Op op, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Exscan_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_scan(sendbuf, recvbuf, count, datatype, op, comm, 1, &k);
}
LARK_API_ALIAS(Exscan_c)

int PMPI_Iexscan_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                   MPI_Op op, MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Iexscan_c", LARK_FORM_NONBLOCKING, request, true};
    return lark_coll_api_scan(sendbuf, recvbuf, count, datatype, op, comm, 1, &k);
}
LARK_API_ALIAS(Iexscan_c)

int PMPI_Exscan_init_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                       MPI_Op op, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Exscan_init_c", LARK_FORM_PERSISTENT, request, true};
    return lark_coll_api_scan(sendbuf, recvbuf, count, datatype, op, comm, 1, &k);
}
LARK_API_ALIAS(Exscan_init_c)

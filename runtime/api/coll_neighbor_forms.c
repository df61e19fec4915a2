/*
 * coll_neighbor_forms.c (api) -- the PMPI_ entry points of the
 * neighbourhood collectives in their three forms (MPI_Neighbor_X,
 * MPI_Ineighbor_X, MPI_Neighbor_X_init) and large-count forms (_c); each
 * names itself and hands over to the one body in coll_neighbor.c.
 * Persistent forms accept and ignore their info argument (no hints).
 */
#include "coll_api.h"

int PMPI_Neighbor_allgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                            void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Neighbor_allgather", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_neighbor_allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount,
                                            recvtype, comm, &k);
}
LARK_API_ALIAS(Neighbor_allgather)

int PMPI_Ineighbor_allgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                             void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                             MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ineighbor_allgather", LARK_FORM_NONBLOCKING, request,
                                     false};
    return lark_coll_api_neighbor_allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount,
                                            recvtype, comm, &k);
}
LARK_API_ALIAS(Ineighbor_allgather)

int PMPI_Neighbor_allgather_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                                 void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                                 MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Neighbor_allgather_init", LARK_FORM_PERSISTENT, request,
                                     false};
    return lark_coll_api_neighbor_allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount,
                                            recvtype, comm, &k);
}
LARK_API_ALIAS(Neighbor_allgather_init)

int PMPI_Neighbor_allgatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                             void *recvbuf, const int recvcounts[], const int displs[],
                             MPI_Datatype recvtype, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Neighbor_allgatherv", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_neighbor_allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts,
                                             displs, recvtype, comm, &k);
}
LARK_API_ALIAS(Neighbor_allgatherv)

int PMPI_Ineighbor_allgatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                              void *recvbuf, const int recvcounts[], const int displs[],
                              MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ineighbor_allgatherv", LARK_FORM_NONBLOCKING, request,
                                     false};
    return lark_coll_api_neighbor_allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts,
                                             displs, recvtype, comm, &k);
}
LARK_API_ALIAS(Ineighbor_allgatherv)

int PMPI_Neighbor_allgatherv_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                                  void *recvbuf, const int recvcounts[], const int displs[],
                                  MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                                  MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Neighbor_allgatherv_init", LARK_FORM_PERSISTENT, request,
                                     false};
    return lark_coll_api_neighbor_allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts,
                                             displs, recvtype, comm, &k);
}
LARK_API_ALIAS(Neighbor_allgatherv_init)

int PMPI_Neighbor_alltoall(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                           int recvcount, MPI_Datatype recvtype, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Neighbor_alltoall", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_neighbor_alltoall(sendbuf, sendcount, sendtype, recvbuf, recvcount,
                                           recvtype, comm, &k);
}
LARK_API_ALIAS(Neighbor_alltoall)

int PMPI_Ineighbor_alltoall(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                            void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                            MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ineighbor_alltoall", LARK_FORM_NONBLOCKING, request,
                                     false};
    return lark_coll_api_neighbor_alltoall(sendbuf, sendcount, sendtype, recvbuf, recvcount,
                                           recvtype, comm, &k);
}
LARK_API_ALIAS(Ineighbor_alltoall)

int PMPI_Neighbor_alltoall_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                                void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                                MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Neighbor_alltoall_init", LARK_FORM_PERSISTENT, request,
                                     false};
    return lark_coll_api_neighbor_alltoall(sendbuf, sendcount, sendtype, recvbuf, recvcount,
                                           recvtype, comm, &k);
}
LARK_API_ALIAS(Neighbor_alltoall_init)

int PMPI_Neighbor_alltoallv(const void *sendbuf, const int sendcounts[], const int sdispls[],
                            MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                            const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Neighbor_alltoallv", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_neighbor_alltoallv(sendbuf, sendcounts, sdispls, sendtype, recvbuf,
                                            recvcounts, rdispls, recvtype, comm, &k);
}
LARK_API_ALIAS(Neighbor_alltoallv)

int PMPI_Ineighbor_alltoallv(const void *sendbuf, const int sendcounts[], const int sdispls[],
                             MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                             const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm,
                             MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ineighbor_alltoallv", LARK_FORM_NONBLOCKING, request,
                                     false};
    return lark_coll_api_neighbor_alltoallv(sendbuf, sendcounts, sdispls, sendtype, recvbuf,
                                            recvcounts, rdispls, recvtype, comm, &k);
}
LARK_API_ALIAS(Ineighbor_alltoallv)

int PMPI_Neighbor_alltoallv_init(const void *sendbuf, const int sendcounts[], const int sdispls[],
                                 MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                                 const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm,
                                 MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Neighbor_alltoallv_init", LARK_FORM_PERSISTENT, request,
                                     false};
    return lark_coll_api_neighbor_alltoallv(sendbuf, sendcounts, sdispls, sendtype, recvbuf,
                                            recvcounts, rdispls, recvtype, comm, &k);
}
LARK_API_ALIAS(Neighbor_alltoallv_init)

int PMPI_Neighbor_alltoallw(const void *sendbuf, const int sendcounts[], const MPI_Aint sdispls[],
                            const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[],
                            const MPI_Aint rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Neighbor_alltoallw", LARK_FORM_BLOCKING, NULL, false};
    return lark_coll_api_neighbor_alltoallw(sendbuf, sendcounts, sdispls, sendtypes, recvbuf,
                                            recvcounts, rdispls, recvtypes, comm, &k);
}
LARK_API_ALIAS(Neighbor_alltoallw)

int PMPI_Ineighbor_alltoallw(const void *sendbuf, const int sendcounts[], const MPI_Aint sdispls[],
                             const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[],
                             const MPI_Aint rdispls[], const MPI_Datatype recvtypes[],
                             MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ineighbor_alltoallw", LARK_FORM_NONBLOCKING, request,
                                     false};
    return lark_coll_api_neighbor_alltoallw(sendbuf, sendcounts, sdispls, sendtypes, recvbuf,
                                            recvcounts, rdispls, recvtypes, comm, &k);
}
LARK_API_ALIAS(Ineighbor_alltoallw)

int PMPI_Neighbor_alltoallw_init(const void *sendbuf, const int sendcounts[],
                                 const MPI_Aint sdispls[], const MPI_Datatype sendtypes[],
                                 void *recvbuf, const int recvcounts[], const MPI_Aint rdispls[],
                                 const MPI_Datatype recvtypes[], MPI_Comm comm, MPI_Info info,
                                 MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Neighbor_alltoallw_init", LARK_FORM_PERSISTENT, request,
                                     false};
    return lark_coll_api_neighbor_alltoallw(sendbuf, sendcounts, sdispls, sendtypes, recvbuf,
                                            recvcounts, rdispls, recvtypes, comm, &k);
}
LARK_API_ALIAS(Neighbor_alltoallw_init)

int PMPI_Neighbor_allgather_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                              void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                              MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Neighbor_allgather_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_neighbor_allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount,
                                            recvtype, comm, &k);
}
LARK_API_ALIAS(Neighbor_allgather_c)

int PMPI_Ineighbor_allgather_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                               void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                               MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ineighbor_allgather_c", LARK_FORM_NONBLOCKING, request,
                                     true};
    return lark_coll_api_neighbor_allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount,
                                            recvtype, comm, &k);
}
LARK_API_ALIAS(Ineighbor_allgather_c)

int PMPI_Neighbor_allgather_init_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                                   void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                                   MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Neighbor_allgather_init_c", LARK_FORM_PERSISTENT, request,
                                     true};
    return lark_coll_api_neighbor_allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount,
                                            recvtype, comm, &k);
}
LARK_API_ALIAS(Neighbor_allgather_init_c)

int PMPI_Neighbor_allgatherv_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                               void *recvbuf, const MPI_Count recvcounts[], const MPI_Aint displs[],
                               MPI_Datatype recvtype, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Neighbor_allgatherv_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_neighbor_allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts,
                                             displs, recvtype, comm, &k);
}
LARK_API_ALIAS(Neighbor_allgatherv_c)

int PMPI_Ineighbor_allgatherv_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                                void *recvbuf, const MPI_Count recvcounts[],
                                const MPI_Aint displs[], MPI_Datatype recvtype, MPI_Comm comm,
                                MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ineighbor_allgatherv_c", LARK_FORM_NONBLOCKING, request,
                                     true};
    return lark_coll_api_neighbor_allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts,
                                             displs, recvtype, comm, &k);
}
LARK_API_ALIAS(Ineighbor_allgatherv_c)

int PMPI_Neighbor_allgatherv_init_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                                    void *recvbuf, const MPI_Count recvcounts[],
                                    const MPI_Aint displs[], MPI_Datatype recvtype, MPI_Comm comm,
                                    MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Neighbor_allgatherv_init_c", LARK_FORM_PERSISTENT,
                                     request, true};
    return lark_coll_api_neighbor_allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts,
                                             displs, recvtype, comm, &k);
}
LARK_API_ALIAS(Neighbor_allgatherv_init_c)

int PMPI_Neighbor_alltoall_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                             void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                             MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Neighbor_alltoall_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_neighbor_alltoall(sendbuf, sendcount, sendtype, recvbuf, recvcount,
                                           recvtype, comm, &k);
}
LARK_API_ALIAS(Neighbor_alltoall_c)

int PMPI_Ineighbor_alltoall_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                              void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                              MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ineighbor_alltoall_c", LARK_FORM_NONBLOCKING, request,
                                     true};
    return lark_coll_api_neighbor_alltoall(sendbuf, sendcount, sendtype, recvbuf, recvcount,
                                           recvtype, comm, &k);
}
LARK_API_ALIAS(Ineighbor_alltoall_c)

int PMPI_Neighbor_alltoall_init_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                                  void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                                  MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Neighbor_alltoall_init_c", LARK_FORM_PERSISTENT, request,
                                     true};
    return lark_coll_api_neighbor_alltoall(sendbuf, sendcount, sendtype, recvbuf, recvcount,
                                           recvtype, comm, &k);
}
LARK_API_ALIAS(Neighbor_alltoall_init_c)

int PMPI_Neighbor_alltoallv_c(const void *sendbuf, const MPI_Count sendcounts[],
                              const MPI_Aint sdispls[], MPI_Datatype sendtype, void *recvbuf,
                              const MPI_Count recvcounts[], const MPI_Aint rdispls[],
                              MPI_Datatype recvtype, MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Neighbor_alltoallv_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_neighbor_alltoallv(sendbuf, sendcounts, sdispls, sendtype, recvbuf,
                                            recvcounts, rdispls, recvtype, comm, &k);
}
LARK_API_ALIAS(Neighbor_alltoallv_c)

int PMPI_Ineighbor_alltoallv_c(const void *sendbuf, const MPI_Count sendcounts[],
                               const MPI_Aint sdispls[], MPI_Datatype sendtype, void *recvbuf,
                               const MPI_Count recvcounts[], const MPI_Aint rdispls[],
                               MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ineighbor_alltoallv_c", LARK_FORM_NONBLOCKING, request,
                                     true};
    return lark_coll_api_neighbor_alltoallv(sendbuf, sendcounts, sdispls, sendtype, recvbuf,
                                            recvcounts, rdispls, recvtype, comm, &k);
}
LARK_API_ALIAS(Ineighbor_alltoallv_c)

int PMPI_Neighbor_alltoallv_init_c(const void *sendbuf, const MPI_Count sendcounts[],
                                   const MPI_Aint sdispls[], MPI_Datatype sendtype, void *recvbuf,
                                   const MPI_Count recvcounts[], const MPI_Aint rdispls[],
                                   MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                                   MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Neighbor_alltoallv_init_c", LARK_FORM_PERSISTENT, request,
                                     true};
    return lark_coll_api_neighbor_alltoallv(sendbuf, sendcounts, sdispls, sendtype, recvbuf,
                                            recvcounts, rdispls, recvtype, comm, &k);
}
LARK_API_ALIAS(Neighbor_alltoallv_init_c)

int PMPI_Neighbor_alltoallw_c(const void *sendbuf, const MPI_Count sendcounts[],
                              const MPI_Aint sdispls[], const MPI_Datatype sendtypes[],
                              void *recvbuf, const MPI_Count recvcounts[], const MPI_Aint rdispls[],
                              const MPI_Datatype recvtypes[], MPI_Comm comm)
{
    const struct lark_coll_call k = {"MPI_Neighbor_alltoallw_c", LARK_FORM_BLOCKING, NULL, true};
    return lark_coll_api_neighbor_alltoallw(sendbuf, sendcounts, sdispls, sendtypes, recvbuf,
                                            recvcounts, rdispls, recvtypes, comm, &k);
}
LARK_API_ALIAS(Neighbor_alltoallw_c)

int PMPI_Ineighbor_alltoallw_c(const void *sendbuf, const MPI_Count sendcounts[],
                               const MPI_Aint sdispls[], const MPI_Datatype sendtypes[],
                               void *recvbuf, const MPI_Count recvcounts[],
                               const MPI_Aint rdispls[], const MPI_Datatype recvtypes[],
                               MPI_Comm comm, MPI_Request *request)
{
    const struct lark_coll_call k = {"MPI_Ineighbor_alltoallw_c", LARK_FORM_NONBLOCKING, request,
                                     true};
    return lark_coll_api_neighbor_alltoallw(sendbuf, sendcounts, sdispls, sendtypes, recvbuf,
                                            recvcounts, rdispls, recvtypes, comm, &k);
}
LARK_API_ALIAS(Ineighbor_alltoallw_c)

int PMPI_Neighbor_alltoallw_init_c(const void *sendbuf, const MPI_Count sendcounts[],
                                   const MPI_Aint sdispls[], const MPI_Datatype sendtypes[],
                                   void *recvbuf, const MPI_Count recvcounts[],
                                   const MPI_Aint rdispls[], const MPI_Datatype recvtypes[],
                                   MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void)info; /* no hints are used */
    const struct lark_coll_call k = {"MPI_Neighbor_alltoallw_init_c", LARK_FORM_PERSISTENT, request,
                                     true};
    return lark_coll_api_neighbor_alltoallw(sendbuf, sendcounts, sdispls, sendtypes, recvbuf,
                                            recvcounts, rdispls, recvtypes, comm, &k);
}
LARK_API_ALIAS(Neighbor_alltoallw_init_c)

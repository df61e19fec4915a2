/*
 * abi_prog.c -- a program built against the standard ABI, not against Lark:
 * tests/scripts/abi_binary.sh compiles it with plain cc against a header
 * made from constants.tsv, links it with -lmpi_abi and runs it on 4 ranks.
 * Every constant it uses has the standard ABI's value, so each check below
 * fails if Lark's library disagrees with the standard on one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi.h"

static int rank = -1;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "abi_prog rank %d line %d: %s: ", rank, __LINE__, #cond);              \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            MPI_Abort(MPI_COMM_WORLD, 1);                                                          \
        }                                                                                          \
    } while (0)

int main(int argc, char **argv)
{
    int provided = -1, size = 0;
    CHECK(MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided) == MPI_SUCCESS, "init");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECK(size == 4, "size %d", size);
    CHECK(provided == MPI_THREAD_MULTIPLE, "provided %d, asked %d", provided, MPI_THREAD_MULTIPLE);
    int q = -1;
    MPI_Query_thread(&q);
    CHECK(q == MPI_THREAD_MULTIPLE, "query_thread %d", q);
    int major = -1, minor = -1;
    CHECK(MPI_Abi_get_version(&major, &minor) == MPI_SUCCESS, "abi_get_version");
    CHECK(major == MPI_ABI_VERSION && minor == MPI_ABI_SUBVERSION, "ABI %d.%d", major, minor);

    /* MPI_Abi_get_info: the sizes of the ABI's integer types. */
    MPI_Info ai = MPI_INFO_NULL;
    CHECK(MPI_Abi_get_info(&ai) == MPI_SUCCESS && ai != MPI_INFO_NULL, "abi_get_info");
    char v[32];
    int vlen = sizeof v, flag = 0;
    CHECK(MPI_Info_get_string(ai, "mpi_aint_size", &vlen, v, &flag) == MPI_SUCCESS && flag &&
              atoi(v) == (int)sizeof(MPI_Aint),
          "mpi_aint_size");
    vlen = sizeof v;
    CHECK(MPI_Info_get_string(ai, "mpi_count_size", &vlen, v, &flag) == MPI_SUCCESS && flag &&
              atoi(v) == (int)sizeof(MPI_Count),
          "mpi_count_size");
    MPI_Info_free(&ai);
    /* No Fortran binding: nothing is registered until a Fortran layer says
     * so, and only its first registration counts. */
    MPI_Info fi = MPI_INFO_NULL, fo = MPI_INFO_NULL;
    CHECK(MPI_Abi_get_fortran_info(&fo) == MPI_SUCCESS && fo == MPI_INFO_NULL, "fortran info");
    MPI_Info_create(&fi);
    MPI_Info_set(fi, "mpi_logical_size", "4");
    CHECK(MPI_Abi_set_fortran_info(fi) == MPI_SUCCESS, "set_fortran_info");
    CHECK(MPI_Abi_set_fortran_info(fi) == MPI_ERR_ABI, "second set_fortran_info");
    CHECK(MPI_Abi_get_fortran_info(&fo) == MPI_SUCCESS && fo != MPI_INFO_NULL, "fortran info set");
    vlen = sizeof v;
    CHECK(MPI_Info_get_string(fo, "mpi_logical_size", &vlen, v, &flag) == MPI_SUCCESS && flag &&
              strcmp(v, "4") == 0,
          "mpi_logical_size");
    MPI_Info_free(&fo);
    MPI_Info_free(&fi);

    /* MPI_ERRORS_RETURN: errors come back as their standard class. */
    CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN) == MPI_SUCCESS, "errh");
    int x = 0, cls = -1;
    int rc = MPI_Send(&x, 1, MPI_INT, size + 5, 0, MPI_COMM_WORLD);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_RANK, "bad rank gave class %d", cls);
    rc = MPI_Send(&x, 1, MPI_INT, 0, -5, MPI_COMM_WORLD);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_TAG, "bad tag gave class %d", cls);
    rc = MPI_Recv(&x, 1, MPI_INT, 0, MPI_ANY_TAG, MPI_COMM_NULL, MPI_STATUS_IGNORE);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_COMM, "MPI_COMM_NULL gave class %d", cls);

    /* A ring: receive with MPI_ANY_TAG, inspect the status. */
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    int out[3] = {rank, 10 * rank, 100 * rank}, in[3] = {-1, -1, -1};
    MPI_Request rq;
    MPI_Status st;
    CHECK(MPI_Irecv(in, 3, MPI_INT, prev, MPI_ANY_TAG, MPI_COMM_WORLD, &rq) == MPI_SUCCESS,
          "irecv");
    CHECK(MPI_Send(out, 3, MPI_INT, next, 700 + rank, MPI_COMM_WORLD) == MPI_SUCCESS, "send");
    CHECK(MPI_Wait(&rq, &st) == MPI_SUCCESS, "wait");
    CHECK(rq == MPI_REQUEST_NULL, "request not reset to MPI_REQUEST_NULL");
    CHECK(st.MPI_SOURCE == prev, "status source %d, want %d", st.MPI_SOURCE, prev);
    CHECK(st.MPI_TAG == 700 + prev, "status tag %d, want %d", st.MPI_TAG, 700 + prev);
    int count = -1;
    MPI_Get_count(&st, MPI_INT, &count);
    CHECK(count == 3, "count %d", count);
    CHECK(in[0] == prev && in[2] == 100 * prev, "data %d %d", in[0], in[2]);

    /* MPI_PROC_NULL: completes at once, with the standard's empty status. */
    CHECK(MPI_Send(out, 3, MPI_INT, MPI_PROC_NULL, 1, MPI_COMM_WORLD) == MPI_SUCCESS, "send null");
    CHECK(MPI_Recv(in, 3, MPI_INT, MPI_PROC_NULL, MPI_ANY_TAG, MPI_COMM_WORLD, &st) == MPI_SUCCESS,
          "recv null");
    CHECK(st.MPI_SOURCE == MPI_PROC_NULL, "PROC_NULL source %d", st.MPI_SOURCE);
    CHECK(st.MPI_TAG == MPI_ANY_TAG, "PROC_NULL tag %d", st.MPI_TAG);
    MPI_Get_count(&st, MPI_INT, &count);
    CHECK(count == 0, "PROC_NULL count %d", count);

    /* Collectives with predefined ops and datatypes. */
    long sum = 0, mine = rank + 1;
    CHECK(MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD) == MPI_SUCCESS, "sum");
    CHECK(sum == size * (size + 1) / 2, "allreduce sum %ld", sum);
    double dmax = 0, dmine = rank * 1.5;
    MPI_Allreduce(&dmine, &dmax, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    CHECK(dmax == (size - 1) * 1.5, "allreduce max %g", dmax);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        int v = 0, sv = 0;
        MPI_Get_version(&v, &sv);
        printf("abi_prog: 4 ranks OK on the standard ABI %d.%d (library reports MPI %d.%d)\n",
               major, minor, v, sv);
    }
    MPI_Finalize();
    return 0;
}

/*
 * init_basic.c -- the environment chapter: init state, thread level,
 * ranks and sizes of WORLD and SELF, clocks, names, error strings.
 * Works at any job size (also as a singleton).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "init_basic: %s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

int main(int argc, char **argv)
{
    int flag = -1;
    CHECK(MPI_Initialized(&flag) == MPI_SUCCESS && flag == 0);
    CHECK(MPI_Finalized(&flag) == MPI_SUCCESS && flag == 0);
    int provided = -1;
    CHECK(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) == MPI_SUCCESS);
    CHECK(provided == MPI_THREAD_FUNNELED);
    int q = -1;
    CHECK(MPI_Query_thread(&q) == MPI_SUCCESS && q == provided);
    CHECK(MPI_Is_thread_main(&flag) == MPI_SUCCESS && flag == 1);
    CHECK(MPI_Initialized(&flag) == MPI_SUCCESS && flag == 1);

    int rank = -1, size = -1;
    CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank) == MPI_SUCCESS);
    CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size) == MPI_SUCCESS);
    CHECK(size >= 1 && rank >= 0 && rank < size);
    const char *env = getenv("LARK_TEST_EXPECT_SIZE");
    if (env != NULL)
        CHECK(size == atoi(env));
    int srank = -1, ssize = -1;
    CHECK(MPI_Comm_rank(MPI_COMM_SELF, &srank) == MPI_SUCCESS && srank == 0);
    CHECK(MPI_Comm_size(MPI_COMM_SELF, &ssize) == MPI_SUCCESS && ssize == 1);

    double t0 = MPI_Wtime(), tick = MPI_Wtick();
    CHECK(tick > 0 && tick < 1e-3);
    double t1 = MPI_Wtime();
    CHECK(t1 >= t0);

    char name[MPI_MAX_PROCESSOR_NAME];
    int len = -1;
    CHECK(MPI_Get_processor_name(name, &len) == MPI_SUCCESS);
    CHECK(len > 0 && (int)strlen(name) == len);

    char es[MPI_MAX_ERROR_STRING];
    CHECK(MPI_Error_string(MPI_ERR_TRUNCATE, es, &len) == MPI_SUCCESS);
    CHECK(strstr(es, "MPI_ERR_TRUNCATE") != NULL && len == (int)strlen(es));
    int cls = -1;
    CHECK(MPI_Error_class(MPI_ERR_RANK, &cls) == MPI_SUCCESS && cls == MPI_ERR_RANK);

    /* Every rank reports in to rank 0: proves WORLD is what PMIx said. */
    if (rank == 0) {
        int seen = 1;
        for (int i = 1; i < size; i++) {
            int who = -1;
            CHECK(MPI_Recv(&who, 1, MPI_INT, MPI_ANY_SOURCE, 7, MPI_COMM_WORLD,
                           MPI_STATUS_IGNORE) == MPI_SUCCESS);
            CHECK(who > 0 && who < size);
            seen++;
        }
        CHECK(seen == size);
    } else {
        CHECK(MPI_Send(&rank, 1, MPI_INT, 0, 7, MPI_COMM_WORLD) == MPI_SUCCESS);
    }

    CHECK(MPI_Finalize() == MPI_SUCCESS);
    CHECK(MPI_Finalized(&flag) == MPI_SUCCESS && flag == 1);
    CHECK(MPI_Initialized(&flag) == MPI_SUCCESS && flag == 1);
    if (rank == 0)
        printf("init_basic: %d ranks OK\n", size);
    return 0;
}

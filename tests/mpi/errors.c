/*
 * errors.c -- every argument check gives its standard error class under
 * MPI_ERRORS_RETURN; truncation fills the status; a user error handler is
 * called; `errors fatal` makes a bad call under the default
 * MPI_ERRORS_ARE_FATAL (the caller checks that the job dies with a message
 * naming the call, the rank and the reason); `errors abort`: the last rank
 * calls MPI_Abort(7) while the others wait for it in MPI_Recv.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "errors rank %d: %s:%d: check failed: %s\n", rank, __FILE__, __LINE__, \
                    #c);                                                                           \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)
#define OK(call)         CHECK((call) == MPI_SUCCESS)
#define FAILS(call, cls) CHECK((call) == (cls))

static int handler_calls, handler_code;
static void my_handler(MPI_Comm *comm, int *code, ...)
{
    (void)comm;
    handler_calls++;
    handler_code = *code;
}

int main(int argc, char **argv)
{
    OK(MPI_Init(&argc, &argv));
    OK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    OK(MPI_Comm_size(MPI_COMM_WORLD, &size));
    int buf[8] = {0};
    if (argc > 1 && strcmp(argv[1], "abort") == 0) {
        if (rank == size - 1)
            MPI_Abort(MPI_COMM_WORLD, 7); /* must not return */
        else
            MPI_Recv(buf, 1, MPI_INT, size - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        fprintf(stderr, "errors: MPI_Abort returned\n");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "errabort") == 0) {
        /* MPI_ERRORS_ABORT (MPI 4.0) on a communicator of rank 0 alone:
         * its processes end (here the job), even those not in it. */
        MPI_Comm self;
        OK(MPI_Comm_dup(MPI_COMM_SELF, &self));
        OK(MPI_Comm_set_errhandler(self, MPI_ERRORS_ABORT));
        if (rank == 0)
            MPI_Send(buf, 1, MPI_INT, 5, 0, self); /* must not return */
        else
            MPI_Recv(buf, 1, MPI_INT, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        fprintf(stderr, "errors: a bad call under MPI_ERRORS_ABORT returned\n");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "fatal") == 0) {
        MPI_Send(buf, 1, MPI_INT, size + 5, 0, MPI_COMM_WORLD); /* must not return */
        fprintf(stderr, "errors: MPI_Send with a bad rank returned under ERRORS_ARE_FATAL\n");
        return 0; /* exit 0 = the caller sees the failure to abort */
    }
    MPI_Errhandler eh;
    OK(MPI_Comm_get_errhandler(MPI_COMM_WORLD, &eh));
    CHECK(eh == MPI_ERRORS_ARE_FATAL);
    OK(MPI_Errhandler_free(&eh));
    OK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    OK(MPI_Comm_get_errhandler(MPI_COMM_WORLD, &eh));
    CHECK(eh == MPI_ERRORS_RETURN);

    MPI_Request rq;
    MPI_Status st;
    FAILS(MPI_Send(buf, 1, MPI_INT, size, 0, MPI_COMM_WORLD), MPI_ERR_RANK);
    FAILS(MPI_Send(buf, 1, MPI_INT, -7, 0, MPI_COMM_WORLD), MPI_ERR_RANK);
    FAILS(MPI_Send(buf, 1, MPI_INT, MPI_ANY_SOURCE, 0, MPI_COMM_WORLD), MPI_ERR_RANK);
    FAILS(MPI_Recv(buf, 1, MPI_INT, size + 1, 0, MPI_COMM_WORLD, &st), MPI_ERR_RANK);
    FAILS(MPI_Send(buf, 1, MPI_INT, 0, -1, MPI_COMM_WORLD), MPI_ERR_TAG);
    FAILS(MPI_Send(buf, 1, MPI_INT, 0, MPI_ANY_TAG, MPI_COMM_WORLD), MPI_ERR_TAG);
    FAILS(MPI_Irecv(buf, 1, MPI_INT, 0, -5, MPI_COMM_WORLD, &rq), MPI_ERR_TAG);
    FAILS(MPI_Send(buf, -1, MPI_INT, 0, 0, MPI_COMM_WORLD), MPI_ERR_COUNT);
    FAILS(MPI_Send(buf, 1, MPI_DATATYPE_NULL, 0, 0, MPI_COMM_WORLD), MPI_ERR_TYPE);
    FAILS(MPI_Send(buf, 1, (MPI_Datatype)0x2ff, 0, 0, MPI_COMM_WORLD), MPI_ERR_TYPE);
    FAILS(MPI_Send(NULL, 4, MPI_INT, 0, 0, MPI_COMM_WORLD), MPI_ERR_BUFFER);
    FAILS(MPI_Send(buf, 1, MPI_INT, 0, 0, MPI_COMM_NULL), MPI_ERR_COMM);
    FAILS(MPI_Isend(buf, 1, MPI_INT, 0, 0, (MPI_Comm)0x105, &rq), MPI_ERR_COMM);
    MPI_Request bogus = (MPI_Request)(void *)buf;
    FAILS(MPI_Wait(&bogus, &st), MPI_ERR_REQUEST);
    FAILS(MPI_Request_free(&bogus), MPI_ERR_REQUEST);
    MPI_Request null = MPI_REQUEST_NULL;
    OK(MPI_Wait(&null, &st)); /* a null request is fine to wait on */
    FAILS(MPI_Start(&null), MPI_ERR_REQUEST);
    FAILS(MPI_Buffer_detach(&bogus, &size), MPI_ERR_BUFFER);
    FAILS(MPI_Bsend(buf, 1, MPI_INT, rank, 0, MPI_COMM_WORLD), MPI_ERR_BUFFER);
    int cls = -1;
    FAILS(MPI_Error_class(-3, &cls), MPI_ERR_ARG);
    FAILS(MPI_Init(&argc, &argv), MPI_ERR_OTHER); /* twice */

    /* Truncation: the message is longer than the receive buffer. */
    int peer = (rank ^ 1) < size ? (rank ^ 1) : rank;
    int big[8] = {1, 2, 3, 4, 5, 6, 7, 8}, small[8] = {0};
    OK(MPI_Irecv(small, 3, MPI_INT, peer, 50, MPI_COMM_WORLD, &rq));
    OK(MPI_Send(big, 8, MPI_INT, peer, 50, MPI_COMM_WORLD));
    FAILS(MPI_Wait(&rq, &st), MPI_ERR_TRUNCATE);
    CHECK(st.MPI_ERROR == MPI_ERR_TRUNCATE && st.MPI_SOURCE == peer && st.MPI_TAG == 50);
    CHECK(small[0] == 1 && small[2] == 3 && small[3] == 0);
    /* Blocking receive, rendezvous size. */
    enum { BIG = 200000 };
    char *bs = calloc(BIG, 1), *br = calloc(BIG, 1);
    CHECK(bs && br);
    OK(MPI_Irecv(br, BIG / 2, MPI_CHAR, peer, 51, MPI_COMM_WORLD, &rq));
    OK(MPI_Send(bs, BIG, MPI_CHAR, peer, 51, MPI_COMM_WORLD));
    FAILS(MPI_Wait(&rq, &st), MPI_ERR_TRUNCATE);
    int cnt = -1;
    OK(MPI_Get_count(&st, MPI_CHAR, &cnt));
    CHECK(cnt == BIG / 2);
    /* In Waitall: MPI_ERR_IN_STATUS, each status says which. */
    MPI_Request two[2];
    MPI_Status sts[2];
    OK(MPI_Irecv(small, 2, MPI_INT, peer, 52, MPI_COMM_WORLD, &two[0]));
    OK(MPI_Isend(big, 4, MPI_INT, peer, 52, MPI_COMM_WORLD, &two[1]));
    FAILS(MPI_Waitall(2, two, sts), MPI_ERR_IN_STATUS);
    CHECK(sts[0].MPI_ERROR == MPI_ERR_TRUNCATE && sts[1].MPI_ERROR == MPI_SUCCESS);
    /* Blocking Recv truncation. */
    OK(MPI_Isend(big, 5, MPI_INT, peer, 53, MPI_COMM_WORLD, &rq));
    FAILS(MPI_Recv(small, 2, MPI_INT, peer, 53, MPI_COMM_WORLD, &st), MPI_ERR_TRUNCATE);
    CHECK(st.MPI_ERROR == MPI_ERR_TRUNCATE && st.MPI_TAG == 53);
    OK(MPI_Wait(&rq, MPI_STATUS_IGNORE));
    free(bs);
    free(br);

    /* A user handler is called with the class, then the call returns it. */
    MPI_Errhandler mine;
    OK(MPI_Comm_create_errhandler(my_handler, &mine));
    OK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, mine));
    OK(MPI_Errhandler_free(&mine)); /* still referenced by WORLD */
    FAILS(MPI_Send(buf, 1, MPI_INT, 0, -2, MPI_COMM_WORLD), MPI_ERR_TAG);
    CHECK(handler_calls == 1 && handler_code == MPI_ERR_TAG);
    OK(MPI_Comm_call_errhandler(MPI_COMM_WORLD, MPI_ERR_OTHER));
    CHECK(handler_calls == 2 && handler_code == MPI_ERR_OTHER);
    OK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    OK(MPI_Finalize());
    if (rank == 0)
        printf("errors: %d ranks OK\n", size);
    return 0;
}

/*
 * coll_errors.c -- bad arguments to collectives and communicator calls
 * return the standard error class under MPI_ERRORS_RETURN (every rank
 * passes the same bad argument, so nobody is left inside a collective),
 * and the communicator stays usable afterwards.
 * With "fatal" as argument, a bad root under the default handler must end
 * the job with a message (tests/scripts/coll_errors_fatal.sh checks it).
 */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

static int wrank, failures;

static void expect(int rc, int cls, const char *what)
{
    int got = -1;
    MPI_Error_class(rc, &got);
    if (got != cls) {
        char s[MPI_MAX_ERROR_STRING];
        int len;
        MPI_Error_string(rc, s, &len);
        fprintf(stderr, "coll_errors: rank %d: %s returned class %d (%s), expected %d\n", wrank,
                what, got, s, cls);
        failures++;
    }
}

int main(int argc, char **argv)
{
    int size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc > 1 && strcmp(argv[1], "fatal") == 0) {
        int x = 0;
        MPI_Bcast(&x, 1, MPI_INT, size + 3, MPI_COMM_WORLD); /* must not return */
        fprintf(stderr, "coll_errors: MPI_Bcast with a bad root returned\n");
        return 3;
    }
    MPI_Comm c;
    MPI_Comm_dup(MPI_COMM_WORLD, &c);
    MPI_Comm_set_errhandler(c, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int x = 1, y = 0;
    double d = 1;

    expect(MPI_Bcast(&x, 1, MPI_INT, size, c), MPI_ERR_ROOT, "Bcast root=size");
    expect(MPI_Bcast(&x, 1, MPI_INT, -1, c), MPI_ERR_ROOT, "Bcast root=-1");
    expect(MPI_Bcast(&x, -1, MPI_INT, 0, c), MPI_ERR_COUNT, "Bcast count=-1");
    expect(MPI_Bcast(&x, 1, MPI_DATATYPE_NULL, 0, c), MPI_ERR_TYPE, "Bcast MPI_DATATYPE_NULL");
    expect(MPI_Bcast(NULL, 4, MPI_INT, 0, c), MPI_ERR_BUFFER, "Bcast NULL buffer");
    expect(MPI_Allreduce(&x, &y, 1, MPI_INT, MPI_OP_NULL, c), MPI_ERR_OP, "Allreduce MPI_OP_NULL");
    expect(MPI_Allreduce(&x, &y, 1, MPI_BYTE, MPI_SUM, c), MPI_ERR_OP, "Allreduce SUM on BYTE");
    expect(MPI_Allreduce(&d, &d, 1, MPI_DOUBLE, MPI_BAND, c), MPI_ERR_OP,
           "Allreduce BAND on DOUBLE");
    expect(MPI_Reduce(&x, &y, 1, MPI_INT, MPI_MAXLOC, 0, c), MPI_ERR_OP, "Reduce MAXLOC on INT");
    /* MPI_REPLACE / MPI_NO_OP belong to one-sided accumulate only. */
    expect(MPI_Allreduce(&x, &y, 1, MPI_INT, MPI_REPLACE, c), MPI_ERR_OP, "Allreduce MPI_REPLACE");
    expect(MPI_Reduce_local(&x, &y, 1, MPI_INT, MPI_NO_OP), MPI_ERR_OP, "Reduce_local MPI_NO_OP");
    expect(MPI_Reduce_local(&x, &y, 1, MPI_BYTE, MPI_SUM), MPI_ERR_OP, "Reduce_local SUM on BYTE");
    expect(MPI_Barrier(MPI_COMM_NULL), MPI_ERR_COMM, "Barrier MPI_COMM_NULL");
    expect(MPI_Allgather(&x, 1, MPI_INT, &y, -2, MPI_INT, c), MPI_ERR_COUNT, "Allgather count");
    expect(MPI_Comm_free(&(MPI_Comm){MPI_COMM_WORLD}), MPI_ERR_COMM, "Comm_free(WORLD)");
    MPI_Comm nc;
    expect(MPI_Comm_split(c, -5, 0, &nc), MPI_ERR_ARG, "Comm_split color=-5");
    expect(MPI_Op_free(&(MPI_Op){MPI_SUM}), MPI_ERR_OP, "Op_free(MPI_SUM)");
    MPI_Group g;
    MPI_Comm_group(c, &g);
    int bad = size, out;
    expect(MPI_Group_translate_ranks(g, 1, &bad, g, &out), MPI_ERR_RANK, "translate bad rank");
    expect(MPI_Group_size(MPI_GROUP_NULL, &out), MPI_ERR_GROUP, "Group_size(NULL)");
    MPI_Group_free(&g);
    expect(MPI_Type_commit(&(MPI_Datatype){MPI_DATATYPE_NULL}), MPI_ERR_TYPE, "Type_commit(NULL)");
    expect(MPI_Type_contiguous(-1, MPI_INT, &(MPI_Datatype){0}), MPI_ERR_COUNT,
           "Type_contiguous(-1)");
    MPI_Datatype t;
    MPI_Type_contiguous(2, MPI_INT, &t);
    int two[2] = {wrank, wrank};
    expect(MPI_Bcast(two, 1, t, 0, c), MPI_ERR_TYPE, "Bcast with an uncommitted type");
    MPI_Type_free(&t);

    /* The communicator still works after all that. */
    y = 0;
    expect(MPI_Allreduce(&x, &y, 1, MPI_INT, MPI_SUM, c), MPI_SUCCESS, "Allreduce after errors");
    if (y != size) {
        fprintf(stderr, "coll_errors: rank %d: allreduce after errors gave %d\n", wrank, y);
        failures++;
    }
    MPI_Comm_free(&c);
    MPI_Finalize();
    if (failures == 0 && wrank == 0)
        printf("coll_errors: every bad argument got its error class\n");
    return failures != 0;
}

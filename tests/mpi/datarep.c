/*
 * datarep.c -- MPI_Register_datarep(_c): a new name registers once; a
 * second registration of it, or of a predefined name ("native",
 * "internal", "external32"), returns MPI_ERR_DUP_DATAREP (I/O errors
 * return by default: MPI_FILE_NULL's handler is MPI_ERRORS_RETURN); bad
 * names return MPI_ERR_ARG.
 */
#include <mpi.h>
#include <string.h>

#define TEST_NAME "datarep"
static int wrank;
#include "check.h"

static int extent_fn(MPI_Datatype dt, MPI_Aint *extent, void *extra)
{
    (void)extra;
    MPI_Aint lb;
    return MPI_Type_get_extent(dt, &lb, extent);
}

static int conv(void *userbuf, MPI_Datatype dt, int count, void *filebuf, MPI_Offset pos,
                void *extra)
{
    (void)userbuf, (void)dt, (void)count, (void)filebuf, (void)pos, (void)extra;
    return MPI_SUCCESS;
}

static int conv_c(void *userbuf, MPI_Datatype dt, MPI_Count count, void *filebuf, MPI_Offset pos,
                  void *extra)
{
    (void)userbuf, (void)dt, (void)count, (void)filebuf, (void)pos, (void)extra;
    return MPI_SUCCESS;
}

static void expect(int rc, int want, const char *what)
{
    int cls = rc;
    if (rc != MPI_SUCCESS)
        MPI_Error_class(rc, &cls);
    CHECK(cls == want, "%s: class %d, expected %d", what, cls, want);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    expect(MPI_Register_datarep("lark-test", conv, conv, extent_fn, NULL), MPI_SUCCESS,
           "first registration");
    expect(MPI_Register_datarep("lark-test", MPI_CONVERSION_FN_NULL, MPI_CONVERSION_FN_NULL,
                                extent_fn, NULL),
           MPI_ERR_DUP_DATAREP, "second registration");
    expect(
        MPI_Register_datarep_c("lark-test-c", conv_c, MPI_CONVERSION_FN_NULL_C, extent_fn, &wrank),
        MPI_SUCCESS, "_c registration");
    expect(MPI_Register_datarep_c("lark-test", conv_c, conv_c, extent_fn, NULL),
           MPI_ERR_DUP_DATAREP, "_c form of a name registered by the int form");
    const char *predefined[] = {"native", "internal", "external32"};
    for (int i = 0; i < 3; i++)
        expect(MPI_Register_datarep(predefined[i], conv, conv, extent_fn, NULL),
               MPI_ERR_DUP_DATAREP, predefined[i]);
    char longname[MPI_MAX_DATAREP_STRING + 8];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    expect(MPI_Register_datarep(longname, conv, conv, extent_fn, NULL), MPI_ERR_ARG,
           "a name longer than MPI_MAX_DATAREP_STRING");
    expect(MPI_Register_datarep(NULL, conv, conv, extent_fn, NULL), MPI_ERR_ARG, "a NULL name");
    expect(MPI_Register_datarep("", conv, conv, extent_fn, NULL), MPI_ERR_ARG, "an empty name");
    MPI_Barrier(MPI_COMM_WORLD);
    if (wrank == 0)
        printf("datarep: OK\n");
    MPI_Finalize();
    return 0;
}

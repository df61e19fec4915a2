/*
 * type_zero_count.c -- the block constructors (indexed, hindexed,
 * indexed_block, hindexed_block, their _c forms, struct) accept count 0:
 * the type has size and extent 0, commits, goes through a send to self,
 * and MPI_Type_get_contents names the oldtype of a single-oldtype form
 * (MPICH's zeroparms test crashed here: the envelope read a block that
 * does not exist).  With count 0 the arrays may be NULL: a struct with
 * NULL arrays is still a struct, not a form with one (missing) oldtype
 * (MPICH's struct-zero-count test got MPI_ERR_TYPE).
 */
#include <mpi.h>
#include <stdio.h>

static int wrank;
#define TEST_NAME "type_zero_count"
#include "check.h"

static void check_type(MPI_Datatype t, const char *what, int want_types)
{
    int size, combiner;
    MPI_Aint lb, extent;
    MPI_Count ni, na, nc, nt;
    CHECK(MPI_Type_commit(&t) == MPI_SUCCESS, "%s: commit", what);
    MPI_Type_size(t, &size);
    MPI_Type_get_extent(t, &lb, &extent);
    CHECK(size == 0 && lb == 0 && extent == 0, "%s: size %d lb %ld extent %ld", what, size,
          (long)lb, (long)extent);
    MPI_Type_get_envelope_c(t, &ni, &na, &nc, &nt, &combiner);
    CHECK(nt == want_types, "%s: envelope has %lld types, want %d", what, (long long)nt,
          want_types);
    if (nt == 1) {
        int ints[4];
        MPI_Aint aints[4];
        MPI_Count counts[4];
        MPI_Datatype types[1] = {MPI_DATATYPE_NULL};
        CHECK(ni <= 4 && na <= 4 && nc <= 4, "%s: envelope %lld %lld %lld", what, (long long)ni,
              (long long)na, (long long)nc);
        MPI_Type_get_contents_c(t, ni, na, nc, nt, ints, aints, counts, types);
        CHECK(types[0] == MPI_DOUBLE, "%s: get_contents names another oldtype", what);
    }
    int in = 1, out = 2;
    CHECK(MPI_Sendrecv(&in, 1, t, 0, 0, &out, 3, t, 0, 0, MPI_COMM_SELF, MPI_STATUS_IGNORE) ==
              MPI_SUCCESS,
          "%s: sendrecv", what);
    CHECK(out == 2, "%s: the receive wrote into the buffer", what);
    MPI_Type_free(&t);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    int bl[1] = {7}, d[1] = {3};
    MPI_Aint ad[1] = {24};
    MPI_Count cbl[1] = {7}, cd[1] = {3};
    MPI_Datatype types[1] = {MPI_DOUBLE}, t;

    MPI_Type_indexed(0, bl, d, MPI_DOUBLE, &t);
    check_type(t, "indexed", 1);
    MPI_Type_indexed_c(0, cbl, cd, MPI_DOUBLE, &t);
    check_type(t, "indexed_c", 1);
    MPI_Type_create_hindexed(0, bl, ad, MPI_DOUBLE, &t);
    check_type(t, "hindexed", 1);
    MPI_Type_create_indexed_block(0, 2, d, MPI_DOUBLE, &t);
    check_type(t, "indexed_block", 1);
    MPI_Type_create_hindexed_block(0, 2, ad, MPI_DOUBLE, &t);
    check_type(t, "hindexed_block", 1);
    MPI_Type_create_hvector(0, 1, 10, MPI_DOUBLE, &t);
    check_type(t, "hvector", 1);
    MPI_Type_create_struct(0, bl, ad, types, &t);
    check_type(t, "struct", 0);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    CHECK(MPI_Type_create_struct(0, NULL, NULL, NULL, &t) == MPI_SUCCESS, "struct, NULL arrays");
    check_type(t, "struct, NULL arrays", 0);
    CHECK(MPI_Type_create_struct_c(0, NULL, NULL, NULL, &t) == MPI_SUCCESS,
          "struct_c, NULL arrays");
    check_type(t, "struct_c, NULL arrays", 0);
    CHECK(MPI_Type_indexed(0, NULL, NULL, MPI_DOUBLE, &t) == MPI_SUCCESS, "indexed, NULL arrays");
    check_type(t, "indexed, NULL arrays", 1);
    MPI_Finalize();
    return 0;
}

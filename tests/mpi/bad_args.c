/*
 * bad_args.c -- the object-model calls (communicators, groups,
 * topologies, attributes, info, errors, environment) given bad arguments
 * return the standard's error class under MPI_ERRORS_RETURN, never crash
 * and never hang: NULL output pointers, negative counts, ranks out of
 * range, the wrong kind of communicator, predefined keyvals where a user
 * one is needed, missing info keys.  Garbage and freed handles are
 * bad_handles.c's.  Each line names the call and the class it wants
 * (where the standard leaves a choice, the most specific class: bad
 * dimensions give MPI_ERR_DIMS, a NULL info value MPI_ERR_INFO_VALUE).
 */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

static int wrank, wsize;
#define TEST_NAME "bad_args"
#include "check.h"

static int fails;

static void want(int rc, int cls, const char *what)
{
    int got = -1;
    if (rc == MPI_SUCCESS) {
        fprintf(stderr, "bad_args: rank %d: %s succeeded, want class %d\n", wrank, what, cls);
        fails++;
        return;
    }
    MPI_Error_class(rc, &got);
    if (got != cls) {
        fprintf(stderr, "bad_args: rank %d: %s gave class %d, want %d\n", wrank, what, got, cls);
        fails++;
    }
}

#define WANT(call, cls) want((call), (cls), #call)

static void communicators(void)
{
    MPI_Comm c = MPI_COMM_NULL;
    MPI_Group g;
    int r, flag;
    char name[MPI_MAX_OBJECT_NAME];
    WANT(MPI_Comm_size(MPI_COMM_WORLD, NULL), MPI_ERR_ARG);
    WANT(MPI_Comm_rank(MPI_COMM_NULL, &r), MPI_ERR_COMM);
    WANT(MPI_Comm_compare(MPI_COMM_WORLD, MPI_COMM_NULL, &r), MPI_ERR_COMM);
    WANT(MPI_Comm_compare(MPI_COMM_WORLD, MPI_COMM_SELF, NULL), MPI_ERR_ARG);
    WANT(MPI_Comm_group(MPI_COMM_WORLD, NULL), MPI_ERR_ARG);
    WANT(MPI_Comm_test_inter(MPI_COMM_NULL, &flag), MPI_ERR_COMM);
    WANT(MPI_Comm_remote_group(MPI_COMM_WORLD, &g), MPI_ERR_COMM);
    WANT(MPI_Comm_set_name(MPI_COMM_WORLD, NULL), MPI_ERR_ARG);
    WANT(MPI_Comm_get_name(MPI_COMM_WORLD, name, NULL), MPI_ERR_ARG);
    WANT(MPI_Comm_split(MPI_COMM_WORLD, -2, 0, &c), MPI_ERR_ARG);
    WANT(MPI_Comm_dup(MPI_COMM_WORLD, NULL), MPI_ERR_ARG);
    WANT(MPI_Comm_create(MPI_COMM_WORLD, MPI_GROUP_NULL, &c), MPI_ERR_GROUP);
    WANT(MPI_Comm_create_group(MPI_COMM_WORLD, MPI_GROUP_EMPTY, -1, &c), MPI_ERR_TAG);
    WANT(MPI_Comm_split_type(MPI_COMM_WORLD, -7, 0, MPI_INFO_NULL, &c), MPI_ERR_ARG);
    WANT(MPI_Comm_set_info(MPI_COMM_NULL, MPI_INFO_ENV), MPI_ERR_COMM);
    WANT(MPI_Comm_get_info(MPI_COMM_WORLD, NULL), MPI_ERR_ARG);
    WANT(MPI_Comm_free(NULL), MPI_ERR_ARG);
    c = MPI_COMM_WORLD;
    WANT(MPI_Comm_free(&c), MPI_ERR_COMM);
    WANT(MPI_Intercomm_merge(MPI_COMM_WORLD, 0, &c), MPI_ERR_COMM);
    WANT(MPI_Intercomm_create(MPI_COMM_WORLD, wsize, MPI_COMM_WORLD, 0, 1, &c), MPI_ERR_RANK);
    WANT(MPI_Intercomm_create(MPI_COMM_WORLD, 0, MPI_COMM_WORLD, 0, -1, &c), MPI_ERR_TAG);
    WANT(MPI_Comm_remote_size(MPI_COMM_WORLD, &r), MPI_ERR_COMM);
    WANT(MPI_Comm_get_parent(NULL), MPI_ERR_ARG);
}

static void groups(void)
{
    MPI_Group w, g;
    int n, r, out[2], ranks[2] = {0, 0};
    MPI_Comm_group(MPI_COMM_WORLD, &w);
    WANT(MPI_Group_size(w, NULL), MPI_ERR_ARG);
    WANT(MPI_Group_rank(MPI_GROUP_NULL, &r), MPI_ERR_GROUP);
    WANT(MPI_Group_translate_ranks(w, -1, ranks, w, out), MPI_ERR_ARG);
    ranks[0] = wsize;
    WANT(MPI_Group_translate_ranks(w, 1, ranks, w, out), MPI_ERR_RANK);
    WANT(MPI_Group_compare(w, MPI_GROUP_NULL, &r), MPI_ERR_GROUP);
    WANT(MPI_Group_incl(w, -1, ranks, &g), MPI_ERR_ARG);
    WANT(MPI_Group_excl(w, 1, ranks, &g), MPI_ERR_RANK);
    int bad_range[1][3] = {{0, wsize, 1}}, zero_stride[1][3] = {{0, 0, 0}};
    WANT(MPI_Group_range_incl(w, 1, bad_range, &g), MPI_ERR_RANK);
    WANT(MPI_Group_range_excl(w, 1, bad_range, &g), MPI_ERR_RANK);
    WANT(MPI_Group_range_incl(w, 1, zero_stride, &g), MPI_ERR_ARG);
    WANT(MPI_Group_union(w, MPI_GROUP_NULL, &g), MPI_ERR_GROUP);
    WANT(MPI_Group_intersection(w, w, NULL), MPI_ERR_ARG);
    WANT(MPI_Group_difference(MPI_GROUP_NULL, w, &g), MPI_ERR_GROUP);
    WANT(MPI_Group_free(NULL), MPI_ERR_ARG);
    (void)n;
    MPI_Group_free(&w);
}

static void topologies(void)
{
    int dims[2] = {0, 0}, periods[2] = {0, 0}, coords[2], r, src, dst, type;
    MPI_Comm cart, c;
    WANT(MPI_Dims_create(0, 1, dims), MPI_ERR_ARG);
    WANT(MPI_Dims_create(6, -1, dims), MPI_ERR_DIMS);
    dims[0] = 4;
    dims[1] = 0;
    WANT(MPI_Dims_create(6, 2, dims), MPI_ERR_DIMS); /* 6 is not a multiple of 4 */
    dims[0] = wsize + 1;
    WANT(MPI_Cart_create(MPI_COMM_WORLD, 1, dims, periods, 0, &c), MPI_ERR_DIMS);
    WANT(MPI_Cart_create(MPI_COMM_WORLD, -1, dims, periods, 0, &c), MPI_ERR_DIMS);
    dims[0] = wsize;
    MPI_Cart_create(MPI_COMM_WORLD, 1, dims, periods, 0, &cart);
    WANT(MPI_Cart_rank(MPI_COMM_WORLD, coords, &r), MPI_ERR_TOPOLOGY);
    WANT(MPI_Cart_coords(cart, wsize, 1, coords), MPI_ERR_RANK);
    WANT(MPI_Cart_shift(cart, 1, 1, &src, &dst), MPI_ERR_DIMS); /* direction >= ndims */
    WANT(MPI_Cart_sub(MPI_COMM_WORLD, periods, &c), MPI_ERR_TOPOLOGY);
    WANT(MPI_Cart_get(cart, 1, dims, periods, NULL), MPI_ERR_ARG);
    WANT(MPI_Cartdim_get(MPI_COMM_WORLD, &r), MPI_ERR_TOPOLOGY);
    WANT(MPI_Cart_map(MPI_COMM_WORLD, 1, dims, periods, NULL), MPI_ERR_ARG);
    WANT(MPI_Graph_neighbors_count(cart, 0, &r), MPI_ERR_TOPOLOGY);
    WANT(MPI_Dist_graph_neighbors_count(cart, &r, &r, &type), MPI_ERR_TOPOLOGY);
    int index[1] = {0}, edges[1] = {0};
    WANT(MPI_Graph_create(MPI_COMM_WORLD, wsize + 1, index, edges, 0, &c), MPI_ERR_ARG);
    WANT(MPI_Graph_map(MPI_COMM_WORLD, -1, index, edges, &r), MPI_ERR_ARG);
    WANT(MPI_Topo_test(MPI_COMM_NULL, &type), MPI_ERR_COMM);
    WANT(MPI_Topo_test(cart, NULL), MPI_ERR_ARG);
    MPI_Comm_free(&cart);
}

static void attributes(void)
{
    int k, flag;
    void *v;
    WANT(MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, NULL, NULL),
         MPI_ERR_ARG);
    WANT(MPI_Comm_set_attr(MPI_COMM_WORLD, MPI_KEYVAL_INVALID, NULL), MPI_ERR_KEYVAL);
    WANT(MPI_Comm_get_attr(MPI_COMM_WORLD, 123456, &v, &flag), MPI_ERR_KEYVAL);
    WANT(MPI_Comm_set_attr(MPI_COMM_WORLD, MPI_TAG_UB, NULL), MPI_ERR_KEYVAL);
    WANT(MPI_Comm_delete_attr(MPI_COMM_WORLD, MPI_TAG_UB), MPI_ERR_KEYVAL);
    k = MPI_TAG_UB;
    WANT(MPI_Comm_free_keyval(&k), MPI_ERR_KEYVAL);
    WANT(MPI_Attr_put(MPI_COMM_WORLD, MPI_TAG_UB, NULL), MPI_ERR_KEYVAL);
    WANT(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &v, NULL), MPI_ERR_ARG);
    /* A keyval of another kind. */
    MPI_Type_create_keyval(MPI_TYPE_NULL_COPY_FN, MPI_TYPE_NULL_DELETE_FN, &k, NULL);
    WANT(MPI_Comm_set_attr(MPI_COMM_WORLD, k, NULL), MPI_ERR_KEYVAL);
    WANT(MPI_Type_set_attr(MPI_DATATYPE_NULL, k, NULL), MPI_ERR_TYPE);
    MPI_Type_free_keyval(&k);
    WANT(MPI_Keyval_free(&k), MPI_ERR_KEYVAL); /* MPI_KEYVAL_INVALID now */
}

static void infos(void)
{
    MPI_Info info;
    char key[MPI_MAX_INFO_KEY + 1];
    int n, flag;
    MPI_Info_create(&info);
    WANT(MPI_Info_get_nthkey(info, 0, key), MPI_ERR_ARG);
    WANT(MPI_Info_get_nthkey(info, -1, key), MPI_ERR_ARG);
    WANT(MPI_Info_delete(info, "absent"), MPI_ERR_INFO_NOKEY);
    WANT(MPI_Info_set(info, "", "v"), MPI_ERR_INFO_KEY);
    WANT(MPI_Info_set(info, "k", NULL), MPI_ERR_INFO_VALUE);
    WANT(MPI_Info_get_nkeys(MPI_INFO_NULL, &n), MPI_ERR_INFO);
    WANT(MPI_Info_get_valuelen(info, "k", NULL, &flag), MPI_ERR_ARG);
    WANT(MPI_Info_dup(info, NULL), MPI_ERR_ARG);
    WANT(MPI_Info_free(NULL), MPI_ERR_ARG);
    MPI_Info_free(&info);
    WANT(MPI_Info_free(&info), MPI_ERR_INFO); /* MPI_INFO_NULL now */
}

static void errors_env(void)
{
    int c, len, v, sv;
    char s[MPI_MAX_ERROR_STRING];
    WANT(MPI_Add_error_code(MPI_ERR_LASTCODE + 12345, &c), MPI_ERR_ARG);
    WANT(MPI_Add_error_class(NULL), MPI_ERR_ARG);
    WANT(MPI_Add_error_string(MPI_ERR_LASTCODE + 12345, "x"), MPI_ERR_ARG);
    WANT(MPI_Error_string(-1, s, &len), MPI_ERR_ARG);
    WANT(MPI_Error_class(MPI_ERR_LASTCODE + 12345, &c), MPI_ERR_ARG);
    WANT(MPI_Comm_call_errhandler(MPI_COMM_NULL, MPI_ERR_OTHER), MPI_ERR_COMM);
    WANT(MPI_Comm_get_errhandler(MPI_COMM_WORLD, NULL), MPI_ERR_ARG);
    WANT(MPI_Comm_create_errhandler(NULL, NULL), MPI_ERR_ARG);
    MPI_Errhandler eh = MPI_ERRORS_RETURN;
    WANT(MPI_Errhandler_free(NULL), MPI_ERR_ARG);
    WANT(MPI_Get_processor_name(NULL, &len), MPI_ERR_ARG);
    WANT(MPI_Get_library_version(s, NULL), MPI_ERR_ARG);
    WANT(MPI_Get_version(NULL, &sv), MPI_ERR_ARG);
    WANT(MPI_Query_thread(NULL), MPI_ERR_ARG);
    WANT(MPI_Is_thread_main(NULL), MPI_ERR_ARG);
    WANT(MPI_Alloc_mem(16, MPI_INFO_NULL, NULL), MPI_ERR_ARG);
    (void)v;
    (void)eh;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &wsize);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    communicators();
    groups();
    topologies();
    attributes();
    infos();
    errors_env();
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(fails == 0, "%d calls did not give their class (above)", fails);
    MPI_Finalize();
    return 0;
}

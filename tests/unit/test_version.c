/*
 * test_version.c -- the version queries, callable before MPI_Init.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "mpi.h"

static void test_version_numbers(void **state)
{
    (void)state;
    int v = -1, sv = -1;
    assert_int_equal(MPI_Get_version(&v, &sv), MPI_SUCCESS);
    assert_int_equal(v, MPI_VERSION);
    assert_int_equal(sv, MPI_SUBVERSION);
    assert_int_equal(v, 4); /* README, "Standards" */
    assert_int_equal(sv, 1);
}

static void test_version_library_string(void **state)
{
    (void)state;
    char buf[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = -1;
    assert_int_equal(MPI_Get_library_version(buf, &len), MPI_SUCCESS);
    assert_int_equal(len, (int)strlen(buf));
    assert_non_null(strstr(buf, "Lark"));
    assert_non_null(strstr(buf, LARK_VERSION_STRING));
}

static void test_version_null_args(void **state)
{
    (void)state;
    int v;
    assert_int_equal(MPI_Get_version(&v, NULL), MPI_ERR_ARG);
    assert_int_equal(MPI_Get_version(NULL, &v), MPI_ERR_ARG);
}

static void test_version_abi_layout(void **state)
{
    (void)state;
    /* The standard ABI fixes these; a change here breaks binaries. */
    assert_int_equal(sizeof(MPI_Status), 8 * sizeof(int));
    assert_int_equal(offsetof(MPI_Status, MPI_SOURCE), 0);
    assert_int_equal(offsetof(MPI_Status, MPI_TAG), sizeof(int));
    assert_int_equal(offsetof(MPI_Status, MPI_ERROR), 2 * sizeof(int));
    assert_int_equal(sizeof(MPI_Aint), sizeof(void *));
    assert_int_equal(sizeof(MPI_Count), 8);
    assert_int_equal(sizeof(MPI_Offset), 8);
    assert_int_equal(sizeof(MPI_Comm), sizeof(void *));
    assert_int_equal((intptr_t)MPI_COMM_WORLD, 0x101);
    assert_int_equal((intptr_t)MPI_INT, 0x209);
    assert_int_equal((intptr_t)MPI_SUM, 0x21);
    assert_int_equal((intptr_t)MPI_REQUEST_NULL, 0x180);
    assert_int_equal(MPI_ANY_SOURCE, -1);
    assert_int_equal(MPI_ANY_TAG, -2);
    assert_int_equal(MPI_PROC_NULL, -3);
    assert_int_equal(MPI_ROOT, -4);
    assert_int_equal(MPI_UNDEFINED, -32766);
    assert_int_equal(MPI_THREAD_MULTIPLE, 4096);
    assert_int_equal((intptr_t)MPI_ERRORS_RETURN, 0x143);
}

static void test_version_abi_version(void **state)
{
    (void)state;
    int major = -1, minor = -1;
    assert_int_equal(MPI_Abi_get_version(&major, &minor), MPI_SUCCESS);
    assert_int_equal(major, MPI_ABI_VERSION);
    assert_int_equal(minor, MPI_ABI_SUBVERSION);
    assert_int_equal(major, 1);
    assert_int_equal(minor, 0);
    assert_int_equal(MPI_Abi_get_version(NULL, &minor), MPI_ERR_ARG);
}

/* No Fortran binding: the booleans are unknown until a Fortran layer
 * registers them, once per LOGICAL size. */
static void test_version_abi_fortran_booleans(void **state)
{
    (void)state;
    int32_t t = -7, f = -7;
    int is_set = -1;
    assert_int_equal(MPI_Abi_get_fortran_booleans(4, &t, &f, &is_set), MPI_SUCCESS);
    assert_int_equal(is_set, 0);
    int32_t mytrue = 1, myfalse = 0;
    assert_int_equal(MPI_Abi_set_fortran_booleans(4, &mytrue, &myfalse), MPI_SUCCESS);
    assert_int_equal(MPI_Abi_get_fortran_booleans(4, &t, &f, &is_set), MPI_SUCCESS);
    assert_int_equal(is_set, 1);
    assert_int_equal(t, 1);
    assert_int_equal(f, 0);
    int32_t other = -1;
    assert_int_equal(MPI_Abi_set_fortran_booleans(4, &other, &myfalse), MPI_ERR_ABI);
    assert_int_equal(MPI_Abi_get_fortran_booleans(4, &t, &f, &is_set), MPI_SUCCESS);
    assert_int_equal(t, 1); /* the first registration stays */
    int8_t t1, f1;
    assert_int_equal(MPI_Abi_get_fortran_booleans(1, &t1, &f1, &is_set), MPI_SUCCESS);
    assert_int_equal(is_set, 0); /* sizes are separate */
    assert_int_equal(MPI_Abi_get_fortran_booleans(3, &t, &f, &is_set), MPI_ERR_ARG);
    assert_int_equal(MPI_Abi_set_fortran_booleans(32, &t, &f), MPI_ERR_ARG);
    assert_int_equal(MPI_Abi_set_fortran_booleans(4, &mytrue, &mytrue), MPI_ERR_ARG);
    assert_int_equal(MPI_Abi_get_fortran_booleans(4, NULL, &f, &is_set), MPI_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_numbers),
        cmocka_unit_test(test_version_library_string),
        cmocka_unit_test(test_version_null_args),
        cmocka_unit_test(test_version_abi_layout),
        cmocka_unit_test(test_version_abi_version),
        cmocka_unit_test(test_version_abi_fortran_booleans),
    };
    return cmocka_run_group_tests_name("version", tests, NULL, NULL);
}

/*
 * test_op.c -- reduction kernels: results against values computed here,
 * which op/type pairs are accepted, MINLOC/MAXLOC ties, user ops.
 */
#include <complex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "handle.h"
#include "op.h"

static void test_op_int_arith(void **state)
{
    (void)state;
    int in[4] = {1, -5, 7, 0}, io[4] = {3, 2, -7, 9};
    int r[4];
    memcpy(r, io, sizeof r);
    lark_op_apply(MPI_SUM, in, r, 4, MPI_INT);
    assert_int_equal(r[0], 4);
    assert_int_equal(r[1], -3);
    assert_int_equal(r[2], 0);
    assert_int_equal(r[3], 9);
    memcpy(r, io, sizeof r);
    lark_op_apply(MPI_PROD, in, r, 4, MPI_INT);
    assert_int_equal(r[1], -10);
    assert_int_equal(r[3], 0);
    memcpy(r, io, sizeof r);
    lark_op_apply(MPI_MAX, in, r, 4, MPI_INT);
    assert_int_equal(r[0], 3);
    assert_int_equal(r[1], 2);
    assert_int_equal(r[2], 7);
    memcpy(r, io, sizeof r);
    lark_op_apply(MPI_MIN, in, r, 4, MPI_INT);
    assert_int_equal(r[1], -5);
    assert_int_equal(r[2], -7);
    memcpy(r, io, sizeof r);
    lark_op_apply(MPI_LAND, in, r, 4, MPI_INT);
    assert_int_equal(r[0], 1);
    assert_int_equal(r[3], 0);
    memcpy(r, io, sizeof r);
    lark_op_apply(MPI_LXOR, in, r, 4, MPI_INT);
    assert_int_equal(r[0], 0);
    assert_int_equal(r[3], 1);
}

static void test_op_bitwise_and_widths(void **state)
{
    (void)state;
    uint8_t a[2] = {0xf0, 0x0f}, b[2] = {0x3c, 0xff};
    lark_op_apply(MPI_BXOR, a, b, 2, MPI_BYTE);
    assert_int_equal(b[0], 0xcc);
    assert_int_equal(b[1], 0xf0);
    int64_t x = INT64_C(1) << 40, y = 5;
    lark_op_apply(MPI_SUM, &x, &y, 1, MPI_INT64_T);
    assert_true(y == (INT64_C(1) << 40) + 5);
    unsigned short us = 65535, ur = 1;
    lark_op_apply(MPI_SUM, &us, &ur, 1, MPI_UNSIGNED_SHORT);
    assert_int_equal(ur, 0); /* wraps like C */
    long double ld = 1.5L, lr = 2.25L;
    lark_op_apply(MPI_PROD, &ld, &lr, 1, MPI_LONG_DOUBLE);
    assert_true(lr == 3.375L);
}

static void test_op_float_complex_bool(void **state)
{
    (void)state;
    double d[3] = {1.5, -2.0, 1e300}, r[3] = {2.5, 4.0, -1e300};
    lark_op_apply(MPI_SUM, d, r, 3, MPI_DOUBLE);
    assert_true(r[0] == 4.0 && r[1] == 2.0 && r[2] == 0.0);
    double _Complex c = 1.0 + 2.0 * _Complex_I, cr = 3.0 - 1.0 * _Complex_I;
    lark_op_apply(MPI_PROD, &c, &cr, 1, MPI_C_DOUBLE_COMPLEX);
    assert_true(cr == (1.0 + 2.0 * _Complex_I) * (3.0 - 1.0 * _Complex_I));
    _Bool t = 1, f = 0;
    lark_op_apply(MPI_LOR, &t, &f, 1, MPI_C_BOOL);
    assert_true(f);
}

static void test_op_minloc_maxloc_ties(void **state)
{
    (void)state;
    struct {
        double v;
        int k;
    } a[3] = {{1.0, 4}, {2.0, 1}, {5.0, 2}}, b[3] = {{1.0, 2}, {3.0, 0}, {5.0, 7}};
    lark_op_apply(MPI_MAXLOC, a, b, 3, MPI_DOUBLE_INT);
    assert_true(b[0].v == 1.0 && b[0].k == 2); /* tie: lower index */
    assert_true(b[1].v == 3.0 && b[1].k == 0);
    assert_true(b[2].v == 5.0 && b[2].k == 2);
    struct {
        int v, k;
    } x = {-3, 9}, y = {-3, 1}, z = {-4, 5};
    lark_op_apply(MPI_MINLOC, &x, &y, 1, MPI_2INT);
    assert_int_equal(y.k, 1);
    lark_op_apply(MPI_MINLOC, &z, &y, 1, MPI_2INT);
    assert_int_equal(y.v, -4);
    assert_int_equal(y.k, 5);
}

static void test_op_check_pairs(void **state)
{
    (void)state;
    assert_int_equal(lark_op_check(MPI_SUM, MPI_DOUBLE), MPI_SUCCESS);
    assert_int_equal(lark_op_check(MPI_BAND, MPI_BYTE), MPI_SUCCESS);
    assert_int_equal(lark_op_check(MPI_MAXLOC, MPI_2INT), MPI_SUCCESS);
    assert_int_equal(lark_op_check(MPI_SUM, MPI_BYTE), MPI_ERR_OP);
    assert_int_equal(lark_op_check(MPI_BAND, MPI_DOUBLE), MPI_ERR_OP);
    assert_int_equal(lark_op_check(MPI_MAX, MPI_C_DOUBLE_COMPLEX), MPI_ERR_OP);
    assert_int_equal(lark_op_check(MPI_MAXLOC, MPI_INT), MPI_ERR_OP);
    /* MPI_CHAR: outside the standard's table, accepted as Open MPI and
     * MPICH do (benchmark suites reduce it by default). */
    assert_int_equal(lark_op_check(MPI_SUM, MPI_CHAR), MPI_SUCCESS);
    assert_int_equal(lark_op_check(MPI_BXOR, MPI_CHAR), MPI_SUCCESS);
    char c_in[2] = {3, 5}, c_io[2] = {4, 6};
    lark_op_apply(MPI_SUM, c_in, c_io, 2, MPI_CHAR);
    assert_int_equal(c_io[0], 7);
    assert_int_equal(c_io[1], 11);
    assert_int_equal(lark_op_check(MPI_OP_NULL, MPI_INT), MPI_ERR_OP);
    assert_int_equal(lark_op_check(MPI_REPLACE, MPI_INT), MPI_ERR_OP);
    assert_true(lark_op_commutes(MPI_SUM));
}

/* A non-commutative user op: 2x2 matrix product, inout = in * inout. */
static void matmul(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void)type;
    int *a = in, *b = inout;
    for (int i = 0; i < *len; i++, a += 4, b += 4) {
        int r[4] = {a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2],
                    a[2] * b[1] + a[3] * b[3]};
        memcpy(b, r, sizeof r);
    }
}

static void test_op_user_noncommutative(void **state)
{
    (void)state;
    /* User ops live in the op arena (handle.h): a handle elsewhere is invalid. */
    struct lark_user_op on_stack = {.magic = LARK_USER_OP_MAGIC, .fn = matmul, .commute = false};
    assert_null(lark_op_user((MPI_Op)&on_stack));
    struct lark_user_op *u = lark_handle_alloc(LARK_HANDLE_OP, sizeof *u, true);
    assert_non_null(u);
    *u = on_stack;
    MPI_Op op = (MPI_Op)u;
    assert_ptr_equal(lark_op_user(op), u);
    assert_false(lark_op_commutes(op));
    assert_int_equal(lark_op_check(op, MPI_INT), MPI_SUCCESS);
    int a[4] = {1, 1, 0, 1}, b[4] = {1, 0, 1, 1};
    lark_op_apply(op, a, b, 1, MPI_INT); /* b = a * b */
    assert_int_equal(b[0], 2);
    assert_int_equal(b[1], 1);
    assert_int_equal(b[2], 1);
    assert_int_equal(b[3], 1);
    u->magic = 0; /* freed */
    assert_null(lark_op_user(op));
    assert_int_equal(lark_op_check(op, MPI_INT), MPI_ERR_OP);
    lark_handle_free(LARK_HANDLE_OP, u, sizeof *u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_op_int_arith),          cmocka_unit_test(test_op_bitwise_and_widths),
        cmocka_unit_test(test_op_float_complex_bool), cmocka_unit_test(test_op_minloc_maxloc_ties),
        cmocka_unit_test(test_op_check_pairs),        cmocka_unit_test(test_op_user_noncommutative),
    };
    return cmocka_run_group_tests_name("op", tests, NULL, NULL);
}

/*
 * test_attr.c -- attribute caching on its own (runtime/attr.c): copy
 * callbacks in the order attributes were set, delete callbacks newest
 * first, NULL_COPY / DUP_FN, a failing copy callback, replacing a value
 * (its delete callback runs), and a freed keyval that lives on while an
 * attribute uses it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "attr.h"

static int trace[64], ntrace;

static int copy_cb(void *old, int keyval, void *extra, void *in, void *out, int *flag)
{
    (void)old;
    (void)in;
    trace[ntrace++] = keyval;
    if (extra == (void *)2)
        return MPI_ERR_OTHER;
    *(void **)out = (void *)(intptr_t)(keyval * 10);
    *flag = extra != (void *)1; /* extra 1: decline to copy */
    return MPI_SUCCESS;
}

static int delete_cb(void *obj, int keyval, void *value, void *extra)
{
    (void)obj;
    (void)value;
    (void)extra;
    trace[ntrace++] = -keyval;
    return MPI_SUCCESS;
}

static int keyval(void *copy, void *extra)
{
    int k;
    assert_int_equal(
        lark_attr_keyval_create(LARK_ATTR_COMM, (lark_attr_copy_fn *)copy, delete_cb, extra, &k),
        LARK_OK);
    return k;
}

static void test_attr_copy_and_delete_order(void **state)
{
    (void)state;
    void *src = NULL, *dst = NULL;
    int k1 = keyval(copy_cb, NULL), k2 = keyval(copy_cb, (void *)1), k3 = keyval(copy_cb, NULL);
    int kdup = keyval((void *)1, NULL), knull = keyval(NULL, NULL);
    /* Set out of keyval order: the list keeps the setting order. */
    assert_int_equal(lark_attr_set(LARK_ATTR_COMM, NULL, &src, k3, (void *)3), LARK_OK);
    assert_int_equal(lark_attr_set(LARK_ATTR_COMM, NULL, &src, k1, (void *)1), LARK_OK);
    assert_int_equal(lark_attr_set(LARK_ATTR_COMM, NULL, &src, k2, (void *)2), LARK_OK);
    assert_int_equal(lark_attr_set(LARK_ATTR_COMM, NULL, &src, kdup, (void *)7), LARK_OK);
    assert_int_equal(lark_attr_set(LARK_ATTR_COMM, NULL, &src, knull, (void *)8), LARK_OK);
    ntrace = 0;
    assert_int_equal(lark_attr_copy(LARK_ATTR_COMM, NULL, &src, NULL, &dst), LARK_OK);
    assert_int_equal(ntrace, 3);
    assert_int_equal(trace[0], k3);
    assert_int_equal(trace[1], k1);
    assert_int_equal(trace[2], k2);
    void *v;
    bool found;
    assert_int_equal(lark_attr_get(LARK_ATTR_COMM, &dst, k1, &v, &found), LARK_OK);
    assert_true(found);
    assert_int_equal((intptr_t)v, k1 * 10);
    assert_int_equal(lark_attr_get(LARK_ATTR_COMM, &dst, k2, &v, &found), LARK_OK);
    assert_false(found); /* the callback declined */
    assert_int_equal(lark_attr_get(LARK_ATTR_COMM, &dst, kdup, &v, &found), LARK_OK);
    assert_true(found && v == (void *)7);
    assert_int_equal(lark_attr_get(LARK_ATTR_COMM, &dst, knull, &v, &found), LARK_OK);
    assert_false(found);
    /* Delete newest first. */
    ntrace = 0;
    assert_int_equal(lark_attr_delete_all(LARK_ATTR_COMM, NULL, &src), LARK_OK);
    assert_int_equal(ntrace, 5);
    int want[] = {-knull, -kdup, -k2, -k1, -k3};
    for (int i = 0; i < 5; i++)
        assert_int_equal(trace[i], want[i]);
    assert_null(src);
    assert_int_equal(lark_attr_delete_all(LARK_ATTR_COMM, NULL, &dst), LARK_OK);
}

static void test_attr_failing_copy_stops(void **state)
{
    (void)state;
    void *src = NULL, *dst = NULL;
    int ka = keyval(copy_cb, NULL), kbad = keyval(copy_cb, (void *)2), kc = keyval(copy_cb, NULL);
    lark_attr_set(LARK_ATTR_COMM, NULL, &src, ka, NULL);
    lark_attr_set(LARK_ATTR_COMM, NULL, &src, kbad, NULL);
    lark_attr_set(LARK_ATTR_COMM, NULL, &src, kc, NULL);
    ntrace = 0;
    assert_int_equal(lark_attr_copy(LARK_ATTR_COMM, NULL, &src, NULL, &dst), MPI_ERR_OTHER);
    assert_int_equal(ntrace, 2); /* kc's callback never ran */
    lark_attr_delete_all(LARK_ATTR_COMM, NULL, &dst);
    lark_attr_delete_all(LARK_ATTR_COMM, NULL, &src);
}

static void test_attr_replace_and_freed_keyval(void **state)
{
    (void)state;
    void *list = NULL, *v;
    bool found;
    int k = keyval(copy_cb, NULL);
    lark_attr_set(LARK_ATTR_COMM, NULL, &list, k, (void *)1);
    ntrace = 0;
    assert_int_equal(lark_attr_set(LARK_ATTR_COMM, NULL, &list, k, (void *)2), LARK_OK);
    assert_int_equal(ntrace, 1); /* the old value was deleted */
    assert_int_equal(trace[0], -k);
    assert_int_equal(lark_attr_keyval_free(LARK_ATTR_COMM, k), LARK_OK);
    /* Freed, but its attribute is still there and readable. */
    assert_int_equal(lark_attr_get(LARK_ATTR_COMM, &list, k, &v, &found), LARK_OK);
    assert_true(found && v == (void *)2);
    /* Setting with a freed keyval is an error; so is freeing it again. */
    assert_int_equal(lark_attr_set(LARK_ATTR_COMM, NULL, &list, k, NULL), MPI_ERR_KEYVAL);
    assert_int_equal(lark_attr_keyval_free(LARK_ATTR_COMM, k), MPI_ERR_KEYVAL);
    ntrace = 0;
    assert_int_equal(lark_attr_delete(LARK_ATTR_COMM, NULL, &list, k), LARK_OK);
    assert_int_equal(ntrace, 1);
    /* Now gone altogether. */
    assert_int_equal(lark_attr_get(LARK_ATTR_COMM, &list, k, &v, &found), MPI_ERR_KEYVAL);
    /* Another kind's keyval is refused. */
    assert_int_equal(lark_attr_get(LARK_ATTR_TYPE, &list, keyval(NULL, NULL), &v, &found),
                     MPI_ERR_KEYVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attr_copy_and_delete_order),
        cmocka_unit_test(test_attr_failing_copy_stops),
        cmocka_unit_test(test_attr_replace_and_freed_keyval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

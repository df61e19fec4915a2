/*
 * test_group.c -- the group algebra on its own (runtime/group.c): union,
 * intersection, difference, incl/excl, ranges with their errors, compare,
 * translate, and the compact storage of progressions (a range of a huge
 * world costs no list).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "group.h"
#include "runtime.h"

struct lark_runtime lark_rt; /* group.c reads this process's world rank */

static void expect_members(const struct lark_group *g, int n, const int *w)
{
    assert_int_equal(g->size, n);
    for (int i = 0; i < n; i++)
        assert_int_equal(lark_group_world(g, i), w[i]);
}

static struct lark_group *list_of(int n, const int *w)
{
    struct lark_group *g = lark_group_create(w, n);
    assert_non_null(g);
    return g;
}

static void test_group_progressions_are_compact(void **state)
{
    (void)state;
    struct lark_group *world = lark_group_strided(0, 1, 1 << 30), *g = NULL;
    assert_null(world->list);
    int r1[][3] = {{10, 1000000, 3}};
    assert_int_equal(lark_group_range_incl(world, 1, (const int(*)[3])r1, &g), LARK_OK);
    assert_null(g->list); /* no O(size) list for a stride */
    assert_int_equal(g->size, (1000000 - 10) / 3 + 1);
    assert_int_equal(lark_group_world(g, 2), 16);
    assert_int_equal(lark_group_rank_of(g, 16), 2);
    assert_int_equal(lark_group_rank_of(g, 17), MPI_UNDEFINED);
    lark_group_release(g);
    int w[] = {9, 7, 5, 3};
    g = list_of(4, w); /* a decreasing progression is detected */
    assert_null(g->list);
    expect_members(g, 4, w);
    lark_group_release(g);
    lark_group_release(world);
}

static void test_group_union_intersection_difference(void **state)
{
    (void)state;
    int a_w[] = {5, 1, 9, 3}, b_w[] = {3, 4, 5, 8};
    struct lark_group *a = list_of(4, a_w), *b = list_of(4, b_w), *g;
    assert_int_equal(lark_group_union(a, b, &g), LARK_OK);
    expect_members(g, 6, (int[]){5, 1, 9, 3, 4, 8});
    lark_group_release(g);
    assert_int_equal(lark_group_intersection(a, b, &g), LARK_OK);
    expect_members(g, 2, (int[]){5, 3}); /* a's order */
    lark_group_release(g);
    assert_int_equal(lark_group_difference(a, b, &g), LARK_OK);
    expect_members(g, 2, (int[]){1, 9});
    lark_group_release(g);
    assert_int_equal(lark_group_difference(a, a, &g), LARK_OK);
    assert_int_equal(g->size, 0); /* the empty group */
    lark_group_release(g);
    lark_group_release(a);
    lark_group_release(b);
}

static void test_group_incl_excl(void **state)
{
    (void)state;
    struct lark_group *world = lark_group_strided(0, 1, 10), *g, *h;
    assert_int_equal(lark_group_incl(world, 3, (int[]){7, 2, 4}, &g), LARK_OK);
    expect_members(g, 3, (int[]){7, 2, 4});
    assert_int_equal(lark_group_excl(g, 1, (int[]){1}, &h), LARK_OK);
    expect_members(h, 2, (int[]){7, 4});
    lark_group_release(h);
    assert_int_equal(lark_group_incl(world, 4, (int[]){1, 3, 5, 7}, &h), LARK_OK);
    assert_null(h->list); /* a stride of a stride stays a stride */
    expect_members(h, 4, (int[]){1, 3, 5, 7});
    lark_group_release(h);
    lark_group_release(g);
    lark_group_release(world);
}

static void test_group_ranges(void **state)
{
    (void)state;
    struct lark_group *world = lark_group_strided(0, 1, 10), *g;
    int r[][3] = {{8, 4, -2}, {0, 1, 1}};
    assert_int_equal(lark_group_range_incl(world, 2, (const int(*)[3])r, &g), LARK_OK);
    expect_members(g, 5, (int[]){8, 6, 4, 0, 1});
    lark_group_release(g);
    assert_int_equal(lark_group_range_excl(world, 2, (const int(*)[3])r, &g), LARK_OK);
    expect_members(g, 5, (int[]){2, 3, 5, 7, 9});
    lark_group_release(g);
    int zero[][3] = {{0, 5, 0}}, away[][3] = {{5, 0, 1}}, out[][3] = {{5, 10, 1}},
        twice[][3] = {{0, 4, 2}, {4, 6, 1}};
    assert_int_equal(lark_group_range_incl(world, 1, (const int(*)[3])zero, &g), LARK_ERR_ARG);
    assert_int_equal(lark_group_range_incl(world, 1, (const int(*)[3])away, &g), LARK_ERR_ARG);
    assert_int_equal(lark_group_range_incl(world, 1, (const int(*)[3])out, &g), MPI_ERR_RANK);
    assert_int_equal(lark_group_range_excl(world, 2, (const int(*)[3])twice, &g), MPI_ERR_RANK);
    lark_group_release(world);
}

static void test_group_compare_translate(void **state)
{
    (void)state;
    int a_w[] = {4, 0, 2}, b_w[] = {0, 2, 4}, c_w[] = {0, 2, 5};
    struct lark_group *a = list_of(3, a_w), *b = list_of(3, b_w), *c = list_of(3, c_w);
    struct lark_group *b2 = lark_group_strided(0, 2, 3);
    assert_int_equal(lark_group_compare(a, a), MPI_IDENT);
    assert_int_equal(lark_group_compare(b, b2), MPI_IDENT); /* same members, same order */
    assert_int_equal(lark_group_compare(a, b), MPI_SIMILAR);
    assert_int_equal(lark_group_compare(a, c), MPI_UNEQUAL);
    int in[12], outr[12];
    for (int i = 0; i < 12; i++)
        in[i] = i % 3;
    in[11] = MPI_PROC_NULL;
    assert_int_equal(lark_group_translate(a, 12, in, c, outr), LARK_OK); /* sorted lookup */
    assert_int_equal(outr[0], MPI_UNDEFINED);                            /* world 4 is not in c */
    assert_int_equal(outr[1], 0);
    assert_int_equal(outr[2], 1);
    assert_int_equal(outr[11], MPI_PROC_NULL);
    assert_int_equal(lark_group_translate(a, 2, in, b2, outr), LARK_OK); /* arithmetic */
    assert_int_equal(outr[0], 2);
    assert_int_equal(outr[1], 0);
    lark_group_release(a);
    lark_group_release(b);
    lark_group_release(c);
    lark_group_release(b2);
}

static void test_group_my_rank(void **state)
{
    (void)state;
    lark_rt.rank = 6;
    struct lark_group *g = lark_group_strided(0, 2, 5), *h = list_of(3, (int[]){9, 6, 1});
    assert_int_equal(g->rank, 3);
    assert_int_equal(h->rank, 1);
    lark_group_release(g);
    lark_group_release(h);
    lark_rt.rank = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_progressions_are_compact),
        cmocka_unit_test(test_group_union_intersection_difference),
        cmocka_unit_test(test_group_incl_excl),
        cmocka_unit_test(test_group_ranges),
        cmocka_unit_test(test_group_compare_translate),
        cmocka_unit_test(test_group_my_rank),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

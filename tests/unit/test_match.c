/*
 * test_match.c -- the matching engine on its own, without any transport:
 * posted vs unexpected, wildcards, contexts, FIFO order, probe/take,
 * cancel, and the parking of out-of-order arrivals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lark.h"
#include "match.h"

static struct lark_match_item msg(uint32_t ctx, int src, int tag, int peer, uint32_t seq)
{
    return (struct lark_match_item){
        .ctx = ctx, .source = src, .tag = tag, .peer = peer, .seq = seq};
}

static struct lark_match_item recv(uint32_t ctx, int src, int tag)
{
    return (struct lark_match_item){.ctx = ctx, .source = src, .tag = tag};
}

/* What the runtime does with an arriving message: match it, or keep it. */
static struct lark_match_item *arrive(struct lark_match *m, struct lark_match_item *it)
{
    struct lark_match_item *r = lark_match_arrive(m, it);
    if (r == NULL)
        assert_int_equal(lark_match_unexpected(m, it), LARK_OK);
    return r;
}

static int setup(void **state)
{
    struct lark_match *m = malloc(sizeof *m);
    assert_non_null(m);
    assert_int_equal(lark_match_init(m, 8), LARK_OK);
    *state = m;
    return 0;
}

static int teardown(void **state)
{
    lark_match_fini(*state);
    free(*state);
    return 0;
}

static void test_match_posted_then_arrival(void **state)
{
    struct lark_match *m = *state;
    struct lark_match_item r = recv(0, 1, 5);
    assert_null(lark_match_post(m, &r));
    struct lark_match_item a = msg(0, 1, 5, 1, 0);
    assert_ptr_equal(arrive(m, &a), &r);
    /* Consumed: a second identical message finds nothing posted. */
    struct lark_match_item b = msg(0, 1, 5, 1, 1);
    assert_null(arrive(m, &b));
}

static void test_match_unexpected_then_posted(void **state)
{
    struct lark_match *m = *state;
    struct lark_match_item a = msg(0, 2, 7, 2, 0);
    assert_null(arrive(m, &a));
    struct lark_match_item r = recv(0, 2, 7);
    assert_ptr_equal(lark_match_post(m, &r), &a);
    /* Nothing left unexpected: the next receive is posted. */
    struct lark_match_item r2 = recv(0, 2, 7);
    assert_null(lark_match_post(m, &r2));
}

static void test_match_wildcards(void **state)
{
    struct lark_match *m = *state;
    struct lark_match_item a = msg(0, 3, 9, 3, 0);
    struct lark_match_item b = msg(0, 4, 1, 4, 0);
    assert_null(arrive(m, &a));
    assert_null(arrive(m, &b));
    struct lark_match_item any_src = recv(0, MPI_ANY_SOURCE, 1);
    assert_ptr_equal(lark_match_post(m, &any_src), &b);
    struct lark_match_item any_tag = recv(0, 3, MPI_ANY_TAG);
    assert_ptr_equal(lark_match_post(m, &any_tag), &a);
    /* ANY_TAG never matches the negative tags internal traffic may use. */
    struct lark_match_item neg = msg(0, 5, -7, 5, 0);
    assert_null(arrive(m, &neg));
    struct lark_match_item both = recv(0, MPI_ANY_SOURCE, MPI_ANY_TAG);
    assert_null(lark_match_post(m, &both));
    struct lark_match_item c = msg(0, 6, 0, 6, 0);
    assert_ptr_equal(arrive(m, &c), &both);
}

static void test_match_contexts_are_separate(void **state)
{
    struct lark_match *m = *state;
    struct lark_match_item a = msg(1, 0, 0, 0, 0);
    assert_null(arrive(m, &a));
    struct lark_match_item r0 = recv(0, MPI_ANY_SOURCE, MPI_ANY_TAG);
    assert_null(lark_match_post(m, &r0)); /* context 0 sees nothing */
    struct lark_match_item r1 = recv(1, 0, 0);
    assert_ptr_equal(lark_match_post(m, &r1), &a);
    /* Contexts that collide in the hash table stay apart too. */
    struct lark_match_item x = msg(LARK_MATCH_BUCKETS + 1, 0, 0, 0, 1);
    assert_null(arrive(m, &x));
    struct lark_match_item r2 = recv(1, 0, 0);
    assert_null(lark_match_post(m, &r2));
    assert_ptr_equal(lark_match_peek(m, LARK_MATCH_BUCKETS + 1, 0, 0), &x);
}

static void test_match_fifo_order(void **state)
{
    struct lark_match *m = *state;
    struct lark_match_item ms[10];
    for (int i = 0; i < 10; i++) {
        ms[i] = msg(0, 1, 4, 1, (uint32_t)i);
        assert_null(arrive(m, &ms[i]));
    }
    for (int i = 0; i < 10; i++) {
        struct lark_match_item r = recv(0, i % 2 ? MPI_ANY_SOURCE : 1, i % 3 ? 4 : MPI_ANY_TAG);
        assert_ptr_equal(lark_match_post(m, &r), &ms[i]);
    }
    /* Posted receives are also matched in the order they were posted. */
    struct lark_match_item rs[3] = {recv(0, MPI_ANY_SOURCE, 2), recv(0, 1, 2), recv(0, 1, 2)};
    for (int i = 0; i < 3; i++)
        assert_null(lark_match_post(m, &rs[i]));
    for (int i = 0; i < 3; i++) {
        struct lark_match_item a = msg(0, 1, 2, 1, (uint32_t)(10 + i));
        assert_ptr_equal(arrive(m, &a), &rs[i]);
    }
}

static void test_match_probe_take_cancel(void **state)
{
    struct lark_match *m = *state;
    assert_null(lark_match_peek(m, 0, MPI_ANY_SOURCE, MPI_ANY_TAG));
    struct lark_match_item a = msg(0, 2, 3, 2, 0);
    assert_null(arrive(m, &a));
    assert_ptr_equal(lark_match_peek(m, 0, 2, 3), &a);
    assert_ptr_equal(lark_match_peek(m, 0, 2, 3), &a); /* peek leaves it */
    assert_null(lark_match_peek(m, 0, 1, 3));
    lark_match_take(m, &a);
    assert_null(lark_match_peek(m, 0, 2, 3));
    struct lark_match_item r = recv(0, 2, 3);
    assert_null(lark_match_post(m, &r));
    assert_true(lark_match_cancel(m, &r));
    assert_false(lark_match_cancel(m, &r));
    struct lark_match_item b = msg(0, 2, 3, 2, 1);
    assert_null(arrive(m, &b)); /* the cancelled receive is gone */
}

static void test_match_sequence_parking(void **state)
{
    struct lark_match *m = *state;
    /* Peer 1 sends seq 0, 1, 2; they arrive 2, 0, 1. */
    struct lark_match_item m2 = msg(0, 1, 0, 1, 2), m0 = msg(0, 1, 0, 1, 0),
                           m1 = msg(0, 1, 0, 1, 1);
    assert_false(lark_match_in_order(m, 1, 2));
    lark_match_park(m, &m2);
    assert_null(lark_match_unpark(m));
    assert_true(lark_match_in_order(m, 1, 0));
    assert_null(arrive(m, &m0));
    assert_null(lark_match_unpark(m)); /* seq 1 still missing */
    assert_true(lark_match_in_order(m, 1, 1));
    assert_null(arrive(m, &m1));
    assert_ptr_equal(lark_match_unpark(m), &m2);
    assert_null(arrive(m, &m2));
    /* Receives see them in sending order. */
    struct lark_match_item r = recv(0, 1, 0);
    assert_ptr_equal(lark_match_post(m, &r), &m0);
    assert_ptr_equal(lark_match_post(m, &r), &m1);
    assert_ptr_equal(lark_match_post(m, &r), &m2);
    /* Other peers have their own counters. */
    assert_true(lark_match_in_order(m, 2, 0));
    assert_true(lark_match_in_order(m, 1, 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_match_posted_then_arrival, setup, teardown),
        cmocka_unit_test_setup_teardown(test_match_unexpected_then_posted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_match_wildcards, setup, teardown),
        cmocka_unit_test_setup_teardown(test_match_contexts_are_separate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_match_fifo_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_match_probe_take_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_match_sequence_parking, setup, teardown),
    };
    return cmocka_run_group_tests_name("match", tests, NULL, NULL);
}

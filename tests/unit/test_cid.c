/*
 * test_cid.c -- the rounds of the context-id agreement (runtime/cid.c) as
 * one process sees them, with the other members' offers simulated: the
 * eager first round, the main pool for listed agreements by priority, and
 * the adverse order that once wedged it (an agreement still waiting for a
 * member must never keep the others of its process from offering).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cid.h"

static void setup_map(void)
{
    lark_cid_reset();
    assert_int_equal(lark_cid_reserve(0), LARK_OK);
    assert_int_equal(lark_cid_reserve(1), LARK_OK);
}

static bool offers_any(const uint64_t *offer)
{
    for (int i = 0; i < LARK_CID_WORDS; i++)
        if (offer[i] != 0)
            return true;
    return false;
}

static bool offers(const uint64_t *offer, uint32_t cid)
{
    return (offer[cid / 64] >> (cid % 64)) & 1;
}

static void test_cid_single_agreement_one_round(void **state)
{
    (void)state;
    setup_map();
    struct lark_cid_agreement a = {.key = 5};
    uint64_t offer[LARK_CID_OFFER_WORDS];
    lark_cid_offer(&a, offer);
    assert_true(offers(offer, 2));
    assert_false(offers(offer, 1));
    assert_false(offers(offer, LARK_CID_EAGER)); /* the eager pool only */
    assert_int_equal(offer[LARK_CID_WORDS], 0);
    /* The other members have every id free: the AND is this offer. */
    uint32_t cid = 0;
    int rc = -1;
    assert_true(lark_cid_settle(&a, offer, true, &cid, &rc));
    assert_int_equal(rc, LARK_OK);
    assert_int_equal(cid, 2);
    assert_int_equal(lark_cid_reserve(2), LARK_ERR_AGAIN); /* taken */
}

static void test_cid_second_round_uses_main_pool(void **state)
{
    (void)state;
    setup_map();
    /* X holds the eager pool and waits (its allreduce has not returned). */
    struct lark_cid_agreement x = {.key = 1}, y = {.key = 2};
    uint64_t ox[LARK_CID_OFFER_WORDS], oy[LARK_CID_OFFER_WORDS];
    lark_cid_offer(&x, ox);
    assert_true(offers_any(ox));
    lark_cid_offer(&y, oy);
    assert_false(offers_any(oy)); /* the eager pool is X's */
    uint32_t cid;
    int rc;
    assert_false(lark_cid_settle(&y, oy, true, &cid, &rc)); /* empty: another round */
    lark_cid_offer(&y, oy);
    assert_true(offers(oy, LARK_CID_EAGER));
    assert_false(offers(oy, 2)); /* X offers those: never both */
    assert_int_not_equal(oy[LARK_CID_WORDS], 0);
    assert_true(lark_cid_settle(&y, oy, true, &cid, &rc));
    assert_int_equal(cid, LARK_CID_EAGER);
    assert_true(lark_cid_settle(&x, ox, true, &cid, &rc));
    assert_int_equal(cid, 2);
}

/* Process A runs X (higher priority) and Y in two threads; process B runs
 * Y, then X.  X's first round at A cannot complete before B is done with
 * Y, so A's Y must be able to take an id meanwhile even though X ranks
 * before it. */
static void test_cid_waiting_agreement_blocks_no_one(void **state)
{
    (void)state;
    setup_map();
    struct lark_cid_agreement x = {.key = 1}, y = {.key = 9};
    uint64_t ox[LARK_CID_OFFER_WORDS], oy[LARK_CID_OFFER_WORDS];
    lark_cid_offer(&x, ox); /* X's first round: its allreduce waits for B */
    uint32_t cid = 0;
    int rc;
    bool done = false;
    for (int round = 0; round < 3 && !done; round++) {
        lark_cid_offer(&y, oy);
        /* B offers its whole map in every round of Y. */
        done = lark_cid_settle(&y, oy, true, &cid, &rc);
    }
    assert_true(done);
    assert_int_equal(rc, LARK_OK);
    assert_true(cid >= LARK_CID_EAGER);
    /* B now enters X; X's first round completes and then succeeds. */
    assert_true(lark_cid_settle(&x, ox, true, &cid, &rc));
    assert_int_equal(cid, 2);
}

static void test_cid_listed_by_priority(void **state)
{
    (void)state;
    setup_map();
    struct lark_cid_agreement hi = {.key = 3}, lo = {.key = 7};
    uint64_t oh[LARK_CID_OFFER_WORDS], ol[LARK_CID_OFFER_WORDS], none[LARK_CID_OFFER_WORDS];
    memset(none, 0, sizeof none);
    uint32_t cid;
    int rc;
    /* Both fail their first round (a remote member offered nothing). */
    lark_cid_offer(&hi, oh);
    lark_cid_offer(&lo, ol);
    assert_false(lark_cid_settle(&lo, none, true, &cid, &rc));
    assert_false(lark_cid_settle(&hi, none, true, &cid, &rc));
    /* Listed now: the lower key holds the map, the other offers nothing,
     * whichever asks first. */
    lark_cid_offer(&lo, ol);
    lark_cid_offer(&hi, oh);
    assert_false(offers_any(ol));
    assert_true(offers_any(oh));
    assert_false(lark_cid_settle(&lo, ol, true, &cid, &rc));
    assert_true(lark_cid_settle(&hi, oh, true, &cid, &rc));
    assert_int_equal(cid, 2);
    lark_cid_offer(&lo, ol);
    assert_true(offers_any(ol));
    assert_false(offers(ol, 2));
    assert_true(lark_cid_settle(&lo, ol, true, &cid, &rc));
    assert_int_equal(cid, 3);
}

static void test_cid_exhausted(void **state)
{
    (void)state;
    setup_map();
    for (uint32_t i = 2; i < LARK_CID_MAX; i++)
        assert_int_equal(lark_cid_reserve(i), LARK_OK);
    struct lark_cid_agreement a = {.key = 1};
    uint64_t offer[LARK_CID_OFFER_WORDS];
    uint32_t cid;
    int rc = LARK_OK;
    lark_cid_offer(&a, offer);
    assert_false(lark_cid_settle(&a, offer, true, &cid, &rc)); /* eager round: not conclusive */
    lark_cid_offer(&a, offer);
    assert_true(lark_cid_settle(&a, offer, true, &cid, &rc));
    assert_int_equal(rc, LARK_ERR_NOMEM);
    /* A freed id is found again. */
    lark_cid_release(77);
    struct lark_cid_agreement b = {.key = 1};
    lark_cid_offer(&b, offer);
    assert_true(lark_cid_settle(&b, offer, true, &cid, &rc));
    assert_int_equal(rc, LARK_OK);
    assert_int_equal(cid, 77);
}

/* A nonblocking agreement (MPI_Comm_idup) that holds its pool while its
 * round waits for a member who is computing never keeps a blocking one of
 * the same process from the main pool, whatever their keys; the two
 * pools never offer the same id. */
static void test_cid_nonblocking_pool_apart(void **state)
{
    (void)state;
    setup_map();
    struct lark_cid_agreement nb = {.key = 9, .nonblocking = true}, b = {.key = 1};
    uint64_t on[LARK_CID_OFFER_WORDS], ob[LARK_CID_OFFER_WORDS], none[LARK_CID_OFFER_WORDS];
    memset(none, 0, sizeof none);
    uint32_t cid;
    int rc;
    lark_cid_offer(&nb, on);
    assert_false(lark_cid_settle(&nb, none, true, &cid, &rc)); /* listed now */
    lark_cid_offer(&nb, on);                                   /* its round now waits, pools held */
    assert_true(offers(on, LARK_CID_NB_FIRST));
    assert_true(offers(on, LARK_CID_MAX - 1));
    assert_false(offers(on, LARK_CID_EAGER));
    assert_false(offers(on, LARK_CID_NB_FIRST - 1));
    bool done = false;
    for (int round = 0; round < 3 && !done; round++) {
        lark_cid_offer(&b, ob);
        assert_false(offers(ob, LARK_CID_NB_FIRST)); /* never the nonblocking pool */
        done = lark_cid_settle(&b, ob, true, &cid, &rc);
    }
    assert_true(done);
    assert_int_equal(rc, LARK_OK);
    assert_true(cid >= LARK_CID_EAGER && cid < LARK_CID_NB_FIRST);
    /* The member wakes up: the nonblocking round completes. */
    assert_true(lark_cid_settle(&nb, on, true, &cid, &rc));
    assert_int_equal(rc, LARK_OK);
    assert_int_equal(cid, 2);
    /* Two listed nonblocking agreements: the lower key holds their pool. */
    struct lark_cid_agreement x = {.key = 4, .nonblocking = true},
                              y = {.key = 3, .nonblocking = true};
    uint64_t ox[LARK_CID_OFFER_WORDS], oy[LARK_CID_OFFER_WORDS];
    lark_cid_offer(&x, ox);
    lark_cid_offer(&y, oy);
    assert_false(lark_cid_settle(&x, none, true, &cid, &rc));
    assert_false(lark_cid_settle(&y, none, true, &cid, &rc));
    lark_cid_offer(&x, ox);
    lark_cid_offer(&y, oy);
    assert_false(offers_any(ox));
    assert_true(offers(oy, LARK_CID_NB_FIRST));
    assert_true(lark_cid_settle(&y, oy, true, &cid, &rc));
    assert_false(lark_cid_settle(&x, ox, true, &cid, &rc));
}

static void test_cid_describe_names_keys(void **state)
{
    (void)state;
    setup_map();
    struct lark_cid_agreement x = {.key = 0x1234}, y = {.key = 0x99};
    uint64_t o[LARK_CID_OFFER_WORDS], none[LARK_CID_OFFER_WORDS];
    memset(none, 0, sizeof none);
    uint32_t cid;
    int rc;
    lark_cid_offer(&x, o);
    lark_cid_offer(&y, o);
    lark_cid_settle(&y, none, true, &cid, &rc);
    lark_cid_offer(&y, o);
    char buf[256];
    lark_cid_describe(&y, buf, sizeof buf);
    assert_non_null(strstr(buf, "0x99 (holds the map)"));
    assert_non_null(strstr(buf, "0x1234 (round 0) holds the eager pool"));
    lark_cid_describe(&y, buf, 16); /* truncated, still a string */
    assert_int_equal(strlen(buf), 15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cid_single_agreement_one_round),
        cmocka_unit_test(test_cid_second_round_uses_main_pool),
        cmocka_unit_test(test_cid_waiting_agreement_blocks_no_one),
        cmocka_unit_test(test_cid_listed_by_priority),
        cmocka_unit_test(test_cid_exhausted),
        cmocka_unit_test(test_cid_nonblocking_pool_apart),
        cmocka_unit_test(test_cid_describe_names_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_tcp_iface.c -- the TCP transport's addresses on their own
 * (transports/tcp/iface.c): the text form that travels through PMIx, for
 * IPv4 and IPv6 (parsed back, and the malformed forms refused), subnets of
 * either family, and interface selection lists with names, CIDR ranges
 * and single addresses.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iface.h"

static struct lark_tcp_ip ip(const char *text)
{
    struct lark_tcp_ip a = {0};
    a.family = strchr(text, ':') ? AF_INET6 : AF_INET;
    assert_int_equal(inet_pton(a.family, text, a.b), 1);
    return a;
}

/* Format an address, check the text, parse it back. */
static void round_trip(const char *addr, int bits, int port, const char *text)
{
    char buf[LARK_TCP_ADDR_STRLEN];
    struct lark_tcp_ip a = ip(addr), b;
    int bits2, port2;
    lark_tcp_addr_format(&a, bits, port, buf, sizeof buf);
    if (text != NULL)
        assert_string_equal(buf, text);
    assert_int_equal(lark_tcp_addr_parse(buf, &b, &bits2, &port2), 0);
    assert_int_equal(b.family, a.family);
    assert_memory_equal(a.b, b.b, sizeof a.b);
    assert_int_equal(bits2, bits);
    assert_int_equal(port2, port);
}

static void test_tcp_iface_addr_round_trip(void **state)
{
    (void)state;
    round_trip("10.1.2.3", 16, 4000, "10.1.2.3/16:4000");
    round_trip("fd00:1::2", 64, 65535, "[fd00:1::2]/64:65535");
    /* The longest one fits. */
    round_trip("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 128, 65535, NULL);
}

static void test_tcp_iface_addr_malformed(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "10.1.2.3",
        "10.1.2.3:80",
        "10.1.2.3/33:80",
        "10.1.2.3/16:0",
        "10.1.2.3/16:65536",
        "10.1.2.3/16:80x",
        "10.1.2.3/:80",
        "fd00::2/64:80",
        "[fd00::2]:80",
        "[fd00::2]/129:80",
        "[fd00::2/64:80",
        "[10.1.2.3]/16:80",
        "[nothing]/64:80",
        "host/16:80",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct lark_tcp_ip a;
        int bits, port;
        if (lark_tcp_addr_parse(bad[i], &a, &bits, &port) != -1)
            fail_msg("'%s' was accepted", bad[i]);
    }
}

static void test_tcp_iface_same_net(void **state)
{
    (void)state;
    struct lark_tcp_ip a = ip("10.213.0.1"), b = ip("10.213.7.9"), c = ip("fd00:5::1"),
                       d = ip("fd00:5::2"), e = ip("fd00:6::2");
    assert_true(lark_tcp_ip_same_net(&a, &b, 16));
    assert_false(lark_tcp_ip_same_net(&a, &b, 24));
    assert_true(lark_tcp_ip_same_net(&c, &d, 64));
    assert_true(lark_tcp_ip_same_net(&c, &e, 16));
    assert_true(lark_tcp_ip_same_net(&c, &e, 30));
    assert_false(lark_tcp_ip_same_net(&c, &e, 31));
    assert_false(lark_tcp_ip_same_net(&c, &e, 64));
    assert_false(lark_tcp_ip_same_net(&a, &c, 0)); /* families never mix */
    assert_false(lark_tcp_ip_same_net(&a, &b, 33));
    struct lark_tcp_ip lo4 = ip("127.0.0.1"), lo6 = ip("::1"), any6 = ip("::");
    assert_true(lark_tcp_ip_loopback(&lo4));
    assert_true(lark_tcp_ip_loopback(&lo6));
    assert_false(lark_tcp_ip_loopback(&any6));
    assert_false(lark_tcp_ip_loopback(&c));
}

static void test_tcp_iface_match(void **state)
{
    (void)state;
    const char *bad = NULL;
    struct lark_tcp_ip v4 = ip("10.1.0.7"), v6 = ip("fd00:9::7"), lo6 = ip("::1");
    assert_true(lark_tcp_if_match("eth*", "eth1", &v4, &bad));
    assert_false(lark_tcp_if_match("eth*", "lo", &v4, &bad));
    assert_true(lark_tcp_if_match("10.1.0.0/16", "x", &v4, &bad));
    assert_false(lark_tcp_if_match("10.1.0.0/16", "x", &v6, &bad));
    assert_true(lark_tcp_if_match("docker0, fd00::/8", "x", &v6, &bad));
    assert_true(lark_tcp_if_match("[fd00:9::]/32", "x", &v6, &bad));
    assert_false(lark_tcp_if_match("fd00:8::/32", "x", &v6, &bad));
    assert_true(lark_tcp_if_match("::1", "lo", &lo6, &bad));
    assert_true(lark_tcp_if_match("[::1]", "lo", &lo6, &bad));
    assert_false(lark_tcp_if_match("::1", "lo", &v6, &bad));
    assert_true(lark_tcp_if_match("10.1.0.7", "x", &v4, &bad));
    assert_null(bad);
    assert_false(lark_tcp_if_match("fd00::/129", "x", &v6, &bad));
    assert_non_null(bad);
    assert_non_null(strstr(bad, "CIDR"));
    bad = NULL;
    assert_false(lark_tcp_if_match("10.1.0.0/x", "x", &v4, &bad));
    assert_non_null(bad);
}

static void test_tcp_iface_sockaddr(void **state)
{
    (void)state;
    union lark_tcp_sa sa;
    char buf[64];
    struct lark_tcp_ip a = ip("fd00::5"), b;
    int port;
    assert_int_equal(lark_tcp_sa_make(&sa, &a, 99), sizeof(struct sockaddr_in6));
    assert_string_equal(lark_tcp_sa_str(&sa, buf, sizeof buf), "[fd00::5]:99");
    lark_tcp_sa_ip(&sa, &b, &port);
    assert_memory_equal(&a, &b, sizeof a);
    assert_int_equal(port, 99);
    /* An IPv4 caller on a dual-stack socket reads as IPv4. */
    a = ip("::ffff:10.0.0.1");
    lark_tcp_sa_make(&sa, &a, 7);
    assert_string_equal(lark_tcp_sa_str(&sa, buf, sizeof buf), "10.0.0.1:7");
    a = ip("10.0.0.2");
    assert_int_equal(lark_tcp_sa_make(&sa, &a, 8), sizeof(struct sockaddr_in));
    assert_string_equal(lark_tcp_sa_str(&sa, buf, sizeof buf), "10.0.0.2:8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_iface_addr_round_trip),
        cmocka_unit_test(test_tcp_iface_addr_malformed),
        cmocka_unit_test(test_tcp_iface_same_net),
        cmocka_unit_test(test_tcp_iface_match),
        cmocka_unit_test(test_tcp_iface_sockaddr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

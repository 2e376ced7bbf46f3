/* test_check_present.c - the present hosts (listed hosts that sent
 * something) are found by address before and after ws_checker_finish sorts
 * them: each at its place in address order (IPv4 before IPv6, then the
 * bytes in network order, as ws_addr_cmp orders them), an address not
 * present found nowhere. specification: src/check/check_int.h
 * (ws_checker_present), doc/rules.md ("Site inventory"); fixtures
 * tests/data/check/testco.json and site-v6.json. */
#include "check/check_int.h"
#include "test_check_util.h"

#define TC_SITE_V6 WS_SOURCE_DIR "/tests/data/check/site-v6.json"

/* A UDP datagram from src to an unlisted host, unanswered: src present. */
static void sent(tc_env *e, uint64_t id, const char *src)
{
    ws_flow f = tc_flow(id, 17, src, 40000, src[0] == '1' ? OUT1 : "2001:db8:ff::1", 9999,
                        TC_UNANSWERED);
    if (src[0] != '1')
        f.ip_version = 6;
    tc_run(e, &f, NULL);
}

/* The present host of address s, or NULL. */
static const ws_host *present(const tc_env *e, const char *s)
{
    ws_addr a = tc_addr(s);
    return ws_checker_present(e->c, &a);
}

/* Present hosts in the order they send, and in address order (by hand:
 * family 4 first; 10.0.0.1 < 10.0.2.10 < 10.0.3.5 < 10.0.3.200; then the
 * 16 bytes: 2001:db8:0:0:: < 2001:db8:0:1:: < 2001:db8:0:2::, and within
 * 2001:db8::/64 ::5 < ::1:0:0:0 < ::ffff:0:0:1, which differ in their last
 * 8 bytes only). */
static const char *const SENT[] = {
    "2001:db8::ffff:0:0:1", "10.0.3.200", "2001:db8:0:2::10", "10.0.2.10",
    "2001:db8:0:1::1",      "2001:db8::5", "10.0.0.1",        "2001:db8::1:0:0:0",
    "10.0.3.5",
};
static const char *const SORTED[] = {
    "10.0.0.1",    "10.0.2.10",         "10.0.3.5",             "10.0.3.200",
    "2001:db8::5", "2001:db8::1:0:0:0", "2001:db8::ffff:0:0:1", "2001:db8:0:1::1",
    "2001:db8:0:2::10",
};
#define N_SENT (sizeof(SENT) / sizeof(SENT[0]))

/* Addresses never present: unlisted (it sent), listed but silent, equal
 * to a present one in the first 8 bytes or in the last 8. */
static const char *const ABSENT[] = {
    OUT1, "10.0.3.6", "2001:db8::7", "2001:db8:0:1::5", "2001:db8:0:3:ffff:0:0:1",
};

static void check_absent(const tc_env *e)
{
    for (size_t i = 0; i < sizeof(ABSENT) / sizeof(ABSENT[0]); i++)
        CU_ASSERT_PTR_NULL(present(e, ABSENT[i]));
}

static void run_hosts(bool with_host_memo)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open_site(&e, TC_SITE_V6));
    if (!with_host_memo)
        ws_checker_set_memo(e.c, CHECK_MEMO_SLOTS, 0);
    for (size_t i = 0; i < N_SENT; i++) {
        sent(&e, i + 1, SENT[i]);
        sent(&e, 100 + i, SENT[i]); /* a second time: still one host */
    }
    CU_ASSERT_EQUAL(e.c->n_present, N_SENT);
    /* before the end: in the order they came */
    for (size_t i = 0; i < N_SENT; i++) {
        const ws_host *h = present(&e, SENT[i]);
        CU_ASSERT_PTR_EQUAL(h, &e.c->present[i]);
        CU_ASSERT(h && tc_addr_is(&h->addr, SENT[i]));
    }
    check_absent(&e);
    ws_checker_finish(e.c, NULL, 0);
    /* after: sorted, and each found at its new place */
    CU_ASSERT_EQUAL(e.c->n_present, N_SENT);
    for (size_t i = 0; i < N_SENT; i++) {
        CU_ASSERT(tc_addr_is(&e.c->present[i].addr, SORTED[i]));
        const ws_host *h = present(&e, SORTED[i]);
        CU_ASSERT_PTR_EQUAL(h, &e.c->present[i]);
        CU_ASSERT(h && h->entry != NULL);
    }
    check_absent(&e);
    tc_close(&e);
}

static void test_found_before_and_after_sort(void) { run_hosts(true); }
static void test_without_host_memo(void) { run_hosts(false); }

/* 254 endpoints of 10.0.3.0/24 in a scrambled order (x -> x * 97 mod 255,
 * 97 prime to 255, a permutation of 1..254): the index grows several times
 * on the way; after the sort 10.0.3.x is host x - 1. */
static void test_many_hosts(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open_site(&e, TC_SITE_V6));
    char s[32];
    for (unsigned i = 1; i <= 254; i++) {
        snprintf(s, sizeof(s), "10.0.3.%u", i * 97 % 255);
        sent(&e, i, s);
    }
    CU_ASSERT_EQUAL_FATAL(e.c->n_present, 254);
    ws_checker_finish(e.c, NULL, 0);
    for (unsigned x = 1; x <= 254; x++) {
        snprintf(s, sizeof(s), "10.0.3.%u", x);
        const ws_host *h = present(&e, s);
        CU_ASSERT_PTR_EQUAL(h, &e.c->present[x - 1]);
        CU_ASSERT(tc_addr_is(&e.c->present[x - 1].addr, s));
    }
    CU_ASSERT_PTR_NULL(present(&e, "10.0.3.0"));
    CU_ASSERT_PTR_NULL(present(&e, "10.0.3.255"));
    tc_close(&e);
}

/* No host ever present: nothing found, before or after. */
static void test_none_present(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open_site(&e, TC_SITE_V6));
    sent(&e, 1, OUT1);
    CU_ASSERT_PTR_NULL(present(&e, OUT1));
    CU_ASSERT_PTR_NULL(present(&e, "10.0.0.1"));
    ws_checker_finish(e.c, NULL, 0);
    CU_ASSERT_EQUAL(e.c->n_present, 0);
    CU_ASSERT_PTR_NULL(present(&e, "10.0.0.1"));
    tc_close(&e);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"found in arrival order, then in address order", test_found_before_and_after_sort},
        {"the same without the host memo", test_without_host_memo},
        {"254 hosts: each at its rank after the sort", test_many_hosts},
        {"none present", test_none_present},
        {NULL, NULL},
    };
    ws_test_suite("check_present", cases);
    return ws_test_run();
}

/* test_check_text.c - the words findings are made of: addresses as
 * inet_ntop writes them, a rule's source ("Section / Table / Row"), a host
 * with its roles and label, each cut as snprintf cuts (len - 1 characters
 * and a NUL).
 * specification: inet_ntop (POSIX.1-2017; IPv4: four decimal numbers
 * without leading zeros; IPv6: RFC 5952), snprintf (C11 7.21.6.5), the
 * testco fixtures (tests/data/check/testco.json, site.json). */
#include <arpa/inet.h>
#include <stdio.h>

#include "test_check_util.h"

static const char *addr_text(const char *s)
{
    static char buf[WS_ADDR_STRLEN];
    ws_addr a = tc_addr(s);
    memset(buf, 'x', sizeof(buf));
    return ws_check_addr_text(&a, buf);
}

static void test_addresses(void)
{
    const char *const v4[] = {"0.0.0.0",    "255.255.255.255", "10.0.0.1",  "192.168.100.9",
                              "1.20.255.0", "100.10.1.99",     "9.99.199.0"};
    for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++)
        CU_ASSERT_STRING_EQUAL(addr_text(v4[i]), v4[i]);
    /* every octet value, against inet_ntop */
    for (unsigned v = 0; v < 256; v++) {
        uint8_t b[4] = {(uint8_t)v, (uint8_t)(255 - v), (uint8_t)(v / 3), (uint8_t)(v * 7)};
        ws_addr a;
        memset(&a, 0, sizeof(a));
        ws_addr_set4(&a, b);
        char want[INET_ADDRSTRLEN], got[WS_ADDR_STRLEN];
        CU_ASSERT_PTR_NOT_NULL(inet_ntop(AF_INET, b, want, sizeof(want)));
        CU_ASSERT_STRING_EQUAL(ws_check_addr_text(&a, got), want);
    }
    /* IPv6 in RFC 5952's form */
    CU_ASSERT_STRING_EQUAL(addr_text("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
    CU_ASSERT_STRING_EQUAL(addr_text("::ffff:192.0.2.1"), "::ffff:192.0.2.1");
}

/* Every length from 0 to past the whole text: what snprintf would write. */
static void cut_like_snprintf(const char *whole, char *(*make)(void *, char *, size_t),
                              void *ctx)
{
    char got[300], want[300];
    size_t n = strlen(whole);
    for (size_t len = 0; len <= n + 2 && len < sizeof(got); len++) {
        memset(got, 'x', sizeof(got));
        memset(want, 'x', sizeof(want));
        make(ctx, got, len);
        snprintf(want, len, "%s", whole);
        CU_ASSERT(!memcmp(got, want, len));
        CU_ASSERT_EQUAL(got[len], 'x'); /* nothing past len */
    }
}

static char *source_of(void *ctx, char *buf, size_t len)
{
    return ws_source_text(ctx, buf, len);
}

static void test_source(void)
{
    ws_source_ref all = {"Section 2", "Table 4", "Row 7"}, no_table = {"S", NULL, "R"},
                  only_table = {NULL, "T", NULL}, none = {NULL, NULL, NULL};
    char buf[200];
    CU_ASSERT_STRING_EQUAL(ws_source_text(&all, buf, sizeof(buf)), "Section 2 / Table 4 / Row 7");
    CU_ASSERT_STRING_EQUAL(ws_source_text(&no_table, buf, sizeof(buf)), "S / R");
    CU_ASSERT_STRING_EQUAL(ws_source_text(&only_table, buf, sizeof(buf)), " / T");
    CU_ASSERT_STRING_EQUAL(ws_source_text(&none, buf, sizeof(buf)), "");
    cut_like_snprintf("Section 2 / Table 4 / Row 7", source_of, &all);
    cut_like_snprintf("S / R", source_of, &no_table);
}

typedef struct host_ctx {
    const ws_host *h;
    const ws_ruleset *rs;
} host_ctx;

static char *host_of(void *ctx, char *buf, size_t len)
{
    host_ctx *x = ctx;
    return ws_host_text(x->h, x->rs, buf, len);
}

static void test_hosts(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    const char *addrs[] = {NODE_A, CLIENT, OUT1};
    const char *want[] = {"10.0.0.1 (testco-node, node-a)", "10.0.3.5 (endpoint, clients)",
                          "192.0.2.7 (unlisted)"};
    for (int i = 0; i < 3; i++) {
        ws_host h;
        ws_addr a = tc_addr(addrs[i]);
        ws_checker_host(e.c, &a, &h);
        char buf[256];
        CU_ASSERT_STRING_EQUAL(ws_host_text(&h, e.rs, buf, sizeof(buf)), want[i]);
        host_ctx x = {&h, e.rs};
        cut_like_snprintf(want[i], host_of, &x);
    }
    tc_close(&e);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"addresses as inet_ntop writes them", test_addresses},
        {"a rule's source, cut as snprintf cuts", test_source},
        {"a host with roles and label, cut as snprintf cuts", test_hosts},
        {NULL, NULL},
    };
    ws_test_suite("check_text", cases);
    return ws_test_run();
}

/* test_rules_index.c - the index of rules by transport and destination port:
 * the candidates it gives for a port are exactly the rules of the fixture
 * whose ports hold it (and those without ports), in load order, and a match
 * through it answers as the plain scan of every rule does (rule, reversed,
 * nearest rule and reason), on the fixture and on every shipped pack.
 * specification: doc/rules.md ("Which rules a flow may use"); fixture
 * tests/data/rules/match.json, whose dport lists the expected lists below
 * are read from. */
#include <string.h>

#include "rules/rules.h"
#include "ws_test.h"

enum { P_ICMP = 1, P_TCP = 6, P_UDP = 17, P_GRE = 47, P_ESP = 50 };

static ws_ruleset *load(const char *path, bool dir)
{
    ws_ruleset *rs = ws_ruleset_new(NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    ws_diag d;
    ws_diag_init(&d);
    CU_ASSERT_TRUE_FATAL(dir ? ws_ruleset_load_dir(rs, path, &d) : ws_ruleset_load(rs, path, &d));
    CU_ASSERT_TRUE_FATAL(ws_ruleset_finish(rs, &d));
    ws_diag_free(&d);
    return rs;
}

static ws_ruleset *fixture(void)
{
    return load(WS_SOURCE_DIR "/tests/data/rules/match.json", false);
}

/* The candidate ids for proto/dport, space-separated. */
static const char *candidates(const ws_ruleset *rs, const ws_rules_index *ix, uint8_t proto,
                              uint16_t dport, char *buf, size_t len)
{
    size_t n;
    const ws_rule *const *c = ws_rules_index_candidates(rs, ix, proto, dport, &n);
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", used ? " " : "", c[i]->id);
    }
    return buf;
}

#define CANDIDATES(want, proto, port)                                               \
    CU_ASSERT_STRING_EQUAL(candidates(rs, ix, proto, port, buf, sizeof(buf)), want)

static void test_candidates(void)
{
    ws_ruleset *rs = fixture();
    ws_rules_index *ix = ws_rules_index_new(rs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ix);
    char buf[512];
    /* tcp: mt-any holds every port; mt-first 7000-7010 and mt-second 7005 */
    CANDIDATES("mt-any", P_TCP, 0);
    CANDIDATES("mt-any mt-first", P_TCP, 7000);
    CANDIDATES("mt-any mt-first mt-second", P_TCP, 7005);
    CANDIDATES("mt-any mt-first", P_TCP, 7006);
    CANDIDATES("mt-any mt-first", P_TCP, 7010);
    CANDIDATES("mt-any", P_TCP, 7011);
    CANDIDATES("mt-any", P_TCP, 39999);
    CANDIDATES("mt-range mt-any", P_TCP, 40000);
    CANDIDATES("mt-range mt-any", P_TCP, 49999);
    CANDIDATES("mt-any", P_TCP, 50000);
    CANDIDATES("mt-any mt-exact", P_TCP, 443);
    CANDIDATES("mt-any mt-sip", P_TCP, 5060);
    CANDIDATES("mt-any", P_TCP, 65535);
    /* udp: 53 twice (mt-list, mt-dns), the variable's 20000-20999, nothing else */
    CANDIDATES("mt-list mt-dns", P_UDP, 53);
    CANDIDATES("mt-list", P_UDP, 123);
    CANDIDATES("", P_UDP, 124);
    CANDIDATES("mt-list", P_UDP, 162);
    CANDIDATES("", P_UDP, 19999);
    CANDIDATES("mt-var", P_UDP, 20000);
    CANDIDATES("mt-var", P_UDP, 20999);
    CANDIDATES("", P_UDP, 21000);
    CANDIDATES("mt-ike", P_UDP, 500);
    CANDIDATES("mt-sip", P_UDP, 5060);
    CANDIDATES("", P_UDP, 65535);
    /* transports without ports: every rule, whatever the port */
    CANDIDATES("mt-esp", P_ESP, 0);
    CANDIDATES("mt-esp", P_ESP, 443);
    CANDIDATES("mt-icmp", P_ICMP, 8);
    CANDIDATES("mt-gre", P_GRE, 0);
    CANDIDATES("", 132, 5060);
    /* without an index: every rule of the transport */
    CU_ASSERT_STRING_EQUAL(candidates(rs, NULL, P_UDP, 124, buf, sizeof(buf)),
                           "mt-list mt-var mt-ike mt-sip mt-dns");
    ws_rules_index_free(ix);
    ws_ruleset_free(rs);
}

/* xorshift64: a fixed sequence of queries */
static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void random_roles(const ws_ruleset *rs, ws_roleset *r, uint64_t *seed)
{
    memset(r, 0, sizeof(*r));
    ws_roleset_add(r, WS_ROLE_ANY);
    size_t nroles = ws_ruleset_nroles(rs);
    unsigned k = (unsigned)(next(seed) % 3);
    for (unsigned i = 0; i < k && nroles > 1; i++)
        ws_roleset_add(r, (unsigned)(1 + next(seed) % (nroles - 1)));
}

/* Same answer with and without the index, for n queries on ports drawn
 * around every edge and at random; returns the number of differences. */
static size_t compare(const ws_ruleset *rs, size_t n, uint64_t seed)
{
    ws_rules_index *ix = ws_rules_index_new(rs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ix);
    static const uint8_t protos[] = {P_TCP, P_UDP, P_ESP, P_ICMP, P_GRE, 132};
    static const char *const names[] = {"api.prysm.com", "onsight.librestream.com",
                                        "streaming-eu1.cloud.prysm.com", "x.example"};
    size_t diffs = 0;
    for (size_t i = 0; i < n; i++) {
        ws_roleset src, dst;
        random_roles(rs, &src, &seed);
        random_roles(rs, &dst, &seed);
        const char *sn[1] = {names[next(&seed) % 4]}, *dn[1] = {names[next(&seed) % 4]};
        uint64_t r = next(&seed);
        uint16_t dport = (uint16_t)(r % 5 == 0 ? r >> 16 : (r >> 16) % 1024);
        if (r % 7 == 0)
            dport = (uint16_t)(40000 + (r >> 20) % 10001); /* media ranges and their edges */
        ws_match_query q = {
            .src_roles = &src, .dst_roles = &dst,
            .proto = protos[next(&seed) % 6],
            .sport = (uint16_t)next(&seed), .dport = dport,
            .src_names = sn, .n_src_names = next(&seed) % 2,
            .dst_names = dn, .n_dst_names = next(&seed) % 2,
            .try_reversed = next(&seed) % 2, .any_sport = next(&seed) % 4 == 0,
        };
        ws_match a, b;
        bool ra = ws_rules_match(rs, &q, &a), rb = ws_rules_match_ix(rs, ix, &q, &b);
        if (ra != rb || a.rule != b.rule || a.reversed != b.reversed || a.near != b.near ||
            a.miss != b.miss)
            diffs++;
    }
    ws_rules_index_free(ix);
    return diffs;
}

static void test_same_as_scan_fixture(void)
{
    ws_ruleset *rs = fixture();
    CU_ASSERT_EQUAL(compare(rs, 200000, 0x9e3779b97f4a7c15ULL), 0);
    ws_ruleset_free(rs);
}

static void test_same_as_scan_shipped_packs(void)
{
    ws_ruleset *rs = load(WS_SOURCE_DIR "/rules", true);
    CU_ASSERT_EQUAL(compare(rs, 200000, 0x2545f4914f6cdd1dULL), 0);
    ws_ruleset_free(rs);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"candidates by transport and port", test_candidates},
        {"same answers as the plain scan: fixture", test_same_as_scan_fixture},
        {"same answers as the plain scan: shipped packs", test_same_as_scan_shipped_packs},
        {NULL, NULL},
    };
    ws_test_suite("rules index", cases);
    return ws_test_run();
}

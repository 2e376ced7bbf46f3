/* test_rules_match.c - the matcher: which rule allows a flow, and when none
 * does, the nearest rule and what it lacks.
 * specification: doc/rules.md ("Rules", "Names", "Variables", "Which rules a
 * flow may use"); fixtures tests/data/rules/match.json and match2.json, whose
 * rule descriptions say what each one exercises */
#include <string.h>

#include "rules/rules.h"
#include "ws_test.h"

/* IANA protocol numbers */
enum { P_ICMP = 1, P_TCP = 6, P_UDP = 17, P_GRE = 47, P_ESP = 50, P_ICMPV6 = 58, P_SCTP = 132 };

/* Loads the named fixtures (in order) and finishes; asserts no message. */
static ws_ruleset *fixture(const char *first, const char *second)
{
    ws_ruleset *rs = ws_ruleset_new(NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    ws_diag d;
    ws_diag_init(&d);
    const char *files[2] = {first, second};
    for (int i = 0; i < 2; i++) {
        if (!files[i])
            continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/tests/data/rules/%s", WS_SOURCE_DIR, files[i]);
        CU_ASSERT_TRUE_FATAL(ws_ruleset_load(rs, path, &d));
    }
    CU_ASSERT_TRUE_FATAL(ws_ruleset_finish(rs, &d));
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "\n%s", d.msg[i]);
    CU_ASSERT_EQUAL(d.n, 0);
    ws_diag_free(&d);
    return rs;
}

/* A host's roles as a site gives them: "any" plus the space-separated names. */
static ws_roleset roles(const ws_ruleset *rs, const char *names)
{
    ws_roleset s;
    memset(&s, 0, sizeof(s));
    ws_roleset_add(&s, WS_ROLE_ANY);
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", names);
    for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        int id = ws_ruleset_role_id(rs, t);
        CU_ASSERT_FATAL(id > 0);
        ws_roleset_add(&s, (unsigned)id);
    }
    return s;
}

typedef struct flow {
    const char *from, *to;  /* role names of initiator and responder */
    uint8_t proto;
    uint16_t sport, dport;
    const char *dst_name;   /* one learned name of the responder, or NULL */
    bool try_reversed, any_sport;
} flow;

/* The id of the rule that allows f ("-" when none), with m filled. */
static const char *match(const ws_ruleset *rs, const flow *f, ws_match *m)
{
    ws_roleset src = roles(rs, f->from), dst = roles(rs, f->to);
    const char *names[1] = {f->dst_name};
    ws_match_query q = {
        .src_roles = &src, .dst_roles = &dst, .proto = f->proto,
        .sport = f->sport, .dport = f->dport,
        .dst_names = names, .n_dst_names = f->dst_name ? 1 : 0,
        .try_reversed = f->try_reversed, .any_sport = f->any_sport,
    };
    bool ok = ws_rules_match(rs, &q, m);
    CU_ASSERT_EQUAL(ok, m->rule != NULL);
    return m->rule ? m->rule->id : "-";
}

/* Asserts that f is allowed by want ("-": not allowed). */
static void allows(const ws_ruleset *rs, const char *want, const flow *f, int line)
{
    ws_match m;
    const char *got = match(rs, f, &m);
    if (strcmp(got, want))
        fprintf(stderr, "\nline %d: %s -> %s proto %u %u->%u: want %s, got %s\n", line,
                f->from, f->to, f->proto, f->sport, f->dport, want, got);
    CU_ASSERT_STRING_EQUAL(got, want);
}
#define ALLOWS(rs, want, from, to, proto, sp, dp)                                     \
    allows(rs, want, &(flow){from, to, proto, sp, dp, NULL, false, false}, __LINE__)
#define ALLOWS_N(rs, want, from, to, proto, sp, dp, name)                             \
    allows(rs, want, &(flow){from, to, proto, sp, dp, name, false, false}, __LINE__)

/* Asserts that f is not allowed, and that the nearest rule is near (NULL:
 * none) for the reason miss. */
static void misses(const ws_ruleset *rs, const flow *f, const char *near, ws_miss miss,
                   int line)
{
    ws_match m;
    const char *got = match(rs, f, &m);
    const char *got_near = m.near ? m.near->id : "(none)";
    bool ok = !strcmp(got, "-") && !strcmp(got_near, near ? near : "(none)") &&
              m.miss == miss;
    if (!ok)
        fprintf(stderr, "\nline %d: allowed by %s, near %s, miss %d (want near %s, miss %d)\n",
                line, got, got_near, (int)m.miss, near ? near : "(none)", (int)miss);
    CU_ASSERT(ok);
    CU_ASSERT_FALSE(m.reversed);
}
#define MISSES(rs, near, miss, from, to, proto, sp, dp)                              \
    misses(rs, &(flow){from, to, proto, sp, dp, NULL, false, false}, near, miss, __LINE__)
#define MISSES_N(rs, near, miss, from, to, proto, sp, dp, name)                       \
    misses(rs, &(flow){from, to, proto, sp, dp, name, false, false}, near, miss, __LINE__)

/* ---- ports ---------------------------------------------------------------- */

static void test_port_range(void)
{
    ws_ruleset *rs = fixture("match.json", NULL);
    /* mt-range: 40000-49999, inclusive at both ends */
    ALLOWS(rs, "mt-range", "client", "server", P_TCP, 50000, 40000);
    ALLOWS(rs, "mt-range", "client", "server", P_TCP, 50000, 49999);
    ALLOWS(rs, "mt-range", "client", "server", P_TCP, 50000, 45000);
    ALLOWS(rs, "-", "client", "server", P_TCP, 50000, 39999);
    ALLOWS(rs, "-", "client", "server", P_TCP, 50000, 50000);
    /* the same port on udp is not the tcp rule's */
    ALLOWS(rs, "-", "client", "server", P_UDP, 50000, 40000);
    ws_ruleset_free(rs);
}

static void test_port_list(void)
{
    ws_ruleset *rs = fixture("match.json", NULL);
    /* mt-list: 53, "123", "161-162" */
    static const struct { uint16_t port; bool ok; } t[] = {
        {53, true}, {123, true}, {161, true}, {162, true},
        {52, false}, {54, false}, {122, false}, {124, false}, {160, false}, {163, false},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        ALLOWS(rs, t[i].ok ? "mt-list" : "-", "client", "server", P_UDP, 40001, t[i].port);
    ws_ruleset_free(rs);
}

static void test_port_any(void)
{
    ws_ruleset *rs = fixture("match.json", NULL);
    /* mt-any: "any" is every port 0-65535 */
    ALLOWS(rs, "mt-any", "client", "peer-a", P_TCP, 1, 0);
    ALLOWS(rs, "mt-any", "client", "peer-a", P_TCP, 1, 65535);
    ALLOWS(rs, "mt-any", "client", "peer-a", P_TCP, 1, 3389);
    /* but only to peer-a */
    ALLOWS(rs, "-", "client", "peer-b", P_TCP, 1, 3389);
    ws_ruleset_free(rs);
}

static void test_variable(void)
{
    ws_ruleset *rs = fixture("match.json", NULL);
    /* the pack's value of $media: 20000-20999 */
    ALLOWS(rs, "mt-var", "client", "server", P_UDP, 5000, 20000);
    ALLOWS(rs, "mt-var", "client", "server", P_UDP, 5000, 20999);
    ALLOWS(rs, "-", "client", "server", P_UDP, 5000, 19999);
    ALLOWS(rs, "-", "client", "server", P_UDP, 5000, 21000);
    /* a site narrows it to 21000-21099 (a different range, so both edges move) */
    ws_port_range r = {21000, 21099};
    ws_portset ps = {&r, 1};
    CU_ASSERT_EQUAL(ws_ruleset_set_variable(rs, "media", &ps), 1);
    ws_diag d;
    ws_diag_init(&d);
    CU_ASSERT_TRUE(ws_ruleset_finish(rs, &d));
    CU_ASSERT_EQUAL(d.n, 0);
    ws_diag_free(&d);
    ALLOWS(rs, "-", "client", "server", P_UDP, 5000, 20000);
    ALLOWS(rs, "-", "client", "server", P_UDP, 5000, 20999);
    ALLOWS(rs, "mt-var", "client", "server", P_UDP, 5000, 21000);
    ALLOWS(rs, "mt-var", "client", "server", P_UDP, 5000, 21099);
    ALLOWS(rs, "-", "client", "server", P_UDP, 5000, 21100);
    /* a name no pack declares sets nothing */
    CU_ASSERT_EQUAL(ws_ruleset_set_variable(rs, "nope", &ps), 0);
    CU_ASSERT_EQUAL(ws_ruleset_set_variable(rs, "mt.nope", &ps), 0);
    CU_ASSERT_EQUAL(ws_ruleset_set_variable(rs, "other.media", &ps), 0);
    ws_ruleset_free(rs);
}

/* "NAME" overrides the variable in every pack declaring it, "PACK.NAME" in one. */
static void test_variable_per_pack(void)
{
    ws_ruleset *rs = fixture("match.json", "match2.json");
    ws_port_range r1 = {30000, 30009};
    ws_portset ps1 = {&r1, 1};
    CU_ASSERT_EQUAL(ws_ruleset_set_variable(rs, "media", &ps1), 2);
    ws_port_range r2 = {31000, 31009};
    ws_portset ps2 = {&r2, 1};
    CU_ASSERT_EQUAL(ws_ruleset_set_variable(rs, "mt2.media", &ps2), 1);
    ws_diag d;
    ws_diag_init(&d);
    CU_ASSERT_TRUE(ws_ruleset_finish(rs, &d));
    ws_diag_free(&d);
    /* mt: 30000-30009; mt2: 31000-31009 */
    ALLOWS(rs, "mt-var", "client", "server", P_UDP, 5000, 30005);
    ALLOWS(rs, "mt2-var", "client", "server", P_UDP, 5000, 31005);
    ALLOWS(rs, "-", "client", "server", P_UDP, 5000, 20500);
    const ws_pack *p = ws_ruleset_pack(rs, "mt2");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_TRUE(p->vars[0].overridden);
    ws_ruleset_free(rs);
}

/* ---- roles and direction --------------------------------------------------- */

static void test_roles(void)
{
    ws_ruleset *rs = fixture("match.json", NULL);
    /* a host with several roles may use the rules of each */
    ALLOWS(rs, "mt-range", "peer-b client", "server", P_TCP, 50000, 40000);
    ALLOWS(rs, "mt-ike", "peer-a", "client peer-b", P_UDP, 500, 500);
    ALLOWS(rs, "mt-any", "admin client", "dns-server peer-a", P_TCP, 1, 22);
    /* a role it lacks does not count */
    ALLOWS(rs, "-", "admin", "server", P_TCP, 50000, 40000);
    ALLOWS(rs, "-", "client", "cloud", P_TCP, 50000, 40000);
    /* from ["any"]: every host, also one with no other role */
    ALLOWS(rs, "mt-dns", "", "dns-server", P_UDP, 40000, 53);
    ALLOWS(rs, "mt-dns", "admin", "dns-server", P_UDP, 40000, 53);
    /* client -> server udp 53 is mt-list's, not mt-dns's (server is no dns-server) */
    ALLOWS(rs, "mt-list", "client", "server", P_UDP, 40000, 53);
    ALLOWS(rs, "-", "admin", "server", P_UDP, 40000, 53);
    ws_ruleset_free(rs);
}

static void test_direction(void)
{
    ws_ruleset *rs = fixture("match.json", NULL);
    /* mt-oneway: client -> server 8443, reverse false */
    ALLOWS(rs, "mt-oneway", "client", "server", P_TCP, 50123, 8443);
    MISSES(rs, "mt-oneway", WS_MISS_DIRECTION, "server", "client", P_TCP, 50123, 8443);
    /* mt-ike: peer-a <-> peer-b 500/500, reverse true: either side initiates,
     * and that is allowed as seen, not "reversed" */
    ws_match m;
    flow f = {"peer-b", "peer-a", P_UDP, 500, 500, NULL, false, false};
    CU_ASSERT_STRING_EQUAL(match(rs, &f, &m), "mt-ike");
    CU_ASSERT_FALSE(m.reversed);
    f = (flow){"peer-a", "peer-b", P_UDP, 500, 500, NULL, false, false};
    CU_ASSERT_STRING_EQUAL(match(rs, &f, &m), "mt-ike");
    CU_ASSERT_FALSE(m.reversed);
    /* mt-esp: reverse true, no ports */
    ALLOWS(rs, "mt-esp", "peer-a", "peer-b", P_ESP, 0, 0);
    ALLOWS(rs, "mt-esp", "peer-b", "peer-a", P_ESP, 0, 0);
    /* mt-icmp: one way, no ports: the other way is a direction miss */
    MISSES(rs, "mt-icmp", WS_MISS_DIRECTION, "server", "client", P_ICMP, 0, 0);
    ws_ruleset_free(rs);
}

/* An initiator that is only guessed (UDP, midstream TCP) is tried the other
 * way round when the flow is not allowed as seen. */
static void test_try_reversed(void)
{
    ws_ruleset *rs = fixture("match.json", NULL);
    ws_match m;
    /* the first packet seen was the server's answer from 8443 */
    flow f = {"server", "client", P_TCP, 8443, 50123, NULL, true, false};
    CU_ASSERT_STRING_EQUAL(match(rs, &f, &m), "mt-oneway");
    CU_ASSERT_TRUE(m.reversed);
    CU_ASSERT_PTR_NULL(m.near);
    CU_ASSERT_EQUAL(m.miss, WS_MISS_NONE);
    /* without try_reversed the initiator is taken as seen */
    f.try_reversed = false;
    CU_ASSERT_STRING_EQUAL(match(rs, &f, &m), "-");
    CU_ASSERT_FALSE(m.reversed);
    /* allowed as seen: not reversed, even with try_reversed */
    f = (flow){"client", "server", P_TCP, 50123, 8443, NULL, true, false};
    CU_ASSERT_STRING_EQUAL(match(rs, &f, &m), "mt-oneway");
    CU_ASSERT_FALSE(m.reversed);
    /* reversed, the ports swap too: server 8444 -> client 8443 reversed is
     * client 8443 -> server 8444, which no rule allows */
    f = (flow){"server", "client", P_TCP, 8444, 8443, NULL, true, false};
    CU_ASSERT_STRING_EQUAL(match(rs, &f, &m), "-");
    /* UDP answer of a DNS server, seen first */
    f = (flow){"dns-server", "admin", P_UDP, 53, 40000, NULL, true, false};
    CU_ASSERT_STRING_EQUAL(match(rs, &f, &m), "mt-dns");
    CU_ASSERT_TRUE(m.reversed);
    ws_ruleset_free(rs);
}

/* ---- source ports ------------------------------------------------------------ */

static void test_sport(void)
{
    ws_ruleset *rs = fixture("match.json", NULL);
    /* mt-ike: sport [500] */
    ALLOWS(rs, "mt-ike", "peer-a", "peer-b", P_UDP, 500, 500);
    MISSES(rs, "mt-ike", WS_MISS_SPORT, "peer-a", "peer-b", P_UDP, 501, 500);
    MISSES(rs, "mt-ike", WS_MISS_SPORT, "peer-a", "peer-b", P_UDP, 499, 500);
    /* the source port unknown: the rule's sport list is not checked */
    allows(rs, "mt-ike", &(flow){"peer-a", "peer-b", P_UDP, 501, 500, NULL, false, true},
           __LINE__);
    /* a rule without sport takes any source port */
    ALLOWS(rs, "mt-oneway", "client", "server", P_TCP, 0, 8443);
    ALLOWS(rs, "mt-oneway", "client", "server", P_TCP, 65535, 8443);
    ws_ruleset_free(rs);
}

/* ---- names ---------------------------------------------------------------- */

static void test_names(void)
{
    ws_ruleset *rs = fixture("match.json", NULL);
    /* exact, matched case-insensitively */
    ALLOWS_N(rs, "mt-exact", "client", "cloud", P_TCP, 50000, 443, "api.example.com");
    ALLOWS_N(rs, "mt-exact", "client", "cloud", P_TCP, 50000, 443, "API.Example.COM");
    MISSES_N(rs, "mt-exact", WS_MISS_NAME, "client", "cloud", P_TCP, 50000, 443,
           "x.api.example.com");
    MISSES_N(rs, "mt-exact", WS_MISS_NAME, "client", "cloud", P_TCP, 50000, 443,
           "api.example.co");
    /* *.example.net: one or more labels before example.net */
    ALLOWS_N(rs, "mt-wild", "client", "cloud", P_TCP, 50000, 8080, "a.example.net");
    ALLOWS_N(rs, "mt-wild", "client", "cloud", P_TCP, 50000, 8080, "a.b.example.net");
    MISSES_N(rs, "mt-wild", WS_MISS_NAME, "client", "cloud", P_TCP, 50000, 8080, "example.net");
    MISSES_N(rs, "mt-wild", WS_MISS_NAME, "client", "cloud", P_TCP, 50000, 8080,
           "a.example.net.evil.com");
    /* media-*.example.org: '*' within one label */
    ALLOWS_N(rs, "mt-label", "client", "cloud", P_TCP, 50000, 9090, "media-01.example.org");
    MISSES_N(rs, "mt-label", WS_MISS_NAME, "client", "cloud", P_TCP, 50000, 9090,
           "media-01.x.example.org");
    MISSES_N(rs, "mt-label", WS_MISS_NAME, "client", "cloud", P_TCP, 50000, 9090,
           "media.example.org");
    MISSES_N(rs, "mt-label", WS_MISS_NAME, "client", "cloud", P_TCP, 50000, 9090,
           "x.media-01.example.org");
    ws_ruleset_free(rs);
}

/* No name learned for the responder is told apart from a wrong name. */
static void test_name_unknown(void)
{
    ws_ruleset *rs = fixture("match.json", NULL);
    MISSES(rs, "mt-exact", WS_MISS_NAME_UNKNOWN, "client", "cloud", P_TCP, 50000, 443);
    MISSES(rs, "mt-wild", WS_MISS_NAME_UNKNOWN, "client", "cloud", P_TCP, 50000, 8080);
    /* names are the responder's: the initiator's name does not count */
    ws_roleset src = roles(rs, "client"), dst = roles(rs, "cloud");
    const char *src_names[] = {"api.example.com"};
    ws_match_query q = {.src_roles = &src, .dst_roles = &dst, .proto = P_TCP,
                        .sport = 50000, .dport = 443,
                        .src_names = src_names, .n_src_names = 1};
    ws_match m;
    CU_ASSERT_FALSE(ws_rules_match(rs, &q, &m));
    CU_ASSERT_EQUAL(m.miss, WS_MISS_NAME_UNKNOWN);
    /* one matching name among several learned is enough */
    const char *dst_names[] = {"cdn.example.com", "api.example.com", "other.test"};
    q.dst_names = dst_names;
    q.n_dst_names = 3;
    CU_ASSERT_TRUE(ws_rules_match(rs, &q, &m));
    CU_ASSERT_PTR_NOT_NULL_FATAL(m.rule);
    CU_ASSERT_STRING_EQUAL(m.rule->id, "mt-exact");
    ws_ruleset_free(rs);
}

/* ---- features ---------------------------------------------------------------- */

static void test_features(void)
{
    ws_ruleset *rs = fixture("match.json", NULL);
    /* mt-ssh is conditional on "ssh", off until the site turns it on */
    const ws_rule *r = ws_ruleset_rule(rs, "mt-ssh");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_FALSE(r->active);
    MISSES(rs, "mt-ssh", WS_MISS_FEATURE, "admin", "server", P_TCP, 50000, 22);
    /* names of features that no pack declares turn nothing on */
    CU_ASSERT_EQUAL(ws_ruleset_enable_feature(rs, "telnet"), 0);
    CU_ASSERT_EQUAL(ws_ruleset_enable_feature(rs, "mt2.ssh"), 0);
    CU_ASSERT_EQUAL(ws_ruleset_enable_feature(rs, "mt.ssh"), 1);
    ws_diag d;
    ws_diag_init(&d);
    CU_ASSERT_TRUE(ws_ruleset_finish(rs, &d));
    ws_diag_free(&d);
    CU_ASSERT_TRUE(r->active);
    ALLOWS(rs, "mt-ssh", "admin", "server", P_TCP, 50000, 22);
    /* on, the rule still has its ports and roles */
    ALLOWS(rs, "-", "admin", "server", P_TCP, 50000, 23);
    ALLOWS(rs, "-", "client", "server", P_TCP, 50000, 22);
    ws_ruleset_free(rs);

    rs = fixture("match.json", NULL);
    CU_ASSERT_EQUAL(ws_ruleset_enable_feature(rs, "ssh"), 1);
    ws_diag_init(&d);
    CU_ASSERT_TRUE(ws_ruleset_finish(rs, &d));
    ws_diag_free(&d);
    ALLOWS(rs, "mt-ssh", "admin", "server", P_TCP, 50000, 22);
    ws_ruleset_free(rs);
}

/* A flow no rule comes near: no nearest rule, no reason. */
static void test_no_near_rule(void)
{
    ws_ruleset *rs = fixture("match.json", NULL);
    MISSES(rs, NULL, WS_MISS_NONE, "client", "server", P_TCP, 50000, 1);
    MISSES_N(rs, NULL, WS_MISS_NONE, "admin", "cloud", P_TCP, 50000, 443, "api.example.com");
    MISSES(rs, NULL, WS_MISS_NONE, "client", "server", P_SCTP, 50000, 5060);
    ws_ruleset_free(rs);
}

/* ---- transports ----------------------------------------------------------- */

static void test_transports(void)
{
    ws_ruleset *rs = fixture("match.json", NULL);
    /* tcp+udp: both protocols, nothing else */
    ALLOWS(rs, "mt-sip", "client", "server", P_TCP, 50000, 5060);
    ALLOWS(rs, "mt-sip", "client", "server", P_UDP, 50000, 5060);
    ALLOWS(rs, "-", "client", "server", P_SCTP, 50000, 5060);
    ALLOWS(rs, "-", "client", "server", P_UDP, 50000, 5061);
    /* transports without ports: whatever the ports of the query */
    ALLOWS(rs, "mt-esp", "peer-a", "peer-b", P_ESP, 1234, 4321);
    ALLOWS(rs, "mt-icmp", "client", "server", P_ICMP, 0, 0);
    ALLOWS(rs, "mt-icmp", "client", "server", P_ICMP, 8, 0);
    ALLOWS(rs, "mt-gre", "client", "server", P_GRE, 0, 0);
    /* and only their own protocol */
    ALLOWS(rs, "-", "client", "server", P_ICMPV6, 0, 0);
    ALLOWS(rs, "-", "client", "server", P_ESP, 0, 0);
    ALLOWS(rs, "-", "peer-a", "peer-b", P_GRE, 0, 0);
    char buf[16];
    CU_ASSERT_STRING_EQUAL(ws_rule_transport(ws_ruleset_rule(rs, "mt-gre"), buf, sizeof(buf)),
                           "ip-47");
    CU_ASSERT_STRING_EQUAL(ws_rule_transport(ws_ruleset_rule(rs, "mt-sip"), buf, sizeof(buf)),
                           "tcp+udp");
    CU_ASSERT_STRING_EQUAL(ws_rule_transport(ws_ruleset_rule(rs, "mt-esp"), buf, sizeof(buf)),
                           "esp");
    ws_ruleset_free(rs);
}

/* ---- order ------------------------------------------------------------------- */

static void test_first_match(void)
{
    /* 7005 is in mt-first (7000-7010), mt-second (7005) and mt2-first (7005):
     * packs in load order, rules in file order */
    ws_ruleset *rs = fixture("match.json", "match2.json");
    ALLOWS(rs, "mt-first", "client", "server", P_TCP, 50000, 7005);
    ALLOWS(rs, "mt-first", "client", "server", P_TCP, 50000, 7010);
    ws_ruleset_free(rs);
    rs = fixture("match2.json", "match.json");
    ALLOWS(rs, "mt2-first", "client", "server", P_TCP, 50000, 7005);
    ALLOWS(rs, "mt-first", "client", "server", P_TCP, 50000, 7004);
    ws_ruleset_free(rs);
}

static void test_match_all(void)
{
    ws_ruleset *rs = fixture("match.json", "match2.json");
    ws_roleset src = roles(rs, "client"), dst = roles(rs, "server");
    ws_match_query q = {.src_roles = &src, .dst_roles = &dst, .proto = P_TCP,
                        .sport = 50000, .dport = 7005};
    const ws_rule *out[8];
    CU_ASSERT_EQUAL_FATAL(ws_rules_match_all(rs, &q, out, 8), 3);
    CU_ASSERT_STRING_EQUAL(out[0]->id, "mt-first");
    CU_ASSERT_STRING_EQUAL(out[1]->id, "mt-second");
    CU_ASSERT_STRING_EQUAL(out[2]->id, "mt2-first");
    /* up to max */
    memset(out, 0, sizeof(out));
    CU_ASSERT_EQUAL(ws_rules_match_all(rs, &q, out, 2), 2);
    CU_ASSERT_PTR_NULL(out[2]);
    /* only one rule covers 7001 */
    q.dport = 7001;
    CU_ASSERT_EQUAL_FATAL(ws_rules_match_all(rs, &q, out, 8), 1);
    CU_ASSERT_STRING_EQUAL(out[0]->id, "mt-first");
    /* as given, never reversed */
    q.src_roles = &dst;
    q.dst_roles = &src;
    q.sport = 7005;
    q.dport = 50000;
    q.try_reversed = true;
    CU_ASSERT_EQUAL(ws_rules_match_all(rs, &q, out, 8), 0);
    ws_ruleset_free(rs);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"port range edges", test_port_range},
        {"port list", test_port_list},
        {"any port", test_port_any},
        {"variable and a site's value", test_variable},
        {"variable per pack", test_variable_per_pack},
        {"roles", test_roles},
        {"direction and reverse", test_direction},
        {"guessed initiator tried reversed", test_try_reversed},
        {"source ports", test_sport},
        {"names", test_names},
        {"no name learned", test_name_unknown},
        {"features", test_features},
        {"no nearest rule", test_no_near_rule},
        {"transports", test_transports},
        {"first match wins", test_first_match},
        {"every matching rule", test_match_all},
        {NULL, NULL},
    };
    ws_test_suite("rules_match", cases);
    return ws_test_run();
}

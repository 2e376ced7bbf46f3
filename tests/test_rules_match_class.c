/* test_rules_match_class.c - port classes of the rules index: two ports of
 * one class are in the same dport and sport sets of every rule of the
 * transport (so a match cannot tell them apart), and a class ends exactly
 * where some rule's set begins or ends; whether a transport has a rule that
 * names its responder.
 * specification: doc/rules.md ("Rules": dport, sport, names; "Which rules a
 * flow may use"); fixtures tests/data/rules/match.json and match2.json, and
 * the shipped packs in rules/ */
#include <string.h>

#include "rules/rules.h"
#include "ws_test.h"

enum { P_ICMP = 1, P_TCP = 6, P_UDP = 17, P_GRE = 47, P_ESP = 50 };

static ws_ruleset *load(const char *const *files, size_t n, bool shipped)
{
    ws_ruleset *rs = ws_ruleset_new(NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    ws_diag d;
    ws_diag_init(&d);
    if (shipped)
        CU_ASSERT_TRUE_FATAL(ws_ruleset_load_dir(rs, WS_SOURCE_DIR "/rules", &d));
    for (size_t i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/tests/data/rules/%s", WS_SOURCE_DIR, files[i]);
        CU_ASSERT_TRUE_FATAL(ws_ruleset_load(rs, path, &d));
    }
    CU_ASSERT_TRUE_FATAL(ws_ruleset_finish(rs, &d));
    CU_ASSERT_EQUAL(d.errors, 0);
    ws_diag_free(&d);
    return rs;
}

static ws_ruleset *fixture(void)
{
    static const char *const files[] = {"match.json", "match2.json"};
    return load(files, 2, false);
}

#define SAME(ix, proto, a, b) \
    CU_ASSERT_EQUAL(ws_rules_index_port_class(ix, proto, a), ws_rules_index_port_class(ix, proto, b))
#define APART(ix, proto, a, b) \
    CU_ASSERT_NOT_EQUAL(ws_rules_index_port_class(ix, proto, a), ws_rules_index_port_class(ix, proto, b))

/* The fixture's TCP ports: 22, 443, 5060, 7000-7010, 7005, 8080, 8443,
 * 9090, 40000-49999 and any; its UDP ports: 53, 123, 161-162, 500 (and
 * source port 500), 5060, $media = 20000-20999. */
static void test_fixture_classes(void)
{
    ws_ruleset *rs = fixture();
    ws_rules_index *ix = ws_rules_index_new(rs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ix);
    /* TCP */
    SAME(ix, P_TCP, 40000, 49999);
    SAME(ix, P_TCP, 41234, 45678);
    APART(ix, P_TCP, 39999, 40000);
    APART(ix, P_TCP, 49999, 50000);
    SAME(ix, P_TCP, 50000, 65535);
    SAME(ix, P_TCP, 444, 5059);
    APART(ix, P_TCP, 442, 443);
    APART(ix, P_TCP, 443, 444);
    APART(ix, P_TCP, 442, 444);   /* either side of 443: two classes */
    SAME(ix, P_TCP, 7000, 7004);
    APART(ix, P_TCP, 7004, 7005);
    APART(ix, P_TCP, 7005, 7006);
    SAME(ix, P_TCP, 7006, 7010);
    APART(ix, P_TCP, 7010, 7011);
    SAME(ix, P_TCP, 0, 21);
    APART(ix, P_TCP, 21, 22);
    /* UDP: 161-162 is one range */
    SAME(ix, P_UDP, 161, 162);
    APART(ix, P_UDP, 160, 161);
    APART(ix, P_UDP, 162, 163);
    APART(ix, P_UDP, 499, 500);
    APART(ix, P_UDP, 500, 501);
    SAME(ix, P_UDP, 20000, 20999);
    APART(ix, P_UDP, 20999, 21000);
    /* TCP's cuts are not UDP's */
    SAME(ix, P_UDP, 443, 444);
    SAME(ix, P_TCP, 500, 501);
    /* no rule with ports: one class */
    SAME(ix, P_ESP, 0, 65535);
    SAME(ix, P_ICMP, 3, 11);
    SAME(ix, 200, 1, 2);
    /* no index: each port its own */
    CU_ASSERT_EQUAL(ws_rules_index_port_class(NULL, P_TCP, 1234), 1234);
    ws_rules_index_free(ix);
    ws_ruleset_free(rs);
}

/* Every port of every transport of the shipped packs and the fixtures: the
 * class changes between p - 1 and p exactly when p starts or follows a range
 * of some rule's dport or sport set (as resolved, with the packs' variables),
 * and classes only grow with the port. */
static void test_classes_follow_every_edge(void)
{
    static const char *const files[] = {"match.json", "match2.json"};
    ws_ruleset *rs = load(files, 2, true);
    ws_rules_index *ix = ws_rules_index_new(rs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ix);
    const ws_pack *const *packs;
    size_t np = ws_ruleset_packs(rs, &packs);
    static bool edge[65536];
    const uint8_t protos[] = {P_TCP, P_UDP, 132};
    size_t checked = 0;
    for (size_t t = 0; t < sizeof(protos); t++) {
        memset(edge, 0, sizeof(edge));
        size_t rules = 0;
        for (size_t k = 0; k < np; k++)
            for (size_t i = 0; i < packs[k]->n_rules; i++) {
                const ws_rule *r = &packs[k]->rules[i];
                bool of = false;
                for (size_t j = 0; j < r->n_protos; j++)
                    of |= r->protos[j] == protos[t];
                if (!of || !r->has_ports)
                    continue;
                rules++;
                const ws_portset *sets[2] = {&r->dport, &r->sport};
                for (int s = 0; s < 2; s++)
                    for (size_t j = 0; j < sets[s]->n; j++) {
                        edge[sets[s]->r[j].lo] = true;
                        if (sets[s]->r[j].hi < 65535)
                            edge[sets[s]->r[j].hi + 1] = true;
                    }
            }
        uint32_t prev = ws_rules_index_port_class(ix, protos[t], 0);
        for (uint32_t p = 1; p <= 65535; p++) {
            uint32_t c = ws_rules_index_port_class(ix, protos[t], (uint16_t)p);
            if ((c != prev) != edge[p]) {
                fprintf(stderr, "\nproto %u port %u: class %u after %u, edge %d\n",
                        protos[t], p, c, prev, edge[p]);
                CU_FAIL("class edge");
                break;
            }
            CU_ASSERT(c >= prev);
            prev = c;
        }
        checked += rules;
    }
    CU_ASSERT(checked > 100); /* the shipped packs' TCP and UDP rules */
    ws_rules_index_free(ix);
    ws_ruleset_free(rs);
}

/* Transports with a rule that names its responder: TCP in the fixture
 * (mt-exact, mt-wild, mt-label), not UDP nor ESP. */
static void test_names_per_transport(void)
{
    ws_ruleset *rs = fixture();
    ws_rules_index *ix = ws_rules_index_new(rs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ix);
    CU_ASSERT_TRUE(ws_rules_index_names(ix, P_TCP));
    CU_ASSERT_FALSE(ws_rules_index_names(ix, P_UDP));
    CU_ASSERT_FALSE(ws_rules_index_names(ix, P_ESP));
    CU_ASSERT_FALSE(ws_rules_index_names(ix, P_GRE));
    CU_ASSERT_TRUE(ws_rules_index_names(NULL, P_UDP));
    ws_rules_index_free(ix);
    ws_ruleset_free(rs);
}

/* Ports of one class give one answer: every fixture rule's role pair on
 * every port of a few classes, as destination and as source port. */
static void test_class_same_answer(void)
{
    ws_ruleset *rs = fixture();
    ws_rules_index *ix = ws_rules_index_new(rs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ix);
    const char *const role_names[] = {"client", "server", "peer-a", "peer-b", "cloud"};
    ws_roleset r[5];
    for (int i = 0; i < 5; i++) {
        memset(&r[i], 0, sizeof(r[i]));
        ws_roleset_add(&r[i], WS_ROLE_ANY);
        int id = ws_ruleset_role_id(rs, role_names[i]);
        CU_ASSERT_FATAL(id > 0);
        ws_roleset_add(&r[i], (unsigned)id);
    }
    const uint8_t protos[] = {P_TCP, P_UDP};
    const uint16_t probes[] = {22, 53, 123, 161, 443, 444, 500, 5060, 7000, 7005, 7010,
                               8080, 20500, 40000, 49999, 50000, 60000};
    size_t compared = 0;
    for (size_t t = 0; t < 2; t++)
        for (size_t a = 0; a < 5; a++)
            for (size_t b = 0; b < 5; b++)
                for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
                    for (uint32_t o = 0; o < 3; o++) {
                        /* a port of probes[i]'s class next to it, if any */
                        uint16_t p = probes[i];
                        uint32_t other = (uint32_t)p + 1 + o * 211;
                        if (other > 65535 ||
                            ws_rules_index_port_class(ix, protos[t], (uint16_t)other) !=
                                ws_rules_index_port_class(ix, protos[t], p))
                            continue;
                        ws_match_query q = {.src_roles = &r[a], .dst_roles = &r[b],
                                            .proto = protos[t], .sport = 50000, .dport = p,
                                            .try_reversed = true};
                        ws_match m1, m2;
                        ws_rules_match_ix(rs, ix, &q, &m1);
                        q.dport = (uint16_t)other;
                        ws_rules_match_ix(rs, ix, &q, &m2);
                        CU_ASSERT(!memcmp(&m1, &m2, sizeof(m1)));
                        q.dport = 50000;
                        q.sport = p;
                        ws_rules_match_ix(rs, ix, &q, &m1);
                        q.sport = (uint16_t)other;
                        ws_rules_match_ix(rs, ix, &q, &m2);
                        CU_ASSERT(!memcmp(&m1, &m2, sizeof(m1)));
                        compared++;
                    }
    CU_ASSERT(compared > 500);
    ws_rules_index_free(ix);
    ws_ruleset_free(rs);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"classes of the fixture's ports", test_fixture_classes},
        {"classes end at every edge, and only there", test_classes_follow_every_edge},
        {"transports whose rules name the responder", test_names_per_transport},
        {"ports of one class, one answer", test_class_same_answer},
        {NULL, NULL},
    };
    ws_test_suite("rules_match_class", cases);
    return ws_test_run();
}

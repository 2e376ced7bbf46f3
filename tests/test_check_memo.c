/* test_check_memo.c - the checker remembers the match of a flow under what
 * decides it (roles, transport, port classes, the names learned), and what
 * an address alone says of a host (its site entry by address or prefix,
 * whether it is present): a flow judged from the memos gets the answer a
 * fresh match gives, also when a name is learned between two flows of the
 * same hosts, and the findings and coverage of a run are those of a run
 * that matches every flow and looks up every host afresh.
 * specification: doc/rules.md ("Which rules a flow may use", "Names", "Site
 * inventory"); fixtures tests/data/check/testco.json, whose rule testco-api
 * (testco-server to any host, TCP 443) names its responder
 * api.testco.example, site.json and site-names.json (site.json with hosts
 * listed by name pattern too). */
#include "check/check_int.h"
#include "names/names.h"
#include "test_check_util.h"

static size_t table_names(void *ctx, const ws_addr *a, const char **out, size_t max)
{
    size_t n = ws_names_lookup(ctx, a, out, max);
    return n < max ? n : max;
}

/* The testco pack and site, a names table, and two checkers on them: one
 * with the memo (as every run has it), one matching every flow afresh. */
typedef struct memo_env {
    tc_env e;
    ws_names *names;
    ws_checker *memo, *fresh;
} memo_env;

#define TC_SITE_NAMES WS_SOURCE_DIR "/tests/data/check/site-names.json"

static void memo_open_site(memo_env *m, const char *site)
{
    CU_ASSERT_FATAL(tc_open_site(&m->e, site));
    m->names = ws_names_new(&m->e.limits, &m->e.stats);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m->names);
    m->memo = ws_checker_new(m->e.rs, m->e.site, &m->e.limits, &m->e.stats, table_names,
                             m->names);
    m->fresh = ws_checker_new(m->e.rs, m->e.site, &m->e.limits, &m->e.stats, table_names,
                              m->names);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m->memo);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m->fresh);
    ws_checker_set_memo(m->fresh, 0, 0);
}

static void memo_open(memo_env *m) { memo_open_site(m, TC_SITE); }

static void memo_close(memo_env *m)
{
    ws_checker_free(m->memo);
    ws_checker_free(m->fresh);
    ws_names_free(m->names);
    tc_close(&m->e);
}

static void learn(memo_env *m, const char *addr, const char *name)
{
    ws_addr a = tc_addr(addr);
    CU_ASSERT_TRUE(ws_names_add(m->names, &a, name));
}

static const char *rule_id(const ws_rule *r) { return r ? r->id : "-"; }

/* One flow through both checkers; asserts they agree and returns the id of
 * the allowing rule ("-": none). */
static const char *judge(memo_env *m, const ws_flow *f)
{
    const ws_rule *a = ws_checker_flow(m->memo, f, ws_flow_outcome(f), NULL);
    const ws_rule *b = ws_checker_flow(m->fresh, f, ws_flow_outcome(f), NULL);
    CU_ASSERT_PTR_EQUAL(a, b);
    return rule_id(a);
}

/* The same host pair before and after the responder's name is learned:
 * testco-api allows the server's TLS to api.testco.example only. The memo
 * saw the first flow (no name, not allowed) and must not give its answer to
 * the second. */
static void test_name_learned_between_flows(void)
{
    memo_env m;
    memo_open(&m);
    ws_flow f1 = tc_flow(1, 6, SRV, 40001, OUT1, 443, TC_ESTABLISHED);
    ws_flow f2 = tc_flow(2, 6, SRV, 40002, OUT1, 443, TC_ESTABLISHED);
    CU_ASSERT_STRING_EQUAL(judge(&m, &f1), "-");
    learn(&m, OUT1, "api.testco.example");
    CU_ASSERT_STRING_EQUAL(judge(&m, &f2), "testco-api");
    /* and a third flow of the pair is still allowed (from the memo now) */
    ws_flow f3 = tc_flow(3, 6, SRV, 40003, OUT1, 443, TC_ESTABLISHED);
    CU_ASSERT_STRING_EQUAL(judge(&m, &f3), "testco-api");

    /* the first flow's finding says the name was unknown; none for the rest */
    ws_checker_finish(m.memo, NULL, 0);
    const ws_finding *v;
    size_t n = ws_checker_findings(m.memo, &v), k = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].kind == WS_FIND_UNEXPECTED_PORT) {
            k++;
            CU_ASSERT_EQUAL(v[i].count, 1);
            CU_ASSERT_EQUAL(v[i].flows[0], 1);
            TC_EV_EQ(&v[i], "nearest_rule", "testco-api");
            TC_EV_EQ(&v[i], "nearest_rule_misses",
                     "it names the destination, and no name was learned for this address");
        }
    CU_ASSERT_EQUAL(k, 1);
    memo_close(&m);
}

/* A second name learned for an address whose first name matches no rule:
 * the names differ in number, not in the first one. */
static void test_second_name_learned(void)
{
    memo_env m;
    memo_open(&m);
    learn(&m, OUT2, "www.other.example");
    ws_flow f1 = tc_flow(1, 6, SRV, 40001, OUT2, 443, TC_ESTABLISHED);
    CU_ASSERT_STRING_EQUAL(judge(&m, &f1), "-");
    learn(&m, OUT2, "api.testco.example");
    ws_flow f2 = tc_flow(2, 6, SRV, 40002, OUT2, 443, TC_ESTABLISHED);
    CU_ASSERT_STRING_EQUAL(judge(&m, &f2), "testco-api");
    memo_close(&m);
}

/* Two unlisted responders (the same open roles) with one name each, one
 * of them the rule's: the memo keys on the names, not on the roles and the
 * number of names alone. */
static void test_same_roles_other_names(void)
{
    memo_env m;
    memo_open(&m);
    learn(&m, OUT2, "api.testco.example");
    learn(&m, OUT3, "www.other.example");
    ws_flow f1 = tc_flow(1, 6, SRV, 40001, OUT2, 443, TC_ESTABLISHED);
    ws_flow f2 = tc_flow(2, 6, SRV, 40002, OUT3, 443, TC_ESTABLISHED);
    ws_flow f3 = tc_flow(3, 6, SRV, 40003, OUT2, 443, TC_ESTABLISHED);
    CU_ASSERT_STRING_EQUAL(judge(&m, &f1), "testco-api");
    CU_ASSERT_STRING_EQUAL(judge(&m, &f2), "-");
    CU_ASSERT_STRING_EQUAL(judge(&m, &f3), "testco-api");
    memo_close(&m);
}

/* testco-ike allows UDP 500 from source port 500 only: the source port is
 * part of what is remembered (as its class), so a flow from another port
 * after one from 500 is not allowed, and one from 500 again is. */
static void test_source_port(void)
{
    memo_env m;
    memo_open(&m);
    ws_flow f1 = tc_flow(1, 17, NODE_A, 500, NODE_B, 500, TC_ANSWERED);
    ws_flow f2 = tc_flow(2, 17, NODE_A, 4500, NODE_B, 500, TC_ANSWERED);
    ws_flow f3 = tc_flow(3, 17, NODE_A, 500, NODE_B, 500, TC_ANSWERED);
    CU_ASSERT_STRING_EQUAL(judge(&m, &f1), "testco-ike");
    CU_ASSERT_STRING_EQUAL(judge(&m, &f2), "-");
    CU_ASSERT_STRING_EQUAL(judge(&m, &f3), "testco-ike");
    memo_close(&m);
}

/* site-names.json lists recorders by the name pattern *.rec.testco.example:
 * an address the site does not list by address is a recorder once such a
 * name is learned for it, and testco-record (server to recorder, TCP 5000,
 * its feature on) then allows the server's flow to it. The host memo keeps
 * what the address alone says, never the answer names gave. */
static void test_name_pattern_learned(void)
{
    memo_env m;
    memo_open_site(&m, TC_SITE_NAMES);
    ws_flow f1 = tc_flow(1, 6, SRV, 40001, OUT1, 5000, TC_ESTABLISHED);
    ws_flow f2 = tc_flow(2, 6, SRV, 40002, OUT1, 5000, TC_ESTABLISHED);
    ws_flow f3 = tc_flow(3, 6, SRV, 40003, OUT2, 5000, TC_ESTABLISHED);
    CU_ASSERT_STRING_EQUAL(judge(&m, &f1), "-");
    learn(&m, OUT1, "a.rec.testco.example");
    CU_ASSERT_STRING_EQUAL(judge(&m, &f2), "testco-record");
    /* another unlisted address, no name: still nothing */
    CU_ASSERT_STRING_EQUAL(judge(&m, &f3), "-");
    /* the recorder listed by address stays itself whatever its names */
    learn(&m, REC, "b.rec.testco.example");
    ws_flow f4 = tc_flow(4, 6, SRV, 40004, REC, 5000, TC_ESTABLISHED);
    CU_ASSERT_STRING_EQUAL(judge(&m, &f4), "testco-record");
    ws_checker_finish(m.memo, NULL, 0);
    const ws_finding *v;
    size_t n = ws_checker_findings(m.memo, &v), k = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].kind == WS_FIND_UNEXPECTED_PORT) {
            k++;
            CU_ASSERT_EQUAL(v[i].flows[0] == 1 || v[i].flows[0] == 3, true);
        }
    CU_ASSERT_EQUAL(k, 2);
    memo_close(&m);
}

/* ---- many flows: the whole run compared ---------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
    /* xorshift64* (Vigna) */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ULL) >> 33) % n;
}

static const char *const hosts[] = {NODE_A, NODE_B, EDGE_OSLO, EDGE_BERGEN, SRV, MGR, REC,
                                    DNS, CLIENT, CLIENT2, OUT1, OUT2, OUT3, "192.0.2.99",
                                    "10.0.3.77", "198.51.100.99"};
#define N_HOSTS (sizeof(hosts) / sizeof(hosts[0]))

static const char *const learned[] = {"api.testco.example", "www.other.example",
                                      "x.testco.example",   "api.testco.example.",
                                      "a.rec.testco.example", "ntp.testco.example"};
#define N_LEARNED (sizeof(learned) / sizeof(learned[0]))

/* Ports of the pack's rules, their neighbours and a few others. */
static const uint16_t ports[] = {0,   21,  22,   23,   52,   53,    54,    122,   123, 124,
                                 442, 443, 444,  499,  500,  501,   513,   514,   515, 3999,
                                 4000, 4001, 4999, 5000, 5001, 8079, 8080, 8081, 40000, 65535};
#define N_PORTS (sizeof(ports) / sizeof(ports[0]))

static ws_flow random_flow(uint64_t id)
{
    static const uint8_t protos[] = {6, 6, 6, 17, 17, 17, 50, 1, 47};
    static const tc_kind tcp_kinds[] = {TC_ESTABLISHED, TC_REJECTED, TC_NO_ANSWER, TC_ICMP};
    static const tc_kind udp_kinds[] = {TC_ANSWERED, TC_UNANSWERED, TC_ICMP};
    /* flows of the pack's paths (half of them; some taken the other way
     * round), the rest between any two hosts */
    static const struct {
        const char *src, *dst;
        uint8_t proto;
        uint16_t dport;
    } paths[] = {
        {CLIENT, SRV, 6, 443},      {CLIENT2, SRV, 6, 443},    {SRV, OUT1, 6, 443},
        {SRV, OUT2, 6, 443},        {SRV, OUT3, 6, 443},       {SRV, DNS, 17, 53},
        {NODE_A, NODE_B, 17, 500},  {EDGE_OSLO, NODE_A, 50, 0}, {NODE_B, EDGE_BERGEN, 6, 4000},
        {MGR, SRV, 6, 8080},        {SRV, REC, 6, 5000},       {CLIENT2, OUT1, 17, 123},
        {SRV, "10.0.2.99", 17, 514},
    };
    uint8_t proto = protos[rnd(sizeof(protos))];
    const char *src = hosts[rnd(N_HOSTS)], *dst = hosts[rnd(N_HOSTS)];
    /* now and then one of thousands of addresses (more than the host memo
     * has slots), listed by prefix or not listed */
    static char many[2][32];
    for (int i = 0; i < 2; i++)
        if (!rnd(6)) {
            unsigned x = rnd(12000);
            if (x < 200)
                snprintf(many[i], sizeof(many[i]), "10.0.3.%u", x + 1);
            else
                snprintf(many[i], sizeof(many[i]), "10.%u.%u.%u", x % 2 ? 8 : 9, x / 250,
                         x % 250 + 1);
            if (i == 0)
                src = many[0];
            else
                dst = many[1];
        }
    uint16_t sport = rnd(3) ? ports[rnd(N_PORTS)] : (uint16_t)(1024 + rnd(64511));
    uint16_t dport = ports[rnd(N_PORTS)];
    if (rnd(2)) {
        size_t i = rnd(sizeof(paths) / sizeof(paths[0]));
        src = paths[i].src;
        dst = paths[i].dst;
        proto = paths[i].proto;
        dport = paths[i].dport;
        if (proto == 17 && dport == 500 && rnd(2))
            sport = 500;
        if (!rnd(4)) {
            const char *t = src;
            src = dst;
            dst = t;
            uint16_t p = sport;
            sport = dport;
            dport = p;
        }
    }
    tc_kind k = proto == 6 ? tcp_kinds[rnd(4)] : udp_kinds[rnd(3)];
    ws_flow f = tc_flow(id, proto, src, sport, dst, dport, k);
    if (proto == 6 && !rnd(4)) {
        /* caught midway: no SYN seen, the initiator is a guess */
        f.tcp_hist[WS_DIR_FWD] &= (uint8_t)~WS_TCPH_SYN;
        f.tcp_hist[WS_DIR_REV] &= (uint8_t)~WS_TCPH_SYNACK;
    }
    if (proto == 1) {
        f.sport = (uint16_t)rnd(20); /* ICMP type and code */
        f.dport = (uint16_t)rnd(4);
    }
    return f;
}

/* The same host: address, entry and roles (the open roles are each
 * checker's own copy, so compared by value). */
static void same_host(const ws_host *a, const ws_host *b)
{
    CU_ASSERT(ws_addr_eq(&a->addr, &b->addr));
    CU_ASSERT_PTR_EQUAL(a->entry, b->entry);
    CU_ASSERT(!memcmp(a->roles, b->roles, sizeof(*a->roles)));
}

static void same_findings(const ws_checker *a, const ws_checker *b)
{
    const ws_finding *va, *vb;
    size_t na = ws_checker_findings(a, &va), nb = ws_checker_findings(b, &vb);
    CU_ASSERT_EQUAL_FATAL(na, nb);
    for (size_t i = 0; i < na; i++) {
        const ws_finding *x = &va[i], *y = &vb[i];
        CU_ASSERT_EQUAL(x->kind, y->kind);
        CU_ASSERT_EQUAL(x->severity, y->severity);
        CU_ASSERT_PTR_EQUAL(x->rule, y->rule);
        CU_ASSERT_PTR_EQUAL(x->constraint, y->constraint);
        CU_ASSERT_PTR_EQUAL(x->pack, y->pack);
        same_host(&x->src, &y->src);
        same_host(&x->dst, &y->dst);
        CU_ASSERT_EQUAL(x->sport, y->sport);
        CU_ASSERT_EQUAL(x->dport, y->dport);
        CU_ASSERT_EQUAL(x->has_ports, y->has_ports);
        CU_ASSERT_EQUAL(x->proto, y->proto);
        CU_ASSERT_STRING_EQUAL(x->message, y->message);
        CU_ASSERT_EQUAL_FATAL(x->n_ev, y->n_ev);
        for (size_t j = 0; j < x->n_ev; j++) {
            CU_ASSERT_STRING_EQUAL(x->ev[j].key, y->ev[j].key);
            CU_ASSERT_EQUAL(x->ev[j].is_num, y->ev[j].is_num);
            CU_ASSERT_EQUAL(x->ev[j].num, y->ev[j].num);
            CU_ASSERT_STRING_EQUAL(x->ev[j].str, y->ev[j].str);
        }
        CU_ASSERT_EQUAL(x->count, y->count);
        CU_ASSERT_EQUAL(x->first_us, y->first_us);
        CU_ASSERT_EQUAL(x->last_us, y->last_us);
        CU_ASSERT_EQUAL_FATAL(x->n_flows, y->n_flows);
        CU_ASSERT(!memcmp(x->flows, y->flows, x->n_flows * sizeof(x->flows[0])));
    }
}

static void same_coverage(const ws_checker *a, const ws_checker *b)
{
    const ws_coverage *va, *vb;
    size_t na = ws_checker_coverage(a, &va), nb = ws_checker_coverage(b, &vb);
    CU_ASSERT_EQUAL_FATAL(na, nb);
    for (size_t i = 0; i < na; i++) {
        CU_ASSERT_PTR_EQUAL(va[i].rule, vb[i].rule);
        same_host(&va[i].a, &vb[i].a);
        same_host(&va[i].b, &vb[i].b);
        CU_ASSERT_EQUAL(va[i].status, vb[i].status);
        CU_ASSERT_EQUAL(va[i].ok, vb[i].ok);
        CU_ASSERT_EQUAL(va[i].failed, vb[i].failed);
        CU_ASSERT_EQUAL(va[i].example, vb[i].example);
    }
}

/* The listed hosts that sent something, as the end of the run sorts them. */
static void same_present(const ws_checker *a, const ws_checker *b)
{
    CU_ASSERT_EQUAL_FATAL(a->n_present, b->n_present);
    for (size_t i = 0; i < a->n_present; i++) {
        CU_ASSERT(ws_addr_eq(&a->present[i].addr, &b->present[i].addr));
        CU_ASSERT_PTR_EQUAL(a->present[i].entry, b->present[i].entry);
    }
}

/* Two listed hosts whose addresses share a slot of the host memo, in one
 * flow and in turn: each is present, once, whichever took the slot last. */
static void test_hosts_sharing_a_slot(void)
{
    memo_env m;
    memo_open_site(&m, TC_SITE_NAMES);
    /* two addresses of 10.8.0.0/16 (listed: endpoint) with one slot */
    static uint32_t first[CHECK_HOST_SLOTS];
    char a[32] = "", b[32] = "";
    for (uint32_t i = 1; i < 65536 && !*b; i++) {
        ws_addr x;
        char s[32];
        snprintf(s, sizeof(s), "10.8.%u.%u", i >> 8, i & 255);
        x = tc_addr(s);
        size_t slot = ws_checker_host_slot(m.memo, &x);
        if (first[slot]) {
            snprintf(a, sizeof(a), "10.8.%u.%u", first[slot] >> 8, first[slot] & 255);
            snprintf(b, sizeof(b), "%s", s);
        }
        first[slot] = i;
    }
    CU_ASSERT_FATAL(*b != '\0');
    /* UDP 123 from one client to the other (no rule: unexpected-port), both
     * ways answered, then each alone, then the pair again */
    ws_flow f1 = tc_flow(1, 17, a, 40001, b, 123, TC_ANSWERED);
    ws_flow f2 = tc_flow(2, 17, b, 40002, a, 123, TC_ANSWERED);
    ws_flow f3 = tc_flow(3, 17, a, 40003, SRV, 9, TC_UNANSWERED);
    ws_flow f4 = tc_flow(4, 17, b, 40004, SRV, 9, TC_UNANSWERED);
    const ws_flow *fl[] = {&f1, &f2, &f3, &f4, &f1};
    for (size_t i = 0; i < 5; i++)
        judge(&m, fl[i]);
    ws_checker_finish(m.memo, NULL, 0);
    ws_checker_finish(m.fresh, NULL, 0);
    CU_ASSERT_EQUAL(m.memo->n_present, 2);
    same_present(m.memo, m.fresh);
    memo_close(&m);
}

/* 20,000 random flows among listed and unlisted hosts, on the pack's ports
 * and others, with names learned now and then (some the rules or the site
 * name, some not): every flow gets the same rule, and the run the same
 * findings and coverage, with the memos as without them. The flows repeat
 * keys far more often than the memos' slots, and enough keys and addresses
 * differ that slots are taken over. */
static void random_run(const char *site, size_t memo_slots, size_t host_slots)
{
    memo_env m;
    memo_open_site(&m, site);
    if (memo_slots)
        ws_checker_set_memo(m.memo, memo_slots, host_slots);
    size_t allowed = 0, differ = 0;
    for (uint64_t id = 1; id <= 20000; id++) {
        if (!rnd(200)) {
            ws_addr a = tc_addr(hosts[rnd(N_HOSTS)]);
            ws_names_add(m.names, &a, learned[rnd(N_LEARNED)]);
        }
        if (!rnd(100)) {
            char addr[32];
            unsigned x = rnd(12000);
            snprintf(addr, sizeof(addr), "10.9.%u.%u", x / 250, x % 250 + 1);
            ws_addr a = tc_addr(addr);
            ws_names_add(m.names, &a, learned[rnd(N_LEARNED)]);
        }
        if (!rnd(500)) {
            /* an address with a name of its own: a key never seen */
            char addr[32], name[64];
            snprintf(addr, sizeof(addr), "192.0.2.%u", (unsigned)(100 + rnd(100)));
            snprintf(name, sizeof(name), "host%u.other.example", (unsigned)id);
            ws_addr a = tc_addr(addr);
            ws_names_add(m.names, &a, name);
        }
        ws_flow f = random_flow(id);
        const ws_rule *x = ws_checker_flow(m.memo, &f, ws_flow_outcome(&f), "app");
        const ws_rule *y = ws_checker_flow(m.fresh, &f, ws_flow_outcome(&f), "app");
        differ += x != y;
        allowed += x != NULL;
    }
    CU_ASSERT_EQUAL(differ, 0);
    /* the random flows are not all refused: the comparison says something */
    CU_ASSERT(allowed > 500);
    ws_checker_finish(m.memo, NULL, 0);
    ws_checker_finish(m.fresh, NULL, 0);
    same_findings(m.memo, m.fresh);
    same_coverage(m.memo, m.fresh);
    same_present(m.memo, m.fresh);
    memo_close(&m);
}

static void test_random_run(void) { random_run(TC_SITE, 0, 0); }
static void test_random_run_names(void) { random_run(TC_SITE_NAMES, 0, 0); }
/* memos of a few slots: keys and addresses take slots over all the time */
static void test_random_run_small(void) { random_run(TC_SITE_NAMES, 8, 4); }
static void test_random_run_tiny(void) { random_run(TC_SITE, 2, 2); }

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"name learned between two flows of the same hosts", test_name_learned_between_flows},
        {"a second name learned", test_second_name_learned},
        {"same roles, other names", test_same_roles_other_names},
        {"the source port", test_source_port},
        {"a host listed by a name learned later", test_name_pattern_learned},
        {"two hosts in one slot of the host memo", test_hosts_sharing_a_slot},
        {"a random run, with and without the memos", test_random_run},
        {"the same with hosts listed by name pattern", test_random_run_names},
        {"the same with memos of 8 and 4 slots", test_random_run_small},
        {"the same with memos of 2 slots", test_random_run_tiny},
        {NULL, NULL},
    };
    ws_test_suite("check_memo", cases);
    return ws_test_run();
}

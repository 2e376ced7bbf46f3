/* test_check_coverage.c - coverage of mandatory paths between present
 * listed hosts (working, blocked, not seen -> missing-mandatory-path low),
 * and full-mesh constraints as a host x host matrix (exempt pairs, not-seen
 * pairs -> missing-mandatory-path medium). specification: DESIGN.md
 * (missing-mandatory-path, coverage), doc/rules.md (Rules: requirement;
 * Constraints: full-mesh and except). */
#include "test_check_util.h"

#define TC_SITE_ONE_LOCATION WS_SOURCE_DIR "/tests/data/check/site-one-location.json"

/* The coverage entry of rule_id between a and b (either order), or NULL. */
static const ws_coverage *cov_of(const tc_env *e, const char *rule_id, const char *a,
                                 const char *b)
{
    const ws_coverage *v;
    size_t n = ws_checker_coverage(e->c, &v);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].rule->id, rule_id) &&
            ((tc_addr_is(&v[i].a.addr, a) && tc_addr_is(&v[i].b.addr, b)) ||
             (tc_addr_is(&v[i].a.addr, b) && tc_addr_is(&v[i].b.addr, a))))
            return &v[i];
    return NULL;
}

/* Missing-mandatory-path findings (of a constraint, or of none). */
static size_t missing_count(const tc_env *e, bool of_constraint)
{
    const ws_finding *v;
    size_t n = ws_checker_findings(e->c, &v), k = 0;
    for (size_t i = 0; i < n; i++)
        k += v[i].kind == WS_FIND_MISSING_PATH && (v[i].constraint != NULL) == of_constraint;
    return k;
}

/* The manager reaches the server on 8080 (testco-mgmt, mandatory): one
 * coverage entry, working, with the flow as example; nothing missing. */
static void test_working(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f = tc_flow(7, 6, MGR, 50000, SRV, 8080, TC_ESTABLISHED);
    tc_run(&e, &f, "HTTP");
    ws_checker_finish(e.c, NULL, 0);
    const ws_coverage *v;
    CU_ASSERT_EQUAL(ws_checker_coverage(e.c, &v), 1);
    const ws_coverage *c = cov_of(&e, "testco-mgmt", MGR, SRV);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT(tc_addr_is(&c->a.addr, MGR));   /* a plays "from" */
    CU_ASSERT(tc_addr_is(&c->b.addr, SRV));
    CU_ASSERT_EQUAL(c->status, WS_COV_WORKING);
    CU_ASSERT_STRING_EQUAL(ws_cov_status_name(c->status), "working");
    CU_ASSERT_EQUAL(c->ok, 1);
    CU_ASSERT_EQUAL(c->failed, 0);
    CU_ASSERT_EQUAL(c->example, 7);
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_MISSING_PATH), 0);
    tc_close(&e);
}

/* Refused: blocked (and a blocked-path finding), not missing. One refused
 * and one working flow: working. */
static void test_blocked(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f = tc_flow(3, 6, MGR, 50000, SRV, 8080, TC_REJECTED);
    tc_run(&e, &f, NULL);
    ws_checker_finish(e.c, NULL, 0);
    const ws_coverage *c = cov_of(&e, "testco-mgmt", MGR, SRV);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->status, WS_COV_BLOCKED);
    CU_ASSERT_STRING_EQUAL(ws_cov_status_name(c->status), "blocked");
    CU_ASSERT_EQUAL(c->ok, 0);
    CU_ASSERT_EQUAL(c->failed, 1);
    CU_ASSERT_EQUAL(c->example, 3);
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_MISSING_PATH), 0);
    CU_ASSERT_PTR_NOT_NULL(tc_find(&e, WS_FIND_BLOCKED_PATH, "testco-mgmt"));
    tc_close(&e);

    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f1 = tc_flow(1, 6, MGR, 50001, SRV, 8080, TC_REJECTED);
    ws_flow f2 = tc_flow(2, 6, MGR, 50002, SRV, 8080, TC_ESTABLISHED);
    tc_run(&e, &f1, NULL);
    tc_run(&e, &f2, NULL);
    ws_checker_finish(e.c, NULL, 0);
    c = cov_of(&e, "testco-mgmt", MGR, SRV);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->status, WS_COV_WORKING);
    CU_ASSERT_EQUAL(c->ok, 1);
    CU_ASSERT_EQUAL(c->failed, 1);
    CU_ASSERT_EQUAL(c->example, 2);
    tc_close(&e);
}

/* Both present (each talked to the DNS server), and never a flow on 8080:
 * not seen, and a missing-mandatory-path at low naming rule and section. */
static void test_not_seen(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f1 = tc_flow(1, 17, MGR, 40001, DNS, 53, TC_ANSWERED);
    ws_flow f2 = tc_flow(2, 17, SRV, 40002, DNS, 53, TC_ANSWERED);
    tc_run(&e, &f1, "DNS");
    tc_run(&e, &f2, "DNS");
    ws_checker_finish(e.c, NULL, 0);
    const ws_coverage *c = cov_of(&e, "testco-mgmt", MGR, SRV);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->status, WS_COV_NOT_SEEN);
    CU_ASSERT_STRING_EQUAL(ws_cov_status_name(c->status), "not-seen");
    CU_ASSERT_EQUAL(c->ok + c->failed, 0);
    CU_ASSERT_EQUAL(c->example, 0);
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_MISSING_PATH), 1);
    const ws_finding *v = tc_find(&e, WS_FIND_MISSING_PATH, "testco-mgmt");
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_STRING_EQUAL(ws_finding_kind_name(v->kind), "missing-mandatory-path");
    CU_ASSERT_EQUAL(v->severity, WS_SEV_LOW);
    CU_ASSERT_PTR_NULL(v->constraint);
    CU_ASSERT(tc_addr_is(&v->src.addr, MGR));
    CU_ASSERT(tc_addr_is(&v->dst.addr, SRV));
    CU_ASSERT_EQUAL(v->proto, 6);
    CU_ASSERT_EQUAL(v->dport, 8080);
    CU_ASSERT_EQUAL(v->count, 1);
    CU_ASSERT_EQUAL(v->n_flows, 0);
    TC_HAS(v->message, "testco-mgmt");
    TC_HAS(v->message, "Management / 8080");
    TC_HAS(v->message, "mandatory");
    tc_close(&e);
}

/* Endpoints listed by a prefix: the one that reached the server on 443
 * (testco-https, mandatory) has a working entry; the other, present (it
 * sent DNS) but never on 443, has none, and nothing is missing: a capture
 * need not show every endpoint of a pool reaching every server
 * (doc/rules.md, Coverage). */
static void test_pool_not_listed(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f1 = tc_flow(1, 6, CLIENT, 50001, SRV, 443, TC_ESTABLISHED);
    ws_flow f2 = tc_flow(2, 17, CLIENT2, 40002, DNS, 53, TC_ANSWERED);
    tc_run(&e, &f1, "TLS");
    tc_run(&e, &f2, "DNS");
    ws_checker_finish(e.c, NULL, 0);
    const ws_coverage *c = cov_of(&e, "testco-https", CLIENT, SRV);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->status, WS_COV_WORKING);
    CU_ASSERT_PTR_NULL(cov_of(&e, "testco-https", CLIENT2, SRV));
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_MISSING_PATH), 0);
    tc_close(&e);
}

/* Many endpoints of the pool on two mandatory rules, their flows
 * interleaved: the entries come rule by rule in the pack's order
 * (testco-https, then testco-mgmt: tests/data/check/testco.json), and the
 * pool's pairs of a rule in the order of their first flow. */
static void test_pool_order(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    const char *clients[] = {"10.0.3.9", "10.0.3.2", "10.0.3.7", "10.0.3.4"};
    uint64_t id = 1;
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 4; i++) {
            ws_flow f = tc_flow(id, 6, clients[i], (uint16_t)(50000 + id), SRV, 443,
                                TC_ESTABLISHED);
            tc_run(&e, &f, "TLS");
            id++;
            ws_flow g = tc_flow(id, 6, MGR, (uint16_t)(50000 + id), SRV, 8080,
                                TC_ESTABLISHED);
            tc_run(&e, &g, "HTTP");
            id++;
        }
    ws_checker_finish(e.c, NULL, 0);
    const ws_coverage *v;
    size_t n = ws_checker_coverage(e.c, &v);
    CU_ASSERT_EQUAL_FATAL(n, 5);
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_STRING_EQUAL(v[i].rule->id, "testco-https");
        CU_ASSERT(tc_addr_is(&v[i].a.addr, clients[i]));
        CU_ASSERT(tc_addr_is(&v[i].b.addr, SRV));
        CU_ASSERT_EQUAL(v[i].ok, 2);
        CU_ASSERT_EQUAL(v[i].example, (uint64_t)(1 + 2 * i));
    }
    CU_ASSERT_STRING_EQUAL(v[4].rule->id, "testco-mgmt");
    CU_ASSERT_EQUAL(v[4].ok, 8);
    tc_close(&e);
}

/* A listed host that is never seen is not "present": no coverage of its
 * paths, nothing missing. */
static void test_absent_host(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f = tc_flow(1, 17, MGR, 40001, DNS, 53, TC_ANSWERED);
    tc_run(&e, &f, "DNS");
    ws_checker_finish(e.c, NULL, 0);
    CU_ASSERT_PTR_NULL(cov_of(&e, "testco-mgmt", MGR, SRV));
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_MISSING_PATH), 0);
    const ws_mesh *m;
    CU_ASSERT_EQUAL(ws_checker_meshes(e.c, &m), 0);
    tc_close(&e);
}

/* Four mesh hosts, sorted by address: node-a 10.0.0.1, node-b 10.0.0.2,
 * edge-oslo 10.0.1.1, edge-bergen 10.0.1.2. Flows on testco-internode:
 *   a-b working, a-oslo refused, b-oslo working, bergen->b working
 *   (initiated by the edge: either direction counts), a-bergen none,
 *   oslo-bergen none (edges in different locations: exempt). */
static void run_mesh(tc_env *e)
{
    ws_flow f[4] = {
        tc_flow(1, 6, NODE_A, 50001, NODE_B, 4000, TC_ESTABLISHED),
        tc_flow(2, 6, NODE_A, 50002, EDGE_OSLO, 4000, TC_REJECTED),
        tc_flow(3, 6, EDGE_BERGEN, 50003, NODE_B, 4000, TC_ESTABLISHED),
        tc_flow(4, 6, NODE_B, 50004, EDGE_OSLO, 4000, TC_ESTABLISHED),
    };
    for (int i = 0; i < 4; i++) {
        const ws_rule *r = tc_run(e, &f[i], NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        CU_ASSERT_STRING_EQUAL(r->id, "testco-internode");
    }
    ws_checker_finish(e->c, NULL, 0);
}

static void test_mesh(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    run_mesh(&e);
    const ws_mesh *m;
    CU_ASSERT_EQUAL_FATAL(ws_checker_meshes(e.c, &m), 1);
    CU_ASSERT_STRING_EQUAL(m->constraint->id, "testco-mesh");
    CU_ASSERT_EQUAL_FATAL(m->n, 4);
    static const char *const order[4] = {NODE_A, NODE_B, EDGE_OSLO, EDGE_BERGEN};
    for (size_t i = 0; i < 4; i++)
        CU_ASSERT(tc_addr_is(&m->hosts[i].addr, order[i]));
    enum { W = WS_COV_WORKING, B = WS_COV_BLOCKED, N = WS_COV_NOT_SEEN,
           X = WS_COV_EXEMPT, S = WS_COV_SELF };
    static const uint8_t want[4][4] = {
        {S, W, B, N},
        {W, S, W, W},
        {B, W, S, X},
        {N, W, X, S},
    };
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < 4; j++) {
            if (m->cell[i * 4 + j] != want[i][j])
                fprintf(stderr, "cell %zu,%zu: %s, expected %s\n", i, j,
                        ws_cov_status_name(m->cell[i * 4 + j]),
                        ws_cov_status_name(want[i][j]));
            CU_ASSERT_EQUAL(m->cell[i * 4 + j], want[i][j]);
        }

    /* one missing path of the constraint: node-a and edge-bergen, medium */
    CU_ASSERT_EQUAL(missing_count(&e, true), 1);
    const ws_finding *v;
    size_t n = ws_checker_findings(e.c, &v);
    const ws_finding *miss = NULL;
    for (size_t i = 0; i < n; i++)
        if (v[i].kind == WS_FIND_MISSING_PATH && v[i].constraint)
            miss = &v[i];
    CU_ASSERT_PTR_NOT_NULL_FATAL(miss);
    CU_ASSERT_EQUAL(miss->severity, WS_SEV_MEDIUM);
    CU_ASSERT_STRING_EQUAL(miss->constraint->id, "testco-mesh");
    CU_ASSERT_PTR_NOT_NULL_FATAL(miss->rule);
    CU_ASSERT_STRING_EQUAL(miss->rule->id, "testco-internode");
    CU_ASSERT(tc_addr_is(&miss->src.addr, NODE_A));
    CU_ASSERT(tc_addr_is(&miss->dst.addr, EDGE_BERGEN));
    CU_ASSERT_EQUAL(miss->dport, 4000);
    TC_HAS(miss->message, "testco-mesh");
    TC_HAS(miss->message, "testco-internode");
    TC_HAS(miss->message, "Mesh guidance");
    /* the mesh rule raises no low missing-path of its own */
    const ws_finding *low = NULL;
    for (size_t i = 0; i < n; i++)
        if (v[i].kind == WS_FIND_MISSING_PATH && !v[i].constraint && v[i].rule &&
            !strcmp(v[i].rule->id, "testco-internode"))
            low = &v[i];
    CU_ASSERT_PTR_NULL(low);
    /* the refused pair is a blocked path */
    const ws_finding *b = tc_find(&e, WS_FIND_BLOCKED_PATH, "testco-internode");
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT(tc_addr_is(&b->dst.addr, EDGE_OSLO));
    tc_close(&e);
}

/* The same flows with both edges in one location: the pair is no longer
 * exempt, and is a second missing path. */
static void test_mesh_same_location(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open_site(&e, TC_SITE_ONE_LOCATION));
    run_mesh(&e);
    const ws_mesh *m;
    CU_ASSERT_EQUAL_FATAL(ws_checker_meshes(e.c, &m), 1);
    CU_ASSERT_EQUAL_FATAL(m->n, 4);
    CU_ASSERT_EQUAL(m->cell[2 * 4 + 3], WS_COV_NOT_SEEN);
    CU_ASSERT_EQUAL(m->cell[3 * 4 + 2], WS_COV_NOT_SEEN);
    CU_ASSERT_EQUAL(missing_count(&e, true), 2);
    tc_close(&e);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"mandatory path working", test_working},
        {"mandatory path refused: blocked; one working flow: working", test_blocked},
        {"mandatory path not seen: missing-mandatory-path low", test_not_seen},
        {"host never seen: not present", test_absent_host},
        {"a pool of endpoints: only the pairs seen", test_pool_not_listed},
        {"a pool of endpoints on two rules: entries in order", test_pool_order},
        {"full mesh: matrix, exempt pair, missing pair medium", test_mesh},
        {"full mesh: same location is not exempt", test_mesh_same_location},
        {NULL, NULL},
    };
    ws_test_suite("check coverage", cases);
    return ws_test_run();
}

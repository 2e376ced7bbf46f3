/* test_check_findings.c - findings grouped per (kind, rule, source host,
 * destination host, port) with a count, first/last seen and a few example
 * flows; the max_findings limit; worst first; the contract's kind and
 * severity strings. specification: DESIGN.md (JSON report: findings, finding
 * kinds), src/common/limits.h (max_findings, findings_dropped). */
#include "test_check_util.h"

#define SEC 1000000LL

static ws_flow at(ws_flow f, int64_t first_s, int64_t last_s)
{
    f.first_us = TC_T0 + first_s * SEC;
    f.last_us = TC_T0 + last_s * SEC;
    return f;
}

/* Seven refused HTTPS attempts from one client, in capture order of their
 * end but not of their start: one finding, count 7, seen from the earliest
 * start to the latest end, the first five flow ids as examples. */
static void test_one_group(void)
{
    static const int64_t first[7] = {5, 2, 9, 1, 7, 3, 4};
    static const int64_t last[7] = {6, 3, 10, 20, 8, 4, 5};
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    for (int i = 0; i < 7; i++) {
        ws_flow f = tc_flow((uint64_t)(10 + i), 6, CLIENT, (uint16_t)(50000 + i), SRV, 443,
                            TC_REJECTED);
        f = at(f, first[i], last[i]);
        tc_run(&e, &f, NULL);
    }
    ws_checker_finish(e.c, NULL, 0);
    CU_ASSERT_EQUAL_FATAL(tc_count(&e, WS_FIND_BLOCKED_PATH), 1);
    const ws_finding *v = tc_find(&e, WS_FIND_BLOCKED_PATH, "testco-https");
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_EQUAL(v->count, 7);
    CU_ASSERT_EQUAL(v->first_us, TC_T0 + 1 * SEC);
    CU_ASSERT_EQUAL(v->last_us, TC_T0 + 20 * SEC);
    CU_ASSERT_EQUAL_FATAL(v->n_flows, WS_FINDING_EXAMPLES);
    CU_ASSERT_EQUAL(WS_FINDING_EXAMPLES, 5);
    for (size_t i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(v->flows[i], 10 + i);
    CU_ASSERT_EQUAL(v->sport, 50000);
    CU_ASSERT_EQUAL(v->dport, 443);
    CU_ASSERT_EQUAL(e.stats.findings_dropped, 0);
    tc_close(&e);
}

/* Another client, another port, another kind: separate findings. */
static void test_keys_apart(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f1 = tc_flow(1, 6, CLIENT, 50001, SRV, 443, TC_REJECTED);
    ws_flow f2 = tc_flow(2, 6, CLIENT2, 50002, SRV, 443, TC_REJECTED);
    ws_flow f3 = tc_flow(3, 6, CLIENT, 50003, SRV, 8081, TC_REJECTED);
    ws_flow f4 = tc_flow(4, 6, CLIENT, 50004, SRV, 8082, TC_REJECTED);
    ws_flow f5 = tc_flow(5, 6, CLIENT, 50005, SRV, 8081, TC_REJECTED);
    ws_flow f6 = tc_flow(6, 17, CLIENT, 50006, SRV, 8081, TC_UNANSWERED);
    tc_run(&e, &f1, NULL);
    tc_run(&e, &f2, NULL);
    tc_run(&e, &f3, NULL);
    tc_run(&e, &f4, NULL);
    tc_run(&e, &f5, NULL);
    tc_run(&e, &f6, NULL);
    ws_checker_finish(e.c, NULL, 0);
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_BLOCKED_PATH), 2);
    /* tcp/8081 (two flows), tcp/8082, udp/8081 */
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_UNEXPECTED_PORT), 3);
    const ws_finding *v;
    size_t n = ws_checker_findings(e.c, &v);
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].kind == WS_FIND_UNEXPECTED_PORT && v[i].proto == 6 && v[i].dport == 8081) {
            CU_ASSERT_EQUAL(v[i].count, 2);
            CU_ASSERT_EQUAL(v[i].n_flows, 2);
            CU_ASSERT_EQUAL(v[i].flows[0], 3);
            CU_ASSERT_EQUAL(v[i].flows[1], 5);
        }
        if (v[i].kind == WS_FIND_UNEXPECTED_PORT || v[i].kind == WS_FIND_BLOCKED_PATH)
            total += v[i].count;
    }
    CU_ASSERT_EQUAL(total, 6);
    tc_close(&e);
}

/* A group is as severe as its worst flow, and that flow's words speak for
 * it: a refused attempt (low) then a connection that worked (medium). */
static void test_worst_speaks(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f1 = tc_flow(1, 6, CLIENT, 50001, SRV, 8081, TC_REJECTED);
    ws_flow f2 = tc_flow(2, 6, CLIENT, 50002, SRV, 8081, TC_ESTABLISHED);
    tc_run(&e, &f1, NULL);
    tc_run(&e, &f2, NULL);
    ws_checker_finish(e.c, NULL, 0);
    CU_ASSERT_EQUAL_FATAL(tc_count(&e, WS_FIND_UNEXPECTED_PORT), 1);
    const ws_finding *v = tc_find(&e, WS_FIND_UNEXPECTED_PORT, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_EQUAL(v->severity, WS_SEV_MEDIUM);
    CU_ASSERT_EQUAL(v->count, 2);
    TC_EV_EQ(v, "outcome", "established");
    tc_close(&e);
}

/* max_findings 2: a third group is counted in findings_dropped, a flow of
 * a kept group still adds to its count. */
static void test_max_findings(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    e.limits.max_findings = 2;
    ws_flow f1 = tc_flow(1, 6, CLIENT, 50001, SRV, 8081, TC_ESTABLISHED);
    ws_flow f2 = tc_flow(2, 6, CLIENT, 50002, SRV, 8082, TC_ESTABLISHED);
    ws_flow f3 = tc_flow(3, 6, CLIENT, 50003, SRV, 8083, TC_ESTABLISHED);
    ws_flow f4 = tc_flow(4, 6, CLIENT, 50004, SRV, 8081, TC_ESTABLISHED);
    ws_flow f5 = tc_flow(5, 6, CLIENT, 50005, SRV, 8084, TC_ESTABLISHED);
    tc_run(&e, &f1, NULL);
    tc_run(&e, &f2, NULL);
    tc_run(&e, &f3, NULL);
    CU_ASSERT_EQUAL(e.stats.findings_dropped, 1);
    tc_run(&e, &f4, NULL);
    CU_ASSERT_EQUAL(e.stats.findings_dropped, 1);
    tc_run(&e, &f5, NULL);
    CU_ASSERT_EQUAL(e.stats.findings_dropped, 2);
    const ws_finding *v;
    size_t n = ws_checker_findings(e.c, &v);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT(v[i].dport == 8081 || v[i].dport == 8082);
        CU_ASSERT_EQUAL(v[i].count, v[i].dport == 8081 ? 2 : 1);
    }
    tc_close(&e);
}

/* After finish the worst come first: high, then medium, then info. */
static void test_sorted(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f1 = tc_flow(1, 1, SRV, 8, OUT1, 0, TC_ANSWERED);            /* info */
    ws_flow f2 = tc_flow(2, 6, CLIENT, 50002, SRV, 8081, TC_ESTABLISHED); /* medium */
    ws_flow f3 = tc_flow(3, 6, CLIENT, 50003, SRV, 443, TC_REJECTED);     /* high */
    ws_flow f4 = tc_flow(4, 6, CLIENT, 50004, SRV, 8082, TC_REJECTED);    /* low */
    tc_run(&e, &f1, NULL);
    tc_run(&e, &f2, NULL);
    tc_run(&e, &f3, NULL);
    tc_run(&e, &f4, NULL);
    ws_checker_finish(e.c, NULL, 0);
    const ws_finding *v;
    size_t n = ws_checker_findings(e.c, &v);
    CU_ASSERT_EQUAL_FATAL(n, 4);
    CU_ASSERT_EQUAL(v[0].severity, WS_SEV_HIGH);
    CU_ASSERT_EQUAL(v[0].flows[0], 3);
    CU_ASSERT_EQUAL(v[1].severity, WS_SEV_MEDIUM);
    CU_ASSERT_EQUAL(v[2].severity, WS_SEV_LOW);
    CU_ASSERT_EQUAL(v[3].severity, WS_SEV_INFO);
    CU_ASSERT_EQUAL(v[3].flows[0], 1);
    tc_close(&e);
}

/* The stable strings of DESIGN.md, and --fail-on's severities. */
static void test_names(void)
{
    CU_ASSERT_STRING_EQUAL(ws_finding_kind_name(WS_FIND_UNEXPECTED_PORT), "unexpected-port");
    CU_ASSERT_STRING_EQUAL(ws_finding_kind_name(WS_FIND_UNEXPECTED_APP),
                           "unexpected-application");
    CU_ASSERT_STRING_EQUAL(ws_finding_kind_name(WS_FIND_BLOCKED_PATH), "blocked-path");
    CU_ASSERT_STRING_EQUAL(ws_finding_kind_name(WS_FIND_NAT), "nat-between-nodes");
    CU_ASSERT_STRING_EQUAL(ws_finding_kind_name(WS_FIND_MISSING_PATH),
                           "missing-mandatory-path");
    CU_ASSERT_STRING_EQUAL(ws_severity_name(WS_SEV_HIGH), "high");
    CU_ASSERT_STRING_EQUAL(ws_severity_name(WS_SEV_MEDIUM), "medium");
    CU_ASSERT_STRING_EQUAL(ws_severity_name(WS_SEV_LOW), "low");
    CU_ASSERT_STRING_EQUAL(ws_severity_name(WS_SEV_INFO), "info");
    int s = -1;
    CU_ASSERT(ws_severity_parse("high", &s) && s == WS_SEV_HIGH);
    CU_ASSERT(ws_severity_parse("Low", &s) && s == WS_SEV_LOW);
    CU_ASSERT(ws_severity_parse("none", &s) && s > WS_SEV_HIGH);
    CU_ASSERT_FALSE(ws_severity_parse("critical", &s));
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"seven flows, one finding: count, seen, five examples", test_one_group},
        {"client, port, transport, kind keep findings apart", test_keys_apart},
        {"the worst flow speaks for its group", test_worst_speaks},
        {"max_findings: further groups dropped and counted", test_max_findings},
        {"worst first after finish", test_sorted},
        {"kind and severity strings", test_names},
        {NULL, NULL},
    };
    ws_test_suite("check findings", cases);
    return ws_test_run();
}

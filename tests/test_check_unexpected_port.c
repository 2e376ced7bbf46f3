/* test_check_unexpected_port.c - unexpected-port findings: a flow touching a
 * listed host that no rule allows, and how severe it is. specification:
 * DESIGN.md (finding kinds), doc/rules.md ("Which rules a flow may use",
 * features and names at severity low). */
#include "test_check_util.h"

/* The one unexpected-port finding of the run, checked against the flow. */
static const ws_finding *only_finding(tc_env *e, const ws_flow *f)
{
    const ws_finding *v;
    CU_ASSERT_EQUAL_FATAL(ws_checker_findings(e->c, &v), 1);
    CU_ASSERT_EQUAL(v->kind, WS_FIND_UNEXPECTED_PORT);
    CU_ASSERT_STRING_EQUAL(ws_finding_kind_name(v->kind), "unexpected-port");
    CU_ASSERT_PTR_NULL(v->rule);
    CU_ASSERT(ws_addr_eq(&v->src.addr, &f->src));
    CU_ASSERT(ws_addr_eq(&v->dst.addr, &f->dst));
    CU_ASSERT_EQUAL(v->proto, f->proto);
    CU_ASSERT_EQUAL(v->dport, f->dport);
    CU_ASSERT_EQUAL(v->count, 1);
    CU_ASSERT_EQUAL(v->first_us, f->first_us);
    CU_ASSERT_EQUAL(v->last_us, f->last_us);
    CU_ASSERT_EQUAL(v->n_flows, 1);
    CU_ASSERT_EQUAL(v->flows[0], f->id);
    return v;
}

/* An endpoint reaching the server on a port the pack does not list, and the
 * connection worked: medium. */
static void test_worked_is_medium(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f = tc_flow(1, 6, CLIENT, 50000, SRV, 8081, TC_ESTABLISHED);
    CU_ASSERT_PTR_NULL(tc_run(&e, &f, NULL));
    ws_checker_finish(e.c, NULL, 0);
    const ws_finding *v = only_finding(&e, &f);
    CU_ASSERT_EQUAL(v->severity, WS_SEV_MEDIUM);
    CU_ASSERT(v->has_ports);
    CU_ASSERT_EQUAL(v->sport, 50000);
    CU_ASSERT_PTR_NOT_NULL(v->src.entry);
    CU_ASSERT_PTR_NOT_NULL(v->dst.entry);
    TC_EV_EQ(v, "outcome", "established");
    CU_ASSERT_PTR_NULL(tc_ev(v, "nearest_rule"));
    TC_HAS(v->message, "tcp/8081");
    TC_HAS(v->message, "10.0.2.10 (testco-server, srv)");
    TC_HAS(v->message, "10.0.3.5 (endpoint, clients)");
    tc_close(&e);
}

/* The same path, refused or unanswered: nothing got through, low. */
static void test_failed_is_low(void)
{
    static const struct {
        tc_kind k;
        const char *outcome;
    } cases[] = {{TC_REJECTED, "rejected"}, {TC_NO_ANSWER, "no-answer"}};
    for (size_t i = 0; i < 2; i++) {
        tc_env e;
        CU_ASSERT_FATAL(tc_open(&e, true));
        ws_flow f = tc_flow(1, 6, CLIENT, 50000, SRV, 8081, cases[i].k);
        CU_ASSERT_PTR_NULL(tc_run(&e, &f, NULL));
        ws_checker_finish(e.c, NULL, 0);
        const ws_finding *v = only_finding(&e, &f);
        CU_ASSERT_EQUAL(v->severity, WS_SEV_LOW);
        TC_EV_EQ(v, "outcome", cases[i].outcome);
        TC_HAS(v->message, "tried");
        tc_close(&e);
    }
}

/* SSH from an (unlisted) admin workstation to the server: rule testco-ssh
 * would allow it, but its feature "ssh" is off at this site. doc/rules.md:
 * "The finding says which rule and feature would allow it, at severity low." */
static void test_feature_off_is_low(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f = tc_flow(1, 6, OUT1, 51000, SRV, 22, TC_ESTABLISHED);
    CU_ASSERT_PTR_NULL(tc_run(&e, &f, "SSH"));
    ws_checker_finish(e.c, NULL, 0);
    const ws_finding *v = only_finding(&e, &f);
    CU_ASSERT_EQUAL(v->severity, WS_SEV_LOW);
    CU_ASSERT_PTR_NULL(v->src.entry);
    TC_EV_EQ(v, "nearest_rule", "testco-ssh");
    TC_HAS(v->message, "testco-ssh");
    TC_HAS(v->message, "ssh");
    TC_HAS(v->message, "192.0.2.7 (unlisted)");
    tc_close(&e);
}

/* The server calling out on 443: testco-api allows it only towards
 * api.testco.example. doc/rules.md (Names): no name learned -> low; a name
 * that does not match -> a wrong destination, medium; the right name ->
 * allowed, nothing. */
static void test_names(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow unknown = tc_flow(1, 6, SRV, 40001, OUT1, 443, TC_ESTABLISHED);
    ws_flow wrong = tc_flow(2, 6, SRV, 40002, OUT3, 443, TC_ESTABLISHED);
    ws_flow right = tc_flow(3, 6, SRV, 40003, OUT2, 443, TC_ESTABLISHED);
    CU_ASSERT_PTR_NULL(tc_run(&e, &unknown, "TLS"));
    CU_ASSERT_PTR_NULL(tc_run(&e, &wrong, "TLS"));
    const ws_rule *r = tc_run(&e, &right, "TLS");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->id, "testco-api");
    ws_checker_finish(e.c, NULL, 0);

    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_UNEXPECTED_PORT), 2);
    const ws_finding *v;
    size_t n = ws_checker_findings(e.c, &v);
    const ws_finding *fu = NULL, *fw = NULL;
    for (size_t i = 0; i < n; i++) {
        if (tc_addr_is(&v[i].dst.addr, OUT1))
            fu = &v[i];
        if (tc_addr_is(&v[i].dst.addr, OUT3))
            fw = &v[i];
        CU_ASSERT_FALSE(tc_addr_is(&v[i].dst.addr, OUT2));
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(fu);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fw);
    CU_ASSERT_EQUAL(fu->severity, WS_SEV_LOW);
    TC_EV_EQ(fu, "nearest_rule", "testco-api");
    CU_ASSERT_PTR_NULL(tc_ev(fu, "dst_name"));
    TC_HAS(fu->message, "testco-api");
    CU_ASSERT_EQUAL(fw->severity, WS_SEV_MEDIUM);
    TC_EV_EQ(fw, "nearest_rule", "testco-api");
    TC_EV_EQ(fw, "dst_name", "www.other.example");
    tc_close(&e);
}

/* ICMP echo from the server: no rule, but only info. Flow records keep the
 * ICMP type and code in sport and dport (flow.h, Zeek-style). */
static void test_icmp_is_info(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f = tc_flow(1, 1, SRV, 8, OUT1, 0, TC_ANSWERED);
    CU_ASSERT_PTR_NULL(tc_run(&e, &f, NULL));
    ws_checker_finish(e.c, NULL, 0);
    const ws_finding *v = only_finding(&e, &f);
    CU_ASSERT_EQUAL(v->severity, WS_SEV_INFO);
    CU_ASSERT_FALSE(v->has_ports);
    TC_HAS(v->message, "icmp type 8 code 0");
    tc_close(&e);
}

/* A flow between two unlisted hosts is not audited (doc/rules.md: "A flow
 * is checked when at least one of its two hosts is listed"); an allowed
 * flow raises nothing either. */
static void test_unlisted_and_allowed(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f1 = tc_flow(1, 6, OUT1, 50000, OUT3, 9999, TC_ESTABLISHED);
    ws_flow f2 = tc_flow(2, 17, OUT1, 50000, OUT3, 9999, TC_UNANSWERED);
    ws_flow f3 = tc_flow(3, 6, CLIENT, 50001, SRV, 443, TC_ESTABLISHED);
    CU_ASSERT_PTR_NULL(tc_run(&e, &f1, NULL));
    CU_ASSERT_PTR_NULL(tc_run(&e, &f2, NULL));
    const ws_rule *r = tc_run(&e, &f3, "TLS");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->id, "testco-https");
    ws_checker_finish(e.c, NULL, 0);
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_UNEXPECTED_PORT), 0);
    tc_close(&e);
}

/* Without a site nothing is listed: flows are still matched to rules, and
 * no finding is raised (doc/rules.md, "Without --site"). Without a site
 * every host plays every role that is not listed_only, so NTP from any
 * host to any host is testco-ntp. */
static void test_no_site(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, false));
    ws_flow f1 = tc_flow(1, 6, CLIENT, 50000, SRV, 8081, TC_ESTABLISHED);
    ws_flow f2 = tc_flow(2, 17, OUT1, 40000, OUT3, 123, TC_ANSWERED);
    ws_flow f3 = tc_flow(3, 1, SRV, 8, OUT1, 0, TC_ANSWERED);
    CU_ASSERT_PTR_NULL(tc_run(&e, &f1, NULL));
    const ws_rule *r = tc_run(&e, &f2, "NTP");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->id, "testco-ntp");
    CU_ASSERT_PTR_NULL(tc_run(&e, &f3, NULL));
    ws_checker_finish(e.c, NULL, 0);
    const ws_finding *v;
    CU_ASSERT_EQUAL(ws_checker_findings(e.c, &v), 0);
    const ws_coverage *cov;
    CU_ASSERT_EQUAL(ws_checker_coverage(e.c, &cov), 0);
    tc_close(&e);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"flow that worked: medium", test_worked_is_medium},
        {"refused or unanswered: low", test_failed_is_low},
        {"rule whose feature is off: low, names rule and feature", test_feature_off_is_low},
        {"names: unknown low, wrong medium, right allowed", test_names},
        {"ICMP: info", test_icmp_is_info},
        {"unlisted hosts and allowed flows: nothing", test_unlisted_and_allowed},
        {"no site: rules matched, no finding", test_no_site},
        {NULL, NULL},
    };
    ws_test_suite("check unexpected-port", cases);
    return ws_test_run();
}

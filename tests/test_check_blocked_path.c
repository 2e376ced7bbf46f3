/* test_check_blocked_path.c - blocked-path findings for flows a rule
 * allows that failed: refused, unanswered SYNs, ICMP errors, UDP requests
 * with no reply; severity from the rule's requirement. specification:
 * DESIGN.md (finding kinds), doc/rules.md (Rules: requirement,
 * expect_reply), RFC 792 and RFC 1812 section 5.2.7.1 (ICMP 3/13). */
#include "test_check_util.h"

/* Runs one flow alone and returns the blocked-path finding of rule_id (the
 * env stays open for more checks; the caller closes it). */
static const ws_finding *blocked_alone(tc_env *e, const ws_flow *f, const char *rule_id)
{
    CU_ASSERT_FATAL(tc_open(e, true));
    const ws_rule *r = tc_run(e, f, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->id, rule_id);
    ws_checker_finish(e->c, NULL, 0);
    CU_ASSERT_EQUAL(tc_count(e, WS_FIND_BLOCKED_PATH), 1);
    CU_ASSERT_EQUAL(tc_count(e, WS_FIND_UNEXPECTED_PORT), 0);
    const ws_finding *v = tc_find(e, WS_FIND_BLOCKED_PATH, rule_id);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_STRING_EQUAL(ws_finding_kind_name(v->kind), "blocked-path");
    CU_ASSERT(ws_addr_eq(&v->src.addr, &f->src));
    CU_ASSERT(ws_addr_eq(&v->dst.addr, &f->dst));
    CU_ASSERT_EQUAL(v->proto, f->proto);
    CU_ASSERT_EQUAL(v->dport, f->dport);
    CU_ASSERT_EQUAL(v->count, 1);
    CU_ASSERT_EQUAL(v->first_us, f->first_us);
    CU_ASSERT_EQUAL(v->last_us, f->last_us);
    CU_ASSERT_EQUAL(v->n_flows, 1);
    CU_ASSERT_EQUAL(v->flows[0], f->id);
    TC_HAS(v->message, rule_id);
    return v;
}

/* Client HTTPS refused by RST: testco-https is mandatory, so high. */
static void test_rejected(void)
{
    tc_env e;
    ws_flow f = tc_flow(1, 6, CLIENT, 50000, SRV, 443, TC_REJECTED);
    const ws_finding *v = blocked_alone(&e, &f, "testco-https");
    CU_ASSERT_EQUAL(v->severity, WS_SEV_HIGH);
    TC_EV_EQ(v, "outcome", "rejected");
    TC_EV_EQ(v, "syn_count", "1");
    TC_EV_EQ(v, "src_packets", "1");
    TC_EV_EQ(v, "dst_packets", "1");
    TC_HAS(v->message, "mandatory");
    TC_HAS(v->message, "Client ports");
    TC_HAS(v->message, "HTTPS 443");
    tc_close(&e);
}

/* Three SYNs and nothing back. */
static void test_no_answer(void)
{
    tc_env e;
    ws_flow f = tc_flow(1, 6, CLIENT, 50000, SRV, 443, TC_NO_ANSWER);
    const ws_finding *v = blocked_alone(&e, &f, "testco-https");
    CU_ASSERT_EQUAL(v->severity, WS_SEV_HIGH);
    TC_EV_EQ(v, "outcome", "no-answer");
    TC_EV_EQ(v, "syn_count", "3");
    TC_EV_EQ(v, "src_packets", "3");
    TC_EV_EQ(v, "dst_packets", "0");
    TC_HAS(v->message, "3 SYNs");
    tc_close(&e);
}

/* A firewall at 10.0.2.1 answers the SYN with ICMP type 3 code 13,
 * "communication administratively prohibited" (RFC 1812 5.2.7.1). */
static void test_icmp_prohibited(void)
{
    tc_env e;
    ws_flow f = tc_flow(1, 6, CLIENT, 50000, SRV, 443, TC_ICMP);
    f.icmp_type = 3;
    f.icmp_code = 13;
    f.icmp_reporter = tc_addr("10.0.2.1");
    const ws_finding *v = blocked_alone(&e, &f, "testco-https");
    CU_ASSERT_EQUAL(v->severity, WS_SEV_HIGH);
    TC_EV_EQ(v, "outcome", "icmp-error");
    TC_EV_EQ(v, "icmp_type", "3");
    TC_EV_EQ(v, "icmp_code", "13");
    TC_EV_EQ(v, "icmp_from", "10.0.2.1");
    TC_EV_EQ(v, "icmp_meaning", "communication administratively prohibited");
    TC_HAS(v->message, "10.0.2.1");
    TC_HAS(v->message, "3/13");
    tc_close(&e);
}

/* DNS is expect_reply and recommended: a query with no answer is a blocked
 * path at medium. */
static void test_udp_expect_reply(void)
{
    tc_env e;
    ws_flow f = tc_flow(1, 17, SRV, 40000, DNS, 53, TC_UNANSWERED);
    const ws_finding *v = blocked_alone(&e, &f, "testco-dns");
    CU_ASSERT_EQUAL(v->severity, WS_SEV_MEDIUM);
    TC_EV_EQ(v, "outcome", "unanswered");
    TC_EV_EQ(v, "src_packets", "2");
    CU_ASSERT_PTR_NULL(tc_ev(v, "syn_count"));
    TC_HAS(v->message, "recommended");
    TC_HAS(v->message, "Infrastructure");
    TC_HAS(v->message, "DNS 53");
    tc_close(&e);
}

/* Syslog is one-way (no expect_reply): datagrams with nothing back are
 * how it works; a port unreachable from the collector is a blocked path,
 * low as the rule is optional. */
static void test_udp_without_expect_reply(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f = tc_flow(1, 17, SRV, 40000, OUT1, 514, TC_UNANSWERED);
    const ws_rule *r = tc_run(&e, &f, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->id, "testco-syslog");
    ws_checker_finish(e.c, NULL, 0);
    const ws_finding *v;
    CU_ASSERT_EQUAL(ws_checker_findings(e.c, &v), 0);
    tc_close(&e);

    f = tc_flow(2, 17, SRV, 40000, OUT1, 514, TC_ICMP);
    f.icmp_type = 3;
    f.icmp_code = 3;
    f.icmp_reporter = tc_addr(OUT1);
    v = blocked_alone(&e, &f, "testco-syslog");
    CU_ASSERT_EQUAL(v->severity, WS_SEV_LOW);
    TC_EV_EQ(v, "icmp_meaning", "port unreachable");
    TC_EV_EQ(v, "icmp_from", OUT1);
    TC_HAS(v->message, "optional");
    tc_close(&e);
}

/* testco-record is conditional on "recording", which the site turns on:
 * mandatory there, so a blocked flow is high. */
static void test_conditional_enabled(void)
{
    tc_env e;
    ws_flow f = tc_flow(1, 6, SRV, 41000, REC, 5000, TC_NO_ANSWER);
    const ws_finding *v = blocked_alone(&e, &f, "testco-record");
    CU_ASSERT_EQUAL(v->severity, WS_SEV_HIGH);
    TC_HAS(v->message, "Recording");
    tc_close(&e);
}

/* Flows that worked raise nothing; nor does a DNS reply whose query was
 * not captured (UDP: the first sender is only a guess, doc/rules.md; the
 * flow is testco-dns the other way round, and the server asked nothing
 * that went unanswered). */
static void test_working_and_reversed(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f1 = tc_flow(1, 6, CLIENT, 50000, SRV, 443, TC_ESTABLISHED);
    ws_flow f2 = tc_flow(2, 17, SRV, 40000, DNS, 53, TC_ANSWERED);
    ws_flow f3 = tc_flow(3, 17, DNS, 53, SRV, 40001, TC_UNANSWERED);
    ws_flow f4 = tc_flow(4, 6, SRV, 41000, REC, 5000, TC_ESTABLISHED);
    tc_run(&e, &f1, "TLS");
    tc_run(&e, &f2, "DNS");
    const ws_rule *r = tc_run(&e, &f3, "DNS");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->id, "testco-dns");
    tc_run(&e, &f4, NULL);
    ws_checker_finish(e.c, NULL, 0);
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_BLOCKED_PATH), 0);
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_UNEXPECTED_PORT), 0);
    tc_close(&e);
}

/* A refused flow of a path that no rule allows is unexpected-port, not
 * blocked-path. */
static void test_not_allowed_is_not_blocked(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f = tc_flow(1, 6, CLIENT, 50000, SRV, 8443, TC_REJECTED);
    CU_ASSERT_PTR_NULL(tc_run(&e, &f, NULL));
    ws_checker_finish(e.c, NULL, 0);
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_BLOCKED_PATH), 0);
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_UNEXPECTED_PORT), 1);
    tc_close(&e);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"refused by RST: high for a mandatory rule", test_rejected},
        {"SYNs with no answer: syn_count", test_no_answer},
        {"ICMP 3/13 with its reporter", test_icmp_prohibited},
        {"UDP expect_reply unanswered: medium for recommended", test_udp_expect_reply},
        {"UDP without expect_reply: no finding; ICMP error low for optional",
         test_udp_without_expect_reply},
        {"conditional rule with its feature on: high", test_conditional_enabled},
        {"working flows and a reply without request: nothing", test_working_and_reversed},
        {"not allowed: unexpected-port, not blocked-path", test_not_allowed_is_not_blocked},
        {NULL, NULL},
    };
    ws_test_suite("check blocked-path", cases);
    return ws_test_run();
}

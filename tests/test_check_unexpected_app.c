/* test_check_unexpected_app.c - unexpected-application findings: an allowed
 * port carrying another application than its rule names, judged on DPI
 * verdicts only. specification: DESIGN.md (finding kinds, app_source),
 * doc/rules.md (Rules: app). */
#include "test_check_util.h"

#include "dpi/dpi.h"

static ws_flow https(uint64_t id, const char *client, uint8_t app_source)
{
    ws_flow f = tc_flow(id, 6, client, (uint16_t)(50000 + id), SRV, 443, TC_ESTABLISHED);
    f.app_source = app_source;
    return f;
}

/* SSH seen by DPI on the client's HTTPS path (rule testco-https expects
 * TLS): medium, naming the rule, its source in the document, expected and
 * seen. */
static void test_other_app_by_dpi(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f = https(1, CLIENT, WS_APP_DPI);
    const ws_rule *r = tc_run(&e, &f, "SSH");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->id, "testco-https");
    ws_checker_finish(e.c, NULL, 0);
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_UNEXPECTED_APP), 1);
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_UNEXPECTED_PORT), 0);
    const ws_finding *v = tc_find(&e, WS_FIND_UNEXPECTED_APP, "testco-https");
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_STRING_EQUAL(ws_finding_kind_name(v->kind), "unexpected-application");
    CU_ASSERT_EQUAL(v->severity, WS_SEV_MEDIUM);
    CU_ASSERT_STRING_EQUAL(v->pack->id, "testco");
    CU_ASSERT(tc_addr_is(&v->src.addr, CLIENT));
    CU_ASSERT(tc_addr_is(&v->dst.addr, SRV));
    CU_ASSERT_EQUAL(v->proto, 6);
    CU_ASSERT_EQUAL(v->dport, 443);
    CU_ASSERT_EQUAL(v->count, 1);
    CU_ASSERT_EQUAL(v->first_us, f.first_us);
    CU_ASSERT_EQUAL(v->last_us, f.last_us);
    CU_ASSERT_EQUAL(v->n_flows, 1);
    CU_ASSERT_EQUAL(v->flows[0], 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v->app);
    CU_ASSERT_STRING_EQUAL(v->app, "SSH");
    TC_EV_EQ(v, "expected", "TLS");
    TC_EV_EQ(v, "seen", "SSH");
    TC_EV_EQ(v, "app_source", "dpi");
    TC_HAS(v->message, "testco-https");
    TC_HAS(v->message, "Client ports");
    TC_HAS(v->message, "HTTPS 443");
    TC_HAS(v->message, "SSH");
    tc_close(&e);
}

/* nDPI names a TLS flow with a known service "TLS.Google" (master.app):
 * that is TLS, which the rule expects. The comparison ignores case. */
static void test_master_app_fits(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f1 = https(1, CLIENT, WS_APP_DPI);
    ws_flow f2 = https(2, CLIENT2, WS_APP_DPI);
    ws_flow f3 = https(3, "10.0.3.7", WS_APP_DPI);
    CU_ASSERT_PTR_NOT_NULL(tc_run(&e, &f1, "TLS.Google"));
    CU_ASSERT_PTR_NOT_NULL(tc_run(&e, &f2, "TLS"));
    CU_ASSERT_PTR_NOT_NULL(tc_run(&e, &f3, "tls"));
    ws_checker_finish(e.c, NULL, 0);
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_UNEXPECTED_APP), 0);
    tc_close(&e);
}

/* "HTTP.Google" is HTTP, not TLS: the service part does not make it fit. */
static void test_master_other_app(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f = https(1, CLIENT, WS_APP_DPI);
    CU_ASSERT_PTR_NOT_NULL(tc_run(&e, &f, "HTTP.Google"));
    ws_checker_finish(e.c, NULL, 0);
    const ws_finding *v = tc_find(&e, WS_FIND_UNEXPECTED_APP, "testco-https");
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    TC_EV_EQ(v, "seen", "HTTP.Google");
    tc_close(&e);
}

/* A port guess is no evidence of what the flow carried (DESIGN.md keeps
 * DPI verdicts apart from guesses): never an unexpected-application. Nor
 * is a flow with no application, or a rule that names none. */
static void test_guess_and_none(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f1 = https(1, CLIENT, WS_APP_GUESS);
    ws_flow f2 = https(2, CLIENT2, WS_APP_NONE);
    ws_flow f3 = tc_flow(3, 6, MGR, 50003, SRV, 8080, TC_ESTABLISHED);
    f3.app_source = WS_APP_DPI;
    CU_ASSERT_PTR_NOT_NULL(tc_run(&e, &f1, "SSH"));
    CU_ASSERT_PTR_NOT_NULL(tc_run(&e, &f2, NULL));
    const ws_rule *r = tc_run(&e, &f3, "HTTP");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->id, "testco-mgmt");
    ws_checker_finish(e.c, NULL, 0);
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_UNEXPECTED_APP), 0);
    tc_close(&e);
}

/* A flow that no rule allows is an unexpected-port, not also an
 * unexpected-application; between unlisted hosts, neither. */
static void test_only_on_allowed_flows(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f1 = tc_flow(1, 6, CLIENT, 50001, SRV, 8443, TC_ESTABLISHED);
    f1.app_source = WS_APP_DPI;
    ws_flow f2 = tc_flow(2, 6, OUT1, 50002, OUT3, 443, TC_ESTABLISHED);
    f2.app_source = WS_APP_DPI;
    CU_ASSERT_PTR_NULL(tc_run(&e, &f1, "SSH"));
    tc_run(&e, &f2, "SSH");
    ws_checker_finish(e.c, NULL, 0);
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_UNEXPECTED_APP), 0);
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_UNEXPECTED_PORT), 1);
    tc_close(&e);
}

/* Two SSH flows on the same path are one finding with a count of two. */
static void test_grouped(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f1 = https(1, CLIENT, WS_APP_DPI);
    ws_flow f2 = https(2, CLIENT, WS_APP_DPI);
    tc_run(&e, &f1, "SSH");
    tc_run(&e, &f2, "SSH");
    ws_checker_finish(e.c, NULL, 0);
    CU_ASSERT_EQUAL_FATAL(tc_count(&e, WS_FIND_UNEXPECTED_APP), 1);
    const ws_finding *v = tc_find(&e, WS_FIND_UNEXPECTED_APP, "testco-https");
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_EQUAL(v->count, 2);
    CU_ASSERT_EQUAL(v->n_flows, 2);
    CU_ASSERT_EQUAL(v->flows[0], 1);
    CU_ASSERT_EQUAL(v->flows[1], 2);
    CU_ASSERT_EQUAL(v->first_us, f1.first_us);
    CU_ASSERT_EQUAL(v->last_us, f2.last_us);
    tc_close(&e);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"other application by DPI: medium, rule and section", test_other_app_by_dpi},
        {"TLS.Google fits a rule expecting TLS", test_master_app_fits},
        {"HTTP.Google does not fit TLS", test_master_other_app},
        {"port guess, no app, rule without app: nothing", test_guess_and_none},
        {"only on allowed flows of listed hosts", test_only_on_allowed_flows},
        {"same path twice: one finding, count 2", test_grouped},
        {NULL, NULL},
    };
    ws_test_suite("check unexpected-application", cases);
    return ws_test_run();
}

/* test_check_esp_after_ike.c - an IKE SA set up between nodes whose pack
 * allows ESP, with ESP one way or none at all: a blocked-path naming the
 * quiet end. specification: DESIGN.md (blocked-path: "IKE with no ESP
 * back"), RFC 4303 (ESP), RFC 7296 section 1.2 (IKE_SA_INIT and IKE_AUTH:
 * two messages each way before Child SAs carry ESP). */
#include "test_check_util.h"

static ws_ike_sa sa_between(const char *a, const char *b, uint64_t esp_a, uint64_t esp_b)
{
    static uint8_t next = 1;
    ws_ike_sa sa;
    memset(&sa, 0, sizeof(sa));
    memset(sa.spi_i, next++, 8);
    memset(sa.spi_r, 0xee, 8);
    sa.spi_r_known = true;
    sa.version = 2;
    sa.messages = 4;
    sa.first_us = TC_T0 + 1000000;
    sa.last_us = TC_T0 + 2000000;
    for (int e = 0; e < 2; e++) {
        ws_ike_side *s = &sa.side[e];
        s->addr = tc_addr(e ? b : a);
        s->port = 500;
        s->messages = 2;
        s->observed = s->addr;
        s->observed_port = 500;
        s->behind_nat = WS_IKE_NAT_NO;
        s->esp_packets = e ? esp_b : esp_a;
    }
    if (esp_a || esp_b) {
        sa.esp_first_us = TC_T0 + 2500000;
        sa.esp_last_us = TC_T0 + 9000000;
    }
    return sa;
}

static const ws_finding *only_blocked(tc_env *e, const ws_ike_sa *sa, ws_severity sev)
{
    ws_checker_finish(e->c, sa, 1);
    CU_ASSERT_EQUAL_FATAL(tc_count(e, WS_FIND_BLOCKED_PATH), 1);
    CU_ASSERT_EQUAL(tc_count(e, WS_FIND_NAT), 0);
    const ws_finding *v = tc_find(e, WS_FIND_BLOCKED_PATH, "testco-esp");
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_EQUAL(v->severity, sev);
    CU_ASSERT_EQUAL(v->proto, 50);
    CU_ASSERT_FALSE(v->has_ports);
    CU_ASSERT_EQUAL(v->count, 1);
    CU_ASSERT_EQUAL(v->first_us, sa->first_us);
    TC_EV_EQ(v, "ike_messages", "4");
    TC_HAS(v->message, "testco-esp");
    TC_HAS(v->message, "Inter-node / ESP");
    return v;
}

/* node-a sends ESP, node-b never answers: node-b is the quiet end, the
 * finding goes from it to node-a, and lasts to the last ESP packet. */
static void test_one_way(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_ike_sa sa = sa_between(NODE_A, NODE_B, 25, 0);
    const ws_finding *v = only_blocked(&e, &sa, WS_SEV_HIGH); /* testco-esp is mandatory */
    CU_ASSERT(tc_addr_is(&v->src.addr, NODE_B));
    CU_ASSERT(tc_addr_is(&v->dst.addr, NODE_A));
    CU_ASSERT_EQUAL(v->last_us, sa.esp_last_us);
    TC_EV_EQ(v, "esp_from_src", "0");
    TC_EV_EQ(v, "esp_from_dst", "25");
    TC_HAS(v->message, "25 packets");
    tc_close(&e);

    /* the other way round: the initiator is quiet */
    CU_ASSERT_FATAL(tc_open(&e, true));
    sa = sa_between(NODE_A, NODE_B, 0, 7);
    v = only_blocked(&e, &sa, WS_SEV_HIGH);
    CU_ASSERT(tc_addr_is(&v->src.addr, NODE_A));
    CU_ASSERT(tc_addr_is(&v->dst.addr, NODE_B));
    TC_EV_EQ(v, "esp_from_src", "0");
    TC_EV_EQ(v, "esp_from_dst", "7");
    tc_close(&e);
}

/* An SA set up and no ESP at all: from the initiator, at low severity
 * whatever the rule's requirement, since a refused or idle Child SA shows the
 * same (RFC 7296 section 1.2: the Child SA is agreed inside IKE_AUTH). */
static void test_none(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_ike_sa sa = sa_between(NODE_A, EDGE_OSLO, 0, 0);
    const ws_finding *v = only_blocked(&e, &sa, WS_SEV_LOW);
    CU_ASSERT(tc_addr_is(&v->src.addr, NODE_A));
    CU_ASSERT(tc_addr_is(&v->dst.addr, EDGE_OSLO));
    CU_ASSERT_EQUAL(v->last_us, sa.last_us);
    TC_EV_EQ(v, "esp_from_src", "0");
    TC_EV_EQ(v, "esp_from_dst", "0");
    TC_HAS(v->message, "either direction");
    tc_close(&e);
}

/* ESP both ways; an SA never set up (one message each way); an SA between
 * hosts that no ESP rule covers (unlisted, or the server): nothing. */
static void test_nothing(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_ike_sa sas[4];
    sas[0] = sa_between(NODE_A, NODE_B, 30, 28);
    sas[1] = sa_between(NODE_A, EDGE_BERGEN, 0, 0);
    sas[1].side[0].messages = 1;
    sas[1].side[1].messages = 1;
    sas[1].messages = 2;
    sas[2] = sa_between(OUT1, OUT3, 0, 0);
    sas[3] = sa_between(SRV, OUT1, 5, 0);
    ws_checker_finish(e.c, sas, 4);
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_BLOCKED_PATH), 0);
    tc_close(&e);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"ESP one way: blocked-path from the quiet end", test_one_way},
        {"no ESP at all: blocked-path from the initiator", test_none},
        {"ESP both ways, SA not set up, no ESP rule: nothing", test_nothing},
        {NULL, NULL},
    };
    ws_test_suite("check ESP after IKE", cases);
    return ws_test_run();
}

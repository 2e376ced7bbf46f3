/* test_check_live.c - the checks of a live run: the unexpected port judged
 * on a flow's first packet (only when no later packet or learned name could
 * change the verdict), and ws_emit, which says whether a finding is new or
 * changed since it was last streamed. specification: doc/live.md ("When a
 * finding is certain", "Output lines"), DESIGN.md (finding kinds). */
#include "test_check_util.h"

/* A flow as the table holds it after its first packet: one SYN. */
static ws_flow first_syn(uint64_t id, const char *src, uint16_t sport, const char *dst,
                         uint16_t dport)
{
    ws_flow f = tc_flow(id, 6, src, sport, dst, dport, TC_NO_ANSWER);
    f.syn_count = 1;
    f.packets[WS_DIR_FWD] = 1;
    f.bytes[WS_DIR_FWD] = 60;
    f.last_us = f.first_us;
    return f;
}

/* An endpoint's SYN to the server on a port no rule lists: certain at
 * once; at that moment the attempt has no answer, so it is "tried", low. */
static void test_first_packet_unexpected(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_flow f = first_syn(1, CLIENT, 50000, SRV, 8081);
    ws_finding fd;
    CU_ASSERT_TRUE_FATAL(ws_checker_flow_start(e.c, &f, &fd));
    CU_ASSERT_EQUAL(fd.kind, WS_FIND_UNEXPECTED_PORT);
    CU_ASSERT_EQUAL(fd.severity, WS_SEV_LOW);
    CU_ASSERT_EQUAL(fd.dport, 8081);
    CU_ASSERT_EQUAL(fd.count, 1);
    CU_ASSERT(tc_addr_is(&fd.src.addr, CLIENT));
    CU_ASSERT(tc_addr_is(&fd.dst.addr, SRV));
    TC_EV_EQ(&fd, "outcome", "no-answer");
    TC_HAS(fd.message, "tried tcp/8081");
    /* nothing stored: the flow is judged again when it ends */
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_UNEXPECTED_PORT), 0);
    tc_close(&e);
}

/* The first packet's verdict, then the flow's: the same group, so a stream
 * says "new" once and "update" with the final severity. */
static void test_first_packet_then_end(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_emit *em = ws_emit_new(&e.limits);
    CU_ASSERT_PTR_NOT_NULL_FATAL(em);
    ws_flow f = first_syn(1, CLIENT, 50000, SRV, 8081);
    ws_finding fd;
    CU_ASSERT_TRUE_FATAL(ws_checker_flow_start(e.c, &f, &fd));
    CU_ASSERT_EQUAL(ws_emit_check(em, &fd, false), WS_EMIT_NEW);
    ws_flow done = tc_flow(1, 6, CLIENT, 50000, SRV, 8081, TC_ESTABLISHED);
    done.first_us = f.first_us;
    CU_ASSERT_PTR_NULL(tc_run(&e, &done, NULL));
    const ws_finding *v;
    CU_ASSERT_EQUAL_FATAL(ws_checker_findings(e.c, &v), 1);
    CU_ASSERT_EQUAL(v->severity, WS_SEV_MEDIUM);
    CU_ASSERT_EQUAL(ws_emit_check(em, v, false), WS_EMIT_NONE); /* not due yet */
    CU_ASSERT_EQUAL(ws_emit_check(em, v, true), WS_EMIT_UPDATE);
    CU_ASSERT_EQUAL(ws_emit_check(em, v, true), WS_EMIT_NONE);  /* said already */
    ws_emit_free(em);
    tc_close(&e);
}

/* Not certain on the first packet, for each reason doc/live.md gives. */
static void test_first_packet_not_certain(void)
{
    tc_env e;
    ws_finding fd;
    CU_ASSERT_FATAL(tc_open(&e, true));
    /* allowed: testco-https */
    ws_flow f = first_syn(1, CLIENT, 50000, SRV, 443);
    CU_ASSERT_FALSE(ws_checker_flow_start(e.c, &f, &fd));
    /* testco-api allows the server to reach api.testco.example on 443:
     * a name learned later (the TLS SNI of this very flow) could match */
    f = first_syn(2, SRV, 50000, OUT1, 443);
    CU_ASSERT_FALSE(ws_checker_flow_start(e.c, &f, &fd));
    /* ...and when the flow ends with no name learned, it is unexpected */
    ws_flow done = tc_flow(2, 6, SRV, 50000, OUT1, 443, TC_ESTABLISHED);
    tc_run(&e, &done, NULL);
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_UNEXPECTED_PORT), 1);
    /* neither host listed */
    f = first_syn(3, OUT1, 50000, OUT3, 8081);
    CU_ASSERT_FALSE(ws_checker_flow_start(e.c, &f, &fd));
    /* a UDP datagram from the DNS server's port 53 to the server: the
     * initiator is a guess, and the other way round testco-dns allows it */
    ws_flow u = tc_flow(4, 17, DNS, 53, SRV, 40000, TC_UNANSWERED);
    u.packets[WS_DIR_FWD] = 1;
    CU_ASSERT_FALSE(ws_checker_flow_start(e.c, &u, &fd));
    tc_close(&e);
    /* no site: nothing is judged */
    CU_ASSERT_FATAL(tc_open(&e, false));
    f = first_syn(1, CLIENT, 50000, SRV, 8081);
    CU_ASSERT_FALSE(ws_checker_flow_start(e.c, &f, &fd));
    tc_close(&e);
}

/* A finding by hand, keyed on kind, addresses and port. */
static ws_finding finding(ws_finding_kind kind, const char *src, const char *dst, uint16_t dport)
{
    ws_finding f;
    memset(&f, 0, sizeof(f));
    f.kind = kind;
    f.severity = WS_SEV_LOW;
    f.src.addr = tc_addr(src);
    f.dst.addr = tc_addr(dst);
    f.proto = 6;
    f.dport = dport;
    f.count = 1;
    f.first_us = f.last_us = TC_T0;
    return f;
}

/* New once; unchanged says nothing; each of count, severity, last seen is a
 * change, told only when due; another port or kind is another group. */
static void test_emit(void)
{
    ws_limits l;
    ws_limits_default(&l);
    ws_emit *em = ws_emit_new(&l);
    CU_ASSERT_PTR_NOT_NULL_FATAL(em);
    ws_finding a = finding(WS_FIND_UNEXPECTED_PORT, CLIENT, SRV, 8081);
    CU_ASSERT_EQUAL(ws_emit_check(em, &a, false), WS_EMIT_NEW);
    CU_ASSERT_EQUAL(ws_emit_check(em, &a, true), WS_EMIT_NONE);
    a.count = 2;
    CU_ASSERT_EQUAL(ws_emit_check(em, &a, false), WS_EMIT_NONE);
    CU_ASSERT_EQUAL(ws_emit_check(em, &a, true), WS_EMIT_UPDATE);
    a.severity = WS_SEV_MEDIUM;
    CU_ASSERT_EQUAL(ws_emit_check(em, &a, true), WS_EMIT_UPDATE);
    a.last_us += 1;
    CU_ASSERT_EQUAL(ws_emit_check(em, &a, true), WS_EMIT_UPDATE);
    CU_ASSERT_EQUAL(ws_emit_check(em, &a, true), WS_EMIT_NONE);
    ws_finding b = finding(WS_FIND_UNEXPECTED_PORT, CLIENT, SRV, 8082);
    CU_ASSERT_EQUAL(ws_emit_check(em, &b, false), WS_EMIT_NEW);
    ws_finding c = finding(WS_FIND_BLOCKED_PATH, CLIENT, SRV, 8081);
    CU_ASSERT_EQUAL(ws_emit_check(em, &c, false), WS_EMIT_NEW);
    /* the message is not part of what a stream compares: same group */
    snprintf(b.message, sizeof(b.message), "changed words");
    CU_ASSERT_EQUAL(ws_emit_check(em, &b, true), WS_EMIT_NONE);
    CU_ASSERT_EQUAL(ws_emit_count(em), 3);
    CU_ASSERT_STRING_EQUAL(ws_emit_event_name(WS_EMIT_NEW), "new");
    CU_ASSERT_STRING_EQUAL(ws_emit_event_name(WS_EMIT_UPDATE), "update");
    ws_emit_clear(em);
    CU_ASSERT_EQUAL(ws_emit_count(em), 0);
    CU_ASSERT_EQUAL(ws_emit_check(em, &a, false), WS_EMIT_NEW);
    ws_emit_free(em);
}

/* Many groups: the table grows and finds every one again. Beyond
 * 2 * max_findings a new group is not emitted. */
static void test_emit_many_and_cap(void)
{
    ws_limits l;
    ws_limits_default(&l);
    l.max_findings = 500;
    ws_emit *em = ws_emit_new(&l);
    CU_ASSERT_PTR_NOT_NULL_FATAL(em);
    for (unsigned p = 1; p <= 1000; p++) {
        ws_finding f = finding(WS_FIND_UNEXPECTED_PORT, CLIENT, SRV, (uint16_t)p);
        CU_ASSERT_EQUAL(ws_emit_check(em, &f, false), WS_EMIT_NEW);
    }
    for (unsigned p = 1; p <= 1000; p++) {
        ws_finding f = finding(WS_FIND_UNEXPECTED_PORT, CLIENT, SRV, (uint16_t)p);
        CU_ASSERT_EQUAL(ws_emit_check(em, &f, true), WS_EMIT_NONE);
    }
    ws_finding over = finding(WS_FIND_UNEXPECTED_PORT, CLIENT, SRV, 1001);
    CU_ASSERT_EQUAL(ws_emit_check(em, &over, false), WS_EMIT_NONE);
    CU_ASSERT_EQUAL(ws_emit_count(em), 1000);
    ws_emit_free(em);
}

typedef struct seen {
    size_t n;
    uint64_t count;
    uint16_t ports[8];
} seen;

static void collect(const ws_finding *f, void *ctx)
{
    seen *s = ctx;
    if (s->n < 8)
        s->ports[s->n] = f->dport;
    s->n++;
    s->count += f->count;
}

/* ws_findings_each visits every group as ws_findings_get shows it, and
 * reading the groups changes nothing of what a later read sees. */
static void test_findings_each(void)
{
    ws_limits l;
    ws_limits_default(&l);
    ws_stats st;
    memset(&st, 0, sizeof(st));
    ws_findings *fs = ws_findings_new(&l, &st);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fs);
    static const uint16_t ports[] = {8081, 8082, 8081, 9000};
    for (size_t i = 0; i < 4; i++) {
        ws_finding f = finding(WS_FIND_UNEXPECTED_PORT, CLIENT, SRV, ports[i]);
        snprintf(f.message, sizeof(f.message), "port %u", ports[i]);
        ws_finding_num(&f, "n", (int64_t)i);
        ws_findings_add(fs, &f);
    }
    seen a = {0};
    ws_findings_each(fs, collect, &a);
    CU_ASSERT_EQUAL(ws_findings_count(fs), 3);
    CU_ASSERT_EQUAL(a.n, 3);
    CU_ASSERT_EQUAL(a.count, 4);   /* 8081 twice */
    CU_ASSERT_EQUAL(a.ports[0], 8081);
    CU_ASSERT_EQUAL(a.ports[1], 8082);
    CU_ASSERT_EQUAL(a.ports[2], 9000);
    const ws_finding *v;
    CU_ASSERT_EQUAL_FATAL(ws_findings_get(fs, &v), 3);
    CU_ASSERT_STRING_EQUAL(v[2].message, "port 9000");
    CU_ASSERT_EQUAL(v[2].ev[0].num, 3);
    seen b = {0};
    ws_findings_each(fs, collect, &b);
    CU_ASSERT_EQUAL(b.n, 3);
    CU_ASSERT_EQUAL(b.count, 4);
    ws_findings_free(fs);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"unexpected port on the first packet", test_first_packet_unexpected},
        {"first packet, then the flow's end", test_first_packet_then_end},
        {"not certain on the first packet", test_first_packet_not_certain},
        {"emit: new, update, none", test_emit},
        {"emit: many groups, cap", test_emit_many_and_cap},
        {"findings: each, compact and full", test_findings_each},
        {NULL, NULL},
    };
    ws_test_suite("check live", cases);
    return ws_test_run();
}

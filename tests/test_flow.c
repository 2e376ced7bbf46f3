/* test_flow.c - flow keys, who initiated, TCP outcomes, ICMP pairing and
 * errors, port reuse. specification: src/flow/flow.h; outcomes after Zeek's
 * conn_state (S0, S1, SF, REJ, RSTO/RSTR, SH, OTH); port reuse checked
 * against tshark 4.0 tcp.stream numbers. */
#include "test_flow_pkt.h"

#define CLI "192.0.2.10"
#define SRV "198.51.100.20"
#define RTR "203.0.113.1"
#define S WS_TCP_SYN
#define SA (WS_TCP_SYN | WS_TCP_ACK)
#define AK WS_TCP_ACK
#define FA (WS_TCP_FIN | WS_TCP_ACK)
#define RA (WS_TCP_RST | WS_TCP_ACK)
#define R WS_TCP_RST
#define PA (WS_TCP_ACK | WS_TCP_PSH)

/* The three-way handshake CLI:40000 -> SRV:443 at t = 1 s. */
static ws_flow *handshake(fx *x)
{
    feed(x, tcp(CLI, 40000, SRV, 443, S, 1000, 0, 1 * SEC), NULL);
    feed(x, tcp(SRV, 443, CLI, 40000, SA, 5000, 0, 1 * SEC + 100), NULL);
    return feed(x, tcp(CLI, 40000, SRV, 443, AK, 1001, 0, 1 * SEC + 200), NULL);
}

static void test_established(void)
{
    fx x;
    fx_init(&x);
    ws_flow *f = handshake(&x);
    int dir;
    CU_ASSERT_PTR_EQUAL(feed(&x, tcp(CLI, 40000, SRV, 443, PA, 1001, 100, 2 * SEC), &dir), f);
    CU_ASSERT_EQUAL(dir, WS_DIR_FWD);
    CU_ASSERT_PTR_EQUAL(feed(&x, tcp(SRV, 443, CLI, 40000, PA, 5001, 300, 2 * SEC + 50), &dir), f);
    CU_ASSERT_EQUAL(dir, WS_DIR_REV);
    CU_ASSERT_TRUE(f->established);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_ESTABLISHED);
    CU_ASSERT_STRING_EQUAL(ws_outcome_name(ws_flow_outcome(f)), "established");
    CU_ASSERT_TRUE(addr_is(&f->src, CLI));
    CU_ASSERT_TRUE(addr_is(&f->dst, SRV));
    CU_ASSERT_EQUAL(f->sport, 40000);
    CU_ASSERT_EQUAL(f->dport, 443);
    CU_ASSERT_FALSE(f->initiator_guessed);
    /* Client: SYN, ACK, 100-byte segment = 40 + 40 + 140 IP bytes. */
    CU_ASSERT_EQUAL(f->packets[WS_DIR_FWD], 3);
    CU_ASSERT_EQUAL(f->bytes[WS_DIR_FWD], 40 + 40 + 140);
    CU_ASSERT_EQUAL(f->wire_bytes[WS_DIR_FWD], 54 + 54 + 154);
    /* Server: SYN-ACK, 300-byte segment. */
    CU_ASSERT_EQUAL(f->packets[WS_DIR_REV], 2);
    CU_ASSERT_EQUAL(f->bytes[WS_DIR_REV], 40 + 340);
    CU_ASSERT_EQUAL(f->first_us, 1 * SEC);
    CU_ASSERT_EQUAL(f->last_us, 2 * SEC + 50);
    CU_ASSERT_EQUAL(f->tcp_hist[WS_DIR_FWD], WS_TCPH_SYN | WS_TCPH_ACK | WS_TCPH_DATA);
    CU_ASSERT_EQUAL(f->tcp_hist[WS_DIR_REV], WS_TCPH_SYNACK | WS_TCPH_ACK | WS_TCPH_DATA);
    CU_ASSERT_EQUAL(f->syn_count, 1);
    CU_ASSERT_EQUAL(f->id, 1);
    CU_ASSERT_EQUAL(x.st.flows, 1);
    fx_done(&x);
}

static void test_synack_missed(void)
{
    fx x;
    fx_init(&x);
    /* SYN, then payload both ways: the SYN-ACK escaped the capture. */
    ws_flow *f = feed(&x, tcp(CLI, 40000, SRV, 8091, S, 1, 0, 1 * SEC), NULL);
    feed(&x, tcp(CLI, 40000, SRV, 8091, PA, 2, 100, 1 * SEC + 1), NULL);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_NO_ANSWER);
    feed(&x, tcp(SRV, 8091, CLI, 40000, PA, 9, 200, 1 * SEC + 2), NULL);
    CU_ASSERT_TRUE(f->established);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_ESTABLISHED);
    fx_done(&x);
}

static void test_closed(void)
{
    fx x;
    fx_init(&x);
    ws_flow *f = handshake(&x);
    feed(&x, tcp(CLI, 40000, SRV, 443, FA, 1001, 0, 3 * SEC), NULL);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_ESTABLISHED); /* Zeek S2 */
    feed(&x, tcp(SRV, 443, CLI, 40000, FA, 5001, 0, 3 * SEC + 10), NULL);
    feed(&x, tcp(CLI, 40000, SRV, 443, AK, 1002, 0, 3 * SEC + 20), NULL);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_CLOSED);
    CU_ASSERT_STRING_EQUAL(ws_outcome_name(WS_OUT_CLOSED), "closed");

    /* FIN from one side then RST: closed as well. */
    feed(&x, tcp(CLI, 40001, SRV, 443, S, 1000, 0, 4 * SEC), NULL);
    feed(&x, tcp(SRV, 443, CLI, 40001, SA, 5000, 0, 4 * SEC + 1), NULL);
    feed(&x, tcp(CLI, 40001, SRV, 443, AK, 1001, 0, 4 * SEC + 2), NULL);
    feed(&x, tcp(CLI, 40001, SRV, 443, FA, 1001, 0, 4 * SEC + 3), NULL);
    ws_flow *g = feed(&x, tcp(SRV, 443, CLI, 40001, R, 5001, 0, 4 * SEC + 4), NULL);
    CU_ASSERT_PTR_NOT_EQUAL(g, f);
    CU_ASSERT_EQUAL(ws_flow_outcome(g), WS_OUT_CLOSED);
    CU_ASSERT_EQUAL(g->tcp_events & WS_TCPE_RST_AFTER_FIN, WS_TCPE_RST_AFTER_FIN);
    fx_done(&x);
}

static void test_reset(void)
{
    fx x;
    fx_init(&x);
    ws_flow *f = handshake(&x);
    feed(&x, tcp(CLI, 40000, SRV, 443, PA, 1001, 10, 2 * SEC), NULL);
    CU_ASSERT_PTR_EQUAL(feed(&x, tcp(SRV, 443, CLI, 40000, RA, 5001, 0, 2 * SEC + 5), NULL), f);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_RESET);
    CU_ASSERT_STRING_EQUAL(ws_outcome_name(WS_OUT_RESET), "reset");
    /* A FIN after the RST does not make it a close. */
    feed(&x, tcp(CLI, 40000, SRV, 443, FA, 1011, 0, 2 * SEC + 9), NULL);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_RESET);
    fx_done(&x);
}

static void test_rejected(void)
{
    fx x;
    fx_init(&x);
    ws_flow *f = feed(&x, tcp(CLI, 40000, SRV, 23, S, 1000, 0, 1 * SEC), NULL);
    int dir;
    CU_ASSERT_PTR_EQUAL(feed(&x, tcp(SRV, 23, CLI, 40000, RA, 0, 0, 1 * SEC + 300), &dir), f);
    CU_ASSERT_EQUAL(dir, WS_DIR_REV);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_REJECTED);
    CU_ASSERT_STRING_EQUAL(ws_outcome_name(WS_OUT_REJECTED), "rejected");
    CU_ASSERT_FALSE(f->established);
    fx_done(&x);
}

static void test_no_answer(void)
{
    fx x;
    fx_init(&x);
    /* Linux retransmits a SYN 1, 3, 7 s after the first (same ISN). */
    ws_flow *f = feed(&x, tcp(CLI, 40000, SRV, 3389, S, 777, 0, 10 * SEC), NULL);
    CU_ASSERT_PTR_EQUAL(feed(&x, tcp(CLI, 40000, SRV, 3389, S, 777, 0, 11 * SEC), NULL), f);
    CU_ASSERT_PTR_EQUAL(feed(&x, tcp(CLI, 40000, SRV, 3389, S, 777, 0, 13 * SEC), NULL), f);
    CU_ASSERT_PTR_EQUAL(feed(&x, tcp(CLI, 40000, SRV, 3389, S, 777, 0, 17 * SEC), NULL), f);
    CU_ASSERT_EQUAL(f->syn_count, 4);
    CU_ASSERT_EQUAL(f->packets[WS_DIR_FWD], 4);
    CU_ASSERT_EQUAL(f->packets[WS_DIR_REV], 0);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_NO_ANSWER);
    CU_ASSERT_STRING_EQUAL(ws_outcome_name(WS_OUT_NO_ANSWER), "no-answer");
    CU_ASSERT_EQUAL(x.st.flows, 1);
    /* The initiator giving up with a RST (Zeek RSTOS0) is still no answer. */
    feed(&x, tcp(CLI, 40000, SRV, 3389, R, 778, 0, 20 * SEC), NULL);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_NO_ANSWER);
    fx_done(&x);
}

static void test_half_open(void)
{
    fx x;
    fx_init(&x);
    /* SYN-ACK never acknowledged. */
    ws_flow *f = feed(&x, tcp(CLI, 40000, SRV, 443, S, 1, 0, 1 * SEC), NULL);
    feed(&x, tcp(SRV, 443, CLI, 40000, SA, 9, 0, 1 * SEC + 1), NULL);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_HALF_OPEN);
    CU_ASSERT_STRING_EQUAL(ws_outcome_name(WS_OUT_HALF_OPEN), "half-open");
    /* A SYN scan: the initiator answers the SYN-ACK with RST. */
    feed(&x, tcp(CLI, 40000, SRV, 443, R, 2, 0, 1 * SEC + 2), NULL);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_HALF_OPEN);
    /* SYN then FIN, no reply (Zeek SH). */
    ws_flow *g = feed(&x, tcp(CLI, 40001, SRV, 443, S, 1, 0, 2 * SEC), NULL);
    feed(&x, tcp(CLI, 40001, SRV, 443, FA, 2, 0, 2 * SEC + 1), NULL);
    CU_ASSERT_EQUAL(ws_flow_outcome(g), WS_OUT_HALF_OPEN);
    fx_done(&x);
}

static void test_midstream(void)
{
    fx x;
    fx_init(&x);
    /* The capture starts inside an SSH session; the server speaks first. */
    int dir;
    ws_flow *f = feed(&x, tcp(SRV, 22, CLI, 50123, PA, 100, 48, 1 * SEC), &dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(dir, WS_DIR_REV);
    CU_ASSERT_TRUE(addr_is(&f->src, CLI));
    CU_ASSERT_EQUAL(f->sport, 50123);
    CU_ASSERT_EQUAL(f->dport, 22);
    CU_ASSERT_TRUE(f->initiator_guessed);
    feed(&x, tcp(CLI, 50123, SRV, 22, AK, 900, 0, 1 * SEC + 10), &dir);
    CU_ASSERT_EQUAL(dir, WS_DIR_FWD);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_MIDSTREAM);
    CU_ASSERT_STRING_EQUAL(ws_outcome_name(WS_OUT_MIDSTREAM), "midstream");
    /* Later FIN and RST do not change it: the handshake was never seen. */
    feed(&x, tcp(CLI, 50123, SRV, 22, RA, 900, 0, 2 * SEC), NULL);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_MIDSTREAM);

    /* Both ports high: the first sender stays the initiator, not guessed. */
    ws_flow *g = feed(&x, tcp(SRV, 8443, CLI, 50124, PA, 1, 10, 3 * SEC), &dir);
    CU_ASSERT_EQUAL(dir, WS_DIR_FWD);
    CU_ASSERT_TRUE(addr_is(&g->src, SRV));
    CU_ASSERT_FALSE(g->initiator_guessed);
    fx_done(&x);
}

static void test_synack_first(void)
{
    fx x;
    fx_init(&x);
    /* The SYN was not captured: the SYN-ACK's receiver initiated. */
    int dir;
    ws_flow *f = feed(&x, tcp(SRV, 5061, CLI, 60000, SA, 50, 0, 1 * SEC), &dir);
    CU_ASSERT_EQUAL(dir, WS_DIR_REV);
    CU_ASSERT_TRUE(addr_is(&f->src, CLI));
    CU_ASSERT_TRUE(addr_is(&f->dst, SRV));
    CU_ASSERT_EQUAL(f->sport, 60000);
    CU_ASSERT_EQUAL(f->dport, 5061);
    CU_ASSERT_FALSE(f->initiator_guessed);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_HALF_OPEN);
    feed(&x, tcp(CLI, 60000, SRV, 5061, AK, 2, 0, 1 * SEC + 5), &dir);
    CU_ASSERT_EQUAL(dir, WS_DIR_FWD);
    CU_ASSERT_TRUE(f->established);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_ESTABLISHED);
    /* The SYN arriving late (reordered capture) joins the flow. */
    CU_ASSERT_PTR_EQUAL(feed(&x, tcp(CLI, 60000, SRV, 5061, S, 1, 0, 1 * SEC + 6), NULL), f);
    CU_ASSERT_EQUAL(x.st.flows, 1);
    fx_done(&x);
}

static void test_udp(void)
{
    fx x;
    fx_init(&x);
    int dir;
    ws_flow *f = feed(&x, udp(CLI, 40000, SRV, 514, 100, 1 * SEC), &dir);
    CU_ASSERT_EQUAL(dir, WS_DIR_FWD);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_UNANSWERED);
    CU_ASSERT_STRING_EQUAL(ws_outcome_name(WS_OUT_UNANSWERED), "unanswered");
    feed(&x, udp(CLI, 40000, SRV, 514, 100, 2 * SEC), NULL);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_UNANSWERED);
    CU_ASSERT_EQUAL(f->packets[WS_DIR_FWD], 2);
    CU_ASSERT_EQUAL(f->bytes[WS_DIR_FWD], 2 * 128);

    ws_flow *g = feed(&x, udp(CLI, 40001, SRV, 123, 48, 3 * SEC), NULL);
    CU_ASSERT_PTR_NOT_EQUAL(g, f);
    CU_ASSERT_PTR_EQUAL(feed(&x, udp(SRV, 123, CLI, 40001, 48, 3 * SEC + 9), &dir), g);
    CU_ASSERT_EQUAL(dir, WS_DIR_REV);
    CU_ASSERT_EQUAL(ws_flow_outcome(g), WS_OUT_ANSWERED);
    CU_ASSERT_STRING_EQUAL(ws_outcome_name(WS_OUT_ANSWERED), "answered");

    /* NTP symmetric mode, both ports 123: the first sender initiated. */
    ws_flow *h = feed(&x, udp(SRV, 123, CLI, 123, 48, 4 * SEC), &dir);
    CU_ASSERT_EQUAL(dir, WS_DIR_FWD);
    CU_ASSERT_TRUE(addr_is(&h->src, SRV));
    CU_ASSERT_FALSE(h->initiator_guessed);
    CU_ASSERT_EQUAL(x.st.flows, 3);
    fx_done(&x);
}

static void test_dns_reply_first(void)
{
    fx x;
    fx_init(&x);
    /* The capture caught the answer first: 53 -> 53000 is a reply. */
    int dir;
    ws_flow *f = feed(&x, udp(SRV, 53, CLI, 53000, 120, 1 * SEC), &dir);
    CU_ASSERT_EQUAL(dir, WS_DIR_REV);
    CU_ASSERT_TRUE(addr_is(&f->src, CLI));
    CU_ASSERT_TRUE(addr_is(&f->dst, SRV));
    CU_ASSERT_EQUAL(f->sport, 53000);
    CU_ASSERT_EQUAL(f->dport, 53);
    CU_ASSERT_TRUE(f->initiator_guessed);
    CU_ASSERT_EQUAL(f->packets[WS_DIR_REV], 1);
    CU_ASSERT_EQUAL(f->packets[WS_DIR_FWD], 0);
    /* The client's next query is forward. */
    CU_ASSERT_PTR_EQUAL(feed(&x, udp(CLI, 53000, SRV, 53, 40, 1 * SEC + 5), &dir), f);
    CU_ASSERT_EQUAL(dir, WS_DIR_FWD);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_ANSWERED);
    fx_done(&x);
}

static void test_icmp_echo(void)
{
    fx x;
    fx_init(&x);
    int dir;
    ws_flow *f = feed(&x, icmp(CLI, SRV, 8, 0, 0x1234, 1 * SEC), &dir);
    CU_ASSERT_EQUAL(dir, WS_DIR_FWD);
    CU_ASSERT_EQUAL(f->sport, 8);
    CU_ASSERT_EQUAL(f->dport, 0);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_UNANSWERED);
    CU_ASSERT_PTR_EQUAL(feed(&x, icmp(SRV, CLI, 0, 0, 0x1234, 1 * SEC + 10), &dir), f);
    CU_ASSERT_EQUAL(dir, WS_DIR_REV);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_ANSWERED);
    /* Another identifier is another flow. */
    ws_flow *g = feed(&x, icmp(CLI, SRV, 8, 0, 0x1235, 2 * SEC), NULL);
    CU_ASSERT_PTR_NOT_EQUAL(g, f);
    /* A reply seen first: its receiver sent the request. */
    ws_flow *h = feed(&x, icmp(SRV, CLI, 0, 0, 0x2000, 3 * SEC), &dir);
    CU_ASSERT_EQUAL(dir, WS_DIR_REV);
    CU_ASSERT_TRUE(addr_is(&h->src, CLI));
    CU_ASSERT_EQUAL(h->sport, 0);
    /* ICMPv6 echo (RFC 4443: 128 request, 129 reply). */
    ws_flow *v = feed(&x, icmp("2001:db8::1", "2001:db8::2", 128, 0, 7, 4 * SEC), NULL);
    CU_ASSERT_PTR_EQUAL(feed(&x, icmp("2001:db8::2", "2001:db8::1", 129, 0, 7, 4 * SEC + 1), &dir), v);
    CU_ASSERT_EQUAL(dir, WS_DIR_REV);
    CU_ASSERT_EQUAL(v->sport, 128);
    CU_ASSERT_EQUAL(v->proto, 58);
    CU_ASSERT_EQUAL(ws_flow_outcome(v), WS_OUT_ANSWERED);
    /* Neighbour solicitation and advertisement (RFC 4861) pair as one flow. */
    ws_flow *n = feed(&x, icmp("fe80::1", "fe80::2", 135, 0, 0, 5 * SEC), NULL);
    CU_ASSERT_PTR_EQUAL(feed(&x, icmp("fe80::2", "fe80::1", 136, 0, 0, 5 * SEC + 1), &dir), n);
    CU_ASSERT_EQUAL(dir, WS_DIR_REV);
    CU_ASSERT_EQUAL(x.st.flows, 5);
    fx_done(&x);
}

static void test_icmp_error_tcp(void)
{
    fx x;
    fx_init(&x);
    ws_flow *f = feed(&x, tcp(CLI, 40000, SRV, 443, S, 1, 0, 1 * SEC), NULL);
    /* A firewall answers: destination unreachable, administratively
     * prohibited (RFC 1812 5.2.7.1: type 3 code 13). */
    int dir;
    ws_flow *g = feed(&x, icmp_err(RTR, 3, 13, CLI, 40000, SRV, 443, 6, 1 * SEC + 2), &dir);
    CU_ASSERT_PTR_EQUAL(g, f);
    CU_ASSERT_EQUAL(dir, WS_DIR_ICMP);
    CU_ASSERT_EQUAL(f->icmp_errors, 1);
    CU_ASSERT_EQUAL(f->icmp_type, 3);
    CU_ASSERT_EQUAL(f->icmp_code, 13);
    CU_ASSERT_TRUE(addr_is(&f->icmp_reporter, RTR));
    CU_ASSERT_EQUAL(f->packets[WS_DIR_REV], 0);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_ICMP_ERROR);
    CU_ASSERT_STRING_EQUAL(ws_outcome_name(WS_OUT_ICMP_ERROR), "icmp-error");
    CU_ASSERT_EQUAL(x.st.icmp_errors, 1);
    CU_ASSERT_EQUAL(x.st.icmp_errors_unmatched, 0);
    CU_ASSERT_EQUAL(x.st.flows, 1);
    fx_done(&x);
}

static void test_icmp_error_udp(void)
{
    fx x;
    fx_init(&x);
    ws_flow *f = feed(&x, udp(CLI, 40000, SRV, 514, 80, 1 * SEC), NULL);
    int dir;
    /* The host itself: port unreachable (RFC 792: type 3 code 3). */
    CU_ASSERT_PTR_EQUAL(feed(&x, icmp_err(SRV, 3, 3, CLI, 40000, SRV, 514, 17, 1 * SEC + 1), &dir), f);
    CU_ASSERT_EQUAL(dir, WS_DIR_ICMP);
    CU_ASSERT_TRUE(addr_is(&f->icmp_reporter, SRV));
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_ICMP_ERROR);
    CU_ASSERT_EQUAL(x.st.icmp_errors, 1);
    /* An ICMPv6 error (RFC 4443: type 1 code 1, administratively prohibited). */
    ws_flow *v = feed(&x, udp("2001:db8::10", 50000, "2001:db8:1::20", 3478, 20, 2 * SEC), NULL);
    CU_ASSERT_PTR_EQUAL(feed(&x, icmp_err("2001:db8::1", 1, 1, "2001:db8::10", 50000,
                                          "2001:db8:1::20", 3478, 17, 2 * SEC + 1), &dir), v);
    CU_ASSERT_EQUAL(dir, WS_DIR_ICMP);
    CU_ASSERT_EQUAL(ws_flow_outcome(v), WS_OUT_ICMP_ERROR);
    CU_ASSERT_EQUAL(x.st.icmp_errors, 2);
    /* An error on an answered flow does not hide the answer. */
    ws_flow *g = feed(&x, udp(CLI, 40001, SRV, 53, 30, 3 * SEC), NULL);
    feed(&x, udp(SRV, 53, CLI, 40001, 60, 3 * SEC + 1), NULL);
    feed(&x, icmp_err(RTR, 11, 0, CLI, 40001, SRV, 53, 17, 3 * SEC + 2), NULL);
    CU_ASSERT_EQUAL(g->icmp_errors, 1);
    CU_ASSERT_EQUAL(ws_flow_outcome(g), WS_OUT_ANSWERED);
    fx_done(&x);
}

static void test_icmp_error_unmatched(void)
{
    fx x;
    fx_init(&x);
    int dir;
    ws_flow *f = feed(&x, icmp_err(RTR, 3, 13, CLI, 45000, SRV, 5060, 17, 1 * SEC), &dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(dir, WS_DIR_ICMP);
    CU_ASSERT_TRUE(addr_is(&f->src, CLI));
    CU_ASSERT_TRUE(addr_is(&f->dst, SRV));
    CU_ASSERT_EQUAL(f->sport, 45000);
    CU_ASSERT_EQUAL(f->dport, 5060);
    CU_ASSERT_EQUAL(f->proto, 17);
    CU_ASSERT_EQUAL(f->packets[0] + f->packets[1], 0);
    CU_ASSERT_EQUAL(f->icmp_errors, 1);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_ICMP_ERROR);
    CU_ASSERT_EQUAL(x.st.icmp_errors_unmatched, 1);
    CU_ASSERT_EQUAL(x.st.icmp_errors, 0);
    CU_ASSERT_EQUAL(x.st.flows, 1);
    /* The retransmitted datagram then joins that flow, forward. */
    CU_ASSERT_PTR_EQUAL(feed(&x, udp(CLI, 45000, SRV, 5060, 400, 2 * SEC), &dir), f);
    CU_ASSERT_EQUAL(dir, WS_DIR_FWD);
    /* So does a TCP SYN retransmission after an error about its SYN. */
    ws_flow *t = feed(&x, icmp_err(RTR, 3, 10, CLI, 45001, SRV, 443, 6, 3 * SEC), NULL);
    CU_ASSERT_PTR_EQUAL(feed(&x, tcp(CLI, 45001, SRV, 443, S, 5, 0, 4 * SEC), &dir), t);
    CU_ASSERT_EQUAL(dir, WS_DIR_FWD);
    CU_ASSERT_EQUAL(ws_flow_outcome(t), WS_OUT_ICMP_ERROR);
    CU_ASSERT_EQUAL(x.st.flows, 2);
    fx_done(&x);
}

static void test_icmp_error_echo(void)
{
    fx x;
    fx_init(&x);
    ws_flow *f = feed(&x, icmp(CLI, SRV, 8, 0, 99, 1 * SEC), NULL);
    ws_packet e = icmp_err(RTR, 3, 1, CLI, 0, SRV, 0, 1, 1 * SEC + 1);
    e.quoted.icmp_type = 8;
    e.quoted.icmp_id = 99;
    int dir;
    CU_ASSERT_PTR_EQUAL(feed(&x, e, &dir), f);
    CU_ASSERT_EQUAL(dir, WS_DIR_ICMP);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_ICMP_ERROR);
    CU_ASSERT_EQUAL(x.st.icmp_errors, 1);
    fx_done(&x);
}

static void test_ipv6_full_width(void)
{
    fx x;
    fx_init(&x);
    /* Same first 4 bytes, different last 12. */
    ws_flow *a = feed(&x, udp("2001:db8:aaaa::1", 5000, "2001:db8::53", 53, 10, SEC), NULL);
    ws_flow *b = feed(&x, udp("2001:db8:bbbb::1", 5000, "2001:db8::53", 53, 10, SEC), NULL);
    /* Folding to 32 bits by XOR of the four words gives both 0x20010db8:
     * python3 -c "import ipaddress as i;[print(hex(int(i.ip_address(s))>>96^int(i.ip_address(s))>>64&0xffffffff^int(i.ip_address(s))>>32&0xffffffff^int(i.ip_address(s))&0xffffffff)) for s in ('2001:db8:0:1:0:1::','2001:db8::')]" */
    ws_flow *c = feed(&x, udp("2001:db8:0:1:0:1::", 5000, "2001:db8::53", 53, 10, SEC), NULL);
    ws_flow *d = feed(&x, udp("2001:db8::", 5000, "2001:db8::53", 53, 10, SEC), NULL);
    /* 10.0.0.1 and the IPv4-compatible ::a00:1 share their low 4 bytes. */
    ws_flow *e = feed(&x, udp("10.0.0.1", 5000, "10.0.0.53", 53, 10, SEC), NULL);
    ws_flow *g = feed(&x, udp("::a00:1", 5000, "::a00:35", 53, 10, SEC), NULL);
    CU_ASSERT_EQUAL(x.st.flows, 6);
    CU_ASSERT_PTR_NOT_EQUAL(a, b);
    CU_ASSERT_PTR_NOT_EQUAL(c, d);
    CU_ASSERT_PTR_NOT_EQUAL(e, g);
    int dir;
    CU_ASSERT_PTR_EQUAL(feed(&x, udp("2001:db8::53", 53, "2001:db8:bbbb::1", 5000, 10, SEC), &dir), b);
    CU_ASSERT_EQUAL(dir, WS_DIR_REV);
    CU_ASSERT_PTR_EQUAL(feed(&x, udp("2001:db8::53", 53, "2001:db8:0:1:0:1::", 5000, 10, SEC), &dir), c);
    CU_ASSERT_EQUAL(a->ip_version, 6);
    CU_ASSERT_EQUAL(e->ip_version, 4);
    fx_done(&x);
}

/*
 * The same sequences as a pcap written with scapy and read by tshark 4.0:
 *   tshark -r reuse.pcap -T fields -e tcp.srcport -e tcp.flags.str -e tcp.seq_raw -e tcp.stream
 * A: SYN(100) RST-ACK SYN(100)          -> streams 0 0 0     (one stream)
 * B: SYN(100) RST-ACK SYN(5000)         -> streams 1 1 2
 * C: handshake, FIN both, ACK, SYN(7000) -> 3 3 3 3 3 3 4
 * D: SYN(100) SYN(8000), no answer      -> 5 6
 * E: handshake, FIN from client, SYN(9000) -> 7 7 7 7 8
 */
static void test_port_reuse(void)
{
    fx x;
    fx_init(&x);
    int64_t t = 1 * SEC;
    ws_flow *a = feed(&x, tcp(CLI, 40000, SRV, 80, S, 100, 0, t), NULL);
    feed(&x, tcp(SRV, 80, CLI, 40000, RA, 0, 0, t + 1), NULL);
    CU_ASSERT_PTR_EQUAL(feed(&x, tcp(CLI, 40000, SRV, 80, S, 100, 0, t + 2), NULL), a);
    CU_ASSERT_EQUAL(a->syn_count, 2);
    CU_ASSERT_EQUAL(ws_flow_outcome(a), WS_OUT_REJECTED);
    CU_ASSERT_EQUAL(x.n, 0);

    t = 2 * SEC;
    feed(&x, tcp(CLI, 40001, SRV, 80, S, 100, 0, t), NULL);
    feed(&x, tcp(SRV, 80, CLI, 40001, RA, 0, 0, t + 1), NULL);
    ws_flow *b = feed(&x, tcp(CLI, 40001, SRV, 80, S, 5000, 0, t + 2), NULL);
    CU_ASSERT_EQUAL_FATAL(x.n, 1);
    CU_ASSERT_EQUAL(x.e[0].why, WS_END_REUSED);
    CU_ASSERT_EQUAL(x.e[0].f.id, 2);
    CU_ASSERT_EQUAL(x.e[0].out, WS_OUT_REJECTED);
    CU_ASSERT_EQUAL(b->id, 3);
    CU_ASSERT_EQUAL(ws_flow_outcome(b), WS_OUT_NO_ANSWER);
    CU_ASSERT_EQUAL(b->syn_count, 1);
    CU_ASSERT_EQUAL(b->packets[WS_DIR_FWD], 1);

    t = 3 * SEC;
    feed(&x, tcp(CLI, 40002, SRV, 80, S, 100, 0, t), NULL);
    feed(&x, tcp(SRV, 80, CLI, 40002, SA, 900, 0, t + 1), NULL);
    feed(&x, tcp(CLI, 40002, SRV, 80, AK, 101, 0, t + 2), NULL);
    feed(&x, tcp(CLI, 40002, SRV, 80, FA, 101, 0, t + 3), NULL);
    feed(&x, tcp(SRV, 80, CLI, 40002, FA, 901, 0, t + 4), NULL);
    feed(&x, tcp(CLI, 40002, SRV, 80, AK, 102, 0, t + 5), NULL);
    feed(&x, tcp(CLI, 40002, SRV, 80, S, 7000, 0, t + 6), NULL);
    CU_ASSERT_EQUAL_FATAL(x.n, 2);
    CU_ASSERT_EQUAL(x.e[1].why, WS_END_REUSED);
    CU_ASSERT_EQUAL(x.e[1].out, WS_OUT_CLOSED);
    CU_ASSERT_EQUAL(x.e[1].f.packets[WS_DIR_FWD], 4);
    CU_ASSERT_EQUAL(x.e[1].f.packets[WS_DIR_REV], 2);

    t = 4 * SEC;
    feed(&x, tcp(CLI, 40003, SRV, 80, S, 100, 0, t), NULL);
    feed(&x, tcp(CLI, 40003, SRV, 80, S, 8000, 0, t + SEC), NULL);
    CU_ASSERT_EQUAL_FATAL(x.n, 3);
    CU_ASSERT_EQUAL(x.e[2].out, WS_OUT_NO_ANSWER);

    t = 6 * SEC;
    feed(&x, tcp(CLI, 40004, SRV, 80, S, 100, 0, t), NULL);
    feed(&x, tcp(SRV, 80, CLI, 40004, SA, 900, 0, t + 1), NULL);
    feed(&x, tcp(CLI, 40004, SRV, 80, AK, 101, 0, t + 2), NULL);
    feed(&x, tcp(CLI, 40004, SRV, 80, FA, 101, 0, t + 3), NULL);
    feed(&x, tcp(CLI, 40004, SRV, 80, S, 9000, 0, t + 6), NULL);
    CU_ASSERT_EQUAL_FATAL(x.n, 4);
    CU_ASSERT_EQUAL(x.e[3].out, WS_OUT_ESTABLISHED);

    /* tshark counted streams 0..8: nine. */
    CU_ASSERT_EQUAL(x.st.flows, 9);
    CU_ASSERT_EQUAL(ws_flow_table_active(x.t), 5);
    fx_done(&x);
}

static void test_esp(void)
{
    fx x;
    fx_init(&x);
    ws_packet p = pkt(CLI, 0, SRV, 0, 50, 100, 1 * SEC);
    p.esp_spi = 0xc0ffee01;
    ws_flow *f = feed(&x, p, NULL);
    ws_packet q = pkt(SRV, 0, CLI, 0, 50, 100, 1 * SEC + 5);
    q.esp_spi = 0x0badf00d;
    int dir;
    CU_ASSERT_PTR_EQUAL(feed(&x, q, &dir), f);
    CU_ASSERT_EQUAL(dir, WS_DIR_REV);
    CU_ASSERT_EQUAL(f->esp_spi[WS_DIR_FWD], 0xc0ffee01);
    CU_ASSERT_EQUAL(f->esp_spi[WS_DIR_REV], 0x0badf00d);
    CU_ASSERT_EQUAL(f->proto, 50);
    CU_ASSERT_EQUAL(ws_flow_outcome(f), WS_OUT_ANSWERED);
    /* GRE (47) between the same hosts is another flow. */
    CU_ASSERT_PTR_NOT_EQUAL(feed(&x, pkt(CLI, 0, SRV, 0, 47, 10, 2 * SEC), NULL), f);
    fx_done(&x);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"established", test_established},
        {"SYN-ACK missing from the capture", test_synack_missed},
        {"closed", test_closed},
        {"reset", test_reset},
        {"rejected", test_rejected},
        {"no-answer and SYN retransmissions", test_no_answer},
        {"half-open", test_half_open},
        {"midstream", test_midstream},
        {"SYN-ACK first", test_synack_first},
        {"UDP answered and unanswered", test_udp},
        {"DNS reply seen first", test_dns_reply_first},
        {"ICMP echo pairing", test_icmp_echo},
        {"ICMP error on a TCP flow", test_icmp_error_tcp},
        {"ICMP error on a UDP flow", test_icmp_error_udp},
        {"ICMP error quoting no known flow", test_icmp_error_unmatched},
        {"ICMP error quoting an echo request", test_icmp_error_echo},
        {"IPv6 keys on all 128 bits", test_ipv6_full_width},
        {"port reuse as tshark separates streams", test_port_reuse},
        {"ESP SPI per direction", test_esp},
        {NULL, NULL},
    };
    ws_test_suite("flow", cases);
    return ws_test_run();
}

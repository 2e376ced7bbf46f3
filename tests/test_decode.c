/* test_decode.c - the decoder on real frames: link layers, IPv4/IPv6, TCP,
 * UDP, ICMP errors, ESP, tunnels; every truncated prefix of every sample.
 *
 * Samples are one-frame captures in tests/data/decode/; SOURCES.tsv says
 * which corpus capture and frame each came from, make_crafted.py writes the
 * few the corpus lacks. Expected values are tshark's dissection of the same
 * file, e.g.
 *   tshark -r tests/data/decode/X.pcap -T fields -e ip.src -e ip.dst -e ip.len \
 *     -e tcp.srcport -e tcp.dstport -e tcp.flags -e tcp.seq_raw -e tcp.ack_raw \
 *     -e tcp.window_size_value -e udp.length -e icmp.type -e icmp.code ...
 * (for tunnels, the last value of each field is the inner packet's).
 */
#include "ws_test.h"
#include "test_decode_util.h"

/* One sample and what tshark says about it. The prefix boundaries follow from
 * the header lengths tshark reports (ip.hdr_len, tcp.hdr_len, ...):
 *   first: shortest prefix that delivers anything (the outer network layer
 *          of a tunnel, else the same as full);
 *   full:  shortest prefix that delivers the innermost packet;
 *   clean: shortest prefix not counted as truncated. */
typedef struct sample {
    const char *file;
    int dlt;
    const char *src, *dst; /* innermost packet */
    uint8_t ipver, proto, depth;
    uint16_t sport, dport;
    uint32_t ip_len, payload_len;
    uint32_t first, full, clean;
    const char *outer_src, *outer_dst; /* delivered for first <= len < full */
    uint8_t outer_proto;
} sample;

static const sample samples[] = {
    /* 1kxun.pcap frame 22: 14 eth + 20 ip + 20 tcp = 54; tcp.hdr_len 32 -> 66 */
    {"eth_ipv4_tcp_syn.pcap", 1, "192.168.115.8", "106.185.35.110", 4, 6, 0, 49597, 80,
     52, 0, 54, 54, 66, NULL, NULL, 0},
    /* 1kxun.pcap frame 19: 14 + 20 + 8 = 42; udp.length 46 -> payload 38 */
    {"eth_ipv4_udp_dns.pcap", 1, "192.168.115.8", "8.8.8.8", 4, 17, 0, 51024, 53,
     66, 38, 42, 42, 42, NULL, NULL, 0},
    /* 4in4tunnel.pcap frame 1: 14 + 2 x 4 vlan + 20 outer = 42; + 20 + 8 = 70 */
    {"qinq_4in4.pcap", 1, "10.10.100.25", "10.10.101.2", 4, 17, 1, 62367, 17000,
     128, 100, 42, 70, 70, "69.67.35.146", "41.202.46.110", 4},
    /* 6in4tunnel.pcap frame 1: 14 + 20 = 34; + 40 + 8 = 82; plen 64 - 8 = 56 */
    {"eth_6in4.pcap", 1, "2001:470:1f17:13f:3e97:eff:fe73:4dec", "2604:a880:1:20::224:b001",
     6, 58, 1, 0, 0, 104, 56, 34, 82, 82, "174.3.73.24", "184.105.255.26", 41},
    /* 4in6tunnel.pcap frame 1: 14 + 40 = 54; + 20 + 20 = 94; tcp.hdr_len 32 -> 106 */
    {"eth_4in6.pcap", 1, "192.168.0.1", "10.10.10.1", 4, 6, 1, 64455, 443,
     52, 0, 54, 94, 106, "22e0:1685:eda7:38cc:58bd:f3f1:aa3f:22d8", "344a:ba94:152a:ac34::2a", 4},
    /* 6in4tunnel.pcap frame 3: 34; + 40 + 8 = 82; plen 126 - 8 = 118 */
    {"eth_6in4_icmpv6_error.pcap", 1, "2001:470:1f16:13f::2", "2604:a880:1:20::224:b001",
     6, 58, 1, 0, 0, 166, 118, 34, 82, 82, "174.3.73.24", "184.105.255.26", 41},
    /* KakaoTalk_chat.pcap frame 25: 16 sll + 20 + 20 = 56; tcp.hdr_len 40 -> 76 */
    {"sll_ipv4_tcp_syn.pcap", 113, "10.24.82.188", "103.246.57.251", 4, 6, 0, 51021, 8080,
     60, 0, 56, 56, 76, NULL, NULL, 0},
    /* crafted from the frame above: 20 sll2 + 20 + 20 = 60; -> 80 */
    {"sll2_ipv4_tcp_syn.pcap", 276, "10.24.82.188", "103.246.57.251", 4, 6, 0, 51021, 8080,
     60, 0, 60, 60, 80, NULL, NULL, 0},
    /* bjnp.pcap frame 1: 20 + 8 = 28; udp.length 24 -> 16 */
    {"raw_ipv4_udp.pcap", 12, "192.168.185.141", "192.168.1.17", 4, 17, 0, 50087, 8612,
     44, 16, 28, 28, 28, NULL, NULL, 0},
    /* nats.pcap frame 1: 4 + 20 + 20 = 44; tcp.hdr_len 44 -> 68 */
    {"null_ipv4_tcp.pcap", 0, "127.0.0.1", "127.0.0.1", 4, 6, 0, 54820, 4222,
     64, 0, 44, 44, 68, NULL, NULL, 0},
    /* crafted from the frame above, network-order family */
    {"loop_ipv4_tcp_syn.pcap", 108, "127.0.0.1", "127.0.0.1", 4, 6, 0, 54820, 4222,
     64, 0, 44, 44, 68, NULL, NULL, 0},
    /* openvpn-tlscrypt.pcap frame 1: 4 + 40 + 8 = 52; plen 361 -> 353 */
    {"null_ipv6.pcap", 0, "::1", "::1", 6, 17, 0, 56256, 1194,
     401, 353, 52, 52, 52, NULL, NULL, 0},
    /* alexa-app.pcapng frame 5: 14 + 40 + 8 hop-by-hop + 8 icmpv6 = 70; plen 36 */
    {"eth_ipv6_ext.pcap", 1, "::", "ff02::16", 6, 58, 0, 0, 0,
     76, 20, 70, 70, 70, NULL, NULL, 0},
    /* anyconnect-vpn.pcap frame 95: 14 + 20 + 8 = 42; ip.len 56 -> 28 quoted */
    {"eth_icmp_unreach_udp.pcap", 1, "10.0.0.227", "75.75.76.76", 4, 1, 0, 0, 0,
     56, 28, 42, 42, 42, NULL, NULL, 0},
    /* alexa-app.pcapng frame 56: 42; ip.len 80 -> 52 */
    {"eth_icmp_error_tcp.pcap", 1, "172.16.42.1", "172.16.42.216", 4, 1, 0, 0, 0,
     80, 52, 42, 42, 42, NULL, NULL, 0},
    /* esp.pcapng frame 5: 14 + 20 + 8 = 42; ip.len 152 -> 124 */
    {"eth_esp.pcap", 1, "10.2.3.2", "10.3.4.4", 4, 50, 0, 0, 0,
     152, 124, 42, 42, 42, NULL, NULL, 0},
    /* gre.pcapng frame 1: enhanced GRE (version 1, PPTP) carrying PPP and
     * IPv4. 14 + 4 vlan + 20 = 38 delivers the outer packet; GRE with
     * sequence and acknowledgement 16 + PPP ff 03 00 21 4 -> 58; + 20 + 8 = 86.
     * Inner ip.len 326 -> UDP payload 298. */
    {"eth_gre_pptp.pcap", 1, "192.168.10.210", "192.168.103.40", 4, 17, 1, 5060, 5060,
     326, 298, 38, 86, 86, "109.105.228.253", "10.177.98.84", 47},
    /* crafted: 14 + 20 = 34; GRE with key and sequence 12 -> 46; + 20 + 8 = 74 */
    {"eth_gre_ipv4_udp.pcap", 1, "10.1.1.1", "10.2.2.2", 4, 17, 1, 40000, 5060,
     53, 25, 34, 74, 74, "198.51.100.1", "198.51.100.2", 47},
    /* crafted: 34; GRE 4 -> 38; Ethernet 14 -> 52; + 20 + 20 = 92 */
    {"eth_gre_teb_tcp.pcap", 1, "10.3.3.3", "10.4.4.4", 4, 6, 1, 50000, 443,
     40, 0, 34, 92, 92, "198.51.100.1", "198.51.100.2", 47},
    /* crafted: 14 + 4 (88a8) + 4 (8100) + 40 + 20 = 82 */
    {"qinq_88a8_ipv6_tcp.pcap", 1, "2001:db8::1", "2001:db8::2", 6, 6, 0, 443, 51000,
     60, 0, 82, 82, 82, NULL, NULL, 0},
    /* crafted: 14 + 2 x 4 labels + 20 + 8 = 50; udp.length 20 -> 12 */
    {"mpls_ipv4_udp.pcap", 1, "192.0.2.10", "192.0.2.20", 4, 17, 0, 1234, 4500,
     40, 12, 50, 50, 50, NULL, NULL, 0},
    /* syslog.pcap frame 1: 14 + 6 pppoe + 2 ppp + 20 + 8 = 50; udp.length 661 */
    {"pppoe_ipv4_udp.pcap", 1, "95.136.242.54", "93.20.126.110", 4, 17, 0, 514, 514,
     681, 653, 50, 50, 50, NULL, NULL, 0},
    /* crafted, PPP protocol field compressed to 1 byte (0x57):
     * 14 + 6 + 1 + 40 + 8 = 69; udp.length 12 */
    {"pppoe_ipv6_udp.pcap", 1, "2001:db8::a", "2001:db8::b", 6, 17, 0, 546, 547,
     52, 4, 69, 69, 69, NULL, NULL, 0},
    /* ossfuzz_seed_fake_traces_1.pcapng frame 1 (LINKTYPE_IPV4): 20 + 8 = 28 */
    {"ipv4_dlt228.pcap", 228, "127.0.0.1", "127.0.0.1", 4, 17, 0, 1, 2,
     48, 20, 28, 28, 28, NULL, NULL, 0},
};
#define NSAMPLES (sizeof(samples) / sizeof(samples[0]))

static ws_limits limits;
static void put_ipv4(uint8_t *p, uint16_t total, uint8_t proto, const char *src,
                     const char *dst);
static ws_stats stats;
static td_sink *sink;

/* Decodes len bytes of the frame (copied to a buffer of exactly that size,
 * so that any read past it is caught by the address sanitizer). */
static int decode_bytes(ws_decoder *dec, int dlt, const uint8_t *frame, uint32_t len,
                        uint32_t wire_len)
{
    uint8_t *copy = malloc(len ? len : 1);
    CU_ASSERT_FATAL(copy != NULL);
    memcpy(copy, frame, len);
    memset(sink, 0, sizeof(*sink));
    int n = ws_decode_frame(dec, dlt, copy, len, wire_len, 1000000, td_collect, sink);
    free(copy);
    return n;
}

/* A router's ICMP time exceeded (RFC 792) quoting an ICMP echo request
 * (type 8, identifier 0x0042): the quote says which echo flow it belongs to.
 * Raw IPv4: 20 outer + 8 ICMP + 20 quoted IPv4 + 8 quoted echo = 56. */
static void test_icmp_quote_echo(void)
{
    static const uint8_t frame[] = {
        0x45, 0x00, 0x00, 0x38, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00,
        192, 0, 2, 1, 192, 0, 2, 2,                           /* router -> host */
        0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,       /* time exceeded */
        0x45, 0x00, 0x00, 0x54, 0x12, 0x34, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00,
        192, 0, 2, 2, 8, 8, 8, 8,                             /* host -> 8.8.8.8 */
        0x08, 0x00, 0xab, 0xcd, 0x00, 0x42, 0x00, 0x01,       /* echo id 0x42 */
    };
    memset(&stats, 0, sizeof(stats));
    ws_decoder *dec = ws_decoder_new(&limits, &stats);
    CU_ASSERT_FATAL(dec != NULL);
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_RAW, frame, sizeof(frame), sizeof(frame)), 1);
    const ws_packet *p = &sink->pkts[0].p;
    CU_ASSERT_TRUE(p->icmp_error);
    CU_ASSERT_EQUAL(p->icmp_type, 11);
    CU_ASSERT_TRUE(p->quoted.present);
    CU_ASSERT_EQUAL(p->quoted.proto, 1);
    CU_ASSERT_EQUAL(p->quoted.icmp_type, 8);
    CU_ASSERT_EQUAL(p->quoted.icmp_code, 0);
    CU_ASSERT_EQUAL(p->quoted.icmp_id, 0x42);
    ws_decoder_free(dec);
}

static const td_pkt *decode_sample(const char *file)
{
    int dlt;
    uint32_t caplen, wire;
    uint8_t *frame = td_load(file, &dlt, &caplen, &wire);
    CU_ASSERT_FATAL(frame != NULL);
    memset(&stats, 0, sizeof(stats));
    ws_decoder *dec = ws_decoder_new(&limits, &stats);
    CU_ASSERT_FATAL(dec != NULL);
    int n = decode_bytes(dec, dlt, frame, caplen, wire);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(sink->n, 1);
    ws_decoder_free(dec);
    free(frame);
    return &sink->pkts[0];
}

static void check_addr(const ws_addr *got, const char *want)
{
    ws_addr w = td_addr(want);
    char g[WS_ADDR_STRLEN];
    if (!ws_addr_eq(got, &w))
        fprintf(stderr, "\n  address %s, expected %s\n", ws_addr_str(got, g), want);
    CU_ASSERT_TRUE(ws_addr_eq(got, &w));
}

static void test_samples_full(void)
{
    for (size_t i = 0; i < NSAMPLES; i++) {
        const sample *s = &samples[i];
        int dlt;
        uint32_t caplen, wire;
        uint8_t *frame = td_load(s->file, &dlt, &caplen, &wire);
        CU_ASSERT_FATAL(frame != NULL);
        CU_ASSERT_EQUAL(dlt, s->dlt);
        CU_ASSERT_TRUE(ws_dlt_supported(dlt));
        memset(&stats, 0, sizeof(stats));
        ws_decoder *dec = ws_decoder_new(&limits, &stats);
        CU_ASSERT_FATAL(dec != NULL);
        int n = decode_bytes(dec, dlt, frame, caplen, wire);
        if (n != 1 || stats.truncated || stats.malformed)
            fprintf(stderr, "\n  %s: %d packets, truncated %llu malformed %llu\n", s->file, n,
                    (unsigned long long)stats.truncated, (unsigned long long)stats.malformed);
        CU_ASSERT_EQUAL(n, 1);
        CU_ASSERT_EQUAL(stats.ip_packets, 1);
        CU_ASSERT_EQUAL(stats.truncated, 0);
        CU_ASSERT_EQUAL(stats.malformed, 0);
        CU_ASSERT_EQUAL(stats.packets, 0); /* the caller counts packets and bytes */
        CU_ASSERT_EQUAL(stats.bytes, 0);
        CU_ASSERT_EQUAL(stats.tunnels, s->depth ? 1 : 0);
        if (n == 1) {
            const ws_packet *p = &sink->pkts[0].p;
            check_addr(&p->src, s->src);
            check_addr(&p->dst, s->dst);
            CU_ASSERT_EQUAL(p->ip_version, s->ipver);
            CU_ASSERT_EQUAL(p->proto, s->proto);
            CU_ASSERT_EQUAL(p->tunnel_depth, s->depth);
            CU_ASSERT_EQUAL(p->sport, s->sport);
            CU_ASSERT_EQUAL(p->dport, s->dport);
            CU_ASSERT_EQUAL(p->ip_len, s->ip_len);
            CU_ASSERT_EQUAL(p->l3_len, s->ip_len);
            CU_ASSERT_EQUAL(p->payload_len, s->payload_len);
            CU_ASSERT_EQUAL(p->wire_len, wire);
            CU_ASSERT_EQUAL(p->ts_us, 1000000);
            CU_ASSERT_FALSE(p->reassembled);
            /* l3 is the innermost IP packet: its version nibble */
            CU_ASSERT_EQUAL(sink->pkts[0].l3[0] >> 4, s->ipver);
            if (p->proto != s->proto || p->sport != s->sport || p->ip_len != s->ip_len ||
                p->payload_len != s->payload_len)
                fprintf(stderr, "\n  %s: proto %u ports %u>%u ip_len %u payload %u\n", s->file,
                        p->proto, p->sport, p->dport, p->ip_len, p->payload_len);
        }
        ws_decoder_free(dec);
        free(frame);
    }
}

/* Every prefix of every sample: never a read past the bytes given (the
 * sanitizer build checks that), and the outcome the rules in decode.h give:
 * nothing delivered and counted truncated before the network layer is
 * complete; the tunnel packet itself while the inner packet is cut; the
 * full packet once its fixed transport header is there. Cutting a frame
 * never makes it malformed. */
static void test_samples_prefixes(void)
{
    for (size_t i = 0; i < NSAMPLES; i++) {
        const sample *s = &samples[i];
        int dlt;
        uint32_t caplen, wire;
        uint8_t *frame = td_load(s->file, &dlt, &caplen, &wire);
        CU_ASSERT_FATAL(frame != NULL);
        CU_ASSERT_TRUE(s->clean <= caplen);
        for (uint32_t len = 0; len <= caplen; len++) {
            memset(&stats, 0, sizeof(stats));
            ws_decoder *dec = ws_decoder_new(&limits, &stats);
            CU_ASSERT_FATAL(dec != NULL);
            int n = decode_bytes(dec, dlt, frame, len, wire);
            int want_n = len >= s->first ? 1 : 0;
            uint64_t want_trunc = len < s->clean ? 1 : 0;
            bool ok = n == want_n && sink->n == want_n && stats.truncated == want_trunc &&
                      stats.malformed == 0 && stats.non_ip == 0;
            if (ok && n == 1) {
                const ws_packet *p = &sink->pkts[0].p;
                if (len >= s->full) {
                    ws_addr a = td_addr(s->src);
                    ok = p->proto == s->proto && p->sport == s->sport &&
                         p->dport == s->dport && p->tunnel_depth == s->depth &&
                         ws_addr_eq(&p->src, &a) && p->l3_len <= len &&
                         p->payload_len <= s->payload_len;
                } else {
                    ws_addr a = td_addr(s->outer_src);
                    ok = s->outer_src && p->proto == s->outer_proto && p->sport == 0 &&
                         p->tunnel_depth == 0 && ws_addr_eq(&p->src, &a);
                }
            }
            if (!ok)
                fprintf(stderr, "\n  %s cut at %u: %d packets, truncated %llu malformed %llu\n",
                        s->file, len, n, (unsigned long long)stats.truncated,
                        (unsigned long long)stats.malformed);
            CU_ASSERT_TRUE(ok);
            ws_decoder_free(dec);
        }
        free(frame);
    }
}

static void test_tcp_fields(void)
{
    /* tcp.flags 0x0002 tcp.seq_raw 1029198176 tcp.ack_raw 0 window 8192 */
    const ws_packet *p = &decode_sample("eth_ipv4_tcp_syn.pcap")->p;
    CU_ASSERT_EQUAL(p->tcp_flags, WS_TCP_SYN);
    CU_ASSERT_EQUAL(p->tcp_seq, 1029198176u);
    CU_ASSERT_EQUAL(p->tcp_ack, 0);
    CU_ASSERT_EQUAL(p->tcp_win, 8192);
    /* SYN/ACK: tcp.flags 0x0012 seq_raw 5 ack_raw 1001 window 65535 */
    p = &decode_sample("qinq_88a8_ipv6_tcp.pcap")->p;
    CU_ASSERT_EQUAL(p->tcp_flags, WS_TCP_SYN | WS_TCP_ACK);
    CU_ASSERT_EQUAL(p->tcp_seq, 5);
    CU_ASSERT_EQUAL(p->tcp_ack, 1001);
    CU_ASSERT_EQUAL(p->tcp_win, 65535);
    /* inside IPv6: seq_raw 3756080770 window 65535 */
    p = &decode_sample("eth_4in6.pcap")->p;
    CU_ASSERT_EQUAL(p->tcp_flags, WS_TCP_SYN);
    CU_ASSERT_EQUAL(p->tcp_seq, 3756080770u);
    CU_ASSERT_EQUAL(p->tcp_win, 65535);
    /* SLL2 and SLL carry the same segment: seq_raw 3406689433 window 14600 */
    p = &decode_sample("sll2_ipv4_tcp_syn.pcap")->p;
    CU_ASSERT_EQUAL(p->tcp_seq, 3406689433u);
    CU_ASSERT_EQUAL(p->tcp_win, 14600);
}

static void test_udp_payload(void)
{
    /* DNS query 0xfd2c: the payload starts with the DNS id */
    const td_pkt *t = decode_sample("eth_ipv4_udp_dns.pcap");
    CU_ASSERT_EQUAL(t->p.payload_len, 38);
    CU_ASSERT_EQUAL(t->payload[0], 0xfd);
    CU_ASSERT_EQUAL(t->payload[1], 0x2c);
}

/* The fields of protocols a packet does not carry read 0 (false, no quote),
 * also right after a packet that set them all: an ICMP error quoting TCP
 * (type 3, a quote with addresses and ports) decoded first leaves its
 * values in the decoder's stack, where the next packet is built. */
static void no_tcp_icmp_esp(const ws_packet *p, bool tcp, bool esp)
{
    if (!tcp) {
        CU_ASSERT_EQUAL(p->tcp_flags, 0);
        CU_ASSERT_EQUAL(p->tcp_seq, 0);
        CU_ASSERT_EQUAL(p->tcp_ack, 0);
        CU_ASSERT_EQUAL(p->tcp_win, 0);
    }
    CU_ASSERT_EQUAL(p->icmp_type, 0);
    CU_ASSERT_EQUAL(p->icmp_code, 0);
    CU_ASSERT_EQUAL(p->icmp_id, 0);
    CU_ASSERT_FALSE(p->icmp_error);
    CU_ASSERT_FALSE(p->quoted.present);
    if (!esp) {
        CU_ASSERT_EQUAL(p->esp_spi, 0);
        CU_ASSERT_EQUAL(p->esp_seq, 0);
    }
    CU_ASSERT_EQUAL(p->tunnel_depth, 0);
    CU_ASSERT_FALSE(p->reassembled);
}

static void test_absent_fields_zero(void)
{
    const ws_packet *p = &decode_sample("eth_icmp_error_tcp.pcap")->p;
    CU_ASSERT_TRUE_FATAL(p->icmp_error && p->quoted.present);
    p = &decode_sample("eth_ipv4_udp_dns.pcap")->p;
    CU_ASSERT_EQUAL(p->proto, 17);
    no_tcp_icmp_esp(p, false, false);
    decode_sample("eth_icmp_error_tcp.pcap");
    p = &decode_sample("eth_ipv4_tcp_syn.pcap")->p;
    CU_ASSERT_EQUAL(p->proto, 6);
    no_tcp_icmp_esp(p, true, false);
    decode_sample("eth_icmp_error_tcp.pcap");
    p = &decode_sample("eth_esp.pcap")->p;
    CU_ASSERT_EQUAL(p->proto, 50);
    CU_ASSERT_EQUAL(p->sport, 0);
    CU_ASSERT_EQUAL(p->dport, 0);
    no_tcp_icmp_esp(p, false, true);
    decode_sample("eth_icmp_error_tcp.pcap");
    p = &decode_sample("null_ipv6.pcap")->p;
    CU_ASSERT_EQUAL(p->proto, 17);
    no_tcp_icmp_esp(p, false, false);
}

static void test_icmp_quotes(void)
{
    /* icmp.type 3 code 3; quoted 75.75.76.76 -> 10.0.0.227, UDP 53 -> 63107 */
    const ws_packet *p = &decode_sample("eth_icmp_unreach_udp.pcap")->p;
    CU_ASSERT_EQUAL(p->icmp_type, 3);
    CU_ASSERT_EQUAL(p->icmp_code, 3);
    CU_ASSERT_TRUE(p->icmp_error);
    CU_ASSERT_TRUE(p->quoted.present);
    check_addr(&p->quoted.src, "75.75.76.76");
    check_addr(&p->quoted.dst, "10.0.0.227");
    CU_ASSERT_EQUAL(p->quoted.proto, 17);
    CU_ASSERT_EQUAL(p->quoted.sport, 53);
    CU_ASSERT_EQUAL(p->quoted.dport, 63107);

    /* redirect, icmp.type 5 code 1; quoted TCP 172.16.42.216:42878 -> 173.194.223.188:5228 */
    p = &decode_sample("eth_icmp_error_tcp.pcap")->p;
    CU_ASSERT_EQUAL(p->icmp_type, 5);
    CU_ASSERT_EQUAL(p->icmp_code, 1);
    CU_ASSERT_TRUE(p->icmp_error);
    CU_ASSERT_TRUE(p->quoted.present);
    check_addr(&p->quoted.src, "172.16.42.216");
    check_addr(&p->quoted.dst, "173.194.223.188");
    CU_ASSERT_EQUAL(p->quoted.proto, 6);
    CU_ASSERT_EQUAL(p->quoted.sport, 42878);
    CU_ASSERT_EQUAL(p->quoted.dport, 5228);

    /* icmpv6.type 1 code 3 inside 6in4; quoted 2604:a880:1:20::224:b001 ->
     * 2001:470:1f17:13f:25a3:3292:16f9:2ce0, TCP 993 -> 60491 */
    p = &decode_sample("eth_6in4_icmpv6_error.pcap")->p;
    CU_ASSERT_EQUAL(p->icmp_type, 1);
    CU_ASSERT_EQUAL(p->icmp_code, 3);
    CU_ASSERT_TRUE(p->icmp_error);
    CU_ASSERT_TRUE(p->quoted.present);
    check_addr(&p->quoted.src, "2604:a880:1:20::224:b001");
    check_addr(&p->quoted.dst, "2001:470:1f17:13f:25a3:3292:16f9:2ce0");
    CU_ASSERT_EQUAL(p->quoted.proto, 6);
    CU_ASSERT_EQUAL(p->quoted.sport, 993);
    CU_ASSERT_EQUAL(p->quoted.dport, 60491);

    /* echo request: icmpv6 128, icmpv6.echo.identifier 0x5d8f; not an error */
    p = &decode_sample("eth_6in4.pcap")->p;
    CU_ASSERT_EQUAL(p->icmp_type, 128);
    CU_ASSERT_EQUAL(p->icmp_id, 0x5d8f);
    CU_ASSERT_FALSE(p->icmp_error);
    CU_ASSERT_FALSE(p->quoted.present);

    /* MLDv2 report (143) behind a hop-by-hop header: not an error */
    p = &decode_sample("eth_ipv6_ext.pcap")->p;
    CU_ASSERT_EQUAL(p->icmp_type, 143);
    CU_ASSERT_FALSE(p->icmp_error);
}

/* The quote cut at every length: addresses only once the quoted IP header
 * holds them, ports only once the 4 port bytes are there; the error itself
 * is always delivered and nothing is counted. */
static void test_icmp_quote_prefixes(void)
{
    int dlt;
    uint32_t caplen, wire;
    uint8_t *frame = td_load("eth_icmp_unreach_udp.pcap", &dlt, &caplen, &wire);
    CU_ASSERT_FATAL(frame != NULL);
    /* 14 + 20 + 8 = 42: quote starts; its addresses end at 42 + 20 = 62 */
    for (uint32_t len = 42; len <= caplen; len++) {
        memset(&stats, 0, sizeof(stats));
        ws_decoder *dec = ws_decoder_new(&limits, &stats);
        int n = decode_bytes(dec, dlt, frame, len, wire);
        CU_ASSERT_EQUAL(n, 1);
        CU_ASSERT_EQUAL(stats.truncated, 0);
        const ws_quoted *q = &sink->pkts[0].p.quoted;
        CU_ASSERT_TRUE(sink->pkts[0].p.icmp_error);
        CU_ASSERT_EQUAL(q->present, len >= 62);
        CU_ASSERT_EQUAL(q->sport, len >= 66 ? 53 : 0);
        CU_ASSERT_EQUAL(q->dport, len >= 66 ? 63107 : 0);
        ws_decoder_free(dec);
    }
    free(frame);
}

static void test_esp(void)
{
    /* esp.spi 0x2360b0e3 esp.sequence 1 */
    const ws_packet *p = &decode_sample("eth_esp.pcap")->p;
    CU_ASSERT_EQUAL(p->esp_spi, 0x2360b0e3u);
    CU_ASSERT_EQUAL(p->esp_seq, 1);
}

/* With max_tunnel_depth 0 the tunnel is not entered: the outer packet is
 * delivered and tunnel_too_deep counted. */
static void test_tunnel_limit(void)
{
    const char *files[] = {"qinq_4in4.pcap", "eth_6in4.pcap", "eth_gre_ipv4_udp.pcap"};
    const uint8_t outer_proto[] = {4, 41, 47};
    ws_limits l = limits;
    l.max_tunnel_depth = 0;
    for (size_t i = 0; i < 3; i++) {
        int dlt;
        uint32_t caplen, wire;
        uint8_t *frame = td_load(files[i], &dlt, &caplen, &wire);
        CU_ASSERT_FATAL(frame != NULL);
        memset(&stats, 0, sizeof(stats));
        ws_decoder *dec = ws_decoder_new(&l, &stats);
        CU_ASSERT_EQUAL(decode_bytes(dec, dlt, frame, caplen, wire), 1);
        CU_ASSERT_EQUAL(sink->pkts[0].p.proto, outer_proto[i]);
        CU_ASSERT_EQUAL(sink->pkts[0].p.tunnel_depth, 0);
        CU_ASSERT_EQUAL(stats.tunnel_too_deep, 1);
        CU_ASSERT_EQUAL(stats.tunnels, 0);
        ws_decoder_free(dec);
        free(frame);
    }
}

/* Writes an IPv4 header (no options) at p. */
static void put_ipv4(uint8_t *p, uint16_t total, uint8_t proto, const char *src,
                     const char *dst)
{
    ws_addr s = td_addr(src), d = td_addr(dst);
    memset(p, 0, 20);
    p[0] = 0x45;
    p[2] = (uint8_t)(total >> 8);
    p[3] = (uint8_t)total;
    p[8] = 64;
    p[9] = proto;
    memcpy(p + 12, s.b, 4);
    memcpy(p + 16, d.b, 4);
}

/* Six IPv4-in-IPv4 layers around UDP: with the default depth of 4 the packet
 * delivered is the one 4 layers in, still proto 4. */
static void test_tunnel_nesting(void)
{
    uint8_t pkt[7 * 20 + 8];
    const char *addrs[7] = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4",
                            "10.0.0.5", "10.0.0.6", "10.0.0.7"};
    for (int i = 0; i < 7; i++)
        put_ipv4(pkt + 20 * i, (uint16_t)(sizeof(pkt) - 20 * i), i < 6 ? 4 : 17, addrs[i],
                 "192.0.2.1");
    uint8_t *u = pkt + 140;
    memcpy(u, "\x04\xd2\x16\x2e\x00\x08\x00\x00", 8); /* 1234 -> 5678, length 8 */
    ws_limits l = limits;
    memset(&stats, 0, sizeof(stats));
    ws_decoder *dec = ws_decoder_new(&l, &stats);
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_RAW, pkt, sizeof(pkt), sizeof(pkt)), 1);
    CU_ASSERT_EQUAL(sink->pkts[0].p.tunnel_depth, 4);
    CU_ASSERT_EQUAL(sink->pkts[0].p.proto, 4);
    check_addr(&sink->pkts[0].p.src, "10.0.0.5");
    CU_ASSERT_EQUAL(stats.tunnel_too_deep, 1);
    ws_decoder_free(dec);

    l.max_tunnel_depth = 6;
    memset(&stats, 0, sizeof(stats));
    dec = ws_decoder_new(&l, &stats);
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_RAW, pkt, sizeof(pkt), sizeof(pkt)), 1);
    CU_ASSERT_EQUAL(sink->pkts[0].p.tunnel_depth, 6);
    CU_ASSERT_EQUAL(sink->pkts[0].p.proto, 17);
    CU_ASSERT_EQUAL(sink->pkts[0].p.sport, 1234);
    CU_ASSERT_EQUAL(sink->pkts[0].p.dport, 5678);
    CU_ASSERT_EQUAL(stats.tunnel_too_deep, 0);
    ws_decoder_free(dec);
}

static void test_non_ip_and_link_types(void)
{
    ws_decoder *dec;
    memset(&stats, 0, sizeof(stats));
    dec = ws_decoder_new(&limits, &stats);
    /* ARP request (ethertype 0x0806, RFC 826) */
    uint8_t arp[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06,
                       0, 1, 8, 0, 6, 4, 0, 1};
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_EN10MB, arp, sizeof(arp), 60), 0);
    /* 802.3 length field + LLC (spanning tree) */
    uint8_t stp[20] = {0x01, 0x80, 0xc2, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0x00, 0x26, 0x42, 0x42, 3};
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_EN10MB, stp, sizeof(stp), 60), 0);
    /* LLDP behind an 802.1Q tag */
    uint8_t lldp[20] = {1, 0x80, 0xc2, 0, 0, 0xe, 2, 0, 0, 0, 0, 1, 0x81, 0, 0, 5, 0x88, 0xcc};
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_EN10MB, lldp, sizeof(lldp), 60), 0);
    /* BSD loopback with a family that is not IP (AF_APPLETALK 16) */
    uint8_t null_other[24] = {16, 0, 0, 0, 0x45};
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_NULL, null_other, sizeof(null_other), 24), 0);
    CU_ASSERT_EQUAL(stats.non_ip, 4);
    CU_ASSERT_EQUAL(stats.ip_packets, 0);
    /* 802.11 (105) is not read */
    CU_ASSERT_FALSE(ws_dlt_supported(105));
    CU_ASSERT_EQUAL(decode_bytes(dec, 105, arp, sizeof(arp), 60), 0);
    CU_ASSERT_EQUAL(stats.unsupported_link, 1);
    for (int d = 0; d < 300; d++) {
        bool want = d == 0 || d == 1 || d == 9 || d == 12 || d == 14 || d == 50 ||
                    d == 101 || d == 104 || d == 108 || d == 113 || d == 192 ||
                    d == 228 || d == 229 || d == 276;
        CU_ASSERT_EQUAL(ws_dlt_supported(d), want);
    }
    ws_decoder_free(dec);
}

/* PPP (RFC 1661; protocol 0x0021 IPv4 per RFC 1332, 0xc021 LCP), with and
 * without the 0xff 0x03 of RFC 1662 and with a compressed protocol field;
 * Cisco HDLC (address 0x0f/0x8f, control 0, Ethernet type), also inside a
 * capture of type PPP; PPI (version 0, flags, le16 length, le32 link type)
 * around Ethernet, and around 802.11, which is not read. */
static void test_ppp_hdlc_ppi(void)
{
    memset(&stats, 0, sizeof(stats));
    ws_decoder *dec = ws_decoder_new(&limits, &stats);
    uint8_t ip[28];
    put_ipv4(ip, sizeof(ip), 17, "192.0.2.1", "192.0.2.2");
    memset(ip + 20, 0, 8);
    ip[21] = 53; ip[23] = 53; ip[25] = 8; /* UDP 53 -> 53, length 8 */
    uint8_t f[64];
    struct { int dlt; uint8_t hdr[24]; size_t hlen; int want; } t[] = {
        {WS_DLT_PPP, {0x00, 0x21}, 2, 1},                    /* bare protocol field */
        {WS_DLT_PPP, {0xff, 0x03, 0x00, 0x21}, 4, 1},        /* address and control */
        {WS_DLT_PPP, {0xff, 0x03, 0x21}, 3, 1},              /* compressed protocol */
        {WS_DLT_PPP_SERIAL, {0xff, 0x03, 0x00, 0x21}, 4, 1},
        {WS_DLT_PPP, {0xc0, 0x21}, 2, 0},                    /* LCP: not IP */
        {WS_DLT_PPP, {0x0f, 0x00, 0x08, 0x00}, 4, 1},        /* Cisco HDLC framed as PPP */
        {WS_DLT_C_HDLC, {0x8f, 0x00, 0x08, 0x00}, 4, 1},
        {WS_DLT_C_HDLC, {0x0f, 0x00, 0x80, 0x35}, 4, 0},     /* SLARP-ish type: not IP */
        {WS_DLT_PPI, {0, 0, 8, 0, 101, 0, 0, 0}, 8, 1},      /* PPI around raw IP */
        {WS_DLT_PPI, {0, 0, 12, 0, 101, 0, 0, 0, 9, 9, 9, 9}, 12, 1}, /* with a field */
        {WS_DLT_PPI, {0, 0, 8, 0, 105, 0, 0, 0}, 8, 0},      /* 802.11 inside: not read */
    };
    uint64_t non_ip = 0;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        memcpy(f, t[i].hdr, t[i].hlen);
        memcpy(f + t[i].hlen, ip, sizeof(ip));
        uint32_t len = (uint32_t)(t[i].hlen + sizeof(ip));
        int n = decode_bytes(dec, t[i].dlt, f, len, len);
        if (n != t[i].want)
            fprintf(stderr, "\nlink case %zu: %d packets, want %d\n", i, n, t[i].want);
        CU_ASSERT_EQUAL(n, t[i].want);
        if (n == 1) {
            CU_ASSERT_EQUAL(sink->pkts[0].p.proto, 17);
            CU_ASSERT_EQUAL(sink->pkts[0].p.dport, 53);
        } else {
            non_ip++;
        }
    }
    CU_ASSERT_EQUAL(stats.non_ip, non_ip);
    CU_ASSERT_EQUAL(stats.ip_packets, sizeof(t) / sizeof(t[0]) - non_ip);
    /* malformed PPI: a version other than 0, a length below 8, PPI in PPI;
     * and headers cut short */
    uint64_t before = stats.malformed + stats.truncated;
    const uint8_t bad[][8] = {{1, 0, 8, 0, 1, 0, 0, 0}, {0, 0, 4, 0, 1, 0, 0, 0},
                              {0, 0, 8, 0, 192, 0, 0, 0}};
    for (size_t i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_PPI, bad[i], 8, 8), 0);
    const uint8_t ppi_long[8] = {0, 0, 40, 0, 1, 0, 0, 0}; /* length past the frame */
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_PPI, ppi_long, 8, 8), 0);
    const uint8_t one[1] = {0xff};
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_PPP, one, 1, 1), 0);
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_C_HDLC, one, 1, 1), 0);
    CU_ASSERT_EQUAL(stats.malformed + stats.truncated - before, 6);
    ws_decoder_free(dec);
}

/* VXLAN (RFC 7348 section 5): UDP to 4789, 8-byte header with the I flag
 * (0x08), an Ethernet frame inside. The inner packet is delivered one tunnel
 * deep; without the I flag, or with no IP in the frame, the UDP datagram
 * itself is. */
static void test_vxlan(void)
{
    memset(&stats, 0, sizeof(stats));
    ws_decoder *dec = ws_decoder_new(&limits, &stats);
    uint8_t f[20 + 8 + 8 + 14 + 28];
    put_ipv4(f, sizeof(f), 17, "192.0.2.1", "192.0.2.2");
    uint8_t *udp = f + 20, *vx = udp + 8, *eth = vx + 8, *in = eth + 14;
    memset(udp, 0, 8 + 8 + 14);
    udp[0] = 0xc0; udp[1] = 0x01;               /* source port 49153 */
    udp[2] = 0x12; udp[3] = 0xb5;               /* 4789 */
    udp[5] = 8 + 8 + 14 + 28;                   /* UDP length */
    vx[0] = 0x08;                               /* I: the VNI is valid */
    vx[6] = 42;                                 /* VNI 42 */
    eth[12] = 0x08;                             /* IPv4 */
    put_ipv4(in, 28, 17, "10.0.0.1", "10.0.0.2");
    memset(in + 20, 0, 8);
    in[21] = 53; in[23] = 53; in[25] = 8;
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_RAW, f, sizeof(f), sizeof(f)), 1);
    CU_ASSERT_EQUAL(sink->pkts[0].p.dport, 53);
    CU_ASSERT_EQUAL(sink->pkts[0].p.tunnel_depth, 1);
    check_addr(&sink->pkts[0].p.src, "10.0.0.1");
    CU_ASSERT_EQUAL(stats.tunnels, 1);
    vx[0] = 0;                                  /* no I flag: plain UDP */
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_RAW, f, sizeof(f), sizeof(f)), 1);
    CU_ASSERT_EQUAL(sink->pkts[0].p.dport, 4789);
    CU_ASSERT_EQUAL(sink->pkts[0].p.tunnel_depth, 0);
    vx[0] = 0x08;
    eth[12] = 0x08; eth[13] = 0x06;             /* ARP inside: the UDP datagram */
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_RAW, f, sizeof(f), sizeof(f)), 1);
    CU_ASSERT_EQUAL(sink->pkts[0].p.dport, 4789);
    /* a header cut short: the UDP datagram */
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_RAW, f, 20 + 8 + 5, sizeof(f)), 1);
    CU_ASSERT_EQUAL(sink->pkts[0].p.dport, 4789);
    ws_decoder_free(dec);
}

/* BSD loopback: AF_INET6 is 24, 28 or 30 depending on the BSD, written in
 * the byte order of the host; LOOP (108) is always network order. */
static void test_null_families(void)
{
    int dlt;
    uint32_t caplen, wire;
    uint8_t *frame = td_load("null_ipv6.pcap", &dlt, &caplen, &wire);
    CU_ASSERT_FATAL(frame != NULL);
    const uint8_t fams[] = {24, 28, 30};
    memset(&stats, 0, sizeof(stats));
    ws_decoder *dec = ws_decoder_new(&limits, &stats);
    for (size_t i = 0; i < 3; i++) {
        uint8_t hdr_le[4] = {fams[i], 0, 0, 0}, hdr_be[4] = {0, 0, 0, fams[i]};
        memcpy(frame, hdr_le, 4);
        CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_NULL, frame, caplen, wire), 1);
        CU_ASSERT_EQUAL(sink->pkts[0].p.ip_version, 6);
        memcpy(frame, hdr_be, 4);
        CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_NULL, frame, caplen, wire), 1);
        CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_LOOP, frame, caplen, wire), 1);
        memcpy(frame, hdr_le, 4); /* little-endian family under LOOP: not IP */
        CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_LOOP, frame, caplen, wire), 0);
    }
    CU_ASSERT_EQUAL(stats.non_ip, 3);
    ws_decoder_free(dec);
    free(frame);
}

/* Raw IP link types: 12/14/101 by the version nibble; 228 and 229 insist. */
static void test_raw_versions(void)
{
    int dlt;
    uint32_t caplen, wire;
    uint8_t *frame = td_load("null_ipv6.pcap", &dlt, &caplen, &wire);
    CU_ASSERT_FATAL(frame != NULL);
    const uint8_t *ip6 = frame + 4;
    uint32_t len = caplen - 4;
    memset(&stats, 0, sizeof(stats));
    ws_decoder *dec = ws_decoder_new(&limits, &stats);
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_RAW, ip6, len, len), 1);
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_RAW_ALT, ip6, len, len), 1);
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_LINKTYPE_RAW, ip6, len, len), 1);
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_IPV6, ip6, len, len), 1);
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_IPV4, ip6, len, len), 0);
    CU_ASSERT_EQUAL(stats.malformed, 1);
    CU_ASSERT_EQUAL(ws_decode_ip(dec, ip6, len, len, 5, td_collect, sink), 1);
    CU_ASSERT_EQUAL(stats.ip_packets, 6);
    ws_decoder_free(dec);
    free(frame);
}

/* Bytes after the IP total length are Ethernet padding, not payload; a
 * total length shorter than the header, or an IHL below 5, is malformed. */
static void test_ipv4_lengths(void)
{
    int dlt;
    uint32_t caplen, wire;
    uint8_t *frame = td_load("eth_ipv4_udp_dns.pcap", &dlt, &caplen, &wire);
    CU_ASSERT_FATAL(frame != NULL);
    uint8_t padded[200];
    memcpy(padded, frame, caplen);
    memset(padded + caplen, 0xee, 20);
    memset(&stats, 0, sizeof(stats));
    ws_decoder *dec = ws_decoder_new(&limits, &stats);
    CU_ASSERT_EQUAL(decode_bytes(dec, dlt, padded, caplen + 20, caplen + 20), 1);
    CU_ASSERT_EQUAL(sink->pkts[0].p.l3_len, 66);
    CU_ASSERT_EQUAL(sink->pkts[0].p.payload_len, 38);

    /* total length 19 (< 20) */
    padded[14 + 2] = 0;
    padded[14 + 3] = 19;
    CU_ASSERT_EQUAL(decode_bytes(dec, dlt, padded, caplen, caplen), 0);
    CU_ASSERT_EQUAL(stats.malformed, 1);
    /* IHL 4 */
    memcpy(padded, frame, caplen);
    padded[14] = 0x44;
    CU_ASSERT_EQUAL(decode_bytes(dec, dlt, padded, caplen, caplen), 0);
    CU_ASSERT_EQUAL(stats.malformed, 2);
    /* IHL 6: one 4-byte option word (NOP NOP NOP EOL) before UDP 1000 -> 2000 */
    uint8_t opt[36];
    put_ipv4(opt, sizeof(opt), 17, "192.0.2.1", "192.0.2.2");
    opt[0] = 0x46;
    memcpy(opt + 20, "\x01\x01\x01\x00", 4);
    memcpy(opt + 24, "\x03\xe8\x07\xd0\x00\x0c\x00\x00" "abcd", 12);
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_RAW, opt, sizeof(opt), sizeof(opt)), 1);
    CU_ASSERT_EQUAL(sink->pkts[0].p.sport, 1000);
    CU_ASSERT_EQUAL(sink->pkts[0].p.dport, 2000);
    CU_ASSERT_EQUAL(sink->pkts[0].p.payload_len, 4);
    CU_ASSERT_EQUAL(sink->pkts[0].payload[0], 'a');
    /* the option word cut by the capture: truncated, not delivered */
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_RAW, opt, 22, sizeof(opt)), 0);
    CU_ASSERT_EQUAL(stats.truncated, 1);
    stats.truncated = 0;
    /* UDP length 47 runs past the IP length (46 bytes of UDP): malformed */
    memcpy(padded, frame, caplen);
    padded[14 + 20 + 5] = 47;
    CU_ASSERT_EQUAL(decode_bytes(dec, dlt, padded, caplen, caplen), 0);
    CU_ASSERT_EQUAL(stats.malformed, 3);
    /* UDP length 7: malformed; UDP length 20: payload trimmed to 12 */
    padded[14 + 20 + 5] = 7;
    CU_ASSERT_EQUAL(decode_bytes(dec, dlt, padded, caplen, caplen), 0);
    CU_ASSERT_EQUAL(stats.malformed, 4);
    padded[14 + 20 + 5] = 20;
    CU_ASSERT_EQUAL(decode_bytes(dec, dlt, padded, caplen, caplen), 1);
    CU_ASSERT_EQUAL(sink->pkts[0].p.payload_len, 12);
    /* version 6 behind ethertype 0x0800 */
    memcpy(padded, frame, caplen);
    padded[14] = 0x65;
    CU_ASSERT_EQUAL(decode_bytes(dec, dlt, padded, caplen, caplen), 0);
    CU_ASSERT_EQUAL(stats.malformed, 5);
    CU_ASSERT_EQUAL(stats.truncated, 0);
    ws_decoder_free(dec);
    free(frame);
}

/* A TCP data offset below 5, or past the IP length, is malformed. */
static void test_tcp_offsets(void)
{
    int dlt;
    uint32_t caplen, wire;
    uint8_t *frame = td_load("eth_ipv4_tcp_syn.pcap", &dlt, &caplen, &wire);
    CU_ASSERT_FATAL(frame != NULL);
    memset(&stats, 0, sizeof(stats));
    ws_decoder *dec = ws_decoder_new(&limits, &stats);
    uint8_t *doff = frame + 14 + 20 + 12;
    CU_ASSERT_EQUAL(*doff, 0x80); /* tcp.hdr_len 32 */
    *doff = 0x40;
    CU_ASSERT_EQUAL(decode_bytes(dec, dlt, frame, caplen, wire), 0);
    *doff = 0xf0; /* 60 bytes > 32 bytes of TCP in the IP packet */
    CU_ASSERT_EQUAL(decode_bytes(dec, dlt, frame, caplen, wire), 0);
    CU_ASSERT_EQUAL(stats.malformed, 2);
    *doff = 0x50; /* 20: the options become payload */
    CU_ASSERT_EQUAL(decode_bytes(dec, dlt, frame, caplen, wire), 1);
    CU_ASSERT_EQUAL(sink->pkts[0].p.payload_len, 12);
    ws_decoder_free(dec);
    free(frame);
}

/* IPv4 total length 0 from a host with segmentation offload (thrift.pcap
 * frame 32; tshark reports ip.len 2960 from the frame length 2974). */
static void test_ipv4_tso_zero_length(void)
{
    uint8_t pkt[20 + 20 + 100];
    memset(pkt, 0, sizeof(pkt));
    put_ipv4(pkt, 0, 6, "169.254.59.247", "169.254.46.4");
    memcpy(pkt + 20, "\xd0\x8b\x2b\x02", 4); /* 53387 -> 11010 */
    pkt[20 + 12] = 0x50;
    pkt[20 + 13] = 0x10;
    memset(&stats, 0, sizeof(stats));
    ws_decoder *dec = ws_decoder_new(&limits, &stats);
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_RAW, pkt, sizeof(pkt), sizeof(pkt)), 1);
    CU_ASSERT_EQUAL(sink->pkts[0].p.ip_len, sizeof(pkt));
    CU_ASSERT_EQUAL(sink->pkts[0].p.payload_len, 100);
    CU_ASSERT_EQUAL(sink->pkts[0].p.sport, 53387);
    CU_ASSERT_EQUAL(stats.malformed, 0);
    ws_decoder_free(dec);
}

/* IPv6 extension chains: a destination-options + routing chain is walked to
 * UDP; a hop-by-hop header that is not first, or a chain longer than 16, is
 * malformed; a fragment header with offset 0 and M 0 (atomic, RFC 6946) is
 * a plain packet. */
static void test_ipv6_ext_chains(void)
{
    uint8_t pkt[40 + 18 * 8 + 8];
    memset(pkt, 0, sizeof(pkt));
    ws_addr s = td_addr("2001:db8::1"), d = td_addr("2001:db8::2");
    pkt[0] = 0x60;
    memcpy(pkt + 8, s.b, 16);
    memcpy(pkt + 24, d.b, 16);
    ws_decoder *dec;
    memset(&stats, 0, sizeof(stats));
    dec = ws_decoder_new(&limits, &stats);

    /* 60 (8 bytes) -> 43 (16 bytes) -> 44 atomic (8) -> 17 */
    size_t n = 40;
    pkt[6] = 60;
    pkt[n] = 43;
    pkt[n + 1] = 0;
    n += 8;
    pkt[n] = 44;
    pkt[n + 1] = 1;
    n += 16;
    pkt[n] = 17;
    pkt[n + 2] = 0;
    pkt[n + 3] = 0; /* offset 0, M 0 */
    n += 8;
    memcpy(pkt + n, "\x00\x35\x30\x39\x00\x08\x00\x00", 8); /* 53 -> 12345 */
    n += 8;
    pkt[4] = (uint8_t)((n - 40) >> 8);
    pkt[5] = (uint8_t)(n - 40);
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_RAW, pkt, (uint32_t)n, (uint32_t)n), 1);
    CU_ASSERT_EQUAL(sink->pkts[0].p.proto, 17);
    CU_ASSERT_EQUAL(sink->pkts[0].p.sport, 53);
    CU_ASSERT_EQUAL(sink->pkts[0].p.dport, 12345);
    CU_ASSERT_EQUAL(stats.fragments, 0);

    /* hop-by-hop after destination options */
    pkt[40] = 0;
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_RAW, pkt, (uint32_t)n, (uint32_t)n), 0);
    CU_ASSERT_EQUAL(stats.malformed, 1);

    /* 17 destination-options headers in a row */
    pkt[6] = 60;
    for (int i = 0; i < 17; i++) {
        pkt[40 + 8 * i] = i < 16 ? 60 : 17;
        pkt[40 + 8 * i + 1] = 0;
    }
    n = 40 + 17 * 8;
    memcpy(pkt + n, "\x00\x35\x30\x39\x00\x08\x00\x00", 8);
    n += 8;
    pkt[4] = (uint8_t)((n - 40) >> 8);
    pkt[5] = (uint8_t)(n - 40);
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_RAW, pkt, (uint32_t)n, (uint32_t)n), 0);
    CU_ASSERT_EQUAL(stats.malformed, 2);
    /* 16 of them is within the bound */
    pkt[40 + 8 * 15] = 17;
    n = 40 + 16 * 8;
    memcpy(pkt + n, "\x00\x35\x30\x39\x00\x08\x00\x00", 8);
    n += 8;
    pkt[4] = (uint8_t)((n - 40) >> 8);
    pkt[5] = (uint8_t)(n - 40);
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_RAW, pkt, (uint32_t)n, (uint32_t)n), 1);
    CU_ASSERT_EQUAL(sink->pkts[0].p.dport, 12345);
    /* a payload length that ends inside the extension headers: malformed */
    pkt[5] = 16;
    CU_ASSERT_EQUAL(decode_bytes(dec, WS_DLT_RAW, pkt, (uint32_t)n, (uint32_t)n), 0);
    CU_ASSERT_EQUAL(stats.malformed, 3);
    CU_ASSERT_EQUAL(stats.truncated, 0);
    ws_decoder_free(dec);
}

/* A small deterministic generator (xorshift32), so a failure can be replayed. */
static uint32_t rng_state = 2463534242u;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static const uint8_t *mut_frame;
static uint32_t mut_len;
static uint64_t mut_bad, mut_delivered;

static void mut_cb(const ws_packet *p, void *ctx)
{
    (void)ctx;
    mut_delivered++;
    if (!p->reassembled && (p->l3 < mut_frame || p->l3 + p->l3_len > mut_frame + mut_len))
        mut_bad++;
    if (p->payload_len &&
        (p->payload < p->l3 || p->payload + p->payload_len > p->l3 + p->l3_len))
        mut_bad++;
    if (p->ip_version != 4 && p->ip_version != 6)
        mut_bad++;
}

/* Each sample with 1 to 4 bytes of its headers replaced at random (and cut
 * at a random length one time in four), 2000 times: whatever is delivered
 * lies inside the frame, and the sanitizer build sees no bad access. */
static void test_sample_mutations(void)
{
    ws_limits l = limits;
    l.frag_max_bytes = 256 * 1024;
    for (size_t i = 0; i < NSAMPLES; i++) {
        int dlt;
        uint32_t caplen, wire;
        uint8_t *frame = td_load(samples[i].file, &dlt, &caplen, &wire);
        CU_ASSERT_FATAL(frame != NULL);
        memset(&stats, 0, sizeof(stats));
        ws_decoder *dec = ws_decoder_new(&l, &stats);
        uint32_t span = caplen < 120 ? caplen : 120; /* where the headers are */
        for (int k = 0; k < 2000; k++) {
            uint32_t len = (rng() % 4 == 0) ? rng() % (caplen + 1) : caplen;
            uint8_t *copy = malloc(len ? len : 1);
            memcpy(copy, frame, len);
            int flips = 1 + (int)(rng() % 4);
            for (int f = 0; f < flips && len; f++) {
                uint32_t at = rng() % (span < len ? span : len);
                copy[at] = (uint8_t)rng();
            }
            mut_frame = copy;
            mut_len = len;
            ws_decode_frame(dec, dlt, copy, len, wire, k * 1000LL, mut_cb, NULL);
            free(copy);
            CU_ASSERT_TRUE(ws_decoder_frag_bytes(dec) <= l.frag_max_bytes);
        }
        ws_decoder_expire(dec, INT64_MAX);
        CU_ASSERT_EQUAL(ws_decoder_frag_bytes(dec), 0);
        ws_decoder_free(dec);
        free(frame);
    }
    CU_ASSERT_EQUAL(mut_bad, 0);
    CU_ASSERT_TRUE(mut_delivered > 0);
}

int main(void)
{
    ws_limits_default(&limits);
    sink = calloc(1, sizeof(*sink));
    if (!sink)
        return 2;
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"samples: fields as tshark reads them", test_samples_full},
        {"samples: every truncated prefix", test_samples_prefixes},
        {"TCP flags, sequence, ack, window", test_tcp_fields},
        {"UDP payload", test_udp_payload},
        {"ICMP and ICMPv6 errors and their quotes", test_icmp_quotes},
        {"fields of protocols a packet does not carry are 0", test_absent_fields_zero},
        {"ICMP quote cut at every length", test_icmp_quote_prefixes},
        {"ICMP error quoting an echo request", test_icmp_quote_echo},
        {"ESP SPI and sequence", test_esp},
        {"tunnel depth limit 0", test_tunnel_limit},
        {"nested tunnels past the limit", test_tunnel_nesting},
        {"non-IP frames and link types", test_non_ip_and_link_types},
        {"PPP, Cisco HDLC and PPI", test_ppp_hdlc_ppi},
        {"VXLAN", test_vxlan},
        {"BSD loopback families and byte orders", test_null_families},
        {"raw IP link types", test_raw_versions},
        {"IPv4 lengths, padding, UDP length", test_ipv4_lengths},
        {"TCP data offset", test_tcp_offsets},
        {"IPv4 total length 0 (TSO)", test_ipv4_tso_zero_length},
        {"IPv6 extension header chains", test_ipv6_ext_chains},
        {"samples with random header bytes", test_sample_mutations},
        {NULL, NULL},
    };
    ws_test_suite("decode", cases);
    int rc = ws_test_run();
    free(sink);
    return rc;
}

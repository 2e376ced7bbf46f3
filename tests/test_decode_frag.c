/* test_decode_frag.c - IPv4 and IPv6 fragment reassembly: order,
 * duplicates, overlaps (same bytes, and bytes that change the port), the
 * memory cap, the timeout, malformed offsets, tiny fragments, and the
 * fragmented DNS answers of the corpus.
 *
 * Datagrams are built here, then cut into fragments; the expected result is
 * the datagram that was cut (ports, length, bytes). The corpus check uses
 * tshark's reassembly of dns_fragmented.pcap (values in that test). */
#include "ws_test.h"
#include "test_decode_util.h"

static ws_limits limits;
static ws_stats stats;
static td_sink *sink;
static ws_decoder *dec;

static void start(const ws_limits *l)
{
    memset(&stats, 0, sizeof(stats));
    memset(sink, 0, sizeof(*sink));
    dec = ws_decoder_new(l ? l : &limits, &stats);
    CU_ASSERT_FATAL(dec != NULL);
}

static void finish(void)
{
    ws_decoder_free(dec);
    dec = NULL;
}

/* An IPv4 datagram: 20-byte header, then UDP (or TCP when proto is 6)
 * sport -> dport, then a payload whose byte i is (uint8_t)(i * 7 + seed). */
typedef struct dgram {
    uint8_t b[70000];
    size_t len;   /* whole datagram */
    size_t hl;    /* IP header (+ IPv6 unfragmentable part) */
    int version;
} dgram;

static dgram d1, d2;

static void build4(dgram *d, uint16_t id, uint8_t proto, uint16_t sport, uint16_t dport,
                   size_t payload, uint8_t seed)
{
    size_t th = proto == 6 ? 20 : 8;
    d->version = 4;
    d->hl = 20;
    d->len = 20 + th + payload;
    memset(d->b, 0, d->len);
    d->b[0] = 0x45;
    d->b[2] = (uint8_t)(d->len >> 8);
    d->b[3] = (uint8_t)d->len;
    d->b[4] = (uint8_t)(id >> 8);
    d->b[5] = (uint8_t)id;
    d->b[8] = 64;
    d->b[9] = proto;
    memcpy(d->b + 12, "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8); /* 192.0.2.1 -> .2 */
    uint8_t *t = d->b + 20;
    t[0] = (uint8_t)(sport >> 8);
    t[1] = (uint8_t)sport;
    t[2] = (uint8_t)(dport >> 8);
    t[3] = (uint8_t)dport;
    if (proto == 6) {
        t[12] = 0x50;
        t[13] = 0x02; /* SYN */
    } else {
        t[4] = (uint8_t)((8 + payload) >> 8);
        t[5] = (uint8_t)(8 + payload);
    }
    for (size_t i = 0; i < payload; i++)
        t[th + i] = (uint8_t)(i * 7 + seed);
}

/* An IPv6 datagram with a hop-by-hop header (8 bytes) in its unfragmentable
 * part, then UDP. */
static void build6(dgram *d, uint16_t sport, uint16_t dport, size_t payload, uint8_t seed)
{
    d->version = 6;
    d->hl = 48;
    d->len = 48 + 8 + payload;
    memset(d->b, 0, d->len);
    d->b[0] = 0x60;
    d->b[4] = (uint8_t)((d->len - 40) >> 8);
    d->b[5] = (uint8_t)(d->len - 40);
    d->b[6] = 0; /* hop-by-hop */
    d->b[7] = 64;
    ws_addr s = td_addr("2001:db8::1"), t = td_addr("2001:db8::2");
    memcpy(d->b + 8, s.b, 16);
    memcpy(d->b + 24, t.b, 16);
    d->b[40] = 17; /* hop-by-hop: next header UDP, length 0, PadN */
    d->b[42] = 1;
    d->b[43] = 4;
    uint8_t *u = d->b + 48;
    u[0] = (uint8_t)(sport >> 8);
    u[1] = (uint8_t)sport;
    u[2] = (uint8_t)(dport >> 8);
    u[3] = (uint8_t)dport;
    u[4] = (uint8_t)((8 + payload) >> 8);
    u[5] = (uint8_t)(8 + payload);
    for (size_t i = 0; i < payload; i++)
        u[8 + i] = (uint8_t)(i * 7 + seed);
}

/* Sends the fragment holding bytes [off, off + len) of d's fragmentable part
 * (taken from src when not NULL: a fragment carrying other bytes), at time
 * ts_us. Returns the packets delivered. */
static int send_frag_from(const dgram *d, const uint8_t *src, size_t off, size_t len,
                          bool more, int64_t ts_us, uint32_t id6)
{
    static uint8_t f[70000];
    const uint8_t *data = src ? src : d->b + d->hl;
    size_t n;
    if (d->version == 4) {
        memcpy(f, d->b, 20);
        n = 20 + len;
        f[2] = (uint8_t)(n >> 8);
        f[3] = (uint8_t)n;
        uint16_t fo = (uint16_t)((off / 8) | (more ? 0x2000 : 0));
        f[6] = (uint8_t)(fo >> 8);
        f[7] = (uint8_t)fo;
        memcpy(f + 20, data + off, len);
    } else {
        memcpy(f, d->b, d->hl);
        f[40] = 44; /* hop-by-hop now names the fragment header */
        uint8_t *fh = f + d->hl;
        fh[0] = 17;
        fh[1] = 0;
        uint16_t offlg = (uint16_t)(off | (more ? 1 : 0));
        fh[2] = (uint8_t)(offlg >> 8);
        fh[3] = (uint8_t)offlg;
        fh[4] = (uint8_t)(id6 >> 24);
        fh[5] = (uint8_t)(id6 >> 16);
        fh[6] = (uint8_t)(id6 >> 8);
        fh[7] = (uint8_t)id6;
        memcpy(fh + 8, data + off, len);
        n = d->hl + 8 + len;
        f[4] = (uint8_t)((n - 40) >> 8);
        f[5] = (uint8_t)(n - 40);
    }
    uint8_t *copy = malloc(n);
    memcpy(copy, f, n);
    int r = ws_decode_frame(dec, WS_DLT_RAW, copy, (uint32_t)n, (uint32_t)n + 14, ts_us,
                            td_collect, sink);
    free(copy);
    return r;
}

static int send_frag(const dgram *d, size_t off, size_t len, bool more)
{
    return send_frag_from(d, NULL, off, len, more, 1000, 0x1234);
}

/* The delivered packet k is datagram d, reassembled. */
static void check_whole(int k, const dgram *d, uint16_t sport, uint16_t dport)
{
    CU_ASSERT_FATAL(sink->n > k);
    const td_pkt *t = &sink->pkts[k];
    CU_ASSERT_TRUE(t->p.reassembled);
    CU_ASSERT_EQUAL(t->p.ip_len, d->len);
    CU_ASSERT_EQUAL(t->p.l3_len, d->len);
    CU_ASSERT_EQUAL(t->p.sport, sport);
    CU_ASSERT_EQUAL(t->p.dport, dport);
    CU_ASSERT_EQUAL(t->p.ip_version, d->version);
    /* The rebuilt header is the original one (IPv4: checksum aside, which
     * the test leaves 0; IPv6: the hop-by-hop header names UDP again). */
    CU_ASSERT_EQUAL(memcmp(t->l3, d->b, d->len), 0);
}

static void test_in_order(void)
{
    build4(&d1, 0x1001, 17, 5000, 5060, 3000, 1); /* 3008 bytes of UDP */
    start(NULL);
    CU_ASSERT_EQUAL(send_frag(&d1, 0, 1480, true), 0);
    CU_ASSERT_EQUAL(send_frag(&d1, 1480, 1480, true), 0);
    CU_ASSERT_EQUAL(ws_decoder_frag_pending(dec), 1);
    CU_ASSERT_EQUAL(send_frag(&d1, 2960, 48, false), 1);
    check_whole(0, &d1, 5000, 5060);
    CU_ASSERT_EQUAL(sink->pkts[0].p.payload_len, 3000);
    /* wire_len: the three frames (1500 + 1500 + 68 IP bytes, + 14 each) */
    CU_ASSERT_EQUAL(sink->pkts[0].p.wire_len, 1514 + 1514 + 82);
    CU_ASSERT_EQUAL(stats.fragments, 3);
    CU_ASSERT_EQUAL(stats.reassembled, 1);
    CU_ASSERT_EQUAL(stats.ip_packets, 3);
    CU_ASSERT_EQUAL(stats.frag_overlap, 0);
    CU_ASSERT_EQUAL(ws_decoder_frag_pending(dec), 0);
    CU_ASSERT_EQUAL(ws_decoder_frag_bytes(dec), 0);
    finish();
}

static void test_out_of_order(void)
{
    build4(&d1, 0x1002, 17, 5001, 53, 4000, 2);
    /* last, middle, first; then the same datagram in another order */
    static const size_t order[2][4] = {{3, 2, 1, 0}, {2, 0, 3, 1}};
    for (int o = 0; o < 2; o++) {
        start(NULL);
        int got = 0;
        for (int i = 0; i < 4; i++) {
            size_t k = order[o][i];
            size_t off = k * 1024, len = k == 3 ? 4008 - 3072 : 1024;
            got += send_frag(&d1, off, len, k != 3);
            CU_ASSERT_EQUAL(got, i == 3 ? 1 : 0);
        }
        check_whole(0, &d1, 5001, 53);
        CU_ASSERT_EQUAL(stats.reassembled, 1);
        CU_ASSERT_EQUAL(ws_decoder_frag_bytes(dec), 0);
        finish();
    }
}

static void test_duplicates(void)
{
    build4(&d1, 0x1003, 17, 1111, 2222, 200, 3); /* 208 bytes */
    start(NULL);
    send_frag(&d1, 0, 104, true);
    send_frag(&d1, 0, 104, true);
    CU_ASSERT_EQUAL(send_frag(&d1, 104, 104, false), 1);
    /* a duplicate after completion starts a new datagram, never completed */
    CU_ASSERT_EQUAL(send_frag(&d1, 104, 104, false), 0);
    CU_ASSERT_EQUAL(sink->n, 1);
    check_whole(0, &d1, 1111, 2222);
    CU_ASSERT_EQUAL(stats.frag_overlap, 1);
    CU_ASSERT_EQUAL(stats.frag_overlap_conflict, 0);
    ws_decoder_expire(dec, INT64_MAX);
    CU_ASSERT_EQUAL(stats.frag_timeout, 1);
    CU_ASSERT_EQUAL(sink->n, 1);
    finish();
}

static void test_overlap_same_bytes(void)
{
    build4(&d1, 0x1004, 17, 3333, 4444, 200, 4);
    start(NULL);
    send_frag(&d1, 0, 112, true);
    send_frag(&d1, 64, 96, true); /* [64, 160) overlaps [64, 112) */
    CU_ASSERT_EQUAL(send_frag(&d1, 160, 48, false), 1);
    check_whole(0, &d1, 3333, 4444);
    CU_ASSERT_EQUAL(stats.frag_overlap, 1);
    CU_ASSERT_EQUAL(stats.frag_overlap_conflict, 0);
    finish();
}

/* Two fragments at offset 0 that disagree on the destination port: both
 * ports are delivered, first-arrival-wins first. */
static void test_overlap_port_conflict(void)
{
    build4(&d1, 0x1005, 17, 40000, 53, 200, 5);
    build4(&d2, 0x1005, 17, 40000, 22, 200, 5); /* same datagram, port 22 */
    for (int swap = 0; swap < 2; swap++) {
        const dgram *a = swap ? &d2 : &d1, *b = swap ? &d1 : &d2;
        start(NULL);
        send_frag(a, 0, 64, true);
        send_frag(b, 0, 64, true);
        CU_ASSERT_EQUAL(send_frag(a, 64, 144, false), 2);
        CU_ASSERT_EQUAL(sink->n, 2);
        CU_ASSERT_EQUAL(sink->pkts[0].p.dport, swap ? 22 : 53);
        CU_ASSERT_EQUAL(sink->pkts[1].p.dport, swap ? 53 : 22);
        CU_ASSERT_EQUAL(sink->pkts[0].p.sport, 40000);
        CU_ASSERT_EQUAL(sink->pkts[1].p.sport, 40000);
        CU_ASSERT_TRUE(sink->pkts[1].p.reassembled);
        CU_ASSERT_EQUAL(stats.frag_overlap, 1);
        CU_ASSERT_EQUAL(stats.frag_overlap_conflict, 1);
        CU_ASSERT_EQUAL(stats.reassembled, 1);
        finish();
    }
}

/* RFC 1858 section 4: a tiny first fragment (the ports only), then a
 * fragment at offset 8 rewriting the TCP header. The flags the receiver
 * may see differ: both readings are delivered. */
static void test_tiny_fragment_overwrite(void)
{
    build4(&d1, 0x1006, 6, 1024, 80, 16, 6);  /* SYN to port 80 */
    memcpy(d2.b, d1.b, d1.len);
    d2.b[20 + 13] = 0x12;                      /* the same with SYN+ACK */
    start(NULL);
    send_frag(&d1, 0, 8, true);                /* ports and sequence only */
    send_frag(&d1, 8, 16, true);               /* rest of the header + 4 bytes */
    send_frag_from(&d1, d2.b + 20, 8, 16, true, 1000, 0);  /* rewrite, later */
    CU_ASSERT_EQUAL(send_frag(&d1, 24, 12, false), 2);
    CU_ASSERT_EQUAL(sink->pkts[0].p.tcp_flags, WS_TCP_SYN);
    CU_ASSERT_EQUAL(sink->pkts[1].p.tcp_flags, WS_TCP_SYN | WS_TCP_ACK);
    CU_ASSERT_EQUAL(sink->pkts[0].p.dport, 80);
    CU_ASSERT_EQUAL(stats.frag_overlap_conflict, 1);
    finish();

    /* Tiny first fragment, no overlap: reassembled, ports from the whole. */
    start(NULL);
    CU_ASSERT_EQUAL(send_frag(&d1, 8, 28, false), 0);
    CU_ASSERT_EQUAL(send_frag(&d1, 0, 8, true), 1);
    check_whole(0, &d1, 1024, 80);
    CU_ASSERT_EQUAL(sink->pkts[0].p.tcp_flags, WS_TCP_SYN);
    finish();
}

/* Bytes that differ beyond the transport header: counted, one delivery. */
static void test_overlap_conflict_in_payload(void)
{
    build4(&d1, 0x1007, 17, 7000, 7001, 400, 7);
    memcpy(d2.b, d1.b, d1.len);
    d2.b[20 + 300] ^= 0xff;
    start(NULL);
    send_frag(&d1, 0, 320, true);
    send_frag_from(&d1, d2.b + 20, 256, 152, false, 1000, 0);
    CU_ASSERT_EQUAL(sink->n, 1);
    check_whole(0, &d1, 7000, 7001); /* first arrival wins: d1's byte */
    CU_ASSERT_EQUAL(stats.frag_overlap_conflict, 1);
    finish();
}

static void test_memory_cap(void)
{
    /* Room for a few datagrams only. */
    ws_limits l = limits;
    l.frag_max_datagrams = 8;
    l.frag_max_bytes = 32 * 1024;
    start(&l);
    uint64_t peak = 0;
    for (int i = 0; i < 20; i++) {
        build4(&d1, (uint16_t)(0x2000 + i), 17, 9000, 9001, 3000, (uint8_t)i);
        send_frag(&d1, 0, 1480, true);
        uint64_t b = ws_decoder_frag_bytes(dec);
        if (b > peak)
            peak = b;
        CU_ASSERT_TRUE(b <= l.frag_max_bytes);
        CU_ASSERT_TRUE(ws_decoder_frag_pending(dec) <= 8);
    }
    CU_ASSERT_TRUE(peak > 0);
    CU_ASSERT_TRUE(stats.frag_dropped_limit >= 12);
    CU_ASSERT_EQUAL(stats.frag_dropped_limit, 20 - ws_decoder_frag_pending(dec));
    finish();

    /* The datagram cap alone: 4 datagrams, the fifth is dropped, then one
     * completes and a new one fits again. */
    l = limits;
    l.frag_max_datagrams = 4;
    start(&l);
    for (int i = 0; i < 5; i++) {
        build4(&d1, (uint16_t)(0x3000 + i), 17, 9000, 9001, 100, (uint8_t)i);
        send_frag(&d1, 0, 56, true);
    }
    CU_ASSERT_EQUAL(ws_decoder_frag_pending(dec), 4);
    CU_ASSERT_EQUAL(stats.frag_dropped_limit, 1);
    build4(&d1, 0x3000, 17, 9000, 9001, 100, 0);
    CU_ASSERT_EQUAL(send_frag(&d1, 56, 52, false), 1);
    CU_ASSERT_EQUAL(ws_decoder_frag_pending(dec), 3);
    build4(&d1, 0x3004, 17, 9000, 9001, 100, 4);
    send_frag(&d1, 0, 56, true);
    CU_ASSERT_EQUAL(ws_decoder_frag_pending(dec), 4);
    CU_ASSERT_EQUAL(stats.frag_dropped_limit, 1);
    finish();

    /* A datagram that outgrows the byte cap is dropped with its fragments. */
    l = limits;
    l.frag_max_bytes = 12 * 1024;
    start(&l);
    build4(&d1, 0x4000, 17, 9000, 9001, 30000, 9);
    int n = 0;
    for (size_t off = 0; off < 30000; off += 1480)
        n += send_frag(&d1, off, 1480, true);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_TRUE(ws_decoder_frag_bytes(dec) <= l.frag_max_bytes);
    CU_ASSERT_TRUE(stats.frag_dropped_limit > 0);
    CU_ASSERT_EQUAL(stats.reassembled, 0);
    finish();

    /* Nothing at all allowed. */
    l = limits;
    l.frag_max_datagrams = 0;
    start(&l);
    send_frag(&d1, 0, 1480, true);
    CU_ASSERT_EQUAL(stats.frag_dropped_limit, 1);
    CU_ASSERT_EQUAL(ws_decoder_frag_bytes(dec), 0);
    finish();
}

static void test_timeout(void)
{
    ws_limits l = limits;
    l.frag_timeout_us = 30 * 1000000LL;
    start(&l);
    build4(&d1, 0x5000, 17, 6000, 6001, 100, 1);
    build4(&d2, 0x5001, 17, 6000, 6002, 100, 2);
    send_frag_from(&d1, NULL, 0, 56, true, 0, 0);
    send_frag_from(&d2, NULL, 0, 56, true, 29 * 1000000LL, 0);
    CU_ASSERT_EQUAL(stats.frag_timeout, 0);
    /* 30 s after d1's first fragment: d1 is gone, d2 is not */
    CU_ASSERT_EQUAL(send_frag_from(&d1, NULL, 56, 52, false, 30 * 1000000LL, 0), 0);
    CU_ASSERT_EQUAL(stats.frag_timeout, 1);
    CU_ASSERT_EQUAL(send_frag_from(&d2, NULL, 56, 52, false, 30 * 1000000LL, 0), 1);
    CU_ASSERT_EQUAL(sink->pkts[0].p.dport, 6002);
    /* d1's late last fragment waits alone; expiry counts it */
    CU_ASSERT_EQUAL(ws_decoder_frag_pending(dec), 1);
    ws_decoder_expire(dec, 59 * 1000000LL);
    CU_ASSERT_EQUAL(ws_decoder_frag_pending(dec), 1);
    ws_decoder_expire(dec, 60 * 1000000LL);
    CU_ASSERT_EQUAL(ws_decoder_frag_pending(dec), 0);
    CU_ASSERT_EQUAL(stats.frag_timeout, 2);
    CU_ASSERT_EQUAL(stats.fragments, 4);
    CU_ASSERT_EQUAL(sink->n, 1);
    CU_ASSERT_EQUAL(ws_decoder_frag_bytes(dec), 0);
    finish();
}

static void test_ipv6(void)
{
    build6(&d1, 547, 546, 2000, 3);
    start(NULL);
    CU_ASSERT_EQUAL(send_frag_from(&d1, NULL, 1232, 776, false, 1000, 77), 0);
    CU_ASSERT_EQUAL(send_frag_from(&d1, NULL, 0, 1232, true, 1000, 77), 1);
    check_whole(0, &d1, 547, 546);
    CU_ASSERT_EQUAL(sink->pkts[0].p.proto, 17);
    CU_ASSERT_EQUAL(sink->pkts[0].p.payload_len, 2000);
    CU_ASSERT_EQUAL(stats.fragments, 2);
    CU_ASSERT_EQUAL(stats.reassembled, 1);

    /* another identification is another datagram */
    CU_ASSERT_EQUAL(send_frag_from(&d1, NULL, 0, 1232, true, 1000, 78), 0);
    CU_ASSERT_EQUAL(send_frag_from(&d1, NULL, 1232, 776, false, 1000, 79), 0);
    CU_ASSERT_EQUAL(ws_decoder_frag_pending(dec), 2);

    /* conflicting ports in IPv6 fragments too */
    build6(&d2, 547, 9999, 2000, 3);
    CU_ASSERT_EQUAL(send_frag_from(&d1, NULL, 0, 1232, true, 1000, 80), 0);
    CU_ASSERT_EQUAL(send_frag_from(&d2, NULL, 0, 16, true, 1000, 80), 0);
    CU_ASSERT_EQUAL(send_frag_from(&d1, NULL, 1232, 776, false, 1000, 80), 2);
    CU_ASSERT_EQUAL(sink->pkts[1].p.dport, 546);
    CU_ASSERT_EQUAL(sink->pkts[2].p.dport, 9999);
    finish();
}

static void test_malformed(void)
{
    build4(&d1, 0x6000, 17, 1, 2, 200, 1);
    start(NULL);
    /* non-last fragment of 100 bytes: not a multiple of 8 */
    send_frag(&d1, 0, 100, true);
    CU_ASSERT_EQUAL(stats.malformed, 1);
    /* non-last fragment of 0 bytes */
    send_frag(&d1, 0, 0, true);
    CU_ASSERT_EQUAL(stats.malformed, 2);
    CU_ASSERT_EQUAL(ws_decoder_frag_pending(dec), 0);
    /* offset 65528 + 20 header + 16 bytes > 65535 */
    memset(d2.b, 0, sizeof(d2.b));
    memcpy(d2.b, d1.b, 20);
    d2.b[5] ^= 1; /* another identification */
    d2.version = 4;
    d2.hl = 20;
    send_frag(&d2, 65528, 16, false);
    CU_ASSERT_EQUAL(stats.malformed, 3);
    /* offset 65512 + 20 + 3 = 65535: the largest datagram there can be */
    send_frag(&d2, 65512, 3, false);
    CU_ASSERT_EQUAL(stats.malformed, 3);
    CU_ASSERT_EQUAL(ws_decoder_frag_pending(dec), 1);
    /* two last fragments that disagree on the end */
    send_frag(&d1, 104, 104, false);
    send_frag(&d1, 104, 96, false);
    CU_ASSERT_EQUAL(stats.malformed, 4);
    /* past the known end */
    send_frag(&d1, 200, 16, true);
    CU_ASSERT_EQUAL(stats.malformed, 5);
    /* the datagram still completes with the right first fragment */
    CU_ASSERT_EQUAL(send_frag(&d1, 0, 104, true), 1);
    check_whole(0, &d1, 1, 2);
    CU_ASSERT_EQUAL(stats.truncated, 0);
    finish();

    /* A last fragment ending before data already received. */
    start(NULL);
    send_frag(&d1, 104, 96, true);
    send_frag(&d1, 104, 8, false);
    CU_ASSERT_EQUAL(stats.malformed, 1);
    finish();
}

/* A fragment cut by the capture cannot be reassembled: the first is decoded
 * on its own (its ports are there), the others are dropped; both counted
 * truncated. */
static void test_cut_by_capture(void)
{
    build4(&d1, 0x7000, 17, 1234, 53, 2000, 1);
    static uint8_t f[1500];
    memcpy(f, d1.b, 20 + 1480);
    f[2] = 1500 >> 8;
    f[3] = 1500 & 0xff;
    f[6] = 0x20; /* MF, offset 0 */
    start(NULL);
    CU_ASSERT_EQUAL(ws_decode_frame(dec, WS_DLT_RAW, f, 96, 1500, 0, td_collect, sink), 1);
    CU_ASSERT_FALSE(sink->pkts[0].p.reassembled);
    CU_ASSERT_EQUAL(sink->pkts[0].p.sport, 1234);
    CU_ASSERT_EQUAL(sink->pkts[0].p.dport, 53);
    CU_ASSERT_EQUAL(sink->pkts[0].p.payload_len, 96 - 28);
    f[6] = 0x20;
    f[7] = 1480 / 8; /* a later fragment, cut */
    CU_ASSERT_EQUAL(ws_decode_frame(dec, WS_DLT_RAW, f, 96, 1500, 0, td_collect, sink), 0);
    CU_ASSERT_EQUAL(stats.truncated, 2);
    CU_ASSERT_EQUAL(stats.fragments, 2);
    CU_ASSERT_EQUAL(ws_decoder_frag_pending(dec), 0);
    finish();
}

/* An IP-in-IP packet fragmented on the outside: reassembled, then peeled. */
static void test_fragmented_tunnel(void)
{
    build4(&d2, 0x0042, 17, 4500, 4500, 1500, 8); /* inner: UDP, 1528 bytes */
    dgram *outer = &d1;
    outer->version = 4;
    outer->hl = 20;
    outer->len = 20 + d2.len;
    memcpy(outer->b, d2.b, 20);
    outer->b[2] = (uint8_t)(outer->len >> 8);
    outer->b[3] = (uint8_t)outer->len;
    outer->b[9] = 4;
    memcpy(outer->b + 12, "\xcb\x00\x71\x01\xcb\x00\x71\x02", 8); /* 203.0.113.1 -> .2 */
    memcpy(outer->b + 20, d2.b, d2.len);
    start(NULL);
    send_frag(outer, 0, 1000, true);
    CU_ASSERT_EQUAL(send_frag(outer, 1000, 528, false), 1);
    CU_ASSERT_EQUAL(sink->pkts[0].p.tunnel_depth, 1);
    CU_ASSERT_TRUE(sink->pkts[0].p.reassembled);
    CU_ASSERT_EQUAL(sink->pkts[0].p.sport, 4500);
    CU_ASSERT_EQUAL(sink->pkts[0].p.ip_len, d2.len);
    CU_ASSERT_EQUAL(stats.tunnels, 1);
    finish();
}

/* dns_fragmented.pcap (a copy of the corpus file), read with libpcap. tshark -o ip.defragment:TRUE
 * -T fields -e frame.number -e udp.srcport -e udp.dstport -e udp.length
 * -e ip.reassembled.length -e ipv6.reassembled.length: seven answers
 * reassembled from two fragments each (frames 3, 6, 9, 12, 17, 39, 42). */
static void test_corpus_dns_fragmented(void)
{
    static const struct {
        int version;
        uint16_t dport;
        uint32_t ip_len; /* header + reassembled length */
        uint32_t wire;   /* frame.len of the two frames */
    } want[] = {
        {4, 56680, 20 + 1710, 1514 + 264}, {6, 46433, 40 + 1509, 1510 + 123},
        {6, 63369, 40 + 1498, 1510 + 112}, {4, 59464, 20 + 1498, 1514 + 52},
        {4, 59330, 20 + 1710, 1514 + 264}, {6, 55729, 40 + 1738, 1494 + 368},
        {4, 51791, 20 + 1738, 1514 + 292},
    };
    char path[512], err[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof(path), "%s/tests/data/decode/dns_fragmented.pcap", WS_SOURCE_DIR);
    pcap_t *pc = pcap_open_offline(path, err);
    CU_ASSERT_FATAL(pc != NULL);
    start(NULL);
    struct pcap_pkthdr *h;
    const u_char *data;
    size_t k = 0;
    while (pcap_next_ex(pc, &h, &data) == 1) {
        sink->n = 0;
        ws_decode_frame(dec, pcap_datalink(pc), data, h->caplen, h->len, 0, td_collect, sink);
        for (int i = 0; i < sink->n; i++) {
            const ws_packet *p = &sink->pkts[i].p;
            if (!p->reassembled)
                continue;
            CU_ASSERT_FATAL(k < sizeof(want) / sizeof(want[0]));
            CU_ASSERT_EQUAL(p->ip_version, want[k].version);
            CU_ASSERT_EQUAL(p->sport, 53);
            CU_ASSERT_EQUAL(p->dport, want[k].dport);
            CU_ASSERT_EQUAL(p->ip_len, want[k].ip_len);
            CU_ASSERT_EQUAL(p->wire_len, want[k].wire);
            CU_ASSERT_EQUAL(p->payload_len, want[k].ip_len - (p->ip_version == 4 ? 28 : 48));
            k++;
        }
    }
    pcap_close(pc);
    CU_ASSERT_EQUAL(k, 7);
    CU_ASSERT_EQUAL(stats.fragments, 14);
    CU_ASSERT_EQUAL(stats.reassembled, 7);
    CU_ASSERT_EQUAL(stats.malformed + stats.truncated + stats.frag_overlap, 0);
    finish();
}

static uint32_t rng_state = 88172645u;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* 50000 fragments of random offsets, lengths, identifications and contents
 * (IPv4 and IPv6), time moving on: the caps hold after every one, whatever
 * is delivered is a whole datagram, and expiry empties the table. */
static void test_random_fragments(void)
{
    ws_limits l = limits;
    l.frag_max_bytes = 96 * 1024;
    l.frag_max_datagrams = 16;
    l.frag_timeout_us = 2000000;
    start(&l);
    build4(&d1, 0, 17, 1, 2, 65000, 1);
    d1.b[9] = 253; /* experimental protocol: no header to contradict the length */
    build6(&d2, 1, 2, 65000, 2);
    int64_t now = 0;
    int delivered = 0;
    for (int i = 0; i < 50000; i++) {
        dgram *d = rng() % 2 ? &d1 : &d2;
        uint16_t id = (uint16_t)(rng() % 24);
        if (d->version == 4) {
            d->b[4] = 0;
            d->b[5] = (uint8_t)id;
        }
        size_t off = (rng() % 64) * 8 * (rng() % 3 == 0 ? 128 : 1);
        size_t len = (rng() % 4 == 0) ? rng() % 1500 : (rng() % 180) * 8;
        if (off + len > 65000)
            off = 0;
        bool more = rng() % 4 != 0 || off == 0; /* offset 0 and no more: not a fragment */
        if (rng() % 8 == 0)
            d->b[d->hl + rng() % 64] ^= 0x55; /* later copies disagree */
        now += rng() % 1000;
        sink->n = 0;
        delivered += send_frag_from(d, NULL, off, len, more, now, id);
        for (int k = 0; k < sink->n; k++) {
            CU_ASSERT_TRUE(sink->pkts[k].p.reassembled);
            CU_ASSERT_EQUAL(sink->pkts[k].p.l3_len, sink->pkts[k].p.ip_len);
        }
        CU_ASSERT_TRUE(ws_decoder_frag_bytes(dec) <= l.frag_max_bytes);
        CU_ASSERT_TRUE(ws_decoder_frag_pending(dec) <= l.frag_max_datagrams);
    }
    CU_ASSERT_TRUE(delivered > 0);
    CU_ASSERT_TRUE(stats.reassembled > 0);
    CU_ASSERT_TRUE(stats.frag_dropped_limit > 0);
    CU_ASSERT_TRUE(stats.frag_timeout > 0);
    ws_decoder_expire(dec, INT64_MAX);
    CU_ASSERT_EQUAL(ws_decoder_frag_pending(dec), 0);
    CU_ASSERT_EQUAL(ws_decoder_frag_bytes(dec), 0);
    fprintf(stderr, "\n  %d delivered, %llu reassembled, %llu dropped at the cap, "
                    "%llu timed out, %llu malformed, %llu overlaps\n", delivered,
            (unsigned long long)stats.reassembled, (unsigned long long)stats.frag_dropped_limit,
            (unsigned long long)stats.frag_timeout, (unsigned long long)stats.malformed,
            (unsigned long long)stats.frag_overlap);
    finish();
}

int main(void)
{
    ws_limits_default(&limits);
    sink = calloc(1, sizeof(*sink));
    if (!sink)
        return 2;
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"in order", test_in_order},
        {"out of order", test_out_of_order},
        {"duplicates", test_duplicates},
        {"overlap with the same bytes", test_overlap_same_bytes},
        {"overlap changing the port: both delivered", test_overlap_port_conflict},
        {"tiny fragments (RFC 1858)", test_tiny_fragment_overwrite},
        {"overlap conflict in the payload", test_overlap_conflict_in_payload},
        {"memory cap", test_memory_cap},
        {"timeout", test_timeout},
        {"IPv6 fragments", test_ipv6},
        {"malformed offsets and lengths", test_malformed},
        {"fragments cut by the capture", test_cut_by_capture},
        {"fragmented tunnel", test_fragmented_tunnel},
        {"corpus: dns_fragmented.pcap", test_corpus_dns_fragmented},
        {"random fragments: caps hold", test_random_fragments},
        {NULL, NULL},
    };
    ws_test_suite("decode_frag", cases);
    int rc = ws_test_run();
    free(sink);
    return rc;
}

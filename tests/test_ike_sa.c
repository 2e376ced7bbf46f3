/* test_ike_sa.c - the IKE SA tracker fed packet by packet: sides, NAT
 * verdicts with their evidence, the move to UDP 4500, ESP per direction,
 * the SA limit and the counters. Specification: RFC 7296 sections 2.23 and
 * 3.1, RFC 3947, RFC 3948.
 *
 * Packets carry the samples of tests/data/ike/ (see extract.sh) with the
 * addresses and ports tshark shows for them:
 *   tshark -r ipsec_isakmp_esp.pcap -T fields -e frame.number -e ip.src
 *     -e udp.srcport -e ip.dst -e udp.dstport -e isakmp.ispi -e esp.spi
 *   tshark -r tests/data/ike/ikev1.pcap -T fields -e ip.src -e udp.srcport ...
 * Expected verdicts follow from how the samples were made: make_ikev1.py
 * (scenarios a: no NAT, b: initiator behind NAT, c: responder behind NAT)
 * and, for the nDPI capture, the hashes checked in test_ike_natd.c.
 */
#include "ws_test.h"

#include <stdio.h>
#include <string.h>

#include "ike/ike.h"
#include "test_ike_util.h"

typedef struct ctx {
    ws_limits limits;
    ws_stats stats;
    ws_ike_tracker *t;
} ctx;

static void ctx_init(ctx *c, uint32_t max_sas)
{
    ws_limits_default(&c->limits);
    c->limits.max_ike_sas = max_sas;
    memset(&c->stats, 0, sizeof(c->stats));
    c->t = ws_ike_tracker_new(&c->limits, &c->stats);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c->t);
}

/* A packet src:sport -> dst:dport of IP protocol proto carrying payload. */
static ws_packet packet(uint8_t proto, const char *src, uint16_t sport, const char *dst,
                        uint16_t dport, const uint8_t *payload, size_t len, int64_t ts)
{
    ws_packet p;
    memset(&p, 0, sizeof(p));
    p.ts_us = ts;
    p.proto = proto;
    p.src = ti_addr(src);
    p.dst = ti_addr(dst);
    p.ip_version = p.src.family;
    p.sport = sport;
    p.dport = dport;
    p.payload = payload;
    p.payload_len = (uint32_t)len;
    return p;
}

/* Feeds one UDP packet carrying sample name. */
static ws_ike_kind feed(ctx *c, const char *name, const char *src, uint16_t sport,
                        const char *dst, uint16_t dport, int64_t ts)
{
    size_t len = 0;
    uint8_t *b = ti_load(name, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    ws_packet p = packet(17, src, sport, dst, dport, b, len, ts);
    ws_ike_kind k = ws_ike_tracker_packet(c->t, &p);
    free(b);
    return k;
}

/* Feeds one native ESP packet (IP protocol 50) with SPI spi. */
static void feed_esp(ctx *c, const char *src, const char *dst, uint32_t spi, int64_t ts)
{
    ws_packet p = packet(50, src, 0, dst, 0, NULL, 0, ts);
    p.esp_spi = spi;
    CU_ASSERT_EQUAL(ws_ike_tracker_packet(c->t, &p), WS_IKE_NONE);
}

/* nDPI capture, first IKE SA: frames 16-19 on 10500 <-> 500, then 1, 2 on
 * 14500 <-> 4500, ESP in UDP frames 7 and 11, INFORMATIONAL frame 42 of
 * another SA (de648338c613aa68) sent by its responder. */
static void test_ikev2_real_sequence(void)
{
    ctx c;
    ctx_init(&c, 16);
    const char *I = "192.168.2.100", *R = "109.237.187.193";
    CU_ASSERT_EQUAL(feed(&c, "ndpi-f016.bin", I, 10500, R, 500, 1000), WS_IKE_MSG);
    CU_ASSERT_EQUAL(feed(&c, "ndpi-f017.bin", R, 500, I, 10500, 2000), WS_IKE_MSG);
    CU_ASSERT_EQUAL(feed(&c, "ndpi-f018.bin", I, 10500, R, 500, 3000), WS_IKE_MSG);
    CU_ASSERT_EQUAL(feed(&c, "ndpi-f019.bin", R, 500, I, 10500, 4000), WS_IKE_MSG);
    CU_ASSERT_EQUAL(feed(&c, "ndpi-f001.bin", I, 14500, R, 4500, 5000), WS_IKE_MSG);
    CU_ASSERT_EQUAL(feed(&c, "ndpi-f002.bin", R, 4500, I, 14500, 6000), WS_IKE_MSG);
    CU_ASSERT_EQUAL(feed(&c, "ndpi-f007.bin", I, 14500, R, 4500, 7000), WS_IKE_ESP_IN_UDP);
    CU_ASSERT_EQUAL(feed(&c, "ndpi-f007.bin", I, 14500, R, 4500, 7500), WS_IKE_ESP_IN_UDP);
    CU_ASSERT_EQUAL(feed(&c, "ndpi-f011.bin", R, 4500, I, 14500, 8000), WS_IKE_ESP_IN_UDP);
    CU_ASSERT_EQUAL(feed(&c, "ndpi-f042.bin", R, 4500, I, 14500, 9000), WS_IKE_MSG);

    CU_ASSERT_EQUAL(c.stats.ike_packets, 7);
    CU_ASSERT_EQUAL(c.stats.ike_malformed, 0);
    CU_ASSERT_EQUAL_FATAL(ws_ike_tracker_count(c.t), 2);

    const ws_ike_sa *sa = ws_ike_tracker_get(c.t, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
    CU_ASSERT_TRUE(ti_hex_eq(sa->spi_i, "b64ef32131a48952"));
    CU_ASSERT_TRUE(sa->spi_r_known);
    CU_ASSERT_TRUE(ti_hex_eq(sa->spi_r, "86babd3904886955"));
    CU_ASSERT_EQUAL(sa->version, 2);
    CU_ASSERT_FALSE(sa->initiator_guessed);
    const ws_ike_side *si = &sa->side[WS_IKE_INITIATOR], *sr = &sa->side[WS_IKE_RESPONDER];
    CU_ASSERT_TRUE(ti_addr_is(&si->addr, I));
    CU_ASSERT_EQUAL(si->port, 10500);
    CU_ASSERT_TRUE(ti_addr_is(&sr->addr, R));
    CU_ASSERT_EQUAL(sr->port, 500);
    CU_ASSERT_TRUE(sa->moved_4500);
    CU_ASSERT_EQUAL(si->natt_port, 14500);
    CU_ASSERT_EQUAL(sr->natt_port, 4500);
    CU_ASSERT_EQUAL(sa->messages, 6);
    CU_ASSERT_EQUAL(si->messages, 3);
    CU_ASSERT_EQUAL(sr->messages, 3);
    CU_ASSERT_EQUAL(sa->first_us, 1000);
    CU_ASSERT_EQUAL(sa->last_us, 6000);
    CU_ASSERT_TRUE(sa->natd_present);
    CU_ASSERT_TRUE(sa->natt_offered);
    CU_ASSERT_TRUE(si->natt_offered);
    CU_ASSERT_TRUE(sr->natt_offered);
    CU_ASSERT_EQUAL(sa->hash_alg, WS_DIGEST_SHA1);
    /* the initiator's own hash (frame 16) does not match 192.168.2.100:10500 */
    CU_ASSERT_EQUAL(si->behind_nat, WS_IKE_NAT_YES);
    CU_ASSERT_TRUE(ti_addr_is(&si->observed, I));
    CU_ASSERT_EQUAL(si->observed_port, 10500);
    CU_ASSERT_EQUAL(si->hash_len, 20);
    CU_ASSERT_TRUE(ti_hex_eq(si->hash, "0bac9eb0fe54562b461e584ab413d13c42c4cf07"));
    CU_ASSERT_TRUE(ti_hex_eq(si->hash_spi_r, "0000000000000000"));
    CU_ASSERT_EQUAL(sr->behind_nat, WS_IKE_NAT_NO);
    CU_ASSERT_TRUE(ti_addr_is(&sr->observed, R));
    /* ESP in UDP both ways, credited to every SA between the two addresses */
    CU_ASSERT_EQUAL(si->esp_packets, 2);
    CU_ASSERT_EQUAL(si->esp_in_udp, 2);
    CU_ASSERT_EQUAL(si->esp_spi, 0x04888fe4);
    CU_ASSERT_EQUAL(sr->esp_packets, 1);
    CU_ASSERT_EQUAL(sr->esp_spi, 0xcbb7a0c6);
    CU_ASSERT_EQUAL(sa->esp_first_us, 7000);
    CU_ASSERT_EQUAL(sa->esp_last_us, 8000);

    /* frame 42: an SA first seen from its responder (I flag clear) */
    sa = ws_ike_tracker_get(c.t, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
    CU_ASSERT_TRUE(ti_hex_eq(sa->spi_i, "de648338c613aa68"));
    CU_ASSERT_TRUE(ti_addr_is(&sa->side[WS_IKE_INITIATOR].addr, I));
    CU_ASSERT_EQUAL(sa->side[WS_IKE_INITIATOR].port, 14500);
    CU_ASSERT_TRUE(ti_addr_is(&sa->side[WS_IKE_RESPONDER].addr, R));
    CU_ASSERT_EQUAL(sa->side[WS_IKE_RESPONDER].messages, 1);
    CU_ASSERT_EQUAL(sa->side[WS_IKE_INITIATOR].behind_nat, WS_IKE_NAT_UNKNOWN);
    CU_ASSERT_FALSE(sa->natd_present);
    CU_ASSERT_EQUAL(sa->side[WS_IKE_INITIATOR].esp_packets, 2);

    uint8_t key[8];
    ti_unhex("de648338c613aa68", key);
    CU_ASSERT_PTR_EQUAL(ws_ike_tracker_find(c.t, key), sa);
    ti_unhex("0000000000000001", key);
    CU_ASSERT_PTR_NULL(ws_ike_tracker_find(c.t, key));
    CU_ASSERT_PTR_NULL(ws_ike_tracker_get(c.t, 2));
    ws_ike_tracker_free(c.t);
}

static void feed_v1(ctx *c, char tag, const char *I, uint16_t ip, const char *R, uint16_t rp)
{
    char name[32];
    for (int i = 1; i <= 4; i++) {
        snprintf(name, sizeof(name), "ikev1-%c%d.bin", tag, i);
        bool from_i = i % 2 == 1;
        CU_ASSERT_EQUAL(feed(c, name, from_i ? I : R, from_i ? ip : rp, from_i ? R : I,
                             from_i ? rp : ip, i * 1000),
                        WS_IKE_MSG);
    }
}

/* Scenario a: SHA1 chosen by the responder out of SHA1 and MD5, no NAT. */
static void test_ikev1_no_nat(void)
{
    ctx c;
    ctx_init(&c, 16);
    feed_v1(&c, 'a', "192.0.2.10", 500, "198.51.100.20", 500);
    CU_ASSERT_EQUAL_FATAL(ws_ike_tracker_count(c.t), 1);
    const ws_ike_sa *sa = ws_ike_tracker_get(c.t, 0);
    CU_ASSERT_EQUAL(sa->version, 1);
    CU_ASSERT_FALSE(sa->initiator_guessed);
    CU_ASSERT_TRUE(ti_addr_is(&sa->side[WS_IKE_INITIATOR].addr, "192.0.2.10"));
    CU_ASSERT_EQUAL(sa->hash_alg, WS_DIGEST_SHA1);
    CU_ASSERT_EQUAL(sa->natt_vids, WS_IKE_VID_RFC3947);
    CU_ASSERT_TRUE(sa->side[0].natt_offered);
    CU_ASSERT_TRUE(sa->side[1].natt_offered);
    CU_ASSERT_TRUE(sa->natd_present);
    CU_ASSERT_FALSE(sa->moved_4500);
    CU_ASSERT_EQUAL(sa->side[0].behind_nat, WS_IKE_NAT_NO);
    CU_ASSERT_EQUAL(sa->side[1].behind_nat, WS_IKE_NAT_NO);
    CU_ASSERT_EQUAL(sa->side[0].hash_alg, WS_DIGEST_SHA1);
    CU_ASSERT_EQUAL(sa->side[0].esp_packets, 0);
    CU_ASSERT_EQUAL(sa->side[1].esp_packets, 0);
    /* native ESP both ways; ESP between other hosts is no concern of it */
    feed_esp(&c, "192.0.2.10", "198.51.100.20", 0x1001, 5000);
    feed_esp(&c, "198.51.100.20", "192.0.2.10", 0x2002, 6000);
    feed_esp(&c, "198.51.100.20", "192.0.2.10", 0x2002, 7000);
    feed_esp(&c, "192.0.2.10", "198.51.100.99", 0x3003, 8000);
    sa = ws_ike_tracker_get(c.t, 0);
    CU_ASSERT_EQUAL(sa->side[0].esp_packets, 1);
    CU_ASSERT_EQUAL(sa->side[0].esp_in_udp, 0);
    CU_ASSERT_EQUAL(sa->side[0].esp_spi, 0x1001);
    CU_ASSERT_EQUAL(sa->side[1].esp_packets, 2);
    CU_ASSERT_EQUAL(sa->side[1].esp_spi, 0x2002);
    CU_ASSERT_EQUAL(sa->esp_last_us, 7000);
    ws_ike_tracker_free(c.t);
}

/* Scenario b: MD5, initiator 10.0.0.5 behind a NAT seen as 203.0.113.7:4501. */
static void test_ikev1_initiator_behind_nat(void)
{
    ctx c;
    ctx_init(&c, 16);
    feed_v1(&c, 'b', "203.0.113.7", 4501, "198.51.100.20", 500);
    const ws_ike_sa *sa = ws_ike_tracker_get(c.t, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
    CU_ASSERT_EQUAL(sa->hash_alg, WS_DIGEST_MD5);
    const ws_ike_side *si = &sa->side[WS_IKE_INITIATOR];
    CU_ASSERT_EQUAL(si->behind_nat, WS_IKE_NAT_YES);
    CU_ASSERT_TRUE(ti_addr_is(&si->observed, "203.0.113.7"));
    CU_ASSERT_EQUAL(si->observed_port, 4501);
    CU_ASSERT_EQUAL(si->hash_len, 16);
    /* md5, 22222222a1b2c3d4, 5e6f7a8b22222222, 10.0.0.5, 500 (test_ike_natd.c) */
    CU_ASSERT_TRUE(ti_hex_eq(si->hash, "72bed056738f229fdc96c69cad041e8f"));
    CU_ASSERT_EQUAL(sa->side[WS_IKE_RESPONDER].behind_nat, WS_IKE_NAT_NO);
    /* what the check stage does with it: name the inside address */
    ws_addr nodes[] = {ti_addr("10.0.0.4"), ti_addr("10.0.0.5")};
    uint16_t port = 0;
    CU_ASSERT_EQUAL(ws_ike_natd_find(si->hash_alg, si->hash_spi_i, si->hash_spi_r, si->hash,
                                     si->hash_len, nodes, 2, NULL, 0, &port), 1);
    CU_ASSERT_EQUAL(port, 500);
    ws_ike_tracker_free(c.t);
}

/* Scenario c: draft NAT-D 130, SHA2-256; the responder's own hash matches
 * (captured inside its NAT) but the initiator's destination hash does not:
 * a "yes" stands. */
static void test_ikev1_responder_behind_nat(void)
{
    ctx c;
    ctx_init(&c, 16);
    feed_v1(&c, 'c', "192.0.2.10", 500, "198.51.100.30", 500);
    const ws_ike_sa *sa = ws_ike_tracker_get(c.t, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
    CU_ASSERT_EQUAL(sa->hash_alg, WS_DIGEST_SHA256);
    CU_ASSERT_EQUAL(sa->natt_vids, WS_IKE_VID_DRAFT_02N);
    CU_ASSERT_EQUAL(sa->side[WS_IKE_INITIATOR].behind_nat, WS_IKE_NAT_NO);
    const ws_ike_side *sr = &sa->side[WS_IKE_RESPONDER];
    CU_ASSERT_EQUAL(sr->behind_nat, WS_IKE_NAT_YES);
    CU_ASSERT_TRUE(ti_addr_is(&sr->observed, "198.51.100.30"));
    CU_ASSERT_TRUE(ti_hex_eq(sr->hash,
                          "887eca0a3d0dbffe437ebd7d927fe1b37ced36029658e3fc6ea389f383ed92c7"));
    /* the public address it was hashed against */
    ws_addr pub[] = {ti_addr("203.0.113.9")};
    CU_ASSERT_EQUAL(ws_ike_natd_find(sr->hash_alg, sr->hash_spi_i, sr->hash_spi_r, sr->hash,
                                     sr->hash_len, pub, 1, NULL, 0, NULL), 0);
    ws_ike_tracker_free(c.t);
}

/* IKEv1 first seen at message 2: the initiator is guessed, then message 1
 * (responder cookie zero) settles it. */
static void test_ikev1_guessed_initiator(void)
{
    ctx c;
    ctx_init(&c, 16);
    feed(&c, "ikev1-a2.bin", "198.51.100.20", 500, "192.0.2.10", 500, 1000);
    const ws_ike_sa *sa = ws_ike_tracker_get(c.t, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
    CU_ASSERT_TRUE(sa->initiator_guessed);
    feed(&c, "ikev1-a1.bin", "192.0.2.10", 500, "198.51.100.20", 500, 2000);
    sa = ws_ike_tracker_get(c.t, 0);
    CU_ASSERT_FALSE(sa->initiator_guessed);
    CU_ASSERT_TRUE(ti_addr_is(&sa->side[WS_IKE_INITIATOR].addr, "192.0.2.10"));
    CU_ASSERT_TRUE(ti_addr_is(&sa->side[WS_IKE_RESPONDER].addr, "198.51.100.20"));
    CU_ASSERT_EQUAL(sa->side[WS_IKE_INITIATOR].messages, 1);
    CU_ASSERT_EQUAL(sa->side[WS_IKE_RESPONDER].messages, 1);
    CU_ASSERT_EQUAL(sa->hash_alg, WS_DIGEST_SHA1); /* the responder's choice */
    ws_ike_tracker_free(c.t);
}

/* max_ike_sas: the third SA is not tracked, and counted each time. */
static void test_sa_limit(void)
{
    ctx c;
    ctx_init(&c, 2);
    feed(&c, "ikev1-a1.bin", "192.0.2.10", 500, "198.51.100.20", 500, 1);
    feed(&c, "ikev1-b1.bin", "203.0.113.7", 4501, "198.51.100.20", 500, 2);
    feed(&c, "ikev1-c1.bin", "192.0.2.10", 500, "198.51.100.30", 500, 3);
    feed(&c, "ikev1-c1.bin", "192.0.2.10", 500, "198.51.100.30", 500, 4);
    feed(&c, "ikev1-a2.bin", "198.51.100.20", 500, "192.0.2.10", 500, 5);
    CU_ASSERT_EQUAL(ws_ike_tracker_count(c.t), 2);
    CU_ASSERT_EQUAL(c.stats.ike_sas_dropped, 2);
    CU_ASSERT_EQUAL(c.stats.ike_packets, 5);
    CU_ASSERT_EQUAL(ws_ike_tracker_get(c.t, 0)->messages, 2);
    ws_ike_tracker_free(c.t);

    ctx_init(&c, 0);
    feed(&c, "ikev1-a1.bin", "192.0.2.10", 500, "198.51.100.20", 500, 1);
    CU_ASSERT_EQUAL(ws_ike_tracker_count(c.t), 0);
    CU_ASSERT_EQUAL(c.stats.ike_sas_dropped, 1);
    ws_ike_tracker_free(c.t);
}

/* Many SAs: every one found again by its SPI. */
static void test_many_sas(void)
{
    ctx c;
    ctx_init(&c, 1000);
    size_t len;
    uint8_t *b = ti_load("ikev1-a1.bin", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    ws_packet p = packet(17, "192.0.2.10", 500, "198.51.100.20", 500, b, len, 0);
    for (uint32_t i = 0; i < 1200; i++) {
        b[0] = (uint8_t)(i >> 8);
        b[1] = (uint8_t)i;
        p.src.b[3] = (uint8_t)i; /* a pair of addresses per 256 SAs */
        ws_ike_tracker_packet(c.t, &p);
    }
    CU_ASSERT_EQUAL(ws_ike_tracker_count(c.t), 1000);
    CU_ASSERT_EQUAL(c.stats.ike_sas_dropped, 200);
    for (uint32_t i = 0; i < 1000; i++) {
        uint8_t key[8];
        memcpy(key, b, 8);
        key[0] = (uint8_t)(i >> 8);
        key[1] = (uint8_t)i;
        const ws_ike_sa *sa = ws_ike_tracker_find(c.t, key);
        CU_ASSERT_PTR_NOT_NULL(sa);
        if (sa)
            CU_ASSERT_EQUAL(sa->side[0].addr.b[3], (uint8_t)i);
    }
    free(b);
    ws_ike_tracker_free(c.t);
}

/* Malformed messages are counted; a readable header still names its SA. */
static void test_malformed_counted(void)
{
    ctx c;
    ctx_init(&c, 16);
    size_t len;
    uint8_t *b = ti_load("ndpi-f016.bin", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    ws_packet p = packet(17, "192.168.2.100", 10500, "109.237.187.193", 500, b, 0, 0);
    for (size_t n = 0; n < len; n++) {
        p.payload_len = (uint32_t)n;
        CU_ASSERT_EQUAL(ws_ike_tracker_packet(c.t, &p), WS_IKE_MALFORMED);
    }
    CU_ASSERT_EQUAL(c.stats.ike_malformed, len);
    CU_ASSERT_EQUAL(c.stats.ike_packets, 0);
    CU_ASSERT_EQUAL_FATAL(ws_ike_tracker_count(c.t), 1);
    const ws_ike_sa *sa = ws_ike_tracker_get(c.t, 0);
    CU_ASSERT_EQUAL(sa->messages, len - 28);
    CU_ASSERT_EQUAL(sa->malformed, len - 28);
    CU_ASSERT_FALSE(sa->natd_present); /* nothing read past a broken header */
    /* a keepalive and non-IKE traffic change nothing */
    const uint8_t ff = 0xff;
    p.payload = &ff;
    p.payload_len = 1;
    p.sport = 4500;
    p.dport = 4500;
    CU_ASSERT_EQUAL(ws_ike_tracker_packet(c.t, &p), WS_IKE_KEEPALIVE);
    p.sport = 53;
    p.dport = 53;
    CU_ASSERT_EQUAL(ws_ike_tracker_packet(c.t, &p), WS_IKE_NONE);
    p.proto = 6;
    p.sport = 500;
    CU_ASSERT_EQUAL(ws_ike_tracker_packet(c.t, &p), WS_IKE_NONE);
    CU_ASSERT_EQUAL(c.stats.ike_malformed, len);
    free(b);
    ws_ike_tracker_free(c.t);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"IKEv2 from the nDPI capture: NAT, 4500, ESP", test_ikev2_real_sequence},
        {"IKEv1 SHA1, no NAT, native ESP", test_ikev1_no_nat},
        {"IKEv1 MD5, initiator behind NAT", test_ikev1_initiator_behind_nat},
        {"IKEv1 draft, responder behind NAT", test_ikev1_responder_behind_nat},
        {"IKEv1 initiator guessed, then settled", test_ikev1_guessed_initiator},
        {"max_ike_sas", test_sa_limit},
        {"many SAs found by SPI", test_many_sas},
        {"malformed counted", test_malformed_counted},
        {NULL, NULL},
    };
    ws_test_suite("ike sa", cases);
    return ws_test_run();
}

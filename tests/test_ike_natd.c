/* test_ike_natd.c - NAT detection verdicts from IKE NAT-D hashes, checked
 * against hashes computed independently with python3 hashlib, and the
 * candidate-address search. Specification: RFC 7296 section 2.23,
 * RFC 3947 section 3.2.
 *
 * Every expected hash below comes from (ALG, SPIs, IP, PORT filled in):
 *   python3 -c "import hashlib,socket,struct; print(hashlib.new('ALG',
 *     bytes.fromhex('SPII'+'SPIR')+socket.inet_pton(socket.AF_INET,'IP')
 *     +struct.pack('>H',PORT)).hexdigest())"
 * (AF_INET6 for IPv6 addresses).
 */
#include "ws_test.h"

#include <stdio.h>
#include <string.h>

#include "ike/ike.h"
#include "test_ike_util.h"

static const uint8_t SPI_I[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t SPI_ZERO[8] = {0};

static void test_hash_values(void)
{
    uint8_t h[WS_DIGEST_MAX], want[WS_DIGEST_MAX];
    ws_addr ip = ti_addr("192.0.2.1");
    /* sha1, 0102030405060708, 0000000000000000, 192.0.2.1, 500 */
    CU_ASSERT_EQUAL(ws_ike_natd_hash(WS_DIGEST_SHA1, SPI_I, SPI_ZERO, &ip, 500, h), 20);
    ti_unhex("644b4575455bd6fcc1efe2be8162a9218e448e5f", want);
    CU_ASSERT_EQUAL(memcmp(h, want, 20), 0);
    /* sha1, same SPIs, 2001:db8::2 (AF_INET6), 4500 */
    ip = ti_addr("2001:db8::2");
    CU_ASSERT_EQUAL(ws_ike_natd_hash(WS_DIGEST_SHA1, SPI_I, SPI_ZERO, &ip, 4500, h), 20);
    ti_unhex("9a0f11f7d95b3253d790addc0f13e7e7199370f2", want);
    CU_ASSERT_EQUAL(memcmp(h, want, 20), 0);
    /* md5, 22222222a1b2c3d4, 5e6f7a8b22222222, 10.0.0.5, 500 */
    uint8_t ci[8], cr[8];
    ti_unhex("22222222a1b2c3d4", ci);
    ti_unhex("5e6f7a8b22222222", cr);
    ip = ti_addr("10.0.0.5");
    CU_ASSERT_EQUAL(ws_ike_natd_hash(WS_DIGEST_MD5, ci, cr, &ip, 500, h), 16);
    ti_unhex("72bed056738f229fdc96c69cad041e8f", want);
    CU_ASSERT_EQUAL(memcmp(h, want, 16), 0);
    ws_addr none;
    memset(&none, 0, sizeof(none));
    CU_ASSERT_EQUAL(ws_ike_natd_hash(WS_DIGEST_SHA1, ci, cr, &none, 500, h), 0);
}

/* An IKEv2 IKE_SA_INIT request built by hand: header, NAT-D source and
 * destination notifies carrying the given SHA-1 values. */
static size_t build_v2(uint8_t *msg, const char *src_hash, const char *dst_hash)
{
    size_t n = 28 + 2 * 28;
    /* first payload Notify (41), IKEv2, IKE_SA_INIT (34), Initiator flag */
    ti_ike_header(msg, n, SPI_I, 41, 0x20, 34, 0x08);
    uint8_t *p = msg + 28;
    const char *hashes[2] = {src_hash, dst_hash};
    for (int i = 0; i < 2; i++, p += 28) {
        p[0] = i == 0 ? 41 : 0;
        p[3] = 28;
        p[6] = 0x40;
        p[7] = i == 0 ? 0x04 : 0x05; /* 16388, 16389 */
        ti_unhex(hashes[i], p + 8);
    }
    return n;
}

/* 192.0.2.1:500 -> 198.51.100.2:500, both hashes over what is seen. */
static void test_ikev2_no_nat(void)
{
    uint8_t msg[128];
    /* sha1, 0102030405060708, 0000000000000000, 192.0.2.1, 500 and 198.51.100.2, 500 */
    size_t n = build_v2(msg, "644b4575455bd6fcc1efe2be8162a9218e448e5f",
                        "ffb5f34c3c39a75de3d3bfacc231e5649f991d18");
    ws_ike_msg m;
    CU_ASSERT_EQUAL_FATAL(ws_ike_decode(msg, n, 500, 500, &m), WS_IKE_MSG);
    ws_addr src = ti_addr("192.0.2.1"), dst = ti_addr("198.51.100.2");
    ws_ike_natd_verdict v = ws_ike_natd_check(&m, &src, 500, &dst, 500, WS_DIGEST_NONE);
    CU_ASSERT_EQUAL(v.alg, WS_DIGEST_SHA1);
    CU_ASSERT_EQUAL(v.sender, WS_IKE_NAT_NO);
    CU_ASSERT_EQUAL(v.receiver, WS_IKE_NAT_NO);
    CU_ASSERT_EQUAL(v.src_index, 0);
    CU_ASSERT_EQUAL(v.dst_index, 1);
    /* the same message seen with another source port: a NAT changed it */
    v = ws_ike_natd_check(&m, &src, 4500, &dst, 500, WS_DIGEST_NONE);
    CU_ASSERT_EQUAL(v.sender, WS_IKE_NAT_YES);
    CU_ASSERT_EQUAL(v.receiver, WS_IKE_NAT_NO);
}

/* The sender hashed 10.1.1.1:500 but is seen as 192.0.2.1:500. */
static void test_ikev2_sender_behind_nat(void)
{
    uint8_t msg[128];
    /* sha1, 0102030405060708, 0000000000000000, 10.1.1.1, 500 */
    size_t n = build_v2(msg, "b2a4bdb228446740dc3e8d1b6907de4a604737fb",
                        "ffb5f34c3c39a75de3d3bfacc231e5649f991d18");
    ws_ike_msg m;
    CU_ASSERT_EQUAL_FATAL(ws_ike_decode(msg, n, 500, 500, &m), WS_IKE_MSG);
    ws_addr src = ti_addr("192.0.2.1"), dst = ti_addr("198.51.100.2");
    ws_ike_natd_verdict v = ws_ike_natd_check(&m, &src, 500, &dst, 500, WS_DIGEST_NONE);
    CU_ASSERT_EQUAL(v.sender, WS_IKE_NAT_YES);
    CU_ASSERT_EQUAL(v.receiver, WS_IKE_NAT_NO);
    /* and the candidate search names the inside address */
    ws_addr cands[3] = {ti_addr("10.1.1.2"), ti_addr("2001:db8::1"), ti_addr("10.1.1.1")};
    uint16_t port = 0;
    CU_ASSERT_EQUAL(ws_ike_natd_find(WS_DIGEST_SHA1, m.spi_i, m.spi_r, m.natd[0].hash,
                                     m.natd[0].len, cands, 3, NULL, 0, &port), 2);
    CU_ASSERT_EQUAL(port, 500);
    /* not among them */
    CU_ASSERT_EQUAL(ws_ike_natd_find(WS_DIGEST_SHA1, m.spi_i, m.spi_r, m.natd[0].hash,
                                     m.natd[0].len, cands, 2, NULL, 0, &port), -1);
    /* only port 4500 tried */
    const uint16_t p4500[] = {4500};
    CU_ASSERT_EQUAL(ws_ike_natd_find(WS_DIGEST_SHA1, m.spi_i, m.spi_r, m.natd[0].hash,
                                     m.natd[0].len, cands, 3, p4500, 1, &port), -1);
    /* a length that is not the algorithm's */
    CU_ASSERT_EQUAL(ws_ike_natd_find(WS_DIGEST_MD5, m.spi_i, m.spi_r, m.natd[0].hash,
                                     m.natd[0].len, cands, 3, NULL, 0, &port), -1);
}

/* IPv6: the sender hashed 2001:db8::2 port 4500 and is seen as 2001:db8::2:4500. */
static void test_ikev2_ipv6(void)
{
    uint8_t msg[128];
    /* sha1, 0102030405060708, 0000000000000000, AF_INET6 2001:db8::2, 4500
     * and AF_INET6 2001:db8::1, 500 */
    size_t n = build_v2(msg, "9a0f11f7d95b3253d790addc0f13e7e7199370f2",
                        "7fa12a60a3a27ef1b3fed26cc6d5b8fbf553292f");
    ws_ike_msg m;
    /* on 4500 without the non-ESP marker, the SPI bytes read as ESP */
    CU_ASSERT_EQUAL_FATAL(ws_ike_decode(msg, n, 4500, 500, &m), WS_IKE_ESP_IN_UDP);
    CU_ASSERT_EQUAL(m.esp_spi, 0x01020304);
    CU_ASSERT_EQUAL_FATAL(ws_ike_decode(msg, n, 4501, 500, &m), WS_IKE_MSG);
    ws_addr src = ti_addr("2001:db8::2"), dst = ti_addr("2001:db8::1");
    ws_ike_natd_verdict v = ws_ike_natd_check(&m, &src, 4500, &dst, 500, WS_DIGEST_NONE);
    CU_ASSERT_EQUAL(v.sender, WS_IKE_NAT_NO);
    CU_ASSERT_EQUAL(v.receiver, WS_IKE_NAT_NO);
    v = ws_ike_natd_check(&m, &src, 4501, &dst, 500, WS_DIGEST_NONE);
    CU_ASSERT_EQUAL(v.sender, WS_IKE_NAT_YES);
}

/* The real capture: nDPI's ipsec_isakmp_esp.pcap, frame 16 from
 * 192.168.2.100:10500 to 109.237.187.193:500 and frame 19 back.
 * sha1, b64ef32131a48952, 0000000000000000, 192.168.2.100, 10500
 *   -> 7782883f2fcb38beb21382a4aec3eab114376cd9, not the 0bac9eb0... sent:
 *   the initiator is behind a NAT;
 * sha1, b64ef32131a48952, 0000000000000000, 109.237.187.193, 500
 *   -> 4a262dd5967ee72965e98867cb8596e75a7f212f, as sent: responder not.
 * Frame 19: sha1, b64ef32131a48952, 86babd3904886955, 109.237.187.193, 500
 *   -> a16029d7... as sent; 192.168.2.100, 10500 -> 73a19aef..., not the
 *   d571bce8... sent: again the initiator (the receiver) is behind a NAT. */
static void test_real_capture(void)
{
    size_t len;
    ws_ike_msg m;
    ws_addr ini = ti_addr("192.168.2.100"), rsp = ti_addr("109.237.187.193");
    uint8_t *b = ti_load("ndpi-f016.bin", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL_FATAL(ws_ike_decode(b, len, 10500, 500, &m), WS_IKE_MSG);
    ws_ike_natd_verdict v = ws_ike_natd_check(&m, &ini, 10500, &rsp, 500, WS_DIGEST_NONE);
    CU_ASSERT_EQUAL(v.sender, WS_IKE_NAT_YES);
    CU_ASSERT_EQUAL(v.receiver, WS_IKE_NAT_NO);
    free(b);
    b = ti_load("ndpi-f019.bin", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL_FATAL(ws_ike_decode(b, len, 500, 10500, &m), WS_IKE_MSG);
    v = ws_ike_natd_check(&m, &rsp, 500, &ini, 10500, WS_DIGEST_NONE);
    CU_ASSERT_EQUAL(v.sender, WS_IKE_NAT_NO);
    CU_ASSERT_EQUAL(v.receiver, WS_IKE_NAT_YES);
    free(b);
}

/* Short names for the table below only. */
#define NONE WS_DIGEST_NONE
#define MD5 WS_DIGEST_MD5
#define SHA1 WS_DIGEST_SHA1
#define SHA256 WS_DIGEST_SHA256
#define UNKNOWN WS_IKE_NAT_UNKNOWN
#define NO WS_IKE_NAT_NO
#define YES WS_IKE_NAT_YES

/* One IKEv1 sample seen src:sport -> dst:dport, checked with hash told
 * (WS_DIGEST_NONE: inferred from the NAT-D length), and the verdict wanted.
 * make_ikev1.py puts the remote's hash first in messages 3 and 4 (RFC 3947
 * section 3.2), so every row has its destination hash at index 0 and the
 * sender's own at index 1. */
static const struct {
    const char *sample, *src;
    uint16_t sport;
    const char *dst;
    uint16_t dport;
    ws_digest_alg told, used;
    ws_ike_nat sender, receiver;
} V1[] = {
    /* Scenario a, SHA1 SA, no NAT:
     * sha1, 11111111a1b2c3d4, 5e6f7a8b11111111, 198.51.100.20, 500
     *   -> 41fd5467406368d1f20fe23c2de73de15c316f5f (first NAT-D of message 3)
     * sha1, same, 192.0.2.10, 500 -> 2242190ee0f944d675b5112838e24bc90d84071e
     * Messages 3 and 4, as sent: */
    {"ikev1-a3.bin", "192.0.2.10", 500, "198.51.100.20", 500, SHA1, SHA1, NO, NO},
    {"ikev1-a4.bin", "198.51.100.20", 500, "192.0.2.10", 500, SHA1, SHA1, NO, NO},
    /* seen with other addresses, the same hashes mismatch both ways */
    {"ikev1-a3.bin", "192.0.2.11", 500, "198.51.100.21", 500, SHA1, SHA1, YES, YES},
    /* told the wrong hash (MD5 for 20-byte values): cannot tell */
    {"ikev1-a3.bin", "192.0.2.10", 500, "198.51.100.20", 500, MD5, MD5, UNKNOWN, UNKNOWN},

    /* Scenario b, MD5 SA: initiator 10.0.0.5:500 seen as 203.0.113.7:4501.
     * md5, 22222222a1b2c3d4, 5e6f7a8b22222222, 198.51.100.20, 500
     *   -> 419002e1aa80edc4f12078dab1fed000 (message 3, destination: matches)
     * md5, same, 10.0.0.5, 500 -> 72bed056738f229fdc96c69cad041e8f (message 3,
     *   source: the packet shows 203.0.113.7:4501, so the sender is behind NAT)
     * md5, same, 203.0.113.7, 4501 -> d80665a087c37fb2a45040d3aca9f329
     *   (message 4, destination: the responder hashes what it sees) */
    {"ikev1-b3.bin", "203.0.113.7", 4501, "198.51.100.20", 500, MD5, MD5, YES, NO},
    {"ikev1-b4.bin", "198.51.100.20", 500, "203.0.113.7", 4501, MD5, MD5, NO, NO},
    /* with the hash left to be inferred from the 16-byte length */
    {"ikev1-b3.bin", "203.0.113.7", 4501, "198.51.100.20", 500, NONE, MD5, YES, NO},

    /* Scenario c, draft NAT-D payload 130, SHA2-256: the responder is behind
     * a port forward; the initiator hashed 203.0.113.9:500 but the capture
     * shows the destination as 198.51.100.30:500.
     * sha256, 33333333a1b2c3d4, 5e6f7a8b33333333, 203.0.113.9, 500
     *   -> 887eca0a3d0dbffe437ebd7d927fe1b37ced36029658e3fc6ea389f383ed92c7
     * sha256, same, 192.0.2.10, 500
     *   -> 0064b3f26af1262ab32b8c8c0fba28880a6c8de43fbe346a6182e038c04b3590 */
    {"ikev1-c3.bin", "192.0.2.10", 500, "198.51.100.30", 500, SHA256, SHA256, NO, YES},
    {"ikev1-c3.bin", "192.0.2.10", 500, "198.51.100.30", 500, NONE, SHA256, NO, YES},
};
#undef NONE
#undef MD5
#undef SHA1
#undef SHA256
#undef UNKNOWN
#undef NO
#undef YES

/* Checks the rows of V1 for make_ikev1.py scenario 'a', 'b' or 'c'. */
static void check_v1(char scenario)
{
    size_t rows = 0;
    for (size_t i = 0; i < sizeof(V1) / sizeof(V1[0]); i++) {
        if (V1[i].sample[6] != scenario) /* "ikev1-" then the scenario */
            continue;
        rows++;
        size_t len;
        ws_ike_msg m;
        uint8_t *b = ti_load(V1[i].sample, &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        ws_ike_kind k = ws_ike_decode(b, len, V1[i].sport, V1[i].dport, &m);
        free(b);
        if (k != WS_IKE_MSG) {
            CU_FAIL("sample did not decode");
            continue;
        }
        ws_addr src = ti_addr(V1[i].src), dst = ti_addr(V1[i].dst);
        ws_ike_natd_verdict v =
            ws_ike_natd_check(&m, &src, V1[i].sport, &dst, V1[i].dport, V1[i].told);
        CU_ASSERT_EQUAL(v.alg, V1[i].used);
        CU_ASSERT_EQUAL(v.sender, V1[i].sender);
        CU_ASSERT_EQUAL(v.receiver, V1[i].receiver);
        CU_ASSERT_EQUAL(v.dst_index, 0);
        CU_ASSERT_EQUAL(v.src_index, 1);
        if (v.alg != V1[i].used || v.sender != V1[i].sender || v.receiver != V1[i].receiver)
            fprintf(stderr, "\n%s seen %s:%u -> %s:%u, told %s: sender %s receiver %s\n",
                    V1[i].sample, V1[i].src, V1[i].sport, V1[i].dst, V1[i].dport,
                    ws_digest_name(V1[i].told), ws_ike_nat_name(v.sender),
                    ws_ike_nat_name(v.receiver));
    }
    CU_ASSERT(rows > 0);
}

/* IKEv1, SHA1 SA (scenario a): no NAT. */
static void test_ikev1_sha1_match(void)
{
    check_v1('a');
}

/* IKEv1, MD5 SA (scenario b): the initiator behind a NAT, and its inside
 * address found among the site's nodes. */
static void test_ikev1_md5_nat(void)
{
    check_v1('b');
    size_t len;
    ws_ike_msg m;
    uint8_t *b = ti_load("ikev1-b3.bin", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL_FATAL(ws_ike_decode(b, len, 4501, 500, &m), WS_IKE_MSG);
    free(b);
    ws_addr nodes[] = {ti_addr("10.0.0.4"), ti_addr("10.0.0.5"), ti_addr("10.0.0.6")};
    uint16_t port = 0;
    CU_ASSERT_EQUAL(ws_ike_natd_find(WS_DIGEST_MD5, m.spi_i, m.spi_r, m.natd[1].hash,
                                     m.natd[1].len, nodes, 3, NULL, 0, &port), 1);
    CU_ASSERT_EQUAL(port, 500);
}

/* Draft NAT-D payload 130, SHA2-256 (scenario c): the responder behind a
 * port forward. */
static void test_ikev1_draft_receiver_nat(void)
{
    check_v1('c');
}

static void test_names(void)
{
    CU_ASSERT_STRING_EQUAL(ws_ike_nat_name(WS_IKE_NAT_YES), "yes");
    CU_ASSERT_STRING_EQUAL(ws_ike_nat_name(WS_IKE_NAT_NO), "no");
    CU_ASSERT_STRING_EQUAL(ws_ike_nat_name(WS_IKE_NAT_UNKNOWN), "unknown");
    /* RFC 2409 appendix A hash values */
    CU_ASSERT_EQUAL(ws_ike_hash_alg(1), WS_DIGEST_MD5);
    CU_ASSERT_EQUAL(ws_ike_hash_alg(2), WS_DIGEST_SHA1);
    CU_ASSERT_EQUAL(ws_ike_hash_alg(3), WS_DIGEST_NONE); /* Tiger */
    CU_ASSERT_EQUAL(ws_ike_hash_alg(4), WS_DIGEST_SHA256);
    CU_ASSERT_EQUAL(ws_ike_hash_alg(5), WS_DIGEST_SHA384);
    CU_ASSERT_EQUAL(ws_ike_hash_alg(6), WS_DIGEST_SHA512);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"NAT-D hash values (IPv4, IPv6, MD5)", test_hash_values},
        {"IKEv2 matching: no NAT", test_ikev2_no_nat},
        {"IKEv2 source mismatch: sender behind NAT", test_ikev2_sender_behind_nat},
        {"IKEv2 over IPv6", test_ikev2_ipv6},
        {"nDPI capture: initiator behind NAT", test_real_capture},
        {"IKEv1 SHA1 SA, matching and not", test_ikev1_sha1_match},
        {"IKEv1 MD5 SA, sender behind NAT, inside address", test_ikev1_md5_nat},
        {"IKEv1 draft NAT-D 130, receiver behind NAT", test_ikev1_draft_receiver_nat},
        {"names and hash values", test_names},
        {NULL, NULL},
    };
    ws_test_suite("ike natd", cases);
    return ws_test_run();
}

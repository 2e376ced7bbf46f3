/* test_ike_decode.c - the IKE message decoder against tshark's dissection of
 * the same bytes, and against every truncation and lying length.
 *
 * Samples (tests/data/ike/, see extract.sh there):
 *  ndpi-fNNN.bin: UDP payloads of nDPI's ipsec_isakmp_esp.pcap (IKEv2);
 *    expected values from tshark -r ipsec_isakmp_esp.pcap -V -Y frame.number==NNN
 *  ikev1-*.bin: IKEv1 Main Mode built with scapy (make_ikev1.py); expected
 *    values from tshark -r tests/data/ike/ikev1.pcap -T fields -e isakmp.ispi
 *    -e isakmp.rspi -e isakmp.length -e isakmp.typepayload -e isakmp.vid_bytes
 *    -e isakmp.ike.nat_hash -e isakmp.ike.attr.hash_algorithm
 */
#include "ws_test.h"

#include <stdio.h>
#include <string.h>

#include "ike/ike.h"
#include "test_ike_util.h"

/* Decodes a sample; the buffer is freed by the caller. */
static uint8_t *decode(const char *name, uint16_t sport, uint16_t dport, ws_ike_msg *m,
                       size_t *len)
{
    uint8_t *b = ti_load(name, len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    ws_ike_decode(b, *len, sport, dport, m);
    return b;
}

/* tshark frame 16: IKE_SA_INIT request 192.168.2.100:10500 -> 109.237.187.193:500 */
static void test_ikev2_sa_init_request(void)
{
    ws_ike_msg m;
    size_t len;
    uint8_t *b = decode("ndpi-f016.bin", 10500, 500, &m, &len);
    CU_ASSERT_EQUAL(m.kind, WS_IKE_MSG);
    CU_ASSERT_FALSE(m.natt_encap);
    CU_ASSERT_EQUAL(m.version, 2);
    CU_ASSERT_EQUAL(m.minor, 0);
    CU_ASSERT_TRUE(ti_hex_eq(m.spi_i, "b64ef32131a48952"));
    CU_ASSERT_TRUE(ti_hex_eq(m.spi_r, "0000000000000000"));
    CU_ASSERT_EQUAL(m.first_payload, 33);
    CU_ASSERT_EQUAL(m.exchange, 34); /* IKE_SA_INIT */
    CU_ASSERT_EQUAL(m.flags, 0x08);
    CU_ASSERT_TRUE(m.initiator);
    CU_ASSERT_FALSE(m.response);
    CU_ASSERT_EQUAL(m.msg_id, 0);
    CU_ASSERT_EQUAL(m.length, 776);
    CU_ASSERT_FALSE(m.encrypted);
    /* top-level payloads: SA, KE, Nonce, Notify, Notify */
    static const uint8_t chain[] = {33, 34, 40, 41, 41};
    CU_ASSERT_EQUAL_FATAL(m.n_payloads, sizeof(chain));
    CU_ASSERT_EQUAL(memcmp(m.payloads, chain, sizeof(chain)), 0);
    CU_ASSERT_EQUAL_FATAL(m.n_natd, 2);
    CU_ASSERT_EQUAL(m.natd_total, 2);
    CU_ASSERT_EQUAL(m.natd[0].role, WS_IKE_NATD_SRC);
    CU_ASSERT_EQUAL(m.natd[0].payload, 41);
    CU_ASSERT_EQUAL(m.natd[0].len, 20);
    CU_ASSERT_TRUE(ti_hex_eq(m.natd[0].hash, "0bac9eb0fe54562b461e584ab413d13c42c4cf07"));
    CU_ASSERT_EQUAL(m.natd[1].role, WS_IKE_NATD_DST);
    CU_ASSERT_TRUE(ti_hex_eq(m.natd[1].hash, "4a262dd5967ee72965e98867cb8596e75a7f212f"));
    CU_ASSERT_EQUAL(m.natt_vids, 0);
    free(b);
}

/* frames 17 (COOKIE response), 18 (request with COOKIE), 19 (response) */
static void test_ikev2_cookie_exchange(void)
{
    ws_ike_msg m;
    size_t len;
    uint8_t *b = decode("ndpi-f017.bin", 500, 10500, &m, &len);
    CU_ASSERT_EQUAL(m.kind, WS_IKE_MSG);
    CU_ASSERT_EQUAL(m.flags, 0x20);
    CU_ASSERT_FALSE(m.initiator);
    CU_ASSERT_TRUE(m.response);
    CU_ASSERT_EQUAL(m.length, 52);
    CU_ASSERT_EQUAL(m.n_payloads, 1);
    CU_ASSERT_EQUAL(m.payloads[0], 41);
    CU_ASSERT_EQUAL(m.n_natd, 0); /* a COOKIE notify (16390) is no NAT-D */
    free(b);

    b = decode("ndpi-f018.bin", 10500, 500, &m, &len);
    static const uint8_t chain18[] = {41, 33, 34, 40, 41, 41};
    CU_ASSERT_EQUAL(m.length, 800);
    CU_ASSERT_EQUAL_FATAL(m.n_payloads, sizeof(chain18));
    CU_ASSERT_EQUAL(memcmp(m.payloads, chain18, sizeof(chain18)), 0);
    CU_ASSERT_EQUAL(m.n_natd, 2);
    free(b);

    b = decode("ndpi-f019.bin", 500, 10500, &m, &len);
    static const uint8_t chain19[] = {33, 34, 40, 41, 41};
    CU_ASSERT_TRUE(ti_hex_eq(m.spi_r, "86babd3904886955"));
    CU_ASSERT_EQUAL(m.length, 288);
    CU_ASSERT_TRUE(m.response);
    CU_ASSERT_EQUAL_FATAL(m.n_payloads, sizeof(chain19));
    CU_ASSERT_EQUAL(memcmp(m.payloads, chain19, sizeof(chain19)), 0);
    CU_ASSERT_EQUAL_FATAL(m.n_natd, 2);
    CU_ASSERT_EQUAL(m.natd[0].role, WS_IKE_NATD_SRC);
    CU_ASSERT_TRUE(ti_hex_eq(m.natd[0].hash, "a16029d72b156c3ed814c4f942dd53b0be0bc383"));
    CU_ASSERT_EQUAL(m.natd[1].role, WS_IKE_NATD_DST);
    CU_ASSERT_TRUE(ti_hex_eq(m.natd[1].hash, "d571bce853a806d6e7cb8c34ce8819a5fab8ed62"));
    free(b);
}

/* frames 1, 2, 42: on UDP 4500 after the non-ESP marker, encrypted (SK) */
static void test_ikev2_on_4500(void)
{
    ws_ike_msg m;
    size_t len;
    uint8_t *b = decode("ndpi-f001.bin", 14500, 4500, &m, &len);
    CU_ASSERT_EQUAL(m.kind, WS_IKE_MSG);
    CU_ASSERT_TRUE(m.natt_encap);
    CU_ASSERT_TRUE(ti_hex_eq(m.spi_r, "86babd3904886955"));
    CU_ASSERT_EQUAL(m.exchange, 35); /* IKE_AUTH */
    CU_ASSERT_EQUAL(m.flags, 0x08);
    CU_ASSERT_EQUAL(m.msg_id, 1);
    CU_ASSERT_EQUAL(m.length, 812);
    CU_ASSERT_TRUE(m.encrypted);
    CU_ASSERT_EQUAL(m.n_payloads, 1);
    CU_ASSERT_EQUAL(m.payloads[0], 46);
    free(b);

    b = decode("ndpi-f002.bin", 4500, 14500, &m, &len);
    CU_ASSERT_EQUAL(m.kind, WS_IKE_MSG);
    CU_ASSERT_EQUAL(m.flags, 0x20);
    CU_ASSERT_EQUAL(m.length, 204);
    free(b);

    b = decode("ndpi-f042.bin", 4500, 14500, &m, &len);
    CU_ASSERT_EQUAL(m.kind, WS_IKE_MSG);
    CU_ASSERT_TRUE(ti_hex_eq(m.spi_i, "de648338c613aa68"));
    CU_ASSERT_EQUAL(m.exchange, 37); /* INFORMATIONAL */
    CU_ASSERT_EQUAL(m.flags, 0x00);
    CU_ASSERT_FALSE(m.initiator); /* sent by the original responder */
    CU_ASSERT_FALSE(m.response);
    CU_ASSERT_EQUAL(m.length, 76);
    free(b);
}

/* frames 7 and 11: ESP in UDP (tshark: esp.spi, esp.sequence) */
static void test_esp_in_udp(void)
{
    ws_ike_msg m;
    size_t len;
    uint8_t *b = decode("ndpi-f007.bin", 14500, 4500, &m, &len);
    CU_ASSERT_EQUAL(m.kind, WS_IKE_ESP_IN_UDP);
    CU_ASSERT_EQUAL(m.esp_spi, 0x04888fe4);
    CU_ASSERT_EQUAL(m.esp_seq, 1);
    free(b);
    b = decode("ndpi-f011.bin", 4500, 14500, &m, &len);
    CU_ASSERT_EQUAL(m.kind, WS_IKE_ESP_IN_UDP);
    CU_ASSERT_EQUAL(m.esp_spi, 0xcbb7a0c6);
    free(b);
    /* the same bytes on port 500 are not ESP: they are no IKE either */
    b = decode("ndpi-f007.bin", 14500, 500, &m, &len);
    CU_ASSERT_EQUAL(m.kind, WS_IKE_MALFORMED);
    free(b);
}

static void test_keepalive_and_ports(void)
{
    ws_ike_msg m;
    const uint8_t ff[] = {0xff};
    CU_ASSERT_EQUAL(ws_ike_decode(ff, 1, 4500, 4500, &m), WS_IKE_KEEPALIVE);
    CU_ASSERT_EQUAL(ws_ike_decode(ff, 1, 500, 500, &m), WS_IKE_MALFORMED);
    const uint8_t zero[] = {0x00};
    CU_ASSERT_EQUAL(ws_ike_decode(zero, 1, 4500, 1234, &m), WS_IKE_MALFORMED);
    CU_ASSERT_EQUAL(ws_ike_decode(ff, 1, 53, 1234, &m), WS_IKE_NONE);
    CU_ASSERT_EQUAL(ws_ike_decode(NULL, 0, 500, 500, &m), WS_IKE_MALFORMED);
    CU_ASSERT_TRUE(ws_ike_port(500, 1));
    CU_ASSERT_TRUE(ws_ike_port(1, 4500));
    CU_ASSERT_FALSE(ws_ike_port(501, 4501));
}

/* tshark frames 1-4 of ikev1.pcap: Main Mode, SHA1 chosen out of SHA1, MD5 */
static void test_ikev1_main_mode(void)
{
    ws_ike_msg m;
    size_t len;
    uint8_t *b = decode("ikev1-a1.bin", 500, 500, &m, &len);
    CU_ASSERT_EQUAL(m.kind, WS_IKE_MSG);
    CU_ASSERT_EQUAL(m.version, 1);
    CU_ASSERT_TRUE(ti_hex_eq(m.spi_i, "11111111a1b2c3d4"));
    CU_ASSERT_TRUE(ti_hex_eq(m.spi_r, "0000000000000000"));
    CU_ASSERT_EQUAL(m.exchange, 2);
    CU_ASSERT_EQUAL(m.length, 160);
    static const uint8_t chain1[] = {1, 13, 13};
    CU_ASSERT_EQUAL_FATAL(m.n_payloads, sizeof(chain1));
    CU_ASSERT_EQUAL(memcmp(m.payloads, chain1, sizeof(chain1)), 0);
    CU_ASSERT_TRUE(m.has_sa);
    CU_ASSERT_EQUAL(m.sa_transforms, 2);
    CU_ASSERT_EQUAL(m.sa_hash, 2);                       /* SHA, first transform */
    CU_ASSERT_EQUAL(m.sa_hash_offered, (1u << 2) | (1u << 1)); /* SHA, MD5 */
    CU_ASSERT_EQUAL(m.n_vids, 2);
    CU_ASSERT_EQUAL(m.natt_vids, WS_IKE_VID_RFC3947); /* the DPD VID is no NAT-T */
    free(b);

    b = decode("ikev1-a2.bin", 500, 500, &m, &len);
    CU_ASSERT_TRUE(ti_hex_eq(m.spi_r, "5e6f7a8b11111111"));
    CU_ASSERT_EQUAL(m.length, 104);
    CU_ASSERT_EQUAL(m.sa_transforms, 1);
    CU_ASSERT_EQUAL(m.sa_hash, 2);
    CU_ASSERT_EQUAL(m.natt_vids, WS_IKE_VID_RFC3947);
    free(b);

    b = decode("ikev1-a3.bin", 500, 500, &m, &len);
    static const uint8_t chain3[] = {4, 10, 20, 20};
    CU_ASSERT_EQUAL(m.length, 232);
    CU_ASSERT_EQUAL_FATAL(m.n_payloads, sizeof(chain3));
    CU_ASSERT_EQUAL(memcmp(m.payloads, chain3, sizeof(chain3)), 0);
    CU_ASSERT_FALSE(m.has_sa);
    CU_ASSERT_EQUAL_FATAL(m.n_natd, 2);
    CU_ASSERT_EQUAL(m.natd[0].role, WS_IKE_NATD_DST); /* RFC 3947: first is the remote */
    CU_ASSERT_EQUAL(m.natd[0].payload, 20);
    CU_ASSERT_EQUAL(m.natd[0].len, 20);
    CU_ASSERT_TRUE(ti_hex_eq(m.natd[0].hash, "41fd5467406368d1f20fe23c2de73de15c316f5f"));
    CU_ASSERT_EQUAL(m.natd[1].role, WS_IKE_NATD_SRC);
    CU_ASSERT_TRUE(ti_hex_eq(m.natd[1].hash, "2242190ee0f944d675b5112838e24bc90d84071e"));
    free(b);
}

/* frames 5 (MD5 only offer) and 9-11 (draft-02\n VID, NAT-D 130, SHA2-256) */
static void test_ikev1_md5_and_draft(void)
{
    ws_ike_msg m;
    size_t len;
    uint8_t *b = decode("ikev1-b1.bin", 4501, 500, &m, &len);
    CU_ASSERT_EQUAL(m.sa_transforms, 1);
    CU_ASSERT_EQUAL(m.sa_hash, 1);
    free(b);

    b = decode("ikev1-c1.bin", 500, 500, &m, &len);
    CU_ASSERT_EQUAL(m.length, 140);
    CU_ASSERT_EQUAL(m.sa_hash, 4);
    CU_ASSERT_EQUAL(m.sa_hash_offered, (1u << 4) | (1u << 2));
    CU_ASSERT_EQUAL(m.natt_vids, WS_IKE_VID_DRAFT_02N);
    CU_ASSERT_STRING_EQUAL(ws_ike_vid_name(WS_IKE_VID_DRAFT_02N),
                           "draft-ietf-ipsec-nat-t-ike-02\\n");
    free(b);

    b = decode("ikev1-c3.bin", 500, 500, &m, &len);
    static const uint8_t chain[] = {4, 10, 130, 130};
    CU_ASSERT_EQUAL(m.length, 256);
    CU_ASSERT_EQUAL_FATAL(m.n_payloads, sizeof(chain));
    CU_ASSERT_EQUAL(memcmp(m.payloads, chain, sizeof(chain)), 0);
    CU_ASSERT_EQUAL_FATAL(m.n_natd, 2);
    CU_ASSERT_EQUAL(m.natd[0].payload, 130);
    CU_ASSERT_EQUAL(m.natd[0].len, 32);
    CU_ASSERT_TRUE(ti_hex_eq(m.natd[0].hash,
                          "887eca0a3d0dbffe437ebd7d927fe1b37ced36029658e3fc6ea389f383ed92c7"));
    CU_ASSERT_TRUE(ti_hex_eq(m.natd[1].hash,
                          "0064b3f26af1262ab32b8c8c0fba28880a6c8de43fbe346a6182e038c04b3590"));
    free(b);
}

/* IKEv1 with the encryption flag: header only. Built from a3 by setting E. */
static void test_ikev1_encrypted(void)
{
    ws_ike_msg m;
    size_t len;
    uint8_t *b = ti_load("ikev1-a3.bin", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    b[19] |= WS_IKE1_FLAG_ENCRYPTION;
    CU_ASSERT_EQUAL(ws_ike_decode(b, len, 500, 500, &m), WS_IKE_MSG);
    CU_ASSERT_TRUE(m.encrypted);
    CU_ASSERT_EQUAL(m.n_payloads, 0);
    CU_ASSERT_EQUAL(m.n_natd, 0);
    free(b);
}

static const struct {
    const char *name;
    uint16_t sport, dport;
    size_t min_ok; /* shortest prefix that is not malformed (0: only the whole) */
} SAMPLES[] = {
    {"ndpi-f001.bin", 14500, 4500, 0}, {"ndpi-f002.bin", 4500, 14500, 0},
    {"ndpi-f016.bin", 10500, 500, 0},  {"ndpi-f017.bin", 500, 10500, 0},
    {"ndpi-f018.bin", 10500, 500, 0},  {"ndpi-f019.bin", 500, 10500, 0},
    {"ndpi-f042.bin", 4500, 14500, 0}, {"ndpi-f007.bin", 14500, 4500, 8},
    {"ndpi-f011.bin", 4500, 14500, 8}, {"ikev1-a1.bin", 500, 500, 0},
    {"ikev1-a2.bin", 500, 500, 0},     {"ikev1-a3.bin", 500, 500, 0},
    {"ikev1-a4.bin", 500, 500, 0},     {"ikev1-b1.bin", 4501, 500, 0},
    {"ikev1-b3.bin", 4501, 500, 0},    {"ikev1-c1.bin", 500, 500, 0},
    {"ikev1-c3.bin", 500, 500, 0},
};

/* Every prefix, in a buffer of exactly its size (ASan sees any overread). */
static void test_every_truncation(void)
{
    for (size_t s = 0; s < sizeof(SAMPLES) / sizeof(SAMPLES[0]); s++) {
        size_t len;
        uint8_t *b = ti_load(SAMPLES[s].name, &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        for (size_t n = 0; n < len; n++) {
            uint8_t *cut = malloc(n ? n : 1);
            CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
            memcpy(cut, b, n);
            ws_ike_msg m;
            ws_ike_kind k = ws_ike_decode(cut, n, SAMPLES[s].sport, SAMPLES[s].dport, &m);
            if (SAMPLES[s].min_ok && n >= SAMPLES[s].min_ok) {
                CU_ASSERT_EQUAL(k, WS_IKE_ESP_IN_UDP);
            } else if (k != WS_IKE_MALFORMED) {
                CU_FAIL("a truncated message was not counted malformed");
                fprintf(stderr, "\n%s cut to %zu bytes: kind %d\n", SAMPLES[s].name, n, k);
            }
            free(cut);
        }
        ws_ike_msg m;
        CU_ASSERT_NOT_EQUAL(ws_ike_decode(b, len, SAMPLES[s].sport, SAMPLES[s].dport, &m),
                            WS_IKE_MALFORMED);
        free(b);
    }
}

/* Payload and header lengths that lie, each patched into a sample decoded
 * on 500 -> 500. Offsets in ikev1-a3.bin (tshark): header 0-27, KE payload
 * at 28 (length at 30), Nonce at 160, NAT-D at 184 and 208. In
 * ikev1-a1.bin: SA at 28, proposal at 40 (length at 42), transform 1 at 48
 * (length at 50), its first attribute at 56. */
static const struct {
    const char *sample;
    size_t off, n;
    uint8_t bytes[4];
    const char *what;
} LIES[] = {
    {"ikev1-a3.bin", 30, 2, {0, 0}, "KE payload length 0"},
    {"ikev1-a3.bin", 30, 2, {0, 2}, "KE payload length 2, inside its own header"},
    {"ikev1-a3.bin", 30, 2, {0xff, 0xff}, "KE payload length 65535, past the end"},
    /* the KE body is empty and the next header lands in KE data, which does
     * not form a consistent chain to the end */
    {"ikev1-a3.bin", 30, 2, {0, 4}, "KE payload length 4"},
    {"ikev1-a3.bin", 210, 2, {0, 25}, "the last NAT-D one byte longer than the message"},
    {"ikev1-a3.bin", 208, 1, {20}, "the last payload names a next payload not there"},
    {"ikev1-a3.bin", 24, 4, {0, 0, 0, 0}, "header length 0"},
    {"ikev1-a3.bin", 24, 4, {0, 0, 0, 27}, "header length 27"},
    {"ikev1-a3.bin", 24, 4, {0, 0, 0, 233}, "header length one more than the datagram"},
    {"ikev1-a1.bin", 42, 2, {0, 0}, "proposal length 0"},
    {"ikev1-a1.bin", 42, 2, {0xff, 0xff}, "proposal length past the SA"},
    {"ikev1-a1.bin", 50, 2, {0, 3}, "transform length 3"},
    {"ikev1-a1.bin", 50, 2, {0xff, 0xff}, "transform length past the proposal"},
    /* TLV form (AF bit clear), type 1, length 256 */
    {"ikev1-a1.bin", 56, 4, {0x00, 0x01, 0x01, 0x00}, "an attribute running past its transform"},
    {"ikev1-a3.bin", 17, 1, {0x30}, "an unknown major version"},
};

static void test_lying_lengths(void)
{
    for (size_t i = 0; i < sizeof(LIES) / sizeof(LIES[0]); i++) {
        size_t len;
        uint8_t *b = ti_load(LIES[i].sample, &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        CU_ASSERT_FATAL(LIES[i].off + LIES[i].n <= len);
        memcpy(b + LIES[i].off, LIES[i].bytes, LIES[i].n);
        ws_ike_msg m;
        ws_ike_kind k = ws_ike_decode(b, len, 500, 500, &m);
        free(b);
        CU_ASSERT_EQUAL(k, WS_IKE_MALFORMED);
        if (k != WS_IKE_MALFORMED)
            fprintf(stderr, "\n%s, %s: kind %d\n", LIES[i].sample, LIES[i].what, k);
    }
    /* IKEv2 notify with an SPI size running past its payload (frame 16:
     * NAT_DETECTION_SOURCE_IP notify at 28 + 520 + 136 + 36 = 720, SPI
     * size at 725, notify type at 726) */
    size_t len;
    ws_ike_msg m;
    uint8_t *b = ti_load("ndpi-f016.bin", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(b[726], 0x40); /* notify type 16388 = 0x4004 */
    CU_ASSERT_EQUAL(b[727], 0x04);
    b[725] = 200;
    CU_ASSERT_EQUAL(ws_ike_decode(b, len, 10500, 500, &m), WS_IKE_MALFORMED);
    free(b);
}

/* A chain of empty payloads each naming another: it ends at the message end. */
static void test_chain_cannot_loop(void)
{
    static const uint8_t spi[8] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11};
    uint8_t msg[28 + 4 * 50];
    /* first payload VID (13), IKEv1, Identity Protection (Main Mode) */
    ti_ike_header(msg, sizeof(msg), spi, 13, 0x10, 2, 0);
    for (size_t i = 0; i < 50; i++) {
        msg[28 + 4 * i] = 13; /* next: VID again, even for the last */
        msg[28 + 4 * i + 3] = 4;
    }
    ws_ike_msg m;
    CU_ASSERT_EQUAL(ws_ike_decode(msg, sizeof(msg), 500, 500, &m), WS_IKE_MALFORMED);
    CU_ASSERT_EQUAL(m.n_payloads, 50);
    msg[28 + 4 * 49] = 0; /* now the last ends the chain */
    CU_ASSERT_EQUAL(ws_ike_decode(msg, sizeof(msg), 500, 500, &m), WS_IKE_MSG);
    CU_ASSERT_EQUAL(m.n_payloads, 50);
    CU_ASSERT_EQUAL(m.n_vids, 50);
}

/* Many NAT-D payloads: the first WS_IKE_MAX_NATD are kept, all are counted. */
static void test_many_natd(void)
{
    enum { N = WS_IKE_MAX_NATD + 4 };
    static const uint8_t spi[8] = {0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22};
    uint8_t msg[28 + N * 24];
    /* first payload NAT-D (20, RFC 3947), IKEv1, Main Mode */
    ti_ike_header(msg, sizeof(msg), spi, 20, 0x10, 2, 0);
    for (size_t i = 0; i < N; i++) {
        msg[28 + 24 * i] = i + 1 < N ? 20 : 0;
        msg[28 + 24 * i + 3] = 24;
    }
    ws_ike_msg m;
    CU_ASSERT_EQUAL(ws_ike_decode(msg, sizeof(msg), 500, 500, &m), WS_IKE_MSG);
    CU_ASSERT_EQUAL(m.n_natd, WS_IKE_MAX_NATD);
    CU_ASSERT_EQUAL(m.natd_total, N);
}

/* Random byte changes to every sample: only MSG or MALFORMED may come out,
 * and the sanitizer build checks that no byte outside the buffer is read. */
static void test_mutations(void)
{
    uint32_t seed = 12345;
    for (size_t s = 0; s < sizeof(SAMPLES) / sizeof(SAMPLES[0]); s++) {
        size_t len;
        uint8_t *orig = ti_load(SAMPLES[s].name, &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(orig);
        uint8_t *b = malloc(len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        for (int round = 0; round < 300; round++) {
            memcpy(b, orig, len);
            for (int k = 0; k < 4; k++) {
                seed = seed * 1103515245u + 12345u;
                size_t at = (seed >> 8) % len;
                seed = seed * 1103515245u + 12345u;
                b[at] = (uint8_t)(seed >> 16);
            }
            ws_ike_msg m;
            ws_ike_kind k = ws_ike_decode(b, len, SAMPLES[s].sport, SAMPLES[s].dport, &m);
            CU_ASSERT(k == WS_IKE_MSG || k == WS_IKE_MALFORMED || k == WS_IKE_ESP_IN_UDP);
            CU_ASSERT(m.n_natd <= WS_IKE_MAX_NATD);
        }
        free(b);
        free(orig);
    }
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"IKEv2 IKE_SA_INIT request (nDPI frame 16)", test_ikev2_sa_init_request},
        {"IKEv2 COOKIE exchange (frames 17-19)", test_ikev2_cookie_exchange},
        {"IKEv2 on 4500 after the non-ESP marker", test_ikev2_on_4500},
        {"ESP in UDP gives its SPI", test_esp_in_udp},
        {"NAT-keepalive; ports", test_keepalive_and_ports},
        {"IKEv1 Main Mode: SA hash, VIDs, NAT-D", test_ikev1_main_mode},
        {"IKEv1 MD5 offer; draft VID and NAT-D 130", test_ikev1_md5_and_draft},
        {"IKEv1 encrypted: header only", test_ikev1_encrypted},
        {"every truncated prefix is malformed", test_every_truncation},
        {"payload and header lengths that lie", test_lying_lengths},
        {"a payload chain cannot loop", test_chain_cannot_loop},
        {"NAT-D beyond the kept count", test_many_natd},
        {"random mutations", test_mutations},
        {NULL, NULL},
    };
    ws_test_suite("ike decode", cases);
    return ws_test_run();
}

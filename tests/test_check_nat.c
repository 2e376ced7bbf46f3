/* test_check_nat.c - nat-between-nodes findings from IKE SAs between hosts
 * a no-nat constraint covers: a NAT-D hash that names another address than
 * the one seen, one SA under two addresses, IKE moved to UDP 4500.
 * specification: RFC 7296 section 2.23 (NAT-D = SHA-1(SPIi | SPIr | IP |
 * port)), RFC 3948 (UDP 4500), DESIGN.md (finding nat-between-nodes),
 * doc/rules.md (Constraints: no-nat). */
#include "test_check_util.h"

static const uint8_t SPI_I[8] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
static const uint8_t SPI_R[8] = {0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};

/* SHA-1(SPIi | SPIr | 10.0.0.1 | 500), RFC 7296 section 2.23:
 * python3 -c "import hashlib,socket,struct; print(hashlib.sha1(
 *   bytes.fromhex('0102030405060708')+bytes.fromhex('1112131415161718')+
 *   socket.inet_aton('10.0.0.1')+struct.pack('>H',500)).hexdigest())"
 * and the same bytes through sha1sum: a44b6462d5a1361bfbe845cb7ec1e337d558f0da */
static const uint8_t NATD_NODE_A[20] = {0xa4, 0x4b, 0x64, 0x62, 0xd5, 0xa1, 0x36,
                                        0x1b, 0xfb, 0xe8, 0x45, 0xcb, 0x7e, 0xc1,
                                        0xe3, 0x37, 0xd5, 0x58, 0xf0, 0xda};
/* The same over 203.0.113.5 (the NAT's outside address), same command. */
static const uint8_t NATD_OUTSIDE[20] = {0x06, 0x3c, 0x89, 0xaa, 0x68, 0xf9, 0x69,
                                         0xa5, 0x66, 0x7d, 0x72, 0x39, 0x99, 0xb5,
                                         0xdd, 0xa5, 0x8e, 0x8b, 0x6c, 0x8e};

/* An IKEv2 SA between a and b on UDP 500, two messages each way, no NAT
 * evidence yet. */
static ws_ike_sa sa_between(const char *a, const char *b)
{
    ws_ike_sa sa;
    memset(&sa, 0, sizeof(sa));
    memcpy(sa.spi_i, SPI_I, 8);
    memcpy(sa.spi_r, SPI_R, 8);
    sa.spi_r_known = true;
    sa.version = 2;
    sa.hash_alg = WS_DIGEST_SHA1;
    sa.messages = 4;
    sa.first_us = TC_T0 + 1000000;
    sa.last_us = TC_T0 + 3000000;
    for (int e = 0; e < 2; e++) {
        ws_ike_side *s = &sa.side[e];
        s->addr = tc_addr(e ? b : a);
        s->port = 500;
        s->messages = 2;
        s->observed = s->addr;
        s->observed_port = 500;
        s->behind_nat = WS_IKE_NAT_NO;
        /* ESP both ways: only the NAT check has something to say */
        s->esp_packets = 10;
    }
    sa.esp_first_us = TC_T0 + 3500000;
    sa.esp_last_us = TC_T0 + 9000000;
    return sa;
}

static void set_hash(ws_ike_side *s, const uint8_t hash[20], bool by_self)
{
    s->hash_alg = WS_DIGEST_SHA1;
    s->hash_len = 20;
    memcpy(s->hash, hash, 20);
    memcpy(s->hash_spi_i, SPI_I, 8);
    memcpy(s->hash_spi_r, SPI_R, 8);
    s->hash_by_self = by_self;
}

static const ws_finding *only_nat(tc_env *e, const ws_ike_sa *sa)
{
    ws_checker_finish(e->c, sa, 1);
    CU_ASSERT_EQUAL_FATAL(tc_count(e, WS_FIND_NAT), 1);
    CU_ASSERT_EQUAL(tc_count(e, WS_FIND_BLOCKED_PATH), 0);
    const ws_finding *v;
    size_t n = ws_checker_findings(e->c, &v);
    for (size_t i = 0; i < n; i++)
        if (v[i].kind == WS_FIND_NAT) {
            v += i;
            break;
        }
    CU_ASSERT_STRING_EQUAL(ws_finding_kind_name(v->kind), "nat-between-nodes");
    CU_ASSERT_PTR_NOT_NULL_FATAL(v->constraint);
    CU_ASSERT_STRING_EQUAL(v->constraint->id, "testco-no-nat");
    CU_ASSERT_STRING_EQUAL(v->pack->id, "testco");
    CU_ASSERT(ws_addr_eq(&v->src.addr, &sa->side[0].addr));
    CU_ASSERT(ws_addr_eq(&v->dst.addr, &sa->side[1].addr));
    CU_ASSERT_EQUAL(v->proto, 17);
    CU_ASSERT_EQUAL(v->count, 1);
    CU_ASSERT_EQUAL(v->first_us, sa->first_us);
    CU_ASSERT_EQUAL(v->last_us, sa->last_us);
    TC_EV_EQ(v, "ike_spi_i", "0102030405060708");
    TC_EV_EQ(v, "ike_version", "2");
    TC_HAS(v->message, "testco-no-nat");
    TC_HAS(v->message, "NAT guidance");
    return v;
}

/* Captured outside: node-a (10.0.0.1) initiates from behind a NAT and is
 * seen as 203.0.113.5. Its own NAT_DETECTION_SOURCE_IP hash is over
 * 10.0.0.1:500, a listed node: inside 10.0.0.1, outside 203.0.113.5. */
static void test_natd_by_self(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_ike_sa sa = sa_between(NAT_OUTSIDE, NODE_B);
    sa.side[0].behind_nat = WS_IKE_NAT_YES;
    set_hash(&sa.side[0], NATD_NODE_A, true);
    const ws_finding *v = only_nat(&e, &sa);
    CU_ASSERT_EQUAL(v->severity, WS_SEV_HIGH);
    CU_ASSERT_PTR_NULL(v->src.entry);
    CU_ASSERT_PTR_NOT_NULL(v->dst.entry);
    TC_EV_EQ(v, "method", "nat-d");
    TC_EV_EQ(v, "behind_nat", "initiator");
    TC_EV_EQ(v, "inside", NODE_A);
    TC_EV_EQ(v, "outside", NAT_OUTSIDE);
    TC_EV_EQ(v, "hash", "sha1");
    TC_HAS(v->message, NODE_A);
    TC_HAS(v->message, NAT_OUTSIDE);
    tc_close(&e);
}

/* Captured inside: node-a is seen as 10.0.0.1, and the responder's
 * NAT_DETECTION_DESTINATION_IP hash is over 203.0.113.5:500, the address
 * it saw node-a with. No listed address makes that hash: the finding
 * names the inside address it saw and no outside one. */
static void test_natd_by_peer(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_ike_sa sa = sa_between(NODE_A, NODE_B);
    sa.side[0].behind_nat = WS_IKE_NAT_YES;
    set_hash(&sa.side[0], NATD_OUTSIDE, false);
    const ws_finding *v = only_nat(&e, &sa);
    CU_ASSERT_EQUAL(v->severity, WS_SEV_HIGH);
    TC_EV_EQ(v, "method", "nat-d");
    TC_EV_EQ(v, "behind_nat", "initiator");
    TC_EV_EQ(v, "inside", NODE_A);
    CU_ASSERT_PTR_NULL(tc_ev(v, "outside"));
    tc_close(&e);
}

/* The same SPIs with node-a under two addresses (two captures audited
 * together, one each side of the NAT): high, both addresses named. */
static void test_two_addresses(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_ike_sa sa = sa_between(NODE_A, NODE_B);
    sa.side[0].behind_nat = WS_IKE_NAT_UNKNOWN;
    sa.side[1].behind_nat = WS_IKE_NAT_UNKNOWN;
    sa.side[0].other_seen = true;
    sa.side[0].other_addr = tc_addr(NAT_OUTSIDE);
    sa.side[0].other_port = 500;
    const ws_finding *v = only_nat(&e, &sa);
    CU_ASSERT_EQUAL(v->severity, WS_SEV_HIGH);
    TC_EV_EQ(v, "method", "same-spi-two-addresses");
    TC_EV_EQ(v, "behind_nat", "initiator");
    TC_EV_EQ(v, "address_1", NODE_A);
    TC_EV_EQ(v, "address_2", NAT_OUTSIDE);
    TC_HAS(v->message, "0102030405060708");
    TC_HAS(v->message, NAT_OUTSIDE);
    tc_close(&e);
}

/* Without NAT-D evidence, IKE moving to UDP 4500 is what peers do when
 * they detect a NAT (RFC 7296 section 2.23): medium. */
static void test_moved_4500(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_ike_sa sa = sa_between(NODE_A, NODE_B);
    sa.side[0].behind_nat = WS_IKE_NAT_UNKNOWN;
    sa.side[1].behind_nat = WS_IKE_NAT_UNKNOWN;
    sa.moved_4500 = true;
    sa.side[0].natt_port = 4500;
    sa.side[1].natt_port = 4500;
    const ws_finding *v = only_nat(&e, &sa);
    CU_ASSERT_EQUAL(v->severity, WS_SEV_MEDIUM);
    TC_EV_EQ(v, "method", "nat-t-encapsulation");
    TC_EV_EQ(v, "esp_in_udp", "0");
    TC_HAS(v->message, "4500");
    tc_close(&e);
}

/* Hosts no no-nat constraint covers, a direct SA between nodes, and a run
 * without a site: no finding. */
static void test_nothing(void)
{
    tc_env e;
    CU_ASSERT_FATAL(tc_open(&e, true));
    ws_ike_sa sas[2];
    sas[0] = sa_between(OUT1, OUT3);
    sas[0].side[0].behind_nat = WS_IKE_NAT_YES;
    sas[0].moved_4500 = true;
    sas[1] = sa_between(NODE_A, NODE_B);
    sas[1].spi_i[7] = 0x09;
    ws_checker_finish(e.c, sas, 2);
    CU_ASSERT_EQUAL(tc_count(&e, WS_FIND_NAT), 0);
    tc_close(&e);

    CU_ASSERT_FATAL(tc_open(&e, false));
    ws_ike_sa sa = sa_between(NAT_OUTSIDE, NODE_B);
    sa.side[0].behind_nat = WS_IKE_NAT_YES;
    set_hash(&sa.side[0], NATD_NODE_A, true);
    ws_checker_finish(e.c, &sa, 1);
    const ws_finding *v;
    CU_ASSERT_EQUAL(ws_checker_findings(e.c, &v), 0);
    tc_close(&e);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"NAT-D by the end itself: inside and outside named", test_natd_by_self},
        {"NAT-D by the peer: inside named", test_natd_by_peer},
        {"same SPIs under two addresses", test_two_addresses},
        {"IKE moved to 4500 only: medium", test_moved_4500},
        {"unlisted hosts, direct SA, no site: nothing", test_nothing},
        {NULL, NULL},
    };
    ws_test_suite("check nat-between-nodes", cases);
    return ws_test_run();
}

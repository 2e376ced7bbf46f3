/* test_names_table.c - the bounded address -> names table: limits,
 * counters, interning, order, and learning from packets.
 * specification: wirespec names.h (ws_names); DESIGN.md (names/) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/names/samples.h"
#include "names/names.h"
#include "ws_test.h"

static ws_limits limits;
static ws_stats stats;

static ws_names *fresh(uint32_t max_names)
{
    ws_limits_default(&limits);
    if (max_names)
        limits.max_names = max_names;
    memset(&stats, 0, sizeof(stats));
    ws_names *n = ws_names_new(&limits, &stats);
    CU_ASSERT_FATAL(n != NULL);
    return n;
}

static ws_addr addr(const char *s)
{
    ws_addr a;
    CU_ASSERT_FATAL(ws_addr_parse(s, &a));
    return a;
}

static bool has_name(ws_names *n, const char *ip, const char *name)
{
    const char *out[WS_NAMES_PER_ADDR];
    ws_addr a = addr(ip);
    size_t k = ws_names_lookup(n, &a, out, WS_NAMES_PER_ADDR);
    for (size_t i = 0; i < k && i < WS_NAMES_PER_ADDR; i++)
        if (strcmp(out[i], name) == 0)
            return true;
    return false;
}

static void test_add_lookup(void)
{
    ws_names *n = fresh(0);
    ws_addr a = addr("192.0.2.1"), b = addr("2001:db8::1");
    const char *out[4];

    CU_ASSERT_EQUAL(ws_names_lookup(n, &a, out, 4), 0);
    CU_ASSERT(ws_names_add(n, &a, "API.Prysm.com."));
    CU_ASSERT(ws_names_add(n, &a, "admin.prysm.com"));
    CU_ASSERT(ws_names_add(n, &b, "api.prysm.com"));
    CU_ASSERT(ws_names_add(n, &a, "api.prysm.com")); /* known: no new pair */
    CU_ASSERT_EQUAL(stats.names_learned, 3);
    CU_ASSERT_EQUAL(ws_names_pairs(n), 3);

    CU_ASSERT_EQUAL(ws_names_lookup(n, &a, out, 4), 2);
    CU_ASSERT_STRING_EQUAL(out[0], "api.prysm.com"); /* lowercased, no dot */
    CU_ASSERT_STRING_EQUAL(out[1], "admin.prysm.com"); /* order learned */
    CU_ASSERT_EQUAL(ws_names_lookup(n, &b, out, 4), 1);

    /* 192.0.2.1 and ::ffff:192.0.2.1 or 2001:db8::2 are other addresses */
    ws_addr c = addr("::ffff:192.0.2.1"), d = addr("2001:db8::2");
    CU_ASSERT_EQUAL(ws_names_lookup(n, &c, out, 4), 0);
    CU_ASSERT_EQUAL(ws_names_lookup(n, &d, out, 4), 0);

    /* max smaller than the count: count returned, max written */
    out[1] = NULL;
    CU_ASSERT_EQUAL(ws_names_lookup(n, &a, out, 1), 2);
    CU_ASSERT_PTR_NULL(out[1]);

    /* not names */
    CU_ASSERT(!ws_names_add(n, &a, ""));
    CU_ASSERT(!ws_names_add(n, &a, "a b.com"));
    CU_ASSERT(!ws_names_add(n, &a, "a..com"));
    CU_ASSERT_EQUAL(stats.name_parse_errors, 3);
    CU_ASSERT_EQUAL(ws_names_pairs(n), 3);
    ws_names_free(n);
    ws_names_free(NULL);
}

/* One string stored once, however many addresses carry it. */
static void test_interning(void)
{
    ws_names *n = fresh(0);
    const char *first = NULL;
    for (unsigned i = 0; i < 300; i++) {
        uint8_t b[4] = {10, 1, (uint8_t)(i >> 8), (uint8_t)i};
        ws_addr a;
        ws_addr_set4(&a, b);
        CU_ASSERT(ws_names_add(n, &a, i % 2 ? "CDN.example.com" : "cdn.example.com"));
        const char *out[1];
        CU_ASSERT_EQUAL(ws_names_lookup(n, &a, out, 1), 1);
        if (!first)
            first = out[0];
        CU_ASSERT_PTR_EQUAL(out[0], first);
    }
    CU_ASSERT_EQUAL(ws_names_strings(n), 1);
    CU_ASSERT_EQUAL(ws_names_pairs(n), 300);
    ws_names_free(n);
}

/* WS_NAMES_PER_ADDR names per address: the next ones are counted, not kept. */
static void test_per_address_cap(void)
{
    ws_names *n = fresh(0);
    ws_addr a = addr("198.51.100.7");
    char name[32];
    for (int i = 0; i < WS_NAMES_PER_ADDR + 3; i++) {
        snprintf(name, sizeof(name), "host%d.example.com", i);
        CU_ASSERT_EQUAL(ws_names_add(n, &a, name), i < WS_NAMES_PER_ADDR);
    }
    const char *out[WS_NAMES_PER_ADDR + 3];
    CU_ASSERT_EQUAL(ws_names_lookup(n, &a, out, WS_NAMES_PER_ADDR + 3), WS_NAMES_PER_ADDR);
    CU_ASSERT_STRING_EQUAL(out[0], "host0.example.com");
    CU_ASSERT_EQUAL(stats.names_learned, WS_NAMES_PER_ADDR);
    CU_ASSERT_EQUAL(stats.names_dropped, 3);
    /* a name already held is still "known" at the cap, and not dropped */
    CU_ASSERT(ws_names_add(n, &a, "host0.example.com"));
    CU_ASSERT_EQUAL(stats.names_dropped, 3);
    ws_names_free(n);
}

/* limits->max_names pairs in all. */
static void test_max_names(void)
{
    ws_names *n = fresh(5);
    ws_addr a = addr("192.0.2.1"), b = addr("192.0.2.2"), c = addr("2001:db8::9");
    CU_ASSERT(ws_names_add(n, &a, "a1.example.com"));
    CU_ASSERT(ws_names_add(n, &a, "a2.example.com"));
    CU_ASSERT(ws_names_add(n, &b, "b1.example.com"));
    CU_ASSERT(ws_names_add(n, &b, "a1.example.com"));
    CU_ASSERT(ws_names_add(n, &c, "c1.example.com"));
    CU_ASSERT(!ws_names_add(n, &c, "c2.example.com"));
    ws_addr d = addr("192.0.2.3");
    CU_ASSERT(!ws_names_add(n, &d, "d.example.com"));
    CU_ASSERT(ws_names_add(n, &a, "a2.example.com")); /* known */
    CU_ASSERT_EQUAL(ws_names_pairs(n), 5);
    CU_ASSERT_EQUAL(stats.names_learned, 5);
    CU_ASSERT_EQUAL(stats.names_dropped, 2);
    CU_ASSERT_EQUAL(ws_names_strings(n), 4);
    ws_names_free(n);
}

/* Many addresses: the tables grow and every pair stays reachable. */
static void test_growth(void)
{
    ws_names *n = fresh(0);
    char name[64];
    for (unsigned i = 0; i < 20000; i++) {
        uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8};
        b[14] = (uint8_t)(i >> 8);
        b[15] = (uint8_t)i;
        ws_addr a;
        ws_addr_set6(&a, b);
        snprintf(name, sizeof(name), "h%u.example.net", i);
        CU_ASSERT_FATAL(ws_names_add(n, &a, name));
    }
    for (unsigned i = 0; i < 20000; i += 997) {
        uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8};
        b[14] = (uint8_t)(i >> 8);
        b[15] = (uint8_t)i;
        ws_addr a;
        ws_addr_set6(&a, b);
        const char *out[2];
        snprintf(name, sizeof(name), "h%u.example.net", i);
        CU_ASSERT_EQUAL(ws_names_lookup(n, &a, out, 2), 1);
        CU_ASSERT_STRING_EQUAL(out[0], name);
    }
    CU_ASSERT_EQUAL(ws_names_pairs(n), 20000);
    CU_ASSERT(ws_names_bytes(n) > 20000 * 16);
    ws_names_free(n);
}

/* ---- packets ----------------------------------------------------------- */

static const sample *find(const sample_set *set, const char *id)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->s[i].id, id) == 0)
            return &set->s[i];
    CU_FAIL_FATAL("sample missing from tests/data/names");
    return NULL;
}

static ws_packet packet(uint8_t proto, const char *src, uint16_t sport, const char *dst,
                        uint16_t dport, const void *payload, size_t len)
{
    ws_packet p;
    memset(&p, 0, sizeof(p));
    p.proto = proto;
    p.src = addr(src);
    p.dst = addr(dst);
    p.ip_version = p.src.family;
    p.sport = sport;
    p.dport = dport;
    p.payload = payload;
    p.payload_len = (uint32_t)len;
    return p;
}

static void test_packets(void)
{
    sample_set dns = samples_load("dns.txt");
    sample_set tls = samples_load("tls.txt");
    ws_names *n = fresh(0);

    /* UDP DNS answer (tshark: api.teams.skype.com ... -> 52.113.194.131) */
    const sample *s = find(&dns, "dns_ambiguous_names.pcap#6");
    ws_packet p = packet(17, "8.8.8.8", 53, "10.0.0.2", 40000, s->payload, s->len);
    ws_names_packet(n, &p);
    CU_ASSERT(has_name(n, "52.113.194.131", "api.teams.skype.com"));
    CU_ASSERT(has_name(n, "52.113.194.131", "s-0004.s-msedge.net"));
    CU_ASSERT_EQUAL(stats.names_learned, 4);
    /* the same answer again learns nothing new */
    ws_names_packet(n, &p);
    CU_ASSERT_EQUAL(stats.names_learned, 4);

    /* the same bytes on another UDP port are not read as DNS */
    const sample *s2 = find(&dns, "dns_ambiguous_names.pcap#8");
    p = packet(17, "8.8.8.8", 5000, "10.0.0.2", 40000, s2->payload, s2->len);
    ws_names_packet(n, &p);
    CU_ASSERT(!has_name(n, "173.194.202.188", "alt2-mtalk.google.com"));
    p.sport = 53;
    ws_names_packet(n, &p);
    CU_ASSERT(has_name(n, "173.194.202.188", "alt2-mtalk.google.com"));

    /* mDNS announcement on 5353 */
    s = find(&dns, "iphone.pcap#3");
    p = packet(17, "192.168.2.1", 5353, "224.0.0.251", 5353, s->payload, s->len);
    ws_names_packet(n, &p);
    CU_ASSERT(has_name(n, "192.168.2.1", "lucas-imac.local"));
    CU_ASSERT(has_name(n, "fe80::c42c:3ff:fe60:6a64", "lucas-imac.local"));

    /* TLS ClientHello: the name is the server's, pkt->dst */
    s = find(&tls, "tls_1.3_unidirectional_client.pcapng#3");
    p = packet(6, "10.0.0.2", 51000, "142.250.180.4", 443, s->payload, s->len);
    ws_names_packet(n, &p);
    CU_ASSERT(has_name(n, "142.250.180.4", "www.google.com"));
    CU_ASSERT(!has_name(n, "10.0.0.2", "www.google.com"));

    /* HTTP request on a port that is not 80 */
    static const char req[] = "GET /a HTTP/1.1\r\nHost: onsight.librestream.com:8080\r\n\r\n";
    p = packet(6, "10.0.0.2", 51001, "203.0.113.5", 8080, req, sizeof(req) - 1);
    ws_names_packet(n, &p);
    CU_ASSERT(has_name(n, "203.0.113.5", "onsight.librestream.com"));

    /* broken messages are counted */
    uint64_t errs = stats.name_parse_errors;
    s = find(&dns, "dns-invalid-chars.pcap#2");
    p = packet(17, "8.8.8.8", 53, "10.0.0.2", 40000, s->payload, s->len);
    ws_names_packet(n, &p);
    static const char two_hosts[] = "GET / HTTP/1.1\r\nHost: a.com\r\nHost: b.com\r\n\r\n";
    p = packet(6, "10.0.0.2", 51002, "203.0.113.6", 80, two_hosts, sizeof(two_hosts) - 1);
    ws_names_packet(n, &p);
    CU_ASSERT_EQUAL(stats.name_parse_errors, errs + 2);
    CU_ASSERT(!has_name(n, "203.0.113.6", "a.com"));

    /* no payload, other protocols: nothing happens */
    uint64_t learned = stats.names_learned;
    p = packet(6, "10.0.0.2", 51003, "203.0.113.7", 443, NULL, 0);
    ws_names_packet(n, &p);
    p = packet(1, "10.0.0.2", 0, "203.0.113.7", 0, req, sizeof(req) - 1);
    ws_names_packet(n, &p);
    CU_ASSERT_EQUAL(stats.names_learned, learned);

    ws_names_free(n);
    samples_free(&dns);
    samples_free(&tls);
}

/* Every prefix of every DNS sample fed as a packet to a table of 50 pairs:
 * it stays within its limit and counts what it drops and cannot read. */
static void test_packets_limit_under_load(void)
{
    sample_set dns = samples_load("dns.txt");
    ws_names *n = fresh(50);
    for (size_t i = 0; i < dns.n; i++) {
        const sample *s = &dns.s[i];
        for (size_t len = 0; len <= s->len; len++) {
            uint8_t *buf = malloc(len ? len : 1);
            CU_ASSERT_FATAL(buf != NULL);
            memcpy(buf, s->payload, len);
            bool tcp = strcmp(s->kind, "tcp") == 0, mdns = strcmp(s->kind, "mdns") == 0;
            ws_packet p = packet(tcp ? 6 : 17, "192.0.2.53", mdns ? 5353 : 53, "10.0.0.2",
                                 mdns ? 5353 : 40000, buf, len);
            ws_names_packet(n, &p);
            free(buf);
        }
    }
    CU_ASSERT_EQUAL(ws_names_pairs(n), 50);
    CU_ASSERT_EQUAL(stats.names_learned, 50);
    CU_ASSERT(stats.names_dropped > 0);
    CU_ASSERT(stats.name_parse_errors > 0);
    ws_names_free(n);
    samples_free(&dns);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"add and lookup", test_add_lookup},
        {"interning", test_interning},
        {"names per address capped", test_per_address_cap},
        {"max_names bounds the pairs", test_max_names},
        {"growth to 20000 addresses", test_growth},
        {"learning from packets", test_packets},
        {"limit holds under every prefix of every sample", test_packets_limit_under_load},
        {NULL, NULL},
    };
    ws_test_suite("names_table", cases);
    return ws_test_run();
}

/* test_report_hostcache.c - the cache of host text the JSON report keeps
 * for one report: what it answers for an address (exactly that address:
 * family and all 16 bytes), what it refuses to hold, which entry keeps a
 * shared slot; and, through a live run, that a report never shows a host's
 * names as an earlier report had them, nor one record's port in another.
 * specification: src/report/hostcache.h; RFC 1035 section 4.1 (the DNS
 * response built below); RFC 791 and RFC 768 (its IPv4 and UDP headers). */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/hostcache.h"
#include "report/report.h"
#include "ws_test.h"

static ws_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    ws_addr x;
    const uint8_t by[4] = {a, b, c, d};
    ws_addr_set4(&x, by);
    return x;
}

static void test_get_put(void)
{
    ws_hostcache *c = ws_hostcache_new(100);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    ws_addr a = v4(10, 0, 0, 1);
    size_t len = 99, mark = 99;
    CU_ASSERT_PTR_NULL(ws_hostcache_get(c, &a, &len, &mark));
    CU_ASSERT_TRUE(ws_hostcache_put(c, &a, "\"ip\":\"10.0.0.1\",\"x\":1", 21, 14));
    const char *t = ws_hostcache_get(c, &a, &len, &mark);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(len, 21);
    CU_ASSERT_EQUAL(mark, 14);
    CU_ASSERT_EQUAL(memcmp(t, "\"ip\":\"10.0.0.1\",\"x\":1", 21), 0);
    /* Stored again for the same address: the new text. */
    CU_ASSERT_TRUE(ws_hostcache_put(c, &a, "abc", 3, 0));
    t = ws_hostcache_get(c, &a, &len, &mark);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(len, 3);
    CU_ASSERT_EQUAL(mark, 0);
    CU_ASSERT_EQUAL(memcmp(t, "abc", 3), 0);
    ws_hostcache_free(c);
    ws_hostcache_free(NULL);
}

/* Addresses that share bytes are not the same host. */
static void test_exact_address(void)
{
    ws_hostcache *c = ws_hostcache_new(16);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    ws_addr a = v4(10, 0, 0, 1);
    CU_ASSERT_TRUE(ws_hostcache_put(c, &a, "four", 4, 0));
    size_t len, mark;
    /* IPv6 with the same first 4 bytes (0a00:0001::), IPv4-mapped
     * ::ffff:10.0.0.1 (RFC 4291 section 2.5.5.2), and 10.0.0.2. */
    ws_addr six, mapped, other = v4(10, 0, 0, 2);
    CU_ASSERT_TRUE(ws_addr_parse("a00:1::", &six));
    CU_ASSERT_TRUE(ws_addr_parse("::ffff:10.0.0.1", &mapped));
    CU_ASSERT_PTR_NULL(ws_hostcache_get(c, &six, &len, &mark));
    CU_ASSERT_PTR_NULL(ws_hostcache_get(c, &mapped, &len, &mark));
    CU_ASSERT_PTR_NULL(ws_hostcache_get(c, &other, &len, &mark));
    /* Two IPv6 addresses that differ in their last byte only. */
    ws_addr x, y;
    CU_ASSERT_TRUE(ws_addr_parse("2001:db8::1", &x));
    CU_ASSERT_TRUE(ws_addr_parse("2001:db8::2", &y));
    CU_ASSERT_TRUE(ws_hostcache_put(c, &x, "x", 1, 0));
    CU_ASSERT_PTR_NULL(ws_hostcache_get(c, &y, &len, &mark));
    CU_ASSERT_PTR_NOT_NULL(ws_hostcache_get(c, &x, &len, &mark));
    /* An unset address is never stored. */
    ws_addr unset;
    memset(&unset, 0, sizeof(unset));
    CU_ASSERT_FALSE(ws_hostcache_put(c, &unset, "u", 1, 0));
    CU_ASSERT_PTR_NULL(ws_hostcache_get(c, &unset, &len, &mark));
    ws_hostcache_free(c);
}

/* What a cache refuses: text longer than a slot, a mark past the text. */
static void test_bounds(void)
{
    ws_hostcache *c = ws_hostcache_new(1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(ws_hostcache_slots(c), 16);
    char big[WS_HOSTCACHE_TEXT + 1];
    memset(big, 'a', sizeof(big));
    ws_addr a = v4(192, 0, 2, 1), b = v4(192, 0, 2, 2);
    size_t len, mark;
    CU_ASSERT_FALSE(ws_hostcache_put(c, &a, big, sizeof(big), 0));
    CU_ASSERT_PTR_NULL(ws_hostcache_get(c, &a, &len, &mark));
    CU_ASSERT_TRUE(ws_hostcache_put(c, &a, big, WS_HOSTCACHE_TEXT, WS_HOSTCACHE_TEXT));
    CU_ASSERT_PTR_NOT_NULL(ws_hostcache_get(c, &a, &len, &mark));
    CU_ASSERT_EQUAL(len, WS_HOSTCACHE_TEXT);
    CU_ASSERT_FALSE(ws_hostcache_put(c, &b, "ab", 2, 3));
    CU_ASSERT_PTR_NULL(ws_hostcache_get(c, &b, &len, &mark));
    ws_hostcache_free(c);
    c = ws_hostcache_new(100);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(ws_hostcache_slots(c), 128);
    ws_hostcache_free(c);
    c = ws_hostcache_new((size_t)1 << 40);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(ws_hostcache_slots(c), WS_HOSTCACHE_MAX_SLOTS);
    ws_hostcache_free(c);
}

/* Three addresses of one set of two slots: the third stored pushes out an
 * entry that answered no get; an entry that answered gets keeps its slot
 * against as many puts, and the entry with fewer is the one pushed out. */
static void test_shared_set(void)
{
    ws_hostcache *c = ws_hostcache_new(16);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    ws_addr a = v4(10, 1, 0, 1), same_set[2];
    size_t found = 0;
    for (unsigned i = 2; i < 4096 && found < 2; i++) {
        ws_addr b = v4(10, 1, (uint8_t)(i >> 8), (uint8_t)i);
        if (ws_hostcache_set(c, &b) == ws_hostcache_set(c, &a))
            same_set[found++] = b;
    }
    CU_ASSERT_EQUAL_FATAL(found, 2);
    CU_ASSERT_TRUE(ws_hostcache_set(c, &a) < ws_hostcache_slots(c) / 2);
    ws_addr b = same_set[0], d = same_set[1];
    size_t len, mark;
    const char *t;

    /* Two fit; the third replaces one of them (neither answered a get). */
    CU_ASSERT_TRUE(ws_hostcache_put(c, &a, "A", 1, 0));
    CU_ASSERT_TRUE(ws_hostcache_put(c, &b, "B", 1, 0));
    CU_ASSERT_TRUE(ws_hostcache_put(c, &d, "D", 1, 0));
    t = ws_hostcache_get(c, &d, &len, &mark);
    CU_ASSERT_TRUE(t && len == 1 && t[0] == 'D');
    bool has_a = ws_hostcache_get(c, &a, &len, &mark) != NULL;
    bool has_b = ws_hostcache_get(c, &b, &len, &mark) != NULL;
    CU_ASSERT_TRUE(has_a != has_b);
    ws_hostcache_free(c);

    c = ws_hostcache_new(16);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_TRUE(ws_hostcache_put(c, &a, "A", 1, 0));
    CU_ASSERT_TRUE(ws_hostcache_put(c, &b, "B", 1, 0));
    /* a answers three gets, b one: d is refused once (b's one get), then
     * takes b's slot; a stays. */
    for (int i = 0; i < 3; i++)
        CU_ASSERT_PTR_NOT_NULL(ws_hostcache_get(c, &a, &len, &mark));
    CU_ASSERT_PTR_NOT_NULL(ws_hostcache_get(c, &b, &len, &mark));
    CU_ASSERT_FALSE(ws_hostcache_put(c, &d, "D", 1, 0));
    CU_ASSERT_PTR_NULL(ws_hostcache_get(c, &d, &len, &mark));
    CU_ASSERT_TRUE(ws_hostcache_put(c, &d, "D", 1, 0));
    CU_ASSERT_PTR_NULL(ws_hostcache_get(c, &b, &len, &mark));
    t = ws_hostcache_get(c, &a, &len, &mark);
    CU_ASSERT_TRUE(t && len == 1 && t[0] == 'A');
    t = ws_hostcache_get(c, &d, &len, &mark);
    CU_ASSERT_TRUE(t && len == 1 && t[0] == 'D');
    /* a's own entry is replaced by a new put for a, whatever it answered. */
    CU_ASSERT_TRUE(ws_hostcache_put(c, &a, "A2", 2, 1));
    t = ws_hostcache_get(c, &a, &len, &mark);
    CU_ASSERT_TRUE(t && len == 2 && mark == 1 && memcmp(t, "A2", 2) == 0);
    ws_hostcache_free(c);
}

/* ---- through a live run -------------------------------------------------- */

/* An Ethernet/IPv4/UDP frame from src:sport to dst:dport with the payload;
 * returns its length. The IPv4 header checksum per RFC 791 section 3.1;
 * UDP checksum 0 (none, RFC 768). */
static size_t udp_frame(uint8_t *f, ws_addr src, uint16_t sport, ws_addr dst,
                        uint16_t dport, const uint8_t *pl, size_t n)
{
    static const uint8_t eth[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
    memcpy(f, eth, 14);
    uint8_t *ip = f + 14;
    size_t tot = 20 + 8 + n;
    const uint8_t hdr[20] = {0x45, 0, (uint8_t)(tot >> 8), (uint8_t)tot, 0, 1, 0, 0, 64, 17,
                             0, 0, src.b[0], src.b[1], src.b[2], src.b[3],
                             dst.b[0], dst.b[1], dst.b[2], dst.b[3]};
    memcpy(ip, hdr, 20);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    ip[10] = (uint8_t)(~sum >> 8);
    ip[11] = (uint8_t)~sum;
    uint8_t *u = ip + 20;
    const uint8_t uh[8] = {(uint8_t)(sport >> 8), (uint8_t)sport, (uint8_t)(dport >> 8),
                           (uint8_t)dport, (uint8_t)((8 + n) >> 8), (uint8_t)(8 + n), 0, 0};
    memcpy(u, uh, 8);
    memcpy(u + 8, pl, n);
    return 14 + tot;
}

/* A DNS response (RFC 1035 section 4.1): one question "<label>.example" A
 * IN, one answer by a pointer to it, TTL 60, the address. */
static size_t dns_answer(uint8_t *m, const char *label, ws_addr a)
{
    size_t n = 0, ll = strlen(label);
    const uint8_t h[12] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0};
    memcpy(m, h, 12);
    n = 12;
    m[n++] = (uint8_t)ll;
    memcpy(m + n, label, ll);
    n += ll;
    memcpy(m + n, "\x07" "example" "\x00" "\x00\x01\x00\x01", 13);
    n += 13;
    const uint8_t ans[16] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4,
                             a.b[0], a.b[1], a.b[2], a.b[3]};
    memcpy(m + n, ans, 16);
    return n + 16;
}

static ws_addr client, server, resolver;

static void dns(ws_run *run, const char *label, uint16_t port, int64_t t)
{
    uint8_t m[128], f[256];
    size_t n = dns_answer(m, label, server);
    size_t fl = udp_frame(f, resolver, 53, client, port, m, n);
    ws_run_frame(run, 1, f, (uint32_t)fl, (uint32_t)fl, t);
}

static void datagram(ws_run *run, uint16_t sport, uint16_t dport, int64_t t)
{
    uint8_t f[128];
    size_t fl = udp_frame(f, client, sport, server, dport, (const uint8_t *)"hello", 5);
    ws_run_frame(run, 1, f, (uint32_t)fl, (uint32_t)fl, t);
}

/* The JSON report of the run as it stands. */
static json_object *report_now(ws_run *run, int64_t t)
{
    ws_run_tick(run, t);
    ws_run_snapshot(run);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_TRUE(ws_report_write_live(out, WS_FORMAT_JSON, run, false));
    fclose(out);
    json_object *o = json_tokener_parse(buf);
    free(buf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    return o;
}

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    CU_ASSERT_TRUE(json_object_object_get_ex(o, key, &v));
    return v;
}

static bool has_name(json_object *host, const char *name)
{
    json_object *names = get(host, "names");
    for (size_t i = 0; i < json_object_array_length(names); i++)
        if (strcmp(json_object_get_string(json_object_array_get_idx(names, i)), name) == 0)
            return true;
    return false;
}

/* The flows to the server, in id order: their dst ports are the ones sent
 * (each record its own) and their names are the names known when the
 * report is written. */
static size_t check_server_flows(json_object *rep, const uint16_t *ports, size_t nports,
                                 bool want_b)
{
    json_object *flows = get(rep, "flows");
    size_t k = 0;
    for (size_t i = 0; i < json_object_array_length(flows); i++) {
        json_object *dst = get(json_object_array_get_idx(flows, i), "dst");
        if (strcmp(json_object_get_string(get(dst, "ip")), "192.0.2.80") != 0)
            continue;
        CU_ASSERT_FATAL(k < nports);
        CU_ASSERT_EQUAL(json_object_get_int(get(dst, "port")), ports[k]);
        CU_ASSERT_TRUE(has_name(dst, "a.example"));
        CU_ASSERT_EQUAL(has_name(dst, "b.example"), want_b);
        k++;
    }
    return k;
}

static void test_reports_of_a_live_run(void)
{
    client = v4(192, 0, 2, 9);
    server = v4(192, 0, 2, 80);
    resolver = v4(192, 0, 2, 53);
    ws_limits l;
    ws_limits_live_default(&l);
    char err[256];
    ws_run *run = ws_run_new_stream(&l, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(run);
    int64_t t = 1700000000000000;
    dns(run, "a", 40000, t);
    datagram(run, 40001, 5060, t + 1000);
    datagram(run, 40002, 5061, t + 2000);
    datagram(run, 40003, 5062, t + 3000);
    /* Far past every UDP idle timeout: the flows end and become records. */
    t += (int64_t)3600 * 1000000;
    json_object *r1 = report_now(run, t);
    const uint16_t first[] = {5060, 5061, 5062};
    CU_ASSERT_EQUAL(check_server_flows(r1, first, 3, false), 3);
    json_object_put(r1);

    /* A second name for the server, then one more flow to it. */
    dns(run, "b", 40004, t + 1000);
    datagram(run, 40005, 443, t + 2000);
    t += (int64_t)3600 * 1000000;
    json_object *r2 = report_now(run, t);
    const uint16_t all[] = {5060, 5061, 5062, 443};
    CU_ASSERT_EQUAL(check_server_flows(r2, all, 4, true), 4);
    json_object_put(r2);
    ws_run_free(run);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"get and put", test_get_put},
        {"an address is family and all 16 bytes", test_exact_address},
        {"text too long, mark past the text, slot counts", test_bounds},
        {"a shared set: fewest gets pushed out, kept by gets", test_shared_set},
        {"live run: names as they are at each report, ports per record", test_reports_of_a_live_run},
        {NULL, NULL},
    };
    ws_test_suite("report_hostcache", cases);
    return ws_test_run();
}

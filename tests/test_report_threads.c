/* test_report_threads.c - the JSON report with its arrays (flows, findings,
 * coverage) formatted by two threads: the same bytes as on one thread, in
 * both layouts (the json report and the jsonl report line), with chunks of
 * every size from one item to more than the array; records in order; a
 * write error still reported with errno; and ws_jw_block, which writes a
 * helper's chunk.
 * specification: src/report/report_impl.h (ws_report_split),
 * src/report/jsonw.h (ws_jw_block); RFC 8259; the
 * capture built below: pcap-savefile(5), IEEE 802.3 Ethernet II framing,
 * RFC 791 (IPv4 header and its checksum), RFC 768 (UDP). */
#include <errno.h>
#include <json-c/json.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "report/report.h"
#include "report/jsonw.h"
#include "report/report_impl.h"
#include "rules/rules.h"
#include "ws_test.h"

/* Flows in the capture: more than ws_report_split_default.min_items, so
 * that the default split shares the flows with a second thread. */
#define FLOWS 9000

static char pcap_path[64];
static ws_ruleset *rs;
static ws_site *site;
static ws_run *run;

/* RFC 791 section 3.1: the one's complement of the one's complement sum of
 * the header's 16-bit words. */
static uint16_t ip_sum(const uint8_t *h, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i < n; i += 2)
        s += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* One UDP datagram of 8 payload bytes in Ethernet II, from src:sport to
 * dst:dport; returns the frame's length. */
static size_t udp_frame(uint8_t *f, const uint8_t src[4], uint16_t sport, const uint8_t dst[4],
                        uint16_t dport)
{
    memset(f, 0, 50);
    memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;                 /* version 4, 5 words */
    ip[3] = 20 + 8 + 8;           /* total length */
    ip[8] = 64;                   /* TTL */
    ip[9] = 17;                   /* UDP */
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    uint16_t sum = ip_sum(ip, 20);
    ip[10] = (uint8_t)(sum >> 8);
    ip[11] = (uint8_t)sum;
    uint8_t *udp = ip + 20;
    udp[0] = (uint8_t)(sport >> 8);
    udp[1] = (uint8_t)sport;
    udp[2] = (uint8_t)(dport >> 8);
    udp[3] = (uint8_t)dport;
    udp[5] = 8 + 8;               /* length; checksum 0: none (RFC 768) */
    memcpy(udp + 8, "wirespec", 8);
    return 14 + 20 + 8 + 8;
}

/* FLOWS one-datagram flows, 1 ms apart, from internal endpoints of the
 * bench site (10.30.0.0/16) to its conferencing nodes 10.20.1.1-8: a third
 * to media ports (40000-49999, rule pexip-media-in of the Pexip pack:
 * coverage entries), the others to ports no rule has (unexpected-port
 * findings). */
static bool write_capture(void)
{
    strcpy(pcap_path, "/tmp/test_report_threads.XXXXXX");
    int fd = mkstemp(pcap_path);
    if (fd < 0)
        return false;
    FILE *fp = fdopen(fd, "wb");
    pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t *d = fp && p ? pcap_dump_fopen(p, fp) : NULL;
    if (!d) {
        if (p)
            pcap_close(p);
        if (fp)
            fclose(fp);
        return false;
    }
    for (unsigned i = 0; i < FLOWS; i++) {
        uint8_t f[64], src[4] = {10, 30, (uint8_t)(i / 200), (uint8_t)(i % 200 + 1)};
        uint8_t dst[4] = {10, 20, 1, (uint8_t)(i % 8 + 1)};
        uint16_t dport = (uint16_t)(i % 3 == 0 ? 40000 + i % 1000 : 20000 + i % 97);
        struct pcap_pkthdr h;
        h.ts.tv_sec = 1772442000 + i / 1000;
        h.ts.tv_usec = (i % 1000) * 1000;
        h.caplen = h.len = (bpf_u_int32)udp_frame(f, src, (uint16_t)(40000 + i % 5000), dst,
                                                 dport);
        pcap_dump((u_char *)d, &h, f);
    }
    pcap_dump_close(d);
    pcap_close(p);
    return true;
}

static int setup(void)
{
    if (!write_capture())
        return 1;
    rs = ws_ruleset_new(NULL, NULL);
    ws_diag d;
    ws_diag_init(&d);
    bool ok = rs && ws_ruleset_load_dir(rs, WS_SOURCE_DIR "/rules", &d) &&
              ws_ruleset_finish(rs, &d);
    site = ok ? ws_site_load(WS_SOURCE_DIR "/tools/gen/bench.site.json", rs, &d) : NULL;
    ok = site && ws_ruleset_finish(rs, &d);
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "%s\n", d.msg[i]);
    ws_diag_free(&d);
    if (!ok)
        return 1;
    ws_limits l;
    ws_limits_default(&l);
    l.threads = 1;
    char err[256], *inputs[] = {pcap_path};
    run = ws_run_new(&l, inputs, 1, NULL, err, sizeof(err));
    if (!run || !ws_run_set_checks(run, rs, site))
        return 1;
    return ws_run_audit(run) == 0 ? 0 : 1;
}

static int teardown(void)
{
    ws_run_free(run);
    ws_site_free(site);
    ws_ruleset_free(rs);
    unlink(pcap_path);
    return 0;
}

/* The report as ws_report_json_stream_split writes it. */
static char *report(bool one_line, const ws_report_split *split, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_TRUE(ws_report_json_stream_split(f, run, one_line, true, split));
    CU_ASSERT_EQUAL(fclose(f), 0);
    return buf;
}

static size_t array_len(json_object *o, const char *key)
{
    json_object *a;
    if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array))
        return 0;
    return json_object_array_length(a);
}

/* The capture makes arrays long enough: FLOWS flow records with the ids
 * 1 .. FLOWS in order (flows are numbered in order of first packet, DESIGN.md
 * "flows"), and findings and coverage entries enough to share: 6,000 flows
 * to ports no rule has, each from its own endpoint, and 3,000 to media
 * ports, each from its own endpoint. */
static void test_run_shape(void)
{
    size_t len;
    char *text = report(false, &ws_report_split_default, &len);
    json_object *o = json_tokener_parse(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_EQUAL(array_len(o, "flows"), FLOWS);
    CU_ASSERT_TRUE(FLOWS >= ws_report_split_default.min_items);
    CU_ASSERT_TRUE(array_len(o, "findings") >= ws_report_split_default.min_items);
    CU_ASSERT_TRUE(array_len(o, "coverage") >= ws_report_split_default.min_items);
    json_object *flows;
    CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(o, "flows", &flows));
    size_t bad = 0;
    for (size_t i = 0; i < json_object_array_length(flows); i++) {
        json_object *id;
        json_object_object_get_ex(json_object_array_get_idx(flows, i), "id", &id);
        if (json_object_get_uint64(id) != i + 1)
            bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);
    json_object_put(o);
    free(text);
}

/* Every split writes the bytes of one thread, in both layouts: chunks of
 * one item, of a few (an odd count, so that chunks straddle records of
 * every kind), the default, and one chunk larger than every array; the
 * calling thread taking over every chunk of the helper's not finished when
 * its turn comes (wait 0), or waiting for each (a wait of 1000 s). */
static void test_same_bytes(void)
{
    const ws_report_split splits[] = {
        {1, 0, 0}, {1, 0, 1000000000}, {3, 2, 0}, {7, 0, 1000000000}, {100, 50, 0},
        {1024, 0, 0}, {1024, 0, 1000000000}, {FLOWS + 1, 0, 0}, ws_report_split_default,
    };
    for (int one_line = 0; one_line < 2; one_line++) {
        size_t len1;
        char *one = report(one_line, NULL, &len1);
        CU_ASSERT_TRUE(len1 > 1000000);
        for (size_t s = 0; s < sizeof(splits) / sizeof(splits[0]); s++) {
            size_t len2;
            char *two = report(one_line, &splits[s], &len2);
            CU_ASSERT_EQUAL(len1, len2);
            CU_ASSERT_TRUE(len1 == len2 && memcmp(one, two, len1) == 0);
            free(two);
        }
        free(one);
    }
}

/* The writers a user calls: the run allows threads, so the json report and
 * the jsonl line take the default split; their bytes are those of one
 * thread. */
static void test_report_write(void)
{
    const ws_format fmts[] = {WS_FORMAT_JSON, WS_FORMAT_JSONL};
    for (size_t i = 0; i < 2; i++) {
        char *buf = NULL;
        size_t len;
        FILE *f = open_memstream(&buf, &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        CU_ASSERT_TRUE(ws_report_write(f, fmts[i], run));
        CU_ASSERT_EQUAL(fclose(f), 0);
        size_t len1;
        char *one = report(fmts[i] == WS_FORMAT_JSONL, NULL, &len1);
        CU_ASSERT_TRUE(len == len1 && memcmp(buf, one, len) == 0);
        free(one);
        free(buf);
    }
}

/* A full disk (/dev/full: every write fails with ENOSPC) makes the report
 * fail with errno set, shared or not. */
static void test_write_error(void)
{
    const ws_report_split small = {5, 0, 0};
    const ws_report_split *splits[] = {NULL, &ws_report_split_default, &small};
    for (size_t s = 0; s < 3; s++) {
        FILE *f = fopen("/dev/full", "w");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        errno = 0;
        CU_ASSERT_FALSE(ws_report_json_stream_split(f, run, false, true, splits[s]));
        CU_ASSERT_EQUAL(errno, ENOSPC);
        fclose(f);
    }
}

/* A block goes after what the writer buffered and before what follows,
 * whether it fits in the buffer (64 KiB) or not, to a file or in memory. */
static void test_jw_block(void)
{
    size_t big = 200000;
    char *b = malloc(big);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (size_t i = 0; i < big; i++)
        b[i] = (char)('a' + i % 26);
    const size_t sizes[] = {0, 1, 1000, 65535, 65536, big};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t n = sizes[s];
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        ws_jw *fw = ws_jw_new(f), *mw = ws_jw_new(NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(fw);
        CU_ASSERT_PTR_NOT_NULL_FATAL(mw);
        ws_jw *ws[] = {fw, mw};
        for (int k = 0; k < 2; k++) {
            ws_jw_raws(ws[k], "[");
            ws_jw_block(ws[k], b, n);
            ws_jw_raws(ws[k], "]");
            CU_ASSERT_TRUE(ws_jw_flush(ws[k]));
        }
        CU_ASSERT_EQUAL(fclose(f), 0);
        size_t mlen;
        const char *m = ws_jw_data(mw, &mlen);
        CU_ASSERT_EQUAL(len, n + 2);
        CU_ASSERT_EQUAL(mlen, n + 2);
        CU_ASSERT_TRUE(len == n + 2 && text[0] == '[' && memcmp(text + 1, b, n) == 0 &&
                       text[n + 1] == ']');
        CU_ASSERT_TRUE(mlen == n + 2 && memcmp(m, text, mlen) == 0);
        ws_jw_free(fw);
        ws_jw_free(mw);
        free(text);
    }
    /* A block that fails to be written fails the writer. */
    FILE *f = fopen("/dev/full", "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    setvbuf(f, NULL, _IONBF, 0);
    ws_jw *w = ws_jw_new(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    ws_jw_block(w, b, big);
    CU_ASSERT_FALSE(ws_jw_flush(w));
    ws_jw_free(w);
    fclose(f);
    free(b);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"a run whose arrays are shared", test_run_shape},
        {"the same bytes with any split", test_same_bytes},
        {"ws_report_write takes the default split", test_report_write},
        {"a write error still fails with errno", test_write_error},
        {"ws_jw_block keeps the order", test_jw_block},
        {NULL, NULL},
    };
    CU_pSuite s = CU_add_suite("report on two threads", setup, teardown);
    if (!s)
        return 2;
    for (const ws_test_case *c = cases; c->name; c++)
        if (!CU_add_test(s, c->name, c->fn))
            return 2;
    return ws_test_run();
}

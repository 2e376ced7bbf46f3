/* test_audit_records.c - flow records come out in id order with their
 * contents whole: ws_flow_recs_sort on its own (dense, sparse, gaps,
 * already sorted, a repeated id) and a stream run whose flows end out of
 * their order of creation. specification: src/audit/audit.h (ws_run_flows:
 * "Flow records in id order"), src/flow/flow.h (ids 1, 2, ... in order of
 * creation). */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "ws_test.h"

static const char *const APPS[] = {"DNS", "TLS", "SIP", "RTP", NULL};

/* A record whose every field is derived from its id, so that a record
 * moved whole can be told from one put together from two. */
static ws_flow_rec rec_of(uint64_t id)
{
    ws_flow_rec r;
    memset(&r, 0, sizeof(r));
    r.f.id = id;
    r.f.src.family = 4;
    r.f.src.b[0] = 10;
    r.f.src.b[3] = (uint8_t)id;
    r.f.dst.family = 4;
    r.f.dst.b[0] = 192;
    r.f.dst.b[3] = (uint8_t)(id >> 8);
    r.f.sport = (uint16_t)(id * 7);
    r.f.dport = (uint16_t)(id >> 16);
    r.f.proto = id & 1 ? 17 : 6;
    r.f.packets[0] = id * 3;
    r.f.packets[1] = id ^ 0x5555;
    r.f.bytes[0] = id * 1000;
    r.f.wire_bytes[1] = ~id;
    r.f.first_us = (int64_t)id;
    r.f.last_us = (int64_t)(id * 2);
    r.f.esp_spi[1] = (uint32_t)(id * 13);
    r.f.app = (uint16_t)(id % 300);
    r.outcome = (ws_outcome)(id % 3);
    r.end = (ws_end_reason)(id % 4);
    r.app = APPS[id % 5];
    return r;
}

/* Every field rec_of sets, compared (padding is not). */
static bool rec_eq(const ws_flow_rec *a, const ws_flow_rec *b)
{
    return a->f.id == b->f.id && ws_addr_eq(&a->f.src, &b->f.src) &&
           ws_addr_eq(&a->f.dst, &b->f.dst) && a->f.sport == b->f.sport &&
           a->f.dport == b->f.dport && a->f.proto == b->f.proto &&
           a->f.packets[0] == b->f.packets[0] && a->f.packets[1] == b->f.packets[1] &&
           a->f.bytes[0] == b->f.bytes[0] && a->f.wire_bytes[1] == b->f.wire_bytes[1] &&
           a->f.first_us == b->f.first_us && a->f.last_us == b->f.last_us &&
           a->f.esp_spi[1] == b->f.esp_spi[1] && a->f.app == b->f.app &&
           a->outcome == b->outcome && a->end == b->end && a->app == b->app;
}

/* Sorts the records of the given ids (in that order) and checks that
 * they come out as the records of want[] (ascending), each whole. */
static void check_sort(const uint64_t *ids, size_t n, const uint64_t *want)
{
    ws_flow_rec *r = malloc((n ? n : 1) * sizeof(*r));
    CU_ASSERT_FATAL(r != NULL);
    for (size_t i = 0; i < n; i++)
        r[i] = rec_of(ids[i]);
    ws_flow_recs_sort(r, n);
    for (size_t i = 0; i < n; i++) {
        ws_flow_rec e = rec_of(want[i]);
        CU_ASSERT_EQUAL(r[i].f.id, want[i]);
        CU_ASSERT(rec_eq(&r[i], &e));
    }
    free(r);
}

static void test_empty_and_one(void)
{
    ws_flow_recs_sort(NULL, 0);
    uint64_t one[] = {42};
    check_sort(one, 1, one);
}

static void test_dense_with_gaps(void)
{
    /* ids 1..10 without 5, 6 and 8 (records dropped), in end order */
    uint64_t ids[] = {7, 3, 10, 1, 4, 9, 2};
    uint64_t want[] = {1, 2, 3, 4, 7, 9, 10};
    check_sort(ids, 7, want);
}

static void test_reversed(void)
{
    uint64_t ids[] = {6, 5, 4, 3, 2, 1};
    uint64_t want[] = {1, 2, 3, 4, 5, 6};
    check_sort(ids, 6, want);
}

static void test_already_sorted(void)
{
    uint64_t ids[] = {2, 3, 5, 8, 13, 21};
    check_sort(ids, 6, ids);
}

/* As a run leaves them: flows ended during the run in their end order,
 * then the flush's in order of creation; ids start past 1 (a live run
 * cleared its records), and every third flow's record was dropped. */
static void test_run_then_flush(void)
{
    enum { N = 3000, BASE = 100000 };
    uint64_t *ids = malloc(N * sizeof(*ids)), *want = malloc(N * sizeof(*want));
    CU_ASSERT_FATAL(ids && want);
    size_t n = 0, nw = 0;
    /* kept: ids BASE + i for i in 0..(3N/2) with i % 3 != 2 */
    for (uint64_t i = 0; nw < N; i++)
        if (i % 3 != 2)
            want[nw++] = BASE + i;
    /* the first third ended during the run: a fixed shuffle of them
     * (i -> i * 7919 mod 1000 is a permutation of 0..999, 7919 being
     * prime to 1000) */
    for (size_t i = 0; i < 1000; i++)
        ids[n++] = want[(i * 7919) % 1000];
    for (size_t i = 1000; i < N; i++)
        ids[n++] = want[i];
    check_sort(ids, n, want);
    free(ids);
    free(want);
}

/* A range of ids far wider than the records (most flows' records were
 * dropped, or ids far apart): the same order, whatever the method. */
static void test_sparse(void)
{
    uint64_t ids[] = {1000000, 5, UINT64_MAX - 1, 3, 1ull << 40, 42, 999999, 1};
    uint64_t want[] = {1, 3, 5, 42, 999999, 1000000, 1ull << 40, UINT64_MAX - 1};
    check_sort(ids, 8, want);
}

/* Ranges just inside and just past four ids per record (where the method
 * changes): both sort. */
static void test_density_edges(void)
{
    /* 4 records over 1..16 (span 15: 15 / 4 < 4) and over 1..17 (span 16) */
    uint64_t a[] = {16, 1, 9, 4}, wa[] = {1, 4, 9, 16};
    check_sort(a, 4, wa);
    uint64_t b[] = {17, 1, 9, 4}, wb[] = {1, 4, 9, 17};
    check_sort(b, 4, wb);
}

/* Two records of one id (never made by a run, but no record may be lost
 * to a placement by id): both kept, in id order. */
static void test_repeated_id(void)
{
    ws_flow_rec r[5];
    uint64_t ids[] = {4, 2, 4, 1, 3};
    for (size_t i = 0; i < 5; i++)
        r[i] = rec_of(ids[i]);
    r[0].f.packets[0] = 111; /* the two 4s told apart */
    r[2].f.packets[0] = 222;
    ws_flow_recs_sort(r, 5);
    uint64_t want[] = {1, 2, 3, 4, 4};
    for (size_t i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(r[i].f.id, want[i]);
    CU_ASSERT((r[3].f.packets[0] == 111 && r[4].f.packets[0] == 222) ||
              (r[3].f.packets[0] == 222 && r[4].f.packets[0] == 111));
}

/* ---- a stream run ---------------------------------------------------- */

/* An Ethernet + IPv4 + UDP frame from 10.0.0.1:sport to 10.0.0.2:5000
 * with 8 bytes of payload (RFC 791, RFC 768; the UDP checksum 0: none). */
static size_t udp_frame(uint8_t *b, uint16_t sport)
{
    static const uint8_t eth[14] = {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00};
    memcpy(b, eth, 14);
    uint8_t *ip = b + 14;
    const uint16_t total = 20 + 8 + 8;
    uint8_t h[20] = {0x45, 0, (uint8_t)(total >> 8), (uint8_t)total, 0, 1, 0, 0, 64, 17, 0, 0,
                     10, 0, 0, 1, 10, 0, 0, 2};
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    h[10] = (uint8_t)(~sum >> 8);
    h[11] = (uint8_t)~sum;
    memcpy(ip, h, 20);
    uint8_t *udp = ip + 20;
    udp[0] = (uint8_t)(sport >> 8);
    udp[1] = (uint8_t)sport;
    udp[2] = 5000 >> 8;
    udp[3] = 5000 & 0xff;
    udp[4] = 0;
    udp[5] = 16;
    udp[6] = udp[7] = 0;
    memset(udp + 8, 'x', 8);
    return 14 + total;
}

static void send_udp(ws_run *run, uint16_t sport, int64_t t_s)
{
    uint8_t b[64];
    size_t len = udp_frame(b, sport);
    ws_run_frame(run, 1 /* DLT_EN10MB */, b, (uint32_t)len, (uint32_t)len, t_s * 1000000);
}

/* A stream run (as live makes them) with UDP flows idle after 120 s. */
static ws_run *stream_run(void)
{
    ws_limits l;
    ws_limits_default(&l);
    l.udp_idle_us = 120 * 1000000LL;
    char err[128];
    return ws_run_new_stream(&l, err, sizeof(err));
}

static void test_stream_run(void)
{
    ws_run *run = stream_run();
    CU_ASSERT_FATAL(run != NULL);
    send_udp(run, 40001, 0);   /* flow 1 */
    send_udp(run, 40002, 1);   /* flow 2 */
    send_udp(run, 40001, 50);  /* flow 1 again: idle from 50 */
    ws_run_tick(run, 122 * 1000000LL); /* flow 2 idle 121 s: ends first */
    send_udp(run, 40003, 123); /* flow 3 */
    ws_run_finish(run);        /* flows 1 and 3 end */
    size_t n;
    const ws_flow_rec *r = ws_run_flows(run, &n);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    static const uint16_t sport[] = {40001, 40002, 40003};
    static const uint64_t pkts[] = {2, 1, 1};
    for (size_t i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(r[i].f.id, i + 1);
        CU_ASSERT_EQUAL(r[i].f.sport, sport[i]);
        CU_ASSERT_EQUAL(r[i].f.dport, 5000);
        CU_ASSERT_EQUAL(r[i].f.packets[WS_DIR_FWD], pkts[i]);
    }
    CU_ASSERT_EQUAL(r[1].end, WS_END_IDLE);
    CU_ASSERT_EQUAL(r[0].end, WS_END_FLUSH);
    CU_ASSERT_EQUAL(r[2].end, WS_END_FLUSH);
    ws_run_free(run);
}

/* A live run forgets its records (ws_run_clear_flows) and goes on: the
 * records after it, ended out of order, come in id order, those before it
 * gone. */
static void test_stream_cleared(void)
{
    ws_run *run = stream_run();
    CU_ASSERT_FATAL(run != NULL);
    send_udp(run, 40001, 0);           /* flow 1 */
    send_udp(run, 40002, 1);           /* flow 2 */
    send_udp(run, 40001, 50);
    ws_run_tick(run, 122 * 1000000LL); /* flow 2 ends */
    ws_run_snapshot(run);
    size_t n;
    const ws_flow_rec *r = ws_run_flows(run, &n);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    CU_ASSERT_EQUAL(r[0].f.id, 2);
    ws_run_clear_flows(run);
    send_udp(run, 40003, 123);         /* flow 3 */
    send_udp(run, 40001, 160);         /* flow 1, idle 110 s: still flow 1 */
    ws_run_tick(run, 244 * 1000000LL); /* flow 3 idle 121 s: ends; flow 1 idle 84 s */
    ws_run_finish(run);                /* flow 1 ends */
    r = ws_run_flows(run, &n);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_EQUAL(r[0].f.id, 1);
    CU_ASSERT_EQUAL(r[0].f.sport, 40001);
    CU_ASSERT_EQUAL(r[0].f.packets[WS_DIR_FWD], 3);
    CU_ASSERT_EQUAL(r[1].f.id, 3);
    CU_ASSERT_EQUAL(r[1].f.sport, 40003);
    CU_ASSERT_EQUAL(r[1].end, WS_END_IDLE);
    ws_run_free(run);
}

/* An offline audit of 5,000 UDP flows with checks, on the threads of an
 * audit (threads=1): the even flows end idle during the run, the odd ones
 * (sent from again and again) at the end; the records, put in order on a thread
 * of their own while the end-of-run checks run, come in id order whole. */
static void test_offline_threaded(void)
{
    enum { N = 5000 };
    const char *path = WS_BINARY_DIR "/test_audit_records.pcap";
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    CU_ASSERT_FATAL(dead != NULL);
    pcap_dumper_t *d = pcap_dump_open(dead, path);
    CU_ASSERT_FATAL(d != NULL);
    uint8_t b[64];
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof(h));
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < N; i++) {
            if (round && i % 2 == 0)
                continue;
            /* flow i: from port 10000 + i, first at i ms, odd ones again
             * at 100 s + i ms and 200 s + i ms (idle 100 s each time, less
             * than the 120 s of UDP; the even ones by then idle 200 s) */
            h.caplen = h.len = (uint32_t)udp_frame(b, (uint16_t)(10000 + i));
            int64_t us = round * 100000000LL + i * 1000LL;
            h.ts.tv_sec = (time_t)(1700000000 + us / 1000000);
            h.ts.tv_usec = (suseconds_t)(us % 1000000);
            pcap_dump((u_char *)d, &h, b);
        }
    pcap_dump_close(d);
    pcap_close(dead);

    ws_limits l;
    ws_limits_default(&l);
    l.threads = 1;
    ws_diag dg;
    ws_diag_init(&dg);
    ws_ruleset *rs = ws_ruleset_new(NULL, NULL);
    CU_ASSERT_FATAL(rs != NULL);
    CU_ASSERT_FATAL(ws_ruleset_load(rs, WS_SOURCE_DIR "/tests/data/check/testco.json", &dg) &&
                    ws_ruleset_finish(rs, &dg));
    ws_diag_free(&dg);
    char err[128];
    char *inputs[] = {(char *)path};
    ws_run *run = ws_run_new(&l, inputs, 1, NULL, err, sizeof(err));
    CU_ASSERT_FATAL(run != NULL);
    CU_ASSERT_FATAL(ws_run_set_checks(run, rs, NULL));
    CU_ASSERT_EQUAL(ws_run_audit(run), 0);
    size_t n;
    const ws_flow_rec *r = ws_run_flows(run, &n);
    CU_ASSERT_EQUAL_FATAL(n, N);
    size_t idle = 0;
    for (size_t i = 0; i < N; i++) {
        CU_ASSERT_EQUAL(r[i].f.id, i + 1);
        CU_ASSERT_EQUAL(r[i].f.sport, 10000 + i);
        CU_ASSERT_EQUAL(r[i].f.packets[WS_DIR_FWD], i % 2 ? 3u : 1u);
        idle += r[i].end == WS_END_IDLE;
    }
    CU_ASSERT_EQUAL(idle, N / 2); /* the even ones ended during the run */
    ws_run_free(run);
    ws_ruleset_free(rs);
    remove(path);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"empty and one record", test_empty_and_one},
        {"dense ids with gaps, out of order", test_dense_with_gaps},
        {"reversed", test_reversed},
        {"already sorted", test_already_sorted},
        {"run order then flush order, ids from past 1", test_run_then_flush},
        {"sparse ids", test_sparse},
        {"either side of the density limit", test_density_edges},
        {"a repeated id loses no record", test_repeated_id},
        {"a stream run: records in id order after flows end out of order",
         test_stream_run},
        {"a stream run cleared: the records after it in id order", test_stream_cleared},
        {"an offline audit on threads: records in id order", test_offline_threaded},
        {NULL, NULL},
    };
    ws_test_suite("audit_records", cases);
    return ws_test_run();
}

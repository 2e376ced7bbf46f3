/* test_live.c - the monitor of a live run fed with the frames of a capture
 * (no interface, no root): the lines it streams and its final report say
 * what wirespec audit says of the same capture. specification: doc/live.md
 * ("Output lines"), JSON Lines (https://jsonlines.org/). */
#include <json-c/json.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live/live.h"
#include "ws_test.h"

#define PACK WS_SOURCE_DIR "/rules/avaya-equinox.json"
#define SITE WS_SOURCE_DIR "/captures/lab/tcp-refused.site.json"
#define CAPTURE WS_SOURCE_DIR "/captures/lab/tcp-refused.pcap"

typedef struct checks {
    ws_ruleset *rs;
    ws_site *site;
} checks;

static bool load(checks *c)
{
    ws_diag d;
    ws_diag_init(&d);
    c->rs = ws_ruleset_new(NULL, NULL);
    bool ok = c->rs && ws_ruleset_load(c->rs, PACK, &d) && ws_ruleset_finish(c->rs, &d);
    c->site = ok ? ws_site_load(SITE, c->rs, &d) : NULL;
    ok = ok && c->site && ws_ruleset_finish(c->rs, &d);
    ws_diag_free(&d);
    return ok;
}

static void unload(checks *c)
{
    ws_site_free(c->site);
    ws_ruleset_free(c->rs);
}

/* Every frame of the capture into the monitor, a tick after each. */
static int64_t feed(ws_monitor *m, const char *path)
{
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, eb);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    struct pcap_pkthdr *h;
    const u_char *data;
    int64_t ts = 0;
    while (pcap_next_ex(p, &h, &data) == 1) {
        ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
        ws_monitor_frame(m, pcap_datalink(p), data, h->caplen, h->len, ts);
        ws_monitor_tick(m, ts, NULL, 0);
    }
    pcap_close(p);
    return ts;
}

/* Parses the lines of buf; returns how many (at most max). */
static size_t parse_lines(char *buf, json_object **out, size_t max)
{
    size_t n = 0;
    for (char *save = NULL, *ln = strtok_r(buf, "\n", &save); ln && n < max;
         ln = strtok_r(NULL, "\n", &save)) {
        out[n] = json_tokener_parse(ln);
        CU_ASSERT_PTR_NOT_NULL(out[n]);
        if (out[n])
            n++;
    }
    return n;
}

static const char *str(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

/* tcp-refused.pcap (captures/lab/README.md): one SYN to a documented port
 * refused by RST, one flow; audit reports it as one blocked path. */
static void test_stream_is_audit(void)
{
    checks c;
    CU_ASSERT_FATAL(load(&c));
    ws_limits l;
    ws_limits_live_default(&l);
    char err[256];
    ws_run *run = ws_run_new_stream(&l, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(run);
    CU_ASSERT_TRUE(ws_run_set_checks(run, c.rs, c.site));
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ws_monitor_opts o = {.fmt = WS_FORMAT_JSONL, .update_interval_us = 1000000,
                         .stats_interval_us = 0};
    ws_monitor *m = ws_monitor_new(run, &o, out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    int64_t end = feed(m, CAPTURE);
    CU_ASSERT_EQUAL(ws_monitor_frames(m), 2);
    ws_monitor_finish(m, end, NULL, 0);
    CU_ASSERT_EQUAL(ws_monitor_write_errors(m), 0);
    fclose(out);

    /* the same capture, audited */
    ws_limits la;
    ws_limits_default(&la);
    char *inputs[] = {(char *)CAPTURE};
    ws_run *audit = ws_run_new(&la, inputs, 1, NULL, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(audit);
    CU_ASSERT_TRUE(ws_run_set_checks(audit, c.rs, c.site));
    CU_ASSERT_EQUAL(ws_run_audit(audit), 0);
    json_object *rep = ws_report_json_object(audit), *afs;
    CU_ASSERT_FATAL(json_object_object_get_ex(rep, "findings", &afs));
    CU_ASSERT_EQUAL_FATAL(json_object_array_length(afs), 1);
    json_object *af = json_object_array_get_idx(afs, 0);
    CU_ASSERT_STRING_EQUAL(str(af, "kind"), "blocked-path");

    json_object *lines[16];
    size_t n = parse_lines(buf, lines, 16);
    /* one finding line, new, then the final report line */
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_STRING_EQUAL(str(lines[0], "type"), "finding");
    CU_ASSERT_STRING_EQUAL(str(lines[0], "event"), "new");
    CU_ASSERT_STRING_EQUAL(str(lines[1], "type"), "report");
    /* the finding line is the report's finding with type, event and time */
    json_object *f = json_object_get(lines[0]);
    json_object_object_del(f, "type");
    json_object_object_del(f, "event");
    json_object_object_del(f, "time");
    CU_ASSERT_TRUE(json_object_equal(f, af));
    json_object_put(f);
    /* and the final report holds the same findings as audit's */
    json_object *lfs, *fin;
    CU_ASSERT_FATAL(json_object_object_get_ex(lines[1], "findings", &lfs));
    CU_ASSERT_TRUE(json_object_equal(lfs, afs));
    CU_ASSERT_TRUE(json_object_object_get_ex(lines[1], "final", &fin) &&
                   json_object_get_boolean(fin));
    for (size_t i = 0; i < n; i++)
        json_object_put(lines[i]);
    json_object_put(rep);
    free(buf);
    ws_monitor_free(m);
    ws_run_free(run);
    ws_run_free(audit);
    unload(&c);
}

/* Text lines: time, event, severity, kind, count, the finding's sentence. */
static void test_text_lines(void)
{
    checks c;
    CU_ASSERT_FATAL(load(&c));
    ws_limits l;
    ws_limits_live_default(&l);
    char err[256];
    ws_run *run = ws_run_new_stream(&l, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(run);
    CU_ASSERT_TRUE(ws_run_set_checks(run, c.rs, c.site));
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ws_monitor_opts o = {.fmt = WS_FORMAT_TEXT, .update_interval_us = 1000000,
                         .stats_interval_us = 1000000};
    ws_monitor *m = ws_monitor_new(run, &o, out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    int64_t end = feed(m, CAPTURE);
    ws_iface_stats is = {.name = "test0", .received = 2, .kernel_drops = 3, .iface_drops = 4};
    ws_monitor_finish(m, end, &is, 1);
    fclose(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, " new high blocked-path (count 1): "));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "stats: 2 packets, "));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "3 kernel drops, 4 interface drops"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "Findings: 1"));
    free(buf);
    ws_monitor_free(m);
    ws_run_free(run);
    unload(&c);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"stream of a capture says what audit says", test_stream_is_audit},
        {"text lines", test_text_lines},
        {NULL, NULL},
    };
    ws_test_suite("live", cases);
    return ws_test_run();
}

/* test_corpus.c - finding cases, reading case.json and matching
 * expectations against a report object, on hand-written reports.
 * specification: doc/corpus.md */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "corpus/corpus.h"
#include "report/report.h"
#include "rules/rules.h"
#include "ws_test.h"

static char tmpdir[64];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(text, f);
    fclose(f);
}

/* Writes DIR/NAME/case.json (with an empty capture beside it) and loads it. */
static ws_case *load_case(const char *name, const char *json, char *err, size_t errlen)
{
    char dir[256], path[300];
    snprintf(dir, sizeof(dir), "%s/%s", tmpdir, name);
    mkdir(dir, 0700);
    snprintf(path, sizeof(path), "%s/x.pcap", dir);
    write_file(path, "");
    snprintf(path, sizeof(path), "%s/case.json", dir);
    write_file(path, json);
    ws_case_ref ref = {(char *)name, path, dir, NULL};
    return ws_case_load(&ref, err, errlen);
}

/* A report with two findings and one flow, written by hand. */
static const char *const REPORT =
    "{\"stats\": {\"packets\": 7, \"counters\": {\"truncated\": 0}},"
    " \"findings\": ["
    "  {\"kind\": \"blocked-path\", \"severity\": \"high\", \"rule\": \"r1\","
    "   \"src\": {\"ip\": \"fd99:5::2\", \"port\": 40014, \"roles\": [\"a\", \"b\"], \"names\": []},"
    "   \"dst\": {\"ip\": \"fd99:50::2\", \"port\": 5061, \"roles\": [\"c\"], \"label\": \"srv\", \"names\": [\"x.example\"]},"
    "   \"transport\": \"tcp\", \"evidence\": {\"outcome\": \"icmp-error\"},"
    "   \"count\": 18446744073709551615},"
    "  {\"kind\": \"unexpected-port\", \"severity\": \"low\", \"rule\": null,"
    "   \"src\": {\"ip\": \"10.1.2.3\", \"port\": 1, \"roles\": [\"any\"], \"names\": []},"
    "   \"dst\": {\"ip\": \"10.1.2.4\", \"port\": 23, \"roles\": [\"any\"], \"names\": []},"
    "   \"transport\": \"tcp\", \"evidence\": {}, \"count\": 1}"
    " ],"
    " \"flows\": [{\"id\": 1, \"transport\": \"udp\", \"src\": {\"ip\": \"10.1.2.3\", \"port\": 5, \"roles\": [], \"names\": []},"
    "   \"dst\": {\"ip\": \"10.1.2.4\", \"port\": 53, \"roles\": [], \"names\": []}, \"outcome\": \"answered\","
    "   \"first_seen\": 1700000000.25, \"rule\": null, \"app\": \"DNS\"}],"
    " \"coverage\": []}";

/* Matches a case against REPORT; returns the status and the lines in out. */
static ws_case_status match(const char *name, const char *json, char *out, size_t outlen)
{
    char err[512] = "";
    ws_case *c = load_case(name, json, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    json_object *report = json_tokener_parse(REPORT);
    CU_ASSERT_PTR_NOT_NULL_FATAL(report);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ws_case_status st = ws_case_match(c, report, f, err, sizeof(err));
    fclose(f);
    snprintf(out, outlen, "%s%s", st == WS_CASE_ERROR ? err : "", buf ? buf : "");
    free(buf);
    json_object_put(report);
    ws_case_free(c);
    return st;
}

#define CASE(findings) "{\"description\": \"d\", \"source\": \"s\", " findings "}"

static void test_addresses(void)
{
    char out[2048];
    /* Another text form of the same IPv6 address, and a prefix holding it. */
    CU_ASSERT_EQUAL(match("addr1", CASE("\"other_findings\": \"ignore\", \"findings\": ["
                                        "{\"src\": \"fd99:5:0:0:0:0:0:2\", \"dst\": \"fd99:50::/32\"}]"),
                          out, sizeof(out)), WS_CASE_PASS);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_EQUAL(match("addr2", CASE("\"other_findings\": \"ignore\", \"findings\": ["
                                        "{\"kind\": \"blocked-path\", \"src\": \"fd99:6::/32\"}]"),
                          out, sizeof(out)), WS_CASE_FAIL);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "    closest: blocked-path high [fd99:5::2]:40014 -> "
                                       "[fd99:50::2]:5061/tcp count 18446744073709551615 (rule r1): "
                                       "src is \"fd99:5::2\", not in fd99:6::/32\n"));
    /* A prefix never equals a plain string that is not an address. */
    CU_ASSERT_EQUAL(match("addr3", CASE("\"other_findings\": \"ignore\", \"findings\": ["
                                        "{\"kind\": \"10.0.0.0/8\", \"times\": 0}]"),
                          out, sizeof(out)), WS_CASE_PASS);
}

static void test_numbers_and_ranges(void)
{
    char out[2048];
    CU_ASSERT_EQUAL(match("num1", CASE("\"other_findings\": \"ignore\", \"findings\": ["
                                       "{\"count\": 18446744073709551615},"
                                       "{\"count\": {\"min\": 1, \"max\": 1}, \"dport\": 23}],"
                                       "\"flows\": [{\"first_seen\": {\"min\": 1700000000.2, \"max\": 1700000000.3}}],"
                                       "\"stats\": {\"packets\": {\"min\": 7}, \"counters.truncated\": 0}"),
                          out, sizeof(out)), WS_CASE_PASS);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_EQUAL(match("num2", CASE("\"other_findings\": \"ignore\", \"findings\": ["
                                       "{\"kind\": \"unexpected-port\", \"dport\": 23, \"count\": {\"min\": 2}}],"
                                       "\"stats\": {\"packets\": {\"max\": 6}}"),
                          out, sizeof(out)), WS_CASE_FAIL);
    /* The closest object fails fewest keys: the port-23 finding, on count. */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "    closest: unexpected-port low 10.1.2.3:1 -> 10.1.2.4:23/tcp "
                                       "count 1 (rule null): count is 1, not >= 2\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "  stats: packets is 7, not <= 6\n"));
    /* times as a range. */
    CU_ASSERT_EQUAL(match("num3", CASE("\"findings\": [{\"transport\": \"tcp\", \"times\": {\"min\": 3}}]"),
                          out, sizeof(out)), WS_CASE_FAIL);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "  findings[0] {transport: tcp}: expected at least 3, got 2\n"
                                       "    matched: blocked-path high"));
}

static void test_arrays_missing_null(void)
{
    char out[2048];
    CU_ASSERT_EQUAL(match("arr1", CASE("\"other_findings\": \"ignore\", \"findings\": ["
                                       "{\"src_role\": \"b\", \"dst_name\": \"x.example\", \"dst.label\": \"srv\","
                                       " \"evidence.outcome\": \"icmp-error\"},"
                                       "{\"rule\": null, \"dport\": 23}]"),
                          out, sizeof(out)), WS_CASE_PASS);
    CU_ASSERT_EQUAL(match("arr2", CASE("\"other_findings\": \"ignore\", \"findings\": ["
                                       "{\"dport\": 23, \"src_role\": \"c\", \"src.label\": \"srv\"}]"),
                          out, sizeof(out)), WS_CASE_FAIL);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, ": src_role is [\"any\"], which has no \"c\"; src.label is missing\n"));
}

static void test_other_findings(void)
{
    char out[2048];
    /* The low finding is below the threshold, the high one is not. */
    CU_ASSERT_EQUAL(match("oth1", CASE("\"ignore_findings_below\": \"medium\""), out, sizeof(out)),
                    WS_CASE_FAIL);
    CU_ASSERT_STRING_EQUAL(out, "  unexpected finding: blocked-path high [fd99:5::2]:40014 -> "
                                "[fd99:50::2]:5061/tcp count 18446744073709551615 (rule r1)\n");
    CU_ASSERT_EQUAL(match("oth2", CASE("\"ignore_findings_below\": \"medium\", \"findings\": "
                                       "[{\"severity\": \"high\"}]"), out, sizeof(out)), WS_CASE_PASS);
    /* A finding matched by a times-0 expectation is not listed twice. */
    CU_ASSERT_EQUAL(match("oth3", CASE("\"findings\": [{\"severity\": \"high\"}, {\"dport\": 23, \"times\": 0}]"),
                          out, sizeof(out)), WS_CASE_FAIL);
    CU_ASSERT_STRING_EQUAL(out, "  findings[1] {dport: 23}: expected 0, got 1\n"
                                "    matched: unexpected-port low 10.1.2.3:1 -> 10.1.2.4:23/tcp count 1 (rule null)\n");
}

static void test_stats_unknown(void)
{
    char out[2048];
    CU_ASSERT_EQUAL(match("st1", CASE("\"other_findings\": \"ignore\", \"stats\": {\"pakets\": 7}"),
                          out, sizeof(out)), WS_CASE_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "/st1/case.json: stats.pakets: the report has no such stats field"));
}

/* Load-time errors: each names the file and the field. */
static void test_load_errors(void)
{
    static const struct {
        const char *json, *msg;
    } cases[] = {
        {"{\"source\": \"s\"}", "\"description\" is required"},
        {CASE("\"findigns\": []"), "unknown field \"findigns\""},
        {CASE("\"findings\": [{\"src.lable\": \"x\"}]"), "findings[0]: unknown field \"src.lable\""},
        {CASE("\"flows\": [{\"severity\": \"high\"}]"), "flows[0]: unknown field \"severity\""},
        {CASE("\"findings\": [{\"dport\": [1, 2]}]"), "findings[0].dport: an array is not an expectation"},
        {CASE("\"findings\": [{\"count\": {\"least\": 1}}]"), "findings[0].count: an object value must be a range"},
        {CASE("\"findings\": [{\"kind\": \"x\", \"times\": -1}]"), "findings[0].times must be a count"},
        {CASE("\"findings\": [{\"src\": 5}]"), "findings[0].src must be an address or a prefix"},
        {CASE("\"captures\": [\"x.pcap\", \"y.pcap\"]"), "captures[1]: "},
        {CASE("\"site\": \"nope.json\""), "site: "},
        {CASE("\"ignore_findings_below\": \"severe\""), "ignore_findings_below: \"severe\" is not"},
        {CASE("\"other_findings\": \"warn\""), "other_findings: \"warn\" is not"},
        {CASE("\"limits\": {\"max_flows\": [1]}"), "limits.max_flows must be a number or a string"},
        {"[1]", "a case is a JSON object"},
        {"{\"description\": \"d\",", "line 1: not valid JSON"},
        {"{\"description\": \"d\", \"source\": \"s\"} x", "line 1: not valid JSON (text after the object)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[512] = "", name[32];
        snprintf(name, sizeof(name), "err%zu", i);
        ws_case *c = load_case(name, cases[i].json, err, sizeof(err));
        CU_ASSERT_PTR_NULL(c);
        ws_case_free(c);
        if (!strstr(err, cases[i].msg))
            fprintf(stderr, "case %zu: \"%s\" lacks \"%s\"\n", i, err, cases[i].msg);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i].msg));
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "/case.json: "));
    }
    /* A bad limit name is caught when the limits are applied. */
    char err[512] = "";
    ws_case *c = load_case("lim", CASE("\"limits\": {\"max_flowz\": 5}"), err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    ws_limits l;
    ws_limits_default(&l);
    CU_ASSERT_FALSE(ws_case_limits(c, &l, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "limits.max_flowz: "));
    ws_case_free(c);
    c = load_case("lim2", CASE("\"limits\": {\"max_flows\": 5, \"max_flow_bytes\": \"1M\"}"), err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_TRUE(ws_case_limits(c, &l, err, sizeof(err)));
    CU_ASSERT_EQUAL(l.max_flows, 5);
    ws_case_free(c);
}

static void test_defaults(void)
{
    char err[512], path[300];
    /* A folder case: every capture in name order, site.json when present. */
    snprintf(path, sizeof(path), "%s/def", tmpdir);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/def/b.pcapng", tmpdir);
    write_file(path, "");
    snprintf(path, sizeof(path), "%s/def/a.cap", tmpdir);
    write_file(path, "");
    snprintf(path, sizeof(path), "%s/def/site.json", tmpdir);
    write_file(path, "{}");
    ws_case *c = load_case("def", CASE("\"rules\": [\"pexip-infinity\", \"my.json\", \"sub/p.json\"]"),
                           err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->n_captures, 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(c->captures[0], "/def/a.cap"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c->captures[1], "/def/b.pcapng"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c->captures[2], "/def/x.pcap"));
    CU_ASSERT_PTR_NOT_NULL(c->site && strstr(c->site, "/def/site.json"));
    CU_ASSERT_EQUAL(c->n_packs, 3);
    CU_ASSERT_STRING_EQUAL(c->packs[0], "pexip-infinity");
    CU_ASSERT_PTR_NOT_NULL(strstr(c->packs[1], "/def/my.json"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c->packs[2], "/def/sub/p.json"));
    ws_case_free(c);
    /* "site": null: no site even with site.json there. */
    c = load_case("def", CASE("\"site\": null"), err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_PTR_NULL(c->site);
    ws_case_free(c);
    /* skip: captures are not looked at. */
    c = load_case("def", CASE("\"skip\": \"later\", \"captures\": [\"none.pcap\"]"), err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_STRING_EQUAL(c->skip, "later");
    ws_case_free(c);
}

static void test_find(void)
{
    char p[300], err[512];
    const char *dirs[] = {"tree", "tree/b", "tree/b/leaf", "tree/b/leaf/inner", "tree/.hid", "tree/a"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", tmpdir, dirs[i]);
        mkdir(p, 0700);
    }
    const char *files[] = {"tree/b/leaf/case.json", "tree/b/leaf/inner/case.json", "tree/.hid/case.json",
                           "tree/a/z.case.json", "tree/a/y.pcap", "tree/a/y.case.json", "tree/c.case.json",
                           "tree/a/.case.json"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", tmpdir, files[i]);
        write_file(p, "{}");
    }
    ws_case_list l;
    memset(&l, 0, sizeof(l));
    snprintf(p, sizeof(p), "%s/tree", tmpdir);
    CU_ASSERT_TRUE_FATAL(ws_corpus_find(&l, p, err, sizeof(err)));
    const char *want[] = {"a/y", "a/z", "b/leaf", "c"};
    CU_ASSERT_EQUAL_FATAL(l.n, 4);
    for (size_t i = 0; i < 4; i++)
        CU_ASSERT_STRING_EQUAL(l.v[i].name, want[i]);
    CU_ASSERT_STRING_EQUAL(l.v[0].stem, "y");
    CU_ASSERT_PTR_NULL(l.v[2].stem);
    CU_ASSERT_PTR_NOT_NULL(strstr(l.v[2].dir, "/tree/b/leaf"));
    /* A capture names its sidecar case; a capture without one is an error. */
    snprintf(p, sizeof(p), "%s/tree/a/y.pcap", tmpdir);
    CU_ASSERT_TRUE(ws_corpus_find(&l, p, err, sizeof(err)));
    CU_ASSERT_EQUAL(l.n, 5);
    CU_ASSERT_PTR_NOT_NULL(strstr(l.v[4].file, "/tree/a/y.case.json"));
    snprintf(p, sizeof(p), "%s/def/a.cap", tmpdir);
    CU_ASSERT_FALSE(ws_corpus_find(&l, p, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "a capture without a case"));
    ws_case_list_free(&l);
}

/* The report object wirespec test matches is the report audit writes:
 * the same text once both are printed the same way. */
static void test_report_object(void)
{
    ws_diag d;
    ws_diag_init(&d);
    ws_ruleset *rs = ws_ruleset_new(NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    CU_ASSERT_TRUE(ws_ruleset_load(rs, WS_SOURCE_DIR "/rules/avaya-equinox.json", &d));
    CU_ASSERT_TRUE(ws_ruleset_finish(rs, &d));
    ws_site *site = ws_site_load(WS_SOURCE_DIR "/captures/lab/tcp-refused.site.json", rs, &d);
    CU_ASSERT_PTR_NOT_NULL_FATAL(site);
    CU_ASSERT_TRUE(ws_ruleset_finish(rs, &d));
    ws_limits l;
    ws_limits_default(&l);
    char *inputs[] = {(char *)WS_SOURCE_DIR "/captures/lab/tcp-refused.pcap"};
    char err[256];
    ws_run *run = ws_run_new(&l, inputs, 1, NULL, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(run);
    CU_ASSERT_TRUE(ws_run_set_checks(run, rs, site));
    CU_ASSERT_EQUAL(ws_run_audit(run), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_TRUE(ws_report_write(f, WS_FORMAT_JSON, run));
    fclose(f);
    json_object *written = json_tokener_parse(buf);
    json_object *built = ws_report_json_object(run);
    CU_ASSERT_PTR_NOT_NULL(written);
    CU_ASSERT_PTR_NOT_NULL(built);
    int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
    char *a = strdup(json_object_to_json_string_ext(written, flags));
    CU_ASSERT_STRING_EQUAL(a, json_object_to_json_string_ext(built, flags));
    /* tcp-refused.pcap: one flow, 2 frames (captures/lab/README.md). */
    json_object *v;
    CU_ASSERT_TRUE(json_object_object_get_ex(built, "flows", &v) && json_object_array_length(v) == 1);
    free(a);
    free(buf);
    json_object_put(written);
    json_object_put(built);
    ws_run_free(run);
    ws_site_free(site);
    ws_ruleset_free(rs);
    ws_diag_free(&d);
}

int main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/ws-test-corpus-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 2;
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"addresses and prefixes", test_addresses},
        {"numbers and ranges", test_numbers_and_ranges},
        {"arrays, missing fields, null", test_arrays_missing_null},
        {"other findings", test_other_findings},
        {"unknown stats field", test_stats_unknown},
        {"load errors", test_load_errors},
        {"defaults", test_defaults},
        {"finding cases", test_find},
        {"the report object is the written report", test_report_object},
        {NULL, NULL},
    };
    ws_test_suite("corpus", cases);
    int rc = ws_test_run();
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        rc = rc ? rc : 1;
    return rc;
}

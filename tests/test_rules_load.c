/* test_rules_load.c - the rule pack loader and linter (wirespec rules check):
 * every error class, with the exact message a pack author reads.
 * specification: doc/rules.md ("Pack file", "Rules", "Variables",
 * "Constraints"); JSON positions: RFC 8259 text, line and column 1-based */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules/rules.h"
#include "ws_test.h"

/* ---- scaffolding ---------------------------------------------------------- */

static char tmpdir[64];
static char *written[64];
static size_t n_written;

/* Writes text to TMPDIR/name and returns the path (kept until the end). */
static const char *pack_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
    for (size_t i = 0; i < n_written; i++)
        if (!strcmp(written[i], path))
            return written[i];
    if (n_written == sizeof(written) / sizeof(written[0]))
        return NULL;
    written[n_written] = strdup(path);
    return written[n_written++];
}

/* Replaces '@' with p1 and '^' with p2 in a wanted message. */
static void expand(char *out, size_t len, const char *tmpl, const char *p1, const char *p2)
{
    size_t k = 0;
    for (const char *t = tmpl; *t && k + 1 < len; t++) {
        const char *sub = *t == '@' ? p1 : *t == '^' ? p2 : NULL;
        if (sub) {
            int w = snprintf(out + k, len - k, "%s", sub);
            k += w > 0 ? (size_t)w : 0;
            if (k >= len)
                k = len - 1;
        } else {
            out[k++] = *t;
        }
    }
    out[k] = '\0';
}

/* The messages in d are exactly want[] (NULL-terminated), in order. */
static void want_msgs(const ws_diag *d, const char *p1, const char *p2,
                      const char *const *want)
{
    size_t n = 0;
    while (want[n])
        n++;
    bool ok = d->n == n;
    for (size_t i = 0; ok && i < n; i++) {
        char w[1024];
        expand(w, sizeof(w), want[i], p1, p2);
        ok = !strcmp(d->msg[i], w);
    }
    if (!ok) {
        fprintf(stderr, "\nwanted:\n");
        for (size_t i = 0; i < n; i++) {
            char w[1024];
            expand(w, sizeof(w), want[i], p1, p2);
            fprintf(stderr, "  %s\n", w);
        }
        fprintf(stderr, "got:\n");
        for (size_t i = 0; i < d->n; i++)
            fprintf(stderr, "  %s\n", d->msg[i]);
    }
    CU_ASSERT(ok);
}

/* A pack with roles a-node and b-node, variable "media", feature "ssh". */
#define HEAD(id)                                                                       \
    "{\"format\": 1, \"pack\": \"" id "\", \"vendor\": \"V\", \"product\": \"P\",\n"   \
    " \"document\": {\"title\": \"T\"},\n"                                             \
    " \"roles\": {\"a-node\": {\"description\": \"A\"},"                               \
    " \"b-node\": {\"description\": \"B\"}},\n"                                        \
    " \"variables\": {\"media\": {\"ports\": [\"40000-49999\"], \"description\": \"m\"}},\n" \
    " \"features\": {\"ssh\": {\"description\": \"s\"}},\n"
#define PACK(id, rules) HEAD(id) " \"rules\": [" rules "]}\n"
#define PACKC(id, rules, cons) HEAD(id) " \"rules\": [" rules "],\n \"constraints\": [" cons "]}\n"
#define RULEX(id, req, body)                                                           \
    "{\"id\": \"" id "\", \"from\": [\"a-node\"], \"to\": [\"b-node\"],"              \
    " \"requirement\": \"" req "\", \"description\": \"d\","                          \
    " \"source\": {\"section\": \"s\"}, " body "}\n"
#define RULE(id, body) RULEX(id, "mandatory", body)

/* Loads one pack text into a fresh ruleset; finish too when it loaded. */
static bool load_one(const char *name, const char *text, ws_diag *d, const char **path)
{
    *path = pack_file(name, text);
    ws_ruleset *rs = ws_ruleset_new(NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    ws_diag_init(d);
    bool ok = ws_ruleset_load(rs, *path, d);
    if (ok)
        ok = ws_ruleset_finish(rs, d);
    ws_ruleset_free(rs);
    return ok;
}

/* One pack that must be rejected with exactly the messages in want. */
static void rejects(const char *text, const char *const *want)
{
    ws_diag d;
    const char *path;
    CU_ASSERT_FALSE(load_one("p.json", text, &d, &path));
    CU_ASSERT(d.errors > 0);
    want_msgs(&d, path, NULL, want);
    ws_diag_free(&d);
}

/* ---- a valid pack ------------------------------------------------------- */

static void test_valid_pack(void)
{
    /* Every kind of item doc/rules.md allows, in one pack. */
    static const char text[] =
        HEAD("good")
        " \"description\": \"a pack using every field\", \"comment\": \"ignored\",\n"
        " \"rules\": ["
        RULE("good-tcp", "\"transport\": \"tcp\", \"dport\": [443, \"8443\", \"40000-40010\"],"
                         " \"sport\": [\"any\"], \"app\": [\"TLS\"],"
                         " \"names\": [\"api.example.com\", \"*.example.net\","
                         " \"media-*.example.org\"], \"comment\": \"ok\"")
        "," RULE("good-udp", "\"transport\": \"udp\", \"dport\": [\"$media\"],"
                             " \"reverse\": true, \"expect_reply\": true")
        "," RULEX("good-ssh", "conditional", "\"transport\": \"tcp\", \"dport\": [22],"
                                            " \"feature\": \"ssh\"")
        "," RULEX("good-esp", "recommended", "\"transport\": \"esp\"")
        "," RULEX("good-icmp", "optional", "\"transport\": \"icmp\"")
        "," RULE("good-gre", "\"transport\": \"ip-47\"")
        "," RULE("good-both", "\"transport\": \"tcp+udp\", \"dport\": [5060]")
        "],\n \"constraints\": ["
        "{\"id\": \"good-no-nat\", \"kind\": \"no-nat\", \"roles\": [\"a-node\", \"b-node\"],"
        " \"description\": \"d\", \"source\": {\"section\": \"s\"}},"
        "{\"id\": \"good-mesh\", \"kind\": \"full-mesh\", \"roles\": [\"a-node\"],"
        " \"rules\": [\"good-udp\"], \"except\": [{\"between\": [\"a-node\", \"a-node\"],"
        " \"different\": \"location\"}], \"description\": \"d\","
        " \"source\": {\"section\": \"s\"}}]}\n";
    ws_diag d;
    const char *path;
    CU_ASSERT_TRUE(load_one("good.json", text, &d, &path));
    CU_ASSERT_EQUAL(d.errors, 0);
    CU_ASSERT_EQUAL(d.warnings, 0);
    CU_ASSERT_EQUAL(d.n, 0);
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "\n%s", d.msg[i]);
    ws_diag_free(&d);
}

/* The pack doc/rules.md shows, with the edge-node role its "except" names
 * declared (the example itself leaves it out of "roles"). */
static void test_doc_example(void)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/tests/data/rules/doc-example.json", WS_SOURCE_DIR);
    ws_ruleset *rs = ws_ruleset_new(NULL, NULL);
    ws_diag d;
    ws_diag_init(&d);
    CU_ASSERT_TRUE(ws_ruleset_load(rs, path, &d));
    CU_ASSERT_TRUE(ws_ruleset_finish(rs, &d));
    CU_ASSERT_EQUAL(d.n, 0);
    const ws_pack *p = ws_ruleset_pack(rs, "pexip-infinity");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(p->n_rules, 1);
    CU_ASSERT_EQUAL(p->n_constraints, 2);
    const ws_rule *r = ws_ruleset_rule(rs, "pexip-ike");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->n_protos, 1);
    CU_ASSERT_EQUAL(r->protos[0], 17); /* udp: IANA protocol 17 */
    CU_ASSERT_TRUE(r->reverse);
    CU_ASSERT_TRUE(r->expect_reply);
    CU_ASSERT_EQUAL(r->requirement, WS_REQ_MANDATORY);
    CU_ASSERT_TRUE(ws_portset_has(&r->dport, 500));
    CU_ASSERT_FALSE(ws_portset_has(&r->dport, 501));
    CU_ASSERT_TRUE(ws_portset_has(&r->sport, 500));
    CU_ASSERT_FALSE(ws_portset_has(&r->sport, 4500));
    CU_ASSERT_STRING_EQUAL(r->source.section, "Inter-node communication");
    /* the variable keeps the pack's value until a site overrides it */
    CU_ASSERT_EQUAL(p->n_vars, 1);
    CU_ASSERT_TRUE(ws_portset_has(&p->vars[0].ports, 40000));
    CU_ASSERT_TRUE(ws_portset_has(&p->vars[0].ports, 49999));
    CU_ASSERT_FALSE(ws_portset_has(&p->vars[0].ports, 50000));
    /* a role shared by packs is one role: dns-server has an id */
    CU_ASSERT(ws_ruleset_role_id(rs, "dns-server") > 0);
    CU_ASSERT_EQUAL(ws_ruleset_role_id(rs, "any"), WS_ROLE_ANY);
    ws_diag_free(&d);
    ws_ruleset_free(rs);
}

/* The packs wirespec ships pass its own linter without an error. */
static void test_shipped_packs(void)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/rules", WS_SOURCE_DIR);
    ws_ruleset *rs = ws_ruleset_new(NULL, NULL);
    ws_diag d;
    ws_diag_init(&d);
    CU_ASSERT_TRUE(ws_ruleset_load_dir(rs, dir, &d));
    CU_ASSERT_TRUE(ws_ruleset_finish(rs, &d));
    CU_ASSERT_EQUAL(d.errors, 0);
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "\n%s", d.msg[i]);
    const ws_pack *const *packs;
    CU_ASSERT(ws_ruleset_packs(rs, &packs) >= 1);
    ws_diag_free(&d);
    ws_ruleset_free(rs);
}

/* ---- ports ---------------------------------------------------------------- */

static void test_port_item_parse(void)
{
    /* Port numbers are 16 bits (RFC 793 section 3.1, RFC 768): 0-65535. */
    static const struct {
        const char *s;
        bool ok;
        uint16_t lo, hi;
        const char *why;
    } t[] = {
        {"443", true, 443, 443, NULL},
        {"0", true, 0, 0, NULL},
        {"65535", true, 65535, 65535, NULL},
        {"40000-49999", true, 40000, 49999, NULL},
        {"128-128", true, 128, 128, NULL},
        {"0-65535", true, 0, 65535, NULL},
        {"65536", false, 0, 0, "port 65536 is outside 0-65535"},
        {"70000", false, 0, 0, "port 70000 is outside 0-65535"},
        {"1-70000", false, 0, 0, "port 70000 is outside 0-65535"},
        {"137-128", false, 0, 0, "range 137-128 is reversed"},
        {"99999999999", false, 0, 0, "port in \"99999999999\" is outside 0-65535"},
        {"abc", false, 0, 0, "\"abc\" is not a port, a range N-M, a $variable or any"},
        {"", false, 0, 0, "\"\" is not a port, a range N-M, a $variable or any"},
        {"-5", false, 0, 0, "\"-5\" is not a port, a range N-M, a $variable or any"},
        {"5-", false, 0, 0, "\"5-\" is not a port, a range N-M, a $variable or any"},
        {"1-2-3", false, 0, 0, "\"1-2-3\" is not a port, a range N-M, a $variable or any"},
        {" 80", false, 0, 0, "\" 80\" is not a port, a range N-M, a $variable or any"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        uint16_t lo = 1, hi = 1;
        char why[160] = "";
        bool ok = ws_port_item_parse(t[i].s, &lo, &hi, why, sizeof(why));
        CU_ASSERT_EQUAL(ok, t[i].ok);
        if (ok != t[i].ok)
            fprintf(stderr, "\n\"%s\": %d (%s)\n", t[i].s, ok, why);
        if (t[i].ok) {
            CU_ASSERT_EQUAL(lo, t[i].lo);
            CU_ASSERT_EQUAL(hi, t[i].hi);
        } else {
            CU_ASSERT_STRING_EQUAL(why, t[i].why);
        }
    }
}

static void test_transport_parse(void)
{
    /* protocol numbers: IANA "Assigned Internet Protocol Numbers" */
    static const struct {
        const char *s;
        bool ok;
        uint8_t n, p0, p1;
    } t[] = {
        {"tcp", true, 1, 6, 0},     {"udp", true, 1, 17, 0},   {"tcp+udp", true, 2, 6, 17},
        {"esp", true, 1, 50, 0},    {"icmp", true, 1, 1, 0},   {"icmpv6", true, 1, 58, 0},
        {"ip-47", true, 1, 47, 0},  {"ip-0", true, 1, 0, 0},   {"ip-255", true, 1, 255, 0},
        {"ip-256", false, 0, 0, 0}, {"ip-", false, 0, 0, 0},   {"ip-4x", false, 0, 0, 0},
        {"TCP", false, 0, 0, 0},    {"sctp", false, 0, 0, 0},  {"udp+tcp", false, 0, 0, 0},
        {"ip-00047", false, 0, 0, 0}, {"", false, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        uint8_t p[2] = {0, 0}, n = 9;
        bool ok = ws_transport_parse(t[i].s, p, &n);
        if (ok != t[i].ok)
            fprintf(stderr, "\n\"%s\": %d\n", t[i].s, ok);
        CU_ASSERT_EQUAL(ok, t[i].ok);
        if (!ok || !t[i].ok)
            continue;
        CU_ASSERT_EQUAL(n, t[i].n);
        CU_ASSERT_EQUAL(p[0], t[i].p0);
        if (n == 2)
            CU_ASSERT_EQUAL(p[1], t[i].p1);
    }
}

static void test_port_outside(void)
{
    static const char *const w1[] = {
        "error: @: rule \"r1\": dport[0]: port 70000 is outside 0-65535", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"tcp\", \"dport\": [70000]")), w1);
    static const char *const w2[] = {
        "error: @: rule \"r1\": dport[1]: port 70000 is outside 0-65535", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"tcp\", \"dport\": [80, \"70000\"]")), w2);
    static const char *const w3[] = {
        "error: @: rule \"r1\": sport[0]: port 65536 is outside 0-65535", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"udp\", \"dport\": [53],"
                                 " \"sport\": [\"1024-65536\"]")), w3);
    static const char *const w4[] = {
        "error: @: rule \"r1\": dport[0]: port -1 is outside 0-65535", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"tcp\", \"dport\": [-1]")), w4);
}

static void test_range_reversed(void)
{
    static const char *const w[] = {
        "error: @: rule \"r1\": dport[0]: range 137-128 is reversed", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"udp\", \"dport\": [\"137-128\"]")), w);
    /* in a variable's own ports */
    static const char text[] =
        "{\"format\": 1, \"pack\": \"p\", \"vendor\": \"V\", \"product\": \"P\","
        " \"document\": {\"title\": \"T\"},"
        " \"roles\": {\"a-node\": {\"description\": \"A\"}, \"b-node\": {\"description\": \"B\"}},"
        " \"variables\": {\"media\": {\"ports\": [\"137-128\"], \"description\": \"m\"}},"
        " \"rules\": [" RULE("r1", "\"transport\": \"udp\", \"dport\": [53]") "]}";
    static const char *const wv[] = {
        "error: @: variable \"media\": ports[0]: range 137-128 is reversed", NULL};
    rejects(text, wv);
}

static void test_unknown_role(void)
{
    static const char text[] = HEAD("p") " \"rules\": ["
        "{\"id\": \"r1\", \"from\": [\"a-node\", \"c-node\"], \"to\": [\"b-node\"],"
        " \"transport\": \"tcp\", \"dport\": [80], \"requirement\": \"mandatory\","
        " \"description\": \"d\", \"source\": {\"section\": \"s\"}},"
        "{\"id\": \"r2\", \"from\": [\"a-node\"], \"to\": [\"d-node\"],"
        " \"transport\": \"tcp\", \"dport\": [81], \"requirement\": \"mandatory\","
        " \"description\": \"d\", \"source\": {\"section\": \"s\"}}]}";
    static const char *const w[] = {
        "error: @: rule \"r1\": from[1]: unknown role \"c-node\" (not declared in \"roles\")",
        "error: @: rule \"r2\": to[0]: unknown role \"d-node\" (not declared in \"roles\")",
        NULL};
    rejects(text, w);
}

/* A role another loaded pack declares is still unknown to a pack that uses
 * it without declaring it ("roles": every role the rules use). */
static void test_role_of_other_pack(void)
{
    ws_ruleset *rs = ws_ruleset_new(NULL, NULL);
    ws_diag d;
    ws_diag_init(&d);
    const char *p1 = pack_file("first.json",
        "{\"format\": 1, \"pack\": \"first\", \"vendor\": \"V\", \"product\": \"P\","
        " \"document\": {\"title\": \"T\"},"
        " \"roles\": {\"a-node\": {\"description\": \"A\"}, \"b-node\": {\"description\": \"B\"},"
        " \"c-node\": {\"description\": \"C\"}},"
        " \"rules\": [" RULE("first-r", "\"transport\": \"tcp\", \"dport\": [80]") "]}");
    const char *p2 = pack_file("second.json",
        "{\"format\": 1, \"pack\": \"second\", \"vendor\": \"V\", \"product\": \"P\","
        " \"document\": {\"title\": \"T\"},"
        " \"roles\": {\"a-node\": {\"description\": \"A\"}},"
        " \"rules\": [{\"id\": \"second-r\", \"from\": [\"a-node\"], \"to\": [\"c-node\"],"
        " \"transport\": \"tcp\", \"dport\": [80], \"requirement\": \"mandatory\","
        " \"description\": \"d\", \"source\": {\"section\": \"s\"}}]}");
    CU_ASSERT_TRUE(ws_ruleset_load(rs, p1, &d));
    CU_ASSERT_FALSE(ws_ruleset_load(rs, p2, &d));
    static const char *const w[] = {
        "error: ^: rule \"second-r\": to[0]: unknown role \"c-node\" (not declared in "
        "\"roles\")", NULL};
    want_msgs(&d, p1, p2, w);
    /* nothing of the rejected file is kept */
    CU_ASSERT_PTR_NULL(ws_ruleset_pack(rs, "second"));
    CU_ASSERT_PTR_NULL(ws_ruleset_rule(rs, "second-r"));
    CU_ASSERT_PTR_NOT_NULL(ws_ruleset_pack(rs, "first"));
    ws_diag_free(&d);
    ws_ruleset_free(rs);
}

static void test_unknown_variable(void)
{
    static const char *const w[] = {
        "error: @: rule \"r1\": dport[1]: unknown variable \"$nope\" (not declared in "
        "\"variables\")", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"udp\", \"dport\": [\"$media\", \"$nope\"]")),
            w);
    /* a variable's ports cannot refer to variables */
    static const char text[] =
        "{\"format\": 1, \"pack\": \"p\", \"vendor\": \"V\", \"product\": \"P\","
        " \"document\": {\"title\": \"T\"},"
        " \"roles\": {\"a-node\": {\"description\": \"A\"}, \"b-node\": {\"description\": \"B\"}},"
        " \"variables\": {\"media\": {\"ports\": [\"$media\"], \"description\": \"m\"}},"
        " \"rules\": [" RULE("r1", "\"transport\": \"udp\", \"dport\": [53]") "]}";
    static const char *const wv[] = {
        "error: @: variable \"media\": ports[0]: a variable's ports cannot refer to "
        "variables (\"$media\")", NULL};
    rejects(text, wv);
}

static void test_unknown_feature(void)
{
    static const char *const w[] = {
        "error: @: rule \"r1\": feature: unknown feature \"telnet\" (not declared in "
        "\"features\")", NULL};
    rejects(PACK("p", RULEX("r1", "conditional",
                            "\"transport\": \"tcp\", \"dport\": [23], \"feature\": \"telnet\"")),
            w);
}

static void test_conditional_without_feature(void)
{
    static const char *const w[] = {
        "error: @: rule \"r1\": missing \"feature\" (a conditional rule names the feature "
        "that switches it on)", NULL};
    rejects(PACK("p", RULEX("r1", "conditional", "\"transport\": \"tcp\", \"dport\": [22]")), w);
}

static void test_ports_on_portless(void)
{
    static const char *const w[] = {
        "error: @: rule \"r1\": dport: transport esp has no ports", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"esp\", \"dport\": [500]")), w);
    static const char *const w2[] = {
        "error: @: rule \"r1\": sport: transport icmp has no ports", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"icmp\", \"sport\": [1]")), w2);
    static const char *const w3[] = {
        "error: @: rule \"r1\": dport: transport ip-47 has no ports", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"ip-47\", \"dport\": [\"any\"]")), w3);
}

static void test_missing_dport(void)
{
    static const char *const w[] = {
        "error: @: rule \"r1\": missing \"dport\" (transport tcp has ports)", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"tcp\"")), w);
    static const char *const w2[] = {
        "error: @: rule \"r1\": missing \"dport\" (transport tcp+udp has ports)", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"tcp+udp\", \"sport\": [5060]")), w2);
}

static void test_unknown_transport(void)
{
    static const char *const w[] = {
        "error: @: rule \"r1\": transport: unknown transport \"sctp\" (expected tcp, udp, "
        "tcp+udp, esp, icmp, icmpv6 or ip-N with N 0-255)", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"sctp\"")), w);
}

static void test_duplicate_rule_in_pack(void)
{
    static const char *const w[] = {
        "error: @: rule \"r1\": id: duplicate rule id (also in @)", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"tcp\", \"dport\": [80]")
                      "," RULE("r1", "\"transport\": \"tcp\", \"dport\": [81]")), w);
}

static void test_duplicate_rule_across_packs(void)
{
    ws_ruleset *rs = ws_ruleset_new(NULL, NULL);
    ws_diag d;
    ws_diag_init(&d);
    const char *p1 = pack_file("one.json",
                               PACK("one", RULE("shared-id", "\"transport\": \"tcp\", \"dport\": [80]")));
    const char *p2 = pack_file("two.json",
                               PACK("two", RULE("two-ok", "\"transport\": \"udp\", \"dport\": [53]")
                                           "," RULE("shared-id", "\"transport\": \"tcp\", \"dport\": [81]")));
    CU_ASSERT_TRUE(ws_ruleset_load(rs, p1, &d));
    CU_ASSERT_FALSE(ws_ruleset_load(rs, p2, &d));
    static const char *const w[] = {
        "error: ^: rule \"shared-id\": id: duplicate rule id (also in @)", NULL};
    want_msgs(&d, p1, p2, w);
    /* the rule that remains is the first pack's */
    const ws_rule *r = ws_ruleset_rule(rs, "shared-id");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL_FATAL(r->n_dport_items, 1);
    CU_ASSERT_EQUAL(r->dport_items[0].lo, 80);
    CU_ASSERT_STRING_EQUAL(r->pack->id, "one");
    CU_ASSERT_PTR_NULL(ws_ruleset_rule(rs, "two-ok"));
    ws_diag_free(&d);
    ws_ruleset_free(rs);
}

static void test_duplicate_pack(void)
{
    ws_ruleset *rs = ws_ruleset_new(NULL, NULL);
    ws_diag d;
    ws_diag_init(&d);
    const char *p1 = pack_file("dup1.json",
                               PACK("dup", RULE("dup-a", "\"transport\": \"tcp\", \"dport\": [80]")));
    const char *p2 = pack_file("dup2.json",
                               PACK("dup", RULE("dup-b", "\"transport\": \"tcp\", \"dport\": [81]")));
    CU_ASSERT_TRUE(ws_ruleset_load(rs, p1, &d));
    CU_ASSERT_FALSE(ws_ruleset_load(rs, p2, &d));
    static const char *const w[] = {
        "error: ^: pack: pack: \"dup\" is already loaded from @", NULL};
    want_msgs(&d, p1, p2, w);
    const ws_pack *const *packs;
    CU_ASSERT_EQUAL(ws_ruleset_packs(rs, &packs), 1);
    ws_diag_free(&d);
    ws_ruleset_free(rs);
}

static void test_contradictory_overlap(void)
{
    /* [400,500] and {80} u [450,600] share 450-500; the rules expect TLS and
     * HTTP there, so an unexpected-application check could not decide. */
    static const char *const w[] = {
        "error: @: rule \"r2\": overlaps rule \"r1\" on port 450-500 but expects "
        "application HTTP where it expects TLS", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"tcp\", \"dport\": [\"400-500\"],"
                                 " \"app\": [\"TLS\"]")
                      "," RULE("r2", "\"transport\": \"tcp\", \"dport\": [80, \"450-600\"],"
                                     " \"app\": [\"HTTP\"]")), w);
    /* tcp+udp overlaps udp on the same port */
    static const char *const w2[] = {
        "error: @: rule \"r2\": overlaps rule \"r1\" on port 5060 but expects "
        "application SIP where it expects RTP", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"udp\", \"dport\": [5060, 5062],"
                                 " \"app\": [\"RTP\"]")
                      "," RULE("r2", "\"transport\": \"tcp+udp\", \"dport\": [\"5059-5061\"],"
                                     " \"app\": [\"SIP\"]")), w2);
}

static void test_overlap_not_contradictory(void)
{
    static const char *const packs[] = {
        /* the ports do not meet: 400-500 and 501-600 */
        PACK("p", RULE("r1", "\"transport\": \"tcp\", \"dport\": [\"400-500\"], \"app\": [\"TLS\"]")
                  "," RULE("r2", "\"transport\": \"tcp\", \"dport\": [\"501-600\"], \"app\": [\"HTTP\"]")),
        /* the transports do not meet */
        PACK("p", RULE("r1", "\"transport\": \"tcp\", \"dport\": [443], \"app\": [\"TLS\"]")
                  "," RULE("r2", "\"transport\": \"udp\", \"dport\": [443], \"app\": [\"QUIC\"]")),
        /* the applications share one (443-444, not 443 alone: the same
         * flows would be a warning whatever the applications) */
        PACK("p", RULE("r1", "\"transport\": \"tcp\", \"dport\": [443], \"app\": [\"TLS\"]")
                  "," RULE("r2", "\"transport\": \"tcp\", \"dport\": [\"443-444\"], \"app\": [\"HTTP\", \"TLS\"]")),
        /* one of the two expects no application */
        PACK("p", RULE("r1", "\"transport\": \"tcp\", \"dport\": [443], \"app\": [\"TLS\"]")
                  "," RULE("r2", "\"transport\": \"tcp\", \"dport\": [\"any\"]")),
        /* the roles do not meet: a-node -> b-node and b-node -> a-node */
        PACK("p", RULE("r1", "\"transport\": \"tcp\", \"dport\": [443], \"app\": [\"TLS\"]")
                  ",{\"id\": \"r2\", \"from\": [\"b-node\"], \"to\": [\"a-node\"],"
                  " \"transport\": \"tcp\", \"dport\": [443], \"app\": [\"HTTP\"],"
                  " \"requirement\": \"mandatory\", \"description\": \"d\","
                  " \"source\": {\"section\": \"s\"}}"),
        /* the source ports do not meet */
        PACK("p", RULE("r1", "\"transport\": \"udp\", \"dport\": [500], \"sport\": [500], \"app\": [\"IKE\"]")
                  "," RULE("r2", "\"transport\": \"udp\", \"dport\": [500], \"sport\": [\"1024-65535\"], \"app\": [\"RTP\"]")),
    };
    for (size_t i = 0; i < sizeof(packs) / sizeof(packs[0]); i++) {
        ws_diag d;
        const char *path;
        CU_ASSERT_TRUE(load_one("p.json", packs[i], &d, &path));
        if (d.n)
            fprintf(stderr, "\ncase %zu: %s\n", i, d.msg[0]);
        CU_ASSERT_EQUAL(d.n, 0);
        ws_diag_free(&d);
    }
}

static void test_same_flows_warning(void)
{
    /* 443 and "443-443" are the same set; a warning, the pack still loads. */
    ws_diag d;
    const char *path;
    CU_ASSERT_TRUE(load_one("p.json",
                            PACK("p", RULE("r1", "\"transport\": \"tcp\", \"dport\": [443]")
                                      "," RULE("r2", "\"transport\": \"tcp\", \"dport\": [\"443-443\"]")),
                            &d, &path));
    CU_ASSERT_EQUAL(d.errors, 0);
    CU_ASSERT_EQUAL(d.warnings, 1);
    static const char *const w[] = {
        "warning: @: rule \"r2\": allows exactly what rule \"r1\" allows", NULL};
    want_msgs(&d, path, NULL, w);
    ws_diag_free(&d);
    /* what is allowed does not depend on "app" (doc/rules.md: roles,
     * transport, ports, names): the same flows with other applications */
    CU_ASSERT_TRUE(load_one("p.json",
                            PACK("p", RULE("r1", "\"transport\": \"udp\", \"dport\": [\"$media\"],"
                                                 " \"app\": [\"RTP\"]")
                                      "," RULE("r2", "\"transport\": \"udp\", \"dport\": [\"40000-49999\"],"
                                                     " \"app\": [\"RTP\", \"STUN\"]")),
                            &d, &path));
    static const char *const w2[] = {
        "warning: @: rule \"r2\": allows exactly what rule \"r1\" allows", NULL};
    want_msgs(&d, path, NULL, w2);
    ws_diag_free(&d);
    /* a source port list makes them differ: no warning */
    CU_ASSERT_TRUE(load_one("p.json",
                            PACK("p", RULE("r1", "\"transport\": \"tcp\", \"dport\": [443]")
                                      "," RULE("r2", "\"transport\": \"tcp\", \"dport\": [443],"
                                                     " \"sport\": [\"1024-65535\"]")),
                            &d, &path));
    CU_ASSERT_EQUAL(d.n, 0);
    ws_diag_free(&d);
}

static void test_unknown_key(void)
{
    static const char *const w[] = {
        "error: @: rule \"r1\": dports: unknown key (expected one of: id, from, to, "
        "transport, dport, sport, names, app, requirement, feature, reverse, expect_reply, "
        "description, source)",
        "error: @: rule \"r1\": missing \"dport\" (transport tcp has ports)", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"tcp\", \"dports\": [443]")), w);
    /* at the top level */
    static const char *const w2[] = {
        "error: @: pack: rule: unknown key (expected one of: format, pack, vendor, product, "
        "document, description, roles, variables, features, rules, constraints)", NULL};
    rejects(HEAD("p") " \"rule\": [], \"rules\": ["
            RULE("r1", "\"transport\": \"tcp\", \"dport\": [443]") "]}", w2);
}

static void test_invalid_json(void)
{
    /* A comma missing after "x": the first character that cannot continue
     * the text is the quote opening "vendor", line 4 column 3.
     *   python3 -c 'import json; json.loads("{\n  \"format\": 1,\n  \"pack\": \"x\"\n  \"vendor\": 1}")'
     *   -> Expecting ',' delimiter: line 4 column 3 (char 33)
     * The reason is json-c's text for json_tokener_error_parse_object_value_sep. */
    static const char *const w[] = {
        "error: @:4:3: invalid JSON: object value separator ',' expected", NULL};
    rejects("{\n  \"format\": 1,\n  \"pack\": \"x\"\n  \"vendor\": 1}\n", w);
    /* cut short: the end of the text is line 2 column 15 (14 characters on
     * line 2, then the end) */
    static const char *const w2[] = {
        "error: @:2:15: invalid JSON: unexpected end of file", NULL};
    rejects("{\n  \"format\": 1,", w2);
    /* text after the top object */
    static const char *const w3[] = {
        "error: @: invalid JSON: text after the end of the top object", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"tcp\", \"dport\": [80]")) "{}", w3);
    /* a JSON value that is not an object */
    static const char *const w4[] = {
        "error: @: pack: expected a JSON object, got an array", NULL};
    rejects("[1, 2]", w4);
}

static void test_invalid_name_pattern(void)
{
    static const char *const w[] = {
        "error: @: rule \"r1\": names[1]: \"a..example.com\": \"a..example.com\" has an "
        "empty label", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"tcp\", \"dport\": [443],"
                                 " \"names\": [\"api.example.com\", \"a..example.com\"]")), w);
    static const char *const w2[] = {
        "error: @: rule \"r1\": names[0]: \"*.com.*\": \"*.com.*\": a '*' in the last label "
        "would match any top-level domain", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"tcp\", \"dport\": [443],"
                                 " \"names\": [\"*.com.*\"]")), w2);
}

static void test_any_declared(void)
{
    static const char text[] =
        "{\"format\": 1, \"pack\": \"p\", \"vendor\": \"V\", \"product\": \"P\","
        " \"document\": {\"title\": \"T\"},"
        " \"roles\": {\"a-node\": {\"description\": \"A\"}, \"b-node\": {\"description\": \"B\"},"
        " \"any\": {\"description\": \"every host\"}},"
        " \"rules\": [" RULE("r1", "\"transport\": \"tcp\", \"dport\": [80]") "]}";
    static const char *const w[] = {
        "error: @: role \"any\": \"any\" is built in and cannot be declared", NULL};
    rejects(text, w);
}

/* "any" is built in: rules may use it in from and to without declaring it. */
static void test_any_used(void)
{
    ws_diag d;
    const char *path;
    static const char text[] = HEAD("p") " \"rules\": ["
        "{\"id\": \"r1\", \"from\": [\"any\"], \"to\": [\"b-node\"], \"transport\": \"udp\","
        " \"dport\": [53], \"requirement\": \"mandatory\", \"description\": \"d\","
        " \"source\": {\"section\": \"s\"}}]}";
    CU_ASSERT_TRUE(load_one("p.json", text, &d, &path));
    CU_ASSERT_EQUAL(d.n, 0);
    ws_diag_free(&d);
}

static void test_constraint_unknown_rule(void)
{
    static const char *const w[] = {
        "error: @: constraint \"c1\": rules[1]: unknown rule \"nope\" (not in this pack)",
        NULL};
    rejects(PACKC("p", RULE("r1", "\"transport\": \"udp\", \"dport\": [500]"),
                  "{\"id\": \"c1\", \"kind\": \"full-mesh\", \"roles\": [\"a-node\", \"b-node\"],"
                  " \"rules\": [\"r1\", \"nope\"], \"description\": \"d\","
                  " \"source\": {\"section\": \"s\"}}"), w);
    /* and one naming an unknown role in an exception */
    static const char *const w2[] = {
        "error: @: constraint \"c1\": except[0]: unknown role \"edge-node\" (not declared "
        "in \"roles\")", NULL};
    rejects(PACKC("p", RULE("r1", "\"transport\": \"udp\", \"dport\": [500]"),
                  "{\"id\": \"c1\", \"kind\": \"full-mesh\", \"roles\": [\"a-node\"],"
                  " \"rules\": [\"r1\"], \"except\": [{\"between\": [\"a-node\", \"edge-node\"],"
                  " \"different\": \"location\"}], \"description\": \"d\","
                  " \"source\": {\"section\": \"s\"}}"), w2);
}

static bool known_app(const char *name, void *ctx)
{
    (void)ctx;
    return !strcmp(name, "TLS") || !strcmp(name, "HTTP");
}

static void test_unknown_application(void)
{
    const char *path = pack_file("app.json",
                                 PACK("p", RULE("r1", "\"transport\": \"tcp\", \"dport\": [443],"
                                                      " \"app\": [\"TLS\", \"TSL\"]")));
    ws_ruleset *rs = ws_ruleset_new(known_app, NULL);
    ws_diag d;
    ws_diag_init(&d);
    CU_ASSERT_FALSE(ws_ruleset_load(rs, path, &d));
    static const char *const w[] = {
        "error: @: rule \"r1\": app[1]: unknown application \"TSL\" (expected an nDPI 4.2 "
        "protocol name such as TLS, HTTP, SIP, RTP, DNS, or IPsec)", NULL};
    want_msgs(&d, path, NULL, w);
    ws_diag_free(&d);
    ws_ruleset_free(rs);
}

/* Several errors in one file: all are reported, each naming its rule. */
static void test_all_errors_reported(void)
{
    static const char *const w[] = {
        "error: @: rule \"r1\": dport[0]: port 70000 is outside 0-65535",
        "error: @: rule \"r2\": dport[0]: range 137-128 is reversed",
        "error: @: rule \"r3\": missing \"dport\" (transport udp has ports)", NULL};
    rejects(PACK("p", RULE("r1", "\"transport\": \"tcp\", \"dport\": [70000]")
                      "," RULE("r2", "\"transport\": \"udp\", \"dport\": [\"137-128\"]")
                      "," RULE("r3", "\"transport\": \"udp\"")), w);
}

static void test_missing_file(void)
{
    char path[300];
    snprintf(path, sizeof(path), "%s/absent.json", tmpdir);
    ws_ruleset *rs = ws_ruleset_new(NULL, NULL);
    ws_diag d;
    ws_diag_init(&d);
    CU_ASSERT_FALSE(ws_ruleset_load(rs, path, &d));
    static const char *const w[] = {"error: @: cannot open: No such file or directory", NULL};
    want_msgs(&d, path, NULL, w);
    ws_diag_free(&d);
    /* --rules ID that names no pack in the directory */
    ws_diag_init(&d);
    CU_ASSERT_FALSE(ws_ruleset_load_arg(rs, "no-such-pack", tmpdir, &d));
    static const char *const w2[] = {
        "error: --rules no-such-pack: no such pack in @ (wirespec rules list shows them) "
        "and no such file", NULL};
    want_msgs(&d, tmpdir, NULL, w2);
    ws_diag_free(&d);
    ws_ruleset_free(rs);
}

/* --rules ID loads DIR/ID.json; naming the same pack twice loads it once. */
static void test_load_arg(void)
{
    pack_file("byid.json", PACK("byid", RULE("byid-r", "\"transport\": \"tcp\", \"dport\": [80]")));
    ws_ruleset *rs = ws_ruleset_new(NULL, NULL);
    ws_diag d;
    ws_diag_init(&d);
    CU_ASSERT_TRUE(ws_ruleset_load_arg(rs, "byid", tmpdir, &d));
    char path[300];
    snprintf(path, sizeof(path), "%s/byid.json", tmpdir);
    CU_ASSERT_TRUE(ws_ruleset_load_arg(rs, path, tmpdir, &d));
    CU_ASSERT_TRUE(ws_ruleset_load_arg(rs, "byid", tmpdir, &d));
    const ws_pack *const *packs;
    CU_ASSERT_EQUAL(ws_ruleset_packs(rs, &packs), 1);
    CU_ASSERT_EQUAL(d.n, 0);
    CU_ASSERT_PTR_NOT_NULL(ws_ruleset_pack(rs, "byid"));
    ws_diag_free(&d);
    ws_ruleset_free(rs);
}

int main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/ws_rules_load_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"a valid pack loads with no message", test_valid_pack},
        {"the pack of doc/rules.md", test_doc_example},
        {"shipped packs have no error", test_shipped_packs},
        {"port item parser", test_port_item_parse},
        {"transport parser", test_transport_parse},
        {"port outside 0-65535", test_port_outside},
        {"reversed range", test_range_reversed},
        {"unknown role", test_unknown_role},
        {"role declared by another pack only", test_role_of_other_pack},
        {"unknown variable", test_unknown_variable},
        {"unknown feature", test_unknown_feature},
        {"conditional without feature", test_conditional_without_feature},
        {"ports on a transport without ports", test_ports_on_portless},
        {"missing dport", test_missing_dport},
        {"unknown transport", test_unknown_transport},
        {"duplicate rule id in a pack", test_duplicate_rule_in_pack},
        {"duplicate rule id across packs", test_duplicate_rule_across_packs},
        {"duplicate pack id", test_duplicate_pack},
        {"contradictory overlap", test_contradictory_overlap},
        {"overlaps that do not contradict", test_overlap_not_contradictory},
        {"rules allowing the same flows", test_same_flows_warning},
        {"unknown key", test_unknown_key},
        {"invalid JSON", test_invalid_json},
        {"invalid name pattern", test_invalid_name_pattern},
        {"any declared", test_any_declared},
        {"any used", test_any_used},
        {"constraint naming unknown rule or role", test_constraint_unknown_rule},
        {"unknown application", test_unknown_application},
        {"every error reported", test_all_errors_reported},
        {"missing file and pack id", test_missing_file},
        {"load by pack id", test_load_arg},
        {NULL, NULL},
    };
    ws_test_suite("rules_load", cases);
    int rc = ws_test_run();
    for (size_t i = 0; i < n_written; i++) {
        unlink(written[i]);
        free(written[i]);
    }
    rmdir(tmpdir);
    return rc;
}

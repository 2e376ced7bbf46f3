/* test_rules_site.c - the site inventory: which entry lists a host, the
 * roles an unlisted host plays, settings and features, and the messages
 * that reject a site file.
 * specification: doc/rules.md ("Site inventory", "Which rules a flow may
 * use"); prefixes: RFC 4632 section 3.1 (IPv4), RFC 4291 section 2.3 (IPv6);
 * IPv6 text: RFC 5952; fixtures tests/data/rules/site-pack.json, site.json */
#include <string.h>
#include <unistd.h>

#include "rules/rules.h"
#include "ws_test.h"

static char tmpdir[64];
static char *written[32];
static size_t n_written;

static const char *site_file(const char *text)
{
    static unsigned seq;
    char path[256];
    snprintf(path, sizeof(path), "%s/site%u.json", tmpdir, seq++);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
    if (n_written == sizeof(written) / sizeof(written[0]))
        return NULL;
    written[n_written] = strdup(path);
    return written[n_written++];
}

/* The fixture pack, loaded and finished. */
static ws_ruleset *pack(void)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/tests/data/rules/site-pack.json", WS_SOURCE_DIR);
    ws_ruleset *rs = ws_ruleset_new(NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    ws_diag d;
    ws_diag_init(&d);
    CU_ASSERT_TRUE_FATAL(ws_ruleset_load(rs, path, &d));
    CU_ASSERT_TRUE_FATAL(ws_ruleset_finish(rs, &d));
    CU_ASSERT_EQUAL(d.n, 0);
    ws_diag_free(&d);
    return rs;
}

/* tests/data/rules/site.json on the fixture pack, finished again. */
static ws_site *lab(ws_ruleset *rs)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/tests/data/rules/site.json", WS_SOURCE_DIR);
    ws_diag d;
    ws_diag_init(&d);
    ws_site *s = ws_site_load(path, rs, &d);
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "\n%s", d.msg[i]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(d.n, 0);
    CU_ASSERT_TRUE(ws_ruleset_finish(rs, &d));
    ws_diag_free(&d);
    return s;
}

/* The "match" of the entry listing addr with names (NULL-terminated), or "-". */
static const char *lookup(const ws_site *s, const char *addr, const char *const *names)
{
    ws_addr a;
    CU_ASSERT_FATAL(ws_addr_parse(addr, &a));
    size_t n = 0;
    while (names && names[n])
        n++;
    const ws_site_host *h = ws_site_lookup(s, &a, names, n);
    return h ? h->match : "-";
}

static void lookup_is(const ws_site *s, const char *want, const char *addr,
                      const char *const *names, int line)
{
    const char *got = lookup(s, addr, names);
    if (strcmp(got, want))
        fprintf(stderr, "\nline %d: %s: want %s, got %s\n", line, addr, want, got);
    CU_ASSERT_STRING_EQUAL(got, want);
}
#define LOOKUP(s, want, addr) lookup_is(s, want, addr, NULL, __LINE__)
/* with the names learned for the host */
#define LOOKUP_N(s, want, addr, ...)                                                   \
    lookup_is(s, want, addr, (const char *const[]){__VA_ARGS__, NULL}, __LINE__)

/* ---- lookup ------------------------------------------------------------- */

static void test_lookup_v4(void)
{
    ws_ruleset *rs = pack();
    ws_site *s = lab(rs);
    /* the address beats both prefixes that contain it */
    LOOKUP(s, "10.1.0.10", "10.1.0.10");
    /* 10.1.0.0/24 is 10.1.0.0-10.1.0.255; 10.1.0.0/16 is 10.1.0.0-10.1.255.255 */
    LOOKUP(s, "10.1.0.0/24", "10.1.0.0");
    LOOKUP(s, "10.1.0.0/24", "10.1.0.99");
    LOOKUP(s, "10.1.0.0/24", "10.1.0.255");
    LOOKUP(s, "10.1.0.0/24", "10.1.0.11");
    LOOKUP(s, "10.1.0.0/16", "10.1.1.0");
    LOOKUP(s, "10.1.0.0/16", "10.1.255.255");
    LOOKUP(s, "-", "10.2.0.0");
    LOOKUP(s, "-", "10.0.255.255");
    LOOKUP(s, "-", "192.0.2.1");
    /* an IPv6 address whose first bytes are 0a01:0063 is not in 10.1.0.0/24 */
    LOOKUP(s, "-", "a01:63::");
    LOOKUP(s, "-", "::ffff:10.1.0.10");
    ws_site_free(s);
    ws_ruleset_free(rs);
}

static void test_lookup_v6(void)
{
    ws_ruleset *rs = pack();
    ws_site *s = lab(rs);
    LOOKUP(s, "2001:db8::5", "2001:db8::5");
    LOOKUP(s, "2001:db8::5", "2001:0DB8:0:0:0:0:0:5");
    LOOKUP(s, "-", "2001:db8::6");
    /* /64: 2001:db8:1:2::-2001:db8:1:2:ffff:ffff:ffff:ffff, inside the /48 */
    LOOKUP(s, "2001:db8:1:2::/64", "2001:db8:1:2::9");
    LOOKUP(s, "2001:db8:1:2::/64", "2001:db8:1:2:ffff:ffff:ffff:ffff");
    LOOKUP(s, "2001:db8:1::/48", "2001:db8:1:3::9");
    LOOKUP(s, "2001:db8:1::/48", "2001:db8:1:1:ffff:ffff:ffff:ffff");
    LOOKUP(s, "2001:db8:1::/48", "2001:db8:1::");
    LOOKUP(s, "2001:db8:1::/48", "2001:db8:1:ffff::1");
    LOOKUP(s, "-", "2001:db8:2::");
    LOOKUP(s, "-", "2001:db8:0:ffff:ffff:ffff:ffff:ffff");
    ws_site_free(s);
    ws_ruleset_free(rs);
}

static void test_lookup_names(void)
{
    ws_ruleset *rs = pack();
    ws_site *s = lab(rs);
    CU_ASSERT_FALSE(ws_site_address_only(s));
    /* an exact name beats a pattern, even one with as many literal characters
     * ("api*.example.com" has 15, like "api.example.com") */
    LOOKUP_N(s, "api.example.com", "192.0.2.1", "api.example.com");
    LOOKUP_N(s, "api.example.com", "192.0.2.1", "API.Example.COM");
    /* more literal characters win: api*.example.com 15 > *.example.com 12 */
    LOOKUP_N(s, "api*.example.com", "192.0.2.1", "apix.example.com");
    /* media-*.example.com 18 > *.example.com 12 */
    LOOKUP_N(s, "media-*.example.com", "192.0.2.1", "media-7.example.com");
    LOOKUP_N(s, "*.example.com", "192.0.2.1", "x.example.com");
    LOOKUP_N(s, "*.example.com", "192.0.2.1", "a.media-7.example.com");
    /* any learned name may list the host; the most specific entry still wins */
    LOOKUP_N(s, "*.example.com", "192.0.2.1", "other.test", "x.example.com");
    LOOKUP_N(s, "api.example.com", "192.0.2.1", "x.example.com", "api.example.com");
    /* no name, or names no entry matches: unlisted */
    LOOKUP(s, "-", "192.0.2.1");
    LOOKUP_N(s, "-", "192.0.2.1", "example.com", "other.test");
    /* an address or a prefix beats any name */
    LOOKUP_N(s, "10.1.0.10", "10.1.0.10", "api.example.com");
    LOOKUP_N(s, "10.1.0.0/16", "10.1.5.5", "api.example.com");
    LOOKUP_N(s, "2001:db8:1::/48", "2001:db8:1:5::1", "media-7.example.com");
    ws_site_free(s);
    ws_ruleset_free(rs);
}

/* A site listing addresses only; a lookup without a site. */
static void test_address_only(void)
{
    ws_ruleset *rs = pack();
    const char *path = site_file(
        "{\"hosts\": [{\"match\": \"198.51.100.0/24\", \"roles\": [\"endpoint\"]},"
        " {\"match\": \"198.51.100.7/32\", \"roles\": [\"recorder\"]},"
        " {\"match\": \"0.0.0.0/0\", \"roles\": [\"ntp-server\"]}]}");
    ws_diag d;
    ws_diag_init(&d);
    ws_site *s = ws_site_load(path, rs, &d);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(d.n, 0);
    CU_ASSERT_TRUE(ws_site_address_only(s));
    CU_ASSERT_STRING_EQUAL(ws_site_name(s), path); /* no "name": the file */
    /* /32 is one address and beats the /24 */
    LOOKUP(s, "198.51.100.7/32", "198.51.100.7");
    LOOKUP(s, "198.51.100.0/24", "198.51.100.8");
    /* /0 holds every IPv4 address, and no IPv6 one */
    LOOKUP(s, "0.0.0.0/0", "203.0.113.1");
    LOOKUP(s, "0.0.0.0/0", "255.255.255.255");
    LOOKUP(s, "-", "2001:db8::1");
    ws_site_free(s);
    ws_diag_free(&d);
    /* without a site nothing is listed */
    ws_addr a;
    CU_ASSERT_TRUE(ws_addr_parse("198.51.100.7", &a));
    CU_ASSERT_PTR_NULL(ws_site_lookup(NULL, &a, NULL, 0));
    ws_ruleset_free(rs);
}

/* What an entry records: kind, prefix, roles (with any), label, location. */
static void test_entries(void)
{
    ws_ruleset *rs = pack();
    ws_site *s = lab(rs);
    CU_ASSERT_STRING_EQUAL(ws_site_name(s), "lab");
    const ws_site_host *h;
    CU_ASSERT_EQUAL_FATAL(ws_site_hosts(s, &h), 10);
    /* in file order */
    CU_ASSERT_STRING_EQUAL(h[0].match, "10.1.0.0/16");
    CU_ASSERT_EQUAL(h[0].kind, WS_SITE_PREFIX);
    CU_ASSERT_EQUAL(h[0].plen, 16);
    CU_ASSERT_EQUAL(h[1].kind, WS_SITE_PREFIX);
    CU_ASSERT_STRING_EQUAL(h[1].location, "oslo");
    CU_ASSERT_PTR_NULL(h[1].label);
    CU_ASSERT_EQUAL(h[2].kind, WS_SITE_ADDR);
    CU_ASSERT_STRING_EQUAL(h[2].label, "mgmt");
    CU_ASSERT_PTR_NULL(h[2].location);
    CU_ASSERT_EQUAL(h[3].kind, WS_SITE_PREFIX);
    CU_ASSERT_EQUAL(h[3].plen, 48);
    CU_ASSERT_EQUAL(h[5].kind, WS_SITE_ADDR);
    CU_ASSERT_EQUAL(h[6].kind, WS_SITE_NAME);
    CU_ASSERT_EQUAL(h[9].kind, WS_SITE_NAME);
    CU_ASSERT_EQUAL(h[9].index, 9);
    /* roles: the entry's, and any */
    int mgmt = ws_ruleset_role_id(rs, "mgmt-node"), conf = ws_ruleset_role_id(rs, "conf-node");
    int dns = ws_ruleset_role_id(rs, "dns-server");
    CU_ASSERT_FATAL(mgmt > 0 && conf > 0 && dns > 0);
    CU_ASSERT_TRUE(ws_roleset_has(&h[5].roles, WS_ROLE_ANY));
    CU_ASSERT_TRUE(ws_roleset_has(&h[5].roles, (unsigned)mgmt));
    CU_ASSERT_TRUE(ws_roleset_has(&h[5].roles, (unsigned)conf));
    CU_ASSERT_FALSE(ws_roleset_has(&h[5].roles, (unsigned)dns));
    CU_ASSERT_TRUE(ws_roleset_has(&h[0].roles, (unsigned)dns));
    CU_ASSERT_FALSE(ws_roleset_has(&h[0].roles, (unsigned)conf));
    ws_site_free(s);
    ws_ruleset_free(rs);
}

/* ---- open roles ------------------------------------------------------------ */

static void test_open_roles(void)
{
    ws_ruleset *rs = pack();
    ws_site *s = lab(rs);
    ws_roleset open;
    ws_site_open_roles(s, rs, &open);
    /* site.json gives dns-server, conf-node, mgmt-node and appliance;
     * recorder is listed_only; ntp-server and endpoint are nobody's */
    static const struct { const char *role; bool open; } t[] = {
        {"any", true},         {"ntp-server", true}, {"endpoint", true},
        {"dns-server", false}, {"conf-node", false}, {"mgmt-node", false},
        {"appliance", false},  {"recorder", false},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int id = ws_ruleset_role_id(rs, t[i].role);
        CU_ASSERT_FATAL(id >= 0);
        if (ws_roleset_has(&open, (unsigned)id) != t[i].open)
            fprintf(stderr, "\n%s: want open %d\n", t[i].role, t[i].open);
        CU_ASSERT_EQUAL(ws_roleset_has(&open, (unsigned)id), t[i].open);
    }
    ws_site_free(s);
    /* without a site no role is given: every role but the listed_only ones */
    ws_site_open_roles(NULL, rs, &open);
    static const struct { const char *role; bool open; } u[] = {
        {"any", true},        {"ntp-server", true}, {"endpoint", true},
        {"dns-server", true}, {"conf-node", true},  {"mgmt-node", true},
        {"appliance", true},  {"recorder", false},
    };
    for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
        int id = ws_ruleset_role_id(rs, u[i].role);
        CU_ASSERT_FATAL(id >= 0);
        CU_ASSERT_EQUAL(ws_roleset_has(&open, (unsigned)id), u[i].open);
    }
    ws_ruleset_free(rs);
}

/* Whether each role is open (played by unlisted hosts) under the site
 * json; every role named must exist in the fixture pack. */
typedef struct role_open {
    const char *role;
    bool open;
} role_open;

static void check_open(const char *json, const role_open *want, size_t n)
{
    ws_ruleset *rs = pack();
    ws_diag d;
    ws_diag_init(&d);
    ws_site *s = ws_site_load(site_file(json), rs, &d);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    ws_roleset open;
    ws_site_open_roles(s, rs, &open);
    CU_ASSERT_TRUE(ws_roleset_has(&open, WS_ROLE_ANY));
    for (size_t i = 0; i < n; i++) {
        int id = ws_ruleset_role_id(rs, want[i].role);
        CU_ASSERT_FATAL(id >= 0);
        if (ws_roleset_has(&open, (unsigned)id) != want[i].open)
            fprintf(stderr, "\n%s: want open %d\n", want[i].role, want[i].open);
        CU_ASSERT_EQUAL(ws_roleset_has(&open, (unsigned)id), want[i].open);
    }
    ws_site_free(s);
    ws_diag_free(&d);
    ws_ruleset_free(rs);
}

/* A listed_only role stays closed even when the site lists a host with it. */
static void test_listed_only_populated(void)
{
    static const role_open want[] = {{"recorder", false}, {"conf-node", true}};
    check_open("{\"hosts\": [{\"match\": \"198.51.100.7\", \"roles\": [\"recorder\"]}]}",
               want, 2);
}

/* absent_roles closes a role nobody lists: an unlisted host no longer
 * plays it, the other open roles stay open. */
static void test_absent_roles(void)
{
    static const role_open want[] = {
        {"endpoint", false}, {"dns-server", false}, {"ntp-server", true}};
    check_open("{\"hosts\": [{\"match\": \"10.0.0.53\", \"roles\": [\"dns-server\"]}],"
               " \"absent_roles\": [\"endpoint\"]}", want, 3);
}

/* ---- settings and features ----------------------------------------------- */

static void test_settings_features(void)
{
    ws_ruleset *rs = pack();
    const ws_rule *media = ws_ruleset_rule(rs, "st-media");
    const ws_rule *ssh = ws_ruleset_rule(rs, "st-ssh");
    CU_ASSERT_PTR_NOT_NULL_FATAL(media);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ssh);
    /* before the site: the pack's 40000-49999, ssh off */
    CU_ASSERT_TRUE(ws_portset_has(&media->dport, 49999));
    CU_ASSERT_FALSE(ssh->active);
    ws_site *s = lab(rs);
    /* site.json: media 40000-40099, ssh on */
    CU_ASSERT_TRUE(ws_portset_has(&media->dport, 40000));
    CU_ASSERT_TRUE(ws_portset_has(&media->dport, 40099));
    CU_ASSERT_FALSE(ws_portset_has(&media->dport, 40100));
    CU_ASSERT_FALSE(ws_portset_has(&media->dport, 49999));
    CU_ASSERT_TRUE(ssh->active);
    CU_ASSERT_TRUE(ws_ruleset_pack(rs, "st")->vars[0].overridden);
    ws_site_free(s);
    ws_ruleset_free(rs);

    /* "PACK.NAME" forms */
    rs = pack();
    const char *path = site_file(
        "{\"hosts\": [], \"settings\": {\"st.media\": [41000, \"41010-41020\"]},"
        " \"features\": [\"st.ssh\"]}");
    ws_diag d;
    ws_diag_init(&d);
    s = ws_site_load(path, rs, &d);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_TRUE(ws_ruleset_finish(rs, &d));
    CU_ASSERT_EQUAL(d.n, 0);
    media = ws_ruleset_rule(rs, "st-media");
    CU_ASSERT_TRUE(ws_portset_has(&media->dport, 41000));
    CU_ASSERT_FALSE(ws_portset_has(&media->dport, 41001));
    CU_ASSERT_FALSE(ws_portset_has(&media->dport, 41009));
    CU_ASSERT_TRUE(ws_portset_has(&media->dport, 41010));
    CU_ASSERT_TRUE(ws_portset_has(&media->dport, 41020));
    CU_ASSERT_FALSE(ws_portset_has(&media->dport, 41021));
    CU_ASSERT_TRUE(ws_ruleset_rule(rs, "st-ssh")->active);
    ws_site_free(s);
    ws_diag_free(&d);
    ws_ruleset_free(rs);
}

/* ---- errors ---------------------------------------------------------------- */

/* A site text that must be rejected with exactly one message, '@' standing
 * for the file's path. */
static void rejects(const char *text, const char *want)
{
    ws_ruleset *rs = pack();
    const char *path = site_file(text);
    ws_diag d;
    ws_diag_init(&d);
    ws_site *s = ws_site_load(path, rs, &d);
    CU_ASSERT_PTR_NULL(s);
    ws_site_free(s);
    char w[1024];
    size_t k = 0;
    for (const char *t = want; *t && k + 1 < sizeof(w); t++) {
        if (*t == '@') {
            int n = snprintf(w + k, sizeof(w) - k, "%s", path);
            k += n > 0 ? (size_t)n : 0;
            if (k >= sizeof(w))
                k = sizeof(w) - 1;
        } else {
            w[k++] = *t;
        }
    }
    w[k] = '\0';
    bool ok = d.n == 1 && d.errors == 1 && !strcmp(d.msg[0], w);
    if (!ok) {
        fprintf(stderr, "\nwanted: %s\ngot:\n", w);
        for (size_t i = 0; i < d.n; i++)
            fprintf(stderr, "  %s\n", d.msg[i]);
    }
    CU_ASSERT(ok);
    ws_diag_free(&d);
    ws_ruleset_free(rs);
}

#define HOST(m, roles) "{\"hosts\": [{\"match\": \"" m "\", \"roles\": [" roles "]}]}"

static void test_error_unknown_role(void)
{
    rejects(HOST("10.0.0.1", "\"dns-server\", \"nope\""),
            "error: @: hosts[0] (\"10.0.0.1\"): roles[1]: unknown role \"nope\" (no loaded "
            "pack declares it; wirespec rules show PACK lists a pack's roles)");
}

static void test_error_host_bits(void)
{
    /* 10.1.0.1/24: the last 8 bits must be zero; the prefix is 10.1.0.0/24 */
    rejects(HOST("10.1.0.1/24", "\"dns-server\""),
            "error: @: hosts[0] (\"10.1.0.1/24\"): match: \"10.1.0.1/24\" has host bits set "
            "(the prefix is 10.1.0.0/24)");
    /* 2001:db8::1/64: the low 64 bits must be zero; RFC 5952 form 2001:db8::/64 */
    rejects(HOST("2001:db8::1/64", "\"dns-server\""),
            "error: @: hosts[0] (\"2001:db8::1/64\"): match: \"2001:db8::1/64\" has host bits "
            "set (the prefix is 2001:db8::/64)");
    /* 10.1.128.0/17 is clean, 10.1.128.0/16 is not (bit 17 is the 128) */
    rejects(HOST("10.1.128.0/16", "\"dns-server\""),
            "error: @: hosts[0] (\"10.1.128.0/16\"): match: \"10.1.128.0/16\" has host bits "
            "set (the prefix is 10.1.0.0/16)");
}

static void test_error_prefix_length(void)
{
    rejects(HOST("10.0.0.0/33", "\"dns-server\""),
            "error: @: hosts[0] (\"10.0.0.0/33\"): match: prefix length 33 is outside 0-32");
    rejects(HOST("2001:db8::/129", "\"dns-server\""),
            "error: @: hosts[0] (\"2001:db8::/129\"): match: prefix length 129 is outside "
            "0-128");
    rejects(HOST("10.0.0.0/", "\"dns-server\""),
            "error: @: hosts[0] (\"10.0.0.0/\"): match: \"10.0.0.0/\" is not an "
            "address/prefix-length");
    rejects(HOST("10.0.0.0/8x", "\"dns-server\""),
            "error: @: hosts[0] (\"10.0.0.0/8x\"): match: \"10.0.0.0/8x\" is not an "
            "address/prefix-length");
}

static void test_error_duplicate(void)
{
    rejects("{\"hosts\": [{\"match\": \"10.0.0.1\", \"roles\": [\"dns-server\"]},"
            " {\"match\": \"10.0.0.1\", \"roles\": [\"ntp-server\"]}]}",
            "error: @: hosts[1] (\"10.0.0.1\"): listed again (first in hosts[0])");
    rejects("{\"hosts\": [{\"match\": \"*.example.com\", \"roles\": [\"dns-server\"]},"
            " {\"match\": \"10.0.0.0/8\", \"roles\": [\"endpoint\"]},"
            " {\"match\": \"*.example.com\", \"roles\": [\"ntp-server\"]}]}",
            "error: @: hosts[2] (\"*.example.com\"): listed again (first in hosts[0])");
    /* one address written two ways */
    rejects("{\"hosts\": [{\"match\": \"10.0.0.1\", \"roles\": [\"dns-server\"]},"
            " {\"match\": \"10.0.0.1/32\", \"roles\": [\"ntp-server\"]}]}",
            "error: @: hosts[1] (\"10.0.0.1/32\"): the same address as hosts[0] "
            "(\"10.0.0.1\")");
    rejects("{\"hosts\": [{\"match\": \"2001:db8::5\", \"roles\": [\"dns-server\"]},"
            " {\"match\": \"198.51.100.1\", \"roles\": [\"endpoint\"]},"
            " {\"match\": \"2001:DB8:0::5\", \"roles\": [\"ntp-server\"]}]}",
            "error: @: hosts[2] (\"2001:DB8:0::5\"): the same address as hosts[0] "
            "(\"2001:db8::5\")");
    /* one prefix written two ways */
    rejects("{\"hosts\": [{\"match\": \"2001:db8::/32\", \"roles\": [\"dns-server\"]},"
            " {\"match\": \"10.0.0.0/8\", \"roles\": [\"endpoint\"]},"
            " {\"match\": \"2001:0db8::/32\", \"roles\": [\"ntp-server\"]}]}",
            "error: @: hosts[2] (\"2001:0db8::/32\"): the same prefix as hosts[0] "
            "(\"2001:db8::/32\")");
    /* one name in two cases: names match case-insensitively */
    rejects("{\"hosts\": [{\"match\": \"api.example.com\", \"roles\": [\"dns-server\"]},"
            " {\"match\": \"API.Example.com\", \"roles\": [\"ntp-server\"]}]}",
            "error: @: hosts[1] (\"API.Example.com\"): listed again (first in hosts[0])");
}

static void test_error_setting(void)
{
    rejects("{\"hosts\": [], \"settings\": {\"nope\": [1000]}}",
            "error: @: settings: nope: no loaded pack declares this variable (wirespec rules "
            "show PACK lists a pack's variables)");
    rejects("{\"hosts\": [], \"settings\": {\"other.media\": [1000]}}",
            "error: @: settings: other.media: no loaded pack declares this variable (wirespec "
            "rules show PACK lists a pack's variables)");
    rejects("{\"hosts\": [], \"settings\": {\"media\": [\"40000-70000\"]}}",
            "error: @: settings: media[0]: port 70000 is outside 0-65535");
    rejects("{\"hosts\": [], \"settings\": {\"media\": [\"$media\"]}}",
            "error: @: settings: media[0]: a variable's ports cannot refer to variables "
            "(\"$media\")");
}

static void test_error_feature(void)
{
    rejects("{\"hosts\": [], \"features\": [\"ssh\", \"telnet\"]}",
            "error: @: features[1]: unknown feature \"telnet\" (no loaded pack declares it; "
            "wirespec rules show PACK lists a pack's features)");
    rejects("{\"hosts\": [], \"features\": [\"other.ssh\"]}",
            "error: @: features[0]: unknown feature \"other.ssh\" (no loaded pack declares "
            "it; wirespec rules show PACK lists a pack's features)");
}

static void test_error_any(void)
{
    rejects(HOST("10.0.0.1", "\"any\""),
            "error: @: hosts[0] (\"10.0.0.1\"): roles[0]: \"any\" is what unlisted hosts "
            "are; list a host with the roles it plays");
}

static void test_error_unknown_key(void)
{
    rejects("{\"name\": \"x\", \"hosts\": [], \"setting\": {\"media\": [1]}}",
            "error: @: setting: unknown key (expected one of: name, hosts, settings, "
            "features, absent_roles)");
    rejects("{\"hosts\": [{\"match\": \"10.0.0.1\", \"roles\": [\"dns-server\"],"
            " \"lable\": \"x\"}]}",
            "error: @: hosts[0]: lable: unknown key (expected one of: match, roles, label, "
            "location)");
}

static void test_error_absent(void)
{
    rejects("{\"hosts\": [], \"absent_roles\": [\"nope\"]}",
            "error: @: absent_roles[0]: unknown role \"nope\" (no loaded pack declares it; "
            "wirespec rules show PACK lists a pack's roles)");
    rejects("{\"hosts\": [{\"match\": \"10.0.0.53\", \"roles\": [\"dns-server\"]}],"
            " \"absent_roles\": [\"endpoint\", \"dns-server\"]}",
            "error: @: absent_roles[1]: role \"dns-server\" is absent, but hosts[0] "
            "(\"10.0.0.53\") plays it");
    rejects("{\"hosts\": [], \"absent_roles\": \"endpoint\"}",
            "error: @: absent_roles: expected a list of role names");
}

static void test_error_json(void)
{
    /* a comma missing between two entries: the '{' of the second, line 3
     * column 3, is the first character that cannot continue the text
     *   python3 -c 'import json; json.loads("{\"hosts\": [\n  {}\n  {}\n]}")'
     *   -> Expecting ',' delimiter: line 3 column 3
     * The reason is json-c's text for json_tokener_error_parse_array. */
    rejects("{\"hosts\": [\n  {\"match\": \"10.0.0.1\", \"roles\": [\"dns-server\"]}\n"
            "  {\"match\": \"10.0.0.2\", \"roles\": [\"dns-server\"]}\n]}\n",
            "error: @:3:3: invalid JSON: array value separator ',' expected");
}

int main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/ws_rules_site_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"IPv4 addresses and prefixes", test_lookup_v4},
        {"IPv6 addresses and prefixes", test_lookup_v6},
        {"name patterns", test_lookup_names},
        {"addresses only; no site", test_address_only},
        {"entries", test_entries},
        {"open roles", test_open_roles},
        {"listed_only roles never open", test_listed_only_populated},
        {"absent roles", test_absent_roles},
        {"settings and features", test_settings_features},
        {"unknown role", test_error_unknown_role},
        {"host bits set", test_error_host_bits},
        {"bad prefix length", test_error_prefix_length},
        {"duplicate entry", test_error_duplicate},
        {"unknown setting", test_error_setting},
        {"unknown feature", test_error_feature},
        {"any as a role", test_error_any},
        {"unknown key", test_error_unknown_key},
        {"absent roles: unknown, contradicted, not a list", test_error_absent},
        {"invalid JSON", test_error_json},
        {NULL, NULL},
    };
    ws_test_suite("rules_site", cases);
    int rc = ws_test_run();
    for (size_t i = 0; i < n_written; i++) {
        unlink(written[i]);
        free(written[i]);
    }
    rmdir(tmpdir);
    return rc;
}

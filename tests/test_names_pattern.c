/* test_names_pattern.c - name patterns of rules and site files, and their
 * checker, on the names the vendor documents use.
 * specification: wirespec names.h (ws_name_match); the patterns come from
 * the Prysm, Librestream and Spectralink documents in shared/seeds */
#include <string.h>

#include "names/names.h"
#include "ws_test.h"

static void test_match_table(void)
{
    static const struct {
        const char *pattern, *name;
        bool match;
    } t[] = {
        /* Prysm: streaming-<env>-<index>-<availabilityzone>.cloud.prysm.com */
        {"streaming-*.cloud.prysm.com", "streaming-eu1.cloud.prysm.com", true},
        {"streaming-*.cloud.prysm.com", "streaming-prd-01-us-east-1a.cloud.prysm.com", true},
        {"streaming-*.cloud.prysm.com", "STREAMING-EU1.Cloud.Prysm.COM.", true},
        {"streaming-*.cloud.prysm.com", "streaming-.cloud.prysm.com", true},
        {"streaming-*.cloud.prysm.com", "a.b.cloud.prysm.com", false},
        {"streaming-*.cloud.prysm.com", "streaming-x.y.cloud.prysm.com", false},
        {"streaming-*.cloud.prysm.com", "directors.cloud.prysm.com", false},
        {"streaming-*.cloud.prysm.com", "streaming.cloud.prysm.com", false},
        {"streaming-*.cloud.prysm.com", "streaming-eu1.cloud.prysm.com.evil.net", false},
        /* Librestream: *.librestream.com on a proxy white list */
        {"*.librestream.com", "onsight.librestream.com", true},
        {"*.librestream.com", "teamlink10.librestream.com", true},
        {"*.librestream.com", "a.b.librestream.com", true},
        {"*.librestream.com", "onsight.librestream.com.", true},
        {"*.librestream.com.", "onsight.librestream.com", true},
        {"*.librestream.com", "librestream.com", false},
        {"*.librestream.com", "evil-librestream.com", false},
        {"*.librestream.com", "librestream.com.evil.net", false},
        {"*.librestream.com", "onsight.librestream.co", false},
        /* Spectralink: *.airwatchportals.com */
        {"*.airwatchportals.com", "cn500.airwatchportals.com", true},
        {"*.airwatchportals.com", "airwatchportals.com.cn", false},
        /* plain names */
        {"api.prysm.com", "API.PRYSM.COM", true},
        {"api.prysm.com", "api.prysm.com.", true},
        {"api.prysm.com", "api.prysm.co", false},
        {"api.prysm.com", "xapi.prysm.com", false},
        {"api.prysm.com", "a.api.prysm.com", false},
        /* '*' inside a label */
        {"teamlink*.librestream.com", "teamlink1.librestream.com", true},
        {"teamlink*.librestream.com", "tcm1.librestream.com", false},
        {"a*b.example.com", "ab.example.com", true},
        {"a*b.example.com", "axxb.example.com", true},
        {"a*b.example.com", "axxc.example.com", false},
        {"a*b.example.com", "a.b.example.com", false},
        {"*-*.example.com", "a-b-c.example.com", true},
        {"*-*.example.com", "abc.example.com", false},
        {"api.*.com", "api.prysm.com", true},
        {"api.*.com", "api.a.b.com", false},
        /* empty and broken */
        {"", "a.com", false},
        {"a.com", "", false},
        {"a..com", "a..com", false},
        {".a.com", ".a.com", false},
        {"*", "a.com", false},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        bool got = ws_name_match(t[i].pattern, t[i].name);
        if (got != t[i].match)
            fprintf(stderr, "\n\"%s\" vs \"%s\": %d\n", t[i].pattern, t[i].name, got);
        CU_ASSERT_EQUAL(got, t[i].match);
    }
    CU_ASSERT(!ws_name_match(NULL, "a.com"));
    CU_ASSERT(!ws_name_match("a.com", NULL));
}

static void test_pattern_valid(void)
{
    static const char *good[] = {
        "api.prysm.com", "*.librestream.com", "streaming-*.cloud.prysm.com",
        "api.prysm.com.", "_sip._tcp.example.com", "a*b.example.com", "localhost",
        "*.com",
    };
    static const char *bad[] = {
        "", "*", "*.*", "api..prysm.com", ".api.com", "a b.com", "api.prysm.*",
        "10.0.0.1", "10.0.0.0/24", "**.x.com", "2001:db8::1", "example.123",
        "caf\xc3\xa9.example.com", "a.com..",
    };
    char why[128];
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        why[0] = '\0';
        bool ok = ws_name_pattern_valid(good[i], why, sizeof(why));
        if (!ok)
            fprintf(stderr, "\n\"%s\": %s\n", good[i], why);
        CU_ASSERT(ok);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        CU_ASSERT(!ws_name_pattern_valid(bad[i], why, sizeof(why)));
        CU_ASSERT(why[0] != '\0'); /* says why */
    }
    CU_ASSERT(!ws_name_pattern_valid(NULL, NULL, 0));

    /* sizes: a label of 63 is fine, 64 is not; 253 characters in all */
    char p[300];
    memset(p, 'a', 63);
    strcpy(p + 63, ".com");
    CU_ASSERT(ws_name_pattern_valid(p, why, sizeof(why)));
    memset(p, 'a', 64);
    strcpy(p + 64, ".com");
    CU_ASSERT(!ws_name_pattern_valid(p, why, sizeof(why)));
    CU_ASSERT(strstr(why, "63") != NULL);
    /* "abc." repeated, "x", ".com": 253 characters, then one more */
    size_t n = 0;
    while (n + 4 <= 249) {
        memcpy(p + n, "abc.", 4);
        n += 4;
    }
    while (n < 249)
        p[n++] = 'x';
    strcpy(p + n, ".com"); /* 253 */
    CU_ASSERT_EQUAL(strlen(p), 253);
    CU_ASSERT(ws_name_pattern_valid(p, why, sizeof(why)));
    p[n] = 'y';
    strcpy(p + n + 1, ".com"); /* 254 */
    CU_ASSERT(!ws_name_pattern_valid(p, why, sizeof(why)));
    /* a short buffer for the reason is not overrun */
    char tiny[8];
    memset(tiny, 'X', sizeof(tiny));
    CU_ASSERT(!ws_name_pattern_valid("a b.com", tiny, 4));
    CU_ASSERT_EQUAL(tiny[3], '\0');
    CU_ASSERT_EQUAL(tiny[4], 'X');
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"pattern matching table", test_match_table},
        {"pattern checker", test_pattern_valid},
        {NULL, NULL},
    };
    ws_test_suite("names_pattern", cases);
    return ws_test_run();
}

/* test_names_sni.c - server names from TLS ClientHellos and HTTP/1.x Host
 * headers: real ones checked against tshark, every truncated prefix, and
 * crafted edge cases.
 * specification: RFC 8446 section 4.1.2, RFC 6066 section 3, RFC 9112
 * section 3.2 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/names/samples.h"
#include "names/names.h"
#include "ws_test.h"

typedef int (*extractor)(const uint8_t *, size_t, char[WS_NAME_MAX]);

/* Runs fn on the first len bytes of data, copied to a buffer of exactly that
 * size so that AddressSanitizer sees any read past the end. */
static int run(extractor fn, const void *data, size_t len, char out[WS_NAME_MAX])
{
    uint8_t *buf = malloc(len ? len : 1);
    CU_ASSERT_FATAL(buf != NULL);
    memcpy(buf, data, len);
    out[0] = '\0';
    int rc = fn(buf, len, out);
    free(buf);
    return rc;
}

static int run_str(extractor fn, const char *s, char out[WS_NAME_MAX])
{
    return run(fn, s, strlen(s), out);
}

/* The whole segment gives tshark's name; each prefix gives that same name or
 * none, and (the real messages being well formed) is never called broken. */
static void check_samples(const char *file, extractor fn, size_t min_named)
{
    sample_set set = samples_load(file);
    char out[WS_NAME_MAX];
    size_t named = 0;
    CU_ASSERT(set.n >= 8);
    for (size_t i = 0; i < set.n; i++) {
        const sample *s = &set.s[i];
        int rc = run(fn, s->payload, s->len, out);
        bool want = strcmp(s->name, "-") != 0;
        bool ok = want ? (rc == WS_NAMES_FOUND && strcmp(out, s->name) == 0)
                       : rc != WS_NAMES_FOUND;
        if (!ok)
            fprintf(stderr, "\n%s: rc %d name \"%s\", tshark \"%s\"\n", s->id, rc,
                    rc == WS_NAMES_FOUND ? out : "", s->name);
        CU_ASSERT(ok);
        named += want && ok;
        for (size_t len = 0; len < s->len; len++) {
            rc = run(fn, s->payload, len, out);
            ok = rc != WS_NAMES_FOUND || (want && strcmp(out, s->name) == 0);
            if (want)
                ok = ok && rc != WS_NAMES_MALFORMED;
            if (!ok)
                fprintf(stderr, "\n%s: prefix %zu: rc %d \"%s\"\n", s->id, len, rc, out);
            CU_ASSERT(ok);
        }
    }
    CU_ASSERT(named >= min_named);
    samples_free(&set);
}

static void test_tls_corpus(void) { check_samples("tls.txt", ws_tls_sni, 10); }
static void test_http_corpus(void) { check_samples("http.txt", ws_http_host, 8); }

/* ---- crafted ClientHellos ---------------------------------------------- */

typedef struct buf {
    uint8_t b[1024];
    size_t n;
} buf;

static void put8(buf *m, unsigned v) { m->b[m->n++] = (uint8_t)v; }
static void put16(buf *m, unsigned v)
{
    put8(m, v >> 8);
    put8(m, v & 0xff);
}
static void put_bytes(buf *m, const void *p, size_t n)
{
    memcpy(m->b + m->n, p, n);
    m->n += n;
}

/*
 * A TLS 1.2 record holding a ClientHello whose extensions are: a GREASE-like
 * 0x0a0a extension of 2 bytes, then server_name with one host_name entry.
 * Layout per RFC 8446 4.1.2 and RFC 6066 3; lengths filled in here.
 */
static void build_hello(buf *m, const char *host)
{
    size_t hl = strlen(host);
    size_t sni_ext = 2 + 1 + 2 + hl;             /* list len, type, len, name */
    size_t exts = (4 + 2) + (4 + sni_ext);
    size_t body = 2 + 32 + 1 + 2 + 2 + 1 + 1 + 2 + exts;
    m->n = 0;
    put8(m, 22);                                 /* handshake */
    put16(m, 0x0301);
    put16(m, (unsigned)(4 + body));
    put8(m, 1);                                  /* client_hello */
    put8(m, 0);
    put16(m, (unsigned)body);
    put16(m, 0x0303);                            /* legacy_version */
    for (int i = 0; i < 32; i++)
        put8(m, (unsigned)i);                    /* random */
    put8(m, 0);                                  /* session id */
    put16(m, 2);
    put16(m, 0x1301);                            /* one cipher suite */
    put8(m, 1);
    put8(m, 0);                                  /* null compression */
    put16(m, (unsigned)exts);
    put16(m, 0x0a0a);
    put16(m, 2);
    put16(m, 0);
    put16(m, 0);                                 /* server_name */
    put16(m, (unsigned)sni_ext);
    put16(m, (unsigned)(sni_ext - 2));
    put8(m, 0);                                  /* host_name */
    put16(m, (unsigned)hl);
    put_bytes(m, host, hl);
}

static void test_tls_crafted(void)
{
    buf m;
    char out[WS_NAME_MAX];

    build_hello(&m, "API.Prysm.com");
    CU_ASSERT_EQUAL(run(ws_tls_sni, m.b, m.n, out), WS_NAMES_FOUND);
    CU_ASSERT_STRING_EQUAL(out, "api.prysm.com");

    /* an IP literal is not a name (RFC 6066 forbids it) */
    build_hello(&m, "192.0.2.7");
    CU_ASSERT_EQUAL(run(ws_tls_sni, m.b, m.n, out), WS_NAMES_NONE);

    /* a control byte in the name */
    build_hello(&m, "bad\x01name.com");
    CU_ASSERT_EQUAL(run(ws_tls_sni, m.b, m.n, out), WS_NAMES_MALFORMED);

    /* an empty host_name */
    build_hello(&m, "");
    CU_ASSERT_EQUAL(run(ws_tls_sni, m.b, m.n, out), WS_NAMES_MALFORMED);

    /* the server_name list length disagrees with the extension length */
    build_hello(&m, "a.example.com");
    m.b[m.n - 13 - 3 - 1] ^= 0x01;  /* low byte of the list length */
    CU_ASSERT_EQUAL(run(ws_tls_sni, m.b, m.n, out), WS_NAMES_MALFORMED);

    /* an extension claiming more bytes than the whole record holds */
    build_hello(&m, "a.example.com");
    size_t grease_len = 5 + 4 + 2 + 32 + 1 + 2 + 2 + 1 + 1 + 2 + 2;
    m.b[grease_len] = 0x40;          /* 0x0a0a extension now 0x4002 bytes */
    CU_ASSERT_EQUAL(run(ws_tls_sni, m.b, m.n, out), WS_NAMES_MALFORMED);

    /* a session id longer than 32 */
    build_hello(&m, "a.example.com");
    m.b[5 + 4 + 2 + 32] = 33;
    CU_ASSERT_EQUAL(run(ws_tls_sni, m.b, m.n, out), WS_NAMES_MALFORMED);

    /* a ServerHello (type 2), an alert record, and application data */
    build_hello(&m, "a.example.com");
    m.b[5] = 2;
    CU_ASSERT_EQUAL(run(ws_tls_sni, m.b, m.n, out), WS_NAMES_NONE);
    m.b[5] = 1;
    m.b[0] = 21;
    CU_ASSERT_EQUAL(run(ws_tls_sni, m.b, m.n, out), WS_NAMES_NONE);
    m.b[0] = 23;
    CU_ASSERT_EQUAL(run(ws_tls_sni, m.b, m.n, out), WS_NAMES_NONE);
    CU_ASSERT_EQUAL(ws_tls_sni(NULL, 0, out), WS_NAMES_NONE);
}

/* ---- crafted requests -------------------------------------------------- */

static void test_http_crafted(void)
{
    char out[WS_NAME_MAX];
    struct {
        const char *req;
        int rc;
        const char *name;
    } cases[] = {
        {"GET / HTTP/1.1\r\nHost: www.Example.COM\r\n\r\n", WS_NAMES_FOUND, "www.example.com"},
        /* field name in any case, blanks around the value, a port */
        {"POST /x HTTP/1.0\r\nUser-Agent: t\r\nhOsT: \t api.prysm.com:8443 \r\n\r\n",
         WS_NAMES_FOUND, "api.prysm.com"},
        /* bare LF line ends, trailing dot */
        {"GET / HTTP/1.1\nHost: onsight.librestream.com.\n\n", WS_NAMES_FOUND,
         "onsight.librestream.com"},
        /* the Host line cut by the end of the segment: not taken */
        {"GET / HTTP/1.1\r\nHost: www.exam", WS_NAMES_NONE, NULL},
        /* the headers go on in the next segment, Host is whole */
        {"GET / HTTP/1.1\r\nHost: a.example.com\r\nAccept: te", WS_NAMES_FOUND, "a.example.com"},
        /* Host after the end of the header section is body, not a header */
        {"GET / HTTP/1.1\r\n\r\nHost: body.example.com\r\n", WS_NAMES_NONE, NULL},
        /* address literals */
        {"GET / HTTP/1.1\r\nHost: 192.0.2.1:8080\r\n\r\n", WS_NAMES_NONE, NULL},
        {"GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n", WS_NAMES_NONE, NULL},
        /* empty Host: allowed when the target has no authority */
        {"OPTIONS * HTTP/1.1\r\nHost:\r\n\r\n", WS_NAMES_NONE, NULL},
        /* two Host fields (RFC 9112 3.2: a 400 for a server) */
        {"GET / HTTP/1.1\r\nHost: a.com\r\nHost: b.com\r\n\r\n", WS_NAMES_MALFORMED, NULL},
        /* a port that is not a number */
        {"GET / HTTP/1.1\r\nHost: a.com:http\r\n\r\n", WS_NAMES_MALFORMED, NULL},
        /* a space inside the host */
        {"GET / HTTP/1.1\r\nHost: a b.com\r\n\r\n", WS_NAMES_MALFORMED, NULL},
        /* a Host value folded onto the next line */
        {"GET / HTTP/1.1\r\nHost: a.com\r\n b.com\r\n\r\n", WS_NAMES_MALFORMED, NULL},
        /* "Hostname:" is another field */
        {"GET / HTTP/1.1\r\nHostname: a.com\r\n\r\n", WS_NAMES_NONE, NULL},
        /* not requests */
        {"HTTP/1.1 200 OK\r\nHost: a.com\r\n\r\n", WS_NAMES_NONE, NULL},
        {"get / HTTP/1.1\r\nHost: a.com\r\n\r\n", WS_NAMES_NONE, NULL},
        {"GET / HTTP/2.0\r\nHost: a.com\r\n\r\n", WS_NAMES_NONE, NULL},
        {"GET /HTTP/1.1\r\nHost: a.com\r\n\r\n", WS_NAMES_NONE, NULL},
        {"SSH-2.0-OpenSSH_8.9\r\n", WS_NAMES_NONE, NULL},
        {"", WS_NAMES_NONE, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = run_str(ws_http_host, cases[i].req, out);
        if (rc != cases[i].rc)
            fprintf(stderr, "\ncase %zu: rc %d, want %d\n", i, rc, cases[i].rc);
        CU_ASSERT_EQUAL(rc, cases[i].rc);
        if (cases[i].name && rc == WS_NAMES_FOUND)
            CU_ASSERT_STRING_EQUAL(out, cases[i].name);
    }
    /* a Host value longer than any name */
    char big[600];
    int n = snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: ");
    memset(big + n, 'a', 400);
    strcpy(big + n + 400, "\r\n\r\n");
    CU_ASSERT_EQUAL(run_str(ws_http_host, big, out), WS_NAMES_MALFORMED);
    CU_ASSERT_EQUAL(ws_http_host(NULL, 0, out), WS_NAMES_NONE);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"TLS ClientHellos match tshark, every prefix safe", test_tls_corpus},
        {"HTTP requests match tshark, every prefix safe", test_http_corpus},
        {"TLS crafted ClientHellos", test_tls_crafted},
        {"HTTP crafted requests", test_http_crafted},
        {NULL, NULL},
    };
    ws_test_suite("names_sni", cases);
    return ws_test_run();
}

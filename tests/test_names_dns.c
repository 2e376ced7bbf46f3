/* test_names_dns.c - names and addresses from DNS responses: real responses
 * checked against tshark, every truncated prefix, CNAME chains, compression
 * loops and other broken messages.
 * specification: RFC 1035 sections 4.1 and 4.1.4, RFC 3596, RFC 6762 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/names/samples.h"
#include "names/names.h"
#include "ws_test.h"

/* ---- helpers ----------------------------------------------------------- */

static bool has_bind(const ws_dns_result *r, const char *name, const char *addr)
{
    char buf[WS_ADDR_STRLEN];
    for (size_t i = 0; i < r->n_binds; i++)
        if (strcmp(r->names[r->binds[i].name], name) == 0 &&
            strcmp(ws_addr_str(&r->addrs[r->binds[i].addr], buf), addr) == 0)
            return true;
    return false;
}

static bool sample_has(const sample *s, const char *name, const char *addr)
{
    for (size_t i = 0; i < s->nbinds; i++)
        if (strcmp(s->binds[i].name, name) == 0 && strcmp(s->binds[i].addr, addr) == 0)
            return true;
    return false;
}

/* Every pair in r is one tshark found in the whole message. */
static bool subset_of_sample(const ws_dns_result *r, const sample *s)
{
    char buf[WS_ADDR_STRLEN];
    for (size_t i = 0; i < r->n_binds; i++)
        if (!sample_has(s, r->names[r->binds[i].name],
                        ws_addr_str(&r->addrs[r->binds[i].addr], buf)))
            return false;
    return true;
}

/* Parses len bytes of s as its kind says, from a buffer of exactly len bytes
 * (so that AddressSanitizer sees any read past the end). */
static int parse_sample(const sample *s, size_t len, ws_dns_result *r)
{
    uint8_t *buf = malloc(len ? len : 1);
    CU_ASSERT_FATAL(buf != NULL);
    memcpy(buf, s->payload, len);
    int rc;
    if (strcmp(s->kind, "tcp") == 0)
        rc = ws_dns_parse_tcp(buf, len, r);
    else
        rc = ws_dns_parse(buf, len, strcmp(s->kind, "mdns") == 0 ? WS_DNS_MDNS : 0, r);
    free(buf);
    return rc;
}

static ws_dns_result *result_new(void)
{
    ws_dns_result *r = calloc(1, sizeof(*r));
    CU_ASSERT_FATAL(r != NULL);
    return r;
}

/* ---- real responses ---------------------------------------------------- */

/* Each response gives exactly the pairs tshark's dissection holds (chain of
 * the question name through CNAMEs to A/AAAA answers), or, for what tshark
 * itself calls malformed, no pair tshark did not see. */
static void test_corpus_against_tshark(void)
{
    sample_set set = samples_load("dns.txt");
    ws_dns_result *r = result_new();
    size_t pairs = 0, chains = 0, mdns = 0, tcp = 0;
    CU_ASSERT(set.n >= 100);
    for (size_t i = 0; i < set.n; i++) {
        const sample *s = &set.s[i];
        int rc = parse_sample(s, s->len, r);
        bool ok = rc == (s->malformed ? WS_NAMES_MALFORMED
                         : s->none    ? WS_NAMES_NONE
                                      : WS_NAMES_FOUND);
        if (!s->subset) {
            ok = ok && r->n_binds == s->nbinds;
            for (size_t b = 0; ok && b < s->nbinds; b++)
                ok = has_bind(r, s->binds[b].name, s->binds[b].addr);
        } else {
            ok = subset_of_sample(r, s);
        }
        if (!ok) {
            fprintf(stderr, "\n%s: rc %d, %zu pairs, tshark %zu\n", s->id, rc,
                    r->n_binds, s->nbinds);
        }
        CU_ASSERT(ok);
        pairs += r->n_binds;
        if (r->n_names > 1 && strcmp(s->kind, "mdns") != 0)
            chains++;
        if (strcmp(s->kind, "mdns") == 0 && r->n_binds > 0)
            mdns++;
        if (strcmp(s->kind, "tcp") == 0)
            tcp++;
    }
    /* the samples really exercise chains, mDNS and TCP */
    CU_ASSERT(pairs >= 200);
    CU_ASSERT(chains >= 5);
    CU_ASSERT(mdns >= 3);
    CU_ASSERT(tcp >= 1);
    free(r);
    samples_free(&set);
}

/* Some named expectations, read off tshark (see dns.txt). */
static void test_corpus_known_answers(void)
{
    sample_set set = samples_load("dns.txt");
    ws_dns_result *r = result_new();
    int seen = 0;
    for (size_t i = 0; i < set.n; i++) {
        const sample *s = &set.s[i];
        if (strcmp(s->id, "dns_ambiguous_names.pcap#6") == 0) {
            /* api.teams.skype.com -> 3 CNAMEs -> 52.113.194.131 */
            CU_ASSERT(parse_sample(s, s->len, r) == WS_NAMES_FOUND);
            CU_ASSERT(has_bind(r, "api.teams.skype.com", "52.113.194.131"));
            CU_ASSERT(has_bind(r, "teams-afd.trafficmanager.net", "52.113.194.131"));
            CU_ASSERT(has_bind(r, "s-0004.s-msedge.net", "52.113.194.131"));
            CU_ASSERT_EQUAL(r->n_binds, 4);
            seen++;
        } else if (strcmp(s->id, "malformed_dns.pcap#2") == 0) {
            /* second question and CNAME target too long to be names; the A
             * answer for www.xt.com is still readable */
            CU_ASSERT(parse_sample(s, s->len, r) == WS_NAMES_FOUND);
            CU_ASSERT(has_bind(r, "www.xt.com", "66.66.66.66"));
            CU_ASSERT_EQUAL(r->n_binds, 1);
            seen++;
        } else if (strcmp(s->id, "dns-invalid-chars.pcap#2") == 0) {
            /* www.allyourbasesare\001\002\003ongto.cn: not learned */
            CU_ASSERT(parse_sample(s, s->len, r) == WS_NAMES_MALFORMED);
            CU_ASSERT_EQUAL(r->n_binds, 0);
            seen++;
        } else if (strcmp(s->id, "dns_fragmented.pcap#6") == 0) {
            /* reassembled 1501-byte answer: pa.weberlab.de AAAA; the A glue in
             * the additional section names other hosts and is not taken */
            CU_ASSERT(parse_sample(s, s->len, r) == WS_NAMES_FOUND);
            CU_ASSERT(has_bind(r, "pa.weberlab.de", "2001:470:1f0b:1024::2"));
            CU_ASSERT(!has_bind(r, "pa.weberlab.de", "193.24.227.238"));
            seen++;
        } else if (strcmp(s->id, "iphone.pcap#3") == 0) {
            /* mDNS announcement, no question: Lucas-iMac.local A and AAAA */
            CU_ASSERT(parse_sample(s, s->len, r) == WS_NAMES_FOUND);
            CU_ASSERT(has_bind(r, "lucas-imac.local", "192.168.2.1"));
            CU_ASSERT(has_bind(r, "lucas-imac.local", "fe80::c42c:3ff:fe60:6a64"));
            seen++;
        }
    }
    CU_ASSERT_EQUAL(seen, 5);
    free(r);
    samples_free(&set);
}

/* Every truncated prefix of every sample: no crash, no read past the end,
 * and no pair the whole message does not hold. Prefixes are also wrapped
 * as DNS over TCP whose length announces the whole message. */
static void test_corpus_truncated_prefixes(void)
{
    sample_set set = samples_load("dns.txt");
    ws_dns_result *r = result_new();
    size_t runs = 0;
    for (size_t i = 0; i < set.n; i++) {
        const sample *s = &set.s[i];
        for (size_t len = 0; len < s->len; len++) {
            parse_sample(s, len, r);
            bool ok = s->malformed ? r->n_binds == 0 : subset_of_sample(r, s);
            if (!ok)
                fprintf(stderr, "\n%s: prefix %zu gave a false pair\n", s->id, len);
            CU_ASSERT(ok);
            runs++;
            if (strcmp(s->kind, "udp") != 0)
                continue;
            uint8_t *seg = malloc(len + 2);
            CU_ASSERT_FATAL(seg != NULL);
            seg[0] = (uint8_t)(s->len >> 8);
            seg[1] = (uint8_t)s->len;
            memcpy(seg + 2, s->payload, len);
            int rc = ws_dns_parse_tcp(seg, len + 2, r);
            CU_ASSERT(rc != WS_NAMES_FOUND || subset_of_sample(r, s));
            CU_ASSERT(rc != WS_NAMES_FOUND || len >= 12);
            free(seg);
        }
    }
    CU_ASSERT(runs > 10000);
    free(r);
    samples_free(&set);
}

/* ---- crafted messages -------------------------------------------------- */

typedef struct msg {
    uint8_t b[2048];
    size_t n;
} msg;

static void put8(msg *m, unsigned v) { m->b[m->n++] = (uint8_t)v; }
static void put16(msg *m, unsigned v)
{
    put8(m, v >> 8);
    put8(m, v & 0xff);
}
static void put32(msg *m, uint32_t v)
{
    put16(m, v >> 16);
    put16(m, v & 0xffff);
}
/* A name written out uncompressed; returns its offset. */
static size_t put_name(msg *m, const char *dotted)
{
    size_t off = m->n;
    while (*dotted) {
        size_t l = strcspn(dotted, ".");
        put8(m, (unsigned)l);
        memcpy(m->b + m->n, dotted, l);
        m->n += l;
        dotted += l;
        if (*dotted == '.')
            dotted++;
    }
    put8(m, 0);
    return off;
}
static void put_ptr(msg *m, size_t off) { put16(m, 0xC000u | (unsigned)off); }
static void put_header(msg *m, unsigned flags, unsigned qd, unsigned an, unsigned ns,
                       unsigned ar)
{
    m->n = 0;
    put16(m, 0x1234);
    put16(m, flags);
    put16(m, qd);
    put16(m, an);
    put16(m, ns);
    put16(m, ar);
}
/* type, class IN, TTL 60 */
static void put_rr_head(msg *m, unsigned type) 
{
    put16(m, type);
    put16(m, 1);
    put32(m, 60);
}
static void put_a(msg *m, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    put_rr_head(m, 1);
    put16(m, 4);
    put8(m, a);
    put8(m, b);
    put8(m, c);
    put8(m, d);
}
/* AAAA 2001:db8::<last> */
static void put_aaaa(msg *m, uint8_t last)
{
    put_rr_head(m, 28);
    put16(m, 16);
    static const uint8_t pre[4] = {0x20, 0x01, 0x0d, 0xb8};
    for (int i = 0; i < 16; i++)
        put8(m, i < 4 ? pre[i] : (i == 15 ? last : 0));
}

static int parse_exact(const msg *m, size_t len, unsigned flags, ws_dns_result *r)
{
    uint8_t *buf = malloc(len ? len : 1);
    CU_ASSERT_FATAL(buf != NULL);
    memcpy(buf, m->b, len);
    int rc = ws_dns_parse(buf, len, flags, r);
    free(buf);
    return rc;
}

/*
 * WWW.Example.COM CNAME alias.example.net; cdn.example.org A 192.0.2.10
 * (before the CNAME that names it); alias.example.net CNAME cdn.example.org;
 * evil.example.org A 203.0.113.66 (owner outside the chain); www.example.com
 * AAAA 2001:db8::1; additional www.example.com A 198.51.100.1 (glue, not an
 * answer). The chain is the three names; the two answer addresses bind to
 * each of them: 6 pairs, lowercased, and nothing for evil or the glue.
 */
static void build_chain(msg *m)
{
    put_header(m, 0x8180, 1, 5, 0, 1);
    put_name(m, "WWW.Example.COM");
    put16(m, 1);
    put16(m, 1);
    put_ptr(m, 12);
    put_rr_head(m, 5);
    put16(m, 19);                                   /* alias.example.net */
    size_t alias = put_name(m, "alias.example.net");
    size_t cdn = put_name(m, "cdn.example.org");
    put_a(m, 192, 0, 2, 10);
    put_ptr(m, alias);
    put_rr_head(m, 5);
    put16(m, 2);
    put_ptr(m, cdn);
    put_name(m, "evil.example.org");
    put_a(m, 203, 0, 113, 66);
    put_name(m, "www.example.com");
    put_aaaa(m, 1);
    put_ptr(m, 12);
    put_a(m, 198, 51, 100, 1);
}

static void test_cname_chain(void)
{
    msg m;
    build_chain(&m);
    ws_dns_result *r = result_new();
    CU_ASSERT_EQUAL(parse_exact(&m, m.n, 0, r), WS_NAMES_FOUND);
    CU_ASSERT_EQUAL(r->n_binds, 6);
    const char *names[] = {"www.example.com", "alias.example.net", "cdn.example.org"};
    for (int i = 0; i < 3; i++) {
        CU_ASSERT(has_bind(r, names[i], "192.0.2.10"));
        CU_ASSERT(has_bind(r, names[i], "2001:db8::1"));
        CU_ASSERT(!has_bind(r, names[i], "203.0.113.66"));
        CU_ASSERT(!has_bind(r, names[i], "198.51.100.1"));
    }
    CU_ASSERT(!has_bind(r, "evil.example.org", "203.0.113.66"));
    CU_ASSERT(!r->partial);

    /* every prefix: a subset of those 6 pairs, never evil or the glue */
    for (size_t len = 0; len < m.n; len++) {
        parse_exact(&m, len, 0, r);
        for (size_t b = 0; b < r->n_binds; b++) {
            const char *n = r->names[r->binds[b].name];
            CU_ASSERT(strcmp(n, "evil.example.org") != 0);
            CU_ASSERT(r->addrs[r->binds[b].addr].b[0] != 203 &&
                      r->addrs[r->binds[b].addr].b[0] != 198);
        }
    }
    free(r);
}

/* The answer count says more records than there are: take those present. */
static void test_answers_cut_short(void)
{
    msg m;
    put_header(&m, 0x8180, 1, 10, 0, 0);
    put_name(&m, "a.example.com");
    put16(&m, 1);
    put16(&m, 1);
    put_ptr(&m, 12);
    put_a(&m, 192, 0, 2, 1);
    put_ptr(&m, 12);
    put_a(&m, 192, 0, 2, 2);
    ws_dns_result *r = result_new();
    CU_ASSERT_EQUAL(parse_exact(&m, m.n, 0, r), WS_NAMES_FOUND);
    CU_ASSERT_EQUAL(r->n_binds, 2);
    CU_ASSERT(has_bind(r, "a.example.com", "192.0.2.1"));
    CU_ASSERT(has_bind(r, "a.example.com", "192.0.2.2"));
    CU_ASSERT(r->partial);
    free(r);
}

/* NXDOMAIN (rcode 3) and TC set: read for what they hold. */
static void test_rcode_and_tc(void)
{
    msg m;
    put_header(&m, 0x8383, 1, 1, 0, 0); /* QR, TC, RD, RA, rcode 3 */
    put_name(&m, "gone.example.com");
    put16(&m, 1);
    put16(&m, 1);
    put_ptr(&m, 12);
    put_a(&m, 192, 0, 2, 77);
    ws_dns_result *r = result_new();
    CU_ASSERT_EQUAL(parse_exact(&m, m.n, 0, r), WS_NAMES_FOUND);
    CU_ASSERT_EQUAL(r->rcode, 3);
    CU_ASSERT(r->truncated);
    CU_ASSERT(has_bind(r, "gone.example.com", "192.0.2.77"));
    free(r);
}

/* Queries, and messages other than standard queries, give nothing. */
static void test_query_ignored(void)
{
    msg m;
    put_header(&m, 0x0100, 1, 1, 0, 0); /* QR = 0 */
    put_name(&m, "q.example.com");
    put16(&m, 1);
    put16(&m, 1);
    put_ptr(&m, 12);
    put_a(&m, 192, 0, 2, 5);
    ws_dns_result *r = result_new();
    CU_ASSERT_EQUAL(parse_exact(&m, m.n, 0, r), WS_NAMES_NONE);
    CU_ASSERT_EQUAL(r->n_binds, 0);
    m.b[2] = 0xA8; /* QR, opcode 5 (UPDATE) */
    CU_ASSERT_EQUAL(parse_exact(&m, m.n, 0, r), WS_NAMES_NONE);
    CU_ASSERT_EQUAL(r->n_binds, 0);
    free(r);
}

/* Compression pointers to themselves, forwards, or in a cycle; over-long
 * names; unknown label types. */
static void test_compression_loops(void)
{
    ws_dns_result *r = result_new();
    msg m;

    /* question name is a pointer to itself */
    put_header(&m, 0x8180, 1, 0, 0, 0);
    put_ptr(&m, 12);
    put16(&m, 1);
    put16(&m, 1);
    CU_ASSERT_EQUAL(parse_exact(&m, m.n, 0, r), WS_NAMES_MALFORMED);

    /* question name points forwards */
    put_header(&m, 0x8180, 1, 0, 0, 0);
    put_ptr(&m, 18);
    put16(&m, 1);
    put16(&m, 1);
    put_name(&m, "x.example");
    CU_ASSERT_EQUAL(parse_exact(&m, m.n, 0, r), WS_NAMES_MALFORMED);

    /* answer owner "a" + pointer back to its own first label: a cycle */
    put_header(&m, 0x8180, 1, 1, 0, 0);
    put_name(&m, "a.example.com");
    put16(&m, 1);
    put16(&m, 1);
    size_t own = m.n;
    put8(&m, 1);
    put8(&m, 'a');
    put_ptr(&m, own);
    put_a(&m, 192, 0, 2, 9);
    CU_ASSERT_EQUAL(parse_exact(&m, m.n, 0, r), WS_NAMES_FOUND);
    CU_ASSERT_EQUAL(r->n_binds, 0);

    /* CNAME target: two names pointing at each other, then an A record the
     * loop would otherwise reach */
    put_header(&m, 0x8180, 1, 3, 0, 0);
    put_name(&m, "b.example.com");
    put16(&m, 1);
    put16(&m, 1);
    size_t x = m.n;                 /* "x" -> pointer to y (patched) */
    put8(&m, 1);
    put8(&m, 'x');
    size_t xptr = m.n;
    put16(&m, 0);
    put_rr_head(&m, 16);            /* TXT, so the x name is an owner */
    put16(&m, 1);
    put8(&m, 0);
    put_ptr(&m, 12);                /* b.example.com CNAME y */
    put_rr_head(&m, 5);
    put16(&m, 4);
    size_t y = m.n;
    put8(&m, 1);
    put8(&m, 'y');
    put_ptr(&m, x);
    m.b[xptr] = (uint8_t)(0xC0 | (y >> 8));
    m.b[xptr + 1] = (uint8_t)(y & 0xff);
    put8(&m, 1);                    /* owner "y" + pointer x: the loop */
    put8(&m, 'y');
    put_ptr(&m, x);
    put_a(&m, 192, 0, 2, 10);
    CU_ASSERT_EQUAL(parse_exact(&m, m.n, 0, r), WS_NAMES_FOUND);
    CU_ASSERT_EQUAL(r->n_binds, 0);
    CU_ASSERT_EQUAL(r->n_names, 1);

    /* 5 labels of 63 octets: 321 octets, over the 255 allowed */
    put_header(&m, 0x8180, 1, 1, 0, 0);
    for (int i = 0; i < 5; i++) {
        put8(&m, 63);
        memset(m.b + m.n, 'a' + i, 63);
        m.n += 63;
    }
    put8(&m, 0);
    put16(&m, 1);
    put16(&m, 1);
    put_ptr(&m, 12);
    put_a(&m, 192, 0, 2, 11);
    CU_ASSERT_EQUAL(parse_exact(&m, m.n, 0, r), WS_NAMES_MALFORMED);
    CU_ASSERT_EQUAL(r->n_binds, 0);

    /* 4 labels of 63: 257 octets with the root, still too long; 3 labels
     * of 63 and one of 61 is 255 exactly and allowed */
    put_header(&m, 0x8180, 1, 1, 0, 0);
    for (int i = 0; i < 4; i++) {
        put8(&m, i < 3 ? 63 : 61);
        memset(m.b + m.n, 'a' + i, i < 3 ? 63 : 61);
        m.n += i < 3 ? 63 : 61;
    }
    put8(&m, 0);
    put16(&m, 1);
    put16(&m, 1);
    put_ptr(&m, 12);
    put_a(&m, 192, 0, 2, 12);
    CU_ASSERT_EQUAL(parse_exact(&m, m.n, 0, r), WS_NAMES_FOUND);
    CU_ASSERT_EQUAL(r->n_binds, 1);
    CU_ASSERT_EQUAL(r->n_names == 1 ? strlen(r->names[0]) : 0, 253);
    m.b[12 + 3 * 64] = 63; /* last label now claims 63: the name runs on */
    CU_ASSERT_NOT_EQUAL(parse_exact(&m, m.n, 0, r), WS_NAMES_FOUND);

    /* extended label type 0x40 */
    put_header(&m, 0x8180, 1, 0, 0, 0);
    put8(&m, 0x41);
    put8(&m, 'a');
    put8(&m, 0);
    put16(&m, 1);
    put16(&m, 1);
    CU_ASSERT_EQUAL(parse_exact(&m, m.n, 0, r), WS_NAMES_MALFORMED);

    /* A record whose RDATA is 5 octets: not an address */
    put_header(&m, 0x8180, 1, 1, 0, 0);
    put_name(&m, "c.example.com");
    put16(&m, 1);
    put16(&m, 1);
    put_ptr(&m, 12);
    put_rr_head(&m, 1);
    put16(&m, 5);
    put32(&m, 0xC0000201);
    put8(&m, 0);
    CU_ASSERT_EQUAL(parse_exact(&m, m.n, 0, r), WS_NAMES_FOUND);
    CU_ASSERT_EQUAL(r->n_binds, 0);

    /* header alone, and less than a header */
    put_header(&m, 0x8180, 0, 0, 0, 0);
    CU_ASSERT_EQUAL(parse_exact(&m, 12, 0, r), WS_NAMES_FOUND);
    CU_ASSERT_EQUAL(parse_exact(&m, 11, 0, r), WS_NAMES_MALFORMED);
    CU_ASSERT_EQUAL(ws_dns_parse(NULL, 0, 0, r), WS_NAMES_MALFORMED);
    free(r);
}

/* A class other than IN is not an address; mDNS masks the cache-flush bit,
 * unicast DNS does not. */
static void test_classes(void)
{
    msg m;
    put_header(&m, 0x8400, 0, 1, 0, 0);
    put_name(&m, "Printer.local");
    put16(&m, 1);
    put16(&m, 0x8001); /* IN with cache-flush */
    put32(&m, 120);
    put16(&m, 4);
    put32(&m, 0xC0A80105);
    ws_dns_result *r = result_new();
    CU_ASSERT_EQUAL(parse_exact(&m, m.n, WS_DNS_MDNS, r), WS_NAMES_FOUND);
    CU_ASSERT(has_bind(r, "printer.local", "192.168.1.5"));
    /* the same bytes as unicast DNS: no question, nothing to bind */
    CU_ASSERT_EQUAL(parse_exact(&m, m.n, 0, r), WS_NAMES_FOUND);
    CU_ASSERT_EQUAL(r->n_binds, 0);
    /* class CH (3) */
    m.b[m.n - 10 - 1] = 3;
    m.b[m.n - 10 - 2] = 0;
    CU_ASSERT_EQUAL(parse_exact(&m, m.n, WS_DNS_MDNS, r), WS_NAMES_FOUND);
    CU_ASSERT_EQUAL(r->n_binds, 0);
    free(r);
}

/* DNS over TCP: the length prefix; two messages in a segment (the first is
 * read); a length below a header is malformed. */
static void test_tcp_framing(void)
{
    msg m;
    build_chain(&m);
    size_t n = m.n;
    uint8_t *seg = malloc(2 * (n + 2));
    CU_ASSERT_FATAL(seg != NULL);
    seg[0] = (uint8_t)(n >> 8);
    seg[1] = (uint8_t)n;
    memcpy(seg + 2, m.b, n);
    ws_dns_result *r = result_new();
    CU_ASSERT_EQUAL(ws_dns_parse_tcp(seg, n + 2, r), WS_NAMES_FOUND);
    CU_ASSERT_EQUAL(r->n_binds, 6);
    CU_ASSERT(!r->partial);

    /* a second message behind it, answering another name */
    msg m2;
    put_header(&m2, 0x8180, 1, 1, 0, 0);
    put_name(&m2, "other.example.com");
    put16(&m2, 1);
    put16(&m2, 1);
    put_ptr(&m2, 12);
    put_a(&m2, 192, 0, 2, 99);
    seg[n + 2] = (uint8_t)(m2.n >> 8);
    seg[n + 3] = (uint8_t)m2.n;
    memcpy(seg + n + 4, m2.b, m2.n);
    CU_ASSERT_EQUAL(ws_dns_parse_tcp(seg, n + 4 + m2.n, r), WS_NAMES_FOUND);
    CU_ASSERT_EQUAL(r->n_binds, 6);
    CU_ASSERT(!has_bind(r, "other.example.com", "192.0.2.99"));

    /* the first segment of a message that goes on in the next one */
    CU_ASSERT_EQUAL(ws_dns_parse_tcp(seg, n, r), WS_NAMES_FOUND);
    CU_ASSERT(r->partial);

    seg[0] = 0;
    seg[1] = 11;
    CU_ASSERT_EQUAL(ws_dns_parse_tcp(seg, 13, r), WS_NAMES_MALFORMED);
    CU_ASSERT_EQUAL(ws_dns_parse_tcp(seg, 1, r), WS_NAMES_MALFORMED);
    free(seg);
    free(r);
}

/* More pairs than one message may give: the surplus is counted, not lost
 * silently, and nothing is written past the arrays. */
static void test_result_bounds(void)
{
    msg m;
    put_header(&m, 0x8180, 1, 60, 0, 0);
    put_name(&m, "many.example.com");
    put16(&m, 1);
    put16(&m, 1);
    for (int i = 0; i < 60; i++) {
        put_ptr(&m, 12);
        put_a(&m, 10, 0, 0, (uint8_t)i);
    }
    ws_dns_result *r = result_new();
    CU_ASSERT_EQUAL(parse_exact(&m, m.n, 0, r), WS_NAMES_FOUND);
    CU_ASSERT_EQUAL(r->n_addrs, WS_DNS_MAX_ADDRS);
    CU_ASSERT_EQUAL(r->n_binds, WS_DNS_MAX_ADDRS);
    CU_ASSERT_EQUAL(r->dropped, 60 - WS_DNS_MAX_ADDRS);
    free(r);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"real responses match tshark", test_corpus_against_tshark},
        {"named answers from real captures", test_corpus_known_answers},
        {"every truncated prefix: no false pair", test_corpus_truncated_prefixes},
        {"CNAME chain, out of order, poisoning ignored", test_cname_chain},
        {"answer count larger than the message", test_answers_cut_short},
        {"rcode and TC bit", test_rcode_and_tc},
        {"queries and other opcodes ignored", test_query_ignored},
        {"compression loops and bad names", test_compression_loops},
        {"classes and mDNS cache-flush", test_classes},
        {"DNS over TCP framing", test_tcp_framing},
        {"result arrays bounded", test_result_bounds},
        {NULL, NULL},
    };
    ws_test_suite("names_dns", cases);
    return ws_test_run();
}

/* payload.c - wsgen's application payloads; specification: RFC 8446 4.1.2-4.1.3
 * and RFC 6066 3 (TLS hellos, SNI), RFC 9112 (HTTP/1.1), RFC 3261 (SIP),
 * RFC 3550 (RTP), RFC 1035 (DNS), RFC 4253 4.2 and 7.1 (SSH banner, KEXINIT),
 * RFC 5905 7.3 (NTP), RFC 5424 6 (syslog), RFC 3416 and X.690 (SNMPv2c),
 * RFC 7296 3 and 2.23 (IKEv2, NAT_DETECTION), RFC 3948 2.2 (non-ESP marker). */
#include "gen.h"

#include <stdarg.h>
#include <string.h>

typedef struct {
    uint8_t *p;
    size_t n, cap;
} wbuf;

static void put(wbuf *w, const void *d, size_t n)
{
    if (w->n + n > w->cap)
        n = w->cap - w->n;
    memcpy(w->p + w->n, d, n);
    w->n += n;
}
static void put8(wbuf *w, unsigned v) { uint8_t b = (uint8_t)v; put(w, &b, 1); }
static void put16(wbuf *w, unsigned v) { put8(w, v >> 8); put8(w, v); }
static void put32(wbuf *w, uint32_t v) { put16(w, v >> 16); put16(w, v & 0xffff); }
static void putrand(wbuf *w, gen_rng *r, size_t n)
{
    if (w->n + n > w->cap)
        n = w->cap - w->n;
    gen_rng_fill(r, w->p + w->n, n);
    w->n += n;
}
/* Writes a 16-bit big-endian length at `at` covering everything after it. */
static void fix16(wbuf *w, size_t at)
{
    size_t len = w->n - at - 2;
    w->p[at] = (uint8_t)(len >> 8);
    w->p[at + 1] = (uint8_t)len;
}
/* The same for an IKE payload or substructure, whose length field at `at`
 * follows two bytes and covers the whole of it. */
static void fix_total(wbuf *w, size_t at)
{
    size_t len = w->n - at + 2;
    w->p[at] = (uint8_t)(len >> 8);
    w->p[at + 1] = (uint8_t)len;
}
static void fix24(wbuf *w, size_t at)
{
    size_t len = w->n - at - 3;
    w->p[at] = (uint8_t)(len >> 16);
    w->p[at + 1] = (uint8_t)(len >> 8);
    w->p[at + 2] = (uint8_t)len;
}

static void putf(wbuf *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(wbuf *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf((char *)w->p + w->n, w->cap - w->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        w->n += (size_t)k < w->cap - w->n ? (size_t)k : w->cap - w->n - 1;
}

static const gen_addr *addr_of(const gen_flow *f, int dir)
{
    return dir ? &f->spec->dst : &f->spec->src;
}
static uint16_t port_of(const gen_flow *f, int dir) { return dir ? f->spec->dport : f->sport; }

/* Host part of a URI: dotted quad or [IPv6]. */
static void uri_host(const gen_addr *a, char *buf, size_t size)
{
    char t[64];
    gen_addr_str(a, t, sizeof(t));
    snprintf(buf, size, a->family == 6 ? "[%s]" : "%s", t);
}

/* ---- TLS ---- */

static void session_id(const gen_flow *f, uint8_t sid[32])
{
    gen_rng r = {f->tag ^ 0x5e551d};
    gen_rng_fill(&r, sid, 32);
}

static void client_hello(gen_flow *f, wbuf *w)
{
    static const uint16_t suites[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
                                      0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f,
                                      0x0035};
    static const uint8_t fixed_ext[] = {
        0x00, 0x17, 0x00, 0x00,                                     /* extended_master_secret */
        0xff, 0x01, 0x00, 0x01, 0x00,                               /* renegotiation_info */
        0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, /* groups */
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,                         /* ec_point_formats */
        0x00, 0x23, 0x00, 0x00,                                     /* session_ticket */
        0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 'h', '2', 0x08, 'h', 't', 't', 'p', '/',
        '1', '.', '1',                                              /* ALPN */
        0x00, 0x0d, 0x00, 0x12, 0x00, 0x10, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03,
        0x08, 0x05, 0x05, 0x01, 0x08, 0x06, 0x06, 0x01,             /* signature_algorithms */
        0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03,       /* supported_versions */
        0x00, 0x2d, 0x00, 0x02, 0x01, 0x01,                         /* psk_key_exchange_modes */
    };
    const char *sni = f->spec->sni;
    uint8_t sid[32];
    session_id(f, sid);
    put8(w, 0x16), put16(w, 0x0301);
    size_t rec = w->n;
    put16(w, 0);
    put8(w, 1);
    size_t hs = w->n;
    put8(w, 0), put16(w, 0);
    put16(w, 0x0303);
    putrand(w, &f->rng, 32);
    put8(w, 32), put(w, sid, 32);
    put16(w, sizeof(suites));
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        put16(w, suites[i]);
    put8(w, 1), put8(w, 0);
    size_t ext = w->n;
    put16(w, 0);
    if (sni[0]) {
        size_t n = strlen(sni);
        put16(w, 0), put16(w, (unsigned)n + 5), put16(w, (unsigned)n + 3);
        put8(w, 0), put16(w, (unsigned)n), put(w, sni, n);
    }
    put(w, fixed_ext, sizeof(fixed_ext));
    put16(w, 0x0033), put16(w, 38), put16(w, 36), put16(w, 0x001d), put16(w, 32);
    putrand(w, &f->rng, 32);
    fix16(w, ext);
    fix24(w, hs);
    fix16(w, rec);
}

static void server_hello(gen_flow *f, wbuf *w)
{
    uint8_t sid[32];
    session_id(f, sid);
    put8(w, 0x16), put16(w, 0x0303);
    size_t rec = w->n;
    put16(w, 0);
    put8(w, 2);
    size_t hs = w->n;
    put8(w, 0), put16(w, 0);
    put16(w, 0x0303);
    putrand(w, &f->rng, 32);
    put8(w, 32), put(w, sid, 32);
    put16(w, 0x1301), put8(w, 0);
    put16(w, 46);
    put16(w, 0x002b), put16(w, 2), put16(w, 0x0304);
    put16(w, 0x0033), put16(w, 36), put16(w, 0x001d), put16(w, 32);
    putrand(w, &f->rng, 32);
    fix24(w, hs);
    fix16(w, rec);
    static const uint8_t ccs[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
    put(w, ccs, sizeof(ccs));
}

static void app_data(gen_flow *f, wbuf *w, size_t n)
{
    put8(w, 0x17), put16(w, 0x0303), put16(w, (unsigned)n);
    putrand(w, &f->rng, n);
}

static void tls(gen_flow *f, uint32_t k, wbuf *w)
{
    size_t n = f->spec->bytes ? f->spec->bytes : 200;
    if (k == 0) {
        client_hello(f, w);
    } else if (k == 1) {
        server_hello(f, w);
        app_data(f, w, 1100); /* EncryptedExtensions, Certificate, Verify, Finished */
    } else {
        if (k == 2) {
            static const uint8_t ccs[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
            put(w, ccs, sizeof(ccs));
        }
        app_data(f, w, n > 1380 ? 1380 : n);
    }
}

/* ---- HTTP ---- */

static void http(gen_flow *f, uint32_t k, wbuf *w)
{
    char host[GEN_NAME_MAX + 3];
    if (f->spec->host[0])
        snprintf(host, sizeof(host), "%s", f->spec->host);
    else
        uri_host(&f->spec->dst, host, sizeof(host));
    if (k % 2 == 0) {
        if (k == 0)
            putf(w, "GET / HTTP/1.1\r\n");
        else
            putf(w, "GET /page%u.html HTTP/1.1\r\n", (unsigned)(k / 2));
        putf(w, "Host: %s\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept: */*\r\n\r\n",
             host);
        return;
    }
    size_t n = f->spec->bytes ? f->spec->bytes : 64;
    if (n > 1200)
        n = 1200;
    putf(w, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %zu\r\n\r\n", n);
    static const char body[] = "<html><body>Page served for the capture.</body></html>\n";
    for (size_t i = 0; i < n; i++)
        put8(w, (uint8_t)body[i % (sizeof(body) - 1)]);
}

/* ---- SIP ---- */

static void sip(gen_flow *f, uint32_t k, int dir, wbuf *w)
{
    char sh[64], dh[64];
    uri_host(&f->spec->src, sh, sizeof(sh));
    uri_host(&f->spec->dst, dh, sizeof(dh));
    const char *tp = f->spec->transport == GT_TCP ? "TCP" : "UDP";
    uint32_t m = k / 2;
    const char *method = m == 0 ? "OPTIONS" : m % 2 ? "INVITE" : "BYE";
    unsigned call = m == 0 ? 0 : (m + 1) / 2;
    unsigned long long tag = (unsigned long long)f->tag;
    if (dir == 0)
        putf(w, "%s sip:%s:%u SIP/2.0\r\n", method, dh, (unsigned)f->spec->dport);
    else
        putf(w, "SIP/2.0 200 OK\r\n");
    putf(w, "Via: SIP/2.0/%s %s:%u;branch=z9hG4bK%016llx%u\r\n", tp, sh, (unsigned)f->sport,
         tag, (unsigned)m);
    putf(w, "Max-Forwards: 70\r\n");
    putf(w, "From: <sip:caller@%s>;tag=%08llx\r\n", sh, tag >> 32);
    if (dir == 1 || (m > 0 && m % 2 == 0))
        putf(w, "To: <sip:%s>;tag=%08llx\r\n", dh, tag & 0xffffffffu);
    else
        putf(w, "To: <sip:%s>\r\n", dh);
    putf(w, "Call-ID: %016llx%u@%s\r\n", tag, call, sh);
    putf(w, "CSeq: %u %s\r\n", m + 1, method);
    if (m % 2 == 1 || m == 0)
        putf(w, "Contact: <sip:%s@%s:%u;transport=%s>\r\n", dir ? "callee" : "caller",
             dir ? dh : sh, (unsigned)port_of(f, dir), tp[0] == 'T' ? "tcp" : "udp");
    if (dir == 0 && m == 0)
        putf(w, "Accept: application/sdp\r\n");
    putf(w, "User-Agent: %s\r\n", dir ? "sip-server/1.0" : "sip-client/1.0");
    putf(w, "Content-Length: 0\r\n\r\n");
}

/* ---- RTP ---- */

static void rtp(gen_flow *f, int dir, wbuf *w)
{
    size_t n = f->spec->bytes ? f->spec->bytes : 160;
    put8(w, 0x80);
    put8(w, 0); /* PT 0, PCMU */
    put16(w, f->rtp_seq[dir]++);
    put32(w, f->rtp_ts[dir]);
    f->rtp_ts[dir] += 160;
    put32(w, f->ssrc[dir]);
    putrand(w, &f->rng, n);
}

/* ---- DNS ---- */

static void dns(gen_flow *f, uint32_t k, int dir, wbuf *w)
{
    const gen_spec *s = f->spec;
    const char *q = s->qname[0] ? s->qname : "www.example.com";
    bool v6 = s->has_answer && s->answer.family == 6;
    put16(w, (uint16_t)(f->id16 + k / 2));
    put16(w, dir == 0 ? 0x0100 : s->has_answer ? 0x8180 : 0x8183);
    put16(w, 1), put16(w, dir == 1 && s->has_answer), put16(w, 0), put16(w, 0);
    for (const char *p = q; *p;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        put8(w, (unsigned)n), put(w, p, n);
        p += n + (dot != NULL);
    }
    put8(w, 0);
    put16(w, v6 ? 28 : 1), put16(w, 1);
    if (dir == 1 && s->has_answer) {
        put16(w, 0xc00c), put16(w, v6 ? 28 : 1), put16(w, 1), put32(w, 300);
        put16(w, v6 ? 16 : 4), put(w, s->answer.b, v6 ? 16 : 4);
    }
}

/* ---- SSH ---- */

static void ssh_namelist(wbuf *w, const char *s)
{
    size_t n = strlen(s);
    put32(w, (uint32_t)n), put(w, s, n);
}

static void ssh(gen_flow *f, uint32_t k, int dir, wbuf *w)
{
    if (k < 2) {
        putf(w, "%s", dir ? "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"
                          : "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n");
        return;
    }
    uint8_t body[1024];
    wbuf b = {body, 0, sizeof(body)};
    if (k < 4) {
        put8(&b, 20);
        putrand(&b, &f->rng, 16);
        ssh_namelist(&b, "curve25519-sha256,ecdh-sha2-nistp256,diffie-hellman-group14-sha256");
        ssh_namelist(&b, "ssh-ed25519,rsa-sha2-512,rsa-sha2-256");
        for (int i = 0; i < 2; i++)
            ssh_namelist(&b, "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-ctr");
        for (int i = 0; i < 2; i++)
            ssh_namelist(&b, "hmac-sha2-256-etm@openssh.com,hmac-sha2-256");
        for (int i = 0; i < 2; i++)
            ssh_namelist(&b, "none,zlib@openssh.com");
        ssh_namelist(&b, "");
        ssh_namelist(&b, "");
        put8(&b, 0), put32(&b, 0);
    } else {
        size_t n = f->spec->bytes ? f->spec->bytes : 64;
        if (n > 900)
            n = 900;
        put8(&b, 2); /* SSH_MSG_IGNORE */
        put32(&b, (uint32_t)n);
        putrand(&b, &f->rng, n);
    }
    size_t pad = 8 - (5 + b.n) % 8;
    if (pad < 4)
        pad += 8;
    put32(w, (uint32_t)(1 + b.n + pad));
    put8(w, (unsigned)pad);
    put(w, body, b.n);
    putrand(w, &f->rng, pad);
}

/* ---- NTP ---- */

static void ntp_ts(wbuf *w, int64_t us)
{
    uint64_t sec = (uint64_t)(us / 1000000) + 2208988800u;
    uint64_t frac = ((uint64_t)(us % 1000000) << 32) / 1000000;
    put32(w, (uint32_t)sec), put32(w, (uint32_t)frac);
}

static void ntp(gen_flow *f, int dir, int64_t now, wbuf *w)
{
    if (dir == 0) {
        put8(w, 0x23), put8(w, 0), put8(w, 6), put8(w, 0xe9);
        put32(w, 0), put32(w, 0), put32(w, 0);
        put32(w, 0), put32(w, 0); /* reference */
        put32(w, 0), put32(w, 0); /* origin */
        put32(w, 0), put32(w, 0); /* receive */
        ntp_ts(w, now);
        return;
    }
    int64_t sent = now - f->rtt_us;
    put8(w, 0x24), put8(w, 2), put8(w, 6), put8(w, 0xe9);
    put32(w, 0x00000210), put32(w, 0x00000330);
    put32(w, 0xc0000201); /* reference id: the upstream server, 192.0.2.1 */
    ntp_ts(w, now - 64000000);
    ntp_ts(w, sent);
    ntp_ts(w, sent + f->rtt_us / 2);
    ntp_ts(w, sent + f->rtt_us / 2 + 25);
}

/* ---- syslog ---- */

static void civil(int64_t us, char *buf, size_t size)
{
    int64_t secs = us / 1000000, days = secs / 86400, rem = secs % 86400;
    /* civil_from_days (H. Hinnant) */
    int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", (int)y, (int)m, (int)d,
             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (int)(us % 1000000));
}

static void syslog_line(gen_flow *f, uint32_t k, int dir, int64_t now, wbuf *w)
{
    char ts[80], host[64];
    civil(now, ts, sizeof(ts));
    gen_addr_str(addr_of(f, dir), host, sizeof(host));
    putf(w, "<134>1 %s %s conferencing %u - - participant event %u: media stream active", ts,
         host, 1000 + (unsigned)(f->tag % 30000), (unsigned)(k / 2 + 1));
}

/* ---- SNMP ---- */

static void snmp(gen_flow *f, uint32_t k, int dir, wbuf *w)
{
    static const uint8_t oid[] = {0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 1, 0}; /* sysDescr.0 */
    static const char descr[] = "Linux conferencing-node 6.1.0 x86_64";
    uint8_t vb[96], pdu[160];
    wbuf v = {vb, 0, sizeof(vb)};
    put8(&v, 0x30);
    put8(&v, 0);
    put(&v, oid, sizeof(oid));
    if (dir == 0) {
        put8(&v, 0x05), put8(&v, 0);
    } else {
        put8(&v, 0x04), put8(&v, sizeof(descr) - 1), put(&v, descr, sizeof(descr) - 1);
    }
    vb[1] = (uint8_t)(v.n - 2);
    wbuf p = {pdu, 0, sizeof(pdu)};
    uint16_t id = (uint16_t)((f->id16 & 0x7fff) + k / 2);
    put8(&p, 0x02), put8(&p, 2), put16(&p, id);
    put8(&p, 0x02), put8(&p, 1), put8(&p, 0);
    put8(&p, 0x02), put8(&p, 1), put8(&p, 0);
    put8(&p, 0x30), put8(&p, (unsigned)v.n), put(&p, vb, v.n);
    size_t inner = 3 + 8 + 2 + p.n;
    put8(w, 0x30), put8(w, (unsigned)inner);
    put8(w, 0x02), put8(w, 1), put8(w, 1); /* version: 1 = v2c */
    put8(w, 0x04), put8(w, 6), put(w, "public", 6);
    put8(w, dir ? 0xa2 : 0xa0), put8(w, (unsigned)p.n), put(w, pdu, p.n);
}

/* ---- IKEv2 ---- */

static void natd_hash(const gen_flow *f, const uint8_t spi_r[8], const gen_addr *a,
                      uint16_t port, uint8_t out[20])
{
    uint8_t in[8 + 8 + 16 + 2];
    size_t alen = a->family == 4 ? 4 : 16;
    memcpy(in, f->ike_spi_i, 8);
    memcpy(in + 8, spi_r, 8);
    memcpy(in + 16, a->b, alen);
    in[16 + alen] = (uint8_t)(port >> 8);
    in[17 + alen] = (uint8_t)port;
    gen_sha1(in, 18 + alen, out);
}

/* The address a mismatching NAT-D hash stands for. */
static gen_addr nat_inside(const gen_flow *f)
{
    if (f->spec->has_nataddr)
        return f->spec->nataddr;
    gen_addr a = {0};
    gen_rng r = {f->tag ^ 0x4e4154};
    a.family = f->spec->src.family;
    if (a.family == 4) {
        a.b[0] = 192, a.b[1] = 168;
        a.b[2] = (uint8_t)gen_rng_below(&r, 256);
        a.b[3] = (uint8_t)(1 + gen_rng_below(&r, 254));
    } else {
        a.b[0] = 0xfd;
        gen_rng_fill(&r, a.b + 1, 15);
    }
    return a;
}

static void ike(gen_flow *f, uint32_t k, int dir, wbuf *w)
{
    static const uint8_t zero[8] = {0};
    const gen_spec *s = f->spec;
    uint32_t m = k / 2;
    if (s->dport == 4500 || f->sport == 4500)
        put32(w, 0); /* non-ESP marker */
    size_t h = w->n;
    put(w, f->ike_spi_i, 8);
    put(w, m == 0 && dir == 0 ? zero : f->ike_spi_r, 8);
    put8(w, m == 0 ? 33 : 46);
    put8(w, 0x20);
    put8(w, m == 0 ? 34 : m == 1 ? 35 : 37);
    put8(w, dir ? 0x20 : 0x08);
    put32(w, m);
    put32(w, 0);
    if (m == 0) {
        /* SA: one IKE proposal, AES-CBC-256, HMAC-SHA2-256 PRF and integrity, ECP-256 */
        put8(w, 34), put8(w, 0);
        size_t sa = w->n;
        put16(w, 0);
        put8(w, 0), put8(w, 0);
        size_t prop = w->n;
        put16(w, 0);
        put8(w, 1), put8(w, 1), put8(w, 0), put8(w, 4);
        put8(w, 3), put8(w, 0), put16(w, 12), put8(w, 1), put8(w, 0), put16(w, 12);
        put16(w, 0x800e), put16(w, 256);
        put8(w, 3), put8(w, 0), put16(w, 8), put8(w, 2), put8(w, 0), put16(w, 5);
        put8(w, 3), put8(w, 0), put16(w, 8), put8(w, 3), put8(w, 0), put16(w, 12);
        put8(w, 0), put8(w, 0), put16(w, 8), put8(w, 4), put8(w, 0), put16(w, 19);
        fix_total(w, prop);
        fix_total(w, sa);
        /* KE */
        put8(w, 40), put8(w, 0), put16(w, 8 + 64), put16(w, 19), put16(w, 0);
        putrand(w, &f->rng, 64);
        /* Nonce */
        put8(w, 41), put8(w, 0), put16(w, 4 + 32);
        putrand(w, &f->rng, 32);
        /* NAT_DETECTION_SOURCE_IP, NAT_DETECTION_DESTINATION_IP */
        const uint8_t *spi_r = dir == 0 ? zero : f->ike_spi_r;
        for (int which = 0; which < 2; which++) {
            int end = which == 0 ? dir : !dir;
            gen_addr a = *addr_of(f, end);
            if (dir == 0 && ((which == 0 && s->natd == GN_SRC) || (which == 1 && s->natd == GN_DST)))
                a = nat_inside(f);
            uint8_t hash[20];
            natd_hash(f, spi_r, &a, port_of(f, end), hash);
            put8(w, which == 0 ? 41 : 0), put8(w, 0), put16(w, 8 + 20);
            put8(w, 0), put8(w, 0), put16(w, which == 0 ? 16388 : 16389);
            put(w, hash, 20);
        }
    } else {
        size_t n = s->bytes ? s->bytes : m == 1 ? 240 : 32;
        if (n > 1300)
            n = 1300;
        put8(w, m == 1 ? (dir ? 36 : 35) : 0), put8(w, 0), put16(w, (unsigned)(4 + 16 + n + 16));
        putrand(w, &f->rng, 16 + n + 16); /* IV, ciphertext, ICV */
    }
    size_t len = w->n - h;
    w->p[h + 24] = (uint8_t)(len >> 24);
    w->p[h + 25] = (uint8_t)(len >> 16);
    w->p[h + 26] = (uint8_t)(len >> 8);
    w->p[h + 27] = (uint8_t)len;
}

size_t gen_payload(gen_flow *f, uint32_t k, int dir, int64_t now_us, uint8_t *p, size_t size)
{
    wbuf w = {p, 0, size};
    switch (f->spec->app) {
    case GA_TLS: tls(f, k, &w); break;
    case GA_HTTP: http(f, k, &w); break;
    case GA_SIP: sip(f, k, dir, &w); break;
    case GA_RTP: rtp(f, dir, &w); break;
    case GA_DNS: dns(f, k, dir, &w); break;
    case GA_SSH: ssh(f, k, dir, &w); break;
    case GA_NTP: ntp(f, dir, now_us, &w); break;
    case GA_SYSLOG: syslog_line(f, k, dir, now_us, &w); break;
    case GA_SNMP: snmp(f, k, dir, &w); break;
    case GA_IKE: ike(f, k, dir, &w); break;
    case GA_RAW:
    case GA_NONE:
        putrand(&w, &f->rng, f->spec->bytes ? f->spec->bytes : 100);
        p[0] &= 0x3f; /* not version 2: no heuristic takes it for RTP or RTCP */
        break;
    }
    return w.n;
}

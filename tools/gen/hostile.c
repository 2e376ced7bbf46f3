/* hostile.c - wsgen's hostile profile: traffic built to exhaust an auditor's
 * memory (tiny flows, a SYN flood, fragments that never complete,
 * overlapping fragments that disagree, IKE messages whose lengths lie),
 * written streaming and deterministically; specification: tools/gen/README.md
 * ("The hostile profile"), RFC 791 (fragments), RFC 9293 (SYN), RFC 768,
 * RFC 1035 (DNS answers), RFC 7296 section 3 (IKEv2 header and payloads),
 * RFC 1071 (checksums). */
#include "gen.h"

#include <string.h>

#define T0_US ((int64_t)1767225600 * 1000000) /* 2026-01-01T00:00:00Z */
#define STEP_US 20                            /* between two packets */

static const struct {
    const char *name;
    enum gen_hostile kind;
} kinds[] = {
    {"tiny-flows", GH_TINY_FLOWS}, {"syn-flood", GH_SYN_FLOOD},
    {"fragments", GH_FRAGMENTS},   {"overlap", GH_OVERLAP},
    {"ike-lies", GH_IKE_LIES},
};

bool gen_hostile_kind(const char *name, enum gen_hostile *out)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(name, kinds[i].name) == 0) {
            *out = kinds[i].kind;
            return true;
        }
    return false;
}

static void be16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
    be16(p, v >> 16);
    be16(p + 2, v);
}

/* Ethernet and IPv4 headers for ip_payload bytes at buf + 34, protocol
 * proto, fragment field frag (flags and offset in 8-byte units); returns the
 * frame length. */
static size_t ip4(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
                  uint16_t frag, size_t ip_payload)
{
    static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
    memcpy(buf, macs, 12);
    be16(buf + 12, 0x0800);
    uint8_t *ip = buf + 14;
    ip[0] = 0x45;
    ip[1] = 0;
    be16(ip + 2, (uint32_t)(20 + ip_payload));
    be16(ip + 4, id);
    be16(ip + 6, frag);
    ip[8] = 64;
    ip[9] = proto;
    be16(ip + 10, 0);
    be32(ip + 12, src);
    be32(ip + 16, dst);
    be16(ip + 10, gen_cksum_fold(gen_cksum_add(0, ip, 20)));
    return 34 + ip_payload;
}

/* The TCP or UDP checksum over the pseudo-header of the frame's IPv4 header. */
static void l4_cksum(uint8_t *buf, size_t l4len, size_t at)
{
    uint8_t *ip = buf + 14, *l4 = buf + 34;
    uint32_t sum = gen_cksum_add(0, ip + 12, 8) + ip[9] + (uint32_t)l4len;
    be16(l4 + at, 0);
    uint16_t c = gen_cksum_fold(gen_cksum_add(sum, l4, l4len));
    be16(l4 + at, c == 0 && ip[9] == 17 ? 0xffff : c);
}

static size_t udp(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                  uint16_t id, size_t plen)
{
    uint8_t *u = buf + 34;
    be16(u, sport);
    be16(u + 2, dport);
    be16(u + 4, (uint32_t)(8 + plen));
    size_t n = ip4(buf, src, dst, 17, id, 0x4000, 8 + plen);
    l4_cksum(buf, 8 + plen, 6);
    return n;
}

typedef struct {
    gen_rng rng;
    gen_pcap *w;
    int64_t t;
    uint32_t src;      /* overlap: the datagram being written */
    uint16_t id, sport;
    uint8_t buf[GEN_FRAME_MAX];
} hgen;

static void emit(hgen *h, size_t len)
{
    gen_pcap_write(h->w, h->t, h->buf, len);
    h->t += STEP_US;
}

static uint32_t draw(hgen *h, uint32_t n) { return gen_rng_below(&h->rng, n); }

/* 10.0.0.0/8 minus the servers' 10.255.0.0/16, never .0 or .255. */
static uint32_t client(hgen *h)
{
    return 0x0a000000u | draw(h, 0xff00u) << 8 | (1 + draw(h, 254));
}

#define SERVER(n) (0x0aff0000u | (uint32_t)(n))
#define DNS_SERVER SERVER(53)

/* A DNS answer (RFC 1035 4.1): the name hN.hostile.example and one A
 * record, from the DNS server to a client. */
static size_t dns_answer(hgen *h, uint64_t n, uint32_t to)
{
    uint8_t *p = h->buf + 42, *q = p + 12;
    uint16_t qid = (uint16_t)draw(h, 65536);
    be16(p, qid);
    be16(p + 2, 0x8180); /* response, RD, RA, no error */
    be16(p + 4, 1);
    be16(p + 6, 1);
    be16(p + 8, 0);
    be16(p + 10, 0);
    char label[24];
    int ll = snprintf(label, sizeof(label), "h%llu", (unsigned long long)n);
    *q++ = (uint8_t)ll;
    memcpy(q, label, (size_t)ll);
    q += ll;
    memcpy(q, "\7hostile\7example\0", 17);
    q += 17;
    be16(q, 1), be16(q + 2, 1); /* A, IN */
    q += 4;
    be16(q, 0xc00c);            /* the name of the question */
    be16(q + 2, 1), be16(q + 4, 1);
    be32(q + 6, 300);
    be16(q + 10, 4);
    be32(q + 12, 0xc6120000u | (uint32_t)(n & 0xffff)); /* 198.18.0.0/15 */
    q += 16;
    return udp(h->buf, DNS_SERVER, to, 53, (uint16_t)(1024 + draw(h, 64000)), (uint16_t)n,
               (size_t)(q - p));
}

/* Every packet a new UDP flow from a drawn client and port to one of 16
 * servers; every fourth a DNS answer teaching a name never seen before. */
static void tiny_flow(hgen *h, uint64_t i)
{
    uint32_t src = client(h);
    if (i % 4 == 3) {
        emit(h, dns_answer(h, i, src));
        return;
    }
    uint8_t *pl = h->buf + 42;
    gen_rng_fill(&h->rng, pl, 8);
    emit(h, udp(h->buf, src, SERVER(1 + draw(h, 16)), (uint16_t)(1024 + draw(h, 64000)),
                (uint16_t)(1 + draw(h, 65535)), (uint16_t)i, 8));
}

/* A SYN from a source drawn from all of IPv4 (but 0/8, 10/8, 127/8 and
 * 224/3) and a drawn port, to 10.255.0.80 port 443. */
static void syn(hgen *h, uint64_t i)
{
    uint32_t src;
    do
        src = (uint32_t)gen_rng_next(&h->rng);
    while ((src >> 24) == 0 || (src >> 24) == 10 || (src >> 24) == 127 || (src >> 24) >= 224);
    uint8_t *t = h->buf + 34;
    memset(t, 0, 24);
    be16(t, 1024 + draw(h, 64000));
    be16(t + 2, 443);
    be32(t + 4, (uint32_t)gen_rng_next(&h->rng));
    t[12] = 6 << 4; /* 24 bytes: MSS option */
    t[13] = 0x02;
    be16(t + 14, 64240);
    t[20] = 2, t[21] = 4;
    be16(t + 22, 1460);
    size_t n = ip4(h->buf, src, SERVER(80), 6, (uint16_t)i, 0x4000, 24);
    l4_cksum(h->buf, 24, 16);
    emit(h, n);
}

/* A fragment of a datagram that never completes: the first 512 bytes of a
 * 65000-byte UDP datagram, from a drawn client with a drawn id. Reassembly
 * would hold each until frag_timeout. */
static void lone_fragment(hgen *h, uint64_t i)
{
    (void)i;
    uint8_t *u = h->buf + 34;
    be16(u, 1024 + draw(h, 64000));
    be16(u + 2, 5004);
    be16(u + 4, 65000);
    be16(u + 6, 0);
    gen_rng_fill(&h->rng, u + 8, 504);
    emit(h, ip4(h->buf, client(h), SERVER(2), 17, (uint16_t)draw(h, 65536), 0x2000, 512));
}

/* Three fragments a datagram (RFC 791): bytes 0-23 with the UDP header to
 * port 53, then bytes 0-23 again saying port 4444 and other data (every
 * byte conflicts), then the last 16 bytes (offset 24). Receivers that keep
 * the first or the last copy see different ports. */
static void overlap(hgen *h, uint64_t i)
{
    unsigned part = (unsigned)(i % 3);
    if (part == 0) {
        h->src = client(h);
        h->id = (uint16_t)draw(h, 65536);
        h->sport = (uint16_t)(1024 + draw(h, 64000));
    }
    uint8_t *u = h->buf + 34;
    if (part < 2) {
        be16(u, h->sport);
        be16(u + 2, part == 0 ? 53 : 4444);
        be16(u + 4, 40); /* UDP length: 8 + 32 */
        be16(u + 6, 0);  /* no checksum (RFC 768): the two copies differ */
        gen_rng_fill(&h->rng, u + 8, 16);
        emit(h, ip4(h->buf, h->src, SERVER(3), 17, h->id, 0x2000, 24));
    } else {
        gen_rng_fill(&h->rng, u, 16);
        emit(h, ip4(h->buf, h->src, SERVER(3), 17, h->id, 24 / 8, 16));
    }
}

/* IKEv2 (RFC 7296 section 3.1): an honest IKE_SA_INIT request with a fresh
 * initiator SPI one time in four, so that SAs pile up; otherwise a message
 * whose lengths lie, in turn: a header length beyond the datagram, a header
 * length below the header's 28 bytes, a payload length of 0, a payload
 * length past the message end, a chain of 400 four-byte payloads, and a
 * NAT_DETECTION notify shorter than its own header. */
static void ike(hgen *h, uint64_t i)
{
    uint8_t *m = h->buf + 42;
    gen_rng_fill(&h->rng, m, 8); /* SPIi */
    memset(m + 8, 0, 8);         /* SPIr: 0 in IKE_SA_INIT */
    m[17] = 0x20;                /* version 2.0 */
    m[18] = 34;                  /* IKE_SA_INIT */
    m[19] = 0x08;                /* initiator */
    be32(m + 20, 0);
    uint8_t *p = m + 28;
    size_t len;
    unsigned lie = (unsigned)(i % 8);
    if (lie < 2) {
        /* Honest: Nonce (40) of 32 bytes, then nothing. */
        m[16] = 40;
        p[0] = 0, p[1] = 0;
        be16(p + 2, 36);
        gen_rng_fill(&h->rng, p + 4, 32);
        len = 28 + 36;
        be32(m + 24, (uint32_t)len);
    } else if (lie == 2) {
        m[16] = 40;
        p[0] = 0, p[1] = 0;
        be16(p + 2, 36);
        gen_rng_fill(&h->rng, p + 4, 32);
        len = 28 + 36;
        be32(m + 24, 0x00ffffffu); /* header length far beyond the datagram */
    } else if (lie == 3) {
        m[16] = 40;
        memset(p, 0, 36);
        len = 28 + 36;
        be32(m + 24, 12); /* below the header itself */
    } else if (lie == 4) {
        m[16] = 40;
        p[0] = 40, p[1] = 0;
        be16(p + 2, 0); /* a payload of length 0 would loop forever */
        memset(p + 4, 0, 32);
        len = 28 + 36;
        be32(m + 24, (uint32_t)len);
    } else if (lie == 5) {
        m[16] = 40;
        p[0] = 0, p[1] = 0;
        be16(p + 2, 0xfff0); /* past the end */
        gen_rng_fill(&h->rng, p + 4, 32);
        len = 28 + 36;
        be32(m + 24, (uint32_t)len);
    } else if (lie == 6) {
        m[16] = 43; /* Vendor ID, 400 times, empty */
        for (unsigned k = 0; k < 400; k++) {
            p[4 * k] = k + 1 < 400 ? 43 : 0;
            p[4 * k + 1] = 0;
            be16(p + 4 * k + 2, 4);
        }
        len = 28 + 1600;
        be32(m + 24, (uint32_t)len);
    } else {
        m[16] = 41; /* Notify NAT_DETECTION_SOURCE_IP, length 6 < 8 */
        p[0] = 0, p[1] = 0;
        be16(p + 2, 6);
        p[4] = 0, p[5] = 0;
        be16(p + 6, 16388);
        gen_rng_fill(&h->rng, p + 8, 20);
        len = 28 + 28;
        be32(m + 24, (uint32_t)len);
    }
    emit(h, udp(h->buf, client(h), SERVER(4), 500, 500, (uint16_t)i, len));
}

bool gen_hostile_write(enum gen_hostile kind, uint64_t packets, uint64_t seed, gen_pcap *w)
{
    hgen h;
    memset(&h, 0, sizeof(h));
    h.rng.s = seed;
    h.w = w;
    h.t = T0_US;
    for (uint64_t i = 0; i < packets && !w->failed; i++) {
        switch (kind) {
        case GH_TINY_FLOWS: tiny_flow(&h, i); break;
        case GH_SYN_FLOOD: syn(&h, i); break;
        case GH_FRAGMENTS: lone_fragment(&h, i); break;
        case GH_OVERLAP: overlap(&h, i); break;
        case GH_IKE_LIES: ike(&h, i); break;
        }
    }
    return !w->failed;
}

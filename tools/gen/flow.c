/* flow.c - wsgen's flows: the packets of each outcome, with Ethernet, IPv4/
 * IPv6, TCP, UDP, ICMP, ICMPv6 and ESP headers and their checksums;
 * specification: RFC 791, RFC 8200, RFC 9293 (handshake, RST, FIN), RFC 768,
 * RFC 792, RFC 4443, RFC 4303, RFC 1071. */
#include "gen.h"

#include <string.h>

#define SAME_SIDE_US 40 /* between two packets of one side */

static void be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void mac_of(const gen_addr *a, uint8_t m[6])
{
    m[0] = 0x02; /* locally administered, unicast */
    if (a->family == 4) {
        m[1] = 0;
        memcpy(m + 2, a->b, 4);
    } else {
        memcpy(m + 1, a->b + 11, 5);
    }
}

static size_t ip_hlen(const gen_addr *a) { return a->family == 4 ? 20 : 40; }

/* Offset of the L4 header in a frame from an address of this family. */
static size_t l4_off(const gen_addr *a) { return 14 + ip_hlen(a); }

typedef struct {
    const gen_addr *src, *dst;
    uint8_t proto, tos, ttl;
    uint16_t ipid;
    uint32_t flowlabel;
    bool df;
} ip_hdr;

/* Writes the Ethernet and IP headers in front of the l4len bytes at
 * buf + l4_off(src) and fills the L4 checksum; returns the frame length. */
static size_t frame(uint8_t *buf, const ip_hdr *h, size_t l4len)
{
    size_t hl = ip_hlen(h->src);
    uint8_t *ip = buf + 14, *l4 = ip + hl;
    uint8_t m[6];
    mac_of(h->dst, m);
    memcpy(buf, m, 6);
    mac_of(h->src, m);
    memcpy(buf + 6, m, 6);
    uint32_t sum = 0;
    if (h->src->family == 4) {
        be16(buf + 12, 0x0800);
        ip[0] = 0x45;
        ip[1] = h->tos;
        be16(ip + 2, (uint16_t)(20 + l4len));
        be16(ip + 4, h->ipid);
        be16(ip + 6, h->df ? 0x4000 : 0);
        ip[8] = h->ttl;
        ip[9] = h->proto;
        be16(ip + 10, 0);
        memcpy(ip + 12, h->src->b, 4);
        memcpy(ip + 16, h->dst->b, 4);
        be16(ip + 10, gen_cksum_fold(gen_cksum_add(0, ip, 20)));
        sum = gen_cksum_add(0, ip + 12, 8);
        sum += h->proto;
        sum += (uint32_t)l4len;
    } else {
        be16(buf + 12, 0x86dd);
        be32(ip, 6u << 28 | (uint32_t)h->tos << 20 | (h->flowlabel & 0xfffff));
        be16(ip + 4, (uint16_t)l4len);
        ip[6] = h->proto;
        ip[7] = h->ttl;
        memcpy(ip + 8, h->src->b, 16);
        memcpy(ip + 24, h->dst->b, 16);
        sum = gen_cksum_add(0, ip + 8, 32);
        sum += (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);
        sum += h->proto;
    }
    size_t at = 0;
    switch (h->proto) {
    case 6: at = 16; break;
    case 17: at = 6; break;
    case 1: at = 2; sum = 0; break; /* ICMPv4: no pseudo-header */
    case 58: at = 2; break;
    default: return 14 + hl + l4len;
    }
    be16(l4 + at, 0);
    uint16_t c = gen_cksum_fold(gen_cksum_add(sum, l4, l4len));
    if (h->proto == 17 && c == 0)
        c = 0xffff;
    be16(l4 + at, c);
    return 14 + hl + l4len;
}

static const gen_addr *side_addr(const gen_flow *f, int dir)
{
    return dir ? &f->spec->dst : &f->spec->src;
}

static uint8_t app_tos(const gen_flow *f)
{
    switch (f->spec->app) {
    case GA_RTP: return 0xb8; /* EF */
    case GA_SIP: return 0x68; /* AF31 */
    default: return 0;
    }
}

static ip_hdr flow_ip(gen_flow *f, int dir, uint8_t proto)
{
    ip_hdr h = {side_addr(f, dir), side_addr(f, !dir), proto, app_tos(f), 64,
                f->ipid[dir]++, f->flowlabel, true};
    return h;
}

enum { F_FIN = 1, F_SYN = 2, F_RST = 4, F_PSH = 8, F_ACK = 16 };

static size_t tcp(gen_flow *f, uint8_t *buf, int dir, unsigned flags, const uint8_t *pl,
                  size_t plen)
{
    const gen_spec *s = f->spec;
    uint8_t *t = buf + l4_off(&s->src);
    size_t hl = 20;
    be16(t, dir ? s->dport : f->sport);
    be16(t + 2, dir ? f->sport : s->dport);
    be32(t + 4, f->seq[dir]);
    be32(t + 8, flags & F_ACK ? f->seq[!dir] : 0);
    t[13] = (uint8_t)flags;
    uint16_t win = 502;
    if (flags & F_SYN) {
        static const uint8_t opts[12] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7};
        memcpy(t + 20, opts, sizeof(opts));
        hl += sizeof(opts);
        win = dir ? 65160 : 64240;
    }
    if (flags & F_RST)
        win = 0;
    t[12] = (uint8_t)(hl / 4 << 4);
    be16(t + 14, win);
    be16(t + 18, 0);
    if (plen)
        memcpy(t + hl, pl, plen);
    f->seq[dir] += (uint32_t)plen + !!(flags & F_SYN) + !!(flags & F_FIN);
    ip_hdr h = flow_ip(f, dir, 6);
    return frame(buf, &h, hl + plen);
}

static size_t udp(gen_flow *f, uint8_t *buf, int dir, const uint8_t *pl, size_t plen)
{
    const gen_spec *s = f->spec;
    uint8_t *u = buf + l4_off(&s->src);
    be16(u, dir ? s->dport : f->sport);
    be16(u + 2, dir ? f->sport : s->dport);
    be16(u + 4, (uint16_t)(8 + plen));
    memcpy(u + 8, pl, plen);
    ip_hdr h = flow_ip(f, dir, 17);
    return frame(buf, &h, 8 + plen);
}

static size_t esp(gen_flow *f, uint8_t *buf, int dir)
{
    uint8_t *e = buf + l4_off(&f->spec->src);
    size_t n = f->spec->bytes ? f->spec->bytes : 120;
    be32(e, f->esp_spi[dir]);
    be32(e + 4, f->esp_seq[dir]++);
    gen_rng_fill(&f->rng, e + 8, n);
    ip_hdr h = flow_ip(f, dir, 50);
    h.tos = 0;
    return frame(buf, &h, 8 + n);
}

/* Echo request (dir 0) or reply (dir 1), number p, Linux ping's 56 bytes. */
static size_t echo(gen_flow *f, uint8_t *buf, int dir, uint32_t p, int64_t now_us)
{
    bool v6 = f->spec->src.family == 6;
    uint8_t *c = buf + l4_off(&f->spec->src);
    c[0] = v6 ? (dir ? 129 : 128) : (dir ? 0 : 8);
    c[1] = 0;
    be16(c + 4, f->id16);
    be16(c + 6, (uint16_t)(p + 1));
    int64_t sent = now_us - (dir ? f->rtt_us : 0);
    uint64_t sec = (uint64_t)(sent / 1000000), usec = (uint64_t)(sent % 1000000);
    for (int i = 0; i < 8; i++) {
        c[8 + i] = (uint8_t)(sec >> (8 * i));
        c[16 + i] = (uint8_t)(usec >> (8 * i));
    }
    for (int i = 0; i < 40; i++)
        c[24 + i] = (uint8_t)(0x10 + i);
    ip_hdr h = flow_ip(f, dir, v6 ? 58 : 1);
    return frame(buf, &h, 64);
}

/* ICMP 3/code (ICMPv6 1/code6) from `from` to SRC quoting the first packet. */
static size_t icmp_error(gen_flow *f, uint8_t *buf, const gen_addr *from, uint8_t code,
                         uint8_t code6)
{
    bool v6 = f->spec->src.family == 6;
    uint8_t *c = buf + l4_off(&f->spec->src);
    c[0] = v6 ? 1 : 3;
    c[1] = v6 ? code6 : code;
    memset(c + 2, 0, 6);
    memcpy(c + 8, f->quote, f->quote_len);
    ip_hdr h = {from, &f->spec->src, v6 ? 58 : 1, 0xc0, 64,
                (uint16_t)gen_rng_next(&f->rng), 0, false};
    return frame(buf, &h, 8 + f->quote_len);
}

/* Keeps what an ICMP error quotes of the frame just built: the IP header
 * and 8 bytes (RFC 792); for IPv6 as much as fits the buffer (RFC 4443
 * 2.4(c) asks for as much as fits the minimum MTU). */
static void keep_quote(gen_flow *f, const uint8_t *buf, size_t len)
{
    size_t ip = len - 14;
    size_t want = f->spec->src.family == 4 ? 28 : sizeof(f->quote);
    f->quote_len = ip < want ? ip : want;
    memcpy(f->quote, buf + 14, f->quote_len);
}

uint32_t gen_default_packets(const gen_spec *s)
{
    switch (s->outcome) {
    case GO_ESTABLISHED: return 2;
    case GO_NO_ANSWER: return s->syn ? s->syn : 3;
    case GO_ANSWERED: return s->app == GA_IKE ? 2 : 1;
    case GO_ONEWAY: return 1;
    case GO_BOTH: return 2;
    default: return 1;
    }
}

static int64_t default_every(const gen_spec *s)
{
    if (s->app == GA_RTP || s->app == GA_IKE || s->transport == GT_ESP)
        return 20000;
    return 1000000;
}

void gen_flow_start(gen_flow *f, const gen_spec *spec, uint64_t seed, int64_t t0_us,
                    uint16_t sport)
{
    memset(f, 0, sizeof(*f));
    f->spec = spec;
    f->rng.s = seed;
    uint32_t draw = 49152 + gen_rng_below(&f->rng, 16384);
    f->sport = sport ? sport : (uint16_t)draw;
    f->rtt_us = 300 + gen_rng_below(&f->rng, 2700);
    f->every_us = spec->every_us ? spec->every_us : default_every(spec);
    f->seq[0] = (uint32_t)gen_rng_next(&f->rng);
    f->seq[1] = (uint32_t)gen_rng_next(&f->rng);
    f->ipid[0] = (uint16_t)gen_rng_next(&f->rng);
    f->ipid[1] = (uint16_t)gen_rng_next(&f->rng);
    f->flowlabel = (uint32_t)gen_rng_next(&f->rng) & 0xfffff;
    for (int d = 0; d < 2; d++) {
        f->ssrc[d] = (uint32_t)gen_rng_next(&f->rng);
        f->rtp_seq[d] = (uint16_t)gen_rng_next(&f->rng);
        f->rtp_ts[d] = (uint32_t)gen_rng_next(&f->rng);
        f->esp_seq[d] = 1;
    }
    uint32_t spi = 0x100 + gen_rng_below(&f->rng, 0xfffffe00u);
    if (spec->has_spi)
        spi = spec->spi;
    f->esp_spi[0] = spi;
    f->esp_spi[1] = spi + 1;
    f->id16 = (uint16_t)gen_rng_next(&f->rng);
    gen_rng_fill(&f->rng, f->ike_spi_i, 8);
    gen_rng_fill(&f->rng, f->ike_spi_r, 8);
    f->ike_spi_i[0] |= 0x80, f->ike_spi_r[0] |= 0x80; /* never zero */
    f->tag = gen_rng_next(&f->rng);

    uint32_t p = spec->packets ? spec->packets : gen_default_packets(spec);
    switch (spec->outcome) {
    case GO_ESTABLISHED: f->ndata = p; f->n = 6 + p; break;
    case GO_REJECTED: f->n = 2; f->seq[1] = 0; break;
    case GO_NO_ANSWER: f->n = spec->syn ? spec->syn : 3; break;
    case GO_PROHIBITED: case GO_UNREACHABLE: f->n = 2; break;
    case GO_ANSWERED: f->n = 2 * p; break;
    case GO_ONEWAY: case GO_BOTH: f->n = p; break;
    }
    f->t0_us = t0_us;
    f->next_us = t0_us;
}

/* Which side sends packet i of an established TCP flow. */
static int est_dir(const gen_flow *f, uint32_t i)
{
    static const int hs[3] = {0, 1, 0};
    if (i < 3)
        return hs[i];
    if (i < 3 + f->ndata)
        return (int)((i - 3) % 2);
    return hs[i - 3 - f->ndata];
}

/* Time of packet i (i > 0), given packet i - 1 was at f->next_us. */
static int64_t time_of(const gen_flow *f, uint32_t i)
{
    const gen_spec *s = f->spec;
    switch (s->outcome) {
    case GO_ESTABLISHED:
        return f->next_us + (est_dir(f, i) != est_dir(f, i - 1) ? f->rtt_us : SAME_SIDE_US);
    case GO_NO_ANSWER:
        return f->t0_us + (((int64_t)1 << i) - 1) * 1000000;
    case GO_ANSWERED:
        return f->t0_us + (int64_t)(i / 2) * f->every_us + (i % 2 ? f->rtt_us : 0);
    case GO_ONEWAY:
        return f->t0_us + (int64_t)i * f->every_us;
    case GO_BOTH:
        return f->t0_us + (int64_t)i * f->every_us / 2;
    default:
        return f->t0_us + f->rtt_us;
    }
}

static size_t app_udp(gen_flow *f, uint8_t *buf, uint32_t k, int dir, int64_t now)
{
    uint8_t pl[GEN_FRAME_MAX];
    size_t n = gen_payload(f, k, dir, now, pl, sizeof(pl));
    return udp(f, buf, dir, pl, n);
}

size_t gen_flow_packet(gen_flow *f, uint8_t *buf, size_t size)
{
    (void)size; /* every frame fits GEN_FRAME_MAX */
    const gen_spec *s = f->spec;
    uint32_t i = f->i;
    int64_t now = f->next_us;
    size_t len = 0;
    uint8_t pl[GEN_FRAME_MAX];

    if (s->transport == GT_TCP) {
        switch (s->outcome) {
        case GO_ESTABLISHED:
            if (i == 0)
                len = tcp(f, buf, 0, F_SYN, NULL, 0);
            else if (i == 1)
                len = tcp(f, buf, 1, F_SYN | F_ACK, NULL, 0);
            else if (i == 2)
                len = tcp(f, buf, 0, F_ACK, NULL, 0);
            else if (i < 3 + f->ndata) {
                uint32_t k = i - 3;
                int dir = (int)(k % 2);
                size_t n = gen_payload(f, k, dir, now, pl, sizeof(pl));
                len = tcp(f, buf, dir, F_PSH | F_ACK, pl, n);
            } else {
                uint32_t j = i - 3 - f->ndata;
                len = tcp(f, buf, est_dir(f, i), j < 2 ? F_FIN | F_ACK : F_ACK, NULL, 0);
            }
            break;
        case GO_REJECTED:
            len = i == 0 ? tcp(f, buf, 0, F_SYN, NULL, 0) : tcp(f, buf, 1, F_RST | F_ACK, NULL, 0);
            break;
        case GO_NO_ANSWER:
            len = tcp(f, buf, 0, F_SYN, NULL, 0);
            f->seq[0]--; /* a retransmission reuses the sequence number */
            break;
        case GO_PROHIBITED:
            if (i == 0) {
                len = tcp(f, buf, 0, F_SYN, NULL, 0);
                keep_quote(f, buf, len);
            } else {
                len = icmp_error(f, buf, s->has_via ? &s->via : &s->dst, 13, 1);
            }
            break;
        default:
            break;
        }
    } else if (s->transport == GT_UDP) {
        switch (s->outcome) {
        case GO_PROHIBITED:
        case GO_UNREACHABLE:
            if (i == 0) {
                len = app_udp(f, buf, 0, 0, now);
                keep_quote(f, buf, len);
            } else if (s->outcome == GO_PROHIBITED) {
                len = icmp_error(f, buf, s->has_via ? &s->via : &s->dst, 13, 1);
            } else {
                len = icmp_error(f, buf, &s->dst, 3, 4);
            }
            break;
        case GO_ANSWERED:
            len = app_udp(f, buf, i, (int)(i % 2), now);
            break;
        case GO_ONEWAY:
            len = app_udp(f, buf, 2 * i, 0, now);
            break;
        case GO_BOTH:
            len = app_udp(f, buf, i, (int)(i % 2), now);
            break;
        default:
            break;
        }
    } else if (s->transport == GT_ESP) {
        len = esp(f, buf, s->outcome == GO_BOTH ? (int)(i % 2) : 0);
    } else { /* icmp, icmp6: echo */
        len = echo(f, buf, (int)(i % 2), i / 2, now);
    }

    f->i++;
    if (f->i < f->n)
        f->next_us = time_of(f, f->i);
    return len;
}

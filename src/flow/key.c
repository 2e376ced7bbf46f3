/* key.c - canonical bidirectional flow keys and their keyed hash.
 * specification: RFC 792 and RFC 4443 (ICMP/ICMPv6 message types and
 * identifiers), RFC 4861 section 4 (neighbour discovery pairs); NH (Black
 * et al., "UMAC: Fast and Secure Message Authentication", CRYPTO 1999,
 * section 3.1) and MurmurHash3's fmix64 finaliser for the keyed hash. */
#include <stddef.h>
#include <string.h>

#include "flow/flow_int.h"

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_SCTP 132
#define PROTO_UDPLITE 136
#define PROTO_ICMPV6 58

bool ws_flow_proto_is_icmp(uint8_t proto)
{
    return proto == PROTO_ICMP || proto == PROTO_ICMPV6;
}

ws_icmp_class ws_flow_icmp_class(uint8_t proto, uint8_t type)
{
    ws_icmp_class c = {type, false, false};
    if (proto == PROTO_ICMP) {
        switch (type) {
        case 8: case 13: case 15: case 17: /* echo, timestamp, info, mask */
            c.has_id = true;
            break;
        case 0: c.base = 8; c.has_id = true; c.is_reply = true; break;
        case 14: case 16: case 18:
            c.base = (uint8_t)(type - 1);
            c.has_id = true;
            c.is_reply = true;
            break;
        case 9: c.base = 10; break;              /* router advertisement */
        default: break;
        }
    } else if (proto == PROTO_ICMPV6) {
        switch (type) {
        case 128: c.has_id = true; break;        /* echo request */
        case 129: c.base = 128; c.has_id = true; c.is_reply = true; break;
        case 134: c.base = 133; break;           /* router advertisement */
        case 136: c.base = 135; break;           /* neighbour advertisement */
        default: break;
        }
    }
    return c;
}

static bool has_ports(uint8_t proto)
{
    return proto == PROTO_TCP || proto == PROTO_UDP || proto == PROTO_SCTP ||
           proto == PROTO_UDPLITE;
}

/* memcmp(x, y, 16) < 0, or == 0 (*eq), on two 8-byte words. */
static inline bool addr_less(const uint8_t *x, const uint8_t *y, bool *eq)
{
    uint64_t x0 = ws_addr_be64(x), y0 = ws_addr_be64(y);
    if (x0 != y0) {
        *eq = false;
        return x0 < y0;
    }
    uint64_t x1 = ws_addr_be64(x + 8), y1 = ws_addr_be64(y + 8);
    *eq = x1 == y1;
    return x1 < y1;
}

/* The key's last 8 bytes (ports, protocol, family, kind, ICMP type) in one
 * store. The hash reads them back at once as one 64-bit word a moment
 * later; written a field at a time, that load could not be forwarded from
 * the six narrow stores and waited for them to reach the cache. */
static inline void put_tail(ws_fkey *k, uint16_t pa, uint16_t pb, uint8_t proto,
                            uint8_t family, uint8_t kind, uint8_t icmp)
{
    _Static_assert(offsetof(ws_fkey, pa) == 32 && offsetof(ws_fkey, pb) == 34 &&
                   offsetof(ws_fkey, proto) == 36 && offsetof(ws_fkey, family) == 37 &&
                   offsetof(ws_fkey, kind) == 38 && offsetof(ws_fkey, icmp) == 39,
                   "ws_fkey tail layout");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v = (uint64_t)pa | (uint64_t)pb << 16 | (uint64_t)proto << 32 |
                 (uint64_t)family << 40 | (uint64_t)kind << 48 | (uint64_t)icmp << 56;
    memcpy(&k->pa, &v, sizeof(v));
#else
    k->pa = pa;
    k->pb = pb;
    k->proto = proto;
    k->family = family;
    k->kind = kind;
    k->icmp = icmp;
#endif
}

/* Orders (s, sp) and (d, dp) into k and sets the rest of it; returns true
 * when s became a. */
static bool fill(ws_fkey *k, const ws_addr *s, uint16_t sp, const ws_addr *d,
                 uint16_t dp, uint8_t proto, uint8_t kind, uint8_t icmp)
{
    bool eq;
    bool less = addr_less(s->b, d->b, &eq);
    bool s_first = less || (eq && sp <= dp);
    const ws_addr *x = s_first ? s : d, *y = s_first ? d : s;
    memcpy(k->a, x->b, 16);
    memcpy(k->b, y->b, 16);
    put_tail(k, s_first ? sp : dp, s_first ? dp : sp, proto, s->family, kind, icmp);
    return s_first;
}

static bool build(ws_fkey *k, uint8_t proto, const ws_addr *src, uint16_t sport,
                  const ws_addr *dst, uint16_t dport, uint8_t icmp_type,
                  uint16_t icmp_id)
{
    if (has_ports(proto))
        return fill(k, src, sport, dst, dport, proto, WS_FKEY_PORTS, 0);
    if (ws_flow_proto_is_icmp(proto)) {
        ws_icmp_class c = ws_flow_icmp_class(proto, icmp_type);
        if (c.has_id)
            return fill(k, src, icmp_id, dst, icmp_id, proto, WS_FKEY_ICMP_ID, c.base);
        return fill(k, src, 0, dst, 0, proto, WS_FKEY_ICMP_TYPE, c.base);
    }
    return fill(k, src, 0, dst, 0, proto, WS_FKEY_ADDR, 0);
}

void ws_fkey_packet(ws_fkey *k, const ws_packet *pkt, bool *src_is_a)
{
    *src_is_a = build(k, pkt->proto, &pkt->src, pkt->sport, &pkt->dst,
                      pkt->dport, pkt->icmp_type, pkt->icmp_id);
}

void ws_fkey_quoted(ws_fkey *k, const ws_quoted *q, bool *src_is_a)
{
    *src_is_a = build(k, q->proto, &q->src, q->sport, &q->dst, q->dport,
                      q->icmp_type, q->icmp_id);
}

bool ws_fkey_symmetric(const ws_fkey *k)
{
    return k->pa == k->pb && memcmp(k->a, k->b, 16) == 0;
}

/*
 * The key's hash, keyed by a secret drawn for each table (each run):
 *
 *   n = NH over the key's ten 32-bit words w0..w9 (little-endian) under ten
 *       secret 32-bit words s0..s9:
 *         n = sum over i < 5 of ((w(2i) + s(2i)) mod 2^32) * ((w(2i+1) + s(2i+1)) mod 2^32)
 *       mod 2^64 (Black, Halevi, Krawczyk, Krovetz and Rogaway, "UMAC: Fast
 *       and Secure Message Authentication", CRYPTO 1999, section 3.1);
 *   h = fmix64(n + f), f a secret 64-bit word and fmix64 MurmurHash3's
 *       64-bit finaliser (a fixed bijection whose every output bit depends
 *       on every input bit).
 *
 * Why a hostile capture cannot flood the table: NH is 2^-32-almost
 * universal on inputs of equal length (theorem 3.2 of the paper): for any
 * two distinct keys fixed without knowing the secret, n collides with
 * probability at most 2^-32 over the secret. So which keys share a hash, and
 * through the finaliser which share a bucket (the low bits), depends on the
 * 352 secret bits; a capture written in advance cannot aim at it the way
 * it could at an unkeyed hash or at one whose collisions do not depend on
 * its seed (MurmurHash2 or CityHash with a seed). The capture cannot observe
 * the hash values either: nothing of them is in the report. This is weaker
 * than the pseudo-random function SipHash-1-3 that it replaces (whose
 * outputs cannot be told from random even by one who sees them) and costs
 * a quarter as much (5 multiplications instead of 9 SipHash rounds on a
 * 40-byte key: 180 -> 51 instructions a key in callgrind).
 */
static inline uint64_t le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

uint64_t ws_fkey_hash(const ws_fkey *k, const ws_fkey_secret *s)
{
    _Static_assert(sizeof(ws_fkey) == 40, "ws_fkey must have no padding");
    const uint8_t *b = (const uint8_t *)k;
#define NH_WORD(i)                                                             \
    ((uint64_t)(uint32_t)((uint32_t)le64(b + 8 * (i)) + s->nh[2 * (i)]) *       \
     (uint32_t)((uint32_t)(le64(b + 8 * (i)) >> 32) + s->nh[2 * (i) + 1]))
    uint64_t n = NH_WORD(0) + NH_WORD(1) + NH_WORD(2) + NH_WORD(3) + NH_WORD(4);
#undef NH_WORD
    uint64_t h = n + s->fin;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/* flow_int.h - what the flow table's files share: the flow key and TCP state
 * helpers. Not part of the public interface. */
#ifndef WS_FLOW_INT_H
#define WS_FLOW_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "flow/flow.h"

/* How a key identifies a flow. */
enum {
    WS_FKEY_PORTS = 1,    /* TCP, UDP: addresses and ports */
    WS_FKEY_ICMP_ID = 2,  /* ICMP query/reply with an identifier (echo) */
    WS_FKEY_ICMP_TYPE = 3, /* other ICMP: addresses and (paired) type */
    WS_FKEY_ADDR = 4,     /* ESP and everything else: addresses only */
};

/*
 * A canonical flow key: endpoint (a, pa) is the lesser of the two, so both
 * directions build the same key. 40 bytes, no padding, compared with memcmp.
 */
typedef struct ws_fkey {
    uint8_t a[16], b[16];
    uint16_t pa, pb;
    uint8_t proto;
    uint8_t family;
    uint8_t kind;     /* WS_FKEY_* */
    uint8_t icmp;     /* ICMP: the request type of the pair, else 0 */
} ws_fkey;

/* ICMP message facts used for keys and direction. */
typedef struct ws_icmp_class {
    uint8_t base;     /* the request type of the pair (or the type itself) */
    bool has_id;      /* query/reply matched by identifier */
    bool is_reply;    /* the reply half of an identifier pair */
} ws_icmp_class;

bool ws_flow_proto_is_icmp(uint8_t proto);
ws_icmp_class ws_flow_icmp_class(uint8_t proto, uint8_t type);

/*
 * Builds the key of a packet (ICMP errors included: keyed as messages).
 * *src_is_a tells whether the packet's source is endpoint a.
 */
void ws_fkey_packet(ws_fkey *k, const ws_packet *pkt, bool *src_is_a);
/* Builds the key of the packet an ICMP error quotes (quoted src -> dst). */
void ws_fkey_quoted(ws_fkey *k, const ws_quoted *q, bool *src_is_a);
/* Same key: the 40 bytes compared as five words (no call to memcmp). */
static inline bool ws_fkey_eq(const ws_fkey *x, const ws_fkey *y)
{
    uint64_t a[5], b[5];
    memcpy(a, x, sizeof(a));
    memcpy(b, y, sizeof(b));
    return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) |
            (a[4] ^ b[4])) == 0;
}

/* True when the two endpoints of k are the same (a == b, pa == pb). */
bool ws_fkey_symmetric(const ws_fkey *k);

/* The secret of a flow table's hash, drawn once per table (getrandom). */
typedef struct ws_fkey_secret {
    uint32_t nh[10];  /* NH key, one word per 32-bit word of ws_fkey */
    uint64_t fin;     /* added before the finaliser */
} ws_fkey_secret;

/* Keyed hash of the key: NH under s->nh, then fmix64 (key.c says why a
 * capture cannot make keys collide without knowing the secret). */
uint64_t ws_fkey_hash(const ws_fkey *k, const ws_fkey_secret *s);

/* Folds one TCP segment (from direction dir) into f's TCP state. */
void ws_flow_tcp_update(ws_flow *f, int dir, const ws_packet *pkt);
/* A TCP flow is finished once a RST was seen, or a FIN from both sides. */
bool ws_flow_tcp_finished(const ws_flow *f);
/* No SYN from the initiator and no SYN-ACK from the responder seen. */
bool ws_flow_tcp_midstream(const ws_flow *f);

#endif

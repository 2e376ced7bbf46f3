/* decode_int.h - what the decoder's files share; not part of the public API. */
#ifndef WS_DECODE_INT_H
#define WS_DECODE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/addr.h"
#include "common/cursor.h"
#include "common/limits.h"
#include "decode/decode.h"

/*
 * Fields at fixed offsets of a header window that ws_cur_take has already
 * checked whole (h = ws_cur_take(&c, n), then offsets below n): one bounds
 * test per header instead of one per field.
 */
static inline uint16_t ws_be16_at(const uint8_t *h, size_t off)
{
    return (uint16_t)((h[off] << 8) | h[off + 1]);
}

static inline uint32_t ws_be32_at(const uint8_t *h, size_t off)
{
    return ((uint32_t)h[off] << 24) | ((uint32_t)h[off + 1] << 16) |
           ((uint32_t)h[off + 2] << 8) | h[off + 3];
}

/* ws_addr_set4 / ws_addr_set6 (common/addr.c), inline on the packet path. */
static inline void ws_addr_put4(ws_addr *a, const uint8_t b[4])
{
    memset(a, 0, sizeof(*a));
    a->family = 4;
    memcpy(a->b, b, 4);
}

static inline void ws_addr_put6(ws_addr *a, const uint8_t b[16])
{
    a->family = 6;
    memcpy(a->b, b, 16);
}

/* Parser bounds (sizes of loops over attacker-chosen chains, not resources). */
#define WS_MAX_VLAN_TAGS 8     /* 802.1Q / QinQ tags in one frame */
#define WS_MAX_MPLS_LABELS 16  /* MPLS label stack entries */
#define WS_MAX_IPV6_EXT 16     /* IPv6 extension headers in one chain */

/* IP protocol numbers used here. */
enum {
    WS_IPPROTO_HOPOPTS = 0,
    WS_IPPROTO_ICMP = 1,
    WS_IPPROTO_IPIP = 4,
    WS_IPPROTO_TCP = 6,
    WS_IPPROTO_UDP = 17,
    WS_IPPROTO_IPV6 = 41,
    WS_IPPROTO_ROUTING = 43,
    WS_IPPROTO_FRAGMENT = 44,
    WS_IPPROTO_GRE = 47,
    WS_IPPROTO_ESP = 50,
    WS_IPPROTO_AH = 51,
    WS_IPPROTO_ICMPV6 = 58,
    WS_IPPROTO_NONE = 59,
    WS_IPPROTO_DSTOPTS = 60,
    WS_IPPROTO_MOBILITY = 135,
};

/* Ethertypes. */
enum {
    WS_ETH_IPV4 = 0x0800,
    WS_ETH_IPV6 = 0x86DD,
    WS_ETH_VLAN = 0x8100,
    WS_ETH_QINQ = 0x88A8,
    WS_ETH_QINQ_OLD = 0x9100,
    WS_ETH_PPPOE_SESSION = 0x8864,
    WS_ETH_MPLS_UC = 0x8847,
    WS_ETH_MPLS_MC = 0x8848,
    WS_ETH_TEB = 0x6558, /* transparent Ethernet bridging (GRE) */
};

struct ws_frag_table;

struct ws_decoder {
    const ws_limits *limits;
    ws_stats *stats;
    struct ws_frag_table *frag;
};

/* The state of one ws_decode_frame / ws_decode_ip call. */
typedef struct ws_dframe {
    ws_decoder *dec;
    ws_packet_cb cb;
    void *ctx;
    int64_t ts_us;
    uint32_t wire_len;
    int delivered;
} ws_dframe;

/* What became of one IP packet handed to ws_ip_decode. */
typedef enum ws_ip_result {
    WS_IP_DELIVERED, /* one or more packets went to the callback */
    WS_IP_HELD,      /* a fragment: kept for reassembly, or counted and dropped */
    WS_IP_BAD,       /* counted truncated or malformed; nothing delivered */
} ws_ip_result;

/* Result of peeling a link layer (or the Ethernet frame inside GRE). */
typedef enum ws_link_result {
    WS_LINK_IP,        /* cursor now at an IP header; version in *ipver (0: by nibble) */
    WS_LINK_NON_IP,
    WS_LINK_TRUNCATED,
    WS_LINK_MALFORMED,
} ws_link_result;

/*
 * Reads what follows an ethertype: VLAN tags, PPPoE session, MPLS labels,
 * until IPv4 or IPv6. *c is left at the IP header.
 */
ws_link_result ws_link_ethertype(ws_cur *c, uint16_t type, int *ipver);
/* Reads an Ethernet header, then as ws_link_ethertype. */
ws_link_result ws_link_ether(ws_cur *c, int *ipver);

/*
 * Decodes one IP packet of len captured bytes. expect_version is 4, 6 or 0
 * (by the version nibble). depth is the number of tunnel layers already
 * peeled. reassembled marks a datagram rebuilt by frag.c, whose wire_len is
 * given in f (the frames that carried its fragments).
 */
ws_ip_result ws_ip_decode(ws_dframe *f, const uint8_t *data, size_t len,
                          int expect_version, unsigned depth, bool reassembled);

/*
 * Transport layer (transport.c): fills the transport fields of pkt from c,
 * which holds the captured transport bytes (already trimmed to the IP length).
 * sent_len is the transport length the IP header announces, or UINT32_MAX
 * when unknown (the first fragment of a datagram decoded on its own).
 * Returns false, after counting truncated or malformed, when the packet must
 * not be delivered.
 */
bool ws_transport_decode(ws_decoder *dec, ws_packet *pkt, ws_cur c, uint32_t sent_len);

/*
 * Walks IPv6 extension headers from *nh at *c. Stops at the first header
 * that is not an extension header, or at a fragment header (*nh = 44,
 * *c at the fragment header). *nh_at is set to the byte offset, relative to
 * base, of the next-header field that names the current *nh.
 * Returns 0, or -1 when truncated, -2 when malformed.
 */
int ws_ipv6_ext_walk(ws_cur *c, const uint8_t *base, uint8_t *nh, size_t *nh_at,
                     uint32_t *jumbo);

/* Fragment reassembly (frag.c). */
typedef struct ws_frag_in {
    uint8_t version;
    ws_addr src, dst;
    uint32_t id;             /* IPv4: 16-bit identification; IPv6: 32-bit */
    uint8_t proto;           /* IPv4: protocol (part of the key); IPv6: next header */
    uint32_t offset;         /* bytes */
    bool more;
    const uint8_t *hdr;      /* IP header (IPv6: + unfragmentable part) */
    size_t hdr_len;
    size_t nh_at;            /* IPv6: offset in hdr of the next-header byte naming 44 */
    const uint8_t *data;     /* fragment data, complete (not cut by the capture) */
    size_t data_len;
    unsigned depth;
} ws_frag_in;

struct ws_frag_table *ws_frag_new(const ws_limits *limits, ws_stats *stats);
void ws_frag_free(struct ws_frag_table *t);
/* Adds a fragment; a completed datagram is decoded through ws_ip_decode. */
ws_ip_result ws_frag_add(struct ws_frag_table *t, ws_dframe *f, const ws_frag_in *in);
void ws_frag_expire(struct ws_frag_table *t, int64_t now_us);
/* Datagrams pending, and the bytes they hold. */
size_t ws_frag_pending(const struct ws_frag_table *t);
uint64_t ws_frag_bytes(const struct ws_frag_table *t);

/* UDP port of VXLAN (RFC 7348 section 5, IANA) */
#define WS_UDP_VXLAN 4789

#endif

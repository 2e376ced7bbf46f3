/* decode.c - the decoder object and the link layers in front of IP.
 * specification: IEEE 802.3 / 802.1Q (VLAN, QinQ), RFC 2516 (PPPoE),
 * RFC 3032 (MPLS label stack), and the libpcap link-type registry
 * (https://www.tcpdump.org/linktypes.html: LINKTYPE_NULL, LOOP, RAW,
 * IPV4, IPV6, LINUX_SLL, LINUX_SLL2). */
#include <stdlib.h>

#include "decode/decode_int.h"

ws_decoder *ws_decoder_new(const ws_limits *limits, ws_stats *stats)
{
    ws_decoder *dec = calloc(1, sizeof(*dec));
    if (!dec)
        return NULL;
    dec->limits = limits;
    dec->stats = stats;
    dec->frag = ws_frag_new(limits, stats);
    if (!dec->frag) {
        free(dec);
        return NULL;
    }
    return dec;
}

void ws_decoder_free(ws_decoder *dec)
{
    if (!dec)
        return;
    ws_frag_free(dec->frag);
    free(dec);
}

void ws_decoder_expire(ws_decoder *dec, int64_t now_us)
{
    ws_frag_expire(dec->frag, now_us);
}

size_t ws_decoder_frag_pending(const ws_decoder *dec) { return ws_frag_pending(dec->frag); }

uint64_t ws_decoder_frag_bytes(const ws_decoder *dec) { return ws_frag_bytes(dec->frag); }

bool ws_dlt_supported(int dlt)
{
    if (dlt == WS_DLT_EN10MB) /* nearly every capture */
        return true;
    switch (dlt) {
    case WS_DLT_NULL:
    case WS_DLT_EN10MB:
    case WS_DLT_RAW:
    case WS_DLT_RAW_ALT:
    case WS_DLT_LINKTYPE_RAW:
    case WS_DLT_LOOP:
    case WS_DLT_LINUX_SLL:
    case WS_DLT_LINUX_SLL2:
    case WS_DLT_IPV4:
    case WS_DLT_IPV6:
    case WS_DLT_PPP:
    case WS_DLT_PPP_SERIAL:
    case WS_DLT_C_HDLC:
    case WS_DLT_PPI:
        return true;
    default:
        return false;
    }
}


/* PPP protocol field: 2 bytes, or 1 when compressed (RFC 1661 section 6.5:
 * a first byte with its low bit set is the whole field). */
static uint16_t ppp_protocol(ws_cur *c, size_t *len)
{
    uint16_t ppp = ws_cur_u8(c);
    *len = 1;
    if (!(ppp & 1)) {
        ppp = (uint16_t)(ppp << 8 | ws_cur_u8(c));
        *len = 2;
    }
    return ppp;
}

/* IPv4 is PPP protocol 0x0021 (RFC 1332), IPv6 0x0057 (RFC 5072). */
static ws_link_result ppp_link(uint16_t ppp, int *ipver)
{
    if (ppp == 0x0021) {
        *ipver = 4;
        return WS_LINK_IP;
    }
    if (ppp == 0x0057) {
        *ipver = 6;
        return WS_LINK_IP;
    }
    return WS_LINK_NON_IP;
}

/* MPLS label stack: 4-byte entries until the bottom-of-stack bit; then the
 * first nibble says IPv4 or IPv6 (anything else, e.g. a pseudowire, is not
 * read). */
static ws_link_result link_mpls(ws_cur *c, int *ipver)
{
    for (int i = 0; i < WS_MAX_MPLS_LABELS; i++) {
        uint32_t entry = ws_cur_be32(c);
        if (!ws_cur_ok(c))
            return WS_LINK_TRUNCATED;
        if (entry & 0x100) { /* bottom of stack */
            if (!ws_cur_has(c, 1))
                return WS_LINK_TRUNCATED;
            uint8_t v = c->p[0] >> 4;
            if (v == 4 || v == 6) {
                *ipver = v;
                return WS_LINK_IP;
            }
            return WS_LINK_NON_IP;
        }
    }
    return WS_LINK_MALFORMED;
}

ws_link_result ws_link_ethertype(ws_cur *c, uint16_t type, int *ipver)
{
    for (int tags = 0;; tags++) {
        switch (type) {
        case WS_ETH_IPV4:
            *ipver = 4;
            return WS_LINK_IP;
        case WS_ETH_IPV6:
            *ipver = 6;
            return WS_LINK_IP;
        case WS_ETH_VLAN:
        case WS_ETH_QINQ:
        case WS_ETH_QINQ_OLD:
            if (tags >= WS_MAX_VLAN_TAGS)
                return WS_LINK_MALFORMED;
            ws_cur_be16(c); /* tag control information */
            type = ws_cur_be16(c);
            if (!ws_cur_ok(c))
                return WS_LINK_TRUNCATED;
            continue;
        case WS_ETH_PPPOE_SESSION: {
            /* RFC 2516 section 4: ver/type, code, session id, length; then PPP. */
            uint8_t vt = ws_cur_u8(c);
            uint8_t code = ws_cur_u8(c);
            ws_cur_be16(c);
            uint16_t plen = ws_cur_be16(c);
            size_t pfield;
            uint16_t ppp = ppp_protocol(c, &pfield);
            if (!ws_cur_ok(c))
                return WS_LINK_TRUNCATED;
            if (vt != 0x11 || code != 0 || plen < pfield)
                return WS_LINK_MALFORMED;
            /* The PPPoE length covers the PPP protocol field and the payload:
             * trim trailing Ethernet padding to it. */
            size_t body = (size_t)plen - pfield;
            if (ws_cur_left(c) > body)
                c->end = c->p + body;
            return ppp_link(ppp, ipver);
        }
        case WS_ETH_MPLS_UC:
        case WS_ETH_MPLS_MC:
            return link_mpls(c, ipver);
        default:
            return WS_LINK_NON_IP;
        }
    }
}

ws_link_result ws_link_ether(ws_cur *c, int *ipver)
{
    const uint8_t *h = ws_cur_take(c, 14); /* destination, source, type */
    if (!h)
        return WS_LINK_TRUNCATED;
    uint16_t type = ws_be16_at(h, 12);
    if (type < 0x0600) /* 802.3 length: LLC frames (STP, CDP, ...) */
        return WS_LINK_NON_IP;
    return ws_link_ethertype(c, type, ipver);
}

/* Linux "cooked" header v1: packet type, ARPHRD type, address length,
 * 8 address bytes, protocol. */
static ws_link_result link_sll(ws_cur *c, int *ipver)
{
    ws_cur_skip(c, 14);
    uint16_t proto = ws_cur_be16(c);
    if (!ws_cur_ok(c))
        return WS_LINK_TRUNCATED;
    return ws_link_ethertype(c, proto, ipver);
}

/* Linux "cooked" header v2: protocol, reserved, interface index, ARPHRD
 * type, packet type, address length, 8 address bytes. */
static ws_link_result link_sll2(ws_cur *c, int *ipver)
{
    uint16_t proto = ws_cur_be16(c);
    ws_cur_skip(c, 18);
    if (!ws_cur_ok(c))
        return WS_LINK_TRUNCATED;
    return ws_link_ethertype(c, proto, ipver);
}

/* BSD loopback: a 4-byte address family, in the byte order of the host that
 * wrote the capture (NULL; either order accepted, as libpcap does) or in
 * network order (LOOP). AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD,
 * OpenBSD), 28 (FreeBSD) or 30 (macOS). */
static ws_link_result link_null(ws_cur *c, bool network_order, int *ipver)
{
    if (!ws_cur_has(c, 4)) {
        ws_cur_fail(c);
        return WS_LINK_TRUNCATED;
    }
    ws_cur le = *c;
    uint32_t fam_le = ws_cur_le32(&le);
    uint32_t fam_be = ws_cur_be32(c);
    uint32_t fams[2] = {fam_be, fam_le};
    for (int i = 0; i < (network_order ? 1 : 2); i++) {
        if (fams[i] == 2) {
            *ipver = 4;
            return WS_LINK_IP;
        }
        if (fams[i] == 24 || fams[i] == 28 || fams[i] == 30) {
            *ipver = 6;
            return WS_LINK_IP;
        }
    }
    return WS_LINK_NON_IP;
}

/* Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control 0, then an
 * Ethernet type. */
static ws_link_result link_chdlc(ws_cur *c, int *ipver)
{
    ws_cur_skip(c, 2);
    uint16_t type = ws_cur_be16(c);
    if (!ws_cur_ok(c))
        return WS_LINK_TRUNCATED;
    return ws_link_ethertype(c, type, ipver);
}

/* PPP (RFC 1661), with or without the HDLC-like address and control bytes
 * 0xff 0x03 (RFC 1662 section 3.1). Some captures of type PPP hold Cisco
 * HDLC frames (address 0x0f or 0x8f, control 0), as routers write them;
 * libpcap and Wireshark read those as Cisco HDLC too. */
static ws_link_result link_ppp(ws_cur *c, int *ipver)
{
    if (!ws_cur_has(c, 2)) {
        ws_cur_fail(c);
        return WS_LINK_TRUNCATED;
    }
    uint8_t a = c->p[0], b = c->p[1];
    if ((a == 0x0f || a == 0x8f) && b == 0x00)
        return link_chdlc(c, ipver);
    if (a == 0xff && b == 0x03)
        ws_cur_skip(c, 2);
    size_t len;
    uint16_t ppp = ppp_protocol(c, &len);
    if (!ws_cur_ok(c))
        return WS_LINK_TRUNCATED;
    return ppp_link(ppp, ipver);
}

static ws_link_result link_dispatch(int dlt, ws_cur *c, int *ipver);

/* Per-Packet Information header: version 0, flags, length and the link type
 * of the packet that follows, little-endian; then that packet. One level only
 * (a PPI header inside a PPI header is malformed). */
static ws_link_result link_ppi(ws_cur *c, int *ipver)
{
    uint8_t version = ws_cur_u8(c);
    ws_cur_u8(c); /* flags */
    uint16_t len = ws_cur_le16(c);
    uint32_t dlt = ws_cur_le32(c);
    if (!ws_cur_ok(c))
        return WS_LINK_TRUNCATED;
    if (version != 0 || len < 8 || dlt == WS_DLT_PPI)
        return WS_LINK_MALFORMED;
    ws_cur_skip(c, (size_t)len - 8u);
    if (!ws_cur_ok(c))
        return WS_LINK_TRUNCATED;
    if (!ws_dlt_supported((int)dlt))
        return WS_LINK_NON_IP; /* 802.11 radio frames and the like */
    return link_dispatch((int)dlt, c, ipver);
}

static ws_link_result link_dispatch(int dlt, ws_cur *c, int *ipver)
{
    *ipver = 0;
    switch (dlt) {
    case WS_DLT_PPP:
    case WS_DLT_PPP_SERIAL:
        return link_ppp(c, ipver);
    case WS_DLT_C_HDLC:
        return link_chdlc(c, ipver);
    case WS_DLT_PPI:
        return link_ppi(c, ipver);
    case WS_DLT_EN10MB:
        return ws_link_ether(c, ipver);
    case WS_DLT_LINUX_SLL:
        return link_sll(c, ipver);
    case WS_DLT_LINUX_SLL2:
        return link_sll2(c, ipver);
    case WS_DLT_NULL:
        return link_null(c, false, ipver);
    case WS_DLT_LOOP:
        return link_null(c, true, ipver);
    case WS_DLT_RAW:
    case WS_DLT_RAW_ALT:
    case WS_DLT_LINKTYPE_RAW:
        return WS_LINK_IP; /* version nibble decides */
    case WS_DLT_IPV4:
        *ipver = 4;
        return WS_LINK_IP;
    case WS_DLT_IPV6:
        *ipver = 6;
        return WS_LINK_IP;
    default:
        return WS_LINK_MALFORMED;
    }
}

static int decode_from(ws_dframe *f, ws_cur c, int ipver)
{
    f->dec->stats->ip_packets++;
    ws_ip_decode(f, c.p, ws_cur_left(&c), ipver, 0, false);
    return f->delivered;
}

int ws_decode_frame(ws_decoder *dec, int dlt, const uint8_t *data,
                    uint32_t caplen, uint32_t wire_len, int64_t ts_us,
                    ws_packet_cb cb, void *ctx)
{
    ws_dframe f = {dec, cb, ctx, ts_us, wire_len, 0};
    if (!ws_dlt_supported(dlt)) {
        dec->stats->unsupported_link++;
        return 0;
    }
    if (ws_frag_pending(dec->frag))
        ws_frag_expire(dec->frag, ts_us);
    static const uint8_t none[1];
    if (!data) {
        data = none;
        caplen = 0;
    }
    ws_cur c = ws_cur_make(data, caplen);
    int ipver;
    switch (link_dispatch(dlt, &c, &ipver)) {
    case WS_LINK_IP:
        return decode_from(&f, c, ipver);
    case WS_LINK_NON_IP:
        dec->stats->non_ip++;
        return 0;
    case WS_LINK_TRUNCATED:
        dec->stats->truncated++;
        return 0;
    case WS_LINK_MALFORMED:
    default:
        dec->stats->malformed++;
        return 0;
    }
}

int ws_decode_ip(ws_decoder *dec, const uint8_t *data, uint32_t caplen,
                 uint32_t wire_len, int64_t ts_us, ws_packet_cb cb, void *ctx)
{
    ws_dframe f = {dec, cb, ctx, ts_us, wire_len, 0};
    if (ws_frag_pending(dec->frag))
        ws_frag_expire(dec->frag, ts_us);
    static const uint8_t none[1];
    if (!data) {
        data = none;
        caplen = 0;
    }
    ws_cur c = ws_cur_make(data, caplen);
    return decode_from(&f, c, 0);
}

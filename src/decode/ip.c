/* ip.c - IPv4 and IPv6 headers, IPv6 extension headers, IP-in-IP, GRE and
 * VXLAN tunnels, and the hand-over of fragments to frag.c.
 * specification: RFC 791 (IPv4), RFC 8200 (IPv6, extension headers),
 * RFC 2675 (jumbograms), RFC 4302 (AH), RFC 6275 section 6.1 (mobility
 * header), RFC 2003 / RFC 4213 (IP-in-IP), RFC 2784 and RFC 2890 (GRE),
 * RFC 7348 (VXLAN). */
#include <string.h>

#include "decode/decode_int.h"

static void deliver(ws_dframe *f, ws_packet *pkt)
{
    if (pkt->tunnel_depth > 0)
        f->dec->stats->tunnels++;
    f->delivered++;
    if (f->cb)
        f->cb(pkt, f->ctx);
}

/* Delivers pkt as it is: a protocol wirespec does not look into (or a tunnel
 * it stops at), its whole payload as the payload. */
static ws_ip_result deliver_opaque(ws_dframe *f, ws_packet *pkt, ws_cur c)
{
    pkt->sport = pkt->dport = 0;
    pkt->payload = c.p;
    pkt->payload_len = (uint32_t)ws_cur_left(&c);
    deliver(f, pkt);
    return WS_IP_DELIVERED;
}

/* Peels one tunnel layer whose inner IP packet is at c. When the limit is
 * reached, or the inner packet cannot be read, the outer packet is
 * delivered instead, so the tunnel itself is still seen. */
static ws_ip_result tunnel(ws_dframe *f, ws_packet *outer, ws_cur whole, ws_cur inner,
                           int ipver, unsigned depth)
{
    if (depth >= f->dec->limits->max_tunnel_depth) {
        f->dec->stats->tunnel_too_deep++;
        return deliver_opaque(f, outer, whole);
    }
    ws_ip_result r = ws_ip_decode(f, inner.p, ws_cur_left(&inner), ipver, depth + 1,
                                  outer->reassembled);
    if (r == WS_IP_BAD)
        return deliver_opaque(f, outer, whole);
    return r;
}

/* Enhanced GRE (version 1, RFC 2637 section 4.1) as PPTP uses it: PPP in
 * GRE, with IPv4 or IPv6 inside. g is past the flags and protocol fields.
 * Acknowledgement-only packets and other PPP protocols stay GRE packets. */
static ws_ip_result gre_pptp(ws_dframe *f, ws_packet *pkt, ws_cur c, ws_cur g,
                             uint16_t flags, uint16_t ptype, unsigned depth)
{
    if (ptype != 0x880B || (flags & 0xEF78) != 0x2000)
        return deliver_opaque(f, pkt, c); /* K set; C, R, s, recur, flags zero */
    uint16_t plen = ws_cur_be16(&g);
    ws_cur_skip(&g, 2); /* call id */
    if (flags & 0x1000) /* sequence number */
        ws_cur_skip(&g, 4);
    if (flags & 0x0080) /* acknowledgement number */
        ws_cur_skip(&g, 4);
    if (!ws_cur_ok(&g)) {
        f->dec->stats->truncated++;
        return deliver_opaque(f, pkt, c);
    }
    if (plen == 0)
        return deliver_opaque(f, pkt, c);
    ws_cur ppp = g;
    if (ws_cur_has(&ppp, 1) && ppp.p[0] == 0xFF)
        ws_cur_skip(&ppp, 2); /* address 0xFF and control 0x03 (RFC 1662) */
    uint16_t proto = ws_cur_u8(&ppp);
    if (!(proto & 1)) /* not compressed (RFC 1661 section 6.5) */
        proto = (uint16_t)(proto << 8 | ws_cur_u8(&ppp));
    if (!ws_cur_ok(&ppp)) {
        f->dec->stats->truncated++;
        return deliver_opaque(f, pkt, c);
    }
    if (proto == 0x0021)
        return tunnel(f, pkt, c, ppp, 4, depth);
    if (proto == 0x0057)
        return tunnel(f, pkt, c, ppp, 6, depth);
    return deliver_opaque(f, pkt, c);
}

/* GRE version 0 (RFC 2784, with the key and sequence fields of RFC 2890),
 * and version 1 as PPTP uses it. Source-routed GRE (RFC 1701) and payloads
 * that are not IP or Ethernet (ERSPAN, ...) are delivered as GRE packets. */
static ws_ip_result gre(ws_dframe *f, ws_packet *pkt, ws_cur c, unsigned depth)
{
    ws_cur g = c;
    uint16_t flags = ws_cur_be16(&g);
    uint16_t ptype = ws_cur_be16(&g);
    if (!ws_cur_ok(&g)) {
        f->dec->stats->truncated++;
        return deliver_opaque(f, pkt, c);
    }
    if ((flags & 0x0007) == 1)
        return gre_pptp(f, pkt, c, g, flags, ptype, depth);
    if ((flags & 0x0007) != 0 || (flags & 0x4000) != 0)
        return deliver_opaque(f, pkt, c);
    if (flags & 0x8000) /* checksum + reserved1 */
        ws_cur_skip(&g, 4);
    if (flags & 0x2000) /* key */
        ws_cur_skip(&g, 4);
    if (flags & 0x1000) /* sequence number */
        ws_cur_skip(&g, 4);
    if (!ws_cur_ok(&g)) {
        f->dec->stats->truncated++;
        return deliver_opaque(f, pkt, c);
    }
    int ipver;
    switch (ptype) {
    case WS_ETH_IPV4:
        ipver = 4;
        break;
    case WS_ETH_IPV6:
        ipver = 6;
        break;
    case WS_ETH_TEB:
        switch (ws_link_ether(&g, &ipver)) {
        case WS_LINK_IP:
            break;
        case WS_LINK_TRUNCATED:
            f->dec->stats->truncated++;
            return deliver_opaque(f, pkt, c);
        case WS_LINK_MALFORMED:
            f->dec->stats->malformed++;
            return deliver_opaque(f, pkt, c);
        default:
            return deliver_opaque(f, pkt, c);
        }
        break;
    default:
        return deliver_opaque(f, pkt, c);
    }
    return tunnel(f, pkt, c, g, ipver, depth);
}

/* VXLAN (RFC 7348 section 5): an 8-byte header whose flags have the I bit
 * (0x08) set, then an Ethernet frame. A datagram to the VXLAN port without
 * it, or whose frame holds no IP, stays a UDP packet. */
static ws_ip_result vxlan(ws_dframe *f, ws_packet *pkt, unsigned depth)
{
    ws_cur v = ws_cur_make(pkt->payload, pkt->payload_len);
    uint8_t flags = ws_cur_u8(&v);
    ws_cur_skip(&v, 7);
    int ipver = 0;
    if (!ws_cur_ok(&v) || !(flags & 0x08) || ws_link_ether(&v, &ipver) != WS_LINK_IP) {
        deliver(f, pkt);
        return WS_IP_DELIVERED;
    }
    if (depth >= f->dec->limits->max_tunnel_depth) {
        f->dec->stats->tunnel_too_deep++;
        deliver(f, pkt);
        return WS_IP_DELIVERED;
    }
    ws_ip_result r = ws_ip_decode(f, v.p, ws_cur_left(&v), ipver, depth + 1, pkt->reassembled);
    if (r == WS_IP_BAD) {
        deliver(f, pkt);
        return WS_IP_DELIVERED;
    }
    return r;
}

/* The payload of an IP packet whose header (and IPv6 extension headers) has
 * been read into pkt. c holds the captured payload; sent_len is its length
 * as sent, UINT32_MAX when unknown. */
static ws_ip_result ip_payload(ws_dframe *f, ws_packet *pkt, int ipver, ws_cur c,
                               uint32_t sent_len, unsigned depth)
{
    ws_stats *st = f->dec->stats;
    /* ipver is pkt->ip_version, given apart: tested together with
     * pkt->proto as one 16-bit load, the two fields just written byte by
     * byte stalled every packet (store-to-load forwarding). */
    if (ipver == 4 && pkt->proto == WS_IPPROTO_AH) {
        /* RFC 4302 section 2: next header, payload length in 32-bit words - 2. */
        ws_cur h = c;
        uint8_t nh = ws_cur_u8(&h);
        uint8_t l = ws_cur_u8(&h);
        size_t ahlen = ((size_t)l + 2) * 4;
        if (sent_len != UINT32_MAX && sent_len < (ws_cur_ok(&h) ? ahlen : 2)) {
            st->malformed++;
            return WS_IP_BAD;
        }
        if (!ws_cur_ok(&h) || !ws_cur_skip(&c, ahlen)) {
            st->truncated++;
            return WS_IP_BAD;
        }
        if (sent_len != UINT32_MAX)
            sent_len -= (uint32_t)ahlen;
        pkt->proto = nh;
    }
    switch (pkt->proto) {
    case WS_IPPROTO_IPIP:
        return tunnel(f, pkt, c, c, 4, depth);
    case WS_IPPROTO_IPV6:
        return tunnel(f, pkt, c, c, 6, depth);
    case WS_IPPROTO_GRE:
        return gre(f, pkt, c, depth);
    default:
        if (!ws_transport_decode(f->dec, pkt, c, sent_len))
            return WS_IP_BAD;
        if (pkt->proto == WS_IPPROTO_UDP && pkt->dport == WS_UDP_VXLAN)
            return vxlan(f, pkt, depth);
        deliver(f, pkt);
        return WS_IP_DELIVERED;
    }
}

/*
 * A fragment. Checks the RFC rules on its offset and length, then hands it to
 * the reassembly table. A fragment cut short by the capture cannot be
 * reassembled: when it is the first one, it is decoded on its own (its
 * transport header is there); otherwise it is only counted.
 */
static ws_ip_result fragment(ws_dframe *f, ws_packet *pkt, ws_frag_in *in, ws_cur data,
                             uint32_t sent_len, unsigned depth)
{
    ws_stats *st = f->dec->stats;
    st->fragments++;
    uint64_t end = (uint64_t)in->offset + sent_len;
    /* Largest datagram the header can describe: IPv4 total length, IPv6
     * payload length (which counts the unfragmentable extension headers). */
    uint64_t whole = in->version == 4 ? in->hdr_len + end : in->hdr_len - 40 + end;
    if ((in->more && sent_len % 8 != 0) || whole > 65535 || (in->more && sent_len == 0)) {
        st->malformed++;
        return WS_IP_BAD;
    }
    if (ws_cur_left(&data) < sent_len) {
        st->truncated++;
        if (in->offset != 0)
            return WS_IP_HELD;
        if (in->version == 6 && pkt->proto != WS_IPPROTO_NONE) {
            size_t at = 0;
            uint8_t nh = pkt->proto;
            int r = ws_ipv6_ext_walk(&data, data.p, &nh, &at, NULL);
            if (r != 0 || nh == WS_IPPROTO_FRAGMENT) {
                st->malformed += (r == -2 || nh == WS_IPPROTO_FRAGMENT);
                return WS_IP_BAD;
            }
            pkt->proto = nh;
        }
        return ip_payload(f, pkt, in->version, data, UINT32_MAX, depth);
    }
    in->data = data.p;
    in->data_len = sent_len;
    in->depth = depth;
    return ws_frag_add(f->dec->frag, f, in);
}

/* Sets every field of pkt that the IP layer does not set itself (the
 * addresses are; the quoted header only says it is absent): a field left at
 * its "none" value here is 0, NULL or false, as decode.h describes it. Field
 * by field rather than a memset of the whole packet with its quote. */
static void packet_init(ws_dframe *f, ws_packet *pkt, unsigned depth, bool reassembled)
{
    pkt->ts_us = f->ts_us;
    pkt->wire_len = f->wire_len;
    pkt->ip_len = 0;
    pkt->ip_version = 0;
    pkt->proto = 0;
    pkt->tunnel_depth = (uint8_t)(depth > 255 ? 255 : depth);
    pkt->reassembled = reassembled;
    pkt->sport = pkt->dport = 0;
    pkt->tcp_flags = 0;
    pkt->tcp_seq = pkt->tcp_ack = 0;
    pkt->tcp_win = 0;
    pkt->icmp_type = pkt->icmp_code = 0;
    pkt->icmp_id = 0;
    pkt->icmp_error = false;
    pkt->quoted.present = false;
    pkt->esp_spi = pkt->esp_seq = 0;
    pkt->l3 = NULL;
    pkt->l3_len = 0;
    pkt->payload = NULL;
    pkt->payload_len = 0;
}

static ws_ip_result ipv4(ws_dframe *f, const uint8_t *data, size_t len, unsigned depth,
                         bool reassembled)
{
    ws_stats *st = f->dec->stats;
    ws_cur c = ws_cur_make(data, len);
    /* version/IHL, type of service, total length, identification,
     * flags/fragment offset, time to live, protocol, header checksum (not
     * checked), source, destination */
    const uint8_t *h = ws_cur_take(&c, 20);
    if (!h) {
        st->truncated++;
        return WS_IP_BAD;
    }
    uint8_t vihl = h[0];
    uint16_t total = ws_be16_at(h, 2);
    uint16_t id = ws_be16_at(h, 4);
    uint16_t fo = ws_be16_at(h, 6);
    uint8_t proto = h[9];
    const uint8_t *s = h + 12;
    const uint8_t *d = h + 16;
    size_t hl = (size_t)(vihl & 0x0f) * 4;
    /* Total length 0: written by a host that leaves segmentation to its NIC
     * (TSO), captured on that host. Like Wireshark, take the captured
     * length (bounded by 65535). */
    if (total == 0 && !reassembled && depth == 0 && len >= hl && hl >= 20)
        total = (uint16_t)(len > 65535 ? 65535 : len);
    if (hl < 20 || total < hl) {
        st->malformed++;
        return WS_IP_BAD;
    }
    if (len < hl) {
        st->truncated++;
        return WS_IP_BAD;
    }
    size_t l3_len = len < total ? len : total; /* drops link-layer padding */
    ws_packet pkt;
    packet_init(f, &pkt, depth, reassembled);
    pkt.ip_version = 4;
    pkt.ip_len = total;
    pkt.proto = proto;
    ws_addr_put4(&pkt.src, s);
    ws_addr_put4(&pkt.dst, d);
    pkt.l3 = data;
    pkt.l3_len = (uint32_t)l3_len;

    ws_cur pay = ws_cur_make(data, l3_len);
    ws_cur_skip(&pay, hl);
    uint32_t sent = (uint32_t)(total - hl);
    bool more = (fo & 0x2000) != 0;
    uint32_t offset = (uint32_t)(fo & 0x1fff) * 8;
    if (more || offset) {
        ws_frag_in in;
        memset(&in, 0, sizeof(in));
        in.version = 4;
        in.src = pkt.src;
        in.dst = pkt.dst;
        in.id = id;
        in.proto = proto;
        in.offset = offset;
        in.more = more;
        in.hdr = data;
        in.hdr_len = hl;
        return fragment(f, &pkt, &in, pay, sent, depth);
    }
    return ip_payload(f, &pkt, 4, pay, sent, depth);
}

/* The options of a hop-by-hop header (after its first two bytes): the
 * jumbo payload option (type 0xC2, RFC 2675 section 2). */
static void hbh_jumbo(ws_cur o, uint32_t *jumbo)
{
    while (ws_cur_left(&o) > 0) {
        uint8_t type = ws_cur_u8(&o);
        if (type == 0) /* Pad1 */
            continue;
        uint8_t olen = ws_cur_u8(&o);
        if (type == 0xC2 && olen == 4) {
            *jumbo = ws_cur_be32(&o);
            return;
        }
        if (!ws_cur_skip(&o, olen))
            return;
    }
}

int ws_ipv6_ext_walk(ws_cur *c, const uint8_t *base, uint8_t *nh, size_t *nh_at,
                     uint32_t *jumbo)
{
    for (int i = 0;; i++) {
        switch (*nh) {
        case WS_IPPROTO_HOPOPTS:
        case WS_IPPROTO_ROUTING:
        case WS_IPPROTO_DSTOPTS:
        case WS_IPPROTO_AH:
        case WS_IPPROTO_MOBILITY: {
            if (i >= WS_MAX_IPV6_EXT)
                return -2;
            /* Hop-by-hop options come right after the IPv6 header only. */
            if (*nh == WS_IPPROTO_HOPOPTS && i != 0)
                return -2;
            size_t at = (size_t)(c->p - base);
            ws_cur h = *c;
            uint8_t next = ws_cur_u8(&h);
            uint8_t l = ws_cur_u8(&h);
            if (!ws_cur_ok(&h))
                return -1;
            size_t hlen = *nh == WS_IPPROTO_AH ? ((size_t)l + 2) * 4 : ((size_t)l + 1) * 8;
            ws_cur body = ws_cur_sub(c, hlen);
            if (!ws_cur_ok(c))
                return -1;
            if (*nh == WS_IPPROTO_HOPOPTS && jumbo) {
                ws_cur_skip(&body, 2);
                hbh_jumbo(body, jumbo);
            }
            *nh_at = at;
            *nh = next;
            continue;
        }
        case WS_IPPROTO_FRAGMENT: {
            if (i >= WS_MAX_IPV6_EXT)
                return -2;
            ws_cur h = *c;
            uint8_t next = ws_cur_u8(&h);
            ws_cur_skip(&h, 1);
            uint16_t offlg = ws_cur_be16(&h);
            ws_cur_skip(&h, 4);
            if (!ws_cur_ok(&h))
                return -1;
            if ((offlg & 0xfff9) != 0)
                return 0; /* a real fragment: the caller reads it */
            /* Atomic fragment (RFC 6946): processed as a whole packet. */
            *nh_at = (size_t)(c->p - base);
            *nh = next;
            *c = h;
            continue;
        }
        default:
            return 0;
        }
    }
}

static ws_ip_result ipv6(ws_dframe *f, const uint8_t *data, size_t len, unsigned depth,
                         bool reassembled)
{
    ws_stats *st = f->dec->stats;
    ws_cur c = ws_cur_make(data, len);
    ws_cur_skip(&c, 4); /* version, traffic class, flow label */
    uint16_t plen = ws_cur_be16(&c);
    uint8_t nh = ws_cur_u8(&c);
    ws_cur_skip(&c, 1); /* hop limit */
    const uint8_t *s = ws_cur_take(&c, 16);
    const uint8_t *d = ws_cur_take(&c, 16);
    if (!ws_cur_ok(&c)) {
        st->truncated++;
        return WS_IP_BAD;
    }
    /* Payload length 0: a jumbogram (RFC 2675) or a sender that left it to
     * the NIC (segmentation offload). Either way the capture bounds it. */
    uint64_t sent_total = plen ? 40u + (uint64_t)plen : (uint64_t)len;
    size_t l3_len = len < sent_total ? len : (size_t)sent_total;
    ws_cur w = ws_cur_make(data, l3_len);
    ws_cur_skip(&w, 40);
    size_t nh_at = 6;
    uint32_t jumbo = 0;
    int r = ws_ipv6_ext_walk(&w, data, &nh, &nh_at, &jumbo);
    if (r != 0) {
        if (r == -1 && plen != 0 && len >= sent_total)
            st->malformed++; /* the headers run past the length sent */
        else if (r == -1)
            st->truncated++;
        else
            st->malformed++;
        return WS_IP_BAD;
    }
    if (plen == 0 && jumbo > 65535) {
        sent_total = 40u + (uint64_t)jumbo;
        if (sent_total < l3_len) {
            size_t used = l3_len - ws_cur_left(&w);
            if (sent_total < used) {
                st->malformed++;
                return WS_IP_BAD;
            }
            l3_len = (size_t)sent_total;
            w.end = data + l3_len;
        }
    }
    ws_packet pkt;
    packet_init(f, &pkt, depth, reassembled);
    pkt.ip_version = 6;
    pkt.ip_len = sent_total > UINT32_MAX ? UINT32_MAX : (uint32_t)sent_total;
    pkt.proto = nh;
    ws_addr_put6(&pkt.src, s);
    ws_addr_put6(&pkt.dst, d);
    pkt.l3 = data;
    pkt.l3_len = (uint32_t)l3_len;

    size_t used = l3_len - ws_cur_left(&w);
    if (nh == WS_IPPROTO_FRAGMENT) {
        ws_cur h = w;
        uint8_t next = ws_cur_u8(&h);
        ws_cur_skip(&h, 1);
        uint16_t offlg = ws_cur_be16(&h);
        uint32_t id = ws_cur_be32(&h);
        if (!ws_cur_ok(&h)) {
            st->truncated++;
            return WS_IP_BAD;
        }
        if (plen == 0) { /* RFC 2675 section 3: jumbograms are not fragmented */
            st->malformed++;
            return WS_IP_BAD;
        }
        ws_frag_in in;
        memset(&in, 0, sizeof(in));
        in.version = 6;
        in.src = pkt.src;
        in.dst = pkt.dst;
        in.id = id;
        in.proto = next;
        in.offset = offlg & 0xfff8;
        in.more = (offlg & 1) != 0;
        in.hdr = data;
        in.hdr_len = used;
        in.nh_at = nh_at;
        pkt.proto = next;
        return fragment(f, &pkt, &in, h, (uint32_t)(sent_total - used - 8), depth);
    }
    uint64_t sent = sent_total - used;
    return ip_payload(f, &pkt, 6, w, sent > UINT32_MAX - 1 ? UINT32_MAX : (uint32_t)sent, depth);
}

ws_ip_result ws_ip_decode(ws_dframe *f, const uint8_t *data, size_t len,
                          int expect_version, unsigned depth, bool reassembled)
{
    ws_cur c = ws_cur_make(data, len);
    uint8_t b0 = ws_cur_u8(&c);
    if (!ws_cur_ok(&c)) {
        f->dec->stats->truncated++;
        return WS_IP_BAD;
    }
    int v = b0 >> 4;
    if ((v != 4 && v != 6) || (expect_version && v != expect_version)) {
        f->dec->stats->malformed++;
        return WS_IP_BAD;
    }
    return v == 4 ? ipv4(f, data, len, depth, reassembled)
                  : ipv6(f, data, len, depth, reassembled);
}

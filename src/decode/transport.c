/* transport.c - TCP, UDP, ICMP, ICMPv6 (with the header an error quotes) and
 * ESP headers.
 * specification: RFC 9293 section 3.1 (TCP header), RFC 768 (UDP),
 * RFC 792 and RFC 1122 section 3.2.2 (ICMP), RFC 4443 (ICMPv6),
 * RFC 4303 section 2 (ESP). */
#include <string.h>

#include "decode/decode_int.h"

static bool icmp_is_error(uint8_t proto, uint8_t type)
{
    if (proto == WS_IPPROTO_ICMP)
        return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
    return type >= 1 && type <= 4; /* ICMPv6 errors are types 0-127; 1-4 defined */
}

static bool icmp_is_echo(uint8_t proto, uint8_t type)
{
    if (proto == WS_IPPROTO_ICMP)
        return type == 0 || type == 8;
    return type == 128 || type == 129;
}

/* The first bytes of the quoted transport header: ports, or the ESP SPI. */
static void quote_transport(ws_cur c, ws_quoted *q)
{
    if (!ws_cur_has(&c, 4))
        return;
    if (q->proto == WS_IPPROTO_TCP || q->proto == WS_IPPROTO_UDP) {
        q->sport = ws_cur_be16(&c);
        q->dport = ws_cur_be16(&c);
    } else if (q->proto == WS_IPPROTO_ESP) {
        q->esp_spi = ws_cur_be32(&c);
    } else if (q->proto == WS_IPPROTO_ICMP || q->proto == WS_IPPROTO_ICMPV6) {
        /* type, code, checksum, then the echo identifier (RFC 792, 4443) */
        q->icmp_type = ws_cur_u8(&c);
        q->icmp_code = ws_cur_u8(&c);
        ws_cur_skip(&c, 2);
        q->icmp_id = ws_cur_be16(&c); /* 0 when the quote stops short */
    }
}

/* The IP header an ICMP error quotes (RFC 792: the internet header and the
 * first 64 bits of the datagram's data; RFC 4443: as much as fits). The
 * quote is short by design, so running out of bytes is not counted. */
static void quote_ip(ws_cur c, ws_quoted *q)
{
    memset(q, 0, sizeof(*q));
    ws_cur h = c;
    uint8_t b0 = ws_cur_u8(&h);
    if (!ws_cur_ok(&h))
        return;
    if (b0 >> 4 == 4) {
        h = c;
        ws_cur_skip(&h, 6);
        uint16_t fo = ws_cur_be16(&h);
        ws_cur_skip(&h, 1);
        uint8_t proto = ws_cur_u8(&h);
        ws_cur_skip(&h, 2);
        const uint8_t *s = ws_cur_take(&h, 4);
        const uint8_t *d = ws_cur_take(&h, 4);
        if (!ws_cur_ok(&h))
            return;
        q->present = true;
        ws_addr_set4(&q->src, s);
        ws_addr_set4(&q->dst, d);
        q->proto = proto;
        size_t hl = (size_t)(b0 & 0x0f) * 4;
        if (hl < 20 || !ws_cur_skip(&h, hl - 20))
            return;
        if ((fo & 0x1fff) != 0) /* a later fragment: no transport header */
            return;
        quote_transport(h, q);
    } else if (b0 >> 4 == 6) {
        h = c;
        ws_cur_skip(&h, 6);
        uint8_t nh = ws_cur_u8(&h);
        ws_cur_skip(&h, 1);
        const uint8_t *s = ws_cur_take(&h, 16);
        const uint8_t *d = ws_cur_take(&h, 16);
        if (!ws_cur_ok(&h))
            return;
        q->present = true;
        ws_addr_set6(&q->src, s);
        ws_addr_set6(&q->dst, d);
        size_t at = 6;
        int r = ws_ipv6_ext_walk(&h, c.p, &nh, &at, NULL);
        q->proto = nh;
        if (r != 0)
            return;
        if (nh == WS_IPPROTO_FRAGMENT) {
            uint8_t next = ws_cur_u8(&h);
            ws_cur_skip(&h, 1);
            uint16_t offlg = ws_cur_be16(&h);
            ws_cur_skip(&h, 4);
            if (!ws_cur_ok(&h))
                return;
            q->proto = next;
            if ((offlg & 0xfff8) != 0)
                return;
        }
        quote_transport(h, q);
    }
}

/* A header shorter than its fixed part: malformed when the IP length says
 * so, truncated when the capture cut it. */
static bool short_header(ws_stats *st, uint32_t sent_len, size_t need)
{
    if (sent_len != UINT32_MAX && sent_len < need)
        st->malformed++;
    else
        st->truncated++;
    return false;
}

static void set_payload(ws_packet *pkt, ws_cur c)
{
    pkt->payload = c.p;
    pkt->payload_len = (uint32_t)ws_cur_left(&c);
}

static bool tcp(ws_stats *st, ws_packet *pkt, ws_cur c, uint32_t sent_len)
{
    /* source and destination port, sequence and acknowledgement numbers,
     * data offset and flags, window, checksum, urgent pointer */
    const uint8_t *h = ws_cur_take(&c, 20);
    if (!h)
        return short_header(st, sent_len, 20);
    uint16_t sport = ws_be16_at(h, 0);
    uint16_t dport = ws_be16_at(h, 2);
    uint32_t seq = ws_be32_at(h, 4);
    uint32_t ack = ws_be32_at(h, 8);
    uint16_t off_flags = ws_be16_at(h, 12);
    uint16_t win = ws_be16_at(h, 14);
    size_t hl = (size_t)(off_flags >> 12) * 4;
    if (hl < 20 || (sent_len != UINT32_MAX && hl > sent_len)) {
        st->malformed++;
        return false;
    }
    pkt->sport = sport;
    pkt->dport = dport;
    pkt->tcp_seq = seq;
    pkt->tcp_ack = ack;
    pkt->tcp_flags = (uint8_t)(off_flags & 0xff);
    pkt->tcp_win = win;
    if (!ws_cur_skip(&c, hl - 20)) {
        /* Options cut by the capture: the packet is still usable. */
        st->truncated++;
        pkt->payload = NULL;
        pkt->payload_len = 0;
        return true;
    }
    set_payload(pkt, c);
    return true;
}

static bool udp(ws_stats *st, ws_packet *pkt, ws_cur c, uint32_t sent_len)
{
    const uint8_t *h = ws_cur_take(&c, 8); /* ports, length, checksum */
    if (!h)
        return short_header(st, sent_len, 8);
    uint16_t sport = ws_be16_at(h, 0);
    uint16_t dport = ws_be16_at(h, 2);
    uint16_t ulen = ws_be16_at(h, 4);
    uint32_t len = ulen;
    if (ulen == 0 && pkt->ip_version == 6 && sent_len != UINT32_MAX && sent_len > 65535)
        len = sent_len; /* RFC 2675 section 4: UDP jumbogram */
    if (len < 8 || (sent_len != UINT32_MAX && len > sent_len)) {
        st->malformed++;
        return false;
    }
    pkt->sport = sport;
    pkt->dport = dport;
    if (ws_cur_left(&c) > len - 8)
        c.end = c.p + (len - 8); /* bytes after the UDP length are not UDP's */
    set_payload(pkt, c);
    return true;
}

static bool icmp(ws_stats *st, ws_packet *pkt, ws_cur c, uint32_t sent_len)
{
    uint8_t type = ws_cur_u8(&c);
    uint8_t code = ws_cur_u8(&c);
    ws_cur_skip(&c, 2); /* checksum */
    uint16_t id = ws_cur_be16(&c);
    ws_cur_skip(&c, 2); /* sequence, or the rest of the unused word */
    if (!ws_cur_ok(&c))
        return short_header(st, sent_len, 8);
    pkt->icmp_type = type;
    pkt->icmp_code = code;
    if (icmp_is_echo(pkt->proto, type))
        pkt->icmp_id = id;
    if (icmp_is_error(pkt->proto, type)) {
        pkt->icmp_error = true;
        quote_ip(c, &pkt->quoted);
    }
    set_payload(pkt, c);
    return true;
}

static bool esp(ws_stats *st, ws_packet *pkt, ws_cur c, uint32_t sent_len)
{
    uint32_t spi = ws_cur_be32(&c);
    uint32_t seq = ws_cur_be32(&c);
    if (!ws_cur_ok(&c))
        return short_header(st, sent_len, 8);
    pkt->esp_spi = spi;
    pkt->esp_seq = seq;
    set_payload(pkt, c);
    return true;
}

bool ws_transport_decode(ws_decoder *dec, ws_packet *pkt, ws_cur c, uint32_t sent_len)
{
    ws_stats *st = dec->stats;
    switch (pkt->proto) {
    case WS_IPPROTO_TCP:
        return tcp(st, pkt, c, sent_len);
    case WS_IPPROTO_UDP:
        return udp(st, pkt, c, sent_len);
    case WS_IPPROTO_ICMP:
    case WS_IPPROTO_ICMPV6:
        return icmp(st, pkt, c, sent_len);
    case WS_IPPROTO_ESP:
        return esp(st, pkt, c, sent_len);
    default:
        set_payload(pkt, c);
        return true;
    }
}

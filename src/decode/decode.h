/* decode.h - from link-layer bytes to one decoded IP packet.
 *
 * The decoder reads untrusted bytes through the checked cursor (cursor.h)
 * only. It keeps state for IP fragment reassembly, so it is an object.
 * A frame yields zero, one or (after a conflicting fragment overlap, see
 * frag.c) two packets, handed to a callback; pointers inside a ws_packet are
 * valid only during that callback.
 *
 * What is delivered, and what is counted (one rule for every layer):
 * - A frame that is not IP (ARP, LLDP, LLC, PPPoE discovery, ...) counts in
 *   non_ip; a link type wirespec does not read counts in unsupported_link.
 *   A frame whose link layer hands bytes to IP counts once in ip_packets
 *   (reassembled and tunnelled packets do not count again).
 * - The network layer must be complete to deliver: the IPv4 header with its
 *   options, the IPv6 header with its extension headers up to the transport
 *   header. Cut short by the capture: counted in truncated, not delivered.
 *   Contradicting itself (IHL < 5, total length shorter than the header,
 *   version not the one the link layer announced, extension chain longer
 *   than 16 or hop-by-hop not first): counted in malformed, not delivered.
 * - The fixed transport header must be complete to deliver: TCP 20 bytes,
 *   UDP 8, ICMP/ICMPv6 8, ESP 8 (SPI and sequence). Cut by the capture:
 *   truncated; shorter than the IP length allows, or inconsistent (TCP data
 *   offset < 5 or past the IP length, UDP length < 8 or past the IP
 *   length): malformed. Neither is delivered. TCP options cut by the
 *   capture: counted truncated, delivered with an empty payload. Other
 *   protocols have no header wirespec needs: delivered with ports 0.
 * - Bytes past the IP length (Ethernet padding, a trailer) are not part of
 *   l3 or payload; an IP length past the captured bytes is not an error
 *   (snaplen): l3 and payload hold what was captured, ip_len what was sent.
 * - IPv6 payload length 0 (jumbogram, or offloaded segmentation): the IP
 *   packet is what was captured (or the jumbo payload option, if smaller).
 *   IPv4 total length 0 on an outer packet (segmentation offload, captured
 *   on the sending host): the IP packet is what was captured, as Wireshark
 *   reads it; any other total length shorter than the header is malformed.
 * - Tunnels (IP-in-IP proto 4 and 41; GRE version 0 carrying IPv4, IPv6 or
 *   Ethernet) are peeled up to limits->max_tunnel_depth layers: the
 *   innermost IP packet is delivered with tunnel_depth layers peeled, and
 *   counted in tunnels. At the limit (tunnel_too_deep), or when the inner
 *   packet is truncated or malformed (counted as such), the tunnel packet
 *   itself is delivered, proto 4, 41 or 47, its payload the inner bytes.
 *   GRE that is not peeled (PPTP enhanced GRE, ERSPAN, routing present) is
 *   delivered as proto 47. VXLAN (UDP to 4789 with the I flag, Ethernet
 *   inside) is peeled the same way; when not, the UDP datagram is delivered.
 * - Fragments are counted in fragments and held (see frag.c for the policy);
 *   the reassembled datagram is delivered with reassembled set, ip_len its
 *   whole length, wire_len the sum of the wire lengths of the frames that
 *   carried its fragments, ts_us the time of the frame that completed it.
 *   A fragment cut by the capture cannot be reassembled: counted truncated;
 *   the first one is then delivered on its own (its transport header is
 *   there), the others are dropped. IPv6 atomic fragments (offset 0, M 0)
 *   are plain packets.
 * - An ICMP/ICMPv6 error is delivered with icmp_error set; quoted.present
 *   when the quote holds the addresses, ports (or the ESP SPI) when it also
 *   holds them. A short quote is normal and is not counted.
 *
 * At the end of input call ws_decoder_expire(dec, INT64_MAX) so that
 * datagrams never completed are counted in frag_timeout.
 */
#ifndef WS_DECODE_H
#define WS_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/limits.h"

/* Link types wirespec reads (values are libpcap's DLT_* numbers). */
#define WS_DLT_NULL 0          /* BSD loopback, host-order family */
#define WS_DLT_EN10MB 1        /* Ethernet, with 802.1Q / QinQ */
#define WS_DLT_RAW 12          /* raw IP (OpenBSD value 14 too) */
#define WS_DLT_RAW_ALT 14
#define WS_DLT_LOOP 108        /* OpenBSD loopback, network-order family */
#define WS_DLT_LINUX_SLL 113
#define WS_DLT_IPV4 228
#define WS_DLT_IPV6 229
#define WS_DLT_LINUX_SLL2 276
#define WS_DLT_LINKTYPE_RAW 101 /* LINKTYPE_RAW as libpcap may report it */
#define WS_DLT_PPP 9           /* PPP, with or without 0xff 0x03 */
#define WS_DLT_PPP_SERIAL 50   /* PPP in HDLC-like framing */
#define WS_DLT_C_HDLC 104      /* Cisco HDLC */
#define WS_DLT_PPI 192         /* Per-Packet Information header, then another link type */

/* TCP flags */
#define WS_TCP_FIN 0x01
#define WS_TCP_SYN 0x02
#define WS_TCP_RST 0x04
#define WS_TCP_PSH 0x08
#define WS_TCP_ACK 0x10

/* The IP + transport header quoted inside an ICMP/ICMPv6 error. */
typedef struct ws_quoted {
    bool present;
    ws_addr src, dst;   /* as in the quoted header: the offending packet's */
    uint8_t proto;
    uint16_t sport, dport; /* 0 when the quote is too short to hold them */
    uint32_t esp_spi;      /* when proto is ESP and the quote holds it */
    /* when proto is ICMP/ICMPv6 (a quoted echo request, say), and the quote
     * holds them: so the error can be matched to the echo flow */
    uint8_t icmp_type, icmp_code;
    uint16_t icmp_id;      /* echo identifier */
} ws_quoted;

typedef struct ws_packet {
    int64_t ts_us;          /* capture time, microseconds since the epoch */
    uint32_t wire_len;      /* frame length on the wire (pcap len) */
    uint32_t ip_len;        /* IP total length: header + payload, as sent */
    uint8_t ip_version;     /* 4 or 6 */
    uint8_t proto;          /* transport protocol number (after IPv6 ext headers) */
    uint8_t tunnel_depth;   /* IP-in-IP / GRE layers peeled to reach this one */
    bool reassembled;       /* rebuilt from fragments */
    ws_addr src, dst;
    uint16_t sport, dport;  /* TCP/UDP ports; 0 for other protocols */

    /* TCP */
    uint8_t tcp_flags;
    uint32_t tcp_seq, tcp_ack;
    uint16_t tcp_win;

    /* ICMP (proto 1) / ICMPv6 (proto 58) */
    uint8_t icmp_type, icmp_code;
    uint16_t icmp_id;       /* echo identifier, for echo request/reply */
    bool icmp_error;        /* destination unreachable, time exceeded, ... */
    ws_quoted quoted;       /* the header the error quotes: every field set when
                               icmp_error; otherwise only present (false) */

    /* ESP (proto 50) */
    uint32_t esp_spi, esp_seq;

    /* The IP packet (the innermost one) as captured, for DPI. */
    const uint8_t *l3;
    uint32_t l3_len;
    /* The transport payload as captured (may be shorter than sent). */
    const uint8_t *payload;
    uint32_t payload_len;
} ws_packet;

typedef void (*ws_packet_cb)(const ws_packet *pkt, void *ctx);

typedef struct ws_decoder ws_decoder;

/* limits and stats are borrowed and must outlive the decoder. NULL on ENOMEM. */
ws_decoder *ws_decoder_new(const ws_limits *limits, ws_stats *stats);
void ws_decoder_free(ws_decoder *dec);

/*
 * Decodes one frame of link type dlt. Counts what it sees in stats (packets
 * that are not IP, truncated, malformed, fragments...), and calls cb for each
 * IP packet that results. Never fails: bad bytes become counters.
 * Returns the number of packets delivered.
 */
int ws_decode_frame(ws_decoder *dec, int dlt, const uint8_t *data,
                    uint32_t caplen, uint32_t wire_len, int64_t ts_us,
                    ws_packet_cb cb, void *ctx);

/* Decodes a bare IPv4/IPv6 packet (no link layer). Same contract. */
int ws_decode_ip(ws_decoder *dec, const uint8_t *data, uint32_t caplen,
                 uint32_t wire_len, int64_t ts_us, ws_packet_cb cb, void *ctx);

/* Drops pending fragments older than the timeout (counted in frag_timeout). */
void ws_decoder_expire(ws_decoder *dec, int64_t now_us);

/* Datagrams waiting for fragments, and the bytes they hold (counted
 * against limits->frag_max_bytes). */
size_t ws_decoder_frag_pending(const ws_decoder *dec);
uint64_t ws_decoder_frag_bytes(const ws_decoder *dec);

/* True when libpcap link type dlt is one ws_decode_frame reads. */
bool ws_dlt_supported(int dlt);

#endif

/* names.h - names learned from the traffic: address -> DNS names, taken from
 * DNS answers, TLS ClientHello SNI and HTTP/1.x Host, and the name patterns
 * that rules and site files use to refer to them.
 *
 * Three layers, usable apart:
 *   1. extractors (ws_dns_parse, ws_tls_sni, ws_http_host): pure functions,
 *      bytes in, results out, no global state; every byte is read through
 *      ws_cur. A fuzzer can call them directly.
 *   2. the table ws_names: address -> up to WS_NAMES_PER_ADDR names, bounded
 *      in total by limits->max_names, names interned (each string stored once).
 *   3. patterns: ws_name_match and ws_name_pattern_valid.
 *
 * The form of a learned name: ASCII, lowercased (RFC 4343), no trailing dot,
 * labels of 1..63 octets separated by '.', each octet a printable character
 * 0x21..0x7e other than '.'. A name holding any other octet (a control byte,
 * a space, UTF-8, a '.' inside a label) is not learned at all: escaping it
 * would give a string no pattern can match, and replacing it could give a
 * false match. Such names count as name_parse_errors.
 */
#ifndef WS_NAMES_H
#define WS_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/limits.h"
#include "decode/decode.h"

/* Text form of a name, with its NUL. A name of 255 octets on the wire
 * (RFC 1035 section 2.3.4) is at most 253 characters written out. */
#define WS_NAME_MAX 256

/* Names kept per address. A CDN or shared-hosting address can carry
 * hundreds of names; the first 8 learned are kept (later ones count as
 * names_dropped), which is plenty for the vendor names rules look for and
 * keeps a lookup to one small fixed array. */
#define WS_NAMES_PER_ADDR 8

/* Results of the extractors. */
#define WS_NAMES_MALFORMED (-1) /* the message is too broken to read */
#define WS_NAMES_NONE 0         /* not a message of that kind, or no name in it */
#define WS_NAMES_FOUND 1        /* read; see the output */

/* ---- DNS (RFC 1035, AAAA RFC 3596, mDNS RFC 6762) ---------------------- */

#define WS_DNS_MAX_NAMES 16  /* names in one CNAME chain (or mDNS owners) */
#define WS_DNS_MAX_ADDRS 32  /* addresses taken from one message */
#define WS_DNS_MAX_BINDS 128 /* name -> address pairs from one message */

typedef struct ws_dns_bind {
    uint8_t name; /* index into names[] */
    uint8_t addr; /* index into addrs[] */
} ws_dns_bind;

typedef struct ws_dns_result {
    uint16_t id;
    uint8_t rcode;     /* response code (0 = no error) */
    bool truncated;    /* TC bit set by the server */
    bool partial;      /* the message ended or broke before its last answer */
    uint32_t dropped;  /* names, addresses or pairs left out: arrays full */
    size_t n_names;
    char names[WS_DNS_MAX_NAMES][WS_NAME_MAX];
    size_t n_addrs;
    ws_addr addrs[WS_DNS_MAX_ADDRS];
    size_t n_binds;
    ws_dns_bind binds[WS_DNS_MAX_BINDS];
} ws_dns_result;

#define WS_DNS_MDNS 0x1u /* multicast DNS: class top bit is cache-flush */

/*
 * Reads one DNS message (a UDP payload, or a TCP message without its length
 * prefix). For a response, binds names to addresses:
 *   - the first question name starts a chain; a CNAME answer whose owner is
 *     in the chain adds its target; every A/AAAA answer (class IN) whose owner
 *     is in the chain adds its address; every name of the chain is bound to
 *     every such address. Answers owned by names outside the chain are
 *     ignored (no cache poisoning through unrelated records), as are the
 *     authority and additional sections.
 *   - with WS_DNS_MDNS and no question (an mDNS announcement, RFC 6762
 *     section 8.3), each A/AAAA record of the answer and additional sections
 *     binds its own owner name to its address only.
 * A response with rcode != 0 or the TC bit is read for what it holds.
 * Returns WS_NAMES_FOUND for a response (out->n_binds may be 0),
 * WS_NAMES_NONE for a query, WS_NAMES_MALFORMED when the header or the
 * question cannot be read. Never reads outside [msg, msg + len).
 */
int ws_dns_parse(const uint8_t *msg, size_t len, unsigned flags, ws_dns_result *out);

/*
 * DNS over TCP (RFC 1035 section 4.2.2, RFC 7766): one segment holding a
 * 2-byte length then the message. Only the segment at hand is read: a message
 * spanning several segments is read as far as this one goes (the answers in
 * later segments are lost), and the segments that continue it are not
 * recognised as DNS. When the segment holds several whole messages, the
 * first one is read. Same results as ws_dns_parse.
 */
int ws_dns_parse_tcp(const uint8_t *seg, size_t len, ws_dns_result *out);

/* ---- TLS server_name (RFC 8446 section 4.1.2, RFC 6066 section 3) ------ */

/*
 * Reads the host_name of the server_name extension from a TCP segment that
 * starts with a TLS handshake record (type 22) holding a ClientHello (type 1).
 * Every length is checked against its container and the bytes at hand. Only
 * this segment is read: when the ClientHello continues in later segments and
 * the extension is not in this one, the answer is WS_NAMES_NONE. An IP
 * literal in server_name (forbidden by RFC 6066) is not a name: NONE.
 * QUIC (whose ClientHello is encrypted in Initial packets) is not read.
 * out receives the name in the form described above.
 */
int ws_tls_sni(const uint8_t *seg, size_t len, char out[WS_NAME_MAX]);

/* ---- HTTP/1.x Host (RFC 9112 section 3.2) ------------------------------ */

/*
 * Reads the Host header of an HTTP/1.x request at the start of a TCP segment
 * (method SP target SP "HTTP/1.x"). The field name is matched without regard
 * to case; the value loses surrounding blanks and its ":port". Only whole
 * lines of this segment are read: a Host line cut by the end of the segment
 * is not taken (its value may be cut too). An IP literal is not a name
 * (NONE); two Host fields, an empty one or a bad port are MALFORMED.
 */
int ws_http_host(const uint8_t *seg, size_t len, char out[WS_NAME_MAX]);

/* ---- the table --------------------------------------------------------- */

typedef struct ws_names ws_names;

/* limits and stats are borrowed and must outlive the table. NULL on ENOMEM. */
ws_names *ws_names_new(const ws_limits *limits, ws_stats *stats);
void ws_names_free(ws_names *n);

/*
 * Runs the extractors on one packet and learns what they find:
 *   - UDP port 53 (either side): DNS; UDP port 5353: mDNS;
 *   - TCP port 53: DNS over TCP;
 *   - other TCP: TLS ClientHello SNI, or an HTTP/1.x request's Host; both
 *     name pkt->dst, the server.
 * Counts names_learned, names_dropped and name_parse_errors.
 */
void ws_names_packet(ws_names *n, const ws_packet *pkt);

/*
 * Binds name to addr, the name given in text (it is checked and lowercased as
 * the extractors do; a trailing dot is dropped). Returns true when the pair
 * is known afterwards (learned now or before); false when the name is not a
 * valid name (counted in name_parse_errors) or a limit left it out
 * (names_dropped: max_names pairs in all, or WS_NAMES_PER_ADDR for addr).
 */
bool ws_names_add(ws_names *n, const ws_addr *addr, const char *name);

/*
 * Writes up to max names bound to addr into out, in the order they were
 * learned, and returns how many there are in all (may exceed max). The
 * strings belong to the table and live until ws_names_free.
 */
size_t ws_names_lookup(const ws_names *n, const ws_addr *addr, const char **out,
                       size_t max);

/* Address-name pairs held, distinct strings held, and bytes of memory used. */
size_t ws_names_pairs(const ws_names *n);
size_t ws_names_strings(const ws_names *n);
size_t ws_names_bytes(const ws_names *n);

/* ---- patterns ---------------------------------------------------------- */

/*
 * True when name matches pattern. Both are compared label by label, ASCII
 * case-insensitively, each ignoring one trailing dot.
 *   - A first label that is exactly "*" stands for one or more whole labels:
 *     "*.librestream.com" matches "onsight.librestream.com" and
 *     "a.b.librestream.com", not "librestream.com". This is how the vendor
 *     documents use it: Librestream asks for "*.librestream.com" on a web
 *     proxy white list, where it admits every host of the domain whatever its
 *     depth, and Spectralink calls "*.airwatchportals.com" "the AirWatch
 *     server domain". The apex itself is not covered, as in every proxy and
 *     RFC 6125: a rule wanting it names it as well.
 *   - Any other '*' matches a run of zero or more characters inside one
 *     label, never a '.': "streaming-*.cloud.prysm.com" (Prysm's own pattern
 *     for streaming-<env>-<index>-<zone>.cloud.prysm.com) matches
 *     "streaming-eu1.cloud.prysm.com", not "a.b.cloud.prysm.com" nor
 *     "streaming-x.y.cloud.prysm.com".
 *   - Elsewhere characters match themselves; the label counts must agree.
 * An empty pattern or name, or one with an empty label, matches nothing.
 */
bool ws_name_match(const char *pattern, const char *name);

/*
 * True when pattern is a usable name pattern: labels of 1..63 characters
 * taken from letters, digits, '-', '_' and '*', at most 253 characters
 * (a trailing dot allowed), no "**", a last label without '*' that is not all
 * digits (so neither an address nor a pattern matching any top-level
 * domain). Otherwise false, and why (if not NULL) says what is wrong in one
 * sentence, cut to whylen.
 */
bool ws_name_pattern_valid(const char *pattern, char *why, size_t whylen);

#endif

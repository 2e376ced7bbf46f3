/* ike.h - IKE decoding, NAT detection and IKE SA tracking.
 *
 * nDPI 4.2 has no ISAKMP dissector, so wirespec reads IKE itself:
 *   - IKEv1 (RFC 2408 headers and payloads, RFC 2407 SA attributes,
 *     RFC 3947 NAT-T with NAT-D payload 20, and the payload number 130 of
 *     draft-ietf-ipsec-nat-t-ike-02/03) and IKEv2 (RFC 7296) on UDP 500;
 *   - on UDP 4500 (RFC 3948): IKE after the four-byte zero non-ESP marker,
 *     ESP-in-UDP when those four bytes are not zero (they are the SPI), and
 *     the one-byte 0xFF NAT-keepalive.
 * Encrypted payloads (IKEv2 SK, IKEv1 with the encryption flag) are not read.
 *
 * NAT detection (RFC 7296 section 2.23, RFC 3947 section 3.2) compares the
 * NAT-D hashes each peer sends with the addresses and ports actually seen
 * in the packet: a mismatch on the sender's own (source) hash means the
 * sender is behind a NAT, a mismatch on the destination hash means the
 * receiver is.
 *
 * The tracker is fed one decoded packet at a time (ws_packet) and keeps one
 * record per IKE SA, keyed by the initiator's SPI, bounded by
 * limits->max_ike_sas.
 */
#ifndef WS_IKE_H
#define WS_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/limits.h"
#include "decode/decode.h"
#include "ike/digest.h"

#define WS_IKE_PORT 500
#define WS_IKE_NATT_PORT 4500

/* IKE SPI (IKEv1: cookie) length, bytes. */
#define WS_IKE_SPI_LEN 8
/* NAT-D hashes kept from one message; more are counted in natd_total. */
#define WS_IKE_MAX_NATD 16
/* Payload types recorded from one message's chain; more are counted. */
#define WS_IKE_MAX_CHAIN 32

/* IKEv1 payload types (RFC 2408 section 3.1, RFC 3947 section 3.2). */
#define WS_IKE1_PT_SA 1
#define WS_IKE1_PT_VID 13
#define WS_IKE1_PT_NATD 20
#define WS_IKE1_PT_NATD_DRAFT 130 /* draft-ietf-ipsec-nat-t-ike-02/03 */
/* IKEv2 payload types (RFC 7296 section 3.2). */
#define WS_IKE2_PT_NOTIFY 41
#define WS_IKE2_PT_SK 46
#define WS_IKE2_PT_SKF 53         /* RFC 7383 encrypted fragment */
/* IKEv2 notify types (RFC 7296 section 3.10.1). */
#define WS_IKE2_N_NAT_DETECTION_SOURCE_IP 16388
#define WS_IKE2_N_NAT_DETECTION_DESTINATION_IP 16389

/* Header flags. IKEv1: RFC 2408 section 3.1; IKEv2: RFC 7296 section 3.1. */
#define WS_IKE1_FLAG_ENCRYPTION 0x01
#define WS_IKE2_FLAG_INITIATOR 0x08
#define WS_IKE2_FLAG_RESPONSE 0x20

/* Vendor IDs that announce NAT-T (IKEv1): MD5 of the name in quotes. */
#define WS_IKE_VID_RFC3947 0x0001u        /* "RFC 3947" */
#define WS_IKE_VID_DRAFT_00 0x0002u       /* "draft-ietf-ipsec-nat-t-ike-00" */
#define WS_IKE_VID_DRAFT_01 0x0004u
#define WS_IKE_VID_DRAFT_02 0x0008u
#define WS_IKE_VID_DRAFT_02N 0x0010u      /* "draft-ietf-ipsec-nat-t-ike-02\n" */
#define WS_IKE_VID_DRAFT_03 0x0020u
#define WS_IKE_VID_DRAFT_04 0x0040u
#define WS_IKE_VID_DRAFT_05 0x0080u
#define WS_IKE_VID_DRAFT_06 0x0100u
#define WS_IKE_VID_DRAFT_07 0x0200u
#define WS_IKE_VID_DRAFT_08 0x0400u
#define WS_IKE_VID_DRAFT 0x0800u          /* "draft-ietf-ipsec-nat-t-ike" */

/* Name of one WS_IKE_VID_* bit ("RFC 3947", "draft-ietf-ipsec-nat-t-ike-02\\n"), or NULL. */
const char *ws_ike_vid_name(uint32_t bit);

/* ---- message decoder ---------------------------------------------------- */

typedef enum ws_ike_kind {
    WS_IKE_NONE = 0,     /* not UDP 500/4500: not looked at */
    WS_IKE_MSG,          /* an IKE message, decoded */
    WS_IKE_ESP_IN_UDP,   /* RFC 3948 ESP in UDP: esp_spi, esp_seq set */
    WS_IKE_KEEPALIVE,    /* RFC 3948 section 2.3 NAT-keepalive */
    WS_IKE_MALFORMED,    /* on an IKE port, cut short or inconsistent: error says why */
} ws_ike_kind;

/* Which address a NAT-D hash stands for, as its sender meant it. */
typedef enum ws_ike_natd_role {
    WS_IKE_NATD_SRC = 0, /* the sender's own address (IKEv1: 2nd and later NAT-D) */
    WS_IKE_NATD_DST = 1, /* the receiver's address (IKEv1: the first NAT-D) */
} ws_ike_natd_role;

typedef struct ws_ike_natd {
    uint8_t role;          /* ws_ike_natd_role */
    uint8_t payload;       /* 20, 130 (IKEv1) or 41 (IKEv2 notify) */
    uint16_t len;          /* hash length as sent */
    uint8_t hash[WS_DIGEST_MAX]; /* the first min(len, WS_DIGEST_MAX) bytes */
} ws_ike_natd;

typedef struct ws_ike_msg {
    ws_ike_kind kind;
    const char *error;     /* WS_IKE_MALFORMED: what was wrong (static text) */
    bool natt_encap;       /* on UDP 4500, after the non-ESP marker */
    uint32_t esp_spi, esp_seq; /* WS_IKE_ESP_IN_UDP */

    /* Header: valid when header_ok (a malformed message may still have one). */
    bool header_ok;
    uint8_t version;       /* major version: 1 or 2 */
    uint8_t minor;
    uint8_t spi_i[WS_IKE_SPI_LEN], spi_r[WS_IKE_SPI_LEN];
    uint8_t first_payload;
    uint8_t exchange;      /* IKEv1: 2 main, 4 aggressive, 32 quick...; IKEv2: 34 IKE_SA_INIT... */
    uint8_t flags;
    uint32_t msg_id;
    uint32_t length;       /* as the header says */
    bool initiator;        /* IKEv2 I flag */
    bool response;         /* IKEv2 R flag */
    bool encrypted;        /* IKEv1 E flag, or an IKEv2 SK/SKF payload reached */

    /* Payload chain, in order, up to the first encrypted payload. */
    uint16_t n_payloads;
    uint8_t payloads[WS_IKE_MAX_CHAIN];

    /* NAT detection payloads, in order (the array is the last field). */
    uint16_t natd_total;   /* all seen; the first WS_IKE_MAX_NATD are kept */
    uint8_t n_natd;

    /* IKEv1 Vendor IDs */
    uint16_t n_vids;
    uint32_t natt_vids;    /* WS_IKE_VID_* bits */

    /* IKEv1 SA payload, ISAKMP proposal (RFC 2407 section 4.6.1; RFC 2409
     * appendix A: hash 1 MD5, 2 SHA, 4 SHA2-256, 5 SHA2-384, 6 SHA2-512) */
    bool has_sa;
    uint16_t sa_transforms;   /* transforms in the first ISAKMP proposal */
    uint16_t sa_hash;         /* hash attribute of its first transform, 0 if none */
    uint32_t sa_hash_offered; /* bit v set for each hash value v < 32 offered */

    /* natd[0..n_natd): only those entries are set */
    ws_ike_natd natd[WS_IKE_MAX_NATD];
} ws_ike_msg;

/* True when a UDP packet between these ports is IKE's to read (500 or 4500). */
bool ws_ike_port(uint16_t sport, uint16_t dport);

/*
 * Decodes one UDP payload seen between sport and dport into *out and
 * returns out->kind. Reads only data[0..len), through the checked cursor.
 */
ws_ike_kind ws_ike_decode(const uint8_t *data, size_t len, uint16_t sport,
                          uint16_t dport, ws_ike_msg *out);

/* ---- NAT detection ------------------------------------------------------ */

typedef enum ws_ike_nat {
    WS_IKE_NAT_UNKNOWN = 0, /* no NAT-D evidence, or it could not be checked */
    WS_IKE_NAT_NO,          /* hashes match what was seen */
    WS_IKE_NAT_YES,         /* a hash does not match: behind a NAT */
} ws_ike_nat;

/* "unknown", "no", "yes" */
const char *ws_ike_nat_name(ws_ike_nat v);

/* IKEv1 hash attribute value (RFC 2409 appendix A) -> digest; NONE if unknown. */
ws_digest_alg ws_ike_hash_alg(uint16_t ikev1_hash);
/* The digest whose length is len (16 MD5, 20 SHA-1, 32/48/64 SHA-2), or NONE. */
ws_digest_alg ws_ike_hash_alg_by_len(size_t len);

/*
 * HASH(SPIi | SPIr | IP | port), port in network order, IP 4 or 16 bytes
 * (RFC 7296 section 2.23, RFC 3947 section 3.2). Returns the length written.
 */
size_t ws_ike_natd_hash(ws_digest_alg alg, const uint8_t spi_i[WS_IKE_SPI_LEN],
                        const uint8_t spi_r[WS_IKE_SPI_LEN], const ws_addr *ip,
                        uint16_t port, uint8_t out[WS_DIGEST_MAX]);

typedef struct ws_ike_natd_verdict {
    ws_ike_nat sender;    /* is the sender of the message behind a NAT? */
    ws_ike_nat receiver;  /* is its receiver? */
    ws_digest_alg alg;    /* the hash used */
    int src_index;        /* index in msg->natd of the sender's first own hash, or -1 */
    int dst_index;        /* index of the destination hash, or -1 */
} ws_ike_natd_verdict;

/*
 * Checks msg's NAT-D hashes against the packet it came in (src:sport ->
 * dst:dport). alg: the hash to use; WS_DIGEST_NONE picks SHA-1 for IKEv2
 * and, for IKEv1, the digest whose length matches the payload. A hash of
 * another length than alg's gives UNKNOWN. When msg carried more source
 * hashes than WS_IKE_MAX_NATD and none kept matched, sender is UNKNOWN.
 */
ws_ike_natd_verdict ws_ike_natd_check(const ws_ike_msg *msg, const ws_addr *src,
                                      uint16_t sport, const ws_addr *dst,
                                      uint16_t dport, ws_digest_alg alg);

/*
 * Which candidate produced hash? Tries every address in addrs with every
 * port in ports (NULL or n_ports 0: 500 and 4500). Returns the index of the
 * matching address and sets *port_out, or returns -1.
 */
int ws_ike_natd_find(ws_digest_alg alg, const uint8_t spi_i[WS_IKE_SPI_LEN],
                     const uint8_t spi_r[WS_IKE_SPI_LEN], const uint8_t *hash,
                     size_t hash_len, const ws_addr *addrs, size_t n_addrs,
                     const uint16_t *ports, size_t n_ports, uint16_t *port_out);

/* ---- IKE SA tracker ----------------------------------------------------- */

enum { WS_IKE_INITIATOR = 0, WS_IKE_RESPONDER = 1 };

/* One end of an IKE SA. */
typedef struct ws_ike_side {
    ws_addr addr;          /* as first seen */
    uint16_t port;         /* as first seen */
    uint16_t natt_port;    /* its port on UDP 4500 traffic; 0 if none seen */
    bool natt_offered;     /* sent a NAT-T Vendor ID (v1) or NAT-D notifies (v2) */
    uint64_t messages;     /* IKE messages it sent */

    /* Is this end behind a NAT? With the evidence that decided it. */
    ws_ike_nat behind_nat;
    ws_addr observed;      /* the address:port the packet header showed for it */
    uint16_t observed_port;
    ws_digest_alg hash_alg;
    uint8_t hash_len;      /* 0: no NAT-D hash for this end */
    uint8_t hash[WS_DIGEST_MAX]; /* the hash the peers exchanged for this end
                                    (of the address it believes it has, or the
                                    one its peer believes): ws_ike_natd_find
                                    can name it */
    uint8_t hash_spi_i[WS_IKE_SPI_LEN], hash_spi_r[WS_IKE_SPI_LEN]; /* SPIs it was computed over */
    bool hash_by_self;     /* the end computed the hash itself (a source
                              NAT-D: the address it believes it has), or
                              its peer did (a destination NAT-D: the
                              address the peer saw it with) */

    /* The same SA (same SPIs) seen with this end under another address:
     * one capture inside a NAT, another outside, audited together. */
    bool other_seen;
    ws_addr other_addr;
    uint16_t other_port;

    /* ESP from this end's address to the other end's (proto 50 or in UDP) */
    uint64_t esp_packets;
    uint64_t esp_in_udp;   /* of which in UDP */
    uint32_t esp_spi;      /* SPI of the last one */
} ws_ike_side;

typedef struct ws_ike_sa {
    uint8_t spi_i[WS_IKE_SPI_LEN], spi_r[WS_IKE_SPI_LEN];
    bool spi_r_known;
    uint8_t version;       /* 1 or 2 */
    bool initiator_guessed; /* IKEv1 seen only after its first message */
    ws_ike_side side[2];   /* [WS_IKE_INITIATOR], [WS_IKE_RESPONDER] */
    uint32_t natt_vids;    /* WS_IKE_VID_* seen from either end */
    bool natt_offered;     /* either end offered NAT-T */
    bool natd_present;     /* NAT-D payloads / notifies seen */
    bool moved_4500;       /* IKE seen on UDP 4500 */
    ws_digest_alg hash_alg; /* IKEv1: negotiated (responder's choice); IKEv2: SHA-1 */
    uint8_t last_exchange;
    uint64_t messages;     /* IKE messages, both ends */
    uint64_t malformed;    /* of which malformed (header readable) */
    int64_t first_us, last_us;
    int64_t esp_first_us, esp_last_us; /* 0 when no ESP seen */
} ws_ike_sa;

typedef struct ws_ike_tracker ws_ike_tracker;

/* limits and stats are borrowed and must outlive the tracker. NULL on ENOMEM. */
ws_ike_tracker *ws_ike_tracker_new(const ws_limits *limits, ws_stats *stats);
void ws_ike_tracker_free(ws_ike_tracker *t);

/*
 * Accounts one decoded packet: UDP to or from 500/4500 is decoded as IKE
 * (ike_packets, ike_malformed), ESP (proto 50) and ESP-in-UDP are credited
 * to the IKE SAs between the same two addresses. A message that would start
 * an SA beyond max_ike_sas is counted in ike_sas_dropped. Returns what the
 * packet was (WS_IKE_NONE for packets of no concern to IKE; ESP proto 50
 * also gives WS_IKE_NONE).
 */
ws_ike_kind ws_ike_tracker_packet(ws_ike_tracker *t, const ws_packet *pkt);

/* Number of IKE SAs tracked. */
size_t ws_ike_tracker_count(const ws_ike_tracker *t);
/* The i-th IKE SA (0 <= i < count, in order of first sight), ESP counters
 * brought up to date; NULL when i is out of range. Valid until the next call
 * to ws_ike_tracker_packet. */
const ws_ike_sa *ws_ike_tracker_get(ws_ike_tracker *t, size_t i);
/* The SA whose initiator SPI is spi_i, or NULL. Same validity. */
const ws_ike_sa *ws_ike_tracker_find(ws_ike_tracker *t,
                                     const uint8_t spi_i[WS_IKE_SPI_LEN]);

#endif

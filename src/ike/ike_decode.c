/* ike_decode.c - IKE message decoder; specification: RFC 2408 sections 3.1-3.6
 * and 3.15 (IKEv1 header, payloads, SA/proposal/transform, Vendor ID),
 * RFC 2407 section 4.6.1 (SA attributes), RFC 2409 appendix A (hash values),
 * RFC 3947 sections 3.1-3.2 and draft-ietf-ipsec-nat-t-ike-02/03 (NAT-T Vendor
 * IDs, NAT-D payloads 20 and 130), RFC 7296 sections 3.1-3.2 and 3.10
 * (IKEv2 header, payloads, notifies), RFC 3948 section 2 (UDP 4500: non-ESP
 * marker, ESP in UDP, NAT-keepalive). */
#include "ike/ike.h"

#include <stddef.h>
#include <string.h>

#include "common/cursor.h"

/* NAT-T Vendor IDs: MD5 of the quoted names (RFC 3947 section 3.1 for
 * "RFC 3947"; the drafts by the same rule, as strongSwan, Libreswan and
 * racoon list them). Check: python3 -c "import hashlib;
 * print(hashlib.md5(b'RFC 3947').hexdigest())" -> 4a131c81070358455c5728f20e95452f */
static const struct {
    uint32_t bit;
    const char *name;
    uint8_t id[16];
} VIDS[] = {
    {WS_IKE_VID_RFC3947, "RFC 3947",
     {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f}},
    {WS_IKE_VID_DRAFT_00, "draft-ietf-ipsec-nat-t-ike-00",
     {0x44, 0x85, 0x15, 0x2d, 0x18, 0xb6, 0xbb, 0xcd, 0x0b, 0xe8, 0xa8, 0x46, 0x95, 0x79, 0xdd, 0xcc}},
    {WS_IKE_VID_DRAFT_01, "draft-ietf-ipsec-nat-t-ike-01",
     {0x16, 0xf6, 0xca, 0x16, 0xe4, 0xa4, 0x06, 0x6d, 0x83, 0x82, 0x1a, 0x0f, 0x0a, 0xea, 0xa8, 0x62}},
    {WS_IKE_VID_DRAFT_02, "draft-ietf-ipsec-nat-t-ike-02",
     {0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8, 0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4, 0x48}},
    {WS_IKE_VID_DRAFT_02N, "draft-ietf-ipsec-nat-t-ike-02\\n",
     {0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e, 0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f}},
    {WS_IKE_VID_DRAFT_03, "draft-ietf-ipsec-nat-t-ike-03",
     {0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f, 0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d, 0x56}},
    {WS_IKE_VID_DRAFT_04, "draft-ietf-ipsec-nat-t-ike-04",
     {0x99, 0x09, 0xb6, 0x4e, 0xed, 0x93, 0x7c, 0x65, 0x73, 0xde, 0x52, 0xac, 0xe9, 0x52, 0xfa, 0x6b}},
    {WS_IKE_VID_DRAFT_05, "draft-ietf-ipsec-nat-t-ike-05",
     {0x80, 0xd0, 0xbb, 0x3d, 0xef, 0x54, 0x56, 0x5e, 0xe8, 0x46, 0x45, 0xd4, 0xc8, 0x5c, 0xe3, 0xee}},
    {WS_IKE_VID_DRAFT_06, "draft-ietf-ipsec-nat-t-ike-06",
     {0x4d, 0x1e, 0x0e, 0x13, 0x6d, 0xea, 0xfa, 0x34, 0xc4, 0xf3, 0xea, 0x9f, 0x02, 0xec, 0x72, 0x85}},
    {WS_IKE_VID_DRAFT_07, "draft-ietf-ipsec-nat-t-ike-07",
     {0x43, 0x9b, 0x59, 0xf8, 0xba, 0x67, 0x6c, 0x4c, 0x77, 0x37, 0xae, 0x22, 0xea, 0xb8, 0xf5, 0x82}},
    {WS_IKE_VID_DRAFT_08, "draft-ietf-ipsec-nat-t-ike-08",
     {0x8f, 0x8d, 0x83, 0x82, 0x6d, 0x24, 0x6b, 0x6f, 0xc7, 0xa8, 0xa6, 0xa4, 0x28, 0xc1, 0x1d, 0xe8}},
    {WS_IKE_VID_DRAFT, "draft-ietf-ipsec-nat-t-ike",
     {0x4d, 0xf3, 0x79, 0x28, 0xe9, 0xfc, 0x4f, 0xd1, 0xb3, 0x26, 0x21, 0x70, 0xd5, 0x15, 0xc6, 0x62}},
};

#define IKE_HEADER_LEN 28
#define GENERIC_HEADER_LEN 4
#define PROTO_ISAKMP 1         /* RFC 2407 section 4.4.1 */
#define IPSEC_DOI 1            /* RFC 2407 section 4.2 */
#define SIT_IDENTITY_ONLY 1    /* RFC 2407 section 4.2.1 */
#define ATTR_HASH_ALGORITHM 2  /* RFC 2409 appendix A */
#define ATTR_TV 0x8000         /* RFC 2408 section 3.3: AF bit */
#define PT_PROPOSAL 2
#define PT_TRANSFORM 3

const char *ws_ike_vid_name(uint32_t bit)
{
    for (size_t i = 0; i < sizeof(VIDS) / sizeof(VIDS[0]); i++)
        if (VIDS[i].bit == bit)
            return VIDS[i].name;
    return NULL;
}

bool ws_ike_port(uint16_t sport, uint16_t dport)
{
    return sport == WS_IKE_PORT || dport == WS_IKE_PORT ||
           sport == WS_IKE_NATT_PORT || dport == WS_IKE_NATT_PORT;
}

static ws_ike_kind malformed(ws_ike_msg *m, const char *why)
{
    m->kind = WS_IKE_MALFORMED;
    m->error = why;
    return m->kind;
}

static void add_natd(ws_ike_msg *m, uint8_t payload, ws_ike_natd_role role, ws_cur *body)
{
    size_t len = ws_cur_left(body);
    m->natd_total++;
    if (m->n_natd >= WS_IKE_MAX_NATD)
        return;
    ws_ike_natd *n = &m->natd[m->n_natd++];
    n->role = (uint8_t)role;
    n->payload = payload;
    n->len = len > UINT16_MAX ? UINT16_MAX : (uint16_t)len;
    ws_cur_copy(body, n->hash, len < WS_DIGEST_MAX ? len : WS_DIGEST_MAX);
}

/* Transform payload (RFC 2408 section 3.6) with its SA attributes. */
static bool parse_transform(ws_ike_msg *m, ws_cur *t, bool isakmp, bool first)
{
    ws_cur_u8(t);   /* transform number */
    ws_cur_u8(t);   /* transform id (KEY_IKE) */
    ws_cur_be16(t); /* reserved */
    if (!ws_cur_ok(t))
        return false;
    while (ws_cur_left(t) > 0) {
        uint16_t at = ws_cur_be16(t);
        uint16_t type = at & 0x7fff;
        uint32_t value = 0;
        if (at & ATTR_TV) {
            value = ws_cur_be16(t);
        } else {
            uint16_t alen = ws_cur_be16(t);
            const uint8_t *v = ws_cur_take(t, alen);
            if (!v)
                return false;
            for (uint16_t i = 0; i < alen && i < 4; i++)
                value = (value << 8) | v[alen - (alen < 4 ? alen : 4) + i];
        }
        if (!ws_cur_ok(t))
            return false;
        if (isakmp && type == ATTR_HASH_ALGORITHM) {
            if (first)
                m->sa_hash = (uint16_t)value;
            if (value < 32)
                m->sa_hash_offered |= 1u << value;
        }
    }
    return true;
}

/* Proposal payload (RFC 2408 section 3.5) and its transforms. */
static bool parse_proposal(ws_ike_msg *m, ws_cur *p, bool *seen_isakmp)
{
    ws_cur_u8(p); /* proposal number */
    uint8_t proto = ws_cur_u8(p);
    uint8_t spi_size = ws_cur_u8(p);
    uint8_t n_transforms = ws_cur_u8(p);
    ws_cur_skip(p, spi_size);
    if (!ws_cur_ok(p))
        return false;
    bool isakmp = proto == PROTO_ISAKMP && !*seen_isakmp;
    if (isakmp)
        *seen_isakmp = true;
    uint16_t count = 0;
    uint8_t next = n_transforms ? PT_TRANSFORM : 0;
    while (next == PT_TRANSFORM) {
        next = ws_cur_u8(p);
        ws_cur_u8(p);
        uint16_t tlen = ws_cur_be16(p);
        if (!ws_cur_ok(p) || tlen < GENERIC_HEADER_LEN)
            return false;
        ws_cur t = ws_cur_sub(p, tlen - GENERIC_HEADER_LEN);
        if (!ws_cur_ok(&t) || !parse_transform(m, &t, isakmp, count == 0))
            return false;
        count++;
    }
    if (next != 0)
        return false;
    if (isakmp)
        m->sa_transforms = count;
    return true;
}

/* Security Association payload (RFC 2408 section 3.4, RFC 2407 section 4.6.1). */
static bool parse_sa(ws_ike_msg *m, ws_cur *sa)
{
    uint32_t doi = ws_cur_be32(sa);
    uint32_t sit = ws_cur_be32(sa);
    if (!ws_cur_ok(sa))
        return false;
    m->has_sa = true;
    /* Another DOI, or labelled-domain situations: the layout is not ours to read. */
    if (doi != IPSEC_DOI || sit != SIT_IDENTITY_ONLY)
        return true;
    bool seen_isakmp = false;
    uint8_t next = PT_PROPOSAL;
    while (next == PT_PROPOSAL) {
        next = ws_cur_u8(sa);
        ws_cur_u8(sa);
        uint16_t plen = ws_cur_be16(sa);
        if (!ws_cur_ok(sa) || plen < GENERIC_HEADER_LEN)
            return false;
        ws_cur p = ws_cur_sub(sa, plen - GENERIC_HEADER_LEN);
        if (!ws_cur_ok(&p) || !parse_proposal(m, &p, &seen_isakmp))
            return false;
    }
    return next == 0;
}

static void parse_vid(ws_ike_msg *m, ws_cur *body)
{
    m->n_vids++;
    if (ws_cur_left(body) != 16)
        return;
    const uint8_t *id = ws_cur_take(body, 16);
    for (size_t i = 0; id && i < sizeof(VIDS) / sizeof(VIDS[0]); i++)
        if (memcmp(id, VIDS[i].id, 16) == 0)
            m->natt_vids |= VIDS[i].bit;
}

/* Notify payload (RFC 7296 section 3.10). */
static bool parse_notify2(ws_ike_msg *m, ws_cur *body)
{
    ws_cur_u8(body); /* protocol id */
    uint8_t spi_size = ws_cur_u8(body);
    uint16_t type = ws_cur_be16(body);
    ws_cur_skip(body, spi_size);
    if (!ws_cur_ok(body))
        return false;
    if (type == WS_IKE2_N_NAT_DETECTION_SOURCE_IP)
        add_natd(m, WS_IKE2_PT_NOTIFY, WS_IKE_NATD_SRC, body);
    else if (type == WS_IKE2_N_NAT_DETECTION_DESTINATION_IP)
        add_natd(m, WS_IKE2_PT_NOTIFY, WS_IKE_NATD_DST, body);
    return true;
}

/* Walks the payload chain (RFC 2408 section 3.2 / RFC 7296 section 3.2). */
static ws_ike_kind parse_chain(ws_ike_msg *m, ws_cur *c)
{
    uint8_t type = m->first_payload;
    while (type != 0) {
        if (m->version == 2 && (type == WS_IKE2_PT_SK || type == WS_IKE2_PT_SKF))
            m->encrypted = true;
        uint8_t next = ws_cur_u8(c);
        ws_cur_u8(c); /* critical bit (v2), reserved */
        uint16_t plen = ws_cur_be16(c);
        if (!ws_cur_ok(c))
            return malformed(m, "payload header runs past the message");
        if (plen < GENERIC_HEADER_LEN)
            return malformed(m, "payload length shorter than its header");
        ws_cur body = ws_cur_sub(c, plen - GENERIC_HEADER_LEN);
        if (!ws_cur_ok(&body))
            return malformed(m, "payload length runs past the message");
        if (m->n_payloads < WS_IKE_MAX_CHAIN)
            m->payloads[m->n_payloads] = type;
        m->n_payloads++;
        if (m->encrypted)
            break; /* the rest is inside the SK payload */
        if (m->version == 1) {
            if (type == WS_IKE1_PT_SA) {
                if (!parse_sa(m, &body))
                    return malformed(m, "SA payload inconsistent");
            } else if (type == WS_IKE1_PT_VID) {
                parse_vid(m, &body);
            } else if (type == WS_IKE1_PT_NATD || type == WS_IKE1_PT_NATD_DRAFT) {
                /* RFC 3947 section 3.2: the first is the remote end, the
                 * others the sender's possible local addresses */
                add_natd(m, type, m->natd_total == 0 ? WS_IKE_NATD_DST : WS_IKE_NATD_SRC,
                         &body);
            }
        } else if (type == WS_IKE2_PT_NOTIFY) {
            if (!parse_notify2(m, &body))
                return malformed(m, "notify payload cut short");
        }
        type = next;
    }
    return m->kind;
}

ws_ike_kind ws_ike_decode(const uint8_t *data, size_t len, uint16_t sport,
                          uint16_t dport, ws_ike_msg *m)
{
    static const uint8_t empty[1];
    /* everything but the NAT-D array, whose used entries are always written:
     * this runs for every ESP-in-UDP packet too */
    memset(m, 0, offsetof(ws_ike_msg, natd));
    ws_cur c = data ? ws_cur_make(data, len) : ws_cur_make(empty, 0);
    if (!ws_ike_port(sport, dport))
        return m->kind; /* WS_IKE_NONE */

    if (sport == WS_IKE_NATT_PORT || dport == WS_IKE_NATT_PORT) {
        /* RFC 3948 section 2.3: a single 0xFF octet */
        if (ws_cur_left(&c) == 1) {
            if (ws_cur_u8(&c) == 0xff) {
                m->kind = WS_IKE_KEEPALIVE;
                return m->kind;
            }
            return malformed(m, "shorter than the non-ESP marker");
        }
        uint32_t marker = ws_cur_be32(&c);
        if (!ws_cur_ok(&c))
            return malformed(m, "shorter than the non-ESP marker");
        if (marker != 0) {
            /* RFC 3948 section 2.2: the ESP header follows the UDP header */
            m->esp_spi = marker;
            m->esp_seq = ws_cur_be32(&c);
            if (!ws_cur_ok(&c))
                return malformed(m, "ESP header cut short");
            m->kind = WS_IKE_ESP_IN_UDP;
            return m->kind;
        }
        m->natt_encap = true;
    }

    m->kind = WS_IKE_MSG;
    ws_cur_copy(&c, m->spi_i, WS_IKE_SPI_LEN);
    ws_cur_copy(&c, m->spi_r, WS_IKE_SPI_LEN);
    m->first_payload = ws_cur_u8(&c);
    uint8_t ver = ws_cur_u8(&c);
    m->exchange = ws_cur_u8(&c);
    m->flags = ws_cur_u8(&c);
    m->msg_id = ws_cur_be32(&c);
    m->length = ws_cur_be32(&c);
    if (!ws_cur_ok(&c))
        return malformed(m, "shorter than the IKE header");
    m->version = ver >> 4;
    m->minor = ver & 0x0f;
    if (m->version != 1 && m->version != 2)
        return malformed(m, "unknown IKE major version");
    m->header_ok = true;
    if (m->version == 2) {
        m->initiator = (m->flags & WS_IKE2_FLAG_INITIATOR) != 0;
        m->response = (m->flags & WS_IKE2_FLAG_RESPONSE) != 0;
    } else {
        m->encrypted = (m->flags & WS_IKE1_FLAG_ENCRYPTION) != 0;
    }
    static const uint8_t zero[WS_IKE_SPI_LEN];
    if (memcmp(m->spi_i, zero, WS_IKE_SPI_LEN) == 0)
        return malformed(m, "initiator SPI is zero");
    if (m->length < IKE_HEADER_LEN)
        return malformed(m, "IKE length shorter than its header");
    ws_cur body = ws_cur_sub(&c, m->length - IKE_HEADER_LEN);
    if (!ws_cur_ok(&body))
        return malformed(m, "message cut short: its length runs past the datagram");
    if (m->encrypted) {
        /* IKEv1 E flag: every payload is encrypted */
        return m->kind;
    }
    return parse_chain(m, &body);
}

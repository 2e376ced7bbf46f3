/* ike_natd.c - NAT detection from IKE NAT-D hashes; specification: RFC 7296
 * section 2.23 (IKEv2 NAT_DETECTION_SOURCE_IP / _DESTINATION_IP, SHA-1),
 * RFC 3947 section 3.2 (IKEv1 NAT-D with the negotiated hash; the first
 * payload is the remote end, the others the sender's local addresses),
 * RFC 2409 appendix A (hash algorithm values). */
#include "ike/ike.h"

#include <string.h>

const char *ws_ike_nat_name(ws_ike_nat v)
{
    switch (v) {
    case WS_IKE_NAT_NO: return "no";
    case WS_IKE_NAT_YES: return "yes";
    case WS_IKE_NAT_UNKNOWN: break;
    }
    return "unknown";
}

ws_digest_alg ws_ike_hash_alg(uint16_t v)
{
    switch (v) {
    case 1: return WS_DIGEST_MD5;
    case 2: return WS_DIGEST_SHA1;
    case 4: return WS_DIGEST_SHA256;
    case 5: return WS_DIGEST_SHA384;
    case 6: return WS_DIGEST_SHA512;
    default: return WS_DIGEST_NONE; /* 3 Tiger and private values */
    }
}

ws_digest_alg ws_ike_hash_alg_by_len(size_t len)
{
    switch (len) {
    case 16: return WS_DIGEST_MD5;
    case 20: return WS_DIGEST_SHA1;
    case 32: return WS_DIGEST_SHA256;
    case 48: return WS_DIGEST_SHA384;
    case 64: return WS_DIGEST_SHA512;
    default: return WS_DIGEST_NONE;
    }
}

size_t ws_ike_natd_hash(ws_digest_alg alg, const uint8_t spi_i[WS_IKE_SPI_LEN],
                        const uint8_t spi_r[WS_IKE_SPI_LEN], const ws_addr *ip,
                        uint16_t port, uint8_t out[WS_DIGEST_MAX])
{
    uint8_t buf[2 * WS_IKE_SPI_LEN + 16 + 2];
    size_t n = 0;
    size_t iplen = ip->family == 4 ? 4 : ip->family == 6 ? 16 : 0;
    if (!iplen)
        return 0;
    memcpy(buf, spi_i, WS_IKE_SPI_LEN);
    n += WS_IKE_SPI_LEN;
    memcpy(buf + n, spi_r, WS_IKE_SPI_LEN);
    n += WS_IKE_SPI_LEN;
    memcpy(buf + n, ip->b, iplen);
    n += iplen;
    buf[n++] = (uint8_t)(port >> 8);
    buf[n++] = (uint8_t)port;
    return ws_digest(alg, buf, n, out);
}

/* Does natd match HASH(SPIs | ip | port)? UNKNOWN when it cannot be told. */
static ws_ike_nat match(const ws_ike_msg *m, const ws_ike_natd *n, ws_digest_alg alg,
                        const ws_addr *ip, uint16_t port)
{
    size_t want = ws_digest_len(alg);
    if (want == 0 || n->len != want)
        return WS_IKE_NAT_UNKNOWN;
    uint8_t h[WS_DIGEST_MAX];
    if (ws_ike_natd_hash(alg, m->spi_i, m->spi_r, ip, port, h) != want)
        return WS_IKE_NAT_UNKNOWN;
    return memcmp(h, n->hash, want) == 0 ? WS_IKE_NAT_NO : WS_IKE_NAT_YES;
}

ws_ike_natd_verdict ws_ike_natd_check(const ws_ike_msg *m, const ws_addr *src,
                                      uint16_t sport, const ws_addr *dst,
                                      uint16_t dport, ws_digest_alg alg)
{
    ws_ike_natd_verdict v = {WS_IKE_NAT_UNKNOWN, WS_IKE_NAT_UNKNOWN, alg, -1, -1};
    if (m->n_natd == 0)
        return v;
    if (alg == WS_DIGEST_NONE) {
        alg = m->version == 2 ? WS_DIGEST_SHA1 : ws_ike_hash_alg_by_len(m->natd[0].len);
        v.alg = alg;
    }
    /* Any source hash matching means the sender is seen as it sees itself;
     * none matching (all checkable) means a NAT rewrote its address or port. */
    bool src_yes = false, src_unknown = false;
    for (int i = 0; i < m->n_natd; i++) {
        const ws_ike_natd *n = &m->natd[i];
        if (n->role == WS_IKE_NATD_SRC) {
            if (v.src_index < 0)
                v.src_index = i;
            ws_ike_nat r = match(m, n, alg, src, sport);
            if (r == WS_IKE_NAT_NO) {
                v.sender = WS_IKE_NAT_NO;
                v.src_index = i;
            } else if (r == WS_IKE_NAT_YES) {
                src_yes = true;
            } else {
                src_unknown = true;
            }
        } else if (v.receiver != WS_IKE_NAT_NO) {
            ws_ike_nat r = match(m, n, alg, dst, dport);
            if (r != WS_IKE_NAT_UNKNOWN || v.dst_index < 0) {
                v.receiver = r;
                v.dst_index = i;
            }
        }
    }
    if (v.sender != WS_IKE_NAT_NO && src_yes && !src_unknown &&
        m->natd_total == m->n_natd)
        v.sender = WS_IKE_NAT_YES;
    return v;
}

int ws_ike_natd_find(ws_digest_alg alg, const uint8_t spi_i[WS_IKE_SPI_LEN],
                     const uint8_t spi_r[WS_IKE_SPI_LEN], const uint8_t *hash,
                     size_t hash_len, const ws_addr *addrs, size_t n_addrs,
                     const uint16_t *ports, size_t n_ports, uint16_t *port_out)
{
    static const uint16_t ike_ports[] = {WS_IKE_PORT, WS_IKE_NATT_PORT};
    if (!ports || n_ports == 0) {
        ports = ike_ports;
        n_ports = 2;
    }
    size_t want = ws_digest_len(alg);
    if (want == 0 || hash_len != want)
        return -1;
    for (size_t a = 0; a < n_addrs; a++) {
        for (size_t p = 0; p < n_ports; p++) {
            uint8_t h[WS_DIGEST_MAX];
            if (ws_ike_natd_hash(alg, spi_i, spi_r, &addrs[a], ports[p], h) == want &&
                memcmp(h, hash, want) == 0) {
                if (port_out)
                    *port_out = ports[p];
                return a > (size_t)INT32_MAX ? -1 : (int)a;
            }
        }
    }
    return -1;
}

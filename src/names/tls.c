/* tls.c - the server name a TLS client asks for, from its ClientHello.
 * specification: RFC 8446 sections 4.1.2 and 5.1, RFC 5246 section 7.4.1.2,
 * RFC 6066 section 3 (server_name) */
#include "names/names_int.h"

#include "common/cursor.h"

#define TLS_CONTENT_HANDSHAKE 22
#define TLS_HS_CLIENT_HELLO 1
#define TLS_EXT_SERVER_NAME 0
#define TLS_NAME_HOST 0
#define TLS_RECORD_MAX (16384 + 2048) /* TLSCiphertext bound, RFC 5246 6.2.3 */

int ws_tls_sni(const uint8_t *seg, size_t len, char out[WS_NAME_MAX])
{
    if (!seg)
        return WS_NAMES_NONE;
    ws_cur c = ws_cur_make(seg, len);
    uint8_t ctype = ws_cur_u8(&c);
    uint8_t vmajor = ws_cur_u8(&c);
    ws_cur_skip(&c, 1); /* minor version: any */
    size_t rlen = ws_cur_be16(&c);
    if (!ws_cur_ok(&c) || ctype != TLS_CONTENT_HANDSHAKE || vmajor != 3)
        return WS_NAMES_NONE;
    if (rlen < 4 || rlen > TLS_RECORD_MAX)
        return WS_NAMES_MALFORMED;

    /* cut: the bytes at hand end before what the lengths announce, because
     * the segment was cut or the ClientHello goes on in a later segment or
     * record. Then a length running past the end is no error, just no name. */
    bool cut = ws_cur_left(&c) < rlen;
    ws_cur rec = ws_cur_sub(&c, cut ? ws_cur_left(&c) : rlen);

    uint8_t htype = ws_cur_u8(&rec);
    size_t hlen = ws_cur_be24(&rec);
    if (!ws_cur_ok(&rec))
        goto fail;
    if (htype != TLS_HS_CLIENT_HELLO)
        return WS_NAMES_NONE;
    if (ws_cur_left(&rec) < hlen)
        cut = true;
    ws_cur hello = ws_cur_sub(&rec, ws_cur_left(&rec) < hlen ? ws_cur_left(&rec) : hlen);

    ws_cur_skip(&hello, 2 + 32);               /* legacy_version, random */
    uint8_t sid_len = ws_cur_u8(&hello);
    if (ws_cur_ok(&hello) && sid_len > 32)
        return WS_NAMES_MALFORMED;
    ws_cur_skip(&hello, sid_len);              /* legacy_session_id */
    ws_cur_skip(&hello, ws_cur_be16(&hello));  /* cipher_suites */
    ws_cur_skip(&hello, ws_cur_u8(&hello));    /* legacy_compression_methods */
    if (!ws_cur_ok(&hello))
        goto fail;
    if (ws_cur_left(&hello) == 0)
        return WS_NAMES_NONE;                  /* no extensions at all */

    size_t ext_len = ws_cur_be16(&hello);
    if (!ws_cur_ok(&hello))
        goto fail;
    if (ws_cur_left(&hello) < ext_len && !cut)
        return WS_NAMES_MALFORMED;
    ws_cur exts = ws_cur_sub(&hello, ws_cur_left(&hello) < ext_len ? ws_cur_left(&hello) : ext_len);

    while (ws_cur_left(&exts) > 0) {
        uint16_t etype = ws_cur_be16(&exts);
        size_t elen = ws_cur_be16(&exts);
        ws_cur ext = ws_cur_sub(&exts, elen);
        if (!ws_cur_ok(&exts))
            goto fail;
        if (etype != TLS_EXT_SERVER_NAME)
            continue;
        /* ServerNameList: a 2-byte length, then entries of type, 2-byte length, name. */
        size_t list_len = ws_cur_be16(&ext);
        if (!ws_cur_ok(&ext) || list_len != ws_cur_left(&ext))
            return WS_NAMES_MALFORMED;
        while (ws_cur_left(&ext) > 0) {
            uint8_t ntype = ws_cur_u8(&ext);
            size_t nlen = ws_cur_be16(&ext);
            const uint8_t *name = ws_cur_take(&ext, nlen);
            if (!name)
                return WS_NAMES_MALFORMED;
            if (ntype != TLS_NAME_HOST)
                continue;
            if (!ws_names_text(name, nlen, out))
                return WS_NAMES_MALFORMED;
            if (ws_names_is_ip_literal(out))
                return WS_NAMES_NONE;
            return WS_NAMES_FOUND;
        }
        return WS_NAMES_NONE; /* server_name with no host_name in it */
    }
    return WS_NAMES_NONE;
fail:
    return cut ? WS_NAMES_NONE : WS_NAMES_MALFORMED;
}

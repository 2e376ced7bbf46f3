/* text.c - the checked, lowercased form of a name given as text (TLS SNI,
 * HTTP Host, names handed to the table).
 * specification: RFC 1035 section 2.3.4 (sizes), RFC 4343 (case), RFC 6066
 * section 3 (host_name: no trailing dot) */
#include "names/names_int.h"

#include "common/addr.h"
#include "common/cursor.h"

bool ws_names_text(const uint8_t *s, size_t len, char out[WS_NAME_MAX])
{
    if (!s)
        return false;
    ws_cur c = ws_cur_make(s, len);
    size_t n = 0;     /* octets written */
    size_t label = 0; /* octets in the current label */

    while (ws_cur_left(&c) > 0) {
        uint8_t b = ws_cur_u8(&c);
        if (b == '.') {
            if (label == 0)
                return false; /* empty label, or a name starting with '.' */
            if (ws_cur_left(&c) == 0)
                break;        /* the one trailing dot allowed */
            label = 0;
        } else {
            if (!ws_name_octet_ok(b) || ++label > WS_LABEL_MAX)
                return false;
        }
        if (n >= WS_NAME_TEXT_MAX)
            return false;
        out[n++] = ws_name_lower(b);
    }
    if (n == 0)
        return false;
    out[n] = '\0';
    return true;
}

bool ws_names_is_ip_literal(const char *text)
{
    ws_addr a;
    return ws_addr_parse(text, &a);
}

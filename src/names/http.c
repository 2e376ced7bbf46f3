/* http.c - the host an HTTP/1.x client asks for, from the Host header.
 * specification: RFC 9112 sections 2.2, 3 and 3.2, RFC 9110 sections 5.1,
 * 5.6.3 and 7.2 (Host, OWS), RFC 3986 section 3.2.2 (host, IP literals) */
#include "names/names_int.h"

#include <string.h>

#include "common/cursor.h"

#define HTTP_METHOD_MAX 24
/* host ":" port, as long as a name can be, plus the colon and 5 digits */
#define HTTP_HOST_VALUE_MAX (WS_NAME_TEXT_MAX + 1 + 5)

/* Takes the next whole line (without CR LF, or a bare LF) off *c into *line.
 * False when no line end is left in *c: the line is cut. */
static bool next_line(ws_cur *c, ws_cur *line)
{
    ws_cur scan = *c;
    size_t n = 0;
    uint8_t prev = 0;
    while (ws_cur_left(&scan) > 0) {
        uint8_t b = ws_cur_u8(&scan);
        if (b == '\n') {
            size_t body = (prev == '\r') ? n - 1 : n;
            *line = ws_cur_sub(c, body);
            ws_cur_skip(c, n - body + 1);
            return true;
        }
        prev = b;
        n++;
    }
    return false;
}

static bool is_blank(uint8_t b) { return b == ' ' || b == '\t'; }

/* Skips one or more SP; false if there is none. */
static bool skip_spaces(ws_cur *line)
{
    size_t n = 0;
    for (;;) {
        ws_cur t = *line;
        if (ws_cur_u8(&t) != ' ' || !ws_cur_ok(&t))
            return n > 0;
        *line = t;
        n++;
    }
}

/* method SP request-target SP "HTTP/1." DIGIT. Runs of SP between the three
 * words are accepted, as RFC 9112 section 3 lets a recipient do. */
static bool request_line_ok(ws_cur line)
{
    size_t n = 0;
    for (;;) {
        ws_cur t = line;
        uint8_t b = ws_cur_u8(&t);
        if (!ws_cur_ok(&t) || b == ' ')
            break;
        if (!((b >= 'A' && b <= 'Z') || b == '-' || b == '_') || ++n > HTTP_METHOD_MAX)
            return false;
        line = t;
    }
    if (n == 0 || !skip_spaces(&line))
        return false;
    n = 0;
    for (;;) {
        ws_cur t = line;
        uint8_t b = ws_cur_u8(&t);
        if (!ws_cur_ok(&t) || b == ' ')
            break;
        if (b < 0x21 || b > 0x7e)
            return false;
        n++;
        line = t;
    }
    if (n == 0 || !skip_spaces(&line))
        return false;
    uint8_t v[8];
    if (!ws_cur_copy(&line, v, sizeof(v)) || ws_cur_left(&line) != 0)
        return false;
    return memcmp(v, "HTTP/1.", 7) == 0 && v[7] >= '0' && v[7] <= '9';
}

/* True when c starts with a method token and a space. */
static bool method_ahead(ws_cur c)
{
    for (size_t n = 0; n <= HTTP_METHOD_MAX; n++) {
        uint8_t b = ws_cur_u8(&c);
        if (!ws_cur_ok(&c))
            return false;
        if (b == ' ')
            return n > 0;
        if (!((b >= 'A' && b <= 'Z') || b == '-' || b == '_'))
            return false;
    }
    return false;
}

/* True when the field name of line is "Host" (any case); *line is left at
 * the value. */
static bool is_host_field(ws_cur *line)
{
    static const char host[] = "host:";
    for (size_t i = 0; i < sizeof(host) - 1; i++) {
        uint8_t b = ws_cur_u8(line);
        if (!ws_cur_ok(line) || ws_name_lower(b) != host[i])
            return false;
    }
    return true;
}

/* Checks a Host value (bytes in v, n of them, blanks already trimmed). */
static int host_value(const char *v, size_t n, char out[WS_NAME_MAX])
{
    if (n == 0)
        return WS_NAMES_NONE; /* a target with no authority (RFC 9112 3.2) */
    if (v[0] == '[')
        return WS_NAMES_NONE; /* IP-literal */
    size_t hn = n;
    for (size_t i = n; i > 0; i--) {
        if (v[i - 1] == ':') {
            hn = i - 1;
            break;
        }
    }
    if (n - hn > 6) /* ':' and at most five digits */
        return WS_NAMES_MALFORMED;
    for (size_t i = hn + 1; i < n; i++)
        if (v[i] < '0' || v[i] > '9')
            return WS_NAMES_MALFORMED;
    if (!ws_names_text((const uint8_t *)v, hn, out))
        return WS_NAMES_MALFORMED;
    if (ws_names_is_ip_literal(out))
        return WS_NAMES_NONE;
    return WS_NAMES_FOUND;
}

int ws_http_host(const uint8_t *seg, size_t len, char out[WS_NAME_MAX])
{
    if (!seg)
        return WS_NAMES_NONE;
    ws_cur c = ws_cur_make(seg, len);
    if (!method_ahead(c))
        return WS_NAMES_NONE; /* most segments end here, before any scan */
    ws_cur line;
    if (!next_line(&c, &line) || !request_line_ok(line))
        return WS_NAMES_NONE;

    char value[HTTP_HOST_VALUE_MAX];
    size_t vlen = 0;
    bool seen = false;
    bool last_was_host = false;
    while (next_line(&c, &line)) {
        if (ws_cur_left(&line) == 0)
            break; /* end of the header section */
        ws_cur first = line;
        if (is_blank(ws_cur_u8(&first))) {
            /* obs-fold (RFC 9112 5.2): a Host value continued on this line
             * is not a host name we can trust */
            if (last_was_host)
                return WS_NAMES_MALFORMED;
            continue;
        }
        last_was_host = is_host_field(&line);
        if (!last_was_host)
            continue;
        if (seen)
            return WS_NAMES_MALFORMED; /* two Host fields: RFC 9112 3.2 */
        seen = true;
        for (;;) {
            ws_cur t = line;
            if (!is_blank(ws_cur_u8(&t)) || !ws_cur_ok(&t))
                break;
            line = t;
        }
        size_t n = ws_cur_left(&line);
        if (n > sizeof(value))
            return WS_NAMES_MALFORMED;
        ws_cur_copy(&line, value, n);
        while (n > 0 && is_blank((uint8_t)value[n - 1]))
            n--;
        vlen = n;
    }
    if (!seen)
        return WS_NAMES_NONE;
    return host_value(value, vlen, out);
}

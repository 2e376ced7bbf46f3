/* names_int.h - helpers shared by the files of src/names/ (not public). */
#ifndef WS_NAMES_INT_H
#define WS_NAMES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names/names.h"

/* Longest name written out, without its NUL (RFC 1035 section 2.3.4: 255
 * octets on the wire, less the first length octet and the root label). */
#define WS_NAME_TEXT_MAX 253
#define WS_LABEL_MAX 63

/* True for an octet a learned name may hold inside a label. */
static inline bool ws_name_octet_ok(uint8_t b)
{
    return b >= 0x21 && b <= 0x7e && b != '.';
}

static inline char ws_name_lower(uint8_t b)
{
    return (char)((b >= 'A' && b <= 'Z') ? b + ('a' - 'A') : b);
}

/*
 * Checks a name given as text (len octets, not NUL-terminated, untrusted)
 * and writes its learned form into out: one trailing dot dropped, labels of
 * 1..63 octets, at most 253 octets, octets per ws_name_octet_ok, lowercased.
 * False (out unspecified) when it is not a valid name.
 */
bool ws_names_text(const uint8_t *s, size_t len, char out[WS_NAME_MAX]);

/* True when text is an IPv4 or IPv6 address literal. */
bool ws_names_is_ip_literal(const char *text);

#endif

/* addr.h - IPv4/IPv6 addresses held on their full width. */
#ifndef WS_ADDR_H
#define WS_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Longest text form of an address, with its NUL ("ffff:...:255.255.255.255"). */
#define WS_ADDR_STRLEN 46

/*
 * An IP address. IPv4 addresses occupy b[0..3] and leave b[4..15] zero, so
 * two addresses compare equal exactly when family and all 16 bytes match.
 */
typedef struct ws_addr {
    uint8_t family; /* 4 or 6; 0 = unset */
    uint8_t b[16];
} ws_addr;

/* The 8 bytes at p (half of an address's b) as a number that orders as
 * memcmp orders them: two of them compare two addresses' bytes in two steps. */
static inline uint64_t ws_addr_be64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* A hash of an address for the tables that index hosts by address: its 16
 * bytes as two words, mixed (the multiply-xorshift of SplitMix64), the
 * family in the low bits of the first. Not keyed: for addresses chosen by
 * the site file or bounded tables, not for the flow table (src/flow/key.c). */
static inline uint64_t ws_addr_hash(const ws_addr *a)
{
    uint64_t x, y;
    memcpy(&x, a->b, 8);
    memcpy(&y, a->b + 8, 8);
    uint64_t h = (x ^ a->family) * 0x9e3779b97f4a7c15ULL;
    h = (h ^ (h >> 31) ^ y) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

void ws_addr_set4(ws_addr *a, const uint8_t bytes[4]);
void ws_addr_set6(ws_addr *a, const uint8_t bytes[16]);
bool ws_addr_eq(const ws_addr *x, const ws_addr *y);
/* Total order: family first, then bytes. Negative, zero or positive. */
int ws_addr_cmp(const ws_addr *x, const ws_addr *y);
/* Writes the usual text form (dotted quad, RFC 5952 for IPv6); returns buf. */
char *ws_addr_str(const ws_addr *a, char buf[WS_ADDR_STRLEN]);
/* Parses a text address; returns false if it is neither IPv4 nor IPv6. */
bool ws_addr_parse(const char *s, ws_addr *out);

#endif

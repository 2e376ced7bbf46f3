/* test_ike_util.h - what the IKE test programs share: the samples of
 * tests/data/ike/, hex strings, addresses, and hand-built IKE headers
 * (RFC 7296 section 3.1; RFC 2408 section 3.1 for IKEv1). */
#ifndef TEST_IKE_UTIL_H
#define TEST_IKE_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike.h"
#include "ws_test.h"

/* Reads tests/data/ike/name into an exactly sized heap buffer (so the
 * sanitizer build sees any overread); NULL, said on stderr, if missing. */
static inline uint8_t *ti_load(const char *name, size_t *len)
{
    char path[512];
    *len = 0;
    snprintf(path, sizeof(path), "%s/tests/data/ike/%s", WS_SOURCE_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "\ncannot open %s\n", path);
        return NULL;
    }
    uint8_t tmp[4096];
    size_t n = fread(tmp, 1, sizeof(tmp), f);
    fclose(f);
    uint8_t *buf = malloc(n ? n : 1);
    if (buf)
        memcpy(buf, tmp, n);
    *len = n;
    return buf;
}

/* "0a1b..." -> bytes; out holds strlen(s) / 2 bytes. */
static inline void ti_unhex(const char *s, uint8_t *out)
{
    for (size_t i = 0; s[2 * i]; i++) {
        unsigned v;
        sscanf(s + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

/* Do the first strlen(hex) / 2 (at most 64) bytes of b spell hex? */
static inline bool ti_hex_eq(const uint8_t *b, const char *hex)
{
    uint8_t want[64];
    size_t n = strlen(hex) / 2;
    if (n > sizeof(want))
        return false;
    ti_unhex(hex, want);
    return memcmp(b, want, n) == 0;
}

/* The address s; a string that does not parse ends the test. */
static inline ws_addr ti_addr(const char *s)
{
    ws_addr a;
    memset(&a, 0, sizeof(a));
    CU_ASSERT_FATAL(ws_addr_parse(s, &a));
    return a;
}

static inline bool ti_addr_is(const ws_addr *a, const char *s)
{
    ws_addr b = ti_addr(s);
    return ws_addr_eq(a, &b);
}

/* Zeroes msg[0..total) and writes the 28-byte header: initiator SPI, a zero
 * responder SPI, next payload, version (0x10 IKEv1, 0x20 IKEv2), exchange
 * type, flags, message ID 0 and the length total. */
static inline void ti_ike_header(uint8_t *msg, size_t total, const uint8_t spi_i[8],
                                 uint8_t first_payload, uint8_t version, uint8_t exchange,
                                 uint8_t flags)
{
    memset(msg, 0, total);
    memcpy(msg, spi_i, 8);
    msg[16] = first_payload;
    msg[17] = version;
    msg[18] = exchange;
    msg[19] = flags;
    msg[26] = (uint8_t)(total >> 8);
    msg[27] = (uint8_t)total;
}

#endif

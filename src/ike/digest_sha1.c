/* digest_sha1.c - SHA-1 message digest; specification: FIPS 180-4 sections
 * 4.1.1, 5.1.1, 5.3.1 and 6.1. */
#include "ike/digest.h"

static uint32_t rol32(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static void sha1_block(void *ctx, const uint8_t *blk)
{
    ws_sha1_ctx *c = ctx;
    uint32_t w[80];
    for (int t = 0; t < 16; t++)
        w[t] = be32(blk + 4 * t);
    for (int t = 16; t < 80; t++)
        w[t] = rol32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3], e = c->h[4];
    for (int t = 0; t < 80; t++) {
        uint32_t f, k;
        if (t < 20) {
            f = (b & cc) ^ (~b & d);
            k = 0x5a827999;
        } else if (t < 40) {
            f = b ^ cc ^ d;
            k = 0x6ed9eba1;
        } else if (t < 60) {
            f = (b & cc) ^ (b & d) ^ (cc & d);
            k = 0x8f1bbcdc;
        } else {
            f = b ^ cc ^ d;
            k = 0xca62c1d6;
        }
        uint32_t tmp = rol32(a, 5) + f + e + k + w[t];
        e = d;
        d = cc;
        cc = rol32(b, 30);
        b = a;
        a = tmp;
    }
    c->h[0] += a;
    c->h[1] += b;
    c->h[2] += cc;
    c->h[3] += d;
    c->h[4] += e;
}

void ws_sha1_init(ws_sha1_ctx *c)
{
    c->h[0] = 0x67452301;
    c->h[1] = 0xefcdab89;
    c->h[2] = 0x98badcfe;
    c->h[3] = 0x10325476;
    c->h[4] = 0xc3d2e1f0;
    c->len = 0;
    c->n = 0;
}

static const ws_md_shape SHA1 = {64, 8, true, sha1_block};

void ws_sha1_update(ws_sha1_ctx *c, const void *data, size_t len)
{
    c->len += len;
    ws_md_update(&SHA1, c, c->buf, &c->n, data, len);
}

void ws_sha1_final(ws_sha1_ctx *c, uint8_t out[20])
{
    ws_md_pad(&SHA1, c, c->buf, &c->n, c->len);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 4; j++)
            out[4 * i + j] = (uint8_t)(c->h[i] >> (24 - 8 * j));
}

/* digest.c - one entry point over MD5 (RFC 1321), SHA-1 and SHA-2
 * (FIPS 180-4), chosen at run time as IKEv1 negotiates it (RFC 2409
 * appendix A, hash algorithm attribute values), and the block buffering and
 * padding they share; specification: RFC 1321 sections 3.1-3.2, FIPS 180-4
 * sections 5.1.1 and 5.1.2. */
#include "ike/digest.h"

#include <string.h>

void ws_md_update(const ws_md_shape *s, void *ctx, uint8_t *buf, size_t *n,
                  const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        size_t take = s->block - *n;
        if (take > len)
            take = len;
        memcpy(buf + *n, p, take);
        *n += take;
        p += take;
        len -= take;
        if (*n == s->block) {
            s->compress(ctx, buf);
            *n = 0;
        }
    }
}

void ws_md_pad(const ws_md_shape *s, void *ctx, uint8_t *buf, size_t *n,
               uint64_t total)
{
    size_t room = s->block - s->len_field;   /* where the length field starts */
    buf[(*n)++] = 0x80;
    if (*n > room) {                         /* no room left for the length */
        memset(buf + *n, 0, s->block - *n);
        s->compress(ctx, buf);
        *n = 0;
    }
    memset(buf + *n, 0, s->block - *n);
    /* Length in bits; a 16-byte field keeps its high 8 bytes zero, as no
     * message held in memory reaches 2^64 bits. */
    uint64_t bits = total * 8;
    uint8_t *f = buf + room;
    for (size_t i = 0; i < 8; i++) {
        uint8_t b = (uint8_t)(bits >> (8 * i));
        if (s->len_big_endian)
            f[s->len_field - 1 - i] = b;
        else
            f[i] = b;
    }
    s->compress(ctx, buf);
    *n = 0;
}

size_t ws_digest_len(ws_digest_alg alg)
{
    switch (alg) {
    case WS_DIGEST_MD5: return 16;
    case WS_DIGEST_SHA1: return 20;
    case WS_DIGEST_SHA256: return 32;
    case WS_DIGEST_SHA384: return 48;
    case WS_DIGEST_SHA512: return 64;
    case WS_DIGEST_NONE: break;
    }
    return 0;
}

const char *ws_digest_name(ws_digest_alg alg)
{
    switch (alg) {
    case WS_DIGEST_MD5: return "md5";
    case WS_DIGEST_SHA1: return "sha1";
    case WS_DIGEST_SHA256: return "sha2-256";
    case WS_DIGEST_SHA384: return "sha2-384";
    case WS_DIGEST_SHA512: return "sha2-512";
    case WS_DIGEST_NONE: break;
    }
    return "none";
}

bool ws_digest_init(ws_digest_ctx *c, ws_digest_alg alg)
{
    c->alg = alg;
    switch (alg) {
    case WS_DIGEST_MD5: ws_md5_init(&c->u.md5); return true;
    case WS_DIGEST_SHA1: ws_sha1_init(&c->u.sha1); return true;
    case WS_DIGEST_SHA256: ws_sha256_init(&c->u.sha256); return true;
    case WS_DIGEST_SHA384: ws_sha384_init(&c->u.sha512); return true;
    case WS_DIGEST_SHA512: ws_sha512_init(&c->u.sha512); return true;
    case WS_DIGEST_NONE: break;
    }
    c->alg = WS_DIGEST_NONE;
    return false;
}

void ws_digest_update(ws_digest_ctx *c, const void *data, size_t len)
{
    switch (c->alg) {
    case WS_DIGEST_MD5: ws_md5_update(&c->u.md5, data, len); break;
    case WS_DIGEST_SHA1: ws_sha1_update(&c->u.sha1, data, len); break;
    case WS_DIGEST_SHA256: ws_sha256_update(&c->u.sha256, data, len); break;
    case WS_DIGEST_SHA384:
    case WS_DIGEST_SHA512: ws_sha512_update(&c->u.sha512, data, len); break;
    case WS_DIGEST_NONE: break;
    }
}

size_t ws_digest_final(ws_digest_ctx *c, uint8_t out[WS_DIGEST_MAX])
{
    switch (c->alg) {
    case WS_DIGEST_MD5: ws_md5_final(&c->u.md5, out); break;
    case WS_DIGEST_SHA1: ws_sha1_final(&c->u.sha1, out); break;
    case WS_DIGEST_SHA256: ws_sha256_final(&c->u.sha256, out); break;
    case WS_DIGEST_SHA384:
    case WS_DIGEST_SHA512: ws_sha512_final(&c->u.sha512, out); break;
    case WS_DIGEST_NONE: return 0;
    }
    return ws_digest_len(c->alg);
}

size_t ws_digest(ws_digest_alg alg, const void *data, size_t len,
                 uint8_t out[WS_DIGEST_MAX])
{
    ws_digest_ctx c;
    if (!ws_digest_init(&c, alg))
        return 0;
    ws_digest_update(&c, data, len);
    return ws_digest_final(&c, out);
}

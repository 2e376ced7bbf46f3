/* digest.h - the message digests IKE NAT detection needs: MD5 (RFC 1321),
 * SHA-1 and SHA-2 (FIPS 180-4). Small, portable, no library: the IKEv1
 * NAT-D payload is hashed with whatever hash the peers negotiated
 * (RFC 3947 section 3.2), IKEv2 always uses SHA-1 (RFC 7296 section 2.23).
 * These are used for comparison against values seen on the wire, never to
 * protect anything. */
#ifndef WS_IKE_DIGEST_H
#define WS_IKE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ws_digest_alg {
    WS_DIGEST_NONE = 0,
    WS_DIGEST_MD5,
    WS_DIGEST_SHA1,
    WS_DIGEST_SHA256,
    WS_DIGEST_SHA384,
    WS_DIGEST_SHA512,
} ws_digest_alg;

/* Longest digest (SHA-512), bytes. */
#define WS_DIGEST_MAX 64

typedef struct ws_md5_ctx {
    uint32_t h[4];
    uint64_t len;       /* bytes hashed so far */
    uint8_t buf[64];
    size_t n;           /* bytes waiting in buf */
} ws_md5_ctx;

typedef struct ws_sha1_ctx {
    uint32_t h[5];
    uint64_t len;
    uint8_t buf[64];
    size_t n;
} ws_sha1_ctx;

typedef struct ws_sha256_ctx {
    uint32_t h[8];
    uint64_t len;
    uint8_t buf[64];
    size_t n;
} ws_sha256_ctx;

/* SHA-512 and SHA-384 (same function, other initial values, truncated). */
typedef struct ws_sha512_ctx {
    uint64_t h[8];
    uint64_t len;       /* bytes: messages stay far below 2^61 bytes */
    uint8_t buf[128];
    size_t n;
    size_t out_len;     /* 64, or 48 for SHA-384 */
} ws_sha512_ctx;

void ws_md5_init(ws_md5_ctx *c);
void ws_md5_update(ws_md5_ctx *c, const void *data, size_t len);
void ws_md5_final(ws_md5_ctx *c, uint8_t out[16]);

void ws_sha1_init(ws_sha1_ctx *c);
void ws_sha1_update(ws_sha1_ctx *c, const void *data, size_t len);
void ws_sha1_final(ws_sha1_ctx *c, uint8_t out[20]);

void ws_sha256_init(ws_sha256_ctx *c);
void ws_sha256_update(ws_sha256_ctx *c, const void *data, size_t len);
void ws_sha256_final(ws_sha256_ctx *c, uint8_t out[32]);

void ws_sha512_init(ws_sha512_ctx *c);
void ws_sha384_init(ws_sha512_ctx *c);
void ws_sha512_update(ws_sha512_ctx *c, const void *data, size_t len);
/* Writes c->out_len bytes (64 for SHA-512, 48 for SHA-384). */
void ws_sha512_final(ws_sha512_ctx *c, uint8_t *out);

/* Shared by digest_*.c, not for other callers: the Merkle-Damgard
 * buffering and padding common to MD5 (RFC 1321 sections 3.1-3.2) and
 * SHA-1/SHA-2 (FIPS 180-4 section 5.1). Each hash supplies only its
 * compression function. */
typedef struct ws_md_shape {
    size_t block;         /* block size, bytes: 64, or 128 for SHA-384/512 */
    size_t len_field;     /* message length field, bytes: 8, or 16 */
    bool len_big_endian;  /* SHA: big-endian length; MD5: little-endian */
    void (*compress)(void *ctx, const uint8_t *block);
} ws_md_shape;

/* Appends data to the partial block buf (*n bytes held), calling
 * s->compress(ctx, buf) on each block filled. The caller counts the length. */
void ws_md_update(const ws_md_shape *s, void *ctx, uint8_t *buf, size_t *n,
                  const void *data, size_t len);
/* Pads after total bytes of message: 0x80, zeros, the length in bits, and
 * compresses the last block(s). Leaves *n at 0. */
void ws_md_pad(const ws_md_shape *s, void *ctx, uint8_t *buf, size_t *n,
               uint64_t total);

/* Any of the above behind one type. */
typedef struct ws_digest_ctx {
    ws_digest_alg alg;
    union {
        ws_md5_ctx md5;
        ws_sha1_ctx sha1;
        ws_sha256_ctx sha256;
        ws_sha512_ctx sha512;
    } u;
} ws_digest_ctx;

/* Output length of alg in bytes; 0 for WS_DIGEST_NONE or an unknown value. */
size_t ws_digest_len(ws_digest_alg alg);
/* Short name: "md5", "sha1", "sha2-256", ...; "none" otherwise. */
const char *ws_digest_name(ws_digest_alg alg);
/* False (and nothing set up) for an unknown algorithm. */
bool ws_digest_init(ws_digest_ctx *c, ws_digest_alg alg);
void ws_digest_update(ws_digest_ctx *c, const void *data, size_t len);
/* Writes ws_digest_len(alg) bytes to out and returns that length. */
size_t ws_digest_final(ws_digest_ctx *c, uint8_t out[WS_DIGEST_MAX]);
/* One call: digest of data[0..len). Returns the length written, 0 if alg unknown. */
size_t ws_digest(ws_digest_alg alg, const void *data, size_t len,
                 uint8_t out[WS_DIGEST_MAX]);

#endif

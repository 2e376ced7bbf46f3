/* cursor.h - the one way wirespec reads untrusted bytes.
 *
 * A cursor is a window [p, end) over captured bytes. Every reader checks the
 * remaining length before it touches memory; on a short read the cursor is
 * marked failed, the reader returns 0 and all later reads fail too, so a
 * parser may read a whole header and test ws_cur_ok() once. The length test
 * compares sizes, never forms p + n, so it cannot overflow.
 *
 * Two pointers and nothing else: a failed cursor has p == NULL. At 16 bytes
 * a cursor passed by value travels in two registers; with a third field it
 * went through the stack, where reading it back whole right after it was
 * written stalled every decoding step (store-to-load forwarding).
 */
#ifndef WS_CURSOR_H
#define WS_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct ws_cur {
    const uint8_t *p;   /* next byte; NULL once the cursor has failed */
    const uint8_t *end;
} ws_cur;

/* A window over len bytes at data; data may be NULL when len is 0. */
static inline ws_cur ws_cur_make(const uint8_t *data, size_t len)
{
    if (!data)
        data = (const uint8_t *)"";
    ws_cur c = {data, data + len};
    return c;
}

/* Marks c failed: every later read fails. */
static inline void ws_cur_fail(ws_cur *c)
{
    c->p = NULL;
    c->end = NULL;
}

static inline size_t ws_cur_left(const ws_cur *c)
{
    return c->p ? (size_t)(c->end - c->p) : 0;
}

static inline bool ws_cur_ok(const ws_cur *c) { return c->p != NULL; }

/* True (and nothing consumed) when n more bytes are available. */
static inline bool ws_cur_has(const ws_cur *c, size_t n)
{
    return c->p && (size_t)(c->end - c->p) >= n;
}

static inline bool ws_cur_skip(ws_cur *c, size_t n)
{
    if (!ws_cur_has(c, n)) {
        ws_cur_fail(c);
        return false;
    }
    c->p += n;
    return true;
}

static inline uint8_t ws_cur_u8(ws_cur *c)
{
    if (!ws_cur_has(c, 1)) {
        ws_cur_fail(c);
        return 0;
    }
    return *c->p++;
}

static inline uint16_t ws_cur_be16(ws_cur *c)
{
    if (!ws_cur_has(c, 2)) {
        ws_cur_fail(c);
        return 0;
    }
    uint16_t v = (uint16_t)((c->p[0] << 8) | c->p[1]);
    c->p += 2;
    return v;
}

static inline uint16_t ws_cur_le16(ws_cur *c)
{
    if (!ws_cur_has(c, 2)) {
        ws_cur_fail(c);
        return 0;
    }
    uint16_t v = (uint16_t)((c->p[1] << 8) | c->p[0]);
    c->p += 2;
    return v;
}

static inline uint32_t ws_cur_be24(ws_cur *c)
{
    if (!ws_cur_has(c, 3)) {
        ws_cur_fail(c);
        return 0;
    }
    uint32_t v = ((uint32_t)c->p[0] << 16) | ((uint32_t)c->p[1] << 8) | c->p[2];
    c->p += 3;
    return v;
}

static inline uint32_t ws_cur_be32(ws_cur *c)
{
    if (!ws_cur_has(c, 4)) {
        ws_cur_fail(c);
        return 0;
    }
    uint32_t v = ((uint32_t)c->p[0] << 24) | ((uint32_t)c->p[1] << 16) |
                 ((uint32_t)c->p[2] << 8) | c->p[3];
    c->p += 4;
    return v;
}

static inline uint32_t ws_cur_le32(ws_cur *c)
{
    if (!ws_cur_has(c, 4)) {
        ws_cur_fail(c);
        return 0;
    }
    uint32_t v = ((uint32_t)c->p[3] << 24) | ((uint32_t)c->p[2] << 16) |
                 ((uint32_t)c->p[1] << 8) | c->p[0];
    c->p += 4;
    return v;
}

static inline uint64_t ws_cur_be64(ws_cur *c)
{
    uint64_t hi = ws_cur_be32(c);
    uint64_t lo = ws_cur_be32(c);
    return (hi << 32) | lo;
}

/* Copies n bytes out; on a short read copies nothing and fails. */
static inline bool ws_cur_copy(ws_cur *c, void *dst, size_t n)
{
    if (!ws_cur_has(c, n)) {
        ws_cur_fail(c);
        return false;
    }
    memcpy(dst, c->p, n);
    c->p += n;
    return true;
}

/* Returns a pointer to the next n bytes and consumes them, or NULL. */
static inline const uint8_t *ws_cur_take(ws_cur *c, size_t n)
{
    if (!ws_cur_has(c, n)) {
        ws_cur_fail(c);
        return NULL;
    }
    const uint8_t *q = c->p;
    c->p += n;
    return q;
}

/* A sub-cursor over the next n bytes (consumed from c). Fails both if short. */
static inline ws_cur ws_cur_sub(ws_cur *c, size_t n)
{
    const uint8_t *q = ws_cur_take(c, n);
    if (!q) {
        ws_cur bad = {NULL, NULL};
        return bad;
    }
    return ws_cur_make(q, n);
}

#endif

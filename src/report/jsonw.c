/* jsonw.c - a buffer-backed streaming JSON writer, byte for byte the text of
 * json-c 0.16 with JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE.
 * specification: RFC 8259 (sections 4, 5, 6, 7); the choice of escapes is
 * json-c's json_escape_str: \b \t \n \f \r \" \\ as two characters, the other
 * control characters as \u00xx (lower-case hex), '/', DEL and bytes >= 0x80
 * (UTF-8) as they are. */
#include "jsonw.h"

#include <stdlib.h>
#include <string.h>

#define JW_BUF 65536 /* bytes buffered before a writer with a file writes them */

struct ws_jw {
    FILE *out;
    char *buf;
    size_t len, cap;    /* cap - len >= 1 always: room for the NUL of ws_jw_data */
    unsigned depth;     /* open containers */
    uint32_t has_item;  /* bit d: the container at depth d has a value already */
    bool after_key;     /* the next value follows a key: no separator */
    bool err;
};

ws_jw *ws_jw_new(FILE *out)
{
    ws_jw *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->cap = out ? JW_BUF : 256;
    w->buf = malloc(w->cap);
    if (!w->buf) {
        free(w);
        return NULL;
    }
    w->buf[0] = '\0';
    w->out = out;
    return w;
}

void ws_jw_free(ws_jw *w)
{
    if (!w)
        return;
    free(w->buf);
    free(w);
}

bool ws_jw_flush(ws_jw *w)
{
    if (w->out && w->len && !w->err && fwrite(w->buf, 1, w->len, w->out) != w->len)
        w->err = true;
    if (w->out)
        w->len = 0;
    return !w->err;
}

const char *ws_jw_data(const ws_jw *w, size_t *len)
{
    w->buf[w->len] = '\0';
    if (len)
        *len = w->len;
    return w->buf;
}

void ws_jw_clear(ws_jw *w)
{
    w->len = 0;
    w->buf[0] = '\0';
    w->depth = 0;
    w->has_item = 0;
    w->after_key = false;
}

/* Makes room for n more bytes (and the NUL); false on an error. */
static bool room(ws_jw *w, size_t n)
{
    if (w->err)
        return false;
    if (w->out) {
        if (!ws_jw_flush(w))
            return false;
        if (n < w->cap)
            return true;
    }
    if (n > SIZE_MAX / 2 - w->len) {
        w->err = true;
        return false;
    }
    size_t cap = w->cap;
    while (cap - w->len <= n)
        cap *= 2;
    char *b = realloc(w->buf, cap);
    if (!b) {
        w->err = true;
        return false;
    }
    w->buf = b;
    w->cap = cap;
    return true;
}

static inline void put(ws_jw *w, const char *p, size_t n)
{
    if (w->cap - w->len <= n && !room(w, n))
        return;
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static inline void put1(ws_jw *w, char c)
{
    if (w->cap - w->len <= 1 && !room(w, 1))
        return;
    w->buf[w->len++] = c;
}

void ws_jw_raw(ws_jw *w, const char *s, size_t n)
{
    put(w, s, n);
}

void ws_jw_raws(ws_jw *w, const char *s)
{
    put(w, s, strlen(s));
}

/* The separator before a value or a key. */
static inline void sep(ws_jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth == 0)
        return;
    uint32_t bit = 1u << (w->depth - 1);
    if (w->has_item & bit)
        put1(w, ',');
    else
        w->has_item |= bit;
}

static void open_c(ws_jw *w, char c)
{
    sep(w);
    if (w->depth == WS_JW_MAX_DEPTH) {
        w->err = true;
        return;
    }
    put1(w, c);
    w->depth++;
    w->has_item &= ~(1u << (w->depth - 1));
}

static void close_c(ws_jw *w, char c)
{
    if (w->depth == 0 || w->after_key) {
        w->err = true;
        return;
    }
    put1(w, c);
    w->depth--;
}

void ws_jw_obj_begin(ws_jw *w)
{
    open_c(w, '{');
}

void ws_jw_obj_end(ws_jw *w)
{
    close_c(w, '}');
}

void ws_jw_arr_begin(ws_jw *w)
{
    open_c(w, '[');
}

void ws_jw_arr_end(ws_jw *w)
{
    close_c(w, ']');
}

/* What a byte becomes: 0 as it is, 'u' as \u00xx, else '\\' and this. */
static const char esc[256] = {
    ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
    [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u', [0x05] = 'u', [0x06] = 'u',
    [0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u', [0x0f] = 'u', [0x10] = 'u', [0x11] = 'u',
    [0x12] = 'u', [0x13] = 'u', [0x14] = 'u', [0x15] = 'u', [0x16] = 'u', [0x17] = 'u',
    [0x18] = 'u', [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u', [0x1d] = 'u',
    [0x1e] = 'u', [0x1f] = 'u', ['"'] = '"', ['\\'] = '\\',
};

/* The body of a string, without its quotes. */
static void escape(ws_jw *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    for (;;) {
        const unsigned char *run = p;
        while (*p && !esc[*p])
            p++;
        if (p > run)
            put(w, (const char *)run, (size_t)(p - run));
        if (!*p)
            return;
        if (esc[*p] == 'u') {
            char u[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 0xf]};
            put(w, u, sizeof(u));
        } else {
            char e[2] = {'\\', esc[*p]};
            put(w, e, sizeof(e));
        }
        p++;
    }
}

void ws_jw_key(ws_jw *w, const char *key)
{
    sep(w);
    put1(w, '"');
    escape(w, key);
    put(w, "\":", 2);
    w->after_key = true;
}

void ws_jw_key_quoted(ws_jw *w, const char *quoted, size_t n)
{
    sep(w);
    put(w, quoted, n);
    w->after_key = true;
}

void ws_jw_members(ws_jw *w, const char *text, size_t n)
{
    if (w->after_key || w->depth == 0) {
        w->err = true;
        return;
    }
    if (n == 0)
        return;
    sep(w);
    put(w, text, n);
}

void ws_jw_str(ws_jw *w, const char *s)
{
    if (!s) {
        ws_jw_null(w);
        return;
    }
    sep(w);
    put1(w, '"');
    escape(w, s);
    put1(w, '"');
}

/* Writes v's decimal digits to end of a 20-byte area; returns the first. */
static char *digits(uint64_t v, char *end)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

/* Writes v in decimal to the end of a 21-byte area; returns the first byte. */
static char *sdigits(int64_t v, char *end)
{
    if (v >= 0)
        return digits((uint64_t)v, end);
    char *p = digits(0 - (uint64_t)v, end);
    *--p = '-';
    return p;
}

void ws_jw_u64(ws_jw *w, uint64_t v)
{
    char b[20], *p = digits(v, b + sizeof(b));
    sep(w);
    put(w, p, (size_t)(b + sizeof(b) - p));
}

void ws_jw_i64(ws_jw *w, int64_t v)
{
    char b[21], *p = sdigits(v, b + sizeof(b));
    sep(w);
    put(w, p, (size_t)(b + sizeof(b) - p));
}

void ws_jw_bool(ws_jw *w, bool v)
{
    sep(w);
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void ws_jw_null(ws_jw *w)
{
    sep(w);
    put(w, "null", 4);
}

void ws_jw_time(ws_jw *w, int64_t us)
{
    int64_t s = us / 1000000, frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        s--;
    }
    char b[28], *end = b + sizeof(b);
    for (int i = 0; i < 6; i++) {
        *--end = (char)('0' + frac % 10);
        frac /= 10;
    }
    *--end = '.';
    char *p = sdigits(s, end);
    sep(w);
    put(w, p, (size_t)(b + sizeof(b) - p));
}

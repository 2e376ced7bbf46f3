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

bool ws_jw_room_(ws_jw *w, size_t n)
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

#define put ws_jw_put_
#define put1 ws_jw_put1_
#define sep ws_jw_sep_

void ws_jw_raw(ws_jw *w, const char *s, size_t n)
{
    put(w, s, n);
}

void ws_jw_raws(ws_jw *w, const char *s)
{
    put(w, s, strlen(s));
}

void ws_jw_block(ws_jw *w, const char *s, size_t n)
{
    if (!w->out || n < w->cap - w->len) {
        put(w, s, n);
        return;
    }
    if (ws_jw_flush(w) && fwrite(s, 1, n, w->out) != n)
        w->err = true;
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

/* Bytes needing an escape among the 8 of x: a control character (below
 * 0x20, NUL included), '"' or '\\'. Exact as to whether there is one (a
 * borrow can only mark bytes above one that is marked already). */
static inline uint64_t special8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    return ((x - ones * 0x20) | (q - ones) | (b - ones)) & ~x & high;
}

/* Writes the escape of c at d; returns the end. */
static inline char *escape1(char *d, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char e = esc[c];
    if (!e) {
        *d++ = (char)c;
    } else if (e == 'u') {
        memcpy(d, "\\u00", 4);
        d[4] = hex[c >> 4];
        d[5] = hex[c & 0xf];
        d += 6;
    } else {
        d[0] = '\\';
        d[1] = e;
        d += 2;
    }
    return d;
}

/* open, then the body of s escaped, then close (each 0-2 bytes): written in
 * place after making room for the longest escape (6 bytes a byte), runs of
 * 8 plain bytes copied as one word. */
static void quoted(ws_jw *w, const char *open, size_t no, const char *s, const char *close,
                   size_t nc)
{
    size_t n = strlen(s);
    if (n > (SIZE_MAX / 2 - 8) / 6) {
        w->err = true;
        return;
    }
    size_t most = 6 * n + no + nc;
    if (w->cap - w->len <= most && !ws_jw_room_(w, most))
        return;
    char *d = w->buf + w->len;
    memcpy(d, open, no);
    d += no;
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (end - p >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        if (!special8(x)) {
            memcpy(d, p, 8);
            d += 8;
            p += 8;
            continue;
        }
        for (int k = 0; k < 8; k++)
            d = escape1(d, *p++);
    }
    while (p < end)
        d = escape1(d, *p++);
    memcpy(d, close, nc);
    d += nc;
    w->len = (size_t)(d - w->buf);
}

void ws_jw_key(ws_jw *w, const char *key)
{
    sep(w);
    quoted(w, "\"", 1, key, "\":", 2);
    w->after_key = true;
}

void ws_jw_members_bad_(ws_jw *w)
{
    w->err = true;
}

void ws_jw_str(ws_jw *w, const char *s)
{
    if (!s) {
        ws_jw_null(w);
        return;
    }
    sep(w);
    quoted(w, "\"", 1, s, "\"", 1);
}

/* "00" to "99". */
static const char pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Writes v's decimal digits to end of a 20-byte area, two at a time;
 * returns the first. */
static char *digits(uint64_t v, char *end)
{
    while (v >= 100) {
        end -= 2;
        memcpy(end, pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10) {
        end -= 2;
        memcpy(end, pairs + 2 * v, 2);
    } else {
        *--end = (char)('0' + v);
    }
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

void ws_jw_time(ws_jw *w, int64_t us)
{
    int64_t s = us / 1000000, frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        s--;
    }
    char b[28], *end = b + sizeof(b);
    for (int i = 0; i < 3; i++) {
        end -= 2;
        memcpy(end, pairs + 2 * (frac % 100), 2);
        frac /= 100;
    }
    *--end = '.';
    char *p = sdigits(s, end);
    sep(w);
    put(w, p, (size_t)(b + sizeof(b) - p));
}

/* jsonw.h - a small streaming JSON writer for the parts of the reports that
 * grow with the capture (flows, IKE SAs): values go straight into a buffer,
 * with no object built per value. The text is the one json-c writes with
 * JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE (private to report/). */
#ifndef WS_JSONW_H
#define WS_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct ws_jw ws_jw;

/* The writer's state: private to jsonw.c and to the inline writes below
 * (a key, a separator and a short copy are a few instructions each, and
 * the report writes half a million of them). */
struct ws_jw {
    FILE *out;
    char *buf;
    size_t len, cap;    /* cap - len >= 1 always: room for the NUL of ws_jw_data */
    unsigned depth;     /* open containers */
    uint32_t has_item;  /* bit d: the container at depth d has a value already */
    bool after_key;     /* the next value follows a key: no separator */
    bool err;
};

/* Makes room for n more bytes (and the NUL); false on an error. */
bool ws_jw_room_(ws_jw *w, size_t n);

static inline void ws_jw_put_(ws_jw *w, const char *p, size_t n)
{
    if (w->cap - w->len <= n && !ws_jw_room_(w, n))
        return;
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static inline void ws_jw_put1_(ws_jw *w, char c)
{
    if (w->cap - w->len <= 1 && !ws_jw_room_(w, 1))
        return;
    w->buf[w->len++] = c;
}

/* The separator before a value or a key. */
static inline void ws_jw_sep_(ws_jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth == 0)
        return;
    uint32_t bit = 1u << (w->depth - 1);
    if (w->has_item & bit)
        ws_jw_put1_(w, ',');
    else
        w->has_item |= bit;
}

/* A writer that sends its buffer to out whenever it fills (and at
 * ws_jw_flush); with out NULL it keeps everything in memory (ws_jw_data).
 * NULL when out of memory. */
ws_jw *ws_jw_new(FILE *out);
void ws_jw_free(ws_jw *w);

/* Writes what is buffered to out. False once any write failed or memory ran
 * out (the error stays); a writer without out only reports the error. */
bool ws_jw_flush(ws_jw *w);
/* The bytes written so far (memory writer), NUL-terminated; len may be NULL. */
const char *ws_jw_data(const ws_jw *w, size_t *len);
/* Forgets the buffered bytes and the nesting (the error stays). */
void ws_jw_clear(ws_jw *w);

/* Bytes as they are: the layout between values written at the top level.
 * Values at the top level get no separator from the writer. */
void ws_jw_raw(ws_jw *w, const char *s, size_t n);
void ws_jw_raws(ws_jw *w, const char *s);
/* The same for a block of any size (e.g. what another writer formatted):
 * a writer with out sends what it buffers, then a block that does not fit
 * in its buffer straight to out, with no copy. */
void ws_jw_block(ws_jw *w, const char *s, size_t n);

/* Containers nest at most WS_JW_MAX_DEPTH deep (deeper is an error). */
#define WS_JW_MAX_DEPTH 32
void ws_jw_obj_begin(ws_jw *w);
void ws_jw_obj_end(ws_jw *w);
void ws_jw_arr_begin(ws_jw *w);
void ws_jw_arr_end(ws_jw *w);
/* The key of the next value in an object. */
void ws_jw_key(ws_jw *w, const char *key);
/* The same for a key that is a string literal needing no escape (the
 * report's own keys): written with one copy. */
#define ws_jw_keylit(w, lit) ws_jw_key_quoted((w), "\"" lit "\":", sizeof(lit) + 2)
static inline void ws_jw_key_quoted(ws_jw *w, const char *quoted, size_t n)
{
    ws_jw_sep_(w);
    ws_jw_put_(w, quoted, n);
    w->after_key = true;
}
/* Members of the open object given as JSON text already ("k":v,"k2":v2,
 * with no comma before or after; n 0 writes nothing), e.g. copied from
 * another writer: written with the comma the next member needs. A value
 * must not be pending after a key (an error). */
void ws_jw_members_bad_(ws_jw *w);
static inline void ws_jw_members(ws_jw *w, const char *text, size_t n)
{
    if (w->after_key || w->depth == 0) {
        ws_jw_members_bad_(w);
        return;
    }
    if (n == 0)
        return;
    ws_jw_sep_(w);
    ws_jw_put_(w, text, n);
}

/* A string, escaped as json-c does; NULL writes null. */
void ws_jw_str(ws_jw *w, const char *s);
void ws_jw_u64(ws_jw *w, uint64_t v);
void ws_jw_i64(ws_jw *w, int64_t v);
static inline void ws_jw_bool(ws_jw *w, bool v)
{
    ws_jw_sep_(w);
    if (v)
        ws_jw_put_(w, "true", 4);
    else
        ws_jw_put_(w, "false", 5);
}

static inline void ws_jw_null(ws_jw *w)
{
    ws_jw_sep_(w);
    ws_jw_put_(w, "null", 4);
}
/* Microseconds since the epoch as seconds: "%lld.%06lld", the fraction
 * always 0-999999 (-1 us is -1.999999). */
void ws_jw_time(ws_jw *w, int64_t us);

#endif

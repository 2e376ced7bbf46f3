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

typedef struct ws_jw ws_jw;

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
void ws_jw_key_quoted(ws_jw *w, const char *quoted, size_t n);
/* Members of the open object given as JSON text already ("k":v,"k2":v2,
 * with no comma before or after; n 0 writes nothing), e.g. copied from
 * another writer: written with the comma the next member needs. A value
 * must not be pending after a key (an error). */
void ws_jw_members(ws_jw *w, const char *text, size_t n);

/* A string, escaped as json-c does; NULL writes null. */
void ws_jw_str(ws_jw *w, const char *s);
void ws_jw_u64(ws_jw *w, uint64_t v);
void ws_jw_i64(ws_jw *w, int64_t v);
void ws_jw_bool(ws_jw *w, bool v);
void ws_jw_null(ws_jw *w);
/* Microseconds since the epoch as seconds: "%lld.%06lld", the fraction
 * always 0-999999 (-1 us is -1.999999). */
void ws_jw_time(ws_jw *w, int64_t us);

#endif

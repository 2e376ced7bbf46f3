/* test_report_jsonw.c - the streaming JSON writer against the bytes json-c
 * 0.16 writes for the same values with JSON_C_TO_STRING_PLAIN |
 * JSON_C_TO_STRING_NOSLASHESCAPE (the report's flags); json-c is the
 * independent reference. specification: RFC 8259 sections 6 and 7. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/jsonw.h"
#include "ws_test.h"

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Checks that w holds exactly what json-c prints for ref; releases ref and
 * clears w. */
static void same(ws_jw *w, json_object *ref)
{
    size_t len;
    const char *got = ws_jw_data(w, &len);
    const char *want = json_object_to_json_string_ext(ref, FLAGS);
    CU_ASSERT_TRUE(ws_jw_flush(w));
    CU_ASSERT_EQUAL(len, strlen(want));
    CU_ASSERT_STRING_EQUAL(got, want);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\n  got  %s\n  want %s\n", got, want);
    json_object_put(ref);
    ws_jw_clear(w);
}

/* Every byte but NUL alone in a string: the control characters 0x01-0x1f
 * (\b \t \n \f \r short, the rest \u00xx), '"', '\\', '/' (not escaped
 * with NOSLASHESCAPE), DEL and the bytes of UTF-8 sequences. */
static void test_every_byte(void)
{
    ws_jw *w = ws_jw_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (int c = 1; c < 256; c++) {
        char s[4] = {'a', (char)c, 'b', 0};
        ws_jw_str(w, s);
        same(w, json_object_new_string(s));
    }
    /* All of them in one string, and as a key. */
    char all[256];
    for (int c = 1; c < 256; c++)
        all[c - 1] = (char)c;
    all[255] = 0;
    ws_jw_str(w, all);
    same(w, json_object_new_string(all));
    ws_jw_obj_begin(w);
    ws_jw_key(w, all);
    ws_jw_u64(w, 1);
    ws_jw_obj_end(w);
    json_object *o = json_object_new_object();
    json_object_object_add(o, all, json_object_new_int(1));
    same(w, o);
    ws_jw_free(w);
}

/* Spot values written out by hand, so that json-c itself is checked too:
 * RFC 8259 section 7 allows these spellings. */
static void test_escapes_literal(void)
{
    ws_jw *w = ws_jw_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    ws_jw_str(w, "a\"b\\c/d\x01\x1f\x7f\b\t\n\f\r");
    CU_ASSERT_STRING_EQUAL(ws_jw_data(w, NULL), "\"a\\\"b\\\\c/d\\u0001\\u001f\x7f\\b\\t\\n\\f\\r\"");
    ws_jw_clear(w);
    /* UTF-8 passes through: U+00E9, U+65E5, U+1F600. */
    ws_jw_str(w, "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80");
    CU_ASSERT_STRING_EQUAL(ws_jw_data(w, NULL), "\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80\"");
    ws_jw_clear(w);
    ws_jw_str(w, "");
    CU_ASSERT_STRING_EQUAL(ws_jw_data(w, NULL), "\"\"");
    ws_jw_free(w);
}

static void test_numbers(void)
{
    static const uint64_t u[] = {0, 1, 9, 10, 65535, 4294967295u, 4294967296u,
                                 (uint64_t)INT64_MAX, (uint64_t)INT64_MAX + 1,
                                 UINT64_MAX - 1, UINT64_MAX};
    static const int64_t s[] = {0, 1, -1, -9, -10, INT32_MIN, INT32_MAX, INT64_MAX,
                                INT64_MIN, INT64_MIN + 1};
    ws_jw *w = ws_jw_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
        ws_jw_u64(w, u[i]);
        same(w, json_object_new_uint64(u[i]));
    }
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
        ws_jw_i64(w, s[i]);
        same(w, json_object_new_int64(s[i]));
    }
    ws_jw_u64(w, UINT64_MAX);
    CU_ASSERT_STRING_EQUAL(ws_jw_data(w, NULL), "18446744073709551615");
    ws_jw_clear(w);
    ws_jw_i64(w, INT64_MIN);
    CU_ASSERT_STRING_EQUAL(ws_jw_data(w, NULL), "-9223372036854775808");
    ws_jw_free(w);
}

/* Times: seconds, a dot, six digits of microseconds, the fraction always
 * 0-999999 (the seconds floored). Expected values from python3:
 *   python3 -c 'for us in [...]: print(f"{us//10**6}.{us%10**6:06d}")' */
static void test_times(void)
{
    static const struct {
        int64_t us;
        const char *text;
    } t[] = {
        {0, "0.000000"},
        {1, "0.000001"},
        {-1, "-1.999999"},
        {-999999, "-1.000001"},
        {-1000000, "-1.000000"},
        {-1000001, "-2.999999"},
        {1500000, "1.500000"},
        {1772442000123456, "1772442000.123456"},
        {INT64_MAX, "9223372036854.775807"},
        {INT64_MIN, "-9223372036855.224192"},
    };
    ws_jw *w = ws_jw_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        ws_jw_time(w, t[i].us);
        CU_ASSERT_STRING_EQUAL(ws_jw_data(w, NULL), t[i].text);
        ws_jw_clear(w);
        /* In an array, as json-c writes a double made with its text. */
        ws_jw_arr_begin(w);
        ws_jw_time(w, t[i].us);
        ws_jw_time(w, t[i].us);
        ws_jw_arr_end(w);
        json_object *a = json_object_new_array();
        json_object_array_add(a, json_object_new_double_s((double)t[i].us / 1e6, t[i].text));
        json_object_array_add(a, json_object_new_double_s((double)t[i].us / 1e6, t[i].text));
        same(w, a);
    }
    ws_jw_free(w);
}

/* Objects and arrays, nested, with nulls, booleans and empty containers:
 * the separators and the key order. */
static void test_nesting(void)
{
    ws_jw *w = ws_jw_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    ws_jw_obj_begin(w);
    ws_jw_keylit(w, "id");
    ws_jw_u64(w, 7);
    ws_jw_key(w, "src");
    ws_jw_obj_begin(w);
    ws_jw_key(w, "ip");
    ws_jw_str(w, "10.0.0.1");
    ws_jw_key(w, "port");
    ws_jw_null(w);
    ws_jw_key(w, "roles");
    ws_jw_arr_begin(w);
    ws_jw_arr_end(w);
    ws_jw_key(w, "names");
    ws_jw_arr_begin(w);
    ws_jw_str(w, "a.example");
    ws_jw_str(w, NULL);
    ws_jw_arr_begin(w);
    ws_jw_bool(w, true);
    ws_jw_bool(w, false);
    ws_jw_arr_end(w);
    ws_jw_obj_begin(w);
    ws_jw_obj_end(w);
    ws_jw_arr_end(w);
    ws_jw_obj_end(w);
    ws_jw_keylit(w, "app");
    ws_jw_str(w, NULL);
    ws_jw_keylit(w, "t");
    ws_jw_time(w, 2500000);
    ws_jw_obj_end(w);

    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_uint64(7));
    json_object *src = json_object_new_object();
    json_object_object_add(src, "ip", json_object_new_string("10.0.0.1"));
    json_object_object_add(src, "port", NULL);
    json_object_object_add(src, "roles", json_object_new_array());
    json_object *names = json_object_new_array();
    json_object_array_add(names, json_object_new_string("a.example"));
    json_object_array_add(names, NULL);
    json_object *bools = json_object_new_array();
    json_object_array_add(bools, json_object_new_boolean(1));
    json_object_array_add(bools, json_object_new_boolean(0));
    json_object_array_add(names, bools);
    json_object_array_add(names, json_object_new_object());
    json_object_object_add(src, "names", names);
    json_object_object_add(o, "src", src);
    json_object_object_add(o, "app", NULL);
    json_object_object_add(o, "t", json_object_new_double_s(2.5, "2.500000"));
    same(w, o);

    /* Top-level values get no separator: the caller lays them out. */
    ws_jw_u64(w, 1);
    ws_jw_raws(w, ", ");
    ws_jw_null(w);
    CU_ASSERT_STRING_EQUAL(ws_jw_data(w, NULL), "1, null");
    ws_jw_free(w);
}

/* A writer with a file sends its buffer as it fills: output far larger
 * than the buffer (long escaped strings, many small values) comes out whole
 * and in order. */
static void test_file_large(void)
{
    char *mem = NULL;
    size_t memlen = 0;
    FILE *f = open_memstream(&mem, &memlen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    ws_jw *w = ws_jw_new(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    size_t big = 300000;
    char *s = malloc(big + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    for (size_t i = 0; i < big; i++)
        s[i] = (char)(i % 7 == 0 ? '\n' : i % 11 == 0 ? 0x01 : 'a' + (int)(i % 26));
    s[big] = 0;
    json_object *ref = json_object_new_array();
    ws_jw_arr_begin(w);
    for (uint64_t i = 0; i < 50000; i++) {
        ws_jw_u64(w, i * 1000003);
        json_object_array_add(ref, json_object_new_uint64(i * 1000003));
    }
    ws_jw_str(w, s);
    json_object_array_add(ref, json_object_new_string(s));
    for (int i = 0; i < 20000; i++) {
        ws_jw_str(w, "x\"/");
        json_object_array_add(ref, json_object_new_string("x\"/"));
    }
    ws_jw_arr_end(w);
    CU_ASSERT_TRUE(ws_jw_flush(w));
    ws_jw_free(w);
    fclose(f);
    const char *want = json_object_to_json_string_ext(ref, FLAGS);
    CU_ASSERT_EQUAL(memlen, strlen(want));
    CU_ASSERT_TRUE(memlen == strlen(want) && memcmp(mem, want, memlen) == 0);
    json_object_put(ref);
    free(s);
    free(mem);
}

/* A write error is reported by ws_jw_flush (and stays). */
static void test_write_error(void)
{
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        return; /* no /dev/full here: nothing to test */
    setvbuf(f, NULL, _IONBF, 0);
    ws_jw *w = ws_jw_new(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    ws_jw_str(w, "report");
    CU_ASSERT_FALSE(ws_jw_flush(w));
    ws_jw_str(w, "more");
    CU_ASSERT_FALSE(ws_jw_flush(w));
    ws_jw_free(w);
    fclose(f);
}

/* Misuse is an error, not a crash: too deep, a close with nothing open. */
static void test_misuse(void)
{
    ws_jw *w = ws_jw_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (int i = 0; i < WS_JW_MAX_DEPTH; i++)
        ws_jw_arr_begin(w);
    CU_ASSERT_TRUE(ws_jw_flush(w));
    ws_jw_arr_begin(w);
    CU_ASSERT_FALSE(ws_jw_flush(w));
    ws_jw_free(w);
    w = ws_jw_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    ws_jw_obj_end(w);
    CU_ASSERT_FALSE(ws_jw_flush(w));
    ws_jw_free(w);
}

/* Each byte that needs an escape and its neighbours, at every position of
 * strings of 1 to 24 bytes (the writer copies 8 plain bytes at a time and
 * must find an escape in any byte of a word), against json-c. */
static void test_escape_positions(void)
{
    static const unsigned char probe[] = {0x01, 0x08, 0x0a, 0x1f, 0x20, 0x21, '"', 0x23,
                                          0x5b, '\\', 0x5d, 0x7f, 0x80, 0xa2, 0xdc, 0xff};
    static const unsigned char fill[] = {'x', 0xc3, 0x1f};
    ws_jw *w = ws_jw_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (size_t f = 0; f < sizeof(fill); f++)
        for (size_t len = 1; len <= 24; len++)
            for (size_t pos = 0; pos < len; pos++)
                for (size_t k = 0; k < sizeof(probe); k++) {
                    char s[25];
                    memset(s, fill[f], len);
                    s[pos] = (char)probe[k];
                    s[len] = 0;
                    ws_jw_str(w, s);
                    same(w, json_object_new_string(s));
                }
    ws_jw_free(w);
}

/* Every number below 100,000 and each power of ten and its neighbours,
 * against json-c (the writer makes two digits at a time). */
static void test_numbers_dense(void)
{
    ws_jw *w = ws_jw_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (uint64_t v = 0; v < 100000; v++) {
        ws_jw_u64(w, v);
        same(w, json_object_new_uint64(v));
    }
    for (uint64_t p = 10; p <= UINT64_MAX / 10; p *= 10)
        for (int d = -1; d <= 1; d++) {
            ws_jw_u64(w, p + (uint64_t)d);
            same(w, json_object_new_uint64(p + (uint64_t)d));
            ws_jw_i64(w, -(int64_t)(p + (uint64_t)d));
            same(w, json_object_new_int64(-(int64_t)(p + (uint64_t)d)));
        }
    ws_jw_free(w);
}

/* Members given as text take the commas of members written one by one. */
static void test_members(void)
{
    ws_jw *w = ws_jw_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    ws_jw_obj_begin(w);
    ws_jw_members(w, "\"a\":1", 5);
    ws_jw_members(w, "", 0);
    ws_jw_keylit(w, "b");
    ws_jw_null(w);
    ws_jw_members(w, "\"c\":[2,3],\"d\":\"x\"", 17);
    ws_jw_keylit(w, "e");
    ws_jw_bool(w, true);
    ws_jw_obj_end(w);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "a", json_object_new_int(1));
    json_object_object_add(o, "b", NULL);
    json_object *c = json_object_new_array();
    json_object_array_add(c, json_object_new_int(2));
    json_object_array_add(c, json_object_new_int(3));
    json_object_object_add(o, "c", c);
    json_object_object_add(o, "d", json_object_new_string("x"));
    json_object_object_add(o, "e", json_object_new_boolean(1));
    same(w, o);
    /* After a key (a value is due) or outside any container: an error. */
    ws_jw_obj_begin(w);
    ws_jw_keylit(w, "a");
    ws_jw_members(w, "\"b\":1", 5);
    CU_ASSERT_FALSE(ws_jw_flush(w));
    ws_jw_free(w);
    w = ws_jw_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    ws_jw_members(w, "\"b\":1", 5);
    CU_ASSERT_FALSE(ws_jw_flush(w));
    ws_jw_free(w);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"every byte escaped as json-c does", test_every_byte},
        {"escapes and UTF-8, literal", test_escapes_literal},
        {"numbers at the u64 and i64 limits", test_numbers},
        {"times, negative ones floored", test_times},
        {"nesting, separators, null, bool", test_nesting},
        {"file writer past its buffer", test_file_large},
        {"write error reported", test_write_error},
        {"misuse is an error", test_misuse},
        {"escapes at every position of a word", test_escape_positions},
        {"numbers below 100000 and around powers of ten", test_numbers_dense},
        {"members given as text", test_members},
        {NULL, NULL},
    };
    ws_test_suite("report_jsonw", cases);
    return ws_test_run();
}

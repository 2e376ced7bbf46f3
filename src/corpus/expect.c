/* expect.c - matching a case's expectations against a JSON report, saying
 * what differs, and rewriting a case's findings (--update).
 * specification: doc/corpus.md, "Expectations", "Expected versus got" */
#include "corpus.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/addr.h"

#define JFLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define MAX_LISTED 10     /* matched objects listed under a count that differs */
#define MAX_VALUE_SHOWN 120 /* characters of a report value quoted in a diff */

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- what an expectation may name ---------------------------------------- */

/* Top-level fields of the report objects (src/report/report_json.c). */
static const char *const finding_fields[] = {
    "kind", "severity", "rule", "constraint", "pack", "src", "dst", "transport", "app",
    "message", "evidence", "first_seen", "last_seen", "count", "flows", NULL,
};
static const char *const flow_fields[] = {
    "id", "transport", "src", "dst", "src_packets", "dst_packets", "src_bytes", "dst_bytes",
    "src_wire_bytes", "dst_wire_bytes", "outcome", "initiator_guessed", "icmp_type",
    "icmp_code", "app", "app_source", "rule", "icmp_error", "src_spi", "dst_spi",
    "first_seen", "last_seen", "end", NULL,
};
static const char *const coverage_fields[] = {
    "kind", "rule", "pack", "requirement", "transport", "dport", "src", "dst", "status",
    "flows", "failed_flows", "example_flow", "constraint", "rules", "hosts", "matrix", NULL,
};
/* Fields of src and dst. */
static const char *const endpoint_fields[] = {"ip", "port", "roles", "label", "names", NULL};

static bool in_list(const char *const *list, const char *s, size_t n)
{
    for (; *list; list++)
        if (strlen(*list) == n && !strncmp(*list, s, n))
            return true;
    return false;
}

static const char *const *fields_of(const char *section)
{
    if (!strcmp(section, "findings"))
        return finding_fields;
    if (!strcmp(section, "flows"))
        return flow_fields;
    return coverage_fields;
}

/*
 * The report path a key stands for (doc/corpus.md, "Shorthands"); buf holds
 * it when it differs from the key. coverage has a "dport" field of its own
 * (the rule's ports as text), which is not a shorthand there.
 */
static const char *key_path(const char *section, const char *key, char *buf, size_t len)
{
    static const struct {
        const char *key, *path;
    } shorthands[] = {
        {"src", "src.ip"}, {"dst", "dst.ip"}, {"sport", "src.port"}, {"dport", "dst.port"},
        {"src_role", "src.roles"}, {"dst_role", "dst.roles"},
        {"src_name", "src.names"}, {"dst_name", "dst.names"},
    };
    if (!strcmp(section, "coverage") && !strcmp(key, "dport"))
        return key;
    for (size_t i = 0; i < sizeof(shorthands) / sizeof(shorthands[0]); i++)
        if (!strcmp(key, shorthands[i].key)) {
            snprintf(buf, len, "%s", shorthands[i].path);
            return buf;
        }
    return key;
}

static bool is_range(json_object *v)
{
    if (!json_object_is_type(v, json_type_object) || !json_object_object_length(v))
        return false;
    json_object_object_foreach(v, k, val) {
        if ((strcmp(k, "min") && strcmp(k, "max")) ||
            !(json_object_is_type(val, json_type_int) || json_object_is_type(val, json_type_double)))
            return false;
    }
    return true;
}

static bool check_value(const char *file, const char *where, const char *key, json_object *v,
                        char *err, size_t errlen)
{
    if (json_object_is_type(v, json_type_array)) {
        seterr(err, errlen, "%s: %s.%s: an array is not an expectation (write one element: "
                            "it must be among the report's)", file, where, key);
        return false;
    }
    if (json_object_is_type(v, json_type_object) && !is_range(v)) {
        seterr(err, errlen, "%s: %s.%s: an object value must be a range {\"min\": A, \"max\": B}",
               file, where, key);
        return false;
    }
    return true;
}

/* Validates one expectation (called from case.c at load). */
bool ws_corpus_check_expectations(const char *file, const char *section, json_object *arr,
                                  char *err, size_t errlen);
bool ws_corpus_check_expectations(const char *file, const char *section, json_object *arr,
                                  char *err, size_t errlen)
{
    const char *const *fields = fields_of(section);
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        char where[64];
        snprintf(where, sizeof(where), "%s[%zu]", section, i);
        if (!json_object_is_type(e, json_type_object)) {
            seterr(err, errlen, "%s: %s: an expectation is an object of report fields", file, where);
            return false;
        }
        json_object_object_foreach(e, key, v) {
            if (!strcmp(key, "times")) {
                bool ok = is_range(v) || (json_object_is_type(v, json_type_int) &&
                                          json_object_get_int64(v) >= 0);
                if (!ok) {
                    seterr(err, errlen, "%s: %s.times must be a count (0 or more) or a range "
                                        "{\"min\": A, \"max\": B}", file, where);
                    return false;
                }
                continue;
            }
            char buf[64];
            const char *path = key_path(section, key, buf, sizeof(buf));
            bool shorthand = path != key;
            if (shorthand && (!strcmp(key, "src") || !strcmp(key, "dst")) &&
                !json_object_is_type(v, json_type_string)) {
                seterr(err, errlen, "%s: %s.%s must be an address or a prefix (\"10.99.0.0/16\"); "
                                    "write %s.ip, %s.port ... for the other fields", file, where,
                       key, key, key);
                return false;
            }
            const char *dot = strchr(path, '.');
            size_t n = dot ? (size_t)(dot - path) : strlen(path);
            if (!in_list(fields, path, n)) {
                seterr(err, errlen, "%s: %s: unknown field \"%s\" (a %s object has no \"%.*s\")",
                       file, where, key, section, (int)n, path);
                return false;
            }
            if (dot && (!strncmp(path, "src", n) || !strncmp(path, "dst", n)) && n == 3) {
                const char *sub = dot + 1;
                const char *end = strchr(sub, '.');
                size_t m = end ? (size_t)(end - sub) : strlen(sub);
                if (!in_list(endpoint_fields, sub, m)) {
                    seterr(err, errlen, "%s: %s: unknown field \"%s\" (src and dst have ip, port, "
                                        "roles, label, names)", file, where, key);
                    return false;
                }
            }
            if (!check_value(file, where, key, v, err, errlen))
                return false;
        }
    }
    return true;
}

bool ws_corpus_check_stats(const char *file, json_object *stats, char *err, size_t errlen);
bool ws_corpus_check_stats(const char *file, json_object *stats, char *err, size_t errlen)
{
    if (!json_object_is_type(stats, json_type_object)) {
        seterr(err, errlen, "%s: \"stats\" must be an object of stats fields", file);
        return false;
    }
    json_object_object_foreach(stats, key, v) {
        if (!check_value(file, "stats", key, v, err, errlen))
            return false;
    }
    return true;
}

/* ---- comparing ----------------------------------------------------------- */

/* The value at a dotted path; false when a part is missing. */
static bool get_path(json_object *o, const char *path, json_object **out)
{
    char part[128];
    while (*path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof(part) || !json_object_is_type(o, json_type_object))
            return false;
        memcpy(part, path, n);
        part[n] = '\0';
        if (!json_object_object_get_ex(o, part, &o))
            return false;
        path += n + (dot ? 1 : 0);
    }
    *out = o;
    return true;
}

static bool is_number(json_object *v)
{
    return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

/* -1, 0, 1; both are numbers. Integers compare exactly. */
static int num_cmp(json_object *a, json_object *b)
{
    if (json_object_is_type(a, json_type_int) && json_object_is_type(b, json_type_int)) {
        int64_t x = json_object_get_int64(a), y = json_object_get_int64(b);
        if (x >= 0 && y >= 0) {
            uint64_t ux = json_object_get_uint64(a), uy = json_object_get_uint64(b);
            return ux < uy ? -1 : ux > uy;
        }
        return x < y ? -1 : x > y;
    }
    double x = json_object_get_double(a), y = json_object_get_double(b);
    return x < y ? -1 : x > y;
}

/* An address, or a prefix when the text has "/LEN". */
static bool parse_prefix(const char *s, ws_addr *a, int *len)
{
    char buf[WS_ADDR_STRLEN + 8];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n >= WS_ADDR_STRLEN)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (!ws_addr_parse(buf, a))
        return false;
    int max = a->family == 4 ? 32 : 128;
    *len = max;
    if (slash) {
        char *end;
        long l = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || l < 0 || l > max)
            return false;
        *len = (int)l;
    }
    return true;
}

static bool prefix_has(const ws_addr *p, int len, const ws_addr *a)
{
    if (p->family != a->family)
        return false;
    for (int i = 0; i < len / 8; i++)
        if (p->b[i] != a->b[i])
            return false;
    if (len % 8) {
        uint8_t mask = (uint8_t)(0xff << (8 - len % 8));
        if ((p->b[len / 8] & mask) != (a->b[len / 8] & mask))
            return false;
    }
    return true;
}

/* A scalar expectation against one scalar of the report. Strings that are
 * both addresses compare as addresses (or prefix and address). */
static bool scalar_eq(json_object *want, json_object *got)
{
    json_type tw = json_object_get_type(want), tg = json_object_get_type(got);
    if (tw == json_type_null || tg == json_type_null)
        return tw == tg;
    if (is_number(want) && is_number(got))
        return num_cmp(want, got) == 0;
    if (tw != tg)
        return false;
    if (tw == json_type_boolean)
        return json_object_get_boolean(want) == json_object_get_boolean(got);
    if (tw != json_type_string)
        return false;
    const char *w = json_object_get_string(want), *g = json_object_get_string(got);
    if (!strcmp(w, g))
        return true;
    ws_addr pw, pg;
    int lw, lg;
    if (parse_prefix(w, &pw, &lw) && !strchr(g, '/') && parse_prefix(g, &pg, &lg))
        return prefix_has(&pw, lw, &pg);
    return false;
}

static bool in_range(json_object *range, json_object *got)
{
    if (!is_number(got))
        return false;
    json_object *b;
    if (json_object_object_get_ex(range, "min", &b) && num_cmp(got, b) < 0)
        return false;
    if (json_object_object_get_ex(range, "max", &b) && num_cmp(got, b) > 0)
        return false;
    return true;
}

/* One expectation key against a report object. */
static bool key_holds(json_object *o, const char *path, json_object *want)
{
    json_object *got = NULL;
    if (!get_path(o, path, &got))
        return false;
    if (is_range(want))
        return in_range(want, got);
    if (json_object_is_type(got, json_type_array) && !json_object_is_type(want, json_type_null)) {
        for (size_t i = 0; i < json_object_array_length(got); i++)
            if (scalar_eq(want, json_object_array_get_idx(got, i)))
                return true;
        return false;
    }
    return scalar_eq(want, got);
}

/* Keys of e (times aside) that o fails. */
static size_t failed_keys(const char *section, json_object *e, json_object *o)
{
    size_t n = 0;
    json_object_object_foreach(e, key, want) {
        if (!strcmp(key, "times"))
            continue;
        char buf[64];
        n += !key_holds(o, key_path(section, key, buf, sizeof(buf)), want);
    }
    return n;
}

/* ---- saying what differs ------------------------------------------------- */

/* A value as the expectation shows it: strings bare, ranges as {min: A}. */
static void put_plain(FILE *out, json_object *v)
{
    if (json_object_is_type(v, json_type_string)) {
        fputs(json_object_get_string(v), out);
    } else if (is_range(v)) {
        const char *sep = "{";
        json_object_object_foreach(v, k, b) {
            fprintf(out, "%s%s: %s", sep, k, json_object_to_json_string_ext(b, JFLAGS));
            sep = ", ";
        }
        fputs("}", out);
    } else {
        fputs(json_object_to_json_string_ext(v, JFLAGS), out);
    }
}

/* A report value, as JSON, shortened when long. */
static void put_json(FILE *out, json_object *v)
{
    const char *s = json_object_to_json_string_ext(v, JFLAGS);
    if (strlen(s) > MAX_VALUE_SHOWN)
        fprintf(out, "%.*s...", MAX_VALUE_SHOWN, s);
    else
        fputs(s, out);
}

static void put_range(FILE *out, json_object *range)
{
    json_object *lo = NULL, *hi = NULL;
    json_object_object_get_ex(range, "min", &lo);
    json_object_object_get_ex(range, "max", &hi);
    if (lo && hi)
        fprintf(out, "in %s..", json_object_to_json_string_ext(lo, JFLAGS));
    else if (lo)
        fprintf(out, ">= %s", json_object_to_json_string_ext(lo, JFLAGS));
    if (hi)
        fprintf(out, "%s%s", lo ? "" : "<= ", json_object_to_json_string_ext(hi, JFLAGS));
}

/* "severity is "medium", not "high"" for one failed key. */
static void put_key_diff(FILE *out, json_object *o, const char *key, const char *path,
                         json_object *want)
{
    json_object *got = NULL;
    if (!get_path(o, path, &got)) {
        fprintf(out, "%s is missing", key);
        return;
    }
    fprintf(out, "%s is ", key);
    put_json(out, got);
    if (is_range(want)) {
        fputs(", not ", out);
        put_range(out, want);
    } else if (json_object_is_type(got, json_type_array) &&
               !json_object_is_type(want, json_type_null)) {
        fputs(", which has no ", out);
        put_json(out, want);
    } else if (json_object_is_type(want, json_type_string) &&
               strchr(json_object_get_string(want), '/') &&
               json_object_is_type(got, json_type_string)) {
        fprintf(out, ", not in %s", json_object_get_string(want));
    } else {
        fputs(", not ", out);
        put_json(out, want);
    }
}

static void put_diffs(FILE *out, const char *section, json_object *e, json_object *o)
{
    const char *sep = "";
    json_object_object_foreach(e, key, want) {
        if (!strcmp(key, "times"))
            continue;
        char buf[64];
        const char *path = key_path(section, key, buf, sizeof(buf));
        if (key_holds(o, path, want))
            continue;
        fputs(sep, out);
        put_key_diff(out, o, key, path, want);
        sep = "; ";
    }
}

static const char *str_at(json_object *o, const char *path)
{
    json_object *v;
    if (!get_path(o, path, &v) || json_object_is_type(v, json_type_null))
        return NULL;
    return json_object_get_string(v);
}

/* "10.99.3.2:40001", "[fd99::2]:443", or the address alone when no port. */
static void put_end(FILE *out, json_object *o, const char *end)
{
    char p[16];
    snprintf(p, sizeof(p), "%s.ip", end);
    const char *ip = str_at(o, p);
    snprintf(p, sizeof(p), "%s.port", end);
    const char *port = str_at(o, p);
    if (!ip)
        ip = "?";
    if (port && strchr(ip, ':'))
        fprintf(out, "[%s]:%s", ip, port);
    else if (port)
        fprintf(out, "%s:%s", ip, port);
    else
        fputs(ip, out);
}

static const char *or_null(const char *s)
{
    return s ? s : "null";
}

void ws_corpus_describe(FILE *out, const char *section, json_object *o)
{
    if (!json_object_is_type(o, json_type_object)) {
        put_json(out, o);
        return;
    }
    if (!strcmp(section, "findings")) {
        fprintf(out, "%s %s ", or_null(str_at(o, "kind")), or_null(str_at(o, "severity")));
        put_end(out, o, "src");
        fputs(" -> ", out);
        put_end(out, o, "dst");
        fprintf(out, "/%s count %s (rule %s)", or_null(str_at(o, "transport")),
                or_null(str_at(o, "count")), or_null(str_at(o, "rule")));
    } else if (!strcmp(section, "flows")) {
        fprintf(out, "flow %s %s ", or_null(str_at(o, "id")), or_null(str_at(o, "transport")));
        put_end(out, o, "src");
        fputs(" -> ", out);
        put_end(out, o, "dst");
        fprintf(out, " %s (rule %s, app %s)", or_null(str_at(o, "outcome")),
                or_null(str_at(o, "rule")), or_null(str_at(o, "app")));
    } else if (str_at(o, "constraint") && str_at(o, "kind") && !strcmp(str_at(o, "kind"), "full-mesh")) {
        json_object *hosts;
        size_t n = get_path(o, "hosts", &hosts) && json_object_is_type(hosts, json_type_array)
                       ? json_object_array_length(hosts) : 0;
        fprintf(out, "full-mesh %s (%zu hosts)", str_at(o, "constraint"), n);
    } else {
        fprintf(out, "rule %s %s -> %s %s/%s %s (%s)", or_null(str_at(o, "rule")),
                or_null(str_at(o, "src.ip")), or_null(str_at(o, "dst.ip")),
                or_null(str_at(o, "transport")), or_null(str_at(o, "dport")),
                or_null(str_at(o, "status")), or_null(str_at(o, "requirement")));
    }
}

static void put_expectation(FILE *out, const char *section, size_t i, json_object *e)
{
    fprintf(out, "  %s[%zu] {", section, i);
    const char *sep = "";
    json_object_object_foreach(e, key, v) {
        if (!strcmp(key, "times"))
            continue;
        fprintf(out, "%s%s: ", sep, key);
        put_plain(out, v);
        sep = ", ";
    }
    fputs("}", out);
}

static void put_times(FILE *out, json_object *times)
{
    if (!times) {
        fputs("1", out);
        return;
    }
    if (!is_range(times)) {
        fputs(json_object_to_json_string_ext(times, JFLAGS), out);
        return;
    }
    json_object *lo = NULL, *hi = NULL;
    json_object_object_get_ex(times, "min", &lo);
    json_object_object_get_ex(times, "max", &hi);
    if (lo && hi)
        fprintf(out, "%s to %s", json_object_to_json_string_ext(lo, JFLAGS),
                json_object_to_json_string_ext(hi, JFLAGS));
    else if (lo)
        fprintf(out, "at least %s", json_object_to_json_string_ext(lo, JFLAGS));
    else
        fprintf(out, "at most %s", json_object_to_json_string_ext(hi, JFLAGS));
}

/* ---- matching ------------------------------------------------------------ */

/*
 * Matches every expectation of one section against the report's array.
 * matched[j] is set for each object some expectation matched. Returns the
 * number of expectations that failed.
 */
static size_t match_section(FILE *out, const char *section, json_object *exps,
                            json_object *objs, bool *matched)
{
    size_t nobj = objs ? json_object_array_length(objs) : 0;
    size_t failures = 0;
    for (size_t i = 0; exps && i < json_object_array_length(exps); i++) {
        json_object *e = json_object_array_get_idx(exps, i);
        size_t got = 0;
        size_t best = SIZE_MAX, best_fails = SIZE_MAX;
        for (size_t j = 0; j < nobj; j++) {
            size_t f = failed_keys(section, e, json_object_array_get_idx(objs, j));
            if (f == 0) {
                got++;
                if (matched)
                    matched[j] = true;
            } else if (f < best_fails) {
                best_fails = f;
                best = j;
            }
        }
        json_object *times = NULL;
        json_object_object_get_ex(e, "times", &times);
        json_object *n = json_object_new_uint64(got);
        bool ok = times ? (is_range(times) ? in_range(times, n) : num_cmp(times, n) == 0) : got == 1;
        json_object_put(n);
        if (ok)
            continue;
        failures++;
        put_expectation(out, section, i, e);
        fputs(": expected ", out);
        put_times(out, times);
        fprintf(out, ", got %zu\n", got);
        if (got == 0) {
            if (best == SIZE_MAX) {
                fprintf(out, "    (the report has no %s)\n", section);
            } else {
                json_object *o = json_object_array_get_idx(objs, best);
                fputs("    closest: ", out);
                ws_corpus_describe(out, section, o);
                fputs(": ", out);
                put_diffs(out, section, e, o);
                fputs("\n", out);
            }
            continue;
        }
        size_t listed = 0;
        for (size_t j = 0; j < nobj; j++) {
            json_object *o = json_object_array_get_idx(objs, j);
            if (failed_keys(section, e, o))
                continue;
            if (listed++ == MAX_LISTED) {
                fprintf(out, "    ... and %zu more\n", got - MAX_LISTED);
                break;
            }
            fputs("    matched: ", out);
            ws_corpus_describe(out, section, o);
            fputs("\n", out);
        }
    }
    return failures;
}

static bool match_stats(FILE *out, json_object *want, json_object *report, size_t *failures,
                        const char *file, char *err, size_t errlen)
{
    json_object *stats;
    if (!json_object_object_get_ex(report, "stats", &stats) ||
        !json_object_is_type(stats, json_type_object)) {
        seterr(err, errlen, "the report has no stats");
        return false;
    }
    json_object_object_foreach(want, key, v) {
        json_object *got;
        if (!get_path(stats, key, &got) || json_object_is_type(got, json_type_object)) {
            seterr(err, errlen, "%s: stats.%s: the report has no such stats field "
                                "(doc/wirespec.1, \"JSON report\")", file, key);
            return false;
        }
        if (key_holds(stats, key, v))
            continue;
        (*failures)++;
        fputs("  stats: ", out);
        put_key_diff(out, stats, key, key, v);
        fputs("\n", out);
    }
    return true;
}

static json_object *section_of(json_object *report, const char *key)
{
    json_object *a;
    if (json_object_object_get_ex(report, key, &a) && json_object_is_type(a, json_type_array))
        return a;
    return NULL;
}

ws_case_status ws_case_match(const ws_case *c, json_object *report, FILE *out, char *err,
                             size_t errlen)
{
    size_t failures = 0;
    json_object *findings = section_of(report, "findings");
    size_t nf = findings ? json_object_array_length(findings) : 0;
    bool *matched = calloc(nf ? nf : 1, sizeof(*matched));
    if (!matched) {
        seterr(err, errlen, "out of memory");
        return WS_CASE_ERROR;
    }
    failures += match_section(out, "findings", c->findings, findings, matched);
    failures += match_section(out, "flows", c->flows, section_of(report, "flows"), NULL);
    failures += match_section(out, "coverage", c->coverage, section_of(report, "coverage"), NULL);
    if (c->stats && !match_stats(out, c->stats, report, &failures, c->file, err, errlen)) {
        free(matched);
        return WS_CASE_ERROR;
    }
    for (size_t j = 0; c->other == WS_OTHER_FAIL && j < nf; j++) {
        json_object *f = json_object_array_get_idx(findings, j);
        const char *sev = str_at(f, "severity");
        if (matched[j] || (sev && ws_corpus_severity(sev) < c->ignore_below))
            continue;
        failures++;
        fputs("  unexpected finding: ", out);
        ws_corpus_describe(out, "findings", f);
        fputs("\n", out);
    }
    free(matched);
    return failures ? WS_CASE_FAIL : WS_CASE_PASS;
}

/* ---- writing case files -------------------------------------------------- */

/* Compact JSON with ", " and ": " between members, as doc/corpus.md writes. */
static void put_compact(FILE *out, json_object *v)
{
    if (json_object_is_type(v, json_type_object)) {
        const char *sep = "";
        fputs("{", out);
        json_object_object_foreach(v, k, val) {
            json_object *ks = json_object_new_string(k);
            fprintf(out, "%s%s: ", sep, ks ? json_object_to_json_string_ext(ks, JFLAGS) : "\"\"");
            json_object_put(ks);
            put_compact(out, val);
            sep = ", ";
        }
        fputs("}", out);
    } else if (json_object_is_type(v, json_type_array)) {
        fputs("[", out);
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            fputs(i ? ", " : "", out);
            put_compact(out, json_object_array_get_idx(v, i));
        }
        fputs("]", out);
    } else {
        fputs(json_object_to_json_string_ext(v, JFLAGS), out);
    }
}

static void put_case(FILE *out, json_object *root)
{
    const char *sep = "";
    fputs("{", out);
    json_object_object_foreach(root, k, v) {
        json_object *ks = json_object_new_string(k);
        fprintf(out, "%s\n  %s: ", sep, ks ? json_object_to_json_string_ext(ks, JFLAGS) : "\"\"");
        json_object_put(ks);
        sep = ",";
        size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
        bool rows = false;
        for (size_t i = 0; i < n; i++)
            rows |= json_object_is_type(json_object_array_get_idx(v, i), json_type_object);
        if (!rows) {
            put_compact(out, v);
            continue;
        }
        fputs("[", out);
        for (size_t i = 0; i < n; i++) {
            fputs(i ? ",\n    " : "\n    ", out);
            put_compact(out, json_object_array_get_idx(v, i));
        }
        fputs("\n  ]", out);
    }
    fputs("\n}\n", out);
}

bool ws_case_write_json(const char *path, json_object *root, char *err, size_t errlen)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) {
        seterr(err, errlen, "%s: out of memory", path);
        return false;
    }
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        seterr(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
        free(tmp);
        return false;
    }
    put_case(f, root);
    bool ok = !ferror(f);
    int e = errno;
    if (fclose(f) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        e = errno;
    }
    if (!ok) {
        seterr(err, errlen, "%s: cannot write: %s", path, strerror(e));
        unlink(tmp);
    }
    free(tmp);
    return ok;
}

/* The value at path, copied (null when missing). */
static json_object *copy_at(json_object *o, const char *path)
{
    json_object *v = NULL;
    if (!get_path(o, path, &v) || !v)
        return NULL;
    json_object *c = NULL;
    if (json_object_deep_copy(v, &c, NULL) != 0)
        return NULL;
    return c;
}

/* Whether a and b hold the same keys and values, "times" aside. */
static bool same_keys(json_object *a, json_object *b)
{
    size_t na = 0, nb = 0;
    json_object_object_foreach(a, ka, va) {
        if (!strcmp(ka, "times"))
            continue;
        json_object *vb;
        if (!json_object_object_get_ex(b, ka, &vb) || !json_object_equal(va, vb))
            return false;
        na++;
    }
    json_object_object_foreach(b, kb, vb) {
        (void)vb;
        nb += strcmp(kb, "times") != 0;
    }
    return na == nb;
}

/* One expectation per finding at or above ignore_below, identical ones
 * merged with "times". NULL on ENOMEM. */
static json_object *findings_of(json_object *report, int ignore_below)
{
    static const struct {
        const char *key, *path;
    } keys[] = {
        {"kind", "kind"}, {"severity", "severity"}, {"rule", "rule"}, {"src", "src.ip"},
        {"dst", "dst.ip"}, {"transport", "transport"}, {"dport", "dst.port"}, {"count", "count"},
    };
    json_object *out = json_object_new_array();
    json_object *findings = section_of(report, "findings");
    if (!out)
        return NULL;
    for (size_t i = 0; findings && i < json_object_array_length(findings); i++) {
        json_object *f = json_object_array_get_idx(findings, i);
        const char *sev = str_at(f, "severity");
        if (sev && ws_corpus_severity(sev) < ignore_below)
            continue;
        json_object *e = json_object_new_object();
        if (!e)
            goto oom;
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            json_object_object_add(e, keys[k].key, copy_at(f, keys[k].path));
        bool merged = false;
        for (size_t j = 0; !merged && j < json_object_array_length(out); j++) {
            json_object *prev = json_object_array_get_idx(out, j);
            if (!same_keys(prev, e))
                continue;
            json_object *times = NULL;
            int64_t t = json_object_object_get_ex(prev, "times", &times) ? json_object_get_int64(times) : 1;
            json_object_object_add(prev, "times", json_object_new_int64(t + 1));
            merged = true;
        }
        if (merged)
            json_object_put(e);
        else if (json_object_array_add(out, e) != 0) {
            json_object_put(e);
            goto oom;
        }
    }
    return out;
oom:
    json_object_put(out);
    return NULL;
}

long ws_case_update(ws_case *c, json_object *report, char *err, size_t errlen)
{
    json_object *exps = findings_of(report, c->ignore_below);
    if (!exps) {
        seterr(err, errlen, "%s: out of memory", c->file);
        return -1;
    }
    long n = (long)json_object_array_length(exps);
    /* Replacing a key keeps its place; a new key goes at the end. */
    json_object_object_add(c->root, "findings", exps);
    c->findings = exps;
    if (!ws_case_write_json(c->file, c->root, err, errlen))
        return -1;
    return n;
}

bool ws_case_create(const char *dir, char *err, size_t errlen)
{
    size_t n = strlen(dir) + sizeof("/case.json");
    char *path = malloc(n);
    json_object *root = json_object_new_object();
    bool ok = false;
    if (path && root) {
        snprintf(path, n, "%s/case.json", dir);
        json_object_object_add(root, "description",
                               json_object_new_string("TODO: the scenario, in one paragraph"));
        json_object_object_add(root, "source",
                               json_object_new_string("TODO: how the captures were made: the "
                                                      "recording script or the generator command"));
        json_object_object_add(root, "findings", json_object_new_array());
        ok = ws_case_write_json(path, root, err, errlen);
    } else {
        seterr(err, errlen, "%s: out of memory", dir);
    }
    json_object_put(root);
    free(path);
    return ok;
}

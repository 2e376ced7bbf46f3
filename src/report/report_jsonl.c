/* report_jsonl.c - the lines a live run writes as things happen: findings
 * (new, then updates), stats, start/reload/stop events, and the report on
 * one line. JSON Lines: one JSON object per line (https://jsonlines.org/);
 * line types: doc/live.md, "Output lines". */
#include <inttypes.h>
#include <json-c/json.h>
#include <string.h>

#include "report_impl.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Writes o on one line and releases it. */
static bool put_line(FILE *out, json_object *o)
{
    if (!o)
        return false;
    const char *s = json_object_to_json_string_ext(o, JSON_FLAGS);
    bool ok = s && fprintf(out, "%s\n", s) > 0;
    json_object_put(o);
    return fflush(out) == 0 && ok;
}

static json_object *line(const char *type, int64_t now_us)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "type", json_object_new_string(type));
    json_object_object_add(o, "time", ws_report_time_json(now_us));
    return o;
}

static void text_time(FILE *out, int64_t now_us)
{
    fprintf(out, "%" PRId64 ".%03d ", now_us / 1000000, (int)(now_us % 1000000 / 1000));
}

bool ws_report_line_finding(FILE *out, ws_format fmt, const ws_run *run,
                            const ws_finding *f, const char *event, int64_t now_us)
{
    if (fmt == WS_FORMAT_TEXT) {
        text_time(out, now_us);
        fprintf(out, "%s %s %s (count %" PRIu64 "): %s\n", event,
                ws_severity_name(f->severity), ws_finding_kind_name(f->kind), f->count,
                f->message);
        return fflush(out) == 0 && !ferror(out);
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "type", json_object_new_string("finding"));
    json_object_object_add(o, "event", json_object_new_string(event));
    json_object_object_add(o, "time", ws_report_time_json(now_us));
    json_object *fj = ws_report_finding_json(run, f);
    json_object_object_foreach(fj, key, val) {
        json_object_object_add(o, key, json_object_get(val));
    }
    json_object_put(fj);
    return put_line(out, o);
}

bool ws_report_line_stats(FILE *out, ws_format fmt, const ws_run *run, int64_t now_us,
                          const ws_iface_stats *ifs, size_t n_ifs)
{
    const ws_stats *s = ws_run_stats(run);
    const ws_checker *c = ws_run_checker(run);
    size_t nf = c ? ws_checker_findings_count(c) : 0;
    uint64_t kdrops = 0, idrops = 0;
    for (size_t i = 0; i < n_ifs; i++) {
        kdrops += ifs[i].kernel_drops;
        idrops += ifs[i].iface_drops;
    }
    if (fmt == WS_FORMAT_TEXT) {
        text_time(out, now_us);
        fprintf(out, "stats: %" PRIu64 " packets, %" PRIu64 " bytes, %" PRIu64 " flows (%zu "
                "active), %" PRIu64 " evicted, %zu findings, %" PRIu64 " kernel drops, %" PRIu64
                " interface drops\n", s->packets, s->bytes, s->flows, ws_run_active_flows(run),
                s->flows_evicted, nf, kdrops, idrops);
        return fflush(out) == 0 && !ferror(out);
    }
    json_object *o = line("stats", now_us);
    json_object_object_add(o, "packets", json_object_new_uint64(s->packets));
    json_object_object_add(o, "bytes", json_object_new_uint64(s->bytes));
    json_object_object_add(o, "flows", json_object_new_uint64(s->flows));
    json_object_object_add(o, "flows_active", json_object_new_uint64(ws_run_active_flows(run)));
    json_object_object_add(o, "evictions", json_object_new_uint64(s->flows_evicted));
    json_object_object_add(o, "findings", json_object_new_uint64(nf));
    json_object_object_add(o, "drops", json_object_new_uint64(ws_report_drops(s)));
    json_object_object_add(o, "kernel_drops", json_object_new_uint64(kdrops));
    json_object_object_add(o, "interface_drops", json_object_new_uint64(idrops));
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n_ifs; i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "name", json_object_new_string(ifs[i].name));
        json_object_object_add(e, "received", json_object_new_uint64(ifs[i].received));
        json_object_object_add(e, "kernel_drops", json_object_new_uint64(ifs[i].kernel_drops));
        json_object_object_add(e, "interface_drops", json_object_new_uint64(ifs[i].iface_drops));
        json_object_array_add(a, e);
    }
    json_object_object_add(o, "interfaces", a);
    json_object *cs = json_object_new_object();
#define ADD(name, desc) json_object_object_add(cs, #name, json_object_new_uint64(s->name));
    WS_STATS_COUNTERS(ADD)
#undef ADD
    json_object_object_add(o, "counters", cs);
    return put_line(out, o);
}

bool ws_report_line_event(FILE *out, ws_format fmt, const char *type, int64_t now_us,
                          bool ok, const char *message)
{
    if (fmt == WS_FORMAT_TEXT) {
        text_time(out, now_us);
        fprintf(out, "%s%s: %s\n", type, ok ? "" : " failed", message ? message : "");
        return fflush(out) == 0 && !ferror(out);
    }
    json_object *o = line(type, now_us);
    json_object_object_add(o, "ok", json_object_new_boolean(ok));
    json_object_object_add(o, "message", message ? json_object_new_string(message) : NULL);
    return put_line(out, o);
}

bool ws_report_jsonl(FILE *out, const ws_run *run, bool final)
{
    bool ok = ws_report_json_stream(out, run, true, final);
    return fflush(out) == 0 && ok;
}

/* report.h - renders a run for people (text) and for programs (json).
 * The only stage that includes json-c. */
#ifndef WS_REPORT_H
#define WS_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "audit/audit.h"

typedef enum ws_format {
    WS_FORMAT_TEXT,
    WS_FORMAT_JSON,
    WS_FORMAT_JSONL,     /* the JSON report on one line: {"type": "report", ...} */
    WS_FORMAT_JUNIT,     /* JUnit XML: findings and coverage as test cases */
} ws_format;

/* Parses "text", "json", "jsonl" or "junit"; false for anything else. */
bool ws_format_parse(const char *s, ws_format *out);

/* Writes the report; false on a write error (errno says which). */
bool ws_report_write(FILE *out, ws_format fmt, const ws_run *run);

/* Writes s as XML character data or attribute text (&, <, >, quotes
 * escaped; control characters XML forbids as '?'). */
void ws_xml_text(FILE *out, const char *s);

struct json_object;
/* The JSON report as one json-c object, the same keys and values that
 * ws_report_write writes as json; the caller releases it with
 * json_object_put. NULL when out of memory. */
struct json_object *ws_report_json_object(const ws_run *run);

/* ---- lines of a live run (doc/live.md, "Output lines") --------------------
 * Each writes one line: a JSON object for json and jsonl, a sentence for
 * text. All return false on a write error. */

/* {"type": "finding", "event": "new"|"update", "time": ..., then the keys
 * of the finding exactly as the JSON report holds it}. */
bool ws_report_line_finding(FILE *out, ws_format fmt, const ws_run *run,
                            const ws_finding *f, const char *event, int64_t now_us);

/* What one capture interface has seen (pcap_stats). */
typedef struct ws_iface_stats {
    const char *name;
    uint64_t received;       /* ps_recv */
    uint64_t kernel_drops;   /* ps_drop: no room in the capture buffer */
    uint64_t iface_drops;    /* ps_ifdrop: dropped by the interface or driver */
} ws_iface_stats;

/* {"type": "stats", "time", "packets", "bytes", "flows", "flows_active",
 * "evictions", "findings", "drops", "interfaces": [...], "counters": {...}}. */
bool ws_report_line_stats(FILE *out, ws_format fmt, const ws_run *run, int64_t now_us,
                          const ws_iface_stats *ifs, size_t n_ifs);

/* {"type": type, "time", "ok", "message"}: "start", "reload", "stop". */
bool ws_report_line_event(FILE *out, ws_format fmt, const char *type, int64_t now_us,
                          bool ok, const char *message);

/* A report while the run goes on (final false: {"type": "report",
 * "final": false, ...} for jsonl; the text and JSON reports as they are). */
bool ws_report_write_live(FILE *out, ws_format fmt, const ws_run *run, bool final);

#endif

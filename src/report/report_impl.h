/* report_impl.h - what the text and JSON writers share (private to report/). */
#ifndef WS_REPORT_IMPL_H
#define WS_REPORT_IMPL_H

#include <stdbool.h>
#include <stdio.h>

#include "report.h"

#define WS_REPORT_MAX_NAMES 16 /* names printed per address */

bool ws_report_json(FILE *out, const ws_run *run);
bool ws_report_text(FILE *out, const ws_run *run);
bool ws_report_junit(FILE *out, const ws_run *run);

/* TCP and UDP flows have ports; the report shows null for the others. */
bool ws_report_has_ports(uint8_t proto);
const char *ws_report_end_reason(ws_end_reason why);
/* Everything the run saw but could not use or keep. */
uint64_t ws_report_drops(const ws_stats *s);

struct json_object;
/* One finding as the JSON report holds it (the JSON lines share it). */
struct json_object *ws_report_finding_json(const ws_run *run, const ws_finding *f);
/* Seconds since the epoch with microseconds, as the JSON report writes times. */
struct json_object *ws_report_time_json(int64_t us);
bool ws_report_jsonl(FILE *out, const ws_run *run, bool final);
/* The JSON report streamed: laid out a key per line (the json format), or
 * on one line as {"type": "report", "final": final, ...} (the jsonl report
 * line). False on a write error or when out of memory. */
bool ws_report_json_stream(FILE *out, const ws_run *run, bool one_line, bool final);

#endif

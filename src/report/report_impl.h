/* report_impl.h - what the text and JSON writers share (private to report/). */
#ifndef WS_REPORT_IMPL_H
#define WS_REPORT_IMPL_H

#include <stdbool.h>
#include <stdint.h>
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

/* How the streamed report shares its arrays (flows, findings, coverage)
 * with a second thread: an array of at least min_items items is cut in
 * chunks of chunk items (at least 1); the second thread formats the odd
 * chunks into memory, the calling thread the even ones, and it writes
 * every chunk in order. An odd chunk the second thread has not finished
 * wait_us microseconds after its turn came is formatted by the calling
 * thread (0: every one not finished when its turn comes). The bytes are the
 * same as on one thread. */
typedef struct ws_report_split {
    size_t chunk;
    size_t min_items;
    uint64_t wait_us;
} ws_report_split;
/* What ws_report_json_stream uses when the run's limits allow threads. */
extern const ws_report_split ws_report_split_default;
/* ws_report_json_stream with the arrays shared as split says (NULL: all
 * on the calling thread). A second thread that cannot be had leaves the
 * work to the calling thread. */
bool ws_report_json_stream_split(FILE *out, const ws_run *run, bool one_line, bool final,
                                 const ws_report_split *split);

#endif

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
} ws_format;

/* Parses "text" or "json"; false for anything else. */
bool ws_format_parse(const char *s, ws_format *out);

/* Writes the report; false on a write error (errno says which). */
bool ws_report_write(FILE *out, ws_format fmt, const ws_run *run);

struct json_object;
/* The JSON report as one json-c object, the same keys and values that
 * ws_report_write writes as json; the caller releases it with
 * json_object_put. NULL when out of memory. */
struct json_object *ws_report_json_object(const ws_run *run);

#endif

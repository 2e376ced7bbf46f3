/* report.c - format selection and the helpers both writers share. */
#include <string.h>

#include "report_impl.h"

bool ws_format_parse(const char *s, ws_format *out)
{
    if (strcmp(s, "text") == 0)
        *out = WS_FORMAT_TEXT;
    else if (strcmp(s, "json") == 0)
        *out = WS_FORMAT_JSON;
    else if (strcmp(s, "jsonl") == 0)
        *out = WS_FORMAT_JSONL;
    else if (strcmp(s, "junit") == 0)
        *out = WS_FORMAT_JUNIT;
    else
        return false;
    return true;
}

bool ws_report_write(FILE *out, ws_format fmt, const ws_run *run)
{
    return ws_report_write_live(out, fmt, run, true);
}

bool ws_report_write_live(FILE *out, ws_format fmt, const ws_run *run, bool final)
{
    bool ok = fmt == WS_FORMAT_JSON    ? ws_report_json(out, run)
              : fmt == WS_FORMAT_JSONL ? ws_report_jsonl(out, run, final)
              : fmt == WS_FORMAT_JUNIT ? ws_report_junit(out, run)
                                       : ws_report_text(out, run);
    return fflush(out) == 0 && ok;
}

bool ws_report_has_ports(uint8_t proto)
{
    return proto == 6 || proto == 17;
}

const char *ws_report_end_reason(ws_end_reason why)
{
    switch (why) {
    case WS_END_IDLE: return "idle";
    case WS_END_EVICTED: return "evicted";
    case WS_END_REUSED: return "reused";
    case WS_END_FLUSH: return "end-of-input";
    }
    return "?";
}

uint64_t ws_report_drops(const ws_stats *s)
{
    return s->unsupported_link + s->tunnel_too_deep + s->frag_dropped_limit +
           s->frag_timeout + s->flows_dropped + s->ike_sas_dropped +
           s->names_dropped + s->report_flows_dropped;
}

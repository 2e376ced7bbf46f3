/* audit.h - one offline run: inputs -> decode -> flows -> tagging, and what
 * the report needs from it. main.c drives it, report/ renders it. */
#ifndef WS_AUDIT_H
#define WS_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "capture/capture.h"
#include "check/check.h"
#include "common/limits.h"
#include "flow/flow.h"
#include "ike/ike.h"

/* A flow as it ended: what the report and the checks read. */
typedef struct ws_flow_rec {
    ws_flow f;            /* final state; f.dpi_state is always NULL here */
    ws_outcome outcome;
    ws_end_reason end;
    const char *app;      /* application name (interned), NULL when none */
    const ws_rule *rule;  /* the rule that allows it; NULL: none, or no packs */
} ws_flow_rec;

typedef struct ws_run ws_run;

/*
 * Prepares a run over the given inputs. Returns NULL with a message in err
 * when the run cannot start (bad filter, out of memory). Inputs that cannot be
 * read are not an error here: they are reported after ws_run_audit.
 */
ws_run *ws_run_new(const ws_limits *limits, char *const inputs[], size_t ninputs,
                   const char *bpf, char *err, size_t errlen);
void ws_run_free(ws_run *run);

/* Judges every flow against rs (and site, which may be NULL); both borrowed,
 * kept until ws_run_free. Call before ws_run_audit. False on ENOMEM. */
bool ws_run_set_checks(ws_run *run, const ws_ruleset *rs, const ws_site *site);
/* The checker, NULL when no checks were set. */
const ws_checker *ws_run_checker(const ws_run *run);

/* Reads every input to its end and ends every flow. Returns the number of
 * inputs that could not be read completely. */
size_t ws_run_audit(ws_run *run);

/* ---- a run fed frame by frame (wirespec live, doc/live.md) ---------------
 * ws_run_new_stream, ws_run_set_checks, then ws_run_frame for each frame and
 * ws_run_tick as (wall-clock) time passes, and ws_run_finish at the end. The
 * offline ws_run_audit is the same: every frame of the inputs, then finish. */

/* A run with no inputs; frames come from the caller. */
ws_run *ws_run_new_stream(const ws_limits *limits, char *err, size_t errlen);
/* Called on the first packet of each flow (after tagging it), before the
 * packet's caller returns; f is valid during the call only. */
typedef void (*ws_flow_start_fn)(const ws_flow *f, void *ctx);
void ws_run_set_flow_start(ws_run *run, ws_flow_start_fn fn, void *ctx);
/* One frame of link type dlt, captured at ts_us. */
void ws_run_frame(ws_run *run, int dlt, const uint8_t *data, uint32_t caplen,
                  uint32_t wire_len, int64_t ts_us);
/* Time is now_us: flows and fragments idle past their timeouts end (flows
 * go to the checks and become records). */
void ws_run_tick(ws_run *run, int64_t now_us);
/* Ends every flow and runs the end-of-run checks; frames after it are
 * ignored. ws_run_audit calls it. */
void ws_run_finish(ws_run *run);
/* Refreshes what the report reads while the run goes on: the IKE SAs as
 * they stand, the flow records in id order. */
void ws_run_snapshot(ws_run *run);
/* The checker, writable (live checks between flows); NULL without checks. */
ws_checker *ws_run_checker_mut(ws_run *run);
/* Flows in the table now. */
size_t ws_run_active_flows(const ws_run *run);
/* Forgets the flow records (their rules belong to a checker replaced by
 * ws_run_set_checks). */
void ws_run_clear_flows(ws_run *run);

const ws_limits *ws_run_limits(const ws_run *run);
const ws_stats *ws_run_stats(const ws_run *run);
const ws_source *ws_run_source(const ws_run *run);
/* Puts n records of distinct ids in ascending id order, in place: by
 * placement at their ids when the ids are dense (flow ids are 1, 2, ... in
 * order of creation, with gaps where records were dropped), by a sort of
 * small keys when not. O(n + range of ids); 4 bytes per id of the range. */
void ws_flow_recs_sort(ws_flow_rec *recs, size_t n);
/* Flow records in id order. */
const ws_flow_rec *ws_run_flows(const ws_run *run, size_t *n);
/* IKE SAs in order of first sight, as they stood at the end of the run. */
const ws_ike_sa *ws_run_ike_sas(const ws_run *run, size_t *n);
/* Names learned for an address; returns how many were written to out. */
size_t ws_run_names(const ws_run *run, const ws_addr *a, const char **out, size_t max);

#endif

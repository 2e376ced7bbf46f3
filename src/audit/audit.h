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

const ws_limits *ws_run_limits(const ws_run *run);
const ws_stats *ws_run_stats(const ws_run *run);
const ws_source *ws_run_source(const ws_run *run);
/* Flow records in id order. */
const ws_flow_rec *ws_run_flows(const ws_run *run, size_t *n);
/* IKE SAs in order of first sight, as they stood at the end of the run. */
const ws_ike_sa *ws_run_ike_sas(const ws_run *run, size_t *n);
/* Names learned for an address; returns how many were written to out. */
size_t ws_run_names(const ws_run *run, const ws_addr *a, const char **out, size_t max);

#endif

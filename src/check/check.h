/* check.h - the checks: every ended flow (and, at the end, every IKE SA)
 * judged against the loaded rule packs and the site inventory, giving
 * findings of the contract's kinds (DESIGN.md) grouped per (kind, rule,
 * source host, destination host, port), and the coverage of mandatory
 * paths. One check per file; checker.c runs them. */
#ifndef WS_CHECK_H
#define WS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/limits.h"
#include "flow/flow.h"
#include "ike/ike.h"
#include "rules/rules.h"

typedef enum ws_finding_kind {
    WS_FIND_UNEXPECTED_PORT,
    WS_FIND_UNEXPECTED_APP,
    WS_FIND_BLOCKED_PATH,
    WS_FIND_NAT,
    WS_FIND_MISSING_PATH,
} ws_finding_kind;

typedef enum ws_severity { WS_SEV_INFO, WS_SEV_LOW, WS_SEV_MEDIUM, WS_SEV_HIGH } ws_severity;

/* "unexpected-port", ...; "high", ... */
const char *ws_finding_kind_name(ws_finding_kind k);
const char *ws_severity_name(ws_severity s);
/* Also accepts "none" (above every severity: nothing fails a run). */
bool ws_severity_parse(const char *s, int *out);

#define WS_EVIDENCE_MAX 12
#define WS_FINDING_EXAMPLES 5

typedef struct ws_evidence {
    const char *key;       /* static */
    bool is_num;
    int64_t num;
    char str[160];
} ws_evidence;

/* A host as the checks see it: its address, the site entry that lists it
 * (NULL: unlisted, playing the open roles), and its roles. */
typedef struct ws_host {
    ws_addr addr;
    const ws_site_host *entry;
    const ws_roleset *roles;
} ws_host;

typedef struct ws_finding {
    ws_finding_kind kind;
    ws_severity severity;
    const ws_rule *rule;         /* the rule concerned, or NULL */
    const ws_constraint *constraint; /* nat-between-nodes, mesh paths */
    const ws_pack *pack;
    ws_host src, dst;            /* src: the initiator */
    uint16_t sport, dport;       /* of the first flow */
    bool has_ports;
    uint8_t proto;
    const char *app;             /* borrowed from the caller; NULL: none */
    char message[640];
    ws_evidence ev[WS_EVIDENCE_MAX];
    size_t n_ev;
    uint64_t count;              /* flows (or SAs, or pairs) behind it */
    int64_t first_us, last_us;
    uint64_t flows[WS_FINDING_EXAMPLES]; /* example flow ids */
    size_t n_flows;
} ws_finding;

#if defined(__GNUC__)
#define WS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define WS_PRINTF(a, b)
#endif
/* Sets / extends the message (truncated to fit). */
void ws_finding_message(ws_finding *f, const char *fmt, ...) WS_PRINTF(2, 3);
void ws_finding_append(ws_finding *f, const char *fmt, ...) WS_PRINTF(2, 3);
void ws_finding_str(ws_finding *f, const char *key, const char *value);
void ws_finding_num(ws_finding *f, const char *key, int64_t value);

/* ---- findings, grouped ------------------------------------------------- */

typedef struct ws_findings ws_findings;

ws_findings *ws_findings_new(const ws_limits *limits, ws_stats *stats);
void ws_findings_free(ws_findings *fs);

/*
 * Adds a finding, or merges it into the one with the same (kind, rule or
 * constraint, src address, dst address, proto, dport): count is added,
 * first/last seen widened, example flows appended. A new group beyond
 * max_findings is counted in findings_dropped.
 */
void ws_findings_add(ws_findings *fs, const ws_finding *f);
/*
 * When f's group is kept already with a severity at least f's, merges f
 * into it as ws_findings_add would (count, first/last seen, example flows;
 * the group's message and evidence stay) and returns true. False: nothing
 * done, f must go through ws_findings_add. Only f's key, severity, count,
 * times and example flows are read, so a check may call it before writing
 * the message and evidence.
 */
bool ws_findings_merge_known(ws_findings *fs, const ws_finding *f);
/* Sorts worst first (severity, then kind, then first seen, then source,
 * destination and port); groups alike in all of these keep their order. */
void ws_findings_sort(ws_findings *fs);
/*
 * The groups are kept compact (message and evidence in the room they need);
 * a reader has them one at a time. ws_findings_count: how many;
 * ws_findings_at: group i (i < count; in the order of the last sort, with
 * groups added since after) written out into the caller's buf, which it
 * returns; ws_findings_severity_at: its severity alone, nothing written.
 */
size_t ws_findings_count(const ws_findings *fs);
const ws_finding *ws_findings_at(const ws_findings *fs, size_t i, ws_finding *buf);
ws_severity ws_findings_severity_at(const ws_findings *fs, size_t i);
typedef void (*ws_finding_fn)(const ws_finding *f, void *ctx);
/* ws_findings_at for each group in turn, into one ws_finding. */
void ws_findings_each(const ws_findings *fs, ws_finding_fn fn, void *ctx);
/* For tests: every group written out at once into an array (about 3 KB a
 * group) that fs keeps until the next ws_findings_get or ws_findings_free;
 * 0 and *out NULL when none, or out of memory. The product reads findings
 * through ws_findings_at, which never holds more than the caller's one. */
size_t ws_findings_get(const ws_findings *fs, const ws_finding **out);

/* ---- one flow, as the checks see it ------------------------------------ */

typedef struct ws_check_flow {
    const ws_flow *f;
    ws_outcome outcome;
    const char *app;             /* application name, NULL: none */
    ws_host src, dst;            /* as the flow records them (src initiated) */
    ws_match match;              /* which rule allows it */
    const char *const *dst_names;
    size_t n_dst_names;
} ws_check_flow;

/* Did the flow fail the way a blocked path fails? (TCP rejected, no
 * answer, ICMP error; others: ICMP error, or no reply where expect_reply.) */
bool ws_check_flow_failed(const ws_check_flow *cf, bool expect_reply);

/* The checks on one flow (each in its own file). */
void ws_check_unexpected_port(const ws_check_flow *cf, const ws_ruleset *rs,
                              ws_findings *out);
void ws_check_unexpected_app(const ws_check_flow *cf, ws_findings *out);
void ws_check_blocked_path(const ws_check_flow *cf, ws_findings *out);

/* Fills the parts of a finding every flow check fills the same way. */
void ws_finding_from_flow(ws_finding *fd, const ws_check_flow *cf, ws_finding_kind kind,
                          ws_severity sev, const ws_rule *rule);
/* ws_addr_str's text of an address; an IPv4 address written here rather
 * than by inet_ntop (whose printf costs more than the rest of a finding). */
char *ws_check_addr_text(const ws_addr *a, char buf[WS_ADDR_STRLEN]);
/* "10.0.0.1 (pexip-conferencing-node, label)" */
char *ws_host_text(const ws_host *h, const ws_ruleset *rs, char *buf, size_t len);
/* "Section / Row" of a rule's or constraint's source. */
char *ws_source_text(const ws_source_ref *s, char *buf, size_t len);
/* Severity of a blocked path of this rule. */
ws_severity ws_rule_blocked_severity(const ws_rule *r);

/* ---- coverage ------------------------------------------------------------ */

typedef enum ws_cov_status {
    WS_COV_WORKING,    /* a flow of the rule between the two hosts worked */
    WS_COV_BLOCKED,    /* flows were seen, and every one failed */
    WS_COV_NOT_SEEN,   /* no flow of the rule between them */
    WS_COV_EXEMPT,     /* full mesh: the pair need not connect */
    WS_COV_SELF,       /* full mesh: the diagonal */
} ws_cov_status;

const char *ws_cov_status_name(ws_cov_status s);

typedef struct ws_coverage {
    const ws_rule *rule;
    ws_host a, b;            /* a plays a "from" role, b a "to" role */
    ws_cov_status status;
    uint64_t ok, failed;     /* flows */
    uint64_t example;        /* a flow id, 0: none */
} ws_coverage;

typedef struct ws_mesh {
    const ws_constraint *constraint;
    ws_host *hosts;          /* present hosts with one of its roles, by address */
    size_t n;
    uint8_t *cell;           /* n * n ws_cov_status */
} ws_mesh;

/* ---- the checker ------------------------------------------------------- */

typedef struct ws_checker ws_checker;

/* Names learned for an address (the names/ stage, through the run). The
 * strings must stay unchanged, at the same address, while the checker lives
 * (ws_names' strings do): the checker remembers matches by them. */
typedef size_t (*ws_names_fn)(void *ctx, const ws_addr *a, const char **out, size_t max);

/* rs, site (may be NULL), limits and stats are borrowed. NULL on ENOMEM. */
ws_checker *ws_checker_new(const ws_ruleset *rs, const ws_site *site,
                           const ws_limits *limits, ws_stats *stats,
                           ws_names_fn names, void *names_ctx);
void ws_checker_free(ws_checker *c);

/* Judges one ended flow; returns the rule that allows it, or NULL. app is
 * kept by pointer in findings and must outlive the checker. */
const ws_rule *ws_checker_flow(ws_checker *c, const ws_flow *f, ws_outcome outcome,
                               const char *app);

/* After the last flow: NAT between nodes and ESP after IKE (from the IKE
 * SAs), coverage, full-mesh matrices, missing mandatory paths; sorts. */
void ws_checker_finish(ws_checker *c, const ws_ike_sa *sas, size_t n_sas);

/* The host for an address: its site entry and roles. names: learned names. */
void ws_checker_host(const ws_checker *c, const ws_addr *a, ws_host *out);

/* The findings in report order (after ws_checker_finish or ws_checker_sort):
 * how many, finding i written out into the caller's buf (returned), and its
 * severity alone, as ws_findings_count, ws_findings_at and
 * ws_findings_severity_at. */
size_t ws_checker_findings_count(const ws_checker *c);
const ws_finding *ws_checker_finding(const ws_checker *c, size_t i, ws_finding *buf);
ws_severity ws_checker_finding_severity(const ws_checker *c, size_t i);
/* For tests: ws_findings_get of the checker's findings. */
size_t ws_checker_findings(const ws_checker *c, const ws_finding **out);
size_t ws_checker_coverage(const ws_checker *c, const ws_coverage **out);
size_t ws_checker_meshes(const ws_checker *c, const ws_mesh **out);
const ws_ruleset *ws_checker_ruleset(const ws_checker *c);
const ws_site *ws_checker_site(const ws_checker *c);

/* The checks that run at the end (each in its own file). */
void ws_check_nat(ws_checker *c, const ws_ike_sa *sas, size_t n_sas);
void ws_check_esp_after_ike(ws_checker *c, const ws_ike_sa *sas, size_t n_sas);
void ws_check_coverage(ws_checker *c);

/* ---- live monitoring (doc/live.md) --------------------------------------- */

/* The unexpected-port finding of one flow, into *out (ws_check_unexpected_port
 * adds it to the findings). False when the flow is not one. */
bool ws_unexpected_port_finding(const ws_check_flow *cf, const ws_ruleset *rs,
                                ws_finding *out);

/*
 * Judges a flow on its first packet: true, with the finding in *out, when it
 * is certain already that no loaded rule can allow it (an unexpected-port
 * finding). Not certain, and false: no site; neither host listed; a rule
 * that could apply names its responder (a name learned later could match);
 * a host whose site entry could still change with a learned name. Nothing is
 * stored: the flow is judged again when it ends (ws_checker_flow), and that
 * verdict, with its final severity, is the one the findings keep.
 */
bool ws_checker_flow_start(const ws_checker *c, const ws_flow *f, ws_finding *out);

/* NAT between nodes from the IKE SAs seen so far, added to into (not to the
 * checker's findings): what ws_checker_finish would find now. */
void ws_checker_nat_now(ws_checker *c, const ws_ike_sa *sas, size_t n_sas,
                        ws_findings *into);

/* Sorts the findings as ws_checker_finish does, without the end-of-run
 * checks (a report while a live run goes on). */
void ws_checker_sort(ws_checker *c);
/* ws_findings_each over the checker's findings. */
void ws_checker_findings_each(const ws_checker *c, ws_finding_fn fn, void *ctx);

/*
 * What a stream of findings has already said: for each finding group (its
 * key as ws_findings_add groups them), the count, severity and times last
 * emitted. ws_emit_check compares a finding with it and says whether the
 * finding is new, changed since it was last emitted, or neither. At most
 * 2 * max_findings groups are remembered (the findings hold at most
 * max_findings, the rest are first-packet verdicts not yet stored); beyond,
 * a new group is not emitted.
 */
typedef struct ws_emit ws_emit;

typedef enum ws_emit_event {
    WS_EMIT_NONE,     /* emitted before, unchanged (or changes not due) */
    WS_EMIT_NEW,      /* never emitted */
    WS_EMIT_UPDATE,   /* emitted before, count, severity or times changed */
} ws_emit_event;

ws_emit *ws_emit_new(const ws_limits *limits);
void ws_emit_free(ws_emit *e);
/* Forgets every group (after the checker is replaced). */
void ws_emit_clear(ws_emit *e);
/* The event for f, remembered as emitted unless WS_EMIT_NONE. A change is
 * reported only when updates_due; a new group always. */
ws_emit_event ws_emit_check(ws_emit *e, const ws_finding *f, bool updates_due);
/* Groups remembered. */
size_t ws_emit_count(const ws_emit *e);
/* "new", "update" */
const char *ws_emit_event_name(ws_emit_event ev);

#endif

/* check_int.h - the checker's state, shared by the checks that run at the
 * end of a run (coverage, NAT, ESP after IKE). */
#ifndef WS_CHECK_INT_H
#define WS_CHECK_INT_H

#include "check.h"

#define CHECK_MAX_NAMES 8

/* Flows of one rule between two listed hosts (a plays "from", b "to"). */
typedef struct pair_acct {
    const ws_rule *rule;
    ws_addr a, b;
    uint64_t ok, failed, example;
} pair_acct;

struct ws_checker {
    const ws_ruleset *rs;
    const ws_site *site;
    const ws_limits *limits;
    ws_stats *stats;
    ws_names_fn names;
    void *names_ctx;
    ws_roleset open;             /* the roles of unlisted hosts */
    ws_roleset by_name;          /* open roles + the roles given by name pattern */
    ws_rules_index *index;       /* rules by transport and port; NULL: plain scan */
    ws_findings *findings;

    ws_host *present;            /* listed hosts that sent something */
    size_t n_present, cap_present;
    uint32_t *present_idx;       /* open addressing on the address */
    size_t present_icap;

    pair_acct *pairs;
    size_t n_pairs, cap_pairs;
    uint32_t *pair_idx;
    size_t pair_icap;

    ws_coverage *cov;
    size_t n_cov, cap_cov;
    ws_mesh *meshes;
    size_t n_meshes;
};

/* Resolves a host with the names learned for it (names may be NULL). */
void ws_checker_resolve(const ws_checker *c, const ws_addr *a, ws_host *out,
                        const char **names, size_t *n_names);
/* The flows of rule between a and b, or NULL. */
const pair_acct *ws_checker_pair(const ws_checker *c, const ws_rule *rule,
                                 const ws_addr *a, const ws_addr *b);
/* Is r one of the rules of a full-mesh constraint of its pack? */
bool ws_check_rule_in_mesh(const ws_rule *r);
/* Appends a coverage entry (counted in coverage_dropped beyond the limit). */
bool ws_checker_add_coverage(ws_checker *c, const ws_coverage *e);

#endif

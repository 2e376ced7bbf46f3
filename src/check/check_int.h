/* check_int.h - the checker's state, shared by the checks that run at the
 * end of a run (coverage, NAT, ESP after IKE). */
#ifndef WS_CHECK_INT_H
#define WS_CHECK_INT_H

#include "check.h"

#define CHECK_MAX_NAMES 8

/* Rules that allow one flow, as coverage counts them (ws_rules_match_all). */
#define CHECK_MAX_ALL 16

/* Slots of the match memo (a power of two; a key may sit in either slot of
 * its pair): 4,096 of 328 bytes, 1.3 MB. */
#define CHECK_MEMO_SLOTS 4096

/*
 * One remembered match: the answer of ws_rules_match_ix (with the nearest
 * rule a name pattern would give, see ws_checker_flow) and of
 * ws_rules_match_all_ix, under everything that decides them: the two role
 * sets (as pointers: a site entry's, or the checker's open ones), the
 * transport, the port classes (ws_rules_index_port_class), whether the
 * initiator is a guess, whether the responder has a name, and, when a rule
 * of the transport names its responder, the names learned for the hosts, in
 * order (as pointers: the names function's strings stay put, so a name
 * learned later makes another key). Rules, site and index do not change
 * while the checker lives.
 */
typedef struct match_memo {
    const ws_roleset *src_roles, *dst_roles;  /* NULL: slot empty */
    uint32_t sclass, dclass;
    uint8_t proto;
    bool try_reversed, no_dst_name;
    uint8_t n_src, n_dst;                     /* names kept in the key */
    const char *src_names[CHECK_MAX_NAMES], *dst_names[CHECK_MAX_NAMES];
    ws_match match;
    uint8_t n_all;
    const ws_rule *all[CHECK_MAX_ALL];
} match_memo;

/* Slots of the host memo (a power of two): 4,096 of 32 bytes, 128 KB. */
#define CHECK_HOST_SLOTS 4096

/* What is known of an address for good: the site entry that lists it by
 * address or prefix (NULL: none; a name pattern may still list it, by the
 * names learned), and whether it is among the present hosts. */
typedef struct host_memo {
    ws_addr addr;                /* family 0: slot empty */
    bool present;
    const ws_site_host *entry;
} host_memo;

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
    match_memo *memo;            /* n_memo of them; NULL: none */
    host_memo *hosts;            /* n_hosts of them; NULL: none */
    size_t n_memo, n_hosts;

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

/* Gives the match and host memos that many slots, empty (powers of two,
 * at least 2; CHECK_MEMO_SLOTS and CHECK_HOST_SLOTS at first); 0 turns one
 * off (every flow matched, or its hosts looked up, afresh). */
void ws_checker_set_memo(ws_checker *c, size_t memo_slots, size_t host_slots);

/* The host memo's slot for an address (tests find addresses sharing one). */
size_t ws_checker_host_slot(const ws_checker *c, const ws_addr *a);

/* The match query of a resolved flow (cf->f, its hosts' roles, their names);
 * the initiator counts as a guess unless a SYN, a SYN-ACK or an ICMP query
 * settled it, and then the reversed direction is tried too. */
void ws_checker_query(ws_match_query *q, const ws_check_flow *cf, const char **src_names,
                      size_t n_src, const char **dst_names, size_t n_dst);
/* Resolves a host with the names learned for it (names may be NULL). */
void ws_checker_resolve(const ws_checker *c, const ws_addr *a, ws_host *out,
                        const char **names, size_t *n_names);
/* The flows of rule between a and b, or NULL. */
const pair_acct *ws_checker_pair(const ws_checker *c, const ws_rule *rule,
                                 const ws_addr *a, const ws_addr *b);
/* The present host of address a, or NULL (found through the address
 * index, which ws_checker_finish keeps in step with the sorted hosts). */
const ws_host *ws_checker_present(const ws_checker *c, const ws_addr *a);
/* Is r one of the rules of a full-mesh constraint of its pack? */
bool ws_check_rule_in_mesh(const ws_rule *r);
/* Appends a coverage entry (counted in coverage_dropped beyond the limit). */
bool ws_checker_add_coverage(ws_checker *c, const ws_coverage *e);

#endif

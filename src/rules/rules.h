/* rules.h - rule packs (a vendor document's allowed flows), the site
 * inventory (which host plays which role), and the matcher that says which
 * rule allows a flow. Formats: doc/rules.md. */
#ifndef WS_RULES_H
#define WS_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

/* ---- diagnostics ------------------------------------------------------ */

/* Messages from loading and linting, each naming file, object and field. */
typedef struct ws_diag {
    size_t errors, warnings;
    char **msg;          /* "error: ..." or "warning: ..." lines, in order */
    size_t n, cap;
} ws_diag;

void ws_diag_init(ws_diag *d);
void ws_diag_free(ws_diag *d);
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void ws_diag_add(ws_diag *d, bool error, const char *fmt, ...);

/* ---- ports -------------------------------------------------------------- */

typedef struct ws_port_range { uint16_t lo, hi; } ws_port_range;

/* A set of ports as sorted, disjoint, non-adjacent ranges. */
typedef struct ws_portset {
    ws_port_range *r;
    size_t n;
} ws_portset;

bool ws_portset_has(const ws_portset *s, uint16_t port);
/* Writes "80,443,40000-49999" (truncated to len); returns buf. */
char *ws_portset_str(const ws_portset *s, char *buf, size_t len);

/* ---- roles -------------------------------------------------------------- */

#define WS_MAX_ROLES 1024
#define WS_ROLE_ANY 0        /* the built-in role every host plays */

/* A set of role ids (indices into the ruleset's role table). */
typedef struct ws_roleset {
    uint64_t w[WS_MAX_ROLES / 64];
} ws_roleset;

static inline void ws_roleset_add(ws_roleset *s, unsigned r)
{
    s->w[r / 64] |= (uint64_t)1 << (r % 64);
}
static inline bool ws_roleset_has(const ws_roleset *s, unsigned r)
{
    return (s->w[r / 64] >> (r % 64)) & 1;
}
bool ws_roleset_meets(const ws_roleset *a, const ws_roleset *b);

/* ---- packs -------------------------------------------------------------- */

typedef enum ws_requirement {
    WS_REQ_MANDATORY,
    WS_REQ_RECOMMENDED,
    WS_REQ_OPTIONAL,
    WS_REQ_CONDITIONAL,
} ws_requirement;

const char *ws_requirement_name(ws_requirement r);

typedef struct ws_pack ws_pack;

/* Where a rule, variable or constraint comes from in the vendor document. */
typedef struct ws_source_ref {
    char *section, *table, *row;
} ws_source_ref;

/* One item of a dport/sport list, as written: a range, or a variable. */
typedef struct ws_port_item {
    uint16_t lo, hi;
    int var;             /* index into the pack's variables, or -1 */
} ws_port_item;

typedef struct ws_rule {
    char *id;
    const ws_pack *pack;
    size_t index;        /* position in the pack's rules */
    ws_roleset from, to;
    uint8_t protos[2];   /* IP protocol numbers; n_protos of them */
    uint8_t n_protos;
    bool has_ports;      /* tcp/udp */
    ws_port_item *dport_items, *sport_items;
    size_t n_dport_items, n_sport_items; /* n_sport_items 0: any source port */
    ws_portset dport, sport;             /* resolved with the site's settings */
    char **names;        /* responder name patterns */
    size_t n_names;
    char **apps;         /* expected applications */
    size_t n_apps;
    ws_requirement requirement;
    int feature;         /* index into the pack's features, or -1 */
    bool reverse;        /* the "to" side may initiate too */
    bool expect_reply;   /* UDP: a request with no reply is a blocked path */
    bool active;         /* feature on (or none) */
    char *description;
    ws_source_ref source;
} ws_rule;

typedef struct ws_variable {
    char *name, *description;
    ws_portset ports;    /* the pack's value, or the site's */
    bool overridden;
    ws_source_ref source;
} ws_variable;

typedef struct ws_feature {
    char *name, *description;
    bool enabled;
} ws_feature;

typedef enum ws_constraint_kind { WS_CONSTRAINT_NO_NAT, WS_CONSTRAINT_FULL_MESH } ws_constraint_kind;

typedef struct ws_mesh_except {
    unsigned role_a, role_b;   /* the pair is exempt when its hosts' locations differ */
} ws_mesh_except;

typedef struct ws_constraint {
    char *id;
    const ws_pack *pack;
    ws_constraint_kind kind;
    ws_roleset roles;
    const ws_rule **rules;     /* full-mesh: the rules that connect a pair */
    size_t n_rules;
    ws_mesh_except *except;
    size_t n_except;
    char *description;
    ws_source_ref source;
} ws_constraint;

struct ws_pack {
    char *id, *path;
    char *vendor, *product, *description;
    char *doc_title, *doc_revision, *doc_date, *doc_file;
    unsigned *roles;           /* role ids declared by this pack */
    size_t n_roles;
    ws_variable *vars;
    size_t n_vars;
    ws_feature *features;
    size_t n_features;
    ws_rule *rules;
    size_t n_rules;
    ws_constraint *constraints;
    size_t n_constraints;
};

/* All loaded packs, with the role names they share. */
typedef struct ws_ruleset ws_ruleset;

/* Checks an application name given in a rule's "app"; NULL accepts any. */
typedef bool (*ws_app_known_fn)(const char *name, void *ctx);

ws_ruleset *ws_ruleset_new(ws_app_known_fn app_known, void *ctx);
void ws_ruleset_free(ws_ruleset *rs);

/*
 * Loads and checks one pack file. Errors and warnings go to d, each naming
 * the file, the rule (or other object) and the field. Returns false when the
 * file has an error; nothing of it is kept then.
 */
bool ws_ruleset_load(ws_ruleset *rs, const char *path, ws_diag *d);

/*
 * Loads a pack given as --rules gives it: a file path, or the id of a pack
 * in dir (dir/ID.json). Returns false with an error in d.
 */
bool ws_ruleset_load_arg(ws_ruleset *rs, const char *arg, const char *dir, ws_diag *d);

/* Loads every dir/NAME.json in name order. Returns false on any error. */
bool ws_ruleset_load_dir(ws_ruleset *rs, const char *dir, ws_diag *d);

/*
 * Checks across everything loaded (rule ids unique across packs, rules that
 * overlap and contradict each other) and resolves every rule's ports with
 * the current settings. Call after loading, and again after ws_site_apply.
 */
bool ws_ruleset_finish(ws_ruleset *rs, ws_diag *d);

size_t ws_ruleset_packs(const ws_ruleset *rs, const ws_pack *const **packs);
const ws_pack *ws_ruleset_pack(const ws_ruleset *rs, const char *id);
const ws_rule *ws_ruleset_rule(const ws_ruleset *rs, const char *id);
/* Role table: id -> name; a name -> id or -1. */
size_t ws_ruleset_nroles(const ws_ruleset *rs);
const char *ws_ruleset_role_name(const ws_ruleset *rs, unsigned id);
const char *ws_ruleset_role_description(const ws_ruleset *rs, unsigned id);
int ws_ruleset_role_id(const ws_ruleset *rs, const char *name);
/* Does s hold a role declared listed_only? */
bool ws_ruleset_listed_only(const ws_ruleset *rs, const ws_roleset *s);

/* Turns a feature on, as "NAME" (every pack declaring it) or "PACK.NAME".
 * Returns the number of features turned on (0: unknown). */
size_t ws_ruleset_enable_feature(ws_ruleset *rs, const char *name);
/* Overrides a variable, as "NAME" or "PACK.NAME". Returns how many. */
size_t ws_ruleset_set_variable(ws_ruleset *rs, const char *name, const ws_portset *ports);

/* Parses one port item ("443", "40000-49999", or a JSON integer given as
 * text) into lo..hi; false with a message ("port 70000 is outside
 * 0-65535", "range 137-128 is reversed"). */
bool ws_port_item_parse(const char *s, uint16_t *lo, uint16_t *hi, char *why, size_t whylen);

/* ---- site inventory ----------------------------------------------------- */

typedef enum ws_site_match { WS_SITE_ADDR, WS_SITE_PREFIX, WS_SITE_NAME } ws_site_match;

typedef struct ws_site_host {
    size_t index;              /* position in "hosts" */
    char *match;               /* as written */
    ws_site_match kind;
    ws_addr addr;              /* ADDR, PREFIX (masked) */
    uint8_t plen;              /* PREFIX */
    ws_roleset roles;          /* with WS_ROLE_ANY */
    char *label, *location;
} ws_site_host;

typedef struct ws_site ws_site;

/*
 * Loads a site file and applies it to rs: roles must be declared by a
 * loaded pack; settings and features must name a variable or feature of a
 * loaded pack. Call ws_ruleset_finish afterwards. NULL on error (in d).
 */
ws_site *ws_site_load(const char *path, ws_ruleset *rs, ws_diag *d);
void ws_site_free(ws_site *s);
const char *ws_site_name(const ws_site *s);
size_t ws_site_hosts(const ws_site *s, const ws_site_host **hosts);

/*
 * The entry that lists a host, by its address and the names learned for it:
 * most specific first (address, longest prefix, exact name, name pattern with
 * the most literal characters). NULL: unlisted.
 */
const ws_site_host *ws_site_lookup(const ws_site *s, const ws_addr *a,
                                   const char *const *names, size_t n_names);
/* The roles the site gives to name-pattern entries: a host whose name was not
 * learned may still be one of those (out cleared first). */
void ws_site_pattern_roles(const ws_site *s, ws_roleset *out);
/* True when no name pattern is listed: a lookup then depends on the address only. */
bool ws_site_address_only(const ws_site *s);

/* The roles an unlisted host plays: every role no entry gives and no pack
 * declares listed_only, and any. Without a site (s NULL): the same, with
 * no role given by an entry. */
void ws_site_open_roles(const ws_site *s, const ws_ruleset *rs, ws_roleset *out);

/* ---- matching ----------------------------------------------------------- */

/* Why the nearest rule did not allow a flow. */
typedef enum ws_miss {
    WS_MISS_NONE,
    WS_MISS_FEATURE,       /* its feature is off */
    WS_MISS_NAME_UNKNOWN,  /* it names the responder, and no name was learned */
    WS_MISS_NAME,          /* the responder's names do not match */
    WS_MISS_DIRECTION,     /* allowed the other way round only */
    WS_MISS_SPORT,         /* source port outside the rule's */
} ws_miss;

const char *ws_miss_text(ws_miss m);

typedef struct ws_match_query {
    const ws_roleset *src_roles, *dst_roles; /* initiator, responder */
    uint8_t proto;
    uint16_t sport, dport;
    const char *const *src_names, *const *dst_names;
    size_t n_src_names, n_dst_names;
    bool try_reversed;   /* initiator only guessed: try the other way round too */
    bool any_sport;      /* source port unknown: rules' sport lists are not checked */
} ws_match_query;

typedef struct ws_match {
    const ws_rule *rule;   /* NULL: not allowed */
    bool reversed;         /* allowed only with initiator and responder swapped */
    const ws_rule *near;   /* not allowed: the nearest rule, if any */
    ws_miss miss;
} ws_match;

/* Finds the first rule (packs in load order, rules in file order) that
 * allows the flow. Returns m->rule != NULL. */
bool ws_rules_match(const ws_ruleset *rs, const ws_match_query *q, ws_match *m);

/*
 * An index of the rules by transport and destination port, so that a match
 * looks at the rules that could apply instead of every rule of the
 * transport. Build it after the last ws_ruleset_finish (it holds the ports
 * resolved then); rs must outlive it. NULL on ENOMEM.
 */
typedef struct ws_rules_index ws_rules_index;
ws_rules_index *ws_rules_index_new(const ws_ruleset *rs);
void ws_rules_index_free(ws_rules_index *ix);
/* The rules, in load order, that can allow (or nearly allow) a flow of
 * proto to dport: *n of them. With ix NULL, every rule of proto. */
const ws_rule *const *ws_rules_index_candidates(const ws_ruleset *rs,
                                                const ws_rules_index *ix, uint8_t proto,
                                                uint16_t dport, size_t *n);
/*
 * The class of a port for the rules of proto: two ports of one class are in
 * the same dport and sport sets of every rule of proto, so a match (as
 * ws_rules_match_ix and ws_rules_match_all_ix answer it) cannot tell them
 * apart, as destination or as source port. ix NULL: the port itself.
 */
uint32_t ws_rules_index_port_class(const ws_rules_index *ix, uint8_t proto, uint16_t port);
/* Does a rule of proto name its responder (so that the names given to a
 * match can change its answer)? ix NULL: true. */
bool ws_rules_index_names(const ws_rules_index *ix, uint8_t proto);
/* ws_rules_match through the index (ix NULL: without one); same answers. */
bool ws_rules_match_ix(const ws_ruleset *rs, const ws_rules_index *ix,
                       const ws_match_query *q, ws_match *m);

/* Every rule that allows the flow as given (not reversed), up to max. */
size_t ws_rules_match_all(const ws_ruleset *rs, const ws_match_query *q,
                          const ws_rule **out, size_t max);
/* The same through the index (ix NULL: without one). */
size_t ws_rules_match_all_ix(const ws_ruleset *rs, const ws_rules_index *ix,
                             const ws_match_query *q, const ws_rule **out, size_t max);

/* Transport name of a rule ("tcp", "tcp+udp", "esp", "ip-47"); buf >= 12. */
const char *ws_rule_transport(const ws_rule *r, char *buf, size_t len);

/* Parses a transport as rules write it into protocol numbers (1 or 2). */
bool ws_transport_parse(const char *s, uint8_t protos[2], uint8_t *n);

#endif

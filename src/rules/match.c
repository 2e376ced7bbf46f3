/* match.c - which rule allows a flow: roles, direction, transport, ports,
 * names and features, as doc/rules.md ("Which rules a flow may use") says. */
#include "rules_int.h"

#include <stdlib.h>
#include <string.h>

#include "names/names.h"

const char *ws_miss_text(ws_miss m)
{
    switch (m) {
    case WS_MISS_NONE: return "";
    case WS_MISS_FEATURE: return "its feature is not enabled at this site";
    case WS_MISS_NAME_UNKNOWN: return "it names the destination, and no name was learned "
                                      "for this address";
    case WS_MISS_NAME: return "the destination's names do not match the rule's";
    case WS_MISS_DIRECTION: return "it allows the other direction only";
    case WS_MISS_SPORT: return "the source port is outside the rule's";
    }
    return "";
}

/* The lower, the nearer. */
static int miss_rank(ws_miss m)
{
    switch (m) {
    case WS_MISS_FEATURE: return 1;
    case WS_MISS_NAME_UNKNOWN: return 2;
    case WS_MISS_NAME: return 3;
    case WS_MISS_SPORT: return 4;
    case WS_MISS_DIRECTION: return 5;
    case WS_MISS_NONE: break;
    }
    return 99;
}

static bool names_match(const ws_rule *r, const char *const *names, size_t n)
{
    for (size_t i = 0; i < r->n_names; i++)
        for (size_t j = 0; j < n; j++)
            if (ws_name_match(r->names[i], names[j]))
                return true;
    return false;
}

typedef struct side {
    const ws_roleset *src, *dst;
    uint16_t sport, dport;
    bool any_sport;
    const char *const *dst_names;
    size_t n_dst_names;
    /* The words of src and dst that hold a role: a host plays a few roles,
     * so a rule's role set is tested on those words alone. */
    uint8_t n_src_w, n_dst_w;
    uint8_t src_w[WS_MAX_ROLES / 64], dst_w[WS_MAX_ROLES / 64];
} side;

static uint8_t used_words(const ws_roleset *s, uint8_t *out)
{
    uint8_t n = 0;
    for (uint8_t i = 0; i < WS_MAX_ROLES / 64; i++)
        if (s->w[i])
            out[n++] = i;
    return n;
}

static side side_make(const ws_roleset *src, const ws_roleset *dst, uint16_t sport,
                      uint16_t dport, bool any_sport, const char *const *dst_names,
                      size_t n_dst_names)
{
    side s = {src, dst, sport, dport, any_sport, dst_names, n_dst_names, 0, 0, {0}, {0}};
    s.n_src_w = used_words(src, s.src_w);
    s.n_dst_w = used_words(dst, s.dst_w);
    return s;
}

/* ws_roleset_meets(r, host), host being s->src (of_src) or s->dst. */
static inline bool meets(const ws_roleset *r, const side *s, bool of_src)
{
    const ws_roleset *h = of_src ? s->src : s->dst;
    const uint8_t *w = of_src ? s->src_w : s->dst_w;
    uint8_t n = of_src ? s->n_src_w : s->n_dst_w;
    for (uint8_t i = 0; i < n; i++)
        if (r->w[w[i]] & h->w[w[i]])
            return true;
    return false;
}

/* Does r allow the flow as oriented in s? If not and r fails on exactly one
 * of feature, names or source port, *miss says which. */
static bool allows(const ws_rule *r, const side *s, ws_miss *miss)
{
    *miss = WS_MISS_NONE;
    bool fwd = meets(&r->from, s, true) && meets(&r->to, s, false);
    bool rev = r->reverse && meets(&r->from, s, false) && meets(&r->to, s, true);
    if (!fwd && !rev) {
        bool wrong_way = meets(&r->from, s, false) && meets(&r->to, s, true);
        /* a rule open to every port says nothing about this one */
        bool every_port = r->has_ports && r->dport.n == 1 && r->dport.r[0].lo == 0 &&
                          r->dport.r[0].hi == 65535;
        if (wrong_way && !every_port &&
            (!r->has_ports || ws_portset_has(&r->dport, s->dport)))
            *miss = WS_MISS_DIRECTION;
        return false;
    }
    if (r->has_ports && !ws_portset_has(&r->dport, s->dport))
        return false;
    int failed = 0;
    ws_miss why = WS_MISS_NONE;
    if (r->has_ports && r->n_sport_items && !s->any_sport &&
        !ws_portset_has(&r->sport, s->sport)) {
        failed++;
        why = WS_MISS_SPORT;
    }
    if (r->n_names && !names_match(r, s->dst_names, s->n_dst_names)) {
        failed++;
        why = s->n_dst_names ? WS_MISS_NAME : WS_MISS_NAME_UNKNOWN;
    }
    if (!r->active) {
        failed++;
        why = WS_MISS_FEATURE;
    }
    if (failed == 1)
        *miss = why;
    return failed == 0;
}

static const ws_rule *scan(const ws_rule *const *list, size_t n, const side *s,
                           ws_match *m)
{
    for (size_t i = 0; i < n; i++) {
        ws_miss miss;
        if (allows(list[i], s, &miss))
            return list[i];
        if (miss != WS_MISS_NONE && miss_rank(miss) < miss_rank(m->miss)) {
            m->near = list[i];
            m->miss = miss;
        }
    }
    return NULL;
}

static const ws_rule *pass(const ws_ruleset *rs, const ws_rules_index *ix, uint8_t proto,
                           const side *s, ws_match *m)
{
    size_t n;
    const ws_rule *const *list = ws_rules_index_candidates(rs, ix, proto, s->dport, &n);
    return scan(list, n, s, m);
}

bool ws_rules_match_ix(const ws_ruleset *rs, const ws_rules_index *ix,
                       const ws_match_query *q, ws_match *m)
{
    memset(m, 0, sizeof(*m));
    side fwd = side_make(q->src_roles, q->dst_roles, q->sport, q->dport, q->any_sport,
                         q->dst_names, q->n_dst_names);
    m->rule = pass(rs, ix, q->proto, &fwd, m);
    if (!m->rule && q->try_reversed) {
        ws_match back;
        memset(&back, 0, sizeof(back));
        side rev = side_make(q->dst_roles, q->src_roles, q->dport, q->sport, q->any_sport,
                             q->src_names, q->n_src_names);
        m->rule = pass(rs, ix, q->proto, &rev, &back);
        m->reversed = m->rule != NULL;
    }
    if (m->rule) {
        m->near = NULL;
        m->miss = WS_MISS_NONE;
    }
    return m->rule != NULL;
}

bool ws_rules_match(const ws_ruleset *rs, const ws_match_query *q, ws_match *m)
{
    return ws_rules_match_ix(rs, NULL, q, m);
}

size_t ws_rules_match_all(const ws_ruleset *rs, const ws_match_query *q,
                          const ws_rule **out, size_t max)
{
    side s = side_make(q->src_roles, q->dst_roles, q->sport, q->dport, q->any_sport,
                       q->dst_names, q->n_dst_names);
    size_t n = 0;
    const ws_rule *const *list = rs->by_proto[q->proto];
    for (size_t i = 0; i < rs->n_by_proto[q->proto] && n < max; i++) {
        ws_miss miss;
        if (allows(list[i], &s, &miss))
            out[n++] = list[i];
    }
    return n;
}

/* ---- the index: candidate rules by transport and destination port ------- */

/*
 * A rule with ports can only allow a flow, or be its nearest miss, when the
 * flow's destination port is in the rule's dport set (allows() returns false
 * with no miss otherwise). So for each IP protocol the port space is cut at
 * every range edge of its rules; within one piece every port has the same
 * candidates: the rules without ports and the rules whose ports cover the
 * piece, in load order. Matching then scans those alone, and gives the same
 * answer as the scan of every rule of the protocol.
 */
typedef struct ix_proto {
    uint32_t *cut;              /* first port of each piece, ascending; cut[0] = 0 */
    uint32_t *start;            /* piece k: list[start[k] .. start[k + 1]) */
    const ws_rule **list;
    size_t n_cut;
    /* Port classes: the port space cut at every edge of every rule's dport
     * and sport sets, so that within a class every port is in the same sets
     * (NULL: no rule of the protocol has ports, one class) */
    uint32_t *ccut;
    size_t n_ccut;
    /* the classes of the first and last port of each block of 256 ports:
     * equal, the whole block is one class */
    uint32_t *blk;              /* 2 * 256: first, last */
    bool names;                 /* some rule of the protocol names its responder */
} ix_proto;

struct ws_rules_index {
    ix_proto proto[256];        /* cut == NULL: no rule of the protocol has ports */
};

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Appends the cuts of a port set's ranges (a range's first port, and the
 * port after its last) to cut[*k]. */
static void cuts_of(const ws_portset *ps, uint32_t *cut, size_t *k)
{
    for (size_t j = 0; j < ps->n; j++) {
        cut[(*k)++] = ps->r[j].lo;
        if (ps->r[j].hi < 65535)
            cut[(*k)++] = (uint32_t)ps->r[j].hi + 1;
    }
}

/* Sorts cut[0..k) and drops repeats; returns how many are left. */
static size_t cuts_unique(uint32_t *cut, size_t k)
{
    qsort(cut, k, sizeof(*cut), cmp_u32);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || cut[i] != cut[u - 1])
            cut[u++] = cut[i];
    return u;
}

static bool ix_classes(ix_proto *px, const ws_rule *const *rules, size_t n)
{
    size_t ncut = 1;
    for (size_t i = 0; i < n; i++)
        if (rules[i]->has_ports)
            ncut += 2 * (rules[i]->dport.n + rules[i]->sport.n);
    uint32_t *cut = malloc(ncut * sizeof(*cut));
    if (!cut)
        return false;
    size_t k = 0;
    cut[k++] = 0;
    for (size_t i = 0; i < n; i++)
        if (rules[i]->has_ports) {
            cuts_of(&rules[i]->dport, cut, &k);
            cuts_of(&rules[i]->sport, cut, &k);
        }
    px->ccut = cut;
    px->n_ccut = cuts_unique(cut, k);
    px->blk = malloc(2 * 256 * sizeof(*px->blk));
    if (!px->blk)
        return false;
    for (uint32_t b = 0, c = 0; b < 256; b++) {
        while (c + 1 < px->n_ccut && px->ccut[c + 1] <= b * 256)
            c++;
        px->blk[2 * b] = c;
        while (c + 1 < px->n_ccut && px->ccut[c + 1] <= b * 256 + 255)
            c++;
        px->blk[2 * b + 1] = c;
    }
    return true;
}

static bool ix_build(ix_proto *px, const ws_rule *const *rules, size_t n)
{
    size_t ncut = 1;
    for (size_t i = 0; i < n; i++)
        if (rules[i]->has_ports)
            ncut += 2 * rules[i]->dport.n;
    uint32_t *cut = malloc(ncut * sizeof(*cut));
    if (!cut)
        return false;
    size_t k = 0;
    cut[k++] = 0;
    for (size_t i = 0; i < n; i++)
        if (rules[i]->has_ports)
            cuts_of(&rules[i]->dport, cut, &k);
    size_t u = cuts_unique(cut, k);
    size_t total = 0;
    for (size_t c = 0; c < u; c++)
        for (size_t i = 0; i < n; i++)
            total += !rules[i]->has_ports || ws_portset_has(&rules[i]->dport, (uint16_t)cut[c]);
    uint32_t *start = malloc((u + 1) * sizeof(*start));
    const ws_rule **list = malloc((total ? total : 1) * sizeof(*list));
    if (!start || !list) {
        free(cut);
        free(start);
        free(list);
        return false;
    }
    size_t m = 0;
    for (size_t c = 0; c < u; c++) {
        start[c] = (uint32_t)m;
        for (size_t i = 0; i < n; i++)
            if (!rules[i]->has_ports || ws_portset_has(&rules[i]->dport, (uint16_t)cut[c]))
                list[m++] = rules[i];
    }
    start[u] = (uint32_t)m;
    px->cut = cut;
    px->start = start;
    px->list = list;
    px->n_cut = u;
    return true;
}

ws_rules_index *ws_rules_index_new(const ws_ruleset *rs)
{
    ws_rules_index *ix = calloc(1, sizeof(*ix));
    if (!ix)
        return NULL;
    for (size_t p = 0; p < 256; p++) {
        bool ports = false;
        for (size_t i = 0; i < rs->n_by_proto[p]; i++) {
            ports |= rs->by_proto[p][i]->has_ports;
            ix->proto[p].names |= rs->by_proto[p][i]->n_names > 0;
        }
        if (ports && (!ix_build(&ix->proto[p], rs->by_proto[p], rs->n_by_proto[p]) ||
                      !ix_classes(&ix->proto[p], rs->by_proto[p], rs->n_by_proto[p]))) {
            ws_rules_index_free(ix);
            return NULL;
        }
    }
    return ix;
}

void ws_rules_index_free(ws_rules_index *ix)
{
    if (!ix)
        return;
    for (size_t p = 0; p < 256; p++) {
        free(ix->proto[p].cut);
        free(ix->proto[p].start);
        free(ix->proto[p].list);
        free(ix->proto[p].ccut);
        free(ix->proto[p].blk);
    }
    free(ix);
}

const ws_rule *const *ws_rules_index_candidates(const ws_ruleset *rs,
                                                const ws_rules_index *ix, uint8_t proto,
                                                uint16_t dport, size_t *n)
{
    const ix_proto *px = ix ? &ix->proto[proto] : NULL;
    if (!px || !px->cut) {
        *n = rs->n_by_proto[proto];
        return rs->by_proto[proto];
    }
    /* the last piece starting at or below dport (cut[0] = 0 always is) */
    size_t lo = 0, hi = px->n_cut;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (px->cut[mid] <= dport)
            lo = mid;
        else
            hi = mid;
    }
    *n = px->start[lo + 1] - px->start[lo];
    return px->list + px->start[lo];
}

uint32_t ws_rules_index_port_class(const ws_rules_index *ix, uint8_t proto, uint16_t port)
{
    if (!ix)
        return port;
    const ix_proto *px = &ix->proto[proto];
    if (!px->ccut)
        return 0;
    /* the last class starting at or below port (ccut[0] = 0 always is),
     * among those of its block of 256 */
    size_t lo = px->blk[2 * (port >> 8)], hi = px->blk[2 * (port >> 8) + 1] + 1;
    if (hi - lo == 1)
        return (uint32_t)lo;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (px->ccut[mid] <= port)
            lo = mid;
        else
            hi = mid;
    }
    return (uint32_t)lo;
}

bool ws_rules_index_names(const ws_rules_index *ix, uint8_t proto)
{
    return !ix || ix->proto[proto].names;
}

size_t ws_rules_match_all_ix(const ws_ruleset *rs, const ws_rules_index *ix,
                             const ws_match_query *q, const ws_rule **out, size_t max)
{
    side s = side_make(q->src_roles, q->dst_roles, q->sport, q->dport, q->any_sport,
                       q->dst_names, q->n_dst_names);
    size_t nc, n = 0;
    const ws_rule *const *list = ws_rules_index_candidates(rs, ix, q->proto, q->dport, &nc);
    for (size_t i = 0; i < nc && n < max; i++) {
        ws_miss miss;
        if (allows(list[i], &s, &miss))
            out[n++] = list[i];
    }
    return n;
}

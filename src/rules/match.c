/* match.c - which rule allows a flow: roles, direction, transport, ports,
 * names and features, as doc/rules.md ("Which rules a flow may use") says. */
#include "rules_int.h"

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
} side;

/* Does r allow the flow as oriented in s? If not and r fails on exactly one
 * of feature, names or source port, *miss says which. */
static bool allows(const ws_rule *r, const side *s, ws_miss *miss)
{
    *miss = WS_MISS_NONE;
    bool fwd = ws_roleset_meets(&r->from, s->src) && ws_roleset_meets(&r->to, s->dst);
    bool rev = r->reverse && ws_roleset_meets(&r->from, s->dst) &&
               ws_roleset_meets(&r->to, s->src);
    if (!fwd && !rev) {
        bool wrong_way = ws_roleset_meets(&r->from, s->dst) &&
                         ws_roleset_meets(&r->to, s->src);
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

static const ws_rule *pass(const ws_ruleset *rs, uint8_t proto, const side *s,
                           ws_match *m)
{
    const ws_rule *const *list = rs->by_proto[proto];
    for (size_t i = 0; i < rs->n_by_proto[proto]; i++) {
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

bool ws_rules_match(const ws_ruleset *rs, const ws_match_query *q, ws_match *m)
{
    memset(m, 0, sizeof(*m));
    side fwd = {q->src_roles, q->dst_roles, q->sport, q->dport, q->any_sport,
                q->dst_names, q->n_dst_names};
    m->rule = pass(rs, q->proto, &fwd, m);
    if (!m->rule && q->try_reversed) {
        ws_match back;
        memset(&back, 0, sizeof(back));
        side rev = {q->dst_roles, q->src_roles, q->dport, q->sport, q->any_sport,
                    q->src_names, q->n_src_names};
        m->rule = pass(rs, q->proto, &rev, &back);
        m->reversed = m->rule != NULL;
    }
    if (m->rule) {
        m->near = NULL;
        m->miss = WS_MISS_NONE;
    }
    return m->rule != NULL;
}

size_t ws_rules_match_all(const ws_ruleset *rs, const ws_match_query *q,
                          const ws_rule **out, size_t max)
{
    side s = {q->src_roles, q->dst_roles, q->sport, q->dport, q->any_sport,
              q->dst_names, q->n_dst_names};
    size_t n = 0;
    const ws_rule *const *list = rs->by_proto[q->proto];
    for (size_t i = 0; i < rs->n_by_proto[q->proto] && n < max; i++) {
        ws_miss miss;
        if (allows(list[i], &s, &miss))
            out[n++] = list[i];
    }
    return n;
}

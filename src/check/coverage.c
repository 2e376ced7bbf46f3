/* coverage.c - for every mandatory rule: each pair of present hosts it
 * applies to that used it, working or blocked, and each pair of the
 * product's own servers, also when not seen; full-mesh constraints
 * as a host x host matrix; a missing-mandatory-path finding for each pair
 * never seen (DESIGN.md, finding kind missing-mandatory-path). */
#include "check_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names/names.h"

const char *ws_cov_status_name(ws_cov_status s)
{
    switch (s) {
    case WS_COV_WORKING: return "working";
    case WS_COV_BLOCKED: return "blocked";
    case WS_COV_NOT_SEEN: return "not-seen";
    case WS_COV_EXEMPT: return "exempt";
    case WS_COV_SELF: return "self";
    }
    return "?";
}

/* Status of rule r between a and b; both orientations when either way
 * counts. ok/failed/example summed into e when given. fwd: the flows of r
 * from a to b (ws_checker_pair's answer, known to the caller). */
static ws_cov_status status_of(const ws_checker *c, const ws_rule *r, const ws_addr *a,
                               const ws_addr *b, bool either_way, ws_coverage *e,
                               const pair_acct *fwd)
{
    uint64_t ok = 0, failed = 0, example = 0;
    for (int k = 0; k < (either_way ? 2 : 1); k++) {
        const pair_acct *p = k ? ws_checker_pair(c, r, b, a) : fwd;
        if (!p)
            continue;
        ok += p->ok;
        failed += p->failed;
        if (!example || (p->ok && !ok))
            example = p->example;
    }
    if (e) {
        e->ok += ok;
        e->failed += failed;
        if (!e->example)
            e->example = example;
    }
    return ok ? WS_COV_WORKING : failed ? WS_COV_BLOCKED : WS_COV_NOT_SEEN;
}

/* The same, the flows from a to b looked up. */
static ws_cov_status status(const ws_checker *c, const ws_rule *r, const ws_addr *a,
                            const ws_addr *b, bool either_way, ws_coverage *e)
{
    return status_of(c, r, a, b, either_way, e, ws_checker_pair(c, r, a, b));
}

static bool has_name(const ws_checker *c, const ws_rule *r, const ws_addr *a)
{
    if (!r->n_names)
        return true;
    const char *names[CHECK_MAX_NAMES];
    ws_host h;
    size_t n = 0;
    ws_checker_resolve(c, a, &h, names, &n);
    for (size_t i = 0; i < r->n_names; i++)
        for (size_t j = 0; j < n; j++)
            if (ws_name_match(r->names[i], names[j]))
                return true;
    return false;
}

static uint16_t first_port(const ws_rule *r)
{
    return r->has_ports && r->dport.n ? r->dport.r[0].lo : 0;
}

static void missing(ws_checker *c, const ws_rule *r, const ws_constraint *k,
                    const ws_host *a, const ws_host *b, ws_severity sev)
{
    ws_finding fd;
    memset(&fd, 0, sizeof(fd));
    fd.kind = WS_FIND_MISSING_PATH;
    fd.severity = sev;
    fd.rule = r;
    fd.constraint = k;
    fd.pack = r->pack;
    fd.src = *a;
    fd.dst = *b;
    fd.proto = r->protos[0];
    fd.has_ports = r->has_ports;
    fd.dport = first_port(r);
    fd.count = 1;
    char ha[256], hb[256], tb[16], ports[64] = "", src[256];
    ws_host_text(a, c->rs, ha, sizeof(ha));
    ws_host_text(b, c->rs, hb, sizeof(hb));
    if (r->has_ports) {
        ports[0] = '/';
        ws_portset_str(&r->dport, ports + 1, sizeof(ports) - 1);
    }
    if (k)
        ws_finding_message(&fd, "%s and %s were never seen reaching each other over %s%s (rule %s), "
                 "though constraint %s requires it: %s (%s).",
                 ha, hb, ws_rule_transport(r, tb, sizeof(tb)), ports, r->id, k->id,
                 k->description, ws_source_text(&k->source, src, sizeof(src)));
    else
        ws_finding_message(&fd, "No %s%s from %s to %s was seen, though both are present and rule %s "
                 "makes the path %s (%s).",
                 ws_rule_transport(r, tb, sizeof(tb)), ports, ha, hb, r->id,
                 ws_requirement_name(r->requirement),
                 ws_source_text(&r->source, src, sizeof(src)));
    ws_findings_add(c->findings, &fd);
}

static bool rule_tracked(const ws_rule *r)
{
    return (r->requirement == WS_REQ_MANDATORY ||
            (r->requirement == WS_REQ_CONDITIONAL && r->active)) &&
           !ws_roleset_has(&r->from, WS_ROLE_ANY) && !ws_roleset_has(&r->to, WS_ROLE_ANY);
}

/* A present host by address. */
static const ws_host *present_host(const ws_checker *c, const ws_addr *a)
{
    return ws_checker_present(c, a);
}

/* fwd: the flows of r from a to b. */
static bool add_entry(ws_checker *c, const ws_rule *r, const ws_host *a, const ws_host *b,
                      bool mesh, bool infra, const pair_acct *fwd)
{
    ws_coverage e;
    memset(&e, 0, sizeof(e));
    e.rule = r;
    e.a = *a;
    e.b = *b;
    e.status = status_of(c, r, &a->addr, &b->addr, r->reverse, &e, fwd);
    if (!ws_checker_add_coverage(c, &e))
        return false;
    if (e.status == WS_COV_NOT_SEEN && !mesh && infra)
        missing(c, r, NULL, a, b, WS_SEV_LOW);
    return true;
}

/* What a host is for coverage: HOST_OWN, one of the product's own (a
 * listed_only role); HOST_LISTED, a host whose pairs are listed even when
 * not seen: one of the product's own, or a host the site names by its
 * address (a DNS server, say), as opposed to one of many in a prefix or a
 * name pattern. */
enum { HOST_LISTED = 1, HOST_OWN = 2 };

static uint8_t host_flags_of(const ws_checker *c, const ws_host *h)
{
    if (ws_ruleset_listed_only(c->rs, h->roles))
        return HOST_OWN | HOST_LISTED;
    return h->entry && h->entry->kind == WS_SITE_ADDR ? HOST_LISTED : 0;
}

/* host_flags_of a present host: from flags (one byte per present host,
 * found once) when given. */
static unsigned host_flags(const ws_checker *c, const uint8_t *flags, const ws_host *h)
{
    return flags ? flags[h - c->present] : host_flags_of(c, h);
}

/*
 * Every pair of present hosts r applies to, in two parts. First each pair of
 * hosts listed one by one: a path not seen there is news (a
 * missing-mandatory-path when both are the product's own).
 * Then the other pairs that used the path, working or blocked: a capture
 * need not show every endpoint of a prefix reaching every server, so their
 * unseen pairs are not listed (a site of thousands of endpoints would list
 * millions).
 */
static void rule_coverage(ws_checker *c, const ws_rule *r, const size_t *listed,
                          size_t n_listed, const uint32_t *pairs, size_t n_pairs,
                          const uint8_t *flags)
{
    bool mesh = ws_check_rule_in_mesh(r);
    /* listed: the indices of the HOST_LISTED present hosts, in order (the
     * pairs of the first part are among them alone); NULL: every host */
    for (size_t li = 0; li < n_listed; li++) {
        size_t i = listed ? listed[li] : li;
        const ws_host *a = &c->present[i];
        unsigned fa = host_flags(c, flags, a);
        if (!ws_roleset_meets(a->roles, &r->from) || !(fa & HOST_LISTED))
            continue;
        for (size_t lj = 0; lj < n_listed; lj++) {
            size_t j = listed ? listed[lj] : lj;
            const ws_host *b = &c->present[j];
            unsigned fb = host_flags(c, flags, b);
            if (i == j || !ws_roleset_meets(b->roles, &r->to) || !(fb & HOST_LISTED) ||
                !has_name(c, r, &b->addr))
                continue;
            /* a pair that plays both ends of a two-way rule is one pair */
            bool both = r->reverse && ws_roleset_meets(b->roles, &r->from) &&
                        ws_roleset_meets(a->roles, &r->to);
            if (both && j < i)
                continue;
            if (!add_entry(c, r, a, b, mesh, (fa & HOST_OWN) && (fb & HOST_OWN),
                           ws_checker_pair(c, r, &a->addr, &b->addr)))
                return;
        }
    }
    /* pairs: the indices of r's pairs, in order; NULL: every pair */
    for (size_t pi = 0; pi < n_pairs; pi++) {
        const pair_acct *p = &c->pairs[pairs ? pairs[pi] : pi];
        if (p->rule != r)
            continue;
        const ws_host *a = present_host(c, &p->a), *b = present_host(c, &p->b);
        if (!a || !b ||
            ((host_flags(c, flags, a) & HOST_LISTED) && (host_flags(c, flags, b) & HOST_LISTED)))
            continue; /* listed above */
        /* a two-way rule seen both ways is one entry, under the lower address */
        if (r->reverse && ws_addr_cmp(&p->b, &p->a) < 0 && ws_checker_pair(c, r, &p->b, &p->a))
            continue;
        if (!add_entry(c, r, a, b, mesh, false, p))
            return;
    }
}

static bool exempt(const ws_constraint *k, const ws_host *a, const ws_host *b)
{
    const char *la = a->entry ? a->entry->location : NULL;
    const char *lb = b->entry ? b->entry->location : NULL;
    if (!la || !lb || !strcmp(la, lb))
        return false;
    for (size_t i = 0; i < k->n_except; i++) {
        unsigned x = k->except[i].role_a, y = k->except[i].role_b;
        if ((ws_roleset_has(a->roles, x) && ws_roleset_has(b->roles, y)) ||
            (ws_roleset_has(a->roles, y) && ws_roleset_has(b->roles, x)))
            return true;
    }
    return false;
}

/* The first of the constraint's rules whose roles fit the pair, either way
 * round (IKE between two Conferencing Nodes is not the Management Node's
 * rule); the first rule when none does. */
static const ws_rule *pair_rule(const ws_constraint *k, const ws_host *a, const ws_host *b)
{
    for (size_t r = 0; r < k->n_rules; r++) {
        const ws_rule *x = k->rules[r];
        if ((ws_roleset_meets(a->roles, &x->from) && ws_roleset_meets(b->roles, &x->to)) ||
            (ws_roleset_meets(b->roles, &x->from) && ws_roleset_meets(a->roles, &x->to)))
            return x;
    }
    return k->rules[0];
}

/* ws_roleset_meets(set, want) for the present hosts in turn: the hosts of
 * one site entry (a prefix) share its role set, so the answer for the
 * previous host's set is reused. */
typedef struct meets_memo {
    const ws_roleset *set; /* NULL: none yet */
    bool meets;
} meets_memo;

static bool meets(meets_memo *m, const ws_roleset *set, const ws_roleset *want)
{
    if (set != m->set) {
        m->set = set;
        m->meets = ws_roleset_meets(set, want);
    }
    return m->meets;
}

static void mesh(ws_checker *c, const ws_constraint *k)
{
    size_t n = 0;
    meets_memo mm = {NULL, false};
    for (size_t i = 0; i < c->n_present; i++)
        n += meets(&mm, c->present[i].roles, &k->roles);
    if (n < 2)
        return;
    ws_mesh *ms = realloc(c->meshes, (c->n_meshes + 1) * sizeof(*ms));
    if (!ms) {
        c->stats->coverage_dropped++;
        return;
    }
    c->meshes = ms;
    ws_mesh *m = &c->meshes[c->n_meshes];
    m->constraint = k;
    m->n = n;
    m->hosts = malloc(n * sizeof(*m->hosts));
    m->cell = malloc(n * n);
    if (!m->hosts || !m->cell) {
        free(m->hosts);
        free(m->cell);
        c->stats->coverage_dropped++;
        return;
    }
    c->n_meshes++;
    size_t h = 0;
    for (size_t i = 0; i < c->n_present; i++)
        if (meets(&mm, c->present[i].roles, &k->roles))
            m->hosts[h++] = c->present[i];
    for (size_t i = 0; i < n; i++) {
        m->cell[i * n + i] = WS_COV_SELF;
        for (size_t j = i + 1; j < n; j++) {
            ws_cov_status st = WS_COV_NOT_SEEN;
            if (exempt(k, &m->hosts[i], &m->hosts[j])) {
                st = WS_COV_EXEMPT;
            } else {
                for (size_t r = 0; r < k->n_rules && st != WS_COV_WORKING; r++) {
                    ws_cov_status s = status(c, k->rules[r], &m->hosts[i].addr,
                                             &m->hosts[j].addr, true, NULL);
                    if (s == WS_COV_WORKING || (s == WS_COV_BLOCKED && st == WS_COV_NOT_SEEN))
                        st = s;
                }
                if (st == WS_COV_NOT_SEEN)
                    missing(c, pair_rule(k, &m->hosts[i], &m->hosts[j]), k, &m->hosts[i],
                            &m->hosts[j], WS_SEV_MEDIUM);
            }
            m->cell[i * n + j] = m->cell[j * n + i] = (uint8_t)st;
        }
    }
}

void ws_check_coverage(ws_checker *c)
{
    /* About one entry per pair comes: room for them at once rather than by
     * doublings, each a copy of every entry so far (without it, doublings). */
    size_t want = c->n_cov + c->n_pairs;
    if (want > c->limits->max_coverage)
        want = c->limits->max_coverage;
    if (want > c->cap_cov) {
        ws_coverage *v = realloc(c->cov, want * sizeof(*v));
        if (v) {
            c->cov = v;
            c->cap_cov = want;
        }
    }
    /* The present hosts listed one by one, found once rather than for each
     * rule (thousands of endpoints of a prefix are present, a few servers
     * are listed). Without memory for the list, every present host. */
    size_t *listed = malloc((c->n_present ? c->n_present : 1) * sizeof(*listed));
    uint8_t *flags = malloc(c->n_present ? c->n_present : 1);
    size_t n_listed = listed ? 0 : c->n_present;
    for (size_t i = 0; i < c->n_present; i++) {
        /* the same as the previous host's when both have its entry and roles */
        const ws_host *h = &c->present[i], *prev = i ? h - 1 : NULL;
        uint8_t f = prev && prev->entry == h->entry && prev->roles == h->roles && flags
                        ? flags[i - 1]
                        : host_flags_of(c, h);
        if (flags)
            flags[i] = f;
        if (listed && (f & HOST_LISTED))
            listed[n_listed++] = i;
    }
    /* The pairs by rule, each rule's in the order they were first seen
     * (a counting sort on the rule's position among all the packs' rules),
     * found once rather than scanned for each rule. Without memory for
     * them, every pair for every rule. */
    const ws_pack *const *packs;
    size_t np = ws_ruleset_packs(c->rs, &packs);
    size_t *base = malloc((np + 1) * sizeof(*base));
    size_t n_rules = 0;
    for (size_t k = 0; base && k < np; k++) {
        base[k] = n_rules;
        n_rules += packs[k]->n_rules;
    }
    size_t *start = calloc(n_rules + 1, sizeof(*start));
    uint32_t *order = malloc((c->n_pairs ? c->n_pairs : 1) * sizeof(*order));
    size_t *rule_of = malloc((c->n_pairs ? c->n_pairs : 1) * sizeof(*rule_of));
    bool grouped = base && start && order && rule_of;
    for (size_t i = 0; grouped && i < c->n_pairs; i++) {
        const ws_rule *r = c->pairs[i].rule;
        size_t k = 0;
        while (k < np && packs[k] != r->pack)
            k++;
        grouped = k < np;
        rule_of[i] = grouped ? base[k] + r->index : 0;
        if (grouped)
            start[rule_of[i] + 1]++;
    }
    for (size_t g = 0; grouped && g < n_rules; g++)
        start[g + 1] += start[g];
    for (size_t i = 0, *fill = start; grouped && i < c->n_pairs; i++)
        order[fill[rule_of[i]]++] = (uint32_t)i;
    /* filling moved each start to its rule's end: the start of rule g is
     * now start[g - 1] (0 for the first) */
    for (size_t k = 0; k < np; k++) {
        for (size_t i = 0; i < packs[k]->n_rules; i++) {
            const ws_rule *r = &packs[k]->rules[i];
            if (!rule_tracked(r))
                continue;
            if (!grouped) {
                rule_coverage(c, r, listed, n_listed, NULL, c->n_pairs, flags);
                continue;
            }
            size_t g = base[k] + i, from = g ? start[g - 1] : 0;
            rule_coverage(c, r, listed, n_listed, order + from, start[g] - from, flags);
        }
        for (size_t i = 0; i < packs[k]->n_constraints; i++)
            if (packs[k]->constraints[i].kind == WS_CONSTRAINT_FULL_MESH)
                mesh(c, &packs[k]->constraints[i]);
    }
    free(base);
    free(start);
    free(order);
    free(rule_of);
    free(listed);
    free(flags);
}

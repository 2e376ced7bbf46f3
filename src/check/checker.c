/* checker.c - runs the checks: each ended flow through the matcher and the
 * per-flow checks, the hosts and rule paths seen kept for coverage, and the
 * end-of-run checks. Hosts and roles: doc/rules.md, "Which rules a flow may
 * use". */
#include "check_int.h"

#include <stdlib.h>
#include <string.h>

static inline bool addr_same(const ws_addr *x, const ws_addr *y)
{
    return x->family == y->family && !memcmp(x->b, y->b, sizeof(x->b));
}

size_t ws_checker_host_slot(const ws_checker *c, const ws_addr *a)
{
    return ws_addr_hash(a) & (c->n_hosts - 1);
}

static host_memo *host_slot(const ws_checker *c, const ws_addr *a)
{
    return &c->hosts[ws_checker_host_slot(c, a)];
}

ws_checker *ws_checker_new(const ws_ruleset *rs, const ws_site *site,
                           const ws_limits *limits, ws_stats *stats,
                           ws_names_fn names, void *names_ctx)
{
    ws_checker *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->rs = rs;
    c->site = site;
    c->limits = limits;
    c->stats = stats;
    c->names = names;
    c->names_ctx = names_ctx;
    ws_site_open_roles(site, rs, &c->open);
    ws_site_pattern_roles(site, &c->by_name);
    for (size_t w = 0; w < sizeof(c->by_name.w) / sizeof(c->by_name.w[0]); w++)
        c->by_name.w[w] |= c->open.w[w];
    c->findings = ws_findings_new(limits, stats);
    c->index = ws_rules_index_new(rs);
    ws_checker_set_memo(c, CHECK_MEMO_SLOTS, CHECK_HOST_SLOTS);
    if (!c->findings || !c->index || !c->memo || !c->hosts) {
        free(c->memo);
        free(c->hosts);
        ws_findings_free(c->findings);
        ws_rules_index_free(c->index);
        free(c);
        return NULL;
    }
    return c;
}

void ws_checker_free(ws_checker *c)
{
    if (!c)
        return;
    ws_findings_free(c->findings);
    ws_rules_index_free(c->index);
    free(c->memo);
    free(c->hosts);
    free(c->present);
    free(c->present_idx);
    free(c->pairs);
    free(c->pair_idx);
    free(c->cov);
    for (size_t i = 0; i < c->n_meshes; i++) {
        free(c->meshes[i].hosts);
        free(c->meshes[i].cell);
    }
    free(c->meshes);
    free(c);
}

const ws_ruleset *ws_checker_ruleset(const ws_checker *c) { return c->rs; }
const ws_site *ws_checker_site(const ws_checker *c) { return c->site; }

void ws_checker_resolve(const ws_checker *c, const ws_addr *a, ws_host *out,
                        const char **names, size_t *n_names)
{
    size_t n = 0;
    const char *local[CHECK_MAX_NAMES];
    if (!names)
        names = local;
    if (c->names)
        n = c->names(c->names_ctx, a, names, CHECK_MAX_NAMES);
    if (n_names)
        *n_names = n;
    out->addr = *a;
    out->entry = ws_site_lookup(c->site, a, names, n);
    out->roles = out->entry ? &out->entry->roles : &c->open;
}

/* ws_checker_resolve for a flow's host, the part that depends on the
 * address alone (the entry listing it by address or prefix, which no name
 * can change) taken from the host memo. */
static void resolve_flow_host(ws_checker *c, const ws_addr *a, ws_host *out,
                              const char **names, size_t *n_names)
{
    if (!c->hosts) {
        ws_checker_resolve(c, a, out, names, n_names);
        return;
    }
    size_t n = c->names ? c->names(c->names_ctx, a, names, CHECK_MAX_NAMES) : 0;
    *n_names = n;
    out->addr = *a;
    host_memo *h = host_slot(c, a);
    if (!h->addr.family || !addr_same(&h->addr, a)) {
        h->addr = *a;
        h->entry = ws_site_lookup(c->site, a, NULL, 0);
        h->present = false;
    }
    out->entry = h->entry;
    if (!out->entry && n && c->site && !ws_site_address_only(c->site))
        out->entry = ws_site_lookup(c->site, a, names, n);
    out->roles = out->entry ? &out->entry->roles : &c->open;
}

void ws_checker_host(const ws_checker *c, const ws_addr *a, ws_host *out)
{
    ws_checker_resolve(c, a, out, NULL, NULL);
}

/* ---- hosts seen ----------------------------------------------------------- */

static bool grow_index(uint32_t **idx, size_t *icap, size_t n, const void *base,
                       size_t elem, const ws_addr *(*key)(const void *))
{
    if (*icap && (n + 1) * 2 <= *icap)
        return true;
    size_t cap = *icap ? *icap * 2 : 64;
    uint32_t *ni = calloc(cap, sizeof(*ni));
    if (!ni)
        return false;
    for (size_t i = 0; i < n; i++) {
        const void *e = (const uint8_t *)base + i * elem;
        size_t j = ws_addr_hash(key(e)) & (cap - 1);
        while (ni[j])
            j = (j + 1) & (cap - 1);
        ni[j] = (uint32_t)(i + 1);
    }
    free(*idx);
    *idx = ni;
    *icap = cap;
    return true;
}

static const ws_addr *host_key(const void *e) { return &((const ws_host *)e)->addr; }

/* Adds a listed host to the present ones; true when it is one of them
 * afterwards. */
static bool add_present(ws_checker *c, const ws_host *h)
{
    if (ws_checker_present(c, &h->addr))
        return true;
    if (c->n_present >= c->limits->max_coverage) {
        c->stats->coverage_dropped++;
        return false;
    }
    if (c->n_present == c->cap_present) {
        size_t cap = c->cap_present ? c->cap_present * 2 : 32;
        ws_host *p = realloc(c->present, cap * sizeof(*p));
        if (!p) {
            c->stats->coverage_dropped++;
            return false;
        }
        c->present = p;
        c->cap_present = cap;
    }
    if (!grow_index(&c->present_idx, &c->present_icap, c->n_present, c->present,
                    sizeof(ws_host), host_key)) {
        c->stats->coverage_dropped++;
        return false;
    }
    c->present[c->n_present] = *h;
    size_t j = ws_addr_hash(&h->addr) & (c->present_icap - 1);
    while (c->present_idx[j])
        j = (j + 1) & (c->present_icap - 1);
    c->present_idx[j] = (uint32_t)(++c->n_present);
    return true;
}

/* A listed host that sent something (or that a tracked path tried to
 * reach) is present: known from the host memo once it is. */
static void mark_present(ws_checker *c, const ws_host *h)
{
    if (!h->entry)
        return;
    if (!c->hosts) {
        add_present(c, h);
        return;
    }
    host_memo *m = host_slot(c, &h->addr);
    bool mine = m->addr.family && addr_same(&m->addr, &h->addr);
    if (mine && m->present)
        return;
    if (add_present(c, h) && mine)
        m->present = true;
}

/* ---- rule paths seen ------------------------------------------------------ */

static uint64_t pair_hash(const ws_rule *r, const ws_addr *a, const ws_addr *b)
{
    uint64_t h = ws_addr_hash(a) * 31 + ws_addr_hash(b);
    return (h ^ (uint64_t)(uintptr_t)r) * 0x9e3779b97f4a7c15ULL;
}

static uint32_t *pair_slot(const ws_checker *c, const ws_rule *r, const ws_addr *a,
                           const ws_addr *b)
{
    if (!c->pair_icap)
        return NULL;
    size_t j = pair_hash(r, a, b) & (c->pair_icap - 1);
    while (c->pair_idx[j]) {
        const pair_acct *p = &c->pairs[c->pair_idx[j] - 1];
        if (p->rule == r && addr_same(&p->a, a) && addr_same(&p->b, b))
            break;
        j = (j + 1) & (c->pair_icap - 1);
    }
    return &c->pair_idx[j];
}

const pair_acct *ws_checker_pair(const ws_checker *c, const ws_rule *rule,
                                 const ws_addr *a, const ws_addr *b)
{
    uint32_t *s = pair_slot(c, rule, a, b);
    return s && *s ? &c->pairs[*s - 1] : NULL;
}

static bool pairs_reindex(ws_checker *c)
{
    size_t cap = c->pair_icap ? c->pair_icap * 2 : 64;
    uint32_t *ni = calloc(cap, sizeof(*ni));
    if (!ni)
        return false;
    for (size_t i = 0; i < c->n_pairs; i++) {
        const pair_acct *p = &c->pairs[i];
        size_t j = pair_hash(p->rule, &p->a, &p->b) & (cap - 1);
        while (ni[j])
            j = (j + 1) & (cap - 1);
        ni[j] = (uint32_t)(i + 1);
    }
    free(c->pair_idx);
    c->pair_idx = ni;
    c->pair_icap = cap;
    return true;
}

bool ws_check_rule_in_mesh(const ws_rule *r)
{
    for (size_t i = 0; i < r->pack->n_constraints; i++) {
        const ws_constraint *k = &r->pack->constraints[i];
        for (size_t j = 0; k->kind == WS_CONSTRAINT_FULL_MESH && j < k->n_rules; j++)
            if (k->rules[j] == r)
                return true;
    }
    return false;
}

/* Counts a flow of a mandatory (or full-mesh) rule r between two listed hosts. */
static void account(ws_checker *c, const ws_check_flow *cf, const ws_rule *r)
{
    bool tracked = r->requirement == WS_REQ_MANDATORY ||
                   (r->requirement == WS_REQ_CONDITIONAL && r->active) ||
                   ws_check_rule_in_mesh(r);
    if (!tracked || !cf->src.entry || !cf->dst.entry)
        return;
    const ws_host *ini = cf->match.reversed ? &cf->dst : &cf->src;
    const ws_host *rsp = cf->match.reversed ? &cf->src : &cf->dst;
    const ws_host *a = ini, *b = rsp;
    if (!(ws_roleset_meets(ini->roles, &r->from) && ws_roleset_meets(rsp->roles, &r->to))) {
        a = rsp;
        b = ini;
    }
    bool failed = ws_check_flow_failed(cf, r->expect_reply) &&
                  !(cf->match.reversed && cf->outcome == WS_OUT_UNANSWERED);
    /* a listed host that a mandatory path tried to reach is part of the
     * site's picture even if it never answered: its paths show as blocked */
    mark_present(c, a);
    mark_present(c, b);
    if ((c->n_pairs + 1) * 2 > c->pair_icap && !pairs_reindex(c)) {
        c->stats->coverage_dropped++;
        return;
    }
    uint32_t *s = pair_slot(c, r, &a->addr, &b->addr);
    if (!*s) {
        if (c->n_pairs >= c->limits->max_coverage) {
            c->stats->coverage_dropped++;
            return;
        }
        if (c->n_pairs == c->cap_pairs) {
            size_t cap = c->cap_pairs ? c->cap_pairs * 2 : 64;
            pair_acct *p = realloc(c->pairs, cap * sizeof(*p));
            if (!p) {
                c->stats->coverage_dropped++;
                return;
            }
            c->pairs = p;
            c->cap_pairs = cap;
        }
        pair_acct *p = &c->pairs[c->n_pairs];
        memset(p, 0, sizeof(*p));
        p->rule = r;
        p->a = a->addr;
        p->b = b->addr;
        *s = (uint32_t)(++c->n_pairs);
    }
    pair_acct *p = &c->pairs[*s - 1];
    if (failed) {
        p->failed++;
    } else {
        p->ok++;
        if (!p->example || p->failed)
            p->example = cf->f->id;
    }
    if (!p->example)
        p->example = cf->f->id;
}

bool ws_checker_add_coverage(ws_checker *c, const ws_coverage *e)
{
    if (c->n_cov >= c->limits->max_coverage) {
        c->stats->coverage_dropped++;
        return false;
    }
    if (c->n_cov == c->cap_cov) {
        size_t cap = c->cap_cov ? c->cap_cov * 2 : 64;
        ws_coverage *v = realloc(c->cov, cap * sizeof(*v));
        if (!v) {
            c->stats->coverage_dropped++;
            return false;
        }
        c->cov = v;
        c->cap_cov = cap;
    }
    c->cov[c->n_cov++] = *e;
    return true;
}

/* ---- per flow --------------------------------------------------------------- */

/* Is the flow's initiator only a guess? TCP: known from a SYN or SYN-ACK;
 * ICMP queries from the request; everything else from the first packet. */
static bool initiator_uncertain(const ws_flow *f)
{
    if (f->proto == 6)
        return !(f->tcp_hist[WS_DIR_FWD] & WS_TCPH_SYN) &&
               !(f->tcp_hist[WS_DIR_REV] & WS_TCPH_SYNACK);
    if (f->proto == 1 || f->proto == 58)
        return false;
    return true;
}

void ws_checker_query(ws_match_query *q, const ws_check_flow *cf, const char **src_names,
                      size_t n_src, const char **dst_names, size_t n_dst)
{
    const ws_flow *f = cf->f;
    memset(q, 0, sizeof(*q));
    q->src_roles = cf->src.roles;
    q->dst_roles = cf->dst.roles;
    q->proto = f->proto;
    q->sport = f->sport;
    q->dport = f->dport;
    q->src_names = src_names;
    q->n_src_names = n_src;
    q->dst_names = dst_names;
    q->n_dst_names = n_dst;
    q->try_reversed = initiator_uncertain(f);
}

/* What a flow's match is: its first rule (or nearest) and, when coverage
 * counts it, every rule that allows it. */
typedef struct match_answer {
    ws_match match;
    size_t n_all;
    const ws_rule *const *all;
} match_answer;

/* Matches q as ws_checker_flow needs it: m, with the nearest rule a name
 * pattern would give; all (up to CHECK_MAX_ALL) when both hosts are listed
 * and a rule allows the flow. */
static size_t match_fresh(const ws_checker *c, const ws_match_query *q, bool src_listed,
                          bool dst_listed, ws_match *match, const ws_rule **all)
{
    ws_rules_match_ix(c->rs, c->index, q, match);
    if (!match->rule && c->site && !dst_listed && !q->n_dst_names &&
        (!match->near || match->miss != WS_MISS_FEATURE)) {
        /* The responder may be a host the site lists by name pattern whose
         * name was not learned (looked up before the capture began): if a
         * rule would allow it as one, that is the nearest rule. */
        ws_match_query qn = *q;
        qn.dst_roles = &c->by_name;
        ws_match m;
        if (!ws_rules_match_ix(c->rs, c->index, &qn, &m) && m.near &&
            m.miss == WS_MISS_NAME_UNKNOWN) {
            match->near = m.near;
            match->miss = m.miss;
        }
    }
    if (!c->site || !match->rule || !src_listed || !dst_listed)
        return 0;
    /* The report names the first rule that allows the flow; coverage
     * counts it for every rule that does (a check-in to a host of an
     * AirWatch name pattern is both the EMM's HTTPS and AirWatch's). */
    ws_match_query qa = *q;
    if (match->reversed) {
        qa.src_roles = q->dst_roles;
        qa.dst_roles = q->src_roles;
        qa.sport = q->dport;
        qa.dport = q->sport;
        qa.src_names = q->dst_names;
        qa.n_src_names = q->n_dst_names;
        qa.dst_names = q->src_names;
        qa.n_dst_names = q->n_src_names;
    }
    return ws_rules_match_all_ix(c->rs, c->index, &qa, all, CHECK_MAX_ALL);
}

static inline uint64_t mix(uint64_t h, uint64_t v)
{
    h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 32);
}

/* The memo's key for q (names only where a rule of the transport names its
 * responder, the initiator's only where the flow may be taken reversed);
 * false when the query cannot be kept (more names than the key holds). */
static bool memo_key(const ws_checker *c, const ws_match_query *q, match_memo *k,
                     uint64_t *hash)
{
    k->src_roles = q->src_roles;
    k->dst_roles = q->dst_roles;
    k->proto = q->proto;
    k->sclass = ws_rules_index_port_class(c->index, q->proto, q->sport);
    k->dclass = ws_rules_index_port_class(c->index, q->proto, q->dport);
    k->try_reversed = q->try_reversed;
    k->no_dst_name = q->n_dst_names == 0;
    k->n_src = k->n_dst = 0;
    uint64_t h = mix((uint64_t)(uintptr_t)k->src_roles, (uint64_t)(uintptr_t)k->dst_roles);
    h = mix(h, ((uint64_t)k->sclass << 32 | k->dclass));
    h = mix(h, (uint64_t)k->proto << 16 | (uint64_t)k->try_reversed << 8 | k->no_dst_name);
    if (ws_rules_index_names(c->index, q->proto)) {
        if (q->n_dst_names > CHECK_MAX_NAMES || q->n_src_names > CHECK_MAX_NAMES)
            return false;
        k->n_dst = (uint8_t)q->n_dst_names;
        for (size_t i = 0; i < k->n_dst; i++) {
            k->dst_names[i] = q->dst_names[i];
            h = mix(h, (uint64_t)(uintptr_t)k->dst_names[i]);
        }
        if (q->try_reversed) {
            k->n_src = (uint8_t)q->n_src_names;
            for (size_t i = 0; i < k->n_src; i++) {
                k->src_names[i] = q->src_names[i];
                h = mix(h, (uint64_t)(uintptr_t)k->src_names[i] + 1);
            }
        }
        h = mix(h, (uint64_t)k->n_src << 8 | k->n_dst);
    }
    *hash = h;
    return true;
}

static bool memo_same(const match_memo *a, const match_memo *k)
{
    return a->src_roles == k->src_roles && a->dst_roles == k->dst_roles &&
           a->sclass == k->sclass && a->dclass == k->dclass && a->proto == k->proto &&
           a->try_reversed == k->try_reversed && a->no_dst_name == k->no_dst_name &&
           a->n_src == k->n_src && a->n_dst == k->n_dst &&
           !memcmp(a->src_names, k->src_names, k->n_src * sizeof(k->src_names[0])) &&
           !memcmp(a->dst_names, k->dst_names, k->n_dst * sizeof(k->dst_names[0]));
}

/* The match of q, from the memo or afresh (and then kept). fresh is the
 * caller's room for an answer that is not kept. Whether a host is listed
 * is part of the key already: a listed host's roles are its entry's, never
 * the open ones. */
static void match_flow(ws_checker *c, const ws_match_query *q, bool src_listed,
                       bool dst_listed, match_answer *out, const ws_rule **fresh)
{
    match_memo k;
    uint64_t h;
    if (!c->memo || !memo_key(c, q, &k, &h)) {
        out->n_all = match_fresh(c, q, src_listed, dst_listed, &out->match, fresh);
        out->all = fresh;
        return;
    }
    /* two ways: a key may sit in either slot of its pair; a new one takes
     * the first, whose key moves to the second */
    match_memo *slot = &c->memo[h & (c->n_memo - 2)];
    if (slot->src_roles && memo_same(slot, &k)) {
        /* found */
    } else if (slot[1].src_roles && memo_same(&slot[1], &k)) {
        slot++;
    } else {
        k.n_all = (uint8_t)match_fresh(c, q, src_listed, dst_listed, &k.match, k.all);
        if (slot->src_roles)
            memcpy(&slot[1], slot, sizeof(*slot));
        memcpy(slot, &k, sizeof(k));
    }
    out->match = slot->match;
    out->n_all = slot->n_all;
    out->all = slot->all;
}

void ws_checker_set_memo(ws_checker *c, size_t memo_slots, size_t host_slots)
{
    free(c->memo);
    free(c->hosts);
    c->memo = memo_slots ? calloc(memo_slots, sizeof(*c->memo)) : NULL;
    c->hosts = host_slots ? calloc(host_slots, sizeof(*c->hosts)) : NULL;
    c->n_memo = c->memo ? memo_slots : 0;
    c->n_hosts = c->hosts ? host_slots : 0;
}

const ws_rule *ws_checker_flow(ws_checker *c, const ws_flow *f, ws_outcome outcome,
                               const char *app)
{
    const char *src_names[CHECK_MAX_NAMES], *dst_names[CHECK_MAX_NAMES];
    size_t n_src = 0, n_dst = 0;
    ws_check_flow cf;
    memset(&cf, 0, sizeof(cf));
    cf.f = f;
    cf.outcome = outcome;
    cf.app = app;
    resolve_flow_host(c, &f->src, &cf.src, src_names, &n_src);
    resolve_flow_host(c, &f->dst, &cf.dst, dst_names, &n_dst);
    cf.dst_names = dst_names;
    cf.n_dst_names = n_dst;

    ws_match_query q;
    ws_checker_query(&q, &cf, src_names, n_src, dst_names, n_dst);
    match_answer ans;
    const ws_rule *fresh[CHECK_MAX_ALL];
    match_flow(c, &q, cf.src.entry != NULL, cf.dst.entry != NULL, &ans, fresh);
    cf.match = ans.match;
    if (!c->site)
        return cf.match.rule;

    if (f->packets[WS_DIR_FWD])
        mark_present(c, &cf.src);
    if (f->packets[WS_DIR_REV])
        mark_present(c, &cf.dst);
    ws_check_unexpected_port(&cf, c->rs, c->findings);
    ws_check_unexpected_app(&cf, c->findings);
    ws_check_blocked_path(&cf, c->findings);
    if (cf.match.rule && cf.src.entry && cf.dst.entry) {
        account(c, &cf, cf.match.rule);
        for (size_t i = 0; i < ans.n_all; i++)
            if (ans.all[i] != cf.match.rule)
                account(c, &cf, ans.all[i]);
    }
    return cf.match.rule;
}

/* ws_addr_cmp's order (the family, then the bytes as memcmp orders them),
 * on two words and without its calls: the present hosts are thousands. */
static int cmp_host(const void *a, const void *b)
{
    const ws_addr *x = &((const ws_host *)a)->addr, *y = &((const ws_host *)b)->addr;
    if (x->family != y->family)
        return x->family < y->family ? -1 : 1;
    uint64_t p = ws_addr_be64(x->b), q = ws_addr_be64(y->b);
    if (p == q) {
        p = ws_addr_be64(x->b + 8);
        q = ws_addr_be64(y->b + 8);
    }
    return p < q ? -1 : p > q;
}

const ws_host *ws_checker_present(const ws_checker *c, const ws_addr *a)
{
    if (!c->present_icap)
        return NULL;
    size_t j = ws_addr_hash(a) & (c->present_icap - 1);
    while (c->present_idx[j]) {
        const ws_host *h = &c->present[c->present_idx[j] - 1];
        if (addr_same(&h->addr, a))
            return h;
        j = (j + 1) & (c->present_icap - 1);
    }
    return NULL;
}

void ws_checker_finish(ws_checker *c, const ws_ike_sa *sas, size_t n_sas)
{
    if (c->site) {
        if (c->n_present) {
            qsort(c->present, c->n_present, sizeof(*c->present), cmp_host);
            /* the index follows the hosts to their sorted places */
            memset(c->present_idx, 0, c->present_icap * sizeof(*c->present_idx));
            for (size_t i = 0; i < c->n_present; i++) {
                size_t j = ws_addr_hash(&c->present[i].addr) & (c->present_icap - 1);
                while (c->present_idx[j])
                    j = (j + 1) & (c->present_icap - 1);
                c->present_idx[j] = (uint32_t)(i + 1);
            }
        }
        ws_check_nat(c, sas, n_sas);
        ws_check_esp_after_ike(c, sas, n_sas);
        ws_check_coverage(c);
    }
    ws_findings_sort(c->findings);
}

const ws_finding *ws_checker_finding(const ws_checker *c, size_t i, ws_finding *buf)
{
    return ws_findings_at(c->findings, i, buf);
}

ws_severity ws_checker_finding_severity(const ws_checker *c, size_t i)
{
    return ws_findings_severity_at(c->findings, i);
}

size_t ws_checker_findings(const ws_checker *c, const ws_finding **out)
{
    return ws_findings_get(c->findings, out);
}

size_t ws_checker_coverage(const ws_checker *c, const ws_coverage **out)
{
    *out = c->cov;
    return c->n_cov;
}

size_t ws_checker_meshes(const ws_checker *c, const ws_mesh **out)
{
    *out = c->meshes;
    return c->n_meshes;
}

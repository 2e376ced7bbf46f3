/* live.c - the checks a live run makes before a flow or the capture ends:
 * an unexpected port judged on the flow's first packet, NAT between nodes
 * from the IKE SAs seen so far (doc/live.md, "When a finding is certain";
 * NAT evidence: RFC 7296 section 2.23). */
#include "check_int.h"

#include <string.h>

/* Could a rule for proto/port allow the flow once a name is learned? */
static bool names_could_matter(const ws_checker *c, uint8_t proto, uint16_t port)
{
    size_t n;
    const ws_rule *const *cand = ws_rules_index_candidates(c->rs, c->index, proto, port, &n);
    for (size_t i = 0; i < n; i++)
        if (cand[i]->n_names)
            return true;
    return false;
}

/* Is the host's site entry final: it cannot change with a name learned later? */
static bool entry_final(const ws_checker *c, const ws_host *h)
{
    if (ws_site_address_only(c->site))
        return true;
    return h->entry && h->entry->kind != WS_SITE_NAME;
}

bool ws_checker_flow_start(const ws_checker *c, const ws_flow *f, ws_finding *out)
{
    if (!c->site)
        return false;
    const char *src_names[CHECK_MAX_NAMES], *dst_names[CHECK_MAX_NAMES];
    size_t n_src = 0, n_dst = 0;
    ws_check_flow cf;
    memset(&cf, 0, sizeof(cf));
    cf.f = f;
    cf.outcome = ws_flow_outcome(f);
    ws_checker_resolve(c, &f->src, &cf.src, src_names, &n_src);
    ws_checker_resolve(c, &f->dst, &cf.dst, dst_names, &n_dst);
    cf.dst_names = dst_names;
    cf.n_dst_names = n_dst;
    if (!cf.src.entry && !cf.dst.entry)
        return false;
    if (!entry_final(c, &cf.src) || !entry_final(c, &cf.dst))
        return false;

    ws_match_query q;
    ws_checker_query(&q, &cf, src_names, n_src, dst_names, n_dst);
    if (ws_rules_match_ix(c->rs, c->index, &q, &cf.match))
        return false;
    if (names_could_matter(c, f->proto, f->dport) ||
        (q.try_reversed && names_could_matter(c, f->proto, f->sport)))
        return false;
    return ws_unexpected_port_finding(&cf, c->rs, out);
}

void ws_checker_nat_now(ws_checker *c, const ws_ike_sa *sas, size_t n_sas,
                        ws_findings *into)
{
    if (!c->site)
        return;
    ws_findings *kept = c->findings;
    c->findings = into;
    ws_check_nat(c, sas, n_sas);
    c->findings = kept;
}

void ws_checker_sort(ws_checker *c)
{
    ws_findings_sort(c->findings);
}

size_t ws_checker_findings_count(const ws_checker *c)
{
    return ws_findings_count(c->findings);
}

void ws_checker_findings_each(const ws_checker *c, ws_finding_fn fn, void *ctx)
{
    ws_findings_each(c->findings, fn, ctx);
}

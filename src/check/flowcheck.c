/* flowcheck.c - what the per-flow checks share: did a flow fail like a
 * blocked path, and the words and fields every flow finding carries. */
#include "check.h"

#include <stdio.h>
#include <string.h>

bool ws_check_flow_failed(const ws_check_flow *cf, bool expect_reply)
{
    switch (cf->outcome) {
    case WS_OUT_REJECTED:
    case WS_OUT_NO_ANSWER:
    case WS_OUT_ICMP_ERROR:
        return true;
    case WS_OUT_UNANSWERED:
        return expect_reply;
    default:
        return false;
    }
}

ws_severity ws_rule_blocked_severity(const ws_rule *r)
{
    switch (r->requirement) {
    case WS_REQ_MANDATORY:
    case WS_REQ_CONDITIONAL:
        return WS_SEV_HIGH;
    case WS_REQ_RECOMMENDED:
        return WS_SEV_MEDIUM;
    case WS_REQ_OPTIONAL:
        return WS_SEV_LOW;
    }
    return WS_SEV_LOW;
}

char *ws_host_text(const ws_host *h, const ws_ruleset *rs, char *buf, size_t len)
{
    char a[WS_ADDR_STRLEN];
    ws_addr_str(&h->addr, a);
    if (!h->entry) {
        snprintf(buf, len, "%s (unlisted)", a);
        return buf;
    }
    size_t used = (size_t)snprintf(buf, len, "%s (", a);
    bool first = true;
    for (size_t i = 1; i < ws_ruleset_nroles(rs) && used < len; i++)
        if (ws_roleset_has(h->roles, (unsigned)i)) {
            used += (size_t)snprintf(buf + used, len - used, "%s%s", first ? "" : ", ",
                                     ws_ruleset_role_name(rs, (unsigned)i));
            first = false;
        }
    if (h->entry->label && used < len)
        used += (size_t)snprintf(buf + used, len - used, ", %s", h->entry->label);
    if (used < len)
        snprintf(buf + used, len - used, ")");
    return buf;
}

char *ws_source_text(const ws_source_ref *s, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s%s%s", s->section ? s->section : "",
             s->table ? " / " : "", s->table ? s->table : "", s->row ? " / " : "",
             s->row ? s->row : "");
    return buf;
}

void ws_finding_from_flow(ws_finding *fd, const ws_check_flow *cf, ws_finding_kind kind,
                          ws_severity sev, const ws_rule *rule)
{
    memset(fd, 0, sizeof(*fd));
    const ws_flow *f = cf->f;
    fd->kind = kind;
    fd->severity = sev;
    fd->rule = rule;
    fd->pack = rule ? rule->pack : NULL;
    fd->src = cf->src;
    fd->dst = cf->dst;
    fd->proto = f->proto;
    fd->has_ports = f->proto == 6 || f->proto == 17 || f->proto == 132 || f->proto == 136;
    fd->sport = f->sport;
    fd->dport = f->dport;
    fd->app = cf->app;
    fd->count = 1;
    fd->first_us = f->first_us;
    fd->last_us = f->last_us;
    fd->flows[0] = f->id;
    fd->n_flows = 1;
}

/* flowcheck.c - what the per-flow checks share: did a flow fail like a
 * blocked path, and the words and fields every flow finding carries. */
#include "check.h"

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

char *ws_check_addr_text(const ws_addr *a, char buf[WS_ADDR_STRLEN])
{
    if (a->family != 4)
        return ws_addr_str(a, buf);
    /* four decimal numbers without leading zeros, as inet_ntop writes them */
    char *p = buf;
    for (int i = 0; i < 4; i++) {
        unsigned v = a->b[i];
        if (i)
            *p++ = '.';
        if (v >= 100)
            *p++ = (char)('0' + v / 100);
        if (v >= 10)
            *p++ = (char)('0' + v / 10 % 10);
        *p++ = (char)('0' + v % 10);
    }
    *p = '\0';
    return buf;
}

/* Appends text to buf[0..used), cut where snprintf would cut it (len - 1
 * characters in all, then the NUL). */
static size_t put(char *buf, size_t len, size_t used, const char *text)
{
    size_t n = strlen(text);
    if (n > len - 1 - used)
        n = len - 1 - used;
    memcpy(buf + used, text, n);
    buf[used + n] = '\0';
    return used + n;
}

char *ws_source_text(const ws_source_ref *s, char *buf, size_t len)
{
    if (!len)
        return buf;
    /* what snprintf(buf, len, "%s%s%s%s%s", section, " / ", table, " / ",
     * row) writes, each part there when it is set */
    size_t used = put(buf, len, 0, s->section ? s->section : "");
    if (s->table) {
        used = put(buf, len, used, " / ");
        used = put(buf, len, used, s->table);
    }
    if (s->row) {
        used = put(buf, len, used, " / ");
        put(buf, len, used, s->row);
    }
    return buf;
}

char *ws_host_text(const ws_host *h, const ws_ruleset *rs, char *buf, size_t len)
{
    char a[WS_ADDR_STRLEN];
    ws_check_addr_text(&h->addr, a);
    if (!len)
        return buf;
    size_t used = put(buf, len, 0, a);
    if (!h->entry) {
        put(buf, len, used, " (unlisted)");
        return buf;
    }
    used = put(buf, len, used, " (");
    bool first = true;
    for (size_t i = 1; i < ws_ruleset_nroles(rs) && used < len - 1; i++)
        if (ws_roleset_has(h->roles, (unsigned)i)) {
            if (!first)
                used = put(buf, len, used, ", ");
            used = put(buf, len, used, ws_ruleset_role_name(rs, (unsigned)i));
            first = false;
        }
    if (h->entry->label) {
        used = put(buf, len, used, ", ");
        used = put(buf, len, used, h->entry->label);
    }
    put(buf, len, used, ")");
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

/* esp_after_ike.c - an IKE SA between hosts whose pack allows ESP, with ESP
 * one way only or none at all: the ESP path is blocked (DESIGN.md, finding
 * kind blocked-path, "IKE with no ESP back"). ESP: RFC 4303; ESP in UDP:
 * RFC 3948.
 *
 * ESP one way is the clear case: one end sends, nothing comes back, so the
 * finding has the rule's severity. No ESP at all is weaker evidence: a Child
 * SA refused inside the encrypted IKE_AUTH, or an SA idle while the capture
 * ran, looks the same on the wire as ESP dropped in both directions before
 * the capture point, so it is reported at low severity. */
#include "check_int.h"

#include <stdio.h>
#include <string.h>

/* Both ends sent at least two IKE messages: past IKE_SA_INIT (IKEv2) or
 * past the first main-mode round (IKEv1), so the SA was being set up. */
static bool established(const ws_ike_sa *sa)
{
    return sa->side[0].messages >= 2 && sa->side[1].messages >= 2;
}

static const ws_rule *esp_rule(const ws_checker *c, const ws_host *a, const ws_host *b)
{
    ws_match_query q;
    memset(&q, 0, sizeof(q));
    q.src_roles = a->roles;
    q.dst_roles = b->roles;
    q.proto = 50;
    q.try_reversed = true;
    ws_match m;
    return ws_rules_match_ix(c->rs, c->index, &q, &m) ? m.rule : NULL;
}

void ws_check_esp_after_ike(ws_checker *c, const ws_ike_sa *sas, size_t n_sas)
{
    for (size_t i = 0; i < n_sas; i++) {
        const ws_ike_sa *sa = &sas[i];
        if (!established(sa))
            continue;
        ws_host h[2];
        ws_checker_host(c, &sa->side[0].addr, &h[0]);
        ws_checker_host(c, &sa->side[1].addr, &h[1]);
        if (!h[0].entry && !h[1].entry)
            continue;
        const ws_rule *r = esp_rule(c, &h[0], &h[1]);
        if (!r)
            continue;
        uint64_t esp[2] = {sa->side[0].esp_packets, sa->side[1].esp_packets};
        if (esp[0] && esp[1])
            continue;
        /* the end that sent no ESP, or the initiator when neither did */
        int quiet = esp[0] ? 1 : 0;
        ws_finding fd;
        memset(&fd, 0, sizeof(fd));
        fd.kind = WS_FIND_BLOCKED_PATH;
        fd.severity = esp[0] || esp[1] ? ws_rule_blocked_severity(r) : WS_SEV_LOW;
        fd.rule = r;
        fd.pack = r->pack;
        fd.src = h[quiet];
        fd.dst = h[1 - quiet];
        fd.proto = 50;
        fd.count = 1;
        fd.first_us = sa->first_us;
        fd.last_us = sa->esp_last_us > sa->last_us ? sa->esp_last_us : sa->last_us;
        char a[WS_ADDR_STRLEN], b[WS_ADDR_STRLEN], src[256], what[320];
        ws_addr_str(&h[quiet].addr, a);
        ws_addr_str(&h[1 - quiet].addr, b);
        if (!esp[0] && !esp[1])
            snprintf(what, sizeof(what), "an IKE SA between %s and %s was set up (%llu "
                     "messages), and no ESP followed in either direction (a Child SA "
                     "refused or idle looks the same)", a, b,
                     (unsigned long long)sa->messages);
        else
            snprintf(what, sizeof(what), "after IKE between %s and %s, ESP went from %s to "
                     "%s (%llu packets) and never back", a, b, b, a,
                     (unsigned long long)esp[1 - quiet]);
        ws_finding_message(&fd, "%s: the %s ESP path of rule %s is blocked or unused (%s).", what,
                 ws_requirement_name(r->requirement), r->id,
                 ws_source_text(&r->source, src, sizeof(src)));
        ws_finding_num(&fd, "ike_messages", (int64_t)sa->messages);
        ws_finding_num(&fd, "esp_from_src", (int64_t)esp[quiet]);
        ws_finding_num(&fd, "esp_from_dst", (int64_t)esp[1 - quiet]);
        ws_findings_add(c->findings, &fd);
    }
}

/* blocked_path.c - a flow that a rule allows, and that failed: SYN with no
 * answer, SYN answered by RST, an ICMP unreachable or prohibited (RFC 792,
 * RFC 1812 section 5.2.7.1, RFC 4443 section 3.1), a request protocol with
 * no reply (DESIGN.md, finding kind blocked-path). */
#include "check.h"

#include <stdio.h>
#include <string.h>

static const char *icmp_code_text(uint8_t proto, uint8_t type, uint8_t code)
{
    if (proto == 1 && type == 3) {
        switch (code) {
        case 0: return "network unreachable";
        case 1: return "host unreachable";
        case 2: return "protocol unreachable";
        case 3: return "port unreachable";
        case 9: return "network administratively prohibited";
        case 10: return "host administratively prohibited";
        case 13: return "communication administratively prohibited";
        }
        return "destination unreachable";
    }
    if (proto == 1 && type == 11)
        return "time exceeded";
    if (proto == 58 && type == 1) {
        switch (code) {
        case 0: return "no route to destination";
        case 1: return "administratively prohibited";
        case 3: return "address unreachable";
        case 4: return "port unreachable";
        case 5: return "source address failed ingress/egress policy";
        case 6: return "reject route to destination";
        }
        return "destination unreachable";
    }
    if (proto == 58 && type == 3)
        return "time exceeded";
    return "error";
}

void ws_check_blocked_path(const ws_check_flow *cf, ws_findings *out)
{
    const ws_rule *r = cf->match.rule;
    if (!r || (!cf->src.entry && !cf->dst.entry))
        return;
    if (!ws_check_flow_failed(cf, r->expect_reply))
        return;
    /* taken the other way round: the side that sent nothing is the
     * initiator the rule means, so nothing went unanswered */
    if (cf->match.reversed && cf->outcome == WS_OUT_UNANSWERED)
        return;
    const ws_flow *f = cf->f;
    ws_finding fd;
    ws_finding_from_flow(&fd, cf, WS_FIND_BLOCKED_PATH, ws_rule_blocked_severity(r), r);
    if (ws_findings_merge_known(out, &fd))
        return; /* its words are the group's first flow's */
    char how[200], tbuf[8], a[WS_ADDR_STRLEN], b[WS_ADDR_STRLEN], c[WS_ADDR_STRLEN];
    char src[200];
    uint8_t icmp_proto = f->ip_version == 6 ? 58 : 1;
    switch (cf->outcome) {
    case WS_OUT_REJECTED:
        snprintf(how, sizeof(how), "was refused (RST in answer to SYN)");
        break;
    case WS_OUT_NO_ANSWER:
        snprintf(how, sizeof(how), "got no answer (%u SYN%s)", f->syn_count,
                 f->syn_count == 1 ? "" : "s");
        break;
    case WS_OUT_ICMP_ERROR:
        snprintf(how, sizeof(how), "was answered by ICMP %u/%u (%s) from %s", f->icmp_type,
                 f->icmp_code, icmp_code_text(icmp_proto, f->icmp_type, f->icmp_code),
                 ws_check_addr_text(&f->icmp_reporter, c));
        break;
    default:
        snprintf(how, sizeof(how), "got no reply (%llu packet%s, none back)",
                 (unsigned long long)f->packets[WS_DIR_FWD],
                 f->packets[WS_DIR_FWD] == 1 ? "" : "s");
        break;
    }
    char port[16] = "";
    if (fd.has_ports)
        snprintf(port, sizeof(port), "/%u", f->dport);
    ws_finding_message(&fd, "%s%s from %s to %s %s: the %s path of rule %s is blocked (%s).",
             ws_transport_name(f->proto, tbuf), port, ws_check_addr_text(&cf->src.addr, a),
             ws_check_addr_text(&cf->dst.addr, b), how, ws_requirement_name(r->requirement), r->id,
             ws_source_text(&r->source, src, sizeof(src)));
    ws_finding_str(&fd, "outcome", ws_outcome_name(cf->outcome));
    if (f->proto == 6)
        ws_finding_num(&fd, "syn_count", f->syn_count);
    if (cf->outcome == WS_OUT_ICMP_ERROR) {
        ws_finding_num(&fd, "icmp_type", f->icmp_type);
        ws_finding_num(&fd, "icmp_code", f->icmp_code);
        ws_finding_str(&fd, "icmp_meaning", icmp_code_text(icmp_proto, f->icmp_type,
                                                           f->icmp_code));
        ws_finding_str(&fd, "icmp_from", c);
    }
    ws_finding_num(&fd, "src_packets", (int64_t)f->packets[WS_DIR_FWD]);
    ws_finding_num(&fd, "dst_packets", (int64_t)f->packets[WS_DIR_REV]);
    ws_findings_add(out, &fd);
}

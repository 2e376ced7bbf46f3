/* unexpected_port.c - a flow touching a listed host that no loaded rule
 * allows (DESIGN.md, finding kind unexpected-port). */
#include "check.h"

#include <stdio.h>
#include <string.h>

#include "flow/flow.h"

/* The finding's kind, severity, hosts, ports, times and flow, without its
 * words; false when the flow is not one. */
static bool finding_head(const ws_check_flow *cf, ws_finding *fd)
{
    if (cf->match.rule || (!cf->src.entry && !cf->dst.entry))
        return false;
    const ws_flow *f = cf->f;
    bool icmp = f->proto == 1 || f->proto == 58;
    bool failed = ws_check_flow_failed(cf, false);
    bool near_excuse = cf->match.near && (cf->match.miss == WS_MISS_FEATURE ||
                                          cf->match.miss == WS_MISS_NAME_UNKNOWN);
    /* An undocumented path that carried traffic is what an auditor is here
     * for; a failed attempt, a path a disabled feature or an unknown name
     * would allow, and ICMP are worth a look but weigh less. */
    ws_severity sev = icmp ? WS_SEV_INFO
                           : (failed || near_excuse) ? WS_SEV_LOW : WS_SEV_MEDIUM;
    ws_finding_from_flow(fd, cf, WS_FIND_UNEXPECTED_PORT, sev, NULL);
    return true;
}

/* The finding's message and evidence. */
static void finding_words(const ws_check_flow *cf, const ws_ruleset *rs, ws_finding *fd)
{
    const ws_flow *f = cf->f;
    bool icmp = f->proto == 1 || f->proto == 58;
    bool failed = ws_check_flow_failed(cf, false);
    char src[256], dst[256], tbuf[8], what[48];
    const char *t = ws_transport_name(f->proto, tbuf);
    if (fd->has_ports)
        snprintf(what, sizeof(what), "%s/%u", t, f->dport);
    else if (icmp)
        snprintf(what, sizeof(what), "%s type %u code %u", t, f->sport, f->dport);
    else
        snprintf(what, sizeof(what), "%s", t);
    ws_host_text(&cf->src, rs, src, sizeof(src));
    ws_host_text(&cf->dst, rs, dst, sizeof(dst));
    ws_finding_message(fd, "%s %s %s on %s, and no rule of the loaded packs allows it", src,
             failed ? "tried" : "used", what, dst);
    if (cf->match.near) {
        const ws_rule *r = cf->match.near;
        char feature[96] = "";
        if (cf->match.miss == WS_MISS_FEATURE && r->feature >= 0)
            snprintf(feature, sizeof(feature), " (feature %s)",
                     r->pack->features[r->feature].name);
        ws_finding_append(fd, "; rule %s would, but %s%s", r->id, ws_miss_text(cf->match.miss), feature);
        ws_finding_str(fd, "nearest_rule", r->id);
        ws_finding_str(fd, "nearest_rule_misses", ws_miss_text(cf->match.miss));
    }
    ws_finding_append(fd, ".");
    ws_finding_str(fd, "outcome", ws_outcome_name(cf->outcome));
    if (cf->n_dst_names)
        ws_finding_str(fd, "dst_name", cf->dst_names[0]);
}

bool ws_unexpected_port_finding(const ws_check_flow *cf, const ws_ruleset *rs,
                                ws_finding *out)
{
    if (!finding_head(cf, out))
        return false;
    finding_words(cf, rs, out);
    return true;
}

void ws_check_unexpected_port(const ws_check_flow *cf, const ws_ruleset *rs,
                              ws_findings *out)
{
    ws_finding fd;
    if (!finding_head(cf, &fd) || ws_findings_merge_known(out, &fd))
        return; /* none, or its group's words are its first flow's */
    finding_words(cf, rs, &fd);
    ws_findings_add(out, &fd);
}

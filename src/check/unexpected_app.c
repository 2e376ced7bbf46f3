/* unexpected_app.c - an allowed port carrying another application than the
 * rule names, judged on nDPI's payload verdicts only, never on port guesses
 * (DESIGN.md, finding kind unexpected-application). */
#include "check.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dpi/dpi.h"

/* Does "TLS.Google" (master.app, or one name) fit the expected name? */
static bool app_fits(const char *seen, const char *want)
{
    const char *dot = strchr(seen, '.');
    if (!strcasecmp(seen, want))
        return true;
    if (dot) {
        size_t n = (size_t)(dot - seen);
        if (strlen(want) == n && !strncasecmp(seen, want, n))
            return true;
        if (!strcasecmp(dot + 1, want))
            return true;
    }
    return false;
}

void ws_check_unexpected_app(const ws_check_flow *cf, ws_findings *out)
{
    const ws_rule *r = cf->match.rule;
    if (!r || !r->n_apps || !cf->app || cf->f->app_source != WS_APP_DPI)
        return;
    if (!cf->src.entry && !cf->dst.entry)
        return;
    for (size_t i = 0; i < r->n_apps; i++)
        if (app_fits(cf->app, r->apps[i]))
            return;
    ws_finding fd;
    ws_finding_from_flow(&fd, cf, WS_FIND_UNEXPECTED_APP, WS_SEV_MEDIUM, r);
    if (ws_findings_merge_known(out, &fd))
        return; /* its words are the group's first flow's */
    char a[WS_ADDR_STRLEN], b[WS_ADDR_STRLEN], tbuf[8], want[160] = "", src[200];
    for (size_t i = 0; i < r->n_apps; i++) {
        size_t used = strlen(want);
        snprintf(want + used, sizeof(want) - used, "%s%s", i ? " or " : "", r->apps[i]);
    }
    ws_finding_message(&fd, "%s/%u from %s to %s is allowed by rule %s for %s, but DPI saw %s (%s).",
             ws_transport_name(cf->f->proto, tbuf), cf->f->dport,
             ws_check_addr_text(&cf->src.addr, a), ws_check_addr_text(&cf->dst.addr, b), r->id,
             want, cf->app,
             ws_source_text(&r->source, src, sizeof(src)));
    ws_finding_str(&fd, "expected", want);
    ws_finding_str(&fd, "seen", cf->app);
    ws_finding_str(&fd, "app_source", "dpi");
    ws_findings_add(out, &fd);
}

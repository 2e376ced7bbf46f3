/* report_text.c - the report for people: findings first, worst first, each
 * a sentence naming the document row it breaks; then coverage; then inputs,
 * the flows that failed, the busiest flows, IKE SAs and the counters. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dpi/dpi.h"
#include "report_impl.h"

#define TOP_FLOWS 20
#define FAILED_FLOWS 50

static void flow_line(FILE *out, const ws_run *run, const ws_flow_rec *r)
{
    const ws_flow *f = &r->f;
    char a[WS_ADDR_STRLEN], b[WS_ADDR_STRLEN], t[8];
    const char *names[1];
    fprintf(out, "  #%-6" PRIu64 " %-6s ", f->id, ws_transport_name(f->proto, t));
    ws_addr_str(&f->src, a);
    ws_addr_str(&f->dst, b);
    if (ws_report_has_ports(f->proto))
        fprintf(out, "%s:%u -> %s:%u", a, f->sport, b, f->dport);
    else
        fprintf(out, "%s -> %s", a, b);
    if (ws_run_names(run, &f->dst, names, 1))
        fprintf(out, " (%s)", names[0]);
    fprintf(out, "  %s", ws_outcome_name(r->outcome));
    if (r->app)
        fprintf(out, "  %s%s", r->app, f->app_source == WS_APP_GUESS ? " (port guess)" : "");
    if (r->rule)
        fprintf(out, "  rule %s", r->rule->id);
    fprintf(out, "  %" PRIu64 "/%" PRIu64 " pkts  %" PRIu64 "/%" PRIu64 " bytes",
            f->packets[WS_DIR_FWD], f->packets[WS_DIR_REV],
            f->bytes[WS_DIR_FWD], f->bytes[WS_DIR_REV]);
    if (f->icmp_errors) {
        ws_addr_str(&f->icmp_reporter, a);
        fprintf(out, "  ICMP type %u code %u from %s", f->icmp_type, f->icmp_code, a);
    }
    fputc('\n', out);
}

static bool failed(ws_outcome o)
{
    return o == WS_OUT_REJECTED || o == WS_OUT_NO_ANSWER || o == WS_OUT_HALF_OPEN ||
           o == WS_OUT_ICMP_ERROR;
}

static uint64_t total_bytes(const ws_flow_rec *r)
{
    return r->f.bytes[0] + r->f.bytes[1];
}

static int cmp_bytes_desc(const void *x, const void *y)
{
    const ws_flow_rec *const *a = x, *const *b = y;
    uint64_t ta = total_bytes(*a), tb = total_bytes(*b);
    if (ta != tb)
        return ta > tb ? -1 : 1;
    return (*a)->f.id < (*b)->f.id ? -1 : 1;
}

#define TEXT_FINDINGS 200
#define TEXT_COVERAGE 200

static void findings_text(FILE *out, const ws_run *run)
{
    const ws_checker *c = ws_run_checker(run);
    if (!c) {
        fputs("Findings: none (no rule packs loaded)\n", out);
        return;
    }
    const ws_pack *const *packs;
    size_t np = ws_ruleset_packs(ws_checker_ruleset(c), &packs);
    if (!ws_checker_site(c)) {
        fprintf(out, "Findings: none (%zu packs loaded, but no --site: no host is listed, "
                     "so nothing is judged)\n", np);
        return;
    }
    size_t n = ws_checker_findings_count(c);
    size_t by[WS_SEV_HIGH + 1] = {0};
    for (size_t i = 0; i < n; i++)
        by[ws_checker_finding_severity(c, i)]++;
    fprintf(out, "Findings: %zu (%zu high, %zu medium, %zu low, %zu info)\n", n,
            by[WS_SEV_HIGH], by[WS_SEV_MEDIUM], by[WS_SEV_LOW], by[WS_SEV_INFO]);
    ws_finding buf;   /* the one finding written out at a time */
    for (size_t i = 0; i < n && i < TEXT_FINDINGS; i++) {
        const ws_finding *f = ws_checker_finding(c, i, &buf);
        fprintf(out, "  [%s] %s", ws_severity_name(f->severity), ws_finding_kind_name(f->kind));
        if (f->count > 1)
            fprintf(out, " (x%" PRIu64 ")", f->count);
        if (f->n_flows) {
            fputs("  flows", out);
            for (size_t j = 0; j < f->n_flows; j++)
                fprintf(out, "%s#%" PRIu64, j ? "," : " ", f->flows[j]);
        }
        fprintf(out, "\n    %s\n", f->message);
    }
    if (n > TEXT_FINDINGS)
        fprintf(out, "  ... and %zu more (see --format json)\n", n - TEXT_FINDINGS);
}

static void coverage_text(FILE *out, const ws_run *run)
{
    const ws_checker *c = ws_run_checker(run);
    if (!c || !ws_checker_site(c))
        return;
    const ws_ruleset *rs = ws_checker_ruleset(c);
    const ws_coverage *cov;
    const ws_mesh *m;
    size_t n = ws_checker_coverage(c, &cov), nm = ws_checker_meshes(c, &m);
    if (!n && !nm)
        return;
    fputs("\nCoverage of mandatory paths between hosts present\n", out);
    for (size_t i = 0; i < n && i < TEXT_COVERAGE; i++) {
        char a[WS_ADDR_STRLEN], b[WS_ADDR_STRLEN];
        fprintf(out, "  %-9s %-28s %s -> %s", ws_cov_status_name(cov[i].status), cov[i].rule->id,
                ws_addr_str(&cov[i].a.addr, a), ws_addr_str(&cov[i].b.addr, b));
        if (cov[i].ok + cov[i].failed)
            fprintf(out, "  (%" PRIu64 " flows, %" PRIu64 " failed)", cov[i].ok + cov[i].failed,
                    cov[i].failed);
        fputc('\n', out);
    }
    if (n > TEXT_COVERAGE)
        fprintf(out, "  ... and %zu more (see --format json)\n", n - TEXT_COVERAGE);
    for (size_t k = 0; k < nm; k++) {
        fprintf(out, "\n  %s (full mesh over", m[k].constraint->id);
        for (size_t r = 0; r < m[k].constraint->n_rules; r++)
            fprintf(out, " %s", m[k].constraint->rules[r]->id);
        fputs("): W working, B blocked, . not seen, x exempt\n", out);
        for (size_t i = 0; i < m[k].n; i++) {
            char a[WS_ADDR_STRLEN], who[300];
            fprintf(out, "    %2zu %-16s ", i + 1, ws_addr_str(&m[k].hosts[i].addr, a));
            for (size_t j = 0; j < m[k].n; j++) {
                static const char sym[] = {'W', 'B', '.', 'x', '-'};
                fprintf(out, " %c", sym[m[k].cell[i * m[k].n + j]]);
            }
            ws_host_text(&m[k].hosts[i], rs, who, sizeof(who));
            const char *paren = strchr(who, '(');
            fprintf(out, "   %s\n", paren ? paren : "");
        }
    }
}

bool ws_report_text(FILE *out, const ws_run *run)
{
    const ws_source *src = ws_run_source(run);
    const ws_stats *s = ws_run_stats(run);
    size_t n;
    const ws_flow_rec *recs = ws_run_flows(run, &n);

    fprintf(out, "wirespec %s audit\n\n", WS_VERSION);
    findings_text(out, run);
    coverage_text(out, run);
    fputs("\nInputs\n", out);
    for (size_t i = 0; i < ws_source_count(src); i++) {
        const ws_input *in = ws_source_input(src, i);
        fprintf(out, "  %s: %" PRIu64 " packets, %" PRIu64 " bytes", in->path, in->packets, in->bytes);
        if (in->dlt >= 0)
            fprintf(out, ", link type %s", in->dlt_name[0] ? in->dlt_name : "unknown");
        if (in->skipped)
            fprintf(out, ", %" PRIu64 " packets skipped (link type not read)", in->skipped);
        fputc('\n', out);
        if (in->error)
            fprintf(out, "    ERROR: %s\n", in->error);
    }
    if (ws_source_skipped(src))
        fprintf(out, "  (%zu files in directories skipped: not captures)\n", ws_source_skipped(src));

    uint64_t by_outcome[WS_OUT_ICMP_ERROR + 1] = {0};
    for (size_t i = 0; i < n; i++)
        by_outcome[recs[i].outcome]++;
    fprintf(out, "\nFlows: %" PRIu64 " seen, %zu reported\n", s->flows, n);
    for (int o = 0; o <= WS_OUT_ICMP_ERROR; o++)
        if (by_outcome[o])
            fprintf(out, "  %-12s %" PRIu64 "\n", ws_outcome_name((ws_outcome)o), by_outcome[o]);

    size_t nfailed = 0;
    for (size_t i = 0; i < n; i++)
        if (failed(recs[i].outcome) && nfailed++ < FAILED_FLOWS) {
            if (nfailed == 1)
                fputs("\nFlows that failed\n", out);
            flow_line(out, run, &recs[i]);
        }
    if (nfailed > FAILED_FLOWS)
        fprintf(out, "  ... and %zu more (see --format json)\n", nfailed - FAILED_FLOWS);

    if (n) {
        const ws_flow_rec **order = malloc(n * sizeof(*order));
        if (order) {
            for (size_t i = 0; i < n; i++)
                order[i] = &recs[i];
            qsort(order, n, sizeof(*order), cmp_bytes_desc);
            fprintf(out, "\nBusiest flows\n");
            for (size_t i = 0; i < n && i < TOP_FLOWS; i++)
                flow_line(out, run, order[i]);
            free(order);
        }
    }

    size_t nsa;
    const ws_ike_sa *sas = ws_run_ike_sas(run, &nsa);
    if (nsa)
        fputs("\nIKE SAs (NAT detection: is each end behind a NAT?)\n", out);
    for (size_t i = 0; i < nsa; i++) {
        const ws_ike_side *in = &sas[i].side[WS_IKE_INITIATOR], *re = &sas[i].side[WS_IKE_RESPONDER];
        char a[WS_ADDR_STRLEN], b[WS_ADDR_STRLEN];
        fprintf(out, "  IKEv%u %s:%u -> %s:%u  initiator behind NAT: %s, responder: %s%s%s\n",
                sas[i].version, ws_addr_str(&in->addr, a), in->port, ws_addr_str(&re->addr, b),
                re->port, ws_ike_nat_name(in->behind_nat), ws_ike_nat_name(re->behind_nat),
                sas[i].moved_4500 ? ", moved to UDP 4500" : "",
                in->esp_packets || re->esp_packets ? ", ESP seen" : ", no ESP");
    }

    fputs("\nCounters\n", out);
#define SHOW(name, desc)                                                       \
    if (s->name)                                                               \
        fprintf(out, "  %-22s %12" PRIu64 "  %s\n", #name, s->name, desc);
    WS_STATS_COUNTERS(SHOW)
#undef SHOW
    return !ferror(out);
}

/* report_junit.c - the audit as JUnit XML, for CI servers that show test
 * results: one test case per finding (a failure, its type the severity) and
 * one per coverage entry (working passes, blocked fails, not seen is
 * skipped). The schema CI servers read is the de facto one of Ant's JUnit
 * task: testsuites > testsuite > testcase > failure | skipped. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report_impl.h"

void ws_xml_text(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        switch (ch) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        default:
            /* XML 1.0 allows no control character but tab and line ends. */
            fputc(ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r' ? '?' : ch, out);
        }
    }
}

/* "tcp/8443 10.99.3.2 -> 10.99.3.3": what a finding or coverage entry is about. */
static void path_name(char *buf, size_t len, uint8_t proto, bool has_port, uint16_t port,
                      const ws_addr *a, const ws_addr *b)
{
    char sa[WS_ADDR_STRLEN], sb[WS_ADDR_STRLEN], tb[8];
    const char *t = ws_transport_name(proto, tb);
    if (has_port)
        snprintf(buf, len, "%s/%u %s -> %s", t, port, ws_addr_str(a, sa), ws_addr_str(b, sb));
    else
        snprintf(buf, len, "%s %s -> %s", t, ws_addr_str(a, sa), ws_addr_str(b, sb));
}

static void testcase_open(FILE *out, const char *classname, const char *name)
{
    fputs("    <testcase classname=\"", out);
    ws_xml_text(out, classname);
    fputs("\" name=\"", out);
    ws_xml_text(out, name);
    fputs("\"", out);
}

static void findings_suite(FILE *out, const ws_checker *c, size_t n)
{
    fprintf(out, "  <testsuite name=\"findings\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
                 "skipped=\"0\">\n", n, n);
    ws_finding buf;   /* the one finding written out at a time */
    for (size_t i = 0; i < n; i++) {
        const ws_finding *f = ws_checker_finding(c, i, &buf);
        char name[256], path[200];
        path_name(path, sizeof(path), f->proto, f->has_ports, f->dport, &f->src.addr,
                  &f->dst.addr);
        snprintf(name, sizeof(name), "%s %s", f->rule ? f->rule->id : "(no rule)", path);
        testcase_open(out, ws_finding_kind_name(f->kind), name);
        fputs(">\n      <failure type=\"", out);
        fputs(ws_severity_name(f->severity), out);
        fputs("\" message=\"", out);
        ws_xml_text(out, f->message);
        fprintf(out, "\">%s, %" PRIu64 " flow%s</failure>\n    </testcase>\n",
                ws_severity_name(f->severity), f->count, f->count == 1 ? "" : "s");
    }
    fputs("  </testsuite>\n", out);
}

static void coverage_suite(FILE *out, const ws_coverage *v, size_t n)
{
    size_t failures = 0, skipped = 0;
    for (size_t i = 0; i < n; i++) {
        failures += v[i].status == WS_COV_BLOCKED;
        skipped += v[i].status == WS_COV_NOT_SEEN;
    }
    fprintf(out, "  <testsuite name=\"coverage\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
                 "skipped=\"%zu\">\n", n, failures, skipped);
    for (size_t i = 0; i < n; i++) {
        const ws_rule *r = v[i].rule;
        char path[200];
        uint16_t port = r->has_ports && r->dport.n ? r->dport.r[0].lo : 0;
        path_name(path, sizeof(path), r->protos[0], r->has_ports, port, &v[i].a.addr,
                  &v[i].b.addr);
        char name[300];
        snprintf(name, sizeof(name), "%s %s", r->id, path);
        testcase_open(out, r->pack->id, name);
        switch (v[i].status) {
        case WS_COV_BLOCKED:
            fprintf(out, ">\n      <failure type=\"blocked\" message=\"every flow of this "
                         "mandatory path failed (%" PRIu64 ")\"/>\n    </testcase>\n",
                    v[i].failed);
            break;
        case WS_COV_NOT_SEEN:
            fputs(">\n      <skipped message=\"not seen in the capture\"/>\n    </testcase>\n",
                  out);
            break;
        default:
            fputs("/>\n", out);
        }
    }
    fputs("  </testsuite>\n", out);
}

bool ws_report_junit(FILE *out, const ws_run *run)
{
    const ws_checker *c = ws_run_checker(run);
    const ws_coverage *v = NULL;
    size_t nf = c ? ws_checker_findings_count(c) : 0;
    size_t nv = c ? ws_checker_coverage(c, &v) : 0;
    size_t failures = nf;
    for (size_t i = 0; i < nv; i++)
        failures += v[i].status == WS_COV_BLOCKED;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out, "<testsuites name=\"wirespec audit\" tests=\"%zu\" failures=\"%zu\">\n",
            nf + nv, failures);
    findings_suite(out, c, nf);
    coverage_suite(out, v, nv);
    fputs("</testsuites>\n", out);
    return !ferror(out);
}

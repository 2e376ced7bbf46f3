/* report_json.c - the JSON report, shape per DESIGN.md "JSON report".
 * Written piecewise so that a run with a million flows never holds a
 * million json objects at once; ws_report_json_object builds the same
 * report, from the same pieces, as one object (for wirespec test). */
#include <json-c/json.h>
#include <stdint.h>
#include <string.h>

#include "dpi/dpi.h"
#include "report_impl.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static json_object *jtime(int64_t us)
{
    char buf[40];
    int64_t s = us / 1000000, frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        s--;
    }
    snprintf(buf, sizeof(buf), "%lld.%06lld", (long long)s, (long long)frac);
    return json_object_new_double_s((double)us / 1e6, buf);
}

static json_object *ju64(uint64_t v)
{
    return json_object_new_uint64(v);
}

/* A host's roles: its site entry's, or ["any"] when the site does not list it. */
static json_object *roles_json(const ws_run *run, const ws_addr *a, const char **label)
{
    json_object *roles = json_object_new_array();
    const ws_checker *c = ws_run_checker(run);
    *label = NULL;
    if (!c || !ws_checker_site(c))
        return roles;
    ws_host h;
    ws_checker_host(c, a, &h);
    const ws_ruleset *rs = ws_checker_ruleset(c);
    if (!h.entry) {
        json_object_array_add(roles, json_object_new_string("any"));
        return roles;
    }
    *label = h.entry->label;
    for (size_t i = 1; i < ws_ruleset_nroles(rs); i++)
        if (ws_roleset_has(h.roles, (unsigned)i))
            json_object_array_add(roles, json_object_new_string(ws_ruleset_role_name(rs, (unsigned)i)));
    return roles;
}

static json_object *endpoint(const ws_run *run, const ws_addr *a, uint16_t port, bool has_port)
{
    char ip[WS_ADDR_STRLEN];
    const char *label;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ip", json_object_new_string(ws_addr_str(a, ip)));
    json_object_object_add(o, "port", has_port ? json_object_new_int(port) : NULL);
    json_object_object_add(o, "roles", roles_json(run, a, &label));
    if (label)
        json_object_object_add(o, "label", json_object_new_string(label));
    json_object *names = json_object_new_array();
    const char *nm[WS_REPORT_MAX_NAMES];
    size_t n = ws_run_names(run, a, nm, WS_REPORT_MAX_NAMES);
    for (size_t i = 0; i < n; i++)
        json_object_array_add(names, json_object_new_string(nm[i]));
    json_object_object_add(o, "names", names);
    return o;
}

static json_object *flow_json(const ws_run *run, const ws_flow_rec *r)
{
    const ws_flow *f = &r->f;
    char tbuf[8];
    bool ports = ws_report_has_ports(f->proto);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", ju64(f->id));
    json_object_object_add(o, "transport", json_object_new_string(ws_transport_name(f->proto, tbuf)));
    json_object_object_add(o, "src", endpoint(run, &f->src, f->sport, ports));
    json_object_object_add(o, "dst", endpoint(run, &f->dst, f->dport, ports));
    json_object_object_add(o, "src_packets", ju64(f->packets[WS_DIR_FWD]));
    json_object_object_add(o, "dst_packets", ju64(f->packets[WS_DIR_REV]));
    json_object_object_add(o, "src_bytes", ju64(f->bytes[WS_DIR_FWD]));
    json_object_object_add(o, "dst_bytes", ju64(f->bytes[WS_DIR_REV]));
    json_object_object_add(o, "src_wire_bytes", ju64(f->wire_bytes[WS_DIR_FWD]));
    json_object_object_add(o, "dst_wire_bytes", ju64(f->wire_bytes[WS_DIR_REV]));
    json_object_object_add(o, "outcome", json_object_new_string(ws_outcome_name(r->outcome)));
    json_object_object_add(o, "initiator_guessed", json_object_new_boolean(f->initiator_guessed));
    if (f->proto == 1 || f->proto == 58) {
        json_object_object_add(o, "icmp_type", json_object_new_int(f->sport));
        json_object_object_add(o, "icmp_code", json_object_new_int(f->dport));
    }
    json_object_object_add(o, "app", r->app ? json_object_new_string(r->app) : NULL);
    json_object_object_add(o, "app_source", json_object_new_string(ws_dpi_source_name(f->app_source)));
    json_object_object_add(o, "rule", r->rule ? json_object_new_string(r->rule->id) : NULL);
    if (f->icmp_errors) {
        char ip[WS_ADDR_STRLEN];
        json_object *e = json_object_new_object();
        json_object_object_add(e, "count", json_object_new_int64(f->icmp_errors));
        json_object_object_add(e, "type", json_object_new_int(f->icmp_type));
        json_object_object_add(e, "code", json_object_new_int(f->icmp_code));
        json_object_object_add(e, "from", json_object_new_string(ws_addr_str(&f->icmp_reporter, ip)));
        json_object_object_add(o, "icmp_error", e);
    }
    if (f->proto == 50) {
        json_object_object_add(o, "src_spi", f->esp_spi[WS_DIR_FWD] ? ju64(f->esp_spi[WS_DIR_FWD]) : NULL);
        json_object_object_add(o, "dst_spi", f->esp_spi[WS_DIR_REV] ? ju64(f->esp_spi[WS_DIR_REV]) : NULL);
    }
    json_object_object_add(o, "first_seen", jtime(f->first_us));
    json_object_object_add(o, "last_seen", jtime(f->last_us));
    json_object_object_add(o, "end", json_object_new_string(ws_report_end_reason(r->end)));
    return o;
}

static json_object *hex(const uint8_t *b, size_t n)
{
    char buf[2 * WS_DIGEST_MAX + 1];
    for (size_t i = 0; i < n && i < WS_DIGEST_MAX; i++)
        snprintf(buf + 2 * i, 3, "%02x", b[i]);
    buf[2 * (n < WS_DIGEST_MAX ? n : WS_DIGEST_MAX)] = '\0';
    return json_object_new_string(buf);
}

static json_object *ike_side_json(const ws_ike_side *s)
{
    char ip[WS_ADDR_STRLEN];
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ip", json_object_new_string(ws_addr_str(&s->addr, ip)));
    json_object_object_add(o, "port", json_object_new_int(s->port));
    json_object_object_add(o, "natt_port", s->natt_port ? json_object_new_int(s->natt_port) : NULL);
    json_object_object_add(o, "natt_offered", json_object_new_boolean(s->natt_offered));
    json_object_object_add(o, "behind_nat", json_object_new_string(ws_ike_nat_name(s->behind_nat)));
    if (s->hash_len) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "observed_ip", json_object_new_string(ws_addr_str(&s->observed, ip)));
        json_object_object_add(e, "observed_port", json_object_new_int(s->observed_port));
        json_object_object_add(e, "hash", hex(s->hash, s->hash_len));
        json_object_object_add(e, "hash_alg", json_object_new_string(ws_digest_name(s->hash_alg)));
        json_object_object_add(o, "natd", e);
    }
    if (s->other_seen) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "ip", json_object_new_string(ws_addr_str(&s->other_addr, ip)));
        json_object_object_add(e, "port", json_object_new_int(s->other_port));
        json_object_object_add(o, "also_seen_as", e);
    }
    json_object_object_add(o, "messages", ju64(s->messages));
    json_object_object_add(o, "esp_packets", ju64(s->esp_packets));
    json_object_object_add(o, "esp_in_udp", ju64(s->esp_in_udp));
    return o;
}

static json_object *ike_json(const ws_run *run)
{
    size_t n;
    const ws_ike_sa *sas = ws_run_ike_sas(run, &n);
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        const ws_ike_sa *sa = &sas[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "version", json_object_new_int(sa->version));
        json_object_object_add(o, "spi_i", hex(sa->spi_i, WS_IKE_SPI_LEN));
        json_object_object_add(o, "spi_r", sa->spi_r_known ? hex(sa->spi_r, WS_IKE_SPI_LEN) : NULL);
        json_object_object_add(o, "initiator", ike_side_json(&sa->side[WS_IKE_INITIATOR]));
        json_object_object_add(o, "responder", ike_side_json(&sa->side[WS_IKE_RESPONDER]));
        json_object_object_add(o, "initiator_guessed", json_object_new_boolean(sa->initiator_guessed));
        json_object_object_add(o, "natt_offered", json_object_new_boolean(sa->natt_offered));
        json_object_object_add(o, "natd_present", json_object_new_boolean(sa->natd_present));
        json_object_object_add(o, "moved_to_4500", json_object_new_boolean(sa->moved_4500));
        json_object_object_add(o, "messages", ju64(sa->messages));
        json_object_object_add(o, "malformed", ju64(sa->malformed));
        json_object_object_add(o, "first_seen", jtime(sa->first_us));
        json_object_object_add(o, "last_seen", jtime(sa->last_us));
        json_object_array_add(a, o);
    }
    return a;
}

static json_object *inputs_json(const ws_run *run)
{
    const ws_source *src = ws_run_source(run);
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < ws_source_count(src); i++) {
        const ws_input *in = ws_source_input(src, i);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "path", json_object_new_string(in->path));
        json_object_object_add(o, "link_type", in->dlt >= 0 ? json_object_new_string(in->dlt_name) : NULL);
        json_object_object_add(o, "packets", ju64(in->packets));
        json_object_object_add(o, "bytes", ju64(in->bytes));
        json_object_object_add(o, "skipped_packets", ju64(in->skipped));
        json_object *errs = json_object_new_array();
        if (in->error)
            json_object_array_add(errs, json_object_new_string(in->error));
        json_object_object_add(o, "errors", errs);
        json_object_array_add(a, o);
    }
    return a;
}

static json_object *stats_json(const ws_run *run, size_t nflows)
{
    const ws_stats *s = ws_run_stats(run);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "packets", ju64(s->packets));
    json_object_object_add(o, "bytes", ju64(s->bytes));
    json_object_object_add(o, "flows", ju64(s->flows));
    json_object_object_add(o, "flows_reported", ju64(nflows));
    json_object_object_add(o, "decode_errors", ju64(s->truncated + s->malformed));
    json_object_object_add(o, "evictions", ju64(s->flows_evicted));
    json_object_object_add(o, "drops", ju64(ws_report_drops(s)));
    json_object_object_add(o, "skipped_files", ju64(ws_source_skipped(ws_run_source(run))));
    json_object *c = json_object_new_object();
#define ADD(name, desc) json_object_object_add(c, #name, ju64(s->name));
    WS_STATS_COUNTERS(ADD)
#undef ADD
    json_object_object_add(o, "counters", c);
    return o;
}

static json_object *limits_json(const ws_run *run)
{
    const ws_limits *l = ws_run_limits(run);
    json_object *o = json_object_new_object();
#define LIM(field) json_object_object_add(o, #field, ju64((uint64_t)l->field));
    LIM(max_flows) LIM(max_flow_bytes) LIM(frag_max_bytes) LIM(frag_max_datagrams)
    LIM(max_tunnel_depth) LIM(dpi_max_packets) LIM(max_names) LIM(max_ike_sas)
    LIM(max_findings) LIM(max_coverage) LIM(max_report_flows)
#undef LIM
    return o;
}

static json_object *packs_json(const ws_run *run)
{
    json_object *a = json_object_new_array();
    const ws_checker *c = ws_run_checker(run);
    if (!c)
        return a;
    const ws_pack *const *packs;
    size_t n = ws_ruleset_packs(ws_checker_ruleset(c), &packs);
    for (size_t i = 0; i < n; i++) {
        const ws_pack *p = packs[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_string(p->id));
        json_object_object_add(o, "vendor", json_object_new_string(p->vendor));
        json_object_object_add(o, "product", json_object_new_string(p->product));
        json_object *d = json_object_new_object();
        json_object_object_add(d, "title", json_object_new_string(p->doc_title));
        json_object_object_add(d, "revision", p->doc_revision ? json_object_new_string(p->doc_revision) : NULL);
        json_object_object_add(d, "date", p->doc_date ? json_object_new_string(p->doc_date) : NULL);
        json_object_object_add(o, "document", d);
        json_object_object_add(o, "path", json_object_new_string(p->path));
        json_object_object_add(o, "rules", json_object_new_int64((int64_t)p->n_rules));
        json_object_array_add(a, o);
    }
    return a;
}

static json_object *site_json(const ws_run *run)
{
    const ws_checker *c = ws_run_checker(run);
    const ws_site *s = c ? ws_checker_site(c) : NULL;
    if (!s)
        return NULL;
    const ws_site_host *hosts;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(ws_site_name(s)));
    json_object_object_add(o, "hosts", json_object_new_int64((int64_t)ws_site_hosts(s, &hosts)));
    return o;
}

static json_object *host_json(const ws_run *run, const ws_host *h, uint16_t port, bool has_port)
{
    return endpoint(run, &h->addr, port, has_port);
}

static json_object *finding_json(const ws_run *run, const ws_finding *f)
{
    char tbuf[8];
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kind", json_object_new_string(ws_finding_kind_name(f->kind)));
    json_object_object_add(o, "severity", json_object_new_string(ws_severity_name(f->severity)));
    json_object_object_add(o, "rule", f->rule ? json_object_new_string(f->rule->id) : NULL);
    json_object_object_add(o, "constraint", f->constraint ? json_object_new_string(f->constraint->id) : NULL);
    json_object_object_add(o, "pack", f->pack ? json_object_new_string(f->pack->id) : NULL);
    json_object_object_add(o, "src", host_json(run, &f->src, f->sport, f->has_ports && f->kind != WS_FIND_MISSING_PATH));
    json_object_object_add(o, "dst", host_json(run, &f->dst, f->dport, f->has_ports));
    json_object_object_add(o, "transport", json_object_new_string(ws_transport_name(f->proto, tbuf)));
    json_object_object_add(o, "app", f->app ? json_object_new_string(f->app) : NULL);
    json_object_object_add(o, "message", json_object_new_string(f->message));
    json_object *ev = json_object_new_object();
    for (size_t i = 0; i < f->n_ev; i++)
        json_object_object_add(ev, f->ev[i].key, f->ev[i].is_num ? json_object_new_int64(f->ev[i].num)
                                                                 : json_object_new_string(f->ev[i].str));
    json_object_object_add(o, "evidence", ev);
    json_object_object_add(o, "first_seen", f->first_us ? jtime(f->first_us) : NULL);
    json_object_object_add(o, "last_seen", f->last_us ? jtime(f->last_us) : NULL);
    json_object_object_add(o, "count", ju64(f->count));
    json_object *ids = json_object_new_array();
    for (size_t i = 0; i < f->n_flows; i++)
        json_object_array_add(ids, ju64(f->flows[i]));
    json_object_object_add(o, "flows", ids);
    return o;
}

static json_object *coverage_json(const ws_run *run, const ws_coverage *e)
{
    char tbuf[16], ports[128];
    const ws_rule *r = e->rule;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kind", json_object_new_string("rule"));
    json_object_object_add(o, "rule", json_object_new_string(r->id));
    json_object_object_add(o, "pack", json_object_new_string(r->pack->id));
    json_object_object_add(o, "requirement", json_object_new_string(ws_requirement_name(r->requirement)));
    json_object_object_add(o, "transport", json_object_new_string(ws_rule_transport(r, tbuf, sizeof(tbuf))));
    json_object_object_add(o, "dport", r->has_ports ? json_object_new_string(ws_portset_str(&r->dport, ports, sizeof(ports))) : NULL);
    json_object_object_add(o, "src", host_json(run, &e->a, 0, false));
    json_object_object_add(o, "dst", host_json(run, &e->b, 0, false));
    json_object_object_add(o, "status", json_object_new_string(ws_cov_status_name(e->status)));
    json_object_object_add(o, "flows", ju64(e->ok + e->failed));
    json_object_object_add(o, "failed_flows", ju64(e->failed));
    json_object_object_add(o, "example_flow", e->example ? ju64(e->example) : NULL);
    return o;
}

static json_object *mesh_json(const ws_run *run, const ws_mesh *m)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kind", json_object_new_string("full-mesh"));
    json_object_object_add(o, "constraint", json_object_new_string(m->constraint->id));
    json_object_object_add(o, "pack", json_object_new_string(m->constraint->pack->id));
    json_object *rules = json_object_new_array();
    for (size_t i = 0; i < m->constraint->n_rules; i++)
        json_object_array_add(rules, json_object_new_string(m->constraint->rules[i]->id));
    json_object_object_add(o, "rules", rules);
    json_object *hosts = json_object_new_array();
    for (size_t i = 0; i < m->n; i++) {
        json_object *h = host_json(run, &m->hosts[i], 0, false);
        json_object_object_del(h, "port");
        if (m->hosts[i].entry && m->hosts[i].entry->location)
            json_object_object_add(h, "location", json_object_new_string(m->hosts[i].entry->location));
        json_object_array_add(hosts, h);
    }
    json_object_object_add(o, "hosts", hosts);
    json_object *rows = json_object_new_array();
    for (size_t i = 0; i < m->n; i++) {
        json_object *row = json_object_new_array();
        for (size_t j = 0; j < m->n; j++)
            json_object_array_add(row, json_object_new_string(ws_cov_status_name((ws_cov_status)m->cell[i * m->n + j])));
        json_object_array_add(rows, row);
    }
    json_object_object_add(o, "matrix", rows);
    return o;
}

json_object *ws_report_finding_json(const ws_run *run, const ws_finding *f)
{
    return finding_json(run, f);
}

json_object *ws_report_time_json(int64_t us)
{
    return jtime(us);
}

/* Streams an array of n items made by item(i). */
static void put_array(FILE *out, const char *key, size_t n, json_object *(*item)(const ws_run *, size_t),
                      const ws_run *run, bool last)
{
    fprintf(out, "  \"%s\": [", key);
    for (size_t i = 0; i < n; i++) {
        json_object *v = item(run, i);
        fprintf(out, "%s\n    %s", i ? "," : "", json_object_to_json_string_ext(v, JSON_FLAGS));
        json_object_put(v);
    }
    fprintf(out, "%s%s\n", n ? "\n  ]" : "]", last ? "" : ",");
}

static json_object *finding_item(const ws_run *run, size_t i)
{
    const ws_finding *f;
    ws_checker_findings(ws_run_checker(run), &f);
    return finding_json(run, &f[i]);
}

static json_object *coverage_item(const ws_run *run, size_t i)
{
    const ws_checker *c = ws_run_checker(run);
    const ws_coverage *cov;
    const ws_mesh *meshes;
    size_t ncov = ws_checker_coverage(c, &cov);
    ws_checker_meshes(c, &meshes);
    return i < ncov ? coverage_json(run, &cov[i]) : mesh_json(run, &meshes[i - ncov]);
}

/* Writes "key": value, then frees value. */
static void put(FILE *out, const char *key, json_object *v, bool last)
{
    fprintf(out, "  \"%s\": %s%s\n", key, json_object_to_json_string_ext(v, JSON_FLAGS),
            last ? "" : ",");
    json_object_put(v);
}

json_object *ws_report_json_object(const ws_run *run)
{
    size_t n;
    const ws_flow_rec *recs = ws_run_flows(run, &n);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "version", json_object_new_string(WS_VERSION));
    json_object_object_add(o, "inputs", inputs_json(run));
    json_object_object_add(o, "packs", packs_json(run));
    json_object_object_add(o, "site", site_json(run));
    json_object_object_add(o, "stats", stats_json(run, n));
    json_object_object_add(o, "limits", limits_json(run));
    json_object *flows = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(flows, flow_json(run, &recs[i]));
    json_object_object_add(o, "flows", flows);
    json_object_object_add(o, "ike_sas", ike_json(run));
    const ws_checker *c = ws_run_checker(run);
    const ws_finding *fs;
    const ws_coverage *cov;
    const ws_mesh *meshes;
    size_t nf = c ? ws_checker_findings(c, &fs) : 0;
    size_t nc = c ? ws_checker_coverage(c, &cov) + ws_checker_meshes(c, &meshes) : 0;
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < nf; i++)
        json_object_array_add(a, finding_item(run, i));
    json_object_object_add(o, "findings", a);
    a = json_object_new_array();
    for (size_t i = 0; i < nc; i++)
        json_object_array_add(a, coverage_item(run, i));
    json_object_object_add(o, "coverage", a);
    return o;
}

bool ws_report_json(FILE *out, const ws_run *run)
{
    size_t n;
    const ws_flow_rec *recs = ws_run_flows(run, &n);
    fputs("{\n", out);
    put(out, "version", json_object_new_string(WS_VERSION), false);
    put(out, "inputs", inputs_json(run), false);
    put(out, "packs", packs_json(run), false);
    put(out, "site", site_json(run), false);
    put(out, "stats", stats_json(run, n), false);
    put(out, "limits", limits_json(run), false);
    fputs("  \"flows\": [", out);
    for (size_t i = 0; i < n; i++) {
        json_object *f = flow_json(run, &recs[i]);
        fprintf(out, "%s\n    %s", i ? "," : "", json_object_to_json_string_ext(f, JSON_FLAGS));
        json_object_put(f);
    }
    fputs(n ? "\n  ],\n" : "],\n", out);
    put(out, "ike_sas", ike_json(run), false);
    const ws_checker *c = ws_run_checker(run);
    const ws_finding *fs;
    const ws_coverage *cov;
    const ws_mesh *meshes;
    size_t nf = c ? ws_checker_findings(c, &fs) : 0;
    size_t nc = c ? ws_checker_coverage(c, &cov) + ws_checker_meshes(c, &meshes) : 0;
    put_array(out, "findings", nf, finding_item, run, false);
    put_array(out, "coverage", nc, coverage_item, run, true);
    fputs("}\n", out);
    return !ferror(out);
}

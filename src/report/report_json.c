/* report_json.c - the JSON report, shape per DESIGN.md "JSON report"
 * (specification: RFC 8259; POSIX pthread_create(3P), pthread_cond_wait(3P)
 * for the second thread). What grows with the capture (flows, IKE SAs,
 * findings, coverage) is streamed by jsonw.c, a record at a time, with no
 * json object built; the small parts (inputs, packs, site, stats, limits)
 * are json-c objects. A large array of flows, findings or coverage is
 * formatted by two threads, a chunk of records each in turn, and written in
 * order. ws_report_json_object builds the same report as one object (for
 * wirespec test) by parsing each streamed record, so that every record's
 * shape is written down once. */
#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dpi/dpi.h"
#include "hostcache.h"
#include "jsonw.h"
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

/* An address as inet_ntop writes it; IPv4 without a printf. */
static const char *addr_text(const ws_addr *a, char buf[WS_ADDR_STRLEN])
{
    if (a->family != 4)
        return ws_addr_str(a, buf);
    char *p = buf;
    for (int i = 0; i < 4; i++) {
        unsigned v = a->b[i];
        if (v >= 100)
            *p++ = (char)('0' + v / 100);
        if (v >= 10)
            *p++ = (char)('0' + v / 10 % 10);
        *p++ = (char)('0' + v % 10);
        *p++ = i < 3 ? '.' : '\0';
    }
    return buf;
}

/* What the streamed records read: the run, and (when not NULL) the host
 * cache of this report and the writer its entries are rendered with. The
 * cache lives for one report only: between two reports of a live run the
 * names of an address may change. */
typedef struct dport_memo {
    const ws_rule *rule;  /* whose text is held; NULL: none */
    char text[128];
} dport_memo;

typedef struct rctx {
    const ws_run *run;
    ws_hostcache *hosts;
    ws_jw *scratch;
    dport_memo *dport;    /* the last coverage rule's ports as text, or NULL */
} rctx;

/* The members of a host that depend on its address alone: "ip", then
 * "roles": its site entry's, or ["any"] when the site does not list it,
 * "label" (when listed), "names". */
static void host_ip(ws_jw *w, const ws_addr *a)
{
    char ip[WS_ADDR_STRLEN];
    ws_jw_keylit(w, "ip");
    ws_jw_str(w, addr_text(a, ip));
}

static void host_rest(ws_jw *w, const ws_run *run, const ws_addr *a)
{
    const char *label = NULL;
    ws_jw_keylit(w, "roles");
    ws_jw_arr_begin(w);
    const ws_checker *c = ws_run_checker(run);
    if (c && ws_checker_site(c)) {
        ws_host h;
        ws_checker_host(c, a, &h);
        const ws_ruleset *rs = ws_checker_ruleset(c);
        if (!h.entry) {
            ws_jw_str(w, "any");
        } else {
            label = h.entry->label;
            /* Roles 1 .. nroles-1 in order, a set bit at a time. */
            size_t nroles = ws_ruleset_nroles(rs);
            for (size_t wi = 0; wi * 64 < nroles && wi < WS_MAX_ROLES / 64; wi++) {
                uint64_t bits = h.roles->w[wi];
                if (wi == 0)
                    bits &= ~(uint64_t)1;
                while (bits) {
                    size_t r = wi * 64 + (size_t)__builtin_ctzll(bits);
                    bits &= bits - 1;
                    if (r >= nroles)
                        break;
                    ws_jw_str(w, ws_ruleset_role_name(rs, (unsigned)r));
                }
            }
        }
    }
    ws_jw_arr_end(w);
    if (label) {
        ws_jw_keylit(w, "label");
        ws_jw_str(w, label);
    }
    ws_jw_keylit(w, "names");
    ws_jw_arr_begin(w);
    const char *nm[WS_REPORT_MAX_NAMES];
    size_t n = ws_run_names(run, a, nm, WS_REPORT_MAX_NAMES);
    for (size_t i = 0; i < n; i++)
        ws_jw_str(w, nm[i]);
    ws_jw_arr_end(w);
}

/* The text of host_ip and host_rest for a, as members: "ip":...,"roles":...
 * with *mark the offset of the comma between the two parts. From the cache,
 * or rendered in x->scratch and offered to the cache; NULL when the scratch
 * writer failed (out of memory). */
static const char *host_text(const rctx *x, const ws_addr *a, size_t *len, size_t *mark)
{
    const char *t = ws_hostcache_get(x->hosts, a, len, mark);
    if (t)
        return t;
    ws_jw *s = x->scratch;
    ws_jw_clear(s);
    ws_jw_obj_begin(s);
    host_ip(s, a);
    size_t m;
    ws_jw_data(s, &m);
    host_rest(s, x->run, a);
    if (!ws_jw_flush(s))
        return NULL;
    t = ws_jw_data(s, len);
    /* Without the '{' the scratch object opened with. */
    t++;
    (*len)--;
    *mark = m - 1;
    ws_hostcache_put(x->hosts, a, t, *len, *mark);
    return t;
}

/* A host: {"ip", "port" (when with_port), "roles", "label" (when listed),
 * "names", "location" (when given and listed)}. */
static void endpoint_jw(ws_jw *w, const rctx *x, const ws_addr *a, bool with_port,
                        uint16_t port, bool has_port, const char *location)
{
    size_t len = 0, mark = 0;
    const char *t = x->hosts ? host_text(x, a, &len, &mark) : NULL;
    ws_jw_obj_begin(w);
    if (t)
        ws_jw_members(w, t, mark);
    else
        host_ip(w, a);
    if (with_port) {
        ws_jw_keylit(w, "port");
        if (has_port)
            ws_jw_u64(w, port);
        else
            ws_jw_null(w);
    }
    if (t)
        ws_jw_members(w, t + mark + 1, len - mark - 1);
    else
        host_rest(w, x->run, a);
    if (location) {
        ws_jw_keylit(w, "location");
        ws_jw_str(w, location);
    }
    ws_jw_obj_end(w);
}

/* "key": value, the key a literal. */
#define key_u64(w, key, v) (ws_jw_keylit(w, key), ws_jw_u64(w, v))
#define key_str(w, key, s) (ws_jw_keylit(w, key), ws_jw_str(w, s))

/* One flow record: {"id", "transport", "src", "dst", ...} (DESIGN.md). */
static void flow_jw(ws_jw *w, const rctx *x, const ws_flow_rec *r)
{
    const ws_flow *f = &r->f;
    char tbuf[8];
    bool ports = ws_report_has_ports(f->proto);
    ws_jw_obj_begin(w);
    key_u64(w, "id", f->id);
    key_str(w, "transport", ws_transport_name(f->proto, tbuf));
    ws_jw_keylit(w, "src");
    endpoint_jw(w, x, &f->src, true, f->sport, ports, NULL);
    ws_jw_keylit(w, "dst");
    endpoint_jw(w, x, &f->dst, true, f->dport, ports, NULL);
    key_u64(w, "src_packets", f->packets[WS_DIR_FWD]);
    key_u64(w, "dst_packets", f->packets[WS_DIR_REV]);
    key_u64(w, "src_bytes", f->bytes[WS_DIR_FWD]);
    key_u64(w, "dst_bytes", f->bytes[WS_DIR_REV]);
    key_u64(w, "src_wire_bytes", f->wire_bytes[WS_DIR_FWD]);
    key_u64(w, "dst_wire_bytes", f->wire_bytes[WS_DIR_REV]);
    key_str(w, "outcome", ws_outcome_name(r->outcome));
    ws_jw_keylit(w, "initiator_guessed");
    ws_jw_bool(w, f->initiator_guessed);
    if (f->proto == 1 || f->proto == 58) {
        key_u64(w, "icmp_type", f->sport);
        key_u64(w, "icmp_code", f->dport);
    }
    key_str(w, "app", r->app);
    key_str(w, "app_source", ws_dpi_source_name(f->app_source));
    key_str(w, "rule", r->rule ? r->rule->id : NULL);
    if (f->icmp_errors) {
        char ip[WS_ADDR_STRLEN];
        ws_jw_keylit(w, "icmp_error");
        ws_jw_obj_begin(w);
        ws_jw_keylit(w, "count");
        ws_jw_i64(w, (int64_t)f->icmp_errors);
        key_u64(w, "type", f->icmp_type);
        key_u64(w, "code", f->icmp_code);
        key_str(w, "from", addr_text(&f->icmp_reporter, ip));
        ws_jw_obj_end(w);
    }
    if (f->proto == 50) {
        ws_jw_keylit(w, "src_spi");
        if (f->esp_spi[WS_DIR_FWD])
            ws_jw_u64(w, f->esp_spi[WS_DIR_FWD]);
        else
            ws_jw_null(w);
        ws_jw_keylit(w, "dst_spi");
        if (f->esp_spi[WS_DIR_REV])
            ws_jw_u64(w, f->esp_spi[WS_DIR_REV]);
        else
            ws_jw_null(w);
    }
    ws_jw_keylit(w, "first_seen");
    ws_jw_time(w, f->first_us);
    ws_jw_keylit(w, "last_seen");
    ws_jw_time(w, f->last_us);
    key_str(w, "end", ws_report_end_reason(r->end));
    ws_jw_obj_end(w);
}

static void hex_jw(ws_jw *w, const uint8_t *b, size_t n)
{
    static const char digit[] = "0123456789abcdef";
    char buf[2 * WS_DIGEST_MAX + 1];
    size_t k = n < WS_DIGEST_MAX ? n : WS_DIGEST_MAX;
    for (size_t i = 0; i < k; i++) {
        buf[2 * i] = digit[b[i] >> 4];
        buf[2 * i + 1] = digit[b[i] & 0xf];
    }
    buf[2 * k] = '\0';
    ws_jw_str(w, buf);
}

static void ike_side_jw(ws_jw *w, const ws_ike_side *s)
{
    char ip[WS_ADDR_STRLEN];
    ws_jw_obj_begin(w);
    key_str(w, "ip", addr_text(&s->addr, ip));
    key_u64(w, "port", s->port);
    ws_jw_keylit(w, "natt_port");
    if (s->natt_port)
        ws_jw_u64(w, s->natt_port);
    else
        ws_jw_null(w);
    ws_jw_keylit(w, "natt_offered");
    ws_jw_bool(w, s->natt_offered);
    key_str(w, "behind_nat", ws_ike_nat_name(s->behind_nat));
    if (s->hash_len) {
        ws_jw_keylit(w, "natd");
        ws_jw_obj_begin(w);
        key_str(w, "observed_ip", addr_text(&s->observed, ip));
        key_u64(w, "observed_port", s->observed_port);
        ws_jw_keylit(w, "hash");
        hex_jw(w, s->hash, s->hash_len);
        key_str(w, "hash_alg", ws_digest_name(s->hash_alg));
        ws_jw_obj_end(w);
    }
    if (s->other_seen) {
        ws_jw_keylit(w, "also_seen_as");
        ws_jw_obj_begin(w);
        key_str(w, "ip", addr_text(&s->other_addr, ip));
        key_u64(w, "port", s->other_port);
        ws_jw_obj_end(w);
    }
    key_u64(w, "messages", s->messages);
    key_u64(w, "esp_packets", s->esp_packets);
    key_u64(w, "esp_in_udp", s->esp_in_udp);
    ws_jw_obj_end(w);
}

/* One IKE SA (DESIGN.md "ike_sas"). */
static void ike_sa_jw(ws_jw *w, const ws_ike_sa *sa)
{
    ws_jw_obj_begin(w);
    key_u64(w, "version", sa->version);
    ws_jw_keylit(w, "spi_i");
    hex_jw(w, sa->spi_i, WS_IKE_SPI_LEN);
    ws_jw_keylit(w, "spi_r");
    if (sa->spi_r_known)
        hex_jw(w, sa->spi_r, WS_IKE_SPI_LEN);
    else
        ws_jw_null(w);
    ws_jw_keylit(w, "initiator");
    ike_side_jw(w, &sa->side[WS_IKE_INITIATOR]);
    ws_jw_keylit(w, "responder");
    ike_side_jw(w, &sa->side[WS_IKE_RESPONDER]);
    ws_jw_keylit(w, "initiator_guessed");
    ws_jw_bool(w, sa->initiator_guessed);
    ws_jw_keylit(w, "natt_offered");
    ws_jw_bool(w, sa->natt_offered);
    ws_jw_keylit(w, "natd_present");
    ws_jw_bool(w, sa->natd_present);
    ws_jw_keylit(w, "moved_to_4500");
    ws_jw_bool(w, sa->moved_4500);
    key_u64(w, "messages", sa->messages);
    key_u64(w, "malformed", sa->malformed);
    ws_jw_keylit(w, "first_seen");
    ws_jw_time(w, sa->first_us);
    ws_jw_keylit(w, "last_seen");
    ws_jw_time(w, sa->last_us);
    ws_jw_obj_end(w);
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

static void host_jw(ws_jw *w, const rctx *x, const ws_host *h, uint16_t port, bool has_port)
{
    endpoint_jw(w, x, &h->addr, true, port, has_port, NULL);
}

static void finding_jw(ws_jw *w, const rctx *x, const ws_finding *f)
{
    char tbuf[8];
    ws_jw_obj_begin(w);
    key_str(w, "kind", ws_finding_kind_name(f->kind));
    key_str(w, "severity", ws_severity_name(f->severity));
    key_str(w, "rule", f->rule ? f->rule->id : NULL);
    key_str(w, "constraint", f->constraint ? f->constraint->id : NULL);
    key_str(w, "pack", f->pack ? f->pack->id : NULL);
    ws_jw_keylit(w, "src");
    host_jw(w, x, &f->src, f->sport, f->has_ports && f->kind != WS_FIND_MISSING_PATH);
    ws_jw_keylit(w, "dst");
    host_jw(w, x, &f->dst, f->dport, f->has_ports);
    key_str(w, "transport", ws_transport_name(f->proto, tbuf));
    key_str(w, "app", f->app);
    key_str(w, "message", f->message);
    /* Evidence keys are unique in an object: a key given twice keeps its
     * first place and takes its last value. */
    ws_jw_keylit(w, "evidence");
    ws_jw_obj_begin(w);
    for (size_t i = 0; i < f->n_ev; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(f->ev[j].key, f->ev[i].key) == 0;
        if (seen)
            continue;
        size_t last = i;
        for (size_t j = i + 1; j < f->n_ev; j++)
            if (strcmp(f->ev[j].key, f->ev[i].key) == 0)
                last = j;
        ws_jw_key(w, f->ev[i].key);
        if (f->ev[last].is_num)
            ws_jw_i64(w, f->ev[last].num);
        else
            ws_jw_str(w, f->ev[last].str);
    }
    ws_jw_obj_end(w);
    ws_jw_keylit(w, "first_seen");
    if (f->first_us)
        ws_jw_time(w, f->first_us);
    else
        ws_jw_null(w);
    ws_jw_keylit(w, "last_seen");
    if (f->last_us)
        ws_jw_time(w, f->last_us);
    else
        ws_jw_null(w);
    key_u64(w, "count", f->count);
    ws_jw_keylit(w, "flows");
    ws_jw_arr_begin(w);
    for (size_t i = 0; i < f->n_flows; i++)
        ws_jw_u64(w, f->flows[i]);
    ws_jw_arr_end(w);
    ws_jw_obj_end(w);
}

static void coverage_jw(ws_jw *w, const rctx *x, const ws_coverage *e)
{
    char tbuf[16], ports[sizeof(((dport_memo *)0)->text)];
    const ws_rule *r = e->rule;
    const char *dport = NULL;
    if (r->has_ports && x->dport) {
        /* Coverage entries come a rule at a time: its ports once. */
        if (x->dport->rule != r) {
            ws_portset_str(&r->dport, x->dport->text, sizeof(x->dport->text));
            x->dport->rule = r;
        }
        dport = x->dport->text;
    } else if (r->has_ports) {
        dport = ws_portset_str(&r->dport, ports, sizeof(ports));
    }
    ws_jw_obj_begin(w);
    key_str(w, "kind", "rule");
    key_str(w, "rule", r->id);
    key_str(w, "pack", r->pack->id);
    key_str(w, "requirement", ws_requirement_name(r->requirement));
    key_str(w, "transport", ws_rule_transport(r, tbuf, sizeof(tbuf)));
    key_str(w, "dport", dport);
    ws_jw_keylit(w, "src");
    host_jw(w, x, &e->a, 0, false);
    ws_jw_keylit(w, "dst");
    host_jw(w, x, &e->b, 0, false);
    key_str(w, "status", ws_cov_status_name(e->status));
    key_u64(w, "flows", e->ok + e->failed);
    key_u64(w, "failed_flows", e->failed);
    ws_jw_keylit(w, "example_flow");
    if (e->example)
        ws_jw_u64(w, e->example);
    else
        ws_jw_null(w);
    ws_jw_obj_end(w);
}

static void mesh_jw(ws_jw *w, const rctx *x, const ws_mesh *m)
{
    ws_jw_obj_begin(w);
    key_str(w, "kind", "full-mesh");
    key_str(w, "constraint", m->constraint->id);
    key_str(w, "pack", m->constraint->pack->id);
    ws_jw_keylit(w, "rules");
    ws_jw_arr_begin(w);
    for (size_t i = 0; i < m->constraint->n_rules; i++)
        ws_jw_str(w, m->constraint->rules[i]->id);
    ws_jw_arr_end(w);
    ws_jw_keylit(w, "hosts");
    ws_jw_arr_begin(w);
    for (size_t i = 0; i < m->n; i++)
        endpoint_jw(w, x, &m->hosts[i].addr, false, 0, false,
                    m->hosts[i].entry ? m->hosts[i].entry->location : NULL);
    ws_jw_arr_end(w);
    ws_jw_keylit(w, "matrix");
    ws_jw_arr_begin(w);
    for (size_t i = 0; i < m->n; i++) {
        ws_jw_arr_begin(w);
        for (size_t j = 0; j < m->n; j++)
            ws_jw_str(w, ws_cov_status_name((ws_cov_status)m->cell[i * m->n + j]));
        ws_jw_arr_end(w);
    }
    ws_jw_arr_end(w);
    ws_jw_obj_end(w);
}

/* The json-c object of what w holds (one value), then w cleared; NULL when
 * out of memory. The streamed text is the one definition of every record;
 * json-c keeps a number's text (times stay "%lld.%06lld"). */
static json_object *parsed(ws_jw *w)
{
    json_object *o = ws_jw_flush(w) ? json_tokener_parse(ws_jw_data(w, NULL)) : NULL;
    ws_jw_clear(w);
    return o;
}

json_object *ws_report_finding_json(const ws_run *run, const ws_finding *f)
{
    ws_jw *w = ws_jw_new(NULL);
    if (!w)
        return NULL;
    rctx x = {run, NULL, NULL, NULL};
    finding_jw(w, &x, f);
    json_object *o = parsed(w);
    ws_jw_free(w);
    return o;
}

json_object *ws_report_time_json(int64_t us)
{
    return jtime(us);
}

/* Item i of the findings and of the coverage (rule entries, then meshes). */
static void finding_item(ws_jw *w, const rctx *x, size_t i)
{
    ws_finding f;   /* the one finding written out at a time */
    finding_jw(w, x, ws_checker_finding(ws_run_checker(x->run), i, &f));
}

static void coverage_item(ws_jw *w, const rctx *x, size_t i)
{
    const ws_checker *c = ws_run_checker(x->run);
    const ws_coverage *cov;
    const ws_mesh *meshes;
    size_t ncov = ws_checker_coverage(c, &cov);
    ws_checker_meshes(c, &meshes);
    if (i < ncov)
        coverage_jw(w, x, &cov[i]);
    else
        mesh_jw(w, x, &meshes[i - ncov]);
}

typedef void (*item_fn)(ws_jw *w, const rctx *x, size_t i);

/* A json-c array of the n items, each streamed then parsed; false when out
 * of memory. */
static bool add_parsed(json_object *o, const char *key, ws_jw *w, const rctx *x,
                       size_t n, item_fn item)
{
    json_object *a = json_object_new_array();
    if (!a)
        return false;
    json_object_object_add(o, key, a);
    for (size_t i = 0; i < n; i++) {
        item(w, x, i);
        json_object *v = parsed(w);
        if (!v || json_object_array_add(a, v) != 0) {
            json_object_put(v);
            return false;
        }
    }
    return true;
}

static void flow_item(ws_jw *w, const rctx *x, size_t i)
{
    size_t n;
    flow_jw(w, x, &ws_run_flows(x->run, &n)[i]);
}

static void ike_item(ws_jw *w, const rctx *x, size_t i)
{
    size_t n;
    ike_sa_jw(w, &ws_run_ike_sas(x->run, &n)[i]);
}

/* The context of one report: a host cache sized for the host objects it
 * may write (two per record), none when memory is short (every host is
 * then rendered where it is written). */
static rctx rctx_open(const ws_run *run, size_t records, dport_memo *dport)
{
    dport->rule = NULL;
    rctx x = {run, NULL, NULL, dport};
    x.hosts = ws_hostcache_new(records < SIZE_MAX / 2 ? 2 * records : SIZE_MAX);
    x.scratch = ws_jw_new(NULL);
    if (!x.hosts || !x.scratch) {
        ws_hostcache_free(x.hosts);
        ws_jw_free(x.scratch);
        x.hosts = NULL;
        x.scratch = NULL;
    }
    return x;
}

static void rctx_close(rctx *x)
{
    ws_hostcache_free(x->hosts);
    ws_jw_free(x->scratch);
}

/* How many findings and coverage entries the report holds. */
static void counts(const ws_run *run, size_t *nf, size_t *nc)
{
    const ws_checker *c = ws_run_checker(run);
    const ws_coverage *cov;
    const ws_mesh *meshes;
    *nf = c ? ws_checker_findings_count(c) : 0;
    *nc = c ? ws_checker_coverage(c, &cov) + ws_checker_meshes(c, &meshes) : 0;
}

json_object *ws_report_json_object(const ws_run *run)
{
    size_t n, nsa, nf, nc;
    ws_run_flows(run, &n);
    ws_run_ike_sas(run, &nsa);
    counts(run, &nf, &nc);
    ws_jw *w = ws_jw_new(NULL);
    if (!w)
        return NULL;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "version", json_object_new_string(WS_VERSION));
    json_object_object_add(o, "inputs", inputs_json(run));
    json_object_object_add(o, "packs", packs_json(run));
    json_object_object_add(o, "site", site_json(run));
    json_object_object_add(o, "stats", stats_json(run, n));
    json_object_object_add(o, "limits", limits_json(run));
    dport_memo dm;
    rctx x = rctx_open(run, n + nf + nc, &dm);
    bool ok = add_parsed(o, "flows", w, &x, n, flow_item) &&
              add_parsed(o, "ike_sas", w, &x, nsa, ike_item) &&
              add_parsed(o, "findings", w, &x, nf, finding_item) &&
              add_parsed(o, "coverage", w, &x, nc, coverage_item);
    rctx_close(&x);
    ws_jw_free(w);
    if (!ok) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* The layout around the report's values: the JSON report (a key per line,
 * the items of flows, findings and coverage one per line) or one line (the
 * jsonl report line, after its "type" and "final"). */
typedef struct helper helper;
typedef struct layout {
    ws_jw *w;
    bool one_line;
    bool first;   /* no key written yet */
    const ws_report_split *split;  /* NULL: every array on this thread */
    helper *h;    /* the second thread's context, made for the first array
                     shared; NULL until then */
    size_t records;  /* items of the report (the host cache's size) */
} layout;

static void lkey(layout *l, const char *key)
{
    if (l->one_line) {
        ws_jw_raws(l->w, l->first ? "\"" : ",\"");
        ws_jw_raws(l->w, key);
        ws_jw_raws(l->w, "\":");
    } else {
        ws_jw_raws(l->w, l->first ? "  \"" : ",\n  \"");
        ws_jw_raws(l->w, key);
        ws_jw_raws(l->w, "\": ");
    }
    l->first = false;
}

/* A key and its value built by json-c (the parts that do not grow with the
 * capture), then the value released. */
static void lput(layout *l, const char *key, json_object *v)
{
    lkey(l, key);
    ws_jw_raws(l->w, json_object_to_json_string_ext(v, JSON_FLAGS));
    json_object_put(v);
}

/* Items from .. to-1 of an array, each after its separator (one per line
 * in the JSON report). */
static void items(ws_jw *w, bool one_line, item_fn item, const rctx *x, size_t from,
                  size_t to)
{
    for (size_t i = from; i < to; i++) {
        if (one_line)
            ws_jw_raws(w, i ? "," : "");
        else
            ws_jw_raws(w, i ? ",\n    " : "\n    ");
        item(w, x, i);
    }
}

/* ---- an array on two threads ----------------------------------------------
 * The calling thread formats the even chunks straight into the report's
 * writer; the helper thread formats the odd ones into its two buffers in
 * turn, and the calling thread writes each when its turn comes. An odd
 * chunk the helper has not started when its turn comes is formatted by the
 * calling thread, and the helper goes on after it; so is one the helper
 * has not finished split->wait_us after its turn came (the helper not
 * running, on a busy machine), and the helper's text of it dropped: the
 * calling thread waits at most that long a chunk for a helper that gets no
 * processor.
 * Memory: the helper waits while both its buffers are full, so besides the
 * writer's 64 KiB at most two chunks are held: with the default 1024 items
 * 0.45-0.9 MB of text each (a flow record is 550-600 bytes on the bench
 * capture, a finding about 900, a coverage entry about 440), in buffers
 * grown by doubling to 1 MiB each and kept for the report's arrays; plus
 * the helper's host cache, at most 1 MiB (hostcache.h). The peak RSS of an
 * audit of the 4M-packet bench capture stays 100.3 MiB. */

struct helper {
    rctx x;                  /* the helper's own host cache, scratch writer
                                and dport memo; the run is only read */
    dport_memo dm;
    ws_jw *buf[2];
    pthread_mutex_t mu;
    pthread_cond_t filled, emptied;
    /* under mu */
    size_t held[2];          /* the chunk buf[j] holds, or is being formatted
                                into it; SIZE_MAX: none */
    bool full[2];            /* buf[j] holds all of its chunk */
    bool dropped[2];         /* buf[j]'s chunk was formatted by the calling
                                thread: buf[j] is free once finished */
    size_t next;             /* the first odd chunk nobody has taken */
    bool stop;               /* the calling thread needs no more chunks */
    /* the array, set before the thread starts */
    bool one_line;
    item_fn item;
    size_t n, chunk, chunks;
    int64_t wait_ns;
};

static void helper_free(helper *h)
{
    if (!h)
        return;
    rctx_close(&h->x);
    ws_jw_free(h->buf[0]);
    ws_jw_free(h->buf[1]);
    pthread_cond_destroy(&h->filled);
    pthread_cond_destroy(&h->emptied);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

static helper *helper_new(const ws_run *run, size_t records)
{
    helper *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    if (pthread_mutex_init(&h->mu, NULL) != 0)
        goto no_mutex;
    /* The calling thread's wait for a chunk is timed on CLOCK_MONOTONIC. */
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        goto no_filled;
    bool made = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
                pthread_cond_init(&h->filled, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!made)
        goto no_filled;
    if (pthread_cond_init(&h->emptied, NULL) != 0)
        goto no_emptied;
    h->x = rctx_open(run, records, &h->dm);
    h->buf[0] = ws_jw_new(NULL);
    h->buf[1] = ws_jw_new(NULL);
    if (!h->buf[0] || !h->buf[1]) {
        helper_free(h);
        return NULL;
    }
    return h;
no_emptied:
    pthread_cond_destroy(&h->filled);
no_filled:
    pthread_mutex_destroy(&h->mu);
no_mutex:
    free(h);
    return NULL;
}

/* Items of chunk k, after their separators, into w. */
static void chunk_items(ws_jw *w, const helper *h, const rctx *x, size_t k)
{
    size_t from = k * h->chunk;
    items(w, h->one_line, h->item, x, from, h->n - from > h->chunk ? from + h->chunk : h->n);
}

/* The helper thread: the odd chunks nobody has taken, into buf[0], buf[1],
 * buf[0], ... */
static void *helper_main(void *arg)
{
    helper *h = arg;
    for (size_t j = 0;; j ^= 1) {
        pthread_mutex_lock(&h->mu);
        while (h->held[j] != SIZE_MAX && !h->stop)
            pthread_cond_wait(&h->emptied, &h->mu);
        size_t k = h->next;
        if (h->stop || k >= h->chunks) {
            pthread_mutex_unlock(&h->mu);
            break;
        }
        h->next = k + 2;
        h->held[j] = k;
        pthread_mutex_unlock(&h->mu);
        ws_jw_clear(h->buf[j]);
        chunk_items(h->buf[j], h, &h->x, k);
        pthread_mutex_lock(&h->mu);
        if (h->dropped[j]) {
            h->dropped[j] = false;
            h->held[j] = SIZE_MAX;
        } else {
            h->full[j] = true;
            pthread_cond_signal(&h->filled);
        }
        pthread_mutex_unlock(&h->mu);
    }
    return NULL;
}

/* Odd chunk k on the calling thread: the helper's buffer written, or the
 * chunk formatted here when the helper has not taken it, or not finished it
 * in time. */
static void odd_chunk(layout *l, helper *h, const rctx *x, size_t k)
{
    pthread_mutex_lock(&h->mu);
    if (h->next <= k) {
        h->next = k + 2;
        pthread_mutex_unlock(&h->mu);
        chunk_items(l->w, h, x, k);
        return;
    }
    size_t j = h->held[0] == k ? 0 : 1;
    if (!h->full[j]) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        int64_t ns = until.tv_nsec + h->wait_ns;
        until.tv_sec += (time_t)(ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        while (!h->full[j] && pthread_cond_timedwait(&h->filled, &h->mu, &until) == 0)
            ;
        if (!h->full[j]) {
            h->dropped[j] = true;
            pthread_mutex_unlock(&h->mu);
            chunk_items(l->w, h, x, k);
            return;
        }
    }
    pthread_mutex_unlock(&h->mu);
    size_t len;
    if (ws_jw_flush(h->buf[j])) {
        const char *d = ws_jw_data(h->buf[j], &len);
        ws_jw_block(l->w, d, len);
    } else {
        /* The helper ran out of memory: the chunk is formatted here. */
        chunk_items(l->w, h, x, k);
    }
    pthread_mutex_lock(&h->mu);
    h->held[j] = SIZE_MAX;
    h->full[j] = false;
    pthread_cond_signal(&h->emptied);
    pthread_mutex_unlock(&h->mu);
}

/* The n items of an array, shared with the helper thread; false (nothing
 * written) when the helper cannot be had. */
static bool items_shared(layout *l, item_fn item, const rctx *x, size_t n)
{
    if (!l->h && !(l->h = helper_new(x->run, l->records)))
        return false;
    helper *h = l->h;
    h->one_line = l->one_line;
    h->item = item;
    h->n = n;
    h->chunk = l->split->chunk ? l->split->chunk : 1;
    h->chunks = n / h->chunk + (n % h->chunk != 0);
    h->held[0] = h->held[1] = SIZE_MAX;
    h->full[0] = h->full[1] = false;
    h->dropped[0] = h->dropped[1] = false;
    h->wait_ns = l->split->wait_us < INT64_MAX / 1000 ? (int64_t)l->split->wait_us * 1000
                                                       : INT64_MAX / 2;
    h->next = 1;
    h->stop = false;
    pthread_t t;
    if (pthread_create(&t, NULL, helper_main, h) != 0)
        return false;
    for (size_t k = 0; k < h->chunks && !l->w->err; k++) {
        if (k % 2 == 0)
            chunk_items(l->w, h, x, k);
        else
            odd_chunk(l, h, x, k);
    }
    /* A write that failed left errno set for the caller. */
    int e = errno;
    pthread_mutex_lock(&h->mu);
    h->stop = true;
    pthread_cond_signal(&h->emptied);
    pthread_mutex_unlock(&h->mu);
    pthread_join(t, NULL);
    errno = e;
    return true;
}

/* A key and an array of n streamed items, one per line in the JSON report. */
static void lput_array(layout *l, const char *key, size_t n, item_fn item, const rctx *x)
{
    lkey(l, key);
    ws_jw_raw(l->w, "[", 1);
    if (!l->split || n < l->split->min_items || n < 2 || l->w->err ||
        !items_shared(l, item, x, n))
        items(l->w, l->one_line, item, x, 0, n);
    ws_jw_raws(l->w, n && !l->one_line ? "\n  ]" : "]");
}

/* Chunks of 1024 items: the JSON report of the 4M-packet bench capture
 * (172,129 flows, 11,422 findings, 46,755 coverage entries, 127 MB) to
 * /dev/null took 65.4 ms on one thread, 34.1 ms shared in chunks of 1024,
 * 34.6 ms in chunks of 256, 38.4 ms in chunks of 4096 (medians of 11 on an
 * idle two-processor machine). Arrays of 2048 items or more: on generated
 * bench captures sharing every array took 0.43 -> 0.51 ms with 999 flows,
 * 0.81 -> 0.69 ms with 1,999 and 1.52 -> 1.13 ms with 3,999 (the cost of
 * a thread and of its context, about 0.1 ms, against half the work). A
 * chunk of the helper's not finished a millisecond after its turn (about
 * three chunks of flow records' work) is taken over. */
const ws_report_split ws_report_split_default = {1024, 2048, 1000};

bool ws_report_json_stream_split(FILE *out, const ws_run *run, bool one_line, bool final,
                                 const ws_report_split *split)
{
    size_t n, nsa, nf, nc;
    ws_run_flows(run, &n);
    ws_run_ike_sas(run, &nsa);
    counts(run, &nf, &nc);
    layout l = {ws_jw_new(out), one_line, true, split, NULL, n + nf + nc};
    if (!l.w)
        return false;
    ws_jw *w = l.w;
    if (one_line) {
        ws_jw_raws(w, "{\"type\":\"report\",\"final\":");
        ws_jw_bool(w, final);
        l.first = false;
    } else {
        ws_jw_raws(w, "{\n");
    }
    lput(&l, "version", json_object_new_string(WS_VERSION));
    lput(&l, "inputs", inputs_json(run));
    lput(&l, "packs", packs_json(run));
    lput(&l, "site", site_json(run));
    lput(&l, "stats", stats_json(run, n));
    lput(&l, "limits", limits_json(run));
    dport_memo dm;
    rctx x = rctx_open(run, l.records, &dm);
    lput_array(&l, "flows", n, flow_item, &x);
    /* The IKE SAs stay on one line in either layout. */
    lkey(&l, "ike_sas");
    ws_jw_arr_begin(w);
    for (size_t i = 0; i < nsa; i++)
        ike_item(w, &x, i);
    ws_jw_arr_end(w);
    lput_array(&l, "findings", nf, finding_item, &x);
    lput_array(&l, "coverage", nc, coverage_item, &x);
    rctx_close(&x);
    ws_jw_raws(w, one_line ? "}\n" : "\n}\n");
    bool ok = ws_jw_flush(w);
    int e = errno;
    helper_free(l.h);
    ws_jw_free(w);
    errno = e;
    return ok && !ferror(out);
}

bool ws_report_json_stream(FILE *out, const ws_run *run, bool one_line, bool final)
{
    return ws_report_json_stream_split(out, run, one_line, final,
                                       ws_run_limits(run)->threads ? &ws_report_split_default
                                                                   : NULL);
}

bool ws_report_json(FILE *out, const ws_run *run)
{
    return ws_report_json_stream(out, run, false, true);
}

/* monitor.c - what a live run says while it goes on: an unexpected port on a
 * flow's first packet, every finding the checks store (new ones at once,
 * changes at the update interval), NAT from the IKE SAs so far, stats
 * lines, reports on request and at the end. Line formats: doc/live.md,
 * "Output lines"; JSON Lines: https://jsonlines.org/. */
#include "live.h"

#include <stdlib.h>
#include <string.h>

struct ws_monitor {
    ws_run *run;
    ws_monitor_opts o;
    FILE *out;
    ws_emit *emit;
    int64_t next_update_us;   /* 0: not yet set */
    int64_t next_stats_us;
    uint64_t frames;
    uint64_t write_errors;
    uint64_t ike_seen;        /* ike_packets when NAT was last looked at */
    ws_stats nat_stats;       /* what the NAT look-ahead store counts */
    bool finished;
};

static void wrote(ws_monitor *m, bool ok)
{
    if (!ok)
        m->write_errors++;
}

/* A flow's first packet: its unexpected port, when certain already. */
static void on_flow_start(const ws_flow *f, void *ctx)
{
    ws_monitor *m = ctx;
    ws_checker *c = ws_run_checker_mut(m->run);
    if (!c)
        return;
    ws_finding fd;
    if (!ws_checker_flow_start(c, f, &fd))
        return;
    if (ws_emit_check(m->emit, &fd, false) == WS_EMIT_NEW)
        wrote(m, ws_report_line_finding(m->out, m->o.fmt, m->run, &fd, "new", f->first_us));
}

ws_monitor *ws_monitor_new(ws_run *run, const ws_monitor_opts *o, FILE *out)
{
    ws_monitor *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->run = run;
    m->o = *o;
    m->out = out;
    m->emit = ws_emit_new(ws_run_limits(run));
    if (!m->emit) {
        free(m);
        return NULL;
    }
    ws_run_set_flow_start(run, on_flow_start, m);
    return m;
}

void ws_monitor_free(ws_monitor *m)
{
    if (!m)
        return;
    ws_run_set_flow_start(m->run, NULL, NULL);
    ws_emit_free(m->emit);
    free(m);
}

void ws_monitor_set_output(ws_monitor *m, FILE *out) { m->out = out; }
FILE *ws_monitor_output(const ws_monitor *m) { return m->out; }
uint64_t ws_monitor_write_errors(const ws_monitor *m) { return m->write_errors; }
uint64_t ws_monitor_frames(const ws_monitor *m) { return m->frames; }

void ws_monitor_frame(void *ctx, int dlt, const uint8_t *data, uint32_t caplen,
                      uint32_t wire_len, int64_t ts_us)
{
    ws_monitor *m = ctx;
    m->frames++;
    ws_run_frame(m->run, dlt, data, caplen, wire_len, ts_us);
}

typedef struct emit_ctx {
    ws_monitor *m;
    bool due;
    int64_t now_us;
} emit_ctx;

/* Emits a finding if it is new, or its changes when due. */
static void emit_one(const ws_finding *f, void *ctx)
{
    const emit_ctx *e = ctx;
    ws_emit_event ev = ws_emit_check(e->m->emit, f, e->due);
    if (ev != WS_EMIT_NONE)
        wrote(e->m, ws_report_line_finding(e->m->out, e->m->o.fmt, e->m->run, f,
                                           ws_emit_event_name(ev), e->now_us));
}

static void emit_findings(ws_monitor *m, int64_t now_us, bool due)
{
    ws_checker *c = ws_run_checker_mut(m->run);
    if (!c)
        return;
    emit_ctx e = {m, due, now_us};
    /* the findings stay compact while the run goes on */
    ws_checker_findings_each(c, emit_one, &e);
    if (m->finished)
        return; /* the NAT findings are in the checker's own now */
    /* NAT: what the end-of-run check would say of the SAs seen so far,
     * in a store of its own (the checker's gets them at the end); looked
     * at when IKE messages came since the last look, and when due. */
    uint64_t ike = ws_run_stats(m->run)->ike_packets;
    if (ike == m->ike_seen && !due)
        return;
    m->ike_seen = ike;
    size_t n_sas;
    ws_run_snapshot(m->run);
    const ws_ike_sa *sas = ws_run_ike_sas(m->run, &n_sas);
    if (!n_sas)
        return;
    ws_findings *nat = ws_findings_new(ws_run_limits(m->run), &m->nat_stats);
    if (!nat)
        return;
    ws_checker_nat_now(c, sas, n_sas, nat);
    ws_findings_each(nat, emit_one, &e);
    ws_findings_free(nat);
}

static void stats_line(ws_monitor *m, int64_t now_us, const ws_iface_stats *ifs, size_t n_ifs)
{
    wrote(m, ws_report_line_stats(m->out, m->o.fmt, m->run, now_us, ifs, n_ifs));
}

void ws_monitor_tick(ws_monitor *m, int64_t now_us, const ws_iface_stats *ifs, size_t n_ifs)
{
    if (m->finished)
        return;
    ws_run_tick(m->run, now_us);
    if (!m->next_update_us)
        m->next_update_us = now_us + m->o.update_interval_us;
    if (!m->next_stats_us)
        m->next_stats_us = now_us + m->o.stats_interval_us;
    bool due = now_us >= m->next_update_us;
    if (due)
        m->next_update_us = now_us + m->o.update_interval_us;
    emit_findings(m, now_us, due);
    if (m->o.stats_interval_us > 0 && now_us >= m->next_stats_us) {
        m->next_stats_us = now_us + m->o.stats_interval_us;
        stats_line(m, now_us, ifs, n_ifs);
    }
}

void ws_monitor_flush(ws_monitor *m, int64_t now_us)
{
    emit_findings(m, now_us, true);
}

void ws_monitor_checks_replacing(ws_monitor *m, int64_t now_us)
{
    ws_monitor_flush(m, now_us);
    ws_run_clear_flows(m->run);
    ws_emit_clear(m->emit);
}

void ws_monitor_dump(ws_monitor *m, int64_t now_us)
{
    ws_monitor_flush(m, now_us);
    ws_run_snapshot(m->run);
    ws_checker *c = ws_run_checker_mut(m->run);
    if (c)
        ws_checker_sort(c);
    wrote(m, ws_report_write_live(m->out, m->o.fmt, m->run, m->finished));
}

void ws_monitor_finish(ws_monitor *m, int64_t now_us, const ws_iface_stats *ifs, size_t n_ifs)
{
    if (!m->finished) {
        ws_run_finish(m->run);
        m->finished = true;
        ws_monitor_flush(m, now_us);
        if (m->o.stats_interval_us > 0)
            stats_line(m, now_us, ifs, n_ifs);
    }
    wrote(m, ws_report_write_live(m->out, m->o.fmt, m->run, true));
}

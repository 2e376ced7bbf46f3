/* findings.c - findings grouped per (kind, rule, source host, destination
 * host, port), as DESIGN.md's finding contract wants them: one finding with
 * a count and example flows, not one per packet. */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct ws_findings {
    const ws_limits *limits;
    ws_stats *stats;
    ws_finding *v;
    size_t n, cap;
    uint32_t *index;     /* open addressing: 0 free, else position + 1 */
    size_t icap;
};

const char *ws_finding_kind_name(ws_finding_kind k)
{
    switch (k) {
    case WS_FIND_UNEXPECTED_PORT: return "unexpected-port";
    case WS_FIND_UNEXPECTED_APP: return "unexpected-application";
    case WS_FIND_BLOCKED_PATH: return "blocked-path";
    case WS_FIND_NAT: return "nat-between-nodes";
    case WS_FIND_MISSING_PATH: return "missing-mandatory-path";
    }
    return "?";
}

const char *ws_severity_name(ws_severity s)
{
    switch (s) {
    case WS_SEV_INFO: return "info";
    case WS_SEV_LOW: return "low";
    case WS_SEV_MEDIUM: return "medium";
    case WS_SEV_HIGH: return "high";
    }
    return "?";
}

bool ws_severity_parse(const char *s, int *out)
{
    static const char *const names[] = {"info", "low", "medium", "high", "none"};
    for (int i = 0; i < 5; i++)
        if (!strcasecmp(s, names[i])) {
            *out = i;
            return true;
        }
    return false;
}

void ws_finding_message(ws_finding *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof(f->message), fmt, ap);
    va_end(ap);
}

void ws_finding_append(ws_finding *f, const char *fmt, ...)
{
    size_t used = strlen(f->message);
    if (used + 1 >= sizeof(f->message))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message + used, sizeof(f->message) - used, fmt, ap);
    va_end(ap);
}

void ws_finding_str(ws_finding *f, const char *key, const char *value)
{
    if (f->n_ev >= WS_EVIDENCE_MAX)
        return;
    ws_evidence *e = &f->ev[f->n_ev++];
    e->key = key;
    e->is_num = false;
    snprintf(e->str, sizeof(e->str), "%s", value);
}

void ws_finding_num(ws_finding *f, const char *key, int64_t value)
{
    if (f->n_ev >= WS_EVIDENCE_MAX)
        return;
    ws_evidence *e = &f->ev[f->n_ev++];
    e->key = key;
    e->is_num = true;
    e->num = value;
}

ws_findings *ws_findings_new(const ws_limits *limits, ws_stats *stats)
{
    ws_findings *fs = calloc(1, sizeof(*fs));
    if (!fs)
        return NULL;
    fs->limits = limits;
    fs->stats = stats;
    return fs;
}

void ws_findings_free(ws_findings *fs)
{
    if (!fs)
        return;
    free(fs->v);
    free(fs->index);
    free(fs);
}

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static uint64_t key_hash(const ws_finding *f)
{
    uint64_t h = 14695981039346656037ULL;
    uint8_t k = (uint8_t)f->kind;
    h = mix(h, &k, 1);
    h = mix(h, &f->rule, sizeof(f->rule));
    h = mix(h, &f->constraint, sizeof(f->constraint));
    h = mix(h, &f->src.addr, sizeof(f->src.addr));
    h = mix(h, &f->dst.addr, sizeof(f->dst.addr));
    h = mix(h, &f->proto, 1);
    h = mix(h, &f->dport, sizeof(f->dport));
    return h;
}

static bool same_key(const ws_finding *a, const ws_finding *b)
{
    return a->kind == b->kind && a->rule == b->rule && a->constraint == b->constraint &&
           ws_addr_eq(&a->src.addr, &b->src.addr) && ws_addr_eq(&a->dst.addr, &b->dst.addr) &&
           a->proto == b->proto && a->dport == b->dport;
}

static bool reindex(ws_findings *fs, size_t icap)
{
    uint32_t *idx = calloc(icap, sizeof(*idx));
    if (!idx)
        return false;
    for (size_t i = 0; i < fs->n; i++) {
        size_t j = key_hash(&fs->v[i]) & (icap - 1);
        while (idx[j])
            j = (j + 1) & (icap - 1);
        idx[j] = (uint32_t)(i + 1);
    }
    free(fs->index);
    fs->index = idx;
    fs->icap = icap;
    return true;
}

static void merge(ws_finding *g, const ws_finding *f)
{
    g->count += f->count;
    if (f->first_us < g->first_us)
        g->first_us = f->first_us;
    if (f->last_us > g->last_us)
        g->last_us = f->last_us;
    if (f->severity > g->severity) {
        /* the worst example speaks for the group */
        g->severity = f->severity;
        memcpy(g->message, f->message, sizeof(g->message));
        memcpy(g->ev, f->ev, sizeof(g->ev));
        g->n_ev = f->n_ev;
    }
    for (size_t i = 0; i < f->n_flows && g->n_flows < WS_FINDING_EXAMPLES; i++)
        g->flows[g->n_flows++] = f->flows[i];
}

void ws_findings_add(ws_findings *fs, const ws_finding *f)
{
    if (fs->icap && (fs->n + 1) * 2 > fs->icap && !reindex(fs, fs->icap * 2)) {
        fs->stats->findings_dropped++;
        return;
    }
    if (!fs->icap && !reindex(fs, 64)) {
        fs->stats->findings_dropped++;
        return;
    }
    size_t j = key_hash(f) & (fs->icap - 1);
    while (fs->index[j]) {
        ws_finding *g = &fs->v[fs->index[j] - 1];
        if (same_key(g, f)) {
            merge(g, f);
            return;
        }
        j = (j + 1) & (fs->icap - 1);
    }
    if (fs->n >= fs->limits->max_findings) {
        fs->stats->findings_dropped++;
        return;
    }
    if (fs->n == fs->cap) {
        size_t cap = fs->cap ? fs->cap * 2 : 64;
        ws_finding *v = realloc(fs->v, cap * sizeof(*v));
        if (!v) {
            fs->stats->findings_dropped++;
            return;
        }
        fs->v = v;
        fs->cap = cap;
    }
    fs->v[fs->n] = *f;
    fs->index[j] = (uint32_t)(++fs->n);
}

static int cmp_finding(const void *a, const void *b)
{
    const ws_finding *x = a, *y = b;
    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->first_us != y->first_us)
        return x->first_us < y->first_us ? -1 : 1;
    int c = ws_addr_cmp(&x->src.addr, &y->src.addr);
    if (c)
        return c;
    c = ws_addr_cmp(&x->dst.addr, &y->dst.addr);
    if (c)
        return c;
    return (x->dport > y->dport) - (x->dport < y->dport);
}

void ws_findings_sort(ws_findings *fs)
{
    if (fs->n)
        qsort(fs->v, fs->n, sizeof(*fs->v), cmp_finding);
    reindex(fs, fs->icap ? fs->icap : 64);
}

size_t ws_findings_get(const ws_findings *fs, const ws_finding **out)
{
    *out = fs->v;
    return fs->n;
}

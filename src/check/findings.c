/* findings.c - findings grouped per (kind, rule, source host, destination
 * host, port), as DESIGN.md's finding contract wants them: one finding with
 * a count and example flows, not one per packet. */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * A group is kept compact for the whole run: a ws_finding is about 3 KB,
 * most of it room for the message and twelve evidence strings that are
 * seldom used, and a capture with thousands of failing endpoints makes
 * thousands of groups. The message and evidence live in one allocation of
 * the size they need (text). Sorting moves the compact groups; a reader
 * has one group at a time written out as a ws_finding (ws_findings_at), so
 * the report of 100,000 groups never holds them all in full.
 */
typedef struct group {
    ws_finding_kind kind;
    ws_severity severity;
    const ws_rule *rule;
    const ws_constraint *constraint;
    const ws_pack *pack;
    ws_host src, dst;
    uint16_t sport, dport;
    bool has_ports;
    uint8_t proto;
    const char *app;
    char *text;          /* message, then n_ev evidence entries (pack_text),
                            in the texts' chunks */
    size_t n_ev;
    uint64_t count;
    int64_t first_us, last_us;
    uint64_t flows[WS_FINDING_EXAMPLES];
    size_t n_flows;
    size_t seq;          /* position before a sort: ties keep their order */
} group;

/* The groups' texts, one after another in chunks freed together with the
 * findings: thousands of groups do not make thousands of allocations to
 * make and free. A text replaced (a worse example joined its group: at
 * most three times a group, severities being four) stays in its chunk
 * until then. */
typedef struct text_chunk {
    struct text_chunk *next;
    size_t used, cap;
    char data[];
} text_chunk;

/* A first chunk small (a live run's findings of the moment are few), the
 * next ones twice the last, up to TEXT_CHUNK_MAX (or one text's length). */
#define TEXT_CHUNK_MIN 2048
#define TEXT_CHUNK_MAX 65536

struct ws_findings {
    const ws_limits *limits;
    ws_stats *stats;
    text_chunk *texts;   /* the newest chunk first */
    group *g;
    size_t n, cap;
    ws_finding *snap;    /* ws_findings_get's array (tests), or NULL */
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
    for (text_chunk *t = fs->texts, *next; t; t = next) {
        next = t->next;
        free(t);
    }
    free(fs->g);
    free(fs->snap);
    free(fs->index);
    free(fs);
}

/* ---- compact text ------------------------------------------------------ */

/* Evidence entry in text: key pointer, is_num byte, num, str with its NUL. */
#define EV_FIXED (sizeof(const char *) + 1 + sizeof(int64_t))

static size_t str_len(const char *s, size_t max)
{
    const char *e = memchr(s, '\0', max);
    return e ? (size_t)(e - s) : max - 1;
}

/* len bytes in the newest chunk of texts, or in a new one; NULL on ENOMEM. */
static char *text_alloc(ws_findings *fs, size_t len)
{
    text_chunk *t = fs->texts;
    if (!t || t->cap - t->used < len) {
        size_t cap = t ? t->cap * 2 : TEXT_CHUNK_MIN;
        if (cap > TEXT_CHUNK_MAX)
            cap = TEXT_CHUNK_MAX;
        if (cap < len)
            cap = len;
        text_chunk *n = malloc(sizeof(*n) + cap);
        if (!n)
            return NULL;
        n->next = t;
        n->used = 0;
        n->cap = cap;
        fs->texts = t = n;
    }
    char *p = t->data + t->used;
    t->used += len;
    return p;
}

/* The message and evidence of f, one after the other in fs's texts; NULL
 * on ENOMEM. */
static char *pack_text(ws_findings *fs, const ws_finding *f)
{
    size_t n_ev = f->n_ev < WS_EVIDENCE_MAX ? f->n_ev : WS_EVIDENCE_MAX;
    size_t len = str_len(f->message, sizeof(f->message)) + 1;
    for (size_t i = 0; i < n_ev; i++)
        len += EV_FIXED + str_len(f->ev[i].str, sizeof(f->ev[i].str)) + 1;
    char *t = text_alloc(fs, len), *p = t;
    if (!t)
        return NULL;
    size_t m = str_len(f->message, sizeof(f->message));
    memcpy(p, f->message, m);
    p[m] = '\0';
    p += m + 1;
    for (size_t i = 0; i < n_ev; i++) {
        const ws_evidence *e = &f->ev[i];
        memcpy(p, &e->key, sizeof(e->key));
        p += sizeof(e->key);
        *p++ = (char)e->is_num;
        memcpy(p, &e->num, sizeof(e->num));
        p += sizeof(e->num);
        size_t k = str_len(e->str, sizeof(e->str));
        memcpy(p, e->str, k);
        p[k] = '\0';
        p += k + 1;
    }
    return t;
}

static void unpack_text(const group *g, ws_finding *f)
{
    const char *p = g->text;
    size_t m = strlen(p);
    memcpy(f->message, p, m + 1);
    p += m + 1;
    f->n_ev = g->n_ev;
    for (size_t i = 0; i < g->n_ev; i++) {
        ws_evidence *e = &f->ev[i];
        memcpy(&e->key, p, sizeof(e->key));
        p += sizeof(e->key);
        e->is_num = *p++ != 0;
        memcpy(&e->num, p, sizeof(e->num));
        p += sizeof(e->num);
        size_t k = strlen(p);
        memcpy(e->str, p, k + 1);
        p += k + 1;
    }
}

/* The compact group of f (text allocated); false on ENOMEM. */
static bool to_group(ws_findings *fs, group *g, const ws_finding *f)
{
    g->text = pack_text(fs, f);
    if (!g->text)
        return false;
    g->kind = f->kind;
    g->severity = f->severity;
    g->rule = f->rule;
    g->constraint = f->constraint;
    g->pack = f->pack;
    g->src = f->src;
    g->dst = f->dst;
    g->sport = f->sport;
    g->dport = f->dport;
    g->has_ports = f->has_ports;
    g->proto = f->proto;
    g->app = f->app;
    g->n_ev = f->n_ev < WS_EVIDENCE_MAX ? f->n_ev : WS_EVIDENCE_MAX;
    g->count = f->count;
    g->first_us = f->first_us;
    g->last_us = f->last_us;
    g->n_flows = f->n_flows < WS_FINDING_EXAMPLES ? f->n_flows : WS_FINDING_EXAMPLES;
    memcpy(g->flows, f->flows, sizeof(g->flows));
    return true;
}

/* Every member of f is set; of the arrays, the message up to its NUL, the
 * n_ev evidence entries and the example flows (3 KB are not cleared for a
 * few hundred bytes of words). */
static void from_group(ws_finding *f, const group *g)
{
    f->kind = g->kind;
    f->severity = g->severity;
    f->rule = g->rule;
    f->constraint = g->constraint;
    f->pack = g->pack;
    f->src = g->src;
    f->dst = g->dst;
    f->sport = g->sport;
    f->dport = g->dport;
    f->has_ports = g->has_ports;
    f->proto = g->proto;
    f->app = g->app;
    f->count = g->count;
    f->first_us = g->first_us;
    f->last_us = g->last_us;
    memcpy(f->flows, g->flows, sizeof(f->flows));
    f->n_flows = g->n_flows;
    unpack_text(g, f);
}

/* ---- grouping ----------------------------------------------------------- */

/* One word into the hash (the multiply-xorshift of SplitMix64). */
static uint64_t mix(uint64_t h, uint64_t v)
{
    h = (h ^ v) * 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 31);
}

static uint64_t mix_addr(uint64_t h, const ws_addr *a)
{
    uint64_t x, y;
    memcpy(&x, a->b, 8);
    memcpy(&y, a->b + 8, 8);
    return mix(mix(mix(h, a->family), x), y);
}

/* What a group is known by. */
typedef struct gkey {
    ws_finding_kind kind;
    const ws_rule *rule;
    const ws_constraint *constraint;
    const ws_addr *src, *dst;
    uint8_t proto;
    uint16_t dport;
} gkey;

static gkey key_of_finding(const ws_finding *f)
{
    return (gkey){f->kind, f->rule, f->constraint, &f->src.addr, &f->dst.addr, f->proto, f->dport};
}

static gkey key_at(const ws_findings *fs, size_t i)
{
    const group *g = &fs->g[i];
    return (gkey){g->kind, g->rule, g->constraint, &g->src.addr, &g->dst.addr, g->proto, g->dport};
}

static uint64_t key_hash(const gkey *k)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    h = mix(h, (uint64_t)k->kind << 24 | (uint64_t)k->proto << 16 | k->dport);
    h = mix(h, (uint64_t)(uintptr_t)k->rule);
    h = mix(h, (uint64_t)(uintptr_t)k->constraint);
    h = mix_addr(h, k->src);
    h = mix_addr(h, k->dst);
    return h * 0x94d049bb133111ebULL;
}

static inline bool addr_same(const ws_addr *x, const ws_addr *y)
{
    return x->family == y->family && !memcmp(x->b, y->b, sizeof(x->b));
}

static bool same_key(const gkey *a, const gkey *b)
{
    return a->kind == b->kind && a->rule == b->rule && a->constraint == b->constraint &&
           addr_same(a->src, b->src) && addr_same(a->dst, b->dst) &&
           a->proto == b->proto && a->dport == b->dport;
}

static bool reindex(ws_findings *fs, size_t icap)
{
    uint32_t *idx = calloc(icap, sizeof(*idx));
    if (!idx)
        return false;
    for (size_t i = 0; i < fs->n; i++) {
        gkey k = key_at(fs, i);
        size_t j = key_hash(&k) & (icap - 1);
        while (idx[j])
            j = (j + 1) & (icap - 1);
        idx[j] = (uint32_t)(i + 1);
    }
    free(fs->index);
    fs->index = idx;
    fs->icap = icap;
    return true;
}

static void merge_times(uint64_t *count, int64_t *first, int64_t *last, uint64_t *flows,
                        size_t *n_flows, const ws_finding *f)
{
    *count += f->count;
    if (f->first_us < *first)
        *first = f->first_us;
    if (f->last_us > *last)
        *last = f->last_us;
    for (size_t i = 0; i < f->n_flows && *n_flows < WS_FINDING_EXAMPLES; i++)
        flows[(*n_flows)++] = f->flows[i];
}

static void merge_group(ws_findings *fs, group *g, const ws_finding *f)
{
    if (f->severity > g->severity) {
        char *text = pack_text(fs, f);
        if (!text) {
            fs->stats->findings_dropped++;
            return;
        }
        g->text = text;
        g->severity = f->severity;
        g->n_ev = f->n_ev < WS_EVIDENCE_MAX ? f->n_ev : WS_EVIDENCE_MAX;
    }
    merge_times(&g->count, &g->first_us, &g->last_us, g->flows, &g->n_flows, f);
}

bool ws_findings_merge_known(ws_findings *fs, const ws_finding *f)
{
    if (!fs->icap)
        return false;
    gkey k = key_of_finding(f);
    for (size_t j = key_hash(&k) & (fs->icap - 1); fs->index[j]; j = (j + 1) & (fs->icap - 1)) {
        size_t i = fs->index[j] - 1;
        gkey o = key_at(fs, i);
        if (!same_key(&o, &k))
            continue;
        group *g = &fs->g[i];
        if (f->severity > g->severity)
            return false;
        merge_times(&g->count, &g->first_us, &g->last_us, g->flows, &g->n_flows, f);
        return true;
    }
    return false;
}

/* Room for one more group. */
static bool grow(ws_findings *fs)
{
    if (fs->n < fs->cap)
        return true;
    size_t cap = fs->cap ? fs->cap * 2 : 64;
    group *g = realloc(fs->g, cap * sizeof(*g));
    if (!g)
        return false;
    fs->g = g;
    fs->cap = cap;
    return true;
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
    gkey k = key_of_finding(f);
    size_t j = key_hash(&k) & (fs->icap - 1);
    while (fs->index[j]) {
        size_t i = fs->index[j] - 1;
        gkey o = key_at(fs, i);
        if (same_key(&o, &k)) {
            merge_group(fs, &fs->g[i], f);
            return;
        }
        j = (j + 1) & (fs->icap - 1);
    }
    if (fs->n >= fs->limits->max_findings || !grow(fs)) {
        fs->stats->findings_dropped++;
        return;
    }
    if (!to_group(fs, &fs->g[fs->n], f)) {
        fs->stats->findings_dropped++;
        return;
    }
    fs->index[j] = (uint32_t)(++fs->n);
}

/* Worst first: severity, then kind, then first seen, then the addresses and
 * port; groups alike in all of these keep the order they had (the order of
 * a stable sort, whatever the C library's qsort is). */
static int cmp_group(const void *a, const void *b)
{
    const group *x = a, *y = b;
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
    if (x->dport != y->dport)
        return x->dport < y->dport ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

void ws_findings_sort(ws_findings *fs)
{
    if (!fs->n)
        return;
    for (size_t i = 0; i < fs->n; i++)
        fs->g[i].seq = i;
    qsort(fs->g, fs->n, sizeof(*fs->g), cmp_group);
    reindex(fs, fs->icap ? fs->icap : 64);
}

size_t ws_findings_count(const ws_findings *fs)
{
    return fs->n;
}

const ws_finding *ws_findings_at(const ws_findings *fs, size_t i, ws_finding *buf)
{
    from_group(buf, &fs->g[i]);
    return buf;
}

ws_severity ws_findings_severity_at(const ws_findings *fs, size_t i)
{
    return fs->g[i].severity;
}

size_t ws_findings_get(const ws_findings *fs, const ws_finding **out)
{
    /* fs was allocated writable by ws_findings_new: the array is a copy
     * kept with it, the groups stay as they are. */
    ws_findings *w = (ws_findings *)fs;
    free(w->snap);
    w->snap = NULL;
    *out = NULL;
    if (!fs->n)
        return 0;
    w->snap = malloc(fs->n * sizeof(*w->snap));
    if (!w->snap)
        return 0;
    for (size_t i = 0; i < fs->n; i++)
        from_group(&w->snap[i], &fs->g[i]);
    *out = w->snap;
    return fs->n;
}

void ws_findings_each(const ws_findings *fs, ws_finding_fn fn, void *ctx)
{
    /* one group at a time, written out into one ws_finding */
    ws_finding f;
    for (size_t i = 0; i < fs->n; i++) {
        from_group(&f, &fs->g[i]);
        fn(&f, ctx);
    }
}

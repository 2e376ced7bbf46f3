/* emit.c - what a stream of findings has already said, per finding group,
 * so that a live run emits a group once when it appears and then only its
 * changes (doc/live.md, "JSON lines"). Groups are keyed as findings.c
 * groups them: kind, rule or constraint, source and destination address,
 * transport, destination port. */
#include "check.h"

#include <stdlib.h>
#include <string.h>

typedef struct emitted {
    ws_finding_kind kind;
    const ws_rule *rule;
    const ws_constraint *constraint;
    ws_addr src, dst;
    uint8_t proto;
    uint16_t dport;
    bool used;
    ws_severity severity;
    uint64_t count;
    int64_t first_us, last_us;
} emitted;

struct ws_emit {
    const ws_limits *limits;
    emitted *slot;           /* open addressing */
    size_t cap, used;
};

ws_emit *ws_emit_new(const ws_limits *limits)
{
    ws_emit *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->limits = limits;
    return e;
}

void ws_emit_free(ws_emit *e)
{
    if (!e)
        return;
    free(e->slot);
    free(e);
}

void ws_emit_clear(ws_emit *e)
{
    free(e->slot);
    e->slot = NULL;
    e->cap = e->used = 0;
}

size_t ws_emit_count(const ws_emit *e) { return e->used; }

const char *ws_emit_event_name(ws_emit_event ev)
{
    switch (ev) {
    case WS_EMIT_NEW: return "new";
    case WS_EMIT_UPDATE: return "update";
    case WS_EMIT_NONE: return "none";
    }
    return "?";
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

static uint64_t hash_of(ws_finding_kind kind, const ws_rule *rule, const ws_constraint *k,
                        const ws_addr *src, const ws_addr *dst, uint8_t proto, uint16_t dport)
{
    uint64_t h = 14695981039346656037ULL;
    uint8_t kb = (uint8_t)kind;
    h = mix(h, &kb, 1);
    h = mix(h, &rule, sizeof(rule));
    h = mix(h, &k, sizeof(k));
    h = mix(h, src, sizeof(*src));
    h = mix(h, dst, sizeof(*dst));
    h = mix(h, &proto, 1);
    h = mix(h, &dport, sizeof(dport));
    return h ^ (h >> 31);
}

static uint64_t slot_hash(const emitted *s)
{
    return hash_of(s->kind, s->rule, s->constraint, &s->src, &s->dst, s->proto, s->dport);
}

static bool same(const emitted *s, const ws_finding *f)
{
    return s->kind == f->kind && s->rule == f->rule && s->constraint == f->constraint &&
           ws_addr_eq(&s->src, &f->src.addr) && ws_addr_eq(&s->dst, &f->dst.addr) &&
           s->proto == f->proto && s->dport == f->dport;
}

static bool grow(ws_emit *e)
{
    size_t cap = e->cap ? e->cap * 2 : 64;
    emitted *slot = calloc(cap, sizeof(*slot));
    if (!slot)
        return false;
    for (size_t i = 0; i < e->cap; i++) {
        if (!e->slot[i].used)
            continue;
        size_t j = slot_hash(&e->slot[i]) & (cap - 1);
        while (slot[j].used)
            j = (j + 1) & (cap - 1);
        slot[j] = e->slot[i];
    }
    free(e->slot);
    e->slot = slot;
    e->cap = cap;
    return true;
}

static void remember(emitted *s, const ws_finding *f)
{
    s->severity = f->severity;
    s->count = f->count;
    s->first_us = f->first_us;
    s->last_us = f->last_us;
}

ws_emit_event ws_emit_check(ws_emit *e, const ws_finding *f, bool updates_due)
{
    if (e->cap) {
        size_t j = hash_of(f->kind, f->rule, f->constraint, &f->src.addr, &f->dst.addr,
                           f->proto, f->dport) & (e->cap - 1);
        while (e->slot[j].used) {
            emitted *s = &e->slot[j];
            if (same(s, f)) {
                bool changed = s->severity != f->severity || s->count != f->count ||
                               s->first_us != f->first_us || s->last_us != f->last_us;
                if (!changed || !updates_due)
                    return WS_EMIT_NONE;
                remember(s, f);
                return WS_EMIT_UPDATE;
            }
            j = (j + 1) & (e->cap - 1);
        }
    }
    if (e->used >= 2 * (size_t)e->limits->max_findings ||
        ((e->used + 1) * 2 > e->cap && !grow(e)))
        return WS_EMIT_NONE; /* the store has counted its own drops by then */
    size_t j = hash_of(f->kind, f->rule, f->constraint, &f->src.addr, &f->dst.addr, f->proto,
                       f->dport) & (e->cap - 1);
    while (e->slot[j].used)
        j = (j + 1) & (e->cap - 1);
    emitted *s = &e->slot[j];
    s->used = true;
    s->kind = f->kind;
    s->rule = f->rule;
    s->constraint = f->constraint;
    s->src = f->src.addr;
    s->dst = f->dst.addr;
    s->proto = f->proto;
    s->dport = f->dport;
    remember(s, f);
    e->used++;
    return WS_EMIT_NEW;
}

/* test_check_findings_store.c - ws_findings keeps what was added: a group's
 * message and every evidence entry (text and numbers, at full length), the
 * worst example's words when a worse one joins, and grouping that goes on
 * the same after the findings have been read or sorted.
 * specification: src/check/check.h (ws_findings_add, ws_findings_sort,
 * ws_findings_at, ws_findings_get, ws_findings_merge_known), DESIGN.md (finding: message,
 * evidence, count). */
#include <string.h>

#include "check/check.h"
#include "ws_test.h"

static ws_finding make(uint8_t last_octet, uint16_t dport, ws_severity sev, const char *msg,
                       int64_t t)
{
    ws_finding f;
    memset(&f, 0, sizeof(f));
    f.kind = WS_FIND_BLOCKED_PATH;
    f.severity = sev;
    ws_addr_parse("192.0.2.1", &f.src.addr);
    uint8_t b[4] = {198, 51, 100, last_octet};
    ws_addr_set4(&f.dst.addr, b);
    f.proto = 6;
    f.dport = dport;
    f.count = 1;
    f.first_us = f.last_us = t;
    f.flows[0] = (uint64_t)t;
    f.n_flows = 1;
    ws_finding_message(&f, "%s", msg);
    return f;
}

typedef struct store {
    ws_limits lim;
    ws_stats st;
    ws_findings *fs;
} store;

static void open_store(store *s)
{
    ws_limits_default(&s->lim);
    memset(&s->st, 0, sizeof(s->st));
    s->fs = ws_findings_new(&s->lim, &s->st);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s->fs);
}

/* Evidence at full length, numbers and text, message up to its last byte. */
static void test_evidence_round_trip(void)
{
    store s;
    open_store(&s);
    char long_msg[sizeof(((ws_finding *)0)->message) + 10];
    memset(long_msg, 'm', sizeof(long_msg) - 1);
    long_msg[sizeof(long_msg) - 1] = '\0';
    ws_finding f = make(1, 443, WS_SEV_HIGH, long_msg, 10);
    char long_ev[300];
    memset(long_ev, 'e', sizeof(long_ev) - 1);
    long_ev[sizeof(long_ev) - 1] = '\0';
    for (int i = 0; i < WS_EVIDENCE_MAX + 2; i++) {
        if (i % 2)
            ws_finding_num(&f, "number", -1234567890123LL * i);
        else
            ws_finding_str(&f, i == 0 ? "long" : "text", i == 0 ? long_ev : "");
    }
    CU_ASSERT_EQUAL_FATAL(f.n_ev, WS_EVIDENCE_MAX);
    ws_finding want = f;
    ws_findings_add(s.fs, &f);
    const ws_finding *v;
    CU_ASSERT_EQUAL_FATAL(ws_findings_get(s.fs, &v), 1);
    CU_ASSERT_EQUAL(strlen(v->message), sizeof(v->message) - 1);
    CU_ASSERT_STRING_EQUAL(v->message, want.message);
    CU_ASSERT_EQUAL_FATAL(v->n_ev, WS_EVIDENCE_MAX);
    for (size_t i = 0; i < WS_EVIDENCE_MAX; i++) {
        CU_ASSERT_STRING_EQUAL(v->ev[i].key, want.ev[i].key);
        CU_ASSERT_EQUAL(v->ev[i].is_num, want.ev[i].is_num);
        if (want.ev[i].is_num) {
            CU_ASSERT_EQUAL(v->ev[i].num, want.ev[i].num);
        } else {
            CU_ASSERT_STRING_EQUAL(v->ev[i].str, want.ev[i].str);
        }
    }
    CU_ASSERT_EQUAL(strlen(v->ev[0].str), sizeof(v->ev[0].str) - 1);
    ws_findings_free(s.fs);
}

/* Thousands of groups, each made low then worsened twice: every group
 * reads back with the words of its worst example, whole, however many
 * texts were kept before it and replaced since. */
static void test_many_groups_worsened(void)
{
    enum { N = 3000 };
    store s;
    open_store(&s);
    static const ws_severity sev[] = {WS_SEV_LOW, WS_SEV_MEDIUM, WS_SEV_HIGH};
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < N; i++) {
            char msg[64];
            snprintf(msg, sizeof(msg), "group %d, round %d", i, round);
            ws_finding f = make((uint8_t)(i % 250 + 1), (uint16_t)(1000 + i), sev[round], msg,
                                i + round);
            ws_finding_str(&f, "round", round == 2 ? "worst" : "not yet");
            ws_finding_num(&f, "group", i);
            if (i % 100 == 0) { /* now and then a text of full length */
                char long_ev[sizeof(f.ev[0].str)];
                memset(long_ev, 'a' + round, sizeof(long_ev) - 1);
                long_ev[sizeof(long_ev) - 1] = '\0';
                ws_finding_str(&f, "long", long_ev);
            }
            ws_findings_add(s.fs, &f);
        }
    CU_ASSERT_EQUAL_FATAL(ws_findings_count(s.fs), N);
    CU_ASSERT_EQUAL(s.st.findings_dropped, 0);
    ws_findings_sort(s.fs);
    static bool seen[N];
    memset(seen, 0, sizeof(seen));
    ws_finding buf;
    for (size_t k = 0; k < N; k++) {
        const ws_finding *v = ws_findings_at(s.fs, k, &buf);
        CU_ASSERT_FATAL(v->dport >= 1000 && v->dport < 1000 + N);
        int i = v->dport - 1000;
        CU_ASSERT(!seen[i]);
        seen[i] = true;
        char msg[64];
        snprintf(msg, sizeof(msg), "group %d, round 2", i);
        CU_ASSERT_STRING_EQUAL(v->message, msg);
        CU_ASSERT_EQUAL(v->severity, WS_SEV_HIGH);
        CU_ASSERT_EQUAL(v->count, 3);
        CU_ASSERT_EQUAL_FATAL(v->n_ev, i % 100 == 0 ? 3u : 2u);
        CU_ASSERT_STRING_EQUAL(v->ev[0].str, "worst");
        CU_ASSERT_EQUAL(v->ev[1].num, i);
        if (i % 100 == 0) {
            CU_ASSERT_EQUAL(strlen(v->ev[2].str), sizeof(v->ev[2].str) - 1);
            CU_ASSERT_EQUAL(v->ev[2].str[0], 'c');
        }
    }
    ws_findings_free(s.fs);
}

/* Low, then high, then medium: the high one's words stay; counts add up. */
static void test_worst_speaks(void)
{
    store s;
    open_store(&s);
    ws_finding a = make(1, 443, WS_SEV_LOW, "low one", 30);
    ws_finding_str(&a, "why", "low");
    ws_finding b = make(1, 443, WS_SEV_HIGH, "high one", 10);
    ws_finding_str(&b, "why", "high");
    ws_finding_num(&b, "syns", 3);
    ws_finding c = make(1, 443, WS_SEV_MEDIUM, "medium one", 50);
    ws_findings_add(s.fs, &a);
    ws_findings_add(s.fs, &b);
    ws_findings_add(s.fs, &c);
    const ws_finding *v;
    CU_ASSERT_EQUAL_FATAL(ws_findings_get(s.fs, &v), 1);
    CU_ASSERT_EQUAL(v->severity, WS_SEV_HIGH);
    CU_ASSERT_STRING_EQUAL(v->message, "high one");
    CU_ASSERT_EQUAL_FATAL(v->n_ev, 2);
    CU_ASSERT_STRING_EQUAL(v->ev[0].str, "high");
    CU_ASSERT_EQUAL(v->ev[1].num, 3);
    CU_ASSERT_EQUAL(v->count, 3);
    CU_ASSERT_EQUAL(v->first_us, 10);
    CU_ASSERT_EQUAL(v->last_us, 50);
    CU_ASSERT_EQUAL_FATAL(v->n_flows, 3);
    CU_ASSERT_EQUAL(v->flows[0], 30);
    CU_ASSERT_EQUAL(v->flows[1], 10);
    CU_ASSERT_EQUAL(v->flows[2], 50);
    ws_findings_free(s.fs);
}

/* Reading the findings does not end grouping: a later add joins its group
 * or makes a new one, and a sort afterwards still puts the worst first. */
static void test_add_after_get(void)
{
    store s;
    open_store(&s);
    for (uint8_t i = 0; i < 100; i++) {
        ws_finding f = make(i, 443, WS_SEV_LOW, "low", 100 + i);
        ws_findings_add(s.fs, &f);
    }
    const ws_finding *v;
    CU_ASSERT_EQUAL(ws_findings_get(s.fs, &v), 100);
    ws_finding again = make(7, 443, WS_SEV_HIGH, "now high", 5);
    ws_findings_add(s.fs, &again);
    ws_finding fresh = make(200, 80, WS_SEV_MEDIUM, "new", 1);
    ws_findings_add(s.fs, &fresh);
    ws_findings_sort(s.fs);
    CU_ASSERT_EQUAL_FATAL(ws_findings_get(s.fs, &v), 101);
    CU_ASSERT_EQUAL(v[0].severity, WS_SEV_HIGH);
    CU_ASSERT_STRING_EQUAL(v[0].message, "now high");
    CU_ASSERT_EQUAL(v[0].count, 2);
    CU_ASSERT_EQUAL(v[0].first_us, 5);
    CU_ASSERT_EQUAL(v[0].last_us, 107);
    CU_ASSERT_EQUAL(v[1].severity, WS_SEV_MEDIUM);
    CU_ASSERT_EQUAL(v[1].dport, 80);
    /* the low ones, oldest first */
    for (size_t i = 2; i < 101; i++) {
        CU_ASSERT_EQUAL(v[i].severity, WS_SEV_LOW);
        CU_ASSERT(v[i].first_us > v[i - 1].first_us || i == 2);
    }
    ws_finding more = make(7, 443, WS_SEV_LOW, "low", 500);
    ws_findings_add(s.fs, &more);
    CU_ASSERT_EQUAL_FATAL(ws_findings_get(s.fs, &v), 101);
    CU_ASSERT_EQUAL(v[0].count, 3);
    CU_ASSERT_EQUAL(v[0].last_us, 500);
    CU_ASSERT_EQUAL(s.st.findings_dropped, 0);
    ws_findings_free(s.fs);
}

/* max_findings counts groups, before and after reading. */
static void test_limit(void)
{
    store s;
    open_store(&s);
    s.lim.max_findings = 3;
    for (uint8_t i = 0; i < 5; i++) {
        ws_finding f = make(i, 443, WS_SEV_LOW, "low", i);
        ws_findings_add(s.fs, &f);
    }
    const ws_finding *v;
    CU_ASSERT_EQUAL(ws_findings_get(s.fs, &v), 3);
    CU_ASSERT_EQUAL(s.st.findings_dropped, 2);
    ws_finding f = make(9, 443, WS_SEV_LOW, "low", 9);
    ws_findings_add(s.fs, &f);
    ws_finding g = make(0, 443, WS_SEV_LOW, "low", 9);
    ws_findings_add(s.fs, &g);
    CU_ASSERT_EQUAL(ws_findings_get(s.fs, &v), 3);
    CU_ASSERT_EQUAL(s.st.findings_dropped, 3);
    ws_findings_free(s.fs);
}

/* ws_findings_merge_known joins a finding to its kept group only when the
 * group is as bad or worse (the group's words stay, as ws_findings_add
 * keeps them); a worse one, another port, or no group yet: false, nothing
 * changed. The same before and after the findings are read. */
static void test_merge_known(void)
{
    for (int read_first = 0; read_first < 2; read_first++) {
        store s;
        open_store(&s);
        ws_finding none = make(1, 443, WS_SEV_MEDIUM, "x", 1);
        CU_ASSERT_FALSE(ws_findings_merge_known(s.fs, &none)); /* nothing kept yet */
        ws_finding a = make(1, 443, WS_SEV_MEDIUM, "first words", 20);
        ws_finding_str(&a, "why", "first");
        ws_findings_add(s.fs, &a);
        const ws_finding *v;
        if (read_first)
            CU_ASSERT_EQUAL(ws_findings_get(s.fs, &v), 1);
        /* as bad, and less bad: merged, no words needed */
        ws_finding same = make(1, 443, WS_SEV_MEDIUM, "", 10);
        ws_finding less = make(1, 443, WS_SEV_LOW, "", 40);
        CU_ASSERT_TRUE(ws_findings_merge_known(s.fs, &same));
        CU_ASSERT_TRUE(ws_findings_merge_known(s.fs, &less));
        /* worse, another port, another host: left to ws_findings_add */
        ws_finding worse = make(1, 443, WS_SEV_HIGH, "", 50);
        ws_finding port = make(1, 80, WS_SEV_LOW, "", 50);
        ws_finding host = make(2, 443, WS_SEV_LOW, "", 50);
        CU_ASSERT_FALSE(ws_findings_merge_known(s.fs, &worse));
        CU_ASSERT_FALSE(ws_findings_merge_known(s.fs, &port));
        CU_ASSERT_FALSE(ws_findings_merge_known(s.fs, &host));
        CU_ASSERT_EQUAL_FATAL(ws_findings_get(s.fs, &v), 1);
        CU_ASSERT_EQUAL(v->severity, WS_SEV_MEDIUM);
        CU_ASSERT_STRING_EQUAL(v->message, "first words");
        CU_ASSERT_EQUAL_FATAL(v->n_ev, 1);
        CU_ASSERT_STRING_EQUAL(v->ev[0].str, "first");
        CU_ASSERT_EQUAL(v->count, 3);
        CU_ASSERT_EQUAL(v->first_us, 10);
        CU_ASSERT_EQUAL(v->last_us, 40);
        CU_ASSERT_EQUAL_FATAL(v->n_flows, 3);
        CU_ASSERT_EQUAL(v->flows[0], 20);
        CU_ASSERT_EQUAL(v->flows[1], 10);
        CU_ASSERT_EQUAL(v->flows[2], 40);
        CU_ASSERT_EQUAL(s.st.findings_dropped, 0);
        ws_findings_free(s.fs);
    }
}

/* ---- the findings one at a time, in report order ------------------------- */

/* The test's own record of a group, merged as check.h says ws_findings_add
 * merges: counts added, first/last widened, the words of the first finding
 * of the worst severity kept. */
typedef struct model {
    ws_finding_kind kind;
    ws_severity sev;
    uint8_t octet, proto;
    uint16_t dport;
    uint64_t count;
    int64_t first, last;
    long words;          /* which added finding's message and evidence */
} model;

typedef struct models {
    model m[400];
    size_t n;
    uint64_t dropped;
} models;

/* The order check.h gives: severity (worst first), kind, first seen, source
 * (one here), destination, port. */
static int model_cmp(const model *x, const model *y)
{
    if (x->sev != y->sev)
        return x->sev > y->sev ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    if (x->octet != y->octet)
        return x->octet < y->octet ? -1 : 1;
    return (x->dport > y->dport) - (x->dport < y->dport);
}

/* Insertion sort: stable, so groups alike in every sort key (here those
 * differing only in transport) keep the order they had. */
static void model_sort(models *ms)
{
    for (size_t i = 1; i < ms->n; i++) {
        model t = ms->m[i];
        size_t j = i;
        for (; j > 0 && model_cmp(&ms->m[j - 1], &t) > 0; j--)
            ms->m[j] = ms->m[j - 1];
        ms->m[j] = t;
    }
}

/* A pseudo-random finding (a 64-bit LCG, Knuth's MMIX constants) added to
 * both the store and the model. */
static void add_random(store *s, models *ms, uint64_t *rng, long seq)
{
    static const ws_finding_kind kinds[] = {WS_FIND_BLOCKED_PATH, WS_FIND_UNEXPECTED_PORT,
                                            WS_FIND_NAT};
    *rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
    uint64_t r = *rng >> 16;
    model k = {kinds[r % 3], (ws_severity)(r / 3 % 4), (uint8_t)(r / 12 % 30),
               (uint8_t)(r / 360 % 2 ? 17 : 6), (uint16_t)(r / 720 % 2 ? 443 : 80),
               1, (int64_t)(r / 1440 % 8), 0, seq};
    k.last = k.first;
    char msg[32];
    snprintf(msg, sizeof(msg), "finding %ld", seq);
    ws_finding f = make(k.octet, k.dport, k.sev, msg, k.first);
    f.kind = k.kind;
    f.proto = k.proto;
    ws_finding_num(&f, "seq", seq);
    ws_findings_add(s->fs, &f);
    for (size_t i = 0; i < ms->n; i++) {
        model *g = &ms->m[i];
        if (g->kind == k.kind && g->octet == k.octet && g->proto == k.proto &&
            g->dport == k.dport) {
            g->count++;
            if (k.first < g->first)
                g->first = k.first;
            if (k.last > g->last)
                g->last = k.last;
            if (k.sev > g->sev) {
                g->sev = k.sev;
                g->words = seq;
            }
            return;
        }
    }
    if (ms->n >= s->lim.max_findings) {
        ms->dropped++;
        return;
    }
    ms->m[ms->n++] = k;
}

/* Group i of the store, read every way, is the model's group i. */
static void same_as_model(const store *s, const models *ms)
{
    CU_ASSERT_EQUAL_FATAL(ws_findings_count(s->fs), ms->n);
    CU_ASSERT_EQUAL(s->st.findings_dropped, ms->dropped);
    const ws_finding *v;
    CU_ASSERT_EQUAL_FATAL(ws_findings_get(s->fs, &v), ms->n);
    ws_finding buf;
    for (size_t i = 0; i < ms->n; i++) {
        const model *m = &ms->m[i];
        const ws_finding *f = ws_findings_at(s->fs, i, &buf);
        CU_ASSERT_PTR_EQUAL(f, &buf);
        CU_ASSERT_EQUAL(ws_findings_severity_at(s->fs, i), m->sev);
        CU_ASSERT_EQUAL(f->severity, m->sev);
        CU_ASSERT_EQUAL(f->kind, m->kind);
        CU_ASSERT_EQUAL(f->dst.addr.b[3], m->octet);
        CU_ASSERT_EQUAL(f->proto, m->proto);
        CU_ASSERT_EQUAL(f->dport, m->dport);
        CU_ASSERT_EQUAL(f->count, m->count);
        CU_ASSERT_EQUAL(f->first_us, m->first);
        CU_ASSERT_EQUAL(f->last_us, m->last);
        char msg[32];
        snprintf(msg, sizeof(msg), "finding %ld", m->words);
        CU_ASSERT_STRING_EQUAL(f->message, msg);
        CU_ASSERT_EQUAL_FATAL(f->n_ev, 1);
        CU_ASSERT_EQUAL(f->ev[0].num, m->words);
        /* the array written out at once says the same */
        CU_ASSERT_EQUAL(v[i].severity, f->severity);
        CU_ASSERT_EQUAL(v[i].count, f->count);
        CU_ASSERT_STRING_EQUAL(v[i].message, f->message);
        CU_ASSERT_EQUAL(v[i].ev[0].num, f->ev[0].num);
    }
}

/*
 * ws_findings_at gives the groups in the order check.h states, ties (groups
 * that differ only in transport) in the order they had, the same groups as
 * ws_findings_get's array: 900 findings over 360 possible groups with
 * max_findings 150 (new groups beyond it dropped, merges into kept ones
 * going on), sorted; then the limit raised to 250, 500 more added after the
 * sort (joining sorted groups or appended) and sorted again.
 */
static void test_at_in_report_order(void)
{
    store s;
    open_store(&s);
    s.lim.max_findings = 150;
    static models ms;
    memset(&ms, 0, sizeof(ms));
    uint64_t rng = 12345;
    long seq = 0;
    for (; seq < 900; seq++)
        add_random(&s, &ms, &rng, seq);
    CU_ASSERT_EQUAL(ms.n, 150);
    CU_ASSERT(ms.dropped > 0);
    same_as_model(&s, &ms);          /* before a sort: the order of adding */
    ws_findings_sort(s.fs);
    model_sort(&ms);
    same_as_model(&s, &ms);
    s.lim.max_findings = 250;
    for (; seq < 1400; seq++)
        add_random(&s, &ms, &rng, seq);
    CU_ASSERT_EQUAL(ms.n, 250);
    same_as_model(&s, &ms);          /* new groups after the sorted ones */
    ws_findings_sort(s.fs);
    model_sort(&ms);
    same_as_model(&s, &ms);
    /* some ties were met (else the order of ties went untested) */
    size_t ties = 0;
    for (size_t i = 1; i < ms.n; i++)
        ties += model_cmp(&ms.m[i - 1], &ms.m[i]) == 0;
    CU_ASSERT(ties > 0);
    ws_findings_free(s.fs);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"message and evidence kept whole", test_evidence_round_trip},
        {"the worst example speaks for its group", test_worst_speaks},
        {"thousands of groups, each worsened twice, read back whole",
         test_many_groups_worsened},
        {"grouping goes on after the findings are read", test_add_after_get},
        {"max_findings before and after reading", test_limit},
        {"a finding joins a kept group before its words are written", test_merge_known},
        {"one at a time, in report order, ties in their order", test_at_in_report_order},
        {NULL, NULL},
    };
    ws_test_suite("findings store", cases);
    return ws_test_run();
}

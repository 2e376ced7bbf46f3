/* test_check_util.h - what the check tests share: the testco pack and site
 * (tests/data/check/), a names table, flow records built the way the flow
 * table would leave them, and lookups over the findings. Formats:
 * doc/rules.md; finding contract: DESIGN.md. */
#ifndef TEST_CHECK_UTIL_H
#define TEST_CHECK_UTIL_H

#include <string.h>

#include "check/check.h"
#include "flow/flow.h"
#include "ws_test.h"

#define TC_PACK WS_SOURCE_DIR "/tests/data/check/testco.json"
#define TC_SITE WS_SOURCE_DIR "/tests/data/check/site.json"

/* Capture time of the first flow: 2023-11-14T22:13:20Z. */
#define TC_T0 1700000000000000LL

/* Site addresses (tests/data/check/site.json). */
#define NODE_A "10.0.0.1"
#define NODE_B "10.0.0.2"
#define EDGE_OSLO "10.0.1.1"
#define EDGE_BERGEN "10.0.1.2"
#define SRV "10.0.2.10"
#define MGR "10.0.2.20"
#define REC "10.0.2.30"
#define DNS "10.0.2.53"
#define CLIENT "10.0.3.5"     /* inside 10.0.3.0/24: endpoint */
#define CLIENT2 "10.0.3.6"
/* Unlisted (documentation ranges, RFC 5737). */
#define OUT1 "192.0.2.7"
#define OUT2 "198.51.100.20"
#define OUT3 "198.51.100.21"
#define NAT_OUTSIDE "203.0.113.5"

/* Names the checker learns, as the names/ stage would give them. */
typedef struct tc_name {
    const char *addr, *name;
} tc_name;

static const tc_name tc_names[] = {
    {OUT2, "api.testco.example"},
    {OUT3, "www.other.example"},
};

static size_t tc_names_fn(void *ctx, const ws_addr *a, const char **out, size_t max)
{
    (void)ctx;
    size_t n = 0;
    for (size_t i = 0; i < sizeof(tc_names) / sizeof(tc_names[0]) && n < max; i++) {
        ws_addr x;
        if (ws_addr_parse(tc_names[i].addr, &x) && ws_addr_eq(&x, a))
            out[n++] = tc_names[i].name;
    }
    return n;
}

typedef struct tc_env {
    ws_ruleset *rs;
    ws_site *site;
    ws_limits limits;
    ws_stats stats;
    ws_checker *c;
} tc_env;

/* Loads the pack (and site_path, unless NULL) and makes a checker. */
static inline bool tc_open_site(tc_env *e, const char *site_path)
{
    memset(e, 0, sizeof(*e));
    ws_limits_default(&e->limits);
    ws_diag d;
    ws_diag_init(&d);
    e->rs = ws_ruleset_new(NULL, NULL);
    bool ok = e->rs && ws_ruleset_load(e->rs, TC_PACK, &d) && ws_ruleset_finish(e->rs, &d);
    if (ok && site_path) {
        e->site = ws_site_load(site_path, e->rs, &d);
        ok = e->site && ws_ruleset_finish(e->rs, &d);
    }
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "%s\n", d.msg[i]);
    ws_diag_free(&d);
    if (ok)
        e->c = ws_checker_new(e->rs, e->site, &e->limits, &e->stats, tc_names_fn, NULL);
    return ok && e->c;
}

/* The same with tests/data/check/site.json, or no site. */
static inline bool tc_open(tc_env *e, bool with_site)
{
    return tc_open_site(e, with_site ? TC_SITE : NULL);
}

static inline void tc_close(tc_env *e)
{
    ws_checker_free(e->c);
    ws_site_free(e->site);
    ws_ruleset_free(e->rs);
    memset(e, 0, sizeof(*e));
}

static inline ws_addr tc_addr(const char *s)
{
    ws_addr a;
    memset(&a, 0, sizeof(a));
    if (!ws_addr_parse(s, &a))
        CU_FAIL_FATAL("bad address in test");
    return a;
}

static inline bool tc_addr_is(const ws_addr *a, const char *s)
{
    ws_addr b = tc_addr(s);
    return ws_addr_eq(a, &b);
}

/* ---- flows as the flow table leaves them ----------------------------------- */

typedef enum tc_kind {
    TC_ESTABLISHED,  /* SYN, SYN-ACK, ACK, data both ways */
    TC_REJECTED,     /* SYN answered by RST */
    TC_NO_ANSWER,    /* SYN(s), nothing back */
    TC_ICMP,         /* SYN (or datagram) answered by an ICMP error */
    TC_ANSWERED,     /* UDP/ICMP: packets both ways */
    TC_UNANSWERED,   /* UDP: one way only */
} tc_kind;

static inline ws_flow tc_flow(uint64_t id, uint8_t proto, const char *src, uint16_t sport,
                              const char *dst, uint16_t dport, tc_kind k)
{
    ws_flow f;
    memset(&f, 0, sizeof(f));
    f.id = id;
    f.src = tc_addr(src);
    f.dst = tc_addr(dst);
    f.sport = sport;
    f.dport = dport;
    f.proto = proto;
    f.ip_version = 4;
    f.first_us = TC_T0 + (int64_t)id * 1000000;
    f.last_us = f.first_us + 500000;
    switch (k) {
    case TC_ESTABLISHED:
        f.tcp_hist[WS_DIR_FWD] = WS_TCPH_SYN | WS_TCPH_ACK | WS_TCPH_DATA;
        f.tcp_hist[WS_DIR_REV] = WS_TCPH_SYNACK | WS_TCPH_ACK | WS_TCPH_DATA;
        f.syn_count = 1;
        f.established = true;
        f.packets[WS_DIR_FWD] = 5;
        f.packets[WS_DIR_REV] = 4;
        break;
    case TC_REJECTED:
        f.tcp_hist[WS_DIR_FWD] = WS_TCPH_SYN;
        f.tcp_hist[WS_DIR_REV] = WS_TCPH_RST | WS_TCPH_ACK;
        f.syn_count = 1;
        f.packets[WS_DIR_FWD] = 1;
        f.packets[WS_DIR_REV] = 1;
        break;
    case TC_NO_ANSWER:
        f.tcp_hist[WS_DIR_FWD] = WS_TCPH_SYN;
        f.syn_count = 3;
        f.packets[WS_DIR_FWD] = 3;
        break;
    case TC_ICMP:
        if (proto == 6) {
            f.tcp_hist[WS_DIR_FWD] = WS_TCPH_SYN;
            f.syn_count = 1;
        }
        f.packets[WS_DIR_FWD] = 1;
        f.icmp_errors = 1;
        break;
    case TC_ANSWERED:
        f.packets[WS_DIR_FWD] = 1;
        f.packets[WS_DIR_REV] = 1;
        break;
    case TC_UNANSWERED:
        f.packets[WS_DIR_FWD] = 2;
        break;
    }
    f.bytes[WS_DIR_FWD] = f.packets[WS_DIR_FWD] * 60;
    f.bytes[WS_DIR_REV] = f.packets[WS_DIR_REV] * 60;
    return f;
}

/* Runs one flow through the checker with the outcome the flow stage gives it. */
static inline const ws_rule *tc_run(tc_env *e, const ws_flow *f, const char *app)
{
    return ws_checker_flow(e->c, f, ws_flow_outcome(f), app);
}

/* ---- findings ---------------------------------------------------------------- */

static inline size_t tc_count(const tc_env *e, ws_finding_kind kind)
{
    const ws_finding *v;
    size_t n = ws_checker_findings(e->c, &v), k = 0;
    for (size_t i = 0; i < n; i++)
        k += v[i].kind == kind;
    return k;
}

/* The finding of kind whose rule is rule_id (NULL: no rule), or NULL. */
static inline const ws_finding *tc_find(const tc_env *e, ws_finding_kind kind,
                                        const char *rule_id)
{
    const ws_finding *v;
    size_t n = ws_checker_findings(e->c, &v);
    for (size_t i = 0; i < n; i++) {
        if (v[i].kind != kind)
            continue;
        if (!rule_id ? !v[i].rule : (v[i].rule && !strcmp(v[i].rule->id, rule_id)))
            return &v[i];
    }
    return NULL;
}

/* The evidence value under key as text (numbers printed), or NULL. */
static inline const char *tc_ev(const ws_finding *f, const char *key)
{
    static char buf[32];
    for (size_t i = 0; i < f->n_ev; i++)
        if (!strcmp(f->ev[i].key, key)) {
            if (!f->ev[i].is_num)
                return f->ev[i].str;
            snprintf(buf, sizeof(buf), "%lld", (long long)f->ev[i].num);
            return buf;
        }
    return NULL;
}

#define TC_EV_EQ(f, key, want)                                                 \
    do {                                                                       \
        const char *ev_ = tc_ev((f), (key));                                   \
        CU_ASSERT_PTR_NOT_NULL(ev_);                                           \
        if (ev_)                                                               \
            CU_ASSERT_STRING_EQUAL(ev_, (want));                               \
    } while (0)

#define TC_HAS(text, part) CU_ASSERT_PTR_NOT_NULL(strstr((text), (part)))

#endif

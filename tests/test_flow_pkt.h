/* test_flow_pkt.h - hand-made packets and an on_end recorder for the flow
 * table tests (tests/test_flow*.c). */
#ifndef TEST_FLOW_PKT_H
#define TEST_FLOW_PKT_H

#include <string.h>

#include "flow/flow.h"
#include "ws_test.h"

#define SEC 1000000LL
#define MAX_ENDED 64

typedef struct ended {
    ws_flow f;
    ws_end_reason why;
    ws_outcome out;
} ended;

typedef struct fx {
    ws_limits lim;
    ws_stats st;
    ws_flow_table *t;
    ended e[MAX_ENDED];
    size_t n;       /* callbacks recorded in e[] (the first MAX_ENDED) */
    uint64_t calls; /* all callbacks */
} fx;

static inline void fx_on_end(ws_flow *f, ws_end_reason why, void *ctx)
{
    fx *x = ctx;
    if (x->n < MAX_ENDED) {
        x->e[x->n].f = *f;
        x->e[x->n].why = why;
        x->e[x->n].out = ws_flow_outcome(f);
        x->n++;
    }
    x->calls++;
}

/* Starts a table with default limits changed by the caller beforehand
 * (call fx_limits first, edit x->lim, then fx_open). */
static inline void fx_limits(fx *x)
{
    memset(x, 0, sizeof(*x));
    ws_limits_default(&x->lim);
}

static inline void fx_open(fx *x)
{
    x->t = ws_flow_table_new(&x->lim, &x->st, fx_on_end, x);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x->t);
}

static inline void fx_init(fx *x)
{
    fx_limits(x);
    fx_open(x);
}

static inline void fx_done(fx *x)
{
    ws_flow_table_flush(x->t);
    ws_flow_table_free(x->t);
}

static inline ws_addr A(const char *s)
{
    ws_addr a;
    if (!ws_addr_parse(s, &a))
        memset(&a, 0, sizeof(a));
    return a;
}

/* A packet between two endpoints; ip_len is the header (20 or 40) plus a
 * transport header of 20 (TCP), 8 (UDP, ICMP, ESP) bytes and the payload. */
static inline ws_packet pkt(const char *src, uint16_t sp, const char *dst,
                            uint16_t dp, uint8_t proto, uint32_t payload,
                            int64_t ts)
{
    ws_packet p;
    memset(&p, 0, sizeof(p));
    p.ts_us = ts;
    p.src = A(src);
    p.dst = A(dst);
    p.ip_version = p.src.family;
    p.proto = proto;
    p.sport = sp;
    p.dport = dp;
    p.payload_len = payload;
    p.ip_len = (p.ip_version == 6 ? 40 : 20) + (proto == 6 ? 20 : 8) + payload;
    p.wire_len = p.ip_len + 14;
    return p;
}

static inline ws_packet tcp(const char *src, uint16_t sp, const char *dst,
                            uint16_t dp, uint8_t flags, uint32_t seq,
                            uint32_t payload, int64_t ts)
{
    ws_packet p = pkt(src, sp, dst, dp, 6, payload, ts);
    p.tcp_flags = flags;
    p.tcp_seq = seq;
    return p;
}

static inline ws_packet udp(const char *src, uint16_t sp, const char *dst,
                            uint16_t dp, uint32_t payload, int64_t ts)
{
    return pkt(src, sp, dst, dp, 17, payload, ts);
}

static inline ws_packet icmp(const char *src, const char *dst, uint8_t type,
                             uint8_t code, uint16_t id, int64_t ts)
{
    ws_packet p = pkt(src, 0, dst, 0, strchr(src, ':') ? 58 : 1, 56, ts);
    p.icmp_type = type;
    p.icmp_code = code;
    p.icmp_id = id;
    return p;
}

/* An ICMP error from reporter to the quoted packet's source, quoting
 * qsrc:qsp -> qdst:qdp of protocol qproto. */
static inline ws_packet icmp_err(const char *reporter, uint8_t type, uint8_t code,
                                 const char *qsrc, uint16_t qsp, const char *qdst,
                                 uint16_t qdp, uint8_t qproto, int64_t ts)
{
    ws_packet p = icmp(reporter, qsrc, type, code, 0, ts);
    p.icmp_error = true;
    p.quoted.present = true;
    p.quoted.src = A(qsrc);
    p.quoted.dst = A(qdst);
    p.quoted.proto = qproto;
    p.quoted.sport = qsp;
    p.quoted.dport = qdp;
    return p;
}

/* Feeds one packet; returns its flow and direction. */
static inline ws_flow *feed(fx *x, ws_packet p, int *dir)
{
    int d = -1;
    ws_flow *f = ws_flow_table_packet(x->t, &p, &d);
    if (dir)
        *dir = d;
    return f;
}

static inline bool addr_is(const ws_addr *a, const char *s)
{
    ws_addr b = A(s);
    return ws_addr_eq(a, &b);
}

#endif

/* test_flow_table.c - idle timeouts per class, the memory budget and
 * eviction, flush order, and the hash index under churn checked against a
 * plain reference model. specification: src/flow/flow.h. */
#include "test_flow_pkt.h"

#define CLI "192.0.2.10"
#define SRV "198.51.100.20"

static void short_timeouts(fx *x)
{
    x->lim.tcp_idle_us = 100 * SEC;
    x->lim.tcp_handshake_idle_us = 10 * SEC;
    x->lim.udp_idle_us = 20 * SEC;
    x->lim.icmp_idle_us = 5 * SEC;
    x->lim.other_idle_us = 30 * SEC;
}

static bool ended_id(const fx *x, size_t k, uint64_t id, ws_end_reason why)
{
    return k < x->n && x->e[k].f.id == id && x->e[k].why == why;
}

static void test_idle_per_class(void)
{
    fx x;
    fx_limits(&x);
    short_timeouts(&x);
    fx_open(&x);
    /* id 1: established TCP; 2: TCP SYN only; 3: UDP; 4: ICMP; 5: ESP. */
    feed(&x, tcp(CLI, 40000, SRV, 443, WS_TCP_SYN, 1, 0, 0), NULL);
    feed(&x, tcp(SRV, 443, CLI, 40000, WS_TCP_SYN | WS_TCP_ACK, 1, 0, 0), NULL);
    feed(&x, tcp(CLI, 40000, SRV, 443, WS_TCP_ACK, 2, 0, 0), NULL);
    feed(&x, tcp(CLI, 40001, SRV, 443, WS_TCP_SYN, 1, 0, 0), NULL);
    feed(&x, udp(CLI, 40002, SRV, 514, 10, 0), NULL);
    feed(&x, icmp(CLI, SRV, 8, 0, 1, 0), NULL);
    feed(&x, pkt(CLI, 0, SRV, 0, 50, 10, 0), NULL);
    CU_ASSERT_EQUAL(ws_flow_table_active(x.t), 5);

    /* Exactly the timeout is not yet idle: idle means more than it. */
    ws_flow_table_expire(x.t, 5 * SEC);
    CU_ASSERT_EQUAL(x.n, 0);
    ws_flow_table_expire(x.t, 5 * SEC + 1);
    CU_ASSERT_EQUAL_FATAL(x.n, 1);
    CU_ASSERT_TRUE(ended_id(&x, 0, 4, WS_END_IDLE));
    ws_flow_table_expire(x.t, 10 * SEC + 1);
    CU_ASSERT_TRUE(ended_id(&x, 1, 2, WS_END_IDLE));
    ws_flow_table_expire(x.t, 20 * SEC + 1);
    CU_ASSERT_TRUE(ended_id(&x, 2, 3, WS_END_IDLE));
    ws_flow_table_expire(x.t, 30 * SEC + 1);
    CU_ASSERT_TRUE(ended_id(&x, 3, 5, WS_END_IDLE));
    ws_flow_table_expire(x.t, 99 * SEC);
    CU_ASSERT_EQUAL(x.n, 4);
    ws_flow_table_expire(x.t, 100 * SEC + 1);
    CU_ASSERT_TRUE(ended_id(&x, 4, 1, WS_END_IDLE));
    CU_ASSERT_EQUAL(x.n, 5);
    CU_ASSERT_EQUAL(x.st.flows_expired, 5);
    CU_ASSERT_EQUAL(ws_flow_table_active(x.t), 0);
    fx_done(&x);
    CU_ASSERT_EQUAL(x.calls, 5);
}

static void test_idle_by_packets(void)
{
    fx x;
    fx_limits(&x);
    short_timeouts(&x);
    fx_open(&x);
    /* Closed TCP moves to the handshake class (10 s, not 100 s). */
    feed(&x, tcp(CLI, 40000, SRV, 443, WS_TCP_SYN, 1, 0, 0), NULL);
    feed(&x, tcp(SRV, 443, CLI, 40000, WS_TCP_SYN | WS_TCP_ACK, 1, 0, 0), NULL);
    feed(&x, tcp(CLI, 40000, SRV, 443, WS_TCP_ACK, 2, 0, 0), NULL);
    feed(&x, tcp(CLI, 40000, SRV, 443, WS_TCP_FIN | WS_TCP_ACK, 2, 0, 1 * SEC), NULL);
    feed(&x, tcp(SRV, 443, CLI, 40000, WS_TCP_FIN | WS_TCP_ACK, 2, 0, 1 * SEC), NULL);
    ws_flow *u = feed(&x, udp(CLI, 40002, SRV, 514, 10, 1 * SEC), NULL);
    CU_ASSERT_EQUAL(u->id, 2);
    /* Packets of another flow move capture time on: both end by 21.5 s. */
    feed(&x, udp(CLI, 1, SRV, 2, 10, 12 * SEC), NULL);
    CU_ASSERT_EQUAL_FATAL(x.n, 1);
    CU_ASSERT_TRUE(ended_id(&x, 0, 1, WS_END_IDLE));
    CU_ASSERT_EQUAL(x.e[0].out, WS_OUT_CLOSED);
    feed(&x, udp(CLI, 1, SRV, 2, 10, 21 * SEC + SEC / 2), NULL);
    CU_ASSERT_EQUAL_FATAL(x.n, 2);
    CU_ASSERT_TRUE(ended_id(&x, 1, 2, WS_END_IDLE));

    /* A flow found idle on lookup ends before the sweep would have run:
     * sweeps come at most once per capture second. */
    ws_flow *g = feed(&x, udp(CLI, 50000, SRV, 53, 10, 30 * SEC), NULL);
    uint64_t gid = g->id;
    feed(&x, udp(CLI, 1, SRV, 2, 10, 50 * SEC), NULL);       /* sweep at 50 s */
    ws_flow *h = feed(&x, udp(CLI, 50000, SRV, 53, 10, 50 * SEC + SEC / 2), NULL);
    CU_ASSERT_NOT_EQUAL(h->id, gid);
    CU_ASSERT_EQUAL(x.e[x.n - 1].f.id, gid);
    CU_ASSERT_EQUAL(x.e[x.n - 1].why, WS_END_IDLE);
    CU_ASSERT_EQUAL(h->packets[WS_DIR_FWD], 1);
    CU_ASSERT_EQUAL(x.st.flows_expired, x.calls);
    fx_done(&x);
}

static void test_time_steps_back(void)
{
    fx x;
    fx_init(&x); /* udp_idle_us: 120 s */
    /* Two captures merged out of order: the second began 1000 s earlier. */
    ws_flow *a = feed(&x, udp(CLI, 5000, SRV, 53, 10, 1000 * SEC), NULL);
    ws_flow *b = feed(&x, udp(CLI, 5001, SRV, 53, 10, 10 * SEC), NULL);
    int dir;
    CU_ASSERT_PTR_EQUAL(feed(&x, udp(SRV, 53, CLI, 5001, 10, 10 * SEC + 1), &dir), b);
    CU_ASSERT_EQUAL(dir, WS_DIR_REV);
    CU_ASSERT_EQUAL(b->packets[WS_DIR_REV], 1);
    CU_ASSERT_PTR_EQUAL(feed(&x, udp(SRV, 53, CLI, 5000, 10, 20 * SEC), &dir), a);
    CU_ASSERT_EQUAL(a->first_us, 20 * SEC);
    CU_ASSERT_EQUAL(a->last_us, 1000 * SEC);
    CU_ASSERT_EQUAL(x.n, 0);
    CU_ASSERT_EQUAL(x.st.flows, 2);
    ws_flow_table_expire(x.t, 1121 * SEC);
    CU_ASSERT_EQUAL(x.n, 2);
    CU_ASSERT_EQUAL(x.st.flows_expired, 2);
    fx_done(&x);
}

static void test_evict_lru(void)
{
    fx x;
    fx_limits(&x);
    x.lim.max_flows = 3;
    fx_open(&x);
    CU_ASSERT_EQUAL(ws_flow_table_capacity(x.t), 3);
    feed(&x, udp(CLI, 1001, SRV, 53, 10, 1 * SEC), NULL);   /* id 1 */
    feed(&x, udp(CLI, 1002, SRV, 53, 10, 2 * SEC), NULL);   /* id 2 */
    feed(&x, udp(CLI, 1003, SRV, 53, 10, 3 * SEC), NULL);   /* id 3 */
    feed(&x, udp(SRV, 53, CLI, 1001, 10, 4 * SEC), NULL);   /* id 1 active again */
    ws_flow *f4 = feed(&x, udp(CLI, 1004, SRV, 53, 10, 5 * SEC), NULL);
    CU_ASSERT_EQUAL(f4->id, 4);
    CU_ASSERT_EQUAL_FATAL(x.n, 1);
    CU_ASSERT_TRUE(ended_id(&x, 0, 2, WS_END_EVICTED));
    feed(&x, tcp(CLI, 1005, SRV, 443, WS_TCP_SYN, 1, 0, 6 * SEC), NULL);
    CU_ASSERT_TRUE(ended_id(&x, 1, 3, WS_END_EVICTED));
    feed(&x, icmp(CLI, SRV, 8, 0, 9, 7 * SEC), NULL);
    CU_ASSERT_TRUE(ended_id(&x, 2, 1, WS_END_EVICTED));
    CU_ASSERT_EQUAL(x.st.flows_evicted, 3);
    CU_ASSERT_EQUAL(x.st.flows, 6);
    CU_ASSERT_EQUAL(ws_flow_table_active(x.t), 3);
    CU_ASSERT_EQUAL(x.st.flows_dropped, 0);
    fx_done(&x);
    CU_ASSERT_EQUAL(x.calls, 6);
}

static void test_evict_idle_first(void)
{
    fx x;
    fx_limits(&x);
    x.lim.max_flows = 2;
    x.lim.udp_idle_us = SEC / 2;
    fx_open(&x);
    /* TCP established at 0 (1 h timeout), UDP at 0.1 s (0.5 s timeout). */
    feed(&x, tcp(CLI, 40000, SRV, 443, WS_TCP_SYN, 1, 0, 0), NULL);
    feed(&x, tcp(SRV, 443, CLI, 40000, WS_TCP_SYN | WS_TCP_ACK, 1, 0, 0), NULL);
    feed(&x, tcp(CLI, 40000, SRV, 443, WS_TCP_ACK, 2, 0, 0), NULL);
    feed(&x, udp(CLI, 40001, SRV, 53, 10, SEC / 10), NULL);
    /* At 0.7 s (before the next sweep) the table is full: the idle UDP flow
     * ends, though the TCP flow is the least recently active. */
    feed(&x, udp(CLI, 40002, SRV, 53, 10, SEC * 7 / 10), NULL);
    CU_ASSERT_EQUAL_FATAL(x.n, 1);
    CU_ASSERT_TRUE(ended_id(&x, 0, 2, WS_END_IDLE));
    CU_ASSERT_EQUAL(x.st.flows_expired, 1);
    CU_ASSERT_EQUAL(x.st.flows_evicted, 0);
    fx_done(&x);
}

static void test_budget_bytes(void)
{
    fx x;
    fx_limits(&x);
    size_t per = ws_flow_table_bytes_per_flow();
    x.lim.max_flow_bytes = 10 * per + per - 1;
    fx_open(&x);
    CU_ASSERT_EQUAL(ws_flow_table_capacity(x.t), 10);
    size_t most = 0;
    for (uint16_t i = 0; i < 1000; i++) {
        ws_flow *f = feed(&x, udp(CLI, (uint16_t)(2000 + i), SRV, 53, 10, i * 1000), NULL);
        CU_ASSERT_PTR_NOT_NULL(f);
        if (ws_flow_table_active(x.t) > most)
            most = ws_flow_table_active(x.t);
        CU_ASSERT(ws_flow_table_memory(x.t) <= x.lim.max_flow_bytes);
    }
    CU_ASSERT_EQUAL(most, 10);
    CU_ASSERT_EQUAL(x.st.flows_evicted, 990);
    CU_ASSERT_EQUAL(x.st.flows_dropped, 0);
    fx_done(&x);
    CU_ASSERT_EQUAL(x.calls, 1000);
}

static void test_capacity_zero(void)
{
    fx x;
    fx_limits(&x);
    x.lim.max_flow_bytes = ws_flow_table_bytes_per_flow() - 1;
    fx_open(&x);
    CU_ASSERT_EQUAL(ws_flow_table_capacity(x.t), 0);
    int dir;
    CU_ASSERT_PTR_NULL(feed(&x, udp(CLI, 1, SRV, 2, 10, SEC), &dir));
    CU_ASSERT_PTR_NULL(feed(&x, tcp(CLI, 1, SRV, 2, WS_TCP_SYN, 1, 0, SEC), &dir));
    CU_ASSERT_PTR_NULL(feed(&x, icmp_err(SRV, 3, 3, CLI, 1, SRV, 2, 17, SEC), &dir));
    CU_ASSERT_EQUAL(x.st.flows_dropped, 3);
    CU_ASSERT_EQUAL(x.st.flows, 0);
    fx_done(&x);
    CU_ASSERT_EQUAL(x.calls, 0);

    fx_limits(&x);
    x.lim.max_flows = 0;
    fx_open(&x);
    CU_ASSERT_PTR_NULL(feed(&x, udp(CLI, 1, SRV, 2, 10, SEC), NULL));
    CU_ASSERT_EQUAL(x.st.flows_dropped, 1);
    fx_done(&x);
}

static void test_flush_order(void)
{
    fx x;
    fx_init(&x);
    /* Flows created 1..40, then touched in another order. */
    for (int i = 0; i < 40; i++)
        feed(&x, udp(CLI, (uint16_t)(3000 + i), SRV, 53, 10, SEC), NULL);
    for (int i = 39; i >= 0; i -= 3)
        feed(&x, udp(SRV, 53, CLI, (uint16_t)(3000 + i), 10, 2 * SEC), NULL);
    ws_flow_table_flush(x.t);
    CU_ASSERT_EQUAL_FATAL(x.n, 40);
    for (size_t k = 0; k < 40; k++) {
        CU_ASSERT_EQUAL(x.e[k].f.id, k + 1);
        CU_ASSERT_EQUAL(x.e[k].why, WS_END_FLUSH);
    }
    CU_ASSERT_EQUAL(ws_flow_table_active(x.t), 0);
    /* A second flush ends nothing more; the table goes on working. */
    ws_flow_table_flush(x.t);
    CU_ASSERT_EQUAL(x.calls, 40);
    ws_flow *f = feed(&x, udp(CLI, 3000, SRV, 53, 10, 3 * SEC), NULL);
    CU_ASSERT_EQUAL(f->id, 41);
    fx_done(&x);
    CU_ASSERT_EQUAL(x.calls, 41);
}

/* ---- announcements of the flows a sweep or a flush will end ------------ */

/* One log of announcements (+id) and ends (-id), in the order they come. */
static int64_t ev[256];
static size_t nev;

static void log_ending(ws_flow *f, void *ctx)
{
    (void)ctx;
    if (nev < 256)
        ev[nev++] = (int64_t)f->id;
}

static void log_end(ws_flow *f, ws_end_reason why, void *ctx)
{
    fx_on_end(f, why, ctx);
    if (nev < 256)
        ev[nev++] = -(int64_t)f->id;
}

/* The log holds n announcements, then the same flows ended in the same
 * order (flowing from [from]). */
static bool announced_then_ended(size_t from, size_t n)
{
    if (nev != from + 2 * n)
        return false;
    for (size_t k = 0; k < n; k++)
        if (ev[from + k] <= 0 || ev[from + n + k] != -ev[from + k])
            return false;
    return true;
}

/* A flush empties the table at once: afterwards its whole capacity holds new
 * flows without an eviction, each found again by its next packet, and the
 * keys of the flushed flows start new flows. */
/* A packet whose flow has ended (by a sweep, by eviction, by a flush) starts a
 * new flow; it is never counted on the ended one, whose memory may still hold
 * its key. */
static void test_ended_key_starts_anew(void)
{
    fx x;
    fx_limits(&x);
    short_timeouts(&x);
    fx_open(&x);
    ws_flow *a = feed(&x, udp(CLI, 1001, SRV, 514, 10, 0), NULL);
    CU_ASSERT_EQUAL(a->id, 1);
    feed(&x, udp(CLI, 1001, SRV, 514, 10, 1 * SEC), NULL);
    ws_flow_table_expire(x.t, 30 * SEC);
    CU_ASSERT_EQUAL_FATAL(x.n, 1);
    CU_ASSERT_TRUE(ended_id(&x, 0, 1, WS_END_IDLE));
    ws_flow *again = feed(&x, udp(CLI, 1001, SRV, 514, 10, 31 * SEC), NULL);
    CU_ASSERT_EQUAL(again->id, 2);
    CU_ASSERT_EQUAL(again->packets[WS_DIR_FWD], 1);
    CU_ASSERT_EQUAL(x.calls, 1);
    CU_ASSERT_EQUAL(ws_flow_table_active(x.t), 1);
    /* The same after a flush, and after an eviction (capacity 1). */
    ws_flow_table_flush(x.t);
    again = feed(&x, udp(CLI, 1001, SRV, 514, 10, 32 * SEC), NULL);
    CU_ASSERT_EQUAL(again->id, 3);
    CU_ASSERT_EQUAL(again->packets[WS_DIR_FWD], 1);
    fx_done(&x);
    CU_ASSERT_EQUAL(x.calls, 3);

    fx_limits(&x);
    x.lim.max_flows = 1;
    fx_open(&x);
    feed(&x, udp(CLI, 1001, SRV, 514, 10, 0), NULL);
    feed(&x, udp(CLI, 1002, SRV, 514, 10, 1), NULL);     /* evicts 1 */
    ws_flow *back = feed(&x, udp(CLI, 1001, SRV, 514, 10, 2), NULL); /* evicts 2 */
    CU_ASSERT_EQUAL(back->id, 3);
    CU_ASSERT_EQUAL(back->packets[WS_DIR_FWD], 1);
    CU_ASSERT_EQUAL(x.st.flows_evicted, 2);
    fx_done(&x);
    CU_ASSERT_EQUAL(x.calls, 3);
}

static void test_flush_then_refill(void)
{
    fx x;
    fx_limits(&x);
    x.lim.max_flows = 64;
    fx_open(&x);
    for (int i = 0; i < 64; i++)
        feed(&x, udp(CLI, (uint16_t)(4000 + i), SRV, 53, 10, SEC), NULL);
    ws_flow_table_flush(x.t);
    CU_ASSERT_EQUAL(x.calls, 64);
    CU_ASSERT_EQUAL(ws_flow_table_active(x.t), 0);
    ws_flow *mine[64];
    for (int i = 0; i < 64; i++) {
        mine[i] = feed(&x, tcp(CLI, (uint16_t)(5000 + i), SRV, 443, WS_TCP_SYN, 1, 0, 2 * SEC),
                       NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(mine[i]);
        CU_ASSERT_EQUAL(mine[i]->id, (uint64_t)(65 + i));
    }
    CU_ASSERT_EQUAL(x.st.flows_evicted, 0);
    CU_ASSERT_EQUAL(ws_flow_table_active(x.t), 64);
    for (int i = 0; i < 64; i++) {
        int dir;
        ws_flow *f = feed(&x, tcp(SRV, 443, CLI, (uint16_t)(5000 + i),
                                  WS_TCP_SYN | WS_TCP_ACK, 7, 2, 3 * SEC), &dir);
        CU_ASSERT_PTR_EQUAL(f, mine[i]);
        CU_ASSERT_EQUAL(dir, WS_DIR_REV);
        CU_ASSERT_EQUAL(f->packets[WS_DIR_REV], 1);
    }
    CU_ASSERT_EQUAL(x.calls, 64);
    /* A flushed key is a new flow; the table is full, so one is evicted. */
    ws_flow *again = feed(&x, udp(CLI, 4000, SRV, 53, 10, 4 * SEC), NULL);
    CU_ASSERT_EQUAL(again->id, 129);
    CU_ASSERT_EQUAL(again->packets[WS_DIR_FWD], 1);
    CU_ASSERT_EQUAL(x.st.flows_evicted, 1);
    fx_done(&x);
    CU_ASSERT_EQUAL(x.calls, 129);
}

static void test_ending_announced(void)
{
    fx x;
    fx_limits(&x);
    short_timeouts(&x);
    x.t = ws_flow_table_new(&x.lim, &x.st, log_end, &x);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x.t);
    ws_flow_table_set_ending(x.t, log_ending);
    nev = 0;
    /* ids 1-3 UDP, 4-5 TCP SYN only, 6 UDP kept alive. */
    for (int i = 0; i < 3; i++)
        feed(&x, udp(CLI, (uint16_t)(4000 + i), SRV, 514, 10, 0), NULL);
    feed(&x, tcp(CLI, 41000, SRV, 443, WS_TCP_SYN, 1, 0, 0), NULL);
    feed(&x, tcp(CLI, 41001, SRV, 443, WS_TCP_SYN, 1, 0, 0), NULL);
    feed(&x, udp(CLI, 4100, SRV, 53, 10, 0), NULL);
    feed(&x, udp(CLI, 4100, SRV, 53, 10, 9 * SEC), NULL);
    CU_ASSERT_EQUAL(nev, 0);
    /* At 21 s: the two SYN flows (10 s) and UDP 1-3 (20 s) are idle, UDP 6
     * (last seen at 9 s) is not; a sweep announces all five, then ends
     * them in that order. */
    ws_flow_table_expire(x.t, 21 * SEC);
    CU_ASSERT_TRUE(announced_then_ended(0, 5));
    CU_ASSERT_EQUAL(x.n, 5);
    /* A reused 5-tuple ends alone, unannounced: a new SYN on flow 7. */
    feed(&x, tcp(CLI, 42000, SRV, 443, WS_TCP_SYN, 1, 0, 22 * SEC), NULL);
    feed(&x, tcp(CLI, 42000, SRV, 443, WS_TCP_SYN, 5000, 0, 23 * SEC), NULL);
    CU_ASSERT_EQUAL_FATAL(nev, 11);
    CU_ASSERT_EQUAL(ev[10], -7);
    /* The flush announces what is left (6 and 8), then ends it. */
    ws_flow_table_flush(x.t);
    CU_ASSERT_TRUE(announced_then_ended(11, 2));
    CU_ASSERT_EQUAL(ev[11], 6);
    CU_ASSERT_EQUAL(ev[12], 8);
    fx_done(&x);
}

/* ---- churn against a reference model ----------------------------------- */

#define KEYS 5000
#define CAP 1000
#define OPS 200000

typedef struct model {
    uint64_t id[KEYS];      /* live flow id of key k, 0 if none */
    int64_t last[KEYS];     /* last activity */
    uint64_t ids_ended;     /* callbacks seen */
    int64_t evicted_key;    /* key of the last callback, -1 */
    uint64_t evicted_id;
    bool bad_reason;
} model;

static model M;

static ws_packet churn_pkt(int k, bool reverse, int64_t ts)
{
    /* Keys differ in the low 12 bytes of the address and in the port. */
    char a[64];
    snprintf(a, sizeof(a), "2001:db8::%x:%x", (unsigned)(k % 7), (unsigned)k);
    uint16_t port = (uint16_t)(10000 + k % 13);
    return reverse ? udp("2001:db8:ffff::1", 53, a, port, 10, ts)
                   : udp(a, port, "2001:db8:ffff::1", 53, 10, ts);
}

static void model_on_end(ws_flow *f, ws_end_reason why, void *ctx)
{
    (void)ctx;
    if (why != WS_END_EVICTED && why != WS_END_FLUSH)
        M.bad_reason = true;
    M.ids_ended++;
    M.evicted_id = f->id;
}

static void test_churn(void)
{
    memset(&M, 0, sizeof(M));
    ws_limits lim;
    ws_stats st;
    memset(&st, 0, sizeof(st));
    ws_limits_default(&lim);
    lim.max_flows = CAP;
    lim.udp_idle_us = 0; /* never idle: only eviction ends flows */
    ws_flow_table *t = ws_flow_table_new(&lim, &st, model_on_end, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);

    uint64_t next_id = 1, live = 0, mismatches = 0;
    uint32_t rng = 12345;
    for (int op = 0; op < OPS; op++) {
        rng = rng * 1103515245u + 12345u; /* ANSI C rand() recurrence */
        int k = (int)((rng >> 8) % KEYS);
        bool reverse = (rng >> 4) & 1;
        /* One second apart: the LRU order is kept to one second. */
        int64_t ts = (int64_t)op * SEC;

        /* Reference: a hit keeps the id; a miss at capacity evicts the key
         * with the oldest activity, then creates the next id. */
        uint64_t want_id, want_evicted = 0;
        if (M.id[k]) {
            want_id = M.id[k];
        } else {
            if (live == CAP) {
                int old = -1;
                for (int j = 0; j < KEYS; j++)
                    if (M.id[j] && (old < 0 || M.last[j] < M.last[old]))
                        old = j;
                want_evicted = M.id[old];
                M.id[old] = 0;
                live--;
            }
            want_id = next_id++;
            M.id[k] = want_id;
            live++;
        }
        M.last[k] = ts;

        uint64_t ended_before = M.ids_ended;
        int dir = -1;
        ws_packet p = churn_pkt(k, reverse, ts);
        ws_flow *f = ws_flow_table_packet(t, &p, &dir);
        if (!f || f->id != want_id)
            mismatches++;
        if (want_evicted && (M.ids_ended != ended_before + 1 || M.evicted_id != want_evicted))
            mismatches++;
        if (!want_evicted && M.ids_ended != ended_before)
            mismatches++;
        /* The port-53 side is the responder however the flow began: a
         * first packet from port 53 to a high port is taken as a reply. */
        if (f && dir != (reverse ? WS_DIR_REV : WS_DIR_FWD))
            mismatches++;
        if (ws_flow_table_active(t) != live)
            mismatches++;
    }
    CU_ASSERT_EQUAL(mismatches, 0);
    CU_ASSERT_FALSE(M.bad_reason);
    CU_ASSERT_EQUAL(st.flows, next_id - 1);
    CU_ASSERT_EQUAL(st.flows_evicted, next_id - 1 - CAP);
    CU_ASSERT(st.flows > 100000); /* the run really churned */
    CU_ASSERT(ws_flow_table_memory(t) <= CAP * ws_flow_table_bytes_per_flow());
    ws_flow_table_flush(t);
    CU_ASSERT_EQUAL(M.ids_ended, st.flows);
    ws_flow_table_free(t);
}

/* 200k distinct flows through a small table: each found again both ways. */
static void test_many_flows(void)
{
    fx x;
    fx_limits(&x);
    x.lim.max_flows = 4096;
    fx_open(&x);
    uint64_t bad = 0;
    for (uint32_t i = 0; i < 200000; i++) {
        char a[64];
        snprintf(a, sizeof(a), "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        ws_packet p = tcp(a, (uint16_t)(1024 + i % 50000), SRV, 443, WS_TCP_SYN, i, 0, i);
        ws_flow *f = ws_flow_table_packet(x.t, &p, NULL);
        int dir;
        ws_packet q = tcp(SRV, 443, a, (uint16_t)(1024 + i % 50000),
                          WS_TCP_SYN | WS_TCP_ACK, 7, 0, i);
        ws_flow *g = ws_flow_table_packet(x.t, &q, &dir);
        if (!f || f != g || f->id != i + 1 || dir != WS_DIR_REV)
            bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(x.st.flows, 200000);
    CU_ASSERT_EQUAL(x.st.flows_evicted, 200000 - 4096);
    CU_ASSERT_EQUAL(ws_flow_table_active(x.t), 4096);
    fx_done(&x);
    CU_ASSERT_EQUAL(x.calls, 200000);
    printf("\n  bytes per tracked flow: %zu\n", ws_flow_table_bytes_per_flow());
}

/* ---- random input ------------------------------------------------------ */

typedef struct tally {
    uint64_t by_reason[4];
    uint64_t max_id;
    bool id_twice;
    uint8_t seen[20001]; /* ids ended, for "exactly once" */
} tally;

static tally TL;

static void tally_on_end(ws_flow *f, ws_end_reason why, void *ctx)
{
    (void)ctx;
    if ((unsigned)why < 4)
        TL.by_reason[why]++;
    if (f->id < sizeof(TL.seen)) {
        if (TL.seen[f->id])
            TL.id_twice = true;
        TL.seen[f->id] = 1;
    }
}

static uint32_t rnd(uint32_t *r)
{
    *r = *r * 1103515245u + 12345u;
    return *r >> 8;
}

/* Random field values, time jumping both ways, ICMP errors quoting random
 * headers: the table stays within its cap and ends every flow exactly once. */
static void test_random_packets(void)
{
    memset(&TL, 0, sizeof(TL));
    ws_limits lim;
    ws_stats st;
    memset(&st, 0, sizeof(st));
    ws_limits_default(&lim);
    lim.max_flows = 64;
    lim.tcp_handshake_idle_us = 3 * SEC;
    lim.udp_idle_us = 5 * SEC;
    ws_flow_table *t = ws_flow_table_new(&lim, &st, tally_on_end, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    static const uint8_t protos[] = {6, 17, 1, 58, 50, 47, 132, 0, 255};
    static const int64_t times[] = {0, 1, -1, INT64_MAX, INT64_MIN, 1000 * SEC};
    uint32_t r = 99;
    int64_t ts = 0;
    uint64_t over_cap = 0, null_dir = 0;
    for (int i = 0; i < 20000; i++) {
        ws_packet p;
        memset(&p, 0, sizeof(p));
        ts += (int64_t)(rnd(&r) % 2000000) - 200000; /* mostly forward */
        p.ts_us = rnd(&r) % 500 == 0 ? times[rnd(&r) % 6] : ts;
        p.proto = protos[rnd(&r) % sizeof(protos)];
        p.ip_version = rnd(&r) % 2 ? 4 : 6;
        p.src.family = p.dst.family = p.ip_version;
        /* Mostly a few endpoints, so that packets meet existing flows. */
        uint32_t at = rnd(&r) % 8 ? 15 : rnd(&r) % 16;
        p.src.b[at] = (uint8_t)(rnd(&r) % 3);
        at = rnd(&r) % 8 ? 15 : rnd(&r) % 16;
        p.dst.b[at] = (uint8_t)(rnd(&r) % 3);
        p.sport = (uint16_t)(rnd(&r) % 8 ? 1000 + rnd(&r) % 3 : rnd(&r));
        p.dport = (uint16_t)(rnd(&r) % 8 ? 1000 + rnd(&r) % 3 : rnd(&r));
        p.tcp_flags = (uint8_t)rnd(&r);
        p.tcp_seq = rnd(&r) % 3;
        p.icmp_type = (uint8_t)(rnd(&r) % 4 ? rnd(&r) % 20 : 128 + rnd(&r) % 10);
        p.icmp_id = (uint16_t)(rnd(&r) % 4);
        p.ip_len = rnd(&r);
        p.wire_len = rnd(&r);
        p.payload_len = rnd(&r) % 3;
        if (rnd(&r) % 8 == 0) {
            p.icmp_error = true;
            p.quoted.present = rnd(&r) % 4 != 0;
            p.quoted.proto = protos[rnd(&r) % sizeof(protos)];
            p.quoted.src = p.dst;
            p.quoted.dst = p.src;
            p.quoted.sport = p.dport;
            p.quoted.dport = p.sport;
            p.quoted.icmp_type = (uint8_t)rnd(&r);
        }
        int dir = -1;
        ws_flow *f = ws_flow_table_packet(t, &p, &dir);
        if (f && (dir < WS_DIR_FWD || dir > WS_DIR_ICMP))
            null_dir++;
        if (ws_flow_table_active(t) > 64)
            over_cap++;
        if (rnd(&r) % 1000 == 0)
            ws_flow_table_expire(t, p.ts_us);
    }
    CU_ASSERT_EQUAL(over_cap, 0);
    CU_ASSERT_EQUAL(null_dir, 0);
    CU_ASSERT(ws_flow_table_memory(t) <= 64 * ws_flow_table_bytes_per_flow());
    ws_flow_table_flush(t);
    CU_ASSERT_FALSE(TL.id_twice);
    CU_ASSERT(st.flows > 1000 && st.flows < sizeof(TL.seen));
    uint64_t n_ended = 0;
    for (uint64_t id = 1; id <= st.flows; id++)
        n_ended += TL.seen[id];
    CU_ASSERT_EQUAL(n_ended, st.flows);
    CU_ASSERT_EQUAL(TL.by_reason[WS_END_IDLE], st.flows_expired);
    CU_ASSERT_EQUAL(TL.by_reason[WS_END_EVICTED], st.flows_evicted);
    CU_ASSERT_EQUAL(TL.by_reason[WS_END_IDLE] + TL.by_reason[WS_END_EVICTED] +
                        TL.by_reason[WS_END_REUSED] + TL.by_reason[WS_END_FLUSH],
                    st.flows);
    CU_ASSERT(TL.by_reason[WS_END_REUSED] > 0);
    CU_ASSERT(TL.by_reason[WS_END_IDLE] > 0);
    CU_ASSERT(TL.by_reason[WS_END_EVICTED] > 0);
    CU_ASSERT_EQUAL(ws_flow_table_active(t), 0);
    ws_flow_table_free(t);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"idle timeout per class", test_idle_per_class},
        {"idle expiry driven by packets", test_idle_by_packets},
        {"capture time stepping back", test_time_steps_back},
        {"eviction of the least recently active", test_evict_lru},
        {"idle flows end before eviction", test_evict_idle_first},
        {"byte budget caps the flows", test_budget_bytes},
        {"capacity zero drops", test_capacity_zero},
        {"flush in creation order, once", test_flush_order},
        {"a flushed table refills to its capacity", test_flush_then_refill},
        {"a key whose flow ended starts a new flow", test_ended_key_starts_anew},
        {"a sweep and a flush announce what they end, in order", test_ending_announced},
        {"churn against a reference model", test_churn},
        {"200k flows through a small table", test_many_flows},
        {"random packets keep the invariants", test_random_packets},
        {NULL, NULL},
    };
    ws_test_suite("flow table", cases);
    return ws_test_run();
}

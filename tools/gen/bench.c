/* bench.c - wsgen's benchmark profile: a Pexip Infinity video-conferencing
 * site, written streaming; specification: tools/gen/README.md ("The bench
 * profile"), the address plan of tools/gen/bench.site.json and the rows of
 * rules/pexip-infinity.json each kind of flow follows. */
#include "gen.h"

#include <stdlib.h>
#include <string.h>

#define N_CONF 8
#define N_EDGE 4
#define N_NODES (1 + N_CONF + N_EDGE)
#define MESH_PAIRS (N_NODES * (N_NODES - 1) / 2)

/* Kinds of arrival, with their share of arrivals (per 10000) and the mean
 * packets one writes (a call's RTP is sized separately). */
enum kind {
    K_CALL, K_WEB, K_ADMIN_WEB, K_DNS, K_NTP, K_SYSLOG, K_SNMP, K_SSH,
    K_NOANSWER, K_REJECTED, K_ICMP, K_UNDOC, K_N
};
static const struct { unsigned share; double packets; } kinds[K_N] = {
    [K_CALL] = {100, 16},     /* its signaling connection; RTP comes on top */
    [K_WEB] = {2900, 13},     /* endpoint -> node 443, 4-10 data segments */
    [K_ADMIN_WEB] = {200, 13},
    [K_DNS] = {3500, 2},
    [K_NTP] = {600, 2},
    [K_SYSLOG] = {1200, 2},
    [K_SNMP] = {800, 2},
    [K_SSH] = {100, 14},
    [K_NOANSWER] = {200, 3},
    [K_REJECTED] = {150, 2},
    [K_ICMP] = {150, 2},
    [K_UNDOC] = {100, 8},
};

typedef struct bitem {
    gen_spec spec;
    gen_flow flow;
    struct bitem *next_free;
} bitem;

typedef struct {
    gen_rng rng;
    gen_heap heap;
    uint64_t order;
    bitem *free_list;
    size_t allocated;
    gen_addr nodes[N_NODES]; /* 0: management, 1-8: conferencing, 9-12: edge */
    int64_t t0, dur_us;
    uint32_t call_packets; /* mean RTP packets of a call */
    uint64_t flows;
} bench;

static void v4(gen_addr *a, unsigned b0, unsigned b1, unsigned b2, unsigned b3)
{
    memset(a, 0, sizeof(*a));
    a->family = 4;
    a->b[0] = (uint8_t)b0, a->b[1] = (uint8_t)b1, a->b[2] = (uint8_t)b2, a->b[3] = (uint8_t)b3;
}

static bitem *item_new(bench *b)
{
    bitem *it = b->free_list;
    if (it) {
        b->free_list = it->next_free;
    } else {
        it = malloc(sizeof(*it));
        if (!it)
            return NULL;
        b->allocated++;
    }
    memset(&it->spec, 0, sizeof(it->spec));
    return it;
}

static void item_free(bench *b, bitem *it)
{
    it->next_free = b->free_list;
    b->free_list = it;
}

/* Starts the flow described by it->spec at t; false when out of memory. */
static bool launch(bench *b, bitem *it, int64_t t, uint16_t sport)
{
    gen_flow_start(&it->flow, &it->spec, gen_rng_next(&b->rng), t, sport);
    b->flows++;
    return gen_heap_push(&b->heap, it->flow.next_us, b->order++, it);
}

static uint32_t below(bench *b, uint32_t n) { return gen_rng_below(&b->rng, n); }

static uint16_t node_ephemeral(bench *b) { return (uint16_t)(55000 + below(b, 10536)); }
/* RTP on even ports (RFC 3550 11); endpoints' below 32000 (UAUDP's). */
static uint16_t media_port(bench *b) { return (uint16_t)(40000 + 2 * below(b, 5000)); }
static uint16_t endpoint_rtp_port(bench *b) { return (uint16_t)(16384 + 2 * below(b, 7808)); }

/* An endpoint and the node it talks to: internal endpoints reach the
 * conferencing nodes, external ones only the proxying edge nodes. */
static void endpoint_and_node(bench *b, gen_addr *ep, int *node)
{
    if (below(b, 4) == 0) {
        *node = 1 + N_CONF + (int)below(b, N_EDGE);
        if (below(b, 2))
            v4(ep, 198, 51, 100, 1 + below(b, 254));
        else
            v4(ep, 203, 0, 113, 1 + below(b, 254));
    } else {
        *node = 1 + (int)below(b, N_CONF);
        v4(ep, 10, 30, below(b, 40), 1 + below(b, 254));
    }
}

static void node_name(int node, char *buf, size_t size)
{
    if (node == 0)
        snprintf(buf, size, "pexmgr.vc.example.com");
    else if (node <= N_CONF)
        snprintf(buf, size, "conf%d.vc.example.com", node);
    else
        snprintf(buf, size, "edge%d.vc.example.com", node - N_CONF);
}

/* Arrival number `index`: every (10000 / share)th is a call, so that the
 * calls, which carry most packets, come in a fixed number; the others are
 * drawn by their shares. */
static bool arrival(bench *b, uint64_t index, int64_t t)
{
    unsigned every = 10000 / kinds[K_CALL].share;
    unsigned r = kinds[K_CALL].share + below(b, 10000 - kinds[K_CALL].share), acc = 0;
    enum kind k = K_CALL;
    for (int i = 0; index % every != every / 2 && i < K_N; i++) {
        acc += kinds[i].share;
        if (r < acc) {
            k = (enum kind)i;
            break;
        }
    }
    bitem *it = item_new(b);
    if (!it)
        return false;
    gen_spec *s = &it->spec;
    gen_addr ep;
    int node;
    uint16_t sport = 0;
    endpoint_and_node(b, &ep, &node);
    int any_node = (int)below(b, N_NODES);
    s->transport = GT_TCP;
    s->outcome = GO_ESTABLISHED;
    switch (k) {
    case K_CALL: {
        /* signaling, then the media both ways for the length of the call */
        s->src = ep, s->dst = b->nodes[node];
        if (below(b, 10) < 7) {
            s->dport = 5061, s->app = GA_TLS, s->packets = 8;
            node_name(node, s->sni, sizeof(s->sni));
        } else {
            s->dport = 5060, s->app = GA_SIP, s->packets = 4;
        }
        bitem *m = item_new(b);
        if (!m || !launch(b, it, t, 0))
            return false;
        gen_spec *ms = &m->spec;
        ms->transport = GT_UDP, ms->outcome = GO_BOTH, ms->app = GA_RTP;
        ms->packets = b->call_packets / 2 + below(b, b->call_packets);
        uint16_t ep_port = endpoint_rtp_port(b);
        if (below(b, 2)) { /* the endpoint sends first */
            ms->src = ep, ms->dst = b->nodes[node], ms->dport = media_port(b);
            return launch(b, m, t + 150000, ep_port);
        }
        ms->src = b->nodes[node], ms->dst = ep, ms->dport = ep_port;
        return launch(b, m, t + 150000, media_port(b));
    }
    case K_WEB:
        s->src = ep, s->dst = b->nodes[node], s->dport = 443, s->app = GA_TLS;
        s->packets = 4 + below(b, 7);
        snprintf(s->sni, sizeof(s->sni), "meet.vc.example.com");
        break;
    case K_ADMIN_WEB:
        v4(&s->src, 10, 20, 0, 200);
        s->dst = b->nodes[0], s->dport = 443, s->app = GA_TLS, s->packets = 4 + below(b, 7);
        node_name(0, s->sni, sizeof(s->sni));
        break;
    case K_DNS: {
        int q = (int)below(b, N_NODES);
        s->transport = GT_UDP, s->outcome = GO_ANSWERED, s->app = GA_DNS;
        s->src = b->nodes[any_node], s->dport = 53;
        v4(&s->dst, 10, 20, 0, 53);
        node_name(q, s->qname, sizeof(s->qname));
        s->answer = b->nodes[q], s->has_answer = true;
        sport = node_ephemeral(b);
        break;
    }
    case K_NTP:
        s->transport = GT_UDP, s->outcome = GO_ANSWERED, s->app = GA_NTP;
        s->src = b->nodes[any_node], s->dport = 123;
        v4(&s->dst, 10, 20, 0, 123);
        sport = 123;
        break;
    case K_SYSLOG:
        s->transport = GT_UDP, s->outcome = GO_ONEWAY, s->app = GA_SYSLOG;
        s->src = b->nodes[any_node], s->dport = 514, s->packets = 1 + below(b, 3);
        v4(&s->dst, 10, 20, 0, 114);
        sport = node_ephemeral(b);
        break;
    case K_SNMP:
        s->transport = GT_UDP, s->outcome = GO_ANSWERED, s->app = GA_SNMP;
        v4(&s->src, 10, 20, 0, 161);
        s->dst = b->nodes[any_node], s->dport = 161;
        break;
    case K_SSH:
        v4(&s->src, 10, 20, 0, 200);
        s->dst = b->nodes[any_node], s->dport = 22, s->app = GA_SSH, s->packets = 8;
        break;
    case K_NOANSWER: /* a firewall drops endpoint HTTPS to a node */
        s->src = ep, s->dst = b->nodes[node], s->dport = 443, s->outcome = GO_NO_ANSWER;
        break;
    case K_REJECTED: /* SIP/TLS reset */
        s->src = ep, s->dst = b->nodes[node], s->dport = 5061, s->outcome = GO_REJECTED;
        break;
    case K_ICMP: /* media refused by a firewall, or by the node itself */
        s->transport = GT_UDP, s->app = GA_RTP;
        s->src = ep, s->dst = b->nodes[node], s->dport = media_port(b);
        sport = endpoint_rtp_port(b);
        if (below(b, 2)) {
            s->outcome = GO_PROHIBITED;
            v4(&s->via, 10, 20, 255, 254);
            s->has_via = true;
        } else {
            s->outcome = GO_UNREACHABLE;
        }
        break;
    case K_UNDOC: { /* ports no row of the document names */
        static const uint16_t tcp_ports[] = {3389, 4444};
        s->src = ep, s->dst = b->nodes[1 + below(b, N_CONF)];
        v4(&s->src, 10, 30, below(b, 40), 1 + below(b, 254));
        unsigned w = below(b, 3);
        if (w < 2) {
            s->dport = tcp_ports[w], s->app = GA_RAW, s->packets = 2;
        } else {
            s->transport = GT_UDP, s->outcome = GO_BOTH, s->app = GA_RAW, s->dport = 9999;
            s->packets = 4, s->bytes = 60;
        }
        break;
    }
    case K_N:
        break;
    }
    return launch(b, it, t, sport);
}

/* IKE between every pair of nodes at the start, then ESP both ways for
 * the whole capture; the management node's licensing check. */
static bool startup(bench *b, uint64_t esp_packets)
{
    int64_t t = b->t0;
    uint32_t per_pair = (uint32_t)(esp_packets / MESH_PAIRS);
    if (per_pair < 2)
        per_pair = 2;
    for (int i = 0; i < N_NODES; i++)
        for (int j = i + 1; j < N_NODES; j++) {
            bitem *ike = item_new(b), *esp = item_new(b);
            if (!ike || !esp)
                return false;
            ike->spec.transport = GT_UDP, ike->spec.outcome = GO_ANSWERED;
            ike->spec.app = GA_IKE, ike->spec.packets = 2;
            ike->spec.src = b->nodes[i], ike->spec.dst = b->nodes[j], ike->spec.dport = 500;
            if (!launch(b, ike, t, 500))
                return false;
            esp->spec.transport = GT_ESP, esp->spec.outcome = GO_BOTH;
            esp->spec.src = b->nodes[i], esp->spec.dst = b->nodes[j];
            esp->spec.packets = per_pair;
            esp->spec.bytes = 200 + below(b, 900);
            int64_t span = b->dur_us - (t - b->t0) - 200000;
            esp->spec.every_us = 2 * span / per_pair;
            if (esp->spec.every_us < 1000)
                esp->spec.every_us = 1000;
            if (!launch(b, esp, t + 100000, 0))
                return false;
            t += 7000;
        }
    /* licensing: resolve activation.pexip.com, then HTTPS to it */
    bitem *dns = item_new(b), *tls = item_new(b);
    if (!dns || !tls)
        return false;
    gen_addr lic;
    v4(&lic, 192, 0, 2, 80);
    dns->spec.transport = GT_UDP, dns->spec.outcome = GO_ANSWERED, dns->spec.app = GA_DNS;
    dns->spec.src = b->nodes[0], dns->spec.dport = 53;
    v4(&dns->spec.dst, 10, 20, 0, 53);
    snprintf(dns->spec.qname, sizeof(dns->spec.qname), "activation.pexip.com");
    dns->spec.answer = lic, dns->spec.has_answer = true;
    if (!launch(b, dns, t, node_ephemeral(b)))
        return false;
    tls->spec.transport = GT_TCP, tls->spec.outcome = GO_ESTABLISHED, tls->spec.app = GA_TLS;
    tls->spec.src = b->nodes[0], tls->spec.dst = lic, tls->spec.dport = 443, tls->spec.packets = 6;
    snprintf(tls->spec.sni, sizeof(tls->spec.sni), "activation.pexip.com");
    return launch(b, tls, t + 20000, node_ephemeral(b));
}

bool gen_bench_write(uint64_t packets, uint64_t flows, uint64_t seed, gen_pcap *w)
{
    bench b;
    memset(&b, 0, sizeof(b));
    b.rng.s = seed;
    v4(&b.nodes[0], 10, 20, 0, 10);
    for (int i = 1; i <= N_CONF; i++)
        v4(&b.nodes[i], 10, 20, 1, (unsigned)i);
    for (int i = 1; i <= N_EDGE; i++)
        v4(&b.nodes[N_CONF + i], 10, 20, 2, (unsigned)i);
    b.t0 = (int64_t)1772442000 * 1000000; /* 2026-03-02T09:00:00Z */

    /* Size the mix: the fixed flows first, the calls' RTP takes the rest. */
    uint64_t fixed_flows = 2 * MESH_PAIRS + 2;
    uint64_t arrivals = flows > fixed_flows ? flows - fixed_flows : 1;
    arrivals = arrivals * 10000 / (10000 + kinds[K_CALL].share); /* a call is two flows */
    if (arrivals == 0)
        arrivals = 1;
    double others = 0;
    for (int i = 0; i < K_N; i++)
        others += (double)arrivals * kinds[i].share / 10000.0 * kinds[i].packets;
    double target = (double)packets * 1.04;
    uint64_t esp = (uint64_t)(target * 0.04);
    double calls = (double)(arrivals / (10000 / kinds[K_CALL].share));
    double rtp = target - others - (double)esp - 4.0 * MESH_PAIRS;
    b.call_packets = calls >= 1 && rtp / calls > 100 ? (uint32_t)(rtp / calls) : 100;
    /* ~20000 packets per second of capture, at least 20 s, and at least
     * three times the longest call (RTP: 100 packets a second). */
    b.dur_us = (int64_t)(packets / 20000) * 1000000;
    int64_t longest = (int64_t)b.call_packets * 3 / 2 * 10000;
    if (b.dur_us < 3 * longest)
        b.dur_us = 3 * longest;
    if (b.dur_us < 20000000)
        b.dur_us = 20000000;

    bool ok = startup(&b, esp);
    /* Arrivals spread over the capture but for the last longest call, so
     * that calls end inside it; each at a drawn instant of its own slot. */
    int64_t window = b.dur_us - longest - 1000000;
    int64_t slot = window / (int64_t)arrivals;
    if (slot < 1)
        slot = 1;
    uint64_t next = 0;
    int64_t next_t = b.t0 + 1000000;
    uint8_t frame[GEN_FRAME_MAX];
    gen_heap_ent top;
    while (ok && w->packets < packets) {
        if (next < arrivals && (!b.heap.n || next_t <= b.heap.v[0].key)) {
            ok = arrival(&b, next, next_t);
            next++;
            next_t = b.t0 + 1000000 + (int64_t)next * slot +
                     (int64_t)below(&b, (uint32_t)(slot < UINT32_MAX ? slot : UINT32_MAX));
            continue;
        }
        if (!gen_heap_pop(&b.heap, &top))
            break;
        bitem *it = top.item;
        int64_t t = it->flow.next_us;
        size_t len = gen_flow_packet(&it->flow, frame, sizeof(frame));
        gen_pcap_write(w, t, frame, len);
        if (w->failed)
            ok = false;
        if (it->flow.i < it->flow.n)
            ok = ok && gen_heap_push(&b.heap, it->flow.next_us, b.order++, it);
        else
            item_free(&b, it);
    }
    if (!ok && !w->failed)
        fprintf(stderr, "wsgen: out of memory\n");
    if (ok && w->packets < packets)
        fprintf(stderr, "wsgen: the mix ran out at %llu packets of %llu\n",
                (unsigned long long)w->packets, (unsigned long long)packets);
    fprintf(stderr, "wsgen: bench: %llu packets, %llu flows, %.1f s of capture\n",
            (unsigned long long)w->packets, (unsigned long long)b.flows,
            (double)b.dur_us / 1e6);
    /* free everything: the heap's items and the free list */
    while (gen_heap_pop(&b.heap, &top))
        free(top.item);
    while (b.free_list) {
        bitem *n = b.free_list->next_free;
        free(b.free_list);
        b.free_list = n;
    }
    gen_heap_free(&b.heap);
    return ok;
}

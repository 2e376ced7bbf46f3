/* dpi.c - nDPI 4.2 detection per flow, driven as ndpiReader drives it, on
 * the calling thread or on a worker thread of its own.
 * specification: nDPI 4.2 API (ndpi_api.h) and its reader, example/reader_util.c
 * (packet_processing: feed until a verdict with no extra dissection left,
 * or the packet limit; then ndpi_detection_giveup with guessing enabled). */
#include "dpi/dpi.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cursor.h"
#include "common/ring.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wshadow"
#include <ndpi_api.h>
#pragma GCC diagnostic pop

/* The outcome of detection, decided where nDPI runs and applied to the
 * flow (and counted) by the thread that owns the flow. */
typedef struct verdict {
    uint16_t app, app_master;
    uint8_t app_source;
    bool hit_limit;          /* stopped at dpi_max_packets without a verdict */
    bool sip_over_http;      /* nDPI's HTTP renamed SIP */
} verdict;

/*
 * What a flow holds while detection runs: one allocation per flow, on a
 * list so that ws_dpi_free can release what flows never ended.
 *
 * With a worker thread, the calling thread (the owner of the flow) creates
 * the state, links it, and sends it packets through the ring; the worker
 * alone touches the detection fields (fed ... nf) and, once it has decided,
 * writes out, pushes the state on the decided stack and sets ready. The
 * owner takes the states off that stack (soon after, at its next packet of
 * any flow in detection, or when a flow ends), writes each verdict into its
 * flow, unlinks the state and sends it back to be freed: the worker frees it
 * when it reaches that record, after every packet sent before it.
 */
typedef struct ws_dpi_flow {
    struct ws_dpi_flow *prev, *next; /* the owner's */
    ws_flow *flow;           /* the flow it tags (flows stay in place in the table) */
    struct ws_dpi_flow *decided_next; /* on the decided stack */
    bool owner_sip;          /* the owner has seen a SIP start line */
    bool end_sent;           /* the owner has sent REC_END */
    /* detection */
    bool decided;            /* out holds the verdict; later packets are ignored */
    bool sip;                /* a TCP segment began with a SIP start line */
    uint32_t fed;            /* packets given to nDPI */
    ndpi_protocol last;      /* nDPI's answer to the last packet */
    verdict out;
    atomic_bool ready;       /* out is written (worker mode) */
    struct ndpi_flow_struct nf;
} ws_dpi_flow;

/* What the owner sends the worker. */
enum { REC_PACKET, REC_END, REC_FREE, REC_SYNC };
typedef struct rec {
    uint8_t kind;
    bool sip;                /* REC_PACKET: the segment begins with a SIP start line */
    uint16_t len;            /* REC_PACKET: IP bytes that follow */
    ws_dpi_flow *s;          /* REC_SYNC: an atomic_bool to set */
    uint64_t ms;
    uint8_t ip[];
} rec;

/* Bytes of packets queued for the worker: enough for a few thousand
 * packets, so that neither thread waits for the other's bursts. */
#define RING_BYTES (2u << 20)

/*
 * nDPI's detection module takes about 6 MB and 30 ms to set up, and a
 * process that opens the rules (which asks nDPI for application names) and
 * then audits would hold two. So a module is shared by every ws_dpi created
 * while it has not run detection: name lookups leave it as it was, but
 * detection does not (it caches what earlier flows showed), so the first
 * ws_dpi to feed it a packet keeps it to itself: it is never handed out
 * again, and another ws_dpi sharing it takes a fresh module before its own
 * first packet. Every run's detection therefore starts from a new module,
 * as it did when each ws_dpi made its own.
 */
typedef struct shared_mod {
    struct ndpi_detection_module_struct *mod;
    unsigned users;
    bool used;               /* has run detection */
    const struct ws_dpi *detector; /* the ws_dpi that runs it, NULL once freed */
} shared_mod;

static shared_mod *spare;    /* a module no ws_dpi has fed yet, or NULL */

struct ws_dpi {
    struct ndpi_detection_module_struct *mod; /* = m->mod */
    shared_mod *m;
    const ws_limits *limits;
    ws_stats *stats;
    ws_dpi_flow *active;     /* flows in detection */
    size_t nactive;
    /* worker mode, started at the first packet when limits->threads */
    ws_ring *ring;
    pthread_t worker;
    bool worker_tried;
    _Atomic(ws_dpi_flow *) decided; /* states the worker has decided, newest first */
};

static void state_destroy(ws_dpi_flow *s)
{
    ndpi_free_flow_data(&s->nf);
    free(s);
}

static void state_unlink(ws_dpi *d, ws_dpi_flow *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        d->active = s->next;
    if (s->next)
        s->next->prev = s->prev;
    d->nactive--;
}

/* A module set up as ndpiReader sets it up: default preferences (libgcrypt
 * on, for QUIC), every protocol enabled, then the second initialisation step. */
static shared_mod *mod_new(void)
{
    shared_mod *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->mod = ndpi_init_detection_module(ndpi_no_prefs);
    if (!m->mod) {
        free(m);
        return NULL;
    }
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(m->mod, &all);
    ndpi_finalize_initialization(m->mod);
    return m;
}

static void mod_release(shared_mod *m, const ws_dpi *d)
{
    if (m->detector == d)
        m->detector = NULL;
    if (--m->users)
        return;
    if (spare == m)
        spare = NULL;
    ndpi_exit_detection_module(m->mod);
    free(m);
}

/* Makes d's module its own before d's first packet; false on ENOMEM. */
static bool claim(ws_dpi *d)
{
    shared_mod *m = d->m;
    if (m->used && m->detector == d)
        return true;
    if (!m->used) {
        m->used = true;
        m->detector = d;
        if (spare == m)
            spare = NULL;
        return true;
    }
    shared_mod *fresh = mod_new(); /* another ws_dpi runs detection on m */
    if (!fresh)
        return false;
    fresh->users = 1;
    fresh->used = true;
    fresh->detector = d;
    mod_release(m, d);
    d->m = fresh;
    d->mod = fresh->mod;
    return true;
}

ws_dpi *ws_dpi_new(const ws_limits *limits, ws_stats *stats)
{
    ws_dpi *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->limits = limits;
    d->stats = stats;
    atomic_init(&d->decided, NULL);
    if (!spare) {
        spare = mod_new();
        if (!spare) {
            free(d);
            return NULL;
        }
    }
    d->m = spare;
    d->m->users++;
    d->mod = d->m->mod;
    return d;
}

bool ws_dpi_app_known(const char *name, void *ctx)
{
    ws_dpi *d = ctx;
    if (!strcasecmp(name, "Unknown"))
        return false;
    return ndpi_get_proto_by_name(d->mod, name) != NDPI_PROTOCOL_UNKNOWN;
}

static void worker_stop(ws_dpi *d);

void ws_dpi_free(ws_dpi *d)
{
    if (!d)
        return;
    worker_stop(d); /* it frees what was sent back to it */
    while (d->active) {
        ws_dpi_flow *s = d->active;
        state_unlink(d, s);
        state_destroy(s);
    }
    mod_release(d->m, d);
    free(d);
}

size_t ws_dpi_state_bytes(void) { return sizeof(ws_dpi_flow); }

size_t ws_dpi_active(const ws_dpi *d) { return d ? d->nactive : 0; }

/*
 * Does a TCP segment begin with a SIP start line (RFC 3261 section 7.1)?
 * Request-Line: Method SP Request-URI SP "SIP/2.0" CRLF, with a method of
 * RFC 3261 or its extensions and a sip:, sips: or tel: URI; Status-Line:
 * "SIP/2.0" SP 3DIGIT SP. nDPI 4.2 names SIP over TCP on a port other than
 * 5060 "HTTP" (its HTTP dissector takes any "METHOD SP ... /x.y" line), and
 * a rule for a configured SIP port would see the wrong application.
 */
static bool sip_start_line(const uint8_t *p, size_t len)
{
    static const char *const methods[] = {
        "INVITE", "ACK", "OPTIONS", "BYE", "CANCEL", "REGISTER", "PRACK", "SUBSCRIBE",
        "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE",
    };
    if (len >= 12 && !memcmp(p, "SIP/2.0 ", 8))
        return p[8] >= '1' && p[8] <= '6' && p[9] >= '0' && p[9] <= '9' && p[10] >= '0' &&
               p[10] <= '9' && p[11] == ' ';
    const uint8_t *eol = memchr(p, '\n', len < 512 ? len : 512);
    if (!eol || eol - p < 2 || eol[-1] != '\r')
        return false;
    size_t line = (size_t)(eol - p) - 1; /* without CRLF */
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        size_t m = strlen(methods[i]);
        if (line <= m + 1 || memcmp(p, methods[i], m) || p[m] != ' ')
            continue;
        const uint8_t *uri = p + m + 1;
        size_t rest = line - m - 1;
        bool scheme = (rest > 4 && !strncasecmp((const char *)uri, "sip:", 4)) ||
                      (rest > 5 && !strncasecmp((const char *)uri, "sips:", 5)) ||
                      (rest > 4 && !strncasecmp((const char *)uri, "tel:", 4));
        return scheme && rest > 8 && !memcmp(p + line - 8, " SIP/2.0", 8);
    }
    return false;
}

/* Decides the verdict, where nDPI runs: nDPI's best guess if it has no
 * answer, SIP that nDPI took for HTTP renamed. */
static void decide(ws_dpi *d, ws_dpi_flow *s, bool hit_limit)
{
    ndpi_protocol p = s->last;
    if (p.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
        uint8_t guessed = 0;
        p = ndpi_detection_giveup(d->mod, &s->nf, 1, &guessed);
    }
    verdict *v = &s->out;
    v->sip_over_http = false;
    bool dpi = s->nf.confidence == NDPI_CONFIDENCE_DPI;
    if (s->sip && (p.app_protocol == NDPI_PROTOCOL_HTTP ||
                   p.master_protocol == NDPI_PROTOCOL_HTTP)) {
        /* SIP that nDPI took for HTTP: the start line says SIP. */
        p.app_protocol = NDPI_PROTOCOL_SIP;
        p.master_protocol = NDPI_PROTOCOL_UNKNOWN;
        dpi = true;
        v->sip_over_http = true;
    } else if (!s->sip && p.master_protocol == NDPI_PROTOCOL_SIP &&
               p.app_protocol == NDPI_PROTOCOL_HTTP) {
        /* "SIP.HTTP": HTTP on a SIP port, the SIP only from the port (no SIP
         * start line was seen). The payload says HTTP. */
        p.master_protocol = NDPI_PROTOCOL_UNKNOWN;
    }
    v->app = p.app_protocol;
    v->app_master = p.master_protocol;
    /* Payload-based verdicts are DPI; port, address and cross-flow cache
     * matches are guesses. */
    if (p.app_protocol == NDPI_PROTOCOL_UNKNOWN && p.master_protocol == NDPI_PROTOCOL_UNKNOWN)
        v->app_source = WS_APP_NONE;
    else
        v->app_source = dpi ? WS_APP_DPI : WS_APP_GUESS;
    if (v->app == NDPI_PROTOCOL_UNKNOWN && v->app_master != NDPI_PROTOCOL_UNKNOWN) {
        /* Only the master is known: name it as the application. */
        v->app = v->app_master;
        v->app_master = NDPI_PROTOCOL_UNKNOWN;
    }
    if (v->app_master == v->app)
        v->app_master = NDPI_PROTOCOL_UNKNOWN;
    v->hit_limit = hit_limit;
    s->decided = true;
}

/* Writes the verdict into the flow and counts it, on the flow's thread. */
static void apply(ws_dpi *d, ws_flow *flow, const verdict *v)
{
    flow->app = v->app;
    flow->app_master = v->app_master;
    flow->app_source = v->app_source;
    flow->tag_flags |= WS_TAG_DPI_DONE;
    if (v->sip_over_http)
        d->stats->dpi_sip_over_http++;
    if (v->app_source == WS_APP_DPI) {
        d->stats->dpi_classified++;
    } else {
        if (v->app_source == WS_APP_GUESS)
            d->stats->dpi_guessed++;
        if (v->hit_limit) {
            flow->tag_flags |= WS_TAG_DPI_LIMIT;
            d->stats->dpi_gave_up++;
        }
    }
    flow->dpi_state = NULL;
}

/* Detection on the calling thread is over: the verdict into the flow, the
 * state freed. */
static void finish_here(ws_dpi *d, ws_flow *flow, ws_dpi_flow *s)
{
    apply(d, flow, &s->out);
    state_unlink(d, s);
    state_destroy(s);
}

/* One packet through nDPI; true when detection is over (s->out decided). */
static bool detect(ws_dpi *d, ws_dpi_flow *s, const uint8_t *ip, uint16_t len, uint64_t ms,
                   bool sip)
{
    if (s->fed++ == 0)
        memset(&s->nf, 0, sizeof(s->nf)); /* see ws_dpi_packet */
    if (sip)
        s->sip = true;
    s->last = ndpi_detection_process_packet(d->mod, &s->nf, ip, len, ms);

    bool at_limit = s->fed >= d->limits->dpi_max_packets;
    bool enough = at_limit || s->nf.fail_with_unknown;
    if (s->last.app_protocol == NDPI_PROTOCOL_UNKNOWN && !enough)
        return false;
    /* Known, but nDPI could still learn more (a certificate, a sub-protocol):
     * keep feeding while the limit allows, as ndpiReader does. */
    if (!enough && ndpi_extra_dissection_possible(d->mod, &s->nf))
        return false;
    decide(d, s, at_limit && s->last.app_protocol == NDPI_PROTOCOL_UNKNOWN);
    return true;
}

/* ---- the worker ------------------------------------------------------ */

/*
 * The worker runs every nDPI call of the run, in the order the owner sent
 * them, which is the order the owner would have made them itself: the
 * verdicts (and nDPI's caches of what earlier flows showed) are the same
 * with and without it. The owner only learns a verdict later, so it may
 * send a few more packets of a flow already decided; the worker skips them.
 */
static void publish(ws_dpi *d, ws_dpi_flow *s)
{
    ws_dpi_flow *top = atomic_load(&d->decided);
    do
        s->decided_next = top;
    while (!atomic_compare_exchange_weak(&d->decided, &top, s));
    atomic_store(&s->ready, true);
}

static void *worker_main(void *arg)
{
    ws_dpi *d = arg;
    size_t len;
    rec *r;
    while ((r = ws_ring_next(d->ring, &len))) {
        ws_dpi_flow *s = r->s;
        switch (r->kind) {
        case REC_PACKET:
            if (!s->decided && detect(d, s, r->ip, r->len, r->ms, r->sip))
                publish(d, s);
            break;
        case REC_END:
            if (!s->decided) {
                decide(d, s, false);
                publish(d, s);
            }
            break;
        case REC_FREE:
            state_destroy(s);
            break;
        case REC_SYNC:
            atomic_store((atomic_bool *)(void *)s, true);
            break;
        default:
            break;
        }
        ws_ring_release(d->ring);
    }
    return NULL;
}

/* Starts the worker; false (and detection stays on this thread) when a
 * thread or its ring cannot be had. */
static bool worker_start(ws_dpi *d)
{
    d->worker_tried = true;
    d->ring = ws_ring_new(RING_BYTES);
    if (!d->ring)
        return false;
    if (pthread_create(&d->worker, NULL, worker_main, d) != 0) {
        ws_ring_free(d->ring);
        d->ring = NULL;
        return false;
    }
    return true;
}

static void worker_stop(ws_dpi *d)
{
    if (!d->ring)
        return;
    ws_ring_close(d->ring);
    pthread_join(d->worker, NULL);
    ws_ring_free(d->ring);
    d->ring = NULL;
}

static void post(ws_dpi *d, int kind, ws_dpi_flow *s)
{
    rec *r = ws_ring_reserve(d->ring, sizeof(rec));
    r->kind = (uint8_t)kind;
    r->s = s;
    ws_ring_commit(d->ring);
}

/* The owner's side once the worker has decided: each verdict into its
 * flow, each state sent back to be freed after the packets still queued
 * for it. Verdicts are independent of each other, so their order here does
 * not matter. */
static void collect(ws_dpi *d)
{
    ws_dpi_flow *s = atomic_exchange(&d->decided, NULL);
    while (s) {
        ws_dpi_flow *next = s->decided_next;
        apply(d, s->flow, &s->out);
        state_unlink(d, s);
        post(d, REC_FREE, s);
        s = next;
    }
}

/*
 * nDPI reads the packet without our cursor, so it only gets packets whose
 * IP header holds together (RFC 791 section 3.1, RFC 8200 section 3):
 * version as the decoder found it, header inside the bytes, and the stated
 * length within what was captured. Returns the length to hand over (the
 * stated one: link-layer padding is cut off), or 0 to skip the packet.
 * nDPI itself refuses the same packets (ndpi_iph_is_valid_and_not_fragmented
 * and its IPv6 length check), as does ndpiReader, so nothing is lost.
 */
static uint32_t ip_length(const ws_packet *pkt)
{
    ws_cur c = ws_cur_make(pkt->l3, pkt->l3_len);
    uint8_t vihl = ws_cur_u8(&c);
    if (!ws_cur_ok(&c) || (vihl >> 4) != pkt->ip_version)
        return 0;
    if (pkt->ip_version == 4) {
        uint32_t hlen = (uint32_t)(vihl & 0x0f) * 4;
        ws_cur_skip(&c, 1);
        uint32_t total = ws_cur_be16(&c);
        if (!ws_cur_ok(&c) || hlen < 20 || total < hlen || total > pkt->l3_len)
            return 0;
        return total;
    }
    if (pkt->ip_version == 6) {
        ws_cur_skip(&c, 3);
        uint32_t plen = ws_cur_be16(&c);
        /* plen 0 is a jumbogram (RFC 2675): not handed to nDPI. */
        if (!ws_cur_ok(&c) || pkt->l3_len < 40 || plen == 0 ||
            plen > pkt->l3_len - 40)
            return 0;
        return 40 + plen;
    }
    return 0;
}

void ws_dpi_packet(ws_dpi *d, ws_flow *flow, int dir, const ws_packet *pkt)
{
    if (!d || !flow || !pkt || (flow->tag_flags & WS_TAG_DPI_DONE))
        return;
    if (dir != WS_DIR_FWD && dir != WS_DIR_REV)
        return;
    if (!pkt->l3 || d->limits->dpi_max_packets == 0)
        return;
    if (d->ring && atomic_load_explicit(&d->decided, memory_order_relaxed)) {
        collect(d);
        if (flow->tag_flags & WS_TAG_DPI_DONE)
            return; /* decided: no more packets */
    }
    ws_dpi_flow *s = flow->dpi_state;
    uint32_t iplen = ip_length(pkt);
    if (iplen == 0 || iplen > 0xFFFF)
        return;

    if (!s) {
        if (!claim(d))
            return; /* out of memory: the flow stays untagged */
        if (d->limits->threads && !d->worker_tried)
            worker_start(d);
        /* nDPI's part (most of the state) is zeroed where nDPI uses it, in
         * detect() at the first packet: on the worker, that keeps 700-odd
         * bytes of stores a flow off the reading thread and in the cache
         * of the one that reads them next. */
        s = malloc(sizeof(*s));
        if (!s)
            return; /* out of memory: the flow stays untagged */
        memset(s, 0, offsetof(ws_dpi_flow, nf));
        atomic_init(&s->ready, false);
        s->flow = flow;
        s->next = d->active;
        if (d->active)
            d->active->prev = s;
        d->active = s;
        d->nactive++;
        flow->dpi_state = s;
    }

    uint16_t len = (uint16_t)iplen;
    uint64_t ms = pkt->ts_us > 0 ? (uint64_t)pkt->ts_us / 1000 : 0;
    bool sip = false;
    if (pkt->proto == 6 && !s->owner_sip && pkt->payload_len)
        s->owner_sip = sip = sip_start_line(pkt->payload, pkt->payload_len);

    if (!d->ring) {
        if (detect(d, s, pkt->l3, len, ms, sip))
            finish_here(d, flow, s);
        return;
    }
    rec *r = ws_ring_reserve(d->ring, sizeof(rec) + len);
    r->kind = REC_PACKET;
    r->sip = sip;
    r->len = len;
    r->s = s;
    r->ms = ms;
    memcpy(r->ip, pkt->l3, len);
    ws_ring_commit(d->ring);
}

void ws_dpi_flow_end(ws_dpi *d, ws_flow *flow)
{
    if (!d || !flow || !flow->dpi_state)
        return;
    ws_dpi_flow *s = flow->dpi_state;
    if (!d->ring) {
        decide(d, s, false);
        finish_here(d, flow, s);
        return;
    }
    if (!atomic_load(&s->ready)) {
        if (!s->end_sent)
            post(d, REC_END, s); /* not announced (reused, evicted) */
        ws_ring_wait_flag(d->ring, &s->ready);
    }
    collect(d); /* s was on the decided stack before it was ready */
}

void ws_dpi_sync(ws_dpi *d)
{
    if (!d || !d->ring)
        return;
    atomic_bool done;
    atomic_init(&done, false);
    post(d, REC_SYNC, (ws_dpi_flow *)(void *)&done);
    ws_ring_wait_flag(d->ring, &done);
    collect(d);
}

void ws_dpi_flow_ending(ws_dpi *d, ws_flow *flow)
{
    if (!d || !d->ring || !flow || !flow->dpi_state)
        return;
    ws_dpi_flow *s = flow->dpi_state;
    if (!s->end_sent && !atomic_load(&s->ready)) {
        post(d, REC_END, s);
        s->end_sent = true;
    }
}

const char *ws_dpi_app_name(const ws_dpi *d, const ws_flow *flow, char *buf,
                            size_t len)
{
    if (!d || !flow || !buf || len == 0 || flow->app_source == WS_APP_NONE ||
        flow->app == NDPI_PROTOCOL_UNKNOWN)
        return NULL;
    ndpi_protocol p = {flow->app_master, flow->app, NDPI_PROTOCOL_CATEGORY_UNSPECIFIED};
    unsigned blen = len > 0xFFFF ? 0xFFFF : (unsigned)len;
    buf[0] = '\0';
    ndpi_protocol2name(d->mod, p, buf, blen);
    return buf;
}

const char *ws_dpi_source_name(uint8_t app_source)
{
    switch (app_source) {
    case WS_APP_DPI:
        return "dpi";
    case WS_APP_GUESS:
        return "guess";
    default:
        return "none";
    }
}

/* dpi.c - nDPI 4.2 detection per flow, driven as ndpiReader drives it.
 * specification: nDPI 4.2 API (ndpi_api.h) and its reader, example/reader_util.c
 * (packet_processing: feed until a verdict with no extra dissection left,
 * or the packet limit; then ndpi_detection_giveup with guessing enabled). */
#include "dpi/dpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cursor.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wshadow"
#include <ndpi_api.h>
#pragma GCC diagnostic pop

/* What a flow holds while detection runs: one allocation per flow, on a
 * list so that ws_dpi_free can release what flows never ended. */
typedef struct ws_dpi_flow {
    struct ws_dpi_flow *prev, *next;
    uint32_t fed;            /* packets given to nDPI */
    bool sip;                /* a TCP segment began with a SIP start line */
    ndpi_protocol last;      /* nDPI's answer to the last packet */
    struct ndpi_flow_struct nf;
} ws_dpi_flow;

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
};

static void state_free(ws_dpi *d, ws_dpi_flow *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        d->active = s->next;
    if (s->next)
        s->next->prev = s->prev;
    d->nactive--;
    ndpi_free_flow_data(&s->nf);
    free(s);
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

void ws_dpi_free(ws_dpi *d)
{
    if (!d)
        return;
    while (d->active)
        state_free(d, d->active);
    mod_release(d->m, d);
    free(d);
}

size_t ws_dpi_state_bytes(void) { return sizeof(ws_dpi_flow); }

size_t ws_dpi_active(const ws_dpi *d) { return d ? d->nactive : 0; }

/* Payload-based verdicts are DPI; port, address and cross-flow cache matches
 * are guesses. */
static uint8_t source_of(const ws_dpi_flow *s, ndpi_protocol p)
{
    if (p.app_protocol == NDPI_PROTOCOL_UNKNOWN &&
        p.master_protocol == NDPI_PROTOCOL_UNKNOWN)
        return WS_APP_NONE;
    return s->nf.confidence == NDPI_CONFIDENCE_DPI ? WS_APP_DPI : WS_APP_GUESS;
}

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

/* Records the verdict, frees nDPI's state, counts. */
static void finish(ws_dpi *d, ws_flow *flow, ws_dpi_flow *s, bool hit_limit)
{
    ndpi_protocol p = s->last;
    if (p.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
        uint8_t guessed = 0;
        p = ndpi_detection_giveup(d->mod, &s->nf, 1, &guessed);
    }
    if (s->sip && (p.app_protocol == NDPI_PROTOCOL_HTTP ||
                   p.master_protocol == NDPI_PROTOCOL_HTTP)) {
        /* SIP that nDPI took for HTTP: the start line says SIP. */
        p.app_protocol = NDPI_PROTOCOL_SIP;
        p.master_protocol = NDPI_PROTOCOL_UNKNOWN;
        s->nf.confidence = NDPI_CONFIDENCE_DPI;
        d->stats->dpi_sip_over_http++;
    } else if (!s->sip && p.master_protocol == NDPI_PROTOCOL_SIP &&
               p.app_protocol == NDPI_PROTOCOL_HTTP) {
        /* "SIP.HTTP": HTTP on a SIP port, the SIP only from the port (no SIP
         * start line was seen). The payload says HTTP. */
        p.master_protocol = NDPI_PROTOCOL_UNKNOWN;
    }
    flow->app = p.app_protocol;
    flow->app_master = p.master_protocol;
    flow->app_source = source_of(s, p);
    if (flow->app == NDPI_PROTOCOL_UNKNOWN && flow->app_master != NDPI_PROTOCOL_UNKNOWN) {
        /* Only the master is known: name it as the application. */
        flow->app = flow->app_master;
        flow->app_master = NDPI_PROTOCOL_UNKNOWN;
    }
    if (flow->app_master == flow->app)
        flow->app_master = NDPI_PROTOCOL_UNKNOWN;
    flow->tag_flags |= WS_TAG_DPI_DONE;

    if (flow->app_source == WS_APP_DPI) {
        d->stats->dpi_classified++;
    } else {
        if (flow->app_source == WS_APP_GUESS)
            d->stats->dpi_guessed++;
        if (hit_limit) {
            flow->tag_flags |= WS_TAG_DPI_LIMIT;
            d->stats->dpi_gave_up++;
        }
    }

    state_free(d, s);
    flow->dpi_state = NULL;
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
    uint32_t iplen = ip_length(pkt);
    if (iplen == 0 || iplen > 0xFFFF)
        return;

    ws_dpi_flow *s = flow->dpi_state;
    if (!s) {
        if (!claim(d))
            return; /* out of memory: the flow stays untagged */
        s = calloc(1, sizeof(*s));
        if (!s)
            return; /* out of memory: the flow stays untagged */
        s->next = d->active;
        if (d->active)
            d->active->prev = s;
        d->active = s;
        d->nactive++;
        flow->dpi_state = s;
    }

    unsigned short len = (unsigned short)iplen;
    uint64_t ms = pkt->ts_us > 0 ? (uint64_t)pkt->ts_us / 1000 : 0;

    s->fed++;
    if (pkt->proto == 6 && !s->sip && pkt->payload_len)
        s->sip = sip_start_line(pkt->payload, pkt->payload_len);
    s->last = ndpi_detection_process_packet(d->mod, &s->nf, pkt->l3, len, ms);

    bool at_limit = s->fed >= d->limits->dpi_max_packets;
    bool enough = at_limit || s->nf.fail_with_unknown;
    if (s->last.app_protocol == NDPI_PROTOCOL_UNKNOWN && !enough)
        return;
    /* Known, but nDPI could still learn more (a certificate, a sub-protocol):
     * keep feeding while the limit allows, as ndpiReader does. */
    if (!enough && ndpi_extra_dissection_possible(d->mod, &s->nf))
        return;
    finish(d, flow, s, at_limit && s->last.app_protocol == NDPI_PROTOCOL_UNKNOWN);
}

void ws_dpi_flow_end(ws_dpi *d, ws_flow *flow)
{
    if (!d || !flow || !flow->dpi_state)
        return;
    finish(d, flow, flow->dpi_state, false);
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

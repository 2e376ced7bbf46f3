/* ike_sa.c - IKE SA tracker: one record per IKE SA from the messages and ESP
 * packets seen; specification: RFC 7296 sections 2.6 (SPIs), 2.23 (NAT
 * traversal, moving to port 4500) and 3.1 (I/R flags); RFC 2408 section 3.1
 * (IKEv1 cookies: the responder cookie is zero in the first message);
 * RFC 3947 sections 3-4 (NAT-T negotiation and port change); RFC 3948
 * (ESP in UDP); RFC 4303 section 2.1 (ESP SPI). */
#include "ike/ike.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PROTO_UDP 17
#define PROTO_ESP 50
#define NIL 0u /* end of a hash chain; chains hold index + 1 */

/* The ESP seen between two addresses, a < b (ws_addr_cmp). */
typedef struct pair_slot {
    ws_addr a, b;
    uint64_t esp[2], esp_udp[2]; /* [0]: a -> b, [1]: b -> a */
    uint32_t spi[2];
    int64_t first_us, last_us;   /* of ESP; set once esp[0] + esp[1] > 0 */
    uint32_t next;
} pair_slot;

typedef struct sa_slot {
    ws_ike_sa sa;
    uint32_t next;               /* SPI hash chain */
    uint32_t pair;               /* index in pairs */
    bool hash_from_responder;    /* sa.hash_alg is the responder's choice */
} sa_slot;

struct ws_ike_tracker {
    const ws_limits *limits;
    ws_stats *stats;
    sa_slot *sas;
    size_t n_sas, cap_sas;
    pair_slot *pairs;
    size_t n_pairs, cap_pairs;
    uint32_t *sa_buckets, *pair_buckets;
    size_t mask;                 /* buckets - 1 */
};

static uint32_t fnv1a(uint32_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static uint32_t spi_hash(const uint8_t spi[WS_IKE_SPI_LEN])
{
    return fnv1a(2166136261u, spi, WS_IKE_SPI_LEN);
}

/* Orders x, y so that *lo <= *hi; returns the direction of x -> y (0 or 1). */
static int order(const ws_addr *x, const ws_addr *y, const ws_addr **lo, const ws_addr **hi)
{
    if (ws_addr_cmp(x, y) <= 0) {
        *lo = x;
        *hi = y;
        return 0;
    }
    *lo = y;
    *hi = x;
    return 1;
}

static uint32_t pair_hash(const ws_addr *lo, const ws_addr *hi)
{
    uint32_t h = fnv1a(2166136261u, &lo->family, 1);
    h = fnv1a(h, lo->b, sizeof(lo->b));
    h = fnv1a(h, &hi->family, 1);
    return fnv1a(h, hi->b, sizeof(hi->b));
}

ws_ike_tracker *ws_ike_tracker_new(const ws_limits *limits, ws_stats *stats)
{
    ws_ike_tracker *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->limits = limits;
    t->stats = stats;
    size_t buckets = 16;
    while (buckets < limits->max_ike_sas && buckets < (1u << 20))
        buckets <<= 1;
    t->mask = buckets - 1;
    t->sa_buckets = calloc(buckets, sizeof(uint32_t));
    t->pair_buckets = calloc(buckets, sizeof(uint32_t));
    if (!t->sa_buckets || !t->pair_buckets) {
        ws_ike_tracker_free(t);
        return NULL;
    }
    return t;
}

void ws_ike_tracker_free(ws_ike_tracker *t)
{
    if (!t)
        return;
    free(t->sas);
    free(t->pairs);
    free(t->sa_buckets);
    free(t->pair_buckets);
    free(t);
}

size_t ws_ike_tracker_count(const ws_ike_tracker *t)
{
    return t->n_sas;
}

/* Most SAs the tracker holds: the limit, and what a chain index can name. */
static size_t max_sas(const ws_ike_tracker *t)
{
    return t->limits->max_ike_sas < UINT32_MAX - 1 ? t->limits->max_ike_sas : UINT32_MAX - 1;
}

/* Grows *arr to hold one more element of size sz, up to max elements. */
static bool grow(void **arr, size_t *cap, size_t n, size_t sz, size_t max)
{
    if (n < *cap)
        return true;
    if (n >= max)
        return false;
    size_t ncap = *cap ? *cap * 2 : 64;
    if (ncap > max)
        ncap = max;
    if (ncap > SIZE_MAX / sz)
        return false;
    void *p = realloc(*arr, ncap * sz);
    if (!p)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

static sa_slot *find_slot(const ws_ike_tracker *t, const uint8_t spi_i[WS_IKE_SPI_LEN])
{
    for (uint32_t i = t->sa_buckets[spi_hash(spi_i) & t->mask]; i != NIL;
         i = t->sas[i - 1].next)
        if (memcmp(t->sas[i - 1].sa.spi_i, spi_i, WS_IKE_SPI_LEN) == 0)
            return &t->sas[i - 1];
    return NULL;
}

static pair_slot *find_pair(const ws_ike_tracker *t, const ws_addr *lo, const ws_addr *hi,
                            uint32_t *index)
{
    for (uint32_t i = t->pair_buckets[pair_hash(lo, hi) & t->mask]; i != NIL;
         i = t->pairs[i - 1].next) {
        pair_slot *p = &t->pairs[i - 1];
        if (ws_addr_eq(&p->a, lo) && ws_addr_eq(&p->b, hi)) {
            if (index)
                *index = i - 1;
            return p;
        }
    }
    return NULL;
}

/* The pair of x and y, created if new. False when it cannot be stored. */
static bool get_pair(ws_ike_tracker *t, const ws_addr *x, const ws_addr *y, uint32_t *index)
{
    const ws_addr *lo, *hi;
    order(x, y, &lo, &hi);
    if (find_pair(t, lo, hi, index))
        return true;
    /* pairs never outnumber SAs, so the SA bound holds them too */
    if (!grow((void **)&t->pairs, &t->cap_pairs, t->n_pairs, sizeof(pair_slot), max_sas(t)))
        return false;
    pair_slot *p = &t->pairs[t->n_pairs];
    memset(p, 0, sizeof(*p));
    p->a = *lo;
    p->b = *hi;
    uint32_t *bucket = &t->pair_buckets[pair_hash(lo, hi) & t->mask];
    p->next = *bucket;
    *index = (uint32_t)t->n_pairs;
    *bucket = (uint32_t)++t->n_pairs;
    return true;
}

static bool is_ike_port(uint16_t p)
{
    return p == WS_IKE_PORT || p == WS_IKE_NATT_PORT;
}

static bool spi_zero(const uint8_t spi[WS_IKE_SPI_LEN])
{
    static const uint8_t zero[WS_IKE_SPI_LEN];
    return memcmp(spi, zero, WS_IKE_SPI_LEN) == 0;
}

static sa_slot *new_sa(ws_ike_tracker *t, const ws_packet *pkt, const ws_ike_msg *m)
{
    if (t->n_sas >= max_sas(t) ||
        !grow((void **)&t->sas, &t->cap_sas, t->n_sas, sizeof(sa_slot), max_sas(t))) {
        t->stats->ike_sas_dropped++;
        return NULL;
    }
    uint32_t pair;
    if (!get_pair(t, &pkt->src, &pkt->dst, &pair)) {
        t->stats->ike_sas_dropped++;
        return NULL;
    }
    sa_slot *s = &t->sas[t->n_sas];
    memset(s, 0, sizeof(*s));
    s->pair = pair;
    ws_ike_sa *sa = &s->sa;
    memcpy(sa->spi_i, m->spi_i, WS_IKE_SPI_LEN);
    sa->version = m->version;
    sa->first_us = sa->last_us = pkt->ts_us;

    /* Who started it: IKEv2 says so (I flag); in IKEv1 the first message
     * has a zero responder cookie. Otherwise guess: a port other than
     * 500/4500 is a NAT's or a client's, which initiates. */
    bool sender_initiates;
    if (m->version == 2) {
        sender_initiates = m->initiator;
    } else if (spi_zero(m->spi_r)) {
        sender_initiates = true;
    } else {
        sa->initiator_guessed = true;
        sender_initiates = !(is_ike_port(pkt->sport) && !is_ike_port(pkt->dport));
    }
    ws_ike_side *si = &sa->side[sender_initiates ? WS_IKE_INITIATOR : WS_IKE_RESPONDER];
    ws_ike_side *sr = &sa->side[sender_initiates ? WS_IKE_RESPONDER : WS_IKE_INITIATOR];
    si->addr = pkt->src;
    si->port = pkt->sport;
    sr->addr = pkt->dst;
    sr->port = pkt->dport;

    uint32_t *bucket = &t->sa_buckets[spi_hash(m->spi_i) & t->mask];
    s->next = *bucket;
    *bucket = (uint32_t)++t->n_sas;
    return s;
}

/* Which end sent the packet: WS_IKE_INITIATOR, WS_IKE_RESPONDER or -1. */
static int sender_of(ws_ike_sa *sa, const ws_packet *pkt, const ws_ike_msg *m)
{
    if (m->version == 2)
        return m->initiator ? WS_IKE_INITIATOR : WS_IKE_RESPONDER;
    const ws_ike_side *i = &sa->side[WS_IKE_INITIATOR], *r = &sa->side[WS_IKE_RESPONDER];
    bool from_i = ws_addr_eq(&pkt->src, &i->addr) && ws_addr_eq(&pkt->dst, &r->addr);
    bool from_r = ws_addr_eq(&pkt->src, &r->addr) && ws_addr_eq(&pkt->dst, &i->addr);
    if (from_i && from_r) /* both ends on one address: tell by port */
        from_i = pkt->sport == i->port || (i->natt_port && pkt->sport == i->natt_port);
    if (from_i)
        return WS_IKE_INITIATOR;
    if (from_r)
        return WS_IKE_RESPONDER;
    return -1;
}

static void swap_sides(ws_ike_sa *sa)
{
    ws_ike_side tmp = sa->side[0];
    sa->side[0] = sa->side[1];
    sa->side[1] = tmp;
}

/* Records the NAT verdict for one end with the evidence behind it. A "yes"
 * is never taken back; the first evidence of a verdict is kept. */
static void apply(ws_ike_sa *sa, int end, ws_ike_nat v, const ws_ike_msg *m, int natd,
                  const ws_addr *seen, uint16_t seen_port, ws_digest_alg alg, bool self)
{
    ws_ike_side *s = &sa->side[end];
    if (natd < 0)
        return;
    bool take = (v == WS_IKE_NAT_YES && s->behind_nat != WS_IKE_NAT_YES) ||
                (v == WS_IKE_NAT_NO && s->behind_nat == WS_IKE_NAT_UNKNOWN) ||
                (v == WS_IKE_NAT_UNKNOWN && s->behind_nat == WS_IKE_NAT_UNKNOWN &&
                 s->hash_len == 0);
    if (!take)
        return;
    const ws_ike_natd *n = &m->natd[natd];
    s->behind_nat = v;
    s->hash_by_self = self;
    s->observed = *seen;
    s->observed_port = seen_port;
    s->hash_alg = alg;
    s->hash_len = (uint8_t)(n->len < WS_DIGEST_MAX ? n->len : WS_DIGEST_MAX);
    memcpy(s->hash, n->hash, s->hash_len);
    memcpy(s->hash_spi_i, m->spi_i, WS_IKE_SPI_LEN);
    memcpy(s->hash_spi_r, m->spi_r, WS_IKE_SPI_LEN);
}

/* IKEv2 says who sent a message by its flags, so a message of a known SA
 * from an unknown address is that end under another address. */
static void other_address(ws_ike_side *s, const ws_addr *a, uint16_t port)
{
    if (ws_addr_eq(&s->addr, a) || s->other_seen)
        return;
    s->other_seen = true;
    s->other_addr = *a;
    s->other_port = port;
}

static void account(ws_ike_tracker *t, const ws_packet *pkt, const ws_ike_msg *m, bool ok)
{
    if (spi_zero(m->spi_i))
        return;
    sa_slot *slot = find_slot(t, m->spi_i);
    if (!slot && !(slot = new_sa(t, pkt, m)))
        return;
    ws_ike_sa *sa = &slot->sa;

    int end = sender_of(sa, pkt, m);
    if (m->version == 1 && spi_zero(m->spi_r) && end >= 0) {
        /* a first IKEv1 message settles who initiated */
        if (sa->initiator_guessed && end == WS_IKE_RESPONDER) {
            swap_sides(sa);
            end = WS_IKE_INITIATOR;
        }
        sa->initiator_guessed = false;
    }

    sa->messages++;
    if (!ok)
        sa->malformed++;
    if (pkt->ts_us < sa->first_us)
        sa->first_us = sa->last_us = pkt->ts_us;
    if (pkt->ts_us > sa->last_us)
        sa->last_us = pkt->ts_us;
    sa->last_exchange = m->exchange;
    if (!sa->spi_r_known && !spi_zero(m->spi_r)) {
        memcpy(sa->spi_r, m->spi_r, WS_IKE_SPI_LEN);
        sa->spi_r_known = true;
    }
    if (end >= 0) {
        sa->side[end].messages++;
        other_address(&sa->side[end], &pkt->src, pkt->sport);
        if (m->version == 2)
            other_address(&sa->side[1 - end], &pkt->dst, pkt->dport);
    }
    if (m->natt_encap) {
        sa->moved_4500 = true;
        if (end >= 0) {
            if (!sa->side[end].natt_port)
                sa->side[end].natt_port = pkt->sport;
            if (!sa->side[1 - end].natt_port)
                sa->side[1 - end].natt_port = pkt->dport;
        }
    }
    if (!ok)
        return;

    if (m->natt_vids) {
        sa->natt_vids |= m->natt_vids;
        sa->natt_offered = true;
        if (end >= 0)
            sa->side[end].natt_offered = true;
    }
    if (m->version == 2) {
        sa->hash_alg = WS_DIGEST_SHA1;
        if (m->n_natd) {
            sa->natt_offered = true;
            if (end >= 0)
                sa->side[end].natt_offered = true;
        }
    } else if (m->sa_hash && end >= 0) {
        /* RFC 2409 section 5: the responder returns the one transform it
         * chose; an initiator's single offer can only be chosen as is */
        ws_digest_alg alg = ws_ike_hash_alg(m->sa_hash);
        if (end == WS_IKE_RESPONDER) {
            sa->hash_alg = alg;
            slot->hash_from_responder = true;
        } else if (!slot->hash_from_responder && m->sa_transforms == 1) {
            sa->hash_alg = alg;
        }
    }

    if (m->n_natd == 0)
        return;
    sa->natd_present = true;
    if (end < 0)
        return;
    ws_ike_natd_verdict v = ws_ike_natd_check(m, &pkt->src, pkt->sport, &pkt->dst,
                                              pkt->dport, sa->hash_alg);
    apply(sa, end, v.sender, m, v.src_index, &pkt->src, pkt->sport, v.alg, true);
    apply(sa, 1 - end, v.receiver, m, v.dst_index, &pkt->dst, pkt->dport, v.alg, false);
}

static void esp(ws_ike_tracker *t, const ws_packet *pkt, uint32_t spi, bool in_udp)
{
    const ws_addr *lo, *hi;
    int dir = order(&pkt->src, &pkt->dst, &lo, &hi);
    pair_slot *p = find_pair(t, lo, hi, NULL);
    if (!p)
        return;
    p->esp[dir]++;
    if (in_udp)
        p->esp_udp[dir]++;
    p->spi[dir] = spi;
    if (p->esp[0] + p->esp[1] == 1 || pkt->ts_us < p->first_us)
        p->first_us = pkt->ts_us;
    if (p->esp[0] + p->esp[1] == 1 || pkt->ts_us > p->last_us)
        p->last_us = pkt->ts_us;
}

ws_ike_kind ws_ike_tracker_packet(ws_ike_tracker *t, const ws_packet *pkt)
{
    if (pkt->proto == PROTO_ESP) {
        esp(t, pkt, pkt->esp_spi, false);
        return WS_IKE_NONE;
    }
    if (pkt->proto != PROTO_UDP || !ws_ike_port(pkt->sport, pkt->dport))
        return WS_IKE_NONE;
    ws_ike_msg m;
    ws_ike_kind kind = ws_ike_decode(pkt->payload, pkt->payload_len, pkt->sport,
                                     pkt->dport, &m);
    switch (kind) {
    case WS_IKE_MSG:
        t->stats->ike_packets++;
        account(t, pkt, &m, true);
        break;
    case WS_IKE_MALFORMED:
        t->stats->ike_malformed++;
        if (m.header_ok)
            account(t, pkt, &m, false);
        break;
    case WS_IKE_ESP_IN_UDP:
        esp(t, pkt, m.esp_spi, true);
        break;
    case WS_IKE_KEEPALIVE:
    case WS_IKE_NONE:
        break;
    }
    return kind;
}

/* Copies the ESP seen between the SA's two addresses into its sides. */
static const ws_ike_sa *sync(ws_ike_tracker *t, sa_slot *s)
{
    const pair_slot *p = &t->pairs[s->pair];
    ws_ike_sa *sa = &s->sa;
    for (int end = 0; end < 2; end++) {
        ws_ike_side *me = &sa->side[end];
        const ws_addr *lo, *hi;
        int dir = order(&me->addr, &sa->side[1 - end].addr, &lo, &hi);
        me->esp_packets = p->esp[dir];
        me->esp_in_udp = p->esp_udp[dir];
        me->esp_spi = p->spi[dir];
    }
    sa->esp_first_us = p->first_us;
    sa->esp_last_us = p->last_us;
    return sa;
}

const ws_ike_sa *ws_ike_tracker_get(ws_ike_tracker *t, size_t i)
{
    if (i >= t->n_sas)
        return NULL;
    return sync(t, &t->sas[i]);
}

const ws_ike_sa *ws_ike_tracker_find(ws_ike_tracker *t, const uint8_t spi_i[WS_IKE_SPI_LEN])
{
    sa_slot *s = find_slot(t, spi_i);
    return s ? sync(t, s) : NULL;
}

/* table.c - the flow table: open addressing on full 128-bit keys, flows in
 * chunked storage with a free list, one LRU list per timeout class, and a
 * fixed memory budget enforced by eviction.
 * specification: none external; the contract is src/flow/flow.h. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>

#include "flow/flow_int.h"

#define NIL UINT32_MAX
#define CHUNK_SHIFT 13
#define CHUNK ((uint32_t)1 << CHUNK_SHIFT) /* flows per storage chunk */
#define MAX_CAPACITY ((uint32_t)1 << 30)   /* keeps hash indexes in 32 bits */
#define INITIAL_SLOTS 1024u
#define EXPIRE_EVERY_US 1000000             /* capture time between sweeps */
#define REQUEUE_US 1000000                  /* LRU order is kept to this grain */
#define SLOTS_PER_FLOW 4 /* hash slots per flow at most: 2x, rounded up to 2^k */

#define PROTO_TCP 6
#define PROTO_UDP 17

enum { CLS_TCP, CLS_TCP_HANDSHAKE, CLS_UDP, CLS_ICMP, CLS_OTHER, NCLS, CLS_NONE = 0xff };

typedef struct fnode {
    ws_flow f;              /* first: what callers see */
    ws_fkey key;
    uint32_t hash;          /* low 32 bits of the key's hash */
    int64_t queued_us;      /* last_us when appended to its class list */
    uint32_t lru_prev, lru_next; /* within the class list; lru_next links the free list */
    uint32_t all_prev, all_next; /* creation order */
    uint32_t syn_seq;       /* sequence number of the initiator's first SYN */
    uint8_t cls;            /* CLS_*, or CLS_NONE when in no list */
    bool init_is_a;         /* the initiator is endpoint a of the key */
    bool have_syn_seq;
} fnode;

typedef struct slot {
    uint32_t idx1;          /* flow index + 1; 0 = empty */
    uint32_t hash;
} slot;

struct ws_flow_table {
    const ws_limits *lim;
    ws_stats *st;
    ws_flow_end_cb on_end;
    ws_flow_ending_cb on_ending;
    void *ctx;
    ws_fkey_secret secret;

    uint32_t cap;           /* flows at most */
    uint32_t count;         /* flows now */
    fnode **chunks;
    uint32_t allocated;     /* flow slots in chunks */
    uint32_t free_head;

    slot *slots;
    uint32_t nslots, max_slots;

    uint32_t lru_head[NCLS], lru_tail[NCLS];
    uint32_t all_head, all_tail;

    uint64_t next_id;
    int64_t now_us;
    int64_t next_sweep_us;
    bool have_now;
    size_t mem;
};

/* Zeroed memory for the table's large arrays, on transparent huge pages
 * where the kernel gives them for the asking (fewer TLB misses on the
 * random accesses of lookups). */
static void *big_calloc(size_t n, size_t size)
{
    size_t bytes = n * size;
    const size_t huge = (size_t)2 << 20;
    if (bytes < huge)
        return calloc(n, size);
    size_t rounded = (bytes + huge - 1) & ~(huge - 1);
    void *p = aligned_alloc(huge, rounded);
    if (!p)
        return NULL;
    madvise(p, rounded, MADV_HUGEPAGE);
    memset(p, 0, bytes);
    return p;
}

static inline fnode *node(const ws_flow_table *t, uint32_t i)
{
    return &t->chunks[i >> CHUNK_SHIFT][i & (CHUNK - 1)];
}

size_t ws_flow_table_bytes_per_flow(void)
{
    return sizeof(fnode) + SLOTS_PER_FLOW * sizeof(slot);
}

static uint32_t pow2_at_least(uint64_t n)
{
    uint64_t p = 1;
    while (p < n)
        p <<= 1;
    return (uint32_t)p;
}

/* SplitMix64 (Steele, Lea and Flood, OOPSLA 2014): spreads one seed word. */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void seed(ws_fkey_secret *secret)
{
    if (getrandom(secret, sizeof(*secret), GRND_NONBLOCK) == (ssize_t)sizeof(*secret))
        return;
    /* No entropy yet: the hash stays correct, only less resistant to
     * crafted collisions. */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
                 (uint64_t)(uintptr_t)secret;
    for (int i = 0; i < 10; i++)
        secret->nh[i] = (uint32_t)splitmix64(&x);
    secret->fin = splitmix64(&x);
}

ws_flow_table *ws_flow_table_new(const ws_limits *limits, ws_stats *stats,
                                 ws_flow_end_cb on_end, void *ctx)
{
    if (!limits || !stats)
        return NULL;
    ws_flow_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->lim = limits;
    t->st = stats;
    t->on_end = on_end;
    t->ctx = ctx;
    seed(&t->secret);

    uint64_t cap = limits->max_flows;
    uint64_t by_bytes = limits->max_flow_bytes / ws_flow_table_bytes_per_flow();
    if (by_bytes < cap)
        cap = by_bytes;
    if (cap > MAX_CAPACITY)
        cap = MAX_CAPACITY;
    t->cap = (uint32_t)cap;
    t->free_head = NIL;
    t->all_head = t->all_tail = NIL;
    for (int c = 0; c < NCLS; c++)
        t->lru_head[c] = t->lru_tail[c] = NIL;
    t->next_id = 1;

    if (t->cap > 0) {
        uint32_t nchunks = (t->cap + CHUNK - 1) / CHUNK;
        t->chunks = calloc(nchunks, sizeof(*t->chunks));
        t->max_slots = pow2_at_least(2 * (uint64_t)t->cap);
        t->nslots = t->max_slots < INITIAL_SLOTS ? t->max_slots : INITIAL_SLOTS;
        t->slots = calloc(t->nslots, sizeof(slot));
        if (!t->chunks || !t->slots) {
            free(t->chunks);
            free(t->slots);
            free(t);
            return NULL;
        }
        t->mem = t->nslots * sizeof(slot);
    }
    return t;
}

void ws_flow_table_free(ws_flow_table *t)
{
    if (!t)
        return;
    if (t->chunks)
        for (uint32_t i = 0; i < t->allocated; i += CHUNK)
            free(t->chunks[i >> CHUNK_SHIFT]);
    free(t->chunks);
    free(t->slots);
    free(t);
}

size_t ws_flow_table_active(const ws_flow_table *t) { return t->count; }
size_t ws_flow_table_capacity(const ws_flow_table *t) { return t->cap; }
size_t ws_flow_table_memory(const ws_flow_table *t) { return t->mem; }

/* ---- hash index ------------------------------------------------------ */

static uint32_t hash_find(const ws_flow_table *t, const ws_fkey *k, uint32_t h)
{
    uint32_t mask = t->nslots - 1;
    for (uint32_t pos = h & mask;; pos = (pos + 1) & mask) {
        const slot *s = &t->slots[pos];
        if (!s->idx1)
            return NIL;
        if (s->hash == h && ws_fkey_eq(&node(t, s->idx1 - 1)->key, k))
            return s->idx1 - 1;
    }
}

static void hash_put(slot *slots, uint32_t nslots, uint32_t idx, uint32_t h)
{
    uint32_t mask = nslots - 1, pos = h & mask;
    while (slots[pos].idx1)
        pos = (pos + 1) & mask;
    slots[pos].idx1 = idx + 1;
    slots[pos].hash = h;
}

/* Removes idx, shifting later members of its probe run back (no tombstones). */
static void hash_del(ws_flow_table *t, uint32_t idx, uint32_t h)
{
    uint32_t mask = t->nslots - 1, i = h & mask;
    while (t->slots[i].idx1 != idx + 1)
        i = (i + 1) & mask;
    for (uint32_t j = i;;) {
        j = (j + 1) & mask;
        if (!t->slots[j].idx1)
            break;
        uint32_t home = t->slots[j].hash & mask;
        /* Leave slot j alone when its home lies cyclically in (i, j]. */
        bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (stays)
            continue;
        t->slots[i] = t->slots[j];
        i = j;
    }
    t->slots[i].idx1 = 0;
}

static bool hash_grow(ws_flow_table *t)
{
    uint32_t n = t->nslots * 2;
    slot *s = big_calloc(n, sizeof(slot));
    if (!s)
        return false;
    for (uint32_t i = 0; i < t->nslots; i++)
        if (t->slots[i].idx1)
            hash_put(s, n, t->slots[i].idx1 - 1, t->slots[i].hash);
    free(t->slots);
    t->slots = s;
    t->mem += (size_t)(n - t->nslots) * sizeof(slot);
    t->nslots = n;
    return true;
}

/* Room in the index for one more flow: load at most 1/2, or 3/4 if the
 * index could not grow. */
static bool hash_room(ws_flow_table *t)
{
    uint64_t need = (uint64_t)t->count + 1;
    if (need * 2 <= t->nslots)
        return true;
    if (t->nslots < t->max_slots && hash_grow(t))
        return true;
    return need * 4 <= (uint64_t)t->nslots * 3;
}

/* ---- lists ------------------------------------------------------------ */

static void lru_unlink(ws_flow_table *t, fnode *n)
{
    if (n->cls == CLS_NONE)
        return;
    if (n->lru_prev != NIL)
        node(t, n->lru_prev)->lru_next = n->lru_next;
    else
        t->lru_head[n->cls] = n->lru_next;
    if (n->lru_next != NIL)
        node(t, n->lru_next)->lru_prev = n->lru_prev;
    else
        t->lru_tail[n->cls] = n->lru_prev;
    n->cls = CLS_NONE;
}

static void lru_append(ws_flow_table *t, uint32_t i, uint8_t cls)
{
    fnode *n = node(t, i);
    n->cls = cls;
    n->queued_us = n->f.last_us;
    n->lru_next = NIL;
    n->lru_prev = t->lru_tail[cls];
    if (n->lru_prev != NIL)
        node(t, n->lru_prev)->lru_next = i;
    else
        t->lru_head[cls] = i;
    t->lru_tail[cls] = i;
}

static uint8_t flow_class(const ws_flow *f)
{
    if (f->proto == PROTO_TCP) {
        if (ws_flow_tcp_finished(f))
            return CLS_TCP_HANDSHAKE;
        if (f->established ||
            (ws_flow_tcp_midstream(f) && f->packets[0] + f->packets[1] > 0))
            return CLS_TCP;
        return CLS_TCP_HANDSHAKE;
    }
    if (f->proto == PROTO_UDP)
        return CLS_UDP;
    if (ws_flow_proto_is_icmp(f->proto))
        return CLS_ICMP;
    return CLS_OTHER;
}

static int64_t class_timeout(const ws_flow_table *t, uint8_t cls)
{
    switch (cls) {
    case CLS_TCP: return t->lim->tcp_idle_us;
    case CLS_TCP_HANDSHAKE: return t->lim->tcp_handshake_idle_us;
    case CLS_UDP: return t->lim->udp_idle_us;
    case CLS_ICMP: return t->lim->icmp_idle_us;
    default: return t->lim->other_idle_us;
    }
}

static bool is_idle(const ws_flow_table *t, const fnode *n, int64_t now)
{
    int64_t to = class_timeout(t, n->cls);
    /* now - last > to, written so that it cannot overflow */
    return to > 0 && now > n->f.last_us && (uint64_t)now - (uint64_t)n->f.last_us > (uint64_t)to;
}

/*
 * Moves a flow to the recent end of its class list when its class changed,
 * or when it was last moved REQUEUE_US or more of capture time ago: so a
 * packet seldom touches any other flow, and each list stays ordered by
 * queued_us, within REQUEUE_US of the flows' last activity. Expiry and
 * eviction are therefore exact to within REQUEUE_US.
 */
static void touch(ws_flow_table *t, uint32_t i)
{
    fnode *n = node(t, i);
    uint8_t cls = flow_class(&n->f);
    if (cls == n->cls && n->f.last_us >= n->queued_us &&
        (uint64_t)n->f.last_us - (uint64_t)n->queued_us < REQUEUE_US)
        return;
    lru_unlink(t, n);
    lru_append(t, i, cls);
}

/* ---- ending flows ----------------------------------------------------- */

static void end_flow(ws_flow_table *t, uint32_t i, ws_end_reason why)
{
    fnode *n = node(t, i);
    if (t->on_end)
        t->on_end(&n->f, why, t->ctx);
    lru_unlink(t, n);
    if (n->all_prev != NIL)
        node(t, n->all_prev)->all_next = n->all_next;
    else
        t->all_head = n->all_next;
    if (n->all_next != NIL)
        node(t, n->all_next)->all_prev = n->all_prev;
    else
        t->all_tail = n->all_prev;
    hash_del(t, i, n->hash);
    n->lru_next = t->free_head;
    t->free_head = i;
    t->count--;
}

static void sweep(ws_flow_table *t, int64_t now)
{
    /* Announced in the order of the loop below: each class list from its
     * head while idle (ending the head makes its successor the head). */
    for (uint8_t c = 0; t->on_ending && c < NCLS; c++)
        for (uint32_t i = t->lru_head[c]; i != NIL && is_idle(t, node(t, i), now);
             i = node(t, i)->lru_next)
            t->on_ending(&node(t, i)->f, t->ctx);
    for (uint8_t c = 0; c < NCLS; c++) {
        uint32_t i;
        while ((i = t->lru_head[c]) != NIL && is_idle(t, node(t, i), now)) {
            end_flow(t, i, WS_END_IDLE);
            t->st->flows_expired++;
        }
    }
}

/* Evicts the least recently active flow: the oldest head of the class lists. */
static void evict_one(ws_flow_table *t)
{
    uint32_t best = NIL;
    for (uint8_t c = 0; c < NCLS; c++) {
        uint32_t i = t->lru_head[c];
        if (i == NIL)
            continue;
        if (best == NIL) {
            best = i;
            continue;
        }
        const ws_flow *a = &node(t, i)->f, *b = &node(t, best)->f;
        if (a->last_us < b->last_us || (a->last_us == b->last_us && a->id < b->id))
            best = i;
    }
    if (best == NIL)
        return;
    end_flow(t, best, WS_END_EVICTED);
    t->st->flows_evicted++;
}

/* ---- creating flows --------------------------------------------------- */

static bool node_room(ws_flow_table *t)
{
    if (t->free_head != NIL)
        return true;
    if (t->allocated >= t->cap)
        return false;
    uint32_t n = t->cap - t->allocated;
    if (n > CHUNK)
        n = CHUNK;
    fnode *c = big_calloc(n, sizeof(fnode));
    if (!c)
        return false;
    t->chunks[t->allocated >> CHUNK_SHIFT] = c;
    for (uint32_t k = n; k-- > 0;) {
        c[k].lru_next = t->free_head;
        t->free_head = t->allocated + k;
    }
    t->allocated += n;
    t->mem += (size_t)n * sizeof(fnode);
    return true;
}

/*
 * Takes a free flow slot, ending idle flows and then evicting the least
 * recently active one when the budget is spent. NIL when nothing can be
 * tracked (counted in flows_dropped).
 */
static uint32_t take_slot(ws_flow_table *t)
{
    bool swept = false;
    for (;;) {
        if (t->count < t->cap && hash_room(t) && node_room(t))
            break;
        if (t->count == 0) {
            t->st->flows_dropped++;
            return NIL;
        }
        if (!swept) {
            swept = true;
            sweep(t, t->now_us);
            continue;
        }
        evict_one(t);
    }
    uint32_t i = t->free_head;
    fnode *n = node(t, i);
    t->free_head = n->lru_next;
    return i;
}

/* Creates a flow for key k; the initiator is endpoint a when init_is_a. */
static uint32_t create(ws_flow_table *t, const ws_fkey *k, uint32_t h,
                       bool init_is_a, uint8_t ip_version)
{
    uint32_t i = take_slot(t);
    if (i == NIL)
        return NIL;
    fnode *n = node(t, i);
    memset(n, 0, sizeof(*n));
    n->key = *k;
    n->hash = h;
    n->cls = CLS_NONE;
    n->init_is_a = init_is_a;
    n->f.id = t->next_id++;
    n->f.proto = k->proto;
    n->f.ip_version = ip_version;

    hash_put(t->slots, t->nslots, i, h);
    n->all_next = NIL;
    n->all_prev = t->all_tail;
    if (t->all_tail != NIL)
        node(t, t->all_tail)->all_next = i;
    else
        t->all_head = i;
    t->all_tail = i;
    t->count++;
    t->st->flows++;
    return i;
}

/* Who initiated, judged on a flow's first packet: true when its sender did. */
static bool sender_initiated(const ws_packet *pkt, bool *guessed)
{
    *guessed = false;
    if (pkt->proto == PROTO_TCP) {
        uint8_t fl = pkt->tcp_flags & (WS_TCP_SYN | WS_TCP_ACK);
        if (fl == WS_TCP_SYN)
            return true;
        if (fl == (WS_TCP_SYN | WS_TCP_ACK))
            return false;
    } else if (ws_flow_proto_is_icmp(pkt->proto)) {
        ws_icmp_class c = ws_flow_icmp_class(pkt->proto, pkt->icmp_type);
        return !(c.has_id && c.is_reply);
    }
    if (pkt->sport < 1024 && pkt->dport >= 1024) {
        *guessed = true;
        return false;
    }
    return true;
}

static void set_endpoints(ws_flow *f, bool sender_init, const ws_addr *src,
                          uint16_t sport, const ws_addr *dst, uint16_t dport)
{
    f->src = sender_init ? *src : *dst;
    f->dst = sender_init ? *dst : *src;
    f->sport = sender_init ? sport : dport;
    f->dport = sender_init ? dport : sport;
}

static uint32_t create_from_packet(ws_flow_table *t, const ws_fkey *k, uint32_t h,
                                   const ws_packet *pkt, bool src_is_a)
{
    bool guessed;
    bool sender_init = sender_initiated(pkt, &guessed);
    if (ws_fkey_symmetric(k)) { /* both endpoints alike: keep the sender */
        sender_init = true;
        guessed = false;
    }
    uint32_t i = create(t, k, h, sender_init ? src_is_a : !src_is_a, pkt->ip_version);
    if (i == NIL)
        return NIL;
    ws_flow *f = &node(t, i)->f;
    f->initiator_guessed = guessed;
    set_endpoints(f, sender_init, &pkt->src, pkt->sport, &pkt->dst, pkt->dport);
    if (ws_flow_proto_is_icmp(pkt->proto)) {
        f->sport = pkt->icmp_type;
        f->dport = pkt->icmp_code;
    }
    f->first_us = f->last_us = pkt->ts_us;
    return i;
}

/* ---- packets ---------------------------------------------------------- */

static void account(ws_flow_table *t, uint32_t i, int dir, const ws_packet *pkt)
{
    fnode *n = node(t, i);
    ws_flow *f = &n->f;
    f->packets[dir]++;
    f->bytes[dir] += pkt->ip_len;
    f->wire_bytes[dir] += pkt->wire_len;
    if (pkt->ts_us < f->first_us)
        f->first_us = pkt->ts_us;
    if (pkt->ts_us > f->last_us)
        f->last_us = pkt->ts_us;
    if (f->proto == PROTO_TCP) {
        if (dir == WS_DIR_FWD && !n->have_syn_seq &&
            (pkt->tcp_flags & (WS_TCP_SYN | WS_TCP_ACK)) == WS_TCP_SYN) {
            n->syn_seq = pkt->tcp_seq;
            n->have_syn_seq = true;
        }
        ws_flow_tcp_update(f, dir, pkt);
    } else if (f->proto == 50) {
        f->esp_spi[dir] = pkt->esp_spi;
    }
    touch(t, i);
}

static ws_flow *icmp_error(ws_flow_table *t, const ws_packet *pkt, int *dir)
{
    ws_fkey k;
    bool q_src_is_a;
    ws_fkey_quoted(&k, &pkt->quoted, &q_src_is_a);
    uint32_t h = (uint32_t)ws_fkey_hash(&k, &t->secret);
    uint32_t i = hash_find(t, &k, h);
    if (i != NIL && is_idle(t, node(t, i), t->now_us)) {
        end_flow(t, i, WS_END_IDLE);
        t->st->flows_expired++;
        i = NIL;
    }
    if (i != NIL) {
        t->st->icmp_errors++;
    } else {
        const ws_quoted *q = &pkt->quoted;
        i = create(t, &k, h, q_src_is_a, pkt->ip_version);
        if (i == NIL)
            return NULL;
        ws_flow *f = &node(t, i)->f;
        set_endpoints(f, true, &q->src, q->sport, &q->dst, q->dport);
        if (ws_flow_proto_is_icmp(q->proto)) {
            f->sport = q->icmp_type;
            f->dport = q->icmp_code;
        } else if (q->proto == 50) {
            f->esp_spi[WS_DIR_FWD] = q->esp_spi;
        }
        f->ip_version = q->src.family;
        f->first_us = f->last_us = pkt->ts_us;
        t->st->icmp_errors_unmatched++;
    }
    ws_flow *f = &node(t, i)->f;
    if (f->icmp_errors < UINT32_MAX)
        f->icmp_errors++;
    f->icmp_type = pkt->icmp_type;
    f->icmp_code = pkt->icmp_code;
    f->icmp_reporter = pkt->src;
    if (pkt->ts_us > f->last_us)
        f->last_us = pkt->ts_us;
    touch(t, i);
    if (dir)
        *dir = WS_DIR_ICMP;
    return f;
}

/*
 * A SYN without ACK on an existing TCP flow starts a new connection (as
 * tshark's tcp.stream does) when it carries a new initial sequence number,
 * when the flow had finished, or when the flow was joined midstream; not when
 * it repeats the initiator's first SYN, nor when it is the SYN of a flow seen
 * from its SYN-ACK or known only from an ICMP error.
 */
static bool new_connection(const fnode *n, int d, const ws_packet *pkt)
{
    const ws_flow *f = &n->f;
    if (pkt->proto != PROTO_TCP ||
        (pkt->tcp_flags & (WS_TCP_SYN | WS_TCP_ACK)) != WS_TCP_SYN)
        return false;
    if (f->packets[0] + f->packets[1] == 0)
        return false;
    if (d == WS_DIR_FWD && n->have_syn_seq)
        return pkt->tcp_seq != n->syn_seq;
    return ws_flow_tcp_finished(f) || ws_flow_tcp_midstream(f);
}

/*
 * Capture time follows the packets, also backwards (captures merged out of
 * order): a flow last seen after "now" is not idle, and the sweep schedule
 * restarts from the new time.
 */
static void advance(ws_flow_table *t, int64_t ts)
{
    if (!t->have_now || (ts < t->next_sweep_us &&
                         (uint64_t)t->next_sweep_us - (uint64_t)ts > EXPIRE_EVERY_US))
        t->next_sweep_us = ts;
    t->now_us = ts;
    t->have_now = true;
}

ws_flow *ws_flow_table_packet(ws_flow_table *t, const ws_packet *pkt, int *dir)
{
    advance(t, pkt->ts_us);
    if (t->now_us >= t->next_sweep_us) {
        sweep(t, t->now_us);
        t->next_sweep_us = t->now_us > INT64_MAX - EXPIRE_EVERY_US
                               ? INT64_MAX
                               : t->now_us + EXPIRE_EVERY_US;
    }
    if (t->cap == 0) {
        t->st->flows_dropped++;
        return NULL;
    }
    if (pkt->icmp_error && pkt->quoted.present && ws_flow_proto_is_icmp(pkt->proto))
        return icmp_error(t, pkt, dir);

    ws_fkey k;
    bool src_is_a;
    ws_fkey_packet(&k, pkt, &src_is_a);
    uint32_t h = (uint32_t)ws_fkey_hash(&k, &t->secret);
    uint32_t i = hash_find(t, &k, h);
    int d = WS_DIR_FWD;
    if (i != NIL) {
        fnode *n = node(t, i);
        d = src_is_a == n->init_is_a ? WS_DIR_FWD : WS_DIR_REV;
        if (is_idle(t, n, t->now_us)) {
            end_flow(t, i, WS_END_IDLE);
            t->st->flows_expired++;
            i = NIL;
        } else if (new_connection(n, d, pkt)) {
            end_flow(t, i, WS_END_REUSED);
            i = NIL;
        }
    }
    if (i == NIL) {
        i = create_from_packet(t, &k, h, pkt, src_is_a);
        if (i == NIL) {
            if (dir)
                *dir = WS_DIR_FWD;
            return NULL;
        }
        d = src_is_a == node(t, i)->init_is_a ? WS_DIR_FWD : WS_DIR_REV;
    }
    account(t, i, d, pkt);
    if (dir)
        *dir = d;
    return &node(t, i)->f;
}

void ws_flow_table_expire(ws_flow_table *t, int64_t now_us)
{
    advance(t, now_us);
    sweep(t, now_us);
}

void ws_flow_table_set_ending(ws_flow_table *t, ws_flow_ending_cb fn) { t->on_ending = fn; }

void ws_flow_table_flush(ws_flow_table *t)
{
    for (uint32_t i = t->all_head; t->on_ending && i != NIL; i = node(t, i)->all_next)
        t->on_ending(&node(t, i)->f, t->ctx);
    /* Every flow ends: rather than unlinking each one from its lists and
     * the hash index (each unlink a cache miss on a neighbour), the table
     * is emptied in one go: each node goes straight to the free list and
     * the index is cleared at the end. on_end may not call back into the
     * table, so it cannot tell the difference. */
    for (uint32_t i = t->all_head, next; i != NIL; i = next) {
        fnode *n = node(t, i);
        next = n->all_next;
        if (t->on_end)
            t->on_end(&n->f, WS_END_FLUSH, t->ctx);
        n->cls = CLS_NONE;
        n->lru_next = t->free_head;
        t->free_head = i;
    }
    if (t->count == 0)
        return;
    memset(t->slots, 0, (size_t)t->nslots * sizeof(slot));
    for (uint8_t c = 0; c < NCLS; c++)
        t->lru_head[c] = t->lru_tail[c] = NIL;
    t->all_head = t->all_tail = NIL;
    t->count = 0;
}

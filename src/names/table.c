/* table.c - the bounded table of names learned per address, and the step
 * that feeds it from packets.
 * specification: wirespec DESIGN.md (names/); ports from RFC 1035 section
 * 4.2 (DNS, 53), RFC 6762 section 3 (mDNS, 5353) */
#include "names/names_int.h"

#include <stdlib.h>
#include <string.h>

#define DNS_PORT 53
#define MDNS_PORT 5353
#define IPPROTO_TCP_NUM 6
#define IPPROTO_UDP_NUM 17

#define ARENA_CHUNK 16384 /* bytes per block of interned strings */
#define INITIAL_SLOTS 64  /* both hash tables; powers of two */

typedef struct addr_slot {
    ws_addr addr;     /* family 0: empty slot */
    uint8_t n;
    const char *names[WS_NAMES_PER_ADDR];
} addr_slot;

typedef struct arena_block {
    struct arena_block *next;
    size_t used;
    char data[ARENA_CHUNK];
} arena_block;

struct ws_names {
    const ws_limits *limits;
    ws_stats *stats;
    addr_slot *slots;    /* open addressing, linear probing */
    size_t nslots, naddrs;
    const char **strs;   /* interned strings, open addressing */
    size_t nstrs_slots, nstrs;
    arena_block *arena;
    size_t pairs;
    ws_dns_result dns;   /* scratch for one message: no allocation per packet */
};

static uint64_t fnv1a(const void *p, size_t n, uint64_t h)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}

#define FNV_BASIS 14695981039346656037ull

ws_names *ws_names_new(const ws_limits *limits, ws_stats *stats)
{
    ws_names *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->limits = limits;
    n->stats = stats;
    n->nslots = n->nstrs_slots = INITIAL_SLOTS;
    n->slots = calloc(n->nslots, sizeof(*n->slots));
    n->strs = calloc(n->nstrs_slots, sizeof(*n->strs));
    if (!n->slots || !n->strs) {
        ws_names_free(n);
        return NULL;
    }
    return n;
}

void ws_names_free(ws_names *n)
{
    if (!n)
        return;
    arena_block *b = n->arena;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(n->slots);
    free(n->strs);
    free(n);
}

/* ---- addresses --------------------------------------------------------- */

static addr_slot *addr_find(const ws_names *n, const ws_addr *a)
{
    size_t mask = n->nslots - 1;
    for (size_t i = ws_addr_hash(a) & mask;; i = (i + 1) & mask) {
        addr_slot *s = &n->slots[i];
        if (s->addr.family == 0 ||
            (s->addr.family == a->family && !memcmp(s->addr.b, a->b, sizeof(a->b))))
            return s;
    }
}

static bool addr_grow(ws_names *n)
{
    size_t nn = n->nslots * 2;
    addr_slot *ns = calloc(nn, sizeof(*ns));
    if (!ns)
        return false;
    addr_slot *old = n->slots;
    size_t on = n->nslots;
    n->slots = ns;
    n->nslots = nn;
    for (size_t i = 0; i < on; i++)
        if (old[i].addr.family != 0)
            *addr_find(n, &old[i].addr) = old[i];
    free(old);
    return true;
}

/* ---- interned strings -------------------------------------------------- */

static const char **str_find(const ws_names *n, const char *s, size_t len)
{
    size_t mask = n->nstrs_slots - 1;
    for (size_t i = fnv1a(s, len, FNV_BASIS) & mask;; i = (i + 1) & mask) {
        const char **slot = &n->strs[i];
        if (!*slot || strcmp(*slot, s) == 0)
            return slot;
    }
}

static bool str_grow(ws_names *n)
{
    size_t nn = n->nstrs_slots * 2;
    const char **ns = calloc(nn, sizeof(*ns));
    if (!ns)
        return false;
    const char **old = n->strs;
    size_t on = n->nstrs_slots;
    n->strs = ns;
    n->nstrs_slots = nn;
    for (size_t i = 0; i < on; i++)
        if (old[i])
            *str_find(n, old[i], strlen(old[i])) = old[i];
    free(old);
    return true;
}

/* The one stored copy of s, made if needed; NULL on ENOMEM. */
static const char *intern(ws_names *n, const char *s)
{
    size_t len = strlen(s);
    const char **slot = str_find(n, s, len);
    if (*slot)
        return *slot;
    if ((n->nstrs + 1) * 4 > n->nstrs_slots * 3) {
        if (!str_grow(n))
            return NULL;
        slot = str_find(n, s, len);
    }
    arena_block *b = n->arena;
    if (!b || ARENA_CHUNK - b->used < len + 1) {
        b = malloc(sizeof(*b));
        if (!b)
            return NULL;
        b->next = n->arena;
        b->used = 0;
        n->arena = b;
    }
    char *copy = b->data + b->used;
    memcpy(copy, s, len + 1);
    b->used += len + 1;
    *slot = copy;
    n->nstrs++;
    return copy;
}

/* ---- binding ----------------------------------------------------------- */

/* Binds a name already in its learned form. */
static bool bind(ws_names *n, const ws_addr *a, const char *name)
{
    if (a->family != 4 && a->family != 6)
        return false;
    addr_slot *s = addr_find(n, a);
    if (s->addr.family != 0) {
        for (unsigned i = 0; i < s->n; i++)
            if (strcmp(s->names[i], name) == 0)
                return true; /* known already */
    }
    if (n->pairs >= n->limits->max_names ||
        (s->addr.family != 0 && s->n >= WS_NAMES_PER_ADDR)) {
        n->stats->names_dropped++;
        return false;
    }
    const char *str = intern(n, name);
    if (!str) {
        n->stats->names_dropped++;
        return false;
    }
    if (s->addr.family == 0) {
        if ((n->naddrs + 1) * 4 > n->nslots * 3) {
            if (!addr_grow(n)) {
                n->stats->names_dropped++;
                return false;
            }
            s = addr_find(n, a);
        }
        s->addr = *a;
        s->n = 0;
        n->naddrs++;
    }
    s->names[s->n++] = str;
    n->pairs++;
    n->stats->names_learned++;
    return true;
}

bool ws_names_add(ws_names *n, const ws_addr *addr, const char *name)
{
    char text[WS_NAME_MAX];
    if (!name || !ws_names_text((const uint8_t *)name, strlen(name), text)) {
        n->stats->name_parse_errors++;
        return false;
    }
    return bind(n, addr, text);
}

size_t ws_names_lookup(const ws_names *n, const ws_addr *addr, const char **out,
                       size_t max)
{
    if (addr->family != 4 && addr->family != 6)
        return 0;
    const addr_slot *s = addr_find(n, addr);
    if (s->addr.family == 0)
        return 0;
    for (size_t i = 0; i < s->n && i < max; i++)
        out[i] = s->names[i];
    return s->n;
}

size_t ws_names_pairs(const ws_names *n) { return n->pairs; }
size_t ws_names_strings(const ws_names *n) { return n->nstrs; }

size_t ws_names_bytes(const ws_names *n)
{
    size_t b = sizeof(*n) + n->nslots * sizeof(*n->slots) +
               n->nstrs_slots * sizeof(*n->strs);
    for (const arena_block *a = n->arena; a; a = a->next)
        b += sizeof(*a);
    return b;
}

/* ---- packets ----------------------------------------------------------- */

static void learn_dns(ws_names *n, int rc)
{
    if (rc == WS_NAMES_MALFORMED) {
        n->stats->name_parse_errors++;
        return;
    }
    if (rc != WS_NAMES_FOUND)
        return;
    const ws_dns_result *r = &n->dns;
    for (size_t i = 0; i < r->n_binds; i++)
        bind(n, &r->addrs[r->binds[i].addr], r->names[r->binds[i].name]);
    /* pairs the message held beyond what one message may give */
    n->stats->names_dropped += r->dropped;
}

void ws_names_packet(ws_names *n, const ws_packet *pkt)
{
    if (!pkt->payload || pkt->payload_len == 0)
        return;
    bool dns_port = pkt->sport == DNS_PORT || pkt->dport == DNS_PORT;
    if (pkt->proto == IPPROTO_UDP_NUM) {
        if (dns_port)
            learn_dns(n, ws_dns_parse(pkt->payload, pkt->payload_len, 0, &n->dns));
        else if (pkt->sport == MDNS_PORT || pkt->dport == MDNS_PORT)
            learn_dns(n, ws_dns_parse(pkt->payload, pkt->payload_len, WS_DNS_MDNS,
                                      &n->dns));
        return;
    }
    if (pkt->proto != IPPROTO_TCP_NUM)
        return;
    if (dns_port) {
        learn_dns(n, ws_dns_parse_tcp(pkt->payload, pkt->payload_len, &n->dns));
        return;
    }
    char name[WS_NAME_MAX];
    int rc = ws_tls_sni(pkt->payload, pkt->payload_len, name);
    if (rc == WS_NAMES_NONE)
        rc = ws_http_host(pkt->payload, pkt->payload_len, name);
    if (rc == WS_NAMES_FOUND)
        bind(n, &pkt->dst, name);
    else if (rc == WS_NAMES_MALFORMED)
        n->stats->name_parse_errors++;
}

/* frag.c - IPv4 and IPv6 fragment reassembly under a memory cap.
 * specification: RFC 791 section 3.2 (IPv4 reassembly), RFC 8200 section
 * 4.5 (IPv6 fragment header), RFC 1858 (tiny and overlapping fragments),
 * RFC 5722 (overlapping IPv6 fragments).
 *
 * Policy
 * - Key: IPv4 (source, destination, identification, protocol); IPv6
 *   (source, destination, identification). Fragment offsets are in 8-byte
 *   units, so what has arrived is kept as a bitmap of 8-byte blocks.
 * - Overlaps. Receivers disagree on overlapping fragments (first arrival
 *   wins on some stacks, last arrival on others, RFC 5722 drops the whole
 *   IPv6 datagram), and a sender can use that to show a monitor one port and
 *   the receiver another. wirespec keeps the datagram first-arrival-wins and,
 *   next to it, the first 64 bytes of the payload (where the transport header
 *   and its ports are) last-arrival-wins. When the datagram completes and
 *   those 64 bytes differ, it is delivered twice: first-arrival-wins, then
 *   with the last-arrival-wins transport header, so that every port a
 *   receiver could see becomes a flow. Every fragment overlapping an earlier
 *   one is counted in frag_overlap; those whose bytes differ in the overlap
 *   also in frag_overlap_conflict.
 * - Malformed, and dropped without touching the datagram: a fragment whose
 *   end would take the datagram past 65535 bytes (checked by ip.c), a
 *   non-last fragment whose length is not a multiple of 8 or is zero (ip.c),
 *   a last fragment that disagrees with an earlier last fragment or ends
 *   before data already received, a fragment extending past the known end.
 * - Tiny first fragments (RFC 1858) are reassembled like any other: ports
 *   are read from the reassembled datagram only.
 * - Memory: every pending datagram costs sizeof(struct dgram) plus its
 *   buffer. A new datagram beyond frag_max_datagrams or frag_max_bytes is not
 *   started (its fragment counted in frag_dropped_limit); a datagram whose
 *   buffer cannot grow within frag_max_bytes is dropped with all its
 *   fragments (each counted in frag_dropped_limit). The cap is never
 *   exceeded.
 * - Time: a datagram not completed frag_timeout_us after its first fragment
 *   is dropped and counted in frag_timeout; its fragments are never
 *   delivered as packets. Expiry runs on every frame (frame time) and on
 *   ws_decoder_expire.
 * - A completed datagram's buffer is taken out of the table before it is
 *   decoded, so a tunnel inside it may add fragments to the table again.
 */
#include <stdlib.h>
#include <string.h>

#include "decode/decode_int.h"

#define SHADOW_LEN 64
#define MAX_DATA 65536u               /* fragmentable bytes, with margin */
#define NBLOCKS (MAX_DATA / 8)

struct dgram {
    /* key */
    uint8_t version;
    uint8_t proto;       /* IPv4 key part */
    uint32_t id;
    ws_addr src, dst;
    /* table links (slot indices, -1 = none) */
    int32_t hnext;
    int32_t older, newer;
    bool used;
    /* state */
    int64_t first_us;
    uint8_t *buf;        /* [header room][data capacity] */
    size_t room;         /* header room at the front of buf */
    size_t cap;          /* data capacity */
    bool have_first, have_last;
    uint8_t next_proto;  /* IPv6: next header of the first fragment */
    size_t nh_at;        /* IPv6: byte to patch with next_proto */
    uint32_t total;      /* data length, once the last fragment is in */
    uint32_t max_end;
    uint32_t blocks;     /* blocks received */
    uint32_t nfrags;
    uint32_t wire_sum;
    unsigned depth;
    uint8_t shadow[SHADOW_LEN];
    uint64_t cover[NBLOCKS / 64];
};

struct ws_frag_table {
    const ws_limits *limits;
    ws_stats *stats;
    struct dgram *slots;
    uint32_t nslots;
    int32_t free_head;
    int32_t *buckets;
    uint32_t nbuckets; /* power of two */
    int32_t oldest, newest;
    uint32_t count;
    uint64_t mem;
};

struct ws_frag_table *ws_frag_new(const ws_limits *limits, ws_stats *stats)
{
    struct ws_frag_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->limits = limits;
    t->stats = stats;
    t->free_head = t->oldest = t->newest = -1;
    uint32_t want = limits->frag_max_datagrams;
    if (want > 65536)
        want = 65536;
    t->nbuckets = 16;
    while (t->nbuckets < want)
        t->nbuckets <<= 1;
    t->buckets = malloc(sizeof(*t->buckets) * t->nbuckets);
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    for (uint32_t i = 0; i < t->nbuckets; i++)
        t->buckets[i] = -1;
    return t;
}

void ws_frag_free(struct ws_frag_table *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i < t->nslots; i++)
        if (t->slots[i].used)
            free(t->slots[i].buf);
    free(t->slots);
    free(t->buckets);
    free(t);
}

size_t ws_frag_pending(const struct ws_frag_table *t) { return t->count; }

uint64_t ws_frag_bytes(const struct ws_frag_table *t) { return t->mem; }

static uint32_t key_hash(uint8_t version, uint8_t proto, uint32_t id, const ws_addr *s,
                         const ws_addr *d)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    const uint8_t head[6] = {version, proto, (uint8_t)(id >> 24), (uint8_t)(id >> 16),
                             (uint8_t)(id >> 8), (uint8_t)id};
    for (size_t i = 0; i < sizeof(head); i++)
        h = (h ^ head[i]) * 16777619u;
    for (size_t i = 0; i < 16; i++)
        h = (h ^ s->b[i]) * 16777619u;
    for (size_t i = 0; i < 16; i++)
        h = (h ^ d->b[i]) * 16777619u;
    return h;
}

static uint32_t bucket_of(const struct ws_frag_table *t, const struct dgram *d)
{
    return key_hash(d->version, d->proto, d->id, &d->src, &d->dst) & (t->nbuckets - 1);
}

static int32_t lookup(const struct ws_frag_table *t, const ws_frag_in *in, uint8_t kproto)
{
    uint32_t b = key_hash(in->version, kproto, in->id, &in->src, &in->dst) & (t->nbuckets - 1);
    for (int32_t i = t->buckets[b]; i >= 0; i = t->slots[i].hnext) {
        const struct dgram *d = &t->slots[i];
        if (d->version == in->version && d->proto == kproto && d->id == in->id &&
            ws_addr_eq(&d->src, &in->src) && ws_addr_eq(&d->dst, &in->dst))
            return i;
    }
    return -1;
}

/* Unlinks slot i from the hash and the age list and frees it; the buffer is
 * freed too unless keep_buf. */
static void remove_slot(struct ws_frag_table *t, int32_t i, bool keep_buf)
{
    struct dgram *d = &t->slots[i];
    int32_t *pp = &t->buckets[bucket_of(t, d)];
    while (*pp != i)
        pp = &t->slots[*pp].hnext;
    *pp = d->hnext;
    if (d->older >= 0)
        t->slots[d->older].newer = d->newer;
    else
        t->oldest = d->newer;
    if (d->newer >= 0)
        t->slots[d->newer].older = d->older;
    else
        t->newest = d->older;
    t->mem -= sizeof(struct dgram) + d->room + d->cap;
    if (!keep_buf)
        free(d->buf);
    d->buf = NULL;
    d->used = false;
    d->hnext = t->free_head;
    t->free_head = i;
    t->count--;
}

static int32_t new_slot(struct ws_frag_table *t)
{
    if (t->free_head < 0) {
        uint32_t n = t->nslots ? t->nslots * 2 : 16;
        if (n > t->limits->frag_max_datagrams)
            n = t->limits->frag_max_datagrams;
        if (n <= t->nslots)
            return -1;
        struct dgram *s = realloc(t->slots, sizeof(*s) * n);
        if (!s)
            return -1;
        for (uint32_t i = n; i-- > t->nslots;) {
            s[i].used = false;
            s[i].buf = NULL;
            s[i].hnext = t->free_head;
            t->free_head = (int32_t)i;
        }
        t->slots = s;
        t->nslots = n;
    }
    int32_t i = t->free_head;
    t->free_head = t->slots[i].hnext;
    return i;
}

static bool aged_out(int64_t first_us, int64_t now_us, int64_t timeout_us)
{
    if (now_us < first_us)
        return false; /* time went back: keep */
    uint64_t age = (uint64_t)now_us - (uint64_t)first_us;
    return timeout_us <= 0 || age >= (uint64_t)timeout_us;
}

void ws_frag_expire(struct ws_frag_table *t, int64_t now_us)
{
    while (t->oldest >= 0 &&
           aged_out(t->slots[t->oldest].first_us, now_us, t->limits->frag_timeout_us)) {
        t->stats->frag_timeout++;
        remove_slot(t, t->oldest, false);
    }
}

static bool block_has(const struct dgram *d, uint32_t b)
{
    return (d->cover[b / 64] >> (b % 64)) & 1;
}

static void block_set(struct dgram *d, uint32_t b)
{
    d->cover[b / 64] |= (uint64_t)1 << (b % 64);
}

/* Makes room for a header of room bytes and data up to end. */
static bool grow(struct ws_frag_table *t, struct dgram *d, size_t room, size_t end)
{
    size_t cap = d->cap;
    if (end > cap) {
        cap = cap ? cap * 2 : 2048;
        if (cap < end)
            cap = end;
        if (cap > MAX_DATA)
            cap = MAX_DATA;
    }
    if (room == d->room && cap == d->cap)
        return true;
    uint64_t old = d->room + d->cap, want = room + cap;
    uint64_t budget = t->limits->frag_max_bytes;
    if (t->mem - old + want > budget) {
        /* Not the doubling, then: exactly what this fragment needs. */
        cap = end > d->cap ? end : d->cap;
        want = room + cap;
        if (t->mem - old + want > budget)
            return false;
    }
    uint8_t *nb = realloc(d->buf, want);
    if (!nb)
        return false;
    if (room != d->room)
        memmove(nb + room, nb + d->room, d->cap);
    d->buf = nb;
    t->mem = t->mem - old + want;
    d->room = room;
    d->cap = cap;
    return true;
}

/* Decodes a completed datagram, taken out of the table. */
static ws_ip_result complete(struct ws_frag_table *t, ws_dframe *f, int32_t i)
{
    struct dgram *d = &t->slots[i];
    t->stats->reassembled++;
    uint8_t *buf = d->buf;
    size_t hl = d->room, total = d->total, len = hl + total;
    uint8_t shadow[SHADOW_LEN];
    size_t nshadow = total < SHADOW_LEN ? total : SHADOW_LEN;
    memcpy(shadow, d->shadow, nshadow);
    uint8_t version = d->version;
    unsigned depth = d->depth;
    uint32_t wire_sum = d->wire_sum;
    /* The header of the first fragment, made to describe the whole. */
    if (version == 4) {
        buf[2] = (uint8_t)(len >> 8);
        buf[3] = (uint8_t)len;
        buf[6] &= 0x40; /* keep DF; clear MF and the offset */
        buf[7] = 0;
    } else {
        size_t plen = len - 40;
        buf[4] = (uint8_t)(plen >> 8);
        buf[5] = (uint8_t)plen;
        buf[d->nh_at] = d->next_proto;
    }
    remove_slot(t, i, true);

    uint32_t saved_wire = f->wire_len;
    f->wire_len = wire_sum;
    ws_ip_result r = ws_ip_decode(f, buf, len, version, depth, true);
    if (memcmp(buf + hl, shadow, nshadow) != 0) {
        memcpy(buf + hl, shadow, nshadow);
        ws_ip_result r2 = ws_ip_decode(f, buf, len, version, depth, true);
        if (r2 == WS_IP_DELIVERED)
            r = r2;
    }
    f->wire_len = saved_wire;
    free(buf);
    return r == WS_IP_DELIVERED ? WS_IP_DELIVERED : WS_IP_HELD;
}

ws_ip_result ws_frag_add(struct ws_frag_table *t, ws_dframe *f, const ws_frag_in *in)
{
    ws_stats *st = t->stats;
    uint8_t kproto = in->version == 4 ? in->proto : 0;
    uint32_t end = in->offset + (uint32_t)in->data_len;
    int32_t i = lookup(t, in, kproto);
    if (i < 0) {
        if (t->count >= t->limits->frag_max_datagrams ||
            t->mem + sizeof(struct dgram) > t->limits->frag_max_bytes) {
            st->frag_dropped_limit++;
            return WS_IP_HELD;
        }
        i = new_slot(t);
        if (i < 0) {
            st->frag_dropped_limit++;
            return WS_IP_HELD;
        }
        struct dgram *n = &t->slots[i];
        memset(n, 0, sizeof(*n));
        n->version = in->version;
        n->proto = kproto;
        n->id = in->id;
        n->src = in->src;
        n->dst = in->dst;
        n->used = true;
        n->first_us = f->ts_us;
        n->depth = in->depth;
        uint32_t b = bucket_of(t, n);
        n->hnext = t->buckets[b];
        t->buckets[b] = i;
        n->older = t->newest;
        n->newer = -1;
        if (t->newest >= 0)
            t->slots[t->newest].newer = i;
        else
            t->oldest = i;
        t->newest = i;
        t->count++;
        t->mem += sizeof(struct dgram);
    }
    struct dgram *d = &t->slots[i];

    /* Consistency with the end of the datagram. */
    if (!in->more) {
        if ((d->have_last && end != d->total) || d->max_end > end) {
            st->malformed++;
            return WS_IP_HELD;
        }
    } else if (d->have_last && end > d->total) {
        st->malformed++;
        return WS_IP_HELD;
    }

    bool first = in->offset == 0 && !d->have_first;
    if (first || d->have_first) {
        /* The whole must fit the 16-bit length of the first fragment's header. */
        size_t hl = first ? in->hdr_len : d->room;
        uint64_t whole = (uint64_t)(in->version == 4 ? hl : hl - 40) +
                         (end > d->max_end ? end : d->max_end);
        if (whole > 65535) {
            st->malformed++;
            return WS_IP_HELD;
        }
    }
    if (!grow(t, d, first ? in->hdr_len : d->room, end)) {
        st->frag_dropped_limit += 1 + d->nfrags;
        remove_slot(t, i, false);
        return WS_IP_HELD;
    }
    if (first) {
        memcpy(d->buf, in->hdr, in->hdr_len);
        d->have_first = true;
        d->next_proto = in->proto;
        d->nh_at = in->nh_at;
    }

    /* First arrival wins in the datagram; every arrival writes the shadow. */
    uint8_t *data = d->buf + d->room;
    bool overlap = false, conflict = false;
    for (uint32_t b = in->offset / 8; b * 8 < end; b++) {
        uint32_t bs = b * 8, be = bs + 8 < end ? bs + 8 : end;
        const uint8_t *src = in->data + (bs - in->offset);
        if (block_has(d, b)) {
            overlap = true;
            if (memcmp(data + bs, src, be - bs) != 0)
                conflict = true;
        } else {
            block_set(d, b);
            d->blocks++;
            memcpy(data + bs, src, be - bs);
        }
    }
    for (uint32_t k = in->offset; k < end && k < SHADOW_LEN; k++)
        d->shadow[k] = in->data[k - in->offset];
    st->frag_overlap += overlap;
    st->frag_overlap_conflict += conflict;

    d->nfrags++;
    d->wire_sum = d->wire_sum > UINT32_MAX - f->wire_len ? UINT32_MAX
                                                         : d->wire_sum + f->wire_len;
    if (end > d->max_end)
        d->max_end = end;
    if (!in->more) {
        d->have_last = true;
        d->total = end;
    }
    if (d->have_first && d->have_last && d->blocks == (d->total + 7) / 8)
        return complete(t, f, i);
    return WS_IP_HELD;
}

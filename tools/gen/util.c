/* util.c - wsgen's pcap writer, Internet checksum, address text, PRNG fill
 * and flow heap; specification: the libpcap file format
 * (draft-ietf-opsawg-pcap), RFC 1071 (checksum). */
#include "gen.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

void gen_rng_fill(gen_rng *r, uint8_t *p, size_t n)
{
    while (n) {
        uint64_t v = gen_rng_next(r);
        for (int i = 0; i < 8 && n; i++, n--) {
            *p++ = (uint8_t)v;
            v >>= 8;
        }
    }
}

bool gen_addr_parse(const char *s, gen_addr *out)
{
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, s, out->b) == 1) {
        out->family = 4;
        return true;
    }
    if (inet_pton(AF_INET6, s, out->b) == 1) {
        out->family = 6;
        return true;
    }
    return false;
}

void gen_addr_str(const gen_addr *a, char *buf, size_t size)
{
    if (!inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->b, buf, (socklen_t)size))
        snprintf(buf, size, "?");
}

uint32_t gen_cksum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (; n > 1; n -= 2, p += 2)
        sum += (uint32_t)p[0] << 8 | p[1];
    if (n)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

uint16_t gen_cksum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Classic pcap, little-endian on every host, microseconds, Ethernet. */
bool gen_pcap_open(gen_pcap *w, FILE *fp)
{
    uint8_t h[24];
    memset(w, 0, sizeof(*w));
    w->fp = fp;
    le32(h, 0xa1b2c3d4);
    h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0;
    le32(h + 8, 0);
    le32(h + 12, 0);
    le32(h + 16, 65535);
    le32(h + 20, 1);
    if (fwrite(h, 1, sizeof(h), fp) != sizeof(h))
        w->failed = true;
    return !w->failed;
}

void gen_pcap_write(gen_pcap *w, int64_t t_us, const uint8_t *frame, size_t len)
{
    uint8_t h[16];
    le32(h, (uint32_t)(t_us / 1000000));
    le32(h + 4, (uint32_t)(t_us % 1000000));
    le32(h + 8, (uint32_t)len);
    le32(h + 12, (uint32_t)len);
    if (fwrite(h, 1, 16, w->fp) != 16 || fwrite(frame, 1, len, w->fp) != len)
        w->failed = true;
    w->packets++;
    w->bytes += len;
}

static bool ent_less(const gen_heap_ent *a, const gen_heap_ent *b)
{
    return a->key < b->key || (a->key == b->key && a->order < b->order);
}

bool gen_heap_push(gen_heap *h, int64_t key, uint64_t order, void *item)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 256;
        gen_heap_ent *v = realloc(h->v, cap * sizeof(*v));
        if (!v)
            return false;
        h->v = v;
        h->cap = cap;
    }
    gen_heap_ent e = {key, order, item};
    size_t i = h->n++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!ent_less(&e, &h->v[up]))
            break;
        h->v[i] = h->v[up];
        i = up;
    }
    h->v[i] = e;
    return true;
}

bool gen_heap_pop(gen_heap *h, gen_heap_ent *out)
{
    if (!h->n)
        return false;
    *out = h->v[0];
    gen_heap_ent last = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && ent_less(&h->v[c + 1], &h->v[c]))
            c++;
        if (!ent_less(&h->v[c], &last))
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n)
        h->v[i] = last;
    return true;
}

void gen_heap_free(gen_heap *h)
{
    free(h->v);
    memset(h, 0, sizeof(*h));
}

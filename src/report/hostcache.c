/* hostcache.c - a two-way set-associative cache from an address to a rendered text,
 * bounded by its slot count and a slot's size (hostcache.h).
 * specification: none (an internal structure); an address is its family and
 * its 16 bytes, as src/common/addr.h defines equality. */
#include "hostcache.h"

#include <stdlib.h>
#include <string.h>

typedef struct slot {
    ws_addr addr;      /* family 0: empty */
    uint8_t keep;      /* gets answered since stored, at most 255 */
    uint16_t len, mark;
    char text[WS_HOSTCACHE_TEXT];
} slot;

struct ws_hostcache {
    slot *slots;
    size_t mask;       /* slots - 1 */
};

ws_hostcache *ws_hostcache_new(size_t want)
{
    size_t n = 16;
    while (n < want && n < WS_HOSTCACHE_MAX_SLOTS)
        n *= 2;
    ws_hostcache *c = malloc(sizeof(*c));
    if (!c)
        return NULL;
    c->slots = calloc(n, sizeof(slot));
    if (!c->slots) {
        free(c);
        return NULL;
    }
    c->mask = n - 1;
    return c;
}

void ws_hostcache_free(ws_hostcache *c)
{
    if (!c)
        return;
    free(c->slots);
    free(c);
}

size_t ws_hostcache_slots(const ws_hostcache *c)
{
    return c->mask + 1;
}

/* The set of a (its first slot): its two 8-byte halves and family mixed by
 * multiplication (the high bits of the product, which depend on every
 * byte). */
static size_t set_of(const ws_hostcache *c, const ws_addr *a)
{
    uint64_t x, y;
    memcpy(&x, a->b, 8);
    memcpy(&y, a->b + 8, 8);
    uint64_t h = (x ^ (y * 0xff51afd7ed558ccdULL) ^ a->family) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return (size_t)(h >> 32) & c->mask & ~(size_t)1;
}

size_t ws_hostcache_set(const ws_hostcache *c, const ws_addr *a)
{
    return set_of(c, a) / 2;
}

static bool same(const ws_addr *x, const ws_addr *y)
{
    return x->family == y->family && memcmp(x->b, y->b, sizeof(x->b)) == 0;
}

const char *ws_hostcache_get(ws_hostcache *c, const ws_addr *a, size_t *len, size_t *mark)
{
    slot *set = &c->slots[set_of(c, a)];
    for (int i = 0; i < 2; i++) {
        slot *s = &set[i];
        if (s->addr.family == 0 || !same(&s->addr, a))
            continue;
        if (s->keep < UINT8_MAX)
            s->keep++;
        *len = s->len;
        *mark = s->mark;
        return s->text;
    }
    return NULL;
}

bool ws_hostcache_put(ws_hostcache *c, const ws_addr *a, const char *text, size_t len,
                      size_t mark)
{
    if (len > WS_HOSTCACHE_TEXT || mark > len || a->family == 0)
        return false;
    slot *set = &c->slots[set_of(c, a)], *s;
    if (set[0].addr.family == 0 || same(&set[0].addr, a))
        s = &set[0];
    else if (set[1].addr.family == 0 || same(&set[1].addr, a))
        s = &set[1];
    else
        s = set[1].keep < set[0].keep ? &set[1] : &set[0];
    if (s->addr.family != 0 && !same(&s->addr, a) && s->keep > 0) {
        s->keep--;
        return false;
    }
    s->addr = *a;
    s->keep = 0;
    s->len = (uint16_t)len;
    s->mark = (uint16_t)mark;
    memcpy(s->text, text, len);
    return true;
}

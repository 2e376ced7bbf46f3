/* ports.c - port items, port sets and role sets. Port numbers: 0-65535
 * (RFC 793 section 3.1, RFC 768). */
#include "rules_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ws_roleset_meets(const ws_roleset *a, const ws_roleset *b)
{
    for (size_t i = 0; i < WS_MAX_ROLES / 64; i++)
        if (a->w[i] & b->w[i])
            return true;
    return false;
}

bool ws_portset_has(const ws_portset *s, uint16_t port)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (port < s->r[mid].lo)
            hi = mid;
        else if (port > s->r[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

char *ws_portset_str(const ws_portset *s, char *buf, size_t len)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < s->n && used < len; i++) {
        int w;
        if (s->r[i].lo == 0 && s->r[i].hi == 65535)
            w = snprintf(buf + used, len - used, "%sany", i ? "," : "");
        else if (s->r[i].lo == s->r[i].hi)
            w = snprintf(buf + used, len - used, "%s%u", i ? "," : "", s->r[i].lo);
        else
            w = snprintf(buf + used, len - used, "%s%u-%u", i ? "," : "", s->r[i].lo,
                         s->r[i].hi);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}

/* Reads a decimal number that must fill [s, end). */
static bool number(const char *s, const char *end, unsigned long *out)
{
    if (s == end || (size_t)(end - s) > 9)
        return s == end ? false : (*out = 999999999UL, true);
    unsigned long v = 0;
    for (const char *p = s; p < end; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    *out = v;
    return true;
}

bool ws_port_item_parse(const char *s, uint16_t *lo, uint16_t *hi, char *why, size_t whylen)
{
    const char *dash = strchr(s, '-');
    const char *end = s + strlen(s);
    unsigned long a, b;
    if (!dash) {
        if (!number(s, end, &a)) {
            snprintf(why, whylen, "\"%s\" is not a port, a range N-M, a $variable or any", s);
            return false;
        }
        b = a;
    } else if (!number(s, dash, &a) || !number(dash + 1, end, &b)) {
        snprintf(why, whylen, "\"%s\" is not a port, a range N-M, a $variable or any", s);
        return false;
    }
    if (a > 65535 || b > 65535) {
        unsigned long bad = a > 65535 ? a : b;
        if (bad == 999999999UL)
            snprintf(why, whylen, "port in \"%s\" is outside 0-65535", s);
        else
            snprintf(why, whylen, "port %lu is outside 0-65535", bad);
        return false;
    }
    if (a > b) {
        snprintf(why, whylen, "range %lu-%lu is reversed", a, b);
        return false;
    }
    *lo = (uint16_t)a;
    *hi = (uint16_t)b;
    return true;
}

static int cmp_range(const void *a, const void *b)
{
    const ws_port_range *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return (x->hi > y->hi) - (x->hi < y->hi);
}

bool ws_portset_take(ws_portset *s, ws_port_range *r, size_t n)
{
    if (n)
        qsort(r, n, sizeof(*r), cmp_range);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k && (uint32_t)r[i].lo <= (uint32_t)r[k - 1].hi + 1) {
            if (r[i].hi > r[k - 1].hi)
                r[k - 1].hi = r[i].hi;
        } else {
            r[k++] = r[i];
        }
    }
    free(s->r);
    s->r = r;
    s->n = k;
    return true;
}

void ws_portset_free(ws_portset *s)
{
    free(s->r);
    s->r = NULL;
    s->n = 0;
}

bool ws_portset_copy(ws_portset *dst, const ws_portset *src)
{
    ws_port_range *r = malloc((src->n ? src->n : 1) * sizeof(*r));
    if (!r)
        return false;
    memcpy(r, src->r, src->n * sizeof(*r));
    return ws_portset_take(dst, r, src->n);
}

bool ws_portset_meets(const ws_portset *a, const ws_portset *b)
{
    size_t i = 0, j = 0;
    while (i < a->n && j < b->n) {
        if (a->r[i].hi < b->r[j].lo)
            i++;
        else if (b->r[j].hi < a->r[i].lo)
            j++;
        else
            return true;
    }
    return false;
}

bool ws_portset_eq(const ws_portset *a, const ws_portset *b)
{
    return a->n == b->n && (a->n == 0 || !memcmp(a->r, b->r, a->n * sizeof(*a->r)));
}

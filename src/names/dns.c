/* dns.c - names and the addresses they resolve to, from DNS responses.
 * specification: RFC 1035 sections 3.1, 4.1 and 4.2.2, RFC 3596 (AAAA),
 * RFC 4343 (case), RFC 6762 sections 8.3, 10.2 and 18 (mDNS), RFC 7766 (TCP) */
#include "names/names_int.h"

#include <string.h>

#include "common/cursor.h"

#define DNS_HEADER_LEN 12
#define DNS_TYPE_A 1
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1
#define MDNS_CACHE_FLUSH 0x8000u

/* Compression pointers followed for one name. Every pointer must point
 * before the label sequence that holds it, which alone rules out loops;
 * the count bounds the work on top of that. */
#define DNS_MAX_JUMPS 64

enum name_rc {
    NAME_OK,     /* read; text in out (may be "" for the root) */
    NAME_BAD,    /* its end was found in place, but it cannot be used */
    NAME_BROKEN, /* not even its end could be found */
};

/* A cursor over msg starting at offset off; failed if off > len. */
static ws_cur cur_at(const uint8_t *msg, size_t len, size_t off)
{
    ws_cur c = ws_cur_make(msg, len);
    ws_cur_skip(&c, off);
    return c;
}

/* Offset of c within the message of length len (c made by cur_at). */
static size_t cur_off(const ws_cur *c, size_t len)
{
    return len - ws_cur_left(c);
}

/*
 * Reads the name at *c. *c ends up just past the name as it sits in place
 * (after its root label or its first compression pointer) unless the result
 * is NAME_BROKEN. out (WS_NAME_MAX octets) receives the text form.
 */
static enum name_rc read_name(const uint8_t *msg, size_t len, ws_cur *c, char *out)
{
    ws_cur r = *c;
    bool jumped = false;
    bool bad = false;
    unsigned jumps = 0;
    size_t wire = 0;                   /* octets of the name on the wire */
    size_t tl = 0;                     /* octets written to out */
    size_t run_start = cur_off(&r, len); /* start of the current label run */

    for (;;) {
        uint8_t l = ws_cur_u8(&r);
        if (!ws_cur_ok(&r))
            goto fail;
        if (l == 0) {
            wire++;
            break;
        }
        if ((l & 0xC0) == 0xC0) {
            uint8_t lo = ws_cur_u8(&r);
            if (!ws_cur_ok(&r))
                goto fail;
            size_t target = ((size_t)(l & 0x3F) << 8) | lo;
            if (!jumped) {
                *c = r;
                jumped = true;
            }
            if (target >= run_start || ++jumps > DNS_MAX_JUMPS)
                return NAME_BAD;
            r = cur_at(msg, len, target);
            run_start = target;
            continue;
        }
        if (l & 0xC0)
            goto fail; /* extended label types (RFC 6891 section 5): unknown length */
        const uint8_t *lab = ws_cur_take(&r, l);
        if (!lab)
            goto fail;
        wire += 1u + l;
        if (wire + 1 > 255)
            bad = true;
        if (bad && jumped)
            return NAME_BAD; /* the in-place end is known: stop here */
        if (bad)
            continue;        /* keep walking to find the end in place */
        ws_cur lc = ws_cur_make(lab, l);
        if (tl > 0)
            out[tl++] = '.';
        while (ws_cur_left(&lc) > 0) {
            uint8_t b = ws_cur_u8(&lc);
            if (!ws_name_octet_ok(b)) {
                bad = true;
                break;
            }
            out[tl++] = ws_name_lower(b);
        }
    }
    if (!jumped)
        *c = r;
    out[tl] = '\0';
    return bad ? NAME_BAD : NAME_OK;
fail:
    return jumped ? NAME_BAD : NAME_BROKEN;
}

static int find_name(const ws_dns_result *out, const char *name)
{
    for (size_t i = 0; i < out->n_names; i++)
        if (strcmp(out->names[i], name) == 0)
            return (int)i;
    return -1;
}

/* Index of name in out->names, added if absent; -1 when full (counted). */
static int add_name(ws_dns_result *out, const char *name)
{
    int i = find_name(out, name);
    if (i >= 0)
        return i;
    if (out->n_names >= WS_DNS_MAX_NAMES) {
        out->dropped++;
        return -1;
    }
    memcpy(out->names[out->n_names], name, strlen(name) + 1);
    return (int)out->n_names++;
}

static int add_addr(ws_dns_result *out, const ws_addr *a)
{
    for (size_t i = 0; i < out->n_addrs; i++)
        if (ws_addr_eq(&out->addrs[i], a))
            return (int)i;
    if (out->n_addrs >= WS_DNS_MAX_ADDRS) {
        out->dropped++;
        return -1;
    }
    out->addrs[out->n_addrs] = *a;
    return (int)out->n_addrs++;
}

static void add_bind(ws_dns_result *out, int name, int addr)
{
    if (name < 0 || addr < 0 || out->names[name][0] == '\0')
        return;
    for (size_t i = 0; i < out->n_binds; i++)
        if (out->binds[i].name == name && out->binds[i].addr == addr)
            return;
    if (out->n_binds >= WS_DNS_MAX_BINDS) {
        out->dropped++;
        return;
    }
    out->binds[out->n_binds].name = (uint8_t)name;
    out->binds[out->n_binds].addr = (uint8_t)addr;
    out->n_binds++;
}

/* One resource record, as far as this file needs it. */
typedef struct rr {
    enum name_rc owner_rc;
    char owner[WS_NAME_MAX];
    uint16_t type, cls;
    size_t rdoff;   /* offset of the RDATA in the message */
    uint16_t rdlen;
    const uint8_t *rdata;
} rr;

/* Reads one record at *c; false when the section cannot go on. */
static bool read_rr(const uint8_t *msg, size_t len, ws_cur *c, rr *r)
{
    r->owner_rc = read_name(msg, len, c, r->owner);
    if (r->owner_rc == NAME_BROKEN)
        return false;
    r->type = ws_cur_be16(c);
    r->cls = ws_cur_be16(c);
    ws_cur_skip(c, 4); /* TTL */
    r->rdlen = ws_cur_be16(c);
    r->rdoff = cur_off(c, len);
    r->rdata = ws_cur_take(c, r->rdlen);
    return ws_cur_ok(c) && r->rdata != NULL;
}

/* The address an A or AAAA record of class IN holds, if it is one. */
static bool rr_addr(const rr *r, bool mdns, ws_addr *a)
{
    uint16_t cls = mdns ? (uint16_t)(r->cls & ~MDNS_CACHE_FLUSH) : r->cls;
    if (cls != DNS_CLASS_IN || r->owner_rc != NAME_OK)
        return false;
    ws_cur rd = ws_cur_make(r->rdata, r->rdlen);
    uint8_t b[16];
    if (r->type == DNS_TYPE_A && r->rdlen == 4 && ws_cur_copy(&rd, b, 4)) {
        ws_addr_set4(a, b);
        return true;
    }
    if (r->type == DNS_TYPE_AAAA && r->rdlen == 16 && ws_cur_copy(&rd, b, 16)) {
        ws_addr_set6(a, b);
        return true;
    }
    return false;
}

/*
 * One pass over the answer section, chain mode. Returns true when the chain
 * grew after a record it might have covered was passed over, so that another
 * pass can take records that came before the CNAME naming them.
 */
static bool chain_pass(const uint8_t *msg, size_t len, ws_cur c, unsigned ancount,
                       bool mdns, ws_dns_result *out, bool *partial)
{
    bool passed_over = false;
    bool regrow = false;
    rr r;
    char target[WS_NAME_MAX];

    for (unsigned i = 0; i < ancount; i++) {
        if (!read_rr(msg, len, &c, &r)) {
            *partial = true;
            break;
        }
        if (r.owner_rc != NAME_OK)
            continue;
        bool in_chain = find_name(out, r.owner) >= 0;
        uint16_t cls = mdns ? (uint16_t)(r.cls & ~MDNS_CACHE_FLUSH) : r.cls;
        ws_addr a;
        if (r.type == DNS_TYPE_CNAME && cls == DNS_CLASS_IN) {
            if (!in_chain) {
                passed_over = true;
                continue;
            }
            ws_cur t = cur_at(msg, len, r.rdoff);
            if (read_name(msg, len, &t, target) != NAME_OK || target[0] == '\0' ||
                cur_off(&t, len) - r.rdoff != r.rdlen)
                continue; /* a target we cannot read, or RDATA of the wrong size */
            if (find_name(out, target) < 0 && add_name(out, target) >= 0 && passed_over)
                regrow = true;
        } else if (rr_addr(&r, mdns, &a)) {
            if (!in_chain) {
                passed_over = true;
                continue;
            }
            add_addr(out, &a);
        }
    }
    return regrow;
}

int ws_dns_parse(const uint8_t *msg, size_t len, unsigned flags, ws_dns_result *out)
{
    bool mdns = (flags & WS_DNS_MDNS) != 0;
    out->n_names = out->n_addrs = out->n_binds = 0;
    out->dropped = 0;
    out->partial = false;
    out->truncated = false;
    out->rcode = 0;
    out->id = 0;
    if (!msg)
        return WS_NAMES_MALFORMED;

    ws_cur c = ws_cur_make(msg, len);
    out->id = ws_cur_be16(&c);
    uint16_t fl = ws_cur_be16(&c);
    unsigned qd = ws_cur_be16(&c);
    unsigned an = ws_cur_be16(&c);
    unsigned ns = ws_cur_be16(&c);
    unsigned ar = ws_cur_be16(&c);
    if (!ws_cur_ok(&c))
        return WS_NAMES_MALFORMED;
    if (!(fl & 0x8000))
        return WS_NAMES_NONE; /* a query */
    if (((fl >> 11) & 0xF) != 0)
        return WS_NAMES_NONE; /* not a standard query: NOTIFY, UPDATE, ... */
    out->rcode = (uint8_t)(fl & 0xF);
    out->truncated = (fl & 0x0200) != 0;

    /* Question section: the first name roots the chain. */
    char qname[WS_NAME_MAX];
    enum name_rc qrc = NAME_OK;
    qname[0] = '\0';
    for (unsigned i = 0; i < qd; i++) {
        char tmp[WS_NAME_MAX];
        enum name_rc rc = read_name(msg, len, &c, i == 0 ? qname : tmp);
        if (i == 0)
            qrc = rc;
        ws_cur_skip(&c, 4); /* QTYPE, QCLASS */
        if (rc == NAME_BROKEN || !ws_cur_ok(&c))
            return WS_NAMES_MALFORMED;
    }
    if (qd > 0 && qrc != NAME_OK)
        return WS_NAMES_MALFORMED; /* the name asked for cannot be learned */

    if (qd == 0) {
        if (!mdns)
            return WS_NAMES_FOUND; /* nothing roots a chain */
        /* mDNS announcement: each address record names its own owner. */
        rr r;
        unsigned total = an + ns + ar;
        for (unsigned i = 0; i < total; i++) {
            if (!read_rr(msg, len, &c, &r)) {
                out->partial = true;
                break;
            }
            ws_addr a;
            if (i >= an && i < an + ns)
                continue; /* authority section: probes' proposed records */
            if (rr_addr(&r, true, &a) && r.owner[0] != '\0') {
                int ni = add_name(out, r.owner);
                int ai = ni >= 0 ? add_addr(out, &a) : -1;
                add_bind(out, ni, ai);
            }
        }
        return WS_NAMES_FOUND;
    }

    if (qname[0] == '\0')
        return WS_NAMES_FOUND; /* the root: no chain */
    add_name(out, qname);
    for (unsigned pass = 0; pass <= WS_DNS_MAX_NAMES; pass++) {
        bool partial = false;
        out->dropped = 0; /* each pass meets the same surplus again */
        bool again = chain_pass(msg, len, c, an, mdns, out, &partial);
        out->partial = partial;
        if (!again)
            break;
    }
    for (size_t a = 0; a < out->n_addrs; a++)
        for (size_t n = 0; n < out->n_names; n++)
            add_bind(out, (int)n, (int)a);
    return WS_NAMES_FOUND;
}

int ws_dns_parse_tcp(const uint8_t *seg, size_t len, ws_dns_result *out)
{
    if (!seg) {
        out->n_names = out->n_addrs = out->n_binds = 0;
        return WS_NAMES_MALFORMED;
    }
    ws_cur c = ws_cur_make(seg, len);
    size_t mlen = ws_cur_be16(&c);
    if (!ws_cur_ok(&c) || mlen < DNS_HEADER_LEN) {
        out->n_names = out->n_addrs = out->n_binds = 0;
        return WS_NAMES_MALFORMED;
    }
    bool cut = ws_cur_left(&c) < mlen;
    size_t n = cut ? ws_cur_left(&c) : mlen;
    const uint8_t *m = ws_cur_take(&c, n);
    int rc = ws_dns_parse(m, n, 0, out);
    if (cut && rc == WS_NAMES_FOUND)
        out->partial = true;
    return rc;
}

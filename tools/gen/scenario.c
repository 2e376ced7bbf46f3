/* scenario.c - wsgen's scenario files: parse them and write their flows in
 * time order; specification: tools/gen/README.md ("Scenario format"). */
#include "gen.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct gen_entry {
    gen_spec spec;
    int64_t at_us;  /* after start */
    int64_t gap_us; /* between copies */
    uint32_t repeat;
} entry;

typedef struct {
    const char *path;
    unsigned line;
    gen_scenario *sc;
    entry *ents;
    size_t n, cap;
    bool have_seed, have_start;
    int64_t next_at;
} parser;

static bool fail(const parser *ps, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(const parser *ps, size_t col, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "wsgen: %s:%u:%zu: ", ps->path, ps->line, col);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return false;
}

typedef struct {
    const char *s;
    size_t col; /* 1-based */
} token;

#define MAX_TOKENS 32

/* Splits a line (comment removed) into whitespace-separated tokens. */
static size_t tokenize(char *line, token *t, size_t max, bool *too_many)
{
    size_t n = 0;
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    *too_many = false;
    for (char *p = line; *p;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (!*p)
            break;
        if (n == max) {
            *too_many = true;
            break;
        }
        t[n].s = p;
        t[n].col = (size_t)(p - line) + 1;
        n++;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            p++;
        if (*p)
            *p++ = '\0';
    }
    return n;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (!isdigit((unsigned char)*s))
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

/* Decimal seconds ("0.010", "3", "1.5") to microseconds, exactly. */
static bool parse_seconds(const char *s, int64_t *out)
{
    int64_t sec = 0, frac = 0, scale = 100000;
    const char *p = s;
    if (!isdigit((unsigned char)*p))
        return false;
    for (; isdigit((unsigned char)*p); p++) {
        sec = sec * 10 + (*p - '0');
        if (sec > 100000000)
            return false;
    }
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return false;
        for (; isdigit((unsigned char)*p); p++) {
            if (!scale)
                return false; /* finer than a microsecond */
            frac += (*p - '0') * scale;
            scale /= 10;
        }
    }
    if (*p)
        return false;
    *out = sec * 1000000 + frac;
    return true;
}

/* days_from_civil (H. Hinnant): days since 1970-01-01. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* YYYY-MM-DDTHH:MM:SS[.ffffff]Z */
static bool parse_time(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, se, n = 0;
    if (strlen(s) < 20 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 ||
        n != 19)
        return false;
    for (int i = 0; i < 19; i++)
        if (!isdigit((unsigned char)s[i]) && i != 4 && i != 7 && i != 10 && i != 13 && i != 16)
            return false;
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || y > 2105 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
        mi > 59 || se > 59)
        return false;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return false;
    int64_t frac = 0;
    const char *p = s + 19;
    if (*p == '.') {
        char buf[16] = "0.";
        size_t k = strcspn(p + 1, "Z");
        if (k == 0 || k > 6)
            return false;
        memcpy(buf + 2, p + 1, k);
        buf[2 + k] = '\0';
        if (!parse_seconds(buf, &frac))
            return false;
        p += 1 + k;
    }
    if (strcmp(p, "Z") != 0)
        return false;
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    *out = secs * 1000000 + frac;
    return true;
}

/* ADDR, ADDR:PORT, [V6ADDR], [V6ADDR]:PORT. *port_col is the column offset
 * of the port within the token (0: no port). */
static bool parse_endpoint(const parser *ps, const token *t, gen_addr *a, bool *has_port,
                           uint16_t *port)
{
    char buf[80];
    const char *s = t->s, *portstr = NULL;
    size_t portoff = 0;
    if (strlen(s) >= sizeof(buf))
        return fail(ps, t->col, "\"%.40s...\" is not an address", s);
    strcpy(buf, s);
    if (buf[0] == '[') {
        char *close = strchr(buf, ']');
        if (!close)
            return fail(ps, t->col, "\"%s\": missing ']'", s);
        *close = '\0';
        if (close[1] == ':') {
            portstr = close + 2;
            portoff = (size_t)(close + 2 - buf);
        } else if (close[1]) {
            return fail(ps, t->col + (size_t)(close + 1 - buf), "\"%s\": unexpected text after ']'", s);
        }
        if (!gen_addr_parse(buf + 1, a) || a->family != 6)
            return fail(ps, t->col + 1, "\"%s\" is not an IPv6 address", buf + 1);
    } else {
        char *colon = strchr(buf, ':');
        if (colon && !strchr(colon + 1, ':')) {
            *colon = '\0';
            portstr = colon + 1;
            portoff = (size_t)(colon + 1 - buf);
        }
        if (!gen_addr_parse(buf, a))
            return fail(ps, t->col, "\"%s\" is not an IPv4 or IPv6 address", buf);
    }
    *has_port = portstr != NULL;
    if (portstr) {
        uint64_t v;
        if (!parse_u64(portstr, 65535, &v) || v == 0)
            return fail(ps, t->col + portoff, "port \"%s\" is not a number from 1 to 65535",
                        portstr);
        *port = (uint16_t)v;
    }
    return true;
}

static bool parse_name(const parser *ps, const token *t, const char *v, bool dns, char *out)
{
    size_t n = strlen(v), label = 0;
    if (n == 0 || n > 253)
        return fail(ps, t->col, "a name of 1 to 253 characters is expected");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '.') {
            if (label == 0)
                return fail(ps, t->col, "\"%s\": empty label", v);
            label = 0;
            continue;
        }
        if (!isalnum(c) && c != '-' && c != '_' && !(c == '*' && !dns))
            return fail(ps, t->col, "\"%s\": character '%c' is not allowed in a name", v, c);
        if (++label > 63)
            return fail(ps, t->col, "\"%s\": a label is longer than 63 characters", v);
    }
    if (label == 0 && dns)
        return fail(ps, t->col, "\"%s\": write the name without its final dot", v);
    memcpy(out, v, n + 1);
    return true;
}

static const char *const transports[] = {"tcp", "udp", "icmp", "icmp6", "esp"};
static const char *const outcomes[] = {"established", "rejected", "no-answer", "prohibited",
                                       "unreachable", "answered", "oneway", "both"};
static const char *const apps[] = {"", "tls", "http", "sip", "rtp", "dns", "ssh",
                                   "ntp", "syslog", "snmp", "ike", "raw"};

/* Outcomes each transport allows, as bits of enum gen_outcome. */
static const unsigned outcome_ok[] = {
    1u << GO_ESTABLISHED | 1u << GO_REJECTED | 1u << GO_NO_ANSWER | 1u << GO_PROHIBITED,
    1u << GO_PROHIBITED | 1u << GO_UNREACHABLE | 1u << GO_ANSWERED | 1u << GO_ONEWAY |
        1u << GO_BOTH,
    1u << GO_ANSWERED,
    1u << GO_ANSWERED,
    1u << GO_ONEWAY | 1u << GO_BOTH,
};
/* Apps each transport carries, as bits of enum gen_app. */
static const unsigned app_ok[] = {
    1u << GA_TLS | 1u << GA_HTTP | 1u << GA_SIP | 1u << GA_SSH | 1u << GA_RAW,
    1u << GA_SIP | 1u << GA_RTP | 1u << GA_DNS | 1u << GA_NTP | 1u << GA_SYSLOG |
        1u << GA_SNMP | 1u << GA_IKE | 1u << GA_RAW,
    0, 0, 0,
};

static int lookup(const char *s, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

#define NKEYS 15
static const char *const keys[NKEYS] = {"app", "sni", "host", "qname", "answer",
                                        "packets", "bytes", "syn", "natd", "nataddr",
                                        "spi", "via", "at", "repeat", "every"};
enum { K_APP, K_SNI, K_HOST, K_QNAME, K_ANSWER, K_PACKETS, K_BYTES, K_SYN, K_NATD,
       K_NATADDR, K_SPI, K_VIA, K_AT, K_REPEAT, K_EVERY };

static bool parse_flow(parser *ps, token *t, size_t nt, gen_scenario *sc)
{
    entry e;
    memset(&e, 0, sizeof(e));
    gen_spec *s = &e.spec;
    e.repeat = 1;
    s->transport = (enum gen_transport)lookup(t[0].s, transports, 5);
    bool ports = s->transport == GT_TCP || s->transport == GT_UDP;
    if (nt < 5) {
        size_t col = nt ? t[nt - 1].col + strlen(t[nt - 1].s) : 1;
        return fail(ps, col, "expected \"%s SRC%s -> DST%s OUTCOME [key=value...]\"", t[0].s,
                    ports ? "[:SPORT]" : "", ports ? ":DPORT" : "");
    }
    bool hp;
    uint16_t port = 0;
    if (!parse_endpoint(ps, &t[1], &s->src, &hp, &port))
        return false;
    if (hp && !ports)
        return fail(ps, t[1].col, "%s has no ports", t[0].s);
    s->has_sport = hp;
    s->sport = port;
    if (strcmp(t[2].s, "->") != 0)
        return fail(ps, t[2].col, "expected \"->\", found \"%s\"", t[2].s);
    if (!parse_endpoint(ps, &t[3], &s->dst, &hp, &s->dport))
        return false;
    if (hp && !ports)
        return fail(ps, t[3].col, "%s has no ports", t[0].s);
    if (!hp && ports && s->dst.family == 6 && t[3].s[0] != '[')
        return fail(ps, t[3].col, "%s needs a destination port: write an IPv6 address with a "
                    "port in brackets, [ADDR]:PORT", t[0].s);
    if (!hp && ports)
        return fail(ps, t[3].col + strlen(t[3].s), "%s needs a destination port (DST:DPORT)",
                    t[0].s);
    if (s->src.family != s->dst.family)
        return fail(ps, t[3].col, "source and destination are not of the same IP version");
    if (s->transport == GT_ICMP && s->src.family == 6)
        return fail(ps, t[0].col, "icmp between IPv6 addresses: write icmp6");
    if (s->transport == GT_ICMP6 && s->src.family == 4)
        return fail(ps, t[0].col, "icmp6 between IPv4 addresses: write icmp");
    int o = lookup(t[4].s, outcomes, 8);
    if (o < 0)
        return fail(ps, t[4].col, "unknown outcome \"%s\"", t[4].s);
    if (!(outcome_ok[s->transport] >> o & 1))
        return fail(ps, t[4].col, "outcome %s is not one of %s's", t[4].s, t[0].s);
    s->outcome = (enum gen_outcome)o;

    size_t kcol[NKEYS] = {0};
    for (size_t i = 5; i < nt; i++) {
        const char *eq = strchr(t[i].s, '=');
        if (!eq)
            return fail(ps, t[i].col, "expected key=value, found \"%s\"", t[i].s);
        size_t klen = (size_t)(eq - t[i].s);
        int k = -1;
        for (int j = 0; j < NKEYS; j++)
            if (strlen(keys[j]) == klen && strncmp(keys[j], t[i].s, klen) == 0)
                k = j;
        if (k < 0)
            return fail(ps, t[i].col, "unknown key \"%.*s\"", (int)klen, t[i].s);
        if (kcol[k])
            return fail(ps, t[i].col, "%s= given twice", keys[k]);
        kcol[k] = t[i].col;
        const char *v = eq + 1;
        token vt = {v, t[i].col + klen + 1};
        uint64_t u;
        int64_t us;
        switch (k) {
        case K_APP: {
            int a = lookup(v, apps, sizeof(apps) / sizeof(apps[0]));
            if (a <= 0)
                return fail(ps, vt.col, "unknown app \"%s\"", v);
            if (!(app_ok[s->transport] >> a & 1))
                return fail(ps, vt.col, "app %s does not run over %s", v, t[0].s);
            s->app = (enum gen_app)a;
            break;
        }
        case K_SNI: if (!parse_name(ps, &vt, v, false, s->sni)) return false; break;
        case K_HOST: if (!parse_name(ps, &vt, v, false, s->host)) return false; break;
        case K_QNAME: if (!parse_name(ps, &vt, v, true, s->qname)) return false; break;
        case K_ANSWER:
        case K_NATADDR:
        case K_VIA: {
            gen_addr a;
            if (!gen_addr_parse(v, &a))
                return fail(ps, vt.col, "\"%s\" is not an IPv4 or IPv6 address", v);
            if (k == K_ANSWER) {
                s->answer = a, s->has_answer = true;
                break;
            }
            if (a.family != s->src.family)
                return fail(ps, vt.col, "%s is not of the flow's IP version", v);
            if (k == K_VIA)
                s->via = a, s->has_via = true;
            else
                s->nataddr = a, s->has_nataddr = true;
            break;
        }
        case K_PACKETS:
            if (!parse_u64(v, 100000000, &u) || u == 0)
                return fail(ps, vt.col, "packets: a number from 1 to 100000000 is expected");
            s->packets = (uint32_t)u;
            break;
        case K_BYTES:
            if (!parse_u64(v, GEN_BYTES_MAX, &u) || u == 0)
                return fail(ps, vt.col, "bytes: a number from 1 to %d is expected", GEN_BYTES_MAX);
            s->bytes = (uint32_t)u;
            break;
        case K_SYN:
            if (!parse_u64(v, 8, &u) || u == 0)
                return fail(ps, vt.col, "syn: a number from 1 to 8 is expected");
            s->syn = (uint32_t)u;
            break;
        case K_NATD:
            if (strcmp(v, "match") == 0)
                s->natd = GN_MATCH;
            else if (strcmp(v, "src") == 0)
                s->natd = GN_SRC;
            else if (strcmp(v, "dst") == 0)
                s->natd = GN_DST;
            else
                return fail(ps, vt.col, "natd: match, src or dst is expected");
            break;
        case K_SPI: {
            const char *h = strncmp(v, "0x", 2) == 0 ? v + 2 : v;
            char *end;
            errno = 0;
            unsigned long long x = *h && isxdigit((unsigned char)*h) ? strtoull(h, &end, 16) : 0;
            if (!*h || !isxdigit((unsigned char)*h) || errno || *end || x < 256 || x >= 0xffffffffULL)
                return fail(ps, vt.col, "spi: a hexadecimal SPI from 100 to fffffffe is expected");
            s->spi = (uint32_t)x, s->has_spi = true;
            break;
        }
        case K_AT:
            if (!parse_seconds(v, &us))
                return fail(ps, vt.col, "at: seconds (e.g. 1.5) are expected");
            e.at_us = us;
            break;
        case K_REPEAT:
            if (!parse_u64(v, 10000000, &u) || u == 0)
                return fail(ps, vt.col, "repeat: a number from 1 to 10000000 is expected");
            e.repeat = (uint32_t)u;
            break;
        case K_EVERY:
            if (!parse_seconds(v, &us) || us == 0)
                return fail(ps, vt.col, "every: seconds above zero (e.g. 0.020) are expected");
            s->every_us = us;
            break;
        }
    }

    /* Keys that have no meaning on this flow are errors, not silence. */
    struct { int key; bool ok; const char *where; } only[] = {
        {K_SNI, s->app == GA_TLS, "app=tls"},
        {K_HOST, s->app == GA_HTTP, "app=http"},
        {K_QNAME, s->app == GA_DNS, "app=dns"},
        {K_ANSWER, s->app == GA_DNS, "app=dns"},
        {K_NATD, s->app == GA_IKE, "app=ike"},
        {K_NATADDR, s->app == GA_IKE && s->natd != GN_MATCH, "app=ike with natd=src or natd=dst"},
        {K_SPI, s->transport == GT_ESP, "esp"},
        {K_SYN, s->outcome == GO_NO_ANSWER, "no-answer"},
        {K_VIA, s->outcome == GO_PROHIBITED, "prohibited"},
        {K_PACKETS, s->outcome == GO_ESTABLISHED || s->outcome == GO_ANSWERED ||
                        s->outcome == GO_ONEWAY || s->outcome == GO_BOTH,
         "established, answered, oneway and both"},
        {K_APP, s->transport == GT_TCP || s->transport == GT_UDP, "tcp and udp"},
        {K_EVERY, s->transport != GT_TCP, "udp, icmp, icmp6 and esp"},
    };
    for (size_t i = 0; i < sizeof(only) / sizeof(only[0]); i++)
        if (kcol[only[i].key] && !only[i].ok)
            return fail(ps, kcol[only[i].key], "%s= applies only to %s", keys[only[i].key],
                        only[i].where);
    if (s->has_sport && (uint64_t)s->sport + e.repeat - 1 > 65535)
        return fail(ps, t[1].col, "source port %u + repeat=%u runs past 65535",
                    (unsigned)s->sport, (unsigned)e.repeat);

    e.gap_us = sc->gap_us;
    if (!kcol[K_AT])
        e.at_us = ps->next_at;
    ps->next_at = e.at_us + (int64_t)e.repeat * sc->gap_us;
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? 2 * ps->cap : 64;
        entry *v = realloc(ps->ents, cap * sizeof(*v));
        if (!v)
            return fail(ps, 1, "out of memory");
        ps->ents = v;
        ps->cap = cap;
    }
    ps->ents[ps->n++] = e;
    return true;
}

static bool parse_line(parser *ps, char *line, gen_scenario *sc)
{
    token t[MAX_TOKENS];
    bool too_many;
    size_t nt = tokenize(line, t, MAX_TOKENS, &too_many);
    if (too_many)
        return fail(ps, t[MAX_TOKENS - 1].col, "more than %d words on one line", MAX_TOKENS);
    if (nt == 0)
        return true;
    const char *w = t[0].s;
    if (strcmp(w, "seed") == 0 || strcmp(w, "start") == 0 || strcmp(w, "gap") == 0) {
        if (nt != 2)
            return fail(ps, nt < 2 ? t[0].col + strlen(w) : t[2].col,
                        "\"%s\" takes one value", w);
        if (w[1] == 'e') {
            if (ps->have_seed)
                return fail(ps, t[0].col, "seed given twice");
            if (!parse_u64(t[1].s, UINT64_MAX, &sc->seed))
                return fail(ps, t[1].col, "seed: a decimal number is expected");
            ps->have_seed = true;
        } else if (w[1] == 't') {
            if (ps->have_start)
                return fail(ps, t[0].col, "start given twice");
            if (ps->n)
                return fail(ps, t[0].col, "start must come before the first flow");
            if (!parse_time(t[1].s, &sc->start_us))
                return fail(ps, t[1].col, "start: a UTC time like 2026-03-02T09:00:00Z is expected");
            ps->have_start = true;
        } else {
            if (!parse_seconds(t[1].s, &sc->gap_us))
                return fail(ps, t[1].col, "gap: seconds (e.g. 0.010) are expected");
        }
        return true;
    }
    if (lookup(w, transports, 5) >= 0)
        return parse_flow(ps, t, nt, sc);
    return fail(ps, t[0].col, "unknown statement \"%s\"", w);
}

bool gen_scenario_load(const char *path, gen_scenario *sc)
{
    memset(sc, 0, sizeof(*sc));
    sc->seed = 1;
    sc->start_us = days_from_civil(2026, 1, 1) * 86400 * (int64_t)1000000;
    sc->gap_us = 10000;
    parser ps = {path, 0, sc, NULL, 0, 0, false, false, 0};
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "wsgen: %s: cannot open: %s\n", path, strerror(errno));
        return false;
    }
    char *line = NULL;
    size_t cap = 0;
    bool ok = true;
    while (ok && getline(&line, &cap, fp) >= 0) {
        ps.line++;
        if (strlen(line) > 4000)
            ok = fail(&ps, 1, "line longer than 4000 characters");
        else
            ok = parse_line(&ps, line, sc);
    }
    if (ok && ferror(fp)) {
        fprintf(stderr, "wsgen: %s: read error\n", path);
        ok = false;
    }
    free(line);
    fclose(fp);
    if (ok && ps.n == 0) {
        ps.line = ps.line ? ps.line : 1;
        ok = fail(&ps, 1, "no flow in the scenario");
    }
    sc->ents = ps.ents;
    sc->n = ps.n;
    if (!ok) {
        gen_scenario_free(sc);
        return false;
    }
    return true;
}

void gen_scenario_free(gen_scenario *sc)
{
    free(sc->ents);
    memset(sc, 0, sizeof(*sc));
}

/* A heap item: an entry's next copy to start, or a flow being written. */
typedef struct {
    size_t entry;
    uint32_t copy;
    bool is_flow;
    gen_flow flow;
} item;

static uint64_t mix(uint64_t seed, uint64_t a, uint64_t b)
{
    gen_rng r = {seed ^ (a + 1) * 0xd1b54a32d192ed03ULL ^ (b + 1) * 0x8cb92ba72f3d8dd7ULL};
    gen_rng_next(&r);
    return gen_rng_next(&r);
}

bool gen_scenario_write(const gen_scenario *sc, gen_pcap *w)
{
    const entry *ents = sc->ents;
    gen_heap h = {0};
    uint64_t order = 0;
    item *spawners = calloc(sc->n, sizeof(*spawners));
    bool ok = spawners != NULL;
    for (size_t i = 0; ok && i < sc->n; i++) {
        spawners[i].entry = i;
        ok = gen_heap_push(&h, sc->start_us + ents[i].at_us, order++, &spawners[i]);
    }
    uint8_t frame[GEN_FRAME_MAX];
    gen_heap_ent top;
    while (ok && gen_heap_pop(&h, &top)) {
        item *it = top.item;
        if (!it->is_flow) {
            const entry *e = &ents[it->entry];
            item *f = malloc(sizeof(*f));
            if (!f) {
                ok = false;
                break;
            }
            f->entry = it->entry;
            f->copy = it->copy;
            f->is_flow = true;
            uint16_t sport;
            if (e->spec.has_sport) {
                sport = (uint16_t)(e->spec.sport + it->copy);
            } else {
                gen_rng r = {mix(sc->seed, it->entry, UINT32_MAX)};
                uint32_t base = gen_rng_below(&r, 16384);
                sport = (uint16_t)(49152 + (base + it->copy) % 16384);
            }
            gen_flow_start(&f->flow, &e->spec, mix(sc->seed, it->entry, it->copy), top.key, sport);
            ok = gen_heap_push(&h, f->flow.next_us, order++, f);
            if (++it->copy < e->repeat)
                ok = ok && gen_heap_push(&h, top.key + e->gap_us, order++, it);
            continue;
        }
        int64_t t = it->flow.next_us;
        size_t len = gen_flow_packet(&it->flow, frame, sizeof(frame));
        gen_pcap_write(w, t, frame, len);
        if (it->flow.i < it->flow.n)
            ok = gen_heap_push(&h, it->flow.next_us, order++, it);
        else
            free(it);
    }
    while (gen_heap_pop(&h, &top))
        if (((item *)top.item)->is_flow)
            free(top.item);
    gen_heap_free(&h);
    free(spawners);
    if (!ok)
        fprintf(stderr, "wsgen: out of memory\n");
    return ok && !w->failed;
}

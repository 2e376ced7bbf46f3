/* site.c - the site inventory (doc/rules.md, "Site inventory"): which hosts
 * play which roles, settings that override pack variables, features. */
#include "rules_int.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "names/names.h"

#define SITE_MAX_BYTES (64u << 20)

struct ws_site {
    char *name, *path;
    ws_site_host *hosts;     /* in file order */
    size_t n_hosts;
    const ws_site_host **addrs, **prefixes, **patterns; /* lookup orders */
    size_t n_addrs, n_prefixes, n_patterns;
    ws_roleset populated;    /* roles some entry gives */
};

void ws_site_free(ws_site *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_hosts; i++) {
        free(s->hosts[i].match);
        free(s->hosts[i].label);
        free(s->hosts[i].location);
    }
    free(s->hosts);
    free(s->addrs);
    free(s->prefixes);
    free(s->patterns);
    free(s->name);
    free(s->path);
    free(s);
}

const char *ws_site_name(const ws_site *s) { return s->name ? s->name : s->path; }

size_t ws_site_hosts(const ws_site *s, const ws_site_host **hosts)
{
    *hosts = s->hosts;
    return s->n_hosts;
}

bool ws_site_address_only(const ws_site *s) { return s->n_patterns == 0; }

static bool declared(const ws_ruleset *rs, unsigned id)
{
    for (size_t k = 0; k < rs->n_packs; k++)
        for (size_t i = 0; i < rs->packs[k]->n_roles; i++)
            if (rs->packs[k]->roles[i] == id)
                return true;
    return false;
}

void ws_site_open_roles(const ws_site *s, const ws_ruleset *rs, ws_roleset *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < rs->n_roles; i++)
        if ((!s || !ws_roleset_has(&s->populated, (unsigned)i)) &&
            !ws_roleset_has(&rs->listed_only, (unsigned)i))
            ws_roleset_add(out, (unsigned)i);
    ws_roleset_add(out, WS_ROLE_ANY);
}

void ws_site_pattern_roles(const ws_site *s, ws_roleset *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; s && i < s->n_patterns; i++)
        for (size_t w = 0; w < sizeof(out->w) / sizeof(out->w[0]); w++)
            out->w[w] |= s->patterns[i]->roles.w[w];
}

/* Address with its host bits cleared beyond plen. */
static void mask(ws_addr *a, unsigned plen)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned keep = plen > i * 8 ? plen - i * 8 : 0;
        if (keep < 8)
            a->b[i] &= (uint8_t)(0xff00u >> keep);
    }
}

static bool parse_match(ws_site_host *h, char *why, size_t whylen)
{
    const char *m = h->match;
    const char *slash = strchr(m, '/');
    if (slash) {
        char addr[64];
        size_t n = (size_t)(slash - m);
        if (n >= sizeof(addr)) {
            snprintf(why, whylen, "\"%s\" is not an address/prefix-length", m);
            return false;
        }
        memcpy(addr, m, n);
        addr[n] = '\0';
        char *end;
        long plen = strtol(slash + 1, &end, 10);
        if (!ws_addr_parse(addr, &h->addr) || *end || end == slash + 1) {
            snprintf(why, whylen, "\"%s\" is not an address/prefix-length", m);
            return false;
        }
        long max = h->addr.family == 4 ? 32 : 128;
        if (plen < 0 || plen > max) {
            snprintf(why, whylen, "prefix length %ld is outside 0-%ld", plen, max);
            return false;
        }
        ws_addr masked = h->addr;
        mask(&masked, (unsigned)plen);
        if (!ws_addr_eq(&masked, &h->addr)) {
            char buf[WS_ADDR_STRLEN];
            snprintf(why, whylen, "\"%s\" has host bits set (the prefix is %s/%ld)", m,
                     ws_addr_str(&masked, buf), plen);
            return false;
        }
        h->plen = (uint8_t)plen;
        h->kind = plen == max ? WS_SITE_ADDR : WS_SITE_PREFIX;
        return true;
    }
    if (ws_addr_parse(m, &h->addr)) {
        h->kind = WS_SITE_ADDR;
        h->plen = h->addr.family == 4 ? 32 : 128;
        return true;
    }
    char pwhy[160];
    if (!ws_name_pattern_valid(m, pwhy, sizeof(pwhy))) {
        snprintf(why, whylen, "\"%s\" is not an address, a CIDR prefix or a DNS name "
                 "pattern: %s", m, pwhy);
        return false;
    }
    h->kind = WS_SITE_NAME;
    return true;
}

static size_t literal_chars(const char *p)
{
    size_t n = 0;
    for (; *p; p++)
        n += *p != '*';
    return n;
}

static int cmp_addr_entry(const void *a, const void *b)
{
    const ws_site_host *x = *(const ws_site_host *const *)a;
    const ws_site_host *y = *(const ws_site_host *const *)b;
    int c = ws_addr_cmp(&x->addr, &y->addr);
    if (c)
        return c;
    return x->index < y->index ? -1 : 1;
}

static int cmp_prefix_entry(const void *a, const void *b)
{
    const ws_site_host *x = *(const ws_site_host *const *)a;
    const ws_site_host *y = *(const ws_site_host *const *)b;
    if (x->plen != y->plen)
        return x->plen > y->plen ? -1 : 1;
    int c = ws_addr_cmp(&x->addr, &y->addr); /* equal prefixes side by side */
    if (c)
        return c;
    return x->index < y->index ? -1 : 1;
}

static int cmp_pattern_entry(const void *a, const void *b)
{
    const ws_site_host *x = *(const ws_site_host *const *)a;
    const ws_site_host *y = *(const ws_site_host *const *)b;
    bool xe = !strchr(x->match, '*'), ye = !strchr(y->match, '*');
    if (xe != ye)
        return xe ? -1 : 1;
    size_t xl = literal_chars(x->match), yl = literal_chars(y->match);
    if (xl != yl)
        return xl > yl ? -1 : 1;
    return x->index < y->index ? -1 : 1;
}

typedef struct sctx {
    ws_diag *d;
    const char *file;
    bool failed;
} sctx;

#define SFAIL(c, ...)                          \
    do {                                       \
        ws_diag_add((c)->d, true, __VA_ARGS__); \
        (c)->failed = true;                    \
    } while (0)

static char *opt_str(sctx *c, json_object *o, const char *key, const char *where)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return NULL;
    if (!json_object_is_type(v, json_type_string)) {
        SFAIL(c, "%s: %s: %s: expected a string, got %s", c->file, where, key,
              ws_json_type_text(v));
        return NULL;
    }
    return strdup(json_object_get_string(v));
}

static void load_host(sctx *c, ws_ruleset *rs, ws_site *s, json_object *o, size_t i)
{
    ws_site_host *h = &s->hosts[s->n_hosts];
    h->index = i;
    char where[160];
    snprintf(where, sizeof(where), "hosts[%zu]", i);
    if (!json_object_is_type(o, json_type_object)) {
        SFAIL(c, "%s: %s: expected {\"match\": ..., \"roles\": [...]}, got %s", c->file,
              where, ws_json_type_text(o));
        return;
    }
    json_object_object_foreach(o, key, val) {
        (void)val;
        if (strcmp(key, "match") && strcmp(key, "roles") && strcmp(key, "label") &&
            strcmp(key, "location") && strcmp(key, "comment"))
            SFAIL(c, "%s: %s: %s: unknown key (expected one of: match, roles, label, "
                  "location)", c->file, where, key);
    }
    json_object *m, *roles;
    if (!json_object_object_get_ex(o, "match", &m)) {
        SFAIL(c, "%s: %s: missing \"match\" (an address, a CIDR prefix or a DNS name "
              "pattern)", c->file, where);
        return;
    }
    if (!json_object_is_type(m, json_type_string)) {
        SFAIL(c, "%s: %s: match: expected a string (an address, a CIDR prefix or a DNS "
              "name pattern), got %s", c->file, where, ws_json_type_text(m));
        return;
    }
    h->match = strdup(json_object_get_string(m));
    if (!h->match) {
        SFAIL(c, "%s: out of memory", c->file);
        return;
    }
    snprintf(where, sizeof(where), "hosts[%zu] (\"%s\")", i, h->match);
    char why[256];
    if (!parse_match(h, why, sizeof(why))) {
        SFAIL(c, "%s: %s: match: %s", c->file, where, why);
    }
    for (size_t j = 0; j < s->n_hosts; j++)
        if (!strcasecmp(s->hosts[j].match, h->match))
            SFAIL(c, "%s: %s: listed again (first in hosts[%zu])", c->file, where,
                  s->hosts[j].index);
    ws_roleset_add(&h->roles, WS_ROLE_ANY);
    if (!json_object_object_get_ex(o, "roles", &roles)) {
        SFAIL(c, "%s: %s: missing \"roles\" (a non-empty list)", c->file, where);
    } else if (!json_object_is_type(roles, json_type_array) ||
               !json_object_array_length(roles)) {
        SFAIL(c, "%s: %s: roles: expected a non-empty list of role names, got %s", c->file,
              where, json_object_is_type(roles, json_type_array) ? "an empty list"
                                                                 : ws_json_type_text(roles));
    } else {
        for (size_t j = 0; j < json_object_array_length(roles); j++) {
            json_object *e = json_object_array_get_idx(roles, j);
            const char *name = json_object_is_type(e, json_type_string)
                                   ? json_object_get_string(e) : NULL;
            int id = name ? ws_ruleset_role_id(rs, name) : -1;
            if (!name) {
                SFAIL(c, "%s: %s: roles[%zu]: expected a role name, got %s", c->file, where,
                      j, ws_json_type_text(e));
            } else if (id == WS_ROLE_ANY) {
                SFAIL(c, "%s: %s: roles[%zu]: \"any\" is what unlisted hosts are; list "
                      "a host with the roles it plays", c->file, where, j);
            } else if (id < 0 || !declared(rs, (unsigned)id)) {
                SFAIL(c, "%s: %s: roles[%zu]: unknown role \"%s\" (no loaded pack "
                      "declares it; wirespec rules show PACK lists a pack's roles)",
                      c->file, where, j, name);
            } else {
                ws_roleset_add(&h->roles, (unsigned)id);
                ws_roleset_add(&s->populated, (unsigned)id);
            }
        }
    }
    h->label = opt_str(c, o, "label", where);
    h->location = opt_str(c, o, "location", where);
    s->n_hosts++;
}

static void load_settings(sctx *c, ws_ruleset *rs, json_object *set)
{
    if (!json_object_is_type(set, json_type_object)) {
        SFAIL(c, "%s: settings: expected an object of variable: [ports], got %s", c->file,
              ws_json_type_text(set));
        return;
    }
    json_object_object_foreach(set, key, val) {
        char where[300];
        snprintf(where, sizeof(where), "%s: settings", c->file);
        ws_port_item *items;
        size_t n;
        if (!ws_port_list_parse(val, NULL, false, &items, &n, c->d, where, key)) {
            c->failed = true;
            continue;
        }
        ws_port_range *r = malloc(n * sizeof(*r));
        if (!r) {
            free(items);
            SFAIL(c, "%s: out of memory", c->file);
            continue;
        }
        for (size_t i = 0; i < n; i++)
            r[i] = (ws_port_range){items[i].lo, items[i].hi};
        free(items);
        ws_portset ps = {0};
        ws_portset_take(&ps, r, n);
        if (!ws_ruleset_set_variable(rs, key, &ps))
            SFAIL(c, "%s: settings: %s: no loaded pack declares this variable "
                  "(wirespec rules show PACK lists a pack's variables)", c->file, key);
        ws_portset_free(&ps);
    }
}

static void load_features(sctx *c, ws_ruleset *rs, json_object *fs)
{
    if (!json_object_is_type(fs, json_type_array)) {
        SFAIL(c, "%s: features: expected a list of feature names, got %s", c->file,
              ws_json_type_text(fs));
        return;
    }
    for (size_t i = 0; i < json_object_array_length(fs); i++) {
        json_object *e = json_object_array_get_idx(fs, i);
        if (!json_object_is_type(e, json_type_string)) {
            SFAIL(c, "%s: features[%zu]: expected a feature name, got %s", c->file, i,
                  ws_json_type_text(e));
            continue;
        }
        const char *name = json_object_get_string(e);
        if (!ws_ruleset_enable_feature(rs, name))
            SFAIL(c, "%s: features[%zu]: unknown feature \"%s\" (no loaded pack declares "
                  "it; wirespec rules show PACK lists a pack's features)", c->file, i, name);
    }
}

/* Roles no host of this site plays: an unlisted host does not take them
 * (a site with no customer SIP server says so, and SIP to any host of the
 * Internet is then unexpected). A role also given to a listed host is a
 * contradiction. */
static void load_absent(sctx *c, ws_ruleset *rs, ws_site *s, json_object *a)
{
    if (!json_object_is_type(a, json_type_array)) {
        SFAIL(c, "%s: absent_roles: expected a list of role names", c->file);
        return;
    }
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        json_object *e = json_object_array_get_idx(a, i);
        if (!json_object_is_type(e, json_type_string)) {
            SFAIL(c, "%s: absent_roles[%zu]: expected a role name, got %s", c->file, i,
                  ws_json_type_text(e));
            continue;
        }
        const char *name = json_object_get_string(e);
        int id = ws_ruleset_role_id(rs, name);
        if (id < 0 || id == WS_ROLE_ANY) {
            SFAIL(c, "%s: absent_roles[%zu]: unknown role \"%s\" (no loaded pack declares "
                  "it; wirespec rules show PACK lists a pack's roles)", c->file, i, name);
            continue;
        }
        for (size_t h = 0; h < s->n_hosts; h++)
            if (ws_roleset_has(&s->hosts[h].roles, (unsigned)id)) {
                SFAIL(c, "%s: absent_roles[%zu]: role \"%s\" is absent, but hosts[%zu] "
                      "(\"%s\") plays it", c->file, i, name, s->hosts[h].index,
                      s->hosts[h].match);
                break;
            }
        ws_roleset_add(&s->populated, (unsigned)id);
    }
}

ws_site *ws_site_load(const char *path, ws_ruleset *rs, ws_diag *d)
{
    size_t len;
    char *text = ws_read_text_file(path, SITE_MAX_BYTES, &len, d);
    if (!text)
        return NULL;
    json_object *root = ws_json_parse(path, text, len, d);
    free(text);
    if (!root)
        return NULL;
    sctx c = {.d = d, .file = path};
    ws_site *s = calloc(1, sizeof(*s));
    if (!s || !(s->path = strdup(path))) {
        ws_diag_add(d, true, "%s: out of memory", path);
        goto fail;
    }
    if (!json_object_is_type(root, json_type_object)) {
        SFAIL(&c, "%s: expected a JSON object with \"hosts\", got %s", path,
              ws_json_type_text(root));
        goto fail;
    }
    json_object_object_foreach(root, key, val) {
        (void)val;
        if (strcmp(key, "name") && strcmp(key, "hosts") && strcmp(key, "settings") &&
            strcmp(key, "features") && strcmp(key, "absent_roles") && strcmp(key, "comment"))
            SFAIL(&c, "%s: %s: unknown key (expected one of: name, hosts, settings, "
                  "features, absent_roles)", path, key);
    }
    s->name = opt_str(&c, root, "name", "site");
    json_object *hosts, *v;
    if (!json_object_object_get_ex(root, "hosts", &hosts)) {
        SFAIL(&c, "%s: missing \"hosts\" (a list of {\"match\": ..., \"roles\": [...]})",
              path);
        goto fail;
    }
    if (!json_object_is_type(hosts, json_type_array)) {
        SFAIL(&c, "%s: hosts: expected a list of {\"match\": ..., \"roles\": [...]}, got %s",
              path, ws_json_type_text(hosts));
        goto fail;
    }
    size_t n = json_object_array_length(hosts);
    s->hosts = calloc(n ? n : 1, sizeof(*s->hosts));
    s->addrs = calloc(n ? n : 1, sizeof(*s->addrs));
    s->prefixes = calloc(n ? n : 1, sizeof(*s->prefixes));
    s->patterns = calloc(n ? n : 1, sizeof(*s->patterns));
    if (!s->hosts || !s->addrs || !s->prefixes || !s->patterns) {
        ws_diag_add(d, true, "%s: out of memory", path);
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        load_host(&c, rs, s, json_object_array_get_idx(hosts, i), i);
    if (json_object_object_get_ex(root, "settings", &v))
        load_settings(&c, rs, v);
    if (json_object_object_get_ex(root, "features", &v))
        load_features(&c, rs, v);
    if (json_object_object_get_ex(root, "absent_roles", &v))
        load_absent(&c, rs, s, v);
    if (c.failed)
        goto fail;
    for (size_t i = 0; i < s->n_hosts; i++) {
        const ws_site_host *h = &s->hosts[i];
        if (h->kind == WS_SITE_ADDR)
            s->addrs[s->n_addrs++] = h;
        else if (h->kind == WS_SITE_PREFIX)
            s->prefixes[s->n_prefixes++] = h;
        else
            s->patterns[s->n_patterns++] = h;
    }
    qsort(s->addrs, s->n_addrs, sizeof(*s->addrs), cmp_addr_entry);
    for (size_t i = 1; i < s->n_addrs; i++)
        if (ws_addr_eq(&s->addrs[i - 1]->addr, &s->addrs[i]->addr)) {
            SFAIL(&c, "%s: hosts[%zu] (\"%s\"): the same address as hosts[%zu] (\"%s\")",
                  path, s->addrs[i]->index, s->addrs[i]->match, s->addrs[i - 1]->index,
                  s->addrs[i - 1]->match);
            goto fail;
        }
    qsort(s->prefixes, s->n_prefixes, sizeof(*s->prefixes), cmp_prefix_entry);
    for (size_t i = 1; i < s->n_prefixes; i++)
        if (s->prefixes[i - 1]->plen == s->prefixes[i]->plen &&
            ws_addr_eq(&s->prefixes[i - 1]->addr, &s->prefixes[i]->addr)) {
            SFAIL(&c, "%s: hosts[%zu] (\"%s\"): the same prefix as hosts[%zu] (\"%s\")",
                  path, s->prefixes[i]->index, s->prefixes[i]->match,
                  s->prefixes[i - 1]->index, s->prefixes[i - 1]->match);
            goto fail;
        }
    qsort(s->patterns, s->n_patterns, sizeof(*s->patterns), cmp_pattern_entry);
    json_object_put(root);
    return s;
fail:
    json_object_put(root);
    ws_site_free(s);
    return NULL;
}

/* Is a inside h's prefix? h->addr has its host bits cleared already, so
 * only the prefix's whole bytes and the bits of its last partial byte are
 * compared. */
static bool in_prefix(const ws_site_host *h, const ws_addr *a)
{
    if (a->family != h->addr.family)
        return false;
    unsigned plen = h->plen < 128 ? h->plen : 128;
    unsigned whole = plen / 8, bits = plen % 8;
    if (memcmp(a->b, h->addr.b, whole) != 0)
        return false;
    return !bits || !((a->b[whole] ^ h->addr.b[whole]) & (0xff00u >> bits) & 0xffu);
}

const ws_site_host *ws_site_lookup(const ws_site *s, const ws_addr *a,
                                   const char *const *names, size_t n_names)
{
    if (!s)
        return NULL;
    size_t lo = 0, hi = s->n_addrs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = ws_addr_cmp(a, &s->addrs[mid]->addr);
        if (c == 0)
            return s->addrs[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    for (size_t i = 0; i < s->n_prefixes; i++)
        if (in_prefix(s->prefixes[i], a))
            return s->prefixes[i];
    for (size_t i = 0; i < s->n_patterns; i++)
        for (size_t j = 0; j < n_names; j++)
            if (ws_name_match(s->patterns[i]->match, names[j]))
                return s->patterns[i];
    return NULL;
}

/* ruleset.c - the loaded packs together: the shared role table, loading by
 * file, id or directory, checks across rules, and settings and features. */
#include "rules_int.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ws_ruleset *ws_ruleset_new(ws_app_known_fn app_known, void *ctx)
{
    ws_ruleset *rs = calloc(1, sizeof(*rs));
    if (!rs)
        return NULL;
    rs->app_known = app_known;
    rs->app_ctx = ctx;
    if (ws_ruleset_role_intern(rs, "any", "every host, listed or not", true) != WS_ROLE_ANY) {
        ws_ruleset_free(rs);
        return NULL;
    }
    return rs;
}

void ws_ruleset_free(ws_ruleset *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->n_packs; i++)
        ws_pack_free(rs->packs[i]);
    free(rs->packs);
    for (size_t i = 0; i < rs->n_roles; i++) {
        free(rs->role_names[i]);
        free(rs->role_desc[i]);
    }
    free(rs->role_names);
    free(rs->role_desc);
    for (size_t i = 0; i < 256; i++)
        free(rs->by_proto[i]);
    free(rs);
}

int ws_ruleset_role_intern(ws_ruleset *rs, const char *name, const char *desc, bool add)
{
    for (size_t i = 0; i < rs->n_roles; i++)
        if (!strcmp(rs->role_names[i], name)) {
            if (add && desc && !rs->role_desc[i])
                rs->role_desc[i] = strdup(desc);
            return (int)i;
        }
    if (!add || rs->n_roles >= WS_MAX_ROLES)
        return -1;
    if (rs->n_roles == rs->cap_roles) {
        size_t cap = rs->cap_roles ? rs->cap_roles * 2 : 16;
        char **n = realloc(rs->role_names, cap * sizeof(*n));
        if (!n)
            return -1;
        rs->role_names = n;
        char **dd = realloc(rs->role_desc, cap * sizeof(*dd));
        if (!dd)
            return -1;
        rs->role_desc = dd;
        rs->cap_roles = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return -1;
    rs->role_names[rs->n_roles] = copy;
    rs->role_desc[rs->n_roles] = desc ? strdup(desc) : NULL;
    return (int)rs->n_roles++;
}

size_t ws_ruleset_nroles(const ws_ruleset *rs) { return rs->n_roles; }

const char *ws_ruleset_role_name(const ws_ruleset *rs, unsigned id)
{
    return id < rs->n_roles ? rs->role_names[id] : "?";
}

const char *ws_ruleset_role_description(const ws_ruleset *rs, unsigned id)
{
    return id < rs->n_roles && rs->role_desc[id] ? rs->role_desc[id] : "";
}

int ws_ruleset_role_id(const ws_ruleset *rs, const char *name)
{
    for (size_t i = 0; i < rs->n_roles; i++)
        if (!strcmp(rs->role_names[i], name))
            return (int)i;
    return -1;
}

bool ws_ruleset_listed_only(const ws_ruleset *rs, const ws_roleset *s)
{
    return ws_roleset_meets(&rs->listed_only, s);
}

size_t ws_ruleset_packs(const ws_ruleset *rs, const ws_pack *const **packs)
{
    *packs = (const ws_pack *const *)rs->packs;
    return rs->n_packs;
}

const ws_pack *ws_ruleset_pack(const ws_ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->n_packs; i++)
        if (!strcmp(rs->packs[i]->id, id))
            return rs->packs[i];
    return NULL;
}

const ws_rule *ws_ruleset_rule(const ws_ruleset *rs, const char *id)
{
    for (size_t k = 0; k < rs->n_packs; k++)
        for (size_t i = 0; i < rs->packs[k]->n_rules; i++)
            if (!strcmp(rs->packs[k]->rules[i].id, id))
                return &rs->packs[k]->rules[i];
    return NULL;
}

/* Is this file loaded already (named twice on a command line)? */
static bool loaded(const ws_ruleset *rs, const char *path)
{
    char a[PATH_MAX], b[PATH_MAX];
    if (!realpath(path, a))
        return false;
    for (size_t i = 0; i < rs->n_packs; i++)
        if (realpath(rs->packs[i]->path, b) && !strcmp(a, b))
            return true;
    return false;
}

bool ws_ruleset_load_arg(ws_ruleset *rs, const char *arg, const char *dir, ws_diag *d)
{
    if (strchr(arg, '/') || strstr(arg, ".json"))
        return loaded(rs, arg) || ws_ruleset_load(rs, arg, d);
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s.json", dir, arg);
    if (loaded(rs, path))
        return true;
    FILE *f = fopen(path, "rb");
    if (!f) {
        ws_diag_add(d, true, "--rules %s: no such pack in %s (wirespec rules list shows "
                    "them) and no such file", arg, dir);
        return false;
    }
    fclose(f);
    return ws_ruleset_load(rs, path, d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

bool ws_ruleset_load_dir(ws_ruleset *rs, const char *dir, ws_diag *d)
{
    DIR *dh = opendir(dir);
    if (!dh) {
        ws_diag_add(d, true, "%s: cannot read the rule packs directory: %s", dir,
                    strerror(errno));
        return false;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    struct dirent *e;
    while ((e = readdir(dh))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") || e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(names, cap * sizeof(*nn));
            if (!nn) {
                ok = false;
                break;
            }
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name))) {
            ok = false;
            break;
        }
        n++;
    }
    closedir(dh);
    if (!ok)
        ws_diag_add(d, true, "%s: out of memory", dir);
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (ok && !ws_ruleset_load(rs, path, d))
            ok = false;
        free(names[i]);
    }
    free(names);
    return ok;
}

const char *ws_requirement_name(ws_requirement r)
{
    switch (r) {
    case WS_REQ_MANDATORY: return "mandatory";
    case WS_REQ_RECOMMENDED: return "recommended";
    case WS_REQ_OPTIONAL: return "optional";
    case WS_REQ_CONDITIONAL: return "conditional";
    }
    return "?";
}

bool ws_transport_parse(const char *s, uint8_t protos[2], uint8_t *n)
{
    static const struct { const char *name; uint8_t p; } t[] = {
        {"tcp", 6}, {"udp", 17}, {"esp", 50}, {"icmp", 1}, {"icmpv6", 58},
    };
    *n = 0;
    if (!strcmp(s, "tcp+udp")) {
        protos[0] = 6;
        protos[1] = 17;
        *n = 2;
        return true;
    }
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (!strcmp(s, t[i].name)) {
            protos[0] = t[i].p;
            *n = 1;
            return true;
        }
    if (!strncmp(s, "ip-", 3) && s[3]) {
        unsigned v = 0;
        for (const char *p = s + 3; *p; p++) {
            if (*p < '0' || *p > '9' || p - s > 5)
                return false;
            v = v * 10 + (unsigned)(*p - '0');
        }
        if (v > 255)
            return false;
        protos[0] = (uint8_t)v;
        *n = 1;
        return true;
    }
    return false;
}

const char *ws_rule_transport(const ws_rule *r, char *buf, size_t len)
{
    if (r->n_protos == 2)
        return "tcp+udp";
    switch (r->protos[0]) {
    case 6: return "tcp";
    case 17: return "udp";
    case 50: return "esp";
    case 1: return "icmp";
    case 58: return "icmpv6";
    }
    snprintf(buf, len, "ip-%u", r->protos[0]);
    return buf;
}

/* ---- settings and features -------------------------------------------- */

/* Splits "PACK.NAME": *pack is NULL when there is no dot. */
static const char *split(const char *q, char *pack, size_t len, bool *qualified)
{
    const char *dot = strchr(q, '.');
    *qualified = dot != NULL;
    if (!dot)
        return q;
    size_t n = (size_t)(dot - q) < len - 1 ? (size_t)(dot - q) : len - 1;
    memcpy(pack, q, n);
    pack[n] = '\0';
    return dot + 1;
}

size_t ws_ruleset_enable_feature(ws_ruleset *rs, const char *name)
{
    char pack[128];
    bool qualified;
    const char *fname = split(name, pack, sizeof(pack), &qualified);
    size_t count = 0;
    for (size_t k = 0; k < rs->n_packs; k++) {
        ws_pack *p = rs->packs[k];
        if (qualified && strcmp(p->id, pack))
            continue;
        for (size_t i = 0; i < p->n_features; i++)
            if (!strcmp(p->features[i].name, fname)) {
                p->features[i].enabled = true;
                count++;
            }
    }
    return count;
}

size_t ws_ruleset_set_variable(ws_ruleset *rs, const char *name, const ws_portset *ports)
{
    char pack[128];
    bool qualified;
    const char *vname = split(name, pack, sizeof(pack), &qualified);
    size_t count = 0;
    for (size_t k = 0; k < rs->n_packs; k++) {
        ws_pack *p = rs->packs[k];
        if (qualified && strcmp(p->id, pack))
            continue;
        for (size_t i = 0; i < p->n_vars; i++)
            if (!strcmp(p->vars[i].name, vname) && ws_portset_copy(&p->vars[i].ports, ports)) {
                p->vars[i].overridden = true;
                count++;
            }
    }
    return count;
}

/* ---- finishing: resolve ports, index, lint ---------------------------- */

static bool resolve(const ws_pack *p, const ws_port_item *items, size_t n, ws_portset *out)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += items[i].var >= 0 ? p->vars[items[i].var].ports.n : 1;
    ws_port_range *r = malloc((total ? total : 1) * sizeof(*r));
    if (!r)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i].var >= 0) {
            const ws_portset *v = &p->vars[items[i].var].ports;
            memcpy(r + k, v->r, v->n * sizeof(*r));
            k += v->n;
        } else {
            r[k].lo = items[i].lo;
            r[k].hi = items[i].hi;
            k++;
        }
    }
    return ws_portset_take(out, r, k);
}

static bool names_equal(const ws_rule *a, const ws_rule *b)
{
    if (a->n_names != b->n_names)
        return false;
    for (size_t i = 0; i < a->n_names; i++)
        if (strcmp(a->names[i], b->names[i]))
            return false;
    return true;
}

static bool protos_meet(const ws_rule *a, const ws_rule *b)
{
    for (size_t i = 0; i < a->n_protos; i++)
        for (size_t j = 0; j < b->n_protos; j++)
            if (a->protos[i] == b->protos[j])
                return true;
    return false;
}

static bool apps_meet(const ws_rule *a, const ws_rule *b)
{
    for (size_t i = 0; i < a->n_apps; i++)
        for (size_t j = 0; j < b->n_apps; j++)
            if (!strcmp(a->apps[i], b->apps[j]))
                return true;
    return false;
}

static bool sports_meet(const ws_rule *a, const ws_rule *b)
{
    if (!a->n_sport_items || !b->n_sport_items)
        return true;
    return ws_portset_meets(&a->sport, &b->sport);
}

/* Two rules of one pack that allow some same flow and expect different
 * applications on it: the unexpected-application check could not say which
 * is right. Two rules that allow exactly the same flows: a warning. */
static void lint_pair(const ws_rule *a, const ws_rule *b, ws_diag *d)
{
    if (!protos_meet(a, b) || !ws_roleset_meets(&a->from, &b->from) ||
        !ws_roleset_meets(&a->to, &b->to) || !names_equal(a, b) || !sports_meet(a, b))
        return;
    if (a->has_ports && !ws_portset_meets(&a->dport, &b->dport))
        return;
    if (a->feature != b->feature)
        return;
    if (a->n_apps && b->n_apps && !apps_meet(a, b)) {
        char ports[64] = "";
        if (a->has_ports) {
            ws_portset both = {0};
            ws_port_range *r = malloc(a->dport.n * b->dport.n * sizeof(*r) + sizeof(*r));
            size_t k = 0;
            for (size_t i = 0; r && i < a->dport.n; i++)
                for (size_t j = 0; j < b->dport.n; j++) {
                    uint16_t lo = a->dport.r[i].lo > b->dport.r[j].lo ? a->dport.r[i].lo
                                                                      : b->dport.r[j].lo;
                    uint16_t hi = a->dport.r[i].hi < b->dport.r[j].hi ? a->dport.r[i].hi
                                                                      : b->dport.r[j].hi;
                    if (lo <= hi)
                        r[k++] = (ws_port_range){lo, hi};
                }
            if (r)
                ws_portset_take(&both, r, k);
            char list[48];
            snprintf(ports, sizeof(ports), " on port %s",
                     ws_portset_str(&both, list, sizeof(list)));
            ws_portset_free(&both);
        }
        ws_diag_add(d, true, "%s: rule \"%s\": overlaps rule \"%s\"%s but expects "
                    "application %s where it expects %s", a->pack->path, b->id, a->id,
                    ports, b->apps[0], a->apps[0]);
        return;
    }
    bool same = a->n_protos == b->n_protos && a->protos[0] == b->protos[0] &&
                !memcmp(&a->from, &b->from, sizeof(a->from)) &&
                !memcmp(&a->to, &b->to, sizeof(a->to)) && a->reverse == b->reverse &&
                ws_portset_eq(&a->dport, &b->dport) &&
                a->n_sport_items == 0 && b->n_sport_items == 0;
    if (same)
        ws_diag_add(d, false, "%s: rule \"%s\": allows exactly what rule \"%s\" allows",
                    a->pack->path, b->id, a->id);
}

bool ws_ruleset_finish(ws_ruleset *rs, ws_diag *d)
{
    size_t errors = d->errors;
    for (size_t i = 0; i < 256; i++) {
        free(rs->by_proto[i]);
        rs->by_proto[i] = NULL;
        rs->n_by_proto[i] = 0;
    }
    size_t count[256] = {0};
    for (size_t k = 0; k < rs->n_packs; k++) {
        ws_pack *p = rs->packs[k];
        for (size_t i = 0; i < p->n_rules; i++) {
            ws_rule *r = &p->rules[i];
            if (!resolve(p, r->dport_items, r->n_dport_items, &r->dport) ||
                !resolve(p, r->sport_items, r->n_sport_items, &r->sport)) {
                ws_diag_add(d, true, "%s: out of memory", p->path);
                return false;
            }
            r->active = r->feature < 0 || p->features[r->feature].enabled;
            for (size_t j = 0; j < r->n_protos; j++)
                count[r->protos[j]]++;
        }
    }
    for (size_t i = 0; i < 256; i++) {
        if (!count[i])
            continue;
        rs->by_proto[i] = malloc(count[i] * sizeof(ws_rule *));
        if (!rs->by_proto[i]) {
            ws_diag_add(d, true, "out of memory");
            return false;
        }
    }
    for (size_t k = 0; k < rs->n_packs; k++) {
        ws_pack *p = rs->packs[k];
        for (size_t i = 0; i < p->n_rules; i++)
            for (size_t j = 0; j < p->rules[i].n_protos; j++) {
                uint8_t pr = p->rules[i].protos[j];
                rs->by_proto[pr][rs->n_by_proto[pr]++] = &p->rules[i];
            }
    }
    for (size_t k = rs->n_linted; k < rs->n_packs; k++) {
        const ws_pack *p = rs->packs[k];
        for (size_t i = 0; i < p->n_rules; i++)
            for (size_t j = i + 1; j < p->n_rules; j++)
                lint_pair(&p->rules[i], &p->rules[j], d);
    }
    rs->n_linted = rs->n_packs;
    return d->errors == errors;
}

/* load.c - reads a rule pack (JSON, doc/rules.md) into a ws_pack and checks
 * it field by field; every message names the file, the object and the
 * field. JSON: RFC 8259, parsed by json-c. */
#include "rules_int.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names/names.h"

#define PACK_MAX_BYTES (16u << 20)

/* Where we are, for messages: "FILE: rule \"ID\"". */
typedef struct lctx {
    ws_ruleset *rs;
    ws_diag *d;
    const char *file;
    char where[256];
    ws_pack *p;
    bool failed;
} lctx;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void fail(lctx *c, const char *field, const char *fmt, ...)
{
    char body[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof(body), fmt, ap);
    va_end(ap);
    if (field && *field)
        ws_diag_add(c->d, true, "%s: %s: %s: %s", c->file, c->where, field, body);
    else
        ws_diag_add(c->d, true, "%s: %s: %s", c->file, c->where, body);
    c->failed = true;
}

const char *ws_json_type_text(const json_object *o)
{
    switch (json_object_get_type(o)) {
    case json_type_null: return "null";
    case json_type_boolean: return "a boolean";
    case json_type_double: return "a fractional number";
    case json_type_int: return "a number";
    case json_type_object: return "an object";
    case json_type_array: return "an array";
    case json_type_string: return "a string";
    }
    return "?";
}

/* Rejects keys not in allowed (NULL-terminated); "comment" is always allowed. */
static void check_keys(lctx *c, json_object *obj, const char *const *allowed)
{
    json_object_object_foreach(obj, key, val) {
        (void)val;
        bool ok = !strcmp(key, "comment");
        for (size_t i = 0; !ok && allowed[i]; i++)
            ok = !strcmp(key, allowed[i]);
        if (ok)
            continue;
        char list[512] = "";
        size_t used = 0;
        for (size_t i = 0; allowed[i] && used < sizeof(list); i++) {
            int w = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
                             allowed[i]);
            if (w > 0)
                used += (size_t)w;
        }
        fail(c, key, "unknown key (expected one of: %s)", list);
    }
}

static json_object *get(json_object *obj, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

/* A string member: NULL when absent (reported when required) or wrong. */
static char *get_str(lctx *c, json_object *obj, const char *key, bool required)
{
    json_object *v = get(obj, key);
    if (!v) {
        if (required)
            fail(c, NULL, "missing \"%s\"", key);
        return NULL;
    }
    if (!json_object_is_type(v, json_type_string)) {
        fail(c, key, "expected a string, got %s", ws_json_type_text(v));
        return NULL;
    }
    const char *s = json_object_get_string(v);
    if (required && !*s) {
        fail(c, key, "must not be empty");
        return NULL;
    }
    char *copy = strdup(s);
    if (!copy)
        fail(c, key, "out of memory");
    return copy;
}

static bool get_bool(lctx *c, json_object *obj, const char *key, bool dflt)
{
    json_object *v = get(obj, key);
    if (!v)
        return dflt;
    if (!json_object_is_type(v, json_type_boolean)) {
        fail(c, key, "expected true or false, got %s", ws_json_type_text(v));
        return dflt;
    }
    return json_object_get_boolean(v);
}

static bool kebab(const char *s, bool dots)
{
    if (!*s || *s == '-' || *s == '.')
        return false;
    char prev = 0;
    for (const char *p = s; *p; p++) {
        bool alnum = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');
        bool sep = *p == '-' || (dots && *p == '.');
        if (!alnum && !sep)
            return false;
        if (sep && (prev == '-' || prev == '.'))
            return false;
        prev = *p;
    }
    return prev != '-' && prev != '.';
}

static void get_source(lctx *c, json_object *obj, ws_source_ref *src, bool required)
{
    json_object *v = get(obj, "source");
    if (!v) {
        if (required)
            fail(c, NULL, "missing \"source\" (the document section it comes from)");
        return;
    }
    if (!json_object_is_type(v, json_type_object)) {
        fail(c, "source", "expected an object with \"section\", got %s", ws_json_type_text(v));
        return;
    }
    static const char *const keys[] = {"section", "table", "row", NULL};
    char saved[sizeof(c->where)];
    memcpy(saved, c->where, sizeof(saved));
    snprintf(c->where + strlen(c->where), sizeof(c->where) - strlen(c->where), ": source");
    check_keys(c, v, keys);
    src->section = get_str(c, v, "section", true);
    src->table = get_str(c, v, "table", false);
    src->row = get_str(c, v, "row", false);
    memcpy(c->where, saved, sizeof(saved));
}

static void free_source(ws_source_ref *s)
{
    free(s->section);
    free(s->table);
    free(s->row);
}

/* ---- port lists ------------------------------------------------------- */

bool ws_port_list_parse(json_object *arr, const ws_pack *p, bool allow_vars,
                        ws_port_item **out, size_t *n, ws_diag *d, const char *where,
                        const char *field)
{
    *out = NULL;
    *n = 0;
    if (!json_object_is_type(arr, json_type_array) || json_object_array_length(arr) == 0) {
        ws_diag_add(d, true, "%s: %s: expected a non-empty list of ports, got %s", where,
                    field, json_object_is_type(arr, json_type_array) ? "an empty list"
                                                                     : ws_json_type_text(arr));
        return false;
    }
    size_t len = json_object_array_length(arr);
    ws_port_item *items = calloc(len, sizeof(*items));
    if (!items) {
        ws_diag_add(d, true, "%s: %s: out of memory", where, field);
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < len; i++) {
        json_object *v = json_object_array_get_idx(arr, i);
        ws_port_item *it = &items[i];
        it->var = -1;
        char why[160];
        if (json_object_is_type(v, json_type_int)) {
            int64_t x = json_object_get_int64(v);
            if (x < 0 || x > 65535) {
                ws_diag_add(d, true, "%s: %s[%zu]: port %lld is outside 0-65535", where,
                            field, i, (long long)x);
                ok = false;
                continue;
            }
            it->lo = it->hi = (uint16_t)x;
        } else if (json_object_is_type(v, json_type_string)) {
            const char *s = json_object_get_string(v);
            if (!strcmp(s, "any")) {
                it->lo = 0;
                it->hi = 65535;
            } else if (s[0] == '$') {
                if (!allow_vars) {
                    ws_diag_add(d, true, "%s: %s[%zu]: a variable's ports cannot refer to "
                                "variables (\"%s\")", where, field, i, s);
                    ok = false;
                    continue;
                }
                size_t k = 0;
                while (k < p->n_vars && strcmp(p->vars[k].name, s + 1))
                    k++;
                if (k == p->n_vars) {
                    ws_diag_add(d, true, "%s: %s[%zu]: unknown variable \"%s\" (not "
                                "declared in \"variables\")", where, field, i, s);
                    ok = false;
                    continue;
                }
                it->var = (int)k;
            } else if (!ws_port_item_parse(s, &it->lo, &it->hi, why, sizeof(why))) {
                ws_diag_add(d, true, "%s: %s[%zu]: %s", where, field, i, why);
                ok = false;
            }
        } else {
            ws_diag_add(d, true, "%s: %s[%zu]: expected a port, a range \"N-M\", "
                        "\"$variable\" or \"any\", got %s", where, field, i,
                        ws_json_type_text(v));
            ok = false;
        }
    }
    if (!ok) {
        free(items);
        return false;
    }
    *out = items;
    *n = len;
    return true;
}

/* Port items of a rule field; reports through c. */
static void rule_ports(lctx *c, json_object *obj, const char *field, ws_port_item **out,
                       size_t *n)
{
    json_object *v = get(obj, field);
    if (!v)
        return;
    char where[512];
    snprintf(where, sizeof(where), "%s: %s", c->file, c->where);
    if (!ws_port_list_parse(v, c->p, true, out, n, c->d, where, field))
        c->failed = true;
}

/* ---- roles ------------------------------------------------------------ */

static bool pack_declares(const ws_pack *p, unsigned role)
{
    for (size_t i = 0; i < p->n_roles; i++)
        if (p->roles[i] == role)
            return true;
    return false;
}

/* A list of role names (from, to, constraint roles) into a set. */
static bool role_list(lctx *c, json_object *obj, const char *field, ws_roleset *out,
                      bool allow_any)
{
    memset(out, 0, sizeof(*out));
    json_object *v = get(obj, field);
    if (!v) {
        fail(c, NULL, "missing \"%s\"", field);
        return false;
    }
    if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0) {
        fail(c, field, "expected a non-empty list of roles, got %s",
             json_object_is_type(v, json_type_array) ? "an empty list" : ws_json_type_text(v));
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < json_object_array_length(v); i++) {
        json_object *e = json_object_array_get_idx(v, i);
        char f[64];
        snprintf(f, sizeof(f), "%s[%zu]", field, i);
        if (!json_object_is_type(e, json_type_string)) {
            fail(c, f, "expected a role name, got %s", ws_json_type_text(e));
            ok = false;
            continue;
        }
        const char *name = json_object_get_string(e);
        int id = ws_ruleset_role_intern(c->rs, name, NULL, false);
        if (id == WS_ROLE_ANY && allow_any) {
            ws_roleset_add(out, WS_ROLE_ANY);
            continue;
        }
        if (id < 0 || id == WS_ROLE_ANY || !pack_declares(c->p, (unsigned)id)) {
            fail(c, f, "unknown role \"%s\" (not declared in \"roles\")", name);
            ok = false;
            continue;
        }
        ws_roleset_add(out, (unsigned)id);
    }
    return ok;
}

static void load_roles(lctx *c, json_object *root)
{
    snprintf(c->where, sizeof(c->where), "roles");
    json_object *v = get(root, "roles");
    if (!v) {
        fail(c, NULL, "missing (every role the rules use, with a description)");
        return;
    }
    if (!json_object_is_type(v, json_type_object) || json_object_object_length(v) == 0) {
        fail(c, NULL, "expected an object of role: {\"description\": ...}, got %s",
             ws_json_type_text(v));
        return;
    }
    c->p->roles = calloc((size_t)json_object_object_length(v), sizeof(unsigned));
    if (!c->p->roles) {
        fail(c, NULL, "out of memory");
        return;
    }
    json_object_object_foreach(v, name, val) {
        snprintf(c->where, sizeof(c->where), "role \"%s\"", name);
        if (!strcmp(name, "any")) {
            fail(c, NULL, "\"any\" is built in and cannot be declared");
            continue;
        }
        if (!kebab(name, false)) {
            fail(c, NULL, "role names are lowercase-kebab (a-z, 0-9, single dashes)");
            continue;
        }
        if (!json_object_is_type(val, json_type_object)) {
            fail(c, NULL, "expected {\"description\": ...}, got %s", ws_json_type_text(val));
            continue;
        }
        static const char *const keys[] = {"description", "listed_only", NULL};
        check_keys(c, val, keys);
        char *desc = get_str(c, val, "description", true);
        bool listed_only = get_bool(c, val, "listed_only", false);
        int id = ws_ruleset_role_intern(c->rs, name, desc, true);
        free(desc);
        if (id < 0) {
            fail(c, NULL, "too many roles (at most %d in all packs)", WS_MAX_ROLES - 1);
            continue;
        }
        if (listed_only)
            ws_roleset_add(&c->rs->listed_only, (unsigned)id);
        c->p->roles[c->p->n_roles++] = (unsigned)id;
    }
}

/* ---- variables and features ------------------------------------------- */

static void load_variables(lctx *c, json_object *root)
{
    json_object *v = get(root, "variables");
    if (!v)
        return;
    snprintf(c->where, sizeof(c->where), "variables");
    if (!json_object_is_type(v, json_type_object)) {
        fail(c, NULL, "expected an object of name: {\"ports\": [...], ...}, got %s",
             ws_json_type_text(v));
        return;
    }
    size_t n = (size_t)json_object_object_length(v);
    c->p->vars = calloc(n ? n : 1, sizeof(*c->p->vars));
    if (!c->p->vars) {
        fail(c, NULL, "out of memory");
        return;
    }
    json_object_object_foreach(v, name, val) {
        snprintf(c->where, sizeof(c->where), "variable \"%s\"", name);
        if (!kebab(name, false)) {
            fail(c, NULL, "variable names are lowercase-kebab (a-z, 0-9, single dashes)");
            continue;
        }
        if (!json_object_is_type(val, json_type_object)) {
            fail(c, NULL, "expected {\"ports\": [...], \"description\": ...}, got %s",
                 ws_json_type_text(val));
            continue;
        }
        static const char *const keys[] = {"ports", "description", "source", NULL};
        check_keys(c, val, keys);
        ws_variable *var = &c->p->vars[c->p->n_vars++];
        var->name = strdup(name);
        var->description = get_str(c, val, "description", true);
        get_source(c, val, &var->source, false);
        json_object *ports = get(val, "ports");
        if (!ports) {
            fail(c, NULL, "missing \"ports\"");
            continue;
        }
        ws_port_item *items;
        size_t ni;
        char where[512];
        snprintf(where, sizeof(where), "%s: %s", c->file, c->where);
        if (!ws_port_list_parse(ports, c->p, false, &items, &ni, c->d, where, "ports")) {
            c->failed = true;
            continue;
        }
        ws_port_range *r = malloc(ni * sizeof(*r));
        if (!r) {
            free(items);
            fail(c, NULL, "out of memory");
            continue;
        }
        for (size_t i = 0; i < ni; i++) {
            r[i].lo = items[i].lo;
            r[i].hi = items[i].hi;
        }
        free(items);
        ws_portset_take(&var->ports, r, ni);
    }
}

static void load_features(lctx *c, json_object *root)
{
    json_object *v = get(root, "features");
    if (!v)
        return;
    snprintf(c->where, sizeof(c->where), "features");
    if (!json_object_is_type(v, json_type_object)) {
        fail(c, NULL, "expected an object of name: {\"description\": ...}, got %s",
             ws_json_type_text(v));
        return;
    }
    size_t n = (size_t)json_object_object_length(v);
    c->p->features = calloc(n ? n : 1, sizeof(*c->p->features));
    if (!c->p->features) {
        fail(c, NULL, "out of memory");
        return;
    }
    json_object_object_foreach(v, name, val) {
        snprintf(c->where, sizeof(c->where), "feature \"%s\"", name);
        if (!kebab(name, false)) {
            fail(c, NULL, "feature names are lowercase-kebab (a-z, 0-9, single dashes)");
            continue;
        }
        if (!json_object_is_type(val, json_type_object)) {
            fail(c, NULL, "expected {\"description\": ...}, got %s", ws_json_type_text(val));
            continue;
        }
        static const char *const keys[] = {"description", NULL};
        check_keys(c, val, keys);
        ws_feature *f = &c->p->features[c->p->n_features++];
        f->name = strdup(name);
        f->description = get_str(c, val, "description", true);
    }
}

/* ---- rules -------------------------------------------------------------- */

static bool id_taken(const ws_ruleset *rs, const ws_pack *p, const char *id, size_t upto,
                     const char **where)
{
    for (size_t i = 0; i < upto; i++)
        if (p->rules[i].id && !strcmp(p->rules[i].id, id)) {
            *where = p->path;
            return true;
        }
    for (size_t k = 0; k < rs->n_packs; k++)
        for (size_t i = 0; i < rs->packs[k]->n_rules; i++)
            if (!strcmp(rs->packs[k]->rules[i].id, id)) {
                *where = rs->packs[k]->path;
                return true;
            }
    return false;
}

static void string_list(lctx *c, json_object *obj, const char *field, char ***out,
                        size_t *n)
{
    json_object *v = get(obj, field);
    if (!v)
        return;
    if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0) {
        fail(c, field, "expected a non-empty list of strings, got %s",
             json_object_is_type(v, json_type_array) ? "an empty list" : ws_json_type_text(v));
        return;
    }
    size_t len = json_object_array_length(v);
    *out = calloc(len, sizeof(char *));
    if (!*out) {
        fail(c, field, "out of memory");
        return;
    }
    for (size_t i = 0; i < len; i++) {
        json_object *e = json_object_array_get_idx(v, i);
        if (!json_object_is_type(e, json_type_string) || !*json_object_get_string(e)) {
            char f[64];
            snprintf(f, sizeof(f), "%s[%zu]", field, i);
            fail(c, f, "expected a non-empty string, got %s", ws_json_type_text(e));
            continue;
        }
        (*out)[(*n)++] = strdup(json_object_get_string(e));
    }
}

static void load_rule(lctx *c, json_object *obj, size_t index)
{
    ws_pack *p = c->p;
    ws_rule *r = &p->rules[p->n_rules++];
    r->pack = p;
    r->index = index;
    r->feature = -1;
    r->active = true;
    snprintf(c->where, sizeof(c->where), "rules[%zu]", index);
    if (!json_object_is_type(obj, json_type_object)) {
        fail(c, NULL, "expected a rule object, got %s", ws_json_type_text(obj));
        return;
    }
    r->id = get_str(c, obj, "id", true);
    if (!r->id)
        return;
    snprintf(c->where, sizeof(c->where), "rule \"%s\"", r->id);
    const char *other;
    if (!kebab(r->id, true))
        fail(c, "id", "rule ids are lowercase, with single dashes or dots between words");
    else if (id_taken(c->rs, p, r->id, p->n_rules - 1, &other))
        fail(c, "id", "duplicate rule id (also in %s)", other);
    static const char *const keys[] = {"id", "from", "to", "transport", "dport", "sport",
                                       "names", "app", "requirement", "feature", "reverse",
                                       "expect_reply", "description", "source", NULL};
    check_keys(c, obj, keys);
    role_list(c, obj, "from", &r->from, true);
    role_list(c, obj, "to", &r->to, true);

    char *transport = get_str(c, obj, "transport", true);
    if (transport) {
        if (!ws_transport_parse(transport, r->protos, &r->n_protos))
            fail(c, "transport", "unknown transport \"%s\" (expected tcp, udp, tcp+udp, "
                 "esp, icmp, icmpv6 or ip-N with N 0-255)", transport);
        else
            r->has_ports = r->protos[0] == 6 || r->protos[0] == 17;
    }
    rule_ports(c, obj, "dport", &r->dport_items, &r->n_dport_items);
    rule_ports(c, obj, "sport", &r->sport_items, &r->n_sport_items);
    if (transport && r->n_protos) {
        if (r->has_ports && !get(obj, "dport"))
            fail(c, NULL, "missing \"dport\" (transport %s has ports)", transport);
        if (!r->has_ports && (get(obj, "dport") || get(obj, "sport")))
            fail(c, get(obj, "dport") ? "dport" : "sport",
                 "transport %s has no ports", transport);
    }
    free(transport);

    string_list(c, obj, "names", &r->names, &r->n_names);
    for (size_t i = 0; i < r->n_names; i++) {
        char why[160], f[64];
        if (r->names[i] && !ws_name_pattern_valid(r->names[i], why, sizeof(why))) {
            snprintf(f, sizeof(f), "names[%zu]", i);
            fail(c, f, "\"%s\": %s", r->names[i], why);
        }
    }
    string_list(c, obj, "app", &r->apps, &r->n_apps);
    for (size_t i = 0; i < r->n_apps; i++) {
        if (r->apps[i] && c->rs->app_known && !c->rs->app_known(r->apps[i], c->rs->app_ctx)) {
            char f[64];
            snprintf(f, sizeof(f), "app[%zu]", i);
            fail(c, f, "unknown application \"%s\" (expected an nDPI 4.2 protocol name "
                 "such as TLS, HTTP, SIP, RTP, DNS, or IPsec)", r->apps[i]);
        }
    }

    char *req = get_str(c, obj, "requirement", true);
    if (req) {
        static const char *const names[] = {"mandatory", "recommended", "optional",
                                            "conditional"};
        size_t k = 0;
        while (k < 4 && strcmp(req, names[k]))
            k++;
        if (k == 4)
            fail(c, "requirement", "\"%s\" is not mandatory, recommended, optional or "
                 "conditional", req);
        r->requirement = (ws_requirement)(k < 4 ? k : 0);
        free(req);
    }
    char *feature = get_str(c, obj, "feature", false);
    if (feature) {
        size_t k = 0;
        while (k < p->n_features && strcmp(p->features[k].name, feature))
            k++;
        if (k == p->n_features)
            fail(c, "feature", "unknown feature \"%s\" (not declared in \"features\")",
                 feature);
        else
            r->feature = (int)k;
        free(feature);
    } else if (r->requirement == WS_REQ_CONDITIONAL && get(obj, "requirement")) {
        fail(c, NULL, "missing \"feature\" (a conditional rule names the feature that "
             "switches it on)");
    }
    r->reverse = get_bool(c, obj, "reverse", false);
    r->expect_reply = get_bool(c, obj, "expect_reply", false);
    r->description = get_str(c, obj, "description", true);
    get_source(c, obj, &r->source, true);
}

/* ---- constraints ------------------------------------------------------- */

static void load_constraint(lctx *c, json_object *obj, size_t index)
{
    ws_pack *p = c->p;
    ws_constraint *k = &p->constraints[p->n_constraints++];
    k->pack = p;
    snprintf(c->where, sizeof(c->where), "constraints[%zu]", index);
    if (!json_object_is_type(obj, json_type_object)) {
        fail(c, NULL, "expected a constraint object, got %s", ws_json_type_text(obj));
        return;
    }
    k->id = get_str(c, obj, "id", true);
    if (!k->id)
        return;
    snprintf(c->where, sizeof(c->where), "constraint \"%s\"", k->id);
    for (size_t i = 0; i + 1 < p->n_constraints; i++)
        if (p->constraints[i].id && !strcmp(p->constraints[i].id, k->id))
            fail(c, "id", "duplicate constraint id");
    static const char *const keys[] = {"id", "kind", "roles", "rules", "except",
                                       "description", "source", NULL};
    check_keys(c, obj, keys);
    char *kind = get_str(c, obj, "kind", true);
    if (kind) {
        if (!strcmp(kind, "no-nat"))
            k->kind = WS_CONSTRAINT_NO_NAT;
        else if (!strcmp(kind, "full-mesh"))
            k->kind = WS_CONSTRAINT_FULL_MESH;
        else
            fail(c, "kind", "\"%s\" is not no-nat or full-mesh", kind);
        free(kind);
    }
    role_list(c, obj, "roles", &k->roles, false);
    k->description = get_str(c, obj, "description", true);
    get_source(c, obj, &k->source, true);

    json_object *rules = get(obj, "rules");
    json_object *except = get(obj, "except");
    if (k->kind != WS_CONSTRAINT_FULL_MESH) {
        if (rules || except)
            fail(c, rules ? "rules" : "except", "only a full-mesh constraint takes it");
        return;
    }
    if (!rules) {
        fail(c, NULL, "missing \"rules\" (the rules that connect a pair of hosts)");
    } else if (!json_object_is_type(rules, json_type_array) ||
               json_object_array_length(rules) == 0) {
        fail(c, "rules", "expected a non-empty list of rule ids, got %s",
             ws_json_type_text(rules));
    } else {
        size_t n = json_object_array_length(rules);
        k->rules = calloc(n, sizeof(*k->rules));
        for (size_t i = 0; k->rules && i < n; i++) {
            json_object *e = json_object_array_get_idx(rules, i);
            const char *id = json_object_is_type(e, json_type_string)
                                 ? json_object_get_string(e) : NULL;
            const ws_rule *found = NULL;
            for (size_t j = 0; id && j < p->n_rules && !found; j++)
                if (p->rules[j].id && !strcmp(p->rules[j].id, id))
                    found = &p->rules[j];
            char f[64];
            snprintf(f, sizeof(f), "rules[%zu]", i);
            if (!found)
                fail(c, f, "unknown rule \"%s\" (not in this pack)", id ? id : "?");
            else
                k->rules[k->n_rules++] = found;
        }
    }
    if (!except)
        return;
    if (!json_object_is_type(except, json_type_array)) {
        fail(c, "except", "expected a list, got %s", ws_json_type_text(except));
        return;
    }
    size_t n = json_object_array_length(except);
    k->except = calloc(n ? n : 1, sizeof(*k->except));
    for (size_t i = 0; k->except && i < n; i++) {
        json_object *e = json_object_array_get_idx(except, i);
        char f[64];
        snprintf(f, sizeof(f), "except[%zu]", i);
        json_object *between = json_object_is_type(e, json_type_object) ? get(e, "between")
                                                                         : NULL;
        json_object *diff = json_object_is_type(e, json_type_object) ? get(e, "different")
                                                                     : NULL;
        if (!between || !json_object_is_type(between, json_type_array) ||
            json_object_array_length(between) != 2) {
            fail(c, f, "expected {\"between\": [ROLE, ROLE], \"different\": \"location\"}");
            continue;
        }
        if (!diff || !json_object_is_type(diff, json_type_string) ||
            strcmp(json_object_get_string(diff), "location")) {
            fail(c, f, "\"different\" must be \"location\"");
            continue;
        }
        int ids[2];
        for (int j = 0; j < 2; j++) {
            json_object *rn = json_object_array_get_idx(between, (size_t)j);
            const char *name = json_object_is_type(rn, json_type_string)
                                   ? json_object_get_string(rn) : "";
            ids[j] = ws_ruleset_role_intern(c->rs, name, NULL, false);
            if (ids[j] <= 0 || !pack_declares(p, (unsigned)ids[j]))
                fail(c, f, "unknown role \"%s\" (not declared in \"roles\")", name);
        }
        if (ids[0] > 0 && ids[1] > 0) {
            k->except[k->n_except].role_a = (unsigned)ids[0];
            k->except[k->n_except].role_b = (unsigned)ids[1];
            k->n_except++;
        }
    }
}

/* ---- the pack ------------------------------------------------------------ */

void ws_pack_free(ws_pack *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_rules; i++) {
        ws_rule *r = &p->rules[i];
        free(r->id);
        free(r->dport_items);
        free(r->sport_items);
        ws_portset_free(&r->dport);
        ws_portset_free(&r->sport);
        for (size_t j = 0; j < r->n_names; j++)
            free(r->names[j]);
        free(r->names);
        for (size_t j = 0; j < r->n_apps; j++)
            free(r->apps[j]);
        free(r->apps);
        free(r->description);
        free_source(&r->source);
    }
    free(p->rules);
    for (size_t i = 0; i < p->n_vars; i++) {
        free(p->vars[i].name);
        free(p->vars[i].description);
        ws_portset_free(&p->vars[i].ports);
        free_source(&p->vars[i].source);
    }
    free(p->vars);
    for (size_t i = 0; i < p->n_features; i++) {
        free(p->features[i].name);
        free(p->features[i].description);
    }
    free(p->features);
    for (size_t i = 0; i < p->n_constraints; i++) {
        ws_constraint *k = &p->constraints[i];
        free(k->id);
        free(k->rules);
        free(k->except);
        free(k->description);
        free_source(&k->source);
    }
    free(p->constraints);
    free(p->roles);
    free(p->id);
    free(p->path);
    free(p->vendor);
    free(p->product);
    free(p->description);
    free(p->doc_title);
    free(p->doc_revision);
    free(p->doc_date);
    free(p->doc_file);
    free(p);
}

char *ws_read_text_file(const char *path, size_t max, size_t *len, ws_diag *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ws_diag_add(d, true, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        if (n == cap) {
            if (cap >= max) {
                ws_diag_add(d, true, "%s: larger than %zu bytes", path, max);
                free(buf);
                buf = NULL;
                break;
            }
            cap *= 2;
            char *b = realloc(buf, cap + 1);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                ws_diag_add(d, true, "%s: read error: %s", path, strerror(errno));
                free(buf);
                buf = NULL;
            }
            break;
        }
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* ---- duplicate keys -------------------------------------------------------
 * RFC 8259 section 4: names within an object SHOULD be unique, and when they
 * are not, what a reader does is unpredictable. json-c keeps the last value
 * silently, so a pack or site file whose author wrote a key twice would
 * quietly lose the first. The text (already valid strict JSON) is scanned
 * once more, keys decoded, and every duplicate reported with its place. */

typedef struct jkey {
    char *s;      /* decoded bytes */
    size_t n;
    size_t at;    /* offset of the key in the text */
} jkey;

typedef struct jframe {
    bool object;
    size_t index;     /* array: index of the current element */
    jkey *keys;       /* object: the keys so far; the last is the current one */
    size_t nkeys, cap;
} jframe;

static void put_utf8(char *out, size_t *n, uint32_t cp)
{
    if (cp < 0x80) {
        out[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*n)++] = (char)(0xc0 | cp >> 6);
        out[(*n)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out[(*n)++] = (char)(0xe0 | cp >> 12);
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*n)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[(*n)++] = (char)(0xf0 | cp >> 18);
        out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*n)++] = (char)(0x80 | (cp & 0x3f));
    }
}

static uint32_t hex4(const char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v = v << 4 | (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

/* Decodes the string starting at text[*i] (the opening quote) into a new
 * buffer; *i ends after the closing quote. The text is valid JSON. */
static char *json_string(const char *text, size_t len, size_t *i, size_t *n)
{
    size_t start = ++*i, end = start;
    while (end < len && text[end] != '"')
        end += text[end] == '\\' ? 2 : 1;
    char *out = malloc(end - start + 1);
    *n = 0;
    for (size_t k = start; out && k < end && k < len; k++) {
        if (text[k] != '\\') {
            out[(*n)++] = text[k];
            continue;
        }
        char e = text[++k];
        switch (e) {
        case 'b': out[(*n)++] = '\b'; break;
        case 'f': out[(*n)++] = '\f'; break;
        case 'n': out[(*n)++] = '\n'; break;
        case 'r': out[(*n)++] = '\r'; break;
        case 't': out[(*n)++] = '\t'; break;
        case 'u': {
            if (k + 4 >= len)
                break;
            uint32_t cp = hex4(text + k + 1);
            k += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && k + 6 < len && text[k + 1] == '\\' &&
                text[k + 2] == 'u') {
                uint32_t lo = hex4(text + k + 3);
                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    k += 6;
                }
            }
            put_utf8(out, n, cp); /* 4 bytes at most, from 6 or 12 of text */
            break;
        }
        default: out[(*n)++] = e; break; /* " \ / */
        }
    }
    *i = end + 1;
    return out;
}

static void line_col(const char *text, size_t at, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < at; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* "rules[3].source" for the frames up to depth (the root is ""). */
static void json_path(const jframe *st, size_t depth, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 1; k < depth && used < size; k++) {
        const jframe *up = &st[k - 1];
        int w;
        if (up->object)
            w = snprintf(buf + used, size - used, "%s%.*s", used ? "." : "",
                         (int)(up->nkeys ? up->keys[up->nkeys - 1].n : 0),
                         up->nkeys ? up->keys[up->nkeys - 1].s : "");
        else
            w = snprintf(buf + used, size - used, "[%zu]", up->index);
        if (w > 0)
            used += (size_t)w;
    }
}

static int cmp_jkey(const void *a, const void *b)
{
    const jkey *x = a, *y = b;
    size_t m = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->s, y->s, m);
    if (c)
        return c;
    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at;
}

/* Reports every key the object at st[depth - 1] holds twice. */
static bool report_duplicates(const char *path, const char *text, jframe *st, size_t depth,
                              ws_diag *d)
{
    jframe *f = &st[depth - 1];
    if (f->nkeys < 2)
        return true;
    char where[512];
    json_path(st, depth, where, sizeof(where));
    qsort(f->keys, f->nkeys, sizeof(*f->keys), cmp_jkey);
    bool ok = true;
    for (size_t i = 1; i < f->nkeys; i++) {
        const jkey *a = &f->keys[i - 1], *b = &f->keys[i];
        if (a->n != b->n || memcmp(a->s, b->s, a->n) != 0)
            continue;
        size_t fl, fc, line, col;
        line_col(text, a->at, &fl, &fc);
        line_col(text, b->at, &line, &col);
        ws_diag_add(d, true, "%s:%zu:%zu: %s%sduplicate key \"%.*s\" (also at line %zu, "
                    "column %zu; only one of the two values would be used)", path, line,
                    col, where, *where ? ": " : "", (int)(b->n > 200 ? 200 : b->n), b->s,
                    fl, fc);
        ok = false;
    }
    return ok;
}

static void free_frame(jframe *f)
{
    for (size_t i = 0; i < f->nkeys; i++)
        free(f->keys[i].s);
    free(f->keys);
    memset(f, 0, sizeof(*f));
}

/* Scans valid JSON text for duplicate keys; false after reporting them. */
static bool json_unique_keys(const char *path, const char *text, size_t len, ws_diag *d)
{
    jframe *st = NULL;
    size_t depth = 0, cap = 0;
    bool ok = true, oom = false;
    bool want_key = false; /* the next string in the current object is a key */
    for (size_t i = 0; i < len && !oom;) {
        char ch = text[i];
        if (ch == '{' || ch == '[') {
            if (depth == cap) {
                size_t nc = cap ? cap * 2 : 16;
                jframe *ns = realloc(st, nc * sizeof(*ns));
                if (!ns) {
                    oom = true;
                    break;
                }
                st = ns;
                cap = nc;
            }
            memset(&st[depth], 0, sizeof(*st));
            st[depth++].object = ch == '{';
            want_key = ch == '{';
            i++;
        } else if (ch == '}' || ch == ']') {
            if (depth && ch == '}' && !report_duplicates(path, text, st, depth, d))
                ok = false;
            if (depth)
                free_frame(&st[--depth]);
            want_key = false;
            i++;
        } else if (ch == ',') {
            if (depth && st[depth - 1].object)
                want_key = true;
            else if (depth)
                st[depth - 1].index++;
            i++;
        } else if (ch == '"') {
            size_t at = i, n;
            if (!want_key) {
                while (++i < len && text[i] != '"')
                    if (text[i] == '\\')
                        i++;
                i++;
                continue;
            }
            char *s = json_string(text, len, &i, &n);
            jframe *f = &st[depth - 1];
            if (s && f->nkeys == f->cap) {
                size_t nc = f->cap ? f->cap * 2 : 8;
                jkey *nk = realloc(f->keys, nc * sizeof(*nk));
                if (nk) {
                    f->keys = nk;
                    f->cap = nc;
                }
            }
            if (!s || f->nkeys == f->cap) {
                free(s);
                oom = true;
                break;
            }
            f->keys[f->nkeys++] = (jkey){s, n, at};
            want_key = false;
        } else {
            i++;
        }
    }
    while (depth)
        free_frame(&st[--depth]);
    free(st);
    if (oom) {
        ws_diag_add(d, true, "%s: out of memory", path);
        return false;
    }
    return ok;
}

json_object *ws_json_parse(const char *path, const char *text, size_t len, ws_diag *d)
{
    json_tokener *tok = json_tokener_new();
    if (!tok) {
        ws_diag_add(d, true, "%s: out of memory", path);
        return NULL;
    }
    /* RFC 8259 only: no comments, single quotes or other extensions; UTF-8
     * checked. Trailing white space is checked below. */
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS |
                                    JSON_TOKENER_VALIDATE_UTF8);
    json_object *root = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error e = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    if (!root || e != json_tokener_success) {
        if (e == json_tokener_continue)
            end = len;
        size_t line = 1, col = 1;
        for (size_t i = 0; i < end && i < len; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        ws_diag_add(d, true, "%s:%zu:%zu: invalid JSON: %s", path, line, col,
                    e == json_tokener_continue ? "unexpected end of file"
                                               : json_tokener_error_desc(e));
        json_object_put(root);
        root = NULL;
    } else {
        for (size_t i = end; i < len; i++) {
            if (text[i] != ' ' && text[i] != '\n' && text[i] != '\r' && text[i] != '\t') {
                ws_diag_add(d, true, "%s: invalid JSON: text after the end of the top "
                            "object", path);
                json_object_put(root);
                root = NULL;
                break;
            }
        }
        if (root && !json_unique_keys(path, text, len, d)) {
            json_object_put(root);
            root = NULL;
        }
    }
    json_tokener_free(tok);
    return root;
}

static bool load_pack(lctx *c, json_object *root)
{
    ws_pack *p = c->p;
    snprintf(c->where, sizeof(c->where), "pack");
    if (!json_object_is_type(root, json_type_object)) {
        fail(c, NULL, "expected a JSON object, got %s", ws_json_type_text(root));
        return false;
    }
    static const char *const keys[] = {"format", "pack", "vendor", "product", "document",
                                       "description", "roles", "variables", "features",
                                       "rules", "constraints", NULL};
    check_keys(c, root, keys);
    json_object *fmt = get(root, "format");
    if (!fmt)
        fail(c, NULL, "missing \"format\" (1)");
    else if (!json_object_is_type(fmt, json_type_int) || json_object_get_int64(fmt) != 1)
        fail(c, "format", "this wirespec reads format 1 only");
    p->id = get_str(c, root, "pack", true);
    if (p->id) {
        if (!kebab(p->id, false))
            fail(c, "pack", "pack ids are lowercase-kebab (a-z, 0-9, single dashes)");
        for (size_t i = 0; i < c->rs->n_packs; i++)
            if (!strcmp(c->rs->packs[i]->id, p->id))
                fail(c, "pack", "\"%s\" is already loaded from %s", p->id,
                     c->rs->packs[i]->path);
    }
    p->vendor = get_str(c, root, "vendor", true);
    p->product = get_str(c, root, "product", true);
    p->description = get_str(c, root, "description", false);
    json_object *doc = get(root, "document");
    if (!doc) {
        fail(c, NULL, "missing \"document\" (the source document's title, revision, date)");
    } else if (!json_object_is_type(doc, json_type_object)) {
        fail(c, "document", "expected an object, got %s", ws_json_type_text(doc));
    } else {
        snprintf(c->where, sizeof(c->where), "document");
        static const char *const dkeys[] = {"title", "revision", "date", "file", NULL};
        check_keys(c, doc, dkeys);
        p->doc_title = get_str(c, doc, "title", true);
        p->doc_revision = get_str(c, doc, "revision", false);
        p->doc_date = get_str(c, doc, "date", false);
        p->doc_file = get_str(c, doc, "file", false);
    }

    load_roles(c, root);
    load_variables(c, root);
    load_features(c, root);

    json_object *rules = get(root, "rules");
    snprintf(c->where, sizeof(c->where), "pack");
    if (!rules) {
        fail(c, NULL, "missing \"rules\"");
    } else if (!json_object_is_type(rules, json_type_array) ||
               json_object_array_length(rules) == 0) {
        fail(c, "rules", "expected a non-empty list of rules, got %s", ws_json_type_text(rules));
    } else {
        size_t n = json_object_array_length(rules);
        p->rules = calloc(n, sizeof(*p->rules));
        if (!p->rules) {
            fail(c, "rules", "out of memory");
            return false;
        }
        for (size_t i = 0; i < n; i++)
            load_rule(c, json_object_array_get_idx(rules, i), i);
    }

    json_object *cons = get(root, "constraints");
    if (cons) {
        snprintf(c->where, sizeof(c->where), "pack");
        if (!json_object_is_type(cons, json_type_array)) {
            fail(c, "constraints", "expected a list, got %s", ws_json_type_text(cons));
        } else {
            size_t n = json_object_array_length(cons);
            p->constraints = calloc(n ? n : 1, sizeof(*p->constraints));
            if (!p->constraints) {
                fail(c, "constraints", "out of memory");
                return false;
            }
            for (size_t i = 0; i < n; i++)
                load_constraint(c, json_object_array_get_idx(cons, i), i);
        }
    }
    return !c->failed;
}

bool ws_ruleset_load(ws_ruleset *rs, const char *path, ws_diag *d)
{
    size_t len;
    char *text = ws_read_text_file(path, PACK_MAX_BYTES, &len, d);
    if (!text)
        return false;
    json_object *root = ws_json_parse(path, text, len, d);
    free(text);
    if (!root)
        return false;
    lctx c = {.rs = rs, .d = d, .file = path};
    c.p = calloc(1, sizeof(ws_pack));
    bool ok = c.p && (c.p->path = strdup(path)) != NULL;
    if (ok)
        ok = load_pack(&c, root);
    json_object_put(root);
    if (ok && rs->n_packs == rs->cap_packs) {
        size_t cap = rs->cap_packs ? rs->cap_packs * 2 : 8;
        ws_pack **pp = realloc(rs->packs, cap * sizeof(*pp));
        ok = pp != NULL;
        if (pp) {
            rs->packs = pp;
            rs->cap_packs = cap;
        }
    }
    if (!ok) {
        if (!c.p)
            ws_diag_add(d, true, "%s: out of memory", path);
        ws_pack_free(c.p);
        return false;
    }
    rs->packs[rs->n_packs++] = c.p;
    return true;
}

/* rules_int.h - what the files of src/rules/ share and nobody else needs. */
#ifndef WS_RULES_INT_H
#define WS_RULES_INT_H

#include "rules.h"

struct ws_ruleset {
    ws_pack **packs;
    size_t n_packs, cap_packs;
    char **role_names;          /* [0] = "any" */
    char **role_desc;
    ws_roleset listed_only;     /* roles only listed hosts play */
    size_t n_roles, cap_roles;
    size_t n_linted;            /* packs already linted by finish */
    ws_app_known_fn app_known;
    void *app_ctx;
    /* rules by IP protocol, for the matcher: rules_by_proto[p] lists the
     * rules whose transport includes p, in load order (built by finish) */
    const ws_rule **by_proto[256];
    size_t n_by_proto[256];
};

/* Sorts and merges r[0..n) in place and hands it to s (s->r is freed first). */
bool ws_portset_take(ws_portset *s, ws_port_range *r, size_t n);
void ws_portset_free(ws_portset *s);
bool ws_portset_copy(ws_portset *dst, const ws_portset *src);
bool ws_portset_meets(const ws_portset *a, const ws_portset *b);
bool ws_portset_eq(const ws_portset *a, const ws_portset *b);

/* Role id for a name, adding it to the table when add is set; -1 when
 * unknown (or out of memory, or WS_MAX_ROLES reached). */
int ws_ruleset_role_intern(ws_ruleset *rs, const char *name, const char *desc, bool add);

void ws_pack_free(ws_pack *p);

/* Reads a whole file for a JSON parser; NULL with a message in d. */
char *ws_read_text_file(const char *path, size_t max, size_t *len, ws_diag *d);

/* Parses JSON text (RFC 8259 strictly, UTF-8 checked, no key twice in an
 * object); NULL with "FILE:LINE:COL: ..." in d. */
struct json_object *ws_json_parse(const char *path, const char *text, size_t len, ws_diag *d);
/* "a string", "an array", ... for messages that say what was found. */
const char *ws_json_type_text(const struct json_object *o);

/* A port list (JSON array) into range items; vars resolve "$name" (NULL:
 * variables not allowed). where/field name the place in messages.
 * Returns false after reporting in d. */
struct json_object;
bool ws_port_list_parse(struct json_object *arr, const ws_pack *p, bool allow_vars,
                        ws_port_item **out, size_t *n, ws_diag *d, const char *where,
                        const char *field);

#endif

/* case.c - finding regression cases under a folder and reading case.json.
 * specification: doc/corpus.md, "Cases" and "case.json" */
#include "corpus.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CASE_FILE "case.json"
#define SIDECAR ".case.json"
#define MAX_DEPTH 64 /* folders below the one searched */

static const char *const capture_exts[] = {".pcap", ".pcapng", ".cap"};

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* a + "/" + b, or b alone when it is absolute or a is empty or ".". */
static char *join(const char *a, const char *b)
{
    if (b[0] == '/' || !a[0] || !strcmp(a, "."))
        return xstrdup(b);
    size_t la = strlen(a), lb = strlen(b);
    while (la > 1 && a[la - 1] == '/')
        la--;
    char *s = malloc(la + lb + 2);
    if (!s)
        return NULL;
    memcpy(s, a, la);
    s[la] = '/';
    memcpy(s + la + 1, b, lb + 1);
    return s;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

static bool is_capture(const char *name)
{
    for (size_t i = 0; i < sizeof(capture_exts) / sizeof(capture_exts[0]); i++)
        if (ends_with(name, capture_exts[i]) && strlen(name) > strlen(capture_exts[i]))
            return true;
    return false;
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Why path is not a readable file. */
static const char *file_problem(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT ? "no such file" : strerror(errno);
    return S_ISDIR(st.st_mode) ? "a folder, not a file" : "not a regular file";
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- finding cases ------------------------------------------------------- */

static bool add_ref(ws_case_list *l, const char *name, const char *file, const char *dir,
                    const char *stem)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        ws_case_ref *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return false;
        l->v = v;
        l->cap = cap;
    }
    ws_case_ref *r = &l->v[l->n];
    r->name = xstrdup(name);
    r->file = xstrdup(file);
    r->dir = xstrdup(dir);
    r->stem = stem ? xstrdup(stem) : NULL;
    if (!r->name || !r->file || !r->dir || (stem && !r->stem)) {
        free(r->name);
        free(r->file);
        free(r->dir);
        free(r->stem);
        return false;
    }
    l->n++;
    return true;
}

void ws_case_list_free(ws_case_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].file);
        free(l->v[i].dir);
        free(l->v[i].stem);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Entries of a folder, in name order, without "." names. */
static char **list_dir(const char *path, size_t *n, char *err, size_t errlen)
{
    *n = 0;
    DIR *d = opendir(path);
    if (!d) {
        seterr(err, errlen, "%s: cannot read the folder: %s", path, strerror(errno));
        return NULL;
    }
    char **v = NULL;
    size_t cap = 0;
    struct dirent *e;
    bool ok = true;
    while (ok && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (*n == cap) {
            size_t c = cap ? cap * 2 : 32;
            char **nv = realloc(v, c * sizeof(*nv));
            if (!nv) {
                ok = false;
                break;
            }
            v = nv;
            cap = c;
        }
        if (!(v[*n] = xstrdup(e->d_name)))
            ok = false;
        else
            (*n)++;
    }
    closedir(d);
    if (!ok) {
        for (size_t i = 0; i < *n; i++)
            free(v[i]);
        free(v);
        *n = 0;
        seterr(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if (*n)
        qsort(v, *n, sizeof(*v), cmp_name);
    else if (!v)
        v = malloc(sizeof(*v)); /* an empty folder is not an error */
    if (!v)
        seterr(err, errlen, "%s: out of memory", path);
    return v;
}

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Searches path (shown as rel in case names, "" at the top). */
static bool walk(ws_case_list *l, const char *path, const char *rel, int depth, char *err,
                 size_t errlen)
{
    if (depth > MAX_DEPTH) {
        seterr(err, errlen, "%s: folders nested more than %d deep", path, MAX_DEPTH);
        return false;
    }
    size_t n;
    char **names = list_dir(path, &n, err, errlen);
    if (!names)
        return false;
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        const char *nm = names[i];
        char *full = join(path, nm);
        char *r = rel[0] ? join(rel, nm) : xstrdup(nm);
        if (!full || !r) {
            seterr(err, errlen, "%s: out of memory", path);
            ok = false;
        } else if (is_dir(full)) {
            struct stat st;
            char *cf = join(full, CASE_FILE);
            if (!cf) {
                seterr(err, errlen, "%s: out of memory", path);
                ok = false;
            } else if (lstat(full, &st) == 0 && S_ISLNK(st.st_mode)) {
                /* not followed: a link could make the search endless */
            } else if (is_file(cf)) {
                ok = add_ref(l, r, cf, full, NULL);
                if (!ok)
                    seterr(err, errlen, "%s: out of memory", path);
            } else {
                ok = walk(l, full, r, depth + 1, err, errlen);
            }
            free(cf);
        } else if (ends_with(nm, SIDECAR) && strlen(nm) > strlen(SIDECAR) && is_file(full)) {
            size_t ln = strlen(r) - strlen(SIDECAR);
            size_t sn = strlen(nm) - strlen(SIDECAR);
            r[ln] = '\0';
            char *stem = xstrdup(nm);
            if (stem)
                stem[sn] = '\0';
            ok = stem && add_ref(l, r, full, path, stem);
            if (!ok)
                seterr(err, errlen, "%s: out of memory", path);
            free(stem);
        }
        free(full);
        free(r);
    }
    free_names(names, n);
    return ok;
}

/* The folder part of path ("." when none) and its last part. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    char *d = xstrdup(path);
    if (d)
        d[slash - path] = '\0';
    return d;
}

static char *strip_slashes(const char *arg)
{
    char *s = xstrdup(arg);
    if (!s)
        return NULL;
    size_t n = strlen(s);
    while (n > 1 && s[n - 1] == '/')
        s[--n] = '\0';
    return s;
}

bool ws_corpus_find(ws_case_list *l, const char *arg, char *err, size_t errlen)
{
    char *a = strip_slashes(arg);
    if (!a) {
        seterr(err, errlen, "out of memory");
        return false;
    }
    bool ok = false;
    struct stat st;
    if (stat(a, &st) != 0) {
        seterr(err, errlen, "%s: %s", arg, strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
        char *cf = join(a, CASE_FILE);
        if (!cf)
            seterr(err, errlen, "out of memory");
        else if (is_file(cf))
            ok = add_ref(l, a, cf, a, NULL) || (seterr(err, errlen, "out of memory"), false);
        else
            ok = walk(l, a, "", 0, err, errlen);
        free(cf);
    } else {
        /* A case file, or a capture with a sidecar. */
        char *dir = dir_of(a);
        const char *base = strrchr(a, '/') ? strrchr(a, '/') + 1 : a;
        char *stem = xstrdup(base);
        char *name = xstrdup(a);
        char *file = NULL;
        if (!dir || !stem || !name) {
            seterr(err, errlen, "out of memory");
        } else if (!strcmp(base, CASE_FILE)) {
            name[strlen(name) - strlen(CASE_FILE)] = '\0';
            if (strlen(name) > 1)
                name[strlen(name) - 1] = '\0'; /* the slash */
            else
                strcpy(name, ".");
            ok = add_ref(l, name, a, dir, NULL) || (seterr(err, errlen, "out of memory"), false);
        } else if (ends_with(base, SIDECAR) && strlen(base) > strlen(SIDECAR)) {
            stem[strlen(stem) - strlen(SIDECAR)] = '\0';
            name[strlen(name) - strlen(SIDECAR)] = '\0';
            ok = add_ref(l, name, a, dir, stem) || (seterr(err, errlen, "out of memory"), false);
        } else if (is_capture(base)) {
            *strrchr(stem, '.') = '\0';
            *strrchr(name, '.') = '\0';
            size_t n = strlen(name) + sizeof(SIDECAR);
            if ((file = malloc(n))) {
                snprintf(file, n, "%s%s", name, SIDECAR);
                if (is_file(file))
                    ok = add_ref(l, name, file, dir, stem) ||
                         (seterr(err, errlen, "out of memory"), false);
                else
                    seterr(err, errlen, "%s: a capture without a case (no %s beside it)", arg,
                           file);
            } else {
                seterr(err, errlen, "out of memory");
            }
        } else {
            seterr(err, errlen, "%s: not a case (a folder, a case.json, a NAME.case.json, "
                                "or a capture with one beside it)", arg);
        }
        free(dir);
        free(stem);
        free(name);
        free(file);
    }
    free(a);
    return ok;
}

bool ws_corpus_dir_has_captures(const char *dir)
{
    char err[16];
    size_t n;
    char **names = list_dir(dir, &n, err, sizeof(err));
    if (!names)
        return false;
    bool found = false;
    for (size_t i = 0; !found && i < n; i++) {
        char *full = join(dir, names[i]);
        found = full && is_capture(names[i]) && is_file(full);
        free(full);
    }
    free_names(names, n);
    return found;
}

/* ---- reading case.json --------------------------------------------------- */

int ws_corpus_severity(const char *s)
{
    static const char *const names[] = {"info", "low", "medium", "high"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, names[i]))
            return i;
    return -1;
}

static bool add_str(char ***v, size_t *n, char *s)
{
    if (!s)
        return false;
    char **nv = realloc(*v, (*n + 1) * sizeof(*nv));
    if (!nv) {
        free(s);
        return false;
    }
    *v = nv;
    nv[(*n)++] = s;
    return true;
}

void ws_case_free(ws_case *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_captures; i++)
        free(c->captures[i]);
    free(c->captures);
    for (size_t i = 0; i < c->n_packs; i++)
        free(c->packs[i]);
    free(c->packs);
    free(c->site);
    free(c->file);
    json_object_put(c->root);
    free(c);
}

/* The file's text, NUL-terminated; NULL with errno set. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *nb = cap < ((size_t)1 << 26) ? realloc(buf, cap * 2) : NULL;
            if (!nb) {
                free(buf);
                buf = NULL;
                errno = EFBIG;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                free(buf);
                buf = NULL;
                errno = EIO;
            }
            break;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

static json_object *parse_file(const char *path, char *err, size_t errlen)
{
    char *text = read_text(path);
    if (!text) {
        seterr(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    json_tokener *tok = json_tokener_new();
    if (!tok) {
        free(text);
        seterr(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    size_t len = strlen(text);
    json_object *o = json_tokener_parse_ex(tok, text, (int)(len > INT32_MAX ? INT32_MAX : len));
    enum json_tokener_error je = json_tokener_get_error(tok);
    if (!o || je != json_tokener_success || (size_t)tok->char_offset < len) {
        size_t off = (size_t)tok->char_offset;
        bool trailing = o && je == json_tokener_success;
        /* Trailing white space after the object is fine. */
        while (trailing && off < len && strchr(" \t\r\n", text[off]))
            off++;
        if (!trailing || off < len) {
            size_t line = 1;
            for (size_t i = 0; i < off && i < len; i++)
                line += text[i] == '\n';
            seterr(err, errlen, "%s: line %zu: not valid JSON (%s)", path, line,
                   trailing ? "text after the object" :
                   je == json_tokener_continue ? "unexpected end of file" :
                   json_tokener_error_desc(je));
            json_object_put(o);
            o = NULL;
        }
    }
    json_tokener_free(tok);
    free(text);
    return o;
}

static const char *const case_fields[] = {
    "description", "source", "document", "captures", "site", "rules", "limits", "filter",
    "findings", "other_findings", "ignore_findings_below", "flows", "coverage", "stats", "skip",
};

/* Checks the keys and values of every expectation in an array (expect.c). */
bool ws_corpus_check_expectations(const char *file, const char *section, json_object *arr,
                                  char *err, size_t errlen);
bool ws_corpus_check_stats(const char *file, json_object *stats, char *err, size_t errlen);

static bool want_string(const char *file, json_object *root, const char *key, bool required,
                        const char **out, char *err, size_t errlen)
{
    json_object *v;
    *out = NULL;
    if (!json_object_object_get_ex(root, key, &v)) {
        if (required)
            seterr(err, errlen, "%s: \"%s\" is required (doc/corpus.md)", file, key);
        return !required;
    }
    if (!json_object_is_type(v, json_type_string) || !json_object_get_string_len(v)) {
        seterr(err, errlen, "%s: \"%s\" must be a non-empty string", file, key);
        return false;
    }
    *out = json_object_get_string(v);
    return true;
}

/* Default captures of a folder case: every capture in it, in name order. */
static bool default_captures(ws_case *c, const char *dir, char *err, size_t errlen)
{
    size_t n;
    char **names = list_dir(dir, &n, err, errlen);
    if (!names)
        return false;
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        char *full = join(dir, names[i]);
        if (full && is_capture(names[i]) && is_file(full)) {
            ok = add_str(&c->captures, &c->n_captures, full);
        } else {
            ok = full != NULL;
            free(full);
        }
    }
    free_names(names, n);
    if (!ok)
        seterr(err, errlen, "%s: out of memory", dir);
    return ok;
}

static bool sidecar_capture(ws_case *c, const ws_case_ref *ref, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof(capture_exts) / sizeof(capture_exts[0]); i++) {
        size_t n = strlen(ref->stem) + strlen(capture_exts[i]) + 1;
        char *nm = malloc(n);
        if (!nm)
            break;
        snprintf(nm, n, "%s%s", ref->stem, capture_exts[i]);
        char *full = join(ref->dir, nm);
        free(nm);
        if (full && is_file(full))
            return add_str(&c->captures, &c->n_captures, full) ||
                   (seterr(err, errlen, "out of memory"), false);
        free(full);
    }
    seterr(err, errlen, "%s: no capture %s.pcap, %s.pcapng or %s.cap beside it, and no "
                        "\"captures\"", ref->file, ref->stem, ref->stem, ref->stem);
    return false;
}

static bool load_captures(ws_case *c, const ws_case_ref *ref, json_object *root, char *err,
                          size_t errlen)
{
    json_object *v;
    if (!json_object_object_get_ex(root, "captures", &v)) {
        if (ref->stem)
            return sidecar_capture(c, ref, err, errlen);
        if (!default_captures(c, ref->dir, err, errlen))
            return false;
        if (!c->n_captures) {
            seterr(err, errlen, "%s: no capture (*.pcap, *.pcapng, *.cap) in %s", ref->file,
                   ref->dir);
            return false;
        }
        return true;
    }
    if (!json_object_is_type(v, json_type_array) || !json_object_array_length(v)) {
        seterr(err, errlen, "%s: \"captures\" must be a non-empty array of file names", ref->file);
        return false;
    }
    for (size_t i = 0; i < json_object_array_length(v); i++) {
        json_object *e = json_object_array_get_idx(v, i);
        if (!json_object_is_type(e, json_type_string) || !json_object_get_string_len(e)) {
            seterr(err, errlen, "%s: captures[%zu] must be a file name", ref->file, i);
            return false;
        }
        char *full = join(ref->dir, json_object_get_string(e));
        if (!add_str(&c->captures, &c->n_captures, full)) {
            seterr(err, errlen, "out of memory");
            return false;
        }
        if (!is_file(full)) {
            seterr(err, errlen, "%s: captures[%zu]: %s: %s", ref->file, i, full, file_problem(full));
            return false;
        }
    }
    return true;
}

static bool load_site(ws_case *c, const ws_case_ref *ref, json_object *root, char *err,
                      size_t errlen)
{
    json_object *v;
    if (!json_object_object_get_ex(root, "site", &v)) {
        char *def;
        if (ref->stem) {
            size_t n = strlen(ref->stem) + sizeof(".site.json");
            char *nm = malloc(n);
            if (!nm)
                return false;
            snprintf(nm, n, "%s.site.json", ref->stem);
            def = join(ref->dir, nm);
            free(nm);
        } else {
            def = join(ref->dir, "site.json");
        }
        if (!def) {
            seterr(err, errlen, "out of memory");
            return false;
        }
        if (is_file(def))
            c->site = def;
        else
            free(def);
        return true;
    }
    if (json_object_is_type(v, json_type_null))
        return true;
    if (!json_object_is_type(v, json_type_string) || !json_object_get_string_len(v)) {
        seterr(err, errlen, "%s: \"site\" must be a file name or null", ref->file);
        return false;
    }
    if (!(c->site = join(ref->dir, json_object_get_string(v)))) {
        seterr(err, errlen, "out of memory");
        return false;
    }
    if (!is_file(c->site)) {
        seterr(err, errlen, "%s: site: %s: %s", ref->file, c->site, file_problem(c->site));
        return false;
    }
    return true;
}

static bool load_rules(ws_case *c, const ws_case_ref *ref, json_object *root, char *err,
                       size_t errlen)
{
    json_object *v;
    if (!json_object_object_get_ex(root, "rules", &v))
        return true;
    if (!json_object_is_type(v, json_type_array) || !json_object_array_length(v)) {
        seterr(err, errlen, "%s: \"rules\" must be a non-empty array of pack names or files "
                            "(leave it out for every shipped pack)", ref->file);
        return false;
    }
    for (size_t i = 0; i < json_object_array_length(v); i++) {
        json_object *e = json_object_array_get_idx(v, i);
        if (!json_object_is_type(e, json_type_string) || !json_object_get_string_len(e)) {
            seterr(err, errlen, "%s: rules[%zu] must be a pack name or a pack file", ref->file, i);
            return false;
        }
        const char *s = json_object_get_string(e);
        /* A file (it has a slash or ends in .json) is relative to the case;
         * a bare name is a shipped pack, as --rules takes it. */
        char *p = strchr(s, '/') || strstr(s, ".json") ? join(ref->dir, s) : xstrdup(s);
        if (!add_str(&c->packs, &c->n_packs, p)) {
            seterr(err, errlen, "out of memory");
            return false;
        }
    }
    return true;
}

static bool load_options(ws_case *c, const char *file, json_object *root, char *err,
                         size_t errlen)
{
    json_object *v;
    if (json_object_object_get_ex(root, "limits", &v)) {
        if (!json_object_is_type(v, json_type_object)) {
            seterr(err, errlen, "%s: \"limits\" must be an object of limit settings", file);
            return false;
        }
        json_object_object_foreach(v, k, val) {
            if (!json_object_is_type(val, json_type_int) &&
                !json_object_is_type(val, json_type_string)) {
                seterr(err, errlen, "%s: limits.%s must be a number or a string (\"16M\")", file, k);
                return false;
            }
        }
    }
    if (!want_string(file, root, "filter", false, &c->filter, err, errlen))
        return false;
    const char *s;
    if (!want_string(file, root, "other_findings", false, &s, err, errlen))
        return false;
    c->other = WS_OTHER_FAIL;
    if (s && !strcmp(s, "ignore"))
        c->other = WS_OTHER_IGNORE;
    else if (s && strcmp(s, "fail")) {
        seterr(err, errlen, "%s: other_findings: \"%s\" is not \"fail\" or \"ignore\"", file, s);
        return false;
    }
    if (!want_string(file, root, "ignore_findings_below", false, &s, err, errlen))
        return false;
    c->ignore_below = -1;
    if (s && (c->ignore_below = ws_corpus_severity(s)) < 0) {
        seterr(err, errlen, "%s: ignore_findings_below: \"%s\" is not info, low, medium or high",
               file, s);
        return false;
    }
    static const char *const arrays[] = {"findings", "flows", "coverage"};
    json_object **dest[] = {&c->findings, &c->flows, &c->coverage};
    for (size_t i = 0; i < 3; i++) {
        if (!json_object_object_get_ex(root, arrays[i], &v))
            continue;
        if (!json_object_is_type(v, json_type_array)) {
            seterr(err, errlen, "%s: \"%s\" must be an array of expectations", file, arrays[i]);
            return false;
        }
        if (!ws_corpus_check_expectations(file, arrays[i], v, err, errlen))
            return false;
        *dest[i] = v;
    }
    if (json_object_object_get_ex(root, "stats", &v)) {
        if (!ws_corpus_check_stats(file, v, err, errlen))
            return false;
        c->stats = v;
    }
    return true;
}

ws_case *ws_case_load(const ws_case_ref *ref, char *err, size_t errlen)
{
    ws_case *c = calloc(1, sizeof(*c));
    if (!c || !(c->file = xstrdup(ref->file))) {
        free(c);
        seterr(err, errlen, "out of memory");
        return NULL;
    }
    c->ignore_below = -1;
    json_object *root = c->root = parse_file(ref->file, err, errlen);
    if (!root)
        goto fail;
    if (!json_object_is_type(root, json_type_object)) {
        seterr(err, errlen, "%s: a case is a JSON object", ref->file);
        goto fail;
    }
    json_object_object_foreach(root, key, val) {
        (void)val;
        bool known = false;
        for (size_t i = 0; i < sizeof(case_fields) / sizeof(case_fields[0]); i++)
            known |= !strcmp(key, case_fields[i]);
        if (!known) {
            seterr(err, errlen, "%s: unknown field \"%s\" (doc/corpus.md lists the fields)",
                   ref->file, key);
            goto fail;
        }
    }
    const char *doc;
    if (!want_string(ref->file, root, "description", true, &c->description, err, errlen) ||
        !want_string(ref->file, root, "source", true, &c->source, err, errlen) ||
        !want_string(ref->file, root, "document", false, &doc, err, errlen) ||
        !want_string(ref->file, root, "skip", false, &c->skip, err, errlen) ||
        !load_options(c, ref->file, root, err, errlen) ||
        !load_rules(c, ref, root, err, errlen))
        goto fail;
    if (c->skip)
        return c;
    if (!load_captures(c, ref, root, err, errlen) || !load_site(c, ref, root, err, errlen))
        goto fail;
    return c;
fail:
    ws_case_free(c);
    return NULL;
}

bool ws_case_limits(const ws_case *c, ws_limits *l, char *err, size_t errlen)
{
    json_object *v;
    if (!json_object_object_get_ex(c->root, "limits", &v))
        return true;
    json_object_object_foreach(v, k, val) {
        char msg[256];
        if (!ws_limits_set(l, k, json_object_get_string(val), msg, sizeof(msg))) {
            seterr(err, errlen, "%s: limits.%s: %s", c->file, k, msg);
            return false;
        }
    }
    return true;
}

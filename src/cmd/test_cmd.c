/* test_cmd.c - `wirespec test`: audits every regression case of a corpus in
 * this process and compares each report with what the case expects.
 * specification: doc/corpus.md; JUnit XML as Jenkins and GitLab read it
 * (testsuites/testsuite/testcase with failure, error and skipped) */
#include "cmd.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "common/limits.h"
#include "corpus/corpus.h"
#include "report/report.h"

#define DEFAULT_DIR "captures"
#define MAX_STDERR (64 * 1024) /* bytes of loader messages kept per case */

typedef struct result {
    const ws_case_ref *ref;
    ws_case_status status;
    char *message;  /* ERROR: what; SKIP: the reason; FAIL: the first failed line */
    char *details;  /* FAIL: every failed line; ERROR: further messages */
    double seconds;
} result;

typedef struct opts {
    const char *junit;
    bool update;
    bool verbose;
} opts;

static void usage_test(FILE *out)
{
    fprintf(out,
            "Usage: %s test [options] [DIR|CASE...]\n"
            "\n"
            "Audits every case under each DIR (default: %s) with the case's packs\n"
            "and site file, and compares the report with the findings, flows,\n"
            "coverage and stats the case expects (doc/corpus.md). A case is a folder\n"
            "holding case.json, or NAME.case.json beside NAME.pcap.\n"
            "\n"
            "Options:\n"
            "      --junit FILE  also write the results as JUnit XML to FILE\n"
            "      --update      rewrite each case's findings from what is reported now\n"
            "                    (review every line against the vendor document!)\n"
            "  -v, --verbose     print each case's findings\n"
            "  -h, --help        this help\n"
            "\n"
            "Exit status: 0 every case passed or was skipped, 1 a case failed,\n"
            "2 a case could not run or the arguments are wrong.\n",
            ws_prog, DEFAULT_DIR);
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the loader's messages ----------------------------------------------- */

/* ws_rules_open prints what is wrong with a pack or site on stderr; the case
 * result carries it, so stderr goes to a temporary file meanwhile. */
typedef struct capture_err {
    FILE *tmp;
    int saved;
} capture_err;

static void capture_begin(capture_err *c)
{
    fflush(stderr);
    c->saved = -1;
    c->tmp = tmpfile();
    if (!c->tmp)
        return;
    c->saved = dup(STDERR_FILENO);
    if (c->saved < 0 || dup2(fileno(c->tmp), STDERR_FILENO) < 0) {
        if (c->saved >= 0)
            close(c->saved);
        fclose(c->tmp);
        c->tmp = NULL;
        c->saved = -1;
    }
}

/* Restores stderr; returns what was written, without the program name in
 * front of each line (NULL when nothing or on error). */
static char *capture_end(capture_err *c)
{
    if (!c->tmp)
        return NULL;
    fflush(stderr);
    dup2(c->saved, STDERR_FILENO);
    close(c->saved);
    char *buf = malloc(MAX_STDERR + 1);
    size_t n = 0;
    if (buf) {
        rewind(c->tmp);
        n = fread(buf, 1, MAX_STDERR, c->tmp);
        buf[n] = '\0';
    }
    fclose(c->tmp);
    if (!buf || !n) {
        free(buf);
        return NULL;
    }
    /* "wirespec: x.site.json: ..." -> "x.site.json: ..." */
    size_t plen = strlen(ws_prog);
    char *w = buf;
    for (char *r = buf; *r;) {
        if (!strncmp(r, ws_prog, plen) && r[plen] == ':' && r[plen + 1] == ' ')
            r += plen + 2;
        while (*r && *r != '\n')
            *w++ = *r++;
        if (*r)
            *w++ = *r++;
    }
    *w = '\0';
    while (w > buf && w[-1] == '\n')
        *--w = '\0';
    return buf;
}

/* ---- one case ------------------------------------------------------------ */

static void set_error(result *r, const char *msg, char *more)
{
    r->status = WS_CASE_ERROR;
    free(r->message);
    r->message = xstrdup(msg);
    free(r->details);
    r->details = more;
}

/* Sets message to the first line of details, without its indent. */
static void first_line(result *r)
{
    if (!r->details)
        return;
    const char *s = r->details;
    while (*s == ' ')
        s++;
    size_t n = strcspn(s, "\n");
    r->message = malloc(n + 1);
    if (r->message) {
        memcpy(r->message, s, n);
        r->message[n] = '\0';
    }
}

/* The findings, one line each, for --verbose. */
static void put_findings(FILE *out, struct json_object *report)
{
    struct json_object *a;
    if (!json_object_object_get_ex(report, "findings", &a) || !json_object_array_length(a)) {
        fputs("  (no findings)\n", out);
        return;
    }
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        fputs("  finding: ", out);
        ws_corpus_describe(out, "findings", json_object_array_get_idx(a, i));
        fputs("\n", out);
    }
}

static void run_case(const opts *o, const ws_case_ref *ref, result *r, char **notes)
{
    char err[1024];
    *notes = NULL;
    ws_case *c = ws_case_load(ref, err, sizeof(err));
    if (!c) {
        set_error(r, err, NULL);
        return;
    }
    if (c->skip) {
        r->status = WS_CASE_SKIP;
        r->message = xstrdup(c->skip);
        ws_case_free(c);
        return;
    }
    ws_limits limits;
    ws_limits_default(&limits);
    if (!ws_case_limits(c, &limits, err, sizeof(err))) {
        set_error(r, err, NULL);
        ws_case_free(c);
        return;
    }

    ws_rules_args ra;
    memset(&ra, 0, sizeof(ra));
    bool oom = false;
    for (size_t i = 0; i < c->n_packs; i++)
        oom |= !ws_rules_args_add(&ra.packs, &ra.n_packs, &ra.cap_packs, c->packs[i]);
    ra.site = c->site;
    ws_site *site = NULL;
    ws_ruleset *rs = NULL;
    if (!oom) {
        capture_err ce;
        capture_begin(&ce);
        rs = ws_rules_open("test", &ra, &site);
        char *msgs = capture_end(&ce);
        if (!rs) {
            snprintf(err, sizeof(err), "%s: cannot load its rule packs%s%s", c->file,
                     c->site ? " or site file " : "", c->site ? c->site : "");
            set_error(r, err, msgs);
        } else {
            *notes = msgs; /* warnings */
        }
    } else {
        set_error(r, "out of memory", NULL);
    }
    ws_rules_args_free(&ra);
    if (!rs) {
        ws_case_free(c);
        return;
    }

    ws_run *run = ws_run_new(&limits, c->captures, c->n_captures, c->filter, err, sizeof(err));
    if (!run) {
        char msg[1200];
        snprintf(msg, sizeof(msg), "%s: %s", c->file, err);
        set_error(r, msg, NULL);
        ws_rules_close(rs, site);
        ws_case_free(c);
        return;
    }
    struct json_object *report = NULL;
    if (!ws_run_set_checks(run, rs, site)) {
        set_error(r, "out of memory", NULL);
        goto done;
    }
    size_t failed = ws_run_audit(run);
    const ws_source *src = ws_run_source(run);
    for (size_t i = 0; i < ws_source_count(src); i++) {
        const ws_input *in = ws_source_input(src, i);
        if (in->error) {
            snprintf(err, sizeof(err), "%s: %s", in->path, in->error);
            set_error(r, err, NULL);
            goto done;
        }
    }
    if (failed) {
        set_error(r, "a capture could not be read to its end", NULL);
        goto done;
    }
    if (!(report = ws_report_json_object(run))) {
        set_error(r, "out of memory", NULL);
        goto done;
    }
    if (o->update) {
        long n = ws_case_update(c, report, err, sizeof(err));
        if (n < 0) {
            set_error(r, err, NULL);
            goto done;
        }
        printf("UPDATED %s: %ld finding expectation%s written to %s; review each against the "
               "vendor document\n", ref->name, n, n == 1 ? "" : "s", c->file);
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out) {
        set_error(r, "out of memory", NULL);
        goto done;
    }
    r->status = ws_case_match(c, report, out, err, sizeof(err));
    if (o->verbose)
        put_findings(out, report);
    if (fclose(out) != 0 || !buf) {
        free(buf);
        set_error(r, "out of memory", NULL);
        goto done;
    }
    if (r->status == WS_CASE_ERROR) {
        free(buf);
        set_error(r, err, NULL);
    } else {
        r->details = len ? buf : (free(buf), NULL);
        if (r->status == WS_CASE_FAIL)
            first_line(r);
    }
done:
    json_object_put(report);
    ws_run_free(run);
    ws_rules_close(rs, site);
    ws_case_free(c);
}

static void print_result(const result *r, const char *notes)
{
    const char *name = r->ref->name;
    switch (r->status) {
    case WS_CASE_PASS:
        printf("PASS %s\n", name);
        break;
    case WS_CASE_FAIL:
        printf("FAIL %s\n", name);
        break;
    case WS_CASE_SKIP:
        printf("SKIP %s (%s)\n", name, r->message ? r->message : "");
        break;
    case WS_CASE_ERROR:
        printf("ERROR %s: %s\n", name, r->message ? r->message : "out of memory");
        break;
    }
    const char *more = r->details;
    for (int k = 0; k < 2; k++, more = notes) {
        if (!more)
            continue;
        /* Match results come indented; the loader's messages do not. */
        bool indent = more == notes || r->status == WS_CASE_ERROR;
        for (const char *s = more; *s;) {
            size_t n = strcspn(s, "\n");
            printf("%s%.*s\n", indent ? "  " : "", (int)n, s);
            s += n + (s[n] ? 1 : 0);
        }
    }
}

/* ---- JUnit --------------------------------------------------------------- */

/* The folder that holds the case: a folder case's parent, a sidecar's folder. */
static void xml_classname(FILE *out, const ws_case_ref *ref)
{
    char *d = xstrdup(ref->dir);
    if (!d)
        return;
    char *slash = strrchr(d, '/');
    if (!ref->stem && slash && slash != d)
        *slash = '\0';
    else if (!ref->stem)
        strcpy(d, slash ? "/" : ".");
    ws_xml_text(out, d);
    free(d);
}

static bool write_junit(const char *path, const result *rs, size_t n, double total)
{
    size_t counts[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < n; i++)
        counts[rs[i].status]++;
    ws_out o;
    if (ws_out_open(&o, "test", path) != 0)
        return false;
    FILE *out = o.fp;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    for (int level = 0; level < 2; level++)
        fprintf(out, "%s<%s name=\"wirespec\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
                     "skipped=\"%zu\" time=\"%.3f\">\n",
                level ? "  " : "", level ? "testsuite" : "testsuites", n, counts[WS_CASE_FAIL],
                counts[WS_CASE_ERROR], counts[WS_CASE_SKIP], total);
    for (size_t i = 0; i < n; i++) {
        const result *r = &rs[i];
        fputs("    <testcase classname=\"", out);
        xml_classname(out, r->ref);
        fputs("\" name=\"", out);
        ws_xml_text(out, r->ref->name);
        fprintf(out, "\" time=\"%.3f\"", r->seconds);
        if (r->status == WS_CASE_PASS) {
            fputs("/>\n", out);
            continue;
        }
        fputs(">\n      ", out);
        if (r->status == WS_CASE_SKIP) {
            fputs("<skipped message=\"", out);
            ws_xml_text(out, r->message);
            fputs("\"/>", out);
        } else {
            const char *tag = r->status == WS_CASE_FAIL ? "failure" : "error";
            fprintf(out, "<%s message=\"", tag);
            ws_xml_text(out, r->message);
            fputs("\">", out);
            ws_xml_text(out, r->details ? r->details : r->message);
            fprintf(out, "</%s>", tag);
        }
        fputs("\n    </testcase>\n", out);
    }
    fputs("  </testsuite>\n</testsuites>\n", out);
    return ws_out_close(&o, true) == 0;
}

/* ---- the command --------------------------------------------------------- */

/* --update FOLDER on a folder of captures with no case in it: writes a
 * case.json to be filled. */
static bool create_if_asked(const char *arg, ws_case_list *l, size_t before)
{
    char err[1024];
    size_t n = strlen(arg) + sizeof("/case.json");
    char *cf = malloc(n);
    if (!cf)
        return false;
    snprintf(cf, n, "%s/case.json", arg);
    bool made = false;
    if (l->n == before && access(cf, F_OK) != 0 && ws_corpus_dir_has_captures(arg)) {
        if (ws_case_create(arg, err, sizeof(err))) {
            printf("CREATED %s: write its \"description\" and \"source\" (they say TODO)\n", cf);
            made = true;
        } else {
            fprintf(stderr, "%s test: %s\n", ws_prog, err);
        }
    }
    free(cf);
    return made;
}

int ws_cmd_test(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"junit", required_argument, NULL, 'J'},
        {"update", no_argument, NULL, 'U'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opts o = {NULL, false, false};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'J':
            if (o.junit) {
                fprintf(stderr, "%s test: --junit given twice (\"%s\", then \"%s\"); give it "
                        "once\n", ws_prog, o.junit, optarg);
                return EXIT_USAGE;
            }
            o.junit = optarg;
            break;
        case 'U':
            o.update = true;
            break;
        case 'v':
            o.verbose = true;
            break;
        case 'h':
            usage_test(stdout);
            return 0;
        default:
            fprintf(stderr, "Try '%s test --help'.\n", ws_prog);
            return EXIT_USAGE;
        }
    }

    if (o.update && o.junit) {
        /* --update rewrites the cases' findings from this very run, so it
         * tests nothing about them: a JUnit file of it would report passes
         * that were never tested. */
        fprintf(stderr, "%s test: --update and --junit exclude each other (--update rewrites "
                "the expectations; run the test again, with --junit, to report it)\n", ws_prog);
        return EXIT_USAGE;
    }

    ws_case_list l;
    memset(&l, 0, sizeof(l));
    char *const def[] = {(char *)DEFAULT_DIR};
    char *const *args = optind < argc ? argv + optind : def;
    size_t nargs = optind < argc ? (size_t)(argc - optind) : 1;
    int rc = 0;
    for (size_t i = 0; i < nargs; i++) {
        char err[1024];
        size_t before = l.n;
        bool ok = ws_corpus_find(&l, args[i], err, sizeof(err));
        if (ok && o.update && create_if_asked(args[i], &l, before))
            ok = ws_corpus_find(&l, args[i], err, sizeof(err));
        if (!ok) {
            fprintf(stderr, "%s test: %s\n", ws_prog, err);
            rc = EXIT_USAGE;
        }
    }
    if (rc) {
        ws_case_list_free(&l);
        return rc;
    }

    result *rs = calloc(l.n ? l.n : 1, sizeof(*rs));
    if (!rs) {
        fprintf(stderr, "%s test: out of memory\n", ws_prog);
        ws_case_list_free(&l);
        return EXIT_USAGE;
    }
    size_t counts[4] = {0, 0, 0, 0};
    double start = now_s();
    for (size_t i = 0; i < l.n; i++) {
        result *r = &rs[i];
        r->ref = &l.v[i];
        double t0 = now_s();
        char *notes;
        run_case(&o, r->ref, r, &notes);
        r->seconds = now_s() - t0;
        print_result(r, notes);
        free(notes);
        fflush(stdout);
        counts[r->status]++;
    }
    double total = now_s() - start;
    printf("%zu passed, %zu failed, %zu skipped", counts[WS_CASE_PASS], counts[WS_CASE_FAIL],
           counts[WS_CASE_SKIP]);
    if (counts[WS_CASE_ERROR])
        printf(", %zu error%s", counts[WS_CASE_ERROR], counts[WS_CASE_ERROR] == 1 ? "" : "s");
    printf("\n");
    fflush(stdout);

    if (counts[WS_CASE_ERROR])
        rc = EXIT_USAGE;
    else if (counts[WS_CASE_FAIL])
        rc = EXIT_FINDINGS;
    if (o.junit && !write_junit(o.junit, rs, l.n, total))
        rc = EXIT_USAGE;
    for (size_t i = 0; i < l.n; i++) {
        free(rs[i].message);
        free(rs[i].details);
    }
    free(rs);
    ws_case_list_free(&l);
    return rc;
}

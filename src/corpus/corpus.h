/* corpus.h - regression cases over recorded captures: finding the cases
 * under a folder, reading case.json, and matching a case's expectations
 * against a JSON report (doc/corpus.md). */
#ifndef WS_CORPUS_H
#define WS_CORPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/limits.h"

struct json_object;

/* ---- finding cases (case.c) ---------------------------------------------- */

/* Where a case is; every string is owned by the list. */
typedef struct ws_case_ref {
    char *name;   /* its path relative to the folder searched, without
                     "/case.json" or ".case.json" */
    char *file;   /* the case file: DIR/case.json or DIR/NAME.case.json */
    char *dir;    /* the folder the case's relative paths start from */
    char *stem;   /* a sidecar's NAME (captures NAME.pcap ...); NULL: folder case */
} ws_case_ref;

typedef struct ws_case_list {
    ws_case_ref *v;
    size_t n, cap;
} ws_case_list;

/*
 * Adds the cases that arg names: a folder holding case.json, a
 * NAME.case.json file, a capture with a sidecar, or a folder searched
 * recursively in name order (a folder with case.json is a leaf; names
 * starting with "." are not searched). False with a message in err when arg
 * does not exist or is none of these, or on ENOMEM.
 */
bool ws_corpus_find(ws_case_list *l, const char *arg, char *err, size_t errlen);
void ws_case_list_free(ws_case_list *l);

/* For `--update FOLDER` on a folder without case.json: true when dir holds
 * a capture directly. */
bool ws_corpus_dir_has_captures(const char *dir);

/* ---- one case (case.c) --------------------------------------------------- */

typedef enum ws_other_findings { WS_OTHER_FAIL, WS_OTHER_IGNORE } ws_other_findings;

typedef struct ws_case {
    struct json_object *root;      /* the case file as read (kept for --update) */
    const char *description;
    const char *source;
    const char *skip;              /* NULL: run it */
    char **captures;               /* paths usable from the current directory */
    size_t n_captures;
    char *site;                    /* NULL: no site */
    char **packs;                  /* pack names, or pack file paths */
    size_t n_packs;                /* 0: every shipped pack */
    const char *filter;            /* NULL: none */
    int ignore_below;              /* severity rank (0 info .. 3 high); -1: none */
    ws_other_findings other;
    struct json_object *findings;  /* arrays of expectations, NULL when absent */
    struct json_object *flows;
    struct json_object *coverage;
    struct json_object *stats;     /* object, NULL when absent */
    char *file;                    /* the case file */
} ws_case;

/*
 * Reads and checks a case file. Returns NULL with a message in err (naming
 * the file and, for JSON, the field) when it cannot be read, is not JSON,
 * has an unknown or ill-typed field, or names a capture that does not exist.
 * A case with "skip" is returned after its fields are checked, without
 * looking at its captures.
 */
ws_case *ws_case_load(const ws_case_ref *ref, char *err, size_t errlen);
void ws_case_free(ws_case *c);

/* Applies the case's "limits" to l. False with a message in err. */
bool ws_case_limits(const ws_case *c, ws_limits *l, char *err, size_t errlen);

/* Severity rank of "info", "low", "medium", "high"; -1 for anything else. */
int ws_corpus_severity(const char *s);

/* ---- matching (expect.c) ------------------------------------------------- */

typedef enum ws_case_status {
    WS_CASE_PASS,
    WS_CASE_FAIL,
    WS_CASE_SKIP,
    WS_CASE_ERROR,
} ws_case_status;

/*
 * Matches the case's findings, flows, coverage and stats expectations
 * against report (the JSON report object). Writes what failed to out, one
 * line each, indented by two spaces ("Expected versus got" in
 * doc/corpus.md). Returns PASS or FAIL; ERROR with a message in err when an
 * expectation names a stats field the report does not have.
 */
ws_case_status ws_case_match(const ws_case *c, struct json_object *report, FILE *out,
                             char *err, size_t errlen);

/* One line naming a report object of section "findings", "flows" or
 * "coverage" (no newline), e.g. "blocked-path high 10.99.3.2:40001 ->
 * 10.99.3.3:8443/tcp rule r count 1". */
void ws_corpus_describe(FILE *out, const char *section, struct json_object *o);

/* ---- --update (expect.c) ------------------------------------------------- */

/*
 * Replaces the case's "findings" by one expectation per reported finding at
 * or above ignore_findings_below (kind, severity, rule, src, dst, transport,
 * dport, count; identical ones merged with "times"), keeping every other
 * field and its place, and rewrites the case file through a temporary file.
 * Returns the number of expectations written, -1 with a message in err.
 */
long ws_case_update(ws_case *c, struct json_object *report, char *err, size_t errlen);

/*
 * Writes DIR/case.json for a folder of captures: description and source as
 * "TODO: ..." strings and no findings, for ws_case_update to fill. False
 * with a message in err.
 */
bool ws_case_create(const char *dir, char *err, size_t errlen);

/* Writes a case object as doc/corpus.md shows it: one field per line, two
 * spaces of indent, each expectation on one line. */
bool ws_case_write_json(const char *path, struct json_object *root, char *err, size_t errlen);

#endif

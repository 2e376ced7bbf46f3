/* cmd.h - what the subcommands of the wirespec command line share. */
#ifndef WS_CMD_H
#define WS_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "rules/rules.h"

#define EXIT_FINDINGS 1
#define EXIT_USAGE 2

extern const char *ws_prog;

/* Which packs and site a command was asked for. */
typedef struct ws_rules_args {
    const char **packs;        /* --rules, in order; none: every shipped pack */
    size_t n_packs, cap_packs;
    const char *site;          /* --site */
    const char **features;     /* --feature (rules match) */
    size_t n_features, cap_features;
} ws_rules_args;

bool ws_rules_args_add(const char ***list, size_t *n, size_t *cap, const char *s);
void ws_rules_args_free(ws_rules_args *a);

/* The directory of the shipped packs: $WIRESPEC_RULES_DIR, or the built-in one. */
const char *ws_rules_dir(void);

/*
 * Loads the packs (and the site) a command asked for, printing every error
 * and warning on stderr. Returns NULL when anything is invalid. *site is
 * set (NULL without --site). app names are checked against nDPI.
 */
ws_ruleset *ws_rules_open(const char *cmd, const ws_rules_args *a, ws_site **site);
void ws_rules_close(ws_ruleset *rs, ws_site *site);

/* A report output: stdout ("-" or no path), or a file written whole or
 * not at all (output.c). Messages name cmd and the path. */
typedef struct ws_out {
    FILE *fp;
    const char *cmd;
    const char *path;   /* NULL: stdout */
    char *tmp;          /* written here, renamed to path when complete */
} ws_out;

int ws_out_open(ws_out *o, const char *cmd, const char *path);
/* ok: everything was written. Returns 0, or -1 after a message. */
int ws_out_close(ws_out *o, bool ok);

/* Prints the messages of d on stderr, one per line, after the program name. */
void ws_diag_print(const ws_diag *d);

int ws_cmd_rules(int argc, char **argv);
/* `wirespec live` (doc/live.md). */
int ws_cmd_live(int argc, char **argv);
/* `wirespec test` (doc/corpus.md). */
int ws_cmd_test(int argc, char **argv);

#endif

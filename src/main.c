/* main.c - the wirespec command line: subcommands, options, exit status.
 * The only file that exits. Exit status: 0 no finding at or above the
 * failure threshold, 1 findings, 2 the run could not be done as asked. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "cmd/cmd.h"
#include "common/limits.h"
#include "report/report.h"

const char *ws_prog = "wirespec";

static void usage_main(FILE *out)
{
    fprintf(out,
            "Usage: %s COMMAND [options]\n"
            "\n"
            "A passive network auditor: rebuilds flows from captures and checks\n"
            "them against vendors' documented port requirements.\n"
            "\n"
            "Commands:\n"
            "  audit [options] INPUT...   audit pcap/pcapng files, directories, or - (stdin)\n"
            "  rules list|show|check|match  the rule packs: list, read, check, ask\n"
            "\n"
            "Options:\n"
            "  -h, --help      this help; COMMAND --help for a command's options\n"
            "  -V, --version   print the version\n"
            "\n"
            "Exit status: 0 no findings, 1 findings, 2 the run could not be done.\n"
            "See wirespec(1).\n",
            ws_prog);
}

static void usage_audit(FILE *out)
{
    fprintf(out,
            "Usage: %s audit [options] INPUT...\n"
            "\n"
            "Reads every INPUT (a pcap or pcapng file, a directory searched\n"
            "recursively, or - for standard input), rebuilds flows and reports them.\n"
            "\n"
            "Options:\n"
            "  -f, --format FMT       text (default) or json\n"
            "  -o, --output FILE      write the report to FILE (replaced only when complete)\n"
            "      --filter BPF       read only packets matching the BPF expression\n"
            "  -L, --limit NAME=VAL   set a resource limit (repeatable); see below\n"
            "  -h, --help             this help\n"
            "\n"
            "Limits (sizes take K, M, G; durations are in seconds):\n",
            ws_prog);
    const char *desc;
    const char *name;
    for (size_t i = 0; (name = ws_limits_name(i, &desc)) != NULL; i++)
        fprintf(out, "  %-22s %s\n", name, desc);
}

/* Output goes to a temporary file beside the target, renamed when complete,
 * so that a failed run never leaves a file that looks like a report. */
typedef struct out_file {
    FILE *fp;
    const char *path;   /* NULL = stdout */
    char *tmp;
} out_file;

static int out_open(out_file *o, const char *path)
{
    o->path = path;
    o->tmp = NULL;
    if (!path || strcmp(path, "-") == 0) {
        o->path = NULL;
        o->fp = stdout;
        return 0;
    }
    size_t n = strlen(path) + 32;
    o->tmp = malloc(n);
    if (!o->tmp)
        return -1;
    snprintf(o->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    o->fp = fopen(o->tmp, "w");
    if (!o->fp) {
        fprintf(stderr, "%s: cannot write %s: %s\n", ws_prog, path, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        return -1;
    }
    return 0;
}

static int out_close(out_file *o, int ok)
{
    if (!o->path) {
        if (fflush(stdout) != 0 && ok) {
            fprintf(stderr, "%s: writing the report: %s\n", ws_prog, strerror(errno));
            ok = 0;
        }
        return ok ? 0 : -1;
    }
    if (fclose(o->fp) != 0 && ok) {
        fprintf(stderr, "%s: writing %s: %s\n", ws_prog, o->path, strerror(errno));
        ok = 0;
    }
    if (ok && rename(o->tmp, o->path) != 0) {
        fprintf(stderr, "%s: cannot write %s: %s\n", ws_prog, o->path, strerror(errno));
        ok = 0;
    }
    if (!ok)
        unlink(o->tmp);
    free(o->tmp);
    return ok ? 0 : -1;
}

static int cmd_audit(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"filter", required_argument, NULL, 'F'},
        {"limit", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    ws_limits limits;
    ws_limits_default(&limits);
    ws_format fmt = WS_FORMAT_TEXT;
    const char *output = NULL, *bpf = NULL;
    char err[512];
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:L:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!ws_format_parse(optarg, &fmt)) {
                fprintf(stderr, "%s audit: unknown format \"%s\" (expected text or json)\n", ws_prog, optarg);
                return EXIT_USAGE;
            }
            break;
        case 'o':
            output = optarg;
            break;
        case 'F':
            bpf = optarg;
            break;
        case 'L': {
            char *eq = strchr(optarg, '=');
            if (!eq) {
                fprintf(stderr, "%s audit: --limit wants NAME=VALUE, got \"%s\"\n", ws_prog, optarg);
                return EXIT_USAGE;
            }
            *eq = '\0';
            if (!ws_limits_set(&limits, optarg, eq + 1, err, sizeof(err))) {
                fprintf(stderr, "%s audit: %s\n", ws_prog, err);
                return EXIT_USAGE;
            }
            break;
        }
        case 'h':
            usage_audit(stdout);
            return 0;
        default:
            fprintf(stderr, "Try '%s audit --help'.\n", ws_prog);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "%s audit: no input (give files, directories, or - for stdin)\n"
                        "Try '%s audit --help'.\n", ws_prog, ws_prog);
        return EXIT_USAGE;
    }

    ws_run *run = ws_run_new(&limits, argv + optind, (size_t)(argc - optind), bpf, err, sizeof(err));
    if (!run) {
        fprintf(stderr, "%s audit: %s\n", ws_prog, err);
        return EXIT_USAGE;
    }
    out_file out;
    if (out_open(&out, output) != 0) {
        ws_run_free(run);
        return EXIT_USAGE;
    }
    size_t failed = ws_run_audit(run);
    int rc = out_close(&out, ws_report_write(out.fp, fmt, run)) == 0 ? 0 : EXIT_USAGE;

    const ws_source *src = ws_run_source(run);
    for (size_t i = 0; i < ws_source_count(src); i++) {
        const ws_input *in = ws_source_input(src, i);
        if (in->error)
            fprintf(stderr, "%s: %s: %s\n", ws_prog, in->path, in->error);
    }
    if (failed)
        rc = EXIT_USAGE;
    ws_run_free(run);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage_main(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        usage_main(stdout);
        return 0;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("wirespec %s\n", WS_VERSION);
        return 0;
    }
    if (strcmp(cmd, "audit") == 0)
        return cmd_audit(argc - 1, argv + 1);
    if (strcmp(cmd, "rules") == 0)
        return ws_cmd_rules(argc - 1, argv + 1);
    fprintf(stderr, "%s: unknown command \"%s\"\nTry '%s --help'.\n", ws_prog, cmd, ws_prog);
    return EXIT_USAGE;
}

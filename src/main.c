/* main.c - the wirespec command line: subcommands, options, exit status.
 * The only file that exits. Exit status: 0 no finding at or above the
 * failure threshold, 1 findings, 2 the run could not be done as asked. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "check/check.h"
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
            "  live -i IFACE [options]    monitor live interfaces (a span port); streams findings\n"
            "  rules list|show|check|match  the rule packs: list, read, check, ask\n"
            "  test [options] [DIR|CASE...]  run the regression cases of a capture corpus\n"
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
            "  -r, --rules PACK|FILE  check against this pack (repeatable; default: every\n"
            "                         pack in the rules directory)\n"
            "  -s, --site FILE        the site inventory: which host plays which role\n"
            "      --fail-on SEV      exit 1 when a finding is at least SEV: info, low,\n"
            "                         medium (default), high, or none\n"
            "  -f, --format FMT       text (default), json, jsonl (the JSON report on one line),\n"
            "                         or junit (findings and coverage as JUnit test cases)\n"
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

/* An option that takes one value, given again: refused rather than one of
 * the two silently winning. */
static bool once(const char *opt, const char **slot, const char *value)
{
    if (*slot) {
        fprintf(stderr, "%s audit: %s given twice (\"%s\", then \"%s\"); give it once\n",
                ws_prog, opt, *slot, value);
        return false;
    }
    *slot = value;
    return true;
}

/* True (after a message) when path names the same file as one of the
 * inputs, packs or the site: writing the report would replace it. */
static bool output_clobbers(const char *output, char **inputs, size_t n,
                            const ws_rules_args *ra)
{
    struct stat o, st;
    if (!output || strcmp(output, "-") == 0 || stat(output, &o) != 0 || !S_ISREG(o.st_mode))
        return false;
    for (size_t i = 0; i < n + ra->n_packs + 1; i++) {
        const char *p = i < n ? inputs[i] : i < n + ra->n_packs ? ra->packs[i - n] : ra->site;
        if (p && strcmp(p, "-") != 0 && stat(p, &st) == 0 && st.st_dev == o.st_dev &&
            st.st_ino == o.st_ino) {
            fprintf(stderr, "%s audit: --output %s is also %s %s: the report would replace "
                            "it\n", ws_prog, output,
                    i < n ? "the input" : i < n + ra->n_packs ? "the rule pack" : "the site file",
                    p);
            return true;
        }
    }
    return false;
}

static int cmd_audit(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"rules", required_argument, NULL, 'r'},
        {"site", required_argument, NULL, 's'},
        {"fail-on", required_argument, NULL, 'X'},
        {"filter", required_argument, NULL, 'F'},
        {"limit", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    ws_limits limits;
    ws_limits_default(&limits);
    ws_format fmt = WS_FORMAT_TEXT;
    const char *output = NULL, *bpf = NULL, *format_arg = NULL, *fail_arg = NULL;
    const char *limits_set[64]; /* names given to --limit, each once */
    size_t n_limits_set = 0;
    ws_rules_args ra;
    memset(&ra, 0, sizeof(ra));
    int fail_on = WS_SEV_MEDIUM;
    char err[512];
    int c, rc = EXIT_USAGE;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:L:r:s:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (!ws_rules_args_add(&ra.packs, &ra.n_packs, &ra.cap_packs, optarg)) {
                fprintf(stderr, "%s audit: out of memory\n", ws_prog);
                goto done;
            }
            break;
        case 's':
            if (!once("--site", &ra.site, optarg))
                goto done;
            break;
        case 'X':
            if (!once("--fail-on", &fail_arg, optarg))
                goto done;
            if (!ws_severity_parse(optarg, &fail_on)) {
                fprintf(stderr, "%s audit: --fail-on: \"%s\" is not info, low, medium, high "
                                "or none\n", ws_prog, optarg);
                goto done;
            }
            break;
        case 'f':
            if (!once("--format", &format_arg, optarg))
                goto done;
            if (!ws_format_parse(optarg, &fmt)) {
                fprintf(stderr, "%s audit: unknown format \"%s\" (expected text, json, jsonl or junit)\n", ws_prog, optarg);
                goto done;
            }
            break;
        case 'o':
            if (!once("--output", &output, optarg))
                goto done;
            break;
        case 'F':
            if (!once("--filter", &bpf, optarg))
                goto done;
            break;
        case 'L': {
            char *eq = strchr(optarg, '=');
            if (!eq) {
                fprintf(stderr, "%s audit: --limit wants NAME=VALUE, got \"%s\"\n", ws_prog, optarg);
                goto done;
            }
            *eq = '\0';
            if (!ws_limits_set(&limits, optarg, eq + 1, err, sizeof(err))) {
                fprintf(stderr, "%s audit: %s\n", ws_prog, err);
                goto done;
            }
            for (size_t i = 0; i < n_limits_set; i++)
                if (strcmp(limits_set[i], optarg) == 0) {
                    fprintf(stderr, "%s audit: --limit %s given twice; give it once\n",
                            ws_prog, optarg);
                    goto done;
                }
            if (n_limits_set < sizeof(limits_set) / sizeof(limits_set[0]))
                limits_set[n_limits_set++] = optarg;
            break;
        }
        case 'h':
            usage_audit(stdout);
            rc = 0;
            goto done;
        default:
            fprintf(stderr, "Try '%s audit --help'.\n", ws_prog);
            goto done;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "%s audit: no input (give files, directories, or - for stdin)\n"
                        "Try '%s audit --help'.\n", ws_prog, ws_prog);
        goto done;
    }
    if (output_clobbers(output, argv + optind, (size_t)(argc - optind), &ra))
        goto done;

    ws_site *site = NULL;
    ws_ruleset *rs = ws_rules_open("audit", &ra, &site);
    if (!rs)
        goto done;
    ws_run *run = ws_run_new(&limits, argv + optind, (size_t)(argc - optind), bpf, err, sizeof(err));
    if (!run) {
        fprintf(stderr, "%s audit: %s\n", ws_prog, err);
        ws_rules_close(rs, site);
        goto done;
    }
    ws_out out;
    if (!ws_run_set_checks(run, rs, site) || ws_out_open(&out, "audit", output) != 0) {
        if (!ws_run_checker(run))
            fprintf(stderr, "%s audit: out of memory\n", ws_prog);
        ws_run_free(run);
        ws_rules_close(rs, site);
        goto done;
    }
    size_t failed = ws_run_audit(run);
    rc = ws_out_close(&out, ws_report_write(out.fp, fmt, run)) == 0 ? 0 : EXIT_USAGE;
    if (rc == 0) {
        const ws_checker *chk = ws_run_checker(run);
        size_t nf = ws_checker_findings_count(chk);
        for (size_t i = 0; i < nf; i++)
            if ((int)ws_checker_finding_severity(chk, i) >= fail_on)
                rc = EXIT_FINDINGS;
    }

    const ws_source *src = ws_run_source(run);
    for (size_t i = 0; i < ws_source_count(src); i++) {
        const ws_input *in = ws_source_input(src, i);
        if (in->error)
            fprintf(stderr, "%s: %s: %s\n", ws_prog, in->path, in->error);
    }
    if (failed)
        rc = EXIT_USAGE;
    ws_run_free(run);
    ws_rules_close(rs, site);
done:
    ws_rules_args_free(&ra);
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
    if (strcmp(cmd, "live") == 0)
        return ws_cmd_live(argc - 1, argv + 1);
    if (strcmp(cmd, "rules") == 0)
        return ws_cmd_rules(argc - 1, argv + 1);
    if (strcmp(cmd, "test") == 0)
        return ws_cmd_test(argc - 1, argv + 1);
    fprintf(stderr, "%s: unknown command \"%s\"\nTry '%s --help'.\n", ws_prog, cmd, ws_prog);
    return EXIT_USAGE;
}

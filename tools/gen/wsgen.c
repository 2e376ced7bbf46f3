/* wsgen.c - wsgen's command line: a scenario or the bench profile to a
 * pcap file; specification: tools/gen/README.md. */
#include "gen.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: wsgen SCENARIO -o FILE\n"
    "       wsgen --profile bench [--packets N] [--flows M] [--seed S] -o FILE\n"
    "       wsgen --profile hostile --kind KIND [--packets N] [--seed S] -o FILE\n"
    "\n"
    "Writes a classic pcap (Ethernet, microseconds) deterministically: the same\n"
    "input writes the same bytes.\n"
    "\n"
    "  SCENARIO         a scenario file (format: tools/gen/README.md)\n"
    "  -o, --output F   the capture to write ('-': standard output)\n"
    "  --profile bench  the benchmark capture of a Pexip Infinity site: RTP media,\n"
    "                   TLS, SIP, DNS, IKE/ESP between nodes, NTP, syslog, SNMP,\n"
    "                   SSH, and deliberate failures (unanswered SYNs, resets,\n"
    "                   ICMP unreachable, undocumented ports)\n"
    "  --profile hostile  traffic made to exhaust memory, one KIND a file:\n"
    "                   tiny-flows, syn-flood, fragments, overlap, ike-lies\n"
    "  --kind KIND      hostile: which traffic\n"
    "  --packets N      bench, hostile: packets to write (default 4000000)\n"
    "  --flows M        bench: flows to write (default 200000)\n"
    "  --seed S         bench, hostile: PRNG seed (default 1)\n"
    "  -h, --help       this text\n"
    "\n"
    "Exit status: 0 written, 1 the output could not be written, 2 bad arguments\n"
    "or a scenario error (\"wsgen: FILE:LINE:COL: message\").\n";

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "wsgen: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage);
    return 2;
}

static bool count_arg(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    const char *out = NULL, *scenario = NULL, *profile = NULL, *kind_name = NULL;
    enum gen_hostile kind = GH_TINY_FLOWS;
    bool flows_opt = false;
    uint64_t packets = 4000000, flows = 200000, seed = 1;
    bool bench_opt = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool takes = strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 ||
                     strcmp(a, "--profile") == 0 || strcmp(a, "--packets") == 0 ||
                     strcmp(a, "--kind") == 0 ||
                     strcmp(a, "--flows") == 0 || strcmp(a, "--seed") == 0;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        if (takes && i + 1 >= argc)
            return bad("%s needs a value", a);
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            out = argv[++i];
        } else if (strcmp(a, "--profile") == 0) {
            profile = argv[++i];
            if (strcmp(profile, "bench") != 0 && strcmp(profile, "hostile") != 0)
                return bad("unknown profile \"%s\" (bench or hostile)", profile);
        } else if (strcmp(a, "--kind") == 0) {
            kind_name = argv[++i];
            if (!gen_hostile_kind(kind_name, &kind))
                return bad("unknown kind \"%s\" (tiny-flows, syn-flood, fragments, overlap "
                           "or ike-lies)", kind_name);
        } else if (takes) {
            flows_opt |= a[2] == 'f';
            uint64_t *dst = a[2] == 'p' ? &packets : a[2] == 'f' ? &flows : &seed;
            if (!count_arg(argv[++i], dst) || (dst != &seed && *dst == 0))
                return bad("%s: a positive number is expected", a);
            bench_opt = true;
        } else if (a[0] == '-' && a[1]) {
            return bad("unknown option \"%s\"", a);
        } else if (scenario) {
            return bad("one scenario at a time (\"%s\" is the second)", a);
        } else {
            scenario = a;
        }
    }
    if (!out)
        return bad("no output file (-o FILE)");
    if (profile && scenario)
        return bad("a scenario and --profile exclude each other (\"%s\")", scenario);
    if (!profile && !scenario)
        return bad("no scenario");
    if (!profile && bench_opt)
        return bad("--packets, --flows and --seed belong to --profile bench or hostile");
    bool hostile = profile && strcmp(profile, "hostile") == 0;
    if (hostile != (kind_name != NULL))
        return bad(hostile ? "--profile hostile needs --kind" : "--kind belongs to --profile hostile");
    if (hostile && flows_opt)
        return bad("--flows belongs to --profile bench");

    gen_scenario sc;
    if (scenario && !gen_scenario_load(scenario, &sc))
        return 2;
    bool to_stdout = strcmp(out, "-") == 0;
    FILE *fp = to_stdout ? stdout : fopen(out, "wb");
    if (!fp) {
        fprintf(stderr, "wsgen: cannot write %s: %s\n", out, strerror(errno));
        if (scenario)
            gen_scenario_free(&sc);
        return 1;
    }
    static char buf[1 << 20];
    setvbuf(fp, buf, _IOFBF, sizeof(buf));
    gen_pcap w;
    bool ok = gen_pcap_open(&w, fp);
    if (ok && scenario)
        ok = gen_scenario_write(&sc, &w);
    else if (ok && hostile)
        ok = gen_hostile_write(kind, packets, seed, &w);
    else if (ok)
        ok = gen_bench_write(packets, flows, seed, &w);
    if (scenario)
        gen_scenario_free(&sc);
    if (fflush(fp) != 0 || w.failed)
        ok = false;
    if (!to_stdout && fclose(fp) != 0)
        ok = false;
    if (!ok) {
        fprintf(stderr, "wsgen: cannot write %s%s%s\n", out, errno ? ": " : "",
                errno ? strerror(errno) : "");
        if (!to_stdout)
            remove(out);
        return 1;
    }
    return 0;
}

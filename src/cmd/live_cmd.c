/* live_cmd.c - `wirespec live`: span-port monitoring. Options, signals
 * (handlers only set flags: SIGHUP reloads rules and site and reopens the
 * output, SIGUSR1 writes a report, SIGINT/SIGTERM stop), dropping root
 * after the interfaces are open, and the capture loop. doc/live.md;
 * signal safety: POSIX.1-2017 System Interfaces 2.4.3 (sig_atomic_t). */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "check/check.h"
#include "cmd.h"
#include "common/limits.h"
#include "live/live.h"
#include "report/report.h"

#define TICK_US 1000000LL      /* idle flows, new findings: checked every second */
#define MAX_IFACES 16

static volatile sig_atomic_t sig_stop, sig_hup, sig_usr1;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        sig_hup = 1;
    else if (sig == SIGUSR1)
        sig_usr1 = 1;
    else
        sig_stop = 1;
}

static int64_t now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void usage_live(FILE *out)
{
    fprintf(out,
            "Usage: %s live -i IFACE [options]\n"
            "\n"
            "Captures on live interfaces (a span or mirror port) and streams findings\n"
            "as they become certain; a report at the end (SIGINT, SIGTERM, --duration,\n"
            "--count) and on SIGUSR1. SIGHUP reloads the rules and the site and reopens\n"
            "the output. See doc/live.md.\n"
            "\n"
            "Options:\n"
            "  -i, --interface IFACE   capture on IFACE (repeatable, up to %d)\n"
            "  -r, --rules PACK|FILE   check against this pack (repeatable; default: every\n"
            "                          pack in the rules directory)\n"
            "  -s, --site FILE         the site inventory\n"
            "  -f, --format FMT        jsonl (default), json or text\n"
            "  -o, --output FILE       append lines and reports to FILE (reopened on SIGHUP)\n"
            "      --filter BPF        capture only packets matching the BPF expression\n"
            "      --syn-timeout SEC   a SYN unanswered this long is a blocked path (default %d)\n"
            "      --update-interval SEC  changes of a finding already emitted, at most\n"
            "                          this often (default 10)\n"
            "      --stats-interval SEC   a stats line this often (default 60; 0: none)\n"
            "      --duration SEC      stop after SEC seconds\n"
            "      --count N           stop after N packets\n"
            "      --snaplen BYTES     bytes captured per packet (default 262144)\n"
            "      --buffer-size SIZE  kernel capture buffer (K, M, G; default libpcap's)\n"
            "      --no-promisc        do not put the interfaces in promiscuous mode\n"
            "  -Z, --user USER         drop root for USER once the interfaces are open\n"
            "      --fail-on SEV       exit 1 when a finding is at least SEV (default medium)\n"
            "  -L, --limit NAME=VAL    set a resource limit (see wirespec audit --help)\n"
            "  -h, --help              this help\n",
            ws_prog, MAX_IFACES, WS_LIVE_SYN_TIMEOUT_S);
}

/* Seconds (fractions allowed) into microseconds; false when not one. */
static bool parse_seconds(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0) || v > 1e9)
        return false;
    *out = (int64_t)llround(v * 1e6);
    return true;
}

static bool parse_count(const char *s, uint64_t *out, uint64_t max)
{
    char *end;
    errno = 0;
    if (*s == '-' || !*s)
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s == '-' || !*s)
        return false;
    unsigned long long v = strtoull(s, &end, 10), mult = 1;
    switch (*end) {
    case 'k': case 'K': mult = 1ull << 10; end++; break;
    case 'm': case 'M': mult = 1ull << 20; end++; break;
    case 'g': case 'G': mult = 1ull << 30; end++; break;
    default: break;
    }
    if (errno || *end || v > INT32_MAX / mult)
        return false;
    *out = v * mult;
    return true;
}

/* Becomes user (initgroups, setgid, setuid, in that order, as tcpdump -Z);
 * false with a message. The output file, if any, is given to the user so
 * that it can be reopened after a rotation. */
static bool drop_privileges(const char *user, FILE *out, const char *path)
{
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        fprintf(stderr, "%s live: -Z %s: %s\n", ws_prog, user,
                errno ? strerror(errno) : "no such user");
        return false;
    }
    if (path && out && fchown(fileno(out), pw->pw_uid, pw->pw_gid) != 0 && getuid() == 0)
        fprintf(stderr, "%s live: warning: cannot give %s to %s: %s\n", ws_prog, path, user,
                strerror(errno));
    if (getuid() == pw->pw_uid && geteuid() == pw->pw_uid)
        return true;
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        fprintf(stderr, "%s live: -Z %s: cannot change to that user: %s\n", ws_prog, user,
                strerror(errno));
        return false;
    }
    if (pw->pw_uid != 0 && setuid(0) == 0) {
        fprintf(stderr, "%s live: -Z %s: root could be regained; refusing to go on\n",
                ws_prog, user);
        return false;
    }
    return true;
}

static FILE *open_output(const char *path)
{
    FILE *fp = fopen(path, "a");
    if (!fp)
        fprintf(stderr, "%s live: cannot write %s: %s\n", ws_prog, path, strerror(errno));
    return fp;
}

typedef struct live_state {
    ws_rules_args ra;
    ws_ruleset *rs;
    ws_site *site;
    ws_run *run;
    ws_monitor *mon;
    const char *output;
    ws_format fmt;
} live_state;

/* SIGHUP: new rules and site, swapped in only when both load. */
static void reload(live_state *st)
{
    int64_t t = now_us();
    ws_site *site = NULL;
    fprintf(stderr, "%s live: SIGHUP: reloading rules%s\n", ws_prog,
            st->ra.site ? " and site" : "");
    ws_ruleset *rs = ws_rules_open("live", &st->ra, &site);
    if (!rs) {
        fprintf(stderr, "%s live: reload failed; the rules and site loaded before stay "
                        "in use\n", ws_prog);
        ws_report_line_event(ws_monitor_output(st->mon), st->fmt, "reload", t, false,
                             "rules or site invalid (see the messages on stderr); the "
                             "rules and site loaded before stay in use");
        return;
    }
    ws_monitor_checks_replacing(st->mon, t);
    if (!ws_run_set_checks(st->run, rs, site)) {
        ws_rules_close(rs, site);
        fprintf(stderr, "%s live: reload: out of memory; keeping the rules loaded before\n",
                ws_prog);
        if (!ws_run_set_checks(st->run, st->rs, st->site))
            fprintf(stderr, "%s live: out of memory: findings are off\n", ws_prog);
        return;
    }
    ws_rules_close(st->rs, st->site);
    st->rs = rs;
    st->site = site;
    const ws_pack *const *packs;
    char msg[160];
    snprintf(msg, sizeof(msg), "%zu packs loaded%s; findings and flows start again from now",
             ws_ruleset_packs(rs, &packs), site ? " with the site" : "");
    ws_report_line_event(ws_monitor_output(st->mon), st->fmt, "reload", t, true, msg);
}

static void reopen_output(live_state *st)
{
    if (!st->output)
        return;
    FILE *fp = open_output(st->output);
    if (!fp)
        return;
    FILE *old = ws_monitor_output(st->mon);
    ws_monitor_set_output(st->mon, fp);
    fclose(old);
}

int ws_cmd_live(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"interface", required_argument, NULL, 'i'},
        {"rules", required_argument, NULL, 'r'},
        {"site", required_argument, NULL, 's'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"filter", required_argument, NULL, 'F'},
        {"syn-timeout", required_argument, NULL, 'T'},
        {"update-interval", required_argument, NULL, 'U'},
        {"stats-interval", required_argument, NULL, 'S'},
        {"duration", required_argument, NULL, 'D'},
        {"count", required_argument, NULL, 'C'},
        {"snaplen", required_argument, NULL, 'N'},
        {"buffer-size", required_argument, NULL, 'B'},
        {"no-promisc", no_argument, NULL, 'P'},
        {"user", required_argument, NULL, 'Z'},
        {"fail-on", required_argument, NULL, 'X'},
        {"limit", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    live_state st;
    memset(&st, 0, sizeof(st));
    st.fmt = WS_FORMAT_JSONL;
    ws_limits limits;
    ws_limits_live_default(&limits);
    ws_iface_opts io = {.snaplen = 262144, .promisc = true};
    ws_monitor_opts mo = {.update_interval_us = 10 * TICK_US, .stats_interval_us = 60 * TICK_US};
    char *ifnames[MAX_IFACES];
    size_t n_if = 0;
    int64_t duration = 0;
    uint64_t count = 0, v;
    const char *user = NULL;
    int fail_on = WS_SEV_MEDIUM;
    char err[512];
    int c, rc = EXIT_USAGE;
    ws_ifaces *ifs = NULL;
    FILE *out = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "i:r:s:f:o:Z:L:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'i':
            if (n_if == MAX_IFACES) {
                fprintf(stderr, "%s live: at most %d interfaces\n", ws_prog, MAX_IFACES);
                goto done;
            }
            ifnames[n_if++] = optarg;
            break;
        case 'r':
            if (!ws_rules_args_add(&st.ra.packs, &st.ra.n_packs, &st.ra.cap_packs, optarg)) {
                fprintf(stderr, "%s live: out of memory\n", ws_prog);
                goto done;
            }
            break;
        case 's':
            st.ra.site = optarg;
            break;
        case 'f':
            if (!ws_format_parse(optarg, &st.fmt) || st.fmt == WS_FORMAT_JUNIT) {
                fprintf(stderr, "%s live: unknown format \"%s\" (expected jsonl, json or "
                                "text; junit has no lines to stream)\n", ws_prog, optarg);
                goto done;
            }
            break;
        case 'o':
            st.output = optarg;
            break;
        case 'F':
            io.bpf = optarg;
            break;
        case 'T':
        case 'U':
        case 'S':
        case 'D': {
            int64_t us;
            if (!parse_seconds(optarg, &us) || ((c == 'T' || c == 'U') && us == 0)) {
                fprintf(stderr, "%s live: --%s: \"%s\" is not a duration in seconds%s\n",
                        ws_prog, c == 'T' ? "syn-timeout" : c == 'U' ? "update-interval"
                                 : c == 'S' ? "stats-interval" : "duration",
                        optarg, (c == 'T' || c == 'U') ? " above 0" : "");
                goto done;
            }
            if (c == 'T')
                limits.tcp_handshake_idle_us = us;
            else if (c == 'U')
                mo.update_interval_us = us;
            else if (c == 'S')
                mo.stats_interval_us = us;
            else
                duration = us;
            break;
        }
        case 'C':
            if (!parse_count(optarg, &count, UINT64_MAX) || !count) {
                fprintf(stderr, "%s live: --count: \"%s\" is not a count above 0\n", ws_prog, optarg);
                goto done;
            }
            break;
        case 'N':
            if (!parse_count(optarg, &v, 262144) || v < 64) {
                fprintf(stderr, "%s live: --snaplen: \"%s\" is not a size from 64 to 262144\n",
                        ws_prog, optarg);
                goto done;
            }
            io.snaplen = (int)v;
            break;
        case 'B':
            if (!parse_size(optarg, &v)) {
                fprintf(stderr, "%s live: --buffer-size: \"%s\" is not a size (bytes, or "
                                "with K, M, G; below 2G)\n", ws_prog, optarg);
                goto done;
            }
            io.buffer_bytes = (int)v;
            break;
        case 'P':
            io.promisc = false;
            break;
        case 'Z':
            user = optarg;
            break;
        case 'X':
            if (!ws_severity_parse(optarg, &fail_on)) {
                fprintf(stderr, "%s live: --fail-on: \"%s\" is not info, low, medium, high "
                                "or none\n", ws_prog, optarg);
                goto done;
            }
            break;
        case 'L': {
            char *eq = strchr(optarg, '=');
            if (!eq) {
                fprintf(stderr, "%s live: --limit wants NAME=VALUE, got \"%s\"\n", ws_prog, optarg);
                goto done;
            }
            *eq = '\0';
            if (!ws_limits_set(&limits, optarg, eq + 1, err, sizeof(err))) {
                fprintf(stderr, "%s live: %s\n", ws_prog, err);
                goto done;
            }
            break;
        }
        case 'h':
            usage_live(stdout);
            rc = 0;
            goto done;
        default:
            fprintf(stderr, "Try '%s live --help'.\n", ws_prog);
            goto done;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s live: unexpected argument \"%s\" (interfaces are given with -i)\n",
                ws_prog, argv[optind]);
        goto done;
    }
    if (!n_if) {
        fprintf(stderr, "%s live: no interface (give -i IFACE)\nTry '%s live --help'.\n",
                ws_prog, ws_prog);
        goto done;
    }

    if (!(st.rs = ws_rules_open("live", &st.ra, &st.site)))
        goto done;
    if (!(st.run = ws_run_new_stream(&limits, err, sizeof(err))) ||
        !ws_run_set_checks(st.run, st.rs, st.site)) {
        fprintf(stderr, "%s live: %s\n", ws_prog, st.run ? "out of memory" : err);
        goto done;
    }
    if (!(ifs = ws_ifaces_open(ifnames, n_if, &io, stderr, err, sizeof(err)))) {
        fprintf(stderr, "%s live: %s\n", ws_prog, err);
        goto done;
    }
    out = st.output ? open_output(st.output) : stdout;
    if (!out)
        goto done;
    if (user && !drop_privileges(user, out, st.output))
        goto done;
    mo.fmt = st.fmt;
    if (!(st.mon = ws_monitor_new(st.run, &mo, out))) {
        fprintf(stderr, "%s live: out of memory\n", ws_prog);
        goto done;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int64_t t0 = now_us(), t = t0, next_tick = t0 + TICK_US;
    {
        char msg[256];
        size_t used = (size_t)snprintf(msg, sizeof(msg), "capturing on");
        for (size_t i = 0; i < n_if && used < sizeof(msg); i++)
            used += (size_t)snprintf(msg + used, sizeof(msg) - used, " %s", ifnames[i]);
        ws_report_line_event(out, st.fmt, "start", t0, true, msg);
    }
    ws_iface_stats is[MAX_IFACES];
    bool iface_failed = false;
    uint64_t reported_errors = 0;
    while (!sig_stop) {
        uint64_t left = 0;
        if (count) {
            if (ws_monitor_frames(st.mon) >= count)
                break;
            left = count - ws_monitor_frames(st.mon);
        }
        int64_t wait = next_tick - t;
        if (duration && t0 + duration - t < wait)
            wait = t0 + duration - t;
        int timeout = wait <= 0 ? 0 : (int)((wait + 999) / 1000);
        ws_ifaces_poll(ifs, timeout, left, ws_monitor_frame, st.mon, stderr);
        if (!ws_ifaces_alive(ifs)) {
            fprintf(stderr, "%s live: no interface left to capture on\n", ws_prog);
            iface_failed = true;
            break;
        }
        if (sig_hup) {
            sig_hup = 0;
            reopen_output(&st);
            reload(&st);
        }
        if (sig_usr1) {
            sig_usr1 = 0;
            ws_monitor_dump(st.mon, now_us());
        }
        t = now_us();
        if (t >= next_tick) {
            size_t n = ws_ifaces_stats(ifs, is, MAX_IFACES);
            ws_monitor_tick(st.mon, t, is, n);
            next_tick = t + TICK_US;
        }
        if (ws_monitor_write_errors(st.mon) > reported_errors) {
            if (!reported_errors)
                fprintf(stderr, "%s live: cannot write %s: %s (going on; counting lost "
                                "lines)\n", ws_prog, st.output ? st.output : "the output",
                        strerror(errno));
            reported_errors = ws_monitor_write_errors(st.mon);
        }
        if (duration && t - t0 >= duration)
            break;
    }
    size_t n = ws_ifaces_stats(ifs, is, MAX_IFACES);
    ws_monitor_finish(st.mon, now_us(), is, n);
    out = ws_monitor_output(st.mon);
    rc = 0;
    const ws_checker *chk = ws_run_checker(st.run);
    size_t nf = ws_checker_findings_count(chk);
    for (size_t i = 0; i < nf; i++)
        if ((int)ws_checker_finding_severity(chk, i) >= fail_on)
            rc = EXIT_FINDINGS;
    if (ws_monitor_write_errors(st.mon))
        fprintf(stderr, "%s live: %llu lines could not be written\n", ws_prog,
                (unsigned long long)ws_monitor_write_errors(st.mon));
    if (iface_failed || ws_monitor_write_errors(st.mon))
        rc = EXIT_USAGE;
done:
    ws_monitor_free(st.mon);
    if (out && out != stdout)
        fclose(out);
    else if (out)
        fflush(out);
    ws_ifaces_close(ifs);
    ws_run_free(st.run);
    if (st.rs)
        ws_rules_close(st.rs, st.site);
    ws_rules_args_free(&st.ra);
    return rc;
}

/* fuzz_capture.c - fuzz target: a whole audit of one capture file (pcap or
 * pcapng, read by libpcap), through every stage and check, with the shipped
 * packs and an example site, rendered as a JSON and a text report. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "audit/audit.h"
#include "report/report.h"
#include "rules/rules.h"

static ws_ruleset *rs;
static ws_site *site;
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    ws_diag d;
    ws_diag_init(&d);
    rs = ws_ruleset_new(NULL, NULL);
    if (!rs || !ws_ruleset_load_dir(rs, WS_SOURCE_DIR "/rules", &d) ||
        !(site = ws_site_load(WS_SOURCE_DIR "/rules/examples/pexip-infinity.site.json", rs, &d)) ||
        !ws_ruleset_finish(rs, &d)) {
        fprintf(stderr, "fuzz_capture: cannot load the shipped packs and example site\n");
        abort();
    }
    ws_diag_free(&d);
    devnull = fopen("/dev/null", "w");
    if (!devnull)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = ws_fuzz_memfile(data, size, path, sizeof(path));
    if (fd < 0)
        return 0;
    ws_limits limits;
    ws_limits_default(&limits);
    limits.max_flows = 256;
    limits.max_findings = 64;
    limits.max_report_flows = 256;
    char *inputs[] = {path};
    char err[256];
    ws_run *run = ws_run_new(&limits, inputs, 1, NULL, err, sizeof(err));
    if (run && ws_run_set_checks(run, rs, site)) {
        ws_run_audit(run);
        ws_report_write(devnull, WS_FORMAT_JSON, run);
        ws_report_write(devnull, WS_FORMAT_TEXT, run);
    }
    ws_run_free(run);
    close(fd);
    return 0;
}

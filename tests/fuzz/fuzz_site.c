/* fuzz_site.c - fuzz target: the site-inventory loader (hosts by address,
 * prefix or name pattern, roles, settings, features) against the Pexip pack,
 * then lookups of a few addresses and names in what it loaded.
 * specification: doc/rules.md, rules/schema/site.schema.json. */
#include "fuzz.h"

#include <stdio.h>
#include <unistd.h>

#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = ws_fuzz_memfile(data, size, path, sizeof(path));
    if (fd < 0)
        return 0;
    ws_diag d;
    ws_diag_init(&d);
    ws_ruleset *rs = ws_ruleset_new(NULL, NULL);
    ws_site *site = NULL;
    if (rs && ws_ruleset_load(rs, WS_SOURCE_DIR "/rules/pexip-infinity.json", &d) &&
        ws_ruleset_finish(rs, &d) && (site = ws_site_load(path, rs, &d)) &&
        ws_ruleset_finish(rs, &d)) {
        static const char *const addrs[] = {"10.0.0.1", "192.168.1.10", "fd00::1", "0.0.0.0"};
        static const char *const names[] = {"node1.example.com", "a"};
        for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
            ws_addr a;
            if (ws_addr_parse(addrs[i], &a))
                (void)ws_site_lookup(site, &a, names, i % 3);
        }
        ws_roleset open;
        ws_site_open_roles(site, rs, &open);
    }
    ws_site_free(site);
    ws_ruleset_free(rs);
    ws_diag_free(&d);
    close(fd);
    return 0;
}

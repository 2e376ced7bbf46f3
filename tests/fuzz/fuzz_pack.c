/* fuzz_pack.c - fuzz target: the rule-pack loader and linter (JSON through
 * json-c, then every field check, port lists, variables, features,
 * constraints, and the cross-pack checks of ws_ruleset_finish).
 * specification: doc/rules.md, rules/schema/pack.schema.json. */
#include "fuzz.h"

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
    if (rs && ws_ruleset_load(rs, path, &d))
        ws_ruleset_finish(rs, &d);
    ws_ruleset_free(rs);
    ws_diag_free(&d);
    close(fd);
    return 0;
}

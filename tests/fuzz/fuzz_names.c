/* fuzz_names.c - fuzz target: the name extractors, each on the same bytes:
 * DNS over UDP (and as mDNS), DNS over TCP, TLS ClientHello server_name, HTTP
 * Host; and the name-pattern matcher on a name cut from the input.
 * specification: RFC 1035, RFC 6762, RFC 8446 4.1.2, RFC 6066 3, RFC 9112 3.2. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "names/names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* large enough not to sit on the stack of a sanitizer build */
    ws_dns_result *r = malloc(sizeof(*r));
    if (!r)
        return 0;
    ws_dns_parse(data, size, 0, r);
    ws_dns_parse(data, size, WS_DNS_MDNS, r);
    ws_dns_parse_tcp(data, size, r);
    free(r);
    char out[WS_NAME_MAX];
    ws_tls_sni(data, size, out);
    ws_http_host(data, size, out);

    /* "pattern\nname": the matcher and the pattern validator */
    const uint8_t *nl = memchr(data, '\n', size);
    if (nl && size < 4096) {
        size_t plen = (size_t)(nl - data), nlen = size - plen - 1;
        char *pat = malloc(plen + 1), *name = malloc(nlen + 1);
        if (pat && name) {
            memcpy(pat, data, plen);
            pat[plen] = '\0';
            memcpy(name, nl + 1, nlen);
            name[nlen] = '\0';
            char why[128];
            if (ws_name_pattern_valid(pat, why, sizeof(why)))
                (void)ws_name_match(pat, name);
        }
        free(pat);
        free(name);
    }
    return 0;
}

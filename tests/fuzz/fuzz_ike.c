/* fuzz_ike.c - fuzz target: the IKE decoder (IKEv1 and IKEv2 headers and
 * payload chains, NAT-T non-ESP marker) and the NAT-D check on what it
 * decoded. Input: byte 0 picks the ports (500/500, 4500/4500, or others),
 * the rest is the UDP payload. specification: RFC 7296, RFC 2408, RFC 3948. */
#include "fuzz.h"

#include <string.h>

#include "common/addr.h"
#include "ike/ike.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const uint16_t ports[][2] = {{500, 500}, {4500, 4500}, {500, 4500}, {1701, 500}};
    const uint16_t *pp = ports[data[0] & 3];
    ws_ike_msg msg;
    memset(&msg, 0, sizeof(msg));
    ws_ike_kind k = ws_ike_decode(data + 1, size - 1, pp[0], pp[1], &msg);
    (void)k;
    ws_addr src, dst;
    memset(&src, 0, sizeof(src));
    memset(&dst, 0, sizeof(dst));
    ws_addr_parse("10.0.0.1", &src);
    ws_addr_parse((data[0] & 4) ? "fd00::2" : "10.0.0.2", &dst);
    static const ws_digest_alg algs[] = {WS_DIGEST_SHA1, WS_DIGEST_MD5, WS_DIGEST_SHA256, WS_DIGEST_NONE};
    (void)ws_ike_natd_check(&msg, &src, pp[0], &dst, pp[1], algs[(data[0] >> 3) & 3]);
    return 0;
}

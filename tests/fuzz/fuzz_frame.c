/* fuzz_frame.c - fuzz target: frames of every link type wirespec reads,
 * through the decoder (tunnels, fragments, ICMP errors), the flow table, the
 * IKE tracker and the name extractors, with small limits so that eviction,
 * reassembly caps and table growth are reached.
 * Input: byte 0 picks the link type; then frames, each as a 2-byte
 * big-endian length and that many bytes (the last may be short). */
#include "fuzz.h"

#include <string.h>

#include "common/limits.h"
#include "decode/decode.h"
#include "flow/flow.h"
#include "ike/ike.h"
#include "names/names.h"

static const int dlts[] = {
    WS_DLT_EN10MB, WS_DLT_NULL, WS_DLT_RAW, WS_DLT_RAW_ALT, WS_DLT_LINKTYPE_RAW,
    WS_DLT_LOOP, WS_DLT_LINUX_SLL, WS_DLT_LINUX_SLL2, WS_DLT_IPV4, WS_DLT_IPV6,
    WS_DLT_PPP, WS_DLT_PPP_SERIAL, WS_DLT_C_HDLC, WS_DLT_PPI, /* appended: keep the order */
};

typedef struct pipe {
    ws_flow_table *flows;
    ws_ike_tracker *ike;
    ws_names *names;
} pipe;

static void on_flow_end(ws_flow *f, ws_end_reason why, void *ctx)
{
    (void)f;
    (void)why;
    (void)ctx;
}

static void on_packet(const ws_packet *pkt, void *ctx)
{
    pipe *p = ctx;
    int dir;
    ws_flow *f = ws_flow_table_packet(p->flows, pkt, &dir);
    if (f && dir != WS_DIR_ICMP)
        (void)ws_flow_outcome(f);
    if (pkt->proto == 17 || pkt->proto == 50)
        ws_ike_tracker_packet(p->ike, pkt);
    ws_names_packet(p->names, pkt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    ws_limits limits;
    ws_limits_default(&limits);
    limits.max_flows = 64;
    limits.frag_max_datagrams = 8;
    limits.frag_max_bytes = 1 << 16;
    limits.max_names = 32;
    limits.max_ike_sas = 8;
    ws_stats stats;
    memset(&stats, 0, sizeof(stats));
    pipe p;
    ws_decoder *dec = ws_decoder_new(&limits, &stats);
    p.flows = ws_flow_table_new(&limits, &stats, on_flow_end, NULL);
    p.ike = ws_ike_tracker_new(&limits, &stats);
    p.names = ws_names_new(&limits, &stats);
    if (dec && p.flows && p.ike && p.names) {
        int dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
        size_t off = 1;
        int64_t ts = 1700000000000000;
        while (off < size) {
            size_t len = size - off;
            if (len >= 2) {
                size_t want = (size_t)data[off] << 8 | data[off + 1];
                off += 2;
                len = size - off < want ? size - off : want;
            } else {
                off += len;
                len = 0;
            }
            /* the wire length may exceed what was captured, never the reverse */
            ws_decode_frame(dec, dlt, data + off, (uint32_t)len, (uint32_t)len + (data[0] & 0x80 ? 100 : 0),
                            ts, on_packet, &p);
            off += len;
            ts += (data[0] & 0x40) ? 40000000 : 1000; /* sometimes past every idle timeout */
        }
        ws_decoder_expire(dec, INT64_MAX);
        ws_flow_table_flush(p.flows);
        for (size_t i = 0; i < ws_ike_tracker_count(p.ike); i++)
            (void)ws_ike_tracker_get(p.ike, i);
    }
    ws_names_free(p.names);
    ws_ike_tracker_free(p.ike);
    ws_flow_table_free(p.flows);
    ws_decoder_free(dec);
    return 0;
}

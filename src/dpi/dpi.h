/* dpi.h - application tagging of flows with nDPI 4.2, keeping verdicts read
 * from payload apart from guesses made from ports or addresses.
 *
 * This stage is the only code in wirespec that includes nDPI. It owns the
 * tagging fields of struct ws_flow: dpi_state (nDPI's per-flow state while
 * detection runs, NULL before the first packet and again once detection is
 * over), app, app_master, app_source and the WS_TAG_DPI_* bits of tag_flags.
 *
 * Each flow's IP packets are fed to nDPI the way nDPI's own ndpiReader does
 * it: until nDPI names the application and has no further use for packets
 * (ndpi_extra_dissection_possible), or until limits->dpi_max_packets packets
 * have been fed; then ndpi_detection_giveup() is asked for its best answer if
 * there is none yet, the result is recorded, and the nDPI state is freed at
 * once. A flow that ends earlier is given up the same way by ws_dpi_flow_end.
 *
 * With limits->threads, nDPI runs on a worker thread of its own, started
 * at the first packet: ws_dpi_packet copies the packet into a queue (a 2 MiB
 * ring) and returns, and the worker makes every nDPI call in the order they
 * would have been made here, so the verdicts are the same. A verdict then
 * reaches its flow a little later: at a later ws_dpi_packet, at
 * ws_dpi_flow_end (which waits for it), or at ws_dpi_sync. Everything else
 * (the flow, the stats) is only touched by the calling thread. If the
 * thread cannot be started, detection stays on the calling thread.
 */
#ifndef WS_DPI_H
#define WS_DPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/limits.h"
#include "decode/decode.h"
#include "flow/flow.h"

/* Values of ws_flow.app_source. */
enum {
    WS_APP_NONE = 0,   /* no application known */
    WS_APP_DPI = 1,    /* nDPI read it in this flow's payload (confidence DPI) */
    WS_APP_GUESS = 2,  /* from the port, the address, or a cache of other flows */
};

/* Bits of ws_flow.tag_flags owned by this stage. */
#define WS_TAG_DPI_DONE 0x01   /* nDPI is finished with the flow; no more feeding */
#define WS_TAG_DPI_LIMIT 0x02  /* stopped at dpi_max_packets without a verdict */

typedef struct ws_dpi ws_dpi;

/* One nDPI detection module. limits and stats are borrowed and must outlive
 * it. NULL when nDPI cannot be initialised (out of memory). */
ws_dpi *ws_dpi_new(const ws_limits *limits, ws_stats *stats);
/* Frees the module, and the detection state of flows never ended (so an
 * aborted run leaks nothing): their dpi_state pointers then dangle, so end
 * flows first (ws_dpi_flow_end) whenever they are to be used afterwards. */
void ws_dpi_free(ws_dpi *dpi);

/*
 * Feeds one packet of flow (pkt->l3, pkt->l3_len, pkt->ts_us) to nDPI.
 * dir is WS_DIR_FWD or WS_DIR_REV; packets with WS_DIR_ICMP (an ICMP error
 * quoting the flow) are not part of the conversation and are ignored, as are
 * packets of a flow nDPI is done with. When detection ends the verdict is in
 * flow->app / app_master / app_source and flow->dpi_state is NULL.
 * Counts dpi_classified, dpi_guessed and dpi_gave_up in stats.
 */
void ws_dpi_packet(ws_dpi *dpi, ws_flow *flow, int dir, const ws_packet *pkt);

/* Ends detection for a flow that is leaving the table (idle, evicted,
 * reused, end of input): asks nDPI for a guess if it has no verdict yet,
 * records it and frees the state. Safe to call on any flow, any number of
 * times. */
void ws_dpi_flow_end(ws_dpi *dpi, ws_flow *flow);

/* Waits until the worker thread (if any) has gone through every packet
 * given so far, and writes every verdict it reached into its flow: then
 * each flow is tagged as it would be with detection on this thread. */
void ws_dpi_sync(ws_dpi *dpi);

/* Announces that flow is about to end (ws_flow_table_set_ending): with a
 * worker thread, its detection is ended there now, so that ws_dpi_flow_end
 * need not wait for it alone. Call it only for a flow that ends next, with
 * no packet of any flow in between. */
void ws_dpi_flow_ending(ws_dpi *dpi, ws_flow *flow);

/* The application as ndpiReader prints it ("DNS", "TLS.Google",
 * "HTTP.GoogleServices") written into buf; returns buf, or NULL when the
 * flow has no application (app_source WS_APP_NONE). */
const char *ws_dpi_app_name(const ws_dpi *dpi, const ws_flow *flow, char *buf,
                            size_t len);

/* Is name an application nDPI knows (case-insensitive)? ctx is a ws_dpi;
 * the signature fits ws_app_known_fn of rules/. */
bool ws_dpi_app_known(const char *name, void *ctx);

/* "dpi", "guess" or "none", as the JSON report spells app_source. */
const char *ws_dpi_source_name(uint8_t app_source);

/* Heap bytes one flow's detection state costs while it is in progress. */
size_t ws_dpi_state_bytes(void);
/* Flows whose detection is in progress (holding state) right now. */
size_t ws_dpi_active(const ws_dpi *dpi);

#endif

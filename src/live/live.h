/* live.h - span-port monitoring: frames from live interfaces (libpcap), a
 * stream run fed with them, and the lines it writes as findings become
 * certain (doc/live.md). src/cmd/live_cmd.c drives it: options, signals,
 * rule reloads, privileges. */
#ifndef WS_LIVE_H
#define WS_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audit/audit.h"
#include "report/report.h"

/* ---- interfaces -------------------------------------------------------- */

typedef struct ws_iface_opts {
    int snaplen;          /* bytes captured per frame */
    bool promisc;         /* promiscuous mode */
    int buffer_bytes;     /* kernel capture buffer; 0: libpcap's default */
    const char *bpf;      /* filter, or NULL */
} ws_iface_opts;

typedef struct ws_ifaces ws_ifaces;

/* Called for every frame read. */
typedef void (*ws_live_frame_fn)(void *ctx, int dlt, const uint8_t *data, uint32_t caplen,
                                 uint32_t wire_len, int64_t ts_us);

/*
 * Opens and activates every interface (pcap_create, snaplen, promiscuous,
 * immediate mode, buffer size, pcap_activate, filter, non-blocking). NULL
 * with a message in err when any cannot be opened: the run is not started
 * on part of what was asked. Warnings of pcap_activate go to warn (may be
 * NULL), one per line.
 */
ws_ifaces *ws_ifaces_open(char *const names[], size_t n, const ws_iface_opts *o,
                          FILE *warn, char *err, size_t errlen);
void ws_ifaces_close(ws_ifaces *s);
size_t ws_ifaces_count(const ws_ifaces *s);
/* Interfaces still open (one that fails is closed, the others go on). */
size_t ws_ifaces_alive(const ws_ifaces *s);

/*
 * Waits at most timeout_ms for frames on any interface and hands each to
 * cb, reading at most max frames (0: no limit). Returns the frames read
 * (0 on timeout or when a signal interrupted the wait). An interface that
 * fails (it went down) is closed with a message on warn.
 */
size_t ws_ifaces_poll(ws_ifaces *s, int timeout_ms, uint64_t max, ws_live_frame_fn cb,
                      void *ctx, FILE *warn);

/* pcap_stats of each interface into out (at most max); returns how many. */
size_t ws_ifaces_stats(ws_ifaces *s, ws_iface_stats *out, size_t max);

/* ---- the monitor: what a live run says as it goes ------------------------ */

typedef struct ws_monitor_opts {
    ws_format fmt;
    int64_t update_interval_us;  /* changes of emitted findings, at most this often */
    int64_t stats_interval_us;   /* stats lines; 0: none */
} ws_monitor_opts;

typedef struct ws_monitor ws_monitor;

/* Watches run (borrowed; its checks set or not) and writes lines to out.
 * NULL on ENOMEM. */
ws_monitor *ws_monitor_new(ws_run *run, const ws_monitor_opts *o, FILE *out);
void ws_monitor_free(ws_monitor *m);
/* Writes to out from now on (output reopened). */
void ws_monitor_set_output(ws_monitor *m, FILE *out);
FILE *ws_monitor_output(const ws_monitor *m);

/* Hands a frame to the run (a ws_live_frame_fn; ctx is the monitor). */
void ws_monitor_frame(void *ctx, int dlt, const uint8_t *data, uint32_t caplen,
                      uint32_t wire_len, int64_t ts_us);
/*
 * Time is now_us (wall clock, the clock of capture timestamps): idle flows
 * end and are judged; findings never emitted are emitted ("new"); changes
 * of emitted ones when the update interval has passed ("update"); NAT from
 * the IKE SAs so far; a stats line when its interval has passed (ifs: the
 * interfaces' counters).
 */
void ws_monitor_tick(ws_monitor *m, int64_t now_us, const ws_iface_stats *ifs, size_t n_ifs);
/* Emits every change now, due or not. */
void ws_monitor_flush(ws_monitor *m, int64_t now_us);
/* Call before ws_run_set_checks replaces the checker: every change of the
 * old checker's findings is emitted, then the run's flow records and what
 * was emitted are forgotten (they point into the old rules). */
void ws_monitor_checks_replacing(ws_monitor *m, int64_t now_us);
/* A report now, in the output format, without stopping. */
void ws_monitor_dump(ws_monitor *m, int64_t now_us);
/* Ends the run (every flow judged, end-of-run checks), emits the last
 * changes and writes the final report. */
void ws_monitor_finish(ws_monitor *m, int64_t now_us, const ws_iface_stats *ifs, size_t n_ifs);
/* Lines that could not be written. */
uint64_t ws_monitor_write_errors(const ws_monitor *m);
/* Frames handed to the run. */
uint64_t ws_monitor_frames(const ws_monitor *m);

#endif

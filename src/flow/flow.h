/* flow.h - bidirectional flows on full addresses, with TCP state and an
 * outcome per flow, idle timeouts and a fixed memory budget. */
#ifndef WS_FLOW_H
#define WS_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/limits.h"
#include "decode/decode.h"

/*
 * Outcome of a flow, in the spirit of Zeek's conn_state. ws_flow_outcome()
 * decides from the ws_flow fields alone (so a copy of a flow works too), in
 * this order. FWD is the initiator (flow->src), REV the responder.
 *
 * Every transport:
 *   WS_OUT_ICMP_ERROR  the responder sent nothing and at least one ICMP error
 *                      quoting the flow was seen (for TCP this comes before
 *                      every TCP outcome below: SYN + "port unreachable" or
 *                      "administratively prohibited" is icmp-error).
 * Non-TCP:
 *   WS_OUT_ANSWERED    at least one packet each way.
 *   WS_OUT_UNANSWERED  packets from the initiator only.
 * TCP (hist = tcp_hist[], "handshake seen" = a SYN from the initiator or a
 * SYN-ACK from the responder):
 *   WS_OUT_MIDSTREAM   no handshake seen: the capture began after it (Zeek OTH),
 *                      whatever came later (data, FIN, RST).
 *   established (flow->established: the responder's SYN-ACK was followed by
 *   an ACK from the initiator, or payload went both ways):
 *     WS_OUT_CLOSED      FIN from both sides, or a FIN and then the first RST
 *                        (WS_TCPE_RST_AFTER_FIN) (Zeek SF, and S2/S3 ended by RST).
 *     WS_OUT_RESET       a RST from either side with no FIN before it (RSTO/RSTR).
 *     WS_OUT_ESTABLISHED otherwise (S1; S2/S3: FIN from one side only).
 *   not established:
 *     WS_OUT_REJECTED    the responder sent RST and never a SYN-ACK (REJ).
 *     WS_OUT_HALF_OPEN   the handshake started but did not complete: a SYN-ACK
 *                        with no final ACK (including SYN, SYN-ACK, RST from
 *                        the initiator), a SYN then a FIN from the initiator
 *                        with no reply (SH), or a reply that was neither SYN-ACK
 *                        nor RST.
 *     WS_OUT_NO_ANSWER   SYN(s) (maybe retransmitted, maybe followed by the
 *                        initiator's RST), nothing from the responder (S0, RSTOS0).
 */
typedef enum ws_outcome {
    /* TCP */
    WS_OUT_ESTABLISHED,  /* handshake completed, not (yet) closed */
    WS_OUT_REJECTED,     /* SYN answered by RST */
    WS_OUT_NO_ANSWER,    /* SYN (maybe retransmitted), nothing back */
    WS_OUT_RESET,        /* established, then reset by either side */
    WS_OUT_HALF_OPEN,    /* SYN / SYN-ACK seen, handshake never completed */
    WS_OUT_CLOSED,       /* established and closed by FIN */
    WS_OUT_MIDSTREAM,    /* capture began after the handshake */
    /* every transport */
    WS_OUT_ANSWERED,     /* packets both ways (non-TCP) */
    WS_OUT_UNANSWERED,   /* packets one way only (non-TCP) */
    WS_OUT_ICMP_ERROR,   /* answered only by an ICMP error */
} ws_outcome;

/* Stable report strings: "established", "no-answer", ... */
const char *ws_outcome_name(ws_outcome o);

/* "tcp", "udp", "icmp", "icmpv6", "esp", or "ip-N" (buf holds at least 8). */
const char *ws_transport_name(uint8_t proto, char buf[8]);

/* Direction of a packet within its flow. */
enum {
    WS_DIR_FWD = 0,      /* from the initiator (flow->src) */
    WS_DIR_REV = 1,      /* from the responder (flow->dst) */
    WS_DIR_ICMP = 2,     /* an ICMP error quoting this flow */
};

/* Per-direction TCP facts (bits). */
#define WS_TCPH_SYN 0x01     /* SYN without ACK */
#define WS_TCPH_SYNACK 0x02
#define WS_TCPH_ACK 0x04     /* ACK without SYN */
#define WS_TCPH_DATA 0x08    /* payload */
#define WS_TCPH_FIN 0x10
#define WS_TCPH_RST 0x20

/* Order-dependent TCP facts (bits of ws_flow.tcp_events). */
#define WS_TCPE_RST_AFTER_FIN 0x01 /* the flow's first RST came after a FIN */

/*
 * Who initiated (flow->src), decided on the flow's first packet:
 * - TCP SYN without ACK: its sender. TCP SYN-ACK: its receiver.
 * - ICMP/ICMPv6 echo (and the other query/reply pairs carrying an identifier:
 *   ICMP timestamp, information, address mask): the request's sender; a reply
 *   seen first means its receiver initiated.
 * - ESP and other protocols: the first packet's sender.
 * - Otherwise (TCP joined midstream, UDP): the first packet's sender, unless
 *   the ports say clearly that it is a reply: source port below 1024 (a
 *   well-known service port) and destination port 1024 or above. Then the
 *   receiver is taken as the initiator and initiator_guessed is set. Both
 *   ports below 1024 (NTP 123-123, IKE 500-500) or both above keep the
 *   first sender.
 * - A flow created from the header quoted in an ICMP error: the quoted
 *   packet's source.
 *
 * Flow keys: TCP, UDP (and SCTP, UDP-Lite) on (addresses, ports); ICMP/ICMPv6 echo on
 * (addresses, echo identifier) so request and reply share a flow, with
 * flow->sport = type and flow->dport = code of the first packet (Zeek style);
 * other ICMP messages on (addresses, type), a request type and its reply
 * type (router and neighbour solicitation/advertisement) counting as one
 * (an ICMP error with no readable quote is such a message); ESP (recording
 * the latest SPI of each direction in esp_spi[]) and every other
 * protocol on addresses only. Addresses are compared on all 128 bits.
 */

typedef struct ws_flow {
    uint64_t id;            /* 1, 2, ... in order of creation */
    ws_addr src, dst;       /* src is the initiator */
    uint16_t sport, dport;  /* ICMP: type and code of the first packet, Zeek-style */
    uint8_t proto;
    uint8_t ip_version;
    bool initiator_guessed; /* the port rule below swapped the first packet's
                               sender and receiver */

    uint64_t packets[2];    /* [WS_DIR_FWD], [WS_DIR_REV] */
    uint64_t bytes[2];      /* IP bytes */
    uint64_t wire_bytes[2]; /* frame bytes, as tshark counts them */
    int64_t first_us, last_us;

    /* TCP */
    uint8_t tcp_hist[2];    /* WS_TCPH_* seen per direction */
    uint8_t syn_count;      /* SYNs sent by the initiator (retransmissions) */
    bool established;       /* SYN-ACK then the initiator's ACK seen, or
                               payload both ways (a SYN-ACK the capture
                               missed); joined midstream: packets both ways */
    uint8_t tcp_events;     /* WS_TCPE_* */

    /* ICMP errors quoting this flow */
    uint32_t icmp_errors;
    uint8_t icmp_type, icmp_code; /* of the last one */
    ws_addr icmp_reporter;        /* who sent it (a router, a firewall) */

    /* ESP SPI per direction (proto 50) */
    uint32_t esp_spi[2];

    /* Tagging, owned by the pipeline (dpi/): the flow table never touches it. */
    void *dpi_state;
    uint16_t app, app_master;
    uint8_t app_source;     /* 0 none, 1 dpi, 2 guess */
    uint8_t tag_flags;
} ws_flow;

ws_outcome ws_flow_outcome(const ws_flow *f);

typedef enum ws_end_reason {
    WS_END_IDLE,      /* idle timeout */
    WS_END_EVICTED,   /* pushed out to stay within the budget */
    WS_END_REUSED,    /* same 5-tuple started a new connection */
    WS_END_FLUSH,     /* end of input */
} ws_end_reason;

/*
 * Called once for every flow that ends, before its memory is reused. It may
 * read (and update its own tagging fields of) the flow, but must not call
 * back into the table.
 */
typedef void (*ws_flow_end_cb)(ws_flow *flow, ws_end_reason why, void *ctx);

typedef struct ws_flow_table ws_flow_table;

/*
 * limits/stats borrowed; NULL on ENOMEM.
 *
 * Budget: the table tracks at most
 *   capacity = min(max_flows, max_flow_bytes / ws_flow_table_bytes_per_flow())
 * flows; flow storage (in chunks) and the hash table together stay within
 * capacity * ws_flow_table_bytes_per_flow() bytes. When a new flow needs a
 * slot and the table is full, flows already past their idle timeout end
 * first (WS_END_IDLE); then the least recently active flow is evicted
 * (WS_END_EVICTED, counted in flows_evicted). "Least recently active" is
 * exact to within one second of capture time (a flow's place in its LRU list
 * is refreshed at most once per second), and so is idle expiry by the
 * periodic sweep; a flow found idle when its next packet arrives is judged
 * exactly. With capacity 0 nothing can be
 * tracked: the packet is counted in flows_dropped and NULL returned.
 *
 * Idle timeouts, by class: tcp_idle_us for TCP that is established (or
 * joined midstream) and not finished; tcp_handshake_idle_us for TCP not yet
 * established or finished (RST seen, or FIN from both sides); udp_idle_us;
 * icmp_idle_us (ICMP and ICMPv6); other_idle_us. A flow is idle when capture
 * time is more than its timeout past its last packet; a timeout <= 0 never
 * expires. Capture time is the time of the packet being accounted (or
 * now_us given to ws_flow_table_expire); when it steps back (captures
 * merged out of order) flows last seen after it are not idle.
 *
 * Port reuse: a SYN without ACK on a TCP flow ends it (WS_END_REUSED) and
 * starts a new flow, as tshark 4.0 separates tcp.stream numbers, when
 *   - it comes from the initiator with another sequence number than the
 *     initiator's first SYN (a new connection; same number: a
 *     retransmission, counted in syn_count, even after a RST), or
 *   - the flow had finished (RST seen, or FIN from both sides: closed, reset
 *     or rejected) and the SYN is not such a retransmission, or
 *   - the flow was joined midstream (its connection ended unseen).
 * A SYN on a flow seen from its SYN-ACK (capture reordering), or on a flow
 * known only from an ICMP error, joins that flow. A flow past its idle
 * timeout ends (WS_END_IDLE) when its next packet arrives, whatever it is.
 */
ws_flow_table *ws_flow_table_new(const ws_limits *limits, ws_stats *stats,
                                 ws_flow_end_cb on_end, void *ctx);
/* Frees the table without calling on_end: call ws_flow_table_flush first. */
void ws_flow_table_free(ws_flow_table *t);

/*
 * Accounts one packet. Returns its flow and sets *dir (WS_DIR_*), or returns
 * NULL when it could not be tracked (budget full and nothing evictable:
 * counted in flows_dropped). An ICMP error quoting a known flow returns that
 * flow with *dir = WS_DIR_ICMP (counted in icmp_errors); an error quoting no
 * known flow creates the flow from the quoted header (initiator = quoted
 * source, no packets) and returns it the same way (icmp_errors_unmatched).
 * Also expires idle flows as capture time advances (at most once per second
 * of capture time). The pointer stays valid until the next call; the flow
 * itself stays at that address until it ends.
 */
ws_flow *ws_flow_table_packet(ws_flow_table *t, const ws_packet *pkt, int *dir);

/*
 * Optional: called with each flow that a sweep of idle flows (in
 * ws_flow_table_packet or ws_flow_table_expire) or ws_flow_table_flush is
 * about to end, in the order they will end, before the first of them ends
 * (ctx is the table's). A stage that finishes a flow's work on another
 * thread can so start on all of them at once instead of one at a time.
 * Flows ended one by one (reused, evicted, found idle by their own next
 * packet) are not announced. It must not call back into the table.
 */
typedef void (*ws_flow_ending_cb)(ws_flow *flow, void *ctx);
void ws_flow_table_set_ending(ws_flow_table *t, ws_flow_ending_cb fn);

/* Ends flows idle at now_us. */
void ws_flow_table_expire(ws_flow_table *t, int64_t now_us);
/* Ends every flow (reason WS_END_FLUSH), in creation (id) order. */
void ws_flow_table_flush(ws_flow_table *t);

size_t ws_flow_table_active(const ws_flow_table *t);
/* Memory one tracked flow costs the table, in bytes (for the budget). */
size_t ws_flow_table_bytes_per_flow(void);
/* Flows the table may hold at once (the budget above). */
size_t ws_flow_table_capacity(const ws_flow_table *t);
/* Bytes the table holds now for flow storage and its hash index. */
size_t ws_flow_table_memory(const ws_flow_table *t);

#endif

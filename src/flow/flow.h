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

/* Outcome of a flow, in the spirit of Zeek's conn_state. */
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

typedef struct ws_flow {
    uint64_t id;            /* 1, 2, ... in order of creation */
    ws_addr src, dst;       /* src is the initiator */
    uint16_t sport, dport;  /* ICMP: type and code of the first packet, Zeek-style */
    uint8_t proto;
    uint8_t ip_version;
    bool initiator_guessed; /* true when who-started had to be inferred */

    uint64_t packets[2];    /* [WS_DIR_FWD], [WS_DIR_REV] */
    uint64_t bytes[2];      /* IP bytes */
    uint64_t wire_bytes[2]; /* frame bytes, as tshark counts them */
    int64_t first_us, last_us;

    /* TCP */
    uint8_t tcp_hist[2];    /* WS_TCPH_* seen per direction */
    uint8_t syn_count;      /* SYNs sent by the initiator (retransmissions) */
    bool established;       /* three-way handshake (or data both ways) seen */

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

/* Called once for every flow that ends, before its memory is reused. */
typedef void (*ws_flow_end_cb)(ws_flow *flow, ws_end_reason why, void *ctx);

typedef struct ws_flow_table ws_flow_table;

/* limits/stats borrowed; NULL on ENOMEM. */
ws_flow_table *ws_flow_table_new(const ws_limits *limits, ws_stats *stats,
                                 ws_flow_end_cb on_end, void *ctx);
/* Frees the table without calling on_end: call ws_flow_table_flush first. */
void ws_flow_table_free(ws_flow_table *t);

/*
 * Accounts one packet. Returns its flow and sets *dir (WS_DIR_*), or returns
 * NULL when it could not be tracked (budget full and nothing evictable:
 * counted in flows_dropped). An ICMP error quoting a known flow returns that
 * flow with *dir = WS_DIR_ICMP. Also expires idle flows as time advances.
 */
ws_flow *ws_flow_table_packet(ws_flow_table *t, const ws_packet *pkt, int *dir);

/* Ends flows idle at now_us. */
void ws_flow_table_expire(ws_flow_table *t, int64_t now_us);
/* Ends every flow (reason WS_END_FLUSH). */
void ws_flow_table_flush(ws_flow_table *t);

size_t ws_flow_table_active(const ws_flow_table *t);
/* Memory one tracked flow costs the table, in bytes (for the budget). */
size_t ws_flow_table_bytes_per_flow(void);

#endif

/* limits.h - every resource limit of wirespec, and every counter that says a
 * limit or a bad input cost us something. Defaults live in limits.c only. */
#ifndef WS_LIMITS_H
#define WS_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ws_limits {
    /* flow table */
    uint32_t max_flows;           /* flows tracked at once */
    uint64_t max_flow_bytes;      /* memory the flow table may use, bytes */
    /* idle timeouts, microseconds */
    int64_t  tcp_idle_us;         /* established TCP */
    int64_t  tcp_handshake_idle_us; /* TCP not yet established, or closed */
    int64_t  udp_idle_us;
    int64_t  icmp_idle_us;
    int64_t  other_idle_us;
    /* IP fragment reassembly */
    uint64_t frag_max_bytes;      /* bytes held in all pending datagrams */
    uint32_t frag_max_datagrams;  /* datagrams pending at once */
    int64_t  frag_timeout_us;
    /* tunnels (IP-in-IP, GRE) followed at most this deep */
    uint32_t max_tunnel_depth;
    /* tagging */
    uint32_t dpi_max_packets;     /* packets per flow given to nDPI */
    uint32_t threads;             /* 1: offline audits run nDPI on a thread of its
                                     own and share out the end of input (the
                                     open flows' checks, the records' order, the
                                     JSON report); 0: one thread */
    uint32_t max_names;           /* address -> name entries */
    uint32_t max_ike_sas;         /* IKE SAs tracked at once */
    /* checks */
    uint32_t max_findings;        /* finding groups kept */
    uint32_t max_coverage;        /* coverage entries (rule x host pair) kept */
    /* report */
    uint64_t max_report_flows;    /* flow records kept for the report */
} ws_limits;

/* Fills *l with the defaults. */
void ws_limits_default(ws_limits *l);
/* The defaults of wirespec live (doc/live.md, "Sizing"): ws_limits_default
 * with a SYN timeout of WS_LIVE_SYN_TIMEOUT_S (tcp_handshake_idle: a SYN
 * unanswered that long is a blocked path) and at most WS_LIVE_REPORT_FLOWS
 * flow records kept for the report. */
#define WS_LIVE_SYN_TIMEOUT_S 5
#define WS_LIVE_REPORT_FLOWS 65536
void ws_limits_live_default(ws_limits *l);

/*
 * Sets one limit from text, as given to --limit NAME=VALUE: counts are plain
 * integers, sizes take a K, M or G suffix (powers of 1024), durations are
 * seconds (fractions allowed). Returns false with a message in err.
 */
bool ws_limits_set(ws_limits *l, const char *name, const char *value,
                   char *err, size_t errlen);

/* Iterates the limit names: returns the i-th name and its description, or NULL. */
const char *ws_limits_name(size_t i, const char **description);

/*
 * Counters. X(name, description): one list, so that every counter reaches the
 * report without anyone having to remember to print it.
 */
#define WS_STATS_COUNTERS(X)                                                   \
    X(packets, "packets read")                                                 \
    X(bytes, "bytes read (wire length)")                                       \
    X(ip_packets, "packets carrying IPv4 or IPv6")                             \
    X(non_ip, "packets with no IP layer (ARP, LLDP, ...)")                     \
    X(unsupported_link, "packets of a link type wirespec does not read")       \
    X(truncated, "packets cut short before a header ended")                    \
    X(malformed, "packets whose headers contradict themselves")                \
    X(tunnels, "packets decoded inside an IP-in-IP or GRE tunnel")             \
    X(tunnel_too_deep, "packets nested deeper than max_tunnel_depth")          \
    X(fragments, "IP fragments seen")                                          \
    X(reassembled, "datagrams rebuilt from fragments")                         \
    X(frag_overlap, "fragments overlapping another one")                       \
    X(frag_overlap_conflict, "overlaps carrying different bytes")              \
    X(frag_dropped_limit, "fragments dropped at the reassembly memory cap")    \
    X(frag_timeout, "datagrams never completed before frag_timeout")           \
    X(flows, "flows created")                                                  \
    X(flows_expired, "flows ended by their idle timeout")                      \
    X(flows_evicted, "flows evicted early to stay within the flow budget")     \
    X(flows_dropped, "packets not tracked: flow budget full, nothing evictable") \
    X(icmp_errors, "ICMP errors attached to the flow they quote")              \
    X(icmp_errors_unmatched, "ICMP errors quoting no known flow")              \
    X(dpi_classified, "flows nDPI classified from payload")                   \
    X(dpi_guessed, "flows nDPI could only guess from ports")                   \
    X(dpi_gave_up, "flows given up after dpi_max_packets")                     \
    X(dpi_sip_over_http, "SIP over TCP that nDPI named HTTP, tagged SIP")         \
    X(ike_packets, "IKE messages decoded")                                     \
    X(ike_malformed, "IKE messages cut short or inconsistent")                 \
    X(ike_sas_dropped, "IKE SAs not tracked: max_ike_sas reached")             \
    X(names_learned, "address-to-name bindings learned")                       \
    X(names_dropped, "names not kept: max_names, 8 per address, or per-message caps") \
    X(name_parse_errors, "DNS/TLS/HTTP messages too malformed to read names")  \
    X(findings_dropped, "findings not kept: max_findings groups reached")      \
    X(coverage_dropped, "coverage entries not kept: max_coverage reached")     \
    X(report_flows_dropped, "flow records left out of the report (max_report_flows)")

typedef struct ws_stats {
#define WS_STATS_FIELD(name, desc) uint64_t name;
    WS_STATS_COUNTERS(WS_STATS_FIELD)
#undef WS_STATS_FIELD
} ws_stats;

#endif

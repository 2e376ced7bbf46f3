/* limits.c - the one place where the default limits are written down. */
#include "limits.h"

#define SEC 1000000LL

void ws_limits_default(ws_limits *l)
{
    l->max_flows = 1u << 20;
    l->max_flow_bytes = 512ull << 20;
    l->tcp_idle_us = 3600 * SEC;
    l->tcp_handshake_idle_us = 30 * SEC;
    l->udp_idle_us = 120 * SEC;
    l->icmp_idle_us = 30 * SEC;
    l->other_idle_us = 120 * SEC;
    l->frag_max_bytes = 16ull << 20;
    l->frag_max_datagrams = 4096;
    l->frag_timeout_us = 30 * SEC;
    l->max_tunnel_depth = 4;
    l->dpi_max_packets = 24;
    l->max_names = 65536;
    l->max_ike_sas = 16384;
    l->max_report_flows = 1u << 20;
}

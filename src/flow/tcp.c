/* tcp.c - TCP connection facts per direction and the outcome of a flow.
 * specification: RFC 9293 section 3.5 (establishing and closing a
 * connection, reset generation); outcomes after Zeek's conn_state. */
#include "flow/flow_int.h"

#include <stdio.h>

#define PROTO_TCP 6

void ws_flow_tcp_update(ws_flow *f, int dir, const ws_packet *pkt)
{
    uint8_t fl = pkt->tcp_flags;
    bool syn = fl & WS_TCP_SYN, ack = fl & WS_TCP_ACK;
    bool rst = fl & WS_TCP_RST, fin = fl & WS_TCP_FIN;
    uint8_t *h = &f->tcp_hist[dir];

    if (syn && !ack) {
        *h |= WS_TCPH_SYN;
        if (dir == WS_DIR_FWD && f->syn_count < UINT8_MAX)
            f->syn_count++;
    } else if (syn && ack) {
        *h |= WS_TCPH_SYNACK;
    } else if (ack) {
        *h |= WS_TCPH_ACK;
    }
    if (pkt->payload_len > 0)
        *h |= WS_TCPH_DATA;
    if (fin)
        *h |= WS_TCPH_FIN;
    if (rst) {
        uint8_t both = f->tcp_hist[0] | f->tcp_hist[1];
        /* A FIN in the same segment counts as before the RST. */
        if (!(both & WS_TCPH_RST) && (both & WS_TCPH_FIN))
            f->tcp_events |= WS_TCPE_RST_AFTER_FIN;
        *h |= WS_TCPH_RST;
    }
    if (!f->established) {
        if (dir == WS_DIR_FWD && ack && !syn && !rst &&
            (f->tcp_hist[WS_DIR_REV] & WS_TCPH_SYNACK))
            f->established = true;
        else if ((f->tcp_hist[0] & WS_TCPH_DATA) && (f->tcp_hist[1] & WS_TCPH_DATA))
            f->established = true; /* the SYN-ACK escaped the capture */
        else if (ws_flow_tcp_midstream(f) && f->packets[0] && f->packets[1])
            f->established = true;
    }
}

bool ws_flow_tcp_finished(const ws_flow *f)
{
    uint8_t both = f->tcp_hist[0] | f->tcp_hist[1];
    return (both & WS_TCPH_RST) || ((f->tcp_hist[0] & WS_TCPH_FIN) &&
                                    (f->tcp_hist[1] & WS_TCPH_FIN));
}

bool ws_flow_tcp_midstream(const ws_flow *f)
{
    return !(f->tcp_hist[WS_DIR_FWD] & WS_TCPH_SYN) &&
           !(f->tcp_hist[WS_DIR_REV] & WS_TCPH_SYNACK);
}

ws_outcome ws_flow_outcome(const ws_flow *f)
{
    if (f->packets[WS_DIR_REV] == 0 && f->icmp_errors > 0)
        return WS_OUT_ICMP_ERROR;
    if (f->proto != PROTO_TCP)
        return f->packets[WS_DIR_REV] > 0 ? WS_OUT_ANSWERED : WS_OUT_UNANSWERED;

    uint8_t h0 = f->tcp_hist[WS_DIR_FWD], h1 = f->tcp_hist[WS_DIR_REV];
    if (ws_flow_tcp_midstream(f))
        return WS_OUT_MIDSTREAM;
    if (f->established) {
        if ((h0 & WS_TCPH_FIN) && (h1 & WS_TCPH_FIN))
            return WS_OUT_CLOSED;
        if ((h0 | h1) & WS_TCPH_RST)
            return (f->tcp_events & WS_TCPE_RST_AFTER_FIN) ? WS_OUT_CLOSED
                                                           : WS_OUT_RESET;
        return WS_OUT_ESTABLISHED;
    }
    if ((h1 & WS_TCPH_RST) && !(h1 & WS_TCPH_SYNACK))
        return WS_OUT_REJECTED;
    if (h1 & WS_TCPH_SYNACK)
        return WS_OUT_HALF_OPEN;
    if (f->packets[WS_DIR_REV] == 0)
        return (h0 & WS_TCPH_FIN) ? WS_OUT_HALF_OPEN : WS_OUT_NO_ANSWER;
    return WS_OUT_HALF_OPEN;
}

const char *ws_outcome_name(ws_outcome o)
{
    switch (o) {
    case WS_OUT_ESTABLISHED: return "established";
    case WS_OUT_REJECTED: return "rejected";
    case WS_OUT_NO_ANSWER: return "no-answer";
    case WS_OUT_RESET: return "reset";
    case WS_OUT_HALF_OPEN: return "half-open";
    case WS_OUT_CLOSED: return "closed";
    case WS_OUT_MIDSTREAM: return "midstream";
    case WS_OUT_ANSWERED: return "answered";
    case WS_OUT_UNANSWERED: return "unanswered";
    case WS_OUT_ICMP_ERROR: return "icmp-error";
    }
    return "unknown";
}

const char *ws_transport_name(uint8_t proto, char buf[8])
{
    switch (proto) {
    case 6: return "tcp";
    case 17: return "udp";
    case 1: return "icmp";
    case 58: return "icmpv6";
    case 50: return "esp";
    default:
        snprintf(buf, 8, "ip-%u", proto);
        return buf;
    }
}

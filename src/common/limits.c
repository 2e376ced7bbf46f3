/* limits.c - the one place where the default limits are written down, and
 * where --limit NAME=VALUE is understood. */
#include "limits.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEC 1000000LL

void ws_limits_default(ws_limits *l)
{
    l->max_flows = 1u << 20;
    l->max_flow_bytes = 512ull << 20;
    l->tcp_idle_us = 3600 * SEC;
    /* Linux gives up a connect after SYNs at 0, 1, 3, 7, 15, 31 and 63 s:
     * a blocked attempt stays one flow. */
    l->tcp_handshake_idle_us = 135 * SEC;
    l->udp_idle_us = 120 * SEC;
    l->icmp_idle_us = 30 * SEC;
    l->other_idle_us = 120 * SEC;
    l->frag_max_bytes = 16ull << 20;
    l->frag_max_datagrams = 4096;
    l->frag_timeout_us = 30 * SEC;
    l->max_tunnel_depth = 4;
    l->dpi_max_packets = 24;
    /* A second thread only helps with a second processor to run it. */
    l->threads = sysconf(_SC_NPROCESSORS_ONLN) > 1;
    l->max_names = 65536;
    l->max_ike_sas = 16384;
    l->max_findings = 100000;
    l->max_coverage = 100000;
    l->max_report_flows = 1u << 20;
}

void ws_limits_live_default(ws_limits *l)
{
    ws_limits_default(l);
    /* Operators want a blocked path told while it happens, not after a
     * client has given up: the verdict of an unanswered SYN is certain
     * once it has waited longer than any answer takes. */
    l->tcp_handshake_idle_us = WS_LIVE_SYN_TIMEOUT_S * SEC;
    /* Records are kept for the report; a run of days must not keep one
     * per flow. */
    l->max_report_flows = WS_LIVE_REPORT_FLOWS;
}

enum kind { K_U32, K_U64, K_BYTES, K_USEC, K_BOOL };

static const struct {
    const char *name;
    enum kind kind;
    size_t offset;
    const char *description;
} table[] = {
#define L(field, kind, desc) {#field, kind, offsetof(ws_limits, field), desc}
    L(max_flows, K_U32, "flows tracked at once"),
    L(max_flow_bytes, K_BYTES, "memory the flow table may use"),
    L(tcp_idle_us, K_USEC, "idle timeout of established TCP flows, seconds"),
    L(tcp_handshake_idle_us, K_USEC, "idle timeout of TCP flows not established, seconds"),
    L(udp_idle_us, K_USEC, "idle timeout of UDP flows, seconds"),
    L(icmp_idle_us, K_USEC, "idle timeout of ICMP flows, seconds"),
    L(other_idle_us, K_USEC, "idle timeout of other flows, seconds"),
    L(frag_max_bytes, K_BYTES, "memory held by IP fragments awaiting reassembly"),
    L(frag_max_datagrams, K_U32, "datagrams awaiting reassembly at once"),
    L(frag_timeout_us, K_USEC, "time a datagram may wait for its fragments, seconds"),
    L(max_tunnel_depth, K_U32, "IP-in-IP and GRE layers followed"),
    L(dpi_max_packets, K_U32, "packets per flow given to nDPI"),
    L(threads, K_BOOL, "1: nDPI and end-of-input work on threads (offline audits), 0: one thread"),
    L(max_names, K_U32, "address-to-name bindings kept"),
    L(max_ike_sas, K_U32, "IKE SAs tracked at once"),
    L(max_findings, K_U32, "finding groups kept (kind, rule, hosts, port)"),
    L(max_coverage, K_U32, "coverage entries kept (mandatory rule x host pair)"),
    L(max_report_flows, K_U64, "flow records kept for the report"),
#undef L
};

/* The user-facing name: durations drop the _us suffix ("udp_idle"). */
static size_t user_name_len(const char *name)
{
    size_t n = strlen(name);
    return (n > 3 && strcmp(name + n - 3, "_us") == 0) ? n - 3 : n;
}

const char *ws_limits_name(size_t i, const char **description)
{
    static char buf[sizeof(table) / sizeof(table[0])][40];
    if (i >= sizeof(table) / sizeof(table[0]))
        return NULL;
    snprintf(buf[i], sizeof(buf[i]), "%.*s", (int)user_name_len(table[i].name), table[i].name);
    if (description)
        *description = table[i].description;
    return buf[i];
}

bool ws_limits_set(ws_limits *l, const char *name, const char *value,
                   char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        size_t n = user_name_len(table[i].name);
        if (strlen(name) != n || strncmp(name, table[i].name, n) != 0)
            continue;
        void *field = (char *)l + table[i].offset;
        char *end;
        errno = 0;
        if (table[i].kind == K_USEC) {
            double s = strtod(value, &end);
            if (errno || end == value || *end || !(s >= 0) || s > 1e9) {
                snprintf(err, errlen, "limit %s: \"%s\" is not a duration in seconds (0 to 1e9)", name, value);
                return false;
            }
            *(int64_t *)field = (int64_t)llround(s * SEC);
            return true;
        }
        if (table[i].kind == K_BOOL) {
            if (strcmp(value, "0") && strcmp(value, "1")) {
                snprintf(err, errlen, "limit %s: \"%s\" is not 0 or 1", name, value);
                return false;
            }
            *(uint32_t *)field = value[0] == '1';
            return true;
        }
        if (value[0] == '-' || value[0] == '\0') {
            snprintf(err, errlen, "limit %s: \"%s\" is not a non-negative number", name, value);
            return false;
        }
        unsigned long long v = strtoull(value, &end, 10);
        unsigned long long mult = 1;
        if (table[i].kind == K_BYTES && *end) {
            switch (*end) {
            case 'k': case 'K': mult = 1ull << 10; end++; break;
            case 'm': case 'M': mult = 1ull << 20; end++; break;
            case 'g': case 'G': mult = 1ull << 30; end++; break;
            default: break;
            }
        }
        if (errno || end == value || *end || v > UINT64_MAX / mult ||
            (table[i].kind == K_U32 && v > UINT32_MAX)) {
            snprintf(err, errlen, "limit %s: \"%s\" is not a %s", name, value,
                     table[i].kind == K_BYTES ? "size (bytes, or with K, M, G)"
                     : table[i].kind == K_U32 ? "count from 0 to 4294967295"
                                              : "count");
            return false;
        }
        if (table[i].kind == K_U32)
            *(uint32_t *)field = (uint32_t)v;
        else
            *(uint64_t *)field = v * mult;
        return true;
    }
    snprintf(err, errlen, "unknown limit \"%s\" (see wirespec(1), LIMITS)", name);
    return false;
}

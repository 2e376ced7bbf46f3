/* test_dpi.c - nDPI tagging of real captures: verdicts, guesses, limits, state.
 * specification: expected applications are those both tshark 4.0 and
 * ndpiReader 4.2 (`ndpiReader -i FILE -v 2`) name for the same flow; the
 * commands are quoted next to each case.
 *
 * The driver reads captures with libpcap and parses Ethernet (802.1Q/QinQ),
 * IPv4/IPv6 and TCP/UDP ports itself, through the cursor, and keeps a tiny
 * flow table, so that this test depends on the dpi stage alone.
 */
#include <dirent.h>
#include <pcap/pcap.h>
#include <string.h>

#include "common/cursor.h"
#include "dpi/dpi.h"
#include "ws_test.h"

#define CORPUS WS_SOURCE_DIR "/../shared/corpus/ndpi/"
#define MAX_TFLOWS 256

/* Every case runs twice: nDPI on the calling thread, then on its worker
 * thread (limits.threads), where the answers must be the same. */
static uint32_t worker_mode;

typedef struct tctx {
    ws_limits limits;
    ws_stats stats;
    ws_dpi *dpi;
    ws_flow flows[MAX_TFLOWS];
    size_t nflows;
    /* Hooks for the state tests: stop after this many packets (0 = all). */
    size_t max_frames;
    /* Snapshot of one flow's dpi_state right after each of its packets. */
    int watch;                 /* index of the flow watched, -1 none */
    uint64_t watch_pkts_with_state;
} tctx;

static ws_flow *lookup(tctx *t, const ws_packet *p, int *dir)
{
    for (size_t i = 0; i < t->nflows; i++) {
        ws_flow *f = &t->flows[i];
        if (f->proto != p->proto)
            continue;
        if (ws_addr_eq(&f->src, &p->src) && ws_addr_eq(&f->dst, &p->dst) &&
            f->sport == p->sport && f->dport == p->dport) {
            *dir = WS_DIR_FWD;
            return f;
        }
        if (ws_addr_eq(&f->src, &p->dst) && ws_addr_eq(&f->dst, &p->src) &&
            f->sport == p->dport && f->dport == p->sport) {
            *dir = WS_DIR_REV;
            return f;
        }
    }
    if (t->nflows == MAX_TFLOWS)
        return NULL;
    ws_flow *f = &t->flows[t->nflows++];
    memset(f, 0, sizeof(*f));
    f->id = t->nflows;
    f->src = p->src;
    f->dst = p->dst;
    f->sport = p->sport;
    f->dport = p->dport;
    f->proto = p->proto;
    f->ip_version = p->ip_version;
    *dir = WS_DIR_FWD;
    return f;
}

/* Ethernet frame (802.1Q, QinQ, PPPoE) -> ws_packet (IPv4/IPv6, TCP/UDP ports). False if not IP. */
static bool parse_frame(const uint8_t *data, uint32_t caplen, ws_packet *p)
{
    ws_cur c = ws_cur_make(data, caplen);
    ws_cur_skip(&c, 12);
    uint16_t type = ws_cur_be16(&c);
    while (type == 0x8100 || type == 0x88a8) {
        ws_cur_skip(&c, 2);
        type = ws_cur_be16(&c);
    }
    if (type == 0x8864) { /* PPPoE session (RFC 2516), PPP protocol field */
        ws_cur_skip(&c, 6);
        uint16_t ppp = ws_cur_be16(&c);
        type = ppp == 0x0021 ? 0x0800 : ppp == 0x0057 ? 0x86dd : 0;
    }
    if (!ws_cur_ok(&c))
        return false;
    p->l3 = c.p;
    p->l3_len = (uint32_t)ws_cur_left(&c);
    uint8_t l4proto;
    if (type == 0x0800) {
        uint8_t vihl = ws_cur_u8(&c);
        ws_cur_skip(&c, 1);
        p->ip_len = ws_cur_be16(&c);
        ws_cur_skip(&c, 2);
        uint16_t frag = ws_cur_be16(&c);
        ws_cur_skip(&c, 1);
        l4proto = ws_cur_u8(&c);
        ws_cur_skip(&c, 2);
        uint8_t a[4], b[4];
        ws_cur_copy(&c, a, 4);
        ws_cur_copy(&c, b, 4);
        ws_cur_skip(&c, (size_t)((vihl & 0x0f) * 4) - 20);
        if (!ws_cur_ok(&c) || (vihl >> 4) != 4 || (frag & 0x1fff))
            return false;
        ws_addr_set4(&p->src, a);
        ws_addr_set4(&p->dst, b);
        p->ip_version = 4;
    } else if (type == 0x86dd) {
        ws_cur_skip(&c, 4);
        uint16_t plen = ws_cur_be16(&c);
        l4proto = ws_cur_u8(&c);
        ws_cur_skip(&c, 1);
        uint8_t a[16], b[16];
        ws_cur_copy(&c, a, 16);
        ws_cur_copy(&c, b, 16);
        if (!ws_cur_ok(&c))
            return false;
        ws_addr_set6(&p->src, a);
        ws_addr_set6(&p->dst, b);
        p->ip_len = (uint32_t)plen + 40;
        p->ip_version = 6;
    } else {
        return false;
    }
    p->proto = l4proto;
    if (l4proto == 6 || l4proto == 17) {
        p->sport = ws_cur_be16(&c);
        p->dport = ws_cur_be16(&c);
        if (!ws_cur_ok(&c))
            p->sport = p->dport = 0;
    }
    return true;
}

/* Runs a capture through the dpi stage; flows are ended at the end unless
 * keep_open. Returns false if the file cannot be read. */
static bool run(tctx *t, const char *file, bool keep_open)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(file, err);
    if (!pc) {
        fprintf(stderr, "%s: %s\n", file, err);
        return false;
    }
    CU_ASSERT_EQUAL_FATAL(pcap_datalink(pc), DLT_EN10MB);
    struct pcap_pkthdr *h;
    const u_char *data;
    size_t frames = 0;
    while (pcap_next_ex(pc, &h, &data) == 1) {
        if (t->max_frames && frames == t->max_frames)
            break;
        frames++;
        ws_packet p;
        memset(&p, 0, sizeof(p));
        p.ts_us = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
        p.wire_len = h->len;
        if (!parse_frame(data, h->caplen, &p))
            continue;
        int dir;
        ws_flow *f = lookup(t, &p, &dir);
        if (!f)
            continue;
        f->packets[dir]++;
        ws_dpi_packet(t->dpi, f, dir, &p);
        if (t->watch >= 0 && f == &t->flows[t->watch] && f->dpi_state)
            t->watch_pkts_with_state++;
    }
    pcap_close(pc);
    if (!keep_open)
        for (size_t i = 0; i < t->nflows; i++)
            ws_dpi_flow_end(t->dpi, &t->flows[i]);
    else
        ws_dpi_sync(t->dpi); /* the worker's verdicts into the flows */
    return true;
}

static tctx *tctx_new(uint32_t max_packets)
{
    tctx *t = calloc(1, sizeof(*t));
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    ws_limits_default(&t->limits);
    if (max_packets)
        t->limits.dpi_max_packets = max_packets;
    t->limits.threads = worker_mode;
    t->watch = -1;
    t->dpi = ws_dpi_new(&t->limits, &t->stats);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t->dpi);
    return t;
}

static void tctx_free(tctx *t)
{
    for (size_t i = 0; i < t->nflows; i++)
        ws_dpi_flow_end(t->dpi, &t->flows[i]);
    ws_dpi_free(t->dpi);
    free(t);
}

/* The flow between a:ap and b:bp (either way), or NULL. */
static ws_flow *find(tctx *t, const char *a, uint16_t ap, const char *b, uint16_t bp)
{
    ws_addr x, y;
    if (!ws_addr_parse(a, &x) || !ws_addr_parse(b, &y))
        return NULL;
    for (size_t i = 0; i < t->nflows; i++) {
        ws_flow *f = &t->flows[i];
        if ((ws_addr_eq(&f->src, &x) && f->sport == ap && ws_addr_eq(&f->dst, &y) &&
             f->dport == bp) ||
            (ws_addr_eq(&f->src, &y) && f->sport == bp && ws_addr_eq(&f->dst, &x) &&
             f->dport == ap))
            return f;
    }
    return NULL;
}

static void expect_app(tctx *t, ws_flow *f, const char *name, uint8_t source)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char buf[64];
    const char *got = ws_dpi_app_name(t->dpi, f, buf, sizeof(buf));
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    if (strcmp(got, name) != 0 || f->app_source != source)
        fprintf(stderr, "\n  flow %llu: got %s (%s), want %s (%s)\n",
                (unsigned long long)f->id, got, ws_dpi_source_name(f->app_source),
                name, ws_dpi_source_name(source));
    CU_ASSERT_STRING_EQUAL(got, name);
    CU_ASSERT_EQUAL(f->app_source, source);
    CU_ASSERT_PTR_NULL(f->dpi_state);
    CU_ASSERT(f->tag_flags & WS_TAG_DPI_DONE);
}

/* dns.pcap. tshark -r dns.pcap -T fields -e ip.src -e udp.srcport -e ip.dst
 *   -e udp.dstport -e dns.qry.name: queries www.l.google.com/www.example.com
 *   (192.168.170.8:32795 <-> .20:53) and e7.whatsapp.net inside QinQ
 *   421/785 and PPPoE (82.178.113.245:47255 -> 82.178.158.181:53).
 * ndpiReader -i dns.pcap -v 2: DNS.Google and DNS.WhatsApp, Confidence DPI. */
static void test_dns(void)
{
    tctx *t = tctx_new(0);
    CU_ASSERT_FATAL(run(t, CORPUS "dns.pcap", false));
    CU_ASSERT_EQUAL(t->nflows, 2);
    expect_app(t, find(t, "192.168.170.8", 32795, "192.168.170.20", 53), "DNS.Google",
               WS_APP_DPI);
    expect_app(t, find(t, "82.178.113.245", 47255, "82.178.158.181", 53),
               "DNS.WhatsApp", WS_APP_DPI);
    CU_ASSERT_EQUAL(t->stats.dpi_classified, 2);
    CU_ASSERT_EQUAL(t->stats.dpi_guessed, 0);
    tctx_free(t);
}

/* google_chat.pcapng. tshark -Y tls.handshake.extensions_server_name:
 *   192.168.88.231:46172 -> 142.251.1.100:443, SNI chat.google.com.
 * ndpiReader: TLS.Google, Confidence DPI. */
static void test_tls_sni(void)
{
    tctx *t = tctx_new(0);
    CU_ASSERT_FATAL(run(t, CORPUS "google_chat.pcapng", false));
    expect_app(t, find(t, "192.168.88.231", 46172, "142.251.1.100", 443), "TLS.Google",
               WS_APP_DPI);
    tctx_free(t);
}

/* sip.pcap. tshark: REGISTER from 192.168.1.2:5060 to 212.242.33.35:5060,
 *   protocol SIP. ndpiReader: SIP, Confidence DPI; the RTP stream
 *   192.168.1.2:30000 -> 212.242.33.36:40392 is RTP, Confidence DPI
 *   (tshark -d udp.port==30000,rtp decodes it as RTP version 2). */
static void test_sip(void)
{
    tctx *t = tctx_new(0);
    CU_ASSERT_FATAL(run(t, CORPUS "sip.pcap", false));
    expect_app(t, find(t, "192.168.1.2", 5060, "212.242.33.35", 5060), "SIP", WS_APP_DPI);
    expect_app(t, find(t, "192.168.1.2", 5060, "200.68.120.81", 5060), "SIP", WS_APP_DPI);
    tctx_free(t);
}

/* ssh.pcap. tshark: 172.16.238.1:58395 -> 172.16.238.168:22, SSH banners in
 *   frames 4 and 6; 127.0.0.1:58496 -> 127.0.0.1:8000 carries SSH too
 *   (tshark -d tcp.port==8000,ssh). ndpiReader: both SSH, Confidence DPI:
 *   SSH on a port that is not 22 is still named from payload. */
static void test_ssh(void)
{
    tctx *t = tctx_new(0);
    CU_ASSERT_FATAL(run(t, CORPUS "ssh.pcap", false));
    expect_app(t, find(t, "172.16.238.1", 58395, "172.16.238.168", 22), "SSH", WS_APP_DPI);
    expect_app(t, find(t, "127.0.0.1", 58496, "127.0.0.1", 8000), "SSH", WS_APP_DPI);
    tctx_free(t);
}

/* 443-chrome.pcap: one TCP segment 178.62.197.130:443 -> 192.168.1.13:53059,
 * tshark "Continuation Data": no handshake, nothing to read. ndpiReader:
 * TLS, Confidence "Match by port". Port evidence only: a guess, not DPI. */
static void test_port_only_is_guess(void)
{
    tctx *t = tctx_new(0);
    CU_ASSERT_FATAL(run(t, CORPUS "443-chrome.pcap", false));
    CU_ASSERT_EQUAL(t->nflows, 1);
    expect_app(t, find(t, "178.62.197.130", 443, "192.168.1.13", 53059), "TLS",
               WS_APP_GUESS);
    CU_ASSERT_EQUAL(t->stats.dpi_classified, 0);
    CU_ASSERT_EQUAL(t->stats.dpi_guessed, 1);
    CU_ASSERT_EQUAL(t->stats.dpi_gave_up, 0); /* ended by the flow, not the limit */
    tctx_free(t);
}

/* The state is freed as soon as the verdict is in: the SSH flow of
 * ssh.pcap has 258 packets (ndpiReader: 159 + 99) but its server banner is
 * frame 4 and the client's frame 6 (tshark), so nDPI is done within the
 * first few packets and holds no state for the rest. */
static void test_state_freed_after_verdict(void)
{
    tctx *t = tctx_new(0);
    t->watch = 0; /* the first flow of the capture is the port 22 one */
    CU_ASSERT_FATAL(run(t, CORPUS "ssh.pcap", true));
    ws_flow *f = find(t, "172.16.238.1", 58395, "172.16.238.168", 22);
    CU_ASSERT_PTR_EQUAL_FATAL(f, &t->flows[0]);
    CU_ASSERT_EQUAL(f->packets[0] + f->packets[1], 258);
    CU_ASSERT_PTR_NULL(f->dpi_state);
    CU_ASSERT(f->tag_flags & WS_TAG_DPI_DONE);
    CU_ASSERT_EQUAL(f->app_source, WS_APP_DPI);
    /* State was held for at most the packets before the verdict (on the
     * calling thread; a worker's verdict lands a few packets later). */
    if (!worker_mode)
        CU_ASSERT(t->watch_pkts_with_state < t->limits.dpi_max_packets);
    /* Both flows of the capture have their verdict: nothing is in progress. */
    CU_ASSERT_EQUAL(t->nflows, 2);
    CU_ASSERT_EQUAL(ws_dpi_active(t->dpi), 0);
    tctx_free(t);
}

/* A flow that ends before any verdict holds state until ws_dpi_flow_end,
 * which frees it (ASan/LSan would report a leak otherwise). Frames 1-3 of
 * ssh.pcap are SYN, SYN-ACK, ACK with no payload (tshark tcp.len 0). */
static void test_state_freed_at_flow_end(void)
{
    tctx *t = tctx_new(0);
    t->max_frames = 3;
    CU_ASSERT_FATAL(run(t, CORPUS "ssh.pcap", true));
    CU_ASSERT_EQUAL_FATAL(t->nflows, 1);
    ws_flow *f = &t->flows[0];
    CU_ASSERT_PTR_NOT_NULL(f->dpi_state);
    CU_ASSERT_FALSE(f->tag_flags & WS_TAG_DPI_DONE);
    CU_ASSERT_EQUAL(ws_dpi_active(t->dpi), 1);
    ws_dpi_flow_end(t->dpi, f);
    CU_ASSERT_EQUAL(ws_dpi_active(t->dpi), 0);
    CU_ASSERT_PTR_NULL(f->dpi_state);
    CU_ASSERT(f->tag_flags & WS_TAG_DPI_DONE);
    /* No payload was seen: port 22 (IANA: ssh) is all there is. */
    CU_ASSERT_EQUAL(f->app_source, WS_APP_GUESS);
    CU_ASSERT_FALSE(f->tag_flags & WS_TAG_DPI_LIMIT);
    ws_dpi_flow_end(t->dpi, f); /* twice is harmless */
    CU_ASSERT_EQUAL(t->stats.dpi_guessed, 1);
    tctx_free(t);
}

/* A run cut short frees its module without ending its flows: the module
 * releases their state itself (LSan reports a leak otherwise). */
static void test_state_freed_with_module(void)
{
    tctx *t = tctx_new(0);
    t->max_frames = 3;
    CU_ASSERT_FATAL(run(t, CORPUS "ssh.pcap", true));
    CU_ASSERT_EQUAL(ws_dpi_active(t->dpi), 1);
    ws_dpi_free(t->dpi);
    free(t);
}

/* Several modules at once (the rules keep one for application names while
 * a run detects): each gives the verdicts it gives alone, whether it was
 * created before or after another one ran detection, and freeing them in
 * any order leaks nothing (LSan). Verdicts as in test_dns. */
static void test_modules_side_by_side(void)
{
    tctx *names = tctx_new(0), *a = tctx_new(0);
    CU_ASSERT_TRUE(ws_dpi_app_known("DNS", names->dpi));
    CU_ASSERT_FATAL(run(a, CORPUS "dns.pcap", false));
    tctx *b = tctx_new(0);
    CU_ASSERT_FATAL(run(b, CORPUS "dns.pcap", false));
    tctx *c = tctx_new(0);
    tctx_free(a);
    CU_ASSERT_FATAL(run(names, CORPUS "dns.pcap", false));
    CU_ASSERT_FATAL(run(c, CORPUS "dns.pcap", false));
    tctx *all[] = {names, b, c};
    for (int i = 0; i < 3; i++) {
        expect_app(all[i], find(all[i], "192.168.170.8", 32795, "192.168.170.20", 53),
                   "DNS.Google", WS_APP_DPI);
        expect_app(all[i], find(all[i], "82.178.113.245", 47255, "82.178.158.181", 53),
                   "DNS.WhatsApp", WS_APP_DPI);
        CU_ASSERT_EQUAL(all[i]->stats.dpi_classified, 2);
        CU_ASSERT_TRUE(ws_dpi_app_known("TLS", all[i]->dpi));
        CU_ASSERT_FALSE(ws_dpi_app_known("NoSuchProtocol", all[i]->dpi));
    }
    tctx_free(b);
    tctx_free(names);
    tctx_free(c);
}

/* With dpi_max_packets = 3, nDPI sees only the handshake of the port 22 flow
 * (frames 1-3, no payload) and must stop there: the banners in frames 4 and
 * 6 are not fed, so the verdict stays a port guess (SSH, IANA port 22) and
 * the limit is counted. */
static void test_packet_limit(void)
{
    tctx *t = tctx_new(3);
    CU_ASSERT_FATAL(run(t, CORPUS "ssh.pcap", false));
    ws_flow *f = find(t, "172.16.238.1", 58395, "172.16.238.168", 22);
    expect_app(t, f, "SSH", WS_APP_GUESS);
    CU_ASSERT(f->tag_flags & WS_TAG_DPI_LIMIT);
    /* The port 8000 flow starts with a handshake too; port 8000 has no SSH
     * guess, so whatever it gets, it is not a DPI verdict. */
    ws_flow *g = find(t, "127.0.0.1", 58496, "127.0.0.1", 8000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_NOT_EQUAL(g->app_source, WS_APP_DPI);
    CU_ASSERT(g->tag_flags & WS_TAG_DPI_LIMIT);
    CU_ASSERT_EQUAL(t->stats.dpi_gave_up, 2);
    CU_ASSERT_EQUAL(t->stats.dpi_classified, 0);
    tctx_free(t);
}

/* ICMP errors quoting a flow and packets whose IP header does not hold
 * together are not fed; a limit of 0 turns DPI off. */
static void test_not_fed(void)
{
    tctx *t = tctx_new(0);
    ws_flow f;
    memset(&f, 0, sizeof(f));
    /* IPv4 header claiming 60 bytes in a 28-byte buffer (python3 -c
     * "print(bytes([0x45,0,0,60]))"), then a valid 28-byte UDP packet sent
     * with the ICMP direction. */
    uint8_t short_pkt[28] = {0x45, 0, 0, 60, 0, 0, 0, 0, 64, 17, 0, 0,
                             10, 0, 0, 1, 10, 0, 0, 2, 0, 53, 0, 53, 0, 8, 0, 0};
    ws_packet p;
    memset(&p, 0, sizeof(p));
    p.ip_version = 4;
    p.proto = 17;
    p.l3 = short_pkt;
    p.l3_len = sizeof(short_pkt);
    ws_dpi_packet(t->dpi, &f, WS_DIR_FWD, &p);
    CU_ASSERT_PTR_NULL(f.dpi_state);
    short_pkt[3] = 28;
    ws_dpi_packet(t->dpi, &f, WS_DIR_ICMP, &p);
    CU_ASSERT_PTR_NULL(f.dpi_state);
    p.ip_version = 6; /* disagrees with the version nibble */
    ws_dpi_packet(t->dpi, &f, WS_DIR_FWD, &p);
    CU_ASSERT_PTR_NULL(f.dpi_state);
    p.ip_version = 4;
    ws_dpi_packet(t->dpi, &f, WS_DIR_FWD, &p);
    CU_ASSERT_PTR_NOT_NULL(f.dpi_state);
    ws_dpi_flow_end(t->dpi, &f);
    CU_ASSERT_PTR_NULL(f.dpi_state);
    tctx_free(t);

    /* dpi_max_packets = 0: nothing is fed, nothing is tagged. */
    tctx *off = calloc(1, sizeof(*off));
    CU_ASSERT_PTR_NOT_NULL_FATAL(off);
    ws_limits_default(&off->limits);
    off->limits.dpi_max_packets = 0;
    off->limits.threads = worker_mode;
    off->watch = -1;
    off->dpi = ws_dpi_new(&off->limits, &off->stats);
    CU_ASSERT_PTR_NOT_NULL_FATAL(off->dpi);
    CU_ASSERT_FATAL(run(off, CORPUS "dns.pcap", false));
    CU_ASSERT_EQUAL(off->flows[0].app_source, WS_APP_NONE);
    CU_ASSERT_EQUAL(off->stats.dpi_classified + off->stats.dpi_guessed, 0);
    char buf[32];
    CU_ASSERT_PTR_NULL(ws_dpi_app_name(off->dpi, &off->flows[0], buf, sizeof(buf)));
    tctx_free(off);
}

/* Every prefix of real packets, and every byte flipped, must pass through
 * without a crash or a sanitizer report (run under -DWS_SANITIZE=ON). */
static void test_truncated_and_mangled(void)
{
    tctx *t = tctx_new(0);
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(CORPUS "google_chat.pcapng", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
    struct pcap_pkthdr *h;
    const u_char *data;
    uint8_t copy[2048];
    while (pcap_next_ex(pc, &h, &data) == 1) {
        ws_packet p;
        memset(&p, 0, sizeof(p));
        if (!parse_frame(data, h->caplen, &p) || p.l3_len > sizeof(copy))
            continue;
        memcpy(copy, p.l3, p.l3_len);
        uint32_t full = p.l3_len;
        for (uint32_t n = 0; n <= full; n += 7) {
            ws_flow f;
            memset(&f, 0, sizeof(f));
            p.l3 = copy;
            p.l3_len = n;
            ws_dpi_packet(t->dpi, &f, WS_DIR_FWD, &p);
            ws_dpi_flow_end(t->dpi, &f);
            CU_ASSERT_PTR_NULL(f.dpi_state);
        }
        for (uint32_t i = 0; i < full; i += 3) {
            ws_flow f;
            memset(&f, 0, sizeof(f));
            copy[i] ^= 0xff;
            p.l3_len = full;
            ws_dpi_packet(t->dpi, &f, WS_DIR_FWD, &p);
            ws_dpi_flow_end(t->dpi, &f);
            copy[i] ^= 0xff;
        }
    }
    pcap_close(pc);
    tctx_free(t);
}

/* Every capture of the nDPI corpus with Ethernet framing: the worker thread
 * tags each flow exactly as detection on the calling thread does (the same
 * nDPI calls in the same order), and counts the same. */
static bool same_flow_tags(const tctx *a, const tctx *b)
{
    if (a->nflows != b->nflows || memcmp(&a->stats, &b->stats, sizeof(a->stats)) != 0)
        return false;
    for (size_t i = 0; i < a->nflows; i++) {
        const ws_flow *x = &a->flows[i], *y = &b->flows[i];
        if (x->app != y->app || x->app_master != y->app_master ||
            x->app_source != y->app_source || x->tag_flags != y->tag_flags ||
            x->dpi_state || y->dpi_state)
            return false;
    }
    return true;
}

static void test_worker_same_tags(void)
{
    DIR *dir = opendir(CORPUS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    struct dirent *e;
    size_t files = 0, tagged = 0, differ = 0;
    while ((e = readdir(dir))) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s%s", CORPUS, e->d_name);
        char err[PCAP_ERRBUF_SIZE];
        pcap_t *pc = pcap_open_offline(path, err);
        if (!pc)
            continue;
        bool ether = pcap_datalink(pc) == DLT_EN10MB;
        pcap_close(pc);
        if (!ether)
            continue;
        tctx *t[2];
        for (int m = 0; m < 2; m++) {
            worker_mode = (uint32_t)m;
            t[m] = tctx_new(0);
            run(t[m], path, false);
        }
        worker_mode = 1;
        files++;
        for (size_t i = 0; i < t[0]->nflows; i++)
            tagged += t[0]->flows[i].app_source != WS_APP_NONE;
        if (!same_flow_tags(t[0], t[1])) {
            fprintf(stderr, "\n  %s: the worker tags differently\n", e->d_name);
            differ++;
        }
        tctx_free(t[0]);
        tctx_free(t[1]);
    }
    closedir(dir);
    CU_ASSERT(files > 400);
    CU_ASSERT(tagged > 1000);
    CU_ASSERT_EQUAL(differ, 0);
}

static int inline_mode(void)
{
    worker_mode = 0;
    return 0;
}

static int thread_mode(void)
{
    worker_mode = 1;
    return 0;
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"DNS flows named from payload", test_dns},
        {"TLS with SNI chat.google.com is TLS.Google", test_tls_sni},
        {"SIP over UDP 5060", test_sip},
        {"SSH on 22 and on 8000", test_ssh},
        {"a flow with only port evidence is a guess", test_port_only_is_guess},
        {"state freed once the verdict is in", test_state_freed_after_verdict},
        {"state freed when the flow ends", test_state_freed_at_flow_end},
        {"state freed with the module", test_state_freed_with_module},
        {"dpi_max_packets stops feeding", test_packet_limit},
        {"ICMP-direction and broken packets are not fed", test_not_fed},
        {"truncated and mangled packets", test_truncated_and_mangled},
        {"several modules side by side", test_modules_side_by_side},
        {NULL, NULL},
    };
    static const struct {
        const char *name;
        CU_InitializeFunc init;
    } modes[] = {
        {"dpi, on the calling thread", inline_mode},
        {"dpi, on a worker thread", thread_mode},
    };
    for (size_t m = 0; m < 2; m++) {
        CU_pSuite s = CU_add_suite(modes[m].name, modes[m].init, NULL);
        if (!s)
            return 2;
        for (const ws_test_case *c = cases; c->name; c++)
            if (!CU_add_test(s, c->name, c->fn))
                return 2;
    }
    static const ws_test_case both[] = {
        {"the worker tags the nDPI corpus as the calling thread does", test_worker_same_tags},
        {NULL, NULL},
    };
    ws_test_suite("dpi, both ways", both);
    return ws_test_run();
}

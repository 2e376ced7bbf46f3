/* test_decode_corpus.c - the decoder over whole captures of the corpus:
 * packet counts per transport against tshark, and every capture of the
 * corpus (some deliberately malformed) decoded without a read out of bounds
 * (sanitizer build) and with every delivered packet inside its frame. */
#include <dirent.h>

#include "ws_test.h"
#include "test_decode_util.h"

#define CORPUS "/work/shared/corpus/ndpi/"

typedef struct counts {
    uint64_t frames, tcp, udp, icmp, syn, esp, delivered;
    /* invariant checks */
    uint64_t bad_bounds;
    const uint8_t *frame;
    uint32_t caplen;
} counts;

static void count_cb(const ws_packet *p, void *ctx)
{
    counts *c = ctx;
    c->delivered++;
    if (p->proto == 6) {
        c->tcp++;
        if ((p->tcp_flags & (WS_TCP_SYN | WS_TCP_ACK)) == WS_TCP_SYN)
            c->syn++;
    } else if (p->proto == 17) {
        c->udp++;
    } else if (p->proto == 1 || p->proto == 58) {
        c->icmp++;
    } else if (p->proto == 50) {
        c->esp++;
    }
    /* l3 and payload are inside what was captured: the frame itself, or
     * (reassembled) a buffer whose l3 covers the payload. */
    if (p->l3_len > p->ip_len && !(p->ip_version == 6 && p->ip_len == 0))
        c->bad_bounds++;
    if (p->payload_len &&
        (p->payload < p->l3 || p->payload + p->payload_len > p->l3 + p->l3_len))
        c->bad_bounds++;
    if (!p->reassembled &&
        (p->l3 < c->frame || p->l3 + p->l3_len > c->frame + c->caplen))
        c->bad_bounds++;
    /* touch every byte, so the sanitizer sees any pointer that is off */
    volatile uint8_t x = 0;
    for (uint32_t i = 0; i < p->l3_len; i++)
        x ^= p->l3[i];
    for (uint32_t i = 0; i < p->payload_len; i++)
        x ^= p->payload[i];
    (void)x;
}

static bool run_file(const char *path, counts *c, ws_stats *st)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, err);
    if (!pc)
        return false;
    ws_limits l;
    ws_limits_default(&l);
    ws_decoder *dec = ws_decoder_new(&l, st);
    struct pcap_pkthdr *h;
    const u_char *data;
    int dlt = pcap_datalink(pc);
    while (pcap_next_ex(pc, &h, &data) == 1) {
        c->frames++;
        /* a copy of exactly caplen bytes: reads past it are caught */
        uint8_t *copy = malloc(h->caplen ? h->caplen : 1);
        memcpy(copy, data, h->caplen);
        c->frame = copy;
        c->caplen = h->caplen;
        ws_decode_frame(dec, dlt, copy, h->caplen, h->len,
                        (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec, count_cb, c);
        free(copy);
    }
    ws_decoder_expire(dec, INT64_MAX);
    CU_ASSERT_EQUAL(ws_decoder_frag_pending(dec), 0);
    CU_ASSERT_EQUAL(ws_decoder_frag_bytes(dec), 0);
    ws_decoder_free(dec);
    pcap_close(pc);
    return true;
}

/* tshark -r F -Y "tcp && !icmp && !icmpv6" | wc -l, likewise "udp && ...",
 * "icmp || icmpv6", "tcp.flags.syn==1 && tcp.flags.ack==0 && !icmp && !icmpv6";
 * frames from capinfos -c. tshark shows tunnelled packets by their inner
 * header and a reassembled datagram once, as wirespec delivers them. */
static const struct {
    const char *file;
    uint64_t frames, tcp, udp, icmp, syn;
} expect[] = {
    {"1kxun.pcap", 1723, 1381, 342, 0, 37},
    {"KakaoTalk_chat.pcap", 347, 310, 36, 1, 12},
    {"nats.pcap", 27, 27, 0, 0, 2},
    {"bjnp.pcap", 10, 0, 10, 0, 0},
    {"6in4tunnel.pcap", 127, 75, 4, 48, 3},
    {"4in4tunnel.pcap", 5, 0, 5, 0, 0},
    {"4in6tunnel.pcap", 4, 4, 0, 0, 1},
    {"6in6tunnel.pcap", 2, 0, 2, 0, 0},
    {"esp.pcapng", 6, 0, 4, 0, 0},
    {"anyconnect-vpn.pcap", 589, 422, 135, 20, 12},
    {"alexa-app.pcapng", 3103, 2993, 65, 14, 145},
    {"openvpn-tlscrypt.pcap", 13, 0, 13, 0, 0},
    {"syslog.pcap", 94, 11, 83, 0, 8},
    {"dns_fragmented.pcap", 66, 20, 39, 0, 2},
};

static void test_counts_against_tshark(void)
{
    for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path), CORPUS "%s", expect[i].file);
        counts c;
        ws_stats st;
        memset(&c, 0, sizeof(c));
        memset(&st, 0, sizeof(st));
        CU_ASSERT_TRUE_FATAL(run_file(path, &c, &st));
        bool ok = c.frames == expect[i].frames && c.tcp == expect[i].tcp &&
                  c.udp == expect[i].udp && c.icmp == expect[i].icmp &&
                  c.syn == expect[i].syn && c.bad_bounds == 0;
        if (!ok)
            fprintf(stderr, "\n  %s: frames %llu tcp %llu udp %llu icmp %llu syn %llu\n",
                    expect[i].file, (unsigned long long)c.frames, (unsigned long long)c.tcp,
                    (unsigned long long)c.udp, (unsigned long long)c.icmp,
                    (unsigned long long)c.syn);
        CU_ASSERT_TRUE(ok);
    }
}

/* Every capture of the corpus. */
static void test_whole_corpus(void)
{
    DIR *d = opendir(CORPUS);
    CU_ASSERT_FATAL(d != NULL);
    struct dirent *e;
    counts c;
    ws_stats st;
    memset(&c, 0, sizeof(c));
    memset(&st, 0, sizeof(st));
    int files = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof(path), CORPUS "%s", e->d_name);
        if (run_file(path, &c, &st))
            files++;
    }
    closedir(d);
    CU_ASSERT_TRUE(files > 500);
    CU_ASSERT_EQUAL(c.bad_bounds, 0);
    CU_ASSERT_TRUE(c.delivered > 0);
    /* every frame of a readable link type is IP, not IP, or cut short */
    CU_ASSERT_TRUE(st.ip_packets + st.non_ip + st.unsupported_link + st.truncated +
                       st.malformed >= c.frames);
    CU_ASSERT_TRUE(st.ip_packets <= c.frames);
    fprintf(stderr, "\n  %d captures, %llu frames, %llu delivered, %llu truncated, "
                    "%llu malformed, %llu reassembled, %llu tunnelled\n",
            files, (unsigned long long)c.frames, (unsigned long long)c.delivered,
            (unsigned long long)st.truncated, (unsigned long long)st.malformed,
            (unsigned long long)st.reassembled, (unsigned long long)st.tunnels);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"transport counts against tshark", test_counts_against_tshark},
        {"whole corpus: bounds and sanitizer", test_whole_corpus},
        {NULL, NULL},
    };
    ws_test_suite("decode_corpus", cases);
    return ws_test_run();
}

/* gen.h - wsgen's shared types: the PRNG, flow descriptions, the packet
 * builder and the pcap writer (tools/gen/README.md). */
#ifndef WSGEN_GEN_H
#define WSGEN_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- PRNG: splitmix64 (Steele, Lea, Flood 2014), nothing else draws. ---- */
typedef struct { uint64_t s; } gen_rng;

static inline uint64_t gen_rng_next(gen_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
/* Uniform in [0, n), n > 0 (multiply-shift; the tiny bias does not matter). */
static inline uint32_t gen_rng_below(gen_rng *r, uint32_t n)
{
    return (uint32_t)(((gen_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}
void gen_rng_fill(gen_rng *r, uint8_t *p, size_t n);

/* ---- addresses ---- */
typedef struct {
    uint8_t family; /* 4 or 6 */
    uint8_t b[16];  /* IPv4 in b[0..3] */
} gen_addr;

bool gen_addr_parse(const char *s, gen_addr *out);
void gen_addr_str(const gen_addr *a, char *buf, size_t size);

/* ---- flows ---- */
enum gen_transport { GT_TCP, GT_UDP, GT_ICMP, GT_ICMP6, GT_ESP };
enum gen_outcome {
    GO_ESTABLISHED, GO_REJECTED, GO_NO_ANSWER, GO_PROHIBITED, GO_UNREACHABLE,
    GO_ANSWERED, GO_ONEWAY, GO_BOTH
};
enum gen_app {
    GA_NONE, GA_TLS, GA_HTTP, GA_SIP, GA_RTP, GA_DNS, GA_SSH, GA_NTP, GA_SYSLOG,
    GA_SNMP, GA_IKE, GA_RAW
};
enum gen_natd { GN_MATCH, GN_SRC, GN_DST };

#define GEN_NAME_MAX 254
#define GEN_BYTES_MAX 1400

/* What a scenario line (or the bench profile) asks for. */
typedef struct {
    enum gen_transport transport;
    enum gen_outcome outcome;
    enum gen_app app;
    gen_addr src, dst, via, nataddr;
    bool has_via, has_nataddr, has_sport, has_answer, has_spi;
    uint16_t sport, dport;
    uint32_t packets; /* 0: the outcome's default */
    uint32_t bytes;   /* 0: the app's default */
    uint32_t syn;     /* 0: 3 */
    uint32_t spi;
    int64_t every_us; /* 0: the app's default */
    enum gen_natd natd;
    gen_addr answer;
    char sni[GEN_NAME_MAX + 1], host[GEN_NAME_MAX + 1], qname[GEN_NAME_MAX + 1];
} gen_spec;

/* A flow being written: its spec, its own PRNG, and where it has got to. */
typedef struct {
    const gen_spec *spec;
    gen_rng rng;
    uint16_t sport;
    uint32_t n;        /* packets in all */
    uint32_t i;        /* next packet */
    int64_t t0_us;     /* first packet */
    int64_t next_us;   /* time of packet i */
    int64_t rtt_us;
    int64_t every_us;
    uint32_t seq[2];   /* TCP: next sequence number, per side (0 = SRC) */
    uint16_t ipid[2];
    uint32_t flowlabel;
    uint32_t ssrc[2];
    uint16_t rtp_seq[2];
    uint32_t rtp_ts[2];
    uint32_t esp_spi[2];
    uint32_t esp_seq[2];
    uint16_t id16;     /* DNS id, ICMP echo id, SNMP request id base */
    uint8_t ike_spi_i[8], ike_spi_r[8];
    uint64_t tag;      /* SIP Call-ID, tags, branches */
    uint32_t ndata;    /* TCP data segments */
    uint8_t quote[128]; /* the first packet's IP datagram, for an ICMP error */
    size_t quote_len;
} gen_flow;

/* Starts flow f at t0_us from source port sport (0: drawn from 49152-65535);
 * its first packet time is f->next_us. */
void gen_flow_start(gen_flow *f, const gen_spec *spec, uint64_t seed, int64_t t0_us,
                    uint16_t sport);
/* Builds packet f->i into buf (Ethernet frame), returns its length and
 * advances f (f->i, f->next_us). Call while f->i < f->n. */
size_t gen_flow_packet(gen_flow *f, uint8_t *buf, size_t size);

/* Default packets for an outcome/app (spec->packets == 0). */
uint32_t gen_default_packets(const gen_spec *s);

/* ---- application payloads (payload.c) ---- */
#define GEN_FRAME_MAX 2048
/* Writes payload number k (0-based, alternating SRC (dir 0) / DST (dir 1))
 * into p; returns its length. */
size_t gen_payload(gen_flow *f, uint32_t k, int dir, int64_t now_us, uint8_t *p, size_t size);

/* ---- SHA-1 (FIPS 180-4), for IKE NAT-D hashes ---- */
void gen_sha1(const uint8_t *data, size_t len, uint8_t out[20]);

/* ---- pcap writer (pcapw.c) ---- */
typedef struct {
    FILE *fp;
    uint64_t packets, bytes;
    bool failed;
} gen_pcap;

bool gen_pcap_open(gen_pcap *w, FILE *fp);
void gen_pcap_write(gen_pcap *w, int64_t t_us, const uint8_t *frame, size_t len);

/* ---- packet builders (pcapw.c) ---- */
uint16_t gen_cksum_fold(uint32_t sum);
uint32_t gen_cksum_add(uint32_t sum, const uint8_t *p, size_t n);

/* ---- scenario (scenario.c) ---- */
struct gen_entry; /* one flow line (scenario.c) */
typedef struct {
    uint64_t seed;
    int64_t start_us; /* Unix time in microseconds of `at=0` */
    int64_t gap_us;
    struct gen_entry *ents;
    size_t n;
} gen_scenario;

/* Parses FILE; on error prints "wsgen: FILE:LINE:COL: message" and returns false. */
bool gen_scenario_load(const char *path, gen_scenario *sc);
void gen_scenario_free(gen_scenario *sc);
/* Writes every flow of sc to w, in time order. */
bool gen_scenario_write(const gen_scenario *sc, gen_pcap *w);

/* ---- bench profile (bench.c) ---- */
bool gen_bench_write(uint64_t packets, uint64_t flows, uint64_t seed, gen_pcap *w);

/* ---- hostile profile (hostile.c) ---- */
enum gen_hostile { GH_TINY_FLOWS, GH_SYN_FLOOD, GH_FRAGMENTS, GH_OVERLAP, GH_IKE_LIES };
/* The kind named "tiny-flows", "syn-flood", "fragments", "overlap" or "ike-lies". */
bool gen_hostile_kind(const char *name, enum gen_hostile *out);
bool gen_hostile_write(enum gen_hostile kind, uint64_t packets, uint64_t seed, gen_pcap *w);

/* ---- min-heap of flows by (next_us, order) (heap.c) ---- */
typedef struct {
    int64_t key;
    uint64_t order;
    void *item;
} gen_heap_ent;
typedef struct {
    gen_heap_ent *v;
    size_t n, cap;
} gen_heap;
bool gen_heap_push(gen_heap *h, int64_t key, uint64_t order, void *item);
bool gen_heap_pop(gen_heap *h, gen_heap_ent *out);
void gen_heap_free(gen_heap *h);

#endif

/* test_decode_util.h - what the decoder's test programs share: reading a
 * one-frame sample capture, and collecting the packets the decoder delivers. */
#ifndef TEST_DECODE_UTIL_H
#define TEST_DECODE_UTIL_H

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"

#define TD_MAX_PKTS 8
#define TD_MAX_BYTES 70000

/* A delivered packet, with copies of the bytes it pointed to. */
typedef struct td_pkt {
    ws_packet p;
    uint8_t l3[TD_MAX_BYTES];
    uint8_t payload[TD_MAX_BYTES];
} td_pkt;

typedef struct td_sink {
    int n;
    td_pkt pkts[TD_MAX_PKTS];
} td_sink;

static inline void td_collect(const ws_packet *pkt, void *ctx)
{
    td_sink *s = ctx;
    if (s->n >= TD_MAX_PKTS)
        return;
    td_pkt *t = &s->pkts[s->n++];
    t->p = *pkt;
    if (pkt->l3_len <= TD_MAX_BYTES && pkt->l3)
        memcpy(t->l3, pkt->l3, pkt->l3_len);
    if (pkt->payload_len <= TD_MAX_BYTES && pkt->payload)
        memcpy(t->payload, pkt->payload, pkt->payload_len);
    t->p.l3 = NULL;
    t->p.payload = NULL;
}

/* The first frame of tests/data/decode/NAME: its bytes (malloc'ed), link
 * type and lengths. NULL if the file cannot be read. */
static inline uint8_t *td_load(const char *name, int *dlt, uint32_t *caplen,
                               uint32_t *wire_len)
{
    char path[512], err[PCAP_ERRBUF_SIZE];
    *dlt = -1;
    *caplen = *wire_len = 0;
    snprintf(path, sizeof(path), "%s/tests/data/decode/%s", WS_SOURCE_DIR, name);
    pcap_t *pc = pcap_open_offline(path, err);
    if (!pc) {
        fprintf(stderr, "%s: %s\n", path, err);
        return NULL;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    uint8_t *copy = NULL;
    if (pcap_next_ex(pc, &h, &data) == 1) {
        copy = malloc(h->caplen ? h->caplen : 1);
        if (copy) {
            memcpy(copy, data, h->caplen);
            *dlt = pcap_datalink(pc);
            *caplen = h->caplen;
            *wire_len = h->len;
        }
    }
    pcap_close(pc);
    return copy;
}

/* Address from text, for comparisons. */
static inline ws_addr td_addr(const char *s)
{
    ws_addr a;
    memset(&a, 0, sizeof(a));
    if (!ws_addr_parse(s, &a))
        fprintf(stderr, "bad address in test: %s\n", s);
    return a;
}

#endif

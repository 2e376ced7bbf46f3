/* floor.c - the benchmark floor: the least any reader of a capture file must
 * do, pcap_open_offline and a pcap_next_ex loop counting packets and bytes.
 * specification: pcap_next_ex(3PCAP). */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: wsfloor FILE\n");
        return 2;
    }
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[1], errbuf);
    if (!p) {
        fprintf(stderr, "wsfloor: %s: %s\n", argv[1], errbuf);
        return 2;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned long long packets = 0, bytes = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        packets++;
        bytes += h->caplen;
    }
    if (rc == PCAP_ERROR)
        fprintf(stderr, "wsfloor: %s: %s\n", argv[1], pcap_geterr(p));
    pcap_close(p);
    printf("%llu packets, %llu bytes\n", packets, bytes);
    return rc == PCAP_ERROR ? 1 : 0;
}

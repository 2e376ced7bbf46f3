/* bench.c - wsgen's benchmark profile (not written yet). */
#include "gen.h"

bool gen_bench_write(uint64_t packets, uint64_t flows, uint64_t seed, gen_pcap *w)
{
    (void)packets, (void)flows, (void)seed, (void)w;
    fprintf(stderr, "wsgen: --profile bench is not implemented yet\n");
    return false;
}

/* ts.h - packet timestamps as microseconds since the epoch. */
#ifndef WS_TS_H
#define WS_TS_H

#include <stdint.h>

/* The largest time taken as it is, in seconds either side of the epoch
 * (about 31,700 years): a damaged pcapng block may carry a time whose
 * microseconds do not fit in 64 bits. Clamped there, a time still leaves
 * room to add timeouts and take differences without overflow. */
#define WS_TS_MAX_SEC 1000000000000LL

/* Seconds and microseconds, as a capture file or the kernel gives them, in
 * microseconds, clamped to +-WS_TS_MAX_SEC seconds. */
static inline int64_t ws_ts_us(int64_t sec, int64_t usec)
{
    if (sec > WS_TS_MAX_SEC)
        return WS_TS_MAX_SEC * 1000000;
    if (sec < -WS_TS_MAX_SEC)
        return -WS_TS_MAX_SEC * 1000000;
    return sec * 1000000 + usec % 1000000;
}

#endif

/* hostcache.h - a bounded cache of text rendered for an address (the parts
 * of a report's host object that depend on the address alone), so that a
 * host seen in thousands of flow records is rendered once per report
 * (private to report/). */
#ifndef WS_HOSTCACHE_H
#define WS_HOSTCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

typedef struct ws_hostcache ws_hostcache;

/* Most slots a cache has, and most bytes of text a slot holds: a cache
 * holds at most WS_HOSTCACHE_MAX_SLOTS * sizeof(slot) (about 1 MiB). */
#define WS_HOSTCACHE_MAX_SLOTS 4096
#define WS_HOSTCACHE_TEXT 232

/* A cache with room for about want entries (rounded up to a power of two,
 * at least 16, at most WS_HOSTCACHE_MAX_SLOTS). NULL when out of memory. */
ws_hostcache *ws_hostcache_new(size_t want);
void ws_hostcache_free(ws_hostcache *c);
/* Number of slots (one entry each). */
size_t ws_hostcache_slots(const ws_hostcache *c);

/* The set of two slots a maps to (0 .. slots/2 - 1). */
size_t ws_hostcache_set(const ws_hostcache *c, const ws_addr *a);

/* The text stored for exactly a (family and all 16 bytes), with its length
 * and the mark given to ws_hostcache_put; NULL when a has none. */
const char *ws_hostcache_get(ws_hostcache *c, const ws_addr *a, size_t *len, size_t *mark);

/* Stores len bytes of text (and a mark, at most len) for a. Each address has
 * a set of two slots, which it may share with others: a's own entry or an
 * empty slot of the set is taken first, else the entry of the set that
 * answered fewer gets since it was stored (the first on a tie). An entry
 * that answered gets keeps its slot against that many puts of other
 * addresses (so a host seen in many records is not pushed out by hosts
 * seen once). False when nothing was stored: the text is longer than
 * WS_HOSTCACHE_TEXT, mark > len, a is unset (family 0), or the slot is
 * kept. */
bool ws_hostcache_put(ws_hostcache *c, const ws_addr *a, const char *text, size_t len,
                      size_t mark);

#endif

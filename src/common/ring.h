/* ring.h - a single-producer, single-consumer queue of variable-size records
 * in one fixed buffer, with blocking waits on both ends (the packets the main
 * thread hands nDPI's worker, src/dpi).
 *
 * One thread produces (reserve, commit), one consumes (next, release). A
 * record is a run of bytes, 8-aligned, that stays in place from commit to
 * release. The producer blocks while the buffer is full, the consumer while
 * it is empty: each spins briefly first, then sleeps on a condition variable,
 * and the other end wakes it only when it is asleep, so a busy queue costs
 * no system call. Each end shows its progress to the other in batches (16
 * KiB of records), not per record, so that the two threads do not pass the
 * same cache lines back and forth for every record. A sleeping consumer is
 * woken when a batch of records has piled up, when the producer waits for
 * it or flushes, or when the ring is closed. The producer can also wait for
 * a flag that the consumer sets before it releases a record
 * (ws_ring_wait_flag). */
#ifndef WS_COMMON_RING_H
#define WS_COMMON_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct ws_ring ws_ring;

/* A ring of at least bytes (rounded up to a power of two, 64 KiB or more);
 * NULL on ENOMEM or when the mutex cannot be made. */
ws_ring *ws_ring_new(size_t bytes);
void ws_ring_free(ws_ring *r);

/* The largest record a ring of this size takes. */
size_t ws_ring_max_record(const ws_ring *r);

/* Producer: room for a record of len bytes (at most ws_ring_max_record),
 * waiting while the consumer frees space; the record is the consumer's once
 * committed. One reservation at a time. */
void *ws_ring_reserve(ws_ring *r, size_t len);
void ws_ring_commit(ws_ring *r);
/* Producer: shows every committed record to the consumer now (and wakes
 * it if it sleeps); otherwise they are shown a batch at a time. */
void ws_ring_flush(ws_ring *r);
/* Producer: no more records; the consumer's next returns NULL once the
 * ring is drained. */
void ws_ring_close(ws_ring *r);
/* Producer: waits until *flag is true (set by the consumer, which then
 * releases a record or closes). */
void ws_ring_wait_flag(ws_ring *r, const atomic_bool *flag);

/* Consumer: the oldest record (its length in *len), waiting while the ring
 * is empty; NULL once it is closed and drained. */
void *ws_ring_next(ws_ring *r, size_t *len);
/* Consumer: done with the record next returned; its space is the
 * producer's again. */
void ws_ring_release(ws_ring *r);

#endif

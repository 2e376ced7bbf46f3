/* ring.c - single-producer, single-consumer record queue with blocking waits.
 * specification: C11 atomics (ISO/IEC 9899:2011 7.17, sequentially consistent
 * order), POSIX pthread_cond_wait(3P). */
#include "dpi/ring.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Checks of the other end's progress before a waiting end sleeps (a few
 * microseconds): the producer waits for a record the consumer is about to
 * finish; spinning longer only takes the processor from the other thread,
 * or from other programs. */
#define SPIN 256

/* A sleeping consumer is woken once this much is queued (or when the
 * producer waits, or closes the ring): it then works through a batch
 * rather than sleeping and waking for every record. */
#define WAKE_BATCH ((size_t)64 << 10)

/* Every record starts with one: its length, or a mark that the rest of the
 * buffer is unused and the next record starts at offset 0. */
typedef struct rec_hdr {
    uint32_t len;
    uint32_t wrap;
} rec_hdr;

struct ws_ring {
    uint8_t *buf;
    size_t cap;                    /* a power of two */
    pthread_mutex_t mu;
    pthread_cond_t wake_producer, wake_consumer;

    /* Positions count bytes since the start, never wrap (size_t is 64 bits
     * here; at 32 bits they wrap after 4 GB, harmlessly, since only
     * differences are used). */
    _Alignas(64) atomic_size_t tail; /* end of the committed records */
    size_t rsv_end;                /* producer only: end of its reservation */

    _Alignas(64) atomic_size_t head; /* start of the records not released */
    size_t cur_end;                /* consumer only: end of the record it holds */

    _Alignas(64) atomic_bool producer_sleeping;
    atomic_bool consumer_sleeping;
    atomic_bool closed;
    atomic_size_t want;            /* free bytes the sleeping producer needs; 0: wake it on
                                      every release (it waits for a flag) */
};

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

ws_ring *ws_ring_new(size_t bytes)
{
    size_t cap = 1u << 16;
    while (cap < bytes && cap < ((size_t)1 << 30))
        cap <<= 1;
    ws_ring *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->buf = malloc(cap);
    if (!r->buf) {
        free(r);
        return NULL;
    }
    r->cap = cap;
    if (pthread_mutex_init(&r->mu, NULL)) {
        free(r->buf);
        free(r);
        return NULL;
    }
    if (pthread_cond_init(&r->wake_producer, NULL)) {
        pthread_mutex_destroy(&r->mu);
        free(r->buf);
        free(r);
        return NULL;
    }
    if (pthread_cond_init(&r->wake_consumer, NULL)) {
        pthread_cond_destroy(&r->wake_producer);
        pthread_mutex_destroy(&r->mu);
        free(r->buf);
        free(r);
        return NULL;
    }
    atomic_init(&r->tail, 0);
    atomic_init(&r->head, 0);
    atomic_init(&r->producer_sleeping, false);
    atomic_init(&r->consumer_sleeping, false);
    atomic_init(&r->closed, false);
    atomic_init(&r->want, 0);
    return r;
}

void ws_ring_free(ws_ring *r)
{
    if (!r)
        return;
    pthread_cond_destroy(&r->wake_consumer);
    pthread_cond_destroy(&r->wake_producer);
    pthread_mutex_destroy(&r->mu);
    free(r->buf);
    free(r);
}

size_t ws_ring_max_record(const ws_ring *r) { return r->cap / 2 - sizeof(rec_hdr); }

static size_t record_bytes(size_t len)
{
    return sizeof(rec_hdr) + ((len + 7) & ~(size_t)7);
}

/*
 * Sleeping without losing a wake-up: the sleeper stores its flag, then
 * tests the condition; the other end changes the condition, then loads the
 * flag. All four are sequentially consistent, so at least one of them sees
 * the other's store: either the sleeper finds the condition true, or the
 * other end finds it asleep and signals, which it can only do once the
 * sleeper, holding the mutex from its flag to the wait, is waiting.
 */
static void wake(ws_ring *r, pthread_cond_t *cv)
{
    pthread_mutex_lock(&r->mu);
    pthread_cond_signal(cv);
    pthread_mutex_unlock(&r->mu);
}

static size_t free_bytes(ws_ring *r)
{
    return r->cap - (atomic_load(&r->tail) - atomic_load(&r->head));
}

/* Producer: makes sure the consumer works on what is queued. */
static void kick(ws_ring *r)
{
    if (atomic_load(&r->consumer_sleeping))
        wake(r, &r->wake_consumer);
}

/* Producer: waits until need bytes are free. */
static void wait_space(ws_ring *r, size_t need)
{
    if (free_bytes(r) >= need)
        return;
    kick(r);
    for (int i = 0; i < SPIN; i++) {
        if (free_bytes(r) >= need)
            return;
        relax();
    }
    /* Sleep until a quarter of the ring is free, not just enough for one
     * record: a full ring otherwise wakes the producer per record. */
    size_t want = need > r->cap / 4 ? need : r->cap / 4;
    pthread_mutex_lock(&r->mu);
    atomic_store(&r->want, want);
    atomic_store(&r->producer_sleeping, true);
    while (free_bytes(r) < need)
        pthread_cond_wait(&r->wake_producer, &r->mu);
    atomic_store(&r->producer_sleeping, false);
    pthread_mutex_unlock(&r->mu);
}

void ws_ring_wait_flag(ws_ring *r, const atomic_bool *flag)
{
    if (atomic_load(flag))
        return;
    kick(r);
    for (int i = 0; i < SPIN; i++) {
        if (atomic_load(flag))
            return;
        relax();
    }
    pthread_mutex_lock(&r->mu);
    atomic_store(&r->want, 0);
    atomic_store(&r->producer_sleeping, true);
    while (!atomic_load(flag))
        pthread_cond_wait(&r->wake_producer, &r->mu);
    atomic_store(&r->producer_sleeping, false);
    pthread_mutex_unlock(&r->mu);
}

void *ws_ring_reserve(ws_ring *r, size_t len)
{
    size_t total = record_bytes(len);
    size_t pos = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t off = pos & (r->cap - 1);
    size_t to_end = r->cap - off;
    bool wrap = to_end < total;
    wait_space(r, wrap ? to_end + total : total);
    if (wrap) {
        /* to_end is a multiple of 8, so a header fits. */
        rec_hdr *h = (rec_hdr *)(r->buf + off);
        h->len = 0;
        h->wrap = 1;
        pos += to_end;
        off = 0;
    }
    rec_hdr *h = (rec_hdr *)(r->buf + off);
    h->len = (uint32_t)len;
    h->wrap = 0;
    r->rsv_end = pos + total;
    return h + 1;
}

void ws_ring_commit(ws_ring *r)
{
    atomic_store(&r->tail, r->rsv_end);
    if (atomic_load(&r->consumer_sleeping) &&
        r->rsv_end - atomic_load(&r->head) >= WAKE_BATCH)
        wake(r, &r->wake_consumer);
}

void ws_ring_close(ws_ring *r)
{
    atomic_store(&r->closed, true);
    kick(r);
}

static bool has_record(ws_ring *r, size_t pos)
{
    return atomic_load(&r->tail) != pos || atomic_load(&r->closed);
}

void *ws_ring_next(ws_ring *r, size_t *len)
{
    size_t pos = atomic_load_explicit(&r->head, memory_order_relaxed);
    if (!has_record(r, pos)) {
        for (int i = 0; i < SPIN && !has_record(r, pos); i++)
            relax();
        if (!has_record(r, pos)) {
            pthread_mutex_lock(&r->mu);
            atomic_store(&r->consumer_sleeping, true);
            while (!has_record(r, pos))
                pthread_cond_wait(&r->wake_consumer, &r->mu);
            atomic_store(&r->consumer_sleeping, false);
            pthread_mutex_unlock(&r->mu);
        }
    }
    if (atomic_load(&r->tail) == pos)
        return NULL; /* closed and drained */
    size_t off = pos & (r->cap - 1);
    rec_hdr *h = (rec_hdr *)(r->buf + off);
    if (h->wrap) {
        pos += r->cap - off;
        h = (rec_hdr *)r->buf;
    }
    r->cur_end = pos + record_bytes(h->len);
    *len = h->len;
    return h + 1;
}

void ws_ring_release(ws_ring *r)
{
    atomic_store(&r->head, r->cur_end);
    if (atomic_load(&r->producer_sleeping)) {
        size_t want = atomic_load(&r->want);
        if (want == 0 || free_bytes(r) >= want)
            wake(r, &r->wake_producer);
    }
}

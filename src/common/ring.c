/* ring.c - single-producer, single-consumer record queue with blocking waits.
 * specification: C11 atomics (ISO/IEC 9899:2011 7.17, sequentially consistent
 * order), POSIX pthread_cond_wait(3P). */
#include "common/ring.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Checks of the other end's progress before a waiting end sleeps. The
 * producer waits for a record the consumer is about to finish (a few
 * microseconds); a consumer out of work waits for a whole batch, so it
 * hardly spins: the producer wakes it when the batch is there. Spinning
 * longer only takes the processor from the other thread, or from other
 * programs. */
#define SPIN 256
#define SPIN_EMPTY 16

/* Progress is published (tail by the producer, head by the consumer) once
 * this much has been committed or released since the last time. */
#define PUBLISH_BATCH ((size_t)16 << 10)

/* A sleeping consumer is woken once this much is queued (or when the
 * producer waits, flushes or closes the ring): it then works through a
 * batch rather than sleeping and waking for every record. */
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

    /* Positions count bytes since the start (only differences matter, so
     * wrapping around SIZE_MAX is harmless). Each end keeps its own
     * position privately and publishes it in batches; it reads the other
     * end's published position only when its cached copy does not suffice. */
    _Alignas(64) atomic_size_t tail; /* published end of the committed records */
    _Alignas(64) atomic_size_t head; /* published start of the unreleased records */

    _Alignas(64) size_t p_tail;    /* producer: end of the committed records */
    size_t p_pub;                  /* producer: what it last published */
    size_t p_head;                 /* producer: head as last read */
    size_t p_rsv;                  /* producer: end of its reservation */

    _Alignas(64) size_t c_head;    /* consumer: start of the record it holds, or
                                      the next one */
    size_t c_end;                  /* consumer: end of the record it holds */
    size_t c_pub;                  /* consumer: what it last published */
    size_t c_tail;                 /* consumer: tail as last read */

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
    r->cap = cap;
    if (!r->buf || pthread_mutex_init(&r->mu, NULL))
        goto no_mutex;
    if (pthread_cond_init(&r->wake_producer, NULL))
        goto no_conds;
    if (pthread_cond_init(&r->wake_consumer, NULL))
        goto no_consumer_cond;
    atomic_init(&r->tail, 0);
    atomic_init(&r->head, 0);
    atomic_init(&r->producer_sleeping, false);
    atomic_init(&r->consumer_sleeping, false);
    atomic_init(&r->closed, false);
    atomic_init(&r->want, 0);
    return r;

no_consumer_cond:
    pthread_cond_destroy(&r->wake_producer);
no_conds:
    pthread_mutex_destroy(&r->mu);
no_mutex:
    free(r->buf);
    free(r);
    return NULL;
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
 * tests the condition; the other end changes the condition (publishes its
 * position, sets a flag), then loads the sleeper's flag. All four are
 * sequentially consistent, so at least one of them sees the other's store:
 * either the sleeper finds the condition true, or the other end finds it
 * asleep and signals, which it can only do once the sleeper, holding the
 * mutex from its flag to the wait, is waiting.
 */
static void wake(ws_ring *r, pthread_cond_t *cv)
{
    pthread_mutex_lock(&r->mu);
    pthread_cond_signal(cv);
    pthread_mutex_unlock(&r->mu);
}

/* ---- producer ---------------------------------------------------------- */

static void publish_tail(ws_ring *r, bool kick)
{
    if (r->p_pub != r->p_tail) {
        atomic_store(&r->tail, r->p_tail);
        r->p_pub = r->p_tail;
    }
    if (atomic_load(&r->consumer_sleeping) &&
        (kick || r->p_tail - atomic_load(&r->head) >= WAKE_BATCH))
        wake(r, &r->wake_consumer);
}

static bool has_space(ws_ring *r, size_t need)
{
    r->p_head = atomic_load(&r->head);
    return r->cap - (r->p_tail - r->p_head) >= need;
}

/* Waits until need bytes are free. */
static void wait_space(ws_ring *r, size_t need)
{
    if (r->cap - (r->p_tail - r->p_head) >= need || has_space(r, need))
        return;
    publish_tail(r, true);
    for (int i = 0; i < SPIN; i++) {
        if (has_space(r, need))
            return;
        relax();
    }
    /* Sleep until a quarter of the ring is free, not just enough for one
     * record: a full ring otherwise wakes the producer per record. */
    size_t want = need > r->cap / 4 ? need : r->cap / 4;
    pthread_mutex_lock(&r->mu);
    atomic_store(&r->want, want);
    atomic_store(&r->producer_sleeping, true);
    while (!has_space(r, need))
        pthread_cond_wait(&r->wake_producer, &r->mu);
    atomic_store(&r->producer_sleeping, false);
    pthread_mutex_unlock(&r->mu);
}

void ws_ring_wait_flag(ws_ring *r, const atomic_bool *flag)
{
    if (atomic_load(flag))
        return;
    publish_tail(r, true);
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
    size_t pos = r->p_tail;
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
    r->p_rsv = pos + total;
    return h + 1;
}

void ws_ring_commit(ws_ring *r)
{
    r->p_tail = r->p_rsv;
    if (r->p_tail - r->p_pub >= PUBLISH_BATCH)
        publish_tail(r, false);
}

void ws_ring_flush(ws_ring *r) { publish_tail(r, true); }

void ws_ring_close(ws_ring *r)
{
    publish_tail(r, false);
    atomic_store(&r->closed, true);
    if (atomic_load(&r->consumer_sleeping))
        wake(r, &r->wake_consumer);
}

/* ---- consumer ---------------------------------------------------------- */

static void publish_head(ws_ring *r)
{
    if (r->c_pub != r->c_head) {
        atomic_store(&r->head, r->c_head);
        r->c_pub = r->c_head;
    }
    if (atomic_load(&r->producer_sleeping)) {
        size_t want = atomic_load(&r->want);
        if (want == 0 || r->cap - (atomic_load(&r->tail) - r->c_head) >= want)
            wake(r, &r->wake_producer);
    }
}

/* Is there a record past the consumer's position, or is the ring closed? */
static bool has_record(ws_ring *r)
{
    if (r->c_tail != r->c_head)
        return true;
    r->c_tail = atomic_load(&r->tail);
    return r->c_tail != r->c_head || atomic_load(&r->closed);
}

void *ws_ring_next(ws_ring *r, size_t *len)
{
    if (!has_record(r)) {
        /* Out of work: show the producer the space released so far. */
        publish_head(r);
        for (int i = 0; i < SPIN_EMPTY && !has_record(r); i++)
            relax();
        if (!has_record(r)) {
            pthread_mutex_lock(&r->mu);
            atomic_store(&r->consumer_sleeping, true);
            while (!has_record(r))
                pthread_cond_wait(&r->wake_consumer, &r->mu);
            atomic_store(&r->consumer_sleeping, false);
            pthread_mutex_unlock(&r->mu);
        }
    }
    if (r->c_tail == r->c_head) {
        /* Closed: the tail was published before closed was set. */
        r->c_tail = atomic_load(&r->tail);
        if (r->c_tail == r->c_head)
            return NULL;
    }
    size_t pos = r->c_head;
    size_t off = pos & (r->cap - 1);
    rec_hdr *h = (rec_hdr *)(r->buf + off);
    if (h->wrap) {
        pos += r->cap - off;
        r->c_head = pos;
        h = (rec_hdr *)r->buf;
    }
    r->c_end = pos + record_bytes(h->len);
    *len = h->len;
    return h + 1;
}

void ws_ring_release(ws_ring *r)
{
    r->c_head = r->c_end;
    if (r->c_head - r->c_pub >= PUBLISH_BATCH || atomic_load(&r->producer_sleeping))
        publish_head(r);
}

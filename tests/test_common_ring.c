/* test_common_ring.c - the queue between wirespec's threads (the main thread and nDPI's worker):
 * every record arrives once, whole and in order, whatever the sizes, the
 * wrap-around and the speed of either end; waits on a flag end. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "common/ring.h"
#include "ws_test.h"

/* Record i: a length and bytes that only record i has (xorshift from i). */
static uint32_t next_rand(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return (uint32_t)*x;
}

static size_t rec_len(uint32_t i, size_t max)
{
    uint64_t x = 0x9e3779b97f4a7c15ull ^ i;
    next_rand(&x);
    uint32_t r = next_rand(&x);
    /* Mostly packet-sized, sometimes empty, sometimes as big as allowed. */
    switch (r % 16) {
    case 0:
        return 0;
    case 1:
        return max;
    default:
        return 4 + r % 1600;
    }
}

static void fill(uint8_t *p, size_t len, uint32_t i)
{
    uint64_t x = 0x2545f4914f6cdd1dull ^ ((uint64_t)i << 20);
    for (size_t k = 0; k < len; k++)
        p[k] = (uint8_t)next_rand(&x);
}

typedef struct run {
    ws_ring *r;
    uint32_t n;         /* records to pass */
    size_t max;         /* largest record */
    unsigned slow;      /* consumer pauses every so many records */
    uint32_t seen, bad; /* consumer: records read, records wrong */
} run;

static void *consumer(void *arg)
{
    run *x = arg;
    uint8_t *want = malloc(x->max + 4);
    size_t len;
    uint8_t *p;
    while ((p = ws_ring_next(x->r, &len))) {
        uint32_t i;
        memcpy(&i, p, 4);
        size_t wl = rec_len(x->seen, x->max);
        fill(want, wl, x->seen);
        if (i != x->seen || len != wl + 4 || memcmp(p + 4, want, wl) != 0)
            x->bad++;
        x->seen++;
        if (x->slow && x->seen % x->slow == 0) {
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
        }
        ws_ring_release(x->r);
    }
    free(want);
    return NULL;
}

static void pass(size_t ring_bytes, uint32_t n, unsigned slow)
{
    run x = {.n = n, .slow = slow};
    x.r = ws_ring_new(ring_bytes);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x.r);
    x.max = ws_ring_max_record(x.r) - 4;
    if (x.max > 70000)
        x.max = 70000;
    pthread_t t;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, consumer, &x), 0);
    for (uint32_t i = 0; i < n; i++) {
        size_t len = rec_len(i, x.max);
        uint8_t *p = ws_ring_reserve(x.r, len + 4);
        CU_ASSERT_EQUAL(((uintptr_t)p) % 8, 0);
        memcpy(p, &i, 4);
        fill(p + 4, len, i);
        ws_ring_commit(x.r);
    }
    ws_ring_close(x.r);
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL(x.seen, n);
    CU_ASSERT_EQUAL(x.bad, 0);
    ws_ring_free(x.r);
}

/* The smallest ring (64 KiB) wraps every few dozen records, and records up
 * to half of it must still pass. */
static void test_small_ring_wraps(void) { pass(1, 20000, 0); }

/* A big ring with a consumer that keeps up. */
static void test_big_ring(void) { pass(4u << 20, 200000, 0); }

/* A slow consumer: the producer waits for space again and again. */
static void test_slow_consumer(void) { pass(1, 3000, 7); }

/* Nothing queued: the consumer sleeps and close alone wakes it. */
static void test_close_empty(void) { pass(1, 0, 0); }

typedef struct flag_run {
    ws_ring *r;
    atomic_bool *flags;
    uint32_t n;
} flag_run;

static void *flag_setter(void *arg)
{
    flag_run *x = arg;
    size_t len;
    uint32_t *p;
    while ((p = ws_ring_next(x->r, &len))) {
        atomic_store(&x->flags[*p], true);
        ws_ring_release(x->r);
    }
    return NULL;
}

/* The producer waits for a flag that the consumer sets on reaching a
 * record; sometimes the record is the last one queued (the consumer sleeps,
 * waiting for a batch that never comes unless the wait wakes it). */
static void test_wait_flag(void)
{
    flag_run x = {.n = 2000};
    x.r = ws_ring_new(1);
    x.flags = calloc(x.n, sizeof(*x.flags));
    CU_ASSERT_PTR_NOT_NULL_FATAL(x.r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x.flags);
    for (uint32_t i = 0; i < x.n; i++)
        atomic_init(&x.flags[i], false);
    pthread_t t;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, flag_setter, &x), 0);
    for (uint32_t i = 0; i < x.n; i++) {
        uint32_t *p = ws_ring_reserve(x.r, sizeof(*p));
        *p = i;
        ws_ring_commit(x.r);
        if (i % 3 == 0) {
            ws_ring_wait_flag(x.r, &x.flags[i]);
            CU_ASSERT(atomic_load(&x.flags[i]));
        }
    }
    ws_ring_close(x.r);
    pthread_join(t, NULL);
    for (uint32_t i = 0; i < x.n; i++)
        CU_ASSERT(atomic_load(&x.flags[i]));
    free(x.flags);
    ws_ring_free(x.r);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"a small ring wraps and takes records up to its limit", test_small_ring_wraps},
        {"200k records through a 4 MiB ring", test_big_ring},
        {"a slow consumer makes the producer wait", test_slow_consumer},
        {"closing an empty ring ends the consumer", test_close_empty},
        {"waiting for a flag the consumer sets", test_wait_flag},
        {NULL, NULL},
    };
    ws_test_suite("ring", cases);
    return ws_test_run();
}

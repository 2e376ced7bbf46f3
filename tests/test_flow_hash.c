/* test_flow_hash.c - the flow key hash is NH then fmix64 as key.c defines
 * it, every byte of the key and of the secret counts, and keys built the way
 * a hostile capture would build them (one port or one address counting up)
 * spread evenly over the table's buckets.
 * specification: NH (Black, Halevi, Krawczyk, Krovetz and Rogaway, "UMAC:
 * Fast and Secure Message Authentication", CRYPTO 1999, section 3.1) and
 * MurmurHash3's fmix64; expected values from a Python transcription of those
 * two definitions (in the comments). */
#include <stdlib.h>
#include <string.h>

#include "flow/flow_int.h"
#include "ws_test.h"

/* The reference values below come from this Python, run as python3 -c:
 *
 *   import struct; M=2**64
 *   def fmix64(h):
 *       h^=h>>33; h=h*0xff51afd7ed558ccd%M; h^=h>>33
 *       h=h*0xc4ceb9fe1a85ec53%M; return h^(h>>33)
 *   def nh_hash(key, nh, fin):
 *       w=struct.unpack('<10I', key)
 *       n=sum((w[2*i]+nh[2*i])%2**32*((w[2*i+1]+nh[2*i+1])%2**32) for i in range(5))
 *       return fmix64((n+fin)%M)
 *   nh=[0x01020304*(i+1)%2**32 for i in range(10)]; fin=0x0123456789abcdef
 *   print(hex(nh_hash(bytes(range(40)), nh, fin)))
 */
static const ws_fkey_secret ref_secret = {
    {0x01020304u, 0x02040608u, 0x0306090cu, 0x04080c10u, 0x050a0f14u,
     0x060c1218u, 0x070e151cu, 0x08101820u, 0x09121b24u, 0x0a141e28u},
    0x0123456789abcdefULL,
};

static uint64_t hash_of(const uint8_t bytes[40], const ws_fkey_secret *s)
{
    ws_fkey k;
    _Static_assert(sizeof(k) == 40, "ws_fkey is 40 bytes");
    memcpy(&k, bytes, sizeof(k));
    return ws_fkey_hash(&k, s);
}

static void test_reference_values(void)
{
    uint8_t b[40];
    /* the nh list above is 0x01020304 * (i + 1) mod 2^32 */
    for (uint32_t i = 0; i < 10; i++)
        CU_ASSERT_EQUAL(ref_secret.nh[i], (uint32_t)(0x01020304u * (i + 1)));

    /* nh_hash(bytes(range(40)), nh, fin) */
    for (int i = 0; i < 40; i++)
        b[i] = (uint8_t)i;
    CU_ASSERT_EQUAL(hash_of(b, &ref_secret), 0x5c7fe9c6a2c25f2bULL);

    /* nh_hash(bytes(40), nh, fin) */
    memset(b, 0, sizeof(b));
    CU_ASSERT_EQUAL(hash_of(b, &ref_secret), 0x11b9fd5a28c673a3ULL);

    /* nh_hash(bytes(range(100,140)), nh, fin) */
    for (int i = 0; i < 40; i++)
        b[i] = (uint8_t)(100 + i);
    CU_ASSERT_EQUAL(hash_of(b, &ref_secret), 0x5d27417a1a67d2b7ULL);

    /* nh_hash(bytes(40), [0]*10, 0): all zero in, fmix64(0) = 0 out */
    static const ws_fkey_secret zero = {{0}, 0};
    memset(b, 0, sizeof(b));
    CU_ASSERT_EQUAL(hash_of(b, &zero), 0);
}

/* SplitMix64, only to draw test secrets that no one chose. */
static uint64_t next(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static ws_fkey_secret draw(uint64_t seed)
{
    ws_fkey_secret s;
    for (int i = 0; i < 10; i++)
        s.nh[i] = (uint32_t)next(&seed);
    s.fin = next(&seed);
    return s;
}

/* Every byte of the key and every word of the secret changes the hash. */
static void test_every_byte_counts(void)
{
    ws_fkey_secret s = draw(1);
    uint8_t b[40];
    for (int i = 0; i < 40; i++)
        b[i] = (uint8_t)(7 * i + 3);
    uint64_t h0 = hash_of(b, &s);
    for (int i = 0; i < 40; i++) {
        uint8_t c[40];
        memcpy(c, b, sizeof(c));
        c[i] ^= 0x01;
        CU_ASSERT_NOT_EQUAL(hash_of(c, &s), h0);
        c[i] ^= 0x81; /* the top bit alone */
        CU_ASSERT_NOT_EQUAL(hash_of(c, &s), h0);
    }
    for (int i = 0; i < 10; i++) {
        ws_fkey_secret t = s;
        t.nh[i] ^= 1u << (i * 3);
        CU_ASSERT_NOT_EQUAL(hash_of(b, &t), h0);
    }
    ws_fkey_secret t = s;
    t.fin ^= 1;
    CU_ASSERT_NOT_EQUAL(hash_of(b, &t), h0);
}

/* 65,536 TCP keys 10.0.0.1:P -> 10.0.0.2:443 (P counting up), or
 * 10.0.X.Y:40000 -> 10.1.0.1:443 (the address counting up), into 4,096
 * buckets by the low 12 bits of the hash as the table takes them: 16 a
 * bucket on average; a random function puts 40 or more in some bucket with
 * probability below 0.1 % (Poisson(16) tail). Under four secrets. */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void spread(int which, const ws_fkey_secret *s, unsigned *max_load, unsigned *distinct)
{
    enum { KEYS = 65536, BUCKETS = 4096 };
    static unsigned load[BUCKETS];
    static uint64_t seen[KEYS];
    memset(load, 0, sizeof(load));
    for (uint32_t i = 0; i < KEYS; i++) {
        ws_fkey k;
        memset(&k, 0, sizeof(k));
        k.a[0] = 10, k.b[0] = 10;
        if (which == 0) {
            k.a[3] = 1, k.b[3] = 2;
            k.pa = (uint16_t)i;
            k.pb = 443;
        } else {
            k.a[2] = (uint8_t)(i >> 8), k.a[3] = (uint8_t)i;
            k.b[1] = 1, k.b[3] = 1;
            k.pa = 40000;
            k.pb = 443;
        }
        k.proto = 6, k.family = 4, k.kind = WS_FKEY_PORTS;
        uint64_t h = ws_fkey_hash(&k, s);
        seen[i] = h;
        load[(uint32_t)h & (BUCKETS - 1)]++;
    }
    *max_load = 0;
    for (int i = 0; i < BUCKETS; i++)
        if (load[i] > *max_load)
            *max_load = load[i];
    /* and no two keys with the same 64-bit hash */
    qsort(seen, KEYS, sizeof(seen[0]), cmp_u64);
    *distinct = 1;
    for (uint32_t i = 1; i < KEYS; i++)
        *distinct += seen[i] != seen[i - 1];
}

static void test_structured_keys_spread(void)
{
    for (int which = 0; which < 2; which++)
        for (uint64_t seed = 10; seed < 14; seed++) {
            ws_fkey_secret s = draw(seed);
            unsigned max_load, distinct;
            spread(which, &s, &max_load, &distinct);
            CU_ASSERT(max_load < 40);
            CU_ASSERT_EQUAL(distinct, 65536);
            if (max_load >= 40)
                fprintf(stderr, "\n  keys %d, secret %llu: %u in one bucket\n", which,
                        (unsigned long long)seed, max_load);
        }
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"NH then fmix64: reference values", test_reference_values},
        {"every byte of the key and of the secret counts", test_every_byte_counts},
        {"ports or addresses counting up spread over the buckets",
         test_structured_keys_spread},
        {NULL, NULL},
    };
    ws_test_suite("flow key hash", cases);
    return ws_test_run();
}

/* test_flow_hash.c - the flow key hash is SipHash-1-3 as its authors define
 * it, so flows spread evenly and crafted keys cannot be made to collide
 * without the secret.
 * specification: SipHash (Aumasson and Bernstein, 2012) with 1 compression
 * and 3 finalisation rounds; expected values from CPython 3.11, whose bytes
 * hash is SipHash-1-3 keyed with zeros under PYTHONHASHSEED=0. */
#include <string.h>

#include "flow/flow_int.h"
#include "ws_test.h"

static uint64_t hash_of(const uint8_t bytes[40], const uint64_t secret[2])
{
    ws_fkey k;
    _Static_assert(sizeof(k) == 40, "ws_fkey is 40 bytes");
    memcpy(&k, bytes, sizeof(k));
    return ws_fkey_hash(&k, secret);
}

static void test_reference_values(void)
{
    static const uint64_t zero[2] = {0, 0};
    uint8_t b[40];

    /* PYTHONHASHSEED=0 python3 -c "print(hex(hash(bytes(range(40))) % 2**64))" */
    for (int i = 0; i < 40; i++)
        b[i] = (uint8_t)i;
    CU_ASSERT_EQUAL(hash_of(b, zero), 0x95bc321ab41d8206ULL);

    /* PYTHONHASHSEED=0 python3 -c "print(hex(hash(bytes(40)) % 2**64))" */
    memset(b, 0, sizeof(b));
    CU_ASSERT_EQUAL(hash_of(b, zero), 0x8a0d55ebcf29c4b2ULL);

    /* PYTHONHASHSEED=0 python3 -c "print(hex(hash(bytes(range(100,140))) % 2**64))" */
    for (int i = 0; i < 40; i++)
        b[i] = (uint8_t)(100 + i);
    CU_ASSERT_EQUAL(hash_of(b, zero), 0x45ae82417cfe2232ULL);
}

/* The secret matters: another secret, another hash of the same key. */
static void test_secret_changes_hash(void)
{
    static const uint64_t zero[2] = {0, 0}, other[2] = {1, 0};
    uint8_t b[40];
    memset(b, 0, sizeof(b));
    CU_ASSERT_NOT_EQUAL(hash_of(b, zero), hash_of(b, other));
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"SipHash-1-3 reference values", test_reference_values},
        {"the secret keys the hash", test_secret_changes_hash},
        {NULL, NULL},
    };
    ws_test_suite("flow key hash", cases);
    return ws_test_run();
}

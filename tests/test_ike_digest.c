/* test_ike_digest.c - MD5, SHA-1 and SHA-2 against their published test
 * vectors (RFC 1321 appendix A.5; FIPS 180-4 examples from NIST CSRC:
 * "abc", the 448- and 896-bit messages, one million 'a'), and block-boundary
 * lengths checked against python3 hashlib. */
#include "ws_test.h"

#include <stdio.h>
#include <string.h>

#include "ike/digest.h"

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
    out[2 * n] = 0;
}

static void check(ws_digest_alg alg, const void *msg, size_t len, const char *want)
{
    uint8_t d[WS_DIGEST_MAX];
    char got[2 * WS_DIGEST_MAX + 1];
    size_t n = ws_digest(alg, msg, len, d);
    CU_ASSERT_EQUAL(n * 2, strlen(want));
    hex(d, n, got);
    CU_ASSERT_STRING_EQUAL(got, want);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\n%s of %zu bytes: got %s want %s\n",
                ws_digest_name(alg), len, got, want);
}

static const char M448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char M896[] =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
    "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

/* RFC 1321 appendix A.5, the whole test suite. */
static void test_md5_rfc1321(void)
{
    check(WS_DIGEST_MD5, "", 0, "d41d8cd98f00b204e9800998ecf8427e");
    check(WS_DIGEST_MD5, "a", 1, "0cc175b9c0f1b6a831c399e269772661");
    check(WS_DIGEST_MD5, "abc", 3, "900150983cd24fb0d6963f7d28e17f72");
    check(WS_DIGEST_MD5, "message digest", 14, "f96b697d7cb7938d525a2f31aaf161d0");
    check(WS_DIGEST_MD5, "abcdefghijklmnopqrstuvwxyz", 26,
          "c3fcd3d76192e4007dfb496cca67e13b");
    check(WS_DIGEST_MD5,
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 62,
          "d174ab98d277d9f5a5611c2c9f419d9f");
    check(WS_DIGEST_MD5,
          "1234567890123456789012345678901234567890"
          "1234567890123456789012345678901234567890", 80,
          "57edf4a22be3c955ac49da2e2107b67a");
}

/* FIPS 180-4 examples (NIST CSRC "Examples with intermediate values"). */
static void test_sha1_fips(void)
{
    check(WS_DIGEST_SHA1, "abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
    check(WS_DIGEST_SHA1, M448, strlen(M448), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    check(WS_DIGEST_SHA1, "", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

static void test_sha256_fips(void)
{
    check(WS_DIGEST_SHA256, "abc", 3,
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check(WS_DIGEST_SHA256, M448, strlen(M448),
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    check(WS_DIGEST_SHA256, "", 0,
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_sha384_fips(void)
{
    check(WS_DIGEST_SHA384, "abc", 3,
          "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
          "1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
    check(WS_DIGEST_SHA384, M896, strlen(M896),
          "09330c33f71147e83d192fc782cd1b4753111b173b3b05d2"
          "2fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039");
}

static void test_sha512_fips(void)
{
    check(WS_DIGEST_SHA512, "abc", 3,
          "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
          "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    check(WS_DIGEST_SHA512, M896, strlen(M896),
          "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
          "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
}

/* One million 'a': the long-message vector of RFC 1321's successors and
 * FIPS 180-4 (values as published; python3 hashlib agrees). */
static void test_million_a(void)
{
    size_t n = 1000000;
    char *m = malloc(n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    memset(m, 'a', n);
    check(WS_DIGEST_MD5, m, n, "7707d6ae4e027c70eea2a935c2296f21");
    check(WS_DIGEST_SHA1, m, n, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    check(WS_DIGEST_SHA256, m, n,
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    check(WS_DIGEST_SHA384, m, n,
          "9d0e1809716474cb086e834e310a4a1ced149e9c00f24852"
          "7972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985");
    check(WS_DIGEST_SHA512, m, n,
          "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
          "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
    free(m);
}

/*
 * Padding edges (55/56/63/64 bytes for 64-byte blocks, 111/112/127/128 for
 * SHA-512), fed one byte at a time and all at once. Expected values:
 *   python3 -c "import hashlib;[print(n,hashlib.md5(b'a'*n).hexdigest(),
 *     hashlib.sha1(b'a'*n).hexdigest(),hashlib.sha256(b'a'*n).hexdigest(),
 *     hashlib.sha512(b'a'*n).hexdigest()) for n in (55,56,63,64,111,112,127,128)]"
 */
static const struct {
    size_t n;
    const char *md5, *sha1, *sha256, *sha512;
} EDGES[] = {
    {55, "ef1772b6dff9a122358552954ad0df65", "c1c8bbdc22796e28c0e15163d20899b65621d65a",
     "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
     "b0220c772cbf6c1822e2cb38a437d0e1d58772417a4bbb21c961364f8b6143e0"
     "5aa6316dca8d1d7b19e16448419076395f6086cb55101fbd6d5497b148e1745f"},
    {56, "3b0c8ac703f828b04c6c197006d17218", "c2db330f6083854c99d4b5bfb6e8f29f201be699",
     "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
     "962b64aae357d2a4fee3ded8b539bdc9d325081822b0bfc55583133aab44f18b"
     "afe11d72a7ae16c79ce2ba620ae2242d5144809161945f1367f41b3972e26e04"},
    {63, "b06521f39153d618550606be297466d5", "03f09f5b158a7a8cdad920bddc29b81c18a551f5",
     "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34",
     "c1b0f5c6d3b03dfe4a2602e67242f54e344090b66e01100a469b129f583f016c"
     "7e27dddeaa438393dcc7ec54b0b57c9ba7af007f9b56db5f6fb677d972a31362"},
    {64, "014842d480b571495a4a0363793f7367", "0098ba824b5c16427bd7a1122a5a442a25ec644d",
     "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
     "01d35c10c6c38c2dcf48f7eebb3235fb5ad74a65ec4cd016e2354c637a8fb49b"
     "695ef3c1d6f7ae4cd74d78cc9c9bcac9d4f23a73019998a7f73038a5c9b2dbde"},
    {111, "089f243d1e831c5879aa375ee364a06e", "ac877859d427d9192054eea8feb3b8a403ef83a5",
     "6374f73208854473827f6f6a3f43b1f53eaa3b82c21c1a6d69a2110b2a79baad",
     "fa9121c7b32b9e01733d034cfc78cbf67f926c7ed83e82200ef8681819692176"
     "0b4beff48404df811b953828274461673c68d04e297b0eb7b2b4d60fc6b566a2"},
    {112, "9146ef3527c7cfcc66dc615c3986e391", "689993727ba37386bb032495e9dbdfb4dd1ba744",
     "f54353008a2553262ecdc4a34749563ba0950e8b0fc8652780b0a614b99683c1",
     "c01d080efd492776a1c43bd23dd99d0a2e626d481e16782e75d54c2503b5dc32"
     "bd05f0f1ba33e568b88fd2d970929b719ecbb152f58f130a407c8830604b70ca"},
    {127, "020406e1d05cdc2aa287641f7ae2cc39", "89d95fa32ed44a7c610b7ee38517ddf57e0bb975",
     "c57e9278af78fa3cab38667bef4ce29d783787a2f731d4e12200270f0c32320a",
     "828613968b501dc00a97e08c73b118aa8876c26b8aac93df128502ab360f91ba"
     "b50a51e088769a5c1eff4782ace147dce3642554199876374291f5d921629502"},
    {128, "e510683b3f5ffe4093d021808bc6ff70", "ad5b3fdbcb526778c2839d2f151ea753995e26a0",
     "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e",
     "b73d1929aa615934e61a871596b3f3b33359f42b8175602e89f7e06e5f658a24"
     "3667807ed300314b95cacdd579f3e33abdfbe351909519a846d465c59582f321"},
};

static void check_bytewise(ws_digest_alg alg, size_t n, const char *want)
{
    ws_digest_ctx c;
    uint8_t d[WS_DIGEST_MAX];
    char got[2 * WS_DIGEST_MAX + 1];
    CU_ASSERT_TRUE_FATAL(ws_digest_init(&c, alg));
    for (size_t i = 0; i < n; i++)
        ws_digest_update(&c, "a", 1);
    size_t len = ws_digest_final(&c, d);
    hex(d, len, got);
    CU_ASSERT_STRING_EQUAL(got, want);
}

static void test_block_edges(void)
{
    char a[128];
    memset(a, 'a', sizeof(a));
    for (size_t i = 0; i < sizeof(EDGES) / sizeof(EDGES[0]); i++) {
        check(WS_DIGEST_MD5, a, EDGES[i].n, EDGES[i].md5);
        check(WS_DIGEST_SHA1, a, EDGES[i].n, EDGES[i].sha1);
        check(WS_DIGEST_SHA256, a, EDGES[i].n, EDGES[i].sha256);
        check(WS_DIGEST_SHA512, a, EDGES[i].n, EDGES[i].sha512);
        check_bytewise(WS_DIGEST_MD5, EDGES[i].n, EDGES[i].md5);
        check_bytewise(WS_DIGEST_SHA1, EDGES[i].n, EDGES[i].sha1);
        check_bytewise(WS_DIGEST_SHA256, EDGES[i].n, EDGES[i].sha256);
        check_bytewise(WS_DIGEST_SHA512, EDGES[i].n, EDGES[i].sha512);
    }
}

static void test_lengths_and_unknown(void)
{
    uint8_t d[WS_DIGEST_MAX];
    CU_ASSERT_EQUAL(ws_digest_len(WS_DIGEST_MD5), 16);
    CU_ASSERT_EQUAL(ws_digest_len(WS_DIGEST_SHA1), 20);
    CU_ASSERT_EQUAL(ws_digest_len(WS_DIGEST_SHA256), 32);
    CU_ASSERT_EQUAL(ws_digest_len(WS_DIGEST_SHA384), 48);
    CU_ASSERT_EQUAL(ws_digest_len(WS_DIGEST_SHA512), 64);
    CU_ASSERT_EQUAL(ws_digest(WS_DIGEST_NONE, "abc", 3, d), 0);
    CU_ASSERT_EQUAL(ws_digest((ws_digest_alg)99, "abc", 3, d), 0);
}

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"MD5: RFC 1321 test suite", test_md5_rfc1321},
        {"SHA-1: FIPS 180-4 examples", test_sha1_fips},
        {"SHA-256: FIPS 180-4 examples", test_sha256_fips},
        {"SHA-384: FIPS 180-4 examples", test_sha384_fips},
        {"SHA-512: FIPS 180-4 examples", test_sha512_fips},
        {"one million 'a'", test_million_a},
        {"padding edges, whole and byte by byte", test_block_edges},
        {"lengths; unknown algorithm refused", test_lengths_and_unknown},
        {NULL, NULL},
    };
    ws_test_suite("ike digest", cases);
    return ws_test_run();
}

/* test_names_mutate.c - the extractors on corrupted copies of real messages:
 * no read outside the bytes given (run under -DWS_SANITIZE=ON), and every
 * name that comes out has the learned form names.h promises.
 * specification: wirespec names.h (the form of a learned name) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/names/samples.h"
#include "names/names.h"
#include "ws_test.h"

#define MUTANTS_PER_SAMPLE 300

/* xorshift64: the same corruptions on every run */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* The learned form: 1..253 characters, lowercase, printable, non-empty
 * labels of at most 63, no trailing dot. */
static bool learned_form(const char *s)
{
    size_t n = strlen(s), label = 0;
    if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
            continue;
        }
        if (c < 0x21 || c > 0x7e || (c >= 'A' && c <= 'Z') || ++label > 63)
            return false;
    }
    return true;
}

/* A copy of s with 1..4 bytes changed, sometimes cut short, in a buffer of
 * exactly its length. */
static uint8_t *mutant(const sample *s, size_t *len)
{
    size_t n = s->len;
    if (n && rng() % 4 == 0)
        n = (size_t)(rng() % n);
    uint8_t *b = malloc(n ? n : 1);
    CU_ASSERT_FATAL(b != NULL);
    memcpy(b, s->payload, n);
    for (int k = (int)(rng() % 4); n && k >= 0; k--) {
        size_t at = (size_t)(rng() % n);
        switch (rng() % 3) {
        case 0: b[at] = (uint8_t)rng(); break;
        case 1: b[at] ^= (uint8_t)(1u << (rng() % 8)); break;
        default: b[at] = (uint8_t)(rng() % 2 ? 0xC0 : 0x3F); break; /* pointer / long label */
        }
    }
    *len = n;
    return b;
}

static void test_dns_mutants(void)
{
    sample_set set = samples_load("dns.txt");
    ws_dns_result *r = calloc(1, sizeof(*r));
    CU_ASSERT_FATAL(r != NULL);
    size_t found = 0, binds = 0;
    for (size_t i = 0; i < set.n; i++) {
        for (int m = 0; m < MUTANTS_PER_SAMPLE; m++) {
            size_t len;
            uint8_t *b = mutant(&set.s[i], &len);
            int rc = strcmp(set.s[i].kind, "tcp") == 0
                         ? ws_dns_parse_tcp(b, len, r)
                         : ws_dns_parse(b, len, m % 2 ? WS_DNS_MDNS : 0, r);
            free(b);
            CU_ASSERT(rc >= WS_NAMES_MALFORMED && rc <= WS_NAMES_FOUND);
            if (rc != WS_NAMES_FOUND)
                continue;
            found++;
            CU_ASSERT(r->n_names <= WS_DNS_MAX_NAMES);
            CU_ASSERT(r->n_addrs <= WS_DNS_MAX_ADDRS);
            CU_ASSERT(r->n_binds <= WS_DNS_MAX_BINDS);
            for (size_t k = 0; k < r->n_binds; k++) {
                CU_ASSERT(r->binds[k].name < r->n_names);
                CU_ASSERT(r->binds[k].addr < r->n_addrs);
                CU_ASSERT(learned_form(r->names[r->binds[k].name]));
                binds++;
            }
        }
    }
    /* the corruptions leave many messages readable: the checks above ran */
    CU_ASSERT(found > 1000);
    CU_ASSERT(binds > 1000);
    free(r);
    samples_free(&set);
}

static void mutate_text(const char *file, int (*fn)(const uint8_t *, size_t, char *))
{
    sample_set set = samples_load(file);
    char out[WS_NAME_MAX];
    size_t found = 0;
    for (size_t i = 0; i < set.n; i++) {
        for (int m = 0; m < MUTANTS_PER_SAMPLE; m++) {
            size_t len;
            uint8_t *b = mutant(&set.s[i], &len);
            int rc = fn(b, len, out);
            free(b);
            CU_ASSERT(rc >= WS_NAMES_MALFORMED && rc <= WS_NAMES_FOUND);
            if (rc == WS_NAMES_FOUND) {
                found++;
                CU_ASSERT(learned_form(out));
            }
        }
    }
    CU_ASSERT(found > 100);
    samples_free(&set);
}

static void test_tls_mutants(void) { mutate_text("tls.txt", ws_tls_sni); }
static void test_http_mutants(void) { mutate_text("http.txt", ws_http_host); }

int main(void)
{
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"DNS responses corrupted", test_dns_mutants},
        {"TLS ClientHellos corrupted", test_tls_mutants},
        {"HTTP requests corrupted", test_http_mutants},
        {NULL, NULL},
    };
    ws_test_suite("names_mutate", cases);
    return ws_test_run();
}

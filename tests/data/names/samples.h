/* samples.h - reads the sample files written by tests/data/names/gen.py
 * (payloads and tshark's expectations) for the test_names* programs. */
#ifndef WS_TEST_NAMES_SAMPLES_H
#define WS_TEST_NAMES_SAMPLES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sample_bind {
    char name[256];
    char addr[64];
} sample_bind;

typedef struct sample {
    char id[160];      /* file#frame */
    char kind[8];      /* udp, mdns, tcp, tls, http */
    uint8_t *payload;
    size_t len;
    bool subset;       /* tshark calls it malformed: only "no false name" */
    bool malformed;    /* expected status: malformed, */
    bool none;         /* or not a message to read, or else found */
    char name[256];    /* tls/http: expected name, "-" for none */
    size_t nbinds;
    sample_bind *binds;
} sample;

typedef struct sample_set {
    size_t n;
    sample *s;
} sample_set;

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Loads tests/data/names/<file>; aborts the program if it cannot. */
static sample_set samples_load(const char *file)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/tests/data/names/%s", WS_SOURCE_DIR, file);
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(2);
    }
    sample_set set = {0, NULL};
    size_t cap = 0;
    sample *cur = NULL;
    size_t lcap = 1 << 20;
    char *line = malloc(lcap);
    if (!line)
        exit(2);
    while (fgets(line, (int)lcap, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (strncmp(line, "sample ", 7) == 0) {
            if (set.n == cap) {
                cap = cap ? cap * 2 : 64;
                set.s = realloc(set.s, cap * sizeof(*set.s));
                if (!set.s)
                    exit(2);
            }
            cur = &set.s[set.n++];
            memset(cur, 0, sizeof(*cur));
            if (sscanf(line + 7, "%159s %7s", cur->id, cur->kind) != 2)
                exit(2);
        } else if (!cur) {
            fprintf(stderr, "%s: line outside a sample: %s\n", path, line);
            exit(2);
        } else if (strncmp(line, "payload ", 8) == 0) {
            const char *h = line + 8;
            size_t hl = strlen(h);
            cur->len = hl / 2;
            cur->payload = malloc(cur->len ? cur->len : 1);
            if (!cur->payload)
                exit(2);
            for (size_t i = 0; i < cur->len; i++)
                cur->payload[i] = (uint8_t)(hexval(h[2 * i]) << 4 | hexval(h[2 * i + 1]));
        } else if (strncmp(line, "check ", 6) == 0) {
            cur->subset = strcmp(line + 6, "subset") == 0;
        } else if (strncmp(line, "status ", 7) == 0) {
            cur->malformed = strcmp(line + 7, "malformed") == 0;
            cur->none = strcmp(line + 7, "none") == 0;
        } else if (strncmp(line, "name ", 5) == 0) {
            snprintf(cur->name, sizeof(cur->name), "%s", line + 5);
        } else if (strncmp(line, "bind ", 5) == 0) {
            cur->binds = realloc(cur->binds, (cur->nbinds + 1) * sizeof(*cur->binds));
            if (!cur->binds)
                exit(2);
            sample_bind *b = &cur->binds[cur->nbinds++];
            if (sscanf(line + 5, "%255s %63s", b->name, b->addr) != 2)
                exit(2);
        }
    }
    free(line);
    fclose(f);
    return set;
}

static void samples_free(sample_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->s[i].payload);
        free(set->s[i].binds);
    }
    free(set->s);
    set->s = NULL;
    set->n = 0;
}

#endif

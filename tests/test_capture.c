/* test_capture.c - inputs: directories read recursively in the order of each
 * file's first packet, non-captures passed over, damaged files reported with
 * the packet where they break, standard input named once. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/capture.h"
#include "ws_test.h"

static char dir[64];

/* Writes a pcap of n 60-byte Ethernet frames, the first at time t0 seconds. */
static void write_pcap(const char *path, long t0, int n)
{
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t *d = pcap_dump_open(dead, path);
    CU_ASSERT_FATAL(d != NULL);
    uint8_t frame[60] = {0};
    for (int i = 0; i < n; i++) {
        struct pcap_pkthdr h = {{t0 + i, 0}, sizeof(frame), sizeof(frame)};
        pcap_dump((u_char *)d, &h, frame);
    }
    pcap_dump_close(d);
    pcap_close(dead);
}

static void path_in(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

typedef struct seen {
    char order[8][256];
    int n;
    uint64_t frames;
} seen;

static ws_frame_verdict count_frame(const ws_input *in, int dlt, const uint8_t *data,
                                    uint32_t caplen, uint32_t wire_len, int64_t ts_us,
                                    void *ctx)
{
    (void)dlt, (void)data, (void)caplen, (void)wire_len, (void)ts_us;
    seen *s = ctx;
    if (s->n == 0 || strcmp(s->order[s->n - 1], in->path) != 0)
        if (s->n < 8)
            snprintf(s->order[s->n++], sizeof(s->order[0]), "%s", in->path);
    s->frames++;
    return WS_FRAME_USED;
}

static void test_directory_time_order(void)
{
    char p[256], sub[256];
    path_in(sub, sizeof(sub), "sub");
    CU_ASSERT_FATAL(mkdir(sub, 0755) == 0);
    path_in(p, sizeof(p), "a-late.pcap");
    write_pcap(p, 3000, 2);
    path_in(p, sizeof(p), "sub/b-early.pcap");
    write_pcap(p, 1000, 3);
    path_in(p, sizeof(p), "c-middle.pcap");
    write_pcap(p, 2000, 1);
    path_in(p, sizeof(p), "notes.txt");
    FILE *f = fopen(p, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs("not a capture\n", f);
    fclose(f);

    char *paths[] = {dir};
    ws_source *src = ws_source_new(paths, 1);
    CU_ASSERT_FATAL(src != NULL);
    seen s = {0};
    CU_ASSERT_EQUAL(ws_source_run(src, count_frame, &s), 0);
    CU_ASSERT_EQUAL(ws_source_count(src), 3);
    CU_ASSERT_EQUAL(ws_source_skipped(src), 1);
    CU_ASSERT_EQUAL(s.frames, 6);
    CU_ASSERT_EQUAL(s.n, 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(s.order[0], "b-early"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s.order[1], "c-middle"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s.order[2], "a-late"));
    ws_source_free(src);
}

/* A file cut inside its third packet: two packets read, the error names
 * packet 3 and libpcap's own account of the truncation. */
static void test_truncated_file(void)
{
    char p[256];
    path_in(p, sizeof(p), "cut.pcap");
    write_pcap(p, 1000, 5);
    /* 24-byte file header, then 16 + 60 per packet: cut 10 bytes into #3 */
    CU_ASSERT_FATAL(truncate(p, 24 + 2 * 76 + 16 + 10) == 0);
    char *paths[] = {p};
    ws_source *src = ws_source_new(paths, 1);
    CU_ASSERT_FATAL(src != NULL);
    seen s = {0};
    CU_ASSERT_EQUAL(ws_source_run(src, count_frame, &s), 1);
    const ws_input *in = ws_source_input(src, 0);
    CU_ASSERT_EQUAL(in->packets, 2);
    CU_ASSERT_EQUAL(s.frames, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(in->error);
    CU_ASSERT_PTR_NOT_NULL(strstr(in->error, "packet 3: truncated dump file"));
    ws_source_free(src);
}

/* Frames of 1,500 bytes numbered in their first 4 bytes (big-endian) and
 * filled with their number's low byte: 2,000 of them (3 MB) cross the 1 MB
 * read buffer at many places, in the middle of headers and of frames. */
#define BIG_FRAMES 2000
#define BIG_LEN 1500

static void write_numbered(const char *path)
{
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t *d = pcap_dump_open(dead, path);
    CU_ASSERT_FATAL(d != NULL);
    static uint8_t frame[BIG_LEN];
    for (uint32_t i = 0; i < BIG_FRAMES; i++) {
        memset(frame, (int)(i & 0xff), sizeof(frame));
        frame[0] = (uint8_t)(i >> 24), frame[1] = (uint8_t)(i >> 16);
        frame[2] = (uint8_t)(i >> 8), frame[3] = (uint8_t)i;
        struct pcap_pkthdr h = {{1000 + i, 0}, sizeof(frame), sizeof(frame)};
        pcap_dump((u_char *)d, &h, frame);
    }
    pcap_dump_close(d);
    pcap_close(dead);
}

typedef struct numbered {
    uint32_t next;    /* the number the next frame must carry */
    uint32_t bad;     /* frames out of order, of the wrong length or content */
    int64_t last_ts;
} numbered;

static ws_frame_verdict check_numbered(const ws_input *in, int dlt, const uint8_t *data,
                                       uint32_t caplen, uint32_t wire_len, int64_t ts_us,
                                       void *ctx)
{
    (void)in, (void)dlt;
    numbered *n = ctx;
    uint32_t i = n->next++;
    bool ok = caplen == BIG_LEN && wire_len == BIG_LEN &&
              ts_us == (int64_t)(1000 + i) * 1000000;
    if (ok)
        ok = ((uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 |
              data[3]) == i;
    for (uint32_t k = 4; ok && k < BIG_LEN; k++)
        ok = data[k] == (uint8_t)i;
    n->bad += !ok;
    n->last_ts = ts_us;
    return WS_FRAME_USED;
}

static void read_numbered(char *path, uint64_t *packets, numbered *n)
{
    char *paths[] = {path};
    ws_source *src = ws_source_new(paths, 1);
    CU_ASSERT_FATAL(src != NULL);
    CU_ASSERT_EQUAL(ws_source_run(src, check_numbered, n), 0);
    const ws_input *in = ws_source_input(src, 0);
    CU_ASSERT_PTR_NULL(in->error);
    *packets = in->packets;
    CU_ASSERT_EQUAL(in->bytes, (uint64_t)BIG_FRAMES * BIG_LEN);
    ws_source_free(src);
}

/* A file several times the read buffer: every frame, in order, intact. */
static void test_larger_than_buffer(void)
{
    char p[256];
    path_in(p, sizeof(p), "big.pcap");
    write_numbered(p);
    numbered n = {0};
    uint64_t packets = 0;
    read_numbered(p, &packets, &n);
    CU_ASSERT_EQUAL(packets, BIG_FRAMES);
    CU_ASSERT_EQUAL(n.next, BIG_FRAMES);
    CU_ASSERT_EQUAL(n.bad, 0);
    CU_ASSERT_EQUAL(n.last_ts, (int64_t)(1000 + BIG_FRAMES - 1) * 1000000);
}

/* The same file on standard input (read through its own buffer too), and
 * standard input still open and usable afterwards. */
static void test_stdin_larger_than_buffer(void)
{
    char p[256];
    path_in(p, sizeof(p), "big-stdin.pcap");
    write_numbered(p);
    int saved = dup(STDIN_FILENO);
    CU_ASSERT_FATAL(saved >= 0);
    FILE *f = fopen(p, "rb");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT_FATAL(dup2(fileno(f), STDIN_FILENO) == STDIN_FILENO);
    fclose(f);
    numbered n = {0};
    uint64_t packets = 0;
    char dash[] = "-";
    read_numbered(dash, &packets, &n);
    CU_ASSERT_EQUAL(packets, BIG_FRAMES);
    CU_ASSERT_EQUAL(n.next, BIG_FRAMES);
    CU_ASSERT_EQUAL(n.bad, 0);
    /* Descriptor 0 was not closed by the run. */
    struct stat st;
    CU_ASSERT_EQUAL(fstat(STDIN_FILENO, &st), 0);
    CU_ASSERT_FATAL(dup2(saved, STDIN_FILENO) == STDIN_FILENO);
    close(saved);
}

static void test_bad_inputs(void)
{
    char missing[256], text[256];
    path_in(missing, sizeof(missing), "missing.pcap");
    path_in(text, sizeof(text), "notes.txt");
    char *paths[] = {missing, text, "-", "-"};
    ws_source *src = ws_source_new(paths, 4);
    CU_ASSERT_FATAL(src != NULL);
    CU_ASSERT_EQUAL(ws_source_count(src), 4);
    int errors = 0;
    for (size_t i = 0; i < 4; i++) {
        const ws_input *in = ws_source_input(src, i);
        if (strcmp(in->path, missing) == 0)
            CU_ASSERT_PTR_NOT_NULL(in->error && strstr(in->error, "No such file"));
        if (in->error && strstr(in->error, "standard input named more than once"))
            errors++;
    }
    CU_ASSERT_EQUAL(errors, 1);
    ws_source_free(src);
}

static void test_bad_filter(void)
{
    char *paths[] = {dir};
    ws_source *src = ws_source_new(paths, 1);
    CU_ASSERT_FATAL(src != NULL);
    char err[256];
    CU_ASSERT_FALSE(ws_source_set_filter(src, "port 99999999", err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "invalid filter \"port 99999999\""));
    CU_ASSERT_TRUE(ws_source_set_filter(src, "udp or tcp", err, sizeof(err)));
    ws_source_free(src);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/ws-capture-XXXXXX");
    if (!mkdtemp(dir))
        return 2;
    WS_TEST_INIT();
    static const ws_test_case cases[] = {
        {"directory: recursive, time order, non-captures skipped", test_directory_time_order},
        {"truncated file: packets before the cut, error names the packet", test_truncated_file},
        {"missing file, non-capture, stdin twice", test_bad_inputs},
        {"a file larger than the read buffer: every frame intact", test_larger_than_buffer},
        {"standard input larger than the read buffer", test_stdin_larger_than_buffer},
        {"filter checked before reading", test_bad_filter},
        {NULL, NULL},
    };
    ws_test_suite("capture", cases);
    int rc = ws_test_run();
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        rc = rc ? rc : 1;
    return rc;
}

/* capture.c - reading pcap and pcapng files, directories of them, and stdin,
 * through libpcap; specification: pcap-savefile(5), draft-ietf-opsawg-pcap
 * (record headers) and draft-ietf-opsawg-pcapng (block headers), walked only
 * to say at which byte a damaged file breaks. */
#include "capture.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cursor.h"
#include "common/ts.h"

/* stdio buffer of the open capture file: libpcap freads each record header
 * and each record, and stdio refills this buffer with one read() of this
 * size (glibc ignores setvbuf's size when it is not given the buffer itself:
 * it would read 4 KB at a time). */
#define WS_READ_BUFFER (1u << 20)
#define WS_MAX_DIR_DEPTH 32

struct ws_source {
    ws_input *in;
    size_t n, cap;
    size_t skipped;
    char *bpf;
};

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

__attribute__((format(printf, 1, 2)))
static char *fmt_alloc(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

__attribute__((format(printf, 2, 3)))
static void set_error(ws_input *in, const char *fmt, ...)
{
    if (in->error)
        return; /* the first error is the one that matters */
    char msg[WS_ERRBUF_SIZE + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    in->error = xstrdup(msg);
}

static ws_input *add_input(ws_source *src, const char *path)
{
    if (src->n == src->cap) {
        size_t cap = src->cap ? src->cap * 2 : 16;
        ws_input *in = realloc(src->in, cap * sizeof(*in));
        if (!in)
            return NULL;
        src->in = in;
        src->cap = cap;
    }
    ws_input *in = &src->in[src->n];
    memset(in, 0, sizeof(*in));
    in->path = xstrdup(path);
    if (!in->path)
        return NULL;
    in->dlt = -1;
    in->dlt_name = "";
    in->first_ts_us = INT64_MAX;
    src->n++;
    return in;
}

/* pcap (both byte orders, micro- and nanosecond, Kuznetzov's) or pcapng. */
static bool has_capture_magic(const char *path)
{
    static const uint32_t magics[] = {
        0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1,
        0xa1b2cd34, 0x34cdb2a1, 0x0a0d0d0a,
    };
    unsigned char b[4];
    FILE *f = fopen(path, "rb");
    if (!f)
        return true; /* let the open report why it cannot be read */
    size_t got = fread(b, 1, 4, f);
    fclose(f);
    if (got != 4)
        return false;
    uint32_t m = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
                 ((uint32_t)b[2] << 8) | b[3];
    for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
        if (m == magics[i])
            return true;
    return false;
}

static const char *file_kind(mode_t m)
{
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISSOCK(m))
        return "a socket";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    return "not a file";
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool add_dir(ws_source *src, const char *dir, int depth)
{
    if (depth > WS_MAX_DIR_DEPTH) {
        ws_input *in = add_input(src, dir);
        if (!in)
            return false;
        set_error(in, "directory nested deeper than %d levels, not read", WS_MAX_DIR_DEPTH);
        return true;
    }
    DIR *d = opendir(dir);
    if (!d) {
        ws_input *in = add_input(src, dir);
        if (!in)
            return false;
        set_error(in, "cannot read directory: %s", strerror(errno));
        return true;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* ., .., and hidden files */
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof(*nn));
            if (!nn) {
                ok = false;
                break;
            }
            names = nn;
        }
        names[n] = fmt_alloc("%s/%s", dir, e->d_name);
        if (!names[n]) {
            ok = false;
            break;
        }
        n++;
    }
    closedir(d);
    if (ok && n)
        qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n; i++) {
        struct stat st, lst;
        bool have_lst = ok && lstat(names[i], &lst) == 0;
        if (have_lst && stat(names[i], &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                if (!S_ISLNK(lst.st_mode)) /* no loops through links */
                    ok = add_dir(src, names[i], depth + 1);
            } else if (S_ISREG(st.st_mode)) {
                if (has_capture_magic(names[i])) {
                    if (!add_input(src, names[i]))
                        ok = false;
                } else {
                    src->skipped++;
                }
            } else {
                /* Never opened: a FIFO with no writer would block the run,
                 * a device could be endless. Named on the command line, it
                 * is read. */
                ws_input *in = add_input(src, names[i]);
                if (!in)
                    ok = false;
                else
                    set_error(in, "%s, not a regular file: not read (name it on the "
                              "command line to read it)", file_kind(st.st_mode));
            }
        } else if (ok) {
            int err = errno;
            ws_input *in = add_input(src, names[i]);
            char target[256];
            ssize_t tl;
            if (!in)
                ok = false;
            else if (have_lst && S_ISLNK(lst.st_mode) &&
                     (tl = readlink(names[i], target, sizeof(target) - 1)) >= 0)
                set_error(in, "cannot read: a symbolic link to \"%.*s\": %s", (int)tl,
                          target, strerror(err));
            else
                set_error(in, "cannot read: %s", strerror(err));
        }
        free(names[i]);
    }
    free(names);
    return ok;
}

/* Opens in's file (or stdin) for reading, with a WS_READ_BUFFER stdio buffer
 * (in->rbuf, freed by close_input); NULL with in->error set. Standard input
 * is read through a FILE of its own on a duplicate of descriptor 0, so that
 * its buffer can be ours and freed when libpcap closes it (libpcap never
 * closes stdin itself). */
static pcap_t *open_input(ws_input *in)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    FILE *fp;
    bool is_stdin = strcmp(in->path, "-") == 0;
    if (is_stdin) {
        int fd = dup(STDIN_FILENO);
        fp = fd < 0 ? NULL : fdopen(fd, "rb");
        if (!fp) {
            set_error(in, "cannot read standard input: %s", strerror(errno));
            if (fd >= 0)
                close(fd);
            return NULL;
        }
    } else {
        fp = fopen(in->path, "rb");
        if (!fp) {
            set_error(in, "cannot open: %s", strerror(errno));
            return NULL;
        }
    }
    /* Only this thread reads the file: no stdio lock per fread. */
    __fsetlocking(fp, FSETLOCKING_BYCALLER);
    free(in->rbuf);
    in->rbuf = malloc(WS_READ_BUFFER);
    if (in->rbuf)
        setvbuf(fp, in->rbuf, _IOFBF, WS_READ_BUFFER); /* else stdio's own */
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (!p) {
        struct stat st;
        if (!is_stdin && fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) &&
            st.st_size == 0)
            set_error(in, "not a readable pcap or pcapng file: the file is empty (0 bytes)");
        else
            set_error(in, "not a readable pcap or pcapng file: %s", errbuf);
        fclose(fp);
        free(in->rbuf);
        in->rbuf = NULL;
        return NULL;
    }
    in->dlt = pcap_datalink(p);
    const char *name = pcap_datalink_val_to_name(in->dlt);
    in->dlt_name = name ? name : "";
    return p;
}

/* Closes what open_input opened (libpcap closes the FILE), then its buffer. */
static void close_input(ws_input *in, pcap_t *p)
{
    pcap_close(p);
    free(in->rbuf);
    in->rbuf = NULL;
}

/*
 * The byte offset, in the capture file at path, of packet record recno
 * (1-based: pcap records, or pcapng packet blocks EPB, SPB and PB), or of the
 * first header on the way there that cannot be walked (cut short, or a pcapng
 * block length below 12 or not a multiple of 4). Only called after libpcap
 * reported an error, so a failed read costs nothing; false for what cannot
 * be read again (standard input, a FIFO).
 */
static bool record_offset(const char *path, uint64_t recno, uint64_t *off)
{
    if (strcmp(path, "-") == 0)
        return false;
    /* O_NONBLOCK: opening a FIFO (read once already) must not wait for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    struct stat st;
    if (fd < 0)
        return false;
    FILE *f = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !(f = fdopen(fd, "rb"))) {
        close(fd);
        return false;
    }
    uint64_t size = (uint64_t)st.st_size;
    uint8_t b[24];
    bool ok = fread(b, 1, 4, f) == 4;
    ws_cur c = ws_cur_make(b, 4);
    uint32_t magic = ws_cur_be32(&c);
    uint64_t at = 0;
    if (ok && magic == 0x0a0d0d0a) {
        /* pcapng: type, total length (byte order of the section), ...; the
         * section header block gives the order in its byte-order magic. */
        bool le = true;
        uint64_t seen = 0;
        while (at + 12 <= size && fseeko(f, (off_t)at, SEEK_SET) == 0 &&
               fread(b, 1, 12, f) == 12) {
            c = ws_cur_make(b, 12);
            uint32_t type = ws_cur_be32(&c);
            if (type == 0x0a0d0d0a) {
                ws_cur bom = ws_cur_make(b + 8, 4);
                le = ws_cur_be32(&bom) == 0x4d3c2b1a;
            }
            uint32_t len = le ? ws_cur_le32(&c) : ws_cur_be32(&c);
            if (le)
                type = (type >> 24) | ((type >> 8) & 0xff00) | ((type << 8) & 0xff0000) |
                       (type << 24);
            bool packet = type == 6 || type == 3 || type == 2;
            if ((packet && ++seen == recno) || len < 12 || len % 4 != 0 ||
                len > size - at)
                break;
            at += len;
        }
    } else if (ok) {
        /* pcap: 24-byte file header, records of a 16-byte header (24 in
         * Kuznetzov's modified format) and caplen bytes (offset 8; wire
         * length at 12). Files before version 2.3, and DG/UX's 543.0, have
         * the two lengths the other way round; 2.3 files either way (libpcap
         * takes the smaller as caplen). */
        bool le = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1 || magic == 0x34cdb2a1;
        uint64_t hlen = (magic == 0xa1b2cd34 || magic == 0x34cdb2a1) ? 24 : 16;
        unsigned major = 0, minor = 0;
        if (fread(b, 1, 4, f) == 4) {
            c = ws_cur_make(b, 4);
            major = le ? ws_cur_le16(&c) : ws_cur_be16(&c);
            minor = le ? ws_cur_le16(&c) : ws_cur_be16(&c);
        }
        int swapped = (major == 2 && minor < 3) || major == 543 ? 1
                      : major == 2 && minor == 3               ? -1 /* maybe */
                                                                : 0;
        at = 24;
        for (uint64_t k = 1; k < recno && at + hlen <= size; k++) {
            if (fseeko(f, (off_t)at, SEEK_SET) != 0 || fread(b, 1, 16, f) != 16)
                break;
            c = ws_cur_make(b + 8, 8);
            uint64_t caplen = le ? ws_cur_le32(&c) : ws_cur_be32(&c);
            uint64_t len = le ? ws_cur_le32(&c) : ws_cur_be32(&c);
            if (swapped == 1 || (swapped == -1 && caplen > len))
                caplen = len;
            if (caplen > size - at - hlen)
                break;
            at += hlen + caplen;
        }
    }
    fclose(f);
    *off = at;
    return ok;
}

/* The error that stopped reading in's file at packet recno. */
static void report_break(ws_input *in, uint64_t recno, const char *why)
{
    uint64_t off;
    unsigned long long r = (unsigned long long)recno;
    if (!record_offset(in->path, recno, &off))
        set_error(in, "packet %llu: %s", r, why);
    else if (strncmp(why, "truncated", 9) == 0)
        set_error(in, "packet %llu: %s (the file is cut short in the middle of packet "
                  "%llu, which starts at byte %llu)", r, why, r, (unsigned long long)off);
    else
        set_error(in, "packet %llu: %s (the damage is at byte %llu)", r, why,
                  (unsigned long long)off);
}

static int64_t ts_us(const struct pcap_pkthdr *h)
{
    return ws_ts_us((int64_t)h->ts.tv_sec, (int64_t)h->ts.tv_usec);
}

/* Reads the first timestamp of each file, so files can be taken in time order. */
static void peek_first_ts(ws_input *in)
{
    pcap_t *p = open_input(in);
    if (!p)
        return;
    struct pcap_pkthdr *h;
    const u_char *data;
    if (pcap_next_ex(p, &h, &data) == 1)
        in->first_ts_us = ts_us(h);
    close_input(in, p);
}

static int cmp_first_ts(const void *a, const void *b)
{
    const ws_input *x = a, *y = b;
    if (x->first_ts_us != y->first_ts_us)
        return x->first_ts_us < y->first_ts_us ? -1 : 1;
    return strcmp(x->path, y->path);
}

ws_source *ws_source_new(char *const paths[], size_t npaths)
{
    ws_source *src = calloc(1, sizeof(*src));
    if (!src)
        return NULL;
    bool ok = true;
    size_t nstdin = 0;
    for (size_t i = 0; ok && i < npaths; i++) {
        struct stat st;
        if (strcmp(paths[i], "-") == 0) {
            ws_input *in = add_input(src, "-");
            ok = in != NULL;
            if (in && ++nstdin > 1)
                set_error(in, "standard input named more than once");
        } else if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            ok = add_dir(src, paths[i], 0);
        } else {
            ws_input *in = add_input(src, paths[i]);
            ok = in != NULL;
            if (in && stat(paths[i], &st) != 0)
                set_error(in, "cannot open: %s", strerror(errno));
            else if (in && !S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
                set_error(in, "not a regular file");
        }
    }
    if (!ok) {
        ws_source_free(src);
        return NULL;
    }
    /* Files in time order. Standard input, a FIFO or a device cannot be
     * peeked (what is read is gone) and go first. */
    if (src->n > 1) {
        for (size_t i = 0; i < src->n; i++) {
            struct stat st;
            if (src->in[i].error)
                continue;
            if (strcmp(src->in[i].path, "-") == 0 ||
                (stat(src->in[i].path, &st) == 0 && !S_ISREG(st.st_mode)))
                src->in[i].first_ts_us = INT64_MIN;
            else
                peek_first_ts(&src->in[i]);
        }
        qsort(src->in, src->n, sizeof(*src->in), cmp_first_ts);
    }
    return src;
}

void ws_source_free(ws_source *src)
{
    if (!src)
        return;
    for (size_t i = 0; i < src->n; i++) {
        free(src->in[i].path);
        free(src->in[i].error);
        free(src->in[i].rbuf);
    }
    free(src->in);
    free(src->bpf);
    free(src);
}

bool ws_source_set_filter(ws_source *src, const char *bpf, char *err, size_t errlen)
{
    /* Compile once against Ethernet, so a typo is reported before any reading. */
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    struct bpf_program prog;
    if (!dead) {
        snprintf(err, errlen, "cannot check the filter");
        return false;
    }
    if (pcap_compile(dead, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(err, errlen, "invalid filter \"%s\": %s", bpf, pcap_geterr(dead));
        pcap_close(dead);
        return false;
    }
    pcap_freecode(&prog);
    pcap_close(dead);
    free(src->bpf);
    src->bpf = xstrdup(bpf);
    if (!src->bpf) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    return true;
}

/* Compiles the filter for in's link type into prog; false with in->error set. */
static bool compile_filter(ws_source *src, ws_input *in, pcap_t *p, struct bpf_program *prog)
{
    if (pcap_compile(p, prog, src->bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        set_error(in, "filter \"%s\" does not apply to link type %s: %s",
                  src->bpf, in->dlt_name, pcap_geterr(p));
        return false;
    }
    return true;
}

/* Reads one input to its end; false when the callback asked to stop. The
 * filter is applied here rather than by libpcap, so that every record is
 * counted and an error names the packet number tshark shows. */
static bool run_input(ws_source *src, ws_input *in, ws_frame_cb cb, void *ctx)
{
    pcap_t *p = open_input(in);
    if (!p)
        return true;
    struct bpf_program prog;
    if (src->bpf && !compile_filter(src, in, p, &prog)) {
        close_input(in, p);
        return true;
    }
    bool go_on = true;
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t records = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        records++;
        if (src->bpf && pcap_offline_filter(&prog, h, data) == 0)
            continue;
        /* With a filter, count only the frames delivered. */
        in->packets++;
        in->bytes += h->len;
        int64_t t = ts_us(h);
        if (in->first_ts_us == INT64_MAX)
            in->first_ts_us = t;
        ws_frame_verdict v = cb(in, in->dlt, data, h->caplen, h->len, t, ctx);
        if (v == WS_FRAME_SKIPPED) {
            in->skipped++;
        } else if (v == WS_FRAME_STOP) {
            go_on = false;
            break;
        }
    }
    if (rc == PCAP_ERROR)
        report_break(in, records + 1, pcap_geterr(p));
    if (src->bpf)
        pcap_freecode(&prog);
    close_input(in, p);
    return go_on;
}

size_t ws_source_run(ws_source *src, ws_frame_cb cb, void *ctx)
{
    size_t failed = 0;
    bool go_on = true;
    for (size_t i = 0; i < src->n; i++) {
        ws_input *in = &src->in[i];
        if (go_on && !in->error)
            go_on = run_input(src, in, cb, ctx);
        if (in->error)
            failed++;
    }
    return failed;
}

size_t ws_source_count(const ws_source *src) { return src->n; }

const ws_input *ws_source_input(const ws_source *src, size_t i)
{
    return i < src->n ? &src->in[i] : NULL;
}

size_t ws_source_skipped(const ws_source *src) { return src->skipped; }

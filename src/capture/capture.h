/* capture.h - packets from capture files, directories of them, or stdin.
 *
 * The only stage that talks to libpcap for offline input. It expands the
 * command line's inputs into a list of files (directories recursively, in
 * the order of each file's first timestamp), reads each file to its end, and
 * hands every frame to a callback. A file that cannot be read, or stops
 * early, is reported in its ws_input with the packet number where it broke;
 * the rest of the run goes on.
 */
#ifndef WS_CAPTURE_H
#define WS_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WS_ERRBUF_SIZE 512

/* One input file and what became of it. */
typedef struct ws_input {
    char *path;            /* as given, or found under a directory; "-" = stdin */
    int dlt;               /* link type (libpcap DLT), -1 before it is opened */
    const char *dlt_name;  /* libpcap's name for it, "" if unknown */
    int64_t first_ts_us;   /* first packet's time, INT64_MAX if none */
    uint64_t packets;      /* frames read */
    uint64_t bytes;        /* wire bytes of those frames */
    uint64_t skipped;      /* frames the callback could not use (link type) */
    char *error;           /* NULL, or what went wrong and where */
    char *rbuf;            /* the read buffer while the file is open (owned) */
} ws_input;

typedef struct ws_source ws_source;

typedef enum ws_frame_verdict {
    WS_FRAME_USED,
    WS_FRAME_SKIPPED,  /* not readable by the decoder: counted in skipped */
    WS_FRAME_STOP,     /* stop the whole run */
} ws_frame_verdict;

/* Called for each frame. */
typedef ws_frame_verdict (*ws_frame_cb)(const ws_input *in, int dlt,
                                        const uint8_t *data, uint32_t caplen,
                                        uint32_t wire_len, int64_t ts_us,
                                        void *ctx);

/*
 * Expands paths into inputs. Never fails on a bad path: the input carries
 * the error. Directory entries that are not capture files (by their magic
 * number) are skipped silently; a file named on the command line that is not
 * a capture is an error. NULL only on ENOMEM.
 */
ws_source *ws_source_new(char *const paths[], size_t npaths);
void ws_source_free(ws_source *src);

/*
 * BPF filter applied to every file (compiled for each file's link type).
 * Returns false, with the reason in err, if the expression does not compile.
 */
bool ws_source_set_filter(ws_source *src, const char *bpf, char *err, size_t errlen);

/* Reads every input in order. Returns the number of inputs with errors. */
size_t ws_source_run(ws_source *src, ws_frame_cb cb, void *ctx);

size_t ws_source_count(const ws_source *src);
const ws_input *ws_source_input(const ws_source *src, size_t i);
/* Directory entries passed over because they are not captures. */
size_t ws_source_skipped(const ws_source *src);

#endif

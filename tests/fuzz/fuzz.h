/* fuzz.h - what the fuzz targets share: the libFuzzer entry points, and
 * input bytes as a file (the loaders and the capture reader take paths). */
#ifndef WS_FUZZ_H
#define WS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * Writes data to an anonymous in-memory file and returns its descriptor, with
 * its /proc/self/fd path in path; -1 when that fails (the target then skips
 * the input). Close the descriptor when done.
 */
int ws_fuzz_memfile(const uint8_t *data, size_t size, char *path, size_t pathlen);

#endif

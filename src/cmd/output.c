/* output.c - report files written whole or not at all: a regular file is
 * written beside its target and renamed into place when complete, so a
 * failed run never leaves a file that looks like a report; a device, FIFO
 * or socket (/dev/null, /dev/stdout, a pipe) is written directly, since
 * renaming over it would replace it. */
#include "cmd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ws_out_open(ws_out *o, const char *cmd, const char *path)
{
    memset(o, 0, sizeof(*o));
    o->cmd = cmd;
    if (!path || strcmp(path, "-") == 0) {
        o->fp = stdout;
        return 0;
    }
    o->path = path;
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) {
            fprintf(stderr, "%s %s: cannot write %s: %s\n", ws_prog, cmd, path, strerror(EISDIR));
            return -1;
        }
        o->fp = fopen(path, "w");
    } else {
        size_t n = strlen(path) + 32;
        if (!(o->tmp = malloc(n))) {
            fprintf(stderr, "%s %s: out of memory\n", ws_prog, cmd);
            return -1;
        }
        snprintf(o->tmp, n, "%s.tmp.%ld", path, (long)getpid());
        o->fp = fopen(o->tmp, "w");
    }
    if (!o->fp) {
        fprintf(stderr, "%s %s: cannot write %s: %s\n", ws_prog, cmd, path, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        return -1;
    }
    return 0;
}

int ws_out_close(ws_out *o, bool ok)
{
    /* A write that failed while the report was written (ENOSPC on
     * /dev/full, EIO) left errno set: ws_report_write returns right then. */
    int e = errno;
    const char *name = o->path ? o->path : "the report";
    bool werr = ferror(o->fp) != 0;
    if (o->path ? fclose(o->fp) != 0 : fflush(stdout) != 0) {
        werr = true;
        e = errno;
    }
    if (werr) {
        fprintf(stderr, "%s %s: writing %s: %s\n", ws_prog, o->cmd, name,
                e ? strerror(e) : "write error");
        ok = false;
    } else if (!ok) {
        fprintf(stderr, "%s %s: %s could not be written completely\n", ws_prog, o->cmd, name);
    }
    if (o->tmp) {
        if (ok && rename(o->tmp, o->path) != 0) {
            fprintf(stderr, "%s %s: cannot write %s: %s\n", ws_prog, o->cmd, name, strerror(errno));
            ok = false;
        }
        if (!ok)
            unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
    return ok ? 0 : -1;
}

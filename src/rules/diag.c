/* diag.c - error and warning messages from loading packs and site files. */
#include "rules_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ws_diag_init(ws_diag *d)
{
    memset(d, 0, sizeof(*d));
}

void ws_diag_free(ws_diag *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->msg[i]);
    free(d->msg);
    memset(d, 0, sizeof(*d));
}

void ws_diag_add(ws_diag *d, bool error, const char *fmt, ...)
{
    if (error)
        d->errors++;
    else
        d->warnings++;
    char body[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof(body), fmt, ap);
    va_end(ap);
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        char **m = realloc(d->msg, cap * sizeof(*m));
        if (!m)
            return; /* counted, not kept */
        d->msg = m;
        d->cap = cap;
    }
    size_t len = strlen(body) + 16;
    char *line = malloc(len);
    if (!line)
        return;
    snprintf(line, len, "%s: %s", error ? "error" : "warning", body);
    d->msg[d->n++] = line;
}

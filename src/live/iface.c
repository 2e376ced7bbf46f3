/* iface.c - live capture interfaces through libpcap: create, set options,
 * activate, filter, and wait on their selectable descriptors.
 * specification: pcap(3PCAP), pcap_create(3PCAP), pcap_activate(3PCAP),
 * pcap_set_immediate_mode(3PCAP), pcap_get_selectable_fd(3PCAP),
 * pcap_stats(3PCAP). */
#include "live.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "common/ts.h"

typedef struct iface {
    char *name;
    pcap_t *p;           /* NULL once it failed */
    int dlt;
    int fd;
    struct pcap_stat last;  /* the last stats read (kept when it fails) */
} iface;

struct ws_ifaces {
    iface *v;
    size_t n;
    struct pollfd *pfd;
};

typedef struct dispatch_ctx {
    ws_live_frame_fn cb;
    void *ctx;
    int dlt;
} dispatch_ctx;

static void close_one(iface *f)
{
    if (f->p)
        pcap_close(f->p);
    f->p = NULL;
    f->fd = -1;
}

void ws_ifaces_close(ws_ifaces *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        close_one(&s->v[i]);
        free(s->v[i].name);
    }
    free(s->v);
    free(s->pfd);
    free(s);
}

/* Sets up and activates one interface; false with a message in err. */
static bool open_one(iface *f, const ws_iface_opts *o, FILE *warn, char *err, size_t errlen)
{
    char eb[PCAP_ERRBUF_SIZE] = "";
    f->p = pcap_create(f->name, eb);
    if (!f->p) {
        snprintf(err, errlen, "%s: %s", f->name, eb);
        return false;
    }
    if (pcap_set_snaplen(f->p, o->snaplen) != 0 || pcap_set_promisc(f->p, o->promisc) != 0 ||
        pcap_set_immediate_mode(f->p, 1) != 0 ||
        (o->buffer_bytes > 0 && pcap_set_buffer_size(f->p, o->buffer_bytes) != 0)) {
        snprintf(err, errlen, "%s: cannot set capture options", f->name);
        return false;
    }
    int rc = pcap_activate(f->p);
    if (rc < 0) {
        const char *why = pcap_geterr(f->p);
        if (rc == PCAP_ERROR_PERM_DENIED)
            snprintf(err, errlen, "%s: %s (capturing needs root or CAP_NET_RAW)", f->name,
                     why && *why ? why : "permission denied");
        else if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
            snprintf(err, errlen, "%s: no such interface", f->name);
        else
            snprintf(err, errlen, "%s: %s", f->name,
                     why && *why ? why : pcap_statustostr(rc));
        return false;
    }
    if (rc > 0 && warn)
        fprintf(warn, "%s: warning: %s\n", f->name, pcap_statustostr(rc));
    f->dlt = pcap_datalink(f->p);
    if (o->bpf) {
        struct bpf_program prog;
        if (pcap_compile(f->p, &prog, o->bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            snprintf(err, errlen, "%s: filter \"%s\": %s", f->name, o->bpf, pcap_geterr(f->p));
            return false;
        }
        rc = pcap_setfilter(f->p, &prog);
        pcap_freecode(&prog);
        if (rc != 0) {
            snprintf(err, errlen, "%s: filter \"%s\": %s", f->name, o->bpf, pcap_geterr(f->p));
            return false;
        }
    }
    if (pcap_setnonblock(f->p, 1, eb) != 0) {
        snprintf(err, errlen, "%s: %s", f->name, eb);
        return false;
    }
    f->fd = pcap_get_selectable_fd(f->p);
    if (f->fd < 0) {
        snprintf(err, errlen, "%s: no selectable descriptor for this interface", f->name);
        return false;
    }
    return true;
}

ws_ifaces *ws_ifaces_open(char *const names[], size_t n, const ws_iface_opts *o,
                          FILE *warn, char *err, size_t errlen)
{
    ws_ifaces *s = calloc(1, sizeof(*s));
    if (!s || !(s->v = calloc(n ? n : 1, sizeof(*s->v))) ||
        !(s->pfd = calloc(n ? n : 1, sizeof(*s->pfd)))) {
        snprintf(err, errlen, "out of memory");
        ws_ifaces_close(s);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        iface *f = &s->v[s->n++];
        f->fd = -1;
        if (!(f->name = strdup(names[i]))) {
            snprintf(err, errlen, "out of memory");
            ws_ifaces_close(s);
            return NULL;
        }
        if (!open_one(f, o, warn, err, errlen)) {
            ws_ifaces_close(s);
            return NULL;
        }
    }
    return s;
}

size_t ws_ifaces_count(const ws_ifaces *s) { return s->n; }

size_t ws_ifaces_alive(const ws_ifaces *s)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        k += s->v[i].p != NULL;
    return k;
}

static void on_pcap(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    const dispatch_ctx *d = (const dispatch_ctx *)user;
    int64_t ts = ws_ts_us((int64_t)h->ts.tv_sec, (int64_t)h->ts.tv_usec);
    d->cb(d->ctx, d->dlt, bytes, h->caplen, h->len, ts);
}

size_t ws_ifaces_poll(ws_ifaces *s, int timeout_ms, uint64_t max, ws_live_frame_fn cb,
                      void *ctx, FILE *warn)
{
    nfds_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        s->pfd[i].fd = s->v[i].fd;   /* negative: ignored by poll */
        s->pfd[i].events = POLLIN;
        s->pfd[i].revents = 0;
        n++;
    }
    int rc = poll(s->pfd, n, timeout_ms);
    if (rc <= 0)
        return 0;   /* timeout, or EINTR: the caller looks at its signals */
    size_t got = 0;
    for (size_t i = 0; i < s->n; i++) {
        iface *f = &s->v[i];
        if (!f->p || !(s->pfd[i].revents & (POLLIN | POLLERR | POLLHUP)))
            continue;
        int cnt = -1;
        if (max) {
            if (got >= max)
                break;
            uint64_t left = max - got;
            cnt = left > 100000 ? 100000 : (int)left;
        }
        dispatch_ctx d = {cb, ctx, f->dlt};
        int r = pcap_dispatch(f->p, cnt, on_pcap, (u_char *)&d);
        if (r < 0) {
            if (warn)
                fprintf(warn, "%s: capture stopped: %s\n", f->name,
                        r == PCAP_ERROR ? pcap_geterr(f->p) : "interrupted");
            (void)pcap_stats(f->p, &f->last);
            close_one(f);
            continue;
        }
        got += (size_t)r;
    }
    return got;
}

size_t ws_ifaces_stats(ws_ifaces *s, ws_iface_stats *out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n && k < max; i++) {
        iface *f = &s->v[i];
        struct pcap_stat st;
        if (f->p && pcap_stats(f->p, &st) == 0)
            f->last = st;
        out[k].name = f->name;
        out[k].received = f->last.ps_recv;
        out[k].kernel_drops = f->last.ps_drop;
        out[k].iface_drops = f->last.ps_ifdrop;
        k++;
    }
    return k;
}

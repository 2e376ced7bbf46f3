/* audit.c - the offline pipeline: every frame of every input through the
 * decoder, the flow table and the taggers; each ended flow kept as a record. */
#include "audit.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "dpi/dpi.h"
#include "names/names.h"

/* TCP segments per direction searched for a TLS SNI or an HTTP Host: both
 * come in the first payload a client sends, after the handshake. */
#define NAMES_TCP_PACKETS 6

/* Application names, one copy each, found by (master, app) ids. */
typedef struct app_names {
    struct app_name {
        uint32_t key;   /* master << 16 | app, + 1 so that 0 marks a free slot */
        char *name;
    } *slot;
    size_t cap, used;
} app_names;

struct ws_run {
    ws_limits limits;
    ws_limits flow_limits;  /* the flow table's: see ws_run_new */
    ws_stats stats;
    ws_source *source;
    ws_decoder *dec;
    ws_flow_table *flows;
    ws_dpi *dpi;
    ws_names *names;
    ws_ike_tracker *ike;
    ws_ike_sa *ike_sas;     /* snapshot taken at the end of the run */
    size_t n_ike_sas;
    app_names apps;
    ws_checker *checker;
    ws_flow_rec *recs;
    size_t nrecs, caprecs;
    uint64_t rec_lo, rec_hi; /* the least and greatest id of the records */
    bool recs_sorted;        /* in ascending id order */
    bool out_of_memory;
    bool audited;           /* ws_run_audit is done: flows, dpi, dec are freed */
    size_t failed;          /* its answer */
    ws_flow_start_fn on_start; /* stream runs: each flow's first packet */
    void *start_ctx;
    struct flush_checks *flush_checks; /* see flush_checks_start */
};

static const char *app_name(ws_run *run, const ws_flow *f)
{
    if (f->app_source == WS_APP_NONE)
        return NULL;
    app_names *t = &run->apps;
    uint32_t key = (((uint32_t)f->app_master << 16) | f->app) + 1;
    if (t->used * 2 >= t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        struct app_name *slot = calloc(cap, sizeof(*slot));
        if (!slot)
            return NULL;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->slot[i].key)
                continue;
            size_t j = t->slot[i].key * 2654435761u % cap;
            while (slot[j].key)
                j = (j + 1) % cap;
            slot[j] = t->slot[i];
        }
        free(t->slot);
        t->slot = slot;
        t->cap = cap;
    }
    size_t j = key * 2654435761u % t->cap;
    while (t->slot[j].key && t->slot[j].key != key)
        j = (j + 1) % t->cap;
    if (!t->slot[j].key) {
        char buf[64];
        const char *n = ws_dpi_app_name(run->dpi, f, buf, sizeof(buf));
        char *copy = n ? strdup(n) : NULL;
        if (!copy)
            return NULL;
        t->slot[j].key = key;
        t->slot[j].name = copy;
        t->used++;
    }
    return t->slot[j].name;
}

static void keep_record(ws_run *run, ws_flow *f, ws_end_reason why, ws_outcome outcome,
                        const char *app, const ws_rule *rule)
{
    if (run->nrecs >= run->limits.max_report_flows) {
        run->stats.report_flows_dropped++;
        return;
    }
    if (run->nrecs == run->caprecs) {
        size_t cap = run->caprecs ? run->caprecs * 2 : 1024;
        ws_flow_rec *r = realloc(run->recs, cap * sizeof(*r));
        if (!r) {
            run->stats.report_flows_dropped++;
            run->out_of_memory = true;
            return;
        }
        run->recs = r;
        run->caprecs = cap;
    }
    if (!run->nrecs) {
        run->rec_lo = run->rec_hi = f->id;
        run->recs_sorted = true;
    } else {
        run->recs_sorted = run->recs_sorted && f->id > run->recs[run->nrecs - 1].f.id;
        run->rec_lo = f->id < run->rec_lo ? f->id : run->rec_lo;
        run->rec_hi = f->id > run->rec_hi ? f->id : run->rec_hi;
    }
    ws_flow_rec *r = &run->recs[run->nrecs++];
    r->f = *f;
    r->f.dpi_state = NULL;
    r->outcome = outcome;
    r->end = why;
    r->app = app;
    r->rule = rule;
}

/*
 * The flush at the end of an audit on threads: the checks of the flows it
 * ends run on a thread of their own, in the order the flows end, while this
 * thread waits for their verdicts and keeps their records. nDPI's worker is
 * nearly idle by then, its processor free.
 *
 * The records are the queue: room for every flow still open is made before
 * the flush (so the array does not move) and the checks thread judges
 * records[next, posted), writing each one's rule. posted and done change
 * under the mutex only, which also makes the records written before them
 * visible to the checks thread. What the checks read besides the record
 * (the names learnt, the rules, the site) no longer changes at the flush;
 * what they write (the checker, its counters in run->stats) nothing else
 * touches until the thread is joined.
 */
#define FLUSH_CHECKS_MIN 1024 /* flows open at the end worth a thread */
#define FLUSH_CHECKS_BATCH 256 /* records posted at a time */

typedef struct flush_checks {
    ws_run *run;
    pthread_mutex_t mu;
    pthread_cond_t more;
    size_t next;      /* the checks thread's: first record not judged */
    size_t posted;    /* records ready to be judged */
    bool done;        /* no more records will come */
    pthread_t thread;
} flush_checks;

static void *flush_checks_main(void *arg)
{
    flush_checks *fc = arg;
    ws_run *run = fc->run;
    for (;;) {
        pthread_mutex_lock(&fc->mu);
        while (fc->next == fc->posted && !fc->done)
            pthread_cond_wait(&fc->more, &fc->mu);
        size_t end = fc->posted;
        bool last = fc->done;
        pthread_mutex_unlock(&fc->mu);
        for (; fc->next < end; fc->next++) {
            ws_flow_rec *r = &run->recs[fc->next];
            r->rule = ws_checker_flow(run->checker, &r->f, r->outcome, r->app);
        }
        if (last)
            return NULL;
    }
}

static void flush_checks_post(flush_checks *fc, bool done)
{
    pthread_mutex_lock(&fc->mu);
    fc->posted = fc->run->nrecs;
    fc->done = done;
    pthread_cond_signal(&fc->more);
    pthread_mutex_unlock(&fc->mu);
}

/* Starts the checks thread when it is worth one and every flow still open
 * will be kept as a record (with records dropped by max_report_flows, the
 * checks stay on this thread). Otherwise, or with no thread to be had, the
 * flush checks each flow as it ends. */
static void flush_checks_start(ws_run *run)
{
    size_t open = ws_flow_table_active(run->flows);
    if (!run->limits.threads || !run->checker || open < FLUSH_CHECKS_MIN ||
        run->nrecs + open > run->limits.max_report_flows)
        return;
    if (run->caprecs < run->nrecs + open) {
        ws_flow_rec *r = realloc(run->recs, (run->nrecs + open) * sizeof(*r));
        if (!r)
            return;
        run->recs = r;
        run->caprecs = run->nrecs + open;
    }
    flush_checks *fc = calloc(1, sizeof(*fc));
    if (!fc)
        return;
    fc->run = run;
    fc->next = fc->posted = run->nrecs;
    if (pthread_mutex_init(&fc->mu, NULL) != 0)
        goto no_mutex;
    if (pthread_cond_init(&fc->more, NULL) != 0)
        goto no_cond;
    if (pthread_create(&fc->thread, NULL, flush_checks_main, fc) != 0)
        goto no_thread;
    run->flush_checks = fc;
    return;
no_thread:
    pthread_cond_destroy(&fc->more);
no_cond:
    pthread_mutex_destroy(&fc->mu);
no_mutex:
    free(fc);
}

static void flush_checks_finish(ws_run *run)
{
    flush_checks *fc = run->flush_checks;
    if (!fc)
        return;
    flush_checks_post(fc, true);
    pthread_join(fc->thread, NULL);
    pthread_cond_destroy(&fc->more);
    pthread_mutex_destroy(&fc->mu);
    free(fc);
    run->flush_checks = NULL;
}

static void on_flow_end(ws_flow *f, ws_end_reason why, void *ctx)
{
    ws_run *run = ctx;
    ws_dpi_flow_end(run->dpi, f);
    ws_outcome outcome = ws_flow_outcome(f);
    const char *app = app_name(run, f);
    if (run->flush_checks) {
        /* Kept for certain (flush_checks_start made room); judged there. */
        keep_record(run, f, why, outcome, app, NULL);
        if (run->nrecs - run->flush_checks->posted >= FLUSH_CHECKS_BATCH)
            flush_checks_post(run->flush_checks, false);
        return;
    }
    const ws_rule *rule = NULL;
    if (run->checker)
        rule = ws_checker_flow(run->checker, f, outcome, app);
    keep_record(run, f, why, outcome, app, rule);
}

static void on_flow_ending(ws_flow *f, void *ctx)
{
    ws_run *run = ctx;
    ws_dpi_flow_ending(run->dpi, f);
}

static size_t names_of(void *ctx, const ws_addr *a, const char **out, size_t max)
{
    return ws_run_names(ctx, a, out, max);
}

bool ws_run_set_checks(ws_run *run, const ws_ruleset *rs, const ws_site *site)
{
    ws_checker_free(run->checker);
    run->checker = ws_checker_new(rs, site, &run->limits, &run->stats, names_of, run);
    return run->checker != NULL;
}

const ws_checker *ws_run_checker(const ws_run *run) { return run->checker; }
ws_checker *ws_run_checker_mut(ws_run *run) { return run->checker; }

static void on_packet(const ws_packet *pkt, void *ctx)
{
    ws_run *run = ctx;
    int dir;
    ws_flow *f = ws_flow_table_packet(run->flows, pkt, &dir);
    if (!f || dir == WS_DIR_ICMP)
        return;
    ws_dpi_packet(run->dpi, f, dir, pkt);
    if (pkt->proto == 17 || pkt->proto == 50)
        ws_ike_tracker_packet(run->ike, pkt);
    if (pkt->proto == 17 || (pkt->proto == 6 && f->packets[dir] <= NAMES_TCP_PACKETS))
        ws_names_packet(run->names, pkt);
    if (run->on_start && f->packets[WS_DIR_FWD] + f->packets[WS_DIR_REV] == 1)
        run->on_start(f, run->start_ctx);
}

static ws_frame_verdict on_frame(const ws_input *in, int dlt, const uint8_t *data,
                                 uint32_t caplen, uint32_t wire_len, int64_t ts_us,
                                 void *ctx)
{
    (void)in;
    ws_run *run = ctx;
    run->stats.packets++;
    run->stats.bytes += wire_len;
    if (!ws_dlt_supported(dlt)) {
        run->stats.unsupported_link++;
        return WS_FRAME_SKIPPED;
    }
    ws_decode_frame(run->dec, dlt, data, caplen, wire_len, ts_us, on_packet, run);
    return WS_FRAME_USED;
}

ws_run *ws_run_new(const ws_limits *limits, char *const inputs[], size_t ninputs,
                   const char *bpf, char *err, size_t errlen)
{
    ws_run *run = calloc(1, sizeof(*run));
    if (!run) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    run->limits = *limits;
    /* max_flow_bytes bounds what flows cost, and a flow in detection also
     * holds nDPI's state (plus its allocation header): the table gets the
     * capacity that both fit in, expressed in its own bytes per flow. */
    run->flow_limits = *limits;
    uint64_t per_flow = ws_flow_table_bytes_per_flow() + ws_dpi_state_bytes() + 16;
    run->flow_limits.max_flow_bytes =
        limits->max_flow_bytes / per_flow * ws_flow_table_bytes_per_flow();
    run->source = ws_source_new(inputs, ninputs);
    run->dec = ws_decoder_new(&run->limits, &run->stats);
    run->flows = ws_flow_table_new(&run->flow_limits, &run->stats, on_flow_end, run);
    run->dpi = ws_dpi_new(&run->limits, &run->stats);
    run->names = ws_names_new(&run->limits, &run->stats);
    run->ike = ws_ike_tracker_new(&run->limits, &run->stats);
    if (!run->source || !run->dec || !run->flows || !run->dpi || !run->names || !run->ike) {
        snprintf(err, errlen, "out of memory");
        ws_run_free(run);
        return NULL;
    }
    ws_flow_table_set_ending(run->flows, on_flow_ending);
    if (bpf && !ws_source_set_filter(run->source, bpf, err, errlen)) {
        ws_run_free(run);
        return NULL;
    }
    return run;
}

void ws_run_free(ws_run *run)
{
    if (!run)
        return;
    ws_flow_table_free(run->flows);
    ws_checker_free(run->checker);
    ws_dpi_free(run->dpi);
    ws_names_free(run->names);
    ws_ike_tracker_free(run->ike);
    free(run->ike_sas);
    for (size_t i = 0; i < run->apps.cap; i++)
        free(run->apps.slot[i].name);
    free(run->apps.slot);
    ws_decoder_free(run->dec);
    ws_source_free(run->source);
    free(run->recs);
    free(run);
}

static int cmp_rec_id(const void *a, const void *b)
{
    const ws_flow_rec *x = a, *y = b;
    return x->f.id < y->f.id ? -1 : x->f.id > y->f.id;
}

typedef struct rec_key {
    uint64_t id;
    uint32_t at;
} rec_key;

static int cmp_key_id(const void *a, const void *b)
{
    const rec_key *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Records a permutation is about to move are asked for this many moves
 * ahead: each move reads a record from anywhere in the array (a wait for
 * memory), and the cycle says which ones come next. */
#define RECS_PREFETCH 8

static void prefetch_rec(const ws_flow_rec *p)
{
    const char *b = (const char *)p;
    for (size_t o = 0; o < sizeof(*p); o += 64)
        __builtin_prefetch(b + o);
    __builtin_prefetch(b + sizeof(*p) - 1);
}

/* Moves the records so that position k holds the one that was at from[k]
 * (from is a permutation of 0..n-1): each cycle of the permutation is
 * followed once with one record aside, and from is spent on the way. */
static void permute_recs(ws_flow_rec *r, uint32_t *from, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (from[k] == k)
            continue;
        ws_flow_rec aside = r[k];
        size_t j = k, ahead = from[k];
        for (int d = 0; d < RECS_PREFETCH && ahead != k; d++) {
            prefetch_rec(&r[ahead]);
            ahead = from[ahead];
        }
        for (;;) {
            size_t s = from[j];
            from[j] = (uint32_t)j;
            if (s == k) {
                r[j] = aside;
                break;
            }
            if (ahead != k) {
                prefetch_rec(&r[ahead]);
                ahead = from[ahead];
            }
            r[j] = r[s];
            j = s;
        }
    }
}

/* Records from which the ordering at the end of a run is worth a thread
 * (a thread costs tens of microseconds; 4,096 records take about 0.1 ms). */
#define RECS_ORDER_THREAD 4096

/* A range of ids at most this many times the number of records is placed
 * by id (4 bytes per id of the range); a sparser one is sorted by key. */
#define RECS_DENSE_FACTOR 4

/* ws_flow_recs_sort of records whose least and greatest ids are known. */
static void sort_recs(ws_flow_rec *r, size_t n, uint64_t lo, uint64_t hi)
{
    uint32_t *from = NULL;
    uint64_t span = hi - lo; /* ids in the range, less one */
    if (n < UINT32_MAX && span / RECS_DENSE_FACTOR < n) {
        /* Dense: each record placed at its id, then the range read in order. */
        from = malloc((size_t)(span + 1) * sizeof(*from));
        if (from) {
            memset(from, 0xff, (size_t)(span + 1) * sizeof(*from));
            for (size_t i = 0; i < n; i++)
                from[r[i].f.id - lo] = (uint32_t)i;
            size_t k = 0;
            for (uint64_t j = 0; j <= span; j++)
                if (from[j] != UINT32_MAX)
                    from[k++] = from[j];
            if (k != n) { /* two records of one id: not a permutation */
                free(from);
                from = NULL;
            }
        }
    } else if (n < UINT32_MAX) {
        /* Sparse: the (id, position) keys sorted, far smaller than records. */
        rec_key *key = malloc(n * sizeof(*key));
        from = key ? malloc(n * sizeof(*from)) : NULL;
        if (from) {
            for (size_t i = 0; i < n; i++)
                key[i] = (rec_key){r[i].f.id, (uint32_t)i};
            qsort(key, n, sizeof(*key), cmp_key_id);
            for (size_t i = 0; i < n; i++)
                from[i] = key[i].at;
        }
        free(key);
    }
    if (from)
        permute_recs(r, from, n);
    else /* out of memory for the index: the records sorted where they are */
        qsort(r, n, sizeof(*r), cmp_rec_id);
    free(from);
}

void ws_flow_recs_sort(ws_flow_rec *r, size_t n)
{
    if (n < 2)
        return;
    uint64_t lo = r[0].f.id, hi = r[0].f.id;
    bool sorted = true;
    for (size_t i = 1; i < n; i++) {
        uint64_t id = r[i].f.id;
        sorted = sorted && id > r[i - 1].f.id;
        lo = id < lo ? id : lo;
        hi = id > hi ? id : hi;
    }
    if (!sorted)
        sort_recs(r, n, lo, hi);
}

/* The flow records in id order. The range and order of the ids were
 * followed as records came: no pass over the records to find them. */
static void order_recs(ws_run *run)
{
    if (run->nrecs > 1 && !run->recs_sorted)
        sort_recs(run->recs, run->nrecs, run->rec_lo, run->rec_hi);
    run->recs_sorted = true;
}

static void *order_recs_main(void *arg)
{
    order_recs(arg);
    return NULL;
}

/* The IKE SAs as they stand, copied. */
static void snapshot_sas(ws_run *run)
{
    free(run->ike_sas);
    run->ike_sas = NULL;
    run->n_ike_sas = 0;
    size_t n = ws_ike_tracker_count(run->ike);
    run->ike_sas = n ? malloc(n * sizeof(*run->ike_sas)) : NULL;
    if (run->ike_sas)
        for (size_t i = 0; i < n; i++)
            run->ike_sas[run->n_ike_sas++] = *ws_ike_tracker_get(run->ike, i);
}

/* The IKE SAs as they stand, copied; flow records in id order. */
void ws_run_snapshot(ws_run *run)
{
    order_recs(run);
    snapshot_sas(run);
}

ws_run *ws_run_new_stream(const ws_limits *limits, char *err, size_t errlen)
{
    ws_run *run = ws_run_new(limits, NULL, 0, NULL, err, errlen);
    /* Live runs keep nDPI on the capture thread: the worker thread is
     * measured and tested on offline audits only (doc/performance.md). */
    if (run)
        run->limits.threads = 0;
    return run;
}

void ws_run_set_flow_start(ws_run *run, ws_flow_start_fn fn, void *ctx)
{
    run->on_start = fn;
    run->start_ctx = ctx;
}

void ws_run_frame(ws_run *run, int dlt, const uint8_t *data, uint32_t caplen,
                  uint32_t wire_len, int64_t ts_us)
{
    if (!run->audited)
        on_frame(NULL, dlt, data, caplen, wire_len, ts_us, run);
}

void ws_run_tick(ws_run *run, int64_t now_us)
{
    if (run->audited)
        return;
    ws_decoder_expire(run->dec, now_us);
    ws_flow_table_expire(run->flows, now_us);
}

size_t ws_run_active_flows(const ws_run *run)
{
    return run->flows ? ws_flow_table_active(run->flows) : 0;
}

void ws_run_clear_flows(ws_run *run)
{
    run->nrecs = 0;
}

size_t ws_run_audit(ws_run *run)
{
    if (run->audited)
        return run->failed;
    run->failed = ws_source_run(run->source, on_frame, run);
    ws_run_finish(run);
    return run->failed;
}

void ws_run_finish(ws_run *run)
{
    if (run->audited)
        return;
    run->audited = true;
    ws_decoder_expire(run->dec, INT64_MAX); /* datagrams never completed */
    flush_checks_start(run);
    ws_flow_table_flush(run->flows);
    flush_checks_finish(run);
    /* Every flow is a record now: the table, nDPI and the decoder are done,
     * and their memory is better used by the checks and the report. */
    ws_flow_table_free(run->flows);
    run->flows = NULL;
    ws_dpi_free(run->dpi);
    run->dpi = NULL;
    ws_decoder_free(run->dec);
    run->dec = NULL;
    /* The records are put in order on a thread of their own while the
     * end-of-run checks run: those read no record (only the names and the
     * SAs, which the ordering does not touch), and nDPI's worker is done,
     * its processor free. On one thread (threads=0, and live runs), with
     * few records, or with no thread to be had: one after the other. */
    pthread_t orderer;
    bool ordering = run->limits.threads && run->checker && !run->recs_sorted &&
                    run->nrecs >= RECS_ORDER_THREAD &&
                    pthread_create(&orderer, NULL, order_recs_main, run) == 0;
    if (!ordering)
        order_recs(run);
    snapshot_sas(run);
    if (run->checker)
        ws_checker_finish(run->checker, run->ike_sas, run->n_ike_sas);
    if (ordering)
        pthread_join(orderer, NULL);
}

const ws_limits *ws_run_limits(const ws_run *run) { return &run->limits; }
const ws_stats *ws_run_stats(const ws_run *run) { return &run->stats; }
const ws_source *ws_run_source(const ws_run *run) { return run->source; }

const ws_flow_rec *ws_run_flows(const ws_run *run, size_t *n)
{
    *n = run->nrecs;
    return run->recs;
}

const ws_ike_sa *ws_run_ike_sas(const ws_run *run, size_t *n)
{
    *n = run->n_ike_sas;
    return run->ike_sas;
}

size_t ws_run_names(const ws_run *run, const ws_addr *a, const char **out, size_t max)
{
    size_t n = ws_names_lookup(run->names, a, out, max);
    return n < max ? n : max;
}

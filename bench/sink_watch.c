/* sink_watch.c — following feed sinks for the benchmarks: tails, the order
 * check, the inotify watcher thread and its latency summary (see
 * sink_watch.h).
 */
#include "sink_watch.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

#define TAIL_BUF (4 << 20)

/* ---- one sink ---- */

int sink_tail_init(sink_tail *t, const char *path)
{
    snprintf(t->path, sizeof t->path, "%s", path);
    t->fd = -1;
    t->have = 0;
    t->lines = 0;
    t->buf = malloc(TAIL_BUF);
    return t->buf ? 0 : -1;
}

void sink_tail_fini(sink_tail *t)
{
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
    free(t->buf);
    t->buf = NULL;
}

void sink_tail_read(sink_tail *t, sink_line_fn fn, void *ctx)
{
    if (t->fd < 0 && (t->fd = open(t->path, O_RDONLY | O_CLOEXEC)) < 0)
        return;
    ssize_t r;
    while ((r = read(t->fd, t->buf + t->have, TAIL_BUF - t->have)) > 0) {
        int64_t now = bench_wall_us();
        char *p = t->buf, *end = t->buf + t->have + r, *nl;
        while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
            *nl = '\0';
            t->lines++;
            if (fn)
                fn(ctx, p, now);
            p = nl + 1;
        }
        t->have = (size_t)(end - p);
        if (t->have == TAIL_BUF)
            t->have = 0; /* no entry's line is this long: drop it */
        memmove(t->buf, p, t->have);
    }
}

int sink_tail_wait(sink_tail *t, long n, sink_line_fn fn, void *ctx, double timeout_s)
{
    double deadline = bench_now_s() + timeout_s;
    for (;;) {
        sink_tail_read(t, fn, ctx);
        if (t->lines >= n)
            return 0;
        if (bench_now_s() > deadline)
            return -1;
        usleep(1000);
    }
}

void sink_check_order(void *ctx, char *line, int64_t seen_us)
{
    (void)seen_us;
    sink_order *o = ctx;
    const char *s = strstr(line, "\"seq\":");
    unsigned long long seq = s ? strtoull(s + 6, NULL, 10) : 0;
    if (seq <= o->last)
        o->bad++;
    o->last = seq;
}

/* ---- many sinks, from a thread ---- */

#define WATCH_MAX 64

/* seen_us[s][i] is when the event of outbox sequence first+i appeared in
 * sink s; received_ms[i] is when the hub received it. Only the thread writes
 * them, and only once tracking is set; they are read after it is joined. */
struct sink_watch {
    int nsubs;
    sink_tail tails[WATCH_MAX];
    int inotify_fd;
    pthread_t thread;
    int running;
    uint64_t first;
    long count;
    int64_t *seen_us[WATCH_MAX];
    int64_t *received_ms;
    atomic_int tracking;
    int current;               /* the sink being read */
    atomic_long lines;
    atomic_int stop;
};

/* Wall time of an ISO 8601 "YYYY-MM-DDTHH:MM:SS.mmmZ", in ms, or 0. */
static int64_t iso_ms(const char *s)
{
    struct tm tm = {0};
    int ms;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) * 1000 + ms;
}

/* Notes one line of sink w->current. Its id "<credit code>-<outbox seq>"
 * says which event it is. */
static void note_line(void *ctx, char *line, int64_t seen_us)
{
    sink_watch *w = ctx;
    atomic_fetch_add(&w->lines, 1);
    if (!atomic_load(&w->tracking))
        return;
    const char *id = strstr(line, "\"id\":\"");
    const char *dash = id ? strchr(id + 6, '-') : NULL;
    unsigned long long q = dash ? strtoull(dash + 1, NULL, 10) : 0;
    if (q < w->first || q - w->first >= (unsigned long long)w->count)
        return;
    size_t i = (size_t)(q - w->first);
    w->seen_us[w->current][i] = seen_us;
    const char *rcv = strstr(line, "\"received\":\"");
    if (rcv && !w->received_ms[i])
        w->received_ms[i] = iso_ms(rcv + 12);
}

/* Waits for inotify to say a sink grew and reads that sink; every sink is
 * read again when nothing was heard for 50 ms or the event queue overflowed. */
static void *watch_run(void *arg)
{
    sink_watch *w = arg;
    _Alignas(struct inotify_event) char ev[64 * 1024];
    while (!atomic_load(&w->stop)) {
        struct pollfd pfd = {w->inotify_fd, POLLIN, 0};
        int dirty[WATCH_MAX] = {0};
        if (poll(&pfd, 1, 50) <= 0) {
            for (int s = 0; s < w->nsubs; s++)
                dirty[s] = 1;
        } else {
            ssize_t r = read(w->inotify_fd, ev, sizeof ev);
            for (char *p = ev; r > 0 && p < ev + r;) {
                const struct inotify_event *e = (const struct inotify_event *)p;
                int s;
                if (e->mask & IN_Q_OVERFLOW)
                    for (s = 0; s < w->nsubs; s++)
                        dirty[s] = 1;
                else if (e->len && sscanf(e->name, "sink-%d.jsonl", &s) == 1 && s >= 0 &&
                         s < w->nsubs)
                    dirty[s] = 1;
                p += sizeof *e + e->len;
            }
        }
        for (int s = 0; s < w->nsubs; s++)
            if (dirty[s]) {
                w->current = s;
                sink_tail_read(&w->tails[s], note_line, w);
            }
    }
    return NULL;
}

sink_watch *sink_watch_new(const char *dir, int nsubs)
{
    if (nsubs < 1 || nsubs > WATCH_MAX)
        return NULL;
    sink_watch *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->nsubs = nsubs;
    for (int s = 0; s < nsubs; s++)
        w->tails[s].fd = -1;
    w->inotify_fd = inotify_init1(IN_CLOEXEC);
    if (w->inotify_fd < 0 || inotify_add_watch(w->inotify_fd, dir, IN_MODIFY | IN_CREATE) < 0)
        goto fail;
    for (int s = 0; s < nsubs; s++) {
        char path[4400];
        snprintf(path, sizeof path, "%s/sink-%d.jsonl", dir, s);
        if (sink_tail_init(&w->tails[s], path))
            goto fail;
    }
    if (pthread_create(&w->thread, NULL, watch_run, w))
        goto fail;
    w->running = 1;
    return w;
fail:
    perror(dir);
    sink_watch_destroy(&w);
    return NULL;
}

const char *sink_watch_path(const sink_watch *w, int s)
{
    return w->tails[s].path;
}

long sink_watch_lines(const sink_watch *w)
{
    return atomic_load(&w->lines);
}

int sink_watch_track(sink_watch *w, uint64_t first, long count)
{
    if (atomic_load(&w->tracking) || count < 1)
        return -1;
    for (int s = 0; s < w->nsubs; s++)
        if (!(w->seen_us[s] = calloc((size_t)count, sizeof(int64_t))))
            return -1;
    if (!(w->received_ms = calloc((size_t)count, sizeof(int64_t))))
        return -1;
    w->first = first;
    w->count = count;
    atomic_store(&w->tracking, 1); /* publishes the fields above to the thread */
    return 0;
}

void sink_watch_stop(sink_watch *w)
{
    if (!w->running)
        return;
    atomic_store(&w->stop, 1);
    pthread_join(w->thread, NULL);
    w->running = 0;
}

void sink_watch_destroy(sink_watch **self_p)
{
    sink_watch *w = *self_p;
    if (!w)
        return;
    sink_watch_stop(w);
    for (int s = 0; s < w->nsubs; s++) {
        sink_tail_fini(&w->tails[s]);
        free(w->seen_us[s]);
    }
    free(w->received_ms);
    if (w->inotify_fd >= 0)
        close(w->inotify_fd);
    free(w);
    *self_p = NULL;
}

/* ---- latency summary ---- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile p (0–1) of n sorted values in µs, in ms. */
static double pct_ms(const int64_t *v, size_t n, double p)
{
    size_t i = (size_t)(p * (double)n + 0.999999);
    return n ? v[(i ? i : 1) - 1] / 1000.0 : 0;
}

int sink_watch_latency(const sink_watch *w, const int64_t *pub_us, sink_latency *out)
{
    memset(out, 0, sizeof *out);
    if (!atomic_load(&w->tracking))
        return 0;
    size_t pairs = (size_t)w->nsubs * (size_t)w->count, n = 0, nh = 0;
    int64_t *lat = malloc(pairs * sizeof *lat), *hub = malloc(pairs * sizeof *hub);
    if (!lat || !hub) {
        free(lat);
        free(hub);
        return -1;
    }
    for (int s = 0; s < w->nsubs; s++)
        for (long i = 0; i < w->count; i++) {
            int64_t seen = w->seen_us[s][i];
            if (!seen || !pub_us[i])
                continue;
            lat[n++] = seen - pub_us[i];
            if (seen > out->last_seen_us)
                out->last_seen_us = seen;
            if (w->received_ms[i])
                hub[nh++] = seen - w->received_ms[i] * 1000;
        }
    qsort(lat, n, sizeof *lat, cmp_i64);
    qsort(hub, nh, sizeof *hub, cmp_i64);
    out->pairs = pairs;
    out->seen = n;
    out->p50_ms = pct_ms(lat, n, 0.5);
    out->p99_ms = pct_ms(lat, n, 0.99);
    out->max_ms = pct_ms(lat, n, 1);
    out->hub_p50_ms = pct_ms(hub, nh, 0.5);
    out->hub_p99_ms = pct_ms(hub, nh, 0.99);
    out->hub_max_ms = pct_ms(hub, nh, 1);
    free(lat);
    free(hub);
    return 0;
}

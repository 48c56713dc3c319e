/* peer_common.c — payloads, pacing and delivery statistics for the peer
 * broker clients (see peer_common.h).
 */
#include "peer_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

double peer_now_s(void)
{
    return bench_now_s();
}

int64_t peer_now_us(void)
{
    return (int64_t)(bench_now_s() * 1e6);
}

void peer_payload(uint8_t *buf, size_t len, uint64_t seq, int64_t now_us)
{
    memcpy(buf, &seq, 8);
    memcpy(buf + 8, &now_us, 8);
    for (size_t i = 16; i < len; i++)
        buf[i] = (uint8_t)('a' + (seq + i) % 26);
}

int peer_payload_read(const void *buf, size_t len, uint64_t *seq, int64_t *sent_us)
{
    if (len < 16)
        return -1;
    memcpy(seq, buf, 8);
    memcpy(sent_us, (const uint8_t *)buf + 8, 8);
    return 0;
}

/* Sleeps until the monotonic clock reads t (seconds). */
static void sleep_until(double t)
{
    struct timespec ts = {(time_t)t, (long)((t - (time_t)t) * 1e9)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

double peer_paced(peer_send_fn send, void *ctx, uint64_t first_seq, long total, double rate)
{
    double t0 = peer_now_s(), t_end = t0;
    long sent = 0;
    for (long k = 1; sent < total; k++) {
        sleep_until(t0 + k * PEER_TICK_S);
        long due = (long)(rate * (peer_now_s() - t0));
        if (due > total)
            due = total;
        if (due <= sent)
            continue;
        if (send(ctx, first_seq + (uint64_t)sent, due - sent))
            return -1;
        t_end = peer_now_s();
        sent = due;
    }
    return total / (t_end - t0);
}

int peer_sub_log_init(peer_sub_log *l, uint64_t base, long total)
{
    memset(l, 0, sizeof *l);
    l->lat_us = malloc((size_t)(total > 0 ? total : 1) * sizeof *l->lat_us);
    if (!l->lat_us)
        return -1;
    for (long i = 0; i < total; i++)
        l->lat_us[i] = -1;
    l->base = base;
    l->total = total;
    return 0;
}

void peer_sub_log_fini(peer_sub_log *l)
{
    free(l->lat_us);
    l->lat_us = NULL;
}

void peer_sub_log_note(peer_sub_log *l, const void *buf, size_t len)
{
    int64_t sent;
    uint64_t seq;
    if (peer_payload_read(buf, len, &seq, &sent))
        l->stray++;
    else
        peer_sub_log_record(l, seq, sent, peer_now_us());
}

void peer_sub_log_record(peer_sub_log *l, uint64_t seq, int64_t sent_us, int64_t now)
{
    if (seq < l->base || seq - l->base >= (uint64_t)l->total) {
        l->stray++;
        return;
    }
    int32_t *slot = &l->lat_us[seq - l->base];
    if (*slot >= 0) {
        l->dups++;
        return;
    }
    *slot = (int32_t)(now - sent_us);
    l->last_us = now;
    __atomic_add_fetch(&l->got, 1, __ATOMIC_RELEASE);
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

peer_quantiles peer_quantiles_of(int32_t *us, size_t n)
{
    if (!n)
        return (peer_quantiles){-1, -1, -1};
    qsort(us, n, sizeof *us, cmp_i32);
    return (peer_quantiles){us[n / 2] / 1e3, us[(size_t)(n * 0.99)] / 1e3, us[n - 1] / 1e3};
}

int peer_fanout_stats_of(const peer_sub_log *logs, int nsubs, long total,
                         peer_fanout_stats *out)
{
    size_t cap = (size_t)nsubs * (size_t)(total > 0 ? total : 1), n = 0;
    int32_t *all = malloc(cap * sizeof *all);
    if (!all)
        return -1;
    memset(out, 0, sizeof *out);
    for (int s = 0; s < nsubs; s++) {
        for (long i = 0; i < total; i++)
            if (logs[s].lat_us[i] >= 0)
                all[n++] = logs[s].lat_us[i];
        out->last_us = logs[s].last_us > out->last_us ? logs[s].last_us : out->last_us;
        out->dups += logs[s].dups;
    }
    out->q = peer_quantiles_of(all, n);
    out->pairs = n;
    out->missing = (long)(cap - n);
    free(all);
    return 0;
}

long peer_fanout_report(const char *system, const char *client, peer_sub_log *logs, int nsubs,
                        long total, double target, double achieved, int64_t last_pub_us)
{
    peer_fanout_stats st;
    if (peer_fanout_stats_of(logs, nsubs, total, &st))
        return (long)nsubs * total;
    printf("system=%s test=fanout%s%s subscribers=%d events=%ld target_rate=%.0f/s rate=%.0f/s "
           "pairs=%zu p50_ms=%.1f p99_ms=%.1f max_ms=%.1f drain_s=%.3f duplicates=%ld%s\n",
           system, client ? " client=" : "", client ? client : "", nsubs, total, target, achieved,
           st.pairs, st.q.p50_ms, st.q.p99_ms, st.q.max_ms, (st.last_us - last_pub_us) / 1e6,
           st.dups, st.missing ? " (INCOMPLETE)" : "");
    return st.missing;
}

long peer_arg(int argc, char **argv, int i, long dflt)
{
    return argc > i ? atol(argv[i]) : dflt;
}

int peer_run(const char *prog, int argc, char **argv, const peer_workloads *w)
{
    const char *mode = argc > 2 ? argv[2] : "";
    int rc = 2;
    if (!strcmp(mode, "publish")) {
        long pubs = peer_arg(argc, argv, 3, 1), size = peer_arg(argc, argv, 6, 512);
        if (pubs >= 1 && pubs <= PEER_MAX_PUBS && size >= 16 && size <= PEER_MAX_PAYLOAD)
            rc = w->publish((int)pubs, peer_arg(argc, argv, 4, 200000),
                            peer_arg(argc, argv, 5, 4096), (size_t)size);
    } else if (!strcmp(mode, "fanout")) {
        long subs = peer_arg(argc, argv, 3, 20);
        if (subs >= 1 && subs <= PEER_MAX_SUBS)
            rc = w->fanout((int)subs, (double)peer_arg(argc, argv, 4, 5000),
                           (double)peer_arg(argc, argv, 5, 10));
    } else if (!strcmp(mode, "catchup")) {
        rc = w->catchup(peer_arg(argc, argv, 3, 200000), peer_arg(argc, argv, 4, 4096));
    }
    if (rc == 2)
        fprintf(stderr, "%s: bad arguments\n", prog);
    return rc;
}

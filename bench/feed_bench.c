/* feed_bench.c — how feeds perform, with the real cjx-hub and cjx-agent
 * processes on 127.0.0.1 and stores in a fresh folder. Three measurements,
 * each with its own hub:
 *
 * catchup: N training_completion records are written straight into the
 *   publishing enterprise's outbox and its agent runs until the hub has
 *   acknowledged them all, while the subscriber (市人社局) is not running.
 *   Then the subscriber agent starts; the time until its file sink holds N
 *   lines gives the catch-up rate, and the CPU time the subscriber and the
 *   hub used meanwhile, per event, what it costs (steadier than the rate
 *   on a busy machine).
 * fanout: SUBS subscriber agents (generated credit codes), each with a file
 *   sink, and one publisher whose outbox the bench fills at RATE events/s
 *   for SECONDS, one small synced transaction every 10 ms (what `cjx post`
 *   does; the agent watches its outbox with inotify). A watcher thread
 *   follows all sinks with inotify and notes when each line appears. The
 *   latency of one (event, subscriber) pair is that moment minus the moment
 *   the event's outbox transaction returned (it was durably published),
 *   both on this process's clock; the event is found by its id, which
 *   carries its outbox sequence (the hub's global sequence is no help: its
 *   registry entries take numbers too). The part from the hub's receipt
 *   (received_ms, the hub's wall clock, whole ms) is shown too, as are
 *   drain_s (last line seen minus last publish: the backlog left when the
 *   publisher stopped) and bench_cpu_s (this process's CPU, mostly the
 *   watcher: it competes with the processes measured).
 * rss: two subscribers, 市人社局 (hrb) and 市教育局 (edu); hrb is stopped with
 *   SIGSTOP, N records are published, and the hub's VmRSS/RssAnon are read
 *   before and after, once edu has every event (checked: count and order).
 *   A second run with nobody stopped is the control.
 *
 * Prints one line of key=value pairs per measurement. Subscriptions are to
 * training_completion only, so the registry entries the hub writes when an
 * agent first says Hello never reach a sink: line counts are event counts.
 * The hub, agents and records are in feed_fixture.c, following the sinks in
 * sink_watch.c.
 *
 * usage: feed_bench BIN_DIR CONFIG_DIR WORK_DIR [MODE [ARGS]]
 *   MODE: all (default), catchup [N], fanout [SUBS [RATE [SECONDS]]], rss [N]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "feed_fixture.h"
#include "proc_status.h"
#include "sink_watch.h"

#define TICK_S 0.010                     /* pacing: one outbox transaction per tick */
#define MAX_SUBS 50

/* ---- catch-up ---- */

static int run_catchup(feed_env *e, const char *root, long n)
{
    if (feed_env_open(e, root, "catchup"))
        return 1;
    char sink[4200];
    snprintf(sink, sizeof sink, "%s/hrb-sink.jsonl", e->work);
    cjx_outbox *ob = NULL;
    sink_tail t = {.fd = -1, .buf = NULL};
    int rc = 1;
    if (feed_agent_ini(e, "ent", FEED_PUBLISHER, NULL) ||
        feed_agent_ini(e, "hrb", FEED_BUREAU_HRB, sink) || !(ob = feed_outbox_open(e, "ent")) ||
        sink_tail_init(&t, sink) || feed_publish(ob, 1, n, NULL))
        goto done;
    pid_t ent = feed_agent_start(e, "ent");
    int acked = bench_wait_acked(ob, 600, NULL);
    bench_stop(ent);
    if (acked) {
        fprintf(stderr, "catchup: the hub did not acknowledge every record\n");
        goto done;
    }
    sink_order o = {0, 0};
    double t0 = bench_now_s(), hub_cpu = proc_cpu_s(e->hub);
    pid_t hrb = feed_agent_start(e, "hrb");
    int got = sink_tail_wait(&t, n, sink_check_order, &o, 600);
    double secs = bench_now_s() - t0;
    double agent_cpu = proc_cpu_s(hrb), hub_now = proc_cpu_s(e->hub);
    bench_stop(hrb);
    char cpu[96] = "";
    if (agent_cpu >= 0 && hub_cpu >= 0 && hub_now >= 0 && t.lines > 0)
        snprintf(cpu, sizeof cpu, " agent_cpu_us=%.2f hub_cpu_us=%.2f",
                 agent_cpu * 1e6 / (double)t.lines, (hub_now - hub_cpu) * 1e6 / (double)t.lines);
    printf("test=catchup events=%ld seconds=%.3f rate=%.0f/s%s%s%s\n", t.lines, secs,
           t.lines / secs, cpu, got ? " (TIMED OUT)" : "", o.bad ? " (OUT OF ORDER)" : "");
    rc = got || o.bad ? 1 : 0;
done:
    sink_tail_fini(&t);
    cjx_outbox_close(&ob);
    feed_env_close(e);
    return rc;
}

/* ---- fan-out latency ---- */

/* Sleeps until the monotonic clock reads t (seconds). */
static void sleep_until(double t)
{
    struct timespec ts = {(time_t)t, (long)((t - (time_t)t) * 1e9)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* Publishes total events at rate per second, one outbox transaction per
 * tick, noting in pub_us[q - base] when the transaction that gave event q
 * its outbox sequence returned (wall clock). Returns the achieved rate, or
 * -1. */
static double publish_paced(cjx_outbox *ob, long total, double rate, uint64_t base,
                            int64_t *pub_us)
{
    double t0 = bench_now_s(), t_end = t0;
    long sent = 0;
    for (long k = 1; sent < total; k++) {
        sleep_until(t0 + k * TICK_S);
        long due = (long)(rate * (bench_now_s() - t0));
        if (due > total)
            due = total;
        if (due <= sent)
            continue;
        uint64_t first; /* completions are numbered from 2: 1 was the warm-up */
        if (feed_publish(ob, sent + 2, due - sent, &first))
            return -1;
        int64_t now = bench_wall_us();
        t_end = bench_now_s();
        for (uint64_t q = first; q < first + (uint64_t)(due - sent); q++)
            if (q >= base && q - base < (uint64_t)total)
                pub_us[q - base] = now;
        sent = due;
    }
    return total / (t_end - t0);
}

/* Prints the fan-out line from what the stopped watcher saw. Returns the
 * number of (event, subscriber) pairs missing. */
static long fanout_report(const sink_watch *w, const int64_t *pub_us, int nsubs, long total,
                          double rate, double target)
{
    sink_latency l;
    if (sink_watch_latency(w, pub_us, &l))
        return (long)nsubs * total;
    int64_t last_pub = 0;
    for (long i = 0; i < total; i++)
        last_pub = pub_us[i] > last_pub ? pub_us[i] : last_pub;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    printf("test=fanout subscribers=%d events=%ld target_rate=%.0f/s rate=%.0f/s pairs=%zu "
           "p50_ms=%.1f p99_ms=%.1f max_ms=%.1f hub_to_sink_p50_ms=%.1f hub_to_sink_p99_ms=%.1f "
           "hub_to_sink_max_ms=%.1f drain_s=%.3f bench_cpu_s=%.2f%s\n",
           nsubs, total, target, rate, l.seen, l.p50_ms, l.p99_ms, l.max_ms, l.hub_p50_ms,
           l.hub_p99_ms, l.hub_max_ms, (l.last_seen_us - last_pub) / 1e6, cpu,
           l.seen < l.pairs || l.pairs == 0 ? " (INCOMPLETE)" : "");
    return (long)(l.pairs - l.seen) + (l.pairs == 0);
}

/* Configures and starts nsubs subscribers (agents[1…], sinks where w
 * follows them) and the publisher (agents[0]). Returns 0 or -1. */
static int fanout_start(const feed_env *e, const sink_watch *w, int nsubs, pid_t *agents)
{
    char name[32], code[19];
    for (int s = 0; s < nsubs; s++) {
        snprintf(name, sizeof name, "sub-%02d", s);
        if (feed_bureau_code(s + 1, code) ||
            feed_agent_ini(e, name, code, sink_watch_path(w, s)) ||
            (agents[s + 1] = feed_agent_start(e, name)) < 0)
            return -1;
    }
    if (feed_agent_ini(e, "ent", FEED_PUBLISHER, NULL) ||
        (agents[0] = feed_agent_start(e, "ent")) < 0)
        return -1;
    return 0;
}

static int run_fanout(feed_env *e, const char *root, int nsubs, double rate, double seconds)
{
    if (feed_env_open(e, root, "fanout"))
        return 1;
    long total = (long)(rate * seconds);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/sinks", e->work);
    int64_t *pub_us = total > 0 ? calloc((size_t)total, sizeof *pub_us) : NULL;
    pid_t agents[MAX_SUBS + 1];
    for (int i = 0; i <= MAX_SUBS; i++)
        agents[i] = -1;
    sink_watch *w = NULL;
    cjx_outbox *ob = NULL;
    int rc = 1;
    if (!pub_us || (mkdir(dir, 0755) && errno != EEXIST) || !(w = sink_watch_new(dir, nsubs)) ||
        !(ob = feed_outbox_open(e, "ent")) || fanout_start(e, w, nsubs, agents))
        goto done;

    /* Warm-up: one event through every subscriber, so all sessions and
     * subscriptions are up before the clock starts. The paced events then
     * take the outbox sequences after the warm-up's. */
    uint64_t warm;
    if (feed_publish(ob, 1, 1, &warm))
        goto done;
    double deadline = bench_now_s() + 60;
    while (sink_watch_lines(w) < nsubs && bench_now_s() < deadline)
        usleep(1000);
    if (sink_watch_lines(w) < nsubs) {
        fprintf(stderr, "fanout: the warm-up event did not reach every subscriber\n");
        goto done;
    }
    if (sink_watch_track(w, warm + 1, total))
        goto done;
    double achieved = publish_paced(ob, total, rate, warm + 1, pub_us);
    if (achieved < 0)
        goto done;
    long want = (long)nsubs * (total + 1);
    deadline = bench_now_s() + 300;
    while (sink_watch_lines(w) < want && bench_now_s() < deadline)
        usleep(10000);
    sink_watch_stop(w);
    rc = fanout_report(w, pub_us, nsubs, total, achieved, rate) ? 1 : 0;
done:
    for (int i = 0; i <= nsubs; i++)
        bench_stop(agents[i]);
    sink_watch_destroy(&w);
    free(pub_us);
    cjx_outbox_close(&ob);
    feed_env_close(e);
    return rc;
}

/* ---- hub memory with a stopped subscriber ---- */


/* With stop, subscriber 市人社局 is stopped while n records are published;
 * without, it runs too (the control: what the hub's memory does anyway). */
static int run_rss(feed_env *e, const char *root, long n, int stop)
{
    if (feed_env_open(e, root, stop ? "rss" : "rss-control"))
        return 1;
    char hrb_sink[4200], edu_sink[4200];
    snprintf(hrb_sink, sizeof hrb_sink, "%s/hrb-sink.jsonl", e->work);
    snprintf(edu_sink, sizeof edu_sink, "%s/edu-sink.jsonl", e->work);
    cjx_outbox *ob = NULL;
    sink_tail hrb_t = {.fd = -1, .buf = NULL}, edu_t = {.fd = -1, .buf = NULL};
    pid_t ent = -1, hrb = -1, edu = -1;
    int rc = 1;
    if (feed_agent_ini(e, "ent", FEED_PUBLISHER, NULL) ||
        feed_agent_ini(e, "hrb", FEED_BUREAU_HRB, hrb_sink) ||
        feed_agent_ini(e, "edu", FEED_BUREAU_EDU, edu_sink) || sink_tail_init(&hrb_t, hrb_sink) ||
        sink_tail_init(&edu_t, edu_sink) || !(ob = feed_outbox_open(e, "ent")))
        goto done;
    ent = feed_agent_start(e, "ent");
    hrb = feed_agent_start(e, "hrb");
    edu = feed_agent_start(e, "edu");
    sink_order o = {0, 0};
    if (feed_publish(ob, 1, 1, NULL) || sink_tail_wait(&hrb_t, 1, NULL, NULL, 60) ||
        sink_tail_wait(&edu_t, 1, sink_check_order, &o, 60)) {
        fprintf(stderr, "rss: the first event did not reach both subscribers\n");
        goto done;
    }
    long rss0 = proc_status_kb(e->hub, "VmRSS"), anon0 = proc_status_kb(e->hub, "RssAnon");

    if (stop)
        kill(hrb, SIGSTOP);
    double t0 = bench_now_s();
    if (feed_publish(ob, 2, n, NULL))
        goto done;
    int got = sink_tail_wait(&edu_t, n + 1, sink_check_order, &o, 600);
    double secs = bench_now_s() - t0;
    int acked = bench_wait_acked(ob, 60, NULL);
    usleep(200000); /* anything more would show as extra lines */
    sink_tail_read(&edu_t, sink_check_order, &o);
    if (!stop)
        sink_tail_wait(&hrb_t, n + 1, NULL, NULL, 60);
    sink_tail_read(&hrb_t, NULL, NULL);
    long rss1 = proc_status_kb(e->hub, "VmRSS"), anon1 = proc_status_kb(e->hub, "RssAnon");
    long hwm = proc_status_kb(e->hub, "VmHWM");
    int complete = !got && !acked && edu_t.lines == n + 1 && !o.bad &&
                   (stop || hrb_t.lines == n + 1);
    printf("test=rss events=%ld subscriber_stopped=%s hrb_lines=%ld edu_lines=%ld "
           "edu_complete=%s seconds=%.3f hub_vmrss_kb_before=%ld hub_vmrss_kb_after=%ld "
           "hub_rssanon_kb_before=%ld hub_rssanon_kb_after=%ld rssanon_growth_kb=%ld "
           "hub_vmhwm_kb=%ld\n",
           n, stop ? "yes" : "no", hrb_t.lines, edu_t.lines, complete ? "yes" : "NO", secs,
           rss0, rss1, anon0, anon1, anon1 - anon0, hwm);
    rc = complete ? 0 : 1;
done:
    bench_stop(hrb);
    bench_stop(edu);
    bench_stop(ent);
    sink_tail_fini(&hrb_t);
    sink_tail_fini(&edu_t);
    cjx_outbox_close(&ob);
    feed_env_close(e);
    return rc;
}

/* ---- main ---- */

static long arg_long(int argc, char **argv, int i, long dflt)
{
    return argc > i ? atol(argv[i]) : dflt;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: feed_bench BIN_DIR CONFIG_DIR WORK_DIR "
                        "[all | catchup [N] | fanout [SUBS [RATE [SECONDS]]] | rss [N]]\n");
        return 2;
    }
    feed_env e = {.bin = argv[1], .conf = argv[2], .hub = -1};
    const char *root = argv[3], *mode = argc > 4 ? argv[4] : "all";
    int all = !strcmp(mode, "all"), rc = 0, known = all;
    bench_guard(3000);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (all || !strcmp(mode, "catchup")) {
        known = 1;
        rc |= run_catchup(&e, root, all ? 100000 : arg_long(argc, argv, 5, 100000));
    }
    if (all || !strcmp(mode, "fanout")) {
        known = 1;
        long subs = all ? 20 : arg_long(argc, argv, 5, 20);
        if (subs < 1 || subs > MAX_SUBS) {
            fprintf(stderr, "feed_bench: 1 to %d subscribers\n", MAX_SUBS);
            return 2;
        }
        rc |= run_fanout(&e, root, (int)subs, all ? 5000 : (double)arg_long(argc, argv, 6, 5000),
                         all ? 10 : (double)arg_long(argc, argv, 7, 10));
    }
    if (all || !strcmp(mode, "rss")) {
        known = 1;
        long n = all ? 100000 : arg_long(argc, argv, 5, 100000);
        rc |= run_rss(&e, root, n, 1);
        rc |= run_rss(&e, root, n, 0);
    }
    if (!known) {
        fprintf(stderr, "feed_bench: unknown mode %s\n", mode);
        return 2;
    }
    return rc;
}

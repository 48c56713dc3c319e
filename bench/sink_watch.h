/* sink_watch.h — following the JSON-lines files that agents' file sinks
 * append to, as the feed benchmark does: a tail that hands on complete lines
 * as they appear, a check that a sink's sequences increase, and a watcher
 * thread that follows many sinks with inotify, notes when each event reached
 * each sink, and summarises the latencies.
 *
 * A sink line is one stored entry: {"subscription":…,"seq":…,"id":"<credit
 * code>-<outbox seq>","kind":…,"change":…,"origin":…,"received":"…Z",
 * "item":{…}}. Only "seq", "id" and "received" are read, by their first
 * match: they come before the item, whose fields could hold the same keys.
 * "seq" is the hub's global log sequence: other entries (other kinds,
 * registry entries) take numbers too, so a sink's sequences increase but
 * need not start at 1 nor be contiguous; events are told apart by the
 * outbox sequence in their id.
 */
#ifndef CJX_BENCH_SINK_WATCH_H
#define CJX_BENCH_SINK_WATCH_H

#include <stddef.h>
#include <stdint.h>

/* Called for each complete line of a sink (NUL-terminated, may be changed
 * in place), with the wall time (µs) at which it was read. */
typedef void (*sink_line_fn)(void *ctx, char *line, int64_t seen_us);

/* Follows one sink file from its start. */
typedef struct sink_tail {
    char path[4400];
    int fd;
    char *buf;
    size_t have;
    long lines;                /* complete lines read so far */
} sink_tail;

/* Prepares t to follow path (which need not exist yet). Returns 0 or -1.
 * sink_tail_fini() must be called either way. */
int sink_tail_init(sink_tail *t, const char *path);
void sink_tail_fini(sink_tail *t);

/* Reads what was appended since the last call and calls fn (may be NULL)
 * for each new complete line. */
void sink_tail_read(sink_tail *t, sink_line_fn fn, void *ctx);

/* Reads the sink every millisecond until it holds n lines. Returns 0, or -1
 * after timeout_s. */
int sink_tail_wait(sink_tail *t, long n, sink_line_fn fn, void *ctx, double timeout_s);

/* A sink_line_fn (ctx: a sink_order starting zeroed) that counts lines
 * whose "seq" is not above the previous line's. */
typedef struct sink_order {
    unsigned long long last;
    long bad;
} sink_order;
void sink_check_order(void *ctx, char *line, int64_t seen_us);

/* Follows nsubs sinks, dir/sink-0.jsonl … dir/sink-(nsubs-1).jsonl, from a
 * thread of its own. */
typedef struct sink_watch sink_watch;

/* Makes the watcher for sinks in dir (which must exist) and starts its
 * thread; it counts every line, and notes events only once
 * sink_watch_track() said which. Returns NULL on failure. The caller
 * destroys it. */
sink_watch *sink_watch_new(const char *dir, int nsubs);

/* The path of sink s, for the agent's configuration. Valid as long as w. */
const char *sink_watch_path(const sink_watch *w, int s);

/* Complete lines seen so far over all sinks. */
long sink_watch_lines(const sink_watch *w);

/* From now on, notes when each of the events of outbox sequences first …
 * first+count-1 appears in each sink (and when the hub received it). Call
 * once, before those events are published. Returns 0 or -1 (no memory). */
int sink_watch_track(sink_watch *w, uint64_t first, long count);

/* Stops and joins the thread; sink_watch_latency() may be called after. */
void sink_watch_stop(sink_watch *w);

/* Stops the thread if it runs, and frees everything. Accepts NULL. */
void sink_watch_destroy(sink_watch **self_p);

/* Latency of (event, subscriber) pairs, in ms. */
typedef struct sink_latency {
    size_t pairs;              /* pairs tracked */
    size_t seen;               /* of those, seen in a sink */
    double p50_ms, p99_ms, max_ms;         /* from publication (pub_us) */
    double hub_p50_ms, hub_p99_ms, hub_max_ms; /* from the hub's received */
    int64_t last_seen_us;      /* when the last line was seen */
} sink_latency;

/* Summarises what a stopped watcher saw: pub_us[i] is when the event of
 * outbox sequence first+i (as given to sink_watch_track) was published, on
 * the wall clock (0: not published). Percentiles are nearest-rank. Returns
 * 0, or -1 when out of memory. */
int sink_watch_latency(const sink_watch *w, const int64_t *pub_us, sink_latency *out);

#endif

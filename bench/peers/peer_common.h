/* peer_common.h — what the clients of the other brokers (bench/peers/
 * mosq_bench.c, nats_bench.c) share: the 512-byte payload that carries its
 * number and the moment it was published, paced publishing, per-subscriber
 * delivery records and the latency and rate lines they print.
 *
 * Every measurement prints one line of key=value pairs, the same keys as
 * bench/publish_bench.c and bench/feed_bench.c print for cjx, so that
 * bench/compare.sh can put all of them in one table.
 */
#ifndef CJX_PEER_COMMON_H
#define CJX_PEER_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define PEER_MAX_PUBS 64
#define PEER_MAX_SUBS 64
#define PEER_TICK_S 0.010 /* paced publishing: one batch per tick, as feed_bench */

/* Monotonic clock in seconds (bench_now_s) and in microseconds. */
double peer_now_s(void);
int64_t peer_now_us(void);

/* Writes payload number seq, stamped with the clock now, to buf (len >= 16
 * bytes; the rest is filler). */
void peer_payload(uint8_t *buf, size_t len, uint64_t seq, int64_t now_us);

/* Reads back what peer_payload() wrote. Returns 0, or -1 when len < 16. */
int peer_payload_read(const void *buf, size_t len, uint64_t *seq, int64_t *sent_us);

/* Publishes total messages at rate per second: every PEER_TICK_S it calls
 * send(ctx, first, n) for the messages due (numbered from first_seq).
 * send returns 0 or -1. Returns the achieved rate, or -1. */
typedef int (*peer_send_fn)(void *ctx, uint64_t first, long n);
double peer_paced(peer_send_fn send, void *ctx, uint64_t first_seq, long total, double rate);

/* What one subscriber received of messages base … base+total-1: the
 * latency of each (microseconds; -1 while not received), duplicates and
 * strays. Filled from the client library's delivery thread. */
typedef struct peer_sub_log {
    int32_t *lat_us;
    uint64_t base;
    long total, got, dups, stray;
    int64_t last_us; /* when the last one arrived */
} peer_sub_log;

/* Allocates the log for total messages from base. Returns 0 or -1. */
int peer_sub_log_init(peer_sub_log *l, uint64_t base, long total);
void peer_sub_log_fini(peer_sub_log *l);

/* Records the delivery of the payload (buf, len) now. */
void peer_sub_log_note(peer_sub_log *l, const void *buf, size_t len);
/* Records the delivery at now_us of message seq, sent at sent_us. */
void peer_sub_log_record(peer_sub_log *l, uint64_t seq, int64_t sent_us, int64_t now_us);

/* Quantiles of latencies, in milliseconds (-1 when there are none). */
typedef struct peer_quantiles {
    double p50_ms, p99_ms, max_ms;
} peer_quantiles;

/* The quantiles of the n latencies us (microseconds), sorted in place. */
peer_quantiles peer_quantiles_of(int32_t *us, size_t n);

/* What nsubs logs of total messages each received, all together. */
typedef struct peer_fanout_stats {
    peer_quantiles q; /* over every (message, subscriber) pair received */
    size_t pairs;     /* received */
    long missing, dups;
    int64_t last_us;  /* the last delivery */
} peer_fanout_stats;

/* Fills out from the logs. Returns 0, or -1 when out of memory. */
int peer_fanout_stats_of(const peer_sub_log *logs, int nsubs, long total,
                         peer_fanout_stats *out);

/* Prints the fan-out line for nsubs logs: p50/p99/max over every
 * (message, subscriber) pair received, pairs missing, drain_s (last
 * delivery after the last publish, last_pub_us); with client (not NULL), a
 * client= key after the test's name. Returns the number of pairs missing. */
long peer_fanout_report(const char *system, const char *client, peer_sub_log *logs, int nsubs,
                        long total, double target, double achieved, int64_t last_pub_us);

/* Reads a positive number from argv[i], or dflt when argc <= i. */
long peer_arg(int argc, char **argv, int i, long dflt);

/* Largest payload a peer client sends. */
#define PEER_MAX_PAYLOAD 65536

/* A peer client's workloads, the same for every broker. */
typedef struct peer_workloads {
    int (*publish)(int pubs, long n, long window, size_t size);
    int (*fanout)(int subs, double rate, double seconds);
    int (*catchup)(long n, long window);
} peer_workloads;

/* Runs the workload argv[2] names with its arguments: "publish PUBS N
 * WINDOW [SIZE]", "fanout SUBS RATE SECONDS" or "catchup N WINDOW".
 * Returns its status, or 2 after saying so for bad arguments. */
int peer_run(const char *prog, int argc, char **argv, const peer_workloads *w);

#endif

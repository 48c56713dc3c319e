/* broker_limit.c — the floors under cjx's publish rate and fan-out latency
 * on this machine: what a broker that did nothing but the physical part of
 * cjx's work would get. A broker process (floor_broker.c; forked, as
 * cjx-hub is a process of its own) with a ROUTER on 127.0.0.1 takes
 * 512-byte records, appends them to an LMDB log in synced transactions
 * (LMDB's default flags: the dirty pages, a sync, the meta page, a sync),
 * answers every record with an 8-byte acknowledgement after the commit
 * that holds it, and sends each subscriber one message holding the records
 * of the transaction. No protobuf, no validation, no state, no indexes, no
 * cursors written: everything cjx does on top of this costs time of its
 * own.
 *
 * publish: one publisher sends N records with at most WINDOW
 * unacknowledged, as publish_many_bench's wire client does; the broker
 * commits whatever has come in one transaction (group commit).
 *
 *   system=lmdb+zeromq test=publish_limit publishers=1 records=… size=512
 *     window=… seconds=… rate=…/s commits=… commit_p50_ms=… commit_p99_ms=…
 *     commit_max_ms=… broker_cpu_us=…   (its CPU per record, all threads)
 *
 * fanout: SUBS subscribers, each a thread of its own in this process,
 * note each record's latency when its message arrives and answer it with 8
 * bytes; the publisher sends RATE records a second for SECONDS, one group
 * per 10 ms tick, as wire_fanout_bench and the peers' clients do, and the
 * broker commits each group whole the moment its last record is in.
 *
 *   system=lmdb+zeromq test=fanout_limit subscribers=… events=… rate=…/s
 *     p50_ms=… p99_ms=… max_ms=… commits=… commit_p50_ms=… commit_p99_ms=…
 *     commit_max_ms=… broker_cpu_us=…
 *
 * usage: broker_limit DIR publish [N [WINDOW]]         (200000, 4096)
 *        broker_limit DIR fanout [SUBS [RATE [SECONDS]]] (20, 5000, 10)
 * DIR holds the broker's log, made anew each run.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "floor_broker.h"
#include "peer_common.h"

typedef struct subscriber {
    void *sock;
    peer_sub_log *log;
    pthread_t thread;
    const int *stop;
} subscriber;

static void *subscriber_thread(void *arg)
{
    subscriber *s = arg;
    zmq_pollitem_t item = {s->sock, 0, ZMQ_POLLIN, 0};
    while (!__atomic_load_n(s->stop, __ATOMIC_ACQUIRE)) {
        if (zmq_poll(&item, 1, 100) < 0 && errno != EINTR)
            break;
        zmq_msg_t m;
        zmq_msg_init(&m);
        while (zmq_msg_recv(&m, s->sock, ZMQ_DONTWAIT) >= 0) {
            const uint8_t *p = zmq_msg_data(&m);
            for (size_t off = 0; off + FLOOR_RECORD <= zmq_msg_size(&m); off += FLOOR_RECORD)
                peer_sub_log_note(s->log, p + off, FLOOR_RECORD);
            zmq_send(s->sock, p, 8, ZMQ_DONTWAIT); /* acknowledged */
        }
        zmq_msg_close(&m);
    }
    return NULL;
}

/* What a socket holds is dropped when it closes: a broker that is gone
 * does not hold up the end. */
static void no_linger(void *sock)
{
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
}

/* The broker and the publisher's connection to it. */
typedef struct floor_run {
    pid_t pid;
    int from;                     /* the broker's result comes here */
    char ep[256];
    void *ctx, *pub;
    long acked;                   /* acknowledgements the publisher read */
} floor_run;

/* Starts the broker on a fresh log in dir and connects the publisher.
 * Returns 0, or -1 (then fr is closed). */
static int floor_open(floor_run *fr, const char *dir, int by_group, long total)
{
    *fr = (floor_run){.from = -1};
    if ((fr->pid = floor_broker_start(dir, by_group, total, fr->ep, sizeof fr->ep, &fr->from)) < 0) {
        fprintf(stderr, "broker_limit: the broker did not start\n");
        return -1;
    }
    fr->ctx = zmq_ctx_new();
    fr->pub = fr->ctx ? zmq_socket(fr->ctx, ZMQ_DEALER) : NULL;
    if (fr->pub) {
        floor_hwm(fr->pub);
        no_linger(fr->pub);
        if (zmq_connect(fr->pub, fr->ep) == 0)
            return 0;
    }
    fprintf(stderr, "broker_limit: %s\n", zmq_strerror(zmq_errno()));
    kill(fr->pid, SIGKILL);
    fr->pid = 0;
    return -1;
}

/* Stops the broker and reads its commits into r (may be NULL after a
 * failure); closes the publisher. Returns 0, or -1 when the broker failed. */
static int floor_close(floor_run *fr, floor_result *r)
{
    int rc = -1, status;
    floor_result ignored;
    if (fr->pid > 0) {
        zmq_send(fr->pub, "", 0, 0); /* the broker tells its commits and ends */
        if (read(fr->from, r ? r : &ignored, sizeof *r) == sizeof *r &&
            waitpid(fr->pid, &status, 0) == fr->pid && WIFEXITED(status) &&
            WEXITSTATUS(status) == 0)
            rc = 0;
        else
            kill(fr->pid, SIGKILL);
    }
    if (fr->from >= 0)
        close(fr->from);
    if (fr->pub)
        zmq_close(fr->pub);
    if (fr->ctx)
        zmq_ctx_term(fr->ctx);
    return rc;
}

/* Reads the acknowledgements waiting; with wait, waits for the first
 * while the broker lives. Returns 0, or -1 when it is gone. */
static int take_acks(floor_run *fr, int wait)
{
    zmq_pollitem_t item = {fr->pub, 0, ZMQ_POLLIN, 0};
    while (wait && zmq_poll(&item, 1, 1000) == 0)
        if (waitpid(fr->pid, NULL, WNOHANG) != 0) {
            fprintf(stderr, "broker_limit: the broker is gone\n");
            fr->pid = 0;
            return -1;
        }
    uint64_t ack;
    while (zmq_recv(fr->pub, &ack, sizeof ack, ZMQ_DONTWAIT) == sizeof ack)
        fr->acked++;
    return 0;
}

static void print_commits(const floor_result *r)
{
    printf(" commits=%zu commit_p50_ms=%.2f commit_p99_ms=%.2f commit_max_ms=%.2f "
           "broker_cpu_us=%.2f\n",
           r->commits, r->q.p50_ms, r->q.p99_ms, r->q.max_ms, r->cpu_us);
}

/* The publish floor: n records, at most window unacknowledged. */
static int run_publish(const char *dir, long n, long window)
{
    floor_run fr;
    if (floor_open(&fr, dir, 0, n))
        return 1;
    uint8_t buf[FLOOR_RECORD];
    long sent = 0;
    double t0 = peer_now_s();
    while (fr.acked < n) {
        for (; sent < n && sent - fr.acked < window; sent++) {
            peer_payload(buf, sizeof buf, (uint64_t)sent + 1, 0);
            if (zmq_send(fr.pub, buf, sizeof buf, ZMQ_DONTWAIT) != sizeof buf)
                break; /* high-water mark: read acknowledgements first */
        }
        if (take_acks(&fr, 1)) {
            floor_close(&fr, NULL);
            return 1;
        }
    }
    double secs = peer_now_s() - t0;
    floor_result r;
    if (floor_close(&fr, &r))
        return 1;
    printf("system=lmdb+zeromq test=publish_limit publishers=1 records=%ld size=%d window=%ld "
           "seconds=%.3f rate=%.0f/s",
           n, FLOOR_RECORD, window, secs, n / secs);
    print_commits(&r);
    return 0;
}

/* Sends records first … first+n-1, the last marked as the group's end, and
 * reads the acknowledgements waiting (a peer_send_fn). */
static int publish_group(void *ctx, uint64_t first, long n)
{
    floor_run *fr = ctx;
    uint8_t buf[FLOOR_RECORD];
    for (long k = 0; k < n; k++) {
        peer_payload(buf, sizeof buf, first + (uint64_t)k, peer_now_us());
        buf[FLOOR_GROUP_END] = k == n - 1;
        if (zmq_send(fr->pub, buf, sizeof buf, 0) != sizeof buf)
            return -1;
    }
    return take_acks(fr, 0);
}

/* Waits (at most timeout_s) until every subscriber has every record. */
static int wait_received(const peer_sub_log *logs, int n, long total, double timeout_s)
{
    double deadline = peer_now_s() + timeout_s;
    for (int i = 0; i < n; i++)
        while (__atomic_load_n(&logs[i].got, __ATOMIC_ACQUIRE) < total)
            if (peer_now_s() > deadline)
                return -1;
            else
                usleep(5000);
    return 0;
}

/* The fan-out floor: nsubs subscribers, rate records a second for seconds. */
static int run_fanout(const char *dir, int nsubs, long rate, long seconds)
{
    long total = rate * seconds;
    floor_run fr;
    if (floor_open(&fr, dir, 1, total))
        return 1;
    static subscriber subs[PEER_MAX_SUBS];
    static peer_sub_log logs[PEER_MAX_SUBS];
    int stop = 0, started = 0, ok = 0;
    for (; started < nsubs; started++) {
        subscriber *s = &subs[started];
        if ((s->sock = zmq_socket(fr.ctx, ZMQ_DEALER)))
            no_linger(s->sock);
        s->stop = &stop;
        s->log = &logs[started];
        if (!s->sock || peer_sub_log_init(s->log, 1, total) || zmq_connect(s->sock, fr.ep) ||
            zmq_send(s->sock, (char[]){FLOOR_HELLO}, 1, 0) != 1 ||
            pthread_create(&s->thread, NULL, subscriber_thread, s))
            break;
    }
    double achieved = -1;
    if (started == nsubs) {
        usleep(200000); /* every hello is in before the first record */
        achieved = peer_paced(publish_group, &fr, 1, total, (double)rate);
        ok = achieved > 0 && wait_received(logs, nsubs, total, 60) == 0;
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < started; i++)
        pthread_join(subs[i].thread, NULL);
    for (int i = 0; i <= started && i < nsubs; i++)
        if (subs[i].sock)
            zmq_close(subs[i].sock);
    floor_result r;
    ok = floor_close(&fr, &r) == 0 && ok;
    peer_fanout_stats st;
    if (ok && peer_fanout_stats_of(logs, nsubs, total, &st) == 0) {
        printf("system=lmdb+zeromq test=fanout_limit subscribers=%d events=%ld rate=%.0f/s "
               "p50_ms=%.1f p99_ms=%.1f max_ms=%.1f",
               nsubs, total, achieved, st.q.p50_ms, st.q.p99_ms, st.q.max_ms);
        print_commits(&r);
    } else {
        fprintf(stderr, "broker_limit: not every record reached every subscriber\n");
        ok = 0;
    }
    for (int i = 0; i < nsubs; i++)
        peer_sub_log_fini(&logs[i]);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 2 ? argv[2] : "";
    if (!strcmp(mode, "publish")) {
        long n = peer_arg(argc, argv, 3, 200000), window = peer_arg(argc, argv, 4, 4096);
        if (n >= 1 && window >= 1 && window <= FLOOR_DRAIN_MAX)
            return run_publish(argv[1], n, window);
    } else if (!strcmp(mode, "fanout")) {
        long subs = peer_arg(argc, argv, 3, 20), rate = peer_arg(argc, argv, 4, 5000),
             seconds = peer_arg(argc, argv, 5, 10);
        if (subs >= 1 && subs <= PEER_MAX_SUBS && rate >= 1 && seconds >= 1)
            return run_fanout(argv[1], (int)subs, rate, seconds);
    }
    fprintf(stderr, "usage: broker_limit DIR publish [N [WINDOW]]   (WINDOW at most %d)\n"
                    "       broker_limit DIR fanout [SUBS [RATE [SECONDS]]]   (SUBS at most %d)\n",
            FLOOR_DRAIN_MAX, PEER_MAX_SUBS);
    return 2;
}

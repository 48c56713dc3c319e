/* wire_fanout_bench.c — fan-out latency through clients of cjx's wire
 * protocol, measured as bench/peers measure the other brokers' (an
 * in-process client per subscriber, latency taken when the client library
 * hands over the message): the real cjx-hub on 127.0.0.1 with its store in
 * a fresh folder; SUBS subscriber sessions (generated city bureaus), each
 * with a durable subscription to training completions (window 4096, events
 * in batches, every frame acknowledged as it arrives: the hub keeps each
 * cursor in its store), each read by a thread of its own (as the NATS
 * client gives each subscription one); and one publisher session
 * (the enterprise) sending RATE completions a second for SECONDS, one
 * group per 10 ms tick, reading its acknowledgements as they come.
 *
 * Latency of one (event, subscriber) pair = the moment the subscriber
 * thread has decoded the frame that brought it minus the moment before its
 * Publish was sent, on this process's clock; the event is matched by its
 * outbox sequence (Stored.outbox_seq).
 * feed_bench's fanout measures the same through cjx-agent processes and
 * their file sinks.
 *
 * usage: wire_fanout_bench BIN_DIR CONFIG_DIR WORK_DIR [SUBS [RATE [SECONDS]]]
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "bench_util.h"
#include "codec.h"
#include "feed_fixture.h"
#include "peer_common.h"
#include "wire_session.h"

#define WINDOW 4096
#define SUB_NAME "fan"
#define KEEPALIVE_US 500000            /* a subscriber silent this long says Heartbeat */
#define MAX_FRAME (CJX_MAX_FRAME_BYTES * 32)

/* The subscribers, each read by a thread of its own. */
typedef struct subscribers {
    void *socks[PEER_MAX_SUBS];
    peer_sub_log logs[PEER_MAX_SUBS];
    int64_t said_us[PEER_MAX_SUBS];    /* when each last sent a frame */
    long events[PEER_MAX_SUBS];        /* atomic: events each received, warm-up included */
    int n;
    const int64_t *pub_us;             /* [outbox_seq], written by the publisher */
    uint64_t last_seq;                 /* the highest outbox sequence published */
    int stop;                          /* atomic */
    int failed;                        /* atomic */
} subscribers;

/* What one reader thread is given: subscriber i of ss. */
typedef struct reader {
    subscribers *ss;
    int i;
    pthread_t thread;
} reader;

/* The publisher: its session and when each item was sent. */
typedef struct publisher {
    void *sock;
    int64_t *pub_us;                   /* [outbox_seq], atomic stores */
} publisher;

/* Notes one event for subscriber i, handed over at now_us; returns its
 * seq (0 when not an event of ours). */
static uint64_t note_event(subscribers *ss, int i, const Cjx__Event *ev, int64_t now_us)
{
    Cjx__Stored *st = cjx__stored__unpack(NULL, ev->stored.len, ev->stored.data);
    if (!st)
        return 0;
    if (st->outbox_seq <= ss->last_seq) /* the warm-up falls before the log's base */
        peer_sub_log_record(&ss->logs[i], st->outbox_seq,
                            __atomic_load_n(&ss->pub_us[st->outbox_seq], __ATOMIC_ACQUIRE),
                            now_us);
    cjx__stored__free_unpacked(st, NULL);
    __atomic_add_fetch(&ss->events[i], 1, __ATOMIC_RELEASE);
    return ev->seq;
}

/* Reads every frame waiting for subscriber i and acknowledges the events.
 * The events of a frame are delivered when it is decoded: the client holds
 * them all then (as a NATS client's callback holds its one message), and
 * what this bench does with each next (unpacking its record to find its
 * outbox sequence) is not the hub's delivery. Returns 0 or -1 (reason on
 * stderr). */
static int take_events(subscribers *ss, int i)
{
    for (;;) {
        Cjx__Frame *fr = NULL;
        cjx_fault f = {0};
        cjx_err rc = cjx_frame_recv(ss->socks[i], MAX_FRAME, ZMQ_DONTWAIT, &fr, &f);
        if (rc == CJX_ETIMEOUT)
            return 0;
        if (rc != CJX_OK) {
            fprintf(stderr, "wire_fanout_bench: subscriber %d: %s\n", i, f.text);
            return -1;
        }
        uint64_t last = 0;
        int64_t now = peer_now_us();
        if (fr->msg_case == CJX__FRAME__MSG_EVENT_BATCH)
            for (size_t k = 0; k < fr->event_batch->n_events; k++)
                last = note_event(ss, i, fr->event_batch->events[k], now);
        else if (fr->msg_case == CJX__FRAME__MSG_EVENT)
            last = note_event(ss, i, fr->event, now);
        else if (fr->msg_case == CJX__FRAME__MSG_NACK) {
            fprintf(stderr, "wire_fanout_bench: subscriber %d refused: %s %s: %s\n", i,
                    cjx_err_name((int)fr->nack->reason), fr->nack->field, fr->nack->text);
            cjx__frame__free_unpacked(fr, NULL);
            return -1;
        }
        cjx__frame__free_unpacked(fr, NULL);
        if (last) {
            if (cjx_send_event_ack(ss->socks[i], SUB_NAME, last, ZMQ_DONTWAIT) != CJX_OK)
                return -1;
            ss->said_us[i] = peer_now_us();
        }
    }
}

static void *subscriber_thread(void *arg)
{
    const reader *r = arg;
    subscribers *ss = r->ss;
    int i = r->i;
    zmq_pollitem_t item = {ss->socks[i], 0, ZMQ_POLLIN, 0};
    while (!__atomic_load_n(&ss->stop, __ATOMIC_ACQUIRE)) {
        if (zmq_poll(&item, 1, 100) < 0 && errno != EINTR)
            break;
        int64_t now = peer_now_us();
        int quiet = now - ss->said_us[i] > KEEPALIVE_US;
        if (((item.revents & ZMQ_POLLIN) && take_events(ss, i)) ||
            (quiet && wire_heartbeat(ss->socks[i]))) {
            __atomic_store_n(&ss->failed, 1, __ATOMIC_RELEASE);
            return NULL;
        }
        if (quiet)
            ss->said_us[i] = now;
    }
    return NULL;
}

/* Starts a reader thread for each subscriber; returns how many started. */
static int start_readers(subscribers *ss, reader *readers)
{
    int n = 0;
    for (; n < ss->n; n++) {
        readers[n] = (reader){ss, n, 0};
        if (pthread_create(&readers[n].thread, NULL, subscriber_thread, &readers[n]))
            break;
    }
    return n;
}

static void stop_readers(subscribers *ss, reader *readers, int n)
{
    __atomic_store_n(&ss->stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < n; i++)
        pthread_join(readers[i].thread, NULL);
}

/* Opens subscriber i's session and its subscription. Returns 0 or -1. */
static int subscribe(subscribers *ss, int i, void *ctx, const char *ep)
{
    char code[19];
    if (feed_bureau_code(i + 1, code) ||
        !(ss->socks[i] =
              wire_welcomed_as(ctx, ep, code, CJX__INSTITUTION_KIND__INSTITUTION_BUREAU)))
        return -1;
    if (wire_subscribe(ss->socks[i], SUB_NAME, WINDOW))
        return -1;
    ss->said_us[i] = peer_now_us();
    return 0;
}

/* Reads the publisher's acknowledgements waiting, so that they do not pile
 * up; a refusal fails. Returns 0 or -1. */
static int take_acks(publisher *p)
{
    for (;;) {
        Cjx__Frame *fr = NULL;
        cjx_fault f = {0};
        cjx_err rc = cjx_frame_recv(p->sock, MAX_FRAME, ZMQ_DONTWAIT, &fr, &f);
        if (rc == CJX_ETIMEOUT)
            return 0;
        if (rc != CJX_OK || fr->msg_case == CJX__FRAME__MSG_NACK) {
            fprintf(stderr, "wire_fanout_bench: publisher: %s\n",
                    rc != CJX_OK ? f.text : fr->nack->text);
            if (fr)
                cjx__frame__free_unpacked(fr, NULL);
            return -1;
        }
        cjx__frame__free_unpacked(fr, NULL);
    }
}

/* Sends completion seq, its outbox sequence the same number, noting when.
 * Returns 0 or -1. */
static int publish_one(publisher *p, uint64_t seq)
{
    size_t len;
    uint8_t *item = feed_pack_completion(NULL, (long)seq, &len);
    __atomic_store_n(&p->pub_us[seq], peer_now_us(), __ATOMIC_RELEASE);
    cjx_err rc = item ? cjx_send_publish(p->sock, seq, item, len, 0) : CJX_ENOMEM;
    free(item);
    if (rc == CJX_OK)
        return 0;
    fprintf(stderr, "wire_fanout_bench: cannot publish: %s\n", zmq_strerror(errno));
    return -1;
}

/* Sends completions first … first+n-1 and reads the answers waiting (a
 * peer_send_fn). */
static int publish_some(void *ctx, uint64_t first, long n)
{
    publisher *p = ctx;
    for (long k = 0; k < n; k++)
        if (publish_one(p, first + (uint64_t)k))
            return -1;
    return take_acks(p);
}

/* Waits (at most timeout_s) until every subscriber has received `want`
 * events, the warm-up included. */
static int wait_received(subscribers *ss, long want, double timeout_s)
{
    double deadline = peer_now_s() + timeout_s;
    for (;;) {
        long least = want;
        for (int i = 0; i < ss->n; i++) {
            long got = __atomic_load_n(&ss->events[i], __ATOMIC_ACQUIRE);
            least = got < least ? got : least;
        }
        if (least >= want)
            return 0;
        if (__atomic_load_n(&ss->failed, __ATOMIC_ACQUIRE) || peer_now_s() > deadline)
            return -1;
        usleep(5000);
    }
}

static int run(feed_env *e, const char *root, int nsubs, double rate, double seconds)
{
    long total = (long)(rate * seconds);
    static subscribers ss;
    publisher p = {0};
    ss.n = nsubs;
    ss.last_seq = (uint64_t)total + 1; /* 1 is the warm-up, 2 … total+1 are paced */
    p.pub_us = calloc((size_t)total + 2, sizeof *p.pub_us);
    ss.pub_us = p.pub_us;
    void *ctx = zmq_ctx_new();
    static reader readers[PEER_MAX_SUBS];
    int started = 0, rc = 1, opened = 0;
    if (!p.pub_us || !ctx || feed_env_open(e, root, "wire-fanout"))
        goto done;
    for (; opened < nsubs; opened++)
        if (peer_sub_log_init(&ss.logs[opened], 2, total) || subscribe(&ss, opened, ctx, e->ep))
            goto done;
    p.sock = wire_welcomed_as(ctx, e->ep, FEED_PUBLISHER,
                              CJX__INSTITUTION_KIND__INSTITUTION_ENTERPRISE);
    if (!p.sock || (started = start_readers(&ss, readers)) < nsubs)
        goto done;
    /* Warm-up: one event through every subscriber, so that every session
     * and subscription is up before the clock starts. */
    Cjx__Frame *ack = NULL;
    if (publish_one(&p, 1) ||
        !(ack = wire_await(p.sock, CJX__FRAME__MSG_ACK, 1, "the warm-up publish")) ||
        wait_received(&ss, 1, 60)) {
        if (ack)
            cjx__frame__free_unpacked(ack, NULL);
        fprintf(stderr, "wire_fanout_bench: the warm-up event did not reach every subscriber\n");
        goto done;
    }
    cjx__frame__free_unpacked(ack, NULL);
    double achieved = peer_paced(publish_some, &p, 2, total, rate);
    int64_t last_pub = peer_now_us();
    if (achieved < 0 || wait_received(&ss, total + 1, 120))
        goto done;
    stop_readers(&ss, readers, started);
    started = 0;
    rc = peer_fanout_report("cjx", "wire", ss.logs, nsubs, total, rate, achieved, last_pub) ? 1 : 0;
done:
    if (rc)
        fprintf(stderr, "wire_fanout_bench: not every event reached every subscriber\n");
    stop_readers(&ss, readers, started);
    for (int i = 0; i < opened; i++) {
        if (ss.socks[i])
            wire_close(ss.socks[i]);
        peer_sub_log_fini(&ss.logs[i]);
    }
    if (p.sock)
        wire_close(p.sock);
    if (ctx)
        zmq_ctx_term(ctx);
    feed_env_close(e);
    free(p.pub_us);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: wire_fanout_bench BIN_DIR CONFIG_DIR WORK_DIR "
                        "[SUBS [RATE [SECONDS]]]\n");
        return 2;
    }
    long subs = peer_arg(argc, argv, 4, 20), rate = peer_arg(argc, argv, 5, 5000),
         seconds = peer_arg(argc, argv, 6, 10);
    if (subs < 1 || subs > PEER_MAX_SUBS || rate < 1 || seconds < 1) {
        fprintf(stderr, "wire_fanout_bench: SUBS 1-%d, RATE and SECONDS at least 1\n",
                PEER_MAX_SUBS);
        return 2;
    }
    feed_env e = {.bin = argv[1], .conf = argv[2]};
    return run(&e, argv[3], (int)subs, (double)rate, (double)seconds);
}

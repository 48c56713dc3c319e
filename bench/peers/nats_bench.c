/* nats_bench.c — the workloads of bench/compare.sh through a NATS server
 * with JetStream on 127.0.0.1, with the NATS C client. Every run makes the
 * file-stored stream BENCH (subjects bench.>) on a fresh server.
 *
 * publish PUBS N WINDOW [SIZE]: PUBS publishers (one thread and connection
 *   each) send N messages in all with js_PublishAsync, at most WINDOW each
 *   awaiting the stream's PubAck; the time from the start to the last
 *   PubAck gives the rate.
 * fanout SUBS RATE SECONDS: SUBS durable push consumers (explicit acks,
 *   at most 1024 unacknowledged, as cjx's feed_window), each on its own
 *   connection, and one publisher sending RATE messages a second for
 *   SECONDS; latency = delivery to the subscriber's callback minus the
 *   moment before js_PublishAsync(), on this process's clock.
 * catchup N WINDOW: a durable pull consumer is made (ack-all); N messages
 *   are published and acknowledged while nobody pulls; then the time from
 *   subscribing to the N-th message (fetches of 1024, the last of each
 *   acknowledged) gives the catch-up rate.
 *
 * usage: nats_bench URL MODE ARGS…
 */
#include <nats/nats.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peer_common.h"

#define FETCH_BATCH 1024

static const char *url;

/* One connection and its JetStream context. */
typedef struct conn {
    natsConnection *nc;
    jsCtx *js;
    long errors;                 /* publishes the stream refused or that timed out */
    long n, window;              /* publisher: messages and window */
    uint64_t first;
    size_t size;
    char subject[64];
    natsSubscription *sub;
    peer_sub_log *log;           /* subscriber: deliveries */
    long received;
} conn;

static int check(natsStatus s, jsErrCode jerr, const char *what)
{
    if (s == NATS_OK)
        return 0;
    fprintf(stderr, "nats_bench: %s: %s (%d)\n", what, natsStatus_GetText(s), (int)jerr);
    nats_PrintLastErrorStack(stderr);
    return -1;
}

static void on_pub_error(jsCtx *js, jsPubAckErr *pae, void *closure)
{
    (void)js, (void)pae;
    __atomic_add_fetch(&((conn *)closure)->errors, 1, __ATOMIC_RELAXED);
}

/* Connects, with window publishes at most awaiting their PubAck. Returns 0
 * or -1. */
static int conn_open(conn *c, long window)
{
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = window > 0 ? window : 4096;
    jo.PublishAsync.ErrHandler = on_pub_error;
    jo.PublishAsync.ErrHandlerClosure = c;
    jo.PublishAsync.StallWait = 60000; /* a full window blocks the publisher */
    jo.Wait = 30000;
    if (check(natsConnection_ConnectTo(&c->nc, url), 0, "connect"))
        return -1;
    return check(natsConnection_JetStream(&c->js, c->nc, &jo), 0, "jetstream");
}

static void conn_close(conn *c)
{
    if (c->sub) {
        natsSubscription_Unsubscribe(c->sub);
        natsSubscription_Destroy(c->sub);
    }
    jsCtx_Destroy(c->js);
    natsConnection_Destroy(c->nc);
    c->sub = NULL, c->js = NULL, c->nc = NULL;
}

/* Makes the stream BENCH, file storage, subjects bench.>. Returns 0 or -1. */
static int make_stream(conn *c)
{
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    const char *subjects[] = {"bench.>"};
    cfg.Name = "BENCH";
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    int rc = check(js_AddStream(&si, c->js, &cfg, NULL, &jerr), jerr, "add stream");
    jsStreamInfo_Destroy(si);
    return rc;
}

/* Sends c->n messages of c->size bytes and waits for every PubAck.
 * Returns NULL, or (void *)1 on error. */
static void *publish_all(void *arg)
{
    conn *c = arg;
    static __thread uint8_t buf[PEER_MAX_PAYLOAD];
    for (long i = 0; i < c->n; i++) {
        peer_payload(buf, c->size, c->first + (uint64_t)i, peer_now_us());
        if (check(js_PublishAsync(c->js, c->subject, buf, (int)c->size, NULL), 0, "publish"))
            return (void *)1;
    }
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = 300000;
    if (check(js_PublishAsyncComplete(c->js, &po), 0, "publish complete") || c->errors)
        return (void *)1;
    return NULL;
}

static int run_publish(int pubs, long n, long window, size_t size)
{
    conn c[PEER_MAX_PUBS];
    pthread_t th[PEER_MAX_PUBS];
    memset(c, 0, sizeof c);
    int bad = 0, opened = 0;
    for (; opened < pubs && !bad; opened++) {
        c[opened].n = n / pubs + (opened < n % pubs);
        c[opened].first = (uint64_t)opened << 32;
        c[opened].size = size;
        snprintf(c[opened].subject, sizeof c[opened].subject, "bench.pub.%d", opened);
        bad = conn_open(&c[opened], window) || (opened == 0 && make_stream(&c[0]));
    }
    double t0 = peer_now_s();
    int started = 0;
    for (; started < pubs && !bad; started++)
        bad = pthread_create(&th[started], NULL, publish_all, &c[started]) != 0;
    for (int i = 0; i < started; i++) {
        void *r;
        pthread_join(th[i], &r);
        bad |= r != NULL;
    }
    double secs = peer_now_s() - t0;
    if (!bad)
        printf("system=jetstream test=publish publishers=%d records=%ld size=%zu window=%ld "
               "seconds=%.3f rate=%.0f/s\n", pubs, n, size, window, secs, n / secs);
    for (int i = 0; i < opened; i++)
        conn_close(&c[i]);
    return bad;
}

/* ---- fan-out ---- */

static void on_fan_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc, (void)sub;
    conn *c = closure;
    peer_sub_log_note(c->log, natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg));
    natsMsg_Ack(msg, NULL);
    natsMsg_Destroy(msg);
    __atomic_add_fetch(&c->received, 1, __ATOMIC_RELEASE);
}

/* Subscribes c as durable push consumer `name` on bench.fan. */
static int fan_subscribe(conn *c, const char *name)
{
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = "BENCH";
    so.ManualAck = true;
    so.Config.Durable = name;
    so.Config.AckPolicy = js_AckExplicit;
    so.Config.MaxAckPending = 1024;
    jsErrCode jerr = 0;
    return check(js_Subscribe(&c->sub, c->js, "bench.fan", on_fan_msg, c, NULL, &so, &jerr),
                 jerr, "subscribe");
}

static int fan_send(void *ctx, uint64_t first, long n)
{
    conn *p = ctx;
    uint8_t buf[512];
    for (long i = 0; i < n; i++) {
        peer_payload(buf, sizeof buf, first + (uint64_t)i, peer_now_us());
        if (check(js_PublishAsync(p->js, "bench.fan", buf, sizeof buf, NULL), 0, "publish"))
            return -1;
    }
    return 0;
}

static int run_fanout(int nsubs, double rate, double seconds)
{
    long total = (long)(rate * seconds);
    conn subs[PEER_MAX_SUBS], pub;
    peer_sub_log logs[PEER_MAX_SUBS];
    memset(subs, 0, sizeof subs);
    memset(&pub, 0, sizeof pub);
    int bad = conn_open(&pub, 4096) || make_stream(&pub), opened = 0;
    for (; opened < nsubs && !bad; opened++) {
        char name[32];
        snprintf(name, sizeof name, "fan%d", opened);
        subs[opened].log = &logs[opened];
        bad = peer_sub_log_init(&logs[opened], 1, total) || conn_open(&subs[opened], 0) ||
              fan_subscribe(&subs[opened], name);
    }
    /* warm-up: message 0 through every subscriber */
    bad = bad || fan_send(&pub, 0, 1);
    for (int s = 0; s < nsubs && !bad; s++) {
        for (int i = 0; i < 1000 && !__atomic_load_n(&subs[s].received, __ATOMIC_ACQUIRE); i++)
            usleep(10000);
        if (!__atomic_load_n(&subs[s].received, __ATOMIC_ACQUIRE)) {
            fprintf(stderr, "nats_bench: the warm-up message did not reach subscriber %d\n", s);
            bad = 1;
        }
    }
    double achieved = bad ? -1 : peer_paced(fan_send, &pub, 1, total, rate);
    int64_t last_pub = peer_now_us();
    bad = bad || achieved < 0;
    for (int i = 0; i < 12000 && !bad; i++) { /* at most 120 s to drain */
        long got = 0;
        for (int s = 0; s < nsubs; s++)
            got += __atomic_load_n(&logs[s].got, __ATOMIC_ACQUIRE);
        if (got >= (long)nsubs * total)
            break;
        usleep(10000);
    }
    for (int s = 0; s < opened; s++)
        conn_close(&subs[s]);
    conn_close(&pub);
    if (!bad)
        bad = peer_fanout_report("jetstream", NULL, logs, nsubs, total, rate, achieved, last_pub) != 0;
    for (int s = 0; s < opened; s++)
        peer_sub_log_fini(&logs[s]);
    return bad;
}

/* ---- catch-up ---- */

/* Makes the durable pull consumer `catch` on bench.catch, acknowledged
 * cumulatively. Returns 0 or -1. */
static int make_catch_consumer(conn *c)
{
    jsConsumerConfig cc;
    jsConsumerConfig_Init(&cc);
    cc.Durable = "catch";
    cc.AckPolicy = js_AckAll;
    cc.FilterSubject = "bench.catch";
    cc.MaxAckPending = 2 * FETCH_BATCH;
    jsConsumerInfo *ci = NULL;
    jsErrCode jerr = 0;
    int rc = check(js_AddConsumer(&ci, c->js, "BENCH", &cc, NULL, &jerr), jerr, "add consumer");
    jsConsumerInfo_Destroy(ci);
    return rc;
}

static int run_catchup(long n, long window)
{
    conn pub, sub;
    peer_sub_log log;
    memset(&pub, 0, sizeof pub);
    memset(&sub, 0, sizeof sub);
    if (peer_sub_log_init(&log, 0, n))
        return 1;
    pub.n = n;
    pub.size = 512;
    snprintf(pub.subject, sizeof pub.subject, "bench.catch");
    int bad = conn_open(&pub, window) || make_stream(&pub) || make_catch_consumer(&pub);
    double t0 = peer_now_s();
    bad = bad || publish_all(&pub) != NULL;
    double pub_s = peer_now_s() - t0;
    conn_close(&pub);

    t0 = peer_now_s();
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = "BENCH";
    so.Consumer = "catch";
    jsErrCode jerr = 0;
    bad = bad || conn_open(&sub, 0) ||
          check(js_PullSubscribe(&sub.sub, sub.js, "bench.catch", "catch", NULL, &so, &jerr), jerr,
                "pull subscribe");
    while (!bad && log.got < n && peer_now_s() - t0 < 300) {
        natsMsgList list = {0};
        natsStatus s = natsSubscription_Fetch(&list, sub.sub, FETCH_BATCH, 5000, &jerr);
        if (s == NATS_TIMEOUT)
            continue;
        bad = check(s, jerr, "fetch");
        for (int i = 0; i < list.Count; i++)
            peer_sub_log_note(&log, natsMsg_GetData(list.Msgs[i]),
                              (size_t)natsMsg_GetDataLength(list.Msgs[i]));
        if (list.Count > 0)
            bad = bad || check(natsMsg_Ack(list.Msgs[list.Count - 1], NULL), 0, "ack");
        natsMsgList_Destroy(&list);
    }
    double secs = peer_now_s() - t0;
    if (!bad)
        printf("system=jetstream test=catchup events=%ld seconds=%.3f rate=%.0f/s "
               "publish_rate=%.0f/s duplicates=%ld%s\n", log.got, secs, log.got / secs,
               n / pub_s, log.dups, log.got < n ? " (TIMED OUT)" : "");
    conn_close(&sub);
    peer_sub_log_fini(&log);
    return bad || log.got < n;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: nats_bench URL publish PUBS N WINDOW [SIZE] | "
                        "fanout SUBS RATE SECONDS | catchup N WINDOW\n");
        return 2;
    }
    url = argv[1];
    setvbuf(stdout, NULL, _IOLBF, 0);
    static const peer_workloads w = {run_publish, run_fanout, run_catchup};
    int rc = peer_run("nats_bench", argc, argv, &w);
    nats_Close();
    return rc;
}

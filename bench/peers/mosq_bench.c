/* mosq_bench.c — the workloads of bench/compare.sh through a Mosquitto
 * broker on 127.0.0.1, with libmosquitto clients, MQTT 3.1.1, QoS 1.
 *
 * publish PUBS N WINDOW [SIZE]: PUBS publishers (one thread and connection
 *   each) send N messages in all, SIZE bytes (512), at most WINDOW each
 *   unacknowledged (PUBACK); the time from the start to the last PUBACK
 *   gives the rate. Nobody subscribes: the broker acknowledges from memory.
 * fanout SUBS RATE SECONDS: SUBS subscribers with persistent sessions
 *   (clean session off, QoS 1) and one publisher sending RATE messages a
 *   second for SECONDS; latency = delivery to the subscriber's callback
 *   minus the moment before mosquitto_publish(), on this process's clock.
 * catchup N WINDOW: a subscriber with a persistent session subscribes and
 *   disconnects; N messages are published and acknowledged; then the time
 *   from its reconnection to its N-th message gives the catch-up rate.
 *
 * The broker's configuration (persistence, queue and in-flight limits) is
 * bench/compare.sh's. usage: mosq_bench PORT MODE ARGS…
 */
#include <mosquitto.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peer_common.h"


/* One connection and what it has done; callbacks run in the thread that
 * drives its loop. */
typedef struct client {
    struct mosquitto *m;
    char topic[64];
    int connected, subscribed, disconnected;
    long n, sent, acked, received; /* publisher: of n; subscriber: received */
    uint64_t first;                /* publisher: number of its first message */
    size_t size;
    long window;
    peer_sub_log *log;             /* subscriber: deliveries */
} client;

static int port;

static void on_connect(struct mosquitto *m, void *ud, int rc)
{
    (void)m;
    if (rc)
        fprintf(stderr, "mosq_bench: connection refused: %s\n", mosquitto_connack_string(rc));
    __atomic_store_n(&((client *)ud)->connected, rc ? -1 : 1, __ATOMIC_RELEASE);
}

static void on_disconnect(struct mosquitto *m, void *ud, int rc)
{
    (void)m, (void)rc;
    __atomic_store_n(&((client *)ud)->disconnected, 1, __ATOMIC_RELEASE);
}

static void on_publish(struct mosquitto *m, void *ud, int mid)
{
    (void)m, (void)mid;
    __atomic_add_fetch(&((client *)ud)->acked, 1, __ATOMIC_RELEASE);
}

static void on_subscribe(struct mosquitto *m, void *ud, int mid, int n, const int *qos)
{
    (void)m, (void)mid;
    __atomic_store_n(&((client *)ud)->subscribed, n == 1 && qos[0] == 1 ? 1 : -1,
                     __ATOMIC_RELEASE);
}

static void on_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg)
{
    (void)m;
    client *c = ud;
    if (c->log)
        peer_sub_log_note(c->log, msg->payload, (size_t)msg->payloadlen);
    __atomic_add_fetch(&c->received, 1, __ATOMIC_RELEASE);
}

/* Waits (at most 10 s) until *flag is set by a callback; with drive, runs
 * the client's loop meanwhile (it has no thread of its own). Returns 0 when
 * it became 1. */
static int wait_flag(client *c, int *flag, int drive)
{
    for (int i = 0; i < 1000 && !__atomic_load_n(flag, __ATOMIC_ACQUIRE); i++) {
        if (drive)
            mosquitto_loop(c->m, 10, 1);
        else
            usleep(10000);
    }
    return __atomic_load_n(flag, __ATOMIC_ACQUIRE) == 1 ? 0 : -1;
}

/* Connects client id (clean or persistent session); with threaded, the
 * library's thread drives it from then on. Returns 0 or -1. */
static int client_open(client *c, const char *id, bool clean, int threaded)
{
    c->m = mosquitto_new(id, clean, c);
    if (!c->m)
        return -1;
    mosquitto_connect_callback_set(c->m, on_connect);
    mosquitto_disconnect_callback_set(c->m, on_disconnect);
    mosquitto_publish_callback_set(c->m, on_publish);
    mosquitto_subscribe_callback_set(c->m, on_subscribe);
    mosquitto_message_callback_set(c->m, on_message);
    mosquitto_int_option(c->m, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_int_option(c->m, MOSQ_OPT_SEND_MAXIMUM, c->window > 0 ? (int)c->window : 4096);
    if (mosquitto_connect(c->m, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "mosq_bench: cannot connect to 127.0.0.1:%d\n", port);
        return -1;
    }
    if (threaded && mosquitto_loop_start(c->m) != MOSQ_ERR_SUCCESS)
        return -1;
    return wait_flag(c, &c->connected, !threaded);
}

/* Subscribes to c->topic at QoS 1 and waits for SUBACK. Returns 0 or -1. */
static int client_subscribe(client *c, int threaded)
{
    if (mosquitto_subscribe(c->m, NULL, c->topic, 1) != MOSQ_ERR_SUCCESS)
        return -1;
    return wait_flag(c, &c->subscribed, !threaded);
}

static void client_close(client *c, int threaded)
{
    if (!c->m)
        return;
    mosquitto_disconnect(c->m);
    if (threaded)
        mosquitto_loop_stop(c->m, false);
    else
        wait_flag(c, &c->disconnected, 1);
    mosquitto_destroy(c->m);
    c->m = NULL;
}

/* Sends c->n messages keeping at most c->window unacknowledged, driving the
 * client's loop itself. Returns NULL, or (void *)1 on error. */
static void *publish_all(void *arg)
{
    client *c = arg;
    static __thread uint8_t buf[PEER_MAX_PAYLOAD];
    while (c->acked < c->n) {
        while (c->sent < c->n && c->sent - c->acked < c->window) {
            peer_payload(buf, c->size, c->first + (uint64_t)c->sent, peer_now_us());
            if (mosquitto_publish(c->m, NULL, c->topic, (int)c->size, buf, 1, false)) {
                fprintf(stderr, "mosq_bench: publish failed\n");
                return (void *)1;
            }
            c->sent++;
        }
        int rc = mosquitto_loop(c->m, 100, 1);
        if (rc != MOSQ_ERR_SUCCESS) {
            fprintf(stderr, "mosq_bench: %s\n", mosquitto_strerror(rc));
            return (void *)1;
        }
    }
    return NULL;
}

static int run_publish(int pubs, long n, long window, size_t size)
{
    client c[PEER_MAX_PUBS];
    pthread_t th[PEER_MAX_PUBS];
    memset(c, 0, sizeof c);
    int bad = 0;
    for (int i = 0; i < pubs && !bad; i++) {
        char id[32];
        snprintf(id, sizeof id, "pub-%d", i);
        snprintf(c[i].topic, sizeof c[i].topic, "bench/pub/%d", i);
        c[i].n = n / pubs + (i < n % pubs);
        c[i].first = (uint64_t)i << 32;
        c[i].size = size;
        c[i].window = window;
        bad = client_open(&c[i], id, true, 0);
    }
    double t0 = peer_now_s();
    for (int i = 0; i < pubs && !bad; i++)
        bad = pthread_create(&th[i], NULL, publish_all, &c[i]);
    for (int i = 0; i < pubs && !bad; i++) {
        void *r;
        pthread_join(th[i], &r);
        bad |= r != NULL;
    }
    double secs = peer_now_s() - t0;
    if (!bad)
        printf("system=mosquitto test=publish publishers=%d records=%ld size=%zu window=%ld "
               "seconds=%.3f rate=%.0f/s\n", pubs, n, size, window, secs, n / secs);
    for (int i = 0; i < pubs; i++)
        client_close(&c[i], 0);
    return bad;
}

/* ---- fan-out ---- */

static int fan_send(void *ctx, uint64_t first, long n)
{
    client *p = ctx;
    uint8_t buf[512];
    for (long i = 0; i < n; i++) {
        peer_payload(buf, sizeof buf, first + (uint64_t)i, peer_now_us());
        if (mosquitto_publish(p->m, NULL, p->topic, sizeof buf, buf, 1, false))
            return -1;
    }
    return 0;
}

static int run_fanout(int nsubs, double rate, double seconds)
{
    long total = (long)(rate * seconds);
    client subs[PEER_MAX_SUBS], pub;
    peer_sub_log logs[PEER_MAX_SUBS];
    memset(subs, 0, sizeof subs);
    memset(&pub, 0, sizeof pub);
    int bad = 0, opened = 0;
    for (; opened < nsubs && !bad; opened++) {
        char id[32];
        snprintf(id, sizeof id, "fan-sub-%d", opened);
        snprintf(subs[opened].topic, sizeof subs[opened].topic, "bench/fan");
        subs[opened].window = 1024;
        subs[opened].log = &logs[opened];
        bad = peer_sub_log_init(&logs[opened], 1, total) || client_open(&subs[opened], id, false, 1) ||
              client_subscribe(&subs[opened], 1);
    }
    snprintf(pub.topic, sizeof pub.topic, "bench/fan");
    pub.window = 4096;
    bad = bad || client_open(&pub, "fan-pub", true, 1);
    /* warm-up: message 0 through every subscriber */
    bad = bad || fan_send(&pub, 0, 1);
    for (int s = 0; s < nsubs && !bad; s++)
        for (int i = 0; i < 1000 && !__atomic_load_n(&subs[s].received, __ATOMIC_ACQUIRE); i++)
            usleep(10000);
    for (int s = 0; s < nsubs && !bad; s++)
        if (!__atomic_load_n(&subs[s].received, __ATOMIC_ACQUIRE)) {
            fprintf(stderr, "mosq_bench: the warm-up message did not reach subscriber %d\n", s);
            bad = 1;
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
    client_close(&pub, 1);
    for (int s = 0; s < opened; s++)
        client_close(&subs[s], 1);
    if (!bad)
        bad = peer_fanout_report("mosquitto", NULL, logs, nsubs, total, rate, achieved, last_pub) != 0;
    for (int s = 0; s < opened; s++)
        peer_sub_log_fini(&logs[s]);
    return bad;
}

/* ---- catch-up ---- */

static int run_catchup(long n, long window)
{
    client sub, pub;
    peer_sub_log log;
    memset(&sub, 0, sizeof sub);
    memset(&pub, 0, sizeof pub);
    if (peer_sub_log_init(&log, 0, n))
        return 1;
    snprintf(sub.topic, sizeof sub.topic, "bench/catch");
    sub.window = 1024;
    int bad = client_open(&sub, "catch-sub", false, 0) || client_subscribe(&sub, 0);
    client_close(&sub, 0); /* the session, and its subscription, stay at the broker */

    snprintf(pub.topic, sizeof pub.topic, "bench/catch");
    pub.n = n;
    pub.size = 512;
    pub.window = window;
    double t0 = peer_now_s();
    bad = bad || client_open(&pub, "catch-pub", true, 0) || publish_all(&pub) != NULL;
    double pub_s = peer_now_s() - t0;
    client_close(&pub, 0);

    memset(&sub, 0, sizeof sub);
    sub.window = 1024;
    sub.log = &log;
    t0 = peer_now_s();
    bad = bad || client_open(&sub, "catch-sub", false, 0);
    while (!bad && log.got < n && peer_now_s() - t0 < 300)
        bad = mosquitto_loop(sub.m, 100, 1) != MOSQ_ERR_SUCCESS;
    double secs = peer_now_s() - t0;
    if (!bad)
        printf("system=mosquitto test=catchup events=%ld seconds=%.3f rate=%.0f/s "
               "publish_rate=%.0f/s duplicates=%ld%s\n", log.got, secs, log.got / secs,
               n / pub_s, log.dups, log.got < n ? " (TIMED OUT)" : "");
    client_close(&sub, 0);
    peer_sub_log_fini(&log);
    return bad || log.got < n;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: mosq_bench PORT publish PUBS N WINDOW [SIZE] | "
                        "fanout SUBS RATE SECONDS | catchup N WINDOW\n");
        return 2;
    }
    port = atoi(argv[1]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    mosquitto_lib_init();
    static const peer_workloads w = {run_publish, run_fanout, run_catchup};
    int rc = peer_run("mosq_bench", argc, argv, &w);
    mosquitto_lib_cleanup();
    return rc;
}

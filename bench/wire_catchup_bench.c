/* wire_catchup_bench.c — an offline subscriber's catch-up through a client
 * of cjx's wire protocol, measured as bench/peers measure the other
 * brokers' (an in-process client keeping nothing on disk): the real cjx-hub
 * on 127.0.0.1 with its store in a fresh folder. A bureau's session makes
 * its durable subscription to training completions and leaves; one
 * enterprise session publishes N completions (WINDOW in flight, every one
 * acknowledged after the hub's sync); then the bureau comes back and the
 * time from its new session's Hello to the N-th event gives the rate. It
 * takes EventBatch frames with the agent's window (4096) and acknowledges
 * each frame's last event as it arrives, so the hub moves its durable
 * cursor as it would for an agent. Every event is checked: completions 1…N, each
 * once, in order.
 *
 * Prints one line: test=catchup client=wire events= seconds= rate=, and the
 * CPU this process and the hub used meanwhile per event (client_cpu_us,
 * hub_cpu_us). feed_bench's catchup measures the same through a cjx-agent
 * writing every event to a synced file sink.
 *
 * usage: wire_catchup_bench BIN_DIR CONFIG_DIR WORK_DIR [N [WINDOW]]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zmq.h>

#include "bench_util.h"
#include "codec.h"
#include "feed_fixture.h"
#include "peer_common.h"
#include "proc_status.h"
#include "wire_session.h"

#define SUB_NAME "catch"
#define FEED_WINDOW 4096               /* cjx-agent's feed_window default */
#define MAX_FRAME (CJX_MAX_FRAME_BYTES * 32)
#define TIMEOUT_S 600

/* What the returning subscriber has seen. */
typedef struct catch_log {
    long events;
    uint64_t last_seq;                 /* the hub's sequence of the last event */
    uint64_t last_outbox_seq;          /* the completion's number, 1…N in order */
    int bad;
} catch_log;

/* Checks one event: the next completion, after the one before. */
static void note_event(catch_log *log, const Cjx__Event *ev)
{
    Cjx__Stored *st = cjx__stored__unpack(NULL, ev->stored.len, ev->stored.data);
    if (!st || ev->seq <= log->last_seq || st->outbox_seq != log->last_outbox_seq + 1) {
        if (!log->bad)
            fprintf(stderr,
                    "wire_catchup_bench: event %llu out of order (outbox_seq %llu after %llu)\n",
                    (unsigned long long)ev->seq, st ? (unsigned long long)st->outbox_seq : 0ULL,
                    (unsigned long long)log->last_outbox_seq);
        log->bad = 1;
    } else {
        log->last_outbox_seq = st->outbox_seq;
    }
    if (st)
        cjx__stored__free_unpacked(st, NULL);
    log->last_seq = ev->seq;
    log->events++;
}

/* Reads the feed until n events have come, acknowledging each frame's
 * last. Returns 0 or -1 (reason on stderr). */
static int take_feed(void *sock, long n, catch_log *log)
{
    double deadline = bench_now_s() + TIMEOUT_S;
    while (log->events < n && !log->bad) {
        Cjx__Frame *fr = NULL;
        cjx_fault f = {0};
        cjx_err rc = cjx_frame_recv(sock, MAX_FRAME, 0, &fr, &f);
        if (rc != CJX_OK) {
            fprintf(stderr, "wire_catchup_bench: after %ld events: %s\n", log->events,
                    rc == CJX_ETIMEOUT ? "nothing more came in time" : f.text);
            return -1;
        }
        if (fr->msg_case == CJX__FRAME__MSG_EVENT_BATCH)
            for (size_t k = 0; k < fr->event_batch->n_events; k++)
                note_event(log, fr->event_batch->events[k]);
        else if (fr->msg_case == CJX__FRAME__MSG_EVENT)
            note_event(log, fr->event);
        int is_event = fr->msg_case == CJX__FRAME__MSG_EVENT_BATCH ||
                       fr->msg_case == CJX__FRAME__MSG_EVENT;
        cjx__frame__free_unpacked(fr, NULL);
        if (is_event && cjx_send_event_ack(sock, SUB_NAME, log->last_seq, ZMQ_DONTWAIT) != CJX_OK) {
            fprintf(stderr, "wire_catchup_bench: cannot acknowledge: %s\n", zmq_strerror(errno));
            return -1;
        }
        if (bench_now_s() > deadline) {
            fprintf(stderr, "wire_catchup_bench: %ld of %ld events in %d s\n", log->events, n,
                    TIMEOUT_S);
            return -1;
        }
    }
    return log->bad ? -1 : 0;
}

/* Publishes completions 1…n as the enterprise, window in flight. */
static int publish(void *ctx, const char *ep, long n, long window)
{
    ProtobufCBinaryData *items = calloc((size_t)n, sizeof *items);
    int rc = items ? 0 : -1;
    for (long k = 0; rc == 0 && k < n; k++)
        if (!(items[k].data = feed_pack_completion(NULL, k + 1, &items[k].len)))
            rc = -1;
    Cjx__Institution self = CJX__INSTITUTION__INIT;
    self.credit_code = FEED_PUBLISHER;
    self.kind = CJX__INSTITUTION_KIND__INSTITUTION_ENTERPRISE;
    wire_source src = {FEED_PUBLISHER, &self, items, (size_t)n};
    wire_load_result res = {0};
    if (rc == 0)
        rc = wire_load(ctx, ep, &src, 1, 1, (size_t)window, TIMEOUT_S, &res);
    if (rc == 0 && res.acked != n) {
        fprintf(stderr, "wire_catchup_bench: %ld of %ld acknowledged; first refusal: %s\n",
                res.acked, n, res.first_refusal);
        rc = -1;
    }
    for (long k = 0; items && k < n; k++)
        free(items[k].data);
    free(items);
    return rc;
}

static int run(feed_env *e, const char *root, long n, long window)
{
    void *ctx = zmq_ctx_new(), *sub = NULL;
    int rc = 1;
    if (!ctx || feed_env_open(e, root, "wire-catchup"))
        goto done;
    /* The bureau's durable subscription exists before anything is published. */
    if (!(sub = wire_welcomed_as(ctx, e->ep, FEED_BUREAU_HRB,
                                 CJX__INSTITUTION_KIND__INSTITUTION_BUREAU)) ||
        wire_subscribe(sub, SUB_NAME, FEED_WINDOW))
        goto done;
    wire_close(sub);
    sub = NULL;
    if (publish(ctx, e->ep, n, window))
        goto done;

    catch_log log = {0};
    pid_t self = getpid();
    double t0 = bench_now_s(), hub_cpu = proc_cpu_s(e->hub), my_cpu = proc_cpu_s(self);
    if (!(sub = wire_welcomed_as(ctx, e->ep, FEED_BUREAU_HRB,
                                 CJX__INSTITUTION_KIND__INSTITUTION_BUREAU)) ||
        wire_subscribe(sub, SUB_NAME, FEED_WINDOW) || take_feed(sub, n, &log))
        goto done;
    double secs = bench_now_s() - t0;
    double hub_now = proc_cpu_s(e->hub), my_now = proc_cpu_s(self);
    char cpu[96] = ""; /* CPU per event, in the kernel's 10 ms ticks */
    if (hub_cpu >= 0 && my_cpu >= 0 && hub_now >= 0 && my_now >= 0)
        snprintf(cpu, sizeof cpu, " client_cpu_us=%.2f hub_cpu_us=%.2f",
                 (my_now - my_cpu) * 1e6 / (double)log.events,
                 (hub_now - hub_cpu) * 1e6 / (double)log.events);
    printf("test=catchup client=wire events=%ld seconds=%.3f rate=%.0f/s%s\n", log.events, secs,
           log.events / secs, cpu);
    rc = 0;
done:
    if (rc)
        fprintf(stderr, "wire_catchup_bench: the catch-up did not complete\n");
    if (sub)
        wire_close(sub);
    feed_env_close(e);
    if (ctx)
        zmq_ctx_term(ctx);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: wire_catchup_bench BIN_DIR CONFIG_DIR WORK_DIR [N [WINDOW]]\n");
        return 2;
    }
    long n = peer_arg(argc, argv, 4, 200000), window = peer_arg(argc, argv, 5, 4096);
    if (n < 1 || window < 1) {
        fprintf(stderr, "wire_catchup_bench: N and WINDOW at least 1\n");
        return 2;
    }
    feed_env e = {.bin = argv[1], .conf = argv[2]};
    return run(&e, argv[3], n, window);
}

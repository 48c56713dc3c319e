/* wire_probe.c — a test tool that talks to a hub below the agent: it sends
 * frames an agent would never send (garbage, oversized, multi-part, items
 * the agent would refuse, publishes without Hello) and prints what the hub
 * answers, one line per reply:
 *
 *   ack SEQ dup=0|1
 *   nack REASON FIELD: TEXT
 *   welcome | heartbeat | none (no answer within the timeout)
 *
 * usage: wire_probe ENDPOINT CODE MODE [ARG]
 *   garbage N        N random bytes as a frame (no Hello)
 *   multipart        a three-part message
 *   no-hello FILE    a publish of the JSON item in FILE without Hello
 *   publish FILE     Hello as CODE, then publish the JSON item(s) in FILE
 *                    (one per line) unvalidated, outbox sequences from 1
 *   oversize N       Hello, then a publish whose item is N bytes
 *   hello            Hello as CODE only
 *   publish-all FILE BATCH
 *                    Hello as CODE (asking for AckBatch frames when BATCH
 *                    is 1) and every item of FILE right after it, without
 *                    waiting; then reads the answers until each item has
 *                    one (or none for 5 s) and prints one line:
 *     answered=N acks=A nacks=K frames=F most=M order=ok|wrong
 *                    most: the most Acks in one frame; order: the answers
 *                    came in outbox order.
 *   jobs N WINDOW BATCH
 *                    Hello, then an ephemeral subscription to every job
 *                    from the start with credit WINDOW, asking for
 *                    EventBatch frames when BATCH is 1; acknowledges once
 *                    half the credit is used or nothing more comes, and
 *                    once N events came (or none for 5 s) prints one line:
 *     events=E frames=F most=M single=S batch=B chain=ok|broken window=ok|exceeded
 *                    most: the most events in one frame; single, batch: the
 *                    frames of each type; chain: every prev_seq names the
 *                    event before; window: never more than WINDOW events
 *                    unacknowledged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "agent_config.h"
#include "codec.h"
#include "domain.pb-c.h"
#include "json.h"

static void *sock;
static int ack_batch; /* the Hello asks for AckBatch frames */

static void print_reply(void)
{
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, 5000) <= 0) {
        puts("none");
        return;
    }
    Cjx__Frame *fr = NULL;
    cjx_fault fault;
    if (cjx_frame_recv(sock, 64 << 20, 0, &fr, &fault) != CJX_OK) {
        printf("undecodable %s\n", fault.text);
        return;
    }
    switch (fr->msg_case) {
    case CJX__FRAME__MSG_ACK:
        printf("ack %llu dup=%d\n", (unsigned long long)fr->ack->seq, fr->ack->duplicate);
        break;
    case CJX__FRAME__MSG_NACK:
        printf("nack %s %s: %s\n", cjx_err_name((int)fr->nack->reason), fr->nack->field,
               fr->nack->text);
        break;
    case CJX__FRAME__MSG_WELCOME: puts("welcome"); break;
    case CJX__FRAME__MSG_HEARTBEAT: puts("heartbeat"); break;
    default: printf("frame %d\n", (int)fr->msg_case);
    }
    cjx__frame__free_unpacked(fr, NULL);
}

/* Says Hello as an agent does, describing the institution by the kind its
 * code suggests, so the publish policy applies as to an agent. */
static void say_hello(const char *code)
{
    Cjx__Institution self = CJX__INSTITUTION__INIT;
    self.credit_code = (char *)code;
    self.name = "wire_probe";
    self.kind = (Cjx__InstitutionKind)cjx_default_institution_kind(code);
    cjx_send_hello(sock, code, "wire_probe", &self, 0, ack_batch, 0);
}

/* say_hello, then prints the answer. */
static void send_hello(const char *code)
{
    say_hello(code);
    print_reply();
}

static void send_publish(uint64_t oseq, const void *item, size_t len)
{
    cjx_send_publish(sock, oseq, item, len, 0);
    print_reply();
}

/* Publishes each JSON line of path, mapped to an Item but not validated;
 * with await_each, prints the answer to each before the next. The number
 * of items sent goes to *sent (may be NULL). */
static int publish_file(const char *path, int await_each, uint64_t *sent)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        perror(path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    uint64_t oseq = 0;
    while (getline(&line, &cap, in) > 0) {
        ProtobufCMessage *msg = NULL;
        cjx_fault fault;
        if (cjx_json_parse_message(line, strlen(line), &cjx__item__descriptor, &msg, &fault)) {
            printf("bad-json %s: %s\n", fault.field, fault.text);
            continue;
        }
        size_t len = protobuf_c_message_get_packed_size(msg);
        uint8_t *buf = malloc(len + 1);
        protobuf_c_message_pack(msg, buf);
        cjx_send_publish(sock, ++oseq, buf, len, 0);
        if (await_each)
            print_reply();
        free(buf);
        protobuf_c_message_free_unpacked(msg, NULL);
    }
    free(line);
    fclose(in);
    if (sent)
        *sent = oseq;
    return 0;
}

/* The publish-all mode (see the top). */
static int publish_all(const char *code, const char *path)
{
    say_hello(code);
    uint64_t sent = 0, answered = 0, last = 0;
    long acks = 0, nacks = 0, frames = 0, most = 0;
    int wrong = 0;
    if (publish_file(path, 0, &sent))
        return 1;
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    while (answered < sent && zmq_poll(&item, 1, 5000) > 0) {
        Cjx__Frame *fr = NULL;
        cjx_fault fault;
        if (cjx_frame_recv(sock, 64 << 20, 0, &fr, &fault) != CJX_OK)
            break;
        Cjx__Ack **list = &fr->ack;
        size_t n = 0;
        if (fr->msg_case == CJX__FRAME__MSG_ACK)
            n = 1;
        else if (fr->msg_case == CJX__FRAME__MSG_ACK_BATCH)
            n = fr->ack_batch->n_acks, list = fr->ack_batch->acks;
        for (size_t i = 0; i < n; i++) {
            wrong |= list[i]->outbox_seq != last + 1;
            last = list[i]->outbox_seq;
        }
        answered += n;
        if (fr->msg_case == CJX__FRAME__MSG_NACK) {
            wrong |= fr->nack->outbox_seq != last + 1;
            last = fr->nack->outbox_seq;
            answered++;
            nacks++;
        }
        acks += (long)n;
        frames += fr->msg_case != CJX__FRAME__MSG_WELCOME;
        most = (long)n > most ? (long)n : most;
        cjx__frame__free_unpacked(fr, NULL);
    }
    printf("answered=%llu acks=%ld nacks=%ld frames=%ld most=%ld order=%s\n",
           (unsigned long long)answered, acks, nacks, frames, most, wrong ? "wrong" : "ok");
    return 0;
}

/* The events of a feed frame: *evs and how many; 0 for other frames. */
static size_t events_of(Cjx__Frame *fr, Cjx__Event ***evs)
{
    if (fr->msg_case == CJX__FRAME__MSG_EVENT) {
        *evs = &fr->event;
        return 1;
    }
    if (fr->msg_case == CJX__FRAME__MSG_EVENT_BATCH) {
        *evs = fr->event_batch->events;
        return fr->event_batch->n_events;
    }
    return 0;
}

static int subscribe_jobs(long n, uint32_t window, int batch)
{
    char *kinds[] = {"job"};
    Cjx__Subscription sub = CJX__SUBSCRIPTION__INIT, *subs[] = {&sub};
    sub.name = "probe";
    sub.kinds = kinds;
    sub.n_kinds = 1;
    sub.ephemeral = 1;
    Cjx__Subscribe m = CJX__SUBSCRIBE__INIT;
    m.subscriptions = subs;
    m.n_subscriptions = 1;
    m.window = window;
    m.batch = batch != 0;
    Cjx__Frame out = CJX__FRAME__INIT;
    out.msg_case = CJX__FRAME__MSG_SUBSCRIBE;
    out.subscribe = &m;
    cjx_frame_send(sock, NULL, 0, &out, 0);
    long events = 0, frames = 0, most = 0, singles = 0, batches = 0, acked = 0;
    uint64_t last = 0;
    int broken = 0, exceeded = 0;
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    while (events < n && zmq_poll(&item, 1, 5000) > 0) {
        Cjx__Frame *fr = NULL;
        cjx_fault fault;
        if (cjx_frame_recv(sock, 64 << 20, 0, &fr, &fault) != CJX_OK)
            continue;
        Cjx__Event **evs;
        size_t k = events_of(fr, &evs);
        if (k) {
            frames++;
            most = (long)k > most ? (long)k : most;
            singles += fr->msg_case == CJX__FRAME__MSG_EVENT;
            batches += fr->msg_case == CJX__FRAME__MSG_EVENT_BATCH;
            for (size_t i = 0; i < k; i++) {
                broken |= evs[i]->prev_seq != last;
                last = evs[i]->seq;
            }
            events += (long)k;
            exceeded |= events - acked > (long)window;
        }
        cjx__frame__free_unpacked(fr, NULL);
        /* acknowledge late (half the credit used, or nothing more coming),
         * so that the hub's count of what is unacknowledged is put to use */
        if (events > acked && (events - acked >= (long)window / 2 || zmq_poll(&item, 1, 100) == 0)) {
            cjx_send_event_ack(sock, "probe", last, 0);
            acked = events;
        }
    }
    printf("events=%ld frames=%ld most=%ld single=%ld batch=%ld chain=%s window=%s\n", events,
           frames, most, singles, batches, broken ? "broken" : "ok",
           exceeded ? "exceeded" : "ok");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: wire_probe ENDPOINT CODE MODE [ARG]\n");
        return 2;
    }
    const char *mode = argv[3], *arg = argc > 4 ? argv[4] : "0";
    void *ctx = zmq_ctx_new();
    sock = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(sock, argv[1]) != 0) {
        fprintf(stderr, "cannot connect to %s\n", argv[1]);
        return 1;
    }
    int rc = 0;
    if (strcmp(mode, "garbage") == 0) {
        size_t n = strtoul(arg, NULL, 10);
        uint8_t *buf = malloc(n + 1);
        srand(42);
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)rand();
        zmq_send(sock, buf, n, 0);
        free(buf);
        print_reply();
    } else if (strcmp(mode, "multipart") == 0) {
        zmq_send(sock, "a", 1, ZMQ_SNDMORE);
        zmq_send(sock, "b", 1, ZMQ_SNDMORE);
        zmq_send(sock, "c", 1, 0);
        print_reply();
    } else if (strcmp(mode, "no-hello") == 0) {
        rc = publish_file(arg, 1, NULL);
    } else if (strcmp(mode, "publish") == 0) {
        send_hello(argv[2]);
        rc = publish_file(arg, 1, NULL);
    } else if (strcmp(mode, "publish-all") == 0 && argc > 5) {
        ack_batch = atoi(argv[5]);
        rc = publish_all(argv[2], arg);
    } else if (strcmp(mode, "oversize") == 0) {
        send_hello(argv[2]);
        size_t n = strtoul(arg, NULL, 10);
        uint8_t *buf = calloc(1, n + 1);
        send_publish(1, buf, n);
        free(buf);
    } else if (strcmp(mode, "hello") == 0) {
        send_hello(argv[2]);
    } else if (strcmp(mode, "jobs") == 0 && argc > 6) {
        send_hello(argv[2]);
        rc = subscribe_jobs(atol(argv[4]), (uint32_t)atol(argv[5]), atoi(argv[6]));
    } else {
        fprintf(stderr, "wire_probe: unknown mode %s\n", mode);
        rc = 2;
    }
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return rc;
}

/* wire_session.c — benchmark sessions of the cjx wire protocol (see
 * wire_session.h). */
#include "wire_session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "bench_util.h"
#include "codec.h"
#include "validate.h"

#define MAX_REPLY_BYTES (256 << 20)
#define REPLY_TIMEOUT_MS 60000

/* ---- sessions ---- */

void *wire_open(void *ctx, const char *ep, const char *code, const Cjx__Institution *self)
{
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 1000, timeout = REPLY_TIMEOUT_MS;
    if (!sock || zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_setsockopt(sock, ZMQ_RCVTIMEO, &timeout, sizeof timeout) ||
        zmq_connect(sock, ep) || cjx_send_hello(sock, code, "cjx-bench", self, 0, 1, 0)) {
        fprintf(stderr, "bench: cannot open a session for %s: %s\n", code, zmq_strerror(errno));
        if (sock)
            zmq_close(sock);
        return NULL;
    }
    return sock;
}

int wire_send(void *sock, Cjx__Frame *fr)
{
    if (cjx_frame_send(sock, NULL, 0, fr, 0) == CJX_OK)
        return 0;
    fprintf(stderr, "bench: cannot send: %s\n", zmq_strerror(errno));
    return -1;
}

void wire_close(void *sock)
{
    Cjx__Bye bye = CJX__BYE__INIT;
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_BYE;
    fr.bye = &bye;
    cjx_frame_send(sock, NULL, 0, &fr, ZMQ_DONTWAIT);
    zmq_close(sock);
}

/* What a reply answers: a request id, or the outbox sequence of an Ack. */
static uint64_t answer_to(const Cjx__Frame *fr)
{
    switch (fr->msg_case) {
    case CJX__FRAME__MSG_REPORT: return fr->report->request_id;
    case CJX__FRAME__MSG_HUB_STATUS: return fr->hub_status->request_id;
    case CJX__FRAME__MSG_SEARCH_RESULT: return fr->search_result->request_id;
    case CJX__FRAME__MSG_ACK: return fr->ack->outbox_seq;
    default: return 0;
    }
}

/* Whether the AckBatch fr acknowledges outbox sequence id. */
static int batch_acks(const Cjx__Frame *fr, uint64_t id)
{
    for (size_t i = 0; i < fr->ack_batch->n_acks; i++)
        if (fr->ack_batch->acks[i]->outbox_seq == id)
            return 1;
    return 0;
}

Cjx__Frame *wire_await(void *sock, Cjx__Frame__MsgCase want, uint64_t id, const char *what)
{
    for (;;) {
        Cjx__Frame *fr = NULL;
        cjx_fault f = {0};
        cjx_err rc = cjx_frame_recv(sock, MAX_REPLY_BYTES, 0, &fr, &f);
        if (rc != CJX_OK) {
            fprintf(stderr, "bench: %s: %s\n", what,
                    rc == CJX_ETIMEOUT ? "no answer in time" : f.text);
            return NULL;
        }
        if (fr->msg_case == CJX__FRAME__MSG_NACK) {
            fprintf(stderr, "bench: %s: refused: %s %s: %s\n", what,
                    cjx_err_name((int)fr->nack->reason), fr->nack->field, fr->nack->text);
            cjx__frame__free_unpacked(fr, NULL);
            return NULL;
        }
        if (fr->msg_case == want && (!id || answer_to(fr) == id))
            return fr;
        if (want == CJX__FRAME__MSG_ACK && fr->msg_case == CJX__FRAME__MSG_ACK_BATCH &&
            (!id || batch_acks(fr, id)))
            return fr; /* sessions take AckBatch frames (wire_open) */
        cjx__frame__free_unpacked(fr, NULL);
    }
}

Cjx__Frame *wire_ask(void *sock, Cjx__Frame *fr, Cjx__Frame__MsgCase want, uint64_t id,
                     const char *what)
{
    return wire_send(sock, fr) ? NULL : wire_await(sock, want, id, what);
}

void *wire_welcomed(void *ctx, const char *ep, const char *code, const Cjx__Institution *self,
                    uint64_t *last_outbox_seq)
{
    void *sock = wire_open(ctx, ep, code, self);
    Cjx__Frame *fr = sock ? wire_await(sock, CJX__FRAME__MSG_WELCOME, 0, "Hello") : NULL;
    if (!fr) {
        if (sock)
            zmq_close(sock);
        return NULL;
    }
    if (last_outbox_seq)
        *last_outbox_seq = fr->welcome->last_outbox_seq;
    cjx__frame__free_unpacked(fr, NULL);
    return sock;
}

void *wire_welcomed_as(void *ctx, const char *ep, const char *code, Cjx__InstitutionKind kind)
{
    Cjx__Institution self = CJX__INSTITUTION__INIT;
    self.credit_code = (char *)code;
    self.kind = kind;
    return wire_welcomed(ctx, ep, code, &self, NULL);
}

/* ---- feeds ---- */

int wire_subscribe(void *sock, const char *name, uint32_t window)
{
    char *kinds[] = {"training_completion"};
    Cjx__Subscription sub = CJX__SUBSCRIPTION__INIT;
    sub.name = (char *)name;
    sub.n_kinds = 1;
    sub.kinds = kinds;
    Cjx__Subscription *subs[] = {&sub};
    Cjx__Subscribe m = CJX__SUBSCRIBE__INIT;
    m.n_subscriptions = 1;
    m.subscriptions = subs;
    m.window = window;
    m.batch = 1;
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_SUBSCRIBE;
    fr.subscribe = &m;
    Cjx__Frame *got = wire_ask(sock, &fr, CJX__FRAME__MSG_SUBSCRIBED, 0, "Subscribe");
    if (got)
        cjx__frame__free_unpacked(got, NULL);
    return got ? 0 : -1;
}

/* ---- keeping a session ---- */

int wire_heartbeat(void *sock)
{
    Cjx__Heartbeat hb = CJX__HEARTBEAT__INIT;
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_HEARTBEAT;
    fr.heartbeat = &hb;
    return cjx_frame_send(sock, NULL, 0, &fr, ZMQ_DONTWAIT) == CJX_OK ? 0 : -1;
}

int wire_keepalive(void *sock)
{
    Cjx__Frame *got = wire_heartbeat(sock) ? NULL
                                           : wire_await(sock, CJX__FRAME__MSG_HEARTBEAT, 0,
                                                        "heartbeat");
    if (got)
        cjx__frame__free_unpacked(got, NULL);
    return got ? 0 : -1;
}

/* ---- publishing ---- */

/* One source's session. */
typedef struct publisher {
    void *sock;
    const wire_source *src;            /* NULL: the slot is free */
    size_t sent, answered;
    int welcomed;
    int blocked;                       /* its send queue was full */
} publisher;

/* Notes a refusal of item outbox_seq of p (the first one's reason kept). */
static void refused(wire_load_result *res, const publisher *p, const Cjx__Nack *n)
{
    if (res->refused++)
        return;
    const char *kind = "?";
    Cjx__Item *item = NULL;
    if (n->outbox_seq >= 1 && n->outbox_seq <= p->src->nitems) {
        const ProtobufCBinaryData *b = &p->src->items[n->outbox_seq - 1];
        item = cjx__item__unpack(NULL, b->len, b->data);
        kind = !item ? "?" : cjx_item_kind(item) ? cjx_item_kind(item) : "status_change";
    }
    snprintf(res->first_refusal, sizeof res->first_refusal, "%s %s (outbox_seq %llu): %s %s: %s",
             p->src->code, kind, (unsigned long long)n->outbox_seq,
             cjx_err_name((int)n->reason), n->field, n->text);
    if (item)
        cjx__item__free_unpacked(item, NULL);
}

/* Reads every reply waiting for p. Returns 0, or -1 when its session is
 * refused or the hub already holds items of it (not a fresh store). */
static int take_replies(publisher *p, wire_load_result *res)
{
    for (;;) {
        Cjx__Frame *fr = NULL;
        cjx_fault f = {0};
        cjx_err rc = cjx_frame_recv(p->sock, MAX_REPLY_BYTES, ZMQ_DONTWAIT, &fr, &f);
        if (rc == CJX_ETIMEOUT)
            return 0;
        if (rc != CJX_OK) {
            fprintf(stderr, "bench: a reply to %s: %s\n", p->src->code, f.text);
            return -1;
        }
        int bad = 0;
        if (fr->msg_case == CJX__FRAME__MSG_WELCOME) {
            p->welcomed = 1;
            if (fr->welcome->last_outbox_seq) {
                fprintf(stderr, "bench: the hub holds items of %s already\n", p->src->code);
                bad = 1;
            }
        } else if (fr->msg_case == CJX__FRAME__MSG_ACK) {
            p->answered++;
            res->acked++;
        } else if (fr->msg_case == CJX__FRAME__MSG_ACK_BATCH) {
            p->answered += fr->ack_batch->n_acks;
            res->acked += (long)fr->ack_batch->n_acks;
        } else if (fr->msg_case == CJX__FRAME__MSG_NACK && fr->nack->outbox_seq) {
            p->answered++;
            refused(res, p, fr->nack);
        } else if (fr->msg_case == CJX__FRAME__MSG_NACK) {
            fprintf(stderr, "bench: the session of %s was refused: %s %s: %s\n", p->src->code,
                    cjx_err_name((int)fr->nack->reason), fr->nack->field, fr->nack->text);
            bad = 1;
        }
        cjx__frame__free_unpacked(fr, NULL);
        if (bad)
            return -1;
    }
}

/* Sends p's next items while fewer than window are unanswered. */
static int feed(publisher *p, size_t window)
{
    p->blocked = 0;
    while (p->sent < p->src->nitems && p->sent - p->answered < window) {
        const ProtobufCBinaryData *b = &p->src->items[p->sent];
        if (cjx_send_publish(p->sock, p->sent + 1, b->data, b->len, ZMQ_DONTWAIT) != CJX_OK) {
            if (errno == EAGAIN) {
                p->blocked = 1; /* the poll waits for room too */
                return 0;
            }
            fprintf(stderr, "bench: publishing for %s: %s\n", p->src->code,
                    zmq_strerror(errno));
            return -1;
        }
        p->sent++;
    }
    return 0;
}

int wire_load(void *ctx, const char *ep, const wire_source *src, size_t n, size_t sessions,
              size_t window, double timeout_s, wire_load_result *res)
{
    publisher *slots = calloc(sessions, sizeof *slots);
    zmq_pollitem_t *items = calloc(sessions, sizeof *items);
    size_t *slot_of = calloc(sessions, sizeof *slot_of);
    size_t next = 0, active = 0;
    double start = bench_now_s(), deadline = start + timeout_s;
    int rc = slots && items && slot_of ? 0 : -1;
    while (rc == 0 && (next < n || active)) {
        for (size_t i = 0; rc == 0 && i < sessions && next < n; i++) {
            if (slots[i].src)
                continue;
            slots[i] = (publisher){.sock = wire_open(ctx, ep, src[next].code, src[next].self),
                                   .src = &src[next]};
            next++;
            if (!slots[i].sock)
                rc = -1;
            else
                active++;
        }
        size_t polled = 0;
        for (size_t i = 0; i < sessions; i++)
            if (slots[i].src && slots[i].sock) {
                items[polled] = (zmq_pollitem_t){
                    slots[i].sock, 0, ZMQ_POLLIN | (slots[i].blocked ? ZMQ_POLLOUT : 0), 0};
                slot_of[polled++] = i;
            }
        if (rc == 0 && zmq_poll(items, (int)polled, 100) < 0 && errno != EINTR)
            rc = -1;
        for (size_t j = 0; rc == 0 && j < polled; j++)
            if (items[j].revents & ZMQ_POLLIN)
                rc = take_replies(&slots[slot_of[j]], res);
        for (size_t i = 0; rc == 0 && i < sessions; i++) {
            publisher *p = &slots[i];
            if (!p->src || !p->welcomed)
                continue;
            rc = feed(p, window);
            if (p->answered == p->src->nitems) {
                wire_close(p->sock);
                memset(p, 0, sizeof *p);
                active--;
                res->institutions++;
            }
        }
        if (rc == 0 && bench_now_s() > deadline) {
            fprintf(stderr, "bench: publishing took more than %.0f s\n", timeout_s);
            rc = -1;
        }
    }
    for (size_t i = 0; slots && i < sessions; i++)
        if (slots[i].sock)
            zmq_close(slots[i].sock);
    free(slots);
    free(items);
    free(slot_of);
    res->seconds = bench_now_s() - start;
    return rc;
}

/* wire_session.h — the cjx wire protocol as the benchmarks speak it without
 * agent processes: DEALER sessions that say Hello as an institution, ask the
 * hub and await its answers, and publish lists of packed items with a
 * window of unacknowledged ones, as an agent does but keeping nothing on
 * disk (the peers' benchmark clients keep nothing either). Like agents,
 * they take their Acks in AckBatch frames.
 */
#ifndef CJX_BENCH_WIRE_SESSION_H
#define CJX_BENCH_WIRE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "protocol.pb-c.h"

/* Opens a DEALER session to the hub at ep and says Hello as code (self, when
 * not NULL, is what the Hello says of the institution: the hub makes its
 * registry entry from it). Returns the socket, or NULL (reason on stderr). */
void *wire_open(void *ctx, const char *ep, const char *code, const Cjx__Institution *self);
/* wire_open, then waits for Welcome; the hub's newest outbox sequence of
 * code goes to *last_outbox_seq (may be NULL). */
void *wire_welcomed(void *ctx, const char *ep, const char *code, const Cjx__Institution *self,
                    uint64_t *last_outbox_seq);
/* wire_welcomed as institution code of kind, saying of itself what its
 * agent would (agent_config.c). */
void *wire_welcomed_as(void *ctx, const char *ep, const char *code, Cjx__InstitutionKind kind);
/* Says Bye (the hub forgets the session at once) and closes sock. */
void wire_close(void *sock);

/* Sends fr; 0 or -1 (reason on stderr). */
int wire_send(void *sock, Cjx__Frame *fr);
/* Waits for the frame of case want answering id (a request id, or an Ack's
 * outbox sequence; 0: any) on sock, skipping others; an Ack may come in an
 * AckBatch, which is then the frame returned. A Nack, a timeout or a broken
 * frame fails, the reason on stderr with `what`. Returns the frame (caller
 * frees) or NULL. */
Cjx__Frame *wire_await(void *sock, Cjx__Frame__MsgCase want, uint64_t id, const char *what);
/* wire_send, then wire_await. */
Cjx__Frame *wire_ask(void *sock, Cjx__Frame *fr, Cjx__Frame__MsgCase want, uint64_t id,
                     const char *what);
/* A heartbeat and its answer: a session silent for three heartbeat
 * intervals is dropped by the hub. Returns 0 or -1. */
int wire_keepalive(void *sock);
/* A heartbeat alone, not waiting (its answer is for the caller's reader to
 * skip). Returns 0 or -1 (the send queue is full). */
int wire_heartbeat(void *sock);

/* Subscribes sock to the durable feed `name` of training completions,
 * window unacknowledged events, taking EventBatch frames; waits for
 * Subscribed. Returns 0 or -1 (reason on stderr). */
int wire_subscribe(void *sock, const char *name, uint32_t window);

/* What one institution publishes. */
typedef struct wire_source {
    const char *code;
    const Cjx__Institution *self;      /* for its Hello; NULL: nothing said */
    const ProtobufCBinaryData *items;  /* packed Items, outbox sequence 1, 2… */
    size_t nitems;
} wire_source;

typedef struct wire_load_result {
    size_t institutions;               /* all of whose items were answered */
    long acked, refused;
    char first_refusal[768];
    double seconds;
} wire_load_result;

/* Publishes the items of the n sources, a session each, at most `sessions`
 * at once, each with at most `window` unanswered; a session says Bye once
 * every item of it is answered. Returns 0 when every item was answered
 * (refusals are counted in res, not failures here), -1 otherwise (a refused
 * session, a hub already holding items of a source, or timeout_s passed). */
int wire_load(void *ctx, const char *ep, const wire_source *src, size_t n, size_t sessions,
              size_t window, double timeout_s, wire_load_result *res);

#endif

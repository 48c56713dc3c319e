/* agent_link.c — the agent's session with the hub.
 *
 * Say Hello; once Welcome arrives, send the outbox in sequence order with at
 * most `window` publishes in flight; settle acknowledged and refused items in
 * one outbox transaction per drain. Anything that breaks the session (the
 * hub restarted and answers "no session", or the hub went silent for three
 * heartbeats) starts a new one, and the new session resends everything still
 * in the outbox from its first item: the hub's deduplication makes the
 * resend harmless, so nothing is ever acknowledged twice or lost.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "agent.h"
#include "codec.h"
#include "import.h"
#include "keys.h"
#include "personal.h"
#include "validate.h"
#include "log.h"

/* How often an idle READY agent looks for new outbox items, in ms, when
 * nothing wakes it sooner: a write to the outbox's store does when it can
 * be watched (watch_outbox), and then the look is only a safety net. */
#define OUTBOX_POLL_MS 10
#define OUTBOX_WATCHED_POLL_MS 1000
/* Pause before a new session, doubled while sessions keep failing. */
#define RESTART_BACKOFF_MIN_MS 50
#define RESTART_BACKOFF_MAX_MS 5000

int64_t agent_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_sockets(agent *a)
{
    if (a->monitor)
        zmq_close(a->monitor);
    if (a->sock)
        zmq_close(a->sock);
    a->monitor = a->sock = NULL;
}

/* Has ZeroMQ report a handshake the hub refused (its ZAP handler does not
 * know our key, or it was revoked) on a->monitor: nothing else tells. */
static int watch_handshakes(agent *a)
{
    static unsigned serial;
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://cjx-agent-handshakes-%u", serial++);
    if (zmq_socket_monitor(a->sock, ep, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0)
        return -1;
    a->monitor = zmq_socket(a->zctx, ZMQ_PAIR);
    int linger = 0;
    return a->monitor && zmq_setsockopt(a->monitor, ZMQ_LINGER, &linger, sizeof linger) == 0 &&
                   zmq_connect(a->monitor, ep) == 0
               ? 0
               : -1;
}

/* True when the monitor reported that the hub refused our key. */
static int key_refused(agent *a)
{
    zmq_msg_t event;
    int refused = 0;
    zmq_msg_init(&event);
    while (zmq_msg_recv(&event, a->monitor, ZMQ_DONTWAIT) >= 0) {
        /* an event is two frames: id (2 bytes) and value, then the endpoint */
        if (zmq_msg_more(&event) && zmq_msg_size(&event) >= 2) {
            uint16_t id;
            memcpy(&id, zmq_msg_data(&event), sizeof id);
            refused |= id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
        }
        zmq_msg_close(&event);
        zmq_msg_init(&event);
    }
    zmq_msg_close(&event);
    return refused;
}

/* Opens a new socket to the hub and says Hello. A previous socket and all it
 * still queued are dropped. */
static int connect_hub(agent *a)
{
    close_sockets(a);
    a->sock = zmq_socket(a->zctx, ZMQ_DEALER);
    if (!a->sock || watch_handshakes(a) != 0)
        return -1;
    int linger = 0, hwm = (int)a->cfg.window + 1024;
    zmq_setsockopt(a->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(a->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(a->sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    cjx_fault fault;
    if (cjx_curve_client(a->sock, a->cfg.secret_key_file, a->cfg.hub_public_key, &fault)) {
        CJX_LOG(CJX_LOG_CRIT, "link.keys", a->cfg.credit_code, "%s: %s", fault.field, fault.text);
        return -1;
    }
    if (zmq_connect(a->sock, a->cfg.hub) != 0) {
        CJX_LOG(CJX_LOG_ERR, "link.connect", a->cfg.credit_code, "cannot connect to %s: %s",
                a->cfg.hub, zmq_strerror(errno));
        return -1;
    }
    a->state = AGENT_HELLO_SENT;
    a->sent_upto = 0;
    a->inflight = 0;
    a->hello_ms = a->last_heard_ms = agent_now_ms();
    Cjx__Institution self;
    cjx_agent_config_institution(&a->cfg, &self);
    return cjx_send_hello(a->sock, a->cfg.credit_code, "cjx-agent " CJX_VERSION, &self, 1, 1,
                          ZMQ_DONTWAIT) == CJX_OK ? 0 : -1;
}

/* Has inotify report writes to the store's data file, so that an item
 * `cjx post` (or an import) commits in another process is sent at once, not
 * at the next look OUTBOX_POLL_MS later. The agent's own commits wake it
 * too, once each: it then finds nothing new. Sets a->outbox_watch, or -1
 * (then polling alone finds new items). */
static void watch_outbox(agent *a)
{
    const char *dir = NULL;
    char path[CJX_CONF_STRMAX + 16];
    a->outbox_watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (a->outbox_watch < 0)
        return;
    if (mdb_env_get_path(cjx_outbox_store(a->outbox)->env, &dir) == 0 &&
        snprintf(path, sizeof path, "%s/data.mdb", dir) < (int)sizeof path &&
        inotify_add_watch(a->outbox_watch, path, IN_MODIFY) >= 0)
        return;
    CJX_LOG(CJX_LOG_WARNING, "outbox.watch", a->cfg.credit_code,
            "cannot watch the outbox store (%s): new items are found by polling",
            strerror(errno));
    close(a->outbox_watch);
    a->outbox_watch = -1;
}

/* Empties the watch's queue: one wake-up covers every write so far. A
 * write wakes the agent before the commit it belongs to can be read (LMDB
 * makes it visible, through the transaction id in its lock file, just
 * after its last write to the data file), and a look in between would find
 * nothing, with nothing to wake the agent again before the next write or
 * OUTBOX_WATCHED_POLL_MS (seen: the last items of a burst sent 1 s late,
 * one run in two); so the agent first waits out the writer. */
static void outbox_written(agent *a)
{
    char buf[4096];
    int written = 0;
    while (a->outbox_watch >= 0 && read(a->outbox_watch, buf, sizeof buf) > 0)
        written = 1;
    if (written)
        cjx_store_wait_writers(cjx_outbox_store(a->outbox));
}

int agent_link_start(agent *a)
{
    watch_outbox(a);
    a->heartbeat_ms = a->cfg.heartbeat_ms;
    a->zctx = zmq_ctx_new();
    if (!a->zctx || connect_hub(a) != 0)
        return 1;
    CJX_LOG(CJX_LOG_NOTICE, "agent.start", a->cfg.credit_code, "%s: outbox %s, hub %s",
            a->cfg.name, a->cfg.data_dir, a->cfg.hub);
    return 0;
}

void agent_link_stop(agent *a)
{
    close_sockets(a);
    if (a->outbox_watch >= 0)
        close(a->outbox_watch);
    a->outbox_watch = -1;
    if (a->zctx)
        zmq_ctx_term(a->zctx);
    a->sock = a->zctx = NULL;
    for (size_t i = 0; i < a->nrefused; i++)
        cjx__nack__free_unpacked(a->refused[i], NULL);
    free(a->acked);
    free(a->refused);
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? 2 * *cap : 1024;
    void *p = realloc(*arr, ncap * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

/* Writes the acks and refusals collected in this drain to the outbox. */
static int settle(agent *a)
{
    if (!a->nacked && !a->nrefused)
        return 0;
    cjx_fault fault;
    cjx_err rc = cjx_outbox_settle(a->outbox, a->acked, a->nacked, a->refused, a->nrefused,
                                   &fault);
    if (rc) {
        CJX_LOG(CJX_LOG_ERR, "outbox.settle", a->cfg.credit_code, "%s", fault.text);
        return -1; /* unsettled items are resent and deduplicated */
    }
    /* a refused row imported again must be sent again, not skipped as unchanged */
    if (cjx_import_forget(a->outbox, a->refused, a->nrefused, &fault))
        CJX_LOG(CJX_LOG_ERR, "import.forget", a->cfg.credit_code, "%s", fault.text);
    a->total_acked += a->nacked;
    a->total_refused += a->nrefused;
    for (size_t i = 0; i < a->nrefused; i++)
        cjx__nack__free_unpacked(a->refused[i], NULL);
    a->nacked = a->nrefused = 0;
    return 0;
}

static int on_welcome(agent *a, const Cjx__Welcome *w)
{
    if (w->heartbeat_ms)
        a->heartbeat_ms = w->heartbeat_ms;
    cjx_outbox_stats st;
    cjx_fault fault;
    if (cjx_outbox_stat(a->outbox, &st, &fault) == CJX_OK && w->last_outbox_seq >= st.next_seq) {
        /* The hub holds sequences this outbox never gave out: our store was
         * reset. Renumber, or the hub would drop new items as duplicates. */
        size_t moved = 0;
        if (cjx_outbox_skip_past(a->outbox, w->last_outbox_seq, &moved, &fault) == CJX_OK)
            CJX_LOG(CJX_LOG_CRIT, "outbox.reset", a->cfg.credit_code,
                    "hub holds outbox sequences up to %llu but this outbox was at %llu: "
                    "was the data folder reset? %zu pending items renumbered",
                    (unsigned long long)w->last_outbox_seq,
                    (unsigned long long)st.next_seq, moved);
    }
    a->npersonal_kinds = 0;
    for (size_t i = 0; i < w->n_personal_kinds && i < AGENT_PERSONAL_KINDS; i++)
        snprintf(a->personal_kinds[a->npersonal_kinds++], sizeof a->personal_kinds[0], "%s",
                 w->personal_kinds[i]);
    a->state = AGENT_READY;
    a->last_beat_ms = agent_now_ms();
    CJX_LOG(CJX_LOG_INFO, "link.welcome", a->cfg.credit_code, "hub at seq %llu",
            (unsigned long long)w->last_seq);
    return agent_replica_start(a, w->store_id) == 0 ? 0 : LINK_RESTART;
}

/* Hands one event to the replica or to a feed, which may take its bytes. */
static int on_event(agent *a, Cjx__Event *ev)
{
    int rc = agent_replica_is_name(ev->subscription) ? agent_replica_on_event(a, ev)
                                                     : agent_feeds_on_event(a, ev);
    if (rc == 0)
        a->backoff_ms = 0; /* the session works */
    return rc;
}

/* Notes that the hub stored item outbox_seq; it is settled at the end of
 * the drain. */
static void on_ack(agent *a, uint64_t outbox_seq)
{
    if (grow((void **)&a->acked, &a->acked_cap, a->nacked, sizeof *a->acked))
        return; /* unsettled, so resent later */
    a->acked[a->nacked++] = outbox_seq;
    a->backoff_ms = 0;
    if (a->inflight)
        a->inflight--;
}

/* Handles one frame from the hub. Returns -1 when the session must restart. */
static int on_frame(agent *a, Cjx__Frame *fr)
{
    switch (fr->msg_case) {
    case CJX__FRAME__MSG_WELCOME:
        return on_welcome(a, fr->welcome);
    case CJX__FRAME__MSG_ACK:
        on_ack(a, fr->ack->outbox_seq);
        return 0;
    case CJX__FRAME__MSG_ACK_BATCH:
        for (size_t i = 0; i < fr->ack_batch->n_acks; i++)
            on_ack(a, fr->ack_batch->acks[i]->outbox_seq);
        return 0;
    case CJX__FRAME__MSG_NACK: {
        Cjx__Nack *n = fr->nack;
        if (n->reason == CJX_ENOSESSION)
            return a->state == AGENT_READY ? LINK_RESTART : 0;
        if (n->request_id == AGENT_SNAPSHOT_REQUEST) {
            /* without the snapshot, neither the replica nor the feeds start */
            CJX_LOG(CJX_LOG_ERR, "replica.snapshot", a->cfg.credit_code,
                    "the hub refused a snapshot page: %s: %s; trying again",
                    cjx_err_name((int)n->reason), n->text);
            return LINK_RESTART;
        }
        if (n->outbox_seq == 0 || n->reason == CJX_ESTORE || n->reason == CJX_ENOMEM ||
            n->reason == CJX_ELIMIT) {
            /* not about one item, or a hub-side failure or limit: retry the item */
            CJX_LOG(CJX_LOG_WARNING, "link.nack", a->cfg.credit_code, "hub: %s: %s",
                    cjx_err_name((int)n->reason), n->text);
            if (a->state == AGENT_HELLO_SENT && n->outbox_seq == 0 &&
                (n->reason == CJX_EVERSION || n->reason == CJX_ECODE ||
                 n->reason == CJX_ECHECKCHAR || n->reason == CJX_EDIVISION ||
                 n->reason == CJX_EFORBIDDEN))
                return LINK_FATAL; /* our Hello is refused: configuration or a revoked key */
            return n->outbox_seq ? LINK_RESTART : 0;
        }
        CJX_LOG(CJX_LOG_WARNING, "outbox.refused", a->cfg.credit_code,
                "item %llu refused: %s %s: %s", (unsigned long long)n->outbox_seq,
                cjx_err_name((int)n->reason), n->field, n->text);
        if (grow((void **)&a->refused, &a->refused_cap, a->nrefused, sizeof *a->refused))
            return 0;
        a->refused[a->nrefused++] = n;
        fr->nack = NULL; /* kept until settled */
        fr->msg_case = CJX__FRAME__MSG__NOT_SET;
        if (a->inflight)
            a->inflight--;
        return 0;
    }
    case CJX__FRAME__MSG_EVENT:
        return on_event(a, fr->event);
    case CJX__FRAME__MSG_EVENT_BATCH: {
        int rc = 0;
        for (size_t i = 0; rc == 0 && i < fr->event_batch->n_events; i++)
            rc = on_event(a, fr->event_batch->events[i]);
        return rc; /* after a gap, the rest comes again with the resend */
    }
    case CJX__FRAME__MSG_SNAPSHOT:
        return agent_replica_on_snapshot(a, fr->snapshot);
    case CJX__FRAME__MSG_SUBSCRIBED:
        agent_feeds_on_subscribed(a, fr->subscribed);
        return 0;
    case CJX__FRAME__MSG_HEARTBEAT:
        return agent_feeds_check_marks(a, fr->heartbeat);
    default:
        CJX_LOG(CJX_LOG_WARNING, "link.unexpected", a->cfg.credit_code,
                "unexpected frame %d from the hub", (int)fr->msg_case);
        return 0;
    }
}

/* Receives everything waiting; acks and refusals are collected for settle().
 * Returns 0 or what a handler asked for (LINK_*). */
static int drain(agent *a)
{
    int rc = 0;
    for (int i = 0; i < 100000 && rc == 0; i++) {
        Cjx__Frame *fr = NULL;
        cjx_fault fault;
        cjx_err err = cjx_frame_recv(a->sock, CJX_MAX_FRAME_BYTES * 32, ZMQ_DONTWAIT, &fr, &fault);
        if (err == CJX_ETIMEOUT)
            break;
        a->last_heard_ms = agent_now_ms();
        if (err) {
            CJX_LOG(CJX_LOG_WARNING, "link.frame", a->cfg.credit_code, "bad frame from hub: %s",
                    fault.text);
            continue;
        }
        rc = on_frame(a, fr);
        cjx__frame__free_unpacked(fr, NULL);
    }
    return rc;
}

struct send_ctx {
    agent *a;
    size_t sent;
};

static int personal_allowed(const agent *a, const char *kind)
{
    for (size_t i = 0; i < a->npersonal_kinds; i++)
        if (strcmp(a->personal_kinds[i], kind) == 0)
            return 1;
    return 0;
}

/* A record keeps its pii_ fields on the way to the hub only when the hub's
 * policy names a receiver for its kind (Welcome.personal_kinds); otherwise
 * a copy without them is sent (*copy, which the caller frees) and they never
 * leave the agent. */
static const void *outgoing(const agent *a, const void *item, size_t *len, void **copy)
{
    *copy = NULL;
    if (*len == 0 || ((const uint8_t *)item)[0] != 0x12) /* not Item.record */
        return item;
    Cjx__Item *it = cjx__item__unpack(NULL, *len, item);
    if (it && it->body_case == CJX__ITEM__BODY_RECORD &&
        !personal_allowed(a, cjx_item_kind(it)) && cjx_personal_strip(&it->base)) {
        *len = cjx__item__get_packed_size(it);
        *copy = malloc(*len ? *len : 1);
        if (*copy)
            cjx__item__pack(it, *copy);
    }
    if (it)
        cjx__item__free_unpacked(it, NULL);
    return *copy ? *copy : item;
}

static int send_one(void *ctx, uint64_t seq, const void *item, size_t len)
{
    struct send_ctx *sc = ctx;
    void *copy;
    const void *bytes = outgoing(sc->a, item, &len, &copy);
    int rc = cjx_send_publish(sc->a->sock, seq, bytes, len, ZMQ_DONTWAIT);
    free(copy);
    if (rc != CJX_OK)
        return 1; /* queue full: try again after the next drain */
    sc->a->sent_upto = seq;
    sc->a->inflight++;
    sc->sent++;
    return 0;
}

/* Sends outbox items after sent_upto while the window has room. Returns the
 * number sent. */
static size_t fill_window(agent *a)
{
    if (a->state != AGENT_READY || a->inflight >= (uint64_t)a->cfg.window)
        return 0;
    struct send_ctx sc = {a, 0};
    cjx_fault fault;
    if (cjx_outbox_scan(a->outbox, a->sent_upto, (size_t)a->cfg.window - a->inflight, send_one,
                        &sc, &fault))
        CJX_LOG(CJX_LOG_ERR, "outbox.scan", a->cfg.credit_code, "%s", fault.text);
    return sc.sent;
}

static void heartbeat(agent *a, int64_t now)
{
    if (a->state != AGENT_READY || now - a->last_beat_ms < a->heartbeat_ms)
        return;
    cjx_outbox_stats st = {0};
    cjx_fault fault;
    cjx_outbox_stat(a->outbox, &st, &fault);
    Cjx__Heartbeat hb = CJX__HEARTBEAT__INIT;
    hb.outbox_backlog = st.pending;
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_HEARTBEAT;
    fr.heartbeat = &hb;
    cjx_frame_send(a->sock, NULL, 0, &fr, ZMQ_DONTWAIT);
    a->last_beat_ms = now;
}

/* How long the loop may sleep when nothing arrives: until the next look
 * at the outbox, heartbeat or feed work that is due. */
static long poll_timeout(const agent *a)
{
    if (a->state != AGENT_READY)
        return (long)a->heartbeat_ms;
    long timeout = a->outbox_watch >= 0 ? OUTBOX_WATCHED_POLL_MS : OUTBOX_POLL_MS;
    int64_t beat = a->last_beat_ms + a->heartbeat_ms - agent_now_ms();
    long feeds = agent_feeds_wait_ms(a), index = agent_replica_wait_ms(a);
    if (beat < timeout)
        timeout = beat > 0 ? (long)beat : 0;
    if (feeds >= 0 && feeds < timeout)
        timeout = feeds;
    if (index >= 0 && index < timeout)
        timeout = index;
    return timeout;
}

int agent_link_run(agent *a, volatile int *stop)
{
    while (!*stop) {
        long timeout = agent_inbox_busy(a) ? 0 : poll_timeout(a);
        zmq_pollitem_t items[5] = {{a->sock, 0, ZMQ_POLLIN, 0},
                                   {a->monitor, 0, ZMQ_POLLIN, 0}};
        int nitems = 2;
        if (agent_feeds_fd(a) >= 0) /* a sink file's sync finished */
            items[nitems++] = (zmq_pollitem_t){NULL, agent_feeds_fd(a), ZMQ_POLLIN, 0};
        if (a->outbox_watch >= 0)
            items[nitems++] = (zmq_pollitem_t){NULL, a->outbox_watch, ZMQ_POLLIN, 0};
        if (agent_inbox_fd(a) >= 0)
            items[nitems++] = (zmq_pollitem_t){NULL, agent_inbox_fd(a), ZMQ_POLLIN, 0};
        if (zmq_poll(items, nitems, timeout) < 0 && errno != EINTR)
            return 1;
        outbox_written(a);
        if ((items[1].revents & ZMQ_POLLIN) && key_refused(a)) {
            CJX_LOG(CJX_LOG_CRIT, "link.refused", a->cfg.credit_code,
                    "the hub refuses this agent's key (not registered, or revoked): stopping");
            return 1;
        }
        int rc = drain(a);
        /* Refill the window before settling: the hub works on the next
         * batch while the outbox transaction syncs. */
        if (rc == 0)
            fill_window(a);
        settle(a);
        agent_replica_flush(a);
        agent_replica_index_work(a);
        agent_feeds_work(a);
        agent_inbox_work(a);
        if (rc == LINK_FATAL) {
            CJX_LOG(CJX_LOG_CRIT, "link.refused", a->cfg.credit_code,
                    "the hub refuses this agent's Hello; check credit_code, its key and versions");
            return 1;
        }
        int64_t now = agent_now_ms();
        if (rc || now - a->last_heard_ms > 3 * a->heartbeat_ms) {
            CJX_LOG(CJX_LOG_NOTICE, "link.restart", a->cfg.credit_code,
                    rc == LINK_RESYNC ? "a feed lost an event; resubscribing"
                    : rc              ? "hub lost our session or failed to store; saying Hello again"
                                      : "hub silent for 3 heartbeats; reconnecting");
            /* back off when restarts follow each other, so a hub that keeps
             * failing is not flooded; a lost event is no sign of that */
            int64_t pause = RESTART_BACKOFF_MIN_MS;
            if (rc != LINK_RESYNC) {
                a->backoff_ms = a->backoff_ms ? a->backoff_ms * 2 : RESTART_BACKOFF_MIN_MS;
                if (a->backoff_ms > RESTART_BACKOFF_MAX_MS)
                    a->backoff_ms = RESTART_BACKOFF_MAX_MS;
                pause = a->backoff_ms;
            }
            struct timespec ts = {pause / 1000, (pause % 1000) * 1000000};
            nanosleep(&ts, NULL);
            if (connect_hub(a) != 0)
                return 1;
            continue;
        }
        heartbeat(a, now);
    }
    settle(a);
    CJX_LOG(CJX_LOG_NOTICE, "agent.stop", a->cfg.credit_code, "stopping; %llu acknowledged",
            (unsigned long long)a->total_acked);
    return 0;
}

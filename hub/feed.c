/* feed.c — subscriptions at the hub: durable cursors, credit, and the pump
 * that hands committed log entries to subscribers.
 *
 * Nothing is queued for a subscriber beyond `window` unacknowledged events
 * per subscription: events are read from the log only when there is credit,
 * so a stopped subscriber costs the hub its cursor and nothing else, and
 * never slows anyone else down (guarantee 7). A subscription's cursor is
 * written in the batch's transaction when the agent acknowledges, so it is
 * as durable as the publishes (guarantee 3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "codec.h"
#include "filter.h"
#include "hub.h"
#include "log.h"

#define WINDOW_DEFAULT 256
#define WINDOW_MAX 4096
#define NAME_MAX_BYTES 64
/* Log entries one feed may examine per pump, so a filter that matches
 * little cannot hold up the others. */
#define SCAN_BUDGET 4096

void cjx_feeds_free(cjx_session *s)
{
    for (size_t i = 0; i < s->nfeeds; i++) {
        cjx__subscription__free_unpacked(s->feeds[i].sub, NULL);
        free(s->feeds[i].inflight);
    }
    free(s->feeds);
    s->feeds = NULL;
    s->nfeeds = 0;
}

/* The cursors key: the institution's code then the subscription's name. */
static MDB_val cursor_key(uint8_t buf[CJX_CODE_LEN + NAME_MAX_BYTES], const char *code,
                          const char *name)
{
    size_t n = strlen(name);
    memset(buf, 0, CJX_CODE_LEN);
    memcpy(buf, code, strnlen(code, CJX_CODE_LEN));
    memcpy(buf + CJX_CODE_LEN, name, n);
    return (MDB_val){CJX_CODE_LEN + n, buf};
}

static cjx_err check_subscription(const Cjx__Subscription *sub, size_t i, cjx_fault *f)
{
    char field[64];
    snprintf(field, sizeof field, "subscriptions[%zu].name", i);
    size_t n = strlen(sub->name);
    if (n == 0 || n > NAME_MAX_BYTES)
        return cjx_fault_set(f, n ? CJX_ELENGTH : CJX_EREQUIRED, field,
                             "a subscription needs a name of 1 to %d bytes", NAME_MAX_BYTES);
    if (sub->replica && !sub->ephemeral) {
        snprintf(field, sizeof field, "subscriptions[%zu].replica", i);
        return cjx_fault_set(f, CJX_EPROTOCOL, field,
                             "a replica subscription is ephemeral: the agent keeps its position");
    }
    for (size_t k = 0; k < sub->n_kinds; k++)
        if (!cjx_kind_is_known(sub->kinds[k])) {
            snprintf(field, sizeof field, "subscriptions[%zu].kinds[%zu]", i, k);
            return cjx_fault_set(f, CJX_EKIND, field, "unknown kind \"%.40s\"", sub->kinds[k]);
        }
    return CJX_OK;
}

/* An owned copy of a subscription from a frame that is about to be freed. */
static Cjx__Subscription *copy_subscription(const Cjx__Subscription *sub)
{
    size_t len = cjx__subscription__get_packed_size(sub);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return NULL;
    cjx__subscription__pack(sub, buf);
    Cjx__Subscription *copy = cjx__subscription__unpack(NULL, len, buf);
    free(buf);
    return copy;
}

void cjx_hub_subscribe(cjx_hub *h, cjx_session *s, const Cjx__Subscribe *m)
{
    cjx_fault fault = {0};
    if (m->n_subscriptions > CJX_HUB_MAX_SUBSCRIPTIONS)
        cjx_fault_set(&fault, CJX_ERANGE, "subscriptions", "at most %d subscriptions",
                      CJX_HUB_MAX_SUBSCRIPTIONS);
    for (size_t i = 0; !fault.code && i < m->n_subscriptions; i++)
        check_subscription(m->subscriptions[i], i, &fault);
    if (fault.code) {
        cjx_hub_refuse(h, s->rid, s->rid_len, 0, 0, &fault, s->code);
        return;
    }
    cjx_feeds_free(s);
    s->window = m->window ? (m->window < WINDOW_MAX ? m->window : WINDOW_MAX) : WINDOW_DEFAULT;
    s->feeds = calloc(m->n_subscriptions ? m->n_subscriptions : 1, sizeof *s->feeds);
    MDB_txn *txn = NULL;
    if (!s->feeds || mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &txn)) {
        cjx_fault_set(&fault, CJX_ENOMEM, "", "cannot set up the subscriptions");
        cjx_hub_refuse(h, s->rid, s->rid_len, 0, 0, &fault, s->code);
        cjx_feeds_free(s);
        return;
    }
    for (size_t i = 0; i < m->n_subscriptions; i++) {
        const Cjx__Subscription *in = m->subscriptions[i];
        cjx_feed *fd = &s->feeds[s->nfeeds];
        fd->sub = copy_subscription(in);
        fd->inflight = malloc(s->window * sizeof *fd->inflight);
        if (!fd->sub || !fd->inflight) {
            if (fd->sub)
                cjx__subscription__free_unpacked(fd->sub, NULL);
            free(fd->inflight);
            continue; /* out of memory: this subscription is not served */
        }
        s->nfeeds++;
        if (in->ephemeral) {
            fd->cursor = in->start_seq;
        } else {
            uint8_t kb[CJX_CODE_LEN + NAME_MAX_BYTES];
            MDB_val k = cursor_key(kb, s->code, in->name), v;
            fd->cursor = mdb_get(txn, h->store->dbs[HUB_DB_CURSORS], &k, &v) == 0 && v.mv_size == 8
                             ? cjx_be64_get(v.mv_data) : 0;
        }
        fd->scanned = fd->last_sent = fd->cursor;
        Cjx__Subscribed ok = CJX__SUBSCRIBED__INIT;
        ok.name = in->name;
        ok.cursor = fd->cursor;
        Cjx__Frame fr = CJX__FRAME__INIT;
        fr.msg_case = CJX__FRAME__MSG_SUBSCRIBED;
        fr.subscribed = &ok;
        cjx_hub_reply_frame(h, s->rid, s->rid_len, &fr);
        CJX_LOG(CJX_LOG_INFO, "feed.subscribe", s->code, "%s from seq %llu%s", in->name,
                (unsigned long long)fd->cursor, in->ephemeral ? " (ephemeral)" : "");
    }
    mdb_txn_abort(txn);
}

static cjx_feed *find_feed(cjx_session *s, const char *name)
{
    for (size_t i = 0; i < s->nfeeds; i++)
        if (strcmp(s->feeds[i].sub->name, name) == 0)
            return &s->feeds[i];
    return NULL;
}

static void move_cursor(cjx_hub *h, const cjx_session *s, cjx_feed *fd, uint64_t seq);

void cjx_hub_event_ack(cjx_hub *h, cjx_session *s, const Cjx__EventAck *m)
{
    cjx_fault fault = {0};
    cjx_feed *fd = find_feed(s, m->subscription);
    if (!fd) {
        cjx_fault_set(&fault, CJX_EPROTOCOL, "subscription", "no subscription \"%.64s\" in this session",
                      m->subscription);
    } else if (m->seq > fd->scanned) {
        cjx_fault_set(&fault, CJX_EPROTOCOL, "seq", "acknowledges %llu, beyond what was sent",
                      (unsigned long long)m->seq);
    }
    if (fault.code) {
        cjx_hub_refuse(h, s->rid, s->rid_len, 0, 0, &fault, s->code);
        return;
    }
    while (fd->count && fd->inflight[fd->head] <= m->seq) {
        fd->head = (fd->head + 1) % s->window;
        fd->count--;
    }
    move_cursor(h, s, fd, m->seq);
}

/* Moves fd's cursor up to seq, or past everything scanned when nothing is
 * in flight: each entry scanned was then acknowledged or not for this
 * subscription, so a filtered subscription's lag and restart point stay
 * near the head. Durable cursors are written in the batch's transaction. */
static void move_cursor(cjx_hub *h, const cjx_session *s, cjx_feed *fd, uint64_t seq)
{
    uint64_t upto = fd->count ? seq : fd->scanned;
    if (upto <= fd->cursor)
        return;
    fd->cursor = upto;
    if (fd->sub->ephemeral)
        return;
    cjx_fault fault;
    MDB_txn *txn = cjx_hub_batch_txn(h, &fault);
    if (!txn)
        return; /* written with the next acknowledgement */
    uint8_t kb[CJX_CODE_LEN + NAME_MAX_BYTES], vb[8];
    MDB_val k = cursor_key(kb, s->code, fd->sub->name), v = {8, vb};
    cjx_be64_put(vb, upto);
    int rc = mdb_put(txn, h->store->dbs[HUB_DB_CURSORS], &k, &v, 0);
    if (rc)
        h->batch_failed = rc;
}

static void checkpoint_session(cjx_session *s, void *ctx)
{
    for (size_t i = 0; i < s->nfeeds; i++)
        move_cursor(ctx, s, &s->feeds[i], 0);
}

void cjx_hub_feeds_checkpoint(cjx_hub *h)
{
    cjx_sessions_foreach(h->sessions, checkpoint_session, h);
}

/* True for the events debug_lose_events says to lose, so that tests can
 * show a gap is noticed and repaired. */
static int lose_on_purpose(cjx_hub *h, uint64_t seq)
{
    if (!h->cfg.debug_lose_events || seq <= h->last_lost_seq || /* each at most once */
        (h->counters.delivered + 1) % (uint64_t)h->cfg.debug_lose_events != 0)
        return 0;
    h->counters.lost++;
    h->last_lost_seq = seq;
    return 1;
}

/* Log entries unpacked once for every feed that looks at them: in a
 * fan-out all the subscribers read the same new entries. A log entry never
 * changes, so the cache lives as long as the hub. */
#define CACHE_SLOTS 256

struct cjx_feed_cache {
    uint64_t seq[CACHE_SLOTS];
    Cjx__Stored *stored[CACHE_SLOTS];
};

static const Cjx__Stored *unpacked(cjx_hub *h, uint64_t seq, const MDB_val *v)
{
    if (!h->feed_cache && !(h->feed_cache = calloc(1, sizeof *h->feed_cache)))
        return NULL;
    cjx_feed_cache *c = h->feed_cache;
    size_t i = seq % CACHE_SLOTS;
    if (c->stored[i] && c->seq[i] == seq)
        return c->stored[i];
    if (c->stored[i])
        cjx__stored__free_unpacked(c->stored[i], NULL);
    c->stored[i] = cjx__stored__unpack(NULL, v->mv_size, v->mv_data);
    c->seq[i] = seq;
    return c->stored[i];
}

void cjx_hub_feed_cache_free(cjx_hub *h)
{
    for (size_t i = 0; h->feed_cache && i < CACHE_SLOTS; i++)
        if (h->feed_cache->stored[i])
            cjx__stored__free_unpacked(h->feed_cache->stored[i], NULL);
    free(h->feed_cache);
    h->feed_cache = NULL;
}

/* Sends the events one feed has credit for. Returns 1 when it has credit
 * left and log entries it has not looked at yet. */
static int pump_feed(cjx_hub *h, MDB_txn *txn, cjx_session *s, cjx_feed *fd)
{
    if (fd->count >= s->window || fd->scanned >= h->last_seq)
        return 0;
    MDB_cursor *cur;
    if (mdb_cursor_open(txn, h->store->dbs[HUB_DB_LOG], &cur))
        return 0;
    uint8_t key[8];
    cjx_be64_put(key, fd->scanned + 1);
    MDB_val k = {8, key}, v;
    int budget = SCAN_BUDGET, blocked = 0;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && budget > 0 && fd->count < s->window;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), budget--) {
        uint64_t seq = cjx_be64_get(k.mv_data);
        const Cjx__Stored *st = unpacked(h, seq, &v);
        int match = st && (fd->sub->replica ? cjx_state_streams(s->code, st)
                                            : cjx_filter_match(fd->sub, st) &&
                                                  cjx_policy_may_see(h, s, st));
        ProtobufCBinaryData shown = {v.mv_size, v.mv_data};
        int audited = 0;
        if (match && !fd->sub->replica && cjx_audit_disclose(h, NULL, s, &v, &shown, &audited)) {
            blocked = 1; /* the audit could not be written: nothing is sent */
            break;
        }
        if (match) {
            Cjx__Event ev = CJX__EVENT__INIT;
            ev.subscription = fd->sub->name;
            ev.seq = seq;
            ev.prev_seq = fd->last_sent;
            ev.stored = shown;
            Cjx__Frame fr = CJX__FRAME__INIT;
            fr.msg_case = CJX__FRAME__MSG_EVENT;
            fr.event = &ev;
            int lost = lose_on_purpose(h, seq);
            if (lost) {
                CJX_LOG(CJX_LOG_WARNING, "feed.lose", s->code, "%s: event %llu not sent "
                        "(debug_lose_events)", fd->sub->name, (unsigned long long)seq);
            }
            int sent = lost || cjx_frame_send(h->router, s->rid, s->rid_len, &fr,
                                              ZMQ_DONTWAIT) == CJX_OK;
            if (shown.data != v.mv_data)
                free(shown.data);
            if (!sent) {
                if (audited) /* cannot happen below the send high-water mark */
                    CJX_LOG(CJX_LOG_WARNING, "audit.unsent", s->code,
                            "event %llu audited but not sent: it will be again",
                            (unsigned long long)seq);
                blocked = 1; /* the peer's queue is full: try again later */
                break;
            }
            fd->last_sent = seq;
            fd->inflight[(fd->head + fd->count) % s->window] = seq;
            fd->count++;
            h->counters.delivered++;
        }
        fd->scanned = seq;
    }
    mdb_cursor_close(cur);
    return !blocked && fd->count < s->window && fd->scanned < h->last_seq;
}

struct pump_ctx {
    cjx_hub *h;
    MDB_txn *txn;
    int more;
};

static void pump_session(cjx_session *s, void *ctx)
{
    struct pump_ctx *pc = ctx;
    for (size_t i = 0; i < s->nfeeds; i++)
        pc->more |= pump_feed(pc->h, pc->txn, s, &s->feeds[i]);
}

int cjx_hub_pump(cjx_hub *h)
{
    struct pump_ctx pc = {h, NULL, 0};
    if (mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &pc.txn))
        return 0;
    cjx_sessions_foreach(h->sessions, pump_session, &pc);
    mdb_txn_abort(pc.txn);
    return pc.more;
}

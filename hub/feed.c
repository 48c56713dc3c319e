/* feed.c — subscriptions at the hub: what a session subscribes to, its
 * acknowledgements, credit and durable cursors. The pump that hands
 * committed log entries to subscribers is feed_pump.c.
 *
 * Nothing is queued for a subscriber beyond `window` unacknowledged events
 * per subscription: events are read from the log only when there is credit,
 * so a stopped subscriber costs the hub its cursor and nothing else, and
 * never slows anyone else down (guarantee 7). A subscription's cursor is
 * written in a batch's transaction after the agent acknowledges: the next
 * one with publishes, or one of its own CJX_CURSOR_DELAY_MS later, so that
 * twenty subscribers acknowledging do not cost twenty syncs. A cursor the
 * hub lost in a crash is a little behind: it resends from there, and the
 * agent, which synced those events before acknowledging them, recognises
 * them by sequence (guarantee 3).
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
static MDB_val cursor_key(uint8_t buf[CJX_CODE_LEN + CJX_FEED_NAME_MAX], const char *code,
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
    if (n == 0 || n > CJX_FEED_NAME_MAX)
        return cjx_fault_set(f, n ? CJX_ELENGTH : CJX_EREQUIRED, field,
                             "a subscription needs a name of 1 to %d bytes", CJX_FEED_NAME_MAX);
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
    cjx_hub_feeds_write_cursors(h, 1); /* this session's feeds are replaced */
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
    s->batch = m->batch;
    s->window = m->window ? (m->window < WINDOW_MAX ? m->window : WINDOW_MAX) : WINDOW_DEFAULT;
    s->feeds = calloc(m->n_subscriptions ? m->n_subscriptions : 1, sizeof *s->feeds);
    /* cursors just written (above) are read back from the batch's transaction */
    MDB_txn *txn = h->batch_txn, *own = NULL;
    if (!txn && mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &own) == 0)
        txn = own;
    if (!s->feeds || !txn) {
        if (own)
            mdb_txn_abort(own);
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
            uint8_t kb[CJX_CODE_LEN + CJX_FEED_NAME_MAX];
            MDB_val k = cursor_key(kb, s->code, in->name), v;
            fd->cursor = mdb_get(txn, h->store->dbs[HUB_DB_CURSORS], &k, &v) == 0 && v.mv_size == 8
                             ? cjx_be64_get(v.mv_data) : 0;
        }
        fd->written = fd->cursor;
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
    if (own)
        mdb_txn_abort(own);
}

static cjx_feed *find_feed(cjx_session *s, const char *name)
{
    for (size_t i = 0; i < s->nfeeds; i++)
        if (strcmp(s->feeds[i].sub->name, name) == 0)
            return &s->feeds[i];
    return NULL;
}

static void move_cursor(cjx_hub *h, cjx_feed *fd, uint64_t seq);

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
    move_cursor(h, fd, m->seq);
}

/* Moves fd's cursor up to seq, or past everything scanned when nothing is
 * in flight: each entry scanned was then acknowledged or not for this
 * subscription, so a filtered subscription's lag and restart point stay
 * near the head. Durable cursors are written by
 * cjx_hub_feeds_write_cursors. */
static void move_cursor(cjx_hub *h, cjx_feed *fd, uint64_t seq)
{
    uint64_t upto = fd->count ? seq : fd->scanned;
    if (upto <= fd->cursor)
        return;
    fd->cursor = upto;
    if (!fd->sub->ephemeral && !h->cursors_due_ms)
        h->cursors_due_ms = cjx_mono_ms() + CJX_CURSOR_DELAY_MS;
}

static void checkpoint_session(cjx_session *s, void *ctx)
{
    for (size_t i = 0; i < s->nfeeds; i++)
        move_cursor(ctx, &s->feeds[i], 0);
}

void cjx_hub_feeds_checkpoint(cjx_hub *h)
{
    cjx_sessions_foreach(h->sessions, checkpoint_session, h);
}

static void write_session_cursors(cjx_session *s, void *ctx)
{
    cjx_hub *h = ctx;
    cjx_fault fault;
    for (size_t i = 0; i < s->nfeeds; i++) {
        cjx_feed *fd = &s->feeds[i];
        if (fd->sub->ephemeral || fd->cursor <= fd->written)
            continue;
        MDB_txn *txn = cjx_hub_batch_txn(h, &fault);
        if (!txn)
            return; /* the batch failed: all are written again after it */
        uint8_t kb[CJX_CODE_LEN + CJX_FEED_NAME_MAX], vb[8];
        MDB_val k = cursor_key(kb, s->code, fd->sub->name), v = {8, vb};
        cjx_be64_put(vb, fd->cursor);
        int rc = mdb_put(txn, h->store->dbs[HUB_DB_CURSORS], &k, &v, 0);
        if (rc)
            h->batch_failed = rc;
        else
            fd->written = fd->cursor;
    }
}

void cjx_hub_feeds_write_cursors(cjx_hub *h, int force)
{
    if (!h->cursors_due_ms || (!force && !h->batch_txn && cjx_mono_ms() < h->cursors_due_ms))
        return;
    h->cursors_due_ms = 0;
    cjx_sessions_foreach(h->sessions, write_session_cursors, h);
}

static void forget_written(cjx_session *s, void *ctx)
{
    (void)ctx;
    for (size_t i = 0; i < s->nfeeds; i++)
        s->feeds[i].written = 0;
}

void cjx_hub_feeds_unwritten(cjx_hub *h)
{
    cjx_sessions_foreach(h->sessions, forget_written, NULL);
    h->cursors_due_ms = cjx_mono_ms();
}

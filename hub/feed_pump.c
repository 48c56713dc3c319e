/* feed_pump.c — the pump that hands committed log entries to subscribers:
 * for each session's subscriptions, as far as their credit goes, the log
 * entries after where each was scanned are matched against its filter and
 * the read policy, shown as the policy lets the session see them
 * (cjx_audit_disclose), and sent in as few frames as the session takes.
 * The entries are unpacked once for every feed that looks at them, and a
 * frame packed for one session is shared with the next one sent the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "codec.h"
#include "filter.h"
#include "hub.h"
#include "log.h"

/* Log entries one feed may examine per pump, so a filter that matches
 * little cannot hold up the others. */
#define SCAN_BUDGET 4096

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
 * changes, so the cache lives as long as the hub. With each entry, whether
 * its item carries personal fields (cjx_audit_disclose's hint) and what the
 * read policy needs of it. */
#define CACHE_SLOTS 256

/* The events of one feed on their way out in one frame: an EventBatch for
 * a session that takes them (Subscribe.batch), else one Event frame each,
 * so that it never holds more than one. An event's bytes belong to the
 * pump's read transaction, or are a redacted copy the batch owns. */
typedef struct event_batch {
    Cjx__Event *events;
    Cjx__Event **list;                 /* &events[i], for the frame */
    unsigned char *owned;              /* events[i].stored is a copy to free */
    size_t n, cap, bytes;
    size_t audited;                    /* of them, audited deliveries */
} event_batch;

/* A batch is sent once it holds this many bytes of entries: one frame of
 * the largest size an entry may have, so a frame stays far below what an
 * agent accepts (CJX_MAX_FRAME_BYTES * 32). */
#define BATCH_BYTES CJX_MAX_FRAME_BYTES

/* The last frame of events packed, kept for the next session that is sent
 * the same events under the same subscription name (a fan-out: every
 * subscriber is sent the same new entries): it gets the same bytes,
 * shared, instead of packing them again. Only frames of entries as stored
 * (no redacted copy) are kept. */
typedef struct shared_frame {
    zmq_msg_t msg;
    int valid;
    int batch;                         /* an EventBatch, not an Event */
    char name[CJX_FEED_NAME_MAX + 1];
    uint64_t prev_seq;                 /* of its first event */
    uint64_t *seqs;                    /* of its events */
    size_t n, cap;
} shared_frame;

struct cjx_feed_cache {
    uint64_t seq[CACHE_SLOTS];
    Cjx__Stored *stored[CACHE_SLOTS];
    signed char personal[CACHE_SLOTS]; /* -1 not known yet, 0 none, 1 some */
    cjx_policy_entry policy[CACHE_SLOTS]; /* what the read policy needs of it */
    event_batch batch;                 /* reused by every pump */
    shared_frame last;
};

static const Cjx__Stored *unpacked(cjx_feed_cache *c, uint64_t seq, const MDB_val *v,
                                   signed char **personal, const cjx_policy_entry **policy)
{
    size_t i = seq % CACHE_SLOTS;
    *personal = &c->personal[i];
    *policy = &c->policy[i];
    if (c->stored[i] && c->seq[i] == seq)
        return c->stored[i];
    if (c->stored[i])
        cjx__stored__free_unpacked(c->stored[i], NULL);
    c->stored[i] = cjx__stored__unpack(NULL, v->mv_size, v->mv_data);
    c->seq[i] = seq;
    c->personal[i] = -1;
    if (c->stored[i])
        c->policy[i] = cjx_policy_entry_of(c->stored[i]);
    return c->stored[i];
}

void cjx_hub_feed_cache_free(cjx_hub *h)
{
    cjx_feed_cache *c = h->feed_cache;
    if (!c)
        return;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        if (c->stored[i])
            cjx__stored__free_unpacked(c->stored[i], NULL);
    free(c->batch.events);
    free(c->batch.list);
    free(c->batch.owned);
    if (c->last.valid)
        zmq_msg_close(&c->last.msg);
    free(c->last.seqs);
    free(c);
    h->feed_cache = NULL;
}

/* Adds one event to b; a copy (owned) is then b's. Returns 0, or -1 when
 * memory ran out (nothing added, the copy not taken). */
static int batch_add(event_batch *b, const cjx_feed *fd, uint64_t seq, ProtobufCBinaryData shown,
                     int owned)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        Cjx__Event *events = realloc(b->events, cap * sizeof *events);
        if (events)
            b->events = events;
        Cjx__Event **list = events ? realloc(b->list, cap * sizeof *list) : NULL;
        if (list)
            b->list = list;
        unsigned char *own = list ? realloc(b->owned, cap) : NULL;
        if (!own)
            return -1;
        b->owned = own;
        b->cap = cap;
    }
    Cjx__Event *ev = &b->events[b->n];
    cjx__event__init(ev);
    ev->subscription = fd->sub->name;
    ev->seq = seq;
    ev->prev_seq = fd->last_sent;
    ev->stored = shown;
    b->owned[b->n++] = (unsigned char)owned;
    b->bytes += shown.len;
    return 0;
}

/* Whether the frame of b may be shared: its entries as stored (none
 * redacted for this session), each event's prev_seq the one before it (not
 * an event lost on purpose), so that its name, first prev_seq and seqs say
 * what it holds. */
static int shareable(const event_batch *b)
{
    if (memchr(b->owned, 1, b->n))
        return 0;
    for (size_t i = 1; i < b->n; i++)
        if (b->events[i].prev_seq != b->events[i - 1].seq)
            return 0;
    return 1;
}

/* Whether the frame of b (to a session taking batches or not) is sf's. */
static int same_frame(const shared_frame *sf, const event_batch *b, int batch)
{
    if (!sf->valid || sf->batch != batch || sf->n != b->n ||
        sf->prev_seq != b->events[0].prev_seq || strcmp(sf->name, b->events[0].subscription))
        return 0;
    for (size_t i = 0; i < b->n; i++)
        if (sf->seqs[i] != b->events[i].seq)
            return 0;
    return 1;
}

/* Packs fr, the frame of b, into sf. Returns 0, or -1 when memory ran out
 * (sf then holds nothing). */
static int keep_frame(shared_frame *sf, const event_batch *b, int batch, const Cjx__Frame *fr)
{
    if (sf->valid)
        zmq_msg_close(&sf->msg);
    sf->valid = 0;
    if (b->n > sf->cap) {
        uint64_t *seqs = realloc(sf->seqs, b->n * sizeof *seqs);
        if (!seqs)
            return -1;
        sf->seqs = seqs;
        sf->cap = b->n;
    }
    if (zmq_msg_init_size(&sf->msg, cjx__frame__get_packed_size(fr)))
        return -1;
    cjx__frame__pack(fr, zmq_msg_data(&sf->msg));
    sf->valid = 1;
    sf->batch = batch;
    snprintf(sf->name, sizeof sf->name, "%s", b->events[0].subscription);
    sf->prev_seq = b->events[0].prev_seq;
    sf->n = b->n;
    for (size_t i = 0; i < b->n; i++)
        sf->seqs[i] = b->events[i].seq;
    return 0;
}

/* Sends sf's frame to s, sharing its bytes. Returns 0 or -1 (the peer's
 * queue is full). */
static int send_shared(cjx_hub *h, const cjx_session *s, shared_frame *sf)
{
    zmq_msg_t copy;
    zmq_msg_init(&copy);
    if (zmq_msg_copy(&copy, &sf->msg) ||
        zmq_send(h->router, s->rid, s->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_msg_send(&copy, h->router, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&copy);
        return -1;
    }
    return 0;
}

/* Sends what b holds to s in one frame, and empties b. Returns 0, or -1
 * when the peer's queue is full: then nothing was sent. */
static int batch_send(cjx_hub *h, const cjx_session *s, event_batch *b)
{
    if (!b->n)
        return 0;
    Cjx__EventBatch eb = CJX__EVENT_BATCH__INIT;
    Cjx__Frame fr = CJX__FRAME__INIT;
    if (s->batch) {
        for (size_t i = 0; i < b->n; i++)
            b->list[i] = &b->events[i];
        eb.n_events = b->n;
        eb.events = b->list;
        fr.msg_case = CJX__FRAME__MSG_EVENT_BATCH;
        fr.event_batch = &eb;
    } else {
        fr.msg_case = CJX__FRAME__MSG_EVENT;
        fr.event = &b->events[0];
    }
    shared_frame *sf = &h->feed_cache->last;
    int rc;
    if (shareable(b) && (same_frame(sf, b, s->batch) || keep_frame(sf, b, s->batch, &fr) == 0))
        rc = send_shared(h, s, sf);
    else
        rc = cjx_frame_send(h->router, s->rid, s->rid_len, &fr, ZMQ_DONTWAIT) == CJX_OK ? 0 : -1;
    for (size_t i = 0; i < b->n; i++)
        if (b->owned[i])
            free(b->events[i].stored.data);
    b->n = b->bytes = b->audited = 0;
    return rc;
}

/* Where a feed stood after its last frame went out: a frame the peer's
 * queue refuses takes the feed back there, to be sent again later. */
typedef struct feed_mark {
    uint64_t scanned, last_sent, delivered, lost;
    size_t count;
} feed_mark;

static feed_mark mark_feed(const cjx_hub *h, const cjx_feed *fd)
{
    return (feed_mark){fd->scanned, fd->last_sent, h->counters.delivered, h->counters.lost,
                       fd->count};
}

static void undo_feed(cjx_hub *h, const cjx_session *s, cjx_feed *fd, const feed_mark *m,
                      size_t audited)
{
    if (audited) /* cannot happen below the send high-water mark */
        CJX_LOG(CJX_LOG_WARNING, "audit.unsent", s->code,
                "%s: %zu events audited but not sent after %llu: they will be again",
                fd->sub->name, audited, (unsigned long long)m->last_sent);
    fd->scanned = m->scanned;
    fd->last_sent = m->last_sent;
    fd->count = m->count;
    h->counters.delivered = m->delivered;
    h->counters.lost = m->lost;
}

/* Sends the events one feed has credit for, as few frames as the session
 * takes. Returns 1 when it has credit left and log entries it has not
 * looked at yet. */
static int pump_feed(cjx_hub *h, MDB_txn *txn, cjx_session *s, cjx_feed *fd)
{
    if (fd->count >= s->window || fd->scanned >= h->last_seq)
        return 0;
    MDB_cursor *cur;
    if (mdb_cursor_open(txn, h->store->dbs[HUB_DB_LOG], &cur))
        return 0;
    cjx_feed_cache *c = h->feed_cache;
    event_batch *b = &c->batch;
    feed_mark sent = mark_feed(h, fd);
    uint8_t key[8];
    cjx_be64_put(key, fd->scanned + 1);
    MDB_val k = {8, key}, v;
    int budget = SCAN_BUDGET, blocked = 0;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && budget > 0 && fd->count < s->window;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), budget--) {
        uint64_t seq = cjx_be64_get(k.mv_data);
        signed char *personal;
        const cjx_policy_entry *policy;
        const Cjx__Stored *st = unpacked(c, seq, &v, &personal, &policy);
        int match = st && (fd->sub->replica ? cjx_state_streams(s->code, st)
                                            : cjx_filter_match(fd->sub, st) &&
                                                  cjx_policy_may_see_entry(h, s, policy));
        ProtobufCBinaryData shown = {v.mv_size, v.mv_data};
        int audited = 0;
        if (match && !fd->sub->replica &&
            cjx_audit_disclose(h, NULL, s, &v, st, personal, &shown, &audited)) {
            blocked = 1; /* the audit could not be written: nothing is sent */
            break;
        }
        if (match) {
            int owned = shown.data != v.mv_data;
            if (lose_on_purpose(h, seq)) {
                CJX_LOG(CJX_LOG_WARNING, "feed.lose", s->code, "%s: event %llu not sent "
                        "(debug_lose_events)", fd->sub->name, (unsigned long long)seq);
                if (owned)
                    free(shown.data);
            } else if (batch_add(b, fd, seq, shown, owned)) {
                if (owned)
                    free(shown.data);
                blocked = 1; /* no memory: try again later */
                break;
            }
            b->audited += (size_t)audited;
            fd->last_sent = seq;
            fd->inflight[(fd->head + fd->count) % s->window] = seq;
            fd->count++;
            h->counters.delivered++;
        }
        fd->scanned = seq;
        if (b->n && (!s->batch || b->bytes >= BATCH_BYTES)) {
            size_t audited_in = b->audited;
            if (batch_send(h, s, b)) {
                undo_feed(h, s, fd, &sent, audited_in);
                blocked = 1; /* the peer's queue is full: try again later */
                break;
            }
            sent = mark_feed(h, fd);
        }
    }
    size_t audited_in = b->audited;
    if (b->n && batch_send(h, s, b)) {
        undo_feed(h, s, fd, &sent, audited_in);
        blocked = 1;
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
    if (!h->feed_cache && !(h->feed_cache = calloc(1, sizeof *h->feed_cache)))
        return 0;
    if (mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &pc.txn))
        return 0;
    cjx_sessions_foreach(h->sessions, pump_session, &pc);
    mdb_txn_abort(pc.txn);
    return pc.more;
}

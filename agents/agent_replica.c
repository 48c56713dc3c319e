/* agent_replica.c — keeps the agent's replica (core/replica.h) in step with
 * the hub.
 *
 * At each Welcome: a replica that never finished loading asks for snapshot
 * pages (SnapshotRequest after the last key loaded) until the last one;
 * then, and at once for a loaded replica, the feeds are subscribed with the
 * replica's own subscription among them, starting after replica_seq. Each
 * Event says which event came before it on the subscription: one that does
 * not follow the last applied is a gap, and the session starts over from
 * replica_seq. Events received in one drain are applied in one transaction
 * together with the new replica_seq, then acknowledged for credit.
 *
 * Indexing a posting for search costs about what applying it does, so
 * while events come in a burst (a drain of search_burst_entries or more)
 * the index waits, as the hub's does: the postings changed are noted, and
 * indexed CJX_REPLICA_INDEX_CHUNK per loop turn from BURST_HOLD_MS after the
 * burst's last drain, or once they waited DEFER_MAX_MS or DEFER_MAX of them
 * piled up. A local search meanwhile indexes them itself first, a chunk a
 * transaction too (replica_search.c).
 */
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "agent.h"
#include "codec.h"
#include "log.h"

#define REPLICA_NAME "~replica"   /* not a valid [subscription NAME] */
#define BURST_HOLD_MS 100          /* a burst goes on this long after such a drain */
#define DEFER_MAX_MS 5000          /* postings wait for a burst's end at most this long */
#define DEFER_MAX 262144           /* ... and while fewer than this many wait */

static cjx_store *store(agent *a)
{
    return cjx_outbox_store(a->outbox);
}

static MDB_dbi replica_db(agent *a)
{
    return store(a)->dbs[CJX_AGENT_DB_REPLICA];
}

static void request_page(agent *a)
{
    Cjx__SnapshotRequest m = CJX__SNAPSHOT_REQUEST__INIT;
    m.request_id = AGENT_SNAPSHOT_REQUEST;
    m.after_key = (ProtobufCBinaryData){a->replica.pos.after_len, a->replica.pos.after};
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_SNAPSHOT_REQUEST;
    fr.snapshot_request = &m;
    cjx_frame_send(a->sock, NULL, 0, &fr, ZMQ_DONTWAIT);
}

static void subscribe(agent *a)
{
    agent_replica *r = &a->replica;
    cjx__subscription__init(&r->wire);
    r->wire.name = REPLICA_NAME;
    r->wire.replica = 1;
    r->wire.ephemeral = 1;
    r->wire.start_seq = r->pos.seq;
    r->received = r->acked = r->pos.seq;
    agent_feeds_subscribe(a, &r->wire);
}

int agent_replica_start(agent *a, uint64_t hub_store_id)
{
    cjx_fault fault;
    agent_replica *r = &a->replica;
    r->nbatch = 0;
    if (cjx_replica_index(store(a), replica_db(a), &fault) != CJX_OK ||
        cjx_replica_position(store(a), replica_db(a), &r->pos, &fault) != CJX_OK) {
        CJX_LOG(CJX_LOG_ERR, "replica.open", a->cfg.credit_code, "%s", fault.text);
        return -1;
    }
    if ((r->pos.loaded || r->pos.after_len) && r->pos.hub_store_id != hub_store_id) {
        CJX_LOG(CJX_LOG_CRIT, "replica.reset", a->cfg.credit_code,
                "the hub has another store than the one this replica follows (was it "
                "reset?): loading the replica again");
        if (cjx_replica_reset(store(a), replica_db(a), &r->pos, &fault) != CJX_OK) {
            CJX_LOG(CJX_LOG_ERR, "replica.reset", a->cfg.credit_code, "%s", fault.text);
            return -1;
        }
    }
    r->pos.hub_store_id = hub_store_id;
    r->unindexed = r->pos.unindexed; /* left by a burst before a restart: indexed now */
    r->index_due_ms = 0;
    r->deferred_since_ms = r->unindexed ? agent_now_ms() : 0;
    if (r->pos.loaded) {
        subscribe(a);
    } else {
        CJX_LOG(CJX_LOG_INFO, "replica.snapshot", a->cfg.credit_code, "loading the snapshot%s",
                r->pos.after_len ? " (resuming)" : "");
        request_page(a);
    }
    return 0;
}

int agent_replica_on_snapshot(agent *a, const Cjx__Snapshot *m)
{
    cjx_fault fault;
    agent_replica *r = &a->replica;
    if (r->pos.loaded)
        return 0; /* a late page of an earlier session */
    if (cjx_replica_load_page(store(a), replica_db(a), m, &r->pos, &fault) != CJX_OK) {
        CJX_LOG(CJX_LOG_ERR, "replica.snapshot", a->cfg.credit_code, "%s", fault.text);
        return LINK_RESTART;
    }
    if (!r->pos.loaded) {
        request_page(a);
        return 0;
    }
    CJX_LOG(CJX_LOG_INFO, "replica.snapshot", a->cfg.credit_code,
            "snapshot loaded as of seq %llu", (unsigned long long)r->pos.seq);
    subscribe(a);
    return 0;
}

int agent_replica_is_name(const char *subscription)
{
    return strcmp(subscription, REPLICA_NAME) == 0;
}

int agent_replica_on_event(agent *a, Cjx__Event *ev)
{
    agent_replica *r = &a->replica;
    if (ev->seq <= r->received)
        return 0; /* a resend within this session */
    if (ev->prev_seq != r->received) {
        CJX_LOG(CJX_LOG_WARNING, "replica.gap", a->cfg.credit_code,
                "event %llu follows %llu, but %llu was the last received; resyncing",
                (unsigned long long)ev->seq, (unsigned long long)ev->prev_seq,
                (unsigned long long)r->received);
        return LINK_RESYNC;
    }
    if (r->nbatch == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 256;
        ProtobufCBinaryData *b = realloc(r->batch, cap * sizeof *b);
        if (!b)
            return LINK_RESTART;
        r->batch = b;
        r->cap = cap;
    }
    size_t len = ev->stored.len;
    void *data = agent_event_take(ev);
    if (!data)
        return LINK_RESTART;
    r->batch[r->nbatch++] = (ProtobufCBinaryData){len, data};
    r->received = ev->seq;
    return 0;
}

static void clear_batch(agent_replica *r)
{
    for (size_t i = 0; i < r->nbatch; i++)
        free(r->batch[i].data);
    r->nbatch = 0;
}

/* Whether the postings of the drain being applied wait for the index. */
static int defer_index(agent *a, int64_t now)
{
    agent_replica *r = &a->replica;
    long long burst = a->cfg.search_burst_entries;
    if (!burst || r->unindexed >= DEFER_MAX ||
        (r->deferred_since_ms && now - r->deferred_since_ms >= DEFER_MAX_MS))
        return 0;
    if ((long long)r->nbatch >= burst) {
        if (!r->deferred_since_ms)
            CJX_LOG(CJX_LOG_INFO, "replica.index", a->cfg.credit_code,
                    "a burst of %zu events: the search index waits for it to end", r->nbatch);
        r->index_due_ms = now + BURST_HOLD_MS;
        return 1;
    }
    return r->unindexed && now < r->index_due_ms; /* between a burst's drains */
}

void agent_replica_flush(agent *a)
{
    agent_replica *r = &a->replica;
    if (!r->nbatch)
        return;
    cjx_fault fault;
    int64_t now = agent_now_ms();
    int defer = defer_index(a, now);
    if (cjx_replica_apply(store(a), replica_db(a), r->batch, r->nbatch, r->received, defer,
                          &fault)) {
        /* not acknowledged: the next session sends them again */
        CJX_LOG(CJX_LOG_ERR, "replica.apply", a->cfg.credit_code, "%s", fault.text);
        clear_batch(r);
        r->received = r->pos.seq;
        return;
    }
    if (defer) {
        r->unindexed += r->nbatch; /* at most: some are not postings */
        if (!r->deferred_since_ms)
            r->deferred_since_ms = now;
    }
    clear_batch(r);
    r->pos.seq = r->received;
    if (a->state == AGENT_READY &&
        cjx_send_event_ack(a->sock, REPLICA_NAME, r->received, ZMQ_DONTWAIT) == CJX_OK)
        r->acked = r->received;
}

long agent_replica_wait_ms(const agent *a)
{
    const agent_replica *r = &a->replica;
    if (!r->unindexed)
        return -1;
    if (r->unindexed >= DEFER_MAX)
        return 0;
    int64_t now = agent_now_ms();
    int64_t due = r->index_due_ms;
    if (r->deferred_since_ms && r->deferred_since_ms + DEFER_MAX_MS < due)
        due = r->deferred_since_ms + DEFER_MAX_MS;
    return due <= now ? 0 : (long)(due - now);
}

void agent_replica_index_work(agent *a)
{
    agent_replica *r = &a->replica;
    if (agent_replica_wait_ms(a) != 0)
        return;
    cjx_fault fault;
    uint64_t left;
    if (cjx_replica_index_some(store(a), replica_db(a), CJX_REPLICA_INDEX_CHUNK, &left,
                               &fault) != CJX_OK) {
        CJX_LOG(CJX_LOG_ERR, "replica.index", a->cfg.credit_code, "%s", fault.text);
        r->index_due_ms = agent_now_ms() + DEFER_MAX_MS; /* try again later */
        r->deferred_since_ms = 0;
        return;
    }
    r->unindexed = left;
    if (left)
        return;
    CJX_LOG(CJX_LOG_INFO, "replica.index", a->cfg.credit_code,
            "the search index has caught up with the burst (%lld ms behind at most)",
            (long long)(agent_now_ms() - r->deferred_since_ms));
    r->deferred_since_ms = 0;
}

void agent_replica_close(agent *a)
{
    clear_batch(&a->replica);
    free(a->replica.batch);
    a->replica.batch = NULL;
    a->replica.cap = 0;
}

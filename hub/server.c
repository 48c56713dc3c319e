/* server.c — the hub's event loop.
 *
 * Wait for the ROUTER socket to be readable; drain up to batch_max frames;
 * apply them (publishes go into one LMDB write transaction); commit, which
 * syncs; only then send the replies the batch produced (batch.c). A batch
 * applied is committed on the loop's next turn, after the frames that came
 * meanwhile are drained, so that their items are validated on another
 * thread while the commit waits for the disk (prevalidate.c); a batch of
 * a few frames takes them in instead (the start of a burst).
 * Durability costs one sync per batch, not per record (DESIGN.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <zmq.h>

#include "codec.h"
#include "hub.h"
#include "log.h"

static const char *const hub_dbs[] = {"log",   "ids",    "kinds", "cursors",
                                      "state", "expiry", "keys",  "audit", NULL};

int64_t cjx_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t cjx_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The newest sequence in the log, 0 when empty. */
static cjx_err read_last_seq(cjx_hub *h, cjx_fault *f)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return cjx_store_fault(f, rc, "reading the log");
    rc = mdb_cursor_open(txn, h->store->dbs[HUB_DB_LOG], &cur);
    MDB_val k, v;
    if (rc == 0) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
        h->last_seq = h->committed_seq = rc == 0 ? cjx_be64_get(k.mv_data) : 0;
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    return rc == 0 || rc == MDB_NOTFOUND ? CJX_OK : cjx_store_fault(f, rc, "reading the log");
}

/* Reads the store's random id, making it when the store is new. */
static cjx_err read_store_id(cjx_hub *h, cjx_fault *f)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(h->store->env, NULL, 0, &txn);
    if (rc)
        return cjx_store_fault(f, rc, "reading the store id");
    h->store_id = cjx_store_meta_u64(txn, h->store, "store_id");
    while (h->store_id == 0)
        randombytes_buf(&h->store_id, sizeof h->store_id);
    rc = cjx_store_meta_put_u64(txn, h->store, "store_id", h->store_id);
    if (rc)
        mdb_txn_abort(txn);
    else
        rc = mdb_txn_commit(txn);
    return rc ? cjx_store_fault(f, rc, "writing the store id") : CJX_OK;
}

cjx_err cjx_hub_write_file(const cjx_hub *h, const char *name, const char *text, cjx_fault *f)
{
    char path[CJX_CONF_STRMAX + 64], tmp[CJX_CONF_STRMAX + 80];
    snprintf(path, sizeof path, "%s/%s", h->cfg.data_dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *out = fopen(tmp, "w");
    int bad = !out;
    if (out) {
        bad = fprintf(out, "%s\n", text) < 0;
        bad |= fclose(out) != 0;
    }
    if (bad || rename(tmp, path) != 0)
        return cjx_fault_set(f, CJX_EIO, "data_dir", "cannot write %s: %s", path,
                             strerror(errno));
    return CJX_OK;
}

/* Writes the endpoint actually bound (with the port chosen when listen ends
 * in ":*") to <data_dir>/endpoint. */
static cjx_err write_endpoint(cjx_hub *h, cjx_fault *f)
{
    char ep[256];
    size_t len = sizeof ep;
    if (zmq_getsockopt(h->router, ZMQ_LAST_ENDPOINT, ep, &len) != 0)
        return cjx_fault_set(f, CJX_EIO, "listen", "cannot read the bound endpoint");
    snprintf(h->endpoint, sizeof h->endpoint, "%s", ep);
    return cjx_hub_write_file(h, "endpoint", ep, f);
}

cjx_err cjx_hub_open(cjx_hub *h, cjx_fault *f)
{
    cjx_arena_init(&h->scratch);
    cjx_arena_init(&h->frame);
    cjx_err rc = cjx_validator_open(&h->validator, h->cfg.catalog_dir, f);
    if (rc)
        return rc;
    rc = cjx_store_open(h->cfg.data_dir, "cjx-hub", CJX_HUB_FORMAT, hub_dbs,
                        (size_t)h->cfg.map_size_mb, &h->store, f);
    if (rc)
        return rc;
    rc = read_last_seq(h, f);
    if (rc == CJX_OK)
        rc = read_store_id(h, f);
    if (rc == CJX_OK)
        rc = cjx_policy_open(h, f);
    if (rc == CJX_OK)
        rc = cjx_audit_open(h, f);
    if (rc == CJX_OK)
        rc = cjx_hub_search_open(h, h->reindex_only, f);
    if (rc || h->reindex_only)
        return rc;
    h->started_ms = cjx_now_ms();
    h->sessions = cjx_sessions_new();
    h->limits = cjx_limits_new();
    if (h->limits)
        cjx_limits_check_disk(h);
    h->activity = cjx_activity_new();
    h->zctx = zmq_ctx_new();
    h->router = h->zctx ? zmq_socket(h->zctx, ZMQ_ROUTER) : NULL;
    if (!h->sessions || !h->limits || !h->activity || !h->router)
        return cjx_fault_set(f, CJX_ENOMEM, "", "cannot set up the hub: %s",
                             zmq_strerror(errno));
    /* ZeroMQ drops a connection that sends more than this; frames between
     * max_frame_bytes and this get a CJX_ETOOBIG refusal instead. */
    int64_t hard_max = h->cfg.max_frame_bytes * 4 + 4096;
    /* Frames each connection may have waiting for the hub: beyond it ZeroMQ
     * stops reading that connection and the rest wait in the agent's own
     * queue (its window), not in the hub's heap, however many publish. */
    int linger = 0, hwm = 100000, mandatory = 0, rcvhwm = 1000;
    zmq_setsockopt(h->router, ZMQ_MAXMSGSIZE, &hard_max, sizeof hard_max);
    zmq_setsockopt(h->router, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(h->router, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(h->router, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm);
    zmq_setsockopt(h->router, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof mandatory);
    rc = cjx_hub_auth_open(h, f);
    if (rc)
        return rc;
    if (zmq_bind(h->router, h->cfg.listen) != 0)
        return cjx_fault_set(f, CJX_EIO, "listen", "cannot listen on %s: %s",
                             h->cfg.listen, zmq_strerror(errno));
    h->inbox = cjx_inbox_new();
    if (!h->inbox)
        return cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    /* without it (no thread to be had), the loop validates every item */
    h->prevalidate = cjx_prevalidate_start(&h->validator, (size_t)h->cfg.max_frame_bytes);
    rc = write_endpoint(h, f);
    if (rc == CJX_OK)
        rc = cjx_report_worker_open(h, f);
    return rc ? rc : cjx_http_open(h, f);
}

void cjx_hub_close(cjx_hub *h)
{
    cjx_report_worker_close(h); /* first: it answers HTTP requests waiting for it */
    cjx_http_close(h);
    /* answers the worker finished just now may have written audit rows */
    cjx_hub_commit_batch(h);
    cjx_hub_flush_replies(h);
    for (size_t i = 0; i < h->nreplies; i++)
        free(h->replies[i].packed);
    free(h->replies);
    cjx_prevalidate_stop(&h->prevalidate);
    cjx_inbox_free(&h->inbox); /* before the context: its messages are ZeroMQ's */
    if (h->router)
        zmq_close(h->router);
    if (h->zap)
        zmq_close(h->zap);
    if (h->zctx)
        zmq_ctx_term(h->zctx);
    cjx_sessions_destroy(&h->sessions);
    cjx_limits_free(h->limits);
    cjx_activity_destroy(&h->activity);
    cjx_hub_search_close(h);
    cjx_hub_feed_cache_free(h);
    cjx_arena_fini(&h->scratch);
    cjx_arena_fini(&h->frame);
    cjx_store_close(&h->store);
    cjx_validator_close(&h->validator);
}

/* What a Hello says of its institution goes into the registry (without
 * CURVE) and decides its policy kind: checked like an item's fields. */
static cjx_err check_self(const Cjx__Hello *m, cjx_fault *f)
{
    const Cjx__Institution *in = m->institution;
    if (!in)
        return CJX_OK;
    if (in->credit_code[0] && strcmp(in->credit_code, m->credit_code) != 0)
        return cjx_fault_set(f, CJX_EFORBIDDEN, "institution.credit_code",
                             "the Hello is for %s, not %s", m->credit_code, in->credit_code);
    return cjx_hub_check_institution(in, f);
}

static void on_hello(cjx_hub *h, const uint8_t *rid, size_t rid_len, const char *user_id,
                     const Cjx__Hello *m)
{
    cjx_fault fault = {0};
    char code[CJX_CODE_LEN + 1] = "";
    int operator_ = 0;
    if (m->protocol_version != CJX_PROTOCOL_VERSION)
        cjx_fault_set(&fault, CJX_EVERSION, "protocol_version",
                      "this hub speaks protocol %d, not %u", CJX_PROTOCOL_VERSION,
                      m->protocol_version);
    else if (cjx_hub_authenticate(h, user_id, m, code, &operator_, &fault) == CJX_OK &&
             check_self(m, &fault) == CJX_OK && !cjx_sessions_find(h->sessions, rid, rid_len))
        cjx_limits_session(h, code, operator_, &fault);
    /* the activity an operator sees is its agents' (tools come and go) */
    int agent = m->agent && !operator_;
    cjx_inst_activity *act = agent && !fault.code ? cjx_activity_institution(h->activity, code)
                                                  : NULL;
    cjx_session *s = fault.code || (agent && !act)
                         ? NULL
                         : cjx_sessions_open(h->sessions, rid, rid_len, code,
                                             h->zap ? user_id : "", operator_);
    if (!s) {
        if (!fault.code)
            cjx_fault_set(&fault, CJX_ENOMEM, "", "out of memory");
        cjx_hub_refuse(h, rid, rid_len, 0, 0, &fault, code[0] ? code : NULL);
        return;
    }
    s->act = act;
    s->ack_batch = m->ack_batch;
    if (act)
        act->last_seen_ms = s->last_seen_ms;
    if (m->institution && !h->zap) /* under CURVE, operators keep the registry */
        cjx_hub_register(h, s->code, m->institution);
    s->kind = h->zap ? cjx_hub_registry_kind(h, s->code)
                     : m->institution ? (int)m->institution->kind : 0;
    Cjx__Welcome w = CJX__WELCOME__INIT;
    w.protocol_version = CJX_PROTOCOL_VERSION;
    w.last_seq = h->last_seq;
    w.heartbeat_ms = (uint32_t)h->cfg.heartbeat_ms;
    w.max_frame_bytes = (uint32_t)h->cfg.max_frame_bytes;
    w.store_id = h->store_id;
    char *personal[CJX_RECORD_KINDS];
    w.personal_kinds = personal;
    w.n_personal_kinds = cjx_policy_personal_kinds(h, personal, CJX_RECORD_KINDS);
    MDB_txn *txn;
    if (mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &txn) == 0) {
        w.last_outbox_seq = cjx_hub_last_outbox_seq(txn, h, s->code);
        mdb_txn_abort(txn);
    }
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_WELCOME;
    fr.welcome = &w;
    cjx_hub_reply_frame(h, rid, rid_len, &fr);
    CJX_LOG(CJX_LOG_INFO, "session.hello", s->code, "%s, outbox at %llu", m->software,
            (unsigned long long)w.last_outbox_seq);
}

static void on_heartbeat(cjx_hub *h, cjx_session *s, const Cjx__Heartbeat *m)
{
    if (s->act)
        s->act->backlog = m->outbox_backlog;
    Cjx__Heartbeat hb = CJX__HEARTBEAT__INIT;
    hb.last_seq = h->last_seq;
    Cjx__FeedMark marks[CJX_HUB_MAX_SUBSCRIPTIONS], *mp[CJX_HUB_MAX_SUBSCRIPTIONS];
    for (size_t i = 0; i < s->nfeeds && i < CJX_HUB_MAX_SUBSCRIPTIONS; i++) {
        cjx__feed_mark__init(&marks[i]);
        marks[i].subscription = s->feeds[i].sub->name;
        marks[i].last_sent = s->feeds[i].last_sent;
        mp[hb.n_feeds++] = &marks[i];
    }
    hb.feeds = mp;
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_HEARTBEAT;
    fr.heartbeat = &hb;
    cjx_hub_reply_frame(h, s->rid, s->rid_len, &fr);
}

static int is_session(const cjx_session *s, void *which)
{
    return s == which;
}

/* Frames an operator's session may not send: operators administer, the
 * institutions' agents publish and subscribe. */
static int for_institutions_only(Cjx__Frame__MsgCase c)
{
    return c == CJX__FRAME__MSG_PUBLISH || c == CJX__FRAME__MSG_SUBSCRIBE ||
           c == CJX__FRAME__MSG_SNAPSHOT_REQUEST;
}

/* Applies one frame from peer rid, authenticated as user_id (its CURVE key;
 * NULL without CURVE); `valid`: a Publish whose item is known to be valid. */
static void dispatch(cjx_hub *h, const uint8_t *rid, size_t rid_len, const char *user_id,
                     const void *data, size_t len, int valid)
{
    cjx_fault fault = {0};
    Cjx__Frame *fr = NULL;
    if (cjx_frame_decode_with(&h->frame.allocator, data, len, (size_t)h->cfg.max_frame_bytes,
                              &fr, &fault) != CJX_OK) {
        cjx_arena_reset(&h->frame);
        cjx_hub_refuse(h, rid, rid_len, 0, 0, &fault, NULL);
        return;
    }
    cjx_session *s = cjx_sessions_find(h->sessions, rid, rid_len);
    if (s)
        s->last_seen_ms = cjx_now_ms();
    if (s && s->act)
        s->act->last_seen_ms = s->last_seen_ms;
    switch (fr->msg_case) {
    case CJX__FRAME__MSG_HELLO:
        on_hello(h, rid, rid_len, user_id, fr->hello);
        break;
    case CJX__FRAME__MSG_BYE:
        if (s) {
            cjx_hub_feeds_write_cursors(h, 1); /* before its feeds go */
            cjx_sessions_drop_if(h->sessions, is_session, s);
        }
        break;
    case CJX__FRAME__MSG_PUBLISH:
    case CJX__FRAME__MSG_HEARTBEAT:
    case CJX__FRAME__MSG_QUERY:
    case CJX__FRAME__MSG_SUBSCRIBE:
    case CJX__FRAME__MSG_EVENT_ACK:
    case CJX__FRAME__MSG_SNAPSHOT_REQUEST:
    case CJX__FRAME__MSG_DIGEST_REQUEST:
    case CJX__FRAME__MSG_INSTITUTION_ADMIN:
    case CJX__FRAME__MSG_AUDIT_QUERY:
    case CJX__FRAME__MSG_STATUS_REQUEST:
    case CJX__FRAME__MSG_SEARCH_REQUEST:
    case CJX__FRAME__MSG_REPORT_REQUEST:
        if (s && s->operator_ && for_institutions_only(fr->msg_case)) {
            cjx_fault_set(&fault, CJX_EFORBIDDEN, "", "an operator's session administers; "
                          "institutions publish and subscribe through their own agents");
            cjx_hub_refuse(h, rid, rid_len,
                           fr->msg_case == CJX__FRAME__MSG_PUBLISH ? fr->publish->outbox_seq : 0,
                           0, &fault, s->code);
        } else if (!s) {
            cjx_fault_set(&fault, CJX_ENOSESSION, "", "no session: send Hello first");
            cjx_hub_refuse(h, rid, rid_len,
                           fr->msg_case == CJX__FRAME__MSG_PUBLISH ? fr->publish->outbox_seq : 0,
                           fr->msg_case == CJX__FRAME__MSG_QUERY ? fr->query->request_id : 0,
                           &fault, NULL);
        } else if (fr->msg_case == CJX__FRAME__MSG_PUBLISH) {
            cjx_hub_publish(h, s, fr->publish, valid);
        } else if (fr->msg_case == CJX__FRAME__MSG_HEARTBEAT) {
            on_heartbeat(h, s, fr->heartbeat);
        } else if (fr->msg_case == CJX__FRAME__MSG_SUBSCRIBE) {
            cjx_hub_subscribe(h, s, fr->subscribe);
        } else if (fr->msg_case == CJX__FRAME__MSG_EVENT_ACK) {
            cjx_hub_event_ack(h, s, fr->event_ack);
        } else if (fr->msg_case == CJX__FRAME__MSG_SNAPSHOT_REQUEST) {
            cjx_hub_snapshot(h, s, fr->snapshot_request);
        } else if (fr->msg_case == CJX__FRAME__MSG_DIGEST_REQUEST) {
            cjx_hub_digest(h, s, fr->digest_request);
        } else if (fr->msg_case == CJX__FRAME__MSG_INSTITUTION_ADMIN) {
            cjx_hub_institution_admin(h, s, fr->institution_admin);
        } else if (fr->msg_case == CJX__FRAME__MSG_AUDIT_QUERY) {
            cjx_hub_audit_query(h, s, fr->audit_query);
        } else if (fr->msg_case == CJX__FRAME__MSG_STATUS_REQUEST) {
            cjx_hub_status_request(h, s, fr->status_request);
        } else if (fr->msg_case == CJX__FRAME__MSG_SEARCH_REQUEST) {
            cjx_hub_search(h, s, fr->search_request);
        } else if (fr->msg_case == CJX__FRAME__MSG_REPORT_REQUEST) {
            cjx_hub_report(h, s, fr->report_request);
        } else {
            cjx_hub_query(h, s, fr->query);
        }
        break;
    default:
        cjx_fault_set(&fault, CJX_EPROTOCOL, "", "an agent does not send %s frames",
                      protobuf_c_message_descriptor_get_field(&cjx__frame__descriptor, fr->msg_case)->name);
        cjx_hub_refuse(h, rid, rid_len, 0, 0, &fault, s ? s->code : NULL);
    }
    cjx_arena_reset(&h->frame); /* fr */
}

/* The fewest messages worth handing to the prevalidation thread: below it
 * waking the thread costs about what validating them on the loop would. */
#define PREVALIDATE_MIN 32

/* A batch applied from fewer frames than this is more often the start of a
 * burst than all of it: the loop, waiting on its socket, wakes at a burst's
 * first frame. The frames that came while it was applied join it, rather
 * than waiting for its commit and then for one of their own. */
#define BATCH_JOIN_BELOW 32

/* Applies the inbox's messages in the order they came and empties it;
 * valid: what cjx_prevalidate_wait said of them, or NULL. */
static void apply_inbox(cjx_hub *h, const uint8_t *valid)
{
    cjx_inbound m;
    for (size_t i = 0; cjx_inbox_get(h->inbox, i, &m); i++) {
        if (m.parts == 1) {
            int known = valid && valid[i];
            h->counters.prevalidated += (uint64_t)known;
            dispatch(h, m.rid, m.rid_len, h->zap ? cjx_inbox_user_id(h->inbox, i) : NULL, m.data,
                     m.len, known);
        } else {
            cjx_fault fault;
            cjx_fault_set(&fault, CJX_EMALFORMED, "", "a frame is one message part, got %d",
                          m.parts);
            cjx_hub_refuse(h, m.rid, m.rid_len, 0, 0, &fault, NULL);
        }
    }
    cjx_inbox_clear(h->inbox);
}

/* Today's date where the hub runs, "YYYY-MM-DD": postings valid until
 * yesterday are expired. */
static void local_today(char out[11])
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

int cjx_hub_run(cjx_hub *h, volatile int *stop)
{
    int64_t next_sweep = 0;
    CJX_LOG(CJX_LOG_NOTICE, "hub.start", NULL, "listening on %s, store %s at seq %llu",
            h->endpoint, h->cfg.data_dir, (unsigned long long)h->last_seq);
    int more_events = 0, rc = 0;
    while (!*stop) {
        zmq_pollitem_t items[5] = {{h->router, 0, ZMQ_POLLIN, 0},
                                   {NULL, cjx_report_worker_fd(h), ZMQ_POLLIN, 0},
                                   {NULL, cjx_search_follow_fd(h->follow), ZMQ_POLLIN, 0}};
        int nitems = 3;
        if (h->http)
            items[nitems++] = (zmq_pollitem_t){NULL, cjx_http_fd(h), ZMQ_POLLIN, 0};
        if (h->zap)
            items[nitems++] = (zmq_pollitem_t){h->zap, 0, ZMQ_POLLIN, 0};
        /* a batch applied is committed as soon as what came meanwhile is
         * drained: the socket is not waited on */
        int applied = h->batch_txn || h->nreplies;
        long wait = more_events || applied ? 0 : (long)h->cfg.heartbeat_ms;
        if (h->cursors_due_ms) { /* wake to write acknowledged cursors */
            int64_t due = h->cursors_due_ms - cjx_mono_ms();
            wait = due <= 0 ? 0 : due < wait ? (long)due : wait;
        }
        long search_wait = cjx_search_wait_ms(h); /* a parked search's wait ends */
        if (search_wait >= 0 && search_wait < wait)
            wait = search_wait;
        long http_wait = cjx_http_wait_ms(h); /* its timeouts, and work it has queued */
        int http_due = http_wait >= 0 && http_wait <= wait;
        int n = zmq_poll(items, nitems, http_due ? http_wait : wait);
        if (n < 0 && errno != EINTR) {
            CJX_LOG(CJX_LOG_CRIT, "hub.poll", NULL, "poll failed: %s", zmq_strerror(errno));
            rc = 1;
            break; /* what was applied is still committed and answered */
        }
        int reports_built = n > 0 && (items[1].revents & ZMQ_POLLIN);
        int search_woken = n > 0 && (items[2].revents & ZMQ_POLLIN);
        for (int i = 3; n > 0 && i < nitems; i++) {
            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            if (items[i].socket)
                cjx_hub_zap(h); /* a connection's handshake: the store is not involved */
            else
                http_due = 1;
        }
        for (long long i = 0; n > 0 && (items[0].revents & ZMQ_POLLIN) && i < h->cfg.batch_max; i++)
            if (cjx_inbox_receive(h->inbox, h->router) < 0)
                break;
        /* the new frames join a small batch; else their items are
         * validated beside the commit of the batch applied before them */
        size_t drained = cjx_inbox_count(h->inbox);
        int join = drained && h->batch_txn && h->batch_frames < BATCH_JOIN_BELOW;
        int helped = !join && h->prevalidate && h->batch_txn && drained >= PREVALIDATE_MIN &&
                     cjx_prevalidate_begin(h->prevalidate, cjx_inbox_frames(h->inbox),
                                           drained) == 0;
        int64_t now = cjx_now_ms();
        int sweep = now >= next_sweep;
        if (sweep) {
            cjx_limits_check_disk(h); /* idle too, for the status */
            char today[11];
            local_today(today);
            cjx_hub_expire(h, today);
            cjx_hub_feeds_checkpoint(h);
        }
        cjx_hub_feeds_write_cursors(h, sweep);
        if (!join) {
            cjx_hub_commit_batch(h);
            cjx_hub_flush_replies(h);
        }
        uint64_t delivered = h->counters.delivered;
        more_events = cjx_hub_pump(h);
        cjx_activity_delivered(h->activity, cjx_mono_ms(),
                               (uint32_t)(h->counters.delivered - delivered));

        /* the rest of what woke the loop, between batches: what it writes
         * goes into the next batch's transaction (cjx_hub_batch_txn) */
        if (reports_built) { /* HTTP requests among them are resumed: MHD must run */
            cjx_report_worker_collect(h);
            http_due = h->http != NULL;
        }
        if (http_due)
            cjx_http_run(h);
        if (search_woken)
            cjx_search_follow_woken(h->follow);
        cjx_search_resume(h, 0); /* parked searches the index has caught up for */
        if (drained) {
            const uint8_t *valid = helped ? cjx_prevalidate_wait(h->prevalidate) : NULL;
            cjx_limits_check_disk(h); /* before the batch writes */
            apply_inbox(h, valid);
            if (h->batch_txn)
                h->batch_frames += drained;
            more_events = 1; /* an EventAck among them may have given a feed credit */
        }

        if (sweep) {
            size_t gone = cjx_sessions_expire(h->sessions, now - 3 * h->cfg.heartbeat_ms);
            if (gone)
                CJX_LOG(CJX_LOG_INFO, "session.expire", NULL, "%zu silent sessions dropped", gone);
            next_sweep = now + h->cfg.heartbeat_ms;
        }
    }
    cjx_search_resume(h, 1);
    cjx_hub_feeds_write_cursors(h, 1); /* what was acknowledged is kept */
    cjx_hub_commit_batch(h);
    cjx_hub_flush_replies(h);
    CJX_LOG(CJX_LOG_NOTICE, "hub.stop", NULL, "stopping at seq %llu",
            (unsigned long long)h->last_seq);
    return rc;
}

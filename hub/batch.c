/* batch.c — what a batch answers, and its commit.
 *
 * Replies are queued while the loop applies a batch (server.c) and sent
 * only after the batch's transaction is committed, which syncs (guarantee
 * 1): each session's in the order its frames came, its Acks gathered into
 * AckBatch frames when it takes them. When the commit fails, nothing of the
 * batch is stored and its Acks, and its answers that show records (their
 * audit rows went with it), turn into refusals.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "codec.h"
#include "hub.h"
#include "log.h"

/* The most Acks in one AckBatch frame: about 50 KiB. */
#define ACK_BATCH_MAX 4096

cjx_reply *cjx_hub_reply(cjx_hub *h, const uint8_t *rid, size_t rid_len,
                         Cjx__Frame__MsgCase type)
{
    if (rid_len > CJX_RID_MAX)
        return NULL;
    if (h->nreplies == h->reply_cap) {
        size_t cap = h->reply_cap ? 2 * h->reply_cap : 256;
        cjx_reply *r = realloc(h->replies, cap * sizeof *r);
        if (!r)
            return NULL;
        h->replies = r;
        h->reply_cap = cap;
    }
    cjx_reply *r = &h->replies[h->nreplies++];
    memset(r, 0, sizeof *r);
    memcpy(r->rid, rid, rid_len);
    r->rid_len = rid_len;
    r->type = type;
    return r;
}

void cjx_hub_reply_frame(cjx_hub *h, const uint8_t *rid, size_t rid_len,
                         const Cjx__Frame *frame)
{
    size_t len = cjx__frame__get_packed_size(frame);
    void *buf = malloc(len ? len : 1);
    if (!buf)
        return;
    cjx__frame__pack(frame, buf);
    cjx_reply *r = cjx_hub_reply(h, rid, rid_len, frame->msg_case);
    if (!r) {
        free(buf);
        return;
    }
    r->packed = buf;
    r->packed_len = len;
    if (frame->msg_case == CJX__FRAME__MSG_RESULT) /* for its refusal, should the batch fail */
        r->request_id = frame->result->request_id;
    else if (frame->msg_case == CJX__FRAME__MSG_SEARCH_RESULT)
        r->request_id = frame->search_result->request_id;
}

void cjx_hub_count_refusal(cjx_hub *h, const char *inst, const cjx_fault *fault)
{
    int reason = fault->code < CJX_ERR_COUNT ? fault->code : 0;
    h->counters.refused[reason]++;
    cjx_activity_refused(h->activity, cjx_mono_ms(), inst, reason, fault->field, fault->text);
}

void cjx_hub_refuse(cjx_hub *h, const uint8_t *rid, size_t rid_len,
                    uint64_t outbox_seq, uint64_t request_id, const cjx_fault *fault,
                    const char *inst)
{
    cjx_hub_count_refusal(h, inst, fault);
    CJX_LOG(CJX_LOG_NOTICE, "publish.refused", inst, "outbox_seq=%llu reason=%s field=%s: %s",
            (unsigned long long)outbox_seq, cjx_err_name(fault->code), fault->field,
            fault->text);
    cjx_reply *r = cjx_hub_reply(h, rid, rid_len, CJX__FRAME__MSG_NACK);
    if (!r)
        return;
    r->outbox_seq = outbox_seq;
    r->request_id = request_id;
    r->fault = *fault;
}

/* Whether replies a and b go to the same peer. */
static int same_peer(const cjx_reply *a, const cjx_reply *b)
{
    return a->rid_len == b->rid_len && memcmp(a->rid, b->rid, a->rid_len) == 0;
}

/* Orders replies by peer, each peer's in the order they were queued
 * (their addresses in h->replies). */
static int by_peer(const void *pa, const void *pb)
{
    const cjx_reply *a = *(const cjx_reply *const *)pa, *b = *(const cjx_reply *const *)pb;
    if (a->rid_len != b->rid_len)
        return a->rid_len < b->rid_len ? -1 : 1;
    int c = memcmp(a->rid, b->rid, a->rid_len);
    return c ? c : a < b ? -1 : a > b;
}

/* The order the batch's replies are sent in: grouped by peer, each peer's
 * in arrival order. ROUTER takes one frame from each publishing session in
 * turn, so in arrival order a session's Acks rarely follow one another and
 * would each take a frame. Returns NULL when there are none, or memory ran
 * out (then they go in arrival order). */
static cjx_reply **send_order(cjx_hub *h)
{
    if (!h->nreplies)
        return NULL;
    cjx_reply **order = malloc(h->nreplies * sizeof *order);
    if (!order)
        return NULL;
    int grouped = 1; /* all to one peer: nothing to sort */
    for (size_t i = 0; i < h->nreplies; i++) {
        order[i] = &h->replies[i];
        if (i && grouped && !same_peer(order[i - 1], order[i]))
            grouped = 0;
    }
    if (!grouped)
        qsort(order, h->nreplies, sizeof *order, by_peer);
    return order;
}

/* Whether reply r may share the AckBatch frame of the Ack `first`. */
static int same_ack_batch(const cjx_reply *first, const cjx_reply *r)
{
    return r->type == CJX__FRAME__MSG_ACK && r->batchable && same_peer(first, r);
}

/* Sends the Ack replies[0] and the Acks to the same session right after it
 * (of the `left` replies, at most ACK_BATCH_MAX) in one AckBatch frame.
 * Returns how many replies that was, or 0 when memory ran out (nothing
 * sent). */
static size_t send_ack_batch(cjx_hub *h, cjx_reply *const *replies, size_t left)
{
    const cjx_reply *first = replies[0];
    size_t n = 1;
    while (n < left && n < ACK_BATCH_MAX && same_ack_batch(first, replies[n]))
        n++;
    Cjx__Ack *acks = malloc(n * sizeof *acks);
    Cjx__Ack **list = malloc(n * sizeof *list);
    int ok = acks && list;
    for (size_t k = 0; ok && k < n; k++) {
        const cjx_reply *r = replies[k];
        cjx__ack__init(&acks[k]);
        acks[k].outbox_seq = r->outbox_seq;
        acks[k].seq = r->seq;
        acks[k].duplicate = r->duplicate;
        list[k] = &acks[k];
    }
    if (ok) {
        Cjx__AckBatch batch = CJX__ACK_BATCH__INIT;
        batch.n_acks = n;
        batch.acks = list;
        Cjx__Frame fr = CJX__FRAME__INIT;
        fr.msg_case = CJX__FRAME__MSG_ACK_BATCH;
        fr.ack_batch = &batch;
        cjx_frame_send(h->router, first->rid, first->rid_len, &fr, ZMQ_DONTWAIT);
    }
    free(acks);
    free(list);
    return ok ? n : 0;
}

/* Sends reply r on its own. */
static void send_reply(cjx_hub *h, cjx_reply *r)
{
    Cjx__Frame fr = CJX__FRAME__INIT;
    Cjx__Ack ack = CJX__ACK__INIT;
    Cjx__Nack nack = CJX__NACK__INIT;
    if (r->packed) {
        zmq_send(h->router, r->rid, r->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
        zmq_send(h->router, r->packed, r->packed_len, ZMQ_DONTWAIT);
        free(r->packed);
        r->packed = NULL;
        return;
    }
    if (r->type == CJX__FRAME__MSG_ACK) {
        ack.outbox_seq = r->outbox_seq;
        ack.seq = r->seq;
        ack.duplicate = r->duplicate;
        fr.msg_case = CJX__FRAME__MSG_ACK;
        fr.ack = &ack;
    } else {
        nack.outbox_seq = r->outbox_seq;
        nack.request_id = r->request_id;
        nack.reason = r->fault.code;
        nack.field = r->fault.field;
        nack.text = r->fault.text;
        fr.msg_case = CJX__FRAME__MSG_NACK;
        fr.nack = &nack;
    }
    /* A peer that went away or is not reading loses its replies; it
     * resends and is deduplicated. The hub never blocks on one peer. */
    cjx_frame_send(h->router, r->rid, r->rid_len, &fr, ZMQ_DONTWAIT);
}

/* Sends every queued reply, each peer's in order, and empties the queue. */
void cjx_hub_flush_replies(cjx_hub *h)
{
    cjx_reply **order = send_order(h);
    for (size_t i = 0; i < h->nreplies; i++) {
        cjx_reply *r = order ? order[i] : &h->replies[i];
        size_t acked = order && r->type == CJX__FRAME__MSG_ACK && r->batchable
                           ? send_ack_batch(h, order + i, h->nreplies - i)
                           : 0;
        if (acked)
            i += acked - 1;
        else
            send_reply(h, r);
    }
    free(order);
    h->nreplies = 0;
}

/* Whether reply r shows log entries: what it shows of other institutions'
 * records was written to the audit log in the batch (cjx_hub_shown). */
static int shows_entries(const cjx_reply *r)
{
    return r->packed &&
           (r->type == CJX__FRAME__MSG_RESULT || r->type == CJX__FRAME__MSG_SEARCH_RESULT);
}

/* Commits the batch's transaction. On failure nothing of the batch is
 * stored: every ack it queued becomes a CJX_ESTORE refusal, as does every
 * answer that shows entries (their disclosures' audit rows are gone with
 * the batch, so the answer is not given), and the sequence goes back to the
 * last committed one. */
void cjx_hub_commit_batch(cjx_hub *h)
{
    if (!h->batch_txn)
        return;
    int rc = h->batch_failed;
    if (!rc && h->batch_audited &&
        h->audited_commits_failed < h->cfg.debug_fail_audited_commits) {
        h->audited_commits_failed++;
        rc = EIO; /* for tests: as if the disk had failed the commit */
    }
    if (rc)
        mdb_txn_abort(h->batch_txn);
    else
        rc = mdb_txn_commit(h->batch_txn);
    h->batch_txn = NULL;
    memset(h->batch_cursors, 0, sizeof h->batch_cursors); /* LMDB closed them */
    h->batch_frames = 0;
    h->batch_failed = 0;
    h->batch_audited = 0;
    h->counters.batches++;
    cjx_activity_commit(h->activity, cjx_mono_ms(), rc == 0);
    if (rc == 0) {
        h->committed_seq = h->last_seq;
        if (h->follow)
            cjx_search_follow_notify(h->follow, h->committed_seq);
        return;
    }
    CJX_LOG(CJX_LOG_ERR, "publish.commit", NULL, "batch commit failed: %s", mdb_strerror(rc));
    h->last_seq = h->committed_seq;
    cjx_audit_reload(h);
    cjx_hub_feeds_unwritten(h);
    for (size_t i = 0; i < h->nreplies; i++) {
        cjx_reply *r = &h->replies[i];
        cjx_session *s = cjx_sessions_find(h->sessions, r->rid, r->rid_len);
        if (shows_entries(r)) {
            free(r->packed);
            r->packed = NULL;
            r->type = CJX__FRAME__MSG_NACK;
            cjx_fault_set(&r->fault, CJX_ESTORE, "",
                          "the hub could not record what this answer discloses: %s; ask again",
                          mdb_strerror(rc));
            cjx_hub_count_refusal(h, s ? s->code : NULL, &r->fault);
            continue;
        }
        if (r->type != CJX__FRAME__MSG_ACK)
            continue;
        if (!r->duplicate)
            h->counters.published--;
        if (s)
            cjx_hub_resend_from(s, r->outbox_seq, CJX_ESTORE);
        r->type = CJX__FRAME__MSG_NACK;
        cjx_fault_set(&r->fault, CJX_ESTORE, "", "the hub could not store the batch: %s",
                      mdb_strerror(rc));
        cjx_hub_count_refusal(h, s ? s->code : NULL, &r->fault);
    }
}

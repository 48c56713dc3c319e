/* publish.c — the hub's publish path.
 *
 * Each Publish of a batch is checked (decodes, validates, comes from the
 * institution it claims), deduplicated by (institution, outbox sequence),
 * and appended to the log and the state (state.c) with its id in the id
 * map, all inside the batch's one write transaction. A status change is
 * applied to the posting it names, which is logged again with the new
 * status. The Ack is only queued here: server.c sends it after the
 * transaction is committed and synced (guarantee 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"
#include "log.h"

void cjx_hub_resend_from(cjx_session *s, uint64_t outbox_seq, cjx_err reason)
{
    if (!s->resend_from || outbox_seq < s->resend_from) {
        s->resend_from = outbox_seq;
        s->resend_reason = reason;
    }
}

MDB_txn *cjx_hub_batch_txn(cjx_hub *h, cjx_fault *f)
{
    if (h->batch_failed) {
        cjx_fault_set(f, CJX_ESTORE, "", "the hub could not store this batch; resend");
        return NULL;
    }
    if (!h->batch_txn) {
        int rc = mdb_txn_begin(h->store->env, NULL, 0, &h->batch_txn);
        if (rc) {
            h->batch_txn = NULL;
            cjx_store_fault(f, rc, "beginning the batch");
            return NULL;
        }
    }
    return h->batch_txn;
}

int cjx_hub_put(cjx_hub *h, MDB_txn *txn, int db, MDB_val *k, MDB_val *v, unsigned flags)
{
    MDB_cursor **cur = &h->batch_cursors[db];
    if (txn != h->batch_txn)
        return mdb_put(txn, h->store->dbs[db], k, v, flags);
    if (!*cur) {
        int rc = mdb_cursor_open(txn, h->store->dbs[db], cur);
        if (rc) {
            *cur = NULL;
            return rc;
        }
    }
    return mdb_cursor_put(*cur, k, v, flags);
}

uint64_t cjx_hub_last_outbox_seq(MDB_txn *txn, const cjx_hub *h, const char *code)
{
    uint8_t key[CJX_ID_KEY_LEN];
    cjx_id_key(key, code, UINT64_MAX);
    MDB_cursor *cur;
    if (mdb_cursor_open(txn, h->store->dbs[HUB_DB_IDS], &cur))
        return 0;
    MDB_val k = {sizeof key, key}, v;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0 && k.mv_size == sizeof key && memcmp(k.mv_data, key, sizeof key) == 0)
        ; /* an entry at UINT64_MAX itself */
    else
        rc = mdb_cursor_get(cur, &k, &v, rc == 0 ? MDB_PREV : MDB_LAST);
    uint64_t last = 0;
    if (rc == 0 && k.mv_size == CJX_ID_KEY_LEN && memcmp(k.mv_data, key, CJX_CODE_LEN) == 0)
        last = cjx_be64_get((const uint8_t *)k.mv_data + CJX_CODE_LEN);
    mdb_cursor_close(cur);
    return last;
}

/* Makes sure the item names the session's institution as its origin; fills
 * it in when empty (then *repacked holds new bytes the caller frees). */
static cjx_err check_origin(Cjx__Item *item, const char *code, ProtobufCBinaryData *repacked,
                            cjx_fault *f)
{
    const char *field;
    char **origin = cjx_item_origin(item, &field);
    if (!origin)
        return cjx_fault_set(f, CJX_EKIND, "", "an item is a posting, a record or a status change");
    if ((*origin)[0] != '\0') {
        if (strcmp(*origin, code) != 0)
            return cjx_fault_set(f, CJX_EFORBIDDEN, field,
                                 "this session speaks for %s, not %s", code, *origin);
        return CJX_OK;
    }
    /* The field is at its default (protobuf_c_empty_string): point it at the
     * session's code for packing and for the state, then put the default
     * back for freeing (cjx_hub_publish does). */
    char *saved = *origin;
    *origin = (char *)code;
    repacked->len = cjx__item__get_packed_size(item);
    repacked->data = malloc(repacked->len ? repacked->len : 1);
    if (!repacked->data) {
        *origin = saved;
        return cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    }
    cjx__item__pack(item, repacked->data);
    return CJX_OK;
}

/* Applies a status change: the posting it names must be the session's and
 * open. Returns an LMDB code, or -1 with f set when the change is refused. */
static int apply_status_change(cjx_hub *h, MDB_txn *txn, const cjx_session *s,
                               uint64_t outbox_seq, const Cjx__Item *item, uint64_t *seq,
                               cjx_fault *f)
{
    static const char *const closed[] = {"open", "filled", "withdrawn", "expired"};
    const Cjx__StatusChange *c = item->status_change;
    uint8_t key[CJX_STATE_KEY_MAX];
    size_t klen = cjx_state_key(key, s->code, item);
    cjx_state_entry se;
    int rc = cjx_hub_state_get(txn, h, key, klen, &se);
    if (rc == MDB_NOTFOUND) {
        cjx_fault_set(f, CJX_ENOTFOUND, "status_change.ref", "no posting \"%.64s\" of %s",
                      c->ref, s->code);
        return -1;
    }
    if (rc)
        return rc;
    if (se.status != CJX__POSTING_STATUS__STATUS_OPEN) {
        cjx_fault_set(f, CJX_ERANGE, "status_change.status", "posting \"%.64s\" is already %s",
                      c->ref, closed[se.status & 3]);
        return -1;
    }
    return cjx_hub_close_posting(h, txn, s->code, outbox_seq, &se, c->status, c->note, seq);
}

/* Queues the Ack of outbox_seq (stored as seq), sent after the commit. */
static void queue_ack(cjx_hub *h, const cjx_session *s, uint64_t outbox_seq, uint64_t seq,
                      int duplicate)
{
    cjx_reply *r = cjx_hub_reply(h, s->rid, s->rid_len, CJX__FRAME__MSG_ACK);
    if (r) {
        r->outbox_seq = outbox_seq;
        r->seq = seq;
        r->duplicate = duplicate;
        r->batchable = s->ack_batch;
    }
}

void cjx_hub_publish(cjx_hub *h, cjx_session *s, const Cjx__Publish *p, int valid)
{
    cjx_fault fault = {0};
    Cjx__Item *item = NULL;
    ProtobufCBinaryData repacked = {0, NULL};

    if (p->outbox_seq == 0) {
        cjx_fault_set(&fault, CJX_EPROTOCOL, "outbox_seq", "outbox sequences start at 1");
        goto refuse;
    }
    if (s->resend_from && p->outbox_seq > s->resend_from) {
        cjx_fault_set(&fault, (cjx_err)s->resend_reason, "", "item %llu must be stored first: "
                      "resend from it", (unsigned long long)s->resend_from);
        goto refuse;
    }
    if (s->resend_from == p->outbox_seq)
        s->resend_from = 0; /* here it is again */
    if (cjx_limits_publish(h, s, &fault) != CJX_OK) {
        cjx_hub_resend_from(s, p->outbox_seq, CJX_ELIMIT);
        goto refuse;
    }
    item = cjx__item__unpack(&h->scratch.allocator, p->item.len, p->item.data);
    if (!item) {
        cjx_fault_set(&fault, CJX_EMALFORMED, "item", "the item is not a packed cjx.Item");
        goto refuse;
    }
    if (!valid && cjx_validate_item(&h->validator, item, &fault) != CJX_OK)
        goto refuse;
    if (check_origin(item, s->code, &repacked, &fault) != CJX_OK)
        goto refuse;
    if (item->body_case != CJX__ITEM__BODY_STATUS_CHANGE && /* closing what it published */
        cjx_policy_may_publish(h, s->kind, cjx_item_kind(item),
                               item->body_case == CJX__ITEM__BODY_POSTING ? "posting" : "record",
                               &fault) != CJX_OK)
        goto refuse;

    MDB_txn *txn = cjx_hub_batch_txn(h, &fault);
    if (!txn) {
        cjx_hub_resend_from(s, p->outbox_seq, CJX_ESTORE);
        goto refuse;
    }
    /* The id is claimed for the sequence the entry will get (the log's
     * next): one B-tree walk stores it or finds the item already stored. */
    uint8_t idkey[CJX_ID_KEY_LEN], seqkey[8];
    cjx_id_key(idkey, s->code, p->outbox_seq);
    uint64_t claimed = h->last_seq + 1, seq = 0;
    cjx_be64_put(seqkey, claimed);
    MDB_val ik = {sizeof idkey, idkey}, iv = {8, seqkey};
    int rc = cjx_hub_put(h, txn, HUB_DB_IDS, &ik, &iv, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST) {
        queue_ack(h, s, p->outbox_seq, cjx_be64_get(iv.mv_data), 1);
        h->counters.duplicates++;
        goto done;
    }
    if (rc == 0 && item->body_case == CJX__ITEM__BODY_STATUS_CHANGE) {
        rc = apply_status_change(h, txn, s, p->outbox_seq, item, &seq, &fault);
        if (rc < 0) { /* refused: the id is free again */
            rc = mdb_del(txn, h->store->dbs[HUB_DB_IDS], &ik, NULL);
            if (rc == 0)
                goto refuse;
        }
    } else if (rc == 0) {
        cjx_entry e = {s->code, p->outbox_seq, item, repacked.data ? &repacked : &p->item, NULL};
        rc = cjx_hub_append(h, txn, &e, &seq);
    }
    if (rc == 0 && seq != claimed)
        rc = MDB_CORRUPTED; /* cannot be: appends take the log's next sequence */
    if (rc) {
        /* The item may be half written: the whole batch is abandoned at
         * commit time and every ack queued so far turns into a refusal. */
        h->batch_failed = rc;
        cjx_store_fault(&fault, rc, "storing the item");
        cjx_hub_resend_from(s, p->outbox_seq, CJX_ESTORE);
        goto refuse;
    }
    queue_ack(h, s, p->outbox_seq, seq, 0);
    h->counters.published++;
    const char *kind = item->body_case == CJX__ITEM__BODY_STATUS_CHANGE ? "status_change"
                                                                       : cjx_item_kind(item);
    cjx_activity_published(h->activity, kind ? kind : "other");
    goto done;

refuse:
    cjx_hub_refuse(h, s->rid, s->rid_len, p->outbox_seq, 0, &fault, s->code);
done:
    if (repacked.data) {
        const char *field;
        *cjx_item_origin(item, &field) = (char *)protobuf_c_empty_string; /* see check_origin */
        free(repacked.data);
    }
    cjx_arena_reset(&h->scratch); /* item */
}

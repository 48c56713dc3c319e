/* publish.c — the hub's publish path.
 *
 * Each Publish of a batch is checked (decodes, validates, comes from the
 * institution it claims), deduplicated by (institution, outbox sequence),
 * given the next global sequence and written to the log, the id map and the
 * kind index, all inside the batch's one write transaction. The Ack is only
 * queued here: server.c sends it after the transaction is committed and
 * synced (guarantee 1).
 */
#include <stdlib.h>
#include <string.h>

#include "hub.h"
#include "log.h"

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
    char **origin = item->body_case == CJX__ITEM__BODY_POSTING
                        ? &item->posting->publisher_credit_code
                        : &item->record->reporter_credit_code;
    const char *field = item->body_case == CJX__ITEM__BODY_POSTING
                            ? "posting.publisher_credit_code"
                            : "record.reporter_credit_code";
    if ((*origin)[0] != '\0') {
        if (strcmp(*origin, code) != 0)
            return cjx_fault_set(f, CJX_EFORBIDDEN, field,
                                 "this session speaks for %s, not %s", code, *origin);
        return CJX_OK;
    }
    /* The field is at its default (protobuf_c_empty_string): point it at the
     * session's code for packing, then put the default back for freeing. */
    char *saved = *origin;
    *origin = (char *)code;
    repacked->len = cjx__item__get_packed_size(item);
    repacked->data = malloc(repacked->len ? repacked->len : 1);
    if (repacked->data)
        cjx__item__pack(item, repacked->data);
    *origin = saved;
    return repacked->data ? CJX_OK : cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
}

/* Writes the stored entry for a new item under sequence seq. */
static int store_item(cjx_hub *h, MDB_txn *txn, const cjx_session *s, uint64_t seq,
                      uint64_t outbox_seq, const ProtobufCBinaryData *bytes,
                      const char *kind)
{
    char id[CJX_ID_MAX];
    cjx_id_format(id, s->code, outbox_seq);
    Cjx__Stored st = CJX__STORED__INIT;
    st.seq = seq;
    st.id = id;
    st.origin = (char *)s->code;
    st.outbox_seq = outbox_seq;
    st.received_ms = cjx_now_ms();
    st.item = *bytes;
    st.kind = (char *)kind;

    uint8_t seqkey[8];
    cjx_be64_put(seqkey, seq);
    MDB_val k = {8, seqkey}, v = {cjx__stored__get_packed_size(&st), NULL};
    int rc = mdb_put(txn, h->store->dbs[HUB_DB_LOG], &k, &v, MDB_APPEND | MDB_RESERVE);
    if (rc)
        return rc;
    cjx__stored__pack(&st, v.mv_data);

    uint8_t idkey[CJX_ID_KEY_LEN];
    cjx_id_key(idkey, s->code, outbox_seq);
    MDB_val ik = {sizeof idkey, idkey}, iv = {8, seqkey};
    rc = mdb_put(txn, h->store->dbs[HUB_DB_IDS], &ik, &iv, MDB_NOOVERWRITE);
    if (rc)
        return rc;

    /* kind index: "<kind>\0" + seq → nothing */
    uint8_t kindkey[64 + 8];
    size_t klen = strlen(kind) + 1;
    memcpy(kindkey, kind, klen);
    memcpy(kindkey + klen, seqkey, 8);
    MDB_val kk = {klen + 8, kindkey}, kv = {0, NULL};
    return mdb_put(txn, h->store->dbs[HUB_DB_KINDS], &kk, &kv, 0);
}

void cjx_hub_publish(cjx_hub *h, cjx_session *s, const Cjx__Publish *p)
{
    cjx_fault fault = {0};
    Cjx__Item *item = NULL;
    ProtobufCBinaryData repacked = {0, NULL};

    if (p->outbox_seq == 0) {
        cjx_fault_set(&fault, CJX_EPROTOCOL, "outbox_seq", "outbox sequences start at 1");
        goto refuse;
    }
    item = cjx__item__unpack(NULL, p->item.len, p->item.data);
    if (!item) {
        cjx_fault_set(&fault, CJX_EMALFORMED, "item", "the item is not a packed cjx.Item");
        goto refuse;
    }
    if (cjx_validate_item(&h->validator, item, &fault) != CJX_OK)
        goto refuse;
    if (check_origin(item, s->code, &repacked, &fault) != CJX_OK)
        goto refuse;
    const char *kind = cjx_item_kind(item);
    if (strlen(kind) >= 64) { /* our own schema's names; cannot happen */
        cjx_fault_set(&fault, CJX_EKIND, "", "kind name too long");
        goto refuse;
    }

    MDB_txn *txn = cjx_hub_batch_txn(h, &fault);
    if (!txn)
        goto refuse;
    uint8_t idkey[CJX_ID_KEY_LEN];
    cjx_id_key(idkey, s->code, p->outbox_seq);
    MDB_val ik = {sizeof idkey, idkey}, iv;
    int rc = mdb_get(txn, h->store->dbs[HUB_DB_IDS], &ik, &iv);
    if (rc == 0) {
        cjx_reply *r = cjx_hub_reply(h, s->rid, s->rid_len, CJX__FRAME__MSG_ACK);
        if (r) {
            r->outbox_seq = p->outbox_seq;
            r->seq = cjx_be64_get(iv.mv_data);
            r->duplicate = 1;
        }
        h->counters.duplicates++;
        goto done;
    }
    uint64_t seq = h->last_seq + 1;
    rc = store_item(h, txn, s, seq, p->outbox_seq,
                    repacked.data ? &repacked : &p->item, kind);
    if (rc) {
        /* The item may be half written: the whole batch is abandoned at
         * commit time and every ack queued so far turns into a refusal. */
        h->batch_failed = rc;
        cjx_store_fault(&fault, rc, "storing the item");
        goto refuse;
    }
    h->last_seq = seq;
    cjx_reply *r = cjx_hub_reply(h, s->rid, s->rid_len, CJX__FRAME__MSG_ACK);
    if (r) {
        r->outbox_seq = p->outbox_seq;
        r->seq = seq;
    }
    h->counters.published++;
    goto done;

refuse:
    cjx_hub_refuse(h, s->rid, s->rid_len, p->outbox_seq, 0, &fault, s->code);
done:
    free(repacked.data);
    if (item)
        cjx__item__free_unpacked(item, NULL);
}

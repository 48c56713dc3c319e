/* query.c — reads at the hub: one item by id, listings by sequence (all
 * kinds, or one kind through the kind index).
 * Records the sharing policy does not show the asking institution are left
 * out of listings and refused by id.
 * Reads use their own read-only transaction, so they see committed state
 * only, never the open batch.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"
#include "log.h"

#define LIST_LIMIT_MAX 1000
#define RESULT_BYTES_MAX (4u << 20)  /* keep a Result well under ZMQ_MAXMSGSIZE */

typedef struct result_builder {
    ProtobufCBinaryData *items;
    size_t n, cap, bytes;
} result_builder;

/* Copies one packed Stored value into the result. Returns 0, or -1 when the
 * result is full or memory ran out. */
static int add_item(result_builder *b, const ProtobufCBinaryData *v)
{
    if (b->bytes + v->len > RESULT_BYTES_MAX)
        return -1;
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 16;
        ProtobufCBinaryData *items = realloc(b->items, cap * sizeof *items);
        if (!items)
            return -1;
        b->items = items;
        b->cap = cap;
    }
    void *copy = malloc(v->len ? v->len : 1);
    if (!copy)
        return -1;
    memcpy(copy, v->data, v->len);
    b->items[b->n++] = (ProtobufCBinaryData){v->len, copy};
    b->bytes += v->len;
    return 0;
}

int cjx_hub_shown(cjx_hub *h, const cjx_session *s, const MDB_val *v, ProtobufCBinaryData *shown)
{
    cjx_fault fault;
    MDB_txn *wtxn = cjx_hub_batch_txn(h, &fault);
    if (!wtxn)
        return MDB_PANIC;
    int audited, rc = cjx_audit_disclose(h, wtxn, s, v, NULL, NULL, shown, &audited);
    if (rc)
        h->batch_failed = rc;
    if (audited)
        h->batch_audited = 1;
    return rc;
}

/* Adds what session s may be shown of a log entry (cjx_hub_shown).
 * Returns 0, 1 when the result is full, or an LMDB code. */
static int add_shown(cjx_hub *h, const cjx_session *s, const MDB_val *v, result_builder *b)
{
    ProtobufCBinaryData shown;
    int rc = cjx_hub_shown(h, s, v, &shown);
    if (rc)
        return rc;
    int full = add_item(b, &shown);
    if (shown.data != v->mv_data)
        free(shown.data);
    return full ? 1 : 0;
}

static void send_result(cjx_hub *h, const uint8_t *rid, size_t rid_len, uint64_t request_id,
                        result_builder *b, uint64_t next, int more)
{
    Cjx__Result res = CJX__RESULT__INIT;
    res.request_id = request_id;
    res.n_items = b->n;
    res.items = b->items;
    res.next_since_seq = next;
    res.more = more;
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_RESULT;
    fr.result = &res;
    cjx_hub_reply_frame(h, rid, rid_len, &fr);
    for (size_t i = 0; i < b->n; i++)
        free(b->items[i].data);
    free(b->items);
}

/* Looks up one id. Returns an LMDB code (MDB_NOTFOUND when unknown). */
static int get_by_id(cjx_hub *h, const cjx_session *s, MDB_txn *txn, const char *id,
                     result_builder *b, cjx_fault *f)
{
    char code[CJX_CODE_LEN + 1];
    uint64_t oseq;
    if (cjx_id_parse(id, code, &oseq) != CJX_OK) {
        cjx_fault_set(f, CJX_ECODE, "id", "\"%s\" is not an item id (CREDITCODE-N)", id);
        return -1;
    }
    uint8_t key[CJX_ID_KEY_LEN];
    cjx_id_key(key, code, oseq);
    MDB_val k = {sizeof key, key}, v;
    int rc = mdb_get(txn, h->store->dbs[HUB_DB_IDS], &k, &v);
    if (rc == 0) {
        MDB_val sk = {8, v.mv_data};
        rc = mdb_get(txn, h->store->dbs[HUB_DB_LOG], &sk, &v);
    }
    if (rc == 0 && !cjx_policy_may_see_packed(h, s, v.mv_data, v.mv_size)) {
        cjx_fault_set(f, CJX_EFORBIDDEN, "id", "%s is a record the sharing policy does not "
                      "show your institution", id);
        return -1;
    }
    if (rc == 0 && add_shown(h, s, &v, b))
        rc = ENOMEM;
    if (rc == MDB_NOTFOUND)
        cjx_fault_set(f, CJX_ENOTFOUND, "id", "no item %s at the hub", id);
    else if (rc)
        cjx_store_fault(f, rc, "reading the item");
    return rc;
}

/* Lists entries with seq > since, of one kind when kind is not empty.
 * Sets *next to the last sequence returned and *more when entries remain. */
static int list(cjx_hub *h, const cjx_session *s, MDB_txn *txn, const char *kind,
                uint64_t since, size_t limit, result_builder *b, uint64_t *next, int *more)
{
    size_t klen = kind[0] ? strlen(kind) + 1 : 0;
    if (klen > 64)
        return MDB_NOTFOUND;
    MDB_dbi dbi = klen ? h->store->dbs[HUB_DB_KINDS] : h->store->dbs[HUB_DB_LOG];
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc)
        return rc;
    uint8_t key[64 + 8];
    memcpy(key, kind, klen);
    cjx_be64_put(key + klen, since + 1);
    MDB_val k = {klen + 8, key}, v;
    *next = since;
    *more = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != klen + 8 || memcmp(k.mv_data, kind, klen) != 0)
            break; /* past this kind */
        if (b->n == limit) {
            *more = 1;
            break;
        }
        const uint8_t *seqbytes = (const uint8_t *)k.mv_data + klen;
        if (klen) {
            MDB_val sk = {8, (void *)seqbytes};
            rc = mdb_get(txn, h->store->dbs[HUB_DB_LOG], &sk, &v);
            if (rc)
                break;
        }
        if (cjx_policy_may_see_packed(h, s, v.mv_data, v.mv_size)) {
            int added = add_shown(h, s, &v, b);
            if (added != 0 && added != 1) {
                rc = added;
                break;
            }
            if (added == 1) {
                *more = 1;
                break;
            }
        }
        *next = cjx_be64_get(seqbytes);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

void cjx_hub_query(cjx_hub *h, const cjx_session *s, const Cjx__Query *q)
{
    cjx_fault fault = {0};
    result_builder b = {0};
    uint64_t next = q->since_seq;
    int more = 0;
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &txn);
    if (rc) {
        cjx_store_fault(&fault, rc, "query");
    } else if (q->id[0]) {
        rc = get_by_id(h, s, txn, q->id, &b, &fault);
    } else {
        size_t limit = q->limit && q->limit < LIST_LIMIT_MAX ? q->limit : LIST_LIMIT_MAX;
        rc = list(h, s, txn, q->kind, q->since_seq, limit, &b, &next, &more);
        if (rc)
            cjx_store_fault(&fault, rc, "listing");
    }
    if (txn)
        mdb_txn_abort(txn);
    if (rc) {
        for (size_t i = 0; i < b.n; i++)
            free(b.items[i].data);
        free(b.items);
        cjx_hub_refuse(h, s->rid, s->rid_len, 0, q->request_id, &fault, s->code);
        return;
    }
    send_result(h, s->rid, s->rid_len, q->request_id, &b, next, more);
}

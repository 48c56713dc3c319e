/* state.c — the one way anything enters the hub's log, and the current
 * state kept beside it.
 *
 * cjx_hub_append gives an entry the next global sequence, writes it to the
 * log and the kind index, and applies it to the "state" database (state key
 * → sequence of the current version, its status and valid_until) and to the
 * "expiry" index of open postings (valid_until + state key). Publishes,
 * status changes, expiries and registry entries all come through here, in
 * the batch's write transaction, so the state always adds up to the log
 * (docs/protocol.md, "State and replicas").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"
#include "utf8.h"
#include "log.h"
#include "state.h"

#define DATE_LEN 10                  /* "YYYY-MM-DD" */
#define STATE_VALUE_MAX (8 + 1 + DATE_LEN)
/* Postings one sweep closes at most, so a day's expiries cannot hold up a
 * batch for long. */
#define EXPIRE_PER_SWEEP 256

static MDB_val state_value(uint8_t buf[STATE_VALUE_MAX], uint64_t seq, int status,
                           const char *valid_until)
{
    size_t n = strlen(valid_until) == DATE_LEN ? DATE_LEN : 0;
    cjx_be64_put(buf, seq);
    buf[8] = (uint8_t)status;
    memcpy(buf + 9, valid_until, n);
    return (MDB_val){9 + n, buf};
}

/* Reads a state value (seq, status, valid_until) into out. */
static void state_parse(const MDB_val *v, cjx_state_entry *out)
{
    const uint8_t *p = v->mv_data;
    out->seq = cjx_be64_get(p);
    out->status = p[8];
    memset(out->valid_until, 0, sizeof out->valid_until);
    memcpy(out->valid_until, p + 9, v->mv_size - 9 <= DATE_LEN ? v->mv_size - 9 : 0);
}

int cjx_hub_state_get(MDB_txn *txn, const cjx_hub *h, const uint8_t *key, size_t klen,
                      cjx_state_entry *out)
{
    MDB_val k = {klen, (void *)key}, v;
    int rc = mdb_get(txn, h->store->dbs[HUB_DB_STATE], &k, &v);
    if (rc == 0)
        state_parse(&v, out);
    return rc;
}

int cjx_hub_log_get(MDB_txn *txn, const cjx_hub *h, uint64_t seq, MDB_val *out)
{
    uint8_t sk[8];
    cjx_be64_put(sk, seq);
    MDB_val k = {8, sk};
    return mdb_get(txn, h->store->dbs[HUB_DB_LOG], &k, out);
}

/* The expiry index key: valid_until then the state key. */
static MDB_val expiry_key(uint8_t buf[DATE_LEN + CJX_STATE_KEY_MAX], const char *date,
                          const uint8_t *key, size_t klen)
{
    memcpy(buf, date, DATE_LEN);
    memcpy(buf + DATE_LEN, key, klen);
    return (MDB_val){DATE_LEN + klen, buf};
}

static Cjx__Change change_of(int existed, int status)
{
    if (!existed)
        return CJX__CHANGE__CHANGE_NEW;
    switch (status) {
    case CJX__POSTING_STATUS__STATUS_FILLED:
        return CJX__CHANGE__CHANGE_FILL;
    case CJX__POSTING_STATUS__STATUS_WITHDRAWN:
        return CJX__CHANGE__CHANGE_WITHDRAW;
    case CJX__POSTING_STATUS__STATUS_EXPIRED:
        return CJX__CHANGE__CHANGE_EXPIRE;
    default:
        return CJX__CHANGE__CHANGE_UPDATE;
    }
}

/* Writes the log entry and its kind index entry under seq. */
static int put_log(cjx_hub *h, MDB_txn *txn, const cjx_entry *e, uint64_t seq, const char *kind,
                   Cjx__Change change)
{
    char id[CJX_ID_MAX] = "";
    if (e->outbox_seq)
        cjx_id_format(id, e->origin, e->outbox_seq);
    Cjx__Stored st = CJX__STORED__INIT;
    st.seq = seq;
    st.id = id;
    st.origin = (char *)e->origin;
    st.outbox_seq = e->outbox_seq;
    st.received_ms = cjx_now_ms();
    st.item = *e->bytes;
    st.kind = (char *)kind;
    st.change = change;
    st.note = (char *)(e->note ? e->note : "");

    uint8_t seqkey[8];
    cjx_be64_put(seqkey, seq);
    MDB_val k = {8, seqkey}, v = {cjx__stored__get_packed_size(&st), NULL};
    int rc = cjx_hub_put(h, txn, HUB_DB_LOG, &k, &v, MDB_APPEND | MDB_RESERVE);
    if (rc)
        return rc;
    cjx__stored__pack(&st, v.mv_data);

    /* kind index: "<kind>\0" + seq → nothing */
    uint8_t kindkey[64 + 8];
    size_t klen = strlen(kind) + 1;
    if (klen > 64)
        return MDB_BAD_VALSIZE;
    memcpy(kindkey, kind, klen);
    memcpy(kindkey + klen, seqkey, 8);
    MDB_val kk = {klen + 8, kindkey}, kv = {0, NULL};
    return cjx_hub_put(h, txn, HUB_DB_KINDS, &kk, &kv, 0);
}

int cjx_hub_append(cjx_hub *h, MDB_txn *txn, const cjx_entry *e, uint64_t *seq_out)
{
    const char *kind = e->item->body_case == CJX__ITEM__BODY_INSTITUTION
                           ? "institution" : cjx_item_kind(e->item);
    uint8_t key[CJX_STATE_KEY_MAX];
    size_t klen = cjx_state_key(key, e->origin, e->item);
    if (!kind || !klen)
        return MDB_BAD_VALSIZE; /* validation keeps such items out */
    int status = 0;
    const char *valid_until = "";
    if (e->item->body_case == CJX__ITEM__BODY_POSTING) {
        status = e->item->posting->status;
        valid_until = e->item->posting->valid_until;
    }

    /* The state entry first: one B-tree walk stores a new key (most are)
     * or finds the current version, which is then replaced. */
    uint64_t seq = h->last_seq + 1;
    uint8_t vb[STATE_VALUE_MAX];
    MDB_val k = {klen, key}, v = state_value(vb, seq, status, valid_until), found = v;
    int rc = cjx_hub_put(h, txn, HUB_DB_STATE, &k, &found, MDB_NOOVERWRITE);
    int existed = rc == MDB_KEYEXIST;
    if (rc && !existed)
        return rc;
    uint8_t xb[DATE_LEN + CJX_STATE_KEY_MAX];
    if (existed) {
        cjx_state_entry old;
        state_parse(&found, &old);
        if (old.status == CJX__POSTING_STATUS__STATUS_OPEN && old.valid_until[0]) {
            MDB_val xk = expiry_key(xb, old.valid_until, key, klen);
            rc = mdb_del(txn, h->store->dbs[HUB_DB_EXPIRY], &xk, NULL);
            if (rc && rc != MDB_NOTFOUND)
                return rc;
        }
        rc = cjx_hub_put(h, txn, HUB_DB_STATE, &k, &v, 0);
        if (rc)
            return rc;
    }
    rc = put_log(h, txn, e, seq, kind, change_of(existed, status));
    if (rc)
        return rc; /* the search index follows the log (search_follow.c) */
    if (e->item->body_case == CJX__ITEM__BODY_POSTING &&
        status == CJX__POSTING_STATUS__STATUS_OPEN && strlen(valid_until) == DATE_LEN) {
        MDB_val xk = expiry_key(xb, valid_until, key, klen), xv = {0, NULL};
        rc = cjx_hub_put(h, txn, HUB_DB_EXPIRY, &xk, &xv, 0);
        if (rc)
            return rc;
    }
    h->last_seq = seq;
    if (seq_out)
        *seq_out = seq;
    return 0;
}

int cjx_hub_current_item(MDB_txn *txn, const cjx_hub *h, const cjx_state_entry *se,
                         Cjx__Stored **st, Cjx__Item **item)
{
    MDB_val v;
    int rc = cjx_hub_log_get(txn, h, se->seq, &v);
    if (rc)
        return rc;
    *st = cjx__stored__unpack(NULL, v.mv_size, v.mv_data);
    *item = *st ? cjx__item__unpack(NULL, (*st)->item.len, (*st)->item.data) : NULL;
    if (*item)
        return 0;
    if (*st)
        cjx__stored__free_unpacked(*st, NULL);
    *st = NULL;
    return MDB_CORRUPTED;
}

int cjx_hub_close_posting(cjx_hub *h, MDB_txn *txn, const char *origin, uint64_t outbox_seq,
                          const cjx_state_entry *se, int status, const char *note,
                          uint64_t *seq_out)
{
    Cjx__Stored *st;
    Cjx__Item *item;
    int rc = cjx_hub_current_item(txn, h, se, &st, &item);
    if (rc)
        return rc;
    if (item->body_case != CJX__ITEM__BODY_POSTING) {
        rc = MDB_CORRUPTED;
    } else {
        item->posting->status = status;
        ProtobufCBinaryData bytes = {cjx__item__get_packed_size(item), NULL};
        bytes.data = malloc(bytes.len ? bytes.len : 1);
        if (!bytes.data) {
            rc = ENOMEM;
        } else {
            cjx__item__pack(item, bytes.data);
            cjx_entry e = {origin, outbox_seq, item, &bytes, note};
            rc = cjx_hub_append(h, txn, &e, seq_out);
            free(bytes.data);
        }
    }
    cjx__item__free_unpacked(item, NULL);
    cjx__stored__free_unpacked(st, NULL);
    return rc;
}

void cjx_hub_expire(cjx_hub *h, const char *today)
{
    MDB_txn *rtxn;
    if (mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &rtxn))
        return;
    /* Collect first: the sweep changes the index it walks. */
    uint8_t keys[EXPIRE_PER_SWEEP][CJX_STATE_KEY_MAX];
    size_t lens[EXPIRE_PER_SWEEP], n = 0;
    MDB_cursor *cur;
    if (mdb_cursor_open(rtxn, h->store->dbs[HUB_DB_EXPIRY], &cur) == 0) {
        MDB_val k, v;
        for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
             rc == 0 && n < EXPIRE_PER_SWEEP && k.mv_size > DATE_LEN &&
             memcmp(k.mv_data, today, DATE_LEN) < 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            lens[n] = k.mv_size - DATE_LEN;
            memcpy(keys[n], (const uint8_t *)k.mv_data + DATE_LEN, lens[n]);
            n++;
        }
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(rtxn);
    if (!n)
        return;

    cjx_fault fault;
    MDB_txn *txn = cjx_hub_batch_txn(h, &fault);
    if (!txn)
        return;
    for (size_t i = 0; i < n; i++) {
        cjx_state_entry se;
        char origin[CJX_CODE_LEN + 1] = "", name[CJX_STATE_KEY_MAX + 8];
        memcpy(origin, keys[i], CJX_CODE_LEN);
        cjx_state_key_text(name, sizeof name, keys[i], lens[i]);
        int rc = cjx_hub_state_get(txn, h, keys[i], lens[i], &se);
        /* this batch may have closed or extended it since the index was read */
        if (rc == 0 && (se.status != CJX__POSTING_STATUS__STATUS_OPEN ||
                        strlen(se.valid_until) != DATE_LEN ||
                        memcmp(se.valid_until, today, DATE_LEN) >= 0))
            continue;
        if (rc == 0)
            rc = cjx_hub_close_posting(h, txn, origin, 0, &se,
                                       CJX__POSTING_STATUS__STATUS_EXPIRED, NULL, NULL);
        if (rc) {
            CJX_LOG(CJX_LOG_ERR, "state.expire", origin, "cannot expire %s: %s", name,
                    mdb_strerror(rc));
            h->batch_failed = rc;
            return;
        }
        h->counters.expired++;
        CJX_LOG(CJX_LOG_INFO, "state.expire", origin, "%s expired (valid until %.10s)", name,
                se.valid_until);
    }
}

void cjx_hub_register(cjx_hub *h, const char *code, const Cjx__Institution *in)
{
    Cjx__Institution copy = *in;
    copy.credit_code = (char *)code;
    Cjx__Item item = CJX__ITEM__INIT;
    item.body_case = CJX__ITEM__BODY_INSTITUTION;
    item.institution = &copy;
    ProtobufCBinaryData bytes = {cjx__item__get_packed_size(&item), NULL};
    bytes.data = malloc(bytes.len ? bytes.len : 1);
    cjx_fault fault;
    MDB_txn *txn = bytes.data ? cjx_hub_batch_txn(h, &fault) : NULL;
    if (!txn) {
        free(bytes.data);
        return; /* registered at its next Hello */
    }
    cjx__item__pack(&item, bytes.data);

    uint8_t key[CJX_STATE_KEY_MAX];
    size_t klen = cjx_state_key(key, code, &item);
    cjx_state_entry se;
    MDB_val v;
    int same = 0;
    if (cjx_hub_state_get(txn, h, key, klen, &se) == 0 && cjx_hub_log_get(txn, h, se.seq, &v) == 0) {
        Cjx__Stored *st = cjx__stored__unpack(NULL, v.mv_size, v.mv_data);
        same = st && st->item.len == bytes.len && memcmp(st->item.data, bytes.data, bytes.len) == 0;
        if (st)
            cjx__stored__free_unpacked(st, NULL);
    }
    if (!same) {
        cjx_entry e = {code, 0, &item, &bytes, NULL};
        int rc = cjx_hub_append(h, txn, &e, NULL);
        if (rc)
            h->batch_failed = rc;
        else
            CJX_LOG(CJX_LOG_INFO, "state.register", code, "registry: %s", in->name);
    }
    free(bytes.data);
}

cjx_err cjx_hub_check_institution(const Cjx__Institution *in, cjx_fault *f)
{
    if (!protobuf_c_enum_descriptor_get_value(&cjx__institution_kind__descriptor, (int)in->kind))
        return cjx_fault_set(f, CJX_ERANGE, "institution.kind", "%d is not an institution kind",
                             (int)in->kind);
    if (strlen(in->name) > 600 || strlen(in->division_code) > 12 || strlen(in->zone) > 600 ||
        strlen(in->industry_code) > 12 || in->n_clusters > 8)
        return cjx_fault_set(f, CJX_ELENGTH, "institution", "the institution's description is "
                             "too long");
    if (!cjx_utf8_valid(in->name, strlen(in->name)))
        return cjx_fault_set(f, CJX_EMALFORMED, "institution.name", "not UTF-8 text");
    if (!cjx_utf8_valid(in->zone, strlen(in->zone)))
        return cjx_fault_set(f, CJX_EMALFORMED, "institution.zone", "not UTF-8 text");
    return CJX_OK;
}

int cjx_hub_registry_kind(cjx_hub *h, const char *code)
{
    Cjx__Item probe = CJX__ITEM__INIT;
    Cjx__Institution in = CJX__INSTITUTION__INIT;
    probe.body_case = CJX__ITEM__BODY_INSTITUTION;
    probe.institution = &in;
    uint8_t key[CJX_STATE_KEY_MAX];
    size_t klen = cjx_state_key(key, code, &probe);
    MDB_txn *txn;
    if (mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &txn))
        return 0;
    cjx_state_entry se;
    Cjx__Stored *st;
    Cjx__Item *item;
    int kind = 0;
    if (cjx_hub_state_get(txn, h, key, klen, &se) == 0 &&
        cjx_hub_current_item(txn, h, &se, &st, &item) == 0) {
        if (item->body_case == CJX__ITEM__BODY_INSTITUTION)
            kind = item->institution->kind;
        cjx__item__free_unpacked(item, NULL);
        cjx__stored__free_unpacked(st, NULL);
    }
    mdb_txn_abort(txn);
    return kind;
}

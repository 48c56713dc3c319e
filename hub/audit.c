/* audit.c — personal data on its way out of the hub, and the audit log of
 * every such delivery.
 *
 * A record's pii_ fields go only to the institution that reported it and to
 * the receivers the policy names for its kind ([personal] in the hub's
 * configuration); everyone else gets the record without them. Each delivery
 * to a named receiver is first written to the "audit" database, in a
 * transaction committed before the delivery: 8-byte sequence → packed
 * AuditEntry, each entry holding the hash of the one before, so that
 * changing, removing or reordering entries breaks the chain (`cjx audit
 * verify`).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"
#include "log.h"
#include "personal.h"

#define AUDIT_LIST_MAX 1000

/* BLAKE2b-256 of e packed with its hash empty. */
static void entry_hash(Cjx__AuditEntry *e, uint8_t out[CJX_DIGEST_LEN])
{
    ProtobufCBinaryData saved = e->hash;
    e->hash = (ProtobufCBinaryData){0, NULL};
    size_t len = cjx__audit_entry__get_packed_size(e);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf) {
        cjx__audit_entry__pack(e, buf);
        crypto_generichash(out, CJX_DIGEST_LEN, buf, len, NULL, 0);
    } else {
        memset(out, 0, CJX_DIGEST_LEN);
    }
    free(buf);
    e->hash = saved;
}

cjx_err cjx_audit_open(cjx_hub *h, cjx_fault *f)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    h->audit_seq = 0;
    memset(h->audit_hash, 0, sizeof h->audit_hash);
    int rc = mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return cjx_store_fault(f, rc, "reading the audit log");
    rc = mdb_cursor_open(txn, h->store->dbs[HUB_DB_AUDIT], &cur);
    if (rc == 0) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
        Cjx__AuditEntry *e = rc == 0 ? cjx__audit_entry__unpack(NULL, v.mv_size, v.mv_data) : NULL;
        if (e && e->hash.len == CJX_DIGEST_LEN) {
            h->audit_seq = e->seq;
            memcpy(h->audit_hash, e->hash.data, CJX_DIGEST_LEN);
        } else if (rc == 0) {
            rc = MDB_CORRUPTED;
        }
        if (e)
            cjx__audit_entry__free_unpacked(e, NULL);
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    return rc == 0 || rc == MDB_NOTFOUND ? CJX_OK : cjx_store_fault(f, rc, "reading the audit log");
}

struct names {
    char *v[16];
    size_t n;
};

static void add_name(void *ctx, const char *name)
{
    struct names *ns = ctx;
    for (size_t i = 0; i < ns->n; i++)
        if (strcmp(ns->v[i], name) == 0)
            return;
    if (ns->n < 16)
        ns->v[ns->n++] = (char *)name;
}

/* Appends the delivery of st's personal fields to receiver, in txn. */
static int append(cjx_hub *h, MDB_txn *txn, const char *receiver, const Cjx__Stored *st,
                  const Cjx__Item *item)
{
    char rule[96];
    snprintf(rule, sizeof rule, "personal.%s", st->kind);
    struct names ns = {.n = 0};
    cjx_personal_fields(&item->base, add_name, &ns);
    Cjx__AuditEntry e = CJX__AUDIT_ENTRY__INIT;
    e.seq = h->audit_seq + 1;
    e.time_ms = cjx_now_ms();
    e.receiver = (char *)receiver;
    e.record_id = st->id;
    e.record_seq = st->seq;
    e.kind = st->kind;
    e.rule = rule;
    e.n_fields = ns.n;
    e.fields = ns.v;
    e.prev_hash = (ProtobufCBinaryData){CJX_DIGEST_LEN, h->audit_hash};
    uint8_t hash[CJX_DIGEST_LEN];
    entry_hash(&e, hash);
    e.hash = (ProtobufCBinaryData){CJX_DIGEST_LEN, hash};
    uint8_t key[8];
    cjx_be64_put(key, e.seq);
    MDB_val k = {8, key}, v = {cjx__audit_entry__get_packed_size(&e), NULL};
    int rc = mdb_put(txn, h->store->dbs[HUB_DB_AUDIT], &k, &v, MDB_APPEND | MDB_RESERVE);
    if (rc)
        return rc;
    cjx__audit_entry__pack(&e, v.mv_data);
    h->audit_seq = e.seq;
    memcpy(h->audit_hash, hash, CJX_DIGEST_LEN);
    CJX_LOG(CJX_LOG_INFO, "audit.personal", receiver, "%s %s (%zu personal fields), rule %s",
            st->kind, st->id, ns.n, rule);
    return 0;
}

int cjx_audit_disclose(cjx_hub *h, MDB_txn *txn, const cjx_session *s, const MDB_val *entry,
                       const Cjx__Stored *st, signed char *personal, ProtobufCBinaryData *out,
                       int *audited)
{
    *out = (ProtobufCBinaryData){entry->mv_size, entry->mv_data};
    *audited = 0;
    Cjx__Stored *own_st = st ? NULL : cjx__stored__unpack(NULL, entry->mv_size, entry->mv_data);
    if (!st)
        st = own_st;
    /* only another institution's records carry personal fields to hold back;
     * postings and the registry (most events) are not looked at further, nor
     * is an item unpacked when its bytes show no personal field */
    Cjx__Item *item = NULL;
    int rc = 0, has_personal = 0;
    if (st && (!personal || *personal != 0) && cjx_state_class(st->kind) == CJX_CLASS_RECORD &&
        strcmp(st->origin, s->code) != 0) {
        if (!cjx_personal_maybe_packed(&cjx__item__descriptor, st->item.data, st->item.len)) {
            if (personal)
                *personal = 0;
        } else if ((item = cjx__item__unpack(NULL, st->item.len, st->item.data))) {
            has_personal = cjx_personal_fields(&item->base, NULL, NULL) > 0;
            if (personal)
                *personal = (signed char)has_personal;
        }
    }
    if (has_personal) {
        /* an operator's session names any code in its Hello: it never gets them */
        if (!s->operator_ && cjx_policy_personal_receiver(h, st->kind, s->code)) {
            MDB_txn *own = NULL;
            rc = txn ? 0 : mdb_txn_begin(h->store->env, NULL, 0, &own);
            if (rc == 0)
                rc = append(h, txn ? txn : own, s->code, st, item);
            if (own && rc)
                mdb_txn_abort(own);
            else if (own)
                rc = mdb_txn_commit(own);
            if (rc)
                cjx_audit_reload(h);
            *audited = rc == 0;
        } else {
            uint8_t *copy;
            size_t len;
            int r = cjx_personal_redact_stored(entry->mv_data, entry->mv_size, &copy, &len);
            if (r == 1)
                *out = (ProtobufCBinaryData){len, copy};
            rc = r < 0 ? ENOMEM : 0;
        }
    }
    if (item)
        cjx__item__free_unpacked(item, NULL);
    if (own_st)
        cjx__stored__free_unpacked(own_st, NULL);
    return rc;
}

void cjx_audit_reload(cjx_hub *h)
{
    cjx_fault f;
    if (cjx_audit_open(h, &f) != CJX_OK)
        CJX_LOG(CJX_LOG_CRIT, "audit.reload", NULL, "%s", f.text);
}

/* Walks the chain; sets *checked, and *broken to the first entry whose
 * hash or link does not hold (0 when all do). */
static int verify(MDB_txn *txn, const cjx_hub *h, uint64_t *checked, uint64_t *broken)
{
    MDB_cursor *cur;
    MDB_val k, v;
    uint8_t prev[CJX_DIGEST_LEN] = {0};
    uint64_t expect = 1;
    *checked = *broken = 0;
    int rc = mdb_cursor_open(txn, h->store->dbs[HUB_DB_AUDIT], &cur);
    if (rc)
        return rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !*broken;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), expect++) {
        Cjx__AuditEntry *e = cjx__audit_entry__unpack(NULL, v.mv_size, v.mv_data);
        uint8_t hash[CJX_DIGEST_LEN];
        int ok = e && e->seq == expect && k.mv_size == 8 && cjx_be64_get(k.mv_data) == expect &&
                 e->prev_hash.len == CJX_DIGEST_LEN && e->hash.len == CJX_DIGEST_LEN &&
                 memcmp(e->prev_hash.data, prev, CJX_DIGEST_LEN) == 0;
        if (ok) {
            entry_hash(e, hash);
            ok = memcmp(hash, e->hash.data, CJX_DIGEST_LEN) == 0;
            memcpy(prev, e->hash.data, CJX_DIGEST_LEN);
        }
        if (e)
            cjx__audit_entry__free_unpacked(e, NULL);
        if (ok)
            (*checked)++;
        else
            *broken = expect;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

void cjx_hub_audit_query(cjx_hub *h, cjx_session *s, const Cjx__AuditQuery *m)
{
    cjx_fault fault = {0};
    if (h->zap && !s->operator_) {
        cjx_fault_set(&fault, CJX_EFORBIDDEN, "", "only operators read the audit log");
        cjx_hub_refuse(h, s->rid, s->rid_len, 0, m->request_id, &fault, s->code);
        return;
    }
    Cjx__AuditResult res = CJX__AUDIT_RESULT__INIT;
    res.request_id = m->request_id;
    Cjx__AuditEntry *entries[AUDIT_LIST_MAX];
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        txn = NULL;
    if (rc == 0 && m->verify) {
        rc = verify(txn, h, &res.checked, &res.broken_seq);
        res.text = res.broken_seq ? "the chain is broken: an entry was changed, removed or moved"
                                  : "the chain holds";
    } else if (rc == 0) {
        MDB_cursor *cur;
        size_t limit = m->limit && m->limit < AUDIT_LIST_MAX ? m->limit : AUDIT_LIST_MAX;
        uint8_t key[8];
        cjx_be64_put(key, m->since_seq + 1);
        MDB_val k = {8, key}, v;
        rc = mdb_cursor_open(txn, h->store->dbs[HUB_DB_AUDIT], &cur);
        for (int g = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); g == 0;
             g = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            if (res.n_entries == limit) {
                res.more = 1;
                break;
            }
            Cjx__AuditEntry *e = cjx__audit_entry__unpack(NULL, v.mv_size, v.mv_data);
            if (e)
                entries[res.n_entries++] = e;
        }
        if (rc == 0)
            mdb_cursor_close(cur);
        res.entries = entries;
    }
    if (rc == 0) {
        Cjx__Frame fr = CJX__FRAME__INIT;
        fr.msg_case = CJX__FRAME__MSG_AUDIT_RESULT;
        fr.audit_result = &res;
        cjx_hub_reply_frame(h, s->rid, s->rid_len, &fr);
    }
    if (txn)
        mdb_txn_abort(txn);
    for (size_t i = 0; i < res.n_entries; i++)
        cjx__audit_entry__free_unpacked(entries[i], NULL);
    if (rc) {
        cjx_store_fault(&fault, rc, "reading the audit log");
        cjx_hub_refuse(h, s->rid, s->rid_len, 0, m->request_id, &fault, s->code);
    }
}

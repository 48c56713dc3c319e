/* outbox.c — the agent's durable outbox (see outbox.h). */
#include "outbox.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

enum { DB_OUTBOX = CJX_AGENT_DB_OUTBOX, DB_REFUSED = CJX_AGENT_DB_REFUSED };
static const char *const db_names[] = {"outbox", "refused", "feeds", "replica", "imports",
                                       NULL};

struct cjx_outbox {
    cjx_store *store;
};

cjx_err cjx_outbox_open(const char *dir, size_t map_mb, cjx_outbox **out,
                        cjx_fault *f)
{
    cjx_outbox *ob = calloc(1, sizeof *ob);
    if (!ob)
        return cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    cjx_err rc = cjx_store_open(dir, "cjx-agent", CJX_OUTBOX_FORMAT, db_names,
                                map_mb, &ob->store, f);
    if (rc) {
        free(ob);
        return rc;
    }
    *out = ob;
    return CJX_OK;
}

struct cjx_store *cjx_outbox_store(cjx_outbox *ob)
{
    return ob->store;
}

void cjx_outbox_close(cjx_outbox **self_p)
{
    if (!self_p || !*self_p)
        return;
    cjx_store_close(&(*self_p)->store);
    free(*self_p);
    *self_p = NULL;
}

/* The next sequence to hand out: the meta counter, which survives the outbox
 * emptying (reusing a sequence would make the hub drop the item as a
 * duplicate). */
static uint64_t next_seq(MDB_txn *txn, const cjx_store *s)
{
    uint64_t n = cjx_store_meta_u64(txn, s, "next_outbox_seq");
    return n ? n : 1;
}

int cjx_outbox_append_txn(cjx_outbox *ob, MDB_txn *txn, const ProtobufCBinaryData *items,
                          size_t n, uint64_t *first_seq)
{
    cjx_store *s = ob->store;
    uint64_t first = next_seq(txn, s);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        uint8_t key[8];
        cjx_be64_put(key, first + i);
        MDB_val k = {8, key}, v = {items[i].len, items[i].data};
        rc = mdb_put(txn, s->dbs[DB_OUTBOX], &k, &v, MDB_APPEND);
    }
    if (rc == 0)
        rc = cjx_store_meta_put_u64(txn, s, "next_outbox_seq", first + n);
    if (rc == 0)
        *first_seq = first;
    return rc;
}

cjx_err cjx_outbox_append(cjx_outbox *ob, const ProtobufCBinaryData *items,
                          size_t n, uint64_t *first_seq, cjx_fault *f)
{
    MDB_txn *txn;
    uint64_t first = 0;
    int rc = mdb_txn_begin(ob->store->env, NULL, 0, &txn);
    if (rc)
        return cjx_store_fault(f, rc, "outbox append");
    rc = cjx_outbox_append_txn(ob, txn, items, n, &first);
    if (rc) {
        mdb_txn_abort(txn);
        return cjx_store_fault(f, rc, "outbox append");
    }
    rc = mdb_txn_commit(txn); /* the environment syncs on commit */
    if (rc)
        return cjx_store_fault(f, rc, "outbox commit");
    *first_seq = first;
    return CJX_OK;
}

cjx_err cjx_outbox_scan(cjx_outbox *ob, uint64_t after, size_t max,
                        cjx_outbox_fn fn, void *ctx, cjx_fault *f)
{
    cjx_store *s = ob->store;
    MDB_txn *txn;
    MDB_cursor *cur;
    if (after == UINT64_MAX)
        return CJX_OK; /* nothing can follow */
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return cjx_store_fault(f, rc, "outbox scan");
    rc = mdb_cursor_open(txn, s->dbs[DB_OUTBOX], &cur);
    if (rc) {
        mdb_txn_abort(txn);
        return cjx_store_fault(f, rc, "outbox scan");
    }
    uint8_t key[8];
    cjx_be64_put(key, after + 1);
    MDB_val k = {8, key}, v;
    size_t seen = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && seen < max;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), seen++)
        if (fn(ctx, cjx_be64_get(k.mv_data), v.mv_data, v.mv_size))
            break;
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return rc == 0 || rc == MDB_NOTFOUND ? CJX_OK : cjx_store_fault(f, rc, "outbox scan");
}

cjx_err cjx_outbox_settle(cjx_outbox *ob, const uint64_t *acked, size_t nacked,
                          Cjx__Nack *const *refused, size_t nrefused, cjx_fault *f)
{
    cjx_store *s = ob->store;
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc)
        return cjx_store_fault(f, rc, "outbox settle");
    uint8_t key[8];
    MDB_val k = {8, key};
    for (size_t i = 0; rc == 0 && i < nacked; i++) {
        cjx_be64_put(key, acked[i]);
        rc = mdb_del(txn, s->dbs[DB_OUTBOX], &k, NULL);
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    for (size_t i = 0; rc == 0 && i < nrefused; i++) {
        cjx_be64_put(key, refused[i]->outbox_seq);
        rc = mdb_del(txn, s->dbs[DB_OUTBOX], &k, NULL);
        if (rc == MDB_NOTFOUND) {
            rc = 0;
            continue;
        }
        MDB_val v;
        v.mv_size = cjx__nack__get_packed_size(refused[i]);
        rc = mdb_put(txn, s->dbs[DB_REFUSED], &k, &v, MDB_RESERVE);
        if (rc == 0)
            cjx__nack__pack(refused[i], v.mv_data);
    }
    if (rc) {
        mdb_txn_abort(txn);
        return cjx_store_fault(f, rc, "outbox settle");
    }
    rc = mdb_txn_commit(txn);
    return rc ? cjx_store_fault(f, rc, "outbox settle commit") : CJX_OK;
}

cjx_err cjx_outbox_stat(cjx_outbox *ob, cjx_outbox_stats *st, cjx_fault *f)
{
    cjx_store *s = ob->store;
    MDB_txn *txn = NULL;
    MDB_stat ms, rs;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc == 0)
        rc = mdb_stat(txn, s->dbs[DB_OUTBOX], &ms);
    if (rc == 0)
        rc = mdb_stat(txn, s->dbs[DB_REFUSED], &rs);
    if (rc) {
        if (txn)
            mdb_txn_abort(txn);
        return cjx_store_fault(f, rc, "outbox stat");
    }
    st->pending = ms.ms_entries;
    st->refused = rs.ms_entries;
    st->next_seq = next_seq(txn, s);
    mdb_txn_abort(txn);
    return CJX_OK;
}

cjx_err cjx_outbox_skip_past(cjx_outbox *ob, uint64_t hub_last, size_t *moved,
                             cjx_fault *f)
{
    cjx_store *s = ob->store;
    MDB_txn *txn;
    MDB_cursor *cur = NULL;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc)
        return cjx_store_fault(f, rc, "outbox renumber");
    uint64_t next = next_seq(txn, s);
    size_t n = 0;
    if (next > hub_last) {
        mdb_txn_abort(txn);
        *moved = 0;
        return CJX_OK;
    }
    /* Take every pending item out, then put it back above hub_last, in order. */
    next = hub_last + 1;
    rc = mdb_cursor_open(txn, s->dbs[DB_OUTBOX], &cur);
    MDB_val k, v;
    while (rc == 0 && (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) == 0) {
        if (cjx_be64_get(k.mv_data) > hub_last)
            break;
        void *copy = malloc(v.mv_size ? v.mv_size : 1);
        if (!copy) {
            rc = ENOMEM;
            break;
        }
        memcpy(copy, v.mv_data, v.mv_size);
        MDB_val nv = {v.mv_size, copy};
        uint8_t key[8];
        cjx_be64_put(key, next + n);
        MDB_val nk = {8, key};
        rc = mdb_cursor_del(cur, 0);
        if (rc == 0)
            rc = mdb_put(txn, s->dbs[DB_OUTBOX], &nk, &nv, 0);
        free(copy);
        n++;
    }
    if (rc == MDB_NOTFOUND || rc == 0)
        rc = cjx_store_meta_put_u64(txn, s, "next_outbox_seq", next + n);
    if (cur)
        mdb_cursor_close(cur);
    if (rc) {
        mdb_txn_abort(txn);
        return cjx_store_fault(f, rc, "outbox renumber");
    }
    rc = mdb_txn_commit(txn);
    if (rc)
        return cjx_store_fault(f, rc, "outbox renumber commit");
    *moved = n;
    return CJX_OK;
}

cjx_err cjx_outbox_pseudonym_key(cjx_outbox *ob, uint8_t key[32], cjx_fault *f)
{
    static const char name[] = "pseudonym_key";
    cjx_store *s = ob->store;
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc)
        return cjx_store_fault(f, rc, "reading the pseudonym key");
    MDB_val k = {sizeof name - 1, (void *)name}, v;
    rc = mdb_get(txn, s->meta, &k, &v);
    if (rc == 0 && v.mv_size == 32) {
        memcpy(key, v.mv_data, 32);
        mdb_txn_abort(txn);
        return CJX_OK;
    }
    randombytes_buf(key, 32);
    v = (MDB_val){32, key};
    rc = mdb_put(txn, s->meta, &k, &v, 0);
    if (rc) {
        mdb_txn_abort(txn);
        return cjx_store_fault(f, rc, "making the pseudonym key");
    }
    rc = mdb_txn_commit(txn);
    return rc ? cjx_store_fault(f, rc, "making the pseudonym key") : CJX_OK;
}

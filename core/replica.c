/* replica.c — the agent's replica database (see replica.h). */
#include "replica.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "search_index.h"

#define META_SEQ "replica_seq"
#define META_AS_OF "snapshot_as_of"
#define META_AFTER "snapshot_after"
#define META_LOADED "replica_loaded"
#define META_HUB "replica_hub_store"
#define META_SEARCH "replica_search"   /* CJX_SEARCH_FORMAT: the index holds every posting */
#define DB_UNINDEXED "replica_unindexed" /* keys whose postings the index does not follow yet */

/* The database of keys left for cjx_replica_index_some, created by a write
 * transaction (flags MDB_CREATE); a read-only one gets MDB_NOTFOUND while
 * there has never been one. */
static int unindexed_db(MDB_txn *txn, unsigned flags, MDB_dbi *dbi)
{
    return mdb_dbi_open(txn, DB_UNINDEXED, flags, dbi);
}

/* How many keys wait for the index, as of txn. */
static uint64_t count_unindexed(MDB_txn *txn)
{
    MDB_dbi dbi;
    MDB_stat ms;
    return unindexed_db(txn, 0, &dbi) == 0 && mdb_stat(txn, dbi, &ms) == 0 ? ms.ms_entries : 0;
}

cjx_err cjx_replica_position(cjx_store *s, MDB_dbi db, cjx_replica_pos *pos, cjx_fault *f)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return cjx_store_fault(f, rc, "reading the replica's position");
    memset(pos, 0, sizeof *pos);
    pos->seq = cjx_store_meta_u64(txn, s, META_SEQ);
    pos->hub_store_id = cjx_store_meta_u64(txn, s, META_HUB);
    pos->loaded = cjx_store_meta_u64(txn, s, META_LOADED) != 0;
    pos->snapshot_as_of = cjx_store_meta_u64(txn, s, META_AS_OF);
    MDB_val k = {sizeof META_AFTER - 1, META_AFTER}, v;
    if (mdb_get(txn, s->meta, &k, &v) == 0 && v.mv_size <= sizeof pos->after) {
        memcpy(pos->after, v.mv_data, v.mv_size);
        pos->after_len = v.mv_size;
    }
    MDB_stat ms;
    if (mdb_stat(txn, db, &ms) == 0)
        pos->entries = ms.ms_entries;
    pos->unindexed = count_unindexed(txn);
    mdb_txn_abort(txn);
    return CJX_OK;
}

cjx_err cjx_replica_reset(cjx_store *s, MDB_dbi db, cjx_replica_pos *pos, cjx_fault *f)
{
    static const char *const keys[] = {META_SEQ, META_AS_OF, META_AFTER, META_LOADED, META_HUB};
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc)
        txn = NULL; /* LMDB leaves it unset */
    cjx_search_index ix = {0};
    MDB_dbi unindexed;
    if (rc == 0)
        rc = mdb_drop(txn, db, 0);
    if (rc == 0)
        rc = unindexed_db(txn, MDB_CREATE, &unindexed);
    if (rc == 0)
        rc = mdb_drop(txn, unindexed, 0);
    if (rc == 0)
        rc = cjx_search_open(txn, &ix);
    if (rc == 0)
        rc = cjx_search_clear(txn, &ix);
    for (size_t i = 0; rc == 0 && i < sizeof keys / sizeof keys[0]; i++) {
        MDB_val k = {strlen(keys[i]), (void *)keys[i]};
        rc = mdb_del(txn, s->meta, &k, NULL);
        rc = rc == MDB_NOTFOUND ? 0 : rc;
    }
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else if (txn)
        mdb_txn_abort(txn);
    if (rc)
        return cjx_store_fault(f, rc, "emptying the replica");
    memset(pos, 0, sizeof *pos);
    return CJX_OK;
}

/* The item of a replica value (sequence, then a packed Stored); NULL when
 * it does not unpack. Caller frees both. */
static Cjx__Item *item_of(const MDB_val *v, Cjx__Stored **st)
{
    *st = v->mv_size > 8 ? cjx__stored__unpack(NULL, v->mv_size - 8, (const uint8_t *)v->mv_data + 8)
                         : NULL;
    Cjx__Item *item = *st ? cjx__item__unpack(NULL, (*st)->item.len, (*st)->item.data) : NULL;
    if (!item && *st) {
        cjx__stored__free_unpacked(*st, NULL);
        *st = NULL;
    }
    return item;
}

static void free_item(Cjx__Stored *st, Cjx__Item *item)
{
    if (item)
        cjx__item__free_unpacked(item, NULL);
    if (st)
        cjx__stored__free_unpacked(st, NULL);
}

/* What a transaction writing the replica needs beside it: the search index,
 * or, while the index waits (defer), the database its keys wait in. */
typedef struct replica_writer {
    MDB_txn *txn;
    MDB_dbi db;
    cjx_search_index ix;
    int defer;
    MDB_dbi unindexed;
    cjx_arena scratch;                 /* the entry being applied, unpacked */
} replica_writer;

static int writer_begin(replica_writer *w, cjx_store *s, MDB_dbi db, int defer)
{
    memset(w, 0, sizeof *w);
    w->db = db;
    w->defer = defer;
    cjx_arena_init(&w->scratch);
    int rc = mdb_txn_begin(s->env, NULL, 0, &w->txn);
    if (rc) {
        w->txn = NULL; /* LMDB leaves it unset */
        return rc;
    }
    rc = unindexed_db(w->txn, MDB_CREATE, &w->unindexed);
    return rc ? rc : cjx_search_open(w->txn, &w->ix);
}

/* Commits when rc is 0, else aborts; returns the outcome. */
static int writer_end(replica_writer *w, int rc)
{
    if (rc == 0)
        rc = cjx_search_flush(w->txn, &w->ix);
    cjx_search_close(&w->ix);
    cjx_arena_fini(&w->scratch);
    if (rc == 0)
        rc = mdb_txn_commit(w->txn);
    else if (w->txn)
        mdb_txn_abort(w->txn);
    return rc;
}

/* Makes the index follow key's posting (NULL: it has none now), or notes
 * the key for later while the index waits. */
static int follow_posting(replica_writer *w, const uint8_t *key, size_t klen, uint64_t seq,
                          const Cjx__Posting *posting)
{
    if (!w->defer)
        return cjx_search_replace(w->txn, &w->ix, key, klen, seq, posting);
    MDB_val k = {klen, (void *)key}, v = {0, NULL};
    return mdb_put(w->txn, w->unindexed, &k, &v, 0);
}

/* Puts one packed Stored into the replica unless the key holds a newer
 * version; removes the key when the entry closes a posting. The search
 * index follows the postings. */
static int apply_one(replica_writer *w, const void *data, size_t len)
{
    MDB_txn *txn = w->txn;
    MDB_dbi db = w->db;
    cjx_arena *scratch = &w->scratch;
    Cjx__Stored *st = cjx__stored__unpack(&scratch->allocator, len, data);
    Cjx__Item *item = st ? cjx__item__unpack(&scratch->allocator, st->item.len, st->item.data)
                         : NULL;
    int rc = MDB_CORRUPTED;
    uint8_t key[CJX_STATE_KEY_MAX];
    size_t klen = item ? cjx_state_key(key, st->origin, item) : 0;
    if (klen) {
        MDB_val k = {klen, key}, v;
        rc = mdb_get(txn, db, &k, &v);
        int existed = rc == 0;
        int posting = item->body_case == CJX__ITEM__BODY_POSTING;
        if (existed && v.mv_size >= 8 && cjx_be64_get(v.mv_data) >= st->seq) {
            rc = 0; /* already as new or newer */
        } else if (posting && item->posting->status != CJX__POSTING_STATUS__STATUS_OPEN) {
            rc = existed ? follow_posting(w, key, klen, st->seq, NULL) : 0;
            if (rc == 0)
                rc = mdb_del(txn, db, &k, NULL);
            rc = rc == MDB_NOTFOUND ? 0 : rc;
        } else {
            rc = posting ? follow_posting(w, key, klen, st->seq, item->posting) : 0;
            v.mv_size = 8 + len;
            if (rc == 0)
                rc = mdb_put(txn, db, &k, &v, MDB_RESERVE);
            if (rc == 0) {
                cjx_be64_put(v.mv_data, st->seq);
                memcpy((uint8_t *)v.mv_data + 8, data, len);
            }
        }
    }
    cjx_arena_reset(scratch); /* st, item */
    return rc;
}

static int meta_put(MDB_txn *txn, const cjx_store *s, const char *key, const void *data,
                    size_t len)
{
    MDB_val k = {strlen(key), (void *)key}, v = {len, (void *)data};
    return mdb_put(txn, s->meta, &k, &v, 0);
}

cjx_err cjx_replica_load_page(cjx_store *s, MDB_dbi db, const Cjx__Snapshot *page,
                              cjx_replica_pos *pos, cjx_fault *f)
{
    replica_writer w;
    int rc = writer_begin(&w, s, db, 0);
    MDB_txn *txn = w.txn;
    for (size_t i = 0; rc == 0 && i < page->n_entries; i++)
        rc = apply_one(&w, page->entries[i].data, page->entries[i].len);
    uint64_t as_of = pos->snapshot_as_of ? pos->snapshot_as_of : page->as_of_seq;
    if (rc == 0)
        rc = cjx_store_meta_put_u64(txn, s, META_AS_OF, as_of);
    if (rc == 0)
        rc = cjx_store_meta_put_u64(txn, s, META_HUB, pos->hub_store_id);
    if (rc == 0 && page->last_key.len <= sizeof pos->after)
        rc = meta_put(txn, s, META_AFTER, page->last_key.data, page->last_key.len);
    if (rc == 0 && !page->more) {
        rc = cjx_store_meta_put_u64(txn, s, META_SEQ, as_of);
        if (rc == 0)
            rc = cjx_store_meta_put_u64(txn, s, META_LOADED, 1);
    }
    rc = writer_end(&w, rc);
    if (rc)
        return cjx_store_fault(f, rc, "loading the replica snapshot");
    pos->snapshot_as_of = as_of;
    if (page->last_key.len <= sizeof pos->after) {
        memcpy(pos->after, page->last_key.data, page->last_key.len);
        pos->after_len = page->last_key.len;
    }
    if (!page->more) {
        pos->loaded = 1;
        pos->seq = as_of;
    }
    return CJX_OK;
}

cjx_err cjx_replica_apply(cjx_store *s, MDB_dbi db, const ProtobufCBinaryData *entries,
                          size_t n, uint64_t upto, int defer_index, cjx_fault *f)
{
    replica_writer w;
    int rc = writer_begin(&w, s, db, defer_index);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = apply_one(&w, entries[i].data, entries[i].len);
    if (rc == 0)
        rc = cjx_store_meta_put_u64(w.txn, s, META_SEQ, upto);
    rc = writer_end(&w, rc);
    return rc ? cjx_store_fault(f, rc, "applying events to the replica") : CJX_OK;
}

cjx_err cjx_replica_index_some(cjx_store *s, MDB_dbi db, size_t max, uint64_t *left,
                               cjx_fault *f)
{
    replica_writer w;
    MDB_cursor *cur = NULL;
    int rc = writer_begin(&w, s, db, 0);
    if (rc == 0)
        rc = mdb_cursor_open(w.txn, w.unindexed, &cur);
    MDB_val k, v;
    int more = rc;
    for (size_t done = 0; rc == 0 && done < max; done++) {
        more = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        if (more)
            break;
        uint8_t key[CJX_STATE_KEY_MAX];
        size_t klen = k.mv_size < sizeof key ? k.mv_size : sizeof key;
        memcpy(key, k.mv_data, klen);
        rc = mdb_cursor_del(cur, 0);
        Cjx__Stored *st = NULL;
        MDB_val kk = {klen, key};
        Cjx__Item *item = rc == 0 && mdb_get(w.txn, db, &kk, &v) == 0 ? item_of(&v, &st) : NULL;
        int posting = item && item->body_case == CJX__ITEM__BODY_POSTING;
        if (rc == 0) /* the posting the replica holds now, or none */
            rc = follow_posting(&w, key, klen, posting ? st->seq : 0,
                                posting ? item->posting : NULL);
        free_item(st, item);
    }
    if (rc == 0 && more != 0 && more != MDB_NOTFOUND)
        rc = more;
    if (cur)
        mdb_cursor_close(cur);
    if (left)
        *left = rc == 0 ? count_unindexed(w.txn) : 0;
    rc = writer_end(&w, rc);
    return rc ? cjx_store_fault(f, rc, "indexing the replica's postings") : CJX_OK;
}

cjx_err cjx_replica_scan(cjx_store *s, MDB_dbi db, cjx_replica_fn fn, void *ctx, uint64_t *seq,
                         cjx_fault *f)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return cjx_store_fault(f, rc, "reading the replica");
    if (seq)
        *seq = cjx_store_meta_u64(txn, s, META_SEQ);
    rc = mdb_cursor_open(txn, db, &cur);
    MDB_val k, v;
    if (rc == 0) {
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
            if (v.mv_size >= 8 &&
                fn(ctx, k.mv_data, k.mv_size, (const uint8_t *)v.mv_data + 8, v.mv_size - 8))
                break;
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    return rc == 0 || rc == MDB_NOTFOUND ? CJX_OK : cjx_store_fault(f, rc, "reading the replica");
}

static int add_to_digest(void *ctx, const uint8_t *key, size_t klen, const void *stored,
                         size_t len)
{
    cjx_digest_add(ctx, key, klen, stored, len);
    return 0;
}

cjx_err cjx_replica_digest(cjx_store *s, MDB_dbi db, uint8_t out[CJX_DIGEST_LEN],
                           uint64_t *entries, uint64_t *seq, cjx_fault *f)
{
    cjx_digest d;
    cjx_digest_init(&d);
    cjx_err rc = cjx_replica_scan(s, db, add_to_digest, &d, seq, f);
    cjx_digest_final(&d, out);
    *entries = d.entries;
    return rc;
}

cjx_err cjx_replica_get(cjx_store *s, MDB_dbi db, const uint8_t *key, size_t klen,
                        void **stored, size_t *len, cjx_fault *f)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return cjx_store_fault(f, rc, "reading the replica");
    MDB_val k = {klen, (void *)key}, v;
    rc = mdb_get(txn, db, &k, &v);
    if (rc == 0 && v.mv_size >= 8) {
        *len = v.mv_size - 8;
        *stored = malloc(*len ? *len : 1);
        if (*stored)
            memcpy(*stored, (const uint8_t *)v.mv_data + 8, *len);
        else
            rc = ENOMEM;
    }
    mdb_txn_abort(txn);
    if (rc == MDB_NOTFOUND)
        return cjx_fault_set(f, CJX_ENOTFOUND, "", "not in the replica");
    return rc ? cjx_store_fault(f, rc, "reading the replica") : CJX_OK;
}

cjx_err cjx_replica_index(cjx_store *s, MDB_dbi db, cjx_fault *f)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    cjx_search_index ix = {0};
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc)
        return cjx_store_fault(f, rc, "opening the replica's search index");
    rc = cjx_search_open(txn, &ix);
    int complete = rc == 0 && cjx_store_meta_u64(txn, s, META_SEARCH) == CJX_SEARCH_FORMAT;
    MDB_dbi unindexed;
    if (rc == 0 && !complete)
        rc = cjx_search_clear(txn, &ix);
    if (rc == 0 && !complete) /* every posting is indexed below */
        rc = unindexed_db(txn, MDB_CREATE, &unindexed);
    if (rc == 0 && !complete)
        rc = mdb_drop(txn, unindexed, 0);
    if (rc == 0 && !complete)
        rc = mdb_cursor_open(txn, db, &cur);
    MDB_val k, v;
    for (int more = rc || complete ? 1 : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
         rc == 0 && more == 0; more = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Cjx__Stored *st;
        Cjx__Item *item = item_of(&v, &st);
        if (item && item->body_case == CJX__ITEM__BODY_POSTING)
            rc = cjx_search_replace(txn, &ix, k.mv_data, k.mv_size, st->seq, item->posting);
        free_item(st, item);
    }
    if (cur)
        mdb_cursor_close(cur);
    if (rc == 0 && !complete)
        rc = cjx_store_meta_put_u64(txn, s, META_SEARCH, CJX_SEARCH_FORMAT);
    if (rc == 0)
        rc = cjx_search_flush(txn, &ix);
    cjx_search_close(&ix);
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else
        mdb_txn_abort(txn);
    return rc ? cjx_store_fault(f, rc, "building the replica's search index") : CJX_OK;
}

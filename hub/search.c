/* search.c — the postings' search index at the hub (core/search_index.h).
 *
 * The index has an LMDB environment of its own, <data_dir>/search, kept up
 * with the store's log by a thread (search_follow.c): publishing does not
 * wait for postings to be indexed, and a search waits (parked, not holding
 * the loop: search_wait.c) until every entry committed before it is. The
 * index is built from the state (each posting's current log entry) when
 * there is none yet, or one of another format, and again on `cjx-hub
 * --reindex`. SearchRequest asks it; postings are public, so everyone gets
 * the same answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter.h"
#include "hub.h"
#include "log.h"

#define REBUILD_CHUNK 2000             /* postings per write transaction */
#define SEARCH_FORMAT_KEY "search_format" /* set once the index is whole */

/* The posting of log entry seq; caller frees *st and *item. */
static int posting_at(MDB_txn *txn, const cjx_hub *h, uint64_t seq, Cjx__Stored **st,
                      Cjx__Item **item)
{
    cjx_state_entry se = {.seq = seq};
    int rc = cjx_hub_current_item(txn, h, &se, st, item);
    if (rc == 0 && (*item)->body_case != CJX__ITEM__BODY_POSTING) {
        cjx__item__free_unpacked(*item, NULL);
        cjx__stored__free_unpacked(*st, NULL);
        return MDB_NOTFOUND;
    }
    return rc;
}

/* Writes what txn holds and begins the next one. */
static int next_txn(cjx_hub *h, MDB_txn **txn)
{
    int rc = cjx_search_flush(*txn, &h->search);
    rc = rc ? (mdb_txn_abort(*txn), rc) : mdb_txn_commit(*txn);
    *txn = NULL;
    return rc ? rc : mdb_txn_begin(h->search_store->env, NULL, 0, txn);
}

/* Builds the index from the state, as of the last committed log entry
 * (the loop is not running yet), REBUILD_CHUNK postings per transaction of
 * the index; it is whole (SEARCH_FORMAT_KEY) only once all are in. */
static int rebuild(cjx_hub *h)
{
    CJX_LOG(CJX_LOG_NOTICE, "search.reindex", NULL, "building the search index from the state");
    MDB_txn *state = NULL, *txn = NULL;
    MDB_cursor *cur = NULL;
    size_t n = 0;
    int rc = mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &state);
    if (rc == 0)
        rc = mdb_cursor_open(state, h->store->dbs[HUB_DB_STATE], &cur);
    if (rc == 0)
        rc = mdb_txn_begin(h->search_store->env, NULL, 0, &txn);
    if (rc == 0)
        rc = cjx_search_clear(txn, &h->search);
    if (rc == 0)
        rc = cjx_store_meta_put_u64(txn, h->search_store, SEARCH_FORMAT_KEY, 0);
    MDB_val k, v;
    for (int more = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && more == 0;
         more = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const uint8_t *key = k.mv_data;
        Cjx__Stored *st;
        Cjx__Item *item;
        if (k.mv_size <= CJX_CODE_LEN || key[CJX_CODE_LEN] != CJX_CLASS_POSTING ||
            posting_at(state, h, cjx_be64_get(v.mv_data), &st, &item) != 0)
            continue;
        rc = cjx_search_replace(txn, &h->search, key, k.mv_size, st->seq, item->posting);
        cjx__item__free_unpacked(item, NULL);
        cjx__stored__free_unpacked(st, NULL);
        if (rc == 0 && ++n % REBUILD_CHUNK == 0) {
            rc = next_txn(h, &txn);
            CJX_LOG(CJX_LOG_INFO, "search.reindex", NULL, "%zu postings indexed", n);
        }
    }
    if (cur)
        mdb_cursor_close(cur);
    if (state)
        mdb_txn_abort(state);
    if (rc == 0)
        rc = cjx_store_meta_put_u64(txn, h->search_store, CJX_SEARCH_INDEXED, h->last_seq);
    if (rc == 0)
        rc = cjx_store_meta_put_u64(txn, h->search_store, "store_id", h->store_id);
    if (rc == 0)
        rc = cjx_store_meta_put_u64(txn, h->search_store, SEARCH_FORMAT_KEY, CJX_SEARCH_FORMAT);
    if (rc == 0)
        rc = cjx_search_flush(txn, &h->search);
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else if (txn)
        mdb_txn_abort(txn);
    cjx_search_discard(&h->search);
    if (rc == 0)
        CJX_LOG(CJX_LOG_NOTICE, "search.reindex", NULL, "search index built: %zu postings", n);
    return rc;
}

/* Stores before the index had its own environment kept it in the store's:
 * those databases go (their pages are reused). */
static int drop_old_index(cjx_hub *h)
{
    static const char *const names[] = {"sx_segs", "sx_attrs", "sx_docs", "sx_keys", "sx_terms"};
    MDB_txn *txn;
    int rc = mdb_txn_begin(h->store->env, NULL, 0, &txn), dropped = 0;
    for (size_t i = 0; rc == 0 && i < sizeof names / sizeof names[0]; i++) {
        MDB_dbi db;
        int found = mdb_dbi_open(txn, names[i], 0, &db);
        if (found == 0 && (rc = mdb_drop(txn, db, 1)) == 0)
            dropped++;
        else if (found && found != MDB_NOTFOUND)
            rc = found;
    }
    if (rc == 0 && dropped) {
        CJX_LOG(CJX_LOG_NOTICE, "search.move", NULL,
                "the search index moves to its own store: the old one is dropped");
        return mdb_txn_commit(txn);
    }
    mdb_txn_abort(txn);
    return rc;
}

/* Opens <data_dir>/search; an index of another format is removed first
 * (it is rebuilt). The index is derived from the log, so its commits sync
 * their pages but not the meta page: a system crash may take its last
 * transactions (the follower then indexes those entries again), never its
 * integrity, and each commit costs one sync instead of two. */
static cjx_err open_index_store(cjx_hub *h, cjx_fault *f)
{
    static const char *const none[] = {NULL};
    char dir[CJX_CONF_STRMAX + 16];
    snprintf(dir, sizeof dir, "%s/search", h->cfg.data_dir);
    cjx_err rc = cjx_store_open(dir, "cjx-hub-search", CJX_SEARCH_FORMAT, none,
                                (size_t)h->cfg.map_size_mb, &h->search_store, f);
    if (rc == CJX_EVERSION) {
        CJX_LOG(CJX_LOG_NOTICE, "search.format", NULL, "%s: %s; rebuilding it", dir, f->text);
        char path[sizeof dir + 16];
        snprintf(path, sizeof path, "%s/data.mdb", dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/lock.mdb", dir);
        unlink(path);
        rc = cjx_store_open(dir, "cjx-hub-search", CJX_SEARCH_FORMAT, none,
                            (size_t)h->cfg.map_size_mb, &h->search_store, f);
    }
    int mrc = rc == CJX_OK ? mdb_env_set_flags(h->search_store->env, MDB_NOMETASYNC, 1) : 0;
    if (mrc) /* then every commit syncs its meta page too: slower, as safe */
        CJX_LOG(CJX_LOG_WARNING, "search.open", NULL, "%s: cannot leave meta pages unsynced: %s",
                dir, mdb_strerror(mrc));
    return rc;
}

cjx_err cjx_hub_search_open(cjx_hub *h, int reindex, cjx_fault *f)
{
    int rc = drop_old_index(h);
    if (rc)
        return cjx_store_fault(f, rc, "dropping the old search index");
    cjx_err err = open_index_store(h, f);
    if (err)
        return err;
    MDB_txn *txn;
    uint64_t indexed = 0;
    int whole = 0;
    rc = mdb_txn_begin(h->search_store->env, NULL, 0, &txn);
    if (rc == 0) {
        rc = cjx_search_open(txn, &h->search);
        /* whole, and of this store (not of one restored over it) */
        whole = cjx_store_meta_u64(txn, h->search_store, SEARCH_FORMAT_KEY) == CJX_SEARCH_FORMAT &&
                cjx_store_meta_u64(txn, h->search_store, "store_id") == h->store_id;
        indexed = cjx_store_meta_u64(txn, h->search_store, CJX_SEARCH_INDEXED);
        rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
    }
    if (rc == 0 && (reindex || !whole || indexed > h->last_seq)) {
        rc = rebuild(h);
        indexed = h->last_seq;
    }
    if (rc)
        return cjx_store_fault(f, rc, "opening the search index");
    if (h->reindex_only)
        return CJX_OK;
    h->follow = cjx_search_follow_start(h, indexed);
    if (!h->follow)
        return cjx_fault_set(f, CJX_ENOMEM, "", "cannot start the search index's thread");
    cjx_search_follow_notify(h->follow, h->last_seq); /* what it missed, if anything */
    return CJX_OK;
}

void cjx_hub_search_close(cjx_hub *h)
{
    cjx_search_waits_free(h);
    cjx_search_follow_stop(&h->follow);
    cjx_search_close(&h->search);
    cjx_store_close(&h->search_store);
}

void cjx_hub_search(cjx_hub *h, cjx_session *s, const Cjx__SearchRequest *m)
{
    cjx_fault fault = {0};
    if (!m->recommend && cjx_kind_is_record(m->kind)) {
        cjx_hub_search_records(h, s, m);
        return;
    }
    if (m->recommend && !m->major_code[0]) {
        cjx_fault_set(&fault, CJX_EREQUIRED, "major_code", "a recommendation is for a major");
        cjx_hub_refuse(h, s->rid, s->rid_len, 0, m->request_id, &fault, s->code);
        return;
    }
    if (!cjx_search_park(h, s, m))
        cjx_hub_search_answer(h, s, m);
}

void cjx_hub_search_answer(cjx_hub *h, const cjx_session *s, const Cjx__SearchRequest *m)
{
    cjx_fault fault = {0};
    cjx_search_result r = {0};
    uint64_t as_of = cjx_search_follow_indexed(h->follow, NULL);
    MDB_txn *index = NULL, *txn = NULL;
    int rc = mdb_txn_begin(h->search_store->env, NULL, MDB_RDONLY, &index);
    if (rc == 0)
        rc = cjx_search_answer(index, &h->search, m, &r);
    if (index)
        mdb_txn_abort(index);
    if (rc == 0)
        rc = mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &txn);
    if (rc) {
        cjx_search_result_free(&r);
        cjx_store_fault(&fault, rc, "searching");
        cjx_hub_refuse(h, s->rid, s->rid_len, 0, m->request_id, &fault, s->code);
        return;
    }
    Cjx__SearchHit *hits = calloc(r.n ? r.n : 1, sizeof *hits);
    Cjx__SearchHit **ptrs = calloc(r.n ? r.n : 1, sizeof *ptrs);
    Cjx__SearchResult res = CJX__SEARCH_RESULT__INIT;
    res.request_id = m->request_id;
    res.total = r.total;
    res.as_of_seq = as_of;
    for (size_t i = 0; hits && ptrs && i < r.n; i++) {
        MDB_val v;
        if (cjx_hub_log_get(txn, h, r.hits[i].seq, &v))
            continue;
        cjx__search_hit__init(&hits[res.n_hits]);
        hits[res.n_hits].stored = (ProtobufCBinaryData){v.mv_size, v.mv_data};
        hits[res.n_hits].score = r.hits[i].score;
        hits[res.n_hits].why = r.hits[i].why;
        ptrs[res.n_hits] = &hits[res.n_hits];
        res.n_hits++;
    }
    res.hits = ptrs;
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_SEARCH_RESULT;
    fr.search_result = &res;
    cjx_hub_reply_frame(h, s->rid, s->rid_len, &fr); /* packed now, while txn is open */
    mdb_txn_abort(txn);
    free(hits);
    free(ptrs);
    cjx_search_result_free(&r);
}

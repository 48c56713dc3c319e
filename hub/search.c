/* search.c — the postings' search index at the hub (core/search_index.h).
 *
 * cjx_hub_append keeps it in the batch's transaction, so a search never
 * finds a posting the state does not have, nor misses one it has. It is
 * built from the state (each posting's current log entry) when the store
 * has none yet, and again on `cjx-hub --reindex`. SearchRequest asks it;
 * postings are public, so everyone gets the same answer.
 */
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "hub.h"
#include "log.h"

#define REBUILD_CHUNK 2000             /* postings per write transaction */

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

/* Indexes up to REBUILD_CHUNK postings after key *after (of *alen bytes) in
 * one transaction; *done when the state has no more. */
static int rebuild_chunk(cjx_hub *h, uint8_t *after, size_t *alen, size_t *indexed, int *done)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = mdb_txn_begin(h->store->env, NULL, 0, &txn);
    if (rc)
        return rc;
    if (!*alen && !*indexed)
        rc = cjx_search_clear(txn, &h->search);
    if (rc == 0)
        rc = mdb_cursor_open(txn, h->store->dbs[HUB_DB_STATE], &cur);
    MDB_val k = {*alen, after}, v;
    int more = rc ? rc : mdb_cursor_get(cur, &k, &v, *alen ? MDB_SET_RANGE : MDB_FIRST);
    if (more == 0 && *alen && k.mv_size == *alen && memcmp(k.mv_data, after, *alen) == 0)
        more = mdb_cursor_get(cur, &k, &v, MDB_NEXT); /* past the last one done */
    for (size_t n = 0; rc == 0 && more == 0 && n < REBUILD_CHUNK;
         more = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const uint8_t *key = k.mv_data;
        if (k.mv_size <= CJX_CODE_LEN || key[CJX_CODE_LEN] != CJX_CLASS_POSTING)
            continue;
        Cjx__Stored *st;
        Cjx__Item *item;
        if (posting_at(txn, h, cjx_be64_get(v.mv_data), &st, &item) == 0) {
            rc = cjx_search_replace(txn, &h->search, key, k.mv_size, st->seq, item->posting);
            cjx__item__free_unpacked(item, NULL);
            cjx__stored__free_unpacked(st, NULL);
            n++, (*indexed)++;
        }
        memcpy(after, key, k.mv_size);
        *alen = k.mv_size;
    }
    *done = more == MDB_NOTFOUND;
    if (rc == 0 && more && more != MDB_NOTFOUND)
        rc = more;
    if (rc == 0)
        rc = cjx_search_flush(txn, &h->search);
    else
        cjx_search_discard(&h->search);
    if (rc == 0 && *done)
        rc = cjx_store_meta_put_u64(txn, h->store, "search_format", CJX_SEARCH_FORMAT);
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else
        mdb_txn_abort(txn);
    return rc;
}

static int rebuild(cjx_hub *h)
{
    uint8_t after[CJX_STATE_KEY_MAX];
    size_t alen = 0, indexed = 0;
    int done = 0, rc = 0;
    CJX_LOG(CJX_LOG_NOTICE, "search.reindex", NULL, "building the search index from the state");
    while (rc == 0 && !done) {
        rc = rebuild_chunk(h, after, &alen, &indexed, &done);
        if (rc == 0 && !done)
            CJX_LOG(CJX_LOG_INFO, "search.reindex", NULL, "%zu postings indexed", indexed);
    }
    if (rc == 0)
        CJX_LOG(CJX_LOG_NOTICE, "search.reindex", NULL, "search index built: %zu postings",
                indexed);
    return rc;
}

cjx_err cjx_hub_search_open(cjx_hub *h, int reindex, cjx_fault *f)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(h->store->env, NULL, 0, &txn);
    if (rc == 0) {
        rc = cjx_search_open(txn, &h->search);
        int complete = cjx_store_meta_u64(txn, h->store, "search_format") == CJX_SEARCH_FORMAT;
        rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
        if (rc == 0 && (reindex || !complete))
            rc = rebuild(h);
    }
    return rc ? cjx_store_fault(f, rc, "opening the search index") : CJX_OK;
}

void cjx_hub_search(cjx_hub *h, cjx_session *s, const Cjx__SearchRequest *m)
{
    cjx_fault fault = {0};
    cjx_search_result r = {0};
    if (!m->recommend && cjx_kind_is_record(m->kind)) {
        cjx_hub_search_records(h, s, m);
        return;
    }
    if (m->recommend && !m->major_code[0]) {
        cjx_fault_set(&fault, CJX_EREQUIRED, "major_code", "a recommendation is for a major");
        cjx_hub_refuse(h, s->rid, s->rid_len, 0, m->request_id, &fault, s->code);
        return;
    }
    MDB_txn *txn;
    int rc = mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &txn);
    if (rc == 0) {
        rc = cjx_search_answer(txn, &h->search, m, &r);
        if (rc)
            mdb_txn_abort(txn);
    }
    if (rc) {
        cjx_store_fault(&fault, rc, "searching");
        cjx_hub_refuse(h, s->rid, s->rid_len, 0, m->request_id, &fault, s->code);
        return;
    }
    Cjx__SearchHit *hits = calloc(r.n ? r.n : 1, sizeof *hits);
    Cjx__SearchHit **ptrs = calloc(r.n ? r.n : 1, sizeof *ptrs);
    Cjx__SearchResult res = CJX__SEARCH_RESULT__INIT;
    res.request_id = m->request_id;
    res.total = r.total;
    res.as_of_seq = h->last_seq;
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

/* replica_search.c — `cjx search --local` and `cjx recommend --local`: over the
 * agent's replica, answered as the hub answers (a SearchResult), offline.
 * The replica's index is kept by replica.c as entries are applied. */
#include <stdlib.h>
#include <string.h>

#include "replica.h"
#include "search_index.h"

cjx_err cjx_replica_search(cjx_store *s, MDB_dbi db, const Cjx__SearchRequest *m,
                           Cjx__SearchResult **out, cjx_fault *f)
{
    cjx_search_result r = {0};
    cjx_search_index ix = {0};
    MDB_txn *txn;
    *out = NULL;
    cjx_replica_pos pos;
    cjx_err err = cjx_replica_position(s, db, &pos, f);
    uint64_t left = err == CJX_OK ? pos.unindexed : 0;
    while (err == CJX_OK && left) /* the agent left them during a burst */
        err = cjx_replica_index_some(s, db, CJX_REPLICA_INDEX_CHUNK, &left, f);
    if (err)
        return err;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return cjx_store_fault(f, rc, "searching the replica");
    rc = cjx_search_open_read(txn, &ix);
    if (rc == 0)
        rc = cjx_search_answer(txn, &ix, m, &r);
    Cjx__SearchHit *hits = rc ? NULL : calloc(r.n ? r.n : 1, sizeof *hits);
    Cjx__SearchHit **ptrs = rc ? NULL : calloc(r.n ? r.n : 1, sizeof *ptrs);
    Cjx__SearchResult res = CJX__SEARCH_RESULT__INIT;
    res.request_id = m->request_id;
    res.total = r.total;
    res.as_of_seq = cjx_store_meta_u64(txn, s, "replica_seq");
    for (size_t i = 0; hits && ptrs && i < r.n; i++) {
        MDB_val k = {r.hits[i].klen, r.hits[i].key}, v;
        if (mdb_get(txn, db, &k, &v) || v.mv_size <= 8)
            continue; /* the index and the replica change together: cannot happen */
        cjx__search_hit__init(&hits[res.n_hits]);
        hits[res.n_hits].stored = (ProtobufCBinaryData){v.mv_size - 8, (uint8_t *)v.mv_data + 8};
        hits[res.n_hits].score = r.hits[i].score;
        hits[res.n_hits].why = r.hits[i].why;
        ptrs[res.n_hits] = &hits[res.n_hits];
        res.n_hits++;
    }
    res.hits = ptrs;
    /* packed and unpacked again: the caller owns one message */
    size_t len = rc == 0 && hits && ptrs ? cjx__search_result__get_packed_size(&res) : 0;
    uint8_t *buf = len ? malloc(len) : NULL;
    if (buf) {
        cjx__search_result__pack(&res, buf);
        *out = cjx__search_result__unpack(NULL, len, buf);
    }
    mdb_txn_abort(txn);
    free(buf);
    free(hits);
    free(ptrs);
    cjx_search_result_free(&r);
    if (rc == MDB_NOTFOUND)
        return cjx_fault_set(f, CJX_ENOTFOUND, "", "this agent's replica has no search index "
                             "yet: start the agent once");
    if (rc)
        return cjx_store_fault(f, rc, "searching the replica");
    return *out ? CJX_OK : cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
}

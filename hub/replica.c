/* replica.c — what agents' replicas are built from: snapshots of the view
 * an institution may see, and the digest that says whether a replica
 * equals it.
 *
 * A replica is loaded page by page from the "state" database (each page
 * from its own read transaction, as of the log's end then), and then kept
 * up to date by a replica subscription (feed.c) from the first page's
 * as_of_seq: entries a later page already showed arrive again and are
 * skipped by sequence, so the replica converges whatever happened between
 * pages (docs/protocol.md, "State and replicas").
 */
#include <string.h>

#include "hub.h"
#include "log.h"

/* A snapshot page stays well under the agent's frame limit. */
#define SNAPSHOT_PAGE_BYTES (128u << 10)
#define SNAPSHOT_PAGE_ENTRIES 1024

/* The newest sequence of the log as the read transaction sees it. */
static uint64_t log_end(MDB_txn *txn, const cjx_hub *h)
{
    MDB_cursor *cur;
    MDB_val k, v;
    uint64_t last = 0;
    if (mdb_cursor_open(txn, h->store->dbs[HUB_DB_LOG], &cur) == 0) {
        if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0)
            last = cjx_be64_get(k.mv_data);
        mdb_cursor_close(cur);
    }
    return last;
}

/* Calls fn for every entry of the state database after `after` (all when
 * alen is 0) that viewer may see, with its current log entry, until fn
 * returns non-zero. Returns an LMDB code. */
typedef int (*view_fn)(void *ctx, const MDB_val *key, const MDB_val *entry);

static int walk_view(MDB_txn *txn, const cjx_hub *h, const char *viewer, const void *after,
                     size_t alen, view_fn fn, void *ctx)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, h->store->dbs[HUB_DB_STATE], &cur);
    if (rc)
        return rc;
    MDB_val k = {alen, (void *)after}, v;
    rc = mdb_cursor_get(cur, &k, &v, alen ? MDB_SET_RANGE : MDB_FIRST);
    if (rc == 0 && alen && k.mv_size == alen && memcmp(k.mv_data, after, alen) == 0)
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size <= CJX_CODE_LEN || v.mv_size < 9)
            continue;
        const uint8_t *key = k.mv_data, *val = v.mv_data;
        char origin[CJX_CODE_LEN + 1] = "";
        memcpy(origin, key, CJX_CODE_LEN);
        if (!cjx_state_visible(viewer, key[CJX_CODE_LEN], origin,
                               val[8] == CJX__POSTING_STATUS__STATUS_OPEN))
            continue;
        MDB_val entry;
        rc = cjx_hub_log_get(txn, h, cjx_be64_get(val), &entry);
        if (rc) {
            rc = rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc; /* state names a missing entry */
            break;
        }
        if (fn(ctx, &k, &entry))
            break;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

struct page {
    ProtobufCBinaryData entries[SNAPSHOT_PAGE_ENTRIES];
    size_t n, bytes;
    MDB_val last_key;
    int full;
};

static int add_to_page(void *ctx, const MDB_val *key, const MDB_val *entry)
{
    struct page *p = ctx;
    if (p->n == SNAPSHOT_PAGE_ENTRIES || (p->n && p->bytes + entry->mv_size > SNAPSHOT_PAGE_BYTES)) {
        p->full = 1;
        return 1;
    }
    p->entries[p->n++] = (ProtobufCBinaryData){entry->mv_size, entry->mv_data};
    p->bytes += entry->mv_size;
    p->last_key = *key;
    return 0;
}

void cjx_hub_snapshot(cjx_hub *h, cjx_session *s, const Cjx__SnapshotRequest *m)
{
    cjx_fault fault = {0};
    MDB_txn *txn;
    int rc = mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &txn);
    if (rc) {
        cjx_store_fault(&fault, rc, "reading the state");
        cjx_hub_refuse(h, s->rid, s->rid_len, 0, m->request_id, &fault, s->code);
        return;
    }
    struct page page = {.n = 0}; /* its entries point into the map */
    rc = walk_view(txn, h, s->code, m->after_key.data, m->after_key.len, add_to_page, &page);
    if (rc) {
        cjx_store_fault(&fault, rc, "reading the state");
        cjx_hub_refuse(h, s->rid, s->rid_len, 0, m->request_id, &fault, s->code);
    } else {
        Cjx__Snapshot snap = CJX__SNAPSHOT__INIT;
        snap.request_id = m->request_id;
        snap.as_of_seq = log_end(txn, h);
        snap.n_entries = page.n;
        snap.entries = page.entries;
        snap.last_key = (ProtobufCBinaryData){page.last_key.mv_size, page.last_key.mv_data};
        snap.more = page.full;
        Cjx__Frame fr = CJX__FRAME__INIT;
        fr.msg_case = CJX__FRAME__MSG_SNAPSHOT;
        fr.snapshot = &snap;
        cjx_hub_reply_frame(h, s->rid, s->rid_len, &fr); /* packed now, inside txn */
    }
    mdb_txn_abort(txn);
}

static int add_to_digest(void *ctx, const MDB_val *key, const MDB_val *entry)
{
    cjx_digest_add(ctx, key->mv_data, key->mv_size, entry->mv_data, entry->mv_size);
    return 0;
}

/* The newest log entry the viewer's replica is sent: where a replica that
 * is up to date stands. */
static uint64_t view_seq(MDB_txn *txn, const cjx_hub *h, const char *viewer)
{
    MDB_cursor *cur;
    MDB_val k, v;
    uint64_t seq = 0;
    if (mdb_cursor_open(txn, h->store->dbs[HUB_DB_LOG], &cur))
        return 0;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_LAST); rc == 0 && !seq;
         rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
        Cjx__Stored *st = cjx__stored__unpack(NULL, v.mv_size, v.mv_data);
        if (st && cjx_state_streams(viewer, st))
            seq = st->seq;
        if (st)
            cjx__stored__free_unpacked(st, NULL);
    }
    mdb_cursor_close(cur);
    return seq;
}

void cjx_hub_digest(cjx_hub *h, cjx_session *s, const Cjx__DigestRequest *m)
{
    cjx_fault fault = {0};
    MDB_txn *txn;
    cjx_digest d;
    cjx_digest_init(&d);
    int rc = mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &txn);
    if (rc == 0) {
        rc = walk_view(txn, h, s->code, NULL, 0, add_to_digest, &d);
        uint8_t bytes[CJX_DIGEST_LEN];
        cjx_digest_final(&d, bytes);
        Cjx__Digest dg = CJX__DIGEST__INIT;
        dg.request_id = m->request_id;
        dg.view_seq = view_seq(txn, h, s->code);
        dg.digest = (ProtobufCBinaryData){sizeof bytes, bytes};
        dg.entries = d.entries;
        mdb_txn_abort(txn);
        if (rc == 0) {
            Cjx__Frame fr = CJX__FRAME__INIT;
            fr.msg_case = CJX__FRAME__MSG_DIGEST;
            fr.digest = &dg;
            cjx_hub_reply_frame(h, s->rid, s->rid_len, &fr);
            return;
        }
    }
    cjx_store_fault(&fault, rc, "reading the state");
    cjx_hub_refuse(h, s->rid, s->rid_len, 0, m->request_id, &fault, s->code);
}

/* search_index.c — keeping the postings' search index (see search_index.h);
 * queries are in search_query.c. */
#include "search_index.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search_index_int.h"
#include "search_tokens.h"
#include "store.h"

/* Bytes: segments this big are merged no more. A merge builds its segment
 * in memory and LMDB copies it into the transaction's pages: at 4 MiB the
 * hub's heap peaks ~16 MB lower than at 8 MiB, for queries that read a few
 * more segments (bench/RESULTS.md). */
#define SEGMENT_FULL (4u << 20)

/* ---- a posting's terms ---- */

/* Where a posting's terms go: the transaction's pending entries, under its
 * docid, counted by field. */
typedef struct collector {
    cjx_search_index *ix;
    uint32_t docid;
    int field;
    size_t count;                      /* occurrences: the document's length */
    int rc;
} collector;

static void collect(const char *term, size_t len, int bridge, void *ctx)
{
    (void)bridge;
    collector *c = ctx;
    if (c->rc == 0)
        c->rc = cjx_pending_add(&c->ix->pending, term, len, c->docid, c->field);
    c->count++;
}

/* The string fields of the posting's details (employer, content…) other
 * than codes, as description text. */
static void detail_text(collector *c, const Cjx__Posting *p)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field(&cjx__posting__descriptor, (unsigned)p->detail_case);
    const ProtobufCMessage *d = fd ? *(ProtobufCMessage *const *)((const char *)p + fd->offset)
                                   : NULL;
    for (unsigned i = 0; d && i < d->descriptor->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->descriptor->fields[i];
        if (f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED ||
            strstr(f->name, "code"))
            continue;
        cjx_terms(*(char *const *)((const char *)d + f->offset), collect, c);
    }
}

/* Adds every term of p, by field, to the pending entries of docid; *length
 * gets how many there were. */
static int add_terms(cjx_search_index *ix, uint32_t docid, const Cjx__Posting *p, size_t *length)
{
    collector c = {ix, docid, CJX_FIELD_TITLE, 0, 0};
    cjx_terms(p->title, collect, &c);
    c.field = CJX_FIELD_DESCRIPTION;
    cjx_terms(p->description, collect, &c);
    detail_text(&c, p);
    c.field = CJX_FIELD_REQUIREMENTS;
    cjx_terms(p->requirements, collect, &c);
    *length = c.count;
    return c.rc;
}

/* ---- the databases ---- */

int cjx_search_open(MDB_txn *txn, cjx_search_index *ix)
{
    int rc = mdb_dbi_open(txn, "sx_segs", MDB_CREATE, &ix->segs);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "sx_attrs", MDB_CREATE, &ix->attrs);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "sx_docs", MDB_CREATE, &ix->docs);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "sx_keys", MDB_CREATE, &ix->keys);
    return rc;
}

int cjx_search_open_read(MDB_txn *txn, cjx_search_index *ix)
{
    int rc = mdb_dbi_open(txn, "sx_segs", 0, &ix->segs);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "sx_attrs", 0, &ix->attrs);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "sx_docs", 0, &ix->docs);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "sx_keys", 0, &ix->keys);
    return rc;
}

int cjx_search_clear(MDB_txn *txn, cjx_search_index *ix)
{
    cjx_search_discard(ix);
    int rc = mdb_drop(txn, ix->segs, 0);
    if (rc == 0)
        rc = mdb_drop(txn, ix->attrs, 0);
    if (rc == 0)
        rc = mdb_drop(txn, ix->docs, 0);
    if (rc == 0)
        rc = mdb_drop(txn, ix->keys, 0);
    return rc;
}

int cjx_search_stats_get(MDB_txn *txn, const cjx_search_index *ix, cjx_search_stats *st)
{
    uint8_t zero[4] = {0};
    MDB_val k = {sizeof zero, zero}, v;
    memset(st, 0, sizeof *st);
    int rc = mdb_get(txn, ix->docs, &k, &v);
    if (rc == 0 && v.mv_size == sizeof *st)
        memcpy(st, v.mv_data, sizeof *st);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int stats_put(MDB_txn *txn, const cjx_search_index *ix, const cjx_search_stats *st)
{
    uint8_t zero[4] = {0};
    MDB_val k = {sizeof zero, zero}, v = {sizeof *st, (void *)st};
    return mdb_put(txn, ix->docs, &k, &v, 0);
}

/* The open transaction's totals: read at its first change, kept in memory
 * and written once, by the flush. */
static int open_stats(MDB_txn *txn, cjx_search_index *ix, cjx_search_stats **st)
{
    if (!ix->open_stats) {
        cjx_search_stats *s = malloc(sizeof *s);
        int rc = s ? cjx_search_stats_get(txn, ix, s) : ENOMEM;
        if (rc) {
            free(s);
            return rc;
        }
        ix->open_stats = s;
    }
    *st = ix->open_stats;
    return 0;
}

int cjx_search_doc_get(MDB_txn *txn, const cjx_search_index *ix, uint32_t docid,
                       cjx_search_doc *doc, const uint8_t **key, size_t *klen)
{
    cjx_attrs_reader r;
    int rc = cjx_attrs_open(txn, ix, &r);
    if (rc == 0)
        rc = cjx_attrs_hot(&r, docid, &doc->hot);
    if (rc == 0)
        cjx_attrs_cold(&r, docid, CJX_COLD_ALL, &doc->cold);
    cjx_attrs_close(&r);
    if (rc || !key)
        return rc;
    uint8_t id[4];
    cjx_search_be32_put(id, docid);
    MDB_val k = {4, id}, v;
    rc = mdb_get(txn, ix->docs, &k, &v);
    if (rc == 0) {
        *key = v.mv_data;
        *klen = v.mv_size;
    }
    return rc;
}

/* Merges the newest CJX_MERGE_MAX segments into one while they are of about
 * one size (the oldest of them at most 1.5 times the mean of the others)
 * and none is SEGMENT_FULL: the small ones gather in tiers of fewer than
 * CJX_MERGE_MAX, each entry is copied about log8 of (SEGMENT_FULL / a
 * transaction's segment) times, against log2 for merging two at a time,
 * which wrote twice the bytes (bench/RESULTS.md). Big segments are never
 * rewritten in a publish (their entries of documents gone since stay until
 * `cjx-hub --reindex`); a few small ones before a big one may stay unmerged. */
static int compact(MDB_txn *txn, const cjx_search_index *ix)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, ix->segs, &cur);
    while (rc == 0) {
        MDB_val k[CJX_MERGE_MAX], v[CJX_MERGE_MAX]; /* newest first */
        size_t n = 0, rest = 0, full = 0;
        for (MDB_cursor_op op = MDB_LAST;
             n < CJX_MERGE_MAX && mdb_cursor_get(cur, &k[n], &v[n], op) == 0; op = MDB_PREV) {
            full |= v[n].mv_size >= SEGMENT_FULL;
            rest += n + 1 < CJX_MERGE_MAX ? v[n].mv_size : 0;
            n++;
        }
        if (n < CJX_MERGE_MAX || full || 2 * v[n - 1].mv_size * (n - 1) > 3 * rest)
            break;
        uint8_t keys[CJX_MERGE_MAX][8];
        cjx_segment segs[CJX_MERGE_MAX];
        for (size_t i = 0; rc == 0 && i < n; i++) { /* oldest first */
            memcpy(keys[i], k[n - 1 - i].mv_data, 8);
            rc = cjx_segment_view(v[n - 1 - i].mv_data, v[n - 1 - i].mv_size, &segs[i]);
        }
        if (rc == 0)
            rc = cjx_segment_merge(txn, ix, keys, segs, n);
    }
    mdb_cursor_close(cur);
    return rc;
}

int cjx_search_flush(MDB_txn *txn, cjx_search_index *ix)
{
    int rc = cjx_attrs_flush(txn, ix);
    cjx_search_stats *st = ix->open_stats;
    if (rc == 0 && cjx_pending_count(ix->pending)) { /* then st was read */
        uint8_t key[8];
        cjx_be64_put(key, ++st->next_segment);
        rc = cjx_pending_write(ix->pending, txn, ix->segs, key);
    }
    if (rc == 0 && st)
        rc = stats_put(txn, ix, st);
    if (rc == 0 && cjx_pending_count(ix->pending))
        rc = compact(txn, ix);
    cjx_search_discard(ix);
    return rc;
}

void cjx_search_discard(cjx_search_index *ix)
{
    cjx_pending_clear(ix->pending);
    cjx_attrs_discard(ix);
    free(ix->open_stats);
    ix->open_stats = NULL;
}

void cjx_search_close(cjx_search_index *ix)
{
    cjx_search_discard(ix);
    cjx_pending_free(&ix->pending);
    cjx_attrs_free(ix);
}

static void describe(cjx_search_doc *d, uint64_t seq, const Cjx__Posting *p, size_t length)
{
    memset(d, 0, sizeof *d);
    d->hot.seq = seq;
    d->hot.length = (uint32_t)length;
    d->hot.status = (uint8_t)p->status;
    d->hot.cluster = (uint8_t)p->cluster;
    d->hot.detail = (uint8_t)p->detail_case;
    cjx_search_cold *c = &d->cold;
    snprintf(c->division, sizeof c->division, "%s", p->division_code);
    snprintf(c->valid_until, sizeof c->valid_until, "%s", p->valid_until);
    snprintf(c->publisher, sizeof c->publisher, "%s", p->publisher_credit_code);
    for (size_t i = 0; i < p->n_major_codes && c->nmajors < CJX_SEARCH_MAJORS; i++)
        snprintf(c->majors[c->nmajors++], sizeof c->majors[0], "%s", p->major_codes[i]);
    if (p->detail_case == CJX__POSTING__DETAIL_JOB && p->job) {
        c->pay_min = p->job->pay_min_yuan;
        c->pay_max = p->job->pay_max_yuan;
    }
}

/* Forgets the key's current docid: its term entries stay in their segment
 * until a merge finds the document gone. */
static int remove_key(MDB_txn *txn, cjx_search_index *ix, const uint8_t *key, size_t klen,
                      cjx_search_stats *st)
{
    MDB_val k = {klen, (void *)key}, v;
    int rc = mdb_get(txn, ix->keys, &k, &v);
    if (rc)
        return rc == MDB_NOTFOUND ? 0 : rc;
    uint32_t docid = cjx_search_be32_get(v.mv_data);
    cjx_search_hot hot;
    rc = cjx_attrs_remove(txn, ix, docid, &hot);
    if (rc == 0) {
        st->docs--;
        st->length -= hot.length;
    }
    uint8_t id[4];
    cjx_search_be32_put(id, docid);
    MDB_val dk = {4, id};
    if (rc == 0 || rc == MDB_NOTFOUND)
        rc = mdb_del(txn, ix->docs, &dk, NULL);
    if (rc == 0 || rc == MDB_NOTFOUND)
        rc = mdb_del(txn, ix->keys, &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int cjx_search_replace(MDB_txn *txn, cjx_search_index *ix, const uint8_t *key, size_t klen,
                       uint64_t seq, const Cjx__Posting *posting)
{
    cjx_search_stats *st;
    int rc = open_stats(txn, ix, &st);
    if (rc == 0)
        rc = remove_key(txn, ix, key, klen, st);
    if (rc == 0 && posting) {
        uint32_t docid = ++st->next_docid;
        size_t length = 0;
        rc = add_terms(ix, docid, posting, &length);
        cjx_search_doc doc;
        describe(&doc, seq, posting, length);
        uint8_t id[4];
        cjx_search_be32_put(id, docid);
        MDB_val dk = {4, id}, dv = {klen, (void *)key};
        MDB_val kk = {klen, (void *)key}, kv = {4, id};
        if (rc == 0)
            rc = cjx_attrs_add(txn, ix, docid, &doc);
        if (rc == 0)
            rc = mdb_put(txn, ix->docs, &dk, &dv, 0);
        if (rc == 0)
            rc = mdb_put(txn, ix->keys, &kk, &kv, 0);
        st->docs++;
        st->length += length;
    }
    return rc;
}

/* search_attrs.c — the search index's documents' attributes (status, length,
 * seq, pay, division…), kept in blocks of CJX_SEARCH_BLOCK docids (see
 * search_index_int.h).
 *
 * A query on a common term has tens of thousands of candidates, and each
 * needs its document's attributes for the filters and BM25. One B-tree
 * lookup per candidate cost more than all the rest of the query; the
 * candidates come in docid order, so reading their blocks in order costs a
 * cursor step per CJX_SEARCH_BLOCK docids instead. A block is laid out by
 * columns: the hot attributes (16 bytes a document) together, then each
 * cold one, so that a query reads a few cache lines per block for what it
 * uses rather than every document's attributes whole.
 *
 * Docids only grow, so a transaction's new documents fill the last blocks:
 * their attributes wait in memory and each block is written once, at the
 * flush. A removal rewrites its document's block at once; a block whose
 * documents are all gone is deleted.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "search_index_int.h"

#define HOT_BYTES (CJX_SEARCH_BLOCK * sizeof(cjx_search_hot))
#define BLOCK_BYTES (HOT_BYTES + CJX_SEARCH_BLOCK * sizeof(cjx_search_cold))

/* The cold columns, in the order of the CJX_COLD_* bits: where in a
 * cjx_search_cold each one's bytes are. After the hot parts, a block holds
 * the cold ones transposed: the column of a field at offset off of a
 * cjx_search_cold starts at CJX_SEARCH_BLOCK * off (cold_at). */
#define RANGE(from, to)                                                                          \
    {offsetof(cjx_search_cold, from),                                                            \
     offsetof(cjx_search_cold, to) + sizeof(((cjx_search_cold *)0)->to) -                       \
         offsetof(cjx_search_cold, from)}
#define COLUMN(field) RANGE(field, field)
static const struct column {
    size_t off, size;
} columns[] = {
    COLUMN(pay_min),   COLUMN(pay_max), COLUMN(division), COLUMN(valid_until),
    COLUMN(publisher), RANGE(nmajors, majors),
};
#define COLUMNS (sizeof columns / sizeof columns[0])
_Static_assert(CJX_COLD_ALL == (1u << COLUMNS) - 1, "a CJX_COLD_* bit for each column");

/* Where docid's hot attributes are in a block, and its cold column c. */
static size_t hot_at(uint32_t docid)
{
    return docid % CJX_SEARCH_BLOCK * sizeof(cjx_search_hot);
}

static size_t cold_at(size_t c, uint32_t docid)
{
    const struct column *col = &columns[c];
    return HOT_BYTES + CJX_SEARCH_BLOCK * col->off + docid % CJX_SEARCH_BLOCK * col->size;
}

/* Copies the cold columns asked for of docid out of block into cold. */
static void cold_get(const uint8_t *block, uint32_t docid, unsigned asked, cjx_search_cold *cold)
{
    for (size_t c = 0; c < COLUMNS; c++)
        if (asked & 1u << c)
            memcpy((uint8_t *)cold + columns[c].off, block + cold_at(c, docid), columns[c].size);
}

/* ---- writing ---- */

/* A transaction's new documents' attributes: docids first, first + 1, …,
 * as cjx_search_replace hands them out (hot.live 0 once removed again). */
struct cjx_attrs_fresh {
    uint32_t first;
    cjx_search_doc *v;
    size_t n, cap;
};

/* Reads block b into buf: all zero when there is none. */
static int block_read(MDB_txn *txn, const cjx_search_index *ix, uint32_t b, uint8_t *buf)
{
    uint8_t id[4];
    cjx_search_be32_put(id, b);
    MDB_val k = {sizeof id, id}, v;
    int rc = mdb_get(txn, ix->attrs, &k, &v);
    if (rc == MDB_NOTFOUND)
        memset(buf, 0, BLOCK_BYTES);
    else if (rc == 0 && v.mv_size != BLOCK_BYTES)
        rc = MDB_CORRUPTED;
    else if (rc == 0)
        memcpy(buf, v.mv_data, BLOCK_BYTES);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Stores buf as block b, or deletes the block when it has no document. */
static int block_write(MDB_txn *txn, const cjx_search_index *ix, uint32_t b, uint8_t *buf)
{
    uint8_t id[4];
    cjx_search_be32_put(id, b);
    MDB_val k = {sizeof id, id}, v = {BLOCK_BYTES, buf};
    int live = 0;
    for (uint32_t i = 0; i < CJX_SEARCH_BLOCK; i++)
        live |= buf[hot_at(i) + offsetof(cjx_search_hot, live)];
    if (live)
        return mdb_put(txn, ix->attrs, &k, &v, 0);
    int rc = mdb_del(txn, ix->attrs, &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Sets docid's places in buf to doc, or clears them (doc NULL or not live). */
static void place_set(uint8_t *buf, uint32_t docid, const cjx_search_doc *doc)
{
    cjx_search_doc none;
    if (!doc || !doc->hot.live) {
        memset(&none, 0, sizeof none);
        doc = &none;
    }
    memcpy(buf + hot_at(docid), &doc->hot, sizeof doc->hot);
    for (size_t c = 0; c < COLUMNS; c++)
        memcpy(buf + cold_at(c, docid), (const uint8_t *)&doc->cold + columns[c].off,
               columns[c].size);
}

int cjx_attrs_add(MDB_txn *txn, cjx_search_index *ix, uint32_t docid, const cjx_search_doc *doc)
{
    cjx_attrs_fresh *f = ix->fresh;
    if (f && f->n && docid != f->first + f->n) { /* not next: write what waits first */
        int rc = cjx_attrs_flush(txn, ix);
        if (rc)
            return rc;
    }
    if (!f && !(f = ix->fresh = calloc(1, sizeof *f)))
        return ENOMEM;
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 64;
        cjx_search_doc *v = realloc(f->v, cap * sizeof *v);
        if (!v)
            return ENOMEM;
        f->v = v;
        f->cap = cap;
    }
    if (!f->n)
        f->first = docid;
    memcpy(&f->v[f->n], doc, sizeof *doc);
    f->v[f->n++].hot.live = 1;
    return 0;
}

int cjx_attrs_remove(MDB_txn *txn, cjx_search_index *ix, uint32_t docid, cjx_search_hot *hot)
{
    cjx_attrs_fresh *f = ix->fresh;
    if (f && docid >= f->first && docid - f->first < f->n) {
        cjx_search_hot *h = &f->v[docid - f->first].hot;
        *hot = *h;
        h->live = 0;
        return hot->live ? 0 : MDB_NOTFOUND;
    }
    uint8_t buf[BLOCK_BYTES];
    int rc = block_read(txn, ix, docid / CJX_SEARCH_BLOCK, buf);
    if (rc)
        return rc;
    memcpy(hot, buf + hot_at(docid), sizeof *hot);
    if (!hot->live)
        return MDB_NOTFOUND;
    place_set(buf, docid, NULL);
    return block_write(txn, ix, docid / CJX_SEARCH_BLOCK, buf);
}

int cjx_attrs_flush(MDB_txn *txn, cjx_search_index *ix)
{
    cjx_attrs_fresh *f = ix->fresh;
    uint8_t buf[BLOCK_BYTES];
    int rc = 0;
    for (size_t i = 0; rc == 0 && f && i < f->n;) {
        uint32_t b = (f->first + (uint32_t)i) / CJX_SEARCH_BLOCK;
        rc = block_read(txn, ix, b, buf);
        for (; rc == 0 && i < f->n && (f->first + i) / CJX_SEARCH_BLOCK == b; i++)
            place_set(buf, f->first + (uint32_t)i, &f->v[i]);
        if (rc == 0)
            rc = block_write(txn, ix, b, buf);
    }
    cjx_attrs_discard(ix);
    return rc;
}

void cjx_attrs_discard(cjx_search_index *ix)
{
    if (ix->fresh)
        ix->fresh->n = 0;
}

void cjx_attrs_free(cjx_search_index *ix)
{
    if (ix->fresh)
        free(ix->fresh->v);
    free(ix->fresh);
    ix->fresh = NULL;
}

/* ---- reading ---- */

int cjx_attrs_open(MDB_txn *txn, const cjx_search_index *ix, cjx_attrs_reader *r)
{
    memset(r, 0, sizeof *r);
    return mdb_cursor_open(txn, ix->attrs, &r->cur);
}

/* Puts the cursor on the first block from b on: the next one when that is
 * where it is bound to be, else by a search. */
static int seek(cjx_attrs_reader *r, uint32_t b, int next)
{
    uint8_t id[4];
    cjx_search_be32_put(id, b);
    MDB_val k = {sizeof id, id}, v;
    int rc = mdb_cursor_get(r->cur, &k, &v, next ? MDB_NEXT : MDB_SET_RANGE);
    r->placed = 1;
    r->end = rc != 0;
    if (rc)
        return rc == MDB_NOTFOUND ? 0 : rc;
    if (k.mv_size != sizeof id || v.mv_size != BLOCK_BYTES)
        return MDB_CORRUPTED;
    r->at = cjx_search_be32_get(k.mv_data);
    r->block = v.mv_data;
    return 0;
}

int cjx_attrs_hot(cjx_attrs_reader *r, uint32_t docid, cjx_search_hot *hot)
{
    uint32_t b = docid / CJX_SEARCH_BLOCK;
    int rc = 0;
    /* the cursor is on the first block from asked on: it need not move
     * while b is not past it */
    if (!r->placed || b < r->asked)
        rc = seek(r, b, 0);
    else if (!r->end && b > r->at)
        rc = seek(r, b, b == r->at + 1);
    r->asked = b;
    if (rc)
        return rc;
    if (r->end || r->at != b)
        return MDB_NOTFOUND;
    memcpy(hot, r->block + hot_at(docid), sizeof *hot);
    return hot->live ? 0 : MDB_NOTFOUND;
}

void cjx_attrs_cold(const cjx_attrs_reader *r, uint32_t docid, unsigned asked,
                    cjx_search_cold *cold)
{
    assert(r->placed && !r->end && r->at == docid / CJX_SEARCH_BLOCK);
    cold_get(r->block, docid, asked, cold);
}

void cjx_attrs_close(cjx_attrs_reader *r)
{
    if (r->cur)
        mdb_cursor_close(r->cur);
    r->cur = NULL;
}

/* Calls fn with each stored block from block number from on, in order,
 * until it returns non-zero; returns that, or an LMDB code. */
static int each_block(MDB_txn *txn, const cjx_search_index *ix, uint32_t from,
                      int (*fn)(void *ctx, uint32_t first_docid, const uint8_t *block),
                      void *ctx)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, ix->attrs, &cur);
    if (rc)
        return rc;
    uint8_t id[4];
    cjx_search_be32_put(id, from);
    MDB_val k = {sizeof id, id}, v;
    int more = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    for (; rc == 0 && more == 0; more = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 4 || v.mv_size != BLOCK_BYTES)
            rc = MDB_CORRUPTED;
        else
            rc = fn(ctx, cjx_search_be32_get(k.mv_data) * CJX_SEARCH_BLOCK, v.mv_data);
    }
    mdb_cursor_close(cur);
    return rc == 0 && more != MDB_NOTFOUND ? more : rc;
}

typedef struct live_ctx {
    uint32_t first, last;
    uint8_t *bits;
} live_ctx;

#define PAST_LAST (-1)                 /* each_block: stop, no error */

static int mark_live(void *ctx, uint32_t from, const uint8_t *block)
{
    live_ctx *c = ctx;
    if (from > c->last)
        return PAST_LAST;
    for (uint32_t i = 0; i < CJX_SEARCH_BLOCK; i++) {
        uint32_t docid = from + i;
        if (docid >= c->first && docid <= c->last &&
            block[hot_at(i) + offsetof(cjx_search_hot, live)])
            c->bits[(docid - c->first) / 8] |= (uint8_t)(1u << ((docid - c->first) % 8));
    }
    return 0;
}

int cjx_attrs_live(MDB_txn *txn, const cjx_search_index *ix, uint32_t first, uint32_t last,
                   uint8_t *bits)
{
    live_ctx c = {first, last, bits};
    int rc = each_block(txn, ix, first / CJX_SEARCH_BLOCK, mark_live, &c);
    return rc == PAST_LAST ? 0 : rc;
}

typedef struct docs_ctx {
    cjx_attrs_fn fn;
    void *ctx;
} docs_ctx;

static int each_doc(void *ctx, uint32_t from, const uint8_t *block)
{
    const docs_ctx *c = ctx;
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && i < CJX_SEARCH_BLOCK; i++) {
        cjx_search_doc d;
        memcpy(&d.hot, block + hot_at(i), sizeof d.hot);
        if (!d.hot.live)
            continue;
        cold_get(block, i, CJX_COLD_ALL, &d.cold);
        rc = c->fn(c->ctx, from + i, &d);
    }
    return rc;
}

int cjx_attrs_each(MDB_txn *txn, const cjx_search_index *ix, cjx_attrs_fn fn, void *ctx)
{
    docs_ctx c = {fn, ctx};
    return each_block(txn, ix, 0, each_doc, &c);
}

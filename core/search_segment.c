/* search_segment.c — the search index's segments: sorted runs of term
 * entries, each one LMDB value.
 *
 * A transaction's new term entries become one segment, written with a
 * single put, so indexing a posting costs a few B-tree writes however many
 * terms it has. Segments of about one size are merged CJX_MERGE_MAX at a
 * time (search_index.c), so a store holds a few tiers of them, and a term's
 * entries are its runs in each, in segment order: ascending docids, since
 * docids only grow. A merge drops the entries of documents that are gone
 * (updated or removed).
 *
 * Layout (host byte order; an LMDB file stays on its machine): a header of
 * five uint32 (magic, terms, entries, first and last docid), term_off and
 * post_off (terms + 1 uint32 each: where each term's bytes and entries
 * start), the term bytes, padding to 4, then the entries
 * (CJX_SEARCH_ENTRY bytes each: the docid big-endian, then field counts).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "search_index_int.h"

#define MAGIC 0x31535843u              /* "CXS1" */
#define HEADER 20

static uint32_t u32_at(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

int cjx_segment_view(const void *data, size_t len, cjx_segment *s)
{
    const uint8_t *p = data;
    memset(s, 0, sizeof *s);
    if (len < HEADER || u32_at(p) != MAGIC)
        return MDB_CORRUPTED;
    s->nterms = u32_at(p + 4);
    s->nentries = u32_at(p + 8);
    s->first_docid = u32_at(p + 12);
    s->last_docid = u32_at(p + 16);
    size_t dirs = HEADER + 8 * ((size_t)s->nterms + 1);
    if (dirs > len)
        return MDB_CORRUPTED;
    s->term_off = p + HEADER;
    s->post_off = s->term_off + 4 * ((size_t)s->nterms + 1);
    s->terms = p + dirs;
    size_t tbytes = u32_at(s->term_off + 4 * (size_t)s->nterms);
    size_t entries = (dirs + tbytes + 3) & ~(size_t)3;
    if (entries + (size_t)s->nentries * CJX_SEARCH_ENTRY != len)
        return MDB_CORRUPTED;
    s->entries = p + entries;
    return 0;
}

/* Term i of s. */
static const uint8_t *term_at(const cjx_segment *s, uint32_t i, size_t *len)
{
    uint32_t from = u32_at(s->term_off + 4 * (size_t)i);
    *len = u32_at(s->term_off + 4 * ((size_t)i + 1)) - from;
    return s->terms + from;
}

static int term_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

size_t cjx_segment_find(const cjx_segment *s, const char *term, size_t len,
                        const uint8_t **entries)
{
    uint32_t lo = 0, hi = s->nterms;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        size_t mlen;
        const uint8_t *m = term_at(s, mid, &mlen);
        int c = term_cmp(m, mlen, (const uint8_t *)term, len);
        if (c == 0) {
            uint32_t from = u32_at(s->post_off + 4 * (size_t)mid);
            *entries = s->entries + (size_t)from * CJX_SEARCH_ENTRY;
            return u32_at(s->post_off + 4 * ((size_t)mid + 1)) - from;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* ---- writing ---- */

typedef struct writer {
    uint8_t *terms;
    size_t tused, tcap;
    uint32_t *term_off, *post_off;     /* nterms + 1 each, once finished */
    size_t nterms, dcap;
    uint8_t *entries;
    size_t nentries, ecap;
    uint32_t first, last;
    int oom;
} writer;

static void *grow(void *p, size_t *cap, size_t need, size_t size, int *oom)
{
    if (need <= *cap)
        return p;
    size_t cap2 = *cap ? *cap : 256;
    while (cap2 < need)
        cap2 *= 2;
    void *q = realloc(p, cap2 * size);
    if (!q) {
        *oom = 1;
        return p;
    }
    *cap = cap2;
    return q;
}

/* Makes term the writer's current one; calls come in term order. */
static void writer_term(writer *w, const uint8_t *term, size_t len)
{
    size_t last_len = w->nterms ? w->tused - w->term_off[w->nterms - 1] : 0;
    if (w->nterms && last_len == len && memcmp(w->terms + w->term_off[w->nterms - 1], term, len) == 0)
        return;
    size_t dcap = w->dcap;
    w->term_off = grow(w->term_off, &dcap, w->nterms + 2, sizeof *w->term_off, &w->oom);
    size_t dcap2 = w->dcap;
    w->post_off = grow(w->post_off, &dcap2, w->nterms + 2, sizeof *w->post_off, &w->oom);
    w->dcap = dcap < dcap2 ? dcap : dcap2;
    w->terms = grow(w->terms, &w->tcap, w->tused + len, 1, &w->oom);
    if (w->oom)
        return;
    w->term_off[w->nterms] = (uint32_t)w->tused;
    w->post_off[w->nterms] = (uint32_t)w->nentries;
    w->nterms++;
    memcpy(w->terms + w->tused, term, len);
    w->tused += len;
}

/* Adds the current term's next entry, in docid order; room for it was made
 * by writer_room. */
static void writer_entry(writer *w, const uint8_t *entry)
{
    memcpy(w->entries + w->nentries * CJX_SEARCH_ENTRY, entry, CJX_SEARCH_ENTRY);
    w->nentries++;
    uint32_t docid = cjx_search_be32_get(entry);
    if (!w->first || docid < w->first)
        w->first = docid;
    if (docid > w->last)
        w->last = docid;
}

static int writer_room(writer *w, size_t more)
{
    w->entries = grow(w->entries, &w->ecap, w->nentries + more, CJX_SEARCH_ENTRY, &w->oom);
    return !w->oom;
}

static void writer_free(writer *w)
{
    free(w->terms);
    free(w->term_off);
    free(w->post_off);
    free(w->entries);
}

/* The size of w's segment, and writing it at out. */
static size_t writer_size(const writer *w)
{
    size_t dirs = HEADER + 8 * (w->nterms + 1);
    return ((dirs + w->tused + 3) & ~(size_t)3) + w->nentries * CJX_SEARCH_ENTRY;
}

static void writer_emit(writer *w, uint8_t *out)
{
    uint32_t head[5] = {MAGIC, (uint32_t)w->nterms, (uint32_t)w->nentries, w->first, w->last};
    memcpy(out, head, sizeof head);
    w->term_off[w->nterms] = (uint32_t)w->tused;
    w->post_off[w->nterms] = (uint32_t)w->nentries;
    size_t at = HEADER;
    memcpy(out + at, w->term_off, 4 * (w->nterms + 1));
    at += 4 * (w->nterms + 1);
    memcpy(out + at, w->post_off, 4 * (w->nterms + 1));
    at += 4 * (w->nterms + 1);
    memcpy(out + at, w->terms, w->tused);
    at += w->tused;
    memset(out + at, 0, ((at + 3) & ~(size_t)3) - at);
    at = (at + 3) & ~(size_t)3;
    memcpy(out + at, w->entries, w->nentries * CJX_SEARCH_ENTRY);
}

/* Stores w under key (8 bytes) of db; nothing when it holds no entry. */
static int writer_put(MDB_txn *txn, MDB_dbi db, const uint8_t *key, writer *w)
{
    if (w->oom)
        return ENOMEM;
    if (!w->nentries)
        return 0;
    MDB_val k = {8, (void *)key}, v = {writer_size(w), NULL};
    int rc = mdb_put(txn, db, &k, &v, MDB_RESERVE);
    if (rc == 0)
        writer_emit(w, v.mv_data);
    return rc;
}

static void u32_put(uint8_t *p, size_t v)
{
    uint32_t u = (uint32_t)v;
    memcpy(p, &u, 4);
}

int cjx_segment_write(MDB_txn *txn, MDB_dbi db, const uint8_t *key, const cjx_segment_plan *plan,
                      void (*run_at)(void *ctx, size_t t, const uint8_t **term, size_t *len,
                                     size_t *n),
                      void (*entries_of)(void *ctx, size_t t, uint8_t *out), void *ctx)
{
    if (!plan->nentries)
        return 0;
    size_t dirs = HEADER + 8 * (plan->nterms + 1), at = (dirs + plan->tbytes + 3) & ~(size_t)3;
    MDB_val k = {8, (void *)key}, v = {at + plan->nentries * CJX_SEARCH_ENTRY, NULL};
    int rc = mdb_put(txn, db, &k, &v, MDB_RESERVE);
    if (rc)
        return rc;
    uint8_t *out = v.mv_data, *term_off = out + HEADER, *post_off = term_off + 4 * (plan->nterms + 1);
    uint32_t head[5] = {MAGIC, (uint32_t)plan->nterms, (uint32_t)plan->nentries, plan->first,
                        plan->last};
    memcpy(out, head, sizeof head);
    size_t tused = 0, used = 0;
    for (size_t t = 0; t < plan->nterms; t++) {
        const uint8_t *term;
        size_t len, n;
        run_at(ctx, t, &term, &len, &n);
        u32_put(term_off + 4 * t, tused);
        u32_put(post_off + 4 * t, used);
        memcpy(out + dirs + tused, term, len);
        entries_of(ctx, t, out + at + used * CJX_SEARCH_ENTRY);
        tused += len;
        used += n;
    }
    u32_put(term_off + 4 * plan->nterms, tused);
    u32_put(post_off + 4 * plan->nterms, used);
    memset(out + dirs + tused, 0, at - dirs - tused);
    return tused == plan->tbytes && used == plan->nentries ? 0 : MDB_CORRUPTED;
}

/* ---- merging ---- */

/* Which docids in [first, last] still have a document. */
static uint8_t *live_docids(MDB_txn *txn, const cjx_search_index *ix, uint32_t first,
                            uint32_t last, int *rc)
{
    uint8_t *bits = calloc(((size_t)last - first) / 8 + 1, 1);
    *rc = bits ? cjx_attrs_live(txn, ix, first, last, bits) : ENOMEM;
    return bits;
}

/* Copies the live entries of one term's run. */
static void copy_live(writer *w, const uint8_t *term, size_t len, const uint8_t *e, size_t n,
                      const uint8_t *bits, uint32_t first)
{
    if (!writer_room(w, n))
        return;
    int named = 0;
    for (size_t i = 0; i < n; i++, e += CJX_SEARCH_ENTRY) {
        uint32_t id = cjx_search_be32_get(e) - first;
        if (!(bits[id / 8] & (1u << (id % 8))))
            continue;
        if (!named++)
            writer_term(w, term, len);
        if (w->oom)
            return;
        writer_entry(w, e);
    }
}

/* The term the next run of segs[s] is for, or NULL when it has no more. */
static const uint8_t *next_term(const cjx_segment *segs, const uint32_t *at, size_t s,
                                size_t *len)
{
    return at[s] < segs[s].nterms ? term_at(&segs[s], at[s], len) : NULL;
}

int cjx_segment_merge(MDB_txn *txn, const cjx_search_index *ix, const uint8_t (*keys)[8],
                      const cjx_segment *segs, size_t n)
{
    uint32_t first = segs[0].first_docid, last = segs[n - 1].last_docid;
    int rc;
    uint8_t *bits = live_docids(txn, ix, first, last, &rc);
    uint32_t at[CJX_MERGE_MAX] = {0};  /* each segment's next term */
    writer w = {0};
    while (rc == 0 && !w.oom) {
        const uint8_t *min = NULL, *t;
        size_t min_len = 0, len;
        for (size_t s = 0; s < n; s++)
            if ((t = next_term(segs, at, s, &len)) &&
                (!min || term_cmp(t, len, min, min_len) < 0))
                min = t, min_len = len;
        if (!min)
            break;
        for (size_t s = 0; s < n; s++) { /* oldest first: docids ascend */
            if (!(t = next_term(segs, at, s, &len)) || term_cmp(t, len, min, min_len) != 0)
                continue;
            uint32_t from = u32_at(segs[s].post_off + 4 * (size_t)at[s]);
            copy_live(&w, t, len, segs[s].entries + (size_t)from * CJX_SEARCH_ENTRY,
                      u32_at(segs[s].post_off + 4 * ((size_t)at[s] + 1)) - from, bits, first);
            at[s]++;
        }
    }
    free(bits);
    /* only now, with the merge in memory, may the inputs' pages change */
    MDB_dbi db = ix->segs;
    for (size_t s = n; rc == 0 && s-- > 1;) {
        MDB_val k = {8, (void *)keys[s]};
        rc = mdb_del(txn, db, &k, NULL);
    }
    MDB_val k = {8, (void *)keys[0]};
    if (rc == 0 && !w.nentries && !w.oom) /* nothing left alive */
        rc = mdb_del(txn, db, &k, NULL);
    if (rc == 0)
        rc = writer_put(txn, db, keys[0], &w);
    writer_free(&w);
    return rc;
}

/* search_index_int.h — the search index's record layouts, shared by
 * search_index.c (keeping it), search_segment.c (its term entries),
 * search_attrs.c (its documents' attributes) and search_query.c and
 * search_recommend.c (reading it). */
#ifndef CJX_SEARCH_INDEX_INT_H
#define CJX_SEARCH_INDEX_INT_H

#include <stdint.h>

#include "search_index.h"

/* The fields a term is counted in. */
enum { CJX_FIELD_TITLE, CJX_FIELD_DESCRIPTION, CJX_FIELD_REQUIREMENTS, CJX_FIELDS };

/* A term entry: the docid, big-endian, then the term's count in each field
 * (at most 255), then a zero byte. */
#define CJX_SEARCH_ENTRY 8

/* A document's attributes: what filters and ranking need. Every candidate
 * of a query needs the hot ones; each cold one is kept apart from the rest
 * (search_attrs.c) and read only when a filter asks for it. Host byte
 * order: an LMDB file is read on the machine that wrote it. */
typedef struct cjx_search_hot {
    uint64_t seq;
    uint32_t length;                   /* terms in all fields */
    uint8_t live;                      /* 1; 0 where a block has no document */
    uint8_t status, cluster, detail;   /* PostingStatus, Cluster, Posting.detail_case */
} cjx_search_hot;

typedef struct cjx_search_cold {
    int64_t pay_min, pay_max;          /* jobs; 0 when not given */
    char division[13];
    char valid_until[11];
    char publisher[19];
    uint8_t nmajors;
    char majors[CJX_SEARCH_MAJORS][8];
} cjx_search_cold;

typedef struct cjx_search_doc {
    cjx_search_hot hot;
    cjx_search_cold cold;
} cjx_search_doc;

/* Under docid 0 in "sx_docs": what BM25 needs of the whole. */
typedef struct cjx_search_stats {
    uint32_t next_docid;
    uint32_t docs;
    uint64_t length;                   /* terms in all documents */
    uint64_t next_segment;
} cjx_search_stats;

/* A transaction's new term entries (search_pending.c). */
/* Counts an occurrence of term in field of document docid (the newest
 * document added, or a new one). */
int cjx_pending_add(cjx_search_pending **pp, const char *term, size_t len, uint32_t docid,
                    int field);
size_t cjx_pending_count(const cjx_search_pending *p);
/* Writes them as one segment under key (8 bytes). */
int cjx_pending_write(cjx_search_pending *p, MDB_txn *txn, MDB_dbi db, const uint8_t key[8]);
void cjx_pending_clear(cjx_search_pending *p);
void cjx_pending_free(cjx_search_pending **pp);

/* A segment of "sx_segs", read in place (search_segment.c). */
typedef struct cjx_segment {
    uint32_t nterms, nentries, first_docid, last_docid;
    const uint8_t *term_off, *post_off, *terms, *entries;
} cjx_segment;

int cjx_segment_view(const void *data, size_t len, cjx_segment *s);
/* The entries of term in s (*entries), how many; 0 when s lacks it. */
size_t cjx_segment_find(const cjx_segment *s, const char *term, size_t len,
                        const uint8_t **entries);
/* What a segment about to be written holds: terms, their bytes, entries,
 * and the lowest and highest docid among them. */
typedef struct cjx_segment_plan {
    size_t nterms, tbytes, nentries;
    uint32_t first, last;
} cjx_segment_plan;
/* Writes a segment laid out as plan says under key (8 bytes), in place in
 * the LMDB value: run_at gives term t (in term order) and its number of
 * entries, entries_of writes those entries (docid order) at out. Nothing
 * when plan has no entry; MDB_CORRUPTED when the runs do not add up to the
 * plan. */
int cjx_segment_write(MDB_txn *txn, MDB_dbi db, const uint8_t *key, const cjx_segment_plan *plan,
                      void (*run_at)(void *ctx, size_t t, const uint8_t **term, size_t *len,
                                     size_t *n),
                      void (*entries_of)(void *ctx, size_t t, uint8_t *out), void *ctx);
/* Replaces n (2 to CJX_MERGE_MAX) neighbouring segments, oldest first, read
 * in place under their keys, by their merge under the oldest one's key,
 * leaving out the entries of documents gone (no live attributes in ix). */
#define CJX_MERGE_MAX 8
int cjx_segment_merge(MDB_txn *txn, const cjx_search_index *ix, const uint8_t (*keys)[8],
                      const cjx_segment *segs, size_t n);

int cjx_search_stats_get(MDB_txn *txn, const cjx_search_index *ix, cjx_search_stats *st);
/* Reads docid's attributes and, when key is not NULL, its state key
 * (valid while txn is); MDB_NOTFOUND when the document is gone. */
int cjx_search_doc_get(MDB_txn *txn, const cjx_search_index *ix, uint32_t docid,
                       cjx_search_doc *doc, const uint8_t **key, size_t *klen);

/* The documents' attributes in "sx_attrs" (search_attrs.c): a value holds
 * CJX_SEARCH_BLOCK docids' attributes as columns (the hot parts, then each
 * cold attribute, each in docid order; all zero where no document is),
 * under the block's number (docid / CJX_SEARCH_BLOCK) big-endian. A query
 * reads its candidates' attributes a block at a time, not with a B-tree
 * lookup each, and of the cold ones only those its filters ask for. */
#define CJX_SEARCH_BLOCK 64

/* The cold columns, as bits of what cjx_attrs_cold is asked for. */
enum {
    CJX_COLD_PAY_MIN = 1 << 0,
    CJX_COLD_PAY_MAX = 1 << 1,
    CJX_COLD_DIVISION = 1 << 2,
    CJX_COLD_VALID_UNTIL = 1 << 3,
    CJX_COLD_PUBLISHER = 1 << 4,
    CJX_COLD_MAJORS = 1 << 5,          /* nmajors and majors */
    CJX_COLD_ALL = (1 << 6) - 1
};

/* Gives docid, the transaction's newest document, its attributes: they
 * wait in memory for cjx_attrs_flush, so that a transaction writes each
 * block it adds to once. */
int cjx_attrs_add(MDB_txn *txn, cjx_search_index *ix, uint32_t docid, const cjx_search_doc *doc);
/* Clears docid's attributes, waiting or stored; *hot gets what they were.
 * MDB_NOTFOUND when it has none. */
int cjx_attrs_remove(MDB_txn *txn, cjx_search_index *ix, uint32_t docid, cjx_search_hot *hot);
/* Writes the waiting attributes (cjx_attrs_discard drops them). */
int cjx_attrs_flush(MDB_txn *txn, cjx_search_index *ix);
void cjx_attrs_discard(cjx_search_index *ix);
void cjx_attrs_free(cjx_search_index *ix);

/* The rest read what is stored: the attributes flushed. */

/* Reads attributes for docids asked in ascending order, each block once. */
typedef struct cjx_attrs_reader {
    MDB_cursor *cur;
    int placed;                        /* on the first block from asked on (or end) */
    int end;                           /* no block from asked on */
    uint32_t asked;                    /* the last block asked for */
    uint32_t at;                       /* the block the cursor is on */
    const uint8_t *block;              /* its attributes, valid while txn is */
} cjx_attrs_reader;

int cjx_attrs_open(MDB_txn *txn, const cjx_search_index *ix, cjx_attrs_reader *r);
/* docid's hot attributes into *hot; MDB_NOTFOUND when it has none. */
int cjx_attrs_hot(cjx_attrs_reader *r, uint32_t docid, cjx_search_hot *hot);
/* docid's cold attributes of the columns asked for (CJX_COLD_*), once
 * cjx_attrs_hot has found docid; the others are left as they are. */
void cjx_attrs_cold(const cjx_attrs_reader *r, uint32_t docid, unsigned asked,
                    cjx_search_cold *cold);
void cjx_attrs_close(cjx_attrs_reader *r);

/* Sets bit docid - first of bits for each docid in [first, last] that has a
 * document: a cursor step per block, not per document. */
int cjx_attrs_live(MDB_txn *txn, const cjx_search_index *ix, uint32_t first, uint32_t last,
                   uint8_t *bits);

/* Calls fn with every document's attributes, in docid order, until it
 * returns non-zero; returns that, or an LMDB code. */
typedef int (*cjx_attrs_fn)(void *ctx, uint32_t docid, const cjx_search_doc *doc);
int cjx_attrs_each(MDB_txn *txn, const cjx_search_index *ix, cjx_attrs_fn fn, void *ctx);

static inline void cjx_search_be32_put(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static inline uint32_t cjx_search_be32_get(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

#endif

/* search_index_int.h — the search index's record layouts, shared by
 * search_index.c (keeping it), search_segment.c (its term entries) and
 * search_query.c (reading it). */
#ifndef CJX_SEARCH_INDEX_INT_H
#define CJX_SEARCH_INDEX_INT_H

#include <stdint.h>

#include "search_index.h"

/* The fields a term is counted in. */
enum { CJX_FIELD_TITLE, CJX_FIELD_DESCRIPTION, CJX_FIELD_REQUIREMENTS, CJX_FIELDS };

/* A term entry: the docid, big-endian, then the term's count in each field
 * (at most 255), then a zero byte. */
#define CJX_SEARCH_ENTRY 8

/* An "sx_docs" value: this, then the state key. Host byte order: an LMDB
 * file is read on the machine that wrote it. */
typedef struct cjx_search_doc {
    uint64_t seq;
    int64_t pay_min, pay_max;          /* jobs; 0 when not given */
    uint32_t length;                   /* terms in all fields */
    uint8_t status, cluster, detail;   /* PostingStatus, Cluster, Posting.detail_case */
    uint8_t nmajors;
    char division[13];
    char valid_until[11];
    char publisher[19];
    char majors[CJX_SEARCH_MAJORS][8];
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
/* Writes a segment of n entries, given in term then docid order by
 * entry_at, under key (8 bytes). */
int cjx_segment_write(MDB_txn *txn, MDB_dbi db, const uint8_t *key, size_t n,
                      void (*entry_at)(void *ctx, size_t i, const uint8_t **term, size_t *len,
                                       uint8_t entry[CJX_SEARCH_ENTRY]),
                      void *ctx);
/* Replaces two neighbouring segments (read in place under their keys) by
 * their merge under the older one's key, leaving out the entries of
 * documents no longer in docs. */
int cjx_segment_merge(MDB_txn *txn, MDB_dbi db, MDB_dbi docs, const uint8_t *older_key,
                      const uint8_t *newer_key, const cjx_segment *older,
                      const cjx_segment *newer);

int cjx_search_stats_get(MDB_txn *txn, const cjx_search_index *ix, cjx_search_stats *st);
int cjx_search_doc_get(MDB_txn *txn, const cjx_search_index *ix, uint32_t docid,
                       cjx_search_doc *doc, const uint8_t **key, size_t *klen);

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

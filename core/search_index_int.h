/* search_index_int.h — the search index's record layouts, shared by
 * search_index.c (keeping it) and search_query.c (reading it). */
#ifndef CJX_SEARCH_INDEX_INT_H
#define CJX_SEARCH_INDEX_INT_H

#include <stdint.h>

#include "search_index.h"

/* The fields a term is counted in. */
enum { CJX_FIELD_TITLE, CJX_FIELD_DESCRIPTION, CJX_FIELD_REQUIREMENTS, CJX_FIELDS };

/* An "sx_terms" entry: the docid, big-endian (so duplicates sort by it),
 * then the term's count in each field (at most 255), then a zero byte. */
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
} cjx_search_stats;

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

/* search_index.h — the postings' search index, in LMDB, and queries over it.
 *
 * The hub keeps it in an environment of its own, following the log on a
 * thread (hub/search_follow.c); every agent keeps one over its replica, in
 * the transaction that changes the replica, so `cjx search --local` works
 * offline. Terms come from
 * search_tokens.h; a posting's title, its description (with the text
 * fields of its kind's details) and its requirements count separately, so
 * results can say where a term matched and the title can weigh more.
 *
 * Four databases: "sx_segs" (segments: sorted runs of term entries, each
 * a docid with per-field term counts; search_segment.c), "sx_attrs"
 * (what filters and ranking need, in blocks of docids; search_attrs.c),
 * "sx_docs" (docid → the state key) and "sx_keys" (state key → docid). An
 * update gives the posting a new docid and forgets the old one, whose
 * entries merges then drop. Ranking is BM25 (k1 = 1.2, b = 0.75); every
 * query term must match.
 */
#ifndef CJX_SEARCH_INDEX_H
#define CJX_SEARCH_INDEX_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "domain.pb-c.h"
#include "protocol.pb-c.h"
#include "state.h"

#define CJX_SEARCH_DBS 4               /* databases the index uses */
#define CJX_SEARCH_FORMAT 2            /* their layout; a store's index of another is rebuilt */
#define CJX_SEARCH_MAJORS 8            /* major codes kept per posting for filters */
#define CJX_SEARCH_QUERY_TERMS 32      /* terms of a query that count */
#define CJX_SEARCH_LIMIT_MAX 100       /* hits per answer */

typedef struct cjx_search_pending cjx_search_pending;
typedef struct cjx_attrs_fresh cjx_attrs_fresh;

typedef struct cjx_search_index {
    MDB_dbi segs, attrs, docs, keys;
    cjx_search_pending *pending;       /* term entries of the open transaction */
    cjx_attrs_fresh *fresh;            /* attributes of its new documents */
    struct cjx_search_stats *open_stats; /* its totals, once read; written by the flush */
} cjx_search_index;

/* Opens (creating) the index's databases in a write transaction. */
int cjx_search_open(MDB_txn *txn, cjx_search_index *ix);
/* Frees what ix holds in memory (entries never flushed are lost). */
void cjx_search_close(cjx_search_index *ix);

/* Indexes posting, the version of state key key in log entry seq, in place
 * of what was indexed for the key before; a NULL posting removes the key.
 * The term entries and new documents' attributes wait in memory for
 * cjx_search_flush, which writes the entries as one segment: call it before
 * the transaction commits (and cjx_search_discard when it aborts). Returns
 * an LMDB code. */
int cjx_search_replace(MDB_txn *txn, cjx_search_index *ix, const uint8_t *key, size_t klen,
                       uint64_t seq, const Cjx__Posting *posting);
int cjx_search_flush(MDB_txn *txn, cjx_search_index *ix);
void cjx_search_discard(cjx_search_index *ix);

/* Opens the databases of an index that exists, in any transaction;
 * MDB_NOTFOUND when there is none. */
int cjx_search_open_read(MDB_txn *txn, cjx_search_index *ix);

/* Empties the index (before a rebuild). */
int cjx_search_clear(MDB_txn *txn, cjx_search_index *ix);

/* What to look for. Empty strings and zeros mean "any". */
typedef struct cjx_search_query {
    const char *text;                  /* keywords: every term must match */
    const char *kind;                  /* "job", "internship"… */
    int cluster;                       /* Cluster value */
    const char *division;              /* prefix of the posting's division_code: "140403" */
    const char *major;                 /* one of the posting's major codes */
    const char *publisher;             /* credit code */
    int64_t pay_min, pay_max;          /* the job's pay range must reach into this one */
    int any_status;                    /* 0: open postings only */
    const char *until_from, *until_to; /* valid_until within, "YYYY-MM-DD" */
    size_t offset, limit;
} cjx_search_query;

typedef struct cjx_search_hit {
    uint8_t key[CJX_STATE_KEY_MAX];
    size_t klen;
    uint64_t seq;                      /* the posting's current log entry */
    double score;
    char why[256];                     /* "软件: title; 技术: requirements" */
} cjx_search_hit;

typedef struct cjx_search_result {
    cjx_search_hit *hits;              /* at most limit, best first */
    size_t n;
    size_t total;                      /* all that matched */
} cjx_search_result;

/* The query a SearchRequest asks (pointing into it), the limit capped. */
void cjx_search_query_of(const Cjx__SearchRequest *m, cjx_search_query *q);

/* Open postings for a graduate of major (search_recommend.c). */
typedef struct cjx_recommend_query {
    const char *major;                 /* required */
    const char *division;              /* a prefix; "" any */
    size_t offset, limit;
} cjx_recommend_query;

int cjx_recommend_run(MDB_txn *txn, const cjx_search_index *ix, const cjx_recommend_query *q,
                      cjx_search_result *out);

/* Answers a SearchRequest: a search, or with m->recommend a recommendation. */
int cjx_search_answer(MDB_txn *txn, const cjx_search_index *ix, const Cjx__SearchRequest *m,
                      cjx_search_result *out);

/* Runs q. Returns an LMDB code (ENOMEM when out of memory); free the result
 * with cjx_search_result_free. */
int cjx_search_run(MDB_txn *txn, const cjx_search_index *ix, const cjx_search_query *q,
                   cjx_search_result *out);
void cjx_search_result_free(cjx_search_result *r);

#endif

/* search_query.c — answering a search over the postings' index
 * (search_index.h).
 *
 * The query's terms are taken rarest first: the rarest one's entries are
 * the candidates, and each further term keeps those it also has (merging
 * two lists sorted by docid, or seeking each candidate when they are few
 * against a long list). Filters and BM25 then read each remaining
 * candidate's document once. Without keywords, every document is filtered
 * and the newest come first.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search_index_int.h"
#include "search_tokens.h"

#define K1 1.2
#define B 0.75
#define TITLE_WEIGHT 2                 /* a term in the title counts twice */

typedef struct term {
    char text[CJX_TERM_MAX];
    size_t len;
    size_t df;                         /* documents that have it */
    int required;                      /* else it only adds to the score */
} term;

typedef struct query_terms {
    term t[CJX_SEARCH_QUERY_TERMS];
    size_t n;
} query_terms;

/* A query's terms: each must match, but for the bigrams that only bridge
 * two others (件开 in 软件开发), which add to the score: "软件 … 开发" in
 * different places is a match, as a reader of Chinese expects. */
static void add_term(const char *text, size_t len, int bridge, void *ctx)
{
    query_terms *q = ctx;
    for (size_t i = 0; i < q->n; i++)
        if (q->t[i].len == len && memcmp(q->t[i].text, text, len) == 0) {
            q->t[i].required |= !bridge;
            return;
        }
    if (q->n == CJX_SEARCH_QUERY_TERMS)
        return;
    memcpy(q->t[q->n].text, text, len);
    q->t[q->n].len = len;
    q->t[q->n++].required = !bridge;
}

/* Required terms first, the rarest first. */
static int term_cmp(const void *x, const void *y)
{
    const term *a = x, *b = y;
    if (a->required != b->required)
        return b->required - a->required;
    return a->df < b->df ? -1 : a->df > b->df;
}

/* Candidates: docids in ascending order, each with its field counts for
 * every term taken so far. */
typedef struct candidates {
    uint32_t *docid;
    uint8_t *tf;                       /* [(i * nterms + term) * CJX_FIELDS + field] */
    size_t n, cap, nterms;
} candidates;

/* Calls fn for every entry of the term cur was set on (MDB_SET), in docid
 * order, until fn returns nonzero. A term of one document keeps its entry
 * inline, where MDB_GET_MULTIPLE finds nothing. */
static int each_entry(MDB_cursor *cur, int (*fn)(const uint8_t *entry, void *ctx), void *ctx)
{
    size_t count;
    MDB_val k, v;
    int rc = mdb_cursor_count(cur, &count);
    if (rc == 0 && count == 1) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
        if (rc == 0)
            fn(v.mv_data, ctx);
        return rc;
    }
    for (rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_GET_MULTIPLE); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_MULTIPLE)) {
        const uint8_t *e = v.mv_data;
        for (size_t j = 0; j < v.mv_size / CJX_SEARCH_ENTRY; j++, e += CJX_SEARCH_ENTRY)
            if (fn(e, ctx))
                return 0;
    }
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static uint8_t *tf_of(const candidates *c, size_t i, size_t t)
{
    return &c->tf[(i * c->nterms + t) * CJX_FIELDS];
}

/* The rarest required term's entries become the candidates. */
static int load_one(const uint8_t *e, void *ctx)
{
    candidates *c = ctx;
    c->docid[c->n] = cjx_search_be32_get(e);
    memcpy(tf_of(c, c->n, 0), e + 4, CJX_FIELDS);
    return ++c->n == c->cap;
}

/* A further term, merged into the candidates: a required one keeps only
 * the candidates it has, an optional one adds its counts. */
typedef struct merge {
    candidates *c;
    size_t t, i, kept;
    int required;
} merge;

static void take(merge *m, size_t i, const uint8_t *e)
{
    candidates *c = m->c;
    if (m->required && m->kept != i) {
        c->docid[m->kept] = c->docid[i];
        memcpy(tf_of(c, m->kept, 0), tf_of(c, i, 0), c->nterms * CJX_FIELDS);
    }
    if (e)
        memcpy(tf_of(c, m->required ? m->kept : i, m->t), e + 4, CJX_FIELDS);
    m->kept++;
}

static int merge_one(const uint8_t *e, void *ctx)
{
    merge *m = ctx;
    uint32_t id = cjx_search_be32_get(e);
    for (; m->i < m->c->n && m->c->docid[m->i] < id; m->i++)
        if (!m->required)
            take(m, m->i, NULL);
    if (m->i < m->c->n && m->c->docid[m->i] == id)
        take(m, m->i++, e);
    return m->i == m->c->n;
}

static int merge_term(MDB_cursor *cur, candidates *c, size_t t, size_t df, int required)
{
    merge m = {c, t, 0, 0, required};
    int rc = 0;
    if (c->n * 16 < df) { /* few candidates, a long list: seek each */
        for (; rc == 0 && m.i < c->n; m.i++) {
            uint8_t probe[CJX_SEARCH_ENTRY] = {0};
            cjx_search_be32_put(probe, c->docid[m.i]);
            MDB_val k, v = {sizeof probe, probe};
            rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE);
            int has = rc == 0 && cjx_search_be32_get(v.mv_data) == c->docid[m.i];
            rc = rc == MDB_NOTFOUND ? 0 : rc;
            if (has || !required)
                take(&m, m.i, has ? v.mv_data : NULL);
        }
    } else {
        rc = each_entry(cur, merge_one, &m);
        for (; !required && m.i < c->n; m.i++)
            take(&m, m.i, NULL);
    }
    c->n = m.kept;
    return rc;
}

/* Finds the docids that have every required term of q, with the counts of
 * every term; none when a required term is in no document. */
static int match_terms(MDB_txn *txn, const cjx_search_index *ix, query_terms *q, candidates *c)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, ix->terms, &cur);
    size_t kept = 0;
    for (size_t i = 0; rc == 0 && i < q->n; i++) {
        MDB_val k = {q->t[i].len, q->t[i].text}, v;
        size_t count = 0;
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET);
        if (rc == 0)
            rc = mdb_cursor_count(cur, &count);
        q->t[i].df = count;
        if (rc == MDB_NOTFOUND && q->t[i].required) {
            mdb_cursor_close(cur);
            return 0;
        }
        if (rc == MDB_NOTFOUND) /* an optional term no one has: it counts for nothing */
            rc = 0;
        else
            q->t[kept++] = q->t[i];
    }
    q->n = kept;
    if (rc == 0)
        qsort(q->t, q->n, sizeof q->t[0], term_cmp);
    c->nterms = q->n;
    if (rc == 0 && q->n && q->t[0].required) {
        c->cap = q->t[0].df;
        c->docid = malloc(c->cap * sizeof *c->docid);
        c->tf = calloc(c->cap * c->nterms, CJX_FIELDS);
        rc = c->docid && c->tf ? 0 : ENOMEM;
    }
    for (size_t i = 0; rc == 0 && c->docid && i < q->n && (i == 0 || c->n); i++) {
        MDB_val k = {q->t[i].len, q->t[i].text}, v;
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET);
        if (rc == 0)
            rc = i == 0 ? each_entry(cur, load_one, c)
                        : merge_term(cur, c, i, q->t[i].df, q->t[i].required);
    }
    if (cur)
        mdb_cursor_close(cur);
    return rc;
}

/* ---- filters and ranking ---- */

static int has_major(const cjx_search_doc *d, const char *major)
{
    for (unsigned i = 0; i < d->nmajors; i++)
        if (strcmp(d->majors[i], major) == 0)
            return 1;
    return 0;
}

static int passes(const cjx_search_doc *d, const cjx_search_query *q, int detail)
{
    return (q->any_status || d->status == CJX__POSTING_STATUS__STATUS_OPEN) &&
           (!detail || d->detail == detail) && (!q->cluster || d->cluster == q->cluster) &&
           (!q->division || strncmp(d->division, q->division, strlen(q->division)) == 0) &&
           (!q->major || !q->major[0] || has_major(d, q->major)) &&
           (!q->publisher || !q->publisher[0] || strcmp(d->publisher, q->publisher) == 0) &&
           (!q->pay_min || d->pay_max >= q->pay_min) &&
           (!q->pay_max || (d->pay_min && d->pay_min <= q->pay_max)) &&
           (!q->until_from || !q->until_from[0] || strcmp(d->valid_until, q->until_from) >= 0) &&
           (!q->until_to || !q->until_to[0] || strcmp(d->valid_until, q->until_to) <= 0);
}

static const char *const field_names[CJX_FIELDS] = {"title", "description", "requirements"};

/* BM25 of candidate i, and why it matched. */
static double score(const candidates *c, size_t i, const query_terms *q, uint32_t dl,
                    const cjx_search_stats *st, char *why, size_t cap)
{
    double n = st->docs ? st->docs : 1, avgdl = st->docs ? (double)st->length / n : 1, s = 0;
    size_t used = 0;
    why[0] = '\0';
    for (size_t t = 0; t < c->nterms; t++) {
        const uint8_t *tf = &c->tf[(i * c->nterms + t) * CJX_FIELDS];
        double f = TITLE_WEIGHT * tf[CJX_FIELD_TITLE] + tf[CJX_FIELD_DESCRIPTION] +
                   tf[CJX_FIELD_REQUIREMENTS];
        double df = (double)q->t[t].df;
        double idf = log(1 + (n - df + 0.5) / (df + 0.5));
        s += idf * f * (K1 + 1) / (f + K1 * (1 - B + B * dl / (avgdl > 0 ? avgdl : 1)));
        if (used + 1 < cap)
            used += (size_t)snprintf(why + used, cap - used, "%s%.*s:", t ? "; " : "",
                                     (int)q->t[t].len, q->t[t].text);
        for (int fld = 0; fld < CJX_FIELDS && used + 1 < cap; fld++)
            if (tf[fld])
                used += (size_t)snprintf(why + used, cap - used, " %s", field_names[fld]);
    }
    return s;
}

/* What passed, to be sorted: the page's hits are filled in afterwards. */
typedef struct match {
    uint32_t docid, length;
    size_t cand;                       /* its place among the candidates */
    double score;
    uint64_t seq;
} match;

typedef struct matches {
    match *v;
    size_t n, cap;
} matches;

static int match_cmp(const void *x, const void *y)
{
    const match *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->seq > b->seq ? -1 : a->seq < b->seq; /* newer first */
}

/* Adds docid when it passes the filters. */
static int consider(MDB_txn *txn, const cjx_search_index *ix, const cjx_search_query *q,
                    int detail, uint32_t docid, const candidates *c, size_t i,
                    const query_terms *qt, const cjx_search_stats *st, matches *m)
{
    cjx_search_doc d;
    int rc = cjx_search_doc_get(txn, ix, docid, &d, NULL, NULL);
    if (rc == MDB_NOTFOUND) /* left behind by an update: see cjx_search_replace */
        return 0;
    if (rc || !passes(&d, q, detail))
        return rc;
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 256;
        match *v = realloc(m->v, cap * sizeof *v);
        if (!v)
            return ENOMEM;
        m->v = v;
        m->cap = cap;
    }
    char why[8];
    m->v[m->n++] = (match){docid, d.length, i, c ? score(c, i, qt, d.length, st, why, 1) : 0,
                           d.seq};
    return 0;
}

/* Every document, for a query without keywords. */
static int all_docs(MDB_txn *txn, const cjx_search_index *ix, const cjx_search_query *q,
                    int detail, matches *m)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, ix->docs, &cur);
    MDB_val k, v;
    for (int more = rc ? 1 : mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && more == 0;
         more = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        uint32_t docid = k.mv_size == 4 ? cjx_search_be32_get(k.mv_data) : 0;
        if (docid)
            rc = consider(txn, ix, q, detail, docid, NULL, 0, NULL, NULL, m);
    }
    if (cur)
        mdb_cursor_close(cur);
    return rc;
}

/* The hits of the page: keys, and why each matched. */
static int page(MDB_txn *txn, const cjx_search_index *ix, const matches *m, size_t from,
                size_t n, const candidates *c, const query_terms *qt,
                const cjx_search_stats *st, cjx_search_result *out)
{
    out->hits = calloc(n ? n : 1, sizeof *out->hits);
    if (!out->hits)
        return ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const match *x = &m->v[from + i];
        cjx_search_hit *hit = &out->hits[i];
        cjx_search_doc d;
        const uint8_t *key;
        int rc = cjx_search_doc_get(txn, ix, x->docid, &d, &key, &hit->klen);
        if (rc)
            return rc;
        memcpy(hit->key, key, hit->klen < CJX_STATE_KEY_MAX ? hit->klen : CJX_STATE_KEY_MAX);
        hit->seq = x->seq;
        hit->score = x->score;
        if (c->n)
            score(c, x->cand, qt, x->length, st, hit->why, sizeof hit->why);
        out->n++;
    }
    return 0;
}

int cjx_search_run(MDB_txn *txn, const cjx_search_index *ix, const cjx_search_query *q,
                   cjx_search_result *out)
{
    memset(out, 0, sizeof *out);
    int detail = 0;
    if (q->kind && q->kind[0]) {
        const ProtobufCFieldDescriptor *fd =
            protobuf_c_message_descriptor_get_field_by_name(&cjx__posting__descriptor, q->kind);
        if (!fd || !(fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            return 0; /* no posting is of that kind */
        detail = (int)fd->id;
    }
    query_terms qt = {.n = 0};
    if (q->text)
        cjx_terms(q->text, add_term, &qt);
    cjx_search_stats st;
    candidates c = {0};
    matches m = {0};
    int rc = cjx_search_stats_get(txn, ix, &st);
    if (rc == 0 && qt.n) {
        rc = match_terms(txn, ix, &qt, &c);
        for (size_t i = 0; rc == 0 && i < c.n; i++)
            rc = consider(txn, ix, q, detail, c.docid[i], &c, i, &qt, &st, &m);
    } else if (rc == 0) {
        rc = all_docs(txn, ix, q, detail, &m);
    }
    if (rc == 0) {
        if (m.n)
            qsort(m.v, m.n, sizeof *m.v, match_cmp);
        out->total = m.n;
        size_t from = q->offset < m.n ? q->offset : m.n;
        rc = page(txn, ix, &m, from, m.n - from < q->limit ? m.n - from : q->limit, &c, &qt,
                  &st, out);
    }
    free(c.docid);
    free(c.tf);
    free(m.v);
    if (rc)
        cjx_search_result_free(out);
    return rc;
}

void cjx_search_query_of(const Cjx__SearchRequest *m, cjx_search_query *q)
{
    *q = (cjx_search_query){
        .text = m->text, .kind = m->kind, .cluster = (int)m->cluster,
        .division = m->division_code, .major = m->major_code, .publisher = m->publisher,
        .pay_min = m->pay_min, .pay_max = m->pay_max, .any_status = m->any_status,
        .until_from = m->valid_until_from, .until_to = m->valid_until_to, .offset = m->offset,
        .limit = m->limit && m->limit < CJX_SEARCH_LIMIT_MAX ? m->limit : CJX_SEARCH_LIMIT_MAX,
    };
}

void cjx_search_result_free(cjx_search_result *r)
{
    free(r->hits);
    memset(r, 0, sizeof *r);
}

/* search_query.c — answering a search over the postings' index
 * (search_index.h).
 *
 * The query's terms are taken rarest first: the rarest one's entries (its
 * runs in every segment) are the candidates, and each further term keeps
 * those it also has, found by walking its runs forward (docids ascend in
 * both). Filters and BM25 then read each remaining candidate's attributes
 * (search_attrs.c, a block of docids at a time; a document gone since is
 * skipped). Without keywords, every document is filtered and the newest
 * come first.
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

/* A term's entries: its run in each segment, in segment (so docid) order. */
typedef struct span {
    const uint8_t *e;
    size_t n;
} span;

typedef struct term {
    char text[CJX_TERM_MAX];
    size_t len;
    size_t df;                         /* documents that have it (and some gone since) */
    int required;                      /* else it only adds to the score */
    double idf;                        /* BM25's weight of the term */
    span *runs;                        /* one per segment at most */
    size_t nruns;
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

static uint8_t *tf_of(const candidates *c, size_t i, size_t t)
{
    return &c->tf[(i * c->nterms + t) * CJX_FIELDS];
}

/* Where a term's entries are read from: run, then entry; it only moves
 * forward, as the docids asked for ascend. */
typedef struct walk {
    size_t run, at;
} walk;

static uint32_t docid_at(const span *s, size_t i)
{
    return cjx_search_be32_get(s->e + i * CJX_SEARCH_ENTRY);
}

/* t's entry for docid id, or NULL; id is not below any asked before. */
static const uint8_t *walk_to(const term *t, walk *w, uint32_t id)
{
    for (; w->run < t->nruns; w->run++, w->at = 0) {
        const span *s = &t->runs[w->run];
        if (docid_at(s, s->n - 1) < id)
            continue; /* later runs hold higher docids */
        /* gallop to an entry not below id, then search the last stride */
        size_t lo = w->at, hi = w->at, step = 1;
        while (docid_at(s, hi) < id) {
            lo = hi + 1;
            hi = hi + step < s->n - 1 ? hi + step : s->n - 1;
            step *= 2;
        }
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (docid_at(s, mid) < id)
                lo = mid + 1;
            else
                hi = mid;
        }
        w->at = lo;
        return docid_at(s, lo) == id ? s->e + lo * CJX_SEARCH_ENTRY : NULL;
    }
    return NULL;
}

/* A further term, merged into the candidates: a required one keeps only
 * the candidates it has, an optional one adds its counts. */
static void merge_term(candidates *c, size_t t, const term *tm)
{
    size_t kept = 0;
    walk w = {0, 0};
    for (size_t i = 0; i < c->n; i++) {
        const uint8_t *e = walk_to(tm, &w, c->docid[i]);
        if (!e && tm->required)
            continue;
        if (kept != i) {
            c->docid[kept] = c->docid[i];
            memcpy(tf_of(c, kept, 0), tf_of(c, i, 0), c->nterms * CJX_FIELDS);
        }
        if (e)
            memcpy(tf_of(c, kept, t), e + 4, CJX_FIELDS);
        kept++;
    }
    c->n = kept;
}

/* The rarest required term's entries become the candidates. */
static int load(candidates *c, const term *tm)
{
    c->cap = tm->df;
    c->docid = malloc((c->cap ? c->cap : 1) * sizeof *c->docid);
    c->tf = calloc((c->cap ? c->cap : 1) * c->nterms, CJX_FIELDS);
    if (!c->docid || !c->tf)
        return ENOMEM;
    for (size_t r = 0; r < tm->nruns; r++)
        for (size_t j = 0; j < tm->runs[r].n; j++, c->n++) {
            const uint8_t *e = tm->runs[r].e + j * CJX_SEARCH_ENTRY;
            c->docid[c->n] = cjx_search_be32_get(e);
            memcpy(tf_of(c, c->n, 0), e + 4, CJX_FIELDS);
        }
    return 0;
}

/* Finds each term's runs in the segments (read in place, valid while txn
 * is), and its document frequency. */
static int find_terms(MDB_txn *txn, const cjx_search_index *ix, query_terms *q)
{
    MDB_stat ms;
    MDB_cursor *cur = NULL;
    int rc = mdb_stat(txn, ix->segs, &ms);
    for (size_t i = 0; rc == 0 && i < q->n; i++)
        if (!(q->t[i].runs = calloc(ms.ms_entries ? ms.ms_entries : 1, sizeof(span))))
            rc = ENOMEM;
    if (rc == 0)
        rc = mdb_cursor_open(txn, ix->segs, &cur);
    MDB_val k, v;
    for (int more = rc ? 1 : mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && more == 0;
         more = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        cjx_segment seg;
        rc = cjx_segment_view(v.mv_data, v.mv_size, &seg);
        for (size_t i = 0; rc == 0 && i < q->n; i++) {
            term *t = &q->t[i];
            const uint8_t *e;
            size_t n = cjx_segment_find(&seg, t->text, t->len, &e);
            if (n && t->nruns < ms.ms_entries) {
                t->runs[t->nruns++] = (span){e, n};
                t->df += n;
            }
        }
    }
    if (cur)
        mdb_cursor_close(cur);
    return rc;
}

/* Finds the docids that have every required term of q, with the counts of
 * every term; none when a required term is in no document. */
static int match_terms(MDB_txn *txn, const cjx_search_index *ix, query_terms *q, candidates *c)
{
    int rc = find_terms(txn, ix, q);
    for (size_t i = 0; rc == 0 && i < q->n; i++)
        if (!q->t[i].df && q->t[i].required)
            return 0;
    size_t kept = 0;
    for (size_t i = 0; rc == 0 && i < q->n; i++) {
        if (!q->t[i].df) { /* an optional term no one has counts for nothing */
            free(q->t[i].runs);
            continue;
        }
        span *runs = q->t[i].runs;
        q->t[i].runs = NULL;
        q->t[kept] = q->t[i];
        q->t[kept++].runs = runs;
    }
    if (rc == 0)
        q->n = kept;
    if (rc || !q->n || !q->t[0].required)
        return rc;
    qsort(q->t, q->n, sizeof q->t[0], term_cmp);
    c->nterms = q->n;
    rc = load(c, &q->t[0]);
    for (size_t i = 1; rc == 0 && i < q->n && c->n; i++)
        merge_term(c, i, &q->t[i]);
    return rc;
}

/* ---- filters and ranking ---- */

static int has_major(const cjx_search_cold *d, const char *major)
{
    for (unsigned i = 0; i < d->nmajors; i++)
        if (strcmp(d->majors[i], major) == 0)
            return 1;
    return 0;
}

/* The filters on the hot attributes, which every candidate is read for. */
static int passes_hot(const cjx_search_hot *d, const cjx_search_query *q, int detail)
{
    return (q->any_status || d->status == CJX__POSTING_STATUS__STATUS_OPEN) &&
           (!detail || d->detail == detail) && (!q->cluster || d->cluster == q->cluster);
}

/* The cold columns q's filters read (passes_cold). */
static unsigned cold_columns(const cjx_search_query *q)
{
    return (q->division && q->division[0] ? CJX_COLD_DIVISION : 0) |
           (q->major && q->major[0] ? CJX_COLD_MAJORS : 0) |
           (q->publisher && q->publisher[0] ? CJX_COLD_PUBLISHER : 0) |
           (q->pay_min ? CJX_COLD_PAY_MAX : 0) | (q->pay_max ? CJX_COLD_PAY_MIN : 0) |
           ((q->until_from && q->until_from[0]) || (q->until_to && q->until_to[0])
                ? CJX_COLD_VALID_UNTIL
                : 0);
}

static int passes_cold(const cjx_search_cold *d, const cjx_search_query *q)
{
    return (!q->division || !q->division[0] ||
            strncmp(d->division, q->division, strlen(q->division)) == 0) &&
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
    double avgdl = st->docs && st->length ? (double)st->length / st->docs : 1, s = 0;
    size_t used = 0;
    why[0] = '\0';
    for (size_t t = 0; t < c->nterms; t++) {
        const uint8_t *tf = &c->tf[(i * c->nterms + t) * CJX_FIELDS];
        double f = TITLE_WEIGHT * tf[CJX_FIELD_TITLE] + tf[CJX_FIELD_DESCRIPTION] +
                   tf[CJX_FIELD_REQUIREMENTS];
        s += q->t[t].idf * f * (K1 + 1) / (f + K1 * (1 - B + B * dl / avgdl));
        if (used + 1 < cap)
            used += (size_t)snprintf(why + used, cap - used, "%s%.*s:", t ? "; " : "",
                                     (int)q->t[t].len, q->t[t].text);
        for (int fld = 0; fld < CJX_FIELDS && used + 1 < cap; fld++)
            if (tf[fld])
                used += (size_t)snprintf(why + used, cap - used, " %s", field_names[fld]);
    }
    return s;
}

/* What passed: the best offset + limit of them, kept in a heap with the
 * worst on top, and how many passed in all. The page's hits are filled in
 * afterwards. */
typedef struct match {
    uint32_t docid, length;
    size_t cand;                       /* its place among the candidates */
    double score;
    uint64_t seq;
} match;

typedef struct matches {
    match *v;
    size_t n, keep;                    /* held, most held */
    size_t total;
} matches;

/* Better first: a higher score, then the newer. */
static int match_cmp(const void *x, const void *y)
{
    const match *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->seq > b->seq ? -1 : a->seq < b->seq;
}

static void swap(match *a, match *b)
{
    match t = *a;
    *a = *b;
    *b = t;
}

/* Offers x to the heap of the best. */
static void offer(matches *m, const match *x)
{
    m->total++;
    if (!m->keep)
        return;
    size_t i;
    if (m->n < m->keep) {
        for (m->v[i = m->n++] = *x; i && match_cmp(&m->v[(i - 1) / 2], &m->v[i]) < 0;
             i = (i - 1) / 2)
            swap(&m->v[(i - 1) / 2], &m->v[i]);
        return;
    }
    if (match_cmp(x, &m->v[0]) >= 0)
        return; /* no better than the worst kept */
    m->v[0] = *x;
    for (i = 0;;) {
        size_t w = i, l = 2 * i + 1, r = l + 1;
        if (l < m->n && match_cmp(&m->v[l], &m->v[w]) > 0)
            w = l;
        if (r < m->n && match_cmp(&m->v[r], &m->v[w]) > 0)
            w = r;
        if (w == i)
            break;
        swap(&m->v[w], &m->v[i]);
        i = w;
    }
}

/* Offers the candidates that pass the filters, scored. Their attributes are
 * read in docid order: the cold ones only in the columns q filters on, and
 * only for the candidates that the hot ones let pass. */
static int candidate_docs(MDB_txn *txn, const cjx_search_index *ix, const cjx_search_query *q,
                          int detail, const candidates *c, const query_terms *qt,
                          const cjx_search_stats *st, matches *m)
{
    unsigned cold = cold_columns(q);
    cjx_attrs_reader r;
    int rc = cjx_attrs_open(txn, ix, &r);
    for (size_t i = 0; rc == 0 && i < c->n; i++) {
        cjx_search_doc d;
        int found = cjx_attrs_hot(&r, c->docid[i], &d.hot);
        if (found == MDB_NOTFOUND) /* gone since (see cjx_search_replace) */
            continue;
        rc = found;
        if (rc || !passes_hot(&d.hot, q, detail))
            continue;
        if (cold) {
            cjx_attrs_cold(&r, c->docid[i], cold, &d.cold);
            if (!passes_cold(&d.cold, q))
                continue;
        }
        char why[8];
        match x = {c->docid[i], d.hot.length, i,
                   score(c, i, qt, d.hot.length, st, why, 1), d.hot.seq};
        offer(m, &x);
    }
    cjx_attrs_close(&r);
    return rc;
}

/* A query without keywords, and where its answer goes. */
typedef struct filter_all {
    const cjx_search_query *q;
    int detail;
    matches *m;
} filter_all;

static int consider_any(void *ctx, uint32_t docid, const cjx_search_doc *d)
{
    const filter_all *f = ctx;
    if (passes_hot(&d->hot, f->q, f->detail) && passes_cold(&d->cold, f->q)) {
        match x = {docid, d->hot.length, 0, 0, d->hot.seq};
        offer(f->m, &x);
    }
    return 0;
}

/* Every document, for a query without keywords. */
static int all_docs(MDB_txn *txn, const cjx_search_index *ix, const cjx_search_query *q,
                    int detail, matches *m)
{
    filter_all f = {q, detail, m};
    return cjx_attrs_each(txn, ix, consider_any, &f);
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
    matches m = {.keep = q->offset + q->limit};
    m.v = malloc((m.keep ? m.keep : 1) * sizeof *m.v);
    int rc = m.v ? cjx_search_stats_get(txn, ix, &st) : ENOMEM;
    if (rc == 0 && qt.n) {
        rc = match_terms(txn, ix, &qt, &c);
        for (size_t i = 0; i < qt.n; i++) {
            double n = st.docs, df = (double)qt.t[i].df;
            qt.t[i].idf = log(1 + (n - df + 0.5) / (df + 0.5));
        }
        if (rc == 0)
            rc = candidate_docs(txn, ix, q, detail, &c, &qt, &st, &m);
    } else if (rc == 0) {
        rc = all_docs(txn, ix, q, detail, &m);
    }
    if (rc == 0) {
        if (m.n)
            qsort(m.v, m.n, sizeof *m.v, match_cmp);
        out->total = m.total;
        size_t from = q->offset < m.n ? q->offset : m.n;
        rc = page(txn, ix, &m, from, m.n - from, &c, &qt, &st, out);
    }
    free(c.docid);
    free(c.tf);
    free(m.v);
    for (size_t i = 0; i < qt.n; i++)
        free(qt.t[i].runs);
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

int cjx_search_answer(MDB_txn *txn, const cjx_search_index *ix, const Cjx__SearchRequest *m,
                      cjx_search_result *out)
{
    cjx_search_query q;
    cjx_search_query_of(m, &q);
    if (!m->recommend)
        return cjx_search_run(txn, ix, &q, out);
    cjx_recommend_query r = {m->major_code, m->division_code, q.offset, q.limit};
    return cjx_recommend_run(txn, ix, &r, out);
}

void cjx_search_result_free(cjx_search_result *r)
{
    free(r->hits);
    memset(r, 0, sizeof *r);
}

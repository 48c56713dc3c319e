/* search_recommend.c — open postings for a graduate of a major
 * (`cjx recommend --major`), ranked, each with why: from the search index's
 * documents (search_index.h), so it works at the hub and over a replica.
 *
 * A posting is recommended when one of its major codes is the graduate's
 * (专业对口) or of the same class, the first four digits (相近专业). Points:
 * the same major 4, the same class 2; in the county asked for 1; pay up to
 * 10,000 yuan a month or more 1 (less in proportion); closing within 30
 * days 0.5, so that it is not missed. Ties go to the newer posting.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "search_index_int.h"

#define SOON_DAYS 30

/* How well d fits; 0 when no major of it is near the graduate's. */
static double fit(const cjx_search_cold *d, const cjx_recommend_query *q, const char *soon,
                  char *why, size_t cap)
{
    int same = 0, near = 0;
    for (unsigned i = 0; i < d->nmajors; i++) {
        same |= strcmp(d->majors[i], q->major) == 0;
        near |= strncmp(d->majors[i], q->major, 4) == 0;
    }
    if (!near)
        return 0;
    double s = same ? 4 : 2;
    size_t used = (size_t)snprintf(why, cap, same ? "major %s" : "related major %.4sxx",
                                   q->major);
    if (q->division && q->division[0] &&
        strncmp(d->division, q->division, strlen(q->division)) == 0) {
        s += 1;
        used += (size_t)snprintf(why + used, used < cap ? cap - used : 0, "; county %s",
                                 d->division);
    }
    if (d->pay_max > 0) {
        s += d->pay_max >= 10000 ? 1 : (double)d->pay_max / 10000;
        used += (size_t)snprintf(why + used, used < cap ? cap - used : 0, "; pay up to %lld",
                                 (long long)d->pay_max);
    }
    if (d->valid_until[0] && strcmp(d->valid_until, soon) <= 0) {
        s += 0.5;
        snprintf(why + used, used < cap ? cap - used : 0, "; closes %s", d->valid_until);
    }
    return s;
}

/* A recommended posting; its key and why are read for the page only. */
typedef struct pick {
    uint32_t docid;
    uint64_t seq;
    double score;
} pick;

typedef struct picks {
    const cjx_recommend_query *q;
    const char *soon;
    pick *v;
    size_t n, cap;
} picks;

static int pick_cmp(const void *x, const void *y)
{
    const pick *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->seq > b->seq ? -1 : a->seq < b->seq;
}

static int consider(void *ctx, uint32_t docid, const cjx_search_doc *d)
{
    picks *p = ctx;
    char why[256];
    double s = d->hot.status == CJX__POSTING_STATUS__STATUS_OPEN
                   ? fit(&d->cold, p->q, p->soon, why, sizeof why)
                   : 0;
    if (s <= 0)
        return 0;
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;
        pick *v = realloc(p->v, cap * sizeof *v);
        if (!v)
            return ENOMEM;
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = (pick){docid, d->hot.seq, s};
    return 0;
}

int cjx_recommend_run(MDB_txn *txn, const cjx_search_index *ix, const cjx_recommend_query *q,
                      cjx_search_result *out)
{
    memset(out, 0, sizeof *out);
    char soon[11];
    time_t t = time(NULL) + SOON_DAYS * 86400;
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(soon, sizeof soon, "%Y-%m-%d", &tm);
    picks p = {q, soon, NULL, 0, 0};
    int rc = cjx_attrs_each(txn, ix, consider, &p);
    if (rc == 0 && p.n)
        qsort(p.v, p.n, sizeof *p.v, pick_cmp);
    size_t from = q->offset < p.n ? q->offset : p.n;
    size_t n = p.n - from < q->limit ? p.n - from : q->limit;
    if (rc == 0 && !(out->hits = calloc(n ? n : 1, sizeof *out->hits)))
        rc = ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        cjx_search_hit *h = &out->hits[i];
        cjx_search_doc d;
        const uint8_t *key;
        rc = cjx_search_doc_get(txn, ix, p.v[from + i].docid, &d, &key, &h->klen);
        if (rc)
            break;
        h->klen = h->klen < CJX_STATE_KEY_MAX ? h->klen : CJX_STATE_KEY_MAX;
        memcpy(h->key, key, h->klen);
        h->seq = d.hot.seq;
        h->score = fit(&d.cold, q, soon, h->why, sizeof h->why);
        out->n++;
    }
    free(p.v);
    if (rc) {
        cjx_search_result_free(out);
        return rc;
    }
    out->total = p.n;
    return 0;
}

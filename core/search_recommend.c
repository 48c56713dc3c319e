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
static double fit(const cjx_search_doc *d, const cjx_recommend_query *q, const char *soon,
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

static int hit_cmp(const void *x, const void *y)
{
    const cjx_search_hit *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->seq > b->seq ? -1 : a->seq < b->seq;
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
    size_t cap = 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, ix->docs, &cur);
    MDB_val k, v;
    for (int more = rc ? 1 : mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && more == 0;
         more = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        cjx_search_doc d;
        if (k.mv_size != 4 || !cjx_search_be32_get(k.mv_data) || v.mv_size < sizeof d)
            continue; /* the statistics, or not a document */
        memcpy(&d, v.mv_data, sizeof d);
        char why[256];
        double s = d.status == CJX__POSTING_STATUS__STATUS_OPEN ? fit(&d, q, soon, why, sizeof why)
                                                                : 0;
        if (s <= 0)
            continue;
        if (out->n == cap) {
            cap = cap ? 2 * cap : 64;
            cjx_search_hit *h = realloc(out->hits, cap * sizeof *h);
            if (!h) {
                rc = ENOMEM;
                break;
            }
            out->hits = h;
        }
        cjx_search_hit *h = &out->hits[out->n++];
        h->klen = v.mv_size - sizeof d < CJX_STATE_KEY_MAX ? v.mv_size - sizeof d : CJX_STATE_KEY_MAX;
        memcpy(h->key, (const uint8_t *)v.mv_data + sizeof d, h->klen);
        h->seq = d.seq;
        h->score = s;
        snprintf(h->why, sizeof h->why, "%s", why);
    }
    if (cur)
        mdb_cursor_close(cur);
    if (rc) {
        cjx_search_result_free(out);
        return rc;
    }
    if (out->n)
        qsort(out->hits, out->n, sizeof *out->hits, hit_cmp);
    out->total = out->n;
    size_t from = q->offset < out->n ? q->offset : out->n;
    size_t n = out->n - from < q->limit ? out->n - from : q->limit;
    if (n)
        memmove(out->hits, out->hits + from, n * sizeof *out->hits);
    out->n = n;
    return 0;
}

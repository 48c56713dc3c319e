/* report_supply.c — §8 and §21: talent demand against supply, with early
 * warning, by major, industry cluster and county, for every year present.
 *
 * Demand of a year: the headcount of job, internship, apprenticeship and
 * order-training postings valid at some time in it, whatever their status
 * now (a filled or expired post was demand in its time), except withdrawn
 * ones. A posting naming several majors splits its headcount evenly among
 * them (none: major "unspecified"); its county is its division_code.
 * Supply of a year: expected_graduates of the programmes graduating in it
 * (a programme is school, major and graduation year; its newest record
 * counts); a school's county is its division in the registry, else the one
 * in its credit code (characters 3–8). Majors carry no cluster in the
 * catalogue, so a major's cluster is the one most of its demand is posted
 * in, over all years (none: "unspecified").
 *
 * A year is flagged "shortage" when demand/supply is over warn_high_pct
 * (or there is demand and no supply) and "surplus" under warn_low_pct (or
 * supply and no demand); trend compares the ratio with the key's previous
 * year present. Lines are about no one institution: bureaus see them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

enum { DIM_MAJOR, DIM_CLUSTER, DIM_COUNTY };
static const char *const dim_names[] = {"major", "cluster", "county"};

typedef struct cell {
    int dim, year;
    char key[32];
    double demand;
    long long supply;
} cell;

typedef struct cells {
    cell *v;
    size_t n, cap;
} cells;

static int add(cjx_report_ctx *c, cells *cs, int dim, const char *key, int year, double demand,
               long long supply)
{
    if (cs->n == cs->cap) {
        size_t cap = cs->cap ? 2 * cs->cap : 256;
        cell *v = realloc(cs->v, cap * sizeof *v);
        if (!v) {
            c->failed = 1;
            return -1;
        }
        cs->v = v, cs->cap = cap;
    }
    cell *x = &cs->v[cs->n++];
    x->dim = dim, x->year = year, x->demand = demand, x->supply = supply;
    snprintf(x->key, sizeof x->key, "%s", key);
    return 0;
}

static int by_cell(const void *a, const void *b)
{
    const cell *x = a, *y = b;
    if (x->dim != y->dim)
        return x->dim - y->dim;
    int cmp = strcmp(x->key, y->key);
    return cmp ? cmp : x->year - y->year;
}

/* Sorts and sums cells of the same dimension, key and year. */
static void merge(cells *cs)
{
    if (!cs->n)
        return;
    qsort(cs->v, cs->n, sizeof *cs->v, by_cell);
    size_t k = 0;
    for (size_t i = 0; i < cs->n; i++) {
        if (k && by_cell(&cs->v[k - 1], &cs->v[i]) == 0) {
            cs->v[k - 1].demand += cs->v[i].demand;
            cs->v[k - 1].supply += cs->v[i].supply;
        } else {
            cs->v[k++] = cs->v[i];
        }
    }
    cs->n = k;
}

static const char *cluster_name(int cluster)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(&cjx__cluster__descriptor,
                                                                       cluster);
    return v && cluster ? v->name + strlen("CLUSTER_") : "unspecified";
}

static int32_t demand_of(const Cjx__Posting *p)
{
    switch (p->detail_case) {
    case CJX__POSTING__DETAIL_JOB: return p->job->headcount;
    case CJX__POSTING__DETAIL_INTERNSHIP: return p->internship->headcount;
    case CJX__POSTING__DETAIL_APPRENTICESHIP: return p->apprenticeship->headcount;
    case CJX__POSTING__DETAIL_ORDER_TRAINING: return p->order_training->headcount;
    default: return -1;
    }
}

static int year_of(const char *date, int dflt)
{
    return date && strlen(date) >= 4 ? atoi(date) : dflt;
}

/* Adds each posting's demand, and each major's demand by cluster (all
 * years) to by_cluster. */
static void demand(cjx_report_ctx *c, cells *cs, cells *by_cluster)
{
    for (size_t i = 0; i < c->in->npostings && !c->failed; i++) {
        const cjx_report_entry *e = &c->in->postings[i];
        if (e->item->body_case != CJX__ITEM__BODY_POSTING)
            continue;
        const Cjx__Posting *p = e->item->posting;
        int32_t hc = demand_of(p);
        if (hc <= 0 || p->status == CJX__POSTING_STATUS__STATUS_WITHDRAWN)
            continue;
        int to = year_of(p->valid_until, 0), from = year_of(p->valid_from, to);
        if (!to || from > to || to - from > 10)
            continue; /* no span to place it in */
        cjx_report_used(c, e);
        const char *cl = cluster_name(p->cluster);
        size_t nm = p->n_major_codes;
        for (size_t m = 0; m < nm; m++) {
            char key[32];
            snprintf(key, sizeof key, "%s|%s", p->major_codes[m], cl);
            add(c, by_cluster, DIM_MAJOR, key, 0, (double)hc / (double)nm, 0);
        }
        for (int y = from; y <= to; y++) {
            for (size_t m = 0; m < (nm ? nm : 1); m++)
                add(c, cs, DIM_MAJOR, nm ? p->major_codes[m] : "unspecified", y,
                    (double)hc / (double)(nm ? nm : 1), 0);
            add(c, cs, DIM_CLUSTER, cl, y, hc, 0);
            add(c, cs, DIM_COUNTY, p->division_code[0] ? p->division_code : "unspecified", y,
                hc, 0);
        }
    }
}

/* The cluster most of major's demand is posted in; by_cluster is merged
 * and sorted (keys "MAJOR|CLUSTER"). */
static const char *major_cluster(const cells *by_cluster, const char *major)
{
    const char *best = "unspecified";
    double most = 0;
    size_t ml = strlen(major), lo = 0, hi = by_cluster->n;
    while (lo < hi) { /* the first key not below "MAJOR|" */
        size_t mid = (lo + hi) / 2;
        int cmp = strncmp(by_cluster->v[mid].key, major, ml);
        if (cmp < 0 || (cmp == 0 && by_cluster->v[mid].key[ml] < '|'))
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < by_cluster->n && strncmp(by_cluster->v[i].key, major, ml) == 0 &&
                        by_cluster->v[i].key[ml] == '|';
         i++)
        if (by_cluster->v[i].demand > most) {
            most = by_cluster->v[i].demand;
            best = by_cluster->v[i].key + ml + 1;
        }
    return best;
}

static void supply(cjx_report_ctx *c, cells *cs, const cells *by_cluster)
{
    size_t n;
    cjx_report_programme *ps = cjx_report_programmes(c, 0, &n);
    if (!ps) {
        c->failed = 1;
        return;
    }
    for (size_t i = 0; i < n && !c->failed; i++) {
        const Cjx__ProgrammeRecord *p = ps[i].p;
        if (p->graduation_year <= 0 || p->expected_graduates <= 0)
            continue;
        cjx_report_used(c, ps[i].e);
        const Cjx__Institution *in = cjx_report_institution(c, ps[i].school);
        char county[16] = "unspecified";
        if (in && in->division_code[0])
            snprintf(county, sizeof county, "%s", in->division_code);
        else if (strlen(ps[i].school) >= 8)
            snprintf(county, sizeof county, "%.6s", ps[i].school + 2);
        add(c, cs, DIM_MAJOR, p->major_code, p->graduation_year, 0, p->expected_graduates);
        add(c, cs, DIM_CLUSTER, major_cluster(by_cluster, p->major_code), p->graduation_year, 0,
            p->expected_graduates);
        add(c, cs, DIM_COUNTY, county, p->graduation_year, 0, p->expected_graduates);
    }
    free(ps);
}

static char *num(char *buf, double v)
{
    long long r = (long long)(v * 10 + 0.5);
    if (r % 10)
        snprintf(buf, CJX_REPORT_CELL, "%lld.%lld", r / 10, r % 10);
    else
        snprintf(buf, CJX_REPORT_CELL, "%lld", r / 10);
    return buf;
}

/* "shortage", "surplus" or "" for a year's demand and supply. */
static const char *flag(const cjx_report_ctx *c, double d, long long s)
{
    if (d <= 0 && s <= 0)
        return "";
    if (s <= 0 || d * 100 > (double)s * c->in->warn_high_pct)
        return "shortage";
    if (d * 100 < (double)s * c->in->warn_low_pct)
        return "surplus";
    return "";
}

cjx_err cjx_report_supply_demand(cjx_report_ctx *c)
{
    static const char *const cols[] = {"dimension", "key", "year", "demand", "supply",
                                       "ratio", "flag", "trend", NULL};
    cjx_report_columns(c, cols);
    cells cs = {0}, by_cluster = {0};
    demand(c, &cs, &by_cluster);
    merge(&by_cluster);
    supply(c, &cs, &by_cluster);
    merge(&cs);
    size_t flagged = 0;
    for (size_t i = 0; i < cs.n && !c->failed; i++) {
        const cell *x = &cs.v[i];
        const cell *prev = i && cs.v[i - 1].dim == x->dim && strcmp(cs.v[i - 1].key, x->key) == 0
                               ? &cs.v[i - 1]
                               : NULL;
        char d[CJX_REPORT_CELL], s[CJX_REPORT_CELL], y[CJX_REPORT_CELL], r[CJX_REPORT_CELL];
        const char *trend = "";
        if (x->supply > 0)
            snprintf(r, sizeof r, "%.2f", x->demand / (double)x->supply);
        else
            snprintf(r, sizeof r, "-");
        if (prev && prev->supply > 0 && x->supply > 0) {
            double a = prev->demand / (double)prev->supply, b = x->demand / (double)x->supply;
            trend = b > a * 1.05 ? "rising" : b < a * 0.95 ? "falling" : "steady";
        }
        const char *f = flag(c, x->demand, x->supply);
        const char *row[] = {dim_names[x->dim], x->key, cjx_report_int(y, x->year),
                             num(d, x->demand), cjx_report_int(s, x->supply), r, f, trend};
        cjx_report_row(c, "", row);
        if (f[0] && x->year == c->in->year && x->dim == DIM_MAJOR)
            flagged++;
    }
    cjx_report_note(c, "%zu majors flagged for %d; flags: demand/supply over %d.%02d "
                    "(shortage) or under %d.%02d (surplus)", flagged, c->in->year,
                    c->in->warn_high_pct / 100, c->in->warn_high_pct % 100,
                    c->in->warn_low_pct / 100, c->in->warn_low_pct % 100);
    cjx_report_note(c, "demand: headcount of job, internship, apprenticeship and order-training "
                    "postings valid in the year (not withdrawn), split evenly among their "
                    "majors; supply: expected graduates of the year's programmes; a major's "
                    "cluster is where most of its demand is posted");
    free(cs.v);
    free(by_cluster.v);
    return CJX_OK;
}

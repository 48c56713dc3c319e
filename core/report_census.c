/* report_census.c — the rules checked against enterprises' annual census
 * (EnterpriseCensus): internship posts ≥ 10% of technical posts for
 * above-scale enterprises, teacher practice posts ≥ 0.5% of employees for
 * large and medium ones (§11), and the training fund (§13).
 *
 * An enterprise's census of the year is its newest EnterpriseCensus record
 * of that Record.year (by log sequence: a correction under a new ref wins
 * too); the enterprise is enterprise_credit_code, else the reporter. Every
 * enterprise of the registry without one is listed as unreported. Figures
 * about posts and money are the enterprise's own and not suppressed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define CENSUS CJX__RECORD__DETAIL_ENTERPRISE_CENSUS

typedef struct census {
    const char *code;
    const cjx_report_entry *e;
    const Cjx__EnterpriseCensus *c;
} census;

static int by_code_newest(const void *a, const void *b)
{
    const census *x = a, *y = b;
    int cmp = strcmp(x->code, y->code);
    return cmp ? cmp : (x->e->seq < y->e->seq) - (x->e->seq > y->e->seq);
}

/* The newest census of the year of each enterprise, by credit code, each
 * counted as used; *n of them. Caller frees; NULL (c->failed) when memory
 * ran out. */
static census *latest(cjx_report_ctx *c, size_t *n)
{
    census *all = malloc((c->in->nrecords ? c->in->nrecords : 1) * sizeof *all);
    size_t k = 0;
    if (!all) {
        c->failed = 1;
        return NULL;
    }
    for (size_t i = 0; i < c->in->nrecords; i++) {
        const Cjx__Record *r = cjx_report_record(c, &c->in->records[i], CENSUS);
        if (!r || !r->enterprise_census)
            continue;
        const char *code = r->enterprise_census->enterprise_credit_code;
        all[k++] = (census){code[0] ? code : c->in->records[i].origin, &c->in->records[i],
                            r->enterprise_census};
    }
    qsort(all, k, sizeof *all, by_code_newest);
    size_t m = 0;
    for (size_t i = 0; i < k; i++)
        if (m == 0 || strcmp(all[m - 1].code, all[i].code) != 0) {
            all[m++] = all[i];
            cjx_report_used(c, all[i].e);
        }
    *n = m;
    return all;
}

static int has_census(const census *cs, size_t n, const char *code)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(cs[mid].code, code);
        if (cmp == 0)
            return 1;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Lists the registry's enterprises without a census of the year. */
static void unreported(cjx_report_ctx *c, const census *cs, size_t n)
{
    size_t missing = 0;
    for (size_t i = 0; i < c->nreg; i++) {
        const Cjx__Institution *in = c->reg[i]->item->institution;
        if (in->kind == CJX__INSTITUTION_KIND__INSTITUTION_ENTERPRISE &&
            !has_census(cs, n, in->credit_code)) {
            cjx_report_unreported(c, in->credit_code);
            missing++;
        }
    }
    if (missing)
        cjx_report_note(c, "%zu enterprises of the registry reported no census for %d: they "
                        "cannot be checked (unreported)", missing, c->in->year);
}

/* True when posting e is valid at some time in year (any status: a filled
 * post was offered too). */
static int in_year(const Cjx__Posting *p, int year)
{
    char from[16], until[16];
    snprintf(from, sizeof from, "%04d-01-01", year);
    snprintf(until, sizeof until, "%04d-12-31", year);
    return (!p->valid_from[0] || strcmp(p->valid_from, until) <= 0) &&
           (!p->valid_until[0] || strcmp(p->valid_until, from) >= 0);
}

/* Headcount posted by one enterprise. */
typedef struct posted_hc {
    const char *code;
    long long headcount;
} posted_hc;

static int by_publisher(const void *a, const void *b)
{
    return strcmp(((const posted_hc *)a)->code, ((const posted_hc *)b)->code);
}

/* The headcount each enterprise posted in postings of detail case `detail`
 * valid in the year (internship posts: technical ones only; teacher
 * practice: all), sorted by credit code, each posting counted as used.
 * Caller frees; NULL (c->failed) when memory ran out. */
static posted_hc *posted_all(cjx_report_ctx *c, int detail, size_t *n)
{
    posted_hc *v = malloc((c->in->npostings ? c->in->npostings : 1) * sizeof *v);
    *n = 0;
    if (!v) {
        c->failed = 1;
        return NULL;
    }
    for (size_t i = 0; i < c->in->npostings; i++) {
        const cjx_report_entry *e = &c->in->postings[i];
        const Cjx__Posting *p = e->item->posting;
        if (e->item->body_case != CJX__ITEM__BODY_POSTING || (int)p->detail_case != detail ||
            !in_year(p, c->in->year))
            continue;
        long long hc;
        if (detail == CJX__POSTING__DETAIL_INTERNSHIP && p->internship->technical_post)
            hc = p->internship->headcount;
        else if (detail == CJX__POSTING__DETAIL_TEACHER_PRACTICE)
            hc = p->teacher_practice->headcount;
        else
            continue;
        v[(*n)++] = (posted_hc){p->publisher_credit_code[0] ? p->publisher_credit_code : e->origin,
                                hc};
        cjx_report_used(c, e);
    }
    qsort(v, *n, sizeof *v, by_publisher);
    return v;
}

/* What code posted, from posted_all's answer. */
static long long posted(const posted_hc *v, size_t n, const char *code)
{
    size_t lo = 0, hi = n;
    long long sum = 0;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(v[mid].code, code) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < n && strcmp(v[lo].code, code) == 0; lo++)
        sum += v[lo].headcount;
    return sum;
}

/* The two §11 ratios: posts ≥ per_mille‰ of base, for the enterprises
 * in_scope() accepts. required = ⌈base·per_mille/1000⌉. */
typedef struct ratio_rule {
    const char *base_name, *posts_name, *scope_text;
    int per_mille, decimals, posting_detail;
    int (*in_scope)(const Cjx__EnterpriseCensus *);
    int32_t (*base)(const Cjx__EnterpriseCensus *);
    int32_t (*posts)(const Cjx__EnterpriseCensus *);
} ratio_rule;

static cjx_err ratio_report(cjx_report_ctx *c, const ratio_rule *rule)
{
    const char *cols[] = {"enterprise", "name", rule->base_name, rule->posts_name, "ratio_%",
                          "required", "shortfall", "posted", "status", NULL};
    cjx_report_columns(c, cols);
    size_t n = 0, out_of_scope = 0, in = 0, short_ = 0;
    census *cs = latest(c, &n);
    size_t npost = 0;
    posted_hc *ph = cs ? posted_all(c, rule->posting_detail, &npost) : NULL;
    if (!ph) {
        free(cs);
        return CJX_ENOMEM;
    }
    long long tb = 0, tp = 0, treq = 0, tshort = 0, tposted = 0;
    for (size_t i = 0; i < n; i++) {
        const Cjx__EnterpriseCensus *ec = cs[i].c;
        if (!rule->in_scope(ec)) {
            out_of_scope++;
            continue;
        }
        long long base = rule->base(ec), posts = rule->posts(ec);
        long long required = (base * rule->per_mille + 999) / 1000;
        long long shortfall = required > posts ? required - posts : 0;
        long long post_hc = posted(ph, npost, cs[i].code);
        char b1[CJX_REPORT_CELL], b2[CJX_REPORT_CELL], b3[CJX_REPORT_CELL],
            b4[CJX_REPORT_CELL], b5[CJX_REPORT_CELL], b6[CJX_REPORT_CELL];
        const char *row[] = {cs[i].code,
                             cjx_report_name(c, cs[i].code),
                             cjx_report_int(b1, base),
                             cjx_report_int(b2, posts),
                             cjx_report_pct(b3, posts, base, rule->decimals),
                             cjx_report_int(b4, required),
                             cjx_report_int(b5, shortfall),
                             cjx_report_int(b6, post_hc),
                             shortfall ? "short" : "ok"};
        cjx_report_row(c, cs[i].code, row);
        if (shortfall) {
            cjx_report_flag(c, cs[i].code);
            short_++;
        }
        in++;
        tb += base, tp += posts, treq += required, tshort += shortfall, tposted += post_hc;
    }
    char b1[CJX_REPORT_CELL], b2[CJX_REPORT_CELL], b3[CJX_REPORT_CELL], b4[CJX_REPORT_CELL],
        b5[CJX_REPORT_CELL], b6[CJX_REPORT_CELL], st[64];
    snprintf(st, sizeof st, "%zu of %zu short", short_, in);
    const char *total[] = {"total", "", cjx_report_int(b1, tb), cjx_report_int(b2, tp),
                           cjx_report_pct(b3, tp, tb, rule->decimals), cjx_report_int(b4, treq),
                           cjx_report_int(b5, tshort), cjx_report_int(b6, tposted), st};
    cjx_report_row(c, "", total);
    if (out_of_scope)
        cjx_report_note(c, "%zu censuses of %d are of enterprises outside the rule (%s)",
                        out_of_scope, c->in->year, rule->scope_text);
    cjx_report_note(c, "required = ceil(%s × %d.%d%%); shortfall = required − %s; posted: "
                    "headcount of the enterprise's own postings valid in %d, for comparison",
                    rule->base_name, rule->per_mille / 10, rule->per_mille % 10,
                    rule->posts_name, c->in->year);
    unreported(c, cs, n);
    free(cs);
    free(ph);
    return CJX_OK;
}

static int above_scale(const Cjx__EnterpriseCensus *ec) { return ec->above_scale; }
static int large_medium(const Cjx__EnterpriseCensus *ec)
{
    return ec->size == CJX__ENTERPRISE_SIZE__SIZE_LARGE ||
           ec->size == CJX__ENTERPRISE_SIZE__SIZE_MEDIUM;
}
static int32_t technical(const Cjx__EnterpriseCensus *ec) { return ec->technical_posts; }
static int32_t internships(const Cjx__EnterpriseCensus *ec) { return ec->internship_posts; }
static int32_t employees(const Cjx__EnterpriseCensus *ec) { return ec->employees; }
static int32_t teacher_posts(const Cjx__EnterpriseCensus *ec) { return ec->teacher_practice_posts; }

cjx_err cjx_report_internship_ratio(cjx_report_ctx *c)
{
    static const ratio_rule rule = {"technical_posts", "internship_posts", "not above scale",
                                    100, 1, CJX__POSTING__DETAIL_INTERNSHIP, above_scale,
                                    technical, internships};
    return ratio_report(c, &rule);
}

cjx_err cjx_report_teacher_practice(cjx_report_ctx *c)
{
    static const ratio_rule rule = {"employees", "teacher_practice_posts",
                                    "neither large nor medium", 5, 2,
                                    CJX__POSTING__DETAIL_TEACHER_PRACTICE, large_medium,
                                    employees, teacher_posts};
    return ratio_report(c, &rule);
}

cjx_err cjx_report_training_fund(cjx_report_ctx *c)
{
    static const char *const cols[] = {
        "enterprise", "name", "employees", "employees_trained", "trained_%", "fund_extracted",
        "fund_spent", "front_line", "front_line_%", "status", NULL};
    cjx_report_columns(c, cols);
    size_t n = 0, bad = 0;
    census *cs = latest(c, &n);
    if (!cs)
        return CJX_ENOMEM;
    long long te = 0, tt = 0, tx = 0, ts = 0, tf = 0;
    for (size_t i = 0; i < n; i++) {
        const Cjx__EnterpriseCensus *ec = cs[i].c;
        long long emp = ec->employees, trained = ec->employees_trained;
        long long spent = ec->training_fund_spent_yuan, front = ec->training_fund_front_line_yuan;
        char status[96] = "";
        if (spent <= 0)
            strcat(status, "nothing spent");
        else if (front * 10 < spent * 6)
            strcat(status, "front line < 60%");
        if (emp > 0 && trained * 2 < emp)
            strcat(strcat(status, status[0] ? "; " : ""), "trained < 50%");
        char b[7][CJX_REPORT_CELL];
        const char *row[] = {cs[i].code,
                             cjx_report_name(c, cs[i].code),
                             cjx_report_int(b[0], emp),
                             cjx_report_int(b[1], trained),
                             cjx_report_pct(b[2], trained, emp, 1),
                             cjx_report_int(b[3], ec->training_fund_extracted_yuan),
                             cjx_report_int(b[4], spent),
                             cjx_report_int(b[5], front),
                             cjx_report_pct(b[6], front, spent, 1),
                             status[0] ? status : "ok"};
        cjx_report_row(c, cs[i].code, row);
        if (status[0]) {
            cjx_report_flag(c, cs[i].code);
            bad++;
        }
        te += emp, tt += trained, tx += ec->training_fund_extracted_yuan, ts += spent, tf += front;
    }
    char b[7][CJX_REPORT_CELL], st[64];
    snprintf(st, sizeof st, "%zu of %zu fail", bad, n);
    const char *total[] = {"total", "", cjx_report_int(b[0], te), cjx_report_int(b[1], tt),
                           cjx_report_pct(b[2], tt, te, 1), cjx_report_int(b[3], tx),
                           cjx_report_int(b[4], ts), cjx_report_int(b[5], tf),
                           cjx_report_pct(b[6], tf, ts, 1), st};
    cjx_report_row(c, "", total);
    cjx_report_note(c, "front line ≥ 60%% of the fund spent (an enterprise that spent nothing "
                    "fails it); employees_trained ≥ 50%% of employees; money in yuan");
    unreported(c, cs, n);
    free(cs);
    return CJX_OK;
}

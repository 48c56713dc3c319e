/* report.c — the table of reports and what every report's computation
 * shares: building the cjx.Report (columns, rows, notes, flags, what was
 * used), looking institutions up, cells (counts, people with small cells
 * suppressed, percentages) and dates. The computations are report_*.c.
 *
 * A report is built with the system allocator throughout, so that
 * cjx__report__free_unpacked frees it like one that was unpacked.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "validate.h"

#define B(d) CJX_REPORT_BIT(CJX__RECORD__DETAIL_##d)

const cjx_report_def cjx_reports[] = {
    {"internship-ratio", "§11",
     "internship posts ≥ 10% of technical posts, above-scale enterprises",
     B(ENTERPRISE_CENSUS), 1, 0, cjx_report_internship_ratio, 0},
    {"teacher-practice", "§11",
     "teacher practice posts ≥ 0.5% of employees, large and medium enterprises",
     B(ENTERPRISE_CENSUS), 1, 0, cjx_report_teacher_practice, 0},
    {"training-fund", "§13",
     "≥ 60% of the training fund spent on front-line workers; ≥ 50% of employees trained",
     B(ENTERPRISE_CENSUS), 0, 0, cjx_report_training_fund, 0},
    {"practice-hours", "§16", "practice teaching ≥ 50% of class hours, per programme",
     B(PROGRAMME_RECORD), 0, 0, cjx_report_practice_hours, 0},
    {"rotating-posts", "§17", "at least one rotating social-practice post per vocational college",
     B(TEACHER_PLACEMENT), 1, 0, cjx_report_rotating_posts, 0},
    {"employment-quality", "§8",
     "graduates' placement rate, share employed in Changzhi and major relatedness",
     B(GRADUATE_OUTCOME), 0, 0, cjx_report_employment_quality, 0},
    {"supply-demand", "§8, §21",
     "open demand against expected graduates by major, cluster and county, with early warning",
     B(PROGRAMME_RECORD), 1, 1, cjx_report_supply_demand, 0},
    {"subsidy", "§14",
     "300 yuan per new SME hire with a contract ≥ 6 months, 300 more for a certificate or a "
     "skill level within a year",
     B(TRAINING_COMPLETION) | B(ENTERPRISE_CENSUS), 0, 0, cjx_report_subsidy, 0},
    {"colleges-for-posting", "§23",
     "colleges whose graduates fit a posting, and their placements with its enterprise",
     B(PROGRAMME_RECORD) | B(INTERNSHIP_PLACEMENT), 1, 1, cjx_report_colleges_for_posting, 1},
    {NULL, NULL, NULL, 0, 0, 0, NULL, 0},
};

const cjx_report_def *cjx_report_find(const char *name)
{
    for (const cjx_report_def *d = cjx_reports; d->name; d++)
        if (strcmp(d->name, name) == 0)
            return d;
    return NULL;
}

/* Grows a repeated field of n elements of size sz to hold one more:
 * capacities are powers of two, so a field of n elements has room when n
 * is not one. Returns 0, or -1 (c->failed) when memory ran out. */
static int grow(cjx_report_ctx *c, void **arr, size_t n, size_t sz)
{
    if (c->failed)
        return -1;
    if (n && (n & (n - 1)))
        return 0;
    void *p = realloc(*arr, (n ? 2 * n : 4) * sz);
    if (!p) {
        c->failed = 1;
        return -1;
    }
    *arr = p;
    return 0;
}

static char *dup(cjx_report_ctx *c, const char *s)
{
    char *d = c->failed ? NULL : strdup(s ? s : "");
    if (!d)
        c->failed = 1;
    return d;
}

/* Appends a copy of s to a repeated string field. */
static void push_str(cjx_report_ctx *c, char ***arr, size_t *n, const char *s)
{
    char *d = dup(c, s);
    if (!d || grow(c, (void **)arr, *n, sizeof **arr)) {
        free(d);
        return;
    }
    (*arr)[(*n)++] = d;
}

void cjx_report_columns(cjx_report_ctx *c, const char *const *names)
{
    for (size_t i = 0; names[i]; i++)
        push_str(c, &c->r->columns, &c->r->n_columns, names[i]);
}

void cjx_report_row(cjx_report_ctx *c, const char *inst, const char *const *cells)
{
    Cjx__ReportRow *row = c->failed ? NULL : malloc(sizeof *row);
    if (!row) {
        c->failed = 1;
        return;
    }
    cjx__report_row__init(row);
    if (inst && inst[0])
        row->institution = dup(c, inst);
    for (size_t i = 0; i < c->r->n_columns; i++)
        push_str(c, &row->cells, &row->n_cells, cells[i]);
    if (c->failed || grow(c, (void **)&c->r->rows, c->r->n_rows, sizeof *c->r->rows)) {
        cjx__report_row__free_unpacked(row, NULL);
        return;
    }
    c->r->rows[c->r->n_rows++] = row;
}

void cjx_report_note(cjx_report_ctx *c, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    push_str(c, &c->r->notes, &c->r->n_notes, text);
}

static void push_once(cjx_report_ctx *c, char ***arr, size_t *n, const char *code)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*arr)[i], code) == 0)
            return;
    push_str(c, arr, n, code);
}

void cjx_report_flag(cjx_report_ctx *c, const char *code)
{
    push_once(c, &c->r->non_compliant, &c->r->n_non_compliant, code);
}

void cjx_report_unreported(cjx_report_ctx *c, const char *code)
{
    push_once(c, &c->r->unreported, &c->r->n_unreported, code);
}

void cjx_report_used(cjx_report_ctx *c, const cjx_report_entry *e)
{
    const char *kind = cjx_item_kind(e->item);
    Cjx__Report *r = c->r;
    r->records_used++;
    if (e->received_ms > r->newest_ms)
        r->newest_ms = e->received_ms;
    for (size_t i = 0; i < r->n_kinds_used; i++)
        if (strcmp(r->kinds_used[i]->kind, kind) == 0) {
            r->kinds_used[i]->count++;
            return;
        }
    Cjx__KindCount *kc = c->failed ? NULL : malloc(sizeof *kc);
    if (!kc) {
        c->failed = 1;
        return;
    }
    cjx__kind_count__init(kc);
    kc->kind = dup(c, kind);
    kc->count = 1;
    if (c->failed || grow(c, (void **)&r->kinds_used, r->n_kinds_used, sizeof *r->kinds_used)) {
        cjx__kind_count__free_unpacked(kc, NULL);
        return;
    }
    r->kinds_used[r->n_kinds_used++] = kc;
}

static int by_code(const void *a, const void *b)
{
    const cjx_report_entry *x = *(const cjx_report_entry *const *)a;
    const cjx_report_entry *y = *(const cjx_report_entry *const *)b;
    return strcmp(x->item->institution->credit_code, y->item->institution->credit_code);
}

const Cjx__Institution *cjx_report_institution(const cjx_report_ctx *c, const char *code)
{
    size_t lo = 0, hi = c->nreg;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(c->reg[mid]->item->institution->credit_code, code);
        if (cmp == 0)
            return c->reg[mid]->item->institution;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *cjx_report_name(const cjx_report_ctx *c, const char *code)
{
    const Cjx__Institution *in = cjx_report_institution(c, code);
    return in ? in->name : "";
}

const Cjx__Record *cjx_report_record(const cjx_report_ctx *c, const cjx_report_entry *e,
                                     int detail)
{
    const Cjx__Item *it = e->item;
    if (it->body_case != CJX__ITEM__BODY_RECORD || (int)it->record->detail_case != detail ||
        it->record->year != c->in->year)
        return NULL;
    return it->record;
}

static int by_programme_newest(const void *a, const void *b)
{
    const cjx_report_programme *x = a, *y = b;
    int cmp = strcmp(x->school, y->school);
    if (!cmp)
        cmp = strcmp(x->p->major_code, y->p->major_code);
    if (!cmp)
        cmp = (x->p->graduation_year > y->p->graduation_year) -
              (x->p->graduation_year < y->p->graduation_year);
    return cmp ? cmp : (x->e->seq < y->e->seq) - (x->e->seq > y->e->seq);
}

static int same_programme(const cjx_report_programme *x, const cjx_report_programme *y)
{
    return strcmp(x->school, y->school) == 0 && strcmp(x->p->major_code, y->p->major_code) == 0 &&
           x->p->graduation_year == y->p->graduation_year;
}

cjx_report_programme *cjx_report_programmes(const cjx_report_ctx *c, int this_year, size_t *n)
{
    cjx_report_programme *ps = malloc((c->in->nrecords ? c->in->nrecords : 1) * sizeof *ps);
    *n = 0;
    if (!ps)
        return NULL;
    for (size_t i = 0; i < c->in->nrecords; i++) {
        const cjx_report_entry *e = &c->in->records[i];
        const Cjx__Record *r = e->item->body_case == CJX__ITEM__BODY_RECORD ? e->item->record
                                                                           : NULL;
        if (!r || r->detail_case != CJX__RECORD__DETAIL_PROGRAMME_RECORD ||
            !r->programme_record || (this_year && r->year != c->in->year))
            continue;
        const char *school = r->programme_record->school_credit_code;
        ps[(*n)++] = (cjx_report_programme){school[0] ? school : e->origin, e, r->programme_record};
    }
    qsort(ps, *n, sizeof *ps, by_programme_newest);
    size_t kept = 0;
    for (size_t i = 0; i < *n; i++)
        if (!kept || !same_programme(&ps[kept - 1], &ps[i]))
            ps[kept++] = ps[i]; /* else an older record of the same programme */
    *n = kept;
    return ps;
}

char *cjx_report_int(char *buf, long long v)
{
    snprintf(buf, CJX_REPORT_CELL, "%lld", v);
    return buf;
}

int cjx_report_small(const cjx_report_ctx *c, long long n)
{
    return n > 0 && n < c->in->min_cell;
}

char *cjx_report_people(const cjx_report_ctx *c, char *buf, long long n)
{
    if (cjx_report_small(c, n))
        snprintf(buf, CJX_REPORT_CELL, "<%d", c->in->min_cell);
    else
        cjx_report_int(buf, n);
    return buf;
}

char *cjx_report_pct(char *buf, long long num, long long den, int decimals)
{
    if (den <= 0) {
        snprintf(buf, CJX_REPORT_CELL, "-");
        return buf;
    }
    long long scale = 1;
    for (int i = 0; i < decimals; i++)
        scale *= 10;
    /* round half up, in integers: no float can turn 10.00 into 9.99 */
    long long v = (num * 100 * scale * 2 + den) / (2 * den);
    if (decimals)
        snprintf(buf, CJX_REPORT_CELL, "%lld.%0*lld", v / scale, decimals, v % scale);
    else
        snprintf(buf, CJX_REPORT_CELL, "%lld", v);
    return buf;
}

static int leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static long days_of(long y, long m, long d)
{
    static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    long py = y - 1;
    return py * 365 + py / 4 - py / 100 + py / 400 + before[m - 1] + (m > 2 && leap(y)) + d - 1;
}

/* Parses "YYYY-MM-DD"; 0 when it is a real date. */
static int parse_date(const char *s, long *y, long *m, long *d)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    *y = strtol(s, NULL, 10);
    *m = strtol(s + 5, NULL, 10);
    *d = strtol(s + 8, NULL, 10);
    if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > mdays[*m - 1] ||
        (*m == 2 && *d == 29 && !leap(*y)))
        return -1;
    return 0;
}

long cjx_report_days(const char *date)
{
    long y, m, d;
    return parse_date(date, &y, &m, &d) ? -1 : days_of(y, m, d);
}

long cjx_report_anniversary(const char *date)
{
    long y, m, d;
    if (parse_date(date, &y, &m, &d))
        return -1;
    if (m == 2 && d == 29 && !leap(y + 1))
        d = 28;
    return days_of(y + 1, m, d);
}

cjx_err cjx_report_compute(const cjx_report_def *d, const cjx_report_input *in,
                           Cjx__Report **out)
{
    cjx_report_ctx c = {.in = in};
    c.r = malloc(sizeof *c.r);
    c.reg = malloc((in->nregistry ? in->nregistry : 1) * sizeof *c.reg);
    if (!c.r || !c.reg) {
        free(c.r);
        free(c.reg);
        return CJX_ENOMEM;
    }
    cjx__report__init(c.r);
    for (size_t i = 0; i < in->nregistry; i++)
        if (in->registry[i].item->body_case == CJX__ITEM__BODY_INSTITUTION)
            c.reg[c.nreg++] = &in->registry[i];
    qsort(c.reg, c.nreg, sizeof *c.reg, by_code);
    c.r->name = dup(&c, d->name);
    c.r->section = dup(&c, d->section);
    c.r->title = dup(&c, d->title);
    c.r->scope = dup(&c, "all institutions");
    c.r->year = in->year;
    c.r->min_cell = (uint32_t)in->min_cell;
    cjx_err rc = c.failed ? CJX_ENOMEM : d->run(&c);
    free(c.reg);
    if (rc == CJX_OK && c.failed)
        rc = CJX_ENOMEM;
    if (rc) {
        cjx__report__free_unpacked(c.r, NULL);
        return rc;
    }
    *out = c.r;
    return CJX_OK;
}

/* Keeps the entries of a repeated string field equal to code. */
static void keep_code(char **arr, size_t *n, const char *code)
{
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(arr[i], code) == 0)
            arr[k++] = arr[i];
        else
            free(arr[i]);
    }
    *n = k;
}

void cjx_report_restrict(Cjx__Report *r, const char *code)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n_rows; i++) {
        if (strcmp(r->rows[i]->institution, code) == 0)
            r->rows[k++] = r->rows[i];
        else
            cjx__report_row__free_unpacked(r->rows[i], NULL);
    }
    r->n_rows = k;
    keep_code(r->non_compliant, &r->n_non_compliant, code);
    keep_code(r->unreported, &r->n_unreported, code);
    char *scope = strdup(code);
    if (scope) {
        if (r->scope != protobuf_c_empty_string)
            free(r->scope);
        r->scope = scope;
    }
}

/* report_practice.c — §16: practice teaching is at least half of a
 * programme's class hours, checked on the colleges' ProgrammeRecords.
 *
 * A programme is (school, major, graduation year); of several records of
 * one programme in the year the newest (by log sequence) counts. A school
 * is out of compliance when any of its programmes is under 50%; a
 * programme with no class hours cannot be checked and makes its school
 * unreported, as does a college or school of the registry that reported no
 * programme of the year.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

typedef struct prog {
    const char *school;
    const cjx_report_entry *e;
    const Cjx__ProgrammeRecord *p;
} prog;

static int by_programme_newest(const void *a, const void *b)
{
    const prog *x = a, *y = b;
    int cmp = strcmp(x->school, y->school);
    if (!cmp)
        cmp = strcmp(x->p->major_code, y->p->major_code);
    if (!cmp)
        cmp = (x->p->graduation_year > y->p->graduation_year) -
              (x->p->graduation_year < y->p->graduation_year);
    return cmp ? cmp : (x->e->seq < y->e->seq) - (x->e->seq > y->e->seq);
}

static int same_programme(const prog *x, const prog *y)
{
    return strcmp(x->school, y->school) == 0 && strcmp(x->p->major_code, y->p->major_code) == 0 &&
           x->p->graduation_year == y->p->graduation_year;
}

cjx_err cjx_report_practice_hours(cjx_report_ctx *c)
{
    static const char *const cols[] = {"school", "name", "major", "graduation_year",
                                       "total_hours", "practice_hours", "practice_%", "status",
                                       NULL};
    cjx_report_columns(c, cols);
    prog *ps = malloc((c->in->nrecords ? c->in->nrecords : 1) * sizeof *ps);
    if (!ps)
        return CJX_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < c->in->nrecords; i++) {
        const Cjx__Record *r =
            cjx_report_record(c, &c->in->records[i], CJX__RECORD__DETAIL_PROGRAMME_RECORD);
        if (!r || !r->programme_record)
            continue;
        const char *school = r->programme_record->school_credit_code;
        ps[n++] = (prog){school[0] ? school : c->in->records[i].origin, &c->in->records[i],
                         r->programme_record};
    }
    qsort(ps, n, sizeof *ps, by_programme_newest);
    size_t shown = 0, below = 0;
    long long tt = 0, tp = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && same_programme(&ps[i - 1], &ps[i]))
            continue; /* an older record of the same programme */
        const Cjx__ProgrammeRecord *p = ps[i].p;
        cjx_report_used(c, ps[i].e);
        const char *status = "ok";
        if (p->total_hours <= 0) {
            status = "no class hours";
            cjx_report_unreported(c, ps[i].school);
        } else if ((long long)p->practice_hours * 2 < p->total_hours) {
            status = "practice < 50%";
            cjx_report_flag(c, ps[i].school);
            below++;
        }
        char b[4][CJX_REPORT_CELL];
        const char *row[] = {ps[i].school,
                             cjx_report_name(c, ps[i].school),
                             p->major_code,
                             cjx_report_int(b[0], p->graduation_year),
                             cjx_report_int(b[1], p->total_hours),
                             cjx_report_int(b[2], p->practice_hours),
                             cjx_report_pct(b[3], p->practice_hours, p->total_hours, 1),
                             status};
        cjx_report_row(c, ps[i].school, row);
        shown++;
        if (p->total_hours > 0)
            tt += p->total_hours, tp += p->practice_hours;
    }
    char b[3][CJX_REPORT_CELL], st[64];
    snprintf(st, sizeof st, "%zu of %zu under 50%%", below, shown);
    const char *total[] = {"total", "", "", "", cjx_report_int(b[0], tt),
                           cjx_report_int(b[1], tp), cjx_report_pct(b[2], tp, tt, 1), st};
    cjx_report_row(c, "", total);
    size_t missing = 0;
    for (size_t i = 0; i < c->nreg; i++) {
        const Cjx__Institution *in = c->reg[i]->item->institution;
        if (in->kind != CJX__INSTITUTION_KIND__INSTITUTION_COLLEGE &&
            in->kind != CJX__INSTITUTION_KIND__INSTITUTION_SCHOOL)
            continue;
        size_t j = 0;
        while (j < n && strcmp(ps[j].school, in->credit_code) != 0)
            j++;
        if (j == n) {
            cjx_report_unreported(c, in->credit_code);
            missing++;
        }
    }
    if (missing)
        cjx_report_note(c, "%zu colleges and schools of the registry reported no programme "
                        "for %d (unreported)", missing, c->in->year);
    cjx_report_note(c, "a programme is its school, major and graduation year; its newest "
                    "record of %d counts", c->in->year);
    free(ps);
    return CJX_OK;
}

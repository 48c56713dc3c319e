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

cjx_err cjx_report_practice_hours(cjx_report_ctx *c)
{
    static const char *const cols[] = {"school", "name", "major", "graduation_year",
                                       "total_hours", "practice_hours", "practice_%", "status",
                                       NULL};
    cjx_report_columns(c, cols);
    size_t n;
    cjx_report_programme *ps = cjx_report_programmes(c, 1, &n);
    if (!ps)
        return CJX_ENOMEM;
    size_t shown = 0, below = 0;
    long long tt = 0, tp = 0;
    for (size_t i = 0; i < n; i++) {
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

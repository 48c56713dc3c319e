/* report_match.c — colleges for an enterprise's posting (`cjx recommend
 * --posting`, report "colleges-for-posting"): the colleges and schools
 * whose programmes graduate students of the posting's majors in the year
 * asked for, with how many of this enterprise's interns each placed before.
 *
 * Per institution: graduates of the same majors (programme records of that
 * graduation year, expected_graduates), of the same class (first four
 * digits), and internship placements with the posting's enterprise (any
 * year; people, so under min_cell shown as "<N"; shown only to the
 * posting's enterprise and to those who see everything). Score: same-major
 * graduates + half the same-class ones + 10 per placement; ranked best
 * first. Only aggregates: no person is named. Its lines are about the
 * colleges but meant for whoever asks, so they are not restricted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

typedef struct match_row {
    const char *code;
    long long same, near, placed;
    double score;
} match_row;

static int row_cmp(const void *x, const void *y)
{
    const match_row *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return strcmp(a->code, b->code);
}

/* The posting "CODE/REF" names, or NULL. */
static const Cjx__Posting *find_posting(const cjx_report_ctx *c, const cjx_report_entry **used)
{
    const char *want = c->in->posting ? c->in->posting : "", *slash = strchr(want, '/');
    for (size_t i = 0; slash && i < c->in->npostings; i++) {
        const cjx_report_entry *e = &c->in->postings[i];
        const Cjx__Posting *p = e->item->body_case == CJX__ITEM__BODY_POSTING ? e->item->posting : NULL;
        if (p && strlen(e->origin) == (size_t)(slash - want) &&
            strncmp(e->origin, want, (size_t)(slash - want)) == 0 && strcmp(p->ref, slash + 1) == 0) {
            *used = e;
            return p;
        }
    }
    return NULL;
}

/* How near major is to the posting's: 2 the same, 1 the same class, 0 not. */
static int nearness(const Cjx__Posting *p, const char *major)
{
    int best = 0;
    for (size_t i = 0; i < p->n_major_codes; i++) {
        if (strcmp(p->major_codes[i], major) == 0)
            return 2;
        if (strncmp(p->major_codes[i], major, 4) == 0)
            best = 1;
    }
    return best;
}

static match_row *row_of(match_row **rows, size_t *n, const char *code, int *failed)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*rows)[i].code, code) == 0)
            return &(*rows)[i];
    match_row *r = realloc(*rows, (*n + 1) * sizeof **rows);
    if (!r) {
        *failed = 1;
        return NULL;
    }
    *rows = r;
    r = &r[(*n)++];
    memset(r, 0, sizeof *r);
    r->code = code;
    return r;
}

cjx_err cjx_report_colleges_for_posting(cjx_report_ctx *c)
{
    static const char *const columns[] = {"school", "name", "same_major_graduates",
                                          "same_class_graduates", "placed_with_enterprise",
                                          "score", NULL};
    cjx_report_columns(c, columns);
    const cjx_report_entry *pe = NULL;
    const Cjx__Posting *p = find_posting(c, &pe);
    if (!p) {
        cjx_report_note(c, "no posting \"%s\" (give it as CREDIT_CODE/REF)",
                        c->in->posting ? c->in->posting : "");
        return CJX_OK;
    }
    cjx_report_used(c, pe);
    match_row *rows = NULL;
    size_t n = 0;
    for (size_t i = 0; i < c->in->nrecords && !c->failed; i++) {
        const cjx_report_entry *e = &c->in->records[i];
        const Cjx__Record *r = e->item->body_case == CJX__ITEM__BODY_RECORD ? e->item->record : NULL;
        if (r && r->detail_case == CJX__RECORD__DETAIL_PROGRAMME_RECORD &&
            r->programme_record->graduation_year == c->in->year) {
            int near = nearness(p, r->programme_record->major_code);
            match_row *m = near ? row_of(&rows, &n, r->programme_record->school_credit_code,
                                         &c->failed) : NULL;
            if (m) {
                *(near == 2 ? &m->same : &m->near) += r->programme_record->expected_graduates;
                cjx_report_used(c, e);
            }
        } else if (r && r->detail_case == CJX__RECORD__DETAIL_INTERNSHIP_PLACEMENT &&
                   strcmp(r->internship_placement->enterprise_credit_code,
                          p->publisher_credit_code) == 0) {
            match_row *m = row_of(&rows, &n, r->internship_placement->college_credit_code,
                                  &c->failed);
            if (m) {
                m->placed++;
                cjx_report_used(c, e);
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        rows[i].score = (double)rows[i].same + 0.5 * (double)rows[i].near + 10.0 * (double)rows[i].placed;
    if (n)
        qsort(rows, n, sizeof *rows, row_cmp);
    const char *asker = c->in->asker ? c->in->asker : "";
    int history = !asker[0] || strcmp(asker, p->publisher_credit_code) == 0;
    for (size_t i = 0; i < n && !c->failed; i++) {
        char same[CJX_REPORT_CELL], near[CJX_REPORT_CELL], placed[CJX_REPORT_CELL],
            score[CJX_REPORT_CELL];
        snprintf(score, sizeof score, "%.1f", rows[i].score);
        const char *cells[] = {rows[i].code, cjx_report_name(c, rows[i].code),
                               cjx_report_int(same, rows[i].same), cjx_report_int(near, rows[i].near),
                               history ? cjx_report_people(c, placed, rows[i].placed) : "-",
                               score};
        cjx_report_row(c, rows[i].code, cells);
    }
    cjx_report_note(c, "posting %s: %s; majors of graduates in %d", c->in->posting, p->title,
                    c->in->year);
    if (!history)
        cjx_report_note(c, "placements with the enterprise are shown to it and to bureaus only");
    free(rows);
    return c->failed ? CJX_ENOMEM : CJX_OK;
}

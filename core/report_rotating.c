/* report_rotating.c — §17: "每所职业院校至少建立一个社会实践流动岗": every
 * vocational college builds, with enterprises, at least one rotating
 * social-practice post where its teachers practise in turn.
 *
 * From the schema: a college reports each teacher it places in an
 * enterprise as a TeacherPlacement, `rotating` when the place is such a
 * post. A college's rotating posts of the year are the distinct
 * enterprises hosting its rotating placements of that Record.year (one
 * post per college and enterprise, however many teachers rotate through
 * it); it complies with at least one. The teachers placed are people: their
 * count is suppressed under min_cell (the post count is of enterprises and
 * is not). Enterprises offer such posts as TeacherPracticePostings with
 * `rotating`: their headcount valid in the year is shown city-wide.
 * Vocational colleges are the registry's colleges and schools, and any
 * college that reported a rotating placement.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

typedef struct place {
    const char *college, *enterprise, *teacher;
} place;

static int by_college_enterprise(const void *a, const void *b)
{
    const place *x = a, *y = b;
    int cmp = strcmp(x->college, y->college);
    return cmp ? cmp : strcmp(x->enterprise, y->enterprise);
}

static int by_college_teacher(const void *a, const void *b)
{
    const place *x = a, *y = b;
    int cmp = strcmp(x->college, y->college);
    return cmp ? cmp : strcmp(x->teacher, y->teacher);
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Distinct values of field (enterprise or teacher) among the places of
 * college, the places sorted by college and that field. An empty teacher
 * (no pseudonym) counts each time. */
static long long distinct(const place *ps, size_t n, const char *college, int teachers)
{
    long long k = 0;
    const char *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ps[i].college, college) != 0)
            continue;
        const char *v = teachers ? ps[i].teacher : ps[i].enterprise;
        if (!prev || strcmp(prev, v) != 0 || !v[0])
            k++;
        prev = v;
    }
    return k;
}

cjx_err cjx_report_rotating_posts(cjx_report_ctx *c)
{
    static const char *const cols[] = {"college", "name", "rotating_posts", "teachers_placed",
                                       "status", NULL};
    cjx_report_columns(c, cols);
    size_t cap = c->in->nrecords + c->nreg + 1, n = 0, nc = 0;
    place *ps = malloc(cap * sizeof *ps), *pt = malloc(cap * sizeof *pt);
    const char **colleges = malloc(cap * sizeof *colleges);
    if (!ps || !pt || !colleges) {
        free(ps), free(pt), free(colleges);
        return CJX_ENOMEM;
    }
    for (size_t i = 0; i < c->in->nrecords; i++) {
        const cjx_report_entry *e = &c->in->records[i];
        const Cjx__Record *r = cjx_report_record(c, e, CJX__RECORD__DETAIL_TEACHER_PLACEMENT);
        if (!r || !r->teacher_placement || !r->teacher_placement->rotating)
            continue;
        const Cjx__TeacherPlacement *tp = r->teacher_placement;
        ps[n] = (place){tp->college_credit_code[0] ? tp->college_credit_code : e->origin,
                        tp->enterprise_credit_code, tp->teacher ? tp->teacher->pseudonym : ""};
        colleges[nc++] = ps[n++].college;
        cjx_report_used(c, e);
    }
    for (size_t i = 0; i < c->nreg; i++) {
        const Cjx__Institution *in = c->reg[i]->item->institution;
        if (in->kind == CJX__INSTITUTION_KIND__INSTITUTION_COLLEGE ||
            in->kind == CJX__INSTITUTION_KIND__INSTITUTION_SCHOOL)
            colleges[nc++] = in->credit_code;
    }
    memcpy(pt, ps, n * sizeof *ps);
    qsort(ps, n, sizeof *ps, by_college_enterprise);
    qsort(pt, n, sizeof *pt, by_college_teacher);
    qsort(colleges, nc, sizeof *colleges, by_str);
    size_t shown = 0, none = 0;
    long long total_posts = 0, total_teachers = 0;
    for (size_t i = 0; i < nc; i++) {
        if (i && strcmp(colleges[i - 1], colleges[i]) == 0)
            continue;
        long long posts = distinct(ps, n, colleges[i], 0);
        long long teachers = distinct(pt, n, colleges[i], 1);
        char b[2][CJX_REPORT_CELL];
        const char *row[] = {colleges[i], cjx_report_name(c, colleges[i]),
                             cjx_report_int(b[0], posts), cjx_report_people(c, b[1], teachers),
                             posts ? "ok" : "none"};
        cjx_report_row(c, colleges[i], row);
        if (!posts) {
            cjx_report_flag(c, colleges[i]);
            none++;
        }
        shown++;
        total_posts += posts;
        total_teachers += teachers;
    }
    long long offered = 0;
    char from[16], until[16];
    snprintf(from, sizeof from, "%04d-01-01", c->in->year);
    snprintf(until, sizeof until, "%04d-12-31", c->in->year);
    for (size_t i = 0; i < c->in->npostings; i++) {
        const cjx_report_entry *e = &c->in->postings[i];
        const Cjx__Posting *p = e->item->posting;
        if (e->item->body_case != CJX__ITEM__BODY_POSTING ||
            p->detail_case != CJX__POSTING__DETAIL_TEACHER_PRACTICE ||
            !p->teacher_practice->rotating ||
            (p->valid_from[0] && strcmp(p->valid_from, until) > 0) ||
            (p->valid_until[0] && strcmp(p->valid_until, from) < 0))
            continue;
        offered += p->teacher_practice->headcount;
        cjx_report_used(c, e);
    }
    char b[2][CJX_REPORT_CELL], st[64];
    snprintf(st, sizeof st, "%zu of %zu with none", none, shown);
    const char *total[] = {"total", "", cjx_report_int(b[0], total_posts),
                           cjx_report_people(c, b[1], total_teachers), st};
    cjx_report_row(c, "", total);
    cjx_report_note(c, "rotating_posts: distinct enterprises hosting the college's rotating "
                    "teacher placements of %d; teachers_placed: its teachers on them "
                    "(by pseudonym)",
                    c->in->year);
    cjx_report_note(c, "enterprises offered %lld places on rotating teacher-practice postings "
                    "valid in %d", offered, c->in->year);
    free(ps), free(pt), free(colleges);
    return CJX_OK;
}

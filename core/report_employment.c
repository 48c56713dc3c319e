/* report_employment.c — §8: the yearly graduate employment quality report,
 * by school and major, from the schools' GraduateOutcome records of the
 * year: the placement rate (去向落实率), the share of those employed who
 * work in Changzhi (employer division 1404xx) and the share whose work is
 * related to their major.
 *
 * Destination codes: placed = employed (10, 11, 12 contracts and hiring;
 * 27 research assistant; 46 conscript; 50, 51 grassroots projects; 75 own
 * business; 76 freelance) or further study (80–82) or abroad (85); 70–72
 * are not working. One graduate (school and pseudonym) counts once, by the
 * newest record. Every count is of people: under min_cell it is written
 * "<N" and the rates derived from it "-"; a group under min_cell shows only
 * that. The plan sets no threshold here: no one is out of compliance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

typedef struct grad {
    const char *school;
    const cjx_report_entry *e;
    const Cjx__GraduateOutcome *g;
} grad;

typedef struct tally {
    long long graduates, placed, employed, changzhi, related;
} tally;

static int employed_code(const char *d)
{
    static const char *const codes[] = {"10", "11", "12", "27", "46", "50", "51", "75", "76"};
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
        if (strcmp(d, codes[i]) == 0)
            return 1;
    return 0;
}

static int placed_code(const char *d)
{
    return employed_code(d) || strcmp(d, "80") == 0 || strcmp(d, "81") == 0 ||
           strcmp(d, "82") == 0 || strcmp(d, "85") == 0;
}

static const char *pseudonym(const grad *x)
{
    return x->g->graduate ? x->g->graduate->pseudonym : "";
}

static int by_school_major_person(const void *a, const void *b)
{
    const grad *x = a, *y = b;
    int cmp = strcmp(x->school, y->school);
    if (!cmp)
        cmp = strcmp(x->g->major_code, y->g->major_code);
    if (!cmp)
        cmp = strcmp(pseudonym(x), pseudonym(y));
    return cmp ? cmp : (x->e->seq < y->e->seq) - (x->e->seq > y->e->seq);
}

static void add(tally *t, const Cjx__GraduateOutcome *g)
{
    t->graduates++;
    t->placed += placed_code(g->destination_code);
    if (employed_code(g->destination_code)) {
        t->employed++;
        t->changzhi += strncmp(g->employer_division_code, "1404", 4) == 0;
        t->related += g->major_related;
    }
}

/* A count of people and the rate it gives over den: both hidden when
 * either is too few to show. */
static void rate(cjx_report_ctx *c, char *count, char *pct, long long n, long long den)
{
    cjx_report_people(c, count, n);
    if (cjx_report_small(c, n) || cjx_report_small(c, den))
        snprintf(pct, CJX_REPORT_CELL, "-");
    else
        cjx_report_pct(pct, n, den, 1);
}

static void row(cjx_report_ctx *c, const char *inst, const char *school, const char *major,
                const tally *t)
{
    char b[9][CJX_REPORT_CELL];
    cjx_report_people(c, b[0], t->graduates);
    if (cjx_report_small(c, t->graduates)) {
        const char *cells[] = {school, school[0] ? cjx_report_name(c, school) : "", major, b[0],
                               "-", "-", "-", "-", "-", "-", "-"};
        cjx_report_row(c, inst, cells);
        return;
    }
    rate(c, b[1], b[2], t->placed, t->graduates);
    rate(c, b[3], b[4], t->employed, t->graduates);
    rate(c, b[5], b[6], t->changzhi, t->employed);
    rate(c, b[7], b[8], t->related, t->employed);
    const char *cells[] = {school, school[0] ? cjx_report_name(c, school) : "", major,
                           b[0], b[1], b[2], b[3], b[5], b[6], b[7], b[8]};
    (void)b[4];
    cjx_report_row(c, inst, cells);
}

cjx_err cjx_report_employment_quality(cjx_report_ctx *c)
{
    static const char *const cols[] = {"school", "name", "major", "graduates", "placed",
                                       "placement_%", "employed", "in_changzhi", "changzhi_%",
                                       "major_related", "related_%", NULL};
    cjx_report_columns(c, cols);
    grad *gs = malloc((c->in->nrecords ? c->in->nrecords : 1) * sizeof *gs);
    if (!gs)
        return CJX_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < c->in->nrecords; i++) {
        const Cjx__Record *r =
            cjx_report_record(c, &c->in->records[i], CJX__RECORD__DETAIL_GRADUATE_OUTCOME);
        if (!r || !r->graduate_outcome)
            continue;
        const char *school = r->graduate_outcome->school_credit_code;
        gs[n++] = (grad){school[0] ? school : c->in->records[i].origin, &c->in->records[i],
                         r->graduate_outcome};
    }
    qsort(gs, n, sizeof *gs, by_school_major_person);
    tally major = {0}, school = {0}, city = {0};
    size_t repeats = 0;
    for (size_t i = 0; i < n; i++) {
        const grad *g = &gs[i];
        if (i && strcmp(gs[i - 1].school, g->school) == 0 &&
            strcmp(gs[i - 1].g->major_code, g->g->major_code) == 0 && pseudonym(g)[0] &&
            strcmp(pseudonym(&gs[i - 1]), pseudonym(g)) == 0) {
            repeats++; /* an older record of the same graduate */
        } else {
            cjx_report_used(c, g->e);
            add(&major, g->g), add(&school, g->g), add(&city, g->g);
        }
        int last_major = i + 1 == n || strcmp(gs[i + 1].school, g->school) != 0 ||
                         strcmp(gs[i + 1].g->major_code, g->g->major_code) != 0;
        int last_school = i + 1 == n || strcmp(gs[i + 1].school, g->school) != 0;
        if (last_major) {
            row(c, g->school, g->school, g->g->major_code, &major);
            major = (tally){0};
        }
        if (last_school) {
            row(c, g->school, g->school, "all", &school);
            school = (tally){0};
        }
    }
    row(c, "", "", "all", &city);
    if (repeats)
        cjx_report_note(c, "%zu older records of graduates reported again were left out", repeats);
    cjx_report_note(c, "placed: employed, further study or abroad (destination codes other "
                    "than 70–72); in_changzhi and major_related are shares of the employed; "
                    "counts under %d are shown as <%d and their rates as -",
                    c->in->min_cell, c->in->min_cell);
    free(gs);
    return CJX_OK;
}

/* report_test.c — unit tests for the plan's reports (core/report*.c), each
 * on a small hand-made state with its figures worked out by hand below,
 * including the edges the issue names: exactly 10%, the shortfall's
 * rounding, an enterprise with no census, a contract of exactly 6 months,
 * a certificate on day 365 and day 366 (and across 29 February), a hire
 * claimed twice, a cell of 4 people suppressed; and what an enterprise
 * sees of a report (its own lines only).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "report.h"

/* ---- a state made of JSON items ---- */

#define MAX_ENTRIES 128

typedef struct fixture {
    cjx_report_entry rec[MAX_ENTRIES], post[MAX_ENTRIES], reg[MAX_ENTRIES];
    size_t nrec, npost, nreg;
    Cjx__Item *items[3 * MAX_ENTRIES];
    size_t nitems;
    uint64_t seq;
    Cjx__Report *r;
} fixture;

static int setup(void **state)
{
    *state = calloc(1, sizeof(fixture));
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < f->nitems; i++)
        cjx__item__free_unpacked(f->items[i], NULL);
    if (f->r)
        cjx__report__free_unpacked(f->r, NULL);
    free(f);
    return 0;
}

/* Adds one item published by origin, under the next log sequence. */
static void add(fixture *f, const char *origin, const char *json)
{
    ProtobufCMessage *m = NULL;
    cjx_fault fault = {0};
    if (cjx_json_parse_message(json, strlen(json), &cjx__item__descriptor, &m, &fault) != CJX_OK)
        fail_msg("%s: %s %s", json, fault.field, fault.text);
    Cjx__Item *it = (Cjx__Item *)m;
    f->items[f->nitems++] = it;
    cjx_report_entry e = {++f->seq, 1000 * (int64_t)f->seq, origin, it};
    if (it->body_case == CJX__ITEM__BODY_RECORD)
        f->rec[f->nrec++] = e;
    else if (it->body_case == CJX__ITEM__BODY_POSTING)
        f->post[f->npost++] = e;
    else
        f->reg[f->nreg++] = e;
}

static void census(fixture *f, const char *code, int year, const char *fields)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"record\":{\"ref\":\"C-%s-%llu\",\"year\":%d,\"enterprise_census\":"
             "{\"enterprise_credit_code\":\"%s\",%s}}}",
             code, (unsigned long long)f->seq, year, code, fields);
    add(f, code, json);
}

static void institution(fixture *f, const char *code, const char *name, const char *kind)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"institution\":{\"credit_code\":\"%s\",\"name\":\"%s\",\"kind\":\"%s\"}}", code,
             name, kind);
    add(f, code, json);
}

static Cjx__Report *run(fixture *f, const char *name, int year)
{
    const cjx_report_def *d = cjx_report_find(name);
    assert_non_null(d);
    cjx_report_input in = {.year = year, .min_cell = 5, .warn_high_pct = 150, .warn_low_pct = 50,
                           .records = f->rec, .nrecords = f->nrec,
                           .postings = f->post, .npostings = f->npost,
                           .registry = f->reg, .nregistry = f->nreg};
    if (f->r)
        cjx__report__free_unpacked(f->r, NULL);
    f->r = NULL;
    assert_int_equal(cjx_report_compute(d, &in, &f->r), CJX_OK);
    return f->r;
}

/* The row whose first cell is c0 (and third c2, when given). */
static const Cjx__ReportRow *row_of(const Cjx__Report *r, const char *c0, const char *c2)
{
    for (size_t i = 0; i < r->n_rows; i++)
        if (strcmp(r->rows[i]->cells[0], c0) == 0 && (!c2 || strcmp(r->rows[i]->cells[2], c2) == 0))
            return r->rows[i];
    return NULL;
}

/* A cell by column name of the row (c0, c2). */
static const char *cell(const Cjx__Report *r, const char *c0, const char *c2, const char *col)
{
    const Cjx__ReportRow *row = row_of(r, c0, c2);
    if (!row)
        fail_msg("no row %s %s", c0, c2 ? c2 : "");
    for (size_t i = 0; i < r->n_columns; i++)
        if (strcmp(r->columns[i], col) == 0)
            return row->cells[i];
    fail_msg("no column %s", col);
    return NULL;
}

/* The list as "A B C". */
static const char *list(char **v, size_t n)
{
    static char buf[512];
    buf[0] = 0;
    for (size_t i = 0; i < n; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? " " : "", v[i]);
    return buf;
}

static uint64_t used(const Cjx__Report *r, const char *kind)
{
    for (size_t i = 0; i < r->n_kinds_used; i++)
        if (strcmp(r->kinds_used[i]->kind, kind) == 0)
            return r->kinds_used[i]->count;
    return 0;
}

/* ---- cells and dates ---- */

static void test_cells_and_dates(void **state)
{
    (void)state;
    char b[CJX_REPORT_CELL];
    assert_string_equal(cjx_report_pct(b, 1, 3, 1), "33.3");
    assert_string_equal(cjx_report_pct(b, 2, 3, 1), "66.7");
    assert_string_equal(cjx_report_pct(b, 5, 50, 1), "10.0");
    assert_string_equal(cjx_report_pct(b, 5, 51, 1), "9.8");
    assert_string_equal(cjx_report_pct(b, 5, 1000, 2), "0.50");
    assert_string_equal(cjx_report_pct(b, 1, 0, 1), "-");
    assert_int_equal(cjx_report_days("2026-01-10") - cjx_report_days("2025-01-10"), 365);
    assert_int_equal(cjx_report_days("2024-06-01") - cjx_report_days("2023-06-01"), 366);
    assert_int_equal(cjx_report_anniversary("2025-01-10"), cjx_report_days("2026-01-10"));
    assert_int_equal(cjx_report_anniversary("2023-06-01"), cjx_report_days("2024-06-01"));
    assert_int_equal(cjx_report_anniversary("2024-02-29"), cjx_report_days("2025-02-28"));
    assert_int_equal(cjx_report_days("2025-02-29"), -1);
    assert_int_equal(cjx_report_days("2025-13-01"), -1);
    assert_int_equal(cjx_report_days("1-1-2025"), -1);
    assert_int_equal(cjx_report_days("0001-01-01"), 0);
}

/* ---- §11 internship posts ---- */

static void test_internship_ratio(void **state)
{
    fixture *f = *state;
    institution(f, "E1", "一号企业", "INSTITUTION_ENTERPRISE");
    institution(f, "E5", "五号企业", "INSTITUTION_ENTERPRISE");
    institution(f, "S1", "长治职业技术学院", "INSTITUTION_COLLEGE");
    /* E1: an older census, then exactly 10% (50 technical, 5 internship): ok */
    census(f, "E1", 2026, "\"above_scale\":true,\"technical_posts\":50,\"internship_posts\":0");
    census(f, "E1", 2026, "\"above_scale\":true,\"technical_posts\":50,\"internship_posts\":5");
    /* E2: 51 technical → ⌈5.1⌉ = 6 required, 5 given: short 1 (9.8%) */
    census(f, "E2", 2026, "\"above_scale\":true,\"technical_posts\":51,\"internship_posts\":5");
    census(f, "E2", 2025, "\"above_scale\":true,\"technical_posts\":51,\"internship_posts\":9");
    /* E3: 41 technical → ⌈4.1⌉ = 5 required, none: short 5 */
    census(f, "E3", 2026, "\"above_scale\":true,\"technical_posts\":41");
    /* E4: not above scale: outside the rule */
    census(f, "E4", 2026, "\"above_scale\":false,\"technical_posts\":100");
    /* E5 has no census: unreported. E2's postings: 3 technical places in 2026
     * count as posted, not the non-technical one nor the 2024 one */
    add(f, "E2", "{\"posting\":{\"ref\":\"I1\",\"valid_from\":\"2025-12-01\",\"valid_until\":"
                 "\"2026-03-01\",\"internship\":{\"headcount\":3,\"technical_post\":true}}}");
    add(f, "E2", "{\"posting\":{\"ref\":\"I2\",\"valid_from\":\"2026-01-01\",\"valid_until\":"
                 "\"2026-03-01\",\"internship\":{\"headcount\":7}}}");
    add(f, "E2", "{\"posting\":{\"ref\":\"I3\",\"valid_from\":\"2024-01-01\",\"valid_until\":"
                 "\"2024-12-31\",\"internship\":{\"headcount\":4,\"technical_post\":true}}}");
    Cjx__Report *r = run(f, "internship-ratio", 2026);
    assert_string_equal(r->section, "§11");
    assert_int_equal(r->n_rows, 4); /* E1, E2, E3 and the total */
    assert_string_equal(cell(r, "E1", NULL, "name"), "一号企业");
    assert_string_equal(cell(r, "E1", NULL, "ratio_%"), "10.0");
    assert_string_equal(cell(r, "E1", NULL, "required"), "5");
    assert_string_equal(cell(r, "E1", NULL, "shortfall"), "0");
    assert_string_equal(cell(r, "E1", NULL, "status"), "ok");
    assert_string_equal(cell(r, "E2", NULL, "ratio_%"), "9.8");
    assert_string_equal(cell(r, "E2", NULL, "required"), "6");
    assert_string_equal(cell(r, "E2", NULL, "shortfall"), "1");
    assert_string_equal(cell(r, "E2", NULL, "posted"), "3");
    assert_string_equal(cell(r, "E3", NULL, "required"), "5");
    assert_string_equal(cell(r, "E3", NULL, "shortfall"), "5");
    assert_null(row_of(r, "E4", NULL));
    assert_string_equal(cell(r, "total", NULL, "technical_posts"), "142");
    assert_string_equal(cell(r, "total", NULL, "shortfall"), "6");
    assert_string_equal(cell(r, "total", NULL, "status"), "2 of 3 short");
    assert_string_equal(list(r->non_compliant, r->n_non_compliant), "E2 E3");
    assert_string_equal(list(r->unreported, r->n_unreported), "E5");
    assert_int_equal(used(r, "enterprise_census"), 4); /* the newest of each, 2026 */
    assert_int_equal(used(r, "internship"), 1);
    assert_int_equal(r->newest_ms, 1000 * 10); /* E2's posting I1, the 10th entry */
    /* an enterprise sees its own line only */
    cjx_report_restrict(r, "E2");
    assert_int_equal(r->n_rows, 1);
    assert_string_equal(r->rows[0]->cells[0], "E2");
    assert_string_equal(list(r->non_compliant, r->n_non_compliant), "E2");
    assert_int_equal(r->n_unreported, 0);
    assert_string_equal(r->scope, "E2");
}

static void test_teacher_practice(void **state)
{
    fixture *f = *state;
    /* 1000 employees → 5 posts is exactly 0.5% */
    census(f, "E1", 2026, "\"size\":\"SIZE_LARGE\",\"employees\":1000,\"teacher_practice_posts\":5");
    /* 1001 → ⌈5.005⌉ = 6 */
    census(f, "E2", 2026, "\"size\":\"SIZE_MEDIUM\",\"employees\":1001,\"teacher_practice_posts\":5");
    census(f, "E3", 2026, "\"size\":\"SIZE_SMALL\",\"employees\":300");
    Cjx__Report *r = run(f, "teacher-practice", 2026);
    assert_int_equal(r->n_rows, 3);
    assert_string_equal(cell(r, "E1", NULL, "ratio_%"), "0.50");
    assert_string_equal(cell(r, "E1", NULL, "status"), "ok");
    assert_string_equal(cell(r, "E2", NULL, "required"), "6");
    assert_string_equal(cell(r, "E2", NULL, "shortfall"), "1");
    assert_string_equal(list(r->non_compliant, r->n_non_compliant), "E2");
}

/* ---- §13 training fund ---- */

static void test_training_fund(void **state)
{
    fixture *f = *state;
    census(f, "E1", 2026, "\"employees\":100,\"employees_trained\":50,"
                          "\"training_fund_spent_yuan\":1000,\"training_fund_front_line_yuan\":600");
    census(f, "E2", 2026, "\"employees\":100,\"employees_trained\":49,"
                          "\"training_fund_spent_yuan\":1000,\"training_fund_front_line_yuan\":599");
    census(f, "E3", 2026, "\"employees\":10,\"employees_trained\":10");
    Cjx__Report *r = run(f, "training-fund", 2026);
    assert_string_equal(cell(r, "E1", NULL, "front_line_%"), "60.0");
    assert_string_equal(cell(r, "E1", NULL, "trained_%"), "50.0");
    assert_string_equal(cell(r, "E1", NULL, "status"), "ok");
    assert_string_equal(cell(r, "E2", NULL, "front_line_%"), "59.9");
    assert_string_equal(cell(r, "E2", NULL, "status"), "front line < 60%; trained < 50%");
    assert_string_equal(cell(r, "E3", NULL, "status"), "nothing spent");
    assert_string_equal(cell(r, "total", NULL, "fund_spent"), "2000");
    assert_string_equal(cell(r, "total", NULL, "front_line_%"), "60.0"); /* 1199/2000 */
    assert_string_equal(list(r->non_compliant, r->n_non_compliant), "E2 E3");
}

/* ---- §16 practice hours ---- */

static void programme(fixture *f, const char *school, const char *major, int year, int total,
                      int practice, int grad_year, int expected)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"record\":{\"ref\":\"P-%llu\",\"year\":%d,\"programme_record\":{"
             "\"school_credit_code\":\"%s\",\"major_code\":\"%s\",\"total_hours\":%d,"
             "\"practice_hours\":%d,\"graduation_year\":%d,\"expected_graduates\":%d}}}",
             (unsigned long long)f->seq, year, school, major, total, practice, grad_year,
             expected);
    add(f, school, json);
}

static void test_practice_hours(void **state)
{
    fixture *f = *state;
    institution(f, "S3", "三号学校", "INSTITUTION_SCHOOL");
    programme(f, "S1", "510203", 2026, 2000, 900, 2026, 0);  /* replaced by the next */
    programme(f, "S1", "510203", 2026, 2000, 1000, 2026, 0); /* exactly 50% */
    programme(f, "S1", "460301", 2026, 2000, 999, 2026, 0);  /* 49.95% */
    programme(f, "S2", "520201", 2026, 0, 0, 2026, 0);       /* no hours */
    Cjx__Report *r = run(f, "practice-hours", 2026);
    assert_int_equal(r->n_rows, 4);
    assert_string_equal(cell(r, "S1", "510203", "practice_%"), "50.0");
    assert_string_equal(cell(r, "S1", "510203", "status"), "ok");
    assert_string_equal(cell(r, "S1", "460301", "practice_%"), "50.0"); /* rounded, yet under */
    assert_string_equal(cell(r, "S1", "460301", "status"), "practice < 50%");
    assert_string_equal(cell(r, "S2", NULL, "status"), "no class hours");
    assert_string_equal(list(r->non_compliant, r->n_non_compliant), "S1");
    assert_string_equal(list(r->unreported, r->n_unreported), "S2 S3");
    assert_int_equal(used(r, "programme_record"), 3);
}

/* ---- §17 rotating posts ---- */

static void placement(fixture *f, const char *college, const char *ent, const char *who,
                      int rotating)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"record\":{\"ref\":\"T-%llu\",\"year\":2026,\"teacher_placement\":{"
             "\"teacher\":{\"pseudonym\":\"%s\"},\"college_credit_code\":\"%s\","
             "\"enterprise_credit_code\":\"%s\",\"days\":30,\"rotating\":%s}}}",
             (unsigned long long)f->seq, who, college, ent, rotating ? "true" : "false");
    add(f, college, json);
}

static void test_rotating_posts(void **state)
{
    fixture *f = *state;
    institution(f, "S1", "一号学院", "INSTITUTION_COLLEGE");
    institution(f, "S2", "二号学院", "INSTITUTION_COLLEGE");
    institution(f, "E1", "一号企业", "INSTITUTION_ENTERPRISE");
    placement(f, "S1", "E1", "p:a", 1);
    placement(f, "S1", "E1", "p:b", 1);
    placement(f, "S1", "E2", "p:a", 1);
    placement(f, "S2", "E3", "p:c", 0); /* not a rotating post */
    add(f, "E1", "{\"posting\":{\"ref\":\"TP\",\"valid_from\":\"2026-01-01\",\"valid_until\":"
                 "\"2026-06-30\",\"teacher_practice\":{\"headcount\":2,\"rotating\":true}}}");
    Cjx__Report *r = run(f, "rotating-posts", 2026);
    assert_int_equal(r->n_rows, 3);
    assert_string_equal(cell(r, "S1", NULL, "rotating_posts"), "2");   /* E1 and E2 */
    assert_string_equal(cell(r, "S1", NULL, "teachers_placed"), "<5"); /* 2 people */
    assert_string_equal(cell(r, "S2", NULL, "rotating_posts"), "0");
    assert_string_equal(cell(r, "S2", NULL, "status"), "none");
    assert_string_equal(list(r->non_compliant, r->n_non_compliant), "S2");
    assert_int_equal(used(r, "teacher_placement"), 3);
    assert_int_equal(used(r, "teacher_practice"), 1);
}

/* ---- §8 employment quality ---- */

static void outcome(fixture *f, const char *school, const char *major, const char *who,
                    const char *dest, const char *division, int related)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"record\":{\"ref\":\"G-%llu\",\"year\":2026,\"graduate_outcome\":{"
             "\"graduate\":{\"pseudonym\":\"%s\"},\"school_credit_code\":\"%s\","
             "\"major_code\":\"%s\",\"graduation_year\":2026,\"destination_code\":\"%s\","
             "\"employer_division_code\":\"%s\",\"major_related\":%s}}}",
             (unsigned long long)f->seq, who, school, major, dest, division,
             related ? "true" : "false");
    add(f, school, json);
}

static void test_employment_quality(void **state)
{
    fixture *f = *state;
    char who[16];
    /* S1 510203, 10 graduates: 6 contracts (4 in 潞州区, 2 in Beijing; 5
     * related), 2 further study, 1 not working, 1 conscript; one of them
     * reported twice (the older record, 70, is left out) */
    outcome(f, "S1", "510203", "p:0", "70", "", 0);
    for (int i = 0; i < 6; i++) {
        snprintf(who, sizeof who, "p:%d", i);
        outcome(f, "S1", "510203", who, "10", i < 4 ? "140403" : "110105", i < 5);
    }
    outcome(f, "S1", "510203", "p:6", "80", "", 0);
    outcome(f, "S1", "510203", "p:7", "81", "", 0);
    outcome(f, "S1", "510203", "p:8", "71", "", 0);
    outcome(f, "S1", "510203", "p:9", "46", "", 0);
    /* S1 460301: 4 graduates, all employed in 上党区 and related: a cell of 4 */
    for (int i = 0; i < 4; i++) {
        snprintf(who, sizeof who, "p:m%d", i);
        outcome(f, "S1", "460301", who, "10", "140404", 1);
    }
    Cjx__Report *r = run(f, "employment-quality", 2026);
    /* placed 9 of 10; employed 7 (6 contracts + conscript); in Changzhi 4 of 7
     * (under 5: hidden); related 5 of 7 = 71.4% */
    assert_string_equal(cell(r, "S1", "510203", "graduates"), "10");
    assert_string_equal(cell(r, "S1", "510203", "placed"), "9");
    assert_string_equal(cell(r, "S1", "510203", "placement_%"), "90.0");
    assert_string_equal(cell(r, "S1", "510203", "employed"), "7");
    assert_string_equal(cell(r, "S1", "510203", "in_changzhi"), "<5");
    assert_string_equal(cell(r, "S1", "510203", "changzhi_%"), "-");
    assert_string_equal(cell(r, "S1", "510203", "major_related"), "5");
    assert_string_equal(cell(r, "S1", "510203", "related_%"), "71.4");
    /* the cell of 4 people: nothing but "<5" */
    assert_string_equal(cell(r, "S1", "460301", "graduates"), "<5");
    assert_string_equal(cell(r, "S1", "460301", "placed"), "-");
    assert_string_equal(cell(r, "S1", "460301", "placement_%"), "-");
    assert_string_equal(cell(r, "S1", "460301", "related_%"), "-");
    /* the school: 14 graduates, 13 placed (92.9%), 11 employed, 8 in
     * Changzhi (72.7%), 9 related (81.8%) */
    assert_string_equal(cell(r, "S1", "all", "graduates"), "14");
    assert_string_equal(cell(r, "S1", "all", "placement_%"), "92.9");
    assert_string_equal(cell(r, "S1", "all", "in_changzhi"), "8");
    assert_string_equal(cell(r, "S1", "all", "changzhi_%"), "72.7");
    assert_string_equal(cell(r, "S1", "all", "related_%"), "81.8");
    assert_string_equal(cell(r, "", "all", "graduates"), "14");
    assert_int_equal(used(r, "graduate_outcome"), 14);
    assert_int_equal(r->n_non_compliant, 0);
}

/* ---- §8, §21 supply and demand ---- */

static void test_supply_demand(void **state)
{
    fixture *f = *state;
    programme(f, "12140403MA0000000X", "510203", 2025, 2000, 1000, 2025, 100);
    programme(f, "12140403MA0000000X", "510203", 2026, 2000, 1000, 2026, 100);
    programme(f, "12140403MA0000000X", "460301", 2026, 2000, 1000, 2026, 40);
    add(f, "E1", "{\"posting\":{\"ref\":\"J25\",\"division_code\":\"140403\",\"cluster\":"
                 "\"CLUSTER_INFORMATION_TECH\",\"major_codes\":[\"510203\"],\"valid_from\":"
                 "\"2025-06-01\",\"valid_until\":\"2025-12-31\",\"job\":{\"headcount\":100}}}");
    add(f, "E1", "{\"posting\":{\"ref\":\"J26\",\"division_code\":\"140403\",\"cluster\":"
                 "\"CLUSTER_INFORMATION_TECH\",\"major_codes\":[\"510203\"],\"valid_from\":"
                 "\"2026-01-01\",\"valid_until\":\"2026-12-31\",\"job\":{\"headcount\":200}}}");
    add(f, "E2", "{\"posting\":{\"ref\":\"I26\",\"division_code\":\"140404\",\"cluster\":"
                 "\"CLUSTER_SEMICONDUCTOR_OPTO\",\"major_codes\":[\"460301\",\"510203\"],"
                 "\"valid_from\":\"2026-03-01\",\"valid_until\":\"2026-09-30\","
                 "\"internship\":{\"headcount\":12}}}");
    add(f, "E2", "{\"posting\":{\"ref\":\"W26\",\"division_code\":\"140404\",\"status\":"
                 "\"STATUS_WITHDRAWN\",\"major_codes\":[\"460301\"],\"valid_from\":\"2026-03-01\","
                 "\"valid_until\":\"2026-09-30\",\"job\":{\"headcount\":500}}}");
    Cjx__Report *r = run(f, "supply-demand", 2026);
    const char *col[] = {"dimension", "key", "year", "demand", "supply", "ratio", "flag", "trend"};
    struct {
        const char *cells[8];
    } want[] = {
        /* 510203: 100/100 in 2025; 200 + 12/2 = 206 against 100 in 2026 */
        {{"major", "460301", "2026", "6", "40", "0.15", "surplus", ""}},
        {{"major", "510203", "2025", "100", "100", "1.00", "", ""}},
        {{"major", "510203", "2026", "206", "100", "2.06", "shortage", "rising"}},
        /* 510203's demand is mostly posted in information technology, 460301's
         * only in semiconductors */
        {{"cluster", "INFORMATION_TECH", "2025", "100", "100", "1.00", "", ""}},
        {{"cluster", "INFORMATION_TECH", "2026", "200", "100", "2.00", "shortage", "rising"}},
        {{"cluster", "SEMICONDUCTOR_OPTO", "2026", "12", "40", "0.30", "surplus", ""}},
        /* the school's county is in its credit code: 140403 */
        {{"county", "140403", "2025", "100", "100", "1.00", "", ""}},
        {{"county", "140403", "2026", "200", "140", "1.43", "", "rising"}},
        {{"county", "140404", "2026", "12", "0", "-", "shortage", ""}},
    };
    size_t nwant = sizeof want / sizeof *want;
    assert_int_equal(r->n_rows, nwant);
    for (size_t i = 0; i < nwant; i++)
        for (size_t c = 0; c < 8; c++)
            if (strcmp(r->rows[i]->cells[c], want[i].cells[c]) != 0)
                fail_msg("row %zu %s: got \"%s\", want \"%s\"", i, col[c],
                         r->rows[i]->cells[c], want[i].cells[c]);
    assert_int_equal(used(r, "programme_record"), 3);
    assert_int_equal(used(r, "job"), 2);
    /* lines about no one institution: a college sees none */
    cjx_report_restrict(r, "12140403MA0000000X");
    assert_int_equal(r->n_rows, 0);
}

/* ---- §14 subsidy ---- */

static void claim(fixture *f, const char *ent, const char *who, const char *start, int months,
                  const char *cert, const char *before, const char *after, const char *done)
{
    char json[768];
    snprintf(json, sizeof json,
             "{\"record\":{\"ref\":\"TC-%llu\",\"year\":2026,\"training_completion\":{"
             "\"trainee\":{\"pseudonym\":\"%s\"},\"enterprise_credit_code\":\"%s\","
             "\"certificate_name\":\"%s\",\"skill_level_before\":\"%s\","
             "\"skill_level_after\":\"%s\",\"contract_start_date\":\"%s\","
             "\"contract_months\":%d,\"completion_date\":\"%s\"}}}",
             (unsigned long long)f->seq, who, ent, cert, before, after, start, months, done);
    add(f, ent, json);
}

static void test_subsidy(void **state)
{
    fixture *f = *state;
    census(f, "E1", 2026, "\"size\":\"SIZE_SMALL\"");
    census(f, "E2", 2026, "\"size\":\"SIZE_LARGE\"");
    const char *N = "SKILL_NONE";
    /* exactly 6 months; the certificate on day 365: 600 */
    claim(f, "E1", "p:a", "2025-01-10", 6, "电工", N, N, "2026-01-10");
    /* day 366: 300 */
    claim(f, "E1", "p:b", "2025-01-10", 6, "电工", N, N, "2026-01-11");
    /* across 29 February 2024: day 366 is the anniversary (600), day 367 is not */
    claim(f, "E1", "p:c", "2023-06-01", 12, "焊工", N, N, "2024-06-01");
    claim(f, "E1", "p:d", "2023-06-01", 12, "焊工", N, N, "2024-06-02");
    /* a start on 29 February ends on 28 February */
    claim(f, "E1", "p:e", "2024-02-29", 12, "焊工", N, N, "2025-02-28");
    claim(f, "E1", "p:f", "2024-02-29", 12, "焊工", N, N, "2025-03-01");
    /* 5 months: nothing */
    claim(f, "E1", "p:g", "2025-03-01", 5, "电工", N, N, "2025-09-01");
    /* the first hire claimed again: a duplicate, nothing */
    claim(f, "E1", "p:a", "2025-01-10", 6, "电工", N, N, "2026-01-10");
    /* a skill level gained (none → level 5): 600; a level lost (4 → 5): 300 */
    claim(f, "E1", "p:h", "2025-03-01", 12, "", N, "SKILL_LEVEL_5", "2025-09-01");
    claim(f, "E1", "p:i", "2025-03-01", 12, "", "SKILL_LEVEL_4", "SKILL_LEVEL_5", "2025-09-01");
    /* a large enterprise; one with no census */
    claim(f, "E2", "p:j", "2025-03-01", 12, "电工", N, N, "2025-09-01");
    claim(f, "E3", "p:k", "2025-03-01", 12, "电工", N, N, "2025-09-01");
    /* not a claim: no contract */
    claim(f, "E1", "p:l", "", 0, "电工", N, N, "2025-09-01");
    Cjx__Report *r = run(f, "subsidy", 2026);
    const char *amount[][2] = {{"TC-2", "600"}, {"TC-3", "300"},  {"TC-4", "600"},
                               {"TC-5", "300"}, {"TC-6", "600"},  {"TC-7", "300"},
                               {"TC-8", "0"},   {"TC-9", "0"},    {"TC-10", "600"},
                               {"TC-11", "300"}, {"TC-12", "0"},  {"TC-13", "0"}};
    for (size_t i = 0; i < sizeof amount / sizeof *amount; i++) {
        const char *e = i == 10 ? "E2" : i == 11 ? "E3" : "E1";
        assert_string_equal(cell(r, e, amount[i][0], "amount_yuan"), amount[i][1]);
    }
    assert_string_equal(cell(r, "E1", "TC-9", "status"), "duplicate claim of this hire");
    assert_string_equal(cell(r, "E1", "TC-8", "status"),
                        "not eligible: no contract of 6 months or more");
    assert_string_equal(cell(r, "E2", "TC-12", "status"),
                        "not eligible: not a small or micro enterprise");
    assert_string_equal(cell(r, "E3", "TC-13", "status"),
                        "not eligible: enterprise size unknown (no census)");
    /* E1: 8 base (2,400) + 4 bonus (1,200) = 3,600; 9 hires, 10 claims */
    assert_string_equal(cell(r, "E1", "all", "base_yuan"), "2400");
    assert_string_equal(cell(r, "E1", "all", "bonus_yuan"), "1200");
    assert_string_equal(cell(r, "E1", "all", "amount_yuan"), "3600");
    assert_string_equal(cell(r, "E1", "all", "status"), "9 hires, 10 claims, 1 duplicate");
    assert_string_equal(cell(r, "total", "all", "amount_yuan"), "3600");
    assert_string_equal(list(r->non_compliant, r->n_non_compliant), "E1");
    assert_int_equal(used(r, "training_completion"), 12);
}

/* ---- colleges for a posting ---- */

static void intern(fixture *f, const char *college, const char *ent)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"record\":{\"ref\":\"I-%llu\",\"year\":2025,\"internship_placement\":{"
             "\"student\":{\"pseudonym\":\"p:%llu\"},\"college_credit_code\":\"%s\","
             "\"enterprise_credit_code\":\"%s\"}}}",
             (unsigned long long)f->seq, (unsigned long long)f->seq, college, ent);
    add(f, college, json);
}

static Cjx__Report *match(fixture *f, const char *posting, const char *asker)
{
    cjx_report_input in = {.year = 2026, .min_cell = 5, .records = f->rec, .nrecords = f->nrec,
                           .postings = f->post, .npostings = f->npost, .registry = f->reg,
                           .nregistry = f->nreg, .posting = posting, .asker = asker};
    if (f->r)
        cjx__report__free_unpacked(f->r, NULL);
    f->r = NULL;
    assert_int_equal(cjx_report_compute(cjx_report_find("colleges-for-posting"), &in, &f->r),
                     CJX_OK);
    return f->r;
}

static void test_colleges_for_posting(void **state)
{
    fixture *f = *state;
    add(f, "E1", "{\"posting\":{\"ref\":\"J1\",\"title\":\"软件工程师\","
                 "\"publisher_credit_code\":\"E1\",\"major_codes\":[\"510203\"],"
                 "\"job\":{\"headcount\":2}}}");
    programme(f, "S1", "510203", 2026, 2000, 1000, 2026, 40); /* the same major: 40 */
    programme(f, "S2", "510201", 2026, 2000, 1000, 2026, 30); /* the same class: 15 */
    programme(f, "S2", "510203", 2025, 2000, 1000, 2025, 99); /* graduating another year */
    programme(f, "S3", "520201", 2026, 2000, 1000, 2026, 80); /* another class */
    for (int i = 0; i < 4; i++)                               /* 4 with E1: 40, shown <5 */
        intern(f, "S2", "E1");
    intern(f, "S1", "E2");                                    /* with another enterprise */
    Cjx__Report *r = match(f, "E1/J1", "");
    assert_int_equal(r->n_rows, 2);
    assert_string_equal(r->rows[0]->cells[0], "S2");          /* 15 + 40 before 40 */
    assert_string_equal(cell(r, "S2", NULL, "same_class_graduates"), "30");
    assert_string_equal(cell(r, "S2", NULL, "same_major_graduates"), "0");
    assert_string_equal(cell(r, "S2", NULL, "placed_with_enterprise"), "<5");
    assert_string_equal(cell(r, "S2", NULL, "score"), "55.0");
    assert_string_equal(cell(r, "S1", NULL, "same_major_graduates"), "40");
    assert_string_equal(cell(r, "S1", NULL, "placed_with_enterprise"), "0");
    r = match(f, "E1/J1", "E2");                              /* another enterprise asks */
    assert_string_equal(cell(r, "S2", NULL, "placed_with_enterprise"), "-");
    assert_string_equal(cell(r, "S2", NULL, "score"), "55.0");
    r = match(f, "E1/NOSUCH", "");
    assert_int_equal(r->n_rows, 0);
    assert_true(r->n_notes >= 1 && strstr(r->notes[0], "no posting"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cells_and_dates),
        cmocka_unit_test_setup_teardown(test_internship_ratio, setup, teardown),
        cmocka_unit_test_setup_teardown(test_teacher_practice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_training_fund, setup, teardown),
        cmocka_unit_test_setup_teardown(test_practice_hours, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotating_posts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_employment_quality, setup, teardown),
        cmocka_unit_test_setup_teardown(test_supply_demand, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subsidy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_colleges_for_posting, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

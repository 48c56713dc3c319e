/* validate_test.c — unit tests for item validation (core/validate.c and
 * core/validate_rules.c), one test per rule, against the real catalogues in
 * config/ (CJX_CONFIG_DIR from the environment, else the source tree).
 *
 * Items are built from the generated C structs: one fixture holds a valid
 * message of every kind the tests use, and each test breaks one thing and
 * checks the code and the field path of the fault.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.pb-c.h"
#include "validate.h"
#include "validate_rules.h"

static cjx_validator V;

/* ---- fixture ---- */

typedef struct fx {
    Cjx__Item item;
    Cjx__Posting posting;
    Cjx__JobPosting job;
    Cjx__InternshipPosting internship;
    Cjx__TrainingCourse course;
    Cjx__Notice notice;
    Cjx__Record record;
    Cjx__GraduateOutcome outcome;
    Cjx__EnterpriseCensus census;
    Cjx__ProgrammeRecord programme;
    Cjx__TrainingCompletion completion;
    Cjx__InternshipPlacement placement;
    Cjx__Person person;
    char *majors[2];
    char text[20000];
} fx;

#define ENTERPRISE "91110000101623741K"

/* Fills *x with valid messages; the item is a job posting. */
static void fx_init(fx *x)
{
    memset(x, 0, sizeof *x);
    cjx__item__init(&x->item);
    cjx__posting__init(&x->posting);
    x->posting.ref = "HR-2026-0107";
    x->posting.title = "数控车工";
    x->posting.description = "负责数控车床操作与日常保养。";
    x->posting.requirements = "中职及以上学历，持数控车工证书。";
    x->posting.division_code = "140404";
    x->posting.industry_code = "3421";
    x->posting.publisher_credit_code = ENTERPRISE;
    x->posting.valid_from = "2026-03-01";
    x->posting.valid_until = "2026-06-30";
    x->posting.cluster = CJX__CLUSTER__CLUSTER_MILITARY_CIVIL;
    x->majors[0] = "460103";
    x->majors[1] = "460301";
    x->posting.n_major_codes = 2;
    x->posting.major_codes = x->majors;
    cjx__job_posting__init(&x->job);
    x->job.headcount = 3;
    x->job.employer_name = "长治某机械有限公司";
    x->job.content = "按图纸加工零件";
    x->job.pay_min_yuan = 4500;
    x->job.pay_max_yuan = 6500;
    x->job.contract_months = 36;
    cjx__internship_posting__init(&x->internship);
    x->internship.headcount = 10;
    x->internship.duration_months = 6;
    cjx__training_course__init(&x->course);
    x->course.hours = 80;
    x->course.skill_level = CJX__SKILL_LEVEL__SKILL_LEVEL_4;
    x->course.start_date = "2026-04-01";
    x->course.end_date = "2026-05-31";
    cjx__notice__init(&x->notice);
    x->notice.body = "招生简章已发布。";
    x->item.body_case = CJX__ITEM__BODY_POSTING;
    x->item.posting = &x->posting;
    x->posting.detail_case = CJX__POSTING__DETAIL_JOB;
    x->posting.job = &x->job;

    cjx__record__init(&x->record);
    x->record.ref = "GO-2025-0031";
    x->record.year = 2025;
    x->record.purpose = "毕业生就业质量年度报告";
    cjx__person__init(&x->person);
    x->person.pseudonym = "p-3f9a0c";
    x->person.birth_year = 2003;
    cjx__graduate_outcome__init(&x->outcome);
    x->outcome.graduate = &x->person;
    x->outcome.school_credit_code = ENTERPRISE;
    x->outcome.major_code = "520201";
    x->outcome.graduation_year = 2025;
    x->outcome.destination_code = "10";
    x->outcome.employer_division_code = "140403";
    x->outcome.employer_industry_code = "Q";
    cjx__enterprise_census__init(&x->census);
    x->census.enterprise_credit_code = ENTERPRISE;
    x->census.employees = 1200;
    x->census.technical_posts = 300;
    x->census.internship_posts = 30;
    x->census.training_fund_spent_yuan = 100000;
    x->census.training_fund_front_line_yuan = 60000;
    cjx__programme_record__init(&x->programme);
    x->programme.school_credit_code = ENTERPRISE;
    x->programme.major_code = "460301";
    x->programme.total_hours = 2600;
    x->programme.practice_hours = 1400;
    cjx__training_completion__init(&x->completion);
    x->completion.trainee = &x->person;
    x->completion.enterprise_credit_code = ENTERPRISE;
    x->completion.completion_date = "2025-11-20";
    x->completion.skill_level_before = CJX__SKILL_LEVEL__SKILL_LEVEL_5;
    x->completion.skill_level_after = CJX__SKILL_LEVEL__SKILL_LEVEL_4;
    cjx__internship_placement__init(&x->placement);
    x->placement.student = &x->person;
    x->placement.college_credit_code = ENTERPRISE;
    x->placement.enterprise_credit_code = ENTERPRISE;
    x->placement.start_date = "2025-09-01";
}

/* Makes the item a posting of the given detail (a message inside x). */
static void fx_posting(fx *x, Cjx__Posting__DetailCase kind, void *detail)
{
    x->item.body_case = CJX__ITEM__BODY_POSTING;
    x->item.posting = &x->posting;
    x->posting.detail_case = kind;
    x->posting.job = detail;         /* the detail members share a union */
}

/* Makes the item a record of the given detail. */
static void fx_record(fx *x, Cjx__Record__DetailCase kind, void *detail)
{
    x->item.body_case = CJX__ITEM__BODY_RECORD;
    x->item.record = &x->record;
    x->record.detail_case = kind;
    x->record.internship_placement = detail;
}

/* Validates x's item and checks the code and field path of the outcome. */
#define expect(x, code, field) expect_at(x, code, field, __LINE__)
static cjx_fault expect_at(fx *x, cjx_err code, const char *field, int line)
{
    cjx_fault f;
    memset(&f, 0, sizeof f);
    cjx_err rc = cjx_validate_item(&V, &x->item, &f);
    if (rc != code || strcmp(f.field, field) != 0)
        print_error("line %d: want %s at \"%s\", got %s at \"%s\": %s\n", line,
                    cjx_err_name(code), field, cjx_err_name(rc), f.field,
                    f.text);
    assert_int_equal(rc, code);
    assert_string_equal(f.field, field);
    if (code)
        assert_int_equal(f.code, code);
    return f;
}

/* A string of n copies of the UTF-8 character c, in x->text. */
static char *repeat(fx *x, const char *c, size_t n)
{
    size_t len = strlen(c);
    assert_true(n * len < sizeof x->text);
    for (size_t i = 0; i < n; i++)
        memcpy(x->text + i * len, c, len);
    x->text[n * len] = '\0';
    return x->text;
}

/* ---- tests ---- */

static void test_valid_items(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    expect(&x, CJX_OK, "");
    fx_posting(&x, CJX__POSTING__DETAIL_INTERNSHIP, &x.internship);
    expect(&x, CJX_OK, "");
    fx_posting(&x, CJX__POSTING__DETAIL_TRAINING_COURSE, &x.course);
    expect(&x, CJX_OK, "");
    fx_posting(&x, CJX__POSTING__DETAIL_NOTICE, &x.notice);
    expect(&x, CJX_OK, "");
    fx_record(&x, CJX__RECORD__DETAIL_GRADUATE_OUTCOME, &x.outcome);
    expect(&x, CJX_OK, "");
    fx_record(&x, CJX__RECORD__DETAIL_ENTERPRISE_CENSUS, &x.census);
    expect(&x, CJX_OK, "");
    fx_record(&x, CJX__RECORD__DETAIL_PROGRAMME_RECORD, &x.programme);
    expect(&x, CJX_OK, "");
    fx_record(&x, CJX__RECORD__DETAIL_TRAINING_COMPLETION, &x.completion);
    expect(&x, CJX_OK, "");
    fx_record(&x, CJX__RECORD__DETAIL_INTERNSHIP_PLACEMENT, &x.placement);
    expect(&x, CJX_OK, "");
}

static void test_item_kind(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    assert_string_equal(cjx_item_kind(&x.item), "job");
    fx_posting(&x, CJX__POSTING__DETAIL_TRAINING_COURSE, &x.course);
    assert_string_equal(cjx_item_kind(&x.item), "training_course");
    fx_record(&x, CJX__RECORD__DETAIL_GRADUATE_OUTCOME, &x.outcome);
    assert_string_equal(cjx_item_kind(&x.item), "graduate_outcome");
    x.record.detail_case = CJX__RECORD__DETAIL__NOT_SET;
    assert_null(cjx_item_kind(&x.item));
    x.item.body_case = CJX__ITEM__BODY__NOT_SET;
    assert_null(cjx_item_kind(&x.item));
    assert_null(cjx_item_kind(NULL));
}

static void test_missing_kind(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    x.item.body_case = CJX__ITEM__BODY__NOT_SET;
    expect(&x, CJX_EKIND, "");
    fx_init(&x);
    x.posting.detail_case = CJX__POSTING__DETAIL__NOT_SET;
    cjx_fault f = expect(&x, CJX_EKIND, "posting");
    assert_non_null(strstr(f.text, "job, internship"));
    fx_record(&x, CJX__RECORD__DETAIL__NOT_SET, NULL);
    expect(&x, CJX_EKIND, "record");
    fx_posting(&x, CJX__POSTING__DETAIL_JOB, NULL);    /* case without body */
    expect(&x, CJX_EKIND, "posting");
    assert_int_equal(cjx_validate_item(&V, NULL, NULL), CJX_EINVAL);
}

static void test_required(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    x.posting.title = "";
    expect(&x, CJX_EREQUIRED, "posting.title");
    x.posting.title = "  \t";
    expect(&x, CJX_EREQUIRED, "posting.title");
    fx_init(&x);
    x.posting.valid_until = "";
    expect(&x, CJX_EREQUIRED, "posting.valid_until");
    fx_init(&x);
    x.posting.division_code = "";
    expect(&x, CJX_EREQUIRED, "posting.division_code");
    fx_init(&x);
    x.job.employer_name = "";
    expect(&x, CJX_EREQUIRED, "posting.job.employer_name");
    fx_init(&x);
    x.job.pay_min_yuan = 0;
    expect(&x, CJX_EREQUIRED, "posting.job.pay_min_yuan");
    fx_init(&x);
    fx_record(&x, CJX__RECORD__DETAIL_GRADUATE_OUTCOME, &x.outcome);
    x.record.year = 0;
    expect(&x, CJX_EREQUIRED, "record.year");
    fx_init(&x);
    fx_record(&x, CJX__RECORD__DETAIL_GRADUATE_OUTCOME, &x.outcome);
    x.outcome.destination_code = "";
    expect(&x, CJX_EREQUIRED, "record.graduate_outcome.destination_code");
    x.outcome.graduate = NULL;
    expect(&x, CJX_EREQUIRED, "record.graduate_outcome.graduate");
    fx_init(&x);
    fx_record(&x, CJX__RECORD__DETAIL_ENTERPRISE_CENSUS, &x.census);
    x.census.employees = 0;
    expect(&x, CJX_EREQUIRED, "record.enterprise_census.employees");
    fx_init(&x);
    fx_record(&x, CJX__RECORD__DETAIL_TRAINING_COMPLETION, &x.completion);
    x.completion.completion_date = "";
    expect(&x, CJX_EREQUIRED, "record.training_completion.completion_date");
    fx_init(&x);
    fx_posting(&x, CJX__POSTING__DETAIL_NOTICE, &x.notice);
    x.notice.body = "";
    expect(&x, CJX_EREQUIRED, "posting.notice.body");
}

static void test_length(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    x.posting.title = repeat(&x, "长", 120);      /* 360 bytes, 120 chars */
    expect(&x, CJX_OK, "");
    x.posting.title = repeat(&x, "长", 121);
    cjx_fault f = expect(&x, CJX_ELENGTH, "posting.title");
    assert_non_null(strstr(f.text, "121"));
    fx_init(&x);
    x.posting.address = repeat(&x, "a", 200);
    expect(&x, CJX_OK, "");
    x.posting.address = repeat(&x, "a", 201);
    expect(&x, CJX_ELENGTH, "posting.address");
    fx_init(&x);
    x.job.content = repeat(&x, "工", 4000);
    expect(&x, CJX_OK, "");
    x.job.content = repeat(&x, "工", 4001);
    expect(&x, CJX_ELENGTH, "posting.job.content");
    fx_init(&x);
    x.posting.address = "\xE9\x95";               /* truncated 长 */
    expect(&x, CJX_EMALFORMED, "posting.address");
    x.posting.address = "\xC0\xAF";               /* overlong '/' */
    expect(&x, CJX_EMALFORMED, "posting.address");
    x.posting.address = "\xED\xA0\x80";           /* surrogate */
    expect(&x, CJX_EMALFORMED, "posting.address");
    x.posting.address = "\xE0\x80\xAF";           /* overlong, 3 bytes */
    expect(&x, CJX_EMALFORMED, "posting.address");
    x.posting.address = "\xF0\x80\x80\xAF";       /* overlong, 4 bytes */
    expect(&x, CJX_EMALFORMED, "posting.address");
    x.posting.address = "\xF4\x90\x80\x80";       /* above U+10FFFF */
    expect(&x, CJX_EMALFORMED, "posting.address");
    x.posting.address = "\xF0\x9F\x8F\xAD 长治";  /* 4-byte character */
    expect(&x, CJX_OK, "");
}

static void test_enum_range(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    x.posting.cluster = (Cjx__Cluster)99;
    cjx_fault f = expect(&x, CJX_ERANGE, "posting.cluster");
    assert_non_null(strstr(f.text, "99"));
    fx_init(&x);
    x.posting.status = (Cjx__PostingStatus)-1;
    expect(&x, CJX_ERANGE, "posting.status");
    fx_init(&x);
    fx_posting(&x, CJX__POSTING__DETAIL_TRAINING_COURSE, &x.course);
    x.course.skill_level = (Cjx__SkillLevel)6;
    expect(&x, CJX_ERANGE, "posting.training_course.skill_level");

    /* proto3 keeps unknown enum values it reads off the wire */
    fx_init(&x);
    x.posting.cluster = (Cjx__Cluster)42;
    uint8_t buf[2048];
    size_t n = cjx__item__pack(&x.item, buf);
    Cjx__Item *in = cjx__item__unpack(NULL, n, buf);
    assert_non_null(in);
    assert_int_equal(in->posting->cluster, 42);
    cjx_fault g = {0};
    assert_int_equal(cjx_validate_item(&V, in, &g), CJX_ERANGE);
    assert_string_equal(g.field, "posting.cluster");
    cjx__item__free_unpacked(in, NULL);
}

static void test_negative_count(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    x.job.contract_months = -1;
    cjx_fault f = expect(&x, CJX_ERANGE, "posting.job.contract_months");
    assert_non_null(strstr(f.text, "negative"));
    fx_init(&x);
    fx_record(&x, CJX__RECORD__DETAIL_ENTERPRISE_CENSUS, &x.census);
    x.census.wage_bill_yuan = -5;
    expect(&x, CJX_ERANGE, "record.enterprise_census.wage_bill_yuan");
    fx_init(&x);
    x.record.retention_days = -30;
    fx_record(&x, CJX__RECORD__DETAIL_ENTERPRISE_CENSUS, &x.census);
    expect(&x, CJX_ERANGE, "record.retention_days");
}

static void test_year_range(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    fx_record(&x, CJX__RECORD__DETAIL_GRADUATE_OUTCOME, &x.outcome);
    x.record.year = 1800;
    expect(&x, CJX_ERANGE, "record.year");
    x.record.year = 2025;
    x.outcome.graduation_year = 20250;
    expect(&x, CJX_ERANGE, "record.graduate_outcome.graduation_year");
    x.outcome.graduation_year = 2025;
    x.person.birth_year = 0;                       /* not stated: fine */
    expect(&x, CJX_OK, "");
}

static void test_division(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    const char *ok[] = {"140400", "140431", "140000", "110105", "820000"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        x.posting.division_code = (char *)ok[i];
        expect(&x, CJX_OK, "");
    }
    x.posting.division_code = "140499";
    cjx_fault f = expect(&x, CJX_EDIVISION, "posting.division_code");
    assert_non_null(strstr(f.text, "140499"));
    x.posting.division_code = "140402";            /* 城区, gone since 2019 */
    expect(&x, CJX_EDIVISION, "posting.division_code");
    fx_init(&x);
    fx_record(&x, CJX__RECORD__DETAIL_GRADUATE_OUTCOME, &x.outcome);
    x.outcome.employer_division_code = "1404";
    expect(&x, CJX_EDIVISION, "record.graduate_outcome.employer_division_code");
}

static void test_major(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    x.majors[1] = "999999";
    cjx_fault f = expect(&x, CJX_EMAJOR, "posting.major_codes[1]");
    assert_non_null(strstr(f.text, "999999"));
    x.majors[0] = "460302X";
    expect(&x, CJX_EMAJOR, "posting.major_codes[0]");
    fx_init(&x);
    fx_record(&x, CJX__RECORD__DETAIL_PROGRAMME_RECORD, &x.programme);
    x.programme.major_code = "520101K";
    expect(&x, CJX_OK, "");
    x.programme.major_code = "520101";             /* the K is part of it */
    expect(&x, CJX_EMAJOR, "record.programme_record.major_code");
}

static void test_code_fields(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    x.posting.publisher_credit_code = "91110000101623741A";
    cjx_fault f = expect(&x, CJX_ECHECKCHAR, "posting.publisher_credit_code");
    assert_non_null(strstr(f.text, "91110000101623741A"));
    fx_init(&x);
    x.posting.industry_code = "Z";
    expect(&x, CJX_ECODE, "posting.industry_code");
    fx_init(&x);
    fx_record(&x, CJX__RECORD__DETAIL_GRADUATE_OUTCOME, &x.outcome);
    x.outcome.destination_code = "99";
    expect(&x, CJX_ECODE, "record.graduate_outcome.destination_code");
    x.outcome.destination_code = "80";
    x.outcome.employer_industry_code = "98";
    expect(&x, CJX_ECODE, "record.graduate_outcome.employer_industry_code");
    fx_init(&x);
    fx_record(&x, CJX__RECORD__DETAIL_INTERNSHIP_PLACEMENT, &x.placement);
    x.placement.enterprise_credit_code = "91000000101623741K";
    expect(&x, CJX_EDIVISION, "record.internship_placement.enterprise_credit_code");
    /* values shown in the text lose their control characters */
    x.placement.enterprise_credit_code = "BAD\nCODE";
    f = expect(&x, CJX_ECODE, "record.internship_placement.enterprise_credit_code");
    assert_non_null(strstr(f.text, "BAD?CODE"));
}

static void test_dates(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    x.posting.valid_from = "2026/3/1";
    cjx_fault f = expect(&x, CJX_EDATE, "posting.valid_from");
    assert_non_null(strstr(f.text, "2026/3/1"));
    fx_init(&x);
    x.posting.valid_until = "2026-02-29";
    expect(&x, CJX_EDATE, "posting.valid_until");
    x.posting.valid_from = "2024-02-29";
    x.posting.valid_until = "2024-03-01";
    expect(&x, CJX_OK, "");
    fx_init(&x);
    fx_record(&x, CJX__RECORD__DETAIL_TRAINING_COMPLETION, &x.completion);
    x.completion.contract_start_date = "2025-9-1";
    expect(&x, CJX_EDATE, "record.training_completion.contract_start_date");
}

static void test_date_order(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    x.posting.valid_until = "2026-02-28";
    cjx_fault f = expect(&x, CJX_EDATE, "posting.valid_until");
    assert_non_null(strstr(f.text, "after valid_from"));
    x.posting.valid_until = x.posting.valid_from;  /* must be after */
    expect(&x, CJX_EDATE, "posting.valid_until");
    fx_init(&x);
    fx_posting(&x, CJX__POSTING__DETAIL_TRAINING_COURSE, &x.course);
    x.course.end_date = "2026-03-31";
    expect(&x, CJX_EDATE, "posting.training_course.end_date");
    x.course.end_date = x.course.start_date;       /* one-day course */
    expect(&x, CJX_OK, "");
    x.course.start_date = "";                      /* only one: no order */
    expect(&x, CJX_OK, "");
    fx_init(&x);
    fx_record(&x, CJX__RECORD__DETAIL_INTERNSHIP_PLACEMENT, &x.placement);
    x.placement.end_date = "2025-08-31";
    expect(&x, CJX_EDATE, "record.internship_placement.end_date");
}

static void test_headcount(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    x.job.headcount = 0;
    expect(&x, CJX_EREQUIRED, "posting.job.headcount");
    fx_posting(&x, CJX__POSTING__DETAIL_INTERNSHIP, &x.internship);
    x.internship.headcount = 0;
    expect(&x, CJX_EREQUIRED, "posting.internship.headcount");
    x.internship.headcount = -2;
    expect(&x, CJX_ERANGE, "posting.internship.headcount");
    x.internship.headcount = 1;
    expect(&x, CJX_OK, "");
}

static void test_pay_order(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    x.job.pay_max_yuan = 4000;
    cjx_fault f = expect(&x, CJX_ERANGE, "posting.job.pay_max_yuan");
    assert_non_null(strstr(f.text, "pay_min_yuan"));
    x.job.pay_max_yuan = x.job.pay_min_yuan;
    expect(&x, CJX_OK, "");
    x.job.pay_max_yuan = 0;                        /* no maximum stated */
    expect(&x, CJX_OK, "");
}

static void test_hours_posts_funds(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    fx_record(&x, CJX__RECORD__DETAIL_PROGRAMME_RECORD, &x.programme);
    x.programme.practice_hours = 2601;
    expect(&x, CJX_ERANGE, "record.programme_record.practice_hours");
    x.programme.practice_hours = 2600;
    expect(&x, CJX_OK, "");
    fx_record(&x, CJX__RECORD__DETAIL_ENTERPRISE_CENSUS, &x.census);
    x.census.technical_posts = 1201;
    expect(&x, CJX_ERANGE, "record.enterprise_census.technical_posts");
    x.census.technical_posts = 1200;               /* every post technical */
    expect(&x, CJX_OK, "");
    x.census.training_fund_front_line_yuan = 100000;
    expect(&x, CJX_OK, "");
    x.census.training_fund_front_line_yuan = 100001;
    expect(&x, CJX_ERANGE,
           "record.enterprise_census.training_fund_front_line_yuan");
    x.census.training_fund_spent_yuan = 0;         /* spent nothing at all */
    expect(&x, CJX_ERANGE,
           "record.enterprise_census.training_fund_front_line_yuan");
}

static void test_skill_levels(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    fx_record(&x, CJX__RECORD__DETAIL_TRAINING_COMPLETION, &x.completion);
    x.completion.skill_level_before = CJX__SKILL_LEVEL__SKILL_LEVEL_4;
    x.completion.skill_level_after = CJX__SKILL_LEVEL__SKILL_LEVEL_5;
    cjx_fault f = expect(&x, CJX_ERANGE,
                         "record.training_completion.skill_level_after");
    assert_non_null(strstr(f.text, "SKILL_LEVEL_4"));
    x.completion.skill_level_after = CJX__SKILL_LEVEL__SKILL_NONE;
    expect(&x, CJX_ERANGE, "record.training_completion.skill_level_after");
    x.completion.skill_level_before = CJX__SKILL_LEVEL__SKILL_NONE;
    x.completion.skill_level_after = CJX__SKILL_LEVEL__SKILL_LEVEL_5;
    expect(&x, CJX_OK, "");
    x.completion.skill_level_before = CJX__SKILL_LEVEL__SKILL_LEVEL_3;
    x.completion.skill_level_after = CJX__SKILL_LEVEL__SKILL_LEVEL_1;
    expect(&x, CJX_OK, "");
    x.completion.skill_level_after = CJX__SKILL_LEVEL__SKILL_LEVEL_3;
    expect(&x, CJX_OK, "");
}

static void test_discriminatory_wording(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    x.posting.title = "数控车工（男性优先）";
    cjx_fault f = expect(&x, CJX_EWORDING, "posting.title");
    assert_non_null(strstr(f.text, "男性优先"));
    fx_init(&x);
    x.posting.requirements = "年龄35岁以下，未婚。";
    f = expect(&x, CJX_EWORDING, "posting.requirements");
    assert_non_null(strstr(f.text, "未婚"));
    fx_init(&x);
    x.job.content = "限本地户口，需体检（含乙肝）";
    f = expect(&x, CJX_EWORDING, "posting.job.content");
    assert_non_null(strstr(f.text, "限本地户口"));
    fx_init(&x);
    fx_posting(&x, CJX__POSTING__DETAIL_INTERNSHIP, &x.internship);
    x.posting.description = "仅限女生";
    expect(&x, CJX_EWORDING, "posting.description");
    /* neutral wording passes; notices recruit no one */
    fx_init(&x);
    x.posting.requirements = "性别不限，不限男女，欢迎应届毕业生。";
    expect(&x, CJX_OK, "");
    fx_posting(&x, CJX__POSTING__DETAIL_NOTICE, &x.notice);
    x.posting.title = "关于未婚青年联谊活动的通知";
    expect(&x, CJX_OK, "");
}

static void test_job_requirements(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    x.posting.requirements = "";
    expect(&x, CJX_EREQUIRED, "posting.requirements");
    fx_posting(&x, CJX__POSTING__DETAIL_INTERNSHIP, &x.internship);
    expect(&x, CJX_OK, "");
}

static void test_nested_person(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    fx_record(&x, CJX__RECORD__DETAIL_GRADUATE_OUTCOME, &x.outcome);
    x.person.pii_id_number = "110105194912310021";
    cjx_fault f = expect(&x, CJX_ECHECKCHAR,
                         "record.graduate_outcome.graduate.pii_id_number");
    assert_null(strstr(f.text, "110105194912310021"));   /* never echoed */
    assert_null(strstr(f.text, "1101051949"));
    x.person.pii_id_number = "11010519491231002X";
    expect(&x, CJX_OK, "");
    x.person.pseudonym = "";                       /* ID alone is enough */
    expect(&x, CJX_OK, "");
    x.person.pii_id_number = "";
    f = expect(&x, CJX_EREQUIRED, "record.graduate_outcome.graduate");
    assert_non_null(strstr(f.text, "pseudonym"));
    fx_record(&x, CJX__RECORD__DETAIL_TRAINING_COMPLETION, &x.completion);
    expect(&x, CJX_EREQUIRED, "record.training_completion.trainee");
}

static void test_repeated_limit(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    char *many[65];
    for (size_t i = 0; i < 65; i++)
        many[i] = "460301";
    x.posting.major_codes = many;
    x.posting.n_major_codes = 64;
    expect(&x, CJX_OK, "");
    x.posting.n_major_codes = 65;
    expect(&x, CJX_ELENGTH, "posting.major_codes");
}

static void test_personal_field(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *d = &cjx__person__descriptor;
    assert_true(cjx_field_is_personal(
        protobuf_c_message_descriptor_get_field_by_name(d, "pii_name")));
    assert_true(cjx_field_is_personal(
        protobuf_c_message_descriptor_get_field_by_name(d, "pii_id_number")));
    assert_false(cjx_field_is_personal(
        protobuf_c_message_descriptor_get_field_by_name(d, "pseudonym")));
    assert_false(cjx_field_is_personal(NULL));
}

static void test_open_and_catalogues(void **state)
{
    (void)state;
    cjx_validator v = {0};
    cjx_fault f = {0};
    assert_int_equal(cjx_validator_open(&v, "/nonexistent/cjx", &f), CJX_EIO);
    assert_null(v.majors);
    assert_null(v.divisions);
    assert_non_null(strstr(f.text, "majors.csv"));
    cjx_validator_close(&v);
    cjx_validator_close(NULL);

    /* without catalogues, codes that need one are not waved through */
    fx x;
    fx_init(&x);
    memset(&f, 0, sizeof f);
    assert_int_equal(cjx_validate_item(&v, &x.item, &f), CJX_EINVAL);
    assert_string_equal(f.field, "posting.division_code");
    assert_int_equal(cjx_validate_item(NULL, &x.item, &f), CJX_EINVAL);
}

static void test_tables_match_schema(void **state)
{
    (void)state;
    assert_null(cjx_vr_table_check());
}

/* Validates x's item expecting code at field, and checks the whole text. */
#define expect_text(x, code, field, text)                                      \
    expect_text_at(x, code, field, text, __LINE__)
static void expect_text_at(fx *x, cjx_err code, const char *field,
                           const char *text, int line)
{
    cjx_fault f = expect_at(x, code, field, line);
    assert_string_equal(f.text, text);
}

/* Texts are built only when a rule is broken; they must read as before. */
static void test_fault_texts(void **state)
{
    (void)state;
    fx x;
    char want[256];
    fx_init(&x);
    x.job.contract_months = -1;
    expect_text(&x, CJX_ERANGE, "posting.job.contract_months",
                "must not be negative (-1)");
    fx_init(&x);
    x.job.headcount = 0;
    expect_text(&x, CJX_EREQUIRED, "posting.job.headcount",
                "required (0 counts as missing)");
    fx_init(&x);
    x.posting.title = "";
    expect_text(&x, CJX_EREQUIRED, "posting.title", "required");
    fx_init(&x);
    x.posting.title = repeat(&x, "长", 121);
    expect_text(&x, CJX_ELENGTH, "posting.title",
                "121 characters long; at most 120 allowed");
    fx_init(&x);
    x.posting.cluster = (Cjx__Cluster)99;
    expect_text(&x, CJX_ERANGE, "posting.cluster",
                "99 is not a value of cjx.Cluster");
    fx_init(&x);
    x.posting.division_code = "140499";
    snprintf(want, sizeof want,
             "not a valid GB/T 2260 division code (%s): \"140499\"",
             cjx_strerror(CJX_EDIVISION));
    expect_text(&x, CJX_EDIVISION, "posting.division_code", want);
    fx_init(&x);
    x.job.pay_max_yuan = 4000;
    expect_text(&x, CJX_ERANGE, "posting.job.pay_max_yuan",
                "must not be below pay_min_yuan "
                "(pay_min_yuan 4500, pay_max_yuan 4000)");
    fx_init(&x);
    x.posting.valid_until = "2026-02-28";
    expect_text(&x, CJX_EDATE, "posting.valid_until",
                "must be after valid_from "
                "(valid_from 2026-03-01, valid_until 2026-02-28)");
    fx_init(&x);
    x.posting.requirements = "";
    expect_text(&x, CJX_EREQUIRED, "posting.requirements",
                "required in a job posting");
    fx_init(&x);
    x.posting.title = "数控车工（男性优先）";
    expect_text(&x, CJX_EWORDING, "posting.title",
                "contains discriminatory wording \"男性优先\"");
    fx_init(&x);
    x.posting.n_major_codes = 65;
    char *many[65];
    for (size_t i = 0; i < 65; i++)
        many[i] = "460301";
    x.posting.major_codes = many;
    expect_text(&x, CJX_ELENGTH, "posting.major_codes",
                "has 65 entries; at most 64 allowed");
    fx_init(&x);
    fx_record(&x, CJX__RECORD__DETAIL_GRADUATE_OUTCOME, &x.outcome);
    x.record.year = 1800;
    expect_text(&x, CJX_ERANGE, "record.year",
                "must be between 1900 and 2199 (1800)");
    x.record.year = 2025;
    x.person.pseudonym = "";
    expect_text(&x, CJX_EREQUIRED, "record.graduate_outcome.graduate",
                "needs pseudonym or pii_id_number");
    fx_init(&x);
    fx_record(&x, CJX__RECORD__DETAIL_TRAINING_COMPLETION, &x.completion);
    x.completion.skill_level_before = CJX__SKILL_LEVEL__SKILL_LEVEL_4;
    x.completion.skill_level_after = CJX__SKILL_LEVEL__SKILL_LEVEL_5;
    expect_text(&x, CJX_ERANGE, "record.training_completion.skill_level_after",
                "must not be below skill_level_before (skill_level_before "
                "SKILL_LEVEL_4, skill_level_after SKILL_LEVEL_5)");
}

/* The phrase reported is the first of the list the text contains, wherever
 * in the text it is, and a phrase is found at either end of a field. */
static void test_wording_order(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    x.posting.requirements = "未婚，男性优先";
    cjx_fault f = expect(&x, CJX_EWORDING, "posting.requirements");
    assert_non_null(strstr(f.text, "男性优先"));
    x.posting.requirements = "限本地户口优先";
    f = expect(&x, CJX_EWORDING, "posting.requirements");
    assert_non_null(strstr(f.text, "\"限本地户口\""));
    x.posting.requirements = "未育";
    f = expect(&x, CJX_EWORDING, "posting.requirements");
    assert_non_null(strstr(f.text, "未育"));
    x.posting.requirements = "需体检（含乙肝";
    f = expect(&x, CJX_EWORDING, "posting.requirements");
    assert_non_null(strstr(f.text, "乙肝"));
    x.posting.requirements = "男性 优先，未 婚，乙";    /* cut phrases pass */
    expect(&x, CJX_OK, "");
}

/* Paths are written from the walker's segments only for a fault. */
static void test_paths(void **state)
{
    (void)state;
    char buf[CJX_VR_PATH];
    cjx_vr_path(buf, NULL, NULL);
    assert_string_equal(buf, "");
    cjx_vr_path(buf, NULL, "posting");
    assert_string_equal(buf, "posting");
    cjx_vpath a = {NULL, "record", -1}, b = {&a, "graduate_outcome", -1};
    cjx_vpath c = {&b, "codes", 12};
    cjx_vr_path(buf, &c, NULL);
    assert_string_equal(buf, "record.graduate_outcome.codes[12]");
    cjx_vr_path(buf, &c, "name");
    assert_string_equal(buf, "record.graduate_outcome.codes[12].name");

    /* too long: cut to fit, as building it with snprintf cut it */
    cjx_vpath seg[12];
    char full[1024] = "";
    for (int i = 0; i < 12; i++) {
        seg[i] = (cjx_vpath){i ? &seg[i - 1] : NULL, "a_rather_long_field", i};
        snprintf(full + strlen(full), sizeof full - strlen(full), "%s%s[%d]",
                 i ? "." : "", "a_rather_long_field", i);
    }
    cjx_vr_path(buf, &seg[11], "tail");
    assert_int_equal(strlen(buf), CJX_VR_PATH - 1);
    assert_memory_equal(buf, full, CJX_VR_PATH - 1);

    fx x;
    fx_init(&x);
    char *many[13];
    for (size_t i = 0; i < 13; i++)
        many[i] = "460301";
    many[12] = "999999";
    x.posting.major_codes = many;
    x.posting.n_major_codes = 13;
    expect(&x, CJX_EMAJOR, "posting.major_codes[12]");
}

/* Checks that every message field of vm leads to the plan of its type. */
static void check_subs(const cjx_vmsg *vm, int depth)
{
    assert_true(depth < 8);
    for (unsigned i = 0; i < vm->d->n_fields; i++) {
        const cjx_vfield *vf = &vm->fields[i];
        assert_ptr_equal(vf->fd, &vm->d->fields[i]);
        if (vf->fd->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        assert_non_null(vf->sub);
        assert_ptr_equal(vf->sub->d, vf->fd->descriptor);
        assert_ptr_equal(vf->sub, cjx_vr_plan(vf->fd->descriptor));
        check_subs(vf->sub, depth + 1);
    }
}

/* The field of type d called name, as the plan resolved it. */
static const cjx_vfield *planned(const ProtobufCMessageDescriptor *d,
                                 const char *name)
{
    const cjx_vmsg *vm = cjx_vr_plan(d);
    assert_non_null(vm);
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(d, name);
    assert_non_null(fd);
    return &vm->fields[fd - d->fields];
}

/* The plan reaches every type of an item, resolves the rules the tables
 * give by name, and has nothing for types outside the schema. */
static void test_plan(void **state)
{
    (void)state;
    const cjx_vmsg *item = cjx_vr_plan(&cjx__item__descriptor);
    assert_non_null(item);
    check_subs(item, 0);
    assert_null(cjx_vr_plan(&cjx__hello__descriptor));

    assert_int_equal(planned(&cjx__posting__descriptor, "title")->max_chars,
                     120);
    assert_int_equal(planned(&cjx__posting__descriptor, "address")->max_chars,
                     200);
    assert_non_null(
        planned(&cjx__posting__descriptor, "publisher_credit_code")->string);
    assert_null(planned(&cjx__posting__descriptor, "ref")->string);
    assert_non_null(planned(&cjx__record__descriptor, "year")->range);
    assert_null(planned(&cjx__record__descriptor, "retention_days")->range);
    assert_true(planned(&cjx__person__descriptor, "pii_id_number")->personal);
    assert_false(planned(&cjx__person__descriptor, "pseudonym")->personal);
    assert_true(planned(&cjx__posting__descriptor, "job")->recruiting);
    assert_false(planned(&cjx__posting__descriptor, "notice")->recruiting);
    assert_int_equal(
        planned(&cjx__posting__descriptor, "job")->kind_required.n, 1);
    assert_int_equal(cjx_vr_plan(&cjx__posting__descriptor)->required.n, 5);
    assert_int_equal(cjx_vr_plan(&cjx__person__descriptor)->any_of.n, 1);
}

/* A posting is published open, closed by a status change; registry
 * entries are never published. */
static void test_lifecycle(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    x.posting.ref = "";
    expect(&x, CJX_EREQUIRED, "posting.ref");
    fx_init(&x);
    x.posting.status = CJX__POSTING_STATUS__STATUS_FILLED;
    expect(&x, CJX_ERANGE, "posting.status");

    Cjx__StatusChange change = CJX__STATUS_CHANGE__INIT;
    change.ref = "HR-2026-0107";
    change.status = CJX__POSTING_STATUS__STATUS_WITHDRAWN;
    fx_init(&x);
    x.item.body_case = CJX__ITEM__BODY_STATUS_CHANGE;
    x.item.status_change = &change;
    expect(&x, CJX_OK, "");
    assert_string_equal(cjx_item_kind(&x.item), "status_change");
    change.status = CJX__POSTING_STATUS__STATUS_EXPIRED;
    expect(&x, CJX_ERANGE, "status_change.status");
    change.status = CJX__POSTING_STATUS__STATUS_OPEN;
    expect(&x, CJX_EREQUIRED, "status_change.status");
    change.status = CJX__POSTING_STATUS__STATUS_FILLED;
    change.ref = "";
    expect(&x, CJX_EREQUIRED, "status_change.ref");
    change.ref = "HR-2026-0107";
    change.publisher_credit_code = "91140400MA0K7C2D3X";
    expect(&x, CJX_ECHECKCHAR, "status_change.publisher_credit_code");

    Cjx__Institution inst = CJX__INSTITUTION__INIT;
    inst.credit_code = ENTERPRISE;
    inst.name = "长治高新区光电科技有限公司";
    x.item.body_case = CJX__ITEM__BODY_INSTITUTION;
    x.item.institution = &inst;
    expect(&x, CJX_EFORBIDDEN, "institution");
}

/* ---- runner ---- */

static int setup(void **state)
{
    (void)state;
    const char *dir = getenv("CJX_CONFIG_DIR");
    cjx_fault f = {0};
    if (cjx_validator_open(&V, dir && *dir ? dir : CJX_CONFIG_DIR, &f)) {
        print_error("cannot open catalogues: %s\n", f.text);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cjx_validator_close(&V);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_items),
        cmocka_unit_test(test_item_kind),
        cmocka_unit_test(test_missing_kind),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_length),
        cmocka_unit_test(test_enum_range),
        cmocka_unit_test(test_negative_count),
        cmocka_unit_test(test_year_range),
        cmocka_unit_test(test_division),
        cmocka_unit_test(test_major),
        cmocka_unit_test(test_code_fields),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_date_order),
        cmocka_unit_test(test_headcount),
        cmocka_unit_test(test_pay_order),
        cmocka_unit_test(test_hours_posts_funds),
        cmocka_unit_test(test_skill_levels),
        cmocka_unit_test(test_discriminatory_wording),
        cmocka_unit_test(test_job_requirements),
        cmocka_unit_test(test_nested_person),
        cmocka_unit_test(test_repeated_limit),
        cmocka_unit_test(test_personal_field),
        cmocka_unit_test(test_open_and_catalogues),
        cmocka_unit_test(test_tables_match_schema),
        cmocka_unit_test(test_fault_texts),
        cmocka_unit_test(test_wording_order),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_lifecycle),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* validate_bench.c — the cost of validating one item.
 *
 * Builds two realistic, valid items from the generated C structs (a job
 * posting with its usual fields filled, and a graduate_outcome record about
 * a person), opens a validator on the real catalogues, validates each item
 * N times and prints one line per item:
 *
 *   item=job iterations=N ns_per_item=X
 *
 * Any item that does not validate is an error (exit 1), so the bench never
 * times the fast path of a refusal by mistake.
 *
 * usage: validate_bench [N [CONFIG_DIR]]   (N defaults to 1000000, CONFIG_DIR
 *        to the source tree's config/)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "validate.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Validates item n times and prints the mean time; returns 0, or 1 when the
 * item is refused. */
static int run(const cjx_validator *v, const char *name, const Cjx__Item *item,
               long n)
{
    cjx_fault f = {0};
    if (cjx_validate_item(v, item, &f) != CJX_OK) {
        fprintf(stderr, "validate_bench: %s refused at %s: %s\n", name,
                f.field, f.text);
        return 1;
    }
    volatile int refused = 0;
    double t0 = now_s();
    for (long i = 0; i < n; i++)
        refused |= cjx_validate_item(v, item, &f) != CJX_OK;
    double dt = now_s() - t0;
    printf("item=%s iterations=%ld ns_per_item=%.1f\n", name, n,
           dt * 1e9 / (double)n);
    return refused;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    const char *dir = argc > 2 ? argv[2] : CJX_CONFIG_DIR;
    if (n <= 0) {
        fprintf(stderr, "usage: validate_bench [N [CONFIG_DIR]]\n");
        return 2;
    }
    cjx_validator v;
    cjx_fault f = {0};
    if (cjx_validator_open(&v, dir, &f) != CJX_OK) {
        fprintf(stderr, "validate_bench: %s\n", f.text);
        return 1;
    }

    /* a job posting as an enterprise agent publishes it */
    Cjx__JobPosting job = CJX__JOB_POSTING__INIT;
    job.headcount = 3;
    job.employer_name = "长治高新区光电科技有限公司";
    job.content = "负责半导体封装工艺优化与良率提升，编写作业指导书，"
                  "配合设备部门完成新产线调试。";
    job.pay_min_yuan = 5000;
    job.pay_max_yuan = 8000;
    job.contract_months = 36;
    job.education_min = "大专";
    Cjx__Posting p = CJX__POSTING__INIT;
    char *majors[] = {"460103", "460301", "510101"};
    p.ref = "HR-2026-0042";
    p.title = "半导体封装工艺工程师";
    p.description = "公司位于长治高新区，主营LED芯片封装与光电模组，"
                    "现因产线扩建招聘封装工艺工程师。";
    p.requirements = "大专及以上学历，微电子、材料或机电相关专业，"
                     "有封装或SMT经验者优先。";
    p.publisher_credit_code = "91110000101623741K";
    p.division_code = "140404";
    p.address = "长治市潞州区太行北路 88 号";
    p.cluster = CJX__CLUSTER__CLUSTER_SEMICONDUCTOR_OPTO;
    p.industry_code = "3973";
    p.n_major_codes = sizeof majors / sizeof majors[0];
    p.major_codes = majors;
    p.valid_from = "2026-03-01";
    p.valid_until = "2026-06-30";
    p.contact_office = "人力资源部";
    p.detail_case = CJX__POSTING__DETAIL_JOB;
    p.job = &job;
    Cjx__Item posting = CJX__ITEM__INIT;
    posting.body_case = CJX__ITEM__BODY_POSTING;
    posting.posting = &p;

    /* a graduate outcome as a college agent reports it */
    Cjx__Person person = CJX__PERSON__INIT;
    person.pseudonym = "p-3f9a0c51d2e7";
    person.pii_id_number = "11010519491231002X";
    person.birth_year = 2003;
    Cjx__GraduateOutcome outcome = CJX__GRADUATE_OUTCOME__INIT;
    outcome.graduate = &person;
    outcome.school_credit_code = "91110000101623741K";
    outcome.major_code = "520201";
    outcome.graduation_year = 2025;
    outcome.destination_code = "10";
    outcome.employer_credit_code = "91110000101623741K";
    outcome.employer_name = "长治某机械有限公司";
    outcome.employer_division_code = "140403";
    outcome.employer_industry_code = "3421";
    outcome.major_related = 1;
    outcome.pay_yuan_monthly = 5200;
    Cjx__Record r = CJX__RECORD__INIT;
    r.ref = "GO-2025-1187";
    r.reporter_credit_code = "91110000101623741K";
    r.year = 2025;
    r.purpose = "毕业生就业质量年度报告";
    r.retention_days = 1825;
    r.detail_case = CJX__RECORD__DETAIL_GRADUATE_OUTCOME;
    r.graduate_outcome = &outcome;
    Cjx__Item record = CJX__ITEM__INIT;
    record.body_case = CJX__ITEM__BODY_RECORD;
    record.record = &r;

    int rc = run(&v, "job", &posting, n);
    rc |= run(&v, "graduate_outcome", &record, n);
    cjx_validator_close(&v);
    return rc;
}

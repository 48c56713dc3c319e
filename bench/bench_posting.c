/* bench_posting.c — padded job postings and generated enterprise codes for
 * the publish measurements (see bench_posting.h).
 */
#include "bench_posting.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "domain.pb-c.h"

int bench_enterprise_code(int n, char out[19])
{
    return bench_credit_code("91140400ENT", n, out); /* 91: an enterprise; 140400: Changzhi */
}

/* Today and a year from today, so the hub never expires postings mid-run. */
static void dates(char from[11], char until[11])
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(from, 11, "%Y-%m-%d", &tm);
    tm.tm_year += 1;
    mktime(&tm);
    strftime(until, 11, "%Y-%m-%d", &tm);
}

uint8_t *bench_posting_pack(void *ctx, long i, size_t *len)
{
    const bench_posting *bp = ctx;
    static char from[11], until[11];
    if (!from[0])
        dates(from, until);
    Cjx__JobPosting job = CJX__JOB_POSTING__INIT;
    job.headcount = 3;
    job.employer_name = "长治高新区光电科技有限公司";
    job.content = "封装工艺优化与良率提升";
    job.pay_min_yuan = 5000;
    job.pay_max_yuan = 8000;
    Cjx__Posting p = CJX__POSTING__INIT;
    char *majors[] = {"510101"}, ref[32], pad[4096];
    size_t pad_len = bp->pad < sizeof pad ? bp->pad : sizeof pad - 1;
    snprintf(ref, sizeof ref, "JOB-%010ld", i);
    memset(pad, 'x', pad_len);
    pad[pad_len] = '\0';
    p.ref = ref;
    p.title = "半导体封装工艺工程师";
    p.description = pad;
    p.requirements = "大专及以上";
    p.publisher_credit_code = (char *)bp->code;
    p.division_code = "140400";
    p.cluster = CJX__CLUSTER__CLUSTER_SEMICONDUCTOR_OPTO;
    p.industry_code = "3973";
    p.n_major_codes = 1;
    p.major_codes = majors;
    p.valid_from = from;
    p.valid_until = until;
    p.detail_case = CJX__POSTING__DETAIL_JOB;
    p.job = &job;
    Cjx__Item item = CJX__ITEM__INIT;
    item.body_case = CJX__ITEM__BODY_POSTING;
    item.posting = &p;
    *len = cjx__item__get_packed_size(&item);
    uint8_t *buf = malloc(*len);
    if (buf)
        cjx__item__pack(&item, buf);
    return buf;
}

size_t bench_posting_size(bench_posting *p, size_t size)
{
    size_t len = 0;
    for (p->pad = 0; p->pad < 4095; p->pad++) {
        free(bench_posting_pack(p, 0, &len));
        if (len >= size)
            break;
    }
    return len;
}

/* publish_bench.c — the durable publish rate of one agent.
 *
 * Starts a real cjx-hub on 127.0.0.1 with its store in a fresh folder, fills
 * an agent's outbox with N records whose packed size is exactly SIZE bytes
 * (a job posting padded in its description), then starts a real cjx-agent
 * and measures the time until the hub has acknowledged every record, which
 * it does only after its LMDB transaction is synced. Prints one line:
 *
 *   records=N size=SIZE seconds=S rate=R/s window=W
 *
 * usage: publish_bench BIN_DIR CONFIG_DIR WORK_DIR [N [SIZE [WINDOW]]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "domain.pb-c.h"
#include "outbox.h"

/* Dates around today, so the hub never expires the postings mid-run. */
static char valid_from[11], valid_until[11];

static void set_dates(void)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(valid_from, sizeof valid_from, "%Y-%m-%d", &tm);
    tm.tm_year += 1;
    mktime(&tm);
    strftime(valid_until, sizeof valid_until, "%Y-%m-%d", &tm);
}

/* Packs job posting number i (ref "JOB-" and ten digits, so every record
 * has the same size) with pad_len bytes of padding in its description. */
static uint8_t *make_record(const char *code, long i, size_t pad_len, size_t *len)
{
    Cjx__JobPosting job = CJX__JOB_POSTING__INIT;
    job.headcount = 3;
    job.employer_name = "长治高新区光电科技有限公司";
    job.content = "封装工艺优化与良率提升";
    job.pay_min_yuan = 5000;
    job.pay_max_yuan = 8000;
    Cjx__Posting p = CJX__POSTING__INIT;
    char *majors[] = {"510101"}, ref[32], pad[4096];
    snprintf(ref, sizeof ref, "JOB-%010ld", i);
    if (pad_len >= sizeof pad)
        pad_len = sizeof pad - 1;
    memset(pad, 'x', pad_len);
    pad[pad_len] = '\0';
    p.ref = ref;
    p.title = "半导体封装工艺工程师";
    p.description = pad;
    p.requirements = "大专及以上";
    p.publisher_credit_code = (char *)code;
    p.division_code = "140400";
    p.cluster = CJX__CLUSTER__CLUSTER_SEMICONDUCTOR_OPTO;
    p.industry_code = "3973";
    p.n_major_codes = 1;
    p.major_codes = majors;
    p.valid_from = valid_from;
    p.valid_until = valid_until;
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

/* The padding that makes a record size bytes, or as near as it goes. */
static size_t pad_for(const char *code, size_t size)
{
    size_t pad = 0, len = 0;
    for (; pad < 4095; pad++) {
        free(make_record(code, 0, pad, &len));
        if (len >= size)
            break;
    }
    return pad;
}

/* What bench_outbox_fill() needs to pack posting i. */
typedef struct posting_args {
    const char *code;
    size_t pad;
} posting_args;

static uint8_t *pack_posting(void *ctx, long i, size_t *len)
{
    const posting_args *a = ctx;
    return make_record(a->code, i, a->pad, len);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: publish_bench BIN_DIR CONFIG_DIR WORK_DIR [N [SIZE [WINDOW]]]\n");
        return 2;
    }
    const char *bin = argv[1], *conf = argv[2], *work = argv[3];
    long n = argc > 4 ? atol(argv[4]) : 200000;
    size_t size = argc > 5 ? (size_t)atol(argv[5]) : 512;
    long window = argc > 6 ? atol(argv[6]) : 4096;
    const char *code = "91140400MA0K7C2D3J";
    char path[8192], agent_ini[4096], ep[256], window_key[64];

    bench_guard(3600);
    pid_t hub = bench_start_hub(bin, conf, work, ep, sizeof ep);
    if (hub < 0)
        return 1;
    snprintf(path, sizeof path, "%s/agent", work);
    snprintf(agent_ini, sizeof agent_ini, "%s/agent.ini", work);
    snprintf(window_key, sizeof window_key, "window = %ld\n", window);
    if (bench_agent_ini(agent_ini, code, ep, path, conf, window_key)) {
        bench_stop(hub);
        return 1;
    }

    cjx_outbox *ob = bench_outbox_open(path, 8192);
    if (!ob) {
        bench_stop(hub);
        return 1;
    }
    set_dates();
    posting_args args = {code, pad_for(code, size)};
    size_t len = 0;
    free(make_record(code, 1, args.pad, &len)); /* every record has this size */
    if (bench_outbox_fill(ob, pack_posting, &args, 1, n, NULL)) {
        cjx_outbox_close(&ob);
        bench_stop(hub);
        return 1;
    }

    snprintf(path, sizeof path, "%s/agent.log", work);
    double t0 = bench_now_s();
    pid_t agent = bench_start_agent(bin, agent_ini, path);
    cjx_outbox_stats st = {0};
    int acked = bench_wait_acked(ob, 600, &st);
    double secs = bench_now_s() - t0;
    printf("records=%ld size=%zu seconds=%.3f rate=%.0f/s window=%ld%s%s\n", n, len, secs,
           n / secs, window, st.pending ? " (TIMED OUT)" : "",
           st.refused ? " (REFUSED BY THE HUB: not a valid measurement)" : "");

    bench_stop(agent);
    bench_stop(hub);
    cjx_outbox_close(&ob);
    return acked ? 1 : 0;
}

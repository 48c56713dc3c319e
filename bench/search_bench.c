/* search_bench.c — how long a search takes on many postings, at the hub and
 * over an agent's replica.
 *
 * Starts a real cjx-hub on 127.0.0.1, fills an enterprise agent's outbox
 * with N job postings whose titles, descriptions and requirements are drawn
 * from a vocabulary of Chinese and English phrases (and whose counties,
 * majors and pay vary), starts the agent and waits until the hub has them
 * all. Then a bureau's agent loads its replica. Q queries (keywords, some
 * with filters) go to the hub through a session of the wire protocol, as
 * `cjx search` sends them, and the same Q run over the bureau's replica as
 * `cjx search --local` does. Prints one line per place:
 *
 *   place=hub postings=N queries=Q p50_ms=… p99_ms=… max_ms=… hits=…
 *
 * usage: search_bench BIN_DIR CONFIG_DIR WORK_DIR [N [Q]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "bench_util.h"
#include "codec.h"
#include "replica.h"

static const char *const titles[] = {
    "软件开发工程师", "半导体封装工艺工程师", "数控机床操作工", "电气自动化技术员",
    "护理人员", "电子商务运营专员", "新能源汽车维修技师", "化工工艺操作员",
    "质量检测员", "仓储物流管理员", "Java Developer", "嵌入式软件工程师",
    "光伏组件装配工", "药品生产操作员", "机电一体化技术员", "网络运维工程师",
    "会计助理", "焊接技术员", "无人机装调检修工", "数据标注员",
};
static const char *const phrases[] = {
    "负责产线工艺优化与良率提升", "参与政务系统开发与测试", "维护生产设备并记录运行数据",
    "按照标准作业指导书完成装配", "配合研发部门完成样品试制", "负责客户订单跟踪与售后服务",
    "熟悉PLC编程与电气图纸", "能适应倒班工作", "提供住宿与五险一金",
    "完成日常巡检与安全检查", "参与新能源汽车电池检测", "负责煤化工装置的操作与监控",
    "develop backend services in Java and Spring", "写作技术文档", "带教实习生",
};
static const char *const requirements[] = {
    "大专及以上学历", "中职及以上学历", "持电工证", "机电一体化技术专业",
    "软件技术专业", "护理专业，持护士资格证", "电子信息类专业", "化工技术类专业",
    "两年以上相关工作经验", "应届毕业生亦可",
};
static const char *const divisions[] = {"140403", "140404", "140405", "140406", "140423",
                                        "140425", "140426", "140427", "140428", "140429"};
static const char *const majors[] = {"510203", "510101", "460301", "520201", "530701",
                                     "460103", "470201", "510401"};

static uint32_t next_random(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

#define PICK(list, r) list[next_random(r) % (sizeof list / sizeof list[0])]

static char valid_from[11], valid_until[11];

/* Packs job posting number i of enterprise ctx. */
static uint8_t *pack_job(void *ctx, long i, size_t *len)
{
    uint32_t r = (uint32_t)i * 2654435761u;
    char ref[32], desc[512], req[256];
    snprintf(ref, sizeof ref, "JOB-%ld", i);
    snprintf(desc, sizeof desc, "%s，%s", PICK(phrases, &r), PICK(phrases, &r));
    snprintf(req, sizeof req, "%s，%s", PICK(requirements, &r), PICK(requirements, &r));
    char *mj[] = {(char *)PICK(majors, &r)};
    Cjx__JobPosting job = CJX__JOB_POSTING__INIT;
    job.headcount = 1 + (int32_t)(next_random(&r) % 10);
    job.employer_name = "长治高新区光电科技有限公司";
    job.content = (char *)PICK(phrases, &r);
    job.pay_min_yuan = 3000 + 500 * (int64_t)(next_random(&r) % 8);
    job.pay_max_yuan = job.pay_min_yuan + 2000;
    Cjx__Posting p = CJX__POSTING__INIT;
    p.ref = ref;
    p.title = (char *)PICK(titles, &r);
    p.description = desc;
    p.requirements = req;
    p.publisher_credit_code = ctx;
    p.division_code = (char *)PICK(divisions, &r);
    p.cluster = (Cjx__Cluster)(1 + next_random(&r) % 8);
    p.industry_code = "3973";
    p.n_major_codes = 1;
    p.major_codes = mj;
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

/* Query number i: keywords, now and then with a filter. */
static void make_query(long i, Cjx__SearchRequest *q, char *text, size_t cap)
{
    static const char *const words[] = {"软件", "工程师", "封装", "护理", "新能源汽车",
                                        "电工证", "java", "数控", "运维", "检测",
                                        "软件开发", "大专", "倒班", "PLC编程", "化工"};
    uint32_t r = (uint32_t)i * 40503u + 7;
    snprintf(text, cap, "%s", PICK(words, &r));
    if (i % 3 == 1)
        snprintf(text + strlen(text), cap - strlen(text), " %s", PICK(words, &r));
    cjx__search_request__init(q);
    q->text = text;
    q->limit = 10;
    if (i % 4 == 2)
        q->division_code = (char *)PICK(divisions, &r);
    if (i % 5 == 3)
        q->major_code = (char *)PICK(majors, &r);
    if (i % 7 == 4)
        q->pay_min = 5000;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *place, long n, long q, double *ms, uint64_t hits)
{
    qsort(ms, (size_t)q, sizeof *ms, cmp_double);
    printf("place=%s postings=%ld queries=%ld p50_ms=%.3f p99_ms=%.3f max_ms=%.3f hits=%llu\n",
           place, n, q, ms[q / 2], ms[(q * 99) / 100], ms[q - 1], (unsigned long long)hits);
}

/* Q searches through a session with the hub at ep, as code. */
static int at_hub(const char *ep, const char *code, long n, long q)
{
    void *ctx = zmq_ctx_new(), *sock = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    double *ms = calloc((size_t)q, sizeof *ms);
    uint64_t hits = 0;
    int rc = zmq_connect(sock, ep) || cjx_send_hello(sock, code, "search_bench", NULL, 0, 0, 0) ||
             !ms;
    Cjx__Frame *fr = NULL;
    cjx_fault f;
    if (!rc && (cjx_frame_recv(sock, 64 << 20, 0, &fr, &f) ||
                fr->msg_case != CJX__FRAME__MSG_WELCOME))
        rc = 1;
    if (fr)
        cjx__frame__free_unpacked(fr, NULL);
    for (long i = 0; !rc && i < q; i++) {
        char text[128];
        Cjx__SearchRequest req;
        make_query(i, &req, text, sizeof text);
        req.request_id = (uint64_t)i + 1;
        Cjx__Frame out = CJX__FRAME__INIT;
        out.msg_case = CJX__FRAME__MSG_SEARCH_REQUEST;
        out.search_request = &req;
        double t0 = bench_now_s();
        if (cjx_frame_send(sock, NULL, 0, &out, 0) || cjx_frame_recv(sock, 64 << 20, 0, &fr, &f)) {
            rc = 1;
            break;
        }
        ms[i] = (bench_now_s() - t0) * 1000;
        if (fr->msg_case == CJX__FRAME__MSG_SEARCH_RESULT)
            hits += fr->search_result->total;
        else
            i--; /* a heartbeat or the like: not the answer yet */
        cjx__frame__free_unpacked(fr, NULL);
    }
    if (!rc)
        report("hub", n, q, ms, hits);
    free(ms);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return rc;
}

/* The same Q searches over the replica in the agent store dir. */
static int at_replica(const char *dir, long n, long q)
{
    cjx_outbox *ob = bench_outbox_open(dir, 8192);
    double *ms = calloc((size_t)q, sizeof *ms);
    uint64_t hits = 0;
    int rc = !ob || !ms;
    for (long i = 0; !rc && i < q; i++) {
        char text[128];
        Cjx__SearchRequest req;
        Cjx__SearchResult *res = NULL;
        cjx_fault f;
        make_query(i, &req, text, sizeof text);
        double t0 = bench_now_s();
        cjx_store *s = cjx_outbox_store(ob);
        if (cjx_replica_search(s, s->dbs[CJX_AGENT_DB_REPLICA], &req, &res, &f)) {
            fprintf(stderr, "search_bench: %s\n", f.text);
            rc = 1;
            break;
        }
        ms[i] = (bench_now_s() - t0) * 1000;
        hits += res->total;
        cjx__search_result__free_unpacked(res, NULL);
    }
    if (!rc)
        report("replica", n, q, ms, hits);
    free(ms);
    cjx_outbox_close(&ob);
    return rc;
}

/* Waits until the replica in dir holds at least want entries. */
static int replica_loaded(const char *dir, uint64_t want)
{
    cjx_outbox *ob = bench_outbox_open(dir, 8192);
    for (int i = 0; ob && i < 6000; i++) {
        cjx_replica_pos pos;
        cjx_fault f;
        cjx_store *s = cjx_outbox_store(ob);
        if (cjx_replica_position(s, s->dbs[CJX_AGENT_DB_REPLICA], &pos, &f) == CJX_OK &&
            pos.loaded && pos.entries >= want) {
            cjx_outbox_close(&ob);
            return 0;
        }
        usleep(50000);
    }
    cjx_outbox_close(&ob);
    fprintf(stderr, "search_bench: the replica did not load\n");
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: search_bench BIN_DIR CONFIG_DIR WORK_DIR [N [Q]]\n");
        return 2;
    }
    const char *bin = argv[1], *conf = argv[2], *work = argv[3];
    long n = argc > 4 ? atol(argv[4]) : 100000, q = argc > 5 ? atol(argv[5]) : 1000;
    char ent[19] = "91140400MA0K7C2D3J", hrb[19], ep[256], dir[4096], ini[4096], log[4096];
    if (n < 1 || q < 1 || bench_credit_code("11140400BEN", 1, hrb))
        return 2;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(valid_from, sizeof valid_from, "%Y-%m-%d", &tm);
    tm.tm_year += 1;
    mktime(&tm);
    strftime(valid_until, sizeof valid_until, "%Y-%m-%d", &tm);

    bench_guard(3600);
    pid_t hub = bench_start_hub(bin, conf, work, ep, sizeof ep);
    if (hub < 0)
        return 1;
    int rc = 1;
    snprintf(dir, sizeof dir, "%s/ent", work);
    snprintf(ini, sizeof ini, "%s/ent.ini", work);
    snprintf(log, sizeof log, "%s/ent.log", work);
    cjx_outbox *ob = bench_agent_ini(ini, ent, ep, dir, conf, NULL) ? NULL
                                                                    : bench_outbox_open(dir, 8192);
    if (ob && bench_outbox_fill(ob, pack_job, ent, 1, n, NULL) == 0 &&
        bench_start_agent(bin, ini, log) > 0 && bench_wait_acked(ob, 1800, NULL) == 0) {
        snprintf(dir, sizeof dir, "%s/hrb", work);
        snprintf(ini, sizeof ini, "%s/hrb.ini", work);
        snprintf(log, sizeof log, "%s/hrb.log", work);
        if (bench_agent_ini(ini, hrb, ep, dir, conf, NULL) == 0 &&
            bench_start_agent(bin, ini, log) > 0 && replica_loaded(dir, (uint64_t)n) == 0)
            rc = at_hub(ep, hrb, n, q) || at_replica(dir, n, q);
    }
    cjx_outbox_close(&ob);
    bench_stop(hub);
    return rc;
}

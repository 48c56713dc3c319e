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
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "domain.pb-c.h"
#include "outbox.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static pid_t spawn(char *const argv[], const char *log)
{
    pid_t pid = fork();
    if (pid == 0) {
        freopen(log, "a", stderr);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* Packs a job posting padded to exactly size bytes. */
static uint8_t *make_record(const char *code, size_t size, size_t *len)
{
    Cjx__JobPosting job = CJX__JOB_POSTING__INIT;
    job.headcount = 3;
    job.employer_name = "长治高新区光电科技有限公司";
    job.content = "封装工艺优化与良率提升";
    job.pay_min_yuan = 5000;
    job.pay_max_yuan = 8000;
    Cjx__Posting p = CJX__POSTING__INIT;
    char *majors[] = {"510101"};
    p.title = "半导体封装工艺工程师";
    p.requirements = "大专及以上";
    p.publisher_credit_code = (char *)code;
    p.division_code = "140400";
    p.cluster = CJX__CLUSTER__CLUSTER_SEMICONDUCTOR_OPTO;
    p.industry_code = "3973";
    p.n_major_codes = 1;
    p.major_codes = majors;
    p.valid_from = "2026-11-01";
    p.valid_until = "2027-01-31";
    p.detail_case = CJX__POSTING__DETAIL_JOB;
    p.job = &job;
    Cjx__Item item = CJX__ITEM__INIT;
    item.body_case = CJX__ITEM__BODY_POSTING;
    item.posting = &p;
    char pad[4096] = "";
    p.description = pad;
    size_t n = cjx__item__get_packed_size(&item);
    for (size_t i = 0; n < size && i + 1 < sizeof pad; i++) {
        pad[i] = 'x';
        pad[i + 1] = '\0';
        n = cjx__item__get_packed_size(&item);
    }
    uint8_t *buf = malloc(n);
    cjx__item__pack(&item, buf);
    *len = n;
    return buf;
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
    char path[8192], hub_bin[4096], agent_bin[4096], hub_dir[4096], agent_ini[4096], ep[256];

    snprintf(hub_bin, sizeof hub_bin, "%s/cjx-hub", bin);
    snprintf(agent_bin, sizeof agent_bin, "%s/cjx-agent", bin);
    snprintf(hub_dir, sizeof hub_dir, "%s/hub", work);
    snprintf(path, sizeof path, "%s/hub.ini", work);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return 1;
    }
    fprintf(f, "[hub]\ndata_dir = %s\ncatalog_dir = %s\nlog_level = warning\n", hub_dir, conf);
    fclose(f);
    char *hub_argv[] = {hub_bin, "-c", path, "-l", "tcp://127.0.0.1:*", NULL};
    snprintf(agent_ini, sizeof agent_ini, "%s/hub.log", work);
    pid_t hub = spawn(hub_argv, agent_ini);

    snprintf(path, sizeof path, "%s/endpoint", hub_dir);
    for (int i = 0; i < 200; i++) {
        f = fopen(path, "r");
        if (f && fgets(ep, sizeof ep, f)) {
            ep[strcspn(ep, "\n")] = '\0';
            fclose(f);
            break;
        }
        if (f)
            fclose(f);
        ep[0] = '\0';
        usleep(50000);
    }
    if (!ep[0]) {
        fprintf(stderr, "the hub did not start; see %s/hub.log\n", work);
        kill(hub, SIGKILL);
        return 1;
    }

    snprintf(path, sizeof path, "%s/agent", work);
    snprintf(agent_ini, sizeof agent_ini, "%s/agent.ini", work);
    f = fopen(agent_ini, "w");
    fprintf(f, "[agent]\ncredit_code = %s\nhub = %s\ndata_dir = %s\nwindow = %ld\n"
               "log_level = warning\n", code, ep, path, window);
    fclose(f);

    cjx_outbox *ob;
    cjx_fault fault;
    if (cjx_outbox_open(path, 8192, &ob, &fault)) {
        fprintf(stderr, "%s\n", fault.text);
        kill(hub, SIGKILL);
        return 1;
    }
    size_t len;
    uint8_t *rec = make_record(code, size, &len);
    enum { CHUNK = 10000 };
    ProtobufCBinaryData *items = malloc(CHUNK * sizeof *items);
    for (long i = 0; i < CHUNK; i++)
        items[i] = (ProtobufCBinaryData){len, rec};
    for (long done = 0; done < n; done += CHUNK) {
        uint64_t first;
        size_t k = (size_t)(n - done < CHUNK ? n - done : CHUNK);
        if (cjx_outbox_append(ob, items, k, &first, &fault)) {
            fprintf(stderr, "%s\n", fault.text);
            return 1;
        }
    }

    snprintf(path, sizeof path, "%s/agent.log", work);
    char *agent_argv[] = {agent_bin, "-c", agent_ini, NULL};
    double t0 = now_s();
    pid_t agent = spawn(agent_argv, path);
    cjx_outbox_stats st = {0};
    do {
        usleep(2000);
        cjx_outbox_stat(ob, &st, &fault);
    } while (st.pending > 0 && now_s() - t0 < 600);
    double secs = now_s() - t0;
    printf("records=%ld size=%zu seconds=%.3f rate=%.0f/s window=%ld%s\n", n, len, secs,
           n / secs, window, st.pending ? " (TIMED OUT)" : "");

    kill(agent, SIGTERM);
    kill(hub, SIGTERM);
    waitpid(agent, NULL, 0);
    waitpid(hub, NULL, 0);
    cjx_outbox_close(&ob);
    free(items);
    free(rec);
    return st.pending ? 1 : 0;
}

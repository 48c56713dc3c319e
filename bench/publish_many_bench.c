/* publish_many_bench.c — cjx's durable publish rate with PUBS institutions
 * publishing at once, and the memory of an idle agent.
 *
 * Starts a real cjx-hub on 127.0.0.1 with its store in WORK_DIR. CLIENT says
 * who publishes:
 *
 * agents (the default): first an idle agent (an enterprise with nothing to
 * send) runs for 3 s and its VmRSS, RssAnon and VmHWM are read. Then the
 * outboxes of PUBS agents, each a generated enterprise with its own credit
 * code, are filled with N/PUBS 512-byte job postings; all PUBS cjx-agent
 * processes start at once and the time until the hub has acknowledged every
 * record (which it does only after its LMDB transaction is synced) gives
 * the rate. Each agent also keeps its replica: every posting comes back to
 * every agent, which stores and indexes it (work that runs on each
 * institution's own machine in production, here on the same cores). The
 * idle agent is then started again and given 5 s to load the replica of
 * those postings, and read again.
 *
 * wire: PUBS sessions of the wire protocol in this process (as the peers'
 * clients are: one connection per publisher, nothing kept on disk, no
 * subscription), each publishing N/PUBS of the same postings as its
 * enterprise with at most WINDOW unacknowledged.
 *
 * Prints (the hub's peak RSS over the run included):
 *
 *   system=cjx test=agent_idle when=empty_hub vmrss_kb=… rssanon_kb=… vmhwm_kb=…
 *   system=cjx test=publish client=agents|wire publishers=P records=N size=…
 *     window=W seconds=S rate=R/s hub_vmhwm_kb=… hub_cpu_us=… hub_loop_cpu_us=…
 *   system=cjx test=agent_idle when=after_publish …
 *
 * hub_cpu_us: the CPU the hub used over the run per record, all its threads;
 * hub_loop_cpu_us: that of its main thread, the loop that applies and
 * commits every batch (hub/server.c), steadier than the rate (in the
 * kernel's 10 ms ticks: about 1% of a 200,000-record run).
 *
 * usage: publish_many_bench BIN_DIR CONFIG_DIR WORK_DIR [PUBS [N [WINDOW [agents|wire]]]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "bench_posting.h"
#include "bench_util.h"
#include "proc_status.h"
#include "wire_session.h"

#define MAX_PUBS 64
#define IDLE_AGENT 999999 /* the generated enterprise number of the idle agent */

/* Writes WORK/NAME.ini for enterprise code with its store in WORK/NAME. */
static int write_ini(const char *work, const char *name, const char *code, const char *ep,
                     const char *conf, long window, char *ini, size_t ini_len)
{
    char dir[4200], extra[64];
    snprintf(ini, ini_len, "%s/%s.ini", work, name);
    snprintf(dir, sizeof dir, "%s/%s", work, name);
    snprintf(extra, sizeof extra, "window = %ld\n", window);
    return bench_agent_ini(ini, code, ep, dir, conf, extra);
}

/* Runs the idle agent (ini) for secs seconds and prints its memory. */
static int idle_agent(const char *bin, const char *work, const char *ini, const char *when,
                      unsigned secs)
{
    char log[4200];
    snprintf(log, sizeof log, "%s/idle.log", work);
    pid_t a = bench_start_agent(bin, ini, log);
    if (a < 0)
        return -1;
    sleep(secs);
    printf("system=cjx test=agent_idle when=%s vmrss_kb=%ld rssanon_kb=%ld vmhwm_kb=%ld\n", when,
           proc_status_kb(a, "VmRSS"), proc_status_kb(a, "RssAnon"), proc_status_kb(a, "VmHWM"));
    return bench_stop(a) == -1 ? -1 : 0;
}

/* Waits (at most timeout_s) until no outbox has anything pending. Returns
 * 0 when all were acknowledged, -1 on timeout or any refusal. */
static int wait_all_acked(cjx_outbox **ob, int n, double timeout_s)
{
    double deadline = bench_now_s() + timeout_s;
    for (int i = 0; i < n; i++) {
        cjx_outbox_stats st;
        if (bench_wait_acked(ob[i], deadline - bench_now_s(), &st)) {
            fprintf(stderr, "publisher %d: %llu pending, %llu refused\n", i,
                    (unsigned long long)st.pending, (unsigned long long)st.refused);
            return -1;
        }
    }
    return 0;
}

/* The CPU time the hub has used so far: all its threads, and its loop's. */
typedef struct hub_cpu {
    double all, loop;
} hub_cpu;

static hub_cpu hub_cpu_now(pid_t hub)
{
    return (hub_cpu){proc_cpu_s(hub), proc_thread_cpu_s(hub, hub)};
}

static void print_rate(const char *client, int pubs, long n, size_t size, long window,
                       double secs, pid_t hub, const hub_cpu *from, int incomplete)
{
    hub_cpu to = hub_cpu_now(hub);
    char cpu[96] = "";
    if (from->all >= 0 && from->loop >= 0 && to.all >= 0 && to.loop >= 0)
        snprintf(cpu, sizeof cpu, " hub_cpu_us=%.2f hub_loop_cpu_us=%.2f",
                 (to.all - from->all) * 1e6 / (double)n, (to.loop - from->loop) * 1e6 / (double)n);
    printf("system=cjx test=publish client=%s publishers=%d records=%ld size=%zu window=%ld "
           "seconds=%.3f rate=%.0f/s hub_vmhwm_kb=%ld%s%s\n", client, pubs, n, size, window, secs,
           n / secs, proc_status_kb(hub, "VmHWM"), cpu, incomplete ? " (INCOMPLETE)" : "");
}

/* The agents' run (see the top). Returns 0 or -1. */
static int publish_by_agents(const char *bin, const char *conf, const char *work, const char *ep,
                             pid_t hub, int pubs, long n, long window)
{
    char ini[4200], idle_ini[4200], code[19], name[32], path[4200];
    pid_t agents[MAX_PUBS];
    cjx_outbox *ob[MAX_PUBS] = {0};
    int rc = -1, started = 0;
    if (bench_enterprise_code(IDLE_AGENT, code) ||
        write_ini(work, "idle", code, ep, conf, window, idle_ini, sizeof idle_ini) ||
        idle_agent(bin, work, idle_ini, "empty_hub", 3))
        goto done;

    size_t size = 0;
    for (int p = 0; p < pubs; p++) {
        static bench_posting posting[MAX_PUBS];
        static char codes[MAX_PUBS][19];
        snprintf(name, sizeof name, "pub-%02d", p);
        snprintf(path, sizeof path, "%s/%s", work, name);
        posting[p].code = codes[p];
        if (bench_enterprise_code(p + 1, codes[p]) ||
            write_ini(work, name, codes[p], ep, conf, window, ini, sizeof ini) ||
            !(ob[p] = bench_outbox_open(path, 4096)))
            goto done;
        size = bench_posting_size(&posting[p], 512);
        long mine = n / pubs + (p < n % pubs);
        if (bench_outbox_fill(ob[p], bench_posting_pack, &posting[p], 1, mine, NULL))
            goto done;
    }

    double t0 = bench_now_s();
    hub_cpu cpu0 = hub_cpu_now(hub);
    for (; started < pubs; started++) {
        snprintf(ini, sizeof ini, "%s/pub-%02d.ini", work, started);
        snprintf(path, sizeof path, "%s/pub-%02d.log", work, started);
        if ((agents[started] = bench_start_agent(bin, ini, path)) < 0)
            goto done;
    }
    int acked = wait_all_acked(ob, pubs, 600);
    print_rate("agents", pubs, n, size, window, bench_now_s() - t0, hub, &cpu0, acked);
    for (int i = 0; i < started; i++)
        bench_stop(agents[i]);
    started = 0;
    if (acked || idle_agent(bin, work, idle_ini, "after_publish", 5))
        goto done;
    printf("system=cjx test=hub_memory hub_vmhwm_kb=%ld\n", proc_status_kb(hub, "VmHWM"));
    rc = 0;
done:
    for (int i = 0; i < started; i++)
        bench_stop(agents[i]);
    for (int p = 0; p < pubs; p++)
        cjx_outbox_close(&ob[p]);
    return rc;
}

/* The wire clients' run (see the top). Returns 0 or -1. */
static int publish_by_wire(const char *ep, pid_t hub, int pubs, long n, long window)
{
    static bench_posting posting[MAX_PUBS];
    static char codes[MAX_PUBS][19];
    static Cjx__Institution self[MAX_PUBS];
    wire_source src[MAX_PUBS];
    ProtobufCBinaryData *items = calloc((size_t)n, sizeof *items);
    size_t size = 0;
    long packed = 0;
    int rc = items ? 0 : -1;
    for (int p = 0; rc == 0 && p < pubs; p++) { /* packed before the clock starts */
        posting[p].code = codes[p];
        rc = bench_enterprise_code(p + 1, codes[p]);
        cjx__institution__init(&self[p]); /* as an agent says it (agent_config.c) */
        self[p].credit_code = codes[p];
        self[p].kind = CJX__INSTITUTION_KIND__INSTITUTION_ENTERPRISE;
        size = bench_posting_size(&posting[p], 512);
        long mine = n / pubs + (p < n % pubs);
        src[p] = (wire_source){codes[p], &self[p], &items[packed], (size_t)mine};
        for (long i = 0; rc == 0 && i < mine; i++, packed++)
            if (!(items[packed].data = bench_posting_pack(&posting[p], i + 1, &items[packed].len)))
                rc = -1;
    }
    void *ctx = rc == 0 ? zmq_ctx_new() : NULL;
    wire_load_result res = {0};
    hub_cpu cpu0 = hub_cpu_now(hub);
    if (ctx)
        rc = wire_load(ctx, ep, src, (size_t)pubs, (size_t)pubs, (size_t)window, 600, &res);
    if (ctx && rc == 0 && res.refused)
        fprintf(stderr, "publish_many_bench: %ld refused; the first: %s\n", res.refused,
                res.first_refusal);
    if (ctx)
        print_rate("wire", pubs, n, size, window, res.seconds, hub, &cpu0, rc || res.acked != n);
    for (long i = 0; i < packed; i++)
        free(items[i].data);
    free(items);
    if (ctx)
        zmq_ctx_term(ctx);
    return ctx && rc == 0 && res.acked == n ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: publish_many_bench BIN_DIR CONFIG_DIR WORK_DIR "
                        "[PUBS [N [WINDOW [agents|wire]]]]\n");
        return 2;
    }
    const char *bin = argv[1], *conf = argv[2], *work = argv[3];
    int pubs = argc > 4 ? atoi(argv[4]) : 16;
    long n = argc > 5 ? atol(argv[5]) : 200000, window = argc > 6 ? atol(argv[6]) : 4096;
    const char *client = argc > 7 ? argv[7] : "agents";
    int wire = strcmp(client, "wire") == 0;
    if (pubs < 1 || pubs > MAX_PUBS || n < pubs || window < 1 ||
        (!wire && strcmp(client, "agents") != 0))
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    bench_guard(1200);

    char ep[256];
    pid_t hub = bench_start_hub(bin, conf, work, ep, sizeof ep);
    int rc = hub < 0 ? -1
             : wire  ? publish_by_wire(ep, hub, pubs, n, window)
                     : publish_by_agents(bin, conf, work, ep, hub, pubs, n, window);
    if (hub >= 0)
        bench_stop(hub);
    return rc ? 1 : 0;
}

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

#include "bench_posting.h"
#include "bench_util.h"
#include "outbox.h"

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
    bench_posting args = {code, 0};
    size_t len = bench_posting_size(&args, size); /* every record has this size */
    if (bench_outbox_fill(ob, bench_posting_pack, &args, 1, n, NULL)) {
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

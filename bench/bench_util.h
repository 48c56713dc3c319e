/* bench_util.h — what the benchmarks share: clocks, starting the real
 * cjx-hub and cjx-agent as child processes on 127.0.0.1 and making sure
 * none of them outlives the benchmark, and filling an agent's outbox
 * directly (as `cjx post` does) then waiting for the hub's acknowledgements.
 *
 * Every child started with bench_spawn() is remembered; bench_guard() makes
 * an interrupt (SIGINT, SIGTERM), an overall time limit (SIGALRM) or a plain
 * exit kill the ones still running. Children also get SIGKILL if the
 * benchmark itself dies (PR_SET_PDEATHSIG).
 */
#ifndef CJX_BENCH_UTIL_H
#define CJX_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "outbox.h"

/* Monotonic clock, in seconds. */
double bench_now_s(void);

/* Wall clock (the hub's received_ms is on it), in microseconds. */
int64_t bench_wall_us(void);

/* Kills every child still running when the process exits, is interrupted,
 * or has run for limit_s seconds (then it exits with status 1). */
void bench_guard(unsigned limit_s);

/* Forks and executes argv[0] with stdout and stderr appended to log.
 * Returns the child's pid, or -1. */
pid_t bench_spawn(char *const argv[], const char *log);

/* Stops a child: SIGCONT and SIGTERM, then SIGKILL if it is still there
 * after 10 s. Returns its wait status, or -1. */
int bench_stop(pid_t pid);

/* Writes the file path with printf-style contents. Returns 0 or -1. */
int bench_write_file(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes to out the valid unified social credit code that starts with head
 * (11 characters: "91140400ENT" for an enterprise of Changzhi) followed by
 * n (1–999999) in six digits. Returns 0 or -1. */
int bench_credit_code(const char *head, int n, char out[19]);

/* Starts a hub listening on a free port of 127.0.0.1, with its ini and log in
 * work and its store in work/hub. Waits (at most 20 s) until it writes its
 * endpoint, copied to ep. Returns the hub's pid, or -1 (it is then killed). */
pid_t bench_start_hub(const char *bin_dir, const char *conf_dir, const char *work,
                      char *ep, size_t ep_len);

/* Writes an agent configuration for credit code, hub endpoint ep and store
 * data_dir; extra (may be NULL) is appended verbatim: more [agent] keys, then
 * sections. Returns 0 or -1. */
int bench_agent_ini(const char *path, const char *code, const char *ep,
                    const char *data_dir, const char *conf_dir, const char *extra);

/* Starts cjx-agent from bin_dir with configuration ini, logging to log.
 * Returns its pid, or -1. */
pid_t bench_start_agent(const char *bin_dir, const char *ini, const char *log);

/* Items per synced outbox transaction when filling. */
#define BENCH_FILL_CHUNK 10000

/* Opens (creating it) the outbox of the agent store in dir, with an LMDB map
 * of map_mb MiB; cjx-agent may have it open too. Returns the outbox (the
 * caller closes it with cjx_outbox_close) or NULL, the reason on stderr. */
cjx_outbox *bench_outbox_open(const char *dir, size_t map_mb);

/* Packs item number i. Returns a buffer the caller frees, its size in *len,
 * or NULL. */
typedef uint8_t *(*bench_pack_fn)(void *ctx, long i, size_t *len);

/* Appends items first … first+n-1, packed by pack(ctx, i, …), at most
 * BENCH_FILL_CHUNK per synced transaction. Outbox sequences are consecutive;
 * the first one goes to *first_seq (may be NULL). Returns 0 or -1. */
int bench_outbox_fill(cjx_outbox *ob, bench_pack_fn pack, void *ctx, long first, long n,
                      uint64_t *first_seq);

/* Waits (at most timeout_s) until nothing in the outbox is pending, looking
 * every 2 ms; the last statistics go to *st (may be NULL). Returns 0 when
 * every item was acknowledged, -1 on timeout or when the hub refused any
 * (then the run does not measure what it says). */
int bench_wait_acked(cjx_outbox *ob, double timeout_s, cjx_outbox_stats *st);

#endif

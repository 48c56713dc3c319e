/* feed_fixture.h — what a feed measurement runs with: a hub of its own in a
 * folder of its own, the enterprise that publishes training completions, the
 * bureaus (real and generated) that subscribe to them with a file sink, and
 * the completion records, written straight into the enterprise's outbox.
 */
#ifndef CJX_BENCH_FEED_FIXTURE_H
#define CJX_BENCH_FEED_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "outbox.h"

#define FEED_PUBLISHER "91140400MA0K7C2D3J"  /* an enterprise: training completions */
#define FEED_BUREAU_HRB "11140400012345686X" /* 市人社局 */
#define FEED_BUREAU_EDU "111404000123456783" /* 市教育局 */

/* The binaries, the catalogues, one measurement's folder and its hub. */
typedef struct feed_env {
    const char *bin, *conf;
    char work[4096];
    char ep[256];
    pid_t hub;
} feed_env;

/* Makes root/name the working folder and starts a hub there (bin and conf
 * must be set). Returns 0 or -1. */
int feed_env_open(feed_env *e, const char *root, const char *name);

/* Stops the hub. */
void feed_env_close(feed_env *e);

/* Writes work/NAME.ini for an agent of credit code `code` with its store in
 * work/NAME; with a sink (non-NULL), one subscription to training
 * completions appending to that file. Returns 0 or -1. */
int feed_agent_ini(const feed_env *e, const char *name, const char *code, const char *sink);

/* Starts the agent configured by feed_agent_ini(e, name, …), logging to
 * work/NAME.log. Returns its pid, or -1. */
pid_t feed_agent_start(const feed_env *e, const char *name);

/* Opens the outbox of agent NAME's store, for the bench to write. Returns
 * it (the caller closes it) or NULL. */
cjx_outbox *feed_outbox_open(const feed_env *e, const char *name);

/* Writes to out a valid unified social credit code for generated city
 * bureau number n (1–999999). Returns 0 or -1. */
int feed_bureau_code(int n, char out[19]);

/* Packs training completion number n of FEED_PUBLISHER (ref "TC-<n>", so
 * each is a new record) as an Item, malloc'ed, its size in *len (a
 * bench_pack_fn; ctx unused). NULL when memory ran out. */
uint8_t *feed_pack_completion(void *ctx, long n, size_t *len);

/* Appends training completions first … first+n-1 of FEED_PUBLISHER (ref
 * "TC-<number>", so each is a new record) to the outbox; see
 * bench_outbox_fill(). Returns 0 or -1. */
int feed_publish(cjx_outbox *ob, long first, long n, uint64_t *first_seq);

#endif

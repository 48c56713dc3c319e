/* thread.h — starting the worker threads of the hub and the agent (the
 * search follower, the report worker, the prevalidation, the sink syncer)
 * so that signals stay with the main thread: SIGTERM and SIGINT must
 * interrupt the loop's poll, which a worker catching them would not; and
 * named, so that an operator sees which of them uses the CPU.
 */
#ifndef CJX_THREAD_H
#define CJX_THREAD_H

#include <pthread.h>

/* pthread_create with every signal blocked in the new thread, which is
 * named name (what `top -H`, `ps -L` and perf show; cut to 15 bytes)
 * before run begins. Returns as pthread_create (ENOMEM also when the name
 * cannot be handed over). */
int cjx_thread_start(pthread_t *thread, const char *name, void *(*run)(void *), void *arg);

#endif

/* thread.h — starting the worker threads of the hub and the agent (the
 * search follower, the report worker, the sink syncer) so that signals
 * stay with the main thread: SIGTERM and SIGINT must interrupt the loop's
 * poll, which a worker catching them would not.
 */
#ifndef CJX_THREAD_H
#define CJX_THREAD_H

#include <pthread.h>

/* pthread_create with every signal blocked in the new thread. Returns as
 * pthread_create. */
int cjx_thread_start(pthread_t *thread, void *(*run)(void *), void *arg);

#endif

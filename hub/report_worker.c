/* report_worker.c — the plan's reports (and other long reads: searches of
 * records, search_records.c) computed beside the hub's loop.
 *
 * A report reads the whole state (100–300 ms on a store the size of
 * Changzhi's: bench/run.sh report); computed in the loop it would hold up
 * every publish, ack and feed event meanwhile. So the loop hands each
 * request to one worker thread (cjx_report_worker_submit), which builds it
 * in its own read-only transaction (hub/report.c; LMDB readers never block
 * the writer) and wakes the loop through an eventfd the loop polls; the
 * loop then finishes the request (cjx_report_worker_collect): the job's
 * `done` packs and queues the reply with the batch's, or answers the HTTP
 * request. Jobs run one at a time, in order; at most QUEUE_MAX wait, and a
 * request beyond that is refused with `limit` by the caller.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "hub.h"
#include "log.h"
#include "report.h"
#include "thread.h"

#define QUEUE_MAX 16                   /* jobs waiting or running */

struct cjx_report_worker {
    cjx_hub *h;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    cjx_report_job *todo, **todo_tail; /* submitted, oldest first */
    cjx_report_job *done, **done_tail; /* built, for the loop to finish */
    size_t jobs;                       /* submitted and not yet collected */
    int stop;
    int efd;                           /* readable while done is not empty */
};

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void build(cjx_hub *h, cjx_report_job *j)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (j->build) {
        j->build(h, j);
        j->ms = ms_since(&t0);
        return;
    }
    j->report = cjx_hub_report_build(h, j->name, j->year, j->posting, j->asker, &j->fault);
    if (j->report && j->asker[0] && !cjx_report_find(j->name)->unrestricted)
        cjx_report_restrict(j->report, j->asker);
    j->ms = ms_since(&t0);
}

static void *run(void *arg)
{
    cjx_report_worker *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->todo && !w->stop)
            pthread_cond_wait(&w->wake, &w->mu);
        if (w->stop)
            break;
        cjx_report_job *j = w->todo;
        w->todo = j->next;
        if (!w->todo)
            w->todo_tail = &w->todo;
        pthread_mutex_unlock(&w->mu);
        build(w->h, j);
        pthread_mutex_lock(&w->mu);
        j->next = NULL;
        *w->done_tail = j;
        w->done_tail = &j->next;
        uint64_t one = 1;
        if (write(w->efd, &one, sizeof one) < 0 && errno != EAGAIN)
            CJX_LOG(CJX_LOG_ERR, "report.worker", NULL, "cannot wake the loop: %s",
                    strerror(errno));
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

cjx_err cjx_report_job_init(cjx_report_job *j, const char *name, int year, const char *posting,
                            const char *asker, cjx_fault *f)
{
    memset(j, 0, sizeof *j);
    j->year = year;
    if (strlen(name) >= sizeof j->name)
        return cjx_fault_set(f, CJX_ELENGTH, "name", "no report has so long a name");
    if (strlen(posting) >= sizeof j->posting)
        return cjx_fault_set(f, CJX_ELENGTH, "posting", "longer than CODE/REF can be");
    strcpy(j->name, name);
    strcpy(j->posting, posting);
    snprintf(j->asker, sizeof j->asker, "%s", asker);
    return CJX_OK;
}

cjx_err cjx_report_worker_open(cjx_hub *h, cjx_fault *f)
{
    cjx_report_worker *w = calloc(1, sizeof *w);
    if (!w)
        return cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    w->h = h;
    w->todo_tail = &w->todo;
    w->done_tail = &w->done;
    w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->efd < 0) {
        free(w);
        return cjx_fault_set(f, CJX_EIO, "", "cannot make an eventfd: %s", strerror(errno));
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->wake, NULL);
    int rc = cjx_thread_start(&w->thread, "cjx-report", run, w);
    if (rc) {
        close(w->efd);
        free(w);
        return cjx_fault_set(f, CJX_ENOMEM, "", "cannot start the report thread: %s",
                             strerror(rc));
    }
    h->reports = w;
    return CJX_OK;
}

int cjx_report_worker_fd(const cjx_hub *h)
{
    return h->reports ? h->reports->efd : -1;
}

int cjx_report_worker_submit(cjx_hub *h, cjx_report_job *j)
{
    cjx_report_worker *w = h->reports;
    pthread_mutex_lock(&w->mu);
    int full = w->jobs >= QUEUE_MAX;
    if (!full) {
        j->next = NULL;
        *w->todo_tail = j;
        w->todo_tail = &j->next;
        w->jobs++;
        pthread_cond_signal(&w->wake);
    }
    pthread_mutex_unlock(&w->mu);
    return full ? -1 : 0;
}

/* Takes the built jobs off the worker's list. */
static cjx_report_job *take_done(cjx_report_worker *w)
{
    uint64_t n;
    if (read(w->efd, &n, sizeof n) < 0 && errno != EAGAIN)
        CJX_LOG(CJX_LOG_ERR, "report.worker", NULL, "cannot read the eventfd: %s",
                strerror(errno));
    pthread_mutex_lock(&w->mu);
    cjx_report_job *done = w->done;
    w->done = NULL;
    w->done_tail = &w->done;
    for (cjx_report_job *j = done; j; j = j->next)
        w->jobs--;
    pthread_mutex_unlock(&w->mu);
    return done;
}

void cjx_report_worker_collect(cjx_hub *h)
{
    if (!h->reports)
        return;
    for (cjx_report_job *j = take_done(h->reports), *next; j; j = next) {
        next = j->next;
        j->done(h, j);
    }
}

void cjx_report_worker_close(cjx_hub *h)
{
    cjx_report_worker *w = h->reports;
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    /* jobs never started are finished as refused, so that every HTTP
     * request suspended for one is resumed before the listener stops */
    for (cjx_report_job *j = w->todo, *next; j; j = next) {
        next = j->next;
        cjx_fault_set(&j->fault, CJX_ELIMIT, "", "the hub is stopping");
        j->done(h, j);
    }
    cjx_report_worker_collect(h);
    close(w->efd);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->mu);
    free(w);
    h->reports = NULL;
}

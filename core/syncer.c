/* syncer.c — fdatasync of files on a thread of their own (see syncer.h).
 * One mutex guards the slots; the thread takes posted slots in order,
 * syncs without the lock, marks the slot done and counts it on the eventfd.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "syncer.h"
#include "thread.h"

typedef enum { SLOT_IDLE, SLOT_POSTED, SLOT_RUNNING, SLOT_DONE } slot_state;

typedef struct sync_slot {
    slot_state state;
    int fd;
    cjx_sync_job job;
    int err;                   /* errno of a failed sync, or 0 */
} sync_slot;

struct cjx_syncer {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;    /* a slot was posted or finished, or stop */
    int stop;
    int event_fd;              /* counts finished syncs, for the loop's poll */
    size_t nslots;
    sync_slot slots[];
};

static void *sync_thread(void *arg)
{
    cjx_syncer *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        sync_slot *slot = NULL;
        for (size_t i = 0; !slot && i < s->nslots; i++)
            if (s->slots[i].state == SLOT_POSTED)
                slot = &s->slots[i];
        if (!slot) {
            if (s->stop)
                break;
            pthread_cond_wait(&s->changed, &s->lock);
            continue;
        }
        slot->state = SLOT_RUNNING;
        pthread_mutex_unlock(&s->lock);
        int err = fdatasync(slot->fd) == 0 ? 0 : errno;
        pthread_mutex_lock(&s->lock);
        slot->err = err;
        slot->state = SLOT_DONE;
        pthread_cond_broadcast(&s->changed);
        uint64_t one = 1;
        if (write(s->event_fd, &one, sizeof one) < 0) {
            /* the counter cannot overflow at one per sync; nothing to do */
        }
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

cjx_syncer *cjx_syncer_start(size_t nslots)
{
    cjx_syncer *s = calloc(1, sizeof *s + nslots * sizeof s->slots[0]);
    if (!s)
        return NULL;
    s->nslots = nslots;
    s->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->event_fd < 0) {
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->changed, NULL);
    if (cjx_thread_start(&s->thread, "cjx-sink-sync", sync_thread, s) != 0) {
        close(s->event_fd);
        pthread_cond_destroy(&s->changed);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    return s;
}

void cjx_syncer_stop(cjx_syncer **sp)
{
    cjx_syncer *s = *sp;
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stop = 1; /* posted syncs still run: the thread leaves when none is */
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    close(s->event_fd);
    pthread_cond_destroy(&s->changed);
    pthread_mutex_destroy(&s->lock);
    free(s);
    *sp = NULL;
}

int cjx_syncer_fd(const cjx_syncer *s)
{
    return s ? s->event_fd : -1;
}

void cjx_syncer_clear(cjx_syncer *s)
{
    uint64_t count;
    while (read(s->event_fd, &count, sizeof count) > 0)
        ;
}

void cjx_syncer_post(cjx_syncer *s, size_t slot, int fd, cjx_sync_job job)
{
    pthread_mutex_lock(&s->lock);
    s->slots[slot] = (sync_slot){SLOT_POSTED, fd, job, 0};
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

int cjx_syncer_collect(cjx_syncer *s, size_t slot, int wait, cjx_sync_job *job, int *err)
{
    pthread_mutex_lock(&s->lock);
    sync_slot *sl = &s->slots[slot];
    while (wait && (sl->state == SLOT_POSTED || sl->state == SLOT_RUNNING))
        pthread_cond_wait(&s->changed, &s->lock);
    int rc = 0;
    if (sl->state == SLOT_DONE) {
        *job = sl->job;
        *err = sl->err;
        sl->state = SLOT_IDLE;
        rc = 1;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* syncer.h — fdatasync of files on a thread of their own, so that a loop
 * goes on writing while the disk makes what it wrote before durable (the
 * agent's feed sinks: catching up, their syncs took a third of its time).
 *
 * Each file has a slot with at most one sync in flight: the loop posts it
 * with what the sync makes durable (the sequence and size the file had),
 * polls the eventfd, and collects the finished sync. fdatasync covers every
 * write that returned before it started, so what the loop writes after the
 * post is left to the next sync.
 */
#ifndef CJX_SYNCER_H
#define CJX_SYNCER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What one sync makes durable, as the poster described it. */
typedef struct cjx_sync_job {
    uint64_t seq;              /* e.g. the file's last line when posted */
    off_t size;                /* and its size then */
} cjx_sync_job;

typedef struct cjx_syncer cjx_syncer;

/* Starts the thread, with nslots slots. NULL when it cannot. */
cjx_syncer *cjx_syncer_start(size_t nslots);
/* Runs the syncs posted, then stops the thread; *s becomes NULL. */
void cjx_syncer_stop(cjx_syncer **s);
/* An eventfd, readable when a sync has finished since cjx_syncer_clear;
 * -1 for NULL. */
int cjx_syncer_fd(const cjx_syncer *s);
void cjx_syncer_clear(cjx_syncer *s);
/* Has fd synced; the slot must have no sync posted, running, or finished
 * and not collected. */
void cjx_syncer_post(cjx_syncer *s, size_t slot, int fd, cjx_sync_job job);
/* Takes the slot's finished sync: returns 1 and fills job and err (errno,
 * or 0 when it succeeded), or 0 when none has finished; with wait, first
 * waits for the one in flight. */
int cjx_syncer_collect(cjx_syncer *s, size_t slot, int wait, cjx_sync_job *job, int *err);

#endif

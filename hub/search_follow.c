/* search_follow.c — the thread that keeps the postings' search index up
 * with the log.
 *
 * Indexing a posting (its terms, its attributes, the segment merges) cost
 * the publish path about as much as everything else it does. So the index
 * lives in an LMDB environment of its own (search.c) and this thread
 * follows the store's log into it: after each batch the loop says how far
 * the log is committed (cjx_search_follow_notify); the thread reads the new
 * entries in a read transaction of the store and indexes their postings in
 * write transactions of the index, each recording the last sequence it
 * indexed. The index is derived from the log: after a crash the thread
 * goes on from the last sequence the index recorded. A search is answered
 * once the index has every entry committed before it, so a client finds
 * what it was acknowledged; it waits parked (search_wait.c), and this
 * thread wakes the loop through an eventfd when the index gets that far
 * (cjx_search_follow_wake_at).
 *
 * Under a burst of publishes the thread waits: indexing a posting costs
 * about as much CPU as publishing it, and on a small machine every core is
 * then wanted by the loop, ZeroMQ's threads and the publishers (1 wire
 * publisher with 200,000 postings: 108,600-136,600/s indexing beside it,
 * 169,600-177,400 with this wait). A batch of search_burst_entries log
 * entries or more starts or prolongs a burst, which lasts BURST_HOLD_MS
 * after the last such batch. A search waiting for the index ends the wait
 * at once. The wait is bounded: with DEFER_LAG_MAX entries not indexed
 * (about 1.4 s of indexing on a free core), so that a search after any
 * burst finds the index within reach of its 2 s, or after DEFER_MAX_MS of
 * waiting, so that a long, slow burst does not leave the index stale, the
 * thread indexes until it has caught up before it waits again.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hub.h"
#include "log.h"
#include "thread.h"

#define CHUNK 4096                     /* log entries per index transaction */
#define RETRY_MS 1000                  /* after a failed transaction */
#define FOLLOW_NICE 10                 /* the thread's nice value: below the loop's 0 */
#define BURST_HOLD_MS 100              /* the burst goes on this long after such a batch */
#define DEFER_MAX_MS 5000              /* indexing waits for a burst's end at most this long */
#define DEFER_LAG_MAX 262144           /* ... and while fewer entries than this wait for it */
#define CATCHING_UP (-1)               /* follow()'s deferred_since: it waited, catch up first */
/* Entries without a posting (records, registry entries) change nothing in
 * the index: a run of them is passed over without a transaction, and the
 * index records how far it got once this many went by (a restart reads
 * them again, which is all it costs). */
#define RECORD_EVERY 65536

struct cjx_search_follow {
    cjx_hub *h;                        /* its store and search_store; the loop's */
    cjx_search_index ix;               /* this thread's: pending entries and attributes */
    cjx_arena scratch;                 /* the entry being indexed, unpacked */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t more;               /* for the thread: more to index, or stop */
    int wake_fd;                       /* eventfd: the index got to wake_at, or failed */
    uint64_t wake_at;                  /* 0: the loop waits for nothing */
    uint64_t committed;                /* the log is committed up to here */
    uint64_t indexed;                  /* the index has every entry up to here */
    uint64_t recorded;                 /* the thread's: as the index says it has */
    int64_t burst_until;               /* cjx_mono_ms: publishes come in a burst until then */
    uint64_t deferred;                 /* waits for a burst to end */
    int stop, failed;                  /* failed: the last transaction did (an LMDB code) */
};

/* The moment ms from now, for pthread_cond_timedwait. */
static struct timespec in_ms(long long ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t); /* fw->more's clock */
    t.tv_sec += (time_t)(ms / 1000);
    t.tv_nsec += (long)(ms % 1000) * 1000000;
    if (t.tv_nsec >= 1000000000) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000;
    }
    return t;
}

/* Waits ms (or until stopped); fw->lock held. */
static void pause_for(cjx_search_follow *fw, long long ms)
{
    struct timespec until = in_ms(ms);
    while (!fw->stop && pthread_cond_timedwait(&fw->more, &fw->lock, &until) != ETIMEDOUT)
        ;
}

/* Indexes the postings of log entries (from, upto] in one transaction of
 * the index, which records upto; with no posting among them, and fewer than
 * RECORD_EVERY entries since the index last recorded how far it got, there
 * is no transaction at all. Returns an LMDB code. */
static int index_entries(cjx_search_follow *fw, uint64_t from, uint64_t upto)
{
    cjx_hub *h = fw->h;
    MDB_txn *log = NULL, *txn = NULL;
    MDB_cursor *cur = NULL;
    int rc = mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &log);
    if (rc == 0)
        rc = mdb_cursor_open(log, h->store->dbs[HUB_DB_LOG], &cur);
    uint8_t first[8];
    cjx_be64_put(first, from + 1);
    MDB_val k = {8, first}, v;
    int more = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    for (; rc == 0 && more == 0 && cjx_be64_get(k.mv_data) <= upto;
         more = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        ProtobufCAllocator *a = &fw->scratch.allocator;
        Cjx__Stored *st = cjx__stored__unpack(a, v.mv_size, v.mv_data);
        Cjx__Item *item = st && cjx_state_class(st->kind) == CJX_CLASS_POSTING
                              ? cjx__item__unpack(a, st->item.len, st->item.data)
                              : NULL;
        uint8_t key[CJX_STATE_KEY_MAX];
        size_t klen = item && item->body_case == CJX__ITEM__BODY_POSTING
                          ? cjx_state_key(key, st->origin, item)
                          : 0;
        if (klen && !txn)
            rc = mdb_txn_begin(h->search_store->env, NULL, 0, &txn);
        if (klen && rc == 0)
            rc = cjx_search_replace(txn, &fw->ix, key, klen, st->seq, item->posting);
        cjx_arena_reset(&fw->scratch); /* st, item */
    }
    if (rc == 0 && more && more != MDB_NOTFOUND)
        rc = more; /* a broken read: these entries are not passed over */
    if (cur)
        mdb_cursor_close(cur);
    if (log)
        mdb_txn_abort(log);
    if (rc == 0 && !txn && upto - fw->recorded < RECORD_EVERY)
        return 0;
    if (rc == 0 && !txn)
        rc = mdb_txn_begin(h->search_store->env, NULL, 0, &txn);
    if (rc == 0)
        rc = cjx_search_flush(txn, &fw->ix);
    else
        cjx_search_discard(&fw->ix);
    if (rc == 0)
        rc = cjx_store_meta_put_u64(txn, h->search_store, CJX_SEARCH_INDEXED, upto);
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else if (txn)
        mdb_txn_abort(txn);
    if (rc == 0)
        fw->recorded = upto;
    return rc;
}

/* How long to wait before indexing more, for the burst to end (0: index
 * now). since: when the thread began waiting since it last caught up (0:
 * not yet; a new wait is counted in fw->deferred), or CATCHING_UP. fw->lock
 * held. */
static long long burst_wait_ms(cjx_search_follow *fw, int64_t *since)
{
    int64_t now = cjx_mono_ms();
    if (fw->wake_at || fw->burst_until <= now || *since == CATCHING_UP ||
        fw->committed - fw->indexed >= DEFER_LAG_MAX)
        return 0;
    if (!*since) {
        *since = now;
        fw->deferred++;
    }
    int64_t end = *since + DEFER_MAX_MS;
    if (now >= end) {
        *since = CATCHING_UP;
        return 0;
    }
    return (end < fw->burst_until ? end : fw->burst_until) - now;
}

static void *follow(void *arg)
{
    cjx_search_follow *fw = arg;
    /* Indexing gives way to the loop (publishes, acks, events) when both
     * want a core: under a burst the index falls behind and catches up
     * after it, while searches wait parked, not holding the loop. Linux
     * sets a thread's own nice value with its thread id. */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), FOLLOW_NICE);
    int64_t deferred_since = 0;
    pthread_mutex_lock(&fw->lock);
    while (!fw->stop) {
        if (fw->indexed >= fw->committed) {
            deferred_since = 0; /* caught up: the next burst may be waited out */
            pthread_cond_wait(&fw->more, &fw->lock);
            continue;
        }
        if (fw->h->cfg.debug_search_delay_ms) {
            pause_for(fw, fw->h->cfg.debug_search_delay_ms);
            if (fw->stop)
                break;
        }
        long long burst = burst_wait_ms(fw, &deferred_since);
        if (burst > 0) { /* woken early by a search, a batch or stop: look again */
            struct timespec until = in_ms(burst);
            pthread_cond_timedwait(&fw->more, &fw->lock, &until);
            continue;
        }
        uint64_t from = fw->indexed;
        uint64_t upto = fw->committed - from > CHUNK ? from + CHUNK : fw->committed;
        pthread_mutex_unlock(&fw->lock);
        int rc = index_entries(fw, from, upto);
        if (rc)
            CJX_LOG(CJX_LOG_ERR, "search.follow", NULL, "indexing log entries %llu to %llu: %s",
                    (unsigned long long)from + 1, (unsigned long long)upto, mdb_strerror(rc));
        pthread_mutex_lock(&fw->lock);
        fw->failed = rc;
        if (rc == 0)
            fw->indexed = upto;
        if (fw->wake_at && (rc || fw->indexed >= fw->wake_at)) {
            fw->wake_at = 0;
            eventfd_write(fw->wake_fd, 1);
        }
        if (rc) /* try again a little later */
            pause_for(fw, RETRY_MS);
    }
    pthread_mutex_unlock(&fw->lock);
    return NULL;
}

cjx_search_follow *cjx_search_follow_start(cjx_hub *h, uint64_t indexed)
{
    cjx_search_follow *fw = calloc(1, sizeof *fw);
    if (!fw)
        return NULL;
    fw->h = h;
    /* the same databases; its own memory for what it indexes */
    fw->ix = (cjx_search_index){.segs = h->search.segs, .attrs = h->search.attrs,
                                .docs = h->search.docs, .keys = h->search.keys};
    fw->committed = fw->indexed = fw->recorded = indexed;
    cjx_arena_init(&fw->scratch);
    fw->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    pthread_mutex_init(&fw->lock, NULL);
    pthread_condattr_t monotonic;
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC); /* in_ms */
    pthread_cond_init(&fw->more, &monotonic);
    pthread_condattr_destroy(&monotonic);
    if (fw->wake_fd < 0 || cjx_thread_start(&fw->thread, "cjx-search", follow, fw) != 0) {
        if (fw->wake_fd >= 0)
            close(fw->wake_fd);
        pthread_cond_destroy(&fw->more);
        pthread_mutex_destroy(&fw->lock);
        free(fw);
        return NULL;
    }
    return fw;
}

void cjx_search_follow_notify(cjx_search_follow *fw, uint64_t committed)
{
    pthread_mutex_lock(&fw->lock);
    if (committed > fw->committed) {
        long long burst = fw->h->cfg.search_burst_entries;
        if (burst && committed - fw->committed >= (uint64_t)burst)
            fw->burst_until = cjx_mono_ms() + BURST_HOLD_MS;
        fw->committed = committed;
        pthread_cond_signal(&fw->more);
    }
    pthread_mutex_unlock(&fw->lock);
}

void cjx_search_follow_wake_at(cjx_search_follow *fw, uint64_t seq)
{
    pthread_mutex_lock(&fw->lock);
    if (fw->indexed >= seq || fw->failed)
        eventfd_write(fw->wake_fd, 1);
    else if (!fw->wake_at || seq < fw->wake_at)
        fw->wake_at = seq;
    pthread_cond_signal(&fw->more); /* a wait for a burst's end is over */
    pthread_mutex_unlock(&fw->lock);
}

int cjx_search_follow_fd(const cjx_search_follow *fw)
{
    return fw->wake_fd;
}

void cjx_search_follow_woken(cjx_search_follow *fw)
{
    eventfd_t n;
    eventfd_read(fw->wake_fd, &n); /* nonblocking: nothing to read is fine */
}

uint64_t cjx_search_follow_indexed(cjx_search_follow *fw, int *failed)
{
    pthread_mutex_lock(&fw->lock);
    uint64_t indexed = fw->indexed;
    if (failed)
        *failed = fw->failed != 0;
    pthread_mutex_unlock(&fw->lock);
    return indexed;
}

uint64_t cjx_search_follow_deferred(cjx_search_follow *fw)
{
    pthread_mutex_lock(&fw->lock);
    uint64_t deferred = fw->deferred;
    pthread_mutex_unlock(&fw->lock);
    return deferred;
}

void cjx_search_follow_stop(cjx_search_follow **fw_p)
{
    cjx_search_follow *fw = *fw_p;
    if (!fw)
        return;
    pthread_mutex_lock(&fw->lock);
    fw->stop = 1;
    pthread_cond_signal(&fw->more);
    pthread_mutex_unlock(&fw->lock);
    pthread_join(fw->thread, NULL);
    cjx_search_close(&fw->ix);
    cjx_arena_fini(&fw->scratch);
    close(fw->wake_fd);
    pthread_cond_destroy(&fw->more);
    pthread_mutex_destroy(&fw->lock);
    free(fw);
    *fw_p = NULL;
}

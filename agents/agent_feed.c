/* agent_feed.c — the agent's subscriptions: ask the hub for the feeds in the
 * configuration, hand every event to the subscription's sinks exactly once,
 * and acknowledge to the hub only what every sink has (guarantee 3).
 *
 * File sink: events are appended as JSON lines as soon as they arrive, and
 * the file is fsynced before what it holds is acknowledged: one sync for
 * every arrival within SYNC_DELAY_MS (group commit, as the hub does for
 * publishes), run by a thread of its own (syncer.c) while the loop
 * writes the next lines. The file itself says how far it got: at start the
 * agent syncs it, reads the sequence of its last complete line (cutting
 * off a half-written one), so a crash at any point neither loses nor
 * repeats a line. A write or sync that fails cuts the file back to its
 * last sync; the lines after it are written again after a back-off (1 s
 * doubling to 60 s), not at every event that arrives meanwhile.
 * Command sink: run once per event through /bin/sh, with the event as JSON
 * on stdin and CJX_SEQ, CJX_ID and CJX_SUBSCRIPTION in its environment; on
 * exit 0 the sequence is committed to the agent's store. A failing command
 * is retried with back-off (1 s doubling to 60 s) and the event is never
 * skipped. A crash between the command's exit and that commit runs it once
 * more for the same event: CJX_SEQ lets the command recognise it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "agent.h"
#include "codec.h"
#include "ids.h"
#include "json.h"
#include "json_write.h"
#include "log.h"
#include "store.h"

#define RETRY_MIN_MS 1000
#define RETRY_MAX_MS 60000
/* The tail read back to find a sink file's last line; an event line is far
 * shorter (a frame is at most 256 KiB). */
#define TAIL_BYTES (4 << 20)

/* A file sink's position is the seq of its last line (recover_file): the
 * copy in the store is for `cjx status` and is saved at most this often. */
#define PROGRESS_SAVE_MS 1000

/* How long a line written to a sink file may wait for its sync (and so
 * for its acknowledgement): a sync costs a subscriber as much as the lines
 * of many events, and a sink's readers see lines once they are written.
 * An eighth of the window unsynced is synced at once: catching up, the
 * hub then gets credit back while the agent formats the rest. */
#define SYNC_DELAY_MS 50

/* How often a running sink command is looked at (waitpid), and one that
 * could not start is tried again. */
#define FEED_POLL_MS 10

/* The sinks' lines are written here: one writer for the agent's life, its
 * buffer and scratch memory reused by every event (agent_feeds_open makes
 * it; the agent has one loop and one agent struct). */
static cjx_json_writer *lines;

static void deliver_file(agent *a, agent_sub *sub, int now);

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t delivered(const agent_sub *sub)
{
    uint64_t d = UINT64_MAX;
    if (sub->fd >= 0 && sub->state.file_seq < d)
        d = sub->state.file_seq;
    if (sub->cfg->sink_command[0] && sub->state.command_seq < d)
        d = sub->state.command_seq;
    return d;
}

/* Finds the sequence of the sink file's last complete line, and cuts off a
 * line left half-written by a crash. Returns 0 or -1. */
static int recover_file(agent_sub *sub)
{
    off_t size = lseek(sub->fd, 0, SEEK_END);
    if (size < 0)
        return -1;
    size_t want = size > TAIL_BYTES ? TAIL_BYTES : (size_t)size;
    char *buf = malloc(want + 1);
    if (!buf)
        return -1;
    if (pread(sub->fd, buf, want, size - (off_t)want) != (ssize_t)want) {
        free(buf);
        return -1;
    }
    size_t end = want; /* one past the last '\n' in buf */
    while (end > 0 && buf[end - 1] != '\n')
        end--;
    if (end < want && ftruncate(sub->fd, size - (off_t)(want - end)) != 0) {
        free(buf);
        return -1;
    }
    /* what the last run wrote but did not sync yet is acknowledged as
     * delivered from now on: it must be on disk first */
    if (fdatasync(sub->fd) != 0) {
        free(buf);
        return -1;
    }
    sub->synced_size = size - (off_t)(want - end);
    if (end < want)
        CJX_LOG(CJX_LOG_WARNING, "feed.recover", NULL, "%s: cut a half-written last line",
                sub->cfg->sink_file);
    size_t start = end ? end - 1 : 0;
    while (start > 0 && buf[start - 1] != '\n')
        start--;
    if (end > start) {
        json_error_t err;
        json_t *line = json_loadb(buf + start, end - start, 0, &err);
        json_t *seq = line ? json_object_get(line, "seq") : NULL;
        if (json_is_integer(seq))
            sub->state.file_seq = (uint64_t)json_integer_value(seq);
        json_decref(line);
    }
    sub->written_seq = sub->state.file_seq;
    free(buf);
    return 0;
}

static void load_state(agent *a, agent_sub *sub)
{
    cjx_store *st = cjx_outbox_store(a->outbox);
    MDB_txn *txn;
    if (mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn))
        return;
    MDB_val k = {strlen(sub->cfg->name), (void *)sub->cfg->name}, v;
    if (mdb_get(txn, st->dbs[CJX_AGENT_DB_FEEDS], &k, &v) == 0) {
        Cjx__FeedState *fs = cjx__feed_state__unpack(NULL, v.mv_size, v.mv_data);
        if (fs) {
            sub->state.command_seq = fs->command_seq;
            sub->state.file_seq = fs->file_seq;
            sub->state.failures = fs->failures;
            cjx__feed_state__free_unpacked(fs, NULL);
        }
    }
    mdb_txn_abort(txn);
}

/* Writes every changed subscription's state in one transaction. */
static void save_states(agent *a)
{
    cjx_store *st = cjx_outbox_store(a->outbox);
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(st->env, NULL, 0, &txn);
    for (size_t i = 0; rc == 0 && i < a->nsubs; i++) {
        agent_sub *sub = &a->subs[i];
        if (!sub->dirty && !sub->progress)
            continue;
        sub->state.last_error = sub->last_error;
        MDB_val k = {strlen(sub->cfg->name), (void *)sub->cfg->name};
        MDB_val v = {cjx__feed_state__get_packed_size(&sub->state), NULL};
        rc = mdb_put(txn, st->dbs[CJX_AGENT_DB_FEEDS], &k, &v, MDB_RESERVE);
        if (rc == 0)
            cjx__feed_state__pack(&sub->state, v.mv_data);
    }
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else if (txn)
        mdb_txn_abort(txn);
    if (rc) {
        CJX_LOG(CJX_LOG_ERR, "feed.state", a->cfg.credit_code, "cannot save feed state: %s",
                mdb_strerror(rc));
        return; /* a command that succeeded runs once more after a crash */
    }
    for (size_t i = 0; i < a->nsubs; i++)
        a->subs[i].dirty = a->subs[i].progress = 0;
    a->feeds_saved_ms = mono_ms();
}

int agent_feeds_open(agent *a)
{
    a->nsubs = a->cfg.nsubs;
    a->subs = calloc(a->nsubs ? a->nsubs : 1, sizeof *a->subs);
    if (!lines)
        lines = cjx_json_writer_new();
    if (!a->subs || !lines)
        return -1;
    for (size_t i = 0; i < a->nsubs; i++) {
        agent_sub *sub = &a->subs[i];
        cjx_fault fault = {0};
        sub->cfg = &a->cfg.subs[i];
        sub->fd = -1;
        sub->child = -1;
        cjx__feed_state__init(&sub->state);
        sub->cap = (size_t)a->cfg.feed_window;
        sub->queue = calloc(sub->cap, sizeof *sub->queue);
        if (!sub->queue || cjx_subscription_build(sub->cfg, &sub->wire, &fault) != CJX_OK) {
            CJX_LOG(CJX_LOG_ERR, "feed.config", a->cfg.credit_code, "%s", fault.text);
            return -1;
        }
        load_state(a, sub);
        if (!sub->cfg->sink_file[0])
            continue;
        sub->slot = i;
        if (!a->syncer && !(a->syncer = cjx_syncer_start(a->nsubs))) {
            CJX_LOG(CJX_LOG_ERR, "feed.sink", a->cfg.credit_code,
                    "cannot start the thread that syncs sink files");
            return -1;
        }
        char dir[CJX_CONF_STRMAX];
        snprintf(dir, sizeof dir, "%s", sub->cfg->sink_file);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
            *slash = '\0';
            cjx_make_dirs(dir);
        }
        sub->fd = open(sub->cfg->sink_file, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (sub->fd < 0 || recover_file(sub) != 0) {
            CJX_LOG(CJX_LOG_ERR, "feed.sink", a->cfg.credit_code, "sink file %s: %s",
                    sub->cfg->sink_file, strerror(errno));
            return -1;
        }
        CJX_LOG(CJX_LOG_INFO, "feed.open", a->cfg.credit_code, "%s: sink file %s at seq %llu",
                sub->cfg->name, sub->cfg->sink_file, (unsigned long long)sub->state.file_seq);
    }
    return 0;
}

static void clear_queue(agent_sub *sub)
{
    for (; sub->count; sub->count--, sub->head = (sub->head + 1) % sub->cap)
        free(sub->queue[sub->head].data);
    sub->head = 0;
}

void agent_feeds_close(agent *a)
{
    for (size_t i = 0; i < a->nsubs; i++)
        if (a->subs[i].fd >= 0 && (a->subs[i].count || a->subs[i].syncing_seq))
            deliver_file(a, &a->subs[i], 1); /* what is written is synced */
    cjx_syncer_stop(&a->syncer);
    save_states(a);
    for (size_t i = 0; i < a->nsubs; i++) {
        agent_sub *sub = &a->subs[i];
        clear_queue(sub);
        free(sub->queue);
        if (sub->wire)
            cjx__subscription__free_unpacked(sub->wire, NULL);
        if (sub->fd >= 0)
            close(sub->fd);
    }
    free(a->subs);
    a->subs = NULL;
    a->nsubs = 0;
    cjx_json_writer_destroy(&lines);
}

void agent_feeds_subscribe(agent *a, Cjx__Subscription *extra)
{
    Cjx__Subscription **wires = calloc(a->nsubs + 1, sizeof *wires);
    if (!wires)
        return;
    size_t n = 0;
    for (size_t i = 0; i < a->nsubs; i++) {
        clear_queue(&a->subs[i]); /* the hub resends from its cursor */
        a->subs[i].received = a->subs[i].acked = 0;
        wires[n++] = a->subs[i].wire;
    }
    if (extra)
        wires[n++] = extra;
    if (!n) {
        free(wires);
        return;
    }
    Cjx__Subscribe m = CJX__SUBSCRIBE__INIT;
    m.n_subscriptions = n;
    m.subscriptions = wires;
    m.window = (uint32_t)a->cfg.feed_window;
    m.batch = 1;
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_SUBSCRIBE;
    fr.subscribe = &m;
    cjx_frame_send(a->sock, NULL, 0, &fr, ZMQ_DONTWAIT);
    free(wires);
}

static agent_sub *find_sub(agent *a, const char *name)
{
    for (size_t i = 0; i < a->nsubs; i++)
        if (strcmp(a->subs[i].cfg->name, name) == 0)
            return &a->subs[i];
    return NULL;
}

void agent_feeds_on_subscribed(agent *a, const Cjx__Subscribed *m)
{
    agent_sub *sub = find_sub(a, m->name);
    if (sub)
        sub->received = sub->acked = m->cursor; /* the first event follows it */
}

int agent_feeds_check_marks(agent *a, const Cjx__Heartbeat *hb)
{
    for (size_t i = 0; i < hb->n_feeds; i++) {
        const Cjx__FeedMark *m = hb->feeds[i];
        agent_sub *sub = find_sub(a, m->subscription);
        uint64_t got = sub ? sub->received
                           : agent_replica_is_name(m->subscription) ? a->replica.received
                                                                    : UINT64_MAX;
        if (got < m->last_sent) {
            CJX_LOG(CJX_LOG_WARNING, "feed.gap", a->cfg.credit_code,
                    "%s: the hub sent up to %llu, %llu arrived; resubscribing", m->subscription,
                    (unsigned long long)m->last_sent, (unsigned long long)got);
            return LINK_RESYNC;
        }
    }
    return 0;
}

void *agent_event_take(Cjx__Event *ev)
{
    void *data = ev->stored.data;
    if (!ev->stored.len || !data) /* protobuf-c leaves an empty field unallocated */
        return malloc(1);
    ev->stored = (ProtobufCBinaryData){0, NULL};
    return data;
}

int agent_feeds_on_event(agent *a, Cjx__Event *ev)
{
    agent_sub *sub = find_sub(a, ev->subscription);
    if (!sub || ev->seq <= sub->received)
        return 0; /* not ours, or a resend within this session */
    if (ev->prev_seq != sub->received) {
        CJX_LOG(CJX_LOG_WARNING, "feed.gap", a->cfg.credit_code,
                "%s: event %llu follows %llu, but %llu was the last received; resubscribing",
                sub->cfg->name, (unsigned long long)ev->seq, (unsigned long long)ev->prev_seq,
                (unsigned long long)sub->received);
        return LINK_RESYNC;
    }
    if (ev->seq <= delivered(sub)) {
        sub->received = ev->seq;
        return 0; /* at every sink already: only to be acknowledged */
    }
    pending *p = &sub->queue[(sub->head + sub->count) % sub->cap];
    size_t len = ev->stored.len;
    p->data = sub->count < sub->cap ? agent_event_take(ev) : NULL;
    if (!p->data) {
        /* The hub never sends more than the window, so this is a broken
         * promise or no memory: start over from the hub's cursor rather
         * than leave a gap. */
        CJX_LOG(CJX_LOG_ERR, "feed.overflow", a->cfg.credit_code,
                "%s: cannot queue seq %llu; restarting the session", sub->cfg->name,
                (unsigned long long)ev->seq);
        return LINK_RESTART;
    }
    sub->received = ev->seq;
    p->len = len;
    p->seq = ev->seq;
    sub->count++;
    return 0;
}

/* Appends the event's JSON line and a newline to lines, as the file and
 * command sinks get it. Returns 0, or -1 when the event has no JSON form or
 * memory ran out (the caller then drops what lines holds). */
static int append_line(const agent_sub *sub, const pending *p)
{
    if (cjx_json_write_event(lines, sub->cfg->name, p->data, p->len) != CJX_OK ||
        cjx_json_write_raw(lines, "\n", 1) != CJX_OK)
        return -1;
    return 0;
}

/* Writes all of buf. Returns 0 or -1 (errno set). */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A sink failed (again): it is tried next after its back-off. */
static void retry_later(sink_retry *r)
{
    r->backoff_ms = r->backoff_ms ? r->backoff_ms * 2 : RETRY_MIN_MS;
    if (r->backoff_ms > RETRY_MAX_MS)
        r->backoff_ms = RETRY_MAX_MS;
    r->at_ms = mono_ms() + r->backoff_ms;
}

/* A sink took what it was given: its back-off is over, and this clears
 * the subscription's failures (those counted before a restart too) unless
 * its other sink is failing. */
static void note_sink_ok(agent_sub *sub, sink_retry *r)
{
    int was_failing = r->backoff_ms != 0;
    r->backoff_ms = 0;
    if ((!was_failing && !sub->state.failures) || sub->file_retry.backoff_ms ||
        sub->command_retry.backoff_ms)
        return;
    sub->state.failures = 0;
    sub->last_error[0] = '\0';
    sub->dirty = 1;
}

static void note_failure(agent *a, agent_sub *sub, const char *what)
{
    snprintf(sub->last_error, sizeof sub->last_error, "%s", what);
    sub->state.failures++;
    sub->state.last_error_ms = (int64_t)time(NULL) * 1000;
    sub->dirty = 1;
    CJX_LOG(CJX_LOG_WARNING, "feed.sink", a->cfg.credit_code, "%s: %s (failure %u)",
            sub->cfg->name, what, sub->state.failures);
}

/* Cuts the sink file back to its last sync after a failure: the lines
 * after it are written again from the queue, after the sink's back-off
 * (a full disk is not asked again for every event that arrives). */
static void cut_back(agent *a, agent_sub *sub, const char *what)
{
    int saved = errno;
    if (ftruncate(sub->fd, sub->synced_size) != 0)
        CJX_LOG(CJX_LOG_CRIT, "feed.sink", a->cfg.credit_code, "%s: cannot cut back %s",
                sub->cfg->name, sub->cfg->sink_file);
    sub->written_seq = sub->state.file_seq;
    sub->unsynced_ms = 0;
    char text[200];
    snprintf(text, sizeof text, "%s %.120s: %s", what, sub->cfg->sink_file, strerror(saved));
    note_failure(a, sub, text);
    retry_later(&sub->file_retry);
}

/* The place in sub's queue (0 … count) of its first event after seq: the
 * queue is in sequence order, so a binary search. */
static size_t first_after(const agent_sub *sub, uint64_t seq)
{
    size_t lo = 0, hi = sub->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sub->queue[(sub->head + mid) % sub->cap].seq <= seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Takes the sink's finished sync (with wait, waits for the one in flight):
 * its lines now count as delivered (file_seq); a failed one cuts the file
 * back to the sync before it. Returns 1 when it cut the file back. */
static int collect_sync(agent *a, agent_sub *sub, int wait)
{
    cjx_sync_job job;
    int err;
    if (!sub->syncing_seq || !cjx_syncer_collect(a->syncer, sub->slot, wait, &job, &err))
        return 0;
    sub->syncing_seq = 0;
    if (err) {
        errno = err;
        cut_back(a, sub, "syncing");
        return 1;
    }
    sub->synced_size = job.size;
    sub->state.file_seq = job.seq;
    sub->progress = 1;
    note_sink_ok(sub, &sub->file_retry);
    return 0;
}

/* Appends the queued events the file does not have yet in one write
 * (unless it failed and its back-off is not over), and has the file synced
 * (syncer.c) when its oldest unsynced line has waited SYNC_DELAY_MS, an
 * eighth of the window is neither synced nor being synced, or now
 * (closing: then it waits for the sync). Only a finished sync makes lines
 * delivered (file_seq). */
static void deliver_file(agent *a, agent_sub *sub, int now)
{
    collect_sync(a, sub, now);
    if (!now && mono_ms() < sub->file_retry.at_ms)
        return; /* it failed: tried again after its back-off */
    uint64_t last = sub->written_seq;
    uint64_t covered = sub->syncing_seq ? sub->syncing_seq : sub->state.file_seq;
    size_t len, unsynced = sub->count - first_after(sub, covered);
    int bad = 0;
    cjx_json_writer_clear(lines);
    for (size_t i = first_after(sub, last); !bad && i < sub->count; i++) {
        const pending *p = &sub->queue[(sub->head + i) % sub->cap];
        bad = append_line(sub, p) != 0;
        if (!bad)
            last = p->seq;
    }
    const char *buf = cjx_json_writer_data(lines, &len);
    if (bad || (len && write_all(sub->fd, buf, len) != 0)) {
        if (bad) /* an event without a JSON form, or no memory: nothing written */
            errno = ENOMEM;
        int saved = errno;
        if (collect_sync(a, sub, 1)) /* the cut must not race the sync */
            return;                  /* which failed too, and cut already */
        errno = saved;
        cut_back(a, sub, bad ? "formatting an event for" : "writing");
        return;
    }
    int64_t t = mono_ms();
    if (last > sub->written_seq && !sub->unsynced_ms)
        sub->unsynced_ms = t;
    sub->written_seq = last;
    if (sub->syncing_seq || last == sub->state.file_seq ||
        !(now || 8 * unsynced >= sub->cap || t - sub->unsynced_ms >= SYNC_DELAY_MS))
        return;
    off_t size = lseek(sub->fd, 0, SEEK_END);
    if (size < 0) {
        cut_back(a, sub, "syncing");
        return;
    }
    cjx_syncer_post(a->syncer, sub->slot, sub->fd, (cjx_sync_job){last, size});
    sub->syncing_seq = last;
    sub->unsynced_ms = 0;
    if (now)
        collect_sync(a, sub, 1);
}

/* Starts the command for the first event it has not accepted yet. */
static void start_command(agent *a, agent_sub *sub, const pending *p)
{
    char path[CJX_CONF_STRMAX + 64];
    size_t len;
    snprintf(path, sizeof path, "%.200s/feed-%.64s.event", a->cfg.data_dir, sub->cfg->name);
    cjx_json_writer_clear(lines);
    FILE *f = append_line(sub, p) == 0 ? fopen(path, "w") : NULL;
    const char *line = cjx_json_writer_data(lines, &len);
    int ok = f && fwrite(line, 1, len, f) == len;
    if (f)
        ok &= fclose(f) == 0;
    if (!ok) {
        note_failure(a, sub, "cannot write the event for the command");
        retry_later(&sub->command_retry);
        return;
    }
    char seq[32], id[CJX_ID_MAX];
    snprintf(seq, sizeof seq, "%llu", (unsigned long long)p->seq);
    Cjx__Stored *st = cjx__stored__unpack(NULL, p->len, p->data);
    snprintf(id, sizeof id, "%s", st ? st->id : "");
    if (st)
        cjx__stored__free_unpacked(st, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int in = open(path, O_RDONLY);
        if (in < 0 || dup2(in, STDIN_FILENO) < 0)
            _exit(126);
        setenv("CJX_SEQ", seq, 1);
        setenv("CJX_ID", id, 1);
        setenv("CJX_SUBSCRIPTION", sub->cfg->name, 1);
        execl("/bin/sh", "sh", "-c", sub->cfg->sink_command, (char *)NULL);
        _exit(127);
    }
    if (pid < 0) {
        note_failure(a, sub, "cannot start the command");
        retry_later(&sub->command_retry);
        return;
    }
    sub->child = pid;
    sub->child_seq = p->seq;
}

/* Reaps a finished command; schedules a retry when it failed. */
static void reap_command(agent *a, agent_sub *sub)
{
    int status;
    pid_t r = waitpid(sub->child, &status, WNOHANG);
    if (r == 0)
        return;
    sub->child = -1;
    if (r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        sub->state.command_seq = sub->child_seq;
        sub->dirty = 1;
        note_sink_ok(sub, &sub->command_retry);
        return;
    }
    char what[200];
    if (r > 0 && WIFEXITED(status))
        snprintf(what, sizeof what, "command exited with %d at seq %llu", WEXITSTATUS(status),
                 (unsigned long long)sub->child_seq);
    else
        snprintf(what, sizeof what, "command killed by signal %d at seq %llu",
                 r > 0 && WIFSIGNALED(status) ? WTERMSIG(status) : 0,
                 (unsigned long long)sub->child_seq);
    note_failure(a, sub, what);
    retry_later(&sub->command_retry);
}

static void deliver_command(agent *a, agent_sub *sub)
{
    if (sub->child > 0)
        reap_command(a, sub);
    if (sub->child > 0 || mono_ms() < sub->command_retry.at_ms)
        return;
    for (size_t i = 0; i < sub->count; i++) {
        const pending *p = &sub->queue[(sub->head + i) % sub->cap];
        if (p->seq > sub->state.command_seq) {
            start_command(a, sub, p);
            return;
        }
    }
}

long agent_feeds_wait_ms(const agent *a)
{
    int64_t now = mono_ms(), due = INT64_MAX;
    int progress = 0;
    for (size_t i = 0; i < a->nsubs; i++) {
        const agent_sub *sub = &a->subs[i];
        if (sub->child > 0)
            return FEED_POLL_MS; /* reaped by polling */
        if (sub->unsynced_ms && !sub->syncing_seq && sub->unsynced_ms + SYNC_DELAY_MS < due)
            due = sub->unsynced_ms + SYNC_DELAY_MS;
        uint64_t newest = sub->count ? sub->queue[(sub->head + sub->count - 1) % sub->cap].seq : 0;
        int command_waits = sub->cfg->sink_command[0] && newest > sub->state.command_seq;
        int64_t retry = sub->command_retry.at_ms > now ? sub->command_retry.at_ms
                                                       : now + FEED_POLL_MS;
        if (command_waits && retry < due)
            due = retry;
        int64_t file_retry = sub->file_retry.at_ms > now ? sub->file_retry.at_ms : now;
        if (sub->fd >= 0 && sub->file_retry.backoff_ms && newest > sub->written_seq &&
            file_retry < due)
            due = file_retry;
        progress |= sub->progress;
    }
    if (progress && a->feeds_saved_ms + PROGRESS_SAVE_MS < due)
        due = a->feeds_saved_ms + PROGRESS_SAVE_MS;
    return due == INT64_MAX ? -1 : due <= now ? 0 : (long)(due - now);
}

int agent_feeds_fd(const agent *a)
{
    return cjx_syncer_fd(a->syncer);
}

void agent_feeds_work(agent *a)
{
    int dirty = 0, progress = 0;
    if (a->syncer)
        cjx_syncer_clear(a->syncer); /* the syncs finished are collected below */
    for (size_t i = 0; i < a->nsubs; i++) {
        agent_sub *sub = &a->subs[i];
        if (sub->fd >= 0 && (sub->count || sub->syncing_seq))
            deliver_file(a, sub, 0);
        if (sub->cfg->sink_command[0])
            deliver_command(a, sub);
        dirty |= sub->dirty;
        progress |= sub->progress;
    }
    if (dirty || (progress && mono_ms() - a->feeds_saved_ms >= PROGRESS_SAVE_MS))
        save_states(a);
    for (size_t i = 0; i < a->nsubs; i++) {
        agent_sub *sub = &a->subs[i];
        uint64_t done = delivered(sub);
        while (sub->count && sub->queue[sub->head].seq <= done) {
            free(sub->queue[sub->head].data);
            sub->head = (sub->head + 1) % sub->cap;
            sub->count--;
        }
        /* acknowledge what every sink has, but never beyond what this
         * session received: the hub refuses acks for events it did not send */
        uint64_t ack = done < sub->received ? done : sub->received;
        if (ack > sub->acked && a->state == AGENT_READY &&
            cjx_send_event_ack(a->sock, sub->cfg->name, ack, ZMQ_DONTWAIT) == CJX_OK)
            sub->acked = ack;
    }
}

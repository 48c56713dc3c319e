/* agent_inbox.c — the agent's inbox: a folder watched with inotify, where an
 * institution's systems drop exported files to be imported (core/import.h).
 *
 * A file renamed into the folder (IN_MOVED_TO) is complete and taken at once.
 * A file written in place (IN_CLOSE_WRITE, which fires at every close) and
 * the files found by a scan (at start-up, or when inotify's queue overflowed)
 * are taken once their size and modification time have not changed for
 * import_settle_ms. Names starting with "." or ending in .tmp, .part,
 * .crdownload, .swp or ~ are left alone, so a writer can write one of those
 * and rename it.
 *
 * Taking a file moves it, by rename, into .work/ inside the inbox: it is
 * imported from there and moved on to done/, or, when any row was refused,
 * to failed/ next to NAME.errors.csv. So a file dropped again under the same
 * name while the first is importing is a file of its own. Files left in
 * .work/ by a stop or a crash are imported first at the next start (rows
 * already stored are unchanged and skipped). A file that cannot be read, or
 * that the store will not take after a few tries, goes to failed/ with a
 * one-line NAME.errors.csv saying why.
 *
 * One file at a time is converted, a slice of rows per turn of the agent's
 * loop (the link keeps working), then stored in one transaction. The
 * descriptor the loop polls is an epoll set of the inotify descriptor and a
 * timer, which wakes the loop when a settling file is due or a store is to
 * be tried again.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "agent.h"
#include "import.h"
#include "log.h"
#include "store.h"

#define SLICE_ROWS 256
#define SLICE_MS 20
#define PATH_MAX_LEN 1024
#define NAME_MAX_LEN 256
/* How often settling files are looked at, at most, in ms. */
#define SETTLE_POLL_MS 200
/* Tries of a store that fails (a full map may drain as the hub acknowledges),
 * 1 s apart, then 2, 4, 8 s; then the file goes to failed/. */
#define STORE_TRIES 5

/* A file waiting in the inbox, or in .work/ (taken). */
typedef struct queued {
    char *name;
    int taken;                 /* in .work/ already */
    int ready;                 /* renamed in, or settled */
    int64_t since_ms;          /* when size and time were last seen to change */
    off_t size;
    struct timespec mtime;
} queued;

struct agent_inbox {
    int fd;                    /* the epoll set the loop polls */
    int watch, timer;          /* inotify, timerfd */
    const char *code;          /* for the log */
    int64_t settle_ms;
    char dir[PATH_MAX_LEN], work[PATH_MAX_LEN], done[PATH_MAX_LEN], failed[PATH_MAX_LEN];
    queued *queue;             /* oldest first */
    size_t n, cap;
    int64_t next_check_ms;     /* of the settling files */
    cjx_import_env env;
    cjx_import *current;
    char name[NAME_MAX_LEN];   /* of the current file, as dropped */
    char path[PATH_MAX_LEN + NAME_MAX_LEN]; /* where it is: in .work/ */
    int64_t timer_ms;          /* when the timer fires */
    int tries;                 /* stores of the current file that failed */
    int64_t retry_ms;          /* when to try again */
};

static int ends_with(const char *s, const char *end)
{
    size_t n = strlen(s), m = strlen(end);
    return n >= m && strcmp(s + n - m, end) == 0;
}

/* Whether a name is a file to import (when complete). */
static int eligible(const char *name)
{
    static const char *const partial[] = {".tmp", ".part", ".crdownload", ".swp", "~",
                                          ".errors.csv"};
    if (name[0] == '.' || name[0] == '\0' || strlen(name) >= NAME_MAX_LEN)
        return 0;
    for (size_t i = 0; i < sizeof partial / sizeof partial[0]; i++)
        if (ends_with(name, partial[i]))
            return 0;
    return 1;
}

/* Queues name (or, when queued already and still in the inbox, starts its
 * settling over, or makes it ready when it was renamed in). */
static void enqueue(agent_inbox *in, const char *name, int taken, int ready)
{
    for (size_t i = 0; i < in->n; i++) {
        queued *q = &in->queue[i];
        if (!q->taken && !taken && strcmp(q->name, name) == 0) {
            q->ready |= ready;
            q->since_ms = agent_now_ms();
            return;
        }
    }
    if (in->n == in->cap) {
        size_t cap = in->cap ? 2 * in->cap : 16;
        queued *q = realloc(in->queue, cap * sizeof *q);
        if (!q) {
            CJX_LOG(CJX_LOG_ERR, "inbox.queue", in->code, "%s: out of memory", name);
            return;
        }
        in->queue = q;
        in->cap = cap;
    }
    queued *q = &in->queue[in->n];
    memset(q, 0, sizeof *q);
    q->taken = taken;
    q->ready = ready || in->settle_ms == 0;
    q->since_ms = agent_now_ms();
    q->size = -1;
    if ((q->name = strdup(name)))
        in->n++;
}

static void dequeue(agent_inbox *in, size_t i)
{
    free(in->queue[i].name);
    memmove(in->queue + i, in->queue + i + 1, (in->n - i - 1) * sizeof *in->queue);
    in->n--;
}

static int by_name(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Queues the regular files of dir that are not queued yet, in name order:
 * taken (dir is .work/) or settling. */
static void scan(agent_inbox *in, const char *dir, int taken)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[PATH_MAX_LEN + NAME_MAX_LEN];
    struct stat st;
    char **names = NULL;
    size_t n = 0, cap = 0;
    while (d && (e = readdir(d))) {
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (!eligible(e->d_name) || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            char **more = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof *names);
            if (!more)
                break;
            names = more;
        }
        if ((names[n] = strdup(e->d_name)))
            n++;
    }
    if (d)
        closedir(d);
    if (n)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        int queued_already = 0;
        for (size_t k = 0; k < in->n && !queued_already; k++)
            queued_already = in->queue[k].taken == taken && strcmp(in->queue[k].name, names[i]) == 0;
        if (!queued_already)
            enqueue(in, names[i], taken, taken);
        free(names[i]);
    }
    free(names);
}

/* Arms the timer to fire in ms (> 0), unless it fires sooner already. */
static void arm(agent_inbox *in, int64_t ms)
{
    int64_t now = agent_now_ms(), at = now + ms;
    if (in->timer_ms > now && in->timer_ms <= at)
        return;
    struct itimerspec t = {{0, 0}, {ms / 1000, (ms % 1000) * 1000000}};
    if (timerfd_settime(in->timer, 0, &t, NULL) == 0)
        in->timer_ms = at;
}

int agent_inbox_open(agent *a)
{
    if (!a->cfg.inbox_dir[0])
        return 0;
    agent_inbox *in = calloc(1, sizeof *in);
    if (!in)
        return -1;
    in->fd = in->watch = in->timer = -1;
    in->code = a->cfg.credit_code;
    in->settle_ms = a->cfg.import_settle_ms;
    a->inbox = in;
    snprintf(in->dir, sizeof in->dir, "%s", a->cfg.inbox_dir);
    snprintf(in->work, sizeof in->work, "%s/.work", a->cfg.inbox_dir);
    snprintf(in->done, sizeof in->done, "%s/done", a->cfg.inbox_dir);
    snprintf(in->failed, sizeof in->failed, "%s/failed", a->cfg.inbox_dir);
    cjx_fault fault;
    if (cjx_make_dirs(in->done) || cjx_make_dirs(in->failed) || cjx_make_dirs(in->work)) {
        CJX_LOG(CJX_LOG_ERR, "inbox.open", in->code, "%s: %s", in->dir, strerror(errno));
        return -1;
    }
    if (cjx_import_env_open(&in->env, &a->cfg, a->outbox, &fault) != CJX_OK) {
        CJX_LOG(CJX_LOG_ERR, "inbox.open", in->code, "%s", fault.text);
        return -1;
    }
    struct epoll_event ev = {.events = EPOLLIN};
    in->fd = epoll_create1(EPOLL_CLOEXEC);
    in->watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    in->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (in->fd < 0 || in->watch < 0 || in->timer < 0 ||
        inotify_add_watch(in->watch, in->dir, IN_CLOSE_WRITE | IN_MOVED_TO) < 0 ||
        epoll_ctl(in->fd, EPOLL_CTL_ADD, in->watch, &ev) ||
        epoll_ctl(in->fd, EPOLL_CTL_ADD, in->timer, &ev)) {
        CJX_LOG(CJX_LOG_ERR, "inbox.open", in->code, "watching %s: %s", in->dir,
                strerror(errno));
        return -1;
    }
    scan(in, in->work, 1); /* left by a stop or a crash: first */
    size_t left = in->n;
    scan(in, in->dir, 0);
    CJX_LOG(CJX_LOG_NOTICE, "inbox.open", in->code,
            "watching %s; %zu files waiting, %zu of them left in .work/", in->dir, in->n, left);
    return 0;
}

int agent_inbox_fd(const agent *a)
{
    return a->inbox ? a->inbox->fd : -1;
}

int agent_inbox_busy(const agent *a)
{
    const agent_inbox *in = a->inbox;
    if (!in)
        return 0;
    if (in->current)
        return !in->retry_ms; /* a store to try again: the timer wakes the loop */
    for (size_t i = 0; i < in->n; i++)
        if (in->queue[i].ready)
            return 1;
    return 0;
}

/* Reads what inotify has to say and queues the files dropped. */
static void read_events(agent_inbox *in)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t len;
    uint64_t fired;
    if (read(in->timer, &fired, sizeof fired) < 0 && errno != EAGAIN)
        CJX_LOG(CJX_LOG_WARNING, "inbox.timer", in->code, "%s", strerror(errno));
    while ((len = read(in->watch, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + len;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            if (ev->mask & IN_Q_OVERFLOW) {
                CJX_LOG(CJX_LOG_WARNING, "inbox.overflow", in->code,
                        "inotify's queue overflowed; looking at the whole folder");
                scan(in, in->dir, 0);
            } else if (ev->len && !(ev->mask & IN_ISDIR) && eligible(ev->name)) {
                enqueue(in, ev->name, 0, (ev->mask & IN_MOVED_TO) != 0);
            }
            p += sizeof *ev + ev->len;
        }
    }
}

/* Makes ready the files whose size and time stayed still for settle_ms, and
 * drops those gone; arms the timer for the next look. */
static void settle(agent_inbox *in)
{
    int64_t now = agent_now_ms(), wait = 0;
    if (now < in->next_check_ms)
        return;
    for (size_t i = 0; i < in->n;) {
        queued *q = &in->queue[i];
        char path[PATH_MAX_LEN + NAME_MAX_LEN];
        struct stat st;
        if (q->ready) {
            i++;
            continue;
        }
        snprintf(path, sizeof path, "%s/%s", in->dir, q->name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            dequeue(in, i); /* moved away or deleted by its writer */
            continue;
        }
        if (st.st_size != q->size || st.st_mtim.tv_sec != q->mtime.tv_sec ||
            st.st_mtim.tv_nsec != q->mtime.tv_nsec) {
            q->size = st.st_size;
            q->mtime = st.st_mtim;
            q->since_ms = now;
        }
        int64_t left = q->since_ms + in->settle_ms - now;
        if (left <= 0)
            q->ready = 1;
        else if (!wait || left < wait)
            wait = left;
        i++;
    }
    if (wait && wait < SETTLE_POLL_MS)
        wait = SETTLE_POLL_MS; /* time is looked at in steps: not every ms */
    if (wait > SETTLE_POLL_MS * 5)
        wait = SETTLE_POLL_MS * 5;
    in->next_check_ms = wait ? now + SETTLE_POLL_MS : 0;
    if (wait)
        arm(in, wait);
}

/* dir/name, or dir/stem.N.ext when that is taken (the same name dropped
 * again). */
static void free_name(const char *dir, const char *name, char *out, size_t cap)
{
    struct stat st;
    snprintf(out, cap, "%s/%s", dir, name);
    const char *dot = strrchr(name, '.');
    int stem = dot && dot != name ? (int)(dot - name) : (int)strlen(name);
    for (unsigned i = 1; lstat(out, &st) == 0 && i < 100000; i++)
        snprintf(out, cap, "%s/%.*s.%u%s", dir, stem, name, i, name + stem);
}

/* Moves the current file out of .work/ into dir (done/ or failed/), with a
 * report: of its refusals (im), or of why (when not NULL). Returns where it
 * went, in to. */
static void move_on(agent_inbox *in, const char *dir, const cjx_import *im,
                    const cjx_fault *why, char *to, size_t cap)
{
    char report[PATH_MAX_LEN + NAME_MAX_LEN + 32];
    cjx_fault fault;
    free_name(dir, in->name, to, cap);
    snprintf(report, sizeof report, "%s.errors.csv", to);
    cjx_err rc = why  ? cjx_import_write_fault_report(why, report, &fault)
                 : im ? cjx_import_write_report(im, report, &fault)
                      : CJX_OK;
    if (rc != CJX_OK)
        CJX_LOG(CJX_LOG_ERR, "inbox.report", in->code, "%s", fault.text);
    if (rename(in->path, to) != 0)
        CJX_LOG(CJX_LOG_ERR, "inbox.move", in->code, "%s → %s: %s (imported again at the "
                "next start)", in->path, to, strerror(errno));
}

/* The current file cannot be imported: to failed/, saying why. */
static void give_up(agent_inbox *in, const cjx_fault *why)
{
    char to[PATH_MAX_LEN + NAME_MAX_LEN + 16];
    move_on(in, in->failed, NULL, why, to, sizeof to);
    CJX_LOG(CJX_LOG_ERR, "inbox.failed", in->code, "%s: %s; now %s", in->name, why->text, to);
}

/* Stores the converted file, writes its report, moves it. Returns 0 when
 * done with it, 1 when the store is to be tried again. */
static int finish(agent *a)
{
    agent_inbox *in = a->inbox;
    cjx_import *im = in->current;
    cjx_import_result r;
    cjx_fault fault;
    char to[PATH_MAX_LEN + NAME_MAX_LEN + 16];
    if (cjx_import_commit(im, a->outbox, &in->env.policy, &r, &fault) != CJX_OK) {
        if (++in->tries < STORE_TRIES) {
            int64_t pause = (int64_t)1000 << (in->tries - 1);
            CJX_LOG(CJX_LOG_WARNING, "inbox.store", in->code, "%s: %s; trying again in %lld s",
                    in->name, fault.text, (long long)pause / 1000);
            in->retry_ms = agent_now_ms() + pause;
            arm(in, pause);
            return 1;
        }
        cjx_fault why;
        cjx_fault_set(&why, fault.code, "", "the agent's store did not take the file (%d tries): "
                      "%s", in->tries, fault.text);
        give_up(in, &why);
        return 0;
    }
    cjx_import_stats s = cjx_import_get_stats(im);
    move_on(in, s.refused ? in->failed : in->done, s.refused ? im : NULL, NULL, to, sizeof to);
    CJX_LOG(s.refused ? CJX_LOG_WARNING : CJX_LOG_NOTICE, "inbox.import", in->code,
            "%s: %zu rows, %zu refused; %s %zu items (%zu unchanged, %zu withdrawn); now %s",
            in->name, s.rows, s.refused, r.imported ? "stored" : "nothing stored of", r.stored,
            r.unchanged, r.withdrawn, to);
    if (r.withdraw_refused[0])
        CJX_LOG(CJX_LOG_WARNING, "inbox.withdraw", in->code, "%s: %s", in->name,
                r.withdraw_refused);
    return 0;
}

/* Moves a queued file into .work/ (unless it is there) and opens it. */
static void take(agent *a, queued *q)
{
    agent_inbox *in = a->inbox;
    char from[PATH_MAX_LEN + NAME_MAX_LEN];
    cjx_fault fault;
    snprintf(in->name, sizeof in->name, "%s", q->name);
    in->tries = 0;
    in->retry_ms = 0;
    if (q->taken) {
        snprintf(in->path, sizeof in->path, "%s/%s", in->work, q->name);
    } else {
        snprintf(from, sizeof from, "%s/%s", in->dir, q->name);
        free_name(in->work, q->name, in->path, sizeof in->path);
        if (rename(from, in->path) != 0) {
            if (errno != ENOENT)
                CJX_LOG(CJX_LOG_ERR, "inbox.take", in->code, "%s → %s: %s (left in the inbox)",
                        from, in->path, strerror(errno));
            return;
        }
    }
    if (cjx_import_open(in->path, &in->env.options, &in->current, &fault) != CJX_OK) {
        in->current = NULL;
        give_up(in, &fault);
    }
}

/* Takes the next ready file. */
static void start_next(agent *a)
{
    agent_inbox *in = a->inbox;
    for (size_t i = 0; !in->current && i < in->n;) {
        if (!in->queue[i].ready) {
            i++;
            continue;
        }
        queued q = in->queue[i];
        in->queue[i].name = NULL;
        dequeue(in, i);
        take(a, &q);
        free(q.name);
    }
}

void agent_inbox_work(agent *a)
{
    agent_inbox *in = a->inbox;
    if (!in)
        return;
    read_events(in);
    settle(in);
    if (in->current && in->retry_ms) {
        int64_t now = agent_now_ms();
        if (now < in->retry_ms) {
            arm(in, in->retry_ms - now);
            return;
        }
        in->retry_ms = 0;
        if (finish(a) == 0)
            cjx_import_destroy(&in->current);
        return;
    }
    start_next(a);
    int64_t until = agent_now_ms() + SLICE_MS;
    int more = 1;
    while (in->current && (more = cjx_import_step(in->current, SLICE_ROWS)) > 0 &&
           agent_now_ms() < until)
        ;
    if (in->current && more <= 0) {
        if (more < 0) {
            cjx_fault why;
            cjx_fault_set(&why, CJX_ENOMEM, "", "out of memory reading the file");
            give_up(in, &why);
        } else if (finish(a)) {
            return; /* kept for the next try */
        }
        cjx_import_destroy(&in->current);
    }
}

void agent_inbox_close(agent *a)
{
    agent_inbox *in = a->inbox;
    if (!in)
        return;
    cjx_import_destroy(&in->current);
    for (size_t i = 0; i < in->n; i++)
        free(in->queue[i].name);
    free(in->queue);
    if (in->watch >= 0)
        close(in->watch);
    if (in->timer >= 0)
        close(in->timer);
    if (in->fd >= 0)
        close(in->fd);
    cjx_import_env_close(&in->env);
    free(in);
    a->inbox = NULL;
}

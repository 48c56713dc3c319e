/* agent_inbox.c — the agent's inbox: a folder watched with inotify, where an
 * institution's systems drop exported files to be imported (core/import.h).
 *
 * A file counts as dropped when it is renamed into the folder (IN_MOVED_TO)
 * or closed after writing (IN_CLOSE_WRITE); names starting with "." or
 * ending in .tmp, .part, .crdownload or ~ are left alone, so a writer can
 * write one of those and rename it. Files already there when the agent
 * starts are imported first, in name order. One file at a time is converted,
 * a slice of rows per turn of the agent's loop (the link keeps working), then
 * stored in one transaction; it moves to done/, or, when any row was
 * refused, to failed/ next to NAME.errors.csv. A file imported but not yet
 * moved when the agent stops is imported again at the next start: its rows
 * are then unchanged and skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "import.h"
#include "log.h"
#include "store.h"

#define SLICE_ROWS 256
#define SLICE_MS 20
#define PATH_MAX_LEN 1024

struct agent_inbox {
    int fd;
    char dir[PATH_MAX_LEN], done[PATH_MAX_LEN], failed[PATH_MAX_LEN];
    char **queue;              /* names waiting, oldest first */
    size_t n, cap;
    cjx_import_env env;
    cjx_import *current;
    char name[256];            /* of the current file */
};

static int ends_with(const char *s, const char *end)
{
    size_t n = strlen(s), m = strlen(end);
    return n >= m && strcmp(s + n - m, end) == 0;
}

/* Whether a name is a finished file to import. */
static int eligible(const char *name)
{
    static const char *const partial[] = {".tmp", ".part", ".crdownload", ".swp", "~",
                                          ".errors.csv"};
    if (name[0] == '.' || name[0] == '\0' || strlen(name) >= sizeof ((agent_inbox *)0)->name)
        return 0;
    for (size_t i = 0; i < sizeof partial / sizeof partial[0]; i++)
        if (ends_with(name, partial[i]))
            return 0;
    return 1;
}

static void enqueue(agent_inbox *in, const char *name)
{
    for (size_t i = 0; i < in->n; i++)
        if (strcmp(in->queue[i], name) == 0)
            return;
    if (in->n == in->cap) {
        size_t cap = in->cap ? 2 * in->cap : 16;
        char **q = realloc(in->queue, cap * sizeof *q);
        if (!q)
            return;
        in->queue = q;
        in->cap = cap;
    }
    if ((in->queue[in->n] = strdup(name)))
        in->n++;
}

static int by_name(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Queues what is in the folder already, in name order. */
static void scan(agent_inbox *in)
{
    DIR *d = opendir(in->dir);
    struct dirent *e;
    char path[PATH_MAX_LEN + 256];
    struct stat st;
    while (d && (e = readdir(d))) {
        snprintf(path, sizeof path, "%s/%s", in->dir, e->d_name);
        if (eligible(e->d_name) && stat(path, &st) == 0 && S_ISREG(st.st_mode))
            enqueue(in, e->d_name);
    }
    if (d)
        closedir(d);
    if (in->n)
        qsort(in->queue, in->n, sizeof *in->queue, by_name);
}

int agent_inbox_open(agent *a)
{
    if (!a->cfg.inbox_dir[0])
        return 0;
    agent_inbox *in = calloc(1, sizeof *in);
    if (!in)
        return -1;
    in->fd = -1;
    a->inbox = in;
    snprintf(in->dir, sizeof in->dir, "%s", a->cfg.inbox_dir);
    snprintf(in->done, sizeof in->done, "%s/done", a->cfg.inbox_dir);
    snprintf(in->failed, sizeof in->failed, "%s/failed", a->cfg.inbox_dir);
    cjx_fault fault;
    if (cjx_make_dirs(in->done) || cjx_make_dirs(in->failed)) {
        CJX_LOG(CJX_LOG_ERR, "inbox.open", a->cfg.credit_code, "%s: %s", in->dir, strerror(errno));
        return -1;
    }
    if (cjx_import_env_open(&in->env, &a->cfg, a->outbox, &fault) != CJX_OK) {
        CJX_LOG(CJX_LOG_ERR, "inbox.open", a->cfg.credit_code, "%s", fault.text);
        return -1;
    }
    in->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (in->fd < 0 || inotify_add_watch(in->fd, in->dir, IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
        CJX_LOG(CJX_LOG_ERR, "inbox.open", a->cfg.credit_code, "watching %s: %s", in->dir,
                strerror(errno));
        return -1;
    }
    scan(in);
    CJX_LOG(CJX_LOG_NOTICE, "inbox.open", a->cfg.credit_code, "watching %s; %zu files waiting",
            in->dir, in->n);
    return 0;
}

int agent_inbox_fd(const agent *a)
{
    return a->inbox ? a->inbox->fd : -1;
}

int agent_inbox_busy(const agent *a)
{
    return a->inbox && (a->inbox->current || a->inbox->n);
}

/* Reads what inotify has to say and queues the files dropped. */
static void read_events(agent_inbox *in)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t len;
    while ((len = read(in->fd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + len;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            if (ev->len && !(ev->mask & IN_ISDIR) && eligible(ev->name))
                enqueue(in, ev->name);
            p += sizeof *ev + ev->len;
        }
    }
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

/* Stores the converted file, writes its report, moves it. */
static void finish(agent *a)
{
    agent_inbox *in = a->inbox;
    cjx_import *im = in->current;
    cjx_import_result r;
    cjx_fault fault;
    char to[PATH_MAX_LEN + 300], report[PATH_MAX_LEN + 320];
    cjx_import_stats s = cjx_import_get_stats(im);
    if (cjx_import_commit(im, a->outbox, &in->env.policy, &r, &fault) != CJX_OK) {
        /* left in the inbox: imported again at the next start */
        CJX_LOG(CJX_LOG_ERR, "inbox.store", a->cfg.credit_code, "%s: %s", in->name, fault.text);
        return;
    }
    free_name(s.refused ? in->failed : in->done, in->name, to, sizeof to);
    if (s.refused) {
        snprintf(report, sizeof report, "%s.errors.csv", to);
        if (cjx_import_write_report(im, report, &fault) != CJX_OK)
            CJX_LOG(CJX_LOG_ERR, "inbox.report", a->cfg.credit_code, "%s", fault.text);
    }
    if (rename(cjx_import_path(im), to) != 0)
        CJX_LOG(CJX_LOG_ERR, "inbox.move", a->cfg.credit_code, "%s → %s: %s",
                cjx_import_path(im), to, strerror(errno));
    CJX_LOG(s.refused ? CJX_LOG_WARNING : CJX_LOG_NOTICE, "inbox.import", a->cfg.credit_code,
            "%s: %zu rows, %zu refused; %s %zu items (%zu unchanged, %zu withdrawn); now %s",
            in->name, s.rows, s.refused, r.imported ? "stored" : "nothing stored of", r.stored,
            r.unchanged, r.withdrawn, to);
}

/* Takes the next queued file that is still there. */
static void start_next(agent *a)
{
    agent_inbox *in = a->inbox;
    while (!in->current && in->n) {
        snprintf(in->name, sizeof in->name, "%s", in->queue[0]);
        free(in->queue[0]);
        memmove(in->queue, in->queue + 1, --in->n * sizeof *in->queue);
        char path[PATH_MAX_LEN + 256];
        struct stat st;
        cjx_fault fault;
        snprintf(path, sizeof path, "%s/%s", in->dir, in->name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue; /* moved on already */
        if (cjx_import_open(path, &in->env.options, &in->current, &fault) != CJX_OK)
            CJX_LOG(CJX_LOG_ERR, "inbox.read", a->cfg.credit_code, "%s", fault.text);
    }
}

void agent_inbox_work(agent *a)
{
    agent_inbox *in = a->inbox;
    if (!in)
        return;
    read_events(in);
    start_next(a);
    int64_t until = agent_now_ms() + SLICE_MS;
    int more = 1;
    while (in->current && (more = cjx_import_step(in->current, SLICE_ROWS)) > 0 &&
           agent_now_ms() < until)
        ;
    if (in->current && more <= 0) {
        if (more < 0)
            CJX_LOG(CJX_LOG_ERR, "inbox.read", a->cfg.credit_code, "%s: out of memory",
                    in->name);
        else
            finish(a);
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
        free(in->queue[i]);
    free(in->queue);
    if (in->fd >= 0)
        close(in->fd);
    cjx_import_env_close(&in->env);
    free(in);
    a->inbox = NULL;
}

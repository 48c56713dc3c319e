/* bench_util.c — child processes, clocks, configuration files and outbox
 * filling for the benchmarks (see bench_util.h).
 */
#include "bench_util.h"
#include "codes.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHILDREN 64

/* Children still running; read by the signal handler, so plain stores. */
static volatile pid_t children[MAX_CHILDREN];

double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int64_t bench_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void kill_children(void)
{
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] > 0)
            kill(children[i], SIGKILL);
}

static void on_signal(int sig)
{
    kill_children();
    if (sig == SIGALRM) {
        static const char msg[] = "bench: time limit reached, children killed\n";
        ssize_t unused = write(2, msg, sizeof msg - 1);
        (void)unused;
    }
    _exit(1);
}

void bench_guard(unsigned limit_s)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
    atexit(kill_children);
    alarm(limit_s);
}

pid_t bench_spawn(char *const argv[], const char *log)
{
    int slot = 0;
    while (slot < MAX_CHILDREN && children[slot] > 0)
        slot++;
    if (slot == MAX_CHILDREN) {
        fprintf(stderr, "bench: more than %d children\n", MAX_CHILDREN);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    if (pid < 0) {
        perror("fork");
        return -1;
    }
    children[slot] = pid;
    return pid;
}

int bench_stop(pid_t pid)
{
    if (pid <= 0)
        return -1;
    kill(pid, SIGCONT);
    kill(pid, SIGTERM);
    int status = -1;
    double deadline = bench_now_s() + 10;
    pid_t got;
    while ((got = waitpid(pid, &status, WNOHANG)) == 0 && bench_now_s() < deadline)
        usleep(10000);
    if (got == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] == pid)
            children[i] = 0;
    return status;
}

int bench_write_file(const char *path, const char *fmt, ...)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return -1;
    }
    va_list ap;
    va_start(ap, fmt);
    int bad = vfprintf(f, fmt, ap) < 0;
    va_end(ap);
    bad |= fclose(f) != 0;
    return bad ? -1 : 0;
}

/* Reads the first line of path into buf (without its newline). Returns 0 when
 * there was a non-empty one. */
static int read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return buf[0] ? 0 : -1;
}

/* core/codes.h only validates codes; rather than repeat its weights here,
 * the check character is the one of the 31 that cjx_code_uscc() accepts. */
int bench_credit_code(const char *head, int n, char out[19])
{
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    if (n < 1 || n > 999999 || strlen(head) != 11)
        return -1;
    snprintf(out, 19, "%s%06d0", head, n);
    for (const char *c = alphabet; *c; c++) {
        out[17] = *c;
        if (cjx_code_uscc(out) == CJX_OK)
            return 0;
    }
    return -1;
}

pid_t bench_start_hub(const char *bin_dir, const char *conf_dir, const char *work,
                      char *ep, size_t ep_len)
{
    char ini[4096], log[4096], dir[4096], endpoint[4200], bin[4096];
    snprintf(ini, sizeof ini, "%s/hub.ini", work);
    snprintf(log, sizeof log, "%s/hub.log", work);
    snprintf(dir, sizeof dir, "%s/hub", work);
    snprintf(endpoint, sizeof endpoint, "%s/endpoint", dir);
    snprintf(bin, sizeof bin, "%s/cjx-hub", bin_dir);
    /* CJX_BENCH_HUB_INI: more [hub] lines, e.g. "http_listen =" */
    const char *extra = getenv("CJX_BENCH_HUB_INI");
    if (bench_write_file(ini, "[hub]\ndata_dir = %s\ncatalog_dir = %s\nlog_level = warning\n"
                         "http_listen = 127.0.0.1:0\n%s\n", dir, conf_dir, extra ? extra : ""))
        return -1;
    char *argv[] = {bin, "-c", ini, "-l", "tcp://127.0.0.1:*", NULL};
    pid_t pid = bench_spawn(argv, log);
    for (int i = 0; pid > 0 && i < 400; i++) {
        if (read_line(endpoint, ep, ep_len) == 0)
            return pid;
        usleep(50000);
    }
    fprintf(stderr, "the hub did not start; see %s\n", log);
    bench_stop(pid);
    return -1;
}

int bench_agent_ini(const char *path, const char *code, const char *ep,
                    const char *data_dir, const char *conf_dir, const char *extra)
{
    return bench_write_file(path,
                            "[agent]\ncredit_code = %s\nhub = %s\ndata_dir = %s\n"
                            "catalog_dir = %s\nlog_level = warning\n%s",
                            code, ep, data_dir, conf_dir, extra ? extra : "");
}

pid_t bench_start_agent(const char *bin_dir, const char *ini, const char *log)
{
    char bin[4096];
    snprintf(bin, sizeof bin, "%s/cjx-agent", bin_dir);
    char *argv[] = {bin, "-c", (char *)ini, NULL};
    return bench_spawn(argv, log);
}

cjx_outbox *bench_outbox_open(const char *dir, size_t map_mb)
{
    cjx_outbox *ob;
    cjx_fault f;
    if (cjx_outbox_open(dir, map_mb, &ob, &f)) {
        fprintf(stderr, "%s: %s\n", dir, f.text);
        return NULL;
    }
    return ob;
}

int bench_outbox_fill(cjx_outbox *ob, bench_pack_fn pack, void *ctx, long first, long n,
                      uint64_t *first_seq)
{
    size_t cap = n < BENCH_FILL_CHUNK ? (size_t)n : BENCH_FILL_CHUNK;
    ProtobufCBinaryData *items = calloc(cap ? cap : 1, sizeof *items);
    int rc = items ? 0 : -1;
    for (long done = 0; rc == 0 && done < n; done += BENCH_FILL_CHUNK) {
        size_t k = (size_t)(n - done < BENCH_FILL_CHUNK ? n - done : BENCH_FILL_CHUNK);
        for (size_t i = 0; rc == 0 && i < k; i++) {
            items[i].data = pack(ctx, first + done + (long)i, &items[i].len);
            rc = items[i].data ? 0 : -1;
        }
        uint64_t seq;
        cjx_fault f;
        if (rc == 0 && cjx_outbox_append(ob, items, k, &seq, &f)) {
            fprintf(stderr, "outbox: %s\n", f.text);
            rc = -1;
        }
        if (rc == 0 && done == 0 && first_seq)
            *first_seq = seq;
        for (size_t i = 0; i < k; i++) {
            free(items[i].data);
            items[i].data = NULL;
        }
    }
    free(items);
    return rc;
}

int bench_wait_acked(cjx_outbox *ob, double timeout_s, cjx_outbox_stats *st)
{
    double deadline = bench_now_s() + timeout_s;
    cjx_outbox_stats s = {0};
    cjx_fault f;
    int bad = 0;
    do {
        usleep(2000);
        if ((bad = cjx_outbox_stat(ob, &s, &f) != CJX_OK))
            fprintf(stderr, "outbox: %s\n", f.text);
    } while (!bad && s.pending > 0 && bench_now_s() < deadline);
    if (st)
        *st = s;
    return bad || s.pending || s.refused ? -1 : 0;
}

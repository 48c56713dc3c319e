/* limits.c — what one institution may take of the hub: publishes per second
 * (a token bucket per institution: `publish_rate`, `publish_burst`) and
 * sessions at once (`max_sessions_per_institution`; `max_sessions` for all);
 * and what all of them may: the store's disk, of which `disk_reserve_mb`
 * stays free (on a full disk every batch would fail to commit, each
 * publish refused only after the work of trying). Going over is refused with
 * `limit`, counted and logged with the institution; the agent backs off and
 * sends again, so nothing is lost.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "hub.h"
#include "log.h"

#define BUCKETS 8192  /* institutions tracked; a power of two */

typedef struct bucket {
    char code[CJX_CODE_LEN + 1];   /* "" when free */
    double tokens;
    int64_t last_ms;
} bucket;

struct cjx_limits {
    bucket slots[BUCKETS];
    uint64_t disk_free;                /* bytes, at the last check */
    int disk_low;                      /* under disk_reserve_mb then */
};

cjx_limits *cjx_limits_new(void)
{
    return calloc(1, sizeof(cjx_limits));
}

void cjx_limits_free(cjx_limits *l)
{
    free(l);
}

static size_t hash(const char *code)
{
    size_t x = 5381;
    for (const char *p = code; *p; p++)
        x = x * 33 + (unsigned char)*p;
    return x & (BUCKETS - 1);
}

/* The institution's bucket, made full on first sight; NULL when the table
 * is full (then the institution is not limited). */
static bucket *bucket_of(cjx_hub *h, const char *code, int64_t now)
{
    for (size_t i = hash(code), n = 0; n < BUCKETS; i = (i + 1) & (BUCKETS - 1), n++) {
        bucket *b = &h->limits->slots[i];
        if (strcmp(b->code, code) == 0)
            return b;
        if (!b->code[0]) {
            snprintf(b->code, sizeof b->code, "%s", code);
            b->tokens = (double)h->cfg.publish_burst;
            b->last_ms = now;
            return b;
        }
    }
    return NULL;
}

void cjx_limits_check_disk(cjx_hub *h)
{
    cjx_limits *l = h->limits;
    struct statvfs fs;
    if (statvfs(h->cfg.data_dir, &fs) != 0)
        return; /* keep the last reading */
    l->disk_free = (uint64_t)fs.f_bavail * fs.f_frsize;
    int low = l->disk_free < (uint64_t)h->cfg.disk_reserve_mb << 20;
    if (low != l->disk_low)
        CJX_LOG(low ? CJX_LOG_CRIT : CJX_LOG_NOTICE, "hub.disk", NULL,
                low ? "%llu MiB of disk free under %s, below disk_reserve_mb = %lld: publishes "
                      "are refused until there is room"
                    : "%llu MiB of disk free under %s again (disk_reserve_mb = %lld): publishes "
                      "are taken",
                (unsigned long long)(l->disk_free >> 20), h->cfg.data_dir,
                h->cfg.disk_reserve_mb);
    l->disk_low = low;
}

uint64_t cjx_limits_disk_free(const cjx_hub *h, int *low)
{
    *low = h->limits->disk_low;
    return h->limits->disk_free;
}

cjx_err cjx_limits_publish(cjx_hub *h, const cjx_session *s, cjx_fault *f)
{
    if (h->limits->disk_low)
        return cjx_fault_set(f, CJX_ELIMIT, "", "the hub has %llu MiB of disk free, below its "
                             "reserve of %lld MiB; the agent sends again shortly",
                             (unsigned long long)(h->limits->disk_free >> 20),
                             h->cfg.disk_reserve_mb);
    if (!h->cfg.publish_rate)
        return CJX_OK;
    int64_t now = cjx_now_ms();
    bucket *b = bucket_of(h, s->code, now);
    if (!b)
        return CJX_OK;
    b->tokens += (double)(now - b->last_ms) * (double)h->cfg.publish_rate / 1000.0;
    if (b->tokens > (double)h->cfg.publish_burst)
        b->tokens = (double)h->cfg.publish_burst;
    b->last_ms = now;
    if (b->tokens < 1.0)
        return cjx_fault_set(f, CJX_ELIMIT, "", "%s publishes faster than %lld a second; "
                             "the agent sends again shortly", s->code, h->cfg.publish_rate);
    b->tokens -= 1.0;
    return CJX_OK;
}

struct count_ctx {
    const char *code;
    size_t n;
};

static void count_code(cjx_session *s, void *ctx)
{
    struct count_ctx *c = ctx;
    c->n += strcmp(s->code, c->code) == 0;
}

cjx_err cjx_limits_session(cjx_hub *h, const char *code, int operator_, cjx_fault *f)
{
    if (cjx_sessions_count(h->sessions) >= (size_t)h->cfg.max_sessions)
        return cjx_fault_set(f, CJX_ELIMIT, "", "the hub has its %lld sessions; try later",
                             h->cfg.max_sessions);
    struct count_ctx c = {code, 0};
    cjx_sessions_foreach(h->sessions, count_code, &c);
    if (!operator_ && c.n >= (size_t)h->cfg.max_sessions_per_institution)
        return cjx_fault_set(f, CJX_ELIMIT, "", "%s has %zu sessions open, the most one "
                             "institution may; try later", code, c.n);
    return CJX_OK;
}

/* limits.c — what one institution may take of the hub: publishes per second
 * (a token bucket per institution: `publish_rate`, `publish_burst`) and
 * sessions at once (`max_sessions_per_institution`; `max_sessions` for all).
 * Going over is refused with `limit`, counted and logged with the
 * institution; the agent backs off and sends again, so nothing is lost.
 */
#include <stdlib.h>
#include <string.h>

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

cjx_err cjx_limits_publish(cjx_hub *h, const cjx_session *s, cjx_fault *f)
{
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

/* session.c — the table of connected peers, keyed by ROUTER routing id.
 *
 * A session starts with Hello and lives while its peer is heard from: a peer
 * silent for three heartbeat intervals is dropped, and its next frame is
 * refused with CJX_ENOSESSION so that it says Hello again. ZeroMQ gives a
 * reconnecting peer a new routing id, so a session never spans two
 * connections.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"

#define NBUCKETS 4096

struct cjx_sessions {
    cjx_session *buckets[NBUCKETS];
    size_t count;
};

static size_t bucket_of(const uint8_t *rid, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ rid[i]) * 16777619u;
    return h % NBUCKETS;
}

cjx_sessions *cjx_sessions_new(void)
{
    return calloc(1, sizeof(cjx_sessions));
}

void cjx_sessions_destroy(cjx_sessions **self_p)
{
    if (!self_p || !*self_p)
        return;
    cjx_sessions *t = *self_p;
    for (size_t b = 0; b < NBUCKETS; b++)
        for (cjx_session *s = t->buckets[b], *next; s; s = next) {
            next = s->next;
            cjx_feeds_free(s);
            free(s);
        }
    free(t);
    *self_p = NULL;
}

cjx_session *cjx_sessions_find(cjx_sessions *t, const uint8_t *rid, size_t rid_len)
{
    for (cjx_session *s = t->buckets[bucket_of(rid, rid_len)]; s; s = s->next)
        if (s->rid_len == rid_len && memcmp(s->rid, rid, rid_len) == 0)
            return s;
    return NULL;
}

cjx_session *cjx_sessions_open(cjx_sessions *t, const uint8_t *rid, size_t rid_len,
                               const char *code, const char *key, int operator_)
{
    if (rid_len > CJX_RID_MAX)
        return NULL;
    cjx_session *s = cjx_sessions_find(t, rid, rid_len);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s)
            return NULL;
        memcpy(s->rid, rid, rid_len);
        s->rid_len = rid_len;
        size_t b = bucket_of(rid, rid_len);
        s->next = t->buckets[b];
        t->buckets[b] = s;
        t->count++;
    }
    cjx_feeds_free(s); /* a new Hello starts the session afresh */
    snprintf(s->code, sizeof s->code, "%s", code);
    snprintf(s->key, sizeof s->key, "%s", key);
    s->operator_ = operator_;
    s->resend_from = 0;
    s->last_seen_ms = cjx_now_ms();
    return s;
}

size_t cjx_sessions_drop_if(cjx_sessions *t, int (*drop)(const cjx_session *, void *), void *ctx)
{
    size_t dropped = 0;
    for (size_t b = 0; b < NBUCKETS; b++)
        for (cjx_session **pp = &t->buckets[b]; *pp;) {
            cjx_session *s = *pp;
            if (!drop(s, ctx)) {
                pp = &s->next;
                continue;
            }
            *pp = s->next;
            cjx_feeds_free(s);
            free(s);
            t->count--;
            dropped++;
        }
    return dropped;
}

static int silent_since(const cjx_session *s, void *cutoff_ms)
{
    return s->last_seen_ms < *(const int64_t *)cutoff_ms;
}

size_t cjx_sessions_expire(cjx_sessions *t, int64_t cutoff_ms)
{
    return cjx_sessions_drop_if(t, silent_since, &cutoff_ms);
}

size_t cjx_sessions_count(const cjx_sessions *t)
{
    return t->count;
}

void cjx_sessions_foreach(cjx_sessions *t, void (*fn)(cjx_session *, void *), void *ctx)
{
    for (size_t b = 0; b < NBUCKETS; b++)
        for (cjx_session *s = t->buckets[b]; s; s = s->next)
            fn(s, ctx);
}

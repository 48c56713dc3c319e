/* activity.c — rates and per-institution activity (see activity.h). */
#include "activity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

cjx_activity *cjx_activity_new(void)
{
    return calloc(1, sizeof(cjx_activity));
}

void cjx_activity_destroy(cjx_activity **self_p)
{
    if (!self_p || !*self_p)
        return;
    cjx_activity *a = *self_p;
    *self_p = NULL;
    for (size_t b = 0; b < CJX_ACTIVITY_BUCKETS; b++)
        for (cjx_inst_activity *e = a->buckets[b], *next; e; e = next) {
            next = e->next;
            free(e);
        }
    free(a);
}

static size_t bucket_of(const char *code)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *code; code++)
        h = (h ^ (uint8_t)*code) * 16777619u;
    return h % CJX_ACTIVITY_BUCKETS;
}

const cjx_inst_activity *cjx_activity_find(const cjx_activity *a, const char *code)
{
    for (const cjx_inst_activity *e = a->buckets[bucket_of(code)]; e; e = e->next)
        if (strcmp(e->code, code) == 0)
            return e;
    return NULL;
}

cjx_inst_activity *cjx_activity_institution(cjx_activity *a, const char *code)
{
    cjx_inst_activity *e = (cjx_inst_activity *)cjx_activity_find(a, code);
    if (e)
        return e;
    size_t b = bucket_of(code);
    e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    snprintf(e->code, sizeof e->code, "%s", code);
    e->next = a->buckets[b];
    a->buckets[b] = e;
    return e;
}

void cjx_activity_published(cjx_activity *a, const char *kind)
{
    a->pending++;
    cjx_kind_activity *k = NULL;
    for (size_t i = 0; i < a->nkinds && !k; i++)
        if (strcmp(a->kinds[i].kind, kind) == 0)
            k = &a->kinds[i];
    if (!k && a->nkinds < CJX_ACTIVITY_KINDS) {
        k = &a->kinds[a->nkinds++];
        snprintf(k->kind, sizeof k->kind, "%s", kind);
    }
    if (k)
        k->pending++;
}

void cjx_activity_commit(cjx_activity *a, int64_t now_ms, int stored)
{
    if (!a->pending)
        return;
    if (stored)
        cjx_rate_add(&a->published, now_ms, a->pending);
    a->pending = 0;
    for (size_t i = 0; i < a->nkinds; i++) {
        cjx_kind_activity *k = &a->kinds[i];
        if (k->pending && stored) {
            k->total += k->pending;
            cjx_rate_add(&k->rate, now_ms, k->pending);
        }
        k->pending = 0;
    }
}

void cjx_activity_delivered(cjx_activity *a, int64_t now_ms, uint32_t n)
{
    if (n)
        cjx_rate_add(&a->delivered, now_ms, n);
}

void cjx_activity_refused(cjx_activity *a, int64_t now_ms, const char *code,
                          int reason, const char *field, const char *text)
{
    cjx_rate_add(&a->refused, now_ms, 1);
    if (reason > 0 && reason < CJX_ERR_COUNT)
        cjx_rate_add(&a->by_reason[reason], now_ms, 1);
    cjx_inst_activity *e = code && code[0] ? cjx_activity_institution(a, code) : NULL;
    if (!e)
        return;
    e->refused++;
    cjx_rate_add(&e->refused_rate, now_ms, 1);
    char error[sizeof e->last_error];
    snprintf(error, sizeof error, "%s%s%s: %s", cjx_err_name(reason),
             field && field[0] ? " " : "", field ? field : "", text ? text : "");
    cjx_utf8_repair(e->last_error, sizeof e->last_error, error); /* cut mid-character? */
    e->last_error_ms = now_ms;
}

void cjx_activity_foreach(const cjx_activity *a,
                          void (*fn)(const cjx_inst_activity *, void *), void *ctx)
{
    for (size_t b = 0; b < CJX_ACTIVITY_BUCKETS; b++)
        for (const cjx_inst_activity *e = a->buckets[b]; e; e = e->next)
            fn(e, ctx);
}

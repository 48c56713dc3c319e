/* activity.h — what the hub did lately, for `cjx status`, /status and
 * /metrics: windows of publishes (by kind), deliveries and refusals (by
 * reason and by institution), and for every institution heard from since
 * the hub started: when, its agent's outbox backlog, its newest refusal.
 * Memory only; it starts empty with the hub. */
#ifndef CJX_ACTIVITY_H
#define CJX_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "ids.h"
#include "rate.h"

#define CJX_ACTIVITY_KINDS 32          /* item kinds counted one by one */

typedef struct cjx_inst_activity {
    char code[CJX_CODE_LEN + 1];
    int64_t last_seen_ms;              /* 0: not heard from since the hub started */
    uint64_t backlog;                  /* outbox backlog its agent reported */
    uint64_t refused;
    cjx_rate refused_rate;
    char last_error[256];              /* "reason field: text" */
    int64_t last_error_ms;
    struct cjx_inst_activity *next;    /* hash chain */
} cjx_inst_activity;

typedef struct cjx_kind_activity {
    char kind[32];
    uint64_t total;
    uint32_t pending;                  /* in the batch not yet committed */
    cjx_rate rate;
} cjx_kind_activity;

#define CJX_ACTIVITY_BUCKETS 1024

typedef struct cjx_activity {
    cjx_rate published, delivered, refused;
    cjx_rate by_reason[CJX_ERR_COUNT];
    cjx_kind_activity kinds[CJX_ACTIVITY_KINDS];
    size_t nkinds;
    uint32_t pending;                  /* publishes of the open batch */
    cjx_inst_activity *buckets[CJX_ACTIVITY_BUCKETS];
} cjx_activity;

cjx_activity *cjx_activity_new(void);
void cjx_activity_destroy(cjx_activity **self_p);

/* The institution's entry, made on first use; NULL when out of memory. */
cjx_inst_activity *cjx_activity_institution(cjx_activity *a, const char *code);
/* The institution's entry; NULL when it has none. */
const cjx_inst_activity *cjx_activity_find(const cjx_activity *a, const char *code);

/* Times (now_ms) are of cjx_mono_ms, which never steps back. */

/* Counts a publish of kind in the open batch; cjx_activity_commit counts it
 * for good or forgets it. */
void cjx_activity_published(cjx_activity *a, const char *kind);
void cjx_activity_commit(cjx_activity *a, int64_t now_ms, int stored);

void cjx_activity_delivered(cjx_activity *a, int64_t now_ms, uint32_t n);

/* Counts a refusal of reason for institution code (NULL or "" when the peer
 * is not known yet) and remembers it as the institution's last error. */
void cjx_activity_refused(cjx_activity *a, int64_t now_ms, const char *code,
                          int reason, const char *field, const char *text);

/* Calls fn for every institution heard from. */
void cjx_activity_foreach(const cjx_activity *a,
                          void (*fn)(const cjx_inst_activity *, void *), void *ctx);

#endif

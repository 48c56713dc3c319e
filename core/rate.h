/* rate.h — counts over sliding windows: the last 60 seconds, second by
 * second, and the last 60 minutes, minute by minute.
 *
 * What an operator reads as "publishes in the last minute" or draws as a
 * per-second chart. Adding is O(1) amortized (slots that went by are zeroed
 * as time moves on); the struct is a fixed 480 bytes, no allocation.
 */
#ifndef CJX_RATE_H
#define CJX_RATE_H

#include <stdint.h>

#define CJX_RATE_SLOTS 60

typedef struct cjx_rate {
    int64_t second;                    /* the newest second counted, Unix time */
    int64_t minute;                    /* the newest minute counted */
    uint32_t seconds[CJX_RATE_SLOTS];  /* by second % 60 */
    uint32_t minutes[CJX_RATE_SLOTS];  /* by minute % 60 */
} cjx_rate;

/* Counts n events at now_ms (Unix milliseconds). Times before the newest
 * counted one are counted in the newest slot. */
void cjx_rate_add(cjx_rate *r, int64_t now_ms, uint32_t n);

/* Events in the 60 seconds up to now_ms (the current second included). */
uint64_t cjx_rate_last_minute(const cjx_rate *r, int64_t now_ms);

/* Events in the 60 minutes up to now_ms (the current minute included). */
uint64_t cjx_rate_last_hour(const cjx_rate *r, int64_t now_ms);

/* The last 60 seconds up to now_ms, oldest first. */
void cjx_rate_series(const cjx_rate *r, int64_t now_ms, uint32_t out[CJX_RATE_SLOTS]);

#endif

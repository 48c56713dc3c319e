/* rate.c — sliding-window counts (see rate.h). */
#include "rate.h"

#include <string.h>

/* Moves a ring whose newest slot is *newest up to now, zeroing the slots of
 * the units that went by. */
static void advance(uint32_t ring[CJX_RATE_SLOTS], int64_t *newest, int64_t now)
{
    if (now <= *newest)
        return;
    if (now - *newest >= CJX_RATE_SLOTS)
        memset(ring, 0, CJX_RATE_SLOTS * sizeof ring[0]);
    else
        for (int64_t t = *newest + 1; t <= now; t++)
            ring[t % CJX_RATE_SLOTS] = 0;
    *newest = now;
}

void cjx_rate_add(cjx_rate *r, int64_t now_ms, uint32_t n)
{
    int64_t s = now_ms / 1000;
    advance(r->seconds, &r->second, s);
    advance(r->minutes, &r->minute, s / 60);
    r->seconds[r->second % CJX_RATE_SLOTS] += n;
    r->minutes[r->minute % CJX_RATE_SLOTS] += n;
}

/* Sums the slots of the 60 units up to now of a ring whose newest is newest. */
static uint64_t window_sum(const uint32_t ring[CJX_RATE_SLOTS], int64_t newest, int64_t now)
{
    uint64_t sum = 0;
    for (int64_t t = now - CJX_RATE_SLOTS + 1; t <= now && t <= newest; t++)
        if (t >= 0 && t > newest - CJX_RATE_SLOTS)
            sum += ring[t % CJX_RATE_SLOTS];
    return sum;
}

uint64_t cjx_rate_last_minute(const cjx_rate *r, int64_t now_ms)
{
    return window_sum(r->seconds, r->second, now_ms / 1000);
}

uint64_t cjx_rate_last_hour(const cjx_rate *r, int64_t now_ms)
{
    return window_sum(r->minutes, r->minute, now_ms / 60000);
}

void cjx_rate_series(const cjx_rate *r, int64_t now_ms, uint32_t out[CJX_RATE_SLOTS])
{
    int64_t now = now_ms / 1000;
    for (int i = 0; i < CJX_RATE_SLOTS; i++) {
        int64_t t = now - CJX_RATE_SLOTS + 1 + i;
        out[i] = t >= 0 && t <= r->second && t > r->second - CJX_RATE_SLOTS
                     ? r->seconds[t % CJX_RATE_SLOTS]
                     : 0;
    }
}

/* rate_test.c — unit tests for sliding-window counts (core/rate.c).
 *
 * The windows are what `cjx status` calls "last minute" and "last hour" and
 * what the dashboard draws: a count must leave the minute after 60 seconds
 * and the hour after 60 minutes, never earlier, and a long quiet spell must
 * not leave old counts behind when the ring wraps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "rate.h"

#define T0 1796150000000LL /* a Unix time in ms, on a minute boundary */

static void test_minute_window(void **state)
{
    (void)state;
    cjx_rate r;
    memset(&r, 0, sizeof r);
    cjx_rate_add(&r, T0, 5);
    cjx_rate_add(&r, T0 + 999, 1);        /* the same second */
    cjx_rate_add(&r, T0 + 30000, 10);
    assert_int_equal(cjx_rate_last_minute(&r, T0 + 30000), 16);
    assert_int_equal(cjx_rate_last_minute(&r, T0 + 59999), 16);
    assert_int_equal(cjx_rate_last_minute(&r, T0 + 60000), 10); /* second 0 left */
    assert_int_equal(cjx_rate_last_minute(&r, T0 + 90000), 0);
    assert_int_equal(cjx_rate_last_hour(&r, T0 + 90000), 16);
}

static void test_hour_window(void **state)
{
    (void)state;
    cjx_rate r;
    memset(&r, 0, sizeof r);
    cjx_rate_add(&r, T0, 7);
    cjx_rate_add(&r, T0 + 30 * 60000LL, 3);
    assert_int_equal(cjx_rate_last_hour(&r, T0 + 59 * 60000LL), 10);
    assert_int_equal(cjx_rate_last_hour(&r, T0 + 60 * 60000LL), 3);
    /* a count after a quiet spell longer than the ring clears what was there */
    cjx_rate_add(&r, T0 + 200 * 60000LL, 2);
    assert_int_equal(cjx_rate_last_hour(&r, T0 + 200 * 60000LL), 2);
    assert_int_equal(cjx_rate_last_minute(&r, T0 + 200 * 60000LL), 2);
}

static void test_wrap_without_quiet(void **state)
{
    (void)state;
    cjx_rate r;
    memset(&r, 0, sizeof r);
    for (int s = 0; s < 150; s++)          /* one a second for 150 s */
        cjx_rate_add(&r, T0 + s * 1000LL, 1);
    assert_int_equal(cjx_rate_last_minute(&r, T0 + 149 * 1000LL), 60);
    assert_int_equal(cjx_rate_last_hour(&r, T0 + 149 * 1000LL), 150);
}

static void test_series(void **state)
{
    (void)state;
    cjx_rate r;
    memset(&r, 0, sizeof r);
    cjx_rate_add(&r, T0 + 1000, 4);
    cjx_rate_add(&r, T0 + 3000, 9);
    uint32_t s[CJX_RATE_SLOTS];
    cjx_rate_series(&r, T0 + 3000, s);
    assert_int_equal(s[CJX_RATE_SLOTS - 1], 9);  /* now, newest last */
    assert_int_equal(s[CJX_RATE_SLOTS - 2], 0);
    assert_int_equal(s[CJX_RATE_SLOTS - 3], 4);
    cjx_rate_series(&r, T0 + 62000, s);          /* 59 s later: 9 is the oldest */
    assert_int_equal(s[0], 9);
    for (int i = 1; i < CJX_RATE_SLOTS; i++)
        assert_int_equal(s[i], 0);
    /* reading later than the newest count does not see stale slots */
    cjx_rate_series(&r, T0 + 70000, s);
    for (int i = 0; i < CJX_RATE_SLOTS; i++)
        assert_int_equal(s[i], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minute_window),
        cmocka_unit_test(test_hour_window),
        cmocka_unit_test(test_wrap_without_quiet),
        cmocka_unit_test(test_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* thread_test.c — unit test for core/thread.c: a worker thread starts with
 * every signal blocked and its name already set, and the caller's own mask
 * is left as it was.
 */
#define _GNU_SOURCE /* pthread_getname_np */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>

#include "thread.h"

/* What a worker saw of itself as it began. */
typedef struct seen {
    sigset_t mask;
    char name[16];
} seen;

static void *report_self(void *arg)
{
    seen *s = arg;
    pthread_sigmask(SIG_SETMASK, NULL, &s->mask);
    pthread_getname_np(pthread_self(), s->name, sizeof s->name);
    return NULL;
}

static void test_signals_blocked(void **state)
{
    (void)state;
    sigset_t before, after;
    seen worker = {0};
    sigemptyset(&worker.mask);
    pthread_sigmask(SIG_SETMASK, NULL, &before);
    assert_false(sigismember(&before, SIGTERM)); /* the test starts with it open */
    pthread_t t;
    assert_int_equal(cjx_thread_start(&t, "cjx-test", report_self, &worker), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_true(sigismember(&worker.mask, SIGTERM));
    assert_true(sigismember(&worker.mask, SIGINT));
    assert_string_equal(worker.name, "cjx-test");
    pthread_sigmask(SIG_SETMASK, NULL, &after);
    assert_false(sigismember(&after, SIGTERM));
    assert_false(sigismember(&after, SIGINT));
}

/* A name longer than the kernel keeps is cut, not refused. */
static void test_long_name_cut(void **state)
{
    (void)state;
    seen worker = {0};
    pthread_t t;
    assert_int_equal(cjx_thread_start(&t, "cjx-a-name-far-too-long", report_self, &worker), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_string_equal(worker.name, "cjx-a-name-far-");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signals_blocked),
        cmocka_unit_test(test_long_name_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

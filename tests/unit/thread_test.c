/* thread_test.c — unit test for core/thread.c: a worker thread starts with
 * every signal blocked, and the caller's own mask is left as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>

#include "thread.h"

static void *report_mask(void *arg)
{
    sigset_t *mask = arg;
    pthread_sigmask(SIG_SETMASK, NULL, mask);
    return NULL;
}

static void test_signals_blocked(void **state)
{
    (void)state;
    sigset_t before, after, worker;
    sigemptyset(&worker);
    pthread_sigmask(SIG_SETMASK, NULL, &before);
    assert_false(sigismember(&before, SIGTERM)); /* the test starts with it open */
    pthread_t t;
    assert_int_equal(cjx_thread_start(&t, report_mask, &worker), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_true(sigismember(&worker, SIGTERM));
    assert_true(sigismember(&worker, SIGINT));
    pthread_sigmask(SIG_SETMASK, NULL, &after);
    assert_false(sigismember(&after, SIGTERM));
    assert_false(sigismember(&after, SIGINT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signals_blocked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

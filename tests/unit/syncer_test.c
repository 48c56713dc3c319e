/* syncer_test.c — unit tests for core/syncer.c: a posted sync comes back
 * with the job it was posted with, once, and wakes the eventfd; a sync that
 * fails reports its errno; two slots are synced and collected apart; stop
 * returns with a sync still posted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "syncer.h"
#include "tmpdir.h"

/* Waits (at most 10 s) for the eventfd to say a sync finished. */
static void wait_finished(cjx_syncer *s)
{
    struct pollfd p = {cjx_syncer_fd(s), POLLIN, 0};
    assert_int_equal(poll(&p, 1, 10000), 1);
    cjx_syncer_clear(s);
    p.revents = 0;
    assert_int_equal(poll(&p, 1, 0), 0); /* cleared */
}

static void test_sync_and_collect(void **state)
{
    (void)state;
    int fd = open(tmpdir_path("sink"), O_RDWR | O_CREAT | O_APPEND, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "line\n", 5), 5);

    cjx_syncer *s = cjx_syncer_start(2);
    assert_non_null(s);
    cjx_sync_job job = {0, 0};
    int err = -1;
    assert_int_equal(cjx_syncer_collect(s, 1, 0, &job, &err), 0); /* nothing posted */

    cjx_syncer_post(s, 1, fd, (cjx_sync_job){7, 5});
    wait_finished(s);
    assert_int_equal(cjx_syncer_collect(s, 1, 0, &job, &err), 1);
    assert_int_equal(job.seq, 7);
    assert_int_equal(job.size, 5);
    assert_int_equal(err, 0);
    assert_int_equal(cjx_syncer_collect(s, 1, 0, &job, &err), 0); /* taken once */

    /* a descriptor that cannot be synced: the error comes back */
    cjx_syncer_post(s, 0, -1, (cjx_sync_job){9, 0});
    assert_int_equal(cjx_syncer_collect(s, 0, 1, &job, &err), 1);
    assert_int_equal(job.seq, 9);
    assert_int_equal(err, EBADF);

    /* both slots at once, collected with wait */
    cjx_syncer_post(s, 0, fd, (cjx_sync_job){11, 5});
    cjx_syncer_post(s, 1, fd, (cjx_sync_job){12, 5});
    assert_int_equal(cjx_syncer_collect(s, 0, 1, &job, &err), 1);
    assert_int_equal(job.seq, 11);
    assert_int_equal(cjx_syncer_collect(s, 1, 1, &job, &err), 1);
    assert_int_equal(job.seq, 12);
    assert_int_equal(err, 0);

    cjx_syncer_post(s, 0, fd, (cjx_sync_job){13, 5});
    cjx_syncer_stop(&s); /* runs it before the thread leaves */
    assert_null(s);
    assert_int_equal(cjx_syncer_fd(s), -1);
    close(fd);
}

static int setup(void **state)
{
    (void)state;
    return tmpdir_make("syncer");
}

static int teardown(void **state)
{
    (void)state;
    return tmpdir_remove();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sync_and_collect),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* outbox_test.c — unit tests for the agent's durable outbox (core/outbox.c).
 *
 * Each test uses its own folder under a mkdtemp directory that the group
 * teardown removes. The cjx tool and the agent share an outbox from two
 * processes; the test of that forks, because LMDB forbids opening one
 * environment twice in the same process. A child reports by its exit
 * status: cmocka's asserts must not run there.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "outbox.h"
#include "store.h"

#define MAP_MB 8

static char big[5000]; /* spans LMDB overflow pages */

static int group_setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 31 + 7);
    return tmpdir_make("outbox");
}

static int group_teardown(void **state)
{
    (void)state;
    return tmpdir_remove();
}

/* Opens the outbox in folder name of the test directory. */
static cjx_outbox *open_box(const char *name, size_t map_mb)
{
    cjx_outbox *ob = NULL;
    cjx_fault f = {0};
    if (cjx_outbox_open(tmpdir_path(name), map_mb, &ob, &f) != CJX_OK)
        fail_msg("open %s: %s", name, f.text);
    return ob;
}

static ProtobufCBinaryData bin(const void *data, size_t len)
{
    return (ProtobufCBinaryData){len, (uint8_t *)data};
}

/* The items the tests append, by index. */
static ProtobufCBinaryData item(size_t i)
{
    static const char *const words[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot"};
    return i == 2 ? bin(big, sizeof big) : bin(words[i], strlen(words[i]));
}

/* Appends items [from, from + n) (at most 8). The helpers up to
 * scan_differs use no cmocka asserts: the forked children call them too. */
static cjx_err append_range(cjx_outbox *ob, size_t from, size_t n, uint64_t *first,
                            cjx_fault *f)
{
    ProtobufCBinaryData batch[8];
    for (size_t i = 0; i < n && i < 8; i++)
        batch[i] = item(from + i);
    return cjx_outbox_append(ob, batch, n < 8 ? n : 8, first, f);
}

/* What a scan should see: sequences seqs[0..n) holding the items want[0..n)
 * (indexes for item()). The callback asks to stop on call stop_at (0: never). */
typedef struct expect {
    const uint64_t *seqs;
    const size_t *want;
    size_t n, stop_at, seen;
    int bad;
} expect;

static int check_item(void *ctx, uint64_t seq, const void *data, size_t len)
{
    expect *e = ctx;
    size_t i = e->seen++;
    if (i >= e->n)
        return e->bad = 1;
    ProtobufCBinaryData w = item(e->want[i]);
    if (seq != e->seqs[i] || len != w.len || memcmp(data, w.data, len) != 0)
        e->bad = 1;
    return e->stop_at && e->seen == e->stop_at;
}

/* Scans; returns 0 when it saw what it should, else 1 after saying so. */
static int scan_differs(cjx_outbox *ob, uint64_t after, size_t max, size_t stop_at,
                        const uint64_t *seqs, const size_t *want, size_t n)
{
    expect e = {seqs, want, n, stop_at, 0, 0};
    cjx_fault f = {0};
    int bad = cjx_outbox_scan(ob, after, max, check_item, &e, &f) != CJX_OK || e.bad ||
              e.seen != n;
    if (bad)
        print_message("scan after %llu, max %zu: not the %zu items expected (%zu seen)\n",
                      (unsigned long long)after, max, n, e.seen);
    return bad;
}

#define expect_scan(...) assert_false(scan_differs(__VA_ARGS__))

static uint64_t append_items(cjx_outbox *ob, size_t from, size_t n)
{
    uint64_t first = 0;
    cjx_fault f = {0};
    if (append_range(ob, from, n, &first, &f) != CJX_OK)
        fail_msg("append: %s", f.text);
    return first;
}

static void expect_stat(cjx_outbox *ob, uint64_t pending, uint64_t refused, uint64_t next)
{
    cjx_outbox_stats st;
    cjx_fault f = {0};
    assert_int_equal(cjx_outbox_stat(ob, &st, &f), CJX_OK);
    assert_int_equal(st.pending, pending);
    assert_int_equal(st.refused, refused);
    assert_int_equal(st.next_seq, next);
}

static void settle(cjx_outbox *ob, const uint64_t *acked, size_t nacked,
                   Cjx__Nack *const *refused, size_t nrefused)
{
    cjx_fault f = {0};
    if (cjx_outbox_settle(ob, acked, nacked, refused, nrefused, &f) != CJX_OK)
        fail_msg("settle: %s", f.text);
}

static void test_append_consecutive(void **state)
{
    (void)state;
    cjx_outbox *ob = open_box("append", MAP_MB);
    expect_stat(ob, 0, 0, 1);
    assert_int_equal(append_items(ob, 0, 3), 1);
    assert_int_equal(append_items(ob, 3, 2), 4);
    expect_stat(ob, 5, 0, 6);
    expect_scan(ob, 0, 100, 0, (uint64_t[]){1, 2, 3, 4, 5}, (size_t[]){0, 1, 2, 3, 4}, 5);
    cjx_outbox_close(&ob);
    assert_null(ob);
}

/* A batch that does not fit in the map is refused whole: nothing stored,
 * no sequence used. */
static void test_append_all_or_none(void **state)
{
    (void)state;
    cjx_outbox *ob = open_box("all-or-none", 1);
    assert_int_equal(append_items(ob, 0, 1), 1);
    static char huge[400 * 1024];
    ProtobufCBinaryData batch[] = {bin("first", 5), bin(huge, sizeof huge), bin(huge, sizeof huge),
                                   bin(huge, sizeof huge)};
    uint64_t first = 99;
    cjx_fault f = {0};
    assert_int_equal(cjx_outbox_append(ob, batch, 4, &first, &f), CJX_ESTORE);
    assert_int_equal(first, 99);
    expect_stat(ob, 1, 0, 2);
    expect_scan(ob, 0, 100, 0, (uint64_t[]){1}, (size_t[]){0}, 1);
    assert_int_equal(append_items(ob, 1, 1), 2);
    cjx_outbox_close(&ob);
}

static void test_scan_after_max(void **state)
{
    (void)state;
    cjx_outbox *ob = open_box("scan", MAP_MB);
    append_items(ob, 0, 5);
    expect_scan(ob, 2, 100, 0, (uint64_t[]){3, 4, 5}, (size_t[]){2, 3, 4}, 3);
    expect_scan(ob, 0, 2, 0, (uint64_t[]){1, 2}, (size_t[]){0, 1}, 2);
    expect_scan(ob, 2, 2, 0, (uint64_t[]){3, 4}, (size_t[]){2, 3}, 2);
    expect_scan(ob, 4, 2, 0, (uint64_t[]){5}, (size_t[]){4}, 1);
    expect_scan(ob, 5, 100, 0, NULL, NULL, 0);
    expect_scan(ob, 0, 0, 0, NULL, NULL, 0);
    expect_scan(ob, 0, 100, 2, (uint64_t[]){1, 2}, (size_t[]){0, 1}, 2); /* fn stops it */
    /* settled items leave holes; max counts items, not sequences */
    settle(ob, (uint64_t[]){2, 3}, 2, NULL, 0);
    expect_scan(ob, 0, 2, 0, (uint64_t[]){1, 4}, (size_t[]){0, 3}, 2);
    cjx_outbox_close(&ob);
}

/* Reads the Nack kept for seq in the refused database of the closed outbox
 * in folder name. Caller frees. */
static Cjx__Nack *read_refused(const char *name, uint64_t seq)
{
    static const char *const dbs[] = {"outbox", "refused", NULL};
    cjx_store *s = NULL;
    cjx_fault f = {0};
    assert_int_equal(cjx_store_open(tmpdir_path(name), "cjx-agent", CJX_OUTBOX_FORMAT, dbs, MAP_MB,
                                    &s, &f),
                     CJX_OK);
    MDB_txn *txn;
    assert_int_equal(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn), 0);
    uint8_t key[8];
    cjx_be64_put(key, seq);
    MDB_val k = {8, key}, v;
    assert_int_equal(mdb_get(txn, s->dbs[1], &k, &v), 0);
    Cjx__Nack *nack = cjx__nack__unpack(NULL, v.mv_size, v.mv_data);
    mdb_txn_abort(txn);
    cjx_store_close(&s);
    assert_non_null(nack);
    return nack;
}

static void test_settle(void **state)
{
    (void)state;
    cjx_outbox *ob = open_box("settle", MAP_MB);
    append_items(ob, 0, 5);
    Cjx__Nack nack = CJX__NACK__INIT;
    nack.outbox_seq = 4;
    nack.reason = CJX_ERANGE;
    nack.field = "job.headcount";
    nack.text = "-3 is below 1";
    Cjx__Nack *refused[] = {&nack};
    settle(ob, (uint64_t[]){1, 3}, 2, refused, 1);
    expect_stat(ob, 2, 1, 6);
    expect_scan(ob, 0, 100, 0, (uint64_t[]){2, 5}, (size_t[]){1, 4}, 2);

    /* settling again, or sequences never given out, changes nothing */
    Cjx__Nack unknown = nack;
    unknown.outbox_seq = 100;
    Cjx__Nack *again[] = {&nack, &unknown};
    settle(ob, (uint64_t[]){1, 3, 99}, 3, again, 2);
    expect_stat(ob, 2, 1, 6);
    expect_scan(ob, 0, 100, 0, (uint64_t[]){2, 5}, (size_t[]){1, 4}, 2);
    cjx_outbox_close(&ob);

    Cjx__Nack *kept = read_refused("settle", 4);
    assert_int_equal(kept->outbox_seq, 4);
    assert_int_equal(kept->reason, CJX_ERANGE);
    assert_string_equal(kept->field, "job.headcount");
    assert_string_equal(kept->text, "-3 is below 1");
    cjx__nack__free_unpacked(kept, NULL);
}

/* A sequence is never handed out twice, even once the outbox is empty and
 * after a reopen: the hub would take the new item for a duplicate. */
static void test_seq_never_reused(void **state)
{
    (void)state;
    cjx_outbox *ob = open_box("reuse", MAP_MB);
    append_items(ob, 0, 3);
    settle(ob, (uint64_t[]){1, 2, 3}, 3, NULL, 0);
    expect_stat(ob, 0, 0, 4);
    assert_int_equal(append_items(ob, 3, 1), 4);
    settle(ob, (uint64_t[]){4}, 1, NULL, 0);
    cjx_outbox_close(&ob);
    ob = open_box("reuse", MAP_MB);
    expect_stat(ob, 0, 0, 5);
    assert_int_equal(append_items(ob, 4, 1), 5);
    cjx_outbox_close(&ob);
}

static size_t skip_past(cjx_outbox *ob, uint64_t hub_last)
{
    size_t moved = 12345;
    cjx_fault f = {0};
    if (cjx_outbox_skip_past(ob, hub_last, &moved, &f) != CJX_OK)
        fail_msg("skip_past %llu: %s", (unsigned long long)hub_last, f.text);
    return moved;
}

static void test_skip_past_renumbers(void **state)
{
    (void)state;
    cjx_outbox *ob = open_box("skip", MAP_MB);
    append_items(ob, 0, 4);
    settle(ob, (uint64_t[]){1}, 1, NULL, 0);
    assert_int_equal(skip_past(ob, 10), 3);
    expect_stat(ob, 3, 0, 14);
    expect_scan(ob, 0, 100, 0, (uint64_t[]){11, 12, 13}, (size_t[]){1, 2, 3}, 3);
    assert_int_equal(append_items(ob, 4, 1), 14);

    /* hub_last == next_seq: the hub holds the very next sequence */
    assert_int_equal(skip_past(ob, 15), 4);
    expect_scan(ob, 0, 100, 0, (uint64_t[]){16, 17, 18, 19}, (size_t[]){1, 2, 3, 4}, 4);
    expect_stat(ob, 4, 0, 20);
    cjx_outbox_close(&ob);
}

static void test_skip_past_noop(void **state)
{
    (void)state;
    cjx_outbox *ob = open_box("skip-noop", MAP_MB);
    append_items(ob, 0, 3);
    assert_int_equal(skip_past(ob, 3), 0); /* next_seq 4 > 3 */
    assert_int_equal(skip_past(ob, 0), 0);
    expect_stat(ob, 3, 0, 4);
    expect_scan(ob, 0, 100, 0, (uint64_t[]){1, 2, 3}, (size_t[]){0, 1, 2}, 3);
    cjx_outbox_close(&ob);

    ob = open_box("skip-empty", MAP_MB);
    assert_int_equal(skip_past(ob, 7), 0);
    expect_stat(ob, 0, 0, 8);
    assert_int_equal(append_items(ob, 0, 1), 8);
    cjx_outbox_close(&ob);
}

/* ---- two processes on one outbox ---- */

/* The other process (the cjx tool) appends items 3 and 4 after the one the
 * parent appended. */
static int child_append(cjx_outbox *ob)
{
    uint64_t first = 0;
    cjx_fault f;
    return append_range(ob, 3, 2, &first, &f) != CJX_OK || first != 2;
}

/* The other process sees what the parent appended, and settles seq 1. */
static int child_scan_settle(cjx_outbox *ob)
{
    cjx_fault f;
    return scan_differs(ob, 0, 100, 0, (uint64_t[]){1, 2, 3, 4}, (size_t[]){0, 3, 4, 5}, 4) ||
           cjx_outbox_settle(ob, (uint64_t[]){1}, 1, NULL, 0, &f) != CJX_OK;
}

/* Runs fn on the outbox in folder name, opened by a child process. */
static void run_child(int (*fn)(cjx_outbox *), const char *name)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        cjx_outbox *ob = NULL;
        cjx_fault f;
        int rc = cjx_outbox_open(tmpdir_path(name), MAP_MB, &ob, &f) != CJX_OK ? 2 : fn(ob);
        cjx_outbox_close(&ob);
        _exit(rc);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_two_processes(void **state)
{
    (void)state;
    cjx_outbox *ob = open_box("shared", MAP_MB); /* stays open, like the agent's */
    assert_int_equal(append_items(ob, 0, 1), 1);
    run_child(child_append, "shared");
    expect_stat(ob, 3, 0, 4);
    expect_scan(ob, 0, 100, 0, (uint64_t[]){1, 2, 3}, (size_t[]){0, 3, 4}, 3);
    assert_int_equal(append_items(ob, 5, 1), 4);
    run_child(child_scan_settle, "shared");
    expect_stat(ob, 3, 0, 5);
    expect_scan(ob, 0, 100, 0, (uint64_t[]){2, 3, 4}, (size_t[]){3, 4, 5}, 3);
    cjx_outbox_close(&ob);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_consecutive),
        cmocka_unit_test(test_append_all_or_none),
        cmocka_unit_test(test_scan_after_max),
        cmocka_unit_test(test_settle),
        cmocka_unit_test(test_seq_never_reused),
        cmocka_unit_test(test_skip_past_renumbers),
        cmocka_unit_test(test_skip_past_noop),
        cmocka_unit_test(test_two_processes),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

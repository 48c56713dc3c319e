/* store_test.c — unit tests for opening LMDB environments and their meta
 * record (core/store.c), and for the big-endian key helpers (store.h).
 *
 * Every test works in its own folder under a mkdtemp directory made by the
 * group setup and removed, with everything in it, by the group teardown.
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
#include <sys/stat.h>

#include "store.h"

#define MAP_MB 4
#define HUB "cjx-hub"
#define AGENT "cjx-agent"

static const char *const two_dbs[] = {"log", "ids", NULL};

static int group_setup(void **state)
{
    (void)state;
    return tmpdir_make("store");
}

static int group_teardown(void **state)
{
    (void)state;
    return tmpdir_remove();
}

/* Opens dir, which must succeed. */
static cjx_store *open_ok(const char *dir, const char *role, uint32_t format)
{
    cjx_store *s = NULL;
    cjx_fault f = {0};
    cjx_err rc = cjx_store_open(dir, role, format, two_dbs, MAP_MB, &s, &f);
    if (rc != CJX_OK)
        fail_msg("open %s as %s/%u: %s: %s", dir, role, format, cjx_err_name(rc), f.text);
    assert_non_null(s);
    return s;
}

/* Opens dir, which must fail with want; returns the fault's text. */
static const char *open_fails(const char *dir, const char *role, uint32_t format,
                              cjx_err want)
{
    static cjx_fault f;
    cjx_store *s = NULL;
    memset(&f, 0, sizeof f);
    assert_int_equal(cjx_store_open(dir, role, format, two_dbs, MAP_MB, &s, &f), want);
    assert_null(s);
    assert_int_equal(f.code, want);
    return f.text;
}

static MDB_txn *begin(cjx_store *s, unsigned flags)
{
    MDB_txn *txn = NULL;
    assert_int_equal(mdb_txn_begin(s->env, NULL, flags, &txn), 0);
    return txn;
}

static void test_open_creates_dir_and_meta(void **state)
{
    (void)state;
    const char *dir = tmpdir_path("a/b/c"); /* parents missing too */
    cjx_store *s = open_ok(dir, HUB, 3);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(s->ndbs, 2);

    MDB_txn *txn = begin(s, MDB_RDONLY);
    MDB_val k = {5, "magic"}, v;
    assert_int_equal(mdb_get(txn, s->meta, &k, &v), 0);
    assert_int_equal(v.mv_size, strlen(HUB));
    assert_memory_equal(v.mv_data, HUB, v.mv_size);
    assert_int_equal(cjx_store_meta_u64(txn, s, "format"), 3);
    mdb_txn_abort(txn);
    cjx_store_close(&s);
    assert_null(s);
}

/* Reopening with the same role and format keeps what was written. */
static void test_reopen(void **state)
{
    (void)state;
    const char *dir = tmpdir_path("reopen");
    cjx_store *s = open_ok(dir, AGENT, 1);
    MDB_txn *txn = begin(s, 0);
    MDB_val k = {3, "key"}, v = {5, "value"};
    assert_int_equal(mdb_put(txn, s->dbs[1], &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    cjx_store_close(&s);

    s = open_ok(dir, AGENT, 1);
    txn = begin(s, MDB_RDONLY);
    assert_int_equal(mdb_get(txn, s->dbs[1], &k, &v), 0);
    assert_memory_equal(v.mv_data, "value", 5);
    assert_int_equal(mdb_get(txn, s->dbs[0], &k, &v), MDB_NOTFOUND);
    mdb_txn_abort(txn);
    cjx_store_close(&s);
}

/* A hub must not open an agent's store, nor the other way round, and the
 * refusal names both roles. */
static void test_role_mismatch(void **state)
{
    (void)state;
    const char *dir = tmpdir_path("role");
    cjx_store *s = open_ok(dir, AGENT, 1);
    cjx_store_close(&s);

    const char *text = open_fails(dir, HUB, 1, CJX_EVERSION);
    assert_non_null(strstr(text, AGENT));
    assert_non_null(strstr(text, HUB));
    /* a role that is a prefix of the stored one is another role */
    open_fails(dir, "cjx", 1, CJX_EVERSION);

    /* the refused open left the store as it was */
    s = open_ok(dir, AGENT, 1);
    cjx_store_close(&s);
}

static void test_format_mismatch(void **state)
{
    (void)state;
    const char *dir = tmpdir_path("format");
    cjx_store *s = open_ok(dir, HUB, 2);
    cjx_store_close(&s);

    const char *text = open_fails(dir, HUB, 3, CJX_EVERSION);
    assert_non_null(strstr(text, "format 2"));
    assert_non_null(strstr(text, "format 3"));
    open_fails(dir, HUB, 1, CJX_EVERSION);
    s = open_ok(dir, HUB, 2);
    cjx_store_close(&s);
}

static void test_meta_u64(void **state)
{
    (void)state;
    const char *dir = tmpdir_path("meta");
    cjx_store *s = open_ok(dir, HUB, 1);
    MDB_txn *txn = begin(s, 0);
    assert_int_equal(cjx_store_meta_u64(txn, s, "last_seq"), 0); /* absent */
    assert_int_equal(cjx_store_meta_put_u64(txn, s, "last_seq", 0x0102030405060708ull), 0);
    assert_int_equal(cjx_store_meta_put_u64(txn, s, "top", UINT64_MAX), 0);
    assert_true(cjx_store_meta_u64(txn, s, "last_seq") == 0x0102030405060708ull);
    assert_int_equal(mdb_txn_commit(txn), 0);
    cjx_store_close(&s);

    s = open_ok(dir, HUB, 1);
    txn = begin(s, MDB_RDONLY);
    assert_true(cjx_store_meta_u64(txn, s, "last_seq") == 0x0102030405060708ull);
    assert_true(cjx_store_meta_u64(txn, s, "top") == UINT64_MAX);
    /* the stored bytes are big-endian */
    MDB_val k = {8, "last_seq"}, v;
    assert_int_equal(mdb_get(txn, s->meta, &k, &v), 0);
    assert_memory_equal(v.mv_data, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    /* "magic" is not 8 bytes long: read as absent, not as garbage */
    assert_int_equal(cjx_store_meta_u64(txn, s, "magic"), 0);
    mdb_txn_abort(txn);
    cjx_store_close(&s);
}

/* Values whose order is easy to get wrong byte by byte, in numeric order. */
static const uint64_t ordered[] = {
    0, 1, 2, 255, 256, 257, 65535, 65536, 0xffffffffull, 1ull << 32,
    (1ull << 56) - 1, 1ull << 56, (1ull << 63) - 1, 1ull << 63, UINT64_MAX - 1, UINT64_MAX,
};
#define NORDERED (sizeof ordered / sizeof ordered[0])

static void test_be64_round_trip(void **state)
{
    (void)state;
    uint8_t b[8];
    cjx_be64_put(b, 0x0102030405060708ull);
    assert_memory_equal(b, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    for (size_t i = 0; i < NORDERED; i++) {
        cjx_be64_put(b, ordered[i]);
        assert_true(cjx_be64_get(b) == ordered[i]);
    }
}

static void test_be64_memcmp_order(void **state)
{
    (void)state;
    for (size_t i = 0; i < NORDERED; i++)
        for (size_t j = 0; j < NORDERED; j++) {
            uint8_t a[8], b[8];
            cjx_be64_put(a, ordered[i]);
            cjx_be64_put(b, ordered[j]);
            int c = memcmp(a, b, 8);
            if ((i < j) != (c < 0) || (i == j) != (c == 0))
                fail_msg("%llu vs %llu: memcmp %d", (unsigned long long)ordered[i],
                         (unsigned long long)ordered[j], c);
        }
}

/* What the big-endian keys are for: LMDB lists them in numeric order. */
static void test_be64_lmdb_order(void **state)
{
    (void)state;
    cjx_store *s = open_ok(tmpdir_path("order"), HUB, 1);
    MDB_txn *txn = begin(s, 0);
    for (size_t n = 0; n < NORDERED; n++) {
        size_t i = (n * 7 + 3) % NORDERED; /* 7 is prime to 16: a permutation */
        uint8_t key[8];
        cjx_be64_put(key, ordered[i]);
        MDB_val k = {8, key}, v = {sizeof i, &i};
        assert_int_equal(mdb_put(txn, s->dbs[0], &k, &v, 0), 0);
    }
    MDB_cursor *cur;
    assert_int_equal(mdb_cursor_open(txn, s->dbs[0], &cur), 0);
    MDB_val k, v;
    size_t n = 0;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), n++)
        assert_true(cjx_be64_get(k.mv_data) == ordered[n]);
    assert_int_equal(n, NORDERED);
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    cjx_store_close(&s);
}

static void test_too_many_dbs(void **state)
{
    (void)state;
    const char *names[CJX_STORE_MAX_DBS + 2];
    char bufs[CJX_STORE_MAX_DBS + 1][8];
    for (int i = 0; i <= CJX_STORE_MAX_DBS; i++) {
        snprintf(bufs[i], sizeof bufs[i], "db%d", i);
        names[i] = bufs[i];
    }
    names[CJX_STORE_MAX_DBS + 1] = NULL;
    cjx_store *s = NULL;
    cjx_fault f = {0};
    assert_int_equal(cjx_store_open(tmpdir_path("many"), HUB, 1, names, MAP_MB, &s, &f),
                     CJX_EINVAL);
    assert_null(s);

    names[CJX_STORE_MAX_DBS] = NULL; /* exactly the most allowed */
    assert_int_equal(cjx_store_open(tmpdir_path("many"), HUB, 1, names, MAP_MB, &s, &f), CJX_OK);
    assert_int_equal(s->ndbs, CJX_STORE_MAX_DBS);
    cjx_store_close(&s);
}

/* A folder that cannot be made (a file is in the way) is an I/O error. */
static void test_cannot_create_dir(void **state)
{
    (void)state;
    const char *file = tmpdir_path("plain-file");
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fclose(fp);
    char dir[300];
    snprintf(dir, sizeof dir, "%s/store", file);
    const char *text = open_fails(dir, HUB, 1, CJX_EIO);
    assert_non_null(strstr(text, dir));
}

static void test_store_fault(void **state)
{
    (void)state;
    cjx_fault f;
    assert_int_equal(cjx_store_fault(&f, MDB_NOTFOUND, "reading x"), CJX_ENOTFOUND);
    assert_string_equal(f.text, "reading x: not found");
    assert_int_equal(cjx_store_fault(&f, MDB_MAP_FULL, "writing y"), CJX_ESTORE);
    assert_int_equal(strncmp(f.text, "writing y: ", 11), 0);
    assert_non_null(strstr(f.text, "MDB_MAP_FULL"));
}

static void test_close_null(void **state)
{
    (void)state;
    cjx_store *s = NULL;
    cjx_store_close(&s);
    cjx_store_close(NULL);
    assert_null(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_creates_dir_and_meta),
        cmocka_unit_test(test_reopen),
        cmocka_unit_test(test_role_mismatch),
        cmocka_unit_test(test_format_mismatch),
        cmocka_unit_test(test_meta_u64),
        cmocka_unit_test(test_be64_round_trip),
        cmocka_unit_test(test_be64_memcmp_order),
        cmocka_unit_test(test_be64_lmdb_order),
        cmocka_unit_test(test_too_many_dbs),
        cmocka_unit_test(test_cannot_create_dir),
        cmocka_unit_test(test_store_fault),
        cmocka_unit_test(test_close_null),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/* ids_test.c — unit tests for item ids and their store keys (core/ids.c).
 *
 * An id is the hub's deduplication key, so a parse that accepted two
 * spellings of one sequence ("…-07" and "…-7") would let one item be stored
 * twice; the rejection cases below are that contract. Key order is checked
 * with memcmp, which is how LMDB compares keys by default.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ids.h"

#define CODE "91140400MA0K7C2D3J"
#define CODE2 "12140400405710843M"

/* Parses id, which must be valid, and checks what comes out. */
static void expect_parse(const char *id, const char *code, uint64_t seq)
{
    char got_code[CJX_CODE_LEN + 1];
    uint64_t got_seq = 0;
    cjx_err rc = cjx_id_parse(id, got_code, &got_seq);
    if (rc != CJX_OK)
        fail_msg("\"%s\": %s", id, cjx_err_name(rc));
    assert_string_equal(got_code, code);
    assert_true(got_seq == seq);
}

static void test_round_trip(void **state)
{
    (void)state;
    static const uint64_t seqs[] = {1, 9, 10, 4096, 1ull << 32, UINT64_MAX};
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
        char id[CJX_ID_MAX];
        cjx_id_format(id, CODE, seqs[i]);
        expect_parse(id, CODE, seqs[i]);
    }
}

static void test_format_spelling(void **state)
{
    (void)state;
    char id[CJX_ID_MAX];
    cjx_id_format(id, CODE, 42);
    assert_string_equal(id, CODE "-42");
    cjx_id_format(id, CODE, UINT64_MAX);
    assert_string_equal(id, CODE "-18446744073709551615");
}

static void test_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *why, *id;
    } bad[] = {
        {"empty", ""},
        {"code only", CODE},
        {"no sequence", CODE "-"},
        {"short code", "9114040MA0K7C2D3J-1"},
        {"long code", CODE "X-1"},
        {"no dash", CODE "1"},
        {"other separator", CODE "_1"},
        {"zero sequence", CODE "-0"},
        {"leading zero", CODE "-01"},
        {"sign", CODE "-+1"},
        {"negative", CODE "--1"},
        {"blank", CODE "- 1"},
        {"letters", CODE "-abc"},
        {"trailing junk", CODE "-12a"},
        {"trailing blank", CODE "-12 "},
        {"overflow", CODE "-18446744073709551616"},
        {"far overflow", CODE "-99999999999999999999999"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char code[CJX_CODE_LEN + 1] = "untouched";
        uint64_t seq = 77;
        cjx_err rc = cjx_id_parse(bad[i].id, code, &seq);
        if (rc != CJX_ECODE)
            fail_msg("%s \"%s\": got %s, want code", bad[i].why, bad[i].id, cjx_err_name(rc));
        /* results are written only on success */
        assert_string_equal(code, "untouched");
        assert_true(seq == 77);
    }
}

/* Keys for (code, seq) in the order the store must list them. */
static void test_key_order(void **state)
{
    (void)state;
    static const struct {
        const char *code;
        uint64_t seq;
    } sorted[] = {
        {CODE2, 1},           {CODE2, UINT64_MAX},  {CODE, 1},   {CODE, 2},
        {CODE, 9},            {CODE, 10},           {CODE, 255}, {CODE, 256},
        {CODE, 65536},        {CODE, 1ull << 32},   {CODE, (1ull << 63) + 1},
        {CODE, UINT64_MAX},
    };
    size_t n = sizeof sorted / sizeof sorted[0];
    uint8_t prev[CJX_ID_KEY_LEN], key[CJX_ID_KEY_LEN];
    for (size_t i = 0; i < n; i++) {
        cjx_id_key(key, sorted[i].code, sorted[i].seq);
        assert_memory_equal(key, sorted[i].code, CJX_CODE_LEN);
        if (i > 0 && memcmp(prev, key, sizeof key) >= 0)
            fail_msg("key of %s-%llu does not sort after the one before", sorted[i].code,
                     (unsigned long long)sorted[i].seq);
        memcpy(prev, key, sizeof key);
    }
}

static void test_key_layout(void **state)
{
    (void)state;
    static const uint8_t want_seq[8] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
    uint8_t key[CJX_ID_KEY_LEN];
    cjx_id_key(key, CODE, 0x0102030405060708ull);
    assert_memory_equal(key, CODE, CJX_CODE_LEN);
    assert_memory_equal(key + CJX_CODE_LEN, want_seq, 8);

    /* a short code is padded with zero bytes, never with what was there */
    memset(key, 0xee, sizeof key);
    cjx_id_key(key, "ABC", 1);
    static const uint8_t want[CJX_ID_KEY_LEN] = {'A', 'B', 'C', [CJX_ID_KEY_LEN - 1] = 1};
    assert_memory_equal(key, want, sizeof key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_format_spelling),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_key_order),
        cmocka_unit_test(test_key_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

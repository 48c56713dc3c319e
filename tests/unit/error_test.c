/* error_test.c — unit tests for the error enum's names and sentences and for
 * cjx_fault_set (core/error.c).
 *
 * The numbers are Nack.reason on the wire and the names are metrics labels,
 * so both are pinned here against the table in docs/protocol.md: renumbering
 * or renaming a code must fail a test, not just change a dashboard.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* docs/protocol.md, "Reason codes". */
static const struct {
    cjx_err code;
    int wire;
    const char *name;
} pinned[] = {
    {CJX_OK, 0, "ok"},                 {CJX_EMALFORMED, 1, "malformed"},
    {CJX_ETOOBIG, 2, "too_big"},       {CJX_EKIND, 3, "kind"},
    {CJX_EREQUIRED, 4, "required"},    {CJX_ELENGTH, 5, "length"},
    {CJX_ERANGE, 6, "range"},          {CJX_ECHECKCHAR, 7, "check_char"},
    {CJX_ECODE, 8, "code"},            {CJX_EDIVISION, 9, "division"},
    {CJX_EMAJOR, 10, "major"},         {CJX_EDATE, 11, "date"},
    {CJX_EWORDING, 12, "wording"},     {CJX_ENOSESSION, 13, "no_session"},
    {CJX_EPROTOCOL, 14, "protocol"},   {CJX_EVERSION, 15, "version"},
    {CJX_ENOTFOUND, 16, "not_found"},  {CJX_ESTORE, 17, "store"},
    {CJX_EIO, 18, "io"},               {CJX_ENOMEM, 19, "nomem"},
    {CJX_ECONFIG, 20, "config"},       {CJX_EINVAL, 21, "invalid"},
    {CJX_ETIMEOUT, 22, "timeout"},     {CJX_EFIELD, 23, "field"},
    {CJX_EFORBIDDEN, 24, "forbidden"},
    {CJX_ELIMIT, 25, "limit"},
};

static void test_wire_numbers_and_names(void **state)
{
    (void)state;
    /* a new code must be added to docs/protocol.md and to this table */
    assert_int_equal(sizeof pinned / sizeof pinned[0], CJX_ERR_COUNT);
    for (size_t i = 0; i < sizeof pinned / sizeof pinned[0]; i++) {
        assert_int_equal(pinned[i].code, pinned[i].wire);
        assert_string_equal(cjx_err_name(pinned[i].code), pinned[i].name);
    }
}

static void test_names_distinct(void **state)
{
    (void)state;
    for (int a = 0; a < CJX_ERR_COUNT; a++) {
        const char *name = cjx_err_name(a);
        assert_non_null(name);
        assert_string_not_equal(name, "unknown");
        for (int b = 0; b < a; b++)
            assert_string_not_equal(name, cjx_err_name(b));
    }
}

/* Names go into metrics labels and logfmt: [a-z_] only, not empty, no
 * leading or trailing underscore. */
static void test_names_lower_case(void **state)
{
    (void)state;
    for (int e = 0; e < CJX_ERR_COUNT; e++) {
        const char *name = cjx_err_name(e);
        size_t len = strlen(name);
        assert_true(len > 0);
        assert_int_equal(strspn(name, "abcdefghijklmnopqrstuvwxyz_"), len);
        assert_true(name[0] != '_' && name[len - 1] != '_');
    }
}

static void test_every_code_has_text(void **state)
{
    (void)state;
    for (int e = 0; e < CJX_ERR_COUNT; e++) {
        const char *text = cjx_strerror(e);
        assert_non_null(text);
        assert_true(strlen(text) > 0);
        assert_string_not_equal(text, "unknown error");
    }
}

static void test_out_of_range(void **state)
{
    (void)state;
    static const int bad[] = {-1, CJX_ERR_COUNT, CJX_ERR_COUNT + 1, 1000, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_string_equal(cjx_err_name(bad[i]), "unknown");
        assert_string_equal(cjx_strerror(bad[i]), "unknown error");
    }
}

/* A fault on the heap, so ASan sees a write past its end. */
static cjx_fault *new_fault(void)
{
    cjx_fault *f = malloc(sizeof *f);
    assert_non_null(f);
    memset(f, 'z', sizeof *f);
    return f;
}

static void test_fault_fills(void **state)
{
    (void)state;
    cjx_fault *f = new_fault();
    assert_int_equal(cjx_fault_set(f, CJX_ERANGE, "job.headcount", "%d is below %s", -3, "1"),
                     CJX_ERANGE);
    assert_int_equal(f->code, CJX_ERANGE);
    assert_string_equal(f->field, "job.headcount");
    assert_string_equal(f->text, "-3 is below 1");

    assert_int_equal(cjx_fault_set(f, CJX_EIO, NULL, "no field"), CJX_EIO);
    assert_string_equal(f->field, "");
    assert_string_equal(f->text, "no field");
    free(f);
}

static void test_fault_null_is_harmless(void **state)
{
    (void)state;
    assert_int_equal(cjx_fault_set(NULL, CJX_ECODE, "x", "y %d", 1), CJX_ECODE);
}

/* Over-long field and text are cut to fit, NUL-terminated, and write nothing
 * past their arrays: a field that overran would run into text and its
 * strlen would exceed 127. */
static void test_fault_truncates(void **state)
{
    (void)state;
    char longer[1000];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    cjx_fault *f = new_fault();
    cjx_fault_set(f, CJX_ELENGTH, longer, "%s%s", longer, "tail");
    assert_int_equal(strlen(f->field), sizeof f->field - 1);
    assert_int_equal(strlen(f->text), sizeof f->text - 1);
    assert_memory_equal(f->text, longer, sizeof f->text - 1);

    /* exactly at the limit: kept whole */
    longer[sizeof f->field - 1] = '\0';
    cjx_fault_set(f, CJX_ELENGTH, longer, "%s", "short");
    assert_string_equal(f->field, longer);
    assert_string_equal(f->text, "short");
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire_numbers_and_names),
        cmocka_unit_test(test_names_distinct),
        cmocka_unit_test(test_names_lower_case),
        cmocka_unit_test(test_every_code_has_text),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_fault_fills),
        cmocka_unit_test(test_fault_null_is_harmless),
        cmocka_unit_test(test_fault_truncates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* import_csv_test.c — unit tests for reading exported files
 * (core/import_csv.c) and for the cells' forms (core/import_cell.c): text
 * encodings, CSV records, dates, numbers, yes/no and lists. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_csv.h"
#include "import_map.h"

/* Decodes text with enc and returns the UTF-8 (caller frees), or NULL. */
static char *decode(const char *text, size_t len, cjx_encoding enc, cjx_encoding *used)
{
    char *out = NULL;
    size_t n;
    cjx_fault f = {0};
    return cjx_text_to_utf8(text, len, enc, &out, &n, used, &f) == CJX_OK ? out : NULL;
}

static void utf8_with_and_without_bom(void **state)
{
    (void)state;
    cjx_encoding used;
    char *s = decode("\xEF\xBB\xBF岗位名称", strlen("\xEF\xBB\xBF岗位名称"), CJX_ENC_AUTO, &used);
    assert_string_equal(s, "岗位名称"); /* the BOM is gone */
    assert_int_equal(used, CJX_ENC_UTF8);
    free(s);
    s = decode("岗位名称", strlen("岗位名称"), CJX_ENC_AUTO, &used);
    assert_string_equal(s, "岗位名称");
    assert_int_equal(used, CJX_ENC_UTF8);
    free(s);
}

static void gb18030_detected_and_converted(void **state)
{
    (void)state;
    /* 岗位 in GB18030 is B8DA CEBB, and the middle dot · is A1A4 */
    static const char gb[] = "\xB8\xDA\xCE\xBB,\xA1\xA4";
    cjx_encoding used;
    char *s = decode(gb, sizeof gb - 1, CJX_ENC_AUTO, &used);
    assert_non_null(s);
    assert_string_equal(s, "岗位,·");
    assert_int_equal(used, CJX_ENC_GB18030);
    free(s);
    /* configured as UTF-8, the same bytes are refused with their line */
    cjx_fault f = {0};
    char *out = NULL;
    size_t n;
    assert_int_equal(cjx_text_to_utf8("a\nb\n\xB8\xDA", 6, CJX_ENC_UTF8, &out, &n, NULL, &f),
                     CJX_EMALFORMED);
    assert_non_null(strstr(f.text, "line 3"));
    assert_null(out);
}

static void gb18030_bom_and_cut_characters(void **state)
{
    (void)state;
    /* GB18030's BOM (U+FEFF) is dropped and means GB18030 */
    static const char gb[] = "\x84\x31\x95\x33\xB8\xDA\xCE\xBB";
    cjx_encoding used;
    char *s = decode(gb, sizeof gb - 1, CJX_ENC_AUTO, &used);
    assert_non_null(s);
    assert_string_equal(s, "岗位");
    assert_int_equal(used, CJX_ENC_GB18030);
    free(s);
    /* UTF-8 cut in the middle of its last character: neither UTF-8 nor
     * GB18030; the fault says where UTF-8 failed */
    cjx_fault f = {0};
    char *out = NULL;
    size_t n;
    static const char cut[] = "a\nb\n\xE5";
    assert_int_equal(cjx_text_to_utf8(cut, sizeof cut - 1, CJX_ENC_AUTO, &out, &n, NULL, &f),
                     CJX_EMALFORMED);
    assert_non_null(strstr(f.text, "line 3: not valid UTF-8"));
    assert_non_null(strstr(f.text, "cut off"));
}

static void encoding_names(void **state)
{
    (void)state;
    cjx_encoding e;
    assert_int_equal(cjx_encoding_by_name("GBK", &e), 0);
    assert_int_equal(e, CJX_ENC_GB18030);
    assert_int_equal(cjx_encoding_by_name("UTF-8", &e), 0);
    assert_int_equal(e, CJX_ENC_UTF8);
    assert_int_equal(cjx_encoding_by_name("latin1", &e), -1);
}

/* Reads every record of text and joins them as "a|b;c|d;". */
static void records(const char *text, char *out, size_t cap)
{
    cjx_csv c;
    cjx_fault f = {0};
    cjx_csv_init(&c, text, strlen(text), cjx_csv_sniff(text, strlen(text)));
    out[0] = '\0';
    int got;
    while ((got = cjx_csv_next(&c, &f)) == 1) {
        for (size_t i = 0; i < c.nfields; i++) {
            strncat(out, c.fields[i], cap - strlen(out) - 1);
            strncat(out, i + 1 < c.nfields ? "|" : ";", cap - strlen(out) - 1);
        }
    }
    if (got < 0)
        strncat(out, "ERROR", cap - strlen(out) - 1);
    cjx_csv_free(&c);
}

static void csv_records(void **state)
{
    (void)state;
    char out[256];
    records("a,b\r\n1,2\r\n", out, sizeof out);
    assert_string_equal(out, "a|b;1|2;");
    records("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n", out, sizeof out);
    assert_string_equal(out, "a|b;x,y|say \"hi\";");
    records("a,b\n\"two\nlines\",\n\n3,4", out, sizeof out); /* no newline at the end */
    assert_string_equal(out, "a|b;two\nlines|;3|4;");
    records("a\tb\n1\t2,5\n", out, sizeof out); /* tab separated */
    assert_string_equal(out, "a|b;1|2,5;");
    records("a,b\n\"never closed,2\n", out, sizeof out);
    assert_string_equal(out, "a|b;ERROR");
    records("a,b\n\"x\"y,2\n", out, sizeof out);
    assert_string_equal(out, "a|b;ERROR");
}

static void csv_line_numbers(void **state)
{
    (void)state;
    const char *text = "h\n\"1\n2\"\n\nx\n";
    cjx_csv c;
    cjx_fault f;
    cjx_csv_init(&c, text, strlen(text), ',');
    assert_int_equal(cjx_csv_next(&c, &f), 1);
    assert_int_equal(c.record_line, 1);
    assert_int_equal(cjx_csv_next(&c, &f), 1);
    assert_int_equal(c.record_line, 2);
    assert_int_equal(cjx_csv_next(&c, &f), 1);
    assert_int_equal(c.record_line, 5); /* after a two-line field and a blank line */
    assert_int_equal(cjx_csv_next(&c, &f), 0);
    cjx_csv_free(&c);
}

static void dates(void **state)
{
    (void)state;
    static const char *const good[][2] = {
        {"2026-03-01", "2026-03-01"}, {"2026/3/1", "2026-03-01"},
        {"2026年3月1日", "2026-03-01"}, {"2026年12月31", "2026-12-31"},
        {"2026.3.1", "2026-03-01"},   {"20260301", "2026-03-01"},
        {"2026/3/1 0:00", "2026-03-01"}, {"2026-03-01T08:30:00", "2026-03-01"},
        {"2026/3/1 23:59:59", "2026-03-01"},
    };
    static const char *const bad[] = {"3/1/2026", "2026-13-01", "2026-3", "明天", "2026/3/1x",
                                      "26-03-01", "", "2099-12-31 25:99", "2026/3/1 9",
                                      "2026/3/1 12:60", "2026/3/1 1:2:3", "2026/3/1 ..::"};
    char out[11];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(cjx_import_date(good[i][0], out), 0);
        assert_string_equal(out, good[i][1]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (cjx_import_date(bad[i], out) == 0)
            fail_msg("\"%s\" read as a date", bad[i]);
}

/* The JSON text of a cell for the field at path of a job posting. */
static char *cell(const char *path, const char *text, cjx_err *rc)
{
    static cjx_import_map m;
    cjx_fault f;
    if (!m.body && cjx_import_map_load(CJX_CONFIG_DIR "/import", "job", &m, &f) != CJX_OK)
        fail_msg("%s", f.text);
    json_t *v = NULL;
    *rc = cjx_import_cell(&m, cjx_import_resolve(&m, path), text, &v, &f);
    char *s = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    return s;
}

static void cells(void **state)
{
    (void)state;
    static const char *const ok[][3] = {
        {"job.headcount", "6", "6"},
        {"job.pay_min_yuan", "5,500", "5500"},
        {"job.pay_min_yuan", "5500.00", "5500"},
        {"valid_until", "2027年2月28日", "\"2027-02-28\""},
        {"cluster", "半导体光电", "\"CLUSTER_SEMICONDUCTOR_OPTO\""}, /* values.ini */
        {"major_codes", "510101，510401、460301", "[\"510101\", \"510401\", \"460301\"]"},
        {"title", "2026/3/1", "\"2026/3/1\""}, /* not a date field: as written */
    };
    cjx_err rc;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char *s = cell(ok[i][0], ok[i][1], &rc);
        assert_int_equal(rc, CJX_OK);
        assert_string_equal(s, ok[i][2]);
        free(s);
    }
    assert_null(cell("job.headcount", "三人", &rc));
    assert_int_equal(rc, CJX_EMALFORMED);
    assert_null(cell("job.headcount", "6.5", &rc));
    /* thousands separators only in groups of three */
    static const char *const not_grouped[] = {"1,5", "15,00", "1500,000", "1,5000", ",500",
                                              "1,,500", "1,500,00"};
    for (size_t i = 0; i < sizeof not_grouped / sizeof not_grouped[0]; i++) {
        char *s = cell("job.pay_min_yuan", not_grouped[i], &rc);
        if (s)
            fail_msg("\"%s\" read as %s", not_grouped[i], s);
        assert_int_equal(rc, CJX_EMALFORMED);
    }
    char *big = cell("job.pay_min_yuan", "1,234,567", &rc);
    assert_string_equal(big, "1234567");
    free(big);
    assert_null(cell("valid_from", "下周一", &rc));
    assert_int_equal(rc, CJX_EDATE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_with_and_without_bom),
        cmocka_unit_test(gb18030_detected_and_converted),
        cmocka_unit_test(gb18030_bom_and_cut_characters),
        cmocka_unit_test(encoding_names),
        cmocka_unit_test(csv_records),
        cmocka_unit_test(csv_line_numbers),
        cmocka_unit_test(dates),
        cmocka_unit_test(cells),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

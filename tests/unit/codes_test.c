/* codes_test.c — unit tests for the code checks and catalogues
 * (core/codes.c), and for the shipped catalogues in config/.
 *
 * Check characters for made-up codes are computed here from the standards'
 * definitions of the weights (3^(i-1) mod 31 for GB 32100, 2^(18-i) mod 11
 * for ISO 7064 MOD 11-2) rather than from the tables codes.c uses, so a wrong
 * table entry there shows up as a failure here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codes.h"

static const char *config_dir(void)
{
    const char *d = getenv("CJX_CONFIG_DIR");
    return d && *d ? d : CJX_CONFIG_DIR;
}

/* Completes the 17 characters of body into a USCC with its check char. */
static void make_uscc(char out[19], const char *body)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    int sum = 0, w = 1;
    for (int i = 0; i < 17; i++, w = w * 3 % 31)
        sum += (int)(strchr(alphabet, body[i]) - alphabet) * w;
    memcpy(out, body, 17);
    out[17] = alphabet[(31 - sum % 31) % 31];
    out[18] = '\0';
}

/* Completes 17 digits into a citizen ID with its check character. */
static void make_id(char out[19], const char *body)
{
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int w = 1;
        for (int k = 0; k < 17 - i; k++)
            w = w * 2 % 11;
        sum += (body[i] - '0') * w;
    }
    int check = (12 - sum % 11) % 11;
    memcpy(out, body, 17);
    out[17] = check == 10 ? 'X' : (char)('0' + check);
    out[18] = '\0';
}

/* ---- unified social credit code ---- */

static void test_uscc_valid(void **state)
{
    (void)state;
    char s[19];
    assert_int_equal(cjx_code_uscc("91110000101623741K"), CJX_OK);
    make_uscc(s, "91140400MA0GXXXX1");          /* a Changzhi enterprise */
    assert_int_equal(cjx_code_uscc(s), CJX_OK);
    make_uscc(s, "12140400405890014");          /* a public institution */
    assert_int_equal(cjx_code_uscc(s), CJX_OK);
    make_uscc(s, "91820000YYYYYYYY0");          /* Macao; 'Y' weighs 30 */
    assert_int_equal(cjx_code_uscc(s), CJX_OK);
}

static void test_uscc_check_char(void **state)
{
    (void)state;
    assert_int_equal(cjx_code_uscc("91110000101623741A"), CJX_ECHECKCHAR);
    assert_int_equal(cjx_code_uscc("91110000101623740K"), CJX_ECHECKCHAR);
    /* two characters swapped */
    assert_int_equal(cjx_code_uscc("91110000106123741K"), CJX_ECHECKCHAR);
}

static void test_uscc_bad_chars(void **state)
{
    (void)state;
    const char *bad = "IOZSVi";
    for (const char *c = bad; *c; c++) {
        char s[19] = "91110000101623741K";
        s[10] = *c;
        assert_int_equal(cjx_code_uscc(s), CJX_ECODE);
    }
    assert_int_equal(cjx_code_uscc("91110000101623741k"), CJX_ECODE);
    assert_int_equal(cjx_code_uscc("91110000 01623741K"), CJX_ECODE);
    /* positions 3-8 are a division code: digits only */
    char s[19];
    make_uscc(s, "911A0000101623741");
    assert_int_equal(cjx_code_uscc(s), CJX_ECODE);
}

static void test_uscc_length(void **state)
{
    (void)state;
    assert_int_equal(cjx_code_uscc("91110000101623741"), CJX_ECODE);
    assert_int_equal(cjx_code_uscc("91110000101623741KK"), CJX_ECODE);
    assert_int_equal(cjx_code_uscc(""), CJX_ECODE);
    assert_int_equal(cjx_code_uscc(NULL), CJX_ECODE);
}

/* Every edge of the province ranges 11-15, 21-23, 31-37, 41-46, 50-54,
 * 61-65, 71, 81-82. */
static void test_uscc_province(void **state)
{
    (void)state;
    const int bad[] = {0,  10, 16, 20, 24, 30, 38, 40, 47,
                       49, 55, 60, 66, 70, 72, 80, 83, 99};
    const int good[] = {11, 15, 21, 23, 31, 37, 41, 46,
                        50, 54, 61, 65, 71, 81, 82};
    char body[18], s[19];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(body, sizeof body, "91%02d0000101623741", bad[i]);
        make_uscc(s, body);
        assert_int_equal(cjx_code_uscc(s), CJX_EDIVISION);
    }
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(body, sizeof body, "91%02d0000101623741", good[i]);
        make_uscc(s, body);
        assert_int_equal(cjx_code_uscc(s), CJX_OK);
    }
}

/* ---- citizen ID ---- */

static void test_citizen_id_valid(void **state)
{
    (void)state;
    char s[19];
    assert_int_equal(cjx_code_citizen_id("11010519491231002X"), CJX_OK);
    make_id(s, "14040320000229123");            /* leap day, Changzhi */
    assert_int_equal(cjx_code_citizen_id(s), CJX_OK);
    make_id(s, "14040219800101001");            /* old division code */
    assert_int_equal(cjx_code_citizen_id(s), CJX_OK);
}

static void test_citizen_id_check_char(void **state)
{
    (void)state;
    assert_int_equal(cjx_code_citizen_id("110105194912310021"), CJX_ECHECKCHAR);
    char s[19];
    make_id(s, "14040320000229123");
    s[17] = s[17] == '0' ? '1' : '0';
    assert_int_equal(cjx_code_citizen_id(s), CJX_ECHECKCHAR);
}

static void test_citizen_id_dates(void **state)
{
    (void)state;
    char s[19];
    make_id(s, "14040319900230123");            /* 30 February */
    assert_int_equal(cjx_code_citizen_id(s), CJX_EDATE);
    make_id(s, "14040320010229123");            /* 2001 is no leap year */
    assert_int_equal(cjx_code_citizen_id(s), CJX_EDATE);
    make_id(s, "14040321000101123");            /* born in the future */
    assert_int_equal(cjx_code_citizen_id(s), CJX_EDATE);
    make_id(s, "14040318991231123");            /* before 1900 */
    assert_int_equal(cjx_code_citizen_id(s), CJX_EDATE);
}

/* Decision: only upper-case X is accepted (see codes.c): one person must
 * map to one pseudonym, so the ID is taken in its canonical form only. */
static void test_citizen_id_lower_x(void **state)
{
    (void)state;
    assert_int_equal(cjx_code_citizen_id("11010519491231002x"), CJX_ECODE);
}

static void test_citizen_id_form(void **state)
{
    (void)state;
    char s[19];
    assert_int_equal(cjx_code_citizen_id("11010519491231002"), CJX_ECODE);
    assert_int_equal(cjx_code_citizen_id("110105194912310"), CJX_ECODE);
    assert_int_equal(cjx_code_citizen_id("11010519491231X02X"), CJX_ECODE);
    assert_int_equal(cjx_code_citizen_id("11010519491231002Y"), CJX_ECODE);
    assert_int_equal(cjx_code_citizen_id(NULL), CJX_ECODE);
    make_id(s, "99010519491231002");
    assert_int_equal(cjx_code_citizen_id(s), CJX_EDIVISION);
}

/* ---- industry, destination ---- */

static void test_industry(void **state)
{
    (void)state;
    const char *good[] = {"A", "C", "T", "01", "36", "97", "361", "3612"};
    const char *bad[] = {"", "U", "c", "00", "98", "5", "36123", "C36", "3a",
                         "AB"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(cjx_code_industry(good[i]), CJX_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cjx_code_industry(bad[i]), CJX_ECODE);
    assert_int_equal(cjx_code_industry(NULL), CJX_ECODE);
}

static void test_destination(void **state)
{
    (void)state;
    const char *good[] = {"10", "11", "12", "27", "46", "50", "51", "70",
                          "71", "72", "75", "76", "80", "81", "82", "85"};
    const char *bad[] = {"", "1", "13", "00", "73", "86", "100", "1O", " 10"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(cjx_code_destination(good[i]), CJX_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cjx_code_destination(bad[i]), CJX_ECODE);
    assert_int_equal(cjx_code_destination(NULL), CJX_ECODE);
}

/* ---- dates ---- */

static void test_dates(void **state)
{
    (void)state;
    int days = -1;
    assert_int_equal(cjx_date_parse("1970-01-01", &days), CJX_OK);
    assert_int_equal(days, 0);
    assert_int_equal(cjx_date_parse("2024-01-01", &days), CJX_OK);
    assert_int_equal(days, 19723);
    assert_int_equal(cjx_date_parse("2024-02-29", &days), CJX_OK);
    assert_int_equal(days, 19782);
    assert_int_equal(cjx_date_parse("1900-01-01", &days), CJX_OK);
    assert_int_equal(days, -25567);
    assert_int_equal(cjx_date_parse("2000-02-29", NULL), CJX_OK);
    assert_int_equal(cjx_date_parse("2026-04-30", NULL), CJX_OK);
    assert_int_equal(cjx_date_parse("2199-12-31", NULL), CJX_OK);

    const char *bad[] = {"2026-02-29", "1900-02-29", "2100-02-29",
                         "2026-04-31", "2026-13-01", "2026-00-10",
                         "2026-01-00", "2026/3/1",   "2026-3-1",
                         "2026/03/01", "1899-12-31", "2200-01-01",
                         " 2026-03-01", "2026-03-01 ", "2026-03-01T00",
                         "",           "+026-03-01", "2026-0a-01"};
    days = 7;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cjx_date_parse(bad[i], &days), CJX_EDATE);
    assert_int_equal(days, 7);                  /* untouched on failure */
    assert_int_equal(cjx_date_parse(NULL, &days), CJX_EDATE);
}

/* ---- catalogues ---- */

/* Writes text to a new temporary file; path receives its name. */
static void write_temp(char path[64], const char *text)
{
    strcpy(path, "/tmp/cjx-codes-test-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* Loads text as a catalogue; returns the code, *out set on success only. */
static cjx_err load_text(const char *text, cjx_catalog **out, cjx_fault *f)
{
    char path[64];
    write_temp(path, text);
    cjx_err rc = cjx_catalog_load(path, out, f);
    unlink(path);
    return rc;
}

static void test_catalog_good(void **state)
{
    (void)state;
    cjx_catalog *c = NULL;
    cjx_fault f = {0};
    assert_int_equal(load_text("\xEF\xBB\xBF# comment\n"
                               "\n"
                               "460301,机电一体化技术\r\n"
                               "  520101K , 临床医学  \n"
                               "   \t\n"
                               "   # indented comment\n"
                               "510203,软件技术, 含逗号\n"
                               "530701,电子商务",
                               &c, &f),
                     CJX_OK);
    assert_int_equal(cjx_catalog_count(c), 4);
    assert_string_equal(cjx_catalog_name(c, "460301"), "机电一体化技术");
    assert_string_equal(cjx_catalog_name(c, "520101K"), "临床医学");
    assert_string_equal(cjx_catalog_name(c, "510203"), "软件技术, 含逗号");
    assert_string_equal(cjx_catalog_name(c, "530701"), "电子商务");
    assert_null(cjx_catalog_name(c, "520101"));
    assert_null(cjx_catalog_name(c, ""));
    assert_null(cjx_catalog_name(c, NULL));
    cjx_catalog_destroy(&c);
    assert_null(c);
    cjx_catalog_destroy(&c);
    cjx_catalog_destroy(NULL);
    assert_null(cjx_catalog_name(NULL, "460301"));
    assert_int_equal(cjx_catalog_count(NULL), 0);

    assert_int_equal(load_text("# nothing\n", &c, &f), CJX_OK);
    assert_int_equal(cjx_catalog_count(c), 0);
    assert_null(cjx_catalog_name(c, "460301"));
    cjx_catalog_destroy(&c);
}

static void test_catalog_duplicate(void **state)
{
    (void)state;
    cjx_catalog *c = NULL;
    cjx_fault f = {0};
    assert_int_equal(load_text("# header\n"
                               "460301,机电一体化技术\n"
                               "510203,软件技术\n"
                               "\n"
                               "460301,again\n",
                               &c, &f),
                     CJX_ECONFIG);
    assert_null(c);
    assert_int_equal(f.code, CJX_ECONFIG);
    assert_non_null(strstr(f.text, ":5: duplicate code 460301"));
    assert_non_null(strstr(f.text, "line 2"));
    assert_non_null(strstr(f.text, "/tmp/cjx-codes-test-"));
}

static void test_catalog_malformed(void **state)
{
    (void)state;
    const struct {
        const char *text;
        const char *where;
    } cases[] = {
        {"460301,机电一体化技术\n460302 智能机电技术\n", ":2: expected"},
        {"460301,\n", ":1: name is empty"},
        {",机电一体化技术\n", ":1: code"},
        {"4603 01,机电一体化技术\n", ":1: code"},
        {"# ok\n\n\n46030１,全角\n", ":4: code"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cjx_catalog *c = NULL;
        cjx_fault f = {0};
        assert_int_equal(load_text(cases[i].text, &c, &f), CJX_ECONFIG);
        assert_null(c);
        assert_non_null(strstr(f.text, cases[i].where));
    }
}

static void test_catalog_missing_file(void **state)
{
    (void)state;
    cjx_catalog *c = NULL;
    cjx_fault f = {0};
    assert_int_equal(cjx_catalog_load("/nonexistent/cjx/majors.csv", &c, &f),
                     CJX_EIO);
    assert_null(c);
    assert_non_null(strstr(f.text, "/nonexistent/cjx/majors.csv"));
    assert_int_equal(cjx_catalog_load(NULL, &c, &f), CJX_EINVAL);
}

/* The shipped majors.csv: every code is of the 2021 higher-vocational form
 * (group 41-59, 6 digits, optional K) and the plan's examples are present. */
static void test_config_majors(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/majors.csv", config_dir());
    cjx_catalog *c = NULL;
    cjx_fault f = {0};
    assert_int_equal(cjx_catalog_load(path, &c, &f), CJX_OK);
    assert_in_range(cjx_catalog_count(c), 40, 80);
    assert_string_equal(cjx_catalog_name(c, "460301"), "机电一体化技术");
    assert_string_equal(cjx_catalog_name(c, "510203"), "软件技术");
    assert_string_equal(cjx_catalog_name(c, "520201"), "护理");
    assert_string_equal(cjx_catalog_name(c, "530701"), "电子商务");
    assert_string_equal(cjx_catalog_name(c, "570102K"), "学前教育");
    assert_string_equal(cjx_catalog_name(c, "520101K"), "临床医学");
    cjx_catalog_destroy(&c);

    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[512];
    while (fgets(line, sizeof line, fp)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        size_t n = strcspn(line, ",");
        int group = (line[0] - '0') * 10 + (line[1] - '0');
        assert_true(n == 6 || (n == 7 && line[6] == 'K'));
        assert_true(strspn(line, "0123456789") >= 6);
        assert_in_range(group, 41, 59);
    }
    fclose(fp);
}

/* The shipped divisions.csv: Changzhi and its counties, every province,
 * and every code under a known province. */
static void test_config_divisions(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/divisions.csv", config_dir());
    cjx_catalog *c = NULL;
    cjx_fault f = {0};
    assert_int_equal(cjx_catalog_load(path, &c, &f), CJX_OK);
    const char *changzhi[] = {"140400", "140403", "140404", "140405",
                              "140406", "140423", "140425", "140426",
                              "140427", "140428", "140429", "140430",
                              "140431"};
    for (size_t i = 0; i < sizeof changzhi / sizeof changzhi[0]; i++)
        assert_non_null(cjx_catalog_name(c, changzhi[i]));
    assert_string_equal(cjx_catalog_name(c, "140400"), "长治市");
    assert_string_equal(cjx_catalog_name(c, "140100"), "太原市");
    assert_string_equal(cjx_catalog_name(c, "141100"), "吕梁市");
    assert_null(cjx_catalog_name(c, "140402"));  /* old 城区, merged 2019 */
    cjx_catalog_destroy(&c);

    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[512];
    int provinces = 0;
    while (fgets(line, sizeof line, fp)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        assert_int_equal(strcspn(line, ","), 6);
        assert_true(strspn(line, "0123456789") == 6);
        /* a division's first two digits are a province: a USCC made from
         * it must not fail with CJX_EDIVISION */
        char body[18], s[19];
        snprintf(body, sizeof body, "91%.6s101623741", line);
        make_uscc(s, body);
        assert_int_equal(cjx_code_uscc(s), CJX_OK);
        provinces += strncmp(line + 2, "0000", 4) == 0;
    }
    fclose(fp);
    assert_int_equal(provinces, 34);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uscc_valid),
        cmocka_unit_test(test_uscc_check_char),
        cmocka_unit_test(test_uscc_bad_chars),
        cmocka_unit_test(test_uscc_length),
        cmocka_unit_test(test_uscc_province),
        cmocka_unit_test(test_citizen_id_valid),
        cmocka_unit_test(test_citizen_id_check_char),
        cmocka_unit_test(test_citizen_id_dates),
        cmocka_unit_test(test_citizen_id_lower_x),
        cmocka_unit_test(test_citizen_id_form),
        cmocka_unit_test(test_industry),
        cmocka_unit_test(test_destination),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_catalog_good),
        cmocka_unit_test(test_catalog_duplicate),
        cmocka_unit_test(test_catalog_malformed),
        cmocka_unit_test(test_catalog_missing_file),
        cmocka_unit_test(test_config_majors),
        cmocka_unit_test(test_config_divisions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* import_test.c — unit tests for importing files into the outbox
 * (core/import*.c): every shipped mapping's template row is a valid item,
 * the fixtures of tests/data/import give the items and refusals they should,
 * natural keys make re-imports idempotent, complete exports withdraw, and
 * a file with refused rows stores nothing unless the policy says so. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.pb-c.h"
#include "import.h"
#include "utf8.h"

#define MAPPINGS CJX_CONFIG_DIR "/import"
#define FIXTURES CJX_CONFIG_DIR "/../tests/data/import"
#define CODE "91140400MA0K7C2D3J"

static cjx_validator validator;
static uint8_t key[32] = {1, 2, 3};

static int group_setup(void **state)
{
    (void)state;
    cjx_fault f;
    if (cjx_validator_open(&validator, CJX_CONFIG_DIR, &f) != CJX_OK)
        return -1;
    return tmpdir_make("import");
}

static int group_teardown(void **state)
{
    (void)state;
    cjx_validator_close(&validator);
    return tmpdir_remove();
}

static cjx_import_options options(const char *kind)
{
    return (cjx_import_options){MAPPINGS, kind, "", CJX_ENC_AUTO, &validator, CODE, key};
}

/* Opens and converts path whole. */
static cjx_import *convert(const char *path, const cjx_import_options *o)
{
    cjx_import *im = NULL;
    cjx_fault f = {0};
    if (cjx_import_open(path, o, &im, &f) != CJX_OK)
        fail_msg("%s: %s", path, f.text);
    while (cjx_import_step(im, 7) > 0)
        ;
    return im;
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void every_template_row_is_valid(void **state)
{
    (void)state;
    char kinds[1024], *save = NULL;
    cjx_import_kinds(MAPPINGS, kinds, sizeof kinds);
    size_t n = 0;
    for (char *k = strtok_r(kinds, ", ", &save); k; k = strtok_r(NULL, ", ", &save), n++) {
        static cjx_import_map m;
        cjx_fault f = {0};
        if (cjx_import_map_load(MAPPINGS, k, &m, &f) != CJX_OK)
            fail_msg("%s: %s", k, f.text);
        char *cells[CJX_IMPORT_MAX_COLUMNS];
        for (size_t i = 0; i < m.ncols; i++)
            cells[i] = m.cols[i].alias ? "" : m.cols[i].example;
        json_t *obj = NULL;
        size_t bad;
        cjx_import_ctx ctx = {&validator, CODE, key, &m};
        cjx_import_item it = {0};
        if (cjx_import_row_json(&m, m.cols, cells, m.ncols, &obj, &bad, &f) != CJX_OK ||
            cjx_import_make_item(&ctx, obj, &it, &f) != CJX_OK)
            fail_msg("%s: the template row is refused: %s: %s", k, f.field, f.text);
        json_decref(obj);
        free(it.packed.data);
        free(it.key);
    }
    assert_int_equal(n, 19); /* every kind of posting and record */
}

static void gb18030_fixture(void **state)
{
    (void)state;
    cjx_import_options o = options(NULL);
    cjx_import *im = convert(FIXTURES "/job-gb18030.csv", &o);
    cjx_import_stats st = cjx_import_get_stats(im);
    assert_string_equal(st.encoding, "gb18030");
    assert_string_equal(st.kind, "job"); /* from the file's name */
    assert_int_equal(st.rows, 3);
    assert_int_equal(st.refused, 0);
    size_t n;
    const cjx_import_item *items = cjx_import_items(im, &n);
    assert_int_equal(n, 3);
    Cjx__Item *item = cjx__item__unpack(NULL, items[2].packed.len, items[2].packed.data);
    assert_string_equal(item->posting->title, "设备维护工程师");
    assert_string_equal(item->posting->valid_until, "2099-12-31"); /* from 20991231 */
    assert_int_equal(item->posting->job->pay_max_yuan, 7500);      /* from "7,500" */
    assert_string_equal(items[2].key, "posting/GX-JOB-003");
    assert_string_equal(items[2].kind, "job");
    cjx__item__free_unpacked(item, NULL);
    cjx_import_destroy(&im);
}

static void bad_rows_fixture(void **state)
{
    (void)state;
    cjx_import_options o = options(NULL);
    cjx_import *im = convert(FIXTURES "/job-bad-rows.csv", &o);
    static const struct {
        size_t row;
        const char *column, *value;
        cjx_err code;
    } want[] = {
        {3, "统一社会信用代码", "91140400MA0K7C2D3K", CJX_ECHECKCHAR},
        {4, "专业代码", "519999", CJX_EMAJOR},
        {5, "截止日期", "2025/1/1", CJX_EDATE},
        {6, "招聘人数", "三人", CJX_EMALFORMED},
    };
    size_t n;
    const cjx_import_refusal *r = cjx_import_refusals(im, &n);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(r[i].row, want[i].row);
        assert_string_equal(r[i].column, want[i].column);
        assert_string_equal(r[i].value, want[i].value);
        assert_int_equal(r[i].fault.code, want[i].code);
    }
    cjx_import_items(im, &n);
    assert_int_equal(n, 1);
    /* the report names them too */
    const char *report = tmpdir_path("bad.errors.csv");
    cjx_fault f;
    assert_int_equal(cjx_import_write_report(im, report, &f), CJX_OK);
    char buf[2048] = "";
    FILE *fp = fopen(report, "r");
    buf[fread(buf, 1, sizeof buf - 1, fp)] = '\0';
    fclose(fp);
    assert_non_null(strstr(buf, "\r\n3,统一社会信用代码,91140400MA0K7C2D3K,"));
    assert_non_null(strstr(buf, "\r\n6,招聘人数,三人,not a whole number,malformed\r\n"));
    cjx_import_destroy(&im);
}

/* Converts and commits path with policy p into the outbox at dir. */
static cjx_import_result import_into(const char *dir, const char *path, const char *kind,
                                     cjx_import_policy p)
{
    cjx_outbox *ob = NULL;
    cjx_fault f;
    if (cjx_outbox_open(tmpdir_path(dir), 8, &ob, &f) != CJX_OK)
        fail_msg("%s", f.text);
    cjx_import_options o = options(kind);
    cjx_import *im = convert(path, &o);
    cjx_import_result r;
    if (cjx_import_commit(im, ob, &p, &r, &f) != CJX_OK)
        fail_msg("%s", f.text);
    cjx_import_destroy(&im);
    cjx_outbox_close(&ob);
    return r;
}

static uint64_t next_seq(const char *dir)
{
    cjx_outbox *ob = NULL;
    cjx_outbox_stats st;
    cjx_fault f;
    assert_int_equal(cjx_outbox_open(tmpdir_path(dir), 8, &ob, &f), CJX_OK);
    assert_int_equal(cjx_outbox_stat(ob, &st, &f), CJX_OK);
    cjx_outbox_close(&ob);
    return st.next_seq;
}

static void refused_rows_store_nothing_unless_valid_rows(void **state)
{
    (void)state;
    cjx_import_policy all = {0}, valid = {.valid_rows = 1};
    cjx_import_result r = import_into("policy", FIXTURES "/job-bad-rows.csv", NULL, all);
    assert_false(r.imported);
    assert_int_equal(r.stored, 0);
    assert_int_equal(next_seq("policy"), 1);
    r = import_into("policy", FIXTURES "/job-bad-rows.csv", NULL, valid);
    assert_true(r.imported);
    assert_int_equal(r.stored, 1);
    assert_int_equal(next_seq("policy"), 2);
    /* the status tells the last file and the totals */
    cjx_outbox *ob = NULL;
    cjx_fault f;
    assert_int_equal(cjx_outbox_open(tmpdir_path("policy"), 8, &ob, &f), CJX_OK);
    json_t *st = cjx_import_status(ob);
    cjx_outbox_close(&ob);
    json_t *last = json_object_get(st, "last");
    assert_string_equal(json_string_value(json_object_get(last, "file")), "job-bad-rows.csv");
    assert_int_equal(json_integer_value(json_object_get(last, "accepted")), 1);
    assert_int_equal(json_integer_value(json_object_get(last, "refused")), 4);
    assert_int_equal(json_integer_value(json_object_get(st, "files")), 2);
    assert_int_equal(json_integer_value(json_object_get(st, "rows_refused")), 8);
    json_decref(st);
}

/* Counts, in ctx, the update of GX-JOB-001 and the withdrawal of GX-JOB-002. */
static int on_item(void *ctx, uint64_t seq, const void *data, size_t len)
{
    (void)seq;
    int *seen = ctx; /* update, withdraw */
    Cjx__Item *it = cjx__item__unpack(NULL, len, data);
    if (it->body_case == CJX__ITEM__BODY_POSTING && it->posting->job->headcount == 9)
        seen[0]++;
    if (it->body_case == CJX__ITEM__BODY_STATUS_CHANGE &&
        strcmp(it->status_change->ref, "GX-JOB-002") == 0 &&
        it->status_change->status == CJX__POSTING_STATUS__STATUS_WITHDRAWN)
        seen[1]++;
    cjx__item__free_unpacked(it, NULL);
    return 0;
}

static void reimport_is_idempotent_and_complete_export_withdraws(void **state)
{
    (void)state;
    cjx_import_policy complete = {.complete = 1};
    cjx_import_result r = import_into("again", FIXTURES "/job-gb18030.csv", NULL, complete);
    assert_int_equal(r.stored, 3);
    r = import_into("again", FIXTURES "/job-gb18030.csv", NULL, complete);
    assert_int_equal(r.stored, 0);
    assert_int_equal(r.unchanged, 3);
    /* the next export: GX-JOB-001 changed, GX-JOB-002 gone, GX-JOB-003 as it was */
    char next[256]; /* tmpdir_path's buffer is reused */
    snprintf(next, sizeof next, "%s", tmpdir_path("job-next.csv"));
    write_file(next,
               "岗位编号,岗位名称,任职要求,区划代码,发布日期,截止日期,招聘人数,用人单位,"
               "工作内容,最低月薪,最高月薪,产业集群,专业代码\n"
               "GX-JOB-001,半导体封装工艺工程师,\"大专及以上，电子类专业\",140400,2026/3/1,"
               "2099年12月31日,9,长治高新区光电科技有限公司,封装工艺优化,5500,8500,半导体光电,"
               "\"510101,510401\"\n"
               "GX-JOB-003,设备维护工程师,\"机电类专业，能适应倒班\",140400,2026.3.1,20991231,2,"
               "长治高新区光电科技有限公司,设备点检与维修,5000,\"7,500\",半导体光电,460301\n");
    uint64_t first = next_seq("again");
    r = import_into("again", next, NULL, complete);
    assert_int_equal(r.unchanged, 1);
    assert_int_equal(r.withdrawn, 1);
    assert_int_equal(r.stored, 2); /* the update and the withdrawal */
    cjx_outbox *ob = NULL;
    cjx_fault f;
    assert_int_equal(cjx_outbox_open(tmpdir_path("again"), 8, &ob, &f), CJX_OK);
    int seen[2] = {0, 0};
    assert_int_equal(cjx_outbox_scan(ob, first - 1, 10, on_item, seen, &f), CJX_OK);
    cjx_outbox_close(&ob);
    assert_int_equal(seen[0], 1);
    assert_int_equal(seen[1], 1);
}

static void natural_keys_of_people(void **state)
{
    (void)state;
    /* flat JSON rows with Chinese keys: the ref comes from the pseudonym
     * and the graduation year; the same person twice is refused */
    const char *path = tmpdir_path("毕业去向-2026.json");
    write_file(path,
               "[{\"身份证号\":\"11010519491231002X\",\"学校信用代码\":\"12140400405710843M\","
               "\"专业代码\":\"510203\",\"毕业年份\":2026,\"去向代码\":\"10\",\"年度\":2026},"
               " {\"身份证号\":\"11010519491231002X\",\"学校信用代码\":\"12140400405710843M\","
               "\"专业代码\":\"510203\",\"毕业年份\":2026,\"去向代码\":\"11\",\"年度\":2026}]");
    cjx_import_options o = options(NULL);
    cjx_import *im = convert(path, &o);
    size_t n;
    const cjx_import_item *items = cjx_import_items(im, &n);
    assert_int_equal(n, 1);
    assert_int_equal(strncmp(items[0].key, "record/graduate_outcome-", 24), 0);
    char first_key[CJX_IMPORT_KEY_MAX];
    snprintf(first_key, sizeof first_key, "%s", items[0].key);
    const cjx_import_refusal *r = cjx_import_refusals(im, &n);
    assert_int_equal(n, 1);
    assert_int_equal(r[0].row, 2);
    assert_non_null(strstr(r[0].fault.text, "as row 1"));
    cjx_import_destroy(&im);
    /* the same person in another file gets the same ref */
    im = convert(path, &o);
    assert_string_equal(cjx_import_items(im, &n)[0].key, first_key);
    cjx_import_destroy(&im);
}

static void unknown_column_refuses_the_file(void **state)
{
    (void)state;
    const char *path = tmpdir_path("job-extra.csv");
    write_file(path, "岗位编号,备注\nX-1,hello\n");
    cjx_import_options o = options(NULL);
    cjx_import *im = convert(path, &o);
    size_t n;
    const cjx_import_refusal *r = cjx_import_refusals(im, &n);
    assert_int_equal(n, 1);
    assert_int_equal(r[0].row, 1);
    assert_string_equal(r[0].column, "备注");
    assert_int_equal(r[0].fault.code, CJX_EFIELD);
    cjx_import_destroy(&im);
    /* and a name that says no kind, without a default, is refused too */
    path = tmpdir_path("export.csv");
    write_file(path, "岗位编号\nX-1\n");
    im = convert(path, &o);
    r = cjx_import_refusals(im, &n);
    assert_int_equal(n, 1);
    assert_int_equal(r[0].fault.code, CJX_EKIND);
    cjx_import_destroy(&im);
}


/* The refusals of the import of path (converted whole) as one text. */
static void refusals_text(cjx_import *im, char *out, size_t cap)
{
    size_t n, len = 0;
    const cjx_import_refusal *r = cjx_import_refusals(im, &n);
    out[0] = '\0';
    for (size_t i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%zu|%s|%s|%s|%s\n", r[i].row,
                                r[i].column, r[i].value, r[i].fault.field, r[i].fault.text);
}

#define JOB_HEADER                                                                            \
    "岗位编号,岗位名称,任职要求,区划代码,发布日期,截止日期,招聘人数,用人单位,工作内容,"     \
    "最低月薪,最高月薪,产业集群,专业代码\n"
#define JOB_ROW(ref)                                                                          \
    ref ",工程师,大专及以上,140400,2026/3/1,2099/12/31,2,长治高新区光电科技有限公司,维修,"  \
        "5000,7000,半导体光电,460301\n"

static void same_ref_of_another_kind_is_refused(void **state)
{
    (void)state;
    cjx_import_policy complete = {.complete = 1};
    cjx_import_result r =
        import_into("kinds", FIXTURES "/岗位实习-2026春.csv", NULL, complete);
    assert_int_equal(r.stored, 2);
    /* a job under an internship's ref would overwrite it at the hub */
    char path[256];
    snprintf(path, sizeof path, "%s", tmpdir_path("job-kinds.csv"));
    write_file(path, JOB_HEADER JOB_ROW("GX-INT-001") JOB_ROW("GX-JOB-900"));
    cjx_outbox *ob = NULL;
    cjx_fault f;
    assert_int_equal(cjx_outbox_open(tmpdir_path("kinds"), 8, &ob, &f), CJX_OK);
    cjx_import_options o = options(NULL);
    cjx_import *im = convert(path, &o);
    assert_int_equal(cjx_import_commit(im, ob, &complete, &r, &f), CJX_OK);
    size_t n;
    const cjx_import_refusal *ref = cjx_import_refusals(im, &n);
    assert_int_equal(n, 1);
    assert_int_equal(ref[0].row, 2);
    assert_string_equal(ref[0].column, "岗位编号");
    assert_string_equal(ref[0].value, "GX-INT-001");
    assert_int_equal(ref[0].fault.code, CJX_EKIND);
    assert_non_null(strstr(ref[0].fault.text, "internship"));
    assert_false(r.imported); /* all or nothing */
    cjx_import_destroy(&im);
    cjx_outbox_close(&ob);
    /* a complete job export stays within jobs: the internships stay (even
     * where the share of withdrawals would allow it) */
    complete.withdraw_max_percent = 100;
    snprintf(path, sizeof path, "%s", tmpdir_path("job-only.csv"));
    write_file(path, JOB_HEADER JOB_ROW("GX-JOB-900"));
    r = import_into("kinds", path, NULL, complete);
    assert_int_equal(r.stored, 1);
    assert_int_equal(r.withdrawn, 0);
    /* and a complete internship export withdraws only internships */
    snprintf(path, sizeof path, "%s", tmpdir_path("internship-next.csv"));
    FILE *in = fopen(FIXTURES "/岗位实习-2026春.csv", "r");
    char text[4096];
    text[fread(text, 1, sizeof text - 1, in)] = '\0';
    fclose(in);
    *strstr(text, "GX-INT-002") = '\0'; /* the header and GX-INT-001 */
    write_file(path, text);
    r = import_into("kinds", path, NULL, complete);
    assert_int_equal(r.withdrawn, 1);
    assert_int_equal(r.unchanged, 1);
}

static void empty_or_cut_complete_export_withdraws_nothing(void **state)
{
    (void)state;
    cjx_import_policy complete = {.complete = 1};
    cjx_import_result r = import_into("empty", FIXTURES "/job-gb18030.csv", NULL, complete);
    assert_int_equal(r.stored, 3);
    char path[256];
    snprintf(path, sizeof path, "%s", tmpdir_path("job-empty.csv"));
    write_file(path, JOB_HEADER);
    r = import_into("empty", path, NULL, complete);
    assert_int_equal(r.withdrawn, 0);
    assert_int_equal(r.stored, 0);
    assert_non_null(strstr(r.withdraw_refused, "no row"));
    /* the status says so */
    cjx_outbox *ob = NULL;
    cjx_fault f;
    assert_int_equal(cjx_outbox_open(tmpdir_path("empty"), 8, &ob, &f), CJX_OK);
    json_t *st = cjx_import_status(ob);
    cjx_outbox_close(&ob);
    const char *why = json_string_value(
        json_object_get(json_object_get(st, "last"), "withdraw_refused"));
    assert_non_null(why);
    assert_non_null(strstr(why, "no row"));
    json_decref(st);
    /* a file lacking 2 of the 3 (67% > 50%) withdraws none … */
    snprintf(path, sizeof path, "%s", tmpdir_path("job-cut.csv"));
    write_file(path, JOB_HEADER JOB_ROW("GX-JOB-800"));
    r = import_into("empty", path, NULL, complete);
    assert_int_equal(r.withdrawn, 0);
    assert_int_equal(r.stored, 1); /* its own row goes in */
    assert_non_null(strstr(r.withdraw_refused, "import_withdraw_max_percent"));
    /* … unless the configured share allows it: 3 of 4 */
    complete.withdraw_max_percent = 75;
    r = import_into("empty", path, NULL, complete);
    assert_int_equal(r.withdrawn, 3);
    assert_string_equal(r.withdraw_refused, "");
}

static void long_refs_do_not_collide(void **state)
{
    (void)state;
    /* 60 characters of 3 bytes: 180 bytes, past the old 112-byte key */
    char ref1[256] = "", ref2[300];
    for (int i = 0; i < 59; i++)
        strcat(ref1, "岗");
    snprintf(ref2, sizeof ref2, "%s2", ref1);
    strcat(ref1, "1");
    char text[2048], path[256];
    snprintf(text, sizeof text, JOB_HEADER "%s%s%s", ref1, strchr(JOB_ROW("X"), ','), ref2);
    strcat(text, strchr(JOB_ROW("X"), ','));
    snprintf(path, sizeof path, "%s", tmpdir_path("job-long.csv"));
    write_file(path, text);
    cjx_import_options o = options(NULL);
    cjx_import *im = convert(path, &o);
    char why[1024];
    refusals_text(im, why, sizeof why);
    assert_string_equal(why, "");
    size_t n;
    const cjx_import_item *items = cjx_import_items(im, &n);
    assert_int_equal(n, 2);
    assert_int_equal(strcmp(items[1].key + strlen("posting/"), ref2), 0);
    cjx_import_destroy(&im);
}

static void a_refused_item_is_sent_again(void **state)
{
    (void)state;
    cjx_import_policy p = {0};
    cjx_import_result r = import_into("forget", FIXTURES "/job-gb18030.csv", NULL, p);
    assert_int_equal(r.stored, 3);
    /* the hub refuses the second item; settling forgets its key */
    cjx_outbox *ob = NULL;
    cjx_fault f;
    assert_int_equal(cjx_outbox_open(tmpdir_path("forget"), 8, &ob, &f), CJX_OK);
    Cjx__Nack nack = CJX__NACK__INIT, *refused[1] = {&nack};
    nack.outbox_seq = r.first_seq + 1;
    nack.reason = CJX_EFORBIDDEN;
    assert_int_equal(cjx_outbox_settle(ob, NULL, 0, refused, 1, &f), CJX_OK);
    assert_int_equal(cjx_import_forget(ob, refused, 1, &f), CJX_OK);
    cjx_outbox_close(&ob);
    r = import_into("forget", FIXTURES "/job-gb18030.csv", NULL, p);
    assert_int_equal(r.stored, 1);
    assert_int_equal(r.unchanged, 2);
    /* a refusal of an item a newer import replaced forgets nothing */
    assert_int_equal(cjx_outbox_open(tmpdir_path("forget"), 8, &ob, &f), CJX_OK);
    assert_int_equal(cjx_import_forget(ob, refused, 1, &f), CJX_OK);
    cjx_outbox_close(&ob);
    r = import_into("forget", FIXTURES "/job-gb18030.csv", NULL, p);
    assert_int_equal(r.stored, 0);
}

static void syntax_errors_refuse_one_record(void **state)
{
    (void)state;
    char path[256], why[4096];
    /* text after a closing quote, then a quote never closed: each refused,
     * the rows after them read */
    snprintf(path, sizeof path, "%s", tmpdir_path("job-syntax.csv"));
    write_file(path, JOB_HEADER JOB_ROW("GX-1") "GX-2,\"工程师\"x,大专\n" JOB_ROW("GX-3")
                         "GX-4,\"工程师,大专\n" JOB_ROW("GX-5"));
    cjx_import_options o = options(NULL);
    cjx_import *im = convert(path, &o);
    refusals_text(im, why, sizeof why);
    size_t n;
    cjx_import_items(im, &n);
    assert_int_equal(n, 3);
    assert_non_null(strstr(why, "3|||"));
    assert_non_null(strstr(why, "text after the closing quote"));
    assert_non_null(strstr(why, "5|||"));
    assert_non_null(strstr(why, "never closed"));
    assert_int_equal(cjx_import_get_stats(im).refused, 2);
    cjx_import_destroy(&im);
    /* JSON Lines: a bad line is refused, the next lines read */
    snprintf(path, sizeof path, "%s", tmpdir_path("programme_record.jsonl"));
    write_file(path,
               "{\"编号\":\"P-1\",\"年度\":2026}\n"
               "{\"编号\":\"P-2\" \"年度\":2026}\n"
               "{\"编号\":\"P-3\",\"年度\":2026}\n");
    im = convert(path, &o);
    refusals_text(im, why, sizeof why);
    assert_int_equal(cjx_import_get_stats(im).rows, 3);
    if (!strstr(why, "2||||line 2, column"))
        fail_msg("%s", why);
    assert_null(strstr(why, "3||||line")); /* line 3 was read as a row */
    cjx_import_destroy(&im);
}

static void personal_data_stays_out_of_reports(void **state)
{
    (void)state;
    char path[256], report[256], why[4096];
    /* a JSON syntax error next to a name: line and column only */
    snprintf(path, sizeof path, "%s", tmpdir_path("毕业去向-pii.jsonl"));
    write_file(path, "{\"姓名\" \"赵六\", \"身份证号\": \"11010519491231002X\"}\n");
    cjx_import_options o = options(NULL);
    cjx_import *im = convert(path, &o);
    refusals_text(im, why, sizeof why);
    assert_non_null(strstr(why, "line 1, column"));
    assert_null(strstr(why, "赵六"));
    cjx_import_destroy(&im);
    snprintf(path, sizeof path, "%s", tmpdir_path("毕业去向-pii.json"));
    write_file(path, "[{\"姓名\": \"赵六\" \"身份证号\": \"11010519491231002X\"}]");
    im = convert(path, &o);
    refusals_text(im, why, sizeof why);
    assert_null(strstr(why, "赵六"));
    assert_non_null(strstr(why, "line 1, column"));
    cjx_import_destroy(&im);
    /* a bad ID number: neither the value nor the reason shows it */
    snprintf(path, sizeof path, "%s", tmpdir_path("毕业去向-pii.csv"));
    write_file(path, "身份证号,姓名,学校信用代码,专业代码,毕业年份,去向代码,年度\n"
                     "110105194912310021,赵六,12140400405710843M,510203,2026,10,2026\n");
    im = convert(path, &o);
    snprintf(report, sizeof report, "%s", tmpdir_path("pii.errors.csv"));
    cjx_fault f;
    assert_int_equal(cjx_import_get_stats(im).refused, 1);
    assert_int_equal(cjx_import_write_report(im, report, &f), CJX_OK);
    FILE *fp = fopen(report, "r");
    why[fread(why, 1, sizeof why - 1, fp)] = '\0';
    fclose(fp);
    assert_non_null(strstr(why, "身份证号"));
    assert_null(strstr(why, "110105194912310021"));
    assert_null(strstr(why, "赵六"));
    cjx_import_destroy(&im);
}

static void id_numbers_with_a_small_x(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s", tmpdir_path("毕业去向-x.csv"));
    write_file(path, "身份证号,学校信用代码,专业代码,毕业年份,去向代码,年度\n"
                     "11010519491231002x,12140400405710843M,510203,2026,10,2026\n");
    cjx_import_options o = options(NULL);
    cjx_import *im = convert(path, &o);
    assert_int_equal(cjx_import_get_stats(im).refused, 0);
    size_t n;
    const cjx_import_item *items = cjx_import_items(im, &n);
    assert_int_equal(n, 1);
    char small_x[CJX_IMPORT_KEY_MAX];
    snprintf(small_x, sizeof small_x, "%s", items[0].key);
    cjx_import_destroy(&im);
    /* the same person as with a capital X: the same pseudonym, the same key */
    write_file(path, "身份证号,学校信用代码,专业代码,毕业年份,去向代码,年度\n"
                     "11010519491231002X,12140400405710843M,510203,2026,10,2026\n");
    im = convert(path, &o);
    assert_string_equal(cjx_import_items(im, &n)[0].key, small_x);
    cjx_import_destroy(&im);
}

static void blank_cells_and_columns_of_spreadsheets(void **state)
{
    (void)state;
    char path[256], why[2048];
    /* blank header columns at the end, a line of empty cells, cells under
     * the blank columns left empty */
    snprintf(path, sizeof path, "%s", tmpdir_path("job-blank.csv"));
    write_file(path, "岗位编号,岗位名称,任职要求,区划代码,发布日期,截止日期,招聘人数,用人单位,"
                     "工作内容,最低月薪,最高月薪,产业集群,专业代码,,\n"
                     ",,,,,,,,,,,,,,\n"
                     "GX-1,工程师,大专及以上,140400,2026/3/1,2099/12/31,2,长治高新区光电科技有限公司,"
                     "维修,5000,7000,半导体光电,460301,,\n"
                     ",,,,\n");
    cjx_import_options o = options(NULL);
    cjx_import *im = convert(path, &o);
    refusals_text(im, why, sizeof why);
    assert_string_equal(why, "");
    assert_int_equal(cjx_import_get_stats(im).rows, 1);
    assert_int_equal(cjx_import_get_stats(im).accepted, 1);
    cjx_import_destroy(&im);
    /* a blank name between named columns refuses the file, at the header's row */
    write_file(path, "岗位编号,,岗位名称\nGX-1,,x\n");
    im = convert(path, &o);
    size_t n;
    const cjx_import_refusal *r = cjx_import_refusals(im, &n);
    assert_int_equal(n, 1);
    assert_int_equal(r[0].row, 1);
    assert_non_null(strstr(r[0].fault.text, "column 2"));
    cjx_import_destroy(&im);
}

static void values_cut_to_fit_stay_utf8(void **state)
{
    (void)state;
    char path[256], text[2048] = "岗位编号,招聘人数\nGX-1,x"; /* x: no cut on a boundary */
    for (int i = 0; i < 100; i++)
        strcat(text, "三");
    strcat(text, "\n");
    snprintf(path, sizeof path, "%s", tmpdir_path("job-cut-value.csv"));
    write_file(path, text);
    cjx_import_options o = options(NULL);
    cjx_import *im = convert(path, &o);
    size_t n;
    const cjx_import_refusal *r = cjx_import_refusals(im, &n);
    assert_int_equal(n, 1);
    assert_true(strlen(r[0].value) > 100);
    assert_true(cjx_utf8_valid(r[0].value, strlen(r[0].value)));
    cjx_import_destroy(&im);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_template_row_is_valid),
        cmocka_unit_test(gb18030_fixture),
        cmocka_unit_test(bad_rows_fixture),
        cmocka_unit_test(refused_rows_store_nothing_unless_valid_rows),
        cmocka_unit_test(reimport_is_idempotent_and_complete_export_withdraws),
        cmocka_unit_test(natural_keys_of_people),
        cmocka_unit_test(unknown_column_refuses_the_file),
        cmocka_unit_test(same_ref_of_another_kind_is_refused),
        cmocka_unit_test(empty_or_cut_complete_export_withdraws_nothing),
        cmocka_unit_test(long_refs_do_not_collide),
        cmocka_unit_test(a_refused_item_is_sent_again),
        cmocka_unit_test(syntax_errors_refuse_one_record),
        cmocka_unit_test(personal_data_stays_out_of_reports),
        cmocka_unit_test(id_numbers_with_a_small_x),
        cmocka_unit_test(blank_cells_and_columns_of_spreadsheets),
        cmocka_unit_test(values_cut_to_fit_stay_utf8),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/* search_test.c — unit tests for search terms and the postings' index
 * (core/search_tokens.c, search_index.c, search_attrs.c, search_query.c).
 *
 * Chinese must be found by any two-character piece (软件 finds 软件技术专业),
 * every keyword must match, titles outrank descriptions, filters narrow,
 * and an update or a removal leaves nothing of the old version findable,
 * also within the transaction that indexed it.
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

#include "search_index.h"
#include "search_index_int.h"
#include "search_tokens.h"

/* ---- terms ---- */

/* Writes the terms "|"-separated, bridging bigrams in brackets. */
static void join(const char *term, size_t len, int bridge, void *ctx)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, bridge ? "%s(%.*s)" : "%s%.*s", n ? "|" : "", (int)len, term);
}

static void expect_terms(const char *text, const char *want)
{
    char got[512] = "";
    cjx_terms(text, join, got);
    assert_string_equal(got, want);
}

static void test_terms(void **state)
{
    (void)state;
    expect_terms("软件技术", "软件|(件技)|技术");
    expect_terms("软件技术专业", "软件|(件技)|技术|(术专)|专业");
    expect_terms("软件包", "软件|件包");                      /* the last one covers 包 */
    expect_terms("C语言 Java开发", "c|语言|java|开发");
    expect_terms("招聘：电工，3名", "招聘|电工|3|名");
    expect_terms("ＰＬＣ编程", "plc|编程");                 /* full-width letters */
    expect_terms("Senior Engineer, 5000-8000", "senior|engineer|5000|8000");
    expect_terms("", "");
    expect_terms("\xff\xfe 坏", "坏");                       /* bad bytes separate */
    expect_terms("技\xe6\x9c", "技");                        /* a cut character */
}

/* ---- the index ---- */

typedef struct fixture {
    char dir[64];
    MDB_env *env;
    cjx_search_index ix;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/cjx-search-test.XXXXXX");
    if (!mkdtemp(f->dir) || mdb_env_create(&f->env) || mdb_env_set_maxdbs(f->env, 8) ||
        mdb_env_set_mapsize(f->env, 64 << 20) || mdb_env_open(f->env, f->dir, MDB_NOSYNC, 0600))
        return -1;
    MDB_txn *txn;
    if (mdb_txn_begin(f->env, NULL, 0, &txn) || cjx_search_open(txn, &f->ix) || mdb_txn_commit(txn))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cjx_search_close(&f->ix);
    mdb_env_close(f->env);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* A job posting; its state key is its ref. */
typedef struct job {
    Cjx__Posting p;
    Cjx__JobPosting j;
    char *majors[1];
} job;

static Cjx__Posting *make_job(job *b, const char *title, const char *desc, const char *req,
                              const char *division, const char *major, int pay_min, int pay_max)
{
    cjx__posting__init(&b->p);
    cjx__job_posting__init(&b->j);
    b->p.title = (char *)title;
    b->p.description = (char *)desc;
    b->p.requirements = (char *)req;
    b->p.division_code = (char *)division;
    b->p.publisher_credit_code = (char *)"91140400MA0K7C2D3J";
    b->p.valid_until = (char *)"2027-06-30";
    b->p.cluster = CJX__CLUSTER__CLUSTER_SEMICONDUCTOR_OPTO;
    b->majors[0] = (char *)major;
    b->p.major_codes = b->majors;
    b->p.n_major_codes = 1;
    b->p.detail_case = CJX__POSTING__DETAIL_JOB;
    b->p.job = &b->j;
    b->j.employer_name = (char *)"长治高新区光电科技有限公司";
    b->j.pay_min_yuan = pay_min;
    b->j.pay_max_yuan = pay_max;
    return &b->p;
}

static void put(fixture *f, const char *ref, uint64_t seq, const Cjx__Posting *p)
{
    MDB_txn *txn;
    assert_int_equal(mdb_txn_begin(f->env, NULL, 0, &txn), 0);
    assert_int_equal(cjx_search_replace(txn, &f->ix, (const uint8_t *)ref, strlen(ref), seq, p), 0);
    assert_int_equal(cjx_search_flush(txn, &f->ix), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
}

/* Runs q and writes the refs found, best first, "|"-separated. */
static size_t run(fixture *f, cjx_search_query *q, char *refs, size_t cap)
{
    MDB_txn *txn;
    cjx_search_result r;
    if (!q->limit)
        q->limit = 20;
    assert_int_equal(mdb_txn_begin(f->env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(cjx_search_run(txn, &f->ix, q, &r), 0);
    mdb_txn_abort(txn);
    refs[0] = '\0';
    for (size_t i = 0, n = 0; i < r.n; i++)
        n += (size_t)snprintf(refs + n, cap - n, "%s%.*s", i ? "|" : "", (int)r.hits[i].klen,
                              (const char *)r.hits[i].key);
    size_t total = r.total;
    cjx_search_result_free(&r);
    return total;
}

static void add_three(fixture *f)
{
    job a, b, c;
    put(f, "A", 1, make_job(&a, "软件技术专业实习生", "参与系统开发", "", "140403", "510203", 3000, 4000));
    put(f, "B", 2, make_job(&b, "封装工艺工程师", "负责半导体封装，需要软件基础", "熟悉软件",
                                  "140404", "510101", 5000, 8000));
    put(f, "C", 3, make_job(&c, "电工", "维护产线设备", "持电工证", "140403", "460301", 4000, 6000));
}

static void test_keywords(void **state)
{
    fixture *f = *state;
    add_three(f);
    char refs[256];
    cjx_search_query q = {.text = "软件"};
    assert_int_equal(run(f, &q, refs, sizeof refs), 2);
    assert_string_equal(refs, "A|B");              /* the title match first */
    q.text = "软件开发";                             /* every term must match */
    assert_int_equal(run(f, &q, refs, sizeof refs), 1);
    assert_string_equal(refs, "A");
    q.text = "电工证";
    assert_int_equal(run(f, &q, refs, sizeof refs), 1);
    assert_string_equal(refs, "C");
    q.text = "长治高新区";                            /* the employer, a detail field */
    assert_int_equal(run(f, &q, refs, sizeof refs), 3);
    q.text = "护理";
    assert_int_equal(run(f, &q, refs, sizeof refs), 0);
}

static void test_why(void **state)
{
    fixture *f = *state;
    add_three(f);
    MDB_txn *txn;
    cjx_search_result r;
    cjx_search_query q = {.text = "软件", .limit = 5};
    assert_int_equal(mdb_txn_begin(f->env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(cjx_search_run(txn, &f->ix, &q, &r), 0);
    mdb_txn_abort(txn);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.hits[0].why, "软件: title");
    assert_string_equal(r.hits[1].why, "软件: description requirements");
    assert_true(r.hits[0].score > r.hits[1].score);
    assert_int_equal(r.hits[0].seq, 1);
    cjx_search_result_free(&r);
}

static void test_filters(void **state)
{
    fixture *f = *state;
    add_three(f);
    char refs[256];
    cjx_search_query q = {.division = "140403"};
    assert_int_equal(run(f, &q, refs, sizeof refs), 2);
    assert_string_equal(refs, "C|A");              /* no keywords: newest first */
    q = (cjx_search_query){.major = "510101"};
    assert_int_equal(run(f, &q, refs, sizeof refs), 1);
    assert_string_equal(refs, "B");
    q = (cjx_search_query){.pay_min = 6000};       /* pays up to at least 6000 */
    assert_int_equal(run(f, &q, refs, sizeof refs), 2);
    q = (cjx_search_query){.pay_min = 6000, .pay_max = 7000};
    assert_int_equal(run(f, &q, refs, sizeof refs), 2);
    q = (cjx_search_query){.pay_max = 3500};
    assert_int_equal(run(f, &q, refs, sizeof refs), 1);
    assert_string_equal(refs, "A");
    q = (cjx_search_query){.kind = "internship"};
    assert_int_equal(run(f, &q, refs, sizeof refs), 0);
    q = (cjx_search_query){.kind = "job", .text = "工程师", .division = "1404"};
    assert_int_equal(run(f, &q, refs, sizeof refs), 1);
    q = (cjx_search_query){.until_to = "2027-01-01"};
    assert_int_equal(run(f, &q, refs, sizeof refs), 0);
    q = (cjx_search_query){.offset = 1, .limit = 1};
    assert_int_equal(run(f, &q, refs, sizeof refs), 3);
    assert_string_equal(refs, "B");                /* the page, of 3 */
}

static void test_update_and_close(void **state)
{
    fixture *f = *state;
    add_three(f);
    char refs[256];
    job now;
    put(f, "C", 4, make_job(&now, "高级钳工", "维护产线设备", "", "140403", "460301", 4000, 6000));
    cjx_search_query q = {.text = "电工"};
    assert_int_equal(run(f, &q, refs, sizeof refs), 0); /* the old title is gone */
    q.text = "钳工";
    assert_int_equal(run(f, &q, refs, sizeof refs), 1);
    /* closed: found only when asked for any status */
    job closed;
    make_job(&closed, "高级钳工", "维护产线设备", "", "140403", "460301", 4000, 6000);
    closed.p.status = CJX__POSTING_STATUS__STATUS_FILLED;
    put(f, "C", 5, &closed.p);
    assert_int_equal(run(f, &q, refs, sizeof refs), 0);
    q.any_status = 1;
    assert_int_equal(run(f, &q, refs, sizeof refs), 1);
    /* removed: nothing left */
    put(f, "C", 6, NULL);
    assert_int_equal(run(f, &q, refs, sizeof refs), 0);
    q = (cjx_search_query){.any_status = 1};
    assert_int_equal(run(f, &q, refs, sizeof refs), 2);
    MDB_txn *txn;
    MDB_stat st;
    assert_int_equal(mdb_txn_begin(f->env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_stat(txn, f->ix.keys, &st), 0);
    assert_int_equal(st.ms_entries, 2);
    mdb_txn_abort(txn);
}

static void replace(MDB_txn *txn, fixture *f, const char *ref, uint64_t seq,
                    const Cjx__Posting *p)
{
    assert_int_equal(cjx_search_replace(txn, &f->ix, (const uint8_t *)ref, strlen(ref), seq, p), 0);
}

/* Two blocks' worth of postings in one transaction, one of them updated and
 * one removed in it; then the rest of the first block removed, which
 * deletes the block. */
static void test_one_transaction(void **state)
{
    fixture *f = *state;
    MDB_txn *txn;
    char ref[16], refs[256];
    job j;
    assert_int_equal(mdb_txn_begin(f->env, NULL, 0, &txn), 0);
    for (int i = 0; i < 2 * CJX_SEARCH_BLOCK; i++) {
        snprintf(ref, sizeof ref, "P%d", i);
        make_job(&j, "数控机床操作工", "", "", i % 2 ? "140403" : "140404", "460301", 3000 + i, 5000);
        replace(txn, f, ref, (uint64_t)i + 1, &j.p);
    }
    replace(txn, f, "P0", 1000, make_job(&j, "护理人员", "", "", "140403", "520201", 3000, 4000));
    replace(txn, f, "P1", 1001, NULL);
    assert_int_equal(cjx_search_flush(txn, &f->ix), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);

    cjx_search_query q = {.text = "数控"};
    assert_int_equal(run(f, &q, refs, sizeof refs), 2 * CJX_SEARCH_BLOCK - 2);
    q.text = "护理";
    assert_int_equal(run(f, &q, refs, sizeof refs), 1);
    assert_string_equal(refs, "P0");
    q = (cjx_search_query){.division = "140404"}; /* the even ones but P0 */
    assert_int_equal(run(f, &q, refs, sizeof refs), CJX_SEARCH_BLOCK - 1);
    q = (cjx_search_query){.pay_max = 3001};      /* P0's new version; P1 is gone */
    assert_int_equal(run(f, &q, refs, sizeof refs), 1);
    assert_string_equal(refs, "P0");

    /* P0… have docids 1…: without P2 to P(BLOCK - 1), the first block
     * (docids below CJX_SEARCH_BLOCK) has no document left */
    assert_int_equal(mdb_txn_begin(f->env, NULL, 0, &txn), 0);
    for (int i = 2; i < CJX_SEARCH_BLOCK; i++) {
        snprintf(ref, sizeof ref, "P%d", i);
        replace(txn, f, ref, 2000 + (uint64_t)i, NULL);
    }
    assert_int_equal(cjx_search_flush(txn, &f->ix), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    q = (cjx_search_query){.any_status = 1};
    assert_int_equal(run(f, &q, refs, sizeof refs), CJX_SEARCH_BLOCK + 1);
    MDB_stat st;
    cjx_search_stats stats;
    assert_int_equal(mdb_txn_begin(f->env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_stat(txn, f->ix.attrs, &st), 0);
    assert_int_equal(st.ms_entries, 2); /* the second block, and the third: the last P, P0 */
    assert_int_equal(cjx_search_stats_get(txn, &f->ix, &stats), 0);
    assert_int_equal(stats.docs, CJX_SEARCH_BLOCK + 1);
    mdb_txn_abort(txn);
}

/* Entries of term in all the segments. */
static size_t entries_of(fixture *f, const char *term)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    size_t n = 0;
    assert_int_equal(mdb_txn_begin(f->env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_cursor_open(txn, f->ix.segs, &cur), 0);
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        cjx_segment s;
        const uint8_t *e;
        assert_int_equal(cjx_segment_view(v.mv_data, v.mv_size, &s), 0);
        n += cjx_segment_find(&s, term, strlen(term), &e);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return n;
}

/* A merge leaves out the entries of documents gone since they were written. */
static void test_merge_drops_gone(void **state)
{
    fixture *f = *state;
    job j;
    put(f, "GONE", 1, make_job(&j, "钳工", "", "", "140403", "460301", 3000, 4000));
    assert_int_equal(entries_of(f, "钳工"), 1);
    put(f, "GONE", 2, NULL);
    char ref[16];
    for (int i = 0; i < 8; i++) { /* new segments, merged with the first */
        snprintf(ref, sizeof ref, "P%d", i);
        put(f, ref, 3 + (uint64_t)i, make_job(&j, "电工", "维护产线", "", "140403", "460301", 3000, 4000));
    }
    assert_int_equal(entries_of(f, "电工"), 8);
    assert_int_equal(entries_of(f, "钳工"), 0);
    MDB_txn *txn;
    MDB_stat st;
    assert_int_equal(mdb_txn_begin(f->env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_stat(txn, f->ix.segs, &st), 0);
    mdb_txn_abort(txn);
    assert_true(st.ms_entries < 9); /* merged, and found whole: */
    char refs[256];
    cjx_search_query q = {.text = "电工 产线"};
    assert_int_equal(run(f, &q, refs, sizeof refs), 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_terms),
        cmocka_unit_test_setup_teardown(test_keywords, setup, teardown),
        cmocka_unit_test_setup_teardown(test_why, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_and_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_drops_gone, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

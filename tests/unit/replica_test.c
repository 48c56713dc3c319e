/* replica_test.c — unit tests for the agent's replica (core/replica.c,
 * replica_search.c): what the search index answers after events applied
 * with the index waiting (a burst), indexed later or by the search itself.
 *
 * A posting applied while the index waits is found by a local search at
 * once (the search indexes what waits first), a posting closed meanwhile is
 * no longer found, and the keys left waiting are gone once indexed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "outbox.h"
#include "replica.h"
#include "tmpdir.h"

#define ORIGIN "91140400MA0K7C2D3J"

typedef struct fixture {
    cjx_outbox *ob;
    cjx_store *store;
    MDB_dbi db;
    uint64_t seq;                      /* of the last entry applied */
} fixture;

static int setup(void **state)
{
    static int n;
    char name[32];
    snprintf(name, sizeof name, "store%d", n++);
    fixture *f = calloc(1, sizeof *f);
    cjx_fault fault;
    if (!f || cjx_outbox_open(tmpdir_path(name), 64, &f->ob, &fault) != CJX_OK)
        return -1;
    f->store = cjx_outbox_store(f->ob);
    f->db = f->store->dbs[CJX_AGENT_DB_REPLICA];
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cjx_outbox_close(&f->ob);
    free(f);
    return 0;
}

/* Packs the log entry of job posting ref with its title and status. */
static ProtobufCBinaryData entry(uint64_t seq, const char *ref, const char *title,
                                 Cjx__PostingStatus status)
{
    Cjx__JobPosting job = CJX__JOB_POSTING__INIT;
    job.employer_name = (char *)"长治高新区光电科技有限公司";
    Cjx__Posting p = CJX__POSTING__INIT;
    p.ref = (char *)ref;
    p.title = (char *)title;
    p.division_code = (char *)"140403";
    p.publisher_credit_code = (char *)ORIGIN;
    p.valid_until = (char *)"2027-06-30";
    p.status = status;
    p.detail_case = CJX__POSTING__DETAIL_JOB;
    p.job = &job;
    Cjx__Item item = CJX__ITEM__INIT;
    item.body_case = CJX__ITEM__BODY_POSTING;
    item.posting = &p;
    uint8_t packed[1024];
    Cjx__Stored st = CJX__STORED__INIT;
    st.seq = seq;
    st.origin = (char *)ORIGIN;
    st.kind = (char *)"job";
    st.item = (ProtobufCBinaryData){cjx__item__pack(&item, packed), packed};
    ProtobufCBinaryData out = {cjx__stored__get_packed_size(&st), NULL};
    out.data = malloc(out.len);
    assert_non_null(out.data);
    cjx__stored__pack(&st, out.data);
    return out;
}

/* Applies one posting as the next entry, the index waiting or not. */
static void apply(fixture *f, const char *ref, const char *title, Cjx__PostingStatus status,
                  int defer)
{
    ProtobufCBinaryData e = entry(++f->seq, ref, title, status);
    cjx_fault fault;
    assert_int_equal(cjx_replica_apply(f->store, f->db, &e, 1, f->seq, defer, &fault), CJX_OK);
    free(e.data);
}

static uint64_t unindexed(fixture *f)
{
    cjx_replica_pos pos;
    cjx_fault fault;
    assert_int_equal(cjx_replica_position(f->store, f->db, &pos, &fault), CJX_OK);
    return pos.unindexed;
}

/* How many postings a local search for text finds. */
static size_t found(fixture *f, const char *text)
{
    Cjx__SearchRequest q = CJX__SEARCH_REQUEST__INIT;
    q.text = (char *)text;
    q.limit = 10;
    Cjx__SearchResult *r = NULL;
    cjx_fault fault;
    assert_int_equal(cjx_replica_search(f->store, f->db, &q, &r, &fault), CJX_OK);
    size_t n = r->n_hits;
    cjx__search_result__free_unpacked(r, NULL);
    return n;
}

static void test_search_indexes_what_waits(void **state)
{
    fixture *f = *state;
    apply(f, "J-1", "数控车床操作工", CJX__POSTING_STATUS__STATUS_OPEN, 0);
    apply(f, "J-2", "数控编程员", CJX__POSTING_STATUS__STATUS_OPEN, 1);
    apply(f, "J-3", "叉车司机", CJX__POSTING_STATUS__STATUS_OPEN, 1);
    assert_int_equal(unindexed(f), 2);
    assert_int_equal(found(f, "数控"), 2); /* J-2 waited: found all the same */
    assert_int_equal(found(f, "叉车"), 1);
    assert_int_equal(unindexed(f), 0);
}

static void test_closed_while_waiting_is_not_found(void **state)
{
    fixture *f = *state;
    apply(f, "J-1", "数控车床操作工", CJX__POSTING_STATUS__STATUS_OPEN, 0);
    apply(f, "J-2", "数控编程员", CJX__POSTING_STATUS__STATUS_OPEN, 0);
    apply(f, "J-1", "数控车床操作工", CJX__POSTING_STATUS__STATUS_FILLED, 1);
    apply(f, "J-2", "数控编程员（夜班）", CJX__POSTING_STATUS__STATUS_OPEN, 1);
    assert_int_equal(found(f, "数控"), 1);
    assert_int_equal(found(f, "夜班"), 1); /* J-2's new version */
}

static void test_index_some_in_chunks(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 5; i++) {
        char ref[8];
        snprintf(ref, sizeof ref, "J-%d", i);
        apply(f, ref, "电工", CJX__POSTING_STATUS__STATUS_OPEN, 1);
    }
    apply(f, "J-0", "电工", CJX__POSTING_STATUS__STATUS_WITHDRAWN, 1);
    uint64_t left = 0;
    cjx_fault fault;
    assert_int_equal(cjx_replica_index_some(f->store, f->db, 3, &left, &fault), CJX_OK);
    assert_int_equal(left, 2);
    assert_int_equal(cjx_replica_index_some(f->store, f->db, 3, &left, &fault), CJX_OK);
    assert_int_equal(left, 0);
    assert_int_equal(unindexed(f), 0);
    assert_int_equal(found(f, "电工"), 4);
}

static int group_setup(void **state)
{
    (void)state;
    return tmpdir_make("replica");
}

static int group_teardown(void **state)
{
    (void)state;
    return tmpdir_remove();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_search_indexes_what_waits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_closed_while_waiting_is_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_some_in_chunks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

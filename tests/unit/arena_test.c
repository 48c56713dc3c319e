/* arena_test.c — unit tests for core/arena.c: messages unpacked into an
 * arena are whole until the reset, allocations are aligned, what does not
 * fit the buffer spills to the heap and goes at the reset too (ASan and
 * valgrind see the spills freed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "arena.h"
#include "domain.pb-c.h"

static void test_unpack(void **state)
{
    (void)state;
    Cjx__Posting p = CJX__POSTING__INIT;
    char *majors[] = {"510101", "460301"};
    p.ref = "JOB-1";
    p.title = "半导体封装工艺工程师";
    p.n_major_codes = 2;
    p.major_codes = majors;
    uint8_t buf[256];
    size_t len = cjx__posting__pack(&p, buf);
    cjx_arena a;
    cjx_arena_init(&a);
    for (int round = 0; round < 3; round++) { /* the same room again after each reset */
        Cjx__Posting *q = cjx__posting__unpack(&a.allocator, len, buf);
        assert_non_null(q);
        assert_string_equal(q->title, p.title);
        assert_int_equal(q->n_major_codes, 2);
        assert_string_equal(q->major_codes[1], "460301");
        assert_true((uint8_t *)q >= a.buf && (uint8_t *)q < a.buf + CJX_ARENA_BYTES);
        assert_null(a.spill);
        cjx__posting__free_unpacked(q, &a.allocator); /* harmless */
        cjx_arena_reset(&a);
        assert_int_equal(a.used, 0);
    }
    cjx_arena_fini(&a);
    assert_null(a.buf);
}

static void test_align_and_spill(void **state)
{
    (void)state;
    cjx_arena a;
    cjx_arena_init(&a);
    void *small = a.allocator.alloc(a.allocator.allocator_data, 3);
    void *next = a.allocator.alloc(a.allocator.allocator_data, 8);
    assert_int_equal((uintptr_t)next % _Alignof(max_align_t), 0);
    assert_true((uint8_t *)next > (uint8_t *)small);
    void *big = a.allocator.alloc(a.allocator.allocator_data, CJX_ARENA_BYTES + 1);
    assert_non_null(big);
    assert_non_null(a.spill);
    memset(big, 1, CJX_ARENA_BYTES + 1);
    while (a.used + 4096 <= CJX_ARENA_BYTES) /* fill the buffer: then small ones spill */
        assert_non_null(a.allocator.alloc(a.allocator.allocator_data, 4096));
    void *over = a.allocator.alloc(a.allocator.allocator_data, 4096);
    assert_true((uint8_t *)over < a.buf || (uint8_t *)over >= a.buf + CJX_ARENA_BYTES);
    assert_int_equal((uintptr_t)over % _Alignof(max_align_t), 0);
    cjx_arena_reset(&a);
    assert_null(a.spill);
    cjx_arena_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unpack),
        cmocka_unit_test(test_align_and_spill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

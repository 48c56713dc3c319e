/* personal_test.c — unit tests for personal data (core/personal.c) and the
 * state keys, visibility and digests replicas rely on (core/state.c).
 *
 * A pseudonym must be stable for one person and key, differ across keys,
 * and never overwrite one the institution gave; stripping must leave no
 * pii_ field anywhere in a record; a digest must change when any entry,
 * its key or the order changes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "personal.h"
#include "protocol.pb-c.h"
#include "state.h"

#define COL "12140400405710843M"
#define ID1 "11010519491231002X"

/* A graduate outcome about a person, built with the system allocator as
 * the JSON mapping builds items. */
static Cjx__Item *outcome(const char *id_number, const char *pseudonym)
{
    Cjx__Person *p = malloc(sizeof *p);
    Cjx__GraduateOutcome *o = malloc(sizeof *o);
    Cjx__Record *r = malloc(sizeof *r);
    Cjx__Item *item = malloc(sizeof *item);
    assert_true(p && o && r && item);
    cjx__person__init(p);
    p->pii_name = strdup("张三");
    p->pii_id_number = strdup(id_number);
    if (pseudonym)
        p->pseudonym = strdup(pseudonym);
    cjx__graduate_outcome__init(o);
    o->graduate = p;
    o->school_credit_code = strdup(COL);
    cjx__record__init(r);
    r->ref = strdup("GO-1");
    r->detail_case = CJX__RECORD__DETAIL_GRADUATE_OUTCOME;
    r->graduate_outcome = o;
    cjx__item__init(item);
    item->body_case = CJX__ITEM__BODY_RECORD;
    item->record = r;
    return item;
}

static char *pseudonym_with(const uint8_t key[32], const char *id_number)
{
    Cjx__Item *item = outcome(id_number, NULL);
    assert_int_equal(cjx_personal_pseudonymize(&item->base, key), 0);
    char *p = strdup(item->record->graduate_outcome->graduate->pseudonym);
    cjx__item__free_unpacked(item, NULL);
    return p;
}

static void test_pseudonym(void **state)
{
    (void)state;
    uint8_t k1[32] = {1}, k2[32] = {2};
    char *a = pseudonym_with(k1, ID1), *b = pseudonym_with(k1, ID1);
    char *c = pseudonym_with(k2, ID1), *d = pseudonym_with(k1, "110105198001010016");
    assert_int_equal(strlen(a), 18);
    assert_int_equal(strncmp(a, "p:", 2), 0);
    assert_string_equal(a, b);          /* one person, one pseudonym */
    assert_string_not_equal(a, c);      /* another institution's key */
    assert_string_not_equal(a, d);      /* another person */
    free(a), free(b), free(c), free(d);

    Cjx__Item *item = outcome(ID1, "p:given");
    assert_int_equal(cjx_personal_pseudonymize(&item->base, k1), 0);
    assert_string_equal(item->record->graduate_outcome->graduate->pseudonym, "p:given");
    cjx__item__free_unpacked(item, NULL);
}

static void test_strip(void **state)
{
    (void)state;
    Cjx__Item *item = outcome(ID1, "p:x");
    assert_int_equal(cjx_personal_fields(&item->base, NULL, NULL), 2);
    assert_int_equal(cjx_personal_strip(&item->base), 2);
    assert_int_equal(cjx_personal_fields(&item->base, NULL, NULL), 0);
    const Cjx__Person *p = item->record->graduate_outcome->graduate;
    assert_string_equal(p->pii_name, "");
    assert_string_equal(p->pii_id_number, "");
    assert_string_equal(p->pseudonym, "p:x");
    cjx__item__free_unpacked(item, NULL);
}

/* True when the bytes hold s. */
static int contains(const uint8_t *buf, size_t len, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(buf + i, s, n) == 0)
            return 1;
    return 0;
}

/* Packs item into a Stored entry of sequence seq. */
static uint8_t *stored_of(const Cjx__Item *item, uint64_t seq, size_t *len)
{
    uint8_t *ib = malloc(cjx__item__get_packed_size(item));
    size_t il = cjx__item__pack(item, ib);
    Cjx__Stored st = CJX__STORED__INIT;
    st.seq = seq;
    st.origin = COL;
    st.kind = "graduate_outcome";
    st.item = (ProtobufCBinaryData){il, ib};
    *len = cjx__stored__get_packed_size(&st);
    uint8_t *out = malloc(*len);
    cjx__stored__pack(&st, out);
    free(ib);
    return out;
}

static void test_redact_stored(void **state)
{
    (void)state;
    Cjx__Item *item = outcome(ID1, "p:x");
    size_t len, rlen;
    uint8_t *packed = stored_of(item, 7, &len), *copy = NULL;
    assert_int_equal(cjx_personal_redact_stored(packed, len, &copy, &rlen), 1);
    assert_true(contains(packed, len, ID1));
    assert_false(contains(copy, rlen, ID1));
    assert_false(contains(copy, rlen, "张三"));
    assert_true(contains(copy, rlen, "p:x"));
    uint8_t *again = NULL;
    assert_int_equal(cjx_personal_redact_stored(copy, rlen, &again, &len), 0); /* nothing left */
    assert_int_equal(cjx_personal_redact_stored("\xff\xff", 2, &again, &len), -1);
    free(copy);
    free(packed);
    cjx__item__free_unpacked(item, NULL);
}

/* cjx_personal_maybe_packed on item packed: 0 or 1. */
static int maybe_packed(const Cjx__Item *item)
{
    size_t len = cjx__item__get_packed_size(item);
    uint8_t *buf = malloc(len ? len : 1);
    cjx__item__pack(item, buf);
    int maybe = cjx_personal_maybe_packed(&cjx__item__descriptor, buf, len);
    free(buf);
    return maybe;
}

/* The look at the bytes must never miss a personal field that unpacking
 * finds (the hub then sends it to someone the policy does not name), and
 * says none when there is none, or it saves nothing. */
static void test_maybe_packed(void **state)
{
    (void)state;
    Cjx__Item *item = outcome(ID1, "p:x");
    assert_int_equal(maybe_packed(item), 1);
    Cjx__Person *p = item->record->graduate_outcome->graduate;
    free(p->pii_name);
    p->pii_name = strdup("");
    assert_int_equal(maybe_packed(item), 1); /* the ID number is left */
    cjx_personal_strip(&item->base);
    assert_int_equal(maybe_packed(item), 0);
    free(p->pii_name);
    p->pii_name = strdup("李四");
    assert_int_equal(maybe_packed(item), 1);
    cjx__item__free_unpacked(item, NULL);
    assert_int_equal(cjx_personal_maybe_packed(&cjx__item__descriptor,
                                               (const uint8_t *)"\x12\xff", 2), 1);
    assert_int_equal(cjx_personal_maybe_packed(&cjx__item__descriptor, NULL, 0), 0);
}

static void test_state_key_and_visibility(void **state)
{
    (void)state;
    Cjx__Item *item = outcome(ID1, NULL);
    uint8_t key[CJX_STATE_KEY_MAX];
    size_t n = cjx_state_key(key, COL, item);
    assert_int_equal(n, CJX_CODE_LEN + 1 + 4);
    assert_memory_equal(key, COL, CJX_CODE_LEN);
    assert_int_equal(key[CJX_CODE_LEN], CJX_CLASS_RECORD);
    assert_memory_equal(key + CJX_CODE_LEN + 1, "GO-1", 4);
    cjx__item__free_unpacked(item, NULL);

    assert_true(cjx_state_visible("A", CJX_CLASS_INSTITUTION, COL, 1));
    assert_true(cjx_state_visible("A", CJX_CLASS_POSTING, COL, 1));
    assert_false(cjx_state_visible("A", CJX_CLASS_POSTING, COL, 0));   /* closed */
    assert_false(cjx_state_visible("A", CJX_CLASS_RECORD, COL, 1));    /* another's record */
    assert_true(cjx_state_visible(COL, CJX_CLASS_RECORD, COL, 1));     /* its own */
    assert_int_equal(cjx_state_class("institution"), CJX_CLASS_INSTITUTION);
    assert_int_equal(cjx_state_class("graduate_outcome"), CJX_CLASS_RECORD);
    assert_int_equal(cjx_state_class("job"), CJX_CLASS_POSTING);
}

static void digest_of(const char *const *keys, const char *const *entries, size_t n,
                      uint8_t out[CJX_DIGEST_LEN])
{
    cjx_digest d;
    cjx_digest_init(&d);
    for (size_t i = 0; i < n; i++)
        cjx_digest_add(&d, keys[i], strlen(keys[i]), entries[i], strlen(entries[i]));
    assert_int_equal(d.entries, n);
    cjx_digest_final(&d, out);
}

static void test_digest(void **state)
{
    (void)state;
    const char *k[] = {"a", "b"}, *e[] = {"one", "two"};
    const char *k_swapped[] = {"b", "a"}, *e_swapped[] = {"two", "one"};
    const char *e_changed[] = {"one", "twO"}, *k_shift[] = {"ao", "b"}, *e_shift[] = {"ne", "two"};
    uint8_t base[CJX_DIGEST_LEN], other[CJX_DIGEST_LEN];
    digest_of(k, e, 2, base);
    digest_of(k, e, 2, other);
    assert_memory_equal(base, other, CJX_DIGEST_LEN);
    digest_of(k_swapped, e_swapped, 2, other);
    assert_memory_not_equal(base, other, CJX_DIGEST_LEN);
    digest_of(k, e_changed, 2, other);
    assert_memory_not_equal(base, other, CJX_DIGEST_LEN);
    digest_of(k_shift, e_shift, 2, other); /* same bytes, other boundaries */
    assert_memory_not_equal(base, other, CJX_DIGEST_LEN);
    char hex[2 * CJX_DIGEST_LEN + 1];
    cjx_digest_hex(hex, base);
    assert_int_equal(strlen(hex), 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pseudonym),
        cmocka_unit_test(test_strip),
        cmocka_unit_test(test_redact_stored),
        cmocka_unit_test(test_maybe_packed),
        cmocka_unit_test(test_state_key_and_visibility),
        cmocka_unit_test(test_digest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

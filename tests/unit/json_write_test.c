/* json_write_test.c — unit tests for the streaming JSON writer
 * (core/json_write.c, and the stored entry's envelope in core/stored_json.c).
 *
 * The writer promises the bytes jansson dumps for the trees json.h builds,
 * so every test here compares the two, byte for byte: json_dumps(tree,
 * JSON_COMPACT | JSON_PRESERVE_ORDER) (the flags the agent's sinks used)
 * against the writer's text. Entries are hand-made (postings of several
 * kinds, records with persons, status changes, hostile strings, every
 * scalar type through a hand-written descriptor, edges of the envelope) and
 * random: messages filled field by field from their descriptors (cjx.Item,
 * cjx.Frame — which reaches every protocol message — and test.Scalars).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.pb-c.h"
#include "json.h"
#include "json_write.h"
#include "protocol.pb-c.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER)

/* ---- test.Scalars: every scalar type, a proto2 optional and a oneof ---- */

typedef struct Scalars {
    ProtobufCMessage base;
    int32_t f_int32;
    int32_t f_sint32;
    int32_t f_sfixed32;
    int64_t f_int64;
    int64_t f_sint64;
    int64_t f_sfixed64;
    uint32_t f_uint32;
    uint32_t f_fixed32;
    uint64_t f_uint64;
    uint64_t f_fixed64;
    float f_float;
    double f_double;
    protobuf_c_boolean f_bool;
    Cjx__Cluster cluster;
    char *f_string;
    ProtobufCBinaryData f_bytes;
    size_t n_r_bytes;
    ProtobufCBinaryData *r_bytes;
    size_t n_r_double;
    double *r_double;
    size_t n_r_sint64;
    int64_t *r_sint64;
    size_t n_r_bool;
    protobuf_c_boolean *r_bool;
    size_t n_r_float;
    float *r_float;
    size_t n_r_uint64;
    uint64_t *r_uint64;
    size_t n_r_cluster;
    Cjx__Cluster *r_cluster;
    size_t n_r_string;
    char **r_string;
    protobuf_c_boolean has_opt;
    int32_t opt;
    protobuf_c_boolean has_opt_double;
    double opt_double;
    Cjx__Person *person;
    uint32_t choice_case;
    union {
        char *name;
        uint64_t number;
        Cjx__Notice *notice;
    };
} Scalars;

enum { N_SCALARS = 30 };

#define FIELD(nm, id, label, type, quant, member, desc, dflt, flags) \
    {nm, id, PROTOBUF_C_LABEL_##label, PROTOBUF_C_TYPE_##type, quant, \
     offsetof(Scalars, member), desc, dflt, flags, 0, NULL, NULL}
#define PLAIN(nm, id, type, member) FIELD(nm, id, NONE, type, 0, member, NULL, NULL, 0)
#define REPEATED(nm, id, type, member, desc) \
    FIELD(nm, id, REPEATED, type, offsetof(Scalars, n_##member), member, desc, NULL, 0)
#define ONEOF(nm, id, type, member, desc) \
    FIELD(nm, id, NONE, type, offsetof(Scalars, choice_case), member, desc, NULL, \
          PROTOBUF_C_FIELD_FLAG_ONEOF)

static const ProtobufCFieldDescriptor scalars_fields[N_SCALARS] = {
    PLAIN("int32", 1, INT32, f_int32),
    PLAIN("sint32", 2, SINT32, f_sint32),
    PLAIN("sfixed32", 3, SFIXED32, f_sfixed32),
    PLAIN("int64", 4, INT64, f_int64),
    PLAIN("sint64", 5, SINT64, f_sint64),
    PLAIN("sfixed64", 6, SFIXED64, f_sfixed64),
    PLAIN("uint32", 7, UINT32, f_uint32),
    PLAIN("fixed32", 8, FIXED32, f_fixed32),
    PLAIN("uint64", 9, UINT64, f_uint64),
    PLAIN("fixed64", 10, FIXED64, f_fixed64),
    PLAIN("float", 11, FLOAT, f_float),
    PLAIN("double", 12, DOUBLE, f_double),
    PLAIN("bool", 13, BOOL, f_bool),
    FIELD("cluster", 14, NONE, ENUM, 0, cluster, &cjx__cluster__descriptor, NULL, 0),
    FIELD("string", 15, NONE, STRING, 0, f_string, NULL, &protobuf_c_empty_string, 0),
    PLAIN("bytes", 16, BYTES, f_bytes),
    REPEATED("r_bytes", 17, BYTES, r_bytes, NULL),
    REPEATED("r_double", 18, DOUBLE, r_double, NULL),
    REPEATED("r_sint64", 19, SINT64, r_sint64, NULL),
    REPEATED("r_bool", 20, BOOL, r_bool, NULL),
    REPEATED("r_float", 21, FLOAT, r_float, NULL),
    REPEATED("r_uint64", 22, UINT64, r_uint64, NULL),
    REPEATED("r_cluster", 23, ENUM, r_cluster, &cjx__cluster__descriptor),
    REPEATED("r_string", 24, STRING, r_string, NULL),
    FIELD("opt", 25, OPTIONAL, INT32, offsetof(Scalars, has_opt), opt, NULL, NULL, 0),
    FIELD("opt_double", 26, OPTIONAL, DOUBLE, offsetof(Scalars, has_opt_double), opt_double,
          NULL, NULL, 0),
    FIELD("person", 27, NONE, MESSAGE, 0, person, &cjx__person__descriptor, NULL, 0),
    ONEOF("name", 28, STRING, name, NULL),
    ONEOF("number", 29, UINT64, number, NULL),
    ONEOF("notice", 30, MESSAGE, notice, &cjx__notice__descriptor),
};

static unsigned scalars_by_name[N_SCALARS];   /* sorted in setup() */
static const ProtobufCIntRange scalars_ranges[] = {{1, 0}, {0, N_SCALARS}};
static void scalars_init(ProtobufCMessage *m);

static const ProtobufCMessageDescriptor scalars_descriptor = {
    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC, "test.Scalars", "Scalars", "Scalars", "test",
    sizeof(Scalars), N_SCALARS, scalars_fields, scalars_by_name,
    1, scalars_ranges, scalars_init, NULL, NULL, NULL,
};

static void scalars_init(ProtobufCMessage *m)
{
    Scalars *s = (Scalars *)m;
    memset(s, 0, sizeof *s);
    s->base.descriptor = &scalars_descriptor;
    s->f_string = (char *)protobuf_c_empty_string;
}

static int setup(void **state)
{
    (void)state;
    for (unsigned i = 0; i < N_SCALARS; i++) {
        unsigned j = i;
        for (; j > 0 && strcmp(scalars_fields[scalars_by_name[j - 1]].name,
                               scalars_fields[i].name) > 0; j--)
            scalars_by_name[j] = scalars_by_name[j - 1];
        scalars_by_name[j] = i;
    }
    return 0;
}

/* ---- comparing with jansson ---- */

static cjx_json_writer *w;       /* one writer for every test: reuse is tested too */
static long compared;            /* texts found equal */

static int group_setup(void **state)
{
    setup(state);
    w = cjx_json_writer_new();
    return w ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    cjx_json_writer_destroy(&w);
    cjx_json_writer_destroy(&w); /* accepts NULL */
    return 0;
}

/* Fails unless the writer's text since mark is want (NULL: nothing). */
static void expect_text(size_t mark, const char *want, const char *what)
{
    size_t len;
    const char *got = cjx_json_writer_data(w, &len);
    assert_true(len >= mark);
    size_t glen = len - mark, wlen = want ? strlen(want) : 0;
    if (glen != wlen || memcmp(got + mark, want ? want : "", wlen) != 0)
        fail_msg("%s: writer and jansson differ\njansson: %s\n writer: %.*s", what,
                 want ? want : "(nothing)", (int)glen, got + mark);
    compared++;
}

/* The writer's text for message m must be jansson's dump of
 * cjx_json_from_message(m). */
static void same_message(const ProtobufCMessage *m)
{
    json_t *tree = cjx_json_from_message(m);
    assert_non_null(tree);
    char *want = json_dumps(tree, DUMP_FLAGS);
    assert_non_null(want);
    size_t mark;
    cjx_json_writer_data(w, &mark);
    assert_int_equal(cjx_json_write_message(w, m), CJX_OK);
    expect_text(mark, want, m->descriptor->name);
    free(want);
    json_decref(tree);
}

/* The same for a packed Stored entry, as an event (subscription given) and
 * as a plain entry. An entry jansson cannot show must fail in the writer
 * too, leaving its text alone. */
static void same_entry(const char *subscription, const void *packed, size_t len)
{
    for (int as_event = 0; as_event < 2; as_event++) {
        json_t *tree = as_event ? cjx_event_json(subscription, packed, len)
                                : cjx_stored_json(packed, len);
        char *want = tree ? json_dumps(tree, DUMP_FLAGS) : NULL;
        assert_true(!tree || want);
        size_t mark;
        cjx_json_writer_data(w, &mark);
        cjx_err rc = as_event ? cjx_json_write_event(w, subscription, packed, len)
                              : cjx_json_write_stored(w, packed, len);
        assert_int_equal(rc, tree ? CJX_OK : CJX_EMALFORMED);
        expect_text(mark, want, as_event ? "event" : "stored");
        free(want);
        json_decref(tree);
    }
}

/* Packs item into a Stored entry with these envelope fields and compares. */
static void same_stored_item(const ProtobufCMessage *item, uint64_t seq, const char *id,
                             const char *kind, Cjx__Change change, const char *note,
                             int64_t received_ms, const char *subscription)
{
    Cjx__Stored st = CJX__STORED__INIT;
    size_t n = item ? protobuf_c_message_get_packed_size(item) : 0;
    uint8_t *ib = malloc(n + 1);
    assert_non_null(ib);
    if (item)
        protobuf_c_message_pack(item, ib);
    st.seq = seq;
    st.id = (char *)id;
    st.origin = "91140400MA0K000001";
    st.outbox_seq = 7;
    st.received_ms = received_ms;
    st.item.data = ib;
    st.item.len = n;
    st.kind = (char *)kind;
    st.change = change;
    st.note = (char *)(note ? note : "");
    size_t sn = cjx__stored__get_packed_size(&st);
    uint8_t *sb = malloc(sn + 1);
    assert_non_null(sb);
    cjx__stored__pack(&st, sb);
    same_entry(subscription, sb, sn);
    free(sb);
    free(ib);
}

/* An Item from JSON (' for "), which the test owns. */
static Cjx__Item *item_from(const char *text)
{
    char buf[8192];
    size_t n = strlen(text);
    assert_true(n < sizeof buf);
    for (size_t i = 0; i <= n; i++)
        buf[i] = text[i] == '\'' ? '"' : text[i];
    cjx_fault f = {0};
    ProtobufCMessage *m = NULL;
    if (cjx_json_parse_message(buf, n, &cjx__item__descriptor, &m, &f) != CJX_OK)
        fail_msg("%s refused: %s: %s", buf, f.field, f.text);
    return (Cjx__Item *)m;
}

static void same_item_json(const char *text, const char *kind, Cjx__Change change,
                           const char *note)
{
    Cjx__Item *item = item_from(text);
    same_message(&item->base);
    same_stored_item(&item->base, 1234, "91140400MA0K000001-17", kind, change, note,
                     1767225600123, "completions");
    cjx__item__free_unpacked(item, NULL);
}

/* ---- hand-made entries ---- */

static void test_postings(void **state)
{
    (void)state;
    same_item_json("{'posting': {'ref': 'J-2026-001', 'title': '数控车工（长治高新区）',"
                   " 'description': 'Runs CNC lathes; 8-hour shifts', 'cluster': 'information_tech',"
                   " 'major_codes': ['460103', '460104', '560101'], 'valid_from': '2026-03-01',"
                   " 'valid_until': '2026-06-30', 'division_code': '140402',"
                   " 'job': {'headcount': 12, 'employer_name': '潞安化工', 'pay_min_yuan': 4500,"
                   " 'pay_max_yuan': 7800, 'contract_months': 36, 'education_min': '中专'}}}",
                   "job", CJX__CHANGE__CHANGE_NEW, NULL);
    same_item_json("{'posting': {'ref': 'I-9', 'title': 'Intern', 'internship':"
                   " {'headcount': 3, 'duration_months': 6, 'stipend_yuan_monthly': 2000,"
                   " 'insured': true, 'accommodation': false, 'technical_post': true}}}",
                   "internship", CJX__CHANGE__CHANGE_UPDATE, NULL);
    same_item_json("{'posting': {'ref': 'A-1', 'apprenticeship': {'headcount': 5,"
                   " 'scheme': 'SCHEME_ENTERPRISE_NEW_TYPE', 'duration_months': 24,"
                   " 'partner_credit_code': '12140400MB1234567X', 'pay_yuan_monthly': 3100}}}",
                   "apprenticeship", CJX__CHANGE__CHANGE_NEW, NULL);
    same_item_json("{'posting': {'ref': 'T-1', 'status': 'STATUS_FILLED', 'training_course':"
                   " {'hours': 120, 'capacity': 40, 'fee_yuan': 0, 'certificate_name': '电工',"
                   " 'skill_level': 'SKILL_LEVEL_4', 'start_date': '2026-04-01', 'online': true,"
                   " 'training_package': true}}}",
                   "training_course", CJX__CHANGE__CHANGE_FILL, "名额已满 — filled");
    same_item_json("{'posting': {'ref': 'S-1', 'tech_service': {'direction': 'DIRECTION_REQUEST',"
                   " 'service_type': 'testing', 'budget_yuan': 9223372036854775807}}}",
                   "tech_service", CJX__CHANGE__CHANGE_WITHDRAW, "no longer needed");
    same_item_json("{'posting': {'ref': 'C-1', 'cooperation': {'cooperation_type': '订单班',"
                   " 'partner_kind': 'INSTITUTION_COLLEGE'}}}",
                   "cooperation", CJX__CHANGE__CHANGE_EXPIRE, NULL);
    same_item_json("{'posting': {'ref': 'N-1', 'notice': {'body': 'line one\\nline two\\t"
                   "tab \\\"quoted\\\" back\\\\slash /slash/ </script>'}}}",
                   "notice", CJX__CHANGE__CHANGE_NEW, NULL);
    same_item_json("{'posting': {'ref': 'R-1', 'rd_call': {'budget_yuan': -5,"
                   " 'field': 'batteries', 'expected_outcome': 'a cell'}}}",
                   "rd_call", CJX__CHANGE__CHANGE_NEW, NULL);
    same_item_json("{'institution': {'credit_code': '91140400MA0K000001', 'name': '长治职业技术学院',"
                   " 'kind': 'INSTITUTION_COLLEGE', 'clusters': ['CLUSTER_COAL_CHEMICALS',"
                   " 'CLUSTER_SOLID_WASTE'], 'above_scale': true, 'zone': '长治高新区'}}",
                   "institution", CJX__CHANGE__CHANGE_UPDATE, NULL);
}

static void test_records_with_persons(void **state)
{
    (void)state;
    same_item_json("{'record': {'ref': 'G-1', 'year': 2025, 'purpose': '就业质量报告',"
                   " 'retention_days': 1825, 'graduate_outcome': {'graduate': {'pii_name': '张三',"
                   " 'pii_id_number': '14040219990101123X', 'pseudonym': 'p-7f3a', 'birth_year':"
                   " 1999}, 'school_credit_code': '12140400MB1234567X', 'major_code': '460103',"
                   " 'graduation_year': 2025, 'destination_code': '10', 'major_related': true,"
                   " 'pay_yuan_monthly': 5200}}}",
                   "graduate_outcome", CJX__CHANGE__CHANGE_NEW, NULL);
    same_item_json("{'record': {'ref': 'IP-1', 'internship_placement': {'student':"
                   " {'pii_name': 'Zoë O\\u0027Brien \\ud83d\\ude00', 'birth_year': 2004},"
                   " 'start_date': '2026-03-01', 'stipend_yuan_monthly': 1800, 'insured': true}}}",
                   "internship_placement", CJX__CHANGE__CHANGE_NEW, NULL);
    same_item_json("{'record': {'ref': 'TC-1', 'training_completion': {'trainee': {'pseudonym':"
                   " 'x'}, 'skill_level_before': 'SKILL_NONE', 'skill_level_after': 'SKILL_LEVEL_3',"
                   " 'hours': 80, 'course_title': '焊工\\u0001\\u001f\\u007f'}}}",
                   "training_completion", CJX__CHANGE__CHANGE_UPDATE, NULL);
    same_item_json("{'record': {'ref': 'EC-1', 'enterprise_census': {'employees': 2147483647,"
                   " 'technical_posts': -2147483648, 'size': 'SIZE_LARGE',"
                   " 'wage_bill_yuan': -9223372036854775808}}}",
                   "enterprise_census", CJX__CHANGE__CHANGE_NEW, NULL);
    same_item_json("{'record': {}}", "", CJX__CHANGE__CHANGE_NEW, NULL);
    same_item_json("{}", "", CJX__CHANGE__CHANGE_NEW, NULL);
}

static void test_status_changes(void **state)
{
    (void)state;
    same_item_json("{'status_change': {'ref': 'J-2026-001', 'status': 'STATUS_FILLED',"
                   " 'note': 'all 12 hired'}}", "status_change", CJX__CHANGE__CHANGE_FILL,
                   "all 12 hired");
    same_item_json("{'status_change': {'ref': 'J-2026-002', 'status': 'STATUS_WITHDRAWN'}}",
                   "status_change", CJX__CHANGE__CHANGE_WITHDRAW, "预算取消\n\"cut\"");
    /* a change this build does not know is "unknown" */
    same_item_json("{'status_change': {'ref': 'x'}}", "status_change", (Cjx__Change)77, "?");
}

/* Every ASCII character, every control character, astral and BMP text,
 * and bytes that are not UTF-8 (a string jansson refuses: repaired inside
 * the item, left out of the envelope). */
static void test_strings(void **state)
{
    (void)state;
    char all[128];
    for (int c = 1; c < 128; c++)
        all[c - 1] = (char)c;
    all[127] = '\0';
    static const char *const texts[] = {
        "", "plain", "\"", "\\", "/", "</", "\x7f", "\b\f\n\r\t\x0b\x01\x1f",
        "中文 — “quotes” ‘single’", "😀 \xf0\x9f\x87\xa8\xf0\x9f\x87\xb3", "\xef\xbb\xbf" "bom",
        "\xff", "ab\xc3", "\xc3(", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80",
        "\xe4\xb8", "ok\xe4\xb8\xad\xe4", "\x80\x80", "é\xfe\xff中",
    };
    Cjx__Notice notice = CJX__NOTICE__INIT;
    Cjx__Posting posting = CJX__POSTING__INIT;
    Cjx__Item item = CJX__ITEM__INIT;
    posting.detail_case = CJX__POSTING__DETAIL_NOTICE;
    posting.notice = &notice;
    item.body_case = CJX__ITEM__BODY_POSTING;
    item.posting = &posting;
    for (size_t i = 0; i <= sizeof texts / sizeof *texts; i++) {
        const char *t = i < sizeof texts / sizeof *texts ? texts[i] : all;
        notice.body = (char *)t;
        posting.title = (char *)t;
        same_message(&item.base);
        same_stored_item(&item.base, i, t, "notice", CJX__CHANGE__CHANGE_NEW, NULL, 0, "s");
        same_stored_item(&item.base, i, "id", t, CJX__CHANGE__CHANGE_FILL, t, 0, t);
    }
}

/* Every scalar type at its edges, repeated fields, optional, oneof. */
static void test_scalar_types(void **state)
{
    (void)state;
    Scalars s;
    scalars_init(&s.base);
    same_message(&s.base); /* all defaults: {} */

    uint8_t raw[] = {0, 1, 2, 0xfb, 0xff, 0xfe, 0x3e, 0x3f};
    ProtobufCBinaryData rb[6];
    for (size_t i = 0; i < 6; i++)
        rb[i] = (ProtobufCBinaryData){i, raw + i % 3};
    double rd[] = {0.0, -0.0, 0.1, 0.3, 1.0, -1.5, 1e16, 1e17, 1e20, 1e300, -1e-300, 5e-324,
                   1.7976931348623157e308, 123456789012345678.0, 1.5e-5, 1e-4, 2.5e-7,
                   NAN, INFINITY, -INFINITY};
    float rf[] = {0.0f, -0.0f, 0.1f, 1.0f / 3, 3.4028235e38f, 1.4e-45f, 1e-10f, 16777217.0f,
                  100.0f, NAN, -INFINITY};
    int64_t rs[] = {0, -1, 1, INT64_MIN, INT64_MAX, -1000000000000};
    protobuf_c_boolean rbool[] = {1, 0, 1};
    uint64_t ru[] = {0, 1, (uint64_t)INT64_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX};
    Cjx__Cluster rc[] = {CJX__CLUSTER__CLUSTER_COAL_CHEMICALS, CJX__CLUSTER__CLUSTER_UNSPECIFIED,
                         (Cjx__Cluster)999, (Cjx__Cluster)-3};
    char *rstr[] = {"a", "", "b\"c", "\xff"};
    Cjx__Person person = CJX__PERSON__INIT;
    person.pii_name = "李四";
    person.birth_year = -7;

    s.f_int32 = INT32_MIN;
    s.f_sint32 = -1;
    s.f_sfixed32 = INT32_MAX;
    s.f_int64 = INT64_MIN;
    s.f_sint64 = INT64_MAX;
    s.f_sfixed64 = -42;
    s.f_uint32 = UINT32_MAX;
    s.f_fixed32 = 7;
    s.f_uint64 = UINT64_MAX;
    s.f_fixed64 = (uint64_t)INT64_MAX + 1;
    s.f_float = 0.1f;
    s.f_double = 0.1;
    s.f_bool = 1;
    s.cluster = CJX__CLUSTER__CLUSTER_SOLID_WASTE;
    s.f_string = "x";
    s.f_bytes = (ProtobufCBinaryData){sizeof raw, raw};
    s.n_r_bytes = 6, s.r_bytes = rb;
    s.n_r_double = sizeof rd / sizeof *rd, s.r_double = rd;
    s.n_r_sint64 = sizeof rs / sizeof *rs, s.r_sint64 = rs;
    s.n_r_bool = 3, s.r_bool = rbool;
    s.n_r_float = sizeof rf / sizeof *rf, s.r_float = rf;
    s.n_r_uint64 = sizeof ru / sizeof *ru, s.r_uint64 = ru;
    s.n_r_cluster = sizeof rc / sizeof *rc, s.r_cluster = rc;
    s.n_r_string = 4, s.r_string = rstr;
    s.has_opt = 1; /* present at 0 */
    s.has_opt_double = 1;
    s.opt_double = -0.0;
    s.person = &person;
    s.choice_case = 29;
    s.number = 0; /* a oneof's set member is written at 0 */
    same_message(&s.base);

    /* each double and float alone, unknown enum numbers, the other oneof
     * members (a message member left NULL is {}) */
    for (size_t i = 0; i < sizeof rd / sizeof *rd; i++) {
        scalars_init(&s.base);
        s.f_double = rd[i];
        s.f_float = i < sizeof rf / sizeof *rf ? rf[i] : (float)rd[i];
        s.cluster = (Cjx__Cluster)(int)(i * 37 % 11) - 1;
        s.choice_case = 28 + i % 3;
        if (s.choice_case == 28)
            s.name = "";
        else if (s.choice_case == 29)
            s.number = ru[i % 5];
        else
            s.notice = NULL;
        same_message(&s.base);
    }
}

/* The envelope's own edges. */
static void test_envelope_edges(void **state)
{
    (void)state;
    Cjx__Item *item = item_from("{'posting': {'ref': 'e'}}");
    /* seq beyond INT64_MAX is what json_integer((json_int_t)seq) makes */
    same_stored_item(&item->base, UINT64_MAX, "id", "job", CJX__CHANGE__CHANGE_NEW, NULL,
                     0, "s");
    same_stored_item(&item->base, (uint64_t)INT64_MAX + 1, "id", "job",
                     CJX__CHANGE__CHANGE_NEW, NULL, -1, "s");
    same_stored_item(&item->base, 0, "", "", CJX__CHANGE__CHANGE_NEW, "", -86400001, "");
    same_stored_item(&item->base, 5, "id", "job", CJX__CHANGE__CHANGE_NEW, NULL,
                     4102444800999, NULL); /* no subscription: left out */
    same_stored_item(NULL, 6, "id", "job", CJX__CHANGE__CHANGE_NEW, NULL, 1, "s");
    cjx__item__free_unpacked(item, NULL);

    /* an item that does not decode is null; a Stored that does not, an error */
    Cjx__Stored st = CJX__STORED__INIT;
    uint8_t junk[] = {0xff, 0xff, 0xff};
    st.seq = 9;
    st.id = "x";
    st.item = (ProtobufCBinaryData){sizeof junk, junk};
    uint8_t packed[64];
    size_t n = cjx__stored__pack(&st, packed);
    same_entry("s", packed, n);
    same_entry("s", junk, sizeof junk);
    same_entry("s", packed, n - 1);
}

/* Many events into one buffer: the text is the lines one after another,
 * and clearing starts again at the front with the memory kept. */
static void test_reuse(void **state)
{
    (void)state;
    cjx_json_writer *mine = cjx_json_writer_new();
    assert_non_null(mine);
    Cjx__Item *item = item_from("{'posting': {'ref': 'r', 'title': '复用', 'job': {}}}");
    Cjx__Stored st = CJX__STORED__INIT;
    uint8_t ib[256], sb[512];
    st.item = (ProtobufCBinaryData){cjx__item__pack(item, ib), ib};
    st.id = "id";
    st.kind = "job";
    st.origin = "o";
    for (int round = 0; round < 3; round++) {
        cjx_json_writer_clear(mine);
        size_t want_len = 0;
        char *want = NULL;
        for (int i = 0; i < 200; i++) {
            st.seq = (uint64_t)(round * 1000 + i);
            size_t n = cjx__stored__pack(&st, sb);
            json_t *tree = cjx_event_json("sub", sb, n);
            char *line = json_dumps(tree, DUMP_FLAGS);
            size_t ll = strlen(line);
            want = realloc(want, want_len + ll + 1);
            memcpy(want + want_len, line, ll);
            want[want_len + ll] = '\n';
            want_len += ll + 1;
            free(line);
            json_decref(tree);
            assert_int_equal(cjx_json_write_event(mine, "sub", sb, n), CJX_OK);
            assert_int_equal(cjx_json_write_raw(mine, "\n", 1), CJX_OK);
        }
        size_t len;
        const char *got = cjx_json_writer_data(mine, &len);
        assert_int_equal(len, want_len);
        assert_memory_equal(got, want, len);
        free(want);
    }
    cjx__item__free_unpacked(item, NULL);
    cjx_json_writer_destroy(&mine);
    assert_null(mine);
}

/* ---- random messages, filled from their descriptors ---- */

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static unsigned pick(unsigned n)
{
    return (unsigned)(rnd() % n);
}

/* Random text from pieces that matter to JSON: plain, escaped, control,
 * non-ASCII, and now and then bytes that are not UTF-8. */
static char *random_string(void)
{
    static const char *const pieces[] = {
        "a", "Z", "0", " ", "job", "\"", "\\", "/", "\n", "\t", "\b", "\f", "\r", "\x01",
        "\x1f", "\x7f", "é", "中", "长治", "😀", "\xe2\x80\xa8", "\xef\xbf\xbf", "{", "}",
        ",", ":", "[", "'", "\xff", "\xc3", "\xed\xa0\x80", "\xe4\xb8",
    };
    unsigned n = pick(4) == 0 ? 0 : pick(12);
    char *s = malloc(n * 8 + 1), *o = s; /* no piece is longer than 8 */
    assert_non_null(s);
    int clean = pick(3) != 0; /* most strings valid UTF-8 */
    for (unsigned i = 0; i < n; i++) {
        const char *p = pieces[pick(clean ? 28 : 32)];
        size_t l = strlen(p);
        memcpy(o, p, l);
        o += l;
    }
    *o = '\0';
    return s;
}

static uint64_t random_bits64(void)
{
    static const uint64_t edges[] = {0, 1, 2, 9, 10, 99, 127, 128, 0x7fffffff, 0x80000000,
                                     0xffffffff, 0x7fffffffffffffff, 0x8000000000000000,
                                     0xffffffffffffffff, 0xfffffffffffffffe};
    switch (pick(3)) {
    case 0: return edges[pick(sizeof edges / sizeof *edges)];
    case 1: return rnd() >> pick(64);
    default: return rnd();
    }
}

static double random_double(void)
{
    static const double edges[] = {0.0, -0.0, 0.1, 0.5, 1.0, 1e16, 1e17, 1e21, 1e-5, 1e-7,
                                   5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                                   NAN, INFINITY, -INFINITY, 100.0, 12345.678};
    if (pick(2))
        return edges[pick(sizeof edges / sizeof *edges)];
    if (pick(2))
        return (double)(int64_t)rnd() / (double)(1 + pick(1000000));
    uint64_t b = rnd();
    double d;
    memcpy(&d, &b, sizeof d);
    return d; /* any bits: subnormal, huge, NaN */
}

static float random_float(void)
{
    if (pick(2)) {
        double d = random_double();
        return isfinite(d) && fabs(d) > 3.4e38 ? (float)INFINITY : (float)d;
    }
    uint32_t b = (uint32_t)rnd();
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static ProtobufCMessage *random_message(const ProtobufCMessageDescriptor *d, int depth,
                                        int allow_null);

/* Fills one value of fd's type at dst; memory that free_unpacked frees. */
static void random_value(const ProtobufCFieldDescriptor *fd, void *dst, int depth,
                         int allow_null)
{
    uint64_t b = random_bits64();
    switch (fd->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        *(uint32_t *)dst = (uint32_t)(pick(2) ? b : b >> 32);
        break;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        *(uint64_t *)dst = pick(4) ? b : 0 - b;
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        *(float *)dst = random_float();
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        *(double *)dst = random_double();
        break;
    case PROTOBUF_C_TYPE_BOOL:
        *(protobuf_c_boolean *)dst = pick(2);
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *ed = fd->descriptor;
        *(int *)dst = pick(5) == 0 ? (int)(pick(2000)) - 1000
                                   : ed->values[pick(ed->n_values)].value;
        break;
    }
    case PROTOBUF_C_TYPE_STRING:
        *(char **)dst = random_string();
        break;
    case PROTOBUF_C_TYPE_BYTES: {
        ProtobufCBinaryData *bd = dst;
        bd->len = pick(9);
        bd->data = bd->len ? malloc(bd->len) : NULL;
        for (size_t i = 0; i < bd->len; i++)
            bd->data[i] = (uint8_t)rnd();
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        *(ProtobufCMessage **)dst =
            allow_null && pick(8) == 0 ? NULL
                                       : random_message(fd->descriptor, depth + 1, allow_null);
        break;
    }
}

/* A message of type d with each field set or not at random; deeper than 4
 * levels, messages stay empty. allow_null: a oneof's message member may be
 * NULL (the JSON mappings handle it; pack would not). */
static ProtobufCMessage *random_message(const ProtobufCMessageDescriptor *d, int depth,
                                        int allow_null)
{
    ProtobufCMessage *m = malloc(d->sizeof_message);
    assert_non_null(m);
    protobuf_c_message_init(d, m);
    char *base = (char *)m;
    if (depth > 4)
        return m;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        void *member = base + fd->offset;
        if (pick(3) == 0)
            continue;
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = pick(4), size;
            switch (fd->type) {
            case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
            case PROTOBUF_C_TYPE_SFIXED64: case PROTOBUF_C_TYPE_UINT64:
            case PROTOBUF_C_TYPE_FIXED64: size = 8; break;
            case PROTOBUF_C_TYPE_DOUBLE: size = sizeof(double); break;
            case PROTOBUF_C_TYPE_STRING: size = sizeof(char *); break;
            case PROTOBUF_C_TYPE_MESSAGE: size = sizeof(void *); break;
            case PROTOBUF_C_TYPE_BYTES: size = sizeof(ProtobufCBinaryData); break;
            case PROTOBUF_C_TYPE_BOOL: size = sizeof(protobuf_c_boolean); break;
            default: size = 4;
            }
            if (n == 0)
                continue;
            char *arr = calloc(n, size);
            assert_non_null(arr);
            for (size_t j = 0; j < n; j++)
                random_value(fd, arr + j * size, depth, 0);
            *(void **)member = arr;
            *(size_t *)(base + fd->quantifier_offset) = n;
        } else if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t *which = (uint32_t *)(base + fd->quantifier_offset);
            if (*which)
                continue; /* another member already */
            random_value(fd, member, depth, allow_null);
            *which = fd->id;
        } else {
            random_value(fd, member, depth, 0);
            if (fd->label == PROTOBUF_C_LABEL_OPTIONAL && fd->type != PROTOBUF_C_TYPE_STRING &&
                fd->type != PROTOBUF_C_TYPE_MESSAGE)
                *(protobuf_c_boolean *)(base + fd->quantifier_offset) = pick(2);
        }
    }
    return m;
}

/* Random messages of several types, straight and (packed into Stored
 * entries with random envelopes) as events. */
static void test_random(void **state)
{
    (void)state;
    const char *seed = getenv("CJX_TEST_SEED");
    if (seed)
        rng = strtoull(seed, NULL, 0) | 1;
    print_message("seed 0x%llx (CJX_TEST_SEED to repeat)\n", (unsigned long long)rng);
    const ProtobufCMessageDescriptor *types[] = {
        &cjx__item__descriptor, &cjx__frame__descriptor, &scalars_descriptor,
        &cjx__posting__descriptor, &cjx__record__descriptor,
    };
    long before = compared;
    for (int i = 0; i < 3000; i++) {
        const ProtobufCMessageDescriptor *d = types[i % 5];
        int packable = d != &scalars_descriptor;
        ProtobufCMessage *m = random_message(d, 0, !packable || pick(2));
        same_message(m);
        protobuf_c_message_free_unpacked(m, NULL);

        if (d != &cjx__item__descriptor)
            continue;
        m = random_message(d, 0, 0);
        char *id = random_string(), *kind = random_string(), *note = random_string(),
             *sub = random_string();
        same_stored_item(m, random_bits64(), id, kind, (Cjx__Change)pick(7), note,
                         (int64_t)(rnd() % 8000000000000u) - 1000000000000, sub);
        free(id), free(kind), free(note), free(sub);
        protobuf_c_message_free_unpacked(m, NULL);
    }
    assert_true(compared - before >= 3000 + 600 * 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_postings),
        cmocka_unit_test(test_records_with_persons),
        cmocka_unit_test(test_status_changes),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_scalar_types),
        cmocka_unit_test(test_envelope_edges),
        cmocka_unit_test(test_reuse),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

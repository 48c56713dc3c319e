/* json_test.c — unit tests for the JSON <-> protobuf mapping (core/json.c).
 *
 * The cjx schema has no float, double, bytes, sint or fixed fields, so the
 * file also declares one hand-written message, test.Scalars, with a field of
 * every scalar type, repeated fields, a proto3 optional and a oneof: the
 * mapping reads only descriptors, so it must handle one not made by protoc-c
 * as well. JSON in the tests is written with ' for " to stay readable.
 *
 * Leaks after refused input are caught by ASan's leak check (-DCJX_SANITIZE).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "domain.pb-c.h"
#include "json.h"
#include "protocol.pb-c.h"

/* ---- test.Scalars: every scalar type, by hand ---- */

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
    protobuf_c_boolean has_opt;
    int32_t opt;
    uint32_t choice_case;
    union {
        char *name;
        uint64_t number;
    };
} Scalars;

enum { CHOICE_NAME = 23, CHOICE_NUMBER = 24, N_SCALARS = 24 };

#define FIELD(nm, id, label, type, quant, member, desc, dflt, flags) \
    {nm, id, PROTOBUF_C_LABEL_##label, PROTOBUF_C_TYPE_##type, quant, \
     offsetof(Scalars, member), desc, dflt, flags, 0, NULL, NULL}
#define PLAIN(nm, id, type, member) FIELD(nm, id, NONE, type, 0, member, NULL, NULL, 0)
#define REPEATED(nm, id, type, member) \
    FIELD(nm, id, REPEATED, type, offsetof(Scalars, n_##member), member, NULL, NULL, 0)
#define ONEOF(nm, id, type, member) \
    FIELD(nm, id, NONE, type, offsetof(Scalars, choice_case), member, NULL, NULL, \
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
    REPEATED("r_bytes", 17, BYTES, r_bytes),
    REPEATED("r_double", 18, DOUBLE, r_double),
    REPEATED("r_sint64", 19, SINT64, r_sint64),
    REPEATED("r_bool", 20, BOOL, r_bool),
    REPEATED("r_float", 21, FLOAT, r_float),
    FIELD("opt", 22, OPTIONAL, INT32, offsetof(Scalars, has_opt), opt, NULL, NULL, 0),
    ONEOF("name", CHOICE_NAME, STRING, name),
    ONEOF("number", CHOICE_NUMBER, UINT64, number),
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

/* ---- helpers ---- */

/* text with ' turned into ", in a static buffer. */
static const char *dq(const char *text)
{
    static char buf[8192];
    size_t n = strlen(text);
    assert_true(n < sizeof buf);
    for (size_t i = 0; i <= n; i++)
        buf[i] = text[i] == '\'' ? '"' : text[i];
    return buf;
}

/* Maps text to a message of type d; the test fails if it is refused. */
static ProtobufCMessage *parse_ok(const char *text, const ProtobufCMessageDescriptor *d)
{
    const char *js = dq(text);
    cjx_fault f = {0};
    ProtobufCMessage *m = NULL;
    cjx_err rc = cjx_json_parse_message(js, strlen(js), d, &m, &f);
    if (rc != CJX_OK)
        fail_msg("%s refused: %s: %s", js, f.field, f.text);
    assert_non_null(m);
    return m;
}

/* Expects text to be refused with code, at field, for a reason containing
 * why, and *out to be left alone. */
static void parse_fails(const char *text, const ProtobufCMessageDescriptor *d,
                        cjx_err code, const char *field, const char *why)
{
    const char *js = dq(text);
    cjx_fault f = {0};
    ProtobufCMessage sentinel;
    ProtobufCMessage *m = &sentinel;
    cjx_err rc = cjx_json_parse_message(js, strlen(js), d, &m, &f);
    if (rc != code)
        fail_msg("%s: expected %s, got %s (%s: %s)", js, cjx_err_name(code),
                 cjx_err_name(rc), f.field, f.text);
    assert_ptr_equal(m, &sentinel);
    assert_int_equal(f.code, code);
    assert_string_equal(f.field, field);
    if (!strstr(f.text, dq(why)))
        fail_msg("reason \"%s\" does not say \"%s\"", f.text, dq(why));
}

/* Fails unless message m maps to the JSON text expect. */
static void expect_json(const ProtobufCMessage *m, const char *expect)
{
    json_t *want = json_loads(dq(expect), JSON_REJECT_DUPLICATES, NULL);
    json_t *got = cjx_json_from_message(m);
    assert_non_null(want);
    assert_non_null(got);
    if (!json_equal(want, got)) {
        char *a = json_dumps(want, JSON_SORT_KEYS), *b = json_dumps(got, JSON_SORT_KEYS);
        fail_msg("JSON differs\nwant: %s\n got: %s", a, b);
    }
    json_decref(want);
    json_decref(got);
}

/* JSON -> message -> pack -> unpack -> JSON must give back text. */
static void round_trip(const char *text, const ProtobufCMessageDescriptor *d)
{
    ProtobufCMessage *m = parse_ok(text, d);
    expect_json(m, text);
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(n + 1);
    assert_non_null(buf);
    assert_int_equal(protobuf_c_message_pack(m, buf), n);
    ProtobufCMessage *u = protobuf_c_message_unpack(d, NULL, n, buf);
    assert_non_null(u);
    expect_json(u, text);
    protobuf_c_message_free_unpacked(u, NULL);
    protobuf_c_message_free_unpacked(m, NULL);
    free(buf);
}

#define ITEM (&cjx__item__descriptor)
#define FRAME (&cjx__frame__descriptor)
#define SCALARS (&scalars_descriptor)

/* ---- scalar types ---- */

static void test_each_scalar_type(void **state)
{
    (void)state;
    Scalars *s = (Scalars *)parse_ok(
        "{'int32': -2147483648, 'sint32': -5, 'sfixed32': 2147483647,"
        " 'int64': -9223372036854775808, 'sint64': '-42',"
        " 'sfixed64': 9223372036854775807, 'uint32': 4294967295, 'fixed32': 7,"
        " 'uint64': '18446744073709551615', 'fixed64': '12', 'float': 0.1,"
        " 'double': -2.5e300, 'bool': true, 'cluster': 'CLUSTER_SOLID_WASTE',"
        " 'string': '长治', 'bytes': 'aGVsbG8=', 'r_bytes': ['', 'AA==', '_-8'],"
        " 'r_double': [1.5, 'NaN', '-Infinity', 2], 'r_sint64': [-1, 0, 1],"
        " 'r_bool': [true, false], 'r_float': [0.25, -3], 'opt': 0, 'name': 'x'}",
        SCALARS);
    assert_int_equal(s->f_int32, INT32_MIN);
    assert_int_equal(s->f_sint32, -5);
    assert_int_equal(s->f_sfixed32, INT32_MAX);
    assert_true(s->f_int64 == INT64_MIN);
    assert_true(s->f_sint64 == -42);
    assert_true(s->f_sfixed64 == INT64_MAX);
    assert_true(s->f_uint32 == UINT32_MAX);
    assert_int_equal(s->f_fixed32, 7);
    assert_true(s->f_uint64 == UINT64_MAX);
    assert_true(s->f_fixed64 == 12);
    assert_true(s->f_float == 0.1f);
    assert_true(s->f_double == -2.5e300);
    assert_int_equal(s->f_bool, 1);
    assert_int_equal(s->cluster, CJX__CLUSTER__CLUSTER_SOLID_WASTE);
    assert_string_equal(s->f_string, "长治");
    assert_int_equal(s->f_bytes.len, 5);
    assert_memory_equal(s->f_bytes.data, "hello", 5);
    assert_int_equal(s->n_r_bytes, 3);
    assert_int_equal(s->r_bytes[0].len, 0);
    assert_int_equal(s->r_bytes[1].len, 1);
    assert_int_equal(s->r_bytes[1].data[0], 0);
    assert_int_equal(s->r_bytes[2].len, 2);
    assert_memory_equal(s->r_bytes[2].data, "\xff\xef", 2);   /* URL-safe, unpadded */
    assert_int_equal(s->n_r_double, 4);
    assert_true(s->r_double[0] == 1.5 && isnan(s->r_double[1]));
    assert_true(s->r_double[2] == -INFINITY && s->r_double[3] == 2);
    assert_int_equal(s->n_r_sint64, 3);
    assert_true(s->r_sint64[0] == -1 && s->r_sint64[2] == 1);
    assert_int_equal(s->n_r_bool, 2);
    assert_true(s->r_bool[0] && !s->r_bool[1]);
    assert_int_equal(s->n_r_float, 2);
    assert_true(s->r_float[0] == 0.25f && s->r_float[1] == -3.0f);
    assert_true(s->has_opt && s->opt == 0);
    assert_int_equal(s->choice_case, CHOICE_NAME);
    assert_string_equal(s->name, "x");
    protobuf_c_message_free_unpacked(&s->base, NULL);
}

static void test_scalars_round_trip(void **state)
{
    (void)state;
    round_trip("{'int32': -2147483648, 'sint32': -5, 'sfixed32': 2147483647,"
               " 'int64': -9223372036854775808, 'sint64': -42,"
               " 'sfixed64': 9223372036854775807, 'uint32': 4294967295,"
               " 'fixed32': 7, 'uint64': '18446744073709551615', 'fixed64': 12,"
               " 'float': 0.1, 'double': -2.5e300, 'bool': true,"
               " 'cluster': 'CLUSTER_SOLID_WASTE', 'string': '长治',"
               " 'bytes': 'aGVsbG8=', 'r_bytes': ['', 'AA==', '/+8='],"
               " 'r_double': [1.5, 'NaN', '-Infinity', 0.0],"
               " 'r_sint64': [-1, 0, 1], 'r_bool': [true, false],"
               " 'r_float': [0.1, -3.25, 'Infinity'], 'opt': 0, 'number': 5}",
               SCALARS);
    /* a oneof member and a proto3 optional are written even at zero */
    round_trip("{'number': 0, 'opt': 0}", SCALARS);
    round_trip("{'name': ''}", SCALARS);
    round_trip("{}", SCALARS);
}

static void test_defaults_omitted(void **state)
{
    (void)state;
    ProtobufCMessage *m = parse_ok(
        "{'int32': 0, 'uint64': '0', 'double': 0, 'bool': false, 'string': '',"
        " 'bytes': '', 'cluster': 'CLUSTER_UNSPECIFIED', 'r_bool': []}", SCALARS);
    expect_json(m, "{}");
    protobuf_c_message_free_unpacked(m, NULL);

    m = parse_ok("{'posting': {'title': '', 'cluster': 'unspecified',"
                 " 'status': 'STATUS_OPEN', 'major_codes': [],"
                 " 'job': {'headcount': 0, 'pay_min_yuan': 0}}}", ITEM);
    expect_json(m, "{'posting': {'job': {}}}");
    protobuf_c_message_free_unpacked(m, NULL);
}

/* A message filled in C, not from JSON: values JSON input would refuse
 * still come out as something the input accepts. */
static void test_from_c_struct(void **state)
{
    (void)state;
    Cjx__Institution inst = CJX__INSTITUTION__INIT;
    Cjx__Cluster clusters[] = {CJX__CLUSTER__CLUSTER_COAL_CHEMICALS, 42};
    inst.name = "长治学院";
    inst.kind = CJX__INSTITUTION_KIND__INSTITUTION_COLLEGE;
    inst.high_tech = 1;
    inst.n_clusters = 2;
    inst.clusters = clusters;
    expect_json(&inst.base, "{'name': '长治学院', 'kind': 'INSTITUTION_COLLEGE',"
                " 'high_tech': true, 'clusters': ['CLUSTER_COAL_CHEMICALS', 42]}");

    Cjx__Welcome w = CJX__WELCOME__INIT;
    w.last_seq = UINT64_MAX;
    w.last_outbox_seq = INT64_MAX;
    expect_json(&w.base, "{'last_seq': '18446744073709551615',"
                " 'last_outbox_seq': 9223372036854775807}");

    Scalars s;
    scalars_init(&s.base);
    uint8_t one = 'a', two[] = "ab";
    ProtobufCBinaryData r[] = {{1, &one}, {2, two}};
    s.f_float = 1e-7f;
    s.n_r_bytes = 2;
    s.r_bytes = r;
    expect_json(&s.base, "{'float': 1e-7, 'r_bytes': ['YQ==', 'YWI=']}");
}

/* ---- integers ---- */

static void test_int_range(void **state)
{
    (void)state;
    parse_fails("{'posting': {'job': {'headcount': 2147483648}}}", ITEM,
                CJX_EMALFORMED, "posting.job.headcount", "2147483648 is out of range for int32");
    parse_fails("{'posting': {'job': {'headcount': -2147483649}}}", ITEM,
                CJX_EMALFORMED, "posting.job.headcount", "out of range for int32");
    parse_fails("{'uint32': 4294967296}", SCALARS, CJX_EMALFORMED, "uint32",
                "out of range for uint32");
    parse_fails("{'fixed32': 4294967296}", SCALARS, CJX_EMALFORMED, "fixed32",
                "out of range for fixed32");
    parse_fails("{'sfixed32': 2147483648}", SCALARS, CJX_EMALFORMED, "sfixed32",
                "out of range");
    parse_fails("{'uint64': '18446744073709551616'}", SCALARS, CJX_EMALFORMED,
                "uint64", "out of range for uint64");
    parse_fails("{'int64': '9223372036854775808'}", SCALARS, CJX_EMALFORMED,
                "int64", "out of range for int64");
    parse_fails("{'sint64': '-9223372036854775809'}", SCALARS, CJX_EMALFORMED,
                "sint64", "out of range for sint64");

    Scalars *s = (Scalars *)parse_ok("{'int64': '-9223372036854775808',"
                                     " 'uint32': 0, 'sint32': -2147483648}", SCALARS);
    assert_true(s->f_int64 == INT64_MIN && s->f_sint32 == INT32_MIN);
    protobuf_c_message_free_unpacked(&s->base, NULL);
}

static void test_negative_into_uint(void **state)
{
    (void)state;
    parse_fails("{'hello': {'protocol_version': -1}}", FRAME, CJX_EMALFORMED,
                "hello.protocol_version", "must not be negative");
    parse_fails("{'welcome': {'last_seq': -1}}", FRAME, CJX_EMALFORMED,
                "welcome.last_seq", "must not be negative");
    parse_fails("{'fixed64': '-3'}", SCALARS, CJX_EMALFORMED, "fixed64",
                "must not be negative");
    ProtobufCMessage *m = parse_ok("{'uint64': '-0', 'uint32': 0}", SCALARS);
    protobuf_c_message_free_unpacked(m, NULL);
}

static void test_wrong_type(void **state)
{
    (void)state;
    parse_fails("{'posting': {'job': {'headcount': '3'}}}", ITEM, CJX_EMALFORMED,
                "posting.job.headcount", "expected an integer, got string");
    parse_fails("{'posting': {'job': {'headcount': 1.5}}}", ITEM, CJX_EMALFORMED,
                "posting.job.headcount", "expected an integer, got real number");
    parse_fails("{'posting': {'job': {'pay_min_yuan': '12x'}}}", ITEM, CJX_EMALFORMED,
                "posting.job.pay_min_yuan", "expected an integer, got '12x'");
    parse_fails("{'posting': {'job': {'pay_min_yuan': true}}}", ITEM, CJX_EMALFORMED,
                "posting.job.pay_min_yuan", "expected an integer, got boolean");
    parse_fails("{'posting': {'title': 3}}", ITEM, CJX_EMALFORMED,
                "posting.title", "expected a string, got integer");
    parse_fails("{'posting': {'internship': {'insured': 1}}}", ITEM, CJX_EMALFORMED,
                "posting.internship.insured", "expected true or false, got integer");
    parse_fails("{'posting': {'job': []}}", ITEM, CJX_EMALFORMED,
                "posting.job", "expected an object, got array");
    parse_fails("{'posting': {'major_codes': '080901'}}", ITEM, CJX_EMALFORMED,
                "posting.major_codes", "expected an array, got string");
    parse_fails("{'double': 'fast'}", SCALARS, CJX_EMALFORMED, "double",
                "expected a number, got string");
    parse_fails("{'float': 1e39}", SCALARS, CJX_EMALFORMED, "float",
                "out of range for float");
    parse_fails("{'string': 'a\\u0000b'}", SCALARS, CJX_EMALFORMED, "",
                "line 1");   /* jansson refuses NUL in strings */
    parse_fails("[]", ITEM, CJX_EMALFORMED, "", "expected an object, got array");
}

/* ---- names ---- */

static void test_unknown_field(void **state)
{
    (void)state;
    parse_fails("{'posting': {'title': 'x', 'titel': 'y'}}", ITEM, CJX_EFIELD,
                "posting.titel", "unknown field 'titel'");
    parse_fails("{'kind': 'job'}", ITEM, CJX_EFIELD, "kind", "unknown field 'kind'");
    parse_fails("{'choice_case': 1}", SCALARS, CJX_EFIELD, "choice_case",
                "unknown field");
}

static void test_enum_spellings(void **state)
{
    (void)state;
    static const char *const spellings[] = {
        "{'posting': {'cluster': 'CLUSTER_INFORMATION_TECH'}}",
        "{'posting': {'cluster': 'information_tech'}}",
        "{'posting': {'cluster': 'Information_Tech'}}",
        "{'posting': {'cluster': 'cluster_information_tech'}}",
        "{'posting': {'cluster': 7}}",
    };
    for (size_t i = 0; i < sizeof spellings / sizeof *spellings; i++) {
        Cjx__Item *item = (Cjx__Item *)parse_ok(spellings[i], ITEM);
        assert_int_equal(item->posting->cluster, CJX__CLUSTER__CLUSTER_INFORMATION_TECH);
        expect_json(&item->base, "{'posting': {'cluster': 'CLUSTER_INFORMATION_TECH'}}");
        protobuf_c_message_free_unpacked(&item->base, NULL);
    }

    /* nested enums, prefixes other than the enum's name, values out of order */
    Cjx__Item *item = (Cjx__Item *)parse_ok(
        "{'posting': {'status': 'filled', 'apprenticeship': {'scheme': 'modern'}}}", ITEM);
    assert_int_equal(item->posting->status, CJX__POSTING_STATUS__STATUS_FILLED);
    assert_int_equal(item->posting->apprenticeship->scheme,
                     CJX__APPRENTICESHIP_POSTING__SCHEME__SCHEME_MODERN);
    protobuf_c_message_free_unpacked(&item->base, NULL);
    item = (Cjx__Item *)parse_ok("{'posting': {'training_course': {'skill_level': 'level_3'}}}",
                                 ITEM);
    assert_int_equal(item->posting->training_course->skill_level,
                     CJX__SKILL_LEVEL__SKILL_LEVEL_3);
    protobuf_c_message_free_unpacked(&item->base, NULL);

    parse_fails("{'posting': {'cluster': 'FOO'}}", ITEM, CJX_ERANGE, "posting.cluster",
                "unknown value 'FOO' for cjx.Cluster");
    parse_fails("{'posting': {'cluster': 'CLUSTER_'}}", ITEM, CJX_ERANGE,
                "posting.cluster", "unknown value");
    parse_fails("{'posting': {'cluster': 99}}", ITEM, CJX_ERANGE, "posting.cluster",
                "unknown value 99 for cjx.Cluster");
    parse_fails("{'posting': {'cluster': 4294967303}}", ITEM, CJX_ERANGE,
                "posting.cluster", "unknown value");
    parse_fails("{'posting': {'apprenticeship': {'scheme': 'large'}}}", ITEM, CJX_ERANGE,
                "posting.apprenticeship.scheme",
                "for cjx.ApprenticeshipPosting.Scheme");
    parse_fails("{'posting': {'cluster': true}}", ITEM, CJX_EMALFORMED,
                "posting.cluster", "expected an enum name, got boolean");
}

static void test_repeated_index_in_path(void **state)
{
    (void)state;
    parse_fails("{'posting': {'major_codes': ['080901', '080902', 3]}}", ITEM,
                CJX_EMALFORMED, "posting.major_codes[2]", "expected a string, got integer");
    parse_fails("{'posting': {'major_codes': [null]}}", ITEM,
                CJX_EMALFORMED, "posting.major_codes[0]", "got null");
    parse_fails("{'hub_status': {'institutions': [{'credit_code': 'a'}, {'name': 'x',"
                " 'outbox_backlog': 'many'}]}}", FRAME, CJX_EMALFORMED,
                "hub_status.institutions[1].outbox_backlog", "expected an integer");
    parse_fails("{'result': {'items': ['AA==', 'AA==', {}]}}", FRAME, CJX_EMALFORMED,
                "result.items[2]", "expected a base64 string, got object");
    parse_fails("{'r_bool': [true, 0]}", SCALARS, CJX_EMALFORMED, "r_bool[1]",
                "expected true or false");

    Cjx__Item *item = (Cjx__Item *)parse_ok(
        "{'posting': {'major_codes': ['080901', '', '460104']}}", ITEM);
    assert_int_equal(item->posting->n_major_codes, 3);
    assert_string_equal(item->posting->major_codes[0], "080901");
    assert_string_equal(item->posting->major_codes[1], "");
    assert_string_equal(item->posting->major_codes[2], "460104");
    protobuf_c_message_free_unpacked(&item->base, NULL);
}

/* ---- oneof and null ---- */

static void test_oneof(void **state)
{
    (void)state;
    Cjx__Item *item = (Cjx__Item *)parse_ok(
        "{'posting': {'title': '电工', 'job': {'headcount': 3}}}", ITEM);
    assert_int_equal(item->body_case, CJX__ITEM__BODY_POSTING);
    assert_int_equal(item->posting->detail_case, CJX__POSTING__DETAIL_JOB);
    assert_int_equal(item->posting->job->headcount, 3);
    expect_json(&item->base, "{'posting': {'title': '电工', 'job': {'headcount': 3}}}");
    protobuf_c_message_free_unpacked(&item->base, NULL);

    parse_fails("{'posting': {'job': {'headcount': 1}, 'internship': {}}}", ITEM,
                CJX_EPROTOCOL, "posting.internship", "'job' and 'internship'");
    parse_fails("{'posting': {}, 'record': {}}", ITEM, CJX_EPROTOCOL, "record",
                "give only one");
    parse_fails("{'name': 'a', 'number': 1}", SCALARS, CJX_EPROTOCOL, "number",
                "'name' and 'number'");

    /* a null member is not set, so it does not conflict */
    item = (Cjx__Item *)parse_ok(
        "{'posting': {'job': null, 'internship': {'headcount': 2}}, 'record': null}", ITEM);
    assert_int_equal(item->body_case, CJX__ITEM__BODY_POSTING);
    assert_int_equal(item->posting->detail_case, CJX__POSTING__DETAIL_INTERNSHIP);
    assert_int_equal(item->posting->internship->headcount, 2);
    protobuf_c_message_free_unpacked(&item->base, NULL);
}

static void test_null_means_unset(void **state)
{
    (void)state;
    Cjx__Item *item = (Cjx__Item *)parse_ok(
        "{'posting': {'title': null, 'major_codes': null, 'cluster': null,"
        " 'job': null}}", ITEM);
    Cjx__Posting *p = item->posting;
    assert_ptr_equal(p->title, protobuf_c_empty_string);
    assert_int_equal(p->n_major_codes, 0);
    assert_null(p->major_codes);
    assert_int_equal(p->cluster, 0);
    assert_int_equal(p->detail_case, CJX__POSTING__DETAIL__NOT_SET);
    expect_json(&item->base, "{'posting': {}}");
    protobuf_c_message_free_unpacked(&item->base, NULL);

    Scalars *s = (Scalars *)parse_ok("{'opt': null, 'bytes': null, 'number': null}", SCALARS);
    assert_false(s->has_opt);
    assert_null(s->f_bytes.data);
    assert_int_equal(s->choice_case, 0);
    protobuf_c_message_free_unpacked(&s->base, NULL);
}

/* ---- bytes ---- */

static void test_bytes_base64(void **state)
{
    (void)state;
    static const struct { const char *in, *bytes, *out; } cases[] = {
        {"aGVsbG8=", "hello", "aGVsbG8="},
        {"aGVsbG8", "hello", "aGVsbG8="},         /* padding optional */
        {"aGVsbA==", "hell", "aGVsbA=="},
        {"aGVs", "hel", "aGVs"},
        {"-_-_", "\xfb\xff\xbf", "+/+/"},         /* URL-safe alphabet */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[64], want[64];
        snprintf(text, sizeof text, "{'bytes': '%s'}", cases[i].in);
        snprintf(want, sizeof want, "{'bytes': '%s'}", cases[i].out);
        Scalars *s = (Scalars *)parse_ok(text, SCALARS);
        assert_int_equal(s->f_bytes.len, strlen(cases[i].bytes));
        assert_memory_equal(s->f_bytes.data, cases[i].bytes, s->f_bytes.len);
        expect_json(&s->base, want);
        protobuf_c_message_free_unpacked(&s->base, NULL);
    }
    parse_fails("{'bytes': 'aGV$'}", SCALARS, CJX_EMALFORMED, "bytes", "not valid base64");
    parse_fails("{'bytes': 'aGVsb'}", SCALARS, CJX_EMALFORMED, "bytes", "not valid base64");
    parse_fails("{'bytes': 'a=b='}", SCALARS, CJX_EMALFORMED, "bytes", "not valid base64");
    parse_fails("{'r_bytes': ['AA==', 5]}", SCALARS, CJX_EMALFORMED, "r_bytes[1]",
                "expected a base64 string, got integer");
}

/* ---- round trips of real items ---- */

static void test_round_trip_posting(void **state)
{
    (void)state;
    round_trip(
        "{'posting': {'ref': 'ZP-2024-017', 'title': '数控车工',"
        " 'description': '负责数控车床操作', 'requirements': '中专及以上',"
        " 'publisher_credit_code': '91140400MA0GRXXX1X', 'division_code': '140404',"
        " 'address': '长治市上党区', 'cluster': 'CLUSTER_NEW_ENERGY_VEHICLES',"
        " 'industry_code': 'C3612', 'major_codes': ['460104', '460103'],"
        " 'valid_from': '2024-03-01', 'valid_until': '2024-06-30',"
        " 'status': 'STATUS_FILLED', 'contact_office': '人力资源部',"
        " 'job': {'headcount': 12, 'employer_name': '长治某汽车零部件有限公司',"
        "  'content': '车削加工', 'pay_min_yuan': 4500, 'pay_max_yuan': 7000000000,"
        "  'contract_months': 36, 'education_min': '中专'}}}", ITEM);
    round_trip("{'posting': {'title': 'x', 'training_course': {'hours': 80,"
               " 'skill_level': 'SKILL_LEVEL_3', 'online': true}}}", ITEM);
}

static void test_round_trip_record(void **state)
{
    (void)state;
    round_trip(
        "{'record': {'ref': 'R-9', 'reporter_credit_code': '12140400MB1234567X',"
        " 'year': 2024, 'purpose': '毕业去向统计', 'retention_days': 1825,"
        " 'graduate_outcome': {'graduate': {'pii_name': '张三',"
        "  'pii_id_number': '140402200201011234', 'pseudonym': 'p:ab12',"
        "  'birth_year': 2002}, 'school_credit_code': '12140400MB1234567X',"
        "  'major_code': '460104', 'graduation_year': 2024, 'destination_code': '10',"
        "  'employer_name': '长治某公司', 'major_related': true,"
        "  'pay_yuan_monthly': 5200}}}", ITEM);
    round_trip("{'record': {'graduate_outcome': {'graduate': {}}}}", ITEM);
    round_trip("{'record': {'year': 2024, 'enterprise_census': {'employees': 300,"
               " 'size': 'SIZE_MEDIUM', 'wage_bill_yuan': 36000000}}}", ITEM);
    /* frames: bytes, repeated bytes, repeated messages, 64-bit counters */
    round_trip("{'publish': {'outbox_seq': 7, 'item': 'EgMYkB8='}}", FRAME);
    round_trip("{'result': {'request_id': 1, 'items': ['CAE=', 'CAI='], 'more': true}}",
               FRAME);
    round_trip("{'hub_status': {'now_ms': 1796150000000, 'store': {'newest_seq':"
               " 9007199254740993}, 'institutions': [{'credit_code': 'a', 'refused': 3},"
               " {'last_seen_ms': 23}]}}", FRAME);
}

/* ---- failures free what was built ---- */

/* Each input fails after much has been built: strings, repeated arrays part
 * filled, nested messages, a oneof member. ASan reports any leak. */
static void test_failed_parse_frees(void **state)
{
    (void)state;
    parse_fails("{'posting': {'ref': 'a', 'title': 'b', 'major_codes': ['1', '2'],"
                " 'job': {'employer_name': 'c', 'content': 'd'},"
                " 'address': 'e', 'valid_from': 9}}", ITEM,
                CJX_EMALFORMED, "posting.valid_from", "expected a string");
    parse_fails("{'posting': {'title': 'b', 'major_codes': ['1', '2', '3', {}]}}", ITEM,
                CJX_EMALFORMED, "posting.major_codes[3]", "expected a string");
    parse_fails("{'posting': {'job': {'employer_name': 'c', 'headcount': 'x'}}}", ITEM,
                CJX_EMALFORMED, "posting.job.headcount", "expected an integer");
    parse_fails("{'record': {'purpose': 'p', 'graduate_outcome': {"
                " 'graduate': {'pii_name': 'n', 'pseudonym': 'q'},"
                " 'major_code': 'm', 'bogus': 1}}}", ITEM,
                CJX_EFIELD, "record.graduate_outcome.bogus", "unknown field");
    parse_fails("{'hub_status': {'request_id': 4, 'institutions': [{'name': 'a', 'refused': 1},"
                " {'name': 'b'}, {'name': 'c', 'refused': -1}]}}", FRAME,
                CJX_EMALFORMED, "hub_status.institutions[2].refused", "must not be negative");
    parse_fails("{'result': {'items': ['AAAA', 'BBBB', 'C']}}", FRAME,
                CJX_EMALFORMED, "result.items[2]", "not valid base64");
    parse_fails("{'string': 's', 'bytes': 'AAAA', 'r_bytes': ['AAAA', 'BB=='],"
                " 'name': 'n', 'r_double': [1, 2, '3']}", SCALARS,
                CJX_EMALFORMED, "r_double[2]", "expected a number");
    parse_fails("{'name': 'n', 'r_bytes': ['AAAA', '!!!!']}", SCALARS,
                CJX_EMALFORMED, "r_bytes[1]", "not valid base64");
}

/* ---- entry points ---- */

static void test_syntax_and_arguments(void **state)
{
    (void)state;
    parse_fails("{'posting': ", ITEM, CJX_EMALFORMED, "", "line 1 column");
    parse_fails("{'posting': {}, 'posting': {}}", ITEM, CJX_EMALFORMED, "", "duplicate");

    cjx_fault f = {0};
    ProtobufCMessage *m = NULL;
    assert_int_equal(cjx_json_to_message(NULL, ITEM, &m, &f), CJX_EINVAL);
    assert_int_equal(cjx_json_parse_message("{}", 2, NULL, &m, &f), CJX_EINVAL);
    assert_null(m);

    /* the json_t entry point, and a length that stops short of the NUL */
    json_t *in = json_pack("{s:{s:s}}", "posting", "title", "t");
    assert_int_equal(cjx_json_to_message(in, ITEM, &m, &f), CJX_OK);
    assert_string_equal(((Cjx__Item *)m)->posting->title, "t");
    protobuf_c_message_free_unpacked(m, NULL);
    json_decref(in);
    assert_int_equal(cjx_json_parse_message("{}garbage", 2, ITEM, &m, &f), CJX_OK);
    protobuf_c_message_free_unpacked(m, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_scalar_type),
        cmocka_unit_test(test_scalars_round_trip),
        cmocka_unit_test(test_defaults_omitted),
        cmocka_unit_test(test_from_c_struct),
        cmocka_unit_test(test_int_range),
        cmocka_unit_test(test_negative_into_uint),
        cmocka_unit_test(test_wrong_type),
        cmocka_unit_test(test_unknown_field),
        cmocka_unit_test(test_enum_spellings),
        cmocka_unit_test(test_repeated_index_in_path),
        cmocka_unit_test(test_oneof),
        cmocka_unit_test(test_null_means_unset),
        cmocka_unit_test(test_bytes_base64),
        cmocka_unit_test(test_round_trip_posting),
        cmocka_unit_test(test_round_trip_record),
        cmocka_unit_test(test_failed_parse_frees),
        cmocka_unit_test(test_syntax_and_arguments),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}

/* validate_rules.c — the rules items must follow, as tables keyed by field
 * and message names, and the few functions that apply them.
 *
 * proto/domain.proto states the naming conventions these tables rely on
 * ("*credit_code", "*division_code", "*_date", "pii_*"…). The generic walker
 * in validate.c calls the cjx_vr_* functions for every value and message;
 * a rule is added here as a table row, not as code for one message type.
 *
 * String lengths count Unicode code points (a Chinese character is one), not
 * bytes; strings must be valid UTF-8. Values of pii_ fields never appear in
 * fault texts, and other values are shown shortened and without control
 * characters, since faults travel to logs and to the peer.
 */
#include "validate_rules.h"

#include <stdio.h>
#include <string.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* True when name matches pattern: equal, or ending in what follows a
 * leading '*'. */
static int name_matches(const char *pattern, const char *name)
{
    if (pattern[0] != '*')
        return strcmp(pattern, name) == 0;
    size_t pn = strlen(pattern + 1), nn = strlen(name);
    return nn >= pn && strcmp(name + nn - pn, pattern + 1) == 0;
}

/* True when name is one of the n strings in list. */
static int in_list(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

/* Copies s into buf for a fault text: at most ~40 bytes, cut at a character
 * boundary, control characters replaced by '?'. */
static const char *shown(char *buf, size_t size, const char *s)
{
    size_t n = strlen(s), max = size - 4;
    int cut = n > max;
    if (cut) {
        n = max;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    strcpy(buf + n, cut ? "..." : "");
    return buf;
}

/* ---- strings: UTF-8 and length ---- */

/* Counts the code points of s into *count; returns 0 when s is not valid
 * UTF-8 (overlong forms, surrogates and values above U+10FFFF included). */
static int utf8_count(const char *s, size_t *count)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (*p) {
        unsigned c = *p, len, cp;
        if (c < 0x80) {
            p++;
            n++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            len = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            len = 3, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            len = 4, cp = c & 0x07;
        else
            return 0;
        for (unsigned i = 1; i < len; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        p += len;
        n++;
    }
    *count = n;
    return 1;
}

/* Longest strings, in code points, by field name; others DEFAULT_CHARS. */
#define DEFAULT_CHARS 200
static const struct {
    const char *pattern;
    size_t max;
} length_rules[] = {
    {"title", 120},           {"description", 4000}, {"requirements", 4000},
    {"content", 4000},        {"body", 4000},        {"expected_outcome", 4000},
    {"facilities", 2000},     {"url", 2048},
};

static size_t max_chars(const char *name)
{
    for (size_t i = 0; i < N_OF(length_rules); i++)
        if (name_matches(length_rules[i].pattern, name))
            return length_rules[i].max;
    return DEFAULT_CHARS;
}

/* ---- strings: codes and dates ---- */

enum { CAT_NONE, CAT_MAJORS, CAT_DIVISIONS };

static cjx_err date_form(const char *s)
{
    return cjx_date_parse(s, NULL);
}

/* What a field's name says its value is, and how that is checked: by a form
 * rule of codes.c, or by lookup in a catalogue. */
static const struct string_rule {
    const char *pattern;
    const char *what;                /* for the fault text */
    cjx_err (*form)(const char *);   /* NULL: catalogue lookup */
    int catalog;
} string_rules[] = {
    {"*credit_code", "unified social credit code", cjx_code_uscc, CAT_NONE},
    {"pii_id_number", "citizen ID number", cjx_code_citizen_id, CAT_NONE},
    {"*division_code", "GB/T 2260 division code", NULL, CAT_DIVISIONS},
    {"major_code", "major code", NULL, CAT_MAJORS},
    {"major_codes", "major code", NULL, CAT_MAJORS},
    {"*industry_code", "GB/T 4754 industry code", cjx_code_industry, CAT_NONE},
    {"destination_code", "graduate destination code", cjx_code_destination,
     CAT_NONE},
    {"valid_from", "date YYYY-MM-DD", date_form, CAT_NONE},
    {"valid_until", "date YYYY-MM-DD", date_form, CAT_NONE},
    {"*_date", "date YYYY-MM-DD", date_form, CAT_NONE},
};

/* Applies rule r to the non-empty value s. */
static cjx_err apply(const cjx_vctx *x, const struct string_rule *r,
                     const char *s, const char *path)
{
    if (r->form)
        return r->form(s);
    const cjx_catalog *c = NULL;
    if (x->v)
        c = r->catalog == CAT_MAJORS ? x->v->majors : x->v->divisions;
    if (!c)
        return cjx_fault_set(x->f, CJX_EINVAL, path,
                             "no %s catalogue loaded to check this against",
                             r->catalog == CAT_MAJORS ? "majors" : "divisions");
    if (cjx_catalog_name(c, s))
        return CJX_OK;
    return r->catalog == CAT_MAJORS ? CJX_EMAJOR : CJX_EDIVISION;
}

cjx_err cjx_vr_string(const cjx_vctx *x, const ProtobufCFieldDescriptor *fd,
                      const char *s, const char *path)
{
    size_t chars, max = max_chars(fd->name);
    if (!utf8_count(s, &chars))
        return cjx_fault_set(x->f, CJX_EMALFORMED, path, "not valid UTF-8");
    if (chars > max)
        return cjx_fault_set(x->f, CJX_ELENGTH, path,
                             "%zu characters long; at most %zu allowed", chars,
                             max);
    if (!*s)
        return CJX_OK;
    for (size_t i = 0; i < N_OF(string_rules); i++) {
        const struct string_rule *r = &string_rules[i];
        if (!name_matches(r->pattern, fd->name))
            continue;
        cjx_err rc = apply(x, r, s, path);
        if (rc == CJX_OK || rc == CJX_EINVAL)
            return rc;
        char buf[48];
        if (cjx_field_is_personal(fd))
            return cjx_fault_set(x->f, rc, path, "not a valid %s (%s)",
                                 r->what, cjx_strerror(rc));
        return cjx_fault_set(x->f, rc, path, "not a valid %s (%s): \"%s\"",
                             r->what, cjx_strerror(rc),
                             shown(buf, sizeof buf, s));
    }
    return CJX_OK;
}

/* ---- numbers and enums ---- */

/* Ranges by field name, checked when the value is not 0 (0 is "not stated";
 * required fields catch it). Every signed number must also be >= 0. */
static const struct {
    const char *pattern;
    long long min, max;
} int_rules[] = {
    {"year", 1900, 2199},
    {"*_year", 1900, 2199},
};

cjx_err cjx_vr_integer(const cjx_vctx *x, const ProtobufCFieldDescriptor *fd,
                       long long n, const char *path)
{
    char value[32] = "";
    if (!cjx_field_is_personal(fd))
        snprintf(value, sizeof value, " (%lld)", n);
    if (n < 0)
        return cjx_fault_set(x->f, CJX_ERANGE, path, "must not be negative%s",
                             value);
    for (size_t i = 0; i < N_OF(int_rules) && n; i++) {
        if (!name_matches(int_rules[i].pattern, fd->name))
            continue;
        if (n >= int_rules[i].min && n <= int_rules[i].max)
            return CJX_OK;
        return cjx_fault_set(x->f, CJX_ERANGE, path,
                             "must be between %lld and %lld%s",
                             int_rules[i].min, int_rules[i].max, value);
    }
    return CJX_OK;
}

cjx_err cjx_vr_enum(const cjx_vctx *x, const ProtobufCFieldDescriptor *fd,
                    int value, const char *path)
{
    const ProtobufCEnumDescriptor *ed = fd->descriptor;
    if (protobuf_c_enum_descriptor_get_value(ed, value))
        return CJX_OK;
    return cjx_fault_set(x->f, CJX_ERANGE, path, "%d is not a value of %s",
                         value, ed->name);
}

/* ---- required fields ---- */

/* Fields each message type must carry; empty strings and 0 count as
 * missing, so a posting detail listing headcount needs headcount >= 1. */
static const struct {
    const char *message;
    const char *fields[6];
} required_rules[] = {
    {"cjx.Posting", {"title", "valid_from", "valid_until", "division_code"}},
    {"cjx.JobPosting", {"headcount", "employer_name", "content",
                        "pay_min_yuan"}},
    {"cjx.InternshipPosting", {"headcount"}},
    {"cjx.ApprenticeshipPosting", {"headcount"}},
    {"cjx.OrderTrainingPosting", {"headcount"}},
    {"cjx.TeacherPracticePosting", {"headcount"}},
    {"cjx.TechServicePosting", {"direction"}},
    {"cjx.Notice", {"body"}},
    {"cjx.Record", {"year"}},
    {"cjx.InternshipPlacement", {"student", "college_credit_code",
                                 "enterprise_credit_code", "start_date"}},
    {"cjx.TeacherPlacement", {"teacher", "college_credit_code",
                              "enterprise_credit_code", "start_date"}},
    {"cjx.TrainingCompletion", {"trainee", "enterprise_credit_code",
                                "completion_date"}},
    {"cjx.GraduateOutcome", {"graduate", "school_credit_code", "major_code",
                             "graduation_year", "destination_code"}},
    {"cjx.EnterpriseCensus", {"enterprise_credit_code", "employees"}},
    {"cjx.ProgrammeRecord", {"school_credit_code", "major_code",
                             "total_hours"}},
};

/* Messages that need at least one of two fields. */
static const struct {
    const char *message;
    const char *one, *other;
} any_of_rules[] = {
    {"cjx.Person", "pseudonym", "pii_id_number"},
};

/* The field called name of m's type, or NULL; cjx_vr_table_check makes
 * sure the tables name only fields the schema has. */
static const ProtobufCFieldDescriptor *field(const ProtobufCMessage *m,
                                             const char *name)
{
    return protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
}

/* True when field name of m is present in the schema and missing in m. */
static int missing(const ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *fd = field(m, name);
    return fd && cjx_vr_empty(m, fd);
}

cjx_err cjx_vr_required(const cjx_vctx *x, const ProtobufCMessage *m,
                        const char *path)
{
    const char *type = m->descriptor->name;
    char fpath[CJX_VR_PATH];
    for (size_t i = 0; i < N_OF(required_rules); i++) {
        if (strcmp(required_rules[i].message, type) != 0)
            continue;
        for (size_t j = 0; j < N_OF(required_rules[i].fields); j++) {
            const char *name = required_rules[i].fields[j];
            if (!name)
                break;
            const ProtobufCFieldDescriptor *fd = field(m, name);
            if (!missing(m, name))
                continue;
            cjx_vr_join(fpath, path, name);
            long long n;
            return cjx_fault_set(x->f, CJX_EREQUIRED, fpath, "required%s",
                                 cjx_vr_int_of(m, fd, &n) ? " (0 counts as missing)"
                                                          : "");
        }
    }
    for (size_t i = 0; i < N_OF(any_of_rules); i++) {
        if (strcmp(any_of_rules[i].message, type) != 0 ||
            !missing(m, any_of_rules[i].one) ||
            !missing(m, any_of_rules[i].other))
            continue;
        return cjx_fault_set(x->f, CJX_EREQUIRED, path, "needs %s or %s",
                             any_of_rules[i].one, any_of_rules[i].other);
    }
    return CJX_OK;
}

/* ---- rules between fields ---- */

enum { ORD_DATE, ORD_NUMBER, ORD_SKILL };

/* lo must not be above hi (strict: must be below it), wherever a message has
 * both fields. Dates are compared only when both are given; hi_optional
 * skips the rule when hi is 0 (not stated). The fault names the field
 * `blame` and says `why`. */
static const struct order_rule {
    const char *lo, *hi, *blame, *why;
    int kind, strict, hi_optional;
    cjx_err code;
} order_rules[] = {
    {"valid_from", "valid_until", "valid_until", "must be after valid_from",
     ORD_DATE, 1, 0, CJX_EDATE},
    {"start_date", "end_date", "end_date", "must not be before start_date",
     ORD_DATE, 0, 0, CJX_EDATE},
    {"pay_min_yuan", "pay_max_yuan", "pay_max_yuan",
     "must not be below pay_min_yuan", ORD_NUMBER, 0, 1, CJX_ERANGE},
    {"practice_hours", "total_hours", "practice_hours",
     "must not exceed total_hours", ORD_NUMBER, 0, 0, CJX_ERANGE},
    {"technical_posts", "employees", "technical_posts",
     "must not exceed employees", ORD_NUMBER, 0, 0, CJX_ERANGE},
    {"training_fund_front_line_yuan", "training_fund_spent_yuan",
     "training_fund_front_line_yuan", "must not exceed training_fund_spent_yuan",
     ORD_NUMBER, 0, 0, CJX_ERANGE},
    {"skill_level_before", "skill_level_after", "skill_level_after",
     "must not be below skill_level_before", ORD_SKILL, 0, 0, CJX_ERANGE},
};

/* Rank of a SkillLevel: SKILL_NONE 0, SKILL_LEVEL_5 (初级工) 1 … SKILL_LEVEL_1
 * (高级技师) 5. */
static long long skill_rank(long long level)
{
    return level == 0 ? 0 : 6 - level;
}

/* Reads field name of m as a comparable number into *out and its text into
 * txt; returns 0 when the rule does not apply (a date not given). */
static int order_value(const ProtobufCMessage *m, const char *name, int kind,
                       long long *out, char *txt, size_t size)
{
    const ProtobufCFieldDescriptor *fd = field(m, name);
    if (kind == ORD_DATE) {
        const char *s = cjx_vr_string_of(m, fd);
        int days;
        if (!*s || cjx_date_parse(s, &days) != CJX_OK)
            return 0;
        *out = days;
        snprintf(txt, size, "%s", s);
        return 1;
    }
    cjx_vr_int_of(m, fd, out);
    const ProtobufCEnumValue *ev =
        kind == ORD_SKILL
            ? protobuf_c_enum_descriptor_get_value(fd->descriptor, (int)*out)
            : NULL;
    if (ev)
        snprintf(txt, size, "%s", ev->name);
    else
        snprintf(txt, size, "%lld", *out);
    if (kind == ORD_SKILL)
        *out = skill_rank(*out);
    return 1;
}

/* Applies rule r to m, which has both of its fields. */
static cjx_err check_order(const cjx_vctx *x, const struct order_rule *r,
                           const ProtobufCMessage *m, const char *path)
{
    long long lo, hi;
    char lo_txt[32], hi_txt[32];
    if (!order_value(m, r->lo, r->kind, &lo, lo_txt, sizeof lo_txt) ||
        !order_value(m, r->hi, r->kind, &hi, hi_txt, sizeof hi_txt))
        return CJX_OK;
    if ((r->hi_optional && hi == 0) || (r->strict ? lo < hi : lo <= hi))
        return CJX_OK;
    char fpath[CJX_VR_PATH];
    cjx_vr_join(fpath, path, r->blame);
    return cjx_fault_set(x->f, r->code, fpath, "%s (%s %s, %s %s)", r->why,
                         r->lo, lo_txt, r->hi, hi_txt);
}

cjx_err cjx_vr_cross(const cjx_vctx *x, const ProtobufCMessage *m,
                     const char *path)
{
    for (size_t i = 0; i < N_OF(order_rules); i++) {
        const struct order_rule *r = &order_rules[i];
        if (!field(m, r->lo) || !field(m, r->hi))
            continue;
        cjx_err rc = check_order(x, r, m, path);
        if (rc)
            return rc;
    }
    return CJX_OK;
}

/* ---- postings that recruit people ---- */

/* Posting fields a kind of posting must fill beyond the common ones (the
 * national rules on online job postings ask for the requirements). */
static const struct {
    const char *kind, *field;
} kind_required[] = {
    {"job", "requirements"},
};

/* Kinds whose postings recruit people, and the text fields (of the posting
 * and of its detail) scanned for discriminatory wording. */
static const char *const recruiting_kinds[] = {"job", "internship",
                                               "apprenticeship",
                                               "order_training"};
static const char *const scanned_fields[] = {"title", "description",
                                             "requirements", "content"};

/* Wording that restricts by sex, marital or childbearing status, household
 * registration, ethnicity or health (Employment Promotion Law ch. 3; MOHRSS
 * rules on recruitment information). Phrases, not single words, so that
 * "性别不限" or "不限男女" pass. */
static const char *const discriminatory[] = {
    "限男性", "限女性", "仅限男", "仅限女", "只招男", "只招女",
    "不招女", "不招男", "男性优先", "女性优先", "男士优先", "女士优先",
    "男生优先", "女生优先", "已婚已育", "未婚", "未育",
    "限本地户口", "本地户口优先", "限本地户籍", "本地户籍优先",
    "限汉族", "汉族优先", "乙肝", "身高要求",
};

/* Scans the text fields of m (at path) for discriminatory wording. */
static cjx_err scan(const cjx_vctx *x, const ProtobufCMessage *m,
                    const char *path)
{
    for (size_t i = 0; i < N_OF(scanned_fields); i++) {
        const ProtobufCFieldDescriptor *fd = field(m, scanned_fields[i]);
        const char *s = fd ? cjx_vr_string_of(m, fd) : "";
        for (size_t j = 0; j < N_OF(discriminatory) && *s; j++) {
            if (!strstr(s, discriminatory[j]))
                continue;
            char fpath[CJX_VR_PATH];
            cjx_vr_join(fpath, path, scanned_fields[i]);
            return cjx_fault_set(x->f, CJX_EWORDING, fpath,
                                 "contains discriminatory wording \"%s\"",
                                 discriminatory[j]);
        }
    }
    return CJX_OK;
}

cjx_err cjx_vr_item(const cjx_vctx *x, const Cjx__Item *item)
{
    if (item->body_case != CJX__ITEM__BODY_POSTING || !item->posting)
        return CJX_OK;
    const ProtobufCMessage *posting = &item->posting->base;
    const ProtobufCFieldDescriptor *kfd = cjx_vr_oneof(posting);
    if (!kfd)
        return CJX_OK;
    const char *kind = kfd->name;
    char path[CJX_VR_PATH];
    for (size_t i = 0; i < N_OF(kind_required); i++) {
        if (strcmp(kind_required[i].kind, kind) != 0 ||
            !missing(posting, kind_required[i].field))
            continue;
        cjx_vr_join(path, "posting", kind_required[i].field);
        return cjx_fault_set(x->f, CJX_EREQUIRED, path,
                             "required in a %s posting", kind);
    }
    if (!in_list(recruiting_kinds, N_OF(recruiting_kinds), kind))
        return CJX_OK;
    cjx_err rc = scan(x, posting, "posting");
    if (rc)
        return rc;
    cjx_vr_join(path, "posting", kind);
    return scan(x, *(const ProtobufCMessage *const *)cjx_vr_value(posting, kfd),
                path);
}

/* ---- consistency of the tables with the schema ---- */

/* True when a message type reachable from d, called type (any, if NULL),
 * has a field called name. */
static int schema_has(const ProtobufCMessageDescriptor *d, const char *type,
                      const char *name, int depth)
{
    if ((!type || strcmp(d->name, type) == 0) &&
        protobuf_c_message_descriptor_get_field_by_name(d, name))
        return 1;
    for (unsigned i = 0; i < d->n_fields && depth < 8; i++)
        if (d->fields[i].type == PROTOBUF_C_TYPE_MESSAGE &&
            schema_has(d->fields[i].descriptor, type, name, depth + 1))
            return 1;
    return 0;
}

#define HAS(type, name) schema_has(&cjx__item__descriptor, type, name, 0)

const char *cjx_vr_table_check(void)
{
    for (size_t i = 0; i < N_OF(required_rules); i++)
        for (size_t j = 0; j < N_OF(required_rules[i].fields); j++)
            if (required_rules[i].fields[j] &&
                !HAS(required_rules[i].message, required_rules[i].fields[j]))
                return required_rules[i].fields[j];
    for (size_t i = 0; i < N_OF(any_of_rules); i++)
        if (!HAS(any_of_rules[i].message, any_of_rules[i].one) ||
            !HAS(any_of_rules[i].message, any_of_rules[i].other))
            return any_of_rules[i].message;
    for (size_t i = 0; i < N_OF(kind_required); i++)
        if (!HAS("cjx.Posting", kind_required[i].kind) ||
            !HAS("cjx.Posting", kind_required[i].field))
            return kind_required[i].field;
    for (size_t i = 0; i < N_OF(recruiting_kinds); i++)
        if (!HAS("cjx.Posting", recruiting_kinds[i]))
            return recruiting_kinds[i];
    for (size_t i = 0; i < N_OF(order_rules); i++)
        if (!HAS(NULL, order_rules[i].lo) || !HAS(NULL, order_rules[i].hi))
            return order_rules[i].lo;
    return NULL;
}

/* validate_messages.c — the rules about whole messages and items, as tables
 * keyed by message and field names, and the functions that apply them:
 * required fields, order between two fields of a message (dates, amounts,
 * skill levels), and what postings that recruit people must and must not
 * say.
 *
 * The names in the tables are resolved once per message type, when the plan
 * is built (cjx_vr_bind_message): each rule row that applies to a type is
 * bound to the field descriptors it reads, so applying the rules compares no
 * names. A rule is added here as a table row, not as code for one message
 * type; cjx_vr_table_check (run by the unit tests) makes sure every name in
 * these tables exists in the schema.
 */
#include "validate_rules.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the tables ---- */

/* Fields each message type must carry; empty strings and 0 count as
 * missing, so a posting detail listing headcount needs headcount >= 1. */
static const struct {
    const char *message;
    const char *fields[6];
} required_rules[] = {
    {"cjx.Posting", {"ref", "title", "valid_from", "valid_until", "division_code"}},
    {"cjx.JobPosting", {"headcount", "employer_name", "content",
                        "pay_min_yuan"}},
    {"cjx.InternshipPosting", {"headcount"}},
    {"cjx.ApprenticeshipPosting", {"headcount"}},
    {"cjx.OrderTrainingPosting", {"headcount"}},
    {"cjx.TeacherPracticePosting", {"headcount"}},
    {"cjx.TechServicePosting", {"direction"}},
    {"cjx.Notice", {"body"}},
    {"cjx.Record", {"ref", "year"}},
    {"cjx.StatusChange", {"ref", "status"}},
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
    {"cjx.RecommendationOptOut", {"person", "opt_out_date"}},
};

/* Messages that need at least one of two fields. */
static const struct {
    const char *message;
    const char *one, *other;
} any_of_rules[] = {
    {"cjx.Person", "pseudonym", "pii_id_number"},
};

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
    {"opt_out_date", "lifted_date", "lifted_date", "must not be before opt_out_date",
     ORD_DATE, 0, 0, CJX_EDATE},
    {"skill_level_before", "skill_level_after", "skill_level_after",
     "must not be below skill_level_before", ORD_SKILL, 0, 0, CJX_ERANGE},
};

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

/* The wording scan keeps the phrases found as bits of a uint64_t. */
_Static_assert(N_OF(discriminatory) <= 64, "too many phrases for a mask");

/* ---- required fields ---- */

cjx_err cjx_vr_required(const cjx_vctx *x, const ProtobufCMessage *m,
                        const cjx_vmsg *vm, const cjx_vpath *at)
{
    for (unsigned i = 0; i < vm->required.n; i++) {
        const ProtobufCFieldDescriptor *fd = vm->required.v[i].a;
        if (!cjx_vr_empty(m, fd))
            continue;
        long long n;
        return cjx_vr_fault(x, CJX_EREQUIRED, at, fd->name, "required%s",
                            cjx_vr_int_of(m, fd, &n) ? " (0 counts as missing)"
                                                     : "");
    }
    for (unsigned i = 0; i < vm->any_of.n; i++) {
        const cjx_vcheck *c = &vm->any_of.v[i];
        if (cjx_vr_empty(m, c->a) && cjx_vr_empty(m, c->b))
            return cjx_vr_fault(x, CJX_EREQUIRED, at, NULL, "needs %s or %s",
                                c->a->name, c->b->name);
    }
    return CJX_OK;
}

/* ---- rules between fields ---- */

/* Rank of a SkillLevel: SKILL_NONE 0, SKILL_LEVEL_5 (初级工) 1 … SKILL_LEVEL_1
 * (高级技师) 5. */
static long long skill_rank(long long level)
{
    return level == 0 ? 0 : 6 - level;
}

/* Reads field fd of m as a comparable number into *out; returns 0 when the
 * rule does not apply (a date not given). */
static int order_value(const ProtobufCMessage *m,
                       const ProtobufCFieldDescriptor *fd, int kind,
                       long long *out)
{
    if (kind == ORD_DATE) {
        const char *s = cjx_vr_string_of(m, fd);
        int days;
        if (!*s || cjx_date_parse(s, &days) != CJX_OK)
            return 0;
        *out = days;
        return 1;
    }
    cjx_vr_int_of(m, fd, out);
    if (kind == ORD_SKILL)
        *out = skill_rank(*out);
    return 1;
}

/* Writes fd's value in m as a fault text shows it into txt. */
static void order_text(const ProtobufCMessage *m,
                       const ProtobufCFieldDescriptor *fd, int kind, char *txt,
                       size_t size)
{
    long long n;
    if (kind == ORD_DATE) {
        snprintf(txt, size, "%s", cjx_vr_string_of(m, fd));
        return;
    }
    cjx_vr_int_of(m, fd, &n);
    const ProtobufCEnumValue *ev =
        kind == ORD_SKILL
            ? protobuf_c_enum_descriptor_get_value(fd->descriptor, (int)n)
            : NULL;
    if (ev)
        snprintf(txt, size, "%s", ev->name);
    else
        snprintf(txt, size, "%lld", n);
}

/* Applies order rule c to m. */
static cjx_err check_order(const cjx_vctx *x, const cjx_vcheck *c,
                           const ProtobufCMessage *m, const cjx_vpath *at)
{
    const struct order_rule *r = c->rule;
    long long lo, hi;
    if (!order_value(m, c->a, r->kind, &lo) ||
        !order_value(m, c->b, r->kind, &hi))
        return CJX_OK;
    if ((r->hi_optional && hi == 0) || (r->strict ? lo < hi : lo <= hi))
        return CJX_OK;
    char lo_txt[32], hi_txt[32];
    order_text(m, c->a, r->kind, lo_txt, sizeof lo_txt);
    order_text(m, c->b, r->kind, hi_txt, sizeof hi_txt);
    return cjx_vr_fault(x, r->code, at, r->blame, "%s (%s %s, %s %s)", r->why,
                        r->lo, lo_txt, r->hi, hi_txt);
}

cjx_err cjx_vr_cross(const cjx_vctx *x, const ProtobufCMessage *m,
                     const cjx_vmsg *vm, const cjx_vpath *at)
{
    for (unsigned i = 0; i < vm->order.n; i++) {
        cjx_err rc = check_order(x, &vm->order.v[i], m, at);
        if (rc)
            return rc;
    }
    return CJX_OK;
}

/* ---- postings that recruit people ---- */

/* The phrases as a filter on their first three bytes: bit j of byte_k[b] is
 * set when phrase j has byte b at position k, or is shorter than k + 1.
 * Where the filter lets a phrase through, strncmp decides. Built by
 * cjx_vr_bind_wording, read-only afterwards. */
static uint64_t byte_k[3][256];

void cjx_vr_bind_wording(void)
{
    memset(byte_k, 0, sizeof byte_k);
    for (size_t j = 0; j < N_OF(discriminatory); j++) {
        const unsigned char *p = (const unsigned char *)discriminatory[j];
        size_t len = strlen(discriminatory[j]);
        for (size_t k = 0; k < 3; k++)
            for (unsigned b = 0; b < 256; b++)
                if (k >= len || p[k] == b)
                    byte_k[k][b] |= (uint64_t)1 << j;
    }
}

/* The index in discriminatory of the first phrase (in table order) that s
 * contains, or -1: what trying strstr with each phrase in turn finds, in one
 * pass over s. */
static int first_phrase(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    int best = -1;
    for (; *p; p++) {
        uint64_t m = byte_k[0][p[0]];
        if (m && p[1]) {
            m &= byte_k[1][p[1]];
            if (m && p[2])
                m &= byte_k[2][p[2]];
        }
        if (best >= 0)
            m &= ((uint64_t)1 << best) - 1;  /* only earlier phrases matter */
        for (; m; m &= m - 1) {
            int j = __builtin_ctzll(m);
            const char *ph = discriminatory[j];
            if (strncmp((const char *)p, ph, strlen(ph)) == 0) {
                best = j;
                break;                  /* the lowest bit is the earliest */
            }
        }
        if (best == 0)
            break;
    }
    return best;
}

/* Scans the text fields of m (planned as vm, at at) for discriminatory
 * wording. */
static cjx_err scan(const cjx_vctx *x, const ProtobufCMessage *m,
                    const cjx_vmsg *vm, const cjx_vpath *at)
{
    for (unsigned i = 0; i < vm->scanned.n; i++) {
        const ProtobufCFieldDescriptor *fd = vm->scanned.v[i].a;
        int j = first_phrase(cjx_vr_string_of(m, fd));
        if (j >= 0)
            return cjx_vr_fault(x, CJX_EWORDING, at, fd->name,
                                "contains discriminatory wording \"%s\"",
                                discriminatory[j]);
    }
    return CJX_OK;
}

/* A posting is published open; only its publisher's fill or withdrawal and
 * the hub's expiry close it. */
static cjx_err check_status(const cjx_vctx *x, const Cjx__Item *item)
{
    cjx_vpath posting = {NULL, "posting", -1}, change = {NULL, "status_change", -1};
    if (item->body_case == CJX__ITEM__BODY_POSTING &&
        item->posting->status != CJX__POSTING_STATUS__STATUS_OPEN)
        return cjx_vr_fault(x, CJX_ERANGE, &posting, "status",
                            "a posting is published open; close it with a status change "
                            "(cjx fill, cjx withdraw)");
    if (item->body_case == CJX__ITEM__BODY_STATUS_CHANGE &&
        item->status_change->status != CJX__POSTING_STATUS__STATUS_FILLED &&
        item->status_change->status != CJX__POSTING_STATUS__STATUS_WITHDRAWN)
        return cjx_vr_fault(x, CJX_ERANGE, &change, "status",
                            "a publisher sets STATUS_FILLED or STATUS_WITHDRAWN; the hub "
                            "expires postings at valid_until");
    return CJX_OK;
}

cjx_err cjx_vr_item(const cjx_vctx *x, const Cjx__Item *item)
{
    cjx_err rc = check_status(x, item);
    if (rc || item->body_case != CJX__ITEM__BODY_POSTING || !item->posting)
        return rc;
    const ProtobufCMessage *posting = &item->posting->base;
    const ProtobufCFieldDescriptor *kfd = cjx_vr_oneof(posting);
    const cjx_vmsg *vm = cjx_vr_plan(posting->descriptor);
    if (!kfd || !vm)
        return CJX_OK;
    const cjx_vfield *kind = &vm->fields[kfd - posting->descriptor->fields];
    cjx_vpath at = {NULL, "posting", -1};
    for (unsigned i = 0; i < kind->kind_required.n; i++) {
        const ProtobufCFieldDescriptor *fd = kind->kind_required.v[i].a;
        if (cjx_vr_empty(posting, fd))
            return cjx_vr_fault(x, CJX_EREQUIRED, &at, fd->name,
                                "required in a %s posting", kfd->name);
    }
    if (!kind->recruiting)
        return CJX_OK;
    rc = scan(x, posting, vm, &at);
    if (rc)
        return rc;
    const ProtobufCMessage *detail =
        *(const ProtobufCMessage *const *)cjx_vr_value(posting, kfd);
    const cjx_vmsg *dvm = cjx_vr_plan_of(kind->sub, detail);
    cjx_vpath dat = {&at, kfd->name, -1};
    return dvm ? scan(x, detail, dvm, &dat) : CJX_OK;
}

/* ---- binding ---- */

/* Appends a check to pool; returns 0 when it is full. */
static int push(cjx_vpool *pool, const void *rule,
                const ProtobufCFieldDescriptor *a,
                const ProtobufCFieldDescriptor *b)
{
    if (pool->n == pool->cap)
        return 0;
    pool->v[pool->n++] = (cjx_vcheck){rule, a, b};
    return 1;
}

/* The checks appended to pool since it held `start`. */
static cjx_vspan since(const cjx_vpool *pool, unsigned start)
{
    return (cjx_vspan){pool->v + start, pool->n - start};
}

/* True when name is one of the n strings in list. */
static int in_list(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

#define FIELD(d, name) protobuf_c_message_descriptor_get_field_by_name(d, name)

/* A row naming a field d lacks does not apply to d, as it never did. */
int cjx_vr_bind_message(cjx_vmsg *vm, cjx_vfield *fields, cjx_vpool *pool)
{
    const ProtobufCMessageDescriptor *d = vm->d;
    const ProtobufCFieldDescriptor *a, *b;
    unsigned start = pool->n;
    for (size_t i = 0; i < N_OF(required_rules); i++) {
        if (strcmp(required_rules[i].message, d->name) != 0)
            continue;
        for (size_t j = 0; j < N_OF(required_rules[i].fields); j++)
            if (required_rules[i].fields[j] &&
                (a = FIELD(d, required_rules[i].fields[j])) &&
                !push(pool, NULL, a, NULL))
                return 0;
    }
    vm->required = since(pool, start);

    start = pool->n;
    for (size_t i = 0; i < N_OF(any_of_rules); i++)
        if (strcmp(any_of_rules[i].message, d->name) == 0 &&
            (a = FIELD(d, any_of_rules[i].one)) &&
            (b = FIELD(d, any_of_rules[i].other)) &&
            !push(pool, &any_of_rules[i], a, b))
            return 0;
    vm->any_of = since(pool, start);

    start = pool->n;
    for (size_t i = 0; i < N_OF(order_rules); i++)
        if ((a = FIELD(d, order_rules[i].lo)) &&
            (b = FIELD(d, order_rules[i].hi)) &&
            !push(pool, &order_rules[i], a, b))
            return 0;
    vm->order = since(pool, start);

    start = pool->n;
    for (size_t i = 0; i < N_OF(scanned_fields); i++)
        if ((a = FIELD(d, scanned_fields[i])) && !push(pool, NULL, a, NULL))
            return 0;
    vm->scanned = since(pool, start);

    for (unsigned f = 0; f < d->n_fields; f++) {
        const char *kind = fields[f].fd->name;
        start = pool->n;
        for (size_t i = 0; i < N_OF(kind_required); i++)
            if (strcmp(kind_required[i].kind, kind) == 0 &&
                (a = FIELD(d, kind_required[i].field)) &&
                !push(pool, &kind_required[i], a, NULL))
                return 0;
        fields[f].kind_required = since(pool, start);
        fields[f].recruiting = (unsigned char)in_list(
            recruiting_kinds, N_OF(recruiting_kinds), kind);
    }
    return 1;
}

/* ---- consistency of the tables with the schema ---- */

/* True when a message type reachable from d, called type (any, if NULL),
 * has a field called name. */
static int schema_has(const ProtobufCMessageDescriptor *d, const char *type,
                      const char *name, int depth)
{
    if ((!type || strcmp(d->name, type) == 0) && FIELD(d, name))
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

/* policy.c — the sharing policy: which kinds of item each kind of
 * institution may publish, and which other institutions' records it may
 * read. Both come from the hub's configuration ([publish] and [read], one
 * key per institution kind, comma-separated item kinds) with defaults taken
 * from the plan: enterprises post jobs, internships, apprenticeships,
 * teacher-practice posts, R&D calls and technical services and report their
 * census; colleges and schools offer courses and teaching resources and
 * report programmes, placements and graduate outcomes; bureaus post notices
 * and read the records their remit covers. [personal] names, by record
 * kind, the institutions that may receive the records' personal fields
 * (audit.c); by default none does.
 */
#include <stdio.h>
#include <string.h>

#include "codes.h"
#include "filter.h"
#include "hub.h"

#define ENTERPRISE_POSTS                                                                       \
    "job, internship, apprenticeship, order_training, teacher_practice, rd_call, tech_service, " \
    "cooperation, practice_site, enterprise_census, training_completion, recommendation_opt_out"
#define SCHOOL_POSTS                                                                           \
    "training_course, teaching_resource, order_training, tech_service, cooperation, "           \
    "programme_record, internship_placement, teacher_placement, graduate_outcome, "             \
    "training_completion, recommendation_opt_out"
#define ALL_RECORDS                                                                            \
    "internship_placement, teacher_placement, training_completion, graduate_outcome, "          \
    "enterprise_census, programme_record"

#define KEY(section, name, field, def, help) \
    {section, name, CJX_CONF_STR, 0, 0, def, offsetof(cjx_hub_config, field), help}

/* [personal]: by record kind, the credit codes that may receive the
 * records' personal fields (none by default: pseudonyms only). */
#define PERSONAL_KEY(detail, name)                                                      \
    KEY("personal", name, personal[(detail) - CJX__RECORD__DETAIL_INTERNSHIP_PLACEMENT], "", \
        "credit codes that receive the personal fields of " name " records")

const cjx_conf_key cjx_hub_policy_keys[] = {
    KEY("publish", "college", publish[CJX__INSTITUTION_KIND__INSTITUTION_COLLEGE], SCHOOL_POSTS,
        "kinds of item colleges may publish"),
    KEY("publish", "school", publish[CJX__INSTITUTION_KIND__INSTITUTION_SCHOOL], SCHOOL_POSTS,
        "kinds of item secondary vocational and technician schools may publish"),
    KEY("publish", "enterprise", publish[CJX__INSTITUTION_KIND__INSTITUTION_ENTERPRISE],
        ENTERPRISE_POSTS, "kinds of item enterprises may publish"),
    KEY("publish", "bureau", publish[CJX__INSTITUTION_KIND__INSTITUTION_BUREAU], "notice",
        "kinds of item bureaus may publish"),
    KEY("publish", "vocational_group", publish[CJX__INSTITUTION_KIND__INSTITUTION_VOCATIONAL_GROUP],
        "training_course, teaching_resource, cooperation, notice",
        "kinds of item vocational education groups may publish"),
    KEY("read", "college", read[CJX__INSTITUTION_KIND__INSTITUTION_COLLEGE], "",
        "kinds of record colleges may read from other institutions"),
    KEY("read", "school", read[CJX__INSTITUTION_KIND__INSTITUTION_SCHOOL], "",
        "kinds of record schools may read from other institutions"),
    KEY("read", "enterprise", read[CJX__INSTITUTION_KIND__INSTITUTION_ENTERPRISE], "",
        "kinds of record enterprises may read from other institutions"),
    KEY("read", "bureau", read[CJX__INSTITUTION_KIND__INSTITUTION_BUREAU], ALL_RECORDS,
        "kinds of record bureaus may read from other institutions"),
    KEY("read", "vocational_group", read[CJX__INSTITUTION_KIND__INSTITUTION_VOCATIONAL_GROUP], "",
        "kinds of record vocational education groups may read from other institutions"),
    PERSONAL_KEY(CJX__RECORD__DETAIL_INTERNSHIP_PLACEMENT, "internship_placement"),
    PERSONAL_KEY(CJX__RECORD__DETAIL_TEACHER_PLACEMENT, "teacher_placement"),
    PERSONAL_KEY(CJX__RECORD__DETAIL_TRAINING_COMPLETION, "training_completion"),
    PERSONAL_KEY(CJX__RECORD__DETAIL_GRADUATE_OUTCOME, "graduate_outcome"),
    PERSONAL_KEY(CJX__RECORD__DETAIL_ENTERPRISE_CENSUS, "enterprise_census"),
    PERSONAL_KEY(CJX__RECORD__DETAIL_PROGRAMME_RECORD, "programme_record"),
    PERSONAL_KEY(CJX__RECORD__DETAIL_RECOMMENDATION_OPT_OUT, "recommendation_opt_out"),
    {NULL, NULL, 0, 0, 0, NULL, 0, NULL},
};

/* Institution kinds as the [publish] and [read] keys name them. */
static const char *const kind_names[CJX_POLICY_KINDS] = {
    "unspecified", "college", "school", "enterprise", "bureau", "vocational_group"};

const char *cjx_policy_kind_name(int inst_kind)
{
    return kind_names[inst_kind >= 0 && inst_kind < CJX_POLICY_KINDS ? inst_kind : 0];
}

/* The bit of an item kind in a policy mask: its place among the posting and
 * record details of the schema; -1 when unknown. */
static int kind_bit(const char *kind)
{
    const ProtobufCMessageDescriptor *ds[] = {&cjx__posting__descriptor,
                                              &cjx__record__descriptor};
    int bit = 0;
    for (size_t d = 0; d < 2; d++)
        for (unsigned i = 0; i < ds[d]->n_fields; i++)
            if (ds[d]->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
                if (strcmp(ds[d]->fields[i].name, kind) == 0)
                    return bit;
                bit++;
            }
    return -1;
}

/* Turns one comma-separated list into a mask; refuses unknown kinds, and
 * for `read`, kinds that are not records. */
static cjx_err parse_list(const char *list, const char *field, int records_only, uint64_t *mask,
                          cjx_fault *f)
{
    char copy[CJX_CONF_STRMAX], *save = NULL;
    snprintf(copy, sizeof copy, "%s", list);
    *mask = 0;
    for (char *k = strtok_r(copy, ", ", &save); k; k = strtok_r(NULL, ", ", &save)) {
        int bit = kind_bit(k);
        if (bit < 0 || bit >= 64 || (records_only && !cjx_kind_is_record(k)))
            return cjx_fault_set(f, CJX_ECONFIG, field, "\"%s\" is not a kind of %s", k,
                                 records_only ? "record" : "item");
        *mask |= (uint64_t)1 << bit;
    }
    return CJX_OK;
}

/* Checks that a [personal] list holds credit codes. */
static cjx_err check_receivers(const char *list, const char *field, cjx_fault *f)
{
    char copy[CJX_CONF_STRMAX], *save = NULL;
    snprintf(copy, sizeof copy, "%s", list);
    for (char *c = strtok_r(copy, ", ", &save); c; c = strtok_r(NULL, ", ", &save))
        if (cjx_code_uscc(c) != CJX_OK)
            return cjx_fault_set(f, CJX_ECONFIG, field,
                                 "\"%s\" is not a valid unified social credit code", c);
    return CJX_OK;
}

cjx_err cjx_policy_open(cjx_hub *h, cjx_fault *f)
{
    for (const cjx_conf_key *k = cjx_hub_policy_keys; k->name; k++) {
        char field[80];
        snprintf(field, sizeof field, "%s.%s", k->section, k->name);
        if (strcmp(k->section, "personal") == 0) {
            cjx_err rc = check_receivers((const char *)&h->cfg + k->offset, field, f);
            if (rc)
                return rc;
            continue;
        }
        int reading = strcmp(k->section, "read") == 0;
        size_t kind = (k->offset - (reading ? offsetof(cjx_hub_config, read)
                                            : offsetof(cjx_hub_config, publish))) /
                      CJX_CONF_STRMAX;
        cjx_err rc = parse_list((const char *)&h->cfg + k->offset, field, reading,
                                reading ? &h->may_read[kind] : &h->may_publish[kind], f);
        if (rc)
            return rc;
    }
    return CJX_OK;
}

cjx_err cjx_policy_may_publish(const cjx_hub *h, int inst_kind, const char *item_kind,
                               const char *body, cjx_fault *f)
{
    int bit = kind_bit(item_kind);
    int allowed = inst_kind > 0 && inst_kind < CJX_POLICY_KINDS && bit >= 0 &&
                  (h->may_publish[inst_kind] & ((uint64_t)1 << bit));
    if (allowed)
        return CJX_OK;
    char field[80]; /* only for the refusal: most publishes never need it */
    snprintf(field, sizeof field, "%s.%s", body, item_kind);
    if (inst_kind <= 0 || inst_kind >= CJX_POLICY_KINDS)
        return cjx_fault_set(f, CJX_EFORBIDDEN, field,
                             "the registry gives this institution no kind, so it may publish "
                             "nothing (set kind in the agent's configuration, or ask the "
                             "operator)");
    return cjx_fault_set(f, CJX_EFORBIDDEN, field,
                         "an institution of kind %s may not publish %s (policy: [publish] %s)",
                         kind_names[inst_kind], item_kind, kind_names[inst_kind]);
}

static int may_read_bit(const cjx_hub *h, int inst_kind, int bit)
{
    return inst_kind > 0 && inst_kind < CJX_POLICY_KINDS && bit >= 0 &&
           (h->may_read[inst_kind] & ((uint64_t)1 << bit));
}

int cjx_policy_may_read(const cjx_hub *h, int inst_kind, const char *item_kind)
{
    return may_read_bit(h, inst_kind, kind_bit(item_kind));
}

cjx_policy_entry cjx_policy_entry_of(const Cjx__Stored *st)
{
    int record = cjx_state_class(st->kind) == CJX_CLASS_RECORD;
    return (cjx_policy_entry){st->origin, record, record ? kind_bit(st->kind) : -1};
}

int cjx_policy_may_see_entry(const cjx_hub *h, const cjx_session *s, const cjx_policy_entry *e)
{
    return s->operator_ || !e->record || strcmp(e->origin, s->code) == 0 ||
           may_read_bit(h, s->kind, e->kind_bit);
}

int cjx_policy_may_see(const cjx_hub *h, const cjx_session *s, const Cjx__Stored *st)
{
    cjx_policy_entry e = cjx_policy_entry_of(st);
    return cjx_policy_may_see_entry(h, s, &e);
}

int cjx_policy_may_see_packed(const cjx_hub *h, const cjx_session *s, const void *data,
                              size_t len)
{
    Cjx__Stored *st = cjx__stored__unpack(NULL, len, data);
    int ok = st && cjx_policy_may_see(h, s, st);
    if (st)
        cjx__stored__free_unpacked(st, NULL);
    return ok;
}

/* The [personal] list for a record kind, or NULL. */
static const char *personal_list(const cjx_hub *h, const char *item_kind)
{
    for (const cjx_conf_key *k = cjx_hub_policy_keys; k->name; k++)
        if (strcmp(k->section, "personal") == 0 && strcmp(k->name, item_kind) == 0)
            return (const char *)&h->cfg + k->offset;
    return NULL;
}

int cjx_policy_personal_receiver(const cjx_hub *h, const char *item_kind, const char *code)
{
    const char *list = personal_list(h, item_kind);
    size_t n = strlen(code);
    for (const char *p = list ? strstr(list, code) : NULL; n && p; p = strstr(p + 1, code))
        if ((p == list || strchr(", ", p[-1])) && strchr(", ", p[n])) /* a whole entry */
            return 1;
    return 0;
}

size_t cjx_policy_personal_kinds(const cjx_hub *h, char **kinds, size_t max)
{
    size_t n = 0;
    for (const cjx_conf_key *k = cjx_hub_policy_keys; k->name && n < max; k++)
        if (strcmp(k->section, "personal") == 0 && strspn((const char *)&h->cfg + k->offset, ", ") !=
                                                        strlen((const char *)&h->cfg + k->offset))
            kinds[n++] = (char *)k->name;
    return n;
}

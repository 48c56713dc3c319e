/* validate.c — item validation: opening the catalogues, the item's kind, and
 * the one generic routine that walks any message through its protobuf-c
 * descriptor (fields, repeated fields, nested messages, oneofs) and hands
 * each value to the rules in validate_rules.c and validate_messages.c.
 *
 * The walker knows no message type by name: a field added to
 * proto/domain.proto that follows the naming conventions stated there is
 * validated without code changes. It follows the plan (validate_plan.c), in
 * which the rules each field's name selects were resolved once, and keeps the
 * path of the value it is at as segments on its stack. Validation stops at
 * the first broken rule and reports it with the field's dotted path
 * ("posting.job.headcount", "posting.major_codes[1]"), written only then.
 */
#include "validate.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "validate_rules.h"

/* Schema messages nest four deep at most; anything deeper is not ours. */
#define MAX_DEPTH 16
/* Entries of one repeated field (major codes of a posting and the like). */
#define MAX_REPEATED 64

/* ---- catalogues ---- */

/* Loads <dir>/<file> into *out; the fault names the file. */
static cjx_err load(const char *dir, const char *file, cjx_catalog **out,
                    cjx_fault *f)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, file);
    if (n < 0 || (size_t)n >= sizeof path)
        return cjx_fault_set(f, CJX_EINVAL, "", "config path too long: %s",
                             dir);
    return cjx_catalog_load(path, out, f);
}

cjx_err cjx_validator_open(cjx_validator *v, const char *dir, cjx_fault *f)
{
    if (!v || !dir)
        return cjx_fault_set(f, CJX_EINVAL, "", "no validator or directory");
    /* resolve the rules now rather than on the first item */
    if (!cjx_vr_plan(&cjx__item__descriptor))
        return cjx_fault_set(f, CJX_EINVAL, "",
                             "the validation plan does not fit its storage");
    cjx_catalog *majors = NULL, *divisions = NULL;
    v->majors = v->divisions = NULL;
    cjx_err rc = load(dir, "majors.csv", &majors, f);
    if (rc)
        goto fail;
    rc = load(dir, "divisions.csv", &divisions, f);
    if (rc)
        goto fail;
    v->majors = majors;
    v->divisions = divisions;
    return CJX_OK;
fail:
    cjx_catalog_destroy(&majors);
    cjx_catalog_destroy(&divisions);
    return rc;
}

/* The fields are const because validation only reads them; catalogues put
 * there by cjx_validator_open belong to the validator and are freed here. */
void cjx_validator_close(cjx_validator *v)
{
    if (!v)
        return;
    cjx_catalog *majors = (cjx_catalog *)v->majors;
    cjx_catalog *divisions = (cjx_catalog *)v->divisions;
    cjx_catalog_destroy(&majors);
    cjx_catalog_destroy(&divisions);
    v->majors = v->divisions = NULL;
}

/* ---- field access ---- */

const void *cjx_vr_value(const ProtobufCMessage *m,
                         const ProtobufCFieldDescriptor *fd)
{
    return (const char *)m + fd->offset;
}

static const void *quantifier(const ProtobufCMessage *m,
                              const ProtobufCFieldDescriptor *fd)
{
    return (const char *)m + fd->quantifier_offset;
}

int cjx_vr_is_set(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd)
{
    if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)quantifier(m, fd) == fd->id;
    if (fd->label == PROTOBUF_C_LABEL_OPTIONAL &&
        fd->type != PROTOBUF_C_TYPE_STRING &&
        fd->type != PROTOBUF_C_TYPE_MESSAGE)
        return *(const protobuf_c_boolean *)quantifier(m, fd) != 0;
    return 1;
}

const char *cjx_vr_string_of(const ProtobufCMessage *m,
                             const ProtobufCFieldDescriptor *fd)
{
    if (fd->type != PROTOBUF_C_TYPE_STRING ||
        fd->label == PROTOBUF_C_LABEL_REPEATED || !cjx_vr_is_set(m, fd))
        return "";
    const char *s = *(char *const *)cjx_vr_value(m, fd);
    return s ? s : "";
}

/* True for the types read_int reads. */
static int is_integer(ProtobufCType t)
{
    return t != PROTOBUF_C_TYPE_FLOAT && t != PROTOBUF_C_TYPE_DOUBLE &&
           t != PROTOBUF_C_TYPE_STRING && t != PROTOBUF_C_TYPE_BYTES &&
           t != PROTOBUF_C_TYPE_MESSAGE;
}

/* Reads the integer-like value at p of type t into *out; returns 0 (and
 * leaves *out alone) for other types. */
static int read_int(const void *p, ProtobufCType t, long long *out)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        *out = *(const int32_t *)p;
        return 1;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        *out = *(const uint32_t *)p;
        return 1;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        *out = *(const int64_t *)p;
        return 1;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: {
        uint64_t u = *(const uint64_t *)p;
        *out = u > LLONG_MAX ? LLONG_MAX : (long long)u;
        return 1;
    }
    case PROTOBUF_C_TYPE_ENUM:
        *out = *(const int *)p;
        return 1;
    case PROTOBUF_C_TYPE_BOOL:
        *out = *(const protobuf_c_boolean *)p;
        return 1;
    default:
        return 0;
    }
}

int cjx_vr_int_of(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd,
                  long long *out)
{
    *out = 0;
    if (fd->label == PROTOBUF_C_LABEL_REPEATED || !is_integer(fd->type))
        return 0;
    if (cjx_vr_is_set(m, fd))
        read_int(cjx_vr_value(m, fd), fd->type, out);
    return 1;
}

int cjx_vr_empty(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd)
{
    if (!cjx_vr_is_set(m, fd))
        return 1;
    const void *p = cjx_vr_value(m, fd);
    if (fd->label == PROTOBUF_C_LABEL_REPEATED)
        return *(const size_t *)quantifier(m, fd) == 0;
    const char *s;
    long long n;
    switch (fd->type) {
    case PROTOBUF_C_TYPE_STRING:
        s = cjx_vr_string_of(m, fd);
        return s[strspn(s, " \t\r\n")] == '\0';
    case PROTOBUF_C_TYPE_MESSAGE:
        return *(void *const *)p == NULL;
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)p)->len == 0;
    case PROTOBUF_C_TYPE_FLOAT:
        return *(const float *)p == 0;
    case PROTOBUF_C_TYPE_DOUBLE:
        return *(const double *)p == 0;
    default:
        return read_int(p, fd->type, &n) && n == 0;
    }
}

const ProtobufCFieldDescriptor *cjx_vr_oneof(const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        if (!(fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || !cjx_vr_is_set(m, fd))
            continue;
        if (fd->type == PROTOBUF_C_TYPE_MESSAGE &&
            !*(void *const *)cjx_vr_value(m, fd))
            continue;
        return fd;
    }
    return NULL;
}

/* ---- paths and faults ---- */

/* Appends n bytes of s to buf[*len], as many as fit before the last byte. */
static void put(char *buf, size_t *len, const char *s, size_t n)
{
    size_t room = CJX_VR_PATH - 1 - *len;
    memcpy(buf + *len, s, n < room ? n : room);
    *len += n < room ? n : room;
}

/* Appends ".name" (or "name" when buf is still empty). */
static void put_name(char *buf, size_t *len, const char *name)
{
    if (*len)
        put(buf, len, ".", 1);
    put(buf, len, name, strlen(name));
}

/* Appends the segments of at, outermost first. */
static void put_path(char *buf, size_t *len, const cjx_vpath *at)
{
    if (!at)
        return;
    put_path(buf, len, at->up);
    put_name(buf, len, at->name);
    if (at->index >= 0) {
        char ix[16];
        int n = snprintf(ix, sizeof ix, "[%d]", at->index);
        put(buf, len, ix, n > 0 ? (size_t)n : 0);
    }
}

/* Cutting at the end gives what building the path a segment at a time with
 * snprintf into buffers of this size gave. */
void cjx_vr_path(char *buf, const cjx_vpath *at, const char *name)
{
    size_t len = 0;
    put_path(buf, &len, at);
    if (name)
        put_name(buf, &len, name);
    buf[len] = '\0';
}

cjx_err cjx_vr_fault(const cjx_vctx *x, cjx_err code, const cjx_vpath *at,
                     const char *name, const char *fmt, ...)
{
    if (!x->f)
        return code;
    char path[CJX_VR_PATH], text[sizeof x->f->text];
    cjx_vr_path(path, at, name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return cjx_fault_set(x->f, code, path, "%s", text);
}

int cjx_field_is_personal(const ProtobufCFieldDescriptor *field)
{
    return field && field->name && strncmp(field->name, "pii_", 4) == 0;
}

/* ---- the walker ---- */

static cjx_err walk(const cjx_vctx *x, const ProtobufCMessage *m,
                    const cjx_vmsg *vm, const cjx_vpath *at, int depth);

/* Size of one element of a repeated field of type t. */
static size_t element_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM:
        return sizeof(int);
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(void *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    default:
        return 4;
    }
}

static int is_signed(ProtobufCType t)
{
    return t == PROTOBUF_C_TYPE_INT32 || t == PROTOBUF_C_TYPE_SINT32 ||
           t == PROTOBUF_C_TYPE_SFIXED32 || t == PROTOBUF_C_TYPE_INT64 ||
           t == PROTOBUF_C_TYPE_SINT64 || t == PROTOBUF_C_TYPE_SFIXED64;
}

/* Checks one value of field vf (a singular field or one element of a
 * repeated one) stored at p, descending into messages. */
static cjx_err check_value(const cjx_vctx *x, const cjx_vfield *vf,
                           const void *p, const cjx_vpath *at, int depth)
{
    long long n;
    switch (vf->fd->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return cjx_vr_string(x, vf, s ? s : "", at);
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
        return sub ? walk(x, sub, vf->sub, at, depth + 1) : CJX_OK;
    }
    case PROTOBUF_C_TYPE_ENUM:
        return cjx_vr_enum(x, vf, *(const int *)p, at);
    default:
        if (is_signed(vf->fd->type) && read_int(p, vf->fd->type, &n))
            return cjx_vr_integer(x, vf, n, at);
        return CJX_OK;
    }
}

/* Validates message m found at at, following the plan vm of the type its
 * field declares: m's required fields, every set field (each element of
 * repeated ones), then the rules between its fields. */
static cjx_err walk(const cjx_vctx *x, const ProtobufCMessage *m,
                    const cjx_vmsg *vm, const cjx_vpath *at, int depth)
{
    if (depth > MAX_DEPTH)
        return cjx_vr_fault(x, CJX_EMALFORMED, at, NULL, "nested too deeply");
    vm = cjx_vr_plan_of(vm, m);
    if (!vm)
        return cjx_vr_fault(x, CJX_EINVAL, at, NULL,
                            "no validation rules for %s", m->descriptor->name);
    cjx_err rc = cjx_vr_required(x, m, vm, at);
    if (rc)
        return rc;
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields && !rc; i++) {
        const cjx_vfield *vf = &vm->fields[i];
        const ProtobufCFieldDescriptor *fd = vf->fd;
        if (!cjx_vr_is_set(m, fd))
            continue;
        cjx_vpath here = {at, fd->name, -1};
        if (fd->label != PROTOBUF_C_LABEL_REPEATED) {
            rc = check_value(x, vf, cjx_vr_value(m, fd), &here, depth);
            continue;
        }
        size_t count = *(const size_t *)quantifier(m, fd);
        if (count > MAX_REPEATED)
            return cjx_vr_fault(x, CJX_ELENGTH, &here, NULL,
                                "has %zu entries; at most %d allowed", count,
                                MAX_REPEATED);
        const char *elems = *(const char *const *)cjx_vr_value(m, fd);
        size_t size = element_size(fd->type);
        for (size_t j = 0; j < count && !rc; j++) {
            here.index = (int)j;
            rc = check_value(x, vf, elems + j * size, &here, depth);
        }
    }
    return rc ? rc : cjx_vr_cross(x, m, vm, at);
}

/* ---- items ---- */

/* The message the item's body oneof holds, and its field, or NULL. */
static const ProtobufCMessage *body_of(const Cjx__Item *item,
                                       const ProtobufCFieldDescriptor **bfd)
{
    *bfd = cjx_vr_oneof(&item->base);
    if (!*bfd || (*bfd)->type != PROTOBUF_C_TYPE_MESSAGE)
        return NULL;
    return *(const ProtobufCMessage *const *)cjx_vr_value(&item->base, *bfd);
}

/* True for bodies whose kind is their own name: they have no detail. */
static int body_is_kind(const Cjx__Item *item)
{
    return item->body_case == CJX__ITEM__BODY_STATUS_CHANGE ||
           item->body_case == CJX__ITEM__BODY_INSTITUTION;
}

const char *cjx_item_kind(const Cjx__Item *item)
{
    const ProtobufCFieldDescriptor *bfd;
    const ProtobufCMessage *body = item ? body_of(item, &bfd) : NULL;
    if (body && body_is_kind(item))
        return bfd->name;
    const ProtobufCFieldDescriptor *kfd = body ? cjx_vr_oneof(body) : NULL;
    return kfd ? kfd->name : NULL;
}

char **cjx_item_origin(Cjx__Item *item, const char **field)
{
    switch (item->body_case) {
    case CJX__ITEM__BODY_POSTING:
        *field = "posting.publisher_credit_code";
        return &item->posting->publisher_credit_code;
    case CJX__ITEM__BODY_STATUS_CHANGE:
        *field = "status_change.publisher_credit_code";
        return &item->status_change->publisher_credit_code;
    case CJX__ITEM__BODY_RECORD:
        *field = "record.reporter_credit_code";
        return &item->record->reporter_credit_code;
    default:
        *field = "";
        return NULL;
    }
}

/* CJX_EKIND for a body without a detail, naming the kinds it may have. */
static cjx_err no_kind(cjx_fault *f, const ProtobufCMessage *body,
                       const char *field)
{
    char kinds[200] = "";
    size_t used = 0;
    const ProtobufCMessageDescriptor *d = body->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        if (!(d->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        int n = snprintf(kinds + used, sizeof kinds - used, "%s%s",
                         used ? ", " : "", d->fields[i].name);
        if (n < 0 || (size_t)n >= sizeof kinds - used)
            break;
        used += (size_t)n;
    }
    return cjx_fault_set(f, CJX_EKIND, field, "a %s needs a kind, one of: %s",
                         field, kinds);
}

cjx_err cjx_validate_item(const cjx_validator *v, const Cjx__Item *item,
                          cjx_fault *f)
{
    if (!item)
        return cjx_fault_set(f, CJX_EINVAL, "", "no item");
    const ProtobufCFieldDescriptor *bfd;
    const ProtobufCMessage *body = body_of(item, &bfd);
    if (!body)
        return cjx_fault_set(f, CJX_EKIND, "",
                             "an item needs a posting, a record or a status_change");
    if (item->body_case == CJX__ITEM__BODY_INSTITUTION)
        return cjx_fault_set(f, CJX_EFORBIDDEN, "institution",
                             "registry entries are made by the hub from each agent's "
                             "Hello, never published");
    if (!body_is_kind(item) && !cjx_vr_oneof(body))
        return no_kind(f, body, bfd->name);
    cjx_vctx x = {v, f};
    cjx_err rc = walk(&x, &item->base, NULL, NULL, 0);
    return rc ? rc : cjx_vr_item(&x, item);
}

/* json.c — the generic JSON <-> protobuf-c mapping declared in json.h.
 *
 * Everything here is driven by ProtobufCMessageDescriptor and
 * ProtobufCFieldDescriptor, so a field added to a .proto file maps to and
 * from JSON with no change in this file. Input is peer or operator data: it
 * is checked value by value against the field's type, and a refusal names
 * the dotted path of the field ("posting.major_codes[2]") and why.
 *
 * Messages are built so that protobuf_c_message_free_unpacked(m, NULL) can
 * free them at every step: a value is stored only once it is complete, a
 * repeated array is attached with its count at 0 and the count grows as
 * elements succeed, and a oneof case is set only after its member. So on any
 * error the one call on the root message frees all that was built.
 */
#include "json.h"
#include "json_int.h"
#include "utf8.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Deeper input is refused. The schema nests three levels (Item.posting.job);
 * this only bounds the recursion on hostile input or a recursive schema. */
#define MAX_DEPTH 32

/* The state of one JSON -> message walk: where we are, for error paths. */
typedef struct walk {
    cjx_fault *f;
    char path[256];
    size_t len;
    int depth;
} walk;

/* Per protobuf-c type: its name for messages, the size of one stored value
 * (an element of a repeated array), and for integers whether unsigned. */
static const struct {
    const char *name;
    size_t size;
    int is_unsigned;
} types[] = {
    [PROTOBUF_C_TYPE_INT32] = {"int32", 4, 0},
    [PROTOBUF_C_TYPE_SINT32] = {"sint32", 4, 0},
    [PROTOBUF_C_TYPE_SFIXED32] = {"sfixed32", 4, 0},
    [PROTOBUF_C_TYPE_UINT32] = {"uint32", 4, 1},
    [PROTOBUF_C_TYPE_FIXED32] = {"fixed32", 4, 1},
    [PROTOBUF_C_TYPE_INT64] = {"int64", 8, 0},
    [PROTOBUF_C_TYPE_SINT64] = {"sint64", 8, 0},
    [PROTOBUF_C_TYPE_SFIXED64] = {"sfixed64", 8, 0},
    [PROTOBUF_C_TYPE_UINT64] = {"uint64", 8, 1},
    [PROTOBUF_C_TYPE_FIXED64] = {"fixed64", 8, 1},
    [PROTOBUF_C_TYPE_FLOAT] = {"float", sizeof(float), 0},
    [PROTOBUF_C_TYPE_DOUBLE] = {"double", sizeof(double), 0},
    [PROTOBUF_C_TYPE_BOOL] = {"bool", sizeof(protobuf_c_boolean), 0},
    [PROTOBUF_C_TYPE_ENUM] = {"enum", sizeof(int), 0},
    [PROTOBUF_C_TYPE_STRING] = {"string", sizeof(char *), 0},
    [PROTOBUF_C_TYPE_BYTES] = {"bytes", sizeof(ProtobufCBinaryData), 0},
    [PROTOBUF_C_TYPE_MESSAGE] = {"message", sizeof(ProtobufCMessage *), 0},
};

static const char b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* ---- paths and faults ---- */

/* Appends to the path ("%s%s" with "." and a field name, or "[%zu]");
 * returns the length to give back to pop(). Too long a path is cut short. */
__attribute__((format(printf, 2, 3)))
static size_t push(walk *w, const char *fmt, ...)
{
    size_t mark = w->len, room = sizeof w->path - mark;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->path + mark, room, fmt, ap);
    va_end(ap);
    w->len = n < 0 ? mark : (size_t)n < room ? mark + (size_t)n : sizeof w->path - 1;
    return mark;
}

static void pop(walk *w, size_t mark)
{
    w->len = mark;
    w->path[mark] = '\0';
}

/* Records a refusal at the current path; returns code. */
__attribute__((format(printf, 3, 4)))
static cjx_err fail(walk *w, cjx_err code, const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return cjx_fault_set(w->f, code, w->path, "%s", text);
}

/* The JSON type of v in words, for "expected …, got …". */
static const char *jtype(const json_t *v)
{
    static const char *const names[] = {
        [JSON_OBJECT] = "object", [JSON_ARRAY] = "array", [JSON_STRING] = "string",
        [JSON_INTEGER] = "integer", [JSON_REAL] = "real number",
        [JSON_TRUE] = "boolean", [JSON_FALSE] = "boolean", [JSON_NULL] = "null",
    };
    return names[json_typeof(v)];
}

/* ---- enums ---- */

/* Length of the prefix all of ed's value names share, cut back to just after
 * its last '_' ("CLUSTER_" for cjx.Cluster); 0 when there is none. */
static size_t enum_prefix(const ProtobufCEnumDescriptor *ed)
{
    if (ed->n_values == 0)
        return 0;
    const char *first = ed->values[0].name;
    size_t n = strlen(first);
    for (unsigned i = 1; i < ed->n_values; i++) {
        size_t k = 0;
        while (k < n && ed->values[i].name[k] == first[k])
            k++;
        n = k;
    }
    while (n > 0 && first[n - 1] != '_')
        n--;
    return n;
}

/* Finds the value named s: its full name or its name without the common
 * prefix, ignoring case. Full names are tried first so they always win. */
static const ProtobufCEnumValue *enum_by_name(const ProtobufCEnumDescriptor *ed,
                                              const char *s)
{
    size_t pre = enum_prefix(ed);
    for (unsigned i = 0; i < ed->n_values; i++)
        if (strcasecmp(ed->values[i].name, s) == 0)
            return &ed->values[i];
    for (unsigned i = 0; i < ed->n_values; i++)
        if (strlen(ed->values[i].name) > pre &&
            strcasecmp(ed->values[i].name + pre, s) == 0)
            return &ed->values[i];
    return NULL;
}

/* ---- JSON -> message: one value ---- */

/* Stores v, which must fit integer type t, at dst as t's C type. Accepts a
 * JSON integer, and for 64-bit types also a string of digits (jansson's
 * integers are signed 64-bit, so a uint64 above 2^63-1 can only be a string). */
static cjx_err set_int(walk *w, ProtobufCType t, const json_t *v, void *dst)
{
    int wide = types[t].size == 8, is_unsigned = types[t].is_unsigned;
    int neg;
    uint64_t mag;

    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        neg = x < 0;
        mag = neg ? 0 - (uint64_t)x : (uint64_t)x;
    } else if (wide && json_is_string(v)) {
        const char *s = json_string_value(v), *digits = s + (*s == '-');
        char *end;
        neg = *s == '-';
        errno = 0;
        mag = strtoull(digits, &end, 10);   /* digits[0] is checked below */
        if (*digits < '0' || *digits > '9' || *end)
            return fail(w, CJX_EMALFORMED, "expected an integer, got \"%s\"", s);
        if (errno == ERANGE)
            return fail(w, CJX_EMALFORMED, "%s is out of range for %s", s, types[t].name);
    } else {
        return fail(w, CJX_EMALFORMED, "expected an integer, got %s", jtype(v));
    }

    uint64_t max = is_unsigned ? (wide ? UINT64_MAX : UINT32_MAX)
                               : (wide ? (uint64_t)INT64_MAX : (uint64_t)INT32_MAX);
    if (is_unsigned && neg && mag != 0)
        return fail(w, CJX_EMALFORMED, "must not be negative");
    if (neg ? mag > max + 1 : mag > max)
        return fail(w, CJX_EMALFORMED, "%s%" PRIu64 " is out of range for %s",
                    neg ? "-" : "", mag, types[t].name);

    /* two's complement bits; C lets a signed object be written through its
     * unsigned type */
    uint64_t bits = neg ? 0 - mag : mag;
    if (wide)
        *(uint64_t *)dst = bits;
    else
        *(uint32_t *)dst = (uint32_t)bits;
    return CJX_OK;
}

/* Stores a float or double: any JSON number, or "NaN", "Infinity",
 * "-Infinity". A finite number beyond FLT_MAX does not fit a float. */
static cjx_err set_real(walk *w, ProtobufCType t, const json_t *v, void *dst)
{
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    double x;
    if (json_is_number(v))
        x = json_number_value(v);
    else if (strcmp(s, "NaN") == 0)
        x = NAN;
    else if (strcmp(s, "Infinity") == 0 || strcmp(s, "-Infinity") == 0)
        x = s[0] == '-' ? -INFINITY : INFINITY;
    else
        return fail(w, CJX_EMALFORMED, "expected a number, got %s", jtype(v));
    if (t == PROTOBUF_C_TYPE_FLOAT) {
        if (isfinite(x) && fabs(x) > FLT_MAX)
            return fail(w, CJX_EMALFORMED, "%g is out of range for float", x);
        *(float *)dst = (float)x;
    } else {
        *(double *)dst = x;
    }
    return CJX_OK;
}

static cjx_err set_enum(walk *w, const ProtobufCEnumDescriptor *ed,
                        const json_t *v, int *dst)
{
    const ProtobufCEnumValue *ev;
    if (json_is_string(v)) {
        ev = enum_by_name(ed, json_string_value(v));
        if (!ev)
            return fail(w, CJX_ERANGE, "unknown value \"%s\" for %s",
                        json_string_value(v), ed->name);
    } else if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        ev = x >= INT32_MIN && x <= INT32_MAX
                 ? protobuf_c_enum_descriptor_get_value(ed, (int)x) : NULL;
        if (!ev)
            return fail(w, CJX_ERANGE, "unknown value %" JSON_INTEGER_FORMAT
                        " for %s", x, ed->name);
    } else {
        return fail(w, CJX_EMALFORMED, "expected an enum name, got %s", jtype(v));
    }
    *dst = ev->value;
    return CJX_OK;
}

static cjx_err set_string(walk *w, const json_t *v, char **dst)
{
    if (!json_is_string(v))
        return fail(w, CJX_EMALFORMED, "expected a string, got %s", jtype(v));
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (memchr(s, '\0', n))
        return fail(w, CJX_EMALFORMED, "must not contain a NUL character");
    char *c = malloc(n + 1);
    if (!c)
        return fail(w, CJX_ENOMEM, "out of memory");
    memcpy(c, s, n + 1);
    *dst = c;
    return CJX_OK;
}

/* The 6-bit value of a base64 digit of either alphabet, or -1. */
static int b64_value(char c)
{
    c = c == '-' ? '+' : c == '_' ? '/' : c;
    const char *p = c ? strchr(b64_chars, c) : NULL;
    return p ? (int)(p - b64_chars) : -1;
}

/* Stores base64 text (standard or URL-safe alphabet, padding optional) as
 * bytes; empty text gives {0, NULL}. */
static cjx_err set_bytes(walk *w, const json_t *v, ProtobufCBinaryData *dst)
{
    if (!json_is_string(v))
        return fail(w, CJX_EMALFORMED, "expected a base64 string, got %s", jtype(v));
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    for (int pad = 0; pad < 2 && n > 0 && s[n - 1] == '='; pad++)
        n--;
    if (n % 4 == 1)
        return fail(w, CJX_EMALFORMED, "not valid base64");
    uint8_t *out = NULL;
    if (n > 0 && !(out = malloc(n / 4 * 3 + 2)))
        return fail(w, CJX_ENOMEM, "out of memory");
    size_t len = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int d = b64_value(s[i]);
        if (d < 0) {
            free(out);
            return fail(w, CJX_EMALFORMED, "not valid base64");
        }
        acc = acc << 6 | (uint32_t)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[len++] = (uint8_t)(acc >> bits);   /* bits above 14 unused */
        }
    }
    dst->data = out;
    dst->len = len;
    return CJX_OK;
}

static cjx_err build(walk *w, const json_t *in, const ProtobufCMessageDescriptor *d,
                     ProtobufCMessage **out);

/* Stores one value of fd's type from v at dst (a struct member or an array
 * element). Writes dst only on success, and then with memory that
 * free_unpacked will free. */
static cjx_err set_value(walk *w, const ProtobufCFieldDescriptor *fd,
                         const json_t *v, void *dst)
{
    switch (fd->type) {
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
        return set_real(w, fd->type, v, dst);
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(v))
            return fail(w, CJX_EMALFORMED, "expected true or false, got %s", jtype(v));
        *(protobuf_c_boolean *)dst = json_is_true(v);
        return CJX_OK;
    case PROTOBUF_C_TYPE_ENUM:
        return set_enum(w, fd->descriptor, v, dst);
    case PROTOBUF_C_TYPE_STRING:
        return set_string(w, v, dst);
    case PROTOBUF_C_TYPE_BYTES:
        return set_bytes(w, v, dst);
    case PROTOBUF_C_TYPE_MESSAGE:
        return build(w, v, fd->descriptor, dst);
    default:
        return set_int(w, fd->type, v, dst);
    }
}

/* Sets field fd of m from v; null leaves it unset. For a repeated field the
 * array is attached first with n = 0 and n counts the elements built, so
 * free_unpacked frees exactly those if a later one fails. */
static cjx_err set_field(walk *w, const ProtobufCFieldDescriptor *fd,
                         const json_t *v, ProtobufCMessage *m)
{
    char *base = (char *)m;
    void *member = base + fd->offset;

    if (json_is_null(v))
        return CJX_OK;

    if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
        if (!json_is_array(v))
            return fail(w, CJX_EMALFORMED, "expected an array, got %s", jtype(v));
        size_t count = json_array_size(v), size = types[fd->type].size;
        if (count == 0)
            return CJX_OK;
        char *arr = calloc(count, size);
        if (!arr)
            return fail(w, CJX_ENOMEM, "out of memory");
        size_t *n = (size_t *)(base + fd->quantifier_offset);
        *(void **)member = arr;
        for (*n = 0; *n < count; (*n)++) {
            size_t mark = push(w, "[%zu]", *n);
            cjx_err rc = set_value(w, fd, json_array_get(v, *n), arr + *n * size);
            if (rc)
                return rc;
            pop(w, mark);
        }
        return CJX_OK;
    }

    if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        uint32_t *which = (uint32_t *)(base + fd->quantifier_offset);
        if (*which != 0) {
            const ProtobufCFieldDescriptor *other =
                protobuf_c_message_descriptor_get_field(m->descriptor, *which);
            return fail(w, CJX_EPROTOCOL, "\"%s\" and \"%s\" are alternatives; "
                        "give only one", other ? other->name : "?", fd->name);
        }
        cjx_err rc = set_value(w, fd, v, member);
        if (rc == CJX_OK)
            *which = fd->id;
        return rc;
    }

    cjx_err rc = set_value(w, fd, v, member);
    if (rc == CJX_OK && fd->label == PROTOBUF_C_LABEL_OPTIONAL &&
        fd->type != PROTOBUF_C_TYPE_STRING && fd->type != PROTOBUF_C_TYPE_MESSAGE)
        *(protobuf_c_boolean *)(base + fd->quantifier_offset) = 1;
    return rc;
}

/* Builds a message of type d from the JSON object in. On success *out is
 * the new message (caller frees with free_unpacked); on failure nothing is
 * left allocated and *out is untouched. */
static cjx_err build(walk *w, const json_t *in, const ProtobufCMessageDescriptor *d,
                     ProtobufCMessage **out)
{
    if (!json_is_object(in))
        return fail(w, CJX_EMALFORMED, "expected an object, got %s", jtype(in));
    if (w->depth >= MAX_DEPTH)
        return fail(w, CJX_EMALFORMED, "nested more than %d levels deep", MAX_DEPTH);
    ProtobufCMessage *m = malloc(d->sizeof_message);
    if (!m)
        return fail(w, CJX_ENOMEM, "out of memory");
    protobuf_c_message_init(d, m);

    cjx_err rc = CJX_OK;
    const char *key;
    json_t *v;
    w->depth++;
    /* jansson's iterator wants a non-const object; it does not change it */
    json_object_foreach((json_t *)in, key, v) {
        size_t mark = push(w, "%s%s", w->len ? "." : "", key);
        const ProtobufCFieldDescriptor *fd =
            protobuf_c_message_descriptor_get_field_by_name(d, key);
        rc = fd ? set_field(w, fd, v, m)
                : fail(w, CJX_EFIELD, "unknown field \"%s\"", key);
        if (rc)
            break;
        pop(w, mark);
    }
    w->depth--;
    if (rc) {
        protobuf_c_message_free_unpacked(m, NULL);
        return rc;
    }
    *out = m;
    return CJX_OK;
}

cjx_err cjx_json_to_message(const json_t *in, const ProtobufCMessageDescriptor *d,
                            ProtobufCMessage **out, cjx_fault *f)
{
    if (!in || !d || !out)
        return cjx_fault_set(f, CJX_EINVAL, "", "missing argument");
    walk w = {.f = f};
    ProtobufCMessage *m;
    cjx_err rc = build(&w, in, d, &m);
    if (rc == CJX_OK)
        *out = m;
    return rc;
}

cjx_err cjx_json_parse_message(const char *text, size_t len,
                               const ProtobufCMessageDescriptor *d,
                               ProtobufCMessage **out, cjx_fault *f)
{
    if (!text || !d || !out)
        return cjx_fault_set(f, CJX_EINVAL, "", "missing argument");
    json_error_t err;
    json_t *in = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (!in)
        return cjx_fault_set(f, CJX_EMALFORMED, "", "line %d column %d: %s",
                             err.line, err.column, err.text);
    cjx_err rc = cjx_json_to_message(in, d, out, f);
    json_decref(in);
    return rc;
}

/* ---- message -> JSON ---- */

size_t cjx_json_type_size(ProtobufCType t)
{
    return types[t].size;
}

/* Non-finite values are the strings the input accepts, and a float is
 * written by the shortest decimal that reads back as the same float, so
 * 0.1f is 0.1 as a double (jansson then prints that double as it prints any). */
const char *cjx_json_real(double x, int is_float, double *out)
{
    if (isnan(x))
        return "NaN";
    if (isinf(x))
        return x > 0 ? "Infinity" : "-Infinity";
    if (is_float) {
        char buf[32];
        for (int p = 6; p <= 9; p++) {
            snprintf(buf, sizeof buf, "%.*g", p, x);
            if (strtof(buf, NULL) == (float)x)
                break;
        }
        x = strtod(buf, NULL);
    }
    *out = x;
    return NULL;
}

static json_t *real_json(double x, int is_float)
{
    double v;
    const char *s = cjx_json_real(x, is_float, &v);
    return s ? json_string(s) : json_real(v);
}

size_t cjx_json_base64(char *dst, const ProtobufCBinaryData *b)
{
    size_t n = b->len;
    char *q = dst;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)b->data[i] << 16;
        if (i + 1 < n) v |= (uint32_t)b->data[i + 1] << 8;
        if (i + 2 < n) v |= b->data[i + 2];
        *q++ = b64_chars[v >> 18 & 63];
        *q++ = b64_chars[v >> 12 & 63];
        *q++ = i + 1 < n ? b64_chars[v >> 6 & 63] : '=';
        *q++ = i + 2 < n ? b64_chars[v & 63] : '=';
    }
    return (size_t)(q - dst);
}

static json_t *bytes_json(const ProtobufCBinaryData *b)
{
    char *s = malloc(CJX_JSON_BASE64_LEN(b->len) + 1);
    if (!s)
        return NULL;
    s[cjx_json_base64(s, b)] = '\0';
    json_t *j = json_string(s);
    free(s);
    return j;
}

const char *cjx_json_enum_name(const ProtobufCFieldDescriptor *fd, int e)
{
    const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(fd->descriptor, e);
    return ev ? ev->name : NULL;
}

/* One value of fd's type at src as JSON; NULL when out of memory (or a
 * string that is not UTF-8, which jansson refuses). */
static json_t *value_json(const ProtobufCFieldDescriptor *fd, const void *src)
{
    switch (fd->type) {
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        return json_integer(*(const uint32_t *)src);
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return json_integer(*(const int64_t *)src);
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: {
        uint64_t u = *(const uint64_t *)src;
        char buf[24];
        if (u <= INT64_MAX)
            return json_integer((json_int_t)u);
        snprintf(buf, sizeof buf, "%" PRIu64, u);
        return json_string(buf);
    }
    case PROTOBUF_C_TYPE_FLOAT:
        return real_json(*(const float *)src, 1);
    case PROTOBUF_C_TYPE_DOUBLE:
        return real_json(*(const double *)src, 0);
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *)src);
    case PROTOBUF_C_TYPE_ENUM: {
        int e = *(const int *)src;
        const char *name = cjx_json_enum_name(fd, e);
        return name ? json_string(name) : json_integer(e);
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)src;
        json_t *j = json_string(s ? s : "");
        if (!j && s) { /* not UTF-8: shown repaired rather than not at all */
            size_t cap = strlen(s) + 1;
            char *repaired = malloc(cap);
            if (repaired) {
                cjx_utf8_repair(repaired, cap, s);
                j = json_string(repaired);
                free(repaired);
            }
        }
        return j;
    }
    case PROTOBUF_C_TYPE_BYTES:
        return bytes_json(src);
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)src;
        return sub ? cjx_json_from_message(sub) : json_object();
    }
    default:
        return json_integer(*(const int32_t *)src);
    }
}

/* Whether a non-repeated field is written: the set member of a oneof; an
 * optional field that is present; a proto3 field not at its zero value
 * (the same test protobuf-c's pack uses, so JSON and wire agree). */
int cjx_json_present(const ProtobufCFieldDescriptor *fd, const ProtobufCMessage *m)
{
    const char *base = (const char *)m;
    const void *member = base + fd->offset;
    int pointer = fd->type == PROTOBUF_C_TYPE_STRING ||
                  fd->type == PROTOBUF_C_TYPE_MESSAGE;
    /* only string and message members are pointers; others may be smaller */
    const void *ptr = pointer ? *(const void *const *)member : NULL;

    if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)(base + fd->quantifier_offset) == fd->id;
    if (fd->label == PROTOBUF_C_LABEL_OPTIONAL)
        return pointer ? ptr && ptr != fd->default_value
                       : *(const protobuf_c_boolean *)(base + fd->quantifier_offset);
    if (fd->label == PROTOBUF_C_LABEL_REQUIRED)
        return !pointer || ptr;

    switch (fd->type) {
    case PROTOBUF_C_TYPE_STRING: return ptr && *(const char *)ptr;
    case PROTOBUF_C_TYPE_MESSAGE: return ptr != NULL;
    case PROTOBUF_C_TYPE_BYTES: return ((const ProtobufCBinaryData *)member)->len > 0;
    case PROTOBUF_C_TYPE_FLOAT: return *(const float *)member != 0;
    case PROTOBUF_C_TYPE_DOUBLE: return *(const double *)member != 0;
    case PROTOBUF_C_TYPE_BOOL: return *(const protobuf_c_boolean *)member != 0;
    default: {
        static const uint8_t zero[8];
        return memcmp(member, zero, types[fd->type].size) != 0;
    }
    }
}

json_t *cjx_json_from_message(const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const char *base = (const char *)m;
    json_t *obj = json_object();
    if (!obj)
        return NULL;

    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        json_t *v;
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + fd->quantifier_offset);
            const char *arr = *(char *const *)(base + fd->offset);
            size_t size = types[fd->type].size;
            if (n == 0)
                continue;
            v = json_array();
            for (size_t j = 0; v && j < n; j++) {
                if (json_array_append_new(v, value_json(fd, arr + j * size))) {
                    json_decref(v);
                    v = NULL;
                }
            }
        } else {
            if (!cjx_json_present(fd, m))
                continue;
            v = value_json(fd, base + fd->offset);
        }
        /* set_new takes v even when it fails, and refuses a NULL v */
        if (json_object_set_new(obj, fd->name, v)) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

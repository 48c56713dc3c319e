/* validate_rules.c — the rules single values follow, as tables keyed by
 * field names, and the functions that apply them: UTF-8 and length of
 * strings, codes and dates, ranges of numbers, values of enums.
 *
 * proto/domain.proto states the naming conventions these tables rely on
 * ("*credit_code", "*division_code", "*_date", "pii_*"…). Names are matched
 * once per field of the schema, when the plan is built (cjx_vr_bind_field);
 * the generic walker in validate.c then calls the cjx_vr_* checks for every
 * value with the rules already resolved. A rule is added here as a table
 * row, not as code for one message type. Rules about whole messages and
 * items are in validate_messages.c.
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
 * UTF-8 (overlong forms, surrogates and values above U+10FFFF included).
 * One branch per sequence length, as most text here is 3-byte Chinese. A
 * continuation byte is read only after the one before it was one, so the
 * terminating NUL stops the scan. */
static int utf8_count(const char *s, size_t *count)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    for (;; n++) {
        unsigned c = p[0], cp;
        if (c < 0x80) {
            if (!c)
                break;
            p++;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if ((p[1] & 0xC0) != 0x80)
                return 0;
            p += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
                return 0;
            cp = (c & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu);
            if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
            p += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
                (p[3] & 0xC0) != 0x80)
                return 0;
            cp = (c & 0x07u) << 18 | (p[1] & 0x3Fu) << 12 |
                 (p[2] & 0x3Fu) << 6 | (p[3] & 0x3Fu);
            if (cp < 0x10000 || cp > 0x10FFFF)
                return 0;
            p += 4;
        } else {
            return 0;
        }
    }
    *count = n;
    return 1;
}

/* Longest strings, in code points, by field name; others DEFAULT_CHARS. */
#define DEFAULT_CHARS 200
static const struct length_rule {
    const char *pattern;
    size_t max;
} length_rules[] = {
    {"title", 120},           {"description", 4000}, {"requirements", 4000},
    {"content", 4000},        {"body", 4000},        {"expected_outcome", 4000},
    {"facilities", 2000},     {"url", 2048},         {"ref", 64},
};

/* ---- strings: codes and dates ---- */

enum { CAT_NONE, CAT_MAJORS, CAT_DIVISIONS };

static cjx_err date_form(const char *s)
{
    return cjx_date_parse(s, NULL);
}

/* What a field's name says its value is, and how that is checked: by a form
 * rule of codes.c, or by lookup in a catalogue. */
static const struct cjx_vr_string_rule {
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
static cjx_err apply(const cjx_vctx *x, const struct cjx_vr_string_rule *r,
                     const char *s, const cjx_vpath *at)
{
    if (r->form)
        return r->form(s);
    const cjx_catalog *c = NULL;
    if (x->v)
        c = r->catalog == CAT_MAJORS ? x->v->majors : x->v->divisions;
    if (!c)
        return cjx_vr_fault(x, CJX_EINVAL, at, NULL,
                            "no %s catalogue loaded to check this against",
                            r->catalog == CAT_MAJORS ? "majors" : "divisions");
    if (cjx_catalog_name(c, s))
        return CJX_OK;
    return r->catalog == CAT_MAJORS ? CJX_EMAJOR : CJX_EDIVISION;
}

cjx_err cjx_vr_string(const cjx_vctx *x, const cjx_vfield *vf, const char *s,
                      const cjx_vpath *at)
{
    size_t chars;
    if (!utf8_count(s, &chars))
        return cjx_vr_fault(x, CJX_EMALFORMED, at, NULL, "not valid UTF-8");
    if (chars > vf->max_chars)
        return cjx_vr_fault(x, CJX_ELENGTH, at, NULL,
                            "%zu characters long; at most %zu allowed", chars,
                            vf->max_chars);
    const struct cjx_vr_string_rule *r = vf->string;
    if (!*s || !r)
        return CJX_OK;
    cjx_err rc = apply(x, r, s, at);
    if (rc == CJX_OK || rc == CJX_EINVAL)
        return rc;
    char buf[48];
    if (vf->personal)
        return cjx_vr_fault(x, rc, at, NULL, "not a valid %s (%s)", r->what,
                            cjx_strerror(rc));
    return cjx_vr_fault(x, rc, at, NULL, "not a valid %s (%s): \"%s\"",
                        r->what, cjx_strerror(rc), shown(buf, sizeof buf, s));
}

/* ---- numbers and enums ---- */

/* Ranges by field name, checked when the value is not 0 (0 is "not stated";
 * required fields catch it). Every signed number must also be >= 0. */
static const struct cjx_vr_int_rule {
    const char *pattern;
    long long min, max;
} int_rules[] = {
    {"year", 1900, 2199},
    {"*_year", 1900, 2199},
};

cjx_err cjx_vr_integer(const cjx_vctx *x, const cjx_vfield *vf, long long n,
                       const cjx_vpath *at)
{
    const struct cjx_vr_int_rule *r = vf->range;
    if (n >= 0 && (!r || !n || (n >= r->min && n <= r->max)))
        return CJX_OK;
    char value[32] = "";
    if (!vf->personal)
        snprintf(value, sizeof value, " (%lld)", n);
    if (n < 0)
        return cjx_vr_fault(x, CJX_ERANGE, at, NULL, "must not be negative%s",
                            value);
    return cjx_vr_fault(x, CJX_ERANGE, at, NULL,
                        "must be between %lld and %lld%s", r->min, r->max,
                        value);
}

cjx_err cjx_vr_enum(const cjx_vctx *x, const cjx_vfield *vf, int value,
                    const cjx_vpath *at)
{
    const ProtobufCEnumDescriptor *ed = vf->fd->descriptor;
    if (protobuf_c_enum_descriptor_get_value(ed, value))
        return CJX_OK;
    return cjx_vr_fault(x, CJX_ERANGE, at, NULL, "%d is not a value of %s",
                        value, ed->name);
}

/* ---- binding ---- */

/* The first row of a table of n rows of size `size`, each starting with its
 * name pattern, that matches name; NULL when none does. */
static const void *first_match(const void *table, size_t n, size_t size,
                               const char *name)
{
    for (size_t i = 0; i < n; i++) {
        const char *row = (const char *)table + i * size;
        if (name_matches(*(const char *const *)row, name))
            return row;
    }
    return NULL;
}

#define MATCH(table, name) first_match(table, N_OF(table), sizeof table[0], name)

void cjx_vr_bind_field(cjx_vfield *vf)
{
    const char *name = vf->fd->name;
    const struct length_rule *len = MATCH(length_rules, name);
    vf->max_chars = len ? len->max : DEFAULT_CHARS;
    vf->string = MATCH(string_rules, name);
    vf->range = MATCH(int_rules, name);
    vf->personal = (unsigned char)cjx_field_is_personal(vf->fd);
}

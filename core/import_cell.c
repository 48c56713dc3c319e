/* import_cell.c — the text of one cell as the JSON value of its field:
 * dates in the forms clerks and spreadsheets write, whole numbers, yes/no,
 * enum names and their Chinese aliases, lists (see import_map.h). Only the
 * form is checked here; what a value means is validation's (validate.h). */
#include "import_map.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Reads 1 to max digits at *p into *v; advances *p. 0, or -1 when none. */
static int digits(const char **p, int max, int *v)
{
    int n = 0;
    *v = 0;
    while (n < max && isdigit((unsigned char)**p)) {
        *v = *v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return n ? 0 : -1;
}

/* Matches sep at *p (one of the separators, or a multi-byte word). */
static int skip(const char **p, const char *const *seps)
{
    for (; *seps; seps++) {
        size_t n = strlen(*seps);
        if (strncmp(*p, *seps, n) == 0) {
            *p += n;
            return 0;
        }
    }
    return -1;
}

/* 0 when p is exactly a time of day, H:MM or HH:MM, with :SS or not. */
static int time_of_day(const char *p)
{
    int h, m, sec = 0;
    const char *q = p;
    if (digits(&q, 2, &h) || *q++ != ':' || !isdigit((unsigned char)q[0]) ||
        !isdigit((unsigned char)q[1]))
        return -1;
    m = (q[0] - '0') * 10 + (q[1] - '0');
    q += 2;
    if (*q == ':') {
        if (!isdigit((unsigned char)q[1]) || !isdigit((unsigned char)q[2]))
            return -1;
        sec = (q[1] - '0') * 10 + (q[2] - '0');
        q += 3;
    }
    return *q || h > 23 || m > 59 || sec > 59 ? -1 : 0;
}

int cjx_import_date(const char *text, char out[11])
{
    static const char *const after_year[] = {"-", "/", ".", "年", NULL};
    static const char *const after_month[] = {"-", "/", ".", "月", NULL};
    const char *p = text;
    int y, m, d;
    size_t len = strlen(text);
    if (len == 8 && strspn(text, "0123456789") == 8) { /* 20260301 */
        y = atoi((char[5]){text[0], text[1], text[2], text[3], 0});
        m = (text[4] - '0') * 10 + (text[5] - '0');
        d = (text[6] - '0') * 10 + (text[7] - '0');
    } else {
        if (digits(&p, 4, &y) || p - text != 4 || skip(&p, after_year) || digits(&p, 2, &m) ||
            skip(&p, after_month) || digits(&p, 2, &d))
            return -1;
        if (strncmp(p, "日", strlen("日")) == 0)
            p += strlen("日");
        /* a time of day after the date (Excel writes "2026/3/1 0:00") */
        if ((*p == ' ' || *p == 'T') && time_of_day(p + 1 + strspn(p + 1, " ")))
            return -1;
        if (*p && *p != ' ' && *p != 'T')
            return -1;
    }
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    char buf[32];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    memcpy(out, buf, 11); /* y has at most 4 digits */
    out[10] = '\0';
    return 0;
}

static int is_date_field(const char *name)
{
    size_t n = strlen(name);
    return strcmp(name, "valid_from") == 0 || strcmp(name, "valid_until") == 0 ||
           (n > 5 && strcmp(name + n - 5, "_date") == 0);
}

/* A whole number: sign, digits with optional thousands separators (then
 * in groups of three: "7,500", never "1,5"), and optionally ".0…"
 * (spreadsheets write 5000.00). */
static cjx_err whole_number(const char *text, json_t **out, cjx_fault *f)
{
    char buf[32];
    size_t n = 0;
    const char *p = text;
    if (*p == '-' || *p == '+')
        buf[n++] = *p++;
    if (!isdigit((unsigned char)*p))
        goto bad;
    size_t group = 0;   /* digits since the last separator */
    int separated = 0;
    for (; *p && n < sizeof buf - 1; p++) {
        if (isdigit((unsigned char)*p)) {
            buf[n++] = *p;
            group++;
        } else if (*p == ',' && group > 0 && (separated ? group == 3 : group <= 3)) {
            separated = 1;
            group = 0;
        } else {
            break;
        }
    }
    if (separated && group != 3)
        goto bad;
    if (*p == '.' && strspn(p + 1, "0") == strlen(p + 1))
        p += strlen(p);
    if (*p)
        goto bad;
    buf[n] = '\0';
    errno = 0;
    long long v = strtoll(buf, NULL, 10);
    if (errno)
        return cjx_fault_set(f, CJX_ERANGE, "", "a number too large");
    *out = json_integer(v);
    return *out ? CJX_OK : cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
bad:
    return cjx_fault_set(f, CJX_EMALFORMED, "", "not a whole number");
}

static cjx_err boolean(const char *text, json_t **out, cjx_fault *f)
{
    static const char *const yes[] = {"是", "有", "true", "yes", "y", "1", "√", NULL};
    static const char *const no[] = {"否", "无", "false", "no", "n", "0", "×", NULL};
    for (int i = 0; yes[i]; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = json_true();
            return CJX_OK;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = json_false();
            return CJX_OK;
        }
    }
    return cjx_fault_set(f, CJX_EMALFORMED, "", "not 是/否 (yes/no)");
}

/* Splits a list at commas, semicolons (ASCII or full width), 、 and blanks. */
static cjx_err list(const char *text, json_t **out, cjx_fault *f)
{
    static const char *const seps[] = {",", ";", " ", "\t", "，", "；", "、", "|", NULL};
    json_t *a = json_array();
    const char *p = text, *start = text;
    while (a) {
        const char *here = p;
        if (*p == '\0' || skip(&p, seps) == 0) {
            if (here > start && json_array_append_new(a, json_stringn(start, (size_t)(here - start))))
                break;
            if (*here == '\0') {
                *out = a;
                return CJX_OK;
            }
            start = p;
        } else {
            p++;
        }
    }
    json_decref(a);
    return cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
}

cjx_err cjx_import_cell(const cjx_import_map *m, const ProtobufCFieldDescriptor *fd,
                        const char *text, json_t **out, cjx_fault *f)
{
    char date[11], upper[64];
    if (fd->label == PROTOBUF_C_LABEL_REPEATED)
        return list(text, out, f);
    switch (fd->type) {
    case PROTOBUF_C_TYPE_BOOL:
        return boolean(text, out, f);
    case PROTOBUF_C_TYPE_ENUM:
        for (size_t i = 0; i < m->nvalues; i++)
            if (strcmp(text, m->values[i][0]) == 0)
                text = m->values[i][1];
        if (strspn(text, "0123456789") == strlen(text))
            return whole_number(text, out, f);
        break;
    case PROTOBUF_C_TYPE_STRING:
        if (strcmp(fd->name, "pii_id_number") == 0 && strlen(text) < sizeof upper) {
            /* codes.c takes an upper-case X only; the pseudonym is of it too */
            for (size_t i = 0; (upper[i] = (char)toupper((unsigned char)text[i])); i++)
                ;
            text = upper;
            break;
        }
        if (!is_date_field(fd->name))
            break;
        if (cjx_import_date(text, date))
            return cjx_fault_set(f, CJX_EDATE, "",
                                 "not a date (2026-03-01, 2026/3/1 or 2026年3月1日)");
        text = date;
        break;
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE: {
        char *end;
        double v = strtod(text, &end);
        if (*end || end == text)
            return cjx_fault_set(f, CJX_EMALFORMED, "", "not a number");
        *out = json_real(v);
        return *out ? CJX_OK : cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    }
    default:
        return whole_number(text, out, f);
    }
    *out = json_string(text);
    return *out ? CJX_OK : cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
}

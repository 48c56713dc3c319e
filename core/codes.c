/* codes.c — form and check-character rules of the Chinese codes cjx carries
 * (unified social credit code, citizen ID, industry, graduate destination,
 * dates), and the code catalogues loaded from config/ (majors, divisions).
 *
 * The rules here are fixed by national standards, so they are code; which
 * majors and divisions exist changes with each revision of the catalogues,
 * so that is data (cjx_catalog_load). Everything is case-sensitive on
 * purpose: codes are stored and compared in their canonical upper-case
 * form, so "x" and "X" never make two different people or enterprises.
 */
#include "codes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- shared helpers ---- */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return 0;
    return 1;
}

/* The number the n digits at s make; all_digits has checked them. */
static int digits_value(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* True when the two digits at d name a GB/T 2260 province-level division. */
static int province_known(const char *d)
{
    static const struct { int lo, hi; } provinces[] = {
        {11, 15}, {21, 23}, {31, 37}, {41, 46}, {50, 54},
        {61, 65}, {71, 71}, {81, 82},
    };
    if (!is_digit(d[0]) || !is_digit(d[1]))
        return 0;
    int p = (d[0] - '0') * 10 + (d[1] - '0');
    for (size_t i = 0; i < sizeof provinces / sizeof provinces[0]; i++)
        if (p >= provinces[i].lo && p <= provinces[i].hi)
            return 1;
    return 0;
}

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (H. Hinnant's
 * days_from_civil; valid for the years cjx accepts). */
static int days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Today in China (UTC+8, no daylight saving), as days since 1970-01-01. */
static int today_days(void)
{
    return (int)(((long long)time(NULL) + 8 * 3600) / 86400);
}

/* ---- unified social credit code, GB 32100-2015 ---- */

/* The alphabet is 0-9 then A-Y without I, O, S, V: a letter's value is its
 * place after the digits, -1 for the four left out and for Z. */
static const signed char uscc_letter[26] = {
    10, 11, 12, 13, 14, 15, 16, 17, -1, 18, 19, 20, 21, /* A-M */
    22, -1, 23, 24, 25, -1, 26, 27, -1, 28, 29, 30, -1, /* N-Z */
};

/* The value of character c in the USCC alphabet, or -1 (every publish
 * looks up a code's 18 characters, and 17 of them again for the sum). */
static int uscc_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    return c >= 'A' && c <= 'Z' ? uscc_letter[c - 'A'] : -1;
}

cjx_err cjx_code_uscc(const char *s)
{
    static const int weights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                    29, 25, 13, 8,  24, 10, 30, 28};
    if (!s || strlen(s) != 18)
        return CJX_ECODE;
    for (int i = 0; i < 18; i++)
        if (uscc_value(s[i]) < 0)
            return CJX_ECODE;
    if (!all_digits(s + 2, 6))
        return CJX_ECODE;
    if (!province_known(s + 2))
        return CJX_EDIVISION;
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += uscc_value(s[i]) * weights[i];
    int check = (31 - sum % 31) % 31;
    return uscc_value(s[17]) == check ? CJX_OK : CJX_ECHECKCHAR;
}

/* ---- citizen ID number, GB 11643-1999 ---- */

/* Lower-case 'x' is refused (CJX_ECODE): IDs are keyed into pseudonyms, and
 * one person must never yield two pseudonyms. Callers that take input from
 * people upper-case it before validation. */
cjx_err cjx_code_citizen_id(const char *s)
{
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6,
                                    3, 7, 9, 10, 5, 8, 4, 2};
    static const char checks[] = "10X98765432";
    if (!s || strlen(s) != 18 || !all_digits(s, 17))
        return CJX_ECODE;
    if (!is_digit(s[17]) && s[17] != 'X')
        return CJX_ECODE;
    if (!province_known(s))
        return CJX_EDIVISION;
    char date[11];
    snprintf(date, sizeof date, "%.4s-%.2s-%.2s", s + 6, s + 10, s + 12);
    int born;
    if (cjx_date_parse(date, &born) != CJX_OK || born > today_days())
        return CJX_EDATE;
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (s[i] - '0') * weights[i];
    return s[17] == checks[sum % 11] ? CJX_OK : CJX_ECHECKCHAR;
}

/* ---- industry, GB/T 4754-2017 ---- */

/* Sections are A–T; divisions run 01–97 without gaps (A 01–05 … T 97), and
 * groups and classes extend their division by one or two digits. */
cjx_err cjx_code_industry(const char *s)
{
    if (!s)
        return CJX_ECODE;
    size_t n = strlen(s);
    if (n == 1)
        return s[0] >= 'A' && s[0] <= 'T' ? CJX_OK : CJX_ECODE;
    if (n < 2 || n > 4 || !all_digits(s, n))
        return CJX_ECODE;
    int division = (s[0] - '0') * 10 + (s[1] - '0');
    return division >= 1 && division <= 97 ? CJX_OK : CJX_ECODE;
}

/* ---- graduate destination ---- */

cjx_err cjx_code_destination(const char *s)
{
    static const char *const codes[] = {"10", "11", "12", "27", "46", "50",
                                        "51", "70", "71", "72", "75", "76",
                                        "80", "81", "82", "85"};
    if (!s)
        return CJX_ECODE;
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(s, codes[i]) == 0)
            return CJX_OK;
    return CJX_ECODE;
}

/* ---- dates ---- */

cjx_err cjx_date_parse(const char *s, int *days)
{
    static const int month_days[12] = {31, 28, 31, 30, 31, 30,
                                       31, 31, 30, 31, 30, 31};
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        !all_digits(s, 4) || !all_digits(s + 5, 2) || !all_digits(s + 8, 2))
        return CJX_EDATE;
    int y = digits_value(s, 4), m = digits_value(s + 5, 2), d = digits_value(s + 8, 2);
    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1)
        return CJX_EDATE;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > month_days[m - 1] + (m == 2 && leap))
        return CJX_EDATE;
    if (days)
        *days = days_from_civil(y, m, d);
    return CJX_OK;
}

/* ---- catalogues ---- */

typedef struct entry {
    char *code;
    char *name;
    int line;                 /* where it was read, for duplicate reports */
} entry;

/* A sorted array: catalogues are loaded once and only looked up after. */
struct cjx_catalog {
    entry *v;
    size_t n, cap;
};

void cjx_catalog_destroy(cjx_catalog **self_p)
{
    if (!self_p || !*self_p)
        return;
    cjx_catalog *c = *self_p;
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].code);
        free(c->v[i].name);
    }
    free(c->v);
    free(c);
    *self_p = NULL;
}

static int entry_cmp(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int r = strcmp(x->code, y->code);
    return r ? r : x->line - y->line;
}

/* Strips ASCII blanks (and the CR of CRLF files) from both ends, in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
                 s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* A code is 1–16 ASCII letters and digits. */
static int code_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 16)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!is_digit(c) && !(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z'))
            return 0;
    }
    return 1;
}

/* Parses one non-comment line into c. Returns NULL on success or the reason
 * the line is malformed; CJX_ENOMEM is reported through *oom. */
static const char *add_line(cjx_catalog *c, char *line, int lineno, int *oom)
{
    char *comma = strchr(line, ',');
    if (!comma)
        return "expected \"code,name\"";
    *comma = '\0';
    char *code = trim(line), *name = trim(comma + 1);
    if (!code_ok(code))
        return "code must be 1-16 letters or digits";
    if (!*name)
        return "name is empty";
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        entry *v = realloc(c->v, cap * sizeof *v);
        if (!v)
            goto nomem;
        c->v = v;
        c->cap = cap;
    }
    entry *e = &c->v[c->n];
    e->code = strdup(code);
    e->name = strdup(name);
    e->line = lineno;
    if (!e->code || !e->name) {
        free(e->code);
        free(e->name);
        goto nomem;
    }
    c->n++;
    return NULL;
nomem:
    *oom = 1;
    return "out of memory";
}

cjx_err cjx_catalog_load(const char *path, cjx_catalog **out, cjx_fault *f)
{
    if (!path || !out)
        return cjx_fault_set(f, CJX_EINVAL, "", "no catalogue path");
    FILE *fp = fopen(path, "r");
    if (!fp)
        return cjx_fault_set(f, CJX_EIO, "", "%s: %s", path, strerror(errno));
    cjx_catalog *c = calloc(1, sizeof *c);
    char *buf = NULL;
    size_t bufsz = 0;
    cjx_err rc = CJX_OK;
    int lineno = 0;
    if (!c) {
        rc = cjx_fault_set(f, CJX_ENOMEM, "", "%s: out of memory", path);
        goto fail;
    }
    while (getline(&buf, &bufsz, fp) != -1) {
        lineno++;
        char *line = buf;
        if (lineno == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0)
            line += 3;                     /* UTF-8 byte order mark */
        line = trim(line);
        if (!*line || *line == '#')
            continue;
        int oom = 0;
        const char *why = add_line(c, line, lineno, &oom);
        if (why) {
            rc = cjx_fault_set(f, oom ? CJX_ENOMEM : CJX_ECONFIG, "",
                               "%s:%d: %s", path, lineno, why);
            goto fail;
        }
    }
    if (ferror(fp)) {
        rc = cjx_fault_set(f, CJX_EIO, "", "%s: read error", path);
        goto fail;
    }
    if (c->n)
        qsort(c->v, c->n, sizeof *c->v, entry_cmp);
    for (size_t i = 1; i < c->n; i++)
        if (strcmp(c->v[i - 1].code, c->v[i].code) == 0) {
            rc = cjx_fault_set(f, CJX_ECONFIG, "",
                               "%s:%d: duplicate code %s (first on line %d)",
                               path, c->v[i].line, c->v[i].code,
                               c->v[i - 1].line);
            goto fail;
        }
    free(buf);
    fclose(fp);
    *out = c;
    return CJX_OK;
fail:
    free(buf);
    fclose(fp);
    cjx_catalog_destroy(&c);
    return rc;
}

static int key_cmp(const void *key, const void *e)
{
    return strcmp(key, ((const entry *)e)->code);
}

const char *cjx_catalog_name(const cjx_catalog *c, const char *code)
{
    if (!c || !code || !c->n)
        return NULL;
    const entry *e = bsearch(code, c->v, c->n, sizeof *c->v, key_cmp);
    return e ? e->name : NULL;
}

size_t cjx_catalog_count(const cjx_catalog *c)
{
    return c ? c->n : 0;
}
